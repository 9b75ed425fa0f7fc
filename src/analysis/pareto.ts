/**
 * Pareto ranking for several objectives: fast non-dominated sorting and crowding distance
 * (Deb, Pratap, Agarwal and Meyarivan 2002, "A fast and elitist multiobjective genetic algorithm:
 * NSGA-II", IEEE TEC 6(2)), and Deb's constrained domination (same paper, section VI).
 *
 * Everything here works on losses: value vectors turned to minimization by {@link toLosses}.
 */
import { twoObjectiveFront } from "../math/two-objective-front.js";
import { CONSTRAINTS_ATTR, type Direction, type FrozenTrial, paretoFront } from "../space/index.js";

export { CONSTRAINTS_ATTR };

/**
 * A value vector as losses: maximized objectives are negated, so smaller is better everywhere.
 * Throws a RangeError when the counts differ or a direction is neither "minimize" nor "maximize".
 *
 * @example
 * toLosses([0.9, 12], ["maximize", "minimize"]) // Float64Array [-0.9, 12]
 */
export function toLosses(values: readonly number[], directions: readonly Direction[]): Float64Array {
  // Both arrive from users (this is public): an unknown direction was read as "minimize" and
  // values past the directions' count were dropped, so a typo gave a wrong front without a word.
  if (values.length !== directions.length) {
    throw new RangeError(`toLosses: ${values.length} value(s) but ${directions.length} direction(s); pass one direction per objective`);
  }
  const losses = new Float64Array(directions.length);
  for (let k = 0; k < directions.length; k++) {
    const direction = directions[k];
    if (direction !== "minimize" && direction !== "maximize") {
      throw new RangeError(`toLosses: directions[${k}] must be "minimize" or "maximize", got ${JSON.stringify(direction)}`);
    }
    losses[k] = direction === "maximize" ? -values[k]! : values[k]!;
  }
  return losses;
}

/**
 * Whether loss vector `a` Pareto-dominates `b`: no worse in every objective, better in one. A NaN
 * loss counts as the worst (+∞), so the fronts built on this do not depend on the points' order.
 *
 * @example
 * dominatesLosses([1, 2], [1, 3]) // true
 * dominatesLosses([1, 2], [1, 2]) // false: equal points do not dominate each other
 */
