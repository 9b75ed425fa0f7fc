/**
 * Study summaries the dashboard, the report and the CLI draw: best-so-far history, the empirical
 * distribution of values, hypervolume history of multi-objective studies, and trials per worker
 * over time. Each is a pure function of a list of trials, so the HTTP service can compute it on
 * any page of trials it reads and a test can check it on a hand-made list.
 *
 * @module
 */
import type { Direction, FrozenTrial, JsonValue, TrialState } from "../space/index.js";
import { unknownKeysMessage } from "../space/index.js";
import { Rng } from "../math/rng.js";
import { hypervolume } from "./hypervolume.js";
import { feasibilityRule, joinFront, toLosses } from "./pareto.js";

/** One complete trial in a best-so-far history. */
export interface HistoryPoint {
  readonly number: number;
  readonly value: number;
  /** Whether the trial counts as feasible (see {@link feasibilityRule}); an infeasible one never improves the best. */
  readonly feasible: boolean;
  /** The best value among this trial and every feasible complete trial numbered before it; null until one is feasible. */
  readonly best: number | null;
}

/**
 * Complete trials in number order with their value and the best value so far among the feasible
 * ones: in a constrained study an infeasible trial (or one of unknown feasibility) never becomes
 * the best, as `Study.bestTrial` would never name it. Pass `feasible` to judge feasibility by the
 * whole study when `trials` is a filtered part of it.
 *
 * @example
 * bestSoFar(study.trials, { direction: "minimize" })
 * // [{ number: 0, value: 3, feasible: true, best: 3 }, { number: 1, value: 5, feasible: true, best: 3 }, …]
 */
export function bestSoFar(
  trials: readonly FrozenTrial[],
  options: { direction?: Direction; objectiveIndex?: number; feasible?: (trial: FrozenTrial) => boolean } = {},
): HistoryPoint[] {
  const unknown = unknownKeysMessage(options, ["direction", "objectiveIndex", "feasible"]);
  if (unknown !== null) throw new RangeError(`bestSoFar: ${unknown}`);
  const direction = options.direction ?? "minimize";
  const index = objectiveIndexOf(options.objectiveIndex);
  const isFeasible = options.feasible ?? feasibilityRule(trials);
  const points: HistoryPoint[] = [];
  let best: number | null = null;
  for (const trial of byNumber(completeWithValue(trials, index))) {
    const value = trial.values![index]!;
    const feasible = isFeasible(trial);
    if (feasible && (best === null || (direction === "minimize" ? value < best : value > best))) best = value;
    points.push({ number: trial.number, value, feasible, best });
  }
  return points;
}

/** A step of an empirical distribution function. */
export interface EcdfPoint {
  readonly value: number;
  /** Fraction of complete trials whose value is at most `value`. */
  readonly fraction: number;
}

/**
 * The empirical cumulative distribution of the complete trials' values: one step per distinct
 * value, in increasing order.
 *
 * @example
 * valueEcdf(trials) // [{ value: 1, fraction: 0.25 }, { value: 2, fraction: 0.75 }, { value: 7, fraction: 1 }]
 */
export function valueEcdf(trials: readonly FrozenTrial[], options: { objectiveIndex?: number } = {}): EcdfPoint[] {
  const index = objectiveIndexOf(options.objectiveIndex);
  const values = completeWithValue(trials, index).map((t) => t.values![index]!);
  values.sort((a, b) => a - b);
  const points: EcdfPoint[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i + 1 < values.length && values[i + 1] === values[i]) continue;
    points.push({ value: values[i]!, fraction: (i + 1) / values.length });
  }
  return points;
}

/** Hypervolume after each complete, feasible trial, with the reference point used. */
export interface HypervolumeHistory {
  /** In the objectives' own units and directions. */
  readonly reference: number[];
  /** Infinity where the hypervolume exceeds the largest double (about 1.8e308). */
  readonly history: { readonly number: number; readonly hypervolume: number }[];
  /**
   * Null when the values are exact; otherwise they are Monte Carlo estimates from this many
   * uniform samples of the box between the best values seen and the reference point.
   */
  readonly samples: number | null;
}

/** Up to 3 objectives the exact hypervolume is a sweep, O(f log f) for a front of f points. */
const SWEEP_OBJECTIVES = 3;
/**
 * Up to 3 objectives, the largest sum of the front's sizes over its recomputations in one exact
 * history: about a second (20,000 trials that all join a two-objective front sum to 2·10⁸, minutes).
 */
const SWEEP_WORK_LIMIT = 1_000_000;
/**
 * Beyond 3 objectives the exact hypervolume (WFG) grows exponentially with them: the largest
 * front, by number of objectives from 4 on (the last entry for more), whose hypervolume costs
 * about 10 ms on points spread over a sphere.
 */
