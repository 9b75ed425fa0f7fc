import { describe, expect, it } from "vitest";
import { type FrozenTrial, makeTrial } from "../space/index.js";
import { Rng } from "../math/rng.js";
import { bestSoFar, hypervolumeHistory, trialsPerWorker, valueEcdf } from "./summaries.js";

const valued = (number: number, values: number[] | null, fields: Partial<FrozenTrial> = {}) => makeTrial({ number, values, ...fields });

describe("bestSoFar", () => {
  const trials = [valued(2, [1]), valued(0, [3]), valued(1, [5]), valued(3, null, { state: "failed" }), valued(4, [2])];
  it("tracks the best value in trial-number order, for either direction", () => {
    expect(bestSoFar(trials)).toEqual([
      { number: 0, value: 3, feasible: true, best: 3 },
      { number: 1, value: 5, feasible: true, best: 3 },
      { number: 2, value: 1, feasible: true, best: 1 },
      { number: 4, value: 2, feasible: true, best: 1 },
    ]);
    expect(bestSoFar(trials, { direction: "maximize" }).map((p) => p.best)).toEqual([3, 5, 5, 5]);
    expect(() => bestSoFar(trials, { objectiveIndex: -1 })).toThrow(/objectiveIndex must be an integer ≥ 0/);
  });

  it("never lets an infeasible trial, or one without constraint values in a constrained study, be the best", () => {
    const constrained = [
      valued(0, [0.5]), // finished before the study reported constraints: unknown feasibility
      valued(1, [4], { systemAttrs: { constraints: [-1] } }),
      valued(2, [1], { systemAttrs: { constraints: [0.3] } }),
      valued(3, [3], { systemAttrs: { constraints: [0] } }),
    ];
    expect(bestSoFar(constrained).map((p) => [p.feasible, p.best])).toEqual([
      [false, null],
      [true, 4],
      [false, 4],
      [true, 3],
    ]);
    // Judged by the whole study: trial 0 alone looks unconstrained, but the study is not.
    expect(bestSoFar([constrained[0]!], { feasible: (t) => t.systemAttrs.constraints !== undefined })[0]!.best).toBeNull();
  });
});

describe("valueEcdf", () => {
  it("gives one step per distinct value", () => {
    const trials = [valued(0, [2]), valued(1, [7]), valued(2, [1]), valued(3, [2]), valued(4, [Number.NaN])];
    expect(valueEcdf(trials)).toEqual([
      { value: 1, fraction: 0.25 },
      { value: 2, fraction: 0.75 },
      { value: 7, fraction: 1 },
    ]);
  });
});

describe("an objective index or directions that do not fit the trials", () => {
  const two = [valued(0, [1, 2]), valued(1, [2, 1]), valued(2, null, { state: "failed" })];
  it("are refused, naming the trials' objectives, where they gave an empty answer as if no trial had completed", () => {
    expect(() => bestSoFar(two, { objectiveIndex: 2 })).toThrow("objectiveIndex 2 is out of range: the trials have 2 objective(s), numbered from 0");
    expect(() => valueEcdf(two, { objectiveIndex: 5 })).toThrow("objectiveIndex 5 is out of range: the trials have 2 objective(s), numbered from 0");
    expect(() => hypervolumeHistory(two, ["minimize"])).toThrow("directions: 1 given, but the trials have 2 objective value(s); pass the study's directions");
    expect(() => hypervolumeHistory(two, ["minimize", "minimize", "maximize"])).toThrow(/^directions: 3 given, but the trials have 2/);
    // A NaN in the reference read "got [3,null]".
    expect(() => hypervolumeHistory(two, ["minimize", "minimize"], { reference: [3, Number.NaN] })).toThrow("reference: expected 2 finite numbers, got [3, NaN]");
  });

  it("still answer empty for trials with no complete one, and fit ones as before", () => {
    const none = [valued(0, null, { state: "failed" })];
    expect(bestSoFar(none, { objectiveIndex: 3 })).toEqual([]);
    expect(hypervolumeHistory(none, ["minimize", "minimize"]).history).toEqual([]);
    expect(bestSoFar(two, { objectiveIndex: 1 }).map((p) => p.best)).toEqual([2, 1]);
    expect(hypervolumeHistory(two, ["minimize", "minimize"], { reference: [3, 3] }).history.map((p) => p.hypervolume)).toEqual([2, 3]);
  });
});

