import { describe, expect, it } from "vitest";
import {
  NotPositiveDefiniteError,
  cholesky,
  choleskyExtend,
  choleskyInverse,
  choleskySolve,
  choleskyWithJitter,
  dot,
  logDetFromCholesky,
  matVec,
  solveLower,
  solveLowerFromTransposed,
  solveLowerTransposed,
  transposeSquare,
} from "./linalg.js";
import { Rng } from "./rng.js";

/** A random symmetric positive-definite matrix B·Bᵀ + shift·I. */
function randomSpd(n: number, seed: number, shift = 0.1): Float64Array {
  const rng = new Rng(seed);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) b[i] = rng.normal();
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += b[i * n + k] * b[j * n + k];
      a[i * n + j] = sum + (i === j ? shift : 0);
    }
  }
  return a;
}

/** A squared-exponential kernel matrix on 1-D inputs; nearly singular for close inputs. */
function kernelMatrix(inputs: readonly number[], lengthScale: number): Float64Array {
  const n = inputs.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = (inputs[i] - inputs[j]) / lengthScale;
      k[i * n + j] = Math.exp(-0.5 * d * d);
    }
  }
  return k;
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe("cholesky", () => {
  it("factors a small matrix exactly", () => {
    const factor = cholesky(new Float64Array([4, 2, 2, 3]), 2);
    expect(Array.from(factor)).toEqual([2, 0, 1, Math.SQRT2]);
  });

  it("reconstructs random SPD matrices as L·Lᵀ with a zero upper triangle", () => {
    for (const n of [1, 2, 5, 30, 80]) {
      const a = randomSpd(n, n);
      const factor = cholesky(a, n);
      for (let i = 0; i < n; i++) {
        expect(factor[i * n + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < n; j++) expect(factor[i * n + j]).toBe(0);
      }
      const rebuilt = multiply(factor, transposeSquare(factor, n), n);
      expect(maxAbsDifference(rebuilt, a)).toBeLessThan(1e-12 * n);
    }
  });

  it("reads only the lower triangle", () => {
    const a = randomSpd(6, 7);
    const lowerOnly = a.slice();
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) lowerOnly[i * 6 + j] = Number.NaN;
    expect(maxAbsDifference(cholesky(lowerOnly, 6), cholesky(a, 6))).toBe(0);
  });

  it("handles the empty matrix", () => {
    expect(cholesky(new Float64Array(0), 0).length).toBe(0);
  });

  it("throws NotPositiveDefiniteError for indefinite, singular or non-finite input", () => {
    expect(() => cholesky(new Float64Array([1, 2, 2, 1]), 2)).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(new Float64Array([1, 1, 1, 1]), 2)).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(new Float64Array([Number.NaN, 0, 0, 1]), 2)).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(new Float64Array([1, 0, Infinity, 1]), 2)).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(new Float64Array([Infinity, 0, 0, 1]), 2)).toThrow(NotPositiveDefiniteError);
    try {
      cholesky(new Float64Array([1, 0, 0, 0, -1, 0, 0, 0, 1]), 3);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      expect((error as NotPositiveDefiniteError).pivot).toBe(1);
      expect((error as Error).name).toBe("NotPositiveDefiniteError");
    }
  });

  it("rejects a matrix that is too short", () => {
    expect(() => cholesky(new Float64Array(3), 2)).toThrow(RangeError);
  });
});

describe("choleskyWithJitter", () => {
  it("adds no jitter when none is needed", () => {
    const a = randomSpd(5, 1);
    const { factor, jitter } = choleskyWithJitter(a, 5);
    expect(jitter).toBe(0);
    expect(maxAbsDifference(factor, cholesky(a, 5))).toBe(0);
  });

  it("regularises an exactly singular matrix with the smallest sufficient jitter", () => {
    // Rank one with diagonal 4 (3·4 = 12 is exact, so the second pivot is exactly 0).
    const a = new Float64Array([4, 4, 4, 4, 4, 4, 4, 4, 4]);
    expect(() => cholesky(a, 3)).toThrow(NotPositiveDefiniteError);
    const { factor, jitter } = choleskyWithJitter(a, 3);
    expect(jitter).toBeCloseTo(4e-10, 20);
    const rebuilt = multiply(factor, transposeSquare(factor, 3), 3);
    const expected = a.slice();
    for (let i = 0; i < 3; i++) expected[i * 3 + i] += jitter;
    expect(maxAbsDifference(rebuilt, expected)).toBeLessThan(1e-15);
  });

  it("factors a kernel matrix with duplicated inputs", () => {
    const inputs = [0, 0.1, 0.1, 0.2, 0.2 + 1e-12, 0.5, 0.9];
    const a = kernelMatrix(inputs, 1);
    expect(() => cholesky(a, inputs.length)).toThrow(NotPositiveDefiniteError);
    const { factor, jitter } = choleskyWithJitter(a, inputs.length);
    expect(jitter).toBeGreaterThan(0);
    expect(jitter).toBeLessThan(1e-4);
    for (const v of factor) expect(Number.isFinite(v)).toBe(true);
  });

  it("honours initialJitter and maxTries, and gives up on hopeless matrices", () => {
    const a = new Float64Array([1, 1, 1, 1]);
    expect(choleskyWithJitter(a, 2, { initialJitter: 1e-3 }).jitter).toBeCloseTo(1e-3, 15);
    const indefinite = new Float64Array([1, 0, 0, -1]);
    expect(() => choleskyWithJitter(indefinite, 2, { maxTries: 3 })).toThrow(NotPositiveDefiniteError);
    expect(() => choleskyWithJitter(new Float64Array([Number.NaN, 0, 0, 1]), 2)).toThrow(NotPositiveDefiniteError);
  });
});

