import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type BudgetComparison, bestRankText, buildReport, groupSignificanceSection, headToHead, headToHeadSection, noiselessFallbackNotes, pairVerdict, spearmanText, writeReport } from "./report.js";
import { NO_INCUMBENT_REGRET, type RunResult } from "./run-one.js";
import { BenchmarkInputError, type RunSettings } from "./runner.js";
import { friedmanTest, nemenyiCriticalDifference } from "./stats.js";
import { groupResults } from "./summary.js";

const OPTIMIZERS = ["auto", "optuna-tpe", "random"];

/** Writes `settings` and `results` as a run folder (run.json, results.jsonl), hands it to `check`, then removes it. */
async function inRunFolder(settings: RunSettings, results: readonly RunResult[], check: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sextant-report-"));
  try {
    writeFileSync(join(dir, "run.json"), JSON.stringify(settings));
    writeFileSync(join(dir, "results.jsonl"), results.map((r) => `${JSON.stringify(r)}\n`).join(""));
    await check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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

describe("a budget without a Friedman test", () => {
  it("says why: one optimizer alone, rather than too few problems", () => {
    const results = [A, B, C].flatMap((p) => [0, 1].map((seed) => run(p, "tpe", seed, 2, 1)));
    const settings: RunSettings = { trials: 20, problems: [A, B, C], optimizers: ["tpe"], seeds: [0, 1] };
    // It said "too few complete problems (3) for a Friedman test" with three problems at hand.
    const alone = buildReport(results, settings, [20]).summary;
    expect(alone).toContain("At 20 trials: one optimizer (tpe) alone: nothing to compare it with, so no Friedman test.");
    // Said "in this directory" also when the directory had random runs that --optimizers left out.
    expect(alone[0]).toMatch(/^No random-search run is among the optimizers reported/);
    const oneProblem = [0, 1].flatMap((seed) => [run(A, "tpe", seed, 2, 1), run(A, "random", seed, 3, 3)]);
    const summary = buildReport(oneProblem, { ...settings, problems: [A], optimizers: ["tpe", "random"] }, [20]).summary;
    expect(summary).toContain("At 20 trials: 1 problem(s) on which every optimizer ran: too few for a Friedman test (it needs 2).");
  });
});

describe("the mean Spearman correlation between problems", () => {
  it("says why there is none rather than printing a dash", () => {
    const settings: RunSettings = { trials: 20, problems: [A, B, C], optimizers: ["tpe", "random"], seeds: [0] };
    // tpe and random tie on every problem (as when tpe's startup trials are random search's).
    const tied = [A, B, C].flatMap((p) => [run(p, "tpe", 0, 3, 2), run(p, "random", 0, 3, 2)]);
    expect(spearmanText(buildReport(tied, settings, [20]).spearman)).toBe(
      "none over 3 problems: no two of them both tell the optimizers apart (on a problem where all tie, there is no ranking to correlate)",
    );
    expect(spearmanText(buildReport(tied.slice(0, 2), { ...settings, problems: [A] }, [20]).spearman)).toBe("none: it needs two problems on which every optimizer ran, and this report has 1");
    const apart = [A, B].flatMap((p) => [run(p, "tpe", 0, 3, 1), run(p, "random", 0, 3, 2)]);
    expect(spearmanText(buildReport(apart, { ...settings, problems: [A, B] }, [20]).spearman)).toBe("1.00 over 2 problems");
  });
});

describe("the best average rank", () => {
  it("names every optimizer tied there, not the first of them", () => {
    // "best average rank: tpe, 1.50" was printed with random at 1.50 too.
    expect(bestRankText([{ optimizer: "tpe", averageRank: 1.5 }, { optimizer: "random", averageRank: 1.5 }])).toBe("best average rank 1.50, shared by tpe, random");
    expect(bestRankText([{ optimizer: "tpe", averageRank: 1.25 }, { optimizer: "random", averageRank: 1.75 }])).toBe("best average rank: tpe, 1.25");
  });
});

describe("runs with no incumbent yet", () => {
  // Before its first finished trial a run's curve holds NO_INCUMBENT_REGRET (Number.MAX_VALUE), a
  // marker that used to be read as a regret of 1.8e308: the anytime chart's log axis ran to 1e308,
  // medians and normalized scores came out near 1e307, and ratios were absurd.
  const none = (count: number, then: (i: number) => number): number[] => Array.from({ length: 20 }, (_, i) => (i < count ? NO_INCUMBENT_REGRET : then(i)));
  const runOf = (problem: string, optimizer: string, seed: number, curve: number[]): RunResult => ({ problem, optimizer, seed, trials: 20, curve, bestValue: curve.at(-1)!, seconds: 0, optimizerSeconds: 0 });
  // On A, tpe has no incumbent for 5 trials on seeds 0 and 1, random for 2 trials on seed 0; B has incumbents throughout.
  const results = [
    runOf(A, "tpe", 0, none(5, (i) => (i < 10 ? 1 : 0.1))),
    runOf(A, "tpe", 1, none(5, (i) => (i < 10 ? 1 : 0.1))),
    runOf(A, "tpe", 2, none(0, (i) => (i < 10 ? 2 : 0.1))),
    runOf(A, "random", 0, none(2, (i) => (i < 15 ? 3 : 1))),
    runOf(A, "random", 1, none(0, (i) => (i < 15 ? 3 : 1))),
    runOf(A, "random", 2, none(0, (i) => (i < 15 ? 3 : 1))),
    ...[0, 1, 2].flatMap((seed) => [runOf(B, "tpe", seed, none(0, () => 0.5)), runOf(B, "random", seed, none(0, () => 1))]),
  ];
  const settings: RunSettings = { trials: 20, problems: [A, B], optimizers: ["tpe", "random"], seeds: [0, 1, 2] };

  it("counts a run without an incumbent as worse than any regret: ∞ in medians and scores, last in ranks", () => {
    const data = buildReport(results, settings, [5, 20], "t", "tpe");
    const at5 = (o: string) => data.perProblem.find((r) => r.problem === A && r.optimizer === o && r.budget === 5)!;
    // tpe on A after 5 trials: two runs of three have none, so the median and both quartiles are ∞.
    expect(at5("tpe")).toMatchObject({ median: Infinity, q25: Infinity, q75: Infinity });
    // random: every run has one by then.
    expect(at5("random")).toMatchObject({ median: 3, q25: 3, q75: 3 });
    const scores = data.comparisons[0]!.optimizers.find((o) => o.optimizer === "tpe")!;
    expect(scores.meanScore).toBe(Infinity);
    // Scores ∞, ∞, 2/3 on A and 0.5 × 3 on B: the median is between 0.5 and 2/3.
    expect(scores.medianScore).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    // After one trial: (A, 0) both without (tie, 1.5 each), (A, 1) tpe without (2), (A, 2) and B tpe ahead (1).
    expect(data.rankOverBudget.budgets[0]).toBe(1);
    expect(data.rankOverBudget.ranks.tpe![0]).toBeCloseTo((1.5 + 2 + 1 + 1 + 1 + 1) / 6, 12);
    // Head to head at 5 trials: A is lost (∞ against 3) and left out of the geometric mean; B's ratio is 0.5.
    const h = data.headToHead.find((x) => x.budget === 5)!;
    expect([h.wins, h.losses]).toEqual([[B], [A]]);
    expect(h.perProblem.find((p) => p.problem === A)!.ratio).toBeNaN();
    expect(h.geometricMeanRatio).toBeCloseTo(0.5, 12);
  });

  it("starts each anytime line at its first finite median, and keeps the sentinel out of every figure and number", async () => {
    await inRunFolder(settings, results, async (dir) => {
      // Budget 5 only, so that the ECDF is drawn where tpe has runs without an incumbent.
      const written = await writeReport(dir, { budgets: [5] });
      const svg = readFileSync(written.figures.find((f) => f.includes(`anytime-${A}`))!, "utf8");
      const exponents = [...svg.matchAll(/>1e(-?\d+)</g)].map((m) => Number(m[1]));
      expect(exponents.length).toBeGreaterThan(0);
      // Regrets run from 0.1 to 3 here: the axis spans 1e-1 to 1e0 (it used to reach 1e308).
      expect(Math.max(...exponents)).toBeLessThanOrEqual(1);
      // tpe's median has an incumbent from trial 6 on (budgets 1, 2, 3, 4, 5 before it): its line has
      // fewer points than random's, whose median has one from the first trial.
      const paths = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!.split(/[ML]/).filter((p) => p !== "").length);
      expect(paths[1]! - paths[0]!).toBe(5);
      for (const figure of written.figures) expect(readFileSync(figure, "utf8"), figure).not.toMatch(/NaN|Infinity|e\+30\d/);
      const ecdf = readFileSync(written.figures.find((f) => f.endsWith("ecdf.svg"))!, "utf8");
      expect([...ecdf.matchAll(/>1e(-?\d+)</g)].every((m) => Number(m[1]) <= 1)).toBe(true);
      const md = readFileSync(written.markdown, "utf8");
      expect(md).toMatch(/3 runs had no incumbent after their first trial/);
      expect(md).toMatch(new RegExp(`\\| ${A} \\| ∞ \\[∞, ∞\\] \\| 3\\.00 \\[3\\.00, 3\\.00\\] \\|`));
      expect(md).not.toMatch(/e\+30\d/);
    });
  });
});

describe("a report on a run interrupted early", () => {
  it("says how many runs of the grid it lacks and which problems it leaves out, not only what it compares", async () => {
    // The grid: 2 problems × 2 optimizers × 2 seeds; only seed 0 of the first problem finished.
    const settings: RunSettings = { trials: 3, problems: ["branin-2d", "hartmann6-6d"], optimizers: ["tpe", "random"], seeds: [0, 1] };
    const run = (optimizer: string, curve: number[]): RunResult => ({ problem: "branin-2d", optimizer, seed: 0, trials: 3, curve, bestValue: curve.at(-1)!, seconds: 0, optimizerSeconds: 0 });
    await inRunFolder(settings, [run("tpe", [3, 2, 1]), run("random", [3, 3, 2])], async (dir) => {
      const md = readFileSync((await writeReport(dir)).markdown, "utf8");
      // Its first line counts what it compares, singular at one: "2 runs: 1 problem × 2 optimizers × seeds 0", read as a finished run.
      expect(md).toContain("2 runs: 1 problem × 2 optimizers × seeds 0,");
      expect(md).toContain(
        "**Not in this comparison:** 6 of the 8 runs of this folder's grid (2 problems × 2 optimizers × seeds 0, 1) have no result, failed or not run yet " +
          "(`sextant bench run` into this folder says which failed and runs them); problems not compared at all: hartmann6-6d.",
      );
    });
  });
});

describe("a report's --out that is a folder", () => {
  it("is refused, naming a file to give instead, before anything is written beside it", async () => {
    const settings: RunSettings = { trials: 2, problems: ["branin-2d"], optimizers: ["tpe", "random"], seeds: [0] };
    const run = (optimizer: string): RunResult => ({ problem: "branin-2d", optimizer, seed: 0, trials: 2, curve: [3, 2], bestValue: 2, seconds: 0, optimizerSeconds: 0 });
    await inRunFolder(settings, [run("tpe"), run("random")], async (dir) => {
      const out = join(dir, "reports");
      mkdirSync(out);
      await expect(writeReport(dir, { out })).rejects.toThrow(new BenchmarkInputError(`out: ${out} is a folder; give the Markdown file to write, such as ${join(out, "report.md")}`));
      // It used to write the figures and the JSON beside the folder, then fail with EISDIR.
      expect(readdirSync(dir).sort()).toEqual(["reports", "results.jsonl", "run.json"]);
      expect(readdirSync(out)).toEqual([]);
    });
  });
});

describe("a report on runs of a problem this version does not have", () => {
  it("is refused, naming the problem, rather than failing with an internal error", async () => {
    const settings: RunSettings = { trials: 2, problems: ["branin-2d", "branin-2d-old-name"], optimizers: ["tpe", "random"], seeds: [0] };
    const run = (problem: string, optimizer: string): RunResult => ({ problem, optimizer, seed: 0, trials: 2, curve: [3, 2], bestValue: 2, seconds: 0, optimizerSeconds: 0 });
    await inRunFolder(settings, settings.problems.flatMap((p) => [run(p, "tpe"), run(p, "random")]), async (dir) => {
      await expect(writeReport(dir)).rejects.toThrow(
        new BenchmarkInputError(`dir: ${dir} holds runs of a problem this version of Sextant does not have ("branin-2d-old-name"); \`sextant problems\` lists those it has`),
      );
    });
  });
});

describe("noiselessFallbackNotes", () => {
  it("counts new incumbents, multi-fidelity incumbents and recommended trials apart, in words that fit each", () => {
    const results: RunResult[] = [
      { ...run(A, "random", 0, 1, 0.5), noiselessFailures: 2, firstNoiselessFailure: "crashed" },
      { ...run(A, "tpe", 0, 1, 0.5), noiselessFailures: 1, firstNoiselessFailure: "crashed" },
      { ...run("augmented-branin-2d-fidelity", "random", 0, 1, 0.5), fidelityUnitsPerTrial: 9, noiselessFailures: 4, firstNoiselessFailure: "nan" },
      { ...run(B, "gp", 0, 1, 0.5), recommendedNoiselessFailures: 3, firstRecommendedNoiselessFailure: "crashed" },
      run(C, "gp", 0, 1, 0.5),
    ];
    const notes = noiselessFallbackNotes(results);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(/^3 regrets, in 2 runs of `random`, `tpe`, are the observed value minus the reference: the noiseless value of a new incumbent could not be measured/);
    expect(notes[1]).toMatch(/^4 regrets, in 1 multi-fidelity run of `random`, are the observed final value minus the reference: the noiseless final value of a new incumbent/);
    expect(notes[1]).not.toMatch(/command/);
    expect(notes[2]).toMatch(/^In 1 run of `gp`, the noiseless value of 3 recommended trials could not be measured .*: their regret in the recommended-trial curve .* is their observed value minus the reference\.$/);
    expect(noiselessFallbackNotes([run(C, "gp", 0, 1, 0.5)])).toEqual([]);
  });
});

describe("a surrogate whose runs go past its reference value", () => {
  it("ranks them by how far they went instead of tying them at the floor, and says so", async () => {
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { writeReport } = await import("./report.js");
    const problem = "yahpo-lcbench-3945";
    const make = (optimizer: string, seed: number, final: number): RunResult => ({
      problem,
      optimizer,
      seed,
      trials: 2,
      curve: [5, final],
      bestValue: 0,
      seconds: 0,
      optimizerSeconds: 0,
    });
    // auto ends 1.0 below the reference on every seed, optuna-tpe 0.2 below, random above it.
    const results = [0, 1, 2].flatMap((seed) => [make("auto", seed, -1), make("optuna-tpe", seed, -0.2), make("random", seed, 3)]);
    const dir = mkdtempSync(join(tmpdir(), "sextant-report-rebase-"));
    try {
      writeFileSync(join(dir, "run.json"), JSON.stringify({ trials: 2, optimizers: ["auto", "optuna-tpe", "random"], seeds: [0, 1, 2], problems: [problem] }));
      writeFileSync(join(dir, "results.jsonl"), results.map((r) => `${JSON.stringify(r)}\n`).join(""));
      const written = await writeReport(dir, { budgets: [2] });
      const md = readFileSync(written.markdown, "utf8");
      expect(md).toMatch(/Regret measured from the best run on 1 problem\./);
      expect(md).toContain(`${problem} 1.00`);
      // auto sits at the floor, optuna-tpe 0.8 above it, random 4 above it; floored, the first two tied.
      expect(md).toMatch(new RegExp(`\\| ${problem} \\| 1\\.00e-12 \\[1\\.00e-12, 1\\.00e-12\\] \\| 0\\.800 \\[0\\.800, 0\\.800\\] \\| 4\\.00 \\[4\\.00, 4\\.00\\] \\|`));
      expect(md).toMatch(/\| optuna-tpe \| 1 \/ 0 \/ 0 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
