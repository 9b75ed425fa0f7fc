/**
 * Exact hypervolume of a set of loss vectors (all objectives minimized) with respect to a
 * reference point: the volume of the region the points dominate and the reference bounds.
 *
 * - 2 objectives: one sweep, O(n log n).
 * - 3 objectives: a sweep over the third objective that keeps the two-dimensional staircase of
 *   the points seen so far and updates its area on each insertion (the HV3D idea of Fonseca,
 *   Paquete and López-Ibáñez 2006 and Beume et al. 2009), O(n log n) comparisons plus the
 *   staircase edits.
 * - 4 or more: WFG (While, Bradstreet and Barone 2012, "A fast way of calculating exact
 *   hypervolumes", IEEE TEC 16(1)): the volume is the sum of each point's exclusive volume
 *   against the points after it, each computed from the hypervolume of a "limited" set. With the
 *   points sorted worst-first on the last objective, every limited set is flat in that objective,
 *   so the recursion drops one dimension until the exact 3-D sweep takes over. Two things keep it
 *   fast (5 objectives, 1,000 points on a sphere: about 3× less CPU than the textbook recursion):
 *   each limited set is filtered to its non-dominated points while it is built, in one flat
 *   buffer; and at 4 objectives the 3-D sweeps of all limited sets share one order on the third
 *   objective, so none of them sorts or allocates.
 *
 * Points that do not strictly dominate the reference in every objective bound nothing and are
 * ignored. A point that does, with an infinite side (the reference at +Infinity or the point at
 * −Infinity in an objective), bounds an infinite volume: the hypervolume is Infinity. A NaN coordinate, in a point or the reference, is refused with a RangeError: it has no
 * volume to give, and ignoring it made a front of unknown outcomes read as a hypervolume of 0.
 */

import { lowerBound } from "../math/sorted.js";

/** A point as losses; plain arrays and typed arrays both work. */
export type LossVector = ArrayLike<number>;

/**
 * The hypervolume dominated by `points` and bounded by `reference` (all objectives minimized).
 * A point or reference with a NaN coordinate is refused (RangeError naming it).
 *
 * @example
 * hypervolume([[1, 2], [2, 1]], [3, 3]) // 3
 * hypervolume([[0, 0, 0]], [1, 2, 3])   // 6
 */
export function hypervolume(points: readonly LossVector[], reference: LossVector): number {
  const m = reference.length;
  checkLosses("hypervolume", points, reference);
  const inside = points.filter((p) => strictlyInside(p, reference));
  // A point inside bounds a box with every side positive: one infinite side makes its volume, and
  // the union's, infinite. The sweeps multiplied that side by a strip of height 0 and gave NaN.
  if (inside.some((p) => hasInfiniteSide(p, reference))) return Number.POSITIVE_INFINITY;
  return hypervolumeInside(inside, reference, m);
}

function hasInfiniteSide(p: LossVector, reference: LossVector): boolean {
  for (let k = 0; k < reference.length; k++) if (reference[k] === Number.POSITIVE_INFINITY || p[k] === Number.NEGATIVE_INFINITY) return true;
  return false;
}

/**
 * Each point's exclusive hypervolume contribution: how much the hypervolume of the whole set
 * shrinks when that point alone is removed. Dominated points, and each of two equal points,
 * contribute 0; a dominated point still takes its share away from the point that dominates it.
 * Computed per point as its own box minus the hypervolume of the other points limited to that box.
 * A point or reference with a NaN coordinate is refused (RangeError naming it).
 *
 * @example
 * hypervolumeContributions([[1, 2], [2, 1]], [3, 3]) // Float64Array [1, 1]
 */
export function hypervolumeContributions(points: readonly LossVector[], reference: LossVector): Float64Array {
  const m = reference.length;
  const n = points.length;
  const contributions = new Float64Array(n);
  checkLosses("hypervolumeContributions", points, reference);
  const insideIndex: number[] = [];
  for (let i = 0; i < n; i++) if (strictlyInside(points[i]!, reference)) insideIndex.push(i);
  for (const i of insideIndex) {
    const p = points[i]!;
    const limited: Float64Array[] = [];
    for (const j of insideIndex) if (j !== i) limited.push(worseOf(p, points[j]!));
    // The sweeps take dominated points in their stride; only WFG gains from filtering them first.
    const relevant = m > 4 ? nondominatedUnique(limited) : limited;
    contributions[i] = Math.max(0, boxVolume(p, reference, m) - hypervolumeInside(relevant, reference, m));
  }
  return contributions;
}

