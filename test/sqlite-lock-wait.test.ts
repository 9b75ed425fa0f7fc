// Waiting for another process's SQLite write lock must not stall the tuner: trial timeouts,
// kill-grace timers and the reading of program output all run on the event loop.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
// Loaded up front so that openStorage's lazy import of the backend is not what takes the time.
import "../src/storage/sqlite.js";
import { createStudy } from "../src/study/index.js";
import { FIXTURES, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("sextant-lock-")));
afterEach(() => cleanup());

function holdWriteLock(db: string, pidFile: string, marker: string, maxSeconds: number): Promise<{ sawExitWhileLocked: boolean }> {
  const child = spawn(process.execPath, [join(FIXTURES, "hold-write-lock.mjs"), db, pidFile, marker, String(maxSeconds)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`lock holder exited ${code}: ${stderr}`))));
  });
}

describe("waiting for the SQLite write lock", () => {
  it("lets a trial timeout fire while another process holds the lock", async () => {
    const db = join(dir, "runs.db");
    const pidFile = join(dir, "trial.pid");
    const marker = join(dir, "locked");
    // The study exists beforehand so that the tuner's only write during the lock is the report.
    const storage = await openStorage(`sqlite:${db}`);
    await createStudy({ name: "locked", storage, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
    await storage.close();

    // The holder keeps the lock until the trial's program is gone, for at most 25 s. A tuner whose
    // event loop is blocked waiting for that lock cannot fire the 3 s trial timeout before then.
    const holder = holdWriteLock(db, pidFile, marker, 25);
    const tune = sextant(
      [
        "tune",
        "--storage",
        `sqlite:${db}`,
        "--study",
        "locked",
        "-p",
        "x=float:0:1",
        "--trials",
        "1",
        "--trial-timeout",
        "3",
        "--kill-grace",
        "1",
        "--",
        process.execPath,
        join(FIXTURES, "report-when-locked.mjs"),
        pidFile,
        marker,
        "{x}",
      ],
      { cwd: dir },
    );
    const [held, result] = await Promise.all([holder, tune]);
    expect(held.sawExitWhileLocked).toBe(true);
    // Exit 1: every trial (the one) failed, which is what a timeout does.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("trial 0 failed: timed out after 3s");

    const reader = await openStorage(`sqlite:${db}`, { readOnly: true });
    const record = await reader.getStudy("locked");
    const [trial] = (await reader.trialsSince(record!.id, 0)).trials;
    await reader.close();
    expect(trial?.state).toBe("failed");
    expect(trial?.systemAttrs.failReason).toBe("timed out after 3s");
    // The report made during the lock was kept, not lost to the wait.
    expect(trial?.intermediate).toEqual({ 0: 1 });
  }, 90_000);

  it("opens a file another process holds locked without stopping this process meanwhile", async () => {
    const db = join(dir, "fresh.db");
    const marker = join(dir, "locked");
    // A new file must be switched to WAL and migrated, which needs the lock the holder has.
    const holder = holdWriteLock(db, "-", marker, 2);
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 10));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const storage = await openStorage(`sqlite:${db}`).finally(() => clearInterval(ticker));
    await holder;
    // A synchronous wait would have held the event loop for the whole 2 s: no tick at all.
    expect(ticks).toBeGreaterThan(5);
    expect(await storage.listStudies()).toEqual([]);
    await storage.close();
  }, 60_000);
});
