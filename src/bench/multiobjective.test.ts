import { describe, expect, it } from "vitest";
import { MULTIOBJECTIVE_PROBLEMS } from "./multiobjective.js";

describe("multi-objective development problems", () => {
  it("DTLZ5 puts its optimal points on the unit sphere, on the curve where f1 = f2", () => {
    const dtlz5 = MULTIOBJECTIVE_PROBLEMS.dtlz5!;
    for (const first of [0, 0.3, 0.8, 1]) {
      // g = 0 when every distance variable is 0.5; the second angle is then π/4 whatever x₂ is.
      for (const second of [0, 0.7]) {
        const f = dtlz5.evaluate([first, second, 0.5, 0.5, 0.5, 0.5]);
        expect(Math.hypot(...f)).toBeCloseTo(1, 12);
        expect(f[0]).toBeCloseTo(f[1]!, 12);
        expect(f[2]).toBeCloseTo(Math.sin((first * Math.PI) / 2), 12);
      }
    }
    // Off the optimum, the radius is 1 + g.
    expect(Math.hypot(...dtlz5.evaluate([0.4, 0.2, 0, 0.5, 1, 0.5]))).toBeCloseTo(1.5, 12);
  });

  it("DTLZ7 keeps the first objectives as given and puts g and h in the last", () => {
    const dtlz7 = MULTIOBJECTIVE_PROBLEMS.dtlz7!;
    // Distance variables at 0: g = 1, and f3 = 2·(3 − Σ fᵢ/2·(1 + sin 3πfᵢ)).
    expect(dtlz7.evaluate([0, 0, 0, 0, 0, 0])).toEqual([0, 0, 6]);
    const [f1, f2, f3] = dtlz7.evaluate([0.5, 1, 0, 0, 0, 0]);
    expect([f1, f2]).toEqual([0.5, 1]);
    expect(f3).toBeCloseTo(2 * (3 - 0.25 * (1 + Math.sin(1.5 * Math.PI)) - 0.5 * (1 + Math.sin(3 * Math.PI))), 12);
    // With every distance variable at 1 (k = 4): g = 10, so f3 = 11·h.
    expect(dtlz7.evaluate([0, 0, 1, 1, 1, 1])[2]).toBeCloseTo(33, 12);
  });
});