export function dominatesLosses(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let strictly = false;
  for (let k = 0; k < a.length; k++) {
    // NaN is the worst loss: compared as it was, a NaN point was beaten by every point in one
    // order and by none in another, and the front depended on the input's order.
    const x = Number.isNaN(a[k]!) ? Infinity : a[k]!;
    const y = Number.isNaN(b[k]!) ? Infinity : b[k]!;
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

/**
 * A trial's constraint values from `systemAttrs.constraints`, or null when it has none (then it
 * counts as feasible). A stored value that is not a list of numbers is an error that names the trial.
 *
 * @example
 * trialConstraints(makeTrial({ number: 0, systemAttrs: { constraints: [-1, 0.5] } })) // [-1, 0.5]
 */
export function trialConstraints(trial: FrozenTrial): readonly number[] | null {
  const constraints = readableConstraints(trial);
  if (constraints === null && storesConstraints(trial)) {
    throw new TypeError(`trial ${trial.number}: systemAttrs.${CONSTRAINTS_ATTR} must be an array of numbers, got ${JSON.stringify(trial.systemAttrs[CONSTRAINTS_ATTR])}`);
  }
  return constraints;
}

/**
 * Whether a trial stores constraints that are not a list of numbers (which nothing the library,
 * the CLI or the HTTP service writes; a storage write can). Such a trial is infeasible, see
 * {@link satisfiesStoredConstraints}.
 *
 * @example
 * hasMalformedConstraints(makeTrial({ number: 0, systemAttrs: { constraints: [1, "a"] } })) // true
 */
export function hasMalformedConstraints(trial: Pick<FrozenTrial, "systemAttrs">): boolean {
  return storesConstraints(trial) && readableConstraints(trial) === null;
}

/** Whether anything but undefined or null is stored under the constraints key. */
function storesConstraints(trial: Pick<FrozenTrial, "systemAttrs">): boolean {
  const stored = trial.systemAttrs[CONSTRAINTS_ATTR];
  return stored !== undefined && stored !== null;
}

/**
 * A stored trial's total constraint violation (see {@link totalViolation}): 0 without constraints,
 * and +∞ when they are not a list of numbers, so that a sampler ranks such a trial infeasible by
 * the rule {@link satisfiesStoredConstraints} applies, where {@link trialConstraints} threw and
 * one such trial stopped every later suggestion.
 *
 * @example
 * storedViolation(makeTrial({ number: 0, systemAttrs: { constraints: [-1, 0.5] } })) // 0.5
 * storedViolation(makeTrial({ number: 0, systemAttrs: { constraints: "x" } }))       // Infinity
 */
export function storedViolation(trial: Pick<FrozenTrial, "systemAttrs">): number {
  const constraints = readableConstraints(trial);
  return constraints === null && storesConstraints(trial) ? Number.POSITIVE_INFINITY : totalViolation(constraints);
}

/**
 * A trial's constraint values as a reader of stored trials takes them: null when it has none, and
 * also when what is stored is not a list of numbers (which nothing the library, the CLI or the HTTP
 * service writes; a storage write can). Such a trial has no violation to compare, and
 * {@link satisfiesStoredConstraints} counts it infeasible.
 *
 * @example
 * readableConstraints(makeTrial({ number: 0, systemAttrs: { constraints: "x" } })) // null
 */
export function readableConstraints(trial: Pick<FrozenTrial, "systemAttrs">): readonly number[] | null {
  const stored = trial.systemAttrs[CONSTRAINTS_ATTR];
  return Array.isArray(stored) && stored.every((c) => typeof c === "number") ? (stored as number[]) : null;
}

/**
 * Whether a trial's stored constraints are all satisfied: an array of numbers that are all ≤ 0, or
 * no constraints in a study none of whose complete trials has any (`constrained` false). In a
 * constrained study a trial without them is of unknown feasibility and does not count, as
 * {@link feasibilityRule} decides for `Study.bestTrial`. Anything else (a positive, NaN or
 * non-numeric value, or constraints that are not a list) is infeasible. The SQL backends'
 * aggregates apply the same rule.
 *
 * @example
 * satisfiesStoredConstraints({ constraints: [-1, 0] }, true) // true
 * satisfiesStoredConstraints({ constraints: "x" }, false)    // false: malformed, never feasible
 */
export function satisfiesStoredConstraints(systemAttrs: FrozenTrial["systemAttrs"], constrained: boolean): boolean {
  const constraints = systemAttrs[CONSTRAINTS_ATTR];
  if (constraints === undefined || constraints === null) return !constrained;
  return Array.isArray(constraints) && constraints.every((c) => typeof c === "number") && meetsConstraints(constraints as number[]);
}

/**
 * The feasibility rule on constraints already read as numbers: each is 0 or less (NaN is not).
 * Internal: {@link satisfiesStoredConstraints} and the GP sampler, which reads them itself, share it.
 */
export function meetsConstraints(constraints: readonly number[]): boolean {
  return constraints.every((c) => c <= 0);
}

/**
 * The total constraint violation: the sum of the positive parts of the constraint values, 0 when
 * feasible or unconstrained. A NaN constraint is an unknown outcome and counts as infinitely violated,
 * so such a trial never passes as feasible.
 *
 * @example
 * totalViolation([-1, 0.5, 2]) // 2.5
 * totalViolation(null)         // 0
 */
export function totalViolation(constraints: readonly number[] | null): number {
  if (constraints === null) return 0;
  let total = 0;
  for (const c of constraints) {
    if (Number.isNaN(c)) return Number.POSITIVE_INFINITY;
    if (c > 0) total += c;
  }
  return total;
}

/**
 * Whether a trial violates none of its constraints (a trial without constraints is feasible; one
 * whose stored constraints are not a list of numbers is not, see {@link satisfiesStoredConstraints}).
 *
 * @example
 * isFeasible(trial) // false when systemAttrs.constraints is [0.5, -1]
 */
export function isFeasible(trial: FrozenTrial): boolean {
  return satisfiesStoredConstraints(trial.systemAttrs, false);
}

/**
 * Adds `loss` to the front, in place, removing the members it weakly dominates, unless a member
 * weakly dominates it (then it does not join: false). A NaN loss counts as the worst (+∞), as in
 * {@link dominatesLosses}. One comparison of each member both ways: with a front of thousands of
 * points this loop is most of a hypervolume history's cost.
 *
 * @example
 * const front: Float64Array[] = [];
 * joinFront(front, Float64Array.of(1, 2)); // true
 * joinFront(front, Float64Array.of(1, 3)); // false: (1, 2) is no worse anywhere
 */
export function joinFront(front: Float64Array[], loss: Float64Array): boolean {
  let removes = false;
  for (const member of front) {
    let memberNoWorse = true;
    let lossNoWorse = true;
    for (let k = 0; k < loss.length && (memberNoWorse || lossNoWorse); k++) {
      // Compared as it was, NaN was equal to everything: a member NaN in one objective kept out a
      // point better there, and the front depended on the order the points came in.
      const x = worstIfNaN(member[k]!);
      const y = worstIfNaN(loss[k]!);
      if (x > y) memberNoWorse = false;
      else if (x < y) lossNoWorse = false;
    }
    if (memberNoWorse) return false;
    if (lossNoWorse) removes = true;
  }
  if (removes) {
    let kept = 0;
    for (const member of front) if (!weaklyDominates(loss, member)) front[kept++] = member;
    front.length = kept;
  }
  front.push(loss);
  return true;
}

/**
 * A Pareto front that points join one at a time, with the answers and members of
 * {@link joinFront}, which it is for any number of objectives but two. For two, its members are
 * kept in order of the first loss, the second falling along them: a binary search finds the one
 * member that may weakly dominate a point, and the members the point weakly dominates follow it.
 * The members must all have as many losses. `optimize`'s stopAfter.trialsWithoutImprovement
 * joins each complete trial: with joinFront's pass over every member, 8,000 trials that all joined
 * took 1.2 s in it.
 *
 * @example
 * const front = new GrowingFront();
 * front.join(Float64Array.of(1, 2)); // true
 * front.join(Float64Array.of(1, 3)); // false: (1, 2) is no worse anywhere
 */
export class GrowingFront {
  readonly members: Float64Array[] = [];

  /** Adds `loss` unless a member weakly dominates it (then false), removing the members it weakly dominates. */
  join(loss: Float64Array): boolean {
    if (loss.length !== 2) return joinFront(this.members, loss);
    const front = this.members;
    const first = worstIfNaN(loss[0]!);
    const second = worstIfNaN(loss[1]!);
    // The first member not better than `loss` in the first loss.
    let low = 0;
    for (let high = front.length; low < high; ) {
      const middle = (low + high) >>> 1;
      if (worstIfNaN(front[middle]![0]!) < first) low = middle + 1;
      else high = middle;
    }
    // Of the members no worse in the first loss, the last is the best in the second.
    const noWorse = low < front.length && worstIfNaN(front[low]![0]!) === first ? low : low - 1;
    if (noWorse >= 0 && worstIfNaN(front[noWorse]![1]!) <= second) return false;
    let end = low;
    while (end < front.length && worstIfNaN(front[end]![1]!) >= second) end++;
    front.splice(low, end - low, loss);
    return true;
  }
}

function weaklyDominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let k = 0; k < a.length; k++) if (worstIfNaN(a[k]!) > worstIfNaN(b[k]!)) return false;
  return true;
}

