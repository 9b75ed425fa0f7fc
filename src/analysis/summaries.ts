/**
 * Study summaries the dashboard, the report and the CLI draw: best-so-far history, the empirical
 * distribution of values, hypervolume history of multi-objective studies, and trials per worker
 * over time. Each is a pure function of a list of trials, so the HTTP service can compute it on
 * any page of trials it reads and a test can check it on a hand-made list.
 *
 * @module
 */
import type { Direction, FrozenTrial, JsonValue, TrialState } from "../space/index.js";
import { hypervolume } from "./hypervolume.js";
import { feasibilityRule, paretoFrontIndices, toLosses } from "./pareto.js";

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
  readonly history: { readonly number: number; readonly hypervolume: number }[];
}

/**
 * The hypervolume of the Pareto front of the complete, feasible trials numbered up to each one.
 * The reference point defaults to the worst value seen in each objective pushed out by a tenth of
 * the objective's range (by 1 when the range is 0), so every feasible trial counts. The front is
 * recomputed only when a trial joins it, so a long history costs little more than its front.
 *
 * @example
 * hypervolumeHistory(study.trials, ["minimize", "minimize"], { reference: [10, 10] }).history.at(-1)
 */
export function hypervolumeHistory(
  trials: readonly FrozenTrial[],
  directions: readonly Direction[],
  options: { reference?: readonly number[] } = {},
): HypervolumeHistory {
  const m = directions.length;
  if (m < 1) throw new RangeError("directions: at least one objective is needed");
  const feasible = feasibilityRule(trials);
  const usable = byNumber(
    trials.filter((t) => t.state === "complete" && t.values !== null && t.values.length === m && t.values.every(Number.isFinite) && feasible(t)),
  );
  let reference: number[];
  if (options.reference !== undefined) {
    if (options.reference.length !== m || !options.reference.every(Number.isFinite)) {
      throw new RangeError(`reference: expected ${m} finite numbers, got ${JSON.stringify(options.reference)}`);
    }
    reference = [...options.reference];
  } else {
    reference = directions.map((direction, k) => {
      const values = usable.map((t) => t.values![k]!);
      if (values.length === 0) return 0;
      const low = Math.min(...values);
      const high = Math.max(...values);
      const margin = high > low ? 0.1 * (high - low) : 1;
      return direction === "minimize" ? high + margin : low - margin;
    });
  }
  const referenceLoss = toLosses(reference, directions);
  let front: Float64Array[] = [];
  let volume = 0;
  const history: { number: number; hypervolume: number }[] = [];
  for (const trial of usable) {
    const loss = toLosses(trial.values!, directions);
    const dominated = front.some((member) => weaklyDominates(member, loss));
    if (!dominated) {
      const candidates = [...front, loss];
      front = paretoFrontIndices(candidates).map((i) => candidates[i]!);
      volume = hypervolume(front, referenceLoss);
    }
    history.push({ number: trial.number, hypervolume: volume });
  }
  return { reference, history };
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
  return trials.filter((t) => t.state === "complete" && t.values !== null && Number.isFinite(t.values[index]));
}

function byNumber(trials: FrozenTrial[]): FrozenTrial[] {
  return trials.sort((a, b) => a.number - b.number);
}

function weaklyDominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let k = 0; k < a.length; k++) if (a[k]! > b[k]!) return false;
  return true;
}
