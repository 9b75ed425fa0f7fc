/**
 * c-TPE (Watanabe and Hutter 2023, "c-TPE: Tree-structured Parzen Estimator with Inequality
 * Constraints for Expensive Hyperparameter Optimization", IJCAI): one pair of Parzen estimators per
 * constraint beside the objective's, and an acquisition that is the product of every factor's
 * relative density ratio.
 *
 * - Per constraint c_k the observations are split at a quantile γ_k of their c_k values, with
 *   γ_k = max(γ, feasible_k / n): every observation that satisfies c_k is on the good side, and
 *   while few do, the least-violating γ·n are. Once every observation satisfies c_k, γ_k = 1 and
 *   the factor is exactly 1, so a constraint that never binds costs nothing.
 * - Each factor scores a candidate by its relative density ratio
 *   r(x) = l(x) / (γ l(x) + (1 − γ) g(x)), bounded by 1/γ, rather than l/g: a plain product of l/g
 *   ratios lets one factor with a tiny g dominate the others.
 * - Candidates are drawn from the objective's l and from every active constraint's l, so the
 *   search reaches feasible regions the objective alone would not propose.
 */
import type { Rng } from "../../math/rng.js";
import { readableConstraints } from "../../analysis/index.js";
import type { Dimension } from "./dimension.js";
import type { HistoryRow } from "./history.js";
import { MultivariateParzen, type ParzenOptions } from "./parzen-estimator.js";

/** log(γ·eᵃ + (1 − γ)·eᵇ) − a subtracted from a: the log relative density ratio of one factor. */
export function logRelativeRatio(logBelow: number, logAbove: number, gamma: number): number {
  if (gamma >= 1) return 0;
  const x = Math.log(gamma) + logBelow;
  const y = Math.log1p(-gamma) + logAbove;
  const high = x > y ? x : y;
  if (high === Number.NEGATIVE_INFINITY) return 0;
  return logBelow - (high + Math.log(Math.exp(x - high) + Math.exp(y - high)));
}

/** How many of `values` form the good side of one constraint: max(⌈γ·n⌉, feasible), at most n. */
export function constraintBelowCount(values: ArrayLike<number>, gammaCount: number): number {
  let feasible = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! <= 0) feasible++;
  return Math.min(values.length, Math.max(gammaCount, feasible));
}

interface Factor {
  readonly below: MultivariateParzen;
  readonly above: MultivariateParzen;
  gamma: number;
}

/** The per-constraint densities of one joint group, rebuilt per suggestion. */
export class ConstraintDensities {
  private readonly factors: Factor[] = [];
  private active = 0;

  /** Whether any of the rows carries constraint values. */
  static applies(rows: readonly HistoryRow[]): boolean {
    for (const row of rows) if (row.trial.systemAttrs.constraints !== undefined && row.trial.systemAttrs.constraints !== null) return true;
    return false;
  }

  /**
   * Builds the densities of every constraint that does not already hold everywhere, over the
   * rows that have every parameter of the group (`complete`) and constraint values. `byNumber`
   * lists the rows in trial-number order; `values` is the group's row-major coordinate matrix.
   * Returns the number of active constraint factors.
   */
  build(
    rows: readonly HistoryRow[],
    byNumber: readonly number[],
    values: Float64Array,
    complete: Uint8Array,
    dimensions: readonly Dimension[],
    gammaFraction: number,
    options: ParzenOptions,
  ): number {
    const d = dimensions.length;
    const used: number[] = [];
    const constraintValues: (readonly number[])[] = [];
    let count = -1;
    // In trial-number order: `rows` are in the order this process saw the trials finish, which
    // another worker or a resumed process sees otherwise, and ties below kept that order.
    for (const row of byNumber) {
      if (complete[row] === 0) continue;
      // Malformed stored constraints give no values to model (the split ranks such a row infeasible).
      const c = readableConstraints(rows[row]!.trial);
      if (c === null) continue;
      if (count === -1) count = c.length;
      if (c.length !== count) continue;
      used.push(row);
      constraintValues.push(c);
    }
    this.active = 0;
    const n = used.length;
    if (n < 2 || count <= 0) return 0;
    const gammaCount = Math.max(1, Math.ceil(gammaFraction * n));
    const ones = new Float64Array(n).fill(1);
    const below = new Float64Array(n * d);
    const above = new Float64Array(n * d);
    const column = new Float64Array(n);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < count; k++) {
      for (let i = 0; i < n; i++) column[i] = constraintValues[i]![k]!;
      const belowCount = constraintBelowCount(column, gammaCount);
      if (belowCount >= n) continue;
      // Ties keep trial order, so the split depends only on the history.
      order.sort((a, b) => column[a]! - column[b]! || a - b);
      let b = 0;
      let a = 0;
      for (let r = 0; r < n; r++) {
        const source = used[order[r]!]! * d;
        if (r < belowCount) for (let j = 0; j < d; j++) below[b * d + j] = values[source + j]!;
        else for (let j = 0; j < d; j++) above[a * d + j] = values[source + j]!;
        if (r < belowCount) b++;
        else a++;
      }
      const factor = this.factors[this.active] ?? { below: new MultivariateParzen(), above: new MultivariateParzen(), gamma: 0 };
      this.factors[this.active] = factor;
      factor.below.build(dimensions, below, ones, b, options);
      factor.above.build(dimensions, above, ones, a, options);
      factor.gamma = b / n;
      this.active++;
    }
    return this.active;
  }

  /** Draws `size` candidates from each active constraint's good-side density into `out`, from point `offset` on. */
  sample(rng: Rng, size: number, out: Float64Array, offset: number, d: number): void {
    for (let f = 0; f < this.active; f++) this.factors[f]!.below.sample(rng, size, out.subarray((offset + f * size) * d));
  }

  /** The sum of the active constraints' log relative density ratios at candidate `index`. */
  logRatio(points: Float64Array, index: number): number {
    let total = 0;
    for (let f = 0; f < this.active; f++) {
      const factor = this.factors[f]!;
      total += logRelativeRatio(factor.below.logPdfAt(points, index), factor.above.logPdfAt(points, index), factor.gamma);
    }
    return total;
  }
}
