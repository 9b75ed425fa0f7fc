import { describe, expect, it } from "vitest";
import { defaultsEverywhere, meanNormalizedScores, performancePoints, performanceProfiles, proportionalQuotas, rankTransform, referencePerformancePoints, selectRepresentativeSubset, splitDevTest, trialsToTarget } from "./protocols.js";
import { NO_INCUMBENT_REGRET, type RunResult } from "./run-one.js";
import { starDiscrepancy } from "./stats.js";

const run = (problem: string, optimizer: string, seed: number, curve: number[]): RunResult => ({
  problem,
  optimizer,
  seed,
  trials: curve.length,
  curve,
  bestValue: curve.at(-1)!,
  seconds: 0,
  optimizerSeconds: 0,
});

describe("performance profiles", () => {
  it("counts trials to random search's median final regret, and the area under rho", () => {
    const results = [
      // p1: random reaches its final 1 at trial 4; fast at trial 1; slow at trial 2.
      run("p1", "random", 0, [8, 4, 2, 1]),
      run("p1", "fast", 0, [1, 1, 1, 1]),
      run("p1", "slow", 0, [9, 1, 1, 1]),
      // p2: random ends at 2 (trial 2); fast at 1; slow never.
      run("p2", "random", 0, [4, 2, 2, 2]),
      run("p2", "fast", 0, [2, 2, 2, 2]),
      run("p2", "slow", 0, [9, 9, 9, 9]),
    ];
    expect(trialsToTarget(results[2]!, 1)).toBe(2);
    const profiles = Object.fromEntries(performanceProfiles(results, 4).map((p) => [p.optimizer, p]));
    expect(profiles.fast!.trialsToTarget).toEqual({ p1: 1, p2: 1 });
    expect(profiles.slow!.trialsToTarget).toEqual({ p1: 2, p2: Infinity });
    expect(profiles.fast!.area).toBeCloseTo(1, 12);
    // random: ratios 4 and 2, so ρ is 0 on [1, 2), 1/2 on [2, 4), 1 at 4: area (2 · 1/2) / 3,
    // exactly (the trapezoid rule on a grid of τ gave 0.342).
    expect(profiles.random!.area).toBeCloseTo(1 / 3, 12);
    // slow: ratio 2 on p1, ∞ on p2: ρ = 1/2 from τ = 2.
    expect(profiles.slow!.area).toBeCloseTo(1 / 3, 12);
    // A ratio between grid points: 1.25 on one problem, ρ = 1 from there: (4 − 1.25) / 3.
    const between = [run("p", "random", 0, [4, 4, 4, 4, 1]), run("p", "quick", 0, [4, 4, 4, 1, 1])];
    expect(performanceProfiles(between, 4).find((p) => p.optimizer === "random")!.area).toBeCloseTo(2.75 / 3, 12);
  });
});

describe("defaults that work everywhere", () => {
  it("picks the best aggregate normalized score and states the loss against tuning per problem", () => {
    const results = [
      run("p1", "random", 0, [1]),
      run("p1", "a", 0, [0.5]),
      run("p1", "b", 0, [0.1]),
      run("p2", "random", 0, [1]),
      run("p2", "a", 0, [0.2]),
      run("p2", "b", 0, [0.8]),
    ];
    const found = defaultsEverywhere(results, ["a", "b"], 1);
    expect(found.best).toBe("a"); // mean 0.35 against b's 0.45
    expect(found.scores.get("a")).toBeCloseTo(0.35, 12);
    expect(found.lossAgainstTuning).toBeCloseTo((0.5 - 0.1 + 0) / 2, 12);
  });
});

describe("normalized scores at a budget where some runs have no incumbent yet", () => {
  const results = [
    // p1 after one trial: slow has none (score ∞), fast 0.5 against random's 1.
    run("p1", "random", 0, [1, 1]),
    run("p1", "fast", 0, [0.5, 0.5]),
    run("p1", "slow", 0, [NO_INCUMBENT_REGRET, 0.5]),
    // p2 after one trial: random search has none, so nothing normalizes the others' regrets there.
    run("p2", "random", 0, [NO_INCUMBENT_REGRET, 1]),
    run("p2", "fast", 0, [0.5, 0.5]),
    run("p2", "slow", 0, [0.5, 0.5]),
  ];

  it("scores a run without one ∞, and leaves out a problem whose random search has none", () => {
    // p2 used to score 0.5 / 1.8e308 ≈ 0, "at the optimum", and slow's p1 ≈ 9e307.
    const scores = meanNormalizedScores(results, 1);
    expect(scores.get("random")).toBe(1);
    expect(scores.get("fast")).toBe(0.5);
    expect(scores.get("slow")).toBe(Infinity);
    expect(defaultsEverywhere(results, ["fast", "slow"], 1)).toMatchObject({ best: "fast", lossAgainstTuning: 0 });
    // By the end every run has one, and both problems count.
    expect(meanNormalizedScores(results, 2).get("slow")).toBe(0.5);
  });

  it("reaches no target before the first finished trial", () => {
    expect(trialsToTarget(results[2]!, 1)).toBe(2);
    const slow = performanceProfiles(results, 4).find((p) => p.optimizer === "slow")!;
    // Targets: random's final median regret, 1 on both problems; slow reaches it at trial 2 on p1, 1 on p2.
    expect(slow.trialsToTarget).toEqual({ p1: 2, p2: 1 });
  });
});

