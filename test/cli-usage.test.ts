// CLI suite (spawns `node bin/sextant.js` against dist/): usage errors exit 2 and runtime failures
// 1, conflicting flags are refused, flags after the command are warned of, and tune's summary
// counts every trial.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
import { createStudy } from "../src/study/index.js";
import { FIXTURES, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
let storage: string;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  storage = `sqlite:${join(dir, "runs.db")}`;
  const opened = await openStorage(storage);
  const study = await createStudy({ name: "demo", storage: opened, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
  await study.optimize((trial) => (trial.suggestFloat("x", -5, 5) - 1) ** 2 + trial.suggestFloat("y", -5, 5), { nTrials: 6 });
  await opened.close();
});
afterEach(() => cleanup());

const run = (args: string[], env?: Record<string, string>) => sextant(args, { cwd: dir, ...(env ? { env } : {}) });
const QUADRATIC = ["sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "1"];

describe("exit codes", () => {
  it("exits 2 on every kind of usage error, and nothing is created", async () => {
    const cases: Array<{ args: string[]; env?: Record<string, string>; stderr: RegExp }> = [
      // A missing command printed the help and exited 0.
      { args: [], stderr: /^Usage: sextant/ },
      { args: ["bench"], stderr: /^Usage: sextant bench/ },
      // A storage URL that is no URL, given as a flag or in the environment, exited 1.
      // It names every form openStorage reads, as the --storage help does.
      { args: ["studies", "--storage", "bogus:"], stderr: /^sextant: --storage: unknown storage URL "bogus:": use sqlite:PATH \(also sqlite:\/\/\/relative\.db or sqlite:\/\/\/\/absolute\.db\), postgres:\/\/ or postgresql:\/\/USER@HOST:PORT\/DB\[\?schema=NAME\], or memory:\n$/ },
      { args: ["studies"], env: { SEXTANT_STORAGE: "sqlite:" }, stderr: /^sextant: SEXTANT_STORAGE: storage URL "sqlite:" has no file path/ },
      // A path ending in "/" names a folder: tune made a database file named like the folder
      // ("runs"), which studies, trials and best, given the same URL, then said did not exist.
      { args: ["tune", "--storage", "sqlite:./runs/", "-n", "1", "-p", "x=float:0:1", "--", ...QUADRATIC], stderr: /^sextant: --storage: storage URL "sqlite:\.\/runs\/" ends in "\/", which names a folder; give the database file, e.g\. sqlite:\.\/runs\/sextant\.db\n$/ },
      { args: ["studies", "--storage", "sqlite:./runs/"], stderr: /^sextant: --storage: storage URL "sqlite:\.\/runs\/" ends in "\/"/ },
      // No shell expands a ~ after "sqlite:": tune said to create a folder named "~" first.
      { args: ["tune", "--storage", "sqlite:~/runs.db", "-n", "1", "-p", "x=float:0:1", "--", ...QUADRATIC], stderr: new RegExp(`^sextant: --storage: storage URL "sqlite:~/runs\\.db" starts with ~, which no shell expands there: write the home folder out, e\\.g\\. sqlite:${homedir().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/runs\\.db\n$`) },
      // A PostgreSQL URL parameter nothing reads, or a bad value of one Sextant reads, exited 1 (refused only when opened).
      { args: ["studies", "--storage", "postgres://me@127.0.0.1:1/db?schma=runs"], stderr: /^sextant: --storage: cannot open postgres:\/\/me@127\.0\.0\.1:1\/db\?schma=runs: unknown URL parameter "schma" \(did you mean "schema"\?\)/ },
      { args: ["studies"], env: { SEXTANT_STORAGE: "postgres://me@127.0.0.1:1/db?synchronous_commit=maybe" }, stderr: /^sextant: SEXTANT_STORAGE: cannot open postgres:\/\/me@127\.0\.0\.1:1\/db\?synchronous_commit=maybe: synchronous_commit must be on or off/ },
      // A pruner of one objective for two exited 1 in tune, and create made a study every worker failed on.
      { args: ["tune", "--storage", storage, "-p", "x=float:0:1", "-d", "minimize,maximize", "--pruner", "median", "--", ...QUADRATIC], stderr: /^sextant: the median pruner supports single-objective studies only; this study has 2 objectives/ },
      { args: ["create", "--storage", storage, "--study", "mo", "-p", "x=float:0:1", "-d", "minimize,maximize", "--pruner", "median", "--", ...QUADRATIC], stderr: /^sextant: the median pruner supports single-objective studies only/ },
      { args: ["create", "--storage", storage, "--study", "mo", "-p", "x=float:0:1", "-d", "minimize,maximize", "--sampler", "cmaes", "--", ...QUADRATIC], stderr: /^sextant: the cmaes sampler supports one objective/ },
      // A study name a URL cannot carry exited 1 in tune and was an internal error in create.
      { args: ["tune", "--storage", storage, "--study", ".", "-p", "x=float:0:1", "--", ...QUADRATIC], stderr: /^sextant: --study must not be "\."/ },
      { args: ["create", "--storage", storage, "--study", "..", "-p", "x=float:0:1", "--", ...QUADRATIC], stderr: /^sextant: --study must not be "\.\."/ },
      { args: ["worker", "--storage", storage, "--study", " "], stderr: /^sextant: --study must not be blank/ },
      // A parameter the study does not have exited 1.
      { args: ["importance", "demo", "--storage", storage, "--params", "x,z"], stderr: /^sextant: --params: study "demo" has no parameter named "z" \(parameters: x, y\)/ },
      // Conflicting output choices: one was silently picked.
      { args: ["export", "demo", "--storage", storage, "--json", "--format", "csv"], stderr: /^sextant: --json and --format csv ask for different output formats; give one of them\n$/ },
      { args: ["create", "--storage", storage, "--study", "q", "--json", "--quiet", "-p", "x=float:0:1", "--", ...QUADRATIC], stderr: /^sextant: option '-q, --quiet' cannot be used with option '--json'/ },
    ];
    for (const { args, env, stderr } of cases) {
      const result = await run(args, env);
      expect([result.code, result.stdout], args.join(" ")).toEqual([2, ""]);
      expect(result.stderr, args.join(" ")).toMatch(stderr);
    }
    const opened = await openStorage(storage);
    expect((await opened.listStudies()).map((s) => s.name)).toEqual(["demo"]);
    await opened.close();
    expect(existsSync(join(dir, "runs"))).toBe(false);
    expect(existsSync(join(dir, "~"))).toBe(false);
  }, 60_000);

  it("keeps runtime failures at 1, and agreeing flags work", async () => {
    for (const args of [["best", "nosuch", "--storage", storage], ["export", "demo", "--storage", storage, "--lineage"]]) {
      expect((await run(args)).code, args.join(" ")).toBe(1);
    }
    const json = await run(["export", "demo", "--storage", storage, "--json", "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).trials).toHaveLength(6);
  });

  it("are listed in the top-level help", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {6}success\n {2}1 {6}a failure while running[\s\S]*\n {2}2 {6}a usage error[\s\S]*\n {2}128\+N {2}/);
    // serve and dashboard exit 131 on Ctrl-\ (SIGQUIT): the help said they exit 0 on a signal, and bench tune was not named.
    expect(help.stdout).toContain("bench run and bench tune stopped by");
    expect(help.stdout).toContain("Ctrl-\\ (SIGQUIT, which cuts off the requests under way) 131");
  });
});

describe("tune's flags after the command", () => {
  const TUNE = ["tune", "--storage", "memory:", "--json", "-p", "x=float:0:1"];

  it("warns that they go to the command, once, and runs as told", async () => {
    const result = await run([...TUNE, "--trials", "1", ...QUADRATIC, "--trials", "5", "--sampler=tpe"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      "sextant: warning: --trials and --sampler come after the command, so the command gets them, not sextant tune; " +
        "put sextant's flags before the command, or use -- to mark where the command starts (sextant tune [flags] -- sh …)\n",
    );
    // By design the command got them: one trial ran, not five.
    expect(JSON.parse(result.stdout).run.trials).toBe(1);
  });

  it("says nothing after --, nor of the program's own flags", async () => {
    for (const args of [[...TUNE, "--trials", "1", "--", ...QUADRATIC, "--trials", "5"], [...TUNE, "--trials", "1", ...QUADRATIC, "--n-trials", "5"]]) {
      const result = await run(args);
      expect([result.code, result.stderr], args.join(" ")).toEqual([0, ""]);
    }
  });
});

describe("tune's summary", () => {
  it("counts the enqueued trials still waiting", async () => {
    const args = ["tune", "--storage", "memory:", "-q", "-p", "x=float:0:1", "--trials", "1", "--enqueue", "x=0.1", "--enqueue", "x=0.2", "--enqueue", "x=0.3"];
    const result = await run([...args, "--", ...QUADRATIC]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("1 trial(s) in");
    expect(result.stdout).toContain(", 3 in total (memory:)");
    expect(result.stdout).toMatch(/^complete +1 +1\npruned +0 +0\nfailed +0 +0\nwaiting +- +2\n/m);
  });
});