describe("cholesky, blocked two rows by four entries at a time", () => {
  /** The textbook row-by-row factorisation, one entry at a time. */
  function choleskyOneByOne(a: Float64Array, n: number): Float64Array {
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = a[i * n + j]!;
        for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
        l[i * n + j] = i === j ? Math.sqrt(sum) : sum / l[j * n + j]!;
      }
    }
    return l;
  }

  it("gives bit for bit the factor of the one-entry-at-a-time loop, whatever n mod 4 and n mod 2", () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 30, 31]) {
      const a = randomSpd(n, 500 + n);
      const blocked = cholesky(a, n);
      const reference = choleskyOneByOne(a, n);
      for (let i = 0; i < n * n; i++) expect(Object.is(blocked[i], reference[i])).toBe(true);
    }
  });
});

describe("choleskyExtend", () => {
  it("grows a factor by rows to bit for bit the factor of the whole matrix, from any row", () => {
    for (const n of [1, 2, 5, 8, 13]) {
      const a = randomSpd(n, 900 + n);
      const whole = cholesky(a, n);
      for (let from = 0; from <= n; from++) {
        const leading = new Float64Array(from * from);
        for (let i = 0; i < from; i++) for (let j = 0; j < from; j++) leading[i * from + j] = a[i * n + j]!;
        const start = cholesky(leading, from);
        const factor = new Float64Array(n * n);
        for (let i = 0; i < from; i++) factor.set(start.subarray(i * from, i * from + from), i * n);
        // Rows before `from` of the input are not read: leave them out.
        const rows = a.slice();
        rows.fill(Number.NaN, 0, from * n);
        expect(choleskyExtend(rows, n, from, factor)).toBe(-1);
        for (let i = 0; i < n * n; i++) expect(Object.is(factor[i], whole[i])).toBe(true);
      }
    }
  });

  it("reports the first failing pivot, on either row of a pair", () => {
    for (const bad of [2, 3]) {
      const n = 5;
      const a = randomSpd(n, 40);
      a[bad * n + bad] = -1;
      expect(choleskyExtend(a, n, 0, new Float64Array(n * n))).toBe(bad);
      expect(() => cholesky(a, n)).toThrow(expect.objectContaining({ pivot: bad }));
    }
  });
});

describe("triangular solves", () => {
  const n = 12;
  const a = randomSpd(n, 3);
  const factor = cholesky(a, n);
  const rng = new Rng(9);
  const b = Float64Array.from({ length: n }, () => rng.normal());

  it("solves L·x = b and Lᵀ·x = b", () => {
    const x = solveLower(factor, n, b);
    expect(maxAbsDifference(matVec(factor, n, n, x), b)).toBeLessThan(1e-12);
    const y = solveLowerTransposed(factor, n, b);
    expect(maxAbsDifference(matVec(transposeSquare(factor, n), n, n, y), b)).toBeLessThan(1e-12);
  });

  it("solves L·x = b from Lᵀ by columns, bit for bit as by rows, also in place", () => {
    const upper = transposeSquare(factor, n);
    const byRows = solveLower(factor, n, b);
    const byColumns = solveLowerFromTransposed(upper, n, b);
    for (let i = 0; i < n; i++) expect(Object.is(byColumns[i], byRows[i])).toBe(true);
    const inPlace = b.slice();
    expect(solveLowerFromTransposed(upper, n, inPlace, inPlace)).toBe(inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(byRows));
  });

  it("gives both blocked solves, four unknowns at a time, bit for bit as one at a time, for every remainder of n by 4", () => {
    /** Lᵀ·x = b one unknown at a time, each entry subtracting its terms from the last row up. */
    const backOneByOne = (l: Float64Array, size: number, rhs: Float64Array): Float64Array => {
      const x = rhs.slice();
      for (let i = size - 1; i >= 0; i--) {
        x[i] = x[i] / l[i * size + i];
        for (let k = 0; k < i; k++) x[k] -= l[i * size + k] * x[i];
      }
      return x;
    };
    for (let size = 1; size <= 11; size++) {
      const l = cholesky(randomSpd(size, 20 + size), size);
      const noise = new Rng(size);
      const rhs = Float64Array.from({ length: size }, () => noise.normal());
      const forward = solveLowerFromTransposed(transposeSquare(l, size), size, rhs);
      const forwardByRows = solveLower(l, size, rhs);
      for (let i = 0; i < size; i++) expect(Object.is(forward[i], forwardByRows[i])).toBe(true);
      const back = solveLowerTransposed(l, size, rhs);
      const backReference = backOneByOne(l, size, rhs);
      for (let i = 0; i < size; i++) expect(Object.is(back[i], backReference[i])).toBe(true);
    }
  });

  it("solves a·x = b and supports in-place use", () => {
    const x = choleskySolve(factor, n, b);
    expect(maxAbsDifference(matVec(a, n, n, x), b)).toBeLessThan(1e-10);
    const inPlace = b.slice();
    choleskySolve(factor, n, inPlace, inPlace);
    expect(maxAbsDifference(inPlace, x)).toBe(0);
    const out = new Float64Array(n);
    expect(solveLower(factor, n, b, out)).toBe(out);
  });
});