describe("carps subsets", () => {
  it("normalizes each problem between its best final log-regret and a single trial's", () => {
    const results = [run("p", "x", 0, [100, 1]), run("p", "y", 0, [100, 10])];
    const [point] = performancePoints(results, ["x", "y"]);
    expect(point!.point[0]).toBeCloseTo(0, 12);
    expect(point!.point[1]).toBeCloseTo(0.5, 12);
  });

  it("takes a run's first finished trial as its single trial when its first trials had no incumbent", () => {
    // x's first trial failed: its curve starts with the no-incumbent marker, then 100 (its first
    // finished trial), then 1. The marker is not a regret of 1.8e308: the single-trial reference
    // is still 100, so y's final 10 sits halfway, as above.
    const results = [run("p", "x", 0, [NO_INCUMBENT_REGRET, 100, 1]), run("p", "y", 0, [100, 10, 10])];
    const [point] = performancePoints(results, ["x", "y"]);
    expect(point!.point[0]).toBeCloseTo(0, 12);
    expect(point!.point[1]).toBeCloseTo(0.5, 12);
  });

  it("re-bases a problem whose reference optimum the references went past, on their runs only", () => {
    // LCBench's optimum is the best of a random search: x ends 3 below it, y 2 below (regrets -3,
    // -2). Floored at 1e-12 both sit at 0. Measured from x's -3 (not from "other", which is not a
    // reference), x ends at the floor and y at regret 1, with a single trial's at 1e6.
    const problem = "yahpo-lcbench-167168";
    const results = [run(problem, "x", 0, [1e6 - 3, -3]), run(problem, "y", 0, [1e6 - 3, -2]), run(problem, "other", 0, [1e6 - 3, -1e3])];
    const floored = performancePoints(results, ["x", "y"])[0]!.point;
    expect(floored).toEqual([0, 0]);
    const [rebased] = referencePerformancePoints(results, ["x", "y"]);
    expect(rebased!.point[0]).toBe(0);
    expect(rebased!.point[1]).toBeCloseTo((Math.log10(1) - Math.log10(1e-12)) / (Math.log10(1e6) - Math.log10(1e-12)), 12);
  });

  it("rank-transforms coordinates into (0, 1)", () => {
    expect(rankTransform([[0.1], [0.5], [0.2]])).toEqual([[1 / 6], [5 / 6], [3 / 6]]);
  });

  it("chooses points that cover the square better than the worst choice", () => {
    // A 4×4 grid of candidates and a clump near the origin: a good 4-subset spreads out.
    const grid = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) grid.push([(i + 0.5) / 4, (j + 0.5) / 4]);
    const points = [...grid, [0.01, 0.01], [0.02, 0.01], [0.01, 0.02]];
    const chosen = selectRepresentativeSubset(points, 4);
    expect(chosen).toHaveLength(4);
    expect(chosen.every((i) => i < 16)).toBe(true);
    expect(starDiscrepancy(chosen.map((i) => points[i]!))).toBeLessThan(starDiscrepancy([points[16]!, points[17]!, points[18]!, points[0]!]));
  });

  it("splits into disjoint dev and test sets with each stratum on both sides", () => {
    const points = Array.from({ length: 12 }, (_, i) => ({ problem: `${i % 3 === 0 ? "noisy" : "plain"}-${i}`, point: [((i * 7) % 12) / 12, ((i * 5) % 12) / 12] }));
    const split = splitDevTest(points, 4, 4, (p) => p.split("-")[0]!);
    expect(split.dev).toHaveLength(4);
    expect(split.test).toHaveLength(4);
    expect(split.dev.filter((p) => split.test.includes(p))).toEqual([]);
    // Test: 4 of 12 are noisy, so 4 · 4/12 = 1.33 → 1. Dev: 3 of the 8 left, 4 · 3/8 = 1.5, and the tie of remainders goes to the first stratum → 2.
    expect(split.test.filter((p) => p.startsWith("noisy"))).toHaveLength(1);
    expect(split.dev.filter((p) => p.startsWith("noisy"))).toHaveLength(2);
  });

  it("gives a small stratum one member on each side although its proportional share rounds to 0", () => {
    // 2 heavy-tailed among 40: 4 · 2/40 = 0.2 would round to 0 on both sides.
    const points = Array.from({ length: 40 }, (_, i) => ({ problem: `${i < 2 ? "heavy" : "plain"}-${i}`, point: [((i * 7) % 40) / 40, ((i * 11) % 40) / 40] }));
    const split = splitDevTest(points, 4, 4, (p) => p.split("-")[0]!);
    expect(split.test.filter((p) => p.startsWith("heavy"))).toHaveLength(1);
    expect(split.dev.filter((p) => p.startsWith("heavy"))).toHaveLength(1);
    expect(split.dev).toHaveLength(4);
    expect(split.test).toHaveLength(4);
  });

  it("proportional quotas: shares by size, raised to the minimum, summing to the total", () => {
    expect(proportionalQuotas([30, 10], 8)).toEqual([6, 2]);
    expect(proportionalQuotas([38, 1, 1], 4, 1)).toEqual([2, 1, 1]);
    expect(proportionalQuotas([38, 0], 4, 1)).toEqual([4, 0]);
    expect(proportionalQuotas([5, 6, 5], 2, 1)).toEqual([1, 1, 0]);
    expect(proportionalQuotas([0, 0], 0, 1)).toEqual([0, 0]);
    expect(() => proportionalQuotas([1, 1], 3)).toThrow(/asked for 3 problems, the strata hold 2/);
  });
});

