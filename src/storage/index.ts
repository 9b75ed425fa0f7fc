import { loadPostgres } from "./load-postgres.js";
import { MemoryStorage } from "./memory.js";
import type { Storage } from "./types.js";

export * from "./types.js";
export { MemoryStorage } from "./memory.js";
export { summarizeStudy } from "./summary.js";

/** Thrown for a storage URL that names no known backend or cannot be opened. */
export class StorageUrlError extends Error {
  override name = "StorageUrlError";
}

/**
 * Opens a storage from its URL:
 * - `memory:` — this process only;
 * - `sqlite:PATH` (e.g. `sqlite:./sextant.db`, `sqlite:/abs/path.db`) — an embedded file, shared
 *   safely by several processes on one machine;
 * - `postgres://USER[:PASSWORD]@HOST:PORT/DB[?schema=NAME]` — a PostgreSQL database shared by
 *   workers on many machines (see {@link import("./postgres.js").PostgresStorage}).
 *
 * Backends with heavy dependencies are loaded only when their URL is used.
 *
 * @example
 * const storage = await openStorage("sqlite:./sextant.db");
 */
export async function openStorage(url: string): Promise<Storage> {
  if (url === "memory:" || url === "memory") return new MemoryStorage();
  if (url.startsWith("sqlite:")) {
    let path = url.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2); // sqlite:///abs/path
    if (path === "") throw new StorageUrlError(`storage URL "${url}" has no file path (e.g. sqlite:./sextant.db)`);
    const { SqliteStorage } = await import("./sqlite.js");
    return SqliteStorage.open(path);
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { PostgresStorage } = await loadPostgres();
    return PostgresStorage.open(url);
  }
  throw new StorageUrlError(`unknown storage URL "${url}": use sqlite:PATH, postgres://USER@HOST:PORT/DB or memory:`);
}
