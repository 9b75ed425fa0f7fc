/**
 * CLI suite (spawns `node bin/sextant.js` against dist/): PostgreSQL URLs as users write them.
 * A URL without a user connects as the operating-system user, like psql, even where `$USER` is
 * unset (containers, cron, systemd units).
 */
import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sextant, tempDir } from "./fixtures/cli-run.js";
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
});
