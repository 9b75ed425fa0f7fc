#!/usr/bin/python3
"""Optuna 3.1 as an ask/tell server for Sextant's benchmark lab (src/bench/lab/optuna.ts).

One JSON object per line on stdin, one answer per line on stdout:
  {"op": "init", "sampler": "optuna-tpe", "options": {...}, "seed": 0}  -> {"ok": true}
  {"op": "ask"}                                                          -> {"ok": true}
  {"op": "suggest", "name": "x0", "distribution": {"type": "float", ...}} -> {"value": ...}
  {"op": "tell", "value": 1.5}                                           -> {"ok": true}
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


def make_sampler(name, options, seed):
    kwargs = {key: parse_option(value) for key, value in options.items()}
    if name == "optuna-tpe":
        return optuna.samplers.TPESampler(seed=seed, **kwargs)
    if name == "optuna-tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, **kwargs)
    if name == "optuna-random":
        return optuna.samplers.RandomSampler(seed=seed, **kwargs)
    if name == "optuna-qmc":
        kwargs.setdefault("scramble", True)
        return optuna.samplers.QMCSampler(seed=seed, **kwargs)
    raise ValueError(f"unknown Optuna sampler {name!r}")


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
                sampler = make_sampler(message["sampler"], message.get("options", {}), message["seed"])
                study = optuna.create_study(sampler=sampler, direction="minimize")
                answer = {"ok": True}
            elif op == "ask":
                trial = study.ask()
                answer = {"ok": True}
            elif op == "suggest":
                value = suggest(trial, message["name"], message["distribution"])
                answer = {"value": value}
            elif op == "tell":
                study.tell(trial, message["value"])
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
