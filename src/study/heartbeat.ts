/**
 * Heartbeats for trials run by a fleet of workers. Each worker process beats for its running
 * trials from a `worker_threads` thread with its own storage connection; any worker can then fail
 * (by compare-and-set) a trial whose beats stopped for longer than the grace period, because its
 * worker died or lost the network, and queue it again.
 *
 * Why a thread: a heartbeat sent from the main event loop stops whenever the objective keeps that
 * loop busy (a long synchronous computation), and live trials get reaped, which is what Optuna
 * users report in optuna#4234. A thread keeps beating while the main loop is blocked.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packagePath } from "../package-root.js";
import { Worker } from "node:worker_threads";
import { type FrozenTrial, type JsonValue, unknownKeysMessage } from "../space/index.js";
import { type Storage, isMemoryUrl, redactPassword } from "../storage/index.js";

/**
 * How often a worker beats and how long others wait before they give up on it.
 *
 * The defaults, a beat every 5 s and a 60 s grace, tolerate 11 lost beats: a database failover,
 * a stalled NFS mount or a machine swapping hard delays writes by tens of seconds, and reaping a
 * live trial wastes its whole run, while waiting a minute longer for a dead one costs a minute.
 *
 * @example
 * await study.optimize(objective, { nTrials: 100, heartbeat: { intervalSeconds: 10, graceSeconds: 120 }, maxRetries: 2 });
 */
export interface HeartbeatOptions {
  /** Seconds between beats (default 5). */
  intervalSeconds?: number;
  /**
   * A running trial whose last beat is older than this is failed and retried (default 60). This
   * process's trials record it, with the interval, and every reaper waits at least this long for
   * them; it waits for another process's trial at least as long as that trial records.
   */
  graceSeconds?: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 5;
export const DEFAULT_HEARTBEAT_GRACE_SECONDS = 60;

/** Heartbeat timing in milliseconds, checked. */
export interface HeartbeatTiming {
  readonly intervalMs: number;
  readonly graceMs: number;
}

/** The longest beat interval a timer keeps (2^31 − 1 ms). */
const MAX_INTERVAL_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The heartbeat timing to use with a storage, or null where heartbeats mean nothing: `memory:`
 * storage lives and dies with its only process, and `false` turns them off. Throws on an interval
 * or grace that is not a positive number, or a grace shorter than two intervals (one late beat
 * would then get a live trial reaped).
 *
 * @example
 * resolveHeartbeat({ graceSeconds: 30 }, "sqlite:./sextant.db") // { intervalMs: 5000, graceMs: 30000 }
 */
export function resolveHeartbeat(options: HeartbeatOptions | false | undefined, storageUrl: string): HeartbeatTiming | null {
  // Checked first, whatever the storage: a misspelt key or an "off"-looking value used to leave
  // the defaults on without a word (only false turns heartbeats off).
  if (options !== undefined && options !== false) {
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new TypeError(`heartbeat must be false (off) or { intervalSeconds?, graceSeconds? }, got ${typeof options === "string" ? JSON.stringify(options) : String(options)}`);
    }
    const unknown = unknownKeysMessage(options, ["intervalSeconds", "graceSeconds"]);
    if (unknown !== null) throw new TypeError(`heartbeat: ${unknown}`);
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined && typeof value !== "number") throw new TypeError(`heartbeat.${key} must be a number of seconds, got ${typeof value === "string" ? `the string ${JSON.stringify(value)}` : String(value)}`);
    }
  }
  if (options === false || isMemoryUrl(storageUrl)) return null;
  const interval = options?.intervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
  const grace = options?.graceSeconds ?? Math.max(DEFAULT_HEARTBEAT_GRACE_SECONDS, interval * 4);
  if (!Number.isFinite(interval) || interval <= 0) throw new RangeError(`heartbeat.intervalSeconds must be a positive number, got ${interval}`);
  // Beyond setInterval's limit the thread woke every millisecond instead.
  if (interval > MAX_INTERVAL_SECONDS) throw new RangeError(`heartbeat.intervalSeconds must be at most ${MAX_INTERVAL_SECONDS} (about 24.8 days), got ${interval}`);
  if (!Number.isFinite(grace) || grace <= 0) throw new RangeError(`heartbeat.graceSeconds must be a positive number, got ${grace}`);
  if (grace < 2 * interval) {
    throw new RangeError(`heartbeat.graceSeconds (${grace}) must be at least twice heartbeat.intervalSeconds (${interval}), or one late beat reaps a live trial`);
  }
  return { intervalMs: interval * 1000, graceMs: grace * 1000 };
}

