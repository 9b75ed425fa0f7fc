import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PROBLEM_REFERENCES } from "../problems/index.js";
import { currentWorker, type WorkerIdentity } from "../../study/worker-identity.js";
import { CLAIMS_FOLDER, cellClaimFile } from "./claims.js";
import { BenchmarkInputError, MAX_TRIALS_PER_RUN, RESULTS_FILE, RUN_FILE, makeWritableFolder, readResults, readRunSettings, runBenchmark, type BenchmarkProgress } from "./runner.js";
import { NO_INCUMBENT_REGRET, runKey, type RunResult } from "./run-one.js";
import { useStandInPython, writeStandInPython } from "../../../test/fixtures/stand-in-python.js";
import { lockedFolder, readOnlyMount } from "../../../test/fixtures/unwritable-folder.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "sextant-lab-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const grid = { problems: ["branin-2d", "hartmann3-3d-noisy"], optimizers: ["tpe", "random"], trials: 12, jobs: 1 };

const byKey = (results: { problem: string; optimizer: string; seed: number; curve: number[] }[]) =>
  Object.fromEntries(results.map((r) => [runKey(r.problem, r.optimizer, r.seed), r.curve]));

describe("makeWritableFolder", () => {
  const refusal = (path: string): string => {
    try {
      makeWritableFolder("outDir", path);
    } catch (error) {
      expect(error).toBeInstanceOf(BenchmarkInputError);
      return (error as Error).message;
    }
    return "made";
  };

  it("names the option and the cause (see ensureWritableFolder), where Node's recursive mkdir said ENOENT", (context) => {
    const dir = tempDir();
    expect(refusal(join(dir, "lab"))).toBe("made");
    writeFileSync(join(dir, "file"), "");
    expect(refusal(join(dir, "file"))).toBe(`outDir: cannot write to ${join(dir, "file")}: it is a file, not a folder`);
    // Read-only for root, mode 555 for any other user.
    const folder = readOnlyMount(dir) ?? lockedFolder(dir);
    if (folder === null) return context.skip("root without mount: no folder it cannot write");
    try {
      expect(refusal(join(folder.dir, "lab"))).toBe(`outDir: cannot write to ${join(folder.dir, "lab")}: ${folder.reason}`);
    } finally {
      folder.release();
    }
  });
});

