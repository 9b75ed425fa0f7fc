// writeOutputFile on a full disk. Filling a disk needs a mount, so the disk's answer is injected
// for files in one folder: a write there stores half its text, then fails with ENOSPC.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { open, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { UserError } from "./errors.js";
import { writeOutputFile } from "./io.js";

const disk = vi.hoisted(() => ({ full: "\0none", quota: "\0none" }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const onFullDisk = (path: unknown): boolean => typeof path === "string" && path.startsWith(disk.full);
  const enospc = (path: string): Error => Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: "ENOSPC" });
  const halfOf = (data: unknown): string => String(data).slice(0, Math.floor(String(data).length / 2));
  const writeFile: typeof actual.writeFile = async (path, data, options) => {
    if (!onFullDisk(path)) return actual.writeFile(path, data, options);
    await actual.writeFile(path, halfOf(data), options);
    throw enospc(String(path));
  };
  const open: typeof actual.open = async (path, flags, mode) => {
    // A disk quota: an error without its own wording in WRITE_FAILURES, so the system's text is shown.
    if (typeof path === "string" && path.startsWith(disk.quota)) throw Object.assign(new Error(`EDQUOT: disk quota exceeded, open '${path}'`), { code: "EDQUOT" });
    const handle = await actual.open(path, flags, mode);
    if (!onFullDisk(path)) return handle;
    return new Proxy(handle, {
      get(target, property) {
        if (property === "writeFile") {
          return async (data: string) => {
            await target.writeFile(halfOf(data));
            throw enospc(String(path));
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  return { ...actual, default: { ...actual, writeFile, open }, writeFile, open };
});

const scratch = mkdtempSync(join(tmpdir(), "sextant-io-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const good = "number,value\n0,0.5\n1,0.25\n";
const longer = `number,value\n${Array.from({ length: 50 }, (_, i) => `${i},${i / 100}`).join("\n")}\n`;

describe("writeOutputFile", () => {
  it("on a full disk leaves an earlier export whole, leaves no partial file, and says why", async () => {
    const folder = join(scratch, "full");
    mkdirSync(folder);
    const path = join(folder, "trials.csv");
    writeFileSync(path, good);
    disk.full = folder;
    try {
      const error = await writeOutputFile("--output", path, longer).then(
        () => null,
        (thrown: unknown) => thrown as Error,
      );
      expect(error).toBeInstanceOf(UserError);
      expect(error!.message).toBe(`cannot write --output ${path}: no space left on the device`);
      // It was truncated to the half of the new text that fit.
      expect(readFileSync(path, "utf8")).toBe(good);
      expect(readdirSync(folder)).toEqual(["trials.csv"]);

      const fresh = join(folder, "new.csv");
      await expect(writeOutputFile("--output", fresh, longer)).rejects.toThrow("no space left on the device");
      expect(readdirSync(folder)).toEqual(["trials.csv"]);
    } finally {
      disk.full = "\0none";
    }
  });

  it("names the path given, not the temporary file beside it, in the system's text of a failure", async () => {
    const folder = join(scratch, "quota");
    mkdirSync(folder);
    const path = join(folder, "trials.csv");
    disk.quota = folder;
    try {
      await expect(writeOutputFile("--output", path, good)).rejects.toThrow(`cannot write --output ${path}: EDQUOT: disk quota exceeded, open '${path}'`);
    } finally {
      disk.quota = "\0none";
    }
  });

  it.runIf(process.getuid?.() === 0)("keeps the replaced file's group", async () => {
    const path = join(scratch, "kept-group.csv");
    writeFileSync(path, longer);
    execFileSync("chown", [":12345", path]);
    await writeOutputFile("--output", path, good);
    expect(readFileSync(path, "utf8")).toBe(good);
    expect(statSync(path).gid).toBe(12345);
  });

  it("refuses to replace a SQLite database (export --output sextant.db replaced the storage it read), and leaves it whole", async () => {
    const path = join(scratch, "sextant.db");
    const db = new Database(path);
    db.exec("CREATE TABLE studies (name TEXT); INSERT INTO studies VALUES ('demo')");
    db.close();
    const before = readFileSync(path);
    const refused = writeOutputFile("--output", path, good);
    await expect(refused).rejects.toThrow(UserError);
    await expect(refused).rejects.toThrow(`--output ${path} is a SQLite database (a Sextant storage, perhaps), which writing there would replace; give another file name, or delete that file first`);
    expect(readFileSync(path).equals(before)).toBe(true);
    // A file that only has the .db ending is written as any other.
    const notSqlite = join(scratch, "trials.db");
    writeFileSync(notSqlite, longer);
    await writeOutputFile("--output", notSqlite, good);
    expect(readFileSync(notSqlite, "utf8")).toBe(good);
  });

  it("refuses to write over a SQLite database's -wal, -shm or -journal file, which holds or guards its latest writes", async () => {
    const path = join(scratch, "live.db");
    const writer = new Database(path);
    writer.pragma("journal_mode = WAL");
    writer.exec("CREATE TABLE trials (n INTEGER); INSERT INTO trials VALUES (1), (2)");
    try {
      for (const suffix of ["-wal", "-shm", "-journal"]) {
        const companion = `${path}${suffix}`;
        const before = existsSync(companion) ? readFileSync(companion) : null;
        const refused = writeOutputFile("--output", companion, good);
        await expect(refused).rejects.toThrow(UserError);
        await expect(refused).rejects.toThrow(
          `--output ${companion} belongs to the SQLite database ${path} (a Sextant storage, perhaps), which writing there would corrupt; give another file name`,
        );
        expect(existsSync(companion) ? readFileSync(companion) : null).toEqual(before);
      }
      // A reader still finds the rows the log held.
      expect(new Database(path, { readonly: true }).prepare("SELECT count(*) AS n FROM trials").get()).toEqual({ n: 2 });
    } finally {
      writer.close();
    }
    // Beside a file that is no SQLite database, such a name is written as any other.
    const plain = join(scratch, "notes.txt-wal");
    writeFileSync(join(scratch, "notes.txt"), longer);
    await writeOutputFile("--output", plain, good);
    expect(readFileSync(plain, "utf8")).toBe(good);
  });

  it("replaces a file whole and keeps its mode", async () => {
    const path = join(scratch, "kept-mode.csv");
    writeFileSync(path, longer);
    chmodSync(path, 0o640);
    await writeOutputFile("--output", path, good);
    expect(readFileSync(path, "utf8")).toBe(good);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(scratch).filter((name) => name.includes("kept-mode"))).toEqual(["kept-mode.csv"]);
  });

  it("writes through a symbolic link in place, as /dev/stdout redirected to a file must be", async () => {
    const real = join(scratch, "real.csv");
    const link = join(scratch, "link.csv");
    writeFileSync(real, good);
    symlinkSync(real, link);
    await writeOutputFile("--output", link, longer);
    expect(readFileSync(real, "utf8")).toBe(longer);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);

    // `sextant export … -o /dev/stdout > out.csv`: /dev/stdout leads through /proc/self/fd/1 to
    // out.csv, which the shell holds open; replacing out.csv would unlink it from under the shell.
    const redirected = join(scratch, "out.csv");
    writeFileSync(redirected, "");
    const fd = openSync(redirected, "r");
    try {
      await writeOutputFile("--output", `/proc/self/fd/${fd}`, good);
      expect(fstatSync(fd).ino).toBe(statSync(redirected).ino);
      expect(readFileSync(redirected, "utf8")).toBe(good);
    } finally {
      closeSync(fd);
    }
  });

  it("writes into a FIFO in place instead of replacing it", async () => {
    const fifo = join(scratch, "pipe");
    execFileSync("mkfifo", [fifo]);
    const read = readFile(fifo, "utf8");
    await writeOutputFile("--output", fifo, good);
    expect(await read).toBe(good);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it("resolves to false, without an error, when the reader of a pipe closes it before the end (`-o /dev/stdout | head`)", async () => {
    const fifo = join(scratch, "closed-early");
    execFileSync("mkfifo", [fifo]);
    // More than a pipe holds, so the writer meets the closed end whatever the timing.
    const large = `number,value\n${"0,0.5\n".repeat(200_000)}`;
    const written = writeOutputFile("--output", fifo, large);
    const reader = await open(fifo, "r");
    await reader.close();
    // It was "sextant: cannot write --output …: EPIPE: broken pipe, write" and exit code 1.
    expect(await written).toBe(false);
  });
});