/**
 * The system attribute where a running trial records the heartbeat its owner keeps, written with
 * the claim that starts it: `{ intervalSeconds, graceSeconds }` for a process of the library or
 * `sextant worker`; `{ graceSeconds, intervalSeconds? }` for a client of the HTTP service (the
 * grace it was told, and the interval it said it beats at); `false` for a library process whose
 * `optimize` turned heartbeats off, which no reaper fails; null for a trial handed to a client of
 * the HTTP service that has said nothing yet, whose former owner's record (an optimize call that
 * started it ahead and gave it back to the queue) no longer holds. Every reaper waits for the longest of its own grace, the trial's grace and twice the
 * trial's interval (see {@link silentTrials}): reapers whose graces disagreed, or a process that
 * beat more slowly than another's grace, failed trials whose owners were alive and beating.
 */
export const OWNER_HEARTBEAT_ATTR = "heartbeat";

/**
 * What a trial records in {@link OWNER_HEARTBEAT_ATTR} for an owner that beats with this timing.
 *
 * @example
 * ownerHeartbeatRecord({ intervalMs: 5000, graceMs: 60000 }) // { intervalSeconds: 5, graceSeconds: 60 }
 */
export function ownerHeartbeatRecord(timing: HeartbeatTiming): { intervalSeconds: number; graceSeconds: number } {
  return { intervalSeconds: timing.intervalMs / 1000, graceSeconds: timing.graceMs / 1000 };
}

/**
 * The silence, in milliseconds, that the owner of a running trial asked every reaper to allow
 * before failing it: the longer of its recorded grace and twice its recorded interval, or 0 for a
 * trial that records none (started by an older version, or by a client that never promised beats).
 *
 * @example
 * ownersGraceMs({ ...trial, systemAttrs: { heartbeat: { intervalSeconds: 40, graceSeconds: 60 } } }) // 80000
 */
export function ownersGraceMs(trial: Pick<FrozenTrial, "systemAttrs">): number {
  const record: JsonValue | undefined = trial.systemAttrs[OWNER_HEARTBEAT_ATTR];
  if (record === null || typeof record !== "object" || Array.isArray(record)) return 0;
  const seconds = (value: JsonValue | undefined): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0);
  return Math.max(seconds(record.graceSeconds), 2 * seconds(record.intervalSeconds)) * 1000;
}

/**
 * The running trials of a study whose heartbeats have stopped for longer than both `graceMs` (the
 * reaper's grace) and their owner's grace ({@link ownersGraceMs}), each with the grace it was
 * judged by, in number order. A reaper fails only these: one with a shorter grace than a trial's
 * owner, or than twice the owner's beat interval, used to fail the trial of a live owner that was
 * beating on time. Costs one storage read, plus one for each longer grace that some silent trial
 * the reaper may fail (`reapable`) asks for.
 *
 * @example
 * for (const { trial, graceMs } of await silentTrials(storage, study.id, 60_000)) console.log(trial.number, graceMs);
 */
