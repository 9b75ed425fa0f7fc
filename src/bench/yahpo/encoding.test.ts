import { describe, expect, it } from "vitest";
import { buildEncoder, encodeConfiguration, isYahpoParamActive, YahpoInputError } from "./encoding.js";
import { describeYahpoScenario, yahpoEncoder } from "./scenario.js";
import { YAHPO_SCENARIOS } from "./scenarios.js";

const xgboost = yahpoEncoder("rbv2_xgboost");
const lcbench = yahpoEncoder("lcbench");
const gblinear = { booster: "gblinear", alpha: 1, lambda: 1, nrounds: 144, subsample: 0.55, "num.impute.selected.cpo": "impute.mean" };
const trees = { eta: 0.05, gamma: 0.001, max_depth: 6, min_child_weight: 3, colsample_bytree: 0.7, colsample_bylevel: 0.6 };
const lcConfig = { batch_size: 91, learning_rate: 0.0031622777, momentum: 0.545, weight_decay: 0.050005, num_layers: 3, max_units: 256, max_dropout: 0.5 };

describe("YAHPO scenario spaces", () => {
  it("turn ConfigSpace into Sextant distributions without instance, fidelity or constants, parents first", () => {
    const lc = describeYahpoScenario("lcbench");
    expect(lc.space.batch_size).toEqual({ type: "int", low: 16, high: 512, log: true });
    expect(lc.space.momentum).toEqual({ type: "float", low: 0.1, high: 0.99 });
    expect(Object.keys(lc.space)).not.toContain("epoch");
    expect(Object.keys(lc.space)).not.toContain("OpenML_task_id");
    expect(lc.fidelity).toEqual({ name: "epoch", min: 1, max: 52, integer: true });
    expect(lc.instances).toHaveLength(34);
    expect(lc.targets).toContain("val_accuracy");

    const x = describeYahpoScenario("rbv2_xgboost");
    expect(Object.keys(x.space)).not.toContain("repl");
    expect(Object.keys(x.space)).not.toContain("trainsize");
    expect(x.fidelity).toEqual({ name: "trainsize", min: 0.03, max: 1, integer: false });
    expect(x.conditions.rate_drop).toEqual({ parent: "booster", values: ["dart"] });
    const order = Object.keys(x.space);
    expect(order.indexOf("booster")).toBeLessThan(order.indexOf("eta"));
    expect(describeYahpoScenario("iaml_glmnet").space.s).toMatchObject({ type: "float", log: true });
  });

  it("decide activity from the parent's value", () => {
    expect(isYahpoParamActive(xgboost, "eta", { booster: "gblinear" })).toBe(false);
    expect(isYahpoParamActive(xgboost, "eta", { booster: "gbtree" })).toBe(true);
    expect(isYahpoParamActive(xgboost, "rate_drop", { booster: "gbtree" })).toBe(false);
    expect(isYahpoParamActive(xgboost, "alpha", { booster: "gbtree" })).toBe(true);
  });
});

