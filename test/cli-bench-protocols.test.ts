// CLI suite (spawns `node bin/sextant.js` against dist/): the lab's protocols as commands, and the
// pruning and multi-objective suites, on tiny budgets.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sextant } from "./fixtures/cli-run.js";

const dir = mkdtempSync(join(tmpdir(), "sextant-bench-protocols-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]) => sextant(args, { cwd: dir });

// Each test runs several benchmark processes end to end; the limit leaves room for a loaded 2-core machine
// running two test files at a time (one took 60.4 s there against the default 60 s limit).
describe("sextant bench protocols", { timeout: 180_000 }, () => {
  it("tune: chooses on tuning seeds and dev problems, reports on disjoint test seeds and test problems", async () => {
    const args = ["bench", "tune", "--suite", "branin-2d,levy-5d-int", "--test-suite", "hartmann3-3d", "--candidates", "tpe,sobol", "--trials", "12", "--tuning-seeds", "0-1", "--test-seeds", "7-7", "--out", "tune", "--json"];
    // The refusals below write nothing that the tune run reads: they run beside it.
    const [result, overlapping, badCandidate, unrunnable, seeded, none] = await Promise.all([
      run(args),
      run(["bench", "tune", "--suite", "branin-2d", "--candidates", "tpe,sobol", "--trials", "5", "--tuning-seeds", "0-1", "--test-seeds", "1-2", "--out", "bad"]),
      run(["bench", "tune", "--suite", "branin-2d", "--candidates", "tpe,sobl", "--trials", "5", "--out", "bad"]),
      sextant(["bench", "tune", "--suite", "branin-2d", "--test-suite", "sklearn-knn-iris", "--candidates", "tpe,sobol", "--trials", "5", "--out", "no-python"], {
        cwd: dir,
        env: { SEXTANT_PYTHON: join(dir, "no-such-python") },
      }),
      run(["bench", "tune", "--suite", "branin-2d", "--candidates", "tpe:seed=3,sobol", "--trials", "5", "--out", "bad"]),
      run(["bench", "tune", "--suite", "branin-2d", "--candidates", "tpe,sobol", "--trials", "5", "--tuning-seeds", "0", "--test-seeds", "1-2", "--out", "bad"]),
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout) as { incumbent: string; tuningScores: Record<string, number>; testScore: number; testProblems: string[] };
    expect(["tpe", "sobol"]).toContain(outcome.incumbent);
    expect(Object.keys(outcome.tuningScores).sort()).toEqual(["sobol", "tpe"]);
    expect(outcome.testProblems).toEqual(["hartmann3-3d"]);
    expect(Number.isFinite(outcome.testScore)).toBe(true);
    const testRuns = readFileSync(join(dir, "tune/test/results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { problem: string; seed: number; optimizer: string });
    expect(new Set(testRuns.map((r) => r.problem))).toEqual(new Set(["hartmann3-3d"]));
    expect(new Set(testRuns.map((r) => r.seed))).toEqual(new Set([7]));
    expect(new Set(testRuns.map((r) => r.optimizer))).toEqual(new Set([outcome.incumbent, "random"]));
    // Resumed from its runs, in words: "1 other problems".
    const text = await run(args.filter((a) => a !== "--json"));
    expect(text.stdout).toMatch(/^test result, on disjoint seeds and 1 other problem \(hartmann3-3d\): /m);
    // The tune folder holds its runs one level down: report and defaults sent the user to bench run.
    const commands = [["report", "tune"], ["defaults", "tune", "--candidates", "tpe,sobol"]];
    const onTunes = await Promise.all(commands.map((command) => run(["bench", ...command])));
    for (const [i, command] of commands.entries()) {
      const onTune = onTunes[i]!;
      expect(onTune.code, command[0]).toBe(2);
      expect(onTune.stderr, command[0]).toBe(`sextant: dir: tune is a bench tune folder; its runs are in ${join("tune", "tuning")} and ${join("tune", "test")}: give one of those\n`);
    }

    expect(overlapping.code).toBe(2);
    // In the flags' words: it said testSeeds and tuningSeeds, the library's.
    expect(overlapping.stderr).toMatch(/--test-seeds: must be disjoint from --tuning-seeds; both hold 1/);
    // Its optimizers are --candidates: it said "optimizers: unknown optimizer", a flag it does not have.
    expect(badCandidate.code).toBe(2);
    expect(badCandidate.stderr).toMatch(/^sextant: --candidates: unknown optimizer "sobl"/);
    // A --test-suite problem that cannot run said "--suite:", and only after the whole tuning phase.
    expect(unrunnable.code).toBe(2);
    expect(unrunnable.stderr).toMatch(/^sextant: --test-suite: "sklearn-knn-iris" cannot run here: no Python with scikit-learn/);
    expect(existsSync(join(dir, "no-python", "tuning"))).toBe(false);
    // bench tune has no --seeds: its candidates' seeds come from --tuning-seeds and --test-seeds.
    expect(seeded.stderr).toMatch(/^sextant: --candidates: "tpe:seed=3" sets seed; the runner sets it from each run's seed/);
    expect(none.stderr).toBe("sextant: --tuning-seeds 0 is a count of no seeds; for seed 0 alone give 0-0 (a count N means seeds 0 … N−1)\n");
  });

  it("defaults compares the candidates on the (problem, seed) pairs all of them finished", async () => {
    // gp beats tpe on both problems they share; gp alone also ran a hard third one. Averaged over
    // whatever each had, tpe (2 easy problems) scored better than gp (3) and was chosen.
    const out = join(dir, "partial");
    mkdirSync(out);
    const [A, B, C] = ["branin-2d", "hartmann3-3d", "rastrigin-10d"];
    writeFileSync(join(out, "run.json"), JSON.stringify({ trials: 20, optimizers: ["gp", "tpe", "random"], seeds: [0, 1], problems: [A, B, C] }));
    const line = (problem: string, optimizer: string, seed: number, regret: number) =>
      `${JSON.stringify({ problem, optimizer, seed, trials: 20, curve: Array(20).fill(regret), bestValue: regret, seconds: 0, optimizerSeconds: 0 })}\n`;
    const lines: string[] = [];
    for (const seed of [0, 1]) {
      for (const problem of [A, B]) lines.push(line(problem, "random", seed, 10), line(problem, "gp", seed, 1), line(problem, "tpe", seed, 2));
      lines.push(line(C, "random", seed, 10), line(C, "gp", seed, 9));
    }
    writeFileSync(join(out, "results.jsonl"), lines.join(""));
    const defaults = await run(["bench", "defaults", "partial", "--candidates", "gp,tpe", "--json"]);
    expect(JSON.parse(defaults.stdout).best).toBe("gp");
    expect(defaults.stderr).toMatch(/^4 run\(s\) of \(problem, seed\) pairs that not every candidate and random search finished are left out/);
  });

  it("defaults and subset read a stored run; the report carries performance profiles and groups", async () => {
    const ran = await run(["bench", "run", "--suite", "branin-2d,levy-5d-int,hartmann3-3d-noisy", "--optimizers", "tpe,random,sobol", "--trials", "10", "--seeds", "2", "--out", "lab", "--jobs", "1"]);
    expect(ran.code).toBe(0);

    // defaults and subset only read the run: all of them at once.
    const [defaults, badCandidate, beyond, subset, split, tooMany, tooManySplit] = await Promise.all([
      run(["bench", "defaults", "lab", "--candidates", "tpe,sobol", "--budget", "10", "--json"]),
      run(["bench", "defaults", "lab", "--candidates", "tpe,gp"]),
      run(["bench", "defaults", "lab", "--candidates", "tpe,sobol", "--budget", "5000"]),
      run(["bench", "subset", "lab", "--references", "random,tpe", "--size", "2", "--json"]),
      run(["bench", "subset", "lab", "--references", "random,tpe", "--size", "1", "--test", "1", "--json"]),
      run(["bench", "subset", "lab", "--references", "random,tpe", "--size", "4"]),
      run(["bench", "subset", "lab", "--references", "random,tpe", "--size", "2", "--test", "2"]),
    ]);
    expect(defaults.stderr).toBe("");
    const found = JSON.parse(defaults.stdout) as { best: string; scores: Record<string, number>; lossAgainstTuning: number };
    expect(found.best).toBe(Object.entries(found.scores).sort((a, b) => a[1] - b[1])[0]![0]);
    expect(found.lossAgainstTuning).toBeGreaterThanOrEqual(0);
    expect(badCandidate.code).toBe(2);
    expect(badCandidate.stderr).toMatch(/--candidates: lab holds no runs of "gp"/);
    // A budget beyond the runs' trials was read at their last trial and printed as asked.
    expect([beyond.code, beyond.stderr]).toEqual([2, "sextant: --budget: the runs in lab have 10 trials, fewer than 5000\n"]);

    const chosen = JSON.parse(subset.stdout) as { problems: string[]; starDiscrepancy: number; of: number };
    expect(chosen.problems).toHaveLength(2);
    expect(chosen.of).toBe(3);
    expect(chosen.starDiscrepancy).toBeGreaterThan(0);
    const sides = JSON.parse(split.stdout) as { dev: string[]; test: string[] };
    expect(sides.dev).toHaveLength(1);
    expect(sides.test).toHaveLength(1);
    expect(sides.dev[0]).not.toBe(sides.test[0]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--size: 4 problems asked for, lab has 3/);
    // Both sides of a split count: it said "--size: 4 problems asked for" to --size 2 --test 2.
    expect([tooManySplit.code, tooManySplit.stderr]).toEqual([2, "sextant: --size 2 and --test 2: 4 problems asked for, lab has 3 with runs of every reference\n"]);

    // The refusal writes nothing: it runs beside the report.
    const [report, unknown] = await Promise.all([run(["bench", "report", "lab", "--json"]), run(["bench", "report", "lab", "--optimizers", "tpe,gp"])]);
    const markdown = readFileSync((JSON.parse(report.stdout) as { markdown: string }).markdown, "utf8");
    expect(markdown).toContain("## Performance profiles (AlgoPerf)");
    expect(markdown).toContain("area under ρ(τ), τ ≤ 4");
    expect(markdown).toContain("## By group");
    expect(markdown).toMatch(/\| optimizer \| noiseless synthetic \(1\) \| noisy \(1\) \| mixed or conditional \(1\) \|/);

    const some = await run(["bench", "report", "lab", "--optimizers", "tpe,random", "--out", "some.md"]);
    expect(some.code).toBe(0);
    expect(readFileSync(join(dir, "some.md"), "utf8")).toContain("| problem | tpe | random |");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^sextant: --optimizers: lab holds no runs of "gp"/);
  });

  it("runs the pruning suite with budgets in fidelity units and the multi-objective suite with hypervolume regret", async () => {
    // Optuna's QMCSampler took seed 0 for "no seed": two runs at seed 0 drew different points.
    const qmc = async (out: string) => {
      const done = await run(["bench", "run", "--suite", "branin-2d", "--optimizers", "optuna-qmc", "--trials", "4", "--seeds", "0-0", "--out", out, "--jobs", "1"]);
      expect(done.code, done.stderr).toBe(0);
      return readFileSync(join(dir, out, "results.jsonl"), "utf8").split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { curve: number[] }).curve);
    };
    // The runs go into folders of their own, and mostly wait on Optuna's Python: they run at once.
    const [pruning, mo, qmcA, qmcB, listed, noOptimizers] = await Promise.all([
      run(["bench", "run", "--suite", "augmented-branin-2d-fidelity,learning-curves-3d-fidelity", "--optimizers", "tpe,tpe+asha:minResource=1:reductionFactor=3,optuna-tpe+optuna-asha", "--trials", "6", "--seeds", "1", "--out", "pruning", "--jobs", "1"]),
      run(["bench", "run", "--suite", "zdt1-6d,constrained-branin-currin-2d", "--optimizers", "random,nsga2,optuna-nsga2", "--trials", "8", "--seeds", "1", "--out", "mo", "--jobs", "1"]),
      qmc("qmc-a"),
      qmc("qmc-b"),
      run(["bench", "suites", "--json"]),
      run(["bench", "run", "--suite", "dev", "--trials", "5", "--out", "x"]),
    ]);
    expect(pruning.stderr).toBe("");
    expect(pruning.code).toBe(0);
    const runs = readFileSync(join(dir, "pruning/results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { optimizer: string; curve: number[]; trialsStarted: number; fidelityUnitsPerTrial: number });
    for (const r of runs) {
      expect(r.curve).toHaveLength(6);
      expect(r.fidelityUnitsPerTrial).toBe(27);
      if (r.optimizer === "tpe") expect(r.trialsStarted).toBe(6);
    }
    expect(mo.stderr).toBe("");
    expect(mo.code).toBe(0);
    const [pruningReport, moReport] = await Promise.all([run(["bench", "report", "pruning", "--json"]), run(["bench", "report", "mo", "--json"])]);
    expect(readFileSync((JSON.parse(pruningReport.stdout) as { markdown: string }).markdown, "utf8")).toMatch(/count the budget in fidelity units/);
    expect(readFileSync((JSON.parse(moReport.stdout) as { markdown: string }).markdown, "utf8")).toContain("measure hypervolume regret");

    expect(qmcA).toEqual(qmcB);

    const listings = JSON.parse(listed.stdout) as { name: string; problems: string[] }[];
    const suites = Object.fromEntries(listings.map((l) => [l.name, l.problems]));
    expect(suites.pruning).toEqual(["learning-curves-3d-fidelity", "augmented-branin-2d-fidelity", "yahpo-lcbench-3945-fidelity"]);
    expect(suites.multiobjective).toHaveLength(5);
    expect(noOptimizers.code).toBe(2);
    expect(noOptimizers.stderr).toMatch(/--optimizers: required unless every suite has default optimizers .*; "dev" has none/);
  });
});
