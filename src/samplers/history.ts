/**
 * Reading a sampler's own records back from the study's history, so that what it decided on an
 * earlier trial (a fitted θ, a chosen warping) is recovered by any worker, after any restart.
 */
import type { FrozenTrial, StudySnapshot } from "../space/index.js";

/**
 * What `read` finds on the most recent trial before trial `number` (by number) that it accepts,
 * or undefined when none does. Trials are looked at from `number − 1` down to 0.
 *
 * @example
 * const theta = latestEarlier(snapshot, trial.number, (t) => readTheta(t.systemAttrs["gp:theta"]));
 */
export function latestEarlier<T>(snapshot: StudySnapshot, number: number, read: (trial: FrozenTrial) => T | undefined): T | undefined {
  for (let k = Math.min(number, snapshot.trials.length) - 1; k >= 0; k--) {
    const trial = snapshot.trials[k];
    if (!trial) continue;
    const found = read(trial);
    if (found !== undefined) return found;
  }
  return undefined;
}
