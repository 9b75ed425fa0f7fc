/**
 * Selective trial reads: {@link TrialQuery} says which trials of a study a reader needs, and
 * {@link Storage.findTrials} answers with an indexed query where the backend has one, so that
 * showing the last ten trials or the best one reads those, not the study's whole history.
 * {@link selectTrials} is what every backend must answer, written over the study's trials.
 */
import { type Direction, FINISHED_STATES, type FrozenTrial, type TrialState } from "../space/index.js";
import type { Storage } from "./types.js";

const TRIAL_STATES: readonly TrialState[] = ["waiting", "running", ...FINISHED_STATES];

/**
 * Which trials of a study to read, and in what order. Every field is optional: `{}` is every trial
 * in number order.
 *
 * @example
 * // The last 10 pruned trials, newest first:
 * { states: ["pruned"], reverse: true, limit: 10 }
 * // The best complete trial of a minimized study and the ones tied with it come first:
 * { states: ["complete"], order: "minimize", limit: 16 }
 */
export interface TrialQuery {
  /** Only trials in these states. */
  readonly states?: readonly TrialState[];
  /** Only trials that hold this system attribute with a value other than null. */
  readonly withSystemAttr?: string;
  /** Only the trials with these numbers. */
  readonly numbers?: readonly number[];
  /**
   * `"number"` (the default): ascending trial number. A direction: only trials with values, best
   * first by their first value for that direction (±Infinity at its end of the scale), ties in
   * number order; trials whose first value is NaN or missing come last, in number order.
   */
  readonly order?: "number" | Direction;
  /** The order turned around: the last trials by number first, or the worst values first. */
  readonly reverse?: boolean;
  /** At most this many trials, from the start of the order. */
  readonly limit?: number;
}

/** Throws for a query no backend should run: an unknown state or order, a limit that is no count. */
export function checkTrialQuery(query: TrialQuery): void {
  for (const state of query.states ?? []) {
    if (!TRIAL_STATES.includes(state)) throw new TypeError(`findTrials: unknown state ${JSON.stringify(state)} (use ${TRIAL_STATES.join(", ")})`);
  }
  const order = query.order ?? "number";
  if (order !== "number" && order !== "minimize" && order !== "maximize") {
    throw new TypeError(`findTrials: order must be "number", "minimize" or "maximize", got ${JSON.stringify(order)}`);
  }
  if (query.limit !== undefined && !(Number.isSafeInteger(query.limit) && query.limit >= 0)) {
    throw new RangeError(`findTrials: limit must be a whole number ≥ 0, got ${query.limit}`);
  }
  for (const number of query.numbers ?? []) {
    if (!Number.isSafeInteger(number)) throw new TypeError(`findTrials: numbers must be whole numbers, got ${number}`);
  }
}

/**
 * Where a first value stands in the value order of `direction`: 0 the best infinity, 1 a finite
 * number, 2 the worst infinity, 3 NaN or no number at all. The SQL backends compute the same rank.
 */
function valueRank(values: readonly number[], direction: Direction): number {
  const first: unknown = values[0];
  if (typeof first !== "number" || Number.isNaN(first)) return 3;
  if (first === Infinity) return direction === "maximize" ? 0 : 2;
  if (first === -Infinity) return direction === "minimize" ? 0 : 2;
  return 1;
}

/**
 * What {@link Storage.findTrials} answers, computed from all of a study's trials: the reference
 * every backend's own query must agree with, and what a storage without one falls back to.
 *
 * @example
 * selectTrials(trials, { states: ["failed"], reverse: true, limit: 5 }) // the last 5 failed trials, newest first
 */
export function selectTrials(trials: readonly FrozenTrial[], query: TrialQuery): FrozenTrial[] {
  checkTrialQuery(query);
  const { states, withSystemAttr, numbers } = query;
  const order = query.order ?? "number";
  const selected = trials.filter(
    (t) =>
      (states === undefined || states.includes(t.state)) &&
      (withSystemAttr === undefined || (Object.hasOwn(t.systemAttrs, withSystemAttr) && t.systemAttrs[withSystemAttr] !== null)) &&
      (numbers === undefined || numbers.includes(t.number)) &&
      (order === "number" || t.values !== null),
  );
  const sign = query.reverse ? -1 : 1;
  selected.sort((a, b) => {
    if (order !== "number") {
      const rankA = valueRank(a.values!, order);
      const rank = rankA - valueRank(b.values!, order);
      if (rank !== 0) return sign * rank;
      if (rankA === 1 && a.values![0] !== b.values![0]) {
        return sign * (order === "minimize" ? a.values![0]! - b.values![0]! : b.values![0]! - a.values![0]!);
      }
    }
    return sign * (a.number - b.number);
  });
  return query.limit === undefined ? selected : selected.slice(0, query.limit);
}

/**
 * The trials `query` selects: with the storage's own {@link Storage.findTrials} where it has one,
 * else by reading every trial of the study and selecting them here.
 *
 * @example
 * const lastFailed = await findTrials(storage, study.id, { states: ["failed"], reverse: true, limit: 5 });
 */
export async function findTrials(storage: Storage, studyId: number, query: TrialQuery): Promise<FrozenTrial[]> {
  if (storage.findTrials) return storage.findTrials(studyId, query);
  const { trials } = await storage.trialsSince(studyId, 0);
  return selectTrials([...trials].sort((a, b) => a.number - b.number), query);
}
