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
  return lazyGreedySubset(points, size, reference) ?? greedyByRecomputation(points, size, reference);
}

/**
 * The greedy selection as defined: every step recomputes the hypervolume with each candidate added
 * and keeps the first largest gain. O(size · n) hypervolumes; the reference for the lazy version.
 */
function greedyByRecomputation(points: readonly LossVector[], size: number, reference: LossVector): number[] {
  const chosen: number[] = [];
  const chosenPoints: LossVector[] = [];
  const taken = new Uint8Array(points.length);
  let current = 0;
  const all = Array.from({ length: points.length }, (_, i) => i);
  while (chosen.length < size && chosen.length < points.length) {
    const best = firstLargest(
      all.filter((i) => !taken[i]),
      (i) => gainByRecomputation(points, chosenPoints, i, reference, current),
    );
    taken[best] = 1;
    chosen.push(best);
    chosenPoints.push(points[best]!);
    current = hypervolume(chosenPoints, reference);
  }
  return chosen;
}

/** The first of `indices` with the largest gain (−1 if none), as the greedy selection breaks ties. */
function firstLargest(indices: readonly number[], gainOf: (i: number) => number): number {
  let best = -1;
  let bestGain = Number.NEGATIVE_INFINITY;
  for (const i of indices) {
    const gain = gainOf(i);
    if (gain > bestGain) {
      bestGain = gain;
      best = i;
    }
  }
  return best;
}

/** The gain of greedyByRecomputation, rounding for rounding: the hypervolume with point `i` added last, minus `current`. */
function gainByRecomputation(points: readonly LossVector[], chosenPoints: LossVector[], i: number, reference: LossVector, current: number): number {
  chosenPoints.push(points[i]!);
  const gain = hypervolume(chosenPoints, reference) - current;
  chosenPoints.pop();
  return gain;
}

/**
 * The same picks as {@link greedyByRecomputation}, tie-breaking included, for 2 and 3 objectives,
 * with far fewer hypervolumes (null when the guards below do not hold: the caller recomputes).
 *
 * Each candidate's gain is its exclusive contribution against the points picked so far, computed
 * directly (2 objectives: against the picked staircase, O(steps it covers); 3: its box minus the
 * picked points limited to it). In exact arithmetic contributions only shrink as points are picked
 * (hypervolume is submodular), so a candidate's last contribution plus its rounding bound is an
 * upper bound from then on; candidates are visited in decreasing bound and the visit stops when no
 * remaining bound can reach the best. The recomputed gain differs from the exact one by at most
 * `margin` (below), and so does each direct one; every candidate that could still be the first
 * largest recomputed gain (within 4 margins of the best direct one) then has its gain recomputed
 * exactly as greedyByRecomputation does, and the first largest of those is picked. Candidates
 * left out are provably below some recomputed gain, so the pick is the same. A candidate equal to
 * a picked point needs no recomputation: its recomputed gain is exactly 0, since both sweeps sort
 * stably and place it after its copy, where its slab replaces the copy's and the copy's becomes a
 * slab of height 0 (adding 0 changes no sum); with one picked point, the sweep of the two gives the
 * box volume's products in the same order. Equal points are common with coarse objective values.
 *
 * Rounding bounds (u = 2⁻⁵³, B the box from the points' best values to the reference, which bounds
 * every volume and term here; k points in the set): the 2-D sweep sums k terms of relative error
 * 3u, the 3-D sweep at most 3k + 4 rounded operations deep, and a gain subtracts two of them: at
 * most (6k + 12)·u·B. The margin is (64k + 256)·u·B, several times that, so the rounding of the
 * comparisons themselves does not matter. Guards keep those bounds valid: finite coordinates, every
 * point strictly inside the reference, and B between 1e-250 (no subnormal terms of any weight) and
 * 1e300 (no overflow).
 */
