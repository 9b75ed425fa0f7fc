import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStorage } from "../storage/sqlite.js";
import { exportCommand } from "./inspect.js";
import type { Io } from "./io.js";

const quietIo: Io = { out: () => undefined, err: () => undefined, write: () => undefined, stdinIsTTY: false, stderrIsTTY: false };

describe("sextant export", () => {
  it("writes the CSV of a study of 130,000 trials", async () => {
    // The constraint columns were counted with Math.max(...one number per trial), which overflowed
    // the call stack past about 125,000 trials: the export failed, constraints or none.
    const dir = mkdtempSync(join(tmpdir(), "sextant-export-"));
    try {
      const storage = SqliteStorage.open(join(dir, "big.db"));
      const study = await storage.createStudy("big", ["minimize"]);
      await storage.queueTrials!(study.id, 130_000);
      const last = await storage.createTrial(study.id, { state: "running", systemAttrs: { constraints: [0.5, -1] } });
      await storage.updateTrial(last.id, { state: "complete", values: [1] });
      await storage.close();
      const output = join(dir, "big.csv");
      expect(await exportCommand("big", { storage: `sqlite:${join(dir, "big.db")}`, output }, quietIo)).toBe(0);
      const lines = readFileSync(output, "utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(130_002);
      expect(lines[0]!.split(",").slice(0, 5)).toEqual(["number", "state", "value", "constraint_0", "constraint_1"]);
      expect(lines.at(-1)!.split(",").slice(0, 5)).toEqual(["130000", "complete", "1", "0.5", "-1"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }, 60_000);
});
