import { type Direction, type FrozenTrial, type StudySnapshot, intermediateIndex } from "../space/index.js";
import { PrunerObjectivesError } from "./base.js";

/** The latest and the one-before-latest reported steps of a trial (-1 where there is none). */
export function lastTwoSteps(trial: FrozenTrial): { last: number; secondLast: number } {
  const index = intermediateIndex(trial);
  return { last: index.lastStep, secondLast: index.secondLastStep };
}

/** The trial's latest reported step, or -1. */
export function lastStep(trial: FrozenTrial): number {
  return intermediateIndex(trial).lastStep;
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

/** Orders trials by when they completed, as stored (then by number): the order every process that reads the study sees. */
export function byCompletion(a: FrozenTrial, b: FrozenTrial): number {
  return (a.finishedAt ?? Number.POSITIVE_INFINITY) - (b.finishedAt ?? Number.POSITIVE_INFINITY) || a.number - b.number;
}

/**
 * The last step of the first trial to complete that reported any, by {@link byCompletion}; -1
 * while none has. The "auto" resources of asha and hyperband are estimated from it, as Optuna's
 * docs describe ("the number of required steps for the first trial to complete"), so every
 * worker of a fleet and every resume of the study estimates the same value whenever it looks.
 * Estimated from the longest complete trial at the moment of looking, a resumed study with
 * trials of several lengths laid out other Hyperband brackets than the run that made it.
 */
export function firstCompleteLastStep(trials: readonly FrozenTrial[]): number {
  let first: FrozenTrial | undefined;
  for (const t of trials) {
    if (t.state === "complete" && lastStep(t) >= 0 && (first === undefined || byCompletion(t, first) < 0)) first = t;
  }
  return first === undefined ? -1 : lastStep(first);
}

/** Complete trials "rank-agreement" waits for before it first judges the steps (then twice as many, and so on). */
const RANK_CHECK_FIRST = 8;
/** Kendall's τ a step needs with final values: it orders two thirds of the pairs of complete trials as they end. */
const RANK_AGREEMENT_MIN = 1 / 3;

/**
 * The search behind the "rank-agreement" first rung of asha and hyperband and warm-up of the
 * median and percentile pruners: {@link firstRankingStep} judged on the first 8 trials to complete,
 * then, while no step qualifies, on the first 16, 32, … The caller keeps the first step found.
 *
 * "First" is by completion time (then trial number), as stored: every worker of a fleet, and a
 * process that resumes a study, judges the same trials and so finds the same step, whenever it
 * looks. Judged on every complete trial instead, a process that looked later would judge the
 * survivors of rungs already in use, and two workers could place their rungs at different steps.
 */
export class RankedFirstRung {
  private nextCheck = RANK_CHECK_FIRST;

  /** The first ranking step, or null while too few trials are complete or no step qualifies. */
  find(trials: readonly FrozenTrial[]): number | null {
    let complete = 0;
    for (const t of trials) if (t.state === "complete") complete++;
    if (complete < this.nextCheck) return null;
    const inOrder = trials.filter((t) => t.state === "complete").sort(byCompletion);
    for (; this.nextCheck <= complete; this.nextCheck *= 2) {
      const step = firstRankingStep(inOrder.slice(0, this.nextCheck), RANK_AGREEMENT_MIN, RANK_CHECK_FIRST);
      if (step !== null) return step;
    }
    return null;
  }
}

/**
 * The earliest step s, before the longest complete trial's last step, such that s and every later
 * step reported by at least `minTrials` complete trials order those trials as their final values
 * do: Kendall's τ ≥ `minTau` (see {@link rankAgreement}). Null when no step qualifies (then a rung
 * anywhere would prune on values that do not predict the end).
 *
 * The check runs on complete trials only. Before any rung exists they are unselected, so τ is
 * measured on the trials a first rung would judge; the answer is then kept, because once pruning
 * starts the complete trials are the survivors of its rungs, whose narrower spread would understate τ.
 *
 * @example
 * firstRankingStep(trials, 1 / 3, 8) // 3: epochs 1 and 2 rank trials no better than chance, 3 onwards do
 */
export function firstRankingStep(trials: readonly FrozenTrial[], minTau: number, minTrials: number): number | null {
  let longest = -1;
  const steps = new Set<number>();
  for (const t of trials) {
    if (t.state !== "complete") continue;
    longest = Math.max(longest, lastStep(t));
    for (const key of Object.keys(t.intermediate)) steps.add(Number(key));
  }
  let first: number | null = null;
  for (const step of [...steps].filter((s) => s >= 1 && s < longest).sort((a, b) => b - a)) {
    const tau = rankAgreement(trials, step, minTrials);
    if (tau === null) continue;
    if (tau < minTau) break;
    first = step;
  }
  return first;
}
