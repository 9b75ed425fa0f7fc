/**
 * The dashboard's only way to data: the server's HTTP API under /api/v1 (with the token, when the
 * server has one), or, in a report written by `sextant report`, the answers embedded in the page.
 */
import type { WireNumber } from "./numbers.js";
import { studyPath } from "./study-path.js";
import { tokenFromFragment } from "./token.js";

export type TrialState = "waiting" | "running" | "complete" | "pruned" | "failed";
export const STATES: readonly TrialState[] = ["waiting", "running", "complete", "pruned", "failed"];
export type Counts = Record<TrialState, number>;
export type ParamValue = string | number | boolean | null;
export type Distribution =
  | { type: "float" | "int"; low: number; high: number; log?: boolean; step?: number }
  | { type: "categorical"; choices: ParamValue[] };

/**
 * An attribute's value as the API sends it, read back: NaN and ±Infinity from their tags
 * (`{"$sextant:number": "NaN"}`), and an object of the user's own with that one key from the
 * extra `$` it travels with.
 */
export function readAttr(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readAttr);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).map(([key, item]) => [key, readAttr(item)] as const);
  const [only] = entries;
  if (entries.length === 1 && /^\$+sextant:number$/.test(only![0])) {
    const [key, item] = only!;
    if (key !== "$sextant:number") return { [key.slice(1)]: item };
    if (item === "NaN" || item === "Infinity" || item === "-Infinity") return Number(item);
  }
  return Object.fromEntries(entries);
}

export interface StudyJson {
  id: number;
  name: string;
  directions: ("minimize" | "maximize")[];
  userAttrs: Record<string, unknown>;
  createdAt: number;
  sampler: { name: string; options: Record<string, unknown> };
  pruner: { name: string; options: Record<string, unknown> };
  trialCounts: Counts;
  bestValue: WireNumber | null;
  /** `sextant create` is still making it, or a copy/import is writing it or was killed before its last trial. */
  halfMade: boolean;
  /** In the studies list, for several objectives with complete trials: the trials on the Pareto front. */
  paretoFrontSize?: number;
}

export interface TrialJson {
  id: number;
  number: number;
  state: TrialState;
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  values: WireNumber[] | null;
  intermediate: Record<string, WireNumber>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  startedAt: number | null;
  finishedAt: number | null;
  seq: number;
}

/** The study's recommended trial: a model's best posterior mean, or the best observed trial. */
export interface RecommendedTrial {
  trial: TrialJson;
  source: "model" | "best observed";
  posteriorMean: number | null;
  posteriorSd: number | null;
  units: "objective" | "model" | null;
  modelTrials: number | null;
}

export interface Summary {
  study: StudyJson;
  bestTrial: TrialJson | null;
  recommendedTrial: RecommendedTrial | null;
  seq: number;
  trialCount: number;
  params: { name: string; distribution: Distribution }[];
  autoChoice: { sampler: string; reason: string } | null;
  hasIntermediate: boolean;
  workers: number;
  counts: Counts;
}

export interface Shown {
  matched: number;
  shown: number;
  total: number;
}

export interface Points extends Shown {
  numbers: number[];
  states: TrialState[];
  values: (number | null)[];
  params: Record<string, (ParamValue | undefined)[]>;
  best: { number: number; value: number }[];
  /** Whether a complete trial of the study reports constraint values (then only feasible trials can be the best). */
  constrained: boolean;
  /**
   * Per point, whether it is one of a random sample of the matched trials: what the slice and the
   * parallel coordinates draw. The others outline the history (each stretch's lowest and highest
   * value, the best-so-far steps). Every point when none was dropped.
   */
  sample: boolean[];
  /** Per point, whether a complete trial satisfies its constraints (as the best-so-far steps judge it); null for other states. */
  feasible: (boolean | null)[];
}

export interface TableRow {
  number: number;
  state: TrialState;
  values: WireNumber[] | null;
  params: Record<string, ParamValue>;
  durationMs: number | null;
  /** The trial's constraint values (feasible when every one is <= 0), null without any. */
  constraints?: number[] | null;
  /** For a complete trial: whether it is feasible; null for other states. */
  feasible?: boolean | null;
}

export interface TablePage {
  rows: TableRow[];
  offset: number;
  matched: number;
  total: number;
}

export interface Contour {
  matched: number;
  x: { name: string; labels: string[] };
  y: { name: string; labels: string[] };
  cells: [number, number, number, number][];
}

export interface Curves extends Shown {
  curves: { number: number; state: TrialState; steps: number[]; values: WireNumber[] }[];
}

export interface Pareto extends Shown {
  objectives: number[];
  front: { number: number; values: number[] }[];
  others: { number: number; values: number[] }[];
  infeasible: { number: number; values: number[] }[];
}

export interface Timeline extends Shown {
  workers: string[];
  bars: { number: number; worker: number; start: number; end: number; state: TrialState }[];
}

export interface Importance {
  method: "fanova" | "ped-anova";
  nTrials: number;
  params: { name: string; importance: number; correlation: number }[];
  unavailable?: string;
}

export interface Beliefs {
  kind: "slice" | "grid";
  params: string[];
  x: ParamValue[];
  y: ParamValue[] | null;
  mean: number[];
  std: number[];
  through: Record<string, ParamValue>;
  nTrials: number;
  unavailable?: string;
}

export interface Ecdf extends Shown {
  trials: number;
  values: number[];
  fractions: number[];
}

export interface HypervolumeHistory extends Shown {
  /** The points that draw the line whole (each change, the first and the last): `shown` is fewer only when downsampled. */
  changes: number;
  reference: number[];
  numbers: number[];
  hypervolumes: number[];
  /** Null when exact; else Monte Carlo estimates from this many samples. */
  estimate: { samples: number } | null;
  unavailable?: string;
}

