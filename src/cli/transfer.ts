/**
 * Moving studies: `sextant copy` (one storage to another) and `sextant import` (a file that
 * `sextant export --format json` wrote). Both write through the library's copyStudy/importStudy.
 */
import { readFileSync } from "node:fs";
import {
  CONSTRAINTS_ATTR,
  type Direction,
  type Distribution,
  type FrozenTrial,
  InvalidDistributionError,
  type JsonValue,
  type ParamValue,
  TRIAL_STATES,
  type TrialState,
  containsValue,
  didYouMean,
  studyNameProblem,
  validateDistribution,
} from "../space/index.js";
import { API_SPELLING, nonFiniteNumber, untagNonFinite } from "../space/non-finite-json.js";
import type { OnlineTunerStats } from "../online/index.js";
import { detachedOnlineTuner } from "../online/tuner.js";
import { DuplicateStudyError, type Storage, type StudyRecord, isMemoryUrl, onlineTunerRefusal, redactPassword, sqlitePath } from "../storage/index.js";
import { type CopiedStudy, HalfMadeStudyError, InvalidStudyDataError, StudyChangedDuringCopyError, type StudyData, type StudyPages, constraintsProblemOfTrials, importStudy, isSameStudy, isStudyBeingCopied, studyPages } from "../study/index.js";
import { unstorableValueIndex } from "../study/copy.js";
import { UsageError, UserError } from "./errors.js";
import { ProgressLine, bar, shellWord } from "./format.js";
import { missingSqliteStorage, storageUrl, withStudy } from "./inspect.js";
import type { Io } from "./io.js";
import { deleteStudyCommand, withCliStorage } from "./study-config.js";
import { RUN_SIGNALS, signalExitCode } from "./tune.js";

/**
 * `sextant copy STUDY --from-storage URL --to-storage URL [--to-study NAME]`
 *
 * @example
 * await copyCommand("lr", { fromStorage: "sqlite:./sextant.db", toStorage: "postgres://me@db/sextant" }, processIo());
 */
export async function copyCommand(name: string, options: { fromStorage?: string; toStorage?: string; toStudy?: string; json?: boolean }, io: Io): Promise<number> {
  const { fromStorage, toStorage } = options;
  if (fromStorage === undefined) throw new UsageError("--from-storage is required: the storage that holds the study, e.g. --from-storage sqlite:./sextant.db");
  if (toStorage === undefined) throw new UsageError("--to-storage is required: the storage to copy the study into, e.g. --to-storage postgres://me@db:5432/sextant");
  refuseThrowawayStorage("--to-storage", toStorage, "copy");
  const targetName = options.toStudy ?? name;
  checkStudyName("--to-study", targetName);
  if (fromStorage === toStorage && targetName === name) {
    throw new UsageError(`--from-storage and --to-storage are the same and so is the study's name: give --to-study NAME to copy "${name}" beside itself`);
  }
  // The source is read (and refused if it is missing) before the target is opened, so a refused
  // copy creates no target storage.
  const missing = missingSqliteStorage(fromStorage, "--from-storage");
  if (missing !== null) throw new UserError(`no study named "${name}": ${missing}`);
  return withStudy(
    fromStorage,
    name,
    async (source, record) => {
      // An online tuner is read as this version reads it before anything is written: one saved by a
      // newer Sextant is refused here (upgrade to copy it), not copied for every command there to refuse.
      const tuner = onlineTunerRefusal(record) === null ? undefined : copiedTuner(detachedOnlineTuner(record).stats());
      // Read a page at a time as it is written (all at once, a 160 MB study took over a gigabyte).
      const data = await studyPages(source, record);
      const origin = `copied from "${name}" in ${redactPassword(fromStorage)}`;
      const copied = await writeStudy(toStorage, targetName, data, origin, "--to-study", options.json, io, { record, fromStorage });
      const where = { study: name, from: redactPassword(fromStorage), to: redactPassword(toStorage) };
      return report(copied, `copied ${tuner === undefined ? "study" : "online tuner"} "${name}" from ${where.from} to ${where.to}`, where, options.json, io, tuner);
    },
    "read-only",
    true,
  );
}

