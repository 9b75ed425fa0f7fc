/**
 * The lab's runner: every (problem, optimizer, seed) run, in parallel worker processes, each
 * result appended to `OUT/results.jsonl` as it finishes so that a rerun after a crash skips the
 * runs already done and gives the same results as an uninterrupted run.
 */
import { fork, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { packagePath } from "../../package-root.js";
import { FolderNotWritableError, ensureWritableFolder } from "../../index.js";
import { formatPath } from "../../space/field-path.js";
import { createLabProblem, isAsyncProblem, isFidelityProblem, isMultiObjectiveProblem, labProblemNames } from "../problems/index.js";
import { closeSharedOptunaProcess, optunaUnavailableReason } from "./optuna.js";
import { CLAIMS_FOLDER, cellClaimFile, claimFile, describeHolder, releaseClaimFile, removeClaimsFolderIfEmpty } from "./claims.js";
import { OptimizerSpecError, optimizerIdentity, parseOptimizerSpec, refuseDuplicateOptimizers, severalObjectiveOptimizers, takesOneObjective, type OptimizerSpec } from "./optimizers.js";
import { runJob, runKey, type Job, type RunResult } from "./run-one.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

export const RESULTS_FILE = "results.jsonl";
export const RUN_FILE = "run.json";

/** What {@link runBenchmark} runs. */
export interface BenchmarkOptions {
  readonly problems: readonly string[];
  /** Specs such as `"tpe"`, `"tpe:multivariate=true"`, `"optuna-tpe"`, or parsed specs. */
  readonly optimizers: readonly (string | OptimizerSpec)[];
  /** The budget, the same for every optimizer: a positive integer, at most {@link MAX_TRIALS_PER_RUN}. */
  readonly trials: number;
  /** Each seed picks the problem instance and seeds the optimizer. */
  readonly seeds: readonly number[];
  readonly outDir: string;
  /**
   * Worker processes (default: all cores). With 1, runs happen in this process, except when a
   * problem runs a program (tag `real-command`): then in one worker, whose death takes the program
   * with it however this process ends (SIGKILL included), as with more workers.
   */
  readonly jobs?: number;
  readonly onProgress?: (progress: BenchmarkProgress) => void;
  /**
   * Aborting it ends the benchmark: worker processes are killed (SIGKILL), not left to finish the
   * run each has under way, no run starts after it, and the promise rejects with the signal's
   * reason. Runs that happen in this process (`jobs: 1` without a command problem) finish the run
   * under way first.
   * Finished runs are in `outDir` already; running the same benchmark again goes on from them.
   */
  readonly signal?: AbortSignal;
  /**
   * Called with the pids of the worker processes alive, each time that set changes. Each worker
   * leads a process group of its own that holds the commands it runs: a caller that pauses the
   * run on Ctrl-Z sends the groups SIGSTOP (a terminal's stop does not reach them).
   */
  readonly onWorkers?: (pids: readonly number[]) => void;
}

export interface BenchmarkProgress {
  readonly done: number;
  readonly total: number;
  /** Runs found finished in `outDir` and not run again. */
  readonly resumed: number;
  /** Runs left to another run into `outDir` that has claimed them (counted in `done`); absent when none. */
  readonly leftToOtherRuns?: number;
  readonly last?: { readonly problem: string; readonly optimizer: string; readonly seed: number; readonly error?: string };
}

/** The settings stored in `OUT/run.json`; a rerun into the same directory must keep `trials`. */
export interface RunSettings {
  readonly trials: number;
  readonly problems: string[];
  readonly optimizers: string[];
  readonly seeds: number[];
}

export interface BenchmarkOutcome {
  readonly settings: RunSettings;
  /** Every finished run of the requested grid, resumed or new, in grid order. */
  readonly results: RunResult[];
  /** How many of them were already in the output folder (a run started again after an interruption). */
  readonly resumed: number;
  /** How many of them another run into the same folder, at the same time, made meanwhile. */
  readonly madeByOtherRuns: number;
  /**
   * Runs of the grid that another live run into the same folder had claimed (see claims.ts) and
   * had not finished when this one ended: left to it, not run twice. `heldBy`: "pid 4242 on gpu-7".
   */
  readonly leftToOtherRuns: { problem: string; optimizer: string; seed: number; heldBy: string }[];
  readonly failures: { problem: string; optimizer: string; seed: number; message: string }[];
}

/** Thrown for settings that cannot run, naming the setting. */
export class BenchmarkInputError extends Error {
  override name = "BenchmarkInputError";
}

/**
 * `error` in the words of a caller that sets the lab's options under other names (`{ seeds:
 * "testSeeds" }`, or a command's flags): the option a lab error starts with (`seeds: …`) is
 * renamed, and so is any option it names in passing as a camelCase identifier (`must be disjoint
 * from tuningSeeds`); plain words such as "trials" are left alone there. Other errors pass unchanged.
 *
 * @example
 * await runBenchmark(options).catch((error: unknown) => { throw renameOptionsInError(error, { seeds: "testSeeds" }); });
 */
export function renameOptionsInError(error: unknown, names: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof BenchmarkInputError || error instanceof OptimizerSpecError)) return error;
  const leading = /^(\w+): /.exec(error.message);
  const to = leading === null ? undefined : names[leading[1]!];
  let message = to === undefined ? error.message : `${to}: ${error.message.slice(leading![0].length)}`;
  for (const [from, renamed] of Object.entries(names)) {
    if (/[A-Z]/.test(from)) message = message.replace(new RegExp(`\\b${from}\\b`, "g"), renamed);
  }
  if (message === error.message) return error;
  return error instanceof OptimizerSpecError ? new OptimizerSpecError(message, { cause: error }) : new BenchmarkInputError(message, { cause: error });
}

