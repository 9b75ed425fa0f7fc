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
 * - `"quantile"`: a pruned trial enters at the final value that its standing at the step it
 *   stopped at predicts, with how well that step predicts final values learnt from this study's
 *   complete trials. The data decide, because the right model of a stopped trial depends on whether
 *   early steps rank configurations as the end does, which differs between studies: on the
 *   multi-fidelity Hartmann-3 of `bench/pruning.mjs --dev` they rank nearly perfectly, on the
 *   quickstart's SGD runs the near-optimal ones finish in an order their early steps do not show.
 *
 *   The model is a Gaussian copula (the transform Φ⁻¹∘F of Salinas, Shen and Perrone 2020, "A
 *   Quantile-based Approach for Hyperparameter Transfer Learning", ICML, applied to the step-s and
 *   the final values of the complete trials that reported at step s): in normal scores the two
 *   are a standard bivariate normal with correlation ρ, so E[z_final | z_s] = ρ·z_s. ρ is the
 *   normal-scores (van der Waerden) correlation of the references, floored at 0: a trial the
 *   pruner stopped for being worse is never imputed better than the references' median final. A
 *   pruned trial's value v at step s has the rank quantile u = (#below + ½·#equal + ½) / (n + 1)
 *   among the n references' step-s values; it enters at the references' final-value quantile
 *   Φ(ρ·Φ⁻¹(u)), interpolated between order statistics. With ρ = 1 this is quantile mapping,
 *   which keeps the order of the pruned trials (BOHB's "comparable at one budget" made explicit:
 *   worse at step s, worse at the end); with ρ = 0 every pruned trial is a typical complete one,
 *   since its early value says nothing about its end. s is the highest step the trial reported at
 *   where at least 5 complete trials reported too (`QUANTILE_MIN_REFERENCES`); with no such step
 *   the trial enters as recorded. Under a successive-halving pruner, `"quantile"` also gives way to `"bohb"`.
 * - `"gate"`: a test decides between the two older rules, per step. On the same references,
 *   early steps are taken as informative when ρ (as above, not floored) is significantly positive
 *   under independence, ρ·√(n − 1) ≥ 1.645 (one-sided 5%; normal-scores and Spearman correlations
 *   have variance ≈ 1/(n − 1) under H0, Kendall and Stuart, "The Advanced Theory of Statistics",
 *   vol. 2, ch. 31). Informative: the pruned trial enters as recorded, at its step-s value (what
 *   `"final"` does, which wins where early steps rank as the end does). Not informative: it enters
 *   at the references' worst final value (what `"bohb"` does to trials stopped before its budget,
 *   which the quickstart preferred): its early value says nothing, but the pruner judged it worse.
 * - `"auto"` (the default): `"bohb"` once the study shows a successive-halving pruner at work
 *   (`asha` and `hyperband` record `completed_rung_k` on the trials they judge), else the sampler's
 *   own choice (`FidelityView`'s `otherwise`): `"gate"` for the GP, `"final"` for TPE. The GP
 *   itself goes further under successive halving: its `"auto"` there is its `"joint"` model of
 *   every rung at once (`gp/joint-fidelity.ts`), which asks this view only
 *   {@link FidelityView.successiveHalving}.
 *
 * The view is a snapshot like any other, so the samplers' code downstream is unchanged. Views of
 * trials are kept per (trial, step) so a sampler that reads `finished` incrementally sees a stable
 * prefix while the chosen budget stays the same, and starts over when it moves up.
 */
import { normalCdf, normalQuantile } from "../math/special.js";
import { ranks } from "../math/statistics.js";
import { type FrozenTrial, type StudySnapshot, studyKeyOf } from "../space/index.js";

export type FidelityRule = "auto" | "bohb" | "final" | "quantile" | "gate";

export const FIDELITY_RULES: readonly FidelityRule[] = ["auto", "bohb", "final", "quantile", "gate"];

/** The rules that impute pruned trials' final values from the complete trials (see `FinalValueImputer`). */
type ImputingRule = "quantile" | "gate";

/**
 * Complete trials a step needs before `"quantile"` imputes from it: the fewest at which a perfect
 * agreement of ranks is significant (one-sided p = 1/5! ≈ 0.008 for Spearman's ρ = 1 at n = 5). Not
 * BOHB's N_min = d + 1, which sizes a model of all parameters; this is a one-dimensional map.
 */
export const QUANTILE_MIN_REFERENCES = 5;

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
  private studyKey: string | null = null;
  private budget: Budget = null;
  private readonly views = new Map<number, FrozenTrial>();
  private readonly stopped = new Map<number, FrozenTrial>();
  private rungsSeen = false;
  private scanned = 0;

  readonly otherwise: "final" | ImputingRule;
  readonly references: number;

  /**
   * @param rule the sampler's `fidelityRule`.
   * @param options `otherwise`: what `"auto"` means without a successive-halving pruner (default
   *   `"final"`); `references`: the complete trials a step needs before `"quantile"` imputes from it
   *   (default {@link QUANTILE_MIN_REFERENCES}).
   */
  constructor(
    readonly rule: FidelityRule,
    options: { otherwise?: "final" | ImputingRule; references?: number } = {},
  ) {
    this.otherwise = options.otherwise ?? "final";
    this.references = options.references ?? QUANTILE_MIN_REFERENCES;
    if (!FIDELITY_RULES.includes(rule)) throw new RangeError(`fidelityRule must be one of ${FIDELITY_RULES.join(", ")}, got ${JSON.stringify(rule)}`);
  }

  /**
   * The snapshot to model: under BOHB's rule, the trials observed at the highest budget with at
   * least `minimum` observations (N_min; computed only when the rule applies), each as a complete
   * trial whose value is its observation there.
   */
  view(snapshot: StudySnapshot, minimum: () => number): { snapshot: StudySnapshot; budget: Budget } {
    if (this.studyKey !== studyKeyOf(snapshot)) this.reset(studyKeyOf(snapshot));
    if (snapshot.directions.length !== 1) return { snapshot, budget: null };
    if (!this.usesBohb(snapshot)) {
      const imputing = this.rule === "auto" ? this.otherwise : this.rule;
      return { snapshot: imputing === "quantile" || imputing === "gate" ? this.imputedView(snapshot, imputing) : snapshot, budget: null };
    }
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

  /** The study with each pruned trial at its imputed final value (`"quantile"`, `"gate"`), as a complete trial. */
  private imputedView(snapshot: StudySnapshot, rule: ImputingRule): StudySnapshot {
    if (!snapshot.finished.some((t) => t.state === "pruned")) return snapshot;
    const sign = snapshot.directions[0] === "minimize" ? 1 : -1;
    const imputer = new FinalValueImputer(snapshot.finished, sign, this.references, rule);
    const byId = new Map<number, FrozenTrial>();
    for (const trial of snapshot.finished) {
      if (trial.state !== "pruned") continue;
      const value = imputer.impute(trial);
      if (value === null) continue;
      let imputed = this.stopped.get(trial.id);
      if (!imputed || imputed.values![0] !== value) {
        imputed = { ...trial, state: "complete", values: [value] };
        this.stopped.set(trial.id, imputed);
      }
      byId.set(trial.id, imputed);
    }
    if (byId.size === 0) return snapshot;
    const swap = (trial: FrozenTrial): FrozenTrial => byId.get(trial.id) ?? trial;
    return { ...snapshot, trials: snapshot.trials.map(swap), finished: snapshot.finished.map(swap) };
  }

  private usesBohb(snapshot: StudySnapshot): boolean {
    if (this.rule === "bohb" || this.rule === "final") return this.rule === "bohb";
    return this.successiveHalving(snapshot);
  }

  /** Whether a successive-halving pruner has recorded rungs on the study's finished trials. */
  successiveHalving(snapshot: StudySnapshot): boolean {
    if (this.studyKey !== studyKeyOf(snapshot)) this.reset(studyKeyOf(snapshot));
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

  private reset(studyKey: string): void {
    this.studyKey = studyKey;
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

/** One step's references for `"quantile"`: complete trials' values there and their final values, sorted, with their copula correlation. */
interface StepReferences {
  readonly atStep: Float64Array;
  readonly finals: Float64Array;
  /** The normal-scores correlation of step-s and final values, not floored. */
  readonly correlation: number;
}

/** One-sided 5% point of the standard normal: the `"gate"` rule's test of ρ > 0. */
const GATE_CRITICAL_Z = 1.6448536269514722;

/**
 * The final value a pruned trial is expected to have had, from the complete trials that reported
 * at the step it stopped at (see `"quantile"` above). Values are taken as minimised (`sign`).
 *
 * @example
 * const imputer = new FinalValueImputer(snapshot.finished, 1, 5);
 * imputer.impute(prunedTrial); // e.g. 0.47: a final value among the complete trials', or null
 */
export class FinalValueImputer {
  private readonly complete: FrozenTrial[];
  private readonly references = new Map<number, StepReferences | null>();

  constructor(
    finished: readonly FrozenTrial[],
    private readonly sign: number,
    private readonly minimum: number,
    private readonly rule: ImputingRule = "quantile",
  ) {
    this.complete = finished.filter((t) => t.state === "complete" && t.values !== null && t.values !== undefined && Number.isFinite(t.values[0]));
  }

  /** The trial's imputed final value (in the study's direction), or null when it enters as recorded (no step it reported at has enough references, or `"gate"` finds that step informative). */
  impute(trial: FrozenTrial): number | null {
    const steps = Object.keys(trial.intermediate)
      .map(Number)
      .filter((step) => Number.isFinite(trial.intermediate[step]))
      .sort((a, b) => b - a);
    for (const step of steps) {
      const references = this.referencesAt(step);
      if (!references) continue;
      const correlation = references.correlation;
      if (this.rule === "gate") {
        if (correlation * Math.sqrt(references.atStep.length - 1) >= GATE_CRITICAL_Z) return null;
        return this.sign * references.finals[references.finals.length - 1]!;
      }
      const value = this.sign * trial.intermediate[step]!;
      const z = Math.max(0, correlation) * normalQuantile(rankQuantile(references.atStep, value));
      return this.sign * quantileOf(references.finals, normalCdf(z));
    }
    return null;
  }

  private referencesAt(step: number): StepReferences | null {
    const cached = this.references.get(step);
    if (cached !== undefined) return cached;
    const atStep: number[] = [];
    const finals: number[] = [];
    for (const trial of this.complete) {
      const value = trial.intermediate[step];
      if (value === undefined || !Number.isFinite(value)) continue;
      atStep.push(this.sign * value);
      finals.push(this.sign * trial.values![0]!);
    }
    const references =
      atStep.length >= Math.max(2, this.minimum)
        ? {
            correlation: normalScoresCorrelation(atStep, finals),
            atStep: Float64Array.from(atStep).sort(),
            finals: Float64Array.from(finals).sort(),
          }
        : null;
    this.references.set(step, references);
    return references;
  }
}

/** (#below + ½·#equal + ½) / (n + 1): where `value` stands among `sorted`, strictly inside (0, 1). */
export function rankQuantile(sorted: Float64Array, value: number): number {
  let below = 0;
  let equal = 0;
  for (const v of sorted) {
    if (v < value) below++;
    else if (v === value) equal++;
  }
  return (below + 0.5 * equal + 0.5) / (sorted.length + 1);
}

/** The `p` quantile of `sorted`, order statistic i at (i + ½) / n, linear between them and flat beyond. */
export function quantileOf(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  const position = Math.min(n - 1, Math.max(0, p * n - 0.5));
  const low = Math.floor(position);
  const high = Math.min(n - 1, low + 1);
  return sorted[low]! + (position - low) * (sorted[high]! - sorted[low]!);
}

/**
 * Pearson's correlation of the van der Waerden normal scores Φ⁻¹((rank + ½) / n), ties sharing
 * their mean rank: the Gaussian copula's correlation, estimated from ranks. 0 when either side is
 * constant.
 */
export function normalScoresCorrelation(a: readonly number[], b: readonly number[]): number {
  const za = normalScores(a);
  const zb = normalScores(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < za.length; i++) {
    ab += za[i]! * zb[i]!;
    aa += za[i]! * za[i]!;
    bb += zb[i]! * zb[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Φ⁻¹((rank + ½) / n) per value, ranks from 0 with ties at their mean; centred, since the scores are symmetric. */
function normalScores(values: readonly number[]): Float64Array {
  const n = values.length;
  const scores = ranks(values).map((rank) => normalQuantile((rank + 0.5) / n));
  let mean = 0;
  for (const score of scores) mean += score / n;
  for (let i = 0; i < n; i++) scores[i]! -= mean;
  return scores;
}
