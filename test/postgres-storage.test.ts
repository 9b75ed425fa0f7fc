/**
 * PostgreSQL-specific guarantees beyond the conformance suite: migrations under many concurrent
 * openers, `seq` in commit order, and surviving dropped connections and a server restart while
 * several worker processes run `study.optimize` on one study.
 *
 * All tests that terminate connections or restart the server live in this one file, so vitest
 * runs them one after another; other files' PostgreSQL connections retry through a restart.
 * The worker processes (scripts/optimize-worker.mjs) run the compiled code in dist/: `npm test`
 * builds first; when running vitest by hand, run `npm run build`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClaimsAmong } from "./claim-among.js";
import type { FrozenTrial } from "../src/space/index.js";
import { RandomSampler, type Trial, createStudy } from "../src/index.js";
import { PBTScheduler } from "../src/schedulers/index.js";
import { ONCE_KEY_ATTR, StorageEmptyError, StorageOpenError, StorageUpgradeRefusedError, TrialNotRunningError, openStorage } from "../src/storage/index.js";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from "../src/storage/postgres-migrations.js";
import { PostgresStorage } from "../src/storage/postgres.js";
import { createServerApp } from "../src/server/index.js";
import { type ScratchDatabase, adminQuery, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const skip = await postgresUnavailable();
let database: ScratchDatabase;
let schemaCounter = 0;

beforeAll(async () => {
  if (skip === null) database = await createScratchDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** A URL for a fresh, empty schema of the scratch database. */
function freshSchemaUrl(): string {
  return `${database.url}?schema=s${schemaCounter++}`;
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Keeps ending the scratch database's connections every 40 ms until stopped; stop() says how many it ended. */
function keepTerminatingConnections(): { stop(): Promise<number> } {
  let running = true;
  let killed = 0;
  const loop = (async () => {
    while (running) {
      killed += await terminateConnections();
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return killed;
    },
  };
}

/** Ends every connection to the scratch database except the caller's; returns how many. */
async function terminateConnections(): Promise<number> {
  const rows = await adminQuery<{ ended: boolean }>(
    "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [database.name],
  );
  return rows.filter((row) => row.ended).length;
}

/**
 * Another worker's write to a trial (intermediate value 1 at step 0), under way and not yet
 * committed, as a slow network would leave it; the caller commits. Returns the seq it took.
 */
async function beginUncommittedWrite(slow: pg.Client, schema: string, studyId: number, trialId: number): Promise<number> {
  await slow.query("BEGIN");
  const { rows } = await slow.query(`UPDATE ${schema}.sextant_studies SET seq = seq + 1 WHERE id = $1 RETURNING seq`, [studyId]);
  const slowSeq = Number(rows[0].seq);
  await slow.query(`UPDATE ${schema}.sextant_trials SET intermediate = '{"0":1}', seq = $1 WHERE id = $2`, [slowSeq, trialId]);
  return slowSeq;
}

/**
 * A proxy to the server, as a storage URL on a fresh schema, whose connections can be cut: cut()
 * drops the open ones and turns new ones away until restore().
 */
async function cuttableProxy(): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  let down = false;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    client.on("error", () => undefined);
    if (down) return void client.destroy();
    const upstream = net.connect(5432, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = new URL(freshSchemaUrl());
  url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  return Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setTimeout(resolve, 0, marker))]).then(
    (value) => value === true,
  );
}

