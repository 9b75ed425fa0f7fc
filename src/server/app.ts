/**
 * The HTTP API of `sextant serve`: versioned JSON routes over one storage, driving the same
 * `Study` engine as the library and the CLI. Each route is declared once, with zod schemas for
 * its path, query and body; the same declaration validates requests and writes the OpenAPI
 * document.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { z } from "zod";
import { type Pruner, PrunerObjectivesError, createPrunerByName, prunerEntries } from "../pruners/index.js";
import { GridMismatchError, type Recommendation, type Sampler, SamplerExhaustedError, createSamplerByName, samplerEntries } from "../samplers/index.js";
import { SCHEDULER_ATTR } from "../schedulers/index.js";
import {
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  InvalidDistributionError,
  type OptionSchema,
  checkJsonOptionTypes,
  distributionsEqual,
  normalizeOptionKey,
  optionsWithJsonText,
  unknownKeysMessage,
  validateDistribution,
} from "../space/index.js";
import { API_SPELLING, tagNonFinite, untagNonFinite } from "../space/non-finite-json.js";
import { canonicalJson, sameComponentSettings } from "../space/options-in-effect.js";
import {
  DuplicateStudyError,
  ParamConflictError,
  type Storage,
  StorageBusyError,
  StorageError,
  StorageReadOnlyError,
  type StudyRecord,
  type StudySummary,
  StudyIdNotFoundError,
  StudyNotFoundError,
  TrialNotFoundError,
  TrialNotRunningError,
  onlineTunerRefusal,
  redactPassword,
  summarizeStudy,
} from "../storage/index.js";
import {
  ASK_PENDING_ATTR,
  CLIENT_BEATS_ATTR,
  DEFAULT_HEARTBEAT_GRACE_SECONDS,
  OWNER_HEARTBEAT_ATTR,
  REAPED_REASON_PREFIX,
  FixedParamOutOfRangeError,
  ParameterConflictError,
  Study,
  type TellResult,
  type Trial,
  TrialBudgetSpentError,
  HalfMadeStudyError,
  isHalfMadeStudy,
  studyHeartbeatGraceSeconds,
  TrialNumberNotFoundError,
  singleObjectiveProblem,
  silentTrials,
  storedWarmStartSources,
  LIBRARY_SAMPLER_ATTR,
  LIBRARY_PRUNER_ATTR,
} from "../study/index.js";
import { WARM_START_ATTR, warmStartKeptNote } from "../study/study.js";
import { OnlineTunerError, OnlineTunerNameTakenError, OnlineTunerOrderError, OnlineTunerSettingsError, OnlineTunerStaleRoundError, createOnlineTuner, describeSettingsConflict, loadOnlineTuner } from "../online/index.js";
import { TOKEN_FREE_PATH, openApiDocument } from "./openapi.js";
import { Answer, HttpError, route } from "./route.js";
import { type DashboardAsset, loadDashboardAssets, mountDashboard } from "./dashboard-assets.js";
import { dashboardRoutes } from "./dashboard-routes.js";
import { crossSiteProblem, normalizeCorsOrigins } from "./hosts.js";
import { ParetoFrontSizes } from "./front-sizes.js";
import { StudyIndexCache } from "./study-index.js";
import { refuseTuner, storedStudyName } from "./study-path.js";
import { StudyListQuery } from "./dashboard-schemas.js";
import * as api from "./schemas.js";
import { packageVersion } from "../version.js";

/** The version of the API, which names its prefix. */
const API_VERSION = "v1";

/** Where every route lives; a future `/api/v2` can sit beside it. */
export const API_PREFIX = `/api/${API_VERSION}`;

/** Request bodies larger than this are refused with 413 unless `bodyLimitBytes` says otherwise. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface ServerAppOptions {
  /** The storage every request reads and writes; the caller opens and closes it. */
  readonly storage: Storage;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Origins allowed to call the API from a browser. CORS is off when this is empty or absent. */
  readonly corsOrigins?: readonly string[];
  readonly bodyLimitBytes?: number;
  /** Where unexpected errors (with stacks) are written; clients only ever see "internal error". */
  readonly logError?: (message: string) => void;
  /**
   * Serve the dashboard at `/` (default true): the built files, or these (tests pass their own).
   * `false` leaves only the API.
   */
  readonly dashboard?: boolean | Map<string, DashboardAsset>;
  /**
   * A trial whose client has sent a heartbeat and then sent none for this long is failed when the
   * study is next asked for a trial: its client was killed or cut off (default 60 s, as the
   * library's workers reap; a client should beat at least twice as often). Trials whose clients
   * never beat are left alone, unless the ask said `heartbeat: true` (the Python client does): then
   * the trial's start counts as its first beat. Never sooner than the grace the trial's client was
   * told by whichever server it asked (recorded as `systemAttrs.heartbeat.graceSeconds`), nor the
   * grace a worker's or library process's trial records: servers with different graces on one
   * storage failed each other's live trials.
   */
  readonly heartbeatGraceSeconds?: number;
  /**
   * Refuse requests a web page could make to a server meant for this machine only (see
   * {@link crossSiteProblem}): a Host that is no loopback name, and a change from another origin.
   * `startServer` turns it on when there is no token.
   */
  readonly localOnly?: boolean;
}

/**
 * Options {@link createServerApp} or `startServer` refuses before serving anything: an unknown
 * key (a misspelt `port` served on 8080), a non-loopback address without a token, a bad port.
 *
 * @example
 * try {
 *   await startServer({ storage: "sqlite:./sextant.db", prot: 9000 } as StartServerOptions);
 * } catch (error) {
 *   if (error instanceof ServerConfigError) console.error(error.message); // unknown option "prot" (did you mean "port"?) …
 * }
 */
export class ServerConfigError extends Error {
  override name = "ServerConfigError";
}

/** The keys {@link createServerApp} reads; any other is a typo that was silently ignored. */
export const SERVER_APP_OPTION_KEYS: readonly string[] = Object.keys({
  storage: true,
  token: true,
  corsOrigins: true,
  bodyLimitBytes: true,
  logError: true,
  dashboard: true,
  heartbeatGraceSeconds: true,
  localOnly: true,
} satisfies Record<keyof ServerAppOptions, true>);

/**
 * The settings of {@link createServerApp} that can be wrong, checked: the heartbeat grace and the
 * CORS origins. Throws {@link ServerConfigError}; `startServer` calls it before it opens storage.
 *
 * @example
 * checkServerAppSettings({ heartbeatGraceSeconds: 0 }) // throws: heartbeatGraceSeconds must be a positive number, got 0
 */
export function checkServerAppSettings(options: Pick<ServerAppOptions, "heartbeatGraceSeconds" | "corsOrigins">): { graceSeconds: number; origins: string[] } {
  const graceSeconds = options.heartbeatGraceSeconds ?? DEFAULT_HEARTBEAT_GRACE_SECONDS;
  if (!Number.isFinite(graceSeconds) || graceSeconds <= 0) throw new ServerConfigError(`heartbeatGraceSeconds must be a positive number, got ${graceSeconds}`);
  try {
    return { graceSeconds, origins: normalizeCorsOrigins(options.corsOrigins ?? []) };
  } catch (error) {
    throw new ServerConfigError((error as Error).message);
  }
}

/**
 * Refuses keys of `options` that are not in `valid`, naming the closest valid one, as
 * `createStudy` and the storage openers do; `caller` starts the message.
 */
export function refuseUnknownServerOptions(caller: string, options: object, valid: readonly string[]): void {
  const unknown = unknownKeysMessage(options, valid);
  if (unknown !== null) throw new ServerConfigError(`${caller}: ${unknown}`);
}

/** How a sampler or pruner is named in requests and kept on the study. */
type NamedSpec = {
  name: string;
  options: Record<string, string | number | boolean | null>;
};

/** System attributes under which a study keeps what any server process needs to rebuild its sampler and pruner. */
const SAMPLER_ATTR = "server:sampler";
const PRUNER_ATTR = "server:pruner";
const SPACE_ATTR = "server:space";

/** Compares in time that depends on neither the token's content nor its length. */
function tokensMatch(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** What `value` holds at `path` (undefined where it holds nothing). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== "object" || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** `path.study`, `body.space.lr.low`, `body.extra` (for an unknown key); `value` is what was parsed. */
function describeIssue(where: string, issue: z.core.$ZodIssue, value: unknown): { field: string; message: string } {
  const path = [where, ...issue.path.map(String)];
  // A missing or unknown "state" of a tell, or "type" of a distribution: zod said "Invalid
  // discriminator value", which told neither that the field was missing nor what had been sent.
  if (issue.code === "invalid_union" && issue.discriminator !== undefined && "options" in issue && issue.options) {
    const choices = issue.options.map((option) => JSON.stringify(option)).join(", ");
    const given = valueAt(value, issue.path);
    if (given === undefined) return { field: path.join("."), message: `required: one of ${choices}` };
    // Cut short: a wrong value may be as long as the body (a megabyte), and the answer only names it.
    const shown = JSON.stringify(given);
    return { field: path.join("."), message: `must be one of ${choices}, got ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}` };
  }
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    return { field: [...path, keys[0]!].join("."), message: `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k)).join(", ")}` };
  }
  // A record's key that fails its own check: say why, not only "Invalid key in record".
  if (issue.code === "invalid_key" && issue.issues[0]) {
    // An empty key is named by its record: "body.space." read as a field cut short.
    if (path.length > 1 && path[path.length - 1] === "") return { field: path.slice(0, -1).join("."), message: issue.issues[0].message };
    return { field: path.join("."), message: issue.issues[0].message };
  }
  return { field: path.join("."), message: issue.message };
}

/**
 * The path of the first "__proto__" key JSON.parse kept as data in `value`, or null. Checked
 * before the schema: an object schema would turn such a key into a prototype and drop it.
 */
function protoKeyPath(value: unknown): string[] | null {
  // Iterative, with links to parents rather than copied paths: a body nested deeper than the
  // stack is for the schema to refuse, not to crash on or to walk in quadratic time.
  type Visit = { node: unknown; key: string; parent: Visit | null };
  const pending: Visit[] = [{ node: value, key: "", parent: null }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const node = visit.node;
    if (node === null || typeof node !== "object") continue;
    if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, "__proto__")) {
      const path = ["__proto__"];
      for (let at: Visit | null = visit; at?.parent; at = at.parent) path.unshift(at.key);
      return path;
    }
    const entries = Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ node: entries[i]![1], key: entries[i]![0], parent: visit });
  }
  return null;
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const proto = protoKeyPath(value);
  if (proto) {
    const field = [where, ...proto].join(".");
    throw new HttpError(400, `${field}: "__proto__" is not allowed as a name (every JavaScript object inherits it)`, field);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = describeIssue(where, result.error.issues[0]!, value);
  throw new HttpError(400, `${field}: ${message}`, field);
}

