import { randomBytes } from "node:crypto";
import { closeSync } from "node:fs";
import { access, constants, lstat, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isatty } from "node:tty";
import { redactPassword } from "../storage/index.js";
import { processGroupMembers, readProcessStat } from "../study/worker-identity.js";
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
 * How a command says that opening its storage migrated an older Sextant's file or database (which
 * that Sextant then refuses): a warning on stderr, as the CLI's other warnings are.
 *
 * @example
 * await openStorage(url, { onSchemaUpgrade: warnSchemaUpgrade });
 */
export function warnSchemaUpgrade(message: string): void {
  process.stderr.write(`sextant: warning: ${message}\n`);
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
 * Whether an output flag's value (`--output`, `--out`) means standard output: "-", as for most Unix
 * tools. A file named "-" is still written as "./-".
 *
 * @example
 * if (isStandardOutput(flags.out)) io.write(text);
 */
export function isStandardOutput(path: string | undefined): boolean {
  return path === "-";
}

/**
 * Writes the file a command was asked to write (`--output`, `--out`): `text` whole, or piece by
 * piece from an iterable (a large export, never held as one string). A path that cannot be
 * written is the user's to fix, so it is a one-line error naming the flag and the path, not an
 * internal error with a stack trace. Resolves to false when the path is a pipe whose reader
 * closed it before taking the whole text (`--output /dev/stdout | head`): that is the reader's
 * choice, as for standard output, not an error.
 *
 * @example
 * if (await writeOutputFile("--output", "trials.csv", csv)) io.err("wrote trials.csv");
 */
export async function writeOutputFile(flag: string, path: string, text: string | Iterable<string> | AsyncIterable<string>): Promise<boolean> {
  await refuseSqliteTarget(flag, path);
  try {
    const target = await replaceableTarget(path);
    if (target === undefined || !(await writeByRename(path, target, text))) await writeFile(path, text);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return false;
    if (code === undefined) throw error;
    throw new UserError(`cannot write ${flag} ${path}: ${writeFailure(error as NodeJS.ErrnoException)}`, { cause: error });
  }
}

/**
 * Refuses an output path (`--output`, `--out`) that is a SQLite database or one of the files SQLite
 * keeps beside one: writing there would replace or corrupt a storage.
 *
 * @example
 * await refuseSqliteTarget("--out", "sextant.db"); // throws a UserError
 */
export async function refuseSqliteTarget(flag: string, path: string): Promise<void> {
  // `sextant export demo --output sextant.db` replaced the storage it read, every study in it lost.
  if (await holdsSqliteDatabase(path)) {
    throw new UserError(`${flag} ${path} is a SQLite database (a Sextant storage, perhaps), which writing there would replace; give another file name, or delete that file first`);
  }
  // The write-ahead log holds the latest commits until a checkpoint (a running tune's trials), and
  // the -shm and -journal files guard them: written over, readers failed with SQLITE_IOERR and the
  // commits could be lost.
  const companion = SQLITE_COMPANION_SUFFIXES.find((suffix) => path.endsWith(suffix));
  if (companion !== undefined && (await holdsSqliteDatabase(path.slice(0, -companion.length)))) {
    throw new UserError(`${flag} ${path} belongs to the SQLite database ${path.slice(0, -companion.length)} (a Sextant storage, perhaps), which writing there would corrupt; give another file name`);
  }
}

/** The files SQLite keeps beside a database, named by a suffix to its name. */
const SQLITE_COMPANION_SUFFIXES = ["-wal", "-shm", "-journal"];

/** Whether `path` is a regular file (or a link to one) that starts with SQLite's header. */
async function holdsSqliteDatabase(path: string): Promise<boolean> {
  const header = "SQLite format 3\0";
  // Only a regular file is opened: opening a FIFO to read it would wait for a writer.
  const isFile = await stat(path).then((s) => s.isFile(), () => false);
  if (!isFile) return false;
  const handle = await open(path, "r").catch(() => null);
  if (handle === null) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(header.length), 0, header.length, 0);
    return bytesRead === header.length && buffer.toString("latin1") === header;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * Whether `path` is written by replacing it whole: when nothing is there or it is a regular file
 * this user may write, with its mode to keep. What must be written in place as before: /dev/stdout
 * and any symbolic link (/dev/stdout is one, to /proc/self/fd/1 and so to whatever the shell
 * redirected into, which a rename would unlink from under it), a FIFO, a device, a folder (whose
 * write fails with EISDIR), a file of another owner or with several hard links (a new file could
 * keep neither), and a file this user may not write (replacing it would bypass that).
 */
async function replaceableTarget(path: string): Promise<{ mode: number | undefined; group: number | undefined } | undefined> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? { mode: undefined, group: undefined } : undefined;
  }
  if (!stats.isFile() || stats.nlink > 1 || (process.getuid !== undefined && stats.uid !== process.getuid())) return undefined;
  const writable = await access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
  return writable ? { mode: stats.mode & 0o7777, group: stats.gid } : undefined;
}

/**
 * Writes `text` to a new file beside `path` and renames it over `path`, so that a write cut short
 * (a full disk, an I/O error) leaves the earlier file whole instead of truncated. False, having
 * written nothing, when the folder does not let this user make a file there (the file itself may
 * still be writable) or the new file's longer name is too long; any other failure removes the new
 * file and is thrown.
 */
