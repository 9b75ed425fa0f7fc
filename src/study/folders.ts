/**
 * Folders Sextant writes into (PBT checkpoints, the benchmark lab's results and figures), made so
 * that one that cannot be written says why: read-only, permission denied, a file in the way.
 *
 * @module
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Thrown by {@link ensureWritableFolder}: `folder` cannot be made or written, for `reason`
 * ("the file system is read-only", "permission denied", "it is a file, not a folder", or the
 * system's message).
 *
 * @example
 * try { ensureWritableFolder("/mnt/ro/ckpt"); }
 * catch (e) { if (e instanceof FolderNotWritableError) console.error(e.reason); } // "the file system is read-only"
 */
export class FolderNotWritableError extends Error {
  override name = "FolderNotWritableError";

  constructor(
    readonly folder: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot write to ${folder}: ${reason}`, options);
  }
}

/**
 * Creates the folder `path` and any missing parents, and checks this process can write into it.
 * Throws {@link FolderNotWritableError} naming the folder and the real cause, where Node's
 * recursive mkdir said "ENOENT: no such file or directory" of a read-only file system.
 *
 * @example
 * ensureWritableFolder("runs.db-checkpoints/pbt-demo");
 */
export function ensureWritableFolder(path: string): void {
  try {
    makeFolders(path);
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EROFS" ? "the file system is read-only" : (error as Error).message;
    throw new FolderNotWritableError(path, reason, { cause: error });
  }
  // Writable, but a file: the first write into it would fail instead.
  if (!statSync(path).isDirectory()) throw new FolderNotWritableError(path, "it is a file, not a folder");
}

/**
 * `mkdir -p`, one folder at a time. Node's recursive mkdir reports a missing folder it could not
 * create as ENOENT whatever the cause (nodejs/node#47098 for EROFS, #31481 for EACCES, #42808
 * for ENOSPC), so a read-only file system read "no such file or directory"; a plain mkdir
 * reports the real cause.
 */
function makeFolders(path: string): void {
  const missing: string[] = [];
  for (let folder = path; !existsSync(folder); folder = dirname(folder)) {
    missing.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Made meanwhile by another process (two runs into one folder): as good as made here.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
