/**
 * `sextant bench run | report | suites`: the benchmark lab from the command line.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { countNoun } from "../count-noun.js";
import { labProblemNames } from "../bench/problems/index.js";
import {
  BenchmarkInputError,
  BenchmarkRunsFailedError,
  defaultsEverywhere,
  noRunMessage,
  OptimizerSpecError,
  referencePerformancePoints,
  rankTransform,
  readResults,
  readRunSettings,
  rebaseReferenceProblems,
  renameOptionsInError,
  runBenchmark,
  selectRepresentativeSubset,
  splitDevTest,
  splitStratum,
  starDiscrepancy,
  SUITE_OPTIMIZERS,
  SUITES,
  TEST_FOLDER,
  TUNING_FOLDER,
  tuneThenTest,
  type BenchmarkProgress,
  type DefaultsSearch,
  type RunResult,
  type RunSettings,
} from "../bench/lab/index.js";
import { CLAIMS_FOLDER } from "../bench/lab/claims.js";
import { completeBlocks, writeReport } from "../bench/lab/report.js";
import { refuseUnknownProblems } from "../bench/lab/runner.js";
import { randomReference } from "../bench/lab/summary.js";
import { OptionError, didYouMean } from "../space/index.js";
import { decimalInteger } from "../space/number-text.js";
import { UsageError, UserError } from "./errors.js";
import { formatNumber, renderTable } from "./format.js";
import { type Io, isStandardOutput, pauseCommandsWithRun, refuseSqliteTarget } from "./io.js";
import { RUN_SIGNALS, signalExitCode } from "./tune.js";

export interface BenchRunFlags {
  suite: string;
  /** Optional when every suite named has default optimizers (see SUITE_OPTIMIZERS). */
  optimizers?: string;
  trials: number;
  seeds: string;
  out: string;
  jobs?: number;
  json?: boolean;
}

/**
 * Suite names and problem names, comma-separated, as one problem list: a name given twice is
 * refused (as an optimizer listed twice is), a problem that two suites share is kept once.
 *
 * @example
 * resolveSuite("smoke,rosenbrock-50d"); // the smoke suite's problems, then rosenbrock-50d
 */
export function resolveSuite(text: string, flag = "--suite"): string[] {
  const known = new Set(labProblemNames());
  const problems: string[] = [];
  for (const item of distinctList(flag, text)) {
    const members = SUITES[item] ?? (known.has(item) ? [item] : undefined);
    if (members === undefined) {
      throw new UsageError(
        `${flag}: "${item}" is neither a suite (${Object.keys(SUITES).join(", ")}) nor a problem${didYouMean(item, [...Object.keys(SUITES), ...known])}; \`sextant problems\` lists the problems`,
      );
    }
    for (const p of members) if (!problems.includes(p)) problems.push(p);
  }
  if (problems.length === 0) throw new UsageError(`${flag}: give a suite or at least one problem`);
  return problems;
}

/**
 * The optimizers of a run: `--optimizers` when given, else the default optimizers of the suites
 * named in `--suite` (which must all have them).
 *
 * @example
 * resolveOptimizers(undefined, "pruning"); // ["tpe", "tpe+median", …]
 */
export function resolveOptimizers(optimizers: string | undefined, suite: string): string[] {
  if (optimizers !== undefined) return distinctList("--optimizers", optimizers);
  const items = suite.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const without = items.filter((item) => SUITE_OPTIMIZERS[item] === undefined);
  if (without.length > 0) {
    throw new UsageError(`--optimizers: required unless every suite has default optimizers (${Object.keys(SUITE_OPTIMIZERS).join(", ")}); "${without[0]}" has none`);
  }
  return [...new Set(items.flatMap((item) => SUITE_OPTIMIZERS[item]!))];
}

/**
 * A comma-separated list, each item once: an optimizer listed twice would run every job twice and
 * count as two optimizers in the report's ranks and tests.
 */
function distinctList(flag: string, text: string): string[] {
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  const twice = items.find((item, i) => items.indexOf(item) !== i);
  if (twice !== undefined) throw new UsageError(`${flag}: "${twice}" is listed twice`);
  return items;
}

