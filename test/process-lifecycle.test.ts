// Programs never outlive the tuner: real `sextant tune` and library processes (against dist/) are
// ended mid-trial by SIGHUP, SIGTERM, SIGKILL or process.exit, and no process of the command's
// group may remain; a rerun on the same storage then resumes cleanly.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import "../src/index.js";
import { processGroupIsOrphaned } from "../src/cli/io.js";
import { openStorage } from "../src/storage/index.js";
import type { FrozenTrial } from "../src/space/index.js";
import { BIN, FIXTURES, type RunResult, type Running, sextant, sqliteTrials, start, tempDir } from "./fixtures/cli-run.js";
import { havePython, onTerminal } from "./fixtures/terminal.js";

const GROUP_SCRIPT = join(FIXTURES, "cli-group.sh");
const GONE_WITHIN_MS = 15_000;

let dir: string;
let cleanup: () => void;
const groups: number[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempDir("sextant-lifecycle-"));
});
afterEach(() => {
  // A failing test must not leave its sleeps behind on a shared machine.
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      /* gone, as it should be */
    }
  }
  cleanup();
});

/** Pids of the processes in group `pgid` that still run (zombies awaiting a reaper do not run). */
function liveMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // The command name may hold spaces and parentheses: fields are counted after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(entry));
  }
  return members;
}

/**
 * What a failure message needs to tell a lost race from a broken guard: each live member of group
 * `pgid` with its parent and command line, and every watchdog shell still running.
 */
