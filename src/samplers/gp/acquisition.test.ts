import { describe, expect, it } from "vitest";
import { logExpectedImprovement, logExpectedImprovementWithGradient, snapPoint } from "./acquisition.js";

describe("logExpectedImprovement", () => {
  it("matches the closed form of EI where EI is representable", () => {
    // EI(μ=0, σ=1, best=0) = φ(0)
    expect(logExpectedImprovement(0, 1, 0)).toBeCloseTo(Math.log(1 / Math.sqrt(2 * Math.PI)), 12);
    // Far above the incumbent EI underflows, but its log stays finite and keeps decreasing.
    const a = logExpectedImprovement(40, 1, 0);
    const b = logExpectedImprovement(41, 1, 0);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(b).toBeLessThan(a);
    expect(Number.isFinite(logExpectedImprovement(1, 0, 0))).toBe(true);
  });

  it("has the gradient that finite differences give, through the mean and the variance", () => {
    // A toy posterior: μ(x) = x₀² − x₁, σ²(x) = 0.1 + x₀x₁ on a small patch.
    const at = (x: number[]) => ({ mean: x[0]! ** 2 - x[1]!, variance: 0.1 + x[0]! * x[1]! });
    for (const [x, best] of [
      [[0.3, 0.2], 0],
      [[1.5, 0.1], -3],
      [[0.1, 0.9], 0.5],
    ] as [number[], number][]) {
      const { mean, variance } = at(x);
      const out = new Float64Array(2);
      logExpectedImprovementWithGradient(mean, variance, best, new Float64Array([2 * x[0]!, -1]), new Float64Array([x[1]!, x[0]!]), out);
      for (let i = 0; i < 2; i++) {
        const h = 1e-6;
        const up = [...x];
        const down = [...x];
        up[i] += h;
        down[i] -= h;
        const fu = at(up);
        const fd = at(down);
        const numeric = (logExpectedImprovement(fu.mean, fu.variance, best) - logExpectedImprovement(fd.mean, fd.variance, best)) / (2 * h);
        expect(out[i]).toBeCloseTo(numeric, 5);
      }
    }
  });
});

describe("snapPoint", () => {
  it("clips continuous values, snaps grids and rounds categorical indices", () => {
    const point = snapPoint(new Float64Array([1.3, 0.26, 2.7, Number.NaN]), [
      { type: "continuous" },
      { type: "grid", snap: (u) => (Math.min(3, Math.floor(u * 4)) + 0.5) / 4 },
      { type: "categorical", size: 3 },
      { type: "continuous" },
    ]);
    expect(Array.from(point)).toEqual([1, 0.375, 2, 0.5]);
  });
});