describe("choleskyInverse, blocked two rows by four terms at a time", () => {
  /** L⁻¹ by rows, then L⁻ᵀL⁻¹ by rank-one updates, one row at a time. */
  function inverseOneByOne(factor: Float64Array, n: number): Float64Array {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < i; k++) for (let j = 0; j <= k; j++) m[i * n + j] -= factor[i * n + k]! * m[k * n + j]!;
      for (let j = 0; j < i; j++) m[i * n + j] *= 1 / factor[i * n + i]!;
      m[i * n + i] = 1 / factor[i * n + i]!;
    }
    const inverse = new Float64Array(n * n);
    for (let k = 0; k < n; k++) for (let i = 0; i <= k; i++) for (let j = 0; j <= i; j++) inverse[i * n + j] += m[k * n + i]! * m[k * n + j]!;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inverse[j * n + i] = inverse[i * n + j]!;
    return inverse;
  }

  it("gives bit for bit the inverse of the one-row-at-a-time loops, whatever n mod 4 and n mod 2", () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 30, 31]) {
      const factor = cholesky(randomSpd(n, 700 + n), n);
      const blocked = choleskyInverse(factor, n);
      const reference = inverseOneByOne(factor, n);
      for (let i = 0; i < n * n; i++) expect(Object.is(blocked[i], reference[i])).toBe(true);
    }
  });
});

describe("choleskyInverse and logDetFromCholesky", () => {
  it("gives a symmetric inverse with inverse·a ≈ I", () => {
    for (const n of [1, 3, 17, 60]) {
      const a = randomSpd(n, 100 + n, 1);
      const inverse = choleskyInverse(cholesky(a, n), n);
      const product = multiply(inverse, a, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(Math.abs(product[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-9);
          expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
        }
      }
    }
  });

  it("writes into given buffers, reusable across calls, and can leave the upper triangle empty", () => {
    const n = 9;
    const work = new Float64Array(n * n).fill(7);
    const out = new Float64Array(n * n).fill(7);
    for (const seed of [1, 2]) {
      const factor = cholesky(randomSpd(n, seed, 1), n);
      const full = choleskyInverse(factor, n);
      const lower = choleskyInverse(factor, n, { work, out, lowerOnly: true });
      expect(lower).toBe(out);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) expect(lower[i * n + j]).toBe(j <= i ? full[i * n + j] : 0);
      }
    }
    const factorOut = new Float64Array(n * n);
    const a = randomSpd(n, 3, 1);
    expect(choleskyWithJitter(a, n, { out: factorOut }).factor).toBe(factorOut);
    expect(Array.from(factorOut)).toEqual(Array.from(cholesky(a, n)));
    expect(() => choleskyWithJitter(a, n, { out: new Float64Array(3) })).toThrow(RangeError);
  });

  it("matches the determinant of a small matrix and survives huge determinants", () => {
    const factor = cholesky(new Float64Array([4, 2, 2, 3]), 2);
    expect(logDetFromCholesky(factor, 2)).toBeCloseTo(Math.log(8), 14);
    const n = 400;
    const big = new Float64Array(n * n);
    for (let i = 0; i < n; i++) big[i * n + i] = 1e10; // det = 1e4000 overflows
    expect(logDetFromCholesky(cholesky(big, n), n)).toBeCloseTo(n * Math.log(1e10), 8);
  });
});

describe("helpers", () => {
  it("computes dot products and matrix-vector products", () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(dot([1, 2, 3], [4, 5, 6], 2)).toBe(14);
    expect(Array.from(matVec(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3, [1, 0, -1]))).toEqual([-2, -2]);
  });
});
