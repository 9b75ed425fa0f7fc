/**
 * A watchdog process, so that a tuned program never outlives the process that started it.
 *
 * Why it exists: the command runner puts each program in its own process group, so a terminal's
 * Ctrl-C reaches only the tuner, which then decides how to stop trials. The price is that nothing
 * stops the program when the tuner dies in a way it cannot handle: SIGKILL, the out-of-memory
 * killer, a library user's process that exits or crashes mid-trial. Left alone, the program keeps
 * running under PID 1 and its trial stays `running`.
 *
 * Design: the runner's process starts one tiny `/bin/sh` script the first time it runs a program.
 * The script is detached into its own session, so the terminal's SIGHUP or SIGINT never reaches
 * it, and reads its stdin: a pipe whose only write end is in the runner's process (Node opens
 * every pipe close-on-exec, so programs do not inherit it). The runner writes `+ <pgid> <grace>`
 * when a program starts and `- <pgid>` when its run is over. When `read` meets end-of-file, which
 * the kernel delivers the moment the runner's process is gone however it died, the script sends
 * SIGTERM to every group still registered, waits up to the longest grace period while any of them
 * exists, then sends SIGKILL. One script per process rather than one per program because starting
 * a process from Node costs milliseconds (it forks a large process), while a line on a pipe costs
 * microseconds: short trials do not pay for the guard (bench/watchdog.mjs measures both). Nothing
 * polls while the runner lives: the script sleeps in `read`.
 *
 * What it cannot cover: the moment between the fork that starts a program and the runner's `+`
 * line, which the runner writes synchronously right after `spawn` returns. A process killed inside
 * that moment leaves its program unguarded. On an idle machine it lasts well under a millisecond;
 * on one loaded far past its cores the runner's thread can wait its turn for 100 ms or more while
 * the program already runs (a test that killed the runner as soon as its program had started lost
 * this race about once in ten runs with six busy loops on two cores). Closing it would mean
 * starting every program through a gate that waits for the registration, an extra exec per trial
 * that also turns a missing program into a shell's exit code 127 instead of a spawn error.
 */
import { type ChildProcess, spawn } from "node:child_process";

// Stdin lines: "+ PGID TENTHS" registers a group and its grace period, "- PGID" forgets it.
const WATCHDOG_SCRIPT = [
  "trap '' HUP INT",
  "groups=' '",
  "grace=0",
  "while read -r op pgid tenths; do",
  "  case $op in",
  '    +) groups="$groups$pgid "; [ "$tenths" -gt "$grace" ] && grace=$tenths ;;',
  '    -) case $groups in *" $pgid "*) groups="${groups%% $pgid *} ${groups#* $pgid }" ;; esac ;;',
  "  esac",
  "done",
  "set -- $groups",
  "[ $# -eq 0 ] && exit 0",
  'for g; do kill -TERM -"$g" 2>/dev/null; done',
  "i=0",
  'while [ "$i" -lt "$grace" ]; do',
  "  alive=0",
  '  for g; do kill -0 -"$g" 2>/dev/null && alive=1; done',
  '  [ "$alive" -eq 0 ] && exit 0',
  "  sleep 0.1",
  "  i=$((i+1))",
  "done",
  'for g; do kill -KILL -"$g" 2>/dev/null; done',
  "exit 0",
].join("\n");

/** How long an idle watchdog (no group registered) lives before it exits; the next program starts another. */
const IDLE_EXIT_MS = 30_000;

/** One program's registration with the watchdog; see {@link guardProcessGroup}. */
export interface ProcessGroupGuard {
  /** Tells the watchdog the group's run is over: it will not be touched. Idempotent. */
  release(): void;
}

/**
 * A watchdog process that stops registered process groups when this process dies. Most code wants
 * the process-wide one through {@link guardProcessGroup}; a separate instance is for tests.
 *
 * @example
 * const watchdog = new ProcessGroupWatchdog();
 * const guard = watchdog.guard(program.pid!, 5);
 * program.on("exit", () => guard.release());
 */
