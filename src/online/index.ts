/**
 * Online tuning across a sequence of instances (Khodak et al. 2024, "Learning to Relax"): one
 * parameter chosen per instance from the costs of earlier ones, by an adversarial bandit
 * (Tsallis-INF, Exp3) or a contextual one (ChebCB) over a grid of the parameter's range.
 *
 * @example
 * const tuner = await createOnlineTuner({ parameter: { low: 1, high: 1.95 }, seed: 1, costScale: 500 });
 * const omega = await tuner.choose();
 * await tuner.observe(iterations);
 */
export {
  createOnlineTuner,
  loadOnlineTuner,
  gridValues,
  OnlineTuner,
  OnlineTunerError,
  OnlineTunerNameTakenError,
  OnlineTunerOrderError,
  OnlineTunerStaleRoundError,
  OnlineTunerSettingsError,
  describeSettingsConflict,
  type OnlineSettingDifference,
  ONLINE_ATTR,
  MAX_ONLINE_ARMS,
  type OnlineContextSpec,
  type OnlineParameter,
  type OnlineTunerOptions,
  type OnlineTunerRecord,
  type OnlineTunerStats,
} from "./tuner.js";
export { BANDIT_ALGORITHMS, type BanditAlgorithm, chebyshevFeatures, tsallisWeights, exponentialWeights, inverseGapWeights } from "./bandit.js";
