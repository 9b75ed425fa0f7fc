/**
 * Slow, obviously correct hypervolumes, the references the fast algorithms are tested and
 * benchmarked against. Internal: not part of the folder's public door.
 */
import type { LossVector } from "./hypervolume.js";

/**
 * Inclusion–exclusion over every non-empty subset: the union of the points' boxes is the signed
 * sum of the boxes of the subsets' componentwise-worst corners. O(2ⁿ · m); for n up to about 16.
 */
export function hypervolumeByInclusionExclusion(points: readonly LossVector[], reference: LossVector): number {
  const m = reference.length;
  const n = points.length;
  if (n > 20) throw new RangeError(`inclusion–exclusion over ${n} points is too slow`);
  let volume = 0;
  const corner = new Float64Array(m);
  for (let mask = 1; mask < 1 << n; mask++) {
    corner.fill(Number.NEGATIVE_INFINITY);
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (!(mask & (1 << i))) continue;
      size++;
      for (let k = 0; k < m; k++) if (points[i]![k]! > corner[k]!) corner[k] = points[i]![k]!;
    }
    let box = 1;
    for (let k = 0; k < m; k++) box *= Math.max(0, reference[k]! - corner[k]!);
    volume += size % 2 === 1 ? box : -box;
  }
  return volume;
}

/**
 * Cuts space along every coordinate the points use and adds up the grid cells some point
 * dominates. O(nᵐ⁺¹); for small sets in few objectives, where cancellation in inclusion–exclusion
 * would otherwise blur the comparison.
 */
export function hypervolumeByGrid(points: readonly LossVector[], reference: LossVector): number {
  const m = reference.length;
  const cuts: number[][] = [];
  for (let k = 0; k < m; k++) {
    const values = new Set<number>([reference[k]!]);
    for (const p of points) if (p[k]! < reference[k]!) values.add(p[k]!);
    cuts.push([...values].sort((a, b) => a - b));
  }
  if (cuts.some((c) => c.length < 2)) return 0;
  const index = new Array<number>(m).fill(0);
  let volume = 0;
  for (;;) {
    let dominated = false;
    for (const p of points) {
      let below = true;
      for (let k = 0; k < m; k++) {
        if (!(p[k]! <= cuts[k]![index[k]!]!)) {
          below = false;
          break;
        }
      }
      if (below) {
        dominated = true;
        break;
      }
    }
    if (dominated) {
      let cell = 1;
      for (let k = 0; k < m; k++) cell *= cuts[k]![index[k]! + 1]! - cuts[k]![index[k]!]!;
      volume += cell;
    }
    let k = 0;
    while (k < m && ++index[k]! >= cuts[k]!.length - 1) index[k++] = 0;
    if (k === m) return volume;
  }
}