/** `--candidates` of bench tune and bench defaults: a choice needs two configurations or more. */
function candidateList(text: string): string[] {
  const candidates = distinctList("--candidates", text);
  if (candidates.length < 2) throw new UsageError("--candidates: give at least two configurations to choose from");
  return candidates;
}

/** The most seeds `--seeds` gives: more runs than any lab run could make. */
const MAX_SEEDS = 1_000_000;

/**
 * `--seeds`: a count N (seeds 0 … N−1), a range A-B (inclusive), or a comma-separated list.
 *
 * @example
 * parseSeeds("3");      // [0, 1, 2]
 * parseSeeds("100-102"); // [100, 101, 102]
 * parseSeeds("4,7");    // [4, 7]
 */
export function parseSeeds(text: string, flag = "--seeds"): number[] {
  const bad = (): never => {
    // The limits are said: "100000000" was refused as if it were not a non-negative integer.
    throw new UsageError(`${flag} must be a count N, a range A-B or a list A,B,C of non-negative integers (seeds below 2^32, at most ${MAX_SEEDS} of them), got "${text}"`);
  };
  // Seeds past 2^32 would be folded by the samplers, and a count that large cannot be run.
  const int = (s: string): number => {
    const n = decimalInteger(s.trim());
    return n < 2 ** 32 ? n : bad();
  };
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  let seeds: number[];
  if (range) {
    const [low, high] = [Number(range[1]), Number(range[2])];
    if (high < low || high >= 2 ** 32 || high - low >= MAX_SEEDS) bad();
    seeds = Array.from({ length: high - low + 1 }, (_, i) => low + i);
  } else if (text.includes(",")) seeds = text.split(",").map(int);
  else {
    const count = int(text);
    // 0 is a seed, but as a count it is none: say so rather than call it not a non-negative integer.
    if (count === 0) throw new UsageError(`${flag} 0 is a count of no seeds; for seed 0 alone give 0-0 (a count N means seeds 0 … N−1)`);
    if (count > MAX_SEEDS) bad();
    seeds = Array.from({ length: count }, (_, i) => i);
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`${flag} lists a seed twice: "${text}"`);
  return seeds;
}

