/**
 * The SQLite backend (`sqlite:PATH`): one file, shared safely by several processes on one machine.
 *
 * Every write is one `BEGIN IMMEDIATE` transaction, so writers queue on SQLite's write lock instead
 * of failing halfway; the journal is a write-ahead log so readers never wait for writers.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import Database from "better-sqlite3";
import { CONSTRAINTS_ATTR, type Direction, type FrozenTrial, type JsonValue, unknownKeysMessage } from "../space/index.js";
import { AggregateCache, type AggregateRow, STORED_NEGATIVE_INFINITY_JSON, type StudyRow, type TrialRow, UnreadableColumnError, decodeAttrs, encodeJson, patchedColumns, rowToStudy, rowToTrial, summarize, trialQueryOrder, wholeTrialColumns } from "./sql-rows.js";
import { checkGraceMs, checkTrialIds } from "./heartbeat.js";
import { shellWord } from "./shell-word.js";
import { applyTrialPatch, finishedTrial } from "./patch.js";
import { decodeWtf8 } from "./wtf8.js";
import { type TrialQuery, checkTrialQuery } from "./trial-query.js";
import {
  SQLITE_MIGRATIONS,
  SQLITE_OLDEST_READABLE_VERSION,
  SQLITE_ONCE_KEY,
  SQLITE_SCHEMA_VERSION,
  type SchemaState,
  SqliteSchemaError,
  checkSchemaState,
  ensureIndexes,
  migrateSchema,
  missingEnsuredIndexes,
  readSchemaState,
} from "./sqlite-migrations.js";
import {
  type SchemaUpgradeListener,
  StorageBusyError,
  StorageDecodeError,
  StorageOpenError,
  StorageReadOnlyError,
  StorageUpgradeRefusedError,
  emitSchemaUpgradeWarning,
  schemaUpgradeMessage,
  schemaUpgradeRefusal,
} from "./types.js";
import {
  DuplicateStudyError,
  type FinishedTrialInit,
  ONCE_KEY_ATTR,
  type SegmentOrderKeys,
  type StartedTrial,
  type Storage,
  StorageError,
  type StudyInit,
  type StudyRecord,
  type StudySummary,
  type TrialChanges,
  type TrialClaim,
  type TrialInit,
  TrialNotFoundError,
  TrialNotRunningError,
  type TrialPatch,
  type WholeTrialInit,
  noStudy,
} from "./types.js";

export { StorageBusyError, StorageOpenError };

/** Tuning knobs for {@link SqliteStorage.open}; the defaults suit a handful of workers on one machine. */
export interface SqliteOpenOptions {
  /**
   * How long SQLite itself waits for a lock before reporting it busy (`PRAGMA busy_timeout`).
   * That wait blocks the whole process, so keep it short and let `lockDeadlineMs` do the waiting.
   * Default {@link DEFAULT_BUSY_TIMEOUT_MS} ms.
   */
  readonly busyTimeoutMs?: number;
  /** How long a write (or opening) keeps retrying a busy lock with randomized backoff. Default 60 000 ms. */
  readonly lockDeadlineMs?: number;
  /**
   * Open for reading only, as the inspection commands do: the file must exist, nothing is written
   * (no journal-mode change, no migration, no `PRAGMA optimize`), write methods throw, and a file
   * whose schema would need migrating is refused rather than migrated.
   */
  readonly readOnly?: boolean;
  /**
   * Told when opening migrated a file that an older Sextant wrote (which that Sextant then
   * refuses); see {@link schemaUpgradeMessage}. Default: a `SextantWarning` through
   * `process.emitWarning`. A new file is created, not migrated, and says nothing.
   */
  readonly onSchemaUpgrade?: SchemaUpgradeListener;
  /**
   * `false` refuses to migrate a file an older Sextant wrote, with {@link StorageUpgradeRefusedError}
   * and the file untouched, for a caller that would rather read it read-only than upgrade it. Default true.
   */
  readonly upgradeSchema?: boolean;
}

/**
 * SQLite's own busy wait is synchronous: with a long one, a process waiting for another's write
 * lock runs no timers and reads no pipes, so trial timeouts and kill-grace deadlines stall for as
 * long as the lock is held. A few milliseconds lets SQLite absorb momentary contention; anything
 * longer is waited out by the asynchronous retry loop, which sleeps with setTimeout.
 *
 * @example
 * // A process that never runs timers may let SQLite wait longer per attempt:
 * SqliteStorage.open("./sextant.db", { busyTimeoutMs: 10 * DEFAULT_BUSY_TIMEOUT_MS });
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 5;

const DEFAULT_LOCK_DEADLINE_MS = 60_000;

/** Every option of {@link SqliteOpenOptions} (a record, so tsc says when one is added and not listed). */
const SQLITE_OPEN_OPTION_KEYS = Object.keys({ busyTimeoutMs: true, lockDeadlineMs: true, readOnly: true, onSchemaUpgrade: true, upgradeSchema: true } satisfies Record<keyof SqliteOpenOptions, true>);

type Attrs = { userAttrs?: Record<string, JsonValue>; systemAttrs?: Record<string, JsonValue> };

/**
 * Storage in a SQLite file, safe for several processes at once.
 *
 * - WAL journal, `synchronous=NORMAL` (a commit survives a crash of the process; a power cut may
 *   lose the last few commits but never corrupts the file), foreign keys on.
 * - Writes are `BEGIN IMMEDIATE` transactions; trial numbers come from `MAX(number) + 1` under that
 *   lock, waiting trials are claimed by compare-and-set, so no number is given twice and no claim
 *   is won twice, across processes.
 * - The schema is versioned ({@link SQLITE_SCHEMA_VERSION}); opening an older file migrates it.
 *
 * better-sqlite3 is synchronous: each call holds this process's event loop for the length of one
 * small transaction (tens of microseconds). Waiting for another process's lock does not: SQLite
 * gives up after a few milliseconds and the wait goes on asynchronously, so the rest of the
 * process (running trials, their timeouts, their output) keeps going.
 *
 * @example
 * const storage = SqliteStorage.open("./sextant.db");
 * const study = await storage.createStudy("lr-search", ["minimize"]);
 * const trial = await storage.createTrial(study.id, { state: "running" });
 * await storage.updateTrial(trial.id, { state: "complete", values: [0.12] });
 * await storage.close();
 */
