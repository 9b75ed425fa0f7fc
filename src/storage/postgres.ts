/**
 * The PostgreSQL backend (`postgres://user@host:port/db`): one database shared by workers on many
 * machines. Loaded only by `sextant/storage/postgres` or a `postgres://` URL, so users of SQLite
 * alone never load `pg`.
 *
 * Every trial write is one statement (one round trip, its own transaction) that also bumps the
 * study's `seq` under the study row's lock; reads are single statements, hence single snapshots.
 * Finish-and-start writes of one study that wait at the same moment share one statement (group
 * commit), which is how a worker running quick trials pays less than a round trip per trial.
 */
import { userInfo } from "node:os";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import { CONSTRAINTS_ATTR, type Direction, type FrozenTrial, type JsonValue, unknownKeysMessage } from "../space/index.js";
import { checkGraceMs, checkTrialIds } from "./heartbeat.js";
import { applyTrialPatch, finishedTrial } from "./patch.js";
import { type TrialQuery, checkTrialQuery } from "./trial-query.js";
import {
  ONCE_KEY_JSONB,
  POSTGRES_ENSURED_INDEXES,
  POSTGRES_MIGRATIONS,
  POSTGRES_OLDEST_READABLE_VERSION,
  POSTGRES_SCHEMA_VERSION,
  type PostgresEnsuredIndex,
  PostgresSchemaError,
  SYSTEM_ATTRS_JSONB,
  systemAttrsJsonb,
} from "./postgres-migrations.js";
import { SCHEMA_NAME, connectTimeoutSeconds, redactPassword, urlParameterProblem } from "./postgres-url.js";
import {
  AggregateCache,
  type AggregateRow,
  STORED_NEGATIVE_INFINITY_JSON,
  type StudyRow,
  type TrialRow,
  decodeAttrs,
  encodeJson,
  patchedColumns,
  rowToStudy,
  rowToTrial,
  summarize,
  trialQueryOrder,
  wholeTrialColumns,
} from "./sql-rows.js";
import {
  DuplicateStudyError,
  type FinishedTrialInit,
  type FinishedAndStarted,
  ONCE_KEY_ATTR,
  type SchemaUpgradeListener,
  type Storage,
  StorageEmptyError,
  StorageError,
  StorageOpenError,
  StorageUpgradeRefusedError,
  type StudyInit,
  type StudyRecord,
  type StartedTrial,
  type StudySummary,
  type TrialChanges,
  type TrialClaim,
  type TrialInit,
  TrialNotFoundError,
  type TrialPatch,
  type WholeTrialInit,
  emitSchemaUpgradeWarning,
  noStudy,
  schemaUpgradeMessage,
  schemaUpgradeRefusal,
} from "./types.js";
import { newWriteId } from "./write-id.js";

export { POSTGRES_SCHEMA_VERSION, PostgresSchemaError };

/** Tuning knobs for {@link PostgresStorage.open}. */
export interface PostgresOpenOptions {
  /**
   * Schema holding Sextant's tables (created if missing). Default: the URL's `schema` query
   * parameter, else `public`. Lets one database hold several independent Sextant storages.
   */
  readonly schema?: string;
  /** Most connections this process opens. Default 4: a worker runs one trial write at a time. */
  readonly maxConnections?: number;
  /**
   * How long an operation keeps retrying a dropped connection or a restarting server, and how long
   * (not less than 120 s) one statement may go unanswered by a server that stopped answering.
   * Default 120 000 ms.
   */
  readonly retryDeadlineMs?: number;
  /**
   * Wait for each commit to reach disk before answering (PostgreSQL's `synchronous_commit`).
   * Default: the URL's `synchronous_commit` query parameter (`on`/`off`), else on.
   *
   * On (the default): a trial a worker was told is saved survives a crash of the database server.
   * Group commit makes this cheap: writes that wait together share one commit and one flush.
   * Off lets a commit answer before its WAL reaches disk; if the database server crashes (not a
   * restart or a dropped connection, which lose nothing) the writes of its last fraction of a
   * second are gone though workers were told they succeeded. The database stays consistent, and
   * finished trials that revert to running are reaped as stale by heartbeats.
   */
  readonly synchronousCommit?: boolean;
  /**
   * Only read: create and migrate nothing (an empty schema throws {@link StorageEmptyError}, an
   * older one is refused), and open every transaction read-only, so the server refuses writes.
   * What `sextant studies`, `trials`, `best` and `export` use. Default false.
   */
  readonly readOnly?: boolean;
  /**
   * Told once per operation that starts retrying an unreachable or restarting server, with the
   * reason and how long it will keep trying, so a command does not sit silent for two minutes.
   */
  readonly onRetry?: (message: string) => void;
  /**
   * Told when opening migrated a schema that an older Sextant made (whose workers then refuse it);
   * see {@link schemaUpgradeMessage}. Default: a `SextantWarning` through `process.emitWarning`.
   * An empty schema is created, not migrated, and says nothing.
   */
  readonly onSchemaUpgrade?: SchemaUpgradeListener;
  /**
   * `false` refuses to migrate a schema an older Sextant made, with {@link StorageUpgradeRefusedError}
   * and the schema untouched, for a caller that would rather read it read-only than upgrade it. Default true.
   */
  readonly upgradeSchema?: boolean;
}

/** Every option of {@link PostgresOpenOptions} (a record, so tsc says when one is added and not listed). */
const POSTGRES_OPEN_OPTION_KEYS = Object.keys({
  schema: true,
  maxConnections: true,
  retryDeadlineMs: true,
  synchronousCommit: true,
  readOnly: true,
  onRetry: true,
  onSchemaUpgrade: true,
  upgradeSchema: true,
} satisfies Record<keyof PostgresOpenOptions, true>);

type Attrs = { userAttrs?: Record<string, JsonValue>; systemAttrs?: Record<string, JsonValue> };

/** What the insert of a trial written whole returns of it: the rest is what was written. */
interface WrittenRow {
  id: number;
  number: number;
  seq: number;
}

/** A trial row as this process last wrote or read it, so the next update needs no read first. */
interface KnownTrial {
  readonly row: TrialRow;
  readonly trial: FrozenTrial;
}

/** One finish-and-start write, encoded and ready to send alone or in a group commit. */
interface FinishAndStart {
  readonly trialId: number;
  readonly known: KnownTrial;
  readonly next: FrozenTrial;
  readonly encoded: TrialRow;
  readonly values: unknown[];
  readonly startEncoded: readonly string[];
  readonly finishWriteId: string;
  readonly startWriteId: string;
}

interface QueuedFinish {
  readonly write: FinishAndStart;
  readonly resolve: (result: FinishedAndStarted) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Transient failures further apart than this belong to different outages (each gets a whole retry
 * deadline); at least three connect timeouts (10 s unless the URL sets `connect_timeout`) and far
 * longer than the longest backoff, so one outage of a silent server stays one.
 */
const OUTAGE_QUIET_MS = 30_000;

/**
 * The `lock_timeout` Sextant sets unless the URL sets one (`?lock_timeout=0` waits forever, as
 * before): a statement that waits this long for a lock another session holds (a forgotten open
 * transaction, a `LOCK TABLE`, another opener's migration) is cancelled, told through `onRetry`
 * and retried until the retry deadline, as SQLite's lock deadline does. PostgreSQL's own default
 * waits forever: workers sat silent for as long as the other session lived. Cancelled by the
 * server, the statement leaves nothing behind, and every write is safe to run again.
 */
const LOCK_WAIT_NOTICE_MS = 5_000;

/**
 * How long a statement goes unanswered before `onRetry` is told: twice the lock wait above, so a
 * lock says so first. Past the retry deadline it is given up on (see {@link PostgresStorage.query}).
 */
const SILENCE_NOTICE_MS = 2 * LOCK_WAIT_NOTICE_MS;

/**
 * The least time a statement may go unanswered before it is given up on: the retry deadline, but
 * not less than its default, so a looking command's short deadline does not cut off a long export.
 */
const LEAST_SILENCE_DEADLINE_MS = 120_000;

/** What node-postgres rejects a statement with when its `query_timeout` runs out. */
const QUERY_READ_TIMEOUT = "Query read timeout";

/** Most writes in one group commit, which keeps one statement's parameters and lock time bounded. */
const MAX_GROUP_COMMIT = 64;

const TRIAL_COLUMNS =
  "id, study_id, number, state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, started_at, finished_at, seq";
/** `columns` with each qualified by `table`, where a join makes bare names ambiguous. */
function prefixed(table: string, columns: string): string {
  return columns
    .split(", ")
    .map((column) => `${table}.${column}`)
    .join(", ");
}
/** Milliseconds since the epoch by the database's clock, so workers with skewed clocks agree. */
const NOW_MS = "(extract(epoch from now()) * 1000)::int8";
const INT8_OID = 20;
/** Arbitrary constant that, with the schema's hash, names the migration lock. */
const MIGRATION_LOCK_CLASS = 0x5e47a47;

/**
 * Storage in a PostgreSQL database, for workers on many machines.
 *
 * - Trial numbers come from one atomic statement per trial; waiting trials are claimed with
 *   `FOR UPDATE SKIP LOCKED`; every state change is compare-and-set.
 * - Each study's `seq` is bumped under its row lock, so writes commit in `seq` order and
 *   `trialsSince` never skips a late commit.
 * - Dropped connections and server restarts are retried with backoff; every write carries a
 *   client-made id, so a retried write never creates a second trial or changes a finished one.
 * - A bounded pool; reads are incremental and indexed, so their cost does not grow with the study.
 *
 * @example
 * import { PostgresStorage } from "sextant/storage/postgres";
 * const storage = await PostgresStorage.open("postgres://sextant@db.internal:5432/tuning");
 * const study = await storage.createStudy("lr-search", ["minimize"]);
 * const trial = await storage.createTrial(study.id, { state: "running" });
 * await storage.updateTrial(trial.id, { state: "complete", values: [0.12] });
 * await storage.close();
 */
export class PostgresStorage implements Storage {
  readonly url: string;
  readonly reopenUrl: string;
  readonly groupCommit = true;
  private readonly known = new Map<number, KnownTrial>();
  /** Per study with a group commit on its way: the finish-and-start writes waiting to go next. */
  private readonly groupCommits = new Map<number, QueuedFinish[]>();
  private readonly sql: ReturnType<typeof statements>;
  /** Trial figures of each study as of its seq, so a listing aggregates only studies written since. */
  private readonly summaries = new AggregateCache();
  /** Set by close(): no operation starts after it. */
  private closed = false;
  /** Set once close() has let the operations in flight finish and ends the pool. */
  private ended = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** performance.now() when an operation first found the database unreachable, until one succeeds. */
  private unreachableSince: number | null = null;
  /** performance.now() of the last transient failure. */
  private lastFailureAt = 0;
  /** Statements unanswered past SILENCE_NOTICE_MS: the first of them tells onRetry, the others not. */
  private silentStatements = 0;

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
    reopenUrl: string,
    private readonly schema: string,
    private readonly retryDeadlineMs: number,
    private readonly outageQuietMs: number,
    private readonly onRetry?: (message: string) => void,
  ) {
    this.url = url;
    this.reopenUrl = reopenUrl;
    this.sql = statements(quoteIdentifier(schema));
  }

