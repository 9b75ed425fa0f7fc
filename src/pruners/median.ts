import { type Direction, type FrozenTrial, type RawOptions, type StudySnapshot, defineOptions, parseOptions } from "../space/index.js";
import type { Pruner } from "./base.js";

export interface MedianPrunerOptions {
  /** No pruning until this many trials of the study have completed (default 5). */
  nStartupTrials?: number;
  /** No pruning while the trial's step is below this (default 0; steps are assumed to start at 0). */
  nWarmupSteps?: number;
  /** Judge only once per this many steps after the warm-up (default 1). */
  intervalSteps?: number;
  /** Judge a step only when at least this many complete trials reported a value there (default 1). */
  nMinTrials?: number;
}

/** Per-step intermediate values of the complete trials, kept sorted for median queries. */
interface StepValues {
  /** Finite values, sorted ascending once `sorted` is true. */
  values: number[];
  sorted: boolean;
  /** Trials that reported at this step, NaN included (what `nMinTrials` counts). */
  reported: number;
}

/**
 * Prunes a trial whose best intermediate value so far is worse than the median of the complete
 * trials' intermediate values at the trial's latest step: Optuna's `MedianPruner`
 * (`PercentilePruner` at 50), with the same semantics.
 *
 * - Nothing is pruned until `nStartupTrials` trials have completed, nor while the trial's latest
 *   step is below `nWarmupSteps`.
 * - After the warm-up, a trial is judged only at the first report in each window of
 *   `intervalSteps` steps (steps `nWarmupSteps + k·intervalSteps` or the first report after one).
 * - "Best so far" is the minimum of the trial's intermediate values for a minimized objective and
 *   the maximum for a maximized one (NaN ignored); a trial whose values are all NaN is pruned.
 * - The median interpolates between the two middle values, over the complete trials that reported
 *   a finite value at that step; fewer than `nMinTrials` reports at the step means no pruning.
 *
 * Single-objective studies only: a multi-objective study gets a clear error.
 *
 * The per-step values of complete trials are kept incrementally from the snapshot's append-only
 * `finished` list, so one call costs O(new trials + log n) rather than a scan of the history.
 *
 * Reference: the median stopping rule of Golovin et al., "Google Vizier: A Service for Black-Box
 * Optimization", KDD 2017.
 *
 * @example
 * const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 10 }) });
 * await study.optimize((trial) => {
 *   for (let epoch = 0; epoch < 100; epoch++) {
 *     trial.reportIntermediate(validationLoss(epoch), epoch);
 *     if (trial.shouldPrune()) throw new TrialPruned();
 *   }
 *   return validationLoss(100);
 * });
 */
export class MedianPruner implements Pruner {
  readonly name = "median";
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  private cacheStudyId: number | null = null;
  private readCount = 0;
  private lastRead: FrozenTrial | undefined;
  private completeCount = 0;
  private steps = new Map<number, StepValues>();

