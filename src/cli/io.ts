import { writeFile } from "node:fs/promises";
import { redactPassword } from "../storage/index.js";
import { UserError } from "./errors.js";

/**
 * Where the CLI writes: stdout for results, stderr for progress and messages.
 *
 * @example
 * io.out(renderTable(headers, rows)); io.err("study resumed");
 */
export interface Io {
  /** A line of results on stdout. */
  out(line: string): void;
  /** A line of messages on stderr. */
  err(line: string): void;
  /** Raw text on stdout. */
  write(text: string): void;
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;
}

/**
 * The process's own streams.
 *
 * @example
 * await main(process.argv, processIo());
 */
export function processIo(): Io {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    // Every message names storage URLs from flags, environment and errors alike: a password in
    // one is never printed (it would land in Slurm's and Kubernetes' logs).
    err: (line) => void process.stderr.write(`${redactPassword(line)}\n`),
    write: (text) => void process.stdout.write(text),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

const WRITE_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: "its folder does not exist",
  EISDIR: "it is a folder; give a file name",
  ENOTDIR: "a part of its path is a file, not a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
};

/**
 * Writes the file a command was asked to write (`--output`, `--out`). A path that cannot be
 * written is the user's to fix, so it is a one-line error naming the flag and the path, not an
 * internal error with a stack trace.
 *
 * @example
 * await writeOutputFile("--output", "trials.csv", csv);
 */
export async function writeOutputFile(flag: string, path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UserError(`cannot write ${flag} ${path}: ${WRITE_FAILURES[code] ?? (error as Error).message}`, { cause: error });
  }
}