/**
 * Greedy hypervolume subset selection: picks `size` of `points`, each time the one that adds the
 * most hypervolume to those already picked (within 1 − 1/e of the best subset, as hypervolume is
 * submodular). Returns positions in `points`; ties go to the earlier point. A point or reference
 * with a NaN coordinate is refused (RangeError naming it).
 *
 * @example
 * greedyHypervolumeSubset([[1, 3], [2, 2], [3, 1]], 2, [4, 4]) // [1, 0]
 */
export function greedyHypervolumeSubset(points: readonly LossVector[], size: number, reference: LossVector): number[] {
  // A fractional size picked one point more than it said, and NaN picked none without a word.
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`greedyHypervolumeSubset: size must be a whole number ≥ 0, got ${size}`);
  checkLosses("greedyHypervolumeSubset", points, reference);
  const chosen: number[] = [];
  const chosenPoints: LossVector[] = [];
  const taken = new Uint8Array(points.length);
  let current = 0;
  while (chosen.length < size && chosen.length < points.length) {
    let best = -1;
    let bestGain = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.length; i++) {
      if (taken[i]) continue;
      chosenPoints.push(points[i]!);
      const gain = hypervolume(chosenPoints, reference) - current;
      chosenPoints.pop();
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    taken[best] = 1;
    chosen.push(best);
    chosenPoints.push(points[best]!);
    current = hypervolume(chosenPoints, reference);
  }
  return chosen;
}

/** Refuses a reference without objectives, points whose length differs from the reference's, and NaN in any point or the reference. */
function checkLosses(caller: string, points: readonly LossVector[], reference: LossVector): void {
  const m = reference.length;
  // With no objective every point "dominates" the empty reference and the empty product is 1.
  if (m === 0) throw new RangeError(`${caller}: the reference has no objectives; give one value per objective`);
  for (let k = 0; k < m; k++) {
    if (Number.isNaN(reference[k])) throw new RangeError(`${caller}: the reference is NaN in objective ${k}; it must be a number`);
  }
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.length !== m) throw new RangeError(`${caller}: a point has ${p.length} objectives, the reference ${m}`);
    for (let k = 0; k < m; k++) {
      if (Number.isNaN(p[k])) throw new RangeError(`${caller}: point ${i} is NaN in objective ${k}; it bounds no volume, so leave it out or give it a number`);
    }
  }
}

function strictlyInside(p: LossVector, reference: LossVector): boolean {
  for (let k = 0; k < reference.length; k++) if (!(p[k]! < reference[k]!)) return false;
  return true;
}

function boxVolume(p: LossVector, reference: LossVector, m: number): number {
  let volume = 1;
  for (let k = 0; k < m; k++) volume *= reference[k]! - p[k]!;
  return volume;
}

function worseOf(a: LossVector, b: LossVector): Float64Array {
  const out = new Float64Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = a[k]! > b[k]! ? a[k]! : b[k]!;
  return out;
}

/** Hypervolume of points already known to lie strictly inside the reference, using the first `m` objectives. */
function hypervolumeInside(points: readonly LossVector[], reference: LossVector, m: number): number {
  if (points.length === 0) return 0;
  if (points.length === 1) return boxVolume(points[0]!, reference, m);
  if (m === 1) {
    let best = reference[0]!;
    for (const p of points) if (p[0]! < best) best = p[0]!;
    return reference[0]! - best;
  }
  if (m === 2) return sweep2d(points, reference);
  if (m === 3) return sweep3d(points, reference);
  if (m === 4) return wfg4d(nondominatedUnique(points, 4), reference);
  return wfg(points, reference, m);
}

