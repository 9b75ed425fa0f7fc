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

  it("tells apart seeds that differ only above 32 bits or in sign, and keeps 32-bit seeds' streams", () => {
    // They used to collide (base >>> 0): seeds 0 and 2³², or -1 and 2³² − 1, ran the same trials.
    for (const [a, b] of [[0, 2 ** 32], [1, 2 ** 32 + 1], [123, 123 + 2 ** 40], [-1, 2 ** 32 - 1], [-5, 2 ** 32 - 5]]) {
      expect(deriveSeed(a!, 0, "x")).not.toBe(deriveSeed(b!, 0, "x"));
    }
    // Streams of seeds in [0, 2³²) are what they were: fixed values from before the change.
    expect([deriveSeed(0), deriveSeed(1, 7), deriveSeed(4294967295, "lr")]).toEqual([365565194, 758867273, 2189649172]);
  });
});