describe("hypervolumeHistory", () => {
  it("picks its reference from 130,000 trials, which overflowed the call stack (Math.min(...values))", () => {
    const trials = Array.from({ length: 130_000 }, (_, i) => valued(i, [1 + i, 1 + i]));
    const { reference, history } = hypervolumeHistory(trials, ["minimize", "minimize"]);
    expect(reference[0]).toBeCloseTo(130_000 + 0.1 * 129_999, 6);
    expect(history[0]!.number).toBe(0);
  });

  it("grows only when a trial joins the front, against the given reference", () => {
    const feasible = { systemAttrs: { constraints: [-1] } };
    const trials = [valued(0, [2, 2], feasible), valued(1, [3, 3], feasible), valued(2, [1, 3], feasible), valued(3, [3, 1], feasible), valued(4, [0, 0], { systemAttrs: { constraints: [1] } })];
    const { reference, history } = hypervolumeHistory(trials, ["minimize", "minimize"], { reference: [4, 4] });
    expect(reference).toEqual([4, 4]);
    // (2,2) alone: 4. (3,3) is dominated. (1,3) adds 1·1. (3,1) adds 1·1. (0,0) is infeasible.
    expect(history).toEqual([
      { number: 0, hypervolume: 4 },
      { number: 1, hypervolume: 4 },
      { number: 2, hypervolume: 5 },
      { number: 3, hypervolume: 6 },
    ]);
  });

  it("handles maximized objectives and picks a reference beyond the worst values", () => {
    const trials = [valued(0, [1, 10]), valued(1, [3, 20])];
    const { reference, history } = hypervolumeHistory(trials, ["minimize", "maximize"]);
    // Ranges 2 and 10: the reference sits a tenth beyond the worst, at (3.2, 9).
    expect(reference[0]).toBeCloseTo(3.2, 12);
    expect(reference[1]).toBeCloseTo(9, 12);
    expect(history[0]!.hypervolume).toBeCloseTo(2.2 * 1, 12);
    expect(history[1]!.hypervolume).toBeCloseTo(2.2 * 1 + 0.2 * 10, 12);
    expect(() => hypervolumeHistory(trials, ["minimize", "maximize"], { reference: [1] })).toThrow(/reference: expected 2 finite numbers/);
  });

  it("keeps its default reference finite, and its hypervolumes right, for values near the largest double", () => {
    const max = Number.MAX_VALUE;
    // The reference was [Infinity, Infinity] and every hypervolume Infinity: null, null in JSON.
    const trials = [valued(0, [max, 0]), valued(1, [0, 1e-300]), valued(2, [1, 0])];
    const exact = hypervolumeHistory(trials, ["minimize", "minimize"]);
    expect(exact.reference[0]).toBe(max);
    expect(exact.reference[1]).toBeCloseTo(1.1e-300, 312);
    // (0, 1e-300) bounds max × 1e-301; (1, 0) adds (max − 1) × 1e-300; (max, 0) on the bound adds nothing.
    expect(exact.history.map((p) => p.hypervolume / (max * 1e-300))).toEqual([0, expect.closeTo(0.1, 12), expect.closeTo(1.1, 12)]);
    const estimated = hypervolumeHistory(trials, ["minimize", "minimize"], { estimate: { samples: 4000, seed: 1 } });
    expect(estimated.history[2]!.hypervolume / (max * 1e-300)).toBeCloseTo(1.1, 1);
    const mirrored = hypervolumeHistory([valued(0, [-max, 0]), valued(1, [1, 1])], ["maximize", "minimize"]);
    expect(mirrored.reference).toEqual([-max, 1.1]);
    expect(mirrored.history[1]!.hypervolume / max).toBeCloseTo(0.1, 12);
  });

  it("gives Infinity, not NaN, where the hypervolume itself passes the largest double", () => {
    const max = Number.MAX_VALUE;
    const { reference, history } = hypervolumeHistory([valued(0, [max, 0]), valued(1, [0, max]), valued(2, [1, 1])], ["minimize", "minimize"]);
    expect(reference).toEqual([max, max]);
    expect(history.map((p) => p.hypervolume)).toEqual([0, 0, Infinity]);
  });
});