const EXACT_FRONT_LIMIT = [100, 80, 50, 35, 25, 12];
/** Beyond 3 objectives, at most this many exact recomputations of the front in one history. */
const EXACT_STEPS_LIMIT = 100;
/** The largest front a history keeps track of (beyond it, the history is estimated). */
const TRACKED_FRONT = 1000;
/** An estimated history's budget of sample-against-trial comparisons, and its bounds on the samples. */
const SAMPLE_COMPARISONS = 4_000_000;
const MIN_SAMPLES = 1000;
const MAX_SAMPLES = 20_000;

/**
 * The hypervolume of the Pareto front of the complete, feasible trials numbered up to each one.
 * The reference point defaults to the worst value seen in each objective pushed out by a tenth of
 * the objective's range (by 1 when the range is 0), so every feasible trial counts. Where that
 * would pass the largest double (a value near ±Number.MAX_VALUE) the reference stops at
 * ±Number.MAX_VALUE, so it stays a number, and a trial at that bound adds nothing. A hypervolume
 * beyond the largest double is Infinity; below it, it is computed without overflowing however large
 * the values are.
 *
 * The values are exact (recomputed only when a trial joins the front) while that is cheap: with up
 * to 3 objectives unless the front is recomputed very often at a large size, with more while it
 * stays small and seldom changes. Beyond that the exact history would take minutes (10 objectives
 * and 60 trials: over a minute; 2 objectives and 20,000 trials that all join the front: as long),
 * so the history is a seeded Monte Carlo estimate instead: the same uniform samples of the box
 * between the best values and the reference throughout, so it never decreases, at most 20,000 of
 * them, fewer for a long history; `samples` says how many. `estimate` asks for one whatever the size.
 * Pass `feasible` to judge feasibility by the whole study when `trials` is a filtered part of it
 * (as {@link bestSoFar} takes it).
 *
 * @example
 * hypervolumeHistory(study.trials, ["minimize", "minimize"], { reference: [10, 10] }).history.at(-1)
 */
export function hypervolumeHistory(
  trials: readonly FrozenTrial[],
  directions: readonly Direction[],
  options: { reference?: readonly number[]; estimate?: { samples: number; seed?: number }; feasible?: (trial: FrozenTrial) => boolean } = {},
): HypervolumeHistory {
  const unknown = unknownKeysMessage(options, ["reference", "estimate", "feasible"]);
  if (unknown !== null) throw new RangeError(`hypervolumeHistory: ${unknown}`);
  const m = directions.length;
  if (m < 1) throw new RangeError("directions: at least one objective is needed");
  if (options.estimate !== undefined && !(Number.isInteger(options.estimate.samples) && options.estimate.samples > 0)) {
    throw new RangeError(`estimate.samples: expected a positive integer, got ${options.estimate.samples}`);
  }
  const other = valueCountBesides(trials, (count) => count === m);
  if (other !== null) {
    // Directions of another study (or one of them) gave an empty history, as if no trial had completed.
    throw new RangeError(`directions: ${m} given, but the trials have ${other} objective value(s); pass the study's directions`);
  }
  const feasible = options.feasible ?? feasibilityRule(trials);
  const usable = byNumber(
    trials.filter((t) => t.state === "complete" && t.values !== null && t.values.length === m && t.values.every(Number.isFinite) && feasible(t)),
  );
  let reference: number[];
  if (options.reference !== undefined) {
    if (options.reference.length !== m || !options.reference.every(Number.isFinite)) {
      // Shown as written: JSON.stringify wrote a NaN as null.
      throw new RangeError(`reference: expected ${m} finite numbers, got ${Array.isArray(options.reference) ? `[${options.reference.map(String).join(", ")}]` : String(options.reference)}`);
    }
    reference = [...options.reference];
  } else {
    reference = directions.map((direction, k) => {
      if (usable.length === 0) return 0;
      // A loop, not Math.min(...values): spreading 130,000 values overflowed the call stack (a 500).
      let low = Infinity;
      let high = -Infinity;
      for (const t of usable) {
        low = Math.min(low, t.values![k]!);
        high = Math.max(high, t.values![k]!);
      }
      const margin = high > low ? 0.1 * (high - low) : 1;
      // Past the largest double the reference was ±Infinity, every hypervolume Infinity, and both null in JSON.
      const bound = direction === "minimize" ? high + margin : low - margin;
      return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, bound));
    });
  }
  const { losses, referenceLoss, exponents } = fittedLosses(
    usable.map((t) => toLosses(t.values!, directions)),
    toLosses(reference, directions),
  );
  // Which trials join the front (only they can change the hypervolume), and how large it grows.
  const joins: boolean[] = [];
  const front: Float64Array[] = [];
  let largestFront = 0;
  let sweepWork = 0;
  for (const loss of losses) {
    // Past TRACKED_FRONT points, keeping the front would cost trials × front; the estimate then
    // tests every later trial (one that would not join dominates no sample not dominated yet).
    const joined = largestFront > TRACKED_FRONT || joinFront(front, loss);
    if (joined) {
      largestFront = Math.max(largestFront, front.length);
      sweepWork += front.length;
    }
    joins.push(joined);
  }
  const steps = joins.filter(Boolean).length;
  const exactLimit = EXACT_FRONT_LIMIT[Math.min(m - SWEEP_OBJECTIVES - 1, EXACT_FRONT_LIMIT.length - 1)]!;
  const cheap =
    largestFront <= TRACKED_FRONT && (m <= SWEEP_OBJECTIVES ? sweepWork <= SWEEP_WORK_LIMIT : largestFront <= exactLimit && steps <= EXACT_STEPS_LIMIT);
  const exact = options.estimate === undefined && cheap;
  const samples = exact ? null : (options.estimate?.samples ?? Math.min(MAX_SAMPLES, Math.max(MIN_SAMPLES, Math.floor(SAMPLE_COMPARISONS / Math.max(1, steps)))));
  const scaledVolumes = samples === null ? exactVolumes(losses, joins, referenceLoss) : estimatedVolumes(losses, joins, referenceLoss, samples, options.estimate?.seed ?? 0);
  const volumes = scaledVolumes.map((volume) => {
    // Each factor grows the volume, so it overflows only when the true hypervolume does.
    // In two halves: 2 ** 1024 alone is already Infinity.
    for (const exponent of exponents) if (volume > 0) volume = volume * 2 ** Math.floor(exponent / 2) * 2 ** Math.ceil(exponent / 2);
    return volume;
  });
  return { reference, history: usable.map((trial, i) => ({ number: trial.number, hypervolume: volumes[i]! })), samples };
}

