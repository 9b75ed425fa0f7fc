import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { RandomSampler } from "../samplers/index.js";
import { StorageError, openStorage } from "../storage/index.js";
import { SqliteStorage } from "../storage/sqlite.js";
import { HalfMadeStudyError, loadStudy } from "../study/index.js";
import { shellWord } from "./format.js";
import type { Io } from "./io.js";
import { createCommand, workerCommand } from "./worker.js";

/** The states of a study's trials as stored, read back by a fresh connection. */
async function storedStates(url: string, studyName: string): Promise<string[]> {
  const storage = await openStorage(url);
  try {
    const record = (await storage.getStudy(studyName))!;
    return (await storage.trialsSince(record.id, 0)).trials.map((t) => t.state);
  } finally {
    await storage.close();
  }
}

const quietIo: Io = { out: () => {}, err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };

describe("sextant create", () => {
  it("marks its study half-made in the write that makes it, so a process that reads it at once hands out no trial past the budget", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-create-"));
    const url = `sqlite:${join(dir, "fleet.db")}`;
    const makeStudy = SqliteStorage.prototype.createStudy;
    const askedEarly: unknown[] = [];
    const spy = vi.spyOn(SqliteStorage.prototype, "createStudy").mockImplementation(async function (this: SqliteStorage, ...args) {
      const record = await makeStudy.apply(this, args);
      // Another process (a library loop, the HTTP service) reads the study right after that write.
      const early = await loadStudy({ name: record.name, storage: this, sampler: new RandomSampler({ seed: 1 }) });
      askedEarly.push(await early.ask().catch((error: unknown) => error));
      return record;
    });
    try {
      expect(await createCommand({ storage: url, study: "fleet", trials: 2, param: ["x=float:0:1"], quiet: true }, ["node", "-e", "0"], quietIo)).toBe(0);
      // Marked only by a second write, the study looked like one without a budget, and the early ask created a trial past it.
      expect(askedEarly).toHaveLength(1);
      expect(askedEarly[0]).toBeInstanceOf(HalfMadeStudyError);
    } finally {
      spy.mockRestore();
    }
    const storage = await openStorage(url);
    try {
      const record = (await storage.getStudy("fleet"))!;
      expect((await storage.trialsSince(record.id, 0)).trials.map((t) => t.state)).toEqual(["waiting", "waiting"]);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on a full disk removes the study it was making, so that running it again once there is room makes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-create-"));
    const path = join(dir, "fleet.db");
    const url = `sqlite:${path}`;
    const flags = { storage: url, study: "fleet", trials: 5000, param: ["x=float:0:1"], quiet: true };
    const queueTrials = SqliteStorage.prototype.queueTrials;
    // SQLite answers SQLITE_FULL, as on a full disk, when the file would grow past max_page_count:
    // the study's record fits, its budget of queued trials does not.
    const spy = vi.spyOn(SqliteStorage.prototype, "queueTrials").mockImplementation(async function (this: SqliteStorage, ...args) {
      const db = (this as unknown as { db: import("better-sqlite3").Database }).db;
      db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
      return queueTrials.apply(this, args);
    });
    try {
      await expect(createCommand(flags, ["node", "-e", "0"], quietIo)).rejects.toThrow(
        `${url}: the disk is full (database or disk is full); this write was not made, what was stored before is intact: free space in ${dir} and run again`,
      );
    } finally {
      spy.mockRestore();
    }
    try {
      // Run again as the message says, it refused: 'study "fleet" … was left half-made by a
      // "sextant create" that did not finish; … delete it with "sextant delete fleet …" and run sextant create again'.
      expect(await createCommand(flags, ["node", "-e", "0"], quietIo)).toBe(0);
      const storage = await openStorage(url);
      try {
        const record = (await storage.getStudy("fleet"))!;
        expect((await storage.trialsSince(record.id, 0)).trials).toHaveLength(5000);
      } finally {
        await storage.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says to delete the half-made study before running it again when the storage fails its removal too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-create-"));
    const url = `sqlite:${join(dir, "fleet.db")}`;
    const flags = { storage: url, study: "fleet", trials: 3, param: ["x=float:0:1"], quiet: true };
    const full = new StorageError(`${url}: the disk is full (database or disk is full); this write was not made, what was stored before is intact: free space in ${dir} and run again`);
    const queue = vi.spyOn(SqliteStorage.prototype, "queueTrials").mockRejectedValue(full);
    const remove = vi.spyOn(SqliteStorage.prototype, "deleteStudy").mockRejectedValue(full);
    try {
      await expect(createCommand(flags, ["node", "-e", "0"], quietIo)).rejects.toThrow(
        `${full.message}; the study "fleet" it was making is left half-made: before running sextant create again, delete it with "sextant delete fleet --storage ${shellWord(url)} --yes"`,
      );
    } finally {
      queue.mockRestore();
      remove.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant worker on a population stored with a pruner", () => {
  it("runs its segments without pruning and says why, where loading it with the pruner is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-worker-pruner-"));
    const url = `sqlite:${join(dir, "fleet.db")}`;
    try {
      const schedule = ["population=2", "segments=1", `checkpoint_dir=${join(dir, "ck")}`];
      expect(await createCommand({ storage: url, study: "pop", scheduler: "pbt", schedulerOpt: schedule, param: ["x=float:0:1"], quiet: true }, ["node", "-e", "console.log(1)"], quietIo)).toBe(0);
      // As sextant create stored it before it refused --pruner beside --scheduler.
      const storage = await openStorage(url);
      try {
        const record = (await storage.getStudy("pop"))!;
        const stored = record.systemAttrs["cli:config"] as Record<string, unknown>;
        await storage.setStudyAttrs(record.id, { systemAttrs: { "cli:config": { ...stored, pruner: { name: "median", options: {} } } } });
      } finally {
        await storage.close();
      }
      const errors: string[] = [];
      const io: Io = { ...quietIo, err: (line) => errors.push(line) };
      expect(await workerCommand({ storage: url, study: "pop", quiet: true }, io)).toBe(0);
      expect(errors.join("\n")).toContain('sextant: warning: study "pop" stores the median pruner beside its pbt scheduler: a segment the pruner stops saves no checkpoint');
      expect(await storedStates(url, "pop")).toEqual(["complete", "complete"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant worker on a study of several objectives", () => {
  it("reports the Pareto front in its --json summary and its closing line, as tune does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-worker-front-"));
    const url = `sqlite:${join(dir, "fleet.db")}`;
    // x and 1 - x: every trial is on the front.
    const command = ["node", "-e", "const x = Number(process.argv[1]); console.log('sextant: ' + JSON.stringify({ values: [x, 1 - x] }))", "{x}"];
    try {
      const created = { storage: url, study: "two", trials: 3, direction: ["minimize", "minimize"], param: ["x=float:0:1"], seed: 1, quiet: true };
      expect(await createCommand(created, command, quietIo)).toBe(0);
      const out: string[] = [];
      expect(await workerCommand({ storage: url, study: "two", json: true }, { ...quietIo, out: (line) => out.push(line) })).toBe(0);
      const summary = JSON.parse(out.join("\n")) as { directions: string[]; best: unknown; bestTrials: { number: number; values: number[]; params: { x: number } }[] };
      // It said only "best": null, so a script driving workers never saw what they found.
      expect(summary.directions).toEqual(["minimize", "minimize"]);
      expect(summary.best).toBeNull();
      expect(summary.bestTrials.map((t) => t.number).sort()).toEqual([0, 1, 2]);
      for (const t of summary.bestTrials) expect(t.values).toEqual([t.params.x, 1 - t.params.x]);
      const lines: string[] = [];
      expect(await workerCommand({ storage: url, study: "two" }, { ...quietIo, out: (line) => lines.push(line) })).toBe(0);
      expect(lines.join("\n")).toContain("; Pareto front: 3 trial(s) (see sextant best)");
      // With no feasible trial, the nearest miss, as tune --json names it.
      const infeasible = ["node", "-e", "const x = Number(process.argv[1]); console.log('sextant: ' + JSON.stringify({ values: [x, 1 - x], constraints: [x + 1] }))", "{x}"];
      expect(await createCommand({ ...created, study: "none" }, infeasible, quietIo)).toBe(0);
      const missed: string[] = [];
      expect(await workerCommand({ storage: url, study: "none", json: true }, { ...quietIo, out: (line) => missed.push(line) })).toBe(0);
      const nearest = (JSON.parse(missed.join("\n")) as { bestTrials: unknown[]; leastViolating: { params: { x: number }; violation: number } });
      expect(nearest.bestTrials).toEqual([]);
      expect(nearest.leastViolating.violation).toBe(nearest.leastViolating.params.x + 1);
      const said: string[] = [];
      expect(await workerCommand({ storage: url, study: "none" }, { ...quietIo, out: (line) => said.push(line) })).toBe(0);
      expect(said.join("\n")).toMatch(/; Pareto front: 0 trial\(s\) \(see sextant best\); no feasible trial yet \(least-violating: trial \d; see sextant best\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant worker on a study an older sextant tune made", () => {
  it("refuses to run without --trials, where it ran trials until stopped, and runs the trials --trials gives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-worker-old-tune-"));
    const url = `sqlite:${join(dir, "old.db")}`;
    try {
      const storage = await openStorage(url);
      try {
        // The cli:config sextant tune stored at 7b38131 (11-27), before budgets: `--trials 20` was kept nowhere.
        const oldConfig = {
          version: 1,
          command: ["node", "-e", "console.log(Number(process.argv[1]))", "{x}"],
          space: { x: { type: "float", low: 0, high: 1 } },
          directions: ["minimize"],
          sampler: { name: "random", options: {} },
          pruner: { name: "none", options: {} },
          env: {},
          cwd: dir,
          trialTimeout: null,
          killGrace: 5,
        };
        await storage.createStudy("old", ["minimize"], { systemAttrs: { "cli:config": oldConfig } });
      } finally {
        await storage.close();
      }
      await expect(workerCommand({ storage: url, study: "old", quiet: true }, quietIo)).rejects.toThrow(
        'study "old" was made by an older sextant tune, which stored no trial budget, so this worker would run trials until stopped; give it --trials N (the trials this worker runs); no trial was started',
      );
      expect(await workerCommand({ storage: url, study: "old", trials: 2, quiet: true }, quietIo)).toBe(0);
      expect(await storedStates(url, "old")).toEqual(["complete", "complete"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
