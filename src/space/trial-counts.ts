/**
 * Internal to Sextant (not re-exported by the folder's index.ts): the storage backends, the HTTP
 * service's summaries and the CLI's tallies count trials by state from the same empty count.
 */
import type { TrialState } from "./records.js";

/**
 * A count of trials by state with none in any: a new object each call, to add to.
 *
 * @example
 * const counts = zeroTrialCounts();
 * for (const trial of study.trials) counts[trial.state]++;
 */
export function zeroTrialCounts(): Record<TrialState, number> {
  return { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 };
}