/**
 * The losses and reference with each objective whose extent (from the best loss to the reference)
 * passes the largest double divided by a power of two, `2 ** exponents[k]`, that brings it back
 * to at most about 2. Powers of two scale exactly; the other objectives are left as they are, so
 * ordinary histories keep their values to the bit. Without this, a side of Infinity times a side
 * of 0 made NaN, and the estimate's samples were drawn from an infinite box.
 */
function fittedLosses(losses: Float64Array[], referenceLoss: Float64Array): { losses: Float64Array[]; referenceLoss: Float64Array; exponents: number[] } {
  const exponents: number[] = [];
  const factors: { k: number; factor: number }[] = [];
  for (let k = 0; k < referenceLoss.length; k++) {
    let best = referenceLoss[k]!;
    let largest = Math.abs(referenceLoss[k]!);
    for (const loss of losses) {
      best = Math.min(best, loss[k]!);
      largest = Math.max(largest, Math.abs(loss[k]!));
    }
    if (Number.isFinite(referenceLoss[k]! - best)) continue;
    const exponent = Math.ceil(Math.log2(largest));
    exponents.push(exponent);
    factors.push({ k, factor: 2 ** -exponent });
  }
  if (factors.length === 0) return { losses, referenceLoss, exponents };
  const scale = (loss: Float64Array): Float64Array => {
    const scaled = Float64Array.from(loss);
    for (const { k, factor } of factors) scaled[k] = scaled[k]! * factor;
    return scaled;
  };
  return { losses: losses.map(scale), referenceLoss: scale(referenceLoss), exponents };
}

/** The exact hypervolume after each point, recomputed where one joins the front. */
function exactVolumes(losses: readonly Float64Array[], joins: readonly boolean[], referenceLoss: Float64Array): number[] {
  const front: Float64Array[] = [];
  let volume = 0;
  return losses.map((loss, i) => {
    if (joins[i]) {
      joinFront(front, loss);
      volume = hypervolume(front, referenceLoss);
    }
    return volume;
  });
}

/**
 * The hypervolume after each point, estimated from `count` seeded uniform samples of the box
 * between the best losses and the reference: the box's volume times the fraction of samples some
 * point so far dominates. Each sample, once dominated, is set aside, so later points test fewer.
 */
