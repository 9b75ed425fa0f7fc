/**
 * Parzen estimators of the Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio and Kégl
 * 2011, "Algorithms for Hyper-Parameter Optimization", NeurIPS), with the kernel choices that
 * Watanabe (2023, "Tree-Structured Parzen Estimator: Understanding Its Algorithm Components and
 * Their Roles for Better Empirical Performance") analyses and Optuna 3.1 uses by default:
 *
 * - numeric kernels are Gaussians truncated to the search range, in the unit interval of the
 *   working scale; grids (ints, stepped floats) are scored by the mass of their cell;
 * - one extra "prior" component, centred in the range with the whole range as bandwidth, weighted
 *   by `priorWeight`;
 * - univariate bandwidths from the distance to the neighbouring observations (Bergstra's rule),
 *   clipped below at 1 / min(100, components + 1) ("magic clip");
 * - multivariate bandwidths from Scott's rule as in BOHB: 0.2 · n^(−1/(d+4)) of the range;
 * - categorical kernels put weight priorWeight / (n + 1) on every choice plus 1 on the observed one.
 *
 * With `densityJacobian: false` (the Optuna preset) a continuous kernel is scored as φ(z)/Z,
 * without the 1/σ Jacobian, so each kernel's mixture weight is in effect proportional to its
 * bandwidth; with Watanabe's (2023) per-dimension neighbour bandwidths the true density
 * (`densityJacobian: true`, the default) measured clearly better. Grid cells are scored by their
 * exact kernel mass, as in Optuna. Watanabe's options (bandwidth floor max(Δ, (1 + n)^−α), a ceiling,
 * neighbour bandwidths in the multivariate kernel) are in {@link ParzenOptions}.
 *
 * Everything lives in preallocated Float64Arrays that grow but are never reallocated per call, and
 * densities are sums restricted to the components that can matter: a component whose term is
 * below e^-40 of a term already known (the largest "wide" component) cannot change a double sum,
 * so it is skipped without computing its exponential. Internal to the TPE sampler.
 */
import type { Rng } from "../../math/rng.js";
import { type Dimension, snapCoordinate } from "./dimension.js";
import { normalCdf } from "../../math/special.js";
import { logGaussMass, truncatedStandardNormal, truncatedStandardNormalGiven } from "./truncnorm.js";

const HALF_LOG_2PI = 0.9189385332046727;
/** Terms this far (in log) below a known term change the sum by less than 2.3e-16 each. */
const NEGLIGIBLE = 36;
/** Beyond this many standard deviations inside the range, truncation changes log Z by < 1e-16. */
const NO_TRUNCATION = 8.5;
const MIN_SIGMA_WITHOUT_CLIP = 1e-12;

export interface ParzenOptions {
  readonly priorWeight: number;
  readonly considerMagicClip: boolean;
  readonly considerEndpoints: boolean;
  /**
   * Exponent α of the magic clip: the floor is max(minBandwidthFactor, (1 + n)^−α) for n components
   * (the prior included), so that α = 1 is Optuna's clip.
   * `null` is Optuna's floor, 1 / min(100, n + 1).
   */
  readonly magicClipExponent: number | null;
  /** Bandwidth floor Δ as a fraction of the range, applied with or without the magic clip. */
  readonly minBandwidthFactor: number;
  /** Bandwidth ceiling as a fraction of the range (Optuna 1, Watanabe 0.5). */
  readonly maxBandwidthFactor: number;
  /** Score continuous kernels as true densities, with their 1/σ factor. */
  readonly densityJacobian: boolean;
  /** Multivariate bandwidths: Scott's rule of Optuna/BOHB, or Bergstra's per-dimension neighbour gaps. */
  readonly multivariateBandwidth: "scott" | "neighbour";
  /**
   * Numeric kernels are this many times wider when candidates are drawn than when l(x) and g(x)
   * score them: BOHB's `bandwidth_factor` (Falkner et al. 2018, §4.2; 3 there). Default 1.
   */
  readonly samplingBandwidthFactor?: number;
}

/**
 * The smallest bandwidth allowed for a mixture of `n` components (prior included), as a fraction
 * of the range: the magic clip 1/(1 + n), which Optuna 3.1 caps at 1/100, or with an exponent α
 * (Watanabe 2023) max(Δ, (1 + n)^−α), as the paper's reproduction code computes it
 * (optunahub-registry, samplers/tpe_tutorial, `_clip_bandwidth`: (1 + N + prior)^−α), so that
 * α = 1 is Optuna's clip without its cap.
 */
export function bandwidthFloor(options: ParzenOptions, n: number): number {
  let floor = options.minBandwidthFactor > MIN_SIGMA_WITHOUT_CLIP ? options.minBandwidthFactor : MIN_SIGMA_WITHOUT_CLIP;
  if (options.considerMagicClip) {
    const magic = options.magicClipExponent === null ? 1 / Math.min(100, 1 + n) : Math.pow(1 + n, -options.magicClipExponent);
    if (magic > floor) floor = magic;
  }
  return floor;
}

/**
 * Bergstra's neighbour bandwidths of one kernel set in one numeric dimension, computed in a single
 * pass over centres given in ascending order (ties by trial number), so that a sampler can read
 * them off a column it keeps sorted instead of sorting each set again. The prior's centre (0.5,
 * after its ties) and, with `considerEndpoints`, the range ends count as neighbours; bandwidths
 * are clipped to [floor, ceiling] for a mixture of `count` observations plus the prior. Gives
 * exactly what {@link MultivariateParzen} computes by sorting.
 *
 * @example
 * const walk = new NeighbourWalk();
 * walk.start(out, 0, 1, 2, options); // dimension 0 of 1, two observations
 * walk.visit(0.2, 1); walk.visit(0.7, 0); walk.finish(); // out[1], out[0] now hold their bandwidths
 */
