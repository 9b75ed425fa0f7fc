import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type WorkerIdentity, currentWorker, judgeWorker, readProcessStat } from "./worker-identity.js";

const self = currentWorker();
/** Larger than any pid the kernel can give: names no process, here or anywhere. */
const NO_SUCH_PID = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
const OTHER_NAMESPACE = "pid:[4026599999]";

/** Another worker as it would be recorded, on this host, boot and pid namespace unless overridden. */
function recorded(overrides: Partial<WorkerIdentity>): WorkerIdentity {
  return { ...self, id: "another-worker", ...overrides };
}

const children: number[] = [];
afterAll(() => {
  for (const pid of children) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

function startSleeper(command = "sleep"): number {
  const child = spawn(command, ["300"], { stdio: "ignore" });
  children.push(child.pid!);
  return child.pid!;
}

describe("currentWorker", () => {
  it("records a random id, and the boot, pid namespace and start time read from /proc", () => {
    expect(self.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(self.pid).toBe(process.pid);
    expect(self.bootId).toBe(readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
    expect(self.pidNamespace).toBe(readlinkSync("/proc/self/ns/pid"));
    expect(self.startTime).toBe(readProcessStat(process.pid)!.startTime);
    expect(currentWorker()).toBe(self);
  });
});

describe("readProcessStat", () => {
  it("reads state and start time even when the command name holds spaces and parentheses", () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-stat-"));
    try {
      const odd = join(dir, "a) R 1 (b");
      copyFileSync("/bin/sleep", odd);
      const before = readProcessStat(process.pid)!.startTime;
      const pid = startSleeper(odd);
      const stat = readProcessStat(pid)!;
      expect(stat.state).toMatch(/^[RSD]$/);
      expect(stat.startTime).toBeGreaterThanOrEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(readProcessStat(NO_SUCH_PID)).toBeNull();
  });
});

describe("judgeWorker", () => {
  it("never judges a worker in another pid namespace gone, whether its pid is free or collides with a live one here", () => {
    for (const pid of [NO_SUCH_PID, process.pid, 1]) {
      const verdict = judgeWorker(recorded({ pid, pidNamespace: OTHER_NAMESPACE }));
      expect(verdict).toEqual({ gone: false, why: expect.stringContaining("another pid namespace") });
    }
  });

  it("judges a worker gone when its pid names no process in this namespace", () => {
    expect(judgeWorker(recorded({ pid: NO_SUCH_PID }))).toEqual({ gone: true, reason: `worker process ${NO_SUCH_PID} on ${self.host} is gone` });
  });

  it("never judges a trial handed out by the HTTP service gone by the server's pid: its client runs it", () => {
    // A restarted server's old pid is gone; a local worker used to fail the trial its client still ran.
    expect(judgeWorker({ ...recorded({ pid: NO_SUCH_PID }), remote: "http" })).toEqual({ gone: false, why: expect.stringContaining("client of the http service") });
  });

  it("judges a worker gone when its pid now names a process that started at another time (pid reuse)", () => {
    const pid = startSleeper();
    const { startTime } = readProcessStat(pid)!;
    expect(judgeWorker(recorded({ pid, startTime: startTime - 1 }))).toMatchObject({ gone: true, reason: expect.stringContaining("another time") });
    expect(judgeWorker(recorded({ pid, startTime }))).toEqual({ gone: false, why: "it is running" });
    // This very process may have inherited the pid of a worker that died before it started.
    expect(judgeWorker(recorded({ pid: process.pid, startTime: self.startTime! - 1 })).gone).toBe(true);
  });

  it("judges an exited process awaiting its parent gone", () => {
    const zombie = () => ({ state: "Z", startTime: 77 });
    expect(judgeWorker(recorded({ pid: 1234, startTime: 77 }), self, zombie).gone).toBe(true);
  });

  it("leaves alone what it cannot prove: this process, another host or boot, and records missing what proves liveness", () => {
    const cases: unknown[] = [
      self,
      recorded({ pid: NO_SUCH_PID, host: `${self.host}-elsewhere` }),
      recorded({ pid: NO_SUCH_PID, bootId: "00000000-0000-0000-0000-000000000000" }),
      recorded({ pid: NO_SUCH_PID, bootId: null }),
      recorded({ pid: NO_SUCH_PID, pidNamespace: null }),
      { host: self.host, pid: NO_SUCH_PID }, // recorded by an older version: host and pid only
      recorded({ pid: startSleeper(), startTime: null }),
      undefined,
      "worker",
      { host: self.host },
    ];
    for (const worker of cases) expect(judgeWorker(worker).gone, JSON.stringify(worker)).toBe(false);
    // Only this process's view matters: without a boot id or namespace of its own it proves nothing.
    expect(judgeWorker(recorded({ pid: NO_SUCH_PID }), { ...self, bootId: null }).gone).toBe(false);
    expect(judgeWorker(recorded({ pid: NO_SUCH_PID }), { ...self, pidNamespace: null }).gone).toBe(false);
  });
});
