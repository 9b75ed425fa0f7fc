/**
 * CMA-ES with Margin: the correction that keeps integer and stepped coordinates of a CMA-ES search
 * distribution from freezing on one grid value. Internal to the cmaes folder.
 *
 * Hamano, Saito, Nomura, Shirakawa, "CMA-ES with Margin: Lower-Bounding Marginal Probability for
 * Mixed-Integer Black-Box Optimization", GECCO 2022 (arXiv:2205.13482). Equation numbers below are
 * the arXiv version's; the `cmaes` Python package's `CMAwM` is the reference implementation.
 *
 * Why: CMA-ES samples x ~ N(m, σ²C) and a discrete coordinate is rounded to its grid. Once σ√C_jj
 * is small next to a grid cell, almost every draw rounds to the value the mean sits on, so the
 * sampler proposes the same point again and again and can no longer move along that coordinate.
 *
 * The rule, after every ordinary CMA-ES update and for each discrete coordinate j on its own (the
 * marginal N(m_j, (σ A_j)² C_jj), with A a diagonal scaling that applies to discrete coordinates
 * only and starts at 1):
 * - Let ℓ and u be the thresholds of the grid cell that contains m_j (where rounding changes its
 *   answer), p_low = Pr(x_j ≤ ℓ) and p_up = Pr(x_j > u): the chances of leaving the cell downwards
 *   and upwards. The margin α (default 1/(N·λ), N the dimension and λ the population) is the least
 *   total chance of leaving that the rule allows.
 * - Edge cells (the lowest or highest grid value) have one threshold t. If the chance of crossing
 *   it is below α, m_j moves towards t until it is exactly α:
 *   m_j ← t ∓ σ A_j √C_jj · Φ⁻¹(1 − α) (eq. 16; σ, C and A untouched).
 * - Interior cells: each side is lifted to at least α/2, and the three probabilities (below, in,
 *   above) are renormalised so the ones that were not lifted give up the difference in proportion
 *   to their excess over α/2 (eq. 17–18). Then m_j and A_j are solved from the two equations
 *   Pr(x_j ≤ ℓ) = p'_low and Pr(x_j > u) = p'_up (eq. 19–20): with z_low = Φ⁻¹(1 − p'_low) and
 *   z_up = Φ⁻¹(1 − p'_up), m_j = (ℓ z_up + u z_low)/(z_low + z_up) and
 *   σ A_j √C_jj = (u − ℓ)/(z_low + z_up). σ and C are untouched, so the update of the continuous
 *   coordinates and of the covariance is exactly CMA-ES's.
 * - Draws are taken from N(m, σ²C) as usual; a discrete coordinate is evaluated at
 *   m_j + A_j (x_j − m_j) and rounded, while the update sees the raw x (the paper's Algorithm 1).
 */
import { normalCdf, normalQuantile } from "../../math/special.js";

/** A coordinate of the search distribution that is rounded to a grid before evaluation. */
export interface DiscreteCoordinate {
  /** Its position in the vector the strategy samples. */
  readonly index: number;
  /** The thresholds of the grid cell that contains `unit`; −∞ / +∞ on the first / last cell. */
  cellAround(unit: number): { lower: number; upper: number };
}

/** The margin α of the paper when none is given: 1/(N·λ). */
export function defaultMargin(dimension: number, lambda: number): number {
  return 1 / (dimension * lambda);
}

/**
 * The chances that coordinate `coordinate.index` of N(mean, (σ·scale)² C) falls below and above the
 * grid cell the mean is in (0 on a side without a threshold).
 *
 * @example
 * marginalLeaveProbabilities({ mean, sigma, C, scale }, { index: 0, cellAround: () => ({ lower: 0.25, upper: 0.5 }) })
 */
export function marginalLeaveProbabilities(
  distribution: { readonly mean: ArrayLike<number>; readonly sigma: number; readonly C: ArrayLike<number>; readonly scale: ArrayLike<number> },
  coordinate: DiscreteCoordinate,
): { below: number; above: number } {
  const n = distribution.mean.length;
  const i = coordinate.index;
  const m = distribution.mean[i]!;
  const sd = distribution.sigma * distribution.scale[i]! * Math.sqrt(distribution.C[i * n + i]!);
  const { lower, upper } = coordinate.cellAround(m);
  return {
    below: Number.isFinite(lower) ? normalCdf((lower - m) / sd) : 0,
    above: Number.isFinite(upper) ? normalCdf((m - upper) / sd) : 0,
  };
}

/**
 * Applies the margin correction to `mean` and `scale` (the diagonal A) in place, coordinate by
 * coordinate, so that each discrete coordinate leaves the cell of its mean with probability at
 * least `alpha`. Continuous coordinates, σ and C are not touched.
 */
export function applyMargin(
  distribution: { readonly mean: Float64Array; readonly sigma: number; readonly C: ArrayLike<number>; readonly scale: Float64Array },
  coordinates: readonly DiscreteCoordinate[],
  alpha: number,
): void {
  const { mean, sigma, C, scale } = distribution;
  const n = mean.length;
  const zAlpha = normalQuantile(1 - alpha);
  for (const coordinate of coordinates) {
    const i = coordinate.index;
    const m = mean[i]!;
    const rootC = Math.sqrt(C[i * n + i]!);
    const sd = sigma * scale[i]! * rootC;
    if (!(sd > 0) || !Number.isFinite(m)) continue;
    const { lower, upper } = coordinate.cellAround(m);
    const hasLower = Number.isFinite(lower);
    const hasUpper = Number.isFinite(upper);
    if (hasLower !== hasUpper) {
      // Edge cell: one threshold, one way out (eq. 16).
      const threshold = hasLower ? lower : upper;
      const leave = hasLower ? normalCdf((lower - m) / sd) : normalCdf((m - upper) / sd);
      if (leave < alpha) mean[i] = hasLower ? threshold + sd * zAlpha : threshold - sd * zAlpha;
      continue;
    }
    if (!hasLower) continue;
    const below = normalCdf((lower - m) / sd);
    const above = normalCdf((m - upper) / sd);
    const half = alpha / 2;
    if (below >= half && above >= half) continue;
    // Interior cell (eq. 17–18): lift each side to α/2, and take what that adds from the others in
    // proportion to how far they are above α/2, so all three still sum to one.
    const inside = 1 - below - above;
    const liftedBelow = Math.max(below, half);
    const liftedAbove = Math.max(above, half);
    const excess = liftedBelow + inside + liftedAbove - 1;
    const spare = liftedBelow + inside + liftedAbove - 3 * half;
    const clamp = (p: number): number => Math.min(0.5 - 1e-10, Math.max(1e-10, p));
    const targetBelow = clamp(liftedBelow - (excess * (liftedBelow - half)) / spare);
    const targetAbove = clamp(liftedAbove - (excess * (liftedAbove - half)) / spare);
    // Solve m_j and A_j from the two tail probabilities (eq. 19–20).
    const zBelow = normalQuantile(1 - targetBelow);
    const zAbove = normalQuantile(1 - targetAbove);
    scale[i] = (upper - lower) / ((zBelow + zAbove) * sigma * rootC);
    mean[i] = (lower * zAbove + upper * zBelow) / (zBelow + zAbove);
  }
}
