/**
 * A SQLite storage written by a process with a file size limit (`ulimit -f`): SQLite reports a
 * write past it (EFBIG) as a plain disk I/O error, which sent users to check a healthy disk. The
 * CLI runs under bash's `ulimit -f`, against dist/ as the other CLI tests do.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, FIXTURES, type RunResult, sextant, sqliteTrials, tempDir } from "./fixtures/cli-run.js";

/** Runs the CLI with a file size limit of `kib` KiB, as `ulimit -f` in bash sets it. */
function sextantLimited(kib: number, args: string[], cwd: string): Promise<RunResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.SEXTANT_STORAGE;
  const child = spawn("bash", ["-c", 'ulimit -f "$1" && shift && exec "$@"', "bash", String(kib), process.execPath, BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe("sqlite storage under a file size limit", { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir("sextant-fsize-")));
  afterEach(() => cleanup());

  const command = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "0"];

  it("says the limit was reached, and how to raise it, when a worker's write meets it mid-run", async () => {
    const db = join(dir, "limited.db");
    const created = await sextant(["create", "--storage", `sqlite:${db}`, "--study", "s", "-p", "x=float:0:10", "--trials", "12", "--sampler", "random", ...command], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    // Its write-ahead log outgrows the limit within a few trials.
    const limited = await sextantLimited(150, ["worker", "--storage", `sqlite:${db}`, "--study", "s"], dir);
    expect(limited.code, limited.stderr).toBe(1);
    expect(limited.stderr).toMatch(/a write failed \(disk I\/O error, SQLITE_IOERR_WRITE\); this process may not write a file past 153600 bytes \(its file size limit, ulimit -f\).*ulimit -f unlimited/);
    expect(limited.stderr).not.toMatch(/internal error/);
    // Nothing was lost: a worker without the limit finishes the budget, the dead worker's trials queued again.
    const rest = await sextant(["worker", "--storage", `sqlite:${db}`, "--study", "s"], { cwd: dir });
    expect(rest.code, rest.stderr).toBe(0);
    const trials = await sqliteTrials(db, "s");
    expect(trials.filter((t) => t.state === "complete")).toHaveLength(12);
    expect(trials.filter((t) => t.state === "running" || t.state === "waiting")).toEqual([]);
  });

  it("says so when opening a new file meets it", async () => {
    const limited = await sextantLimited(20, ["tune", "--storage", `sqlite:${join(dir, "new.db")}`, "--study", "s", "-p", "x=float:0:10", "--trials", "2", ...command], dir);
    expect(limited.code, limited.stderr).toBe(1);
    expect(limited.stderr).toMatch(/cannot open sqlite:.*new\.db: disk I\/O error \(SQLITE_IOERR_\w+\); this process may not write a file past 20480 bytes \(its file size limit, ulimit -f\)/);
  });
});
