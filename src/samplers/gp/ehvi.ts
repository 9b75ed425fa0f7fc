/**
 * Expected hypervolume improvement (Emmerich, Giannakoglou and Naujoks 2006; the box-decomposition
 * form of Yang, Emmerich, Deutz and Bäck 2019, "Efficient computation of expected hypervolume
 * improvement using box decomposition algorithms") with independent Gaussian posteriors per
 * objective, computed in logs as log-EHVI (Ament et al. 2023) so that it stays informative where
 * the improvement is astronomically unlikely. Everything is minimised.
 *
 * The region the current front does not dominate, below the reference point, is cut into disjoint
 * boxes. A new point y improves the hypervolume inside box [l, u] by ∏ᵢ (uᵢ − max(lᵢ, yᵢ))₊, so
 * EHVI = Σ_boxes ∏ᵢ E[(uᵢ − max(lᵢ, Yᵢ))₊], and each factor has a closed form:
 * E[(u − max(l, Y))₊] = ∫ₗᵘ Φ((t − μ)/σ) dt = σ·(h(b) − h(a)), a = (l − μ)/σ, b = (u − μ)/σ,
 * with h(z) = φ(z) + zΦ(z) the function of expected improvement (h(−∞) = 0).
 *
 * The boxes: with the front's coordinates as cuts on the first m − 1 axes, each cell of that grid
 * is non-dominated along the last axis exactly below the smallest last coordinate of the points
 * that weakly dominate the cell's lower corner (or up to the reference if none does). One box per
 * cell: exact for any m, (k + 1)^(m − 1) boxes for k front points, so used for 2 and 3 objectives.
 *
 * Gradients, for the acquisition's L-BFGS-B polish: with D = h(b) − h(a) and h′ = Φ, h − zΦ = φ,
 * ∂ log F/∂μ = −(Φ(b) − Φ(a))/(σD) and ∂ log F/∂σ = (φ(b) − φ(a))/(σD) for F = σD; the log-sum
 * over boxes weighs each box's gradient by its share of the total.
 */
import { log1mexp, logExpectedImprovementFromZ, logExpectedImprovementGradientFromZ, logNormalCdf, logNormalPdf, logSumExp } from "../../math/special.js";

