import { isDeepStrictEqual } from "node:util";
import type { Pruner } from "../pruners/index.js";
import { NopPruner, PrunerObjectivesError, createPrunerByName } from "../pruners/index.js";
import type { Sampler } from "../samplers/index.js";
import { GridMismatchError, RandomSampler, SamplerExhaustedError, type Recommendation, createSamplerByName, severalObjectiveSamplerNames } from "../samplers/index.js";
import { fitsSpace } from "../samplers/warm-start.js";
import { bestFeasibleTrial, leastViolatingTrial, recommendedTrial } from "./best.js";
import {
  MEMBER_ATTR,
  SAVED_CHECKPOINT_ATTR,
  SEGMENT_ATTR,
  SEGMENT_ATTR_PREFIX,
  UNDECIDED_ATTR,
  type MemberLineage,
  SCHEDULER_ATTR,
  describeSchedule,
  disposableCheckpoints,
  newestPerMember,
  type Scheduler,
  type SegmentPlace,
  type SegmentPlan,
  populationLineage,
  segmentAttrs,
  segmentPlace,
} from "../schedulers/index.js";
import {
  type ComponentSpec,
  type Direction,
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type OptionValue,
  type ParamValue,
  type SamplingTrial,
  type StudySnapshot,
  type WarmStartSource,
  InvalidDistributionError,
  MAX_CONSTRAINTS,
  MAX_OBJECTIVES,
  containsValue,
  distributionsEqual,
  isSingleValue,
  studyNameProblem,
  unknownKeysMessage,
  lastIntermediate,
  makeTrial,
  reservedParamName,
  validateDistribution,
} from "../space/index.js";
import { CONSTRAINTS_ATTR, feasibilityRule, feasibleParetoFront, isConstrainedStudy, readableConstraints, satisfiesStoredConstraints, toLosses } from "../analysis/index.js";
import { GrowingFront } from "../analysis/pareto.js";
import { DuplicateStudyError, type SegmentOrderKeys, type Storage, compareAndSetStudySystemAttr, type StudyRecord, StudyNotFoundError, type TrialChanges, TrialNotRunningError, type TrialPatch, heldInSegmentOrder, isMemoryUrl, missingSqliteFile, onlineTunerRefusal, openStorage } from "../storage/index.js";
import { CheckpointStore, defaultCheckpointRoot, formerCheckpointRoot, startingCheckpointGone } from "./checkpoints.js";
import { EventLoopTurns } from "./event-loop-turns.js";
import { IndependentSamplingWatch } from "./independent-sampling.js";
import { StopAfterCounts } from "./stop-after-counts.js";
import { DEFAULT_HEARTBEAT_GRACE_SECONDS, type HeartbeatOptions, HeartbeatThread, type HeartbeatTiming, OWNER_HEARTBEAT_ATTR, monotonicMs, ownerHeartbeatRecord, ownersGraceMs, resolveHeartbeat, silentTrials } from "./heartbeat.js";
import { FixedParamOutOfRangeError, INTERRUPTED_REASON, type NumberList, Trial, type TrialHost, TrialPruned, checkAttr, constraintsProblem, isTypedArray, shownValue } from "./trial.js";
import { currentWorker, judgeWorker } from "./worker-identity.js";

export type { NumberList };

/** What an objective may return: one number, or one per objective for multi-objective studies. */
export type ObjectiveResult = number | NumberList;

export type Objective = (trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;

/** Called after every trial that `optimize` runs finishes, in completion order. */
export type TrialCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/**
 * Computes a complete or pruned trial's constraint values; the trial is feasible when every value
 * is <= 0. It sees the trial as it will be stored, state and values included (Optuna's
 * `constraints_func`, which Optuna 3.1 evaluates for complete and pruned trials alike).
 */
export type ConstraintsFunction = (trial: FrozenTrial) => NumberList;

/**
 * How a trial ended, for {@link Study.tell}. A pruned trial told without values (left out,
 * undefined or null, as Optuna's `values=None`) keeps its last intermediate value when the study
 * has one objective and that value is not NaN (±Infinity is kept, as Optuna keeps it). Values told
 * with it are stored alike: numbers, ±Infinity included; NaN is refused (a TypeError, the trial
 * left running).
 */
export type TellResult =
  | ObjectiveResult
  | { state: "complete"; values: ObjectiveResult; constraints?: NumberList }
  | { state: "pruned"; values?: ObjectiveResult | null; constraints?: NumberList }
  | { state: "failed"; reason?: string };

export interface OptimizeOptions {
  /** How many trials this call runs (default: unbounded, until a timeout, `stopAfter` or `stop()`). */
  nTrials?: number;
  /**
   * Start no new trial after this many seconds (of `clock`), counted from when the loop is ready to
   * run trials: the set-up before (recovering abandoned trials, starting the heartbeat thread of a
   * shared storage) does not use it up, so a short timeout runs trials on SQLite as on `memory:`.
   */
  timeoutSeconds?: number;
  /**
   * Start no new trial after this instant of `clock` (milliseconds; with the default clock, a
   * `Date.now()` time), whatever the set-up took: for a deadline fixed beforehand, such as the one
   * `sextant create --timeout` stores for its workers. With `timeoutSeconds` too, the earlier binds.
   *
   * @example
   * await study.optimize(objective, { deadline: Date.parse("2030-01-01T06:00:00Z") });
   */
  deadline?: number;
  /**
   * The clock `timeoutSeconds` is counted on, in milliseconds (default `Date.now`). `sextant tune`
   * passes one that stands still while Ctrl-Z has the run paused, as its commands' time limits do.
   *
   * @example
   * await study.optimize(objective, { timeoutSeconds: 3600, clock: () => performance.now() - pausedMs });
   */
  clock?: () => number;
  /**
   * Trials run at the same time in this process. Unset, objective calls run one at a time; then,
   * when nothing in the loop reads other trials (a sampler and pruner without history, no stop
   * condition) and the storage groups commits (PostgreSQL), trials whose objective is quicker
   * than their write run ahead of it, up to 16 at once, so several writes go to the database
   * together. Callbacks still see each trial only once it is stored, but a callback that calls
   * `stop()` may then see trials that ran meanwhile still finish. Set 1 to run strictly one
   * trial after another.
   */
  concurrency?: number;
  /**
   * Run after each trial finishes. When neither the sampler nor the pruner uses history (random
   * search, no pruner), the study read in a callback holds this run's trials but the other
   * workers' only as of the last read; `await study.refresh()` brings it up to date.
   */
  callbacks?: TrialCallback[];
  /**
   * Stop once the whole study (this run and earlier ones) reaches any of these: a number of
   * finished trials, of complete trials, or a number of complete trials in a row with no improvement
   * (a feasible trial better than every earlier one; with several objectives, a feasible trial no
   * earlier one weakly dominates). Trials running in this or another process count toward the
   * first two, and a failed trial queued again counts once, through its retry; a lane held back
   * only by other processes' running trials waits for them (one whose worker died is retried).
   */
  stopAfter?: { totalTrials?: number; completeTrials?: number; trialsWithoutImprovement?: number };
  /**
   * Heartbeats for the trials this call runs, and the grace after which any worker fails and
   * retries a trial whose beats stopped. On by default for storage shared between processes
   * (every 5 s, 60 s grace: see {@link HeartbeatOptions}); meaningless and off for `memory:`.
   * `false` turns them off for this call: it reaps no trial, and its trials record
   * `systemAttrs.heartbeat: false`, so no other process's reaper fails them either (as for an HTTP
   * client that never beats). Nothing then recovers such a trial if this process dies on another
   * machine (on the same machine, the next process to start finds its pid gone): fail it by hand
   * and queue it again with {@link Study.failRunningTrial} (`sextant fail-trial STUDY NUMBER --requeue`). On a study made by `sextant create` or `tune`, a key left out
   * is the study's stored one, and a grace shorter than the study's or an interval over half of it
   * throws a RangeError, as `sextant worker` refuses them. Each trial records this heartbeat
   * (`systemAttrs.heartbeat`), and no reaper fails it sooner than its grace or twice its interval.
   */
  heartbeat?: HeartbeatOptions | false;
  /** How many times a trial reaped for lack of heartbeats is queued again (default 3). */
  maxRetries?: number;
  /**
   * Run only trials already queued in the study (`enqueueTrial`, retries, or the budget that
   * `sextant create` queues), never new ones; stop when none is queued and no other worker's trial
   * is still running (a running trial may yet come back as a retry). Always so on a study made
   * with `sextant create --trials N`: its budget is what it has queued.
   */
  onlyQueuedTrials?: boolean;
  /** Told about problems that do not stop the run, such as a heartbeat that could not be written (default: stderr). */
  onWarning?: (message: string) => void;
}

/** Default of {@link OptimizeOptions.maxRetries}. */
export const DEFAULT_MAX_RETRIES = 3;

/** How many times the trial's parameters were queued again before it (0 for a first run). Not part of the package's API. */
export function retryCountOf(trial: Pick<FrozenTrial, "systemAttrs">): number {
  return typeof trial.systemAttrs.retryCount === "number" ? trial.systemAttrs.retryCount : 0;
}

/**
 * Queues a failed trial of study `studyId` again, as {@link Study.queueRetry} and a copy of a study
 * whose trial was running do: its values (`fixedParams`), its population segment, its user
 * attributes, `retryOf` = its number and the given `retryCount`, under `onceKey` (the reapers'
 * `retry:N` by default). Null when another process queued that retry already. Not part of the
 * package's API.
 */
export function queueTrialAgain(
  storage: Storage,
  studyId: number,
  failed: Pick<FrozenTrial, "number" | "params" | "userAttrs" | "systemAttrs">,
  retryCount: number,
  onceKey = `retry:${failed.number}`,
): Promise<FrozenTrial | null> {
  // Keyed, so that workers resuming at once queue one retry of an interrupted segment between them.
  return storage.createTrialOnce(studyId, onceKey, {
    state: "waiting",
    userAttrs: { ...failed.userAttrs },
    systemAttrs: { ...requeuedValues(failed), retryOf: failed.number, retryCount },
  });
}

/** Whether {@link Study.queueRetry} queues a failed trial again: its chain of retries is below `maxRetries`. */
function hasRetriesLeft(trial: FrozenTrial, maxRetries: number): boolean {
  return retryCountOf(trial) < maxRetries;
}

/**
 * Set by the HTTP service on a trial whose client beats (its first heartbeat, or an ask with
 * `"heartbeat": true`). A trial the service started without it belongs to a client that never
 * beats, so its silence says nothing and no reaper fails it.
 */
export const CLIENT_BEATS_ATTR = "server:heartbeat";

/**
 * True on a trial the HTTP service starts, from the write that starts it until the write that stores
 * what its ask asked for, just before the client gets its number. Meanwhile the server process
 * beats for it from its heartbeat thread (at the study's interval, which the trial records in
 * {@link OWNER_HEARTBEAT_ATTR}), since its sampler may block the process for seconds. A trial that
 * still has it once silent past the grace was left by an ask that failed midway (a storage error, a
 * server that died): no client knows its number and none will beat for it, so the reapers fail it
 * as a silent one.
 */
export const ASK_PENDING_ATTR = "server:askPending";

/**
 * Where `createStudy` keeps the spec of its sampler and pruner (their registered name and the
 * options they were given, see `Sampler.spec`), beside their names (`sampler`, `pruner`), so that
 * `sextant serve` and `sextant report` rebuild them with the options the library ran: a median
 * pruner came back there with the default warm-up, and a threshold pruner or a grid sampler not
 * at all. A component without a spec (one of the user's own) keeps its name alone, as before.
 */
export const LIBRARY_SAMPLER_ATTR = "library:sampler";
/** See {@link LIBRARY_SAMPLER_ATTR}. */
export const LIBRARY_PRUNER_ATTR = "library:pruner";

/** How the fail reason of a trial reaped for want of heartbeats begins (by a worker or the HTTP service). */
export const REAPED_REASON_PREFIX = "no heartbeat for more than ";

/** The heartbeat threads of trials asked with ask(), by interval and storage URL, with how many study objects use each. */
const ASKED_TRIAL_BEATS = new Map<string, { thread: Promise<HeartbeatThread | null>; users: number }>();

/** Where the CLI keeps a study's settings for its workers (the CLI's CLI_CONFIG_KEY); the study reads its heartbeat there. */
const CLI_CONFIG_ATTR = "cli:config";

/** Stored by `sextant create` in the write that makes the study, and kept beside `cli:config` once that is written (the CLI's CLI_CREATING_KEY). */
const CLI_CREATING_ATTR = "cli:creating";

/** Where a population's segments keep what synchronous PBT's claims order them by (see {@link TrialClaim.segmentOrder}). */
const SEGMENT_ORDER: SegmentOrderKeys = { member: MEMBER_ATTR, segment: SEGMENT_ATTR, undecided: UNDECIDED_ATTR };
/** Claims a synchronous lane tries, each on a fresh read, before it waits as when nothing is queued. */
const SEGMENT_CLAIM_ATTEMPTS = 3;

/**
 * Stored by `copyStudy` and `importStudy` (`sextant copy`, `sextant import`) in the write that makes
 * the target study, with where the study comes from, and set to null once its last trial is
 * written: a copy killed midway (SIGKILL, power loss) leaves a study that says it is half-made.
 */
export const COPY_WRITING_ATTR = "copy:writing";

/**
 * Whether a study's system attributes are those of a study not finished being made: `sextant
 * create` is still queuing the trials of its budget, or stopped before it stored the study's
 * settings (`cli:config`, written last); or a copy or import is still writing its trials, or was
 * killed before its last ({@link COPY_WRITING_ATTR}). Its budget or history is not all there, so
 * no trial may be handed out: {@link Study.ask} and `optimize` refuse it with {@link HalfMadeStudyError}.
 *
 * @example
 * const record = await storage.getStudy("fleet");
 * if (record && isHalfMadeStudy(record.systemAttrs)) console.log("sextant create or copy is still making it");
 */
export function isHalfMadeStudy(systemAttrs: Readonly<Record<string, JsonValue>>): boolean {
  return isStudyBeingCopied(systemAttrs) || (systemAttrs[CLI_CREATING_ATTR] !== undefined && systemAttrs[CLI_CONFIG_ATTR] === undefined);
}

/**
 * Whether a copy or import is still writing the study, or was killed before its last trial (see
 * {@link COPY_WRITING_ATTR}).
 *
 * @example
 * if (isStudyBeingCopied(record.systemAttrs)) console.log("delete it and copy again, unless the copy still runs");
 */
export function isStudyBeingCopied(systemAttrs: Readonly<Record<string, JsonValue>>): boolean {
  return systemAttrs[COPY_WRITING_ATTR] !== undefined && systemAttrs[COPY_WRITING_ATTR] !== null;
}

/** The heartbeat settings `sextant create` stored with a study (`cli:config`), or undefined where it stored none that hold. */
function storedHeartbeatOf(systemAttrs: Readonly<Record<string, JsonValue>>, storageUrl: string): HeartbeatOptions | undefined {
  const config = systemAttrs[CLI_CONFIG_ATTR];
  const stored = config !== null && typeof config === "object" && !Array.isArray(config) ? config.heartbeat : undefined;
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return undefined;
  const { intervalSeconds, graceSeconds } = stored as { intervalSeconds?: unknown; graceSeconds?: unknown };
  const seconds = (value: unknown) => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined);
  const heartbeat = { intervalSeconds: seconds(intervalSeconds), graceSeconds: seconds(graceSeconds) };
  if (heartbeat.intervalSeconds === undefined && heartbeat.graceSeconds === undefined) return undefined;
  try {
    resolveHeartbeat(heartbeat, storageUrl);
    return heartbeat;
  } catch {
    return undefined;
  }
}

/**
 * The grace after which `sextant worker` processes on a study, and the library's `optimize`
 * without a `heartbeat` option, fail a running trial whose heartbeats stopped: the one
 * `sextant create --heartbeat-grace` stored with the study, else the default. Null where nothing
 * reaps (a memory storage). A worker started with its own `--heartbeat-grace` is not known here,
 * but `sextant worker` refuses one shorter than this, so no worker reaps sooner.
 *
 * @example
 * // a study made by `sextant create --heartbeat-interval 2 --heartbeat-grace 8`
 * studyHeartbeatGraceSeconds(record.systemAttrs, storage.url); // 8
 */
export function studyHeartbeatGraceSeconds(systemAttrs: Readonly<Record<string, JsonValue>>, storageUrl: string): number | null {
  const timing = resolveHeartbeat(storedHeartbeatOf(systemAttrs, storageUrl), storageUrl);
  return timing === null ? null : timing.graceMs / 1000;
}

/**
 * What a trial records as the heartbeat its owner keeps ({@link OWNER_HEARTBEAT_ATTR}) in the write
 * that starts it: false for an owner that keeps none on a shared storage (optimize with
 * `heartbeat: false`), whose silence says nothing; null records nothing (a trial of the HTTP
 * service, whose client says whether it beats, or a storage that nobody reaps). Not undefined, which
 * a default parameter would take for "not given" and replace with the study's stored heartbeat.
 */
type OwnerHeartbeat = ReturnType<typeof ownerHeartbeatRecord> | false | null;

/**
 * One {@link Study.optimize} call, as the owner of the trials it starts ahead: the heartbeat they
 * record, and the identity that keeps them its own. Two overlapping calls on one study object
 * each run and give back only their own: one that stopped gave back the other's (to the queue,
 * where any worker took it) and one that asked took the other's, which that call's heartbeat
 * thread went on beating for and its budget had counted.
 */
interface OptimizeRun {
  readonly owner: OwnerHeartbeat;
  /**
   * Whether the call may still run another trial (not stopped, its timeout or deadline not
   * passed), asked again when a trial's finish would start the next one ahead: decided when the
   * trial started, a trial that ran past the deadline or was stopped (a worker's SIGTERM) started
   * one that nobody ran, left queued (one per job of every worker of a study made with sextant
   * create --timeout).
   */
  readonly goesOn: () => boolean;
}

/**
 * False for a trial whose owner never promised heartbeats: a client of the HTTP service that does
 * not beat (once its ask was answered), or a library process that turned them off. No reaper fails
 * such a trial.
 */
function silenceMeansGone(trial: FrozenTrial): boolean {
  if (trial.systemAttrs[OWNER_HEARTBEAT_ATTR] === false) return false;
  const worker = trial.systemAttrs.worker;
  const remote = worker !== null && typeof worker === "object" && !Array.isArray(worker) && worker.remote !== undefined;
  return !remote || trial.systemAttrs[CLIENT_BEATS_ATTR] === true || trial.systemAttrs[ASK_PENDING_ATTR] === true;
}

/**
 * What a queued copy of `trial` runs with: its values (`fixedParams`), and for a population
 * segment the segment itself (same member, parent and starting checkpoint; not its saved one).
 */
function requeuedValues(trial: Pick<FrozenTrial, "params" | "systemAttrs">): { fixedParams: Record<string, ParamValue> } & Record<string, JsonValue> {
  const fixedParams = { ...((trial.systemAttrs.fixedParams ?? {}) as Record<string, ParamValue>), ...trial.params };
  const segment: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(trial.systemAttrs)) {
    if (key.startsWith(SEGMENT_ATTR_PREFIX) && key !== SAVED_CHECKPOINT_ATTR) segment[key] = value;
  }
  return { ...segment, fixedParams };
}

/**
 * Whether a queued trial runs `trial`'s values again: its retry, or the same values (and segment)
 * enqueued another way. A trial without values is matched by its retries only: an empty queued
 * trial (a budget's) samples its own.
 */
function isQueuedCopyOf(queued: FrozenTrial, trial: FrozenTrial): boolean {
  if (queued.systemAttrs.retryOf === trial.number) return true;
  const values = requeuedValues(trial);
  if (Object.keys(values.fixedParams).length === 0) return false;
  return Object.entries(values).every(([key, value]) => isDeepStrictEqual(queued.systemAttrs[key], value)) &&
    Object.keys(queued.systemAttrs).every((key) => !key.startsWith(SEGMENT_ATTR_PREFIX) || key === SAVED_CHECKPOINT_ATTR || key in values);
}

/**
 * How long the reaped trials were silent, each by the grace it was failed after (its own recorded
 * grace where that was longer than the reaper's), as optimize's warning says it.
 *
 * @example
 * silenceByGrace([3, 4, 7], [60, 80, 60]) // "trial(s) 3, 7 had no heartbeat for more than 60 s, trial(s) 4 for more than 80 s"
 */
function silenceByGrace(reaped: readonly number[], graceSeconds: readonly number[]): string {
  const byGrace = new Map<number, number[]>();
  reaped.forEach((number, i) => {
    const grace = graceSeconds[i]!;
    byGrace.set(grace, [...(byGrace.get(grace) ?? []), number]);
  });
  return [...byGrace].map(([grace, numbers], i) => `trial(s) ${numbers.join(", ")}${i === 0 ? " had no heartbeat" : ""} for more than ${grace} s`).join(", ");
}

/** What {@link Study.reapStaleTrials} did. */
export interface ReapResult {
  /** Numbers of the trials failed for lack of heartbeats. */
  readonly reaped: number[];
  /** Numbers of the queued retries, each with `systemAttrs.retryOf` naming the trial it repeats. */
  readonly retries: number[];
}

/**
 * What {@link Study.failRunningTrial} did: `failed` with the stored failed trial and its queued
 * copy (`retry`, null unless asked for), or `finished meanwhile` when the trial stopped running
 * between the read and the compare-and-set (its owner was alive after all): `trial` is then
 * what is stored, left as it is.
 */
export type ManualFailure =
  | { readonly outcome: "failed"; readonly trial: FrozenTrial; readonly retry: FrozenTrial | null }
  | { readonly outcome: "finished meanwhile"; readonly trial: FrozenTrial };

/**
 * What {@link Study.requeueTrial} did: `queued` with the finished trial and its queued copy
 * (`retry`), or `already queued` when a copy of its parameters waits in the queue already
 * (`queued`, left as it is: running them twice was not asked for).
 */
export type Requeued =
  | { readonly outcome: "queued"; readonly trial: FrozenTrial; readonly retry: FrozenTrial }
  | { readonly outcome: "already queued"; readonly trial: FrozenTrial; readonly queued: FrozenTrial };

/**
 * Thrown by {@link Study.failRunningTrial} for a trial whose owner is visibly alive: it beat (or
 * started) `silenceMs` ago, within the grace the study's reapers would wait for it (`graceMs`: the
 * longer of the one its owner recorded and the study's). Failing it
 * would lose its result, and its owner's tell would be refused; `force: true` fails it anyway.
 */
export class TrialLooksAliveError extends Error {
  override name = "TrialLooksAliveError";
  constructor(
    readonly trialNumber: number,
    readonly silenceMs: number,
    readonly graceMs: number,
  ) {
    super(
      `trial ${trialNumber} last beat ${(silenceMs / 1000).toFixed(1)} s ago, within its heartbeat grace of ${graceMs / 1000} s: its process looks alive, so it was left as it is; ` +
        `stop that process (the reapers fail it once it has been silent for ${graceMs / 1000} s), or pass force: true to fail it now`,
    );
  }
}

/** Thrown by {@link Study.requeueTrial} for a trial that has not finished: it is running, or waiting in the queue. */
export class TrialNotFinishedError extends Error {
  override name = "TrialNotFinishedError";
  constructor(
    readonly studyName: string,
    readonly trialNumber: number,
    readonly state: "running" | "waiting",
  ) {
    super(
      state === "running"
        ? `trial ${trialNumber} of study "${studyName}" is running, not finished: only a finished trial can be queued again (fail one whose process is gone, and queue it, with failRunningTrial(${trialNumber}, { requeue: true }))`
        : `trial ${trialNumber} of study "${studyName}" is waiting in the queue, not finished: its parameters run when a worker takes it`,
    );
  }
}

/** The reason {@link Study.failRunningTrial} records when given none. */
export const FAILED_BY_HAND_REASON = "failed by hand: its process was lost";

