import type { Direction, FrozenTrial, StudySnapshot } from "../space/index.js";
import { PrunerObjectivesError } from "./base.js";

/** The latest and the one-before-latest reported steps of a trial (-1 where there is none). */
export function lastTwoSteps(trial: FrozenTrial): { last: number; secondLast: number } {
  let last = -1;
  let secondLast = -1;
  for (const key of Object.keys(trial.intermediate)) {
    const step = Number(key);
    if (step > last) {
      secondLast = last;
      last = step;
    } else if (step > secondLast) secondLast = step;
  }
  return { last, secondLast };
}

/**
 * Whether the trial's latest report is the first one in its window of `intervalSteps` steps after
 * the warm-up (windows start at `nWarmupSteps + k·intervalSteps`). Pruners that honour an interval
 * judge a trial only then, so a trial reporting every step is judged once per window.
 */
export function isFirstInInterval(last: number, secondLast: number, nWarmupSteps: number, intervalSteps: number): boolean {
  const windowStart = Math.floor((last - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  return secondLast < windowStart;
}

/** The study's single direction; a multi-objective study gets an error naming the pruner. */
export function singleDirection(snapshot: StudySnapshot, prunerName: string): Direction {
  if (snapshot.directions.length !== 1) throw new PrunerObjectivesError(prunerName, snapshot.directions.length);
  return snapshot.directions[0]!;
}

/** Checks a constructor option given in code (CLI and config values go through the option schema first). */
export function checkInteger(prunerName: string, name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${prunerName} pruner: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a real-valued constructor option given in code. */
export function checkNumber(prunerName: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(`${prunerName} pruner: ${name} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}
