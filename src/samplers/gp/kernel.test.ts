import { describe, expect, it } from "vitest";
import { cholesky } from "../../math/linalg.js";
import { Rng } from "../../math/rng.js";
import { crossCovariance, inverseSquared, kernelMatrix, kernelMatrixRows, matern52, matern52DerivativeR2, scaledSquaredDistance } from "./kernel.js";

function randomPoints(rng: Rng, n: number, d: number, categorical: Uint8Array): Float64Array {
  const x = new Float64Array(n * d);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < d; i++) x[j * d + i] = categorical[i] ? rng.integer(0, 2) : rng.uniform();
  }
  return x;
}

describe("Matérn-5/2 kernel", () => {
  it("is 1 at distance 0 and decreases with distance", () => {
    expect(matern52(0)).toBe(1);
    let previous = 1;
    for (const r2 of [0.01, 0.1, 1, 4, 25]) {
      const value = matern52(r2);
      expect(value).toBeLessThan(previous);
      expect(value).toBeGreaterThan(0);
      previous = value;
    }
  });

  it("has the derivative in r² that finite differences give", () => {
    for (const r2 of [1e-4, 0.05, 0.7, 3, 12]) {
      const h = 1e-7 * Math.max(1, r2);
      const numeric = (matern52(r2 + h) - matern52(r2 - h)) / (2 * h);
      expect(matern52DerivativeR2(r2)).toBeCloseTo(numeric, 6);
    }
    expect(matern52DerivativeR2(0)).toBeCloseTo(-5 / 6, 12);
  });

  it("builds a symmetric positive-definite matrix for mixed numeric and categorical inputs", () => {
    const rng = new Rng(11);
    const d = 4;
    const categorical = new Uint8Array([0, 1, 0, 1]);
    const n = 30;
    const x = randomPoints(rng, n, d, categorical);
    const params = { lengthscales: new Float64Array([0.3, 0.8, 1.5, 0.2]), signalVariance: 2, noiseVariance: 1e-8 };
    const k = kernelMatrix(x, n, d, params, categorical);
    for (let a = 0; a < n; a++) {
      expect(k[a * n + a]).toBeCloseTo(2 + 1e-8, 12);
      for (let b = 0; b < n; b++) expect(k[a * n + b]).toBe(k[b * n + a]);
    }
    expect(() => cholesky(k, n)).not.toThrow();
    // Random quadratic forms stay non-negative.
    for (let trial = 0; trial < 20; trial++) {
      const v = Array.from({ length: n }, () => rng.normal());
      let form = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) form += v[a]! * k[a * n + b]! * v[b]!;
      expect(form).toBeGreaterThan(0);
    }
  });

  it("agrees between the matrix and the cross-covariance of one point", () => {
    const rng = new Rng(5);
    const d = 3;
    const categorical = new Uint8Array([0, 0, 1]);
    const n = 8;
    const x = randomPoints(rng, n, d, categorical);
    const params = { lengthscales: new Float64Array([0.4, 0.9, 0.5]), signalVariance: 1.3, noiseVariance: 0 };
    const k = kernelMatrix(x, n, d, params, categorical);
    const row = crossCovariance(x.subarray(3 * d, 4 * d), x, n, d, inverseSquared(params.lengthscales), 1.3, categorical, new Float64Array(n));
    for (let j = 0; j < n; j++) expect(row[j]).toBeCloseTo(k[3 * n + j]!, 12);
  });

  it("gives, four rows at a time or one, each covariance, r² and slope bit for bit as matern52 of scaledSquaredDistance", () => {
    const rng = new Rng(31);
    for (const categorical of [new Uint8Array(5), new Uint8Array([0, 0, 1, 0, 0])]) {
      for (const n of [1, 3, 4, 7, 13]) {
        const x = randomPoints(rng, n, 5, categorical);
        const point = randomPoints(rng, 1, 5, categorical);
        const inv = inverseSquared(Float64Array.from({ length: 5 }, () => 0.2 + rng.uniform()));
        const [k, r2, slope] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
        crossCovariance(point, x, n, 5, inv, 1.7, categorical, k, r2, slope);
        for (let j = 0; j < n; j++) {
          const expected = scaledSquaredDistance(point, 0, x, j, 5, inv, categorical);
          expect(Object.is(r2[j], expected)).toBe(true);
          expect(Object.is(k[j], 1.7 * matern52(expected))).toBe(true);
          expect(Object.is(slope[j], matern52DerivativeR2(expected))).toBe(true);
        }
      }
    }
  });

  it("gives the lower rows of the kernel matrix bit for bit", () => {
    const rng = new Rng(32);
    const categorical = new Uint8Array([0, 1, 0]);
    const x = randomPoints(rng, 9, 3, categorical);
    const params = { lengthscales: new Float64Array([0.3, 0.7, 0.5]), signalVariance: 1.3, noiseVariance: 0.01 };
    const full = kernelMatrix(x, 9, 3, params, categorical);
    const rows = kernelMatrixRows(x, 9, 3, params, categorical, 6);
    for (let a = 0; a < 9; a++) for (let b = 0; b < 9; b++) expect(Object.is(rows[a * 9 + b], a >= 6 && b <= a ? full[a * 9 + b] : 0)).toBe(true);
  });
});
