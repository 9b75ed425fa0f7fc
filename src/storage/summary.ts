import { isConstrainedStudy, satisfiesStoredConstraints } from "../analysis/pareto.js";
import { type FrozenTrial, isBetter } from "../space/index.js";
import { zeroTrialCounts } from "../space/trial-counts.js";
import type { StudyRecord, StudySummary } from "./types.js";

/** Counts a study's trials by state and finds its best feasible value (single objective only). */
export function summarizeStudy(record: StudyRecord, trials: Iterable<Pick<FrozenTrial, "state" | "values" | "systemAttrs">>): StudySummary {
  const trialCounts = zeroTrialCounts();
  let bestValue: number | null = null;
  const direction = record.directions.length === 1 ? record.directions[0]! : null;
  const list = [...trials];
  const constrained = isConstrainedStudy(list);
  for (const trial of list) {
    trialCounts[trial.state]++;
    if (direction && trial.state === "complete" && trial.values && trial.values.length > 0 && satisfiesStoredConstraints(trial.systemAttrs, constrained)) {
      const value = trial.values[0]!;
      if (bestValue === null || isBetter(direction, value, bestValue)) bestValue = value;
    }
  }
  return { ...record, trialCounts, bestValue };
}