/** Attributes as the API sends them: NaN and ±Infinity as tags (JSON.stringify wrote them as null). */
function attrsJson(attrs: Readonly<Record<string, JsonValue>>): Record<string, unknown> {
  return tagNonFinite({ ...attrs }, API_SPELLING);
}

/** A request's attribute value with its tags read back into NaN and ±Infinity; a tag of another name is a 400 at its place. */
function attrFromJson(value: unknown, field: string): JsonValue {
  return untagNonFinite(value as JsonValue, API_SPELLING, (path, name) => {
    const at = [field, ...path].join(".");
    throw new HttpError(
      400,
      `${at}: {"$sextant:number": ${JSON.stringify(name)}} stands for a number, and must name "NaN", "Infinity" or "-Infinity" (an object of your own with that key is sent as {"$$sextant:number": ...})`,
      at,
    );
  });
}

function trialJson(trial: FrozenTrial): z.output<typeof api.TrialJson> {
  return {
    id: trial.id,
    number: trial.number,
    state: trial.state,
    params: { ...trial.params },
    distributions: { ...trial.distributions } as Record<string, z.output<typeof api.Distribution>>,
    values: trial.values ? trial.values.map(api.jsonNumber) : null,
    intermediate: Object.fromEntries(Object.entries(trial.intermediate).map(([step, value]) => [step, api.jsonNumber(value)])),
    userAttrs: attrsJson(trial.userAttrs),
    systemAttrs: attrsJson(trial.systemAttrs),
    startedAt: trial.startedAt,
    finishedAt: trial.finishedAt,
    seq: trial.seq,
  };
}

/** What the server or `sextant tune`/`create` stored of a study's sampler or pruner, options and all (undefined where neither did). */
function ownStoredSpec(record: StudyRecord, kind: "sampler" | "pruner"): unknown {
  const cliConfig = record.systemAttrs["cli:config"] as Partial<Record<"sampler" | "pruner", unknown>> | undefined;
  return record.systemAttrs[kind === "sampler" ? SAMPLER_ATTR : PRUNER_ATTR] ?? cliConfig?.[kind];
}

/** What the library's `createStudy` stored of a study's sampler or pruner: a built-in's name and options (undefined for one of the user's own, and before). */
function librarySpec(record: StudyRecord, kind: "sampler" | "pruner"): unknown {
  return record.systemAttrs[kind === "sampler" ? LIBRARY_SAMPLER_ATTR : LIBRARY_PRUNER_ATTR];
}

/** Whether {@link storedSpec} reads a study's sampler or pruner from what the library stored of it. */
function specFromLibrary(record: StudyRecord, kind: "sampler" | "pruner"): boolean {
  return ownStoredSpec(record, kind) === undefined && librarySpec(record, kind) !== undefined;
}

/**
 * The sampler or pruner a study was created with: the server's own record, else `sextant tune`'s,
 * else the library's, else `fallback` with no options.
 */
function storedSpec(record: StudyRecord, kind: "sampler" | "pruner", fallback: string): NamedSpec {
  const stored = (ownStoredSpec(record, kind) ?? librarySpec(record, kind)) as Partial<NamedSpec> | undefined;
  if (stored && typeof stored.name === "string") {
    const options = stored.options && typeof stored.options === "object" ? stored.options : {};
    return { name: stored.name, options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as NamedSpec["options"] };
  }
  return { name: fallback, options: {} };
}

/** The settings a create gives, as the study would store them; those it leaves out are undefined. */
interface GivenSettings {
  readonly sampler?: NamedSpec;
  readonly pruner?: NamedSpec;
  readonly space?: Record<string, Distribution>;
  readonly warmStartFrom?: readonly string[];
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
}

/** A sampler or pruner as a warning names it: `tpe (seed=1)`, or the name alone without options. */
function specShown(spec: NamedSpec): string {
  const options = Object.entries(spec.options);
  return options.length === 0 ? spec.name : `${spec.name} (${options.map(([key, value]) => `${key}=${String(value)}`).join(", ")})`;
}

/** An attribute's value as a warning shows it: its JSON, as the API sends it, cut short past 80 characters. */
function attrShown(value: JsonValue): string {
  const shown = JSON.stringify(attrsJson({ value }).value);
  return shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
}

/**
 * Each setting a create with `loadIfExists` gives that the study it found keeps its own of, as a
 * warning at the request's field: the study is served as stored, so the request's sampler, pruner,
 * space, warm-start sources and user attributes were dropped without a word. `sextant tune` warns
 * of a resumed study's other sampler or pruner the same way; its run uses its own sampler, so it
 * compares only the sampler's name, where a study loaded here runs none of the request's options.
 * Options are compared as they run (other spellings and defaults spelt out are the same), and only
 * the user attributes the request gives: a study's other attributes are no difference.
 */
function settingsKeptOver(record: StudyRecord, given: GivenSettings): z.output<typeof api.SettingKeptWarning>[] {
  const warnings: z.output<typeof api.SettingKeptWarning>[] = [];
  const ignored = "is ignored, as loadIfExists keeps the study as it is";
  const warn = (field: string, message: string) => warnings.push({ field, message: `study ${JSON.stringify(record.name)} ${message}` });
  for (const [kind, entries] of [["sampler", samplerEntries], ["pruner", prunerEntries]] as const) {
    const requested = given[kind];
    if (requested === undefined) continue;
    const stored = storedSpec(record, kind, recordedName(record, kind));
    if (sameComponentSettings(kind, requested, stored, (name) => entries().find((entry) => entry.name === name)?.options)) continue;
    warn(`body.${kind}`, `was created with ${kind} ${specShown(stored)}; this request's ${kind} ${specShown(requested)} ${ignored}`);
  }
  if (given.space !== undefined) {
    const stored = storedSpace(record);
    if (stored === undefined) warn("body.space", `was created without a search space; this request's ${ignored}`);
    else {
      const differing = [...new Set([...Object.keys(stored), ...Object.keys(given.space)])].filter((name) => {
        const [was, is] = [stored[name], given.space![name]];
        return was === undefined || is === undefined || !distributionsEqual(was, is);
      });
      if (differing.length > 0) warn("body.space", `was created with another search space (${differing.join(", ")} ${differing.length > 1 ? "differ" : "differs"}); this request's ${ignored}`);
    }
  }
  if (given.warmStartFrom !== undefined) {
    const kept = warmStartKeptNote(record, given.warmStartFrom, (names) => `this request's ${names} ${ignored}`);
    if (kept !== null) warnings.push({ field: "body.warmStartFrom", message: kept });
  }
  for (const [key, value] of Object.entries(given.userAttrs ?? {})) {
    const has = Object.prototype.hasOwnProperty.call(record.userAttrs, key);
    const stored = record.userAttrs[key] as JsonValue;
    if (has && canonicalJson(attrsJson({ value: stored })) === canonicalJson(attrsJson({ value }))) continue;
    const was = has ? `has user attribute ${JSON.stringify(key)} = ${attrShown(stored)}` : `has no user attribute ${JSON.stringify(key)}`;
    warn(`body.userAttrs.${key}`, `${was}; this request's ${attrShown(value)} ${ignored}`);
  }
  return warnings;
}

/**
 * The study's running trial of this number, as the latest write left it (other servers on the same
 * database may have written it since), refused when the request names (`?trialId=`) another trial:
 * the study was deleted and created again under its name since the client asked, and a client
 * still holding the old trial wrote its result into the new study's trial of that number.
 */
async function resumeAskedTrial(study: Study, number: string, query: { trialId?: string }): Promise<Trial> {
  const trial = await study.resumeSharedTrial(Number(number));
  if (query.trialId === undefined || Number(query.trialId) === trial.id) return trial;
  // A trial id still stored is another study's trial (a deleted study's trials are gone): the
  // client sent it to the wrong study, which "deleted and created again" sent it looking for.
  const named = await study.storage.getTrial(Number(query.trialId));
  const why =
    named !== null
      ? `trial id ${query.trialId} is trial ${named.number} of another study; send it to the study that asked it`
      : "the study was deleted and created again since that trial was asked for; load the study again";
  throw new HttpError(409, `trial ${trial.number} of study "${study.name}" is not the trial ${query.trialId} this request is about: ${why}`, "query.trialId");
}

/** The sampler or pruner name `createStudy` recorded on the study, or "unknown" where it recorded none. */
function recordedName(record: StudyRecord, key: "sampler" | "pruner"): string {
  const name = record.systemAttrs[key];
  return typeof name === "string" && name.length > 0 ? name : "unknown";
}

/** The recorded name of a study's sampler or pruner when this server can build one by it, else null. */
function registeredName(record: StudyRecord, key: "sampler" | "pruner", entries: readonly { name: string }[]): string | null {
  const name = recordedName(record, key);
  return entries.some((entry) => entry.name === name) ? name : null;
}

/**
 * A study's sampler or pruner, built from what storage holds. A study the library made records a
 * built-in's options (see `LIBRARY_SAMPLER_ATTR`), but only the name of a component of
 * the user's own, and of every component before that; one that cannot be built without options
 * (the grid sampler's grid, threshold's bounds, patient's patience) made every route of the study
 * answer 409: its trials, the dashboard and `sextant report` too. Such a study gets a stand-in that
 * refuses only the work that needs the component (a sampler's asks and suggestions, a pruner's
 * judging) with a 409 saying why, and everything that only reads the study works. One the server
 * or the CLI stored with options that do not build is still refused outright.
 */
function rebuildStored<T>(record: StudyRecord, kind: "sampler" | "pruner", spec: NamedSpec, build: () => T, standIn: (refusal: ComponentNotRebuiltError) => T): T {
  try {
    return build();
  } catch (error) {
    if (ownStoredSpec(record, kind) !== undefined) throw error;
    return standIn(new ComponentNotRebuiltError(record.name, kind, spec.name, (error as Error).message));
  }
}

/** What a stand-in of each kind cannot do, and where its user can do it instead. */
const NOT_REBUILT_WORK = {
  sampler: { cannot: "propose its trials' parameters", instead: "ask for its trials" },
  pruner: { cannot: "judge its trials", instead: "report to it" },
} as const;

