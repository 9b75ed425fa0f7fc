/**
 * The best and the recommended trial of a single-objective study, as pure functions of its trials:
 * `Study.bestTrial` / `Study.recommendation` and the server's routes (the API's study detail and the
 * dashboard's summary) all read them from here, so every view names the same trials.
 *
 * @module
 */
import { feasibilityRule, readableConstraints, totalViolation } from "../analysis/index.js";
import { reportsConstraints } from "../analysis/pareto.js";
import { RECOMMENDED_TRIAL_ATTR, type Recommendation, type RecommendationRecord, latestRecommendation, noiseIsMaterial, readRecommendationRecord } from "../samplers/index.js";
import { CONSTRAINTS_ATTR, type Direction, type FrozenTrial, isBetter } from "../space/index.js";
import { type Storage, type TrialQuery, findTrials } from "../storage/index.js";

/**
 * The best feasible complete trial for `direction`, or undefined if none has completed feasibly.
 * `feasible` is the study's {@link feasibilityRule}, for a caller that has it already.
 */
export function bestFeasibleTrial(trials: Iterable<FrozenTrial>, direction: Direction, feasible?: (trial: FrozenTrial) => boolean): FrozenTrial | undefined {
  // An iterable is read once into a list: finding the rule reads the trials before the search does.
  const list = Array.isArray(trials) ? (trials as readonly FrozenTrial[]) : [...trials];
  const isFeasible = feasible ?? feasibilityRule(list);
  let best: FrozenTrial | undefined;
  for (const trial of list) {
    if (trial.state !== "complete" || !trial.values || !isFeasible(trial)) continue;
    if (!best || isBetter(direction, trial.values[0]!, best.values![0]!)) best = trial;
  }
  return best;
}

/**
 * The recommended trial: the latest model record's choice among feasible complete trials where the
 * model found the noise material, otherwise the best feasible trial (`source: "best observed"`, with
 * a set-aside model choice in `setAside`); see `Study.recommendation`.
 */
export function recommendedTrial(trials: readonly FrozenTrial[], direction: Direction): Recommendation | undefined {
  const feasible = feasibilityRule(trials);
  const modelled = latestRecommendation(trials, (t) => t.state === "complete" && t.values !== null && feasible(t));
  return recommendationOf(modelled, () => bestFeasibleTrial(trials, direction, feasible));
}

/** The model's choice where its noise is material, else the best feasible trial with the model's record set aside. */
export function recommendationOf(modelled: { trial: FrozenTrial; record: RecommendationRecord } | undefined, best: () => FrozenTrial | undefined): Recommendation | undefined {
  if (modelled && noiseIsMaterial(modelled.record)) return { trial: modelled.trial, source: "model", record: modelled.record };
  const observed = best();
  return observed && { trial: observed, source: "best observed", ...(modelled ? { setAside: modelled.record } : {}) };
}

/**
 * When no complete trial is feasible: the complete trial with the smallest total violation (the
 * sum of its positive constraint values), ties to the earlier trial; otherwise undefined. See
 * `Study.leastViolatingTrial`.
 */
export function leastViolatingTrial(trials: readonly FrozenTrial[]): FrozenTrial | undefined {
  let least: FrozenTrial | undefined;
  let leastViolation = Number.POSITIVE_INFINITY;
  const feasible = feasibilityRule(trials);
  for (const trial of trials) {
    if (trial.state !== "complete" || !trial.values) continue;
    const constraints = readableConstraints(trial);
    if (feasible(trial)) return undefined;
    // Of unknown feasibility (no constraint values in a constrained study, or malformed ones): no violation to compare.
    if (constraints === null) continue;
    const violation = totalViolation(constraints);
    if (least === undefined || violation < leastViolation) {
      least = trial;
      leastViolation = violation;
    }
  }
  return least;
}

/** What a stored single-objective study's best trial, recommendation and nearest-to-feasible trial are. */
export interface StoredBest {
  /** As `Study.bestTrial`. */
  readonly best: FrozenTrial | undefined;
  /** As `Study.recommendation`. */
  readonly recommendation: Recommendation | undefined;
  /** As `Study.leastViolatingTrial`: set only when no complete trial is feasible. */
  readonly leastViolating: FrozenTrial | undefined;
}

