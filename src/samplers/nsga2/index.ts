/**
 * NSGA-II (Deb et al. 2002) and the generational engine the NSGA family shares. The folder's public door.
 */
export { NSGAIISampler, createNSGAIISamplerFromOptions, crowdingSurvival, NSGA2_OPTIONS, type NSGAIISamplerOptions } from "./nsga2.js";
export {
  GenerationalSampler,
  selectByFronts,
  type Candidates,
  type GenerationalOptions,
  type Survivors,
  type SurvivalSelection,
} from "./generations.js";
export { makeChild, polynomialMutation, simulatedBinaryCrossover, type VariationSettings } from "./operators.js";
