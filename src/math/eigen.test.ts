import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { symmetricEigen } from "./eigen.js";
import { Rng } from "./rng.js";

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = rng.normal();
      a[i * n + j] = value;
      a[j * n + i] = value;
    }
  }
  return a;
}

function checkDecomposition(a: ArrayLike<number>, n: number): void {
  const { values, vectors } = symmetricEigen(a, n);
  let scale = 1;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let k = 0; k < n; k++) {
    // A v = λ v
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + k]!;
      expect(Math.abs(av - values[k]! * vectors[i * n + k]!)).toBeLessThan(1e-9 * scale * n);
    }
    // Vᵀ V = I
    for (let l = 0; l < n; l++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += vectors[i * n + k]! * vectors[i * n + l]!;
      expect(Math.abs(d - (k === l ? 1 : 0))).toBeLessThan(1e-10 * n);
    }
    if (k > 0) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  }
}

describe("symmetricEigen", () => {
  it("solves a 2 × 2 matrix exactly", () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 12);
    expect(values[1]).toBeCloseTo(3, 12);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0]! * vectors[2]!).toBeCloseTo(-0.5, 12);
    expect(vectors[1]! * vectors[3]!).toBeCloseTo(0.5, 12);
  });

  it("returns a diagonal matrix's entries sorted, with the identity's columns", () => {
    const { values, vectors } = symmetricEigen([5, 0, 0, 0, -1, 0, 0, 0, 2], 3);
    expect([...values]).toEqual([-1, 2, 5]);
    expect(Math.abs(vectors[1 * 3 + 0]!)).toBe(1);
    expect(Math.abs(vectors[2 * 3 + 1]!)).toBe(1);
    expect(Math.abs(vectors[0 * 3 + 2]!)).toBe(1);
  });

  it("satisfies A v = λ v with orthonormal V on random symmetric matrices", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, seed) => {
        checkDecomposition(randomSymmetric(new Rng(seed), n), n);
      }),
      { numRuns: 60 },
    );
  });

  it("recovers a known spectrum spanning 12 orders of magnitude", () => {
    const n = 6;
    const rng = new Rng(3);
    // Random orthogonal Q from Gram–Schmidt, then A = Q diag(d) Qᵀ.
    const q = randomSymmetric(rng, n);
    for (let k = 0; k < n; k++) {
      for (let l = 0; l < k; l++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i * n + k]! * q[i * n + l]!;
        for (let i = 0; i < n; i++) q[i * n + k] = q[i * n + k]! - d * q[i * n + l]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += q[i * n + k]! ** 2;
      for (let i = 0; i < n; i++) q[i * n + k] = q[i * n + k]! / Math.sqrt(norm);
    }
    const spectrum = [1e-6, 1e-3, 0.5, 1, 1e3, 1e6];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k]! * spectrum[k]! * q[j * n + k]!;
        a[i * n + j] = s;
      }
    }
    const { values } = symmetricEigen(a, n);
    for (let k = 0; k < n; k++) expect(Math.abs(values[k]! - spectrum[k]!)).toBeLessThan(1e-9 * 1e6);
    expect(values[5]! / values[0]!).toBeGreaterThan(1e11);
    checkDecomposition(a, n);
  });

  it("handles repeated eigenvalues and rejects non-finite input", () => {
    checkDecomposition([1, 0, 0, 0, 1, 0, 0, 0, 1], 3);
    checkDecomposition([2, 1, 1, 1, 2, 1, 1, 1, 2], 3);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/not finite/);
  });
});
