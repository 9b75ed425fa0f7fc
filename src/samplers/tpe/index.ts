export {
  TPESampler,
  type TPESamplerOptions,
  createTPESamplerFromOptions,
  defaultGamma,
  defaultWeights,
  hyperoptGamma,
  linearGamma,
} from "./tpe.js";
