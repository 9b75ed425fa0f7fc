/**
 * The lab's runner: every (problem, optimizer, seed) run, in parallel worker processes, each
 * result appended to `OUT/results.jsonl` as it finishes so that a rerun after a crash skips the
 * runs already done and gives the same results as an uninterrupted run.
 */
import { fork, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { packagePath } from "../../package-root.js";
import { FolderNotWritableError, ensureWritableFolder } from "../../index.js";
import { formatPath } from "../../space/field-path.js";
import { createLabProblem, isAsyncProblem, isFidelityProblem, isMultiObjectiveProblem, labProblemNames } from "../problems/index.js";
import { closeSharedOptunaProcess, optunaUnavailableReason } from "./optuna.js";
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
  /** The budget, the same for every optimizer. */
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

/**
 * Reads `OUT/results.jsonl`. A torn last line (a crash mid-write) is ignored: that run is redone,
 * as is a run whose curve holds something other than finite numbers (a NaN written as null).
 * A run found twice is read once, as first written: two `bench run`s started into one folder
 * each append every run of the grid, and the report, `bench defaults` and `bench subset` counted
 * those runs twice (a seed weighing double in medians and means).
 *
 * @example
 * const results = readResults("bench-out");
 */
export function readResults(outDir: string): RunResult[] {
  const file = join(outDir, RESULTS_FILE);
  if (!existsSync(file)) return [];
  const results: RunResult[] = [];
  const seen = new Set<string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let result: RunResult;
    try {
      result = JSON.parse(line) as RunResult;
    } catch {
      // Only the last line can be torn; anything else unreadable is also better redone than trusted.
      continue;
    }
    // So is a run whose curve is not all numbers: JSON writes NaN as null, which the report read as
    // a regret of 0, and so ranked that run first on its problem, at the regret floor.
    if (!isRegretCurve(result.curve) || (result.recommendedCurve !== undefined && !isRegretCurve(result.recommendedCurve))) continue;
    // Per budget: a folder's readers keep the runs of its trials.
    const key = `${runKey(result.problem, result.optimizer, result.seed)}\u0000${result.trials}`;
    if (seen.has(key)) continue;
    seen.add(key);
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

function checkOptions(options: BenchmarkOptions): OptimizerSpec[] {
  if (!Number.isInteger(options.trials) || options.trials <= 0) throw new BenchmarkInputError(`trials: must be a positive integer, got ${options.trials}`);
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
  writeFileSync(join(outDir, RUN_FILE), `${JSON.stringify(settings, null, 2)}\n`);
  return settings;
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

async function runInProcess(queue: Job[], finish: Finish, signal: AbortSignal | undefined): Promise<void> {
  try {
    for (const job of queue) {
      if (signal?.aborted) return;
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
  queue: Job[],
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
        if (next >= queue.length) {
          child.send({ type: "stop" } satisfies WorkerRequest);
          return;
        }
        const id = next++;
        current = queue[id]!;
        child.send({ type: "job", id, job: current } satisfies WorkerRequest);
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
  const children = Array.from({ length: Math.min(workers, queue.length) }, () =>
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
  const settings = recordSettings(options.outDir, options, specs);
  const stored = new Map(readResults(options.outDir).filter((r) => r.trials === options.trials).map((r) => [runKey(r.problem, r.optimizer, r.seed), r]));
  const grid: Job[] = [];
  // Seed-major: an interrupted run holds whole seeds of every (problem, optimizer) first.
  for (const seed of options.seeds) {
    for (const problem of options.problems) {
      for (const optimizer of specs) grid.push({ problem, optimizer, seed, trials: options.trials });
    }
  }
  const queue = grid.filter((job) => !stored.has(runKey(job.problem, job.optimizer.label, job.seed)));
  const resumed = grid.length - queue.length;
  const failures: BenchmarkOutcome["failures"] = [];
  let done = resumed;
  options.onProgress?.({ done, total: grid.length, resumed });
  const resultsFile = join(options.outDir, RESULTS_FILE);
  // After a crash mid-write the torn line must stay alone on its line, not swallow the next result.
  const existing = existsSync(resultsFile) ? readFileSync(resultsFile, "utf8") : "";
  if (existing !== "" && !existing.endsWith("\n")) appendFileSync(resultsFile, "\n");
  const finish: Finish = (job, outcome) => {
    done++;
    const last = { problem: job.problem, optimizer: job.optimizer.label, seed: job.seed };
    if ("result" in outcome) {
      appendFileSync(resultsFile, `${JSON.stringify(outcome.result)}\n`);
      stored.set(runKey(last.problem, last.optimizer, last.seed), outcome.result);
      options.onProgress?.({ done, total: grid.length, resumed, last });
    } else {
      failures.push({ ...last, message: outcome.error });
      options.onProgress?.({ done, total: grid.length, resumed, last: { ...last, error: outcome.error } });
    }
  };
  const workers = options.jobs ?? availableParallelism();
  const script = workerScript();
  // Only a worker can see to it that a program dies with the run when this process is SIGKILLed:
  // its channel closes then, and it kills the process group that holds its programs (worker.ts).
  const inWorkers = script !== null && queue.length > 0 && (runsPrograms || (workers > 1 && queue.length > 1));
  if (inWorkers) await runInWorkers(queue, workers, script, finish, options.signal, options.onWorkers);
  else await runInProcess(queue, finish, options.signal);
  options.signal?.throwIfAborted();
  const results = grid.flatMap((job) => stored.get(runKey(job.problem, job.optimizer.label, job.seed)) ?? []);
  return { settings, results, resumed, failures };
}
