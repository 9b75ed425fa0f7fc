import { linearPercentile } from "../math/statistics.js";
import { type Direction, type FrozenTrial, type RawOptions, type StudySnapshot, defineOptions, intermediateIndex, parseOptions, studyKeyOf, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../space/index.js";
import type { Pruner } from "./base.js";
import { RankedFirstRung, checkInteger, checkNumber, isFirstInInterval, lastTwoSteps, singleDirection } from "./steps.js";

export interface PercentilePrunerOptions {
  /** Keep trials whose best value so far is within the best `percentile` % of the complete trials at the same step (0–100, default 25). */
  percentile?: number;
  /** No pruning until this many trials of the study have completed (default 5). */
  nStartupTrials?: number;
  /**
   * No pruning while the trial's step is below this (steps are assumed to start at 0). Default
   * "rank-agreement" (since session 24; Optuna's is 0): no pruning until a step is found from which
   * every reported step orders the complete trials as their final values do (as asha's first rung,
   * see `firstRankingStep` in steps.ts), then that step; so trials are not compared on early steps
   * that say nothing about the end.
   */
  nWarmupSteps?: number | "rank-agreement";
  /** Judge only once per this many steps after the warm-up (default 1). */
  intervalSteps?: number;
  /** Judge a step only when at least this many complete trials reported a value there (default 1). */
  nMinTrials?: number;
}

/** Per-step intermediate values of the complete trials, kept sorted for percentile queries. */
interface StepValues {
  /** Finite values, sorted ascending once `sorted` is true. */
  values: number[];
  sorted: boolean;
  /** Trials that reported at this step, NaN included (what `nMinTrials` counts). */
  reported: number;
}

/**
 * Prunes a trial whose best intermediate value so far is worse than the given percentile of the
 * complete trials' intermediate values at the trial's latest step: Optuna's `PercentilePruner`,
 * with the same semantics. `percentile` counts from the good end: 25 keeps a trial only if it is
 * within the best quarter, 50 is the median rule.
 *
 * - Nothing is pruned until `nStartupTrials` trials have completed, nor while the trial's latest
 *   step is below `nWarmupSteps`.
 * - After the warm-up, a trial is judged only at the first report in each window of
 *   `intervalSteps` steps (steps `nWarmupSteps + k·intervalSteps` or the first report after one).
 * - "Best so far" is the minimum of the trial's intermediate values for a minimized objective and
 *   the maximum for a maximized one (NaN ignored); a trial whose values are all NaN is pruned.
 * - The percentile is NumPy's default (linear between order statistics), computed as NumPy does
 *   to the last bit (see `linearPercentile`), since Optuna's `np.nanpercentile` decides ties: over
 *   the complete trials that reported a non-NaN value at that step; fewer than `nMinTrials`
 *   reports at the step, or a NaN percentile (infinities), means no pruning.
 *
 * Single-objective studies only: a multi-objective study gets a clear error.
 *
 * The per-step values of complete trials are kept incrementally from the snapshot's append-only
 * `finished` list, so one call costs O(new trials + log n) rather than a scan of the history.
 *
 * @example
 * const study = await createStudy({ pruner: new PercentilePruner({ percentile: 25, nWarmupSteps: 5 }) });
 * await study.optimize((trial) => {
 *   for (let epoch = 0; epoch < 100; epoch++) {
 *     trial.reportIntermediate(validationLoss(epoch), epoch);
 *     if (trial.shouldPrune()) throw new TrialPruned();
 *   }
 *   return validationLoss(100);
 * });
 */
export class PercentilePruner implements Pruner {
  readonly name: string = "percentile";
  readonly singleObjective = true;
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number | "rank-agreement";
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  private cacheStudyKey: string | null = null;
  private readCount = 0;
  private lastRead: FrozenTrial | undefined;
  private completeCount = 0;
  private steps = new Map<number, StepValues>();
  /** Under `nWarmupSteps: "rank-agreement"`: the step found, kept once found (per study). */
  private rankedWarmup: { studyKey: string; step: number | null; search: RankedFirstRung } | null = null;

  /** The options given to the constructor, which {@link spec} writes down. */
  protected readonly given: Readonly<PercentilePrunerOptions>;

  constructor(options: PercentilePrunerOptions = {}, name = "percentile") {
    refuseUnknownOptions(`${name} pruner`, options, PERCENTILE_OPTIONS, []);
    this.given = { ...options };
    this.name = name;
    this.percentile = checkNumber(name, "percentile", options.percentile ?? 25, 0, 100);
    this.nStartupTrials = checkInteger(name, "nStartupTrials", options.nStartupTrials ?? 5, 0);
    const warmup = options.nWarmupSteps ?? "rank-agreement";
    this.nWarmupSteps = warmup === "rank-agreement" ? warmup : checkInteger(name, "nWarmupSteps", warmup, 0);
    this.intervalSteps = checkInteger(name, "intervalSteps", options.intervalSteps ?? 1, 1);
    this.nMinTrials = checkInteger(name, "nMinTrials", options.nMinTrials ?? 1, 1);
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, PERCENTILE_OPTIONS);
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial): boolean {
    const direction = singleDirection(snapshot, this.name);
    this.absorb(snapshot);
    if (this.completeCount === 0 || this.completeCount < this.nStartupTrials) return false;

    const { last: step, secondLast } = lastTwoSteps(trial);
    const warmup = this.nWarmupSteps === "rank-agreement" ? this.rankingStep(snapshot) : this.nWarmupSteps;
    if (warmup === null || step < 0 || step < warmup) return false;
    if (!isFirstInInterval(step, secondLast, warmup, this.intervalSteps)) return false;
    const best = bestSoFar(direction, trial);
    if (Number.isNaN(best)) return true;

    // The good end of the sorted values is the low end when minimizing and the high end when maximizing.
    const threshold = this.percentileAt(step, direction === "maximize" ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(threshold)) return false;
    return direction === "maximize" ? best < threshold : best > threshold;
  }

  /** The first step that ranks the study's complete trials as they end, once found; null before. */
  private rankingStep(snapshot: StudySnapshot): number | null {
    if (this.rankedWarmup === null || this.rankedWarmup.studyKey !== studyKeyOf(snapshot)) {
      this.rankedWarmup = { studyKey: studyKeyOf(snapshot), step: null, search: new RankedFirstRung() };
    }
    return (this.rankedWarmup.step ??= this.rankedWarmup.search.find(snapshot.trials));
  }

  /** The `q`-th percentile of the complete trials' values at `step`, or NaN when too few reported there. */
  private percentileAt(step: number, q: number): number {
    const entry = this.steps.get(step);
    if (!entry || entry.reported < this.nMinTrials || entry.values.length === 0) return Number.NaN;
    if (!entry.sorted) {
      entry.values.sort((a, b) => a - b);
      entry.sorted = true;
    }
    return linearPercentile(entry.values, q);
  }

  /** Reads the trials that finished since the last call; starts over if the snapshot is not a continuation. */
  private absorb(snapshot: StudySnapshot): void {
    const finished = snapshot.finished;
    const continues =
      this.cacheStudyKey === studyKeyOf(snapshot) &&
      finished.length >= this.readCount &&
      (this.readCount === 0 || finished[this.readCount - 1] === this.lastRead);
    if (!continues) {
      this.cacheStudyKey = studyKeyOf(snapshot);
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

/** The trial's best intermediate value so far under `direction`, NaN ignored (NaN if it has none). */
export function bestSoFar(direction: Direction, trial: FrozenTrial): number {
  return intermediateIndex(trial).best(direction);
}

const STARTUP_OPTIONS = {
  nStartupTrials: { kind: "integer", min: 0, default: 5, description: "no pruning until this many trials have completed" },
  nWarmupSteps: { kind: "steps", min: 0, words: ["rank-agreement"], default: "rank-agreement", description: "no pruning below this step, or until steps rank trials (rank-agreement)" },
  intervalSteps: { kind: "integer", min: 1, default: 1, description: "judge only once per this many steps after the warm-up" },
  nMinTrials: { kind: "integer", min: 1, default: 1, description: "judge a step only when this many complete trials reported there" },
} as const;

/** The options of the `percentile` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const PERCENTILE_OPTIONS = defineOptions({
  percentile: { kind: "number", min: 0, max: 100, default: 25, description: "keep trials within the best this-many percent at the same step" },
  ...STARTUP_OPTIONS,
});

/** The options of the `median` pruner: the percentile pruner's, without the percentile. */
export const MEDIAN_OPTIONS = defineOptions(STARTUP_OPTIONS);

/**
 * Builds a {@link PercentilePruner} from CLI-style options read against {@link PERCENTILE_OPTIONS}
 * (keys in any case style, numeric strings accepted; an unknown key or bad value throws an
 * `OptionError` naming it).
 *
 * @example
 * createPercentilePrunerFromOptions({ percentile: "10", "n-warmup-steps": "5" })
 */
export function createPercentilePrunerFromOptions(options: RawOptions = {}): PercentilePruner {
  return new PercentilePruner(parseOptions("percentile pruner", options, PERCENTILE_OPTIONS));
}
