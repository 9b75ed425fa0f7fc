"""Optuna 3.1's importance evaluators on trials given as JSON on stdin, for bench/importance.mjs.

Input: {"trials": {"x1": [...], ...}, "values": [...], "space": {name: distribution}, "evaluators": [...],
"budget": seconds, "seed": int}. Output (stdout, JSON): per evaluator, the seconds the
get_param_importances call took (or null past the budget) and the importances it gave.
Only the evaluator call is timed; building the in-memory study is not.
"""
import json
import signal
import sys
import time
import warnings

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator, get_param_importances

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)


class OverBudget(Exception):
    pass


def on_alarm(signum, frame):
    raise OverBudget()


def distribution(spec):
    if spec["type"] == "categorical":
        return CategoricalDistribution(spec["choices"])
    if spec["type"] == "int":
        return IntDistribution(spec["low"], spec["high"], log=spec.get("log", False), step=spec.get("step", 1))
    return FloatDistribution(spec["low"], spec["high"], log=spec.get("log", False), step=spec.get("step"))


def main():
    data = json.load(sys.stdin)
    names = list(data["space"].keys())
    distributions = {name: distribution(data["space"][name]) for name in names}
    columns = data["trials"]
    study = optuna.create_study(direction="minimize")
    trials = [
        optuna.trial.create_trial(
            params={name: columns[name][i] for name in names},
            distributions=distributions,
            value=value,
        )
        for i, value in enumerate(data["values"])
    ]
    study.add_trials(trials)
    evaluators = {
        "fanova": lambda: FanovaImportanceEvaluator(seed=data["seed"]),
        "mdi": lambda: MeanDecreaseImpurityImportanceEvaluator(seed=data["seed"]),
    }
    out = {}
    signal.signal(signal.SIGALRM, on_alarm)
    for key in data["evaluators"]:
        evaluator = evaluators[key]()
        signal.alarm(int(data["budget"]))
        start = time.perf_counter()
        try:
            importances = get_param_importances(study, evaluator=evaluator)
            seconds = time.perf_counter() - start
            out[key] = {"seconds": seconds, "importances": dict(importances)}
        except OverBudget:
            out[key] = {"seconds": None, "importances": None}
        finally:
            signal.alarm(0)
    json.dump(out, sys.stdout)


main()
