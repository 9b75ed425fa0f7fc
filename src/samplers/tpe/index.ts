export {
  TPESampler,
  TPE_OPTIONS,
  type TPESamplerOptions,
  createTPESamplerFromOptions,
  defaultGamma,
  defaultWeights,
  hyperoptGamma,
  linearGamma,
} from "./tpe.js";
