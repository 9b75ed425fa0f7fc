/**
 * The view lives in the address bar, so a reload or a shared link shows the same thing:
 * `?study=NAME&state=complete&valueMin=0&valueMax=1&ranges={"x":[0,1]}&sort=value&order=asc&trial=7`.
 */
import { STATES, type TrialState } from "./api.js";
import { decodeQueryValue, escapeWtf8 } from "./study-path.js";

export interface Filter {
  states: TrialState[];
  valueMin?: number;
  valueMax?: number;
  /** Brushed parameter ranges (categorical ones over choice indices). */
  ranges: Record<string, [number, number]>;
}

export interface View {
  study: string | null;
  search: string;
  filter: Filter;
  sort: string;
  order: "asc" | "desc";
  trial: number | null;
  contourX: string | null;
  contourY: string | null;
  /** Importance method, when the reader picked one (else the server's default for the study's size). */
  method: "fanova" | "ped-anova" | null;
  /** The parameter the model's beliefs are shown along. */
  belief: string | null;
  /** A second parameter: the beliefs become a grid over the pair. */
  belief2: string | null;
  /** Which posterior statistic a grid of beliefs shows. */
  beliefStat: "mean" | "std";
  /** The objectives on the Pareto plot's axes, when the reader picked them (a study with three or more). */
  paretoX: number | null;
  paretoY: number | null;
}

function numberOrUndefined(text: string | null): number | undefined {
  if (text === null || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function parseRanges(text: string | null): Record<string, [number, number]> {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    const out: Record<string, [number, number]> = {};
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const [name, pair] of Object.entries(parsed)) {
        if (Array.isArray(pair) && pair.length === 2 && pair.every((v) => typeof v === "number" && Number.isFinite(v)) && pair[0] <= pair[1]) out[name] = [pair[0], pair[1]];
      }
    }
    return out;
  } catch {
    return {};
  }
}

function objectiveIndex(text: string | null): number | null {
  const index = numberOrUndefined(text);
  return index !== undefined && Number.isInteger(index) && index >= 0 ? index : null;
}

/**
 * The study the query names. A name with a lone surrogate (one an older Sextant accepted) travels
 * as its WTF-8 bytes, which URLSearchParams reads as U+FFFD: the page then asked for a study of
 * another name ("no study named …"). Read from the query as written, then.
 */
function studyOf(search: string, q: URLSearchParams): string | null {
  const raw = search.slice(1).split("&").find((part) => part.startsWith("study="));
  return (raw === undefined ? null : decodeQueryValue(raw.slice("study=".length))) ?? q.get("study");
}

/** Whether `text` holds a UTF-16 surrogate without its partner, which has no UTF-8 form. */
function hasLoneSurrogate(text: string): boolean {
  return /\p{Cs}/u.test(text);
}

export function readView(): View {
  const q = new URLSearchParams(location.search);
  const states = (q.get("state") ?? "").split(",").filter((s): s is TrialState => (STATES as readonly string[]).includes(s));
  const trial = numberOrUndefined(q.get("trial"));
  const valueMin = numberOrUndefined(q.get("valueMin"));
  const valueMax = numberOrUndefined(q.get("valueMax"));
  return {
    study: studyOf(location.search, q),
    search: q.get("search") ?? "",
    filter: { states, ranges: parseRanges(q.get("ranges")), ...(valueMin !== undefined ? { valueMin } : {}), ...(valueMax !== undefined ? { valueMax } : {}) },
    sort: q.get("sort") ?? "number",
    order: q.get("order") === "desc" ? "desc" : "asc",
    trial: trial !== undefined && Number.isInteger(trial) && trial >= 0 ? trial : null,
    contourX: q.get("x"),
    contourY: q.get("y"),
    method: q.get("method") === "fanova" || q.get("method") === "ped-anova" ? (q.get("method") as "fanova" | "ped-anova") : null,
    belief: q.get("belief"),
    belief2: q.get("belief2"),
    beliefStat: q.get("beliefStat") === "std" ? "std" : "mean",
    paretoX: objectiveIndex(q.get("paretoX")),
    paretoY: objectiveIndex(q.get("paretoY")),
  };
}

