// CLI suite: errors from a damaged database name where the damage is, and --debug / SEXTANT_DEBUG
// add the stack trace; output to a full device.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
import { createStudy } from "../src/study/index.js";
import { BIN, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
let db: string;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, "runs.db");
  const storage = await openStorage(`sqlite:${db}`);
  const study = await createStudy({ name: "demo", storage, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
  await study.optimize((trial) => trial.suggestFloat("x", -5, 5) ** 2, { nTrials: 4 });
  await storage.close();
  // What a hand edit or a broken tool leaves behind: text that is not JSON.
  const raw = new Database(db);
  raw.prepare("UPDATE trials SET params = ? WHERE number = 2").run("{x: 1.5}");
  raw.close();
});
afterEach(() => cleanup());

describe("a damaged database", () => {
  it("names the storage, study, trial and column, without a stack trace", async () => {
    const result = await sextant(["trials", "demo", "--storage", `sqlite:${db}`], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`sqlite:${db}: study "demo", trial 2 (id 3): column params does not hold what Sextant writes`);
    expect(result.stderr).toContain('it starts "{x: 1.5}"');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("prints the stack and the parser's error under --debug, before or after the command", async () => {
    for (const args of [["trials", "demo", "--debug"], ["--debug", "trials", "demo"]]) {
      const result = await sextant([...args, "--storage", `sqlite:${db}`], { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("column params does not hold what Sextant writes");
      expect(result.stderr).toMatch(/^StorageDecodeError: .*\n\s+at /m);
      expect(result.stderr).toMatch(/^caused by: SyntaxError: .*\n\s+at /m);
      // The CLI runs from a bundle; its source maps name the built modules and their lines.
      expect(result.stderr).toMatch(/^\s+at .*dist\/storage\/sqlite\.js:\d+:\d+\)?$/m);
      expect(result.stderr).not.toContain("cli-bundle");
    }
  });

  it("prints the stack when SEXTANT_DEBUG=1", async () => {
    const result = await sextant(["export", "demo", "--storage", `sqlite:${db}`], { cwd: dir, env: { SEXTANT_DEBUG: "1" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^caused by: SyntaxError: .*\n\s+at /m);
    expect(result.stderr).toMatch(/^\s+at .*dist\/storage\/sqlite\.js:\d+:\d+\)?$/m);
    expect(result.stderr).not.toContain("cli-bundle");
  });
});

/** Runs the CLI with stdout or stderr on /dev/full (every write fails with ENOSPC). */
function onFullDevice(stream: "stdout" | "stderr", args: string[]): Promise<{ code: number | null; signal: string | null; text: string }> {
  const full = openSync("/dev/full", "w");
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.SEXTANT_STORAGE;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ["ignore", stream === "stdout" ? full : "pipe", stream === "stderr" ? full : "pipe"] });
  closeSync(full);
  let text = "";
  (stream === "stdout" ? child.stderr : child.stdout)!.on("data", (d: Buffer) => (text += d.toString()));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, text })));
}

describe.skipIf(!existsSync("/dev/full"))("a full device", () => {
  it("on stderr loses only the messages: tune runs every trial and ends with 0 (it died at its first message)", async () => {
    const run = await onFullDevice("stderr", ["tune", "--study", "full", "--trials", "3", "--param", "x=float:0:1", "--", "sh", "-c", "echo $1", "sh", "{x}"]);
    expect(run.code, run.text).toBe(0);
    const trials = await sextant(["trials", "full", "--json"], { cwd: dir });
    expect((JSON.parse(trials.stdout) as { state: string }[]).map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
  });

  it("on stdout is one line on stderr and exit code 1, not a stack trace", async () => {
    const run = await onFullDevice("stdout", ["--help"]);
    expect(run.code).toBe(1);
    expect(run.text).toBe("sextant: cannot write to standard output: no space left on the device\n");
  });
});

describe("a current folder that was deleted", () => {
  it("is said in one line, not as an internal error", async () => {
    const gone = join(dir, "gone");
    // Start in the folder, then remove it: a shell left in a deleted folder does the same.
    // The folder and the command reach the shell as its arguments, never spliced into its script:
    // a temp folder or checkout with a space, a quote or a $ in its path is read as it is.
    const inGone = async (args: string[]): Promise<{ code: unknown; stderr: string }> => {
      mkdirSync(gone, { recursive: true });
      const script = 'cd "$1" && rmdir "$1" && shift && exec "$@"';
      const child = spawn("sh", ["-c", script, "sh", gone, process.execPath, BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((resolve) => child.on("close", resolve));
      return { code, stderr };
    };
    expect(await inGone(["studies"])).toEqual({ code: 1, stderr: "sextant: the current folder no longer exists (it was deleted or moved); cd to one that does\n" });
    // Commands that need no folder still run there.
    expect(await inGone(["--version"])).toMatchObject({ code: 0, stderr: "" });
    expect(await inGone(["studies", "--storage", `sqlite:${db}`])).toMatchObject({ code: 0, stderr: "" });
  });
});
