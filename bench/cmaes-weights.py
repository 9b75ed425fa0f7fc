#!/usr/bin/python3
"""Reference half of bench/cmaes-weights.mjs: the `cmaes` package's CMA (Hansen's tutorial with negative
weights, the CMA-ES of Optuna 3.1's CmaEsSampler) in an ask/tell loop on the same problems, seeds
and budgets.

Reads {"runs": [{"problem", "d", "seed", "trials"}], "points": [{"problem", "x"}]} on stdin and
prints {"runs": [{"best"}], "values": [...]} as JSON: "best" is the least regret f(x) - f* seen
within the budget; "points" are evaluated only, so the JavaScript side can check that both halves
compute the same objective.

Like Sextant's cmaes sampler it works on the unit cube (each variable's range [-5, 5] mapped
linearly), starts from a seeded uniform mean with sigma 1/6 and the default population, and
restarts IPOP-style (population doubled, new random mean) when CMA's own stop test fires.
"""
import json
import math
import sys

import numpy as np
from cmaes import CMA

LOW, HIGH = -5.0, 5.0


def offsets(d):
    return [0.3 * ((i * 7) % 11 - 5) for i in range(d)]


def rotation(d):
    # The product of two Householder reflections: a fixed rotation that mixes every coordinate.
    u = np.array([math.cos(i + 1) for i in range(d)])
    v = np.array([math.sin(2 * i + 1) for i in range(d)])
    hu = np.eye(d) - 2 * np.outer(u, u) / u.dot(u)
    hv = np.eye(d) - 2 * np.outer(v, v) / v.dot(v)
    return hu.dot(hv)


def objective(problem, x):
    """Regret f(x) - f* of a point given in the variables' own units."""
    d = len(x)
    o = offsets(d)
    y = [x[i] - o[i] for i in range(d)]
    if problem == "sphere":
        return sum(t * t for t in y)
    if problem == "ellipsoid":
        return sum(1e6 ** (i / (d - 1)) * y[i] ** 2 for i in range(d))
    if problem == "rosenbrock":
        return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(d - 1))
    if problem == "rastrigin":
        return 10 * d + sum(t * t - 10 * math.cos(2 * math.pi * t) for t in y)
    if problem == "discus":
        return 1e6 * y[0] ** 2 + sum(t * t for t in y[1:])
    if problem == "rotated-ellipsoid":
        z = rotation(d).dot(np.array(y))
        return float(sum(1e4 ** (i / (d - 1)) * z[i] ** 2 for i in range(d)))
    if problem == "styblinski-tang":
        return sum(0.5 * (t ** 4 - 16 * t * t + 5 * t) for t in x) + 39.16616570377142 * d
    if problem == "ackley":
        s1 = sum(t * t for t in y) / d
        s2 = sum(math.cos(2 * math.pi * t) for t in y) / d
        return -20 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20 + math.e
    raise ValueError(f"unknown problem {problem}")


def run(problem, d, seed, trials):
    rng = np.random.RandomState(seed)
    bounds = np.array([[0.0, 1.0]] * d)
    population = None
    best = math.inf
    evaluations = 0
    restart = 0
    while evaluations < trials:
        optimizer = CMA(mean=rng.uniform(0, 1, d), sigma=1 / 6, bounds=bounds, seed=seed * 1000 + restart, population_size=population)
        population = optimizer.population_size
        while evaluations < trials:
            solutions = []
            for _ in range(optimizer.population_size):
                u = optimizer.ask()
                value = objective(problem, [LOW + (HIGH - LOW) * t for t in u])
                if evaluations < trials:
                    evaluations += 1
                    best = min(best, value)
                solutions.append((u, value))
            optimizer.tell(solutions)
            if optimizer.should_stop():
                break
        population *= 2
        restart += 1
    return {"best": best}


job = json.load(sys.stdin)
out = {
    "runs": [run(r["problem"], r["d"], r["seed"], r["trials"]) for r in job.get("runs", [])],
    "values": [objective(p["problem"], p["x"]) for p in job.get("points", [])],
}
print(json.dumps(out))