/** A one-line progress bar, redrawn in place; only on a terminal. */
function progressBar(io: Io): (p: BenchmarkProgress) => void {
  return (p) => {
    if (p.last?.error !== undefined) io.err(`\nsextant: ${p.last.optimizer} on ${p.last.problem} (seed ${p.last.seed}) failed: ${p.last.error}`);
    if (!io.stderrIsTTY) return;
    const width = 30;
    const filled = Math.round((p.done / Math.max(p.total, 1)) * width);
    const last = p.last ? ` ${p.last.optimizer} ${p.last.problem} #${p.last.seed}` : "";
    // Cut to the terminal's width and cleared with "erase line" rather than padded: a line longer
    // than the terminal wraps, and "\r" then redraws only its last row, stacking the rest.
    const columns = Math.max(20, (process.stderr.columns || 80) - 1);
    const aside = [...(p.resumed ? [`${p.resumed} resumed`] : []), ...(p.leftToOtherRuns ? [`${p.leftToOtherRuns} left to other runs`] : [])];
    const text = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total}${aside.length > 0 ? ` (${aside.join(", ")})` : ""}${last}`;
    process.stderr.write(`\r\x1b[2K${text.length > columns ? `${text.slice(0, columns - 1)}…` : text}`);
    if (p.done === p.total) process.stderr.write("\n");
  };
}

/**
 * What a lab run from the CLI does on a signal, installed until `release`: SIGINT, SIGTERM, SIGHUP
 * and SIGQUIT call `interrupted` (to say what is kept) and exit 128+N, SIGQUIT after aborting
 * `signal` so the worker processes are killed rather than left to finish their runs; Ctrl-Z pauses
 * the workers and their commands with the run (each worker leads a process group away from the
 * terminal's, which the terminal's stop does not reach), given their pids through `onWorkers`.
 */
function labSignals(interrupted: (signal: NodeJS.Signals) => void): { signal: AbortSignal; onWorkers: (pids: readonly number[]) => void; release: () => void } {
  const quit = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal === "SIGQUIT") quit.abort(signal);
    interrupted(signal);
    process.exit(signalExitCode(signal));
  };
  for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
  let groups: readonly number[] = [];
  const stopPausing = pauseCommandsWithRun(() => groups);
  return {
    signal: quit.signal,
    onWorkers: (pids) => (groups = pids),
    release: () => {
      for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
      stopPausing();
    },
  };
}

function asUsageError(error: unknown): never {
  if (error instanceof BenchmarkRunsFailedError) throw new UserError(error.message);
  if (error instanceof BenchmarkInputError || error instanceof OptimizerSpecError || error instanceof OptionError) throw new UsageError(error.message);
  throw error;
}

/** The flag of bench run that sets each of runBenchmark's options. */
const RUN_FLAGS: Readonly<Record<string, string>> = { problems: "--suite", optimizers: "--optimizers", trials: "--trials", seeds: "--seeds", outDir: "--out", jobs: "--jobs" };
/** The flag of bench tune that sets each of tuneThenTest's options (it has no --seeds: two seed flags). */
const TUNE_FLAGS: Readonly<Record<string, string>> = {
  problems: "--suite",
  testProblems: "--test-suite",
  candidates: "--candidates",
  trials: "--trials",
  tuningSeeds: "--tuning-seeds",
  testSeeds: "--test-seeds",
  outDir: "--out",
  jobs: "--jobs",
};

/**
 * {@link asUsageError} for a lab error in the words of the flags in `flags`: "optimizers: unknown
 * optimizer" of bench tune, which has no --optimizers, reads "--candidates: unknown optimizer".
 */
function asFlagError(flags: Readonly<Record<string, string>>): (error: unknown) => never {
  return (error) => asUsageError(renameOptionsInError(error, flags));
}

/**
 * `sextant bench run --suite S [--optimizers O] --trials N --seeds S --out DIR [--jobs J] [--json]`.
 *
 * @example
 * await benchRunCommand({ suite: "smoke", optimizers: "tpe,random", trials: 30, seeds: "3", out: "lab" }, processIo());
 */
export async function benchRunCommand(flags: BenchRunFlags, io: Io): Promise<number> {
  const problems = resolveSuite(flags.suite);
  const seeds = parseSeeds(flags.seeds);
  const started = Date.now();
  const showProgress = progressBar(io);
  let progress: BenchmarkProgress | undefined;
  // Every finished run is already in results.jsonl: an interrupted run says so, and how to go on.
  const lab = labSignals((signal) => {
    // Runs left to another run into the folder count as done, but are not in it yet.
    const finished = progress ? progress.done - (progress.leftToOtherRuns ?? 0) : 0;
    const kept = progress ? `${finished} of ${countNoun(progress.total, "run")} ${finished === 1 ? "is" : "are"}` : "the finished runs are";
    io.err(`\nsextant: interrupted (${signal}); ${kept} in ${join(flags.out, "results.jsonl")}: run the same command again to continue`);
    // A script reading --json got nothing to parse; tune --json says "interrupted" the same way.
    if (flags.json) {
      io.out(JSON.stringify({ out: resolve(flags.out), interrupted: true, signal, runs: progress?.done ?? null, total: progress?.total ?? null, seconds: (Date.now() - started) / 1000 }, null, 2));
    }
  });
  const outcome = await runBenchmark({
    problems,
    optimizers: resolveOptimizers(flags.optimizers, flags.suite),
    trials: flags.trials,
    seeds,
    outDir: flags.out,
    ...(flags.jobs === undefined ? {} : { jobs: flags.jobs }),
    signal: lab.signal,
    onWorkers: lab.onWorkers,
    onProgress: (p) => {
      progress = p;
      showProgress(p);
    },
  })
    .catch(asFlagError(RUN_FLAGS))
    .finally(lab.release);
  const seconds = (Date.now() - started) / 1000;
  const withFailedTrials = outcome.results.filter((r) => r.failedTrials !== undefined);
  const failedTrials = withFailedTrials.reduce((sum, r) => sum + r.failedTrials!, 0);
  const noiselessFailures = outcome.results.reduce((sum, r) => sum + (r.noiselessFailures ?? 0), 0);
  const recommendedNoiselessFailures = outcome.results.reduce((sum, r) => sum + (r.recommendedNoiselessFailures ?? 0), 0);
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          out: resolve(flags.out),
          interrupted: false,
          runs: outcome.results.length,
          resumed: outcome.resumed,
          madeByOtherRuns: outcome.madeByOtherRuns,
          leftToOtherRuns: outcome.leftToOtherRuns,
          failures: outcome.failures,
          failedTrials,
          noiselessFailures,
          recommendedNoiselessFailures,
          seconds,
        },
        null,
        2,
      ),
    );
  } else {
    // A resumed run counted the runs it found as if it had just made them; so did one sharing the
    // folder with another run, which counted that run's too.
    const madeNow = outcome.results.length - outcome.resumed - outcome.madeByOtherRuns;
    const sources = [...(outcome.resumed > 0 ? [`${outcome.resumed} found from before`] : []), ...(outcome.madeByOtherRuns > 0 ? [`${outcome.madeByOtherRuns} made meanwhile by another run`] : [])];
    const made = sources.length === 0 ? countNoun(madeNow, "run") : `${countNoun(madeNow, "run")} made now, ${sources.join(", ")},`;
    io.out(`${made} in ${flags.out} (${seconds.toFixed(0)} s); next: sextant bench report ${flags.out}`);
    if (outcome.leftToOtherRuns.length > 0) {
      const holders = [...new Set(outcome.leftToOtherRuns.map((r) => r.heldBy))];
      io.err(
        `sextant: ${countNoun(outcome.leftToOtherRuns.length, "run")} left to another bench run into ${flags.out} that has ${outcome.leftToOtherRuns.length === 1 ? "it" : "them"} under way (${holders.join(", ")}), not run twice; ` +
          `run the same command again once that has ended, to run any it did not finish (a claim in ${join(flags.out, CLAIMS_FOLDER)} of a run on another host that died is deleted by hand)`,
      );
    }
    if (withFailedTrials.length > 0) {
      const first = withFailedTrials[0]!;
      io.err(
        `sextant: ${countNoun(failedTrials, "trial")} failed in ${countNoun(withFailedTrials.length, "run")}; they count toward the budget and the regret is that of the best finished trial ` +
          `(first: ${first.optimizer} on ${first.problem}, seed ${first.seed}: ${first.firstFailure})`,
      );
    }
    for (const line of noiselessFallbackWarnings(outcome.results)) io.err(line);
    if (outcome.failures.length > 0) io.err(`sextant: ${countNoun(outcome.failures.length, "run")} failed; rerun the same command to retry them`);
  }
  return outcome.failures.length > 0 ? 1 : 0;
}

/**
 * What `bench run` says of regrets that rest on an observed value because a noiseless value could
 * not be measured (its evaluation failed or gave no finite value; a command problem runs its
 * program again for it): a new incumbent's, a multi-fidelity incumbent's final value, and a
 * recommended trial's (the recommended-trial curve of noisy problems), each counted apart.
 *
 * @example
 * for (const line of noiselessFallbackWarnings(outcome.results)) io.err(line);
 */
export function noiselessFallbackWarnings(results: readonly RunResult[]): string[] {
  const kinds = [
    {
      runs: results.filter((r) => r.noiselessFailures !== undefined && r.fidelityUnitsPerTrial === undefined),
      count: (r: RunResult) => r.noiselessFailures!,
      first: (r: RunResult) => r.firstNoiselessFailure,
      what: (n: number, runs: number) => `in ${countNoun(runs, "run")}, the noiseless value of ${countNoun(n, "new incumbent")} could not be measured`,
      regret: "their regret is their observed value minus the reference",
    },
    {
      runs: results.filter((r) => r.noiselessFailures !== undefined && r.fidelityUnitsPerTrial !== undefined),
      count: (r: RunResult) => r.noiselessFailures!,
      first: (r: RunResult) => r.firstNoiselessFailure,
      what: (n: number, runs: number) => `in ${countNoun(runs, "multi-fidelity run")}, the noiseless final value of ${countNoun(n, "new incumbent")} could not be measured`,
      regret: "their regret is their observed final value minus the reference",
    },
    {
      runs: results.filter((r) => r.recommendedNoiselessFailures !== undefined),
      count: (r: RunResult) => r.recommendedNoiselessFailures!,
      first: (r: RunResult) => r.firstRecommendedNoiselessFailure,
      what: (n: number, runs: number) => `in ${countNoun(runs, "run")}, the noiseless value of ${countNoun(n, "recommended trial")} could not be measured`,
      regret: "their regret in the recommended-trial curve is their observed value minus the reference",
    },
  ];
  return kinds
    .filter((kind) => kind.runs.length > 0)
    .map((kind) => {
      const first = kind.runs[0]!;
      const total = kind.runs.reduce((sum, r) => sum + kind.count(r), 0);
      return (
        `sextant: ${kind.what(total, kind.runs.length)} (measuring it failed or gave no finite value); ${kind.regret} ` +
        `(first: ${first.optimizer} on ${first.problem}, seed ${first.seed}: ${kind.first(first)})`
      );
    });
}

/**
 * `sextant bench report DIR [--out FILE] [--budgets 30,100,300] [--optimizers a,b] [--focus auto] [--json]`.
 *
 * @example
 * await benchReportCommand("lab", { out: "docs/benchmarks.md" }, processIo());
 */
export async function benchReportCommand(dir: string, flags: { out?: string; budgets?: string; title?: string; command?: string; optimizers?: string; focus?: string; json?: boolean }, io: Io): Promise<number> {
  let budgets: number[] | undefined;
  if (flags.budgets !== undefined) {
    budgets = flags.budgets.split(",").map((s) => {
      // Decimal digits, a blank around a comma allowed as --seeds allows it: Number() read 0x10 as 16 and 1e2 as 100.
      const n = decimalInteger(s.trim());
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--budgets must be positive integers, comma-separated, got "${flags.budgets}"`);
      return n;
    });
    // The report has one row per budget: a repeat would be dropped without a word.
    const twice = budgets.find((b, i) => budgets!.indexOf(b) !== i);
    if (twice !== undefined) throw new UsageError(`--budgets: ${twice} is listed twice`);
  }
  // `--optimizers ,` said the run held no (problem, seed) that every optimizer had finished.
  const optimizers = flags.optimizers === undefined ? undefined : distinctList("--optimizers", flags.optimizers);
  if (optimizers?.length === 0) throw new UsageError("--optimizers: give at least one optimizer of the run");
  // "-": the Markdown alone goes to stdout (with --json, the report's data instead: it printed the
  // Markdown, --json unheard); its data and figures are still files, in DIR.
  const toStdout = isStandardOutput(flags.out);
  const printMarkdown = flags.json ? () => {} : (markdown: string) => io.write(markdown);
  const toFile = flags.out !== undefined && !toStdout;
  // Named by the flags, as bench run names its own; without --out the figures' folder is in DIR.
  const reportFlags = { budgets: "--budgets", optimizers: "--optimizers", focus: "--focus", out: toFile ? "--out" : "dir" };
  // As export's --output: `bench report lab --out sextant.db` replaced the storage with Markdown.
  if (toFile) await refuseSqliteTarget("--out", flags.out!);
  const written = await writeReport(dir, { ...(toFile ? { out: flags.out } : {}), ...(toStdout ? { printMarkdown } : {}), ...(budgets ? { budgets } : {}), ...(flags.title ? { title: flags.title } : {}), ...(flags.command ? { command: flags.command } : {}), ...(optimizers ? { optimizers } : {}), ...(flags.focus ? { focus: flags.focus } : {}) }).catch(
    asFlagError(reportFlags),
  );
  if (toStdout) {
    if (flags.json) io.write(readFileSync(written.json, "utf8"));
    io.err(`data: ${written.json}\nfigures: ${written.figures.length} SVG files in ${written.figureDir}`);
  } else if (flags.json) io.out(JSON.stringify(written, null, 2));
  else io.out(`report: ${written.markdown}\ndata: ${written.json}\nfigures: ${written.figures.length} SVG files in ${written.figureDir}`);
  return 0;
}