/** A request that needs a library-made study's sampler or pruner, which its recorded name alone cannot rebuild (see {@link rebuildStored}). */
class ComponentNotRebuiltError extends Error {
  override name = "ComponentNotRebuiltError";

  constructor(studyName: string, kind: "sampler" | "pruner", componentName: string, why: string) {
    const work = NOT_REBUILT_WORK[kind];
    super(
      `study "${studyName}" was made by the library with the ${componentName} ${kind}, whose options it did not record (${why}), ` +
        `so this server cannot ${work.cannot}; ${work.instead} from the library, or make the study through the server or sextant create with the ${kind}'s options`,
    );
  }
}

/** The stand-in for a pruner {@link rebuildStored} could not build: it refuses to judge. */
class UnrebuiltPruner implements Pruner {
  constructor(
    readonly name: string,
    private readonly refusal: ComponentNotRebuiltError,
  ) {}

  prune(): never {
    throw this.refusal;
  }
}

/**
 * The stand-in for a sampler {@link rebuildStored} could not build. The ask and suggest routes
 * refuse with {@link refusal} before a trial is made or claimed (a sampler that throws inside an ask
 * fails the trial); its sampling methods throw it too, for any other caller. A tell needs no sampler.
 */
class UnrebuiltSampler implements Sampler {
  constructor(
    readonly name: string,
    readonly refusal: ComponentNotRebuiltError,
  ) {}

  inferRelativeSpace(): never {
    throw this.refusal;
  }

  sampleRelative(): never {
    throw this.refusal;
  }

  sampleIndependent(): never {
    throw this.refusal;
  }
}

/** Refuses a request that needs the study's sampler when the server has only its stand-in (see {@link UnrebuiltSampler}). */
function refuseUnrebuiltSampler(study: Study): void {
  if (study.sampler instanceof UnrebuiltSampler) throw study.sampler.refusal;
}

/** The retries `sextant create --max-retries` stored for the study's workers, or the library's default. */
function storedMaxRetries(systemAttrs: Readonly<Record<string, JsonValue>>): number | undefined {
  const cliConfig = systemAttrs["cli:config"] as { maxRetries?: unknown } | undefined;
  const stored = cliConfig?.maxRetries;
  return typeof stored === "number" && Number.isSafeInteger(stored) && stored >= 0 ? stored : undefined;
}

function storedSpace(record: StudyRecord): Record<string, Distribution> | undefined {
  const cliConfig = record.systemAttrs["cli:config"] as { space?: unknown } | undefined;
  return (record.systemAttrs[SPACE_ATTR] ?? cliConfig?.space) as Record<string, Distribution> | undefined;
}

/** Refuses an option of a request's sampler or pruner whose JSON type is not its option's (see `checkJsonOptionTypes`). */
function checkJsonSpec(kind: string, spec: NamedSpec, entries: readonly { name: string; options: OptionSchema }[]): void {
  const entry = entries.find((e) => e.name === spec.name);
  if (entry) checkJsonOptionTypes(`${spec.name} ${kind}`, spec.options, entry.options);
}

/**
 * The GP learns from its study's warm-start sources only with its `warmStart` option on (off in the
 * library, where a GPSampler is built before its study knows its sources): sources ask for it, as
 * the CLI's --warm-start does, unless the options set it, in any spelling (`warm_start` too).
 */
function withWarmStartOn(spec: NamedSpec): NamedSpec {
  if (spec.name !== "gp" || Object.keys(spec.options).some((key) => normalizeOptionKey(key) === "warmstart")) return spec;
  return { ...spec, options: { ...spec.options, warmStart: true } };
}

function buildSampler(spec: NamedSpec, space: Record<string, Distribution> | undefined): Sampler {
  return createSamplerByName(spec.name, spec.options, space ? { searchSpace: space } : {});
}

/** The study's sampler, rebuilt from what storage holds, or its stand-in (see {@link rebuildStored}). */
function storedSampler(record: StudyRecord, spec: NamedSpec): Sampler {
  return rebuildStored(record, "sampler", spec, () => buildSampler(spec, storedSpace(record)), (refusal) => new UnrebuiltSampler(spec.name, refusal));
}

/** The study's pruner, rebuilt from what storage holds, or its stand-in (see {@link rebuildStored}). */
function storedPruner(record: StudyRecord): Pruner {
  const spec = storedSpec(record, "pruner", registeredName(record, "pruner", prunerEntries()) ?? "none");
  return rebuildStored(record, "pruner", spec, () => createPrunerByName(...specArgs(spec)), (refusal) => new UnrebuiltPruner(spec.name, refusal));
}

/** A study's recommended trial as the API and the dashboard send it (null for several objectives or no trial). */
function recommendationJson(recommendation: Recommendation | undefined): z.output<typeof api.RecommendedTrialJson> | null {
  if (!recommendation) return null;
  const model = recommendation.record;
  return {
    trial: trialJson(recommendation.trial),
    source: recommendation.source,
    posteriorMean: model?.mean ?? null,
    posteriorSd: model?.sd ?? null,
    units: model?.units ?? null,
    modelTrials: model?.observations ?? null,
  };
}

/** A study as the API shows it, with its counts by state and best value (`summarizeStudy`'s, or the summary tally's). */
function studyJson(record: StudyRecord, summary: Pick<StudySummary, "trialCounts" | "bestValue">): z.output<typeof api.StudyJson> {
  return {
    id: record.id,
    name: record.name,
    directions: [...record.directions],
    userAttrs: attrsJson(record.userAttrs),
    createdAt: record.createdAt,
    // System attributes stay on the server: `sextant tune` keeps the command's environment there.
    // A study made by the library records the names it ran with (pruners since 0.1), and a
    // built-in's options: shown as such, not as the auto and none this server would fall back to.
    sampler: storedSpec(record, "sampler", recordedName(record, "sampler")),
    pruner: storedSpec(record, "pruner", recordedName(record, "pruner")),
    trialCounts: { ...summary.trialCounts },
    // JSON.stringify writes a non-finite number as null, which reads as a study with no result.
    bestValue: summary.bestValue === null ? null : api.jsonNumber(summary.bestValue),
    halfMade: isHalfMadeStudy(record.systemAttrs),
  };
}

/**
 * Each distribution checked; a bad one answers 400 at `field`.NAME, or at `field` itself with
 * `named: false`, where the body holds one distribution beside its name (suggest). A range its
 * step does not divide is narrowed, as the library narrows it, and `onNarrowed` told so.
 */
function validateSpace(space: Record<string, Distribution>, field: string, onNarrowed: (message: string) => void, named = true): Record<string, Distribution> {
  const out: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(space)) {
    try {
      out[name] = validateDistribution(distribution, name, onNarrowed);
    } catch (error) {
      const at = named ? `${field}.${name}` : field;
      throw new HttpError(400, `${at}: ${(error as Error).message}`, at);
    }
  }
  return out;
}

function gridMismatchCode(error: GridMismatchError): "param_not_in_grid" | "grid_value_out_of_range" {
  return error.reason === "not_in_grid" ? "param_not_in_grid" : "grid_value_out_of_range";
}

/** Maps the engine's errors to answers; anything else is a bug, and only its existence reaches the client. */
function httpErrorOf(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  // A study deleted while a client used it is gone, not an outage of the storage (a 503 the client retries).
  // Named as the path names them, as the routes' own 404s do: the field was missing on these.
  if (error instanceof StudyNotFoundError || error instanceof StudyIdNotFoundError) return new HttpError(404, error.message, "path.study");
  if (error instanceof TrialNumberNotFoundError) return new HttpError(404, error.message, "path.number");
  if (error instanceof DuplicateStudyError) return new HttpError(409, error.message, "body.name");
  if (error instanceof TrialNotRunningError) return new HttpError(409, error.message, "path.number");
  // Not the client's doing: the trial was enqueued at a value its code's range now leaves out (a
  // retry's kept value is sampled anew instead). The study has failed that trial; the code lets a
  // client go on, as the library's optimize does.
  if (error instanceof FixedParamOutOfRangeError) return new HttpError(409, error.message, "body.distribution", "fixed_param_out_of_range");
  if (error instanceof ParameterConflictError || error instanceof ParamConflictError) return new HttpError(409, error.message, "body.distribution");
  // As the library's optimize stops at it, so does a client's: the code tells it from other 409s.
  if (error instanceof SamplerExhaustedError) return new HttpError(409, error.message, "path.study", "sampler_exhausted");
  // The study's queued trials are all handed out: workers stop there, and so does this ask.
  if (error instanceof TrialBudgetSpentError) return new HttpError(409, error.messageWithoutRemedy, "path.study", "trial_budget_spent");
  // sextant create has not stored the study's budget yet: no trial may be handed out before it is.
  if (error instanceof HalfMadeStudyError) return new HttpError(409, error.message, "path.study", "study_half_made");
  // The study's grid has no value for what the request suggests: the study's setup, not the server,
  // says no. The code tells it from a conflict with the trial's own parameters (also at body.distribution).
  if (error instanceof GridMismatchError) return new HttpError(409, error.message, "body.distribution", gridMismatchCode(error));
  // A study stored with a pruner that cannot judge its several objectives (made before creation refused
  // it), or made by the library with a sampler or pruner this server cannot build from its name alone.
  if (error instanceof PrunerObjectivesError || error instanceof ComponentNotRebuiltError) return new HttpError(409, error.message, "path.study");
  if (error instanceof InvalidDistributionError) return new HttpError(400, error.message);
  // `sextant dashboard` on a file its user may only read: it shows the studies and changes none.
  if (error instanceof StorageReadOnlyError) return new HttpError(403, `${error.message}: this server can only read its storage, so it shows studies but takes no writes`);
  if (error instanceof OnlineTunerError) {
    if (/^no online tuner named/.test(error.message)) return new HttpError(404, error.message, "path.tuner");
    // A name taken by a tuner with other settings, or by a study: a conflict, as for studies.
    // The library's remedy (loadOnlineTuner) is no help to a client of this API. The settings are
    // named as the request's JSON names them, which are the library's option paths.
    if (error instanceof OnlineTunerSettingsError) {
      const message = describeSettingsConflict(error.tunerName, error.differences, (field) => field, "use it as it is (GET or POST its routes), or create one under another name");
      return new HttpError(409, message, "body.name", "online_settings_conflict");
    }
    // A tuner route given a study's name (POST /online answers its own 409 at body.name).
    if (error instanceof OnlineTunerNameTakenError) return new HttpError(409, error.message, "path.tuner", "online_name_taken");
    if (/was saved by a newer Sextant/.test(error.message)) return new HttpError(409, error.message, "path.tuner", "online_tuner_too_new");
    // The tuner's state, not the request, is at odds: said in this API's terms, not the library's calls.
    if (error instanceof OnlineTunerOrderError) {
      return error.waiting === "nothing"
        ? new HttpError(409, "no choice is waiting for its cost: POST to the tuner's /choose first, then observe the cost of the instance solved with the value it answers", "path.tuner", "online_order")
        : new HttpError(
            409,
            "body.context: a choice made for another context is waiting for its cost: POST that cost to the tuner's /observe first (a choose with the same context answers that choice again)",
            "body.context",
            "online_order",
          );
    }
    // A round observed already, by this client (observing twice) or another sharing the tuner.
    if (error instanceof OnlineTunerStaleRoundError) return new HttpError(409, `body.round: ${error.message}`, "body.round", "online_stale_round");
    if (error.field !== undefined) return new HttpError(400, `body.${error.field}: ${error.message}`, `body.${error.field}`);
    return new HttpError(400, error.message);
  }
  // Other processes held the database locked for longer than the storage waits: worth retrying later.
  if (error instanceof StorageBusyError) return new HttpError(503, "the storage is busy; retry later");
  // The storage's own trouble: PostgreSQL unreachable past its retries, a read-only replica, a full
  // disk, a failing disk, damaged data. No bug of the server's (it answered 500 "internal error"
  // with a stack trace in the log): the storage's message says what is wrong there and what to do.
  // A trial id the storage does not hold is the server's own bug, as the CLI counts it.
  if (error instanceof StorageError && !(error instanceof TrialNotFoundError)) return new HttpError(503, redactPassword(error.message), undefined, "storage_error");
  return null;
}

