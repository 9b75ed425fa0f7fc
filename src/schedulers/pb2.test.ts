import { describe, expect, it } from "vitest";
import { type FrozenTrial, makeSnapshot, makeTrial } from "../space/index.js";
import { segmentAttrs } from "./base.js";
import { PB2Scheduler, explorationWeight, rewardChanges } from "./pb2.js";
import { TimeVaryingGP, timeVaryingKernel } from "./time-varying-gp.js";

const X = { type: "float", low: 0, high: 1 } as const;

describe("the time-varying GP", () => {
  it("multiplies a squared-exponential kernel by (1 − ε)^{|t − t'|/2}", () => {
    const x = Float64Array.of(0.3);
    expect(timeVaryingKernel({ signalVariance: 1, lengthscale: 1, forgetting: 0.19, noiseVariance: 0 }, 0, x, 2, x)).toBeCloseTo(0.81, 12);
    expect(timeVaryingKernel({ signalVariance: 1, lengthscale: 0.5, forgetting: 0, noiseVariance: 0 }, 0, Float64Array.of(0), 9, Float64Array.of(0.5))).toBeCloseTo(Math.exp(-0.5), 12);
  });

  it("fits a smooth function and is unsure far from the data and where the data are old", () => {
    const points = Array.from({ length: 12 }, (_, i) => Float64Array.of(i / 22));
    const values = points.map((p) => Math.sin(6 * p[0]!));
    const gp = TimeVaryingGP.fit({ times: points.map(() => 1), points, values }, []);
    const near = gp.predict(1, Float64Array.of(0.2));
    expect(near.mean).toBeCloseTo(Math.sin(1.2), 1);
    expect(gp.predict(1, Float64Array.of(0.95)).variance).toBeGreaterThan(near.variance * 10);
  });

  it("shrinks the variance at pending inputs without moving the mean (GP-BUCB)", () => {
    const points = [Float64Array.of(0.1), Float64Array.of(0.2), Float64Array.of(0.3)];
    const data = { times: [1, 1, 1], points, values: [0.1, 0.4, 0.2] };
    const plain = TimeVaryingGP.fit(data, []);
    const batch = TimeVaryingGP.fit(data, [{ time: 2, point: Float64Array.of(0.8) }]);
    const at = Float64Array.of(0.8);
    expect(batch.predict(2, at).mean).toBeCloseTo(plain.predict(2, at).mean, 10);
    expect(batch.predict(2, at).variance).toBeLessThan(plain.predict(2, at).variance);
  });

  it("fits reward changes of any scale as it fits them at scale 1", () => {
    // Squares of values past 1e154 overflowed and below 1e-154 vanished: the fit came out NaN
    // (PB2 then kept the donor's hyperparameters) or unstandardized (a flat mean).
    const points = Array.from({ length: 8 }, (_, i) => Float64Array.of(i / 10));
    const values = points.map((p) => Math.sin(6 * p[0]!) + 2);
    const at = Float64Array.of(0.25);
    const unit = TimeVaryingGP.fit({ times: points.map(() => 1), points, values }, []).predict(1, at);
    for (const scale of [1e200, 1e-200]) {
      const scaled = TimeVaryingGP.fit({ times: points.map(() => 1), points, values: values.map((v) => v * scale) }, []).predict(1, at);
      expect(scaled.mean / scale).toBeCloseTo(unit.mean, 8);
      expect(scaled.sd / scale).toBeCloseTo(unit.sd, 8);
    }
  });
});

function seg(number: number, member: number, segment: number, parent: number | null, value: number, x: number, state: FrozenTrial["state"] = "complete"): FrozenTrial {
  return makeTrial({
    number,
    id: number + 1,
    state,
    params: { x, mode: "a" },
    distributions: { x: X, mode: { type: "categorical", choices: ["a", "b"] } },
    values: state === "complete" ? [value] : null,
    systemAttrs: segmentAttrs({ member, segment, parent, exploitedFrom: null, checkpoint: null }),
  });
}