function estimatedVolumes(losses: readonly Float64Array[], joins: readonly boolean[], referenceLoss: Float64Array, count: number, seed: number): number[] {
  const m = referenceLoss.length;
  const ideal = Float64Array.from(referenceLoss);
  for (const loss of losses) for (let k = 0; k < m; k++) ideal[k] = Math.min(ideal[k]!, loss[k]!);
  let box = 1;
  for (let k = 0; k < m; k++) box *= referenceLoss[k]! - ideal[k]!;
  const rng = new Rng(seed);
  const points = new Float64Array(count * m);
  for (let i = 0; i < points.length; i++) points[i] = rng.uniformIn(ideal[i % m]!, referenceLoss[i % m]!);
  const open = Int32Array.from({ length: count }, (_, i) => i);
  let remaining = count;
  let volume = 0;
  return losses.map((loss, i) => {
    if (!joins[i] || box <= 0) return volume;
    for (let r = 0; r < remaining; ) {
      const at = open[r]! * m;
      let dominated = true;
      for (let k = 0; k < m && dominated; k++) dominated = loss[k]! <= points[at + k]!;
      if (dominated) open[r] = open[--remaining]!;
      else r++;
    }
    volume = (box * (count - remaining)) / count;
    return volume;
  });
}

/** One trial on a worker's timeline. */
export interface TimelineTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** The trials one worker process ran, in order of start. */
export interface WorkerTimeline {
  /** The worker's random id (`systemAttrs.worker.id`), or "unknown" for trials that carry none. */
  readonly worker: string;
  readonly host: string | null;
  readonly pid: number | null;
  readonly trials: TimelineTrial[];
}

/**
 * Groups trials by the worker that ran them (the identity the study records in
 * `systemAttrs.worker`), each worker's trials in order of start; workers are ordered by their first
 * start. Waiting trials, which no worker has claimed yet, are left out.
 *
 * @example
 * trialsPerWorker(study.trials).map((w) => `${w.host}:${w.pid} ran ${w.trials.length}`)
 */
export function trialsPerWorker(trials: readonly FrozenTrial[]): WorkerTimeline[] {
  const groups = new Map<string, { worker: string; host: string | null; pid: number | null; trials: TimelineTrial[] }>();
  for (const trial of trials) {
    if (trial.state === "waiting") continue;
    const identity = workerIdentity(trial.systemAttrs.worker);
    let group = groups.get(identity.worker);
    if (!group) {
      group = { ...identity, trials: [] };
      groups.set(identity.worker, group);
    }
    group.trials.push({ number: trial.number, state: trial.state, startedAt: trial.startedAt, finishedAt: trial.finishedAt });
  }
  const start = (t: TimelineTrial): number => t.startedAt ?? Infinity;
  const timelines = [...groups.values()];
  for (const timeline of timelines) timeline.trials.sort((a, b) => start(a) - start(b) || a.number - b.number);
  timelines.sort((a, b) => start(a.trials[0]!) - start(b.trials[0]!) || a.trials[0]!.number - b.trials[0]!.number);
  return timelines;
}

function workerIdentity(recorded: JsonValue | undefined): { worker: string; host: string | null; pid: number | null } {
  if (recorded !== null && typeof recorded === "object" && !Array.isArray(recorded) && typeof recorded.id === "string") {
    return {
      worker: recorded.id,
      host: typeof recorded.host === "string" ? recorded.host : null,
      pid: typeof recorded.pid === "number" ? recorded.pid : null,
    };
  }
  return { worker: "unknown", host: null, pid: null };
}

function objectiveIndexOf(index: number | undefined): number {
  const value = index ?? 0;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`objectiveIndex must be an integer ≥ 0, got ${value}`);
  return value;
}

function completeWithValue(trials: readonly FrozenTrial[], index: number): FrozenTrial[] {
  const complete = trials.filter((t) => t.state === "complete" && t.values !== null && Number.isFinite(t.values[index]));
  const other = complete.length === 0 ? valueCountBesides(trials, (count) => count > index) : null;
  // An index past the trials' objectives gave an empty history, as if no trial had completed.
  if (other !== null) throw new RangeError(`objectiveIndex ${index} is out of range: the trials have ${other} objective(s), numbered from 0`);
  return complete;
}

/**
 * The number of values of a complete trial when none has a count `fits` takes, or null: a caller's
 * index or directions that do not fit the trials, which an empty answer would hide.
 */
function valueCountBesides(trials: readonly FrozenTrial[], fits: (count: number) => boolean): number | null {
  let other: number | null = null;
  for (const t of trials) {
    if (t.state !== "complete" || t.values === null) continue;
    if (fits(t.values.length)) return null;
    other = t.values.length;
  }
  return other;
}

function byNumber(trials: FrozenTrial[]): FrozenTrial[] {
  return trials.sort((a, b) => a.number - b.number);
}
