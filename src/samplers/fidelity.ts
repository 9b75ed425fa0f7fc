/**
 * Which observations a model-based sampler learns from when trials are stopped early.
 *
 * - `"final"`: every finished trial as the study recorded it. A pruned trial counts with the value
 *   it was stopped at (the GP) or ranked after every complete trial (TPE, as Optuna 3.1 does).
 * - `"bohb"`: the rule of Falkner, Klein and Hutter (2018), "BOHB: Robust and Efficient
 *   Hyperparameter Optimization at Scale" (ICML), §4.1: the model is fitted on the evaluations of
 *   the highest budget that has enough of them, |D_b| ≥ N_min. Here a budget is a step: a trial
 *   observed at step s is one that reported an intermediate value there, and that value is its
 *   observation; complete trials' final values form the highest budget of all. Values measured at
 *   one budget are comparable, where a trial stopped at step 3 and a trial run to the end are not.
 *   Falkner et al. take N_min = d + 1 (d parameters); here it is at least the sampler's own
 *   start-up count too, so the model a rung hands over is one the sampler would fit anyway. Below
 *   N_min at every budget the sampler sees the study as `"final"` would.
 *
 *   Trials stopped before that budget are kept too, as the worst observations there (TPE ranks them
 *   after every trial that reached it, as pruned trials without steps; the GP sees the worst value
 *   observed at the budget). Left out, as in the paper's D_b, they let the model keep proposing a
 *   region that a successive-halving pruner keeps stopping at its first rung, since those stops
 *   never reach the model: on the crossing curves of `bench/pruning.mjs` TPE then proposed nothing
 *   but first-rung losers for a hundred trials. BOHB escapes this partly by drawing a third of its
 *   configurations at random; here the evidence itself is used instead (TPE's `randomFraction`
 *   adds BOHB's random share as an option; it did not help on `bench:pruning --dev`).
 * - `"auto"` (the default): `"bohb"` once the study shows a successive-halving pruner at work
 *   (`asha` and `hyperband` record `completed_rung_k` on the trials they judge), else `"final"`.
 *
 * The view is a snapshot like any other, so the samplers' code downstream is unchanged. Views of
 * trials are kept per (trial, step) so a sampler that reads `finished` incrementally sees a stable
 * prefix while the chosen budget stays the same, and starts over when it moves up.
 */
import { type FrozenTrial, type StudySnapshot } from "../space/index.js";

export type FidelityRule = "auto" | "bohb" | "final";

export const FIDELITY_RULES: readonly FidelityRule[] = ["auto", "bohb", "final"];

/** The system attribute successive-halving pruners write at their first rung (see `pruners/asha.ts`). */
const FIRST_RUNG_ATTR = "completed_rung_0";

/** The budget a view was built on: `"final"` (complete trials' values), a step, or null (the study as it is). */
export type Budget = "final" | number | null;

/**
 * Builds the snapshots a sampler models under one fidelity rule. One per sampler: it remembers
 * views of trials between calls.
 *
 * @example
 * const fidelity = new FidelityView("bohb");
 * const { snapshot: modelled, budget } = fidelity.view(snapshot, () => 10); // budget: "final", a step, or null
 */
export class FidelityView {
  private studyId: number | null = null;
  private budget: Budget = null;
  private readonly views = new Map<number, FrozenTrial>();
  private readonly stopped = new Map<number, FrozenTrial>();
  private rungsSeen = false;
  private scanned = 0;

  constructor(readonly rule: FidelityRule) {
    if (!FIDELITY_RULES.includes(rule)) throw new RangeError(`fidelityRule must be one of ${FIDELITY_RULES.join(", ")}, got ${JSON.stringify(rule)}`);
  }