export interface CreateStudyOptions {
  /** The study's name (default: a generated one). */
  name?: string;
  /** A storage URL (`sqlite:./sextant.db`, `memory:`) or an open storage (default `memory:`). */
  storage?: string | Storage;
  /** For one objective. */
  direction?: Direction;
  /** For several objectives, one direction each. */
  directions?: readonly Direction[];
  sampler?: Sampler;
  /**
   * Seeds the sampler `createStudy` picks when none is given (`auto`, or the first segments'
   * `RandomSampler` under a scheduler), so that a rerun with the same seed suggests the same
   * trials. A sampler you pass takes its own seed (`new TPESampler({ seed: 1 })`): giving both is
   * an error.
   */
  seed?: number;
  pruner?: Pruner;
  /**
   * Population-based training (`PBTScheduler`, `PB2Scheduler`): `optimize` then trains the
   * scheduler's population segment by segment, each segment one trial; see {@link Study.optimize}.
   * Without a `sampler`, first segments draw their hyperparameters with a `RandomSampler` seeded
   * from the scheduler's seed.
   */
  scheduler?: Scheduler;
  /** Resume the study if one with this name exists instead of failing. */
  loadIfExists?: boolean;
  userAttrs?: Record<string, JsonValue>;
  /** Receives warnings, such as a trial failed by another worker while this one ran it; see {@link Study.onWarning}. */
  onWarning?: (message: string) => void;
  /**
   * Constraint values of each complete and pruned trial, feasible when every value is <= 0; see
   * {@link Study.tell} for how they are stored and what happens when they cannot be computed.
   */
  constraints?: ConstraintsFunction;
  /**
   * Names of earlier single-objective studies in the same storage to learn from. Their complete
   * trials inform samplers that support it (TPE, GP, auto) through the snapshot and never count as
   * this study's trials; parameters whose name or distribution differ are ignored, with a warning.
   * The names are kept on the study (system attribute `warmStartFrom`): `loadStudy`, a resumed
   * `createStudy` and every worker of a fleet learn from the same sources. A study found with
   * `loadIfExists` keeps its own, as loadIfExists keeps a stored study as it is: other names given
   * here are ignored, with a warning (`onWarning`) that names both.
   */
  warmStartFrom?: readonly string[];
}

/**
 * Thrown by {@link Study.ask} on a population study (PBT, PB2) when no segment is queued: the
 * queued ones are running (tell them first; each queues its member's next segment when told),
 * or the population has trained every segment (or a member's line ended with a failed segment).
 */
export class NoSegmentReadyError extends Error {
  override name = "NoSegmentReadyError";
}

/** Thrown when asking for the best trial of a multi-objective study. */
export class MultiObjectiveError extends Error {
  override name = "MultiObjectiveError";
}

/**
 * Thrown by {@link Study.ask} on a study made with a budget of trials (`sextant create --trials N`)
 * once every one of them has been handed out. The budget is the study's queued trials, which
 * every asker claims atomically (as `sextant worker` does), so however many processes ask, no
 * more than N trials run. A trial a dead worker left is queued again as a retry, and can be
 * asked for then.
 *
 * @example
 * try {
 *   const trial = await study.ask();
 * } catch (error) {
 *   if (error instanceof TrialBudgetSpentError) console.log(`all ${error.budget} trials handed out`);
 *   else throw error;
 * }
 */
export class TrialBudgetSpentError extends Error {
  override name = "TrialBudgetSpentError";
  /** The message without its remedy for library callers (study.enqueueTrial()): what the HTTP service answers. */
  readonly messageWithoutRemedy: string;
  constructor(
    readonly studyName: string,
    readonly budget: number,
  ) {
    const messageWithoutRemedy = `study "${studyName}" has used up its budget of ${budget} trial(s) (sextant create --trials ${budget}): every one has been handed out`;
    super(`${messageWithoutRemedy}; queue more with study.enqueueTrial(), or run more in a new study`);
    this.messageWithoutRemedy = messageWithoutRemedy;
  }
}

/**
 * Thrown by {@link Study.ask}, {@link Study.askQueued} and {@link Study.optimize} on a study that
 * `sextant create` has not finished making (see {@link isHalfMadeStudy}): its budget of trials is
 * not stored yet, so a trial handed out now could run past it. Thrown too on a study a copy or
 * import is still writing, or was killed while writing: a trial asked now would tune on from part
 * of the history, and take a number the copy needs. `sextant worker` refuses such a study too.
 * Asked again once the create or copy has finished, the study hands out its queued trials.
 *
 * @example
 * try {
 *   await study.optimize(objective);
 * } catch (error) {
 *   if (error instanceof HalfMadeStudyError) console.log(`wait for sextant create to finish making ${error.studyName}`);
 *   else throw error;
 * }
 */
export class HalfMadeStudyError extends Error {
  override name = "HalfMadeStudyError";
  /** Whether a copy or import (not `sextant create`) left the study half-made. */
  readonly byCopy: boolean;
  /** @param systemAttrs the study's, which tell a copy from a create (default: a create's). */
  constructor(
    readonly studyName: string,
    systemAttrs: Readonly<Record<string, JsonValue>> = {},
  ) {
    const byCopy = isStudyBeingCopied(systemAttrs);
    super(
      byCopy
        ? `study "${studyName}" is half-made: a sextant copy/import is still writing its trials, or was killed before it wrote the last one; ` +
            `ask again once that copy has finished, or, if it was killed, delete the study (sextant delete, storage.deleteStudy) and copy again`
        : `study "${studyName}" is half-made: a "sextant create" is still queuing its trials, or stopped before it stored the study's settings (${CLI_CONFIG_ATTR}); ` +
            `ask again once that create has finished (one that did not finish leaves a study to delete and create again)`,
    );
    this.byCopy = byCopy;
  }
}

/** A trial number that the study does not have (yet). */
export class TrialNumberNotFoundError extends Error {
  override name = "TrialNumberNotFoundError";
  constructor(
    readonly studyName: string,
    readonly trialNumber: number,
  ) {
    super(`study "${studyName}" has no trial number ${trialNumber}`);
  }
}

const SAMPLER_FACTORY: { current: ((seed?: number) => Sampler) | null } = { current: null };

/**
 * Sets what `createStudy` uses when no sampler is given (the samplers module registers its
 * `auto` sampler here, so the study layer does not depend on every sampler). The factory gets
 * the study's `seed` option when there is one.
 */
export function setDefaultSamplerFactory(factory: (seed?: number) => Sampler): void {
  SAMPLER_FACTORY.current = factory;
}

/**
 * Creates a study, or loads it with `loadIfExists`.
 *
 * @example
 * const study = await createStudy({ name: "lr-search", storage: "sqlite:./sextant.db", direction: "minimize" });
 * await study.optimize((trial) => (trial.suggestFloat("x", -10, 10) - 2) ** 2, { nTrials: 100 });
 * console.log(study.bestTrial?.params);
 */
export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  return createStudyWithSystemAttrs(options, {});
}

/**
 * {@link createStudy}, with system attributes stored in the same write that creates the study (a
 * study it loads keeps its own). Not part of the package's API: `sextant create` marks its study
 * half-made this way (see {@link isHalfMadeStudy}), since a process that read the study between
 * two writes saw an ordinary study without a budget, and handed out trials past it.
 *
 * @example
 * const study = await createStudyWithSystemAttrs({ name: "fleet", storage: "sqlite:./fleet.db" }, { "cli:creating": true });
 */
export async function createStudyWithSystemAttrs(options: CreateStudyOptions, systemAttrs: Readonly<Record<string, JsonValue>>): Promise<Study> {
  checkStudyOptions(options);
  refusePrunerWithScheduler(options);
  const sampler = chooseSampler(options);
  const pruner = options.pruner ?? new NopPruner();
  const directions = resolveDirections(options);
  checkObjectiveCount(directions.length, sampler, options);
  const constraints = options.constraints === undefined ? null : checkConstraintsFunction(options.constraints);
  const ownsStorage = typeof options.storage !== "object";
  const storage =
    typeof options.storage === "object" ? options.storage : await openStorage(options.storage ?? "memory:");
  try {
    const name = options.name ?? `study-${new Date().toISOString().replace(/[:.]/g, "-")}-${Math.floor(Math.random() * 1e6)}`;
    const given = options.warmStartFrom && options.warmStartFrom.length > 0 ? [...new Set(checkWarmStartFrom(options.warmStartFrom))] : null;
    // Read first, so that a missing source leaves no half-made study behind.
    let warmStart = given ? await loadWarmStartSources(storage, name, given) : [];
    let record = await storage.getStudy(name);
    let found = record !== null;
    if (record) {
      const tuner = onlineTunerRefusal(record);
      if (tuner) throw new Error(tuner);
      if (!options.loadIfExists) throw new DuplicateStudyError(name, "pass loadIfExists: true to resume it");
      if (options.direction !== undefined || options.directions !== undefined) checkDirections(record, directions);
      // Without directions, the stored study's count decides what the sampler and pruner must support.
      checkObjectiveCount(record.directions.length, sampler, options);
    } else {
      // At creation only: a study an older Sextant made with more objectives is resumed as it is.
      if (directions.length > MAX_OBJECTIVES) {
        throw new RangeError(`directions: at most ${MAX_OBJECTIVES} objectives (the HTTP service takes no more), got ${directions.length}; combine some into one value or make them constraints`);
      }
      try {
        record = await storage.createStudy(name, directions, {
          userAttrs: options.userAttrs ?? {},
          systemAttrs: { ...componentSpecAttrs(sampler, pruner), ...systemAttrs, sampler: sampler.name, pruner: pruner.name, ...(given ? { [WARM_START_ATTR]: given } : {}) },
        });
      } catch (error) {
        // Another process may have created it between our read and our write.
        const raced = options.loadIfExists ? await storage.getStudy(name) : null;
        if (!raced) throw error;
        const tuner = onlineTunerRefusal(raced);
        if (tuner) throw new Error(tuner);
        checkDirections(raced, directions);
        checkObjectiveCount(raced.directions.length, sampler, options);
        record = raced;
        found = true;
      }
    }
    const notes: string[] = [];
    if (found) {
      // loadIfExists keeps the study as it is, its sources too (as every worker that loads it gets
      // them, and as the HTTP service and `sextant tune` keep them): other names are said and ignored.
      const kept = given ? warmStartKeptNote(record, given, (names) => `warmStartFrom ${names} is ignored, as loadIfExists keeps the study as it is`) : null;
      if (kept !== null) notes.push(kept);
      if (!given || JSON.stringify(storedWarmStartNames(record)) !== JSON.stringify(given)) warmStart = await storedWarmStartSources(storage, record, notes);
    }
    const study = new Study(storage, record, sampler, pruner, ownsStorage, options.scheduler ?? null);
    if (options.onWarning) study.onWarning = options.onWarning;
    study.resumedSamplerWarning = resumedSamplerNote(record, sampler, options);
    study.constraints = constraints;
    study.warmStart = warmStart;
    for (const note of notes) study.onWarning(note);
    warnUnusedWarmStart(study);
    await study.refresh();
    warnIgnoredConstraints(study);
    if (options.scheduler) await study.seedPopulation();
    return study;
  } catch (error) {
    if (ownsStorage) await storage.close();
    throw error;
  }
}

/**
 * For a stored study resumed without a sampler (and without a scheduler, whose first segments are
 * drawn at random): what to say when the default it goes on with is not the sampler the study was
 * made with (see {@link LIBRARY_SAMPLER_ATTR}), which would suggest other trials; null otherwise.
 * A study made with `new TPESampler({ seed: 3 })` and loaded with `loadStudy({ name, storage })`
 * went on with an unseeded auto, without a word.
 */
function resumedSamplerNote(record: StudyRecord, sampler: Sampler, options: { sampler?: Sampler; scheduler?: Scheduler }): string | null {
  const stored = record.systemAttrs[LIBRARY_SAMPLER_ATTR] as unknown as ComponentSpec | null | undefined;
  if (options.sampler !== undefined || options.scheduler !== undefined || stored === null || typeof stored !== "object" || typeof stored.name !== "string") return null;
  const now = sampler.spec?.() ?? null;
  if (isDeepStrictEqual(now, stored)) return null;
  const optionsOf = (spec: ComponentSpec | null): string => Object.entries(spec?.options ?? {}).map(([key, value]) => `${key}=${String(value)}`).join(", ");
  const was = optionsOf(stored);
  const is = optionsOf(now);
  return `study "${record.name}" was made with the ${stored.name} sampler${was ? ` (${was})` : ""} and is resumed without one, so the ${sampler.name} sampler (${is || "unseeded"}) suggests its trials: pass sampler: createSamplerByName(${JSON.stringify(stored.name)}, ${JSON.stringify(stored.options ?? {})}) to go on with the one it was made with`;
}

/** The system attributes that keep the specs of a new study's sampler and pruner, for those that have one (see {@link LIBRARY_SAMPLER_ATTR}). */
function componentSpecAttrs(sampler: Sampler, pruner: Pruner): Record<string, JsonValue> {
  const attrs: Record<string, JsonValue> = {};
  const samplerSpec = rebuildableSpec(sampler, (spec) => createSamplerByName(spec.name, spec.options));
  if (samplerSpec) attrs[LIBRARY_SAMPLER_ATTR] = samplerSpec;
  const prunerSpec = rebuildableSpec(pruner, (spec) => createPrunerByName(spec.name, spec.options));
  if (prunerSpec) attrs[LIBRARY_PRUNER_ATTR] = prunerSpec;
  return attrs;
}

/**
 * The spec of `component` when the registry builds, by it, a component of the same spec: not a
 * subclass renamed, an option value the constructor takes and the registry's schema refuses, or a
 * name registered again for another component. Stored, such a spec would rebuild something else.
 */
function rebuildableSpec(component: Sampler | Pruner, rebuild: (spec: ComponentSpec) => Sampler | Pruner): { name: string; options: Record<string, OptionValue | null> } | null {
  try {
    const spec = component.spec?.() ?? null;
    if (spec === null || spec.name !== component.name || !isDeepStrictEqual(rebuild(spec).spec?.() ?? null, spec)) return null;
    return { name: spec.name, options: { ...spec.options } };
  } catch {
    // A spec of the user's own that throws, or one the registry refuses: the name alone, as before.
    return null;
  }
}

/**
 * Reads the studies a new one warm-starts from: their feasible complete trials with finite values. Each
 * must be single-objective and differ from the study itself; one that does not exist throws
 * {@link StudyNotFoundError}, unless `onMissing` is given, which is told its name instead.
 */
export async function loadWarmStartSources(
  storage: Storage,
  studyName: string,
  names: readonly string[],
  onMissing: (name: string) => void = (name) => {
    throw new StudyNotFoundError(name, "warmStartFrom: ");
  },
): Promise<WarmStartSource[]> {
  const sources: WarmStartSource[] = [];
  for (const name of new Set(names)) {
    if (name === studyName) throw new Error(`warmStartFrom: study "${name}" cannot warm-start from itself`);
    const record = await storage.getStudy(name);
    if (!record) {
      onMissing(name);
      continue;
    }
    const tuner = onlineTunerRefusal(record);
    if (tuner) throw new Error(`warmStartFrom: ${tuner}`);
    if (record.directions.length !== 1) throw new Error(`warmStartFrom: study "${name}" has ${record.directions.length} objectives; warm starts take single-objective studies`);
    const { trials } = await storage.trialsSince(record.id, 0);
    // Only feasible trials, by the rule the source's own best trial follows: its infeasible ones, often
    // the best values, made the GP's first trial replay them and steered TPE and the GP to the infeasible side.
    const feasible = feasibilityRule(trials);
    const complete = trials.filter((t) => t.state === "complete" && t.values !== null && t.values.length === 1 && Number.isFinite(t.values[0]) && feasible(t));
    const context = record.userAttrs.context;
    const infeasible = trials.filter((t) => t.state === "complete" && !feasible(t)).length;
    sources.push({
      name,
      direction: record.directions[0]!,
      trials: complete,
      context: Array.isArray(context) && context.every((v) => typeof v === "number") ? (context as number[]) : null,
      ...(infeasible > 0 ? { infeasible } : {}),
    });
  }
  return sources;
}
export async function loadStudy(options: {
  name: string;
  storage?: string | Storage;
  sampler?: Sampler;
  /** See {@link CreateStudyOptions.seed}. */
  seed?: number;
  pruner?: Pruner;
  scheduler?: Scheduler;
  onWarning?: (message: string) => void;
  /** See {@link CreateStudyOptions.constraints}. */
  constraints?: ConstraintsFunction;
}): Promise<Study> {
  checkStudyOptions(options, "loadStudy", LOAD_OPTION_KEYS);
  refusePrunerWithScheduler(options, "loadStudy");
  const sampler = chooseSampler(options);
  const ownsStorage = typeof options.storage !== "object";
  // Opening would create (and migrate) a misspelt file, left behind by a call that only loads.
  const missing = typeof options.storage === "string" ? missingSqliteFile(options.storage) : null;
  // StudyNotFoundError, as copyStudy and warmStartFrom throw: a caller that catches a missing study by its class missed this one.
  if (missing !== null) throw new StudyNotFoundError(options.name, "", ` in ${String(options.storage)}: the file ${missing} does not exist`);
  const storage =
    typeof options.storage === "object" ? options.storage : await openStorage(options.storage ?? "memory:");
  const record = await storage.getStudy(options.name);
  if (!record) {
    if (ownsStorage) await storage.close();
    throw new StudyNotFoundError(options.name, "", ` in ${storage.url}`);
  }
  try {
    const tuner = onlineTunerRefusal(record);
    if (tuner) throw new Error(tuner);
    checkObjectiveCount(record.directions.length, sampler, options, "loadStudy");
    // createStudy refuses another schedule when it seeds; a loaded population ran under it silently.
    if (options.scheduler) refuseOtherSchedule(record, options.scheduler);
  } catch (error) {
    if (ownsStorage) await storage.close();
    throw error;
  }
  const study = new Study(storage, record, sampler, options.pruner ?? new NopPruner(), ownsStorage, options.scheduler ?? null);
  if (options.onWarning) study.onWarning = options.onWarning;
  study.resumedSamplerWarning = resumedSamplerNote(record, sampler, options);
  if (options.constraints) study.constraints = checkConstraintsFunction(options.constraints);
  const notes: string[] = [];
  try {
    study.warmStart = await storedWarmStartSources(storage, record, notes);
  } catch (error) {
    if (ownsStorage) await storage.close();
    throw error;
  }
  for (const note of notes) study.onWarning(note);
  warnUnusedWarmStart(study);
  await study.refresh();
  warnIgnoredConstraints(study);
  return study;
}

/** The study system attribute that keeps the names of the studies it warm-starts from ({@link CreateStudyOptions.warmStartFrom}). */
export const WARM_START_ATTR = "warmStartFrom";

/** Refuses `warmStartFrom` that is not a list of study names: a string was read as one name per letter. */
function checkWarmStartFrom(names: unknown): readonly string[] {
  if (!Array.isArray(names) || names.some((name) => typeof name !== "string")) {
    throw new TypeError(`warmStartFrom must be an array of study names such as ["earlier-study"], got ${shownValue(names)}`);
  }
  return names as readonly string[];
}

function storedWarmStartNames(record: StudyRecord): string[] | null {
  const names = record.systemAttrs[WARM_START_ATTR];
  return Array.isArray(names) && names.every((n) => typeof n === "string") ? (names as string[]) : null;
}

/**
 * What to say when a study found by name (`createStudy` with `loadIfExists`, a resumed `sextant
 * tune`, a create over HTTP with `loadIfExists`) is given other warm-start sources than its own,
 * which it keeps; null when `given` names the same studies, in any order. `ignored` words the rest
 * for the caller's user, from the given names as listed.
 *
 * @example
 * warmStartKeptNote(record, ["b"], (names) => `warmStartFrom ${names} is ignored, as loadIfExists keeps the study as it is`)
 * // 'study "later" warm-starts from "a"; warmStartFrom "b" is ignored, as loadIfExists keeps the study as it is'
 */
export function warmStartKeptNote(record: StudyRecord, given: readonly string[], ignored: (names: string) => string): string | null {
  const stored = storedWarmStartNames(record) ?? [];
  const asSet = (names: readonly string[]) => JSON.stringify([...new Set(names)].sort());
  if (asSet(stored) === asSet(given)) return null;
  const listed = (names: readonly string[]) => (names.length === 0 ? "no study" : names.map((name) => JSON.stringify(name)).join(", "));
  return `study ${JSON.stringify(record.name)} warm-starts from ${listed(stored)}; ${ignored(listed(given))}`;
}

/**
 * The sources a study was created with (its `warmStartFrom` system attribute), for a study loaded
 * without naming them: a resumed run, a worker, the HTTP service. A source deleted since is
 * skipped, with a note in `notes`.
 *
 * @example
 * study.warmStart = await storedWarmStartSources(storage, record, []);
 */
export async function storedWarmStartSources(storage: Storage, record: StudyRecord, notes: string[]): Promise<WarmStartSource[]> {
  return loadWarmStartSources(storage, record.name, storedWarmStartNames(record) ?? [], (name) =>
    notes.push(`warm start: study "${name}", which study "${record.name}" was created to learn from, no longer exists; going on without it`),
  );
}

/** The study objects that have warned that their sampler ignores constraints. */
const warnedOfIgnoredConstraints = new WeakSet<Study>();

/**
 * Warns, once per study object, that the sampler ignores constraints (CMA-ES, CEM, TuRBO), when
 * the study has any: a constraints function, constraint values a trial was just told with
 * (`told`: `tell`'s options, the result object, `reportConstraints`), or stored trials that have
 * them. Only the constraints function warned before, so values given to `tell` went unheeded silently.
 */
function warnIgnoredConstraints(study: Study, told = false): void {
  if (warnedOfIgnoredConstraints.has(study) || !study.sampler.ignoresConstraints) return;
  if (!told && !study.constraints && study.systemAttrs[CONSTRAINT_COUNT_ATTR] === undefined && !isConstrainedStudy(study.trials)) return;
  warnedOfIgnoredConstraints.add(study);
  study.onWarning(
    `constraints: the ${study.sampler.name} sampler models the objective alone and does not steer toward feasible trials; ` +
      "TPE (c-TPE), the GP and auto use the constraint values",
  );
}

/** Whether the study's sampler leaves its warm-start sources unused: one that learns from none, or the GP for several objectives. */
function samplerIgnoresWarmStart(study: Study): boolean {
  return !study.sampler.usesWarmStart || (study.sampler.name === "gp" && study.directions.length > 1);
}

function warnUnusedWarmStart(study: Study): void {
  if (study.warmStart.length === 0 || !samplerIgnoresWarmStart(study)) return;
  if (study.sampler.usesWarmStart) {
    study.onWarning(`warm start: the gp sampler learns from earlier studies only for one objective, and this study has ${study.directions.length}, so the trials of ${study.warmStart.map((s) => `"${s.name}"`).join(", ")} go unused; TPE and auto use them`);
    return;
  }
  const hint = study.sampler.name === "gp" ? "; new GPSampler({ warmStart: true }) does" : "; TPE, the GP with warmStart: true, and auto do";
  study.onWarning(`warm start: the ${study.sampler.name} sampler does not learn from earlier studies, so the trials of ${study.warmStart.map((s) => `"${s.name}"`).join(", ")} go unused${hint}`);
}

function checkConstraintsFunction(constraints: unknown): ConstraintsFunction {
  if (typeof constraints !== "function") throw new TypeError(`constraints must be a function (trial) => number[], got ${typeof constraints}`);
  return constraints as ConstraintsFunction;
}

/**
 * Which of a sampler, pruner and population scheduler cannot take a study of `objectives`
 * objectives, and why; null when all can. createStudy, loadStudy and the HTTP service's study
 * creation refuse by it.
 */
export function singleObjectiveProblem(
  objectives: number,
  sampler: Sampler,
  pruner: Pruner | undefined,
  scheduler?: Pick<Scheduler, "name"> | null,
): { component: "sampler" | "pruner" | "scheduler"; message: string } | null {
  if (objectives === 1) return null;
  if (sampler.singleObjective) {
    return { component: "sampler", message: `the ${sampler.name} sampler supports one objective, and this study has ${objectives}; use ${alternatives(severalObjectiveSamplerNames())}` };
  }
  if (pruner?.singleObjective) return { component: "pruner", message: new PrunerObjectivesError(pruner.name, objectives).message };
  // Its members are ranked by one score: the others were ignored without a word.
  if (scheduler) return { component: "scheduler", message: `the ${scheduler.name} scheduler ranks its members by one objective, and this study has ${objectives}; give it one direction` };
  return null;
}

/** Refuses a sampler, pruner or scheduler of one objective for a study of several, before anything is stored. */
function checkObjectiveCount(objectives: number, sampler: Sampler, options: { pruner?: Pruner; scheduler?: Scheduler }, caller = "createStudy"): void {
  const problem = singleObjectiveProblem(objectives, sampler, options.pruner, options.scheduler);
  if (problem) throw new TypeError(`${caller}: ${problem.message}`);
}

/**
 * Why `pruner` cannot run under a population `scheduler`, or null when it can (no pruner, or
 * `none`). A segment the pruner stopped saved no checkpoint: its member went on from scratch,
 * ranked by the value it was stopped at. The scheduler is the population's early stopping: at the
 * end of each segment a lagging member copies a better one. createStudy, loadStudy and
 * `sextant tune`/`create` refuse by it.
 */
export function prunerSchedulerProblem(pruner: Pick<Pruner, "name"> | null | undefined, scheduler: Pick<Scheduler, "name"> | null | undefined): string | null {
  if (!pruner || !scheduler || pruner.name === "none") return null;
  return "a segment the pruner stops saves no checkpoint, so its member would go on from scratch; the scheduler stops lagging members itself (at the end of each segment they copy a better member)";
}

function refusePrunerWithScheduler(options: { pruner?: Pruner; scheduler?: Scheduler }, caller = "createStudy"): void {
  const problem = prunerSchedulerProblem(options.pruner, options.scheduler);
  if (problem) throw new TypeError(`${caller}: the ${options.pruner!.name} pruner cannot run with the ${options.scheduler!.name} scheduler: ${problem}; leave out the pruner`);
}

