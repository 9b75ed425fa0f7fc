/**
 * The read side of the CLI: `studies`, `trials`, `best`, `export`, `delete`.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { CONSTRAINTS_ATTR, type FrozenTrial, type ParamValue, TRIAL_STATES, type TrialState, lastIntermediate } from "../space/index.js";
import { API_SPELLING, tagNonFinite } from "../space/non-finite-json.js";
import { type Storage, StorageEmptyError, type StudyRecord, type StudySummary, type TrialQuery, findTrials, onlineTunerRefusal, trialPages, openStorage, redactPassword, sqlitePath, storageUrlProblem } from "../storage/index.js";
import { feasibilityRule, feasibleParetoFront, readableConstraints, totalViolation } from "../analysis/index.js";
import { hasMalformedConstraints, reportsConstraints } from "../analysis/pareto.js";
import { MEMBER_ATTR, type MemberLineage, SAVED_CHECKPOINT_ATTR, SCHEDULER_ATTR, populationLineage, segmentPlace } from "../schedulers/index.js";
import type { Recommendation } from "../samplers/index.js";
import { isConstrainedStoredStudy, isHalfMadeStudy, leastViolatingTrial, storedBest } from "../study/index.js";
import { UsageError, UserError } from "./errors.js";
import { populationCheckpointFolder, populationCheckpointStore, segmentCheckpoint } from "./study-config.js";
import { formatDuration, formatNumber, formatParam, formatTime, csvLine, csvLines, renderTable, shellWord, spreadsheetText, trialDuration } from "./format.js";
import { type Io, isStandardOutput, warnSchemaUpgrade, writeOutputFile } from "./io.js";

/** Where commands keep their studies when neither `--storage` nor `SEXTANT_STORAGE` says. */
export const DEFAULT_STORAGE_URL = "sqlite:./sextant.db";

/**
 * The storage URL a command uses: its flag (checked as it is parsed), else `SEXTANT_STORAGE`, else
 * `sqlite:./sextant.db`. A `SEXTANT_STORAGE` that is no storage URL is a usage error, as a bad
 * `--storage` is.
 *
 * @example
 * storageUrl(undefined) // "sqlite:./sextant.db" when SEXTANT_STORAGE is unset
 */
export function storageUrl(flag: string | undefined): string {
  if (flag !== undefined) return flag;
  const fromEnv = process.env.SEXTANT_STORAGE;
  if (fromEnv === undefined) return DEFAULT_STORAGE_URL;
  const problem = storageUrlProblem(fromEnv);
  if (problem !== null) throw new UsageError(`SEXTANT_STORAGE: ${problem}`);
  return fromEnv;
}

/**
 * Why a SQLite URL names nothing to read (no such file, or an empty one), as a sentence that says
 * how to point at a storage; null when the file is there or the URL is not a SQLite file. Commands
 * that only look check this instead of opening, which would create the file.
 *
 * @example
 * missingSqliteStorage("sqlite:./sextant.db") // "no storage found at sqlite:./sextant.db (the default): …" in an empty folder
 */
export function missingSqliteStorage(url: string, flag: "--storage" | "--from-storage" = "--storage"): string | null {
  const path = sqlitePath(url);
  if (path === null || path === "" || path === ":memory:") return null;
  if (!existsSync(path)) return noStorage(url, `${resolve(path)} does not exist`, flag);
  return statSync(path).size === 0 ? noStorage(url, `${resolve(path)} is empty`, flag) : null;
}

/** `flag` is the option the command reads the storage from: `sextant copy` has no --storage. */
function noStorage(url: string, why: string, flag: "--storage" | "--from-storage" = "--storage"): string {
  const pointAt = flag === "--storage" ? "--storage URL or SEXTANT_STORAGE" : `${flag} URL`;
  return `no storage found at ${url}${url === DEFAULT_STORAGE_URL ? " (the default)" : ""}: ${why}; point at one with ${pointAt}, e.g. ${flag} sqlite:./runs.db`;
}

/**
 * {@link missingSqliteStorage}, and for a PostgreSQL URL whose schema holds no Sextant tables the
 * same kind of message, found by opening it read-only (which creates nothing). Null when the
 * storage exists; other failures to open (unreachable, refused) are thrown as they are.
 */
