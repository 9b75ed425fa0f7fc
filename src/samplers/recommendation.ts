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
  /**
   * The share of the observations' variance the model puts down to noise: its noise variance on
   * the standardised (and warped) values. Absent in records written before it was kept; see
   * {@link noiseIsMaterial}.
   */
  readonly noiseShare?: number;
}

/**
 * The least {@link RecommendationRecord.noiseShare} at which a model's recommendation stands in for
 * the best observed trial. The model's mean at an evaluated point can only stray from the
 * observation there by about the noise it has fitted, so a recommendation that beats the best
 * observed trial reorders trials whose observed values lie within a few noise deviations of each
 * other. Below 1% of the variance the noise deviation is under a tenth of the values' spread: the
 * model has judged the objective nearly deterministic (the default noise prior's interpolating
 * fits sit at 1e-4 and below, see `NoisePrior`), and for a deterministic objective the best
 * observation is exactly what rerunning its configuration gives, while the recommended trial's own
 * observation is worse. The quickstart (a seeded, hence deterministic, training script) showed
 * such a recommendation: trial 18 at 0.4378 against the best observed trial 3 at 0.4296.
 */
export const MATERIAL_NOISE_SHARE = 0.01;

/**
 * Whether a model's recommendation should be shown instead of the best observed trial: when the
 * model has fitted material noise ({@link MATERIAL_NOISE_SHARE}), or when the record predates
 * `noiseShare`.
 *
 * @example
 * noiseIsMaterial({ trial: 3, mean: 0.4, sd: 0.01, units: "objective", observations: 20, sampler: "gp", noiseShare: 1e-4 }); // false
 */
export function noiseIsMaterial(record: RecommendationRecord): boolean {
  return record.noiseShare === undefined || record.noiseShare >= MATERIAL_NOISE_SHARE;
}

/** A study's recommendation: from a model's record, or the best observed trial when no model made one. */
export interface Recommendation {
  readonly trial: FrozenTrial;
  /** `"model"`: the best posterior mean of the latest model fit; `"best observed"`: the fallback. */
  readonly source: "model" | "best observed";
  /** The model's record, when `source` is `"model"`. */
  readonly record?: RecommendationRecord;
  /**
   * With `source` `"best observed"`: the latest model record, set aside because the model's fitted
   * noise is not material ({@link noiseIsMaterial}); absent when no model made one.
   */
  readonly setAside?: RecommendationRecord;
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
  const { trial, mean, sd, units, observations, sampler, noiseShare } = record;
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
    ...(typeof noiseShare === "number" && noiseShare >= 0 ? { noiseShare } : {}),
  };
}

/**
 * The most recent model recommendation among `trials` (by trial number) whose recommended trial is
 * one of `eligible` (complete and feasible), or undefined.
 *
 * @example
 * latestRecommendation(study.trials, (trial) => trial.state === "complete");
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