/**
 * Creates the folder `path` that option `option` names, if need be, and checks it can be written:
 * one that cannot was an internal error with a stack ("EACCES: permission denied, mkdir 'lab'").
 *
 * @example
 * makeWritableFolder("outDir", "bench-out");
 */
export function makeWritableFolder(option: string, path: string): void {
  try {
    ensureWritableFolder(path);
  } catch (error) {
    if (error instanceof FolderNotWritableError) throw new BenchmarkInputError(`${option}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Whether a stored curve holds a regret (or the no-incumbent marker) after every trial: finite numbers, at least one. */
function isRegretCurve(curve: unknown): curve is number[] {
  return Array.isArray(curve) && curve.length > 0 && curve.every((entry) => typeof entry === "number" && Number.isFinite(entry));
}

/** The bytes {@link readLinesFrom} reads at a time. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * The lines of `file` from byte `offset` on, and the offset just past the last "\n" read. A last
 * line without its "\n" is given only with `unterminated` (a file edited by hand); without, it is
 * left for a later read, being written by another run. Read a chunk at a time: as one string, a
 * folder of long runs passed the longest string Node holds (512 MiB). No file, no lines.
 */
function readLinesFrom(file: string, offset: number, unterminated: boolean): { lines: string[]; end: number } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], end: offset };
    throw error;
  }
  const lines: string[] = [];
  const chunk = Buffer.alloc(READ_CHUNK_BYTES);
  let partial: Buffer[] = [];
  let end = offset;
  try {
    for (let position = offset; ; ) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      const data = chunk.subarray(0, read);
      let start = 0;
      for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
        lines.push(Buffer.concat([...partial, data.subarray(start, newline)]).toString("utf8"));
        partial = [];
        start = newline + 1;
        end = position + start;
      }
      // Copied: the chunk is read into again.
      if (start < read) partial.push(Buffer.from(data.subarray(start)));
      position += read;
    }
  } finally {
    closeSync(fd);
  }
  if (unterminated && partial.length > 0) lines.push(Buffer.concat(partial).toString("utf8"));
  return { lines, end };
}

/**
 * The run on one line of results.jsonl, or null for a line to redo rather than trust: a torn line
 * (a crash mid-write), or a run whose curve holds something other than finite numbers (JSON writes
 * NaN as null, which the report read as a regret of 0, and so ranked that run first on its
 * problem, at the regret floor).
 *
 * The run appended after a torn line carries on that line, and is read from the "{" it starts at.
 * No run ends a torn line with a "\n" of its own: one that found the file's last line unended did,
 * and where that line was another run's result being written, or written just after the read,
 * the "\n" made a blank line, or (where appends are not atomic, as on NFS) cut that result in two.
 */
function parseResultLine(line: string): RunResult | null {
  if (line.trim() === "") return null;
  for (let start = 0; start !== -1; start = line.indexOf("{", start + 1)) {
    let result: RunResult;
    try {
      result = JSON.parse(start === 0 ? line : line.slice(start)) as RunResult;
    } catch {
      // Torn before the run at a later "{"; anything else unreadable is also better redone than trusted.
      continue;
    }
    if (!isRegretCurve(result.curve) || (result.recommendedCurve !== undefined && !isRegretCurve(result.recommendedCurve))) return null;
    return result;
  }
  return null;
}

/** A run's identity in a folder: its cell and, since a folder's readers keep the runs of its trials, its budget. */
function storedRunKey(result: RunResult): string {
  return `${runKey(result.problem, result.optimizer, result.seed)}\u0000${result.trials}`;
}

/**
 * Reads `OUT/results.jsonl`. A torn line (a crash mid-write) is ignored: that run is redone, as
 * is a run whose curve holds something other than finite numbers (a NaN written as null).
 * A run found twice is read once, as first written: two `bench run`s into one folder each
 * appended every run of the grid before runs were claimed (see claims.ts), and the report, `bench
 * defaults` and `bench subset` counted those runs twice (a seed weighing double in medians and means).
 *
 * @example
 * const results = readResults("bench-out");
 */
export function readResults(outDir: string): RunResult[] {
  const results: RunResult[] = [];
  const seen = new Set<string>();
  for (const line of readLinesFrom(join(outDir, RESULTS_FILE), 0, true).lines) {
    const result = parseResultLine(line);
    if (result === null || seen.has(storedRunKey(result))) continue;
    seen.add(storedRunKey(result));
    results.push(result);
  }
  return results;
}

/**
 * Refuses runs of a problem this version of the lab does not have (renamed or removed since the runs
 * were made, or a hand-edited folder): the readers look each problem up for its groups and its kind
 * of optimum, and failed there with an internal error.
 *
 * @example
 * refuseUnknownProblems("lab", readResults("lab"));
 */
export function refuseUnknownProblems(outDir: string, results: readonly RunResult[]): void {
  const known = new Set(labProblemNames());
  const unknown = [...new Set(results.map((r) => r.problem))].filter((problem) => !known.has(problem));
  if (unknown.length === 0) return;
  throw new BenchmarkInputError(
    `dir: ${outDir} holds runs of ${unknown.length === 1 ? "a problem" : "problems"} this version of Sextant does not have (${unknown.map((p) => `"${p}"`).join(", ")}); \`sextant problems\` lists those it has`,
  );
}

const runSettingsSchema = z.object({
  trials: z.number().int().positive(),
  problems: z.array(z.string()),
  optimizers: z.array(z.string()),
  seeds: z.array(z.number().int().nonnegative()),
});
/** What each field of run.json must hold, as its refusal says it. */
const RUN_SETTINGS_EXPECTED: Readonly<Record<keyof RunSettings, string>> = {
  trials: "a positive integer",
  problems: "a list of problem names",
  optimizers: "a list of optimizer labels",
  seeds: "a list of non-negative integers",
};

function describeJsonValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return value === null ? "null" : `${typeof value} ${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
}

/** The 1-based line of character `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

/**
 * Reads `OUT/run.json`, or null when the directory holds no run. A file that is not the settings
 * of a run (torn by a crash as it was written, cut short in a copy, edited by hand) is refused with
 * its line and field: parsed as it was, a torn file was an internal error, and `"trials": "12"`
 * read as "holds runs of 12 trials, not 12".
 *
 * @example
 * readRunSettings("lab")?.trials; // 100
 */
export function readRunSettings(outDir: string): RunSettings | null {
  const file = join(outDir, RUN_FILE);
  if (!existsSync(file)) return null;
  const text = readFileSync(file, "utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // Node gives the offset ("at position 40") but not, before Node 22, the line; a file cut short has none.
    const position = /at position (\d+)/.exec((error as Error).message);
    throw new BenchmarkInputError(
      `${file}:${lineAt(text, position ? Number(position[1]) : text.length)}: not JSON (${(error as Error).message}); mend it (its runs in ${RESULTS_FILE} are untouched) or give another folder`,
      { cause: error },
    );
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new BenchmarkInputError(`${file}:1: expected an object with trials, problems, optimizers and seeds, got ${describeJsonValue(data)}`);
  }
  const parsed = runSettingsSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const path = parsed.error.issues[0]!.path;
  const field = String(path[0]) as keyof RunSettings;
  const value = path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)?.[key as PropertyKey], data);
  // The line of the field's key, where run.json as the runner writes it has one field per line.
  const key = new RegExp(`"${field}"\\s*:`).exec(text);
  // The schema's keys are field names and list indices, never symbols.
  const where = formatPath(path as (string | number)[]);
  throw new BenchmarkInputError(`${file}:${key ? lineAt(text, key.index) : 1}: ${where}: expected ${RUN_SETTINGS_EXPECTED[field]}, got ${describeJsonValue(value)}`);
}

