/**
 * What a `postgres://` URL may carry, checked without loading `pg`: `storageUrlProblem` (the
 * CLI's `--storage`, `SEXTANT_STORAGE` and a config file's `storage:`) refuses a bad URL as a
 * usage error before anything connects, and `PostgresStorage.open` refuses the same URLs.
 */
import { didYouMean } from "../space/index.js";

/** The URL query parameters Sextant reads itself. */
export const SEXTANT_URL_PARAMETERS = ["schema", "synchronous_commit", "connect_timeout"];
/** Those node-postgres reads from a connection string (pg-connection-string and pg's ConnectionParameters). */
export const DRIVER_URL_PARAMETERS = [
  "host", "port", "user", "password", "database", "db", "encoding", "client_encoding", "ssl", "sslmode", "sslcert", "sslkey",
  "sslrootcert", "sslnegotiation", "uselibpqcompat", "options", "application_name", "fallback_application_name",
  "statement_timeout", "query_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "replication", "binary",
  "keepalives", "keepalives_idle",
];

/**
 * The `sslmode` values node-postgres acts on. It reads any other as verify-full: "?sslmode=disabel"
 * asked a server without SSL for an encrypted connection. (libpq's `allow` is not among them.)
 */
const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"];

/** How long one connection attempt waits for the server when the URL sets no `connect_timeout`. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

/**
 * How long, in seconds, one connection attempt to the URL's server waits before it is given up
 * and retried: the URL's `connect_timeout` as libpq reads it (whole seconds, 1 read as 2), else
 * {@link DEFAULT_CONNECT_TIMEOUT_SECONDS}. A URL that {@link urlParameterProblem} refuses for its
 * `connect_timeout` gets the default.
 *
 * @example
 * connectTimeoutSeconds("postgres://me@db/x?connect_timeout=3") // 3
 */
export function connectTimeoutSeconds(url: string): number {
  const question = url.indexOf("?");
  const value = question < 0 ? null : new URLSearchParams(url.slice(question + 1)).get("connect_timeout");
  return (value === null ? null : connectTimeoutOf(value)) ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
}

/**
 * A `connect_timeout` value in seconds as libpq reads it, or null when Sextant cannot use it:
 * libpq waits forever for 0, and a worker that retries an unreachable server needs a limit.
 */
