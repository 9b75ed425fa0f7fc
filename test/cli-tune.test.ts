// CLI suite (spawns `node bin/sextant.js` against dist/, with a SQLite file per test): sextant tune.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MedianPruner, TPESampler, createStudy } from "../src/index.js";
import type { FrozenTrial } from "../src/space/index.js";
import { openStorage } from "../src/storage/index.js";
import { FIXTURES, alive, sextant, sqliteTrials, start, tempDir } from "./fixtures/cli-run.js";
import { havePython, onTerminal } from "./fixtures/terminal.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

function trialsOf(study: string, db = join(dir, "sextant.db")): Promise<FrozenTrial[]> {
  return sqliteTrials(db, study);
}

const QUADRATIC = ["--param", "x=float:-5:5", "--param", "y=float:-5:5", "--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];

describe("sextant tune", () => {
  it("resuming a study with other directions says which --direction resumes it", async () => {
    const storage = await openStorage(`sqlite:${join(dir, "sextant.db")}`);
    await storage.createStudy("two", ["minimize", "maximize"]);
    await storage.close();
    const resumed = await sextant(["tune", "--study", "two", "--trials", "1", ...QUADRATIC], { cwd: dir });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toBe(
      'sextant: study "two" exists with directions [minimize, maximize], not [minimize]: to resume it give --direction minimize,maximize (or the same directions in the config); for a new study give another --study\n',
    );
    expect(await trialsOf("two")).toEqual([]);
  });

  it("fails a trial whose command prints another count of values than the directions, in the command's terms", async () => {
    // It read "objective returned 1 value(s) but the study has 2 objective(s)", the library's words.
    const one = ["--", "node", "-e", "console.log(1)"];
    writeFileSync(join(dir, "c.yaml"), ["study: cfg", "directions: [maximize]", "params: { x: 'float:0:1' }", "command: [node, -e, 'console.log(\"sextant: \" + JSON.stringify({ values: [1, 2] }))']", ""].join("\n"));
    // Three studies of their own, by tune, by a config and by create and a worker: they run at once.
    const [flagged, configured, worker] = await Promise.all([
      sextant(["tune", "--study", "two", "-d", "minimize,maximize", "-p", "x=float:0:1", "--trials", "1", ...one], { cwd: dir }),
      sextant(["tune", "--config", "c.yaml", "--trials", "1"], { cwd: dir }),
      (async () => {
        expect((await sextant(["create", "--study", "fleet", "-d", "minimize,maximize", "-p", "x=float:0:1", ...one], { cwd: dir })).code).toBe(0);
        return sextant(["worker", "--study", "fleet", "--trials", "1"], { cwd: dir });
      })(),
    ]);
    expect(flagged.code).toBe(1);
    const reason = `the command printed 1 value (1) but the study has 2 objectives (minimize, maximize), set by --direction: print one value per direction, in that order: 'sextant: {"values": [<number>, <number>]}'`;
    expect((await trialsOf("two")).map((t) => t.systemAttrs.failReason)).toEqual([reason]);
    expect(configured.code).toBe(1);
    expect((await trialsOf("cfg")).map((t) => t.systemAttrs.failReason)).toEqual([
      `the command printed 2 values (1, 2) but the study has 1 objective (maximize), set by the config's directions (c.yaml): print one value per direction, in that order: 'sextant: {"value": <number>}' or a number on the last line`,
    ]);
    expect(worker.stderr).toContain('trial 0 failed: the command printed 1 value (1) but the study has 2 objectives (minimize, maximize), set by --direction or the config\'s directions when study "fleet" was created: print one value per direction');
  });

  it("tunes a real command end to end into SQLite, then resumes with numbers continuing", async () => {
    const first = await sextant(["tune", "--study", "quad", "--trials", "40", "--jobs", "4", "--seed", "1", "--json", ...QUADRATIC], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.study).toBe("quad");
    expect(summary.storage).toBe("sqlite:./sextant.db");
    expect(summary.run).toMatchObject({ trials: 40, complete: 40, failed: 0 });
    // The optimum is 0 at (2, -1); over [-5, 5]^2 even random search gets within this in 40 trials.
    expect(summary.best.value).toBeLessThan(8);
    const { x, y } = summary.best.params;
    expect(summary.best.value).toBeCloseTo((x - 2) ** 2 + (y + 1) ** 2, 10);

    let trials = await trialsOf("quad");
    expect(trials).toHaveLength(40);
    expect(trials.every((t) => t.state === "complete")).toBe(true);
    expect(Math.min(...trials.map((t) => t.values![0]!))).toBe(summary.best.value);

    const second = await sextant(["tune", "--study", "quad", "--trials", "4", "--seed", "1", ...QUADRATIC], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('study "quad" resumed');
    expect(second.stderr).toMatch(/trial 4[0-3] complete value=/);
    expect(second.stdout).toContain("best trial:");
    trials = await trialsOf("quad");
    expect(trials.map((t) => t.number)).toEqual([...Array(44).keys()]);
  });

  it("derives a stable study name from the command, stores its settings, and warns when the space changes", async () => {
    const run = (extra: string[]) =>
      sextant(["tune", "--trials", "2", "--quiet", ...extra, "--param", "x=float:0:0.5", "--", "sh", join(FIXTURES, "cli-failing.sh"), "{x}"], { cwd: dir });
    const a = await run([]);
    expect(a.code, a.stderr).toBe(0);
    const storage = await openStorage(`sqlite:${join(dir, "sextant.db")}`);
    const studies = await storage.listStudies();
    await storage.close();
    expect(studies).toHaveLength(1);
    expect(studies[0]!.name).toMatch(/^cli-failing-[0-9a-f]{8}$/);
    const config = studies[0]!.systemAttrs["cli:config"] as Record<string, unknown>;
    expect(config.command).toEqual(["sh", join(FIXTURES, "cli-failing.sh"), "{x}"]);
    expect(config.space).toEqual({ x: { type: "float", low: 0, high: 0.5 } });

    const b = await sextant(
      ["tune", "--trials", "1", "--param", "x=float:0:0.4", "--", "sh", join(FIXTURES, "cli-failing.sh"), "{x}"],
      { cwd: dir },
    );
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(`study "${studies[0]!.name}" resumed`);
    expect(b.stderr).toMatch(/warning: .*different search space \(x: float:0:0.5 -> float:0:0.4\)/);
  });

  it("says once, at the trial, that a resumed run's changed range leaves the parameter out of the sampler's model", async () => {
    const run = (range: string, trials: string) =>
      sextant(["tune", "--study", "r", "--sampler", "cmaes", "--sampler-opt", "seed=1", "--trials", trials, "--param", `x=float:${range}`, "--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "1"], { cwd: dir });
    const first = await run("-5:5", "6");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain("warning");
    const resumed = await run("-10:10", "3");
    expect(resumed.code, resumed.stderr).toBe(0);
    // It said "earlier trials still guide the sampler", and then CMA-ES drew x at random for good.
    expect(resumed.stderr).toContain('different search space (x: float:-5:5 -> float:-10:10); earlier trials guide the sampler only where their parameters match\n');
    const leftOut = resumed.stderr.split("\n").filter((line) => line.includes('parameter "x" is sampled at random'));
    expect(leftOut).toEqual([expect.stringMatching(/^sextant: warning: trial 6: parameter "x" is sampled at random, not jointly by the cmaes sampler: .* start a new study/)]);
  });

  it("prints the command it runs, and the one a resumed study was created for, as words a shell reads back the same", async () => {
    // Joined with spaces, "sh -c echo $1; echo 2 sh {x}" read as seven words, not four.
    const run = (script: string) => sextant(["tune", "--study", "q", "--trials", "1", "--param", "x=float:0:1", "--", "sh", "-c", script, "sh", "{x}"], { cwd: dir });
    const first = await run("echo 1; echo $1");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("1 at a time: sh -c 'echo 1; echo $1' sh {x}\n");
    const second = await run("echo $1");
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`sextant: warning: study "q" was created for another command (sh -c 'echo 1; echo $1' sh {x})`);
  });

  it("warns when a resumed run uses another sampler or pruner than the study was created with", async () => {
    // Leaving out --pruner median on a resume ran without pruning, with only the start line to tell.
    const run = (extra: string[]) => sextant(["tune", "--study", "sp", "--trials", "1", ...extra, "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir, env: { SLEEP: "10" } });
    const first = await run(["--sampler", "tpe", "--pruner", "median"]);
    expect(first.code, first.stderr).toBe(0);
    const bare = await run([]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toContain(
      'sextant: warning: study "sp" was created with sampler tpe and pruner median; this run uses sampler auto and pruner none (give --sampler tpe --pruner median to go on with them)',
    );
    const same = await run(["--sampler", "tpe", "--pruner", "median"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).not.toContain("warning");
  });

  it("warns when a run resumes a library-made study with another sampler or pruner than the library recorded", async () => {
    // The library recorded only names, and a resume without --pruner ran a study made with a
    // median pruner of no warm-up without pruning, with nothing said.
    const library = await createStudy({ name: "lib", storage: `sqlite:${join(dir, "sextant.db")}`, sampler: new TPESampler({ seed: 1 }), pruner: new MedianPruner({ nWarmupSteps: 0 }) });
    await library.close();
    const run = (extra: string[]) => sextant(["tune", "--study", "lib", "--trials", "1", ...extra, "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir, env: { SLEEP: "10" } });
    const bare = await run([]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toContain(
      'sextant: warning: study "lib" was created with sampler tpe and pruner median (nWarmupSteps=0); this run uses sampler auto and pruner none (give --sampler tpe --pruner median --pruner-opt nWarmupSteps=0 to go on with them)',
    );
    const same = await run(["--sampler", "tpe", "--pruner", "median", "--pruner-opt", "n_warmup_steps=0"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).not.toContain("warning");
  });

  it("warns of a resumed pruner's other options, and advises the flags that give back the stored ones", async () => {
    // --pruner median alone pruned by its default warm-up without a word; "give --pruner threshold"
    // (bounds left out) was advice that failed.
    const run = (extra: string[]) => sextant(["tune", "--study", "po", "--trials", "1", ...extra, "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir, env: { SLEEP: "10" } });
    const first = await run(["--pruner", "threshold", "--pruner-opt", "upper=0.5", "--pruner-opt", "n_warmup_steps=2"]);
    expect(first.code, first.stderr).toBe(0);
    const other = await run(["--pruner", "threshold", "--pruner-opt", "upper=0.9"]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain(
      'sextant: warning: study "po" was created with pruner threshold (upper=0.5, n_warmup_steps=2); this run uses pruner threshold (upper=0.9) (give --pruner threshold --pruner-opt upper=0.5 --pruner-opt n_warmup_steps=2 to go on with it)',
    );
    const bare = await run([]);
    expect(bare.stderr).toContain("this run uses pruner none (give --pruner threshold --pruner-opt upper=0.5 --pruner-opt n_warmup_steps=2 to go on with it)");
    // The same options in another spelling are the same pruner.
    const same = await run(["--pruner", "threshold", "--pruner-opt", "n-warmup-steps=2", "--pruner-opt", "upper=0.50"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).not.toContain("warning");
  });

  it("takes a pruner's default options, and wrappedOptions in another spelling, for the same pruner on a resume", async () => {
    // --pruner-opt n_startup_trials=5 (median's default) and wrappedOptions keyed n_startup_trials for nStartupTrials were warned of as another pruner.
    const run = (study: string, extra: string[]) => sextant(["tune", "--study", study, "--trials", "1", "--pruner", ...extra, "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir, env: { SLEEP: "10" } });
    expect((await run("md", ["median"])).code).toBe(0);
    const defaulted = await run("md", ["median", "--pruner-opt", "n_startup_trials=5"]);
    expect(defaulted.code, defaulted.stderr).toBe(0);
    expect(defaulted.stderr).not.toContain("warning");
    const patient = (wrappedOptions: string) => ["patient", "--pruner-opt", "patience=2", "--pruner-opt", "wrapped=median", "--pruner-opt", `wrapped_options=${wrappedOptions}`];
    expect((await run("pa", patient('{"nStartupTrials":5}'))).code).toBe(0);
    const respelled = await run("pa", patient('{"n_startup_trials": 5}'));
    expect(respelled.code, respelled.stderr).toBe(0);
    expect(respelled.stderr).not.toContain("warning");
    const other = await run("pa", patient('{"n_startup_trials": 6}'));
    expect(other.stderr).toContain('this run uses pruner patient (patience=2, wrapped=median, wrapped_options={"n_startup_trials": 6})');
  });

  it("leaves a pruner seed that came from --seed out of the resume's comparison, as the sampler's", async () => {
    // --seed fills curve's seed option, and each resume under another --seed (or none) was warned of another pruner.
    const run = (extra: string[]) => sextant(["tune", "--study", "cs", "--trials", "1", "--pruner", "curve", ...extra, "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir, env: { SLEEP: "10" } });
    expect((await run(["--seed", "1"])).code).toBe(0);
    for (const extra of [["--seed", "2"], []]) {
      const resumed = await run(extra);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).not.toContain("warning");
    }
    // A seed of the pruner's own is still compared.
    const own = await run(["--pruner-opt", "seed=2"]);
    expect(own.stderr).toContain('sextant: warning: study "cs" was created with pruner curve (seed=1); this run uses pruner curve (seed=2)');
  });

  it("fails trials of a failing command with exit code and stderr tail, and goes on", async () => {
    const result = await sextant(
      ["tune", "--study", "f", "--trials", "12", "--seed", "3", "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-failing.sh"), "{x}"],
      { cwd: dir },
    );
    const trials = await trialsOf("f");
    expect(trials).toHaveLength(12);
    const failed = trials.filter((t) => t.state === "failed");
    const complete = trials.filter((t) => t.state === "complete");
    expect(failed.length).toBeGreaterThan(0);
    expect(complete.length).toBeGreaterThan(0);
    expect(result.code).toBe(0);
    for (const t of failed) {
      expect(t.params.x as number).toBeGreaterThan(0.5);
      expect(t.systemAttrs.exitCode).toBe(3);
      expect(t.systemAttrs.stderrTail).toContain("is too large");
      expect(t.systemAttrs.failReason).toMatch(/^exit code 3: error: x=.* is too large$/);
      expect(result.stderr).toContain(`trial ${t.number} failed: exit code 3`);
    }
    for (const t of complete) expect(t.values![0]).toBe(t.params.x);
  });

  it("refuses a command that does not exist before any trial", async () => {
    const missing = await sextant(["tune", "--study", "m", "--param", "x=float:0:1", "--", "no-such-program-sextant", "{x}"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('sextant: command "no-such-program-sextant" not found on PATH; no trial was started\n');
    writeFileSync(join(dir, "plain.sh"), "echo 1\n");
    const notExecutable = await sextant(["tune", "--study", "m", "--param", "x=float:0:1", "--", "./plain.sh", "{x}"], { cwd: dir });
    expect(notExecutable.code).toBe(2);
    expect(notExecutable.stderr).toMatch(/command "\.\/plain\.sh" is not executable/);
    expect(await trialsOf("m")).toEqual([]);
  });

  it("refuses an executable script without a #! line, which /bin/sh would run, before any trial", async () => {
    // Every trial failed with a shell syntax error instead ("import: not found", "Syntax error: ...").
    writeFileSync(join(dir, "noshebang.py"), 'import sys\nprint(f"sextant: {{\\"value\\": {sys.argv[1]}}}")\n', { mode: 0o755 });
    const refused = await sextant(["tune", "--study", "s", "--trials", "2", "--param", "x=float:0:1", "--", "./noshebang.py", "{x}"], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'sextant: command "./noshebang.py" has no "#!" line, so it would be run by /bin/sh: add "#!/usr/bin/env python3" as its first line, ' +
        'or run it as "python3 ./noshebang.py"; no trial was started\n',
    );
    expect(await trialsOf("s")).toEqual([]);
    // A shell script needs no "#!" line: /bin/sh is what runs it.
    writeFileSync(join(dir, "plain-run"), 'echo "sextant: {\\"value\\": $1}"\n', { mode: 0o755 });
    const shell = await sextant(["tune", "--study", "t", "--trials", "1", "--param", "x=float:0:1", "--", "./plain-run", "{x}"], { cwd: dir });
    expect(shell.code).toBe(0);
    expect((await trialsOf("t")).map((t) => t.state)).toEqual(["complete"]);
  });

  it("refuses a --cwd that is a file, not a folder, before any trial (tune and worker)", async () => {
    // Every trial failed with "spawn ENOTDIR" instead.
    const file = join(dir, "notes.txt");
    writeFileSync(file, "x\n");
    const command = ["--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"];
    const tuned = await sextant(["tune", "--study", "c", "--trials", "2", "--cwd", file, ...command], { cwd: dir });
    expect(tuned.code).toBe(2);
    expect(tuned.stderr).toBe(`sextant: working directory ${file} is not a folder; no trial was started\n`);
    expect(await trialsOf("c")).toEqual([]);
    const created = await sextant(["create", "--study", "w", "--trials", "2", ...command], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const worker = await sextant(["worker", "--study", "w", "--cwd", file], { cwd: dir });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain(`sextant: working directory ${file} (from --cwd) is not a folder on this machine; no trial was started`);
    expect((await trialsOf("w")).map((t) => t.state)).toEqual(["waiting", "waiting"]);
  });

  it("passes hostile values as one literal argument each, plus env vars and a params file", async () => {
    const pwned = join(dir, "pwned");
    const record = join(dir, "record.jsonl");
    const hostile = [`a; touch ${pwned}`, `$(touch ${pwned})`, `\`touch ${pwned}\` && echo`, "it's \"quoted\" | cat"];
    writeFileSync(
      join(dir, "inject.yaml"),
      [
        "study: inject",
        `command: ["sh", ${JSON.stringify(join(FIXTURES, "cli-record.sh"))}, "{c}", "--n={n}"]`,
        "trials: 8",
        "env:",
        `  RECORD: ${JSON.stringify(record)}`,
        "params:",
        "  c:",
        "    type: categorical",
        `    choices: ${JSON.stringify(hostile)}`,
        '  n: "int:1:3"',
      ].join("\n"),
    );
    const result = await sextant(["tune", "--config", "inject.yaml", "--quiet"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(record, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(8);
    const trials = await trialsOf("inject");
    for (const line of lines) {
      const number = Number(line.env.SEXTANT_TRIAL_NUMBER);
      const trial = trials[number]!;
      expect(line.argv).toEqual([trial.params.c, `--n=${trial.params.n}`]);
      expect(hostile).toContain(line.argv[0]);
      expect(line.env.SEXTANT_PARAM_C).toBe(trial.params.c);
      expect(line.env.SEXTANT_PARAM_N).toBe(String(trial.params.n));
      expect(line.env.SEXTANT_STUDY).toBe("inject");
      expect(line.params).toEqual(trial.params);
      expect(existsSync(line.env.SEXTANT_PARAMS_FILE)).toBe(false);
      // Commands in a config file run from the config's folder.
      expect(line.cwd).toBe(dir);
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it("stops starting trials once the run's first ones have all failed the same way, and runs through with --max-initial-failures 0", async () => {
    // A mistyped script: every trial failed alike, 20 times over, before the run said so.
    const mistyped = ["--param", "x=float:0:1", "--", "node", join(dir, "trian.mjs"), "{x}"];
    const stopped = await sextant(["tune", "--study", "typo", "--trials", "20", ...mistyped], { cwd: dir });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/sextant: stopped after the first 5 trial\(s\) of this run all failed the same way \(exit code 1.*; -v shows their stderr\): the command looks broken whatever the parameters; fix it and run the same command again/);
    expect((await trialsOf("typo")).map((t) => t.state)).toEqual(new Array(5).fill("failed"));
    // The config's key, and the flag over it.
    writeFileSync(join(dir, "c.yaml"), ["study: typo", "maxInitialFailures: 2", ""].join("\n"));
    const fromConfig = await sextant(["tune", "--config", "c.yaml", "--trials", "20", ...mistyped], { cwd: dir });
    expect(fromConfig.stderr).toContain("stopped after the first 2 trial(s)");
    const through = await sextant(["tune", "--config", "c.yaml", "--trials", "7", "--max-initial-failures", "0", ...mistyped], { cwd: dir });
    expect(through.code).toBe(1);
    expect(through.stderr).toContain("sextant: all 7 trial(s) failed; last reason: exit code 1");
    expect(await trialsOf("typo")).toHaveLength(14);
  });

  it("goes on when its first trials fail in different ways, as bad hyperparameters make them", async () => {
    // Fails below x = 0.9, each time with another message; sh and awk rather than a Node start per trial.
    const code = `if X=$1 awk 'BEGIN { exit !(ENVIRON["X"] + 0 < 0.9) }'; then echo "diverged at x=$1" >&2; exit 1; fi; echo "$1"`;
    const result = await sextant(["tune", "--study", "diverging", "--trials", "8", "--sampler", "random", "--seed", "1", "--param", "x=float:0:1", "--", "sh", "-c", code, "sh", "{x}"], { cwd: dir });
    expect(result.stderr).not.toContain("stopped after the first");
    expect(await trialsOf("diverging")).toHaveLength(8);
  });

  it("kills a command that outlives --trial-timeout, children included, and fails its trial", async () => {
    const pids = join(dir, "pids");
    const started = Date.now();
    const result = await sextant(
      ["tune", "--study", "t", "--trials", "2", "--trial-timeout", "0.5", "--kill-grace", "0.5", "--param", "x=float:0:1", "--", join(FIXTURES, "cli-sleepy.sh"), "{x}"],
      { cwd: dir, env: { PIDS: pids } },
    );
    // Each command would sleep 60 s; killed, the two take about 2 s (the margin is for a loaded machine).
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("all 2 trial(s) failed; last reason: timed out after 0.5s");
    const trials = await trialsOf("t");
    expect(trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual([
      ["failed", "timed out after 0.5s"],
      ["failed", "timed out after 0.5s"],
    ]);
    const children = readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(children).toHaveLength(2);
    for (let i = 0; i < 20 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(children.filter(alive)).toEqual([]);
  });

  it("prunes unpromising commands with --pruner median", async () => {
    const marker = join(dir, "steps");
    const result = await sextant(
      [
        "tune", "--study", "p", "--trials", "16", "--seed", "5", "--pruner", "median", "--json",
        "--param", "base=float:0:10", "--", "sh", join(FIXTURES, "cli-steps.sh"), "{base}",
      ],
      { cwd: dir, env: { MARKER: marker, DELAY: "25", STEPS: "8" } },
    );
    expect(result.code, result.stderr).toBe(0);
    const trials = await trialsOf("p");
    const pruned = trials.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    const steps = readFileSync(marker, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
    for (const t of pruned) {
      const reached = steps.filter(([n]) => n === t.number).map(([, s]) => s!);
      expect(Math.max(...reached)).toBeLessThan(7);
    }
    expect(JSON.parse(result.stdout).run.pruned).toBe(pruned.length);
  });

  it("keeps the first value of a step the command reports twice, and warns", async () => {
    const program = 'console.log(\'sextant: {"step": 0, "value": 1}\'); console.log(\'sextant: {"step": 0, "value": 2}\'); console.log(3)';
    const result = await sextant(["tune", "--study", "twice", "--trials", "1", "--quiet", "--param", "x=float:0:1", "--", "node", "-e", program, "{x}"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("sextant: warning: trial 0: step 0 was already reported as 1; ignoring 2");
    const [trial] = await trialsOf("twice");
    expect(trial).toMatchObject({ state: "complete", values: [3], intermediate: { 0: 1 } });
  });

  it("stops on SIGINT: running commands stopped, trials failed as interrupted, exit 130, and resumes", async () => {
    const pids = join(dir, "pids");
    const args = ["tune", "--study", "int", "--jobs", "2", "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"];
    const run = start([...args.slice(0, 3), "--trials", "20", ...args.slice(3)], { cwd: dir, env: { SLEEP: "700", PIDS: pids } });
    await run.waitForStderr(/trial \d+ complete/);
    await run.waitForStderr("trial 1 complete");
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("SIGINT received");
    expect(result.stderr).toContain("interrupted by SIGINT");
    let trials = await trialsOf("int");
    expect(trials.filter((t) => t.state === "running" || t.state === "waiting")).toEqual([]);
    const interrupted = trials.filter((t) => t.state === "failed");
    expect(interrupted.length).toBeGreaterThan(0);
    for (const t of interrupted) expect(t.systemAttrs.failReason).toBe("interrupted");
    for (const pid of readFileSync(pids, "utf8").trim().split("\n").map(Number)) expect(alive(pid)).toBe(false);

    const before = trials.length;
    const again = await sextant([...args.slice(0, 3), "--trials", "2", ...args.slice(3)], { cwd: dir, env: { SLEEP: "10" } });
    expect(again.code, again.stderr).toBe(0);
    trials = await trialsOf("int");
    expect(trials.map((t) => t.number)).toEqual([...Array(before + 2).keys()]);
    expect(trials.slice(before).every((t) => t.state === "complete")).toBe(true);
  });

  it("stops in order on a SIGTERM sent the moment it says the study is created", async () => {
    // Its signal handlers used to be installed after the "created in" line: a supervisor that
    // signalled on that line could run before tune reached them, and Node's default action killed
    // it (about 6 starts in 10 here).
    for (let attempt = 0; attempt < 8; attempt++) {
      const study = `quick-${attempt}`;
      const run = start(["tune", "--study", study, "--trials", "3", "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir, env: { SLEEP: "10" } });
      await run.waitForStderr("created in");
      run.child.kill("SIGTERM");
      const ended = await run.done;
      expect([attempt, ended.code, ended.signal]).toEqual([attempt, 143, null]);
      expect(ended.stderr).toContain("interrupted by SIGTERM");
      expect((await trialsOf(study)).filter((t) => t.state === "running" || t.state === "waiting")).toEqual([]);
    }
  });

  it("says why a grid run stops short of --trials, and why a resumed one starts no trial", async () => {
    // The grid has 3 points. The run ended after 3 of 10 trials, and the rerun after 0, without a word.
    const args = ["tune", "--study", "g", "--trials", "10", "--sampler", "grid", "--param", "x=int:0:2", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"];
    const first = await sextant(args, { cwd: dir, env: { SLEEP: "10" } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('sextant: stopped after 3 of 10 trial(s): the grid sampler has no point left to propose: each of its points has a trial in study "g"');
    const again = await sextant(args, { cwd: dir, env: { SLEEP: "10" } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("sextant: stopped after 0 of 10 trial(s): the grid sampler has no point left to propose");
    expect((await trialsOf("g")).map((t) => t.params.x).sort()).toEqual([0, 1, 2]);
    // A run that gets every trial it asked for has nothing to explain.
    const exact = await sextant(["tune", "--study", "h", "--trials", "3", ...args.slice(5)], { cwd: dir, env: { SLEEP: "10" } });
    expect(exact.code, exact.stderr).toBe(0);
    expect(exact.stderr).not.toContain("stopped after");
  });
});

describe("sextant tune stopping short of --trials", () => {
  it("says why the run that created the study stops short of --trials when another tune ran trials on it", async () => {
    // The first run's --trials is the study's total, and the second tune's trials count against
    // it: the first run ended after 1 of its 3 trials without a word.
    const gate = join(dir, "gate");
    const command = ["--study", "s", "--trials", "3", "--param", "x=float:0:1", "--", "sh", "-c", 'echo waiting; until [ -z "$GATE" ] || [ -e "$GATE" ]; do sleep 0.05; done; echo 1', "sh", "{x}"];
    const first = start(["tune", "--verbose", ...command], { cwd: dir, env: { GATE: gate } });
    await first.waitForStderr("[trial 0] waiting");
    const second = await sextant(["tune", ...command], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    writeFileSync(gate, "");
    const ended = await first.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toContain(
      'sextant: stopped after 1 of 3 trial(s): study "s" reached its total of 3 trial(s), which its first run\'s --trials sets and which counts the 3 trial(s) other processes (another sextant tune, or workers) ran on it',
    );
    expect(second.stderr).not.toContain("stopped after");
    expect((await trialsOf("s")).map((t) => t.state)).toEqual(["complete", "complete", "complete", "complete"]);
  });

  it("says that --timeout ended a run that also has --trials", async () => {
    const ended = await sextant(["tune", "--study", "t", "--trials", "5", "--timeout", "0.001", "--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], {
      cwd: dir,
      env: { SLEEP: "10" },
    });
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(/sextant: stopped after [0-4] of 5 trial\(s\): --timeout 0.001s passed, and no trial starts after it/);
  });
});

describe.skipIf(!havePython)("sextant tune on a terminal", () => {
  const onTerminalWith = async (term: string): Promise<string> => {
    const args = ["tune", "--study", `t-${term}`, "--trials", "3", "--param", "x=float:0:1", "--", "sh", "-c", "sleep 0.4; echo $1", "sh", "{x}"];
    return (await onTerminal(args, { cwd: dir, env: { TERM: term } })).output;
  };

  it("redraws a progress line on a terminal, and none where TERM=dumb says escape codes are not understood", async () => {
    expect(await onTerminalWith("xterm")).toContain("\u001b[2K");
    // It sent "ESC[2K" every 250 ms to Emacs' shell.
    const dumb = await onTerminalWith("dumb");
    expect(dumb).not.toContain("\u001b[");
    expect(dumb).toContain("3 trial(s)");
  });
});

describe("sextant tune with a temporary folder that does not exist", () => {
  it("refuses before the first trial instead of failing every trial", async () => {
    const result = await sextant(["tune", "--study", "tmp", "--trials", "5", "--param", "x=float:0:1", "--", "sh", "-c", "echo $1", "sh", "{x}"], {
      cwd: dir,
      env: { TMPDIR: join(dir, "missing") },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the temporary folder ${join(dir, "missing")} (TMPDIR) does not exist or is not writable`);
    expect(existsSync(join(dir, "sextant.db")) ? await trialsOf("tmp").catch(() => []) : []).toEqual([]);
  });
});

describe("sextant tune on memory: interrupted", () => {
  it("does not tell the user to run the command again to continue a study that died with it", async () => {
    const run = start(["tune", "--storage", "memory:", "--study", "m", "--trials", "3", "--param", "x=float:0:1", "--", "sh", "-c", "sleep 30; echo $1", "sh", "{x}"], { cwd: dir });
    await run.waitForStderr("created in");
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("The study was in memory and is gone (keep one with --storage sqlite:FILE).");
    expect(result.stderr).not.toContain("Run the same command again");
  });
});

describe("sextant tune --storage sqlite:///FILE", () => {
  it("makes FILE in the working folder, as SQLAlchemy and Optuna read three slashes, where it made /FILE", async () => {
    // In a folder no root has, so that a Sextant reading three slashes as absolute fails rather than write into /.
    const folder = basename(dir);
    mkdirSync(join(dir, folder));
    const result = await sextant(["tune", "--storage", `sqlite:///${folder}/rel.db`, "--study", "rel", "--trials", "2", ...QUADRATIC], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(dir, folder, "rel.db"))).toBe(true);
    expect(await trialsOf("rel", join(dir, folder, "rel.db"))).toHaveLength(2);
  });

  it("refuses, and creates nothing, when FILE is missing but /FILE exists, where three slashes used to point", async () => {
    const { dir: elsewhere, cleanup: removeElsewhere } = tempDir("sextant-former-");
    try {
      const former = join(elsewhere, "old.db");
      const made = await sextant(["tune", "--storage", `sqlite:${former}`, "--study", "old", "--trials", "1", ...QUADRATIC], { cwd: dir });
      expect(made.code, made.stderr).toBe(0);
      const url = `sqlite://${former}`; // three slashes
      const expected = `storage URL "${url}" names ${former.slice(1)} (relative, as in SQLAlchemy and Optuna), which does not exist, but ${former} does: write sqlite:${former} or sqlite:///${former}`;
      // tune, and a command that only reads, alike.
      for (const args of [["tune", "--storage", url, "--study", "old", "--trials", "1", ...QUADRATIC], ["studies", "--storage", url]]) {
        const result = await sextant(args, { cwd: dir });
        expect(result.code, args[0]).toBe(2);
        expect(result.stderr).toContain(expected);
      }
      const viaEnvironment = await sextant(["best", "old"], { cwd: dir, env: { SEXTANT_STORAGE: url } });
      expect(viaEnvironment.code).toBe(2);
      expect(viaEnvironment.stderr).toContain(`SEXTANT_STORAGE: ${expected}`);
      expect(readdirSync(dir)).toEqual([]);
      expect(await trialsOf("old", former)).toHaveLength(1);
    } finally {
      removeElsewhere();
    }
  });
});
