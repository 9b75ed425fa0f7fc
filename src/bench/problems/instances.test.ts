import { describe, expect, it } from "vitest";
import { Rng } from "../../index.js";
import { canRotate, randomInstance, randomOrthogonalMatrix, type BoxFunction } from "./instances.js";
import { syntheticBoxFunction } from "./problem.js";

function randomPoint(fn: BoxFunction, rng: Rng): number[] {
  return fn.bounds.map(([low, high]) => rng.uniformIn(low, high));
}

/** f(x) = |x - c|², bounded below by 0 everywhere: a rotation about its minimizer must leave it unchanged. */
function sphere(centre: number[], bounds: [number, number][]): BoxFunction {
  return {
    bounds,
    optimum: 0,
    optimizer: centre,
    boundedBelowByOptimum: true,
    evaluate: (x) => x.reduce((sum, v, i) => sum + (v - centre[i]!) ** 2, 0),
  };
}

describe("randomOrthogonalMatrix", () => {
  it("gives orthonormal rows, the same for the same seed", () => {
    for (const d of [1, 2, 7, 50]) {
      const q = randomOrthogonalMatrix(d, new Rng(d));
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          const dot = q[i]!.reduce((s, v, k) => s + v * q[j]![k]!, 0);
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
        }
      }
      expect(randomOrthogonalMatrix(d, new Rng(d))).toEqual(q);
    }
  });
});

describe("randomInstance", () => {
  const translatable = ["branin", "hartmann6", "rastrigin", "rosenbrock", "trid", "shekel10", "goldstein_price"] as const;
  const dims: Record<string, number> = { branin: 2, hartmann6: 6, rastrigin: 10, rosenbrock: 5, trid: 5, shekel10: 4, goldstein_price: 2 };

  it.each(translatable)("%s: keeps the optimum value at a moved optimizer inside the box, and nothing goes below it", (key) => {
    const fn = syntheticBoxFunction(key, dims[key]!);
    const rng = new Rng(key);
    for (const seed of [1, 2, 3]) {
      const instance = randomInstance(fn, { seed });
      expect(instance.optimizer).not.toEqual(fn.optimizer);
      instance.optimizer!.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(instance.bounds[i]![0]);
        expect(v).toBeLessThanOrEqual(instance.bounds[i]![1]);
      });
      expect(instance.evaluate(instance.optimizer!)).toBeCloseTo(fn.optimum, 6);
      for (let n = 0; n < 500; n++) expect(instance.evaluate(randomPoint(instance, rng))).toBeGreaterThanOrEqual(fn.optimum - 1e-6);
    }
  });

  it("is deterministic per seed and differs between seeds", () => {
    const fn = syntheticBoxFunction("ackley", 5);
    const point = [1, -2, 3, -4, 5];
    const a = randomInstance(fn, { seed: 11 });
    const b = randomInstance(fn, { seed: 11 });
    const c = randomInstance(fn, { seed: 12 });
    expect(b.optimizer).toEqual(a.optimizer);
    expect(b.evaluate(point)).toBe(a.evaluate(point));
    expect(c.optimizer).not.toEqual(a.optimizer);
    expect(c.evaluate(point)).not.toBe(a.evaluate(point));
  });

  it("rotates about the moved optimizer without stretching", () => {
    const bounds: [number, number][] = [[-5, 5], [-5, 5], [-5, 5], [-5, 5]];
    const instance = randomInstance(sphere([1, 2, 3, 4], bounds), { seed: 5, rotate: true });
    const z = instance.optimizer!;
    const rng = new Rng(5);
    for (let n = 0; n < 100; n++) {
      const y = randomPoint(instance, rng);
      const distance = y.reduce((s, v, i) => s + (v - z[i]!) ** 2, 0);
      expect(instance.evaluate(y)).toBeCloseTo(distance, 9);
    }
    // ...and does rotate: on an ellipsoid, a unit step along an axis from the optimizer no longer
    // costs one of the axis weights 1..4 (which is all a permutation could give).
    const ellipsoid: BoxFunction = {
      bounds,
      optimum: 0,
      optimizer: [0, 0, 0, 0],
      boundedBelowByOptimum: true,
      evaluate: (x) => x.reduce((s, v, i) => s + (i + 1) * v * v, 0),
    };
    const rotated = randomInstance(ellipsoid, { seed: 5, rotate: true, shift: false });
    const steps = [0, 1, 2, 3].map((axis) => rotated.evaluate(rotated.optimizer!.map((v, i) => (i === axis ? v + 1 : v))));
    expect(steps.some((cost) => Math.abs(cost - Math.round(cost)) > 1e-3)).toBe(true);
    expect(steps.reduce((a, b) => a + b)).toBeCloseTo(10, 9); // the trace is invariant under rotation
  });

  it("permutes coordinates together with their bounds", () => {
    const linear: BoxFunction = {
      bounds: [[0, 1], [0, 10], [0, 100]],
      optimum: 0,
      optimizer: [0, 0, 0],
      boundedBelowByOptimum: false,
      evaluate: (x) => x[0]! + 2 * x[1]! + 3 * x[2]!,
    };
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const instance = randomInstance(linear, { seed, shift: false, rotate: false });
      const highs = instance.bounds.map(([, high]) => high);
      seen.add(highs.join(","));
      expect([...highs].sort((a, b) => a - b)).toEqual([1, 10, 100]);
      // Coordinate i of the instance feeds the function's coordinate whose upper bound it carries.
      const weightOf = { 1: 1, 10: 2, 100: 3 } as Record<number, number>;
      const unit = highs.map((high, i) => instance.evaluate(highs.map((_, j) => (j === i ? high / 2 : 0))) / (high / 2));
      unit.forEach((weight, i) => expect(weight).toBeCloseTo(weightOf[highs[i]!]!, 12));
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it("wraps the shift around the box for functions that go below their optimum outside it", () => {
    for (const [key, d] of [["schwefel", 3], ["michalewicz", 2]] as const) {
      const fn = syntheticBoxFunction(key, d);
      expect(canRotate(fn)).toBe(false);
      const instance = randomInstance(fn, { seed: 4 });
      expect(instance.optimizer).not.toEqual(fn.optimizer);
      expect(instance.evaluate(instance.optimizer!)).toBeCloseTo(fn.optimum, 9);
      const rng = new Rng(key);
      for (let n = 0; n < 2000; n++) expect(instance.evaluate(randomPoint(instance, rng))).toBeGreaterThanOrEqual(fn.optimum - 1e-9);
      expect(() => randomInstance(fn, { seed: 4, rotate: true })).toThrow(/rotate/);
    }
  });

  it("moves the optimum by whole numbers when asked, so integer inputs still reach it", () => {
    const fn = syntheticBoxFunction("rastrigin", 6);
    for (const seed of [1, 2, 3, 4]) {
      const instance = randomInstance(fn, { seed, integerShift: true, rotate: false });
      for (const v of instance.optimizer!) expect(Number.isInteger(v)).toBe(true);
      expect(instance.evaluate(instance.optimizer!)).toBeCloseTo(0, 12);
    }
    expect(() => randomInstance(syntheticBoxFunction("schwefel", 2), { seed: 1, integerShift: true, rotate: false })).toThrow(/integerShift/);
  });
});
