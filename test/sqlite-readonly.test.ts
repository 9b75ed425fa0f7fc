// Reading never writes: SqliteStorage opened read-only, and the inspection commands that use it,
// leave a file's bytes, journal mode and schema exactly as they were.
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
import { SQLITE_MIGRATIONS, migrateSchema } from "../src/storage/sqlite-migrations.js";
import { SqliteStorage, StorageOpenError } from "../src/storage/sqlite.js";
import { createStudy } from "../src/study/index.js";
import { spawn, spawnSync } from "node:child_process";
import { BIN, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
let db: string;
/** The TMPDIR of the commands run as nobody, made when one first runs. */
let nobodyTmp: { dir: string; cleanup: () => void } | undefined;

async function makeStudyFile(path: string): Promise<void> {
  const storage = await openStorage(`sqlite:${path}`);
  const study = await createStudy({ name: "demo", storage, direction: "minimize", sampler: new RandomSampler({ seed: 3 }) });
  await study.optimize((trial) => (trial.suggestFloat("x", -2, 2) - 1) ** 2, { nTrials: 5 });
  await storage.close();
}

/** What a user does before putting a WAL file on read-only media: switch it to a rollback journal. */
function toRollbackJournal(path: string): void {
  const raw = new Database(path);
  raw.pragma("journal_mode = DELETE");
  raw.close();
}

function fingerprint(path: string) {
  return { sha: createHash("sha256").update(readFileSync(path)).digest("hex"), mtimeMs: statSync(path).mtimeMs };
}

function journalMode(path: string): string {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.pragma("journal_mode", { simple: true }) as string;
  } finally {
    raw.close();
  }
}

/**
 * Runs the CLI as a user for whom a mode-444 file is read-only: root may write to any file, so
 * as root it runs as nobody (setpriv), which needs the temp dir opened to everyone, and a temp
 * folder of its own (root's TMPDIR may be one only root can write).
 */
function sextantUnprivileged(args: string[]): { code: number | null; stderr: string } {
  const { command, rest, env } = unprivileged(args);
  const result = spawnSync(command, rest, { cwd: dir, env, encoding: "utf8" });
  return { code: result.status, stderr: result.stderr };
}

/** The command line, and environment, that run the CLI with `args` as sextantUnprivileged does. */
function unprivileged(args: string[]): { command: string; rest: string[]; env: Record<string, string | undefined> } {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.SEXTANT_STORAGE;
  const drop = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  if (drop.length > 0) {
    chmodSync(dir, 0o777);
    // tune and worker refuse to start when TMPDIR is not writable: as nobody, root's was not.
    nobodyTmp ??= tempDir("sextant-ro-nobody-");
    chmodSync(nobodyTmp.dir, 0o777);
    env.TMPDIR = nobodyTmp.dir;
  }
  const [command, ...rest] = [...drop, process.execPath, BIN, ...args];
  return { command: command!, rest, env };
}

/** A study file in a rollback journal, made read-only (mode 444); answers its fingerprint. */
async function protectedStudyFile(): Promise<ReturnType<typeof fingerprint>> {
  await makeStudyFile(db);
  toRollbackJournal(db);
  chmodSync(db, 0o444);
  return fingerprint(db);
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir("sextant-ro-"));
  db = join(dir, "runs.db");
});
afterEach(() => {
  cleanup();
  nobodyTmp?.cleanup();
  nobodyTmp = undefined;
});

