/**
 * Numbered schema migrations for the PostgreSQL backend.
 *
 * Tables carry a `sextant_` prefix because the database is often shared (Optuna's own RDB storage
 * names its tables `studies` and `trials`). A database records every migration applied to it in
 * `sextant_schema_version`. Opening applies the missing ones in one transaction under an advisory
 * lock, so any number of workers starting at once against a fresh database agree on one schema:
 * the first migrates, the others wait for it and then find nothing to do. A migration is never
 * edited once released: change the schema by appending one.
 */
import { ONCE_KEY_ATTR, StorageError } from "./types.js";

/**
 * A trial's system attributes as jsonb. jsonb refuses two escapes that JSON text may hold: \u0000 (a
 * value with a NUL character) and a lone surrogate such as \ud83d (half an emoji, which
 * JSON.stringify writes as an escape; a program's output cut mid-character gives one). The text
 * columns keep both exactly, but one such trial made every query that read them fail for the whole
 * schema (`sextant studies`, the service's study list). The queries only read constraint values and
 * keys through it, so both are read as U+FFFD there; the stored text is untouched. A well-formed
 * pair is never escaped by JSON.stringify, so every \uD800–\uDFFF escape is a lone half. The
 * regular expression runs only on the rare text with an escape in it. chr(92) is the backslash,
 * whatever standard_conforming_strings says.
 */
export const SYSTEM_ATTRS_JSONB = systemAttrsJsonb("system_attrs");

/** {@link SYSTEM_ATTRS_JSONB} of a named column, e.g. `t.system_attrs` where a subquery reads another row's. */
export function systemAttrsJsonb(column: string): string {
  return (
    `(CASE WHEN strpos(${column}, chr(92) || 'u') = 0 THEN ${column} ` +
    `ELSE regexp_replace(${column}, chr(92) || chr(92) || 'u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})', chr(92) || chr(92) || 'ufffd', 'g') END)::jsonb`
  );
}

/** A trial's once key (see createTrialOnce), as the index sextant_trials_once_key and the storage's check both read it. */
export const ONCE_KEY_JSONB = `(${SYSTEM_ATTRS_JSONB} ->> '${ONCE_KEY_ATTR}')`;

/** One step of the schema; `sql` receives the quoted schema name (e.g. `"public"`) to qualify table names with. */
export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: (schema: string) => string;
}

