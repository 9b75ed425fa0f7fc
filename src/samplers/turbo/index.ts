/**
 * TuRBO-1, trust-region Bayesian optimisation for many dimensions (Eriksson et al. 2019): the
 * `turbo` sampler and the pure functions its state and proposals are made of.
 *
 * @example
 * import { TurboSampler } from "./samplers/turbo/index.js";
 * const sampler = new TurboSampler({ seed: 1 });
 *
 * @module
 */
export {
  TurboSampler,
  TURBO_OPTIONS,
  type TurboSamplerOptions,
  type TrustRegionEvent,
  type TrustRegionSettings,
  type TrustRegionState,
  ThompsonSample,
  createTurboSamplerFromOptions,
  replayTrustRegion,
  trustRegionBounds,
  trustRegionCandidates,
  trustRegionSettings,
} from "./turbo.js";
