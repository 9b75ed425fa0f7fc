/**
 * Eigen-decomposition of real symmetric matrices by the cyclic Jacobi method (Jacobi 1846; see
 * Golub & Van Loan, "Matrix Computations", §8.5, and Rutishauser's threshold strategy). It is
 * slower than Householder tridiagonalisation + QL for large n, but it is short, unconditionally
 * stable and accurate to working precision even for tiny eigenvalues, which is what CMA-ES needs
 * for its covariance matrices (n rarely above a few dozen).
 */

/** The result of {@link symmetricEigen}. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /**
   * Orthonormal eigenvectors, row-major n × n: column j (`vectors[i * n + j]` for i = 0…n-1) is
   * the eigenvector of `values[j]`.
   */
  readonly vectors: Float64Array;
  /** Jacobi sweeps used (for diagnostics). */
  readonly sweeps: number;
}

/**
 * Eigenvalues and orthonormal eigenvectors of a real symmetric n × n matrix given row-major. Only
 * the matrix's symmetric part is used (the mean of a and aᵀ), so slightly asymmetric input from
 * rounding is harmless. Throws on non-finite entries.
 *
 * @example
 * const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
 * // values ≈ [1, 3]; vectors columns ≈ [1, -1]/√2 and [1, 1]/√2
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen {
  if (a.length < n * n) throw new RangeError(`symmetricEigen: expected ${n * n} entries, got ${a.length}`);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const value = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      if (!Number.isFinite(value)) throw new RangeError(`symmetricEigen: entry (${i}, ${j}) is not finite`);
      m[i * n + j] = value;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let offNorm = 0;
    let diagNorm = 0;
    for (let i = 0; i < n; i++) {
      diagNorm += m[i * n + i]! * m[i * n + i]!;
      for (let j = i + 1; j < n; j++) offNorm += m[i * n + j]! * m[i * n + j]!;
    }
    // Relative test: converged once the off-diagonal mass is negligible next to the diagonal.
    if (offNorm === 0 || offNorm <= 1e-30 * diagNorm) break;
    // Rutishauser: in the first sweeps skip rotations of already-small entries, which saves work
    // without changing the fixed point.
    const threshold = sweeps < 3 ? (0.2 * Math.sqrt(offNorm)) / (n * n) : 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0 || Math.abs(apq) < threshold) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // Choose the smaller rotation angle (|t| ≤ 1) for stability.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(m, v, n, p, q, c, s, t, apq);
      }
    }
  }

  const order = [...Array(n).keys()].sort((i, j) => m[i * n + i]! - m[j * n + j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = order[k]!;
    values[k] = m[src * n + src]!;
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src]!;
  }
  return { values, vectors, sweeps };
}

/** Applies the Jacobi rotation J(p, q, θ) as m ← Jᵀ m J (zeroing m[p][q]) and v ← v J. */
function rotate(m: Float64Array, v: Float64Array, n: number, p: number, q: number, c: number, s: number, t: number, apq: number): void {
  const tau = s / (1 + c);
  m[p * n + p] = m[p * n + p]! - t * apq;
  m[q * n + q] = m[q * n + q]! + t * apq;
  m[p * n + q] = 0;
  m[q * n + p] = 0;
  for (let r = 0; r < n; r++) {
    if (r === p || r === q) continue;
    const arp = m[r * n + p]!;
    const arq = m[r * n + q]!;
    const newRp = arp - s * (arq + tau * arp);
    const newRq = arq + s * (arp - tau * arq);
    m[r * n + p] = newRp;
    m[p * n + r] = newRp;
    m[r * n + q] = newRq;
    m[q * n + r] = newRq;
  }
  for (let r = 0; r < n; r++) {
    const vrp = v[r * n + p]!;
    const vrq = v[r * n + q]!;
    v[r * n + p] = vrp - s * (vrq + tau * vrp);
    v[r * n + q] = vrq + s * (vrp - tau * vrq);
  }
}
