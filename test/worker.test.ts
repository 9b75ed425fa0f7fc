/**
 * `sextant create` + several `sextant worker` processes sharing one SQLite file: exact budgets,
 * recovery of a SIGKILLed worker's trial through heartbeats, and a live trial that blocks its
 * event loop for longer than the grace and must not be reaped. Runs bin/sextant.js against dist/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler, loadStudy } from "../src/index.js";
import type { FrozenTrial } from "../src/space/index.js";
import { shellWord } from "../src/cli/format.js";
import { CLI_CREATING_KEY } from "../src/cli/study-config.js";
import { openStorage } from "../src/storage/index.js";
import { SqliteStorage } from "../src/storage/sqlite.js";
import { BIN, FIXTURES, type Running, sextant, start, tempDir } from "./fixtures/cli-run.js";
import { type ScratchDatabase, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";
import { type ServeProcess, startServe } from "./fixtures/serve-run.js";

const SLOW = join(FIXTURES, "cli-slow.sh");

/** The trials of a study, read through a connection of the test's own (`path` alone means a SQLite file). */
async function trialsOf(path: string, study: string): Promise<FrozenTrial[]> {
  const storage = await openStorage(path.includes(":") ? path : `sqlite:${path}`);
  try {
    const record = await storage.getStudy(study);
    return record ? [...(await storage.trialsSince(record.id, 0)).trials] : [];
  } finally {
    await storage.close();
  }
}

async function studyAttrs(path: string, study: string): Promise<Record<string, unknown> | null> {
  const storage = await openStorage(`sqlite:${path}`);
  try {
    return (await storage.getStudy(study))?.systemAttrs ?? null;
  } finally {
    await storage.close();
  }
}