/**
 * Builds the API as a Hono app over an open storage. `startServer` (in `./serve.ts`) binds it to
 * a socket; tests call `app.request()` on it directly.
 *
 * @example
 * const app = createServerApp({ storage: new MemoryStorage() });
 * const answer = await app.request("/api/v1/studies", { method: "POST", body: JSON.stringify({ name: "demo" }), headers: { "content-type": "application/json" } });
 */
/** How many study objects a server keeps built (see `studies` in {@link createServerApp}). */
const STUDY_CACHE_SIZE = 32;

export function createServerApp(options: ServerAppOptions): Hono {
  refuseUnknownServerOptions("createServerApp", options, SERVER_APP_OPTION_KEYS);
  const { storage } = options;
  const logError = options.logError ?? ((message: string) => process.stderr.write(`${message}\n`));
  /** The warnings of ranges narrowed to their step already logged, once per study name and message. */
  const narrowedLogged = new Set<string>();
  /** Logs that a range in a request to `study` was narrowed to its step, once per study and parameter range. */
  const logNarrowed = (study: string) => (message: string): void => {
    const key = JSON.stringify([study, message]);
    if (narrowedLogged.has(key)) return;
    narrowedLogged.add(key);
    logError(`sextant serve: warning: study "${study}": ${message}`);
  };
  /**
   * Study objects by name, least recently used first; beyond {@link STUDY_CACHE_SIZE} the oldest
   * is dropped (it is rebuilt from storage when asked for again, as another server would). Kept
   * for every study any request touched, a long-running server grew by each one's trials.
   */
  const studies = new Map<string, { id: number; study: Promise<Study> }>();
  const cachedStudy = (name: string): { id: number; study: Promise<Study> } | undefined => {
    const cached = studies.get(name);
    if (cached) {
      studies.delete(name);
      studies.set(name, cached);
    }
    return cached;
  };
  /** The trials of studies clients page through (GET …/trials) and the dashboard shows, kept up to date incrementally. */
  const pageIndexes = new StudyIndexCache(storage);
  /** The Pareto fronts GET /studies counts, kept up to date incrementally: the dashboard lists studies per keystroke. */
  const frontSizes = new ParetoFrontSizes(storage);
  const version = packageVersion();
  const { graceSeconds, origins } = checkServerAppSettings(options);
  const lastReaped = new Map<number, number>();
  const startedAt = Date.now();

  /**
   * Fails the study's running trials whose clients beat and then fell silent for longer than the
   * grace (as Optuna's fail_stale_trials does when a worker asks). Checked at most a few times per
   * grace period per study, so asks do not each pay for the query. Not in this server's first grace:
   * while it was down (a restart, an upgrade) its clients' beats were refused, and the first ask
   * after it came back failed every trial still running, live ones included, before they could beat.
   * Nor before the grace the trial's owner recorded (see {@link OWNER_HEARTBEAT_ATTR}): a server
   * with a shorter grace than another's, or than a worker's, failed their live trials.
   */
  async function reapSilentTrials(study: Study): Promise<void> {
    const now = Date.now();
    if (now - startedAt < graceSeconds * 1000) return;
    if (now - (lastReaped.get(study.id) ?? 0) < Math.min((graceSeconds * 1000) / 4, 5000)) return;
    lastReaped.set(study.id, now);
    let reaped = 0;
    // A trial whose ask never reached its client is reaped too: nobody knows its number.
    const reapable = (t: FrozenTrial) => t.systemAttrs[CLIENT_BEATS_ATTR] === true || t.systemAttrs[ASK_PENDING_ATTR] === true;
    for (const { trial, graceMs } of await silentTrials(storage, study.id, graceSeconds * 1000, reapable)) {
      let failed: FrozenTrial;
      try {
        failed = await storage.updateTrial(trial.id, {
          state: "failed",
          values: null,
          systemAttrs: { failReason: `${REAPED_REASON_PREFIX}${graceMs / 1000} s: its client was stopped or lost the server` },
        });
        reaped++;
      } catch (error) {
        if (!(error instanceof TrialNotRunningError)) throw error; // told meanwhile
        continue;
      }
      // Queued again as a worker's reaper does: a study with a budget of queued trials (sextant
      // create --trials) ended short by each dead client's trial when the server noticed first.
      // At most as often as the study allows its workers (sextant create --max-retries).
      await study.queueRetry(failed, storedMaxRetries(study.systemAttrs));
    }
    if (reaped > 0) await study.refresh();
  }

  /**
   * Counts the answer to a beating client's ask as its trial's first beat when the ask took a
   * tenth of the client's grace or more (a sampler that took seconds: a GP on a long history).
   * Silence is counted from the trial's start, and the client's first beat comes an interval after
   * the answer: a trial whose ask took longer than the grace was reaped at the next ask, right after
   * its client had got its number and before it could beat once. Quick asks pay no extra write.
   * Best effort: a beat that cannot be written leaves the trial to its client's beats.
   */
  async function beatForAnsweredAsk(study: Study, trial: Trial, askMs: number): Promise<void> {
    if (askMs < (clientGraceSeconds(study.systemAttrs) * 1000) / 10) return;
    try {
      await storage.recordHeartbeat([trial.id]);
    } catch (error) {
      logError(`sextant serve: trial ${trial.number} of study "${study.name}": its ask took ${askMs} ms and its first heartbeat could not be recorded (${error instanceof Error ? error.message : String(error)}); it is left to its client's beats`);
    }
  }

  /**
   * The grace a client of the study is told to beat for (at least twice within it): the shorter of
   * this server's and the one the study's `sextant worker` processes reap by.
   */
  function clientGraceSeconds(studyAttrs: StudyRecord["systemAttrs"]): number {
    return Math.min(graceSeconds, studyHeartbeatGraceSeconds(studyAttrs, storage.url) ?? Infinity);
  }

  /**
   * Marks a trial as one whose client beats, with the grace the client was told as the trial's
   * own ({@link OWNER_HEARTBEAT_ATTR}), and the interval it said it beats at: every reaper,
   * another server with a shorter grace or a library process included, then waits for both
   * before failing the trial.
   */
  function markClientBeats(study: Study, trial: Trial, intervalSeconds?: number): void {
    trial.setSystemAttr(CLIENT_BEATS_ATTR, true);
    // null: none yet (a trial given back to the queue had its former owner's record cleared, and the
    // server's own beats for an ask end with it).
    if (trial.systemAttrs[OWNER_HEARTBEAT_ATTR] !== undefined && trial.systemAttrs[OWNER_HEARTBEAT_ATTR] !== null) return;
    trial.setSystemAttr(OWNER_HEARTBEAT_ATTR, { graceSeconds: clientGraceSeconds(study.systemAttrs), ...(intervalSeconds !== undefined ? { intervalSeconds } : {}) });
  }

  /**
   * Refuses, before any trial is made, a client beat interval over half the grace the study's
   * clients are told: one late beat would get the trial failed while it runs, by this server or
   * by the study's workers, whose grace this is too.
   */
  function refuseSlowClientBeats(study: Study, intervalSeconds: number): void {
    const grace = clientGraceSeconds(study.systemAttrs);
    if (intervalSeconds * 2 <= grace) return;
    throw new HttpError(
      400,
      `heartbeatIntervalSeconds ${intervalSeconds} is more than half the ${grace} s heartbeat grace of study "${study.name}" (the shorter of sextant serve --heartbeat-grace and the study's sextant create --heartbeat-grace): ` +
        `one late beat would fail the trial while it runs; beat at most every ${grace / 2} s`,
      "body.heartbeatIntervalSeconds",
    );
  }

  /**
   * Refuses warm-start sources as `sextant create --warm-start` does, before the study is made: a
   * sampler that would ignore them, the GP's for several objectives (it models one), a name of no
   * study (404), the study itself, an online tuner, a study of several objectives.
   */
  async function checkWarmStartSources(names: readonly string[], studyName: string, sampler: Sampler, objectives: number): Promise<void> {
    if (names.length === 0) return;
    const field = "body.warmStartFrom";
    const refuse = (message: string, status: 400 | 404 = 400) => new HttpError(status, `${field}: ${message}`, field);
    if (sampler.usesWarmStart !== true) {
      throw refuse(`the ${sampler.name} sampler would ignore earlier studies; auto, tpe and gp (with warmStart on, as it is by default here) learn from them`);
    }
    if (sampler.name === "gp" && objectives > 1) throw refuse(`the gp sampler learns from earlier studies for one objective, and this study has ${objectives}; tpe and auto learn from them with several`);
    for (const name of names) {
      if (name === studyName) throw refuse(`study "${name}" cannot warm-start from itself; name an earlier study`);
      const record = await storage.getStudy(name);
      if (record === null) throw refuse(`no study named "${name}"`, 404);
      const tuner = onlineTunerRefusal(record);
      if (tuner) throw refuse(`${tuner}; name an earlier study`);
      if (record.directions.length !== 1) throw refuse(`study "${name}" has ${record.directions.length} objectives; warm starts learn from single-objective studies`);
    }
  }

  /** The stored study of a name: 404 when there is none, 409 when the name is an online tuner's. */
  async function studyRecord(name: string): Promise<StudyRecord> {
    const record = await storage.getStudy(name);
    if (!record) throw new HttpError(404, `no study named "${name}"`, "path.study");
    refuseTuner(record);
    return record;
  }

  /** The study object for a name, rebuilt (sampler and pruner from storage) when it is new to this process or was re-created. */
  async function openStudy(name: string): Promise<{ study: Study; record: StudyRecord }> {
    const record = await studyRecord(name);
    const cached = cachedStudy(name);
    if (cached && cached.id === record.id) return { study: await cached.study, record };
    const building = (async () => {
      let sampler: Sampler;
      let pruner: Pruner;
      // A study made with warm-start sources (sextant tune or create --warm-start, or the library's
      // warmStartFrom) learns from them here too; a deleted source is said, as workers say it.
      const notes: string[] = [];
      const warmStart = await storedWarmStartSources(storage, record, notes);
      for (const note of notes) logError(`sextant serve: ${note}`);
      try {
        // A study the library made records its built-ins' options, but only the name of a component of
        // the user's own (or of any, before): a registered one is rebuilt by that name (with its default
        // options) rather than auto and none, which the study showed it did not use.
        const samplerFallback = registeredName(record, "sampler", samplerEntries()) ?? "auto";
        const storedSamplerSpec = storedSpec(record, "sampler", samplerFallback);
        // A GP the library recorded by name only, or one a create here names as the client wrote it:
        // its sources say it was meant to learn from them (the CLI's --warm-start turns the option on
        // the same way). One the library recorded with its options ran without warmStart, and learnt
        // nothing from them there either.
        const learnsFromSources = warmStart.length > 0 && !specFromLibrary(record, "sampler");
        sampler = storedSampler(record, learnsFromSources ? withWarmStartOn(storedSamplerSpec) : storedSamplerSpec);
        pruner = storedPruner(record);
      } catch (error) {
        throw new HttpError(409, `study "${name}" has a sampler or pruner this server cannot rebuild: ${(error as Error).message}`, "path.study");
      }
      const study = new Study(storage, record, sampler, pruner);
      // Its trials run in the clients: a restart of this server must not make them look abandoned.
      study.trialsRunRemotely = true;
      study.warmStart = warmStart;
      await study.refresh();
      return study;
    })();
    studies.delete(name);
    // One still being made by sextant create is built again on each request, from its latest
    // record: a cached one kept the sampler, space and budget of the record before its cli:config.
    if (isHalfMadeStudy(record.systemAttrs)) return { study: await building, record };
    studies.set(name, { id: record.id, study: building });
    for (const oldest of studies.keys()) {
      if (studies.size <= STUDY_CACHE_SIZE) break;
      studies.delete(oldest);
    }
    building.catch(() => {
      if (studies.get(name)?.study === building) studies.delete(name);
    });
    return { study: await building, record };
  }

  /**
   * Runs `use` on the study object cached for `name` without reading the study record first: the
   * hot routes (ask, tell, suggest, report) would otherwise pay a read per request to learn what
   * almost never changes. A study deleted by another process (and perhaps re-created under the
   * same name) fails here on its old id, since ids are never reused: on any failure the name is
   * looked up again, and if it now means another study (or none), `use` runs on that one (or the
   * answer is 404). The lookup costs a read only on the error path.
   */
  async function withStudy<T>(name: string, use: (study: Study) => Promise<T>): Promise<T> {
    const cached = cachedStudy(name);
    const study = cached ? await cached.study.catch(() => null) : null;
    if (!cached || !study) return use((await openStudy(name)).study);
    try {
      return await use(study);
    } catch (error) {
      const record = await storage.getStudy(name).catch(() => undefined);
      if (record === undefined || (record && record.id === cached.id)) throw error;
      if (studies.get(name) === cached) studies.delete(name);
      return use((await openStudy(name)).study);
    }
  }

  /**
   * Fails, and queues its values again (its retry count unchanged: it never ran), a trial whose ask answers with an error (its
   * parameters could not be stored: the database stayed locked, or its connection broke): its
   * client never learns its number, so nothing would tell it, and, never marked as beating, no
   * reaper would fail it. It stayed running for good, a budget of queued trials one short.
   * Best effort: storage that is still unreachable leaves it as it was.
   */
  async function abandonUnansweredTrial(study: Study, trial: Trial, error: unknown): Promise<void> {
    try {
      await study.failUnansweredAsk(trial, `its ask was answered with an error before its client got it: ${(error as Error).message}`);
    } catch {
      // The error the client gets is the first one.
    }
  }

  /**
   * The answer to an error the study's sampler threw (or a value outside the distribution that it
   * proposed) while a trial was asked or suggested, once the study has stored that trial as failed:
   * 500, as for any fault on the server's side, with the code `sampler_failed` that tells the client
   * the trial is failed already, so it neither tells it again nor takes the 409 of that tell for a
   * trial finished elsewhere. Logged with its stack, for whoever runs the server. Null for any other
   * error, and for those with an answer of their own (a grid that does not fit, a queued value out
   * of range).
   */
  function samplerFailure(study: Study, error: unknown): HttpError | null {
    if (httpErrorOf(error) !== null) return null;
    const failed = study.trialFailedBy(error);
    if (!failed) return null;
    const reason = String(failed.systemAttrs.failReason);
    logError(`sextant serve: the sampler of study "${study.name}" failed on trial ${failed.number}: ${error instanceof Error && error.stack ? error.stack : reason}`);
    return new HttpError(500, `the study's sampler failed (${reason}); the server has failed trial ${failed.number} with this reason, so go on with the next trial`, undefined, "sampler_failed");
  }

  /**
   * Changes a running trial and answers once the change is stored, so any server reading it next
   * sees it. A change that throws is answered once what it did is stored too: a suggest the study
   * cannot serve (a queued value outside the range, a grid that does not fit) has failed the trial,
   * and a client that reads or tells it after the error must find it failed, not still running.
   * A change whose write finds a parameter stored by another server since this one read the trial
   * is made once more on the trial as stored (see {@link writeTrialOnce}).
   */
  async function writeTrial<T>(params: { study: string; number: string }, query: { trialId?: string }, change: (trial: Trial, study: Study) => T): Promise<T> {
    return withStudy(params.study, async (study) => {
      try {
        return await writeTrialOnce(study, params, query, change);
      } catch (error) {
        // Another server stored the parameter between this one's read of the trial and its write (two
        // clients, or one retrying through another server, suggesting the same name at once): this
        // server's draw was refused. Resumed, the trial is read as stored, so the same name and
        // distribution answer the stored value, as on any later request, and another distribution
        // is the conflict it is. It answered 409 "already set to …" with the very value to give, and
        // its reads of the trial showed the refused draw.
        if (!(error instanceof ParamConflictError)) throw error;
        return writeTrialOnce(study, params, query, change);
      }
    });
  }

  async function writeTrialOnce<T>(study: Study, params: { number: string }, query: { trialId?: string }, change: (trial: Trial, study: Study) => T): Promise<T> {
    // Other servers on the same database may have written the trial since this one held it.
    const trial = await resumeAskedTrial(study, params.number, query);
    let answer: T;
    try {
      answer = change(trial, study);
    } catch (error) {
      // The error the client gets is the change's; a write that fails here fails again at its tell.
      await study.flushTrial(trial).catch(() => undefined);
      throw samplerFailure(study, error) ?? error;
    }
    await study.flushTrial(trial);
    return answer;
  }

  const routes = [
    route({
      method: "get",
      path: "/health",
      summary: "Whether the server is up, and its version",
      status: 200,
      response: api.HealthResponse,
      // The grace, so a client can refuse a heartbeat interval that would get its live trials reaped.
      handle: async () => ({ status: "ok", version, heartbeatGraceSeconds: graceSeconds }),
    }),
    route({
      method: "get",
      path: "/studies",
      summary: "List studies with their trial counts by state and best value",
      query: StudyListQuery,
      status: 200,
      response: api.StudyListResponse,
      handle: async ({ query }) => {
        const search = query.search?.toLowerCase();
        // Online tuners share the studies' names but are no studies: they are read at /online/{tuner}.
        const all = await storage.listStudies();
        frontSizes.keepOnly(new Set(all.map((s) => s.id)));
        const summaries = all.filter((s) => onlineTunerRefusal(s) === null && (search === undefined || s.name.toLowerCase().includes(search)));
        const studies = await Promise.all(
          summaries.map(async (s) => {
            const listed = studyJson(s, s);
            // Several objectives have no best value: the size of the Pareto front says what the study
            // found, as \`sextant studies\` prints it (the dashboard showed "—", as for no results).
            if (s.directions.length < 2 || s.trialCounts.complete === 0) return listed;
            try {
              return { ...listed, paretoFrontSize: await frontSizes.size(s) };
            } catch (error) {
              // Deleted by another client since the listing read it: the listing answered 500.
              if ((await storage.getStudy(s.name))?.id !== s.id) return null;
              throw error;
            }
          }),
        );
        return { studies: studies.filter((s) => s !== null) };
      },
    }),
    route({
      method: "post",
      path: "/studies",
      summary: "Create a study (with loadIfExists: or answer the existing one)",
      body: api.CreateStudyBody,
      exactNumbersIn: ["userAttrs"],
      status: 201,
      alsoAnswers: { 200: "the study existed and loadIfExists was set: answered as stored (its settings kept, each one the request gives otherwise named in `warnings`), nothing created" },
      response: api.CreateStudyResponse,
      handle: async ({ body }) => {
        if (body.direction !== undefined && body.directions !== undefined) {
          throw new HttpError(400, "body.directions: give either direction or directions, not both", "body.directions");
        }
        const directions = body.directions ?? [body.direction ?? "minimize"];
        const userAttrs = attrFromJson(body.userAttrs ?? {}, "body.userAttrs") as Record<string, JsonValue>;
        const space = body.space ? validateSpace(body.space as Record<string, Distribution>, "body.space", logNarrowed(body.name)) : undefined;
        const samplerSpec: NamedSpec = { name: body.sampler?.name ?? "auto", options: optionsWithJsonText(body.sampler?.options ?? {}) };
        const prunerSpec: NamedSpec = { name: body.pruner?.name ?? "none", options: optionsWithJsonText(body.pruner?.options ?? {}) };
        const warmStartFrom = [...new Set(body.warmStartFrom ?? [])];
        let sampler: Sampler;
        try {
          checkJsonSpec("sampler", samplerSpec, samplerEntries());
          // Built as the study will be rebuilt (openStudy), to tell whether it learns from the sources.
          sampler = buildSampler(warmStartFrom.length > 0 ? withWarmStartOn(samplerSpec) : samplerSpec, space);
        } catch (error) {
          throw new HttpError(400, `body.sampler: ${(error as Error).message}`, "body.sampler");
        }
        let pruner: Pruner;
        try {
          checkJsonSpec("pruner", prunerSpec, prunerEntries());
          pruner = createPrunerByName(...specArgs(prunerSpec));
        } catch (error) {
          throw new HttpError(400, `body.pruner: ${(error as Error).message}`, "body.pruner");
        }
        // Refused now rather than as a failed first trial or a 500 on the study's first report.
        const objectives = singleObjectiveProblem(directions.length, sampler, pruner);
        if (objectives) throw new HttpError(400, `body.${objectives.component}: ${objectives.message}`, `body.${objectives.component}`);
        await checkWarmStartSources(warmStartFrom, body.name, sampler, directions.length);
        const existing = async (): Promise<StudyRecord | null> => {
          const record = await storage.getStudy(body.name);
          const tuner = record ? onlineTunerRefusal(record) : null;
          if (tuner) throw new HttpError(409, tuner, "body.name");
          if (record && !body.loadIfExists) throw new DuplicateStudyError(body.name);
          // Without a direction given, a study found keeps its own, as createStudy loads one: read
          // as "minimize", a study of several objectives could not be joined by its name alone.
          const directionsGiven = body.direction !== undefined || body.directions !== undefined;
          if (record && directionsGiven && record.directions.join() !== directions.join()) {
            throw new HttpError(409, `study "${body.name}" exists with directions [${record.directions.join(", ")}]`, "body.directions");
          }
          return record;
        };
        let record = await existing();
        let created = false;
        if (!record) {
          try {
            record = await storage.createStudy(body.name, directions, {
              userAttrs,
              systemAttrs: {
                sampler: sampler.name,
                [SAMPLER_ATTR]: samplerSpec,
                [PRUNER_ATTR]: prunerSpec,
                ...(space ? { [SPACE_ATTR]: space as unknown as JsonValue } : {}),
                ...(warmStartFrom.length > 0 ? { [WARM_START_ATTR]: warmStartFrom } : {}),
              },
            });
            created = true;
          } catch (error) {
            // Another client may have created it between our read and our write.
            if (!(error instanceof DuplicateStudyError)) throw error;
            record = await existing();
            if (!record) throw error;
          }
        }
        const { study } = await openStudy(record.name);
        const given: GivenSettings = {
          ...(body.sampler !== undefined ? { sampler: samplerSpec } : {}),
          ...(body.pruner !== undefined ? { pruner: prunerSpec } : {}),
          ...(space !== undefined ? { space } : {}),
          ...(body.warmStartFrom !== undefined ? { warmStartFrom } : {}),
          ...(body.userAttrs !== undefined ? { userAttrs } : {}),
        };
        const warnings = created ? [] : settingsKeptOver(record, given);
        return new Answer(created ? 201 : 200, { study: studyJson(record, summarizeStudy(record, study.trials.filter((t) => t.id >= 0))), warnings });
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}",
      summary: "One study's summary and its best trial",
      params: api.StudyPath,
      status: 200,
      response: api.StudyDetailResponse,
      handle: async ({ params }) => {
        const record = await studyRecord(params.study);
        // The figures the dashboard's summary keeps change by change (the same as Study.bestTrial,
        // Study.recommendation and the listing give): from the study's trials, each request scanned
        // all of them five times, 0.16 s at 200,000 trials for every best_value a client asked.
        const index = await pageIndexes.get(record);
        const figures = index.summary.figures();
        const summary = studyJson(record, { trialCounts: figures.counts, bestValue: figures.bestValue });
        // As GET /studies lists it: a study of several objectives has no bestValue to show.
        const front = record.directions.length > 1 && figures.counts.complete > 0 ? { paretoFrontSize: await frontSizes.size(record) } : {};
        return {
          study: { ...summary, ...front },
          bestTrial: figures.best ? trialJson(figures.best) : null,
          recommendedTrial: recommendationJson(figures.recommendation),
          // Workers on the study reap by its stored grace, which may be shorter than this server's.
          heartbeatGraceSeconds: clientGraceSeconds(record.systemAttrs),
        };
      },
    }),
    route({
      method: "delete",
      path: "/studies/{study}",
      summary: "Delete a study and its trials",
      params: api.StudyPath,
      status: 200,
      response: api.DeletedResponse,
      handle: async ({ params }) => {
        // A tuner's name here used to delete it with what it had learned; tuners are no studies.
        const record = await storage.getStudy(params.study);
        if (record) refuseTuner(record);
        studies.delete(params.study);
        if (!(await storage.deleteStudy(params.study))) throw new HttpError(404, `no study named "${params.study}"`, "path.study");
        return { deleted: true };
      },
    }),
    route({
      method: "post",
      path: "/studies/{study}/trials",
      summary: "Ask for a trial: the server samples the given space, or nothing yet for define-by-run",
      params: api.StudyPath,
      body: api.AskBody,
      bodyMayBeEmpty: true,
      status: 201,
      response: api.TrialResponse,
      handle: async ({ params, body }) => {
        const space = body.space ? validateSpace(body.space as Record<string, Distribution>, "body.space", logNarrowed(params.study)) : {};
        return withStudy(params.study, async (study) => {
          // A population's trials are its segments, each continuing from a checkpoint on the
          // workers' disks: they run under sextant worker (or the library's optimize), not here.
          const population = study.systemAttrs[SCHEDULER_ATTR] as { name?: unknown } | undefined;
          if (population !== undefined) {
            throw new HttpError(
              409,
              `study "${study.name}" trains a ${typeof population?.name === "string" ? population.name : "population-based"} population; its segments run under "sextant worker --study ${study.name}", not through this API`,
              "path.study",
            );
          }
          refuseUnrebuiltSampler(study);
          if (body.heartbeatIntervalSeconds !== undefined) {
            // A client that said it never beats would have its trial reaped for its silence.
            if (body.heartbeat === false) {
              throw new HttpError(
                400,
                `body.heartbeatIntervalSeconds: ${body.heartbeatIntervalSeconds} says this client beats for the trial, and "heartbeat": false that it does not; leave one of them out`,
                "body.heartbeatIntervalSeconds",
              );
            }
            // Checked on the record the ask uses: one read while sextant create was making the study
            // has no grace yet, and the ask reads it again once made (409 while it is not).
            await study.readRecordIfHalfMade();
            refuseSlowClientBeats(study, body.heartbeatIntervalSeconds);
          }
          await reapSilentTrials(study);
          const askStarted = Date.now();
          let trial;
          try {
            trial = await study.ask(space);
          } catch (error) {
            // The ask failed that trial with the reason; the field is the space's, not a suggest's distribution.
            if (error instanceof FixedParamOutOfRangeError) {
              throw new HttpError(409, error.message, `body.space.${error.paramName}`, "fixed_param_out_of_range");
            }
            if (error instanceof GridMismatchError) throw new HttpError(409, error.message, `body.space.${error.paramName}`, gridMismatchCode(error));
            throw samplerFailure(study, error) ?? error;
          }
          // Marked in the same write as the asked parameters: a client killed before its first
          // beat (the Python client's comes after 5 s) would otherwise leave the trial running forever.
          const clientBeats = body.heartbeat === true || body.heartbeatIntervalSeconds !== undefined;
          if (clientBeats) markClientBeats(study, trial, body.heartbeatIntervalSeconds);
          try {
            await study.flushTrial(trial);
          } catch (error) {
            await abandonUnansweredTrial(study, trial, error);
            throw error;
          }
          if (clientBeats) await beatForAnsweredAsk(study, trial, Date.now() - askStarted);
          // The stored record, so that `seq` and the attributes are what later reads will show:
          // the study keeps what its last write of the trial returned.
          const known = study.trials[trial.number];
          const stored = known?.id === trial.id ? known : await storage.getTrial(trial.id);
          return { trial: trialJson(stored ?? { ...trial.toFrozen(), state: "running" }) };
        });
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/trials",
      summary: "Trials changed after `since`, oldest change first, at most `limit` of them",
      params: api.StudyPath,
      query: api.TrialsQuery,
      status: 200,
      response: api.TrialPageResponse,
      handle: async ({ params, query }) => {
        const record = await studyRecord(params.study);
        const limit = query.limit !== undefined ? Number(query.limit) : 100;
        const since = query.since !== undefined ? Number(query.since) : 0;
        // The study's trials are held in memory and read incrementally: reading every later trial
        // from storage for each page made paging through n trials O(n²) (a client took 118 s for 50,000).
        const index = await pageIndexes.get(record);
        // Each change stamps its trial with a fresh seq, so ordering by seq gives a cursor that never skips one.
        const bySeq = index.remember("trials by seq", () => index.trials.filter((t): t is FrozenTrial => t !== undefined).sort((a, b) => a.seq - b.seq));
        let first = 0;
        for (let high = bySeq.length; first < high; ) {
          const middle = (first + high) >> 1;
          if (bySeq[middle]!.seq <= since) first = middle + 1;
          else high = middle;
        }
        const page = bySeq.slice(first, first + limit);
        const more = first + limit < bySeq.length;
        return { trials: page.map(trialJson), seq: more ? page[page.length - 1]!.seq : index.seq, more, studyId: record.id };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/trials/{number}",
      summary: "One trial by number",
      params: api.TrialPath,
      status: 200,
      response: api.TrialResponse,
      handle: async ({ params }) => {
        return withStudy(params.study, async (study) => {
          await study.refresh();
          const trial = study.trials[Number(params.number)];
          if (!trial || trial.id < 0) throw new TrialNumberNotFoundError(study.name, Number(params.number));
          return { trial: trialJson(trial) };
        });
      },
    }),
    route({
      method: "post",
      path: "/studies/{study}/trials/{number}/suggest",
      summary: "Suggest one parameter of a running trial (define-by-run); the same name and distribution give the same value",
      params: api.TrialPath,
      query: api.TrialQuery,
      body: api.SuggestBody,
      status: 200,
      response: api.SuggestResponse,
      handle: async ({ params, query, body }) => {
        const distribution = validateSpace({ [body.name]: body.distribution as Distribution }, "body.distribution", logNarrowed(params.study), false)[body.name]!;
        return writeTrial(params, query, (trial, study) => {
          refuseUnrebuiltSampler(study);
          return { value: trial.suggest(body.name, distribution) };
        });
      },
    }),
    route({
      method: "post",
      path: "/studies/{study}/trials/{number}/report",
      summary:
        "Report an intermediate value; the answer says whether the pruner would stop the trial, and whether the value was ignored because the step already had another (a step keeps its first value)",
      params: api.TrialPath,
      query: api.TrialQuery,
      body: api.ReportBody,
      status: 200,
      response: api.ReportResponse,
      handle: async ({ params, query, body }) => {
        return writeTrial(params, query, (trial) => {
          const recorded = trial.reportIntermediate(api.reportedNumber(body.value), body.step);
          return { shouldPrune: trial.shouldPrune(), ignored: !recorded };
        });
      },
    }),
    route({
      method: "post",
      path: "/studies/{study}/trials/{number}/user-attrs",
      summary: "Attach a JSON value to a running trial under a key (Optuna's trial.set_user_attr)",
      params: api.TrialPath,
      query: api.TrialQuery,
      body: api.UserAttrBody,
      exactNumbersIn: ["value"],
      status: 200,
      response: api.UserAttrsResponse,
      handle: async ({ params, query, body }) => {
        const value = attrFromJson(body.value, "body.value");
        return writeTrial(params, query, (trial) => {
          trial.setUserAttr(body.key, value);
          return { userAttrs: attrsJson(trial.userAttrs) };
        });
      },
    }),
    route({
      method: "post",
      path: "/studies/{study}/trials/{number}/heartbeat",
      summary: "Say that the client running this trial is alive; send one every few seconds while the objective runs",
      params: api.TrialPath,
      query: api.TrialQuery,
      status: 200,
      response: api.HeartbeatResponse,
      handle: async ({ params, query }) => {
        // Checked against the stored record, since a beat for a deleted study's trial fails nowhere else.
        const { study } = await openStudy(params.study);
        const trial = await resumeAskedTrial(study, params.number, query);
        await storage.recordHeartbeat([trial.id]);
        if (trial.systemAttrs[CLIENT_BEATS_ATTR] !== true) {
          markClientBeats(study, trial);
          await study.flushTrial(trial);
        }
        return { recorded: true };
      },
    }),
    route({
      method: "post",
      path: "/studies/{study}/trials/{number}/tell",
      summary: "Finish a running trial: complete with its values, pruned, or failed with a reason",
      params: api.TrialPath,
      query: api.TrialQuery,
      body: api.TellBody,
      status: 200,
      response: api.TrialResponse,
      handle: async ({ params, query, body }) => {
        // A trial finished elsewhere (told through another server, or reaped for lack of
        // heartbeats) is no longer this client's to tell: read what changed before resuming it.
        return withStudy(params.study, async (study) => {
          const trial = await resumeAskedTrial(study, params.number, query);
          // A pruned trial's values (its last reported ones, if given) count as the study's too.
          if (body.state !== "failed" && body.values != null && body.values.length !== study.directions.length) {
            throw new HttpError(400, `body.values: the study has ${study.directions.length} objective(s), got ${body.values.length} value(s)`, "body.values");
          }
          // The library fails a complete trial whose constraints do not match the study's count;
          // over HTTP that is a malformed request, answered before the trial is lost.
          // Asked of the study (which reads its record while it knows no count) when constraints are
          // told: one stored by another process since this server cached the study was missed, and
          // the trial failed (200) where a wrong count is a 400 that leaves it running.
          // null is none, as the library's tell and the command protocol take it.
          // A pruned trial may leave them out (it has no result to judge), but not tell a wrong count.
          const told = body.state !== "failed" ? (body.constraints ?? undefined) : undefined;
          const constraintCount = told !== undefined ? await study.constraintCount() : study.systemAttrs.constraintCount;
          if (typeof constraintCount === "number" && (body.state === "complete" || told !== undefined) && told?.length !== constraintCount) {
            const got = told === undefined ? "none" : `${told.length}`;
            throw new HttpError(400, `body.constraints: the study's trials have ${constraintCount} constraint value(s), got ${got}`, "body.constraints");
          }
          if (trial.finished) throw new HttpError(409, `trial ${trial.number} has already been told`, "path.number");
          let result: TellResult;
          if (body.state === "complete") {
            result = told ? { state: "complete", values: body.values, constraints: told } : { state: "complete", values: body.values };
          }
          else if (body.state === "pruned") result = body.values ? { state: "pruned", values: body.values.map(api.numberOf) } : { state: "pruned" };
          else result = body.reason !== undefined ? { state: "failed", reason: body.reason } : { state: "failed" };
          // Told meanwhile through another server (or reaped): 409, not a 200 for a dropped result.
          const options = body.state === "pruned" && told !== undefined ? { constraints: told } : {};
          return { trial: trialJson(await study.tell(trial, result, { ...options, finishedElsewhere: "throw" })) };
        });
      },
    }),
    ...dashboardRoutes({ storage, studyJson, trialJson, recommendationJson, indexes: pageIndexes }),
  ];

  // Each tuner's calls run one at a time in this server: a choose and an observe must not
  // interleave. A create needs no queue: the library tells whether it made the tuner, also when
  // another server (or a request beside it) creates the same name at the same moment.
  const tunerQueues = new Map<string, Promise<unknown>>();
  function inTunerQueue<T>(name: string, run: () => Promise<T>): Promise<T> {
    const previous = tunerQueues.get(name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(run);
    tunerQueues.set(name, next);
    void next.finally(() => {
      if (tunerQueues.get(name) === next) tunerQueues.delete(name);
    }).catch(() => undefined);
    return next;
  }
  function withTuner<T>(name: string, use: (tuner: Awaited<ReturnType<typeof loadOnlineTuner>>) => Promise<T>): Promise<T> {
    return inTunerQueue(name, async () => use(await loadOnlineTuner({ name, storage })));
  }

  routes.push(
    route({
      method: "post",
      path: "/online",
      summary: "Create an online tuner (or answer the existing one with the same settings)",
      body: api.CreateTunerBody,
      status: 201,
      alsoAnswers: { 200: "a tuner with this name and the same settings existed: answered as stored, nothing created" },
      response: api.TunerResponse,
      handle: async ({ body }) => {
        const tuner = await createOnlineTuner({ ...body, storage }).catch((error: unknown) => {
          // A create whose name a study holds: no settings differ, so a code of its own, which
          // clients tell from online_settings_conflict. (Other routes meet it at path.tuner.)
          if (error instanceof OnlineTunerNameTakenError) {
            throw new HttpError(409, error.message, "body.name", "online_name_taken");
          }
          throw error;
        });
        return new Answer(tuner.created ? 201 : 200, { tuner: tuner.stats() });
      },
    }),
    route({
      method: "get",
      path: "/online/{tuner}",
      summary: "An online tuner's settings, rounds and current play distribution",
      params: api.TunerPath,
      status: 200,
      response: api.TunerResponse,
      handle: async ({ params }) => withTuner(params.tuner, async (tuner) => ({ tuner: tuner.stats() })),
    }),
    route({
      method: "post",
      path: "/online/{tuner}/choose",
      summary: "The value to use for the next instance (the same value again until its cost is observed)",
      params: api.TunerPath,
      body: api.ChooseBody,
      bodyMayBeEmpty: true,
      status: 200,
      response: api.ChooseResponse,
      handle: async ({ params, body }) =>
        withTuner(params.tuner, async (tuner) => ({ value: await tuner.choose(body.context), round: tuner.rounds })),
    }),
    route({
      method: "post",
      path: "/online/{tuner}/observe",
      summary: "Report the cost of the instance solved with the chosen value",
      params: api.TunerPath,
      body: api.ObserveBody,
      status: 200,
      response: api.ObserveResponse,
      handle: async ({ params, body }) =>
        withTuner(params.tuner, async (tuner) => {
          const { clipped } = await tuner.observe(api.numberOf(body.cost), body.round === undefined ? {} : { round: body.round });
          return { rounds: tuner.rounds, clipped };
        }),
    }),
  );

  let document: Record<string, unknown> | null = null;
  const openApiRoute: (typeof routes)[number] = route({
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    status: 200,
    response: api.OpenApiResponse,
    handle: async (): Promise<unknown> => (document ??= openApiDocument([...routes, openApiRoute], API_PREFIX, version, api.ErrorResponse)),
  });
  routes.push(openApiRoute);
  // Listed from the route table itself, which also writes the OpenAPI document and serves the routes.
  const indexRoute: (typeof routes)[number] = route({
    method: "get",
    path: "",
    summary: "This API's version, the server's version and every route, for a person exploring it",
    status: 200,
    response: api.ApiIndexResponse,
    handle: async () => ({
      apiVersion: API_VERSION,
      version,
      openapi: `${API_PREFIX}${openApiRoute.path}`,
      endpoints: routes.map((spec) => ({ method: spec.method.toUpperCase(), path: `${API_PREFIX}${spec.path}` })),
    }),
  });
  routes.push(indexRoute);

  // A path with a trailing slash is the route without it (`GET /api/v1/` is the index): Hono routes
  // on the path with one final slash cut, and `c.req.path` is that path.
  const app = new Hono({ strict: false });
  const errorAnswer = (c: Context, error: HttpError) =>
    c.json({ error: { status: error.status, message: error.message, ...(error.field ? { field: error.field } : {}), ...(error.code ? { code: error.code } : {}) } }, error.status);

  if (origins.length > 0) {
    app.use(`${API_PREFIX}/*`, cors({ origin: origins.includes("*") ? "*" : origins, allowHeaders: ["Authorization", "Content-Type"] }));
  }
  if (options.localOnly === true) {
    app.use("*", async (c, next) => {
      const problem = crossSiteProblem(c.req.method, c.req.header("host"), c.req.header("origin"), origins);
      if (problem !== null) return errorAnswer(c, new HttpError(403, problem.message, problem.field));
      await next();
    });
  }
  if (options.dashboard !== false) mountDashboard(app, options.dashboard instanceof Map ? options.dashboard : loadDashboardAssets());
  if (options.token !== undefined) {
    const expected = options.token;
    // The dashboard's files are code anyone may fetch; every piece of data sits under the API prefix.
    // GET /health says only that the server is up, its version and its heartbeat grace: a load
    // balancer's or Kubernetes' probe asks it without the token, which got 401 and marked it down.
    app.use(`${API_PREFIX}/*`, async (c, next) => {
      if (c.req.path === `${API_PREFIX}${TOKEN_FREE_PATH}` && (c.req.method === "GET" || c.req.method === "HEAD")) return next();
      const header = c.req.header("authorization") ?? "";
      // The scheme name is case-insensitive (RFC 7235): "bearer" and "BEARER" are "Bearer".
      const scheme = /^bearer +/i.exec(header);
      const given = scheme ? header.slice(scheme[0].length) : "";
      if (!tokensMatch(given, expected)) {
        c.header("WWW-Authenticate", 'Bearer realm="sextant"');
        return errorAnswer(c, new HttpError(401, "missing or wrong token (send Authorization: Bearer <token>)", "header.authorization"));
      }
      await next();
    });
  }
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const limitStreamedBody = bodyLimit({
    maxSize: limit,
    onError: async (c) => {
      // A client still sending when the answer comes sees a reset, not the 413: read (and drop) a bounded rest first.
      await discardBody(c.req.raw, limit * 16);
      return errorAnswer(c, new HttpError(413, `the request body is larger than ${limit} bytes`, "body"));
    },
  });
  app.use("*", async (c, next) => {
    // Hono's bodyLimit touches `c.req.raw.body`, which makes the Node adapter wrap every request in
    // a web stream (the largest single cost of a request in profiles). A body whose length is
    // declared up front is bounded by that length, which Node's HTTP parser enforces, so a
    // small one goes straight on and is later read from the socket without the stream.
    if (c.req.header("transfer-encoding") === undefined && fitsDeclaredLength(c.req.header("content-length"), limit)) return next();
    return limitStreamedBody(c, next);
  });

  for (const spec of routes) {
    const honoPath = `${API_PREFIX}${spec.path.replace(/\{(\w+)\}/g, ":$1")}`;
    app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      const params = spec.params ? parseOrThrow(spec.params, c.req.param(), "path") : undefined;
      // `..`, `.` and lone surrogates cannot travel in a path as they are: see study-path.ts.
      const path = params as { study?: unknown } | undefined;
      if (typeof path?.study === "string") path.study = await storedStudyName(storage, path.study);
      const queries = c.req.queries();
      for (const [key, values] of Object.entries(queries)) {
        if (values.length > 1) throw new HttpError(400, `query.${key}: given ${values.length} times`, `query.${key}`);
      }
      const query = spec.query
        ? parseOrThrow(spec.query, c.req.query(), "query")
        : Object.keys(queries).length > 0
          ? (() => {
              const key = Object.keys(queries)[0]!;
              throw new HttpError(400, `query.${key}: unknown field "${key}"`, `query.${key}`);
            })()
          : undefined;
      let body: unknown;
      if (spec.body) body = parseOrThrow(spec.body, await readJsonBody(c, spec.bodyMayBeEmpty ?? false, spec.exactNumbersIn ?? []), "body");
      else if (spec.method !== "get" && (await c.req.text()).trim() !== "") throw new HttpError(400, "body: this route takes no body", "body");
      const answer = await spec.handle({ params, query, body } as never);
      if (!(answer instanceof Answer)) return c.json(answer as object, spec.status as 200);
      // The OpenAPI document lists only declared statuses: answering another is a bug here.
      if (answer.status !== spec.status && !(answer.status in (spec.alsoAnswers ?? {}))) {
        throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered ${answer.status}, which it does not declare`);
      }
      return c.json(answer.body as object, answer.status as 200);
    });
  }

  // A path that a route serves, asked with another method, is a 405 naming the methods it takes.
  const routePatterns = routes.map((spec) => ({
    method: spec.method.toUpperCase(),
    pattern: new RegExp(`^${API_PREFIX}${spec.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]+")}$`),
  }));
  // Each GET route answers HEAD too (Hono runs its GET handler), and every route's path OPTIONS.
  app.notFound((c) => {
    const { pathname } = new URL(c.req.url);
    // Matched as the routes were, on the path without its trailing slash.
    const declared = new Set(routePatterns.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method));
    if (declared.size === 0) return errorAnswer(c, new HttpError(404, `no route ${c.req.method} ${pathname}`));
    const allowed = [...declared].flatMap((method) => (method === "GET" ? ["GET", "HEAD"] : [method]));
    allowed.push("OPTIONS");
    c.header("Allow", allowed.join(", "));
    // Without CORS (whose middleware answers a preflight before this), OPTIONS asks which methods a path takes.
    if (c.req.method === "OPTIONS") return c.body(null, 204);
    return errorAnswer(c, new HttpError(405, `${pathname} takes ${allowed.join(", ")}, not ${c.req.method}`));
  });
  app.onError((error, c) => {
    const known = httpErrorOf(error);
    if (known?.code === "storage_error") logError(`sextant serve: storage error on ${c.req.method} ${new URL(c.req.url).pathname}: ${known.message}`);
    if (known) return errorAnswer(c, known);
    // The client went away while its body was arriving: nobody waits for an answer, and it is no
    // bug of the server (a slow or cut-off client left a stack trace per request in the log).
    if (clientAborted(error, c.req.raw)) return errorAnswer(c, new HttpError(400, "the client closed the connection before its request arrived", "body"));
    logError(`sextant serve: internal error on ${c.req.method} ${new URL(c.req.url).pathname}: ${error.stack ?? String(error)}`);
    return errorAnswer(c, new HttpError(500, "internal error (logged by the server)"));
  });
  return app;
}

function specArgs(spec: NamedSpec): [string, NamedSpec["options"]] {
  return [spec.name, spec.options];
}

/** Whether `error` is Node's report that the request was cut off by its client. */
function clientAborted(error: Error, request: Request): boolean {
  const code = (error as { code?: unknown }).code;
  return request.signal.aborted || (error.message === "aborted" && (code === undefined || code === "ECONNRESET")) || code === "ECONNRESET";
}

/** Whether a Content-Length header is present, well formed and at most `limit`. */
function fitsDeclaredLength(header: string | undefined, limit: number): boolean {
  return header !== undefined && /^\d{1,15}$/.test(header) && Number(header) <= limit;
}

async function discardBody(request: Request, maxBytes: number): Promise<void> {
  const body = request.body;
  if (!body || body.locked) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > maxBytes) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client gave up; there is nobody left to answer.
  }
}