/** What a study stores of its scheduler ({@link SCHEDULER_ATTR}) and a resumed one must match. */
function scheduleOf(scheduler: Scheduler): { name: string; population: number; segments: number; segmentSteps: number } {
  return { name: scheduler.name, population: scheduler.population, segments: scheduler.segments, segmentSteps: scheduler.segmentSteps };
}

/**
 * Refuses a scheduler whose schedule is not the one the study's population was started with: a
 * population resumed under another one used to run it silently, its members kept their number,
 * and the new segment length moved every start step off its checkpoint's.
 */
function refuseOtherSchedule(record: StudyRecord, scheduler: Scheduler): void {
  const schedule = scheduleOf(scheduler);
  const stored = record.systemAttrs[SCHEDULER_ATTR] as Partial<typeof schedule> | undefined;
  if (stored && (Object.keys(schedule) as (keyof typeof schedule)[]).some((key) => stored[key] !== schedule[key])) {
    throw new Error(
      `study "${record.name}" trains a ${describeSchedule(stored)}; this scheduler is a ${describeSchedule(schedule)}. ` +
        "Resume it with the schedule it was started with, or start a new study",
    );
  }
}

/** The given sampler, else the default one (a `RandomSampler` under a scheduler), seeded by `seed` when given. */
function chooseSampler(options: { sampler?: Sampler; seed?: number; scheduler?: Scheduler }): Sampler {
  if (options.seed !== undefined) {
    if (typeof options.seed !== "number" || !Number.isSafeInteger(options.seed)) {
      throw new TypeError(`seed must be an integer, got ${describeValue(options.seed)}`);
    }
    if (options.sampler !== undefined) {
      throw new TypeError("seed seeds the sampler chosen when none is given; give the seed to your sampler instead, e.g. new TPESampler({ seed: 1 })");
    }
  }
  if (options.sampler) return options.sampler;
  if (options.scheduler) return new RandomSampler({ seed: options.seed ?? options.scheduler.seed });
  if (!SAMPLER_FACTORY.current) throw new Error("no default sampler registered; pass a sampler");
  return SAMPLER_FACTORY.current(options.seed);
}

/** The keys {@link createStudy} reads; anything else is a typo that would otherwise be ignored. */
const STUDY_OPTION_KEYS: readonly (keyof CreateStudyOptions)[] = [
  "name", "storage", "direction", "directions", "sampler", "seed", "pruner", "scheduler", "loadIfExists", "userAttrs", "onWarning", "constraints", "warmStartFrom",
];

/** The keys {@link loadStudy} reads. */
const LOAD_OPTION_KEYS: readonly string[] = ["name", "storage", "sampler", "seed", "pruner", "scheduler", "onWarning", "constraints"];

/**
 * Checks what a caller without types can get wrong before anything is opened: unknown keys, and a
 * sampler or pruner given as a name (or anything else that is not an object with their methods),
 * which would otherwise fail at the first trial with a message about a missing method.
 */
function checkStudyOptions(options: CreateStudyOptions, caller = "createStudy", keys: readonly string[] = STUDY_OPTION_KEYS): void {
  if (options === null || typeof options !== "object") throw new TypeError(`${caller}: options must be an object, got ${describeValue(options)}`);
  if (options.name !== undefined) {
    const name = options.name as unknown;
    if (typeof name !== "string" || name.trim() === "") throw new TypeError(`${caller}: name must be a non-blank string, got ${describeValue(name)}`);
    // A new study only: one made before these rules can still be loaded by its name.
    const problem = caller === "createStudy" ? studyNameProblem(name) : null;
    if (problem !== null) throw new TypeError(`${caller}: name ${problem}`);
  }
  if (caller === "loadStudy" && ("direction" in options || "directions" in options)) {
    // The stored directions rule a loaded study; one given here used to be ignored without a word.
    throw new TypeError('loadStudy: a study keeps the directions it was created with; to check them, use createStudy({ name, storage, direction, loadIfExists: true })');
  }
  const unknown = unknownKeysMessage(options, keys);
  if (unknown !== null) throw new TypeError(`${caller}: ${unknown}`);
  const sampler = options.sampler as unknown;
  if (sampler !== undefined && (sampler === null || typeof sampler !== "object" || typeof (sampler as Sampler).sampleIndependent !== "function")) {
    throw new TypeError(
      `${caller}: sampler must be a sampler object, e.g. createSamplerByName(${typeof sampler === "string" ? JSON.stringify(sampler) : '"auto"'}, { seed: 1 }) or new TPESampler({ seed: 1 }), got ${describeValue(sampler)}`,
    );
  }
  const pruner = options.pruner as unknown;
  if (pruner !== undefined && (pruner === null || typeof pruner !== "object" || typeof (pruner as Pruner).prune !== "function")) {
    throw new TypeError(
      `${caller}: pruner must be a pruner object, e.g. createPrunerByName(${typeof pruner === "string" ? JSON.stringify(pruner) : '"median"'}) or new MedianPruner(), got ${describeValue(pruner)}`,
    );
  }
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object without the methods" : `${typeof value} ${String(value)}`;
}

/**
 * The study's directions from `direction` or `directions`. Refused as the other misused options of
 * createStudy are, with a TypeError naming the option: these were plain Errors without its name,
 * and `directions: "maximize"` (a string) was read letter by letter ('got "m"').
 */
function resolveDirections(options: CreateStudyOptions): Direction[] {
  if (options.direction !== undefined && options.directions !== undefined) {
    throw new TypeError("createStudy: give either direction or directions, not both");
  }
  if (options.directions !== undefined && !Array.isArray(options.directions)) {
    throw new TypeError(`createStudy: directions must be an array such as ["minimize", "maximize"], got ${shownValue(options.directions)}`);
  }
  const directions = options.directions ?? [options.direction ?? "minimize"];
  if (directions.length === 0) throw new TypeError("createStudy: directions must not be empty");
  directions.forEach((d, i) => {
    const option = options.directions === undefined ? "direction" : `directions[${i}]`;
    if (d !== "minimize" && d !== "maximize") throw new TypeError(`createStudy: ${option} must be "minimize" or "maximize", got ${shownValue(d)}`);
  });
  return [...directions];
}

function checkDirections(record: StudyRecord, directions: readonly Direction[]): void {
  if (record.directions.length !== directions.length || record.directions.some((d, i) => d !== directions[i])) {
    throw new Error(
      `study "${record.name}" exists with directions [${record.directions.join(", ")}], not [${directions.join(", ")}]`,
    );
  }
}

/**
 * A study: an optimization task made of trials, kept in a storage. It drives the sampler and the
 * pruner, and keeps an incrementally refreshed copy of its trials so that each trial's bookkeeping
 * costs the same however long the history is.
 */
export class Study implements TrialHost {
  readonly id: number;
  readonly name: string;
  readonly directions: readonly Direction[];
  private record: StudyRecord;
  private readonly trialCache: FrozenTrial[] = [];
  /** How many entries of {@link trialCache} are placeholders for trials not read yet. */
  private holes = 0;
  private readonly finishedCache: FrozenTrial[] = [];
  private readonly finishedNumbers = new Set<number>();
  /** What `stopAfter` counts of {@link trialCache} and {@link finishedCache}, kept as they change. */
  private readonly stopAfterCounts = new StopAfterCounts();
  /** How far {@link trialsSinceImprovement} has read {@link finishedCache}, with the front and count it found. */
  private improvementScan: { read: number; constrained: boolean; front: GrowingFront; since: number } = { read: 0, constrained: false, front: new GrowingFront(), since: 0 };
  /** The numbers of {@link bestTrials} as of `finished` entries of {@link finishedCache}. */
  private paretoCache: { finished: number; numbers: number[] } | null = null;
  /** How far {@link constraintCountOfTrials} has read `finishedCache`, and the count it found. */
  private readonly constraintCountScan: { read: number; count: number | undefined } = { read: 0, count: undefined };
  private seq = 0;
  /**
   * Bumped by {@link stop}: each `optimize` call stops once it differs from the value the call
   * started with. (One flag, reset by every call, let a second call cancel a stop meant for a
   * first one still running, which then never ended.)
   */
  private stopGeneration = 0;
  private readonly flushes = new Map<number, Promise<void>>();
  private readonly flushErrors = new Map<number, unknown>();
  /** How long each running trial's last write of its changes took, and when it ended (performance.now()). */
  private readonly lastFlush = new Map<number, { tookMs: number; endedAt: number }>();
  /** Ends the pause before a trial's next write at once (see pauseBeforeIntermediateFlush). */
  private readonly flushPauseEnders = new Map<number, () => void>();
  /** Trials whose next write must not pause: {@link flushTrial} waits for it. */
  private readonly flushWanted = new Set<number>();
  /** Numbers of trials told here whose finishing write has not come back yet. */
  private readonly finishing = new Set<number>();
  /** The write that fails each trial a suggestion left unable to go on (see {@link failTrialThatCannotGoOn}). */
  private readonly failedOnSuggest = new WeakMap<Trial, Promise<FrozenTrial>>();
  /**
   * Those trials by number, until told, so that a tell by number finds them as a tell of the object
   * does (they are no longer active). The oldest are forgotten past {@link FAILED_ON_SUGGEST_KEPT}:
   * a server whose clients never tell such trials must not keep them all.
   */
  private readonly failedOnSuggestByNumber = new Map<number, Trial>();
  /** Each error that made this study fail a trial (see {@link trialFailedBy}), with the trial as stored failed. */
  private readonly trialsFailedByError = new WeakMap<object, FrozenTrial>();
  /** Those writes still on their way, which {@link close} waits for. */
  private readonly failingWrites = new Set<Promise<unknown>>();
  /** Asks of optimize's lanes still on their way to storage: counted by stop conditions as running. */
  private asksInFlight = 0;
  /**
   * Turns of the event loop that asks and optimize's lanes give now and then: a trial that
   * suggests nothing and returns at once (a sync objective, memory storage) awaits nothing that
   * makes the loop turn, and Ctrl-C, SIGTERM or a timer calling stop() waited for the last trial.
   */
  private readonly eventLoopTurns = new EventLoopTurns();
  /** The last enqueueTrial with skipIfExists: each waits for the one before (see there). */
  private enqueueing: Promise<unknown> = Promise.resolve();
  /** By trial id: the seq of the stored version this object's active trial last read or wrote. */
  private readonly knownSeq = new Map<number, number>();
  private readonly flushScheduled = new Set<number>();
  private readonly activeTrials = new Map<number, Trial>();
  /** Every trial object this study handed out, so `tell` refuses another study's (its id would finish a trial of that study). */
  private readonly ownTrials = new WeakSet<Trial>();
  /** Trials `optimize` started in the same write that finished the previous one, not yet handed out by an ask. */
  private readonly prefetched: FrozenTrial[] = [];
  /**
   * By trial id: the optimize call that started each trial in {@link prefetched}. Only that call's
   * asks take it, and only that call gives it back when it stops (see {@link OptimizeRun}); an
   * ask() of the caller's own takes none (it would record the call's heartbeat, not its own).
   */
  private readonly prefetchedBy = new Map<number, OptimizeRun>();
  private lastBackgroundRefresh = 0;
  /** Says once per parameter that the sampler's joint model leaves it out (see {@link sampleIndependent}); made at the first need. */
  private independentSamplingWatch: IndependentSamplingWatch | null = null;
  /**
   * The optimize calls under way, each with whether it may skip reading the other workers'
   * changes when it starts a trial (see {@link skipChangesOnAsk}).
   */
  private readonly runsSkippingChanges = new Map<OptimizeRun, boolean>();

  /**
   * True while only optimize calls run whose sampler and pruner use no history and that have no
   * stop condition: starting a trial then skips reading the other workers' changes, which would be
   * most of the cost of a fast trial. Decided over all the calls under way: one call's end used to
   * put back what it found at its start, another call's setting, and after two overlapping calls
   * every later ask() skipped the changes for good (study.trials missed other workers' trials).
   */
  private get skipChangesOnAsk(): boolean {
    if (this.runsSkippingChanges.size === 0) return false;
    for (const skips of this.runsSkippingChanges.values()) if (!skips) return false;
    return true;
  }
  /** Earlier studies this one learns from (see {@link CreateStudyOptions.warmStartFrom}). */
  warmStart: readonly WarmStartSource[] = [];
  /**
   * Said at the first ask, then cleared: that this study, resumed without a sampler, goes on with
   * another than the one it was made with (see {@link resumedSamplerNote}). Null when nothing to say.
   */
  resumedSamplerWarning: string | null = null;
  private warmStartChecked = false;
  /** Whether a segment that continues from a pruned one without a checkpoint has been warned of (once per study). */
  private saidPrunedWithoutCheckpoint = false;
  /** Whether a complete segment that saved no checkpoint, before its member's last, has been warned of (once per study). */
  private saidSegmentSavedNothing = false;
  /** Whether constraints given to tell or computed that replace different reported ones have been warned of (once per study). */
  private saidConstraintsReplaced = false;
  private refreshChain: Promise<void> = Promise.resolve();
  private queuedRefresh: Promise<void> | null = null;

  /**
   * Where the study reports what needs attention but must not stop a run, such as a trial that
   * another worker failed while this one was running it. Default: `process.emitWarning`.
   */
  onWarning: (message: string) => void = (message) => process.emitWarning(message, "SextantWarning");

  /** Computes each complete and pruned trial's constraint values when `tell` is not given them; see {@link CreateStudyOptions.constraints}. */
  constraints: ConstraintsFunction | null = null;

  constructor(
    readonly storage: Storage,
    record: StudyRecord,
    readonly sampler: Sampler,
    readonly pruner: Pruner,
    private readonly ownsStorage = false,
    /** The population-based scheduler, or null for an ordinary study. */
    readonly scheduler: Scheduler | null = null,
  ) {
    this.record = record;
    this.id = record.id;
    this.name = record.name;
    this.directions = record.directions;
  }