export async function silentTrials(
  storage: Pick<Storage, "staleTrials">,
  studyId: number,
  graceMs: number,
  reapable: (trial: FrozenTrial) => boolean = () => true,
): Promise<Array<{ trial: FrozenTrial; graceMs: number }>> {
  const silent: Array<{ trial: FrozenTrial; graceMs: number }> = [];
  /** The ids of the trials silent for longer than each longer grace asked for, read once per grace. */
  const silentLonger = new Map<number, Set<number>>();
  for (const trial of await storage.staleTrials(studyId, graceMs)) {
    if (!reapable(trial)) continue;
    const needed = Math.max(graceMs, ownersGraceMs(trial));
    if (needed > graceMs) {
      let ids = silentLonger.get(needed);
      if (ids === undefined) {
        ids = new Set((await storage.staleTrials(studyId, needed)).map((t) => t.id));
        silentLonger.set(needed, ids);
      }
      if (!ids.has(trial.id)) continue;
    }
    silent.push({ trial, graceMs: needed });
  }
  return silent;
}

/** What the heartbeat thread is started with. */
export interface HeartbeatThreadData {
  readonly storageUrl: string;
  readonly intervalMs: number;
  /** The running-trial table shared with the main thread, see {@link RunningTrialSlots}. */
  readonly slots: SharedArrayBuffer;
}

/** Trials a process runs at once without falling back to messages; far more than any `concurrency`. */
const SLOT_COUNT = 256;

/**
 * Milliseconds on the process's monotonic clock, the same in every thread. When a trial is due a
 * beat is a question of elapsed time: timed by the wall clock, a worker whose clock stepped back
 * (an NTP step, a restored VM) wrote no beat until it caught up, and another worker reaped its
 * live trial.
 *
 * @example
 * const start = monotonicMs(); // … monotonicMs() - start is the time elapsed, whatever the wall clock did
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * The trials this process runs, in memory shared by the main thread (the only writer) and the
 * heartbeat thread (the reader). Posting a message per trial start and end cost two wake-ups of
 * the thread per trial; a slot write costs nothing the thread has to answer. Slot i holds the
 * trial id at [2i] (0 when free) and when it was added at [2i + 1].
 *
 * @example
 * const slots = new RunningTrialSlots();                // main thread; pass slots.buffer to the thread
 * slots.add(trial.id, monotonicMs()) || fallBackToMessage(); // false when all 256 slots are taken
 * new RunningTrialSlots(buffer).entries();              // heartbeat thread: [[trialId, addedAt], ...]
 */
export class RunningTrialSlots {
  private readonly cells: BigInt64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(SLOT_COUNT * 2 * BigInt64Array.BYTES_PER_ELEMENT)) {
    this.cells = new BigInt64Array(buffer);
  }

  /** Takes a free slot for the trial; false when all are taken. Main thread only. */
  add(trialId: number, now: number): boolean {
    for (let cell = 0; cell < this.cells.length; cell += 2) {
      if (Atomics.load(this.cells, cell) !== 0n) continue;
      // Time first: a reader that sees the id then also sees its time.
      Atomics.store(this.cells, cell + 1, BigInt(now));
      Atomics.store(this.cells, cell, BigInt(trialId));
      return true;
    }
    return false;
  }

  /** Frees the trial's slot; false if it had none. Main thread only. */
  remove(trialId: number): boolean {
    const id = BigInt(trialId);
    for (let cell = 0; cell < this.cells.length; cell += 2) {
      if (Atomics.load(this.cells, cell) !== id) continue;
      Atomics.store(this.cells, cell, 0n);
      return true;
    }
    return false;
  }

  /** Every trial in a slot, with when it was added. */
  entries(): Array<[trialId: number, addedAt: number]> {
    const out: Array<[number, number]> = [];
    for (let cell = 0; cell < this.cells.length; cell += 2) {
      const id = Atomics.load(this.cells, cell);
      if (id === 0n) continue;
      const addedAt = Atomics.load(this.cells, cell + 1);
      // Freed and reused between the two loads: the new trial is read next tick. Ids are never reused.
      if (Atomics.load(this.cells, cell) !== id) continue;
      out.push([Number(id), Number(addedAt)]);
    }
    return out;
  }
}

/** Messages between the main thread and the heartbeat thread. */
export type HeartbeatMessage =
  | { type: "add"; trialId: number }
  | { type: "remove"; trialId: number }
  | { type: "stop" }
  | { type: "ready" }
  | { type: "stopped" }
  | { type: "failed"; message: string }
  | { type: "error"; message: string };

