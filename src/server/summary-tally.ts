/**
 * The figures of the dashboard's summary (counts by state, best value and trial, recommended trial,
 * workers, whether any trial has intermediate values), kept up to date change by change so that
 * a change to a 100,000-trial study costs work for the trials that changed, not for all of them.
 * Recomputing them from every trial took ~100 ms per change at 100,000 trials, and the page asks
 * for them after every change it sees.
 *
 * The figures are the same as {@link summaryFigures} computes from all trials (the functions
 * `Study.bestTrial`, `Study.recommendation` and the study listing use). What the tally cannot
 * follow one trial at a time it recomputes from all trials, which a study of finished trials
 * (that never change again) meets only when it first becomes constrained.
 */
import { type Recommendation, type RecommendationRecord, readRecommendationRecord } from "../samplers/index.js";
import { satisfiesStoredConstraints } from "../analysis/index.js";
import { reportsConstraints } from "../analysis/pareto.js";
import { type FrozenTrial, type TrialState, isBetter } from "../space/index.js";
import { zeroTrialCounts } from "../space/trial-counts.js";
import { type StudyRecord, summarizeStudy } from "../storage/index.js";
import { bestFeasibleTrial, recommendationOf, recommendedTrial, unorderedFirstValue } from "../study/best.js";

/** What the summary shows of a study's trials. */
export interface SummaryFigures {
  readonly counts: Readonly<Record<TrialState, number>>;
  /** The study listing's best value (`summarizeStudy`): single objective only, else null. */
  readonly bestValue: number | null;
  /** As `Study.bestTrial`: single objective only. */
  readonly best: FrozenTrial | undefined;
  /** As `Study.recommendation`: single objective only. */
  readonly recommendation: Recommendation | undefined;
  readonly hasIntermediate: boolean;
  /** How many distinct worker ids the trials record. */
  readonly workers: number;
}

/** The worker id a trial records (`systemAttrs.worker.id`), if any. */
function workerIdOf(trial: FrozenTrial): string | undefined {
  const worker = trial.systemAttrs.worker;
  return worker && typeof worker === "object" && !Array.isArray(worker) && typeof worker.id === "string" ? worker.id : undefined;
}

/**
 * The summary's figures computed from all of a study's trials (in number order). The reference the
 * tally keeps equal to, and what it answers with for trials it does not follow.
 */
export function summaryFigures(record: StudyRecord, trials: readonly FrozenTrial[]): SummaryFigures {
  const directions = record.directions;
  const single = directions.length === 1 ? directions[0]! : null;
  const { trialCounts: counts, bestValue } = summarizeStudy(record, trials);
  let hasIntermediate = false;
  const workers = new Set<string>();
  for (const trial of trials) {
    if (!hasIntermediate && Object.keys(trial.intermediate).length > 0) hasIntermediate = true;
    const worker = workerIdOf(trial);
    if (worker !== undefined) workers.add(worker);
  }
  return {
    counts,
    bestValue,
    best: single ? bestFeasibleTrial(trials, single) : undefined,
    recommendation: single ? recommendedTrial(trials, single) : undefined,
    hasIntermediate,
    workers: workers.size,
  };
}

/**
 * A complete trial the tally does not follow: an empty value list (which the listing's best value
 * skips and `Study.bestTrial` does not).
 */
function unusual(trial: FrozenTrial): boolean {
  return trial.state === "complete" && trial.values !== null && trial.values.length === 0;
}

/**
 * The summary's figures of one study, updated with each changed trial ({@link update}) from its
 * previous version. Reading them ({@link figures}) costs no more than a few lookups.
 */
export class SummaryTally {
  private counts = zeroTrialCounts();
  private withIntermediate = 0;
  private workers = new Map<string, number>();
  private constrainedTrials = 0;
  /** Whether eligibility is judged as in a constrained study (see `feasibilityRule`). */
  private constrained = false;
  private unusualTrials = 0;
  /** Eligible: complete, with values, feasible; the earliest one and the best-valued one (earliest of ties) that is ordered. */
  private firstEligible: FrozenTrial | undefined;
  private bestOrdered: FrozenTrial | undefined;
  /** Model recommendation records by the number of the trial holding them, and each recommended trial's latest holder. */
  private records = new Map<number, RecommendationRecord>();
  private latestHolderOf = new Map<number, number>();
  /** The latest holder whose recommended trial is eligible (what `latestRecommendation` finds). */
  private latestRecord: { holder: number; record: RecommendationRecord; trial: FrozenTrial } | undefined;
  /** Set when a change took away what the tally cannot take away one trial at a time. */
  private stale = false;

  constructor(
    private readonly record: StudyRecord,
    /** The study's trials by number, as its index holds them now. */
    private readonly trials: readonly (FrozenTrial | undefined)[],
  ) {}

  /** Takes in one trial's new version; `previous` is the version the tally had, if any. */
  update(previous: FrozenTrial | undefined, trial: FrozenTrial): void {
    if (previous) this.remove(previous, trial);
    this.add(trial);
  }

  /** Whether the study is constrained (see `isConstrainedStudy`) as of the last update: a lookup, where asking all trials cost a scan of them. */
  get isConstrained(): boolean {
    return this.constrainedTrials > 0;
  }

