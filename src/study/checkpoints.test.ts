import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { UNWRITABLE_FOLDERS } from "../../test/fixtures/unwritable-folder.js";
import { CheckpointStore, defaultCheckpointRoot } from "./checkpoints.js";
import { FolderNotWritableError } from "./folders.js";

describe("defaultCheckpointRoot", () => {
  it("keeps a plain study name as the folder beside the SQLite file", () => {
    expect(defaultCheckpointRoot("sqlite:./runs.db", "pbt-demo")).toBe(resolve("runs.db-checkpoints", "pbt-demo"));
    expect(defaultCheckpointRoot("postgres://h/db", "a.b_c-1")).toBe(resolve("sextant-checkpoints", "a.b_c-1"));
  });

  it("gives studies whose names differ only in other characters folders of their own", () => {
    // They all used to map to "_" or "exp_1", and one study restored another's checkpoints.
    const names = ["学习率", "批大小", "exp/1", "exp 1", "exp_1", "exp%1", "..x", "Ünïcode", "a".repeat(150) + "/", "a".repeat(150) + " "];
    const folders = names.map((name) => defaultCheckpointRoot("sqlite:/data/runs.db", name));
    expect(new Set(folders).size).toBe(names.length);
    for (const folder of folders) {
      expect(folder.startsWith("/data/runs.db-checkpoints/")).toBe(true);
      expect(folder.slice("/data/runs.db-checkpoints/".length)).toMatch(/^[A-Za-z0-9_.-]{1,80}$/);
    }
    // The same name always gives the same folder, so a resumed study finds its checkpoints.
    expect(defaultCheckpointRoot("sqlite:/data/runs.db", "学习率")).toBe(folders[0]);
  });
});

describe("CheckpointStore.dirFor", () => {
  for (const { kind, make, unavailable } of UNWRITABLE_FOLDERS) {
    it(`says why a segment's folder cannot be made on ${kind}, where it said "ENOENT … mkdir '…/trial-1'"`, (context) => {
      const parent = mkdtempSync(join(tmpdir(), "sextant-checkpoints-test-"));
      const folder = make(parent);
      try {
        if (folder === null) return context.skip(unavailable);
        const store = new CheckpointStore(join(folder.dir, "ck"));
        expect(() => store.dirFor(1)).toThrow(new FolderNotWritableError(join(folder.dir, "ck", "trial-1"), folder.reason));
      } finally {
        folder?.release();
        rmSync(parent, { recursive: true, force: true });
      }
    });
  }
});