describe("SqliteStorage opened read-only", () => {
  it("reads studies and trials and leaves the file, its journal mode and its folder as they were", async () => {
    const before = await protectedStudyFile();
    const storage = SqliteStorage.open(db, { readOnly: true });
    const [summary] = await storage.listStudies();
    expect(summary?.name).toBe("demo");
    expect(summary?.trialCounts.complete).toBe(5);
    expect((await storage.trialsSince(summary!.id, 0)).trials).toHaveLength(5);
    await storage.close();
    expect(fingerprint(db)).toEqual(before);
    expect(journalMode(db)).toBe("delete");
    expect(readdirSync(dir).sort()).toEqual(["runs.db"]);
  });

  it("refuses writes with a message that says why", async () => {
    await makeStudyFile(db);
    const before = fingerprint(db);
    const storage = SqliteStorage.open(db, { readOnly: true });
    await expect(storage.createStudy("other", ["minimize"])).rejects.toThrow(/opened read-only; this operation writes/);
    await expect(storage.deleteStudy("demo")).rejects.toThrow(/read-only/);
    await storage.close();
    expect(fingerprint(db)).toEqual(before);
  });

  it("refuses a file whose schema needs migrating, and leaves it unmigrated", async () => {
    // Version 0 with the version table present: the state a migration starts from.
    const raw = new Database(db);
    raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    raw.close();
    const before = fingerprint(db);
    expect(() => SqliteStorage.open(db, { readOnly: true })).toThrow(StorageOpenError);
    expect(() => SqliteStorage.open(db, { readOnly: true })).toThrow(
      /schema version 0 and this version of Sextant reads version \d+; reading commands never migrate a file: run a writing command/,
    );
    expect(fingerprint(db)).toEqual(before);
    const check = new Database(db, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
    check.close();
    expect(tables).toEqual([{ name: "schema_version" }]);
    // The same file opened for writing is migrated, so the refusal above is the read-only mode's doing.
    const writer = SqliteStorage.open(db);
    expect(await writer.listStudies()).toEqual([]);
    await writer.close();
  });

  it("reads a version-1 file as it is: migrating it would lock out the Sextant that wrote it", async () => {
    // Version 1 (before trial heartbeats) from its SQL, which never changes, with a finished and a running trial.
    const raw = new Database(db);
    raw.transaction(() => migrateSchema(raw, SQLITE_MIGRATIONS.slice(0, 1))).immediate();
    raw.prepare(`INSERT INTO studies (name, directions, created_at, seq) VALUES ('older', '["minimize"]', 1, 2)`).run();
    const insert = raw.prepare("INSERT INTO trials (study_id, number, state, params, distributions, objective_values, started_at, seq) VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
    insert.run(0, "complete", '{"x":0.5}', '{"x":{"type":"float","low":0,"high":1}}', "[0.25]", 1000, 1);
    insert.run(1, "running", "{}", "{}", null, 2000, 2);
    raw.close();
    const before = fingerprint(db);
    const storage = SqliteStorage.open(db, { readOnly: true });
    const [study] = await storage.listStudies();
    expect(study!.name).toBe("older");
    const trials = (await storage.trialsSince(study!.id, 0)).trials;
    expect(trials.map((t) => [t.number, t.state, t.params, t.values])).toEqual([
      [0, "complete", { x: 0.5 }, [0.25]],
      [1, "running", {}, null],
    ]);
    // No heartbeat column: a running trial's silence counts from its start.
    expect((await storage.staleTrials(study!.id, 1000)).map((t) => t.number)).toEqual([1]);
    expect(await storage.heartbeatSilenceMs!(trials[1]!.id)).toBeGreaterThan(1000);
    await expect(storage.recordHeartbeat([trials[1]!.id])).rejects.toThrow(/read-only/);
    await storage.close();
    const looked = await sextant(["trials", "older", "--storage", `sqlite:${db}`, "--json"], { cwd: dir });
    expect(looked.code, looked.stderr).toBe(0);
    expect((JSON.parse(looked.stdout) as { values: number[] | null }[]).map((t) => t.values)).toEqual([[0.25], null]);
    expect(fingerprint(db)).toEqual(before);
    const version = new Database(db, { readonly: true });
    expect(version.prepare("SELECT MAX(version) AS v FROM schema_version").get()).toEqual({ v: 1 });
    version.close();
  });

  it("refuses a missing file without creating it", () => {
    const missing = join(dir, "nope.db");
    expect(() => SqliteStorage.open(missing, { readOnly: true })).toThrow(/cannot open sqlite:.*nope\.db: the file does not exist/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("writing commands on a write-protected file", () => {
  it("refuse it as the user's to fix, saying it is read-only, and leave it as it was", async () => {
    await makeStudyFile(db);
    chmodSync(db, 0o444);
    const before = fingerprint(db);
    const url = `sqlite:${db}`;
    const params = ["-p", "x=float:0:1", "--", "node", "-e", "0"];
    for (const args of [
      ["worker", "--study", "demo"],
      ["delete", "demo", "--yes"],
      ["create", "--study", "other", "--trials", "1", ...params],
      ["tune", "--study", "demo", "--trials", "1", ...params],
    ]) {
      const result = sextantUnprivileged([args[0]!, "--storage", url, ...args.slice(1)]);
      expect([args[0], result.code]).toEqual([args[0], 1]);
      // Run as nobody when root, the file is another user's, and said to be; a contributor's own is not.
      const owner = process.getuid?.() === 0 ? " \\(it belongs to user root\\)" : "";
      expect(result.stderr).toMatch(new RegExp(`^sextant: cannot open sqlite:.*runs\\.db: the file is read-only${owner}; Sextant must write to it .*make them writable`));
      expect(result.stderr).not.toMatch(/internal error|bug in Sextant/);
    }
    expect(fingerprint(db)).toEqual(before);
    expect(readdirSync(dir)).toEqual(["runs.db"]);
  });
});

describe("writing commands in a write-protected folder", () => {
  it("say the folder is read-only, not the file, for an existing file and a new one", async () => {
    const folder = join(dir, "shared");
    mkdirSync(folder);
    const path = join(folder, "runs.db");
    await makeStudyFile(path);
    toRollbackJournal(path);
    chmodSync(path, 0o666);
    chmodSync(folder, 0o555);
    try {
      const params = ["-p", "x=float:0:1", "--", "node", "-e", "0"];
      // The file is writable; -wal and -shm cannot be created beside it. It said "the file is read-only".
      const existing = sextantUnprivileged(["tune", "--storage", `sqlite:${path}`, "--study", "demo", "--trials", "1", ...params]);
      expect(existing.code).toBe(1);
      expect(existing.stderr).toMatch(new RegExp(`^sextant: cannot open sqlite:.*runs\\.db: the folder .*shared is read-only; Sextant must create .*runs\\.db-wal and .*runs\\.db-shm in it: make it writable`));
      // A new file there: it said only "the file cannot be opened".
      const fresh = sextantUnprivileged(["tune", "--storage", `sqlite:${join(folder, "new.db")}`, "--trials", "1", ...params]);
      expect(fresh.code).toBe(1);
      expect(fresh.stderr).toMatch(/the folder .*shared is read-only; Sextant must create .*new\.db, .*new\.db-wal and .*new\.db-shm in it/);
    } finally {
      chmodSync(folder, 0o755);
    }
  });
});

describe("inspection commands", () => {
  it("read a read-only file without changing a byte of it", async () => {
    const before = await protectedStudyFile();
    const url = `sqlite:${db}`;
    for (const args of [["studies"], ["trials", "demo"], ["best", "demo"], ["export", "demo", "--format", "json"]]) {
      const result = await sextant([...args, "--storage", url], { cwd: dir });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
    expect(fingerprint(db)).toEqual(before);
    expect(journalMode(db)).toBe("delete");
    expect(readdirSync(dir).sort()).toEqual(["runs.db"]);
  });

  it("say how to read a WAL file in a read-only folder, which they cannot, and that they would not write it", async () => {
    // A $ in the path: the command suggested had it in double quotes, where a shell expands it.
    const folder = join(dir, "media $HOME");
    mkdirSync(folder);
    const wal = join(folder, "runs.db");
    await makeStudyFile(wal);
    chmodSync(folder, 0o555);
    try {
      const result = sextantUnprivileged(["studies", "--storage", `sqlite:${wal}`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`the file is a write-ahead-log (WAL) database and SQLite reads one only with ${wal}-wal and ${wal}-shm beside it`);
      const suggested = /first switch it to a rollback journal where it is writable: (.+)\n/.exec(result.stderr)?.[1];
      // The words a shell reads from the command as printed, to be pasted: the path as it is.
      const words = spawnSync("sh", ["-c", `printf '%s\\n' ${suggested}`], { encoding: "utf8" }).stdout;
      expect(words).toBe(`sqlite3\n${wal}\nPRAGMA journal_mode=DELETE\n`);
      expect(result.stderr).not.toMatch(/must write/);
    } finally {
      chmodSync(folder, 0o755);
    }
  });

  it("leave a WAL file's own bytes unchanged", async () => {
    await makeStudyFile(db);
    const before = fingerprint(db);
    for (const args of [["studies", "--json"], ["best", "demo", "--json"]]) {
      const result = await sextant([...args, "--storage", `sqlite:${db}`], { cwd: dir });
      expect(result.code).toBe(0);
    }
    expect(fingerprint(db)).toEqual(before);
    expect(journalMode(db)).toBe("wal");
  });

  it("refuse a file that needs migrating, with exit code 1 and the reason", async () => {
    const raw = new Database(db);
    raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    raw.close();
    const result = await sextant(["studies", "--storage", `sqlite:${db}`], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sextant: cannot open sqlite:.*runs\.db: the file has schema version 0 .*reading commands never migrate a file/);
  });

  it("include online show: it refuses a file that needs migrating, and leaves it as it was", async () => {
    const raw = new Database(db);
    raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    raw.close();
    const before = fingerprint(db);
    // It used to migrate the file first (and an older Sextant then refused it).
    const result = await sextant(["online", "show", "sor", "--storage", `sqlite:${db}`], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/reading commands never migrate a file/);
    expect(fingerprint(db)).toEqual(before);
  });

  it("treat an empty file as holding no studies", async () => {
    writeFileSync(db, "");
    const result = await sextant(["studies", "--json", "--storage", `sqlite:${db}`], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(statSync(db).size).toBe(0);
  });
});

describe("sextant dashboard on a file its user may only read", () => {
  it("shows its studies read-only, refuses writes with 403 saying why, and leaves the file as it was", async () => {
    const before = await protectedStudyFile();
    const url = `sqlite:${db}`;
    // As nobody when root (root may write any file), as sextantUnprivileged runs a command.
    const { command, rest, env } = unprivileged(["dashboard", "--port", "0", "--storage", url]);
    const child = spawn(command, rest, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      // It was refused: "the file is read-only ...; Sextant must write to it".
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address in 30 s; stderr: ${stderr}`)), 30_000);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          // The storage's path may hold spaces (a TMPDIR such as "/tmp/t m p").
          const match = /open (http:\/\/\S+?)\/ \(storage sqlite:.+runs\.db, read-only\)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        void ended.then((code) => reject(new Error(`sextant dashboard exited with code ${code}: ${stderr}`)));
      });
      expect(stderr).toContain(`this user may not write ${url}, so its studies are shown read-only`);
      const { studies } = (await (await fetch(`${address}/api/v1/studies`)).json()) as { studies: { name: string }[] };
      expect(studies.map((study) => study.name)).toEqual(["demo"]);
      expect((await fetch(`${address}/api/v1/studies/demo/summary`)).status).toBe(200);
      const write = await fetch(`${address}/api/v1/studies`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "other", direction: "minimize" }) });
      const answer = (await write.json()) as { error: { message: string } };
      expect([write.status, answer.error.message]).toEqual([403, expect.stringMatching(/opened read-only; this operation writes: this server can only read its storage/)]);
      child.kill("SIGTERM");
      expect(await ended).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    expect(stderr).not.toMatch(/internal error|bug in Sextant/);
    expect(fingerprint(db)).toEqual(before);
    expect(readdirSync(dir)).toEqual(["runs.db"]);
  });
});
