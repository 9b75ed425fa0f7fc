/**
 * The hypervolume conventions of multi-objective TPE (Ozaki, Tanigaki, Watanabe and Onishi 2020,
 * "Multiobjective Tree-Structured Parzen Estimator for Computationally Expensive Optimization
 * Problems", GECCO; and the 2022 JAIR version): Optuna's reference point and the contribution
 * weights of the "below" observations. The hypervolume itself is the shared exact one of
 * `src/analysis`. All objectives are minimized. Internal to the TPE sampler.
 */
import { hypervolume } from "../../analysis/index.js";

const EPS = 1e-12;

/** Optuna's reference point: 10 % beyond the worst value of each objective (EPS where that is 0). */
export function referencePoint(points: readonly Float64Array[]): Float64Array {
  const m = points[0]!.length;
  const reference = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let worst = Number.NEGATIVE_INFINITY;
    for (const p of points) if (p[k]! > worst) worst = p[k]!;
    const r = Math.max(1.1 * worst, 0.9 * worst);
    reference[k] = r === 0 ? EPS : r;
  }
  return reference;
}

/**
 * The points as they are, or, when the box from their best values to the reference point has a
 * volume beyond the largest number (2 objectives of size 1e155, 3 of 1e110), each objective divided
 * by a power of two near its largest magnitude. The hypervolume would otherwise be Infinity and
 * every difference of two NaN, which leaves greedy selection without a pick and the weights
 * undefined. Dividing an objective by a power of two is exact and multiplies every volume by the
 * same factor, so the selection is the one the exact arithmetic would make; ordinary magnitudes
 * keep their computation unchanged.
 */
export function scaledForHypervolume(points: readonly Float64Array[]): readonly Float64Array[] {
  if (points.length === 0) return points;
  const m = points[0]!.length;
  const reference = referencePoint(points);
  let box = 1;
  for (let k = 0; k < m; k++) {
    let best = Number.POSITIVE_INFINITY;
    for (const p of points) if (p[k]! < best) best = p[k]!;
    box *= reference[k]! - best;
  }
  if (Number.isFinite(box)) return points;
  const divisors = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let largest = 0;
    for (const p of points) largest = Math.max(largest, Math.abs(p[k]!));
    // Rounded down, so that 2^⌊log₂ 1.7e308⌋ is still finite.
    divisors[k] = largest > 0 ? 2 ** Math.floor(Math.log2(largest)) : 1;
  }
  return points.map((p) => p.map((value, k) => value / divisors[k]!));
}

/**
 * Weights of the below set from each point's exclusive hypervolume contribution, scaled so the
 * largest is 1 (MOTPE): points that shape the front more pull the sampler harder.
 */
export function contributionWeights(losses: readonly Float64Array[]): Float64Array {
  const n = losses.length;
  const weights = new Float64Array(n);
  if (n === 0) return weights;
  if (n === 1) {
    weights[0] = 1;
    return weights;
  }
  const points = scaledForHypervolume(losses);
  const reference = referencePoint(points);
  // Total minus the set without the point (rather than hypervolumeContributions' box-minus-limited
  // form): the same quantity, kept in this form so suggestions stay bit-identical to earlier releases.
  const total = hypervolume(points, reference);
  // With 2 and 3 objectives the hypervolume sweeps stably sort on the last objective, so handing
  // them each rest already in that order (ties by position, as the stable sort leaves them) gives
  // the same sweep, bit for bit, while their sort has only to confirm the order.
  const m = points[0]!.length;
  const order = Array.from({ length: n }, (_, j) => j);
  if (m === 2 || m === 3) order.sort((a, b) => points[a]![m - 1]! - points[b]![m - 1]! || a - b);
  const sorted = order.map((j) => points[j]!);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const rest = sorted.filter((_, k) => order[k] !== i);
    weights[i] = total - hypervolume(rest, reference) + EPS;
    if (weights[i]! > max) max = weights[i]!;
  }
  for (let i = 0; i < n; i++) weights[i] = Math.min(1, Math.max(0, weights[i]! / max));
  return weights;
}