export async function missingStorage(url: string): Promise<string | null> {
  const missing = missingSqliteStorage(url);
  if (missing !== null || !/^postgres(ql)?:\/\//.test(url)) return missing;
  try {
    await (await openStorage(url, { readOnly: true, retryDeadlineMs: LOOKING_RETRY_MS })).close();
    return null;
  } catch (error) {
    if (error instanceof StorageEmptyError) return noStorage(url, "its schema holds no Sextant tables");
    throw error;
  }
}

/**
 * Opens an existing storage rather than creating it. A SQLite file that does not exist or is empty
 * gives `missing` (why, and how to point at a storage); a PostgreSQL schema nobody wrote to gives
 * neither storage nor `missing`: the database is there and holds no studies. Only `delete` and
 * `fail-trial` ask for `writable`: looking at a file must not change it.
 */
async function openExisting(url: string, access: "read-only" | "writable" = "read-only"): Promise<{ storage: Storage | null; missing: string | null }> {
  const missing = missingSqliteStorage(url);
  if (missing !== null) return { storage: null, missing };
  // Opened for writing, a PostgreSQL schema without Sextant's tables gets them: a mistyped
  // ?schema= in `sextant delete` made one. Looked at read-only first, it creates nothing.
  if (access === "writable" && /^postgres(ql)?:\/\//.test(url)) {
    const looked = await openExisting(url, "read-only");
    if (looked.storage === null) return looked;
    await looked.storage.close();
  }
  try {
    return { storage: await openStorage(url, { readOnly: access === "read-only", retryDeadlineMs: LOOKING_RETRY_MS, onSchemaUpgrade: warnSchemaUpgrade }), missing: null };
  } catch (error) {
    if (error instanceof StorageEmptyError) return { storage: null, missing: null };
    throw error;
  }
}

/**
 * How long a command that only looks keeps retrying an unreachable database. A worker rides out a
 * two-minute failover; someone who typed a wrong port should hear so in seconds.
 */
const LOOKING_RETRY_MS = 10_000;

/** Opens the storage read-only, finds the study (or explains which exist), runs `body`, closes. */
export async function withStudy<T>(
  url: string,
  name: string,
  body: (storage: Storage, record: StudyRecord) => Promise<T>,
  access: "read-only" | "writable" = "read-only",
  /** Also hand over an online tuner's record (sextant delete); other commands name it as one. */
  tuners = false,
): Promise<T> {
  const { storage, missing } = await openExisting(url, access);
  if (missing !== null) throw new UserError(`no study named "${name}": ${missing}`);
  if (storage === null) throw new UserError(`no study named "${name}" in ${redactPassword(url)} (it has no studies)`);
  try {
    const record = await storage.getStudy(name);
    if (!record) {
      // Online tuners share the table but are not studies: naming one here invites `sextant trials sor`.
      const names = (await storage.listStudies()).filter((s) => onlineTunerRefusal(s) === null).map((s) => s.name);
      const hint = names.length > 0 ? ` (studies: ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", …" : ""})` : " (it has no studies)";
      throw new UserError(`no study named "${name}" in ${redactPassword(url)}${hint}`);
    }
    // Its record has no trials: best, trials, export and report used to crash or print an empty study.
    if (!tuners && onlineTunerRefusal(record) !== null) {
      throw new UserError(`"${name}" is an online tuner, not a study: sextant online show ${shellWord(name)} --storage ${shellWord(redactPassword(url))} prints its state`);
    }
    return await body(storage, record);
  } finally {
    await storage.close();
  }
}

/** Every trial of the study, in number order. */
export async function allTrials(storage: Storage, record: StudyRecord): Promise<FrozenTrial[]> {
  const changes = await storage.trialsSince(record.id, 0);
  return [...changes.trials].sort((a, b) => a.number - b.number);
}

/**
 * A trial as JSON for `--json` output and `export --format json` (times as ISO strings), with
 * NaN and ±Infinity as the HTTP API sends them: by name in values and intermediate values, as a
 * `{"$sextant:number": "Infinity"}` tag in attributes, where a bare "Infinity" is a string.
 *
 * @example
 * JSON.stringify(trialJson(study.trials[0]))
 */
export function trialJson(trial: FrozenTrial): Record<string, unknown> {
  const duration = trialDuration(trial);
  return {
    number: trial.number,
    state: trial.state,
    values: nonFiniteAsText(trial.values),
    params: trial.params,
    distributions: trial.distributions,
    intermediate: nonFiniteAsText(trial.intermediate),
    // Named bare, a numeric Infinity read back as the string "Infinity" a user may have set.
    userAttrs: tagNonFinite(trial.userAttrs, API_SPELLING),
    systemAttrs: tagNonFinite(trial.systemAttrs, API_SPELLING),
    startedAt: trial.startedAt === null ? null : new Date(trial.startedAt).toISOString(),
    finishedAt: trial.finishedAt === null ? null : new Date(trial.finishedAt).toISOString(),
    durationSeconds: duration === null ? null : duration / 1000,
  };
}

/**
 * `value` with NaN and ±Infinity written "NaN", "Infinity" and "-Infinity": JSON has no such
 * numbers, and JSON.stringify wrote null, which reads as a missing value (a diverged run's NaN loss
 * exported as null). Objects without such a number are returned as they are.
 *
 * @example
 * nonFiniteAsText({ 0: NaN, 1: 0.5 }) // { 0: "NaN", 1: 0.5 }
 */
export function nonFiniteAsText<T>(value: T): T {
  if (typeof value === "number") return (Number.isFinite(value) ? value : String(value)) as T;
  if (value === null || typeof value !== "object") return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const mapped = nonFiniteAsText(item);
    if (mapped !== item) changed = true;
    return [key, mapped] as const;
  });
  if (!changed) return value;
  return (Array.isArray(value) ? entries.map(([, item]) => item) : Object.fromEntries(entries)) as T;
}

function paramNames(trials: readonly FrozenTrial[]): string[] {
  const names: string[] = [];
  for (const trial of trials) for (const name of Object.keys(shownParams(trial))) if (!names.includes(name)) names.push(name);
  return names;
}

/**
 * The parameters a table shows for a trial: its own, or for a queued (waiting) trial the values it
 * will start from (`enqueueTrial`, a retry), which it holds as `fixedParams` until it runs.
 */
function shownParams(trial: FrozenTrial): Readonly<Record<string, ParamValue>> {
  if (trial.state !== "waiting") return trial.params;
  const fixed = trial.systemAttrs.fixedParams;
  return fixed !== null && typeof fixed === "object" && !Array.isArray(fixed) ? { ...(fixed as Record<string, ParamValue>), ...trial.params } : trial.params;
}

function valueHeaders(directions: readonly string[]): string[] {
  return directions.length === 1 ? ["value"] : directions.map((_, i) => `value_${i}`);
}

function note(trial: FrozenTrial, constrained: boolean): string {
  const retryOf = typeof trial.systemAttrs.retryOf === "number" ? trial.systemAttrs.retryOf : null;
  if (trial.state === "waiting") return retryOf === null ? "queued" : `queued, retry of ${retryOf}`;
  // First, so that a long failure reason cut to the column's width never hides it.
  return [retryOf === null ? "" : `(retry of ${retryOf})`, stateNote(trial, constrained)].filter((part) => part !== "").join(" ");
}

