#!/usr/bin/python3
"""Reference half of bench/cmaes-margin.mjs: the `cmaes` package's CMAwM (CMA-ES with Margin,
Hamano et al. 2022) in an ask/tell loop on the same problems, seeds and budgets.

Reads {"runs": [{"problem", "vars", "seed", "trials"}], "points": [{"problem", "vars", "x"}]} on
stdin, prints {"runs": [{"best", "repeats"}], "values": [...]} as JSON. `vars` lists each
variable as {"type": "int" | "float", "low", "high", "step"?}. "points" are evaluated only, so the
JavaScript side can check that both halves compute the same objective.

CMAwM works on the unit cube exactly as Sextant's encoder does: a grid of K values owns K equal
cells of [0, 1] (values at the cell centres, thresholds at k/K), continuous variables map
linearly. It starts from a seeded uniform mean with sigma 1/6 and the default population, and
restarts IPOP-style (population doubled, new random mean) when CMA's own stop test fires, as
Sextant's cmaes sampler does.
"""
import json
import math
import sys

import numpy as np
from cmaes import CMAwM


def objective(problem, v):
    d = len(v)
    offsets = [(i * 7) % 11 - 5 for i in range(d)]
    if problem == "int-sphere":
        return sum((v[i] - offsets[i]) ** 2 for i in range(d))
    if problem == "int-ellipsoid":
        return sum(1000 ** (i / (d - 1)) * (v[i] - offsets[i]) ** 2 for i in range(d))
    if problem == "mixed-coupled":
        y = [v[i] - offsets[i] - (0.37 if i % 2 == 0 else 0) for i in range(d)]
        return sum(t * t for t in y) + sum(y[i] * y[i + 1] for i in range(d - 1))
    if problem == "int-rosenbrock":
        return sum(100 * (v[i + 1] - v[i] ** 2) ** 2 + (1 - v[i]) ** 2 for i in range(d - 1))
    if problem == "stepped-rastrigin":
        y = [v[i] - 0.5 * ((i * 5) % 7 - 3) for i in range(d)]
        return 10 * d + sum(t * t - 10 * math.cos(2 * math.pi * t) for t in y)
    if problem == "ellipsoid-onemax":
        half = d // 2
        ell = sum(1000 ** (i / (half - 1)) * (v[i] - 1) ** 2 for i in range(half))
        return ell + 10 * sum(1 for i in range(half, d) if v[i] != 1)
    raise ValueError(f"unknown problem {problem}")


def cells(var):
    step = var.get("step", 1 if var["type"] == "int" else None)
    if step is None:
        return None
    return round((var["high"] - var["low"]) / step) + 1


def decode(var, u):
    k = cells(var)
    if k is None:
        return var["low"] + min(1.0, max(0.0, u)) * (var["high"] - var["low"])
    step = var.get("step", 1)
    index = min(k - 1, max(0, int(math.floor(u * k))))
    value = var["low"] + index * step
    return int(round(value)) if var["type"] == "int" else round(value, 10)


def run(problem, variables, seed, trials):
    d = len(variables)
    rng = np.random.RandomState(seed)
    bounds = []
    steps = []
    for var in variables:
        k = cells(var)
        if k is None:
            bounds.append([0.0, 1.0])
            steps.append(0.0)
        else:
            bounds.append([0.5 / k, 1 - 0.5 / k])
            steps.append(1.0 / k)
    bounds = np.array(bounds)
    steps = np.array(steps)
    population = None
    best = math.inf
    seen = set()
    repeats = 0
    evaluations = 0
    restart = 0
    while evaluations < trials:
        # CMA checks the mean against every bound, and CMAwM's grid ends at the outer cell centres.
        mean = np.clip(rng.uniform(0, 1, d), bounds[:, 0], bounds[:, 1])
        optimizer = CMAwM(mean=mean, sigma=1 / 6, bounds=bounds, steps=steps,
                          seed=seed * 1000 + restart, population_size=population)
        population = optimizer.population_size
        while evaluations < trials:
            solutions = []
            for _ in range(optimizer.population_size):
                x_eval, x_tell = optimizer.ask()
                values = tuple(decode(variables[i], x_eval[i]) for i in range(d))
                value = objective(problem, values)
                if evaluations < trials:
                    evaluations += 1
                    best = min(best, value)
                    if values in seen:
                        repeats += 1
                    seen.add(values)
                solutions.append((x_tell, value))
            optimizer.tell(solutions)
            if optimizer.should_stop():
                break
        population *= 2
        restart += 1
    return {"best": best, "repeats": repeats}


job = json.load(sys.stdin)
out = {
    "runs": [run(r["problem"], r["vars"], r["seed"], r["trials"]) for r in job.get("runs", [])],
    "values": [objective(p["problem"], p["x"]) for p in job.get("points", [])],
}
print(json.dumps(out))
