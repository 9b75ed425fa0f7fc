#!/usr/bin/env python3
"""Real-command problems of Sextant's benchmark lab: scikit-learn models on the data sets bundled
with scikit-learn, scored by cross-validated error (1 - accuracy, to minimize).

    sklearn_problem.py PROBLEM '{"C": 1.0, "kernel": "rbf", "gamma": 0.01}'
        prints `sextant: {"value": <error>}` (the protocol of `sextant tune`)
    sklearn_problem.py --batch PROBLEM < params.jsonl
        reads one JSON object of parameters per line and prints one error per line
    sklearn_problem.py --check
        exits 0 when scikit-learn can be imported

Folds are shuffled with a fixed seed and the models are seeded, so a configuration always gives
the same value.
"""
import json
import sys


def _problems():
    from sklearn.datasets import load_digits, load_iris, load_wine
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    def svc(p):
        kwargs = {"C": p["C"], "kernel": p["kernel"]}
        if p["kernel"] in ("rbf", "poly"):
            kwargs["gamma"] = p["gamma"]
        if p["kernel"] == "poly":
            kwargs["degree"] = int(p["degree"])
        return make_pipeline(StandardScaler(), SVC(**kwargs))

    def gbt(p):
        return GradientBoostingClassifier(
            learning_rate=p["learning_rate"],
            n_estimators=int(p["n_estimators"]),
            max_depth=int(p["max_depth"]),
            subsample=p["subsample"],
            random_state=0,
        )

    def knn(p):
        return make_pipeline(
            StandardScaler(),
            KNeighborsClassifier(n_neighbors=int(p["n_neighbors"]), weights=p["weights"], p=int(p["p"])),
        )

    return {
        "svc-digits": (load_digits, svc, 3),
        "gbt-wine": (load_wine, gbt, 3),
        "knn-iris": (load_iris, knn, 5),
    }


def _error(problems, data_cache, name, params):
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    load, build, folds = problems[name]
    if name not in data_cache:
        data_cache[name] = load(return_X_y=True)
    x, y = data_cache[name]
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return 1.0 - float(cross_val_score(build(params), x, y, cv=cv).mean())


def main(argv):
    if argv[1:] == ["--check"]:
        import sklearn  # noqa: F401

        return 0
    batch = len(argv) == 3 and argv[1] == "--batch"
    if not batch and len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    problems = _problems()
    name = argv[2] if batch else argv[1]
    if name not in problems:
        sys.stderr.write("unknown problem %r; known: %s\n" % (name, ", ".join(sorted(problems))))
        return 2
    cache = {}
    if batch:
        for line in sys.stdin:
            if line.strip():
                print(repr(_error(problems, cache, name, json.loads(line))), flush=True)
        return 0
    print("sextant: " + json.dumps({"value": _error(problems, cache, name, json.loads(argv[2]))}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
