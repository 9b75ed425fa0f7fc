#!/usr/bin/env node
/**
 * Writes test/fixtures/yahpo-reference.json: surrogate outputs for a few configurations per
 * scenario, computed WITHOUT Sextant's encoder and WITHOUT onnxruntime-web. Each configuration's
 * input rows (x_cont, x_cat) are written out below by hand from YAHPO Gym's rules (continuous
 * values in `cont_names` order as they are, inactive ones 0; categorical values as their
 * `encoding.json` codes in `cat_names` order, inactive ones `#na#` = 0), and run with the native
 * ONNX Runtime (`onnxruntime-node`). The test then checks that Sextant's encoder produces the same
 * rows from the configurations, and onnxruntime-web the same outputs.
 *
 * onnxruntime-node is not a dependency (its install script fetches CUDA files); install it in a
 * scratch folder and point at it:
 *   mkdir /tmp/ortnode && cd /tmp/ortnode && npm init -y && ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0
 *   ORT_NODE_DIR=/tmp/ortnode/node_modules/onnxruntime-node node scripts/yahpo-fixture.mjs
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const dir = process.env.ORT_NODE_DIR;
if (!dir) throw new Error("set ORT_NODE_DIR to an installed onnxruntime-node package (see the header of this script)");
const ort = createRequire(import.meta.url)(dir);

const cases = [
  {
    scenario: "lcbench",
    instance: "3945",
    fidelity: 52,
    config: { batch_size: 91, learning_rate: 0.0031622777, momentum: 0.545, weight_decay: 0.050005, num_layers: 3, max_units: 256, max_dropout: 0.5 },
    // epoch, batch_size, learning_rate, momentum, weight_decay, num_layers, max_units, max_dropout | OpenML_task_id "3945" = 34
    xCont: [52, 91, 0.0031622777, 0.545, 0.050005, 3, 256, 0.5],
    xCat: [34],
  },
  {
    scenario: "lcbench",
    instance: "7593",
    fidelity: 1,
    config: { batch_size: 16, learning_rate: 0.1, momentum: 0.99, weight_decay: 0.00001, num_layers: 1, max_units: 1024, max_dropout: 0 },
    xCont: [1, 16, 0.1, 0.99, 0.00001, 1, 1024, 0],
    xCat: [35],
  },
  {
    scenario: "rbv2_xgboost",
    instance: "40981",
    fidelity: 1,
    config: { booster: "gblinear", alpha: 1, lambda: 1, nrounds: 144, subsample: 0.55, "num.impute.selected.cpo": "impute.mean" },
    // nrounds, eta, gamma, lambda, alpha, subsample, max_depth, min_child_weight, colsample_bytree, colsample_bylevel, rate_drop, skip_drop, trainsize, repl
    // task_id "40981" = 76, booster gblinear = 2, impute.mean = 2; the tree parameters are inactive: 0
    xCont: [144, 0, 0, 1, 1, 0.55, 0, 0, 0, 0, 0, 0, 1, 10],
    xCat: [76, 2, 2],
  },
  {
    scenario: "rbv2_xgboost",
    instance: "16",
    fidelity: 0.25,
    config: {
      booster: "dart", alpha: 0.01, lambda: 50, nrounds: 1000, subsample: 0.9, "num.impute.selected.cpo": "impute.hist",
      eta: 0.05, gamma: 0.001, max_depth: 6, min_child_weight: 3, colsample_bytree: 0.7, colsample_bylevel: 0.6, rate_drop: 0.1, skip_drop: 0.4,
    },
    xCont: [1000, 0.05, 0.001, 50, 0.01, 0.9, 6, 3, 0.7, 0.6, 0.1, 0.4, 0.25, 10],
    xCat: [37, 1, 1],
  },
  {
    scenario: "rbv2_rpart",
    instance: "41163",
    fidelity: 1,
    config: { cp: 0.01, maxdepth: 30, minbucket: 1, minsplit: 20, "num.impute.selected.cpo": "impute.median" },
    // cp, maxdepth, minbucket, minsplit, trainsize, repl | task_id "41163" = 93, impute.median = 3
    xCont: [0.01, 30, 1, 20, 1, 10],
    xCat: [93, 3],
  },
  {
    scenario: "iaml_glmnet",
    instance: "1489",
    fidelity: 0.5,
    config: { alpha: 0.25, s: 0.001 },
    // alpha, s, trainsize | task_id "1489" = 2
    xCont: [0.25, 0.001, 0.5],
    xCat: [2],
  },
];

const out = [];
for (const c of cases) {
  const session = await ort.InferenceSession.create(readFileSync(new URL(`../data/yahpo/${c.scenario}/model.onnx`, import.meta.url)));
  const result = await session.run({
    x_cont: new ort.Tensor("float32", Float32Array.from(c.xCont), [1, c.xCont.length]),
    x_cat: new ort.Tensor("int32", Int32Array.from(c.xCat), [1, c.xCat.length]),
  });
  out.push({ ...c, output: Array.from(result[session.outputNames[0]].data) });
}
const header = { note: "written by scripts/yahpo-fixture.mjs: hand-encoded rows run with onnxruntime-node", onnxruntimeNode: ort.env.versions?.common ?? "unknown" };
writeFileSync(new URL("../test/fixtures/yahpo-reference.json", import.meta.url), JSON.stringify({ ...header, cases: out }, null, 1) + "\n");
console.log(`wrote ${out.length} cases`);
