/**
 * YAHPO Gym surrogate benchmarks: four scenarios (LCBench, rbv2_xgboost, rbv2_rpart, iaml_glmnet)
 * whose surrogate models ship with Sextant and run with ONNX Runtime for WebAssembly.
 *
 * @example
 * const xgboost = await loadYahpoScenario("rbv2_xgboost");
 * const [a, b] = await xgboost.evaluateBatch([
 *   { config: { booster: "gblinear", alpha: 1, lambda: 1, nrounds: 100, subsample: 0.8, "num.impute.selected.cpo": "impute.mean" }, instance: "40981" },
 *   { config: { booster: "gblinear", alpha: 1, lambda: 1, nrounds: 100, subsample: 0.8, "num.impute.selected.cpo": "impute.mean" }, instance: "40981", fidelity: 0.1 },
 * ]);
 */
export {
  encodeConfiguration,
  isYahpoParamActive,
  YahpoInputError,
  type EncodedConfiguration,
  type YahpoCondition,
  type YahpoEncoder,
  type YahpoFidelity,
} from "./encoding.js";
export {
  DEFAULT_YAHPO_DATA_DIR,
  describeYahpoScenario,
  loadYahpoScenario,
  yahpoEncoder,
  type LoadedYahpoScenario,
  type LoadYahpoOptions,
  type YahpoRequest,
  type YahpoScenario,
} from "./scenario.js";
export { isYahpoScenarioName, YAHPO_SCENARIO_NAMES, YAHPO_SCENARIOS, type YahpoScenarioName, type YahpoScenarioSpec } from "./scenarios.js";
