/**
 * The benchmark lab's problems: synthetic functions from the literature with their known optima,
 * seeded random instances of them, and noisy, mixed and conditional variants (synchronous,
 * {@link createProblem}); YAHPO Gym surrogates and real commands (asynchronous, with a reference
 * value instead of a known optimum); multi-fidelity problems run over their budget axis and
 * multi-objective ones scored by hypervolume; {@link createLabProblem} gives any of them.
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
  isAsyncProblem,
  isFidelityProblem,
  isMultiObjectiveProblem,
  isReferenceOptimum,
  randomProblemParams,
  PROBLEM_TAGS,
  ProblemInputError,
  suggestProblemParams,
  syntheticBoxFunction,
  type AsyncProblem,
  type BoxProblemOptions,
  type FidelityProblem,
  type LabProblemLayout,
  type MultiObjectiveLabProblem,
  type SingleObjectiveProblem,
  type LabProblem,
  type ProblemFidelity,
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
export { createLabProblem, createProblem, labProblemNames, problemNames, type CreateProblemOptions } from "./registry.js";
export { commandProblem, CommandProblemError, findSklearnPython, reportedValue, type CommandProblemOptions, type CommandProgram } from "./command.js";
export { PROBLEM_REFERENCES, referenceFor, type ProblemReference } from "./references.js";
export { SKLEARN_PROBLEMS, sklearnProblem, type SklearnProblemSpec } from "./sklearn.js";
export { YAHPO_PROBLEM_SETS, yahpoHeldOutProblemNames, yahpoProblem, yahpoProblemInstances, yahpoProblemName, type YahpoProblemSet } from "./yahpo.js";
export {
  augmentedBranin,
  augmentedBraninPoloczek,
  augmentedBraninProblem,
  curveOf,
  hashNoise,
  learningCurves,
  learningCurvesProblem,
  surrogateFidelityProblem,
  type StepProblem,
} from "./fidelity.js";
export { MULTIOBJECTIVE_PROBLEM_NAMES, multiObjectiveProblem } from "./multiobjective.js";