describe.skipIf(skip !== null)("postgres storage", () => {
  it("outlives a checked-out connection that dies between two queries, and goes on", async () => {
    const storage = await PostgresStorage.open(freshSchemaUrl(), { maxConnections: 2 });
    try {
      const pool = (storage as unknown as { pool: pg.Pool }).pool;
      const client = await pool.connect();
      // Without a listener of its own, the client's error on a dead connection would be uncaught.
      expect(client.listenerCount("error")).toBeGreaterThan(0);
      const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const ended = new Promise((resolve) => client.once("end", resolve));
      await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
      await ended;
      client.release(new Error("its connection was terminated"));
      const record = await storage.createStudy("after-a-dead-connection", ["minimize"]);
      expect(await storage.getStudy("after-a-dead-connection")).toMatchObject({ id: record.id });
    } finally {
      await storage.close();
    }
  });

  it("claims the oldest waiting trial among the numbers given, or none of them is waiting", async () => {
    const storage = await PostgresStorage.open(freshSchemaUrl());
    try {
      await expectClaimsAmong(storage);
    } finally {
      await storage.close();
    }
  });

  it("claims a waiting trial only once it holds the study row, as every writer of the study locks them, so workers cannot deadlock", async () => {
    const url = freshSchemaUrl();
    const schema = new URL(url).searchParams.get("schema")!;
    const storage = await PostgresStorage.open(url);
    const holder = new pg.Client({ connectionString: database.url });
    const prober = new pg.Client({ connectionString: database.url });
    for (const client of [holder, prober]) client.on("error", () => undefined);
    try {
      await holder.connect();
      await prober.connect();
      const study = await storage.createStudy("lock-order", ["minimize"]);
      await storage.queueTrials(study.id, 2);
      const claims: [string, () => Promise<{ number: number } | null>][] = [
        ["claimWaitingTrial", () => storage.claimWaitingTrial(study.id)],
        ["startNextTrial", async () => (await storage.startNextTrial(study.id, {}, 0)).trial],
      ];
      for (const [name, claimNext] of claims) {
        // A writer holding the study row, as update_trial does while it bumps the seq and before it
        // writes its trial: a claimer that held a trial row meanwhile could be waited for in turn.
        await holder.query("BEGIN");
        await holder.query(`SELECT id FROM "${schema}".sextant_studies WHERE id = $1 FOR UPDATE`, [study.id]);
        const claim = claimNext();
        for (;;) {
          const { rows } = await prober.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%SKIP LOCKED%'",
          );
          if (rows[0]!.n > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await prober.query("BEGIN");
        // NOWAIT fails at once on a row the blocked claimer holds.
        const free = await prober.query(`SELECT id FROM "${schema}".sextant_trials WHERE study_id = $1 AND state = 'waiting' FOR UPDATE NOWAIT`, [study.id]);
        await prober.query("ROLLBACK");
        await holder.query("COMMIT");
        expect({ name, claimed: (await claim)?.number !== undefined }).toEqual({ name, claimed: true });
        expect(free.rowCount).toBeGreaterThan(0);
      }
    } finally {
      await holder.end().catch(() => undefined);
      await prober.end().catch(() => undefined);
      await storage.close();
    }
  });

  describe("opening", () => {
    it("refuses a misspelt option before connecting, which ran with the default instead", async () => {
      const url = freshSchemaUrl();
      await expect(PostgresStorage.open(url, { maxconnections: 2 } as never)).rejects.toThrow(
        `cannot open ${url}: unknown option "maxconnections" (did you mean "maxConnections"?); valid options: schema, maxConnections, retryDeadlineMs, synchronousCommit, readOnly, onRetry, onSchemaUpgrade, upgradeSchema`,
      );
    });

    it("opens as a role that may create tables in its schema but not schemas in the database", async () => {
      // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists:
      // such a role, the usual least-privilege setup, got "permission denied for database".
      const role = `sextant_team_${Math.random().toString(36).slice(2, 8)}`;
      await withClient(async (client) => {
        await client.query(`CREATE ROLE ${role} LOGIN`);
        await client.query(`CREATE SCHEMA team AUTHORIZATION ${role}`);
      });
      try {
        const url = new URL(database.url);
        url.username = role;
        url.search = "?schema=team";
        const storage = await PostgresStorage.open(url.toString());
        try {
          const study = await storage.createStudy("least-privilege", ["minimize"]);
          expect((await storage.createTrial(study.id, { state: "running" })).number).toBe(0);
        } finally {
          await storage.close();
        }
        // A schema it may not create is still refused, with the database's word for it.
        url.search = "?schema=elsewhere";
        await expect(PostgresStorage.open(url.toString(), { retryDeadlineMs: 0 })).rejects.toThrow(/permission denied/);
      } finally {
        await withClient(async (client) => {
          await client.query("DROP SCHEMA team CASCADE");
          await client.query(`DROP ROLE ${role}`);
        });
      }
    });

    it("migrates once when many workers open a fresh database at the same moment", async () => {
      const url = freshSchemaUrl();
      const heard: string[] = [];
      const storages = await Promise.all(
        Array.from({ length: 8 }, () => PostgresStorage.open(url, { maxConnections: 1, onSchemaUpgrade: (message) => heard.push(message) })),
      );
      try {
        expect(heard, "a new schema is created, not upgraded").toEqual([]);
        const versions = await withClient(async (client) => {
          const schema = new URL(url).searchParams.get("schema")!;
          return (await client.query(`SELECT version, description FROM "${schema}".sextant_schema_version ORDER BY version`)).rows;
        });
        expect(versions).toEqual(POSTGRES_MIGRATIONS.map(({ version, description }) => ({ version, description })));
        expect(POSTGRES_SCHEMA_VERSION).toBe(POSTGRES_MIGRATIONS.length);
        // Every opener works against the one schema.
        const study = await storages[0]!.createStudy("shared", ["minimize"]);
        const trials = await Promise.all(storages.map((storage) => storage.createTrial(study.id, { state: "running" })));
        expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await Promise.all(storages.map((storage) => storage.close()));
      }
    });

    it("upgrades a version-1 database in place: its trials stay, and only waiting and running trials are indexed by state", async () => {
      const url = freshSchemaUrl();
      const schema = new URL(url).searchParams.get("schema")!;
      const first = await PostgresStorage.open(url);
      const study = await first.createStudy("upgraded", ["minimize"]);
      const done = await first.createTrial(study.id, { state: "running" });
      await first.updateTrial(done.id, { state: "complete", values: [1] });
      const waiting = await first.createTrial(study.id, { state: "waiting", params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } } });
      await first.close();
      // Put the schema back as version 1 left it.
      await withClient(async (client) => {
        await client.query(`DROP INDEX "${schema}".sextant_trials_waiting; DROP INDEX "${schema}".sextant_trials_running_heartbeat; DROP INDEX "${schema}".sextant_trials_once_key`);
        await client.query(`CREATE INDEX sextant_trials_by_state ON "${schema}".sextant_trials (study_id, state, number)`);
        await client.query(`CREATE INDEX sextant_trials_by_heartbeat ON "${schema}".sextant_trials (study_id, state, heartbeat_at)`);
        await client.query(`DELETE FROM "${schema}".sextant_schema_version WHERE version > 1`);
      });
      // A viewer (sextant dashboard) that would rather not upgrade it is refused, the schema untouched.
      await expect(PostgresStorage.open(url, { upgradeSchema: false })).rejects.toThrow(
        new StorageUpgradeRefusedError(
          `cannot open ${url} for writing without upgrading it: an older Sextant wrote it (schema version 1), and writing needs version 2 ` +
            "(partial indexes for waiting and running trials), which that Sextant refuses; open it read-only, or let it be upgraded",
        ),
      );
      const heard: string[] = [];
      const reopened = await PostgresStorage.open(url, { onSchemaUpgrade: (message) => heard.push(message) });
      try {
        // Said once, by the opener that migrated: the fleet's older workers refuse the schema from now on.
        expect(heard).toEqual([
          `upgraded ${url} from schema version 1 to 2 (partial indexes for waiting and running trials): a Sextant that reads only version 1 now refuses it; upgrade every Sextant that uses it`,
        ]);
        await (await PostgresStorage.open(url, { onSchemaUpgrade: (message) => heard.push(message) })).close();
        expect(heard).toHaveLength(1);
        const indexes = await withClient(async (client) =>
          (await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'sextant_trials'`, [schema])).rows,
        );
        const names = indexes.map((row) => row.indexname as string);
        expect(names).toEqual(expect.arrayContaining(["sextant_trials_waiting", "sextant_trials_running_heartbeat", "sextant_trials_once_key"]));
        expect(names).not.toContain("sextant_trials_by_state");
        expect(indexes.find((row) => row.indexname === "sextant_trials_waiting")!.indexdef).toMatch(/WHERE \(state = 'waiting'::text\)/);
        expect((await reopened.trialsSince(study.id, 0)).trials.map((t) => t.state)).toEqual(["complete", "waiting"]);
        expect(await reopened.claimWaitingTrial(study.id)).toMatchObject({ id: waiting.id, state: "running", params: { x: 0.5 } });
      } finally {
        await reopened.close();
      }
    });

    it("opened read-only (studies, trials, best, export), creates no schema, migrates nothing and refuses writes", async () => {
      const url = freshSchemaUrl();
      const schema = new URL(url).searchParams.get("schema")!;
      const schemaExists = () =>
        withClient(async (client) => (await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1);
      await expect(openStorage(url, { readOnly: true })).rejects.toBeInstanceOf(StorageEmptyError);
      expect(await schemaExists()).toBe(false);
      const result = spawnSync(process.execPath, [join(root, "bin/sextant.js"), "studies", "--storage", url], { encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^no studies in postgres:/);
      expect(await schemaExists()).toBe(false);
      const writer = await openStorage(url);
      await writer.createStudy("written", ["minimize"]);
      await writer.close();
      const reader = await openStorage(url, { readOnly: true });
      try {
        expect((await reader.listStudies()).map((study) => study.name)).toEqual(["written"]);
        await expect(reader.createStudy("refused", ["minimize"])).rejects.toThrow(/read-only/);
      } finally {
        await reader.close();
      }
      // An older schema is read as it is, not migrated by a command that only looks: migrating
      // would lock out every worker still running the Sextant that made it.
      await withClient((client) => client.query(`DELETE FROM "${schema}".sextant_schema_version WHERE version > 1`));
      const older = await openStorage(url, { readOnly: true });
      try {
        expect((await older.listStudies()).map((study) => study.name)).toEqual(["written"]);
      } finally {
        await older.close();
      }
      const looked = spawnSync(process.execPath, [join(root, "bin/sextant.js"), "studies", "--storage", url], { encoding: "utf8" });
      expect(looked.status, looked.stderr).toBe(0);
      expect(looked.stdout).toMatch(/^name .*\n.*\nwritten /);
      expect(await withClient(async (client) => (await client.query(`SELECT MAX(version) AS v FROM "${schema}".sextant_schema_version`)).rows[0].v)).toBe(1);
    });

    it("is what openStorage returns for a postgres:// URL", async () => {
      const storage = await openStorage(freshSchemaUrl());
      try {
        expect(storage).toBeInstanceOf(PostgresStorage);
        expect(storage.url).toMatch(/^postgres:\/\//);
      } finally {
        await storage.close();
      }
    });

    it("refuses a database written by a newer Sextant, leaving it untouched", async () => {
      const url = freshSchemaUrl();
      await (await PostgresStorage.open(url)).close();
      const schema = new URL(url).searchParams.get("schema")!;
      await withClient((client) => client.query(`INSERT INTO "${schema}".sextant_schema_version (version, description) VALUES (99, 'future')`));
      await expect(PostgresStorage.open(url)).rejects.toThrow(/schema version 99, newer than this version of Sextant understands/);
    });

    it("commits durably unless the URL asks for synchronous_commit=off", async () => {
      const setting = async (url: string): Promise<string> => {
        const storage = await PostgresStorage.open(url);
        try {
          const { pool } = storage as unknown as { pool: { query(sql: string): Promise<{ rows: { synchronous_commit: string }[] }> } };
          return (await pool.query("SHOW synchronous_commit")).rows[0]!.synchronous_commit;
        } finally {
          await storage.close();
        }
      };
      expect(await setting(database.url)).toBe("on");
      expect(await setting(`${database.url}?synchronous_commit=off`)).toBe("off");
    });

    it("names the bad setting, and the URL without its password, when it cannot open", async () => {
      await expect(PostgresStorage.open(`${database.url}?schema=bad-name`)).rejects.toThrow(/schema must be letters, digits and _ \(got "bad-name"\)/);
      await expect(PostgresStorage.open(`${database.url}?synchronous_commit=maybe`)).rejects.toThrow(/synchronous_commit must be on or off/);
      await expect(PostgresStorage.open(database.url, { maxConnections: 0 })).rejects.toThrow(/maxConnections must be a positive integer/);
      const told: string[] = [];
      const unreachable = PostgresStorage.open("postgres://ada:hunter2@127.0.0.1:1/nowhere", { retryDeadlineMs: 300, onRetry: (m) => told.push(m) });
      await expect(unreachable).rejects.toBeInstanceOf(StorageOpenError);
      // Told once that it is retrying, and without the password.
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/^postgres:\/\/ada:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED.*; retrying for up to 0 s$/);
      await expect(PostgresStorage.open("postgres://ada:hunter2@127.0.0.1:1/nowhere", { retryDeadlineMs: 300 })).rejects.toThrow(
        /^cannot open postgres:\/\/ada:\*\*\*@127\.0\.0\.1:1\/nowhere: .*unreachable/,
      );
    });
  });

  describe("an outage", () => {
    it("gives up once the database has been unreachable for the deadline, however many calls wait in turn", async () => {
      // A proxy to the server that can be cut: each call after an outage began used to wait the
      // whole deadline again (tune gave up after six minutes while saying "up to 120 s").
      const proxy = await cuttableProxy();
      const storage = await PostgresStorage.open(proxy.url, { retryDeadlineMs: 1500 });
      try {
        const study = await storage.createStudy("outage", ["minimize"]);
        proxy.cut();
        const started = performance.now();
        for (let i = 0; i < 4; i++) await expect(storage.createTrial(study.id, { state: "running" })).rejects.toThrow(/unreachable for more than 2 s/);
        // About 1.5 s in all; it was four times that.
        expect(performance.now() - started).toBeLessThan(4_000);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });
    it("tells of an outage once, however many calls meet it, and of the next outage again", async () => {
      // A burst of dropped connections told each call under way, 20 to 30 lines per worker.
      const proxy = await cuttableProxy();
      const told: string[] = [];
      const storage = await PostgresStorage.open(proxy.url, { retryDeadlineMs: 500, onRetry: (message) => told.push(message) });
      try {
        const study = await storage.createStudy("told-once", ["minimize"]);
        proxy.cut();
        await Promise.all([0, 1, 2].map(() => expect(storage.createTrial(study.id, { state: "running" })).rejects.toThrow(/unreachable/)));
        await expect(storage.listStudies()).rejects.toThrow(/unreachable/);
        expect(told).toHaveLength(1);
        proxy.restore();
        await storage.listStudies();
        proxy.cut();
        await expect(storage.listStudies()).rejects.toThrow(/unreachable/);
        expect(told).toHaveLength(2);
        expect(told[1]).toMatch(/; retrying for up to 1 s$/);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });
  });

  describe("a lock held by another session", () => {
    /** A second session that holds `schema`'s trials table in an open transaction until it commits or ends. */
    async function lockTrialsTable(schema: string): Promise<pg.Client> {
      const holder = new pg.Client({ connectionString: database.url });
      holder.on("error", () => undefined);
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE ${schema}.sextant_trials IN ACCESS EXCLUSIVE MODE`);
      return holder;
    }

    // A worker whose statement waited past the URL's (or the database's) statement_timeout or
    // lock_timeout for a lock another session held died with its trials left running, where
    // the same fleet through `sextant serve` rode it out (the client retries the 503).
    it.each(["statement_timeout", "lock_timeout"])("past the %s is waited out, and the write is made once", async (timeout) => {
      const url = new URL(freshSchemaUrl());
      const schema = url.searchParams.get("schema")!;
      url.searchParams.set(timeout, "100");
      let holder: pg.Client | null = null;
      const retries: string[] = [];
      const storage = await PostgresStorage.open(url.toString(), {
        onRetry: (message) => {
          retries.push(message);
          // Let go only once a statement has been cancelled for waiting: the test does not hang on timing.
          void holder?.query("COMMIT");
        },
      });
      try {
        const study = await storage.createStudy("locked", ["minimize"]);
        const waiting = await storage.createTrial(study.id, { state: "waiting" });
        holder = await lockTrialsTable(schema);
        const claimed = await storage.claimWaitingTrial(study.id);
        expect(claimed?.number).toBe(waiting.number);
        await storage.updateTrial(claimed!.id, { state: "complete", values: [1] });
        expect(retries[0]).toMatch(timeout === "statement_timeout" ? /statement timeout; retrying/ : /lock timeout; retrying/);
        const trials = (await storage.trialsSince(study.id, 0)).trials;
        expect(trials.map((t) => [t.number, t.state])).toEqual([[0, "complete"]]);
      } finally {
        await holder?.end().catch(() => undefined);
        await storage.close();
      }
    });

    // With no lock_timeout in the URL a worker waited in silence for as long as another session held
    // the lock (22 s seen, forever for a forgotten open transaction), where SQLite gives up in a minute.
    it("with no timeout in the URL is told after a few seconds, and the write goes through once the lock is let go", async () => {
      const url = new URL(freshSchemaUrl());
      const schema = url.searchParams.get("schema")!;
      url.password = "s3cr@t/pw";
      let holder: pg.Client | null = null;
      const retries: string[] = [];
      const storage = await PostgresStorage.open(url.toString(), {
        onRetry: (message) => {
          retries.push(message);
          void holder?.query("COMMIT").catch(() => undefined);
        },
      });
      try {
        const study = await storage.createStudy("locked-quietly", ["minimize"]);
        holder = await lockTrialsTable(schema);
        const started = performance.now();
        const trial = await storage.createTrial(study.id, { state: "running" });
        expect(performance.now() - started).toBeLessThan(15_000);
        expect(retries).toHaveLength(1);
        expect(retries[0]).toMatch(/^postgres:\/\/postgres:\*\*\*@.*: waiting for a lock another session holds on Sextant's tables \(pg_locks and pg_stat_activity show which\): .*lock timeout; retrying for up to 120 s$/);
        await storage.updateTrial(trial.id, { state: "complete", values: [1] });
        expect((await storage.trialsSince(study.id, 0)).trials.map((t) => [t.number, t.state])).toEqual([[0, "complete"]]);
      } finally {
        await holder?.end().catch(() => undefined);
        await storage.close();
      }
    }, 30_000);

    /** What creating a trial throws while another session holds the table past a 1 s retry deadline. */
    async function createTrialPastTheDeadline(url: URL): Promise<Error | null> {
      const storage = await PostgresStorage.open(url.toString(), { retryDeadlineMs: 1000 });
      let holder: pg.Client | null = null;
      try {
        const study = await storage.createStudy("locked-long", ["minimize"]);
        holder = await lockTrialsTable(url.searchParams.get("schema")!);
        return await storage.createTrial(study.id, { state: "running" }).then(() => null, (error: Error) => error);
      } finally {
        await holder?.end().catch(() => undefined);
        await storage.close();
      }
    }

    it("with no timeout in the URL gives up at the retry deadline, naming the URL without its password", async () => {
      const url = new URL(freshSchemaUrl());
      url.password = "hunter2";
      const error = await createTrialPastTheDeadline(url);
      expect(error?.message).toMatch(/^postgres:\/\/postgres:\*\*\*@.*: another session held a lock on Sextant's tables for more than 1 s .*SQLSTATE 55P03.*pg_locks/);
      expect(error?.message).not.toContain("hunter2");
    }, 30_000);

    it("held past the retry deadline gives up naming the timeout and what to do", async () => {
      const url = new URL(freshSchemaUrl());
      url.searchParams.set("statement_timeout", "100");
      expect((await createTrialPastTheDeadline(url))?.message).toMatch(
        /kept refusing for more than 1 s: canceling statement due to statement timeout \(SQLSTATE 57014\).*pg_locks.*raise the statement_timeout/,
      );
    });
  });

  describe("a database that refuses connections for a while", () => {
    // ALTER DATABASE … ALLOW_CONNECTIONS false (maintenance) killed every worker of a fleet as
    // "internal error … a bug in Sextant", mid-run and when its heartbeat thread opened.
    it("is waited out, when opening and mid-run", async () => {
      const refusing = await createScratchDatabase();
      const allow = (yes: boolean) => adminQuery(`ALTER DATABASE ${refusing.name} ALLOW_CONNECTIONS ${yes}`);
      const shutOut = async () => {
        await allow(false);
        await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [refusing.name]);
      };
      const retries: string[] = [];
      // Let them in again only once a call has found itself refused: no timing involved.
      const onRetry = (message: string) => {
        retries.push(message);
        if (/not currently accepting connections/.test(message)) void allow(true);
      };
      let storage: PostgresStorage | null = null;
      try {
        await shutOut();
        storage = await PostgresStorage.open(refusing.url, { onRetry });
        expect(retries).toHaveLength(1);
        const study = await storage.createStudy("refused", ["minimize"]);
        await shutOut();
        const trial = await storage.createTrial(study.id, { state: "running" });
        expect(retries.filter((message) => /not currently accepting connections/.test(message))).toHaveLength(2);
        await storage.updateTrial(trial.id, { state: "complete", values: [1] });
        expect((await storage.trialsSince(study.id, 0)).trials.map((t) => [t.number, t.state])).toEqual([[0, "complete"]]);
      } finally {
        await allow(true);
        await storage?.close();
        await refusing.drop();
      }
    });
  });

  describe("a server that stops answering", () => {
    // A server that stopped answering mid-statement (hung, or a network dropping packets without a
    // reset) kept a worker waiting forever without a word: the connection stayed open.
    it("mid-statement is told after a few seconds, and the statement answered once it answers again", async () => {
      let frozen = false;
      const held: { to: net.Socket; data: Buffer }[] = [];
      const sockets = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        const upstream = net.connect(5432, "127.0.0.1");
        for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
          sockets.add(from);
          from.on("error", () => undefined);
          from.on("data", (data: Buffer) => (frozen ? held.push({ to, data }) : to.write(data)));
        }
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      const url = new URL(freshSchemaUrl());
      url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const told: string[] = [];
      const storage = await PostgresStorage.open(url.toString(), {
        onRetry: (message) => {
          told.push(message);
          frozen = false;
          for (const { to, data } of held.splice(0)) to.write(data);
        },
      });
      try {
        const study = await storage.createStudy("silent", ["minimize"]);
        frozen = true;
        const trial = await storage.createTrial(study.id, { state: "running" });
        expect(told).toHaveLength(1);
        expect(told[0]).toMatch(/: no answer to a statement for 10 s \(a server that stopped answering, .*pg_stat_activity shows which\); waiting up to 120 s$/);
        expect(trial.number).toBe(0);
      } finally {
        await storage.close();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    }, 30_000);

    it("gives up once the deadline has passed, though each attempt waits out the URL's connect timeout", async () => {
      // Each attempt took the 10 s connect timeout, more than the quiet spell that starts a new
      // outage, so every attempt began a new outage and the call retried forever. The URL's
      // connect_timeout (2 s, past the 1.5 s deadline) was ignored: every attempt took 10 s.
      let silent = false;
      const sockets = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        sockets.add(client);
        client.on("error", () => undefined);
        client.on("close", () => sockets.delete(client));
        if (silent) return; // accepted, never answered
        const upstream = net.connect(5432, "127.0.0.1");
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      const url = new URL(freshSchemaUrl());
      url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      url.searchParams.set("connect_timeout", "2");
      const storage = await PostgresStorage.open(url.toString(), { retryDeadlineMs: 1500 });
      try {
        await storage.listStudies();
        silent = true;
        for (const socket of sockets) socket.destroy();
        const started = Date.now();
        const outcome = await Promise.race([
          storage.listStudies().then(() => "answered", (error: Error) => error.message),
          new Promise<string>((resolve) => setTimeout(() => resolve("still retrying after 45 s"), 45_000)),
        ]);
        expect(outcome).toMatch(/unreachable for more than 2 s/);
        // One 2 s attempt, perhaps a second one begun before the deadline; the default's is 10 s.
        expect(Date.now() - started).toBeLessThan(8_000);
      } finally {
        await storage.close();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    }, 60_000);
  });

  describe("command line", () => {
    it("tunes a command into a postgres:// URL and lists it with --json", () => {
      const url = freshSchemaUrl();
      const sextant = (args: string[]) => spawnSync(process.execPath, [`${root}bin/sextant.js`, ...args], { encoding: "utf8", timeout: 120_000 });
      const objective = `${root}test/fixtures/cli-quadratic.sh`;
      const tune = sextant([
        "tune", "--storage", url, "--study", "cli", "--param", "x=float:-5:5", "--param", "y=float:-5:5", "--trials", "4",
        "--", "sh", objective, "--x", "{x}", "--y", "{y}",
      ]);
      expect(tune.status, tune.stderr).toBe(0);
      const listed = sextant(["studies", "--storage", url, "--json"]);
      expect(listed.status, listed.stderr).toBe(0);
      const studies = JSON.parse(listed.stdout) as { name: string; trialCounts: Record<string, number>; bestValue: number }[];
      expect(studies).toHaveLength(1);
      expect(studies[0]).toMatchObject({ name: "cli", trialCounts: { complete: 4, running: 0, failed: 0 } });
      expect(studies[0]!.bestValue).toBeGreaterThanOrEqual(0);
    });
  });

  describe("commit order", () => {
    it("creates a keyed trial once when another writer holds the same key uncommitted", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      const schema = `"s${schemaCounter - 1}"`;
      try {
        const study = await storage.createStudy("once", ["minimize"]);
        await withClient(async (other) => {
          // Another process is creating the keyed trial: its insert is written but not committed.
          await other.query("BEGIN");
          const { rows } = await other.query(`UPDATE ${schema}.sextant_studies SET seq = seq + 1, trial_count = trial_count + 1 WHERE id = $1 RETURNING seq`, [study.id]);
          await other.query(
            `INSERT INTO ${schema}.sextant_trials (study_id, number, state, system_attrs, seq, write_id) VALUES ($1, 0, 'waiting', $2, $3, gen_random_uuid())`,
            [study.id, JSON.stringify({ [ONCE_KEY_ATTR]: "after:0" }), rows[0].seq],
          );
          const mine = storage.createTrialOnce(study.id, "after:0", { state: "waiting" });
          await new Promise((resolve) => setTimeout(resolve, 300));
          // It waits for the other writer instead of checking a snapshot without its trial.
          expect(await isSettled(mine)).toBe(false);
          await other.query("COMMIT");
          expect(await mine).toBeNull();
        });
        const { trials } = await storage.trialsSince(study.id, 0);
        expect(trials.map((t) => t.systemAttrs[ONCE_KEY_ATTR])).toEqual(["after:0"]);
      } finally {
        await storage.close();
      }
    });

    it("makes a write wait for an earlier uncommitted one, so a reader following seq skips nothing", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      const schema = `"s${schemaCounter - 1}"`;
      try {
        const study = await storage.createStudy("order", ["minimize"]);
        const first = await storage.createTrial(study.id, { state: "running" });
        const before = await storage.trialsSince(study.id, 0);

        await withClient(async (slow) => {
          const slowSeq = await beginUncommittedWrite(slow, schema, study.id, first.id);

          const late = storage.createTrial(study.id, { state: "running" });
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(await isSettled(late)).toBe(false);
          // A reader now sees neither write, and its seq does not pass the uncommitted one.
          expect(await storage.trialsSince(study.id, before.seq)).toEqual({ trials: [], seq: before.seq });

          await slow.query("COMMIT");
          const created = await late;
          expect(created.seq).toBe(slowSeq + 1);
          const after = await storage.trialsSince(study.id, before.seq);
          expect(after.trials.map((t) => t.number)).toEqual([0, 1]);
          expect(after.trials[0]!.intermediate).toEqual({ 0: 1 });
        });
      } finally {
        await storage.close();
      }
    });

    it("gives startNextTrial the changes from before its wait for an earlier uncommitted write, so its seq skips nothing", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      const schema = `"s${schemaCounter - 1}"`;
      try {
        const study = await storage.createStudy("order-start", ["minimize"]);
        const first = await storage.createTrial(study.id, { state: "running" });
        const before = await storage.trialsSince(study.id, 0);
        await withClient(async (slow) => {
          const slowSeq = await beginUncommittedWrite(slow, schema, study.id, first.id);

          const late = storage.startNextTrial(study.id, {}, before.seq);
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(await isSettled(late)).toBe(false);
          await slow.query("COMMIT");
          const { trial, changes } = await late;
          expect(trial.seq).toBe(slowSeq + 1);
          // Whatever the snapshot held, the slow write is either in the changes or after their seq.
          const seen = changes!.trials.some((t) => t.id === first.id && t.intermediate[0] === 1);
          const after = await storage.trialsSince(study.id, changes!.seq);
          expect(seen || after.trials.some((t) => t.id === first.id && t.intermediate[0] === 1)).toBe(true);
          expect(after.trials.map((t) => t.id)).toContain(trial.id);
        });
      } finally {
        await storage.close();
      }
    });

    it("lets workers that start trials with startNextTrial mirror the study exactly", async () => {
      const url = freshSchemaUrl();
      const writers = await Promise.all(Array.from({ length: 4 }, () => PostgresStorage.open(url, { maxConnections: 2 })));
      try {
        const study = await writers[0]!.createStudy("mirror-start", ["minimize"]);
        const mirrors = await Promise.all(
          writers.map(async (storage, w) => {
            const mirror = new Map<number, FrozenTrial>();
            let seq = 0;
            const take = (trial: FrozenTrial): void => {
              const known = mirror.get(trial.id);
              if (!known || known.seq < trial.seq) mirror.set(trial.id, trial);
            };
            for (let i = 0; i < 25; i++) {
              const { trial, changes } = await storage.startNextTrial(study.id, {}, seq);
              for (const changed of changes!.trials) take(changed);
              take(trial);
              seq = Math.max(seq, changes!.seq);
              take(await storage.updateTrial(trial.id, { state: "complete", values: [w * 100 + i] }));
            }
            return { mirror, seq, take };
          }),
        );
        // Written after each worker's last read, by others or by itself.
        for (const [w, { seq, take }] of mirrors.entries()) for (const trial of (await writers[w]!.trialsSince(study.id, seq)).trials) take(trial);
        const truth = (await writers[0]!.trialsSince(study.id, 0)).trials;
        expect(truth).toHaveLength(100);
        expect(truth.map((t) => t.number)).toEqual([...Array(100).keys()]);
        for (const { mirror } of mirrors) expect([...mirror.values()].sort((a, b) => a.number - b.number)).toEqual(truth);
      } finally {
        await Promise.all(writers.map((storage) => storage.close()));
      }
    });

    it("starts the next trial even when the finish finds the trial already failed by another process", async () => {
      const url = freshSchemaUrl();
      const [worker, reaper] = await Promise.all([PostgresStorage.open(url), PostgresStorage.open(url)]);
      try {
        const study = await worker.createStudy("reaped-finish", ["minimize"]);
        const trial = await worker.createTrial(study.id, { state: "running" });
        await reaper.updateTrial(trial.id, { state: "failed", systemAttrs: { failReason: "reaped" } });
        const { finished, started } = await worker.finishAndStartNext(trial.id, { state: "complete", values: [1] }, {}, 0);
        expect(finished).toBeNull();
        expect(started.trial).toMatchObject({ number: 1, state: "running" });
        expect(await worker.getTrial(trial.id)).toMatchObject({ state: "failed", values: null, systemAttrs: { failReason: "reaped" } });
        await expect(worker.updateTrial(trial.id, { state: "complete", values: [1] })).rejects.toBeInstanceOf(TrialNotRunningError);
      } finally {
        await Promise.all([worker.close(), reaper.close()]);
      }
    });

    it("stops at stopAfter's total with several lanes, counting the asks still on their way", async () => {
      const study = await createStudy({ name: "stop-lanes", storage: freshSchemaUrl(), direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
      try {
        const objective = async (trial: { suggestFloat(name: string, low: number, high: number): number }) => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          return trial.suggestFloat("x", 0, 1);
        };
        await study.optimize(objective, { concurrency: 4, stopAfter: { totalTrials: 7 } });
        await study.optimize(objective, { concurrency: 8, stopAfter: { totalTrials: 12 } });
        // 8 to 10 trials for 7, then 8 more for 5: the lanes' asks take a round trip each.
        const { trials } = await study.storage.trialsSince(study.id, 0);
        expect(trials.filter((t) => t.state !== "waiting")).toHaveLength(12);
      } finally {
        await study.close();
      }
    });

    it("gives back the trial optimize started ahead when a callback stops the run, and the next run takes it", async () => {
      const url = freshSchemaUrl();
      const study = await createStudy({ name: "stop-ahead", storage: url, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
      try {
        const objective = (trial: { suggestFloat(name: string, low: number, high: number): number }) => trial.suggestFloat("x", 0, 1);
        await study.optimize(objective, { nTrials: 10, concurrency: 1, callbacks: [(s, trial) => (trial.number === 2 ? s.stop() : undefined)] });
        let { trials } = await study.storage.trialsSince(study.id, 0);
        // Trial 3 was started with trial 2's result; nobody ran it, so it waits for the next ask.
        expect(trials.map((t) => [t.number, t.state])).toEqual([[0, "complete"], [1, "complete"], [2, "complete"], [3, "waiting"]]);
        await study.optimize(objective, { nTrials: 2 });
        ({ trials } = await study.storage.trialsSince(study.id, 0));
        expect(trials.map((t) => [t.number, t.state])).toEqual([0, 1, 2, 3, 4].map((n) => [n, "complete"]));
      } finally {
        await study.close();
      }
    });

    it("starts no trial ahead once the timeout or deadline has passed, or a stop came, while a trial ran, so none is left queued behind the run", async () => {
      for (const limit of [{ timeoutSeconds: 2.5 }, { deadline: 2500 }, { stopAt: 2 }]) {
        const study = await createStudy({ name: "deadline-ahead", storage: freshSchemaUrl(), direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
        try {
          let now = 0;
          // A stop while a trial runs: a worker's SIGTERM, whose commands' trials all finished as interrupted.
          const { stopAt, ...options } = { stopAt: -1, ...limit };
          const objective = (trial: Trial) => ((now += 1000), trial.number === stopAt && study.stop(), trial.suggestFloat("x", 0, 1));
          await study.optimize(objective, { ...options, clock: () => now, concurrency: 1 });
          const { trials } = await study.storage.trialsSince(study.id, 0);
          // Trial 2 ran past the limit, and its finish started trial 3 all the same, given back as queued: every
          // worker of a study made with sextant create --timeout left one such trial per job, waiting for good.
          expect(trials.map((t) => [t.number, t.state])).toEqual([0, 1, 2].map((n) => [n, "complete"]));
        } finally {
          await study.close();
        }
      }
    });

    it("keeps each of two overlapping optimize calls on one study object to the trials it started ahead: the other neither runs nor gives them back", async () => {
      // a stops at its own nTrials or timeout, with one lane or the pipelined lanes, and beats as b does or not (a trial records
      // its call's heartbeat: one that beats otherwise was never taken, but was given back).
      const otherBeat = { heartbeat: { intervalSeconds: 1, graceSeconds: 60 } };
      // The four cases, each on a schema of its own, run side by side.
      const cases = [
        [{ nTrials: 4 }, { concurrency: 1 }, {}],
        [{ timeoutSeconds: 0.3 }, {}, {}],
        [{ nTrials: 4 }, { concurrency: 1 }, otherBeat],
        [{ timeoutSeconds: 0.3 }, {}, otherBeat],
      ] as const;
      await Promise.all(
        cases.map(async ([stopA, lanes, beatA]) => {
          const study = await createStudy({ name: "overlap", storage: freshSchemaUrl(), direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
          const storage = study.storage as PostgresStorage;
          try {
            /** Trial number → the number of the trial whose finishing write last started it ahead (a trial given back may be started again). */
            const startedAheadBy = new Map<number, number>();
            const numberOf = new Map<number, number>();
            /** The trials given back, each with the trial whose finish had started it. */
            const given: Array<{ number: number; startedBy: number }> = [];
            const finishAndStartNext = storage.finishAndStartNext.bind(storage);
            storage.finishAndStartNext = async (...args) => {
              const result = await finishAndStartNext(...args);
              const finished = await storage.getTrial(args[0]);
              startedAheadBy.set(result.started.trial.number, finished!.number);
              numberOf.set(result.started.trial.id, result.started.trial.number);
              return result;
            };
            const releaseTrial = storage.releaseTrial.bind(storage);
            storage.releaseTrial = async (id) => {
              const number = numberOf.get(id)!;
              given.push({ number, startedBy: startedAheadBy.get(number)! });
              return releaseTrial(id);
            };
            const ranBy = new Map<number, string[]>();
            const signal = () => {
              let resolve: () => void = () => undefined;
              const promise = new Promise<void>((r) => (resolve = r));
              return { promise, resolve };
            };
            const bHoldsOneAhead = signal();
            const aEnded = signal();
            const objective = (call: "a" | "b" | "c") => async (trial: { number: number; suggestFloat(name: string, low: number, high: number): number }) => {
              ranBy.set(trial.number, [...(ranBy.get(trial.number) ?? []), call]);
              if (call === "a") await bHoldsOneAhead.promise;
              return trial.suggestFloat("x", 0, 1);
            };
            let bFinished = 0;
            // b's third finish has started its next trial ahead; b's callback then waits, holding it, until a has stopped.
            const waitForA = async () => {
              if (++bFinished !== 3) return;
              bHoldsOneAhead.resolve();
              await aEnded.promise;
            };
            const b = study.optimize(objective("b"), { nTrials: 12, ...lanes, callbacks: [waitForA] });
            const a = study.optimize(objective("a"), { ...stopA, ...lanes, ...beatA }).finally(aEnded.resolve);
            await Promise.all([a, b]);
            const how = JSON.stringify({ stopA, lanes, beatA });
            const { trials } = await storage.trialsSince(study.id, 0);
            // Every trial is complete, except those a gave back when its time was up that b's last asks did not take: they wait for the next run.
            const waiting = trials.filter((t) => t.state !== "complete");
            expect(waiting.map((t) => [t.number, t.state, given.some((g) => g.number === t.number)]), how).toEqual(waiting.map((t) => [t.number, "waiting", true]));
            await study.optimize(objective("c"), { nTrials: waiting.length, concurrency: 1 });
            const after = (await storage.trialsSince(study.id, 0)).trials;
            expect(after.map((t) => [t.number, t.state]), how).toEqual(trials.map((t) => [t.number, "complete"]));
            // Each trial ran once; one started ahead by a call's finish ran in that call, unless that call gave it back.
            for (const t of after) expect(ranBy.get(t.number), `${how} trial ${t.number}`).toHaveLength(1);
            for (const [number, by] of startedAheadBy) {
              if (!given.some((g) => g.number === number)) expect(ranBy.get(number), `${how} trial ${number}, started by ${by}`).toEqual(ranBy.get(by));
            }
            // b stopped at nTrials, with nothing ahead to give back; a gave back only what it started ahead itself.
            for (const { number, startedBy } of given) expect(ranBy.get(startedBy), `${how} trial ${number} given back`).toEqual(["a"]);
          } finally {
            await study.close();
          }
        }),
      );
    });

    it("sends the finish-and-start writes that wait at the same moment in one statement, finishes before starts", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      try {
        const study = await storage.createStudy("group-commit", ["minimize"]);
        await storage.createTrial(study.id, { state: "waiting", systemAttrs: { fixedParams: { x: 0.5 } } });
        const running: FrozenTrial[] = [];
        for (let i = 0; i < 6; i++) running.push(await storage.createTrial(study.id, { state: "running" }));
        const results = await Promise.all(
          running.map((trial, i) => storage.finishAndStartNext(trial.id, { state: "complete", values: [i] }, { systemAttrs: { worker: "w" } }, null)),
        );
        results.forEach(({ finished }, i) => expect(finished).toMatchObject({ id: running[i]!.id, state: "complete", values: [i] }));
        // The first write goes alone; the five that waited for it go together, all finishes first.
        const grouped = results.slice(1);
        const lastFinish = Math.max(...grouped.map((r) => r.finished!.seq));
        const firstStart = Math.min(...grouped.map((r) => r.started.trial.seq));
        expect(lastFinish).toBeLessThan(firstStart);
        // The waiting trial is claimed by the first start; the others are new, numbered on.
        expect(results[0]!.started.trial).toMatchObject({ number: 0, state: "running", systemAttrs: { fixedParams: { x: 0.5 } } });
        expect(grouped.map((r) => r.started.trial.number)).toEqual([7, 8, 9, 10, 11]);
        expect(grouped.every((r) => r.started.trial.state === "running" && r.started.trial.systemAttrs.worker === "w")).toBe(true);
        const { trials } = await storage.trialsSince(study.id, 0);
        expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        expect(trials.filter((t) => t.state === "complete").map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6]);
        // Each trial's stored seq is the one its caller was told, and seq follows the write order.
        for (const { finished, started } of results) {
          expect(trials.find((t) => t.id === finished!.id)!.seq).toBe(finished!.seq);
          expect(trials.find((t) => t.id === started.trial.id)!.seq).toBe(started.trial.seq);
        }
      } finally {
        await storage.close();
      }
    });

    it("keeps the other writes of a group commit when one trial's finish finds it failed by another process", async () => {
      const url = freshSchemaUrl();
      const [worker, reaper] = await Promise.all([PostgresStorage.open(url), PostgresStorage.open(url)]);
      try {
        const study = await worker.createStudy("group-commit-reaped", ["minimize"]);
        const running: FrozenTrial[] = [];
        for (let i = 0; i < 4; i++) running.push(await worker.createTrial(study.id, { state: "running" }));
        await reaper.updateTrial(running[2]!.id, { state: "failed", systemAttrs: { failReason: "reaped" } });
        const results = await Promise.all(running.map((trial) => worker.finishAndStartNext(trial.id, { state: "complete", values: [1] }, {}, null)));
        expect(results.map((r) => r.finished?.state ?? null)).toEqual(["complete", "complete", null, "complete"]);
        expect(results.map((r) => r.started.trial.number)).toEqual([4, 5, 6, 7]);
        expect(await worker.getTrial(running[2]!.id)).toMatchObject({ state: "failed", systemAttrs: { failReason: "reaped" } });
        await expect(worker.updateTrial(running[2]!.id, { state: "complete", values: [1] })).rejects.toBeInstanceOf(TrialNotRunningError);
      } finally {
        await Promise.all([worker.close(), reaper.close()]);
      }
    });

    it("runs quick trials ahead of their writes one objective call at a time, and calls back only with stored trials", async () => {
      const url = freshSchemaUrl();
      const study = await createStudy({ name: "pipeline", storage: url, direction: "minimize", sampler: new RandomSampler({ seed: 2 }) });
      const observer = await PostgresStorage.open(url);
      try {
        let inObjective = 0;
        let mostAtOnce = 0;
        let mostRunning = 0;
        const seen: number[] = [];
        await study.optimize(
          async (trial) => {
            mostAtOnce = Math.max(mostAtOnce, ++inObjective);
            const x = trial.suggestFloat("x", 0, 1);
            await new Promise((resolve) => setImmediate(resolve));
            inObjective--;
            return x;
          },
          {
            nTrials: 120,
            callbacks: [
              async (_study, trial) => {
                seen.push(trial.number);
                // Read through another connection: what a callback is given is already committed.
                expect(await observer.getTrial(trial.id)).toMatchObject({ state: "complete", values: trial.values });
                const { trials } = await observer.trialsSince(study.id, 0);
                mostRunning = Math.max(mostRunning, trials.filter((t) => t.state === "running").length);
              },
            ],
          },
        );
        expect(mostAtOnce).toBe(1);
        // Sequential runs have one trial running at a callback (the one started ahead); this ran further ahead.
        expect(mostRunning).toBeGreaterThan(1);
        expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
        const { trials } = await observer.trialsSince(study.id, 0);
        expect(trials.map((t) => [t.number, t.state])).toEqual(Array.from({ length: 120 }, (_, i) => [i, "complete"]));
      } finally {
        await Promise.all([study.close(), observer.close()]);
      }
    });

    it("runs no trial ahead of a slow objective", async () => {
      const url = freshSchemaUrl();
      const study = await createStudy({ name: "pipeline-slow", storage: url, direction: "minimize", sampler: new RandomSampler({ seed: 4 }) });
      const observer = await PostgresStorage.open(url);
      try {
        let mostRunning = 0;
        await study.optimize(
          async (trial) => {
            // Slow against a write even on a loaded machine, where a committing write once took
            // over 100 ms and the pipeline rightly ran a trial ahead.
            await new Promise((resolve) => setTimeout(resolve, 400));
            return trial.suggestFloat("x", 0, 1);
          },
          {
            nTrials: 4,
            callbacks: [
              async () => {
                const { trials } = await observer.trialsSince(study.id, 0);
                mostRunning = Math.max(mostRunning, trials.filter((t) => t.state === "running").length);
              },
            ],
          },
        );
        // Only the next trial, started by the finishing write, is running when a trial is reported.
        expect(mostRunning).toBe(1);
      } finally {
        await Promise.all([study.close(), observer.close()]);
      }
    });

    it("gives back every trial started ahead of quick trials when a callback stops the run, and the next run takes them", async () => {
      const study = await createStudy({ name: "pipeline-stop", storage: freshSchemaUrl(), direction: "minimize", sampler: new RandomSampler({ seed: 3 }) });
      try {
        const objective = (trial: { suggestFloat(name: string, low: number, high: number): number }) => trial.suggestFloat("x", 0, 1);
        await study.optimize(objective, { nTrials: 200, callbacks: [(s, trial) => (trial.number === 40 ? s.stop() : undefined)] });
        let { trials } = await study.storage.trialsSince(study.id, 0);
        const complete = trials.filter((t) => t.state === "complete").length;
        // Trials that ran while trial 40's write was on its way finish; those only started ahead wait.
        expect(complete).toBeGreaterThan(40);
        expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
        expect(trials.every((t) => t.state === "complete" || t.state === "waiting")).toBe(true);
        const waiting = trials.length - complete;
        await study.optimize(objective, { nTrials: waiting + 3, concurrency: 1 });
        ({ trials } = await study.storage.trialsSince(study.id, 0));
        expect(trials.map((t) => [t.number, t.state])).toEqual(Array.from({ length: complete + waiting + 3 }, (_, i) => [i, "complete"]));
      } finally {
        await study.close();
      }
    });

    it("runs a population's segments and nothing else, though a worker could start its next trial ahead", async () => {
      const checkpointDir = mkdtempSync(join(tmpdir(), "sextant-pg-pbt-"));
      const study = await createStudy({
        name: "population",
        storage: freshSchemaUrl(),
        direction: "maximize",
        scheduler: new PBTScheduler({ population: 2, segments: 3, segmentSteps: 1, seed: 3, checkpointDir }),
      });
      try {
        await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.segment!.index, { concurrency: 2 });
        const { trials } = await study.storage.trialsSince(study.id, 0);
        expect(trials).toHaveLength(6);
        expect(trials.every((t) => t.state === "complete" && t.systemAttrs["pbt:member"] !== undefined)).toBe(true);
      } finally {
        await study.close();
        rmSync(checkpointDir, { recursive: true, force: true });
      }
    });

    it("lets workers that finish and start trials in one write mirror the study exactly", async () => {
      const url = freshSchemaUrl();
      const writers = await Promise.all(Array.from({ length: 4 }, () => PostgresStorage.open(url, { maxConnections: 2 })));
      try {
        const study = await writers[0]!.createStudy("mirror-finish-start", ["minimize"]);
        const mirrors = await Promise.all(
          writers.map(async (storage, w) => {
            const mirror = new Map<number, FrozenTrial>();
            const take = (trial: FrozenTrial): void => {
              const known = mirror.get(trial.id);
              if (!known || known.seq < trial.seq) mirror.set(trial.id, trial);
            };
            let { trial, changes } = await storage.startNextTrial(study.id, {}, 0);
            for (const changed of changes!.trials) take(changed);
            take(trial);
            let seq = changes!.seq;
            for (let i = 1; i <= 25; i++) {
              const patch = { state: "complete" as const, values: [w * 100 + i] };
              if (i === 25) {
                take(await storage.updateTrial(trial.id, patch));
                break;
              }
              const { finished, started } = await storage.finishAndStartNext(trial.id, patch, {}, seq);
              take(finished!);
              for (const changed of started.changes!.trials) take(changed);
              take(started.trial);
              seq = Math.max(seq, started.changes!.seq);
              trial = started.trial;
            }
            return { mirror, seq, take };
          }),
        );
        for (const [w, { seq, take }] of mirrors.entries()) for (const trial of (await writers[w]!.trialsSince(study.id, seq)).trials) take(trial);
        const truth = (await writers[0]!.trialsSince(study.id, 0)).trials;
        expect(truth).toHaveLength(100);
        expect(truth.map((t) => t.number)).toEqual([...Array(100).keys()]);
        expect(truth.every((t) => t.state === "complete")).toBe(true);
        for (const { mirror } of mirrors) expect([...mirror.values()].sort((a, b) => a.number - b.number)).toEqual(truth);
      } finally {
        await Promise.all(writers.map((storage) => storage.close()));
      }
    });

    it("lets a follower mirror a study exactly while separate connections write concurrently", async () => {
      const url = freshSchemaUrl();
      const writers = await Promise.all(Array.from({ length: 4 }, () => PostgresStorage.open(url, { maxConnections: 2 })));
      const follower = await PostgresStorage.open(url, { maxConnections: 1 });
      try {
        const study = await writers[0]!.createStudy("mirror", ["minimize"]);
        const mirror = new Map<number, FrozenTrial>();
        let seq = 0;
        let writing = true;
        const follow = (async () => {
          while (writing) {
            const changes = await follower.trialsSince(study.id, seq);
            expect(changes.seq).toBeGreaterThanOrEqual(seq);
            for (const trial of changes.trials) mirror.set(trial.id, trial);
            seq = changes.seq;
          }
        })();
        await Promise.all(
          writers.map(async (storage, w) => {
            for (let i = 0; i < 25; i++) {
              const trial = await storage.createTrial(study.id, { state: "running" });
              await storage.updateTrial(trial.id, { intermediate: { 0: w } });
              await storage.updateTrial(trial.id, { state: "complete", values: [w * 100 + i] });
            }
          }),
        );
        writing = false;
        await follow;
        const last = await follower.trialsSince(study.id, seq);
        for (const trial of last.trials) mirror.set(trial.id, trial);
        const truth = (await follower.trialsSince(study.id, 0)).trials;
        expect(truth).toHaveLength(100);
        expect([...mirror.values()].sort((a, b) => a.number - b.number)).toEqual(truth);
      } finally {
        await Promise.all([...writers, follower].map((storage) => storage.close()));
      }
    });
  });

  describe("indexes", () => {
    it("answers trialsSince, staleTrials and the once-key check from indexes, not by scanning the study", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      const schema = `"s${schemaCounter - 1}"`;
      try {
        const study = await storage.createStudy("big", ["minimize"]);
        await withClient(async (client) => {
          await client.query(
            `INSERT INTO ${schema}.sextant_trials (study_id, number, state, objective_values, seq, write_id)
             SELECT $1, n, 'complete', '[1]', n + 1, gen_random_uuid() FROM generate_series(0, 19999) AS n`,
            [study.id],
          );
          await client.query(`UPDATE ${schema}.sextant_studies SET seq = 20000, trial_count = 20000 WHERE id = $1`, [study.id]);
          await client.query(`ANALYZE ${schema}.sextant_trials`);
          const plan = async (sql: string, values: unknown[]) =>
            (await client.query(`EXPLAIN ${sql}`, values)).rows.map((row) => row["QUERY PLAN"] as string).join("\n");
          const since = await plan(`SELECT * FROM ${schema}.sextant_trials WHERE study_id = $1 AND seq > $2 ORDER BY number`, [study.id, 19990]);
          expect(since).toMatch(/Index Scan using sextant_trials_by_seq/);
          const stale = await plan(
            `SELECT * FROM ${schema}.sextant_trials WHERE study_id = $1 AND state = 'running' AND heartbeat_at < $2 ORDER BY number`,
            [study.id, Date.now()],
          );
          expect(stale).toMatch(/Index.*sextant_trials_running_heartbeat/);
          expect(stale).not.toMatch(/Seq Scan/);
          // createTrialOnce's check, which runs holding the study's lock, as the storage sends it.
          const onceKey = (storage as unknown as { sql: { trialWithOnceKey: { text: string } } }).sql.trialWithOnceKey.text;
          const once = await plan(onceKey, [study.id, "after:19999"]);
          expect(once).toMatch(/Index.*sextant_trials_once_key/);
          expect(once).not.toMatch(/Seq Scan/);
          // The ordered claim (PBT), which also runs holding the study's lock, checks each
          // undecided candidate against the pending trials through the partial indexes.
          const ordered = (storage as unknown as { sql: { claimWaitingInSegmentOrder: { text: string } } }).sql.claimWaitingInSegmentOrder.text;
          const claim = await plan(ordered, [study.id, "00000000-0000-0000-0000-000000000001", "{}", null, "pbt:member", "pbt:segment", "pbt:undecided"]);
          expect(claim).toMatch(/Index.*sextant_trials_waiting/);
          expect(claim).toMatch(/Index.*sextant_trials_running_heartbeat/);
          expect(claim).not.toMatch(/Seq Scan on sextant_trials/);
        });
        // The storage's own reads agree with the rows written behind its back.
        const changes = await storage.trialsSince(study.id, 19_995);
        expect(changes.trials.map((t) => t.number)).toEqual([19_995, 19_996, 19_997, 19_998, 19_999]);
        expect((await storage.createTrial(study.id, { state: "running" })).number).toBe(20_000);
      } finally {
        await storage.close();
      }
    });
  });

  describe("claims in segment order", () => {
    it("answers an ordered claim with nothing waiting without waiting for the study's lock", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      const schema = `"s${schemaCounter - 1}"`;
      try {
        const study = await storage.createStudy("pbt", ["minimize"]);
        await storage.createTrial(study.id, { state: "running", systemAttrs: { "pbt:member": 0, "pbt:segment": 0 } });
        await withClient(async (holder) => {
          // Another writer of the study holds its row.
          await holder.query("BEGIN");
          await holder.query(`SELECT id FROM ${schema}.sextant_studies WHERE id = $1 FOR UPDATE`, [study.id]);
          let settled = false;
          const claiming = storage
            .claimWaitingTrial(study.id, { segmentOrder: { member: "pbt:member", segment: "pbt:segment", undecided: "pbt:undecided" } })
            .finally(() => (settled = true));
          claiming.catch(() => undefined);
          let waitedForLock = false;
          while (!settled) {
            // Within a transaction, pg_stat_activity is read once unless told to read again.
            await holder.query("SELECT pg_stat_clear_snapshot()");
            const { rowCount } = await holder.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if (rowCount !== 0) {
              waitedForLock = true;
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await holder.query("COMMIT");
          expect(waitedForLock).toBe(false);
          expect(await claiming).toBeNull();
        });
        await expect(storage.claimWaitingTrial(study.id + 1, { segmentOrder: { member: "m", segment: "s", undecided: "u" } })).rejects.toThrow();
      } finally {
        await storage.close();
      }
    });
  });

  describe("ensured indexes", () => {
    it("indexes once keys on writable opens of a schema made without the index, at once from two workers, staying at version 2", async () => {
      const url = freshSchemaUrl();
      const schema = new URL(url).searchParams.get("schema")!;
      const first = await PostgresStorage.open(url);
      const study = await first.createStudy("keyed", ["minimize"]);
      expect((await first.createTrialOnce(study.id, "after:0", { state: "waiting" }))?.number).toBe(0);
      await first.close();
      const onceKeyIndex = () =>
        withClient(
          async (client) =>
            (await client.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname = 'sextant_trials_once_key'", [schema])).rowCount,
        );
      // The schema as version 2 left it before the index.
      await withClient((client) => client.query(`DROP INDEX "${schema}".sextant_trials_once_key`));
      // A row whose text is not JSON (edited by hand) fails the build: the open goes on without the index.
      const damaged = await withClient(async (client) =>
        (await client.query(
          `INSERT INTO "${schema}".sextant_trials (study_id, number, state, system_attrs, seq, write_id) VALUES ($1, 99, 'failed', '{not json', 0, gen_random_uuid()) RETURNING id`,
          [study.id],
        )).rows[0].id,
      );
      await (await PostgresStorage.open(url)).close();
      expect(await onceKeyIndex()).toBe(0);
      await withClient((client) => client.query(`DELETE FROM "${schema}".sextant_trials WHERE id = $1`, [damaged]));
      const check = (storage: PostgresStorage) => (storage as unknown as { sql: { trialWithOnceKey: { text: string } } }).sql.trialWithOnceKey.text;
      // Read-only: nothing made, and the same check answers by scanning.
      const reader = await PostgresStorage.open(url, { readOnly: true });
      try {
        expect(await onceKeyIndex()).toBe(0);
        await withClient(async (client) => {
          expect((await client.query(check(reader), [study.id, "after:0"])).rowCount).toBe(1);
          expect((await client.query(check(reader), [study.id, "after:1"])).rowCount).toBe(0);
        });
      } finally {
        await reader.close();
      }
      // Two workers at once: both open, the index is made once, and nothing is said (still version 2).
      const heard: string[] = [];
      const workers = await Promise.all([0, 1].map(() => PostgresStorage.open(url, { onSchemaUpgrade: (message) => heard.push(message) })));
      try {
        expect(heard).toEqual([]);
        expect(await onceKeyIndex()).toBe(1);
        const versions = await withClient(async (client) => (await client.query(`SELECT MAX(version) AS v FROM "${schema}".sextant_schema_version`)).rows[0].v);
        expect(versions).toBe(2);
        expect(await workers[0]!.createTrialOnce(study.id, "after:0", { state: "waiting" })).toBeNull();
        expect((await workers[1]!.createTrialOnce(study.id, "after:1", { state: "waiting" }))?.number).toBe(1);
        await withClient(async (client) => {
          await client.query("SET enable_seqscan = off");
          const plan = (await client.query(`EXPLAIN ${check(workers[0]!)}`, [study.id, "after:1"])).rows.map((row) => row["QUERY PLAN"] as string).join("\n");
          expect(plan).toMatch(/Index.*sextant_trials_once_key/);
        });
      } finally {
        await Promise.all(workers.map((worker) => worker.close()));
      }
    });

    it("opens when another session makes the same index under its feet, without the migration lock", async () => {
      const url = freshSchemaUrl();
      const schema = new URL(url).searchParams.get("schema")!;
      await (await PostgresStorage.open(url)).close();
      const definition = (await withClient(async (client) => {
        const { rows } = await client.query("SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'sextant_trials_once_key'", [schema]);
        await client.query(`DROP INDEX "${schema}".sextant_trials_once_key`);
        return rows[0].indexdef;
      })) as string;
      await withClient(async (other) => {
        // Made, not yet committed: the opener's IF NOT EXISTS does not see it, and its own entry waits on it.
        await other.query("BEGIN");
        await other.query(definition);
        let settled = false;
        const opening = PostgresStorage.open(url, { retryDeadlineMs: 0 }).finally(() => (settled = true));
        opening.catch(() => undefined);
        while (!settled) {
          // Within a transaction, pg_stat_activity is read once unless told to read again.
          await other.query("SELECT pg_stat_clear_snapshot()");
          const { rowCount } = await other.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX IF NOT EXISTS sextant_trials_once_key%'",
          );
          if (rowCount === 1) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await other.query("COMMIT");
        const storage = await opening;
        await storage.close();
      });
    });

    it("opens as a role granted reads and writes but not ownership, which may not index the tables, without the index", async () => {
      const url = freshSchemaUrl();
      const schema = new URL(url).searchParams.get("schema")!;
      await (await PostgresStorage.open(url)).close();
      const role = `sextant_worker_${Math.random().toString(36).slice(2, 8)}`;
      await withClient(async (client) => {
        await client.query(`DROP INDEX "${schema}".sextant_trials_once_key`);
        await client.query(`CREATE ROLE ${role} LOGIN`);
        await client.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
        await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
        await client.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${role}`);
      });
      try {
        const asWorker = new URL(url);
        asWorker.username = role;
        const storage = await PostgresStorage.open(asWorker.toString(), { retryDeadlineMs: 0 });
        try {
          const study = await storage.createStudy("granted", ["minimize"]);
          expect((await storage.createTrialOnce(study.id, "after:0", { state: "waiting" }))?.number).toBe(0);
          expect(await storage.createTrialOnce(study.id, "after:0", { state: "waiting" })).toBeNull();
        } finally {
          await storage.close();
        }
      } finally {
        await withClient(async (client) => {
          await client.query(`DROP OWNED BY ${role}`);
          await client.query(`DROP ROLE ${role}`);
        });
      }
    });
  });

  describe("faults", () => {
    it("retries through killed connections without losing or duplicating a trial", async () => {
      const url = freshSchemaUrl();
      const storages = await Promise.all([PostgresStorage.open(url), PostgresStorage.open(url)]);
      try {
        const study = await storages[0]!.createStudy("killed", ["minimize"]);
        for (let i = 0; i < 10; i++) await storages[0]!.createTrial(study.id, { state: "waiting" });
        const killer = keepTerminatingConnections();
        const created = await Promise.all(
          storages.map(async (storage, w) => {
            const mine: FrozenTrial[] = [];
            for (let i = 0; i < 60; i++) {
              const trial = (await storage.claimWaitingTrial(study.id)) ?? (await storage.createTrial(study.id, { state: "running" }));
              await storage.recordHeartbeat([trial.id]);
              await storage.updateTrial(trial.id, { userAttrs: { w } });
              mine.push(await storage.updateTrial(trial.id, { state: "complete", values: [i] }));
            }
            return mine;
          }),
        );
        expect(await killer.stop()).toBeGreaterThan(0);

        const trials = (await storages[1]!.trialsSince(study.id, 0)).trials;
        // 120 trials run: the 10 enqueued ones and 110 new ones, each once.
        expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 120 }, (_, i) => i));
        expect(trials.every((t) => t.state === "complete")).toBe(true);
        const finishedByWorkers = created.flat().map((t) => t.number).sort((a, b) => a - b);
        expect(finishedByWorkers).toEqual(trials.map((t) => t.number));
      } finally {
        await Promise.all(storages.map((storage) => storage.close()));
      }
    });

    it("queues a budget of trials through killed connections exactly once", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      try {
        const study = await storage.createStudy("killed-queue", ["minimize"]);
        const killer = keepTerminatingConnections();
        for (let i = 0; i < 20; i++) await storage.queueTrials(study.id, 250);
        await killer.stop();
        const trials = (await storage.trialsSince(study.id, 0)).trials;
        expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
        expect(trials.every((t) => t.state === "waiting")).toBe(true);
      } finally {
        await storage.close();
      }
    });

    it("writes batches of whole trials (a copy's insertTrials) through killed connections exactly once, each returned as written", async () => {
      const storage = await PostgresStorage.open(freshSchemaUrl());
      try {
        const study = await storage.createStudy("killed-copy", ["minimize"]);
        const killer = keepTerminatingConnections();
        const returned: FrozenTrial[] = [];
        for (let batch = 0; batch < 20; batch++) {
          const trials = Array.from({ length: 250 }, (_, i) => ({
            state: "complete" as const,
            params: { i: batch * 250 + i },
            distributions: { i: { type: "int" as const, low: 0, high: 10_000 } },
            values: [batch * 250 + i],
            intermediate: {},
            userAttrs: {},
            systemAttrs: {},
            startedAt: 1_600_000_000_000,
            finishedAt: 1_600_000_000_001,
          }));
          returned.push(...(await storage.insertTrials(study.id, trials)));
        }
        await killer.stop();
        const trials = (await storage.trialsSince(study.id, 0)).trials;
        expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
        expect(trials.every((t) => t.values![0] === t.number && t.params.i === t.number)).toBe(true);
        expect(returned).toEqual(trials);
      } finally {
        await storage.close();
      }
    });

    it("retries group commits through killed connections without losing, duplicating or twice finishing a trial", async () => {
      const url = freshSchemaUrl();
      const storages = await Promise.all([PostgresStorage.open(url), PostgresStorage.open(url)]);
      try {
        const study = await storages[0]!.createStudy("killed-groups", ["minimize"]);
        const killer = keepTerminatingConnections();
        // Four lanes per storage, each finishing its trial and starting the next 15 times: the
        // writes that wait for one another go out as group commits, some of them cut off mid-way.
        const lanes = await Promise.all(
          storages.flatMap((storage) =>
            Array.from({ length: 4 }, async () => {
              const finished: FrozenTrial[] = [];
              let trial = await storage.createTrial(study.id, { state: "running" });
              for (let i = 0; i < 15; i++) {
                const result = await storage.finishAndStartNext(trial.id, { state: "complete", values: [i] }, {}, null);
                finished.push(result.finished ?? (await storage.updateTrial(trial.id, { state: "complete", values: [i] })));
                trial = result.started.trial;
              }
              finished.push(await storage.updateTrial(trial.id, { state: "complete", values: [15] }));
              return finished;
            }),
          ),
        );
        expect(await killer.stop()).toBeGreaterThan(0);
        const trials = (await storages[1]!.trialsSince(study.id, 0)).trials;
        expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 8 * 16 }, (_, i) => i));
        expect(trials.every((t) => t.state === "complete")).toBe(true);
        expect(lanes.flat().map((t) => t.number).sort((a, b) => a - b)).toEqual(trials.map((t) => t.number));
      } finally {
        await Promise.all(storages.map((storage) => storage.close()));
      }
    });

    const cluster = findCluster();
    it.skipIf(cluster === null)(
      "completes a study run by several worker processes across a server restart, every trial accounted for",
      async () => {
        const url = freshSchemaUrl();
        const setup = await PostgresStorage.open(url);
        const study = await setup.createStudy("restart", ["minimize"]);
        await setup.close();

        const workers = 3;
        const trialsPerWorker = 80;
        const children: { child: ChildProcess; output: Promise<string> }[] = [];
        for (let i = 0; i < workers; i++) {
          const child = spawn(process.execPath, [`${root}scripts/optimize-worker.mjs`, url, "restart", String(trialsPerWorker), "random", String(i), "20"], {
            stdio: ["ignore", "pipe", "pipe"],
          });
          let stdout = "";
          let stderr = "";
          child.stdout!.on("data", (chunk) => (stdout += chunk));
          child.stderr!.on("data", (chunk) => (stderr += chunk));
          const output = new Promise<string>((resolve, reject) =>
            child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`worker ${i} exited with ${code}:\n${stderr}`)))),
          );
          children.push({ child, output });
        }
        try {
          const observer = await PostgresStorage.open(url, { maxConnections: 1 });
          const finished = async () => (await observer.trialsSince(study.id, 0)).trials.filter((t) => t.state === "complete").length;
          // Restart while the workers are mid-run: after some trials, well before the last.
          while ((await finished()) < 30) await new Promise((resolve) => setTimeout(resolve, 100));
          const finishedBeforeRestart = await finished();
          await observer.close();
          // The restart must strike mid-run, or this test proves nothing.
          expect(finishedBeforeRestart).toBeLessThan(workers * trialsPerWorker);
          expect(children.some(({ child }) => child.exitCode === null)).toBe(true);
          const restart = spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", cluster!, "main", "restart"], { encoding: "utf8" });
          expect(restart.status, restart.stderr).toBe(0);

          const reports = (await Promise.all(children.map((c) => c.output))).map(
            (out) => JSON.parse(out.trim().split("\n").pop()!) as { numbers: number[] },
          );
          const after = await PostgresStorage.open(url);
          const trials = (await after.trialsSince(study.id, 0)).trials;
          await after.close();
          expect(trials.map((t) => t.number)).toEqual(Array.from({ length: workers * trialsPerWorker }, (_, i) => i));
          expect(trials.every((t) => t.state === "complete" && t.values !== null)).toBe(true);
          expect(trials.every((t) => Object.keys(t.params).length === 4)).toBe(true);
          expect(reports.flatMap((r) => r.numbers).sort((a, b) => a - b)).toEqual(trials.map((t) => t.number));
        } finally {
          for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
        }
      },
      240_000,
    );
  });
});

/** The PostgreSQL cluster version to restart with pg_ctlcluster, or null where that is not possible. */
function findCluster(): string | null {
  if (!existsSync("/etc/postgresql") || spawnSync("pg_ctlcluster", ["--help"], { stdio: "ignore" }).error) return null;
  const version = readdirSync("/etc/postgresql").find((name) => /^\d+$/.test(name) && existsSync(join("/etc/postgresql", name, "main")));
  if (version === undefined) return null;
  // pg_ctlcluster runs only as root or the cluster's owner: a contributor's restart was refused
  // ("You must run this program as the cluster owner (postgres) or root"), failing the test.
  const uid = process.getuid?.();
  return uid === 0 || uid === statSync(join("/etc/postgresql", version, "main")).uid ? version : null;
}

describe.skipIf(skip !== null)("postgres storage: a trial started ahead", () => {
  it("is not reaped while callbacks outlast the heartbeat grace before the next ask takes it", async () => {
    // finishAndStartNext starts the next trial with the last one's finish; it had no heartbeats and
    // was no active trial until the next ask, so the process's own reaper failed it during a long
    // callback and its result was thrown away ("already failed … by another process").
    const storage = await openStorage(freshSchemaUrl());
    try {
      const warnings: string[] = [];
      const study = await createStudy({ name: "ahead", storage, sampler: new RandomSampler({ seed: 1 }), onWarning: (m) => void warnings.push(m) });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), {
        nTrials: 3,
        heartbeat: { intervalSeconds: 0.5, graceSeconds: 1.5 },
        // Long after trials 0 and 1, each with the next trial started ahead; after the last, with
        // nothing started ahead, a long callback would prove nothing.
        callbacks: [(_study, trial) => (trial.number < 2 ? new Promise((resolve) => setTimeout(resolve, 2500)) : undefined)],
      });
      expect(study.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
      expect(warnings).toEqual([]);
    } finally {
      await storage.close();
    }
  }, 60_000);
});

describe.skipIf(skip !== null)("postgres storage: a trial started ahead and given back", () => {
  it("is handed to an HTTP client with the client's heartbeat, not the one of the run that started it", async () => {
    // optimize started trial 1 ahead with a 0.5 s beat and a 5 s grace, then stopped; the trial went
    // back to the queue still recording that heartbeat. A client that asked for it and beat every
    // 20 s kept that record instead of its own, so a server reaping by 5 s failed it while it beat.
    const storage = await openStorage(freshSchemaUrl());
    try {
      const study = await createStudy({ name: "ahead", storage, sampler: new RandomSampler({ seed: 1 }) });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), {
        nTrials: 3,
        heartbeat: { intervalSeconds: 0.5, graceSeconds: 5 },
        callbacks: [(s) => s.stop()],
      });
      expect((await storage.trialsSince(study.id, 0)).trials.map((t) => [t.number, t.state])).toEqual([[0, "complete"], [1, "waiting"]]);
      const app = createServerApp({ storage, logError: () => undefined });
      const response = await app.request("/api/v1/studies/ahead/trials", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ heartbeatIntervalSeconds: 20 }) });
      const { trial } = (await response.json()) as { trial: FrozenTrial };
      expect([response.status, trial.number, trial.systemAttrs.heartbeat]).toEqual([201, 1, { graceSeconds: 60, intervalSeconds: 20 }]);
      expect((await storage.getTrial(trial.id))!.systemAttrs.heartbeat).toEqual({ graceSeconds: 60, intervalSeconds: 20 });
      // One that never says it beats is not taken for a trial of that run either.
      await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3, heartbeat: false, callbacks: [(s) => s.stop()] });
      const silent = (await (await app.request("/api/v1/studies/ahead/trials", { method: "POST" })).json()) as { trial: FrozenTrial };
      expect([silent.trial.number, silent.trial.systemAttrs.heartbeat ?? null]).toEqual([3, null]);
    } finally {
      await storage.close();
    }
  }, 60_000);
});

describe.skipIf(skip !== null)("postgres storage: the heartbeat thread", () => {
  it("beats into the schema given as an option, reopening with the URL's password", async () => {
    // The thread reopened the storage from its shown URL: "***" as the password (refused by any
    // server that checks it) and the public schema, where it made tables and beat nothing of ours.
    const withPassword = database.url.replace("://postgres@", "://postgres:s3cret@");
    expect(withPassword).toContain("s3cret");
    const schema = `opt${schemaCounter++}`;
    const storage = await PostgresStorage.open(withPassword, { schema });
    try {
      expect(storage.url).not.toContain("s3cret");
      expect(storage.reopenUrl).toContain("s3cret");
      const study = await createStudy({ name: "beats", storage, sampler: new RandomSampler({ seed: 1 }) });
      const seen: number[] = [];
      await study.optimize(
        async (trial) => {
          for (let i = 0; i < 4; i++) {
            await new Promise((resolve) => setTimeout(resolve, 400));
            const rows = await withClient((c) => c.query<{ heartbeat_at: string }>(`SELECT heartbeat_at FROM ${schema}.sextant_trials WHERE number = 0`));
            seen.push(Number(rows.rows[0]!.heartbeat_at));
          }
          return trial.suggestFloat("x", 0, 1);
        },
        { nTrials: 1, heartbeat: { intervalSeconds: 0.2, graceSeconds: 5 } },
      );
      expect(new Set(seen).size).toBeGreaterThan(1);
    } finally {
      await storage.close();
    }
  }, 30_000);
});

describe.skipIf(skip !== null)("postgres storage: close", () => {
  it("lets operations already started finish, and refuses new ones", async () => {
    const storage = await PostgresStorage.open(freshSchemaUrl(), { maxConnections: 1 });
    const study = await storage.createStudy("closing", ["minimize"]);
    // Five writes queue for the one connection; close() ended the pool under them, and those still
    // waiting for a connection neither finished nor failed (a timeout 10 s later, if anything).
    const writes = Array.from({ length: 5 }, () => storage.createTrial(study.id, { state: "running" }));
    const closed = storage.close();
    const settled = await Promise.allSettled(writes);
    await closed;
    expect(settled.map((s) => s.status)).toEqual(Array(5).fill("fulfilled"));
    await expect(storage.createTrial(study.id, { state: "running" })).rejects.toThrow(/is closed/);
  });
});
