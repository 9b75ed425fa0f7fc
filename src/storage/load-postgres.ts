import { StorageUrlError } from "./index.js";

type PostgresModule = typeof import("./postgres.js");

/**
 * Loads the PostgreSQL backend on first use of a `postgres://` URL, so that users of SQLite alone
 * never load `pg`. A missing `pg` package becomes a {@link StorageUrlError} that says how to
 * install it, instead of a module-resolution stack trace.
 */
export async function loadPostgres(importModule: () => Promise<PostgresModule> = () => import("./postgres.js")): Promise<PostgresModule> {
  try {
    return await importModule();
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" && /['"]pg['"]/.test(String((error as Error).message))) {
      throw new StorageUrlError('PostgreSQL storage needs the "pg" package; install it with: npm install pg', { cause: error });
    }
    throw error;
  }
}
