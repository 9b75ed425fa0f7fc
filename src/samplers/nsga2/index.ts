/**
 * NSGA-II (Deb et al. 2002) and the generational engine the NSGA family shares. The folder's public door.
 */
export { NSGAIISampler, createNSGAIISamplerFromOptions, crowdingSurvival, NSGA2_OPTIONS, type NSGAIISamplerOptions } from "./nsga2.js";
export {
  GenerationalSampler,
  rankAndCrowdingTournament,
  selectByFronts,
  violationThenRandomTournament,
  type Candidates,
  type GenerationalOptions,
  type ParentTournament,
  type Survivors,
  type SurvivalSelection,
  type TournamentEntrants,
} from "./generations.js";
export { makeChild, polynomialMutation, simulatedBinaryCrossover, type VariationSettings } from "./operators.js";
