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

/**
 * Kendall's τ (τ-a: ties count neither way) between the values complete trials reported at
 * `step` and their final values (first objective), over the complete trials that reported at
 * `step`; null when fewer than `minTrials` did. It measures how far a rung at `step` ranks trials
 * as their final values do: 1 the same order, 0 no better than chance, −1 reversed. The sign
 * does not depend on the direction of optimization.
 *
 * @example
 * rankAgreement(trials, 1) // 0.2: step 1 orders 60 % of the pairs of complete trials as their final values do
 */
export function rankAgreement(trials: readonly FrozenTrial[], step: number, minTrials: number = 5): number | null {
  const early: number[] = [];
  const final: number[] = [];
  for (const t of trials) {
    if (t.state !== "complete" || t.values === null) continue;
    const atStep = t.intermediate[step];
    const last = t.values[0];
    if (atStep === undefined || !Number.isFinite(atStep) || last === undefined || !Number.isFinite(last)) continue;
    early.push(atStep);
    final.push(last);
  }
  if (early.length < Math.max(minTrials, 2)) return null;
  let sum = 0;
  for (let i = 0; i < early.length; i++) {
    for (let j = i + 1; j < early.length; j++) sum += Math.sign(early[i]! - early[j]!) * Math.sign(final[i]! - final[j]!);
  }
  return sum / ((early.length * (early.length - 1)) / 2);
}
