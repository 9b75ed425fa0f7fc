/**
 * Moving a study between storages: `copyStudy` reads one storage and writes another through the
 * `Storage` contract, and `importStudy` writes a study held as plain data (what
 * `sextant export --format json` prints), so both work for every backend. An online tuner's record
 * (its settings and state in one system attribute, no trials) moves the same way.
 */
import { CONSTRAINTS_ATTR, type Direction, type FrozenTrial, type JsonValue, TRIAL_STATES, type TrialState, studyNameProblem } from "../space/index.js";
import { DuplicateStudyError, ONLINE_TUNER_ATTR, type Storage, StudyNotFoundError, type StudyRecord, type WholeTrialInit, findTrials, openStorage, redactPassword, trialPages } from "../storage/index.js";
import { OWNER_HEARTBEAT_ATTR } from "./heartbeat.js";
import { ASK_PENDING_ATTR, CLIENT_BEATS_ATTR, COPY_WRITING_ATTR, HalfMadeStudyError, isHalfMadeStudy, queueTrialAgain, retryCountOf } from "./study.js";
import { constraintsProblem } from "./trial.js";

/**
 * Study system attributes a copy leaves behind. `warmStartFrom` names studies of the source
 * storage: in the target the same names may be other studies, or none.
 */
const STUDY_ATTRS_NOT_COPIED = ["warmStartFrom"];

/**
 * Trial system attributes that say who runs a trial now. A running trial's worker reports to the
 * source storage, never to the copy, so the copy fails the trial and drops these.
 */
const LIVENESS_ATTRS = ["worker", OWNER_HEARTBEAT_ATTR, CLIENT_BEATS_ATTR, ASK_PENDING_ATTR];

/** Trials written one at a time between two turns of the event loop, when a signal may stop the copy. */
const YIELD_EVERY = 100;

/**
 * Trials a copy writes per {@link Storage.insertTrials} call: few enough that a batch of trials
 * with long attributes (stderr tails) stays a few megabytes, and that Ctrl-C is heard within a
 * fraction of a second; enough that the round trip and commit of each are a small part of its cost.
 */
const TRIALS_PER_WRITE = 500;

/**
 * The first trial of `trials` (its index) whose stored constraint values the library would never
 * have written, and why: not a list of finite numbers, or a complete trial with another count than
 * the others or than the study's `constraintCount`. Null when all are fine. Written as they were,
 * they made every later read of the study's feasibility (best, listings, the dashboard) throw.
 *
 * @example
 * constraintsProblemOfTrials(data.trials, data.systemAttrs.constraintCount) // null, or { index: 3, problem: "constraint 0 is \"NaN\", …" }
 */
export function constraintsProblemOfTrials(trials: readonly Pick<FrozenTrial, "state" | "systemAttrs">[], storedCount: JsonValue | undefined): { index: number; problem: string } | null {
  const check = constraintsChecker(storedCount);
  for (const [index, trial] of trials.entries()) {
    const problem = check(trial, index);
    if (problem !== null) return { index, problem };
  }
  return null;
}

/**
 * {@link constraintsProblemOfTrials} a trial at a time, for trials read in pages: called with each
 * trial and its index in order, it says the first problem (null while there is none).
 */
function constraintsChecker(storedCount: JsonValue | undefined): (trial: Pick<FrozenTrial, "state" | "systemAttrs">, index: number) => string | null {
  let first: { index: number; count: number } | null = typeof storedCount === "number" ? { index: -1, count: storedCount } : null;
  return (trial, index) => {
    const constraints = trial.systemAttrs[CONSTRAINTS_ATTR];
    if (constraints === undefined || constraints === null) return null;
    const problem = constraintsProblem(constraints);
    if (problem !== null) return `${problem} (a trial's constraint values, feasible when every one is <= 0)`;
    if (trial.state !== "complete") return null;
    const count = (constraints as unknown[]).length;
    first ??= { index, count };
    if (count === first.count) return null;
    const other = first.index < 0 ? `the study's systemAttrs.constraintCount is ${first.count}` : `trials[${first.index}] has ${first.count}`;
    return `has ${count} constraint value(s), but ${other}: a study's complete trials all have the same number`;
  };
}