function connectTimeoutOf(value: string): number | null {
  return /^\s*\d+\s*$/.test(value) && Number(value) >= 1 ? Math.max(2, Number(value)) : null;
}

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
  // Every stderr line goes through here, a command's own output with -v included, and messages
  // embed user input (a bad URL pasted in a config): one forward scan, no backtracking regex. A
  // regex took seconds on "p://u:" repeated (each scheme:// rescanned the rest of the line) and
  // minutes on a 400 kB output line.
  let out = text.includes("://") ? redactUserPasswords(text) : text;
  if (/password=/i.test(out)) out = out.replace(/([?&]password=)[^&#\s'"]*/gi, "$1***");
  return out;
}

/**
 * The text with the password of every `scheme://user:password@host` replaced by `***`, in time
 * linear in its length.
 *
 * The userinfo ends at the last "@" of the authority (which ends at the first "/", "?", "#", white
 * space or quote): a valid password has its "@" percent-encoded, and taking the last "@" of the
 * line swallowed text ("postgres://a:pw@h/x mail root@example.com"). The driver also takes a
 * password with an unencoded quote, space or slash ("it's a secret"), which ends that authority
 * before any "@": then the password runs to the first "@" after it that a host follows, on the
 * same line and not past the start of another URL after a space or quote (two URLs on one line are
 * each redacted on their own), unless it is a port followed by a path or query and that "@" comes
 * after white space ("db:5432/x: ask admin@example.com"). A "://" inside the password ("p://w")
 * starts no URL.
 */
function redactUserPasswords(text: string): string {
  const validAtFinder = forwardFinder(text, (index) => text[index] === "@" && hostFollows(text, index + 1));
  const lineEndFinder = forwardFinder(text, (index) => isLineEnd(text[index]) || (isWordBoundary(text[index]) && schemeEnd(text, index + 1) >= 0));
  const spaceFinder = forwardFinder(text, (index) => /\s/.test(text[index]!));
  let out = "";
  let copiedUpTo = 0;
  let searchFrom = 0;
  for (;;) {
    const separator = text.indexOf("://", searchFrom);
    if (separator < 0) break;
    searchFrom = separator + 1;
    let schemeStart = separator;
    while (schemeStart > copiedUpTo && isSchemeCharacter(text[schemeStart - 1])) schemeStart--;
    if (schemeStart === separator || !isLetter(text[schemeStart]) || (schemeStart > 0 && isSchemeCharacter(text[schemeStart - 1]))) continue;
    const authorityStart = separator + 3;
    let authorityEnd = authorityStart;
    while (authorityEnd < text.length && !isAuthorityEnd(text[authorityEnd])) authorityEnd++;
    const authority = text.slice(authorityStart, authorityEnd);
    const colon = authority.indexOf(":");
    if (colon < 0) continue;
    const passwordStart = authorityStart + colon + 1;
    let at = authorityStart + authority.lastIndexOf("@");
    if (at < authorityStart) {
      at = validAtFinder(passwordStart);
      if (at >= text.length || lineEndFinder(passwordStart) < at) continue;
      // "host:port", a path or query, and the "@" only past white space: an e-mail address later in
      // the message ("db:5432/x: ask admin@example.com") ends no password. Without white space
      // before the "@" it is taken for a password with an unencoded slash ("u:2024/Winter@h"), which
      // was shown in full; before a space or quote ("u:1234 5@h") it is one, as the driver reads it.
      if (/[/?#]/.test(text[authorityEnd] ?? "") && isPort(text.slice(passwordStart, authorityEnd)) && spaceFinder(authorityEnd) < at) continue;
    } else if (at < passwordStart) {
      continue; // "user@host:port": the colon is the port's
    } else if (!isHostAndPort(text.slice(at + 1, authorityEnd))) {
      // No host after the authority's "@" ("u:p@ss:w/o@h": a password with an unencoded "@" and then
      // a slash, which ended the authority): it was the password's, which ran on to the next "@" a
      // host follows in the same word, and most of it was shown.
      const next = validAtFinder(at + 1);
      if (next < text.length && spaceFinder(at) > next && lineEndFinder(at) > next) at = next;
    }
    out += text.slice(copiedUpTo, passwordStart) + "***";
    copiedUpTo = at;
    searchFrom = at + 1;
  }
  return out + text.slice(copiedUpTo);
}

/**
 * A function giving the first index at or after `from` where `matches` holds (the text's length
 * if none). Asked with a growing `from`, as the scan does, it looks at each index once in all.
 */
function forwardFinder(text: string, matches: (index: number) => boolean): (from: number) => number {
  // Nothing in [scannedFrom, found) matches, and found does (or is the end).
  let scannedFrom = Infinity;
  let found = -1;
  return (from) => {
    if (from >= scannedFrom && from <= found) return found;
    let index = from;
    while (index < text.length && !matches(index)) index++;
    scannedFrom = from;
    found = index;
    return index;
  };
}

/** Whether a host name (and then a port, path, query, white space, quote, punctuation or the end) starts at `index`. */
function hostFollows(text: string, index: number): boolean {
  let end = index;
  while (end < text.length && /[A-Za-z0-9.%[\]-]/.test(text[end]!)) end++;
  return end > index && (end === text.length || /[:/?#\s'",;]/.test(text[end]!));
}

/** The index just after `scheme://` when one starts at `index`, or -1. */
function schemeEnd(text: string, index: number): number {
  if (!isLetter(text[index])) return -1;
  let end = index + 1;
  while (end < text.length && isSchemeCharacter(text[end])) end++;
  return text.startsWith("://", end) ? end + 3 : -1;
}

/** Whether `text` is a host (a name, an address or a bracketed IPv6 address) with perhaps a port. */
function isHostAndPort(text: string): boolean {
  return /^(\[[0-9A-Fa-f:.%]*\]|[A-Za-z0-9.%-]*)(:\d*)?$/.test(text);
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text);
}

function isLetter(character: string | undefined): boolean {
  return character !== undefined && /[A-Za-z]/.test(character);
}

function isSchemeCharacter(character: string | undefined): boolean {
  return character !== undefined && /[A-Za-z0-9+.-]/.test(character);
}

function isAuthorityEnd(character: string | undefined): boolean {
  return character !== undefined && /[/?#\s'"]/.test(character);
}

function isWordBoundary(character: string | undefined): boolean {
  return character !== undefined && /[\s'"]/.test(character);
}

function isLineEnd(character: string | undefined): boolean {
  return character === "\n" || character === "\r";
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
 * parameter that neither Sextant nor node-postgres reads, a `connect_timeout` that is not a whole
 * number of seconds of at least 1, a `synchronous_commit` other than on or off, or an `sslmode`
 * node-postgres does not know.
 *
 * @example
 * urlParameterProblem("postgres://me@db/x?schema=runs") // null
 */
export function urlParameterProblem(url: string): string | null {
  const question = url.indexOf("?");
  if (question < 0) return null;
  const query = new URLSearchParams(url.slice(question + 1));
  const timeout = query.get("connect_timeout");
  if (timeout !== null && connectTimeoutOf(timeout) === null) {
    return `cannot open ${redactPassword(url)}: connect_timeout must be a whole number of seconds, 1 or more (got ${JSON.stringify(timeout)}); Sextant gives up a connection attempt after it and retries`;
  }
  for (const key of query.keys()) {
    if (SEXTANT_URL_PARAMETERS.includes(key) || DRIVER_URL_PARAMETERS.includes(key)) continue;
    return (
      `cannot open ${redactPassword(url)}: unknown URL parameter "${key}"${didYouMean(key, [...SEXTANT_URL_PARAMETERS, ...DRIVER_URL_PARAMETERS])}; ` +
      `Sextant reads ${SEXTANT_URL_PARAMETERS.slice(0, -1).join(", ")} and ${SEXTANT_URL_PARAMETERS.at(-1)}, node-postgres ${DRIVER_URL_PARAMETERS.join(", ")}`
    );
  }
  const synchronousCommit = query.get("synchronous_commit");
  if (synchronousCommit !== null && !["on", "off"].includes(synchronousCommit)) {
    return `cannot open ${redactPassword(url)}: synchronous_commit must be on or off (got ${JSON.stringify(synchronousCommit)})`;
  }
  const sslMode = query.get("sslmode");
  if (sslMode !== null && !SSL_MODES.includes(sslMode)) {
    return (
      `cannot open ${redactPassword(url)}: sslmode must be ${SSL_MODES.slice(0, -1).join(", ")} or ${SSL_MODES.at(-1)} ` +
      `(got ${JSON.stringify(sslMode)})${didYouMean(sslMode, SSL_MODES)}`
    );
  }
  return null;
}
