/**
 * NSGA-III (Deb and Jain 2014) with Das–Dennis reference directions. The folder's public door.
 */
export { NSGAIIISampler, NSGA3_OPTIONS, createNSGAIIISamplerFromOptions, referenceDirectionSurvival, type NSGAIIISamplerOptions } from "./nsga3.js";
export { countReferenceDirections, dasDennisDirections, defaultDivisions } from "./reference-directions.js";