export class NeighbourWalk {
  private out: Float64Array = new Float64Array(0);
  private dimension = 0;
  private stride = 1;
  private minSigma = 0;
  private maxSigma = 1;
  private endpoints = false;
  private seen = 0;
  private priorPlaced = false;
  private previousValue = 0;
  private previousPosition = -1;
  private previousLeft = 0;

  /** Starts dimension `dimension` of rows of `stride` bandwidths in `out`, for `count` observations. */
  start(out: Float64Array, dimension: number, stride: number, count: number, options: ParzenOptions): void {
    this.out = out;
    this.dimension = dimension;
    this.stride = stride;
    this.minSigma = bandwidthFloor(options, count + 1);
    this.maxSigma = options.maxBandwidthFactor > this.minSigma ? options.maxBandwidthFactor : this.minSigma;
    this.endpoints = options.considerEndpoints;
    this.seen = 0;
    this.priorPlaced = false;
  }

  /** The next centre in ascending order, and the observation's position (row of `out`). */
  visit(value: number, position: number): void {
    if (!this.priorPlaced && value > 0.5) {
      this.priorPlaced = true;
      this.push(0.5, -1);
    }
    this.push(value, position);
  }

  /** Settles the last centres; every visited position then has its bandwidth. */
  finish(): void {
    if (!this.priorPlaced) {
      this.priorPlaced = true;
      this.push(0.5, -1);
    }
    const right = this.endpoints ? 1 - this.previousValue : 0;
    const left = this.seen === 1 && !this.endpoints ? right : this.previousLeft;
    this.settle(left, this.endpoints ? right : left);
  }

  private push(value: number, position: number): void {
    if (this.seen > 0) {
      const gap = value - this.previousValue;
      this.settle(this.seen === 1 && !this.endpoints ? gap : this.previousLeft, gap);
      this.previousLeft = gap;
    } else {
      this.previousLeft = this.endpoints ? value : 0;
    }
    this.previousValue = value;
    this.previousPosition = position;
    this.seen++;
  }

  private settle(left: number, right: number): void {
    if (this.previousPosition < 0) return;
    let sigma = left > right ? left : right;
    sigma = sigma < this.minSigma ? this.minSigma : sigma > this.maxSigma ? this.maxSigma : sigma;
    this.out[this.previousPosition * this.stride + this.dimension] = sigma;
  }
}

/**
 * Bergstra's neighbour bandwidths of `count` observations (row-major, one row per observation)
 * into `out` (same layout), clipped to [minSigma, maxSigma], the prior's centre 0.5 counting as a
 * neighbour; categorical dimensions are left untouched. `order` and `values` are scratch of at
 * least `count + 1` entries.
 */
function neighbourBandwidthsInto(
  out: Float64Array,
  dimensions: readonly Dimension[],
  observations: Float64Array,
  count: number,
  options: ParzenOptions,
  minSigma: number,
  maxSigma: number,
  order: Int32Array = new Int32Array(count + 1),
  values: Float64Array = new Float64Array(count + 1),
): void {
  const d = dimensions.length;
  for (let k = 0; k < d; k++) {
    if (dimensions[k]!.kind === "categorical") continue;
    for (let j = 0; j < count; j++) values[j] = observations[j * d + k]!;
    values[count] = 0.5;
    for (let j = 0; j <= count; j++) order[j] = j;
    order.subarray(0, count + 1).sort((a, b) => values[a]! - values[b]! || a - b);
    const n = count + 1;
    for (let p = 0; p < n; p++) {
      const here = values[order[p]!]!;
      let left = p === 0 ? (options.considerEndpoints ? here : 0) : here - values[order[p - 1]!]!;
      let right = p === n - 1 ? (options.considerEndpoints ? 1 - here : 0) : values[order[p + 1]!]! - here;
      if (p === 0 && !options.considerEndpoints) left = right;
      if (p === n - 1 && !options.considerEndpoints) right = left;
      let sigma = left > right ? left : right;
      sigma = sigma < minSigma ? minSigma : sigma > maxSigma ? maxSigma : sigma;
      if (order[p]! < count) out[order[p]! * d + k] = sigma;
    }
  }
}

/**
 * The neighbour bandwidths {@link MultivariateParzen.build} would give `count` observations
 * (floor and ceiling for `count` observations plus the prior), as a new row-major array.
 *
 * @example
 * neighbourBandwidths(dimensions, Float64Array.from([0.2, 0.7]), 2, options); // one bandwidth per observation
 */
export function neighbourBandwidths(dimensions: readonly Dimension[], observations: Float64Array, count: number, options: ParzenOptions): Float64Array {
  const minSigma = bandwidthFloor(options, count + 1);
  const maxSigma = options.maxBandwidthFactor > minSigma ? options.maxBandwidthFactor : minSigma;
  const out = new Float64Array(count * dimensions.length);
  neighbourBandwidthsInto(out, dimensions, observations, count, options, minSigma, maxSigma);
  return out;
}

function grow(array: Float64Array, size: number): Float64Array<ArrayBuffer> {
  if (array.length >= size) return array as Float64Array<ArrayBuffer>;
  return new Float64Array(Math.max(size, array.length * 2));
}

function growInt(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  if (array.length >= size) return array as Int32Array<ArrayBuffer>;
  return new Int32Array(Math.max(size, array.length * 2));
}

/** Checks user-supplied weights the way Optuna does: finite, non-negative, not all zero. */
export function checkWeights(weights: ArrayLike<number>, count: number): void {
  if (weights.length < count) {
    throw new RangeError(`the weights function returned ${weights.length} weights for ${count} observations`);
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w)) throw new RangeError(`the weights function returned a non-finite weight (${w}) for ${count} observations`);
    if (w < 0) throw new RangeError(`the weights function returned a negative weight (${w}) for ${count} observations`);
    total += w;
  }
  if (count > 0 && total <= 0) throw new RangeError(`the weights function returned only zeros for ${count} observations`);
}