/**
 * Thrown by {@link importStudy} and {@link copyStudy} for study data that no Sextant writes, naming
 * the trial and the field: directions other than "minimize" and "maximize", a state that is none
 * of the five, values that are not numbers, a complete trial without one value per direction,
 * intermediate values that are not numbers at whole-number steps, a parameter without its
 * distribution, malformed constraint values, trials not numbered 0, 1, 2, … Written as they were,
 * such studies made later commands fail (`sextant best` stopped with an internal error on a
 * direction "up"). Nothing is left written. A RangeError, as these refusals were before.
 *
 * @example
 * try {
 *   await importStudy(storage, "lr", data);
 * } catch (error) {
 *   if (error instanceof InvalidStudyDataError) console.log(`fix the data first: ${error.message}`);
 * }
 */
export class InvalidStudyDataError extends RangeError {
  override name = "InvalidStudyDataError";
}

/** Why `directions` are not a study's directions, or null. */
function directionsProblem(directions: unknown): string | null {
  if (!Array.isArray(directions) || directions.length === 0) return `directions must be a non-empty list of "minimize" and "maximize", got ${JSON.stringify(directions)}`;
  const bad = directions.findIndex((direction) => direction !== "minimize" && direction !== "maximize");
  return bad < 0 ? null : `directions[${bad}] must be "minimize" or "maximize", got ${JSON.stringify(directions[bad])}`;
}

/**
 * The first of a trial's values that no study stores in its state, or -1: a study fails the trial
 * whose objective gives NaN or ±Infinity, and refuses NaN as a pruned trial's value (keeping
 * ±Infinity). Imported as they were, a complete trial valued NaN, or -Infinity in a minimized
 * study, was named the study's best.
 *
 * @example
 * unstorableValueIndex("complete", [1, -Infinity]) // 1
 */
export function unstorableValueIndex(state: string, values: readonly number[] | null): number {
  if (state === "complete") return (values ?? []).findIndex((value) => !Number.isFinite(value));
  if (state === "pruned") return (values ?? []).findIndex((value) => Number.isNaN(value));
  return -1;
}

/** Why `trial`, of a study with `objectives` objectives, is not one that any Sextant writes, or null (constraints are checked apart). */
function trialShapeProblem(trial: StudyTrial, objectives: number): string | null {
  if (!TRIAL_STATES.includes(trial.state as TrialState)) return `state must be one of ${TRIAL_STATES.join(", ")}, got ${JSON.stringify(trial.state)}`;
  const values: unknown = trial.values ?? null;
  if (values !== null && (!Array.isArray(values) || values.some((value) => typeof value !== "number"))) return `values must be a list of numbers or null, got ${JSON.stringify(values)}`;
  if (trial.state === "complete" && (values as number[] | null)?.length !== objectives) {
    return `values: a complete trial needs ${objectives} value(s), one per direction, got ${JSON.stringify(values)}`;
  }
  const unstorable = unstorableValueIndex(trial.state, values as number[] | null);
  if (unstorable >= 0) {
    const value = (values as number[])[unstorable];
    return trial.state === "complete"
      ? `values[${unstorable}] is ${value}: a complete trial's values are finite numbers, as a study stores them; a NaN or infinite result fails its trial`
      : `values[${unstorable}] is NaN: a pruned trial's values are numbers (±Infinity is kept), as a study stores them; a NaN result fails its trial`;
  }
  const step = Object.entries(trial.intermediate ?? {}).find(([key, value]) => !/^\d+$/.test(key) || typeof value !== "number");
  if (step !== undefined) return `intermediate: a value is a number at a whole-number step >= 0, got ${JSON.stringify(step[0])}: ${JSON.stringify(step[1])}`;
  const param = Object.keys(trial.params ?? {}).find((name) => trial.distributions?.[name] === undefined);
  return param === undefined ? null : `params.${param} has no distribution: every parameter needs one in distributions`;
}