function stateNote(trial: FrozenTrial, constrained: boolean): string {
  if (trial.state === "failed") return String(trial.systemAttrs.failReason ?? "");
  if (trial.state === "pruned") {
    const last = lastIntermediate(trial);
    return last ? `at step ${last.step}` : "";
  }
  // Written by a storage write or another client, not by Sextant: infeasible, as best and the front count it (the listing threw).
  if (hasMalformedConstraints(trial)) return "infeasible (stored constraints are not a list of numbers)";
  const constraints = readableConstraints(trial);
  // Left off the front and out of best like an infeasible trial, so said: it showed no note.
  if (constraints === null) return constrained && trial.state === "complete" ? "feasibility unknown (no constraints reported)" : "";
  const violation = totalViolation(constraints);
  return violation > 0 ? `infeasible (violation ${formatNumber(violation)})` : "";
}

/**
 * `sextant studies`
 *
 * @example
 * await listStudiesCommand({ json: true }, processIo());
 */
export async function listStudiesCommand(options: { storage?: string; json?: boolean }, io: Io): Promise<number> {
  const url = storageUrl(options.storage);
  const { storage, missing } = await openExisting(url);
  // Listing nothing is no failure (exit 0, and --json stays an empty list), but say where to look.
  if (missing !== null) {
    if (options.json) {
      io.out("[]");
      io.err(`sextant: ${missing}`);
    } else {
      io.out(`no studies: ${missing}`);
    }
    return 0;
  }
  const listed: StudySummary[] = [];
  /** Trials on the Pareto front of each multi-objective study with complete trials: its "best". */
  const frontSizes = new Map<string, number>();
  if (storage) {
    try {
      listed.push(...(await storage.listStudies()));
      for (const s of listed) {
        if (s.directions.length < 2 || s.trialCounts.complete === 0 || onlineTunerRefusal(s) !== null) continue;
        // The front and its constraint rule come from complete trials alone: the others are not read.
        frontSizes.set(s.name, feasibleParetoFront(await findTrials(storage, s.id, { states: ["complete"] }), s.directions).length);
      }
    } finally {
      await storage.close();
    }
  }
  // Online tuners share the studies' names (and their table) but have no trials: named apart.
  const studies = listed.filter((s) => onlineTunerRefusal(s) === null);
  const tuners = listed.filter((s) => onlineTunerRefusal(s) !== null).map((s) => s.name);
  const tunerNote = tuners.length > 0 ? `online tuner(s), not studies (sextant online show NAME): ${tuners.join(", ")}` : null;
  if (options.json) {
    io.out(
      JSON.stringify(
        studies.map((s) => ({
          name: s.name,
          directions: s.directions,
          trialCounts: s.trialCounts,
          bestValue: s.bestValue,
          ...(frontSizes.has(s.name) ? { paretoFrontSize: frontSizes.get(s.name) } : {}),
          ...(isHalfMadeStudy(s.systemAttrs) ? { halfMade: true } : {}),
          createdAt: new Date(s.createdAt).toISOString(),
        })),
        null,
        2,
      ),
    );
    if (tunerNote) io.err(`sextant: ${tunerNote}`);
    return 0;
  }
  if (studies.length === 0) {
    io.out(`no studies in ${redactPassword(url)}`);
    if (tunerNote) io.out(tunerNote);
    return 0;
  }
  io.out(
    renderTable(
      ["name", "directions", "complete", "pruned", "failed", "running", "waiting", "best", "created"],
      studies.map((s) => [
        // Still being written by sextant create or copy, or left so by one killed: no worker runs it.
        isHalfMadeStudy(s.systemAttrs) ? `${s.name} (half-made)` : s.name,
        s.directions.join(","),
        String(s.trialCounts.complete),
        String(s.trialCounts.pruned),
        String(s.trialCounts.failed),
        String(s.trialCounts.running),
        String(s.trialCounts.waiting),
        bestCell(s, frontSizes.get(s.name)),
        formatTime(s.createdAt),
      ]),
      60,
    ),
  );
  if (studies.some((s) => isHalfMadeStudy(s.systemAttrs))) {
    io.out("half-made: a sextant create or copy/import is still writing it, or was killed; workers refuse it (sextant worker --study NAME says what to do)");
  }
  if (tunerNote) io.out(tunerNote);
  return 0;
}

/**
 * The "best" cell of `sextant studies`: the front's size with several objectives, else the best
 * value; "none feasible" when complete trials exist but every one violates a constraint, which
 * showed the "-" of a study with no result at all.
 */
function bestCell(study: StudySummary, frontSize: number | undefined): string {
  if (frontSize !== undefined) return `front=${frontSize}`;
  if (study.bestValue === null && study.trialCounts.complete > 0) return "none feasible";
  return formatNumber(study.bestValue);
}

/**
 * `sextant trials STUDY`
 *
 * @example
 * await listTrialsCommand("quickstart", { state: "failed", limit: 5 }, processIo());
 */
