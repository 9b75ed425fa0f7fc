import type { FrozenTrial, StudySnapshot } from "../space/index.js";

/**
 * A pruner decides whether a running trial should stop early, from its intermediate values and
 * those of the other trials in the snapshot. It is called from `trial.shouldPrune()` (and by the
 * command runner after each reported step) and must be cheap and side-effect free.
 */
export interface Pruner {
  readonly name: string;
  prune(snapshot: StudySnapshot, trial: FrozenTrial): boolean;
}

/** A pruner that never prunes. */
export class NopPruner implements Pruner {
  readonly name = "none";
  prune(): boolean {
    return false;
  }
}