/** A study as plain data: what {@link importStudy} writes and {@link copyStudy} reads. */
export interface StudyData {
  readonly directions: readonly Direction[];
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
  /** Numbered 0, 1, 2, … without gaps, as every storage numbers them. */
  readonly trials: readonly (Pick<FrozenTrial, "number" | "state" | "params" | "distributions" | "values" | "intermediate" | "userAttrs" | "systemAttrs"> &
    Partial<Pick<FrozenTrial, "startedAt" | "finishedAt">>)[];
  /**
   * When the trials were read from their storage (milliseconds since the epoch): the last moment a
   * running trial is known to have run, written as its finish time. Default: now, right for a
   * copy; an export read back days later holds its own.
   */
  readonly readAt?: number;
  /** When the study was made (milliseconds since the epoch), kept by the copy. Default: when the copy is made. */
  readonly createdAt?: number;
}

/** A trial of {@link StudyData}. */
export type StudyTrial = StudyData["trials"][number];

/**
 * A study whose trials are read in pages (`trialPages` of a storage) rather than held as a list,
 * as {@link copyStudy} and `sextant copy` read a large study: {@link importStudy} writes each page
 * as it comes and checks the trials as it goes (a problem found midway deletes what was written).
 */
export interface StudyPages extends Omit<StudyData, "trials"> {
  /** How many trials the pages hold. */
  readonly trialCount: number;
  /** The trials, numbered 0, 1, 2, … in order, a page at a time; each call reads them afresh. */
  readPages(): AsyncIterable<readonly StudyTrial[]>;
}

/** How a caller follows, and stops, {@link copyStudy} and {@link importStudy}. */
export interface CopyProgressOptions {
  /** Stops the copy between two writes (of a trial, or of a batch of them) and deletes what it wrote; the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called with the trials written so far and the total: 0 before the first, the total once all are. */
  readonly onProgress?: (written: number, total: number) => void;
}

/** What {@link copyStudy} and {@link importStudy} wrote. */
export interface CopiedStudy {
  /** The study's name in the target storage. */
  readonly name: string;
  /** Trials written, with their numbers kept. */
  readonly trials: number;
  /** Trials running in the source, written as `failed` (see {@link copyStudy}). */
  readonly failedBecauseRunning: number;
  /** Retries queued for those, after the copied trials: the target's workers run them again. */
  readonly queuedAgain: number;
  /** Trials still waiting in the source's queue, written as `waiting`: the target's workers run them. */
  readonly waiting: number;
  /** Study system attributes left behind, e.g. `warmStartFrom`. */
  readonly droppedStudyAttrs: readonly string[];
  /** True when the record copied is an online tuner (`createOnlineTuner`): its settings and state, no trials. */
  readonly onlineTuner?: boolean;
}