  /** The study's trials as of the last refresh, by number. */
  /**
   * Every trial read so far, in number order. Trials other workers started that this object has not
   * read yet are left out (not shown as made-up waiting trials); the next refresh brings them in.
   */
  get trials(): readonly FrozenTrial[] {
    return this.holes === 0 ? this.trialCache : this.trialCache.filter((t) => t.id !== PLACEHOLDER_ID);
  }

  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return this.record.userAttrs;
  }

  /**
   * Set by the HTTP service, whose trials run in its clients: each trial it starts records the
   * server as its worker with \`remote: "http"\`, so that no process judges the trial abandoned
   * because the server's pid is gone (a restarted server); the client's heartbeats tell instead.
   */
  trialsRunRemotely = false;

  /** The ask in progress for a sampler that can run dry (see {@link ask}). */
  private exhaustibleAsks: Promise<unknown> = Promise.resolve();

  /** What a trial this object starts records as its \`worker\`. */
  private workerRecord(): JsonValue {
    const self = currentWorker() as unknown as Record<string, JsonValue>;
    return this.trialsRunRemotely ? { ...self, remote: "http" } : self;
  }

  /**
   * The attributes a trial gets in the write that starts it (claim or create): its worker is
   * known from the first moment it runs, so a process killed right after is recognised as gone;
   * so is the heartbeat its owner keeps ({@link OWNER_HEARTBEAT_ATTR}), so that no reaper with a
   * shorter grace fails it while it beats: the study's stored one for {@link ask}, each optimize
   * call's own for its trials.
   */
  private workerAttrs(owner: OwnerHeartbeat = this.askedTrialsHeartbeat()): { systemAttrs: Record<string, JsonValue> } {
    if (this.trialsRunRemotely) {
      // A remote trial is reapable until its ask is answered (see ASK_PENDING_ATTR), and this
      // process beats for it meanwhile (see startTrial): at this interval, which every reaper waits twice for.
      const timing = resolveHeartbeat(this.storedHeartbeat(), this.storage.url);
      const systemAttrs: Record<string, JsonValue> = { worker: this.workerRecord(), [ASK_PENDING_ATTR]: true };
      if (timing) systemAttrs[OWNER_HEARTBEAT_ATTR] = { intervalSeconds: timing.intervalMs / 1000 };
      return { systemAttrs };
    }
    return { systemAttrs: { worker: this.workerRecord(), ...(owner !== null ? { [OWNER_HEARTBEAT_ATTR]: owner } : {}) } };
  }

  /**
   * The heartbeat a trial asked with {@link ask} records: the study's stored timing, at which
   * {@link beatForAskedTrial} beats for it. None for a trial the HTTP service starts: its client beats for it.
   */
  private askedTrialsHeartbeat(): OwnerHeartbeat {
    if (this.trialsRunRemotely) return null;
    const timing = resolveHeartbeat(this.storedHeartbeat(), this.storage.url);
    return timing ? ownerHeartbeatRecord(timing) : null;
  }

  get systemAttrs(): Readonly<Record<string, JsonValue>> {
    return this.record.systemAttrs;
  }

  /**
   * The best feasible complete trial of a single-objective study, or undefined if none has
   * completed feasibly (see {@link leastViolatingTrial} for the nearest miss).
   */
  get bestTrial(): FrozenTrial | undefined {
    if (this.directions.length !== 1) throw new MultiObjectiveError("this study has several objectives: use bestTrials (the Pareto front)");
    return bestFeasibleTrial(this.trialCache, this.directions[0]!);
  }

  /**
   * The trial the study recommends, with where the choice came from. A sampler with a model (the
   * GP) records, each time it fits its model, the evaluated trial with the lowest posterior mean of
   * the latent objective: on a noisy objective that is the configuration the data say is best,
   * where {@link bestTrial} is the luckiest observation. Without such a record (samplers without a
   * model, the startup design, several objectives), and when the model has fitted almost no noise
   * (`noiseIsMaterial`: then the objective looks deterministic and its best observation is what a
   * rerun gives), it falls back to {@link bestTrial}, with `source: "best observed"`. It reflects the model as of its last fit: trials completed since are
   * not in it yet. Kept on the trial's system attributes, so every storage keeps it.
   *
   * @example
   * const study = await createStudy({ sampler: new GPSampler({ seed: 1, noisePrior: "gamma" }) });
   * await study.optimize((t) => noisyLoss(t.suggestFloat("x", 0, 1)), { nTrials: 40 });
   * const { trial, source, record } = study.recommendation!;
   * console.log(source, trial.number, record?.mean, record?.sd); // "model", 31, 0.12, 0.03
   */
  get recommendation(): Recommendation | undefined {
    if (this.directions.length !== 1) throw new MultiObjectiveError("this study has several objectives: use bestTrials (the Pareto front)");
    return recommendedTrial(this.trialCache, this.directions[0]!);
  }

  /**
   * The recommended trial of a single-objective study: the best posterior mean among evaluated
   * trials where a model says so, otherwise the best observed trial; see {@link recommendation}.
   *
   * @example
   * console.log(study.recommendedTrial?.params, "vs best observed", study.bestTrial?.params);
   */
  get recommendedTrial(): FrozenTrial | undefined {
    return this.recommendation?.trial;
  }

  /** The best value of a single-objective study, or undefined. */
  get bestValue(): number | undefined {
    return this.bestTrial?.values?.[0];
  }

  get bestParams(): Readonly<Record<string, ParamValue>> | undefined {
    return this.bestTrial?.params;
  }

  /**
   * The feasible complete trials no other feasible complete trial dominates (for one objective:
   * those with the best value). Infeasible trials never appear, however good their values.
   */
  get bestTrials(): FrozenTrial[] {
    // Found again only when a trial has finished since (a finished trial's values and constraints
    // do not change): sextant tune's progress line asks 4 times a second, and a front of
    // thousands of trials in three objectives takes a second or more to find.
    const finished = this.finishedCache.length;
    if (this.paretoCache?.finished !== finished) {
      this.paretoCache = { finished, numbers: feasibleParetoFront(this.trialCache, this.directions).map((t) => t.number) };
    }
    // The trials as cached now: one rewritten since (a newer seq) shows as it is.
    return this.paretoCache.numbers.map((number) => this.trialCache[number]!);
  }

  /**
   * When no complete trial is feasible: the complete trial with the smallest total violation (the
   * sum of its positive constraint values), ties to the earlier trial; otherwise undefined.
   *
   * @example
   * if (!study.bestTrial) console.log("closest:", study.leastViolatingTrial?.systemAttrs.constraints);
   */
  get leastViolatingTrial(): FrozenTrial | undefined {
    return leastViolatingTrial(this.trialCache);
  }

  /** This study in this process's samplers and pruners: its storage object's token and its id. */
  private get studyKey(): string {
    return `${storageToken(this.storage)}:${this.id}`;
  }

  /** What samplers and pruners see now. */
  snapshot(): StudySnapshot {
    return {
      studyId: this.id,
      studyKey: this.studyKey,
      studyName: this.name,
      directions: this.directions,
      trials: this.trialCache,
      finished: this.finishedCache,
      userAttrs: this.record.userAttrs,
      systemAttrs: this.record.systemAttrs,
      ...(this.warmStart.length > 0 ? { warmStart: this.warmStart } : {}),
    };
  }

  /**
   * What the sampler sees when it proposes trial `trialNumber`: the snapshot with the planned
   * parameters of this process's running trials (see {@link withPlannedParams}), narrowed by the
   * pruner if it asks to (Hyperband's brackets).
   */
  private samplerSnapshot(trialNumber: number): StudySnapshot {
    const snapshot = this.withPlannedParams(this.snapshot(), trialNumber);
    return this.pruner.samplerSnapshot ? this.pruner.samplerSnapshot(snapshot, trialNumber) : snapshot;
  }

  /**
   * The snapshot with each running trial of this process (but `trialNumber`, the one being
   * proposed) showing, beside the parameters suggested so far, those its sampler planned jointly
   * at `ask` and the objective has not asked for yet: the values it will get when it does. A
   * define-by-run client of `sextant serve` asks for each parameter in a request of its own, so a
   * sibling asked in between saw a running trial without (all of) its parameters, which neither
   * the GP's kriging believer nor TPE's constant liar can keep away from (measured by
   * `bench/parallel-serve.mjs`, mode serve-dbr). Only samplers see the plan: `trials` and storage
   * keep what was suggested.
   */
  private withPlannedParams(snapshot: StudySnapshot, trialNumber: number): StudySnapshot {
    let trials: FrozenTrial[] | null = null;
    for (const trial of this.activeTrials.values()) {
      if (trial.number === trialNumber || trial.finished) continue;
      const planned = Object.keys(trial.relativeParams).filter((name) => !(name in trial.params) && trial.relativeSpace[name] !== undefined);
      const cached = this.trialCache[trial.number];
      if (planned.length === 0 || !cached || cached.id !== trial.id || cached.state !== "running") continue;
      const params: Record<string, ParamValue> = { ...trial.params };
      const distributions: Record<string, Distribution> = { ...trial.distributions };
      for (const name of planned) {
        // An enqueued trial's fixed value wins over the sampler's, as it will when suggested.
        params[name] = Object.prototype.hasOwnProperty.call(trial.fixedParams, name) ? trial.fixedParams[name]! : trial.relativeParams[name]!;
        distributions[name] = trial.relativeSpace[name]!;
      }
      trials ??= [...this.trialCache];
      trials[trial.number] = { ...cached, params, distributions };
    }
    return trials ? { ...snapshot, trials } : snapshot;
  }

  /**
   * Reads what changed in storage since the last refresh (other workers' trials included).
   * Reads are serialized: a call made while a read is under way queues one more read after it
   * (so it sees writes made before the call), and calls made while that one waits share it.
   */
  refresh(): Promise<void> {
    if (this.queuedRefresh) return this.queuedRefresh;
    const queued = this.refreshChain.then(async () => {
      this.queuedRefresh = null;
      this.absorbChanges(await this.storage.trialsSince(this.id, this.seq));
    });
    this.queuedRefresh = queued;
    this.refreshChain = queued.catch(() => undefined);
    return queued;
  }

  /**
   * Takes in changes read since `this.seq`. Safe beside a refresh under way: each trial keeps its
   * newest version, and the seq only moves forward to a point up to which everything was read.
   */
  private absorbChanges(changes: TrialChanges): void {
    for (const trial of changes.trials) this.absorb(trial);
    this.seq = Math.max(this.seq, changes.seq);
  }

  /**
   * Moves the read position past this object's own write of `seq` when it is the study's next
   * change after everything already read: the next refresh then need not read back what this
   * object has just stored. Each report over HTTP is such a write, and reading the trial back
   * parsed its whole learning curve, so a trial's n-th report cost O(n). Any other process's write
   * in between takes a seq of its own, and the position stays where it was.
   */
  private passOwnWrite(seq: number): void {
    if (seq === this.seq + 1) this.seq = seq;
  }

  private absorb(trial: FrozenTrial): void {
    const known = this.trialCache[trial.number];
    if (known && known.seq > trial.seq) return;
    if (known?.id === PLACEHOLDER_ID) this.holes--;
    while (this.trialCache.length < trial.number) {
      // A gap means a trial we have not read yet; a later refresh fills it. Keep indexes aligned.
      this.trialCache.push(placeholder(this.trialCache.length));
      this.holes++;
    }
    this.cacheTrial(this.withLocalWrites(trial));
    // Finished elsewhere (reaped, or told through another server): stop holding it by number, so
    // resumeTrial reports it finished and a long-lived server does not keep it forever.
    if (trial.state !== "running" && trial.state !== "waiting") {
      this.activeTrials.delete(trial.number);
      this.knownSeq.delete(trial.id);
    }
    if ((trial.state === "complete" || trial.state === "pruned" || trial.state === "failed") && !this.finishedNumbers.has(trial.number)) {
      this.finishedNumbers.add(trial.number);
      this.finishedCache.push(trial);
      this.stopAfterCounts.finish(trial);
    }
  }

  /** Puts `trial` in its place in {@link trialCache} (the places before it taken) and tells {@link stopAfterCounts}. */
  private cacheTrial(trial: FrozenTrial): void {
    this.stopAfterCounts.replace(this.trialCache[trial.number], trial);
    this.trialCache[trial.number] = trial;
  }

  /** Sets a user attribute on the study. */
  async setUserAttr(key: string, value: JsonValue): Promise<void> {
    checkAttr(`study "${this.name}": setUserAttr`, key, value);
    await this.storage.setStudyAttrs(this.id, { userAttrs: { [key]: value } });
    this.record = { ...this.record, userAttrs: { ...this.record.userAttrs, [key]: value } };
  }

  async setSystemAttr(key: string, value: JsonValue): Promise<void> {
    checkAttr(`study "${this.name}": setSystemAttr`, key, value);
    await this.storage.setStudyAttrs(this.id, { systemAttrs: { [key]: value } });
    this.record = { ...this.record, systemAttrs: { ...this.record.systemAttrs, [key]: value } };
  }

  /**
   * Queues a trial with fixed parameter values; the next `ask` (by any worker) runs it first.
   * Parameters the objective asks for that are not given are sampled as usual.
   *
   * @param options.skipIfExists skip if a trial with exactly these parameters is already queued, running or finished
   *   (a trial failed as interrupted, stopped by Ctrl-C or SIGTERM, does not count: it never ran to its end).
   */
  async enqueueTrial(
    params: Record<string, ParamValue>,
    options: { userAttrs?: Record<string, JsonValue>; skipIfExists?: boolean } = {},
  ): Promise<FrozenTrial | null> {
    checkEnqueuedParams(params);
    // A misspelt skipIfExist queued the same point twice.
    const unknown = options !== null && typeof options === "object" ? unknownKeysMessage(options, ["userAttrs", "skipIfExists"]) : "options must be an object";
    if (unknown !== null) throw new TypeError(`enqueueTrial: ${unknown}`);
    // Claimed by the next ask as if it were a segment, it ran with no member, step range or checkpoint.
    const schedule = this.record.systemAttrs[SCHEDULER_ATTR] as Record<string, unknown> | undefined;
    if (this.scheduler || schedule !== undefined) {
      const what = schedule !== undefined ? describeSchedule(schedule) : `${this.scheduler!.name} population`;
      throw new Error(`enqueueTrial: study "${this.name}" trains a ${what}: its trials are its members' segments, which its scheduler queues; a trial cannot be enqueued in it`);
    }
    const queue = (): Promise<FrozenTrial> =>
      this.storage.createTrial(this.id, {
        state: "waiting",
        userAttrs: options.userAttrs ?? {},
        systemAttrs: { fixedParams: params as Record<string, JsonValue> },
      });
    if (!options.skipIfExists || Object.keys(params).length === 0) return queue();
    // One check-and-queue at a time in this object: ten concurrent calls for one point each
    // checked before any had queued it, and queued it ten times.
    const checked = this.enqueueing.then(async () => {
      await this.refresh();
      const key = canonicalParams(params);
      // The same names and values, as Optuna's skip_if_exists: a trial that also has other
      // parameters is not this one, so a partial point still runs after a full trial shares its values.
      // A trial stopped by Ctrl-C has no result: a resumed `sextant tune --enqueue` skipped its point
      // for good. It still counts once queued again (its retry fixes every parameter it had drawn).
      const retried = new Set(this.trialCache.map((trial) => trial.systemAttrs.retryOf));
      for (const trial of this.trialCache) {
        if (trial.state === "failed" && trial.systemAttrs.failReason === INTERRUPTED_REASON && !retried.has(trial.number)) continue;
        const fixed = (trial.systemAttrs.fixedParams ?? null) as Record<string, ParamValue> | null;
        if ((fixed !== null && canonicalParams(fixed) === key) || canonicalParams(trial.params) === key) return null;
      }
      return queue();
    });
    this.enqueueing = checked.catch(() => undefined);
    return checked;
  }

  /**
   * Starts a trial: claims an enqueued one if any, otherwise creates a new one, and runs the
   * sampler's joint (relative) step. Finish it with {@link tell}.
   *
   * @param fixedDistributions parameters to suggest right away (ask/tell users who know their space up front).
   */
  async ask(fixedDistributions: Record<string, Distribution> = {}): Promise<Trial> {
    if (this.eventLoopTurns.due()) await this.eventLoopTurns.turn();
    // The HTTP service's asks beat from the thread while the sampler runs (see startTrial): started before the first.
    if (this.trialsRunRemotely) await (this.askedTrialBeats ??= this.joinAskedTrialBeats());
    const trial = await this.askTrial(fixedDistributions);
    await this.beatForAskedTrial(trial);
    return trial;
  }

  /**
   * Beats for a trial asked outside optimize, on a storage other processes share, until it is
   * told: workers reaped an ask/tell trial that ran longer than their grace (a 75 s training
   * step), though its process was alive, dropped its result and ran it again. A trial the HTTP
   * service asks for its client is left to the client's own beats.
   */
  private async beatForAskedTrial(trial: Trial): Promise<void> {
    if (this.trialsRunRemotely) return;
    // Decided once per study object: the timing, and the thread it joins (or none).
    this.askedTrialBeats ??= this.joinAskedTrialBeats();
    const beats = await this.askedTrialBeats;
    if (beats !== null && !trial.finished) beats.add(trial.id);
  }

  /** The storage's URL as threads reopen it (see {@link Storage.reopenUrl}). */
  private get reopenUrl(): string {
    return this.storage.reopenUrl ?? this.storage.url;
  }

  /** The process's heartbeat thread for this storage and interval, started if none is; null where nothing beats. */
  private joinAskedTrialBeats(): Promise<HeartbeatThread | null> {
    const timing = resolveHeartbeat(this.storedHeartbeat(), this.storage.url);
    if (timing === null) return Promise.resolve(null);
    // One thread per storage and interval for the whole process, shared by its study objects:
    // one per object cost a thread, a connection and about 10 MB each, kept until close().
    const key = `${timing.intervalMs}\0${this.reopenUrl}`;
    let shared = ASKED_TRIAL_BEATS.get(key);
    if (!shared) {
      const thread = HeartbeatThread.start(this.reopenUrl, timing.intervalMs, (message) => this.onWarning(message)).catch((error: unknown) => {
        this.onWarning(`trials asked with ask() get no heartbeats (${errorMessage(error)}): another worker may fail one that runs longer than its grace`);
        return null;
      });
      shared = { thread, users: 0 };
      ASKED_TRIAL_BEATS.set(key, shared);
    }
    shared.users++;
    this.askedTrialBeatsKey = key;
    return shared.thread.then((beats) => (this.askedTrialBeatsStarted = beats));
  }

  /**
   * The heartbeat a study made by `sextant create` or `tune` stored for its workers (their
   * `--heartbeat-interval` and `--heartbeat-grace`), or undefined for the defaults. Beating at the
   * default 5 s for a study whose workers reap after 4 s got a live trial of `tune` or of ask/tell
   * reaped. Read as it was stored; a malformed record is ignored.
   */
  private storedHeartbeat(): HeartbeatOptions | undefined {
    return storedHeartbeatOf(this.record.systemAttrs, this.storage.url);
  }

  /**
   * The trials of a budget stored by `sextant create --trials N` (queued up front), or null for a
   * study without one (made by the library or `sextant tune`, whose --trials bounds only the runs
   * that count against it). Every ask claims one of the queued trials, and {@link ask} throws
   * {@link TrialBudgetSpentError} when none is left. Read as it was stored; a malformed record is no budget.
   *
   * @example
   * const study = await loadStudy({ name: "fleet", storage: "sqlite:./runs.db" });
   * if (study.queuedTrialBudget !== null) console.log(`at most ${study.queuedTrialBudget} trials, retries aside`);
   */
  get queuedTrialBudget(): number | null {
    const config = this.record.systemAttrs[CLI_CONFIG_ATTR];
    const budget = config !== null && typeof config === "object" && !Array.isArray(config) ? config.budget : undefined;
    if (budget === null || typeof budget !== "object" || Array.isArray(budget) || budget.queued !== true) return null;
    return typeof budget.trials === "number" && Number.isSafeInteger(budget.trials) && budget.trials > 0 ? budget.trials : null;
  }

  /**
   * Before any trial is handed out: a study read while `sextant create` was still making it reads
   * its record again, since the budget (`cli:config`) is written last and a long-lived object (the
   * HTTP service's, a library process's) would otherwise hand out trials past it. Refuses with
   * {@link HalfMadeStudyError} while it is still half-made; reads nothing for a study made. Inside,
   * called only on a record read half-made (`if (isHalfMadeStudy(this.record.systemAttrs)) await
   * this.readRecordIfHalfMade()`): an ordinary ask pays not even an await, which would let
   * optimize's lanes interleave differently and start a trial past nTrials. The HTTP service calls
   * it before checking an ask against the study's stored settings (a client's beat interval against
   * its heartbeat grace): the check, made on the record read before `cli:config` was stored, let
   * through an interval the stored grace refuses, while the ask read the record again.
   *
   * @example
   * await study.readRecordIfHalfMade();
   * console.log(study.systemAttrs["cli:config"]); // as stored, once sextant create has finished
   */
  async readRecordIfHalfMade(): Promise<void> {
    if (!isHalfMadeStudy(this.record.systemAttrs)) return;
    const stored = await this.storage.getStudy(this.name);
    // Deleted (and perhaps made again under its name) meanwhile: this object's study is gone, not made.
    if (stored !== null && stored.id === this.id) this.record = stored;
    if (isHalfMadeStudy(this.record.systemAttrs)) throw new HalfMadeStudyError(this.name, this.record.systemAttrs);
  }

  /** The heartbeat thread of trials asked with {@link ask}, started with the first (see {@link beatForAskedTrial}). */
  private askedTrialBeats: Promise<HeartbeatThread | null> | null = null;
  private askedTrialBeatsStarted: HeartbeatThread | null = null;
  private askedTrialBeatsKey: string | null = null;

  /**
   * {@link ask} without its heartbeat: optimize beats for its own trials.
   *
   * @param owner what the trial records as its owner's heartbeat (an optimize call's own).
   * @param run the optimize call asking, whose trials started ahead are taken first; none for ask().
   */
  private async askTrial(fixedDistributions: Record<string, Distribution>, owner: OwnerHeartbeat = this.askedTrialsHeartbeat(), run: OptimizeRun | null = null): Promise<Trial> {
    // Checked before a trial exists: a bad distribution here is the caller's, not a failed trial's.
    checkFixedDistributions(fixedDistributions);
    if (this.resumedSamplerWarning !== null) {
      this.onWarning(this.resumedSamplerWarning);
      this.resumedSamplerWarning = null;
    }
    // No await before the storage call on the ordinary path: optimize's pipelined lanes keep to
    // nTrials only because an ask reaches the storage in the same tick it is made (one more await
    // here started trial 61 of 60 in "however the lanes interleave"). Only a half-made study waits.
    if (isHalfMadeStudy(this.record.systemAttrs)) await this.readRecordIfHalfMade();
    // A population's trials are its queued segments: ask/tell runs them as optimize does.
    // A synchronous population's ask read the study just now to see what is free: said from that read.
    if (this.scheduler) return (await this.askSegment(fixedDistributions, owner)) ?? (await this.noSegmentReady(this.scheduler.synchronous !== true));
    this.refusePopulationWithoutScheduler();
    const budget = this.queuedTrialBudget;
    if (budget !== null) {
      // Only a queued trial, claimed atomically, as workers run them: creating one went past the budget.
      const claimed = await this.storage.claimWaitingTrial(this.id, this.workerAttrs(owner));
      if (!claimed) throw new TrialBudgetSpentError(this.name, budget);
      return this.startTrial(claimed, fixedDistributions, "claimed", owner);
    }
    // A sampler that may run dry must be asked before a trial is created, which the one-trip path cannot do.
    const prefetched = run ? this.takePrefetched(run) : undefined;
    if (prefetched) return this.startTrial(prefetched, fixedDistributions, "read with the study's changes", owner);
    if (this.storage.startNextTrial && !this.sampler.isExhausted) {
      const since = this.skipChangesOnAsk ? null : this.seq;
      const { trial, changes } = await this.storage.startNextTrial(this.id, this.workerAttrs(owner), since);
      if (changes) this.absorbChanges(changes);
      this.absorb(trial);
      return this.startTrial(trial, fixedDistributions, "read with the study's changes", owner);
    }
    if (!this.sampler.isExhausted) return this.claimOrCreate(fixedDistributions, owner);
    // One at a time in this process: an ask that judged the sampler not yet exhausted must have
    // taken its point before the next one judges, or concurrent loops all pass the check and
    // run a grid's last point several times.
    const turn = this.exhaustibleAsks.then(() => this.claimOrCreate(fixedDistributions, owner));
    this.exhaustibleAsks = turn.catch(() => undefined);
    return turn;
  }

  /** A trial `run` started ahead, taken out of {@link prefetched}; undefined if none is. */
  private takePrefetched(run: OptimizeRun): FrozenTrial | undefined {
    const index = this.prefetched.findIndex((trial) => this.prefetchedBy.get(trial.id) === run);
    if (index < 0) return undefined;
    const [trial] = this.prefetched.splice(index, 1);
    this.prefetchedBy.delete(trial!.id);
    return trial;
  }

  /** How many trials `run` has started ahead and not yet taken. */
  private prefetchedCount(run: OptimizeRun): number {
    let count = 0;
    for (const trial of this.prefetched) if (this.prefetchedBy.get(trial.id) === run) count++;
    return count;
  }

  /** {@link ask}'s path without a one-trip start: a queued trial if any, else a new one while the sampler has points. */
  private async claimOrCreate(fixedDistributions: Record<string, Distribution>, owner: OwnerHeartbeat): Promise<Trial> {
    const claimed = await this.storage.claimWaitingTrial(this.id, this.workerAttrs(owner));
    if (claimed) return this.startTrial(claimed, fixedDistributions, "claimed", owner);
    // Enqueued trials run even after the sampler has nothing left of its own to propose.
    if (this.sampler.isExhausted) {
      await this.refresh();
      if (this.sampler.isExhausted(this.snapshot())) {
        throw new SamplerExhaustedError(`sampler "${this.sampler.name}" has no more points to propose`);
      }
    }
    const created = await this.storage.createTrial(this.id, { state: "running", ...this.workerAttrs(owner) });
    return this.startTrial(created, fixedDistributions, "created", owner);
  }

  /**
   * Like {@link ask}, but only claims a trial already queued in the study; resolves to null when
   * none is waiting instead of creating one. With a scheduler it claims segments as ask does (in
   * the synchronous order, decided), and resolves to null when none is free to run.
   *
   * @example
   * const trial = await study.askQueued();
   * if (trial) await study.tell(trial, objective(trial));
   */
  async askQueued(): Promise<Trial | null> {
    const trial = await this.askQueuedTrial();
    if (trial) await this.beatForAskedTrial(trial);
    return trial;
  }

  /** {@link askQueued} without its heartbeat: optimize beats for its own trials, which record `owner`. */
  private async askQueuedTrial(owner: OwnerHeartbeat = this.askedTrialsHeartbeat()): Promise<Trial | null> {
    if (isHalfMadeStudy(this.record.systemAttrs)) await this.readRecordIfHalfMade();
    // A population's segments go out in the scheduler's order, decided, as ask hands them out.
    if (this.scheduler) return this.askSegment({}, owner);
    this.refusePopulationWithoutScheduler();
    const record = await this.storage.claimWaitingTrial(this.id, this.workerAttrs(owner));
    return record ? this.startTrial(record, {}, "claimed", owner) : null;
  }

  /**
   * Makes the trial object for a trial this process has just started, and runs the sampler's joint step.
   *
   * @param how how `record` came to run here: claimed from the queue, created, or started in a
   * write that also read the study's changes (so no read is needed before sampling).
   * @param owner the heartbeat the trial's start recorded (see {@link workerAttrs}).
   */
  private async startTrial(
    record: FrozenTrial,
    fixedDistributions: Record<string, Distribution>,
    how: "claimed" | "created" | "read with the study's changes",
    owner: OwnerHeartbeat = this.askedTrialsHeartbeat(),
  ): Promise<Trial> {
    // An HTTP client's trial, until its ask is answered: the sampler blocks this thread for as
    // long as it takes (seconds for a GP on a long history), and another process's reaper failed
    // the trial as one left by a dead ask while it ran; the client got 409 for it.
    const stopBeats = record.systemAttrs[ASK_PENDING_ATTR] === true ? this.beatWhileSampling(record.id) : () => undefined;
    try {
      return await this.startTrialBeaten(record, fixedDistributions, how, owner);
    } finally {
      stopBeats();
    }
  }

  /** {@link startTrial}'s work: the study's changes read, the trial object made and the sampler's joint step run. */
  private async startTrialBeaten(
    record: FrozenTrial,
    fixedDistributions: Record<string, Distribution>,
    how: "claimed" | "created" | "read with the study's changes",
    owner: OwnerHeartbeat,
  ): Promise<Trial> {
    if (how !== "read with the study's changes") {
      try {
        await this.refresh();
      } catch (error) {
        await this.abandonUnaskedTrial(record, how === "claimed", error);
        throw error;
      }
    }
    const fixedParams = (record.systemAttrs.fixedParams ?? {}) as Record<string, ParamValue>;
    const trial = new Trial(this, record, fixedParams, record.startedAt ?? Date.now());
    this.ownTrials.add(trial);
    this.knownSeq.set(trial.id, record.seq);
    // A storage of its own that ignores the claim's attributes: record the worker with the next flush.
    if (record.systemAttrs.worker === undefined) for (const [key, value] of Object.entries(this.workerAttrs(owner).systemAttrs)) trial.setSystemAttr(key, value);
    this.activeTrials.set(trial.number, trial);
    try {
      const snapshot = this.samplerSnapshot(trial.number);
      const view = this.samplingView(trial);
      this.sampler.beforeTrial?.(snapshot, view);
      const space = this.sampler.inferRelativeSpace(snapshot, view);
      if (Object.keys(space).length > 0) {
        trial.relativeParams = this.sampler.sampleRelative(snapshot, view, space);
        trial.relativeSpace = space;
        trial.relativeFromSources = this.warmStart.length > 0 && !snapshot.trials.some((t) => t?.state === "complete");
      }
      for (const [name, distribution] of Object.entries(fixedDistributions)) trial.suggest(name, distribution);
      // Written with the asked parameters, as the HTTP service flushes them before it answers.
      if (this.trialsRunRemotely && record.systemAttrs[ASK_PENDING_ATTR] === true) trial.setSystemAttr(ASK_PENDING_ATTR, false);
      // A trial an optimize call started ahead and gave back to the queue still records that call's
      // heartbeat, and one asked over HTTP the server's beats for the ask, which end with it; neither
      // is its client's: it gets the one its client says at the answer (or none).
      if (this.trialsRunRemotely && record.systemAttrs[OWNER_HEARTBEAT_ATTR] !== undefined) trial.setSystemAttr(OWNER_HEARTBEAT_ATTR, null);
      return trial;
    } catch (error) {
      // A queued value outside the asked space is the queue's doing, not the sampler's.
      const reason = isA(error, FixedParamOutOfRangeError) ? errorMessage(error) : `sampler error: ${errorMessage(error)}`;
      const failed = await this.tell(trial, { state: "failed", reason }).catch(() => null);
      if (failed?.state === "failed") this.rememberFailure(error, failed);
      throw error;
    }
  }

  /**
   * Fails a trial that {@link ask} returned but whose asker never got it (the HTTP service: the
   * write of its asked parameters failed, and the client was answered with that error), and queues
   * its values again with its `retryCount` unchanged: it never ran, so this is no retry, and one
   * that had used up its retries goes back all the same (queued through {@link queueRetry}, it was
   * dropped, and a budget of queued trials ended one short).
   *
   * @example
   * await study.failUnansweredAsk(trial, "its ask was answered with an error before its client got it");
   */
  async failUnansweredAsk(trial: Trial, reason: string): Promise<void> {
    const failed = await this.tell(trial, { state: "failed", reason });
    if (failed.state !== "failed") return;
    const queued = await this.queueAgain(failed, retryCountOf(failed));
    if (queued) this.absorb(queued);
  }

  /**
   * Fails a trial that a storage error stopped {@link ask} from handing out (it was claimed or
   * created, and then the read of the study's changes, or a segment's decision, could not be
   * written): nobody holds it, and the caller gets the error, not the trial. A trial claimed from
   * the queue goes back to it (queued again with its values, as a reaped trial is, but with its
   * `retryCount` unchanged: it never ran), so a budget of queued trials does not end one short.
   * Best effort: where storage refuses this too, the trial stays running for the reapers, which
   * take it as a silent one (a trial of the HTTP service is reapable until its ask is answered:
   * see ASK_PENDING_ATTR).
   */
  private async abandonUnaskedTrial(record: FrozenTrial, claimed: boolean, error: unknown): Promise<void> {
    let failed: FrozenTrial;
    try {
      // Back where it was, with its number, where the storage can (it has no parameter yet).
      if (claimed && (await this.storage.releaseTrial?.(record.id))) return;
      failed = await this.storage.updateTrial(record.id, {
        state: "failed",
        values: null,
        systemAttrs: { failReason: `its ask could not be completed: ${errorMessage(error)}` },
      });
    } catch (abandonError) {
      this.onWarning(
        `trial ${record.number} could not be handed out (${errorMessage(error)}) nor marked failed (${errorMessage(abandonError)}); ` +
          "it stays running until a reaper fails it",
      );
      return;
    }
    this.absorb(failed);
    if (!claimed) return;
    try {
      // Never run, so no retry: it keeps its count, and goes back however many times it was retried.
      const queued = await this.queueAgain(failed, retryCountOf(failed));
      if (queued) this.absorb(queued);
    } catch (queueError) {
      this.onWarning(`trial ${record.number} could not be handed out (${errorMessage(error)}) and was failed, but not queued again (${errorMessage(queueError)}): its values are lost to the queue`);
    }
  }

  /**
   * Picks up a running trial that this study object did not ask for: one started by another
   * process, such as an HTTP server before it restarted or another server sharing the storage.
   * Later suggestions and `tell` work on it as on a trial from {@link ask}; the sampler's joint
   * step is not redone, so its parameters not yet suggested are sampled independently.
   *
   * @example
   * const trial = await study.resumeTrial(7);
   * await study.tell(trial, trial.suggestFloat("x", 0, 1) ** 2);
   */
  async resumeTrial(number: number): Promise<Trial> {
    const active = this.activeTrials.get(number);
    if (active) return active;
    await this.refresh();
    const raced = this.activeTrials.get(number);
    if (raced) return raced;
    const record = this.trialCache[number];
    if (!record || record.id < 0) throw new TrialNumberNotFoundError(this.name, number);
    if (record.state !== "running") throw new TrialNotRunningError(record.id, record.state, record.number);
    const fixedParams = (record.systemAttrs.fixedParams ?? {}) as Record<string, ParamValue>;
    const trial = new Trial(this, record, fixedParams, record.startedAt ?? Date.now());
    this.ownTrials.add(trial);
    this.knownSeq.set(trial.id, record.seq);
    this.activeTrials.set(number, trial);
    return trial;
  }

  /**
   * {@link resumeTrial} for a process that shares its running trials with others, as HTTP servers
   * on one database do: when another process has written the trial since this object last read or
   * wrote it, the trial is taken up again as stored, so a parameter suggested elsewhere is not
   * suggested anew here (which storage refuses, and which then failed the trial at its tell).
   * What this object held only in memory for the trial (the sampler's joint proposal) is dropped
   * with it; it was made without the other process's parameters.
   */
  async resumeSharedTrial(number: number): Promise<Trial> {
    // Its suggestions beat from the thread while the sampler runs (see beatWhileSampling), on a server that has not asked yet too.
    if (this.trialsRunRemotely) await (this.askedTrialBeats ??= this.joinAskedTrialBeats());
    await this.refresh();
    const active = this.activeTrials.get(number);
    const cached = this.trialCache[number];
    const known = active ? this.knownSeq.get(active.id) : undefined;
    const idle = active !== undefined && !this.flushScheduled.has(active.id) && !this.flushes.has(active.id);
    if (active && idle && cached && cached.id === active.id && known !== undefined && (cached.seq > known || this.flushErrors.has(active.id))) {
      const stored = await this.storage.getTrial(active.id);
      this.activeTrials.delete(number);
      this.ownTrials.delete(active);
      this.flushErrors.delete(active.id);
      this.knownSeq.delete(active.id);
      if (stored) this.absorb(stored);
    }
    return this.resumeTrial(number);
  }

  /**
   * Waits until what the trial has suggested, reported and set so far is in storage, so that
   * another process reading the trial now sees it. Throws the storage's error if a write failed
   * (the trial then fails when told, as it would without this call).
   *
   * @example
   * trial.suggestFloat("lr", 1e-5, 1e-1, { log: true });
   * await study.flushTrial(trial); // another server may resume the trial from storage now
   */
  async flushTrial(trial: Trial): Promise<void> {
    // A trial failed because a suggestion could not be served: its last write is that failure.
    const failedOnSuggest = this.failedOnSuggest.get(trial);
    if (failedOnSuggest) {
      await failedOnSuggest;
      return;
    }
    // Asked for before the pause begins (a report over HTTP flushes at once): ending a pause
    // that has not started did nothing, and each report waited out nine times the last write.
    this.flushWanted.add(trial.id);
    this.scheduleFlush(trial);
    this.flushPauseEnders.get(trial.id)?.();
    await this.flushes.get(trial.id);
    const error = this.flushErrors.get(trial.id);
    if (error !== undefined) throw error;
  }

  /**
   * Finishes a trial started by {@link ask}: with its value(s), or a state. A value that is not a
   * finite number (NaN, Infinity, the wrong count) fails the trial with the reason kept.
   *
   * Constraint values (feasible when every one is <= 0) are stored in `systemAttrs.constraints`.
   * They come from, in this order: `options.constraints` (or `constraints` in the result object),
   * the study's {@link constraints} function, or what the objective reported with
   * `trial.reportConstraints`. They are part of a complete trial's result: when they cannot be
   * had (the function throws, a value is not a finite number, or the study's earlier trials
   * reported constraints and this one reports none or a different number), the trial fails with
   * the reason, just as a bad objective value fails it. So every complete trial of a constrained
   * study carries a full vector, and no trial of unknown feasibility passes as feasible. A pruned
   * trial gets them the same ways (Optuna 3.1 evaluates `constraints_func` for it too), and TPE
   * reads them as Optuna's does. Unusable ones told for it (a NaN, a non-number, the wrong count)
   * are refused with a TypeError and the trial stays running, as a told NaN value is; when the
   * study's function or the objective's reported ones cannot be had, or an objective in
   * `optimize` returned unusable ones, it stays pruned without them, with a warning.
   *
   * @example
   * const trial = await study.ask();
   * const x = trial.suggestFloat("x", 0, 1);
   * await study.tell(trial, [x, 1 - x * x], { constraints: [x - 0.8] });
   */
  async tell(
    trialOrNumber: Trial | number,
    result: TellResult,
    options: {
      constraints?: NumberList;
      /**
       * When another process finished the trial first (a reaper, another server): `"warn"`
       * (default) keeps what is stored and warns, as a worker that goes on wants; `"throw"` throws
       * the storage's {@link TrialNotRunningError}, for a caller that must tell its client.
       */
      finishedElsewhere?: "warn" | "throw";
    } = {},
  ): Promise<FrozenTrial> {
    // Refused before the trial is touched: a misspelt { constraint: [5] } stored an infeasible trial as feasible.
    const unknown = options !== null && typeof options === "object" ? unknownKeysMessage(options, ["constraints", "finishedElsewhere"]) : "options must be an object";
    if (unknown !== null) throw new TypeError(`tell: ${unknown}`);
    const frozen = await this.finish(trialOrNumber, result, options, null);
    // A segment's end is its member's ready point (see optimize).
    if (this.scheduler) await this.queueNextSegment(frozen);
    return frozen;
  }

  /**
   * {@link tell}, and with `startNextFor` (an optimize call that will ask again) the next trial is
   * started in the same storage write where the storage can, recording that call's heartbeat, and
   * kept for that call's next ask.
   */
  private async finish(
    trialOrNumber: Trial | number,
    result: TellResult,
    options: { constraints?: NumberList; finishedElsewhere?: "warn" | "throw" },
    startNextFor: OptimizeRun | null,
    fromObjective = false,
  ): Promise<FrozenTrial> {
    const trial = typeof trialOrNumber === "number" ? this.activeTrials.get(trialOrNumber) ?? this.failedOnSuggestByNumber.get(trialOrNumber) : trialOrNumber;
    if (!trial) {
      throw new Error(`trial ${String(trialOrNumber)} was not started by this study object (ask it here, or it has already been told)`);
    }
    if (!this.ownTrials.has(trial)) {
      const number = typeof trial === "object" && trial !== null ? (trial as { number?: unknown }).number : undefined;
      throw new Error(
        `trial ${String(number)} was not asked of study "${this.name}" (it belongs to another study or study object); tell the study that asked it`,
      );
    }
    const failedOnSuggest = this.failedOnSuggest.get(trial);
    if (failedOnSuggest) return this.toldAfterFailedSuggest(trial, failedOnSuggest, result, options);
    const given = options.constraints ?? constraintsOfResult(result);
    if (given !== undefined || this.constraints || trial.systemAttrs[CONSTRAINTS_ATTR] !== undefined) await this.constraintCount();
    if (trial.finished) throw new Error(`trial ${trial.number} has already been told`);
    const outcome = this.withConstraints(trial, this.judge(trial, result, fromObjective), given, fromObjective);
    trial.finished = true;
    this.activeTrials.delete(trial.number);
    this.knownSeq.delete(trial.id);
    // Counted by stop conditions until its finished version is read back (see stopConditionMet).
    this.finishing.add(trial.number);
    try {
      return await this.finishTold(trial, outcome, options, startNextFor);
    } finally {
      this.finishing.delete(trial.number);
      this.askedTrialBeatsStarted?.remove(trial.id);
    }
  }

  /** The part of {@link finish} after the trial is marked finished here: the write and what follows it. */
  private async finishTold(
    trial: Trial,
    judged: ReturnType<Study["withConstraints"]>,
    options: { constraints?: NumberList; finishedElsewhere?: "warn" | "throw" },
    startNextFor: OptimizeRun | null,
  ): Promise<FrozenTrial> {
    const outcome = await this.withStudyConstraintCount(trial, judged);
    this.flushPauseEnders.get(trial.id)?.();
    await this.flushes.get(trial.id);
    this.lastFlush.delete(trial.id);
    this.flushWanted.delete(trial.id);
    const flushError = this.flushErrors.get(trial.id);
    this.flushErrors.delete(trial.id);
    const pending = trial.takePending() ?? {};
    const systemAttrs: Record<string, JsonValue> = { ...pending.systemAttrs };
    if (outcome.constraints !== undefined) systemAttrs[CONSTRAINTS_ATTR] = outcome.constraints;
    // Reported ones a pruned trial was judged without (the wrong count, say) were stored all the same.
    else if (outcome.state === "pruned") delete systemAttrs[CONSTRAINTS_ATTR];
    if (outcome.reason !== undefined || flushError !== undefined) systemAttrs.failReason = outcome.reason ?? `storage error: ${errorMessage(flushError)}`;
    const patch: TrialPatch & { state: NonNullable<TrialPatch["state"]> } = {
      ...pending,
      state: outcome.state,
      values: outcome.values,
      ...(Object.keys(systemAttrs).length > 0 ? { systemAttrs } : {}),
    };
    if (flushError !== undefined && outcome.state === "complete") {
      // Some parameters never reached storage: a complete trial without them would mislead samplers.
      (patch as { state: string }).state = "failed";
      (patch as { values: null }).values = null;
    }
    let frozen: FrozenTrial | null = null;
    try {
      if (startNextFor?.goesOn() && this.storage.finishAndStartNext && !this.sampler.isExhausted) {
        const since = this.skipChangesOnAsk ? null : this.seq;
        const { finished, started } = await this.storage.finishAndStartNext(trial.id, patch, this.workerAttrs(startNextFor.owner), since);
        if (started.changes) this.absorbChanges(started.changes);
        this.absorb(started.trial);
        this.prefetched.push(started.trial);
        this.prefetchedBy.set(started.trial.id, startNextFor);
        frozen = finished;
      }
      // Not written yet, or the compare-and-set found the trial changed: the plain update says why.
      frozen ??= await this.storage.updateTrial(trial.id, patch);
    } catch (error) {
      if (!(error instanceof TrialNotRunningError) || options.finishedElsewhere === "throw") throw error;
      frozen = await this.finishedElsewhere(trial, outcome.state, error);
    }
    this.absorb(frozen);
    if (frozen.state === "complete") this.checkWarmStart(frozen);
    if (frozen.state === "complete" && outcome.constraints !== undefined) warnIgnoredConstraints(this, true);
    this.sampler.afterTrial?.(this.snapshot(), this.samplingView(trial), frozen.state, frozen.values);
    return frozen;
  }

  /**
   * A tell of a trial this study failed when a suggestion could not be served: the failure stands.
   * Telling it failed is what ask/tell code had to do before, and returns the stored trial; a
   * result that is not a failure is dropped as for a trial finished elsewhere (a warning, or
   * {@link TrialNotRunningError} with `finishedElsewhere: "throw"`).
   */
  private async toldAfterFailedSuggest(
    trial: Trial,
    failing: Promise<FrozenTrial>,
    result: TellResult,
    options: { finishedElsewhere?: "warn" | "throw" },
  ): Promise<FrozenTrial> {
    const stored = await failing;
    // Told once, as any trial: a second tell is refused as "already been told" (by number: "not started").
    this.failedOnSuggest.delete(trial);
    if (this.failedOnSuggestByNumber.get(trial.number) === trial) this.failedOnSuggestByNumber.delete(trial.number);
    const toldState = result !== null && typeof result === "object" && "state" in result ? result.state : "complete";
    if (toldState === "failed" || stored.state !== "failed") return stored;
    if (options.finishedElsewhere === "throw") throw new TrialNotRunningError(stored.id, stored.state, stored.number);
    const reason = stored.systemAttrs.failReason;
    this.onWarning(
      `trial ${trial.number} was failed when a suggestion could not be served${typeof reason === "string" ? ` (${reason})` : ""}; ` +
        `the ${toldState} result told afterwards is dropped`,
    );
    return stored;
  }

  /**
   * Fails a trial that `error`, thrown while it suggested a parameter, leaves unable to go on (see
   * {@link Trial.suggest}), and returns the reason stored: the error's message, as `optimize`
   * keeps for an objective that throws it. A suggestion is synchronous, so the write starts now,
   * through {@link finish} as a tell would (the trial is finished here at once and takes no more
   * writes), and {@link tell}, {@link flushTrial} and {@link close} wait for it. Starting it here
   * rather than at the next ask or tell fails the trial also when the error ends the caller's loop.
   */
  failTrialThatCannotGoOn(trial: Trial, error: unknown): string {
    const reason = errorMessage(error);
    if (trial.finished || !this.ownTrials.has(trial) || this.failedOnSuggest.has(trial)) return reason;
    const failing = this.finish(trial, { state: "failed", reason }, {}, null).then((stored) => {
      if (stored.state === "failed") this.rememberFailure(error, stored);
      return stored;
    });
    this.failedOnSuggest.set(trial, failing);
    this.failedOnSuggestByNumber.set(trial.number, trial);
    if (this.failedOnSuggestByNumber.size > FAILED_ON_SUGGEST_KEPT) this.failedOnSuggestByNumber.delete(this.failedOnSuggestByNumber.keys().next().value!);
    this.failingWrites.add(failing);
    failing.then(
      () => this.failingWrites.delete(failing),
      (writeError: unknown) => {
        this.failingWrites.delete(failing);
        this.onWarning(`trial ${trial.number} could not be marked failed (${reason}): ${errorMessage(writeError)}; it stays running until it is reaped`);
      },
    );
    return reason;
  }

  /**
   * The trial this study failed because `error` was thrown while the trial was asked or suggested a
   * parameter (a sampler that threw or proposed a value outside the distribution, a grid that does
   * not fit, a queued value out of range), as stored once that failure was written; undefined for
   * any other error, and while the write is on its way or where it failed. The HTTP service answers
   * such an error with the code that tells its client the trial is failed already.
   *
   * @example
   * try {
   *   trial.suggestFloat("lr", 1e-4, 1e-1);
   * } catch (error) {
   *   await study.flushTrial(trial); // the failing write has ended
   *   if (study.trialFailedBy(error)) console.log(`trial ${trial.number} was failed by the study`);
   * }
   */
  trialFailedBy(error: unknown): FrozenTrial | undefined {
    return error !== null && (typeof error === "object" || typeof error === "function") ? this.trialsFailedByError.get(error) : undefined;
  }

  private rememberFailure(error: unknown, failed: FrozenTrial): void {
    if (error !== null && (typeof error === "object" || typeof error === "function")) this.trialsFailedByError.set(error, failed);
  }

  /** Once, at the first complete trial: which parameters of the source studies this study cannot use, and why. */
  private checkWarmStart(trial: FrozenTrial): void {
    // A sampler that leaves the sources unused was said to at creation: "learning from the 8 of its 15 trials" contradicted it.
    if (this.warmStartChecked || this.warmStart.length === 0 || samplerIgnoresWarmStart(this)) return;
    this.warmStartChecked = true;
    // What the samplers model jointly: this study's parameters of more than one value. They use a
    // source trial only if its value of every one of them lies in this study's distribution.
    const modelled = Object.entries(trial.distributions).filter(([, distribution]) => !isSingleValue(distribution));
    const names = modelled.map(([name]) => name);
    const distributions = modelled.map(([, distribution]) => distribution);
    for (const source of this.warmStart) {
      // Each parameter's distinct distributions there: a source resumed with a range changed has several,
      // and only its first one was looked at (a source whose first trials matched this study was said nothing of).
      const seen = new Map<string, Distribution[]>();
      for (const t of source.trials) {
        for (const [name, distribution] of Object.entries(t.distributions)) {
          const list = seen.get(name);
          if (list === undefined) seen.set(name, [distribution]);
          else if (!list.some((d) => distributionsEqual(d, distribution))) list.push(distribution);
        }
      }
      const there = (name: string) => seen.get(name)!.map((d) => JSON.stringify(d)).join(" or ");
      const differs = (name: string, own: Distribution) => seen.get(name)!.some((d) => !distributionsEqual(d, own));
      // Parameters the samplers leave aside: only the source has them, or this study fixes them at one value.
      const ignored: string[] = [];
      for (const name of seen.keys()) {
        const own = trial.distributions[name];
        if (own === undefined) ignored.push(`"${name}" (not a parameter of this study)`);
        else if (isSingleValue(own) && differs(name, own)) ignored.push(`"${name}" (one value here, ${there(name)} there)`);
      }
      // A parameter whose distribution differs there: how many source trials have a value this study could have suggested.
      const changed = modelled
        .filter(([name, own]) => seen.has(name) && differs(name, own))
        .map(([name, own]) => {
          const inside = source.trials.filter((t) => name in t.params && containsValue(own, t.params[name])).length;
          return { name, inside, text: `"${name}" is ${there(name)} there, ${JSON.stringify(own)} here` };
        });
      const used = source.trials.filter((t) => fitsSpace(t, names, distributions)).length;
      // A constrained source keeps its feasible trials only: "of its 8 trials" of a study of 20 read as a miscount.
      const feasible = source.infeasible ? "feasible " : "";
      const rest = source.infeasible ? `its other ${source.infeasible} complete trial(s) break its constraints` : null;
      if (source.trials.length === 0) {
        // A constrained source whose trials all break its constraints used to be said to have none.
        const why = source.infeasible ? `no feasible complete trials to learn from (its ${source.infeasible} complete trial(s) break its constraints)` : "no complete trials to learn from";
        this.onWarning(`warm start: study "${source.name}" has ${why}`);
      } else if (used === 0) {
        // The note used to say only that such a parameter was ignored, while the source was dropped whole.
        const blocking = [
          ...modelled.filter(([name]) => !seen.has(name)).map(([name]) => `"${name}" is not a parameter of "${source.name}"`),
          ...changed.map(({ inside, text }) => (inside === 0 ? `${text}, and none of its ${feasible}values lies here` : text)),
          ...(rest === null ? [] : [rest]),
        ];
        this.onWarning(
          `warm start from "${source.name}": the sampler learns only from source trials with a value in this study's range for every parameter of this study, ` +
            `and none of its ${source.trials.length}${rest === null ? "" : " feasible trials"} has one${blocking.length > 0 ? ` (${blocking.join("; ")})` : ""}, so it goes unused as long as every trial of this study has them`,
        );
      } else if (used < 3 && this.sampler.usesWarmStart && (this.sampler.name === "gp" || (this.sampler.name === "auto" && trial.systemAttrs["auto:sampler"] === "gp"))) {
        // The GP fits a model of each source, which takes 3 trials: it used to pass this one over without a word (under auto, until it was said too).
        const gp = this.sampler.name === "gp" ? "the gp sampler" : "the gp sampler, which auto chose,";
        // A constrained source keeps its feasible trials only: "has 2" of a study of 10 complete trials read as a miscount.
        const kept = source.infeasible ? `feasible complete trials; "${source.name}" has ${source.trials.length} (its other ${source.infeasible} complete trial(s) break its constraints)` : `complete trials; "${source.name}" has ${source.trials.length}`;
        const inRange = used < source.trials.length ? `, ${used} of them in this study's ranges` : "";
        this.onWarning(`warm start: ${gp} learns from a study of at least 3 ${kept}${inRange}, so it goes unused`);
      } else {
        const notes: string[] = [];
        if (ignored.length > 0) notes.push(`ignoring parameter(s) ${ignored.join(", ")}`);
        if (changed.length > 0) {
          notes.push(`${changed.map(({ text }) => text).join("; ")}: learning from the ${used} of its ${source.trials.length} ${feasible}trials whose values lie in this study's ranges${rest === null ? "" : ` (${rest})`}`);
        }
        if (notes.length > 0) this.onWarning(`warm start from "${source.name}": ${notes.join("; ")}`);
      }
    }
  }

  /**
   * Another worker (dead-worker recovery, a heartbeat reaper, a user) finished this trial while we
   * ran it. What it recorded stands: this run warns with the trial number and goes on.
   */
  private async finishedElsewhere(trial: Trial, ours: string, error: TrialNotRunningError): Promise<FrozenTrial> {
    const stored = await this.storage.getTrial(trial.id);
    if (!stored) throw error;
    const reason = stored.systemAttrs.failReason;
    this.onWarning(
      `trial ${trial.number} was already ${stored.state}${typeof reason === "string" ? ` (${reason})` : ""} by another process ` +
        `when this one finished it as ${ours}; its result here is dropped and the run goes on`,
    );
    return stored;
  }

  /**
   * Adds the trial's constraint values to a judged outcome, or fails a complete trial whose
   * constraints cannot be had (see {@link tell}). A pruned trial has them too, the study's
   * function evaluated for it as Optuna 3.1 evaluates `constraints_func` for complete and pruned
   * trials; it keeps valid ones, and is not failed for missing ones. Unusable ones told with it are
   * refused (a TypeError, the trial left running, as a told NaN value is) unless an objective in
   * optimize returned them (`fromObjective`: nobody can tell again); then, and when the function's
   * or the objective's reported ones are unusable, it stays pruned without them, with a warning.
   */
  private withConstraints(trial: Trial, outcome: Judged, given: NumberList | undefined, fromObjective: boolean): Judged {
    if (outcome.state === "failed") return outcome;
    const failed = (reason: string): Judged => {
      if (outcome.state === "complete") return { state: "failed", values: null, reason };
      if (given !== undefined && !fromObjective) {
        throw new TypeError(`tell: trial ${trial.number}: a pruned trial's constraints: ${reason}; tell them again, or leave them out`);
      }
      this.onWarning(`trial ${trial.number}: pruned without constraint values: ${reason}`);
      return { state: outcome.state, values: outcome.values };
    };
    let constraints: unknown = given;
    let computed: { returned: unknown } | undefined;
    if (constraints === undefined && this.constraints) {
      try {
        constraints = this.constraints({ ...trial.toFrozen(), state: outcome.state, values: outcome.values });
        computed = { returned: constraints };
      } catch (error) {
        return failed(`the constraints function threw: ${errorMessage(error)}`);
      }
    }
    const reported = trial.systemAttrs[CONSTRAINTS_ATTR];
    if (!this.saidConstraintsReplaced && isNumberList(constraints) && isNumberList(reported) && !sameNumbers(constraints, reported)) {
      // Both were meant to hold: the objective's reportConstraints was dropped without a word, and
      // the trial's feasibility came from the other source.
      this.saidConstraintsReplaced = true;
      const source = given !== undefined ? "the constraints given to tell" : "the study's constraints function";
      this.onWarning(
        `trial ${trial.number}: ${source} (${listText(constraints)}) replace the different ones the objective reported with reportConstraints (${listText(reported)}); ` +
          "the first take precedence: report constraints one way only (said once per study)",
      );
    }
    constraints ??= reported;
    const expected = this.record.systemAttrs[CONSTRAINT_COUNT_ATTR] ?? this.constraintCountOfTrials();
    if (constraints === undefined || constraints === null) {
      // A constraints function that returns nothing (a block body without `return`) leaves
      // feasibility unknown: passing such trials as feasible would hide every violation.
      if (computed) return failed(`the constraints function returned ${String(computed.returned)}, not an array of numbers`);
      // A pruned trial told without them (ask/tell) is not warned of: it has no result to judge.
      return typeof expected === "number" && outcome.state === "complete" ? failed(`no constraint values reported, but the study's trials have ${expected}`) : outcome;
    }
    const problem = constraintsProblem(constraints);
    if (problem !== null) return failed(problem);
    const values = Array.from(constraints as ArrayLike<number>);
    // Counted where a study's count is set: one an older Sextant stored above the limit goes on.
    if (values.length > MAX_CONSTRAINTS && !(typeof expected === "number" && expected > MAX_CONSTRAINTS)) {
      return failed(`constraints: at most ${MAX_CONSTRAINTS} values (the HTTP service takes no more), got ${values.length}`);
    }
    if (typeof expected === "number" && values.length !== expected) {
      return failed(`${values.length} constraint value(s) reported, but the study's trials have ${expected}`);
    }
    return { ...outcome, constraints: values };
  }

  /**
   * The judged outcome of a complete or pruned trial with constraint values in a study that has no count yet,
   * after recording its count as the study's by compare-and-set before the trial is written: the
   * count was read, then written after the trial, so the first constrained tells of two workers
   * that both read no count each stored a complete trial of its own length. The one that loses
   * reads the winner's count, and its trial fails when its count is another (a pruned one is kept without them).
   */
  private async withStudyConstraintCount(trial: Trial, outcome: Judged): Promise<Judged> {
    if (outcome.state === "failed" || outcome.constraints === undefined || this.record.systemAttrs[CONSTRAINT_COUNT_ATTR] !== undefined) return outcome;
    const count = outcome.constraints.length;
    let winner: number | undefined;
    try {
      if (await compareAndSetStudySystemAttr(this.storage, this.record, CONSTRAINT_COUNT_ATTR, undefined, count)) {
        this.record = { ...this.record, systemAttrs: { ...this.record.systemAttrs, [CONSTRAINT_COUNT_ATTR]: count } };
        return outcome;
      }
      winner = await this.constraintCount();
    } catch (error) {
      // The trial is stored whatever happens here; a study that misses the count only checks later trials less.
      this.onWarning(`could not record the study's constraint count: ${errorMessage(error)}`);
      return outcome;
    }
    if (winner === undefined || winner === count) return outcome;
    const reason = `${count} constraint value(s) reported, but the study's trials have ${winner}`;
    if (outcome.state === "complete") return { state: "failed", values: null, reason };
    // A pruned trial is not failed for its constraints (see withConstraints): kept without them.
    this.onWarning(`trial ${trial.number}: pruned without constraint values: ${reason}`);
    return { state: outcome.state, values: outcome.values };
  }

  /**
   * How many constraint values the study's complete and pruned trials have, or undefined while none has any.
   * While this object knows no count it reads the study's record again: another process (a second
   * worker loaded at the same time, a CLI worker beside the HTTP service) may have stored one since,
   * and a different count taken here left the study's complete trials with constraint vectors of
   * two lengths. Once a count is known, nothing is read. `tell` asks it before judging a trial
   * with constraints.
   *
   * @example
   * await study.constraintCount() // 2 once a trial was told with two constraint values
   */
  async constraintCount(): Promise<number | undefined> {
    const known = this.record.systemAttrs[CONSTRAINT_COUNT_ATTR] ?? this.constraintCountOfTrials();
    if (known !== undefined) return typeof known === "number" ? known : undefined;
    const stored = await this.storage.getStudy(this.name);
    const count = stored !== null && stored.id === this.id ? stored.systemAttrs[CONSTRAINT_COUNT_ATTR] : undefined;
    if (count === undefined) return undefined;
    this.record = { ...this.record, systemAttrs: { ...this.record.systemAttrs, [CONSTRAINT_COUNT_ATTR]: count } };
    return typeof count === "number" ? count : undefined;
  }

  /**
   * The constraint count of the study's complete and pruned trials as this object last read them, for a study
   * record read before another process stored the count: two workers that loaded the study before
   * its first constrained trial each stored trials of their own count.
   */
  private constraintCountOfTrials(): number | undefined {
    // `finishedCache` only grows and the first count found stays the first, so each trial is read
    // once: reading them all at every tell made an unconstrained study's tells quadratic.
    const scan = this.constraintCountScan;
    for (; scan.count === undefined && scan.read < this.finishedCache.length; scan.read++) {
      const t = this.finishedCache[scan.read]!;
      // Not from a list that is not all numbers (written through the storage API, infeasible): its
      // length set the count, and every later trial told with the study's real count failed.
      // A pruned trial's count too: its constraints are Optuna's, read by TPE beside complete ones.
      const constraints = t.state === "complete" || t.state === "pruned" ? readableConstraints(t) : null;
      if (constraints !== null) scan.count = constraints.length;
    }
    return scan.count;
  }

  private judge(trial: Trial, result: TellResult, fromObjective = false): Judged {
    if (typeof result === "object" && result !== null && !Array.isArray(result) && "state" in result) {
      const state: unknown = result.state;
      if (state !== "complete" && state !== "pruned" && state !== "failed") {
        // Refused before the trial is touched: it stays running, to be told again correctly.
        throw new TypeError(`tell: trial ${trial.number}: state must be "complete", "pruned" or "failed", got ${shownValue(state)}`);
      }
      // A misspelt key ({ state: "complete", values, constraint: [5] }) was dropped without a word,
      // and the infeasible trial stored as feasible: refused before the trial is touched.
      const unknown = unknownKeysMessage(result, RESULT_KEYS[state]);
      if (unknown !== null) throw new TypeError(`tell: trial ${trial.number}: a ${state} result: ${unknown}`);
      if (result.state === "failed") return { state: "failed", values: null, reason: result.reason ?? "failed" };
      if (result.state === "pruned") {
        // null is no values, as undefined (Optuna's values=None, a JSON result's "values": null):
        // with one objective it stored no value instead of the last intermediate one, with two it threw.
        const told = result.values ?? undefined;
        // Refused before the trial is touched, so that the caller tells again; an objective in
        // optimize cannot, and its trial is stored pruned without a value, with a warning (it
        // was stored failed, though the objective said pruned).
        const refuse = (message: string): Judged => {
          if (!fromObjective) throw new TypeError(`tell: trial ${trial.number}: ${message}`);
          this.onWarning(`trial ${trial.number}: pruned without a value: the objective's result: ${message}`);
          return { state: "pruned", values: null };
        };
        if (told !== undefined && toVector(told).length !== this.directions.length) {
          // Stored, the extra or missing values showed as blank or vanished in listings and exports.
          return refuse(`a pruned trial's values need one value per objective (${this.directions.length}), got ${toVector(told).length}`);
        }
        if (told === undefined) return { state: "pruned", values: lastValueOf(trial, this.directions.length) };
        const values = toVector(told);
        // Stored as the last intermediate value would be: ±Infinity kept, NaN refused rather than
        // dropped (the trial was stored without the value it was told, and said nothing).
        const bad = values.findIndex((v) => typeof v !== "number" || Number.isNaN(v));
        if (bad !== -1) {
          const which = values.length > 1 ? `values[${bad}]` : "value";
          return refuse(
            `a pruned trial's ${which} must be a number (±Infinity is kept), got ${shownValue(values[bad])}; ` +
              "leave values out and it keeps its last intermediate value unless that is NaN, as Optuna's tell of a pruned trial does",
          );
        }
        return { state: "pruned", values };
      }
      // Refused as a misspelt key is: judged as a missing return value, it failed the trial for good.
      // Undefined values count as missing ({ values: metrics.loss } with no loss), not only a missing
      // key, and so does null (a JSON result's "values": null), which failed the trial for good.
      if (result.values === undefined || result.values === null) {
        const wanted = this.directions.length === 1 ? "a number" : `an array of ${this.directions.length} numbers`;
        const got = "values" in result ? `, got ${String(result.values)}` : "";
        throw new TypeError(`tell: trial ${trial.number}: a complete result needs values (${wanted})${got}; give { state: "complete", values } or the values alone`);
      }
      return this.judge(trial, result.values);
    }
    const values = toVector(result as ObjectiveResult);
    const counted = typeof result === "number" || Array.isArray(result) || isTypedArray(result);
    if (!counted && this.directions.length > 1) {
      // No count of values: undefined (a missing return), null, an object such as { values,
      // constraints } (the command protocol's shape). "Returned 1 value(s) but the study has 2
      // objective(s)" sent the user looking for a second value when there was not even a first.
      const m = this.directions.length;
      return { state: "failed", values: null, reason: `objective returned ${shownResult(result)}, not an array of ${m} finite numbers (one per objective)` };
    }
    if (counted && values.length !== this.directions.length) {
      return {
        state: "failed",
        values: null,
        reason: `objective returned ${values.length} value(s) but the study has ${this.directions.length} objective(s)`,
      };
    }
    for (const v of values) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        return { state: "failed", values: null, reason: `objective returned ${shownResult(v)}, not a finite number` };
      }
    }
    return { state: "complete", values };
  }

  /**
   * Fails the running trials whose worker provably cannot be alive: started by a process on this
   * machine, in this boot and pid namespace, whose pid now names no process or another process
   * (see {@link judgeWorker}), e.g. one killed with SIGKILL. A worker that may be alive (another
   * host or container, or not enough recorded to tell) is left to heartbeats. Each trial moves
   * from `running` to `failed` by compare-and-set, so two workers recovering at once cannot both
   * change it. `optimize` calls this before it starts; returns the recovered trial numbers.
   * Each is queued again like a trial reaped for lack of heartbeats (see {@link queueRetry}).
   */
  async recoverAbandonedTrials(maxRetries: number = DEFAULT_MAX_RETRIES): Promise<number[]> {
    await this.refresh();
    const recovered: number[] = [];
    for (const trial of this.trialCache) {
      if (trial.state !== "running" || this.activeTrials.has(trial.number)) continue;
      const verdict = judgeWorker(trial.systemAttrs.worker);
      if (!verdict.gone) continue;
      try {
        const failed = await this.storage.updateTrial(trial.id, {
          state: "failed",
          values: null,
          systemAttrs: { failReason: verdict.reason },
        });
        this.absorb(failed);
        recovered.push(trial.number);
        // Same as a reaped trial: a budget of queued trials must not lose one to a crash.
        await this.queueRetry(failed, maxRetries);
      } catch (error) {
        if (!(error instanceof TrialNotRunningError)) throw error;
      }
    }
    return recovered;
  }

  /**
   * Queues the first segment of every member of the scheduler's population, unless the study
   * already has segments (it is being resumed). `createStudy` does it when given a scheduler.
   */
  async seedPopulation(): Promise<void> {
    const scheduler = this.requireScheduler();
    await this.refresh();
    if (this.trialCache.some((t) => segmentPlace(t) !== undefined)) {
      refuseOtherSchedule(this.record, scheduler);
      return;
    }
    // Seeded beside them, the study became a population its plain trials had no place in, and could
    // no longer go on without a scheduler. sextant tune names a study after its command, so a PBT
    // run of a command tuned before landed in that command's study.
    const plain = this.trialCache.length;
    if (plain > 0) {
      throw new Error(
        `study "${this.name}" already has ${plain} trial(s) that are not segments of a population; a ${scheduler.name} population ` +
          "is trained in a study of its own: give it another name (sextant tune --study NAME)",
      );
    }
    await this.setSystemAttr(SCHEDULER_ATTR, scheduleOf(scheduler));
    for (let member = 0; member < scheduler.population; member++) {
      await this.storage.createTrial(this.id, {
        state: "waiting",
        systemAttrs: segmentAttrs({ member, segment: 0, parent: null, exploitedFrom: null, checkpoint: null }),
      });
    }
    await this.refresh();
  }

  /**
   * A population study's trials are its members' segments, which only its scheduler runs: a
   * plain trial among them (a study loaded without its scheduler) would start no member's
   * segment and get no step or checkpoint to start from.
   */
  private refusePopulationWithoutScheduler(): void {
    const stored = this.record.systemAttrs[SCHEDULER_ATTR] as Record<string, unknown> | undefined;
    if (stored === undefined) return;
    throw new Error(
      `study "${this.name}" trains a ${describeSchedule(stored)}: its trials are segments, run with its scheduler ` +
        `(sextant tune --scheduler ${String(stored.name)} with the same options, sextant worker, or createStudy/loadStudy with the scheduler), not as plain trials`,
    );
  }

  /**
   * The schedule and lineage of every member of the population: segments, hyperparameters per
   * segment, parent trial, copied member and score.
   *
   * @example
   * for (const member of study.lineage()) console.log(member.member, member.lastValue);
   */
  lineage(): MemberLineage[] {
    return populationLineage(this.trialCache);
  }

  /**
   * At a member's ready point (a segment just ended here), queues the member's next segment. What
   * it runs with (exploit, explore) is decided when a worker claims it ({@link askSegment}), so
   * the decision sees every score reported until then: with one worker and a FIFO queue every
   * member has finished the previous segment by then, as in synchronous PBT.
   */
  private async queueNextSegment(finished: FrozenTrial): Promise<void> {
    const scheduler = this.requireScheduler();
    const place = segmentPlace(finished);
    if (finished.state === "failed" || place === undefined || place.segment + 1 >= scheduler.segments) {
      // A member's last segment frees its own newest but one, and may be the new best.
      this.sweepCheckpoints();
      return;
    }
    if (finished.state === "complete" && typeof finished.systemAttrs[SAVED_CHECKPOINT_ATTR] !== "string" && !this.saidSegmentSavedNothing) {
      // Once per study: the segments that go on from it got no checkpoint, and exploiting it copied
      // its hyperparameters alone, without a word (a pruned segment is said when its successor is decided).
      this.saidSegmentSavedNothing = true;
      this.onWarning(
        `trial ${finished.number} (member ${place.member}, segment ${place.segment}) ended without saving a checkpoint, so the segments that go on from it ` +
          "(its member's next one, and any member that copies it) start from scratch: trial.checkpoint() is undefined for them (a command gets no SEXTANT_RESTORE_FROM). " +
          "Save one before each segment ends: trial.saveCheckpoint({ data }) or trial.saveCheckpoint({ dir }) in an objective, files in SEXTANT_CHECKPOINT_DIR from a command",
      );
    }
    this.readyPoints++;
    // One at a time in this process: "not queued yet, so queue it" must not run in two loops at
    // once (a loop's ready point beside an idle loop's repair of the same member), or both create it.
    const queued = this.segmentQueueing.then(() => this.queueSegmentAfter(finished, place));
    this.segmentQueueing = queued.catch(() => undefined);
    try {
      await queued;
    } finally {
      this.readyPoints--;
    }
    this.sweepCheckpoints();
  }

  /**
   * Under `keepCheckpoints: "latest"`, deletes the checkpoint folders no segment can start from
   * any more ({@link disposableCheckpoints}), keeping the best trial's. Runs on what this process
   * has read last: a decision written elsewhere since is seen as undecided, which keeps more.
   */
  private sweepCheckpoints(): void {
    if (this.scheduler?.keepCheckpoints !== "latest") return;
    const context = this.segmentContext();
    if (!context) return;
    const best = bestFeasibleTrial(this.trialCache, this.directions[0]!);
    const keep = new Set(best ? [best.number] : []);
    for (const number of disposableCheckpoints(this.trialCache, this.scheduler.population, keep)) {
      try {
        context.store.remove(number);
      } catch (error) {
        // Deleting is housekeeping: a folder that will not go (permissions) must not fail the tell.
        const why = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
        this.warnOnce(`keepCheckpoints: "latest" could not delete checkpoint folders in ${context.store.root} (${why}); they are kept, and the population goes on`);
        return;
      }
    }
  }

  /** {@link queueNextSegment}'s check and write, run while no other loop of this process queues one. */
  private async queueSegmentAfter(finished: FrozenTrial, place: SegmentPlace): Promise<void> {
    await this.refresh();
    // Queued already: by the loop that ran it (this is an idle loop's repair), or by a repair.
    if (this.trialCache.some((t) => {
      const other = segmentPlace(t);
      return other !== undefined && other.member === place.member && other.segment === place.segment + 1;
    })) return;
    // Another process may be queueing it at this moment (its ready point, or its own repair): the
    // key makes the check and the creation one atomic step in the storage, so one of them wins.
    const queued = await this.storage.createTrialOnce(this.id, `pbt:after:${finished.number}`, {
      state: "waiting",
      systemAttrs: {
        ...segmentAttrs({ member: place.member, segment: place.segment + 1, parent: finished.number, exploitedFrom: null, checkpoint: null }),
        [UNDECIDED_ATTR]: true,
      },
    });
    // Seen at once by study.trials and lineage() after the tell that queued it (null: another process did).
    if (queued) this.absorb(queued);
  }

  /**
   * Claims a queued segment and, if its member's ready point is still undecided, asks the
   * scheduler now: the segment is rewritten (still `running`, so by this worker only) to continue
   * from the chosen trial's checkpoint with the chosen parameters.
   */
  private async askSegment(fixedDistributions: Record<string, Distribution> = {}, owner: OwnerHeartbeat = this.askedTrialsHeartbeat()): Promise<Trial | null> {
    const claimed = this.scheduler?.synchronous === true ? await this.claimSegmentInOrder(owner) : await this.storage.claimWaitingTrial(this.id, this.workerAttrs(owner));
    if (!claimed) return null;
    let decided: FrozenTrial;
    try {
      decided = await this.decideSegment(claimed);
    } catch (error) {
      await this.abandonUnaskedTrial(claimed, true, error);
      throw error;
    }
    return this.startTrial(decided, fixedDistributions, "claimed", owner);
  }

  /**
   * Synchronous PBT: the waiting segments a worker may claim now. An undecided segment k + 1 waits
   * while another member has a segment at k or before still waiting or running, so its decision
   * ranks every member that has not ended; a member whose segment failed for good, or that trained
   * its last one, has none waiting or running and holds nobody up. A lane that gets none waits
   * (and reaps) as when nothing is queued.
   */
  private async segmentsFreeToRun(): Promise<number[]> {
    await this.refresh();
    const pending = this.trialCache.filter((t) => t.state === "waiting" || t.state === "running");
    return pending.flatMap((t) => (t.state === "waiting" && !heldInSegmentOrder(t, pending, SEGMENT_ORDER) ? [t.number] : []));
  }

  /**
   * Synchronous PBT's claim: one of {@link segmentsFreeToRun}, with the storage checking the same
   * rule again in the claim's own write. A segment queued after this process read the study (a
   * peer's retry or requeue of an earlier segment) then still holds the later ones, where the
   * numbers read before let one run without it; the claim comes back empty and is tried again on
   * a fresh read, which sees what changed. Null when nothing is free, or still after a few tries
   * (peers claiming at the same moment): a lane then waits as when nothing is queued.
   */
  private async claimSegmentInOrder(owner: OwnerHeartbeat): Promise<FrozenTrial | null> {
    for (let attempt = 0; attempt < SEGMENT_CLAIM_ATTEMPTS; attempt++) {
      const among = await this.segmentsFreeToRun();
      if (among.length === 0) return null;
      const claimed = await this.storage.claimWaitingTrial(this.id, { ...this.workerAttrs(owner), among, segmentOrder: SEGMENT_ORDER });
      if (claimed) return claimed;
    }
    return null;
  }

  /** The claimed segment as {@link askSegment} runs it: rewritten with the scheduler's decision if its member's ready point was undecided. */
  private async decideSegment(claimed: FrozenTrial): Promise<FrozenTrial> {
    let record = claimed;
    const place = segmentPlace(record);
    if (place && place.parent !== null && record.systemAttrs[UNDECIDED_ATTR] === true) {
      await this.refresh();
      const previous = this.trialCache[place.parent];
      const plan = previous ? this.requireScheduler().nextSegment(this.snapshot(), previous) : null;
      const decided: SegmentPlan = plan ?? { member: place.member, segment: place.segment, parent: place.parent, exploitedFrom: null, params: previous?.params ?? {} };
      const parent = this.trialCache[decided.parent];
      const saved = parent?.systemAttrs[SAVED_CHECKPOINT_ATTR];
      if (parent?.state === "pruned" && typeof saved !== "string" && !this.saidPrunedWithoutCheckpoint) {
        // Once per study: the member's next segment got no checkpoint and trained from scratch without a word.
        this.saidPrunedWithoutCheckpoint = true;
        this.onWarning(
          `trial ${record.number} (member ${place.member}, segment ${place.segment}) continues from trial ${decided.parent}, which was pruned before it saved a checkpoint, ` +
            "so it starts from scratch (trial.checkpoint() is undefined); call trial.saveCheckpoint before throwing TrialPruned, or let segments finish: the scheduler stops lagging members itself",
        );
      }
      record = await this.storage.updateTrial(record.id, {
        systemAttrs: {
          fixedParams: decided.params as Record<string, JsonValue>,
          ...segmentAttrs({ ...place, parent: decided.parent, exploitedFrom: decided.exploitedFrom, checkpoint: typeof saved === "string" ? saved : null }),
          [UNDECIDED_ATTR]: false,
        },
      });
      this.absorb(record);
      // The last member to pass a ready point frees the checkpoints of the segment before it.
      this.sweepCheckpoints();
    }
    return record;
  }

  /**
   * Why {@link ask} has no segment to give a population study; always throws.
   *
   * @param read whether to read the study first: not when the ask has just read it ({@link segmentsFreeToRun}).
   */
  private async noSegmentReady(read: boolean): Promise<never> {
    if (read) await this.refresh();
    const running = this.trialCache.filter((t) => t.state === "running").length;
    const held = this.scheduler?.synchronous === true ? this.trialCache.filter((t) => t.state === "waiting").length : 0;
    if (held > 0) {
      throw new NoSegmentReadyError(
        `no segment of study "${this.name}" is ready: ${held} queued wait for the other members to finish the segment before theirs (synchronous), ${running} running; tell those first`,
      );
    }
    if (running > 0) {
      throw new NoSegmentReadyError(
        `no segment of study "${this.name}" is queued: ${running} running; tell them first (each queues its member's next segment when told)`,
      );
    }
    // A member whose last segment failed has not trained every segment: saying so hid the failure.
    const ended = this.lineage().flatMap((member) => {
      const last = member.segments[member.segments.length - 1];
      return last?.state === "failed" ? [`member ${member.member} at segment ${last.segment} (trial ${last.trial})`] : [];
    });
    if (ended.length > 0) {
      throw new NoSegmentReadyError(
        `study "${this.name}" has no segment left to run: a failed segment ended the line of ${ended.join(", ")}; ` +
          "requeueTrial(number) runs a failed segment again, and its member goes on from it",
      );
    }
    throw new NoSegmentReadyError(`study "${this.name}" has no segment left to run: its population has trained every segment`);
  }

  /**
   * Whether the population still has work: a segment running or queued anywhere. A member whose
   * segment ended without its successor being queued (its worker died in between) gets it queued
   * here, so the population does not stall.
   */
  private async populationInProgress(maxRetries: number): Promise<boolean> {
    if (this.readyPoints > 0 || this.activeTrials.size > 0) return true;
    await this.refresh();
    if (this.trialCache.some((t) => t.state === "running" || t.state === "waiting")) return true;
    const latest = newestPerMember(this.trialCache);
    const before = this.trialCache.length;
    // A member whose segment ended moments ago may belong to another process that has committed the
    // segment but not yet queued the next one: both then queue it, and the storage's once-key lets
    // exactly one through (the lock in queueNextSegment covers this process's loops only).
    for (const { trial } of latest.values()) {
      // A segment stopped by an interrupted run (Ctrl-C) did not fail on its own: it runs again,
      // as the same segment, instead of ending its member's line.
      if (trial.state === "failed" && trial.systemAttrs.failReason === INTERRUPTED_REASON) await this.queueRetry(trial, maxRetries);
      else await this.queueNextSegment(trial);
    }
    await this.refresh();
    return this.trialCache.length > before;
  }

  private requireScheduler(): Scheduler {
    if (!this.scheduler) throw new Error(`study "${this.name}" has no scheduler: pass one to createStudy({ scheduler })`);
    return this.scheduler;
  }

  /** Asks the running `optimize` loops to start no new trials; trials under way finish. */
  stop(): void {
    this.stopGeneration++;
  }

  /**
   * Runs the objective on new trials until `nTrials`, the timeout, a `stopAfter` condition or
   * `stop()`. An objective that throws, or returns NaN or Infinity, fails its trial (the reason is
   * kept in `systemAttrs.failReason`) and the study goes on; `TrialPruned` prunes it. A population
   * study (a scheduler) whose checkpoint folder cannot be written throws FolderNotWritableError
   * before any segment runs, and one whose folder another study saves its checkpoints in throws
   * an Error naming that study.
   */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<void> {
    checkOptimizeOptions(objective, options);
    // Before the budget and the stored heartbeat are read below: a half-made study's are not stored yet.
    if (isHalfMadeStudy(this.record.systemAttrs)) await this.readRecordIfHalfMade();
    // A checkpoint folder that cannot be written fails every segment at its first save, each after
    // its training: refused here, before any runs (as `sextant tune` does).
    const segments = this.segmentContext();
    if (segments) segments.store.claim();
    const concurrency = options.concurrency ?? 1;
    const nTrials = options.nTrials ?? Infinity;
    const clock = options.clock ?? Date.now;
    const timing = this.optimizeHeartbeat(options.heartbeat);
    const maxRetries = checkMaxRetries(options.maxRetries);
    const warn = options.onWarning ?? this.onWarning;
    // A member's next segment is decided when a lane claims it, against the members that reached
    // the same segment by then. With more than half the population running at once, the lane of
    // the first member to finish claims its next segment before most others finish: that member
    // is ranked against few or none and seldom exploits, and at equal speeds it is the same member
    // every segment (a population of 8 on 8 lanes kept its worst member to the end).
    if (this.scheduler && this.scheduler.synchronous !== true && concurrency > this.scheduler.population / 2) {
      const most = Math.max(1, Math.floor(this.scheduler.population / 2));
      warn(
        `concurrency ${concurrency} runs more than half of the population's ${this.scheduler.population} members at once: a member that finishes a segment first is ranked only ` +
          `against the members that reached it, so early finishers seldom exploit${concurrency >= this.scheduler.population ? " (at equal speeds the same member is first every time and never does)" : ""}; run at most ${most} at once, ` +
          "or give the scheduler synchronous: true (--scheduler-opt synchronous=true), which holds each member's next segment until the others finish the one before",
      );
    }
    // A study with a budget of queued trials (sextant create --trials) runs them as its workers do.
    const onlyQueuedTrials = options.onlyQueuedTrials === true || this.queuedTrialBudget !== null;
    const generation = this.stopGeneration;
    // This call's own stop (an error in a lane, a sampler run dry) also ends only this call's lanes.
    let stoppedHere = false;
    const stopped = (): boolean => stoppedHere || this.stopGeneration !== generation;
    const recovered = await this.recoverAbandonedTrials(maxRetries);
    const requeued = recovered.filter((number) => hasRetriesLeft(this.trialCache[number]!, maxRetries));
    const spent = recovered.filter((number) => !requeued.includes(number));
    const gone = "left running by a worker process that is gone; marked failed";
    if (requeued.length > 0) warn(`trial(s) ${requeued.join(", ")} were ${gone} and queued again`);
    if (spent.length > 0) warn(`trial(s) ${spent.join(", ")} were ${gone}, not queued again: each was retried maxRetries (${maxRetries}) time(s) already; raise maxRetries (--max-retries) to retry more`);
    const beats = timing ? await HeartbeatThread.start(this.reopenUrl, timing.intervalMs, warn) : null;
    // Taken after the set-up above, which on SQLite or PostgreSQL can take most of a short timeout.
    const deadline = Math.min(options.deadline ?? Infinity, options.timeoutSeconds !== undefined ? clock() + options.timeoutSeconds * 1000 : Infinity);
    // This call's trials record its heartbeat, not another call's on the same object nor the study's;
    // with heartbeats turned off on a shared storage, that none beats for them, so no reaper fails them.
    const owner: OwnerHeartbeat = timing ? ownerHeartbeatRecord(timing) : options.heartbeat === false && !isMemoryUrl(this.storage.url) ? false : null;
    const run: OptimizeRun = { owner, goesOn: () => !stopped() && clock() < deadline };
    /** Trials started ahead (finishAndStartNext) that beat before an ask takes them. */
    const beatingAhead = new Set<number>();
    const reaper = timing ? this.throttledReaper(timing, maxRetries, warn) : async () => undefined;
    // Nothing in the loop looks at other workers' trials: the sampler and pruner say they do not,
    // and stop conditions (which count them) are absent. They are read once, at the end.
    const skipsChanges = this.sampler.usesHistory === false && this.pruner.usesHistory === false && options.stopAfter === undefined && !this.scheduler;
    this.runsSkippingChanges.set(run, skipsChanges);
    let started = 0;
    // Next trials being started by finishing writes still on their way: with those this call has
    // already started ahead (prefetchedCount) they count against nTrials, so no loop creates one too many.
    let ahead = 0;
    let firstError: unknown;
    /** Whether a lane starts another trial now: "go", "stop", or "wait" when only other processes' running trials hold it back (see {@link stopAfterVerdict}). */
    const nextTrialVerdict = (): "go" | "stop" | "wait" =>
      run.goesOn() && started < nTrials && (this.prefetchedCount(run) > 0 || started + ahead < nTrials) ? this.stopAfterVerdict(options.stopAfter) : "stop";
    const pipeline =
      options.concurrency === undefined && skipsChanges && this.storage.groupCommit === true && !onlyQueuedTrials
        ? new WritePipeline()
        : null;

    const worker = async (lane: number): Promise<void> => {
      for (;;) {
        // Before the checks below: a signal handler or timer that calls stop() is heard by the next one.
        if (this.eventLoopTurns.due()) await this.eventLoopTurns.turn();
        await reaper();
        // Stop conditions count the whole study: read what other workers finished since this
        // lane's last ask, or each process starts trials on a stale count and overshoots by several.
        if (options.stopAfter !== undefined) await this.refresh();
        // Nothing may await between this check and the ask: two lanes that both saw the one trial
        // started ahead would both count it, and the second would create a trial beyond nTrials.
        const verdict = nextTrialVerdict();
        if (verdict !== "go") {
          // Held back only by other workers' running trials: one whose worker died comes back as a
          // retry once its grace runs out, for this worker to run (leaving, it left the budget short).
          if (timing && verdict === "wait" && (await this.othersAreRunning())) {
            await sleep(Math.min(1000, timing.intervalMs));
            continue;
          }
          return;
        }
        // A lane that runs ahead is only worth it while trials are quicker than their writes.
        if (pipeline && lane > 0 && !pipeline.runsAhead()) return;
        started++;
        let trial: Trial | null;
        this.asksInFlight++;
        try {
          trial = this.scheduler ? await this.askSegment({}, owner) : onlyQueuedTrials ? await this.askQueuedTrial(owner) : await this.askTrial({}, owner, run);
        } catch (error) {
          if (error instanceof SamplerExhaustedError) {
            stoppedHere = true;
            return;
          }
          throw error;
        } finally {
          this.asksInFlight--;
        }
        if (!trial) {
          started--;
          if (this.scheduler) {
            // Running segments (here or elsewhere) queue their member's next segment when they end.
            if (!(await this.populationInProgress(maxRetries))) return;
            await sleep(this.activeTrials.size > 0 ? 20 : Math.min(1000, timing?.intervalMs ?? 200));
            continue;
          }
          if (!timing || !(await this.othersAreRunning())) return;
          // Another worker's trial may still come back as a retry once its grace runs out.
          await sleep(Math.min(1000, timing.intervalMs));
          continue;
        }
        // Started ahead, it has been beating since the finish that started it (see below).
        if (!beatingAhead.delete(trial.id)) beats?.add(trial.id);
        let frozen: FrozenTrial;
        try {
          // Whether this loop will ask again is known before the trial ends, except for a stop
          // made by a callback or a stop condition; a trial started for nothing is released below.
          // Queued-only asks (segments of a population included) claim, never create: not ahead.
          const goesOn =
            !onlyQueuedTrials &&
            !this.scheduler &&
            started + ahead + this.prefetchedCount(run) < nTrials &&
            !stopped() &&
            clock() < deadline &&
            options.stopAfter === undefined;
          if (goesOn) ahead++;
          try {
            frozen = await this.runTrial(trial, objective, goesOn ? run : null, pipeline);
          } finally {
            if (goesOn) ahead--;
          }
          // A trial started ahead with this one's finish beats from now on: callbacks may outlast the
          // grace before the next ask takes it, and other workers reaped it as abandoned.
          for (const next of this.prefetched) {
            if (beats && this.prefetchedBy.get(next.id) === run && !beatingAhead.has(next.id)) {
              beats.add(next.id);
              beatingAhead.add(next.id);
            }
          }
        } finally {
          beats?.remove(trial.id);
        }
        if (this.scheduler) await this.queueNextSegment(frozen);
        const callbacks = options.callbacks ?? [];
        if (callbacks.length > 0) {
          const runCallbacks = async () => {
            for (const callback of callbacks) await callback(this, frozen);
          };
          await (pipeline ? pipeline.serially(runCallbacks) : runCallbacks());
        }
        if (lane === 0 && pipeline?.wantsLane(lanes.length)) startLane();
      }
    };
    const lanes: Promise<void>[] = [];
    const startLane = (): void => {
      lanes.push(
        worker(lanes.length).catch((error: unknown) => {
          firstError ??= error;
          stoppedHere = true;
        }),
      );
    };
    try {
      // No more lanes than trials the run may start: a lane past them only returns, and a typo such
      // as --jobs 10000000 made ten million of them before the first trial and ran out of memory.
      const laneCount = Math.min(concurrency, nTrials, options.stopAfter?.totalTrials ?? Infinity);
      for (let i = 0; i < laneCount; i++) startLane();
      // Lanes may be added while the first ones run: wait until every one has ended.
      for (let settled = 0; settled < lanes.length; ) {
        const count = lanes.length;
        await Promise.all(lanes.slice(settled, count));
        settled = count;
      }
    } finally {
      await this.releasePrefetched(run).catch((error: unknown) => {
        firstError ??= error;
      });
      await beats?.stop();
      this.runsSkippingChanges.delete(run);
    }
    await this.refresh();
    if (firstError !== undefined) throw firstError;
  }

  /**
   * The heartbeat {@link optimize} beats and reaps with: its `heartbeat` option over the one
   * `sextant create` stored with the study (a key left out is the study's), or the study's alone.
   * On a study made by `sextant create` or `tune`, refuses a grace shorter than the study's and an
   * interval over half of it, as `sextant worker` refuses its flags: the study's workers and HTTP
   * clients beat for the study's grace, and this process reaping by a shorter one failed their
   * trials while they ran; beating more slowly got this process's live trials failed by them.
   */
  private optimizeHeartbeat(heartbeat: HeartbeatOptions | false | undefined): HeartbeatTiming | null {
    const stored = this.storedHeartbeat();
    const given = heartbeat !== null && typeof heartbeat === "object" && !Array.isArray(heartbeat) ? heartbeat : null;
    const merged = given && stored ? { ...stored, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) } : (heartbeat ?? stored);
    const timing = resolveHeartbeat(merged, this.storage.url);
    const studyGrace = studyHeartbeatGraceSeconds(this.record.systemAttrs, this.storage.url);
    if (timing === null || given === null || studyGrace === null || this.record.systemAttrs[CLI_CONFIG_ATTR] === undefined) return timing;
    const whose = `of study "${this.name}" (sextant create --heartbeat-grace sets it, ${DEFAULT_HEARTBEAT_GRACE_SECONDS} by default)`;
    const grace = timing.graceMs / 1000;
    if (grace < studyGrace) {
      throw new RangeError(
        `heartbeat.graceSeconds (${grace}) is shorter than the ${studyGrace} s grace ${whose}: its sextant worker processes and HTTP clients beat for that grace, ` +
          `so this process would fail their trials while they run; give at least ${studyGrace}, or leave graceSeconds out to use the study's`,
      );
    }
    const interval = timing.intervalMs / 1000;
    if (interval * 2 > studyGrace) {
      throw new RangeError(
        `heartbeat.intervalSeconds (${interval}) is more than half the ${studyGrace} s grace ${whose}: the study's other workers would fail this process's trials while they run; ` +
          `give at most ${studyGrace / 2}`,
      );
    }
    return timing;
  }

  /**
   * Fails the running trials of the study whose heartbeats stopped more than `graceSeconds` ago
   * (their worker died, or lost the storage for that long) and queues each again with the same
   * parameters, at most `maxRetries` times along one chain of retries. Failing is a compare-and-set
   * from `running`, so when several workers reap at once each trial is failed and retried once.
   * Trials this study object is running or finishing itself are never reaped: this process is alive. Nor are
   * trials a client of the HTTP service runs without heartbeats (see {@link CLIENT_BEATS_ATTR}),
   * as the service's own reaper leaves them: a worker of the same study used to fail them and run
   * their parameters again, and the client's result was then refused. Nor is a trial reaped before
   * the grace its owner recorded, or twice its owner's beat interval, has passed (see
   * {@link OWNER_HEARTBEAT_ATTR}): a shorter `graceSeconds` than the owner's failed trials that were beating on time.
   *
   * @example
   * const { reaped, retries } = await study.reapStaleTrials(60, 3);
   */
  async reapStaleTrials(graceSeconds: number, maxRetries: number = DEFAULT_MAX_RETRIES): Promise<ReapResult> {
    // Checked here, in the caller's unit: the storage's check named graceMs and a value never passed.
    if (typeof graceSeconds !== "number" || !Number.isFinite(graceSeconds) || graceSeconds < 0) {
      throw new RangeError(`reapStaleTrials: graceSeconds must be a finite number of seconds ≥ 0, got ${typeof graceSeconds === "number" ? graceSeconds : JSON.stringify(graceSeconds)}`);
    }
    if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) throw new RangeError(`reapStaleTrials: maxRetries must be a whole number ≥ 0, got ${String(maxRetries)}`);
    const { reaped, retries } = await this.reapSilentTrials(graceSeconds, maxRetries);
    return { reaped, retries };
  }

  /**
   * {@link reapStaleTrials} on checked arguments, with the grace each reaped trial was failed after
   * (`graceSeconds[i]` for `reaped[i]`): longer than the reaper's own where the trial recorded a
   * longer one, which optimize's warning says.
   */
  private async reapSilentTrials(graceSeconds: number, maxRetries: number): Promise<ReapResult & { graceSeconds: number[] }> {
    const reaped: number[] = [];
    const retries: number[] = [];
    const graces: number[] = [];
    // Trials this live process runs, is finishing (a write that may be waiting out an outage longer
    // than the grace), or has started ahead for its next ask (finishAndStartNext), are its own.
    const othersTrial = (trial: FrozenTrial): boolean =>
      !this.activeTrials.has(trial.number) && !this.finishing.has(trial.number) && !this.prefetched.some((p) => p.id === trial.id) && silenceMeansGone(trial);
    for (const { trial, graceMs } of await silentTrials(this.storage, this.id, graceSeconds * 1000, othersTrial)) {
      let failed: FrozenTrial;
      try {
        failed = await this.storage.updateTrial(trial.id, {
          state: "failed",
          values: null,
          systemAttrs: { failReason: `${REAPED_REASON_PREFIX}${graceMs / 1000} s: its worker died or lost the storage` },
        });
      } catch (error) {
        if (error instanceof TrialNotRunningError) continue; // finished, or reaped by another worker first
        throw error;
      }
      this.absorb(failed);
      reaped.push(trial.number);
      graces.push(graceMs / 1000);
      const retry = await this.queueRetry(failed, maxRetries);
      if (retry) retries.push(retry.number);
    }
    return { reaped, retries, graceSeconds: graces };
  }

  /**
   * Fails, by hand, a running trial whose process is gone but that no reaper will fail: one run
   * with `heartbeat: false`, or whose owner is silent for less than its grace and known dead (with `force`,
   * or without it when the owner ran on this machine and its process is provably gone, as {@link judgeWorker} says). The
   * write is a compare-and-set from `running`, as a reaper's is: a trial that finishes meanwhile is
   * left as it is (outcome `finished meanwhile`), and its owner, if alive after all, finds its
   * trial failed and warns when it tells. With `requeue`, its parameters are queued again as the
   * reaper queues them ({@link queueRetry}: `retryOf`, `retryCount` one more, a population's
   * segment kept), whatever `maxRetries` would say: asking by hand is the decision. `sextant
   * fail-trial` is this method.
   *
   * A trial whose owner is visibly alive (it beat more recently than the heartbeat grace it
   * recorded, `systemAttrs.heartbeat`) is refused with {@link TrialLooksAliveError} unless `force`:
   * failing it would lose a live trial's result. A trial started by an older version, which
   * recorded no heartbeat, is judged by the grace the study's reapers wait (its stored one, else
   * 60 s). A trial whose owner promised no beats (run with `heartbeat: false`, or by an HTTP client
   * that never beats) is not judged by its silence.
   *
   * Throws {@link TrialNumberNotFoundError} for a number the study does not have,
   * {@link TrialNotRunningError} for a trial that is not running (its state in the message), and
   * an Error for a trial this study object runs itself (tell it instead).
   *
   * @example
   * const result = await study.failRunningTrial(7, { reason: "its node was lost", requeue: true });
   * if (result.outcome === "failed") console.log(`queued again as trial ${result.retry?.number}`);
   */
  async failRunningTrial(number: number, options: { reason?: string; requeue?: boolean; force?: boolean } = {}): Promise<ManualFailure> {
    const unknown = options !== null && typeof options === "object" ? unknownKeysMessage(options, ["reason", "requeue", "force"]) : "options must be an object";
    if (unknown !== null) throw new TypeError(`failRunningTrial: ${unknown}`);
    if (!Number.isSafeInteger(number) || number < 0) throw new RangeError(`failRunningTrial: a trial number is a whole number ≥ 0, got ${String(number)}`);
    if (options.reason !== undefined && typeof options.reason !== "string") throw new TypeError(`failRunningTrial: reason must be a string, got ${shownValue(options.reason)}`);
    if (options.force !== undefined && typeof options.force !== "boolean") throw new TypeError(`failRunningTrial: force must be true or false, got ${shownValue(options.force)}`);
    if (this.activeTrials.has(number)) {
      throw new Error(`trial ${number} is run by this study object: finish it with study.tell(trial, { state: "failed" }) instead`);
    }
    await this.refresh();
    const record = this.trialCache[number];
    if (!record || record.id < 0) throw new TrialNumberNotFoundError(this.name, number);
    if (record.state !== "running") throw new TrialNotRunningError(record.id, record.state, record.number);
    // A recent beat says nothing once the owner is provably gone (killed on this machine): the next
    // run's recovery would fail the trial anyway, so refusing with "looks alive" only misleads.
    const ownerGone = judgeWorker(record.systemAttrs.worker).gone;
    const graceMs = silenceMeansGone(record) && !ownerGone ? this.graceBeforeReaping(record) : 0;
    if (options.force !== true && graceMs > 0 && this.storage.heartbeatSilenceMs) {
      const silenceMs = await this.storage.heartbeatSilenceMs(record.id);
      if (silenceMs !== null && silenceMs < graceMs) throw new TrialLooksAliveError(number, silenceMs, graceMs);
    }
    let failed: FrozenTrial;
    try {
      failed = await this.storage.updateTrial(record.id, {
        state: "failed",
        values: null,
        systemAttrs: { failReason: options.reason ?? FAILED_BY_HAND_REASON },
      });
    } catch (error) {
      if (!(error instanceof TrialNotRunningError)) throw error;
      const stored = await this.storage.getTrial(record.id);
      if (!stored) throw error;
      this.absorb(stored);
      return { outcome: "finished meanwhile", trial: stored };
    }
    this.absorb(failed);
    const retry = options.requeue === true ? await this.queueAgain(failed, retryCountOf(failed) + 1) : null;
    if (retry) this.absorb(retry);
    return { outcome: "failed", trial: failed, retry };
  }

  /**
   * The silence, in milliseconds, after which the study's own reapers fail `trial`: the longer of
   * the grace its owner recorded ({@link ownersGraceMs}: its grace, or twice its beat interval) and
   * the grace they wait at least (the study's stored one, else the default; 0 where nothing reaps).
   * Judged by the owner's record alone, a trial that recorded none (started by an earlier version)
   * was failed by hand while it still beat, and an HTTP client's that recorded only a 5 s interval
   * after 10 s of silence, where a `sextant worker` of the study waits 60 s.
   */
  private graceBeforeReaping(trial: FrozenTrial): number {
    return Math.max(ownersGraceMs(trial), (studyHeartbeatGraceSeconds(this.record.systemAttrs, this.storage.url) ?? 0) * 1000);
  }

  /**
   * Queues the parameters of a finished trial (failed, pruned or complete) again, as a retry of it:
   * `systemAttrs.retryOf` = its number, `retryCount` one more than its own, a population's segment
   * kept (same member, segment, parent and starting checkpoint), whatever `maxRetries` would say:
   * asking by hand is the decision. For a trial failed by a flaky cause, or whose retries ran out,
   * or one to run again. A copy of its parameters that waits in the queue already (its retry, or
   * the same parameters enqueued) is not queued twice: outcome `already queued`. `sextant requeue`
   * is this method.
   *
   * Throws {@link TrialNumberNotFoundError} for a number the study does not have and
   * {@link TrialNotFinishedError} for a trial that is running or waiting (fail a running one whose
   * process is gone with {@link failRunningTrial} and `requeue`).
   *
   * @example
   * const result = await study.requeueTrial(7);
   * if (result.outcome === "queued") console.log(`queued again as trial ${result.retry.number}`);
   */
  async requeueTrial(number: number): Promise<Requeued> {
    if (!Number.isSafeInteger(number) || number < 0) throw new RangeError(`requeueTrial: a trial number is a whole number ≥ 0, got ${String(number)}`);
    await this.refresh();
    const record = this.trialCache[number];
    if (!record || record.id < 0) throw new TrialNumberNotFoundError(this.name, number);
    if (record.state === "running" || record.state === "waiting") throw new TrialNotFinishedError(this.name, number, record.state);
    this.refuseSegmentWithoutCheckpoint(record);
    const waitingCopy = (): FrozenTrial | undefined => this.trialCache.find((t) => t.state === "waiting" && isQueuedCopyOf(t, record));
    const copy = waitingCopy();
    if (copy) return { outcome: "already queued", trial: record, queued: copy };
    // The first retry shares the reapers' key, later ones are numbered: two requeues at once (or a
    // requeue beside a reaper's retry) queue one copy between them, and a retry that has run since
    // no longer stands in the way of the next.
    const earlier = this.trialCache.filter((t) => t.systemAttrs.retryOf === number).length;
    const retry = await this.queueAgain(record, retryCountOf(record) + 1, earlier === 0 ? `retry:${number}` : `retry:${number}:${earlier}`);
    if (retry) {
      this.absorb(retry);
      return { outcome: "queued", trial: record, retry };
    }
    await this.refresh();
    const raced = waitingCopy() ?? [...this.trialCache].reverse().find((t) => t.systemAttrs.retryOf === number);
    if (!raced) throw new Error(`trial ${number} could not be queued again: another copy was queued meanwhile and is gone; run the command again`);
    return { outcome: "already queued", trial: record, queued: raced };
  }

  /**
   * Refuses to queue again a segment whose starting checkpoint is gone (deleted under
   * `keepCheckpoints: "latest"` once its member and every ready point had moved past it, or by
   * hand): the copy would fail on "checkpoint … is missing" as it started.
   */
  private refuseSegmentWithoutCheckpoint(record: FrozenTrial): void {
    const store = this.segmentContext()?.store;
    const gone = store ? startingCheckpointGone(store, record) : null;
    if (gone === null) return;
    const place = segmentPlace(record)!;
    const why = this.scheduler?.keepCheckpoints === "latest" ? ` (keepCheckpoints: "latest" deletes a checkpoint once no segment can start from it)` : "";
    throw new Error(
      `requeueTrial: trial ${record.number} (member ${place.member}, segment ${place.segment}) starts from checkpoint ${gone}, which is no longer in ${store!.root}${why}; ` +
        "it cannot run again as it ran; nothing was queued",
    );
  }

  /**
   * Queues a trial that this process just failed on behalf of a dead worker again, with the same
   * parameters, `systemAttrs.retryOf` = its number and `retryCount` one more than its own; or
   * nothing (null) once its chain of retries has reached `maxRetries`. Call it only after your own
   * compare-and-set to `failed` succeeded, so that one failure yields at most one retry.
   */
  async queueRetry(failed: FrozenTrial, maxRetries: number = DEFAULT_MAX_RETRIES): Promise<FrozenTrial | null> {
    if (!hasRetriesLeft(failed, maxRetries)) return null;
    return this.queueAgain(failed, retryCountOf(failed) + 1);
  }

  /** {@link queueRetry}'s write: `failed` queued again with its values, its segment, and `retryCount`. */
  private queueAgain(failed: FrozenTrial, retryCount: number, onceKey?: string): Promise<FrozenTrial | null> {
    return queueTrialAgain(this.storage, this.id, failed, retryCount, onceKey);
  }

  /** A reaper that runs at most once per heartbeat interval however many loops call it. */
  private throttledReaper(timing: HeartbeatTiming, maxRetries: number, warn: (message: string) => void): () => Promise<void> {
    let last = -Infinity;
    let running: Promise<void> | null = null;
    return () => {
      if (running) return running;
      if (monotonicMs() - last < timing.intervalMs) return Promise.resolve();
      last = monotonicMs();
      // A failed reap (storage busy or briefly unreachable) is retried next interval; it must not stop this worker.
      running = this.reapSilentTrials(timing.graceMs / 1000, maxRetries)
        .then(
          ({ reaped, retries, graceSeconds }) => {
            // Said as the pid recovery says it: a budget could end short without a word.
            if (reaped.length === 0) return;
            const spent = reaped.length - retries.length;
            warn(
              `${silenceByGrace(reaped, graceSeconds)}; marked failed` +
                (retries.length > 0 ? `; queued again as trial(s) ${retries.join(", ")}` : "") +
                (spent > 0 ? `; ${spent === reaped.length ? "none" : `${spent} of them not`} queued again: retried maxRetries (${maxRetries}) time(s) already (raise maxRetries, --max-retries, to retry more)` : ""),
            );
          },
          (error: unknown) => warn(`could not check for stale trials: ${errorMessage(error)}`),
        )
        .finally(() => {
          running = null;
        });
      return running;
    };
  }

  /**
   * Whether a trial of the study is running in another process (or another study object) that may
   * yet come back as a retry. A trial of an HTTP client that never promised heartbeats is left out:
   * no reaper ever fails it, and a worker waiting for it never exited.
   */
  private async othersAreRunning(): Promise<boolean> {
    await this.refresh();
    return this.trialCache.some((t) => t.state === "running" && !this.activeTrials.has(t.number) && silenceMeansGone(t));
  }

  /** Runs the objective on `trial` and tells its result; with `startNextFor`, the write starts that call's next trial ahead. */
  private async runTrial(trial: Trial, objective: Objective, startNextFor: OptimizeRun | null, pipeline: WritePipeline | null): Promise<FrozenTrial> {
    let result: TellResult;
    try {
      result = pipeline ? await pipeline.serially(async () => pipeline.timeObjective(objective, trial)) : await objective(trial);
    } catch (error) {
      result = isA(error, TrialPruned) ? { state: "pruned" } : { state: "failed", reason: errorMessage(error) };
      if (isA(error, InvalidDistributionError) || isA(error, GridMismatchError)) {
        // A search space the code cannot define (log with step, low above high, a misspelt option)
        // fails every trial the same way: stop the run with it, as Optuna does, instead of storing
        // failed trials without a word until the budget (or, with none, forever). So does a grid
        // that cannot serve the objective (a parameter it lacks, a value outside the range): the
        // grid takes back the point each such trial failed on, so the next trial drew it again,
        // thousands of failed trials a second, and with no budget without end.
        await (pipeline ? pipeline.timeWrite(() => this.finish(trial, result, {}, null)) : this.finish(trial, result, {}, null));
        throw error;
      }
    }
    const record = (told: TellResult): Promise<FrozenTrial> =>
      pipeline ? pipeline.timeWrite(() => this.finish(trial, told, {}, startNextFor, true)) : this.finish(trial, told, {}, startNextFor, true);
    try {
      return await record(result);
    } catch (error) {
      // Refused before the trial was touched (a result object with an unknown state, say): in
      // ask/tell the caller tells again; here nobody would, and the trial stayed running for good.
      if (trial.finished) throw error;
      return record({ state: "failed", reason: `the objective's result could not be recorded: ${errorMessage(error)}` });
    }
  }

  /** Gives back the trials `run` started ahead for asks that never came, so the next worker runs them. */
  private async releasePrefetched(run: OptimizeRun): Promise<void> {
    for (let trial = this.takePrefetched(run); trial; trial = this.takePrefetched(run)) {
      if (await this.storage.releaseTrial?.(trial.id)) continue;
      // Not released (a storage without releaseTrial, or it changed meanwhile): it ran no code.
      await this.storage.updateTrial(trial.id, { state: "failed", systemAttrs: { failReason: "started ahead for a run that stopped" } }).catch(() => undefined);
    }
  }

  /**
   * Whether `stopAfter` lets a lane start another trial: "go"; "stop"; or "wait" when only the
   * trials other processes are running keep it from going (they will count once they finish, but
   * one whose worker died is failed and queued again instead).
   */
  private stopAfterVerdict(stopAfter: OptimizeOptions["stopAfter"]): "go" | "stop" | "wait" {
    if (!stopAfter) return "go";
    const { finished, complete } = this.stopAfterCounts;
    // Trials this object is running will finish and count: without them each of `concurrency`
    // lanes started one more as the total neared (5 trials ran 8 with concurrency 4).
    // So do the asks of other lanes still on their way: every lane that checked while one was
    // asking started another (6 trials ran for 2 with concurrency 6).
    let running = this.asksInFlight;
    for (const trial of this.activeTrials.values()) if (!trial.finished) running++;
    for (const number of this.finishing) if (!this.finishedNumbers.has(number)) running++;
    // And so do other processes' (this process's are counted above, an ask on its way included):
    // 4 workers of 3 jobs each, every one counting only its own, ran 29 trials for 20.
    const self = currentWorker().id;
    let elsewhere = 0;
    for (const number of this.stopAfterCounts.running) {
      const worker = this.trialCache[number]!.systemAttrs.worker;
      const id = worker !== null && typeof worker === "object" && !Array.isArray(worker) ? worker.id : undefined;
      if (id !== self && !this.activeTrials.has(number) && !this.finishing.has(number)) elsewhere++;
    }
    if (stopAfter.trialsWithoutImprovement !== undefined && complete > 0) {
      if (this.trialsSinceImprovement() >= stopAfter.trialsWithoutImprovement) return "stop";
    }
    // Running trials may complete too: counted, as for totalTrials (10 complete trials ran 13 with
    // concurrency 4). One that then fails or is pruned frees its place, and a lane starts another.
    const reached = (beside: number): boolean =>
      (stopAfter.totalTrials !== undefined && finished + beside >= stopAfter.totalTrials) || (stopAfter.completeTrials !== undefined && complete + beside >= stopAfter.completeTrials);
    if (reached(running)) return "stop";
    return reached(running + elsewhere) ? "wait" : "go";
  }

  /**
   * How many complete trials, counted from the last, have not improved on the ones before them: for
   * one objective, a better value than every earlier feasible trial; for several, a point no earlier
   * feasible trial weakly dominates (a new point of the Pareto front). An infeasible trial, or one of
   * unknown feasibility, never improves, as it could never be the best trial. Only the trials
   * finished since the last call are read (`finishedCache` only grows): read all again before each
   * trial, a run of several objectives whose trials joined the front slowed with every trial.
   */
  private trialsSinceImprovement(): number {
    const finished = this.finishedCache;
    let scan = this.improvementScan;
    // The first constrained trial makes the earlier ones without constraints of unknown feasibility.
    if (!scan.constrained && isConstrainedStudy(finished.slice(scan.read))) scan = this.improvementScan = { read: 0, constrained: true, front: new GrowingFront(), since: 0 };
    for (; scan.read < finished.length; scan.read++) {
      const trial = finished[scan.read]!;
      if (trial.state !== "complete") continue;
      const feasible = satisfiesStoredConstraints(trial.systemAttrs, scan.constrained);
      const improves = trial.values !== null && trial.values.length === this.directions.length && feasible && scan.front.join(toLosses(trial.values, this.directions));
      scan.since = improves ? 0 : scan.since + 1;
    }
    return scan.since;
  }

  /** Closes the storage if the study opened it. */
  async close(): Promise<void> {
    // Trials failed because a suggestion could not be served are failed in storage before it closes.
    await Promise.allSettled([...this.failingWrites]);
    const key = this.askedTrialBeatsKey;
    this.askedTrialBeats = null;
    this.askedTrialBeatsStarted = null;
    this.askedTrialBeatsKey = null;
    const shared = key === null ? undefined : ASKED_TRIAL_BEATS.get(key);
    // The last study object of the process using the thread stops it.
    if (shared && --shared.users === 0) {
      ASKED_TRIAL_BEATS.delete(key!);
      await (await shared.thread)?.stop();
    }
    if (this.ownsStorage) await this.storage.close();
  }

  // --- TrialHost: what a Trial asks of its study ---

  private checkpoints: CheckpointStore | null = null;
  /** Ready points being decided in this process: their members' next segments are about to be queued. */
  private readyPoints = 0;
  /** The queueing of next segments under way in this process, one after another (see {@link queueNextSegment}). */
  private segmentQueueing: Promise<void> = Promise.resolve();

  warn(message: string): void {
    this.onWarning(message);
  }

  /** The messages {@link warnOnce} has given to `onWarning`. */
  private readonly warnedOnce = new Set<string>();

  warnOnce(message: string): void {
    if (this.warnedOnce.has(message)) return;
    this.warnedOnce.add(message);
    this.onWarning(message);
  }

  segmentContext(): { store: CheckpointStore; segmentSteps: number } | null {
    if (!this.scheduler) return null;
    this.checkpoints ??= new CheckpointStore(
      this.scheduler.checkpointDir ?? defaultCheckpointRoot(this.reopenUrl, this.name, this.storage),
      formerCheckpointRoot(this.reopenUrl, this.name),
      this.name,
    );
    return { store: this.checkpoints, segmentSteps: this.scheduler.segmentSteps };
  }

  /**
   * Samples a parameter the relative step did not cover. When the sampler models parameters
   * jointly and this one is left out of its model for a reason the user can act on (a range
   * changed since earlier trials, a parameter added mid-study, a categorical under CMA-ES), the
   * trial warns once per parameter name for this study object, as Optuna's
   * `warn_independent_sampling` does; what is sampled does not change.
   */
  sampleIndependent(trial: Trial, name: string, distribution: Distribution): ParamValue {
    const stopBeats = this.beatWhileSampling(trial.id);
    try {
      const snapshot = this.samplerSnapshot(trial.number);
      const view = this.samplingView(trial);
      const value = this.sampler.sampleIndependent(snapshot, view, name, distribution);
      if (this.sampler.independentSampling !== undefined) {
        this.independentSamplingWatch ??= new IndependentSamplingWatch();
        const note = this.independentSamplingWatch.check(this.sampler, snapshot, view, name, distribution);
        if (note !== null) trial.warn(note);
      }
      return value;
    } finally {
      stopBeats();
    }
  }

  /**
   * For an HTTP client's trial, has this process's heartbeat thread beat for it until the returned
   * function is called: while its ask is under way (see {@link ASK_PENDING_ATTR}) and while the
   * sampler runs. The sampler blocks the process, and with it the client's beats, which the server
   * cannot take meanwhile: an ask or a suggestion that took longer than a reaper's grace got the
   * trial failed by another process, though its client was alive. A library process's trials beat
   * from their own thread; where no thread runs (memory: storage, one process) nothing beats.
   */
  private beatWhileSampling(trialId: number): () => void {
    const beats = this.trialsRunRemotely && !this.beatenWhileSampling.has(trialId) ? this.askedTrialBeatsStarted : null;
    if (!beats) return () => undefined;
    this.beatenWhileSampling.add(trialId);
    beats.add(trialId);
    return () => {
      beats.remove(trialId);
      this.beatenWhileSampling.delete(trialId);
    };
  }

  /** The trials {@link beatWhileSampling} beats for now: each once, though an ask's suggestions sample within it. */
  private readonly beatenWhileSampling = new Set<number>();

  shouldPrune(trial: Trial): boolean {
    const now = Date.now();
    if (now - this.lastBackgroundRefresh > 1000) {
      this.lastBackgroundRefresh = now;
      this.refresh().catch(() => undefined);
    }
    return this.pruner.prune(this.snapshot(), trial.toFrozen(), trial);
  }

  /**
   * A trial this process is running, as samplers should see it: with the parameters suggested so
   * far and the system attributes set here (its sampler's notes), which reach storage only one
   * write later. Without them a sibling asked meanwhile (`--jobs`, `concurrency`) would see a
   * running trial with no parameters, and the GP's kriging believer or TPE's constant liar would
   * not keep away from it; and a sampler that reads its notes (TuRBO counts the design points its
   * running trials hold) proposed what the timing of the writes made it, so a study resumed from
   * SQLite suggested other trials than the same study run in one go.
   */
  private withLocalWrites(record: FrozenTrial): FrozenTrial {
    if (record.state !== "running") return record;
    const local = this.activeTrials.get(record.number);
    if (!local || local.finished || local.id !== record.id) return record;
    const notes = local.systemAttrsSetHere;
    const unwritten = Object.keys(notes).some((key) => record.systemAttrs[key] !== notes[key]);
    if (record.params === local.params && !unwritten) return record;
    // The trial's own (growing) objects: later suggestions show without another copy.
    return { ...record, params: local.params, distributions: local.distributions, ...(unwritten ? { systemAttrs: { ...record.systemAttrs, ...notes } } : {}) };
  }

  scheduleFlush(trial: Trial): void {
    const cached = this.trialCache[trial.number];
    if (cached) this.cacheTrial(this.withLocalWrites(cached));
    if (trial.finished) return;
    if (this.flushScheduled.has(trial.id)) {
      // Parameters and attributes are not held back with intermediate values.
      if (!trial.onlyIntermediatePending()) this.flushPauseEnders.get(trial.id)?.();
      return;
    }
    this.flushScheduled.add(trial.id);
    const previous = this.flushes.get(trial.id) ?? Promise.resolve();
    // Wait one turn of the event loop: an objective that returns at once is told first, and its
    // parameters then reach storage with the result in one write instead of two.
    // A trial whose writes have grown slow waits longer (pauseBeforeIntermediateFlush).
    const next = previous.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.pauseBeforeIntermediateFlush(trial)).then(async () => {
      this.flushScheduled.delete(trial.id);
      if (trial.finished) return;
      const patch = trial.takePending();
      if (!patch) return;
      try {
        // Keeping the stored record spares callers who need it (the HTTP service's ask) a read.
        const began = performance.now();
        const stored = await this.storage.updateTrial(trial.id, patch);
        const endedAt = performance.now();
        if (!trial.finished) this.lastFlush.set(trial.id, { tookMs: endedAt - began, endedAt });
        this.knownSeq.set(trial.id, stored.seq);
        this.absorb(stored);
        this.passOwnWrite(stored.seq);
      } catch (error) {
        this.flushErrors.set(trial.id, error);
      }
    });
    this.flushes.set(trial.id, next);
    void next.finally(() => {
      if (this.flushes.get(trial.id) === next) this.flushes.delete(trial.id);
    });
  }

  /**
   * Spaces out the writes that carry only intermediate values once one takes long. Storage
   * rewrites a trial's whole curve each time, so a command reporting every batch of a long
   * training (tens of thousands of steps) made one write per step, each longer than the last,
   * and the study used a core while the program trained (10,000 steps, 2 ms apart: 11 s of CPU
   * on SQLite against 2 s in memory). Waiting nine times the last write's length keeps writing
   * to about a tenth of the time; a trial whose writes take under 2 ms is never held back, and
   * flushTrial, a tell, or a parameter or attribute to write end the wait at once.
   */
  private pauseBeforeIntermediateFlush(trial: Trial): Promise<void> | undefined {
    if (this.flushWanted.delete(trial.id)) return undefined;
    const last = this.lastFlush.get(trial.id);
    if (last === undefined || last.tookMs < SLOW_FLUSH_MS || trial.finished || !trial.onlyIntermediatePending()) return undefined;
    const wait = Math.min(MAX_FLUSH_PAUSE_MS, FLUSH_PAUSE_FACTOR * last.tookMs) - (performance.now() - last.endedAt);
    if (wait <= 0) return undefined;
    return new Promise<void>((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.flushPauseEnders.delete(trial.id);
        resolve();
      };
      const timer = setTimeout(end, wait);
      this.flushPauseEnders.set(trial.id, end);
    });
  }

  samplingView(trial: Trial): SamplingTrial {
    return {
      number: trial.number,
      params: trial.params,
      distributions: trial.distributions,
      systemAttrs: trial.systemAttrs,
      setSystemAttr: (key, value) => trial.setSystemAttr(key, value),
      setStudySystemAttr: (key, value) => {
        if (this.record.systemAttrs[key] !== undefined && JSON.stringify(this.record.systemAttrs[key]) === JSON.stringify(value)) return;
        this.record = { ...this.record, systemAttrs: { ...this.record.systemAttrs, [key]: value } };
        this.storage.setStudyAttrs(this.id, { systemAttrs: { [key]: value } }).catch(() => undefined);
      },
    };
  }
}

