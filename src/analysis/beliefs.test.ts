import { describe, expect, it, vi } from "vitest";
import { Rng } from "../math/rng.js";
import { type FrozenTrial, type SearchSpace, makeTrial } from "../space/index.js";
import { FIT_MAX_OBSERVATIONS, GPSampler } from "../samplers/gp/index.js";
import type { FitOptions, TrainingData } from "../samplers/gp/model.js";

/** The kernel fits made while a test sets it: rows given, and the most the fit may see. */
let fits: { n: number; maxObservations: number | undefined }[] | null = null;
vi.mock("../samplers/gp/model.js", async (importOriginal) => {
  const model = await importOriginal<typeof import("../samplers/gp/model.js")>();
  return {
    ...model,
    fitHyperparameters: (data: TrainingData, options: FitOptions) => {
      if (fits === null) return model.fitHyperparameters(data, options);
      fits.push({ n: data.n, maxObservations: options.maxObservations });
      // What is sent is under test, not what a full fit finds: one iteration keeps it quick.
      return model.fitHyperparameters(data, { ...options, maxIterations: 1 });
    },
  };
});
import { createStudy } from "../study/index.js";
import { type BeliefGrid, type BeliefSlice, modelBeliefs } from "./beliefs.js";

const space = {
  x: { type: "float", low: -1, high: 1 },
  k: { type: "int", low: 1, high: 4 },
  c: { type: "categorical", choices: ["a", "b"] },
} as const satisfies SearchSpace;

/** f = (x − 0.3)² + 0.1·k + (c = "b" ? 0.5 : 0): smooth in x, best at x = 0.3, k = 1, c = "a". */
function trials(n: number): FrozenTrial[] {
  const rng = new Rng(3);
  return Array.from({ length: n }, (_, i) => {
    const x = rng.uniformIn(-1, 1);
    const k = rng.integer(1, 4);
    const c = rng.uniform() < 0.5 ? "a" : "b";
    return makeTrial({ number: i, params: { x, k, c }, distributions: space, values: [(x - 0.3) ** 2 + 0.1 * k + (c === "b" ? 0.5 : 0)] });
  });
}

