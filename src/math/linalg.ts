/**
 * Dense linear algebra for Gaussian-process models: Cholesky factorisation (with diagonal jitter
 * for nearly singular kernels), triangular solves, the inverse and log-determinant from a factor.
 *
 * Matrices are square, row-major `Float64Array`s of length n·n: entry (i, j) is `a[i * n + j]`.
 * Symmetric inputs are read from their lower triangle only. Every loop walks rows, so the inner
 * loops are unit-stride, and none allocates.
 *
 * @module
 */

/**
 * Thrown when a matrix that should be symmetric positive definite has a non-positive or
 * non-finite pivot during Cholesky factorisation.
 */
export class NotPositiveDefiniteError extends Error {
  /** Index of the first pivot that failed, or −1 when the input itself was unusable. */
  readonly pivot: number;

  constructor(message: string, pivot = -1) {
    super(message);
    this.name = "NotPositiveDefiniteError";
    this.pivot = pivot;
  }
}

/**
 * Σᵢ aᵢ·bᵢ over the first n entries (default: the length of `a`).
 *
 * @example
 * dot(new Float64Array([1, 2]), new Float64Array([3, 4])); // 11
 */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n: number = a.length): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * y = A·x for a row-major `rows × cols` matrix A.
 *
 * @example
 * matVec(new Float64Array([1, 2, 3, 4]), 2, 2, new Float64Array([1, 1])); // [3, 7]
 */
export function matVec(
  a: Float64Array,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(rows),
): Float64Array {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += a[row + j] * x[j];
    out[i] = sum;
  }
  return out;
}