export class SqliteStorage implements Storage {
  readonly url: string;
  readonly reopenUrl: string;
  private readonly lockDeadlineMs: number;
  private readonly readOnly: boolean;
  private readonly statements: ReturnType<typeof prepareStatements>;
  /** Trial figures of each study as of its seq, so a listing aggregates only studies written since. */
  private readonly summaries = new AggregateCache();
  /** findTrials statements, prepared once per shape of query (which filters, which order). */
  private readonly trialQueries = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    url: string,
    lockDeadlineMs: number,
    readOnly: boolean,
    schemaVersion: number,
  ) {
    this.url = url;
    const path = url.slice("sqlite:".length);
    this.reopenUrl = path === ":memory:" ? url : `sqlite:${resolve(path)}`;
    this.lockDeadlineMs = lockDeadlineMs;
    this.readOnly = readOnly;
    this.statements = prepareStatements(db, schemaVersion);
  }

  /**
   * Opens (creating if needed) a SQLite file and brings its schema up to date. A 0-byte file
   * counts as new. Throws {@link StorageOpenError} with a readable reason when the directory does
   * not exist, the file is not a SQLite database, belongs to another application, or was written
   * by a newer Sextant. With `readOnly` the file is only read; see {@link SqliteOpenOptions.readOnly}.
   *
   * @example
   * const storage = SqliteStorage.open("./runs/sextant.db");
   * const reader = SqliteStorage.open("/mnt/results/sextant.db", { readOnly: true });
   */
  static open(path: string, options: SqliteOpenOptions = {}): SqliteStorage {
    return SqliteStorage.openOnce(path, options, options.lockDeadlineMs ?? DEFAULT_LOCK_DEADLINE_MS);
  }

  /**
   * {@link SqliteStorage.open}, but a lock held by another process (while this one would switch
   * the file to WAL or migrate it) is waited for asynchronously, so the rest of the process keeps
   * running meanwhile. `openStorage("sqlite:…")` uses this.
   *
   * @example
   * const storage = await SqliteStorage.openAsync("./sextant.db");
   */
  static async openAsync(path: string, options: SqliteOpenOptions = {}): Promise<SqliteStorage> {
    const deadline = Date.now() + (options.lockDeadlineMs ?? DEFAULT_LOCK_DEADLINE_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        // Opening is safe to repeat: it only reads, sets a pragma, or migrates in one transaction.
        return SqliteStorage.openOnce(path, options, 0);
      } catch (error) {
        if (!(error instanceof StorageOpenError && isBusy(error.cause)) || Date.now() >= deadline) throw error;
        await sleep(backoffMs(attempt));
      }
    }
  }

  /** Opens the file, retrying a busy lock synchronously for at most `syncWaitMs` (0: fail at once). */
  private static openOnce(path: string, options: SqliteOpenOptions, syncWaitMs: number): SqliteStorage {
    const url = `sqlite:${path}`;
    const fail = (reason: string, cause?: unknown): never => {
      throw new StorageOpenError(`cannot open ${url}: ${reason}`, cause === undefined ? undefined : { cause });
    };
    // A misspelt option (readonly, lockDeadline) opened the file for writing with the defaults.
    const unknown = unknownKeysMessage(options, SQLITE_OPEN_OPTION_KEYS);
    if (unknown !== null) fail(unknown);
    const inMemory = path === ":memory:";
    if (!inMemory) {
      const directory = dirname(resolve(path));
      if (!existsSync(directory)) fail(`the directory ${directory} does not exist (create it first)`);
      if (!statSync(directory).isDirectory()) fail(`${directory} is not a directory`);
      if (existsSync(path) && statSync(path).isDirectory()) fail(`${path} is a directory, not a file`);
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const lockDeadlineMs = options.lockDeadlineMs ?? DEFAULT_LOCK_DEADLINE_MS;
    // An in-memory database starts empty and vanishes at close: there is nothing to protect.
    const readOnly = options.readOnly === true && !inMemory;
    if (readOnly && !inMemory && !existsSync(path)) fail("the file does not exist");
    if (!readOnly && !inMemory) {
      // SQLite opens a file it may not write read-only without a word, and the first write fails.
      const unwritable = unwritableFile(path);
      if (unwritable !== undefined) {
        if (unwritable.nameTooLong) fail(`${unwritable.file}: the name is too long for the file system`);
        const reason = unwritable.readOnlyFileSystem ? readOnlyFileSystemReason(path) : readOnlyReason(path, unwritable.file);
        throw new StorageReadOnlyError(`cannot open ${url}: ${reason}`);
      }
    }

    if (!readOnly && !inMemory && !existsSync(path)) {
      // SQLite creates a new file with mode 0644 whatever the umask, so a team sharing a group folder
      // (umask 002) could not write each other's studies; made here first, it gets 0666 less the
      // umask, which SQLite then gives its -wal and -shm too.
      try {
        closeSync(openSync(path, "wx", 0o666));
      } catch {
        // made meanwhile by another process, or not ours to make: SQLite says which below
      }
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {});
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
      // Read before writing anything: a foreign or newer file must be left exactly as it was
      // (setting WAL mode alone would rewrite its header).
      const before = retryBusySync(() => readSchemaState(db!), syncWaitMs);
      checkSchemaState(before);
      if (readOnly) {
        checkReadableWithoutMigrating(before);
        return new SqliteStorage(db, url, lockDeadlineMs, true, before.version);
      }
      if (options.upgradeSchema === false && before.version > 0 && before.version < SQLITE_SCHEMA_VERSION) {
        throw new StorageUpgradeRefusedError(schemaUpgradeRefusal(url, before.version, SQLITE_SCHEMA_VERSION, migrationsSince(before.version)));
      }
      const mode = retryBusySync(() => db!.pragma("journal_mode = WAL", { simple: true }), syncWaitMs);
      if (mode !== "wal" && !inMemory) fail(`SQLite refused write-ahead logging (journal mode stayed "${String(mode)}")`);
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      let upgrade: { from: number; to: number } | null = null;
      if (before.version < SQLITE_SCHEMA_VERSION) {
        const migrate = db.transaction(() => migrateSchema(db!));
        upgrade = retryBusySync(() => migrate.immediate(), syncWaitMs);
      }
      // Looked for first: once made, opening takes no write lock for them.
      if (retryBusySync(() => missingEnsuredIndexes(db!), syncWaitMs).length > 0) {
        const ensure = db.transaction(() => ensureIndexes(db!));
        retryBusySync(() => ensure.immediate(), syncWaitMs);
      }
      const storage = new SqliteStorage(db, url, lockDeadlineMs, false, SQLITE_SCHEMA_VERSION);
      // Version 0 is a new file; another process may have migrated it while this one waited (from = to).
      if (upgrade !== null && upgrade.from > 0 && upgrade.to > upgrade.from) {
        (options.onSchemaUpgrade ?? emitSchemaUpgradeWarning)(schemaUpgradeMessage(url, upgrade.from, upgrade.to, migrationsSince(upgrade.from)));
      }
      return storage;
    } catch (error) {
      if (db?.open) db.close();
      if (error instanceof StorageOpenError) throw error;
      return fail(describeOpenFailure(error, path, readOnly), error);
    }
  }

  async createStudy(name: string, directions: readonly Direction[], attrs: StudyInit = {}): Promise<StudyRecord> {
    const createdAt = attrs.createdAt ?? Date.now();
    const userAttrs = { ...attrs.userAttrs };
    const systemAttrs = { ...attrs.systemAttrs };
    try {
      const id = await this.write(() => {
        const row = this.statements.insertStudy.get(name, JSON.stringify(directions), encodeJson(userAttrs), encodeJson(systemAttrs), createdAt) as {
          id: number;
        };
        return row.id;
      });
      return { id, name, directions: [...directions], userAttrs, systemAttrs, createdAt };
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") throw new DuplicateStudyError(name);
      throw error;
    }
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    const row = await this.readOne(() => this.statements.studyByName.get(name) as StudyRow | undefined);
    return row ? this.toStudy(row) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    // One read transaction: the seq each study is cached under and its figures share a snapshot.
    const { studies, stale, aggregates } = await this.read(() => {
      const studies = this.statements.allStudies.all() as StudyRow[];
      const stale = this.summaries.stale(studies);
      const aggregates = stale.length === 0 ? [] : (this.statements.aggregateTrials.all(JSON.stringify(stale)) as AggregateRow[]);
      return { studies, stale, aggregates };
    });
    this.summaries.store(studies, stale, aggregates);
    return studies.map((row) => summarize(this.toStudy(row), this.summaries.rows(row.id)));
  }

  async deleteStudy(name: string): Promise<boolean> {
    return this.write(() => this.statements.deleteStudy.run(name).changes > 0);
  }

  async setStudyAttrs(studyId: number, attrs: Attrs): Promise<void> {
    await this.write(() => {
      const row = this.statements.studyById.get(studyId) as StudyRow | undefined;
      if (!row) throw noStudy(studyId);
      const userAttrs = attrs.userAttrs ? encodeJson({ ...decodeAttrs(row.user_attrs), ...attrs.userAttrs }) : row.user_attrs;
      const systemAttrs = attrs.systemAttrs ? encodeJson({ ...decodeAttrs(row.system_attrs), ...attrs.systemAttrs }) : row.system_attrs;
      this.statements.setStudyAttrs.run(userAttrs, systemAttrs, studyId);
    });
  }

  async compareAndSetStudySystemAttr(studyId: number, key: string, expected: JsonValue | undefined, value: JsonValue): Promise<boolean> {
    // One immediate transaction: no other process writes between the check and the update.
    return this.write(() => {
      const row = this.statements.studyById.get(studyId) as StudyRow | undefined;
      if (!row) throw noStudy(studyId);
      const systemAttrs = decodeAttrs(row.system_attrs);
      if (!isDeepStrictEqual(systemAttrs[key], expected)) return false;
      this.statements.setStudyAttrs.run(row.user_attrs, encodeJson({ ...systemAttrs, [key]: value }), studyId);
      return true;
    });
  }

  async createTrial(studyId: number, init: TrialInit): Promise<FrozenTrial> {
    const insert = this.prepareInsert(init);
    return this.write(() => insert(studyId));
  }

  async queueTrials(studyId: number, count: number): Promise<void> {
    const insert = this.prepareInsert({ state: "waiting" });
    // One immediate transaction: every trial of the budget commits, or none does.
    await this.write(() => {
      if (!this.statements.studyById.get(studyId)) throw noStudy(studyId);
      for (let i = 0; i < count; i++) insert(studyId);
    });
  }

  async createTrialOnce(studyId: number, key: string, init: TrialInit): Promise<FrozenTrial | null> {
    const insert = this.prepareInsert({ ...init, systemAttrs: { ...init.systemAttrs, [ONCE_KEY_ATTR]: key } });
    // One immediate transaction: no other process writes between the check and the insert.
    return this.write(() => (this.statements.trialWithOnceKey.get(studyId, key) === undefined ? insert(studyId) : null));
  }

  async claimWaitingTrial(studyId: number, claim: TrialClaim = {}): Promise<FrozenTrial | null> {
    return this.write(() => this.claimLocked(studyId, claim));
  }

  /**
   * Reads the changes, then claims or creates, in one write transaction: one lock acquisition and
   * one commit per ask instead of three transactions.
   */
  async startNextTrial(studyId: number, init: Omit<TrialInit, "state">, sinceSeq: number | null): Promise<StartedTrial> {
    const insert = this.prepareInsert({ ...init, state: "running" });
    return this.write(() => {
      const changes = sinceSeq === null ? null : this.changesSince(studyId, sinceSeq);
      return { trial: this.claimLocked(studyId, init) ?? insert(studyId), changes };
    });
  }

  /** Encodes a new trial up front (outside the lock) and returns the insert to run under it. */
  private prepareInsert(init: TrialInit): (studyId: number) => FrozenTrial {
    const params = { ...init.params };
    const distributions = { ...init.distributions };
    const userAttrs = { ...init.userAttrs };
    const systemAttrs = { ...init.systemAttrs };
    const encoded = {
      params: encodeJson(params),
      distributions: encodeJson(distributions),
      userAttrs: encodeJson(userAttrs),
      systemAttrs: encodeJson(systemAttrs),
    };
    return (studyId) => {
      const seq = this.bumpSeq(studyId);
      const { number } = this.statements.nextNumber.get(studyId) as { number: number };
      const startedAt = init.state === "running" ? Date.now() : null;
      const { id } = this.statements.insertTrial.get({
        study_id: studyId,
        number,
        state: init.state,
        params: encoded.params,
        distributions: encoded.distributions,
        user_attrs: encoded.userAttrs,
        system_attrs: encoded.systemAttrs,
        started_at: startedAt,
        seq,
      }) as { id: number };
      const trial: FrozenTrial = {
        id,
        number,
        state: init.state,
        params,
        distributions,
        values: null,
        intermediate: {},
        userAttrs,
        systemAttrs,
        startedAt,
        finishedAt: null,
        seq,
      };
      return trial;
    };
  }

  /** Claims the oldest waiting trial, merging in the claim's attributes; the caller holds the write lock. */
  private claimLocked(studyId: number, claim: TrialClaim): FrozenTrial | null {
    const order = claim.segmentOrder;
    const row = (
      order
        ? this.statements.oldestWaitingInSegmentOrder.get({ study: studyId, among: claim.among ? JSON.stringify(claim.among) : null, ...segmentOrderPaths(order) })
        : claim.among
          ? this.statements.oldestWaitingAmong.get(studyId, JSON.stringify(claim.among))
          : this.statements.oldestWaiting.get(studyId)
    ) as TrialRow | undefined;
    if (!row) {
      if (!this.statements.studyById.get(studyId)) throw noStudy(studyId);
      return null;
    }
    const seq = this.bumpSeq(studyId);
    const startedAt = Date.now();
    const waiting = this.toTrial(row);
    const systemAttrs = claim.systemAttrs ? { ...waiting.systemAttrs, ...claim.systemAttrs } : waiting.systemAttrs;
    const encoded = claim.systemAttrs ? encodeJson(systemAttrs) : row.system_attrs;
    // The write lock already excludes other claimers; the state guard keeps the claim a
    // compare-and-set even if that ever stops being true.
    if (this.statements.claimTrial.run(startedAt, seq, encoded, row.id).changes !== 1) return null;
    return { ...waiting, systemAttrs, state: "running", startedAt, seq };
  }

  /** What trialsSince answers, read inside the caller's transaction (one snapshot). */
  private changesSince(studyId: number, seq: number): TrialChanges {
    const study = this.statements.studySeq.get(studyId) as { seq: number } | undefined;
    if (!study) throw noStudy(studyId);
    const rows = (seq <= 0 ? this.statements.allTrials.all(studyId) : this.statements.trialsSince.all(studyId, seq)) as TrialRow[];
    return { trials: rows.map((row) => this.toTrial(row)), seq: study.seq };
  }

  async insertFinishedTrial(studyId: number, init: FinishedTrialInit): Promise<FrozenTrial> {
    return (await this.insertTrials(studyId, [init]))[0]!;
  }

  async insertTrials(studyId: number, inits: readonly WholeTrialInit[]): Promise<FrozenTrial[]> {
    // Encoded up front, outside the lock; written in one immediate transaction: all or none.
    const rows = inits.map(wholeTrialColumns);
    return this.write(() => {
      // One bump for the whole batch (it throws for a study that is gone, with an empty batch too);
      // the trials take its last rows.length values, in order, as one bump each would have given.
      const last = this.bumpSeq(studyId, rows.length);
      const { number: first } = this.statements.nextNumber.get(studyId) as { number: number };
      return rows.map((columns, i) => {
        const seq = last - rows.length + 1 + i;
        const { id } = this.statements.insertFinishedTrial.get({ ...columns, study_id: studyId, number: first + i, seq }) as { id: number };
        return finishedTrial(inits[i]!, id, first + i, seq);
      });
    });
  }

  async updateTrial(trialId: number, patch: TrialPatch): Promise<FrozenTrial> {
    return this.write(() => {
      const row = this.statements.trialById.get(trialId) as TrialRow | undefined;
      if (!row) throw new TrialNotFoundError(trialId);
      const trial = this.toTrial(row);
      const { seq } = this.statements.studySeq.get(row.study_id) as { seq: number };
      // Throws TrialNotRunningError / ParamConflictError before anything is written.
      const next = applyTrialPatch(trial, patch, seq + 1, Date.now());
      this.statements.setSeq.run(next.seq, row.study_id);
      const info = this.statements.updateTrial.run({
        id: trialId,
        ...patchedColumns(row, trial, next),
        finished_at: next.finishedAt,
        seq: next.seq,
      });
      if (info.changes !== 1) throw new TrialNotRunningError(trialId, trial.state, trial.number);
      return next;
    });
  }

  async trialsSince(studyId: number, seq: number): Promise<TrialChanges> {
    // One read transaction, so the returned seq and the rows come from the same snapshot: a
    // change committed in between is neither half-seen nor skipped by the next call.
    return this.read(() => this.changesSince(studyId, seq));
  }

  async findTrials(studyId: number, query: TrialQuery): Promise<FrozenTrial[]> {
    checkTrialQuery(query);
    const statement = this.trialQueryStatement(query);
    const values: unknown[] = [studyId, ...(query.states ?? [])];
    if (query.withSystemAttr !== undefined) values.push(JSON.stringify(query.withSystemAttr), query.withSystemAttr);
    if (query.numbers !== undefined) values.push(JSON.stringify(query.numbers));
    if (query.afterNumber !== undefined) values.push(query.afterNumber);
    if (query.limit !== undefined) values.push(query.limit);
    const rows = await this.read(() => {
      if (!this.statements.studySeq.get(studyId)) throw noStudy(studyId);
      return statement.all(...values) as TrialRow[];
    });
    return rows.map((row) => this.toTrial(row));
  }

  /** The statement for queries shaped like `query`: its parameters are the study id, then each filter's, then the cursor, then the limit. */
  private trialQueryStatement(query: TrialQuery): Database.Statement {
    const order = query.order ?? "number";
    const states = query.states?.length ?? null;
    const key = JSON.stringify([states, query.withSystemAttr !== undefined, query.numbers !== undefined, order, query.reverse === true, query.afterNumber !== undefined, query.limit !== undefined]);
    let statement = this.trialQueries.get(key);
    if (statement) return statement;
    const where = ["study_id = ?"];
    // One state is an equality, so trials_by_state (study_id, state, number) hands rows over in number order.
    if (states !== null) where.push(states === 1 ? "state = ?" : `state IN (${Array.from({ length: states }, () => "?").join(", ")})`);
    // Any attribute name, without building a JSON path from it (a quote in the name would break one).
    // The text test first: the name is written as JSON.stringify spells it, and parsing every row
    // of an unconstrained study to find none took four times as long.
    if (query.withSystemAttr !== undefined) {
      where.push("instr(system_attrs, ?) > 0 AND EXISTS (SELECT 1 FROM json_each(system_attrs) WHERE key = ? AND type <> 'null')");
    }
    if (query.numbers !== undefined) where.push("number IN (SELECT value FROM json_each(?))");
    // A range on the (study_id, number) and trials_by_state indexes: a page costs its own rows, not the ones before it.
    if (query.afterNumber !== undefined) where.push(query.reverse ? "number < ?" : "number > ?");
    const first = "json_extract(objective_values, '$[0]')";
    const { orderBy, where: valued } = trialQueryOrder(query, { isNumber: "json_type(objective_values, '$[0]') IN ('integer', 'real')", text: first, number: first });
    if (valued !== null) where.push(valued);
    statement = this.db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE ${where.join(" AND ")} ORDER BY ${orderBy}${query.limit !== undefined ? " LIMIT ?" : ""}`);
    this.trialQueries.set(key, statement);
    return statement;
  }

  async getTrial(trialId: number): Promise<FrozenTrial | null> {
    const row = await this.readOne(() => this.statements.trialById.get(trialId) as TrialRow | undefined);
    return row ? this.toTrial(row) : null;
  }

  async recordHeartbeat(trialIds: readonly number[]): Promise<void> {
    checkTrialIds(trialIds);
    if (trialIds.length === 0) return;
    const now = Date.now();
    await this.write(() => {
      for (const id of trialIds) this.statements.recordHeartbeat.run(now, id);
    });
  }

  async staleTrials(studyId: number, graceMs: number): Promise<FrozenTrial[]> {
    checkGraceMs(graceMs);
    const cutoff = Date.now() - graceMs;
    return this.read(() => {
      if (!this.statements.studySeq.get(studyId)) throw noStudy(studyId);
      return (this.statements.staleTrials.all(studyId, cutoff) as TrialRow[]).map((row) => this.toTrial(row));
    });
  }

  async heartbeatSilenceMs(trialId: number): Promise<number | null> {
    const row = await this.readOne(() => this.statements.lastBeat.get(trialId) as { at: number } | undefined);
    return row ? Math.max(0, Date.now() - row.at) : null;
  }

  /** Closes the file; later calls are no-ops. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    if (this.readOnly) {
      this.db.close();
      return;
    }
    try {
      // Cheap, and keeps query plans good for the next opener (SQLite recommends it at close).
      // It may want the write lock: never let a busy file hold up closing for the full timeout.
      this.db.pragma("busy_timeout = 50");
      this.db.pragma("optimize");
    } catch {
      // Best effort: a busy or read-only file must still close.
    }
    this.db.close();
  }

  private toStudy(row: StudyRow): StudyRecord {
    try {
      const record = rowToStudy(row);
      // SQLite reads a lone surrogate, kept as its WTF-8 bytes in a name an older Sextant stored, as
      // U+FFFD: such a study was listed under a name that found no study (dashboard, clients).
      return row.name.includes("\uFFFD") ? { ...record, name: this.storedName(row.id) ?? record.name } : record;
    } catch (error) {
      throw this.decodeError(error, `study "${row.name}"`);
    }
  }

  /** A study's name from its bytes as stored, lone surrogates kept; null when they are not WTF-8. */
  private storedName(studyId: number): string | null {
    const row = this.statements.studyNameBytes.get(studyId) as { bytes: Uint8Array } | undefined;
    return row ? decodeWtf8(row.bytes) : null;
  }

  private toTrial(row: TrialRow): FrozenTrial {
    try {
      return rowToTrial(row);
    } catch (error) {
      throw this.decodeError(error, `${this.studyLabel(row.study_id)}, trial ${row.number} (id ${row.id})`);
    }
  }

  /** Names a study for an error message; reading it is best effort, since the file is already in doubt. */
  private studyLabel(studyId: number): string {
    try {
      const row = this.statements.studyById.get(studyId) as StudyRow | undefined;
      if (row) return `study "${row.name}"`;
    } catch {
      // Fall back to the id below.
    }
    return `study id ${studyId}`;
  }

  private decodeError(error: unknown, where: string): unknown {
    if (!(error instanceof UnreadableColumnError)) return error;
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    return new StorageDecodeError(
      `${this.url}: ${where}: column ${error.column} does not hold what Sextant writes (${cause}); it starts ${JSON.stringify(error.text.slice(0, 60))}`,
      { cause: error.cause },
    );
  }

  /** Adds `by` to the study's change counter and returns the new value; throws if the study is gone. */
  private bumpSeq(studyId: number, by = 1): number {
    const row = this.statements.bumpSeq.get(by, studyId) as { seq: number } | undefined;
    if (!row) throw noStudy(studyId);
    return row.seq;
  }

  /**
   * Runs `fn` in a `BEGIN IMMEDIATE` transaction. SQLite's short busy timeout covers momentary
   * contention; a lock held longer (another process's transaction, or WAL recovery, which reports
   * SQLITE_BUSY without waiting at all) is retried with randomized asynchronous backoff until the
   * deadline. `fn` only touches the database, so running it again is safe.
   */
  private async write<T>(fn: () => T): Promise<T> {
    this.assertOpen();
    if (this.readOnly) throw new StorageReadOnlyError(`${this.url} was opened read-only; this operation writes`);
    const transaction = this.db.transaction(fn);
    try {
      return await this.withRetry(() => transaction.immediate());
    } catch (error) {
      // The file was writable when opened (see openOnce) and is no longer.
      if (error instanceof Database.SqliteError && error.code.startsWith("SQLITE_READONLY")) {
        const path = this.url.slice("sqlite:".length);
        throw new StorageReadOnlyError(`${this.url}: ${readOnlyReason(path, path)}`, { cause: error });
      }
      throw error;
    }
  }

  /** Runs `fn` in a read transaction: one consistent snapshot, never waiting for writers in WAL mode. */
  private async read<T>(fn: () => T): Promise<T> {
    this.assertOpen();
    const transaction = this.db.transaction(fn);
    return this.withRetry(() => transaction.deferred());
  }

  /** Runs a single statement, atomic by itself, without the cost of an explicit transaction. */
  private readOne<T>(fn: () => T): Promise<T> {
    return this.withRetry(fn);
  }

  private async withRetry<T>(attempt: () => T): Promise<T> {
    this.assertOpen();
    const deadline = Date.now() + this.lockDeadlineMs;
    for (let tries = 0; ; tries++) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy(error)) throw this.damagedFileError(error) ?? this.fileSystemError(error) ?? error;
        if (Date.now() >= deadline) throw this.busyError(error);
        // Sleep asynchronously so the rest of this process (e.g. running trials) keeps going.
        await sleep(backoffMs(tries));
      }
    }
  }

  /**
   * A file damaged after it was opened (a bad page, a JSON column another tool broke), said as
   * storage trouble naming the file: it read "internal error … a bug in Sextant". Null for any
   * other error.
   */
  private damagedFileError(cause: unknown): StorageError | null {
    if (!(cause instanceof Database.SqliteError)) return null;
    if (cause.code === "SQLITE_CORRUPT" || cause.code === "SQLITE_NOTADB") {
      return new StorageError(`${this.url}: the SQLite file is damaged (${cause.message}); restore it from a backup, or recover what SQLite can with "sqlite3 FILE .recover"`, { cause });
    }
    if (/malformed JSON/i.test(cause.message)) {
      return new StorageError(`${this.url}: a trial's JSON column does not hold what Sextant writes (${cause.message}); was the file edited by another program?`, { cause });
    }
    return null;
  }

  /**
   * The disk (or the file system's quota) ran out of room for a write, or the disk or network
   * file system holding the file failed a read or write, said as storage trouble naming the file:
   * it read "internal error: database or disk is full … a bug in Sextant" (or "disk I/O error").
   * A full disk's write was rolled back whole, so what was stored before is intact. Null for any
   * other error.
   */
  private fileSystemError(cause: unknown): StorageError | null {
    if (!(cause instanceof Database.SqliteError)) return null;
    const folder = dirname(resolve(this.url.slice("sqlite:".length)));
    if (cause.code === "SQLITE_FULL") {
      return new StorageError(
        `${this.url}: the disk is full (${cause.message}); this write was not made, what was stored before is intact: free space in ${folder} and run again`,
        { cause },
      );
    }
    if (cause.code.startsWith("SQLITE_IOERR")) {
      const limited = fileSizeLimitReason(cause.code);
      if (limited) {
        return new StorageError(`${this.url}: a write failed (${cause.message}, ${cause.code}); ${limited}; otherwise check that the disk holding ${folder} is still mounted and healthy`, { cause });
      }
      return new StorageError(
        `${this.url}: the disk or network file system holding ${folder} failed a read or write (${cause.message}, ${cause.code}); check that it is still mounted and healthy, then run again`,
        { cause },
      );
    }
    return null;
  }

  private busyError(cause: unknown): StorageBusyError {
    return new StorageBusyError(
      `${this.url}: the database stayed locked by other processes for more than ${Math.round(this.lockDeadlineMs / 1000)} s`,
      { cause },
    );
  }

  private assertOpen(): void {
    if (!this.db.open) throw new StorageError(`${this.url} is closed`);
  }
}

