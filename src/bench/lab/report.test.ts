import { describe, expect, it } from "vitest";
import { type BudgetComparison, groupSignificanceSection, pairVerdict } from "./report.js";
import { friedmanTest, nemenyiCriticalDifference } from "./stats.js";

const OPTIMIZERS = ["auto", "optuna-tpe", "random"];

/** A comparison at 100 trials from a table of regrets, one row per problem, columns in OPTIMIZERS order. */
function comparison(regrets: number[][]): BudgetComparison {
  const friedman = regrets.length >= 2 ? { ...friedmanTest(regrets), criticalDifference: nemenyiCriticalDifference(OPTIMIZERS.length, regrets.length) } : null;
  return {
    budget: 100,
    optimizers: OPTIMIZERS.map((optimizer, i) => ({ optimizer, meanScore: 0, medianScore: 0, q25Score: 0, q75Score: 0, averageRank: friedman?.averageRanks[i] ?? NaN })),
    problems: regrets.map((_, p) => `problem-${p}`),
    friedman,
    significant: [],
    groups: [],
  };
}

describe("pairVerdict", () => {
  it("finds an optimizer that ranks last on every one of 12 problems significantly worse", () => {
    const v = pairVerdict(comparison(Array.from({ length: 12 }, () => [3, 1, 2])), "auto", "optuna-tpe");
    expect(v.verdict).toBe("worse");
    expect(v.rankDifference).toBe(2);
    expect(v.criticalDifference).toBeCloseTo(nemenyiCriticalDifference(3, 12), 12);
    expect(pairVerdict(comparison(Array.from({ length: 12 }, () => [3, 1, 2])), "optuna-tpe", "auto").verdict).toBe("better");
  });

  it("says a group is too small rather than 'no difference' when the CD exceeds every possible rank gap", () => {
    // Three problems, three optimizers: CD = 2.343·√(12 / 18) ≈ 1.91 < 2, so a test is possible.
    expect(pairVerdict(comparison([[3, 1, 2], [3, 1, 2], [3, 1, 2]]), "auto", "optuna-tpe").verdict).not.toBe("no test");
    // Two problems: CD ≈ 2.34 > k − 1 = 2, so even a consistent last place cannot be significant.
    const two = pairVerdict(comparison([[3, 1, 2], [3, 1, 2]]), "auto", "optuna-tpe");
    expect(two.verdict).toBe("no test");
    expect(two.reason).toMatch(/> 2, the largest possible rank difference/);
    const one = pairVerdict(comparison([[3, 1, 2]]), "auto", "optuna-tpe");
    expect(one.verdict).toBe("no test");
    expect(one.reason).toMatch(/too few for a Friedman test/);
  });

  it("reports no difference when the Friedman test does not reject, even with a gap in ranks", () => {
    const mixed = [[1, 2, 3], [3, 2, 1], [2, 3, 1], [1, 3, 2], [3, 1, 2], [2, 1, 3], [3, 2, 1], [1, 2, 3]];
    const v = pairVerdict(comparison(mixed), "auto", "optuna-tpe");
    expect(v.verdict).toBe("not different");
    expect(v.reason).toMatch(/Friedman test does not reject/);
  });
});

describe("groupSignificanceSection", () => {
  it("has one row per group and one column per budget, and nothing when the optimizer is missing", () => {
    const groups = [
      { group: "noisy", problems: ["a"], comparisons: [comparison([[3, 1, 2]])] },
      { group: "noiseless synthetic", problems: Array.from({ length: 12 }, (_, p) => `p${p}`), comparisons: [comparison(Array.from({ length: 12 }, () => [3, 1, 2]))] },
    ];
    const md = groupSignificanceSection({ groups, budgets: [100] }, "auto", ["optuna-tpe", "optuna-tpe-mv"]).join("\n");
    expect(md).toMatch(/auto against optuna-tpe/);
    expect(md).not.toMatch(/against optuna-tpe-mv/);
    expect(md).toMatch(/\| noisy \(1\) \| \*\*no test\*\*/);
    expect(md).toMatch(/\| noiseless synthetic \(12\) \| \*\*worse\*\*/);
    // The smallest testable group is worked out for the optimizers at hand: CD(3, 2) = 2.343·√(12/12) > 2, CD(3, 3) ≤ 2.
    expect(md).toMatch(/N ≥ 3 for the 3 optimizers here/);
    expect(groupSignificanceSection({ groups, budgets: [100] }, "gp", ["optuna-tpe"])).toEqual([]);
  });
});