  /**
   * Connects and brings the schema up to date (safe when many workers start at once). Throws
   * {@link StorageOpenError} naming the URL when the server cannot be reached in time, the
   * schema name is invalid, or the database was written by a newer Sextant.
   *
   * @example
   * const storage = await PostgresStorage.open("postgres://postgres@127.0.0.1:5432/test?schema=tuning");
   */
  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresStorage> {
    const { connectionString, schema: urlSchema, synchronousCommit: urlSynchronousCommit, options: urlOptions } = splitUrl(url);
    const schema = options.schema ?? urlSchema ?? "public";
    const shownUrl = redactPassword(url);
    // A misspelt option (maxconnections, readonly) ran with the default instead, silently.
    const unknown = unknownKeysMessage(options, POSTGRES_OPEN_OPTION_KEYS);
    if (unknown !== null) throw new StorageOpenError(`cannot open ${shownUrl}: ${unknown}`);
    const synchronousCommit = options.synchronousCommit ?? urlSynchronousCommit !== "off";
    if (!SCHEMA_NAME.test(schema)) {
      throw new StorageOpenError(`cannot open ${shownUrl}: schema must be letters, digits and _ (got ${JSON.stringify(schema)})`);
    }
    const maxConnections = options.maxConnections ?? 4;
    if (!Number.isInteger(maxConnections) || maxConnections < 1) {
      throw new StorageOpenError(`cannot open ${shownUrl}: maxConnections must be a positive integer (got ${String(maxConnections)})`);
    }
    useOperatingSystemUserByDefault();
    const connectTimeoutMs = connectTimeoutSeconds(url) * 1000;
    const pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      connectionTimeoutMillis: connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      allowExitOnIdle: true,
      types: { getTypeParser: typeParser },
      application_name: "sextant",
      // The URL's own options= go after Sextant's default lock_timeout, so they may change it, and
      // before Sextant's settings, so they add to them and lose where they meet: left in the URL,
      // the driver put them in place of Sextant's, and a looking command's read-only transactions
      // and ?synchronous_commit=off were silently lost. A ?lock_timeout= is a startup parameter,
      // which PostgreSQL applies after options=, so it wins too.
      options: [
        `-c lock_timeout=${LOCK_WAIT_NOTICE_MS}`,
        urlOptions,
        `-c synchronous_commit=${synchronousCommit ? "on" : "off"}`,
        options.readOnly ? "-c default_transaction_read_only=on" : undefined,
      ]
        .filter(Boolean)
        .join(" "),
    });
    // A connection that dies while idle (server restart, pg_terminate_backend) is dropped from the
    // pool and replaced on next use; without a listener the error would end the process.
    pool.on("error", () => undefined);
    // The pool listens only to idle connections. One checked out between two queries of a
    // transaction (or a server restart) that dies emits its error on the client itself, which
    // with no listener ends the process; the next query on it fails instead, and is retried.
    pool.on("connect", (client) => client.on("error", () => undefined));
    const storage = new PostgresStorage(pool, shownUrl, withSchema(url, options.schema), schema, options.retryDeadlineMs ?? 120_000, Math.max(OUTAGE_QUIET_MS, 3 * connectTimeoutMs), options.onRetry);
    try {
      await (options.readOnly ? storage.checkReadableWithoutMigrating() : storage.migrate(options.onSchemaUpgrade ?? emitSchemaUpgradeWarning, options.upgradeSchema !== false));
      return storage;
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof StorageOpenError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      // A retried operation's error names the URL already: "cannot open URL: URL: …" said it twice.
      const reason = message.startsWith(`${shownUrl}: `) ? message.slice(shownUrl.length + 2) : message;
      // The driver's own words said neither what is wrong nor how to mend it: most often a password's "@", "/" or "#".
      const mend =
        (error as { code?: string }).code === "ERR_INVALID_URL"
          ? ": percent-encode the user name and password (@ as %40, : as %3A, / as %2F, # as %23)"
          : /does not support SSL/.test(message)
            ? ": node-postgres never falls back to an unencrypted connection (not for sslmode=prefer either): use sslmode=disable, or turn SSL on in the server"
            : "";
      throw new StorageOpenError(`cannot open ${shownUrl}: ${reason}${mend}`, { cause: error });
    }
  }

  async createStudy(name: string, directions: readonly Direction[], attrs: StudyInit = {}): Promise<StudyRecord> {
    const userAttrs = { ...attrs.userAttrs };
    const systemAttrs = { ...attrs.systemAttrs };
    const writeId = newWriteId();
    return this.retrying(async () => {
      try {
        const { rows } = await this.query<{ id: number; created_at: number }>(this.sql.insertStudy, [
          name,
          JSON.stringify(directions),
          encodeJson(userAttrs),
          encodeJson(systemAttrs),
          writeId,
          attrs.createdAt ?? null,
        ]);
        return { id: rows[0]!.id, name, directions: [...directions], userAttrs, systemAttrs, createdAt: rows[0]!.created_at };
      } catch (error) {
        if (!isUniqueViolation(error, "sextant_studies_name_key")) throw error;
        // Our own first attempt may have committed before its reply was lost.
        const { rows } = await this.query<StudyRow & { write_id: string }>(this.sql.studyByName, [name]);
        if (rows[0]?.write_id === writeId) return rowToStudy(rows[0]);
        throw new DuplicateStudyError(name);
      }
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    const { rows } = await this.retrying(() => this.query<StudyRow>(this.sql.studyByName, [name]));
    return rows[0] ? rowToStudy(rows[0]) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    // The studies (with their seq) first, then the stale ones' figures: a statement issued after
    // the first one answered sees at least what it saw, as AggregateCache requires.
    const { studies, stale, aggregates } = await this.retrying(async () => {
      const studies = (await this.query<StudyRow>(this.sql.allStudies, [])).rows;
      const stale = this.summaries.stale(studies);
      const aggregates = stale.length === 0 ? [] : (await this.query<AggregateRow>(this.sql.aggregateTrials, [stale])).rows;
      return { studies, stale, aggregates };
    });
    this.summaries.store(studies, stale, aggregates);
    return studies.map((row) => summarize(rowToStudy(row), this.summaries.rows(row.id)));
  }

  async deleteStudy(name: string): Promise<boolean> {
    const result = await this.retrying(() => this.query(this.sql.deleteStudy, [name]));
    return (result.rowCount ?? 0) > 0;
  }

  async setStudyAttrs(studyId: number, attrs: Attrs): Promise<void> {
    await this.retrying(async () => {
      // Compare-and-set on the stored text: a concurrent change to the attributes makes us merge again.
      for (;;) {
        const { rows } = await this.query<StudyRow>(this.sql.studyById, [studyId]);
        const row = rows[0];
        if (!row) throw noStudy(studyId);
        const userAttrs = attrs.userAttrs ? encodeJson({ ...decodeAttrs(row.user_attrs), ...attrs.userAttrs }) : row.user_attrs;
        const systemAttrs = attrs.systemAttrs ? encodeJson({ ...decodeAttrs(row.system_attrs), ...attrs.systemAttrs }) : row.system_attrs;
        const result = await this.query(this.sql.setStudyAttrs, [studyId, userAttrs, systemAttrs, row.user_attrs, row.system_attrs]);
        if (result.rowCount === 1) return;
      }
    });
  }

  async compareAndSetStudySystemAttr(studyId: number, key: string, expected: JsonValue | undefined, value: JsonValue): Promise<boolean> {
    return this.retrying(async () => {
      // The update applies only to the text read: a concurrent change to any attribute makes us look again.
      for (;;) {
        const { rows } = await this.query<StudyRow>(this.sql.studyById, [studyId]);
        const row = rows[0];
        if (!row) throw noStudy(studyId);
        const systemAttrs = decodeAttrs(row.system_attrs);
        if (!isDeepStrictEqual(systemAttrs[key], expected)) return false;
        const result = await this.query(this.sql.setStudyAttrs, [studyId, row.user_attrs, encodeJson({ ...systemAttrs, [key]: value }), row.user_attrs, row.system_attrs]);
        if (result.rowCount === 1) return true;
      }
    });
  }

  async createTrial(studyId: number, init: TrialInit): Promise<FrozenTrial> {
    const params = { ...init.params };
    const distributions = { ...init.distributions };
    const userAttrs = { ...init.userAttrs };
    const systemAttrs = { ...init.systemAttrs };
    const encoded = [encodeJson(params), encodeJson(distributions), encodeJson(userAttrs), encodeJson(systemAttrs)] as const;
    const writeId = newWriteId();
    const row = await this.retrying(async () => {
      try {
        const { rows } = await this.query<TrialRow>(this.sql.insertTrial, [studyId, init.state, ...encoded, writeId]);
        if (!rows[0]) throw noStudy(studyId);
        return rows[0];
      } catch (error) {
        if (!isUniqueViolation(error, "sextant_trials_write_id_key")) throw error;
        // The first attempt committed but its reply was lost: that row is this trial.
        return (await this.query<TrialRow>(this.sql.trialByWriteId, [writeId])).rows[0]!;
      }
    });
    return this.created(row, { ...init, params, distributions, userAttrs, systemAttrs });
  }

  async insertFinishedTrial(studyId: number, init: FinishedTrialInit): Promise<FrozenTrial> {
    return (await this.insertTrials(studyId, [init]))[0]!;
  }

  /** One statement, hence one round trip and one commit, however many trials: their columns go as arrays. */
  async insertTrials(studyId: number, inits: readonly WholeTrialInit[]): Promise<FrozenTrial[]> {
    if (inits.length === 0) {
      if ((await this.retrying(() => this.query(this.sql.studyById, [studyId]))).rowCount === 0) throw noStudy(studyId);
      return [];
    }
    const rows = inits.map(wholeTrialColumns);
    const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((row) => row[key]);
    const writeIds = inits.map(() => newWriteId());
    const values = [
      studyId,
      column("state"),
      column("params"),
      column("distributions"),
      column("objective_values"),
      column("intermediate"),
      column("user_attrs"),
      column("system_attrs"),
      column("started_at"),
      column("finished_at"),
      writeIds,
    ];
    const written = await this.retrying(async () => {
      try {
        const { rows } = await this.query<WrittenRow>(this.sql.insertTrials, values);
        if (rows.length === 0) throw noStudy(studyId);
        return rows;
      } catch (error) {
        if (!isUniqueViolation(error, "sextant_trials_write_id_key")) throw error;
        // The first attempt committed but its reply was lost: those rows are these trials.
        return (await this.query<WrittenRow>(this.sql.trialsByWriteIds, [writeIds])).rows;
      }
    });
    written.sort((a, b) => a.number - b.number);
    return inits.map((init, i) => finishedTrial(init, written[i]!.id, written[i]!.number, written[i]!.seq));
  }

  async queueTrials(studyId: number, count: number): Promise<void> {
    if (count === 0) return;
    const writeId = newWriteId();
    await this.retrying(async () => {
      try {
        const result = await this.query(this.sql.queueTrials, [studyId, count, encodeJson({}), writeId]);
        if (result.rowCount === 0) throw noStudy(studyId);
      } catch (error) {
        // The first attempt committed but its reply was lost: those rows are this call's trials.
        if (!isUniqueViolation(error, "sextant_trials_write_id_key")) throw error;
      }
    });
  }

  /** The trial an insert made from `init`, remembered if it runs here. */
  private created(row: TrialRow, init: TrialInit): FrozenTrial {
    const trial: FrozenTrial = {
      id: row.id,
      number: row.number,
      state: init.state,
      params: init.params ?? {},
      distributions: init.distributions ?? {},
      values: null,
      intermediate: {},
      userAttrs: init.userAttrs ?? {},
      systemAttrs: init.systemAttrs ?? {},
      startedAt: row.started_at,
      finishedAt: null,
      seq: row.seq,
    };
    if (init.state === "running") this.remember({ row, trial });
    return trial;
  }

  async createTrialOnce(studyId: number, key: string, init: TrialInit): Promise<FrozenTrial | null> {
    const systemAttrs = { ...init.systemAttrs, [ONCE_KEY_ATTR]: key };
    const encoded = [encodeJson({ ...init.params }), encodeJson({ ...init.distributions }), encodeJson({ ...init.userAttrs }), encodeJson(systemAttrs)] as const;
    const writeId = newWriteId();
    const row = await this.retrying(async (attempt) => {
      // An attempt whose commit went through without a reply left this trial behind.
      if (attempt > 0) {
        const earlier = (await this.query<TrialRow>(this.sql.trialByWriteId, [writeId])).rows[0];
        if (earlier) return earlier;
      }
      return this.underStudyLock(studyId, async (client) => {
        const taken = await client.query({ name: this.sql.trialWithOnceKey.name, text: this.sql.trialWithOnceKey.text, values: [studyId, key] });
        if (taken.rowCount !== 0) return null;
        const inserted = await client.query<TrialRow>({ name: this.sql.insertTrial.name, text: this.sql.insertTrial.text, values: [studyId, init.state, ...encoded, writeId] });
        return inserted.rows[0]!;
      });
    });
    return row === null ? null : this.created(row, { state: init.state, params: { ...init.params }, distributions: { ...init.distributions }, userAttrs: { ...init.userAttrs }, systemAttrs });
  }

  async claimWaitingTrial(studyId: number, claim: TrialClaim = {}): Promise<FrozenTrial | null> {
    const writeId = newWriteId();
    const systemAttrs = encodeJson({ ...claim.systemAttrs });
    const order = claim.segmentOrder;
    const row = await this.retrying(async (attempt) => {
      if (attempt > 0) {
        // A claim whose reply was lost must not leave that trial running with nobody on it.
        const { rows } = await this.query<TrialRow>(this.sql.trialByWriteId, [writeId]);
        if (rows[0]) return rows[0];
      }
      const values = [studyId, writeId, systemAttrs, claim.among ?? null];
      if (order) {
        // Nothing waiting is answered in one statement without the lock, as claim_waiting does: a
        // trial queued after this read is one queued after the claim.
        const probe = (await this.query<{ study_exists: boolean; waiting: boolean }>(this.sql.waitingExists, [studyId, claim.among ?? null])).rows[0]!;
        if (!probe.study_exists) throw noStudy(studyId);
        if (!probe.waiting) return null;
      }
      // The order is checked once no trial of the study can be written meanwhile (see underStudyLock).
      const { rows } = order
        ? await this.underStudyLock(studyId, (client) =>
            client.query<TrialRow & { study_exists: boolean }>({ ...this.sql.claimWaitingInSegmentOrder, values: [...values, order.member, order.segment, order.undecided] }),
          )
        : await this.query<TrialRow & { study_exists: boolean }>(this.sql.claimWaiting, values);
      if (!rows[0]!.study_exists) throw noStudy(studyId);
      return rows[0]!.id === null ? null : rows[0]!;
    });
    if (!row) return null;
    const trial = rowToTrial(row);
    this.remember({ row, trial });
    return trial;
  }

  /**
   * Runs `body` in a transaction that first locks the study's row. Every trial write of the study
   * takes that lock (the seq bump), so holding it orders `body` after every write that committed
   * first and before any that follows; under READ COMMITTED each statement of `body`, whose
   * snapshot is taken after the lock, sees them (a peer's retry that committed while this waited).
   */
  private async underStudyLock<T>(studyId: number, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const study = await client.query({ name: this.sql.lockStudy.name, text: this.sql.lockStudy.text, values: [studyId] });
      if (study.rowCount === 0) throw noStudy(studyId);
      const result = await body(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Claims or creates the next trial and reads the study's changes, all in one statement: a
   * worker's ask costs one round trip instead of three. With `sinceSeq` null the statement reads
   * no changes at all.
   */
  async startNextTrial(studyId: number, init: Omit<TrialInit, "state">, sinceSeq: number | null): Promise<StartedTrial> {
    const encoded = [encodeJson({ ...init.params }), encodeJson({ ...init.distributions }), encodeJson({ ...init.userAttrs }), encodeJson({ ...init.systemAttrs })];
    const writeId = newWriteId();
    return this.retrying(async (attempt) => {
      if (attempt > 0) {
        // An earlier attempt may have committed without a reply: that trial is ours, not a new one.
        const { rows } = await this.query<TrialRow>(this.sql.trialByWriteId, [writeId]);
        if (rows[0]) {
          const trial = rowToTrial(rows[0]);
          this.remember({ row: rows[0], trial });
          return { trial, changes: sinceSeq === null ? null : await this.trialsSince(studyId, sinceSeq) };
        }
      }
      const { rows } = await this.query<TrialRow & { study_seq: number; started: boolean }>(
        sinceSeq === null ? this.sql.startNextTrialOnly : this.sql.startNextTrial,
        sinceSeq === null ? [studyId, writeId, ...encoded] : [studyId, writeId, ...encoded, Math.max(0, sinceSeq)],
      );
      if (rows.length === 0) throw noStudy(studyId);
      let started: KnownTrial | undefined;
      const changed: FrozenTrial[] = [];
      for (const row of rows) {
        if (row.started) started = { row, trial: rowToTrial(row) };
        else changed.push(rowToTrial(row));
      }
      this.remember(started!);
      return { trial: started!.trial, changes: sinceSeq === null ? null : { trials: changed, seq: rows[0]!.study_seq } };
    });
  }

  async updateTrial(trialId: number, patch: TrialPatch): Promise<FrozenTrial> {
    const writeId = newWriteId();
    return this.retrying(async () => {
      let known = this.known.get(trialId) ?? (await this.readKnown(trialId));
      for (;;) {
        const { next, encoded, values } = patchedRow(known, patch);
        const { rows } = await this.query<{ seq: number; finished_at: number | null }>(this.sql.updateTrial, [
          known.row.study_id,
          trialId,
          known.row.seq,
          writeId,
          ...values,
        ]);
        if (rows[0]) {
          const { seq, finished_at } = rows[0];
          const written: FrozenTrial = { ...next, seq, finishedAt: finished_at };
          this.remember({ row: { ...encoded, seq, finished_at }, trial: written });
          return written;
        }
        // Someone else changed the trial since we saw it (or our own reply was lost): look again.
        const fresh = (await this.query<TrialRow & { write_id: string }>(this.sql.trialById, [trialId])).rows[0];
        if (!fresh) {
          this.known.delete(trialId);
          throw new TrialNotFoundError(trialId);
        }
        known = { row: fresh, trial: rowToTrial(fresh) };
        if (fresh.write_id === writeId) {
          this.remember(known);
          return known.trial;
        }
      }
    });
  }

  /**
   * Finishes a trial and starts the next in one statement: a worker that goes on pays one round
   * trip and one commit per trial instead of two. The finish is the compare-and-set of
   * {@link updateTrial} against the version of the trial this process last wrote; when it does not
   * apply, `finished` is null and the next trial is started all the same.
   *
   * Group commit: calls without `sinceSeq` that arrive while an earlier one for the same study is
   * still on its way to the server wait for it, then go together in one statement (one round
   * trip, one commit, one bump of the study row). Each call still resolves only once its own
   * finish has committed; a call made when nothing is in flight is sent at once.
   */
  async finishAndStartNext(
    trialId: number,
    patch: TrialPatch & { state: NonNullable<TrialPatch["state"]> },
    init: Omit<TrialInit, "state">,
    sinceSeq: number | null,
  ): Promise<FinishedAndStarted> {
    const known = this.known.get(trialId) ?? (await this.retrying(() => this.readKnown(trialId)));
    // Throws TrialNotRunningError / ParamConflictError before anything is written.
    const { next, encoded, values } = patchedRow(known, patch);
    const write: FinishAndStart = {
      trialId,
      known,
      next,
      encoded,
      values,
      startEncoded: [encodeJson({ ...init.params }), encodeJson({ ...init.distributions }), encodeJson({ ...init.userAttrs }), encodeJson({ ...init.systemAttrs })],
      finishWriteId: newWriteId(),
      startWriteId: newWriteId(),
    };
    if (sinceSeq !== null) return this.finishAndStartOne(write, sinceSeq);
    return new Promise<FinishedAndStarted>((resolve, reject) => {
      const studyId = known.row.study_id;
      const queue = this.groupCommits.get(studyId);
      if (queue) {
        queue.push({ write, resolve, reject });
        return;
      }
      this.groupCommits.set(studyId, []);
      void this.sendGroupCommits(studyId, [{ write, resolve, reject }]);
    });
  }

  /** Sends `first`, then everything that queued for the study meanwhile, until its queue is empty. */
  private async sendGroupCommits(studyId: number, first: QueuedFinish[]): Promise<void> {
    let batch = first;
    while (batch.length > 0) {
      try {
        const results = batch.length === 1 ? [await this.finishAndStartOne(batch[0]!.write, null)] : await this.finishAndStartMany(studyId, batch.map((q) => q.write));
        batch.forEach((q, i) => q.resolve(results[i]!));
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
      const queue = this.groupCommits.get(studyId)!;
      batch = queue.splice(0, MAX_GROUP_COMMIT);
    }
    this.groupCommits.delete(studyId);
  }

  private async finishAndStartOne(write: FinishAndStart, sinceSeq: number | null): Promise<FinishedAndStarted> {
    const { trialId, known, next, encoded, values, startEncoded, finishWriteId, startWriteId } = write;
    const studyId = known.row.study_id;
    return this.retrying(async (attempt) => {
      if (attempt > 0) {
        // The statement is one transaction: if its start committed, so did its finish (if it applied).
        const { rows } = await this.query<TrialRow>(this.sql.trialByWriteId, [startWriteId]);
        if (rows[0]) {
          const trial = rowToTrial(rows[0]);
          this.remember({ row: rows[0], trial });
          const current = (await this.query<TrialRow & { write_id: string }>(this.sql.trialById, [trialId])).rows[0];
          const finished = current?.write_id === finishWriteId ? rowToTrial(current) : null;
          if (finished) this.remember({ row: current!, trial: finished });
          return { finished, started: { trial, changes: sinceSeq === null ? null : await this.trialsSince(studyId, sinceSeq) } };
        }
      }
      const head = [studyId, trialId, known.row.seq, finishWriteId, ...values, startWriteId, ...startEncoded];
      const { rows } = await this.query<TrialRow & { study_seq: number; started: boolean; finished_seq: number | null; finished_at_ms: number | null }>(
        sinceSeq === null ? this.sql.finishAndStartNextOnly : this.sql.finishAndStartNext,
        sinceSeq === null ? head : [...head, Math.max(0, sinceSeq)],
      );
      if (rows.length === 0) throw noStudy(studyId);
      let started: KnownTrial | undefined;
      const changed: FrozenTrial[] = [];
      for (const row of rows) {
        if (row.started) started = { row, trial: rowToTrial(row) };
        else if (row.id !== trialId) changed.push(rowToTrial(row));
      }
      this.remember(started!);
      const { finished_seq: seq, finished_at_ms: finishedAt } = rows[0]!;
      let finished: FrozenTrial | null = null;
      if (seq !== null) {
        finished = { ...next, seq, finishedAt };
        this.remember({ row: { ...encoded, seq, finished_at: finishedAt }, trial: finished });
      }
      const changes = sinceSeq === null ? null : { trials: changed, seq: rows[0]!.study_seq };
      return { finished, started: { trial: started!.trial, changes } };
    });
  }

  /**
   * Several finish-and-start writes of one study in one statement: the finishes take the first
   * seq values in the order given, the starts the ones after, so they commit in that order as
   * separate writes would. Answers in the order of `writes`.
   */
  private async finishAndStartMany(studyId: number, writes: readonly FinishAndStart[]): Promise<FinishedAndStarted[]> {
    const column = (index: number) => writes.map((w) => w.values[index]);
    return this.retrying(async (attempt) => {
      let finishedRows: (TrialRow & { write_id: string })[] = [];
      let startedRows: (TrialRow & { write_id: string })[] = [];
      const committed = attempt > 0 && (await this.query<TrialRow & { write_id: string }>(this.sql.trialsByWriteIds, [writes.map((w) => w.startWriteId)])).rows;
      if (committed && committed.length > 0) {
        // One transaction: its starts are there, so its finishes (those whose compare-and-set applied) are too.
        startedRows = committed;
        finishedRows = (await this.query<TrialRow & { write_id: string }>(this.sql.trialsByWriteIds, [writes.map((w) => w.finishWriteId)])).rows;
      } else {
        const { rows } = await this.query<TrialRow & { write_id: string; started: boolean }>(this.sql.finishAndStartMany, [
          studyId,
          writes.map((w) => w.trialId),
          writes.map((w) => w.known.row.seq),
          writes.map((w) => w.finishWriteId),
          ...[0, 1, 2, 3, 4, 5, 6].map(column),
          writes.map((w) => w.startWriteId),
          ...[0, 1, 2, 3].map((index) => writes.map((w) => w.startEncoded[index])),
        ]);
        if (rows.length === 0) throw noStudy(studyId);
        for (const row of rows) (row.started ? startedRows : finishedRows).push(row);
      }
      const startedBy = new Map(startedRows.map((row) => [row.write_id, row]));
      const finishedBy = new Map(finishedRows.map((row) => [row.write_id, row]));
      return writes.map((w) => {
        const startedRow = startedBy.get(w.startWriteId)!;
        const started = { row: startedRow, trial: rowToTrial(startedRow) };
        this.remember(started);
        const finishedRow = finishedBy.get(w.finishWriteId);
        let finished: FrozenTrial | null = null;
        if (finishedRow) {
          finished = { ...w.next, seq: finishedRow.seq, finishedAt: finishedRow.finished_at };
          this.remember({ row: { ...w.encoded, seq: finishedRow.seq, finished_at: finishedRow.finished_at }, trial: finished });
        }
        return { finished, started: { trial: started.trial, changes: null } };
      });
    });
  }

  async releaseTrial(trialId: number): Promise<boolean> {
    const result = await this.retrying(() => this.query(this.sql.releaseTrial, [trialId]));
    this.known.delete(trialId);
    return result.rowCount === 1;
  }

  async trialsSince(studyId: number, seq: number): Promise<TrialChanges> {
    // One statement, one snapshot: the returned seq and the rows agree.
    const { rows } = await this.retrying(() =>
      this.query<TrialRow & { study_seq: number }>(seq <= 0 ? this.sql.allTrials : this.sql.trialsSince, seq <= 0 ? [studyId] : [studyId, seq]),
    );
    if (rows.length === 0) throw noStudy(studyId);
    const trials = rows[0]!.id === null ? [] : rows.map(rowToTrial);
    return { trials, seq: rows[0]!.study_seq };
  }

  async findTrials(studyId: number, query: TrialQuery): Promise<FrozenTrial[]> {
    checkTrialQuery(query);
    const values: unknown[] = [studyId];
    if (query.states !== undefined) values.push(query.states);
    if (query.withSystemAttr !== undefined) values.push(query.withSystemAttr);
    if (query.numbers !== undefined) values.push(query.numbers);
    if (query.afterNumber !== undefined) values.push(query.afterNumber);
    if (query.limit !== undefined) values.push(query.limit);
    const statement = trialQueryStatement(quoteIdentifier(this.schema), query);
    const { rows } = await this.retrying(() => this.query<TrialRow & { study_exists: boolean }>(statement, values));
    if (!rows[0]!.study_exists) throw noStudy(studyId);
    return rows[0]!.id === null ? [] : rows.map(rowToTrial);
  }

  async getTrial(trialId: number): Promise<FrozenTrial | null> {
    const { rows } = await this.retrying(() => this.query<TrialRow>(this.sql.trialById, [trialId]));
    return rows[0] ? rowToTrial(rows[0]) : null;
  }

  async recordHeartbeat(trialIds: readonly number[]): Promise<void> {
    checkTrialIds(trialIds);
    if (trialIds.length === 0) return;
    await this.retrying(() => this.query(this.sql.recordHeartbeat, [trialIds]));
  }

  async staleTrials(studyId: number, graceMs: number): Promise<FrozenTrial[]> {
    checkGraceMs(graceMs);
    const { rows } = await this.retrying(() => this.query<TrialRow & { study_exists: boolean }>(this.sql.staleTrials, [studyId, Math.floor(graceMs)]));
    if (!rows[0]!.study_exists) throw noStudy(studyId);
    return rows[0]!.id === null ? [] : rows.map(rowToTrial);
  }

  async heartbeatSilenceMs(trialId: number): Promise<number | null> {
    const { rows } = await this.retrying(() => this.query<{ silence: string }>(this.sql.heartbeatSilence, [trialId]));
    return rows[0] ? Math.max(0, Number(rows[0].silence)) : null;
  }

  /** Closes the pool; later calls are no-ops. */
  /**
   * Refuses new operations, lets those already started finish (they stop retrying an outage), then
   * ends the pool. Ending it under them left asks waiting for a connection that never came: they
   * neither settled nor said the storage was closed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.known.clear();
    await Promise.allSettled([...this.inFlight]);
    this.ended = true;
    await this.pool.end();
  }

  /** Keeps a running trial's row for its next update; forgets it once finished. */
  private remember(known: KnownTrial): void {
    if (known.trial.state === "running") this.known.set(known.trial.id, known);
    else this.known.delete(known.trial.id);
  }

  private async readKnown(trialId: number): Promise<KnownTrial> {
    const { rows } = await this.query<TrialRow>(this.sql.trialById, [trialId]);
    if (!rows[0]) throw new TrialNotFoundError(trialId);
    return { row: rows[0], trial: rowToTrial(rows[0]) };
  }

  /**
   * Runs one statement. A server that stops answering mid-statement (hung, or a network that drops
   * packets without a reset) kept it waiting forever in silence: `onRetry` hears after
   * SILENCE_NOTICE_MS, and node-postgres gives it up (closing its connection) at the retry deadline
   * (LEAST_SILENCE_DEADLINE_MS at least).
   */
  private async query<R extends pg.QueryResultRow>(statement: { name: string; text: string }, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.ended) throw new StorageError(`${this.url} is closed`);
    const deadlineMs = Math.max(this.retryDeadlineMs, LEAST_SILENCE_DEADLINE_MS);
    let told = false;
    const timer = setTimeout(() => {
      told = true;
      if (this.silentStatements++ > 0) return;
      this.onRetry?.(
        `${this.url}: no answer to a statement for ${SILENCE_NOTICE_MS / 1000} s (a server that stopped answering, a lost network, or a lock another session holds: ` +
          `pg_stat_activity shows which); waiting up to ${Math.round(deadlineMs / 1000)} s`,
      );
    }, SILENCE_NOTICE_MS);
    timer.unref();
    try {
      return await this.pool.query<R>({ name: statement.name, text: statement.text, values, query_timeout: deadlineMs } as pg.QueryConfig);
    } catch (error) {
      if (error instanceof Error && error.message === QUERY_READ_TIMEOUT) {
        throw new StorageError(
          `${this.url}: no answer from the database for more than ${Math.round(deadlineMs / 1000)} s: is the server hung, or the network to it down? ` +
            "(a statement waiting for a lock another session holds shows in pg_stat_activity)",
          { cause: error },
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      if (told) this.silentStatements--;
    }
  }

  /**
   * Runs `operation`, retrying it with backoff while the server is unreachable, restarting or has
   * dropped the connection, until the retry deadline. `operation` receives the attempt number so a
   * write can look for its own earlier attempt, which may have committed without a reply.
   */
  private retrying<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError(`${this.url} is closed`));
    const running = this.retryingNow(operation);
    this.inFlight.add(running);
    const forget = (): void => void this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  private async retryingNow<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await operation(attempt);
        this.unreachableSince = null;
        return result;
      } catch (error) {
        if (!isTransient(error) || this.closed) throw refusalError(this.url, error) ?? error;
        // The deadline counts from when the database was first found unreachable, not from each
        // operation's start: one after another, each call waited its own two minutes, and tune
        // gave up after six while saying "up to 120 s".
        // A call's first failure after a quiet spell (an outage given up on long ago, a pooled
        // connection that died meanwhile) starts a new outage with a whole deadline. Only its
        // first: a server that stops answering makes each attempt wait out the connect timeout,
        // and judged per attempt, every attempt began a new outage and the call never gave up.
        const now = performance.now();
        // Told once per outage, not per call: a burst of dropped connections told each of a
        // worker's calls under way, 20 to 30 lines at once.
        if (this.unreachableSince === null || (attempt === 0 && now - this.lastFailureAt > this.outageQuietMs)) {
          this.unreachableSince = now;
          const waiting = isLockTimeout(error) ? "waiting for a lock another session holds on Sextant's tables (pg_locks and pg_stat_activity show which): " : "";
          this.onRetry?.(`${this.url}: ${waiting}${errorText(error)}; retrying for up to ${Math.round(this.retryDeadlineMs / 1000)} s`);
        }
        this.lastFailureAt = now;
        if (performance.now() >= this.unreachableSince + this.retryDeadlineMs) throw this.gaveUpError(error);
        await sleep(backoffMs(attempt));
      }
    }
  }

  /** Why a retried operation gave up at the deadline: the server unreachable, or (with the user's remedy) still refusing. */
  private gaveUpError(error: unknown): StorageError {
    const seconds = Math.round(this.retryDeadlineMs / 1000);
    if (isLockTimeout(error)) {
      return new StorageError(
        `${this.url}: another session held a lock on Sextant's tables for more than ${seconds} s (${errorText(error)}, SQLSTATE 55P03): ` +
          "end that session (pg_locks and pg_stat_activity show which) or wait for it to finish, then run again",
        { cause: error },
      );
    }
    const refusal = refusalError(this.url, error);
    const message = refusal
      ? `${this.url}: the database kept refusing for more than ${seconds} s: ${refusal.message.slice(this.url.length + 2)}`
      : `${this.url}: the database stayed unreachable for more than ${seconds} s (${errorText(error)})`;
    return new StorageError(message, { cause: error });
  }

  /** Applies missing migrations under an advisory lock, then ensures the indexes; the common case (up to date) takes no lock. */
  private async migrate(onSchemaUpgrade: SchemaUpgradeListener, upgrade: boolean): Promise<void> {
    await this.migrateSchema(onSchemaUpgrade, upgrade);
    await this.ensureIndexes();
  }

  private async migrateSchema(onSchemaUpgrade: SchemaUpgradeListener, upgrade: boolean): Promise<void> {
    const current = await this.retrying(() => this.schemaVersion(this.pool));
    if (current === POSTGRES_SCHEMA_VERSION) return;
    checkVersion(current);
    if (!upgrade && current > 0) {
      throw new StorageUpgradeRefusedError(schemaUpgradeRefusal(this.url, current, POSTGRES_SCHEMA_VERSION, migrationsSince(current)));
    }
    const from = await this.retrying(async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK_CLASS, this.schema]);
        // Re-read under the lock: whoever migrated while we waited leaves nothing to do.
        const version = await this.schemaVersion(client);
        checkVersion(version);
        const schema = quoteIdentifier(this.schema);
        // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even for a
        // schema that exists, which refused a role allowed to create tables in its own schema.
        const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [this.schema]);
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${schema}.sextant_schema_version (
             version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
        );
        for (const migration of POSTGRES_MIGRATIONS) {
          if (migration.version <= version) continue;
          await client.query(migration.sql(schema));
          await client.query(`INSERT INTO ${schema}.sextant_schema_version (version, description) VALUES ($1, $2)`, [
            migration.version,
            migration.description,
          ]);
        }
        await client.query("COMMIT");
        return version;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
    // Version 0 is a new schema; another opener may have migrated it while this one waited.
    if (from > 0 && from < POSTGRES_SCHEMA_VERSION) {
      onSchemaUpgrade(schemaUpgradeMessage(this.url, from, POSTGRES_SCHEMA_VERSION, migrationsSince(from)));
    }
  }

  /**
   * Makes the ensured indexes (see {@link POSTGRES_ENSURED_INDEXES}) the schema lacks. Looked for
   * first, so that once they exist opening takes no lock; each is made under the migration lock,
   * so openers arriving together build it once and the others find it made.
   */
  private async ensureIndexes(): Promise<void> {
    const missing = await this.retrying(() => this.missingEnsuredIndexes(this.pool));
    for (const index of missing) {
      await this.retrying(async () => {
        const client = await this.pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK_CLASS, this.schema]);
          if ((await this.missingEnsuredIndexes(client)).includes(index)) await client.query(index.sql(quoteIdentifier(this.schema)));
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          // Made meanwhile by an opener that took no lock: what was wanted.
          if (isUniqueViolation(error, "pg_class_relname_nsp_index")) return;
          // Neither refuses the open: the queries are correct without the index, as before there was
          // one. Only a table's owner may index it (42501), so a role granted just reads and writes
          // goes without; and a row whose text is not JSON (class 22: edited by hand, since Sextant
          // writes none) fails the build, as it fails the queries that read it.
          const code = (error as { code?: string }).code;
          if (code === "42501" || code?.startsWith("22")) return;
          throw error;
        } finally {
          client.release();
        }
      });
    }
  }

  private async missingEnsuredIndexes(queryable: pg.Pool | pg.PoolClient): Promise<readonly PostgresEnsuredIndex[]> {
    // A catalog query, not to_regclass, for the reason schemaVersion gives.
    const { rows } = await queryable.query<{ indexname: string }>(
      "SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = $1 AND indexname = ANY($2::text[])",
      [this.schema, POSTGRES_ENSURED_INDEXES.map((index) => index.name)],
    );
    const present = new Set(rows.map((row) => row.indexname));
    return POSTGRES_ENSURED_INDEXES.filter((index) => !present.has(index.name));
  }

  private async checkReadableWithoutMigrating(): Promise<void> {
    const version = await this.retrying(() => this.schemaVersion(this.pool));
    checkVersion(version);
    if (version === 0) throw new StorageEmptyError(`${this.url}: schema "${this.schema}" holds no Sextant tables (no studies); nothing to read`);
    if (version < POSTGRES_OLDEST_READABLE_VERSION) {
      throw new PostgresSchemaError(
        `the database has schema version ${version} and this version of Sextant reads version ${POSTGRES_SCHEMA_VERSION}; ` +
          `reading commands never migrate: run a writing command on it (e.g. sextant tune or worker) to migrate it`,
      );
    }
  }

  private async schemaVersion(queryable: pg.Pool | pg.PoolClient): Promise<number> {
    // Not to_regclass: it answers from the session's catalog cache, which can still say "no such
    // schema" after another opener created it; a catalog query reads with this statement's snapshot.
    const { rows } = await queryable.query<{ exists: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'sextant_schema_version') AS exists",
      [this.schema],
    );
    if (!rows[0]!.exists) return 0;
    const version = await queryable.query<{ version: number | null }>(
      `SELECT MAX(version) AS version FROM ${quoteIdentifier(this.schema)}.sextant_schema_version`,
    );
    return version.rows[0]!.version ?? 0;
  }
}

