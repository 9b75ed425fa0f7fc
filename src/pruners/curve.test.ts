import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { type Direction, type FrozenTrial, OptionError, makeSnapshot, makeTrial, trackIntermediate } from "../space/index.js";
import { CurvePruner, MAX_CURVE_POINTS, fitModel } from "./curve.js";
import { createPrunerByName, prunerNames } from "./registry.js";

const STEPS = 20;
const DISTRIBUTIONS = { rate: { type: "float", low: 0.02, high: 0.5, log: true }, floor: { type: "float", low: 0, high: 1 } } as const;

/**
 * A saturating loss curve: it starts near 2 and decays at `rate` towards `floor`. Slow learners
 * (small rate) look bad early and can end best, so curves cross.
 */
function curve(rate: number, floor: number, steps: number, noise: Rng | null): Record<number, number> {
  const out: Record<number, number> = {};
  for (let s = 0; s < steps; s++) out[s] = floor + (2 - floor) * Math.exp(-rate * (s + 1)) + (noise ? 0.01 * noise.normal() : 0);
  return out;
}

/** `count` complete trials with random rates and floors; the final value is the last point. */
function history(count: number, seed = 1, direction: Direction = "minimize"): FrozenTrial[] {
  const rng = new Rng(seed);
  const sign = direction === "minimize" ? 1 : -1;
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < count; i++) {
    const rate = Math.exp(Math.log(0.02) + rng.uniform() * (Math.log(0.5) - Math.log(0.02)));
    const floor = rng.uniform();
    const values = curve(rate, floor, STEPS, rng);
    const intermediate = Object.fromEntries(Object.entries(values).map(([s, v]) => [s, sign * v]));
    trials.push(makeTrial({ number: i, params: { rate, floor }, distributions: DISTRIBUTIONS, intermediate, values: [intermediate[STEPS - 1]!] }));
  }
  return trials;
}

/** A running trial that has reported the first `steps` points of its curve. */
function running(number: number, rate: number, floor: number, steps: number, sign = 1): FrozenTrial {
  const values = curve(rate, floor, steps, null);
  const intermediate = Object.fromEntries(Object.entries(values).map(([s, v]) => [s, sign * v]));
  return makeTrial({ number, params: { rate, floor }, distributions: DISTRIBUTIONS, intermediate });
}