/** How many trials failed on a suggest and not told yet a study keeps by number for a tell (see failedOnSuggestByNumber). */
const FAILED_ON_SUGGEST_KEPT = 1024;

/** Most trials a one-at-a-time `optimize` runs ahead of their writes (see {@link WritePipeline}). */
const PIPELINE_DEPTH = 16;
/** A write of a trial's changes that takes this long (ms) holds back the next write of intermediate values alone. */
const SLOW_FLUSH_MS = 2;
/** The next such write waits this many times as long as the last one took... */
const FLUSH_PAUSE_FACTOR = 9;
/** ...but never longer than this (ms). */
const MAX_FLUSH_PAUSE_MS = 1000;

/**
 * How `optimize` keeps a storage with group commit busy when it runs one objective call at a
 * time and nothing in the loop reads other trials (random search, no pruner, no stop condition):
 * while one trial's write is on its way, another lane runs the next trial, which an earlier
 * write started ahead, so the writes that wait at the same moment go to the database together.
 * Objective calls and callbacks still run one at a time, and a trial reaches its callbacks only
 * once its write has committed. Lanes beyond the first run only while objective calls are
 * quicker than writes: a slow objective gains nothing from running ahead, and its trials would
 * only sit `running` longer.
 */
class WritePipeline {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly objectiveMs = new RecentReadings();
  private readonly writeMs = new RecentReadings();