/**
 * `sextant import FILE [--storage URL] [--study NAME]`: a study from the JSON that
 * `sextant export --format json` wrote.
 *
 * @example
 * await importCommand("lr.json", { storage: "sqlite:./team.db" }, processIo());
 */
export async function importCommand(file: string, options: { storage?: string; study?: string; json?: boolean }, io: Io): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const { name: exportedName, data, withoutStudyAttrs } = parseExportedStudy(text, file);
  const name = options.study ?? exportedName;
  if (options.study !== undefined) checkStudyName("--study", name);
  else if (studyNameProblem(name) !== null) throw new UsageError(`${file}: "study": the name ${studyNameProblem(name)}; give another with --study NAME`);
  const url = storageUrl(options.storage);
  refuseThrowawayStorage(options.storage === undefined ? "$SEXTANT_STORAGE" : "--storage", url, "import");
  const copied = await writeStudy(url, name, data, `exported (${file})`, "--study", options.json, io, { file });
  if (withoutStudyAttrs && typeof copied !== "string") {
    io.err(
      `sextant: warning: ${file} holds the trials alone, as sextant export wrote them before December 2026: the study's command, search space and sampler ` +
        `were not exported, so sextant worker cannot join "${name}"; to tune on from its trials, make a study with: ` +
        `sextant create --storage ${shellWord(redactPassword(url))} --study NEW_NAME --config FILE --warm-start ${shellWord(name)}`,
    );
  }
  return report(copied, `imported study "${exportedName}" from ${file} into ${redactPassword(url)}`, { file, storage: redactPassword(url) }, options.json, io);
}

/**
 * Refuses a target that lives only inside this process: the study was written, reported as
 * copied, and gone when the command exited.
 */
function refuseThrowawayStorage(flag: "--to-storage" | "--storage" | "$SEXTANT_STORAGE", url: string, command: string): void {
  if (!isMemoryUrl(url) && sqlitePath(url) !== ":memory:") return;
  const option = flag.startsWith("--") ? flag : "--storage";
  throw new UsageError(
    `${flag}${flag === option ? " " : "="}${url} lives only inside this process: the study would be gone as soon as sextant ${command} exits; ` +
      `give the storage to keep it in, e.g. ${option} sqlite:./sextant.db or ${option} postgres://me@db:5432/sextant`,
  );
}

function checkStudyName(flag: string, name: string): void {
  const problem = studyNameProblem(name);
  if (problem !== null) throw new UsageError(`${flag}: the study name ${problem}`);
}

/**
 * Writes the study into the storage at `url`; a refused write leaves no new SQLite file behind.
 * Ctrl-C (or SIGTERM, SIGHUP, Ctrl-\) stops it between two writes and deletes the part written, so the
 * same command can run again: the signal's name is returned instead of the copy.
 */
