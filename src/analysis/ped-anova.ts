/**
 * PED-ANOVA: Watanabe, Bansal & Hutter (2023), "PED-ANOVA: Efficiently Quantifying Hyperparameter
 * Importance in Arbitrary Subspaces", IJCAI.
 *
 * Importance here is about the good region rather than the whole space. Take the indicator
 * b(x) = 1 when x is among the top-γ trials, and look at it inside the subspace of the top-γ′
 * trials (γ < γ′; γ′ = 1 is every trial). Inside that subspace b has mean γ/γ′, and its marginal
 * along dimension d is E[b | x_d] = (γ/γ′)·p_γ(x_d)/p_γ′(x_d), where p_γ is the density of x_d
 * among the top-γ trials. The main-effect variance of b along d is therefore, in closed form,
 *
 *     v_d = (γ/γ′)² · D_PE(p_γ ‖ p_γ′),   D_PE(p ‖ q) = ∫ q(x)·(p(x)/q(x) − 1)² dx,
 *
 * the Pearson divergence between two one-dimensional densities. No surrogate model is fitted:
 * each density is a kernel density estimate of one parameter, so the cost is one pass over the
 * trials plus a one-dimensional integral per parameter. The importance of d is v_d / Σ v.
 *
 * Densities are estimated in the encoded unit interval (log scales and grids as the samplers see
 * them): numeric parameters by a Gaussian kernel estimate with Scott's bandwidth, each kernel
 * truncated to [0, 1], integrated on a fine grid; numeric parameters with few legal values (small
 * integer ranges, short grids) by the same kernels placed on the legal values, at least half a
 * value wide (so a large top set sees frequencies, and a small one over many values a smooth
 * estimate rather than sparse counts); categorical choices by frequencies. Both discrete estimates
 * are shrunk toward uniform by the same share (one pseudo-observation of the top set) in the top
 * and the baseline set, so a parameter spread alike in both, a constant one included, scores 0.
 * Trials are first
 * binned onto a fine grid, so 100,000 trials cost one pass and the kernels cost the same as for a
 * thousand.
 *
 * @module
 */
import { normalCdf } from "../math/special.js";
import { type Distribution, cardinality, choiceIndex, effectiveStep, encodeValue } from "../space/index.js";

/** Options of {@link pedAnovaImportances}; all optional. */
export interface PedAnovaOptions {
  /** γ: the fraction of best trials whose region is examined (default 0.1). */
  readonly quantile?: number;
  /** γ′: the fraction of best trials that forms the baseline (default 1, every trial). */
  readonly baselineQuantile?: number;
  /**
   * Each trial's value (indexed as `columns`' trials), to draw the top and baseline sets by value
   * as the paper does (the trials at least as good as the γ-quantile): trials tied with the last
   * one in a set join it. Without them the sets are cut by position in `order`, and a tie is
   * split arbitrarily: a constant objective would then show importance where there is none.
   */
  readonly values?: ArrayLike<number>;
}

/** Points of the integration grid over [0, 1] for continuous parameters. */
const GRID = 256;
/** Bins trials are counted into before kernels are placed on the bins. */
const BINS = 2048;
/** Parameters with at most this many legal values are treated as discrete. */
const MAX_DISCRETE = 64;

/**
 * The PED-ANOVA importances of the given parameters: per parameter, v_d (not normalized), in the
 * order of `distributions`.
 *
 * `columns[j][t]` is the value of parameter j in trial t, and `order` lists trial indices from best
 * to worst. Throws a RangeError naming `quantile` or `baselineQuantile` when they make no sense.
 *
 * @example
 * pedAnovaImportances([[0.1, 0.9, 0.2]], [{ type: "float", low: 0, high: 1 }], [0, 2, 1], { quantile: 0.34 });
 */
