import { describe, expect, it } from "vitest";
import { minimizeLbfgsb, type LbfgsbObjective } from "./lbfgsb.js";
import { Rng } from "./rng.js";

/** Chained Rosenbrock function Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², minimum 0 at (1, …, 1). */
const rosenbrock: LbfgsbObjective = (x, gradient) => {
  const n = x.length;
  gradient.fill(0);
  let value = 0;
  for (let i = 0; i < n - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    value += 100 * a * a + b * b;
    gradient[i] += -400 * x[i] * a - 2 * b;
    gradient[i + 1] += 200 * a;
  }
  return value;
};

function rosenbrockStart(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
}

/** ½(x − c)ᵀA(x − c) for a symmetric positive-definite A (row-major). */
function quadratic(a: Float64Array, center: ArrayLike<number>): LbfgsbObjective {
  const n = center.length;
  return (x, gradient) => {
    let value = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += a[i * n + j] * (x[j] - center[j]);
      gradient[i] = sum;
      value += 0.5 * (x[i] - center[i]) * sum;
    }
    return value;
  };
}

function randomSpd(n: number, rng: Rng, conditioning = 1): Float64Array {
  const b = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) b[i] = rng.normal();
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += b[i * n + k] * b[j * n + k];
      a[i * n + j] = sum / n + (i === j ? conditioning : 0);
    }
  }
  return a;
}

function maxDistanceFromOne(x: Float64Array): number {
  let worst = 0;
  for (const v of x) worst = Math.max(worst, Math.abs(v - 1));
  return worst;
}

/** ‖P(x − g) − x‖∞ at the returned point, recomputed independently. */
function projectedGradientNorm(
  objective: LbfgsbObjective,
  x: Float64Array,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
): number {
  const gradient = new Float64Array(x.length);
  objective(x.slice(), gradient);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const projected = Math.min(Math.max(x[i] - gradient[i], lower[i]), upper[i]);
    worst = Math.max(worst, Math.abs(projected - x[i]));
  }
  return worst;
}

describe("minimizeLbfgsb on unconstrained problems", () => {
  it("solves 2-D Rosenbrock", () => {
    const result = minimizeLbfgsb(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.value).toBeLessThan(1e-10);
    expect(maxDistanceFromOne(result.x)).toBeLessThan(1e-4);
    expect(result.evaluations).toBeLessThan(80);

    const tight = minimizeLbfgsb(rosenbrock, [-1.2, 1], { gradientTolerance: 1e-12, relativeTolerance: 0 });
    expect(maxDistanceFromOne(tight.x)).toBeLessThan(1e-8);
  });

  it("solves 10-D Rosenbrock to 1e-8 of the optimum", () => {
    const result = minimizeLbfgsb(rosenbrock, rosenbrockStart(10));
    expect(result.converged).toBe(true);
    expect(result.value).toBeLessThan(1e-9);
    expect(result.evaluations).toBeLessThan(150);

    const tight = minimizeLbfgsb(rosenbrock, rosenbrockStart(10), {
      gradientTolerance: 1e-12,
      relativeTolerance: 0,
    });
    expect(tight.converged).toBe(true);
    expect(maxDistanceFromOne(tight.x)).toBeLessThan(1e-8);
    expect(tight.value).toBeLessThan(1e-16);
  });

  it("treats explicit infinite bounds as no bounds", () => {
    const free = minimizeLbfgsb(rosenbrock, [-1.2, 1]);
    const infinite = minimizeLbfgsb(rosenbrock, [-1.2, 1], {
      lower: [-Infinity, -Infinity],
      upper: [Infinity, Infinity],
    });
    expect(Array.from(infinite.x)).toEqual(Array.from(free.x));
    expect(infinite.evaluations).toBe(free.evaluations);
  });

  it("needs few evaluations on a 20-D convex quadratic", () => {
    const rng = new Rng(2024);
    const n = 20;
    const a = randomSpd(n, rng, 0.5);
    const center = Array.from({ length: n }, () => 3 * rng.normal());
    const result = minimizeLbfgsb(quadratic(a, center), new Float64Array(n));
    expect(result.converged).toBe(true);
    expect(result.evaluations).toBeLessThan(50);
    for (let i = 0; i < n; i++) expect(Math.abs(result.x[i] - center[i])).toBeLessThan(1e-5);
  });

  it("copes with a badly scaled starting gradient", () => {
    // f = 1e6·(x − 2)²: the first steepest-descent step must not be taken at face value.
    const result = minimizeLbfgsb((x, g) => {
      g[0] = 2e6 * (x[0] - 2);
      return 1e6 * (x[0] - 2) ** 2;
    }, [1000]);
    expect(result.converged).toBe(true);
    expect(Math.abs(result.x[0] - 2)).toBeLessThan(1e-6);
  });
});