  constructor(options: MedianPrunerOptions = {}) {
    this.nStartupTrials = checkInteger("nStartupTrials", options.nStartupTrials ?? 5, 0);
    this.nWarmupSteps = checkInteger("nWarmupSteps", options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInteger("intervalSteps", options.intervalSteps ?? 1, 1);
    this.nMinTrials = checkInteger("nMinTrials", options.nMinTrials ?? 1, 1);
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial): boolean {
    if (snapshot.directions.length !== 1) {
      throw new Error(
        `the median pruner supports single-objective studies only; this study has ${snapshot.directions.length} objectives (use no pruner, or report one objective)`,
      );
    }
    const direction = snapshot.directions[0]!;
    this.absorb(snapshot);
    if (this.completeCount === 0 || this.completeCount < this.nStartupTrials) return false;

    let step = -1;
    let secondLast = -1;
    let best = Number.NaN;
    for (const key of Object.keys(trial.intermediate)) {
      const s = Number(key);
      if (s > step) {
        secondLast = step;
        step = s;
      } else if (s > secondLast) secondLast = s;
      best = better(direction, best, trial.intermediate[s]!);
    }
    if (step < 0 || step < this.nWarmupSteps) return false;
    // Judge once per interval: only if no earlier report already fell in this interval.
    const intervalStart = Math.floor((step - this.nWarmupSteps) / this.intervalSteps) * this.intervalSteps + this.nWarmupSteps;
    if (secondLast >= intervalStart) return false;
    if (Number.isNaN(best)) return true;

    const median = this.medianAt(step);
    if (Number.isNaN(median)) return false;
    return direction === "maximize" ? best < median : best > median;
  }

  /** The median of the complete trials' values at `step`, or NaN when too few reported there. */
  private medianAt(step: number): number {
    const entry = this.steps.get(step);
    if (!entry || entry.reported < this.nMinTrials || entry.values.length === 0) return Number.NaN;
    if (!entry.sorted) {
      entry.values.sort((a, b) => a - b);
      entry.sorted = true;
    }
    const v = entry.values;
    const middle = (v.length - 1) / 2;
    const low = v[Math.floor(middle)]!;
    const high = v[Math.ceil(middle)]!;
    return low + (high - low) * (middle - Math.floor(middle));
  }

  /** Reads the trials that finished since the last call; starts over if the snapshot is not a continuation. */
  private absorb(snapshot: StudySnapshot): void {
    const finished = snapshot.finished;
    const continues =
      this.cacheStudyId === snapshot.studyId &&
      finished.length >= this.readCount &&
      (this.readCount === 0 || finished[this.readCount - 1] === this.lastRead);
    if (!continues) {
      this.cacheStudyId = snapshot.studyId;
      this.readCount = 0;
      this.completeCount = 0;
      this.steps = new Map();
    }
    for (; this.readCount < finished.length; this.readCount++) {
      const trial = finished[this.readCount]!;
      if (trial.state !== "complete") continue;
      this.completeCount++;
      for (const key of Object.keys(trial.intermediate)) {
        const step = Number(key);
        const value = trial.intermediate[step]!;
        let entry = this.steps.get(step);
        if (!entry) this.steps.set(step, (entry = { values: [], sorted: true, reported: 0 }));
        entry.reported++;
        if (typeof value === "number" && !Number.isNaN(value)) {
          entry.values.push(value);
          entry.sorted = false;
        }
      }
    }
    this.lastRead = finished.length > 0 ? finished[finished.length - 1] : undefined;
  }
}

function better(direction: Direction, current: number, candidate: number): number {
  if (typeof candidate !== "number" || Number.isNaN(candidate)) return current;
  if (Number.isNaN(current)) return candidate;
  return direction === "maximize" ? Math.max(current, candidate) : Math.min(current, candidate);
}

function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`median pruner: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The options of the `median` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const MEDIAN_OPTIONS = defineOptions({
  nStartupTrials: { kind: "integer", min: 0, default: 5, description: "no pruning until this many trials have completed" },
  nWarmupSteps: { kind: "integer", min: 0, default: 0, description: "no pruning while the trial's step is below this" },
  intervalSteps: { kind: "integer", min: 1, default: 1, description: "judge only once per this many steps after the warm-up" },
  nMinTrials: { kind: "integer", min: 1, default: 1, description: "judge a step only when this many complete trials reported there" },
});

/**
 * Builds a {@link MedianPruner} from CLI-style options (`--pruner-opt n_startup_trials=10`) read
 * against {@link MEDIAN_OPTIONS}: keys in camelCase, snake_case or kebab-case, values as numbers or
 * numeric strings. An unknown key or a value that is not a whole number in range throws an
 * `OptionError` naming it.
 *
 * @example
 * createMedianPrunerFromOptions({ "n-warmup-steps": "10", nStartupTrials: 3 })
 */
export function createMedianPrunerFromOptions(options: RawOptions = {}): MedianPruner {
  return new MedianPruner(parseOptions("median pruner", options, MEDIAN_OPTIONS));
}
