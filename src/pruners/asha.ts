import { type Direction, type FrozenTrial, type StudySnapshot, defineOptions, intermediateIndex, studyKeyOf, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../space/index.js";
import type { Pruner, PruningNotes } from "./base.js";
import { RankedFirstRung, checkInteger, firstCompleteLastStep, lastStep, singleDirection } from "./steps.js";

export interface SuccessiveHalvingPrunerOptions {
  /**
   * Steps a trial gets before its first rung (default "rank-agreement"). "rank-agreement": the
   * earliest step from which every reported step ranks the complete trials as their final values
   * do (see `firstRankingStep` in steps.ts). "auto": 1 % of the first complete trial's last step, as Optuna's
   * default (the default here until session 24, see the README's pruning benchmark).
   */
  minResource?: number | "auto" | "rank-agreement";
  /** η: rung k is at `minResource·η^(minEarlyStoppingRate + k)` steps and keeps the best 1/η of the trials that reached it (default 4). */
  reductionFactor?: number;
  /** The bracket offset s: the first rung is at `minResource·η^s` steps (default 0). */
  minEarlyStoppingRate?: number;
  /** A trial is pruned at a rung reached by no more than this many trials, itself included (default 0). */
  bootstrapCount?: number;
}

/** The system attribute holding a trial's value when it reached rung `rung` (Optuna's key). */
export function rungKey(rung: number): string {
  return `completed_rung_${rung}`;
}

/**
 * Asynchronous successive halving (ASHA, Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020), with the semantics of Optuna's `SuccessiveHalvingPruner`.
 *
 * Rung k sits at `r·η^(s+k)` steps (r = `minResource`, η = `reductionFactor`, s =
 * `minEarlyStoppingRate`). When a trial's latest report reaches a rung it has not passed yet, its
 * latest value is recorded on the trial as system attribute `completed_rung_k`, and the trial
 * carries on only if that value is among the best ⌊n/η⌋ of the n values recorded at the rung by any
 * trial so far (itself included; the best one while n < η). Unlike synchronous halving nobody
 * waits for a full rung: early trials are judged against few peers, which is ASHA's trade of a few
 * wrong promotions for no idle workers. A NaN at a rung prunes.
 *
 * With `minResource: "rank-agreement"` (the default), r is the first step whose values, and every
 * later step's, order the complete trials as their final values do (Kendall's τ ≥ 1/3 each;
 * `firstRankingStep` in steps.ts): judged on the first 8 trials to complete, then on the first 16,
 * 32, … while no step qualifies, and kept once one does (see `RankedFirstRung`). The trials that
 * ran before the rungs were placed compete at each rung with the value they reported at its step:
 * the finished ones as peers, and a running one that is already past some rungs when it is next
 * judged is judged and recorded at each of them with its value there, not its latest (a trial that
 * skipped the rung's step is judged with its first report past it).
 * Nothing is pruned until a step qualifies, so training runs whose first epochs say nothing about
 * the last (on held-out LCBench tasks epoch 1 has Spearman ≈ 0 with the final accuracy) are not
 * cut on noise. The price is the trials run whole while it waits: where the first step already
 * ranks perfectly, plain ASHA is ahead (see the README's pruning benchmark, which also has the rule
 * and the nine development problems that made this the default in session 24). With `"auto"`
 * (Optuna's default), r is estimated once, when the first complete trial is seen, as 1 % of the
 * last step of the first trial to complete (by stored completion time, so a resume or another
 * worker estimates the same), at least 1; until then nothing is pruned.
 *
 * The rung values are written through the `notes` the study passes to `prune` (so other
 * processes see them in storage) and also remembered by the pruner itself.
 *
 * @example
 * const study = await createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) });
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = "asha";
  readonly singleObjective = true;
  readonly minResource: number | "auto" | "rank-agreement";
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  /** The first rung each study's trials placed ("auto", "rank-agreement"), by {@link studyKeyOf}. */
  private readonly estimatedMinResource = new Map<string, number>();
  private readonly rankedFirstRung = new Map<string, RankedFirstRung>();
  private readonly rungs = new RungMemory();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<SuccessiveHalvingPrunerOptions>;

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    refuseUnknownOptions("asha pruner", options, ASHA_OPTIONS, []);
    this.given = { ...options };
    const minResource = options.minResource ?? "rank-agreement";
    this.minResource = minResource === "auto" || minResource === "rank-agreement" ? minResource : checkInteger(this.name, "minResource", minResource, 1);
    this.reductionFactor = checkInteger(this.name, "reductionFactor", options.reductionFactor ?? 4, 2);
    this.minEarlyStoppingRate = checkInteger(this.name, "minEarlyStoppingRate", options.minEarlyStoppingRate ?? 0, 0);
    this.bootstrapCount = checkInteger(this.name, "bootstrapCount", options.bootstrapCount ?? 0, 0);
    if (this.bootstrapCount > 0 && typeof this.minResource !== "number") {
      throw new RangeError(`asha pruner: bootstrapCount needs an explicit minResource (with "${this.minResource}" the rungs move once it is estimated)`);
    }
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, ASHA_OPTIONS);
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial, notes?: PruningNotes): boolean {
    const direction = singleDirection(snapshot, this.name);
    if (lastStep(trial) < 0) return false;
    const study = studyKeyOf(snapshot);
    const minResource =
      this.minResource === "auto"
        ? this.estimateMinResource(study, snapshot.trials)
        : this.minResource === "rank-agreement"
          ? this.rankedMinResource(study, snapshot.trials)
          : this.minResource;
    if (minResource === null) return false;
    return judgeAtRungs(
      {
        minResource,
        reductionFactor: this.reductionFactor,
        minEarlyStoppingRate: this.minEarlyStoppingRate,
        bootstrapCount: this.bootstrapCount,
        backfill: this.minResource === "rank-agreement",
      },
      study,
      snapshot.trials,
      direction,
      trial,
      this.rungs,
      notes,
    );
  }

  private estimateMinResource(study: string, trials: readonly FrozenTrial[]): number | null {
    const known = this.estimatedMinResource.get(study);
    if (known !== undefined) return known;
    const first = firstCompleteLastStep(trials);
    if (first < 0) return null;
    const estimated = Math.max(Math.floor(first / 100), 1);
    this.estimatedMinResource.set(study, estimated);
    return estimated;
  }

  private rankedMinResource(study: string, trials: readonly FrozenTrial[]): number | null {
    const known = this.estimatedMinResource.get(study);
    if (known !== undefined) return known;
    let search = this.rankedFirstRung.get(study);
    if (!search) this.rankedFirstRung.set(study, (search = new RankedFirstRung()));
    const found = search.find(trials);
    if (found !== null) this.estimatedMinResource.set(study, found);
    return found;
  }
}

