export {
  TPESampler,
  type TPESamplerOptions,
  createTPESamplerFromOptions,
  defaultGamma,
  defaultWeights,
  hyperoptGamma,
} from "./tpe.js";
