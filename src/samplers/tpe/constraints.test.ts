import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { type Distribution, type FrozenTrial, type StudySnapshot, makeSamplingTrial, makeSnapshot, makeTrial } from "../../space/index.js";
import { constraintBelowCount, logRelativeRatio } from "./constraints.js";
import { TPESampler } from "./tpe.js";

const SPACE: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };

/**
 * A hand-made history: x + y is minimized, but only x >= 0.7 is feasible (constraint 0.7 - x).
 * The objective alone pulls x towards 0, into the infeasible region.
 */
function history(withConstraints: boolean, n = 40): FrozenTrial[] {
  const rng = new Rng(11);
  return Array.from({ length: n }, (_, number) => {
    const x = rng.uniform();
    const y = rng.uniform();
    return makeTrial({
      number,
      state: "complete",
      params: { x, y },
      distributions: SPACE,
      values: [x + y],
      systemAttrs: withConstraints ? { constraints: [0.7 - x] } : {},
    });
  });
}

function proposals(sampler: TPESampler, trials: FrozenTrial[], count: number): { x: number; y: number }[] {
  const snapshot = makeSnapshot(trials);
  return Array.from({ length: count }, (_, k) => {
    const trial = { number: trials.length + k, params: {}, distributions: {}, systemAttrs: {}, setSystemAttr() {}, setStudySystemAttr() {} };
    const space = sampler.inferRelativeSpace(snapshot);
    return sampler.sampleRelative(snapshot, trial, space) as { x: number; y: number };
  });
}

describe("c-TPE", () => {
  it("moves proposals into the feasible region that the objective alone leads away from", () => {
    const constrained = proposals(new TPESampler({ seed: 5 }), history(true), 40);
    const plain = proposals(new TPESampler({ seed: 5 }), history(false), 40);
    const feasibleShare = (points: { x: number }[]) => points.filter((p) => p.x >= 0.7).length / points.length;
    // Uniform sampling is feasible 30 % of the time; plain TPE chases small x.
    expect(feasibleShare(plain)).toBeLessThan(0.15);
    expect(feasibleShare(constrained)).toBeGreaterThan(0.45);
    expect(feasibleShare(constrained)).toBeGreaterThan(3 * feasibleShare(plain));
    // Within the feasible region it still minimizes: y is small among the feasible proposals.
    const feasibleY = constrained.filter((p) => p.x >= 0.7).map((p) => p.y);
    expect(feasibleY.reduce((a, b) => a + b, 0) / feasibleY.length).toBeLessThan(0.35);
  });

  it("models constraints jointly even when the sampler is univariate, and is deterministic for a seed", () => {
    const trials = history(true);
    const sampler = new TPESampler({ seed: 9, multivariate: false });
    expect(Object.keys(sampler.inferRelativeSpace(makeSnapshot(trials))).sort()).toEqual(["x", "y"]);
    expect(proposals(sampler, trials, 5)).toEqual(proposals(new TPESampler({ seed: 9, multivariate: false }), trials, 5));
  });

  it("splits tied constraint values by trial number, so the order this process saw the trials finish in changes nothing", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, n: { type: "int", low: 0, high: 4 } };
    const rng = new Rng(11);
    // An integer parameter's constraint takes few values, so many trials tie at the split.
    const trials = Array.from({ length: 30 }, (_, number) => {
      const x = rng.uniform();
      const n = Math.floor(rng.uniform() * 5);
      return makeTrial({ number, state: "complete", params: { x, n }, distributions: space, values: [x + n], systemAttrs: { constraints: [2 - n] } });
    });
    const snapshot = makeSnapshot(trials);
    // As a process that saw them finish in another order lists them (a resumed one lists them by number).
    const seenOtherwise: StudySnapshot = { ...snapshot, finished: [...snapshot.finished].reverse() };
    const next = (seed: number, view: StudySnapshot) => {
      const sampler = new TPESampler({ seed });
      const trial = makeSamplingTrial(30);
      return sampler.sampleRelative(view, trial, sampler.inferRelativeSpace(view, trial));
    };
    for (const seed of [1, 3, 4, 5]) expect(next(seed, seenOtherwise)).toEqual(next(seed, snapshot));
  });

  it("a constraint every observation satisfies contributes nothing", () => {
    const trials = history(false).map((t) => ({ ...t, systemAttrs: { constraints: [-1] } }));
    expect(proposals(new TPESampler({ seed: 3 }), trials, 6)).toEqual(proposals(new TPESampler({ seed: 3 }), history(false), 6));
  });

  it("splits each constraint at max(gamma quantile, feasible share) and scores by the relative density ratio", () => {
    expect(constraintBelowCount([1, 2, 3, -1], 2)).toBe(2); // few feasible: the gamma quantile
    expect(constraintBelowCount([-1, -2, 3, -1], 2)).toBe(3); // every feasible one
    expect(constraintBelowCount([-1, -2, -3], 1)).toBe(3);
    // r = l / (γl + (1-γ)g): with l = 2, g = 1, γ = 0.25 → 2 / 1.25.
    expect(logRelativeRatio(Math.log(2), 0, 0.25)).toBeCloseTo(Math.log(2 / 1.25), 12);
    expect(logRelativeRatio(-5, 3, 1)).toBe(0);
    // Bounded by 1/γ however small g is.
    expect(logRelativeRatio(0, -1000, 0.1)).toBeCloseTo(Math.log(10), 9);
  });
});
