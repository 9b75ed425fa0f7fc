import { describe, expect, it } from "vitest";
import { TEST_FUNCTIONS } from "./functions.js";
import { syntheticBoxFunction } from "./problems/index.js";

describe("TEST_FUNCTIONS (the bench:samplers set)", () => {
  const registryFunction: Record<string, [string, number]> = {
    branin2: ["branin", 2],
    hartmann3: ["hartmann3", 3],
    hartmann6: ["hartmann6", 6],
    ackley5: ["ackley", 5],
    rosenbrock4: ["rosenbrock", 4],
    levy10: ["levy", 10],
    styblinski8: ["styblinski_tang", 8],
  };

  it("keeps the seven keys, boxes and rounded optima of the Optuna reference script", () => {
    expect(Object.keys(TEST_FUNCTIONS)).toEqual(Object.keys(registryFunction));
    expect(TEST_FUNCTIONS.branin2!.bounds).toEqual([[-5, 10], [0, 15]]);
    expect(TEST_FUNCTIONS.styblinski8!.bounds).toEqual(Array.from({ length: 8 }, () => [-5, 5]));
    expect(TEST_FUNCTIONS.styblinski8!.optimum).toBe(-39.16617 * 8);
    expect(TEST_FUNCTIONS.hartmann3!.optimum).toBe(-3.86278);
  });

  it("evaluates with the registry's formulas, whose exact optima its rounded ones match", () => {
    for (const [key, fn] of Object.entries(TEST_FUNCTIONS)) {
      const [registryKey, dimension] = registryFunction[key]!;
      const exact = syntheticBoxFunction(registryKey, dimension);
      expect(fn.bounds).toEqual(exact.bounds);
      const x = fn.bounds.map(([low, high]) => low + (high - low) / 3);
      expect(fn.evaluate(x)).toBe(exact.evaluate(x));
      expect(Math.abs(exact.optimum - fn.optimum), key).toBeLessThan(1e-5 * Math.max(1, Math.abs(fn.optimum)));
    }
  });
});