function logTruncation(mu: number, sigma: number): number {
  const a = (0 - mu) / sigma;
  const b = (1 - mu) / sigma;
  if (a < -NO_TRUNCATION && b > NO_TRUNCATION) return 0;
  return logGaussMass(a, b);
}

function binarySearchCumulative(cumulative: Float64Array, size: number, target: number): number {
  let lo = 0;
  let hi = size - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * log Σ exp(terms[0..count)) shifted by `reference` (one of the larger terms): a direct sum, with a
 * full log-sum-exp only when the shifted sum overflows or underflows.
 */
function sumExp(terms: Float64Array, count: number, reference: number): number {
  if (reference > Number.NEGATIVE_INFINITY && reference < Number.POSITIVE_INFINITY) {
    // Terms NEGLIGIBLE below the reference add < 2.3e-16 of it each: skip their exponentials.
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const shifted = terms[i]! - reference;
      if (shifted > -NEGLIGIBLE) sum += Math.exp(shifted);
    }
    if (sum > 1e-290 && sum < 1e290) return reference + Math.log(sum);
  }
  return logSumExpBuffer(terms, count);
}

/** Steps per nat of the exponential table behind the bounds below. */
const BOUND_STEPS = 32;
const BOUND_TABLE_SIZE = NEGLIGIBLE * BOUND_STEPS + 2;
const EXP_STEPS = Float64Array.from({ length: BOUND_TABLE_SIZE }, (_, i) => Math.exp(-i / BOUND_STEPS));
/** Within one step exp(−f/BOUND_STEPS), f in [0, 1), lies between its tangent at 0 and its chord. */
const TANGENT_SLOPE = 1 / BOUND_STEPS;
const CHORD_SLOPE = 1 - Math.exp(-1 / BOUND_STEPS);

/**
 * Lower and upper bounds of what {@link sumExp} returns for the same arguments, written to
 * `out[at]` and `out[at + 1]`, without exponentials: each term's exponential is a table entry
 * times the tangent (below) or chord (above) of exp over one 1/32-nat step, so the bounds are
 * within 5e-4 nat of the value. When sumExp would take its log-sum-exp fallback the bounds are
 * infinite, so that the caller computes the exact value.
 */
function sumExpBounds(terms: Float64Array, count: number, reference: number, out: Float64Array, at: number): void {
  out[at] = Number.NEGATIVE_INFINITY;
  out[at + 1] = Number.POSITIVE_INFINITY;
  if (!(reference > Number.NEGATIVE_INFINITY && reference < Number.POSITIVE_INFINITY)) return;
  // The same terms as sumExp, measured from the largest of them so that every table index is ≥ 0.
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const shifted = terms[i]! - reference;
    if (shifted > -NEGLIGIBLE && shifted > top) top = shifted;
  }
  // No term, or a sum that could leave sumExp's direct range: leave the bounds infinite.
  if (!(top > -NEGLIGIBLE && top < 600)) return;
  const last = BOUND_TABLE_SIZE - 1;
  let lower = 0;
  let upper = 0;
  for (let i = 0; i < count; i++) {
    const shifted = terms[i]! - reference;
    if (!(shifted > -NEGLIGIBLE)) continue;
    const steps = (top - shifted) * BOUND_STEPS;
    if (steps < last) {
      const k = steps | 0;
      const fraction = steps - k;
      const step = EXP_STEPS[k]!;
      lower += step * (1 - fraction * TANGENT_SLOPE);
      upper += step * (1 - fraction * CHORD_SLOPE);
    } else {
      upper += EXP_STEPS[last]!;
    }
  }
  out[at] = reference + top + Math.log(lower);
  out[at + 1] = reference + top + Math.log(upper);
}

/** Terms this far below a threshold are left out of {@link MultivariateParzen.exceedsAt}'s partial sums. */
const EXCEED_CUTOFF = 12;

/** A lower bound of exp(−gap) for 0 ≤ gap < NEGLIGIBLE, from the table of {@link sumExpBounds}. */
function lowerExpBelow(gap: number): number {
  const steps = gap * BOUND_STEPS;
  const k = steps | 0;
  return EXP_STEPS[k]! * (1 - (steps - k) * TANGENT_SLOPE);
}

/** log Σ exp(terms[0..count)), the terms being finite or −Infinity. */
function logSumExpBuffer(terms: Float64Array, count: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) if (terms[i]! > max) max = terms[i]!;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(terms[i]! - max);
  return max + Math.log(sum);
}

/**
 * A one-dimensional mixture of truncated Gaussians over [0, 1] (continuous or a grid), with its
 * components sorted by centre so that a density only visits the components near its argument.
 */
export class UnivariateNumericParzen {
  size = 0;
  /** {@link ParzenOptions.samplingBandwidthFactor} of the last build. */
  private samplingWidth = 1;
  private cell = 0;
  private dimension: Dimension | null = null;
  private mus = new Float64Array(64);
  private sigmas = new Float64Array(64);
  private logWeights = new Float64Array(64);
  private logNormalizers = new Float64Array(64);
  /** log w − log σ − log Z − log √(2π) (+ log cell for grids): an upper bound of a component's log term. */
  private coefficients = new Float64Array(64);
  private cumulative = new Float64Array(64);
  /** Components with σ ≤ narrowLimit, in centre order, searched by window; the others are always visited. */
  private narrow = new Int32Array(64);
  private narrowMus = new Float64Array(64);
  private narrowCount = 0;
  private wide = new Int32Array(64);
  private wideCount = 0;
  private narrowLimit = 0;
  private narrowCoefficientMax = Number.NEGATIVE_INFINITY;
  private terms = new Float64Array(64);
  /** The shift of the last collected terms' sum (one of the larger terms). */
  private reference = 0;
  private readonly boundsScratch = new Float64Array(2);