/** One box of the non-dominated region: lower corner (may hold −∞) and upper corner. */
export interface Box {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/**
 * The disjoint boxes that make up the region below `reference` that no point of `front`
 * weakly dominates. Points not strictly below the reference are ignored.
 *
 * @example
 * nonDominatedBoxes([[1, 2], [2, 1]], [3, 3]) // 3 boxes: x<1 (y<3), 1≤x<2 (y<2), 2≤x<3 (y<1)
 */
export function nonDominatedBoxes(front: readonly ArrayLike<number>[], reference: ArrayLike<number>): Box[] {
  const m = reference.length;
  const inside = front.filter((p) => {
    for (let k = 0; k < m; k++) if (!(p[k]! < reference[k]!)) return false;
    return true;
  });
  const last = m - 1;
  // Cuts per leading axis: −∞, the front's coordinates, the reference.
  const cuts: number[][] = [];
  for (let k = 0; k < last; k++) {
    const values = [...new Set(inside.map((p) => p[k]!))].sort((a, b) => a - b);
    cuts.push([Number.NEGATIVE_INFINITY, ...values, reference[k]!]);
  }
  const boxes: Box[] = [];
  const index = new Array<number>(last).fill(0);
  if (last === 0) {
    let top = reference[0]!;
    for (const p of inside) top = Math.min(top, p[0]!);
    return [{ lower: Float64Array.of(Number.NEGATIVE_INFINITY), upper: Float64Array.of(top) }];
  }
  // Along the first axis (the innermost loop below), the points that weakly dominate a cell's
  // lower corner only grow: each row of cells sweeps the points in order of their first coordinate
  // once, keeping the smallest last coordinate so far, instead of scanning every point per cell.
  const byFirst = [...inside].sort((a, b) => a[0]! - b[0]!);
  let row: ArrayLike<number>[] = [];
  let swept = 0;
  let top = reference[last]!;
  for (;;) {
    if (index[0] === 0) {
      row = byFirst.filter((p) => {
        for (let k = 1; k < last; k++) if (p[k]! > cuts[k]![index[k]!]!) return false;
        return true;
      });
      swept = 0;
      top = reference[last]!;
    }
    const corner = cuts[0]![index[0]!]!;
    while (swept < row.length && row[swept]![0]! <= corner) {
      const p = row[swept++]!;
      if (p[last]! < top) top = p[last]!;
    }
    const previous = boxes[boxes.length - 1];
    if (top > Number.NEGATIVE_INFINITY && index[0]! > 0 && previous && previous.upper[last] === top && previous.upper[0] === cuts[0]![index[0]!]) {
      // The cell continues the previous box along the first axis: widen it instead of adding one.
      previous.upper[0] = cuts[0]![index[0]! + 1]!;
    } else if (top > Number.NEGATIVE_INFINITY) {
      const lower = new Float64Array(m);
      const upper = new Float64Array(m);
      for (let k = 0; k < last; k++) {
        lower[k] = cuts[k]![index[k]!]!;
        upper[k] = cuts[k]![index[k]! + 1]!;
      }
      lower[last] = Number.NEGATIVE_INFINITY;
      upper[last] = top;
      boxes.push({ lower, upper });
    }
    let k = 0;
    while (k < last && ++index[k]! >= cuts[k]!.length - 1) index[k++] = 0;
    if (k === last) return boxes;
  }
}

/**
 * The boxes as indices into each axis's sorted distinct bounds, so that an evaluation computes the
 * expensive log h(z) once per bound and objective (O(m·k) for k front points) instead of twice per
 * box and objective (O(m·k^(m−1))). Built once per box list.
 */
interface IndexedBoxes {
  /** Per axis, the distinct finite bounds, ascending. */
  readonly bounds: Float64Array[];
  /** Per box and axis, the index of the lower bound (−1 for −∞) and of the upper bound. */
  readonly lowerIndex: Int32Array;
  readonly upperIndex: Int32Array;
  /** Per axis, log h((bound − μ)/σ) of the current point, and scratch for the gradient's ratios. */
  readonly logH: Float64Array[];
  /**
   * Per axis, the distinct (lower, upper) intervals the boxes use, as pairs of bound indices, and
   * per box and axis the interval's index. Boxes share intervals (a 3-objective front of 200
   * points makes 4,390 boxes but 201–401 intervals per axis), so each interval's log factor is
   * computed once per evaluation rather than once per box.
   */
  readonly intervals: Int32Array[];
  readonly intervalIndex: Int32Array;
  /** Per axis, scratch for each interval's log factor at the current point. */
  readonly intervalLog: Float64Array[];
  /** Per axis, scratch for each interval's factor gradient [∂/∂μ, ∂/∂σ], and whether it is computed. */
  readonly intervalGradient: Float64Array[];
  readonly intervalDone: Uint8Array[];
  /** Per axis and interval, upper − lower (+∞ below an open lower end) and its log, for the upper bound. */
  readonly intervalWidth: Float64Array[];
  readonly intervalLogWidth: Float64Array[];
  /** Per axis, scratch for each interval's scaled factor bound. */
  readonly intervalScaled: Float64Array[];
}

const indexedCache = new WeakMap<readonly Box[], IndexedBoxes>();

function indexBoxes(boxes: readonly Box[], m: number): IndexedBoxes {
  const cached = indexedCache.get(boxes);
  if (cached) return cached;
  const bounds: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    const values = new Set<number>();
    for (const box of boxes) {
      if (box.lower[i]! > Number.NEGATIVE_INFINITY) values.add(box.lower[i]!);
      values.add(box.upper[i]!);
    }
    bounds.push(Float64Array.from([...values].sort((a, b) => a - b)));
  }
  const find = (axis: number, value: number): number => {
    const list = bounds[axis]!;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const lowerIndex = new Int32Array(boxes.length * m);
  const upperIndex = new Int32Array(boxes.length * m);
  boxes.forEach((box, b) => {
    for (let i = 0; i < m; i++) {
      lowerIndex[b * m + i] = box.lower[i]! > Number.NEGATIVE_INFINITY ? find(i, box.lower[i]!) : -1;
      upperIndex[b * m + i] = find(i, box.upper[i]!);
    }
  });
  const intervals: Int32Array[] = [];
  const intervalIndex = new Int32Array(boxes.length * m);
  for (let i = 0; i < m; i++) {
    const seen = new Map<number, number>();
    const pairs: number[] = [];
    for (let b = 0; b < boxes.length; b++) {
      const lower = lowerIndex[b * m + i]!;
      const upper = upperIndex[b * m + i]!;
      const key = (lower + 1) * (bounds[i]!.length + 1) + upper;
      let id = seen.get(key);
      if (id === undefined) {
        id = pairs.length / 2;
        seen.set(key, id);
        pairs.push(lower, upper);
      }
      intervalIndex[b * m + i] = id;
    }
    intervals.push(Int32Array.from(pairs));
  }
  const intervalWidth = intervals.map((pairs, i) => {
    const widths = new Float64Array(pairs.length / 2);
    for (let k = 0; k < widths.length; k++) {
      const lower = pairs[2 * k]!;
      widths[k] = lower < 0 ? Number.POSITIVE_INFINITY : bounds[i]![pairs[2 * k + 1]!]! - bounds[i]![lower]!;
    }
    return widths;
  });
  const indexed = {
    bounds,
    lowerIndex,
    upperIndex,
    logH: bounds.map((list) => new Float64Array(list.length)),
    intervals,
    intervalIndex,
    intervalLog: intervals.map((pairs) => new Float64Array(pairs.length / 2)),
    intervalGradient: intervals.map((pairs) => new Float64Array(pairs.length)),
    intervalDone: intervals.map((pairs) => new Uint8Array(pairs.length / 2)),
    intervalWidth,
    intervalLogWidth: intervalWidth.map((widths) => widths.map(Math.log)),
    intervalScaled: intervals.map((pairs) => new Float64Array(pairs.length / 2)),
  };
  indexedCache.set(boxes, indexed);
  return indexed;
}

/** Fills `terms` with each box's log Πᵢ E[(uᵢ − max(lᵢ, Yᵢ))₊] and returns their log-sum. */
function boxTerms(boxes: readonly Box[], means: ArrayLike<number>, sigmas: ArrayLike<number>, terms: Float64Array): number {
  const m = means.length;
  const { bounds, logH, intervals, intervalIndex, intervalLog } = indexBoxes(boxes, m);
  let logSigmas = 0;
  for (let i = 0; i < m; i++) {
    const sigma = Math.max(sigmas[i]!, 1e-10);
    logSigmas += Math.log(sigma);
    const list = bounds[i]!;
    const out = logH[i]!;
    for (let c = 0; c < list.length; c++) out[c] = logExpectedImprovementFromZ((list[c]! - means[i]!) / sigma);
    // Each interval's log(h(b) − h(a)), or log h(b) below an open lower end.
    const pairs = intervals[i]!;
    const logs = intervalLog[i]!;
    for (let k = 0; k < logs.length; k++) {
      const lower = pairs[2 * k]!;
      const logB = out[pairs[2 * k + 1]!]!;
      if (lower < 0) {
        logs[k] = logB;
        continue;
      }
      const logA = out[lower]!;
      logs[k] = logA < logB ? logB + log1mexp(logA - logB) : Number.NEGATIVE_INFINITY;
    }
  }
  for (let b = 0; b < boxes.length; b++) {
    let total = logSigmas;
    for (let i = 0; i < m && total > Number.NEGATIVE_INFINITY; i++) total += intervalLog[i]![intervalIndex[b * m + i]!]!;
    terms[b] = total;
  }
  return logSumExp(terms, boxes.length);
}

/**
 * log EHVI of a point whose objectives are independent Gaussians N(means[i], sigmas[i]²), over the
 * boxes of {@link nonDominatedBoxes}. −∞ when there is no box (the front covers everything).
 *
 * @example
 * const boxes = nonDominatedBoxes(front, reference);
 * logExpectedHypervolumeImprovement(boxes, [0.2, 0.4], [0.1, 0.1]);
 */
export function logExpectedHypervolumeImprovement(boxes: readonly Box[], means: ArrayLike<number>, sigmas: ArrayLike<number>, scratch?: Float64Array): number {
  const terms = scratch && scratch.length >= boxes.length ? scratch : new Float64Array(boxes.length);
  return boxTerms(boxes, means, sigmas, terms);
}

/**
 * Added to {@link logExpectedHypervolumeImprovementBound} (in nats, relative to 1 + |bound|): the
 * bound and the exact value are computed along different paths, each with its own rounding, and
 * a bound that is mathematically tight must not fall below the exact value by that rounding.
 */
const BOUND_MARGIN = 1e-6;
/** The share of max(σ, |u − μ|) an interval's width must reach to bound its factor (see below). */
const WIDTH_BOUND_SHARE = 1e-3;

/** The grid of {@link logExpectedImprovementAtMost}: z from −40 to 40 in steps of 1/128. */
const GRID_LOW = -40;
const GRID_HIGH = 40;
const GRID_STEPS_PER_UNIT = 128;
let logExpectedImprovementGrid: Float64Array | null = null;

/**
 * An upper bound of log h(z) ({@link logExpectedImprovementFromZ}) for a fraction of its cost: h
 * grows with z, so its value at the next point of a fine grid bounds it (by at most |z|/128 nats
 * too much in the left tail, less elsewhere). Outside the grid, log h(z) itself.
 */
function logExpectedImprovementAtMost(z: number): number {
  if (!(z > GRID_LOW && z < GRID_HIGH)) return logExpectedImprovementFromZ(z);
  if (logExpectedImprovementGrid === null) {
    const grid = new Float64Array((GRID_HIGH - GRID_LOW) * GRID_STEPS_PER_UNIT + 1);
    for (let k = 0; k < grid.length; k++) grid[k] = logExpectedImprovementFromZ(GRID_LOW + k / GRID_STEPS_PER_UNIT);
    logExpectedImprovementGrid = grid;
  }
  return logExpectedImprovementGrid[Math.ceil((z - GRID_LOW) * GRID_STEPS_PER_UNIT)]!;
}

/**
 * An upper bound of {@link logExpectedHypervolumeImprovement} over every σᵢ ≤ `sigmaBounds[i]`
 * (means exact), for a candidate search to skip the exact variances (the O(n²) part of a
 * prediction) of points that cannot win. EHVI is not monotone in σ, but each box factor is
 * bounded twice: E[(u − max(l, Y))₊] is at most E[(u − Y)₊] = σ·h((u − μ)/σ), which grows with σ
 * (its σ-derivative is φ(z) > 0), and at most u − l (used unless the interval is a sliver, whose
 * exact value, a difference of nearly equal h, can round above its width). log h comes from a
 * table, rounded up; the sum over boxes is taken with each axis's factors scaled by their largest
 * and without logarithms, a few multiplications per box where the exact value takes an
 * exponential. The bound is what `ehviAcquisition`'s batch prunes with; it is never a score.
 *
 * @example
 * logExpectedHypervolumeImprovementBound(boxes, [0.2, 0.4], [0.3, 0.3]) >= logExpectedHypervolumeImprovement(boxes, [0.2, 0.4], [0.1, 0.1]); // true
 */
export function logExpectedHypervolumeImprovementBound(boxes: readonly Box[], means: ArrayLike<number>, sigmaBounds: ArrayLike<number>): number {
  const m = means.length;
  if (boxes.length === 0) return Number.NEGATIVE_INFINITY;
  const { bounds, logH, intervals, intervalIndex, intervalWidth, intervalLogWidth, intervalScaled } = indexBoxes(boxes, m);
  let logScale = 0;
  for (let i = 0; i < m; i++) {
    const sigma = Math.max(sigmaBounds[i]!, 1e-10);
    const logSigma = Math.log(sigma);
    const mean = means[i]!;
    const list = bounds[i]!;
    const out = logH[i]!;
    for (let c = 0; c < list.length; c++) out[c] = logExpectedImprovementAtMost((list[c]! - mean) / sigma);
    const pairs = intervals[i]!;
    const widths = intervalWidth[i]!;
    const logWidths = intervalLogWidth[i]!;
    const scaled = intervalScaled[i]!;
    let largest = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < scaled.length; k++) {
      const upper = pairs[2 * k + 1]!;
      let factor = logSigma + out[upper]!;
      // The width bounds the factor only where the exact value has no cancellation to speak of
      // (h(b) − h(a) with b − a ≥ 1e−3·max(1, |b|)): a sliver's exact value can round above it.
      if (widths[k]! >= WIDTH_BOUND_SHARE * Math.max(sigma, Math.abs(list[upper]! - mean)) && logWidths[k]! < factor) factor = logWidths[k]!;
      if (factor !== factor) return Number.NaN;
      scaled[k] = factor;
      if (factor > largest) largest = factor;
    }
    // Every factor 0 on one axis: so is every box, and the exact value is −∞ too.
    if (largest === Number.NEGATIVE_INFINITY) return largest;
    for (let k = 0; k < scaled.length; k++) scaled[k] = Math.exp(scaled[k]! - largest);
    logScale += largest;
  }
  let sum = 0;
  if (m === 3) {
    const [first, second, third] = intervalScaled as [Float64Array, Float64Array, Float64Array];
    for (let b = 0, at = 0; b < boxes.length; b++, at += 3) sum += first[intervalIndex[at]!]! * second[intervalIndex[at + 1]!]! * third[intervalIndex[at + 2]!]!;
  } else {
    for (let b = 0; b < boxes.length; b++) {
      let product = 1;
      for (let i = 0; i < m; i++) product *= intervalScaled[i]![intervalIndex[b * m + i]!]!;
      sum += product;
    }
  }
  // Rounding of the exponentials, products and sum (relative), and factors or products that fell
  // below the smallest normal number (absolute, under 1e−320 each, so 1e−300 per box is ample).
  const value = logScale + Math.log(sum * (1 + 1e-12) + boxes.length * 1e-300);
  return value + BOUND_MARGIN * (1 + Math.abs(value));
}