/**
 * Copies a study, with its directions, attributes and every trial, from one storage to another
 * (e.g. a laptop's SQLite file to the team's PostgreSQL), as Optuna's `copy_study` does. The copy
 * can be tuned further, and warm-started from, like any study.
 *
 * - Finished trials (complete, pruned, failed) keep their number, parameters with distributions,
 *   values, intermediate values, constraints, attributes, and start and finish times (on a target
 *   without {@link Storage.insertFinishedTrial}, a storage of your own, the times are the copy's).
 * - Waiting (enqueued) trials stay waiting, so the queue moves with the study.
 * - Running trials are written as `failed`, with a reason: their workers report to the source
 *   storage, so in the copy nobody would ever finish them. Keeping them (failed) keeps every
 *   trial's number, which other trials refer to (a retry's `retryOf`, a PBT segment's parent).
 *   Each is also queued again after the copied trials, as a reaper queues a trial whose worker
 *   died (`retryOf` its number, `retryCount` one more, a PBT segment kept): a budget queued by
 *   `sextant create` ends with as many trials as it was given, and a live study's running work
 *   is run again in the copy rather than silently dropped. The copy, not the trial, cut it
 *   short, so it is queued even when its retries are used up.
 * - The study attribute `warmStartFrom` is left behind: it names studies of the source storage.
 * - An online tuner (`createOnlineTuner` with a name and storage) is copied too: its settings and
 *   whole state (rounds, loss estimates or regressions, seed) as read in one go, written in the
 *   insert that makes the copy, so `loadOnlineTuner` there resumes it and, given the same costs
 *   (and contexts), it makes the same choices the source would. A choice waiting for its cost is
 *   copied waiting: the copy's next `choose` returns it again, as the source's would, and its
 *   cost, observed to the copy (`round` as it was), counts there. From then on the two are
 *   separate tuners: a cost observed to one is not seen by the other.
 *
 * A target study of that name is refused ({@link DuplicateStudyError}, naming the target storage
 * and what to do: another name with `to.name`, or delete that study first): appending would
 * renumber the trials and break those references. A study `sextant create` is still making is refused too.
 * While the copy writes, the target is half-made (see `isHalfMadeStudy`): it is listed, but ask,
 * optimize, `sextant worker`, `tune` and the HTTP ask refuse it ({@link HalfMadeStudyError}), so
 * no worker joins it early, and a copy killed midway (SIGKILL, power loss) leaves a study that
 * says so instead of one that tunes on from part of its history. It is made whole by the last write.
 * If a write fails midway, or `signal` aborts the copy (Ctrl-C), the half-written copy is deleted
 * and the call rejects: a copy with part of the trials would tune on from the wrong history, and
 * would take the name the copy needs when run again.
 *
 * @example
 * import { copyStudy } from "sextant";
 * const copied = await copyStudy({
 *   from: { storage: "sqlite:./sextant.db", name: "lr-search" },
 *   to: { storage: "postgres://me@db:5432/sextant" },
 * });
 * console.log(`${copied.trials} trials copied to "${copied.name}"`);
 */
export async function copyStudy(options: {
  from: { storage: Storage | string; name: string };
  to: { storage: Storage | string; name?: string };
} & CopyProgressOptions): Promise<CopiedStudy> {
  const { from, to, signal, onProgress } = options;
  if (typeof from?.name !== "string" || from.name === "") throw new TypeError(`from.name must be the name of the study to copy, got ${JSON.stringify(from?.name)}`);
  if (to?.name !== undefined && (typeof to.name !== "string" || to.name === "")) throw new TypeError(`to.name must be a non-empty study name, got ${JSON.stringify(to.name)}`);
  const targetName = to.name ?? from.name;
  return withStorage(from.storage, true, async (source) => {
    const record = await source.getStudy(from.name);
    if (!record) throw new StudyNotFoundError(from.name, `copyStudy from ${redactPassword(source.url)}: `);
    if (isHalfMadeStudy(record.systemAttrs)) throw new HalfMadeStudyError(from.name, record.systemAttrs);
    const data = await studyPages(source, record);
    return withStorage(to.storage, false, async (target) => {
      try {
        return await importStudy(target, targetName, data, `copied from "${from.name}" in ${redactPassword(source.url)}`, { signal, onProgress });
      } catch (error) {
        if (!(error instanceof DuplicateStudyError) || error.studyName !== targetName) throw error;
        // The source storage again (the same object, or its URL spelled another way): deleting "that study" would delete the one being copied.
        const there = await target.getStudy(targetName);
        if (there !== null && isSameStudy(there, record)) {
          throw new DuplicateStudyError(targetName, "it is the study being copied: the target is the storage it is copied from; give the copy another name with to: { name }", redactPassword(target.url));
        }
        const advice = `a copy is not added to a study: give it another name with to: { name }, or delete that study first (storage.deleteStudy(${JSON.stringify(targetName)}), or sextant delete)`;
        throw new DuplicateStudyError(targetName, advice, redactPassword(target.url));
      }
    });
  });
}

