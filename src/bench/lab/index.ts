/**
 * The benchmark lab: run optimizers (Sextant samplers and Optuna 3.1 references) on problem
 * suites in parallel, resumably; report with statistics people can trust; and the protocols of
 * carps, AlgoPerf and Eimer et al. (2023) as library calls.
 *
 * @example
 * const { results } = await runBenchmark({ problems: SUITES.smoke, optimizers: ["auto", "random", "optuna-tpe"], trials: 50, seeds: [0, 1, 2], outDir: "lab-out" });
 * await writeReport("lab-out");
 */
export { runBenchmark, readResults, readRunSettings, BenchmarkInputError, MAX_TRIALS_PER_RUN, renameOptionsInError, RESULTS_FILE, RUN_FILE, type BenchmarkOptions, type BenchmarkOutcome, type BenchmarkProgress, type RunSettings } from "./runner.js";
export { writeReport, type WrittenReport } from "./report.js";
export { NO_INCUMBENT_REGRET, runJob, runKey, type Job, type RunResult } from "./run-one.js";
export { parseOptimizerList, parseOptimizerSpec, OptimizerSpecError, OPTUNA_OPTIMIZERS, OPTUNA_PRUNERS, type OptimizerSpec, type PrunerSpec } from "./optimizers.js";
export { optunaUnavailableReason } from "./optuna.js";
export { SUITES, SPLIT_DISCREPANCY, SPLIT_STRATA } from "./suites.js";
export { NAMED_SUITES, SUITE_OPTIMIZERS } from "./named-suites.js";
export {
  averageRanks,
  chiSquareSurvival,
  cliques,
  friedmanFromAverageRanks,
  friedmanTest,
  fSurvival,
  NEMENYI_Q_05,
  nemenyiCriticalDifference,
  spearman,
  starDiscrepancy,
  type FriedmanResult,
} from "./stats.js";
export {
  defaultsEverywhere,
  meanNormalizedScores,
  performancePoints,
  referencePerformancePoints,
  performanceProfiles,
  proportionalQuotas,
  rankTransform,
  selectRepresentativeSubset,
  splitDevTest,
  trialsToTarget,
  tuneThenTest,
  noRunMessage,
  TUNING_FOLDER,
  TEST_FOLDER,
  BenchmarkRunsFailedError,
  type DefaultsSearch,
  type DevTestSplit,
  type PerformancePoint,
  type PerformanceProfile,
  type TuneTestOutcome,
} from "./protocols.js";
export { curveRegret, normalizedScore, quantile, rebaseOnBestReached, REGRET_FLOOR, type Rebase } from "./summary.js";
export { PROBLEM_GROUPS, problemGroups, rebaseReferenceProblems, referenceOptimumProblems, splitStratum } from "./groups.js";
export { countBoundProposals, parametersOnBound, type BoundCounts } from "./bounds.js";
