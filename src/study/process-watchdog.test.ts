import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessGroupWatchdog } from "./process-watchdog.js";

/** Whether process `pid` exists. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether process `pid` ignores every signal of `mask` (bit n - 1 for signal n), as its /proc status says. */
function ignores(pid: number, mask: bigint): boolean {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return (BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)/m.exec(status)![1]}`) & mask) === mask;
}

const programs: ChildProcess[] = [];
const watchdogs: ProcessGroupWatchdog[] = [];
afterEach(() => {
  for (const watchdog of watchdogs.splice(0)) {
    if (watchdog.pid !== undefined) process.kill(watchdog.pid, "SIGKILL");
  }
  for (const program of programs.splice(0)) {
    try {
      process.kill(-program.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

/** A program in its own group whose shell has a child: only killing the group ends both. Ended means reaped here. */
function startGroup(script = "sleep 300 & wait"): { pgid: number; ended: () => boolean } {
  const program = spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore" });
  programs.push(program);
  let ended = false;
  program.on("exit", () => (ended = true));
  return { pgid: program.pid!, ended: () => ended };
}

function newWatchdog(): ProcessGroupWatchdog {
  const watchdog = new ProcessGroupWatchdog();
  watchdogs.push(watchdog);
  return watchdog;
}

describe("ProcessGroupWatchdog", () => {
  it("stops the groups still registered when its pipe closes, and leaves released ones alone", async () => {
    const watchdog = newWatchdog();
    const released = startGroup();
    const held = startGroup();
    watchdog.guard(released.pgid, 0.5).release();
    watchdog.guard(held.pgid, 0.5);
    const watchdogPid = watchdog.pid!;
    expect(processExists(watchdogPid)).toBe(true);
    watchdog.abandon();
    expect(await waitFor(() => held.ended(), 15_000)).toBe(true);
    expect(await waitFor(() => !processExists(watchdogPid), 15_000)).toBe(true);
    expect(released.ended()).toBe(false);
  });

  it("can be started before the program, so guarding it afterwards only writes a line", async () => {
    const watchdog = newWatchdog();
    watchdog.prepare();
    const watchdogPid = watchdog.pid;
    expect(watchdogPid).toBeDefined();
    expect(processExists(watchdogPid!)).toBe(true);
    const held = startGroup();
    watchdog.guard(held.pgid, 0.5);
    expect(watchdog.pid).toBe(watchdogPid);
    watchdog.abandon();
    expect(await waitFor(() => held.ended(), 15_000)).toBe(true);
  });

  it("sends SIGTERM first and SIGKILL only after the grace period", async () => {
    const watchdog = newWatchdog();
    // Ignoring SIGTERM is inherited by the sleep: only SIGKILL ends this group.
    const stubborn = startGroup("trap '' TERM; sleep 300 & wait");
    const polite = startGroup();
    watchdog.guard(stubborn.pgid, 3);
    watchdog.guard(polite.pgid, 3);
    // A SIGTERM that came before the shell ran its trap would end it at once. A fixed pause of
    // 100 ms stood here: on a loaded machine the shell may not have run by then.
    expect(await waitFor(() => ignores(stubborn.pgid, 1n << 14n), 15_000)).toBe(true);
    const abandonedAt = Date.now();
    watchdog.abandon();
    expect(await waitFor(() => polite.ended(), 15_000)).toBe(true);
    if (Date.now() - abandonedAt < 2500) expect(stubborn.ended()).toBe(false);
    expect(await waitFor(() => stubborn.ended(), 20_000)).toBe(true);
    expect(Date.now() - abandonedAt).toBeGreaterThanOrEqual(2500);
  });

  it("lives in its own session, so the tuner's terminal signals do not reach it", async () => {
    const watchdog = newWatchdog();
    const group = startGroup();
    watchdog.guard(group.pgid, 0.5);
    const watchdogPid = watchdog.pid!;
    // Wait until the shell has set its traps: SIGHUP and SIGINT (bits 1 and 2) in its ignored mask.
    expect(await waitFor(() => ignores(watchdogPid, 3n), 15_000)).toBe(true);
    // It leads its own group, distinct from ours and from the program's.
    process.kill(-watchdogPid, "SIGHUP");
    process.kill(-watchdogPid, "SIGINT");
    await sleep(300);
    expect(processExists(watchdogPid)).toBe(true);
    expect(group.ended()).toBe(false);
  });

  it("starts again with every registered group if someone kills it", async () => {
    const watchdog = newWatchdog();
    const group = startGroup();
    watchdog.guard(group.pgid, 0.5);
    const first = watchdog.pid!;
    await sleep(1200); // a watchdog that dies at once is not restarted, one that ran a while is
    process.kill(first, "SIGKILL");
    expect(await waitFor(() => watchdog.pid !== undefined && watchdog.pid !== first, 15_000)).toBe(true);
    await sleep(100);
    watchdog.abandon();
    expect(await waitFor(() => group.ended(), 15_000)).toBe(true);
  });

  it("refuses a process group it could never mean", () => {
    const watchdog = new ProcessGroupWatchdog();
    expect(() => watchdog.guard(1, 5)).toThrow(/pgid/);
    expect(() => watchdog.guard(0, 5)).toThrow(/pgid/);
    expect(() => watchdog.guard(-4, 5)).toThrow(/pgid/);
    expect(watchdog.pid).toBeUndefined();
  });
});