/**
 * The study `record` of `storage` as {@link importStudy} writes it, its trials read a page of
 * {@link TRIALS_PER_WRITE} at a time (all at once, a 160 MB study took over a gigabyte): those up
 * to its last trial now, each as its page finds it (see `trialPages` for a study that workers
 * change meanwhile: a trial that finishes before its page is read is copied finished).
 *
 * @example
 * await importStudy(target, "lr", await studyPages(source, record));
 */
export async function studyPages(storage: Storage, record: StudyRecord): Promise<StudyPages> {
  const [last] = await findTrials(storage, record.id, { reverse: true, limit: 1 });
  const lastNumber = last === undefined ? -1 : last.number;
  return {
    directions: record.directions,
    userAttrs: record.userAttrs,
    systemAttrs: record.systemAttrs,
    createdAt: record.createdAt,
    trialCount: lastNumber + 1,
    readPages: () => trialPages(storage, record.id, {}, { lastNumber, pageSize: TRIALS_PER_WRITE }),
  };
}

/**
 * Whether `found` (the study of the copy's name in the target) is `source` itself, reached through
 * the same storage (the same object, or its file or database spelled another way): the same row,
 * made at the same moment, with the same attributes. A copy keeps its source's creation time, and in
 * a storage as fresh as the source's it gets the same id too; its attributes tell it apart, since the
 * copy's last write leaves `copy:writing` null where an original study has none. (A copy of a copy
 * matches them all: then the copy is taken for its source, which refuses, never deletes.)
 *
 * @example
 * if (isSameStudy(await target.getStudy("lr"), record)) console.log("the target is the storage it is copied from");
 */
export function isSameStudy(found: StudyRecord, source: StudyRecord): boolean {
  return (
    found.id === source.id &&
    found.createdAt === source.createdAt &&
    JSON.stringify(found.systemAttrs) === JSON.stringify(source.systemAttrs) &&
    JSON.stringify(found.userAttrs) === JSON.stringify(source.userAttrs)
  );
}

/**
 * Writes a study held as plain data into `storage` under `name`, as {@link copyStudy} writes its
 * copy (same rules for running and waiting trials and for `warmStartFrom`). `sextant import`
 * reads the file `sextant export --format json` wrote and calls it. `origin` says where the study
 * came from, for the reason given to a trial that was running there. `signal` stops the import
 * between two writes as it stops {@link copyStudy}: what was written is deleted; `onProgress`
 * follows it write by write (a progress bar for a study of many thousand trials).
 *
 * @example
 * await importStudy(storage, "lr-search", { directions: ["minimize"], trials: [] });
 */