describe("encodeConfiguration", () => {
  it("writes continuous values raw (log parameters too) in YAHPO's cont_names order, the fidelity included", () => {
    const row = encodeConfiguration(lcbench, lcConfig, "3945", 7);
    // epoch, batch_size, learning_rate, momentum, weight_decay, num_layers, max_units, max_dropout
    expect(row.xCont).toEqual([7, 91, 0.0031622777, 0.545, 0.050005, 3, 256, 0.5]);
    expect(row.xCat).toEqual([34]);
    expect(encodeConfiguration(lcbench, lcConfig, "3945").xCont[0]).toBe(52);
  });

  it("imputes inactive conditional parameters with 0 and #na#, and fixes repl at 10", () => {
    const row = encodeConfiguration(xgboost, gblinear, "40981");
    expect(row.xCont).toEqual([144, 0, 0, 1, 1, 0.55, 0, 0, 0, 0, 0, 0, 1, 10]);
    expect(row.xCat).toEqual([76, 2, 2]);
    const dart = encodeConfiguration(xgboost, { ...gblinear, ...trees, booster: "dart", rate_drop: 0.1, skip_drop: 0.4 }, "16", 0.25);
    expect(dart.xCont).toEqual([144, 0.05, 0.001, 1, 1, 0.55, 6, 3, 0.7, 0.6, 0.1, 0.4, 0.25, 10]);
    expect(dart.xCat).toEqual([37, 1, 2]);
    const gbtree = encodeConfiguration(xgboost, { ...gblinear, ...trees, booster: "gbtree" }, "16");
    expect(gbtree.xCont.slice(10, 12)).toEqual([0, 0]);
    expect(gbtree.xCat[1]).toBe(3);
  });

  it("ignores the order of the configuration's keys", () => {
    const reversed = Object.fromEntries(Object.entries(gblinear).reverse());
    expect(encodeConfiguration(xgboost, reversed, "40981")).toEqual(encodeConfiguration(xgboost, gblinear, "40981"));
  });

  it("names the parameter when a configuration is wrong", () => {
    const bad = (config: Record<string, unknown>, instance = "40981", fidelity?: number) => () => encodeConfiguration(xgboost, config, instance, fidelity);
    expect(bad({ ...gblinear, eta: 0.1 })).toThrow(/parameter "eta" is inactive when booster = "gblinear" \(active for dart, gbtree\)/);
    expect(bad({ ...gblinear, booster: "gbtree" })).toThrow(/parameter "colsample_bylevel" is missing/);
    expect(bad({ ...gblinear, nrounds: 1e6 })).toThrow(/parameter "nrounds" = 1000000 is outside \[7, 2981\]/);
    expect(bad({ ...gblinear, nrounds: 14.5 })).toThrow(/parameter "nrounds" must be an integer/);
    expect(bad({ ...gblinear, alpha: "1" })).toThrow(/parameter "alpha" must be a finite number, got "1"/);
    expect(bad({ ...gblinear, alpha: Number.NaN })).toThrow(/parameter "alpha" must be a finite number/);
    expect(bad({ ...gblinear, booster: "linear" })).toThrow(/parameter "booster" must be one of \["gblinear","gbtree","dart"\], got "linear"/);
    expect(bad({ ...gblinear, depth: 3 })).toThrow(/parameter "depth" is unknown/);
    expect(bad({ ...gblinear, task_id: "40981" })).toThrow(/"task_id" is the instance/);
    expect(bad({ ...gblinear, trainsize: 0.5 })).toThrow(/"trainsize" is the fidelity/);
    expect(bad({ ...gblinear, repl: 3 })).toThrow(/"repl" is fixed at 10/);
    expect(bad(gblinear, "99999")).toThrow(/instance "99999" is unknown/);
    expect(bad(gblinear, "40981", 2)).toThrow(/fidelity "trainsize" = 2 is outside \[0.03, 1\]/);
    expect(() => encodeConfiguration(lcbench, lcConfig, "3945", 2.5)).toThrow(/fidelity "epoch" must be an integer/);
    expect(bad(gblinear)).not.toThrow();
    expect(bad({ ...gblinear, eta: 0.1 })).toThrow(YahpoInputError);
  });

  it("refuses scenario files that do not match what the surrogate reads", () => {
    const spec = YAHPO_SCENARIOS.iaml_glmnet;
    const space = { hyperparameters: [{ name: "alpha", type: "uniform_float", lower: 0, upper: 1 }, { name: "s", type: "uniform_float", lower: 1e-4, upper: 1e3, log: true }, { name: "task_id", type: "categorical", choices: ["1489"] }, { name: "trainsize", type: "uniform_float", lower: 0.03, upper: 1 }] };
    expect(() => buildEncoder(spec, space, { task_id: { "#na#": 0, "1489": 2 } })).not.toThrow();
    expect(() => buildEncoder(spec, space, { task_id: { "#na#": 0 } })).toThrow(/"task_id" has no code for "1489"/);
    expect(() => buildEncoder(spec, { hyperparameters: space.hyperparameters.slice(1) }, { task_id: { "#na#": 0, "1489": 2 } })).toThrow(/input "alpha" is not a hyperparameter/);
    const ordinal = { hyperparameters: [...space.hyperparameters, { name: "x", type: "ordinal" }] };
    expect(() => buildEncoder(spec, ordinal, { task_id: { "#na#": 0, "1489": 2 } })).toThrow(/x.type "ordinal" is not supported/);
  });
});
