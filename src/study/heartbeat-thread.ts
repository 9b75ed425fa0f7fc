/**
 * The body of the heartbeat thread started by {@link HeartbeatThread}. It opens its own storage
 * connection and writes beats for the trial ids the main thread hands it, on its own event loop, so
 * an objective that keeps the main thread busy for minutes does not silence its trial.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Storage, openStorage } from "../storage/index.js";
import { type HeartbeatMessage, type HeartbeatThreadData, RunningTrialSlots, monotonicMs } from "./heartbeat.js";

const { storageUrl, intervalMs, slots: slotBuffer } = workerData as HeartbeatThreadData;
const slots = new RunningTrialSlots(slotBuffer);
const port = parentPort!;
/** Running trials the main thread could not fit in `slots`, with when each was handed to us. */
const trialsAddedAt = new Map<number, number>();
let storage: Storage | null = null;
let beating: Promise<void> = Promise.resolve();
let lastError: string | null = null;

function beat(): Promise<void> {
  // Chained so that a slow write never overlaps the next one on the same connection.
  beating = beating.then(async () => {
    if (!storage) return;
    const due = dueTrials(monotonicMs());
    if (due.length === 0) return;
    try {
      await storage.recordHeartbeat(due);
      lastError = null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Report a failure once, not every interval; the next beat retries on its own.
      if (message !== lastError) port.postMessage({ type: "error", message } satisfies HeartbeatMessage);
      lastError = message;
    }
  });
  return beating;
}

/**
 * Trials running for at least half an interval. A younger trial needs no beat yet: staleness
 * counts from its start until it first beats, so it gets its first beat one or two ticks after
 * it starts, well inside a grace of at least two intervals. Most short trials thus finish
 * without ever costing a heartbeat write.
 */
function dueTrials(now: number): number[] {
  const due: number[] = [];
  for (const [trialId, addedAt] of [...slots.entries(), ...trialsAddedAt]) if (now - addedAt >= intervalMs / 2) due.push(trialId);
  return due;
}

const timer = setInterval(() => void beat(), intervalMs);

port.on("message", (message: HeartbeatMessage) => {
  if (message.type === "add") {
    trialsAddedAt.set(message.trialId, monotonicMs());
  } else if (message.type === "remove") {
    trialsAddedAt.delete(message.trialId);
  } else if (message.type === "stop") {
    clearInterval(timer);
    trialsAddedAt.clear();
    void beating.then(async () => {
      await storage?.close();
      port.postMessage({ type: "stopped" } satisfies HeartbeatMessage);
      port.close();
    });
  }
});

openStorage(storageUrl).then(
  (opened) => {
    storage = opened;
    port.postMessage({ type: "ready" } satisfies HeartbeatMessage);
  },
  (error: unknown) => {
    clearInterval(timer);
    port.postMessage({ type: "failed", message: error instanceof Error ? error.message : String(error) } satisfies HeartbeatMessage);
    port.close();
  },
);