/** One suite as `sextant bench suites --json` prints it. */
export interface SuiteListing {
  name: string;
  problems: string[];
  /** What `bench run --suite NAME` runs without `--optimizers`; null where it needs `--optimizers`. */
  defaultOptimizers: string[] | null;
}

/**
 * `sextant bench suites [name] [--json]`: the named suites, their problems and the optimizers
 * `bench run` uses on them by default. JSON is a list of {@link SuiteListing}, as `sextant
 * samplers --json` lists samplers.
 *
 * @example
 * await benchSuitesCommand(undefined, { json: true }, processIo()); // [{ "name": "dev", "problems": [...], "defaultOptimizers": null }, …]
 */
export async function benchSuitesCommand(name: string | undefined, flags: { json?: boolean }, io: Io): Promise<number> {
  if (name !== undefined && SUITES[name] === undefined) {
    throw new UsageError(`unknown suite "${name}"; suites: ${Object.keys(SUITES).join(", ")}`);
  }
  const names = name === undefined ? Object.keys(SUITES) : [name];
  if (flags.json) {
    // It printed { suite: problems } only, without the optimizers the table shows.
    const listings: SuiteListing[] = names.map((n) => ({ name: n, problems: [...SUITES[n]!], defaultOptimizers: SUITE_OPTIMIZERS[n] ? [...SUITE_OPTIMIZERS[n]!] : null }));
    io.out(JSON.stringify(listings, null, 2));
    return 0;
  }
  if (name !== undefined) {
    for (const p of SUITES[name]!) io.out(p);
    return 0;
  }
  const rows = names.map((n) => [n, String(SUITES[n]!.length), SUITES[n]!.slice(0, 4).join(", ") + (SUITES[n]!.length > 4 ? ", …" : ""), SUITE_OPTIMIZERS[n]?.join(",") ?? "-"]);
  io.out(renderTable(["suite", "problems", "first problems", "default optimizers"], rows, 100));
  return 0;
}

