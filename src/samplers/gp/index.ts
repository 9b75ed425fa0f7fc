/**
 * Gaussian-process Bayesian optimisation: the `gp` sampler and the pieces it is built from.
 *
 * @example
 * import { GPSampler } from "./samplers/gp/index.js";
 * const sampler = new GPSampler({ seed: 1 });
 *
 * @module
 */
export { GPSampler, GP_OPTIONS, type GPSamplerOptions, type GPFidelityRule, GP_FIDELITY_RULES, type PendingStrategy, type AcquisitionKind, createGPSamplerFromOptions, scalarizeParEgo } from "./gp.js";
export { jointObservations, finalFidelitySurrogate, fidelityOf } from "./joint-fidelity.js";
export { type OutputWarping, type PriorMean, warpObservations } from "./model.js";
export { logExpectedImprovement } from "./acquisition.js";
export { encodeTrial, kernelFitPlan, FIT_MAX_OBSERVATIONS, FIT_MAX_OBSERVATIONS_OPTION, MIN_FIT_OBSERVATIONS } from "./gp.js";
export { GaussianProcess, type TrainingData, defaultPrior, defaultTheta, fitHyperparameters, parametersFromTheta } from "./model.js";
export { matern52 } from "./kernel.js";