  /** Runs `task` after every task handed in before it has ended. */
  serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Calls the objective and records how long it took. A synchronous objective is timed when its
   * call returns: awaiting it would also count the other lanes' work queued before the await
   * resumes, which grows with the very batching this decides on.
   */
  timeObjective(objective: Objective, trial: Trial): ObjectiveResult | Promise<ObjectiveResult> {
    const start = performance.now();
    let result: ObjectiveResult | Promise<ObjectiveResult>;
    try {
      result = objective(trial);
    } catch (error) {
      this.objectiveMs.add(performance.now() - start);
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.objectiveMs.add(performance.now() - start);
      return result;
    }
    return result.finally(() => this.objectiveMs.add(performance.now() - start));
  }

  async timeWrite<T>(task: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await task();
    } finally {
      this.writeMs.add(performance.now() - start);
    }
  }

  /** Whether a trial's write takes longer than its objective call, so running ahead pays. */
  runsAhead(): boolean {
    const objective = this.objectiveMs.median();
    const write = this.writeMs.median();
    return objective !== null && write !== null && objective < write;
  }

  wantsLane(lanes: number): boolean {
    return lanes < PIPELINE_DEPTH && this.runsAhead();
  }
}

/**
 * The median of the last few readings of a duration: a process descheduled in the middle of a
 * short call (a busy machine) makes one reading long, which moves a mean but not the median.
 */