describe("minimizeLbfgsb with bounds", () => {
  it("puts active constraints exactly on the bound", () => {
    // Separable quadratic centred at c; the box cuts off the centre in some coordinates.
    const center = [3, -2, 0.5, 10, -0.25];
    const lower = [0, -1, 0, 0, -1];
    const upper = [1, 1, 1, Infinity, 1];
    const weights = [1, 4, 2, 0.5, 3];
    const objective: LbfgsbObjective = (x, g) => {
      let value = 0;
      for (let i = 0; i < x.length; i++) {
        const d = x[i] - center[i];
        g[i] = 2 * weights[i] * d;
        value += weights[i] * d * d;
      }
      return value;
    };
    const result = minimizeLbfgsb(objective, [0.5, 0, 0.2, 1, 0], { lower, upper });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBe(1);
    expect(result.x[1]).toBe(-1);
    expect(result.x[2]).toBeCloseTo(0.5, 7);
    expect(result.x[3]).toBeCloseTo(10, 6);
    expect(result.x[4]).toBeCloseTo(-0.25, 7);
  });

  it("finds the constrained optimum of Rosenbrock", () => {
    // With x ≤ 0.5 the optimum is (0.5, 0.25), where ∂f/∂x = −1 pushes against the bound.
    const result = minimizeLbfgsb(rosenbrock, [-1.2, 1], { upper: [0.5, Infinity] });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBe(0.5);
    expect(result.x[1]).toBeCloseTo(0.25, 6);
    expect(result.value).toBeCloseTo(0.25, 10);
  });

  it("satisfies the first-order conditions on random bounded quadratics", () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 25; trial++) {
      const n = 2 + rng.integer(0, 25);
      const a = randomSpd(n, rng, 0.05);
      const center = Array.from({ length: n }, () => 3 * rng.normal());
      const lower: number[] = [];
      const upper: number[] = [];
      for (let i = 0; i < n; i++) {
        const low = rng.uniformIn(-2, 0);
        const kind = rng.uniform();
        lower.push(kind < 0.15 ? -Infinity : low);
        upper.push(kind >= 0.15 && kind < 0.3 ? Infinity : kind < 0.38 ? low : low + rng.uniformIn(0, 3));
      }
      const x0 = Array.from({ length: n }, () => rng.uniformIn(-3, 3));
      const objective = quadratic(a, center);
      const result = minimizeLbfgsb(objective, x0, {
        lower,
        upper,
        gradientTolerance: 1e-9,
        relativeTolerance: 0,
      });
      for (let i = 0; i < n; i++) {
        expect(result.x[i]).toBeGreaterThanOrEqual(lower[i]);
        expect(result.x[i]).toBeLessThanOrEqual(upper[i]);
      }
      // With no relative-reduction stop the run ends where the objective's own rounding noise
      // (~1e-12 here) hides any further decrease.
      expect(projectedGradientNorm(objective, result.x, lower, upper)).toBeLessThan(1e-6);
      expect(result.evaluations).toBeLessThan(150);
    }
  });

  it("holds coordinates with lower === upper fixed", () => {
    const lower = [-Infinity, 0.3, -Infinity, -2, -Infinity];
    const upper = [Infinity, 0.3, Infinity, -2, Infinity];
    const seen: number[][] = [];
    const result = minimizeLbfgsb(
      (x, g) => {
        seen.push([x[1], x[3]]);
        return rosenbrock(x, g);
      },
      [0, 5, 0, 0, 0], // the fixed coordinates start outside their "boxes"
      { lower, upper },
    );
    expect(result.x[1]).toBe(0.3);
    expect(result.x[3]).toBe(-2);
    for (const [a, b] of seen) {
      expect(a).toBe(0.3);
      expect(b).toBe(-2);
    }
    expect(result.converged).toBe(true);
    expect(projectedGradientNorm(rosenbrock, result.x, lower, upper)).toBeLessThan(1e-5);
  });

  it("projects a starting point outside the box and stays inside it", () => {
    const lower = [-1, -1, -1];
    const upper = [2, 2, 2];
    const points: Float64Array[] = [];
    const result = minimizeLbfgsb(
      (x, g) => {
        points.push(x.slice());
        return rosenbrock(x, g);
      },
      [10, -10, Number.NaN],
      { lower, upper },
    );
    expect(Array.from(points[0])).toEqual([2, -1, 0.5]);
    for (const p of points) {
      for (let i = 0; i < 3; i++) {
        expect(p[i]).toBeGreaterThanOrEqual(lower[i]);
        expect(p[i]).toBeLessThanOrEqual(upper[i]);
      }
    }
    expect(maxDistanceFromOne(result.x)).toBeLessThan(1e-4);
  });

  it("rejects malformed bounds", () => {
    expect(() => minimizeLbfgsb(rosenbrock, [0, 0], { lower: [1, 0], upper: [0, 1] })).toThrow(RangeError);
    expect(() => minimizeLbfgsb(rosenbrock, [0, 0], { lower: [0] })).toThrow(RangeError);
    expect(() => minimizeLbfgsb(rosenbrock, [0, 0], { upper: [Number.NaN, 1] })).toThrow(RangeError);
    expect(() => minimizeLbfgsb(rosenbrock, [0, 0], { memory: 0 })).toThrow(RangeError);
  });
});

