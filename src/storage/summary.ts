import { CONSTRAINTS_ATTR, type FrozenTrial, type TrialState, isBetter } from "../space/index.js";
import type { StudyRecord, StudySummary } from "./types.js";

/**
 * Whether a trial's stored constraints are all satisfied: an array of numbers that are all ≤ 0, or
 * no constraints in a study none of whose complete trials has any (`constrained` false). In a
 * constrained study a trial without them is of unknown feasibility and does not count, as
 * `feasibilityRule` decides for `Study.bestTrial`. Anything else (a positive or non-numeric value such
 * as a NaN stored as text) is infeasible. The SQL backends' aggregates apply the same rule.
 */
export function satisfiesStoredConstraints(systemAttrs: FrozenTrial["systemAttrs"], constrained: boolean): boolean {
  const constraints = systemAttrs[CONSTRAINTS_ATTR];
  if (constraints === undefined || constraints === null) return !constrained;
  return Array.isArray(constraints) && constraints.every((c) => typeof c === "number" && c <= 0);
}

/** Counts a study's trials by state and finds its best feasible value (single objective only). */
export function summarizeStudy(record: StudyRecord, trials: Iterable<Pick<FrozenTrial, "state" | "values" | "systemAttrs">>): StudySummary {
  const trialCounts: Record<TrialState, number> = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 };
  let bestValue: number | null = null;
  const direction = record.directions.length === 1 ? record.directions[0]! : null;
  const list = [...trials];
  const constrained = list.some((t) => t.state === "complete" && Array.isArray(t.systemAttrs[CONSTRAINTS_ATTR]));
  for (const trial of list) {
    trialCounts[trial.state]++;
    if (direction && trial.state === "complete" && trial.values && trial.values.length > 0 && satisfiesStoredConstraints(trial.systemAttrs, constrained)) {
      const value = trial.values[0]!;
      if (bestValue === null || isBetter(direction, value, bestValue)) bestValue = value;
    }
  }
  return { ...record, trialCounts, bestValue };
}