function assertSquare(a: ArrayLike<number>, n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: n must be a non-negative integer, got ${n}`);
  if (a.length < n * n) throw new RangeError(`${name}: matrix has ${a.length} entries, need ${n * n}`);
}

/**
 * Writes the Cholesky factor of `a` into `factor` (both n·n, may not alias) and returns the
 * index of the first failing pivot, or −1 on success. `shift` is added to the diagonal. Rows
 * before `from` are taken as already done (rows of `a` before it are not read).
 */
function choleskyInto(a: ArrayLike<number>, n: number, shift: number, factor: Float64Array, from = 0): number {
  // Row-by-row (Cholesky–Banachiewicz): entry (i, j) needs the dot product of rows i and j of L
  // up to column j, both contiguous in row-major storage. Row i reads only rows ≤ i of `a` and
  // rows < i of L, which is what lets a factor grow by rows (`choleskyExtend`).
  // Two rows at a time: their entries left of column i need only rows < i of L, so each load of
  // those rows serves both; then row i's pivot, and row i + 1's last two entries. Every entry
  // still subtracts its terms in the order k = 0, 1, …, j − 1 and then divides (finishFourEntries),
  // so the factor is bit for bit that of one row and one entry at a time.
  let i = from;
  for (; i + 2 <= n; i += 2) {
    const rowI = i * n;
    const rowH = rowI + n;
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = a[rowI + j];
      let s1 = a[rowI + j + 1];
      let s2 = a[rowI + j + 2];
      let s3 = a[rowI + j + 3];
      let t0 = a[rowH + j];
      let t1 = a[rowH + j + 1];
      let t2 = a[rowH + j + 2];
      let t3 = a[rowH + j + 3];
      for (let k = 0; k < j; k++) {
        const c0 = factor[r0 + k];
        const c1 = factor[r1 + k];
        const c2 = factor[r2 + k];
        const c3 = factor[r3 + k];
        const lik = factor[rowI + k];
        const lhk = factor[rowH + k];
        s0 -= lik * c0;
        s1 -= lik * c1;
        s2 -= lik * c2;
        s3 -= lik * c3;
        t0 -= lhk * c0;
        t1 -= lhk * c1;
        t2 -= lhk * c2;
        t3 -= lhk * c3;
      }
      finishFourEntries(factor, n, rowI, j, s0, s1, s2, s3);
      finishFourEntries(factor, n, rowH, j, t0, t1, t2, t3);
    }
    for (; j < i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      let other = a[rowH + j];
      for (let k = 0; k < j; k++) {
        const c = factor[rowJ + k];
        sum -= factor[rowI + k] * c;
        other -= factor[rowH + k] * c;
      }
      factor[rowI + j] = sum / factor[rowJ + j];
      factor[rowH + j] = other / factor[rowJ + j];
    }
    if (!finishCholeskyRow(a, n, shift, factor, i)) return i;
    let sum = a[rowH + i];
    for (let k = 0; k < i; k++) sum -= factor[rowH + k] * factor[rowI + k];
    factor[rowH + i] = sum / factor[rowI + i];
    if (!finishCholeskyRow(a, n, shift, factor, i + 1)) return i + 1;
  }
  if (i < n) {
    const rowI = i * n;
    for (let j = 0; j < i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= factor[rowI + k] * factor[rowJ + k];
      factor[rowI + j] = sum / factor[rowJ + j];
    }
    if (!finishCholeskyRow(a, n, shift, factor, i)) return i;
  }
  return -1;
}

/**
 * Entries j … j + 3 of the factor's row starting at `row`, given each one's sum over the columns
 * before j (s0 … s3): the block's own columns are subtracted in order, then each is divided by its
 * pivot.
 */
function finishFourEntries(factor: Float64Array, n: number, row: number, j: number, s0: number, s1: number, s2: number, s3: number): void {
  const r0 = j * n;
  const r1 = r0 + n;
  const r2 = r1 + n;
  const r3 = r2 + n;
  const l0 = s0 / factor[r0 + j];
  s1 -= l0 * factor[r1 + j];
  s2 -= l0 * factor[r2 + j];
  s3 -= l0 * factor[r3 + j];
  const l1 = s1 / factor[r1 + j + 1];
  s2 -= l1 * factor[r2 + j + 1];
  s3 -= l1 * factor[r3 + j + 1];
  const l2 = s2 / factor[r2 + j + 2];
  s3 -= l2 * factor[r3 + j + 2];
  factor[row + j] = l0;
  factor[row + j + 1] = l1;
  factor[row + j + 2] = l2;
  factor[row + j + 3] = s3 / factor[r3 + j + 3];
}

/** Row i's pivot from its entries left of the diagonal, and zeros right of it; false if the pivot fails. */
function finishCholeskyRow(a: ArrayLike<number>, n: number, shift: number, factor: Float64Array, i: number): boolean {
  const rowI = i * n;
  let pivot = a[rowI + i] + shift;
  for (let k = 0; k < i; k++) {
    const v = factor[rowI + k];
    pivot -= v * v;
  }
  // `!(pivot > 0)` also rejects NaN, and the finiteness check catches ±Infinity entries that
  // would otherwise turn into NaN further down.
  if (!(pivot > 0) || pivot === Number.POSITIVE_INFINITY) return false;
  factor[rowI + i] = Math.sqrt(pivot);
  for (let j = i + 1; j < n; j++) factor[rowI + j] = 0;
  return true;
}

/**
 * Cholesky factorisation a = L·Lᵀ of a symmetric positive-definite matrix.
 *
 * Only the lower triangle of `a` is read. Returns L as a new row-major n·n array whose strict
 * upper triangle is zero.
 *
 * @throws {NotPositiveDefiniteError} if a pivot is ≤ 0 or not finite (including NaN entries).
 * @example
 * const L = cholesky(new Float64Array([4, 2, 2, 3]), 2); // [2, 0, 1, √2]
 */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  assertSquare(a, n, "cholesky");
  const factor = new Float64Array(n * n);
  const failed = choleskyInto(a, n, 0, factor);
  if (failed >= 0) {
    throw new NotPositiveDefiniteError(`matrix is not positive definite (pivot ${failed})`, failed);
  }
  return factor;
}

/**
 * Grows a Cholesky factor by rows: `factor` (n·n) holds in its first `from` rows the factor of the
 * leading from × from block of `a`, and the rest is computed in place from rows `from` … n − 1 of
 * `a` (only their lower triangle is read). O(n²·(n − from)) instead of O(n³): a GP that gains one
 * observation under the same kernel needs one new row. The rows are those {@link cholesky} of the
 * whole matrix would compute, bit for bit. Returns the index of the first failing pivot, or −1.
 *
 * @example
 * const factor = new Float64Array(9);
 * factor.set(cholesky(leading, 2).subarray(0, 2), 0); // row 0 (stride 3 now)
 * factor.set(cholesky(leading, 2).subarray(2, 4), 3); // row 1
 * choleskyExtend(a, 3, 2, factor); // -1: factor is now cholesky(a, 3)
 */
export function choleskyExtend(a: ArrayLike<number>, n: number, from: number, factor: Float64Array): number {
  assertSquare(a, n, "choleskyExtend");
  if (!Number.isInteger(from) || from < 0 || from > n) throw new RangeError(`choleskyExtend: from must be an integer in [0, ${n}], got ${from}`);
  if (factor.length < n * n || factor === a) throw new RangeError("choleskyExtend: factor must hold n·n entries and must not be the input");
  return choleskyInto(a, n, 0, factor, from);
}

/** Options for {@link choleskyWithJitter}. */
export interface CholeskyJitterOptions {
  /** First jitter, relative to the mean diagonal entry. Default 1e-10. */
  initialJitter?: number;
  /** How many jittered attempts after the plain one; the jitter grows ×10 each time. Default 10. */
  maxTries?: number;
  /** Where to write the factor (n·n, not aliasing `a`); a new array by default. Lets a caller that factorises many matrices of one size reuse one buffer. */
  out?: Float64Array;
}

/**
 * Cholesky factorisation that retries with a growing diagonal "jitter" (nugget) when the matrix is
 * numerically singular, as GP kernel matrices with near-duplicate inputs are.
 *
 * Tries `a` as is, then a + τ·I with τ = initialJitter·mean(diag a), multiplying τ by 10 on each of
 * up to `maxTries` further attempts (Rasmussen & Williams 2006, "Gaussian Processes for Machine
 * Learning", §3.4.3 and appendix A.4, recommend such a small diagonal term). `jitter` in the result is
 * the absolute amount τ that was added (0 if none was needed).
 *
 * @throws {NotPositiveDefiniteError} if every attempt fails or the diagonal is not finite.
 * @example
 * const { factor, jitter } = choleskyWithJitter(new Float64Array([1, 1, 1, 1]), 2);
 * // jitter ≈ 1e-10, factor·factorᵀ ≈ [[1, 1], [1, 1]] + jitter·I
 */
export function choleskyWithJitter(
  a: ArrayLike<number>,
  n: number,
  options: CholeskyJitterOptions = {},
): { factor: Float64Array; jitter: number } {
  assertSquare(a, n, "choleskyWithJitter");
  const initialJitter = options.initialJitter ?? 1e-10;
  const maxTries = options.maxTries ?? 10;
  const factor = options.out ?? new Float64Array(n * n);
  if (factor.length < n * n || factor === a) throw new RangeError("choleskyWithJitter: out must hold n·n entries and must not be the input");
  if (choleskyInto(a, n, 0, factor) < 0) return { factor, jitter: 0 };

  let diagonalSum = 0;
  for (let i = 0; i < n; i++) diagonalSum += a[i * n + i];
  if (!Number.isFinite(diagonalSum)) {
    throw new NotPositiveDefiniteError("matrix diagonal is not finite");
  }
  // A zero or negative mean diagonal has no natural scale; fall back to an absolute jitter so
  // that, e.g., an all-zero matrix still gets a usable (if tiny) factor.
  const meanDiagonal = n > 0 ? diagonalSum / n : 0;
  const scale = meanDiagonal > 0 ? meanDiagonal : 1;
  let jitter = initialJitter * scale;
  for (let attempt = 0; attempt < maxTries; attempt++) {
    if (choleskyInto(a, n, jitter, factor) < 0) return { factor, jitter };
    jitter *= 10;
  }
  throw new NotPositiveDefiniteError(
    `matrix is not positive definite even with jitter ${jitter / 10} added to the diagonal`,
  );
}

/**
 * Forward substitution: solves L·x = b for lower-triangular L.
 *
 * `out` may be `b` itself (the solve is then in place).
 *
 * @example
 * solveLower(cholesky(a, n), n, b); // L⁻¹b, the "whitened" b used in GP likelihoods
 */
export function solveLower(
  factor: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= factor[row + k] * out[k];
    out[i] = sum / factor[row + i];
  }
  return out;
}

/**
 * Forward substitution L·x = b from the transpose U = Lᵀ (row-major, upper triangular), column by
 * column: once xₖ is known, its multiple of column k of L (row k of U, contiguous) leaves every
 * later right-hand side. Each xᵢ subtracts its terms in the order k = 0, 1, …, i − 1 and then
 * divides, exactly as {@link solveLower} does, so the result is bit for bit the same; but the
 * updates are independent of one another instead of one chain of dependent additions, which runs
 * several times faster. `out` may be `b` itself.
 *
 * @example
 * const upper = transposeSquare(L, n);
 * solveLowerFromTransposed(upper, n, b); // equals solveLower(L, n, b)
 */
export function solveLowerFromTransposed(
  upper: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i];
  // Four unknowns at a time: each later right-hand side is read and written once per four
  // updates instead of once per one. It still subtracts its terms in the order k = 0, 1, …
  // (the block's own rows in order), so the result is bit for bit that of one column at a time.
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const r0 = k * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const x0 = out[k] / upper[r0 + k];
    const x1 = (out[k + 1] - upper[r0 + k + 1] * x0) / upper[r1 + k + 1];
    const x2 = (out[k + 2] - upper[r0 + k + 2] * x0 - upper[r1 + k + 2] * x1) / upper[r2 + k + 2];
    const x3 = (out[k + 3] - upper[r0 + k + 3] * x0 - upper[r1 + k + 3] * x1 - upper[r2 + k + 3] * x2) / upper[r3 + k + 3];
    out[k] = x0;
    out[k + 1] = x1;
    out[k + 2] = x2;
    out[k + 3] = x3;
    for (let i = k + 4; i < n; i++) out[i] = out[i] - upper[r0 + i] * x0 - upper[r1 + i] * x1 - upper[r2 + i] * x2 - upper[r3 + i] * x3;
  }
  for (; k < n; k++) {
    const row = k * n;
    const xk = out[k] / upper[row + k];
    out[k] = xk;
    for (let i = k + 1; i < n; i++) out[i] -= upper[row + i] * xk;
  }
  return out;
}

/**
 * The transpose of a row-major n × n matrix, as a new array.
 *
 * @example
 * transposeSquare(new Float64Array([1, 2, 3, 4]), 2); // [1, 3, 2, 4]
 */
export function transposeSquare(a: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j];
  return out;
}

/**
 * Back substitution with the transpose: solves Lᵀ·x = b for lower-triangular L.
 *
 * `out` may be `b` itself.
 */
export function solveLowerTransposed(
  factor: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i];
  // Column-oriented: once xᵢ is known, subtract its contribution (row i of L, contiguous) from
  // the remaining right-hand side instead of reading L by columns. Four unknowns at a time, as in
  // solveLowerFromTransposed: every entry still subtracts its terms in the order i = n − 1, n − 2, …
  let i = n - 1;
  for (; i >= 3; i -= 4) {
    const r0 = i * n;
    const r1 = r0 - n;
    const r2 = r1 - n;
    const r3 = r2 - n;
    const x0 = out[i] / factor[r0 + i];
    const x1 = (out[i - 1] - factor[r0 + i - 1] * x0) / factor[r1 + i - 1];
    const x2 = (out[i - 2] - factor[r0 + i - 2] * x0 - factor[r1 + i - 2] * x1) / factor[r2 + i - 2];
    const x3 = (out[i - 3] - factor[r0 + i - 3] * x0 - factor[r1 + i - 3] * x1 - factor[r2 + i - 3] * x2) / factor[r3 + i - 3];
    out[i] = x0;
    out[i - 1] = x1;
    out[i - 2] = x2;
    out[i - 3] = x3;
    const end = i - 3;
    for (let k = 0; k < end; k++) out[k] = out[k] - factor[r0 + k] * x0 - factor[r1 + k] * x1 - factor[r2 + k] * x2 - factor[r3 + k] * x3;
  }
  for (; i >= 0; i--) {
    const row = i * n;
    const xi = out[i] / factor[row + i];
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] -= factor[row + k] * xi;
  }
  return out;
}

/**
 * Solves a·x = b given the Cholesky factor L of a (a = L·Lᵀ). `out` may be `b` itself.
 *
 * @example
 * const alpha = choleskySolve(L, n, y); // K⁻¹y, the GP posterior-mean weights
 */
export function choleskySolve(
  factor: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  solveLower(factor, n, b, out);
  return solveLowerTransposed(factor, n, out, out);
}

/** Optional buffers for {@link choleskyInverse}, for callers that invert many matrices of one size. */
export interface CholeskyInverseBuffers {
  /** n·n scratch for L⁻¹. */
  work?: Float64Array;
  /** n·n output. */
  out?: Float64Array;
  /** Fill only the lower triangle (and diagonal) of the output; the strict upper triangle is left as zeros. */
  lowerOnly?: boolean;
}

/**
 * The inverse a⁻¹ = L⁻ᵀ·L⁻¹ of a symmetric positive-definite matrix from its Cholesky factor L,
 * as a full (symmetric) row-major n·n array.
 *
 * Used for the gradient of the GP log marginal likelihood, ½·tr((ααᵀ − K⁻¹)·∂K/∂θ)
 * (Rasmussen & Williams 2006, eq. 5.9). About 2n³/3 flops.
 */
export function choleskyInverse(factor: Float64Array, n: number, buffers: CholeskyInverseBuffers = {}): Float64Array {
  // Both steps build two rows of the result at a time, each from four source rows at a time: every
  // source entry loaded serves two rows, and every result entry is read and written once per four
  // multiply-adds. Each entry still receives its terms in increasing k, one rounding per term, so
  // the result is bit for bit that of one row and one term at a time.
  // Step 1: M = L⁻¹ (lower triangular), built row by row from Mᵢ = (eᵢ − Σ_{k<i} Lᵢₖ·Mₖ)/Lᵢᵢ.
  const m = buffers.work ?? new Float64Array(n * n);
  if (buffers.work) m.fill(0, 0, n * n);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const rowI = i * n;
    const rowH = rowI + n;
    let k = 0;
    for (; k + 4 <= i; k += 4) {
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      const l0 = factor[rowI + k];
      const l1 = factor[rowI + k + 1];
      const l2 = factor[rowI + k + 2];
      const l3 = factor[rowI + k + 3];
      const h0 = factor[rowH + k];
      const h1 = factor[rowH + k + 1];
      const h2 = factor[rowH + k + 2];
      const h3 = factor[rowH + k + 3];
      for (let j = 0; j <= k; j++) {
        const a0 = m[r0 + j];
        const a1 = m[r1 + j];
        const a2 = m[r2 + j];
        const a3 = m[r3 + j];
        m[rowI + j] = m[rowI + j] - l0 * a0 - l1 * a1 - l2 * a2 - l3 * a3;
        m[rowH + j] = m[rowH + j] - h0 * a0 - h1 * a1 - h2 * a2 - h3 * a3;
      }
      // Row k + q of M ends at column k + q: the triangle's corner takes fewer terms.
      m[rowI + k + 1] = m[rowI + k + 1] - l1 * m[r1 + k + 1] - l2 * m[r2 + k + 1] - l3 * m[r3 + k + 1];
      m[rowI + k + 2] = m[rowI + k + 2] - l2 * m[r2 + k + 2] - l3 * m[r3 + k + 2];
      m[rowI + k + 3] = m[rowI + k + 3] - l3 * m[r3 + k + 3];
      m[rowH + k + 1] = m[rowH + k + 1] - h1 * m[r1 + k + 1] - h2 * m[r2 + k + 1] - h3 * m[r3 + k + 1];
      m[rowH + k + 2] = m[rowH + k + 2] - h2 * m[r2 + k + 2] - h3 * m[r3 + k + 2];
      m[rowH + k + 3] = m[rowH + k + 3] - h3 * m[r3 + k + 3];
    }
    for (; k < i; k++) {
      const lik = factor[rowI + k];
      const hik = factor[rowH + k];
      const rowK = k * n;
      for (let j = 0; j <= k; j++) {
        const a = m[rowK + j];
        m[rowI + j] -= lik * a;
        m[rowH + j] -= hik * a;
      }
    }
    finishInverseRow(factor, n, m, i);
    // Row i + 1 has one more term, from row i of M, now final.
    const hii = factor[rowH + i];
    for (let j = 0; j <= i; j++) m[rowH + j] -= hii * m[rowI + j];
    finishInverseRow(factor, n, m, i + 1);
  }
  if (i < n) {
    const rowI = i * n;
    for (let k = 0; k < i; k++) {
      const lik = factor[rowI + k];
      const rowK = k * n;
      for (let j = 0; j <= k; j++) m[rowI + j] -= lik * m[rowK + j];
    }
    finishInverseRow(factor, n, m, i);
  }
  // Step 2: a⁻¹ = MᵀM, entry (i, j ≤ i) = Σ_{k≥i} Mₖᵢ·Mₖⱼ, accumulated over rows k of M; row i + 1
  // of the result starts one row of M later than row i.
  const inverse = buffers.out ?? new Float64Array(n * n);
  if (buffers.out) inverse.fill(0, 0, n * n);
  for (i = 0; i + 2 <= n; i += 2) {
    const rowI = i * n;
    const rowH = rowI + n;
    const own = m[rowI + i];
    for (let j = 0; j <= i; j++) inverse[rowI + j] += own * m[rowI + j];
    let k = i + 1;
    for (; k + 4 <= n; k += 4) {
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      const a0 = m[r0 + i];
      const a1 = m[r1 + i];
      const a2 = m[r2 + i];
      const a3 = m[r3 + i];
      const b0 = m[r0 + i + 1];
      const b1 = m[r1 + i + 1];
      const b2 = m[r2 + i + 1];
      const b3 = m[r3 + i + 1];
      for (let j = 0; j <= i; j++) {
        const c0 = m[r0 + j];
        const c1 = m[r1 + j];
        const c2 = m[r2 + j];
        const c3 = m[r3 + j];
        inverse[rowI + j] = inverse[rowI + j] + a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3;
        inverse[rowH + j] = inverse[rowH + j] + b0 * c0 + b1 * c1 + b2 * c2 + b3 * c3;
      }
      inverse[rowH + i + 1] = inverse[rowH + i + 1] + b0 * b0 + b1 * b1 + b2 * b2 + b3 * b3;
    }
    for (; k < n; k++) {
      const rowK = k * n;
      const a = m[rowK + i];
      const b = m[rowK + i + 1];
      for (let j = 0; j <= i; j++) {
        const c = m[rowK + j];
        inverse[rowI + j] += a * c;
        inverse[rowH + j] += b * c;
      }
      inverse[rowH + i + 1] += b * b;
    }
  }
  if (i < n) {
    const rowI = i * n;
    for (let k = i; k < n; k++) {
      const rowK = k * n;
      const aki = m[rowK + i];
      for (let j = 0; j <= i; j++) inverse[rowI + j] += aki * m[rowK + j];
    }
  }
  if (buffers.lowerOnly) return inverse;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) inverse[j * n + i] = inverse[i * n + j];
  }
  return inverse;
}

/** Row i of L⁻¹ once every term is in: divided by the pivot (as a multiplication by its reciprocal). */
function finishInverseRow(factor: Float64Array, n: number, m: Float64Array, i: number): void {
  const rowI = i * n;
  const scale = 1 / factor[rowI + i];
  for (let j = 0; j < i; j++) m[rowI + j] *= scale;
  m[rowI + i] = scale;
}

/**
 * log det a = 2·Σᵢ log Lᵢᵢ from the Cholesky factor of a; never overflows even when det a would.
 */
export function logDetFromCholesky(factor: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.log(factor[i * n + i]);
  return 2 * sum;
}