async function writeStudy(
  url: string,
  name: string,
  data: StudyData | StudyPages,
  origin: string,
  renameFlag: string,
  json: boolean | undefined,
  io: Io,
  source: { record: StudyRecord; fromStorage: string } | { file: string },
): Promise<CopiedStudy | NodeJS.Signals> {
  const interrupt = new AbortController();
  // A study of 100,000 trials takes seconds to write, a few hundred trials per write.
  const total = "trials" in data ? data.trials.length : data.trialCount;
  const written = { count: 0, total };
  const progress = !json && io.stderrIsTTY ? new ProgressLine(process.stderr, () => `writing "${name}": ${bar(written.count / Math.max(written.total, 1))} ${written.count}/${written.total} trials`) : null;
  const onProgress = (count: number): void => {
    written.count = count;
  };
  // Until the storage is open nothing is written: a signal then ends the command at once, as it
  // did before copies cleaned up after themselves, even while a database is being waited for.
  let opened = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    progress?.stop();
    if (!opened) {
      io.err(`\nsextant: interrupted (${signal}) before ${redactPassword(url)} was open; nothing was written`);
      if (json) io.out(JSON.stringify({ interrupted: true, signal, trials: 0 }, null, 2));
      process.exit(signalExitCode(signal));
    }
    if (interrupt.signal.aborted) {
      io.err(`sextant: interrupted again (${signal}); the partial study "${name}" may be left in ${redactPassword(url)}: delete it with ${deleteStudyCommand(name, redactPassword(url))}`);
      process.exit(signalExitCode(signal));
    }
    io.err(`\nsextant: interrupted (${signal}); deleting the trials written so far…`);
    interrupt.abort(signal);
  };
  for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
  progress?.start();
  try {
    return await withCliStorage(url, async (storage) => {
      opened = true;
      try {
        return await importStudy(storage, name, data, origin, { signal: interrupt.signal, onProgress });
      } catch (error) {
        // The same storage under another spelling (sqlite:./a.db and sqlite:/home/me/a.db): the
        // study there is the one being copied, which "delete that one first" would have deleted.
        if (error instanceof DuplicateStudyError && "record" in source && (await isStudy(storage, name, source.record))) {
          throw new UsageError(
            `--to-storage ${redactPassword(url)} is the storage the study is copied from (--from-storage ${redactPassword(source.fromStorage)}), and "${name}" is the study being copied: give --to-study NAME to copy it beside itself`,
          );
        }
        const found = error instanceof DuplicateStudyError ? await trialsOfStoppedCopy(storage, name, data) : null;
        if (found === null) throw error;
        const { written, marked } = found;
        // Only a copy or import leaves its mark: without it, this is the study a copy came from
        // (copied back after tuning on), which "delete it to replace it" deleted.
        if (!marked) {
          throw new UserError(
            `${redactPassword(url)} already has a study named "${name}" that holds the first ${written} of its ${total} trials, but it is not a copy that stopped midway (no copy or import left its mark on it): ` +
              `it is another study of that name, such as the one this study was copied from; give the copy another name with ${renameFlag} NAME`,
          );
        }
        const holds = written < total ? `holds only the first ${written} of its ${total} trials` : `holds its ${written} trials but not the last write of a copy`;
        throw new UserError(
          `${redactPassword(url)} already has a study named "${name}" that ${holds}: ` +
            `a copy of it that stopped before it finished (killed, or its machine or connection went down), or one made earlier; ` +
            `to replace it, delete it with ${deleteStudyCommand(name, redactPassword(url))} and run this command again (or give another name with ${renameFlag} NAME)`,
        );
      }
    });
  } catch (error) {
    if (interrupt.signal.aborted && error === interrupt.signal.reason) {
      io.err(`sextant: nothing was written to ${redactPassword(url)}; run the same command again to start over`);
      return interrupt.signal.reason as NodeJS.Signals;
    }
    if (error instanceof DuplicateStudyError) {
      throw new UserError(`${redactPassword(url)} already has a study named "${name}": give another name with ${renameFlag} NAME, or delete that one first with ${deleteStudyCommand(name, redactPassword(url))}`);
    }
    if (error instanceof HalfMadeStudyError) throw new UserError(`${error.message}; nothing was written`);
    if (error instanceof StudyChangedDuringCopyError) throw new UserError(error.message);
    // The source storage holds what Sextant never writes (a storage write of one's own): it was an internal error.
    if (error instanceof InvalidStudyDataError) {
      // An import's data is its file, not a study of the target's name.
      const held = "file" in source ? `${source.file} holds what no Sextant writes (${error.message}), so it was not imported` : `"${name}" holds what no Sextant writes (${error.message}), so it was not copied`;
      throw new UserError(`${held}; nothing was written to ${redactPassword(url)}`);
    }
    throw error;
  } finally {
    progress?.stop();
    for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
  }
}

/** Whether the study `name` in `storage` is `record` itself: the same row, made at the same moment. */
async function isStudy(storage: Storage, name: string, record: StudyRecord): Promise<boolean> {
  const found = await storage.getStudy(name);
  return found !== null && isSameStudy(found, record);
}