/** The rung layout of one successive-halving bracket. */
export interface RungSchedule {
  minResource: number;
  reductionFactor: number;
  minEarlyStoppingRate: number;
  bootstrapCount: number;
  /**
   * A peer with no value recorded at a rung competes there with the value it reported at the
   * rung's step, if any: the trials that ran before the rungs were placed ("rank-agreement"). The
   * judged trial too is taken at each rung with its first report at or past the rung's step,
   * rather than its latest report at every rung (Optuna's rule, kept without backfill).
   */
  backfill?: boolean;
}

/**
 * Rung values this process recorded, by study and trial: the pruner sees its own writes at once,
 * even when the snapshot it is handed predates them (storage refreshes lag) or nobody stores notes.
 */
export class RungMemory {
  /** By {@link studyKeyOf}: keyed by study id, a pruner reused in a second study read the first one's rungs. */
  private readonly byStudy = new Map<string, Map<number, number[]>>();

  /** The trial's value at `rung`: from its system attrs (written by any process), else from this process's memory. */
  get(studyKey: string, trial: FrozenTrial, rung: number, key: string = rungKey(rung)): number | undefined {
    const stored = trial.systemAttrs[key];
    if (typeof stored === "number") return stored;
    return this.byStudy.get(studyKey)?.get(trial.id)?.[rung];
  }

  set(studyKey: string, trial: FrozenTrial, rung: number, value: number): void {
    let trials = this.byStudy.get(studyKey);
    if (!trials) this.byStudy.set(studyKey, (trials = new Map()));
    let rungs = trials.get(trial.id);
    if (!rungs) trials.set(trial.id, (rungs = []));
    rungs[rung] = value;
  }

  /**
   * By study and trial, how many reports the trial had when it was pruned. Its rung is recorded by
   * then, so judged again on the same reports it was past that rung and below the next: asked
   * twice, or through an HTTP report retried after a lost answer, shouldPrune said true, then
   * false, and the trial ran on.
   */
  private readonly prunedAtReports = new Map<string, Map<number, number>>();

