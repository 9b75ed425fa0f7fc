/**
 * The Matérn-5/2 kernel with one lengthscale per input (automatic relevance determination), and
 * a Hamming-distance term for categorical inputs, in the form the GP model needs: kernel matrices,
 * cross-covariances and the derivatives used by the marginal-likelihood and acquisition gradients.
 *
 * Points are rows of a row-major `Float64Array` (n × d). Numeric inputs live in [0, 1] (see
 * `SpaceEncoder`); a categorical input holds the choice index, and two points differ on it by a
 * squared distance of 1 if the indices differ, 0 otherwise (the "overlap" kernel that Optuna's
 * GPSampler and many SMAC-style models use; it keeps the kernel positive definite because each
 * categorical coordinate acts like a one-hot vector scaled by 1/√2).
 *
 * Matérn-5/2 (Rasmussen & Williams 2006, eq. 4.17), with r² = Σᵢ Δᵢ²/ℓᵢ²:
 *   k(r) = σ² (1 + √5 r + 5r²/3) exp(−√5 r)
 * and, useful because it is finite at r = 0,
 *   dk/d(r²) = −(5/6) σ² (1 + √5 r) exp(−√5 r).
 *
 * @module
 */

const SQRT5 = Math.sqrt(5);

/** Kernel hyperparameters in natural units. */
export interface KernelParameters {
  /** One lengthscale per input dimension, in unit-cube units (or per categorical flip). */
  readonly lengthscales: Float64Array;
  /** σ²: the prior variance of the latent function. */
  readonly signalVariance: number;
  /** The variance of the observation noise, added to the diagonal. */
  readonly noiseVariance: number;
  /**
   * σ²ₐ of the first-order additive component (see {@link additiveCorrelation}); absent or 0: none.
   * The kernel is then σ²·k(r) + σ²ₐ·(1/d)·Σᵢ k(rᵢ), and a point's prior variance σ² + σ²ₐ.
   */
  readonly additiveVariance?: number;
}

/**
 * The first-order additive correlation (1/d)·Σᵢ k(Δᵢ²/ℓᵢ²) between row `a` of `xa` and row `b` of
 * `xb`: the mean over the inputs of one-dimensional Matérn-5/2 correlations with the same
 * lengthscales (a categorical input contributes k(1/ℓᵢ²) when the choices differ, 1 otherwise).
 *
 * This is the first-order term of Duvenaud, Nickisch & Rasmussen (2011), "Additive Gaussian
 * Processes" (NeurIPS), whose order-r terms are the r-th elementary symmetric polynomials of
 * one-dimensional base kernels with shared lengthscales and one variance per order; the model here
 * keeps the first order and the full interaction (the ARD kernel itself). A function that is a sum
 * of one-dimensional parts, such as x ↦ Σᵢ gᵢ(xᵢ), is learnt by the first-order term from far fewer
 * points than by the full kernel, which must see every combination of coordinates.
 *
 * @example
 * additiveCorrelation(x, 0, x, 1, d, inverseSquared(lengthscales), categorical);
 */
export function additiveCorrelation(
  xa: Float64Array,
  a: number,
  xb: Float64Array,
  b: number,
  d: number,
  inverseSquaredLengthscales: Float64Array,
  categorical: Uint8Array,
): number {
  const rowA = a * d;
  const rowB = b * d;
  let sum = 0;
  for (let i = 0; i < d; i++) {
    const delta = xa[rowA + i]! - xb[rowB + i]!;
    const u = categorical[i] ? (delta !== 0 ? inverseSquaredLengthscales[i]! : 0) : delta * delta * inverseSquaredLengthscales[i]!;
    sum += matern52(u);
  }
  return sum / Math.max(1, d);
}

/**
 * Largest √5/ℓᵢ for which {@link additiveExponentials} factors e^{−√5|Δ|/ℓᵢ}: with inputs in [0, 1],
 * e^{±√5·x/ℓ} then stays within e^{±600}, far inside double range, and so do the products.
 */
const MAX_FACTORED_RATE = 600;

/**
 * Exponentials that make the additive component cheap: for each row of `x` and numeric input i with
 * a rate sᵢ = √5/ℓᵢ below {@link MAX_FACTORED_RATE}, `plus` holds e^{sᵢ·xᵢ} and `minus` e^{−sᵢ·xᵢ}, so
 * that e^{−sᵢ|xᵢ − x′ᵢ|} is one product (minus·plus′ when xᵢ ≥ x′ᵢ, plus·minus′ otherwise) instead of
 * an exponential per pair and input. `rates[i]` is sᵢ, or 0 for an input that is categorical or whose
 * rate is too large (its exponentials are computed directly).
 *
 * @example
 * const factors = additiveExponentials(x, n, d, inverseSquared(lengthscales), categorical);
 */
