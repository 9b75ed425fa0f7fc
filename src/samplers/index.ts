export type { IndependentSampling, Sampler } from "./base.js";
export { SamplerExhaustedError } from "./base.js";
export {
  MATERIAL_NOISE_SHARE,
  RECOMMENDED_TRIAL_ATTR,
  latestRecommendation,
  noiseIsMaterial,
  readRecommendationRecord,
  type Recommendation,
  type RecommendationRecord,
} from "./recommendation.js";
export { RandomSampler, RANDOM_OPTIONS, sampleUniform } from "./random.js";
export { CmaEsSampler, CMAES_OPTIONS, createCmaEsSamplerFromOptions, type CmaEsSamplerOptions } from "./cmaes/index.js";
export { CemSampler, createCemSamplerFromOptions, type CemSamplerOptions } from "./cem/index.js";
export {
  OptionError,
  OptionError as SamplerOptionError,
  type OptionSchema,
  type OptionSpec,
  type ParsedOptions,
  SEED_OPTION,
  defineOptions,
  parseOptions,
} from "../space/index.js";
export { GridSampler, GridMismatchError, gridFromSpace, createGridSamplerFromOptions, GRID_OPTIONS, type GridSamplerOptions, type GridSearchSpace } from "./grid.js";
export { SobolSampler, HaltonSampler, createSobolSamplerFromOptions, createHaltonSamplerFromOptions, QMC_OPTIONS, type QmcSamplerOptions } from "./qmc.js";
export * from "./tpe/index.js";
export { GPSampler, createGPSamplerFromOptions, type GPSamplerOptions } from "./gp/index.js";
export { TurboSampler, TURBO_OPTIONS, createTurboSamplerFromOptions, type TurboSamplerOptions } from "./turbo/index.js";
export { NSGAIISampler, NSGA2_OPTIONS, createNSGAIISamplerFromOptions, type NSGAIISamplerOptions } from "./nsga2/index.js";
export { NSGAIIISampler, createNSGAIIISamplerFromOptions, type NSGAIIISamplerOptions } from "./nsga3/index.js";
export { AutoSampler, AUTO_OPTIONS, type AutoSamplerOptions } from "./auto.js";
export { createSamplerByName, registerSampler, samplerNames, severalObjectiveSamplerNames, samplerEntries, type SamplerEntry, type SamplerOptions, type SamplerContext } from "./registry.js";
