import { wilcoxonSignedRank } from "../math/wilcoxon.js";
import { type FrozenTrial, type StudySnapshot, defineOptions, refuseUnknownOptions } from "../space/index.js";
import type { Pruner } from "./base.js";
import { checkInteger, checkNumber, singleDirection } from "./steps.js";

export interface WilcoxonPrunerOptions {
  /** Prune when the one-sided p-value that the trial is worse than the best falls below this (default 0.1). */
  pThreshold?: number;
  /** No pruning until the trial shares this many steps with the best trial (default 2). */
  nStartupSteps?: number;
}

/**
 * For objectives that average over many instances or folds, each reported as one "step" (the
 * instance's index): prunes a trial once a one-sided Wilcoxon signed-rank test on its per-instance
 * differences with the best complete trial, over the instances both evaluated, says it is worse
 * with p < `pThreshold`. Optuna's `WilcoxonPruner` semantics:
 *
 * - nothing is judged until the shared instances number `nStartupSteps`, nor when either trial
 *   has a non-finite value (a diverged instance says nothing about the rest);
 * - as a safeguard against a test fooled by a few instances, a trial whose mean so far is at least
 *   as good as the best trial's final value (what its objective returned, not the mean of its
 *   steps) is never pruned: Optuna's `average_is_best` (optuna/pruners/_wilcoxon.py);
 * - ties and zero differences are handled by the signed-rank test as SciPy does for Optuna (see
 *   `wilcoxonSignedRank`).
 *
 * Evaluate instances in a different random order per trial for the test's independence
 * assumption to hold best. Paired tests need the same instances under the same step numbers.
 *
 * @example
 * const study = await createStudy({ pruner: new WilcoxonPruner({ pThreshold: 0.1 }) });
 * await study.optimize((trial) => {
 *   const losses: number[] = [];
 *   for (const i of shuffledInstanceIds) {
 *     losses.push(solve(instances[i], trial));
 *     trial.reportIntermediate(losses.at(-1)!, i);
 *     if (trial.shouldPrune()) return mean(losses); // or throw new TrialPruned()
 *   }
 *   return mean(losses);
 * });
 */
export class WilcoxonPruner implements Pruner {
  readonly name = "wilcoxon";
  readonly singleObjective = true;
  readonly pThreshold: number;
  readonly nStartupSteps: number;

  constructor(options: WilcoxonPrunerOptions = {}) {
    refuseUnknownOptions("wilcoxon pruner", options, WILCOXON_OPTIONS, []);
    this.pThreshold = checkNumber(this.name, "pThreshold", options.pThreshold ?? 0.1, 0, 1);
    this.nStartupSteps = checkInteger(this.name, "nStartupSteps", options.nStartupSteps ?? 2, 0);
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial): boolean {
    const direction = singleDirection(snapshot, this.name);
    const own = finiteSteps(trial);
    if (own === null || own.size === 0) return false;
    const best = bestComplete(snapshot, direction);
    if (!best) return false;
    const reference = finiteSteps(best.trial);
    if (reference === null || reference.size === 0) return false;

    const differences: number[] = [];
    for (const [step, value] of own) {
      const other = reference.get(step);
      if (other !== undefined) differences.push(value - other);
    }
    if (differences.length < this.nStartupSteps) return false;

    const ownMean = mean(own.values());
    const averageIsBest = direction === "maximize" ? best.value <= ownMean : best.value >= ownMean;
    const { pValue } = wilcoxonSignedRank(differences, direction === "maximize" ? "less" : "greater");
    return pValue < this.pThreshold && !averageIsBest;
  }
}

/** The trial's values by step, or null when one is not finite. */
function finiteSteps(trial: FrozenTrial): Map<number, number> | null {
  const steps = new Map<number, number>();
  for (const [key, value] of Object.entries(trial.intermediate)) {
    if (!Number.isFinite(value)) return null;
    steps.set(Number(key), value);
  }
  return steps;
}

/** The first complete trial with the best final value, and that value, as Optuna's `study.best_trial`. */
function bestComplete(snapshot: StudySnapshot, direction: "minimize" | "maximize"): { trial: FrozenTrial; value: number } | undefined {
  let best: { trial: FrozenTrial; value: number } | undefined;
  for (const trial of snapshot.trials) {
    const value = trial.state === "complete" ? trial.values?.[0] : undefined;
    if (value === undefined || Number.isNaN(value)) continue;
    if (best === undefined || (direction === "maximize" ? value > best.value : value < best.value)) best = { trial, value };
  }
  return best;
}

function mean(values: Iterable<number>): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    sum += v;
    count++;
  }
  return sum / count;
}

/** The options of the `wilcoxon` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const WILCOXON_OPTIONS = defineOptions({
  pThreshold: { kind: "number", min: 0, max: 1, default: 0.1, description: "prune when the one-sided p-value of being worse than the best is below this" },
  nStartupSteps: { kind: "integer", min: 0, default: 2, description: "no pruning until the trial shares this many steps with the best trial" },
});