export function additiveExponentials(x: Float64Array, n: number, d: number, inverseSquaredLengthscales: Float64Array, categorical: Uint8Array): { plus: Float64Array; minus: Float64Array; rates: Float64Array } {
  const rates = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const rate = SQRT5 * Math.sqrt(inverseSquaredLengthscales[i]!);
    rates[i] = categorical[i] || !(rate <= MAX_FACTORED_RATE) ? 0 : rate;
  }
  const plus = new Float64Array(n * d);
  const minus = new Float64Array(n * d);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < d; i++) {
      if (rates[i] === 0) continue;
      const t = rates[i]! * x[j * d + i]!;
      plus[j * d + i] = Math.exp(t);
      minus[j * d + i] = Math.exp(-t);
    }
  }
  return { plus, minus, rates };
}

/**
 * The Matérn-5/2 correlation (σ² = 1) at squared scaled distance r².
 *
 * @example
 * matern52(0); // 1
 */
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * d/d(r²) of the Matérn-5/2 correlation, finite everywhere (−5/6 at r = 0).
 *
 * @example
 * matern52DerivativeR2(0); // -0.8333
 */
export function matern52DerivativeR2(r2: number): number {
  const r = Math.sqrt(r2);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/**
 * Squared scaled distance between row `a` of `xa` and row `b` of `xb`.
 *
 * @param inverseSquaredLengthscales 1/ℓᵢ² per dimension.
 * @param categorical whether each dimension is categorical (Hamming distance) or numeric.
 */
export function scaledSquaredDistance(
  xa: Float64Array,
  a: number,
  xb: Float64Array,
  b: number,
  d: number,
  inverseSquaredLengthscales: Float64Array,
  categorical: Uint8Array,
): number {
  const rowA = a * d;
  const rowB = b * d;
  let r2 = 0;
  for (let i = 0; i < d; i++) {
    const delta = xa[rowA + i]! - xb[rowB + i]!;
    if (categorical[i]) {
      if (delta !== 0) r2 += inverseSquaredLengthscales[i]!;
    } else {
      r2 += delta * delta * inverseSquaredLengthscales[i]!;
    }
  }
  return r2;
}

/** 1/ℓᵢ² for every dimension. */
export function inverseSquared(lengthscales: Float64Array): Float64Array {
  const out = new Float64Array(lengthscales.length);
  for (let i = 0; i < lengthscales.length; i++) out[i] = 1 / (lengthscales[i]! * lengthscales[i]!);
  return out;
}

/**
 * The n × n kernel matrix K + σₙ²I of the rows of `x` (symmetric, both triangles filled).
 * Optionally also returns the scaled distances r² of every pair in `r2Out`, which the
 * likelihood gradient reuses.
 *
 * @example
 * const K = kernelMatrix(x, n, d, params, new Uint8Array(d));
 */
export function kernelMatrix(
  x: Float64Array,
  n: number,
  d: number,
  params: KernelParameters,
  categorical: Uint8Array,
  r2Out?: Float64Array,
): Float64Array {
  return kernelRowsOf(x, n, d, params, categorical, 0, true, r2Out);
}

/**
 * Rows `from` … n − 1 of {@link kernelMatrix}'s K + σₙ²I, lower triangle and diagonal only (the
 * rest of the n·n array is left 0): what a Cholesky factor grown by rows reads
 * (`choleskyExtend`). Each entry is the one `kernelMatrix` computes, bit for bit.
 *
 * @example
 * const newRows = kernelMatrixRows(x, n, d, params, categorical, n - 1); // the last observation's row
 */
export function kernelMatrixRows(
  x: Float64Array,
  n: number,
  d: number,
  params: KernelParameters,
  categorical: Uint8Array,
  from: number,
): Float64Array {
  return kernelRowsOf(x, n, d, params, categorical, from, false);
}

/** K + σₙ²I's rows `from` … n − 1 (lower triangle and diagonal), mirrored above the diagonal when `symmetric`; r² likewise into `r2Out`. */
function kernelRowsOf(
  x: Float64Array,
  n: number,
  d: number,
  params: KernelParameters,
  categorical: Uint8Array,
  from: number,
  symmetric: boolean,
  r2Out?: Float64Array,
): Float64Array {
  const inv = inverseSquared(params.lengthscales);
  const sf2 = params.signalVariance;
  const sa2 = params.additiveVariance ?? 0;
  const k = new Float64Array(n * n);
  for (let a = from; a < n; a++) {
    k[a * n + a] = sf2 + sa2 + params.noiseVariance;
    if (r2Out) r2Out[a * n + a] = 0;
    for (let b = 0; b < a; b++) {
      const r2 = scaledSquaredDistance(x, a, x, b, d, inv, categorical);
      const value = sf2 * matern52(r2) + (sa2 > 0 ? sa2 * additiveCorrelation(x, a, x, b, d, inv, categorical) : 0);
      k[a * n + b] = value;
      if (r2Out) r2Out[a * n + b] = r2;
      if (symmetric) {
        k[b * n + a] = value;
        if (r2Out) r2Out[b * n + a] = r2;
      }
    }
  }
  return k;
}

/**
 * The covariances k(point, xⱼ) between one point and the n rows of `x` (no noise term), written
 * to `out`; the scaled squared distances are written to `r2Out` when given, and the correlation's
 * derivatives {@link matern52DerivativeR2} at them to `derivativeOut` (sharing each square root and
 * exponential with the covariance; the same values as calling it).
 *
 * Without categorical inputs, four rows of `x` are measured at a time: each coordinate of the point
 * and each inverse lengthscale is loaded once for four independent sums. Each sum still adds its
 * terms in the order i = 0, 1, …, d − 1, so every r² is bit for bit that of
 * {@link scaledSquaredDistance}.
 *
 * @example
 * const k = crossCovariance(point, x, n, d, inverseSquared(lengthscales), 1, new Uint8Array(d), new Float64Array(n));
 */
export function crossCovariance(
  point: Float64Array,
  x: Float64Array,
  n: number,
  d: number,
  inverseSquaredLengthscales: Float64Array,
  signalVariance: number,
  categorical: Uint8Array,
  out: Float64Array,
  r2Out?: Float64Array,
  derivativeOut?: Float64Array,
): Float64Array {
  let j = 0;
  if (categorical.indexOf(1) < 0) {
    for (; j + 4 <= n; j += 4) {
      squaredDistancesOfFour(point, 0, x, j, d, inverseSquaredLengthscales, four);
      for (let q = 0; q < 4; q++) storeCovariance(out, j + q, four[q]!, signalVariance, r2Out, derivativeOut);
    }
  }
  for (; j < n; j++) storeCovariance(out, j, scaledSquaredDistance(point, 0, x, j, d, inverseSquaredLengthscales, categorical), signalVariance, r2Out, derivativeOut);
  return out;
}

/** Scratch for {@link squaredDistancesOfFour}'s results. */
const four = new Float64Array(4);

/**
 * Σᵢ (aᵢ − x_{r,i})²·wᵢ over the d numeric coordinates, for a point a (d entries of `point` from
 * `offset`) and the four rows r = first … first + 3 of `x`, written to out[0 … 3]. Each coordinate
 * of the point and each weight is loaded once for four independent sums; each sum adds its terms
 * in the order i = 0, 1, …, d − 1, so it is bit for bit the one-row sum (with weights 1, the plain
 * squared distance: a product with 1 is exact).
 *
 * @example
 * squaredDistancesOfFour(point, 0, x, 0, d, inverseSquared(lengthscales), out); // r² to rows 0–3
 */
export function squaredDistancesOfFour(point: Float64Array, offset: number, x: Float64Array, first: number, d: number, weights: Float64Array, out: Float64Array): void {
  const a = first * d;
  const b = a + d;
  const c = b + d;
  const e = c + d;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < d; i++) {
    const p = point[offset + i]!;
    const w = weights[i]!;
    const d0 = p - x[a + i]!;
    const d1 = p - x[b + i]!;
    const d2 = p - x[c + i]!;
    const d3 = p - x[e + i]!;
    s0 += d0 * d0 * w;
    s1 += d1 * d1 * w;
    s2 += d2 * d2 * w;
    s3 += d3 * d3 * w;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** Writes σ²·k(r²) (and r², and dk/d(r²) when asked) at index j, as matern52 and matern52DerivativeR2 compute them. */
function storeCovariance(out: Float64Array, j: number, r2: number, signalVariance: number, r2Out?: Float64Array, derivativeOut?: Float64Array): void {
  if (r2Out) r2Out[j] = r2;
  const r = Math.sqrt(r2);
  const e = Math.exp(-SQRT5 * r);
  out[j] = signalVariance * ((1 + SQRT5 * r + (5 / 3) * r2) * e);
  if (derivativeOut) derivativeOut[j] = (-5 / 6) * (1 + SQRT5 * r) * e;
}
