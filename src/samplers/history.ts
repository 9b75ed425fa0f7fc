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

/**
 * Orders finished trials by the time the storage stamped their finish, ties by number: an order
 * that a copy of the study (`sextant copy`, export and import) keeps, unlike the storage sequence,
 * which a copy renumbers in trial order. Trials without a finish time (a storage of one's own,
 * hand-made histories) come after, by storage sequence. A sampler whose state follows the order
 * trials finished (CMA-ES's generations, CEM's batches) sorts by it rather than taking
 * `snapshot.finished` as it comes: that is the order this process saw, and a resumed process or
 * another worker sees another.
 */
export function byFinish(a: FrozenTrial, b: FrozenTrial): number {
  if (a.finishedAt !== null && b.finishedAt !== null) return a.finishedAt - b.finishedAt || a.number - b.number;
  if (a.finishedAt === null && b.finishedAt === null) return a.seq - b.seq || a.number - b.number;
  return a.finishedAt === null ? 1 : -1;
}
