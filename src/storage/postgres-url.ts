/**
 * What a `postgres://` URL may carry, checked without loading `pg`: `storageUrlProblem` (the
 * CLI's `--storage`, `SEXTANT_STORAGE` and a config file's `storage:`) refuses a bad URL as a
 * usage error before anything connects, and `PostgresStorage.open` refuses the same URLs.
 */
import { didYouMean } from "../space/index.js";

/** The URL query parameters Sextant reads itself. */
export const SEXTANT_URL_PARAMETERS = ["schema", "synchronous_commit"];
/** Those node-postgres reads from a connection string (pg-connection-string and pg's ConnectionParameters). */
export const DRIVER_URL_PARAMETERS = [
  "host", "port", "user", "password", "database", "db", "encoding", "client_encoding", "ssl", "sslmode", "sslcert", "sslkey",
  "sslrootcert", "sslnegotiation", "uselibpqcompat", "options", "application_name", "fallback_application_name",
  "statement_timeout", "query_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "replication", "binary",
  "connect_timeout", "keepalives", "keepalives_idle",
];

/** A schema name Sextant accepts: an unquoted PostgreSQL identifier of at most 63 characters. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The text with every URL password replaced by `***`, for messages: the `user:password@` part of
 * a URL of any scheme (a mistyped `postgress://` or Optuna's `postgresql+psycopg2://` too, and a
 * password holding an unencoded `@`), and a `password=` query parameter. Works on a whole message
 * as well as on a URL.
 *
 * @example
 * redactPassword("postgres://me:secret@db/x") // "postgres://me:***@db/x"
 * redactPassword("cannot open postgres://me@db/x?password=secret") // "cannot open postgres://me@db/x?password=***"
 */
export function redactPassword(text: string): string {
  // Every stderr line goes through here, a command's own output with -v included: the scheme starts
  // only where a word does (the lookbehind), which keeps a long run of letters linear (it was
  // quadratic: a 400 kB output line took 147 s, blocking signals), and text without "://" or
  // "password=" is left at once.
  let out = text;
  // The password runs to the last "@" on the line that a host follows: the driver takes a password
  // with an unencoded quote, space or slash ("it's a secret"), and stopping at those printed it.
  // A URL already shown as "user:***@" is left as it is: from there, the password ran to the "@" of
  // a second URL on the line, and a message naming the storage twice lost all between the two.
  // Nor does it run past the start of another URL, after a space or quote: two URLs with passwords
  // on one line ("copy from postgres://a:pw1@h1/x to postgres://b:pw2@h2/y") were taken for one,
  // losing the text between. A "://" inside the password itself ("p://w") starts no URL.
  if (out.includes("://")) out = out.replace(/(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@\s'"]*:)(?!\*\*\*@)(?:(?![\s'"][A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\n])*@(?=[A-Za-z0-9.%[\]-]+(?:[:/?#\s'",;]|$))/g, "$1***@");
  if (/password=/i.test(out)) out = out.replace(/([?&]password=)[^&#\s'"]*/gi, "$1***");
  return out;
}

/**
 * Why a PostgreSQL URL would be refused before connecting, or null: a query parameter that
 * neither Sextant nor the driver reads (the driver drops it silently: `?schma=runs` would use the
 * public schema), a `synchronous_commit` other than on or off, or a schema name that is not an
 * identifier.
 *
 * @example
 * postgresUrlProblem("postgres://me@db/x?schma=runs") // 'cannot open postgres://me@db/x?schma=runs: unknown URL parameter "schma" (did you mean "schema"?); …'
 * postgresUrlProblem("postgres://me@db/x?schema=runs") // null
 */
export function postgresUrlProblem(url: string): string | null {
  const problem = urlParameterProblem(url);
  if (problem !== null) return problem;
  const question = url.indexOf("?");
  const schema = question < 0 ? null : new URLSearchParams(url.slice(question + 1)).get("schema");
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    return `cannot open ${redactPassword(url)}: schema must be letters, digits and _ (got ${JSON.stringify(schema)})`;
  }
  return null;
}

/**
 * What is wrong with a PostgreSQL URL's query parameters apart from the schema name (which
 * `PostgresStorage.open` checks after an option may have replaced it), or null: the first
 * parameter that neither Sextant nor node-postgres reads, or a `synchronous_commit` other than on
 * or off.
 *
 * @example
 * urlParameterProblem("postgres://me@db/x?schema=runs") // null
 */
export function urlParameterProblem(url: string): string | null {
  const question = url.indexOf("?");
  if (question < 0) return null;
  const query = new URLSearchParams(url.slice(question + 1));
  for (const key of query.keys()) {
    if (SEXTANT_URL_PARAMETERS.includes(key) || DRIVER_URL_PARAMETERS.includes(key)) continue;
    return (
      `cannot open ${redactPassword(url)}: unknown URL parameter "${key}"${didYouMean(key, [...SEXTANT_URL_PARAMETERS, ...DRIVER_URL_PARAMETERS])}; ` +
      `Sextant reads ${SEXTANT_URL_PARAMETERS.join(" and ")}, node-postgres ${DRIVER_URL_PARAMETERS.join(", ")}`
    );
  }
  const synchronousCommit = query.get("synchronous_commit");
  if (synchronousCommit !== null && !["on", "off"].includes(synchronousCommit)) {
    return `cannot open ${redactPassword(url)}: synchronous_commit must be on or off (got ${JSON.stringify(synchronousCommit)})`;
  }
  return null;
}
