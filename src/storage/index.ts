import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";
import { loadPostgres } from "./load-postgres.js";
import { MemoryStorage } from "./memory.js";
import { postgresUrlProblem, redactPassword } from "./postgres-url.js";
export { redactPassword } from "./postgres-url.js";
export { shellWord } from "./shell-word.js";
import { unknownKeysMessage } from "../space/options.js";
import { type SchemaUpgradeListener, type Storage, StorageOpenError } from "./types.js";

export * from "./types.js";
export { heldInSegmentOrder } from "./segment-order.js";
export { MemoryStorage } from "./memory.js";
export { summarizeStudy } from "./summary.js";
export { decodeWtf8 } from "./wtf8.js";
export { type TrialPageOptions, type TrialQuery, findTrials, selectTrials, trialPages } from "./trial-query.js";

/** Thrown for a storage URL that names no known backend or cannot be opened. */
export class StorageUrlError extends Error {
  override name = "StorageUrlError";
}

/**
 * The file a `sqlite:` URL names (`sqlite:PATH` or `sqlite://PATH`), or null for any other URL.
 * An empty string means the URL names no file. After `sqlite://`, one `/` ends the empty host, as
 * SQLAlchemy and Optuna read it: `sqlite:///a.db` is the relative `a.db`, `sqlite:////tmp/a.db`
 * the absolute `/tmp/a.db`.
 *
 * @example
 * sqlitePath("sqlite:./sextant.db") // "./sextant.db"
 * sqlitePath("sqlite:/tmp/a.db") // "/tmp/a.db"
 * sqlitePath("sqlite:///a.db") // "a.db"
 * sqlitePath("sqlite:////tmp/a.db") // "/tmp/a.db"
 * sqlitePath("memory:") // null
 */
export function sqlitePath(url: string): string | null {
  if (!url.startsWith("sqlite:")) return null;
  const path = url.slice("sqlite:".length);
  if (!path.startsWith("//")) return path;
  const rest = path.slice(2);
  return rest.startsWith("/") ? rest.slice(1) : rest;
}

/**
 * Why a `sqlite:///PATH` URL (three slashes, PATH relative to `folder`) would make a new database
 * when PATH does not exist but the file `/PATH` does, or null. Sextant read three slashes as
 * absolute before it read them as SQLAlchemy does, so that file is likely the study meant.
 */
function formerlyAbsoluteProblem(url: string, path: string, folder: string): string | null {
  if (!url.startsWith("sqlite:///") || url.startsWith("sqlite:////")) return null;
  const former = `/${path}`;
  if (existsSync(resolve(folder, path)) || statSync(former, { throwIfNoEntry: false })?.isFile() !== true) return null;
  return `storage URL "${url}" names ${path} (relative, as in SQLAlchemy and Optuna), which does not exist, but ${former} does: write sqlite:${former} or sqlite:///${former} (sqlite:./${path} for a new file)`;
}

/** Whether a URL names the in-process memory storage (`memory:` or `memory`). */
export function isMemoryUrl(url: string): boolean {
  return url === "memory:" || url === "memory";
}

/**
 * The file a `sqlite:` URL names when it does not exist, or null (it exists, the URL names no
 * file, or {@link storageUrlProblem} refuses it, which opening then says). Opening would create
 * it: a call that only loads or joins checks this first.
 *
 * @example
 * missingSqliteFile("sqlite:./sextnat.db") // "./sextnat.db" where there is no such file
 */
export function missingSqliteFile(url: string): string | null {
  const path = sqlitePath(url);
  if (path === null || path === "" || path === ":memory:" || existsSync(path)) return null;
  return storageUrlProblem(url) === null ? path : null;
}

/**
 * What is wrong with a storage URL that {@link openStorage} would refuse before connecting, or
 * null: a config file checks its `storage:` with it, to point at the line, and the CLI its
 * `--storage` and `SEXTANT_STORAGE` (a usage error). For PostgreSQL that includes a query
 * parameter nothing reads (`?schma=runs`). A relative SQLite path is read from `folder` (a config
 * file's; the working folder by default): `sqlite:///PATH` is refused where PATH does not exist
 * but `/PATH`, what three slashes named before Sextant read them as SQLAlchemy does, is a file.
 *
 * @example
 * storageUrlProblem("sqlite:") // 'storage URL "sqlite:" has no file path (e.g. sqlite:./sextant.db)'
 * storageUrlProblem("sqlite:./runs/") // 'storage URL "sqlite:./runs/" ends in "/", which names a folder; …'
 * storageUrlProblem("sqlite:~/runs.db") // 'storage URL "sqlite:~/runs.db" starts with ~, which no shell expands there: …'
 * storageUrlProblem("postgres://me@db/x?schma=runs") // 'cannot open postgres://me@db/x?schma=runs: unknown URL parameter "schma" (did you mean "schema"?); …'
 * storageUrlProblem("sqlite:///tmp/a.db") // 'storage URL "sqlite:///tmp/a.db" names tmp/a.db (relative, …), which does not exist, but /tmp/a.db does: …'
 */