/** Sweeps upward in the second objective, each strip as wide as the best first objective seen so far. */
function sweep2d(points: readonly LossVector[], reference: LossVector): number {
  const sorted = [...points].sort((a, b) => a[1]! - b[1]!);
  let area = 0;
  let bestX = reference[0]!;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]![0]! < bestX) bestX = sorted[i]![0]!;
    const top = i + 1 < sorted.length ? sorted[i + 1]![1]! : reference[1]!;
    area += (reference[0]! - bestX) * (top - sorted[i]![1]!);
  }
  return area;
}

/**
 * Sweeps upward in the third objective. The points below the sweep plane project to a staircase in
 * the first two objectives (x ascending, y descending); its dominated area times the height of each
 * slab is that slab's volume. An insertion adds exactly the area the new point covers that the
 * staircase did not, computed over the steps it removes.
 */
function sweep3d(points: readonly LossVector[], reference: LossVector): number {
  const sorted = [...points].sort((a, b) => a[2]! - b[2]!);
  const rx = reference[0]!;
  const ry = reference[1]!;
  const xs: number[] = [];
  const ys: number[] = [];
  let area = 0;
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]![0]!;
    const y = sorted[i]![1]!;
    // First step with xs[j] >= x.
    const lo = lowerBound(xs, x);
    const covered = (lo > 0 && ys[lo - 1]! <= y) || (lo < xs.length && xs[lo] === x && ys[lo]! <= y);
    if (!covered) {
      let floor = lo > 0 ? ys[lo - 1]! : ry;
      let left = x;
      let end = lo;
      while (end < xs.length && ys[end]! >= y) {
        area += (xs[end]! - left) * (floor - y);
        left = xs[end]!;
        floor = ys[end]!;
        end++;
      }
      const right = end < xs.length ? xs[end]! : rx;
      area += (right - left) * (floor - y);
      xs.splice(lo, end - lo, x);
      ys.splice(lo, end - lo, y);
    }
    const top = i + 1 < sorted.length ? sorted[i + 1]![2]! : reference[2]!;
    volume += area * (top - sorted[i]![2]!);
  }
  return volume;
}

/**
 * WFG's step from 4 objectives to 3 without sorting or allocating per point. Every limited set is
 * swept in the third objective, and max(p₂, ·) keeps the order of the third coordinates, so one
 * global order on that objective, filtered to the points after p on the fourth, is already the
 * sweep's order. The staircase lives in flat arrays reused from point to point.
 */