describe("PB2 explore", () => {
  /** Four members whose reward grows fastest with x near 0.75, observed over three segments. */
  function history(): FrozenTrial[] {
    const gain = (x: number) => 1 - 8 * (x - 0.75) ** 2;
    const xs = [0.05, 0.35, 0.65, 0.98];
    const trials: FrozenTrial[] = xs.map((x, m) => seg(m, m, 0, null, 0, x));
    let number = trials.length;
    for (let s = 1; s <= 3; s++) {
      for (let m = 0; m < xs.length; m++) {
        const x = Math.min(1, xs[m]! + 0.04 * s * (m % 2 === 0 ? 1 : -1));
        const parent = trials[number - xs.length]!;
        trials.push(seg(number, m, s, parent.number, parent.values![0]! + gain(x), x));
        number++;
      }
    }
    return trials;
  }

  it("sends the exploiting member to where the GP bandit expects the reward to grow most", () => {
    const trials = history();
    const snapshot = makeSnapshot(trials, { directions: ["maximize"] });
    const worst = trials.slice(-4).reduce((a, b) => (a.values![0]! < b.values![0]! ? a : b));
    const plan = new PB2Scheduler({ population: 4, segments: 10, seed: 3 }).nextSegment(snapshot, worst)!;
    expect(plan.exploitedFrom).not.toBeNull();
    expect(plan.params.x as number).toBeGreaterThan(0.55);
    expect(plan.params.x as number).toBeLessThan(0.9);
    expect(["a", "b"]).toContain(plan.params.mode);
    // Deterministic under a seed.
    expect(new PB2Scheduler({ population: 4, segments: 10, seed: 3 }).nextSegment(snapshot, worst)).toEqual(plan);
  });

  it("sends the exploiting member to the same place whatever the scale of the scores", () => {
    const trials = history();
    const worst = trials.slice(-4).reduce((a, b) => (a.values![0]! < b.values![0]! ? a : b));
    const plan = (scale: number) => {
      const scaled = trials.map((t) => ({ ...t, values: t.values && [t.values[0]! * scale] }));
      return new PB2Scheduler({ population: 4, segments: 10, seed: 3 }).nextSegment(makeSnapshot(scaled, { directions: ["maximize"] }), scaled[worst.number]!)!;
    };
    const unit = plan(1);
    for (const scale of [1e200, 1e-200]) expect(plan(scale).params.x as number).toBeCloseTo(unit.params.x as number, 6);
  });

  it("explores as PBT does while it has fewer than two observations", () => {
    const trials = [seg(0, 0, 0, null, 0.1, 0.5), seg(1, 1, 0, null, 0.9, 0.2)];
    const snapshot = makeSnapshot(trials, { directions: ["maximize"] });
    const plan = new PB2Scheduler({ population: 2, segments: 4, seed: 1, resampleProbability: 0 }).nextSegment(snapshot, trials[0]!)!;
    expect(plan.exploitedFrom).toBe(1);
    expect([0.16, 0.24].some((v) => Math.abs(v - (plan.params.x as number)) < 1e-12)).toBe(true);
  });

  it("weighs exploration as the authors' code does: β = 0.2 + max(0, log(0.4 n))", () => {
    // A transcription as max(0, 0.2·log(0.4 n)) explored five times less at n = 20 and not at all below n = 3.
    expect(explorationWeight(2)).toBeCloseTo(0.2, 12);
    expect(explorationWeight(10)).toBeCloseTo(0.2 + Math.log(4), 12);
    expect(explorationWeight(20)).toBeCloseTo(0.2 + Math.log(8), 12);
  });

  it("observes each segment's reward change at (segment, scaled start score, hyperparameters)", () => {
    const trials = history();
    const snapshot = makeSnapshot(trials, { directions: ["maximize"] });
    const data = rewardChanges(snapshot, ["x"], [X], 100);
    expect(data.values).toHaveLength(12);
    const starts = trials.slice(0, 12).map((t) => t.values![0]!);
    const [low, high] = [Math.min(...starts), Math.max(...starts)];
    data.points.forEach((point, i) => {
      const trial = trials[4 + i]!;
      const parent = trials[trial.systemAttrs["pbt:parent"] as number]!;
      expect(point).toHaveLength(2);
      expect(point[0]).toBeCloseTo((parent.values![0]! - low) / (high - low), 12);
      expect(point[1]).toBeCloseTo(trial.params.x as number, 12);
      expect(data.values[i]).toBeCloseTo(trial.values![0]! - parent.values![0]!, 12);
      expect(data.times[i]).toBe(trial.systemAttrs["pbt:segment"]);
    });
    // A start beyond what the data saw is clipped to the edge.
    expect(data.scaleStart(high + 5)).toBe(1);
    expect(data.scaleStart(low - 5)).toBe(0);
  });

  it("refuses a window below 2", () => {
    expect(() => new PB2Scheduler({ window: 1 })).toThrow(/window/);
  });
});