/**
 * The largest budget of one run. A run holds its trials in memory (about 2 KB each on random
 * search, measured: a million come to 2 GB, half of Node's default heap) and stores its curve, a
 * regret per trial (two on noisy problems), as one line of results.jsonl, some 20 MB per million
 * trials; past ten million or so that line is longer than the longest string Node can write.
 * `--trials 1e12` was taken, and ran on for minutes, growing to gigabytes, before any of that failed.
 */
export const MAX_TRIALS_PER_RUN = 1_000_000;

function checkOptions(options: BenchmarkOptions): OptimizerSpec[] {
  if (!Number.isInteger(options.trials) || options.trials <= 0) throw new BenchmarkInputError(`trials: must be a positive integer, got ${options.trials}`);
  if (options.trials > MAX_TRIALS_PER_RUN) {
    throw new BenchmarkInputError(`trials: must be at most ${MAX_TRIALS_PER_RUN} (a run keeps its trials in memory and stores a regret per trial on one line of ${RESULTS_FILE}), got ${options.trials}`);
  }
  if (options.seeds.length === 0) throw new BenchmarkInputError("seeds: give at least one seed");
  for (const seed of options.seeds) {
    if (!Number.isInteger(seed) || seed < 0) throw new BenchmarkInputError(`seeds: must be non-negative integers, got ${seed}`);
  }
  if (options.problems.length === 0) throw new BenchmarkInputError("problems: give at least one problem");
  if (options.jobs !== undefined && !(Number.isInteger(options.jobs) && options.jobs > 0)) {
    throw new BenchmarkInputError(`jobs: must be a positive integer, got ${options.jobs}`);
  }
  const specs = options.optimizers.map((o) => (typeof o === "string" ? parseOptimizerSpec(o) : o));
  if (specs.length === 0) throw new BenchmarkInputError("optimizers: give at least one optimizer");
  refuseDuplicateOptimizers(specs);
  if (specs.some((s) => s.kind === "optuna")) {
    const reason = optunaUnavailableReason();
    if (reason !== null) throw new BenchmarkInputError(`optimizers: the Optuna references cannot run: ${reason}`);
  }
  return specs;
}

