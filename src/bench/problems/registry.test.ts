import { describe, expect, it } from "vitest";
import { Rng, type ParamValue } from "../../index.js";
import { isActive, ProblemInputError, type Problem } from "./problem.js";
import { createProblem, problemNames } from "./registry.js";
import { SYNTHETIC_FUNCTIONS } from "./synthetic.js";

/** A random point of the problem's space with only its active parameters set. */
function randomParams(problem: Problem, rng: Rng): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(problem.space)) {
    if (!isActive(problem, name, params)) continue;
    params[name] = d.type === "categorical" ? rng.choice(d.choices) : d.type === "int" ? rng.integer(d.low, d.high) : rng.uniformIn(d.low, d.high);
  }
  return params;
}

function expectSoundOptimum(problem: Problem, rng: Rng, points: number): void {
  const slack = 1e-6 + 1e-9 * Math.abs(problem.optimum);
  if (problem.optimizer !== null) {
    expect(Math.abs(problem.evaluateNoiseless(problem.optimizer) - problem.optimum), problem.name).toBeLessThan(slack);
  }
  for (let n = 0; n < points; n++) {
    expect(problem.evaluateNoiseless(randomParams(problem, rng)), problem.name).toBeGreaterThanOrEqual(problem.optimum - slack);
  }
}

const names = problemNames();

describe("the problem registry", () => {
  it("holds every synthetic function in each of its dimensions, plus noisy, mixed and conditional variants", () => {
    for (const fn of Object.values(SYNTHETIC_FUNCTIONS)) {
      for (const d of fn.registryDimensions) expect(names).toContain(`${fn.key}-${d}d`);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(problemNames(["noisy"]).length).toBeGreaterThanOrEqual(5);
    expect(problemNames(["heavy-tailed"]).length).toBeGreaterThanOrEqual(2);
    expect(problemNames(["mixed"]).length).toBeGreaterThanOrEqual(5);
    expect(problemNames(["conditional"]).length).toBeGreaterThanOrEqual(2);
    expect(problemNames(["high-dimensional"])).toContain("rosenbrock-50d");
    expect(problemNames(["high-dimensional"])).not.toContain("rosenbrock-10d");
  });

  it("gives every problem a space, tags, an unset split and a consistent dimension", () => {
    for (const name of names) {
      const problem = createProblem(name);
      expect(problem.name).toBe(name);
      expect(problem.dimension).toBe(Object.keys(problem.space).length);
      expect(problem.tags.length).toBeGreaterThan(0);
      expect(problem.split).toBeUndefined();
    }
  });

  it.each(names)("%s: the published instance and two seeded ones keep their optimum", (name) => {
    const rng = new Rng(name);
    const canonical = createProblem(name);
    expectSoundOptimum(canonical, rng, 150);
    for (const seed of [1, 2]) {
      const instance = createProblem(name, { seed });
      expect(instance.optimum).toBe(canonical.optimum);
      expectSoundOptimum(instance, rng, 150);
    }
  });

  it("places the optimum at a different place per seed, the same for the same seed", () => {
    for (const name of ["rastrigin-10d", "branin-2d", "schwefel-5d", "levy-5d-int", "conditional-ackley-rastrigin-levy-5d", "levy-10d-scaled"]) {
      const places = [0, 1, 2, 3].map((seed) => JSON.stringify(createProblem(name, { seed }).optimizer));
      expect(new Set(places).size, name).toBe(4);
      expect(places).not.toContain(JSON.stringify(createProblem(name).optimizer));
      expect(JSON.stringify(createProblem(name, { seed: 2 }).optimizer)).toBe(places[2]);
    }
  });

  it("keeps integer parameters integral at the moved optimum", () => {
    for (const name of problemNames(["mixed"]).filter((n) => n.endsWith("-int") || n.endsWith("-mixed"))) {
      const problem = createProblem(name, { seed: 5 });
      for (const [param, d] of Object.entries(problem.space)) {
        if (d.type === "int") expect(Number.isInteger(problem.optimizer![param]), `${name} ${param}`).toBe(true);
      }
    }
  });

  it("measures regret of a noisy problem on the noiseless function, with noise that repeats per seed", () => {
    const noisy = createProblem("ackley-10d-noisy", { seed: 4 });
    const at = noisy.optimizer!;
    expect(noisy.evaluateNoiseless(at)).toBeCloseTo(noisy.optimum, 9);
    const observed = [noisy.evaluate(at), noisy.evaluate(at)];
    expect(observed[0]).not.toBe(observed[1]);
    const again = createProblem("ackley-10d-noisy", { seed: 4 });
    expect([again.evaluate(at), again.evaluate(at)]).toEqual(observed);
  });

  it("names the unknown problem and the bad seed", () => {
    expect(() => createProblem("nope-3d")).toThrow(ProblemInputError);
    expect(() => createProblem("nope-3d")).toThrow(/"nope-3d"/);
    expect(() => createProblem("branin-2d", { seed: -1 })).toThrow(/seed/);
    expect(() => createProblem("branin-2d").evaluate({ x0: 0 })).toThrow(/"x1" is missing/);
    expect(() => createProblem("branin-2d").evaluate({ x0: 0, x1: "a" })).toThrow(/"x1" must be a finite number/);
    expect(() => createProblem("rastrigin-5d-int").evaluate({ x0: 0.5, x1: 0, x2: 0, x3: 0, x4: 0 })).toThrow(/"x0" must be an integer/);
  });
});