/** A loss as Pareto comparisons take it: NaN, an unknown outcome, is the worst. */
function worstIfNaN(loss: number): number {
  return Number.isNaN(loss) ? Infinity : loss;
}

/**
 * The feasibility test for the trials of one study. Once a complete trial of the study reports
 * constraint values, the study is constrained, and a complete trial without them (one that
 * finished before the first constrained trial, or whose command printed none) is of unknown
 * feasibility: it counts as infeasible, so it never passes as the best. A study where no trial
 * reports constraints is unconstrained: every trial is feasible. A caller that has already asked
 * {@link isConstrainedStudy} passes its answer as `constrained`.
 *
 * @example
 * const feasible = feasibilityRule(study.trials);
 * study.trials.filter((t) => t.state === "complete" && feasible(t));
 */
export function feasibilityRule(trials: Iterable<FrozenTrial>, constrained = isConstrainedStudy(trials)): (trial: FrozenTrial) => boolean {
  // Tolerant of malformed stored constraints (infeasible): threw, and one such record written
  // through the storage API made every read of the study's best trials and plots fail.
  return (t) => satisfiesStoredConstraints(t.systemAttrs, constrained);
}

/**
 * A study's best trials: its feasible complete trials (see {@link feasibilityRule}) that no other
 * dominates, ordered by the first objective. `study.bestTrials` and `sextant studies` count them alike.
 *
 * @example
 * feasibleParetoFront(study.trials, ["minimize", "maximize"]).length // 4 trials on the front
 */
