export type { Sampler } from "./base.js";
export { SamplerExhaustedError } from "./base.js";
export { RandomSampler, sampleUniform } from "./random.js";
export { createSamplerByName, registerSampler, samplerNames, type SamplerOptions } from "./registry.js";
