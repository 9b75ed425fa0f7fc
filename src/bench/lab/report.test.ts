import { describe, expect, it } from "vitest";
import { type BudgetComparison, bestRankText, buildReport, groupSignificanceSection, headToHead, headToHeadSection, pairVerdict } from "./report.js";
import type { RunResult } from "./run-one.js";
import type { RunSettings } from "./runner.js";
import { friedmanTest, nemenyiCriticalDifference } from "./stats.js";
import { groupResults } from "./summary.js";

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

/** A run whose incumbent regret is `early` for the first 10 trials and `late` from trial 11 to 20. */
function run(problem: string, optimizer: string, seed: number, early: number, late: number): RunResult {
  return { problem, optimizer, seed, trials: 20, curve: Array.from({ length: 20 }, (_, i) => (i < 10 ? early : late)), bestValue: late, seconds: 0, optimizerSeconds: 0 };
}

// Real problem names: the report looks up each problem's groups.
const [A, B, C] = ["branin-2d", "hartmann3-3d", "rosenbrock-5d"];

describe("headToHead", () => {
  // Problem A: auto lower on seeds 0 and 1, higher on seed 2 at 20 trials; B: both at the optimum; C: auto higher everywhere.
  const results = [
    run(A, "auto", 0, 5, 1), run(A, "auto", 1, 5, 2), run(A, "auto", 2, 5, 9),
    run(A, "tpe", 0, 4, 4), run(A, "tpe", 1, 4, 4), run(A, "tpe", 2, 4, 4),
    run(B, "auto", 0, 1, 0), run(B, "auto", 1, 1, -1e-15), run(B, "auto", 2, 1, 0),
    run(B, "tpe", 0, 1, 0), run(B, "tpe", 1, 1, 0), run(B, "tpe", 2, 1, 0),
    run(C, "auto", 0, 8, 8), run(C, "auto", 1, 8, 8), run(C, "auto", 2, 8, 8),
    run(C, "tpe", 0, 2, 2), run(C, "tpe", 1, 2, 2), run(C, "tpe", 2, 2, 2),
  ];

  it("counts problems won, tied (equal medians after the floor) and lost, and seeds paired by instance", () => {
    const h = headToHead(groupResults(results), "auto", "tpe", 20);
    expect(h.wins).toEqual([A]);
    expect(h.ties).toEqual([B]);
    expect(h.losses).toEqual([C]);
    expect(h.perProblem.find((p) => p.problem === A)).toEqual({ problem: A, ratio: 0.5, seedsLower: 2, seedsHigher: 1, seeds: 3 });
    expect(h.perProblem.find((p) => p.problem === B)).toMatchObject({ ratio: 1, seedsLower: 0, seedsHigher: 0 });
    // (0.5 · 1 · 4)^(1/3)
    expect(h.geometricMeanRatio).toBeCloseTo(2 ** (1 / 3), 12);
  });

  it("reads the incumbent at the budget, not at the end of the run", () => {
    const h = headToHead(groupResults(results), "auto", "tpe", 10);
    expect(h.wins).toEqual([]);
    expect(h.ties).toEqual([B]);
    expect(h.losses).toEqual([A, C]);
  });

  it("writes one summary row per optimizer and a per-problem table for the detailed ones", () => {
    const settings: RunSettings = { trials: 20, problems: [A, B, C], optimizers: ["auto", "tpe", "random"], seeds: [0, 1, 2] };
    const withRandom = [...results, ...[A, B, C].flatMap((p) => [0, 1, 2].map((seed) => run(p, "random", seed, 9, 9)))];
    const data = buildReport(withRandom, settings, [10, 20]);
    const md = headToHeadSection(data, ["tpe"]).join("\n");
    expect(md).toMatch(/\| tpe \| 0 \/ 1 \/ 2 \([^)]*\) \| 1 \/ 1 \/ 1 \(1\.26\) \|/);
    expect(md).toMatch(/\| random \| 3 \/ 0 \/ 0 \([^)]*\) \| 3 \/ 0 \/ 0 \([^)]*\) \|/);
    expect(md).toMatch(/### auto against tpe, problem by problem/);
    expect(md).toMatch(/\| branin-2d \| 1\.25 \(0–3 of 3\) \| 0\.500 \(2–1 of 3\) \|/);
    expect(md).toMatch(/- 20 trials: auto wins 1 of 3, ties hartmann3-3d, loses rosenbrock-5d\./);
    expect(md).not.toMatch(/auto against random, problem by problem/);
    expect(headToHeadSection(buildReport(withRandom, settings, [20], "t", "cmaes"), ["tpe"])).toEqual([]);
  });
});

describe("the best average rank", () => {
  it("names every optimizer tied there, not the first of them", () => {
    // "best average rank: tpe, 1.50" was printed with random at 1.50 too.
    expect(bestRankText([{ optimizer: "tpe", averageRank: 1.5 }, { optimizer: "random", averageRank: 1.5 }])).toBe("best average rank 1.50, shared by tpe, random");
    expect(bestRankText([{ optimizer: "tpe", averageRank: 1.25 }, { optimizer: "random", averageRank: 1.75 }])).toBe("best average rank: tpe, 1.25");
  });
});