export async function listTrialsCommand(
  name: string,
  options: { storage?: string; json?: boolean; state?: string; limit?: number },
  io: Io,
): Promise<number> {
  let states: TrialState[] | null = null;
  if (options.state !== undefined) {
    states = options.state.split(",").map((s) => s.trim()) as TrialState[];
    const bad = states.filter((s) => !TRIAL_STATES.includes(s));
    if (bad.length > 0) throw new UsageError(`--state: unknown state ${bad.map((s) => `"${s}"`).join(", ")} (use ${TRIAL_STATES.join(", ")})`);
  }
  return withStudy(storageUrl(options.storage), name, async (storage, record) => {
    // Only the trials shown are read: the last `limit` of them newest first, turned back to number
    // order; without a limit, every trial a page at a time (all of a 200,000-trial study at once
    // took 660 MB), as trialPages says a study that changes meanwhile is shown.
    // A population's trials are its members' segments: where each sits in it is shown beside its number.
    const population = record.systemAttrs[SCHEDULER_ATTR] !== undefined;
    const filter = states ? { states } : {};
    const pages = options.limit !== undefined ? lastTrials(storage, record.id, { ...filter, reverse: true, limit: options.limit }) : trialPages(storage, record.id, filter);
    if (options.json) {
      // Written a trial at a time, as JSON.stringify(list, null, 2) spells it: the one string of a
      // 200,000-trial study was 160 MB, made whole before the first byte went out.
      await writeChunks(io, inPieces(trialListJsonParts(pages, population ? segmentTrialJson : trialJson)));
      return 0;
    }
    // The table is aligned over all of its rows, so they are kept, as text: a trial's cells, not the trial.
    const rows: { cells: string[]; params: Readonly<Record<string, ParamValue>>; tail: string[] }[] = [];
    const params = new Set<string>();
    // Whether the study is constrained matters only to a complete trial shown without constraint
    // values; the first complete trial with some decides it, as among all trials.
    let constrained: boolean | undefined;
    for await (const page of pages) {
      for (const t of page) {
        if (t.state === "complete" && t.systemAttrs[CONSTRAINTS_ATTR] == null) constrained ??= await isConstrainedStoredStudy(storage, record.id);
        const shown = shownParams(t);
        for (const param of Object.keys(shown)) params.add(param);
        rows.push({
          cells: [String(t.number), ...(population ? segmentCells(t) : []), t.state, ...record.directions.map((_, i) => formatNumber(t.values?.[i] ?? null))],
          params: shown,
          tail: [formatDuration(trialDuration(t)), note(t, constrained ?? false)],
        });
      }
    }
    if (rows.length === 0) {
      io.out(`no trials${states ? ` in state ${states.join(",")}` : ""} in study "${name}"`);
      return 0;
    }
    io.out(
      renderTable(
        ["number", ...(population ? SEGMENT_HEADERS : []), "state", ...valueHeaders(record.directions), ...params, "duration", "note"],
        rows.map((row) => [...row.cells, ...[...params].map((p) => formatParam(row.params[p])), ...row.tail]),
        60,
      ),
    );
    return 0;
  });
}

/** The columns `sextant trials` adds for a population study, filled by {@link segmentCells}. */
const SEGMENT_HEADERS = ["member", "segment", "parent"];

/** A trial's member, segment and the trial it continued from ("-" for a first segment, or for a trial that is no segment). */
function segmentCells(trial: FrozenTrial): string[] {
  const place = segmentPlace(trial);
  if (!place) return ["-", "-", "-"];
  return [String(place.member), String(place.segment), place.parent === null ? "-" : String(place.parent)];
}

/**
 * {@link trialJson} with the trial's place in its population up front: `member`, `segment` and
 * `parent` (null for a first segment; all three null for a trial that is no segment).
 *
 * @example
 * segmentTrialJson(study.trials[5]) // { number: 5, member: 1, segment: 1, parent: 1, state: "complete", … }
 */
function segmentTrialJson(trial: FrozenTrial): Record<string, unknown> {
  const place = segmentPlace(trial);
  const { number, ...rest } = trialJson(trial);
  return { number, member: place?.member ?? null, segment: place?.segment ?? null, parent: place?.parent ?? null, ...rest };
}

/** The trials `query` (newest first, with a limit) selects, as one page in number order. */
async function* lastTrials(storage: Storage, studyId: number, query: TrialQuery): AsyncGenerator<FrozenTrial[]> {
  yield (await findTrials(storage, studyId, query)).reverse();
}

/**
 * `sextant best STUDY`
 *
 * @example
 * await bestCommand("quickstart", { json: true }, processIo());
 */
export async function bestCommand(name: string, options: { storage?: string; json?: boolean }, io: Io): Promise<number> {
  return withStudy(storageUrl(options.storage), name, async (storage, record) => {
    // The library decides what "best" means (direction, Pareto front); we only print it. One
    // objective: read the few trials that decide it. Several: every complete trial may be on the front.
    const study = await bestOfStudy(storage, record);
    const front = study.directions.length === 1 ? (study.bestTrial ? [study.bestTrial] : []) : study.bestTrials;
    if (front.length === 0) {
      const nearest = study.leastViolatingTrial;
      if (!nearest) throw new UserError(`study "${name}" has no complete trial yet`);
      printLeastViolating(name, study.directions, nearest, options.json ?? false, io);
      return 0;
    }
    if (options.json) {
      // Several objectives: the Pareto front as a bare array of trials, so `jq '.[]'` walks it.
      const payload =
        study.directions.length === 1
          ? {
              study: name,
              directions: study.directions,
              best: { ...trialJson(front[0]!), value: front[0]!.values![0], ...segmentCheckpoint(populationCheckpointStore(record, storage.url), front[0]!) },
              recommended: recommendationJson(study.recommendation!),
            }
          : front.map(trialJson);
      io.out(JSON.stringify(payload, null, 2));
      return 0;
    }
    if (study.directions.length === 1) {
      const best = front[0]!;
      io.out(`best trial of "${name}" (${study.directions[0]}): trial ${best.number}, value ${formatNumber(best.values![0]!, 6)}`);
      const segment = segmentCheckpoint(populationCheckpointStore(record, storage.url), best);
      if (segment) {
        const saved = best.systemAttrs[SAVED_CHECKPOINT_ATTR];
        const where = segment.checkpoint !== null ? `its checkpoint: ${segment.checkpoint}` : typeof saved === "string" ? `its checkpoint is ${saved} in the population's checkpoint folder` : "it saved no checkpoint";
        io.out(`member ${segment.member}, segment ${segment.segment}; ${where}`);
      }
      const recommendation = study.recommendation!;
      io.out(recommendationLine(recommendation));
      const recommended = recommendation.trial;
      if (recommendation.source === "model" && recommended.number !== best.number && recommendation.record?.noiseShare !== undefined) {
        // A model cannot tell real noise from roughness it cannot resolve (Rastrigin's ripples, a
        // chaotic training run): both fit as noise. The user can, so say what the choice rests on.
        io.out(
          `  (the model puts ${formatNumber(100 * recommendation.record.noiseShare, 2)}% of the variance down to noise; ` +
            `if the objective gives the same value every time it runs with the same parameters, trial ${best.number} is the one to keep)`,
        );
      }
      const entries = Object.entries(best.params);
      const shown = (v: ParamValue | undefined): string => (v === undefined ? "-" : typeof v === "number" ? String(v) : formatParam(v));
      // Whole, as the numbers are: the table is what one copies into the next run (a choice cut to
      // "checkpoints/resnet-50-imagenet-pretrai…" named no file).
      if (entries.length > 0 && recommended.number !== best.number) {
        io.out(renderTable(["param", `best (${best.number})`, `recommended (${recommended.number})`], entries.map(([k, v]) => [k, shown(v), shown(recommended.params[k])]), Infinity));
      } else if (entries.length > 0) {
        io.out(renderTable(["param", "value"], entries.map(([k, v]) => [k, shown(v)]), Infinity));
      }
    } else {
      io.out(`Pareto front of "${name}" (${study.directions.join(", ")}): ${front.length} trial(s)`);
      const params = paramNames(front);
      io.out(
        renderTable(
          ["number", ...valueHeaders(study.directions), ...params],
          front.map((t) => [String(t.number), ...t.values!.map((v) => formatNumber(v, 6)), ...params.map((p) => formatParam(t.params[p]))]),
        ),
      );
    }
    return 0;
  });
}

