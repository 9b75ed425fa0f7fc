import { describe, expect, it } from "vitest";
import { type FrozenTrial, makeSnapshot, makeTrial } from "../space/index.js";
import { createPrunerByName } from "./registry.js";
import { WilcoxonPruner } from "./wilcoxon.js";

function steps(values: number[]): Record<number, number> {
  return Object.fromEntries(values.map((v, i) => [i, v]));
}

// The best trial so far: a loss of 5 on each of 10 instances.
const bestValues = Array.from({ length: 10 }, () => 5);
const best = makeTrial({ number: 0, values: [5], intermediate: steps(bestValues) });
const worse = makeTrial({ number: 1, values: [50], intermediate: steps(bestValues.map((v) => v * 10)) });

function judge(pruner: WilcoxonPruner, values: number[], others: FrozenTrial[] = [best, worse], direction: "minimize" | "maximize" = "minimize"): boolean {
  const trial = makeTrial({ number: 9, intermediate: steps(values) });
  return pruner.prune(makeSnapshot([...others, trial], { directions: [direction] }), trial);
}

describe("WilcoxonPruner", () => {
  it("prunes once the paired differences with the best trial are significantly positive", () => {
    const pruner = new WilcoxonPruner({ pThreshold: 0.1, nStartupSteps: 2 });
    // Three instances all worse by a little: exact p = 1/8 ≥ 0.1, so not yet.
    expect(judge(pruner, [5.1, 5.3, 5.2])).toBe(false);
    // Four all worse: p = 1/16 < 0.1.
    expect(judge(pruner, [5.1, 5.3, 5.2, 5.4])).toBe(true);
    // Mixed signs (T+ = 1+2+3 of 15): no evidence.
    expect(judge(pruner, [4.5, 5.3, 5.2, 5.4, 4.4])).toBe(false);
  });

  it("does not prune on three tied differences, whose p-value is 1/8 as SciPy counts it", () => {
    // Per-instance 0/1 losses: the best trial got 0 everywhere, this one 1 on each instance so far.
    const perfect = makeTrial({ number: 0, values: [0], intermediate: steps(Array.from({ length: 10 }, () => 0)) });
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    expect(judge(pruner, [1, 1, 1], [perfect])).toBe(false);
    expect(judge(pruner, [1, 1, 1, 1], [perfect])).toBe(true);
  });

  it("compares with the best complete trial, mirrored when maximizing", () => {
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    // Maximizing, the 10× trial is the best; values 1..10-ish are far worse.
    expect(judge(pruner, [1, 2, 3, 4, 5], [best, worse], "maximize")).toBe(true);
    expect(judge(pruner, [100, 200, 300, 400, 500], [best, worse], "maximize")).toBe(false);
  });

  it("never prunes a trial whose mean is at least as good as the best trial's overall mean", () => {
    // Losses 1..10 (mean 5.5). The trial is worse on each of instances 0-4, but those are the best
    // trial's easiest instances: the trial's mean (5.4) still beats the best's overall 5.5.
    const uneven = makeTrial({ number: 0, values: [5.5], intermediate: steps([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) });
    expect(judge(new WilcoxonPruner({ pThreshold: 0.1 }), [5, 5.2, 5.4, 5.6, 5.8], [uneven])).toBe(false);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.1 }), [5.7, 5.9, 6.1, 6.3, 6.5], [uneven])).toBe(true);
  });

  it("guards with the best trial's objective value, not the mean of its steps, as Optuna's average_is_best", () => {
    // Per-fold losses near 0.5, but the objective returned 0.9 (say mean + 2·std). The trial is
    // worse on every fold (p = 1/4096), yet its mean 0.61 beats the best value 0.9: kept.
    const folds = (base: number) => Array.from({ length: 12 }, (_, i) => base + 0.01 * (i % 3));
    const best = (value: number, base: number) => makeTrial({ number: 0, values: [value], intermediate: steps(folds(base)) });
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    expect(judge(pruner, folds(0.6), [best(0.9, 0.5)])).toBe(false);
    expect(judge(pruner, folds(0.6), [best(0.55, 0.5)])).toBe(true);
    // Maximizing: folds near 0.6 but an objective of 0.2; a trial at 0.5 per fold is worse on each
    // fold but its mean beats 0.2.
    expect(judge(pruner, folds(0.5), [best(0.2, 0.6)], "maximize")).toBe(false);
    expect(judge(pruner, folds(0.5), [best(0.55, 0.6)], "maximize")).toBe(true);
  });

  it("waits for nStartupSteps shared steps and ignores curves with non-finite values", () => {
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5, nStartupSteps: 3 }), [5.1, 5.3])).toBe(false);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5, nStartupSteps: 2 }), [5.1, 5.3])).toBe(true);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5 }), [5.1, 5.3, Number.NaN, 5.2, 5.4])).toBe(false);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5 }), [1.5, 2.5, 3.5], [])).toBe(false);
    const noCurve = makeTrial({ number: 0, values: [1], intermediate: {} });
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5 }), [1.5, 2.5, 3.5], [noCurve])).toBe(false);
  });

  it("reads its options from the CLI and names bad ones", () => {
    expect(createPrunerByName("wilcoxon", { p_threshold: "0.05", n_startup_steps: "5" })).toMatchObject({ pThreshold: 0.05, nStartupSteps: 5 });
    expect(() => createPrunerByName("wilcoxon", { pThreshold: "2" })).toThrow(/"pThreshold" must be a finite number in \[0, 1\]/);
    expect(() => new WilcoxonPruner({ nStartupSteps: -1 })).toThrow(/nStartupSteps must be an integer ≥ 0/);
  });
});