export interface LineageSegment {
  trial: number;
  segment: number;
  state: TrialState;
  value: number | null;
  parent: number | null;
  parentMember: number | null;
  exploitedFrom: number | null;
  checkpoint: string | null;
  saved: string | null;
  /** Queued, its exploit/explore decision still to come: parent and parameters may change. */
  undecided: boolean;
}

export interface Lineage {
  trial: number;
  lineage: { member: number; segment: LineageSegment; chain: LineageSegment[] } | null;
}

export interface TrialChanges {
  trials: TrialJson[];
  seq: number;
  more: boolean;
}

/** An answer other than success; `status` 401 means the token is missing or wrong. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The request field at fault, as the server names it (`query.valueMin`, `query.ranges.lr`…). */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Whether `error` is the server's answer for a study it does not have (deleted by another process
 * since the page showed it, or never made): a 404 naming the path's study. A trial number the
 * study lacks is a 404 too, naming the path's number; a report's missing answer names nothing.
 */
export function isStudyNotFound(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 404 && error.field === "path.study";
}

/**
 * The server could not be reached: the request never got an answer (the server stopped, the
 * network is down). Only fetch's own failure becomes one, never an error of the code around it.
 */
export class ServerUnreachableError extends Error {
  constructor(cause: unknown) {
    super(`the server does not answer (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

/** What `sextant report` embeds: the answers the page asks for, by request path. */
interface ReportData {
  generatedAt: string;
  study: string;
  answers: Record<string, unknown>;
  /**
   * The trial table in each order its columns sort in: the trial numbers as the server sorted them
   * (keyed "SORT ORDER", e.g. "value:1 desc"), and each trial's row once, so that a sortable table
   * costs a list of numbers per order, not a copy of the rows.
   */
  table?: { total: number; rows: Record<string, TableRow>; orders: Record<string, number[]> };
}

const TOKEN_KEY = "sextant.token";

function reportData(): ReportData | null {
  const element = document.getElementById("sextant-report");
  return element?.textContent ? (JSON.parse(element.textContent) as ReportData) : null;
}

const report = reportData();

/** Whether this page is a static report (no server behind it). */
export function isReport(): boolean {
  return report !== null;
}

/** The study a report is about (its page opens on it). */
export function reportStudy(): string | null {
  return report?.study ?? null;
}

export function reportGeneratedAt(): string | null {
  return report?.generatedAt ?? null;
}

/** A token given as `#token=…` moves to session storage and out of the address bar (and of shared links). */
export function takeTokenFromFragment(): void {
  const token = tokenFromFragment(location.hash);
  if (token === null) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(history.state, "", location.pathname + location.search);
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Whether requests carry a token: a 401 then means the server refused it, not that it is missing. */
export function hasToken(): boolean {
  return Boolean(sessionStorage.getItem(TOKEN_KEY));
}

/**
 * A request path with its query in a canonical order (keys sorted, empty ones left out): how
 * answers are keyed in a report, and what the server sees.
 */
export function apiPath(path: string, query: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** Bytes of answers received so far (the benchmark reads it). */
export let bytesReceived = 0;

export async function get<T>(path: string): Promise<T> {
  if (report) {
    const answer = path in report.answers ? report.answers[path] : derivedAnswer(report, path);
    if (answer === undefined) throw new ApiError(404, "not included in this report (open the study in `sextant dashboard` to explore further)");
    return answer as T;
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  // Built apart from the fetch: a request that cannot be made (a token that is no header value)
  // throws its own TypeError here, which is no sign of the server.
  const request = new Request(`api/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  let response: Response;
  let text: string;
  try {
    // fetch rejects with a TypeError when no answer comes, and reading the body does when the
    // connection drops on the way.
    response = await fetch(request);
    text = await response.text();
  } catch (error) {
    throw error instanceof TypeError ? new ServerUnreachableError(error) : error;
  }
  bytesReceived += text.length;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `the server answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { message?: string; field?: string } }).error;
    throw new ApiError(response.status, error?.message ?? `HTTP ${response.status}`, error?.field);
  }
  return body as T;
}

export { studyPath };

/**
 * An answer a report holds in another form: a page of the table cut from one of its orders, or
 * the contour of a pair it holds the other way round (the same cells, axes swapped).
 */
function derivedAnswer(data: ReportData, path: string): unknown {
  const [route = "", search = ""] = path.split("?");
  const query = new URLSearchParams(search);
  const base = studyPath(data.study);
  if (route === `${base}/table` && data.table) {
    // A report has no filter: its table is every trial, or as many as it holds.
    if ([...query.keys()].some((key) => !["sort", "order", "offset", "limit"].includes(key))) return undefined;
    const order = data.table.orders[`${query.get("sort") ?? "number"} ${query.get("order") ?? "asc"}`];
    if (!order) return undefined;
    const offset = Number(query.get("offset") ?? 0);
    const limit = Number(query.get("limit") ?? 50);
    const page: TablePage = { rows: order.slice(offset, offset + limit).map((n) => data.table!.rows[n]!), offset, matched: order.length, total: data.table.total };
    return page;
  }
  if (route === `${base}/contour` && query.has("x") && query.has("y")) {
    const swapped: Record<string, string> = Object.fromEntries(query);
    [swapped.x, swapped.y] = [query.get("y")!, query.get("x")!];
    const contour = data.answers[apiPath(route, swapped)] as Contour | undefined;
    if (!contour) return undefined;
    const transposed: Contour = { matched: contour.matched, x: contour.y, y: contour.x, cells: contour.cells.map(([i, j, mean, count]) => [j, i, mean, count]) };
    return transposed;
  }
  return undefined;
}