/** Flags of `sextant bench tune`. */
export interface BenchTuneFlags {
  suite: string;
  testSuite?: string;
  candidates: string;
  trials: number;
  tuningSeeds: string;
  testSeeds: string;
  out: string;
  jobs?: number;
  json?: boolean;
}

/**
 * `sextant bench tune --suite dev --candidates A,B --trials N --tuning-seeds S --test-seeds T --out DIR [--test-suite test]`:
 * chooses the candidate with the best mean normalized score on the tuning seeds (Eimer et al. 2023),
 * then runs it unchanged on the disjoint test seeds, on the same problems or, with `--test-suite`,
 * on other problems (dev → test), and states both results.
 *
 * @example
 * await benchTuneCommand({ suite: "dev", testSuite: "test", candidates: "tpe,tpe:multivariate=false", trials: 50, tuningSeeds: "0-2", testSeeds: "100-102", out: "tune" }, processIo());
 */
export async function benchTuneCommand(flags: BenchTuneFlags, io: Io): Promise<number> {
  const problems = resolveSuite(flags.suite);
  const testProblems = flags.testSuite === undefined ? undefined : resolveSuite(flags.testSuite, "--test-suite");
  const candidates = candidateList(flags.candidates);
  const started = Date.now();
  // As bench run says it: an interrupted tune keeps its finished runs, and the same command goes on (it exited silently).
  const lab = labSignals((signal) => {
    io.err(`\nsextant: interrupted (${signal}); the finished runs are in ${join(flags.out, TUNING_FOLDER)} and ${join(flags.out, TEST_FOLDER)}: run the same command again to continue`);
    // A script reading --json got nothing to parse; bench run --json says "interrupted" the same way.
    if (flags.json) io.out(JSON.stringify({ out: resolve(flags.out), interrupted: true, signal, seconds: (Date.now() - started) / 1000 }, null, 2));
  });
  const outcome = await tuneThenTest({
    problems,
    ...(testProblems === undefined ? {} : { testProblems }),
    candidates,
    trials: flags.trials,
    tuningSeeds: parseSeeds(flags.tuningSeeds, "--tuning-seeds"),
    testSeeds: parseSeeds(flags.testSeeds, "--test-seeds"),
    outDir: flags.out,
    ...(flags.jobs === undefined ? {} : { jobs: flags.jobs }),
    signal: lab.signal,
    onWorkers: lab.onWorkers,
    onProgress: progressBar(io),
  })
    .catch(asFlagError(TUNE_FLAGS))
    .finally(lab.release);
  if (flags.json) {
    io.out(JSON.stringify({ ...outcome, tuningScores: Object.fromEntries(outcome.tuningScores), interrupted: false }, null, 2));
    return 0;
  }
  // Not the report's "mean normalized score" (a mean over every run): here each problem counts once.
  io.out(renderTable(["candidate", "normalized score, mean over problems of the median over tuning seeds"], [...outcome.tuningScores].map(([c, s]) => [c, formatNumber(s, 4)]), 100));
  const where = testProblems === undefined ? `the same ${countNoun(problems.length, "problem")}` : `${countNoun(testProblems.length, "other problem")} (${flags.testSuite})`;
  io.out(`chosen on the tuning seeds: ${outcome.incumbent} (score ${formatNumber(outcome.tuningScore, 4)}; tuning each problem separately would gain ${formatNumber(outcome.tuningLossAgainstPerProblem, 4)})`);
  io.out(`test result, on disjoint seeds and ${where}: ${formatNumber(outcome.testScore, 4)} (0 = optimum, 1 = random search)`);
  return 0;
}

