/**
 * What YAHPO Gym knows about each scenario besides its files: the order in which the surrogate
 * expects its continuous and categorical inputs, the names of its outputs, and which parameters
 * are the instance and the fidelity.
 *
 * The orders are those of YAHPO Gym's scenario definitions (`yahpo_gym/benchmarks/*.py`) for
 * the version of the ONNX files shipped in `data/yahpo/`. They are checked against the shapes
 * the ONNX files declare when a scenario is loaded, so a file from another version fails loudly
 * instead of returning numbers for shuffled inputs.
 */

/** The four scenarios shipped with Sextant. */
export const YAHPO_SCENARIO_NAMES = ["lcbench", "rbv2_xgboost", "rbv2_rpart", "iaml_glmnet"] as const;
export type YahpoScenarioName = (typeof YAHPO_SCENARIO_NAMES)[number];

export interface YahpoScenarioSpec {
  readonly name: YahpoScenarioName;
  /** Inputs of `x_cont`, in the order the surrogate reads them. */
  readonly contNames: readonly string[];
  /** Inputs of `x_cat`, in the order the surrogate reads them (integer codes from `encoding.json`). */
  readonly catNames: readonly string[];
  /** Outputs, in the order the surrogate writes them. */
  readonly targets: readonly string[];
  /** Targets where smaller is better; the others are maximized. */
  readonly minimize: readonly string[];
  /** The parameter that selects the instance (an OpenML task or data set). */
  readonly instanceParam: string;
  /** The fidelity Sextant exposes (for multi-fidelity optimizers); undefined when there is none. */
  readonly fidelityParam: string | undefined;
  /**
   * Fidelity parameters held constant. YAHPO's paper fixes rbv2's `repl` (the replication of
   * the resampling) at 10 for its experiments; Sextant does the same.
   */
  readonly constants: Readonly<Record<string, number>>;
}

const RBV2_TARGETS = ["acc", "bac", "auc", "brier", "f1", "logloss", "timetrain", "timepredict", "memory"];
const RBV2_MINIMIZE = ["brier", "logloss", "timetrain", "timepredict", "memory"];
const IAML_TARGETS = ["mmce", "f1", "auc", "logloss", "ramtrain", "rammodel", "rampredict", "timetrain", "timepredict", "mec", "ias", "nf"];

export const YAHPO_SCENARIOS: Readonly<Record<YahpoScenarioName, YahpoScenarioSpec>> = {
  lcbench: {
    name: "lcbench",
    contNames: ["epoch", "batch_size", "learning_rate", "momentum", "weight_decay", "num_layers", "max_units", "max_dropout"],
    catNames: ["OpenML_task_id"],
    targets: ["time", "val_accuracy", "val_cross_entropy", "val_balanced_accuracy", "test_cross_entropy", "test_balanced_accuracy"],
    minimize: ["time", "val_cross_entropy", "test_cross_entropy"],
    instanceParam: "OpenML_task_id",
    fidelityParam: "epoch",
    constants: {},
  },
  rbv2_xgboost: {
    name: "rbv2_xgboost",
    contNames: [
      "nrounds",
      "eta",
      "gamma",
      "lambda",
      "alpha",
      "subsample",
      "max_depth",
      "min_child_weight",
      "colsample_bytree",
      "colsample_bylevel",
      "rate_drop",
      "skip_drop",
      "trainsize",
      "repl",
    ],
    catNames: ["task_id", "booster", "num.impute.selected.cpo"],
    targets: RBV2_TARGETS,
    minimize: RBV2_MINIMIZE,
    instanceParam: "task_id",
    fidelityParam: "trainsize",
    constants: { repl: 10 },
  },
  rbv2_rpart: {
    name: "rbv2_rpart",
    contNames: ["cp", "maxdepth", "minbucket", "minsplit", "trainsize", "repl"],
    catNames: ["task_id", "num.impute.selected.cpo"],
    targets: RBV2_TARGETS,
    minimize: RBV2_MINIMIZE,
    instanceParam: "task_id",
    fidelityParam: "trainsize",
    constants: { repl: 10 },
  },
  iaml_glmnet: {
    name: "iaml_glmnet",
    contNames: ["alpha", "s", "trainsize"],
    catNames: ["task_id"],
    targets: IAML_TARGETS,
    minimize: IAML_TARGETS.filter((t) => t !== "f1" && t !== "auc"),
    instanceParam: "task_id",
    fidelityParam: "trainsize",
    constants: {},
  },
};

/**
 * Whether `name` is a shipped scenario.
 *
 * @example
 * isYahpoScenarioName("lcbench"); // true
 */
export function isYahpoScenarioName(name: string): name is YahpoScenarioName {
  return (YAHPO_SCENARIO_NAMES as readonly string[]).includes(name);
}
