/**
 * CLI suite (spawns `node bin/sextant.js` against dist/): PostgreSQL URLs as users write them.
 * A URL without a user connects as the operating-system user, like psql, even where `$USER` is
 * unset (containers, cron, systemd units).
 */
import { userInfo } from "node:os";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage } from "../src/storage/index.js";
import { sextant, start, tempDir } from "./fixtures/cli-run.js";
import { seedStudy } from "./fixtures/dashboard-studies.mjs";
import { type ScratchDatabase, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

const skip = await postgresUnavailable();
let database: ScratchDatabase;
const { dir, cleanup } = tempDir("sextant-pg-url-");

beforeAll(async () => {
  if (skip === null) database = await createScratchDatabase();
});
afterAll(async () => {
  cleanup();
  await database?.drop();
});

describe.skipIf(skip !== null)("postgres:// URLs", () => {
  it("a URL without a user connects as the operating-system user when $USER and $PGUSER are unset", async () => {
    const url = new URL(database.url);
    url.username = "";
    url.password = "";
    const result = await sextant(["studies", "--storage", `${url.toString()}?schema=u1_nouser`], {
      cwd: dir,
      env: { USER: "", PGUSER: "", LOGNAME: "" },
    });
    // node-postgres alone said "no PostgreSQL user name specified in startup packet". With the
    // operating-system user the server either lets us in or names that role.
    expect(result.stderr).not.toMatch(/no PostgreSQL user name/);
    if (result.code === 0) expect(result.stdout).toMatch(/^no studies in postgres:/);
    else expect(result.stderr).toMatch(new RegExp(`role "${userInfo().username}"`));
  });

  it("never prints a password, in the user part or as ?password=, and keeps its read-only guard beside the URL's options=", async () => {
    // Trust auth: any password connects, so the one in the URL is only there to be hidden.
    const url = new URL(database.url);
    url.password = "Sup3rSecret";
    const withPassword = `${url.toString()}?schema=pw1`;
    const inQuery = `${database.url}?schema=pw1&password=Sup3rSecret`;
    const created = await sextant(["create", "--storage", inQuery, "--study", "pw", "--trials", "1", "-p", "x=float:0:1", "--", "node", "-e", "console.log(1)"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const outputs = [
      created,
      await sextant(["studies", "--storage", `${url.toString()}?schema=pw_empty`], { cwd: dir }),
      await sextant(["trials", "nosuch", "--storage", withPassword], { cwd: dir }),
      await sextant(["best", "nosuch", "--storage", inQuery], { cwd: dir }),
      await sextant(["studies"], { cwd: dir, env: { SEXTANT_STORAGE: "postgresql+psycopg2://u:Sup3rSecret@127.0.0.1/x" } }),
    ];
    // Each printed it: the studies/trials/best messages, create's worker command, an unknown scheme.
    for (const output of outputs) expect(`${output.stdout}${output.stderr}`).not.toContain("Sup3rSecret");
    expect(outputs[2]!.stderr).toMatch(/no study named "nosuch" in postgres:\/\/[^:]+:\*\*\*@/);
    expect(created.stdout).toMatch(/password=\*\*\*/);
    // A URL's own options= used to replace Sextant's: looking commands lost their read-only transactions.
    const options = `${database.url}?schema=pw1&options=${encodeURIComponent("-c lock_timeout=5000")}`;
    const looking = await openStorage(options, { readOnly: true });
    try {
      const pool = (looking as unknown as { pool: pg.Pool }).pool;
      const shown = async (name: string) => (await pool.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name];
      expect([await shown("default_transaction_read_only"), await shown("lock_timeout")]).toEqual(["on", "5s"]);
    } finally {
      await looking.close();
    }
  });

  it("sextant serve and sextant dashboard say where they serve from without the password", async () => {
    // Both printed their storage URL whole on stdout, the password included, into systemd's and Kubernetes' logs.
    const url = new URL(database.url);
    url.password = "Sup3rSecret";
    for (const command of ["serve", "dashboard"]) {
      const running = start([command, "--port", "0", "--storage", `${url.toString()}?schema=pw_serve`], { cwd: dir });
      try {
        await running.waitForStderr("Ctrl-C stops", 30_000);
        running.child.kill("SIGTERM");
        const ended = await running.done;
        expect(ended.code, `signal ${ended.signal}, stderr: ${ended.stderr}`).toBe(0);
        expect(`${ended.stdout}${ended.stderr}`, command).not.toContain("Sup3rSecret");
        expect(ended.stdout, command).toMatch(/\(storage postgres(ql)?:\/\/[^:]+:\*\*\*@/);
      } finally {
        // Only a cleanup: an assertion here would replace the error that brought the test here.
        running.child.kill("SIGKILL");
      }
    }
  });

  it("create's and worker's hints that name the storage say to put back the password they show as ***", async () => {
    const url = new URL(database.url);
    url.password = "Sup3rSecret";
    const storage = `${url.toString()}?schema=pw_hints`;
    const shown = `'${url.toString().replace(":Sup3rSecret@", ":***@")}?schema=pw_hints'`;
    const create = ["create", "--storage", storage, "--study", "hints", "--trials", "1", "-p", "x=float:0:1", "--", "node", "-e", "console.log(1)"];
    const created = await sextant(create, { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`  sextant worker --storage ${shown} --study hints\n  (with your password in place of ***)\n`);
    const again = await sextant(create, { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr.replace(/\s+/g, " ")).toContain(`"sextant worker --storage ${shown} --study hints" (with your password in place of ***), or pick another --study`);
    const missing = await sextant(["worker", "--storage", storage, "--study", "nosuch"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr.replace(/\s+/g, " ")).toContain(`make one with: sextant create --storage ${shown} --study nosuch --config FILE (with your password in place of ***)`);
    for (const output of [created, again, missing]) expect(`${output.stdout}${output.stderr}`).not.toContain("Sup3rSecret");
  });

  it("sextant delete, fail-trial, requeue and online choose and observe, which write, find nothing in a schema without Sextant's tables and create none there", async () => {
    const tables = async (): Promise<string[]> => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'typo_schema'")).rows.map((r) => r.name);
      } finally {
        await client.end();
      }
    };
    const storage = `${database.url}?schema=typo_schema`;
    for (const args of [["delete", "fleet", "--yes"], ["fail-trial", "fleet", "7"], ["requeue", "fleet", "7"]]) {
      const refused = await sextant([...args, "--storage", storage], { cwd: dir });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/^sextant: no study named "fleet" in postgres:.*schema=typo_schema \(it has no studies\)/);
      // A writable open gave the mistyped schema Sextant's three tables.
      expect(await tables(), args[0]).toEqual([]);
    }
    for (const args of [["online", "choose", "sor"], ["online", "observe", "sor", "3"]]) {
      const refused = await sextant([...args, "--storage", storage], { cwd: dir });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/^sextant: no online tuner named "sor": no storage found at postgres:.*schema=typo_schema: its schema holds no Sextant tables; .*create it with "sextant online create sor/);
      expect(await tables(), args.join(" ")).toEqual([]);
    }
  });

  it("sextant dashboard refuses a schema without Sextant's tables and creates none there", async () => {
    const schemas = async (): Promise<string[]> => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<{ name: string }>("SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'dash_%'")).rows.map((r) => r.name).sort();
      } finally {
        await client.end();
      }
    };
    const refused = await sextant(["dashboard", "--port", "0", "--storage", `${database.url}?schema=dash_empty`], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/^sextant: no storage found at postgres:.*schema=dash_empty: its schema holds no Sextant tables; point at one with --storage URL or SEXTANT_STORAGE/);
    expect(await schemas()).toEqual([]);
    // A schema that holds studies is served.
    const storage = await openStorage(`${database.url}?schema=dash_full`);
    await seedStudy(storage, "tuned", { trials: 2, seed: 1 });
    await storage.close();
    const running = start(["dashboard", "--port", "0", "--storage", `${database.url}?schema=dash_full`], { cwd: dir });
    try {
      await running.waitForStderr("Ctrl-C stops", 30_000);
      running.child.kill("SIGTERM");
      const ended = await running.done;
      expect(ended.code, `signal ${ended.signal}, stderr: ${ended.stderr}`).toBe(0);
    } finally {
      // Only a cleanup: an assertion here would replace the error that brought the test here.
      running.child.kill("SIGKILL");
    }
    expect(await schemas()).toEqual(["dash_full"]);
  });

  it("a database that takes only reads, or a role that may only read, is a storage error naming the URL, not an internal error", async () => {
    const storage = `${database.url}?schema=reads_only`;
    const created = await sextant(["create", "--storage", storage, "--study", "kept", "--trials", "3", "-p", "x=float:0:1", "--", "node", "-e", "console.log(1)"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    // What a standby replica, or default_transaction_read_only on the database, answers to a write.
    const standby = `${storage}&options=${encodeURIComponent("-c default_transaction_read_only=on")}`;
    const role = `sextant_reader_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      await admin.query(`GRANT USAGE ON SCHEMA reads_only TO ${role}`);
      await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA reads_only TO ${role}`);
      const reader = new URL(database.url);
      reader.username = role;
      const cases: [string, string[], RegExp][] = [
        [standby, ["delete", "kept", "--yes"], /\(SQLSTATE 25006\); the server accepts only reads \(a standby replica, or default_transaction_read_only is on\): point the storage URL at the primary/],
        [standby, ["worker", "--study", "kept"], /\(SQLSTATE 25006\); the server accepts only reads/],
        [`${reader.toString()}?schema=reads_only`, ["delete", "kept", "--yes"], /permission denied .*\(SQLSTATE 42501\); the database role lacks a privilege this command needs/],
      ];
      for (const [url, args, reason] of cases) {
        const refused = await sextant([...args, "--storage", url], { cwd: dir });
        // It said "internal error: cannot execute DELETE in a read-only transaction … a bug in Sextant".
        expect(refused.stderr, args.join(" ")).not.toMatch(/internal error|a bug in Sextant/);
        expect(refused.stderr, args.join(" ")).toMatch(/^sextant: postgres:\/\/\S+schema=reads_only\S*: /m);
        expect(refused.stderr, args.join(" ")).toMatch(reason);
        expect(refused.code, args.join(" ")).toBe(1);
      }
    } finally {
      await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
    const listed = await sextant(["studies", "--json", "--storage", storage], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('"kept"');
  });
});