/** What the migrations after `version` change, in order. */
function migrationsSince(version: number): string[] {
  return SQLITE_MIGRATIONS.filter((m) => m.version > version && m.version <= SQLITE_SCHEMA_VERSION).map((m) => m.description);
}

const TRIAL_COLUMNS = "id, study_id, number, state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, started_at, finished_at, seq";

/** A system attribute of the trials row `table` at the JSON path held by `path`, or NULL (as the once key is read: a row of bad JSON has none). */
function attrOf(table: string, path: string): string {
  return `(CASE WHEN json_valid(${table}.system_attrs) THEN json_extract(${table}.system_attrs, ${path}) END)`;
}

/** The JSON type of the attribute at `path` ('true', 'integer', …), so `true` is told from the number 1. */
function attrTypeOf(table: string, path: string): string {
  return `(CASE WHEN json_valid(${table}.system_attrs) THEN json_type(${table}.system_attrs, ${path}) END)`;
}

function isNumber(value: string): string {
  return `typeof(${value}) IN ('integer', 'real')`;
}

/** The JSON paths of {@link TrialClaim.segmentOrder}'s keys, as oldestWaitingInSegmentOrder takes them. */
function segmentOrderPaths(keys: SegmentOrderKeys): { member: string; segment: string; undecided: string } {
  const path = (key: string): string => `$.${JSON.stringify(key)}`;
  return { member: path(keys.member), segment: path(keys.segment), undecided: path(keys.undecided) };
}