/** Whether a stored label configures the same optimizer as `spec`; a label that no longer reads as a spec does not. */
function sameOptimizerAs(label: string, spec: OptimizerSpec): boolean {
  try {
    return optimizerIdentity(parseOptimizerSpec(label)) === optimizerIdentity(spec);
  } catch {
    return false;
  }
}

/** Merges these settings into the directory's, refusing a different budget. */
function recordSettings(outDir: string, options: BenchmarkOptions, specs: OptimizerSpec[]): RunSettings {
  const before = readRunSettings(outDir);
  if (before !== null && before.trials !== options.trials) {
    throw new BenchmarkInputError(`trials: ${outDir} holds runs of ${before.trials} trials, not ${options.trials}; use another --out directory`);
  }
  const sameSet = (a: readonly (string | number)[], b: readonly (string | number)[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
  // Other problems on other seeds would leave a report ranking problems over different seeds
  // (and counting a product of runs that were never made): one of the two must stay.
  if (before !== null && !sameSet(before.problems, options.problems) && !sameSet(before.seeds, options.seeds)) {
    throw new BenchmarkInputError(
      `${outDir} holds runs of ${before.problems.length} problem(s) on seeds ${before.seeds.join(", ")}; a run into it may add optimizers, ` +
        `seeds (same problems) or problems (same seeds), not other problems on other seeds: use another --out directory`,
    );
  }
  // Runs are found by label: the same optimizer spelled another way would be run again beside
  // its stored runs, and ranked against them.
  for (const spec of specs) {
    const stored = before?.optimizers.find((label) => label !== spec.label && sameOptimizerAs(label, spec));
    if (stored !== undefined) {
      throw new BenchmarkInputError(`optimizers: "${spec.label}" is "${stored}", which ${outDir} holds runs of; give it as "${stored}" to add to those runs`);
    }
  }
  const union = <T>(a: readonly T[] = [], b: readonly T[]): T[] => [...a, ...b.filter((x) => !a.includes(x))];
  const settings: RunSettings = {
    trials: options.trials,
    problems: union(before?.problems, options.problems),
    optimizers: union(before?.optimizers, specs.map((s) => s.label)),
    seeds: union(before?.seeds, options.seeds),
  };
  // Whole or not at all: a report started meanwhile read a run.json cut short as "not JSON".
  const draft = join(outDir, `${RUN_FILE}.${process.pid}.draft`);
  writeFileSync(draft, `${JSON.stringify(settings, null, 2)}\n`);
  renameSync(draft, join(outDir, RUN_FILE));
  return settings;
}

/** How long a run waits for another to finish recording its settings in run.json, a few milliseconds' work. */
const SETTINGS_WAIT_MS = 30_000;

/**
 * {@link recordSettings} while holding the folder's settings claim: two runs started together
 * into one folder (other optimizers, other seeds) each read run.json and wrote it back with their
 * own alone, and the report left out the runs of the first.
 */
async function recordSettingsAlone(outDir: string, options: BenchmarkOptions, specs: OptimizerSpec[]): Promise<RunSettings> {
  const lock = join(outDir, CLAIMS_FOLDER, `${RUN_FILE}.lock`);
  const deadline = Date.now() + SETTINGS_WAIT_MS;
  for (let holder = claimFile(lock, RUN_FILE); holder !== null; holder = claimFile(lock, RUN_FILE)) {
    if (Date.now() > deadline) {
      throw new BenchmarkInputError(`outDir: another bench run (${describeHolder(holder)}) has held ${lock} for ${SETTINGS_WAIT_MS / 1000} s; if that run is gone, delete the file`);
    }
    await new Promise((wake) => setTimeout(wake, 20));
  }
  try {
    return recordSettings(outDir, options, specs);
  } finally {
    releaseClaimFile(lock);
    removeClaimsFolderIfEmpty(outDir);
  }
}

/**
 * The compiled worker (dist/bench/lab/worker.js, whether this module runs from dist/ or from the
 * CLI's bundle), or null when running from TypeScript sources (tests), where runs stay in-process.
 */
function workerScript(): string | null {
  if (import.meta.url.endsWith(".ts")) return null;
  const built = packagePath("dist", "bench", "lab", "worker.js");
  return existsSync(built) ? built : null;
}

type Finish = (job: Job, outcome: { result: RunResult } | { error: string }) => void;

/** The next job to run, claimed for this run; undefined once there is none. */
type TakeJob = () => Job | undefined;

async function runInProcess(take: TakeJob, finish: Finish, signal: AbortSignal | undefined): Promise<void> {
  try {
    // Checked before a job is taken: one taken is claimed, and is released only by finish.
    while (!signal?.aborted) {
      const job = take();
      if (job === undefined) return;
      try {
        finish(job, { result: await runJob(job) });
      } catch (error) {
        finish(job, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    closeSharedOptunaProcess();
  }
}

/** Kills the process group that worker `child` leads: the worker and the commands it started. */
function killWorkerGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // gone: the worker ended, and no command of its group outlived it
  }
}

async function runInWorkers(
  take: TakeJob,
  workers: number,
  script: string,
  finish: Finish,
  signal: AbortSignal | undefined,
  onWorkers: BenchmarkOptions["onWorkers"],
): Promise<void> {
  let next = 0;
  const aborted = (): boolean => signal?.aborted === true;
  const serve = (child: ChildProcess): Promise<void> =>
    new Promise((resolve) => {
      let current: Job | undefined;
      const give = (): void => {
        current = undefined;
        // Being killed: its channel may be closed already, and a send on it throws.
        if (aborted()) return;
        current = take();
        if (current === undefined) {
          child.send({ type: "stop" } satisfies WorkerRequest);
          return;
        }
        child.send({ type: "job", id: next++, job: current } satisfies WorkerRequest);
      };
      child.on("message", (reply: WorkerReply) => {
        const job = current!;
        finish(job, reply.type === "result" ? { result: reply.result } : { error: reply.message });
        give();
      });
      child.on("exit", (code, signal) => {
        // A worker that died of its own accord (a crash, the out-of-memory killer) left the
        // commands it ran running on in its group, until they ended or hit their time limit.
        killWorkerGroup(child);
        live.delete(child.pid!);
        onWorkers?.([...live]);
        // A worker that dies mid-run fails that run only; the others go on. One killed by the
        // abort fails nothing: its run was stopped, not broken.
        if (current !== undefined && !aborted()) finish(current, { error: `worker process died (${signal ?? `code ${code}`})` });
        resolve();
      });
      give();
    });
  if (aborted()) return;
  // Each worker leads a process group that its commands join (they are not detached), so that
  // killing a worker's group ends the commands it started too: killing the worker alone left them
  // running as orphans. A worker whose runner is gone kills its group itself (worker.ts).
  const children = Array.from({ length: workers }, () =>
    fork(script, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true }),
  );
  const live = new Set(children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])));
  onWorkers?.([...live]);
  // Killed, not told to stop: a worker reads its messages only between the steps of its run.
  const kill = (): void => {
    for (const child of children) killWorkerGroup(child);
  };
  signal?.addEventListener("abort", kill, { once: true });
  try {
    await Promise.all(children.map(serve));
  } finally {
    signal?.removeEventListener("abort", kill);
  }
}

