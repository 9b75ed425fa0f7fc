import { SignedRankAccumulator } from "../math/wilcoxon.js";
import { type FrozenTrial, type IntermediateIndex, type StudySnapshot, defineOptions, intermediateIndex, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../space/index.js";
import type { Pruner, PruningNotes } from "./base.js";
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
 *   `wilcoxonSignedRank`);
 * - a best trial that reported no steps leaves nothing to compare with: nothing is pruned, and the
 *   study's `onWarning` is told once, as Optuna warns.
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

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<WilcoxonPrunerOptions>;

  constructor(options: WilcoxonPrunerOptions = {}) {
    refuseUnknownOptions("wilcoxon pruner", options, WILCOXON_OPTIONS, []);
    this.given = { ...options };
    this.pThreshold = checkNumber(this.name, "pThreshold", options.pThreshold ?? 0.1, 0, 1);
    this.nStartupSteps = checkInteger(this.name, "nStartupSteps", options.nStartupSteps ?? 2, 0);
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, WILCOXON_OPTIONS);
  }

  /**
   * What was learned from each running trial's reports so far, by the index its `Trial` keeps up
   * to date: a report then costs O(log n) in the trial's steps, not a pass over all of them and
   * over the best trial's (a 10,000-instance trial took 5 ms per report, 50 s in all).
   */
  private readonly progress = new WeakMap<IntermediateIndex, TrialProgress>();

  /** Whether the user was told that the best trial has no steps to compare with (once per pruner, as Optuna warns). */
  private warnedBestWithoutSteps = false;

  prune(snapshot: StudySnapshot, trial: FrozenTrial, notes?: PruningNotes): boolean {
    const direction = singleDirection(snapshot, this.name);
    const index = intermediateIndex(trial);
    if (index.size === 0) return false;
    let progress = this.progress.get(index);
    if (progress === undefined) {
      progress = { read: 0, finite: true, sum: 0, absoluteSum: 0, referenceId: null, reference: null, test: new SignedRankAccumulator() };
      this.progress.set(index, progress);
    }
    const newSteps: number[] = [];
    for (; progress.read < index.size; progress.read++) {
      const step = index.stepAddedAt(progress.read);
      const value = trial.intermediate[step]!;
      if (!Number.isFinite(value)) progress.finite = false;
      progress.sum += value;
      progress.absoluteSum += Math.abs(value);
      newSteps.push(step);
    }
    if (!progress.finite) return false;
    const best = bestComplete(snapshot, direction);
    if (!best) return false;

    if (progress.referenceId !== best.trial.id) {
      // A complete trial's values never change, so its id stands for them; a new best starts over.
      progress.referenceId = best.trial.id;
      progress.reference = finiteSteps(best.trial);
      progress.test = new SignedRankAccumulator();
      if (progress.reference !== null) {
        for (let i = 0; i < index.size; i++) addDifference(progress, index.stepAt(i), index.valueAt(i));
      }
    } else if (progress.reference !== null) {
      for (const step of newSteps) addDifference(progress, step, trial.intermediate[step]!);
    }
    if (progress.reference !== null && progress.reference.size === 0 && !this.warnedBestWithoutSteps && notes?.warn) {
      // It pruned nothing without a word, e.g. when the best trial was told a value without reporting its instances.
      this.warnedBestWithoutSteps = true;
      notes.warn(
        `the wilcoxon pruner compares a trial's steps with the best trial's, and the best trial (${best.trial.number}) reported none, ` +
          "so no trial is pruned until a trial that reports its steps is the best",
      );
    }
    if (progress.reference === null || progress.reference.size === 0) return false;
    if (progress.test.size < this.nStartupSteps) return false;

    const { pValue } = progress.test.test(direction === "maximize" ? "less" : "greater");
    return pValue < this.pThreshold && !averageIsBest(progress, trial, index, best.value, direction);
  }
}

/** A running trial's reports as the Wilcoxon pruner has read them. */
interface TrialProgress {
  /** How many of the trial's reports were read (in the order they were made). */
  read: number;
  /** False once a report was not finite: the trial is then never judged. */
  finite: boolean;
  /** The sum of the values read, in report order, and of their magnitudes. */
  sum: number;
  absoluteSum: number;
  /** The complete trial the differences are taken against, and its finite values by step (null when one is not). */
  referenceId: number | null;
  reference: Map<number, number> | null;
  /** The signed-rank test of the differences at the steps both trials reported. */
  test: SignedRankAccumulator;
}

function addDifference(progress: TrialProgress, step: number, value: number): void {
  const other = progress.reference!.get(step);
  if (other !== undefined) progress.test.add(value - other);
}

/**
 * Whether the trial's mean so far is at least as good as the best trial's value, with the mean
 * summed in step order as Optuna's (and this pruner's earlier) scan does. The running sum in
 * report order is that sum when reports came in step order; otherwise it differs by at most the
 * rounding of two sums of n terms, 2(n − 1)·2⁻⁵³·Σ|v|, and only a comparison closer than that
 * bound sums the values again in step order. Finite values whose sum overflows (near ±1.8e308)
 * are averaged again without overflow: Optuna's mean is ±inf there, "at least as good" as any best.
 */
function averageIsBest(progress: TrialProgress, trial: FrozenTrial, index: IntermediateIndex, bestValue: number, direction: "minimize" | "maximize"): boolean {
  const count = index.size;
  const isBest = (mean: number) => (direction === "maximize" ? bestValue <= mean : bestValue >= mean);
  if (!Number.isFinite(progress.sum)) return isBest(mean(Object.values(trial.intermediate)));
  const runningMean = progress.sum / count;
  // Object.values lists steps in ascending order only below 2³² − 1, where keys are array indices.
  if (index.addedInStepOrder && index.lastStep < 2 ** 32 - 1) return isBest(runningMean);
  const margin = ((2 * count + 8) * Number.EPSILON * progress.absoluteSum) / count + 4 * Number.MIN_VALUE;
  if (Math.abs(runningMean - bestValue) > margin) return isBest(runningMean);
  return isBest(mean(Object.values(trial.intermediate)));
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

/** The mean of finite values, also of those whose sum overflows. */
function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  if (Number.isFinite(sum)) return sum / values.length;
  // Scaled by a power of two no smaller than the count, no partial sum can overflow; the scaling
  // is exact for values large enough to overflow a sum, so this is the sum a wider float would give.
  const scale = 2 ** Math.ceil(Math.log2(values.length));
  let scaled = 0;
  for (const v of values) scaled += v / scale;
  return (scaled / values.length) * scale;
}

/** The options of the `wilcoxon` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const WILCOXON_OPTIONS = defineOptions({
  pThreshold: { kind: "number", min: 0, max: 1, default: 0.1, description: "prune when the one-sided p-value of being worse than the best is below this" },
  nStartupSteps: { kind: "integer", min: 0, default: 2, description: "no pruning until the trial shares this many steps with the best trial" },
});
