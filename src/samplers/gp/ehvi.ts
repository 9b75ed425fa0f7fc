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
 */
import { log1mexp, logExpectedImprovementFromZ, logSumExp } from "../../math/special.js";

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
  for (;;) {
    let top = reference[last]!;
    for (const p of inside) {
      let covers = true;
      for (let k = 0; k < last; k++) {
        if (p[k]! > cuts[k]![index[k]!]!) {
          covers = false;
          break;
        }
      }
      if (covers && p[last]! < top) top = p[last]!;
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

/** log E[(u − max(l, Y))₊] for Y ~ N(μ, σ²), σ > 0: log σ + log(h(b) − h(a)). */
function logBoxFactor(lower: number, upper: number, mean: number, sigma: number): number {
  const logB = logExpectedImprovementFromZ((upper - mean) / sigma);
  if (lower === Number.NEGATIVE_INFINITY) return Math.log(sigma) + logB;
  const logA = logExpectedImprovementFromZ((lower - mean) / sigma);
  if (!(logA < logB)) return Number.NEGATIVE_INFINITY;
  return Math.log(sigma) + logB + log1mexp(logA - logB);
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
  const m = means.length;
  for (let b = 0; b < boxes.length; b++) {
    const { lower, upper } = boxes[b]!;
    let total = 0;
    for (let i = 0; i < m && total > Number.NEGATIVE_INFINITY; i++) {
      const sigma = Math.max(sigmas[i]!, 1e-10);
      total += logBoxFactor(lower[i]!, upper[i]!, means[i]!, sigma);
    }
    terms[b] = total;
  }
  return logSumExp(terms, boxes.length);
}