/**
 * log E[(u − max(l, Y))₊] = log σ + log(h(b) − h(a)) for Y ~ N(μ, σ²) and its partial derivatives with respect to
 * μ and σ, written to `out` as [∂/∂μ, ∂/∂σ]. Ratios are taken in logs so that a box far in the tail
 * still gives a finite, correctly signed gradient.
 */
function logBoxFactorWithGradient(lower: number, upper: number, mean: number, sigma: number, out: Float64Array): number {
  const b = (upper - mean) / sigma;
  const logB = logExpectedImprovementFromZ(b);
  if (lower === Number.NEGATIVE_INFINITY) {
    // φ(b)/h(b) = 1 − b·Φ(b)/h(b); Φ(b)/h(b) is the EI gradient in z.
    const ratio = logExpectedImprovementGradientFromZ(b);
    out[0] = -ratio / sigma;
    out[1] = (1 - b * ratio) / sigma;
    return Math.log(sigma) + logB;
  }
  const a = (lower - mean) / sigma;
  const logA = logExpectedImprovementFromZ(a);
  if (!(logA < logB)) {
    out[0] = 0;
    out[1] = 0;
    return Number.NEGATIVE_INFINITY;
  }
  const logD = logB + log1mexp(logA - logB);
  const logCdfB = logNormalCdf(b);
  const logCdfA = logNormalCdf(a);
  const massRatio = logCdfA < logCdfB ? Math.exp(logCdfB + log1mexp(logCdfA - logCdfB) - logD) : 0;
  const densityDifference = Math.exp(logNormalPdf(b) - logD) - Math.exp(logNormalPdf(a) - logD);
  out[0] = -massRatio / sigma;
  out[1] = densityDifference / sigma;
  if (!Number.isFinite(out[0]) || !Number.isFinite(out[1])) {
    out[0] = 0;
    out[1] = 0;
  }
  return Math.log(sigma) + logD;
}