/** What `sextant best` shows of a study, named as `Study` names it. */
interface BestOfStudy {
  readonly directions: StudyRecord["directions"];
  readonly bestTrial: FrozenTrial | undefined;
  readonly bestTrials: FrozenTrial[];
  readonly recommendation: Recommendation | undefined;
  readonly leastViolatingTrial: FrozenTrial | undefined;
}

async function bestOfStudy(storage: Storage, record: StudyRecord): Promise<BestOfStudy> {
  const { directions } = record;
  if (directions.length === 1) {
    const { best, recommendation, leastViolating } = await storedBest(storage, record.id, directions[0]!);
    return { directions, bestTrial: best, bestTrials: best ? [best] : [], recommendation, leastViolatingTrial: leastViolating };
  }
  // The front, its constraint rule and the nearest infeasible trial all come from complete trials alone.
  const complete = await findTrials(storage, record.id, { states: ["complete"] });
  return { directions, bestTrial: undefined, bestTrials: feasibleParetoFront(complete, directions), recommendation: undefined, leastViolatingTrial: leastViolatingTrial(complete) };
}

/** The recommended trial as `sextant best --json` prints it. */
function recommendationJson(recommendation: Recommendation): Record<string, unknown> {
  const { trial, source, record, setAside } = recommendation;
  return {
    ...trialJson(trial),
    value: trial.values![0],
    source,
    ...(record ? { posteriorMean: record.mean, posteriorSd: record.sd, units: record.units, modelTrials: record.observations, sampler: record.sampler } : {}),
    ...(record?.noiseShare !== undefined ? { noiseShare: record.noiseShare } : {}),
    // The model's choice that was not shown, and why: the noise it fitted is not material.
    ...(setAside ? { setAside: { trial: setAside.trial, sampler: setAside.sampler, noiseShare: setAside.noiseShare } } : {}),
  };
}

/** One line on the recommended trial: the model's choice with its posterior, or the fallback. */
function recommendationLine({ trial, source, record, setAside }: Recommendation): string {
  const value = `value ${formatNumber(trial.values![0]!, 6)}`;
  if (setAside && source === "best observed") {
    const share = formatNumber(100 * setAside.noiseShare!, 2);
    return `recommended trial: trial ${trial.number}, ${value} (the best observed: the ${setAside.sampler} model puts ${share}% of the variance down to noise, too little to second-guess an observation)`;
  }
  if (source === "best observed" || !record) return `recommended trial: trial ${trial.number}, ${value} (the best observed; no model has recommended one)`;
  const units = record.units === "objective" ? "" : " in the model's warped units";
  return (
    `recommended trial: trial ${trial.number}, ${value}; the ${record.sampler} model's best posterior mean ` +
    `${formatNumber(record.mean, 6)} ± ${formatNumber(record.sd, 4)}${units} over ${record.observations} trials`
  );
}

/** What `sextant best` shows when every complete trial violates a constraint. */
function printLeastViolating(name: string, directions: readonly string[], trial: FrozenTrial, json: boolean, io: Io): void {
  const constraints = readableConstraints(trial) ?? [];
  const violation = totalViolation(constraints);
  if (json && directions.length > 1) {
    // The front stays an array (empty); what is nearest to feasible goes to stderr.
    io.out("[]");
    io.err(`no feasible trial yet in "${name}"; least-violating: trial ${trial.number}, total violation ${formatNumber(violation, 6)}`);
    return;
  }
  if (json) {
    io.out(JSON.stringify({ study: name, directions, feasible: false, best: null, leastViolating: { ...trialJson(trial), violation } }, null, 2));
    return;
  }
  io.out(`no feasible trial yet in "${name}": every complete trial violates a constraint`);
  io.out(
    `least-violating: trial ${trial.number}, ${valueHeaders(directions).map((h, i) => `${h} ${formatNumber(trial.values![i]!, 6)}`).join(", ")}, ` +
      `total violation ${formatNumber(violation, 6)} (constraints ${constraints.map((c) => formatNumber(c, 4)).join(", ")})`,
  );
  const entries = Object.entries(trial.params);
  if (entries.length > 0) io.out(renderTable(["param", "value"], entries.map(([k, v]) => [k, typeof v === "number" ? String(v) : formatParam(v)]), Infinity));
}

/**
 * `sextant export STUDY`
 *
 * @example
 * await exportCommand("quickstart", { format: "csv", output: "trials.csv" }, processIo());
 */
