/**
 * The body of the heartbeat thread started by {@link HeartbeatThread}. It opens its own storage
 * connection and writes beats for the trial ids the main thread hands it, on its own event loop, so
 * an objective that keeps the main thread busy for minutes does not silence its trial.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Storage, openStorage } from "../storage/index.js";
import type { HeartbeatMessage, HeartbeatThreadData } from "./heartbeat.js";

const { storageUrl, intervalMs } = workerData as HeartbeatThreadData;
const port = parentPort!;
const trialIds = new Set<number>();
let storage: Storage | null = null;
let beating: Promise<void> = Promise.resolve();
let lastError: string | null = null;

function beat(): Promise<void> {
  // Chained so that a slow write never overlaps the next one on the same connection.
  beating = beating.then(async () => {
    if (!storage || trialIds.size === 0) return;
    try {
      await storage.recordHeartbeat([...trialIds]);
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

const timer = setInterval(() => void beat(), intervalMs);

port.on("message", (message: HeartbeatMessage) => {
  if (message.type === "add") {
    trialIds.add(message.trialId);
    // Beat at once: the grace period starts at the trial's start, not at the next tick.
    void beat();
  } else if (message.type === "remove") {
    trialIds.delete(message.trialId);
  } else if (message.type === "stop") {
    clearInterval(timer);
    trialIds.clear();
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
    void beat();
  },
  (error: unknown) => {
    clearInterval(timer);
    port.postMessage({ type: "failed", message: error instanceof Error ? error.message : String(error) } satisfies HeartbeatMessage);
    port.close();
  },
);
