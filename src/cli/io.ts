import { closeSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { isatty } from "node:tty";
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
  /** Whether stderr is a terminal that can redraw a progress line (a TTY, and TERM is not "dumb"). */
  readonly stderrIsTTY: boolean;
  /** The width of stdout in columns when it is a terminal; undefined for a pipe or a file (and for an Io that does not say). */
  readonly stdoutColumns?: number | undefined;
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
    // A terminal that says it understands no escape codes (TERM=dumb: Emacs' shell) gets no
    // progress line, which redraws itself with them.
    stderrIsTTY: Boolean(process.stderr.isTTY) && process.env.TERM !== "dumb",
    stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
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

/** Why a write failed, in words, for a one-line message (`EIO` and others: the system's text). */
export function writeFailure(error: NodeJS.ErrnoException): string {
  return (error.code !== undefined ? WRITE_FAILURES[error.code] : undefined) ?? error.message;
}

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
    throw new UserError(`cannot write ${flag} ${path}: ${writeFailure(error as NodeJS.ErrnoException)}`, { cause: error });
  }
}

/** The standard streams that were terminals when the CLI started (a hung-up one no longer says so). */
const startedOnTerminal = [0, 1, 2].filter((fd) => isatty(fd));

/**
 * After a hang-up (SIGHUP from a closed terminal or a dropped SSH session), lets the process end
 * with its own exit code. At exit Node 20 restores the terminal's settings and aborts (SIGABRT)
 * when that fails, as it does with EIO on a closed terminal; a descriptor closed first is skipped.
 */
export function releaseTerminalAtExit(): void {
  process.once("exit", () => {
    for (const fd of startedOnTerminal) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
}