export function pedAnovaImportances(
  columns: readonly (readonly (number | string | boolean | null)[])[],
  distributions: readonly Distribution[],
  order: ArrayLike<number>,
  options: PedAnovaOptions = {},
): Float64Array {
  const quantile = options.quantile ?? 0.1;
  const baselineQuantile = options.baselineQuantile ?? 1;
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be in (0, 1), got ${quantile}`);
  if (!(baselineQuantile > quantile && baselineQuantile <= 1)) {
    throw new RangeError(`baselineQuantile must be in (quantile, 1], got ${baselineQuantile} with quantile ${quantile}`);
  }
  const n = order.length;
  let topCount = Math.max(2, Math.ceil(quantile * n));
  let baselineCount = Math.max(topCount + 1, Math.ceil(baselineQuantile * n));
  if (baselineCount > n) throw new RangeError(`PED-ANOVA needs more trials than the top ${topCount}: got ${n}`);
  const values = options.values;
  if (values) {
    const tiedPast = (count: number): number => {
      while (count < n && values[order[count]!] === values[order[count - 1]!]) count++;
      return count;
    };
    topCount = tiedPast(topCount);
    baselineCount = Math.max(tiedPast(baselineCount), topCount);
    // Every baseline trial is as good as the best: the values tell nothing about any parameter.
    if (topCount === baselineCount) return new Float64Array(distributions.length);
  }
  const factor = (topCount / baselineCount) ** 2;
  const result = new Float64Array(distributions.length);
  for (let j = 0; j < distributions.length; j++) {
    const distribution = distributions[j]!;
    const column = columns[j]!;
    const legal = legalPoints(distribution);
    const top = new Float64Array(topCount);
    const baseline = new Float64Array(baselineCount);
    for (let r = 0; r < baselineCount; r++) {
      const t = order[r]!;
      const encoded = legal ? discreteIndex(distribution, column[t]!, legal) : encodeValue(distribution, column[t] as number);
      baseline[r] = encoded;
      if (r < topCount) top[r] = encoded;
    }
    const ordered = legal !== null && distribution.type !== "categorical";
    const divergence = legal ? discreteDivergence(top, baseline, legal.length, ordered, 1 / topCount) : continuousDivergence(top, baseline);
    result[j] = factor * divergence;
  }
  return result;
}

/**
 * D_PE(p ‖ q) = Σ_x q(x)·(p(x)/q(x) − 1)² over the k legal values, p and q estimated from value
 * indices (see {@link discreteDensity}) and mixed with the uniform by the same `shrink` share, so a
 * value never seen in the baseline does not divide by zero. (One pseudo-observation per set gave
 * the small top set more of the uniform than the baseline: a constant parameter scored above 0.)
 */
function discreteDivergence(top: Float64Array, baseline: Float64Array, k: number, ordered: boolean, shrink: number): number {
  const p = discreteDensity(top, k, ordered, shrink);
  const q = discreteDensity(baseline, k, ordered, shrink);
  let divergence = 0;
  for (let c = 0; c < k; c++) divergence += q[c]! * (p[c]! / q[c]! - 1) ** 2;
  return divergence;
}

/**
 * The share of `indices` at each of k values, (f + shrink/k) / (1 + shrink). For ordered values
 * (integers, grids) f is a Gaussian kernel estimate over the value positions with Scott's
 * bandwidth, at least half a position wide, each kernel renormalised over the legal values: 64
 * raw bins for the eight trials of a top set looked far from any baseline, so an integer that did
 * nothing outranked the one that mattered.
 */
function discreteDensity(indices: Float64Array, k: number, ordered: boolean, shrink: number): Float64Array {
  const n = indices.length;
  const f = new Float64Array(k);
  if (!ordered) {
    for (const c of indices) f[c] += 1 / n;
  } else {
    let mean = 0;
    for (const c of indices) mean += c;
    mean /= n;
    let variance = 0;
    for (const c of indices) variance += (c - mean) ** 2;
    const bandwidth = Math.max(1.06 * Math.sqrt(variance / Math.max(1, n - 1)) * n ** -0.2, 0.5);
    const kernel = new Float64Array(k);
    for (const x of indices) {
      let mass = 0;
      for (let c = 0; c < k; c++) mass += kernel[c] = Math.exp(-0.5 * ((c - x) / bandwidth) ** 2);
      for (let c = 0; c < k; c++) f[c] += kernel[c]! / (mass * n);
    }
  }
  for (let c = 0; c < k; c++) f[c] = (f[c]! + shrink / k) / (1 + shrink);
  return f;
}

/** D_PE(p ‖ q) between two kernel density estimates on [0, 1], by the midpoint rule on {@link GRID} cells. */
function continuousDivergence(top: Float64Array, baseline: Float64Array): number {
  const p = kernelDensity(top);
  const q = kernelDensity(baseline);
  let divergence = 0;
  for (let g = 0; g < GRID; g++) divergence += q[g]! * (p[g]! / q[g]! - 1) ** 2;
  return divergence / GRID;
}

/**
 * A Gaussian kernel density estimate of points in [0, 1], evaluated at the centres of the grid
 * cells. Each kernel is truncated to [0, 1] and renormalised, so mass near an edge is not lost.
 * Bandwidth: Scott's rule 1.06·σ·n^(−1/5), at least one bin and half a grid cell wide.
 */
function kernelDensity(points: Float64Array): Float64Array {
  const n = points.length;
  const counts = new Float64Array(BINS);
  let mean = 0;
  for (const x of points) {
    counts[Math.min(BINS - 1, Math.floor(x * BINS))] += 1;
    mean += x;
  }
  mean /= n;
  let variance = 0;
  for (const x of points) variance += (x - mean) ** 2;
  const sigma = Math.sqrt(variance / Math.max(1, n - 1));
  const bandwidth = Math.max(1.06 * sigma * n ** -0.2, 0.5 / GRID, 1 / BINS);
  const density = new Float64Array(GRID);
  const reach = 8 * bandwidth;
  const norm = 1 / (Math.sqrt(2 * Math.PI) * bandwidth * n);
  for (let b = 0; b < BINS; b++) {
    const weight = counts[b]!;
    if (weight === 0) continue;
    const centre = (b + 0.5) / BINS;
    const mass = normalCdf((1 - centre) / bandwidth) - normalCdf(-centre / bandwidth);
    const scale = (weight * norm) / mass;
    const first = Math.max(0, Math.floor((centre - reach) * GRID));
    const last = Math.min(GRID - 1, Math.ceil((centre + reach) * GRID));
    for (let g = first; g <= last; g++) {
      const z = ((g + 0.5) / GRID - centre) / bandwidth;
      density[g] += scale * Math.exp(-0.5 * z * z);
    }
  }
  // A floor keeps p/q finite where the baseline has no trial near a grid point.
  for (let g = 0; g < GRID; g++) density[g] = Math.max(density[g]!, 1e-12);
  return density;
}

/** The legal values of a parameter with few of them, or null for one treated as continuous. */
function legalPoints(distribution: Distribution): readonly (number | string | boolean | null)[] | null {
  if (distribution.type === "categorical") return distribution.choices;
  const step = effectiveStep(distribution);
  const count = cardinality(distribution);
  // Log-scaled grids are kept continuous: their values are not evenly spaced where the density lives.
  if (step === undefined || distribution.log || count > MAX_DISCRETE) return null;
  return Array.from({ length: count }, (_, i) => distribution.low + i * step);
}

function discreteIndex(distribution: Distribution, value: number | string | boolean | null, legal: readonly (number | string | boolean | null)[]): number {
  if (distribution.type === "categorical") return choiceIndex(distribution, value);
  const step = effectiveStep(distribution)!;
  return Math.min(legal.length - 1, Math.max(0, Math.round(((value as number) - distribution.low) / step)));
}