/**
 * What JSON.parse hides in `text` (JSON that it took): the path of the first name given twice in
 * one object (it keeps the last one silently: `{"direction": "minimize", "direction": "maximize"}`
 * made a maximizing study), and the paths of the numbers it cannot keep as written: an integer
 * past 2^53 that it rounds (12345678901234567890 read as 12345678901234567000), a literal past the
 * largest double that it makes infinite. An integer written as a double's shortest or exact digits
 * (JSON.stringify(1e20), C's "%.0f") is kept. One pass with a stack of the containers open, none per
 * nesting level of the call stack.
 */
function hiddenByJsonParse(text: string): { repeated: string[] | null; changedNumbers: string[][] } {
  // `names` is null for an array; `at` is the name or index being read in each container.
  const open: { names: Set<string> | null; at: string }[] = [];
  const changedNumbers: string[][] = [];
  let nameNext = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = open[open.length - 1];
      if (nameNext && top?.names) {
        const raw = text.slice(i + 1, end);
        // Escaped, "a" and "\u0061" are the same name.
        const name = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.names.has(name)) return { repeated: [...open.slice(0, -1).map((container) => container.at), name], changedNumbers };
        top.names.add(name);
        top.at = name;
        nameNext = false;
      }
      i = end;
    } else if (ch === "-" || (ch >= "0" && ch <= "9")) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(text[end]!)) end++;
      const literal = text.slice(i, end);
      if (!numberKept(literal)) changedNumbers.push(open.map((container) => container.at));
      i = end - 1;
    } else if (ch === "{") {
      open.push({ names: new Set(), at: "" });
      nameNext = true;
    } else if (ch === "[") {
      open.push({ names: null, at: "0" });
    } else if (ch === "}" || ch === "]") {
      open.pop();
    } else if (ch === ",") {
      const top = open[open.length - 1]!;
      if (top.names) nameNext = true;
      else top.at = String(Number(top.at) + 1);
    }
  }
  return { repeated: null, changedNumbers };
}

