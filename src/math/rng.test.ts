import { describe, expect, it } from "vitest";
import { Rng, deriveSeed } from "./rng.js";

describe("Rng", () => {
  it("is deterministic under a seed and differs across seeds", () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
  });

  it("draws uniforms in [0, 1) with the right mean and normals with unit variance", () => {
    const rng = new Rng(3);
    let sum = 0;
    let sumSq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      const z = rng.normal();
      sumSq += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(sumSq / n).toBeCloseTo(1, 1);
  });
});

describe("deriveSeed", () => {
  it("gives unrelated seeds for (base, label) pairs whose XOR collides", () => {
    expect(deriveSeed(2, 1)).not.toBe(deriveSeed(3, 0));
    const seen = new Set<number>();
    for (let base = 0; base < 20; base++) for (let label = 0; label < 20; label++) seen.add(deriveSeed(base, label));
    expect(seen.size).toBe(400);
  });
});