describe("runBenchmark", () => {
  it("gives a resumed run the same results as an uninterrupted one", async () => {
    const whole = await runBenchmark({ ...grid, seeds: [0, 1], outDir: tempDir() });
    expect(whole.results).toHaveLength(8);
    expect(whole.failures).toEqual([]);

    const dir = tempDir();
    await runBenchmark({ ...grid, seeds: [1], outDir: dir });
    // A crash while a result was being written leaves a torn last line, which the next result carries on.
    appendFileSync(join(dir, RESULTS_FILE), '{"problem":"branin-2d","optimizer":"tpe","se');
    const progress: BenchmarkProgress[] = [];
    const resumed = await runBenchmark({ ...grid, seeds: [0, 1], outDir: dir, onProgress: (p) => progress.push(p) });
    expect(progress[0]).toEqual({ done: 4, total: 8, resumed: 4 });
    expect(byKey(resumed.results)).toEqual(byKey(whole.results));

    const again: BenchmarkProgress[] = [];
    await runBenchmark({ ...grid, seeds: [0, 1], outDir: dir, onProgress: (p) => again.push(p) });
    expect(again).toEqual([{ done: 8, total: 8, resumed: 8 }]);
    expect(readResults(dir)).toHaveLength(8);
  });

  it("reads a run that two bench runs into one folder both appended once, so the report does not count it twice", async () => {
    const dir = tempDir();
    await runBenchmark({ ...grid, seeds: [0], outDir: dir });
    const lines = readFileSync(join(dir, RESULTS_FILE), "utf8").trim().split("\n");
    // The second of two runs started together appends every run the first did: each was read twice,
    // and the report said "8 runs: 2 problems × 2 optimizers × seeds 0" with a seed counted twice.
    appendFileSync(join(dir, RESULTS_FILE), `${lines.slice(0, 3).join("\n")}\n`);
    const results = readResults(dir);
    expect(results).toHaveLength(4);
    expect(results.map((r) => JSON.stringify(r))).toEqual(lines);
    // A run of another budget is not the same run: the folder's readers filter by trials.
    const longer = { ...(JSON.parse(lines[0]!) as { trials: number }), trials: 13 };
    appendFileSync(join(dir, RESULTS_FILE), `${JSON.stringify(longer)}\n`);
    expect(readResults(dir)).toHaveLength(5);
  });

  it("redoes a run whose stored curve is not all numbers (NaN written as null) rather than reading it as the optimum", async () => {
    const dir = tempDir();
    const whole = await runBenchmark({ ...grid, seeds: [0], outDir: dir });
    const lines = readFileSync(join(dir, RESULTS_FILE), "utf8").trim().split("\n");
    const broken = JSON.parse(lines[0]!) as RunResult;
    writeFileSync(join(dir, RESULTS_FILE), [JSON.stringify({ ...broken, curve: [...broken.curve.slice(0, -1), null] }), ...lines.slice(1)].join("\n") + "\n");
    expect(readResults(dir).map((r) => runKey(r.problem, r.optimizer, r.seed))).not.toContain(runKey(broken.problem, broken.optimizer, broken.seed));
    expect(readResults(dir)).toHaveLength(3);
    const progress: BenchmarkProgress[] = [];
    const again = await runBenchmark({ ...grid, seeds: [0], outDir: dir, onProgress: (p) => progress.push(p) });
    expect(progress[0]).toEqual({ done: 3, total: 4, resumed: 3 });
    expect(byKey(again.results)).toEqual(byKey(whole.results));
    expect(readResults(dir)).toHaveLength(4);
  });

  it("records the incumbent's noiseless regret, which never increases on noiseless problems", async () => {
    const dir = tempDir();
    const { results } = await runBenchmark({ ...grid, problems: ["branin-2d"], seeds: [3], outDir: dir });
    for (const r of results) {
      expect(r.curve).toHaveLength(12);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeLessThanOrEqual(r.curve[i - 1]!);
      expect(r.curve.at(-1)).toBeGreaterThanOrEqual(0);
    }
    const lines = readFileSync(join(dir, RESULTS_FILE), "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
  });

  it("on noisy problems also records the regret of the study's recommended trial, the GP's best posterior mean", async () => {
    const dir = tempDir();
    const { results } = await runBenchmark({ problems: ["hartmann3-3d-noisy", "branin-2d"], optimizers: ["gp:noisePrior=gamma", "random"], trials: 14, seeds: [2], outDir: dir, jobs: 1 });
    const gp = results.find((r) => r.problem === "hartmann3-3d-noisy" && r.optimizer === "gp:noisePrior=gamma")!;
    expect(gp.recommendedCurve).toHaveLength(14);
    // The startup design (7 trials in 3-D) has no model: the recommendation is the best observed trial there.
    expect(gp.recommendedCurve!.slice(0, 7)).toEqual(gp.curve.slice(0, 7));
    expect(gp.recommendedCurve!.every((r) => r >= -1e-9)).toBe(true);
    // A sampler without a model falls back to the best observed trial throughout.
    const random = results.find((r) => r.problem === "hartmann3-3d-noisy" && r.optimizer === "random")!;
    expect(random.recommendedCurve).toEqual(random.curve);
    // Noiseless problems have one incumbent only.
    expect(results.filter((r) => r.problem === "branin-2d").every((r) => r.recommendedCurve === undefined)).toBe(true);
  });

  it("stops at its signal: no run starts after the abort, the finished ones are kept, and it rejects with the reason", async () => {
    const dir = tempDir();
    const stop = new AbortController();
    const run = runBenchmark({ ...grid, problems: ["branin-2d"], seeds: [0, 1], outDir: dir, signal: stop.signal, onProgress: (p) => p.done === 1 && stop.abort("SIGQUIT") });
    await expect(run).rejects.toBe("SIGQUIT");
    expect(readResults(dir)).toHaveLength(1);
    await expect(runBenchmark({ ...grid, seeds: [0], outDir: tempDir(), signal: stop.signal })).rejects.toBe("SIGQUIT");
  });

  it("names the setting that is wrong", async () => {
    const dir = tempDir();
    await expect(runBenchmark({ ...grid, trials: 0, seeds: [0], outDir: dir })).rejects.toThrow(/^trials: must be a positive integer/);
    await expect(runBenchmark({ ...grid, problems: ["branin2"], seeds: [0], outDir: dir })).rejects.toThrow(/problems: unknown problem "branin2"/);
    await expect(runBenchmark({ ...grid, optimizers: ["tpee"], seeds: [0], outDir: dir })).rejects.toThrow(/optimizers: unknown optimizer "tpee"/);
    await expect(runBenchmark({ ...grid, seeds: [-1], outDir: dir })).rejects.toThrow(/seeds: must be non-negative/);
    await runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: ["random"], seeds: [0], outDir: dir });
    const other = runBenchmark({ ...grid, trials: 20, problems: ["branin-2d"], optimizers: ["random"], seeds: [0], outDir: dir });
    await expect(other).rejects.toBeInstanceOf(BenchmarkInputError);
    await expect(other).rejects.toThrow(/trials: .* holds runs of 12 trials, not 20/);
  });

  it("refuses a budget past MAX_TRIALS_PER_RUN before anything is made, naming trials", async () => {
    const dir = join(tempDir(), "lab");
    // Aborted: were the budget taken, the run would stop at once rather than run 1e12 trials.
    const huge = runBenchmark({ ...grid, trials: 1e12, seeds: [0], outDir: dir, signal: AbortSignal.abort("stopped") });
    await expect(huge).rejects.toBeInstanceOf(BenchmarkInputError);
    await expect(huge).rejects.toThrow(`trials: must be at most ${MAX_TRIALS_PER_RUN} (a run keeps its trials in memory and stores a regret per trial on one line of results.jsonl), got 1000000000000`);
    await expect(runBenchmark({ ...grid, trials: MAX_TRIALS_PER_RUN + 1, seeds: [0], outDir: dir, signal: AbortSignal.abort("stopped") })).rejects.toThrow(/^trials: must be at most/);
    expect(existsSync(dir)).toBe(false);
  });

  it("leaves a run that another live run has claimed to it, and takes over a claim whose process is gone", async () => {
    const dir = tempDir();
    const claim = (seed: number, who: WorkerIdentity): string => {
      const file = cellClaimFile(dir, runKey("branin-2d", "random", seed));
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, JSON.stringify({ ...who, what: "a cell", since: new Date().toISOString() }));
      return file;
    };
    // Another process alive on this host (the parent of this one), whose start time is unknown.
    const live = claim(1, { ...currentWorker(), id: "other", pid: process.ppid, startTime: null });
    const gone = claim(0, { ...currentWorker(), id: "gone", pid: spawnSync("true").pid! });
    const progress: BenchmarkProgress[] = [];
    const outcome = await runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: ["random"], seeds: [0, 1, 2], outDir: dir, onProgress: (p) => progress.push(p) });
    expect(outcome.results.map((r) => r.seed)).toEqual([0, 2]);
    expect(outcome.leftToOtherRuns).toEqual([{ problem: "branin-2d", optimizer: "random", seed: 1, heldBy: `pid ${process.ppid} on ${hostname()}` }]);
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, leftToOtherRuns: 1 });
    // The live claim stands; the stale one was taken over, then released with the run done.
    expect([existsSync(live), existsSync(gone)]).toEqual([true, false]);
    // Once that run has made it, it is found, not run again.
    appendFileSync(join(dir, RESULTS_FILE), `${JSON.stringify({ ...outcome.results[0]!, seed: 1 })}\n`);
    rmSync(live);
    const again = await runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: ["random"], seeds: [0, 1, 2], outDir: dir });
    expect([again.resumed, again.madeByOtherRuns, again.leftToOtherRuns]).toEqual([3, 0, []]);
  });

  it("waits for another run recording its settings in run.json, where two runs started together each wrote theirs alone", async () => {
    const dir = tempDir();
    const lock = join(dir, CLAIMS_FOLDER, `${RUN_FILE}.lock`);
    mkdirSync(join(dir, CLAIMS_FOLDER));
    writeFileSync(lock, JSON.stringify({ ...currentWorker(), id: "other", pid: process.ppid, startTime: null, what: RUN_FILE, since: new Date().toISOString() }));
    const run = runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: ["random"], seeds: [0], outDir: dir });
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(dir, RUN_FILE))).toBe(false);
    rmSync(lock);
    expect((await run).results).toHaveLength(1);
    expect(readRunSettings(dir)?.optimizers).toEqual(["random"]);
  });

  it("reads results.jsonl a chunk at a time, lines longer than a chunk included", async () => {
    const dir = tempDir();
    await runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: ["random"], seeds: [0], outDir: dir });
    const [stored] = readResults(dir);
    // Some 1.3 MB a line, more than the 1 MiB read at a time; the last without its newline.
    const long = (seed: number): string => JSON.stringify({ ...stored!, seed, curve: Array.from({ length: 100_000 }, (_, i) => 1 / (i + 3)) });
    writeFileSync(join(dir, RESULTS_FILE), `${long(0)}\n${long(1)}\n${long(2)}`);
    expect(readResults(dir).map((r) => [r.seed, r.curve.length])).toEqual([
      [0, 100_000],
      [1, 100_000],
      [2, 100_000],
    ]);
  });

  it("names the file, line and field of a run.json it cannot read, rather than crash or misread it", async () => {
    const dir = tempDir();
    const file = join(dir, RUN_FILE);
    const refusal = (): string => {
      try {
        readRunSettings(dir);
      } catch (error) {
        expect(error).toBeInstanceOf(BenchmarkInputError);
        return (error as Error).message;
      }
      return "read";
    };
    // Torn (a crash as it was written, a copy cut short): JSON.parse's SyntaxError reached the CLI as an internal error.
    writeFileSync(file, '{\n  "trials": 12,\n  "problems": ["branin-2d"\n');
    expect(refusal()).toMatch(new RegExp(`^${file}:4: not JSON \\(.*\\); `));
    // Hand-written with a string for a number: the trials check read it as "holds runs of 12 trials, not 12".
    writeFileSync(file, JSON.stringify({ trials: "12", problems: ["branin-2d"], optimizers: ["random"], seeds: [0] }, null, 2));
    expect(refusal()).toBe(`${file}:2: trials: expected a positive integer, got string "12"`);
    await expect(runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: ["random"], seeds: [0], outDir: dir })).rejects.toThrow(`${file}:2: trials: expected a positive integer`);
    writeFileSync(file, JSON.stringify({ trials: 12, problems: ["branin-2d"], optimizers: "random", seeds: [0] }, null, 2));
    expect(refusal()).toBe(`${file}:6: optimizers: expected a list of optimizer labels, got string "random"`);
    writeFileSync(file, JSON.stringify({ trials: 12, problems: ["branin-2d"], optimizers: ["random"] }));
    expect(refusal()).toBe(`${file}:1: seeds: expected a list of non-negative integers, got nothing`);
    writeFileSync(file, JSON.stringify({ trials: 12, problems: ["branin-2d"], optimizers: ["random"], seeds: [0, -1] }, null, 2));
    expect(refusal()).toBe(`${file}:9: seeds[1]: expected a list of non-negative integers, got number -1`);
    writeFileSync(file, "[]");
    expect(refusal()).toBe(`${file}:1: expected an object with trials, problems, optimizers and seeds, got a list`);
  });

  it("refuses one optimizer spelled two ways, in one list or beside the runs a directory holds", async () => {
    const dir = tempDir();
    const spelled = ["tpe:n_startup_trials=2", "tpe:nStartupTrials=2"];
    // Both were run, and the report ranked the optimizer against itself.
    await expect(runBenchmark({ ...grid, problems: ["branin-2d"], optimizers: spelled, seeds: [0], outDir: dir })).rejects.toThrow(
      'optimizers: "tpe:n_startup_trials=2" and "tpe:nStartupTrials=2" are the same optimizer, its options spelled two ways; list it once',
    );
    await runBenchmark({ ...grid, trials: 3, problems: ["branin-2d"], optimizers: [spelled[0]!], seeds: [0], outDir: dir });
    // A later run into the directory would have run it again under its other spelling.
    const again = runBenchmark({ ...grid, trials: 3, problems: ["branin-2d"], optimizers: ["random", spelled[1]!], seeds: [1], outDir: dir });
    await expect(again).rejects.toBeInstanceOf(BenchmarkInputError);
    await expect(again).rejects.toThrow(`optimizers: "tpe:nStartupTrials=2" is "tpe:n_startup_trials=2", which ${dir} holds runs of; give it as "tpe:n_startup_trials=2" to add to those runs`);
    expect(readResults(dir).map((r) => r.optimizer)).toEqual([spelled[0]]);
  });

  it("runs multi-objective problems with hypervolume regret, for Sextant and Optuna samplers alike", async () => {
    const { results, failures } = await runBenchmark({ problems: ["zdt1-6d"], optimizers: ["random", "nsga2"], trials: 15, seeds: [0], outDir: tempDir(), jobs: 1 });
    expect(failures).toEqual([]);
    for (const r of results) {
      expect(r.measure).toBe("hypervolume regret");
      expect(r.curve).toHaveLength(15);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeLessThanOrEqual(r.curve[i - 1]!);
      expect(r.curve.at(-1)).toBeGreaterThan(0);
      // bestValue is the hypervolume reached: regret + hypervolume = the largest hypervolume of ZDT1.
      expect(r.curve.at(-1)! + r.bestValue).toBeCloseTo(120 + 2 / 3, 9);
    }
  });

  it("gives multi-fidelity runs the same budget in fidelity units, so a pruner starts more trials", async () => {
    const options = {
      problems: ["augmented-branin-2d-fidelity"],
      optimizers: ["tpe", "tpe+asha:minResource=1:reductionFactor=3"],
      trials: 10,
      seeds: [1],
      jobs: 1,
    };
    const first = await runBenchmark({ ...options, outDir: tempDir() });
    expect(first.failures).toEqual([]);
    const [plain, pruned] = first.results;
    for (const r of first.results) {
      expect(r.fidelityUnitsPerTrial).toBe(27);
      expect(r.curve).toHaveLength(10);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeLessThanOrEqual(r.curve[i - 1]!);
    }
    expect(plain!.trialsStarted).toBe(10);
    expect(pruned!.trialsStarted).toBeGreaterThan(10);
    const second = await runBenchmark({ ...options, outDir: tempDir() });
    expect(byKey(second.results)).toEqual(byKey(first.results));
  });

  it("refuses a misspelt Optuna option before any run starts", async () => {
    const dir = tempDir();
    const outcome = runBenchmark({ ...grid, optimizers: ["random", "optuna-tpe:n_startup_trial=5"], seeds: [0], outDir: dir });
    await expect(outcome).rejects.toThrow(/optuna-tpe sampler: unknown option "n_startup_trial" \(did you mean "n_startup_trials"\?\)/);
    expect(readResults(dir)).toEqual([]);
  });

  it("refuses a pruner on a problem without a fidelity, naming the optimizer", async () => {
    await expect(runBenchmark({ ...grid, optimizers: ["tpe+asha"], seeds: [0], outDir: tempDir() })).rejects.toThrow(/optimizers: "tpe\+asha" has a pruner, but problem "branin-2d" has no fidelity/);
  });

  it("refuses an optimizer of one objective on a problem of several before any run, naming both and the optimizers that take several", async () => {
    // Every such run failed at its first trial, and bench run said "rerun the same command to retry them".
    const severalObjectives = "auto, random, tpe, gp, nsga2, nsga3, sobol, halton, optuna-tpe, optuna-tpe-mv, optuna-random, optuna-qmc, optuna-nsga2, optuna-motpe";
    const dir = tempDir();
    const problems = ["branin-2d", "zdt1-6d", "dtlz2-6d-3obj"];
    const optimizers = ["random", "cmaes", "cem:eliteFraction=0.3", "turbo", "nsga2", "optuna-cmaes:sigma0=0.5", "optuna-motpe"];
    const attempt = runBenchmark({ problems, optimizers, trials: 4, seeds: [0], outDir: dir, jobs: 1 });
    await expect(attempt).rejects.toBeInstanceOf(BenchmarkInputError);
    await expect(attempt).rejects.toThrow(
      'optimizers: "cmaes", "cem:eliteFraction=0.3", "turbo", "optuna-cmaes:sigma0=0.5" take one objective, and problems "zdt1-6d" (2 objectives), "dtlz2-6d-3obj" (3 objectives) have several, ' +
        `so every run of them there would fail; optimizers that take several objectives: ${severalObjectives}`,
    );
    expect(existsSync(join(dir, RUN_FILE))).toBe(false);
    expect(readResults(dir)).toEqual([]);
    await expect(runBenchmark({ problems: ["zdt1-6d"], optimizers: ["nsga2", "cmaes"], trials: 4, seeds: [0], outDir: dir, jobs: 1 })).rejects.toThrow(
      `optimizers: "cmaes" takes one objective, and problem "zdt1-6d" has 2 objectives, so every run of it there would fail; optimizers that take several objectives: ${severalObjectives}`,
    );
    // The same optimizers on problems of one objective run.
    const { failures } = await runBenchmark({ problems: ["branin-2d"], optimizers, trials: 4, seeds: [0], outDir: dir, jobs: 1 });
    expect(failures).toEqual([]);
  });
});

