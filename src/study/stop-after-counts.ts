/**
 * What `optimize`'s `stopAfter` counts of a study's trials, kept as the study's copy of its trials
 * changes rather than counted again before each trial.
 */
import type { FrozenTrial } from "../space/index.js";

/**
 * The counts `stopAfter`'s budgets are checked against, for one study object. The study tells it
 * of every trial that takes a place in its copy of the trials ({@link replace}, placeholders
 * included) and of every trial the first time it is read finished ({@link finish}), in whatever
 * order they come: a retry may be read before the failure it retries, another worker's trials
 * finish out of order. Each call costs the same however long the history is: counted again from
 * every trial before each trial, 8,000 trials of one objective with a budget took 3 s against
 * 0.35 s without.
 *
 * @example
 * const counts = new StopAfterCounts();
 * counts.replace(undefined, failedTrial0);
 * counts.finish(failedTrial0);
 * counts.replace(undefined, retryOf0); // waiting, systemAttrs.retryOf 0
 * counts.finished; // 0: trial 0 counts through its retry
 */
export class StopAfterCounts {
  /** Trials read complete. */
  complete = 0;
  /** The numbers of the trials running now, here or in other processes. */
  readonly running = new Set<number>();
  /** Trials read finished, whatever their state. */
  private read = 0;
  /** The failed ones among them that some trial retries. */
  private failedAndRetried = 0;
  /** The numbers of the trials read failed. */
  private readonly failed = new Set<number>();
  /** How many trials name each number as the one they retry (`systemAttrs.retryOf`). */
  private readonly retries = new Map<number, number>();

  /**
   * Trials finished, each counted once: a failed trial queued again counts through its retry, not
   * twice (a reaped trial and its retry took two places of the budget, and the retry never ran).
   */
  get finished(): number {
    return this.read - this.failedAndRetried;
  }

  /** `trial` takes the place of `previous` (the same trial as read before, if any). */
  replace(previous: FrozenTrial | undefined, trial: FrozenTrial): void {
    if (previous) this.countRetry(previous, -1);
    this.countRetry(trial, 1);
    if (trial.state === "running") this.running.add(trial.number);
    else this.running.delete(trial.number);
  }

  /** `trial` is read finished for the first time. */
  finish(trial: FrozenTrial): void {
    this.read++;
    if (trial.state === "complete") this.complete++;
    if (trial.state !== "failed") return;
    this.failed.add(trial.number);
    if (this.retries.has(trial.number)) this.failedAndRetried++;
  }

  private countRetry(trial: FrozenTrial, change: 1 | -1): void {
    const retryOf = trial.systemAttrs.retryOf;
    if (typeof retryOf !== "number") return;
    const before = this.retries.get(retryOf) ?? 0;
    const after = before + change;
    if (after === 0) this.retries.delete(retryOf);
    else this.retries.set(retryOf, after);
    // A failed trial stops counting with its first retry, and counts again if none is left.
    if ((before === 0) !== (after === 0) && this.failed.has(retryOf)) this.failedAndRetried += change;
  }
}