export async function exportCommand(
  name: string,
  options: { storage?: string; json?: boolean; format?: string; output?: string; lineage?: boolean },
  io: Io,
): Promise<number> {
  if (options.json && options.format !== undefined && options.format !== "json") {
    throw new UsageError(`--json and --format ${options.format} ask for different output formats; give one of them`);
  }
  const format = options.format ?? (options.json ? "json" : options.lineage ? "table" : "csv");
  if (!options.lineage && format !== "csv" && format !== "json") throw new UsageError(`--format must be csv or json, got "${format}"`);
  return withStudy(storageUrl(options.storage), name, async (storage, record) => {
    const readAt = Date.now();
    // A lineage is made of population segments alone: only the trials that name a member are read
    // (a study run without a scheduler has none, which took reading all 200,000 trials to say).
    let text: string | AsyncIterable<string>;
    // Trials written, for the line that says so: counted as the pages go by.
    let count = 0;
    const counted = async function* (pages: AsyncIterable<FrozenTrial[]>): AsyncGenerator<FrozenTrial[]> {
      for await (const page of pages) {
        count += page.length;
        yield page;
      }
    };
    if (options.lineage) {
      // A lineage is made of population segments alone: only the trials that name a member are read
      // (a study run without a scheduler has none, which took reading all 200,000 trials to say).
      const lineage = populationLineage(await findTrials(storage, record.id, { withSystemAttr: MEMBER_ATTR }));
      if (lineage.length === 0) throw new UserError(`study "${name}" has no population: it was not run with a scheduler (--scheduler pbt or pb2)`);
      if (format === "json") text = JSON.stringify({ study: record.name, directions: record.directions, schedule: record.systemAttrs[SCHEDULER_ATTR] ?? null, members: lineage }, null, 2) + "\n";
      else text = format === "csv" ? lineageCsv(lineage) : lineageTable(lineage);
      count = await trialCount(storage, record);
    } else if (format === "json") {
      // The study's attributes too (sampler, constraint count, a `sextant create` config), so that
      // `sextant import` rebuilds the study and not only its trials.
      const study = {
        study: record.name,
        directions: record.directions,
        // Kept by sextant import, as copy keeps it: an imported study was listed as made at the import.
        createdAt: new Date(record.createdAt).toISOString(),
        // When the trials were read: a trial running then is written by sextant import as failed at that time, not at the import's.
        exportedAt: new Date(readAt).toISOString(),
        userAttrs: tagNonFinite(record.userAttrs, API_SPELLING),
        systemAttrs: tagNonFinite(record.systemAttrs, API_SPELLING),
      };
      // Read a page at a time (see trialPages for a study that changes meanwhile): all at once, a 200,000-trial study took over a gigabyte.
      text = inPieces(studyJsonParts(study, counted(trialPages(storage, record.id))));
    } else {
      text = inPieces(await csvExportLines(storage, record, counted, (message) => io.err(`sextant export: ${message}`)));
    }
    if (options.output && !isStandardOutput(options.output)) {
      if (await writeOutputFile("--output", options.output, text)) io.err(`wrote ${count} trial(s) of "${name}" to ${options.output}`);
    } else {
      await writeChunks(io, text);
    }
    return 0;
  });
}

/**
 * The CSV export of a study, a line at a time, from two reads of its trials in pages, so that a
 * large study is never held whole: the first finds the columns (parameters, constraint count,
 * whether the study is constrained), the second writes the rows. `counted` wraps the second.
 * Trials created between the two are left out; a trial that changed between them is written as
 * the second read found it, in the first one's columns (a parameter or constraint value it got
 * meanwhile that no trial had then has no column): `onLeftOut` is told which rows lack one.
 */
async function csvExportLines(
  storage: Storage,
  record: StudyRecord,
  counted: (pages: AsyncIterable<FrozenTrial[]>) => AsyncIterable<FrozenTrial[]>,
  onLeftOut: (message: string) => void,
): Promise<AsyncGenerator<string>> {
  const paramSet = new Set<string>();
  // Constraint values are part of a constrained trial's result: without them a spreadsheet
  // cannot tell the feasible rows (every value <= 0) from the ones best and the front leave out.
  let constraintCount = 0;
  let storesConstraints = false;
  let constrained = false;
  let lastNumber = -1;
  // Constraints stored malformed (not a list of numbers) leave their cells empty; the export threw.
  for await (const page of trialPages(storage, record.id)) {
    for (const t of page) {
      for (const param of Object.keys(shownParams(t))) paramSet.add(param);
      constraintCount = Math.max(constraintCount, readableConstraints(t)?.length ?? 0);
      if (t.systemAttrs[CONSTRAINTS_ATTR] != null) storesConstraints = true;
      if (reportsConstraints(t)) constrained = true;
      lastNumber = t.number;
    }
  }
  const params = [...paramSet];
  // Empty cells alone do not say a row is one best leaves out: a trial whose only constraints were
  // malformed read as the best row of the file, with no constraint column at all.
  const feasibleCell = storesConstraints ? feasibilityCell(constrained) : undefined;
  const headers = [
    "number",
    "state",
    ...valueHeaders(record.directions),
    ...Array.from({ length: constraintCount }, (_, i) => `constraint_${i}`),
    ...(feasibleCell ? ["feasible"] : []),
    ...params.map((p) => `params_${p}`),
    "datetime_start",
    "datetime_complete",
    "duration_seconds",
    "fail_reason",
  ];
  const row = (t: FrozenTrial): string[] => {
    const duration = trialDuration(t);
    // A queued trial's values are its fixed parameters, as the table of `sextant trials` shows them.
    const shown = shownParams(t);
    return [
      String(t.number),
      t.state,
      ...record.directions.map((_, i) => (t.values?.[i] === undefined ? "" : String(t.values[i]))),
      ...Array.from({ length: constraintCount }, (_, i) => {
        const value = readableConstraints(t)?.[i];
        return value === undefined ? "" : String(value);
      }),
      ...(feasibleCell ? [feasibleCell(t)] : []),
      ...params.map((p) => paramCell(shown[p])),
      t.startedAt === null ? "" : new Date(t.startedAt).toISOString(),
      t.finishedAt === null ? "" : new Date(t.finishedAt).toISOString(),
      duration === null ? "" : String(duration / 1000),
      t.state === "failed" ? spreadsheetText(String(t.systemAttrs.failReason ?? "")) : "",
    ];
  };
  // A trial that got a value no column holds (it finished between the two reads): its row says
  // less than the study holds, silently, unless the user is told.
  const leftOut: number[] = [];
  const outgrowsColumns = (t: FrozenTrial): boolean =>
    Object.keys(shownParams(t)).some((param) => !paramSet.has(param)) ||
    (readableConstraints(t)?.length ?? 0) > constraintCount ||
    (!storesConstraints && t.systemAttrs[CONSTRAINTS_ATTR] != null);
  // Up to the last trial the first read found: a trial created since has no columns made for it.
  const pages = counted(trialPages(storage, record.id, {}, { lastNumber }));
  return (async function* () {
    yield csvLine(headers);
    for await (const page of pages) {
      for (const t of page) {
        if (outgrowsColumns(t)) leftOut.push(t.number);
        yield csvLine(row(t));
      }
    }
    if (leftOut.length > 0) {
      const numbers = leftOut.length > 10 ? `${leftOut.slice(0, 10).join(", ")} and ${leftOut.length - 10} more` : leftOut.join(", ");
      onLeftOut(
        `trial(s) ${numbers} got a parameter or constraint values while the study was read, after its columns were chosen: their rows leave those out; export again once the study is idle for them`,
      );
    }
  })();
}

