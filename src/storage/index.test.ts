import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { StorageUrlError, decodeWtf8, openStorage, redactPassword, sqlitePath, storageUrlProblem } from "./index.js";
import { connectTimeoutSeconds } from "./postgres-url.js";

describe("sqlitePath", () => {
  it("reads relative, absolute and sqlite:// forms the same way", () => {
    expect(sqlitePath("sqlite:./sextant.db")).toBe("./sextant.db");
    expect(sqlitePath("sqlite:/tmp/a.db")).toBe("/tmp/a.db");
    expect(sqlitePath("sqlite://runs/a.db")).toBe("runs/a.db");
  });

  it("reads sqlite:/// as SQLAlchemy and Optuna do: three slashes a relative path, four an absolute one", () => {
    // sqlite:///example.db, copied from an Optuna --storage, made /example.db.
    expect(sqlitePath("sqlite:///a.db")).toBe("a.db");
    expect(sqlitePath("sqlite:///runs/a.db")).toBe("runs/a.db");
    expect(sqlitePath("sqlite:////tmp/a.db")).toBe("/tmp/a.db");
    expect(sqlitePath("sqlite:///")).toBe("");
    expect(sqlitePath("sqlite://")).toBe("");
  });

  it("returns null for other backends and an empty path for a bare sqlite:", () => {
    expect(sqlitePath("memory:")).toBeNull();
    expect(sqlitePath("postgres://localhost/x")).toBeNull();
    expect(sqlitePath("sqlite:")).toBe("");
  });

  it("is what openStorage uses: a URL without a file is refused by name", async () => {
    await expect(openStorage("sqlite://")).rejects.toThrow(StorageUrlError);
    await expect(openStorage("sqlite://")).rejects.toThrow(/has no file path/);
  });
});

