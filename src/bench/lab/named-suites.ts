/**
 * Hand-written suites of the benchmark lab, beside the generated carps split of `suites.ts`: a
 * smoke suite, and the problems of the older benchmark scripts (`bench:samplers`,
 * `bench:pruning`, `bench:multiobjective`) so that one harness runs them all. Each of these has
 * default optimizers, used when `sextant bench run` is given no `--optimizers`.
 */

/** Suites by name. */
export const NAMED_SUITES: Readonly<Record<string, readonly string[]>> = {
  /** A few quick problems of every kind, for trying the lab out. */
  smoke: ["branin-2d", "hartmann3-3d-noisy", "levy-5d-int", "conditional-ackley-rastrigin-levy-5d"],
  /** The seven functions of `bench:samplers`, as registry problems (seeded instances). */
  samplers: ["branin-2d", "hartmann3-3d", "hartmann6-6d", "ackley-5d", "rosenbrock-5d", "levy-10d", "styblinski_tang-10d"],
  /** The same seven under their earlier name. */
  samplers7: ["branin-2d", "hartmann3-3d", "hartmann6-6d", "ackley-5d", "rosenbrock-5d", "levy-10d", "styblinski_tang-10d"],
  /** The problems of `bench:pruning`; budgets are in fidelity units (`--trials N` = N full trials' worth). */
  pruning: ["learning-curves-3d-fidelity", "augmented-branin-2d-fidelity", "yahpo-lcbench-3945-fidelity"],
  /** The problems of `bench:multiobjective`; regret is hypervolume regret. */
  multiobjective: ["zdt1-6d", "zdt2-6d", "dtlz2-6d-3obj", "branin-currin-2d", "constrained-branin-currin-2d"],
  /**
   * Real workloads no default was chosen on: YAHPO surrogates of instances the project had not used
   * before (the held-out instances of `yahpo.ts`; LCBench networks, XGBoost and decision trees
   * from rbv2, glmnet from iaml). For reporting only.
   */
  "surrogates-heldout": [
    "yahpo-lcbench-167168",
    "yahpo-lcbench-167181",
    "yahpo-lcbench-167184",
    "yahpo-rbv2_xgboost-470",
    "yahpo-rbv2_xgboost-1487",
    "yahpo-rbv2_xgboost-40499",
    "yahpo-rbv2_rpart-4134",
    "yahpo-rbv2_rpart-40927",
    "yahpo-rbv2_rpart-1220",
    "yahpo-iaml_glmnet-1067",
  ],
};

/**
 * The optimizers a suite runs when none are given: those its benchmark script compared, Optuna's
 * references included.
 */
const SAMPLERS_OPTIMIZERS = ["auto", "tpe", "gp", "cmaes", "random", "optuna-tpe", "optuna-tpe-mv", "optuna-random"];

export const SUITE_OPTIMIZERS: Readonly<Record<string, readonly string[]>> = {
  samplers: SAMPLERS_OPTIMIZERS,
  /** The same suite under its earlier name runs the same optimizers. */
  samplers7: SAMPLERS_OPTIMIZERS,
  pruning: [
    "tpe",
    "tpe+median",
    "tpe+asha:minResource=1:reductionFactor=3",
    "tpe+hyperband:minResource=1:reductionFactor=3",
    "tpe+curve",
    "optuna-tpe",
    "optuna-tpe+optuna-asha:min_resource=1:reduction_factor=3",
    "optuna-tpe+optuna-hyperband:min_resource=1:reduction_factor=3",
  ],
  multiobjective: ["auto", "nsga2", "tpe", "random", "optuna-nsga2", "optuna-motpe", "optuna-random"],
  "surrogates-heldout": ["auto", "tpe", "random", "optuna-tpe", "optuna-tpe-mv"],
};
