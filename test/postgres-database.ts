/**
 * Scratch PostgreSQL databases for tests: each test file gets its own `sextant_test_<random>`
 * database, dropped at the end, so parallel runs (and other people's) never collide.
 *
 * The server is `SEXTANT_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test, the
 * one `.ci/run` starts). If it cannot be reached, tests skip with the reason locally, but fail in
 * CI (CI=true), where the server is part of the test environment.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inCI } from "./fixtures/environment.js";

export const ADMIN_URL = process.env.SEXTANT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface ScratchDatabase {
  readonly name: string;
  /** URL of the scratch database (same server and user as {@link ADMIN_URL}). */
  readonly url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Runs one statement on the admin database with a short-lived connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Why PostgreSQL tests cannot run here, or null if they can. Throws in CI, where a missing
 * server must fail the suite rather than skip it silently.
 */
export async function postgresUnavailable(): Promise<string | null> {
  // A server that is restarting (another test file's fault test) comes back within seconds.
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await adminQuery("SELECT 1");
      return null;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const reason = `PostgreSQL at ${ADMIN_URL} is unreachable (${lastError instanceof Error ? lastError.message : String(lastError)})`;
  if (inCI()) throw new Error(`${reason}; CI must run the PostgreSQL tests`);
  console.warn(`skipping PostgreSQL tests: ${reason}`);
  return reason;
}

/** Creates a fresh, empty database. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `sextant_test_${randomBytes(6).toString("hex")}`;
  await retryWhileRestarting(() => adminQuery(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => retryWhileRestarting(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Retries an admin statement while another test file restarts the server. */
async function retryWhileRestarting<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      const transient = code === "ECONNREFUSED" || code === "ECONNRESET" || code.startsWith("57P") || code.startsWith("08");
      // CREATE DATABASE copies template1 and fails if another session is using it at that moment.
      const templateBusy = code === "55006";
      if ((!transient && !templateBusy) || attempt >= 60) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 500));
    }
  }
}