export function storageUrlProblem(url: string, folder = "."): string | null {
  // A newline from a secret file or `$(cat …)`: SQLite trims a file name's end, so a writer and
  // a reader given the same URL used different files ("runs.db" and "runs.db ").
  if (url !== url.trimEnd()) return `storage URL "${redactPassword(url.trimEnd())}" ends with white space (${JSON.stringify(url.slice(url.trimEnd().length))}); remove it`;
  if (isMemoryUrl(url)) return null;
  const path = sqlitePath(url);
  if (path === "") return `storage URL "${url}" has no file path (e.g. sqlite:./sextant.db)`;
  // SQLite drops the slash and makes a file named like the folder ("runs"), where the commands
  // that only look, given the same URL, find nothing.
  if (path !== null && (path.endsWith("/") || path.endsWith(sep))) {
    return `storage URL "${url}" ends in "${path.slice(-1)}", which names a folder; give the database file, e.g. ${url}sextant.db`;
  }
  // A shell expands ~ only at the start of a word: "--storage sqlite:~/runs.db" reached SQLite as
  // a folder named "~", which the message then said to create.
  if (path !== null && (path === "~" || path.startsWith("~/") || path.startsWith(`~${sep}`))) {
    return `storage URL "${url}" starts with ~, which no shell expands there: write the home folder out, e.g. sqlite:${join(homedir(), path.slice(1))}`;
  }
  if (path !== null) return formerlyAbsoluteProblem(url, path, folder);
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return postgresUrlProblem(url);
  // The forms the CLI's --storage help names: this named neither Optuna's sqlite:/// spellings nor postgresql://.
  return `unknown storage URL "${redactPassword(url)}": use sqlite:PATH (also sqlite:///relative.db or sqlite:////absolute.db), postgres:// or postgresql://USER@HOST:PORT/DB[?schema=NAME], or memory:`;
}

/**
 * Opens a storage from its URL:
 * - `memory:` — this process only;
 * - `sqlite:PATH` (e.g. `sqlite:./sextant.db`, `sqlite:/abs/path.db`; SQLAlchemy's
 *   `sqlite:///rel.db` and `sqlite:////abs/path.db` too) — an embedded file, shared safely by
 *   several processes on one machine;
 * - `postgres://USER[:PASSWORD]@HOST:PORT/DB[?schema=NAME]` — a PostgreSQL database shared by
 *   workers on many machines (see {@link import("./postgres.js").PostgresStorage}).
 *
 * Backends with heavy dependencies are loaded only when their URL is used. With `readOnly`, a
 * backend that persists data opens it for reading only: nothing is created, migrated or written,
 * and write methods throw (a PostgreSQL schema without Sextant's tables throws
 * {@link StorageEmptyError}). `retryDeadlineMs` bounds how long PostgreSQL operations, opening
 * included, retry an unreachable server (default 120 000); `onRetry` hears when one starts to.
 * `onSchemaUpgrade` hears that opening migrated a store an older Sextant wrote, which that Sextant
 * then refuses (default: a `SextantWarning` through `process.emitWarning`); `upgradeSchema: false`
 * refuses to migrate it instead, with {@link StorageUpgradeRefusedError}, leaving it as it was.
 *
 * @example
 * const storage = await openStorage("sqlite:./sextant.db");
 * const reader = await openStorage("sqlite:./sextant.db", { readOnly: true });
 */
export async function openStorage(
  url: string,
  options: {
    readOnly?: boolean;
    retryDeadlineMs?: number;
    onRetry?: (message: string) => void;
    onSchemaUpgrade?: SchemaUpgradeListener;
    upgradeSchema?: boolean;
  } = {},
): Promise<Storage> {
  const problem = storageUrlProblem(url);
  if (problem !== null) throw new StorageUrlError(problem);
  const unknown = unknownKeysMessage(options, ["readOnly", "retryDeadlineMs", "onRetry", "onSchemaUpgrade", "upgradeSchema"]);
  if (unknown !== null) throw new StorageOpenError(`cannot open ${redactPassword(url)}: ${unknown}`);
  if (isMemoryUrl(url)) return new MemoryStorage();
  // What both file and server storages take.
  const common = {
    readOnly: options.readOnly === true,
    ...(options.onSchemaUpgrade !== undefined ? { onSchemaUpgrade: options.onSchemaUpgrade } : {}),
    ...(options.upgradeSchema !== undefined ? { upgradeSchema: options.upgradeSchema } : {}),
  };
  const path = sqlitePath(url);
  if (path !== null) {
    const { SqliteStorage } = await import("./sqlite.js");
    return SqliteStorage.openAsync(path, common);
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { PostgresStorage } = await loadPostgres();
    return PostgresStorage.open(url, {
      ...common,
      ...(options.retryDeadlineMs !== undefined ? { retryDeadlineMs: options.retryDeadlineMs } : {}),
      ...(options.onRetry !== undefined ? { onRetry: options.onRetry } : {}),
    });
  }
  throw new StorageUrlError(`unknown storage URL "${url}"`); // storageUrlProblem refused it above
}
