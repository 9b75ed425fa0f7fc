/**
 * The plain-data records every layer shares: trials, study snapshots and directions. They are
 * JSON-shaped so that the same object can be stored, sent over HTTP and shown in the dashboard.
 */
import type { Distribution, ParamValue } from "./distributions.js";
import { formatPath } from "./field-path.js";
import { twoObjectiveFront } from "../math/two-objective-front.js";

/** `waiting` (enqueued) → `running` → one of `complete`, `pruned`, `failed`. Only `running` moves. */
export type TrialState = "waiting" | "running" | "complete" | "pruned" | "failed";

export const FINISHED_STATES: readonly TrialState[] = ["complete", "pruned", "failed"];

/** Every trial state, in the order a trial moves through them. */
export const TRIAL_STATES: readonly TrialState[] = ["waiting", "running", ...FINISHED_STATES];

export type Direction = "minimize" | "maximize";

/** The system attribute under which a trial's constraint values live (feasible iff every value is <= 0). */
export const CONSTRAINTS_ATTR = "constraints";

/**
 * The most objectives a study may have. One limit for the library, the CLI and the HTTP service,
 * checked where a study is created: a study the library made with more could never be told over
 * HTTP. Sixteen is past the many-objective benchmarks (DTLZ and WFG go to 15), and the Pareto
 * front and hypervolume mean little beyond it (nearly every point is non-dominated).
 */
export const MAX_OBJECTIVES = 16;

/**
 * The most constraint values a trial may have (library, command, HTTP), checked wherever they are
 * reported unless the study already stores a larger count (made by an older Sextant), which goes on.
 */
export const MAX_CONSTRAINTS = 64;

/** Any JSON value: what user and system attributes may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The longest study name: names travel in URL paths and table cells. */
export const MAX_STUDY_NAME_LENGTH = 200;

/**
 * What keeps `name` from naming a new study, or null: blank, longer than
 * {@link MAX_STUDY_NAME_LENGTH}, a control character (a tab, a newline), a lone UTF-16 surrogate
 * (stored as U+FFFD, so the study could then be neither opened nor deleted by the name given), or
 * "." or "..", which a URL path cannot carry. The library, the CLI and the HTTP service refuse by
 * the same rule, so that every study one of them makes the dashboard and the service can reach.
 *
 * @example
 * studyNameProblem("resnet-lr") // null
 * studyNameProblem("a\tb")      // "must not contain control characters (a tab at 2)"
 */
