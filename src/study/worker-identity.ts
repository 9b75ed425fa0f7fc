/**
 * Who runs a trial, recorded on it as `systemAttrs.worker`, and whether that worker can still be
 * alive. This is the local half of dead-worker recovery: a process on the same machine can prove
 * that a worker is gone from `/proc`; workers elsewhere are judged by heartbeats (the storage's
 * `recordHeartbeat` / `staleTrials`), keyed by the same random `id`.
 *
 * A host name and a pid are not enough. Containers that share a host name but not a pid
 * namespace (Kubernetes `hostNetwork`, `docker --uts=host`) see each other's pids as dead, or as
 * someone else's; and a pid is reused once its process is gone. So a worker is judged gone only
 * when all of these hold: same host name, same boot (`/proc/sys/kernel/random/boot_id`), same pid
 * namespace (`readlink /proc/self/ns/pid`), and its pid either names no process or names one that
 * started at another moment (field 22 of `/proc/<pid>/stat`, in clock ticks since boot), or one
 * that has exited and awaits its parent (a zombie). Anything unknown means "may be alive".
 */
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * A worker process, as recorded on the trials it runs.
 *
 * @example
 * const me: WorkerIdentity = currentWorker();
 * // { id: "3f0c…", host: "gpu-7", pid: 4242, bootId: "c09c…", pidNamespace: "pid:[4026531836]", startTime: 81234 }
 */
// A type, not an interface: it is stored as a JSON value, which an interface (with no index
// signature) cannot be assigned to.
export type WorkerIdentity = {
  /** Random per process: never shared by two workers, wherever they run. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** This boot of this kernel; null where `/proc` does not tell. */
  readonly bootId: string | null;
  /** The pid namespace the pid is valid in, e.g. `pid:[4026531836]`; null where unknown. */
  readonly pidNamespace: string | null;
  /** When the process started, in clock ticks since boot; with the pid, names one process for good. */
  readonly startTime: number | null;
};

/** What `/proc/<pid>/stat` says about a process; null if there is no such process here. */
export interface ProcessStat {
  /** One letter: R, S, D, Z (zombie), T, … */
  readonly state: string;
  readonly startTime: number;
  /** Its process group (field 5). */
  readonly processGroup: number;
  /** Its parent's pid (field 4). */
  readonly parent: number;
  /** Its session (field 6). */
  readonly session: number;
}

/** Looks a pid up in this pid namespace. */
export type ProcessProbe = (pid: number) => Pick<ProcessStat, "state" | "startTime"> | null;

/** The verdict on a recorded worker: gone (with the reason kept on the trial), or possibly alive (and why). */
export type WorkerVerdict = { readonly gone: true; readonly reason: string } | { readonly gone: false; readonly why: string };

/**
 * Reads `/proc/<pid>/stat`; null if the process does not exist (or `/proc` is not there).
 *
 * @example
 * readProcessStat(process.pid) // { state: "R", startTime: 81234, processGroup: 81200, parent: 81200, session: 80100 }
 */
export function readProcessStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces or ")": count after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name, field 3 (state) is at index 0, so field 22 (starttime) is at index 19.
  const startTime = Number(fields[19]);
  if (fields[0] === undefined || !Number.isFinite(startTime)) return null;
  return { state: fields[0], startTime, processGroup: Number(fields[2]), parent: Number(fields[1]), session: Number(fields[3]) };
}

/**
 * The processes of group `pgid` as `/proc` shows them (zombies too); null where `/proc` cannot be
 * listed (macOS), so each caller chooses its own safe answer.
 *
 * @example
 * processGroupMembers(process.pid)?.length // 3
 */
export function processGroupMembers(pgid: number): ProcessStat[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const members: ProcessStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (stat !== null && stat.processGroup === pgid) members.push(stat);
  }
  return members;
}

function readTrimmed(read: () => string): string | null {
  try {
    const value = read().trim();
    return value === "" ? null : value;
  } catch {
    return null;
  }
}

let current: WorkerIdentity | undefined;

/**
 * This process as a worker; the same object for the life of the process.
 *
 * @example
 * trial.setSystemAttr("worker", currentWorker());
 */
export function currentWorker(): WorkerIdentity {
  current ??= Object.freeze({
    id: randomUUID(),
    host: hostname(),
    pid: process.pid,
    bootId: readTrimmed(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
    pidNamespace: readTrimmed(() => readlinkSync("/proc/self/ns/pid")),
    startTime: readProcessStat(process.pid)?.startTime ?? null,
  });
  return current;
}

/**
 * Decides whether the worker recorded on a trial provably cannot be alive, as seen from `self`.
 * Only a worker on the same host, boot and pid namespace can be judged; its pid must then name
 * no process, a process that started at another time (the pid was reused), or a zombie.
 *
 * @example
 * const verdict = judgeWorker(trial.systemAttrs.worker);
 * if (verdict.gone) await storage.updateTrial(trial.id, { state: "failed", systemAttrs: { failReason: verdict.reason } });
 */
export function judgeWorker(recorded: unknown, self: WorkerIdentity = currentWorker(), probe: ProcessProbe = readProcessStat): WorkerVerdict {
  if (recorded === null || typeof recorded !== "object" || Array.isArray(recorded)) return { gone: false, why: "no worker is recorded" };
  const worker = recorded as Partial<Record<keyof WorkerIdentity | "remote", unknown>>;
  // Handed out by the HTTP service: the process that recorded it is not the one running it.
  if (worker.remote !== undefined) return { gone: false, why: `it runs in a client of the ${String(worker.remote)} service; its heartbeats tell whether it lives` };
  if (typeof worker.host !== "string" || typeof worker.pid !== "number" || !Number.isInteger(worker.pid) || worker.pid <= 0) {
    return { gone: false, why: "the recorded worker has no host and pid" };
  }
  if (typeof worker.id === "string" && worker.id === self.id) return { gone: false, why: "it is this process" };
  if (worker.host !== self.host) return { gone: false, why: `it runs on another host (${worker.host})` };
  if (typeof worker.bootId !== "string" || self.bootId === null) return { gone: false, why: "its boot is unknown" };
  // Same host name, another boot id: a reboot, or another machine or VM that shares the name.
  if (worker.bootId !== self.bootId) return { gone: false, why: "it ran under another boot or on another machine with this host name" };
  if (typeof worker.pidNamespace !== "string" || self.pidNamespace === null) return { gone: false, why: "its pid namespace is unknown" };
  if (worker.pidNamespace !== self.pidNamespace) return { gone: false, why: `its pid ${worker.pid} belongs to another pid namespace (${worker.pidNamespace})` };

  const where = `worker process ${worker.pid} on ${worker.host}`;
  const found = probe(worker.pid);
  if (found === null) return { gone: true, reason: `${where} is gone` };
  if (typeof worker.startTime !== "number") return { gone: false, why: `pid ${worker.pid} is in use and the worker's start time is unknown` };
  if (found.startTime !== worker.startTime) return { gone: true, reason: `${where} is gone (pid ${worker.pid} now names a process started at another time)` };
  if (found.state === "Z") return { gone: true, reason: `${where} is gone (it exited and awaits its parent)` };
  return { gone: false, why: "it is running" };
}