/**
 * A dragged range travels rounded, so the address bar, the server and the brush on screen agree
 * exactly: to 5 significant digits of the range's width (`width`), or of the value where that keeps
 * more. Five of the value alone made a brush over [1000012, 1000020] keep [1000000, 1000000].
 */
export function roundForUrl(value: number, width = 0): number {
  const more = width > 0 && Number.isFinite(width) && value !== 0 ? Math.max(0, Math.ceil(Math.log10(Math.abs(value) / width))) : 0;
  return Number(value.toPrecision(Math.min(17, 5 + more)));
}

export function viewSearch(view: View): string {
  const q = new URLSearchParams();
  // URLSearchParams writes a lone surrogate as U+FFFD: such a name is written as its WTF-8 bytes below.
  const wtf8Study = view.study !== null && hasLoneSurrogate(view.study) ? `study=${escapeWtf8(view.study)}` : null;
  if (view.study !== null && wtf8Study === null) q.set("study", view.study);
  if (view.study === null && view.search) q.set("search", view.search);
  if (view.study !== null) {
    if (view.filter.states.length > 0) q.set("state", view.filter.states.join(","));
    if (view.filter.valueMin !== undefined) q.set("valueMin", String(view.filter.valueMin));
    if (view.filter.valueMax !== undefined) q.set("valueMax", String(view.filter.valueMax));
    if (Object.keys(view.filter.ranges).length > 0) q.set("ranges", JSON.stringify(view.filter.ranges));
    if (view.sort !== "number") q.set("sort", view.sort);
    if (view.order !== "asc") q.set("order", view.order);
    if (view.trial !== null) q.set("trial", String(view.trial));
    if (view.contourX) q.set("x", view.contourX);
    if (view.contourY) q.set("y", view.contourY);
    if (view.method) q.set("method", view.method);
    if (view.belief) q.set("belief", view.belief);
    if (view.belief2) q.set("belief2", view.belief2);
    if (view.beliefStat === "std") q.set("beliefStat", "std");
    if (view.paretoX !== null) q.set("paretoX", String(view.paretoX));
    if (view.paretoY !== null) q.set("paretoY", String(view.paretoY));
  }
  const text = [wtf8Study, q.toString()].filter((part) => part !== null && part !== "").join("&");
  return text ? `?${text}` : "";
}

/**
 * Writes the view into the address bar without reloading (replace: a brush drag is not a history
 * step). Answers whether it wrote: not when the address says the view already.
 */
export function writeView(view: View, mode: "push" | "replace" = "replace"): boolean {
  const url = location.pathname + viewSearch(view) + location.hash;
  if (url === location.pathname + location.search + location.hash) return false;
  if (mode === "push") history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  return true;
}

/** The filter as the API's query fields. */
export function filterQuery(filter: Filter): Record<string, string | number | undefined> {
  return {
    state: filter.states.length > 0 ? filter.states.join(",") : undefined,
    valueMin: filter.valueMin,
    valueMax: filter.valueMax,
    ranges: Object.keys(filter.ranges).length > 0 ? JSON.stringify(filter.ranges) : undefined,
  };
}

/** The same test the server applies, for trials that arrive live between reads. */
export function passes(filter: Filter, trial: { state: TrialState; value: number | null; coordinate: (name: string) => number | undefined }): boolean {
  if (filter.states.length > 0 && !filter.states.includes(trial.state)) return false;
  if (filter.valueMin !== undefined || filter.valueMax !== undefined) {
    if (trial.value === null) return false;
    if (filter.valueMin !== undefined && trial.value < filter.valueMin) return false;
    if (filter.valueMax !== undefined && trial.value > filter.valueMax) return false;
  }
  for (const [name, [low, high]] of Object.entries(filter.ranges)) {
    const c = trial.coordinate(name);
    if (c === undefined || c < low || c > high) return false;
  }
  return true;
}
