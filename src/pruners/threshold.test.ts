import { describe, expect, it } from "vitest";
import { makeSnapshot, makeTrial } from "../space/index.js";
import { createPrunerByName } from "./registry.js";
import { ThresholdPruner } from "./threshold.js";

function judge(pruner: ThresholdPruner, intermediate: Record<number, number>): boolean {
  const trial = makeTrial({ number: 0, intermediate });
  return pruner.prune(makeSnapshot([trial]), trial);
}

describe("ThresholdPruner", () => {
  it("prunes a latest value outside [lower, upper] or NaN, from the very first trial", () => {
    const pruner = new ThresholdPruner({ lower: 0, upper: 10 });
    expect(judge(pruner, { 0: 5 })).toBe(false);
    expect(judge(pruner, { 0: 0 })).toBe(false);
    expect(judge(pruner, { 0: 10 })).toBe(false);
    expect(judge(pruner, { 0: -0.1 })).toBe(true);
    expect(judge(pruner, { 0: 10.1 })).toBe(true);
    expect(judge(pruner, { 0: Number.NaN })).toBe(true);
    // Only the latest value counts: a run that came back into the band is kept.
    expect(judge(pruner, { 0: 50, 1: 5 })).toBe(false);
  });

  it("takes one bound alone", () => {
    expect(judge(new ThresholdPruner({ upper: 1 }), { 0: -1e9 })).toBe(false);
    expect(judge(new ThresholdPruner({ upper: 1 }), { 0: 2 })).toBe(true);
    expect(judge(new ThresholdPruner({ lower: 1 }), { 0: 1e9 })).toBe(false);
  });

  it("waits for the warm-up and judges once per interval", () => {
    const pruner = new ThresholdPruner({ upper: 1, nWarmupSteps: 3, intervalSteps: 2 });
    expect(judge(pruner, { 0: 5, 1: 5, 2: 5 })).toBe(false);
    expect(judge(pruner, { 0: 5, 1: 5, 2: 5, 3: 5 })).toBe(true);
    expect(judge(pruner, { 0: 5, 1: 5, 2: 5, 3: 5, 4: 5 })).toBe(false);
    expect(judge(pruner, { 0: 5, 1: 5, 2: 5, 3: 5, 4: 5, 5: 5 })).toBe(true);
  });

  it("refuses missing or crossed bounds, naming them", () => {
    expect(() => new ThresholdPruner({})).toThrow(/give lower, upper or both/);
    expect(() => new ThresholdPruner(undefined as never)).toThrow(/give lower, upper or both/);
    expect(() => new ThresholdPruner({ lower: 2, upper: 1 })).toThrow(/lower \(2\) must not exceed upper \(1\)/);
    expect(() => createPrunerByName("threshold", { upper: "high" })).toThrow(/"upper" must be a finite number, got "high"/);
    expect(createPrunerByName("threshold", { lower: "-1", n_warmup_steps: "2" })).toMatchObject({ lower: -1, upper: Infinity, nWarmupSteps: 2 });
  });
});