describe("minimizeLbfgsb robustness", () => {
  it("backs off from a region where the objective is NaN", () => {
    // The unconstrained minimum (5, 1) lies where the objective is undefined (x₀ > 3). The
    // search cannot know the shape of that region, so it stops at the wall, never on the far side.
    const seen: number[] = [];
    const objective: LbfgsbObjective = (x, g) => {
      if (x[0] > 3) {
        g.fill(Number.NaN);
        return Number.NaN;
      }
      g[0] = 2 * (x[0] - 5);
      g[1] = 2 * (x[1] - 1);
      const value = (x[0] - 5) ** 2 + (x[1] - 1) ** 2;
      seen.push(value);
      return value;
    };
    const result = minimizeLbfgsb(objective, [0, 0]);
    expect(Number.isFinite(result.value)).toBe(true);
    for (const v of result.x) expect(Number.isFinite(v)).toBe(true);
    expect(result.x[0]).toBeLessThanOrEqual(3);
    expect(result.x[0]).toBeGreaterThan(2.9);
    expect(result.value).toBe(Math.min(...seen));
    expect(objective(result.x.slice(), new Float64Array(2))).toBe(result.value);
  });

  it("converges when overshooting steps land in a NaN region away from the optimum", () => {
    const objective: LbfgsbObjective = (x, g) => {
      if (Math.abs(x[0]) > 1.3 || Math.abs(x[1]) > 1.3) return Number.NaN;
      return rosenbrock(x, g);
    };
    const result = minimizeLbfgsb(objective, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(maxDistanceFromOne(result.x)).toBeLessThan(1e-4);
  });

  it("recovers when a long first step lands on Infinity or a non-finite gradient", () => {
    const objective: LbfgsbObjective = (x, g) => {
      const r2 = x[0] * x[0] + x[1] * x[1];
      if (r2 > 4) return Number.POSITIVE_INFINITY;
      g[0] = 2 * (x[0] - 1) + (r2 > 3 ? Number.NaN : 0);
      g[1] = 2 * (x[1] + 0.5);
      return (x[0] - 1) ** 2 + (x[1] + 0.5) ** 2;
    };
    const result = minimizeLbfgsb(objective, [0.1, 0.1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(-0.5, 6);
  });

  it("reports a start where the objective is not finite without producing NaN", () => {
    const result = minimizeLbfgsb(() => Number.NaN, [1, 2], { lower: [0, 0], upper: [1.5, 1.5] });
    expect(result.converged).toBe(false);
    expect(result.value).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(result.x)).toEqual([1, 1.5]);
    expect(result.evaluations).toBe(1);
  });

  it("respects maxEvaluations and maxIterations", () => {
    let calls = 0;
    const counted: LbfgsbObjective = (x, g) => {
      calls++;
      return rosenbrock(x, g);
    };
    const limited = minimizeLbfgsb(counted, rosenbrockStart(10), { maxEvaluations: 15 });
    expect(calls).toBe(limited.evaluations);
    expect(limited.evaluations).toBeLessThanOrEqual(15);
    expect(limited.converged).toBe(false);
    expect(limited.message).toMatch(/evaluations/);
    expect(Number.isFinite(limited.value)).toBe(true);

    const short = minimizeLbfgsb(rosenbrock, rosenbrockStart(10), { maxIterations: 5 });
    expect(short.iterations).toBe(5);
    expect(short.converged).toBe(false);
    expect(short.message).toMatch(/iterations/);
  });

  it("returns the best point with a consistent value and never modifies x0", () => {
    const x0 = new Float64Array([-1.2, 1]);
    const result = minimizeLbfgsb(rosenbrock, x0, { memory: 3 });
    expect(Array.from(x0)).toEqual([-1.2, 1]);
    expect(rosenbrock(result.x.slice(), new Float64Array(2))).toBe(result.value);
    expect(result.converged).toBe(true);
  });

  it("is deterministic", () => {
    const a = minimizeLbfgsb(rosenbrock, rosenbrockStart(6), { lower: Array(6).fill(-0.5) });
    const b = minimizeLbfgsb(rosenbrock, rosenbrockStart(6), { lower: Array(6).fill(-0.5) });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(a.evaluations).toBe(b.evaluations);
  });

  it("handles one- and zero-dimensional problems", () => {
    const one = minimizeLbfgsb((x, g) => {
      g[0] = Math.cos(x[0]);
      return Math.sin(x[0]);
    }, [0], { lower: [-1], upper: [4] });
    // Downhill from 0 the first minimum of sin inside [−1, 4] is the bound −1.
    expect(one.x[0]).toBe(-1);
    expect(one.converged).toBe(true);
    const zero = minimizeLbfgsb(() => 42, []);
    expect(zero.converged).toBe(true);
    expect(zero.value).toBe(42);
    expect(zero.x.length).toBe(0);
  });
});
