import { CONSTRAINTS_ATTR, type FrozenTrial, type TrialState, isBetter } from "../space/index.js";
import type { StudyRecord, StudySummary } from "./types.js";

/**
 * Whether a trial's stored constraints (if any) are all satisfied: absent or null constraints, or an
 * array of numbers that are all ≤ 0. Anything else (a positive or non-numeric value such as a NaN
 * stored as text) is infeasible. The SQL backends' aggregates apply the same rule in the database.
 */
export function satisfiesStoredConstraints(systemAttrs: FrozenTrial["systemAttrs"]): boolean {
  const constraints = systemAttrs[CONSTRAINTS_ATTR];
  if (constraints === undefined || constraints === null) return true;
  return Array.isArray(constraints) && constraints.every((c) => typeof c === "number" && c <= 0);
}

/** Counts a study's trials by state and finds its best feasible value (single objective only). */
export function summarizeStudy(record: StudyRecord, trials: Iterable<Pick<FrozenTrial, "state" | "values" | "systemAttrs">>): StudySummary {
  const trialCounts: Record<TrialState, number> = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 };
  let bestValue: number | null = null;
  const direction = record.directions.length === 1 ? record.directions[0]! : null;
  for (const trial of trials) {
    trialCounts[trial.state]++;
    if (direction && trial.state === "complete" && trial.values && trial.values.length > 0 && satisfiesStoredConstraints(trial.systemAttrs)) {
      const value = trial.values[0]!;
      if (bestValue === null || isBetter(direction, value, bestValue)) bestValue = value;
    }
  }
  return { ...record, trialCounts, bestValue };
}
