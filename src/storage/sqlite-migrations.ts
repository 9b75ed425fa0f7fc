/**
 * Numbered schema migrations for the SQLite backend.
 *
 * A file records every migration applied to it in `schema_version` (one row per version); its
 * version is the largest. Opening a file applies, in one `BEGIN IMMEDIATE` transaction, every
 * migration it has not had yet, so several processes opening the same new file at once agree on
 * one schema. A migration is never edited once released: change the schema by appending one.
 */
import type { Database } from "better-sqlite3";
import { ONCE_KEY_ATTR, StorageError } from "./types.js";

/**
 * A trial's once key (see createTrialOnce), as the index trials_by_once_key and the storage's check
 * both read it. Text that is not JSON (a row damaged by hand) has no key rather than failing, which
 * would make building the index, and so opening the file for writing, fail.
 */
export const SQLITE_ONCE_KEY = `(CASE WHEN json_valid(system_attrs) THEN json_extract(system_attrs, '$.${ONCE_KEY_ATTR}') END)`;

/** One step of the schema, applied once per file. */
export interface SqliteMigration {
  /** 1, 2, 3, …: consecutive, never reused. */
  readonly version: number;
  /** What it changes, kept in `schema_version` so a file tells its own history. */
  readonly description: string;
  /** SQL run with `exec` inside the migration transaction (SQLite DDL is transactional). */
  readonly sql: string;
}

/**
 * Every migration, oldest first.
 *
 * Version 1. Params, distributions, values and attributes live as JSON text on the trial row: one
 * row per trial keeps a trial update to a single-row write and an incremental read to one indexed
 * range scan (`trials_by_seq`). Ids are AUTOINCREMENT so that a deleted study's trial ids are never
 * handed to new trials, where a worker still holding an old id could write into a stranger's trial.
 * The objective column is `objective_values` because `values` is an SQL keyword.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: "studies and trials",
    sql: `
      CREATE TABLE studies (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT    NOT NULL UNIQUE,
        directions    TEXT    NOT NULL,
        user_attrs    TEXT    NOT NULL DEFAULT '{}',
        system_attrs  TEXT    NOT NULL DEFAULT '{}',
        created_at    INTEGER NOT NULL,
        seq           INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE trials (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        study_id          INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        number            INTEGER NOT NULL,
        state             TEXT    NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
        params            TEXT    NOT NULL DEFAULT '{}',
        distributions     TEXT    NOT NULL DEFAULT '{}',
        objective_values  TEXT,
        intermediate      TEXT    NOT NULL DEFAULT '{}',
        user_attrs        TEXT    NOT NULL DEFAULT '{}',
        system_attrs      TEXT    NOT NULL DEFAULT '{}',
        started_at        INTEGER,
        finished_at       INTEGER,
        seq               INTEGER NOT NULL,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_by_seq ON trials (study_id, seq);
      CREATE INDEX trials_by_state ON trials (study_id, state, number);
    `,
  },
  // Version 2. A running trial's worker records that it is alive in heartbeat_at (ms since the
  // epoch); a trial that never beat counts from started_at. Running trials are few (one per
  // worker) and trials_by_state finds them, so the staleness scan needs no index of its own and
  // stays independent of study size.
  {
    version: 2,
    description: "trial heartbeats",
    sql: `
      ALTER TABLE trials ADD COLUMN heartbeat_at INTEGER;
    `,
  },
];

/** The schema version this code writes and understands. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/**
 * The oldest schema version that a read-only opener reads as it is, without migrating it (which
 * would lock the Sextant that wrote it out, and is impossible on read-only media). Version 2 only
 * added the nullable `heartbeat_at`, which a reader goes without: a running trial's silence then
 * counts from its start, as for a trial that never beat. A migration that readers cannot do
 * without raises this to its own version.
 */
export const SQLITE_OLDEST_READABLE_VERSION = 1;

/** An index that every writable open makes if the file lacks it, outside the numbered versions. */
export interface SqliteEnsuredIndex {
  readonly name: string;
  /** `CREATE INDEX IF NOT EXISTS <name> …`. */
  readonly sql: string;
}

/**
 * Indexes that speed up a query without changing what any version reads or writes, so they need no
 * schema version: a version bump makes every older Sextant refuse the file, and a fleet would have
 * to upgrade at once for something older versions never notice. They ignore an index they do not
 * know, and SQLite maintains it on every write whichever Sextant makes it; a file without it (a
 * read-only open of an older file) answers the same queries by scanning. Add an index here, not as a
 * migration, when readers and writers of every version stay correct without it.
 */
