/**
 * What only the SQLite backend has: a file that outlives the process, a versioned schema, and
 * files that are not ours. (Behaviour every backend shares is in storage-conformance.test.ts.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { expectClaimsAmong } from "./claim-among.js";
import { ONCE_KEY_ATTR, StorageError, StorageUpgradeRefusedError, openStorage } from "../src/storage/index.js";
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrateSchema } from "../src/storage/sqlite-migrations.js";
import { SqliteStorage, StorageBusyError, StorageOpenError } from "../src/storage/sqlite.js";

const scratch = mkdtempSync(join(tmpdir(), "sextant-sqlite-"));
let counter = 0;
const newPath = (label = "db") => join(scratch, `${label}-${counter++}.db`);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The error `fn` throws; fails the test if it throws nothing. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, got none");
}

describe("sqlite storage: the file", () => {
  it("creates a new file, and its -wal and -shm, with the umask's permissions", async () => {
    const path = newPath();
    const before = process.umask(0o002);
    try {
      const storage = SqliteStorage.open(path);
      await storage.createStudy("shared", ["minimize"]);
      // SQLite's own 0644 whatever the umask: the group could not write a shared folder's study.
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect((statSync(file).mode & 0o777).toString(8)).toBe("664");
      await storage.close();
    } finally {
      process.umask(before);
    }
  });

  it("says a file name too long for the file system is too long, not read-only", () => {
    const path = join(dirname(newPath()), `${"n".repeat(300)}.db`);
    expect(() => SqliteStorage.open(path)).toThrow(/\.db: the name is too long for the file system$/);
  });

  it("keeps everything across close and reopen, and numbers on from where it stopped", async () => {
    const path = newPath();
    const first = SqliteStorage.open(path);
    const study = await first.createStudy("persist", ["maximize"], { userAttrs: { a: 1 } });
    await first.setStudyAttrs(study.id, { systemAttrs: { sampler: "tpe" } });
    const done = await first.createTrial(study.id, { state: "running", params: { c: null }, distributions: { c: { type: "categorical", choices: [null, 1] } } });
    await first.updateTrial(done.id, { intermediate: { 0: NaN }, state: "complete", values: [0.5] });
    await first.createTrial(study.id, { state: "waiting" });
    await first.createTrial(study.id, { state: "running" });
    const trialsBefore = await first.trialsSince(study.id, 0);
    const studiesBefore = await first.listStudies();
    await first.close();

    const second = SqliteStorage.open(path);
    expect(await second.getStudy("persist")).toEqual({ ...study, systemAttrs: { sampler: "tpe" } });
    expect(await second.trialsSince(study.id, 0)).toEqual(trialsBefore);
    expect(await second.listStudies()).toEqual(studiesBefore);
    expect(studiesBefore[0]).toMatchObject({ bestValue: 0.5, trialCounts: { complete: 1, waiting: 1, running: 1 } });
    expect((await second.claimWaitingTrial(study.id))!.number).toBe(1);
    const next = await second.createTrial(study.id, { state: "running" });
    expect(next.number).toBe(3);
    expect(next.seq).toBeGreaterThan(trialsBefore.seq);
    await second.close();
  });

  it("claims the oldest waiting trial among the numbers given, or none of them is waiting", async () => {
    const storage = SqliteStorage.open(newPath());
    await expectClaimsAmong(storage);
    await storage.close();
  });

  it("opens through openStorage with its URL", async () => {
    const path = newPath();
    const storage = await openStorage(`sqlite:${path}`);
    expect(storage).toBeInstanceOf(SqliteStorage);
    expect(storage.url).toBe(`sqlite:${path}`);
    await storage.close();
  });

  it("runs in WAL mode with foreign keys on", async () => {
    const path = newPath();
    const storage = SqliteStorage.open(path);
    await storage.createStudy("s", ["minimize"]);
    const raw = new Database(path, { readonly: true });
    // journal_mode is stored in the file, so another connection sees it.
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(existsSync(`${path}-wal`)).toBe(true);
    raw.close();
    await storage.close();
  });

  it("sees another connection's writes, incrementally", async () => {
    const path = newPath();
    const writer = SqliteStorage.open(path);
    const reader = SqliteStorage.open(path);
    const study = await writer.createStudy("shared", ["minimize"]);
    const t0 = await writer.createTrial(study.id, { state: "running" });
    const seen = await reader.trialsSince(study.id, 0);
    expect(seen.trials).toEqual([t0]);
    const finished = await writer.updateTrial(t0.id, { state: "complete", values: [1] });
    const t1 = await reader.createTrial(study.id, { state: "running" });
    expect(t1.number).toBe(1);
    expect((await writer.trialsSince(study.id, seen.seq)).trials).toEqual([finished, t1]);
    await writer.close();
    await reader.close();
  });

  it("closes idempotently and refuses use after close", async () => {
    const storage = SqliteStorage.open(newPath());
    await storage.close();
    await storage.close();
    await expect(storage.getStudy("x")).rejects.toBeInstanceOf(StorageError);
    await expect(storage.createStudy("x", ["minimize"])).rejects.toThrow(/is closed/);
  });
});

describe("sqlite storage: schema versions", () => {
  it("records migrations in schema_version and creates the indexed schema", async () => {
    const path = newPath();
    for (let i = 0; i < 3; i++) await SqliteStorage.open(path).close();
    const raw = new Database(path, { readonly: true });
    const versions = raw.prepare("SELECT version, description FROM schema_version ORDER BY version").all();
    expect(versions).toEqual(SQLITE_MIGRATIONS.map(({ version, description }) => ({ version, description })));
    expect(SQLITE_SCHEMA_VERSION).toBe(SQLITE_MIGRATIONS.length);
    // The incremental read must be a range scan on (study_id, seq), not a scan of the study.
    const plan = raw
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM trials WHERE study_id = 1 AND seq > 5 ORDER BY number")
      .all()
      .map((row) => (row as { detail: string }).detail)
      .join("\n");
    expect(plan).toMatch(/USING INDEX trials_by_seq \(study_id=\? AND seq>\?\)/);
    const claimPlan = raw
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM trials WHERE study_id = 1 AND state = 'waiting' ORDER BY number LIMIT 1")
      .all()
      .map((row) => (row as { detail: string }).detail)
      .join("\n");
    expect(claimPlan).toMatch(/USING INDEX trials_by_state/);
    expect(claimPlan).not.toMatch(/TEMP B-TREE/);
    raw.close();
  });

  it("reads changes through (study_id, seq) once the file has been analyzed, not by scanning the study", async () => {
    const path = newPath();
    const writer = SqliteStorage.open(path);
    const study = await writer.createStudy("analyzed", ["minimize"]);
    for (let i = 0; i < 20; i++) {
      const trial = await writer.createTrial(study.id, { state: "running" });
      await writer.updateTrial(trial.id, { state: "complete", values: [i] });
    }
    await writer.close(); // PRAGMA optimize: the statistics the next opener plans with
    const reader = SqliteStorage.open(path);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'trials'").get()).not.toEqual({ n: 0 });
    // The statement the storage runs for trialsSince and for startNextTrial's changes.
    const source = (reader as unknown as { statements: { trialsSince: { source: string } } }).statements.trialsSince.source;
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN ${source}`)
      .all(study.id, 5)
      .map((row) => (row as { detail: string }).detail)
      .join("\n");
    expect(plan).toMatch(/USING INDEX trials_by_seq \(study_id=\? AND seq>\?\)/);
    expect((await reader.trialsSince(study.id, 37)).trials.map((t) => t.number)).toEqual([18, 19]);
    raw.close();
    await reader.close();
  });

  it("indexes once keys on a writable open of a file made without the index, staying at version 2; a read-only open leaves it as it was", async () => {
    // A version-2 file as Sextant wrote it before the index, with trials: one with a key, and one
    // whose attributes are not JSON (edited by hand), which must fail neither the index nor the check.
    const path = newPath();
    const raw = new Database(path);
    raw.pragma("journal_mode = WAL");
    raw.transaction(() => migrateSchema(raw)).immediate();
    raw.prepare("INSERT INTO studies (name, directions, created_at, seq) VALUES ('keyed', '[\"minimize\"]', 1, 3)").run();
    const insert = raw.prepare("INSERT INTO trials (study_id, number, state, system_attrs, seq) VALUES (1, ?, 'waiting', ?, ?)");
    insert.run(0, JSON.stringify({ [ONCE_KEY_ATTR]: "after:0" }), 1);
    insert.run(1, "{not json", 2);
    insert.run(2, "{}", 3);
    raw.close();
    const onceKeyCheck = (storage: SqliteStorage) =>
      (storage as unknown as { statements: { trialWithOnceKey: Database.Statement } }).statements.trialWithOnceKey;
    const planOf = (source: string) => {
      const check = new Database(path, { readonly: true });
      try {
        return check
          .prepare(`EXPLAIN QUERY PLAN ${source}`)
          .all(1, "after:1")
          .map((row) => (row as { detail: string }).detail)
          .join("\n");
      } finally {
        check.close();
      }
    };
    const indexes = () => {
      const check = new Database(path, { readonly: true });
      try {
        return check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'trials_by_once_key'").pluck().all();
      } finally {
        check.close();
      }
    };

    // Read-only: the same check, answered by scanning, and the file untouched.
    const untouched = readFileSync(path);
    const reader = SqliteStorage.open(path, { readOnly: true });
    try {
      expect(onceKeyCheck(reader).get(1, "after:0")).toBeDefined();
      expect(onceKeyCheck(reader).get(1, "after:1")).toBeUndefined();
      expect(planOf(onceKeyCheck(reader).source)).not.toMatch(/trials_by_once_key/);
    } finally {
      await reader.close();
    }
    expect(readFileSync(path).equals(untouched)).toBe(true);
    expect(indexes()).toEqual([]);

    // Writable: the index is made, and nothing is said, since the version stays 2.
    const heard: string[] = [];
    const storage = SqliteStorage.open(path, { onSchemaUpgrade: (message) => heard.push(message) });
    try {
      expect(heard).toEqual([]);
      expect(indexes()).toEqual(["trials_by_once_key"]);
      expect(await storage.createTrialOnce(1, "after:0", { state: "waiting" })).toBeNull();
      expect((await storage.createTrialOnce(1, "after:1", { state: "waiting" }))?.number).toBe(3);
      expect(planOf(onceKeyCheck(storage).source)).toMatch(/USING (COVERING )?INDEX trials_by_once_key \(study_id=\? AND <expr>=\?\)/);
    } finally {
      await storage.close();
    }
    // Still version 2: Sextant that knows no index opens it, and its writes keep the index current.
    const old = new Database(path);
    expect(old.transaction(() => migrateSchema(old)).immediate()).toEqual({ from: 2, to: 2 });
    old.prepare("INSERT INTO trials (study_id, number, state, system_attrs, seq) VALUES (1, 4, 'waiting', ?, 5)").run(JSON.stringify({ [ONCE_KEY_ATTR]: "after:4" }));
    old.close();
    const again = SqliteStorage.open(path, { onSchemaUpgrade: (message) => heard.push(message) });
    try {
      expect(heard).toEqual([]);
      expect(await again.createTrialOnce(1, "after:4", { state: "waiting" })).toBeNull();
    } finally {
      await again.close();
    }
  });

  it("migrates an older file forward and keeps its data", async () => {
    const path = newPath();
    const storage = SqliteStorage.open(path);
    const study = await storage.createStudy("old", ["minimize"]);
    await storage.createTrial(study.id, { state: "running" });
    await storage.close();

    // A future migration, applied the way open() applies them: to a file at the current version.
    const next = [...SQLITE_MIGRATIONS, { version: SQLITE_SCHEMA_VERSION + 1, description: "test column", sql: "ALTER TABLE trials ADD COLUMN extra TEXT" }];
    const raw = new Database(path);
    const result = raw.transaction(() => migrateSchema(raw, next)).immediate();
    expect(result).toEqual({ from: SQLITE_SCHEMA_VERSION, to: SQLITE_SCHEMA_VERSION + 1 });
    expect(raw.transaction(() => migrateSchema(raw, next)).immediate()).toEqual({ from: SQLITE_SCHEMA_VERSION + 1, to: SQLITE_SCHEMA_VERSION + 1 });
    expect(raw.prepare("SELECT COUNT(*) AS n FROM trials").get()).toEqual({ n: 1 });
    expect(raw.prepare("SELECT extra FROM trials").get()).toEqual({ extra: null });
    raw.close();
  });

  it("says once that it upgraded a file an older Sextant wrote, which that Sextant then refuses", async () => {
    // A version-1 file as Sextant wrote it before heartbeats: version 1's SQL, which never changes.
    const path = newPath();
    const raw = new Database(path);
    raw.transaction(() => migrateSchema(raw, SQLITE_MIGRATIONS.slice(0, 1))).immediate();
    raw.prepare("INSERT INTO studies (name, directions, created_at) VALUES ('kept', '[\"minimize\"]', 1)").run();
    raw.prepare("INSERT INTO trials (study_id, number, state, objective_values, seq) VALUES (1, 0, 'complete', '[0.5]', 1)").run();
    raw.close();
    // A viewer (sextant dashboard) that would rather not upgrade it is refused, the file untouched.
    const untouched = readFileSync(path);
    expect(() => SqliteStorage.open(path, { upgradeSchema: false })).toThrow(
      new StorageUpgradeRefusedError(
        `cannot open sqlite:${path} for writing without upgrading it: an older Sextant wrote it (schema version 1), and writing needs version 2 ` +
          "(trial heartbeats), which that Sextant refuses; open it read-only, or let it be upgraded",
      ),
    );
    expect(readFileSync(path).equals(untouched)).toBe(true);
    const heard: string[] = [];
    const storage = SqliteStorage.open(path, { onSchemaUpgrade: (message) => heard.push(message) });
    expect(heard).toEqual([
      `upgraded sqlite:${path} from schema version 1 to 2 (trial heartbeats): a Sextant that reads only version 1 now refuses it; upgrade every Sextant that uses it`,
    ]);
    const [study] = await storage.listStudies();
    expect((await storage.trialsSince(study!.id, 0)).trials.map((t) => [t.state, t.values])).toEqual([["complete", [0.5]]]);
    await storage.close();
    // The ensured indexes came with it, outside the version.
    const upgraded = new Database(path, { readonly: true });
    expect(upgraded.prepare("SELECT MAX(version) FROM schema_version").pluck().get()).toBe(2);
    expect(upgraded.prepare("SELECT name FROM sqlite_master WHERE name = 'trials_by_once_key'").pluck().all()).toEqual(["trials_by_once_key"]);
    upgraded.close();
    // Once: the file is now current, and a new file is created rather than upgraded.
    await SqliteStorage.open(path, { onSchemaUpgrade: (message) => heard.push(message) }).close();
    await SqliteStorage.open(newPath(), { onSchemaUpgrade: (message) => heard.push(message) }).close();
    expect(heard).toHaveLength(1);
    // What the message warns of: version-1 code refuses the file now.
    const old = new Database(path);
    expect(() => migrateSchema(old, SQLITE_MIGRATIONS.slice(0, 1))).toThrow(/schema version 2, newer than this version of Sextant understands \(1\)/);
    old.close();
  });

  it("migrates a file that has a version table but no migrations yet", async () => {
    const path = newPath();
    const raw = new Database(path);
    raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    raw.close();
    const storage = SqliteStorage.open(path);
    await storage.createStudy("ok", ["minimize"]);
    await storage.close();
  });

  it("refuses a misspelt option, which opened the file for writing with the defaults", async () => {
    const path = newPath();
    await SqliteStorage.open(path).close();
    const error = thrownBy(() => SqliteStorage.open(path, { readonly: true } as never));
    expect(error).toBeInstanceOf(StorageOpenError);
    expect(error.message).toBe(
      `cannot open sqlite:${path}: unknown option "readonly" (did you mean "readOnly"?); valid options: busyTimeoutMs, lockDeadlineMs, readOnly, onSchemaUpgrade, upgradeSchema`,
    );
    await expect(SqliteStorage.openAsync(path, { lockDeadline: 5 } as never)).rejects.toThrow(/unknown option "lockDeadline" \(did you mean "lockDeadlineMs"\?\)/);
    await expect(openStorage(`sqlite:${path}`, { readonly: true } as never)).rejects.toThrow(
      `cannot open sqlite:${path}: unknown option "readonly" (did you mean "readOnly"?); valid options: readOnly, retryDeadlineMs, onRetry, onSchemaUpgrade, upgradeSchema`,
    );
  });

  it("refuses a file written by a newer version, and leaves it alone", async () => {
    const path = newPath();
    await SqliteStorage.open(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'from the future', 0)").run(SQLITE_SCHEMA_VERSION + 98);
    raw.close();

    const error = thrownBy(() => SqliteStorage.open(path));
    expect(error).toBeInstanceOf(StorageOpenError);
    expect(error.message).toBe(
      `cannot open sqlite:${path}: the file has schema version ${SQLITE_SCHEMA_VERSION + 98}, newer than this version of Sextant understands (${SQLITE_SCHEMA_VERSION}); upgrade Sextant to open it`,
    );
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT MAX(version) AS v FROM schema_version").get()).toEqual({ v: SQLITE_SCHEMA_VERSION + 98 });
    check.close();
  });
});

describe("sqlite storage: files that are not ours", () => {
  it("treats an empty (0-byte) file as a new database", async () => {
    const path = newPath();
    writeFileSync(path, "");
    const storage = SqliteStorage.open(path);
    const study = await storage.createStudy("fresh", ["minimize"]);
    expect((await storage.createTrial(study.id, { state: "running" })).number).toBe(0);
    await storage.close();
  });

  it.each([
    ["random bytes", () => Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256))],
    ["a text file", () => Buffer.from("name,value\nlr,0.1\n".repeat(100))],
    ["a short text file", () => Buffer.from("hello\n")],
  ])("refuses %s with a clear message and leaves it untouched", (_label, content) => {
    const path = newPath("corrupt");
    const bytes = content();
    writeFileSync(path, bytes);
    const error = thrownBy(() => SqliteStorage.open(path));
    expect(error).toBeInstanceOf(StorageOpenError);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toBe(`cannot open sqlite:${path}: the file is not a SQLite database (file is corrupt or of another format)`);
    expect((error.cause as { code?: string }).code).toBe("SQLITE_NOTADB");
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("refuses another application's SQLite database instead of adding tables to it", () => {
    const path = newPath("foreign");
    const raw = new Database(path);
    raw.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    raw.close();
    const error = thrownBy(() => SqliteStorage.open(path));
    expect(error).toBeInstanceOf(StorageOpenError);
    expect(error.message).toBe(
      `cannot open sqlite:${path}: the file is a SQLite database of another application (it has tables orders, users but no Sextant schema); use a different file`,
    );
    const check = new Database(path, { readonly: true });
    expect(check.pragma("journal_mode", { simple: true })).toBe("delete");
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual([{ name: "orders" }, { name: "users" }]);
    check.close();
  });

  it.each([
    ["Flyway's old schema_version table", "CREATE TABLE schema_version (version INTEGER, script TEXT); INSERT INTO schema_version VALUES (1, 'V1__init.sql'); CREATE TABLE trials (id INTEGER)", "schema_version, trials"],
    ["a schema_version shaped like Sextant's but none of its tables", "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 'x', 0); CREATE TABLE orders (id INTEGER)", "orders, schema_version"],
  ])("refuses another application's database with %s, and leaves it as it was", (_, sql, listed) => {
    // Taken for an old Sextant file: readers said to run sextant tune on it, writers failed on raw
    // SQL errors after switching the file to WAL.
    const path = newPath("foreign-version");
    const raw = new Database(path);
    raw.exec(sql);
    raw.close();
    const bytes = readFileSync(path);
    for (const readOnly of [false, true]) {
      const error = thrownBy(() => SqliteStorage.open(path, { readOnly }));
      expect(error).toBeInstanceOf(StorageOpenError);
      expect(error.message).toBe(`cannot open sqlite:${path}: the file is a SQLite database of another application (it has tables ${listed} but no Sextant schema); use a different file`);
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it("says a file damaged after it was opened is damaged, naming it, instead of failing as a bug", async () => {
    const path = newPath("damaged");
    const storage = SqliteStorage.open(path);
    const study = await storage.createStudy("s", ["minimize"]);
    for (let i = 0; i < 3; i++) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(trial.id, { state: "complete", values: [i] });
    }
    await storage.close();
    const raw = new Database(path);
    raw.exec("UPDATE trials SET objective_values = '{bad' WHERE number = 1");
    raw.close();
    const reopened = SqliteStorage.open(path);
    try {
      // "internal error: malformed JSON … this is a bug in Sextant" from sextant studies.
      const error = await reopened.listStudies().then(() => null, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(StorageError);
      expect(error!.message).toMatch(new RegExp(`^sqlite:${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: a trial's JSON column does not hold what Sextant writes \\(malformed JSON\\)`));
    } finally {
      await reopened.close();
    }
  });

  it("says a full disk is full, naming the file, keeps what was stored, and writes again once there is room", async () => {
    const path = newPath("full");
    const storage = SqliteStorage.open(path);
    // SQLite answers SQLITE_FULL, as on a full disk, when the file would grow past max_page_count.
    const db = (storage as unknown as { db: Database.Database }).db;
    try {
      const study = await storage.createStudy("s", ["minimize"]);
      const done = await storage.createTrial(study.id, { state: "running", params: { x: 1 }, distributions: { x: { type: "float", low: 0, high: 2 } } });
      await storage.updateTrial(done.id, { state: "complete", values: [0.5] });
      const pages = db.pragma("page_count", { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      const big = { note: "x".repeat(64 * 1024) };
      // "internal error: database or disk is full … this is a bug in Sextant" from sextant tune.
      const error = await storage.createTrial(study.id, { state: "running", userAttrs: big }).then(() => null, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(StorageError);
      expect(error!.message).toBe(
        `sqlite:${path}: the disk is full (database or disk is full); this write was not made, what was stored before is intact: free space in ${dirname(path)} and run again`,
      );
      expect((await storage.trialsSince(study.id, 0)).trials.map((t) => [t.number, t.state, t.values])).toEqual([[0, "complete", [0.5]]]);
      db.pragma("max_page_count = 1073741823");
      const next = await storage.createTrial(study.id, { state: "running", userAttrs: big });
      expect(next.number).toBe(1);
    } finally {
      await storage.close();
    }
  });

  it("says a disk or network file system that fails a write failed, naming the file, instead of failing as a bug", async () => {
    const path = newPath("ioerr");
    const storage = SqliteStorage.open(path);
    const db = (storage as unknown as { db: Database.Database }).db;
    const transaction = db.transaction.bind(db);
    try {
      const study = await storage.createStudy("s", ["minimize"]);
      // What SQLite answers when the disk, or the NFS server, behind the file fails (no test can pull a disk out).
      const failing = Object.assign(
        () => {
          throw new Database.SqliteError("disk I/O error", "SQLITE_IOERR_WRITE");
        },
        { immediate: () => failing(), deferred: () => failing(), exclusive: () => failing(), default: () => failing() },
      );
      db.transaction = (() => failing) as unknown as typeof db.transaction;
      // "internal error: disk I/O error … this is a bug in Sextant" from sextant tune.
      const error = await storage.createTrial(study.id, { state: "running" }).then(() => null, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(StorageError);
      expect(error!.message).toBe(
        `sqlite:${path}: the disk or network file system holding ${dirname(path)} failed a read or write (disk I/O error, SQLITE_IOERR_WRITE); check that it is still mounted and healthy, then run again`,
      );
      db.transaction = transaction;
      expect((await storage.createTrial(study.id, { state: "running" })).number).toBe(0);
    } finally {
      db.transaction = transaction;
      await storage.close();
    }
  });

  it("names a missing directory", () => {
    const missing = join(scratch, "no-such-dir", "deeper");
    const error = thrownBy(() => SqliteStorage.open(join(missing, "x.db")));
    expect(error).toBeInstanceOf(StorageOpenError);
    expect(error.message).toBe(`cannot open sqlite:${join(missing, "x.db")}: the directory ${missing} does not exist (create it first)`);
    expect(existsSync(missing)).toBe(false);
  });

  it("names a path that is a directory", () => {
    const dir = join(scratch, `dir-${counter++}`);
    mkdirSync(dir);
    const error = thrownBy(() => SqliteStorage.open(dir));
    expect(error).toBeInstanceOf(StorageOpenError);
    expect(error.message).toBe(`cannot open sqlite:${dir}: ${dir} is a directory, not a file`);
  });

  it("rejects through openStorage too, with the same error", async () => {
    const path = newPath("corrupt");
    writeFileSync(path, "not a database at all, just some words that go on for a while\n".repeat(20));
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(StorageOpenError);
  });
});

describe("sqlite storage: lock contention", () => {
  it("retries a busy BEGIN IMMEDIATE until the lock is released", async () => {
    const path = newPath();
    // busy_timeout 0 makes SQLite report busy at once, so the retry loop is what waits.
    const storage = SqliteStorage.open(path, { busyTimeoutMs: 0, lockDeadlineMs: 5_000 });
    const study = await storage.createStudy("busy", ["minimize"]);
    const holder = new Database(path);
    holder.prepare("BEGIN IMMEDIATE").run();
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        holder.prepare("COMMIT").run();
        resolve();
      }, 150),
    );
    const started = Date.now();
    const trial = await storage.createTrial(study.id, { state: "running" });
    await released;
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(trial.number).toBe(0);
    holder.close();
    await storage.close();
  });

  it("gives up with StorageBusyError after its deadline", async () => {
    const path = newPath();
    const storage = SqliteStorage.open(path, { busyTimeoutMs: 0, lockDeadlineMs: 200 });
    const study = await storage.createStudy("stuck", ["minimize"]);
    const holder = new Database(path);
    holder.prepare("BEGIN IMMEDIATE").run();
    const attempt = storage.createTrial(study.id, { state: "running" });
    await expect(attempt).rejects.toBeInstanceOf(StorageBusyError);
    await expect(storage.createTrial(study.id, { state: "running" })).rejects.toThrow(/stayed locked by other processes/);
    holder.prepare("ROLLBACK").run();
    holder.close();
    // Nothing half-written: the study is empty and usable.
    expect((await storage.trialsSince(study.id, 0)).trials).toEqual([]);
    expect((await storage.createTrial(study.id, { state: "running" })).number).toBe(0);
    await storage.close();
  });
});