/**
 * The `feasible` cell of a trial in the CSV export, as `sextant best` and the front judge it:
 * "true" or "false" for a complete trial, empty for one of unknown feasibility (no constraints in a
 * constrained study, which `sextant trials` notes so) and for a trial not complete.
 */
function feasibilityCell(constrained: boolean): (trial: FrozenTrial) => string {
  const feasible = feasibilityRule([], constrained);
  return (t) => {
    if (t.state !== "complete" || (constrained && t.systemAttrs[CONSTRAINTS_ATTR] == null)) return "";
    return String(feasible(t));
  };
}

/** Text handed to a write at once by {@link inPieces}: large enough that writes are few, small beside a study's whole export. */
const EXPORT_CHUNK_CHARS = 64 * 1024;

/**
 * The JSON export of a study, `JSON.stringify({ ...study, trials: trials.map(trialJson) }, null, 2)`
 * and a newline, byte for byte, made a trial at a time from pages of trials (join the parts, or
 * hand them to {@link inPieces}): at 100,000 trials the one string was hundreds of megabytes, made
 * whole before its first byte was written.
 *
 * @example
 * for await (const chunk of inPieces(studyJsonParts({ study: "lr", directions: ["minimize"] }, trialPages(storage, id)))) process.stdout.write(chunk);
 */
async function* studyJsonParts(study: Record<string, unknown>, pages: AsyncIterable<readonly FrozenTrial[]>): AsyncGenerator<string> {
  // The study's fields as JSON.stringify indents them, up to the trials' opening bracket.
  const head = JSON.stringify({ ...study, trials: [] }, null, 2);
  const open = `${head.slice(0, -"[]\n}".length)}[`;
  // An element of the list is indented two levels.
  const any = yield* trialJsonElements(pages, open, "    ");
  yield any ? "\n  ]\n}\n" : `${head}\n`;
}

/** `sextant trials --json`: the list of trials as JSON.stringify(list, null, 2) writes it and a newline, a trial at a time. */
async function* trialListJsonParts(pages: AsyncIterable<readonly FrozenTrial[]>, toJson: (trial: FrozenTrial) => Record<string, unknown>): AsyncGenerator<string> {
  const any = yield* trialJsonElements(pages, "[", "  ", toJson);
  yield any ? "\n]\n" : "[]\n";
}

/**
 * Each trial of a JSON list as JSON.stringify(…, null, 2) writes it where the list's elements are
 * indented by `indent`: its own lines indented by as much more (a string holds no raw newline,
 * JSON.stringify escapes them), the list's `open`ing before the first, a comma between two.
 * Returns whether there was any trial (for an empty list, nothing is written).
 */
async function* trialJsonElements(pages: AsyncIterable<readonly FrozenTrial[]>, open: string, indent: string, toJson: (trial: FrozenTrial) => Record<string, unknown> = trialJson): AsyncGenerator<string, boolean> {
  let before = `${open}\n`;
  for await (const page of pages) {
    for (const trial of page) {
      yield `${before}${indent}${JSON.stringify(toJson(trial), null, 2).replaceAll("\n", `\n${indent}`)}`;
      before = ",\n";
    }
  }
  return before !== `${open}\n`;
}