function describeSurvivors(pgid: number): string {
  const read = (path: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  const members = liveMembers(pgid).map((pid) => {
    const stat = read(`/proc/${pid}/stat`);
    const parent = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
    return `${pid} (parent ${parent}): ${read(`/proc/${pid}/cmdline`).split("\0").join(" ").trim()}`;
  });
  const watchdogs = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && read(`/proc/${entry}/cmdline`).includes("sextant-watchdog"))
    .map((pid) => `watchdog ${pid}`);
  return [...members, ...watchdogs].join("; ") || "nothing";
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/** Waits until the held command has written its group id, and returns it. */
async function heldGroup(pgidFile: string): Promise<number> {
  const ready = await waitUntil(() => existsSync(pgidFile) && readFileSync(pgidFile, "utf8").endsWith("\n"), 30_000);
  if (!ready) throw new Error("the command never started");
  const pgid = Number(readFileSync(pgidFile, "utf8").trim().split("\n")[0]);
  groups.push(pgid);
  // The script and its background sleep both run before the tuner is ended.
  expect(await waitUntil(() => liveMembers(pgid).length === 2, 10_000)).toBe(true);
  return pgid;
}

function trialsOf(study: string): Promise<FrozenTrial[]> {
  return sqliteTrials(join(dir, "sextant.db"), study);
}

function tuneArgs(study: string, trials: number, ...flags: string[]): string[] {
  return ["tune", "--study", study, "--trials", String(trials), "--kill-grace", "1", ...flags, "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"];
}

/**
 * Sends SIGTERM to `run` while this test holds the study file's write lock, checks that it says
 * what it waits for before it ends (it waited up to a minute in silence), and returns its result.
 */
async function stopWhileLocked(run: Running): Promise<RunResult> {
  const holder = new Database(join(dir, "sextant.db"));
  try {
    holder.exec("BEGIN IMMEDIATE");
    run.child.kill("SIGTERM");
    await run.waitForStderr("waiting for sqlite:");
    expect(run.child.exitCode).toBe(null);
  } finally {
    if (holder.inTransaction) holder.exec("ROLLBACK");
    holder.close();
  }
  const result = await run.done;
  expect(result.code, result.stderr).toBe(143);
  expect(result.stderr).toContain("to record their trials as interrupted (another process may hold its write lock;");
  return result;
}

describe("sextant tune ended by a signal mid-trial", () => {
  for (const [signal, exitCode] of [
    ["SIGHUP", 129],
    ["SIGTERM", 143],
    // Ctrl-\ ends at once (no kill grace), but it left the trial "running" until the next run.
    ["SIGQUIT", 131],
  ] as const) {
    it(`${signal}: stops the command's whole group, fails the trial as interrupted, and a rerun resumes`, async () => {
      const pgidFile = join(dir, "pgids");
      const run = start(tuneArgs("sig", 3), { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile } });
      const pgid = await heldGroup(pgidFile);
      await run.waitForStderr("created in");
      run.child.kill(signal);
      const result = await run.done;
      expect(result.code, result.stderr).toBe(exitCode);
      expect(result.stderr).toContain(`${signal} received`);
      // The trial it stopped is not one that finished (it counted "1 trial(s) finished").
      expect(result.stderr).toContain(`interrupted by ${signal}; 0 trial(s) finished in this run, 1 stopped by it.`);
      // Its parameters were never run, and a rerun samples new ones: the message names the way back.
      expect(result.stderr).toContain(`A rerun samples new trials; sextant requeue sig 0 --storage sqlite:./sextant.db runs the stopped one(s) again first.`);
      expect(liveMembers(pgid)).toEqual([]);
      const trials = await trialsOf("sig");
      expect(trials.map((t) => [t.number, t.state, t.systemAttrs.failReason])).toEqual([[0, "failed", "interrupted"]]);

      const again = await sextant(tuneArgs("sig", 2), { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      const resumed = await trialsOf("sig");
      expect(resumed.map((t) => [t.number, t.state])).toEqual([
        [0, "failed"],
        [1, "complete"],
        [2, "complete"],
      ]);
    });
  }

  it("SIGTERM while another process holds the SQLite write lock says what it waits for (it waited up to a minute in silence)", async () => {
    const pgidFile = join(dir, "pgids");
    const run = start(tuneArgs("locked", 3), { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile } });
    await heldGroup(pgidFile);
    await stopWhileLocked(run);
    expect((await trialsOf("locked")).map((t) => [t.state, t.systemAttrs.failReason])).toEqual([["failed", "interrupted"]]);
  });

  it("SIGKILL: the watchdog stops the command's whole group, and a rerun fails the orphaned trial, removes its folder and resumes", async () => {
    const pgidFile = join(dir, "pgids");
    // The trials' parameters folders go to a temporary directory of this test's own.
    const temporary = join(dir, "tmp");
    mkdirSync(temporary);
    const trialFolders = () => readdirSync(temporary).filter((name) => name.startsWith("sextant-trial-"));
    const run = start(tuneArgs("kill", 3, "--verbose"), { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile, TMPDIR: temporary } });
    const pgid = await heldGroup(pgidFile);
    // The tuner logs the command's stderr only after it registered the group with its watchdog;
    // a kill before that would test the moment after fork, which the watchdog cannot cover.
    await run.waitForStderr("[trial 0 stderr] holding");
    const tunerPid = run.child.pid!;
    run.child.kill("SIGKILL");
    const result = await run.done;
    expect(result.signal).toBe("SIGKILL");
    expect(await waitUntil(() => liveMembers(pgid).length === 0, GONE_WITHIN_MS), `group ${pgid} still has ${describeSurvivors(pgid)}`).toBe(true);
    // Nobody could mark it: the tuner died without a chance to.
    expect((await trialsOf("kill")).map((t) => t.state)).toEqual(["running"]);
    // Nor remove its parameters folder.
    expect(trialFolders()).toHaveLength(1);

    const again = await sextant(tuneArgs("kill", 2), { cwd: dir, env: { TMPDIR: temporary } });
    expect(again.code, again.stderr).toBe(0);
    // Its process and its program's group gone, the rerun of the study removed it (it stayed in /tmp for good).
    expect(trialFolders()).toEqual([]);
    expect(again.stderr).toContain("sextant: warning: trial(s) 0 were left running by a worker process that is gone; marked failed");
    const resumed = await trialsOf("kill");
    expect(resumed.map((t) => [t.number, t.state])).toEqual([
      [0, "failed"],
      [1, "complete"],
      [2, "complete"],
    ]);
    expect(String(resumed[0]!.systemAttrs.failReason)).toContain(`worker process ${tunerPid}`);
  });
});