describe("a sqlite:/// URL whose file exists only where three slashes used to point (the root)", () => {
  it("is refused, naming both files, and creates nothing, where it made a new empty database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-three-slashes-"));
    try {
      const former = join(dir, "old.db");
      const owner = await openStorage(`sqlite:${former}`);
      await owner.createStudy("kept", ["minimize"], { userAttrs: {}, systemAttrs: {} });
      await owner.close();
      const url = `sqlite://${former}`; // three slashes
      const relativePath = former.slice(1);
      expect(existsSync(relativePath)).toBe(false);
      const message = `storage URL "${url}" names ${relativePath} (relative, as in SQLAlchemy and Optuna), which does not exist, but ${former} does: write sqlite:${former} or sqlite:///${former} (sqlite:./${relativePath} for a new file)`;
      expect(storageUrlProblem(url)).toBe(message);
      await expect(openStorage(url)).rejects.toThrow(StorageUrlError);
      await expect(openStorage(url, { readOnly: true })).rejects.toThrow(message);
      expect(existsSync(relativePath)).toBe(false);
      // Four slashes, or the plain absolute form, open the file that is there.
      for (const kept of [`sqlite:///${former}`, `sqlite:${former}`]) {
        const storage = await openStorage(kept);
        expect((await storage.listStudies()).map((study) => study.name)).toEqual(["kept"]);
        await storage.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is checked against the folder relative paths are read from, and only when that file is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-three-slashes-"));
    try {
      const former = join(dir, "old.db");
      const url = `sqlite://${former}`;
      // No file at the root either: a new relative database, as SQLAlchemy would make.
      expect(storageUrlProblem(url)).toBeNull();
      const base = mkdtempSync(join(tmpdir(), "sextant-base-"));
      try {
        writeFileSync(former, "");
        expect(storageUrlProblem(url, base)).toMatch(/^storage URL .* names .* \(relative, as in SQLAlchemy and Optuna\), which does not exist/);
        // Once the relative file exists, it is the one meant.
        mkdirSync(dirname(resolve(base, former.slice(1))), { recursive: true });
        writeFileSync(resolve(base, former.slice(1)), "");
        expect(storageUrlProblem(url, base)).toBeNull();
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
      // A folder at the root never was a database.
      expect(storageUrlProblem(`sqlite://${dir}`)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SQLite study names with a lone surrogate", () => {
  it("are read back as stored, where SQLite gave U+FFFD and the listed name found no study", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-wtf8-"));
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const names = ["lone\uD800name", "trail\uDFFF", "real\uFFFD", "pair\uD83D\uDE00"];
      const writer = await openStorage(url);
      // As an older Sextant made them: the storage checks no name.
      for (const name of names) await writer.createStudy(name, ["minimize"], { userAttrs: {}, systemAttrs: {} });
      await writer.close();
      const reader = await openStorage(url);
      expect((await reader.listStudies()).map((study) => study.name)).toEqual(names);
      for (const name of names) expect((await reader.getStudy(name))?.name).toBe(name);
      await reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("decodes WTF-8, refusing what is not", () => {
    expect(decodeWtf8(Uint8Array.of(0x61, 0xed, 0xa0, 0x80, 0xc3, 0xa9))).toBe("a\uD800\u00E9");
    expect(decodeWtf8(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80))).toBe("\u{1F600}");
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0], [0x80], [0xf5, 0x80, 0x80, 0x80]]) expect(decodeWtf8(Uint8Array.from(bad))).toBeNull();
  });
});

describe("PostgreSQL URL parameters", () => {
  it("refuses one that neither Sextant nor the driver reads, before connecting, with a suggestion", async () => {
    // "?schma=runs" used to be dropped by the driver, and the public schema read and written.
    await expect(openStorage("postgres://me:secret@127.0.0.1:1/db?schma=runs")).rejects.toThrow(
      /^cannot open postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db\?schma=runs: unknown URL parameter "schma" \(did you mean "schema"\?\); Sextant reads schema, synchronous_commit and connect_timeout/,
    );
  });

  it("are checked by storageUrlProblem, so the CLI refuses them as a bad --storage (exit 2) and a config file at its line", () => {
    // storageUrlProblem passed every postgres:// URL; the mistake surfaced only when opened, exit 1.
    expect(storageUrlProblem("postgres://me:secret@127.0.0.1:1/db?schma=runs")).toMatch(
      /^cannot open postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db\?schma=runs: unknown URL parameter "schma" \(did you mean "schema"\?\)/,
    );
    expect(storageUrlProblem("postgres://me@db/x?synchronous_commit=maybe")).toMatch(/synchronous_commit must be on or off \(got "maybe"\)/);
    expect(storageUrlProblem("postgres://me@db/x?schema=bad-name")).toMatch(/schema must be letters, digits and _ \(got "bad-name"\)/);
    expect(storageUrlProblem("postgres://me@db/x?schema=team_a&synchronous_commit=off&sslmode=disable")).toBeNull();
    expect(storageUrlProblem("postgresql://me@db/x")).toBeNull();
  });

  it("read connect_timeout as libpq does, whole seconds of at least 1 (1 read as 2), and refuse one that gives no limit", () => {
    // It was accepted and ignored: every attempt waited 10 s whatever the URL said.
    expect(connectTimeoutSeconds("postgres://me@db/x")).toBe(10);
    expect(connectTimeoutSeconds("postgres://me@db/x?connect_timeout=3&schema=a")).toBe(3);
    expect(connectTimeoutSeconds("postgres://me@db/x?connect_timeout=1")).toBe(2);
    expect(storageUrlProblem("postgres://me@db/x?connect_timeout=45")).toBeNull();
    for (const bad of ["0", "-5", "2.5", "soon", ""]) {
      expect(storageUrlProblem(`postgres://me:secret@db/x?connect_timeout=${bad}`)).toBe(
        `cannot open postgres://me:***@db/x?connect_timeout=${bad}: connect_timeout must be a whole number of seconds, 1 or more (got ${JSON.stringify(bad)}); Sextant gives up a connection attempt after it and retries`,
      );
    }
  });

  it("say how to write a password that makes the URL unparsable", async () => {
    // "cannot open postgres://u:***@127.0.0.1:1/db: Invalid URL" said neither what nor how.
    await expect(openStorage("postgres://u:p@ss:w/o#rd@127.0.0.1:1/db")).rejects.toThrow(
      /^cannot open postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: Invalid URL: percent-encode the user name and password \(@ as %40, : as %3A, \/ as %2F, # as %23\)/,
    );
  });

  it("say, when the server has no SSL, that node-postgres does not fall back to an unencrypted connection", async () => {
    // libpq's sslmode=prefer (its default, in many copied URLs) falls back; node-postgres's does not.
    const { createServer } = await import("node:net");
    const server = createServer((socket) => socket.end("N"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      await expect(openStorage(`postgres://u@127.0.0.1:${port}/db?sslmode=no-verify`)).rejects.toThrow(
        /: The server does not support SSL connections: node-postgres never falls back to an unencrypted connection \(not for sslmode=prefer either\): use sslmode=disable, or turn SSL on in the server$/,
      );
    } finally {
      server.close();
    }
  });

  it("refuse an sslmode node-postgres does not know, which it took for verify-full", () => {
    // "?sslmode=disabel" asked a server without SSL for an encrypted connection: "The server does
    // not support SSL connections", with no word about the typo; with SSL it verified the certificate.
    expect(storageUrlProblem("postgres://me:secret@db/x?sslmode=disabel")).toBe(
      'cannot open postgres://me:***@db/x?sslmode=disabel: sslmode must be disable, prefer, require, verify-ca, verify-full or no-verify (got "disabel") (did you mean "disable"?)',
    );
    for (const mode of ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"]) {
      expect(storageUrlProblem(`postgres://me@db/x?sslmode=${mode}`)).toBeNull();
    }
  });

  it("refuses white space at the end (a newline from a secret file), which made writers and readers use different files", () => {
    expect(storageUrlProblem("sqlite:./runs.db ")).toBe('storage URL "sqlite:./runs.db" ends with white space (" "); remove it');
    expect(storageUrlProblem("postgres://me:secret@db/x\n")).toBe('storage URL "postgres://me:***@db/x" ends with white space ("\\n"); remove it');
    expect(storageUrlProblem("sqlite:./runs.db")).toBeNull();
  });

  it("refuses a SQLite path ending in a slash, which SQLite opened as a file named like the folder", () => {
    expect(storageUrlProblem("sqlite:./runs/")).toBe('storage URL "sqlite:./runs/" ends in "/", which names a folder; give the database file, e.g. sqlite:./runs/sextant.db');
    expect(storageUrlProblem("sqlite:///tmp/runs/")).toMatch(/^storage URL "sqlite:\/\/\/tmp\/runs\/" ends in "\/"/);
    expect(storageUrlProblem("sqlite:./runs/sextant.db")).toBeNull();
  });

  it("names every URL form it reads when it knows none, as the --storage help does", () => {
    // It named sqlite:PATH and postgres:// only, not Optuna's sqlite:/// and sqlite://// or postgresql://.
    const message =
      'unknown storage URL "bogus:x": use sqlite:PATH (also sqlite:///relative.db or sqlite:////absolute.db), postgres:// or postgresql://USER@HOST:PORT/DB[?schema=NAME], or memory:';
    expect(storageUrlProblem("bogus:x")).toBe(message);
    // Every line the CLI prints goes through redactPassword: the forms must come out as they are.
    expect(redactPassword(message)).toBe(message);
  });

  it("refuses a SQLite path starting with ~, which no shell expands after sqlite:, and names the home folder", () => {
    expect(storageUrlProblem("sqlite:~/runs.db")).toBe(`storage URL "sqlite:~/runs.db" starts with ~, which no shell expands there: write the home folder out, e.g. sqlite:${join(homedir(), "runs.db")}`);
    expect(storageUrlProblem("sqlite://~/runs.db")).toMatch(/^storage URL "sqlite:\/\/~\/runs\.db" starts with ~/);
    // A file whose name only starts with ~ is no home folder.
    expect(storageUrlProblem("sqlite:~runs.db")).toBeNull();
    expect(storageUrlProblem("sqlite:./~/runs.db")).toBeNull();
  });
});

describe("redactPassword", () => {
  it("hides a password in any scheme's user part, one holding an unencoded @, and ?password=, inside whole messages too", () => {
    expect(redactPassword("postgres://me:secret@db/x")).toBe("postgres://me:***@db/x");
    // Each of these used to print the password as given.
    expect(redactPassword("postgres://u:Wr@ngPass@127.0.0.1:5433/db")).toBe("postgres://u:***@127.0.0.1:5433/db");
    expect(redactPassword('unknown storage URL "postgresql+psycopg2://u:s3cret@h/x": use sqlite:PATH')).toBe('unknown storage URL "postgresql+psycopg2://u:***@h/x": use sqlite:PATH');
    expect(redactPassword("cannot open postgres://me@db/x?schema=a&password=s3cret&sslmode=disable: refused")).toBe(
      "cannot open postgres://me@db/x?schema=a&password=***&sslmode=disable: refused",
    );
    expect(redactPassword("sqlite:./runs.db and postgres://me@db/x")).toBe("sqlite:./runs.db and postgres://me@db/x");
    expect(storageUrlProblem("pg://u:s3cret@h/x")).not.toContain("s3cret");
    // The driver takes unencoded quotes, spaces and slashes in a password; they stopped the redaction.
    expect(redactPassword("study in postgres://postgres:it's a secret@127.0.0.1:5432/db?schema=s")).toBe("study in postgres://postgres:***@127.0.0.1:5432/db?schema=s");
    expect(redactPassword('cannot open postgres://bob:pa"ss@127.0.0.1:1/db: the database stayed unreachable')).toBe("cannot open postgres://bob:***@127.0.0.1:1/db: the database stayed unreachable");
    expect(redactPassword("cannot open postgres://bob:s3cret/x@127.0.0.1:1/db: Invalid URL")).toBe("cannot open postgres://bob:***@127.0.0.1:1/db: Invalid URL");
    // A port is no password, and an @ later in the message (not before a host) is not the URL's.
    expect(redactPassword("cannot open postgres://db:5432/x: role me does not exist")).toBe("cannot open postgres://db:5432/x: role me does not exist");
    expect(redactPassword("postgres://u:pw@h/db: ask admin@ (or me)")).toBe("postgres://u:***@h/db: ask admin@ (or me)");
    expect(redactPassword("postgres://u:pw@h/db\nmail root@example.com")).toBe("postgres://u:***@h/db\nmail root@example.com");
    // On the same line, too: the password ran to the last "@" a host follows, swallowing the text.
    expect(redactPassword("postgres://a:pw@h/x mail root@example.com")).toBe("postgres://a:***@h/x mail root@example.com");
    expect(redactPassword("postgres://a:pw@h mail root@example.com")).toBe("postgres://a:***@h mail root@example.com");
    expect(redactPassword("postgres://a:it's@h/x mail root@example.com")).toBe("postgres://a:***@h/x mail root@example.com");
    expect(redactPassword("postgres://me@db:5432/x: mail root@example.com")).toBe("postgres://me@db:5432/x: mail root@example.com");
    // A host's port, then a path or query: the "@" of an address later on the line ended a "password" that swallowed the text.
    expect(redactPassword("postgres://db:5432/x: ask admin@example.com")).toBe("postgres://db:5432/x: ask admin@example.com");
    expect(redactPassword("cannot open postgres://db:5432?schema=s: mail root@example.com")).toBe("cannot open postgres://db:5432?schema=s: mail root@example.com");
    // Before a space the digits may be a password's start, as the driver reads them: still hidden.
    expect(redactPassword("postgres://u:1234 5@h/db")).toBe("postgres://u:***@h/db");
    // Digits, a slash and more before the "@", with no white space between: a password with an
    // unencoded slash, hidden as before (the rule for a port before a path showed it in full).
    expect(redactPassword("cannot open postgres://me:2024/Winter@db.example/x: connection refused")).toBe("cannot open postgres://me:***@db.example/x: connection refused");
    expect(redactPassword("postgres://me:1234?x@h/db")).toBe("postgres://me:***@h/db");
    // An unencoded "@" and then a slash: all after the first "@" was shown ("***@ss:w/o#rd@127.0.0.1").
    expect(redactPassword("cannot open postgres://postgres:p@ss:w/o#rd@127.0.0.1:5432/test: Invalid URL")).toBe("cannot open postgres://postgres:***@127.0.0.1:5432/test: Invalid URL");
    expect(redactPassword("postgres://u:pw@[::1]:5432/db?application_name=me@laptop")).toBe("postgres://u:***@[::1]:5432/db?application_name=me@laptop");
    expect(redactPassword("postgres://u:pw@db:5432/x mail root@example.com")).toBe("postgres://u:***@db:5432/x mail root@example.com");
    // Redacted already, a message that names the storage twice (a delete hint) keeps all it says.
    const twice = `postgres://me:***@db/x already has "lr": delete it with "sextant delete lr --storage 'postgres://me:***@db/x' --yes"`;
    expect(redactPassword(twice)).toBe(twice);
    expect(redactPassword("postgres://me:***@db/x, not postgres://you:s3cret@db/y")).toBe("postgres://me:***@db/x, not postgres://you:***@db/y");
    // Two URLs with their passwords: each is redacted on its own, and the text between them is kept.
    expect(redactPassword("postgres://a:pw1@h1/x to postgres://b:pw2@h2/y")).toBe("postgres://a:***@h1/x to postgres://b:***@h2/y");
    expect(redactPassword("postgres://a:p://w@h/x")).toBe("postgres://a:***@h/x");
    expect(redactPassword(`copy "lr" from postgres://a:it's 1@h1/x to 'postgres://b:p@ss@h2/y'`)).toBe(`copy "lr" from postgres://a:***@h1/x to 'postgres://b:***@h2/y'`);
  });

  it("reads a long line in one pass, which every stderr line of a command (-v) goes through", () => {
    // Backtracking made it quadratic in a run of letters: 80,000 characters took 11 s, a 400 kB
    // output line 147 s with signals blocked. 300,000 now, in a line with a URL at the end too.
    const long = "x".repeat(300_000);
    expect(redactPassword(long)).toBe(long);
    expect(redactPassword(`${long} postgres://me:secret@db/x`)).toBe(`${long} postgres://me:***@db/x`);
    expect(redactPassword(`${long}://`)).toBe(`${long}://`);
  }, 20_000);

  it("reads a line of many scheme:// without an @ in one pass (a bad URL pasted in a config ends up in a message)", () => {
    // A backtracking regex rescanned the rest of the line from each "://": these took 17 s and 8.5 s.
    const passwordOfSchemes = "postgres://u:" + "a://".repeat(50_000);
    expect(redactPassword(passwordOfSchemes)).toBe(passwordOfSchemes);
    const urlsWithoutHost = "p://u:".repeat(30_000);
    expect(redactPassword(urlsWithoutHost)).toBe(urlsWithoutHost);
    expect(redactPassword(`${passwordOfSchemes}@h/x`)).toBe("postgres://u:***@h/x");
  });
});
