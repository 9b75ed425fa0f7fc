export type { Sampler } from "./base.js";
export { SamplerExhaustedError } from "./base.js";
export { RandomSampler, sampleUniform } from "./random.js";