export function feasibleParetoFront(trials: readonly FrozenTrial[], directions: readonly Direction[]): FrozenTrial[] {
  const feasible = feasibilityRule(trials);
  return paretoFront(
    trials.filter((t) => t.state === "complete" && feasible(t)),
    directions,
  );
}

/**
 * Whether a study is constrained: a complete trial of it reports constraint values, a list (see
 * {@link feasibilityRule}, which then counts a complete trial without them as infeasible). As the
 * study listing and the SQL backends decide it: stored constraints that are not a list do not.
 *
 * @example
 * isConstrainedStudy(study.trials) // true once a trial's constraints were recorded
 */
export function isConstrainedStudy(trials: Iterable<Pick<FrozenTrial, "state" | "systemAttrs">>): boolean {
  for (const trial of trials) if (reportsConstraints(trial)) return true;
  return false;
}

/**
 * Whether one trial makes its study constrained (see {@link isConstrainedStudy}): it is complete
 * and stores its constraint values as a list.
 *
 * @example
 * reportsConstraints(makeTrial({ number: 0, state: "complete", values: [1], systemAttrs: { constraints: [-1] } })) // true
 */
export function reportsConstraints(trial: Pick<FrozenTrial, "state" | "systemAttrs">): boolean {
  return trial.state === "complete" && Array.isArray(trial.systemAttrs[CONSTRAINTS_ATTR]);
}

/**
 * Deb's constrained domination between two candidates with their total violations: a feasible
 * one beats an infeasible one; of two infeasible ones the smaller violation wins; of two feasible
 * ones Pareto domination decides. A NaN violation counts as +∞, as {@link totalViolation} counts
 * a NaN constraint.
 *
 * @example
 * constrainedDominates([5, 5], 0, [1, 1], 0.2) // true: feasible beats infeasible whatever the losses
 * constrainedDominates([5, 5], 0.1, [1, 1], 0.2) // true: less violation
 */
export function constrainedDominates(a: ArrayLike<number>, violationA: number, b: ArrayLike<number>, violationB: number): boolean {
  // Compared as it was, a NaN violation neither beat nor lost to any infeasible one.
  violationA = worstIfNaN(violationA);
  violationB = worstIfNaN(violationB);
  const feasibleA = violationA <= 0;
  const feasibleB = violationB <= 0;
  if (feasibleA && feasibleB) return dominatesLosses(a, b);
  if (feasibleA !== feasibleB) return feasibleA;
  return violationA < violationB;
}

/** The outcome of {@link nonDominatedSort}. */
export interface NonDominatedSorting {
  /** Per point, its front: 0 for the Pareto front, 1 for the front once that is removed, … */
  readonly ranks: Int32Array;
  /** Point indices per front, each in ascending index order. */
  readonly fronts: number[][];
}

/**
 * Fast non-dominated sorting (Deb et al. 2002): ranks every point by the front it belongs to.
 * With `violations` (one total violation per point, see {@link totalViolation}) domination is
 * Deb's constrained domination, so every feasible point ranks ahead of every infeasible one.
 * A NaN loss or violation counts as the worst (+∞), as in {@link dominatesLosses} and
 * {@link constrainedDominates}. O(objectives · n²).
 *
 * @example
 * nonDominatedSort([[1, 4], [2, 2], [3, 3], [4, 1]]).ranks // Int32Array [0, 0, 1, 0]
 */