/**
 * How many trials the study `name` in `storage` holds when it looks like a copy of `data` that was
 * stopped midway (killed with SIGKILL, a machine that went down: no chance to delete it) or made
 * earlier, else null: same directions, fewer trials (or all of them, still marked), each with the
 * parameters of the same number in `data`.
 * `marked`: it carries the mark a copy or import leaves until its last write ({@link isStudyBeingCopied}),
 * so it is certainly a stopped copy; without it, it may be the study `data` was copied from.
 */
async function trialsOfStoppedCopy(storage: Storage, name: string, data: StudyData | StudyPages): Promise<{ written: number; marked: boolean } | null> {
  const record = await storage.getStudy(name);
  if (!record || JSON.stringify(record.directions) !== JSON.stringify(data.directions)) return null;
  const { trials } = await storage.trialsSince(record.id, 0);
  const marked = isStudyBeingCopied(record.systemAttrs);
  const total = "trials" in data ? data.trials.length : data.trialCount;
  // All of them and still marked: killed after its last batch of trials, before the write that ends a copy.
  if (trials.length > total || (trials.length === total && !marked)) return null;
  // Read again from the source when it is read in pages: only a refused copy gets here.
  const paramsByNumber = new Map<number, string>();
  for await (const page of "trials" in data ? [data.trials] : data.readPages()) for (const trial of page) paramsByNumber.set(trial.number, JSON.stringify(trial.params));
  if (!trials.every((trial) => paramsByNumber.get(trial.number) === JSON.stringify(trial.params))) return null;
  return { written: trials.length, marked };
}

/** What an online tuner's copy holds, as `sextant copy` reports it: costs observed, and the value waiting for its cost. */
type CopiedTuner = Pick<OnlineTunerStats, "rounds" | "pending">;

function copiedTuner({ rounds, pending }: OnlineTunerStats): CopiedTuner {
  return { rounds, pending };
}

/** Prints what was written (`tuner`: an online tuner's, as the source held it), or that a signal stopped it; returns the exit code. */
function report(copied: CopiedStudy | NodeJS.Signals, headline: string, where: Record<string, string>, json: boolean | undefined, io: Io, tuner?: CopiedTuner): number {
  if (typeof copied === "string") {
    // A script reading --json gets an answer to parse, as from an interrupted tune or bench.
    if (json) io.out(JSON.stringify({ ...where, interrupted: true, signal: copied, trials: 0 }, null, 2));
    return signalExitCode(copied);
  }
  if (json) {
    io.out(
      JSON.stringify(
        { ...where, ...(tuner === undefined ? {} : { onlineTuner: tuner }), name: copied.name, trials: copied.trials, failedBecauseRunning: copied.failedBecauseRunning, queuedAgain: copied.queuedAgain, waiting: copied.waiting, droppedStudyAttrs: copied.droppedStudyAttrs },
        null,
        2,
      ),
    );
    return 0;
  }
  if (tuner !== undefined) {
    io.out(`${headline} as "${copied.name}": ${tuner.rounds} cost(s) observed`);
    // Copied waiting, as the source holds it: the copy's next choose returns it again.
    if (tuner.pending !== null) {
      io.out(
        `  the value ${tuner.pending} chosen in round ${tuner.rounds} waits for its cost in the copy as in the source: the copy's next choose returns it again, ` +
          `and its cost counts in the tuner it is observed to (sextant online observe ${shellWord(copied.name)} COST --storage ${shellWord(where.to)}); the two learn apart from now on`,
      );
    }
    return 0;
  }
  io.out(`${headline} as "${copied.name}": ${copied.trials} trial(s)`);
  if (copied.waiting > 0) io.out(`  ${copied.waiting} waiting trial(s) stay queued: workers of the new storage run them`);
  if (copied.failedBecauseRunning > 0) {
    io.out(
      `  ${copied.failedBecauseRunning} running trial(s) written as failed: their workers report to the old storage` +
        (copied.queuedAgain > 0 ? `; ${copied.queuedAgain} queued again with their parameters (retryOf), for workers of the new storage to run` : ""),
    );
  }
  if (copied.droppedStudyAttrs.includes("warmStartFrom")) io.out(`  not copied: the names of the studies it was warm-started from (they belong to the old storage)`);
  return 0;
}


