export type { Sampler } from "./base.js";
export { SamplerExhaustedError } from "./base.js";
export { RandomSampler, sampleUniform } from "./random.js";
export { CmaEsSampler, createCmaEsSamplerFromOptions, type CmaEsSamplerOptions } from "./cmaes/index.js";
export { CemSampler, createCemSamplerFromOptions, type CemSamplerOptions } from "./cem/index.js";
export { SamplerOptionError, parseSamplerOptions } from "./options.js";
export { GridSampler, gridFromSpace, createGridSamplerFromOptions, type GridSamplerOptions, type GridSearchSpace } from "./grid.js";
export { SobolSampler, HaltonSampler, createSobolSamplerFromOptions, createHaltonSamplerFromOptions, type QmcSamplerOptions } from "./qmc.js";
export { createSamplerByName, registerSampler, samplerNames, type SamplerOptions, type SamplerContext } from "./registry.js";
