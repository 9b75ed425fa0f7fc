import { type FrozenTrial, type StudySnapshot, defineOptions, intermediateIndex, refuseUnknownOptions, omitOptions } from "../space/index.js";
import type { Pruner, PruningNotes } from "./base.js";
import { checkInteger, checkNumber, singleDirection } from "./steps.js";

export interface PatientPrunerOptions {
  /** The pruner consulted once the trial has stalled; null prunes a stalled trial outright. */
  wrapped: Pruner | null;
  /** How many reported steps without improvement are tolerated. */
  patience: number;
  /** How much better than the earlier best a value must be to count as an improvement (default 0). */
  minDelta?: number;
}

/**
 * Tolerates a trial that stops improving for `patience` reported steps, then defers to another
 * pruner (or prunes outright): Optuna's `PatientPruner`. Improvement is judged on the trial's own
 * curve: the best of its last `patience + 1` values against the best of the values before them,
 * by more than `minDelta`. A noisy curve that plateaus briefly is thus never cut, while a stalled
 * one is handed to the wrapped pruner's judgement.
 *
 * @example
 * const pruner = new PatientPruner({ wrapped: new MedianPruner(), patience: 3, minDelta: 0.01 });
 */
export class PatientPruner implements Pruner {
  readonly name = "patient";
  readonly singleObjective = true;
  readonly wrapped: Pruner | null;
  readonly patience: number;
  readonly minDelta: number;

  constructor(options: PatientPrunerOptions) {
    refuseUnknownOptions("patient pruner", options, omitOptions(PATIENT_OPTIONS, ["wrappedOptions"]), []);
    this.wrapped = options.wrapped;
    this.patience = checkInteger(this.name, "patience", options.patience, 0);
    this.minDelta = checkNumber(this.name, "minDelta", options.minDelta ?? 0, 0, Number.POSITIVE_INFINITY);
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial, notes?: PruningNotes): boolean {
    const index = intermediateIndex(trial);
    if (index.size <= this.patience + 1) return false;
    const direction = singleDirection(snapshot, this.name);
    const split = index.size - this.patience - 1;
    const before = index.best(direction, split);
    // The last patience + 1 reports, one by one: a loop, where Math.min(...values) overflowed the stack on a long patience.
    let recent = Number.NaN;
    for (let i = split; i < index.size; i++) {
      const value = index.valueAt(i);
      if (Number.isNaN(value)) continue;
      if (Number.isNaN(recent) || (direction === "maximize" ? value > recent : value < recent)) recent = value;
    }
    // NaN on either side compares false: no evidence of a stall, so no pruning.
    const stalled = direction === "maximize" ? before - this.minDelta > recent : before + this.minDelta < recent;
    if (!stalled) return false;
    return this.wrapped === null ? true : this.wrapped.prune(snapshot, trial, notes);
  }
}

/** The options of the `patient` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const PATIENT_OPTIONS = defineOptions({
  patience: { kind: "integer", min: 0, description: "reported steps without improvement tolerated (required)" },
  minDelta: { kind: "number", min: 0, default: 0, description: "improvement smaller than this does not count" },
  wrapped: { kind: "string", description: "pruner consulted once stalled, by name (none given: prune outright)" },
  wrappedOptions: { kind: "string", default: "{}", description: "the wrapped pruner's options as a JSON object" },
});