/** Runs `sextant args` on a terminal closed once the held command wrote `pgidFile`; resolves to how it ended. */
async function hangUpTerminal(args: string[], env: Record<string, string>, pgidFile: string): Promise<string> {
  return (await onTerminal(args, { cwd: dir, env: { ...env, PGIDS: pgidFile }, until: { file: pgidFile }, then: "hang-up" })).ended;
}

describe.skipIf(!havePython)("sextant tune and worker on a terminal that is closed mid-trial", () => {
  it("tune ends with 129 and fails its trial as interrupted (it aborted with SIGABRT, the trial left running)", async () => {
    const pgidFile = join(dir, "pgids");
    const how = await hangUpTerminal(tuneArgs("hup", 3), { HOLD: "1" }, pgidFile);
    expect(how).toBe("exit 129");
    const pgid = Number(readFileSync(pgidFile, "utf8").trim().split("\n")[0]);
    groups.push(pgid);
    expect(await waitUntil(() => liveMembers(pgid).length === 0, GONE_WITHIN_MS), `group ${pgid} still has ${describeSurvivors(pgid)}`).toBe(true);
    expect((await trialsOf("hup")).map((t) => [t.number, t.state, t.systemAttrs.failReason])).toEqual([[0, "failed", "interrupted"]]);
  });

  it("a worker ends with 129 and queues its trial again", async () => {
    const created = await sextant(["create", "--study", "hupw", "--trials", "2", "--kill-grace", "1", "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const pgidFile = join(dir, "pgids");
    const how = await hangUpTerminal(["worker", "--study", "hupw"], { HOLD: "1" }, pgidFile);
    expect(how).toBe("exit 129");
    groups.push(Number(readFileSync(pgidFile, "utf8").trim().split("\n")[0]));
    const trials = await trialsOf("hupw");
    expect(trials.map((t) => [t.number, t.state])).toEqual([
      [0, "failed"],
      [1, "waiting"],
      [2, "waiting"],
    ]);
    expect(trials[0]!.systemAttrs.failReason).toBe("interrupted");
  });
});

describe("a library process running commandObjective dies mid-trial", () => {
  const fixture = join(FIXTURES, "library-command.mjs");

  for (const [how, mode, signal] of [
    ["exits (process.exit)", "exit", null],
    ["is interrupted (SIGINT, no handler)", "wait", "SIGINT"],
    ["is killed (SIGKILL)", "wait", "SIGKILL"],
  ] as const) {
    it(`${how}: the command's whole group is stopped`, async () => {
      const pgidFile = join(dir, "pgids");
      const child = spawn(process.execPath, [fixture, mode, GROUP_SCRIPT, pgidFile], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const ended = new Promise<void>((resolve) => child.on("close", () => resolve()));
      const pgid = await heldGroup(pgidFile);
      // Only once the runner has registered the group (see library-command.mjs).
      expect(await waitUntil(() => existsSync(`${pgidFile}.spawned`), 10_000)).toBe(true);
      if (signal !== null) child.kill(signal);
      else writeFileSync(`${pgidFile}.go`, ""); // the fixture exits only after the group was seen whole
      await ended;
      expect(await waitUntil(() => liveMembers(pgid).length === 0, GONE_WITHIN_MS), `group ${pgid} survived (${describeSurvivors(pgid)}); stderr: ${stderr}`).toBe(true);
    });
  }
});

/** Whether process `pid` has a handler of its own for SIGHUP (Node installs none by default). */
function catchesHangUp(pid: number): boolean {
  try {
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return caught !== undefined && (BigInt(`0x${caught}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

describe("sextant create ended by a signal while it makes its study", () => {
  // Ctrl-\ (SIGQUIT), unhandled, killed create as SIGHUP once did and left the study half-made.
  for (const [signal, exitCode] of [
    ["SIGHUP", 129],
    ["SIGQUIT", 131],
  ] as const) {
    it(`deletes the half-made study, exits ${exitCode} on ${signal}, and the same command then creates it`, async () => {
      const db = join(dir, "sextant.db");
      await (await openStorage(`sqlite:${db}`)).close();
      // Held by this test, the write lock keeps create waiting inside the making of its study.
      const lock = new Database(db);
      const args = ["create", "--study", "made", "--trials", "5", "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"];
      let ended: Awaited<ReturnType<typeof start>["done"]>;
      try {
        lock.exec("BEGIN IMMEDIATE");
        const run = start(args, { cwd: dir });
        // Sent once create listens for it; without a handler, Node's default action killed the
        // process and left the study half-made, refused by every later create and worker.
        await waitUntil(() => catchesHangUp(run.child.pid!), 10_000);
        run.child.kill(signal);
        await run.waitForStderr(`interrupted (${signal})`).catch(() => undefined);
        lock.exec("ROLLBACK");
        ended = await run.done;
      } finally {
        lock.close();
      }
      expect([ended.code, ended.signal], ended.stderr).toEqual([exitCode, null]);
      expect(ended.stderr).toContain('sextant: study "made" was not created (nothing is left in sqlite:./sextant.db); run the same command again to create it');
      const listed = await sextant(["studies", "--json"], { cwd: dir });
      expect(JSON.parse(listed.stdout)).toEqual([]);
      const again = await sextant(args, { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect((await trialsOf("made")).map((t) => t.state)).toEqual(["waiting", "waiting", "waiting", "waiting", "waiting"]);
    });
  }
});

/**
 * Creates study `name` of one trial running the group script with `killGrace`, starts a worker on
 * it, and returns the worker once its command holds, with the command's group.
 */
async function workerMidTrial(name: string, killGrace: number): Promise<{ run: Running; pgid: number }> {
  const created = await sextant(["create", "--study", name, "--trials", "1", "--kill-grace", String(killGrace), "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"], { cwd: dir });
  expect(created.code, created.stderr).toBe(0);
  const pgidFile = join(dir, "pgids");
  const run = start(["worker", "--study", name], { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile } });
  const pgid = await heldGroup(pgidFile);
  await run.waitForStderr("worker joined study");
  return { run, pgid };
}

describe("sextant worker ended by Ctrl-\\ (SIGQUIT) mid-trial", () => {
  it("kills the command's group at once, ends with 131, and queues its trial again (it left it running)", async () => {
    // A grace of a minute: the test ends long before, only if SIGQUIT skips it.
    const { run, pgid } = await workerMidTrial("quit", 60);
    run.child.kill("SIGQUIT");
    const result = await run.done;
    expect([result.code, result.signal], result.stderr).toEqual([131, null]);
    expect(result.stderr).toContain("SIGQUIT received");
    expect(liveMembers(pgid)).toEqual([]);
    const trials = await trialsOf("quit");
    expect(trials.map((t) => [t.number, t.state, t.systemAttrs.failReason])).toEqual([
      [0, "failed", "interrupted"],
      [1, "waiting", undefined],
    ]);
  });
});

describe("sextant worker stopped while another process holds the SQLite write lock", () => {
  it("says what it waits for (it waited up to a minute in silence), then queues its trial again", async () => {
    await stopWhileLocked((await workerMidTrial("wlocked", 1)).run);
    expect((await trialsOf("wlocked")).map((t) => [t.state, t.systemAttrs.failReason])).toEqual([
      ["failed", "interrupted"],
      ["waiting", undefined],
    ]);
  });
});

describe("sextant worker given a second signal while it stops its commands", () => {
  it("kills its commands, exits at once with 143, says that its trials stay running, and the next worker fails them", async () => {
    // A command that ignores SIGTERM keeps the first stop waiting for the whole kill grace. With
    // HOLD unset (the next worker's retry) it prints its value at once.
    const script = join(dir, "stubborn.sh");
    writeFileSync(script, `trap '' TERM\nif [ -n "$HOLD" ]; then\n  sleep 300 &\n  echo "$$" >> "$PGIDS"\n  wait\nfi\necho "$1"\n`);
    const created = await sextant(["create", "--study", "twice", "--trials", "1", "--kill-grace", "60", "--param", "x=float:0:1", "--", "sh", script, "{x}"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const pgidFile = join(dir, "pgids");
    const run = start(["worker", "--study", "twice"], { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile } });
    const pgid = await heldGroup(pgidFile);
    run.child.kill("SIGTERM");
    await run.waitForStderr("SIGTERM received");
    run.child.kill("SIGTERM");
    const ended = await run.done;
    expect([ended.code, ended.signal], ended.stderr).toEqual([143, null]);
    // It used to exit without a word.
    expect(ended.stderr).toContain('sextant: forced exit; the trials this worker was running stay "running" in sqlite:./sextant.db until the next worker started on this machine');
    // Left to the watchdog, the group ignored its SIGTERM and ran on for the whole minute of grace.
    expect(await waitUntil(() => liveMembers(pgid).length === 0, GONE_WITHIN_MS), `group ${pgid} still has ${describeSurvivors(pgid)}`).toBe(true);
    expect((await trialsOf("twice")).map((t) => [t.number, t.state])).toEqual([[0, "running"]]);

    const next = await sextant(["worker", "--study", "twice"], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect((await trialsOf("twice")).map((t) => [t.number, t.state])).toEqual([
      [0, "failed"],
      [1, "complete"],
    ]);
  });
});

/** The state letter of process `pid` from /proc (R, S, T for stopped…), or "gone". */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!;
  } catch {
    return "gone";
  }
}

describe("sextant tune and worker paused with Ctrl-Z (SIGTSTP)", () => {
  // They run in this process's group: where that is orphaned (the suite started under setsid, say)
  // the kernel discards SIGTSTP, and so do they, as the test below checks.
  const orphanedHere = processGroupIsOrphaned();
  for (const command of ["tune", "worker"] as const) {
    it.skipIf(orphanedHere)(`${command}: stops its command's whole group with itself, and SIGCONT resumes them`, async () => {
      if (command === "worker") {
        const created = await sextant(["create", "--study", "paused", "--trials", "1", "--kill-grace", "1", "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"], { cwd: dir });
        expect(created.code, created.stderr).toBe(0);
      }
      const pgidFile = join(dir, "pgids");
      const args = command === "tune" ? tuneArgs("paused", 1) : ["worker", "--study", "paused"];
      const run = start(args, { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile } });
      try {
        await pausedAndResumed(command, run);
      } finally {
        // A failed test must not leave a stopped process behind.
        run.child.kill("SIGKILL");
      }
    });
  }

  /**
   * Runs `tune` with `limit` (its flags) on a command that runs until the test lets it go, pauses
   * the run with Ctrl-Z for `pauseSeconds` during its first trial, resumes it and lets the commands go.
   */
  async function tunePausedMidTrial(study: string, limit: string[], pauseSeconds: number): Promise<RunResult> {
    const pgidFile = join(dir, "pgids");
    const go = join(dir, "go");
    const script = join(dir, "until-go.sh");
    writeFileSync(script, `echo "$$" >> "$PGIDS"\nwhile [ ! -e "$GO" ]; do sleep 0.1; done\necho "$1"\n`);
    const args = ["tune", "--study", study, ...limit, "--kill-grace", "1", "--param", "x=float:0:1", "--", "sh", script, "{x}"];
    const run = start(args, { cwd: dir, env: { PGIDS: pgidFile, GO: go } });
    try {
      expect(await waitUntil(() => existsSync(pgidFile) && readFileSync(pgidFile, "utf8").endsWith("\n"), 30_000)).toBe(true);
      const pgid = Number(readFileSync(pgidFile, "utf8").trim().split("\n")[0]);
      groups.push(pgid);
      const pid = run.child.pid!;
      run.child.kill("SIGTSTP");
      const allStopped = () => stateOf(pid) === "T" && liveMembers(pgid).length > 0 && liveMembers(pgid).every((member) => stateOf(member) === "T");
      expect(await waitUntil(allStopped, 10_000), `tune ${stateOf(pid)}, group ${liveMembers(pgid).map(stateOf).join(" ")}`).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, pauseSeconds * 1000));
      run.child.kill("SIGCONT");
      writeFileSync(go, "");
      return await run.done;
    } finally {
      // A failed test must not leave a stopped process behind.
      run.child.kill("SIGKILL");
    }
  }

  it.skipIf(orphanedHere)("tune: --trial-timeout counts only running time, so a command paused for longer than it completes after SIGCONT", async () => {
    // Paused for longer than the trial's time limit: it was killed as timed out right after SIGCONT.
    const ended = await tunePausedMidTrial("timed", ["--trials", "1", "--trial-timeout", "3"], 5);
    expect(ended.code, ended.stderr).toBe(0);
    expect((await trialsOf("timed")).map((t) => [t.state, t.systemAttrs.failReason])).toEqual([["complete", undefined]]);
  });

  it.skipIf(orphanedHere)("tune: --timeout counts only running time, as --trial-timeout does, so a run paused for longer still starts its next trial", async () => {
    // Paused for longer than --timeout: the run counted the pause and started no second trial.
    // The running time before the pause (set-up, the first command's start) must stay under
    // --timeout on a loaded machine, so the limit leaves it several seconds.
    const ended = await tunePausedMidTrial("run-timed", ["--trials", "2", "--timeout", "9"], 11);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).not.toContain("--timeout 9s passed");
    expect((await trialsOf("run-timed")).map((t) => t.state)).toEqual(["complete", "complete"]);
  });

  it("tune ignores SIGTSTP in an orphaned process group (setsid; nohup and a closed terminal), as the kernel does", async () => {
    const pgidFile = join(dir, "pgids");
    // A session of its own: no member of its group has a parent in another group of that session.
    const tuner = spawn(process.execPath, [BIN, ...tuneArgs("orphaned", 1)], {
      cwd: dir,
      env: { ...process.env, HOLD: "1", PGIDS: pgidFile },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    // Its group, its own pid, is killed after the test even when the test times out.
    groups.push(tuner.pid!);
    let stderr = "";
    tuner.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => tuner.on("close", (code, signal) => resolve([code, signal])));
    const pgid = await heldGroup(pgidFile);
    // It stopped itself and its commands, and nothing could resume them: the SIGTERM after it
    // stayed pending and the run never ended.
    process.kill(tuner.pid!, "SIGTSTP");
    process.kill(tuner.pid!, "SIGTERM");
    expect(await exited, stderr).toEqual([143, null]);
    expect(await waitUntil(() => liveMembers(pgid).length === 0, GONE_WITHIN_MS)).toBe(true);
  });

  async function pausedAndResumed(command: string, run: ReturnType<typeof start>): Promise<void> {
    const pgid = await heldGroup(join(dir, "pgids"));
    const pid = run.child.pid!;
    run.child.kill("SIGTSTP");
    // The commands run in sessions of their own, where no terminal's stop reaches them: they ran on.
    const allStopped = () => stateOf(pid) === "T" && liveMembers(pgid).every((member) => stateOf(member) === "T");
    expect(await waitUntil(allStopped, 10_000), `${command} ${stateOf(pid)}, group ${liveMembers(pgid).map(stateOf).join(" ")}`).toBe(true);
    run.child.kill("SIGCONT");
    const noneStopped = () => stateOf(pid) !== "T" && liveMembers(pgid).every((member) => stateOf(member) !== "T");
    expect(await waitUntil(noneStopped, 10_000)).toBe(true);
    run.child.kill("SIGTERM");
    const ended = await run.done;
    expect(ended.code, ended.stderr).toBe(143);
    expect(await waitUntil(() => liveMembers(pgid).length === 0, GONE_WITHIN_MS)).toBe(true);
  }
});