function threadScript(): URL {
  // Beside this module: in dist/study/, or the CLI's CommonJS bundle, whose files end in .cjs.
  const sibling = new URL("./heartbeat-thread.js", import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const bundled = new URL("./heartbeat-thread.cjs", import.meta.url);
  if (existsSync(fileURLToPath(bundled))) return bundled;
  // Running from the TypeScript sources (vitest): a plain worker thread cannot load .ts files,
  // so use the built copy, which `npm test` builds first.
  const built = pathToFileURL(packagePath("dist", "study", "heartbeat-thread.js"));
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`heartbeat thread script not found at ${fileURLToPath(sibling)}; run "npm run build" first`);
}

/**
 * A running heartbeat thread. Tell it which trials this process runs with {@link add} and
 * {@link remove}; {@link stop} it when the process is done.
 *
 * @example
 * const beats = await HeartbeatThread.start("sqlite:./sextant.db", 5000, (m) => console.warn(m));
 * beats.add(trial.id);
 * // … run the trial …
 * beats.remove(trial.id);
 * await beats.stop();
 */
export class HeartbeatThread {
  private stopped = false;

  private constructor(
    private readonly worker: Worker,
    private readonly slots: RunningTrialSlots,
  ) {}

  /**
   * Starts the thread and waits until it has opened its own connection to the storage. Rejects
   * if it cannot: running trials that nobody beats for would be reaped by other workers.
   *
   * @param onError told (once per distinct message) when a beat could not be written; the thread retries.
   */
  static start(storageUrl: string, intervalMs: number, onError: (message: string) => void): Promise<HeartbeatThread> {
    const slots = new RunningTrialSlots();
    const worker = new Worker(threadScript(), { workerData: { storageUrl, intervalMs, slots: slots.buffer } satisfies HeartbeatThreadData });
    return new Promise((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`the heartbeat thread exited with code ${code} before it started`));
      worker.once("error", reject);
      worker.once("exit", onExit);
      worker.on("message", (message: HeartbeatMessage) => {
        if (message.type === "ready") {
          worker.off("error", reject);
          worker.off("exit", onExit);
          // Beats are only for this process's trials: never keep a finished process alive for them.
          worker.unref();
          worker.on("error", (error) => onError(`heartbeat thread: ${error.message}`));
          resolve(new HeartbeatThread(worker, slots));
        } else if (message.type === "failed") {
          // The URL may hold a password (a storage's reopenUrl): the storage's own error shows it redacted.
          const why = message.message.startsWith("cannot open ") ? message.message : `cannot open ${redactPassword(storageUrl)}: ${message.message}`;
          reject(new Error(`heartbeats: ${why}`));
        } else if (message.type === "error") {
          onError(`heartbeat not recorded: ${message.message}`);
        }
      });
    });
  }

  /**
   * Starts beating for a trial this process now runs. The first beat comes after about an
   * interval (staleness counts from the trial's start until then), so a trial shorter than that
   * costs no heartbeat write at all.
   */
  add(trialId: number): void {
    if (this.stopped || this.slots.add(trialId, monotonicMs())) return;
    this.worker.postMessage({ type: "add", trialId } satisfies HeartbeatMessage);
  }

  /** Stops beating for a trial this process has finished. */
  remove(trialId: number): void {
    if (this.stopped || this.slots.remove(trialId)) return;
    this.worker.postMessage({ type: "remove", trialId } satisfies HeartbeatMessage);
  }

  /** Stops beating, closes the thread's connection and ends the thread. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Unreferenced, the thread would not keep the process alive while we wait for it, and a
    // process with nothing else to do would exit in the middle of this await.
    this.worker.ref();
    await new Promise<void>((resolve) => {
      // If the thread does not answer (its storage hangs), end it anyway.
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 10_000);
      timer.unref();
      this.worker.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage({ type: "stop" } satisfies HeartbeatMessage);
    });
  }
}
