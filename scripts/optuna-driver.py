#!/usr/bin/python3
"""Optuna 3.1 as an ask/tell server for Sextant's benchmark lab (src/bench/lab/optuna.ts).

One JSON object per line on stdin, one answer per line on stdout:
  {"op": "init", "sampler": "optuna-tpe", "options": {...}, "seed": 0}  -> {"ok": true}
  {"op": "ask"}                                                          -> {"ok": true}
  {"op": "suggest", "name": "x0", "distribution": {"type": "float", ...}} -> {"value": ...}
  {"op": "tell", "value": 1.5}                                           -> {"ok": true}
Several objectives: init with "objectives": 2 (and "constrained": true to hand constraint values
to NSGA-II / MO-TPE), tell with "values": [...] (and "constraints": [...]). Pruning: init with
"pruner": "optuna-asha" (and "pruner_options", "max_resource"), then per step
  {"op": "report", "value": 0.3, "step": 4}                              -> {"prune": false}
and {"op": "tell", "pruned": true} for a trial stopped early; {"op": "tell", "failed": true} for
a trial whose evaluation failed.
Errors come back as {"error": "..."}; the process ends at end of input. Node evaluates the problem,
so both sides see the same problem instance and the same noise stream.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)


def parse_option(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def constraints_of(trial):
    return trial.user_attrs["constraints"]


def make_sampler(name, options, seed, constrained=False):
    kwargs = {key: parse_option(value) for key, value in options.items()}
    if name == "optuna-nsga2":
        if constrained:
            kwargs.setdefault("constraints_func", constraints_of)
        return optuna.samplers.NSGAIISampler(seed=seed, **kwargs)
    if name == "optuna-motpe":
        # Optuna 3.1's TPESampler handles several objectives (MOTPE, Ozaki et al. 2020).
        if constrained:
            kwargs.setdefault("constraints_func", constraints_of)
        return optuna.samplers.TPESampler(seed=seed, **kwargs)
    if name == "optuna-tpe":
        return optuna.samplers.TPESampler(seed=seed, **kwargs)
    if name == "optuna-tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, **kwargs)
    if name == "optuna-random":
        return optuna.samplers.RandomSampler(seed=seed, **kwargs)
    if name == "optuna-qmc":
        kwargs.setdefault("scramble", True)
        # Optuna 3.1's QMCSampler reads `seed or <a random seed>`: seed 0 meant unseeded, and a
        # resumed lab run drew other points. Its scramble seed is seed + 1, so every seed is fixed.
        return optuna.samplers.QMCSampler(seed=seed + 1, **kwargs)
    if name == "optuna-cmaes":
        # Categorical parameters and those of conditional branches fall back to random sampling.
        return optuna.samplers.CmaEsSampler(seed=seed, **kwargs)
    raise ValueError(f"unknown Optuna sampler {name!r}")


def make_pruner(name, options, max_resource):
    if name is None:
        return optuna.pruners.NopPruner()
    kwargs = {key: parse_option(value) for key, value in options.items()}
    if name == "optuna-median":
        return optuna.pruners.MedianPruner(**kwargs)
    if name == "optuna-asha":
        return optuna.pruners.SuccessiveHalvingPruner(**kwargs)
    if name == "optuna-hyperband":
        if max_resource is not None:
            kwargs.setdefault("max_resource", max_resource)
        return optuna.pruners.HyperbandPruner(**kwargs)
    raise ValueError(f"unknown Optuna pruner {name!r}")


def suggest(trial, name, d):
    if d["type"] == "float":
        return trial.suggest_float(name, d["low"], d["high"], log=d.get("log", False), step=d.get("step"))
    if d["type"] == "int":
        return trial.suggest_int(name, d["low"], d["high"], log=d.get("log", False), step=d.get("step") or 1)
    return trial.suggest_categorical(name, d["choices"])


def main():
    study = None
    trial = None
    for line in sys.stdin:
        try:
            message = json.loads(line)
            op = message["op"]
            if op == "init":
                objectives = message.get("objectives", 1)
                sampler = make_sampler(message["sampler"], message.get("options", {}), message["seed"], message.get("constrained", False))
                pruner = make_pruner(message.get("pruner"), message.get("pruner_options", {}), message.get("max_resource"))
                study = optuna.create_study(sampler=sampler, pruner=pruner, directions=["minimize"] * objectives)
                answer = {"ok": True}
            elif op == "report":
                trial.report(message["value"], message["step"])
                answer = {"prune": trial.should_prune()}
            elif op == "ask":
                trial = study.ask()
                answer = {"ok": True}
            elif op == "suggest":
                value = suggest(trial, message["name"], message["distribution"])
                answer = {"value": value}
            elif op == "tell":
                if message.get("pruned"):
                    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                elif message.get("failed"):
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    if "constraints" in message:
                        trial.set_user_attr("constraints", message["constraints"])
                    study.tell(trial, message["values"] if "values" in message else message["value"])
                trial = None
                answer = {"ok": True}
            else:
                answer = {"error": f"unknown op {op!r}"}
        except Exception as error:  # the node side turns this into a failed run, naming the cause
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
