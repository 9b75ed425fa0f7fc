/**
 * A V8 code cache for the CLI's bundle. Every `sextant` command used to parse its 1.5 MB of
 * bundled JavaScript from scratch: for a short command (`best`, `online observe`, `create`) that
 * was about a third of its CPU, and commands are started by the hundreds from scripts and by
 * every trial of a fleet's workers. Node 20 has no compile cache of its own for ES modules
 * (`module.enableCompileCache` came in Node 22), so the bundle is CommonJS and its chunks are
 * compiled here, through `vm.Script` with the code V8 saved from an earlier run.
 *
 * - **Where:** `$XDG_CACHE_HOME/sextant/` (else `~/.cache/sextant/`), in a folder per Node version
 *   and architecture. `SEXTANT_CODE_CACHE=off` (or `0`, `false`) turns it off.
 * - **Keyed by content:** V8 checks a cache against its source's length, not its text, so each file
 *   is named by a SHA-256 of the chunk's text: an edited or upgraded chunk gets a cache of its own.
 * - **Only from a private folder:** cached code runs as this user's code, so it is read only from a
 *   real folder (not a link) that this user owns and no one else may write, and written there
 *   with mode 0600. Anything else (a shared or read-only home, a full disk) runs without the cache,
 *   saying nothing: the cache only ever saves time.
 * - **Written once, after the run:** a chunk without a usable cache is compiled as usual and its
 *   cache written when the process exits, so it holds the functions the run compiled too. A
 *   cache V8 rejects (another V8 build or flags) is written again.
 *
 * Imports only Node's own modules: bin/sextant.js loads it before the bundle.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, sep } from "node:path";
import vm from "node:vm";

/**
 * The folder the CLI keeps its code cache in, or null when `SEXTANT_CODE_CACHE` turns it off.
 *
 * @example
 * codeCacheDir({ XDG_CACHE_HOME: "/home/ada/.cache" }) // "/home/ada/.cache/sextant/v8-v20.20.2-x64"
 * codeCacheDir({ SEXTANT_CODE_CACHE: "off" }) // null
 */
export function codeCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const setting = env.SEXTANT_CODE_CACHE?.trim().toLowerCase();
  if (setting === "off" || setting === "0" || setting === "false") return null;
  // The XDG rule: a relative XDG_CACHE_HOME is invalid and ignored.
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "sextant", `v8-${process.version}-${process.arch}`);
}

/**
 * Whether `dir` may hold code this process runs: a real folder (not a symbolic link), owned by
 * this user and writable by no one else. A missing one is made, but only inside a folder of this
 * user's: `sudo sextant …` keeps the caller's HOME on many systems, and root made the caller a
 * ~/.cache they could no longer write.
 */
export function isPrivateFolder(dir: string): boolean {
  const uid = process.getuid?.();
  const ours = (stat: { uid: number }) => uid === undefined || stat.uid === uid;
  try {
    let existing = dir;
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    if (existing !== dir && !ours(statSync(existing))) return false;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    return stat.isDirectory() && ours(stat) && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * An import() of a package in a chunk. The bundle turns its own dynamic imports into require(), so
 * an import() of a relative path is only ever in a comment; a package's stays import().
 */
const DYNAMIC_IMPORT = /\bimport\((?!\s*["'`]\.\.?\/)/;

/** The part of Node's CommonJS `Module` this file uses, which @types/node leaves out. */
interface LoadingModule {
  exports: unknown;
}
type Compile = (this: LoadingModule, content: string, filename: string) => unknown;

/**
 * Requires the CommonJS file `entry` (an absolute path), compiling it and every file beside it
 * that it loads with the code cache in `cacheDir`; without a usable cache folder, a plain require.
 *
 * @example
 * const { main } = requireWithCodeCache("/opt/sextant/dist/cli-bundle/main.cjs", codeCacheDir()) as { main: Main };
 */
export function requireWithCodeCache(entry: string, cacheDir: string | null): unknown {
  const load = createRequire(entry);
  if (cacheDir === null || !isPrivateFolder(cacheDir)) return load(entry);
  const bundle = dirname(entry) + sep;
  const unsaved: { script: vm.Script; file: string }[] = [];
  const prototype = Module.prototype as unknown as { _compile: Compile };
  const compile = prototype._compile;
  prototype._compile = function (content, filename) {
    // Only the bundle's own chunks: a package it requires (better-sqlite3, pg) loads as usual, and
    // so does a chunk that imports a package dynamically (onnxruntime-web): Node 20 runs import()
    // from a vm.Script only with an experimental loader, which warns on every use.
    if (!filename.startsWith(bundle) || DYNAMIC_IMPORT.test(content)) return compile.call(this, content, filename);
    const file = join(cacheDir, `${createHash("sha256").update(filename).update("\0").update(content).digest("hex").slice(0, 40)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      // None yet: compiled as usual below, and saved when the process exits.
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) unsaved.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (exports: unknown, require: NodeJS.Require, module: LoadingModule, filename: string, dirname: string) => unknown;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };
  process.once("exit", () => saveCodeCache(unsaved));
  return load(entry);
}

/** Writes each script's code cache through a temporary file, so a reader never meets half of one. */
function saveCodeCache(unsaved: readonly { script: vm.Script; file: string }[]): void {
  for (const { script, file } of unsaved) {
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      renameSync(temporary, file);
    } catch {
      rmSync(temporary, { force: true });
    }
  }
}