/**
 * The best trial, the recommendation and the least-violating trial of a stored single-objective
 * study, the same trials {@link bestFeasibleTrial}, {@link recommendedTrial} and
 * {@link leastViolatingTrial} name from all of its trials, read with a few selective queries
 * (`findTrials`): a study of 100,000 trials is not read whole to show one. Only when no complete
 * trial is feasible are all trials read, since the nearest one may be any of them.
 *
 * @example
 * const { best, recommendation } = await storedBest(storage, record.id, "minimize");
 */
export async function storedBest(storage: Storage, studyId: number, direction: Direction): Promise<StoredBest> {
  const feasible = feasibilityRule([], await isConstrainedStoredStudy(storage, studyId));
  const eligible = (t: FrozenTrial) => t.state === "complete" && t.values !== null && feasible(t);
  const byValue = await firstMatch(storage, studyId, { states: ["complete"], order: direction }, eligible);
  if (!byValue) {
    const trials = await findTrials(storage, studyId, {});
    return { best: bestFeasibleTrial(trials, direction, feasible), recommendation: recommendedTrial(trials, direction), leastViolating: leastViolatingTrial(trials) };
  }
  // bestFeasibleTrial keeps the first eligible trial unless a later one is strictly better, which
  // nothing is than a NaN (or missing) value: such a first trial stays the best.
  const first = (await firstMatch(storage, studyId, { states: ["complete"] }, eligible))!;
  const best = unorderedFirstValue(first.values!) ? first : byValue;
  const modelled = await latestStoredRecommendation(storage, studyId, eligible);
  return { best, recommendation: recommendationOf(modelled, () => best), leastViolating: undefined };
}

/**
 * Whether a stored study is constrained, as `isConstrainedStudy` decides over all of its trials:
 * read from its complete trials that store constraints, up to the first that stores a list (the
 * first one alone, when malformed, said no for a study that is).
 *
 * @example
 * const feasible = feasibilityRule([], await isConstrainedStoredStudy(storage, record.id));
 */
export async function isConstrainedStoredStudy(storage: Storage, studyId: number): Promise<boolean> {
  const first = await firstMatch(storage, studyId, { states: ["complete"], withSystemAttr: CONSTRAINTS_ATTR }, reportsConstraints);
  return first !== undefined;
}

/**
 * Whether a trial's first value has no place on the value scale: NaN, or no number at all. Such a
 * value is never beaten and never beats, so a first eligible trial with one stays the best.
 *
 * @example
 * unorderedFirstValue([Number.NaN]) // true
 */
export function unorderedFirstValue(values: readonly number[]): boolean {
  const first: unknown = values[0];
  return typeof first !== "number" || Number.isNaN(first);
}

/**
 * The first trial in `query`'s order that passes `test`, read in pages that grow 16-fold (trials
 * that fail, such as infeasible ones with the best values, are read again with the next page).
 */
async function firstMatch(storage: Storage, studyId: number, query: TrialQuery, test: (trial: FrozenTrial) => boolean): Promise<FrozenTrial | undefined> {
  for (let limit = 16; ; limit *= 16) {
    const page = await findTrials(storage, studyId, { ...query, limit });
    const found = page.find(test);
    if (found || page.length < limit) return found;
  }
}

/** What `latestRecommendation` finds among all trials, read from the trials that hold a model's record, newest first. */
async function latestStoredRecommendation(
  storage: Storage,
  studyId: number,
  eligible: (trial: FrozenTrial) => boolean,
): Promise<{ trial: FrozenTrial; record: RecommendationRecord } | undefined> {
  for (let limit = 16; ; limit *= 16) {
    const page = await findTrials(storage, studyId, { withSystemAttr: RECOMMENDED_TRIAL_ATTR, reverse: true, limit });
    const records = page.map((t) => readRecommendationRecord(t.systemAttrs));
    const numbers = [...new Set(records.flatMap((record) => (record ? [record.trial] : [])))];
    const recommended = new Map((numbers.length === 0 ? [] : await findTrials(storage, studyId, { numbers })).map((t) => [t.number, t]));
    for (const record of records) {
      const trial = record && recommended.get(record.trial);
      if (record && trial && eligible(trial)) return { trial, record };
    }
    if (page.length < limit) return undefined;
  }
}