/** Whether JSON.parse keeps the number `literal` (valid JSON) as written: finite, and an integer one exactly or as a double's digits. */
function numberKept(literal: string): boolean {
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  if (!/^-?\d+$/.test(literal) || Number.isSafeInteger(value)) return true;
  return String(value) === literal || BigInt(literal) === BigInt(value);
}

/** Decodes strictly: JSON is UTF-8 (RFC 8259), and a lenient decoder would store U+FFFD in place of each bad byte. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

async function readJsonBody(c: Context, mayBeEmpty: boolean, exactNumbersIn: readonly string[]): Promise<unknown> {
  const bytes = await c.req.arrayBuffer();
  let text: string | null;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = null;
  }
  if (text !== null && text.trim() === "") {
    if (mayBeEmpty) return {};
    throw new HttpError(400, "body: a JSON object is required", "body");
  }
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, `body: send JSON with Content-Type: application/json (got ${type ? JSON.stringify(type) : "none"})`, "header.content-type");
  }
  // The body is read as sent: a compressed one (a client that gzips its requests) was "not valid UTF-8".
  const encoding = (c.req.header("content-encoding") ?? "").trim();
  if (encoding !== "" && encoding.toLowerCase() !== "identity") {
    throw new HttpError(415, `body: send JSON uncompressed; this server reads no Content-Encoding (got ${JSON.stringify(encoding)})`, "header.content-encoding");
  }
  if (text === null) throw new HttpError(400, "body: not valid UTF-8 (JSON is sent as UTF-8)", "body");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `body: not valid JSON (${(error as Error).message})`, "body");
  }
  const { repeated, changedNumbers } = hiddenByJsonParse(text);
  if (repeated !== null) {
    const field = ["body", ...repeated].join(".");
    throw new HttpError(400, `${field}: given more than once (JSON.parse would keep only the last)`, field);
  }
  const changed = changedNumbers.find((path) => exactNumbersIn.includes(path[0]!));
  if (changed !== undefined) {
    const field = ["body", ...changed].join(".");
    throw new HttpError(
      400,
      `${field}: a number JSON cannot hold as written (an integer beyond ±(2^53 − 1) would be rounded, one beyond the largest double made infinite); send it as a string, or an infinity as {"$sextant:number": "Infinity"}`,
      field,
    );
  }
  return body;
}