describe("modelBeliefs", () => {
  const history = trials(40);

  it("goes through the study's best feasible trial, fitting it even when older than the latest maxTrials", () => {
    // Constraint: feasible when x ≤ 0.5. The best trial overall may be infeasible; the best
    // feasible one is taken among all 40, not only the latest 10 that are fitted.
    const constrained = history.map((t) => ({ ...t, systemAttrs: { constraints: [(t.params.x as number) - 0.5] } }));
    const feasible = constrained.filter((t) => (t.params.x as number) <= 0.5);
    const best = feasible.reduce((a, b) => (b.values![0]! < a.values![0]! ? b : a));
    expect(best.number).toBeLessThan(30);
    const slice = modelBeliefs(constrained, space, { params: ["x"], points: 5, maxTrials: 10 }) as BeliefSlice;
    expect(slice.through).toEqual(best.params);
    expect(slice.nTrials).toBe(10);
  });

  it("follows the objective along one parameter through the best trial, unsure only away from data", () => {
    const slice = modelBeliefs(history, space, { params: ["x"], points: 41 }) as BeliefSlice;
    expect(slice.kind).toBe("slice");
    expect(slice.values).toHaveLength(41);
    expect(slice.values[0]).toBe(-1);
    expect(slice.values[40]).toBe(1);
    const best = history.reduce((a, b) => (b.values![0]! < a.values![0]! ? b : a));
    expect(slice.through).toEqual(best.params);
    const offset = 0.1 * (slice.through.k as number) + (slice.through.c === "b" ? 0.5 : 0);
    for (let i = 0; i < slice.values.length; i++) {
      const truth = ((slice.values[i] as number) - 0.3) ** 2 + offset;
      expect(Math.abs(slice.mean[i]! - truth)).toBeLessThan(0.05 + 2 * slice.std[i]!);
    }
    const argmin = slice.values[slice.mean.indexOf(Math.min(...slice.mean))] as number;
    expect(Math.abs(argmin - 0.3)).toBeLessThan(0.1);
    expect(Math.max(...slice.std)).toBeLessThan(0.2);
  });

  it("shows every legal value of a small parameter and every choice, on a grid of two", () => {
    const grid = modelBeliefs(history, space, { params: ["k", "c"] }) as BeliefGrid;
    expect(grid.kind).toBe("grid");
    expect(grid.x).toEqual([1, 2, 3, 4]);
    expect(grid.y).toEqual(["a", "b"]);
    expect(grid.mean).toHaveLength(2);
    expect(grid.mean[0]).toHaveLength(4);
    // c = "b" costs 0.5 everywhere, k costs 0.1 a step: the model has learnt both.
    expect(grid.mean[1]![0]! - grid.mean[0]![0]!).toBeGreaterThan(0.3);
    expect(grid.mean[0]![3]!).toBeGreaterThan(grid.mean[0]![0]!);
  });

  it("is deterministic, and honours an explicit point", () => {
    const a = modelBeliefs(history, space, { params: ["x", "k"], points: 5, through: { x: 0, k: 2, c: "b" } });
    expect(modelBeliefs(history, space, { params: ["x", "k"], points: 5, through: { x: 0, k: 2, c: "b" } })).toEqual(a);
    expect(a.through).toEqual({ x: 0, k: 2, c: "b" });
  });

  it("refits a GP study's model, warm-started from the θ its sampler recorded", async () => {
    const study = await createStudy({ direction: "minimize", sampler: new GPSampler({ seed: 1 }) });
    await study.optimize((trial) => (trial.suggestFloat("x", -1, 1) - 0.3) ** 2, { nTrials: 14 });
    expect(study.trials.some((t) => Array.isArray(t.systemAttrs["gp:theta"]))).toBe(true);
    const slice = modelBeliefs(study.trials, { x: space.x }, { params: ["x"], points: 21 }) as BeliefSlice;
    const argmin = slice.values[slice.mean.indexOf(Math.min(...slice.mean))] as number;
    expect(Math.abs(argmin - 0.3)).toBeLessThan(0.15);
    expect(modelBeliefs(study.trials, { x: space.x }, { params: ["x"], points: 21 })).toEqual(slice);
  });

  it("stays finite when some trials returned a penalty near the largest double", () => {
    // An objective that returns Number.MAX_VALUE where training diverged: squaring it overflowed
    // the spread, and every mean came out NaN.
    const penalized = history.map((t) => ((t.params.x as number) > 0.8 ? { ...t, values: [Number.MAX_VALUE] } : t));
    expect(penalized.some((t) => t.values![0] === Number.MAX_VALUE)).toBe(true);
    const slice = modelBeliefs(penalized, space, { params: ["x"], points: 11 }) as BeliefSlice;
    for (const value of [...slice.mean, ...slice.std]) expect(Number.isFinite(value)).toBe(true);
    const mixedSigns = history.map((t, i) => ({ ...t, values: [i % 2 ? Number.MAX_VALUE : -Number.MAX_VALUE] }));
    const signs = modelBeliefs(mixedSigns, space, { params: ["x"], points: 11 }) as BeliefSlice;
    for (const value of [...signs.mean, ...signs.std]) expect(Number.isNaN(value)).toBe(false);
  });

  it("fits the kernel on at most the GP sampler's fitMaxObservations trials, as the sampler does", () => {
    fits = [];
    try {
      const slice = modelBeliefs(trials(FIT_MAX_OBSERVATIONS + 20), space, { params: ["x"], points: 5, maxTrials: 10_000 }) as BeliefSlice;
      expect(slice.nTrials).toBe(FIT_MAX_OBSERVATIONS + 20);
      expect(fits).toEqual([{ n: FIT_MAX_OBSERVATIONS + 20, maxObservations: FIT_MAX_OBSERVATIONS }]);
    } finally {
      fits = null;
    }
  });

  it("names the field that is wrong", () => {
    expect(() => modelBeliefs(history, space, { params: ["nope"] as [string] })).toThrow(/params: "nope" is not in the space/);
    expect(() => modelBeliefs(history, space, { params: ["x", "x"] })).toThrow(/params: give one parameter or two different ones/);
    expect(() => modelBeliefs(history, space, { params: ["x"], points: 1 })).toThrow(/points must be an integer/);
    expect(() => modelBeliefs(history, space, { params: ["x"], through: { x: 5, k: 1, c: "a" } })).toThrow(/through.x: 5 is not a legal value/);
    expect(() => modelBeliefs(history.slice(0, 1), space, { params: ["x"] })).toThrow(/at least 2 complete trials/);
  });
});
