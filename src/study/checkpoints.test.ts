import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { UNWRITABLE_FOLDERS } from "../../test/fixtures/unwritable-folder.js";
import type { JsonValue } from "../space/index.js";
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

/** Runs `run` on a store in a scratch folder of its own, removed afterwards. */
function withStore(run: (store: CheckpointStore, scratch: string) => void): void {
  const scratch = mkdtempSync(join(tmpdir(), "sextant-checkpoints-test-"));
  try {
    run(new CheckpointStore(join(scratch, "ck")), scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("CheckpointStore.save called twice in one segment", () => {
  function folderWith(parent: string, name: string, files: Record<string, string>): string {
    const dir = join(parent, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  }

  it("restores the last save: bytes after JSON, JSON after bytes", () => {
    withStore((store) => {
      // The JSON file stayed beside the bytes, and the next segment read the stale JSON.
      store.save(1, { data: { step: 1 } });
      store.save(1, { data: new Uint8Array([7, 8]) });
      expect([...(store.open("trial-1", 1).data as Buffer)]).toEqual([7, 8]);
      store.save(2, { data: new Uint8Array([1]) });
      store.save(2, { data: { step: 2 } });
      expect(store.open("trial-2", 2).data).toEqual({ step: 2 });
      expect(readdirSync(store.dirFor(2))).toEqual(["checkpoint.json"]);
    });
  });

  it("restores a folder saved after JSON as that folder, with no data, whether copied in or written in place", () => {
    withStore((store, scratch) => {
      store.save(1, { data: { step: 1 } });
      store.save(1, { dir: folderWith(scratch, "model", { "weights.txt": "w" }) });
      expect(store.open("trial-1", 1).data).toBeUndefined();
      expect(readdirSync(store.open("trial-1", 1).dir)).toEqual(["weights.txt"]);

      store.save(2, { data: { step: 1 } });
      writeFileSync(join(store.dirFor(2), "weights.txt"), "w");
      store.save(2, { dir: store.dirFor(2) });
      expect(store.open("trial-2", 2).data).toBeUndefined();
      expect(readdirSync(store.open("trial-2", 2).dir)).toEqual(["weights.txt"]);
    });
  });

  it("replaces a folder copied in by the next one, and keeps the data file of a folder copied from a checkpoint", () => {
    withStore((store, scratch) => {
      store.save(1, { dir: folderWith(scratch, "a", { "shard-1.bin": "1", "shard-2.bin": "2" }) });
      store.save(1, { dir: folderWith(scratch, "b", { "shard-1.bin": "one" }) });
      expect(readdirSync(store.open("trial-1", 1).dir)).toEqual(["shard-1.bin"]);

      // A segment that saved JSON, then chose to keep its parent's checkpoint as it was.
      store.save(2, { data: { parent: true } });
      store.save(3, { data: { mine: true } });
      store.save(3, { dir: store.open("trial-2", 2).dir });
      expect(store.open("trial-3", 3).data).toEqual({ parent: true });
    });
  });

  it("keeps the segment's own folder when it is saved under another spelling of its path (a symlink on the way, or its real path)", () => {
    withStore((_store, scratch) => {
      // The checkpoint root is reached through a symlink (checkpoint_dir=/data/ck with /data a link),
      // and the program saves the folder by its resolved path: it was emptied before being copied onto itself.
      mkdirSync(join(scratch, "real"));
      symlinkSync(join(scratch, "real"), join(scratch, "link"));
      const store = new CheckpointStore(join(scratch, "link", "ck"));
      writeFileSync(join(store.dirFor(1), "weights.txt"), "w");
      store.save(1, { dir: realpathSync(store.dirFor(1)) });
      expect(readdirSync(store.open("trial-1", 1).dir)).toEqual(["weights.txt"]);
      // A folder inside the segment's own whose name starts with ".." is inside it too.
      folderWith(store.dirFor(2), "..best", { "weights.txt": "b" });
      store.save(2, { dir: join(store.dirFor(2), "..best") });
      expect(readdirSync(store.open("trial-2", 2).dir).sort()).toEqual(["..best", "weights.txt"]);
    });
  });

  it("keeps files the program wrote into the segment's own folder beside data saved after them", () => {
    withStore((store) => {
      writeFileSync(join(store.dirFor(1), "weights.txt"), "w");
      store.save(1, { data: { step: 1 } });
      expect(store.open("trial-1", 1).data).toEqual({ step: 1 });
      expect(readdirSync(store.open("trial-1", 1).dir).sort()).toEqual(["checkpoint.json", "weights.txt"]);
    });
  });
});

describe("CheckpointStore.save({ data })", () => {
  it("restores NaN and ±Infinity as they were saved, where they came back as null", () => {
    withStore((store) => {
      const data = { weights: [1, NaN, Infinity, -Infinity], note: "Infinity", tagLike: { "$sextant:number": "NaN" } };
      store.save(1, { data });
      expect(store.open("trial-1", 1).data).toEqual(data);
    });
  });

  it("refuses what is not a JSON value, naming where it is, and keeps the earlier save", () => {
    withStore((store) => {
      store.save(1, { data: { step: 1 } });
      // Each was written as something else (a string, {}, a field gone, an object of indices) without a word.
      const bad: [unknown, RegExp][] = [
        [{ at: new Date(0) }, /^saveCheckpoint\(\{ data \}\): data\.at is a Date, not a JSON value/],
        [{ seen: new Map([[1, 2]]) }, /^saveCheckpoint\(\{ data \}\): data\.seen is a Map, not a JSON value/],
        [{ weights: [1, undefined] }, /^saveCheckpoint\(\{ data \}\): data\.weights\[1\] is undefined, not a JSON value/],
        [new Float64Array([1, 2]), /^saveCheckpoint\(\{ data \}\): data is a Float64Array, not a JSON value/],
      ];
      for (const [value, message] of bad) expect(() => store.save(1, { data: value as JsonValue })).toThrow(message);
      expect(store.open("trial-1", 1).data).toEqual({ step: 1 });
    });
  });
});
