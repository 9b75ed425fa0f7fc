#!/usr/bin/python3
"""Optuna 3.1 half of bench/pruning.mjs. Reads {"sampler", "seeds", "budget", "steps", "maxTrials", "pruners"}
on stdin, tunes the synthetic learning curves of bench/pruning-problems.mjs (the same formulas and
noise, recomputed here) with Optuna's TPESampler(seed) (RandomSampler(seed) when "sampler" is "random") and SuccessiveHalvingPruner /
HyperbandPruner under the same budget loop as the Node side, and prints for each pruner and seed
the [steps spent, final value] of every complete trial, as JSON."""
import json
import math
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def hash_noise(a, b, c, step, seed):
    x = math.sin(12.9898 * a + 78.233 * b + 37.719 * c + 4.581 * step + 0.137 * seed) * 43758.5453
    return 2 * (x - math.floor(x)) - 1


def curve_value(lr, batch, dropout, step, seed):
    u = (math.log10(lr) + 4) / 4
    b = (math.log2(batch) - 4) / 5
    p = dropout
    asymptote = 0.08 + 0.6 * (u - 0.55) ** 2 + 0.25 * (b - 0.3) ** 2 + 0.3 * (p - 0.35) ** 2 + 0.05 * (1 - math.cos(6 * math.pi * (u - 0.55))) / 2
    rate = (0.2 + 0.1 * u * (1 - 0.5 * b)) * (1 + max(0, 0.35 - p) * 0.8)
    overfit = 0.4 * max(0, 0.35 - p) * (step / 27)
    noise = 0.01 * math.sqrt(3) * hash_noise(u, b, p, step, seed)
    return asymptote + (1.2 - asymptote) * math.exp(-rate * step) + overfit + noise


def pruner(name, steps):
    if name == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=steps, reduction_factor=3)
    raise ValueError(name)


def run(name, seed, job):
    steps = job["steps"]
    sampler = optuna.samplers.RandomSampler(seed=seed) if job.get("sampler") == "random" else optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner(name, steps))
    completed = []
    resource = 0
    trials = 0
    while resource < job["budget"] and trials < job["maxTrials"]:
        trials += 1
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-4, 1, log=True)
        batch = trial.suggest_int("batch", 16, 512, log=True)
        dropout = trial.suggest_float("dropout", 0, 0.8)
        pruned = False
        value = float("nan")
        for step in range(1, steps + 1):
            value = curve_value(lr, batch, dropout, step, seed)
            trial.report(value, step)
            resource += 1
            if step < steps and trial.should_prune():
                pruned = True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, value)
            completed.append([resource, value])
    return {"completed": completed, "trials": trials}


def main():
    job = json.load(sys.stdin)
    results = {name: [run(name, seed, job) for seed in job["seeds"]] for name in job["pruners"]}
    print(json.dumps({"optuna": optuna.__version__, "results": results}))


main()
