// CLI suite (spawns `node bin/sextant.js` against dist/): `sextant bench run`, `report` and `suites` on a tiny suite.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cellClaimFile } from "../src/bench/lab/claims.js";
import { parseOptimizerList } from "../src/bench/lab/optimizers.js";
import { runKey } from "../src/bench/lab/run-one.js";
import { readResults } from "../src/bench/lab/runner.js";
import { currentWorker, type WorkerIdentity } from "../src/study/worker-identity.js";
import { processGroupIsOrphaned } from "../src/cli/io.js";
import { ROOT, type Running, alive, sextant, start } from "./fixtures/cli-run.js";
import { writeStandInPython } from "./fixtures/stand-in-python.js";

const dir = mkdtempSync(join(tmpdir(), "sextant-bench-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[], env?: Record<string, string>) => sextant(args, { cwd: dir, ...(env ? { env } : {}) });

describe("sextant bench", () => {
  it("runs a tiny suite in two worker processes, resumes, and reports", async () => {
    const args = ["bench", "run", "--suite", "branin-2d,levy-5d-int", "--optimizers", "tpe,random,sobol", "--trials", "15", "--seeds", "2", "--out", "lab", "--jobs", "2"];
    const first = await run(args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^12 runs in lab \(\d+ s\); next: sextant bench report lab$/m);
    const lines = readFileSync(join(dir, "lab/results.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(12);

    const again = await run([...args, "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ runs: 12, resumed: 12, failures: [] });
    expect(readFileSync(join(dir, "lab/results.jsonl"), "utf8").trim().split("\n")).toHaveLength(12);
    // It said "12 runs in lab", as if it had just made the runs it found.
    const plain = await run(args);
    expect(plain.stdout).toMatch(/^0 runs made now, 12 found from before, in lab \(\d+ s\); next: sextant bench report lab$/m);

    // The two refusals write nothing: they run beside the report.
    const [report, beyond, unknownFocus] = await Promise.all([
      run(["bench", "report", "lab", "--budgets", "5,15", "--json"]),
      run(["bench", "report", "lab", "--budgets", "5,40"]),
      run(["bench", "report", "lab", "--focus", "gp"]),
    ]);
    expect(report.stderr).toBe("");
    const written = JSON.parse(report.stdout) as { markdown: string; json: string; figures: string[] };
    const markdown = readFileSync(written.markdown, "utf8");
    expect(markdown).toContain("## Summary");
    expect(markdown).toMatch(/Friedman over 2 problems: χ² = /);
    expect(markdown).toContain("| problem | tpe | random | sobol |");
    const data = JSON.parse(readFileSync(written.json, "utf8")) as { budgets: number[]; comparisons: { friedman: { k: number } }[] };
    expect(data.budgets).toEqual([5, 15]);
    expect(data.comparisons[1]!.friedman.k).toBe(3);
    expect(written.figures.some((f) => f.endsWith("cd-15.svg"))).toBe(true);
    expect(markdown).not.toContain("## Head to head"); // no auto in this run, and no --focus

    const focused = await run(["bench", "report", "lab", "--budgets", "15", "--focus", "tpe", "--out", "focused.md"]);
    expect(focused.code).toBe(0);
    const focusedMarkdown = readFileSync(join(dir, "focused.md"), "utf8");
    expect(focusedMarkdown).toContain("## Head to head: tpe against each optimizer");
    expect(focusedMarkdown).toMatch(/^\| random \| \d+ \/ \d+ \/ \d+ \([^)]+\) \|$/m);
    // A budget past the runs' 15 trials is refused rather than read at trial 15 and printed as 40.
    expect(beyond.code).toBe(2);
    // Named by their flags, as bench run names its own ("budgets:" and "focus:" were the library's option names).
    expect(beyond.stderr).toMatch(/^sextant: --budgets: 40 exceeds the 15 trials of the runs in lab/);
    expect(unknownFocus.code).toBe(2);
    expect(unknownFocus.stderr).toMatch(/^sextant: --focus: the report holds no runs of "gp"; it holds tpe, random, sobol/);
    for (const figure of written.figures) {
      expect(existsSync(figure)).toBe(true);
      expect(readFileSync(figure, "utf8")).toMatch(/^<svg [^]*<\/svg>$/);
    }
  });

  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    // Ctrl-\ ends now: the workers are killed. Node's default action killed the runner alone, without a word.
    ["SIGQUIT", 131],
  ] as const) {
    it(`says on ${signal} how many runs are kept and how to continue, and its workers stop with it`, async () => {
      // random finishes at once; gp's 300 trials keep the other worker busy for far longer than the test waits.
      const running = start(["bench", "run", "--suite", "branin-2d", "--optimizers", "random,gp", "--trials", "300", "--seeds", "1", "--out", `stopped-${signal}`, "--jobs", "2", "--json"], { cwd: dir });
      const results = join(dir, `stopped-${signal}`, "results.jsonl");
      const deadline = Date.now() + 60_000;
      while (!(existsSync(results) && readFileSync(results, "utf8").includes("\n")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const workers = execFileSync("ps", ["-o", "pid=", "--ppid", String(running.child.pid)], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
      // The worker that ran random may have stopped already, there being no run left for it.
      expect(workers.length).toBeGreaterThanOrEqual(1);
      try {
        // The signal reaches the runner alone, as from `kill` or a scheduler (a terminal's Ctrl-C would reach the workers too).
        const exited = new Promise((resolve) => running.child.once("exit", resolve));
        running.child.kill(signal);
        await exited;
        const gone = Date.now() + 10_000;
        while (workers.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
        // Before, the gp worker finished its run (tens of seconds) and then died on the closed channel.
        expect(workers.filter(alive)).toEqual([]);
        const stopped = await running.done;
        expect([stopped.code, stopped.signal], stopped.stderr).toEqual([exitCode, null]);
        expect(stopped.stderr).toContain(`sextant: interrupted (${signal}); 1 of 2 runs is in ${join(`stopped-${signal}`, "results.jsonl")}: run the same command again to continue`);
        expect(readFileSync(results, "utf8").trim().split("\n")).toHaveLength(1);
        // --json printed nothing to parse on a signal.
        expect(JSON.parse(stopped.stdout)).toMatchObject({ out: join(dir, `stopped-${signal}`), interrupted: true, signal, runs: 1, total: 2 });
      } finally {
        for (const pid of workers.filter(alive)) process.kill(pid, "SIGKILL");
      }
    }, 120_000);
  }

  it("stops a run of fast trials in its own process (--jobs 1) on SIGINT at once, keeping the runs it finished", async () => {
    // Random search on branin takes microseconds a trial, every one in this process: a loop that
    // never let the event loop turn would hear the signal only after its last run (many minutes here).
    const out = "stopped-in-process";
    const running = start(["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", "20000", "--seeds", "1000", "--out", out, "--jobs", "1", "--json"], { cwd: dir });
    const results = join(dir, out, "results.jsonl");
    const deadline = Date.now() + 60_000;
    while (!(existsSync(results) && readFileSync(results, "utf8").includes("\n")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    running.child.kill("SIGINT");
    const stopped = await Promise.race([running.done, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    if (stopped === null) running.child.kill("SIGKILL");
    expect(stopped, "still running 20 s after SIGINT").not.toBeNull();
    expect([stopped!.code, stopped!.signal], stopped!.stderr).toEqual([130, null]);
    const said = /sextant: interrupted \(SIGINT\); (\d+) of 1000 runs (?:is|are) in (\S+): run the same command again to continue/.exec(stopped!.stderr);
    expect(said, stopped!.stderr).not.toBeNull();
    expect(said![2]).toBe(join(out, "results.jsonl"));
    // The runs it said it kept are those in the folder, each whole; the one under way is lost.
    const kept = readResults(join(dir, out));
    expect(kept.length).toBe(Number(said![1]));
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.every((r) => r.curve.length === 20_000)).toBe(true);
    expect(JSON.parse(stopped!.stdout)).toMatchObject({ interrupted: true, signal: "SIGINT", runs: kept.length, total: 1000 });
  }, 120_000);

  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGQUIT", 131],
  ] as const) {
    it(`says on ${signal} during bench tune where its runs are and how to continue (it exited without a word)`, async () => {
      const out = `tune-stopped-${signal}`;
      const running = start(["bench", "tune", "--suite", "branin-2d", "--candidates", "random,gp", "--trials", "300", "--tuning-seeds", "1-1", "--test-seeds", "2-2", "--out", out, "--jobs", "2", "--json"], { cwd: dir });
      const results = join(dir, out, "tuning", "results.jsonl");
      const deadline = Date.now() + 60_000;
      while (!(existsSync(results) && readFileSync(results, "utf8").includes("\n")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const workers = execFileSync("ps", ["-o", "pid=", "--ppid", String(running.child.pid)], { encoding: "utf8" }).trim().split(/\s+/).filter(Boolean).map(Number);
      try {
        running.child.kill(signal);
        const stopped = await running.done;
        expect([stopped.code, stopped.signal], stopped.stderr).toEqual([exitCode, null]);
        expect(stopped.stderr).toContain(`sextant: interrupted (${signal}); the finished runs are in ${join(out, "tuning")} and ${join(out, "test")}: run the same command again to continue`);
        // --json printed nothing to parse, where bench run --json says "interrupted".
        expect(JSON.parse(stopped.stdout)).toMatchObject({ out: join(dir, out), interrupted: true, signal });
        const gone = Date.now() + 10_000;
        while (workers.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
        expect(workers.filter(alive)).toEqual([]);
      } finally {
        for (const pid of workers.filter(alive)) process.kill(pid, "SIGKILL");
      }
    }, 120_000);
  }

  describe("the commands of command problems die with their worker", () => {
    /**
     * Starts a run on two workers whose commands never end and, once both run, calls `act` with
     * their pids; then ends whatever is left, so that a failure leaves no process behind.
     */
    const withSleepingCommands = async (out: string, act: (running: Running, commands: number[]) => Promise<void>, jobs = 2): Promise<void> => {
      const pids = join(dir, `${out}-pids`);
      mkdirSync(pids);
      const python = join(dir, `${out}-python`);
      writeStandInPython(python, [`fs.writeFileSync(${JSON.stringify(pids)} + '/' + process.pid, '');`, "setInterval(() => {}, 1000);"]);
      const running = start(["bench", "run", "--suite", "sklearn-knn-iris", "--optimizers", "random,sobol", "--trials", "3", "--seeds", "1", "--out", out, "--jobs", String(jobs)], {
        cwd: dir,
        env: { SEXTANT_PYTHON: python },
      });
      try {
        const deadline = Date.now() + 60_000;
        while (readdirSync(pids).length < jobs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const commands = readdirSync(pids).map(Number);
        expect(commands).toHaveLength(jobs);
        await act(running, commands);
      } finally {
        if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
        for (const pid of readdirSync(pids).map(Number).filter(alive)) process.kill(pid, "SIGKILL");
      }
    };
    /** The fields of /proc/PID/stat after the command name: state, parent, … */
    const statOf = (pid: number): string[] => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const parentOf = (pid: number): number => Number(statOf(pid)[1]);
    /** Waits (at most long enough for a loaded machine) until none of `pids` runs, and returns those that still do. */
    const survivors = async (pids: number[]): Promise<number[]> => {
      const gone = Date.now() + 15_000;
      while (pids.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
      return pids.filter(alive);
    };

    // Killed with the runner (SIGKILL gives it no chance to act) or by its Ctrl-\: the workers went,
    // and the commands they had started ran on until they ended or hit their time limit.
    for (const signal of ["SIGKILL", "SIGQUIT"] as const) {
      it(`when the runner gets ${signal}`, async () => {
        await withSleepingCommands(`commands-${signal}`, async (running, commands) => {
          running.child.kill(signal);
          await running.done;
          expect(await survivors(commands)).toEqual([]);
        });
      }, 120_000);
    }

    // With --jobs 1 the CLI could run the programs itself, and a SIGKILL gives it no chance to end them.
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      it(`when the runner gets ${signal} with --jobs 1`, async () => {
        await withSleepingCommands(
          `commands-jobs-1-${signal}`,
          async (running, commands) => {
            running.child.kill(signal);
            await running.done;
            expect(await survivors(commands)).toEqual([]);
          },
          1,
        );
      }, 120_000);
    }

    // The workers lead groups of their own, which a terminal's Ctrl-Z does not reach: the CLI stops
    // them with itself. In an orphaned group the kernel discards SIGTSTP, and the CLI does the same.
    it.skipIf(processGroupIsOrphaned())("and pause with the run on Ctrl-Z, and go on with it", async () => {
      await withSleepingCommands("commands-paused", async (running, commands) => {
        const watched = [running.child.pid!, ...commands];
        const all = (state: (s: string) => boolean) => async () => {
          const gone = Date.now() + 15_000;
          while (!watched.every((pid) => state(statOf(pid)[0]!)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
          return watched.map((pid) => statOf(pid)[0]);
        };
        running.child.kill("SIGTSTP");
        expect(await all((s) => s === "T")()).toEqual(["T", "T", "T"]);
        running.child.kill("SIGCONT");
        expect((await all((s) => s !== "T")()).filter((s) => s === "T")).toEqual([]);
        running.child.kill("SIGQUIT");
        await running.done;
        expect(await survivors(commands)).toEqual([]);
      });
    }, 120_000);

    it("when a worker dies of its own accord, and the other worker's run goes on", async () => {
      await withSleepingCommands("commands-worker", async (running, commands) => {
        process.kill(parentOf(commands[0]!), "SIGKILL");
        expect(await survivors([commands[0]!])).toEqual([]);
        expect(alive(commands[1]!)).toBe(true);
        running.child.kill("SIGQUIT");
        await running.done;
        expect(await survivors(commands)).toEqual([]);
      });
    }, 120_000);
  });

  it("says a study's warning once per process, not once per run", async () => {
    // cmaes leaves rosenbrock-5d-scaled's categorical "scale" out of its model: each seed's run said so.
    const ran = await run(["bench", "run", "--suite", "rosenbrock-5d-scaled", "--optimizers", "cmaes", "--trials", "4", "--seeds", "3", "--out", "lab-warn", "--jobs", "1"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr.split("\n").filter((line) => line.includes('parameter "scale" is sampled at random, not jointly by the cmaes sampler'))).toHaveLength(1);
  });

  it("refuses an optimizer of one objective on a problem of several before any run (exit 2), where every run failed and it said to rerun them", async () => {
    const [ran, tuned] = await Promise.all([
      run(["bench", "run", "--suite", "zdt1-6d", "--optimizers", "nsga2,cmaes", "--trials", "4", "--seeds", "1", "--out", "lab-one-objective", "--jobs", "1"]),
      run(["bench", "tune", "--suite", "zdt1-6d", "--candidates", "nsga2,optuna-cmaes", "--trials", "4", "--tuning-seeds", "0-0", "--test-seeds", "1-1", "--out", "tune-one-objective", "--jobs", "1"]),
    ]);
    expect([ran.code, ran.stdout]).toEqual([2, ""]);
    expect(ran.stderr).toBe(
      'sextant: --optimizers: "cmaes" takes one objective, and problem "zdt1-6d" has 2 objectives, so every run of it there would fail; ' +
        "optimizers that take several objectives: auto, random, tpe, gp, nsga2, nsga3, sobol, halton, optuna-tpe, optuna-tpe-mv, optuna-random, optuna-qmc, optuna-nsga2, optuna-motpe\n",
    );
    expect(tuned.code).toBe(2);
    expect(tuned.stderr).toMatch(/^sextant: --candidates: "optuna-cmaes" takes one objective, and problem "zdt1-6d" has 2 objectives, so every run of it there would fail; optimizers that take several objectives: /);
    expect(existsSync(join(dir, "lab-one-objective")) || existsSync(join(dir, "tune-one-objective"))).toBe(false);
  });

  it("run, tune and report take --output as well as --out, and their help says so", async () => {
    // The tune run shares no folder with the run and its reports: it goes on beside them.
    const tuneArgs = ["bench", "tune", "--suite", "branin-2d", "--candidates", "random,sobol", "--trials", "3", "--tuning-seeds", "0-0", "--test-seeds", "5-5", "--jobs", "1", "--json"];
    const tuning = run([...tuneArgs, "--output", "tune-output"]);
    const ran = await run(["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", "3", "--seeds", "1", "--output", "lab-output", "--jobs", "1"]);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^1 run in lab-output \(\d+ s\); next: sextant bench report lab-output$/m);
    expect(readFileSync(join(dir, "lab-output/results.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);

    const reported = await run(["bench", "report", "lab-output", "--output", "lab-output-report.md", "--budgets", "3", "--json"]);
    expect(reported.code, reported.stderr).toBe(0);
    expect((JSON.parse(reported.stdout) as { markdown: string }).markdown).toBe(join(dir, "lab-output-report.md"));
    expect(readFileSync(join(dir, "lab-output-report.md"), "utf8")).toContain("## Summary");

    // "-" is stdout, as for `sextant export --output -`: it wrote a file named "-" and "--figures/".
    const printed = await run(["bench", "report", "lab-output", "-o", "-", "--budgets", "3"]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain("## Summary");
    expect(printed.stdout).toMatch(/!\[[^\]]*\]\(lab-output\/report-figures\/[^)]+\.svg\)/);
    expect(printed.stderr).toContain(`data: ${join(dir, "lab-output/report.json")}`);
    expect(existsSync(join(dir, "-"))).toBe(false);
    expect(existsSync(join(dir, "lab-output/report.json"))).toBe(true);

    const tuned = await tuning;
    expect(tuned.stderr).toBe("");
    expect(tuned.code).toBe(0);
    expect(["random", "sobol"]).toContain((JSON.parse(tuned.stdout) as { incumbent: string }).incumbent);
    expect(existsSync(join(dir, "tune-output/test/results.jsonl"))).toBe(true);

    // Either spelling satisfies the required folder; both at once must agree; neither is still an error.
    const [both, neither, ...helps] = await Promise.all([
      run([...tuneArgs, "--out", "a", "--output", "b"]),
      run(["bench", "run", "--suite", "branin-2d", "--trials", "3"]),
      ...["run", "tune", "report"].map((command) => run(["bench", command, "--help"])),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('sextant: --out and --output name the same folder; give one, not "a" and "b"\n');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe("sextant: required option '-o, --out <dir>' not specified (or --output <dir>)\n");
    expect(existsSync(join(dir, "a")) || existsSync(join(dir, "b"))).toBe(false);

    for (const help of helps) {
      // Commander wraps descriptions to the terminal's width: read the help as one line.
      expect(help.stdout.replace(/\s+/g, " ")).toMatch(/ -o, --out <(dir|file)> [^-]*\(or --output\) /);
    }
  }, 120_000);

  it("run and report say in one line that their output folder cannot be made, not as an internal error", async () => {
    writeFileSync(join(dir, "a-file"), "");
    const ran = await run(["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", "2", "--seeds", "1", "--out", "a-file/lab", "--jobs", "1"]);
    expect(ran.stderr).toMatch(/^sextant: --out: cannot write to a-file\/lab: ENOTDIR: not a directory/);
    expect(ran.stderr).not.toContain("internal error");
    const reported = await run(["bench", "report", "lab-output", "--out", "a-file/report.md", "--budgets", "3"]);
    expect(reported.stderr).toMatch(/^sextant: --out: cannot write to .*a-file\/report-figures: ENOTDIR: not a directory/);
    // Without --out the figures go into DIR, which the refusal names as the command's argument.
    mkdirSync(join(dir, "figures-blocked"), { recursive: true });
    for (const file of ["run.json", "results.jsonl"]) writeFileSync(join(dir, "figures-blocked", file), readFileSync(join(dir, "lab-output", file)));
    writeFileSync(join(dir, "figures-blocked", "report-figures"), "");
    const inDir = await run(["bench", "report", "figures-blocked", "--budgets", "3"]);
    expect([inDir.code, inDir.stderr]).toEqual([2, `sextant: dir: cannot write to ${join(dir, "figures-blocked", "report-figures")}: it is a file, not a folder\n`]);
  });

  it("refuses a run.json it cannot read with its line and field, not as an internal error or a misreading", async () => {
    mkdirSync(join(dir, "torn"), { recursive: true });
    writeFileSync(join(dir, "torn", "run.json"), '{\n  "trials": 5,\n  "problems": ["branin-2d"');
    mkdirSync(join(dir, "typed"), { recursive: true });
    writeFileSync(join(dir, "typed", "run.json"), JSON.stringify({ trials: "5", problems: ["branin-2d"], optimizers: ["tpe", "random"], seeds: [0] }, null, 2));
    const [report, defaults, subset, ran] = await Promise.all([
      run(["bench", "report", "torn"]),
      run(["bench", "defaults", "torn", "--candidates", "tpe,random"]),
      run(["bench", "subset", "typed", "--references", "tpe,random", "--size", "1"]),
      // It said "typed holds runs of 5 trials, not 5".
      run(["bench", "run", "--suite", "branin-2d", "--optimizers", "tpe", "--trials", "5", "--seeds", "1", "--out", "typed"]),
    ]);
    for (const refused of [report, defaults]) {
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^sextant: torn\/run\.json:3: not JSON \(/);
      expect(refused.stderr).not.toContain("internal error");
    }
    for (const refused of [subset, ran]) {
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe('sextant: typed/run.json:2: trials: expected a positive integer, got string "5"\n');
    }
  });

  it("shows in its help's and the README's examples only optimizers and options that exist", async () => {
    // bench defaults' example, in its help and the README, offered "tpe:gamma=0.1", which the command refuses: TPE's option is gammaBeta.
    const examples: string[] = [];
    for (const help of await Promise.all(["run", "tune", "defaults"].map((command) => run(["bench", command, "--help"])))) {
      expect(help.code).toBe(0);
      examples.push(...help.stdout.split("\n").filter((line) => line.includes("$ sextant bench")));
    }
    examples.push(...readFileSync(join(ROOT, "README.md"), "utf8").split("\n").filter((line) => /^sextant bench (run|tune|defaults)\b/.test(line)));
    const lists = examples.flatMap((line) => [...line.matchAll(/--(?:optimizers|candidates) +("[^"]+"|\S+)/g)].map((m) => m[1]!.replace(/^"|"$/g, "")));
    expect(lists.length).toBeGreaterThanOrEqual(6);
    for (const list of lists) expect(() => parseOptimizerList(list), list).not.toThrow();
  });

  it("lists suites, and names the bad flag", async () => {
    // Each of these commands lists or refuses, and none writes what another reads: they run at once.
    mkdirSync(join(dir, "held"), { recursive: true });
    writeFileSync(join(dir, "held", "run.json"), JSON.stringify({ trials: 5, problems: ["branin-2d"], optimizers: ["tpe"], seeds: [0, 1] }));
    const [suites, tableRun, oneRun, badSuite, badOptimizer, badSeeds, noRun, twice, huge, mixed, debugged] = await Promise.all([
      run(["bench", "suites", "--json"]),
      run(["bench", "suites"]),
      run(["bench", "suites", "pruning", "--json"]),
      run(["bench", "run", "--suite", "brannin-2d", "--optimizers", "tpe", "--trials", "5", "--out", "x"]),
      run(["bench", "run", "--suite", "smoke", "--optimizers", "tpe,optuna-tpx", "--trials", "5", "--out", "x"]),
      run(["bench", "run", "--suite", "smoke", "--optimizers", "tpe", "--trials", "5", "--seeds", "3-1", "--out", "x"]),
      run(["bench", "report", "nothing-here"]),
      run(["bench", "run", "--suite", "smoke", "--optimizers", "tpe,tpe,random", "--trials", "5", "--out", "x"]),
      run(["bench", "run", "--suite", "smoke", "--optimizers", "tpe", "--trials", "5", "--seeds", "99999999999999999999", "--out", "x"]),
      run(["bench", "run", "--suite", "rosenbrock-2d", "--optimizers", "tpe", "--trials", "5", "--seeds", "5-6", "--out", "held"]),
      run(["bench", "report", "nothing-here", "--debug"]),
    ]);
    const listings = JSON.parse(suites.stdout) as { name: string; problems: string[]; defaultOptimizers: string[] | null }[];
    expect(listings.map((l) => l.name)).toEqual(["dev", "test", "smoke", "samplers", "samplers7", "pruning", "multiobjective", "surrogates-heldout"]);
    const parsed = Object.fromEntries(listings.map((l) => [l.name, l]));
    expect(parsed.dev!.problems.filter((p) => parsed.test!.problems.includes(p))).toEqual([]);
    // The table showed each suite's default optimizers; the JSON left them out.
    expect(parsed.dev!.defaultOptimizers).toBeNull();
    expect(parsed.multiobjective!.defaultOptimizers).toEqual(expect.arrayContaining(["nsga2", "optuna-motpe"]));
    const table = tableRun.stdout.split("\n");
    for (const listing of listings) {
      const row = table.find((line) => line.startsWith(`${listing.name} `))!.trimEnd();
      if (listing.defaultOptimizers === null) expect(row, listing.name).toMatch(/ -$/);
      else expect(row, listing.name).toContain(listing.defaultOptimizers.join(",").slice(0, 60));
    }
    const one = JSON.parse(oneRun.stdout) as typeof listings;
    expect(one).toEqual([parsed.pruning]);
    expect(badSuite.code).toBe(2);
    expect(badSuite.stderr).toMatch(/--suite: "brannin-2d" is neither a suite .* \(did you mean "branin-2d"\?\)/);
    expect(badOptimizer.code).toBe(2);
    expect(badOptimizer.stderr).toMatch(/^sextant: --optimizers: unknown optimizer "optuna-tpx"/);
    expect(badSeeds.stderr).toMatch(/--seeds must be a count N, a range A-B or a list/);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toMatch(/dir: nothing-here holds no run/);
    // An optimizer listed twice ran every job twice and counted as two in the ranks; a huge seed crashed.
    expect([twice.code, twice.stderr]).toEqual([2, 'sextant: --optimizers: "tpe" is listed twice\n']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/--seeds must be a count N/);
    // Other problems on other seeds into a folder of runs were merged into a report over a grid never run.
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/held holds runs of 1 problem\(s\) on seeds 0, 1; a run into it may add optimizers, seeds \(same problems\) or problems \(same seeds\)/);
    // --debug works on bench's subcommands as on every other command (it was an unknown option).
    expect(debugged.code).toBe(2);
    expect(debugged.stderr).toMatch(/holds no run[\s\S]*\n {4}at /);
  });

  it("warns when a new incumbent's command fails when run again, and the run still counts", async () => {
    // A stand-in for the scikit-learn Python: each configuration gives a value once, then crashes.
    // Each of the two runs below has its own, with its own record of what it has seen, so they run at once.
    const flakyPython = (name: string): string => {
      const seen = join(dir, `${name}-seen`);
      mkdirSync(seen);
      const python = join(dir, `${name}-python`);
      writeStandInPython(python, [
        `const marker = ${JSON.stringify(seen)} + '/' + encodeURIComponent(json);`,
        "if (fs.existsSync(marker)) { console.error('crashed on the second run'); process.exit(2); }",
        "fs.writeFileSync(marker, '');",
        "console.log(p.n_neighbors / 100);",
      ]);
      return python;
    };
    const args = ["bench", "run", "--suite", "sklearn-knn-iris", "--optimizers", "random", "--trials", "5", "--seeds", "1", "--jobs", "1"];
    const [text, json] = await Promise.all([
      run([...args, "--out", "flaky"], { SEXTANT_PYTHON: flakyPython("flaky") }),
      run([...args, "--out", "flaky-json", "--json"], { SEXTANT_PYTHON: flakyPython("flaky-json") }),
    ]);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /^sextant: in 1 run, the noiseless value of \d+ new incumbents? could not be measured \(measuring it failed or gave no finite value\); their regret is their observed value minus the reference \(first: random on sklearn-knn-iris, seed 0: .*crashed on the second run\)$/m,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ interrupted: false, runs: 1, failures: [], failedTrials: 0, recommendedNoiselessFailures: 0 });
    expect(JSON.parse(json.stdout).noiselessFailures).toBeGreaterThan(0);
  }, 120_000);

  it("refuses a budget too large to run or store as a usage error naming --trials, at once, where 1e12 was taken and ran on", async () => {
    // Killed if it runs: before the limit, --trials 1e12 ran for minutes, growing to gigabytes.
    const answer = async (args: string[]) => {
      const running = start(args, { cwd: dir });
      const timer = setTimeout(() => running.child.kill("SIGKILL"), 30_000);
      try {
        return await running.done;
      } finally {
        clearTimeout(timer);
      }
    };
    const ran = (trials: string, seeds = "1") => answer(["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", trials, "--seeds", seeds, "--out", "huge", "--jobs", "1"]);
    // A budget is written in decimal digits: 1e12 itself is refused as any other spelling of a number is.
    const [trillion, justAbove, fraction, zero, unsafe, seeds, tuned, exponent] = await Promise.all([
      ran("1000000000000"),
      ran("1000001"),
      ran("2.5"),
      ran("0"),
      ran("100000000000000000000"),
      ran("5", "1e9"),
      answer(["bench", "tune", "--suite", "branin-2d", "--candidates", "random,sobol", "--trials", "1000000000000", "--out", "huge-tune", "--jobs", "1"]),
      ran("1e12"),
    ]);
    const limit = "must be at most 1000000 (a run keeps its trials in memory and stores a regret per trial on one line of results.jsonl)";
    expect([trillion.code, trillion.stderr]).toEqual([2, `sextant: --trials: ${limit}, got 1000000000000\n`]);
    expect([justAbove.code, justAbove.stderr]).toEqual([2, `sextant: --trials: ${limit}, got 1000001\n`]);
    expect([tuned.code, tuned.stderr]).toEqual([2, `sextant: --trials: ${limit}, got 1000000000000\n`]);
    expect([fraction.code, fraction.stderr]).toEqual([2, 'sextant: --trials must be a positive integer, got "2.5"\n']);
    expect([zero.code, zero.stderr]).toEqual([2, 'sextant: --trials must be a positive integer, got "0"\n']);
    expect(unsafe.code).toBe(2);
    expect(unsafe.stderr).toMatch(/^sextant: --trials must be a positive integer of at most 9007199254740991 in size, got "100000000000000000000"$/m);
    expect([exponent.code, exponent.stderr]).toEqual([2, 'sextant: --trials must be a positive integer, got "1e12"\n']);
    expect(seeds.code).toBe(2);
    expect(seeds.stderr).toMatch(/^sextant: --seeds must be a count N, a range A-B or a list A,B,C of non-negative integers \(seeds below 2\^32, at most 1000000 of them\), got "1e9"$/m);
    expect(existsSync(join(dir, "huge")) || existsSync(join(dir, "huge-tune"))).toBe(false);
  }, 60_000);

  it("report -o - --json prints the report's data instead of its Markdown, where --json was ignored", async () => {
    const ran = await run(["bench", "run", "--suite", "branin-2d", "--optimizers", "random,sobol", "--trials", "4", "--seeds", "2", "--out", "lab-data", "--jobs", "1"]);
    expect(ran.code, ran.stderr).toBe(0);
    const printed = await run(["bench", "report", "lab-data", "-o", "-", "--json"]);
    expect(printed.code, printed.stderr).toBe(0);
    // The same JSON as the data file, which --json without -o names with the other files it wrote.
    expect(printed.stdout).toBe(readFileSync(join(dir, "lab-data/report.json"), "utf8"));
    expect((JSON.parse(printed.stdout) as { budgets: number[] }).budgets).toContain(4);
    expect(printed.stderr).toBe(`data: ${join(dir, "lab-data/report.json")}\nfigures: ${readdirSync(join(dir, "lab-data/report-figures")).length} SVG files in ${join(dir, "lab-data/report-figures")}\n`);
    expect(existsSync(join(dir, "lab-data/report.md"))).toBe(false);
  });

  describe("two runs into one folder at the same time", () => {
    /** A claim on a cell of `out`, as a run under way makes it, by the process `who`. */
    const writeClaim = (out: string, seed: number, who: WorkerIdentity): string => {
      const key = runKey("branin-2d", "random", seed);
      const file = cellClaimFile(join(dir, out), key);
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, JSON.stringify({ ...who, what: key, since: new Date().toISOString() }));
      return file;
    };

    it("share the grid: each run is made once, where the second ran every run the first had not finished too", async () => {
      // random's 4000 trials take a few tenths of a second: 8 runs keep each command busy for seconds.
      const args = (jobs: string) => ["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", "4000", "--seeds", "8", "--out", "shared", "--jobs", jobs, "--json"];
      const first = start(args("1"), { cwd: dir });
      const results = join(dir, "shared", "results.jsonl");
      const deadline = Date.now() + 60_000;
      while (!(existsSync(results) && readFileSync(results, "utf8").includes("\n")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const second = await run(args("2"));
      const firstDone = await first.done;
      type Summary = { runs: number; resumed: number; madeByOtherRuns: number; leftToOtherRuns: unknown[] };
      const [a, b] = [JSON.parse(firstDone.stdout) as Summary, JSON.parse(second.stdout) as Summary];
      expect([firstDone.code, second.code], `${firstDone.stderr}${second.stderr}`).toEqual([0, 0]);
      const lines = readFileSync(results, "utf8").trim().split("\n");
      expect(lines).toHaveLength(8);
      expect(new Set(lines.map((line) => (JSON.parse(line) as { seed: number }).seed)).size).toBe(8);
      // What each made, together, is the grid once; the second found at least the first's first run.
      const made = (s: Summary) => s.runs - s.resumed - s.madeByOtherRuns;
      expect(made(a) + made(b)).toBe(8);
      expect(b.resumed).toBeGreaterThan(0);
      // The one that ended last found every run made.
      expect(Math.max(a.runs, b.runs)).toBe(8);
      // Each claim was released, and the emptied folder removed.
      expect(existsSync(join(dir, "shared", "claims"))).toBe(false);
    }, 120_000);

    it("leave a run another live run has claimed to it, saying so, and take over a claim whose process is gone", async () => {
      // This test's process is alive: its claim is one of a run under way.
      const held = writeClaim("claimed", 0, currentWorker());
      const ran = await run(["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", "3", "--seeds", "2", "--out", "claimed", "--jobs", "1"]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^1 run in claimed \(\d+ s\); next: sextant bench report claimed$/m);
      expect(ran.stderr).toBe(
        `sextant: 1 run left to another bench run into claimed that has it under way (pid ${process.pid} on ${hostname()}), not run twice; ` +
          "run the same command again once that has ended, to run any it did not finish (a claim in claimed/claims of a run on another host that died is deleted by hand)\n",
      );
      expect(readResults(join(dir, "claimed")).map((r) => r.seed)).toEqual([1]);
      expect(existsSync(held)).toBe(true);
      // The claim of a process that is gone (killed, say) is stale: the next run takes it over.
      const gone = spawnSync("true").pid!;
      writeClaim("claimed", 0, { ...currentWorker(), id: "gone", pid: gone });
      const again = await run(["bench", "run", "--suite", "branin-2d", "--optimizers", "random", "--trials", "3", "--seeds", "2", "--out", "claimed", "--jobs", "1", "--json"]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ runs: 2, resumed: 1, madeByOtherRuns: 0, leftToOtherRuns: [] });
      expect(readResults(join(dir, "claimed")).map((r) => r.seed).sort()).toEqual([0, 1]);
      expect(existsSync(join(dir, "claimed", "claims"))).toBe(false);
    });
  });
});