  /**
   * The snapshot to model: under BOHB's rule, the trials observed at the highest budget with at
   * least `minimum` observations (N_min; computed only when the rule applies), each as a complete
   * trial whose value is its observation there.
   */
  view(snapshot: StudySnapshot, minimum: () => number): { snapshot: StudySnapshot; budget: Budget } {
    if (this.studyId !== snapshot.studyId) this.reset(snapshot.studyId);
    if (snapshot.directions.length !== 1 || !this.usesBohb(snapshot)) return { snapshot, budget: null };
    const budget = highestBudget(snapshot.finished, minimum());
    if (budget === null) return { snapshot, budget: null };
    if (budget !== this.budget) {
      this.views.clear();
      this.stopped.clear();
      this.budget = budget;
    }
    let worst = Number.NEGATIVE_INFINITY;
    const sign = snapshot.directions[0] === "minimize" ? 1 : -1;
    for (const trial of snapshot.finished) {
      const observed = this.observe(trial, budget);
      if (observed) worst = Math.max(worst, sign * observed.values![0]!);
    }
    const finished: FrozenTrial[] = [];
    const byId = new Map<number, FrozenTrial>();
    for (const trial of snapshot.finished) {
      const observed = this.observe(trial, budget) ?? this.stoppedBefore(trial, sign * worst);
      if (observed) {
        finished.push(observed);
        byId.set(trial.id, observed);
      }
    }
    const trials: FrozenTrial[] = [];
    for (const trial of snapshot.trials) {
      if (trial.state === "complete" || trial.state === "pruned" || trial.state === "failed") {
        const observed = byId.get(trial.id);
        if (observed) trials.push(observed);
      } else {
        trials.push(trial);
      }
    }
    return { snapshot: { ...snapshot, trials, finished }, budget };
  }

  private usesBohb(snapshot: StudySnapshot): boolean {
    if (this.rule !== "auto") return this.rule === "bohb";
    const finished = snapshot.finished;
    if (finished.length < this.scanned) this.scanned = 0;
    for (; !this.rungsSeen && this.scanned < finished.length; this.scanned++) {
      if (FIRST_RUNG_ATTR in finished[this.scanned]!.systemAttrs) this.rungsSeen = true;
    }
    return this.rungsSeen;
  }

  /** The trial as an observation at `budget`, or null if it has none there. */
  private observe(trial: FrozenTrial, budget: Budget): FrozenTrial | null {
    if (budget === "final") {
      return trial.state === "complete" && trial.values && Number.isFinite(trial.values[0]) ? trial : null;
    }
    if (trial.state !== "complete" && trial.state !== "pruned") return null;
    const value = trial.intermediate[budget as number];
    if (value === undefined || !Number.isFinite(value)) return null;
    let observed = this.views.get(trial.id);
    if (!observed) {
      observed = { ...trial, state: "complete", values: [value] };
      this.views.set(trial.id, observed);
    }
    return observed;
  }

  /** A trial stopped before the budget, as the worst observation there; null for a failed trial. */
  private stoppedBefore(trial: FrozenTrial, worst: number): FrozenTrial | null {
    if (trial.state !== "pruned" && trial.state !== "complete") return null;
    const cached = this.stopped.get(trial.id);
    if (cached && cached.values![0] === worst) return cached;
    const stopped: FrozenTrial = { ...trial, state: "pruned", intermediate: {}, values: [worst] };
    this.stopped.set(trial.id, stopped);
    return stopped;
  }

  private reset(studyId: number): void {
    this.studyId = studyId;
    this.budget = null;
    this.views.clear();
    this.stopped.clear();
    this.rungsSeen = false;
    this.scanned = 0;
  }
}

/**
 * The highest budget with at least `minimum` finished observations: `"final"` when enough trials
 * are complete, else the highest step enough complete or pruned trials reported a finite value at,
 * else null.
 *
 * @example
 * highestBudget(snapshot.finished, 4) // e.g. 9: four or more trials reported at step 9, fewer at any later step
 */
export function highestBudget(finished: readonly FrozenTrial[], minimum: number): Budget {
  let complete = 0;
  const counts = new Map<number, number>();
  for (const trial of finished) {
    if (trial.state === "complete" && trial.values && Number.isFinite(trial.values[0])) complete++;
    if (trial.state !== "complete" && trial.state !== "pruned") continue;
    for (const [key, value] of Object.entries(trial.intermediate)) {
      if (!Number.isFinite(value)) continue;
      const step = Number(key);
      counts.set(step, (counts.get(step) ?? 0) + 1);
    }
  }
  if (complete >= minimum) return "final";
  let best: number | null = null;
  for (const [step, count] of counts) if (count >= minimum && (best === null || step > best)) best = step;
  return best;
}

/** The parameters seen across the finished trials: d of BOHB's N_min = d + 1. */
export function parameterCount(snapshot: StudySnapshot): number {
  const names = new Set<string>();
  for (const trial of snapshot.finished) for (const name of Object.keys(trial.distributions)) names.add(name);
  return names.size;
}
