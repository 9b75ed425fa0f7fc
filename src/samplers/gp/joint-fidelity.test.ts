import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { type FrozenTrial, makeSamplingTrial, makeSnapshot, makeTrial } from "../../space/index.js";
import { normalCdf } from "../../math/special.js";
import { MAX_RUNG_STEPS, fidelityOf, finalFidelitySurrogate, firstRungSurvival, jointObservations } from "./joint-fidelity.js";
import { GPSampler } from "./gp.js";

const X = { type: "float", low: 0, high: 1 } as const;

/**
 * Trial i reports steps 1..stops[i] of loss(x, step); it completes if it reaches `last`, else it is
 * pruned there.
 */
function history(stops: number[], last: number, loss: (x: number, step: number) => number, seed = 3, rungs = false): FrozenTrial[] {
  const rng = new Rng(seed);
  return stops.map((stop, number) => {
    const x = rng.uniform();
    const intermediate: Record<number, number> = {};
    for (let s = 1; s <= stop; s++) intermediate[s] = loss(x, s);
    return makeTrial({
      number,
      state: stop === last ? "complete" : "pruned",
      params: { x },
      distributions: { x: X },
      intermediate,
      values: [intermediate[stop]!],
      // What asha and hyperband record on the trials they judge.
      systemAttrs: rungs ? { completed_rung_0: intermediate[1]! } : {},
    });
  });
}

const encode = (trial: FrozenTrial) => Float64Array.of(trial.params.x as number);

describe("the joint fidelity model's training set", () => {
  // 4 stopped at step 1, 3 at step 3, 1 at step 9, 2 complete at step 27.
  const stops = [1, 1, 1, 1, 3, 3, 3, 9, 27, 27];
  const trials = history(stops, 27, (x, s) => (x - 0.5) ** 2 + 1 / s);

  it("takes each trial at the rung steps before its last and at its last (complete: z = 1)", () => {
    const joint = jointObservations(makeSnapshot(trials), encode, 1, 99)!;
    expect(joint.topStep).toBe(27);
    expect(joint.rungSteps).toEqual([1, 3, 9]);
    // 4 × 1 + 3 × 2 + 1 × 3 + 2 × 4 rows.
    expect(joint.points).toHaveLength(4 + 6 + 3 + 8);
    expect(joint.configurations).toHaveLength(10);
    expect(joint.complete.map((c) => c.value)).toEqual([trials[8]!.values![0], trials[9]!.values![0]]);
    // The trial stopped at step 3: its step-1 value, then its step-3 value at z(3).
    const rows = joint.points.map((p, j) => ({ x: p[0], z: p[1], value: joint.values[j] }));
    const third = rows.filter((r) => r.x === trials[4]!.params.x);
    expect(third).toEqual([
      { x: trials[4]!.params.x, z: fidelityOf(1, 27), value: trials[4]!.intermediate[1] },
      { x: trials[4]!.params.x, z: fidelityOf(3, 27), value: trials[4]!.intermediate[3] },
    ]);
    const complete = rows.filter((r) => r.x === trials[9]!.params.x).map((r) => r.z);
    expect(complete).toEqual([fidelityOf(1, 27), fidelityOf(3, 27), fidelityOf(9, 27), 1]);
    expect(fidelityOf(27, 27)).toBe(1);
    expect(fidelityOf(1, 27)).toBeCloseTo(Math.log(2) / Math.log(28), 12);
  });

  it("counts the trials that reached the first rung and those that went on", () => {
    const joint = jointObservations(makeSnapshot(trials), encode, 1, 99)!;
    expect(joint.firstRung).toEqual({ reached: 10, passed: 6 });
  });

  it("leaves out the trial being sampled and failed trials, and flips maximised values", () => {
    const failed = makeTrial({ number: 10, state: "failed", params: { x: 0.3 }, distributions: { x: X } });
    const joint = jointObservations(makeSnapshot([...trials, failed]), encode, -1, 0)!;
    expect(joint.configurations).toHaveLength(9);
    expect(joint.values[0]).toBe(-trials[1]!.intermediate[1]!);
  });

  it("is null without a pruned trial that reported a step", () => {
    const complete = history([27, 27, 27], 27, (x) => x);
    expect(jointObservations(makeSnapshot(complete), encode, 1, 99)).toBeNull();
    expect(jointObservations(makeSnapshot(trials), encode, 1, 99)).not.toBeNull();
  });

  it("keeps at most MAX_RUNG_STEPS rung steps, spread over the steps trials stopped at", () => {
    const many = history([1, 2, 3, 4, 5, 6, 7, 8, 20], 20, (x, s) => x + 1 / s);
    const joint = jointObservations(makeSnapshot(many), encode, 1, 99)!;
    expect(joint.rungSteps).toHaveLength(MAX_RUNG_STEPS);
    expect(joint.rungSteps).toEqual([1, 3, 6, 8]);
  });
});