describe("tuneThenTest with failed runs", () => {
  it("makes no choice from incomplete runs, and says which failed", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { BenchmarkRunsFailedError, tuneThenTest } = await import("./protocols.js");
    const { useStandInPython, writeStandInPython } = await import("../../../test/fixtures/stand-in-python.js");
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-failed-"));
    try {
      // A stand-in for the scikit-learn problems' Python that never gives a value, so every run of
      // sklearn-gbt-wine fails. The choice used to be made from the runs that finished (those on
      // branin-2d), with an exit code of 0.
      const program = join(dir, "python");
      writeStandInPython(program, ["console.log('nan');"]);
      await useStandInPython(program);
      const attempt = tuneThenTest({ problems: ["branin-2d", "sklearn-gbt-wine"], candidates: ["cmaes", "nsga2"], trials: 6, tuningSeeds: [0], testSeeds: [1], outDir: join(dir, "out") });
      await expect(attempt).rejects.toBeInstanceOf(BenchmarkRunsFailedError);
      await expect(attempt).rejects.toThrow(/^3 tuning run\(s\) failed \(first: cmaes on sklearn-gbt-wine, seed 0: .*\); no choice is made from incomplete runs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("tuneThenTest's errors", () => {
  it("name its own options, and refuse test problems that cannot be run before any tuning run", async () => {
    const { existsSync, mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { tuneThenTest } = await import("./protocols.js");
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-names-"));
    const base = { problems: ["branin-2d"], candidates: ["tpe", "sobol"], trials: 3, tuningSeeds: [0], testSeeds: [1], outDir: dir };
    try {
      // An unknown test problem said "problems:", the tuning problems' option, after every tuning run.
      await expect(tuneThenTest({ ...base, testProblems: ["branin-2dd"] })).rejects.toThrow(/^testProblems: unknown problem "branin-2dd"/);
      // A candidate with a pruner could be chosen, and a test problem without a fidelity cannot prune.
      await expect(tuneThenTest({ ...base, problems: ["augmented-branin-2d-fidelity"], candidates: ["tpe+median", "random"], testProblems: ["branin-2d"] })).rejects.toThrow(
        /^candidates: "tpe\+median" has a pruner, but problem "branin-2d" has no fidelity/,
      );
      // A candidate of one objective failed every run on a problem of several, and the tune said "rerun the same command to retry them".
      await expect(tuneThenTest({ ...base, problems: ["zdt1-6d"], candidates: ["nsga2", "cmaes"] })).rejects.toThrow(
        /^candidates: "cmaes" takes one objective, and problem "zdt1-6d" has 2 objectives, so every run of it there would fail; optimizers that take several objectives: auto, random, tpe, /,
      );
      // Any candidate may be chosen: one of one objective is refused on test problems of several before the tuning runs.
      await expect(tuneThenTest({ ...base, candidates: ["tpe", "turbo"], testProblems: ["dtlz2-6d-3obj"] })).rejects.toThrow(/^candidates: "turbo" takes one objective, and problem "dtlz2-6d-3obj" has 3 objectives/);
      expect(existsSync(join(dir, "tuning"))).toBe(false);
      await expect(tuneThenTest({ ...base, tuningSeeds: [0, 1], testSeeds: [1] })).rejects.toThrow(/^testSeeds: must be disjoint from tuningSeeds; both hold 1/);
      await expect(tuneThenTest({ ...base, candidates: ["tpe", "sobl"] })).rejects.toThrow(/^candidates: unknown optimizer "sobl"/);
      await expect(tuneThenTest({ ...base, tuningSeeds: [-1] })).rejects.toThrow(/^tuningSeeds: must be non-negative integers, got -1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
