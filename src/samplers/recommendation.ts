/**
 * The recommended trial: the evaluated configuration a model believes best, as opposed to the one
 * that happened to return the best (possibly lucky, noisy) value. A sampler with a model records
 * its choice on the trial it is sampling, under {@link RECOMMENDED_TRIAL_ATTR}; the study reads the
 * most recent record back (`Study.recommendation`), so every storage keeps it as it keeps any
 * trial's system attributes.
 *
 * @module
 */
import type { FrozenTrial, JsonValue } from "../space/index.js";

/** The trial system attribute under which a model-based sampler records its recommended trial. */
export const RECOMMENDED_TRIAL_ATTR = "recommended";

/**
 * What a model-based sampler records as its recommendation: the evaluated trial with the best
 * posterior mean, the incumbent that Picheny et al. (2013), "A benchmark of kriging-based infill
 * criteria for noisy optimization", recommend over the best noisy observation (their kriging
 * quantile with β = 0.5, i.e. the mean).
 */
export interface RecommendationRecord {
  /** The number of the recommended trial. */
  readonly trial: number;
  /** The model's mean of the latent (noise-free) objective there. */
  readonly mean: number;
  /** The model's posterior standard deviation of the latent objective there. */
  readonly sd: number;
  /**
   * `"objective"`: `mean` and `sd` are in the objective's own units. `"model"`: in the model's
   * standardised (and warped) units, when the output warping cannot be undone linearly; only the
   * ordering of means is meaningful then.
   */
  readonly units: "objective" | "model";
  /** How many evaluated trials the model was fitted on. */
  readonly observations: number;
  /** The sampler that recorded it (e.g. "gp"). */
  readonly sampler: string;
}

/** A study's recommendation: from a model's record, or the best observed trial when no model made one. */
export interface Recommendation {
  readonly trial: FrozenTrial;
  /** `"model"`: the best posterior mean of the latest model fit; `"best observed"`: the fallback. */
  readonly source: "model" | "best observed";
  /** The model's record, when `source` is `"model"`. */
  readonly record?: RecommendationRecord;
}

/**
 * Reads a {@link RecommendationRecord} from a trial's system attributes; undefined if it has none or
 * it is malformed.
 *
 * @example
 * readRecommendationRecord(trial.systemAttrs); // { trial: 12, mean: 0.41, sd: 0.02, … } or undefined
 */
export function readRecommendationRecord(systemAttrs: Readonly<Record<string, JsonValue>>): RecommendationRecord | undefined {
  const value = systemAttrs[RECOMMENDED_TRIAL_ATTR];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const record = value as Record<string, JsonValue>;
  const { trial, mean, sd, units, observations, sampler } = record;
  if (typeof trial !== "number" || !Number.isInteger(trial) || trial < 0) return undefined;
  if (typeof mean !== "number" || typeof sd !== "number" || !Number.isFinite(mean) || !(sd >= 0)) return undefined;
  if (units !== "objective" && units !== "model") return undefined;
  return {
    trial,
    mean,
    sd,
    units,
    observations: typeof observations === "number" ? observations : 0,
    sampler: typeof sampler === "string" ? sampler : "",
  };
}

/**
 * The most recent model recommendation among `trials` (by trial number) whose recommended trial is
 * one of `eligible` (complete and feasible), or undefined.
 *
 * @example
 * latestRecommendation(study.trials, (n) => study.trials[n]?.state === "complete");
 */
export function latestRecommendation(
  trials: readonly FrozenTrial[],
  eligible: (trial: FrozenTrial) => boolean,
): { trial: FrozenTrial; record: RecommendationRecord } | undefined {
  const byNumber = new Map<number, FrozenTrial>();
  for (const t of trials) byNumber.set(t.number, t);
  let latest: { number: number; trial: FrozenTrial; record: RecommendationRecord } | undefined;
  for (const t of trials) {
    if (latest && t.number < latest.number) continue;
    const record = readRecommendationRecord(t.systemAttrs);
    if (!record) continue;
    const recommended = byNumber.get(record.trial);
    if (!recommended || !eligible(recommended)) continue;
    latest = { number: t.number, trial: recommended, record };
  }
  return latest && { trial: latest.trial, record: latest.record };
}