describe("the model at the final fidelity", () => {
  it("predicts at z = 1 and hands back the configuration's part of the gradients", () => {
    const seen: number[][] = [];
    const model = {
      predict: (p: Float64Array) => (seen.push(Array.from(p)), { mean: p[0]! + 10 * p[2]!, variance: 1 }),
      predictWithGradient: (p: Float64Array, mean: Float64Array, variance: Float64Array) => {
        mean.set([1, 2, 3]);
        variance.set([4, 5, 6]);
        return { mean: p[2]!, variance: 1 };
      },
      predictBatch: (points: Float64Array, count: number) => {
        seen.push(Array.from(points));
        return { means: new Float64Array(count), varianceBounds: new Float64Array(count), variances: () => {}, tighten: () => {} };
      },
    };
    const atFinal = finalFidelitySurrogate(model, 2);
    expect(atFinal.predict(Float64Array.of(0.25, 0.5)).mean).toBe(10.25);
    const mean = new Float64Array(2);
    const variance = new Float64Array(2);
    expect(atFinal.predictWithGradient(Float64Array.of(0.1, 0.2), mean, variance).mean).toBe(1);
    expect(Array.from(mean)).toEqual([1, 2]);
    expect(Array.from(variance)).toEqual([4, 5]);
    atFinal.predictBatch!(Float64Array.of(0.1, 0.2, 0.3, 0.4), 2);
    expect(seen.at(-1)).toEqual([0.1, 0.2, 1, 0.3, 0.4, 1]);
  });
});

describe("the chance of passing the first rung", () => {
  // μ(x, z) = x + z, variance 0.25 everywhere; noise variance 0.75, so σ = 1.
  const model = { predict: (p: Float64Array) => ({ mean: p[0]! + p[1]!, variance: 0.25 }) };

  it("is Φ((t − μ) / σ) at the first rung's z, t the value the pruner's share would just pass", () => {
    // 2 of 4 went on: t is the 2nd smallest value at the first rung, 0.5.
    const survival = firstRungSurvival(model, 1, 0.2, [2, 0.5, 0.1, 3], { reached: 4, passed: 2 }, 0.75)!;
    expect(survival(Float64Array.of(0.3))).toBeCloseTo(Math.log(normalCdf(0)), 12);
    expect(survival(Float64Array.of(1.3))).toBeCloseTo(Math.log(normalCdf(-1)), 12);
    expect(survival(Float64Array.of(-5))).toBeLessThanOrEqual(0);
  });

  it("is absent while the pruner has let every trial or none through", () => {
    expect(firstRungSurvival(model, 1, 0.2, [1, 2], { reached: 2, passed: 2 }, 0.75)).toBeNull();
    expect(firstRungSurvival(model, 1, 0.2, [1, 2], { reached: 2, passed: 0 }, 0.75)).toBeNull();
  });
});

describe('GPSampler({ fidelityRule: "joint" })', () => {
  // The optimum moves with the step, from x = 0.2 at step 1 to x = 0.8 at the last, step 27.
  const loss = (x: number, step: number) => (x - 0.2 - (0.6 * Math.log(step)) / Math.log(27)) ** 2 + 0.5 / step;
  const stops = [1, 1, 1, 1, 1, 1, 3, 3, 3, 9, 9, 27, 27, 1, 1, 3, 27, 1, 3, 27];
  const trials = history(stops, 27, loss, 11);

  it("proposes near the final values' optimum, records its θ and repeats itself for a seed", () => {
    const propose = () => {
      const sampler = new GPSampler({ seed: 4, fidelityRule: "joint" });
      const snapshot = makeSnapshot(trials);
      const trial = makeSamplingTrial(trials.length);
      const params = sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
      return { x: params.x as number, attrs: trial.systemAttrs };
    };
    const first = propose();
    expect(Math.abs(first.x - 0.8)).toBeLessThan(0.1);
    const theta = first.attrs["gp:jointTheta"] as number[];
    // Lengthscales of x and z, signal and noise variance, and the additive component's variance.
    expect(theta.length).toBeGreaterThanOrEqual(4);
    expect(first.attrs["gp:fallback"]).toBeUndefined();
    expect(propose().x).toBe(first.x);
  });

  it("is what the default rule uses once a successive-halving pruner has recorded rungs", () => {
    const sample = (rungs: boolean) => {
      const sampler = new GPSampler({ seed: 4 });
      const snapshot = makeSnapshot(history(stops, 27, loss, 11, rungs));
      const trial = makeSamplingTrial(stops.length);
      const params = sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
      return { x: params.x as number, joint: trial.systemAttrs["gp:jointTheta"] !== undefined };
    };
    expect(sample(true)).toEqual({ x: (() => {
      const sampler = new GPSampler({ seed: 4, fidelityRule: "joint" });
      const snapshot = makeSnapshot(trials);
      const trial = makeSamplingTrial(trials.length);
      return sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial)).x;
    })(), joint: true });
    // Under another pruner (no rung records) "auto" is "gate": no joint model.
    expect(sample(false).joint).toBe(false);
  });

  it("with jointSurvival, proposes where the first rung is passed as well as where the end is good", () => {
    const sampler = new GPSampler({ seed: 4, fidelityRule: "joint", jointSurvival: true });
    const snapshot = makeSnapshot(trials);
    const trial = makeSamplingTrial(trials.length);
    const x = sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial)).x as number;
    // The first rung favours x near 0.2, the end x near 0.8: the proposal moves toward the first.
    const plain = new GPSampler({ seed: 4, fidelityRule: "joint" });
    const plainTrial = makeSamplingTrial(trials.length);
    const y = plain.sampleRelative(snapshot, plainTrial, plain.inferRelativeSpace(snapshot, plainTrial)).x as number;
    expect(x).toBeLessThan(y);
  });

  it("samples the startup design until it has seen enough configurations", () => {
    const few = trials.slice(0, 2); // the startup design of a 1-D space has 3 points
    const sampler = new GPSampler({ seed: 4, fidelityRule: "joint" });
    const snapshot = makeSnapshot(few);
    const trial = makeSamplingTrial(2);
    sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
    expect(trial.systemAttrs["gp:jointTheta"]).toBeUndefined();
  });
});
