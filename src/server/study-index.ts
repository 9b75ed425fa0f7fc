/**
 * What the dashboard routes read: each study's trials held in memory by the server and kept up to
 * date with the storage's incremental reads (`trialsSince`), so that a request on a 100,000-trial
 * study filters, sorts, pages and downsamples in memory instead of reading every row again.
 *
 * Every figure a route answers with is computed over all trials that match the filter; only what
 * is sent is cut down (pages of the table, at most `maxPoints` points of a plot), and each answer
 * says how many it shows of how many match ("N of M shown").
 */
import { feasibilityRule, spanningDistribution } from "../analysis/index.js";
import { type Direction, type Distribution, type FrozenTrial, type ParamValue, type TrialState, distributionsEqual } from "../space/index.js";
import type { Storage, StudyRecord } from "../storage/index.js";
import { SummaryTally } from "./summary-tally.js";

/** Which trials every plot and the table show at once: states, an objective range, and brushed parameter ranges. */
export interface TrialFilter {
  readonly states?: readonly TrialState[];
  /** Index of the objective the value range (and value plots) refer to; 0 unless given. */
  readonly objective?: number;
  readonly valueMin?: number;
  readonly valueMax?: number;
  /**
   * Inclusive ranges on parameters' coordinates: the value of a numeric parameter, the index in
   * `choices` of a categorical one. A trial without the parameter is outside every range on it.
   */
  readonly ranges?: Readonly<Record<string, readonly [number, number]>>;
}

/**
 * The columns the table sorts by besides parameters (named `param:NAME`); `value` is the
 * objective given separately (the route reads `value:K` as `value` with objective K).
 */
export type SortKey = "number" | "state" | "value" | "duration" | `param:${string}`;

/** A study's trials in memory, by number, and the storage `seq` they are current to. */
export class StudyIndex {
  /** By trial number; a hole is a number whose trial this index has not seen. */
  readonly trials: FrozenTrial[] = [];
  seq = 0;
  /**
   * Each parameter's distribution, in order of first appearance: the one that spans every trial's
   * (a range widened or choices added when the study was resumed, see `spanningDistribution`), or
   * the first seen when the parameter changed kind.
   */
  readonly distributions = new Map<string, Distribution>();
  /** How many trials the index holds. */
  size = 0;
  private sortedCache: { key: string; order: number[] } | null = null;
  /** Costly answers (importance, model beliefs) by request, until the trials change. */
  private readonly memo = new Map<string, unknown>();
  /** The summary's figures, kept up to date with each change. */
  readonly summary: SummaryTally;

  constructor(readonly record: StudyRecord) {
    this.summary = new SummaryTally(record, this.trials);
  }

  /**
   * Whether a trial counts as feasible, judged by the whole study (see `feasibilityRule`). Whether
   * the study is constrained comes from the summary kept change by change, not a scan of every trial.
   */
  feasibility(): (trial: FrozenTrial) => boolean {
    return feasibilityRule([], this.summary.isConstrained);
  }

  /** Applies changes read from storage (new trials and new versions of known ones). */
  apply(changed: readonly FrozenTrial[], seq: number): void {
    for (const trial of changed) {
      const previous = this.trials[trial.number];
      if (previous === undefined) this.size++;
      this.trials[trial.number] = trial;
      this.summary.update(previous, trial);
      for (const [name, distribution] of Object.entries(trial.distributions)) {
        const known = this.distributions.get(name);
        if (known === undefined) {
          this.distributions.set(name, distribution);
        } else if (known !== distribution && !distributionsEqual(known, distribution)) {
          // Kept as first seen, a widened range clipped the later trials to the old bounds in the
          // contour, the model left them out, and added choices were missing from every plot.
          const spanning = spanningDistribution([known, distribution]);
          if (spanning !== null) this.distributions.set(name, spanning);
        }
      }
    }
    if (changed.length > 0) {
      this.sortedCache = null;
      this.memo.clear();
    }
    this.seq = Math.max(this.seq, seq);
  }