export function nonDominatedSort(losses: readonly ArrayLike<number>[], violations?: readonly number[]): NonDominatedSorting {
  const n = losses.length;
  if (violations !== undefined && violations.length !== n) {
    throw new RangeError(`nonDominatedSort: ${violations.length} violations for ${n} points`);
  }
  const beats = violations
    ? (i: number, j: number) => constrainedDominates(losses[i]!, violations[i]!, losses[j]!, violations[j]!)
    : (i: number, j: number) => dominatesLosses(losses[i]!, losses[j]!);
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (beats(i, j)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (beats(j, i)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const ranks = new Int32Array(n);
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      ranks[i] = fronts.length - 1;
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    next.sort((a, b) => a - b);
    current = next;
  }
  return { ranks, fronts };
}

/**
 * Indices of the points no other point dominates (the first front), in ascending order. Equal
 * points are all kept. A NaN loss counts as the worst (+∞), as in {@link dominatesLosses}.
 *
 * @example
 * paretoFrontIndices([[1, 4], [2, 2], [3, 3]]) // [0, 1]
 */
export function paretoFrontIndices(losses: readonly ArrayLike<number>[]): number[] {
  // Two objectives and many points (the dashboard's Pareto plot): one sweep, where comparing each
  // with the front so far took 40 seconds for 30,000 points on a line. Few points (the MACE search)
  // keep the loop below, cheaper than a sort there.
  if (losses.length > SWEEP_FROM && losses[0]!.length === 2) return twoObjectiveFront(losses).sort((a, b) => a - b);
  // One pass keeping the front of the points seen so far: a point that one of them dominates is
  // left out, and one that is kept drops those it dominates. A point left out, or dropped, stays
  // out: whatever dominated it is on the front or was dropped for a point that is (domination is
  // transitive). Each point is compared with the current front only, which in the GP's MACE search
  // (the hot caller, a few hundred points a call) holds a handful: sorting the points first cost
  // more than the comparisons.
  let front: number[] = [];
  for (let i = 0; i < losses.length; i++) {
    const point = losses[i]!;
    if (front.some((j) => dominatesLosses(losses[j]!, point))) continue;
    if (front.some((j) => dominatesLosses(point, losses[j]!))) front = front.filter((j) => !dominatesLosses(point, losses[j]!));
    front.push(i);
  }
  return front;
}

/** From how many points {@link paretoFrontIndices} sweeps a two-objective set rather than comparing each with the front so far. */
const SWEEP_FROM = 1000;

/**
 * The points of the leading fronts of a non-dominated sorting: the first front, then the next, until
 * at least `count` points are taken (every point when there are fewer), in ascending index order.
 * What a survival of `count` points by fronts can choose from, found by peeling fronts with
 * {@link paretoFrontIndices} instead of ranking every point ({@link nonDominatedSort} compares all
 * pairs, which dominates the cost when a large pool feeds a small population).
 *
 * @example
 * leadingFrontIndices([[1, 4], [2, 2], [3, 3], [4, 4]], 3) // [0, 1, 2]: the front (0, 1), then (2)
 */
export function leadingFrontIndices(losses: readonly ArrayLike<number>[], count: number): number[] {
  let remaining = losses.map((_, i) => i);
  const taken: number[] = [];
  while (taken.length < count && remaining.length > 0) {
    const front = paretoFrontIndices(remaining.map((i) => losses[i]!)).map((k) => remaining[k]!);
    taken.push(...front);
    const inFront = new Set(front);
    remaining = remaining.filter((i) => !inFront.has(i));
  }
  return taken.sort((a, b) => a - b);
}

/**
 * Crowding distance of each point of one front (Deb et al. 2002): per objective, the gap between
 * a point's two neighbours divided by the front's range, summed. The extremes of each objective
 * get +∞ so they are always kept. An objective on which the front is flat adds nothing. A NaN loss
 * counts as the worst (+∞): its point is an extreme, and the objective's range, infinite, adds
 * nothing to the others. Ties keep index order, so the result does not depend on anything but the input.
 *
 * @example
 * crowdingDistance([[0, 4], [1, 2], [2, 1], [4, 0]]) // Float64Array [∞, 1.25, 1.25, ∞]
 */
export function crowdingDistance(front: readonly ArrayLike<number>[]): Float64Array {
  const n = front.length;
  const distance = new Float64Array(n);
  if (n === 0) return distance;
  const m = front[0]!.length;
  if (n <= 2) return distance.fill(Number.POSITIVE_INFINITY);
  const order = front.map((_, i) => i);
  for (let k = 0; k < m; k++) {
    // NaN as the worst: compared as it was, the sort's order, and so which points were extremes, was arbitrary.
    order.sort((a, b) => worstIfNaN(front[a]![k]!) - worstIfNaN(front[b]![k]!) || a - b);
    const low = worstIfNaN(front[order[0]!]![k]!);
    const high = worstIfNaN(front[order[n - 1]!]![k]!);
    distance[order[0]!] = Number.POSITIVE_INFINITY;
    distance[order[n - 1]!] = Number.POSITIVE_INFINITY;
    const range = high - low;
    if (!(range > 0) || !Number.isFinite(range)) continue;
    for (let r = 1; r < n - 1; r++) {
      distance[order[r]!] += (front[order[r + 1]!]![k]! - front[order[r - 1]!]![k]!) / range;
    }
  }
  return distance;
}
