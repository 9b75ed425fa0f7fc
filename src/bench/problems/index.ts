/**
 * The benchmark lab's problems: synthetic functions from the literature with their known optima,
 * seeded random instances of them, and noisy, mixed and conditional variants.
 *
 * @example
 * for (const name of problemNames(["noiseless"])) {
 *   const problem = createProblem(name, { seed: 0 });
 *   console.log(name, problem.dimension, problem.optimum);
 * }
 */
export { SYNTHETIC_FUNCTIONS, type KnownOptimum, type SyntheticFunction } from "./synthetic.js";
export { canRotate, randomInstance, randomOrthogonalMatrix, type BoxFunction, type InstanceOptions } from "./instances.js";
export {
  boxProblem,
  coordinateName,
  isActive,
  PROBLEM_TAGS,
  ProblemInputError,
  suggestProblemParams,
  syntheticBoxFunction,
  type BoxProblemOptions,
  type ParamCondition,
  type Problem,
  type ProblemParams,
  type ProblemSplit,
  type ProblemTag,
} from "./problem.js";
export {
  BRANCH_PARAM,
  conditionalProblem,
  SCALE_PARAM,
  scaledInputProblem,
  withNoise,
  type Branch,
  type NoiseKind,
  type NoiseOptions,
} from "./variants.js";
export { createProblem, problemNames, type CreateProblemOptions } from "./registry.js";