export async function importStudy(storage: Storage, name: string, data: StudyData | StudyPages, origin = "imported", options: CopyProgressOptions = {}): Promise<CopiedStudy> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const nameProblem = typeof name === "string" ? studyNameProblem(name) : "must be a string";
  if (nameProblem !== null) throw new TypeError(`the study name ${nameProblem}, got ${JSON.stringify(name)}`);
  const directions = directionsProblem(data.directions);
  if (directions !== null) throw new InvalidStudyDataError(directions);
  // Its budget is not all queued yet: a copy would tune on with part of it and never know.
  if (isHalfMadeStudy(data.systemAttrs ?? {})) throw new HalfMadeStudyError(name, data.systemAttrs);
  if ("trials" in data) {
    const trials = [...data.trials].sort((a, b) => a.number - b.number);
    trials.forEach((trial, index) => {
      const shape = trialShapeProblem(trial, data.directions.length);
      if (shape !== null) throw new InvalidStudyDataError(`trial ${trial.number}: ${shape}`);
      if (trial.number === index) return;
      // Sorted, a number given twice shows up one place late; any other mismatch is a missing number.
      const problem = trial.number === index - 1 ? `trial number ${trial.number} is given twice` : `trial number ${index} is missing`;
      throw new InvalidStudyDataError(`${problem}: trial numbers must run 0, 1, 2, … without gaps, each once`);
    });
    checkCreatedAt(data.createdAt);
    const constraints = constraintsProblemOfTrials(data.trials, data.systemAttrs?.constraintCount);
    if (constraints !== null) throw new InvalidStudyDataError(`trial ${data.trials[constraints.index]!.number}: systemAttrs.constraints: ${constraints.problem}`);
    data = { ...data, trialCount: trials.length, readPages: () => inPages(trials, TRIALS_PER_WRITE) };
  }
  checkCreatedAt(data.createdAt);
  const systemAttrs = { ...data.systemAttrs };
  const droppedStudyAttrs = STUDY_ATTRS_NOT_COPIED.filter((key) => key in systemAttrs);
  for (const key of droppedStudyAttrs) delete systemAttrs[key];
  if (await storage.getStudy(name)) {
    throw new DuplicateStudyError(name, `an import is not added to a study: give it another name, or delete that study first (storage.deleteStudy(${JSON.stringify(name)}), or sextant delete)`, redactPassword(storage.url));
  }
  if (systemAttrs[ONLINE_TUNER_ATTR] !== undefined) return importOnlineTuner(storage, name, data, systemAttrs, droppedStudyAttrs, onProgress);
  // Half-made from the write that makes it: a worker that reads it between two trials is refused
  // rather than tuning on a part of the history, and a copy killed midway leaves it so.
  const record = await storage.createStudy(name, data.directions, {
    userAttrs: { ...data.userAttrs },
    systemAttrs: { ...systemAttrs, [COPY_WRITING_ATTR]: origin },
    ...(data.createdAt === undefined ? {} : { createdAt: data.createdAt }),
  });
  const failedRunning: StudyTrial[] = [];
  const readAt = data.readAt ?? Date.now();
  // Checked again as they come when read in pages: a list was checked whole above, before anything was written.
  const checkConstraints = constraintsChecker(data.systemAttrs?.constraintCount);
  // Each trial as the target writes it: a running one failed, with the moment it was read as its finish.
  const whole = (trial: StudyTrial, index: number): WholeTrialInit => {
    if (trial.number !== index) throw new InvalidStudyDataError(`trial number ${index} is missing: trial numbers must run 0, 1, 2, … without gaps, each once`);
    const shape = trialShapeProblem(trial, data.directions.length);
    if (shape !== null) throw new InvalidStudyDataError(`trial ${trial.number}: ${shape}`);
    const constraints = checkConstraints(trial, index);
    if (constraints !== null) throw new InvalidStudyDataError(`trial ${trial.number}: systemAttrs.constraints: ${constraints}`);
    const init = { params: trial.params, distributions: trial.distributions, userAttrs: trial.userAttrs };
    if (trial.state === "waiting") return { ...init, state: "waiting", systemAttrs: trial.systemAttrs };
    const running = trial.state === "running";
    const systemAttrs = running
      ? withoutLiveness(trial.systemAttrs, `it was running when the study was ${origin}; its worker reports to the storage the study came from, not to this one`)
      : trial.systemAttrs;
    if (running) failedRunning.push({ ...trial, systemAttrs });
    const startedAt = trial.startedAt ?? null;
    const finishedAt = running ? Math.max(readAt, startedAt ?? -Infinity) : (trial.finishedAt ?? null);
    return { ...init, state: running ? "failed" : trial.state, systemAttrs, values: trial.values, intermediate: trial.intermediate, startedAt, finishedAt };
  };
  const total = data.trialCount;
  let written = 0;
  let waiting = 0;
  let queuedAgain = 0;
  try {
    onProgress?.(0, total);
    for await (const page of data.readPages()) {
      const trials = page.map((trial, i) => whole(trial, written + i));
      waiting += trials.filter((trial) => trial.state === "waiting").length;
      await (storage.insertTrials ? writeInBatches(storage, record.id, name, trials, written, total, options) : writeOneByOne(storage, record.id, name, trials, written, total, options));
      written += trials.length;
    }
    // After the copied trials, whose numbers they keep: a trial cut short by the copy runs again there.
    for (const failed of failedRunning) {
      signal?.throwIfAborted();
      if (await queueTrialAgain(storage, record.id, failed, retryCountOf(failed) + 1)) queuedAgain++;
    }
    // A signal during the last write stops the copy too: its caller has said the copy was stopped.
    signal?.throwIfAborted();
    await storage.setStudyAttrs(record.id, { systemAttrs: { [COPY_WRITING_ATTR]: null } });
  } catch (error) {
    // Half a study would tune on from the wrong history; the next attempt needs the name free.
    // An abort (Ctrl-C) lands here too, so an interrupted copy leaves nothing behind.
    await storage.deleteStudy(name).catch(() => undefined);
    throw error;
  }
  onProgress?.(written, written);
  return { name, trials: written, failedBecauseRunning: failedRunning.length, queuedAgain, waiting, droppedStudyAttrs };
}

