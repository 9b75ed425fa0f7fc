// CLI suite: errors from a damaged database name where the damage is, and --debug / SEXTANT_DEBUG
// add the stack trace.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
import { createStudy } from "../src/study/index.js";
import { sextant, tempDir } from "./fixtures/cli-run.js";

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
    }
  });

  it("prints the stack when SEXTANT_DEBUG=1", async () => {
    const result = await sextant(["export", "demo", "--storage", `sqlite:${db}`], { cwd: dir, env: { SEXTANT_DEBUG: "1" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^caused by: SyntaxError: .*\n\s+at /m);
  });
});
