// CLI suite (spawns `node bin/sextant.js` against dist/, with a SQLite file per test): a clean run
// prints no warnings, however many commands run at once.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

// Each command sleeps long enough that all of them run at the same time.
const SLOW = ["--param", "x=float:0:1", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"];
const env = { SLEEP: "400" };

describe("more than 10 commands at once", () => {
  // Every running command listened for the run's abort signal, and Node warned of a possible
  // memory leak (MaxListenersExceededWarning) from the 11th on.
  it("sextant tune --jobs 12 prints no warning", async () => {
    const run = await sextant(["tune", "--study", "wide", "--trials", "12", "--jobs", "12", ...SLOW], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("complete");
    expect(run.stderr).not.toMatch(/warning/i);
  });

  it("sextant worker --jobs 12 prints no warning", async () => {
    const created = await sextant(["create", "--study", "wide", "--trials", "12", "--quiet", ...SLOW], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const run = await sextant(["worker", "--study", "wide", "--jobs", "12"], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("worker done: 12 trial(s) here (complete 12");
    expect(run.stderr).not.toMatch(/warning/i);
  });
});