/**
 * Writes an online tuner's record, whose settings and whole state are the one system attribute
 * {@link ONLINE_TUNER_ATTR}, in the insert that makes it. Nothing is written after, so no process
 * can load it half-made (the tuner's loads do not look for the copy's mark), and a kill leaves
 * either the whole tuner or nothing. It carries the mark a finished copy leaves (null), by which
 * {@link isSameStudy} tells the copy from its source.
 */
async function importOnlineTuner(
  storage: Storage,
  name: string,
  data: StudyPages,
  systemAttrs: Record<string, JsonValue>,
  droppedStudyAttrs: readonly string[],
  onProgress: CopyProgressOptions["onProgress"],
): Promise<CopiedStudy> {
  // Tuners keep no trials: a record with some is not one this version made, and which to keep is a guess.
  if (data.trialCount > 0) throw new RangeError(`an online tuner (systemAttrs["${ONLINE_TUNER_ATTR}"]) holds no trials, but this one comes with ${data.trialCount}`);
  onProgress?.(0, 0);
  await storage.createStudy(name, data.directions, {
    userAttrs: { ...data.userAttrs },
    systemAttrs: { ...systemAttrs, [COPY_WRITING_ATTR]: null },
    ...(data.createdAt === undefined ? {} : { createdAt: data.createdAt }),
  });
  return { name, trials: 0, failedBecauseRunning: 0, queuedAgain: 0, waiting: 0, droppedStudyAttrs, onlineTuner: true };
}

function checkCreatedAt(createdAt: number | undefined): void {
  if (createdAt !== undefined && !Number.isSafeInteger(createdAt)) throw new InvalidStudyDataError(`createdAt must be whole milliseconds since the epoch, got ${createdAt}`);
}

/** `items` in slices of `size`. */
async function* inPages<T>(items: readonly T[], size: number): AsyncGenerator<readonly T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/**
 * Writes `trials` (numbered `first`, `first` + 1, … in order) into the new study `studyId` a batch
 * at a time with {@link Storage.insertTrials}: a round trip and a commit per {@link TRIALS_PER_WRITE}
 * trials, where one per trial made a 10,000-trial copy into PostgreSQL take over a minute. The
 * signal is heard between two batches.
 */