function checkVersion(version: number): void {
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw new PostgresSchemaError(
      `the database has schema version ${version}, newer than this version of Sextant understands (${POSTGRES_SCHEMA_VERSION}); upgrade Sextant to open it`,
    );
  }
}

/**
 * Every statement, named so that each connection parses and plans it once. Trial writes lock the
 * study row first (the `seq` bump), which orders them per study.
 */
function statements(schema: string) {
  const studies = `${schema}.sextant_studies`;
  const trials = `${schema}.sextant_trials`;
  // Statement names are per connection; the schema is part of them because one process may open several.
  const named = (name: string, text: string) => ({ name: `sextant_${name}_${schema.replace(/\W/g, "")}`, text });
  /**
   * A claimed trial's system_attrs with the claimer's (JSON object text) added after its own.
   * Readers keep the last of repeated keys (JSON.parse, jsonb), so an added key replaces one the
   * trial had until the next write of the column encodes the object afresh. Text, not jsonb: the
   * cast to jsonb fails on an attribute holding \u0000, which the column may store.
   */
  const withClaimAttrs = (added: string) =>
    `CASE WHEN ${added}::text = '{}' THEN t.system_attrs WHEN t.system_attrs = '{}' THEN ${added}::text
       ELSE left(t.system_attrs, -1) || ',' || substr(${added}::text, 2) END`;
  /**
   * The study row locked before any trial row: every writer that bumps the study's seq takes its
   * row first and its trials after (update_trial), so a claimer must too. Claiming a trial row
   * first deadlocked fleets (5 per 3,000 trials with 8 workers): FOR UPDATE SKIP LOCKED locks the
   * newest version of a row another claimer has just made running before rechecking it, and that
   * trial's owner, finishing it, held the study row and waited for it.
   */
  const STUDY_LOCK_FIRST = `lk AS (SELECT id FROM ${studies} WHERE id = $1 FOR UPDATE),`;
  /**
   * claim_waiting with `condition` (SQL on the candidate row `w`) added to what a candidate must
   * meet: the oldest waiting trial ($4: among these numbers, or any) with the claimer's write id
   * ($2) and attributes ($3). The outer join always yields one row, which says whether the study exists.
   */
  const claimWaiting = (condition: string) =>
    `WITH lk AS (
       SELECT id FROM ${studies} WHERE id = $1 AND EXISTS (SELECT 1 FROM ${trials} WHERE study_id = $1 AND state = 'waiting') FOR UPDATE
     ), c AS (
       SELECT w.id FROM ${trials} w WHERE w.study_id = (SELECT id FROM lk) AND w.state = 'waiting' AND ($4::int[] IS NULL OR w.number = ANY($4::int[])) ${condition}
       ORDER BY w.number LIMIT 1 FOR UPDATE SKIP LOCKED
     ), s AS (
       UPDATE ${studies} SET seq = seq + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM c) RETURNING seq
     ), claimed AS (
       UPDATE ${trials} t SET state = 'running', started_at = ${NOW_MS}, heartbeat_at = ${NOW_MS}, seq = s.seq, write_id = $2,
         system_attrs = ${withClaimAttrs("$3")}
       FROM c, s WHERE t.id = c.id
       RETURNING t.id, t.study_id, t.number, t.state, t.params, t.distributions, t.objective_values, t.intermediate,
                 t.user_attrs, t.system_attrs, t.started_at, t.finished_at, t.seq
     )
     SELECT EXISTS (SELECT 1 FROM ${studies} WHERE id = $1) AS study_exists, claimed.* FROM (SELECT 1) AS one LEFT JOIN claimed ON true`;
  /** The system attributes of the trials row `table` as jsonb. */
  const attrs = (table: string) => systemAttrsJsonb(`${table}.system_attrs`);
  /** Whether the attribute named by the parameter `key` of the trials row `table` is a number. */
  const isNumber = (table: string, key: string) => `jsonb_typeof(${attrs(table)} -> ${key}::text) = 'number'`;
  /**
   * Whether a trial in `state` of another member at a lower segment holds the candidate `w` back
   * (claim_waiting_in_segment_order); `state` is a literal so the state's partial index serves it.
   */
  const heldBy = (state: "waiting" | "running") =>
    `EXISTS (
       SELECT 1 FROM ${trials} p WHERE p.study_id = $1 AND p.state = '${state}' AND ${isNumber("p", "$5")} AND ${isNumber("p", "$6")}
         AND (${attrs("p")} -> $5::text) <> (${attrs("w")} -> $5::text) AND (${attrs("p")} -> $6::text) < (${attrs("w")} -> $6::text))`;
  /**
   * Claims the study's oldest waiting trial, else inserts a running one from the `init` columns,
   * and reads the changes after `since`, in one statement; `finish` (a CTE named `finished` that
   * takes the first of the `seqStep` seq values, `s.seq - 1`) finishes a trial in the same write.
   * The final SELECT reads the statement's snapshot, taken before the writes in the CTEs (and
   * before any wait for the study row's lock): its study seq and changed rows agree as
   * trials_since's do, and the started trial, written after, comes back from its CTE.
   */
  const startNext = (p: { seqStep: 1 | 2; since: string | null; writeId: string; init: readonly string[]; finish?: string }) =>
    `WITH ${STUDY_LOCK_FIRST} c AS (
       SELECT id FROM ${trials} WHERE study_id = (SELECT id FROM lk) AND state = 'waiting' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED
     ), s AS (
       UPDATE ${studies} SET seq = seq + ${p.seqStep}, trial_count = trial_count + CASE WHEN EXISTS (SELECT 1 FROM c) THEN 0 ELSE 1 END
       WHERE id = $1 RETURNING seq, trial_count - 1 AS number
     ),${p.finish ? ` ${p.finish},` : ""} claimed AS (
       UPDATE ${trials} t SET state = 'running', started_at = ${NOW_MS}, heartbeat_at = ${NOW_MS}, seq = s.seq, write_id = ${p.writeId},
         system_attrs = ${withClaimAttrs(p.init[3]!)}
       FROM c, s WHERE t.id = c.id
       RETURNING ${prefixed("t", TRIAL_COLUMNS)}
     ), inserted AS (
       INSERT INTO ${trials} (study_id, number, state, params, distributions, user_attrs, system_attrs, started_at, heartbeat_at, seq, write_id)
       SELECT $1, s.number, 'running', ${p.init.join(", ")}, ${NOW_MS}, ${NOW_MS}, s.seq, ${p.writeId} FROM s WHERE NOT EXISTS (SELECT 1 FROM c)
       RETURNING ${TRIAL_COLUMNS}
     )
     SELECT snapshot.seq AS study_seq${p.finish ? ", (SELECT seq FROM finished) AS finished_seq, (SELECT finished_at FROM finished) AS finished_at_ms" : ""}, x.*
     FROM (SELECT seq FROM ${studies} WHERE id = $1) AS snapshot LEFT JOIN (
       SELECT true AS started, * FROM claimed
       UNION ALL SELECT true, * FROM inserted${p.since === null ? "" : `
       UNION ALL SELECT false, ${TRIAL_COLUMNS} FROM ${trials} WHERE study_id = $1 AND seq > ${p.since}`}
     ) AS x ON true
     ORDER BY x.number`;
  const finishAndStartNext = (since: string | null) =>
    startNext({
      seqStep: 2,
      since,
      writeId: "$12",
      init: ["$13", "$14", "$15", "$16"],
      finish: `finished AS (
         UPDATE ${trials} t SET state = $5::text, params = $6, distributions = $7, objective_values = $8, intermediate = $9,
           user_attrs = $10, system_attrs = $11, finished_at = ${NOW_MS}, seq = s.seq - 1, write_id = $4
         FROM s WHERE t.id = $2 AND t.state = 'running' AND t.seq = $3
         RETURNING t.seq, t.finished_at
       )`,
    });
  return {
    insertStudy: named(
      "insert_study",
      `INSERT INTO ${studies} (name, directions, user_attrs, system_attrs, created_at, write_id)
       VALUES ($1, $2, $3, $4, COALESCE($6::int8, ${NOW_MS}), $5) RETURNING id, created_at`,
    ),
    studyByName: named("study_by_name", `SELECT * FROM ${studies} WHERE name = $1`),
    studyById: named("study_by_id", `SELECT * FROM ${studies} WHERE id = $1`),
    allStudies: named("all_studies", `SELECT * FROM ${studies} ORDER BY id`),
    deleteStudy: named("delete_study", `DELETE FROM ${studies} WHERE name = $1`),
    setStudyAttrs: named(
      "set_study_attrs",
      `UPDATE ${studies} SET user_attrs = $2, system_attrs = $3 WHERE id = $1 AND user_attrs = $4 AND system_attrs = $5`,
    ),
    insertTrial: named(
      "insert_trial",
      `WITH s AS (
         UPDATE ${studies} SET seq = seq + 1, trial_count = trial_count + 1 WHERE id = $1 RETURNING seq, trial_count - 1 AS number
       )
       INSERT INTO ${trials} (study_id, number, state, params, distributions, user_attrs, system_attrs, started_at, heartbeat_at, seq, write_id)
       SELECT $1, s.number, $2::text, $3, $4, $5, $6,
              CASE WHEN $2::text = 'running' THEN ${NOW_MS} END, CASE WHEN $2::text = 'running' THEN ${NOW_MS} END, s.seq, $7
       FROM s
       RETURNING ${TRIAL_COLUMNS}`,
    ),
    // Trials written whole, numbered after the study's last in the order of the arrays, in one
    // statement (so all or none). Each row has its own write id, by which a retry finds them all.
    insertTrials: named(
      "insert_trials",
      `WITH s AS (
         UPDATE ${studies} SET seq = seq + cardinality($2::text[]), trial_count = trial_count + cardinality($2::text[]) WHERE id = $1
         RETURNING seq - cardinality($2::text[]) AS seq0, trial_count - cardinality($2::text[]) AS number0
       )
       INSERT INTO ${trials} (study_id, number, state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, started_at, finished_at, seq, write_id)
       SELECT $1, s.number0 + t.i - 1, t.state, t.params, t.distributions, t.objective_values, t.intermediate, t.user_attrs, t.system_attrs, t.started_at, t.finished_at,
              s.seq0 + t.i, t.write_id
       FROM s, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::int8[], $11::uuid[])
         WITH ORDINALITY AS t(state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, started_at, finished_at, write_id, i)
       RETURNING id, number, seq`,
    ),
    // Empty waiting trials numbered after the study's last, in one statement (so all or none).
    // Each row's write id is derived from the call's ($4 for the first): a retry whose first
    // attempt committed hits the unique key on its first row.
    queueTrials: named(
      "queue_trials",
      `WITH s AS (
         UPDATE ${studies} SET seq = seq + $2::bigint, trial_count = trial_count + $2::bigint WHERE id = $1
         RETURNING seq - $2::bigint AS seq0, trial_count - $2::bigint AS number0
       )
       INSERT INTO ${trials} (study_id, number, state, params, distributions, user_attrs, system_attrs, seq, write_id)
       SELECT $1, s.number0 + g, 'waiting', $3, $3, $3, $3, s.seq0 + g + 1,
              CASE WHEN g = 0 THEN $4::uuid ELSE md5($4::text || ':' || g::text)::uuid END
       FROM s, generate_series(0, $2::bigint - 1) AS g`,
    ),
    // SKIP LOCKED: concurrent claimers pass over a trial another one is taking instead of queueing
    // behind it. The study row is locked (STUDY_LOCK_FIRST) and bumped only when there is a trial
    // to claim, so an ask with nothing enqueued costs two index probes and takes no lock. The outer join always yields one
    // row, which says whether the study exists.
    claimWaiting: named("claim_waiting", claimWaiting("")),
    // TrialClaim.segmentOrder ($5 member, $6 segment, $7 undecided: the attributes' keys): an
    // undecided candidate is passed over while another member's trial at a lower segment waits or
    // runs. Run after lock_study in the same transaction (claimInSegmentOrder), so its snapshot
    // holds every trial queued before. One EXISTS per state: `state IN ('waiting', 'running')`
    // matches neither partial index, and scanned the whole study per candidate (0.4 s at 100k trials).
    claimWaitingInSegmentOrder: named(
      "claim_waiting_in_segment_order",
      claimWaiting(
        `AND NOT ((${attrs("w")} -> $7::text) = 'true'::jsonb AND ${isNumber("w", "$5")} AND ${isNumber("w", "$6")} AND (${heldBy("waiting")} OR ${heldBy("running")}))`,
      ),
    ),
    // claim_waiting, else insert_trial, then trials_since, in one statement. The since value is
    // the last parameter, so the variant that reads no changes simply goes without it.
    startNextTrial: named("start_next_trial", startNext({ seqStep: 1, since: "$7", writeId: "$2", init: ["$3", "$4", "$5", "$6"] })),
    startNextTrialOnly: named("start_next_trial_only", startNext({ seqStep: 1, since: null, writeId: "$2", init: ["$3", "$4", "$5", "$6"] })),
    // Compare-and-set on (state, seq): it applies only to the version of the trial the patch was
    // computed from. A failed compare still bumps the study's seq, which readers tolerate (seq
    // only has to grow).
    updateTrial: named(
      "update_trial",
      `WITH s AS (UPDATE ${studies} SET seq = seq + 1 WHERE id = $1 RETURNING seq)
       UPDATE ${trials} t SET state = $5::text, params = $6, distributions = $7, objective_values = $8, intermediate = $9,
         user_attrs = $10, system_attrs = $11, finished_at = CASE WHEN $5::text = 'running' THEN NULL ELSE ${NOW_MS} END,
         seq = s.seq, write_id = $4
       FROM s WHERE t.id = $2 AND t.state = 'running' AND t.seq = $3
       RETURNING t.seq, t.finished_at`,
    ),
    // update_trial's compare-and-set and start_next_trial in one statement. The study row is
    // updated once (a statement cannot update a row twice): seq grows by 2, the finish takes the
    // first value and the start the second, so they commit in that order like two writes would.
    finishAndStartNext: named("finish_and_start_next", finishAndStartNext("$17")),
    finishAndStartNextOnly: named("finish_and_start_next_only", finishAndStartNext(null)),
    // Group commit: finish_and_start_next_only for k trials at once (k = the length of the arrays).
    // The study row is bumped once by 2k: the finishes take seq base+1..base+k in the order given
    // (a compare-and-set that does not apply leaves its value unused), the starts base+k+1..base+2k,
    // claimed waiting trials first, in number order. Rows come back with their write_id, which
    // says whose write each is; a finish needs only its seq and finish time.
    finishAndStartMany: named(
      "finish_and_start_many",
      `WITH f AS (
         SELECT * FROM unnest($2::int8[], $3::int8[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
           WITH ORDINALITY AS f(id, old_seq, write_id, state, params, distributions, objective_values, intermediate, user_attrs, system_attrs, ord)
       ), ${STUDY_LOCK_FIRST} waiting AS (
         SELECT id, number FROM ${trials} WHERE study_id = (SELECT id FROM lk) AND state = 'waiting' ORDER BY number LIMIT cardinality($2::int8[]) FOR UPDATE SKIP LOCKED
       ), c AS (
         SELECT id, row_number() OVER (ORDER BY number) AS ord FROM waiting
       ), s AS (
         UPDATE ${studies} SET seq = seq + 2 * cardinality($2::int8[]), trial_count = trial_count + cardinality($2::int8[]) - (SELECT count(*) FROM c)
         WHERE id = $1
         RETURNING seq - 2 * cardinality($2::int8[]) AS base_seq, cardinality($2::int8[]) AS k, (SELECT count(*) FROM c) AS claimed,
                   trial_count - (cardinality($2::int8[]) - (SELECT count(*) FROM c)) AS base_number
       ), finished AS (
         UPDATE ${trials} t SET state = f.state, params = f.params, distributions = f.distributions, objective_values = f.objective_values,
           intermediate = f.intermediate, user_attrs = f.user_attrs, system_attrs = f.system_attrs, finished_at = ${NOW_MS},
           seq = s.base_seq + f.ord, write_id = f.write_id
         FROM f, s WHERE t.id = f.id AND t.state = 'running' AND t.seq = f.old_seq
         RETURNING t.id, t.seq, t.finished_at, t.write_id
       ), claimed AS (
         UPDATE ${trials} t SET state = 'running', started_at = ${NOW_MS}, heartbeat_at = ${NOW_MS}, seq = s.base_seq + s.k + c.ord,
           write_id = ($12::uuid[])[c.ord::int], system_attrs = ${withClaimAttrs("($16::text[])[c.ord::int]")}
         FROM c, s WHERE t.id = c.id
         RETURNING ${prefixed("t", TRIAL_COLUMNS)}, t.write_id
       ), inserted AS (
         INSERT INTO ${trials} (study_id, number, state, params, distributions, user_attrs, system_attrs, started_at, heartbeat_at, seq, write_id)
         SELECT $1, s.base_number + g - 1, 'running', ($13::text[])[(s.claimed + g)::int], ($14::text[])[(s.claimed + g)::int], ($15::text[])[(s.claimed + g)::int],
                ($16::text[])[(s.claimed + g)::int], ${NOW_MS}, ${NOW_MS}, s.base_seq + s.k + s.claimed + g, ($12::uuid[])[(s.claimed + g)::int]
         FROM s, generate_series(1, s.k - s.claimed) AS g
         RETURNING ${TRIAL_COLUMNS}, write_id
       )
       SELECT true AS started, * FROM claimed UNION ALL SELECT true, * FROM inserted
       UNION ALL SELECT false, id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, finished_at, seq, write_id FROM finished`,
    ),
    trialsByWriteIds: named("trials_by_write_ids", `SELECT ${TRIAL_COLUMNS}, write_id FROM ${trials} WHERE write_id = ANY($1::uuid[])`),
    // Only a trial that never got a parameter goes back: one that did has been partly run.
    releaseTrial: named(
      "release_trial",
      `WITH t AS (SELECT study_id FROM ${trials} WHERE id = $1 AND state = 'running' AND params = '{}' FOR UPDATE),
       s AS (UPDATE ${studies} SET seq = seq + 1 WHERE id = (SELECT study_id FROM t) RETURNING seq)
       UPDATE ${trials} SET state = 'waiting', started_at = NULL, heartbeat_at = NULL, seq = s.seq, write_id = gen_random_uuid()
       FROM s WHERE id = $1 AND state = 'running'`,
    ),
    trialById: named("trial_by_id", `SELECT ${TRIAL_COLUMNS}, write_id FROM ${trials} WHERE id = $1`),
    trialByWriteId: named("trial_by_write_id", `SELECT ${TRIAL_COLUMNS} FROM ${trials} WHERE write_id = $1`),
    lockStudy: named("lock_study", `SELECT id FROM ${studies} WHERE id = $1 FOR UPDATE`),
    // Whether the study exists and has a waiting trial ($2: among these numbers, or any), from the
    // partial index sextant_trials_waiting, taking no lock.
    waitingExists: named(
      "waiting_exists",
      `SELECT EXISTS (SELECT 1 FROM ${studies} WHERE id = $1) AS study_exists,
              EXISTS (SELECT 1 FROM ${trials} WHERE study_id = $1 AND state = 'waiting' AND ($2::int[] IS NULL OR number = ANY($2::int[]))) AS waiting`,
    ),
    // Served by the partial index sextant_trials_once_key (an ensured index), whose expression this repeats:
    // a probe, not a scan of the study. A schema without it (opened read-only) scans, with the same answer.
    trialWithOnceKey: named("trial_with_once_key", `SELECT 1 FROM ${trials} WHERE study_id = $1 AND ${ONCE_KEY_JSONB} = $2 LIMIT 1`),
    allTrials: named(
      "all_trials",
      `SELECT s.seq AS study_seq, t.id, t.study_id, t.number, t.state, t.params, t.distributions, t.objective_values, t.intermediate,
              t.user_attrs, t.system_attrs, t.started_at, t.finished_at, t.seq
       FROM ${studies} s LEFT JOIN ${trials} t ON t.study_id = s.id WHERE s.id = $1 ORDER BY t.number`,
    ),
    trialsSince: named(
      "trials_since",
      `SELECT s.seq AS study_seq, t.id, t.study_id, t.number, t.state, t.params, t.distributions, t.objective_values, t.intermediate,
              t.user_attrs, t.system_attrs, t.started_at, t.finished_at, t.seq
       FROM ${studies} s LEFT JOIN ${trials} t ON t.study_id = s.id AND t.seq > $2 WHERE s.id = $1 ORDER BY t.number`,
    ),
    recordHeartbeat: named(
      "record_heartbeat",
      `UPDATE ${trials} SET heartbeat_at = ${NOW_MS} WHERE id = ANY($1::int8[]) AND state = 'running'`,
    ),
    heartbeatSilence: named(
      "heartbeat_silence",
      `SELECT ${NOW_MS} - COALESCE(heartbeat_at, started_at) AS silence FROM ${trials} WHERE id = $1 AND state = 'running'`,
    ),
    staleTrials: named(
      "stale_trials",
      `SELECT EXISTS (SELECT 1 FROM ${studies} WHERE id = $1) AS study_exists, stale.* FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT ${TRIAL_COLUMNS} FROM ${trials}
         WHERE study_id = $1 AND state = 'running' AND heartbeat_at < ${NOW_MS} - $2::int8 ORDER BY number
       ) AS stale ON true`,
    ),
    // Same figures as the SQLite backend's aggregate, for the studies whose ids are in $1, built
    // the same way: counts per state from the rows alone, and the best value over feasible complete
    // trials with each trial's JSON parsed once (`complete`, used twice, is materialized; the
    // keyword MATERIALIZED is left out for PostgreSQL 11, which knows no other way; inlined, the
    // JSON was parsed again for each use, 6.5 s for 300,000 trials). Non-finite values are stored as strings. Only feasible
    // trials count for the best value (`satisfiesStoredConstraints`); whether a study is constrained
    // is decided among its own trials. Attributes that do not name the key are not parsed at all.
    // A first feasible trial (by number) whose value is "nan" is found as SQLite's aggregate finds it.
    // A -Infinity constraint, stored as a tag, is met.
    aggregateTrials: named(
      "aggregate_trials",
      `WITH complete AS (
         SELECT study_id, number, objective_values::jsonb -> 0 AS first,
           CASE WHEN strpos(system_attrs, '"${CONSTRAINTS_ATTR}"') > 0 THEN ${SYSTEM_ATTRS_JSONB} -> '${CONSTRAINTS_ATTR}' END AS constraints
         FROM ${trials} WHERE study_id = ANY($1::int8[]) AND state = 'complete'),
       constrained AS (SELECT DISTINCT study_id FROM complete WHERE jsonb_typeof(constraints) = 'array'),
       feasible AS (
         SELECT study_id, number, first, CASE WHEN jsonb_typeof(first) = 'number' THEN (first #>> '{}')::float8 END AS finite, first #>> '{}' AS spelled
         FROM complete
         WHERE CASE WHEN jsonb_typeof(constraints) = 'array' THEN NOT EXISTS (
             SELECT 1 FROM jsonb_array_elements(constraints) AS c(v) WHERE NOT (jsonb_typeof(c.v) = 'number' AND (c.v #>> '{}')::float8 <= 0 OR c.v = '${STORED_NEGATIVE_INFINITY_JSON}'::jsonb))
           ELSE COALESCE(jsonb_typeof(constraints), 'null') = 'null' AND study_id NOT IN (SELECT study_id FROM constrained) END),
       best AS (
         SELECT study_id, MIN(finite) AS min_value, MAX(finite) AS max_value,
           BOOL_OR(spelled = '-inf') AS has_neg_inf, BOOL_OR(spelled = 'inf') AS has_pos_inf,
           MIN(CASE WHEN first IS NOT NULL THEN number::int8 * 2 + CASE WHEN finite IS NOT NULL OR spelled IN ('inf', '-inf') THEN 0 ELSE 1 END END) % 2 = 1 AS first_unordered
         FROM feasible GROUP BY study_id)
       SELECT counts.study_id, counts.state, counts.n, best.min_value, best.max_value,
         COALESCE(best.has_neg_inf, false) AS has_neg_inf, COALESCE(best.has_pos_inf, false) AS has_pos_inf,
         COALESCE(best.first_unordered, false) AS first_unordered
       FROM (SELECT study_id, state, COUNT(*) AS n FROM ${trials} WHERE study_id = ANY($1::int8[]) GROUP BY study_id, state) AS counts
       LEFT JOIN best ON best.study_id = counts.study_id AND counts.state = 'complete'`,
    ),
  };
}