export function studyNameProblem(name: string): string | null {
  if (name.trim() === "") return "must not be blank";
  if (name.length > MAX_STUDY_NAME_LENGTH) return `must be at most ${MAX_STUDY_NAME_LENGTH} characters, got ${name.length}`;
  const control = /[\u0000-\u001f\u007f]/.exec(name);
  if (control) {
    const what = control[0] === "\t" ? "a tab" : control[0] === "\n" ? "a newline" : `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return `must not contain control characters (${what} at ${control.index + 1})`;
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) return "must be well-formed Unicode (it holds a lone surrogate)";
  if (name === "." || name === "..") return `must not be "${name}", which a URL path cannot carry (the HTTP service and dashboard could not reach the study)`;
  return null;
}

/**
 * What keeps `value` from being a {@link JsonValue}, or null when nothing does: undefined (or a
 * hole in a sparse array, which JSON would write as null), a function, a symbol, a bigint, a
 * cycle, or an object that is not a plain object or array (a Date, a Map, a class instance), each
 * of which JSON would drop, mangle or refuse when it is stored.
 * Non-finite numbers pass: the storages keep them. `path` names where the problem is.
 *
 * @example
 * jsonValueProblem({ when: new Date(0) }, "value") // 'value.when is a Date, not a JSON value (convert it first, e.g. to a string or a number)'
 * jsonValueProblem([1, "a", { b: null }], "value") // null
 */
export function jsonValueProblem(value: unknown, path: string): string | null {
  // Runs before every checkpoint save and attribute write, on arrays of millions of weights: the
  // walk keeps the keys it is under on a stack and spells the path only for the problem it finds,
  // so a valid value costs about what JSON.stringify does.
  const keys: (string | number)[] = [];
  const open = new Set<object>();
  const at = (): string => formatPath([path, ...keys]);
  const visit = (v: unknown): string | null => {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return null;
    if (typeof v === "bigint") return `${at()} is the bigint ${v}n, not a JSON value (send a number or a string)`;
    if (typeof v !== "object") return `${at()} is ${v === undefined ? "undefined" : `a ${typeof v}`}, not a JSON value`;
    const isArray = Array.isArray(v);
    const prototype = Object.getPrototypeOf(v);
    if (!isArray && prototype !== Object.prototype && prototype !== null) {
      const kind = typeof prototype?.constructor?.name === "string" && prototype.constructor.name !== "" ? prototype.constructor.name : "class instance";
      return `${at()} is a ${kind}, not a JSON value (convert it first, e.g. to a string or a number)`;
    }
    if (open.has(v)) return `${at()} refers back to an object that contains it; a JSON value has no cycles`;
    open.add(v);
    if (isArray) {
      // Indexed, not iterated with map or entries: a hole in a sparse array is undefined here too.
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === "number" || typeof item === "string" || typeof item === "boolean" || item === null) continue;
        keys.push(i);
        const problem = visit(item);
        if (problem !== null) return problem;
        keys.pop();
      }
    } else {
      const record = v as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        keys.push(key);
        const problem = visit(record[key]);
        if (problem !== null) return problem;
        keys.pop();
      }
    }
    open.delete(v);
    return null;
  };
  return visit(value);
}

/** A trial as stored: read-only, replaced (never mutated) when it changes. */
export interface FrozenTrial {
  /** Storage-wide identifier. */
  readonly id: number;
  /** Position within its study: 0, 1, 2, … never given twice. */
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** One value per objective, set when the trial completes (a pruned trial may carry its last intermediate value). */
  readonly values: readonly number[] | null;
  /** Intermediate values reported with `reportIntermediate`, keyed by step. */
  readonly intermediate: Readonly<Record<number, number>>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  /** Milliseconds since the epoch. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** The study's change counter when this trial last changed; incremental reads use it. */
  readonly seq: number;
}

/**
 * What samplers and pruners see: a study's trials as of one moment. It is read-only; samplers
 * never call storage.
 *
 * `trials` is indexed by trial number. `finished` lists trials in the order the study saw them
 * finish and only ever grows for the same `studyId`, so a sampler may keep incremental statistics
 * by remembering how far into `finished` it has read.
 */
export interface StudySnapshot {
  readonly studyId: number;
  /**
   * Names the study uniquely in this process (a study object sets it): ids repeat across
   * storages, every `memory:` store and SQLite file numbering its studies from 1, so state a
   * sampler or pruner keeps per study is keyed by {@link studyKeyOf}, not by the id.
   */
  readonly studyKey?: string;
  readonly studyName: string;
  readonly directions: readonly Direction[];
  readonly trials: readonly FrozenTrial[];
  readonly finished: readonly FrozenTrial[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  /**
   * Earlier studies this one was warm-started from (`createStudy({ warmStartFrom })`): samplers
   * that can may learn from their trials, which never count as this study's own.
   */
  readonly warmStart?: readonly WarmStartSource[];
}

/**
 * An earlier study a new one learns from: its feasible complete single-objective trials, and the
 * numeric `context` user attribute (task features, e.g. data-set size) if it had one.
 */
export interface WarmStartSource {
  readonly name: string;
  readonly direction: Direction;
  readonly trials: readonly FrozenTrial[];
  readonly context: readonly number[] | null;
  /** Complete trials left out because they break the source's constraints (none when absent). */
  readonly infeasible?: number;
}

/**
 * What a sampler is told about the trial it is sampling for: its number, the parameters it has so
 * far, and a way to leave notes on it or on the study (kept as system attributes, written by the
 * study; the sampler itself never touches storage).
 */
export interface SamplingTrial {
  readonly number: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  setSystemAttr(key: string, value: JsonValue): void;
  setStudySystemAttr(key: string, value: JsonValue): void;
}

/** A trial's single objective value, or undefined when it has none. */
export function trialValue(trial: FrozenTrial): number | undefined {
  return trial.values && trial.values.length > 0 ? trial.values[0] : undefined;
}

/** Complete trials of a snapshot, in number order. */
export function completeTrials(snapshot: StudySnapshot): FrozenTrial[] {
  return snapshot.trials.filter((t) => t.state === "complete");
}

/** Whether value `a` is strictly better than `b` under `direction`. */
export function isBetter(direction: Direction, a: number, b: number): boolean {
  return direction === "minimize" ? a < b : a > b;
}

/**
 * Whether value vector `a` Pareto-dominates `b`: at least as good in every objective and strictly
 * better in one. A NaN value counts as the worst in either direction, as in `dominatesLosses`.
 */
export function dominates(directions: readonly Direction[], a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < directions.length; i++) {
    const ai = lossOf(directions[i]!, a[i]!);
    const bi = lossOf(directions[i]!, b[i]!);
    if (ai > bi) return false;
    if (ai < bi) strictly = true;
  }
  return strictly;
}

/**
 * A value as a loss (smaller is better), NaN as the worst: compared as it was, NaN tied with everything.
 *
 * @example
 * lossOf("maximize", 2) // -2
 * lossOf("minimize", NaN) // Infinity
 */
export function lossOf(direction: Direction, value: number): number {
  if (Number.isNaN(value)) return Infinity;
  return direction === "minimize" ? value : -value;
}

/** Sorted step numbers of a trial's intermediate values. */
export function intermediateSteps(trial: FrozenTrial): number[] {
  return Object.keys(trial.intermediate)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The intermediate value at the trial's largest step, or undefined. */
export function lastIntermediate(trial: Pick<FrozenTrial, "intermediate">): { step: number; value: number } | undefined {
  let best: number | undefined;
  for (const key of Object.keys(trial.intermediate)) {
    const step = Number(key);
    if (best === undefined || step > best) best = step;
  }
  return best === undefined ? undefined : { step: best, value: trial.intermediate[best]! };
}

/**
 * Builds a frozen trial for tests and hand-made histories; fields not given take neutral values.
 *
 * @example
 * makeTrial({ number: 0, params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } }, values: [1] })
 */
export function makeTrial(fields: Partial<FrozenTrial> & { number: number }): FrozenTrial {
  return {
    id: fields.number,
    state: fields.values ? "complete" : "running",
    params: {},
    distributions: {},
    values: null,
    intermediate: {},
    userAttrs: {},
    systemAttrs: {},
    startedAt: null,
    finishedAt: null,
    seq: fields.number,
    ...fields,
  };
}

/** Builds a snapshot from a list of trials, for tests and offline analysis. */
export function makeSnapshot(
  trials: readonly FrozenTrial[],
  options: { directions?: Direction[]; studyId?: number; studyName?: string } = {},
): StudySnapshot {
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  return {
    studyId: options.studyId ?? 1,
    studyName: options.studyName ?? "snapshot",
    directions: options.directions ?? ["minimize"],
    trials: sorted,
    finished: sorted.filter((t) => t.state === "complete" || t.state === "pruned" || t.state === "failed"),
    userAttrs: {},
    systemAttrs: {},
  };
}

/** A {@link SamplingTrial} for tests: notes left by the sampler are collected on `notes`. */
export function makeSamplingTrial(
  number: number,
  params: Record<string, ParamValue> = {},
): SamplingTrial & { notes: Record<string, JsonValue>; studyNotes: Record<string, JsonValue> } {
  const notes: Record<string, JsonValue> = {};
  const studyNotes: Record<string, JsonValue> = {};
  return {
    number,
    params,
    distributions: {},
    systemAttrs: notes,
    notes,
    studyNotes,
    setSystemAttr(key, value) {
      notes[key] = value;
    },
    setStudySystemAttr(key, value) {
      studyNotes[key] = value;
    },
  };
}

/**
 * The trials no other trial dominates (the Pareto front), among those with a value vector, ordered
 * by the first objective (ties by trial number); equal trials are all kept, and a NaN value counts
 * as the worst (see {@link dominates}). The trials are taken in the lexicographic order of their
 * losses, where a trial comes after every trial that dominates it: with two objectives one sweep
 * decides each (O(n log n)), with more each is compared with the front found so far.
 *
 * @example
 * paretoFront(study.trials.filter((t) => t.state === "complete"), ["minimize", "maximize"])
 */
export function paretoFront(trials: readonly FrozenTrial[], directions: readonly Direction[]): FrozenTrial[] {
  // Sorted by the first objective, then every member checked against the whole front again (for
  // ties): a two-objective front of 6,000 trials took seconds a call, and sextant tune asks for
  // it after each trial and at each repaint of its progress line (10 trials took minutes).
  const candidates = trials.filter((t) => t.values !== null && t.values.length === directions.length);
  const losses = candidates.map((t) => directions.map((direction, k) => lossOf(direction, t.values![k]!)));
  let front: number[];
  if (directions.length === 2) {
    front = twoObjectiveFront(losses);
  } else {
    front = [];
    const byLosses = candidates.map((_, i) => i).sort((a, b) => compareLosses(losses[a]!, losses[b]!) || candidates[a]!.number - candidates[b]!.number);
    for (const i of byLosses) if (!front.some((j) => dominatesAsLosses(losses[j]!, losses[i]!))) front.push(i);
  }
  return front.sort((a, b) => compareLosses(losses[a]!, losses[b]!, 1) || candidates[a]!.number - candidates[b]!.number).map((i) => candidates[i]!);
}

/** Whether loss vector `a` (no NaN: see {@link lossOf}) is no worse than `b` everywhere and better somewhere. */
function dominatesAsLosses(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) strictly = true;
  }
  return strictly;
}

/** The lexicographic order of two loss vectors' first `count` losses (compared, not subtracted: Infinity − Infinity is NaN). */
function compareLosses(a: readonly number[], b: readonly number[], count = a.length): number {
  for (let k = 0; k < count; k++) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1;
  return 0;
}

/**
 * The key under which a sampler or pruner keeps state for the snapshot's study: one object used
 * by two studies of different storages, both with id 1, must not carry one's state into the other.
 *
 * @example
 * const state = this.states.get(studyKeyOf(snapshot));
 */
export function studyKeyOf(snapshot: StudySnapshot): string {
  return snapshot.studyKey ?? `id:${snapshot.studyId}`;
}

/**
 * A reader's position in a study's append-only `finished` list, for samplers and pruners that
 * keep incremental state. It notices a snapshot that does not continue what was read (another
 * study, a shorter list, or a different trial where the last read one stood), in which case the
 * reader starts over.
 *
 * @example
 * if (!cursor.continues(snapshot)) state = freshState();
 * for (let i = cursor.position; i < snapshot.finished.length; i++) absorb(snapshot.finished[i]);
 * cursor.markRead(snapshot);
 */
export class FinishedCursor {
  private studyKey: string | null = null;
  private count = 0;
  private lastId: number | null = null;

  /** How many trials of `finished` have been read. */
  get position(): number {
    return this.count;
  }

  /** Whether `snapshot` extends what this cursor has read. A cursor that has read nothing continues any snapshot. */
  continues(snapshot: StudySnapshot): boolean {
    if (this.studyKey === null) return true;
    const finished = snapshot.finished;
    return (
      this.studyKey === studyKeyOf(snapshot) &&
      finished.length >= this.count &&
      (this.count === 0 || finished[this.count - 1]!.id === this.lastId)
    );
  }

  /** Marks every trial of the snapshot's `finished` list as read. */
  markRead(snapshot: StudySnapshot): void {
    const finished = snapshot.finished;
    this.studyKey = studyKeyOf(snapshot);
    this.count = finished.length;
    this.lastId = finished.length > 0 ? finished[finished.length - 1]!.id : null;
  }
}