class RecentReadings {
  private readonly readings: number[] = [];
  private next = 0;
  private cached: number | null = null;

  add(ms: number): void {
    if (this.readings.length < RECENT_READINGS) this.readings.push(ms);
    else this.readings[this.next] = ms;
    this.next = (this.next + 1) % RECENT_READINGS;
    this.cached = null;
  }

  median(): number | null {
    if (this.readings.length === 0) return null;
    this.cached ??= [...this.readings].sort((a, b) => a - b)[this.readings.length >> 1]!;
    return this.cached;
  }
}

/** How many recent readings {@link RecentReadings} keeps. */
const RECENT_READINGS = 9;

/** The study system attribute that records how many constraint values its trials carry. */
const CONSTRAINT_COUNT_ATTR = "constraintCount";

interface Judged {
  state: "complete" | "pruned" | "failed";
  values: number[] | null;
  reason?: string;
  constraints?: number[];
}

/** The keys a result object of each state may have (see {@link TellResult}). */
const RESULT_KEYS: Record<"complete" | "pruned" | "failed", readonly string[]> = {
  complete: ["state", "values", "constraints"],
  pruned: ["state", "values", "constraints"],
  failed: ["state", "reason"],
};

/** What an objective returned, as a failed trial's reason names it. */
function shownResult(v: unknown): string {
  // A string is quoted: "objective returned 1" for the text "1" read as a bug in the study.
  // A bigint or a boxed Number is named by its type: "objective returned 3" would read as 3 refused.
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "bigint") return `the bigint ${v}n`;
  if ((v as unknown) instanceof Number) return `a Number object (${String(v)}; return the primitive, e.g. Number(x))`;
  return shownValue(v);
}

