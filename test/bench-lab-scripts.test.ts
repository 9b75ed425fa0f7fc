// Benchmark scripts that read the lab's stored runs (bench/high-dimensional.mjs, bench/noise-model.mjs)
// or a report's page (bench/lab-splice.mjs): a run with no incumbent yet holds NO_INCUMBENT_REGRET in
// its curve, a marker, not a regret, and the report reads it as ∞. Each script is run on a results
// folder or page written here; the lab resumes from the folder, so nothing is optimized.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildReport } from "../src/bench/lab/report.js";
import { NO_INCUMBENT_REGRET, type RunResult } from "../src/bench/lab/run-one.js";

const root = resolve(import.meta.dirname, "..");
const NONE = NO_INCUMBENT_REGRET;
// A multi-fidelity problem, where a pruner can stop every trial before it completes (no incumbent).
const PROBLEM = "learning-curves-3d-fidelity";
const PRUNING = "random+threshold:upper=0.01";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A results folder holding these runs (2 trials each), as `sextant bench run --out` leaves it. */
function resultsFolder(runs: { optimizer: string; seed: number; curve: number[] }[]): string {
  const dir = mkdtempSync(join(tmpdir(), "sextant-bench-scripts-"));
  dirs.push(dir);
  const lines = runs.map((r) => JSON.stringify({ problem: PROBLEM, trials: 2, bestValue: 0.5, seconds: 0, optimizerSeconds: 0, fidelityUnitsPerTrial: 27, fidelityName: "step", ...r }));
  writeFileSync(join(dir, "results.jsonl"), `${lines.join("\n")}\n`);
  return dir;
}

function runScript(script: string, args: string[]): string {
  const run = spawnSync(process.execPath, [join(root, "bench", script), ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** A two-seed report page of 3-trial runs, written as `sextant bench report` writes its JSON (∞ as "Infinity"). */
function page(curves: Record<string, [number[], number[]]>): string {
  const dir = mkdtempSync(join(tmpdir(), "sextant-bench-page-"));
  dirs.push(dir);
  const problems = ["branin-2d", "hartmann3-3d"];
  const settings = { trials: 3, problems, optimizers: Object.keys(curves), seeds: [0, 1] };
  const runs: RunResult[] = problems.flatMap((problem, p) =>
    Object.entries(curves).flatMap(([optimizer, bySeed]) =>
      bySeed.map((curve, seed) => ({ problem, optimizer, seed, trials: 3, curve: p === 0 ? curve : curve.map((x) => (x === NONE ? x : 2 * x)), bestValue: 0, seconds: 0, optimizerSeconds: 0 })),
    ),
  );
  const data = buildReport(runs, settings, [1, 3], "page");
  const file = join(dir, "page.json");
  writeFileSync(file, JSON.stringify(data, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)));
  return file;
}

describe("bench scripts on runs with no incumbent yet", () => {
  it("high-dimensional prints ∞ for them, counts them as losses, and leaves their pairs out of the geometric mean", () => {
    const out = resultsFolder([
      { optimizer: "random", seed: 0, curve: [0.2, 0.1] },
      { optimizer: "random", seed: 1, curve: [0.3, 0.3] },
      { optimizer: PRUNING, seed: 0, curve: [NONE, 0.05] },
      { optimizer: PRUNING, seed: 1, curve: [NONE, NONE] },
    ]);
    const printed = runScript("high-dimensional.mjs", ["--problems", PROBLEM, "--optimizers", `random,${PRUNING}`, "--trials", "2", "--seeds", "2", "--budgets", "1,2", "--out", out]);
    expect(printed).not.toMatch(/e\+30\d/);
    expect(printed).toContain(`${PROBLEM} (3-D) | 0.250 [0.225, 0.275] (2) | ∞ [∞, ∞] (2)`);
    expect(printed).toContain(`${PROBLEM} (3-D) | 0.200 [0.150, 0.250] (2) | ∞ [∞, ∞] (2)`);
    expect(printed).toMatch(/wins-ties-losses 2-0-0 over 2 \(problem, seed\) pairs; geometric-mean regret ratio -x \(2 pairs with no incumbent yet on a side left out\)/);
    expect(printed).toMatch(/wins-ties-losses 1-0-1 over 2 \(problem, seed\) pairs; geometric-mean regret ratio 2\.000x \(1 pairs with no incumbent yet on a side left out\)/);
  }, 60_000);

  it("noise-model prints ∞ for their final regret and leaves them out of ratios", () => {
    const out = resultsFolder([
      { optimizer: "random", seed: 0, curve: [0.2, 0.1] },
      { optimizer: "random", seed: 1, curve: [0.3, 0.3] },
      { optimizer: PRUNING, seed: 0, curve: [NONE, NONE] },
      { optimizer: PRUNING, seed: 1, curve: [NONE, NONE] },
    ]);
    const printed = runScript("noise-model.mjs", ["--suite", PROBLEM, "--baseline", "random", "--candidates", PRUNING, "--trials", "2", "--seeds", "2", "--out", out]);
    expect(printed).not.toMatch(/e\+30\d|Infinity|NaN/);
    expect(printed).toMatch(new RegExp(`${PROBLEM} +∞ \\[∞\\.\\.∞\\]  vs +0\\.200 \\[0\\.150\\.\\.0\\.250\\]  ratio -  seeds W/T/L 0/0/2`));
    expect(printed).toContain("problems (median) W/T/L 0/0/1; runs W/T/L 0/0/2; geometric-mean ratio -");
  }, 60_000);

  it("lab-splice refuses a page where a run had no incumbent yet, whose runs the quartiles cannot give back", () => {
    const curves: Record<string, [number[], number[]]> = { random: [[0.5, 0.4, 0.3], [0.6, 0.5, 0.2]], auto: [[0.4, 0.2, 0.1], [0.3, 0.3, 0.05]] };
    // Every run with an incumbent: the page is re-scored as published.
    expect(runScript("lab-splice.mjs", ["--check", "--page", page(curves)])).toMatch(/largest difference \d\.\d\de-(1[3-9]|[2-9]\d)/);
    const run = spawnSync(process.execPath, [join(root, "bench/lab-splice.mjs"), "--check", "--page", page({ ...curves, auto: [[NONE, 0.2, 0.1], [0.3, 0.3, 0.05]] })], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/branin-2d, auto at 1 trials has median Infinity \[Infinity, Infinity\]: a run had no incumbent yet there, so the runs cannot be recovered from the page/);
  }, 60_000);
});