/**
 * Version 1. The row layout matches the SQLite backend's (JSON text per field; see sql-rows.ts).
 * Beyond it:
 * - `studies.trial_count` hands out trial numbers: the insert of a trial and the increment are one
 *   statement, so numbers are unique and contiguous however many workers create trials at once.
 * - `studies.seq` is bumped by every trial write in the same statement, which holds the study
 *   row's lock until commit: writes to one study commit in seq order, so a reader following seq
 *   never skips a write that committed late.
 * - `write_id` is a client-made id of the last write to a row; unique, so a write retried after an
 *   ambiguous failure (the connection dropped before the reply) finds its own first attempt
 *   instead of creating a second trial or claiming a second one.
 * - `heartbeat_at` (ms since the epoch by the database's clock) starts at the trial's start and is
 *   indexed with the state, so finding stale trials never scans the finished ones (version 2 makes
 *   that index, and the one for waiting trials, partial).
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "studies, trials and heartbeats",
    sql: (s) => `
      CREATE TABLE ${s}.sextant_studies (
        id            BIGSERIAL PRIMARY KEY,
        name          TEXT   NOT NULL UNIQUE,
        directions    TEXT   NOT NULL,
        user_attrs    TEXT   NOT NULL DEFAULT '{}',
        system_attrs  TEXT   NOT NULL DEFAULT '{}',
        created_at    BIGINT NOT NULL,
        seq           BIGINT NOT NULL DEFAULT 0,
        trial_count   BIGINT NOT NULL DEFAULT 0,
        write_id      UUID   UNIQUE
      );
      CREATE TABLE ${s}.sextant_trials (
        id                BIGSERIAL PRIMARY KEY,
        study_id          BIGINT NOT NULL REFERENCES ${s}.sextant_studies (id) ON DELETE CASCADE,
        number            BIGINT NOT NULL,
        state             TEXT   NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
        params            TEXT   NOT NULL DEFAULT '{}',
        distributions     TEXT   NOT NULL DEFAULT '{}',
        objective_values  TEXT,
        intermediate      TEXT   NOT NULL DEFAULT '{}',
        user_attrs        TEXT   NOT NULL DEFAULT '{}',
        system_attrs      TEXT   NOT NULL DEFAULT '{}',
        started_at        BIGINT,
        finished_at       BIGINT,
        heartbeat_at      BIGINT,
        seq               BIGINT NOT NULL,
        write_id          UUID   NOT NULL UNIQUE,
        UNIQUE (study_id, number)
      );
      CREATE INDEX sextant_trials_by_seq ON ${s}.sextant_trials (study_id, seq);
      CREATE INDEX sextant_trials_by_state ON ${s}.sextant_trials (study_id, state, number);
      CREATE INDEX sextant_trials_by_heartbeat ON ${s}.sextant_trials (study_id, state, heartbeat_at);
    `,
  },
  {
    version: 2,
    description: "partial indexes for waiting and running trials",
    // Every write to a trial changes its seq, so no update is HOT and each one adds an entry to
    // every index on the table. The claim only looks for waiting trials and the reaper only for
    // running ones: partial indexes hold just those rows, so finishing a trial (the common write)
    // adds to neither, and they stay as small as the trials in flight.
    sql: (s) => `
      CREATE INDEX sextant_trials_waiting ON ${s}.sextant_trials (study_id, number) WHERE state = 'waiting';
      CREATE INDEX sextant_trials_running_heartbeat ON ${s}.sextant_trials (study_id, heartbeat_at) WHERE state = 'running';
      DROP INDEX ${s}.sextant_trials_by_state;
      DROP INDEX ${s}.sextant_trials_by_heartbeat;
    `,
  },
];

/** The schema version this code writes and understands. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;

/**
 * The oldest schema version that a read-only opener reads as it is, without migrating it (which
 * would lock out every worker still running the Sextant that made it). Version 2 only changed
 * indexes, which no query needs. A migration that readers cannot do without raises this to its
 * own version.
 */
export const POSTGRES_OLDEST_READABLE_VERSION = 1;

/** An index that every writable open makes if the schema lacks it, outside the numbered versions. */
export interface PostgresEnsuredIndex {
  readonly name: string;
  /** `CREATE INDEX IF NOT EXISTS <name> …`, given the quoted schema name. */
  readonly sql: (schema: string) => string;
}

/**
 * Indexes that speed up a query without changing what any version reads or writes, so they need no
 * schema version: a version bump makes every older Sextant refuse the schema, and a fleet would have
 * to upgrade at once for something older versions never notice. They ignore an index they do not
 * know, and PostgreSQL maintains it on every write whichever Sextant makes it; a schema without it
 * (an older one opened read-only, or one whose tables the connecting role does not own) answers the
 * same queries by scanning. Add an index here, not as a migration, when readers and writers of
 * every version stay correct without it.
 *
 * Built by a plain CREATE INDEX, which holds up writes to the table while it builds (0.35 s at 100k
 * trials, once per schema). Not CONCURRENTLY, which would not, but cannot run in a transaction (so
 * not under the migration lock), waits for every older transaction in the whole database (an
 * unrelated application's long one would hold up the open), and when interrupted (a worker
 * stopped, a connection lost) leaves an invalid index that IF NOT EXISTS counts as made: never
 * used, yet updated by every write.
 */
export const POSTGRES_ENSURED_INDEXES: readonly PostgresEnsuredIndex[] = [
  // createTrialOnce checks for a trial with the key while holding the study's lock: without an
  // index that read every trial of the study (400 ms at 100k trials, every worker's writes
  // waiting). Partial: only retries and scheduler segments carry a key.
  {
    name: "sextant_trials_once_key",
    sql: (s) =>
      `CREATE INDEX IF NOT EXISTS sextant_trials_once_key ON ${s}.sextant_trials (study_id, ${ONCE_KEY_JSONB}) WHERE ${ONCE_KEY_JSONB} IS NOT NULL`,
  },
];

/** The database holds a schema written by a newer Sextant. */
export class PostgresSchemaError extends StorageError {
  override name = "PostgresSchemaError";
}
