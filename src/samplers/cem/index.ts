/**
 * The cross-entropy method (Rubinstein 1999; de Boer et al. 2005). The folder's public door.
 */
export { CemSampler, CEM_OPTIONS, createCemSamplerFromOptions, type CemSamplerOptions, type CemStatus } from "./cem.js";