/** `texts` joined into pieces of about {@link EXPORT_CHUNK_CHARS}, so that a write is never one line of a large export. */
async function* inPieces(texts: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string> {
  let piece = "";
  for await (const text of texts) {
    piece += text;
    if (piece.length < EXPORT_CHUNK_CHARS) continue;
    yield piece;
    piece = "";
  }
  if (piece !== "") yield piece;
}

/**
 * Writes `text` on stdout, piece by piece when it comes in pieces, with a turn of the event loop
 * between two: a reader that closed the pipe (`| head`) ends the command there, quietly, instead
 * of after the rest was made and thrown away.
 */
async function writeChunks(io: Io, text: string | AsyncIterable<string>): Promise<void> {
  if (typeof text === "string") return io.write(text);
  for await (const chunk of text) {
    io.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A population's lineage as text: per member, one row per segment with its trial, the trial it
 * continued from, the member it copied (if any), its state, value and hyperparameters.
 *
 * @example
 * io.write(lineageTable(populationLineage(trials)));
 */
export function lineageTable(lineage: readonly MemberLineage[]): string {
  const params = [...new Set(lineage.flatMap((m) => m.segments.flatMap((s) => Object.keys(s.params))))].sort();
  const blocks = lineage.map((member) => {
    const rows = member.segments.map((s) => [
      String(s.segment),
      String(s.trial),
      s.parent === null ? "-" : s.parentMember !== null && s.parentMember !== member.member ? `${s.parent} (member ${s.parentMember})` : String(s.parent),
      s.undecided ? "undecided" : s.exploitedFrom === null ? "-" : `copied ${s.exploitedFrom}`,
      s.retryOf === null ? s.state : `${s.state} (retry of ${s.retryOf})`,
      formatNumber(s.value, 6),
      ...params.map((p) => formatParam(s.params[p])),
    ]);
    const header = `member ${member.member}: ${member.segments.length} segment(s), last value ${formatNumber(member.lastValue, 6)}`;
    return `${header}\n${renderTable(["segment", "trial", "parent", "exploit", "state", "value", ...params], rows)}`;
  });
  return blocks.join("\n\n") + "\n";
}

/**
 * A population's lineage as CSV, one row per segment (the rows of {@link lineageTable}, member by
 * member), with the checkpoint each started from and saved, for a spreadsheet or a data frame. In
 * pieces, as the trials' CSV export is written ({@link inPieces}), not made whole first.
 *
 * @example
 * for await (const piece of lineageCsv(populationLineage(trials))) io.write(piece); // "member,segment,trial,parent,parent_member,…"
 */
export function lineageCsv(lineage: readonly MemberLineage[]): AsyncIterable<string> {
  const params = [...new Set(lineage.flatMap((m) => m.segments.flatMap((s) => Object.keys(s.params))))].sort();
  const cell = (value: number | null): string => (value === null ? "" : String(value));
  const headers = ["member", "segment", "trial", "parent", "parent_member", "exploited_from", "undecided", "state", "retry_of", "value", "checkpoint", "saved"];
  const segments = lineage.flatMap((member) => member.segments.map((segment) => ({ member: member.member, segment })));
  const rows = segments.map(({ member, segment: s }) => [
    String(member),
    String(s.segment),
    String(s.trial),
    cell(s.parent),
    cell(s.parentMember),
    cell(s.exploitedFrom),
    String(s.undecided),
    s.state,
    cell(s.retryOf),
    cell(s.value),
    spreadsheetText(s.checkpoint ?? ""),
    spreadsheetText(s.saved ?? ""),
    ...params.map((p) => paramCell(s.params[p])),
  ]);
  return inPieces(csvLines([...headers, ...params.map((p) => `params_${p}`)], rows));
}

/** A parameter's CSV cell: empty when the trial has none, "null" for a null choice, a choice's text as a spreadsheet shows it. */
function paramCell(value: ParamValue | null | undefined): string {
  if (typeof value === "string") return spreadsheetText(value);
  return value === undefined ? "" : value === null ? "null" : String(value);
}

/**
 * How many trials the study holds, from one indexed read: every backend numbers a study's trials
 * 0, 1, 2… without a gap, so the last number counts them (reading every trial to count them took
 * 3 s and 400 MB for a 200,000-trial study).
 */
async function trialCount(storage: Storage, record: StudyRecord): Promise<number> {
  const [last] = await findTrials(storage, record.id, { reverse: true, limit: 1 });
  return last === undefined ? 0 : last.number + 1;
}

/**
 * `sextant delete STUDY`
 *
 * @example
 * await deleteCommand("old", { yes: true }, processIo());
 */
export async function deleteCommand(name: string, options: { storage?: string; json?: boolean; yes?: boolean }, io: Io): Promise<number> {
  return withStudy(storageUrl(options.storage), name, async (storage, record) => {
    const trials = await trialCount(storage, record);
    const what = onlineTunerRefusal(record) === null ? `study "${name}" (${trials} trials)` : `online tuner "${name}" and what it has learned`;
    if (!options.yes) {
      if (!io.stdinIsTTY) {
        throw new UserError(`refusing to delete ${what} without --yes: stdin is not a terminal to confirm on`);
      }
      const answer = await ask(`delete ${what} from ${storage.url}? [y/N] `);
      if (answer === null || !/^y(es)?$/i.test(answer.trim())) {
        // Ctrl-C and end of input (Ctrl-D) answer no too: they ended the process with code 0.
        io.err(answer === null || answer === END_OF_INPUT ? "\nnot deleted" : "not deleted");
        return answer === null ? 130 : 1; // 130: 128 + SIGINT, as the shell reports Ctrl-C
      }
    }
    // Storage keeps only the checkpoints' names: the files, often the largest part of a population, stayed without a word.
    const folder = populationCheckpointFolder(record, storage.url);
    const checkpoints = folder !== null && existsSync(folder) ? folder : null;
    const deleted = await storage.deleteStudy(name);
    if (options.json) io.out(JSON.stringify({ deleted: deleted ? name : null, trials, ...(checkpoints !== null ? { checkpoints } : {}) }));
    else io.out(deleted ? `deleted ${what}` : `"${name}" was already gone`);
    if (deleted && checkpoints !== null && !options.json) io.out(`its checkpoints (trial-N folders) stay in ${checkpoints}: remove them when you no longer need them`);
    return 0;
    }, "writable", true);
}

/** What {@link ask} answers when input ends (Ctrl-D) before a line. */
const END_OF_INPUT = "\u0004";

/** A line typed in answer to `question`; {@link END_OF_INPUT} when input ends first, null on Ctrl-C. */
function ask(question: string): Promise<string | null> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    let answered = false;
    const answer = (text: string | null): void => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(text);
    };
    rl.question(question, answer);
    rl.on("SIGINT", () => answer(null));
    rl.on("close", () => answer(END_OF_INPUT));
  });
}

