/**
 * `sextant bench run | report | suites`: the benchmark lab from the command line.
 */
import { resolve } from "node:path";
import { labProblemNames } from "../bench/problems/index.js";
import { BenchmarkInputError, OptimizerSpecError, runBenchmark, SUITES, type BenchmarkProgress } from "../bench/lab/index.js";
import { writeReport } from "../bench/lab/report.js";
import { OptionError, closestName } from "../space/index.js";
import { UsageError } from "./errors.js";
import { renderTable } from "./format.js";
import type { Io } from "./io.js";

export interface BenchRunFlags {
  suite: string;
  optimizers: string;
  trials: number;
  seeds: string;
  out: string;
  jobs?: number;
  json?: boolean;
}

/**
 * Suite names and problem names, comma-separated, as one de-duplicated problem list.
 *
 * @example
 * resolveSuite("smoke,rosenbrock-50d"); // the smoke suite's problems, then rosenbrock-50d
 */
export function resolveSuite(text: string): string[] {
  const known = new Set(labProblemNames());
  const problems: string[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const members = SUITES[item] ?? (known.has(item) ? [item] : undefined);
    if (members === undefined) {
      const close = closestName(item, [...Object.keys(SUITES), ...known]);
      throw new UsageError(
        `--suite: "${item}" is neither a suite (${Object.keys(SUITES).join(", ")}) nor a problem${close ? ` (did you mean "${close}"?)` : ""}; \`sextant problems\` lists the problems`,
      );
    }
    for (const p of members) if (!problems.includes(p)) problems.push(p);
  }
  if (problems.length === 0) throw new UsageError("--suite: give a suite or at least one problem");
  return problems;
}

/**
 * `--seeds`: a count N (seeds 0 … N−1), a range A-B (inclusive), or a comma-separated list.
 *
 * @example
 * parseSeeds("3");      // [0, 1, 2]
 * parseSeeds("100-102"); // [100, 101, 102]
 * parseSeeds("4,7");    // [4, 7]
 */
export function parseSeeds(text: string): number[] {
  const bad = (): never => {
    throw new UsageError(`--seeds must be a count N, a range A-B or a list A,B,C of non-negative integers, got "${text}"`);
  };
  const int = (s: string): number => (/^\d+$/.test(s.trim()) ? Number(s) : bad());
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  let seeds: number[];
  if (range) {
    const [low, high] = [Number(range[1]), Number(range[2])];
    if (high < low) bad();
    seeds = Array.from({ length: high - low + 1 }, (_, i) => low + i);
  } else if (text.includes(",")) seeds = text.split(",").map(int);
  else {
    const count = int(text);
    if (count === 0) bad();
    seeds = Array.from({ length: count }, (_, i) => i);
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds lists a seed twice: "${text}"`);
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
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total}${p.resumed ? ` (${p.resumed} resumed)` : ""}${last}`.slice(0, 110).padEnd(110));
    if (p.done === p.total) process.stderr.write("\n");
  };
}

function asUsageError(error: unknown): never {
  if (error instanceof BenchmarkInputError || error instanceof OptimizerSpecError || error instanceof OptionError) throw new UsageError(error.message);
  throw error;
}

/**
 * `sextant bench run --suite S --optimizers O --trials N --seeds S --out DIR [--jobs J] [--json]`.
 *
 * @example
 * await benchRunCommand({ suite: "smoke", optimizers: "tpe,random", trials: 30, seeds: "3", out: "lab" }, processIo());
 */
export async function benchRunCommand(flags: BenchRunFlags, io: Io): Promise<number> {
  const problems = resolveSuite(flags.suite);
  const seeds = parseSeeds(flags.seeds);
  const started = Date.now();
  const outcome = await runBenchmark({
    problems,
    optimizers: flags.optimizers.split(",").filter((s) => s.trim() !== ""),
    trials: flags.trials,
    seeds,
    outDir: flags.out,
    ...(flags.jobs === undefined ? {} : { jobs: flags.jobs }),
    onProgress: progressBar(io),
  }).catch(asUsageError);
  const seconds = (Date.now() - started) / 1000;
  if (flags.json) {
    io.out(JSON.stringify({ out: resolve(flags.out), runs: outcome.results.length, failures: outcome.failures, seconds }, null, 2));
  } else {
    io.out(`${outcome.results.length} runs in ${flags.out} (${seconds.toFixed(0)} s); next: sextant bench report ${flags.out}`);
    if (outcome.failures.length > 0) io.err(`sextant: ${outcome.failures.length} runs failed; rerun the same command to retry them`);
  }
  return outcome.failures.length > 0 ? 1 : 0;
}

/**
 * `sextant bench report DIR [--out FILE] [--budgets 30,100,300] [--json]`.
 *
 * @example
 * await benchReportCommand("lab", { out: "docs/benchmarks.md" }, processIo());
 */
export async function benchReportCommand(dir: string, flags: { out?: string; budgets?: string; title?: string; command?: string; json?: boolean }, io: Io): Promise<number> {
  let budgets: number[] | undefined;
  if (flags.budgets !== undefined) {
    budgets = flags.budgets.split(",").map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--budgets must be positive integers, comma-separated, got "${flags.budgets}"`);
      return n;
    });
  }
  const written = await writeReport(dir, { ...(flags.out ? { out: flags.out } : {}), ...(budgets ? { budgets } : {}), ...(flags.title ? { title: flags.title } : {}), ...(flags.command ? { command: flags.command } : {}) }).catch(asUsageError);
  if (flags.json) io.out(JSON.stringify(written, null, 2));
  else io.out(`report: ${written.markdown}\ndata: ${written.json}\nfigures: ${written.figures.length} SVG files in ${written.figureDir}`);
  return 0;
}

/**
 * `sextant bench suites [name] [--json]`: the named suites and their problems.
 *
 * @example
 * await benchSuitesCommand(undefined, { json: true }, processIo());
 */
export async function benchSuitesCommand(name: string | undefined, flags: { json?: boolean }, io: Io): Promise<number> {
  if (name !== undefined && SUITES[name] === undefined) {
    throw new UsageError(`unknown suite "${name}"; suites: ${Object.keys(SUITES).join(", ")}`);
  }
  const names = name === undefined ? Object.keys(SUITES) : [name];
  if (flags.json) {
    io.out(JSON.stringify(Object.fromEntries(names.map((n) => [n, SUITES[n]])), null, 2));
    return 0;
  }
  if (name !== undefined) {
    for (const p of SUITES[name]!) io.out(p);
    return 0;
  }
  io.out(renderTable(["suite", "problems", "first problems"], names.map((n) => [n, String(SUITES[n]!.length), SUITES[n]!.slice(0, 4).join(", ") + (SUITES[n]!.length > 4 ? ", …" : "")]), 100));
  return 0;
}
