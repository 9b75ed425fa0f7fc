// CLI suite: the bundle's V8 code cache (src/cli/code-cache.ts) is written once, read on the next
// start, written again when V8 rejects it, and never read from or written to a folder others may
// write; a command runs the same with or without it.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeCacheDir, isPrivateFolder } from "../src/cli/code-cache.js";
import { sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** The cache folder a CLI run with XDG_CACHE_HOME=`home` uses, and the cache files in it by name. */
function cacheOf(home: string): { folder: string; files: Map<string, { bytes: Buffer; mtimeMs: number; mode: number }> } {
  const folder = codeCacheDir({ XDG_CACHE_HOME: home })!;
  const files = new Map<string, { bytes: Buffer; mtimeMs: number; mode: number }>();
  if (existsSync(folder)) {
    for (const name of readdirSync(folder)) {
      const stat = statSync(join(folder, name));
      files.set(name, { bytes: readFileSync(join(folder, name)), mtimeMs: stat.mtimeMs, mode: stat.mode & 0o777 });
    }
  }
  return { folder, files };
}

describe("the CLI's code cache", () => {
  it("is written by the first start, private to the user, and read (not written again) by the next", async () => {
    const home = join(dir, "cache");
    const first = await sextant(["--version"], { cwd: dir, env: { XDG_CACHE_HOME: home } });
    expect([first.code, first.stderr]).toEqual([0, ""]);
    const made = cacheOf(home);
    // One file per chunk the command loaded: the entry and the library's chunks at least.
    expect(made.files.size).toBeGreaterThan(2);
    expect([...made.files.keys()].every((name) => name.endsWith(".v8"))).toBe(true);
    expect(statSync(made.folder).mode & 0o777).toBe(0o700);
    for (const [name, file] of made.files) expect([name, file.mode]).toEqual([name, 0o600]);

    const second = await sextant(["--version"], { cwd: dir, env: { XDG_CACHE_HOME: home } });
    expect([second.code, second.stdout, second.stderr]).toEqual([0, first.stdout, ""]);
    const after = cacheOf(home);
    // V8 took every file: a rejected one would have been written again, with a new time.
    expect([...after.files].map(([name, file]) => [name, file.mtimeMs])).toEqual([...made.files].map(([name, file]) => [name, file.mtimeMs]));
  });

  it("writes a cache V8 rejects again, and the command runs the same", async () => {
    const home = join(dir, "cache");
    expect((await sextant(["--version"], { cwd: dir, env: { XDG_CACHE_HOME: home } })).code).toBe(0);
    const { folder, files } = cacheOf(home);
    // Damaged as a crash or a full disk might leave it: the same length, other bytes.
    const [name, file] = [...files].sort((a, b) => b[1].bytes.length - a[1].bytes.length)[0]!;
    writeFileSync(join(folder, name), Buffer.alloc(file.bytes.length, 7));
    const again = await sextant(["samplers", "--json"], { cwd: dir, env: { XDG_CACHE_HOME: home } });
    expect([again.code, again.stderr]).toEqual([0, ""]);
    expect(JSON.parse(again.stdout).map((s: { name: string }) => s.name)).toContain("tpe");
    expect(readFileSync(join(folder, name)).equals(Buffer.alloc(file.bytes.length, 7))).toBe(false);
  });

  it("loads a package a chunk imports dynamically (the YAHPO surrogates' ONNX runtime) without a warning, cold and warm", async () => {
    const home = join(dir, "cache");
    for (const round of ["cold", "warm"]) {
      const run = await sextant(["bench", "run", "--suite", "yahpo-rbv2_xgboost-16", "--optimizers", "random", "--trials", "2", "--seeds", "1", "--jobs", "1", "--out", join(dir, `lab-${round}`)], {
        cwd: dir,
        env: { XDG_CACHE_HOME: home },
      });
      expect([round, run.code, run.stderr]).toEqual([round, 0, expect.not.stringMatching(/warning/i)]);
      expect(run.stdout).toContain("1 run in");
    }
  });

  it("neither reads nor writes a folder that others may write, and runs without it", async () => {
    const home = join(dir, "shared");
    const folder = codeCacheDir({ XDG_CACHE_HOME: home })!;
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o777);
    expect(isPrivateFolder(folder)).toBe(false);
    const run = await sextant(["--version"], { cwd: dir, env: { XDG_CACHE_HOME: home } });
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(readdirSync(folder)).toEqual([]);
  });

  // Needs a folder of another user's, which only root can make: CI runs as root.
  it.skipIf(process.getuid?.() !== 0)("makes no folder inside another user's, as under sudo with the caller's HOME", async () => {
    const theirs = join(dir, "their-home");
    mkdirSync(theirs);
    chownSync(theirs, 65534, 65534);
    const run = await sextant(["--version"], { cwd: dir, env: { XDG_CACHE_HOME: join(theirs, ".cache") } });
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(readdirSync(theirs)).toEqual([]);
    // Inside one's own folder, a missing one is made.
    expect(isPrivateFolder(join(dir, "mine", ".cache", "sextant"))).toBe(true);
  });

  it("is left out with SEXTANT_CODE_CACHE=off, under --debug, and where no folder can be made, saying nothing", async () => {
    const home = join(dir, "cache");
    const envs: Record<string, string>[] = [{ XDG_CACHE_HOME: home, SEXTANT_CODE_CACHE: "off" }, { XDG_CACHE_HOME: home, SEXTANT_DEBUG: "1" }];
    for (const env of envs) {
      const run = await sextant(["--version"], { cwd: dir, env });
      expect([run.code, run.stderr]).toEqual([0, ""]);
      expect(existsSync(home)).toBe(false);
    }
    // A file where the folder should be: the cache cannot be made, and the command does not care.
    writeFileSync(join(dir, "a-file"), "");
    const blocked = await sextant(["--version"], { cwd: dir, env: { XDG_CACHE_HOME: join(dir, "a-file") } });
    expect([blocked.code, blocked.stderr]).toEqual([0, ""]);
  });
});

describe("codeCacheDir", () => {
  it("follows XDG_CACHE_HOME when it is absolute, and is off for off, 0 and false", () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: "/c" })).toBe(`/c/sextant/v8-${process.version}-${process.arch}`);
    expect(codeCacheDir({ XDG_CACHE_HOME: "relative" })).toMatch(/\/\.cache\/sextant\/v8-/);
    for (const value of ["off", "0", "false", " OFF "]) expect(codeCacheDir({ SEXTANT_CODE_CACHE: value })).toBeNull();
    expect(codeCacheDir({ SEXTANT_CODE_CACHE: "on", XDG_CACHE_HOME: "/c" })).toBe(`/c/sextant/v8-${process.version}-${process.arch}`);
  });
});
