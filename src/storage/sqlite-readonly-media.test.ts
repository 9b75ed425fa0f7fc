// A SQLite file on a file system mounted read-only (a read-only volume, an NFS export, a backup
// disk). Mounting needs root, so the two answers such a mount gives are injected for files in one
// folder: EROFS from access(W_OK), and SQLITE_CANTOPEN from SQLite reading a WAL file there (it
// cannot create the -shm).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { SqliteStorage } from "./sqlite.js";
import { shellWord } from "./shell-word.js";
import { StorageReadOnlyError } from "./types.js";

const media = vi.hoisted(() => ({ dir: "\0none" }));
const onMedia = (path: unknown): boolean => typeof path === "string" && path.startsWith(media.dir);

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const accessSync: typeof actual.accessSync = (path, mode) => {
    if (onMedia(path) && mode !== undefined && (mode & actual.constants.W_OK) !== 0) {
      throw Object.assign(new Error(`EROFS: read-only file system, access '${String(path)}'`), { code: "EROFS" });
    }
    actual.accessSync(path, mode);
  };
  return { ...actual, default: { ...actual, accessSync }, accessSync };
});

vi.mock("better-sqlite3", async (importOriginal) => {
  const actual = (await importOriginal<{ default: typeof import("better-sqlite3") }>()).default;
  function Database(path: string, options?: { readonly?: boolean }): unknown {
    if (options?.readonly === true && onMedia(path)) throw new actual.SqliteError("unable to open database file", "SQLITE_CANTOPEN");
    return new actual(path, options);
  }
  return { default: Object.assign(Database, { SqliteError: actual.SqliteError }) };
});

const scratch = mkdtempSync(join(tmpdir(), "sextant-ro-media-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("a SQLite file on a read-only file system", () => {
  media.dir = join(scratch, "media");
  mkdirSync(media.dir);
  const path = join(media.dir, "runs.db");

  it("is refused to a writer with the reason, which is no permission the user could change", async () => {
    // Written before the "mount": a WAL file, as Sextant leaves them.
    const saved = media.dir;
    media.dir = "\0none";
    const storage = SqliteStorage.open(path);
    await storage.createStudy("demo", ["minimize"]);
    await storage.close();
    media.dir = saved;
    const refusal = (() => {
      try {
        SqliteStorage.open(path);
      } catch (error) {
        return error as Error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(StorageReadOnlyError);
    // It said "the file is read-only; … make them writable for this user", which no chmod can do.
    expect(refusal!.message).toBe(
      `cannot open sqlite:${path}: the file system holding ${media.dir} is mounted read-only; Sextant must write to ${path} and create ${path}-wal and ${path}-shm beside it: ` +
        "copy the file to a writable file system to run this (reading commands such as sextant trials need only read access)",
    );
    const fresh = join(media.dir, "new.db");
    expect(() => SqliteStorage.open(fresh)).toThrow(
      `cannot open sqlite:${fresh}: the file system holding ${media.dir} is mounted read-only; Sextant must create ${fresh}, ${fresh}-wal and ${fresh}-shm there: put the storage on a writable file system`,
    );
  });

  it("is refused to a reader in WAL mode with how to make it readable there", () => {
    // It said "the file cannot be opened (check that the path names a file you may read)": the user may.
    expect(() => SqliteStorage.open(path, { readOnly: true })).toThrow(
      `cannot open sqlite:${path}: the file is a write-ahead-log (WAL) database and SQLite reads one only with ${path}-wal and ${path}-shm beside it, which it cannot create here ` +
        `(its file system is read-only); to read it from read-only media, first switch it to a rollback journal where it is writable: sqlite3 ${shellWord(path)} "PRAGMA journal_mode=DELETE"`,
    );
  });
});