describe("CurvePruner (Baker et al. 2017)", () => {
  const trials = history(30);
  const bestFinal = Math.min(...trials.map((t) => t.values![0]!));

  it("decides the same whatever the scale of the values", () => {
    // At 1e300 the targets' squares overflowed (predictions NaN, never pruned); at 1e-150 they
    // underflowed and the error floor swamped every difference.
    const scaled = (trial: FrozenTrial, c: number): FrozenTrial => ({
      ...trial,
      intermediate: Object.fromEntries(Object.entries(trial.intermediate).map(([s, v]) => [s, v * c])),
      values: trial.values ? trial.values.map((v) => v * c) : null,
    });
    const bad = running(100, 0.3, 0.95, 6);
    const good = running(101, 0.3, Math.max(bestFinal - 0.05, 0), 6);
    for (const c of [1e300, 1e-150]) {
      const many = trials.map((t) => scaled(t, c));
      expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...many, scaled(bad, c)]), scaled(bad, c))).toBe(true);
      expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...many, scaled(good, c)]), scaled(good, c))).toBe(false);
    }
  });

  it("judges a trial among 130,000 complete ones, which overflowed the call stack (Math.min(...))", () => {
    const many = Array.from({ length: 130_000 }, (_, i) => ({ ...trials[i % trials.length]!, number: i, id: i }));
    const bad = running(130_000, 0.3, 0.95, 6);
    expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...many, bad]), bad)).toBe(true);
  });

  it("prunes a curve heading to a clearly worse final value, and keeps one heading to the best", () => {
    const pruner = new CurvePruner({ seed: 1 });
    const bad = running(100, 0.3, 0.95, 6);
    const good = running(101, 0.3, Math.max(bestFinal - 0.05, 0), 6);
    expect(pruner.prune(makeSnapshot([...trials, bad]), bad)).toBe(true);
    expect(pruner.prune(makeSnapshot([...trials, good]), good)).toBe(false);
    const prediction = pruner.predictFinal(makeSnapshot([...trials, bad]), bad)!;
    // The model predicts the final value, not the current one: 0.95 + 1.05·e^(−6) ≈ 0.95.
    expect(prediction.mean).toBeGreaterThan(0.75);
    expect(prediction.mean).toBeLessThan(1.15);
    expect(prediction.best).toBeCloseTo(bestFinal, 10);
    expect(prediction.chanceToBeatBest).toBeLessThan(0.05);
  });

  it("reads the slope: a slow learner that is worse now but heading below the best survives", () => {
    const pruner = new CurvePruner({ seed: 1 });
    // After 6 steps the slow learner (final ≈ 0.1) sits above a fast one with a poor floor (0.7)…
    const slow = running(102, 0.15, 0, 6);
    const fast = running(103, 0.6, 0.7, 6);
    expect(slow.intermediate[5]!).toBeGreaterThan(fast.intermediate[5]!);
    // …yet only the fast one is pruned: the features carry the slope and curvature.
    expect(pruner.prune(makeSnapshot([...trials, slow]), slow)).toBe(false);
    expect(pruner.prune(makeSnapshot([...trials, fast]), fast)).toBe(true);
  });

  it("maximizes symmetrically", () => {
    const maxTrials = history(30, 1, "maximize");
    const pruner = new CurvePruner({ seed: 1 });
    const bad = running(100, 0.3, 0.95, 6, -1);
    const good = running(101, 0.3, Math.max(bestFinal - 0.05, 0), 6, -1);
    expect(pruner.prune(makeSnapshot([...maxTrials, bad], { directions: ["maximize"] }), bad)).toBe(true);
    expect(pruner.prune(makeSnapshot([...maxTrials, good], { directions: ["maximize"] }), good)).toBe(false);
  });

  it("judges nothing before minTrials complete trials, during the warm-up, or off the interval", () => {
    const bad = running(100, 0.3, 0.95, 6);
    expect(new CurvePruner({ seed: 1, minTrials: 31 }).prune(makeSnapshot([...trials, bad]), bad)).toBe(false);
    expect(new CurvePruner({ seed: 1, nWarmupSteps: 6 }).prune(makeSnapshot([...trials, bad]), bad)).toBe(false);
    // Windows start at 2, 6, 10…: step 5 is not the first report of its window.
    expect(new CurvePruner({ seed: 1, intervalSteps: 4 }).prune(makeSnapshot([...trials, bad]), bad)).toBe(false);
    const early = running(100, 0.3, 0.95, 7);
    expect(new CurvePruner({ seed: 1, intervalSteps: 4 }).prune(makeSnapshot([...trials, early]), early)).toBe(true);
  });

  it("prunes a NaN report", () => {
    const started = running(100, 0.3, 0.1, 4);
    const diverged = { ...started, intermediate: { ...started.intermediate, 4: Number.NaN } };
    expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...trials, diverged]), diverged)).toBe(true);
  });

  it("prunes a report diverged to the losing infinity, as a NaN one, however the trial did before", () => {
    // It was left out of the curve's features, and with it the model's target step: nothing was judged, and the run went on.
    const started = running(100, 0.3, 0.1, 4);
    const diverged = { ...started, intermediate: { ...started.intermediate, 4: Number.POSITIVE_INFINITY } };
    expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...trials, diverged]), diverged)).toBe(true);
    const onlyInfinite = makeTrial({ number: 100, params: started.params, distributions: DISTRIBUTIONS, intermediate: { 0: Infinity, 1: Infinity, 2: Infinity } });
    expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...trials, onlyInfinite]), onlyInfinite)).toBe(true);
    const maxTrials = history(30, 1, "maximize");
    const sinking = { ...started, intermediate: { ...running(100, 0.3, 0.1, 4, -1).intermediate, 4: Number.NEGATIVE_INFINITY } };
    expect(new CurvePruner({ seed: 1 }).prune(makeSnapshot([...maxTrials, sinking], { directions: ["maximize"] }), sinking)).toBe(true);
  });

  it("is deterministic per seed, and the seed picks the training trials once there are more than maxTrainingTrials", () => {
    const many = history(60, 2);
    const probe = running(100, 0.2, 0.3, 10);
    const snapshot = makeSnapshot([...many, probe]);
    const a = new CurvePruner({ seed: 7, maxTrainingTrials: 20 }).predictFinal(snapshot, probe);
    const b = new CurvePruner({ seed: 7, maxTrainingTrials: 20 }).predictFinal(snapshot, probe);
    const c = new CurvePruner({ seed: 8, maxTrainingTrials: 20 }).predictFinal(snapshot, probe);
    expect(a).toEqual(b);
    expect(a!.mean).not.toBe(c!.mean);
    // Below the cap the seed plays no part.
    expect(new CurvePruner({ seed: 1 }).predictFinal(snapshot, probe)).toEqual(new CurvePruner({ seed: 2 }).predictFinal(snapshot, probe));
  });

  it("predicts for a trial reported out of order, with gaps and NaN, as from its feature steps picked by a full scan", () => {
    // The steps a model uses, picked the straightforward way: every finite step sorted, then thinned.
    const scannedFeatureSteps = (intermediate: Record<number, number>): number[] => {
      const steps = Object.keys(intermediate)
        .map(Number)
        .filter((s) => Number.isFinite(intermediate[s]))
        .sort((a, b) => a - b);
      if (steps.length <= MAX_CURVE_POINTS) return steps;
      return Array.from({ length: MAX_CURVE_POINTS }, (_, i) => steps[Math.round(((steps.length - 1) * i) / (MAX_CURVE_POINTS - 1))]!);
    };
    const rng = new Rng(9);
    const pruner = new CurvePruner({ seed: 1, minTrials: 10 });
    let compared = 0;
    for (let round = 0; round < 12; round++) {
      const order = Array.from({ length: STEPS }, (_, s) => s).filter(() => rng.uniform() < 0.8);
      if (round % 3 !== 0) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.integer(0, i);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
      }
      const shape = curve(rng.uniformIn(0.05, 0.5), rng.uniform(), STEPS, rng);
      const record: Record<number, number> = {};
      const index = trackIntermediate(record);
      const params = { rate: 0.1, floor: 0.5 };
      const trial = makeTrial({ number: 100 + round, params, distributions: DISTRIBUTIONS, intermediate: record });
      for (const step of order) {
        const value = rng.uniform() < 0.1 ? Number.NaN : shape[step]!;
        record[step] = value;
        index.add(step, value);
        const last = Math.max(...Object.keys(record).map(Number));
        if (Number.isNaN(record[last])) continue;
        // The same trial cut down to those steps: its thinning keeps them all.
        const picked = Object.fromEntries(scannedFeatureSteps(record).map((s) => [s, record[s]!]));
        const reference = makeTrial({ number: 100 + round, params, distributions: DISTRIBUTIONS, intermediate: picked });
        const expected = pruner.predictFinal(makeSnapshot([...trials, reference]), reference);
        expect(pruner.predictFinal(makeSnapshot([...trials, trial]), trial), `round ${round}, steps ${Object.keys(record)}`).toEqual(expected);
        if (expected !== null) compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("kernel ridge regression recovers a smooth function and reports a leave-one-out error scale", () => {
    const rng = new Rng(3);
    const rows: Float64Array[] = [];
    const targets: number[] = [];
    for (let i = 0; i < 60; i++) {
      const x = rng.uniform() * 4 - 2;
      rows.push(Float64Array.of(x));
      targets.push(Math.sin(x) + 0.05 * rng.normal());
    }
    const model = fitModel(rows, targets)!;
    for (const x of [-1.5, 0, 0.7, 1.8]) expect(model.predict(Float64Array.of(x)).mean).toBeCloseTo(Math.sin(x), 1);
    const { sigma } = model.predict(Float64Array.of(0));
    expect(sigma).toBeGreaterThan(0.02);
    expect(sigma).toBeLessThan(0.15);
  });

  it("is registered with its options, which are checked by name", () => {
    expect(prunerNames()).toContain("curve");
    expect(createPrunerByName("curve", { threshold: "0.1", min_trials: "5", seed: "3" })).toMatchObject({ threshold: 0.1, minTrials: 5, seed: 3 });
    expect(() => createPrunerByName("curve", { threshold: "2" })).toThrow(OptionError);
    expect(() => createPrunerByName("curve", { threshold: "2" })).toThrow(/threshold/);
    expect(() => new CurvePruner({ minTrials: 1 })).toThrow(/minTrials/);
  });
});
