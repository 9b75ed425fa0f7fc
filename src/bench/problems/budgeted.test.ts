import { describe, expect, it } from "vitest";
import { hypervolume, Rng } from "../../index.js";
import { MULTIOBJECTIVE_PROBLEMS } from "../multiobjective.js";
import { augmentedBraninProblem, hartmannFidelity, learningCurves, learningCurvesProblem } from "./fidelity.js";
import { multiObjectiveProblem } from "./multiobjective.js";
import { isFidelityProblem, isMultiObjectiveProblem, randomProblemParams } from "./problem.js";
import { createLabProblem, labProblemNames } from "./registry.js";

describe("multi-fidelity problems", () => {
  it("join the registry with the fidelity tag", () => {
    const names = labProblemNames(["multi-fidelity"]);
    for (const name of ["learning-curves-3d-fidelity", "augmented-branin-2d-fidelity", "yahpo-lcbench-3945-fidelity"]) {
      expect(names).toContain(name);
      expect(isFidelityProblem(createLabProblem(name))).toBe(true);
    }
  });

  it("augmented Branin: full fidelity is Branin, with its minimum 0.397887 at (π, 2.275); cheaper fidelities move it", async () => {
    const problem = augmentedBraninProblem(0);
    expect(problem.optimum).toBeCloseTo(0.397887, 6);
    expect(await problem.finalNoiseless(problem.optimizer!)).toBeCloseTo(problem.optimum, 12);
    const curve = await problem.curve(problem.optimizer!);
    expect(curve).toHaveLength(27);
    expect(curve[26]).toBeCloseTo(problem.optimum, 12);
    expect(curve[0]).toBeGreaterThan(problem.optimum + 0.1);
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) expect(await problem.finalNoiseless(randomProblemParams(problem, rng))).toBeGreaterThanOrEqual(problem.optimum - 1e-9);
  });

  it("multi-fidelity Hartmann-3: full fidelity is Hartmann-3, minimum −3.86278 at (0.1146, 0.5556, 0.8525); lower fidelities shrink its weights", () => {
    const optimizer = { x1: 0.114614, x2: 0.555649, x3: 0.852547 };
    expect(hartmannFidelity.value(optimizer, 27, 0)).toBeCloseTo(-3.86278, 4);
    // α(z) = α − 0.1(1 − z): the value rises linearly in 1 − z, twice as much at z = 1/27 as at z = 14/27.
    const rise = (step: number) => hartmannFidelity.value(optimizer, step, 0) - hartmannFidelity.value(optimizer, 27, 0);
    expect(rise(1)).toBeGreaterThan(0.1);
    expect(rise(1) / rise(14)).toBeCloseTo(2, 10);
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      const x = { x1: rng.uniform(), x2: rng.uniform(), x3: rng.uniform() };
      expect(hartmannFidelity.value(x, 27, 0)).toBeGreaterThanOrEqual(-3.86279);
      expect(hartmannFidelity.value(x, 9, 0)).toBeGreaterThan(hartmannFidelity.value(x, 27, 0));
    }
  });

  it("learning curves: the reference minimum is met at its optimizer and beaten by no random configuration", async () => {
    const problem = learningCurvesProblem(0);
    expect(await problem.finalNoiseless(problem.optimizer!)).toBe(problem.optimum);
    const rng = new Rng(2);
    for (let i = 0; i < 2000; i++) expect(await problem.finalNoiseless(randomProblemParams(problem, rng))).toBeGreaterThanOrEqual(problem.optimum);
  });

  it("learning curves: observed values carry the seed's noise, regret is measured without it", async () => {
    const params = { lr: 0.01, batch: 64, dropout: 0.3 };
    const [a, b] = [learningCurvesProblem(1), learningCurvesProblem(2)];
    const [ca, cb] = [await a.curve(params), await b.curve(params)];
    expect(ca).not.toEqual(cb);
    expect(await learningCurvesProblem(1).curve(params)).toEqual(ca);
    const noiseless = learningCurves.noiseless(params, 27);
    expect(await a.finalNoiseless(params)).toBe(noiseless);
    expect(Math.abs(ca[26]! - noiseless)).toBeLessThanOrEqual(0.01 * Math.sqrt(3));
  });

  it("names a bad parameter", async () => {
    await expect(augmentedBraninProblem(0).curve({ x1: 0 })).rejects.toThrow(/"x2" is missing/);
  });
});

describe("multi-objective problems", () => {
  it("join the registry with the multi-objective tag", () => {
    expect(labProblemNames(["multi-objective"])).toEqual(["zdt1-6d", "zdt2-6d", "dtlz2-6d-3obj", "branin-currin-2d", "constrained-branin-currin-2d"]);
    expect(isMultiObjectiveProblem(createLabProblem("zdt1-6d"))).toBe(true);
  });

  it("ZDT1: points on the Pareto front (x1… = 0) reach the largest hypervolume and nothing exceeds it", () => {
    const problem = multiObjectiveProblem("zdt1");
    const front = Array.from({ length: 2001 }, (_, i) => problem.evaluate({ x0: i / 2000, x1: 0, x2: 0, x3: 0, x4: 0, x5: 0 }));
    const reached = hypervolume(front, problem.referencePoint);
    expect(reached).toBeLessThanOrEqual(problem.maxHypervolume);
    expect(problem.maxHypervolume - reached).toBeLessThan(1e-3);
  });

  it("DTLZ2: points on the unit sphere's octant (g = 0) approach the largest hypervolume", () => {
    const problem = multiObjectiveProblem("dtlz2");
    const points = [];
    for (let i = 0; i <= 150; i++) for (let j = 0; j <= 150; j++) points.push(problem.evaluate({ x0: i / 150, x1: j / 150, x2: 0.5, x3: 0.5, x4: 0.5, x5: 0.5 }));
    const reached = hypervolume(points, problem.referencePoint);
    expect(reached).toBeLessThanOrEqual(problem.maxHypervolume);
    expect(problem.maxHypervolume - reached).toBeLessThan(0.01);
  });

  it("constrained Branin-Currin: the grid reference beats random feasible sets and counts feasible points only", () => {
    const problem = multiObjectiveProblem("constrained_branin_currin");
    expect(problem.constraints).toBeDefined();
    const rng = new Rng(3);
    const feasible: number[][] = [];
    const all: number[][] = [];
    for (let i = 0; i < 3000; i++) {
      const params = { x0: rng.uniform(), x1: rng.uniform() };
      const values = problem.evaluate(params);
      all.push(values);
      if (problem.constraints!(params).every((c) => c <= 0)) feasible.push(values);
    }
    const reached = hypervolume(feasible, problem.referencePoint);
    expect(reached).toBeLessThanOrEqual(problem.maxHypervolume);
    expect(problem.maxHypervolume - reached).toBeLessThan(0.1 * problem.maxHypervolume);
    expect(hypervolume(all, problem.referencePoint)).toBeGreaterThan(problem.maxHypervolume);
    expect(MULTIOBJECTIVE_PROBLEMS.constrained_branin_currin!.maxHypervolume).toBeNull();
  });
});
