import { isDeepStrictEqual } from "node:util";
import type { Direction, Distribution, FrozenTrial, JsonValue, ParamValue, TrialState } from "../space/index.js";
import type { TrialQuery } from "./trial-query.js";


/** The trial system attribute that holds a {@link Storage.createTrialOnce} key. */
export const ONCE_KEY_ATTR = "onceKey";

/**
 * The study system attribute that marks a stored record as an online tuner (`createOnlineTuner`)
 * and holds its state. Such a record shares the studies' names but is no study: it has no trials,
 * and studies refuse to load it (see {@link onlineTunerRefusal}).
 */
export const ONLINE_TUNER_ATTR = "online:tuner";

/**
 * Why a record cannot be used as a study, or null: an online tuner kept under that name.
 *
 * @example
 * onlineTunerRefusal(record) // '"sor" is an online tuner, not a study (its state: sextant online show sor); …'
 */
export function onlineTunerRefusal(record: StudyRecord): string | null {
  if (record.systemAttrs[ONLINE_TUNER_ATTR] === undefined) return null;
  return `"${record.name}" is an online tuner, not a study (its state: sextant online show ${record.name}); give the study another name`;
}

/** A study as stored. */
export interface StudyRecord {
  readonly id: number;
  readonly name: string;
  readonly directions: readonly Direction[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** What a new study starts with besides its name and directions ({@link Storage.createStudy}). */
export interface StudyInit {
  readonly userAttrs?: Record<string, JsonValue>;
  readonly systemAttrs?: Record<string, JsonValue>;
  /**
   * When the study was made, in whole milliseconds since the epoch: a copy keeps its source's
   * (`copyStudy`). Default: now, by the storage's clock.
   */
  readonly createdAt?: number;
}

/** A study with counts of its trials by state, for listings. */
export interface StudySummary extends StudyRecord {
  readonly trialCounts: Readonly<Record<TrialState, number>>;
  /** Best value of a single-objective study, or null. */
  readonly bestValue: number | null;
}

/** What a new trial starts with. */
/** What {@link Storage.startNextTrial} answers: the trial now running, and what changed before it started. */
export interface StartedTrial {
  readonly trial: FrozenTrial;
  /** Null when the caller asked for no changes (`sinceSeq` null). */
  readonly changes: TrialChanges | null;
}

export interface TrialInit {
  /** `running` for a trial a worker starts now, `waiting` for an enqueued one. */
  readonly state: "running" | "waiting";
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly distributions?: Readonly<Record<string, Distribution>>;
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
}

/**
 * A finished trial written whole by {@link Storage.insertFinishedTrial}: what copying a study
 * from another storage has of each trial, times included.
 */
export interface FinishedTrialInit
  extends Pick<FrozenTrial, "params" | "distributions" | "values" | "intermediate" | "userAttrs" | "systemAttrs" | "startedAt" | "finishedAt"> {
  readonly state: "complete" | "pruned" | "failed";
}

/** A queued trial written whole by {@link Storage.insertTrials}: not run yet, so no values, intermediate values or times. */
export interface WaitingTrialInit extends Pick<FrozenTrial, "params" | "distributions" | "userAttrs" | "systemAttrs"> {
  readonly state: "waiting";
}

/** A trial {@link Storage.insertTrials} writes whole: a finished one with its times, or a waiting one. */
export type WholeTrialInit = FinishedTrialInit | WaitingTrialInit;

/** What a claimer writes into the trial it claims, in the claim's own write. */
export interface TrialClaim {
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
  /** Claim only among these trial numbers (the oldest of them still waiting); absent: any waiting trial. */
  readonly among?: readonly number[];
  /**
   * Synchronous PBT's order, checked inside the claim's own write so that a trial queued after the
   * caller read the study (a peer's retry, a requeue) counts too: a waiting trial whose system
   * attribute `undecided` is `true` is passed over while another trial of the study is waiting or
   * running whose attribute `member` is a number other than its own and whose attribute `segment`
   * is a lower number. The attributes' keys, so that storage knows no scheduler.
   */
  readonly segmentOrder?: SegmentOrderKeys;
}

/** The system attribute keys {@link TrialClaim.segmentOrder} reads. */
export interface SegmentOrderKeys {
  readonly member: string;
  readonly segment: string;
  readonly undecided: string;
}

/** What {@link Storage.finishAndStartNext} answers. */
export interface FinishedAndStarted {
  /**
   * The finished trial, or null when the compare-and-set found the trial changed since this
   * process last saw it (another process finished or reaped it); the caller then settles it with
   * {@link Storage.updateTrial}, which reads it again and says why.
   */
  readonly finished: FrozenTrial | null;
  /** The next trial, started in the same write whatever happened to the finish. */
  readonly started: StartedTrial;
}

/**
 * A change to a running trial, applied atomically. Every field is optional; attributes and
 * intermediate values are merged into what the trial has, params are added (a name already set
 * with a different value is an error). Setting `state` finishes the trial.
 */
export interface TrialPatch {
  readonly params?: Readonly<Record<string, { value: ParamValue; distribution: Distribution }>>;
  readonly intermediate?: Readonly<Record<number, number>>;
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
  readonly state?: "complete" | "pruned" | "failed";
  readonly values?: readonly number[] | null;
}

/** Trials of one study that changed after a sequence number, and the sequence number to ask from next. */
export interface TrialChanges {
  readonly trials: readonly FrozenTrial[];
  readonly seq: number;
}

/**
 * The storage contract: the smallest set of operations every backend implements. All writes that
 * two workers could race on are compare-and-set or row claims, so no trial number is given twice
 * and no finished trial is changed.
 *
 * Reads are incremental: each study has a change counter `seq`; every write to a trial bumps it and
 * stamps the trial, and `trialsSince(studyId, seq)` returns only what changed after `seq`.
 */
export interface Storage {
  /** The URL this storage was opened from, e.g. `sqlite:./sextant.db`. */
  readonly url: string;
  /**
   * A URL that opens this same storage again, where {@link url} may not: a SQLite path resolved
   * when the file was opened, a PostgreSQL URL with its password (which `url` hides) and the
   * schema given as an option. Threads that reopen the storage use it: from `url` a heartbeat
   * thread sent "***" as the password, beat into the public schema, or made a second, empty file
   * after `process.chdir`. Never print it: it may hold a password.
   */
  readonly reopenUrl?: string;

  /** Creates a study; throws {@link DuplicateStudyError} if the name is taken. */
  createStudy(name: string, directions: readonly Direction[], attrs?: StudyInit): Promise<StudyRecord>;
  /** The study with that name, or null. */
  getStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudySummary[]>;
  /** Deletes a study and its trials; returns whether it existed. */
  deleteStudy(name: string): Promise<boolean>;
  /** Merges attributes into a study's user or system attributes. */
  setStudyAttrs(studyId: number, attrs: { userAttrs?: Record<string, JsonValue>; systemAttrs?: Record<string, JsonValue> }): Promise<void>;
  /**
   * Optional compare-and-set of one study system attribute: sets `key` to `value` only if it still
   * holds `expected` (compared as JSON values; `undefined`: the key is absent), and says whether it
   * did. The check and the write are one atomic step across every process sharing the storage, so
   * of two workers that read one value and each write their own, exactly one wins and the other
   * can read the winner's (a study's first constraint count, an online tuner's state). Use
   * {@link compareAndSetStudySystemAttr}, which falls back to a read and {@link setStudyAttrs} on a
   * storage without it. (PostgreSQL: when a reply is lost and the write retried, a write that did
   * commit may be answered false.)
   *
   * @example
   * const won = await storage.compareAndSetStudySystemAttr!(study.id, "constraintCount", undefined, 2);
   */
  compareAndSetStudySystemAttr?(studyId: number, key: string, expected: JsonValue | undefined, value: JsonValue): Promise<boolean>;

  /** Creates a trial with the next free number of its study. */
  createTrial(studyId: number, init: TrialInit): Promise<FrozenTrial>;
  /**
   * Creates a trial as {@link createTrial} does, unless a trial of the study already carries `key`
   * (under the system attribute {@link ONCE_KEY_ATTR}, which the new trial gets); then it creates
   * nothing and returns null. The check and the insert are one atomic step across every process
   * sharing the storage, so of any number of callers with one key exactly one creates the trial
   * (e.g. a population member's next segment, queued both by the worker that ran the last one and
   * by an idle worker repairing the member).
   *
   * @example
   * const queued = await storage.createTrialOnce(study.id, `after:${parent.number}`, { state: "waiting" });
   */
  createTrialOnce(studyId: number, key: string, init: TrialInit): Promise<FrozenTrial | null>;
  /**
   * Optional fast path: queues `count` empty `waiting` trials (no parameters yet; the sampler picks
   * them when a worker claims each) with the next free numbers, all or none, in one write. A
   * budget of 50,000 trials then takes one commit instead of 50,000, and a process killed during
   * it leaves no part of the budget behind. Use {@link queueWaitingTrials}, which falls back to
   * one {@link createTrial} per trial on a storage without it.
   *
   * @example
   * await storage.queueTrials!(study.id, 200);
   */
  queueTrials?(studyId: number, count: number): Promise<void>;
  /**
   * Atomically moves the oldest `waiting` trial of the study to `running` and returns it, or null
   * if none. `claim.systemAttrs` are merged into the trial's in the same write (a key it already
   * has is replaced): a claimer records who runs the trial (`worker`) in the claim itself, so a
   * process killed right after claiming leaves a trial that pid-based recovery can attribute.
   *
   * @example
   * const trial = await storage.claimWaitingTrial(study.id, { systemAttrs: { worker } });
   */
  claimWaitingTrial(studyId: number, claim?: TrialClaim): Promise<FrozenTrial | null>;
  /**
   * Optional fast path for a worker's next trial, in one round trip where the backend can: claims
   * the oldest `waiting` trial as {@link claimWaitingTrial} does (with `init.systemAttrs` as the
   * claim's attributes; its other fields are for a created trial only), or else creates a `running` one
   * from `init` as {@link createTrial} does, and returns it with the study's changes since
   * `sinceSeq`, as {@link trialsSince} would have answered just before this write (so `changes`
   * does not include the started trial, and `changes.seq` is below its `seq`). With `sinceSeq`
   * null it reads no changes (`changes` is null): for a caller whose sampler uses no history, that
   * read is most of the cost once other workers write to the study. Studies fall back to the
   * three calls on a storage without it.
   *
   * @example
   * const { trial, changes } = await storage.startNextTrial!(study.id, { systemAttrs: { worker } }, lastSeq);
   */
  startNextTrial?(studyId: number, init: Omit<TrialInit, "state">, sinceSeq: number | null): Promise<StartedTrial>;
  /**
   * Optional fast path for a worker that goes on after a trial: applies the finishing `patch` as
   * {@link updateTrial} would and starts the next trial as {@link startNextTrial} would, in one
   * round trip and one commit. A backend that has it also has {@link releaseTrial}, for a next
   * trial the worker turns out not to run.
   *
   * @example
   * const { finished, started } = await storage.finishAndStartNext!(trial.id, { state: "complete", values: [0.1] }, {}, lastSeq);
   */
  finishAndStartNext?(
    trialId: number,
    patch: TrialPatch & { state: NonNullable<TrialPatch["state"]> },
    init: Omit<TrialInit, "state">,
    sinceSeq: number | null,
  ): Promise<FinishedAndStarted>;
  /**
   * True when {@link finishAndStartNext} calls without `sinceSeq` that wait at the same moment go
   * to the backend together (group commit), so a caller gains from having several in flight.
   */
  readonly groupCommit?: boolean;
  /**
   * Puts a trial this process started but never ran (no parameter set yet) back to `waiting`, so
   * the next ask of any worker runs it and numbers stay contiguous. Returns false, changing nothing,
   * if the trial is no longer running or already has parameters.
   */
  releaseTrial?(trialId: number): Promise<boolean>;
  /**
   * Optional: writes a trial that finished elsewhere, whole and with the next free number, in one
   * write. Every other write stamps start and finish times with this storage's clock; copying a
   * study from another storage (`copyStudy`) keeps the times the trial really ran at with this.
   * Without it, copies fall back to {@link createTrial} then {@link updateTrial}, and get the
   * copy's times.
   *
   * @example
   * const copy = await storage.insertFinishedTrial!(study.id, { ...trial, state: "complete" });
   */
  insertFinishedTrial?(studyId: number, trial: FinishedTrialInit): Promise<FrozenTrial>;
  /**
   * Optional fast path for copies: writes `trials` whole, as {@link insertFinishedTrial} writes
   * one (a waiting one queued as {@link createTrial} queues it), with the next free numbers in
   * their order, all or none, in one write; returns them as written. Copying a study of 10,000
   * trials into PostgreSQL then takes a few dozen round trips and commits instead of 10,000.
   * Copies (`copyStudy`, `importStudy`) write a few hundred trials per call; without it, one
   * trial per write.
   *
   * @example
   * const [first, second] = await storage.insertTrials!(study.id, [{ ...trial, state: "complete" }, { params, distributions, userAttrs: {}, systemAttrs: {}, state: "waiting" }]);
   */
  insertTrials?(studyId: number, trials: readonly WholeTrialInit[]): Promise<FrozenTrial[]>;
  /**
   * Applies a patch to a trial that is `running` (compare-and-set on the state). Throws
   * {@link TrialNotRunningError} if it is not, {@link TrialNotFoundError} if it does not exist.
   */
  updateTrial(trialId: number, patch: TrialPatch): Promise<FrozenTrial>;
  /** Trials of the study changed after `seq` (all of them for 0), in number order. */
  trialsSince(studyId: number, seq: number): Promise<TrialChanges>;
  getTrial(trialId: number): Promise<FrozenTrial | null>;
  /**
   * Optional: the trials of the study that `query` selects, in its order, read with one indexed
   * query, so that a reader that shows a few trials (the last ten, the failed ones, the best one)
   * does not read and decode the study's whole history. Answers exactly what `selectTrials`
   * computes over all of the study's trials; use `findTrials`, which falls back to that on a storage
   * without this method. Throws as {@link trialsSince} does for a study it does not hold.
   *
   * @example
   * const lastFailed = await storage.findTrials!(study.id, { states: ["failed"], reverse: true, limit: 5 });
   */
  findTrials?(studyId: number, query: TrialQuery): Promise<FrozenTrial[]>;

  /**
   * Records that the workers running these trials are alive now (by the storage's own clock, so
   * workers on machines with skewed clocks agree). Does not bump `seq`: a beat is not a change
   * readers need to see. Ids of trials that are not running (finished, waiting, unknown) are
   * ignored, so a late beat cannot revive a reaped trial.
   *
   * @example
   * await storage.recordHeartbeat([trial.id]);
   */
  recordHeartbeat(trialIds: readonly number[]): Promise<void>;
  /**
   * Running trials of the study whose last heartbeat (or start, if they never beat) is older than
   * `graceMs` by the storage's clock, in number order. Reaping is then done with the ordinary
   * compare-and-set `updateTrial(id, { state: "failed" })`, so a trial that finishes meanwhile
   * is never reaped.
   *
   * @example
   * for (const trial of await storage.staleTrials(study.id, 60_000)) {
   *   await storage.updateTrial(trial.id, { state: "failed" }).catch(() => {}); // lost a race: it finished
   * }
   */
  staleTrials(studyId: number, graceMs: number): Promise<FrozenTrial[]>;
  /**
   * How long a running trial has gone without a heartbeat, in milliseconds by the storage's clock
   * (since its start if it never beat); null for a trial that is not running or does not exist.
   * `sextant fail-trial` reads it to refuse a trial whose owner is visibly alive. Optional, so a
   * storage written for an earlier version still loads: without it, that check is not made.
   *
   * @example
   * const silence = await storage.heartbeatSilenceMs(trial.id); // 1200: it beat 1.2 s ago
   */
  heartbeatSilenceMs?(trialId: number): Promise<number | null>;

  close(): Promise<void>;
}

export class StorageError extends Error {
  override name = "StorageError";
}

/**
 * Hears that opening a store migrated it from an older schema version to this code's: told once,
 * by the opener that did the migrating (a new, empty store is created, not migrated, and says
 * nothing). The message names the store, both versions and what changed.
 */
export type SchemaUpgradeListener = (message: string) => void;

/**
 * What an opener says after migrating a store that already held Sextant's tables: from then on a
 * Sextant that knows only the old version refuses it, so whoever still runs one (another machine's
 * workers, a pinned job) should hear it from the upgrade, not from that refusal later.
 *
 * @example
 * schemaUpgradeMessage("sqlite:runs.db", 1, 2, ["trial heartbeats"])
 * // 'upgraded sqlite:runs.db from schema version 1 to 2 (trial heartbeats): a Sextant that reads only version 1 now refuses it; upgrade every Sextant that uses it'
 */
export function schemaUpgradeMessage(shownUrl: string, from: number, to: number, changes: readonly string[]): string {
  return (
    `upgraded ${shownUrl} from schema version ${from} to ${to} (${changes.join("; ")}): ` +
    `a Sextant that reads only version ${from} now refuses it; upgrade every Sextant that uses it`
  );
}

/**
 * What opening for writing with `upgradeSchema: false` says of a store an older Sextant wrote,
 * instead of migrating it.
 *
 * @example
 * schemaUpgradeRefusal("sqlite:runs.db", 1, 2, ["trial heartbeats"])
 */
export function schemaUpgradeRefusal(shownUrl: string, from: number, to: number, changes: readonly string[]): string {
  return (
    `cannot open ${shownUrl} for writing without upgrading it: an older Sextant wrote it (schema version ${from}), and writing needs version ${to} ` +
    `(${changes.join("; ")}), which that Sextant refuses; open it read-only, or let it be upgraded`
  );
}

/** Where a schema upgrade is said when the opener was given no listener: Node's warning channel, as a study's warnings are. */
export const emitSchemaUpgradeWarning: SchemaUpgradeListener = (message) => process.emitWarning(message, "SextantWarning");

export class DuplicateStudyError extends StorageError {
  override name = "DuplicateStudyError";
  /**
   * @param advice what the caller can do instead, said in parentheses after the message
   * @param where the storage that holds it, as messages show it (its password as `***`), said after the name
   */
  constructor(readonly studyName: string, advice?: string, where?: string) {
    super(`a study named "${studyName}" already exists${where ? ` in ${where}` : ""}${advice ? ` (${advice})` : ""}`);
  }
}

export class StudyNotFoundError extends StorageError {
  override name = "StudyNotFoundError";
  /**
   * @param where what looked for it, said first (e.g. "warmStartFrom: ")
   * @param detail said after the name: where it was looked for (e.g. ` in sqlite:./runs.db`)
   */
  constructor(
    readonly studyName: string,
    where = "",
    detail = "",
  ) {
    super(`${where}no study named "${studyName}"${detail}`);
  }
}

/** A study id the storage does not hold: a study deleted while in use, or a caller's bug. */
export class StudyIdNotFoundError extends StorageError {
  override name = "StudyIdNotFoundError";
  constructor(readonly studyId: number) {
    // Workers of a study deleted under them meet this: say so, since the id alone names nothing.
    super(`no study with id ${studyId}: it was deleted while in use (sextant delete, deleteStudy), or never existed`);
  }
}

/** The error a backend gives for a study id it does not hold (a caller bug, or a study deleted meanwhile). */
export function noStudy(studyId: number): StorageError {
  return new StudyIdNotFoundError(studyId);
}

export class TrialNotFoundError extends StorageError {
  override name = "TrialNotFoundError";
  constructor(readonly trialId: number) {
    super(`no trial with id ${trialId}`);
  }
}

/**
 * A write to a trial that is no longer running (another worker finished or failed it). The
 * message names the trial by its number, the one users see; `trialId` is the storage's own key.
 *
 * @example
 * new TrialNotRunningError(17, "failed", 3).message // "trial 3 is failed, not running; it can no longer change"
 */
export class TrialNotRunningError extends StorageError {
  override name = "TrialNotRunningError";
  constructor(
    readonly trialId: number,
    readonly state: TrialState,
    readonly trialNumber: number,
  ) {
    super(
      state === "waiting"
        ? `trial ${trialNumber} is waiting in the queue, not running; it changes only once a worker or client asks for it and starts it`
        : `trial ${trialNumber} is ${state}, not running; it can no longer change`,
    );
  }
}

/** A parameter set twice on one trial with different values or distributions. */
export class ParamConflictError extends StorageError {
  override name = "ParamConflictError";
}

/**
 * A SQLite file could not be opened as Sextant storage. The message names the URL and the reason
 * in words (missing directory, not a SQLite file, another application's database, a newer schema);
 * the SQLite error, if any, is kept as `cause`.
 */
export class StorageOpenError extends StorageError {
  override name = "StorageOpenError";
}

/**
 * A SQLite file this process may read but not write: the file, its -wal or -shm, or its folder is
 * read-only. Opening it for writing throws this (`readOnly: true` opens it for reading), and so
 * does every write to a storage opened read-only.
 */
export class StorageReadOnlyError extends StorageOpenError {
  override name = "StorageReadOnlyError";
}

/**
 * A store an older Sextant wrote, opened for writing with `upgradeSchema: false`: writing would
 * first migrate it, which that Sextant then refuses. Nothing was changed; open it read-only to read it.
 */
export class StorageUpgradeRefusedError extends StorageOpenError {
  override name = "StorageUpgradeRefusedError";
}

/**
 * A storage opened read-only holds no Sextant tables: nothing was ever written there, so there is
 * nothing to read (commands that only look say "no studies" rather than create the tables).
 */
export class StorageEmptyError extends StorageOpenError {
  override name = "StorageEmptyError";
}

/** The database stayed locked by other processes for longer than the storage was willing to wait. */
export class StorageBusyError extends StorageError {
  override name = "StorageBusyError";
}

/**
 * A stored row holds text this code cannot decode (edited by hand, written by a broken tool, or a
 * damaged file). The message names the storage, study, trial and column; the parser's error is
 * kept as `cause`.
 *
 * @example
 * try { await storage.trialsSince(studyId, 0); }
 * catch (error) { if (error instanceof StorageDecodeError) console.error(error.message, error.cause); }
 */
export class StorageDecodeError extends StorageError {
  override name = "StorageDecodeError";
}

/**
 * Queues `count` empty waiting trials in `storage`'s study: in one atomic write where the backend
 * has {@link Storage.queueTrials}, else one trial at a time.
 *
 * @example
 * await queueWaitingTrials(storage, study.id, 200);
 */
export async function queueWaitingTrials(storage: Storage, studyId: number, count: number): Promise<void> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a whole number of trials ≥ 0, got ${count}`);
  if (count === 0) return;
  if (storage.queueTrials) return storage.queueTrials(studyId, count);
  for (let i = 0; i < count; i++) await storage.createTrial(studyId, { state: "waiting" });
}

/**
 * Sets the study's system attribute `key` to `value` if it still holds `expected` (`undefined`:
 * absent), atomically where the storage has {@link Storage.compareAndSetStudySystemAttr}; on a
 * storage without it, by a read then a write, where a write between the two is overwritten.
 * Returns whether it set the value.
 *
 * @example
 * if (!(await compareAndSetStudySystemAttr(storage, study, "constraintCount", undefined, 2))) {
 *   const winner = (await storage.getStudy(study.name))?.systemAttrs.constraintCount;
 * }
 */
export async function compareAndSetStudySystemAttr(
  storage: Storage,
  study: Pick<StudyRecord, "id" | "name">,
  key: string,
  expected: JsonValue | undefined,
  value: JsonValue,
): Promise<boolean> {
  if (storage.compareAndSetStudySystemAttr) return storage.compareAndSetStudySystemAttr(study.id, key, expected, value);
  const stored = await storage.getStudy(study.name);
  if (!stored || stored.id !== study.id) throw noStudy(study.id);
  if (!isDeepStrictEqual(stored.systemAttrs[key], expected)) return false;
  await storage.setStudyAttrs(study.id, { systemAttrs: { [key]: value } });
  return true;
}
