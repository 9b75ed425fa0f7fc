/**
 * Rows of the SQL backends (SQLite and PostgreSQL share one layout): how trials and studies are
 * written as text and read back.
 *
 * JSON has no Infinity or NaN (JSON.stringify silently turns them into null), yet a diverging
 * run reports NaN and a crashed one may report Infinity. Objective and intermediate values hold
 * only numbers, so a non-finite one is stored as the string "inf", "-inf" or "nan". Params,
 * distributions and attributes may hold strings, so there a non-finite number becomes the object
 * {"$sextant:number": "inf"}, which no parameter value can be.
 */
import type { Direction, Distribution, FrozenTrial, JsonValue, ParamValue, TrialState } from "../space/index.js";
import type { StudyRecord, StudySummary } from "./types.js";

export interface StudyRow {
  id: number;
  name: string;
  directions: string;
  user_attrs: string;
  system_attrs: string;
  created_at: number;
  seq: number;
}

export interface TrialRow {
  id: number;
  study_id: number;
  number: number;
  state: TrialState;
  params: string;
  distributions: string;
  objective_values: string | null;
  intermediate: string;
  user_attrs: string;
  system_attrs: string;
  started_at: number | null;
  finished_at: number | null;
  seq: number;
}

export interface AggregateRow {
  study_id: number;
  state: TrialState;
  n: number;
  min_value: number | null;
  max_value: number | null;
  /** SQLite answers 0/1, PostgreSQL a boolean. */
  has_neg_inf: number | boolean | null;
  has_pos_inf: number | boolean | null;
}

/** A column whose text does not decode; the backend adds the study and trial it belongs to. */
export class UnreadableColumnError extends Error {
  constructor(
    readonly column: string,
    readonly text: string,
    cause: unknown,
  ) {
    super(`column ${column} cannot be decoded`, { cause });
  }
}

function decodeColumn<Text extends string | null, T>(column: string, text: Text, decode: (text: Text) => T): T {
  try {
    return decode(text);
  } catch (error) {
    throw new UnreadableColumnError(column, text ?? "null", error);
  }
}

export function rowToStudy(row: StudyRow): StudyRecord {
  return {
    id: row.id,
    name: row.name,
    directions: decodeColumn("directions", row.directions, JSON.parse) as Direction[],
    userAttrs: decodeColumn("user_attrs", row.user_attrs, decodeAttrs),
    systemAttrs: decodeColumn("system_attrs", row.system_attrs, decodeAttrs),
    createdAt: row.created_at,
  };
}

export function rowToTrial(row: TrialRow): FrozenTrial {
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    params: decodeColumn("params", row.params, decodeJson) as Record<string, ParamValue>,
    distributions: decodeColumn("distributions", row.distributions, decodeJson) as Record<string, Distribution>,
    values: decodeColumn("objective_values", row.objective_values, decodeValues),
    intermediate: decodeColumn("intermediate", row.intermediate, decodeIntermediate),
    userAttrs: decodeColumn("user_attrs", row.user_attrs, decodeAttrs),
    systemAttrs: decodeColumn("system_attrs", row.system_attrs, decodeAttrs),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    seq: row.seq,
  };
}

/** Same result as `summarizeStudy` over the study's trials, computed by the database. */
export function summarize(record: StudyRecord, rows: readonly AggregateRow[]): StudySummary {
  const trialCounts: Record<TrialState, number> = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 };
  let bestValue: number | null = null;
  for (const row of rows) {
    trialCounts[row.state] = row.n;
    if (row.state !== "complete" || record.directions.length !== 1) continue;
    if (record.directions[0] === "minimize") bestValue = row.has_neg_inf ? -Infinity : row.min_value;
    else bestValue = row.has_pos_inf ? Infinity : row.max_value;
  }
  return { ...record, trialCounts, bestValue };
}


const NON_FINITE_TAG = "$sextant:number";