/**
 * The findTrials statement for queries shaped like `query` (which filters, which order), named by
 * that shape: its parameters are the study id, then each filter's, then the cursor, then the limit. One row with a
 * null id when the study has no such trial, none of them with `study_exists` false when there is
 * no such study.
 */
function trialQueryStatement(schema: string, query: TrialQuery): { name: string; text: string } {
  const order = query.order ?? "number";
  const where = ["study_id = $1"];
  let parameter = 1;
  if (query.states !== undefined) where.push(`state = ANY($${++parameter}::text[])`);
  if (query.withSystemAttr !== undefined) {
    // The text test first (the name as JSON spells it), so rows without it are not parsed as jsonb.
    parameter++;
    where.push(`strpos(system_attrs, to_json($${parameter}::text)::text) > 0 AND COALESCE(jsonb_typeof(${SYSTEM_ATTRS_JSONB} -> $${parameter}::text), 'null') <> 'null'`);
  }
  if (query.numbers !== undefined) where.push(`number = ANY($${++parameter}::int8[])`);
  if (query.afterNumber !== undefined) where.push(`number ${query.reverse ? "<" : ">"} $${++parameter}::int8`);
  const first = "objective_values::jsonb ->> 0";
  const { orderBy, where: valued } = trialQueryOrder(query, { isNumber: "jsonb_typeof(objective_values::jsonb -> 0) = 'number'", text: first, number: `(${first})::float8` });
  if (valued !== null) where.push(valued);
  const limit = query.limit !== undefined ? ` LIMIT $${++parameter}` : "";
  const shape = [query.states ? "s" : "", query.withSystemAttr !== undefined ? "a" : "", query.numbers ? "n" : "", query.afterNumber !== undefined ? "c" : "", order === "number" ? "" : order.slice(0, 3), query.reverse ? "r" : "", limit ? "l" : ""].join("");
  return {
    name: `sextant_find_trials_${shape}_${schema.replace(/\W/g, "")}`,
    text: `SELECT EXISTS (SELECT 1 FROM ${schema}.sextant_studies WHERE id = $1) AS study_exists, found.* FROM (SELECT 1) AS one LEFT JOIN LATERAL (
             SELECT ${TRIAL_COLUMNS} FROM ${schema}.sextant_trials WHERE ${where.join(" AND ")} ORDER BY ${orderBy}${limit}
           ) AS found ON true`,
  };
}

