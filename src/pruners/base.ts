import type { ComponentSpec, FrozenTrial, JsonValue, StudySnapshot } from "../space/index.js";

/**
 * A pruner decides whether a running trial should stop early, from its intermediate values and
 * those of the other trials in the snapshot. It is called from `trial.shouldPrune()` (and by the
 * command runner after each reported step) and must be cheap and side-effect free.
 */
export interface Pruner {
  readonly name: string;
  /**
   * False for a pruner that judges a trial on its own values alone (a threshold, or never
   * pruning): together with a sampler that uses no history, `study.optimize` then need not read
   * other workers' trials when it starts one. Default: true.
   */
  readonly usesHistory?: boolean;
  /**
   * True for a pruner that compares trials on one objective: it cannot judge a trial of a study
   * with several (it throws {@link PrunerObjectivesError}), so such a study should refuse it up front.
   */
  readonly singleObjective?: boolean;
  /**
   * `notes`, when given, keeps bookkeeping on the judged trial as system attributes (stored with
   * it, so pruners in other processes see them): successive halving records its rungs there.
   */
  prune(snapshot: StudySnapshot, trial: FrozenTrial, notes?: PruningNotes): boolean;
  /**
   * The part of the study a sampler learns from when it proposes trial `trialNumber`. Optional:
   * without it (or when it returns the snapshot unchanged) the sampler sees every trial. Hyperband
   * with `samplerPerBracket` shows only the new trial's bracket, as Optuna 3.1 does.
   */
  samplerSnapshot?(snapshot: StudySnapshot, trialNumber: number): StudySnapshot;
  /**
   * The registered name and the options this pruner was given, from which `createPrunerByName`
   * builds the same pruner, or null when they cannot be written down (a wrapped pruner of your
   * own). `createStudy` stores it, so `sextant serve` and every process that rebuilds the study's
   * pruner judge with these options; a pruner without it is stored by name alone. Every built-in
   * pruner has it; one of your own registered with `registerPruner` may too.
   *
   * @example
   * spec() {
   *   return { name: "last-quarter", options: {} };
   * }
   */
  spec?(): ComponentSpec | null;
}

/** Where a pruner leaves notes on the trial it judges; the study passes the trial itself. */
export interface PruningNotes {
  setSystemAttr(key: string, value: JsonValue): void;
  /** Tells the user, through the study's `onWarning`, what keeps the pruner from judging; never changes a decision. */
  warn?(message: string): void;
}

/** A single-objective pruner was asked about a study with several objectives. */
export class PrunerObjectivesError extends Error {
  override name = "PrunerObjectivesError";
  constructor(prunerName: string, objectives: number) {
    super(`the ${prunerName} pruner supports single-objective studies only; this study has ${objectives} objectives (use no pruner, or report one objective)`);
  }
}

/** A pruner that never prunes. */
export class NopPruner implements Pruner {
  readonly name = "none";
  readonly usesHistory = false;
  prune(): boolean {
    return false;
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec {
    return { name: this.name, options: {} };
  }
}