function prepareStatements(db: Database.Database, schemaVersion: number) {
  // A reader of a version-1 file (readers never migrate) has no heartbeat_at: a running trial's
  // silence counts from its start, and the beat it never records (readers never write) is a no-op.
  const heartbeats = schemaVersion >= 2;
  const lastBeatAt = heartbeats ? "COALESCE(heartbeat_at, started_at)" : "started_at";
  return {
    insertStudy: db.prepare(
      "INSERT INTO studies (name, directions, user_attrs, system_attrs, created_at, seq) VALUES (?, ?, ?, ?, ?, 0) RETURNING id",
    ),
    studyByName: db.prepare("SELECT * FROM studies WHERE name = ?"),
    studyById: db.prepare("SELECT * FROM studies WHERE id = ?"),
    studyNameBytes: db.prepare("SELECT CAST(name AS BLOB) AS bytes FROM studies WHERE id = ?"),
    allStudies: db.prepare("SELECT * FROM studies ORDER BY id"),
    deleteStudy: db.prepare("DELETE FROM studies WHERE name = ?"),
    setStudyAttrs: db.prepare("UPDATE studies SET user_attrs = ?, system_attrs = ? WHERE id = ?"),
    studySeq: db.prepare("SELECT seq FROM studies WHERE id = ?"),
    bumpSeq: db.prepare("UPDATE studies SET seq = seq + ? WHERE id = ? RETURNING seq"),
    setSeq: db.prepare("UPDATE studies SET seq = ? WHERE id = ?"),
    // Served by the UNIQUE (study_id, number) index: one probe, not a scan.
    nextNumber: db.prepare("SELECT COALESCE(MAX(number), -1) + 1 AS number FROM trials WHERE study_id = ?"),
    insertTrial: db.prepare(
      `INSERT INTO trials (study_id, number, state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, started_at, finished_at, seq)
       VALUES (@study_id, @number, @state, @params, @distributions, NULL, '{}', @user_attrs, @system_attrs, @started_at, NULL, @seq)
       RETURNING id`,
    ),
    insertFinishedTrial: db.prepare(
      `INSERT INTO trials (study_id, number, state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, started_at, finished_at, seq)
       VALUES (@study_id, @number, @state, @params, @distributions, @objective_values, @intermediate, @user_attrs, @system_attrs, @started_at, @finished_at, @seq)
       RETURNING id`,
    ),
    trialById: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE id = ?`),
    oldestWaiting: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1`),
    oldestWaitingAmong: db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'waiting' AND number IN (SELECT value FROM json_each(?)) ORDER BY number LIMIT 1`,
    ),
    // TrialClaim.segmentOrder, read in the claim's own write transaction: an undecided candidate is
    // passed over while another member's trial at a lower segment waits or runs.
    oldestWaitingInSegmentOrder: db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials t WHERE study_id = @study AND state = 'waiting'
         AND (@among IS NULL OR number IN (SELECT value FROM json_each(@among)))
         AND NOT (${attrTypeOf("t", "@undecided")} = 'true' AND ${isNumber(attrOf("t", "@member"))} AND ${isNumber(attrOf("t", "@segment"))} AND EXISTS (
           SELECT 1 FROM trials p WHERE p.study_id = t.study_id AND p.state IN ('waiting', 'running')
             AND ${isNumber(attrOf("p", "@member"))} AND ${isNumber(attrOf("p", "@segment"))}
             AND ${attrOf("p", "@member")} <> ${attrOf("t", "@member")} AND ${attrOf("p", "@segment")} < ${attrOf("t", "@segment")}))
       ORDER BY number LIMIT 1`,
    ),
    claimTrial: db.prepare("UPDATE trials SET state = 'running', started_at = ?, seq = ?, system_attrs = ? WHERE id = ? AND state = 'waiting'"),
    updateTrial: db.prepare(
      `UPDATE trials SET state = @state, params = @params, distributions = @distributions, objective_values = @objective_values,
         intermediate = @intermediate, user_attrs = @user_attrs, system_attrs = @system_attrs, finished_at = @finished_at, seq = @seq
       WHERE id = @id AND state = 'running'`,
    ),
    recordHeartbeat: db.prepare(
      heartbeats ? "UPDATE trials SET heartbeat_at = ? WHERE id = ? AND state = 'running'" : "SELECT ?, ? WHERE 0",
    ),
    lastBeat: db.prepare(`SELECT ${lastBeatAt} AS at FROM trials WHERE id = ? AND state = 'running'`),
    staleTrials: db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'running' AND ${lastBeatAt} < ? ORDER BY number`,
    ),
    allTrials: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? ORDER BY number`),
    // Served by the partial index trials_by_once_key (an ensured index), whose expression this repeats:
    // a probe, not a scan of the study. A read-only open of a file without it scans, with the same answer.
    trialWithOnceKey: db.prepare(`SELECT 1 FROM trials WHERE study_id = ? AND ${SQLITE_ONCE_KEY} = ? LIMIT 1`),
    // Named: once PRAGMA optimize has analyzed the file (every writable close), the planner read
    // the whole study through (study_id, number) to skip the sort, so each incremental read, and
    // each ask of a worker, cost a scan of every trial the study had (130 ms at 100,000 trials).
    trialsSince: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials INDEXED BY trials_by_seq WHERE study_id = ? AND seq > ? ORDER BY number`),
    // Counts per study and state from the (study_id, state, number) index alone, and the best first
    // objective of each study over its feasible complete trials, each trial's JSON read once (a
    // MATERIALIZED step: inlined, each use of a column re-parsed it, four times per trial, 2.8 s for
    // 300,000 trials). ? is a JSON array of study ids. Non-finite values are stored as strings, so
    // they are found apart rather than compared as text; the first feasible trial's (by number) being
    // "nan" is found as the lowest of number * 2 + 1 for such a value, + 0 for another, so the row
    // holds it without a second pass (summarizeStudy keeps such a first value as the best: nothing
    // is better than NaN, and NaN better than nothing). Only feasible trials count for the best
    // value (`satisfiesStoredConstraints`); whether a study is constrained is decided among its own
    // trials. A trial whose system attributes do not name the key has no constraints, without parsing
    // them (the key is written as JSON.stringify spells it). A -Infinity constraint, stored as a tag, is met.
    aggregateTrials: db.prepare(
      `WITH wanted(id) AS (SELECT value FROM json_each(?)),
       complete AS MATERIALIZED (
         SELECT study_id, number, json_type(objective_values, '$[0]') AS type, json_extract(objective_values, '$[0]') AS first,
           CASE WHEN instr(system_attrs, '"${CONSTRAINTS_ATTR}"') > 0 THEN json_type(system_attrs, '$.${CONSTRAINTS_ATTR}') END AS constraints_type,
           CASE WHEN instr(system_attrs, '"${CONSTRAINTS_ATTR}"') > 0 THEN system_attrs END AS system_attrs
         FROM trials WHERE study_id IN (SELECT id FROM wanted) AND state = 'complete'),
       constrained(study_id) AS (SELECT DISTINCT study_id FROM complete WHERE constraints_type = 'array'),
       best AS (
         SELECT study_id,
           MIN(CASE WHEN type IN ('integer', 'real') THEN first END) AS min_value,
           MAX(CASE WHEN type IN ('integer', 'real') THEN first END) AS max_value,
           MAX(type = 'text' AND first = '-inf') AS has_neg_inf,
           MAX(type = 'text' AND first = 'inf') AS has_pos_inf,
           MIN(CASE WHEN type IS NOT NULL THEN number * 2 + CASE WHEN type IN ('integer', 'real') OR (type = 'text' AND first IN ('inf', '-inf')) THEN 0 ELSE 1 END END) % 2 AS first_unordered
         FROM complete
         WHERE CASE WHEN constraints_type = 'array' THEN NOT EXISTS (SELECT 1 FROM json_each(system_attrs, '$.${CONSTRAINTS_ATTR}') WHERE NOT (type IN ('integer', 'real') AND value <= 0 OR type = 'object' AND value = '${STORED_NEGATIVE_INFINITY_JSON}'))
           ELSE (constraints_type IS NULL OR constraints_type = 'null') AND study_id NOT IN (SELECT study_id FROM constrained) END
         GROUP BY study_id)
       SELECT counts.study_id, counts.state, counts.n, best.min_value, best.max_value, best.has_neg_inf, best.has_pos_inf, best.first_unordered
       FROM (SELECT study_id, state, COUNT(*) AS n FROM trials WHERE study_id IN (SELECT id FROM wanted) GROUP BY study_id, state) AS counts
       LEFT JOIN best ON best.study_id = counts.study_id AND counts.state = 'complete'`,
    ),
  };
}

// --- Errors and retries ---------------------------------------------------------------------

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && (error.code.startsWith("SQLITE_BUSY") || error.code.startsWith("SQLITE_LOCKED"));
}

/** Exponential backoff with full jitter, 2 ms doubling to at most 100 ms, so retrying processes spread out. */
function backoffMs(attempt: number): number {
  return 1 + Math.random() * Math.min(100, 2 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Retries a synchronous busy failure (used while opening, which is synchronous) until the deadline. */
function retryBusySync<T>(fn: () => T, deadlineMs: number): T {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(sleepCell, 0, 0, backoffMs(attempt));
    }
  }
}

/**
 * A read-only opener may not migrate, so it refuses any file this code would have to change first,
 * and says how to bring it up to date.
 */
function checkReadableWithoutMigrating(state: SchemaState): void {
  if (state.version >= SQLITE_OLDEST_READABLE_VERSION) return;
  if (state.version === 0 && state.tables.length === 0) {
    throw new SqliteSchemaError("the file has no Sextant schema yet (it holds no studies); nothing to read");
  }
  throw new SqliteSchemaError(
    `the file has schema version ${state.version} and this version of Sextant reads version ${SQLITE_SCHEMA_VERSION}; ` +
      `reading commands never migrate a file: run a writing command on it (e.g. sextant tune) to migrate it, or read it with the Sextant that wrote it`,
  );
}

/**
 * The first of the database's files (itself, its -wal and -shm) that exists and this process may
 * not write, with why: a reason other than permission (a name too long, say) is said as such.
 */
function unwritableFile(path: string): { file: string; nameTooLong: boolean; readOnlyFileSystem: boolean } | undefined {
  let missing = false;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") return { file, nameTooLong: code === "ENAMETOOLONG", readOnlyFileSystem: code === "EROFS" };
      missing = true;
    }
  }
  // The file, its -wal or its -shm must be created in the folder: a read-only folder was reported
  // as a read-only file (the file being writable), or not at all for a new file.
  if (missing) {
    const folder = dirname(resolve(path));
    try {
      accessSync(folder, constants.W_OK);
    } catch (error) {
      // A missing folder is said where the open fails ("the directory … does not exist").
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") return { file: folder, nameTooLong: false, readOnlyFileSystem: code === "EROFS" };
    }
  }
  return undefined;
}

/** Why a writer cannot use the database at `path`, `file` (it, its -wal or -shm, or its folder) being read-only. */
function readOnlyReason(path: string, file: string): string {
  if (file !== path && !file.startsWith(`${path}-`)) {
    return (
      `the folder ${file} is read-only; Sextant must create ${existsSync(path) ? "" : `${path}, `}${path}-wal and ${path}-shm in it: ` +
      `make it writable for this user (reading commands such as sextant trials need only read access)`
    );
  }
  return (
    `${file === path ? "the file" : file} is read-only${ownedByAnother(file)}; Sextant must write to it and create ${path}-wal and ${path}-shm beside it: ` +
    `make them writable for this user (reading commands such as sextant trials need only read access)`
  );
}

/**
 * Why a writer cannot use the database at `path` on a file system mounted read-only (a read-only
 * volume, an NFS export, a backup disk), where no one can make the files writable.
 */
function readOnlyFileSystemReason(path: string): string {
  const mounted = `the file system holding ${dirname(resolve(path))} is mounted read-only`;
  if (!existsSync(path)) return `${mounted}; Sextant must create ${path}, ${path}-wal and ${path}-shm there: put the storage on a writable file system`;
  return (
    `${mounted}; Sextant must write to ${path} and create ${path}-wal and ${path}-shm beside it: ` +
    `copy the file to a writable file system to run this (reading commands such as sextant trials need only read access)`
  );
}

/**
 * " (it belongs to NAME)" when another user owns `file`, else "". Another user who only read a
 * study in a shared folder leaves its -wal and -shm behind, owned by them: the owner needs to know whom to ask.
 */
function ownedByAnother(file: string): string {
  try {
    const owner = statSync(file).uid;
    if (owner === process.getuid?.()) return "";
    const entry = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .map((line) => line.split(":"))
      .find((fields) => fields[2] === String(owner));
    return ` (it belongs to ${entry ? `user ${entry[0]}` : `uid ${owner}`})`;
  } catch {
    return "";
  }
}

function describeOpenFailure(error: unknown, path: string, readOnly: boolean): string {
  if (error instanceof SqliteSchemaError) return error.message;
  if (error instanceof Database.SqliteError) {
    const code = error.code;
    if (code === "SQLITE_NOTADB") return "the file is not a SQLite database (file is corrupt or of another format)";
    if (code.startsWith("SQLITE_CORRUPT")) return `the SQLite file is corrupt (${error.message})`;
    // On a read-only file system SQLite cannot create a WAL file's -shm and says only "unable to open".
    if (code.startsWith("SQLITE_CANTOPEN") && readOnly && isWalFile(path)) return walReadOnlyReason(path, "its file system is read-only");
    if (code.startsWith("SQLITE_CANTOPEN")) {
      return `the file cannot be opened (check that the path names a file you may read${readOnly ? "" : " and write"})`;
    }
    if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_PERM")) {
      // A reader writes nothing; SQLite refuses a WAL file where it cannot create the files it reads through.
      if (readOnly) return walReadOnlyReason(path, "the folder is read-only");
      return readOnlyReason(path, path);
    }
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "the database stayed locked by another process";
    if (code === "SQLITE_FULL") return "the disk is full";
    const limited = fileSizeLimitReason(code);
    return `${error.message} (${code})${limited ? `; ${limited}` : ""}`;
  }
  const binding = error instanceof Error ? nativeBindingProblem(error.message) : undefined;
  if (binding) return binding;
  return error instanceof Error ? error.message : String(error);
}

/**
 * What to say of a failed write when this process may write files only up to a size (`ulimit -f`),
 * or null: SQLite reports a write past that limit (EFBIG) as a plain I/O error, and the message
 * sent the user to check a disk that was fine. The database or its -wal journal may have reached it.
 */
function fileSizeLimitReason(code: string): string | null {
  // A write to the database or journal, or growing the -shm file (SQLite's wal-index), past the limit.
  if (code !== "SQLITE_IOERR_WRITE" && code !== "SQLITE_IOERR_SHMSIZE") return null;
  const limit = fileSizeLimitBytes();
  if (limit === null) return null;
  return `this process may not write a file past ${limit} bytes (its file size limit, ulimit -f), which the database or its -wal journal may have reached: raise the limit ("ulimit -f unlimited" in the shell that starts it) and run again`;
}

/** The soft limit on the size of a file this process may write, in bytes; null when there is none or it cannot be read (not Linux). */
function fileSizeLimitBytes(): number | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((text) => text.startsWith("Max file size"));
    const soft = line?.slice("Max file size".length).trim().split(/\s+/)[0];
    return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

/** Why a reader cannot read the WAL database at `path` where it may not create its -wal and -shm (`why`). */
function walReadOnlyReason(path: string, why: string): string {
  return (
    `the file is a write-ahead-log (WAL) database and SQLite reads one only with ${path}-wal and ${path}-shm beside it, which it cannot create here ` +
    `(${why}); to read it from read-only media, first switch it to a rollback journal where it is writable: sqlite3 ${shellWord(path)} "PRAGMA journal_mode=DELETE"`
  );
}

/** Whether the file's header says it is in WAL mode (file format versions 2 at bytes 18 and 19). */
function isWalFile(path: string): boolean {
  try {
    const header = Buffer.alloc(20);
    const fd = openSync(path, "r");
    try {
      if (readSync(fd, header, 0, 20, 0) < 20) return false;
    } finally {
      closeSync(fd);
    }
    return header.toString("latin1", 0, 16) === "SQLite format 3\0" && header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  }
}

const REBUILD_ADVICE = 'run `npm rebuild better-sqlite3` in your project, or use "memory:" or a postgres:// storage, which do not need it';

/**
 * better-sqlite3 loads its compiled binding on the first `new Database`, so a package installed
 * without its install script (`npm install --ignore-scripts`, install scripts not allowed) or
 * built for another Node fails here, with a list of the paths it searched that says neither why nor
 * what to do.
 */
function nativeBindingProblem(message: string): string | undefined {
  if (message.includes("Could not locate the bindings file")) {
    return `the better-sqlite3 package's native binding is missing (its install script did not run, as under npm install --ignore-scripts); ${REBUILD_ADVICE}`;
  }
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version/.test(message)) {
    return `the better-sqlite3 package's native binding was built for another Node.js version than this one (${process.version}); ${REBUILD_ADVICE}`;
  }
  return undefined;
}