/**
 * A stand-in for the scikit-learn problems' Python, one for this file: they look for their Python
 * once per process, so a second stand-in would never be called, and the first would be called
 * after its test had deleted it. On knn-iris it crashes for few neighbours, prints "nan" for many
 * and a value otherwise; on gbt-wine it never gives a value, so every run of gbt-wine fails.
 */
let standInFolder: string | undefined;
async function useStandInSklearnPython(): Promise<void> {
  if (standInFolder !== undefined) return;
  standInFolder = mkdtempSync(join(tmpdir(), "sextant-lab-python-"));
  const program = join(standInFolder, "python");
  writeStandInPython(program, [
    "if (key === 'gbt-wine' || p.n_neighbors > 30) console.log('nan');",
    "else if (p.n_neighbors < 4) { console.error('crashed'); process.exit(2); }",
    "else console.log('sextant: ' + JSON.stringify({ value: p.n_neighbors / 100 }));",
  ]);
  // The Optuna driver keeps the real Python.
  await useStandInPython(program);
}
afterAll(() => {
  if (standInFolder !== undefined) rmSync(standInFolder, { recursive: true, force: true });
});

describe("a report on runs some of which failed", () => {
  it("names the optimizer with no finished run instead of leaving it out silently", async () => {
    const { writeReport } = await import("./report.js");
    const dir = tempDir();
    await runBenchmark({ problems: ["branin-2d"], optimizers: ["random", "nsga2"], trials: 8, seeds: [0, 1], outDir: dir, jobs: 1 });
    // Every run of gbt-wine fails under the stand-in: cmaes, run there alone into the same folder, has no finished run.
    await useStandInSklearnPython();
    const outcome = await runBenchmark({ problems: ["sklearn-gbt-wine"], optimizers: ["cmaes"], trials: 8, seeds: [0, 1], outDir: dir, jobs: 1 });
    expect(outcome.failures.map((f) => f.optimizer)).toEqual(["cmaes", "cmaes"]);
    const written = await writeReport(dir);
    const markdown = readFileSync(written.markdown, "utf8");
    expect(markdown).toContain("**Not in this comparison:** 8 of the 12 runs of this folder's grid (2 problems × 3 optimizers × seeds 0, 1) have no result, failed or not run yet");
    expect(markdown).toContain("; `cmaes`, with no finished run.");
  });
});