/**
 * The row a patch turns a known trial into, and the update's values for columns 5-11 of
 * update_trial / finish_and_start_next. Throws TrialNotRunningError / ParamConflictError before
 * anything is written.
 */
function patchedRow({ row, trial }: KnownTrial, patch: TrialPatch): { next: FrozenTrial; encoded: TrialRow; values: unknown[] } {
  const next = applyTrialPatch(trial, patch, 0, 0);
  const encoded: TrialRow = { ...row, ...patchedColumns(row, trial, next) };
  const values = [encoded.state, encoded.params, encoded.distributions, encoded.objective_values, encoded.intermediate, encoded.user_attrs, encoded.system_attrs];
  return { next, encoded, values };
}

// --- Connections and errors -----------------------------------------------------------------

/** BIGINT and COUNT come back as JS numbers: ids, numbers, seq and ms timestamps stay far below 2^53. */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID) return Number;
  return pg.types.getTypeParser(oid, format as "text");
}

/**
 * A URL without a user (`postgres://127.0.0.1:5432/db`) connects as the operating-system user, as
 * psql and every libpq program do. node-postgres would take `$USER` instead, which containers, cron
 * jobs and systemd units often leave unset, and then fail with "no PostgreSQL user name specified".
 * `PGUSER` and a user in the URL still win.
 */
