#!/usr/bin/python3
"""Replays hand-made learning curves through Optuna 3.1's pruners and prints every decision as JSON.

Run with Debian's Python (which has python3-optuna and numpy):

    /usr/bin/python3 scripts/optuna-pruner-decisions.py > test/fixtures/optuna-pruner-decisions.json

Each case runs trials `concurrency` at a time, round-robin one report each, asking the pruner after
every report, exactly as `sextant tune` does. Sextant's tests replay the same events against its own
pruners and expect the same decisions. NaN values are written as null. (Optuna 3.1 has no
WilcoxonPruner; the signed-rank p-values it would use come from scripts/scipy-wilcoxon-pvalues.py.)
"""
import json
import math
import warnings

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")


def make_curves(rng, n_trials, n_steps, stride, nan_rate, flip):
    """Noisy saturating curves that cross: a fast starter can end worse than a slow one."""
    curves = []
    for _ in range(n_trials):
        final = rng.uniform(0.1, 1.0)
        start = final + rng.uniform(0.5, 2.0)
        rate = rng.uniform(0.02, 0.4)
        steps = list(range(0, n_steps, stride))
        values = []
        for s in steps:
            v = final + (start - final) * math.exp(-rate * s) + rng.normal(0, 0.03)
            if rng.uniform() < nan_rate:
                v = float("nan")
            values.append(round(-v if flip else v, 6))
        curves.append(list(zip(steps, values)))
    return curves


def build_pruner(kind, options):
    if kind == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(**options)
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(**options)
    if kind == "percentile":
        return optuna.pruners.PercentilePruner(**options)
    if kind == "threshold":
        return optuna.pruners.ThresholdPruner(**options)
    if kind == "patient":
        wrapped = options.get("wrapped")
        rest = {k: v for k, v in options.items() if k != "wrapped"}
        return optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(**wrapped) if wrapped else None, **rest)
    raise ValueError(kind)


def encode(v):
    return None if math.isnan(v) else v


def run_case(name, kind, options, direction, seed, n_trials, n_steps, stride=1, concurrency=3, nan_rate=0.0):
    rng = np.random.default_rng(seed)
    curves = make_curves(rng, n_trials, n_steps, stride, nan_rate, flip=direction == "maximize")
    study_name = f"fixture-{name}"
    study = optuna.create_study(study_name=study_name, direction=direction, pruner=build_pruner(kind, options))
    events = []
    active = []  # (trial, position in its curve)
    next_curve = 0
    while active or next_curve < n_trials:
        while len(active) < concurrency and next_curve < n_trials:
            trial = study.ask()
            active.append([trial, 0, curves[next_curve]])
            next_curve += 1
        still = []
        for entry in active:
            trial, pos, curve = entry
            step, value = curve[pos]
            trial.report(value, step)
            decision = trial.should_prune()
            events.append({"trial": trial.number, "step": step, "value": encode(value), "prune": bool(decision)})
            if decision:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                events.append({"trial": trial.number, "finish": "pruned"})
            elif pos + 1 == len(curve):
                final = next((v for _, v in reversed(curve) if not math.isnan(v)), 0.0)
                study.tell(trial, final)
                events.append({"trial": trial.number, "finish": "complete", "value": final})
            else:
                entry[1] = pos + 1
                still.append(entry)
        active = still
    pruned = sum(1 for e in events if e.get("finish") == "pruned")
    return {"name": name, "kind": kind, "options": options, "direction": direction, "studyName": study_name, "pruned": pruned, "events": events}


def main():
    cases = [
        run_case("sh-defaults", "successive_halving", {}, "minimize", 1, 30, 64),
        run_case("sh-eta3-rate1-max", "successive_halving", {"min_resource": 2, "reduction_factor": 3, "min_early_stopping_rate": 1}, "maximize", 2, 30, 60, concurrency=4),
        run_case("sh-auto-sparse-nan", "successive_halving", {"reduction_factor": 2}, "minimize", 3, 24, 320, stride=7, concurrency=2, nan_rate=0.02),
        run_case("sh-bootstrap", "successive_halving", {"min_resource": 1, "reduction_factor": 3, "bootstrap_count": 2}, "minimize", 4, 25, 30),
        run_case("hb-defaults", "hyperband", {}, "minimize", 5, 60, 27, concurrency=4),
        run_case("hb-81-max", "hyperband", {"min_resource": 1, "max_resource": 81, "reduction_factor": 3}, "maximize", 6, 60, 81, concurrency=3),
        run_case("hb-eta2", "hyperband", {"min_resource": 2, "max_resource": 40, "reduction_factor": 2}, "minimize", 8, 50, 40, concurrency=5),
        run_case("percentile-25", "percentile", {"percentile": 25.0, "n_startup_trials": 3, "n_warmup_steps": 2, "interval_steps": 2}, "minimize", 9, 25, 20, nan_rate=0.02),
        run_case("percentile-70-max", "percentile", {"percentile": 70.0, "n_startup_trials": 2, "n_min_trials": 3}, "maximize", 10, 25, 20),
        run_case("threshold", "threshold", {"lower": 0.3, "upper": 1.8, "n_warmup_steps": 1}, "minimize", 11, 20, 20, nan_rate=0.02),
        run_case("patient-median", "patient", {"wrapped": {"n_startup_trials": 2}, "patience": 2, "min_delta": 0.05}, "minimize", 12, 25, 40),
        run_case("patient-alone-max", "patient", {"patience": 3}, "maximize", 13, 20, 40),
    ]
    print(json.dumps({"optuna": optuna.__version__, "numpy": np.__version__, "cases": cases}, indent=None))


main()