describe("a command problem whose program fails on some trials", () => {
  it("fails those trials only: the run goes on, its regret is that of the best finished trial, and the failures are counted", async () => {
    await useStandInSklearnPython();
    const out = join(tempDir(), "out");
    const { results, failures } = await runBenchmark({ problems: ["sklearn-knn-iris", "sklearn-gbt-wine"], optimizers: ["random", "optuna-random"], trials: 8, seeds: [0], outDir: out, jobs: 1 });
    // A run with no finished trial has nothing to score: it fails, saying why.
    expect(failures.map((f) => [f.problem, f.optimizer])).toEqual([["sklearn-gbt-wine", "random"], ["sklearn-gbt-wine", "optuna-random"]]);
    expect(failures[0]!.message).toMatch(/^every one of the 8 trials failed; the first: sklearn-gbt-wine: the program reported no finite value/);

    expect(results.map((r) => r.optimizer)).toEqual(["random", "optuna-random"]);
    const reference = PROBLEM_REFERENCES["sklearn-knn-iris"]!.best;
    for (const r of readResults(out)) {
      expect(r.failedTrials, r.optimizer).toBeGreaterThan(0);
      expect(r.failedTrials, r.optimizer).toBeLessThan(8);
      expect(r.firstFailure).toMatch(/the program reported no finite value|failed \(exit code 2\): crashed/);
      // Failed trials leave the incumbent as it was: before the first finished trial nothing is
      // known, after it the regret never increases, and every entry is a number, not NaN or null.
      expect(r.curve).toHaveLength(8);
      expect(r.curve.every((x) => Number.isFinite(x))).toBe(true);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeLessThanOrEqual(r.curve[i - 1]!);
      expect(r.curve.at(-1)).toBeLessThan(NO_INCUMBENT_REGRET);
      expect(r.curve.at(-1)).toBeCloseTo(r.bestValue - reference, 12);
      expect(r.bestValue).toBeGreaterThanOrEqual(0.04);
      expect(r.bestValue).toBeLessThanOrEqual(0.3);
    }

    const { writeReport } = await import("./report.js");
    const written = await writeReport(out);
    expect(readFileSync(written.markdown, "utf8")).toMatch(/\d+ trials failed \(their command failed or gave no finite value\), in 2 runs of `random`, `optuna-random`/);
  }, 120_000);
});