function lazyGreedySubset(points: readonly LossVector[], size: number, reference: LossVector): number[] | null {
  const m = reference.length;
  const n = points.length;
  if ((m !== 2 && m !== 3) || size < 2 || n < 2) return null;
  let box = 1;
  for (let k = 0; k < m; k++) {
    const r = reference[k]!;
    let best = r;
    for (const p of points) {
      if (!(Number.isFinite(p[k]!) && p[k]! < r)) return null;
      if (p[k]! < best) best = p[k]!;
    }
    box *= r - best;
  }
  if (!(box >= 1e-250 && box <= 1e300)) return null;
  const unit = 2 ** -53 * box * 2;
  const picks = Math.min(size, n);
  const chosen: number[] = [];
  const chosenPoints: LossVector[] = [];
  const taken = new Uint8Array(n);
  const bound = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const direct = new Float64Array(n);
  const staircase = m === 2 ? new Staircase(reference[0]!, reference[1]!) : null;
  const chosenKeys = new Set<string>();
  const order = Array.from({ length: n }, (_, i) => i);
  while (chosen.length < picks) {
    const margin = (64 * (chosen.length + 1) + 256) * unit;
    const untaken = order.filter((i) => !taken[i]).sort((a, b) => bound[b]! - bound[a]! || a - b);
    let lower = Number.NEGATIVE_INFINITY;
    const visited: number[] = [];
    for (const i of untaken) {
      // Its recomputed gain is at most bound + margin, below the best one's (at least lower − margin).
      if (bound[i]! < lower - 2 * margin) break;
      const p = points[i]!;
      const gain = staircase ? staircase.contribution(p[0]!, p[1]!) : contribution3d(p, chosenPoints, reference);
      direct[i] = gain;
      bound[i] = gain + margin;
      if (gain - margin > lower) lower = gain - margin;
      visited.push(i);
    }
    const contenders = visited.filter((i) => direct[i]! >= lower - 3 * margin).sort((a, b) => a - b);
    let best = contenders[0]!;
    if (contenders.length > 1) {
      let current: number | null = null;
      best = firstLargest(contenders, (i) =>
        // A copy of a picked point: the recomputed gain is exactly 0 (see above).
        chosenKeys.has(pointKey(points[i]!, m)) ? 0 : gainByRecomputation(points, chosenPoints, i, reference, (current ??= hypervolume(chosenPoints, reference))),
      );
    }
    taken[best] = 1;
    chosen.push(best);
    chosenPoints.push(points[best]!);
    chosenKeys.add(pointKey(points[best]!, m));
    staircase?.insert(points[best]![0]!, points[best]![1]!);
  }
  return chosen;
}

/** The coordinates as text, the same for equal points (0 and −0 alike, as the sweeps treat them). */
function pointKey(p: LossVector, m: number): string {
  return m === 2 ? `${p[0]},${p[1]}` : `${p[0]},${p[1]},${p[2]}`;
}

/** What `p` adds to the hypervolume of `chosen` in 3 objectives: its box minus the others limited to it. */
function contribution3d(p: LossVector, chosen: readonly LossVector[], reference: LossVector): number {
  const limited = chosen.map((q) => worseOf(p, q));
  return boxVolume(p, reference, 3) - hypervolumeInside(limited, reference, 3);
}

/** The non-dominated points of a 2-D set as steps (x ascending, y descending) under a reference. */
class Staircase {
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];
  constructor(
    private readonly rx: number,
    private readonly ry: number,
  ) {}

  /** The area that (x, y) dominates and the steps do not: ∫ over a ≥ x of the uncovered height above y. */
  contribution(x: number, y: number): number {
    const { xs, ys } = this;
    // Steps at or left of x cover everything above the last of them.
    let j = upperBound(xs, x);
    let floor = j > 0 ? ys[j - 1]! : this.ry;
    if (floor <= y) return 0;
    let left = x;
    let area = 0;
    while (j < xs.length && ys[j]! > y) {
      area += (xs[j]! - left) * (floor - y);
      left = xs[j]!;
      floor = ys[j]!;
      j++;
    }
    return area + ((j < xs.length ? xs[j]! : this.rx) - left) * (floor - y);
  }

  /** Adds (x, y), dropping the steps it weakly dominates (nothing when a step weakly dominates it). */
  insert(x: number, y: number): void {
    const { xs, ys } = this;
    const lo = lowerBound(xs, x);
    if ((lo > 0 && ys[lo - 1]! <= y) || (lo < xs.length && xs[lo] === x && ys[lo]! <= y)) return;
    let end = lo;
    while (end < xs.length && ys[end]! >= y) end++;
    xs.splice(lo, end - lo, x);
    ys.splice(lo, end - lo, y);
  }
}

/** The position of the first element > `value` in the ascending `sorted`. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
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
