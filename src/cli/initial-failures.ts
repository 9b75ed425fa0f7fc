/**
 * `sextant tune --max-initial-failures`: a run whose first trials all fail the same way stops
 * starting new ones. A mistyped script (`python3 trian.py {x}`) or a missing module failed every
 * trial of the budget alike, 100 times over, before the run said "all 100 trial(s) failed".
 * Weights & Biases' sweep agent stops on the same sign (its first runs all failing). Only
 * failures that look alike count (the same reason and the same end of stderr): trials that fail
 * differently, as bad hyperparameters make them (a NaN here, an out-of-memory there), are the
 * study's business and it goes on.
 *
 * Imports no code (types only), so the CLI's help can name the default without loading `tune`.
 *
 * @module
 */
import type { FrozenTrial } from "../space/index.js";

/** The first trials of a run that may all fail alike before it stops starting new ones. */
export const DEFAULT_MAX_INITIAL_FAILURES = 5;

/**
 * Watches the trials a run finishes, in order, for its first `limit` all failing alike.
 *
 * @example
 * const watch = new InitialFailureWatch(5);
 * watch.see({ state: "failed", reason: "exit code 2", stderrTail: "can't open file 'trian.py'" }); // null until the fifth
 */
export class InitialFailureWatch {
  private count = 0;
  private first: { reason: string; stderrTail: string } | null = null;
  /** Whether a trial that did not fail alike has been seen: from then on the run goes on. */
  private settled = false;

  /** @param limit the failures that stop the run; 0 never stops it */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`the limit of initial failures must be an integer ≥ 0, got ${String(limit)}`);
  }

  /**
   * Takes in a finished trial; returns the shared failure reason the moment the run's first
   * `limit` trials have all failed with it, else null. Trials a signal stopped are not counted.
   */
  see(trial: { state: "complete" | "pruned" | "failed"; reason: string; stderrTail: string }): string | null {
    if (this.settled || this.limit === 0) return null;
    if (trial.state !== "failed") {
      this.settled = true;
      return null;
    }
    if (this.first === null) this.first = { reason: trial.reason, stderrTail: trial.stderrTail };
    else if (this.first.reason !== trial.reason || this.first.stderrTail !== trial.stderrTail) {
      this.settled = true;
      return null;
    }
    this.count++;
    if (this.count < this.limit) return null;
    this.settled = true;
    return trial.reason;
  }

  /** {@link see} of a finished trial as storage keeps it: its `failReason` and `stderrTail` attributes. */
  seeTrial(trial: Pick<FrozenTrial, "state" | "systemAttrs">): string | null {
    const stderrTail = trial.systemAttrs.stderrTail;
    return this.see({
      state: trial.state as "complete" | "pruned" | "failed",
      reason: String(trial.systemAttrs.failReason ?? "failed"),
      stderrTail: typeof stderrTail === "string" ? stderrTail : "",
    });
  }
}