  /** The figures as of the last update. */
  figures(): SummaryFigures {
    if (this.stale) this.rebuild();
    if (this.unusualTrials > 0) return summaryFigures(this.record, this.allTrials());
    const single = this.record.directions.length === 1;
    const best = single ? this.winner() : undefined;
    return {
      counts: { ...this.counts },
      bestValue: best ? best.values![0]! : null,
      best,
      recommendation: single ? recommendationOf(this.latestRecord, () => best) : undefined,
      hasIntermediate: this.withIntermediate > 0,
      workers: this.workers.size,
    };
  }

  /** The best eligible trial as a scan in number order finds it: the first, if its value is unordered; else the best ordered, earliest of ties. */
  private winner(): FrozenTrial | undefined {
    if (this.firstEligible && unorderedFirstValue(this.firstEligible.values!)) return this.firstEligible;
    return this.bestOrdered;
  }

  private allTrials(): FrozenTrial[] {
    return this.trials.filter((t): t is FrozenTrial => t !== undefined);
  }

  /** Complete, with values, and feasible: every constraint value at most 0 (a NaN is not); without any, only in a study without constraints. */
  private eligible(trial: FrozenTrial): boolean {
    return trial.state === "complete" && trial.values !== null && satisfiesStoredConstraints(trial.systemAttrs, this.constrained);
  }

  private add(trial: FrozenTrial): void {
    this.counts[trial.state]++;
    if (Object.keys(trial.intermediate).length > 0) this.withIntermediate++;
    const worker = workerIdOf(trial);
    if (worker !== undefined) this.workers.set(worker, (this.workers.get(worker) ?? 0) + 1);
    if (unusual(trial)) this.unusualTrials++;
    if (reportsConstraints(trial)) this.constrainedTrials++;
    if (!this.constrained && this.constrainedTrials > 0) {
      // The study has just become constrained: the complete trials without constraint values no longer count.
      this.constrained = true;
      this.stale = true;
    }
    const record = readRecommendationRecord(trial.systemAttrs);
    if (record) {
      this.records.set(trial.number, record);
      const holder = this.latestHolderOf.get(record.trial);
      if (holder === undefined || holder < trial.number) this.latestHolderOf.set(record.trial, trial.number);
      const target = this.trials[record.trial];
      if (target && this.eligible(target)) this.considerRecord(trial.number, target);
    }
    if (this.stale || !this.eligible(trial)) return;
    if (!this.firstEligible || trial.number < this.firstEligible.number) this.firstEligible = trial;
    if (!unorderedFirstValue(trial.values!)) {
      const value = trial.values![0]!;
      const best = this.bestOrdered;
      if (!best || isBetter(this.record.directions[0]!, value, best.values![0]!) || (value === best.values![0] && trial.number < best.number)) this.bestOrdered = trial;
    }
    const holder = this.latestHolderOf.get(trial.number);
    if (holder !== undefined) this.considerRecord(holder, trial);
  }

  /** Makes `holder`'s record (which recommends `target`, eligible) the latest one if it is later than the one so far. */
  private considerRecord(holder: number, target: FrozenTrial): void {
    if (this.latestRecord && this.latestRecord.holder >= holder) return;
    const record = this.records.get(holder)!;
    this.latestRecord = { holder, record, trial: target };
  }

  private remove(previous: FrozenTrial, next: FrozenTrial): void {
    this.counts[previous.state]--;
    if (Object.keys(previous.intermediate).length > 0) this.withIntermediate--;
    const worker = workerIdOf(previous);
    if (worker !== undefined) {
      const left = this.workers.get(worker)! - 1;
      if (left === 0) this.workers.delete(worker);
      else this.workers.set(worker, left);
    }
    if (unusual(previous)) this.unusualTrials--;
    if (reportsConstraints(previous)) this.constrainedTrials--;
    if (this.constrained && this.constrainedTrials === 0) {
      this.constrained = false;
      this.stale = true;
    }
    // A finished trial never changes again (storage refuses it), so these are rare: recompute.
    if (this.firstEligible === previous || this.bestOrdered === previous || this.latestRecord?.trial === previous) this.stale = true;
    const record = this.records.get(previous.number);
    if (record) {
      const kept = readRecommendationRecord(next.systemAttrs);
      if (kept?.trial !== record.trial) this.stale = true;
      // The same recommended trial: the new record stands in for the old one (`add` sets it).
      else if (this.latestRecord?.holder === previous.number) this.latestRecord = { ...this.latestRecord, record: kept };
    }
  }

  /** Starts over from the index's trials. */
  private rebuild(): void {
    this.counts = zeroTrialCounts();
    this.withIntermediate = 0;
    this.workers = new Map();
    this.unusualTrials = 0;
    this.constrainedTrials = 0;
    this.records = new Map();
    this.latestHolderOf = new Map();
    this.latestRecord = undefined;
    this.firstEligible = undefined;
    this.bestOrdered = undefined;
    const trials = this.allTrials();
    // Whether the study is constrained decides every trial's eligibility: known before the first is added.
    this.constrained = trials.some(reportsConstraints);
    this.stale = false;
    for (const trial of trials) this.add(trial);
  }
}