export class ProcessGroupWatchdog {
  private child: ChildProcess | null = null;
  /** Registered groups: pgid to its registration (grace in tenths of a second). */
  private readonly groups = new Map<number, { tenths: number }>();
  private idleTimer: NodeJS.Timeout | null = null;

  /** The watchdog's pid while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Registers process group `pgid`: if this process dies before `release()`, the group gets
   * SIGTERM, then SIGKILL after `graceSeconds`. If `/bin/sh` cannot be started, the program still
   * runs, only unguarded.
   */
  guard(pgid: number, graceSeconds: number): ProcessGroupGuard {
    if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`pgid must be an integer greater than 1, got ${pgid}`);
    const tenths = Math.max(0, Math.ceil(graceSeconds * 10));
    const registration = { tenths };
    this.groups.set(pgid, registration);
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (this.child) this.send(`+ ${pgid} ${tenths}`);
    else this.start();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        // The pid may have been reused by a later program since: leave its registration alone.
        if (this.groups.get(pgid) !== registration) return;
        this.groups.delete(pgid);
        this.send(`- ${pgid}`);
        if (this.groups.size === 0) this.scheduleIdleExit();
      },
    };
  }

  /**
   * Starts the watchdog now if none runs. Call it before starting a program: starting the
   * watchdog forks a process, which takes a while, and a death during that while would leave the
   * program just started unguarded. Afterwards `guard` only writes a line.
   */
  prepare(): void {
    if (!this.child) this.start();
  }

  /**
   * Closes the pipe as this process's death would: the watchdog stops every group still
   * registered. For tests, which cannot die to check what dying does.
   */
  abandon(): void {
    const child = this.child;
    this.child = null;
    this.groups.clear();
    child?.stdin?.end();
  }

  private start(): void {
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT, "sextant-watchdog"], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    } catch {
      return;
    }
    if (child.pid === undefined) return;
    // Neither the watchdog nor its pipe may keep a finished process's event loop alive.
    child.unref();
    child.on("error", () => undefined);
    child.stdin!.on("error", () => undefined);
    this.child = child;
    const startedAt = Date.now();
    child.once("exit", () => {
      if (this.child !== child) return;
      this.child = null;
      // Someone killed the watchdog: start another for the groups still running, unless the
      // shell cannot even stay up, which a restart would only repeat.
      if (this.groups.size > 0 && Date.now() - startedAt > 1000) this.start();
    });
    for (const [pgid, { tenths }] of this.groups) this.send(`+ ${pgid} ${tenths}`);
  }

  private send(line: string): void {
    this.child?.stdin?.write(`${line}\n`);
  }

  private scheduleIdleExit(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.groups.size > 0 || !this.child) return;
      const child = this.child;
      this.child = null;
      child.stdin?.end();
    }, IDLE_EXIT_MS);
    this.idleTimer.unref();
  }
}

let processWatchdog: ProcessGroupWatchdog | undefined;

/**
 * Makes sure this process's watchdog runs before a program is started, so that the program is
 * guarded from the moment {@link guardProcessGroup} is called right after starting it.
 *
 * @example
 * prepareProcessGroupGuard();
 * const program = spawn("python", ["train.py"], { detached: true });
 * const guard = guardProcessGroup(program.pid!, 5);
 */
export function prepareProcessGroupGuard(): void {
  processWatchdog ??= new ProcessGroupWatchdog();
  processWatchdog.prepare();
}

/**
 * Registers process group `pgid` with this process's watchdog (started on first use): if this
 * process dies for any reason, SIGKILL included, before `release()`, the group gets SIGTERM, then
 * SIGKILL after `graceSeconds`. Call `release()` once the group's program has ended.
 *
 * @example
 * const program = spawn("python", ["train.py"], { detached: true });
 * const guard = guardProcessGroup(program.pid!, 5);
 * program.on("exit", () => guard.release());
 */
export function guardProcessGroup(pgid: number, graceSeconds: number): ProcessGroupGuard {
  processWatchdog ??= new ProcessGroupWatchdog();
  return processWatchdog.guard(pgid, graceSeconds);
}
