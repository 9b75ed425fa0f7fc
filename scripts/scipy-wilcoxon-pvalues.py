#!/usr/bin/env python3
"""Prints SciPy's one-sided Wilcoxon signed-rank p-values on seeded difference vectors, as JSON.

Each p-value is `scipy.stats.wilcoxon(d, alternative=..., zero_method="zsplit").pvalue`, the call
Optuna's WilcoxonPruner makes (optuna/pruners/_wilcoxon.py): method "auto", no continuity
correction. src/math/wilcoxon.test.ts checks Sextant's wilcoxonSignedRank against them.

Needs SciPy 1.15 or later, whose method "auto" counts every sign pattern for up to 13 differences
with ties or zeros (earlier versions answer otherwise there); Debian's SciPy is older, so run it
with another Python, e.g. the pyenv one on the development machines:

    python3 scripts/scipy-wilcoxon-pvalues.py > test/fixtures/scipy-wilcoxon-pvalues.json
"""
import json
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

warnings.simplefilter("ignore")

if tuple(int(part) for part in scipy.__version__.split(".")[:2]) < (1, 15):
    sys.exit(f"scipy {scipy.__version__} is older than 1.15: run this with a Python whose SciPy is newer")

SIZES = [1, 2, 3, 4, 5, 8, 12, 13, 14, 20, 30, 49, 50, 51, 60, 100]


def draw(rng, n, kind, shift):
    """Differences of one kind: continuous (no ties), halves and tenths (ties and zeros), or 0/±1 losses."""
    d = rng.normal(shift, 1.0, n)
    if kind == "continuous":
        return np.round(d, 6)
    if kind == "halves":
        return np.round(d * 2) / 2
    if kind == "tenths":
        return np.round(d, 1)
    return np.clip(np.round(d), -1, 1)


def case(d):
    d = [float(v) for v in d]
    return {"differences": d, **{alt: float(stats.wilcoxon(d, alternative=alt, zero_method="zsplit").pvalue) for alt in ("greater", "less")}}


def refused(d):
    """A lone zero: SciPy's permutation test wants two observations and raises (Sextant answers p = 1)."""
    return len(d) == 1 and d[0] == 0


def main():
    rng = np.random.default_rng(11)
    cases = [case(d) for d in ([1, 1, 1], [-1, -1, -1], [1, 1, 1, 1], [0, 1, 2, 3], [0, 0, 0], [0.0] * 20, [1.0] * 14, [0, 0, 0.5, 0.5, -0.5])]
    for n in SIZES:
        for kind in ("continuous", "halves", "tenths", "losses"):
            for shift in (0.0, 0.4, -0.3):
                d = draw(rng, n, kind, shift)
                if not refused(d):
                    cases.append(case(d))
    print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__, "cases": cases}))


main()