function wfg4d(front: readonly LossVector[], reference: LossVector): number {
  const n = front.length;
  if (n === 0) return 0;
  const r0 = reference[0]!;
  const r1 = reference[1]!;
  const r2 = reference[2]!;
  const r3 = reference[3]!;
  // Worst first on the fourth objective: rank r sees only the points of larger rank.
  const byLast = Array.from({ length: n }, (_, i) => i).sort((a, b) => front[b]![3]! - front[a]![3]! || a - b);
  const rank = new Int32Array(n);
  byLast.forEach((index, r) => (rank[index] = r));
  const byThird = Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => front[a]![2]! - front[b]![2]! || a - b));
  const xs = new Float64Array(n + 1);
  const ys = new Float64Array(n + 1);
  let volume = 0;
  for (let r = 0; r < n; r++) {
    const p = front[byLast[r]!]!;
    const p0 = p[0]!;
    const p1 = p[1]!;
    const p2 = p[2]!;
    // Sweep the limited set upward in the third objective, as sweep3d does.
    let size = 0;
    let area = 0;
    let covered = 0;
    let previousZ = p2;
    for (let k = 0; k < n; k++) {
      const j = byThird[k]!;
      if (rank[j]! <= r) continue;
      const q = front[j]!;
      const x = q[0]! > p0 ? q[0]! : p0;
      const y = q[1]! > p1 ? q[1]! : p1;
      const z = q[2]! > p2 ? q[2]! : p2;
      covered += area * (z - previousZ);
      previousZ = z;
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (xs[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      if ((lo > 0 && ys[lo - 1]! <= y) || (lo < size && xs[lo] === x && ys[lo]! <= y)) continue;
      let floor = lo > 0 ? ys[lo - 1]! : r1;
      let left = x;
      let end = lo;
      while (end < size && ys[end]! >= y) {
        area += (xs[end]! - left) * (floor - y);
        left = xs[end]!;
        floor = ys[end]!;
        end++;
      }
      area += ((end < size ? xs[end]! : r0) - left) * (floor - y);
      // Replace steps lo..end−1 by the new one.
      const removed = end - lo;
      if (removed !== 1) {
        xs.copyWithin(lo + 1, end, size);
        ys.copyWithin(lo + 1, end, size);
        size += 1 - removed;
      }
      xs[lo] = x;
      ys[lo] = y;
    }
    covered += area * (r2 - previousZ);
    const exclusive = (r0 - p0) * (r1 - p1) * (r2 - p2) - covered;
    volume += exclusive * (r3 - p[3]!);
  }
  return volume;
}

/** WFG on `m` >= 4 objectives; see the module comment for why each limited set loses a dimension. */
function wfg(points: readonly LossVector[], reference: LossVector, m: number): number {
  const last = m - 1;
  const front = nondominatedUnique(points, m);
  // Worst first on the last objective: every later point is no worse there.
  front.sort((a, b) => b[last]! - a[last]!);
  let volume = 0;
  for (let i = 0; i < front.length; i++) {
    const p = front[i]!;
    // The limited set, filtered to its non-dominated points as it is built: no object per point.
    const lower = m - 1;
    const relevant = limitedFront(p, front, i + 1, lower);
    const exclusive = boxVolume(p, reference, lower) - hypervolumeInside(relevant, reference, lower);
    volume += exclusive * (reference[last]! - p[last]!);
  }
  return volume;
}

/**
 * The non-dominated points (one of each group of equal ones) among worseOf(p, q) for the points q
 * of `front` from `start` on, in the first `m` objectives: what WFG's limited set of p depends on.
 */
function limitedFront(p: LossVector, front: readonly LossVector[], start: number, m: number): Float64Array[] {
  return nondominatedOf(front.length - start, m, (j, out) => {
    const q = front[start + j]!;
    for (let k = 0; k < m; k++) out[k] = p[k]! > q[k]! ? p[k]! : q[k]!;
  });
}

/**
 * The points (restricted to the first `m` objectives) that no other dominates, one of each group
 * of equal points, as copies: what the hypervolume depends on, and usually far fewer than the input.
 */
function nondominatedUnique(points: readonly LossVector[], m = points[0]?.length ?? 0): Float64Array[] {
  return nondominatedOf(points.length, m, (j, out) => {
    for (let k = 0; k < m; k++) out[k] = points[j]![k]!;
  });
}

/**
 * The non-dominated unique points among `count` candidates that `write(j, out)` produces, filtered
 * as they come in one flat buffer, with no object per candidate. One pass without sorting: a
 * candidate is dropped when a kept point weakly dominates it, and otherwise evicts the kept points
 * it dominates. Limited sets shrink to a few dozen points, so the kept list stays short and a sort
 * would cost more than the checks. The order of the result is unspecified.
 */
function nondominatedOf(count: number, m: number, write: (j: number, out: Float64Array) => void): Float64Array[] {
  const values = new Float64Array((count + 1) * m);
  let size = 0;
  const candidate = new Float64Array(m);
  for (let j = 0; j < count; j++) {
    write(j, candidate);
    let covered = false;
    for (let row = 0; row < size * m; row += m) {
      let k = 0;
      while (k < m && values[row + k]! <= candidate[k]!) k++;
      if (k === m) {
        covered = true;
        break;
      }
    }
    if (covered) continue;
    // Not weakly dominated, so any kept point it weakly dominates is strictly dominated: evict it.
    for (let c = size - 1; c >= 0; c--) {
      const row = c * m;
      let k = 0;
      while (k < m && candidate[k]! <= values[row + k]!) k++;
      if (k < m) continue;
      size--;
      values.copyWithin(row, size * m, size * m + m);
    }
    values.set(candidate, size * m);
    size++;
  }
  return Array.from({ length: size }, (_, c) => values.subarray(c * m, c * m + m));
}