/**
 * Refuses optimizers of one objective (CMA-ES, CEM, TuRBO-1, Optuna's CMA-ES) on problems of
 * several: each of those runs failed at its first trial, and the lab said to rerun them, which
 * could never succeed. `objectives` gives each problem's count of objectives.
 */
function refuseOneObjectiveOptimizers(specs: readonly OptimizerSpec[], objectives: ReadonlyMap<string, number>): void {
  const several = [...objectives].filter(([, count]) => count > 1);
  if (several.length === 0) return;
  const single = specs.filter(takesOneObjective).map((s) => `"${s.label}"`);
  if (single.length === 0) return;
  const problems =
    several.length === 1
      ? `problem "${several[0]![0]}" has ${several[0]![1]} objectives`
      : `problems ${several.map(([name, count]) => `"${name}" (${count} objectives)`).join(", ")} have several`;
  throw new BenchmarkInputError(
    `optimizers: ${single.join(", ")} ${single.length === 1 ? "takes" : "take"} one objective, and ${problems}, so every run of ${single.length === 1 ? "it" : "them"} there would fail; ` +
      `optimizers that take several objectives: ${severalObjectiveOptimizers().join(", ")}`,
  );
}

/**
 * Refuses, before any run, a problem that is unknown or cannot run here (its program or data is
 * missing), that has no fidelity where an optimizer of `specs` has a pruner, or that has several
 * objectives where an optimizer of `specs` takes one; answers whether some problem runs a real
 * program. Errors start with `problems:` or `optimizers:`.
 *
 * @example
 * await refuseProblemsThatCannotRun(["branin-2d", "sklearn-knn-iris"], [parseOptimizerSpec("tpe")]);
 */
