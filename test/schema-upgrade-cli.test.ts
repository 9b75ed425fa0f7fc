// A file an older Sextant wrote, opened by a writing command: it is migrated, and the command says
// so, since the Sextant that wrote it (on another machine, in a pinned job) refuses it afterwards.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SQLITE_MIGRATIONS, migrateSchema } from "../src/storage/sqlite-migrations.js";
import { FIXTURES, type RunResult, sextant, start, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;

beforeEach(() => ({ dir, cleanup } = tempDir("sextant-upgrade-")));
afterEach(() => cleanup());

/** A version-1 file (before trial heartbeats) holding one finished study, from version 1's SQL, which never changes. */
function versionOneFile(path: string): void {
  const raw = new Database(path);
  raw.transaction(() => migrateSchema(raw, SQLITE_MIGRATIONS.slice(0, 1))).immediate();
  raw.prepare(`INSERT INTO studies (name, directions, created_at) VALUES ('older', '["minimize"]', 1)`).run();
  raw.prepare("INSERT INTO trials (study_id, number, state, objective_values, seq) VALUES (1, 0, 'complete', '[0.25]', 1)").run();
  raw.close();
}

describe("a writing command on a file of an older schema", () => {
  it("warns once that it upgraded the file, and keeps what the file held", async () => {
    const db = join(dir, "runs.db");
    versionOneFile(db);
    const tune = ["tune", "--storage", `sqlite:${db}`, "--study", "newer", "-p", "x=float:0:4", "--trials", "1", "-q"];
    const command = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "1"];
    const first = await sextant([...tune, ...command], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      `sextant: warning: upgraded sqlite:${db} from schema version 1 to 2 (trial heartbeats): a Sextant that reads only version 1 now refuses it; upgrade every Sextant that uses it`,
    );
    const again = await sextant([...tune, ...command], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("upgraded");
    const listed = await sextant(["studies", "--storage", `sqlite:${db}`, "--json"], { cwd: dir });
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((study) => study.name).sort()).toEqual(["newer", "older"]);
  });
});

/** Runs a server command until it is up, then stops it as Ctrl-C would, and gives what it said. */
async function startedAndStopped(args: string[]): Promise<RunResult> {
  const server = start(args, { cwd: dir });
  try {
    await server.waitForStderr("Ctrl-C stops");
  } finally {
    server.child.kill("SIGTERM");
  }
  return server.done;
}

describe("the dashboard and serve on a file of an older schema", () => {
  it("the dashboard shows it read-only and leaves it as it was; serve, which takes writes, upgrades it and says so", async () => {
    const db = join(dir, "runs.db");
    versionOneFile(db);
    const before = readFileSync(db);
    const shown = await startedAndStopped(["dashboard", "--port", "0", "--storage", `sqlite:${db}`]);
    expect(shown.code, shown.stderr).toBe(0);
    // Merely looking upgraded it, and the Sextant that wrote it refused it from then on.
    expect(shown.stderr).not.toContain("upgraded");
    expect(shown.stderr).toContain(`sextant dashboard: an older Sextant wrote sqlite:${db}, so its studies are shown read-only, leaving it readable by that Sextant`);
    expect(shown.stdout).toContain(", read-only)");
    expect(readFileSync(db).equals(before)).toBe(true);
    const served = await startedAndStopped(["serve", "--port", "0", "--storage", `sqlite:${db}`]);
    expect(served.code, served.stderr).toBe(0);
    expect(served.stderr).toContain(`sextant serve: warning: upgraded sqlite:${db} from schema version 1 to 2 (trial heartbeats)`);
  });
});