function nonFiniteName(value: number): string {
  return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

function nonFiniteValue(name: unknown): number | undefined {
  return name === "inf" ? Infinity : name === "-inf" ? -Infinity : name === "nan" ? NaN : undefined;
}

/**
 * The one key of a stored object shaped like a tag: `$sextant:number`, or that with more `$`s in
 * front. A user's own object of that shape is written with one `$` more and read back with one
 * less, so it never reads back as a number.
 */
const TAG_LIKE_KEY = /^\$+sextant:number$/;

function tagLikeKey(value: object): string | null {
  let only: string | null = null;
  for (const key in value) {
    if (only !== null) return null;
    only = key;
  }
  return only !== null && TAG_LIKE_KEY.test(only) ? only : null;
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (tagLikeKey(value) !== null) return true;
  for (const key in value) if (hasNonFinite((value as Record<string, unknown>)[key])) return true;
  return false;
}

function tagNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return { [NON_FINITE_TAG]: nonFiniteName(value) };
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const key = tagLikeKey(value);
    if (key !== null) return { [`$${key}`]: (value as Record<string, unknown>)[key] };
  }
  return value;
}

function untagNonFinite(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const key = tagLikeKey(value);
    if (key === NON_FINITE_TAG) {
      const decoded = nonFiniteValue((value as Record<string, unknown>)[NON_FINITE_TAG]);
      if (decoded !== undefined) return decoded;
    } else if (key !== null) {
      return { [key.slice(1)]: (value as Record<string, unknown>)[key] };
    }
  }
  return value;
}

/** JSON text for params, distributions and attributes; non-finite numbers survive. */
/**
 * The stored columns of a trial after a patch turned `trial` (read from `row`) into `next`. Fields
 * the patch left alone keep their stored text: most updates touch one or two of them.
 */
export function patchedColumns(
  row: TrialRow,
  trial: FrozenTrial,
  next: FrozenTrial,
): Pick<TrialRow, "state" | "params" | "distributions" | "objective_values" | "intermediate" | "user_attrs" | "system_attrs"> {
  return {
    state: next.state,
    params: next.params === trial.params ? row.params : encodeJson(next.params),
    distributions: next.distributions === trial.distributions ? row.distributions : encodeJson(next.distributions),
    objective_values: next.values === trial.values ? row.objective_values : encodeValues(next.values),
    intermediate: next.intermediate === trial.intermediate ? row.intermediate : encodeIntermediate(next.intermediate),
    user_attrs: next.userAttrs === trial.userAttrs ? row.user_attrs : encodeJson(next.userAttrs),
    system_attrs: next.systemAttrs === trial.systemAttrs ? row.system_attrs : encodeJson(next.systemAttrs),
  };
}

export function encodeJson(value: unknown): string {
  return hasNonFinite(value) ? JSON.stringify(value, tagNonFinite) : JSON.stringify(value);
}

/** Inverse of {@link encodeJson}. */
export function decodeJson(text: string): unknown {
  // Most attribute and param columns of a fresh trial are empty; skip the parser for them.
  if (text === "{}") return {};
  // The reviver costs a call per node; only pay it when a tag can be present.
  return text.includes(NON_FINITE_TAG) ? JSON.parse(text, untagNonFinite) : JSON.parse(text);
}

export function decodeAttrs(text: string): Record<string, JsonValue> {
  return decodeJson(text) as Record<string, JsonValue>;
}

export function encodeValues(values: readonly number[] | null): string | null {
  if (values === null) return null;
  return JSON.stringify(values.map((v) => (Number.isFinite(v) ? v : nonFiniteName(v))));
}

export function decodeValues(text: string | null): number[] | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as (number | string)[];
  return text.includes('"') ? parsed.map((v) => (typeof v === "number" ? v : nonFiniteValue(v) ?? NaN)) : (parsed as number[]);
}

export function encodeIntermediate(intermediate: Readonly<Record<number, number>>): string {
  if (!hasNonFinite(intermediate)) return JSON.stringify(intermediate);
  const out: Record<string, number | string> = {};
  for (const [step, value] of Object.entries(intermediate)) out[step] = Number.isFinite(value) ? value : nonFiniteName(value);
  return JSON.stringify(out);
}

export function decodeIntermediate(text: string): Record<number, number> {
  if (text === "{}") return {};
  const parsed = JSON.parse(text) as Record<string, number | string>;
  // Keys are always quoted; a quoted value shows up as `:"`.
  if (!text.includes(':"')) return parsed as Record<number, number>;
  for (const [step, value] of Object.entries(parsed)) if (typeof value === "string") parsed[step] = nonFiniteValue(value) ?? NaN;
  return parsed as Record<number, number>;
}