export async function refuseProblemsThatCannotRun(problems: readonly string[], specs: readonly OptimizerSpec[]): Promise<boolean> {
  const known = new Set(labProblemNames());
  for (const problem of problems) {
    if (!known.has(problem)) throw new BenchmarkInputError(`problems: unknown problem "${problem}"; \`sextant problems\` lists them`);
  }
  let runsPrograms = false;
  const pruned = specs.find((s) => s.pruner !== undefined);
  const objectives = new Map<string, number>();
  for (const name of problems) {
    const problem = createLabProblem(name);
    objectives.set(name, isMultiObjectiveProblem(problem) ? problem.objectives : 1);
    if (problem.tags.includes("real-command")) runsPrograms = true;
    const reason = isAsyncProblem(problem) || isFidelityProblem(problem) ? await problem.unavailableReason() : undefined;
    if (reason !== undefined) throw new BenchmarkInputError(`problems: "${name}" cannot run here: ${reason}`);
    if (pruned !== undefined && !isFidelityProblem(problem)) {
      throw new BenchmarkInputError(`optimizers: "${pruned.label}" has a pruner, but problem "${name}" has no fidelity to prune over`);
    }
  }
  refuseOneObjectiveOptimizers(specs, objectives);
  return runsPrograms;
}

/**
 * Runs every (problem, optimizer, seed) of the grid that `outDir` does not already hold, on `jobs`
 * worker processes, and returns all results of the grid. Every optimizer gets the same budget.
 *
 * @example
 * const { results } = await runBenchmark({
 *   problems: ["branin-2d", "hartmann6-6d"], optimizers: ["tpe", "random", "optuna-tpe"],
 *   trials: 50, seeds: [0, 1, 2], outDir: "bench-out", jobs: 2,
 * });
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const specs = checkOptions(options);
  options.signal?.throwIfAborted();
  const runsPrograms = await refuseProblemsThatCannotRun(options.problems, specs);
  makeWritableFolder("outDir", options.outDir);
  const settings = await recordSettingsAlone(options.outDir, options, specs);
  const resultsFile = join(options.outDir, RESULTS_FILE);
  const stored = new Map<string, RunResult>();
  let readUpTo = 0;
  // Results are read as they come, this run's and those another run into the folder appends.
  const readNewResults = (): void => {
    const { lines, end } = readLinesFrom(resultsFile, readUpTo, false);
    readUpTo = end;
    for (const result of lines.map(parseResultLine)) {
      if (result === null || result.trials !== options.trials) continue;
      const key = runKey(result.problem, result.optimizer, result.seed);
      if (!stored.has(key)) stored.set(key, result);
    }
  };
  readNewResults();
  const grid: Job[] = [];
  // Seed-major: an interrupted run holds whole seeds of every (problem, optimizer) first.
  for (const seed of options.seeds) {
    for (const problem of options.problems) {
      for (const optimizer of specs) grid.push({ problem, optimizer, seed, trials: options.trials });
    }
  }
  const keyOf = (job: Job): string => runKey(job.problem, job.optimizer.label, job.seed);
  const queue = grid.filter((job) => !stored.has(keyOf(job)));
  const resumed = grid.length - queue.length;
  const failures: BenchmarkOutcome["failures"] = [];
  const leftToOthers: { job: Job; heldBy: string }[] = [];
  let made = 0;
  let done = resumed;
  const progress = (last?: BenchmarkProgress["last"]): void =>
    options.onProgress?.({ done, total: grid.length, resumed, ...(leftToOthers.length > 0 ? { leftToOtherRuns: leftToOthers.length } : {}), ...(last ? { last } : {}) });
  progress();
  // Claims this run holds, released as their cells finish, and all at once however it ends
  // (process.exit in a signal handler included); a claim left by a killed run is stale.
  const held = new Set<string>();
  const releaseHeld = (): void => {
    for (const file of held) releaseClaimFile(file);
    held.clear();
  };
  let next = 0;
  const take: TakeJob = () => {
    while (next < queue.length) {
      const job = queue[next++]!;
      const file = cellClaimFile(options.outDir, keyOf(job));
      const holder = claimFile(file, keyOf(job));
      // Another bench run into this folder has it under way.
      if (holder !== null) {
        leftToOthers.push({ job, heldBy: describeHolder(holder) });
        done++;
        progress();
        continue;
      }
      held.add(file);
      // Or has finished it, and released its claim, since this run last read the results.
      readNewResults();
      if (!stored.has(keyOf(job))) return job;
      releaseClaimFile(file);
      held.delete(file);
      done++;
      progress();
    }
    return undefined;
  };
  const finish: Finish = (job, outcome) => {
    done++;
    const last = { problem: job.problem, optimizer: job.optimizer.label, seed: job.seed };
    if ("result" in outcome) {
      appendFileSync(resultsFile, `${JSON.stringify(outcome.result)}\n`);
      stored.set(keyOf(job), outcome.result);
      made++;
      progress(last);
    } else {
      failures.push({ ...last, message: outcome.error });
      progress({ ...last, error: outcome.error });
    }
    // After the result is in results.jsonl: a run that claims the cell next finds it there.
    const file = cellClaimFile(options.outDir, keyOf(job));
    releaseClaimFile(file);
    held.delete(file);
  };
  const workers = Math.min(options.jobs ?? availableParallelism(), queue.length);
  const script = workerScript();
  // Only a worker can see to it that a program dies with the run when this process is SIGKILLed:
  // its channel closes then, and it kills the process group that holds its programs (worker.ts).
  const inWorkers = script !== null && queue.length > 0 && (runsPrograms || (workers > 1 && queue.length > 1));
  process.on("exit", releaseHeld);
  try {
    if (inWorkers) await runInWorkers(take, workers, script, finish, options.signal, options.onWorkers);
    else await runInProcess(take, finish, options.signal);
  } finally {
    releaseHeld();
    process.off("exit", releaseHeld);
    removeClaimsFolderIfEmpty(options.outDir);
  }
  options.signal?.throwIfAborted();
  readNewResults();
  const results = grid.flatMap((job) => stored.get(keyOf(job)) ?? []);
  const leftToOtherRuns = leftToOthers
    .filter(({ job }) => !stored.has(keyOf(job)))
    .map(({ job, heldBy }) => ({ problem: job.problem, optimizer: job.optimizer.label, seed: job.seed, heldBy }));
  return { settings, results, resumed, madeByOtherRuns: results.length - resumed - made, leftToOtherRuns, failures };
}