/** Polls the file until `ready` holds for its trials; generous, because the machine may be loaded. */
async function waitForTrials(path: string, study: string, ready: (trials: FrozenTrial[]) => boolean, timeoutMs = 60_000): Promise<FrozenTrial[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const trials = await trialsOf(path, study);
    if (ready(trials)) return trials;
    if (Date.now() > deadline) throw new Error(`timed out; trials: ${JSON.stringify(trials.map((t) => [t.number, t.state]))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function workerPid(trial: FrozenTrial): number | undefined {
  const worker = trial.systemAttrs.worker as { pid?: number } | undefined;
  return worker?.pid;
}

describe("sextant create + sextant worker (sqlite)", { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => void;
  let db: string;
  const running: Running[] = [];
  const pidsFile = () => join(dir, "pids");

  beforeEach(() => {
    ({ dir, cleanup } = tempDir("sextant-worker-"));
    db = join(dir, "fleet.db");
    writeFileSync(pidsFile(), "");
  });
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill("SIGKILL");
    cleanup();
  });

  const create = (study: string, extra: string[]) =>
    sextant(["create", "--storage", `sqlite:${db}`, "--study", study, "-p", "x=float:0:10", ...extra, "--", "sh", SLOW, "{x}"], { cwd: dir });
  const worker = (study: string, extra: string[] = [], env: Record<string, string> = {}) => {
    const r = start(["worker", "--storage", `sqlite:${db}`, "--study", study, "--json", ...extra], { cwd: dir, env: { PIDS: pidsFile(), ...env } });
    running.push(r);
    return r;
  };

  it("runs exactly the study's budget over three workers, each stopping when it is spent", async () => {
    const created = await create("exact", ["--trials", "13"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`sextant worker --storage ${shellWord(`sqlite:${db}`)} --study exact`);
    const workers = [worker("exact", [], { SLEEP: "50" }), worker("exact", ["--jobs", "2"], { SLEEP: "50" }), worker("exact", [], { SLEEP: "50" })];
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const summaries = results.map((r) => JSON.parse(r.stdout) as { run: { trials: number }; total: { trials: number; complete: number } });
    expect(summaries.reduce((sum, s) => sum + s.run.trials, 0)).toBe(13);
    const trials = await trialsOf(db, "exact");
    expect(trials.map((t) => t.number)).toEqual([...Array(13).keys()]);
    expect(trials.every((t) => t.state === "complete")).toBe(true);
    // A worker started after the budget is spent runs nothing and says so.
    const late = await worker("exact").done;
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({ run: { trials: 0 }, total: { trials: 13, complete: 13 } });
  });

  it("exits 1 when every trial it ran failed, as tune does, and 0 when one succeeded", async () => {
    const made = await sextant(["create", "--storage", `sqlite:${db}`, "--study", "broken", "-p", "x=float:0:1", "--trials", "2", "--", "sh", "-c", "echo not-a-number"], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    // It used to exit 0, so Slurm and Kubernetes reported a study whose every trial failed as done.
    const result = await worker("broken").done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/sextant: all 2 trial\(s\) of this worker failed; last reason: /);
    expect(JSON.parse(result.stdout)).toMatchObject({ run: { trials: 2, failed: 2 } });
  });

  it("stops once its first trials have all failed the same way, leaving the rest of the budget, and goes on with --max-initial-failures 0", async () => {
    const made = await sextant(["create", "--storage", `sqlite:${db}`, "--study", "typo", "-p", "x=float:0:1", "--trials", "20", "--", "node", join(dir, "trian.mjs"), "{x}"], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    // A module missing on this machine spent the fleet's whole budget on failed trials.
    const stopped = await worker("typo", ["--max-initial-failures", "3"]).done;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/sextant: stopped after this worker's first 3 trial\(s\) all failed the same way \(exit code 1.*\): the command looks broken on this machine/);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ run: { trials: 3, failed: 3 } });
    const through = await worker("typo", ["--max-initial-failures", "0", "--trials", "6"]).done;
    expect(through.stderr).toContain("all 6 trial(s) of this worker failed");
    expect((await trialsOf(db, "typo")).filter((t) => t.state === "failed")).toHaveLength(9);
  });

  it.skipIf(!existsSync("/usr/bin/script"))("draws a progress line on a terminal, and none when stderr is not one", async () => {
    const made = await sextant(["create", "--storage", `sqlite:${db}`, "--study", "tty", "-p", "x=float:0:1", "--trials", "2", "-q", "--", "sh", SLOW, "{x}"], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    // script(1) gives the worker a pseudo-terminal; it had only per-trial lines there.
    const command = [process.execPath, BIN, "worker", "--storage", `sqlite:${db}`, "--study", "tty"].map(shellWord).join(" ");
    const tty = await new Promise<string>((resolve) => {
      // A terminal that draws: the shell running the tests may say TERM=dumb (Emacs's), where the worker rightly draws none.
      const child = spawn("/usr/bin/script", ["-qec", command, "/dev/null"], { cwd: dir, env: { ...process.env, SLEEP: "300", TERM: "xterm" } });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", () => resolve(out));
    });
    expect(tty).toMatch(/\x1b\[2K\[#+\.*\] study 1\/2 best=\S+ here=1/);
    expect(tty).toContain("worker done: 2 trial(s) here");
    const plain = await sextant(["worker", "--storage", `sqlite:${db}`, "--study", "tty"], { cwd: dir });
    expect(plain.stderr).not.toContain("\x1b[2K");
  });

  it("does not re-enqueue beyond --max-retries", async () => {
    const created = await create("no-retry", ["--trials", "2", "--heartbeat-interval", "0.5", "--heartbeat-grace", "2", "--max-retries", "0"]);
    expect(created.code, created.stderr).toBe(0);
    const victim = worker("no-retry", [], { SLEEP: "1500" });
    const survivor = worker("no-retry", [], { SLEEP: "1500" });
    const both = await waitForTrials(db, "no-retry", (ts) => ts.filter((t) => t.state === "running" && workerPid(t) !== undefined && t.params.x !== undefined).length === 2);
    const doomed = both.find((t) => workerPid(t) === victim.child.pid)!;
    victim.child.kill("SIGKILL");
    const result = await survivor.done;
    expect(result.code, result.stderr).toBe(0);
    const trials = await trialsOf(db, "no-retry");
    expect(trials).toHaveLength(2);
    expect(trials.find((t) => t.number === doomed.number)!.state).toBe("failed");
    expect(trials.some((t) => t.systemAttrs.retryOf !== undefined)).toBe(false);
  });

  it("joins a study made by sextant tune and stops at that study's trial count", async () => {
    const tune = start(["tune", "--storage", `sqlite:${db}`, "--study", "tuned", "--trials", "3", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], {
      cwd: dir,
      env: { SLEEP: "1500" },
    });
    running.push(tune);
    await waitForTrials(db, "tuned", (ts) => ts.some((t) => t.state === "complete"));
    tune.child.kill("SIGINT");
    expect((await tune.done).code).toBe(130);
    const before = (await trialsOf(db, "tuned")).filter((t) => t.state !== "running" && t.state !== "waiting").length;
    expect(before).toBeLessThan(3);
    const joined = await worker("tuned", [], { SLEEP: "10" }).done;
    expect(joined.code, joined.stderr).toBe(0);
    expect(JSON.parse(joined.stdout)).toMatchObject({ run: { trials: 3 - before }, total: { trials: 3 } });
  });

  it("runs sextant tune on a study made by create to the end of its budget, and says why it stopped there", async () => {
    expect((await create("made", ["--trials", "3"])).code).toBe(0);
    // It created trials past the budget that workers stop at.
    const tuned = await sextant(["tune", "--storage", `sqlite:${db}`, "--study", "made", "--trials", "5", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], { cwd: dir, env: { SLEEP: "0" } });
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toContain('sextant: stopped after 3 of 5 trial(s): study "made" was made by sextant create with a budget of 3 trial(s), and every one has been handed out');
    expect((await trialsOf(db, "made")).map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
  });

  it("runs the space and command of the latest sextant tune on the study, not those it was made with", async () => {
    expect((await create("moved", ["--trials", "4"])).code).toBe(0);
    // The resume warned that the space had changed, and workers joining later ran the old one.
    const tuned = await sextant(["tune", "--storage", `sqlite:${db}`, "--study", "moved", "--trials", "1", "-q", "-p", "x=float:20:30", "--", "sh", SLOW, "{x}", "again"], {
      cwd: dir,
      env: { SLEEP: "0" },
    });
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toContain('sextant: study "moved" now stores this run\'s search space and command: workers that join it from now on run them\n');
    const joined = await worker("moved", [], { SLEEP: "0" }).done;
    expect(joined.code, joined.stderr).toBe(0);
    const trials = await trialsOf(db, "moved");
    expect(trials.map((t) => t.state)).toEqual(["complete", "complete", "complete", "complete"]);
    for (const trial of trials) expect(trial.params.x).toBeGreaterThanOrEqual(20);
    expect(trials.map((t) => (t.systemAttrs.argv as string[]).at(-1))).toEqual(["again", "again", "again", "again"]);
    // The budget and the rest of what create stored are kept.
    expect((await studyAttrs(db, "moved"))!["cli:config"]).toMatchObject({ budget: { trials: 4, queued: true }, space: { x: { type: "float", low: 20, high: 30 } } });
  });

  it("runs a resumed tune's new command in the folder and with the environment names of that run", async () => {
    expect((await create("elsewhere", ["--trials", "3"])).code).toBe(0);
    // The new command names a script only the resumed run's folder has: run in the folder the
    // study was made in, every worker's trial failed.
    const other = join(dir, "other");
    mkdirSync(other);
    copyFileSync(SLOW, join(other, "train2.sh"));
    writeFileSync(join(other, "sextant.yaml"), 'env:\n  SLEEP: "0"\n');
    const tuned = await sextant(["tune", "--config", "sextant.yaml", "--storage", `sqlite:${db}`, "--study", "elsewhere", "--trials", "1", "-q", "-p", "x=float:0:10", "--", "sh", "train2.sh", "{x}"], { cwd: other });
    expect(tuned.code, tuned.stderr).toBe(0);
    const joined = await worker("elsewhere", [], { SLEEP: "0" }).done;
    expect(joined.code, joined.stderr).toBe(0);
    expect((await trialsOf(db, "elsewhere")).map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
    expect((await studyAttrs(db, "elsewhere"))!["cli:config"]).toMatchObject({ cwd: other, envNames: ["SLEEP"], budget: { trials: 3, queued: true } });
  });

  it("stops a first sextant tune run at the study's budget when workers join it", async () => {
    const tune = start(["tune", "--storage", `sqlite:${db}`, "--study", "shared", "--trials", "6", "-q", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], {
      cwd: dir,
      env: { SLEEP: "400" },
    });
    running.push(tune);
    await waitForTrials(db, "shared", (ts) => ts.some((t) => t.state === "running"));
    const helpers = [worker("shared", [], { SLEEP: "400" }), worker("shared", [], { SLEEP: "400" })];
    expect((await tune.done).code).toBe(0);
    for (const r of await Promise.all(helpers.map((w) => w.done))) expect(r.code, r.stderr).toBe(0);
    // tune used to run its own 6 whatever the workers did: 14 or more in all.
    const finished = (await trialsOf(db, "shared")).filter((t) => t.state === "complete");
    expect(finished.length).toBeGreaterThanOrEqual(6);
    expect(finished.length).toBeLessThanOrEqual(6 + 2);
  });

  it("runs a trial queued by hand (sextant requeue) on a study made by sextant tune whose budget is spent", async () => {
    const tuned = await sextant(["tune", "--storage", `sqlite:${db}`, "--study", "tuned", "--trials", "2", "-q", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], {
      cwd: dir,
      env: { SLEEP: "0" },
    });
    expect(tuned.code, tuned.stderr).toBe(0);
    const requeued = await sextant(["requeue", "tuned", "1", "--storage", `sqlite:${db}`], { cwd: dir });
    expect(requeued.code, requeued.stderr).toBe(0);
    // requeue says the next worker runs it; a worker counted the 2 trials against the budget of 2 and left it queued.
    const joined = await worker("tuned", [], { SLEEP: "0" }).done;
    expect(joined.code, joined.stderr).toBe(0);
    expect(JSON.parse(joined.stdout)).toMatchObject({ run: { trials: 1, complete: 1 } });
    const trials = await trialsOf(db, "tuned");
    expect(trials.map((t) => [t.number, t.state])).toEqual([[0, "complete"], [1, "complete"], [2, "complete"]]);
    expect(trials[2]!.params).toEqual(trials[1]!.params);
  });

  it("starts no trial after the deadline stored by create --timeout", async () => {
    const created = await create("deadline", ["--trials", "4", "--timeout", "0.5"]);
    expect(created.code, created.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const late = await worker("deadline").done;
    expect(late.code, late.stderr).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({ run: { trials: 0 }, total: { waiting: 4 } });
    // It exited 0 with the 4 trials still queued and no word why: a fleet's workers seemed to ignore them.
    expect(late.stderr).toMatch(/^sextant: the deadline of study "deadline" \(\d{4}-\d\d-\d\dT[\d:.]+Z, set by the --timeout it was made with\) passed before this worker joined: it started no trial, and its 4 queued trial\(s\) stay unrun$/m);
  });

  it("hands an interrupted trial back to the study when stopped with SIGTERM", async () => {
    const created = await create("preempted", ["--trials", "2"]);
    expect(created.code, created.stderr).toBe(0);
    const stopped = worker("preempted", [], { SLEEP: "5000" });
    const seen = await waitForTrials(db, "preempted", (ts) => ts.some((t) => t.state === "running" && t.params.x !== undefined));
    const mid = seen.find((t) => t.state === "running")!;
    stopped.child.kill("SIGTERM");
    const result = await stopped.done;
    expect(result.code, result.stderr).toBe(143);
    const finisher = await worker("preempted", [], { SLEEP: "10" }).done;
    expect(finisher.code, finisher.stderr).toBe(0);
    const trials = await trialsOf(db, "preempted");
    expect(trials.find((t) => t.number === mid.number)).toMatchObject({ state: "failed", systemAttrs: { failReason: "interrupted" } });
    expect(trials.find((t) => t.systemAttrs.retryOf === mid.number)).toMatchObject({ state: "complete", params: { x: mid.params.x } });
    expect(trials.filter((t) => t.state === "complete")).toHaveLength(2);
  });

  it("hands an interrupted trial back when sextant tune on a study made by create is stopped with SIGTERM, so the whole budget runs", async () => {
    expect((await create("tune-preempted", ["--trials", "3"])).code).toBe(0);
    const tuneArgs = ["tune", "--storage", `sqlite:${db}`, "--study", "tune-preempted", "--trials", "3", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"];
    const stopped = start(tuneArgs, { cwd: dir, env: { SLEEP: "5000" } });
    running.push(stopped);
    const seen = await waitForTrials(db, "tune-preempted", (ts) => ts.some((t) => t.state === "running" && t.params.x !== undefined));
    const mid = seen.find((t) => t.state === "running")!;
    stopped.child.kill("SIGTERM");
    const result = await stopped.done;
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toContain(`trial ${mid.number} was interrupted; queued again as trial 3`);
    const rerun = await sextant(tuneArgs, { cwd: dir, env: { SLEEP: "10" } });
    expect(rerun.code, rerun.stderr).toBe(0);
    const trials = await trialsOf(db, "tune-preempted");
    expect(trials.find((t) => t.number === mid.number)).toMatchObject({ state: "failed", systemAttrs: { failReason: "interrupted" } });
    expect(trials.find((t) => t.systemAttrs.retryOf === mid.number)).toMatchObject({ state: "complete", params: { x: mid.params.x } });
    // The interrupted trial was not handed back: the study ended with 2 complete of its budget of 3.
    expect(trials.filter((t) => t.state === "complete")).toHaveLength(3);
  });

  it("stops in order on a SIGTERM sent the moment it says it joined", async () => {
    // Its signal handlers used to be installed after the "worker joined" line: a supervisor that
    // signalled on that line could run before the worker reached them, and Node's default action
    // killed it (about 8 starts in 10 here).
    const created = await create("joined", ["--trials", "100"]);
    expect(created.code, created.stderr).toBe(0);
    for (let attempt = 0; attempt < 8; attempt++) {
      const joined = start(["worker", "--storage", `sqlite:${db}`, "--study", "joined"], { cwd: dir, env: { SLEEP: "10" } });
      running.push(joined);
      await joined.waitForStderr("worker joined");
      joined.child.kill("SIGTERM");
      const ended = await joined.done;
      expect([attempt, ended.code, ended.signal]).toEqual([attempt, 143, null]);
    }
    // A trial the signal interrupted was handed back: none is left running.
    expect((await trialsOf(db, "joined")).filter((t) => t.state === "running")).toEqual([]);
  });

  it("goes on to the end of its budget when whatever reads its stderr goes away, as tune does", async () => {
    // `sextant worker 2>&1 >/dev/null | head -1`: the reader exits after the first line.
    const created = await create("unread", ["--trials", "4"]);
    expect(created.code, created.stderr).toBe(0);
    const tuneArgs = ["tune", "--storage", `sqlite:${db}`, "--study", "tuned", "--trials", "4", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"];
    // The worker and the tune run different studies, side by side.
    const runs = [
      ["unread", start(["worker", "--storage", `sqlite:${db}`, "--study", "unread"], { cwd: dir, env: { SLEEP: "100" } })],
      ["tuned", start(tuneArgs, { cwd: dir, env: { SLEEP: "100" } })],
    ] as const;
    const ends = await Promise.all(
      runs.map(async ([study, run]) => {
        running.push(run);
        await run.waitForStderr("\n");
        run.child.stderr!.destroy();
        const ended = await run.done;
        return [study, ended.code, ended.signal];
      }),
    );
    expect(ends).toEqual([
      ["unread", 0, null],
      ["tuned", 0, null],
    ]);
    for (const [study] of runs) expect((await trialsOf(db, study)).map((t) => t.state)).toEqual(Array(4).fill("complete"));
  });

  it("prints a worker command that a shell reads back as it was, quoting what must be quoted", async () => {
    const created = await create("it's mine", ["--trials", "1"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`  sextant worker --storage ${shellWord(`sqlite:${db}`)} --study 'it'\\''s mine'\n`);
    const again = await create("it's mine", ["--trials", "1"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`"sextant worker --storage ${shellWord(`sqlite:${db}`)} --study 'it'\\''s mine'", or pick another --study`);
  });

  it("says that a config's jobs is per worker, and puts it in the worker command it prints", async () => {
    writeFileSync(join(dir, "fleet.yaml"), `study: jobs\ntrials: 2\njobs: 3\nparams:\n  x: float:0:1\ncommand: ["sh", ${JSON.stringify(SLOW)}, "{x}"]\n`);
    // jobs: 3 was dropped without a word, and the workers create told to start ran one command at a time.
    const created = await sextant(["create", "--config", "fleet.yaml", "--storage", `sqlite:${db}`], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`  sextant worker --storage ${shellWord(`sqlite:${db}`)} --study jobs --jobs 3\n`);
    expect(created.stderr).toBe(
      "sextant: warning: fleet.yaml:3:7: jobs is per worker and not stored with the study: start each worker with --jobs 3 (sextant worker runs 1 command at a time by default)\n",
    );
  });

  it("prints nothing with --quiet, yet creates the study and still reports errors", async () => {
    const created = await create("hushed", ["--trials", "3", "--quiet"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe("");
    expect(created.stderr).toBe("");
    const trials = await trialsOf(db, "hushed");
    expect(trials.map((t) => t.state)).toEqual(["waiting", "waiting", "waiting"]);
    const again = await create("hushed", ["--trials", "3", "-q"]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(/a study named "hushed" already exists/);
  });

  it("refuses a study without a stored command, and a missing study, with what to do", async () => {
    const storage = SqliteStorage.open(db);
    await storage.createStudy("library-made", ["minimize"]);
    await storage.close();
    // Four independent refusals, run at once.
    const [bare, missing, typo, noName] = await Promise.all([
      sextant(["worker", "--storage", `sqlite:${db}`, "--study", "library-made"], { cwd: dir }),
      sextant(["worker", "--storage", `sqlite:${db}`, "--study", "nope"], { cwd: dir }),
      sextant(["worker", "--storage", `sqlite:${db}x`, "--study", "library-made"], { cwd: dir }),
      sextant(["worker", "--storage", `sqlite:${db}`], { cwd: dir }),
    ]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain(`study "library-made" in sqlite:${db} has no stored command (cli:config)`);
    expect(bare.stderr).toContain("sextant create");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no study named "nope" in sqlite:${db}`);
    // A mistyped file is not created: a worker only joins studies that exist.
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`no study named "library-made" in sqlite:${db}x: the file ${db}x does not exist`);
    expect(existsSync(`${db}x`)).toBe(false);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("--study is required");
  });

  it("creates a study without a command for clients of the HTTP service, which a worker refuses and a tune gives a command", async () => {
    const created = await sextant(["create", "--storage", `sqlite:${db}`, "--study", "http-only", "--trials", "2", "-p", "x=float:0:10"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("it has no command");
    expect(created.stdout).toContain(`sextant serve --storage ${shellWord(`sqlite:${db}`)}`);
    expect(created.stdout).not.toContain("sextant worker");
    expect(((await studyAttrs(db, "http-only"))?.["cli:config"] as { command: string[] }).command).toEqual([]);
    expect((await trialsOf(db, "http-only")).map((t) => t.state)).toEqual(["waiting", "waiting"]);
    // The four refusals below change nothing, so they run at once.
    const [refused, unnamed, population, folder] = await Promise.all([
      sextant(["worker", "--storage", `sqlite:${db}`, "--study", "http-only"], { cwd: dir }),
      sextant(["create", "--storage", `sqlite:${db}`, "-p", "x=float:0:10"], { cwd: dir }),
      sextant(["create", "--storage", `sqlite:${db}`, "--study", "pop", "--scheduler", "pbt", "-p", "x=float:0:10"], { cwd: dir }),
      sextant(["create", "--storage", `sqlite:${db}`, "--study", "in-folder", "--cwd", dir, "-p", "x=float:0:10"], { cwd: dir }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('study "http-only" has no command');
    expect(refused.stderr).toContain("sextant tune");
    // Its default name is made from the command, so without one the name must be given.
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain("--study is required for a study without a command");
    expect(population.code).toBe(2);
    expect(population.stderr).toContain("--scheduler pbt needs a command");
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`--cwd ${dir} is where the command runs, and there is no command`);
    // A tune with a command runs the queued budget and stores its command, without warning of a change.
    const tuned = await sextant(["tune", "--storage", `sqlite:${db}`, "--study", "http-only", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], { cwd: dir, env: { PIDS: pidsFile(), SLEEP: "0" } });
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).not.toContain("was created for another command");
    expect((await trialsOf(db, "http-only")).map((t) => t.state)).toEqual(["complete", "complete"]);
    const joined = await sextant(["worker", "--storage", `sqlite:${db}`, "--study", "http-only"], { cwd: dir });
    expect(joined.code, joined.stderr).toBe(0);
  });

  it("says a study whose create was interrupted is half-made, in create, worker and tune, and how to start again", async () => {
    // Far more trials than it can queue before the kill, which comes once the study exists.
    const interrupted = start(["create", "--storage", `sqlite:${db}`, "--study", "cut", "--trials", "1000000", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], { cwd: dir });
    running.push(interrupted);
    const deadline = Date.now() + 60_000;
    while ((await studyAttrs(db, "cut"))?.[CLI_CREATING_KEY] === undefined) {
      if (Date.now() > deadline) throw new Error("create made no study in 60 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    interrupted.child.kill("SIGKILL");
    expect((await interrupted.done).code).not.toBe(0);
    // The budget is queued in one write: a create killed before it commits queued none of it.
    expect(await trialsOf(db, "cut")).toEqual([]);

    // tune ran it as a study without a budget, creating trials where create had queued none yet.
    const tune = () => sextant(["tune", "--storage", `sqlite:${db}`, "--study", "cut", "--trials", "2", "-p", "x=float:0:10", "--", "sh", SLOW, "{x}"], { cwd: dir, env: { SLEEP: "10" } });
    // The three refusals change nothing, so they run at once.
    for (const again of await Promise.all([create("cut", ["--trials", "2"]), worker("cut").done, tune()])) {
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`study "cut" in sqlite:${db} was left half-made by a "sextant create" that did not finish`);
      expect(again.stderr).toContain(`"sextant delete cut --storage ${shellWord(`sqlite:${db}`)} --yes"`);
    }
    expect((await sextant(["delete", "cut", "--storage", `sqlite:${db}`, "--yes"], { cwd: dir })).code).toBe(0);
    expect((await create("cut", ["--trials", "2"])).code).toBe(0);
    const finished = await worker("cut", [], { SLEEP: "10" }).done;
    expect(finished.code, finished.stderr).toBe(0);
  });

  it("refuses a grace shorter than two heartbeat intervals, naming the flags, and creates nothing", async () => {
    const bad = await create("bad-grace", ["--heartbeat-interval", "5", "--heartbeat-grace", "6"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--heartbeat-grace (6) must be at least twice --heartbeat-interval (5)");
    expect(await trialsOf(db, "bad-grace")).toEqual([]);
  });

  it("refuses a worker grace shorter than the study's, and an interval over half of it, before running a trial", async () => {
    // A worker with --heartbeat-grace 8 on a study made without one reaped other workers' and HTTP
    // clients' live trials at 8 s, while GET /studies/{study} told those clients 60.
    expect((await create("plain", ["--trials", "2"])).code).toBe(0);
    expect((await create("quick", ["--trials", "2", "--heartbeat-interval", "1", "--heartbeat-grace", "4"])).code).toBe(0);
    // Refusals run nothing, so they run at once.
    const [short, slow, shorter] = await Promise.all([
      worker("plain", ["--heartbeat-interval", "2", "--heartbeat-grace", "8"]).done,
      worker("plain", ["--heartbeat-interval", "40"]).done,
      worker("quick", ["--heartbeat-grace", "3"]).done,
    ]);
    expect([short.code, short.stderr]).toEqual([2, expect.stringContaining('--heartbeat-grace 8 is shorter than the 60 s grace of study "plain"')]);
    expect([slow.code, slow.stderr]).toEqual([2, expect.stringContaining('--heartbeat-interval 40 is more than half the 60 s grace of study "plain"')]);
    expect([shorter.code, shorter.stderr]).toEqual([2, expect.stringContaining('--heartbeat-grace 3 is shorter than the 4 s grace of study "quick"')]);
    expect((await trialsOf(db, "plain")).map((t) => t.state)).toEqual(["waiting", "waiting"]);
    // A longer grace only gives up on a silent trial later than the others do.
    const longer = await worker("quick", ["--heartbeat-grace", "90"], { SLEEP: "10" }).done;
    expect(longer.code, longer.stderr).toBe(0);
    expect((await trialsOf(db, "quick")).map((t) => t.state)).toEqual(["complete", "complete"]);
  });
});

/**
 * Waits until `child` (a process running one trial of `study`) prints `marker`, then reaps the
 * study as another worker would, every `pauseMs`, until the process exits. Answers its exit code,
 * its output, its stderr up to the marker, and the trials reaped.
 */
async function reapWhileItRuns(
  child: ChildProcess,
  marker: string,
  storage: string,
  study: string,
  grace: number,
  pauseMs: number,
): Promise<{ code: number | null; out: string; err: string; errBeforeReaping: string; reaped: number[] }> {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  let finished = false;
  void exited.then(() => (finished = true));
  while (!out.includes(marker) && !finished) await new Promise((resolve) => setTimeout(resolve, 50));
  const errBeforeReaping = err;
  const reaper = await loadStudy({ name: study, storage, sampler: new RandomSampler({ seed: 1 }) });
  const reaped: number[] = [];
  while (!finished) {
    reaped.push(...(await reaper.reapStaleTrials(grace, 3)).reaped);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  await reaper.close();
  return { code: await exited, out, err, errBeforeReaping, reaped };
}

describe("heartbeats of a worker whose wall clock steps back (postgres: staleness by the database's clock)", { timeout: 120_000 }, () => {
  let database: ScratchDatabase | undefined;
  let child: ChildProcess | undefined;
  beforeEach(async (context) => {
    const reason = await postgresUnavailable();
    if (reason) context.skip(reason);
    database = await createScratchDatabase();
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await database?.drop();
  });

  it("keeps beating, so its live trial is never reaped", async () => {
    // The wall clock decided when a trial was due a beat: stepped back 60 s, the worker wrote no
    // beat for a minute and another worker reaped its live trial.
    const grace = 2;
    const env = { ...process.env, STEP_AT: String(Date.now() + 1500), STEP_MS: "-60000" };
    const args = ["--import", join(FIXTURES, "clock-step.mjs"), join(FIXTURES, "sleeping-worker.mjs"), database!.url, "stepped", String(grace), "7000"];
    child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const { code, out, err, reaped } = await reapWhileItRuns(child, "sleeping", database!.url, "stepped", grace, 200);
    expect(code, err).toBe(0);
    expect(reaped).toEqual([]);
    expect(out).toContain("done");
  });
});

describe("heartbeats of a live trial that blocks its event loop (sqlite)", { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => void;
  let child: ChildProcess | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir("sextant-blocking-")));
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    cleanup();
  });

  it("is never reaped while its objective blocks for three times the grace", async () => {
    const storage = `sqlite:${join(dir, "b.db")}`;
    const grace = 2;
    child = spawn(process.execPath, [join(FIXTURES, "blocking-worker.mjs"), storage, "blocking", String(grace), "6000"], { stdio: ["ignore", "pipe", "pipe"] });
    // Another worker reaps as often as it can the whole time the objective blocks.
    const { code, err, errBeforeReaping, reaped } = await reapWhileItRuns(child, "blocking", storage, "blocking", grace, 100);
    expect(errBeforeReaping).toBe("");
    expect(code, err).toBe(0);
    expect(reaped).toEqual([]);
    const trials = await trialsOf(join(dir, "b.db"), "blocking");
    expect(trials.map((t) => t.state)).toEqual(["complete"]);
  });
});

interface FleetBackend {
  readonly name: string;
  /** A fresh storage URL for one test, and its cleanup. */
  open(): Promise<{ url: string; dispose(): Promise<void> }>;
}

const fleetBackends: FleetBackend[] = [
  {
    name: "sqlite",
    open: async () => {
      const { dir, cleanup } = tempDir("sextant-fleet-");
      return { url: `sqlite:${join(dir, "fleet.db")}`, dispose: async () => cleanup() };
    },
  },
  {
    name: "postgres",
    open: async () => {
      const database: ScratchDatabase = await createScratchDatabase();
      return { url: database.url, dispose: () => database.drop() };
    },
  },
];

/** A scratch folder and a fresh storage of `backend` for one test; a PostgreSQL test is skipped where no server answers. */
async function openFleet(backend: FleetBackend, context: { skip(note?: string): never }, prefix: string) {
  if (backend.name === "postgres") {
    const reason = await postgresUnavailable();
    if (reason) context.skip(reason);
  }
  return { ...tempDir(prefix), ...(await backend.open()) };
}

describe.each(fleetBackends)("the budget of sextant create --trials, asked for from every side at once ($name)", { timeout: 120_000 }, (backend) => {
  let dir: string;
  let cleanup: () => void;
  let url: string;
  let dispose: () => Promise<void>;
  let serve: ServeProcess | undefined;
  beforeEach(async (context) => {
    ({ dir, cleanup, url, dispose } = await openFleet(backend, context, "sextant-budget-"));
  });
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
    cleanup?.();
    await dispose?.();
  });

  it("hands out exactly N trials between two library processes, the HTTP service and a worker, each told when it is spent", async () => {
    // loadStudy().ask() and POST …/trials created trials past the budget that sextant worker stops at.
    const created = await sextant(["create", "--storage", url, "--study", "budget", "-p", "x=float:0:10", "--trials", "40", "--", "sh", SLOW, "{x}"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    serve = await startServe(dir, ["--storage", url]);
    const library = [1, 2].map(() => {
      const child = spawn(process.execPath, [join(FIXTURES, "ask-until-spent.mjs"), url, "budget"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      return new Promise<{ numbers: number[]; stopped: string }>((resolve, reject) =>
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as { numbers: number[]; stopped: string }) : reject(new Error(`exit ${code}: ${err}`)))),
      );
    });
    const overHttp = (async () => {
      const numbers: number[] = [];
      for (;;) {
        const asked = await fetch(`${serve!.url}/api/v1/studies/budget/trials`, { method: "POST" });
        const answer = (await asked.json()) as { trial?: { number: number }; error?: { message: string } };
        if (asked.status !== 201) return { numbers, status: asked.status, message: answer.error?.message };
        numbers.push(answer.trial!.number);
        await fetch(`${serve!.url}/api/v1/studies/budget/trials/${answer.trial!.number}/tell`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ state: "complete", values: [1] }),
        });
      }
    })();
    const worker = start(["worker", "--storage", url, "--study", "budget", "--json"], { cwd: dir, env: { SLEEP: "0" } });
    const [[one, two], http, ran] = await Promise.all([Promise.all(library), overHttp, worker.done]);
    expect(ran.code, ran.stderr).toBe(0);
    expect([one.stopped, two.stopped]).toEqual(["spent 40", "spent 40"]);
    expect(http.status).toBe(409);
    expect(http.message).toBe('study "budget" has used up its budget of 40 trial(s) (sextant create --trials 40): every one has been handed out');
    const byWorker = (JSON.parse(ran.stdout) as { run: { trials: number } }).run.trials;
    expect(one.numbers.length + two.numbers.length + http.numbers.length + byWorker).toBe(40);
    const given = [...one.numbers, ...two.numbers, ...http.numbers];
    expect(new Set(given).size).toBe(given.length);
    const trials = await trialsOf(url, "budget");
    expect(trials.map((t) => t.number)).toEqual([...Array(40).keys()]);
    expect(trials.every((t) => t.state === "complete")).toBe(true);
  });
});

describe.each(fleetBackends)("a SIGKILLed worker's trial ($name)", { timeout: 120_000 }, (backend) => {
  let dir: string;
  let cleanup: () => void;
  let url: string;
  let dispose: () => Promise<void>;
  const running: Running[] = [];
  beforeEach(async (context) => {
    ({ dir, cleanup, url, dispose } = await openFleet(backend, context, "sextant-killed-"));
  });
  afterEach(async () => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill("SIGKILL");
    cleanup?.();
    await dispose?.();
  });

  it("beats for a trial another process runs with ask/tell, at the study's stored interval, so workers never reap it", async () => {
    // Workers reaped a live ask/tell trial that outlasted their grace: ask() never beat, and its
    // result was dropped and the trial run again.
    const created = await sextant(
      ["create", "--storage", url, "--study", "asktell", "-p", "x=float:0:10", "--trials", "3", "--heartbeat-interval", "0.5", "--heartbeat-grace", "2", "--", "sh", SLOW, "{x}"],
      { cwd: dir },
    );
    expect(created.code, created.stderr).toBe(0);
    const own = spawn(process.execPath, [join(FIXTURES, "asktell-slow.mjs"), url, "asktell", "6000"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    own.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    own.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const ownDone = new Promise<number | null>((resolve) => own.on("close", (code) => resolve(code)));
    while (!out.includes("asked") && own.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
    // A worker reaps silent trials as it runs the rest of the budget.
    const worker = start(["worker", "--storage", url, "--study", "asktell"], { cwd: dir, env: { SLEEP: "10" } });
    running.push(worker);
    expect(await ownDone, err).toBe(0);
    expect(out).toContain("told 0 complete");
    const done = await worker.done;
    expect(done.code, done.stderr).toBe(0);
    const trials = await trialsOf(url, "asktell");
    expect(trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
  });

  it("exits 0 from a worker that was suspended past the grace: its command was fine, its trial ran elsewhere", async () => {
    const created = await sextant(
      ["create", "--storage", url, "--study", "stopped", "-p", "x=float:0:10", "--trials", "1", "--heartbeat-interval", "0.5", "--heartbeat-grace", "2", "--", "sh", SLOW, "{x}"],
      { cwd: dir },
    );
    expect(created.code, created.stderr).toBe(0);
    const suspended = start(["worker", "--storage", url, "--study", "stopped"], { cwd: dir, env: { SLEEP: "1500" } });
    running.push(suspended);
    await waitForTrials(url, "stopped", (ts) => ts.some((t) => t.state === "running" && t.params.x !== undefined));
    suspended.child.kill("SIGSTOP");
    const other = start(["worker", "--storage", url, "--study", "stopped"], { cwd: dir, env: { SLEEP: "10" } });
    running.push(other);
    expect((await other.done).code).toBe(0);
    suspended.child.kill("SIGCONT");
    const result = await suspended.done;
    // It exited 1, "all 1 trial(s) of this worker failed", as if its command were broken.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/already failed \(no heartbeat for more than 2 s/);
    const trials = await trialsOf(url, "stopped");
    expect(trials.map((t) => t.state)).toEqual(["failed", "complete"]);
  });

  it("re-enqueues a SIGKILLed worker's trial after the grace and another worker finishes it", async () => {
    const created = await sextant(
      ["create", "--storage", url, "--study", "killed", "-p", "x=float:0:10", "--trials", "3", "--heartbeat-interval", "0.5", "--heartbeat-grace", "2", "--", "sh", SLOW, "{x}"],
      { cwd: dir },
    );
    expect(created.code, created.stderr).toBe(0);
    const worker = () => {
      const r = start(["worker", "--storage", url, "--study", "killed", "--json"], { cwd: dir, env: { SLEEP: "1500" } });
      running.push(r);
      return r;
    };
    // Both start before the kill: a worker starting later on the same machine would fail the
    // dead worker's trial at once from its pid, which is the other recovery path.
    const victim = worker();
    const survivor = worker();
    // A claimed trial records its worker and then its parameters in later writes: wait until both
    // workers are mid-trial, their commands running.
    const midTrial = (t: FrozenTrial) => t.state === "running" && workerPid(t) !== undefined && t.params.x !== undefined;
    const both = await waitForTrials(url, "killed", (ts) => ts.filter(midTrial).length === 2);
    const doomed = both.find((t) => workerPid(t) === victim.child.pid)!;
    expect(doomed).toBeDefined();
    victim.child.kill("SIGKILL");
    const result = await survivor.done;
    expect(result.code, result.stderr).toBe(0);

    const trials = await trialsOf(url, "killed");
    const failed = trials.find((t) => t.number === doomed.number)!;
    expect(failed.state).toBe("failed");
    expect(String(failed.systemAttrs.failReason)).toMatch(/no heartbeat for more than 2 s/);
    expect(failed.params.x).toBe(doomed.params.x);
    const retry = trials.find((t) => t.systemAttrs.retryOf === doomed.number)!;
    expect(retry).toMatchObject({ state: "complete", params: { x: doomed.params.x }, systemAttrs: { retryCount: 1 } });
    expect(workerPid(retry)).toBe(survivor.child.pid);
    // The budget (3) plus the one retry; every trial but the killed one completed.
    expect(trials).toHaveLength(4);
    expect(trials.filter((t) => t.state === "complete")).toHaveLength(3);
  });

});