function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The study in the text `sextant export --format json` wrote, checked field by field: a problem is
 * a usage error that names the file and the field (`trials[3].distributions.lr`), or the line and
 * column of a JSON syntax error.
 *
 * @example
 * const { name, data } = parseExportedStudy(readFileSync("lr.json", "utf8"), "lr.json");
 */
export function parseExportedStudy(text: string, file: string): { name: string; data: StudyData; withoutStudyAttrs: boolean } {
  // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse takes for a stray character.
  const json = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`${file}: ${notJsonProblem(json, (error as Error).message)}`);
  }
  const fail = (field: string, problem: string): never => {
    throw new UsageError(`${file}: ${field}: ${problem}`);
  };
  if (!isObject(parsed)) return fail("the top level", "must be an object with study, directions and trials, as sextant export --format json writes it");
  if (!EXPORT_FIELDS.some((field) => field in parsed) && parsed.members === undefined) {
    const keys = Object.keys(parsed);
    throw new UsageError(
      `${file}: not a study exported by sextant: it has none of the fields ${EXPORT_FIELDS.join(", ")}` +
        `${keys.length === 0 ? "" : ` (its fields: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""})`}; give the file sextant export STUDY --format json wrote`,
    );
  }
  if (parsed.members !== undefined && parsed.trials === undefined) return fail("members", "this is a population lineage (export --lineage); export the study without --lineage to import it");
  refuseUnknownFields(parsed, EXPORT_STUDY_FIELDS, null, fail);
  const name = parsed.study;
  if (typeof name !== "string") return fail("study", `must be the study's name, got ${JSON.stringify(name)}`);
  const directions = parsed.directions;
  if (!Array.isArray(directions) || directions.length === 0 || directions.some((d) => d !== "minimize" && d !== "maximize")) {
    return fail("directions", `must be a list of "minimize" and "maximize", got ${JSON.stringify(directions)}`);
  }
  const attrs = (field: string, value: unknown): Record<string, JsonValue> => {
    if (value === undefined) return {};
    if (!isObject(value)) return fail(field, "must be an object");
    return untagNonFinite(value as Record<string, JsonValue>, API_SPELLING);
  };
  if (!Array.isArray(parsed.trials)) return fail("trials", "must be a list of trials");
  const trials = parsed.trials.map((trial: unknown, i: number) => parseTrial(trial, `trials[${i}]`, directions.length, attrs, fail));
  checkNumbering(trials, fail);
  const studySystemAttrs = attrs("systemAttrs", parsed.systemAttrs);
  // Imported as they were, they made every later command on the study stop with an internal error.
  const constraints = constraintsProblemOfTrials(trials, studySystemAttrs.constraintCount);
  if (constraints !== null) fail(`trials[${constraints.index}].systemAttrs.${CONSTRAINTS_ATTR}`, constraints.problem);
  // Exports made before the file said when it was made: their last recorded time comes closest.
  const lastTime = trials.reduce<number | null>((last, trial) => Math.max(last ?? -Infinity, trial.startedAt ?? -Infinity, trial.finishedAt ?? -Infinity), null);
  const exportedAt = time(parsed.exportedAt, "exportedAt", fail) ?? (lastTime !== null && Number.isFinite(lastTime) ? lastTime : undefined);
  // Exports made before the file said when the study was made: it is made at the import.
  const createdAt = time(parsed.createdAt, "createdAt", fail);
  return {
    name,
    // Exports before December 2026 held the trials alone: no command, space or sampler for a worker.
    withoutStudyAttrs: parsed.systemAttrs === undefined,
    data: {
      directions: directions as Direction[],
      userAttrs: attrs("userAttrs", parsed.userAttrs),
      systemAttrs: studySystemAttrs,
      trials,
      ...(exportedAt === undefined ? {} : { readAt: exportedAt }),
      ...(createdAt === null ? {} : { createdAt }),
    },
  };
}

type TrialData = StudyData["trials"][number];

