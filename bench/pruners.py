#!/usr/bin/python3
"""Optuna 3.1 half of bench/pruners.mjs: reads {"curves": [[...], ...], "pruners": [...]} on stdin,
runs each pruner over the curves (trial i follows curve i, asked after every report) and prints
per pruner the steps spent, the number pruned, the best final value and the seconds spent in
should_prune, as JSON."""
import json
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)

PRUNERS = {
    "none": lambda: optuna.pruners.NopPruner(),
    "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=5),
    "asha": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3),
}

job = json.load(sys.stdin)
results = {}
for name in job["pruners"]:
    study = optuna.create_study(study_name="bench-pruners", direction="minimize", pruner=PRUNERS[name]())
    steps = pruned = 0
    best = float("inf")
    prune_seconds = 0.0
    calls = 0
    for curve in job["curves"]:
        trial = study.ask()
        stopped = False
        for step, value in enumerate(curve):
            trial.report(value, step)
            steps += 1
            start = time.perf_counter()
            decision = trial.should_prune()
            prune_seconds += time.perf_counter() - start
            calls += 1
            if decision:
                stopped = True
                break
        if stopped:
            pruned += 1
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            best = min(best, curve[-1])
            study.tell(trial, curve[-1])
    results[name] = {"steps": steps, "pruned": pruned, "best": best, "pruneSeconds": prune_seconds, "calls": calls}
print(json.dumps(results))