export const SQLITE_ENSURED_INDEXES: readonly SqliteEnsuredIndex[] = [
  // createTrialOnce checks for a trial with the key inside its write transaction: without an index
  // that read every trial of the study (105 ms at 100k trials, with every other writer waiting).
  // Partial: only retries and scheduler segments carry a key.
  {
    name: "trials_by_once_key",
    sql: `CREATE INDEX IF NOT EXISTS trials_by_once_key ON trials (study_id, ${SQLITE_ONCE_KEY}) WHERE ${SQLITE_ONCE_KEY} IS NOT NULL`,
  },
];

/** The file cannot be used with this schema: another application's database, or a newer Sextant's. */
export class SqliteSchemaError extends StorageError {
  override name = "SqliteSchemaError";
}

const CREATE_VERSION_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description TEXT    NOT NULL,
    applied_at  INTEGER NOT NULL
  )`;

/** What a file holds before migrating: its version and the names of its own tables. */
export interface SchemaState {
  readonly version: number;
  readonly tables: readonly string[];
  /** False when the file's schema_version table is not Sextant's (another application's of that name). */
  readonly ownVersionTable?: boolean;
}

/** Reads a file's schema version (0 for a new or empty file) without writing anything. */
export function readSchemaState(db: Database): SchemaState {
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((row) => row.name);
  if (!tables.includes("schema_version")) return { version: 0, tables };
  // Another application's schema_version (Flyway's old default name) is no Sextant version: a file
  // whose table lacks our columns, or that claims a version without our tables, is read as version
  // 0, so it is refused as another application's instead of "migrated" (and switched to WAL).
  const columns = new Set((db.prepare("SELECT name FROM pragma_table_info('schema_version')").all() as { name: string }[]).map((c) => c.name));
  if (!["version", "description", "applied_at"].every((c) => columns.has(c))) return { version: 0, tables, ownVersionTable: false };
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_version").get() as { version: number | null };
  const version = typeof row.version === "number" ? row.version : 0;
  if (version > 0 && !(tables.includes("studies") && tables.includes("trials"))) return { version: 0, tables, ownVersionTable: false };
  return { version, tables };
}

/**
 * Throws {@link SqliteSchemaError} if the file is not one this code may migrate: a database of
 * another application (tables, but no Sextant version), or one written by a newer Sextant.
 */
export function checkSchemaState(state: SchemaState, migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS): void {
  const latest = migrations[migrations.length - 1]!.version;
  if (state.version > latest) {
    throw new SqliteSchemaError(
      `the file has schema version ${state.version}, newer than this version of Sextant understands (${latest}); upgrade Sextant to open it`,
    );
  }
  const foreign = state.tables.filter((name) => name !== "schema_version" || state.ownVersionTable === false);
  if (state.version === 0 && foreign.length > 0) {
    // Adding our tables beside someone else's would quietly mix two applications in one file.
    const listed = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? ", …" : "");
    throw new SqliteSchemaError(
      `the file is a SQLite database of another application (it has tables ${listed} but no Sextant schema); use a different file`,
    );
  }
}

/**
 * Brings a file up to the latest version. Must be called inside a write (`BEGIN IMMEDIATE`)
 * transaction so that concurrent openers serialize; it re-reads the version under that lock, so
 * whoever comes second finds nothing to do. Returns the versions before and after.
 */
export function migrateSchema(db: Database, migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS): { from: number; to: number } {
  const state = readSchemaState(db);
  checkSchemaState(state, migrations);
  db.exec(CREATE_VERSION_TABLE);
  const record = db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)");
  let to = state.version;
  for (const migration of migrations) {
    if (migration.version <= state.version) continue;
    db.exec(migration.sql);
    record.run(migration.version, migration.description, Date.now());
    to = migration.version;
  }
  return { from: state.version, to };
}

/** The ensured indexes the file lacks; only reads. */
export function missingEnsuredIndexes(db: Database, indexes: readonly SqliteEnsuredIndex[] = SQLITE_ENSURED_INDEXES): SqliteEnsuredIndex[] {
  const present = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
  return indexes.filter((index) => !present.has(index.name));
}

/**
 * Makes the ensured indexes the file lacks. Must be called inside a write (`BEGIN IMMEDIATE`)
 * transaction, like {@link migrateSchema}: whoever comes second finds them made. Returns the names made.
 */
export function ensureIndexes(db: Database, indexes: readonly SqliteEnsuredIndex[] = SQLITE_ENSURED_INDEXES): string[] {
  const missing = missingEnsuredIndexes(db, indexes);
  for (const index of missing) db.exec(index.sql);
  return missing.map((index) => index.name);
}