/**
 * `sextant bench defaults DIR --candidates A,B,C [--budget N]`: "defaults that work everywhere" on
 * stored runs: the candidate with the best mean normalized score over all problems, and its loss
 * against choosing the best candidate per problem.
 *
 * @example
 * await benchDefaultsCommand("lab-dev", { candidates: "tpe,tpe:multivariate=false" }, processIo());
 */
export async function benchDefaultsCommand(dir: string, flags: { candidates: string; budget?: number; json?: boolean }, io: Io): Promise<number> {
  const candidates = candidateList(flags.candidates);
  const { results: stored, settings } = storedRun(dir);
  const unknown = candidates.filter((c) => !settings.optimizers.includes(c));
  if (unknown.length > 0) throw new UsageError(`--candidates: ${dir} holds no runs of "${unknown[0]}"; it holds ${settings.optimizers.join(", ")}`);
  // Only the (problem, seed) pairs every candidate and the random reference finished, as the report
  // compares: a candidate run on one more (hard) problem scored worse than one that never ran it,
  // and the default flipped.
  const reference = randomReference(settings.optimizers);
  const compared = new Set([...candidates, ...(reference === undefined ? [] : [reference])]);
  const wanted = stored.filter((r) => r.trials === settings.trials && compared.has(r.optimizer));
  const complete = completeBlocks(wanted);
  if (complete.length < wanted.length) {
    io.err(`${wanted.length - complete.length} run(s) of (problem, seed) pairs that not every candidate${reference === undefined ? "" : " and random search"} finished are left out, so that all are compared on the same instances`);
  }
  // Regret past a reference value is measured from the best run, as the report does.
  const results = rebaseReferenceProblems(complete).results;
  // The runs hold settings.trials trials: a larger budget was read at the last trial, under its name.
  if (flags.budget !== undefined && flags.budget > settings.trials) {
    throw new UsageError(`--budget: the runs in ${dir} have ${settings.trials} trials, fewer than ${flags.budget}`);
  }
  const budget = flags.budget ?? settings.trials;
  let found: DefaultsSearch;
  try {
    found = defaultsEverywhere(results, candidates, budget);
  } catch (error) {
    throw new UsageError(`--candidates: ${(error as Error).message}`);
  }
  if (flags.json) {
    io.out(JSON.stringify({ best: found.best, budget, scores: Object.fromEntries(found.scores), lossAgainstTuning: found.lossAgainstTuning }, null, 2));
    return 0;
  }
  // Not the report's "mean normalized score" (a mean over every run): here each problem counts once.
  io.out(renderTable(["candidate", `normalized score at ${budget} trials, mean over problems of the median over seeds`], [...found.scores].map(([c, s]) => [c, formatNumber(s, 4)]), 100));
  io.out(`default that works everywhere: ${found.best}; choosing per problem instead would gain ${formatNumber(found.lossAgainstTuning, 4)} in that score`);
  return 0;
}