function parseTrial(
  trial: unknown,
  at: string,
  objectives: number,
  attrs: (field: string, value: unknown) => Record<string, JsonValue>,
  fail: (field: string, problem: string) => never,
): TrialData {
  if (!isObject(trial)) return fail(at, "must be an object");
  refuseUnknownFields(trial, EXPORT_TRIAL_FIELDS, at, fail);
  const { number, state, params, distributions } = trial;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) return fail(`${at}.number`, `must be a whole number ≥ 0, got ${JSON.stringify(number)}`);
  if (!TRIAL_STATES.includes(state as TrialState)) return fail(`${at}.state`, `must be one of ${TRIAL_STATES.join(", ")}, got ${JSON.stringify(state)}`);
  if (!isObject(params)) return fail(`${at}.params`, "must be an object of parameter values");
  if (!isObject(distributions)) return fail(`${at}.distributions`, "must be an object of distributions (exports of older versions hold them too)");
  const checked: Record<string, Distribution> = {};
  for (const [param, distribution] of Object.entries(distributions)) {
    try {
      checked[param] = validateDistribution(distribution as Distribution, param);
    } catch (error) {
      if (error instanceof InvalidDistributionError) return fail(`${at}.distributions.${param}`, error.message);
      throw error;
    }
    if (!(param in params)) return fail(`${at}.params.${param}`, "missing: the trial has a distribution for it but no value");
  }
  for (const [param, value] of Object.entries(params)) {
    if (checked[param] === undefined) return fail(`${at}.distributions.${param}`, "missing: every parameter needs its distribution");
    if (!containsValue(checked[param], value)) return fail(`${at}.params.${param}`, `${JSON.stringify(value)} is not a value of its distribution ${JSON.stringify(checked[param])}`);
  }
  const values = trial.values === undefined || trial.values === null ? null : numberList(trial.values, `${at}.values`, fail);
  if (state === "complete" && values?.length !== objectives) return fail(`${at}.values`, `a complete trial needs ${objectives} value(s), one per direction, got ${JSON.stringify(trial.values)}`);
  const unstorable = unstorableValueIndex(state as TrialState, values);
  if (unstorable >= 0) {
    const written = (trial.values as unknown[])[unstorable];
    const got = typeof written === "number" ? String(written) : JSON.stringify(written);
    return fail(
      `${at}.values[${unstorable}]`,
      state === "complete"
        ? `must be a finite number in a complete trial (a study fails the trial whose objective gives NaN or ±Infinity), got ${got}`
        : `must be a number in a pruned trial (±Infinity is kept; a study refuses NaN there), got ${got}`,
    );
  }
  const intermediate: Record<number, number> = {};
  if (trial.intermediate !== undefined) {
    if (!isObject(trial.intermediate)) return fail(`${at}.intermediate`, "must be an object of step: value");
    for (const [step, value] of Object.entries(trial.intermediate)) {
      if (!/^\d+$/.test(step)) return fail(`${at}.intermediate`, `steps must be whole numbers ≥ 0, got "${step}"`);
      intermediate[Number(step)] = number_(value, `${at}.intermediate.${step}`, fail);
    }
  }
  return {
    number,
    startedAt: time(trial.startedAt, `${at}.startedAt`, fail),
    finishedAt: time(trial.finishedAt, `${at}.finishedAt`, fail),
    state: state as TrialState,
    params: params as Record<string, ParamValue>,
    distributions: checked,
    values,
    intermediate,
    userAttrs: attrs(`${at}.userAttrs`, trial.userAttrs),
    systemAttrs: attrs(`${at}.systemAttrs`, trial.systemAttrs),
  } satisfies Omit<FrozenTrial, "id" | "seq">;
}

/**
 * Refuses trials not numbered 0, 1, 2, … (an export filtered with jq, say), naming the number
 * missing or given twice. Numbers are kept, not made up, because trials refer to each other by
 * number (a retry's retryOf, a PBT segment's parent): renumbered, those would point elsewhere.
 */
