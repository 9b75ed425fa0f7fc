import { StorageError } from "./types.js";

/**
 * Rejects a grace period that would make `staleTrials` meaningless: a negative or non-finite one
 * would reap every running trial, including ones that beat a moment ago.
 */
export function checkGraceMs(graceMs: number): void {
  if (typeof graceMs !== "number" || !Number.isFinite(graceMs) || graceMs < 0) {
    throw new StorageError(`graceMs must be a finite number of milliseconds >= 0 (got ${String(graceMs)})`);
  }
}

/** Rejects trial ids that are not integers, so a caller's bug is not silently ignored as "not running". */
export function checkTrialIds(trialIds: readonly number[]): void {
  if (!Array.isArray(trialIds)) throw new StorageError(`trialIds must be an array of trial ids (got ${typeof trialIds})`);
  for (const id of trialIds) {
    if (!Number.isSafeInteger(id)) throw new StorageError(`trialIds must hold integer trial ids (got ${JSON.stringify(id)})`);
  }
}
