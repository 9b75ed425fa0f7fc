import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PROBLEM_REFERENCES } from "../problems/index.js";
import { parseOptimizerSpec } from "./optimizers.js";
import { runJob } from "./run-one.js";
import { readResults, runBenchmark } from "./runner.js";
import { useStandInPython, writeStandInPython } from "../../../test/fixtures/stand-in-python.js";

// Lab problems whose noiseless value cannot be measured: `unmeasurable-NAME` is problem NAME with
// its noiseless evaluation failing, a command's crash and a value that is not finite in turn.
vi.mock("../problems/index.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../problems/index.js")>();
  const PREFIX = "unmeasurable-";
  let calls = 0;
  const fail = (): number => {
    if (calls++ % 2 === 0) throw new actual.CommandProblemError("the noiseless re-run crashed");
    return NaN;
  };
  return {
    ...actual,
    createLabProblem: (name: string, options?: Parameters<typeof actual.createLabProblem>[1]) => {
      if (!name.startsWith(PREFIX)) return actual.createLabProblem(name, options);
      const problem = actual.createLabProblem(name.slice(PREFIX.length), options);
      if (actual.isFidelityProblem(problem)) return { ...problem, name, finalNoiseless: async () => fail() };
      return { ...problem, name, evaluateNoiseless: fail };
    },
  };
});

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "sextant-run-one-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("a command problem whose program fails when run again for a new incumbent's regret", () => {
  it("keeps the run: the regret falls back to the observed value minus the reference, and the fallbacks are counted", async () => {
    // A stand-in for the scikit-learn problems' Python that answers each configuration once: run
    // again with the same parameters (as the lab does to measure a new incumbent's noiseless
    // value), it crashes for odd n_neighbors and prints "nan" for even ones.
    const dir = tempDir();
    const seen = join(dir, "seen");
    mkdirSync(seen);
    const program = join(dir, "python");
    writeStandInPython(program, [
      `const marker = ${JSON.stringify(seen)} + '/' + encodeURIComponent(json);`,
      "if (fs.existsSync(marker)) {",
      "  if (p.n_neighbors % 2 === 1) { console.error('crashed on the second run'); process.exit(2); }",
      "  console.log('nan');",
      "} else {",
      "  fs.writeFileSync(marker, '');",
      "  console.log('sextant: ' + JSON.stringify({ value: p.n_neighbors / 100 + (p.weights === 'distance' ? 0.001 : 0) + p.p / 10000 }));",
      "}",
    ]);
    await useStandInPython(program);

    const out = join(dir, "out");
    // One optimizer at a time, each starting with no configuration seen, so that a configuration
    // both happen to try fails no trial.
    for (const optimizer of ["random", "optuna-random"]) {
      rmSync(seen, { recursive: true });
      mkdirSync(seen);
      const { failures } = await runBenchmark({ problems: ["sklearn-knn-iris"], optimizers: [optimizer], trials: 8, seeds: [0], outDir: out, jobs: 1 });
      expect(failures).toEqual([]);
    }
    expect(readResults(out).map((r) => r.optimizer)).toEqual(["random", "optuna-random"]);
    const reference = PROBLEM_REFERENCES["sklearn-knn-iris"]!.best;
    for (const r of readResults(out)) {
      // Every trial ran once and succeeded; only the re-runs failed.
      expect(r.failedTrials, r.optimizer).toBeUndefined();
      expect(r.curve).toHaveLength(8);
      expect(r.curve.every((x) => Number.isFinite(x))).toBe(true);
      // Each new incumbent's re-run failed: one fallback per change of the curve.
      const changes = r.curve.filter((x, i) => i === 0 || x !== r.curve[i - 1]).length;
      expect(r.noiselessFailures, r.optimizer).toBe(changes);
      expect(r.firstNoiselessFailure).toMatch(/failed \(exit code 2\): crashed on the second run|the program reported no finite value/);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeLessThanOrEqual(r.curve[i - 1]!);
      expect(r.curve.at(-1)).toBeCloseTo(r.bestValue - reference, 12);
    }

    const { writeReport } = await import("./report.js");
    const written = await writeReport(out);
    expect(readFileSync(written.markdown, "utf8")).toMatch(/\d+ regrets, in 2 runs of `random`, `optuna-random`, are the observed value minus the reference/);
  }, 120_000);
});

describe("noiseless values that cannot be measured, beyond the incumbent's", () => {
  it("a recommended trial's regret falls back to its observed value minus the reference, and the fallbacks are counted", async () => {
    const result = await runJob({ problem: "unmeasurable-hartmann3-3d-noisy", optimizer: parseOptimizerSpec("gp:noisePrior=gamma"), seed: 2, trials: 14 });
    expect(result.recommendedCurve).toHaveLength(14);
    // Before the fix: a crash failed the run, and a value that is not finite gave a NaN regret.
    expect(result.recommendedCurve!.every(Number.isFinite)).toBe(true);
    expect(result.curve.every(Number.isFinite)).toBe(true);
    expect(result.recommendedNoiselessFailures).toBeGreaterThan(0);
    expect(result.firstRecommendedNoiselessFailure).toMatch(/the noiseless re-run crashed|not a finite number/);
    // A model recommended trials after its startup design (7 trials in 3-D); before, the curves agree.
    expect(result.recommendedCurve!.slice(0, 7)).toEqual(result.curve.slice(0, 7));
  }, 60_000);

  it("gives the same run for the same seed under Hyperband, whose brackets hang on the study's name", async () => {
    // Each study was named from the clock, so a rerun pruned other trials and ended elsewhere.
    const job = { problem: "learning-curves-3d-fidelity", optimizer: parseOptimizerSpec("tpe+hyperband"), seed: 1, trials: 16 };
    const [first, second] = [await runJob(job), await runJob(job)];
    expect(second.curve).toEqual(first.curve);
    expect([second.trialsStarted, second.bestValue]).toEqual([first.trialsStarted, first.bestValue]);
  }, 60_000);

  it("a multi-fidelity incumbent's regret falls back to its observed final value minus the optimum, and the fallbacks are counted", async () => {
    // Augmented Branin is noiseless: its observed final value is its noiseless one.
    const result = await runJob({ problem: "unmeasurable-augmented-branin-2d-fidelity", optimizer: parseOptimizerSpec("random"), seed: 0, trials: 4 });
    expect(result.curve).toHaveLength(4);
    expect(result.curve.every(Number.isFinite)).toBe(true);
    expect(result.curve.at(-1)).toBeCloseTo(result.bestValue - 0.39788735772973816, 12);
    const changes = result.curve.filter((x, i) => i === 0 || x !== result.curve[i - 1]).length;
    expect(result.noiselessFailures).toBeGreaterThanOrEqual(changes);
    expect(result.firstNoiselessFailure).toMatch(/the noiseless re-run crashed|not a finite number/);
  });
});
