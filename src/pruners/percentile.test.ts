import { describe, expect, it } from "vitest";
import { type FrozenTrial, makeSnapshot, makeTrial } from "../space/index.js";
import { MedianPruner } from "./median.js";
import { PercentilePruner, createPercentilePrunerFromOptions } from "./percentile.js";
import { createPrunerByName } from "./registry.js";

function complete(number: number, curve: number[]): FrozenTrial {
  return makeTrial({ number, values: [curve[curve.length - 1] ?? 0], intermediate: Object.fromEntries(curve.map((v, i) => [i, v])) });
}

function running(number: number, intermediate: Record<number, number>): FrozenTrial {
  return makeTrial({ number, intermediate });
}

// At step 1 the complete trials reported 1, 2, 3, 4, 5.
const history = [1, 2, 3, 4, 5].map((v, i) => complete(i, [v + 1, v]));

function judge(pruner: PercentilePruner, intermediate: Record<number, number>, directions: ("minimize" | "maximize")[] = ["minimize"]): boolean {
  const trial = running(9, intermediate);
  return pruner.prune(makeSnapshot([...history, trial], { directions }), trial);
}

describe("PercentilePruner", () => {
  it("keeps only trials within the best given percentile, interpolating between values", () => {
    // The 25th percentile of 1..5 is 2; the 10th is 1.4.
    expect(judge(new PercentilePruner({ percentile: 25, nWarmupSteps: 0 }), { 0: 9, 1: 2 })).toBe(false);
    expect(judge(new PercentilePruner({ percentile: 25, nWarmupSteps: 0 }), { 0: 9, 1: 2.01 })).toBe(true);
    expect(judge(new PercentilePruner({ percentile: 10, nWarmupSteps: 0 }), { 0: 9, 1: 1.4 })).toBe(false);
    expect(judge(new PercentilePruner({ percentile: 10, nWarmupSteps: 0 }), { 0: 9, 1: 1.41 })).toBe(true);
  });

  it("compares with the percentile NumPy computes, to the last bit, as Optuna does", () => {
    // Maximizing, complete trials at 0.1 and -0.7: NumPy's median is -0.29999999999999993 (the
    // interpolation runs down from 0.1), so a trial at -0.3 is below it and Optuna prunes it.
    const tie = [0.1, -0.7].map((v, i) => complete(i, [v]));
    const trial = running(9, { 0: -0.3 });
    const pruner = new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 0 });
    expect(pruner.prune(makeSnapshot([...tie, trial], { directions: ["maximize"] }), trial)).toBe(true);
    // Maximizing at 25 %, complete trials at 1 and ∞: NumPy's 75th percentile is ∞ − ∞·0.25, NaN,
    // and Optuna 3.1 keeps a trial at 1e9 (checked with Debian's optuna), where ∞ would prune it.
    const infinite = [1, Number.POSITIVE_INFINITY].map((v, i) => complete(i, [v]));
    const probe = running(9, { 0: 1e9 });
    const quarter = new PercentilePruner({ percentile: 25, nStartupTrials: 2, nWarmupSteps: 0 });
    expect(quarter.prune(makeSnapshot([...infinite, probe], { directions: ["maximize"] }), probe)).toBe(false);
  });

  it("counts the percentile from the high end when maximizing", () => {
    // The best 25 % of 1..5 when maximizing is at or above 4.
    expect(judge(new PercentilePruner({ percentile: 25, nWarmupSteps: 0 }), { 0: 0, 1: 4 }, ["maximize"])).toBe(false);
    expect(judge(new PercentilePruner({ percentile: 25, nWarmupSteps: 0 }), { 0: 0, 1: 3.9 }, ["maximize"])).toBe(true);
  });

  it("is the median pruner at 50", () => {
    for (const value of [2.9, 3, 3.1]) {
      expect(judge(new PercentilePruner({ percentile: 50, nWarmupSteps: 0 }), { 0: 9, 1: value })).toBe(judge(new MedianPruner({ nWarmupSteps: 0 }), { 0: 9, 1: value }));
    }
    expect(new MedianPruner().name).toBe("median");
    expect(new MedianPruner().percentile).toBe(50);
  });

  it("prunes nothing at 100 and everything worse than the best at 0", () => {
    expect(judge(new PercentilePruner({ percentile: 100, nWarmupSteps: 0 }), { 0: 9, 1: 5 })).toBe(false);
    expect(judge(new PercentilePruner({ percentile: 0, nWarmupSteps: 0 }), { 0: 9, 1: 1 })).toBe(false);
    expect(judge(new PercentilePruner({ percentile: 0, nWarmupSteps: 0 }), { 0: 9, 1: 1.001 })).toBe(true);
  });

  it("honours warm-up, interval and minimum trials", () => {
    const pruner = new PercentilePruner({ percentile: 25, nWarmupSteps: 2, intervalSteps: 2, nMinTrials: 5 });
    const curves = [0, 1, 2, 3, 4].map((i) => complete(i, [1, 1, 1, 1, 1, 1]));
    const at = (intermediate: Record<number, number>) => {
      const trial = running(9, intermediate);
      return pruner.prune(makeSnapshot([...curves, trial]), trial);
    };
    expect(at({ 0: 5, 1: 5 })).toBe(false); // warm-up
    expect(at({ 0: 5, 1: 5, 2: 5 })).toBe(true); // step 2 opens a window
    expect(at({ 0: 5, 1: 5, 2: 5, 3: 5 })).toBe(false); // already judged in this window
    expect(at({ 0: 5, 1: 5, 2: 5, 3: 5, 4: 5 })).toBe(true);
    const strict = new PercentilePruner({ nWarmupSteps: 0, nMinTrials: 6 });
    const trial = running(9, { 0: 5 });
    expect(strict.prune(makeSnapshot([...curves, trial]), trial)).toBe(false);
  });

  it("reads options from the CLI and refuses a percentile out of range, naming it", () => {
    expect(createPercentilePrunerFromOptions({ percentile: "10", "n-startup-trials": "2" })).toMatchObject({ percentile: 10, nStartupTrials: 2 });
    // The warm-up waits for the steps to rank trials unless told otherwise (Optuna's is 0).
    expect(createPercentilePrunerFromOptions({}).nWarmupSteps).toBe("rank-agreement");
    expect(createPercentilePrunerFromOptions({ n_warmup_steps: "0" }).nWarmupSteps).toBe(0);
    expect(() => createPercentilePrunerFromOptions({ percentile: "120" })).toThrow(/"percentile" must be a finite number in \[0, 100\]/);
    expect(() => new PercentilePruner({ percentile: Number.NaN })).toThrow(/percentile pruner: percentile must be a number in \[0, 100\]/);
    expect(() => createPrunerByName("median", { percentile: 10 })).toThrow(/unknown option "percentile"/);
    expect(createPrunerByName("percentile", { percentile: 75 }).name).toBe("percentile");
  });
});