/**
 * `sextant bench subset DIR --references A,B,C --size K` (carps): the K problems of a stored run
 * whose normalized-performance points under the reference optimizers have the smallest star
 * discrepancy; with `--test M`, a test subset of M and a disjoint dev subset of K, each stratified
 * by the report's groups.
 *
 * @example
 * await benchSubsetCommand("split-run", { references: "optuna-random,optuna-tpe,optuna-cmaes", size: 10 }, processIo());
 */
export async function benchSubsetCommand(dir: string, flags: { references: string; size: number; test?: number; json?: boolean }, io: Io): Promise<number> {
  // Each once: a reference listed twice was a second coordinate of every point, and changed the subset.
  const references = distinctList("--references", flags.references);
  if (references.length === 0) throw new UsageError("--references: give at least one optimizer of the run");
  const { results, settings } = storedRun(dir);
  const unknown = references.filter((r) => !settings.optimizers.includes(r));
  if (unknown.length > 0) throw new UsageError(`--references: ${dir} holds no runs of "${unknown[0]}"; it holds ${settings.optimizers.join(", ")}`);
  const points = referencePerformancePoints(results, references);
  const wanted = flags.size + (flags.test ?? 0);
  if (wanted > points.length) {
    // Named as given: with --test, the count is the sum of both sides, which neither flag said.
    const asked = flags.test === undefined ? "--size" : `--size ${flags.size} and --test ${flags.test}`;
    throw new UsageError(`${asked}: ${wanted} problems asked for, ${dir} has ${points.length} with runs of every reference`);
  }
  if (flags.test !== undefined) {
    const split = splitDevTest(points, flags.size, flags.test, splitStratum);
    if (flags.json) {
      io.out(JSON.stringify(split, null, 2));
      return 0;
    }
    io.out(`dev (${split.dev.length} problems, star discrepancy ${formatNumber(split.devDiscrepancy, 4)}): ${split.dev.join(", ")}`);
    io.out(`test (${split.test.length} problems, star discrepancy ${formatNumber(split.testDiscrepancy, 4)}): ${split.test.join(", ")}`);
    return 0;
  }
  const coordinates = rankTransform(points.map((p) => p.point));
  const chosen = selectRepresentativeSubset(coordinates, flags.size);
  const problems = chosen.map((i) => points[i]!.problem);
  const discrepancy = starDiscrepancy(chosen.map((i) => coordinates[i]!));
  if (flags.json) {
    io.out(JSON.stringify({ problems, starDiscrepancy: discrepancy, of: points.length }, null, 2));
    return 0;
  }
  io.out(`${problems.length} of ${points.length} problems, star discrepancy ${formatNumber(discrepancy, 4)}: ${problems.join(", ")}`);
  return 0;
}

function storedRun(dir: string): { results: RunResult[]; settings: RunSettings } {
  let settings: RunSettings | null;
  try {
    settings = readRunSettings(dir);
  } catch (error) {
    return asUsageError(error);
  }
  if (settings === null) throw new UsageError(`dir: ${noRunMessage(dir)}`);
  const results = readResults(dir);
  try {
    refuseUnknownProblems(dir, results);
  } catch (error) {
    return asUsageError(error);
  }
  return { results, settings };
}