async function writeByRename(path: string, kept: { mode: number | undefined; group: number | undefined }, text: string | Iterable<string> | AsyncIterable<string>): Promise<boolean> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle;
  try {
    handle = await open(temporary, "wx");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "ENAMETOOLONG") return false;
    throw namingTarget(error, temporary, path);
  }
  try {
    try {
      // Each piece from where the last one ended.
      for await (const chunk of typeof text === "string" ? [text] : text) await handle.writeFile(chunk);
      // The earlier file's group too: a report shared through a group (chgrp, mode 640) stays
      // readable by it. Allowed only to a member of that group; otherwise the default group stays.
      if (kept.group !== undefined) await handle.chown(-1, kept.group).catch(() => undefined);
      if (kept.mode !== undefined) await handle.chmod(kept.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    return true;
  } catch (error) {
    await rm(temporary, { force: true });
    throw namingTarget(error, temporary, path);
  }
}

/** The error with the temporary file's name in its system text replaced by the path the user gave. */
function namingTarget(error: unknown, temporary: string, path: string): unknown {
  if (error instanceof Error && error.message.includes(temporary)) error.message = error.message.split(temporary).join(path);
  return error;
}

/**
 * The warning for a run that is process 1 (a container started without an init), else null.
 * Process 1 inherits every orphan, and Node reaps only the children it started: the background
 * processes a command leaves behind (stopped with its group when it ends) stayed zombies, one or
 * more per trial, until the container ran out of process ids.
 *
 * @example
 * const warning = initProcessWarning(process.pid);
 * if (warning !== null) io.err(warning);
 */
export function initProcessWarning(pid: number): string | null {
  if (pid !== 1) return null;
  return (
    "sextant: warning: this process is process 1 (a container started without an init), which inherits every orphaned process " +
    "but reaps only its own children: the background processes a command leaves behind stay zombies, one or more per trial; " +
    "start the container with an init (docker run --init, or tini as the entrypoint)"
  );
}

/** Milliseconds this process has spent stopped by the Ctrl-Z of {@link pauseCommandsWithRun}. */
let pausedMs = 0;

/**
 * Milliseconds of a clock that stands still while Ctrl-Z has the run paused (monotonic time less
 * the time paused), for `--trial-timeout`: a command paused for longer than its time limit was
 * killed as timed out the moment `fg` resumed it.
 *
 * @example
 * commandObjective({ ...spec, timeoutSeconds: settings.trialTimeout, clock: runningClock });
 */
export function runningClock(): number {
  return performance.now() - pausedMs;
}

/**
 * Makes Ctrl-Z (SIGTSTP) pause the commands a run started together with the run, and `fg` or
 * `kill -CONT` (SIGCONT) resume them. Each command runs in a session of its own, away from the
 * terminal, so the terminal's stop reached only Sextant and the commands ran on (a job shown as
 * "Stopped" kept its GPUs busy). They get SIGSTOP: the kernel discards SIGTSTP sent to a process
 * group outside the terminal's job control. In an orphaned process group, where the kernel
 * discards SIGTSTP, SIGTSTP changes nothing. Returns what removes the handlers.
 *
 * @example
 * const stopPausing = pauseCommandsWithRun(() => runningGroups);
 */
export function pauseCommandsWithRun(groups: () => Iterable<number>): () => void {
  // Process 1 (a container without an init) cannot stop itself: its commands would stay stopped
  // while it ran on. It keeps the kernel's default for process 1, which ignores SIGTSTP.
  if (process.pid === 1) return () => undefined;
  const signalGroups = (signal: NodeJS.Signals): void => signalCommandGroups(groups(), signal);
  const pause = (): void => {
    // The kernel discards a SIGTSTP sent to an orphaned process group (nohup and a closed terminal,
    // setsid, a supervisor): stopping there left the run and its commands stopped with nobody to
    // send SIGCONT. Ctrl-Z always comes to a group that a shell's job control can resume.
    if (processGroupIsOrphaned()) return;
    signalGroups("SIGSTOP");
    const stoppedAt = performance.now();
    // With a handler installed, SIGTSTP no longer stops this process: stop it as the default would.
    // The kill returns only once the process is resumed (fg, bg, SIGCONT), before any timer runs.
    process.kill(process.pid, "SIGSTOP");
    pausedMs += performance.now() - stoppedAt;
  };
  const resume = (): void => signalGroups("SIGCONT");
  process.on("SIGTSTP", pause);
  process.on("SIGCONT", resume);
  return () => {
    process.off("SIGTSTP", pause);
    process.off("SIGCONT", resume);
  };
}

/**
 * Sends `signal` to the process group of each command in `pids` (each command leads a group of its
 * own), skipping those already gone.
 *
 * @example
 * signalCommandGroups(runningPids, "SIGKILL"); // Ctrl-\: no kill grace
 */
export function signalCommandGroups(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Whether this process's group is orphaned, as POSIX defines it: no member has a parent in another
 * group of the same session, so no shell's job control could resume it after a stop, and the kernel
 * discards SIGTSTP sent to it. Read from /proc; false where there is none (macOS), which keeps the stop.
 *
 * @example
 * if (!processGroupIsOrphaned()) process.kill(process.pid, "SIGSTOP");
 */
export function processGroupIsOrphaned(): boolean {
  const own = readProcessStat(process.pid);
  const members = own === null ? null : processGroupMembers(own.processGroup);
  if (own === null || members === null) return false;
  return !members.some((member) => {
    const parent = readProcessStat(member.parent);
    return parent !== null && parent.processGroup !== own.processGroup && parent.session === own.session;
  });
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