  /** `compute()`'s answer for `key`, computed once until the trials change. */
  remember<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute();
    this.memo.set(key, value);
    return value;
  }

  get directions(): readonly Direction[] {
    return this.record.directions;
  }

  /** Trial numbers that pass the filter, in number order. */
  match(filter: TrialFilter): number[] {
    const out: number[] = [];
    const states = filter.states && filter.states.length > 0 ? new Set(filter.states) : null;
    const objective = filter.objective ?? 0;
    const ranges = Object.entries(filter.ranges ?? {});
    const hasValueRange = filter.valueMin !== undefined || filter.valueMax !== undefined;
    for (const trial of this.trials) {
      if (!trial) continue;
      if (states && !states.has(trial.state)) continue;
      if (hasValueRange) {
        const value = trial.values?.[objective];
        if (value === undefined || !Number.isFinite(value)) continue;
        if (filter.valueMin !== undefined && value < filter.valueMin) continue;
        if (filter.valueMax !== undefined && value > filter.valueMax) continue;
      }
      let inside = true;
      for (const [name, [low, high]] of ranges) {
        const coordinate = this.coordinate(trial, name);
        if (coordinate === undefined || coordinate < low || coordinate > high) {
          inside = false;
          break;
        }
      }
      if (inside) out.push(trial.number);
    }
    return out;
  }

  /** Where a trial sits on a parameter's axis: its value, or its choice's index for a categorical parameter. */
  coordinate(trial: FrozenTrial, name: string): number | undefined {
    if (!(name in trial.params)) return undefined;
    const value = trial.params[name]!;
    const distribution = this.distributions.get(name);
    if (distribution?.type === "categorical") {
      const index = distribution.choices.indexOf(value);
      return index < 0 ? undefined : index;
    }
    return typeof value === "number" ? value : undefined;
  }

  /**
   * The numbers of the trials that pass `filter` (whose key is `filterKey`), in the order of `sort`.
   * Missing values sort last in either order; ties keep number order. The last answer is kept until
   * the trials change: paging through a sorted 100,000-trial table, and the page's reads of it between
   * changes, filter and sort once (each read re-filtered, ~60 ms at 100,000 trials). In number order,
   * the filter's own order, nothing is sorted at all.
   */
  sortedMatches(filter: TrialFilter, filterKey: string, sort: SortKey, descending: boolean, objective: number): readonly number[] {
    const key = JSON.stringify([filterKey, sort, descending, objective]);
    if (this.sortedCache?.key === key) return this.sortedCache.order;
    const matched = this.match(filter);
    // Trial numbers are distinct: descending number order is the reverse, with no ties to keep.
    const order = sort === "number" ? (descending ? matched.reverse() : matched) : this.sortBy(matched, sort, descending, objective);
    this.sortedCache = { key, order };
    return order;
  }

  private sortBy(matched: readonly number[], sort: SortKey, descending: boolean, objective: number): number[] {
    const keyOf = this.sortKeyOf(sort, objective);
    // Keys by position in `matched`, which is in number order, so positions break ties as numbers
    // do: a Map from number to key, read twice per comparison, took 0.35 s per sort of 200,000
    // trials (a report sorts by every column), three times this.
    const keys = matched.map((n) => keyOf(this.trials[n]!));
    const positions = Array.from(matched, (_, i) => i).sort((a, b) => {
      const ka = keys[a];
      const kb = keys[b];
      if (ka === undefined || kb === undefined) return ka === kb ? a - b : ka === undefined ? 1 : -1;
      const c = ka < kb ? -1 : ka > kb ? 1 : 0;
      return c === 0 ? a - b : descending ? -c : c;
    });
    return positions.map((i) => matched[i]!);
  }

  private sortKeyOf(sort: SortKey, objective: number): (trial: FrozenTrial) => number | string | undefined {
    if (sort === "number") return (t) => t.number;
    if (sort === "state") return (t) => t.state;
    if (sort === "value") return (t) => finiteOrUndefined(t.values?.[objective]);
    if (sort === "duration") return (t) => (t.startedAt !== null && t.finishedAt !== null ? t.finishedAt - t.startedAt : undefined);
    const name = sort.slice("param:".length);
    return (t) => this.coordinate(t, name);
  }
}

function finiteOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/**
 * Keeps one {@link StudyIndex} per study and brings it up to date before each use. Concurrent
 * requests share one refresh; a study re-created under the same name (a new id) starts over.
 */
export class StudyIndexCache {
  private readonly indexes = new Map<number, { index: StudyIndex; refreshing: Promise<void> | null; used: number }>();

