// better-sqlite3 without its compiled binding: what `new Database` throws when the package was
// installed without running its install script, or built for another Node.
import { describe, expect, it, vi } from "vitest";
import { SqliteStorage, StorageOpenError } from "./sqlite.js";

const failure = vi.hoisted(() => ({ message: "" }));

vi.mock("better-sqlite3", async (importOriginal) => {
  const actual = (await importOriginal<{ default: typeof import("better-sqlite3") }>()).default;
  function Database(): never {
    throw new Error(failure.message);
  }
  return { default: Object.assign(Database, { SqliteError: actual.SqliteError }) };
});

const MISSING = [
  "Could not locate the bindings file. Tried:",
  " → /app/node_modules/better-sqlite3/build/better_sqlite3.node",
  " → /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node",
].join("\n");
const OTHER_NODE =
  "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 108. This version of Node.js requires\nNODE_MODULE_VERSION 115.";

describe("SqliteStorage without better-sqlite3's native binding", () => {
  it.each([
    ["missing", MISSING, "native binding is missing"],
    ["built for another Node", OTHER_NODE, "built for another Node.js version"],
  ])("says the binding is %s and how to rebuild it", async (_what, message, says) => {
    failure.message = message;
    const opening = SqliteStorage.openAsync(":memory:");
    await expect(opening).rejects.toBeInstanceOf(StorageOpenError);
    await expect(SqliteStorage.openAsync(":memory:")).rejects.toThrow(says);
    await expect(SqliteStorage.openAsync(":memory:")).rejects.toThrow("npm rebuild better-sqlite3");
  });

  it("passes any other failure's message through", async () => {
    failure.message = "something else broke";
    await expect(SqliteStorage.openAsync(":memory:")).rejects.toThrow("something else broke");
  });
});
