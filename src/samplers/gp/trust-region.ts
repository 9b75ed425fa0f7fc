/**
 * The trust region of Google Vizier's default GP bandit (Song et al. 2024, "The Vizier Gaussian
 * Process Bandit Algorithm", arXiv 2408.11527; `TrustRegion` in Vizier's `acquisitions.py`):
 * while the study is young, a proposal must lie within L∞ distance r of some evaluated point, in
 * the unit cube of the search space.
 *
 * The radius grows with the number of evaluated points n and the number of parameters p:
 *
 *   r = 0.2 + 0.3 · n / (5 (p + 1)),
 *
 * and the region is dropped once r reaches 0.5 (n ≥ 5 (p + 1)), when a ball of that radius around
 * an interior point already spans most of each axis. Categorical coordinates do not count towards
 * the distance (Vizier caps their one-hot distances at r, which is the same thing). Outside the
 * region the acquisition is replaced by −(10¹² + distance): worse than any acquisition value,
 * and falling with the distance so that a local search started outside walks back in. The acquisition search
 * also runs each L-BFGS-B start within the box of its nearest centre's ball.
 *
 * Why it exists: in several dimensions with few points, expected improvement is largest where the
 * posterior variance is, far from every observation, and most such proposals are wasted on the
 * box's corners; the region keeps the early search where the model has seen data.
 *
 * @module
 */
import type { Acquisition, AcquisitionBatch, DimensionKind } from "./acquisition.js";

/** Acquisition value outside the region, before the distance is subtracted. */
/** Below any real acquisition value: what a point where proposals may not lie scores, less the distance to where they may. */
export const OUTSIDE = -1e12;

/** A union of L∞ balls of one radius around evaluated points, over the numeric coordinates. */
export interface TrustRegion {
  readonly centres: readonly Float64Array[];
  readonly radius: number;
  /** Indices of the coordinates that count (the numeric ones). */
  readonly numeric: Int32Array;
}

/**
 * Vizier's trust region around `points` (the evaluated points, in the search cube), or null when
 * it no longer restricts anything: its radius has reached 0.5, or there is nothing to centre it on.
 *
 * @example
 * vizierTrustRegion(points, dimensions)?.radius; // 0.2 + 0.3·n / (5(p + 1)) while below 0.5
 */
export function vizierTrustRegion(points: readonly Float64Array[], dimensions: readonly DimensionKind[]): TrustRegion | null {
  const radius = vizierTrustRadius(points.length, dimensions.length);
  const numeric = Int32Array.from(dimensions.flatMap((kind, i) => (kind.type === "categorical" ? [] : [i])));
  if (radius >= 0.5 || points.length === 0 || numeric.length === 0) return null;
  return { centres: points, radius, numeric };
}

/**
 * Vizier's radius for `observations` evaluated points of a `parameters`-parameter space.
 *
 * @example
 * vizierTrustRadius(0, 4); // 0.2
 * vizierTrustRadius(25, 4); // 0.5
 */
export function vizierTrustRadius(observations: number, parameters: number): number {
  return 0.2 + (0.3 * observations) / (5 * (parameters + 1));
}

/**
 * L∞ distance (over the region's coordinates) from `point` to the nearest centre. With `gradient`,
 * also writes the distance's gradient in `point` (±1 on the coordinate that sets it, 0 elsewhere).
 *
 * @example
 * distanceToRegion(region, point) <= region.radius; // inside
 */
export function distanceToRegion(region: TrustRegion, point: ArrayLike<number>, gradient?: Float64Array): number {
  const { distance, centre, coordinate } = nearest(region, point);
  if (gradient) {
    gradient.fill(0);
    if (coordinate >= 0) gradient[coordinate] = Math.sign(point[coordinate]! - region.centres[centre]![coordinate]!);
  }
  return distance;
}

/**
 * Index of the centre nearest to `point` in L∞ distance (over the region's coordinates).
 *
 * @example
 * const box = region.centres[nearestCentre(region, start)]; // its ball is the box centre ± radius
 */
export function nearestCentre(region: TrustRegion, point: ArrayLike<number>): number {
  return nearest(region, point).centre;
}

function nearest(region: TrustRegion, point: ArrayLike<number>): { distance: number; centre: number; coordinate: number } {
  let nearest = Infinity;
  let nearestCentre = -1;
  let nearestCoordinate = -1;
  for (let c = 0; c < region.centres.length; c++) {
    const centre = region.centres[c]!;
    let farthest = 0;
    let coordinate = -1;
    for (let k = 0; k < region.numeric.length; k++) {
      const i = region.numeric[k]!;
      const gap = Math.abs(point[i]! - centre[i]!);
      if (gap > farthest) {
        farthest = gap;
        coordinate = i;
      }
      if (farthest >= nearest) break;
    }
    if (farthest < nearest) {
      nearest = farthest;
      nearestCentre = c;
      nearestCoordinate = coordinate;
    }
  }
  return { distance: nearest, centre: nearestCentre, coordinate: nearestCoordinate };
}

/**
 * The value a point outside `region` gets in place of its acquisition, or null inside: below every
 * real acquisition value and falling with the distance.
 *
 * @example
 * outsideValue(region, point) ?? acquisition.value(point);
 */
export function outsideValue(region: TrustRegion, point: ArrayLike<number>): number | null {
  const distance = distanceToRegion(region, point);
  return distance <= region.radius ? null : OUTSIDE - distance;
}

/**
 * `base` restricted to `region`: unchanged inside, −(10¹² + distance) outside. Upper bounds stay
 * upper bounds, so the candidate search keeps its pruning.
 *
 * @example
 * const acquisition = withinTrustRegion(logExpectedImprovementAcquisition(gp, best), region);
 */
export function withinTrustRegion(base: Acquisition, region: TrustRegion | null): Acquisition {
  if (region === null) return base;
  let distanceGradient = new Float64Array(0);
  const baseWithGradient = base.valueWithGradient?.bind(base);
  const baseBatch = base.batch?.bind(base);
  return {
    value: (point) => outsideValue(region, point) ?? base.value(point),
    ...(baseWithGradient && {
      valueWithGradient(point: Float64Array, gradient: Float64Array): number {
        if (distanceGradient.length !== point.length) distanceGradient = new Float64Array(point.length);
        const distance = distanceToRegion(region, point, distanceGradient);
        if (distance <= region.radius) return baseWithGradient(point, gradient);
        for (let i = 0; i < point.length; i++) gradient[i] = -distanceGradient[i]!;
        return OUTSIDE - distance;
      },
    }),
    ...(baseBatch && {
      batch(points: Float64Array, count: number): AcquisitionBatch {
        const inner = baseBatch(points, count);
        const d = points.length / Math.max(1, count);
        const outside = new Array<number | null>(count);
        const upperBounds = new Float64Array(count);
        for (let c = 0; c < count; c++) {
          outside[c] = outsideValue(region, points.subarray(c * d, (c + 1) * d));
          upperBounds[c] = outside[c] ?? inner.upperBounds[c]!;
        }
        return {
          upperBounds,
          values(indices, out) {
            const inside = indices.filter((c) => outside[c] === null);
            if (inside.length > 0) inner.values(inside, out);
            for (const c of indices) if (outside[c] !== null) out[c] = outside[c]!;
          },
          ...(inner.tighten && {
            tighten(indices: readonly number[], fraction: number) {
              const inside = indices.filter((c) => outside[c] === null);
              if (inside.length > 0) inner.tighten!(inside, fraction);
              for (const c of inside) upperBounds[c] = inner.upperBounds[c]!;
            },
          }),
        };
      },
    }),
  };
}