  constructor(
    private readonly storage: Storage,
    /** How many studies stay in memory; the least recently used is dropped beyond it. */
    private readonly capacity = 8,
  ) {}

  async get(record: StudyRecord): Promise<StudyIndex> {
    let entry = this.indexes.get(record.id);
    if (!entry) {
      entry = { index: new StudyIndex(record), refreshing: null, used: 0 };
      this.indexes.set(record.id, entry);
      this.evict();
    }
    entry.used = performance.now();
    const current = entry;
    current.refreshing ??= (async () => {
      try {
        const changes = await this.storage.trialsSince(record.id, current.index.seq);
        current.index.apply(changes.trials, changes.seq);
      } finally {
        current.refreshing = null;
      }
    })();
    await current.refreshing;
    return current.index;
  }

  private evict(): void {
    while (this.indexes.size > this.capacity) {
      let oldest: number | null = null;
      let oldestUse = Infinity;
      for (const [id, entry] of this.indexes) {
        if (entry.used < oldestUse) {
          oldestUse = entry.used;
          oldest = id;
        }
      }
      this.indexes.delete(oldest!);
    }
  }
}

/**
 * Picks at most `limit` of `numbers` (which are in number order) spread evenly across them, always
 * keeping those in `keep`. Deterministic: the same input gives the same pick.
 *
 * @example
 * evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, new Set([7])) // [0, 5, 7, 9]-like: 3 spread + 7
 */
export function evenlySpaced(numbers: readonly number[], limit: number, keep: ReadonlySet<number> = new Set()): number[] {
  if (numbers.length <= limit) return [...numbers];
  const picked = new Set<number>(keep);
  const stride = numbers.length / Math.max(1, limit - keep.size);
  for (let i = 0; picked.size < limit && i * stride < numbers.length; i++) picked.add(numbers[Math.floor(i * stride)]!);
  return [...picked].sort((a, b) => a - b);
}

/**
 * Picks at most `limit` of `numbers` at random, but the same ones for the same numbers: those
 * whose number hashes lowest, in number order. A trial stays picked as others arrive (unless a
 * lower hash pushes it out), and trials made in a cycle (a grid sampler's) are not picked on one
 * phase of it, as an even stride over them can be.
 *
 * @example
 * stableSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3) // three of them, the same three every time
 */
export function stableSample(numbers: readonly number[], limit: number): number[] {
  if (numbers.length <= limit) return [...numbers];
  if (limit <= 0) return [];
  const hashes = Uint32Array.from(numbers, numberHash);
  const threshold = Uint32Array.from(hashes).sort()[limit - 1]!;
  const picked: number[] = [];
  for (let i = 0; i < numbers.length && picked.length < limit; i++) if (hashes[i]! <= threshold) picked.push(numbers[i]!);
  return picked;
}

/** MurmurHash3's 32-bit finalizer over a trial number: a fixed, well-mixed stand-in for a random draw. */
function numberHash(n: number): number {
  let h = (n + 0x9e3779b9) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Downsamples a value history for plotting: splits the trials (in number order) into buckets and
 * keeps each bucket's lowest and highest value, so the picture's envelope and outliers survive,
 * plus every trial in `keep` (the best-so-far steps).
 */
export function envelopeSample(numbers: readonly number[], valueOf: (n: number) => number | undefined, limit: number, keep: ReadonlySet<number>): number[] {
  if (numbers.length <= limit) return [...numbers];
  const buckets = Math.max(1, Math.floor((limit - keep.size) / 2));
  const picked = new Set<number>(keep);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * numbers.length) / buckets);
    const to = Math.floor(((b + 1) * numbers.length) / buckets);
    let low: number | null = null;
    let high: number | null = null;
    let lowValue = Infinity;
    let highValue = -Infinity;
    for (let i = from; i < to; i++) {
      const n = numbers[i]!;
      const value = valueOf(n);
      if (value === undefined) continue;
      if (value < lowValue) [lowValue, low] = [value, n];
      if (value > highValue) [highValue, high] = [value, n];
    }
    if (low !== null) picked.add(low);
    if (high !== null) picked.add(high);
  }
  return [...picked].sort((a, b) => a - b);
}

/** A parameter's value as the dashboard sends it (plain JSON). */
export function paramOf(trial: FrozenTrial, name: string): ParamValue | undefined {
  return name in trial.params ? trial.params[name] : undefined;
}
