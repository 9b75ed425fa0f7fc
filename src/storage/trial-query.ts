/**
 * Selective trial reads: {@link TrialQuery} says which trials of a study a reader needs, and
 * {@link Storage.findTrials} answers with an indexed query where the backend has one, so that
 * showing the last ten trials or the best one reads those, not the study's whole history.
 * {@link selectTrials} is what every backend must answer, written over the study's trials.
 */
import { type Direction, type FrozenTrial, TRIAL_STATES, type TrialState } from "../space/index.js";
import type { Storage } from "./types.js";

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
  /**
   * A cursor, for reading a study page by page (see {@link trialPages}): only trials after this
   * number in the number order, so with a greater number, or with `reverse` a smaller one. Only
   * with the number order, where a trial's place never changes.
   */
  readonly afterNumber?: number;
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
  if (query.afterNumber !== undefined) {
    if (!Number.isSafeInteger(query.afterNumber)) throw new TypeError(`findTrials: afterNumber must be a whole number, got ${query.afterNumber}`);
    if (order !== "number") throw new TypeError(`findTrials: afterNumber pages through the number order, not order ${JSON.stringify(order)}`);
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
  const { states, withSystemAttr, numbers, afterNumber } = query;
  const order = query.order ?? "number";
  const sign = query.reverse ? -1 : 1;
  const selected = trials.filter(
    (t) =>
      (afterNumber === undefined || sign * (t.number - afterNumber) > 0) &&
      (states === undefined || states.includes(t.state)) &&
      (withSystemAttr === undefined || (Object.hasOwn(t.systemAttrs, withSystemAttr) && t.systemAttrs[withSystemAttr] !== null)) &&
      (numbers === undefined || numbers.includes(t.number)) &&
      (order === "number" || t.values !== null),
  );
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

/** Trials {@link trialPages} reads at once unless told: a few megabytes of trials with long attributes, and few enough reads that each one's round trip is a small part of its cost. */
export const TRIAL_PAGE_SIZE = 1000;

/** How {@link trialPages} reads. */
export interface TrialPageOptions {
  /** Trials read at once, at most (default {@link TRIAL_PAGE_SIZE}). */
  readonly pageSize?: number;
  /** The last trial number to read (default: the study's last trial when the read begins): a second read of a study ends where its first one did. */
  readonly lastNumber?: number;
}

/**
 * The trials `query` selects, in number order (`reverse`: the last first), read a page of at most
 * `pageSize` at a time with the {@link TrialQuery.afterNumber} cursor: a reader of a large study
 * holds a page of it, not its whole history (`sextant trials`, export and copy read 200,000-trial
 * studies so). A storage without {@link Storage.findTrials} is read whole once and handed out in pages.
 *
 * Each page is a read of its own, so a study that changes while it is read (live workers) is not
 * seen as of one moment, as one read sees it. What the pages then hold: the trials numbered up to
 * the study's last trial when the first page was read (trials created later are left out, as a
 * single read made then leaves them out), each once, as its own page found it: a trial that
 * finished between the first page and its own shows finished. With `states`, a trial is there
 * when its page found it in one of them.
 *
 * @example
 * for await (const page of trialPages(storage, study.id, { states: ["complete"] })) for (const trial of page) console.log(trial.number);
 */
export async function* trialPages(
  storage: Storage,
  studyId: number,
  query: Omit<TrialQuery, "order" | "limit" | "afterNumber"> = {},
  options: TrialPageOptions = {},
): AsyncGenerator<FrozenTrial[], void, undefined> {
  const pageSize = options.pageSize ?? TRIAL_PAGE_SIZE;
  if (!(Number.isSafeInteger(pageSize) && pageSize > 0)) throw new RangeError(`trialPages: pageSize must be a whole number ≥ 1, got ${pageSize}`);
  if (!storage.findTrials) {
    const trials = await findTrials(storage, studyId, query);
    const kept = options.lastNumber === undefined ? trials : trials.filter((trial) => trial.number <= options.lastNumber!);
    for (let start = 0; start < kept.length; start += pageSize) yield kept.slice(start, start + pageSize);
    return;
  }
  const plain = { ...query, order: undefined, limit: undefined, afterNumber: undefined };
  const last = options.lastNumber ?? (await storage.findTrials(studyId, { reverse: true, limit: 1 }))[0]?.number;
  if (last === undefined || last < 0) return;
  // Reversed, the newest trials first: from the last one down to trial 0.
  let cursor = query.reverse ? last + 1 : -1;
  for (;;) {
    const page = await storage.findTrials(studyId, { ...plain, afterNumber: cursor, limit: pageSize });
    const kept = query.reverse ? page : page.filter((trial) => trial.number <= last);
    if (kept.length > 0) yield kept;
    if (page.length < pageSize || kept.length < page.length) return;
    cursor = page[page.length - 1]!.number;
  }
}