// New pid namespaces need root (CAP_SYS_ADMIN), as in worker-identity.test.ts.
const canUnshare = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

describe.skipIf(!canUnshare)("sextant tune and worker run as process 1 (a container without an init)", () => {
  it("warn that the orphans of commands will not be reaped, and how to start the container", async () => {
    const created = await sextant(["create", "--study", "init", "--trials", "1", "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    // Each of the three runs its own study, so they run side by side.
    const asInit = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn("unshare", ["--pid", "--fork", "--mount-proc", process.execPath, BIN, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stdout!.resume();
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("close", (status) => resolve({ status, stderr }));
      });
    const [tuneAsInit, workerAsInit, plain] = await Promise.all([asInit(tuneArgs("init-tune", 1)), asInit(["worker", "--study", "init"]), sextant(tuneArgs("init-plain", 1), { cwd: dir })]);
    for (const ran of [tuneAsInit, workerAsInit]) {
      expect(ran.status, ran.stderr).toBe(0);
      // Zombies piled up under it without a word, one or more per trial.
      expect(ran.stderr).toContain("sextant: warning: this process is process 1 (a container started without an init)");
      expect(ran.stderr).toContain("start the container with an init (docker run --init, or tini as the entrypoint)");
    }
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain("process 1");
  });

  it("leaves its commands running on SIGTSTP, which process 1 cannot stop itself for", async () => {
    const pgidFile = join(dir, "pgids");
    // --kill-child: killing unshare alone (the cleanup below) would leave the namespace running.
    const unshare = spawn("unshare", ["--pid", "--fork", "--kill-child", "--mount-proc", process.execPath, BIN, ...tuneArgs("init-tstp", 1)], {
      cwd: dir,
      env: { ...process.env, HOLD: "1", PGIDS: pgidFile },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    unshare.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => unshare.on("close", (code) => resolve(code)));
    try {
      expect(await waitUntil(() => existsSync(pgidFile) && readFileSync(pgidFile, "utf8").endsWith("\n"), 30_000), stderr).toBe(true);
      // Seen from here, the tuner is the child of unshare and the command runs under it.
      const read = (path: string): string => {
        try {
          return readFileSync(path, "utf8");
        } catch {
          return ""; // gone meanwhile
        }
      };
      const childrenOf = (parent: number): number[] =>
        readdirSync("/proc").filter((entry) => /^\d+$/.test(entry) && read(`/proc/${entry}/stat`).split(") ")[1]?.split(" ")[1] === String(parent)).map(Number);
      const tuner = childrenOf(unshare.pid!)[0]!;
      const commands = () => childrenOf(tuner).flatMap((pid) => [pid, ...childrenOf(pid)]).filter((pid) => !read(`/proc/${pid}/cmdline`).includes("sextant-watchdog"));
      process.kill(tuner, "SIGTSTP");
      // Its commands used to get SIGSTOP while it could not stop itself: they stayed stopped.
      await waitUntil(() => commands().some((pid) => stateOf(pid) === "T"), 2_000);
      process.kill(tuner, "SIGTERM");
      expect(await exited, stderr).toBe(143);
      // Ended by the SIGTERM its stop sends, not by the SIGKILL after the grace that a stopped command waits for.
      expect((await trialsOf("init-tstp")).map((t) => [t.state, t.systemAttrs.failReason, t.systemAttrs.signal])).toEqual([["failed", "interrupted", "SIGTERM"]]);
    } finally {
      unshare.kill("SIGKILL");
    }
  });
});

describe("tune --json and worker --json stopped by a signal", () => {
  it("name the signal beside interrupted: true, as copy, import and bench run do", async () => {
    const created = await sextant(["create", "--study", "named", "--trials", "2", "--kill-grace", "1", "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    // The tune, the worker and the plain tune each run a study of their own, side by side.
    const stopped = async ([args, signal]: readonly [readonly string[], "SIGTERM" | "SIGINT"]) => {
      const pgidFile = join(dir, `pgids-${signal}`);
      const run = start([...args], { cwd: dir, env: { HOLD: "1", PGIDS: pgidFile } });
      await heldGroup(pgidFile);
      run.child.kill(signal);
      return [signal, await run.done] as const;
    };
    const [tuned, worked, finished] = await Promise.all([
      stopped([tuneArgs("named-tune", 2, "--json"), "SIGTERM"]),
      stopped([["worker", "--study", "named", "--json"], "SIGINT"]),
      sextant(["tune", "--study", "plain", "--trials", "1", "--json", "--param", "x=float:0:1", "--", "sh", GROUP_SCRIPT, "{x}"], { cwd: dir }),
    ]);
    for (const [signal, ended] of [tuned, worked]) {
      expect(ended.code, ended.stderr).toBe(signal === "SIGTERM" ? 143 : 130);
      // It said only "interrupted": true, so a script could not tell a preemption from a Ctrl-C.
      expect(JSON.parse(ended.stdout)).toMatchObject({ interrupted: true, signal });
    }
    expect(JSON.parse(finished.stdout)).toMatchObject({ interrupted: false, signal: null });
  });
});
