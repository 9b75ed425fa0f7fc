/**
 * Analysis of finished studies shared by samplers, the CLI and the dashboard: Pareto ranking,
 * constrained domination and exact hypervolume. The folder's public door.
 */
export {
  CONSTRAINTS_ATTR,
  type NonDominatedSorting,
  constrainedDominates,
  crowdingDistance,
  dominatesLosses,
  isFeasible,
  feasibilityRule,
  feasibleParetoFront,
  joinFront,
  isConstrainedStudy,
  nonDominatedSort,
  paretoFrontIndices,
  leadingFrontIndices,
  readableConstraints,
  satisfiesStoredConstraints,
  toLosses,
  totalViolation,
  trialConstraints,
} from "./pareto.js";
export { type LossVector, greedyHypervolumeSubset, hypervolume, hypervolumeContributions } from "./hypervolume.js";
export {
  type ImportanceMethod,
  type ImportanceOptions,
  type ImportanceResult,
  type ParamImportance,
  IMPORTANCE_METHODS,
  ImportanceError,
  importance,
  spanningDistribution,
  spearman,
} from "./importance.js";
export { type Forest, type ForestData, type ForestOptions, type RegressionTree, ForestOptionError, fitForest, predictForest } from "./forest.js";
export { type BeliefGrid, type BeliefOptions, type BeliefSlice, BeliefError, modelBeliefs } from "./beliefs.js";
export {
  type EcdfPoint,
  type HistoryPoint,
  type HypervolumeHistory,
  type TimelineTrial,
  type WorkerTimeline,
  bestSoFar,
  hypervolumeHistory,
  trialsPerWorker,
  valueEcdf,
} from "./summaries.js";