/** Whether two constraint lists hold the same values (a typed array and an array alike). */
function sameNumbers(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Names as a sentence lists choices: "a", "a or b", "a, b or c". */
function alternatives(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]!}`;
}

function isNumberList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || isTypedArray(value);
}

/** A list as a message shows it: `[1, -0.5]` (NaN as NaN, not JSON's null). */
function listText(list: ArrayLike<unknown>): string {
  return `[${Array.from(list, String).join(", ")}]`;
}

function constraintsOfResult(result: TellResult): NumberList | undefined {
  if (typeof result === "object" && result !== null && !Array.isArray(result) && "state" in result && (result.state === "complete" || result.state === "pruned")) {
    return result.constraints;
  }
  return undefined;
}

/** Refuses what {@link Study.ask} would otherwise record as a failed trial blamed on the sampler. */
function checkFixedDistributions(fixedDistributions: Record<string, Distribution>): void {
  if (fixedDistributions === null || typeof fixedDistributions !== "object" || Array.isArray(fixedDistributions)) {
    throw new TypeError(`ask: the search space must be an object of parameter names to distributions, got ${describeValue(fixedDistributions)}`);
  }
  for (const [name, distribution] of Object.entries(fixedDistributions)) {
    const reserved = reservedParamName(name);
    if (reserved !== null) throw new TypeError(`ask: ${reserved}`);
    validateDistribution(distribution, name);
  }
}

/**
 * Refuses enqueued values no parameter can take (NaN, an object, …) when they are enqueued, rather
 * than when a trial runs them (where NaN, stored as JSON, came back as null).
 */
function checkEnqueuedParams(params: Record<string, ParamValue>): void {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new TypeError(`enqueueTrial: params must be an object of parameter names to values, got ${describeValue(params)}`);
  }
  for (const [name, value] of Object.entries(params)) {
    const reserved = reservedParamName(name);
    if (reserved !== null) throw new TypeError(`enqueueTrial: ${reserved}`);
    const t = typeof value;
    if (!(value === null || t === "string" || t === "boolean" || (t === "number" && Number.isFinite(value)))) {
      const shown = t === "number" ? String(value) : t === "object" ? JSON.stringify(value) : t;
      throw new TypeError(`enqueueTrial: parameter "${name}" has value ${shown}; a value must be a finite number, a string, a boolean or null`);
    }
  }
}

/** The keys {@link Study.optimize} reads; anything else is a typo that would otherwise be ignored (`ntrials` runs forever). */
const OPTIMIZE_OPTION_KEYS: readonly (keyof OptimizeOptions)[] = [
  "nTrials", "timeoutSeconds", "deadline", "clock", "concurrency", "callbacks", "stopAfter", "heartbeat", "maxRetries", "onlyQueuedTrials", "onWarning",
];
const STOP_AFTER_KEYS: readonly (keyof NonNullable<OptimizeOptions["stopAfter"]>)[] = ["totalTrials", "completeTrials", "trialsWithoutImprovement"];

/**
 * Refuses what {@link Study.optimize} would otherwise misread without a word: unknown keys, and
 * counts or times that are negative, fractional or NaN (`nTrials: -1` ran nothing, `concurrency: 0`
 * ran one lane, a misspelt `nTrials` ran until interrupted).
 */
function checkOptimizeOptions(objective: unknown, options: OptimizeOptions): void {
  if (typeof objective !== "function") throw new TypeError(`optimize: the objective must be a function (trial) => number | number[], got ${describeValue(objective)}`);
  if (options === null || typeof options !== "object") throw new TypeError(`optimize: options must be an object, got ${describeValue(options)}`);
  const unknownKeys = (given: object, valid: readonly string[], where: string): void => {
    const unknown = unknownKeysMessage(given, valid);
    if (unknown !== null) throw new TypeError(`${where}: ${unknown}`);
  };
  unknownKeys(options, OPTIMIZE_OPTION_KEYS, "optimize");
  const count = (value: unknown, name: string, min: number, unbounded = true): void => {
    if (value === undefined || (unbounded && value === Infinity)) return;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new RangeError(`optimize: ${name} must be ${min === 0 ? "a non-negative" : "a positive"} integer, got ${typeof value === "number" ? value : describeValue(value)}`);
    }
  };
  count(options.nTrials, "nTrials", 0);
  count(options.concurrency, "concurrency", 1, false);
  const timeout = options.timeoutSeconds as unknown;
  if (timeout !== undefined && (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0)) {
    throw new RangeError(`optimize: timeoutSeconds must be a non-negative number of seconds, got ${typeof timeout === "number" ? timeout : describeValue(timeout)}`);
  }
  const deadline = options.deadline as unknown;
  if (deadline !== undefined && (typeof deadline !== "number" || Number.isNaN(deadline))) {
    throw new RangeError(`optimize: deadline must be a number of milliseconds on the clock, got ${typeof deadline === "number" ? deadline : describeValue(deadline)}`);
  }
  if (options.clock !== undefined && typeof options.clock !== "function") throw new TypeError(`optimize: clock must be a function () => milliseconds, got ${describeValue(options.clock)}`);
  const stopAfter = options.stopAfter as unknown;
  if (stopAfter !== undefined) {
    if (stopAfter === null || typeof stopAfter !== "object") throw new TypeError(`optimize: stopAfter must be an object, got ${describeValue(stopAfter)}`);
    unknownKeys(stopAfter, STOP_AFTER_KEYS, "optimize: stopAfter");
    for (const key of STOP_AFTER_KEYS) count((stopAfter as Record<string, unknown>)[key], `stopAfter.${key}`, 0);
  }
  if (options.callbacks !== undefined && (!Array.isArray(options.callbacks) || options.callbacks.some((c) => typeof c !== "function"))) {
    throw new TypeError("optimize: callbacks must be an array of functions (study, trial) => void");
  }
}

function checkMaxRetries(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`maxRetries must be a non-negative integer, got ${value}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function toVector(result: ObjectiveResult): number[] {
  if (typeof result === "number") return [result];
  if (Array.isArray(result)) return [...result];
  // A typed array's values, one per objective: it was judged as one object, "objective returned
  // {"0":1,"1":2}, not a finite number". A BigInt64Array's bigints are then refused by name.
  if (isTypedArray(result)) return Array.from(result as ArrayLike<number>);
  return [result as unknown as number];
}

/**
 * A pruned trial's value when it is told none: its last intermediate value, as Optuna 3.1's tell
 * keeps it, ±Infinity included (a diverged run stored no value, and read as one never reported);
 * NaN is no value.
 */
function lastValueOf(trial: Trial, objectives: number): number[] | null {
  if (objectives !== 1) return null;
  const last = lastIntermediate(trial);
  return last === undefined || Number.isNaN(last.value) ? null : [last.value];
}

/** `instanceof` for a thrown value, false where asking throws (a Proxy's getPrototypeOf trap). */
function isA(value: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

function errorMessage(error: unknown): string {
  // Anything can be thrown, and reading it can throw too (a message getter, a Proxy's traps, an
  // object without a prototype): any of these escaped the trial's catch and left it running for good.
  try {
    if (error instanceof Error) {
      const message: unknown = error.message;
      return typeof message === "string" && message !== "" ? message : String(error.name);
    }
    // An object's own message, else its text.
    const message = error !== null && typeof error === "object" ? (error as { message?: unknown }).message : undefined;
    if (typeof message === "string" && message !== "") return message;
  } catch {
    return "threw a value that cannot be read (reading its type or message throws)";
  }
  // Its own text (a class's toString, a number), else (an object without a prototype has none,
  // a plain object's says nothing) its JSON, else its type.
  try {
    const text = String(error);
    if (text !== "[object Object]") return text;
  } catch {
    // below
  }
  return `threw ${shownValue(error)}`;
}

/** The id of a placeholder: a trial another worker started that this object has not read yet. */
const PLACEHOLDER_ID = -1;

function placeholder(number: number): FrozenTrial {
  return makeTrial({ number, id: PLACEHOLDER_ID, state: "waiting", seq: -1 });
}

function canonicalParams(params: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

const storageTokens = new WeakMap<Storage, number>();
let nextStorageToken = 1;

/** A number for each storage object of this process: ids number the studies of one storage only. */
function storageToken(storage: Storage): number {
  let token = storageTokens.get(storage);
  if (token === undefined) storageTokens.set(storage, (token = nextStorageToken++));
  return token;
}
