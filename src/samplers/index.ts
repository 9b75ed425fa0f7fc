export type { Sampler } from "./base.js";
export { SamplerExhaustedError } from "./base.js";
export { RandomSampler, sampleUniform } from "./random.js";
export { CmaEsSampler, createCmaEsSamplerFromOptions, type CmaEsSamplerOptions } from "./cmaes/index.js";
export { CemSampler, createCemSamplerFromOptions, type CemSamplerOptions } from "./cem/index.js";
export { SamplerOptionError, parseSamplerOptions } from "./options.js";
export { createSamplerByName, registerSampler, samplerNames, type SamplerOptions } from "./registry.js";
