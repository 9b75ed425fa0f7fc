import { describe, expect, it } from "vitest";
import { createSamplerByName, createStudy, Rng } from "../../index.js";
import { boxProblem, ProblemInputError, suggestProblemParams, syntheticBoxFunction, type Problem } from "./problem.js";
import { conditionalProblem, scaledInputProblem, withNoise } from "./variants.js";

function synthetic(key: string, dimension: number): Problem {
  return boxProblem(syntheticBoxFunction(key, dimension), { name: `${key}-${dimension}d`, tags: ["synthetic", "noiseless"] });
}

function noiseDraws(problem: Problem, count: number): number[] {
  const at = problem.optimizer!;
  return Array.from({ length: count }, () => problem.evaluate(at) - problem.evaluateNoiseless(at));
}

describe("withNoise", () => {
  it("adds Gaussian noise of the given sd while the noiseless value stays exact", () => {
    const noisy = withNoise(synthetic("hartmann6", 6), { scale: 0.1, seed: 3 });
    expect(noisy.evaluateNoiseless(noisy.optimizer!)).toBeCloseTo(noisy.optimum, 9);
    const draws = noiseDraws(noisy, 4000);
    const mean = draws.reduce((a, b) => a + b) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    expect(noisy.tags).toContain("noisy");
    expect(noisy.tags).not.toContain("noiseless");
  });

  it("repeats the same noise for the same seed and not for another", () => {
    const problem = synthetic("branin", 2);
    const first = noiseDraws(withNoise(problem, { scale: 1, seed: 8 }), 5);
    expect(noiseDraws(withNoise(problem, { scale: 1, seed: 8 }), 5)).toEqual(first);
    expect(noiseDraws(withNoise(problem, { scale: 1, seed: 9 }), 5)).not.toEqual(first);
  });

  it("gives heavier tails with Student-t noise than with Gaussian noise of the same scale", () => {
    const problem = synthetic("levy", 3);
    const beyond = (draws: number[]): number => draws.filter((v) => Math.abs(v) > 4).length / draws.length;
    const heavy = withNoise(problem, { scale: 1, kind: "student-t", degreesOfFreedom: 2, seed: 1 });
    const gaussian = withNoise(problem, { scale: 1, seed: 1 });
    // P(|t_2| > 4) ≈ 0.057 while P(|Z| > 4) ≈ 6e-5.
    expect(beyond(noiseDraws(heavy, 4000))).toBeGreaterThan(0.03);
    expect(beyond(noiseDraws(gaussian, 4000))).toBeLessThan(0.005);
    expect(heavy.tags).toContain("heavy-tailed");
  });

  it("names the bad setting", () => {
    const problem = synthetic("branin", 2);
    expect(() => withNoise(problem, { scale: -1, seed: 0 })).toThrow(/scale/);
    expect(() => withNoise(problem, { scale: 1, kind: "student-t", degreesOfFreedom: 0.5, seed: 0 })).toThrow(/degreesOfFreedom/);
  });
});

describe("conditionalProblem", () => {
  const problem = conditionalProblem(
    "cond",
    [
      { label: "ackley", problem: synthetic("ackley", 3), offset: 0.5 },
      { label: "levy", problem: synthetic("levy", 2), offset: 0 },
    ],
    ["mixed", "conditional"],
  );

  it("evaluates only the selected branch, as its regret plus its offset", () => {
    expect(problem.dimension).toBe(1 + 3 + 2);
    expect(problem.optimum).toBe(0);
    expect(problem.optimizer).toEqual({ branch: "levy", "levy.x0": 1, "levy.x1": 1 });
    expect(problem.evaluate(problem.optimizer!)).toBeCloseTo(0, 12);
    expect(problem.evaluate({ branch: "ackley", "ackley.x0": 0, "ackley.x1": 0, "ackley.x2": 0 })).toBeCloseTo(0.5, 12);
    expect(problem.conditions["ackley.x1"]).toEqual({ parent: "branch", values: ["ackley"] });
    const rng = new Rng(2);
    for (let n = 0; n < 500; n++) {
      const branch = rng.choice(["ackley", "levy"]);
      const params: Record<string, string | number> = { branch };
      for (const [name, d] of Object.entries(problem.space)) {
        if (name.startsWith(`${branch}.`) && d.type === "float") params[name] = rng.uniformIn(d.low, d.high);
      }
      expect(problem.evaluate(params)).toBeGreaterThanOrEqual(problem.optimum);
    }
  });

  it("names the missing or bad parameter with its branch prefix", () => {
    expect(() => problem.evaluate({ branch: "levy", "levy.x0": 1 })).toThrow(/"levy\.x1" is missing/);
    expect(() => problem.evaluate({ branch: "rastrigin" })).toThrow(/"branch" must be one of/);
    expect(() => problem.evaluate({ branch: "levy", "levy.x0": 1, "levy.x1": 99 })).toThrow(ProblemInputError);
  });

  it("is suggested define-by-run: each trial holds the branch and only that branch's parameters", async () => {
    const study = await createStudy({ direction: "minimize", sampler: createSamplerByName("random", { seed: 1 }) });
    await study.optimize((trial) => problem.evaluate(suggestProblemParams(problem, trial)), { nTrials: 30 });
    const branches = new Set<string>();
    for (const trial of study.trials) {
      const branch = trial.params.branch as string;
      branches.add(branch);
      expect(Object.keys(trial.params).sort()).toEqual(["branch", ...Object.keys(problem.space).filter((n) => n.startsWith(`${branch}.`))].sort());
    }
    expect(branches.size).toBe(2);
  });
});

describe("scaledInputProblem", () => {
  const fn = syntheticBoxFunction("styblinski_tang", 3);
  const problem = scaledInputProblem("st-scaled", fn, [0.25, 0.5, 1, 2, 4], ["mixed"]);

  it("reaches the optimum at scale 1 and, stretched, at the other scales that keep it inside the box", () => {
    expect(problem.evaluate(problem.optimizer!)).toBeCloseTo(fn.optimum, 9);
    // Scale 2 about the centre 0: the optimizer shows up at half its place.
    const halved = Object.fromEntries(fn.optimizer!.map((v, i) => [`x${i}`, v / 2]));
    expect(problem.evaluate({ scale: 2, ...halved })).toBeCloseTo(fn.optimum, 9);
    // Scale 0.25 cannot reach -2.9 from [-5, 5]: its best is worse.
    const edge = Object.fromEntries(fn.optimizer!.map((_, i) => [`x${i}`, -5]));
    expect(problem.evaluate({ scale: 0.25, ...edge })).toBeGreaterThan(fn.optimum + 1);
  });

  it("needs the scale 1 and a function bounded below by its optimum", () => {
    expect(() => scaledInputProblem("bad", fn, [0.5, 2], ["mixed"])).toThrow(/scale 1/);
    expect(() => scaledInputProblem("bad", syntheticBoxFunction("schwefel", 2), [1, 2], ["mixed"])).toThrow(/bounded below/);
    expect(() => problem.evaluate({ scale: 3, x0: 0, x1: 0, x2: 0 })).toThrow(/"scale"/);
  });
});
