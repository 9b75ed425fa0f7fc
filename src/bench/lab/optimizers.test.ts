import { describe, expect, it } from "vitest";
import { parseOptimizerList, parseOptimizerSpec } from "./optimizers.js";

describe("optimizer specs", () => {
  it("reads Sextant samplers with options and Optuna references", () => {
    expect(parseOptimizerSpec("tpe:multivariate=true:n_startup_trials=5")).toEqual({
      kind: "sextant",
      label: "tpe:multivariate=true:n_startup_trials=5",
      sampler: "tpe",
      options: { multivariate: "true", n_startup_trials: "5" },
    });
    expect(parseOptimizerSpec("optuna-tpe-mv")).toEqual({ kind: "optuna", label: "optuna-tpe-mv", sampler: "optuna-tpe-mv", options: {} });
    expect(parseOptimizerList("auto, random,optuna-qmc").map((s) => s.label)).toEqual(["auto", "random", "optuna-qmc"]);
  });

  it("names what is wrong", () => {
    expect(() => parseOptimizerSpec("tpx")).toThrow(/optimizers: unknown optimizer "tpx"; Sextant samplers: .*tpe.*; Optuna references: optuna-tpe/);
    expect(() => parseOptimizerSpec("tpe:gamma")).toThrow(/option "gamma" of "tpe:gamma" must read key=value/);
    expect(() => parseOptimizerSpec("tpe:n_startup_trials=-3")).toThrow(/n_startup_trials|nStartupTrials/);
    expect(() => parseOptimizerSpec("random:seed=3")).toThrow(/sets seed; the runner sets it/);
    expect(() => parseOptimizerList("tpe,tpe")).toThrow(/"tpe" is listed twice/);
    expect(() => parseOptimizerSpec("tpe+prune")).toThrow(/unknown pruner "prune" in "tpe\+prune"/);
    expect(() => parseOptimizerSpec("tpe+asha:reductionFactor=1")).toThrow(/reductionFactor|reduction_factor/);
    expect(() => parseOptimizerSpec("optuna-tpe+asha")).toThrow(/an Optuna sampler takes an Optuna pruner/);
    expect(() => parseOptimizerSpec("tpe+asha+median")).toThrow(/more than one pruner/);
  });

  it("reads a pruner after +, for Sextant and Optuna", () => {
    expect(parseOptimizerSpec("tpe+hyperband:reductionFactor=3")).toEqual({
      kind: "sextant",
      label: "tpe+hyperband:reductionFactor=3",
      sampler: "tpe",
      options: {},
      pruner: { name: "hyperband", options: { reductionFactor: "3" } },
    });
    expect(parseOptimizerSpec("optuna-tpe+optuna-asha").pruner).toEqual({ name: "optuna-asha", options: {} });
  });
});