function useOperatingSystemUserByDefault(): void {
  if (process.env.PGUSER || pg.defaults.user) return;
  try {
    pg.defaults.user = userInfo().username;
  } catch {
    // No passwd entry for this uid (an arbitrary uid in a container): leave it to node-postgres.
  }
}

/** Splits Sextant's own query parameters (`schema`, `synchronous_commit`) off the URL; the rest goes to `pg` untouched. */
function splitUrl(url: string): { connectionString: string; schema?: string; synchronousCommit?: string; options?: string } {
  const question = url.indexOf("?");
  if (question < 0) return { connectionString: url };
  const query = new URLSearchParams(url.slice(question + 1));
  // The driver ignores a parameter it does not know: "?schma=runs" would read and write the public
  // schema. And a synchronous_commit other than on or off is refused rather than read as on.
  const problem = urlParameterProblem(url);
  if (problem !== null) throw new StorageOpenError(problem);
  const schema = query.get("schema") ?? undefined;
  const synchronousCommit = query.get("synchronous_commit") ?? undefined;
  const options = query.get("options") ?? undefined;
  query.delete("schema");
  query.delete("synchronous_commit");
  query.delete("options");
  query.delete("connect_timeout"); // read by open() as the pool's connect timeout
  const rest = query.toString();
  return {
    connectionString: url.slice(0, question) + (rest ? `?${rest}` : ""),
    ...(schema === undefined ? {} : { schema }),
    ...(synchronousCommit === undefined ? {} : { synchronousCommit }),
    ...(options === undefined ? {} : { options }),
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === "23505" && e.constraint === constraint;
}

/**
 * What the user can do about a server's refusal that is the database's situation, not a fault
 * of Sextant's, by SQLSTATE (exact code or class prefix, first match wins).
 */
const REFUSAL_HINTS: readonly (readonly [string, string])[] = [
  ["25006", "the server accepts only reads (a standby replica, or default_transaction_read_only is on): point the storage URL at the primary, or at a database that takes writes"],
  ["42501", "the database role lacks a privilege this command needs: grant it on the schema and its sextant_ tables, or connect as their owner"],
  ["42P01", "Sextant's tables are gone from the schema: was it dropped while this ran?"],
  ["3F000", "the schema is gone: was it dropped while this ran?"],
  ["53100", "the database server's disk is full: what was stored before is intact; free space there and run again"],
  ["53", "the database server ran short of a resource: try again once it has more"],
  ["57014", "the server cancelled the statement (a statement_timeout, or an administrator): end the session that holds a lock on Sextant's tables (pg_locks and pg_stat_activity show it), or raise the statement_timeout"],
  ["55P03", "a lock_timeout ran out while another session held a lock Sextant needs: end that session (pg_locks and pg_stat_activity show it), or raise the lock_timeout"],
  ["58", "the database server reports a system (input/output) error"],
  ["XX001", "the database server reports damaged data: see its log"],
  ["XX002", "the database server reports a damaged index: see its log (REINDEX repairs one)"],
];

/**
 * A server's refusal that is the database's situation, not a fault of Sextant's, as a
 * StorageError naming the URL (the CLI called a read-only replica "internal error … a bug in
 * Sextant"); null for any other error.
 */
function refusalError(url: string, error: unknown): StorageError | null {
  if (!(error instanceof pg.DatabaseError) || typeof error.code !== "string") return null;
  const code = error.code;
  const hint = REFUSAL_HINTS.find(([prefix]) => code.startsWith(prefix))?.[1];
  return hint === undefined ? null : new StorageError(`${url}: ${error.message} (SQLSTATE ${code}); ${hint}`, { cause: error });
}

/**
 * Errors after which the same operation may succeed: the connection broke, the server is
 * restarting or shutting down, too many connections, the database is closed to connections for a
 * while, PostgreSQL chose us as a deadlock or serialization victim, or it cancelled a statement
 * (a statement_timeout or lock_timeout that ran out waiting for another session's lock, or an
 * administrator's pg_cancel_backend). Every operation is safe to run again: a write finds its own
 * earlier attempt by its write id.
 */
function isTransient(error: unknown): boolean {
  const e = error as { code?: string; message?: string; routine?: string } | null;
  if (!e || typeof e !== "object") return false;
  const code = e.code ?? "";
  if (code.startsWith("08") || code.startsWith("57P") || code === "53300" || code === "40001" || code === "40P01") return true;
  if (code === "57014" || code === "55P03") return true;
  // ALTER DATABASE … ALLOW_CONNECTIONS false, as for maintenance, refuses connections until it is
  // undone; told apart from other 55000s by the server routine, which unlike the message is not translated.
  if (code === "55000" && e.routine === "CheckMyDatabase") return true;
  if (["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"].includes(code)) return true;
  const message = e.message ?? "";
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(message);
}

/** A statement cancelled by lock_timeout: Sextant's own default (see LOCK_WAIT_NOTICE_MS) or the URL's. */
function isLockTimeout(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "55P03";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
}

/** Exponential backoff with full jitter, 10 ms doubling to at most 1 s, so reconnecting workers spread out. */
function backoffMs(attempt: number): number {
  return 5 + Math.random() * Math.min(1_000, 10 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `url` with `?schema=` set to `schema` when one is given as an option (the URL is kept as typed otherwise). */
function withSchema(url: string, schema: string | undefined): string {
  if (schema === undefined) return url;
  const parsed = new URL(url);
  parsed.searchParams.set("schema", schema);
  return parsed.toString();
}

/** What the migrations after `version` change, in order. */
function migrationsSince(version: number): string[] {
  return POSTGRES_MIGRATIONS.filter((migration) => migration.version > version).map((migration) => migration.description);
}
