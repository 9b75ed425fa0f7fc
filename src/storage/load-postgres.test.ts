import { describe, expect, it } from "vitest";
import { StorageUrlError } from "./index.js";
import { loadPostgres } from "./load-postgres.js";

function moduleNotFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/storage/postgres.js`), { code: "ERR_MODULE_NOT_FOUND" });
}

describe("loadPostgres", () => {
  it("says how to install pg when it is missing", async () => {
    const attempt = loadPostgres(() => Promise.reject(moduleNotFound("pg")));
    await expect(attempt).rejects.toBeInstanceOf(StorageUrlError);
    await expect(loadPostgres(() => Promise.reject(moduleNotFound("pg")))).rejects.toThrow('PostgreSQL storage needs the "pg" package; install it with: npm install pg');
  });

  it("passes any other failure through unchanged", async () => {
    const other = moduleNotFound("pg-native");
    await expect(loadPostgres(() => Promise.reject(other))).rejects.toBe(other);
    const broken = new SyntaxError("Unexpected token");
    await expect(loadPostgres(() => Promise.reject(broken))).rejects.toBe(broken);
  });

  it("loads the real backend", async () => {
    const { PostgresStorage } = await loadPostgres();
    expect(typeof PostgresStorage.open).toBe("function");
  });
});
