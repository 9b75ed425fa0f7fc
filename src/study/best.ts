/**
 * The best and the recommended trial of a single-objective study, as pure functions of its trials:
 * `Study.bestTrial` / `Study.recommendation` and the server's routes (the API's study detail and the
 * dashboard's summary) all read them from here, so every view names the same trials.
 *
 * @module
 */
import { feasibilityRule } from "../analysis/index.js";
import { type Recommendation, latestRecommendation, noiseIsMaterial } from "../samplers/index.js";
import { type Direction, type FrozenTrial, isBetter } from "../space/index.js";

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
  if (modelled && noiseIsMaterial(modelled.record)) return { trial: modelled.trial, source: "model", record: modelled.record };
  const best = bestFeasibleTrial(trials, direction, feasible);
  return best && { trial: best, source: "best observed", ...(modelled ? { setAside: modelled.record } : {}) };
}