  /** Whether the trial was pruned on exactly `reports` reports. */
  prunedAt(studyKey: string, trial: FrozenTrial, reports: number): boolean {
    return this.prunedAtReports.get(studyKey)?.get(trial.id) === reports;
  }

  /** Notes that the trial is pruned on `reports` reports; returns true, the decision. */
  prune(studyKey: string, trial: FrozenTrial, reports: number): true {
    let trials = this.prunedAtReports.get(studyKey);
    if (!trials) this.prunedAtReports.set(studyKey, (trials = new Map()));
    trials.set(trial.id, reports);
    return true;
  }
}

/**
 * One successive-halving decision for `trial` among `peers` (the trials of its bracket, any
 * state): walks the rungs its latest step has reached and not yet recorded, recording each and
 * pruning at the first where it is not promotable. The value judged at a rung is the latest one,
 * or with `backfill` the one the trial reported on reaching the rung (see {@link valueOnReaching}).
 */
export function judgeAtRungs(
  schedule: RungSchedule,
  studyKey: string,
  peers: readonly FrozenTrial[],
  direction: Direction,
  trial: FrozenTrial,
  memory: RungMemory,
  notes: PruningNotes | undefined,
): boolean {
  const index = intermediateIndex(trial);
  const step = index.lastStep;
  if (step < 0) return false;
  if (memory.prunedAt(studyKey, trial, index.size)) return true;
  let rung = 0;
  while (memory.get(studyKey, trial, rung) !== undefined) rung++;
  for (; ; rung++) {
    const promotionStep = schedule.minResource * schedule.reductionFactor ** (schedule.minEarlyStoppingRate + rung);
    if (step < promotionStep) return false;
    const value = schedule.backfill ? valueOnReaching(trial, promotionStep) : trial.intermediate[step]!;
    if (Number.isNaN(value)) return memory.prune(studyKey, trial, index.size);
    const competing = [value];
    const key = rungKey(rung);
    for (const peer of peers) {
      if (peer.id === trial.id) continue;
      const recorded = memory.get(studyKey, peer, rung, key) ?? (schedule.backfill ? peer.intermediate[promotionStep] : undefined);
      if (recorded !== undefined && !Number.isNaN(recorded)) competing.push(recorded);
    }
    memory.set(studyKey, trial, rung, value);
    notes?.setSystemAttr(key, value);
    if (competing.length <= schedule.bootstrapCount || !isPromotable(value, competing, schedule.reductionFactor, direction)) {
      return memory.prune(studyKey, trial, index.size);
    }
  }
}

/**
 * The value of the trial's first report at or past `promotionStep` (the caller knows there is one).
 * For a trial that reaches the rung with its latest report this is its latest value, the one
 * Optuna 3.1 records at every rung that report passes (optuna/pruners/_successive_halving.py). For
 * one that was already past the rung when the rungs were placed, it is the value at the rung's step
 * itself, the one its backfilled peers compete with there. Where it reported nothing at that very
 * step, its first report after it stands in: the value it would have been recorded with, had it
 * been judged when it made that report.
 */
function valueOnReaching(trial: FrozenTrial, promotionStep: number): number {
  const index = intermediateIndex(trial);
  return index.valueAt(index.firstIndexFrom(promotionStep));
}

/** Whether `value` is among the best ⌊n/η⌋ of `competing` (the best one while n < η). */
function isPromotable(value: number, competing: number[], reductionFactor: number, direction: Direction): boolean {
  const kept = Math.max(Math.floor(competing.length / reductionFactor), 1);
  competing.sort((a, b) => a - b);
  return direction === "maximize" ? value >= competing[competing.length - kept]! : value <= competing[kept - 1]!;
}

/** The options of the `asha` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const ASHA_OPTIONS = defineOptions({
  minResource: { kind: "steps", min: 1, words: ["auto", "rank-agreement"], default: "rank-agreement", description: "first rung where steps start to rank trials (rank-agreement) or at 1% (auto)" },
  reductionFactor: { kind: "integer", min: 2, default: 4, description: "η: each rung keeps the best 1/η and sits η times further" },
  minEarlyStoppingRate: { kind: "integer", min: 0, default: 0, description: "bracket offset s: the first rung is at minResource·η^s" },
  bootstrapCount: { kind: "integer", min: 0, default: 0, description: "prune at a rung reached by at most this many trials" },
});
