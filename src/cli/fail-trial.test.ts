import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { SqliteStorage } from "../storage/sqlite.js";
import { failTrialCommand } from "./fail-trial.js";
import type { Io } from "./io.js";

const scratch = mkdtempSync(join(tmpdir(), "sextant-fail-trial-"));
afterEach(() => {
  vi.restoreAllMocks();
});

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l), write: (t) => void stdout.push(t), stdinIsTTY: false, stderrIsTTY: false };
}

describe("sextant fail-trial", () => {
  it("refuses a beating trial started by an older version, which recorded no heartbeat, by the grace the reapers wait", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-fail-trial-old-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "old.db");
    const storage = SqliteStorage.open(path);
    const study = await storage.createStudy("old", ["minimize"]);
    // No systemAttrs.heartbeat: an older Sextant's worker, still beating.
    const trial = await storage.createTrial(study.id, { state: "running" });
    await storage.recordHeartbeat([trial.id]);
    const io = capture();
    expect(await failTrialCommand("old", [trial.number], { storage: `sqlite:${path}` }, io)).toBe(1);
    expect(io.stderr).toEqual([expect.stringMatching(new RegExp(`^sextant: trial ${trial.number} last beat \\d+ s ago .*within its heartbeat grace of 60 s: its process looks alive`))]);
    expect((await storage.getTrial(trial.id))!.state).toBe("running");
    expect(await failTrialCommand("old", [trial.number], { storage: `sqlite:${path}`, force: true }, capture())).toBe(0);
    expect((await storage.getTrial(trial.id))!.state).toBe("failed");
    await storage.close();
  });

  it("leaves a trial that its owner finishes while the command runs as it finished, says so, and exits 1", async () => {
    const path = join(scratch, "race.db");
    const owner = SqliteStorage.open(path);
    const study = await owner.createStudy("race", ["minimize"]);
    // Run without heartbeats, so its silence says nothing and it is failed at once.
    const trial = await owner.createTrial(study.id, { state: "running", params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } }, systemAttrs: { heartbeat: false } });
    const update = SqliteStorage.prototype.updateTrial;
    // The owner was alive after all: its result lands just before the command's failing write.
    vi.spyOn(SqliteStorage.prototype, "updateTrial").mockImplementation(async function (this: SqliteStorage, id, patch) {
      if (this !== owner && patch.state === "failed") await update.call(owner, trial.id, { state: "complete", values: [0.5] });
      return update.call(this, id, patch);
    });
    const io = capture();
    expect(await failTrialCommand("race", [trial.number], { storage: `sqlite:${path}`, requeue: true }, io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([`sextant: trial ${trial.number} finished (complete) while this command ran, so its process was alive: left as it is`]);
    vi.restoreAllMocks();
    expect((await owner.trialsSince(study.id, 0)).trials.map((t) => [t.state, t.values])).toEqual([["complete", [0.5]]]);
    await owner.close();
    rmSync(scratch, { recursive: true, force: true });
  });
});
