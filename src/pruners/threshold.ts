import { type FrozenTrial, defineOptions, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../space/index.js";
import type { Pruner } from "./base.js";
import { checkInteger, isFirstInInterval, lastTwoSteps } from "./steps.js";

export interface ThresholdPrunerOptions {
  /** Prune when the latest intermediate value is below this. */
  lower?: number;
  /** Prune when the latest intermediate value is above this. */
  upper?: number;
  /** No pruning while the trial's step is below this (default 0). */
  nWarmupSteps?: number;
  /** Judge only once per this many steps after the warm-up (default 1). */
  intervalSteps?: number;
}

/**
 * Prunes a trial whose latest intermediate value leaves the band [`lower`, `upper`], or is NaN:
 * Optuna's `ThresholdPruner`. Useful to stop diverging runs (a loss above 1e3) or hopeless ones
 * (an accuracy below chance) without comparing trials, so it works from the first trial and in
 * multi-objective studies alike. The warm-up and interval rules are the percentile pruner's.
 *
 * @example
 * const study = await createStudy({ pruner: new ThresholdPruner({ upper: 1e3, nWarmupSteps: 2 }) });
 */
export class ThresholdPruner implements Pruner {
  readonly name = "threshold";
  readonly usesHistory = false;
  readonly lower: number;
  readonly upper: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<ThresholdPrunerOptions>;

  constructor(options: ThresholdPrunerOptions) {
    refuseUnknownOptions("threshold pruner", options, THRESHOLD_OPTIONS, []);
    this.given = { ...options };
    // A missing options object is the same mistake as one without bounds, not a destructuring TypeError.
    const { lower, upper } = options ?? {};
    if (lower === undefined && upper === undefined) {
      throw new RangeError("threshold pruner: give lower, upper or both (it prunes values outside [lower, upper])");
    }
    for (const [name, bound] of [["lower", lower], ["upper", upper]] as const) {
      if (bound !== undefined && (typeof bound !== "number" || Number.isNaN(bound))) {
        throw new RangeError(`threshold pruner: ${name} must be a number, got ${JSON.stringify(bound)}`);
      }
    }
    this.lower = lower ?? Number.NEGATIVE_INFINITY;
    this.upper = upper ?? Number.POSITIVE_INFINITY;
    if (this.lower > this.upper) throw new RangeError(`threshold pruner: lower (${this.lower}) must not exceed upper (${this.upper})`);
    this.nWarmupSteps = checkInteger(this.name, "nWarmupSteps", options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInteger(this.name, "intervalSteps", options.intervalSteps ?? 1, 1);
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, THRESHOLD_OPTIONS);
  }

  prune(_snapshot: unknown, trial: FrozenTrial): boolean {
    const { last: step, secondLast } = lastTwoSteps(trial);
    if (step < 0 || step < this.nWarmupSteps) return false;
    if (!isFirstInInterval(step, secondLast, this.nWarmupSteps, this.intervalSteps)) return false;
    const latest = trial.intermediate[step]!;
    return Number.isNaN(latest) || latest < this.lower || latest > this.upper;
  }
}

/** The options of the `threshold` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const THRESHOLD_OPTIONS = defineOptions({
  lower: { kind: "number", description: "prune when the latest value is below this (none by default)" },
  upper: { kind: "number", description: "prune when the latest value is above this (none by default)" },
  nWarmupSteps: { kind: "integer", min: 0, default: 0, description: "no pruning while the trial's step is below this" },
  intervalSteps: { kind: "integer", min: 1, default: 1, description: "judge only once per this many steps after the warm-up" },
});