describe("hypervolumeHistory beyond three objectives", () => {
  /** `n` trials on the positive part of the unit sphere in `m` objectives: none dominates another. */
  const sphere = (m: number, n: number, seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: n }, (_, i) => {
      const v = Array.from({ length: m }, () => rng.uniform() + 0.01);
      const norm = Math.hypot(...v);
      return valued(i, v.map((x) => x / norm));
    });
  };

  it("estimates by seeded Monte Carlo where the exact value would take minutes (10 objectives, 60 trials), and says so", () => {
    const directions = Array.from({ length: 10 }, () => "minimize" as const);
    const trials = sphere(10, 60, 3);
    const estimated = hypervolumeHistory(trials, directions);
    expect(estimated.samples).toBeGreaterThanOrEqual(1000);
    expect(estimated.history.map((p) => p.number)).toEqual(trials.map((t) => t.number));
    const volumes = estimated.history.map((p) => p.hypervolume);
    expect(volumes.every((v, i) => i === 0 || v >= volumes[i - 1]!)).toBe(true);
    expect(volumes.at(-1)).toBeGreaterThan(0);
    expect(hypervolumeHistory(trials, directions)).toEqual(estimated);
  });

  it("keeps the exact value while the front is small, and its estimate agrees with it", () => {
    const directions = ["minimize", "minimize", "minimize", "minimize"] as const;
    const trials = sphere(4, 30, 5);
    const exact = hypervolumeHistory(trials, directions);
    expect(exact.samples).toBeNull();
    const estimated = hypervolumeHistory(trials, directions, { estimate: { samples: 20_000, seed: 1 } });
    expect(estimated.samples).toBe(20_000);
    // The box between the best values and the reference bounds every value; 20,000 samples put the
    // estimate within a few hundredths of it (the standard error is at most 0.0035 of the box).
    const box = estimated.reference.reduce((volume, r, k) => volume * (r - Math.min(...trials.map((t) => t.values![k]!))), 1);
    exact.history.forEach((point, i) => expect(Math.abs(estimated.history[i]!.hypervolume - point.hypervolume)).toBeLessThan(0.02 * box));
    expect(() => hypervolumeHistory(trials, directions, { estimate: { samples: 0 } })).toThrow(/estimate.samples: expected a positive integer/);
  });
});

describe("trialsPerWorker", () => {
  it("groups trials by the recorded worker, each in order of start", () => {
    const a = { id: "wa", host: "h1", pid: 10 };
    const b = { id: "wb", host: "h2", pid: 20 };
    const trials = [
      valued(0, [1], { systemAttrs: { worker: b }, startedAt: 50, finishedAt: 60 }),
      valued(1, [1], { systemAttrs: { worker: a }, startedAt: 30, finishedAt: 40 }),
      valued(2, null, { state: "running", systemAttrs: { worker: a }, startedAt: 10 }),
      valued(3, null, { state: "waiting" }),
      valued(4, [1], { startedAt: 70, finishedAt: 80 }),
    ];
    const timelines = trialsPerWorker(trials);
    expect(timelines.map((w) => [w.worker, w.host, w.pid, w.trials.map((t) => t.number)])).toEqual([
      ["wa", "h1", 10, [2, 1]],
      ["wb", "h2", 20, [0]],
      ["unknown", null, null, [4]],
    ]);
    expect(timelines[0]!.trials[0]).toEqual({ number: 2, state: "running", startedAt: 10, finishedAt: null });
  });
});