  /**
   * Builds the mixture from `count` observations whose unit coordinates `sortedMus` are in
   * ascending order, with their unnormalized `weights` in the same order.
   */
  build(dimension: Dimension, sortedMus: Float64Array, weights: Float64Array, count: number, options: ParzenOptions): void {
    const n = count + 1;
    this.samplingWidth = options.samplingBandwidthFactor ?? 1;
    this.dimension = dimension;
    this.cell = dimension.kind === "discrete" ? dimension.cell : 0;
    this.size = n;
    this.mus = grow(this.mus, n);
    this.sigmas = grow(this.sigmas, n);
    this.logWeights = grow(this.logWeights, n);
    this.logNormalizers = grow(this.logNormalizers, n);
    this.coefficients = grow(this.coefficients, n);
    this.cumulative = grow(this.cumulative, n);
    this.narrow = growInt(this.narrow, n);
    this.narrowMus = grow(this.narrowMus, n);
    this.wide = growInt(this.wide, n);
    this.terms = grow(this.terms, n);
    const { mus, sigmas, logWeights } = this;

    // The prior sits at the centre, after any observation equal to it (a fixed tie rule keeps results reproducible).
    let priorIndex = count;
    for (let i = 0, j = 0; i < n; i++) {
      if (priorIndex === count && (j >= count || sortedMus[j]! > 0.5)) {
        priorIndex = i;
        mus[i] = 0.5;
        logWeights[i] = options.priorWeight;
      } else {
        mus[i] = sortedMus[j]!;
        logWeights[i] = weights[j]!;
        j++;
      }
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += logWeights[i]!;
    let running = 0;
    for (let i = 0; i < n; i++) {
      const w = logWeights[i]! / total;
      running += w;
      this.cumulative[i] = running;
      logWeights[i] = Math.log(w);
    }
    this.cumulative[n - 1] = Number.POSITIVE_INFINITY;

    // Bergstra's bandwidth: the larger gap to a neighbour, the range ends counting as neighbours.
    for (let i = 0; i < n; i++) {
      const left = mus[i]! - (i === 0 ? 0 : mus[i - 1]!);
      const right = (i === n - 1 ? 1 : mus[i + 1]!) - mus[i]!;
      sigmas[i] = left > right ? left : right;
    }
    if (!options.considerEndpoints && n >= 2) {
      sigmas[0] = mus[1]! - mus[0]!;
      sigmas[n - 1] = mus[n - 1]! - mus[n - 2]!;
    }
    const minSigma = bandwidthFloor(options, n);
    const maxSigma = options.maxBandwidthFactor > minSigma ? options.maxBandwidthFactor : minSigma;
    for (let i = 0; i < n; i++) {
      const s = sigmas[i]!;
      sigmas[i] = s < minSigma ? minSigma : s > maxSigma ? maxSigma : s;
    }
    sigmas[priorIndex] = 1;

    const logCell = this.cell > 0 ? Math.log(this.cell) : 0;
    this.narrowLimit = minSigma > 4 / n ? minSigma : 4 / n;
    this.narrowCount = 0;
    this.wideCount = 0;
    this.narrowCoefficientMax = Number.NEGATIVE_INFINITY;
    const logMinSigma = Math.log(minSigma);
    const jacobian = options.densityJacobian;
    for (let i = 0; i < n; i++) {
      const logZ = logTruncation(mus[i]!, sigmas[i]!);
      this.logNormalizers[i] = logZ;
      // Continuous kernels are scored without their 1/σ factor (see the module comment); for grids
      // the coefficient is only a bound on the cell mass, which needs it.
      const logSigma = sigmas[i] === minSigma ? logMinSigma : Math.log(sigmas[i]!);
      const coefficient = logWeights[i]! - logZ - HALF_LOG_2PI + (this.cell > 0 ? logCell - logSigma : jacobian ? -logSigma : 0);
      this.coefficients[i] = coefficient;
      if (sigmas[i]! <= this.narrowLimit) {
        this.narrow[this.narrowCount] = i;
        this.narrowMus[this.narrowCount] = mus[i]!;
        this.narrowCount++;
        if (coefficient > this.narrowCoefficientMax) this.narrowCoefficientMax = coefficient;
      } else {
        this.wide[this.wideCount++] = i;
      }
    }
  }

  /** Draws `count` snapped unit coordinates into `out`. */
  sample(rng: Rng, count: number, out: Float64Array): void {
    const dimension = this.dimension!;
    for (let k = 0; k < count; k++) {
      const i = binarySearchCumulative(this.cumulative, this.size, rng.uniform());
      const mu = this.mus[i]!;
      const sigma = this.sigmas[i]! * this.samplingWidth;
      const z = truncatedStandardNormal((0 - mu) / sigma, (1 - mu) / sigma, rng.uniform());
      out[k] = snapCoordinate(dimension, mu + sigma * z);
    }
  }

  private term(i: number, x: number): number {
    const mu = this.mus[i]!;
    const sigma = this.sigmas[i]!;
    if (this.cell === 0) {
      const z = (x - mu) / sigma;
      return this.coefficients[i]! - 0.5 * z * z;
    }
    const half = 0.5 * this.cell;
    const lower = x - half < 0 ? 0 : x - half;
    const upper = x + half > 1 ? 1 : x + half;
    return this.logWeights[i]! - this.logNormalizers[i]! + logGaussMass((lower - mu) / sigma, (upper - mu) / sigma);
  }

  /** log density (continuous) or log probability of the grid cell (discrete) at unit coordinate `x`. */
  logPdf(x: number): number {
    const count = this.collect(x);
    return sumExp(this.terms, count, this.reference);
  }

  /** {@link logPdf} of `points[index]`. */
  logPdfAt(points: Float64Array, index: number): number {
    return this.logPdf(points[index]!);
  }

  /** Bounds (within 5e-4 nat) of {@link logPdfAt} into `out[at]`, `out[at + 1]`, without exponentials. */
  logPdfBoundsAt(points: Float64Array, index: number, out: Float64Array, at: number): void {
    const count = this.collect(points[index]!);
    sumExpBounds(this.terms, count, this.reference, out, at);
  }

  /** Whether the lower bound of {@link logPdfAt} proves it above `threshold` (false is no statement). */
  exceedsAt(points: Float64Array, index: number, threshold: number): boolean {
    this.logPdfBoundsAt(points, index, this.boundsScratch, 0);
    return this.boundsScratch[0]! > threshold;
  }

  /** Fills `terms` with the log terms that can matter at `x` and sets `reference`; returns their count. */
  private collect(x: number): number {
    const terms = this.terms;
    let count = 0;
    let known = Number.NEGATIVE_INFINITY;
    for (let w = 0; w < this.wideCount; w++) {
      const t = this.term(this.wide[w]!, x);
      terms[count++] = t;
      if (t > known) known = t;
    }
    const narrowCount = this.narrowCount;
    if (narrowCount > 0) {
      const narrowMus = this.narrowMus;
      const narrow = this.narrow;
      const sigmas = this.sigmas;
      const coefficients = this.coefficients;
      const half = 0.5 * this.cell;
      // The narrow component nearest to x usually dominates: its term raises the floor, which shrinks the window.
      let lo = 0;
      let hi = narrowCount;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (narrowMus[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      const nearest = lo === narrowCount || (lo > 0 && x - narrowMus[lo - 1]! < narrowMus[lo]! - x) ? lo - 1 : lo;
      const nearestTerm = this.term(narrow[nearest]!, x);
      terms[count++] = nearestTerm;
      if (nearestTerm > known) known = nearestTerm;
      const floor = known - NEGLIGIBLE;
      const slack = this.narrowCoefficientMax - floor;
      if (slack > 0) {
        const radius = this.narrowLimit * Math.sqrt(2 * slack) + half;
        for (let p = nearest - 1; p >= 0; p--) {
          const mu = narrowMus[p]!;
          let distance = x - mu;
          if (distance > radius) break;
          if (distance < 0) distance = -distance;
          const i = narrow[p]!;
          distance -= half;
          if (distance < 0) distance = 0;
          const z = distance / sigmas[i]!;
          const bound = coefficients[i]! - 0.5 * z * z;
          if (bound <= floor) continue;
          terms[count++] = half === 0 ? bound : this.term(i, x);
        }
        for (let p = nearest + 1; p < narrowCount; p++) {
          const mu = narrowMus[p]!;
          let distance = mu - x;
          if (distance > radius) break;
          if (distance < 0) distance = -distance;
          const i = narrow[p]!;
          distance -= half;
          if (distance < 0) distance = 0;
          const z = distance / sigmas[i]!;
          const bound = coefficients[i]! - 0.5 * z * z;
          if (bound <= floor) continue;
          terms[count++] = half === 0 ? bound : this.term(i, x);
        }
      }
    }
    this.reference = known;
    return count;
  }
}

/**
 * A categorical Parzen estimator in one dimension: the mixture of Optuna's per-observation
 * categorical kernels collapses to one probability vector.
 */
export class UnivariateCategoricalParzen {
  private logProbabilities = new Float64Array(8);
  private cumulative = new Float64Array(8);
  private choices = 0;

  /** `indices` are observed choice indices (any order), `weights` their unnormalized weights. */
  build(choices: number, indices: Float64Array, weights: Float64Array, count: number, options: ParzenOptions): void {
    this.choices = choices;
    this.logProbabilities = grow(this.logProbabilities, choices);
    this.cumulative = grow(this.cumulative, choices);
    const probabilities = this.cumulative;
    let total = options.priorWeight;
    for (let j = 0; j < count; j++) total += weights[j]!;
    const v = options.priorWeight / (count + 1);
    const rowTotal = choices * v + 1;
    // Each observation spreads v/(kv+1) over all choices and 1/(kv+1) on its own; the prior is uniform.
    let observationMass = 0;
    for (let j = 0; j < count; j++) observationMass += weights[j]! / total;
    const base = (observationMass * v) / rowTotal + options.priorWeight / total / choices;
    for (let c = 0; c < choices; c++) probabilities[c] = base;
    for (let j = 0; j < count; j++) probabilities[indices[j]!] += weights[j]! / total / rowTotal;
    let running = 0;
    for (let c = 0; c < choices; c++) {
      this.logProbabilities[c] = Math.log(probabilities[c]!);
      running += probabilities[c]!;
      probabilities[c] = running;
    }
    probabilities[choices - 1] = Number.POSITIVE_INFINITY;
  }

  sample(rng: Rng, count: number, out: Float64Array): void {
    for (let k = 0; k < count; k++) out[k] = binarySearchCumulative(this.cumulative, this.choices, rng.uniform());
  }

  logPdf(index: number): number {
    return this.logProbabilities[index]!;
  }

  /** {@link logPdf} of the choice index `points[index]`. */
  logPdfAt(points: Float64Array, index: number): number {
    return this.logProbabilities[points[index]!]!;
  }

  /** Exact, so both bounds are the value. */
  logPdfBoundsAt(points: Float64Array, index: number, out: Float64Array, at: number): void {
    out[at] = out[at + 1] = this.logProbabilities[points[index]!]!;
  }

  /** Whether {@link logPdfAt} > `threshold`. */
  exceedsAt(points: Float64Array, index: number, threshold: number): boolean {
    return this.logProbabilities[points[index]!]! > threshold;
  }
}

/**
 * A mixture of product kernels over several parameters (multivariate TPE, Falkner et al. 2018
 * "BOHB" bandwidths), each component one observation plus the prior.
 */
export class MultivariateParzen {
  private dimensions: readonly Dimension[] = [];
  private size = 0;
  /** {@link ParzenOptions.samplingBandwidthFactor} of the last build. */
  private samplingWidth = 1;
  private mus = new Float64Array(64);
  private sigmas = new Float64Array(64);
  private constants = new Float64Array(64);
  private cumulative = new Float64Array(64);
  private terms = new Float64Array(64);
  /** Per kernel and dimension, its slot in the caches below, or −1. */
  private slots = new Int32Array(64);
  /** Per key and dimension: what was computed for (centre, bandwidth) last time. */
  private cachedMus = new Float64Array(0);
  private cachedSigmas = new Float64Array(0);
  private cachedLogNormalizers = new Float64Array(0);
  private cachedLogSigmas = new Float64Array(0);
  private cachedInverseSigmas = new Float64Array(0);
  /** Φ(−μ/σ) and Φ(−(1−μ)/σ), filled when the kernel is first sampled (NaN until then). */
  private cachedLowerTails = new Float64Array(0);
  private cachedUpperTails = new Float64Array(0);
  private categoricalMatch = 0;
  private categoricalMiss = 0;
  private categoricalValue = 0;
  private continuousOnly = false;
  private inverseSigmas = new Float64Array(64);
  private order = new Int32Array(64);
  private values = new Float64Array(64);
  /** The shift of the last collected terms' sum (one of the larger terms). */
  private reference = 0;
  private readonly boundsScratch = new Float64Array(2);

  /**
   * `observations` holds `count` rows of `dimensions.length` coordinates (unit positions or
   * choice indices), row-major; `weights` their unnormalized weights.
   *
   * With neighbour bandwidths, `bandwidths` (same layout as `observations`) may bring them
   * precomputed, as {@link NeighbourWalk} does from sorted columns; otherwise they are found by
   * sorting. `keys` names each observation by a stable id (a trial's row; negative for none):
   * normalizers, log-bandwidths and tail masses are then reused across builds for every kernel
   * whose centre and bandwidth have not changed. Every cached value is a function of (centre,
   * bandwidth) alone, so a build equals a fresh one bit for bit.
   */
  build(
    dimensions: readonly Dimension[],
    observations: Float64Array,
    weights: Float64Array,
    count: number,
    options: ParzenOptions,
    bandwidths: Float64Array | null = null,
    keys: Int32Array | null = null,
  ): void {
    const d = dimensions.length;
    const n = count + 1;
    this.samplingWidth = options.samplingBandwidthFactor ?? 1;
    this.dimensions = dimensions;
    this.continuousOnly = dimensions.every((dimension) => dimension.kind === "continuous");
    this.size = n;
    this.mus = grow(this.mus, n * d);
    this.sigmas = grow(this.sigmas, n * d);
    this.inverseSigmas = grow(this.inverseSigmas, n * d);
    this.slots = growInt(this.slots, n * d);
    this.constants = grow(this.constants, n);
    this.cumulative = grow(this.cumulative, n);
    this.terms = grow(this.terms, n);
    const { mus, sigmas, inverseSigmas, constants, slots } = this;

    let total = options.priorWeight;
    for (let j = 0; j < count; j++) total += weights[j]!;
    const minSigma = bandwidthFloor(options, n);
    const maxSigma = options.maxBandwidthFactor > minSigma ? options.maxBandwidthFactor : minSigma;
    let bandwidth = 0.2 * Math.pow(Math.max(count, 1), -1 / (d + 4));
    bandwidth = bandwidth < minSigma ? minSigma : bandwidth > maxSigma ? maxSigma : bandwidth;
    const neighbour = options.multivariateBandwidth === "neighbour";
    if (neighbour && bandwidths === null) {
      this.neighbourBandwidths(observations, count, options, minSigma, maxSigma);
      bandwidths = this.sigmas;
    }
    if (keys !== null) {
      let largest = -1;
      for (let j = 0; j < count; j++) if (keys[j]! > largest) largest = keys[j]!;
      this.growCache((largest + 1) * d);
    }
    const v = options.priorWeight / (count + 1);
    this.categoricalValue = v;
    const jacobian = options.densityJacobian;
    const { cachedMus, cachedSigmas, cachedLogNormalizers, cachedLogSigmas, cachedInverseSigmas } = this;

    let running = 0;
    // Equal weights (the usual case in the above set) share one logarithm.
    let lastWeight = Number.NaN;
    let lastLogWeight = 0;
    for (let j = 0; j < n; j++) {
      const isPrior = j === count;
      const weight = isPrior ? options.priorWeight : weights[j]!;
      const w = weight / total;
      running += w;
      this.cumulative[j] = running;
      if (weight !== lastWeight) {
        lastWeight = weight;
        lastLogWeight = Math.log(w);
      }
      let constant = lastLogWeight;
      const key = isPrior || keys === null ? -1 : keys[j]!;
      if (key >= 0 && this.continuousOnly) {
        // The usual case, unrolled from the general loop below with the same operations in the same order.
        for (let k = 0, at = j * d, slot = key * d; k < d; k++, at++, slot++) {
          const mu = observations[at]!;
          const sigma = neighbour ? bandwidths![at]! : bandwidth;
          mus[at] = mu;
          sigmas[at] = sigma;
          slots[at] = slot;
          if (cachedMus[slot] !== mu || cachedSigmas[slot] !== sigma) this.fillCache(slot, mu, sigma);
          inverseSigmas[at] = cachedInverseSigmas[slot]!;
          constant -= cachedLogNormalizers[slot]!;
          constant -= HALF_LOG_2PI + (jacobian ? cachedLogSigmas[slot]! : 0);
        }
        constants[j] = constant;
        continue;
      }
      for (let k = 0, at = j * d; k < d; k++, at++) {
        const dimension = dimensions[k]!;
        if (dimension.kind === "categorical") {
          mus[at] = isPrior ? -1 : observations[at]!;
          slots[at] = -1;
          if (isPrior) constant -= Math.log(dimension.cells);
          continue;
        }
        const mu = isPrior ? 0.5 : observations[at]!;
        const sigma = isPrior ? 1 : neighbour ? bandwidths![at]! : bandwidth;
        mus[at] = mu;
        sigmas[at] = sigma;
        let logZ: number;
        let logSigma: number;
        if (key >= 0) {
          const slot = key * d + k;
          slots[at] = slot;
          if (this.cachedMus[slot] !== mu || this.cachedSigmas[slot] !== sigma) this.fillCache(slot, mu, sigma);
          logZ = this.cachedLogNormalizers[slot]!;
          logSigma = this.cachedLogSigmas[slot]!;
          inverseSigmas[at] = this.cachedInverseSigmas[slot]!;
        } else {
          slots[at] = -1;
          logZ = logTruncation(mu, sigma);
          logSigma = jacobian && dimension.kind === "continuous" ? Math.log(sigma) : 0;
          inverseSigmas[at] = 1 / sigma;
        }
        constant -= logZ;
        if (dimension.kind === "continuous") constant -= HALF_LOG_2PI + (jacobian ? logSigma : 0);
      }
      constants[j] = constant;
    }
    this.cumulative[n - 1] = Number.POSITIVE_INFINITY;
    this.categoricalMatch = v + 1;
    this.categoricalMiss = v;
  }

  private fillCache(slot: number, mu: number, sigma: number): void {
    this.cachedMus[slot] = mu;
    this.cachedSigmas[slot] = sigma;
    this.cachedLogNormalizers[slot] = logTruncation(mu, sigma);
    this.cachedLogSigmas[slot] = Math.log(sigma);
    this.cachedInverseSigmas[slot] = 1 / sigma;
    this.cachedLowerTails[slot] = Number.NaN;
  }

  private growCache(size: number): void {
    if (this.cachedMus.length >= size) return;
    const next = Math.max(size, 2 * this.cachedMus.length);
    const extend = (array: Float64Array, fill: number): Float64Array<ArrayBuffer> => {
      const grown = new Float64Array(next).fill(fill);
      grown.set(array);
      return grown;
    };
    this.cachedMus = extend(this.cachedMus, Number.NaN);
    this.cachedSigmas = extend(this.cachedSigmas, Number.NaN);
    this.cachedLogNormalizers = extend(this.cachedLogNormalizers, 0);
    this.cachedLogSigmas = extend(this.cachedLogSigmas, 0);
    this.cachedInverseSigmas = extend(this.cachedInverseSigmas, 0);
    this.cachedLowerTails = extend(this.cachedLowerTails, Number.NaN);
    this.cachedUpperTails = extend(this.cachedUpperTails, Number.NaN);
  }

  /**
   * Bergstra's univariate bandwidth in every numeric dimension (Watanabe 2023's "hyperopt"
   * heuristic for the multivariate kernel): the larger gap to a neighbouring centre, the prior's
   * centre and (with `considerEndpoints`) the range ends counting as neighbours.
   */
  private neighbourBandwidths(observations: Float64Array, count: number, options: ParzenOptions, minSigma: number, maxSigma: number): void {
    this.order = growInt(this.order, count + 1);
    this.values = grow(this.values, count + 1);
    neighbourBandwidthsInto(this.sigmas, this.dimensions, observations, count, options, minSigma, maxSigma, this.order, this.values);
  }

  /** Draws `count` points into `out` (row-major, `dimensions.length` per row). */
  sample(rng: Rng, count: number, out: Float64Array): void {
    const d = this.dimensions.length;
    const prior = this.size - 1;
    for (let s = 0; s < count; s++) {
      const j = binarySearchCumulative(this.cumulative, this.size, rng.uniform());
      for (let k = 0; k < d; k++) {
        const dimension = this.dimensions[k]!;
        const at = j * d + k;
        if (dimension.kind === "categorical") {
          const choices = dimension.cells;
          if (j === prior) {
            out[s * d + k] = Math.min(choices - 1, Math.floor(rng.uniform() * choices));
          } else {
            const observed = this.mus[at]!;
            const v = this.categoricalValue;
            const t = rng.uniform() * (choices * v + 1);
            if (t < v + 1 || choices === 1) {
              out[s * d + k] = observed;
            } else {
              let other = Math.min(choices - 2, Math.floor((t - v - 1) / v));
              if (other >= observed) other++;
              out[s * d + k] = other;
            }
          }
          continue;
        }
        const mu = this.mus[at]!;
        const sigma = this.sigmas[at]! * this.samplingWidth;
        const a = (0 - mu) / sigma;
        const b = (1 - mu) / sigma;
        const slot = this.slots[at]!;
        let z: number;
        // The cached tail masses are those of the scoring bandwidth.
        if (slot >= 0 && this.samplingWidth === 1) {
          if (Number.isNaN(this.cachedLowerTails[slot]!)) {
            this.cachedLowerTails[slot] = normalCdf(a);
            this.cachedUpperTails[slot] = normalCdf(-b);
          }
          z = truncatedStandardNormalGiven(a, b, this.cachedLowerTails[slot]!, this.cachedUpperTails[slot]!, rng.uniform());
        } else {
          z = truncatedStandardNormal(a, b, rng.uniform());
        }
        out[s * d + k] = snapCoordinate(dimension, mu + sigma * z);
      }
    }
  }

  /** log density of the point at `point[offset .. offset + d)`. */
  logPdf(point: Float64Array, offset: number): number {
    const count = this.collect(point, offset);
    return sumExp(this.terms, count, this.reference);
  }

  /** {@link logPdf} of the `index`-th point of `points` (row-major, `dimensions.length` per row). */
  logPdfAt(points: Float64Array, index: number): number {
    return this.logPdf(points, index * this.dimensions.length);
  }

  /** Bounds (within 5e-4 nat) of {@link logPdfAt} into `out[at]`, `out[at + 1]`, without exponentials. */
  logPdfBoundsAt(points: Float64Array, index: number, out: Float64Array, at: number): void {
    const count = this.collect(points, index * this.dimensions.length);
    sumExpBounds(this.terms, count, this.reference, out, at);
  }

  /**
   * Whether the terms of the sum prove {@link logPdfAt} > `threshold`: the exact density is at
   * least any partial sum of its terms, each term computed exactly as {@link logPdfAt} computes it
   * and its exponential bounded below by the table of {@link sumExpBounds}. Kernels are scanned
   * newest first (the last observations, usually the nearest to new candidates), each abandoned as
   * soon as its partial bound falls EXCEED_CUTOFF nats below the threshold, and the scan stops as
   * soon as the partial sum passes it, so that a caller rules a candidate out long before a full
   * scan would. False is no statement at all. Exponential-free.
   */
  exceedsAt(points: Float64Array, index: number, threshold: number): boolean {
    const d = this.dimensions.length;
    const offset = index * d;
    if (!this.continuousOnly || !(threshold > Number.NEGATIVE_INFINITY && threshold < Number.POSITIVE_INFINITY)) {
      const out = this.boundsScratch;
      this.logPdfBoundsAt(points, index, out, 0);
      return out[0]! > threshold;
    }
    const cutoff = threshold - EXCEED_CUTOFF;
    const priorTerm = this.exactTerm(this.size - 1, points, offset);
    if (priorTerm > threshold) return true;
    // Σ exp(term − threshold) from below; the threshold is passed once it exceeds 1.
    let sum = priorTerm > cutoff ? lowerExpBelow(threshold - priorTerm) : 0;
    const { mus, inverseSigmas, constants } = this;
    for (let j = this.size - 2, at = j * d; j >= 0; j--, at -= d) {
      let bound = constants[j]!;
      if (bound <= cutoff) continue;
      let k = 0;
      for (; k < d; k++) {
        const z = (points[offset + k]! - mus[at + k]!) * inverseSigmas[at + k]!;
        bound -= 0.5 * z * z;
        if (bound <= cutoff) break;
      }
      if (k < d) continue;
      if (bound > threshold) return true;
      sum += lowerExpBelow(threshold - bound);
      if (sum > 1) return true;
    }
    return false;
  }

  /** Fills `terms` with the log terms that can matter at the point and sets `reference`; returns their count. */
  private collect(point: Float64Array, offset: number): number {
    const d = this.dimensions.length;
    const n = this.size;
    const { mus, sigmas, constants, terms } = this;
    let count = 0;
    // The prior is always present and wide: its term is a floor for the whole sum.
    const priorTerm = this.exactTerm(n - 1, point, offset);
    terms[count++] = priorTerm;
    if (this.continuousOnly) return this.continuousTerms(point, offset, priorTerm);
    const floor = priorTerm - NEGLIGIBLE;
    for (let j = 0; j < n - 1; j++) {
      let bound = constants[j]!;
      let hasGrid = false;
      for (let k = 0; k < d && bound > floor; k++) {
        const dimension = this.dimensions[k]!;
        const at = j * d + k;
        const x = point[offset + k]!;
        if (dimension.kind === "categorical") {
          const choices = dimension.cells;
          const rowTotal = choices * this.categoricalValue + 1;
          bound += Math.log((mus[at] === x ? this.categoricalMatch : this.categoricalMiss) / rowTotal);
          continue;
        }
        let distance = x - mus[at]!;
        if (distance < 0) distance = -distance;
        if (dimension.kind === "discrete") {
          hasGrid = true;
          distance -= 0.5 * dimension.cell;
          if (distance < 0) distance = 0;
          // Cell mass ≤ cell width × the largest density in the cell.
          bound += Math.log(dimension.cell / sigmas[at]!) - HALF_LOG_2PI;
        }
        const z = distance / sigmas[at]!;
        bound -= 0.5 * z * z;
      }
      if (bound <= floor) continue;
      terms[count++] = hasGrid ? this.exactTerm(j, point, offset) : bound;
    }
    this.reference = priorTerm;
    return count;
  }

  /**
   * The all-continuous case: product-kernel log terms, a kernel abandoned as soon as its partial
   * bound falls NEGLIGIBLE below the largest term seen so far (the remaining factors only lower it,
   * so the skipped terms are each below 2.3e-16 of the sum).
   */
  private continuousTerms(point: Float64Array, offset: number, priorTerm: number): number {
    const d = this.dimensions.length;
    const observations = this.size - 1;
    const { mus, inverseSigmas, constants, terms } = this;
    let count = 1;
    let known = priorTerm;
    let floor = known - NEGLIGIBLE;
    for (let j = 0, at = 0; j < observations; j++, at += d) {
      let bound = constants[j]!;
      if (bound <= floor) continue;
      let k = 0;
      for (; k < d; k++) {
        const z = (point[offset + k]! - mus[at + k]!) * inverseSigmas[at + k]!;
        bound -= 0.5 * z * z;
        if (bound <= floor) break;
      }
      if (k < d) continue;
      terms[count++] = bound;
      if (bound > known) {
        known = bound;
        floor = known - NEGLIGIBLE;
      }
    }
    this.reference = known;
    return count;
  }

  private exactTerm(j: number, point: Float64Array, offset: number): number {
    const d = this.dimensions.length;
    const prior = j === this.size - 1;
    let term = this.constants[j]!;
    for (let k = 0; k < d; k++) {
      const dimension = this.dimensions[k]!;
      const at = j * d + k;
      const x = point[offset + k]!;
      if (dimension.kind === "categorical") {
        if (!prior) {
          const rowTotal = dimension.cells * this.categoricalValue + 1;
          term += Math.log((this.mus[at] === x ? this.categoricalMatch : this.categoricalMiss) / rowTotal);
        }
        continue;
      }
      const mu = this.mus[at]!;
      const sigma = this.sigmas[at]!;
      if (dimension.kind === "continuous") {
        const z = (x - mu) / sigma;
        term -= 0.5 * z * z;
      } else {
        const half = 0.5 * dimension.cell;
        const lower = x - half < 0 ? 0 : x - half;
        const upper = x + half > 1 ? 1 : x + half;
        term += logGaussMass((lower - mu) / sigma, (upper - mu) / sigma);
      }
    }
    return term;
  }
}