/**
 * {@link logExpectedHypervolumeImprovement} and its gradient with respect to each objective's
 * mean and standard deviation, written to `meanGradient` and `sigmaGradient` (length m). A σ at
 * the floor of 1e−10 has no σ-gradient.
 *
 * @example
 * const dMean = new Float64Array(2), dSigma = new Float64Array(2);
 * logExpectedHypervolumeImprovementWithGradient(boxes, [0.2, 0.4], [0.1, 0.1], dMean, dSigma);
 */
export function logExpectedHypervolumeImprovementWithGradient(
  boxes: readonly Box[],
  means: ArrayLike<number>,
  sigmas: ArrayLike<number>,
  meanGradient: Float64Array,
  sigmaGradient: Float64Array,
  scratch?: { terms: Float64Array },
): number {
  const m = means.length;
  const terms = scratch && scratch.terms.length >= boxes.length ? scratch.terms : new Float64Array(boxes.length);
  const value = boxTerms(boxes, means, sigmas, terms);
  meanGradient.fill(0);
  sigmaGradient.fill(0);
  if (!Number.isFinite(value)) return value;
  // A factor's gradient depends on its interval alone: computed once per interval, when a box
  // that counts first needs it.
  const { intervals, intervalIndex, intervalGradient, intervalDone, bounds } = indexBoxes(boxes, m);
  for (const done of intervalDone) done.fill(0);
  const factor = new Float64Array(2);
  for (let b = 0; b < boxes.length; b++) {
    // Boxes that hold a negligible share of the sum do not move the gradient: skip their partials
    // (below e^−28 < 1e−12 without taking the exponential).
    const share = terms[b]! - value;
    if (share < -28) continue;
    const weight = Math.exp(share);
    if (weight < 1e-12) continue;
    for (let i = 0; i < m; i++) {
      const k = intervalIndex[b * m + i]!;
      const gradient = intervalGradient[i]!;
      if (intervalDone[i]![k] === 0) {
        const lower = intervals[i]![2 * k]!;
        const upper = bounds[i]![intervals[i]![2 * k + 1]!]!;
        logBoxFactorWithGradient(lower < 0 ? Number.NEGATIVE_INFINITY : bounds[i]![lower]!, upper, means[i]!, Math.max(sigmas[i]!, 1e-10), factor);
        gradient[2 * k] = factor[0]!;
        gradient[2 * k + 1] = factor[1]!;
        intervalDone[i]![k] = 1;
      }
      meanGradient[i] += weight * gradient[2 * k]!;
      if (sigmas[i]! > 1e-10) sigmaGradient[i] += weight * gradient[2 * k + 1]!;
    }
  }
  return value;
}