async function writeInBatches(storage: Storage, studyId: number, name: string, trials: readonly WholeTrialInit[], first: number, total: number, { signal, onProgress }: CopyProgressOptions): Promise<void> {
  for (let start = 0; start < trials.length; start += TRIALS_PER_WRITE) {
    if (first + start > 0) {
      onProgress?.(first + start, total);
      // A storage that writes synchronously (SQLite) never lets the event loop run between two
      // writes: without a turn now and then, a Ctrl-C handler would only run once the copy is done.
      if (signal) await new Promise((resolve) => setImmediate(resolve));
    }
    signal?.throwIfAborted();
    const written = await storage.insertTrials!(studyId, trials.slice(start, start + TRIALS_PER_WRITE));
    written.forEach((trial, i) => keptNumber(name, first + start + i, trial));
  }
}

/** Writes `trials` (numbered `first`, `first` + 1, …) one at a time, for a storage without {@link Storage.insertTrials}. */
async function writeOneByOne(storage: Storage, studyId: number, name: string, trials: readonly WholeTrialInit[], first: number, total: number, { signal, onProgress }: CopyProgressOptions): Promise<void> {
  for (const [i, trial] of trials.entries()) {
    const number = first + i;
    if (number > 0) onProgress?.(number, total);
    if (signal && number % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    const init = { params: trial.params, distributions: trial.distributions, userAttrs: trial.userAttrs, systemAttrs: trial.systemAttrs };
    if (trial.state === "waiting") {
      keptNumber(name, number, await storage.createTrial(studyId, { ...init, state: "waiting" }));
    } else if (storage.insertFinishedTrial) {
      keptNumber(name, number, await storage.insertFinishedTrial(studyId, trial));
    } else {
      // A storage of one's own without it: the trial gets the copy's times.
      const created = keptNumber(name, number, await storage.createTrial(studyId, { ...init, state: "running" }));
      await storage.updateTrial(created.id, { state: trial.state, values: trial.values, intermediate: trial.intermediate });
    }
  }
}

/**
 * Thrown by {@link copyStudy} and {@link importStudy} when another process (a worker started on the
 * new study too early) added trials to the study while it was being written: the copied trials
 * then took other numbers than in the source, and a retry's `retryOf` or a PBT segment's parent
 * pointed at the wrong trial. The half-written study is deleted.
 *
 * @example
 * try {
 *   await copyStudy({ from: { storage: "sqlite:./a.db", name: "lr" }, to: { storage: "postgres://me@db/sextant" } });
 * } catch (error) {
 *   if (error instanceof StudyChangedDuringCopyError) console.log("start workers once the copy is done, then copy again");
 * }
 */
export class StudyChangedDuringCopyError extends Error {
  override name = "StudyChangedDuringCopyError";
  constructor(
    readonly studyName: string,
    readonly expectedNumber: number,
    readonly gotNumber: number,
  ) {
    super(
      `another process added trials to "${studyName}" while it was being written (trial ${expectedNumber} of the source became trial ${gotNumber}), ` +
        "so its trials no longer had their numbers; the half-written study was deleted: start workers on it only once the copy has finished, and copy again",
    );
  }
}

/** `written`, when it got the number `expected`; else {@link StudyChangedDuringCopyError}. */
function keptNumber<T extends FrozenTrial>(studyName: string, expected: number, written: T): T {
  if (written.number !== expected) throw new StudyChangedDuringCopyError(studyName, expected, written.number);
  return written;
}

function withoutLiveness(systemAttrs: Readonly<Record<string, JsonValue>>, failReason: string): Record<string, JsonValue> {
  const kept = { ...systemAttrs };
  for (const key of LIVENESS_ATTRS) delete kept[key];
  return { ...kept, failReason };
}

async function withStorage<T>(storage: Storage | string, readOnly: boolean, use: (storage: Storage) => Promise<T>): Promise<T> {
  if (typeof storage !== "string") return use(storage);
  const opened = await openStorage(storage, readOnly ? { readOnly: true } : {});
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}