function checkNumbering(trials: readonly TrialData[], fail: (field: string, problem: string) => never): void {
  const at = new Map<number, number>();
  trials.forEach((trial, i) => {
    const first = at.get(trial.number);
    if (first !== undefined) fail(`trials[${i}].number`, `trial number ${trial.number} is given twice (trials[${first}] has it too); each trial needs its own`);
    at.set(trial.number, i);
  });
  for (let number = 0; number < trials.length; number++) {
    if (at.has(number)) continue;
    fail(
      "trials",
      `trial number ${number} is missing: the trials must be numbered 0, 1, 2, … without gaps, as sextant export writes them ` +
        "(sextant keeps trial numbers, which other trials refer to); import the whole export",
    );
  }
}

/** A time as the export writes it (an ISO 8601 string, or null), in milliseconds since the epoch. */
function time(value: unknown, at: string, fail: (field: string, problem: string) => never): number | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : fail(at, `must be a time such as "2026-01-31T12:00:00.000Z", or null; got ${JSON.stringify(value)}`);
}

function numberList(value: unknown, at: string, fail: (field: string, problem: string) => never): number[] {
  if (!Array.isArray(value)) return fail(at, `must be a list of numbers or null, got ${JSON.stringify(value)}`);
  return value.map((item, i) => number_(item, `${at}[${i}]`, fail));
}

/** A number as the export writes it: NaN and ±Infinity by name. */
function number_(value: unknown, at: string, fail: (field: string, problem: string) => never): number {
  if (typeof value === "number") return value;
  return nonFiniteNumber(value, API_SPELLING) ?? fail(at, `must be a number ("NaN", "Infinity" and "-Infinity" by name), got ${JSON.stringify(value)}`);
}

const BYTE_ORDER_MARK = "\uFEFF";

/** The top-level fields of what `sextant export --format json` writes, of which import needs all. */
const EXPORT_FIELDS = ["study", "directions", "trials"] as const;

/** Every field of the study that sextant export --format json writes; import reads or recomputes each. */
const EXPORT_STUDY_FIELDS = ["study", "directions", "createdAt", "exportedAt", "userAttrs", "systemAttrs", "trials"];
/** Every field of a trial in that export (`durationSeconds` follows from the two times). */
const EXPORT_TRIAL_FIELDS = ["number", "state", "values", "params", "distributions", "intermediate", "userAttrs", "systemAttrs", "startedAt", "finishedAt", "durationSeconds"];

/**
 * Refuses a field this version does not read, rather than import the study without it: the export
 * of a newer Sextant (or a misspelt field in a file made by hand) lost it without a word.
 */
function refuseUnknownFields(object: Record<string, unknown>, known: readonly string[], at: string | null, fail: (field: string, problem: string) => never): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key));
  if (unknown === undefined) return;
  fail(
    at === null ? unknown : `${at}.${unknown}`,
    `not a field this version of Sextant imports${didYouMean(unknown, known)}; it reads ${known.join(", ")}. ` +
      "A newer Sextant's export is imported by that version or a later one; a field added by hand must be removed",
  );
}

/**
 * Why `text` is not the JSON export, for a file JSON.parse refused: a CSV export, an empty file, a
 * file cut short (a copy that stopped, a full disk), or else the syntax error and where it is.
 */
function notJsonProblem(text: string, message: string): string {
  const exportIt = "sextant export STUDY --format json --output FILE";
  if (text.trim() === "") return `the file is empty; give the file ${exportIt} wrote`;
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0);
  if (/^"?number"?,"?state"?,/.test(firstLine)) return `this is the CSV that sextant export writes by default; import reads the JSON one: ${exportIt}`;
  const position = /at position (\d+)/.exec(message);
  if (/Unexpected end of JSON input/.test(message) || (position !== null && Number(position[1]) >= text.trimEnd().length)) {
    const lines = text.trimEnd().split("\n").length;
    return `the JSON ends early, after ${lines} line(s), as a file cut short does (a copy that stopped, a full disk); export the study again with ${exportIt}`;
  }
  return `not JSON (${whereInText(text, message)}); give the file ${exportIt} wrote`;
}

/** A JSON.parse message with its "position N" turned into a line and column the user can find. */
function whereInText(text: string, message: string): string {
  const match = /at position (\d+)/.exec(message);
  if (!match || / line \d+/.test(message)) return message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${message.replace(/ in JSON at position \d+.*$/, "")} at line ${line} column ${column}`;
}
