import { describe, expect, it } from "vitest";
import { optimizerIdentity, parseOptimizerList, parseOptimizerSpec } from "./optimizers.js";

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

  it("knows one optimizer whatever the spelling of its options, its sampler's and its pruner's", () => {
    const same = (a: string, b: string): boolean => optimizerIdentity(parseOptimizerSpec(a)) === optimizerIdentity(parseOptimizerSpec(b));
    expect(same("tpe:n_startup_trials=5:multivariate=true", "tpe:multivariate=yes:nStartupTrials=5")).toBe(true);
    expect(same("tpe+asha:minResource=1", "tpe+asha:min_resource=1")).toBe(true);
    expect(same("optuna-tpe:nStartupTrials=5", "optuna-tpe:n_startup_trials=5")).toBe(true);
    expect(same("tpe:n_startup_trials=5", "tpe:n_startup_trials=6")).toBe(false);
    expect(same("tpe", "tpe+asha")).toBe(false);
    expect(same("tpe", "optuna-tpe")).toBe(false);
    expect(() => parseOptimizerList("tpe:n_startup_trials=5,random,tpe:nStartupTrials=5")).toThrow(
      /optimizers: "tpe:n_startup_trials=5" and "tpe:nStartupTrials=5" are the same optimizer, its options spelled two ways; list it once/,
    );
  });

  it("takes tpe:magicClipExponent=null, Optuna's magic clip, as the CLI and new TPESampler do", () => {
    expect(parseOptimizerSpec("tpe:magicClipExponent=null").options).toEqual({ magicClipExponent: "null" });
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

  it("checks Optuna options against Optuna 3.1's keywords, naming the option, and hands them to the driver as JSON", () => {
    expect(() => parseOptimizerSpec("optuna-tpe:n_startup_trial=5")).toThrow(/optuna-tpe sampler: unknown option "n_startup_trial" \(did you mean "n_startup_trials"\?\); valid options: /);
    expect(() => parseOptimizerSpec("optuna-tpe:multivariate=maybe")).toThrow(/optuna-tpe sampler: option "multivariate" must be true or false, got "maybe"/);
    expect(() => parseOptimizerSpec("optuna-tpe:n_startup_trials=ten")).toThrow(/option "n_startup_trials" must be an integer >= 0, got "ten"/);
    expect(() => parseOptimizerSpec("optuna-tpe:group=true")).toThrow(/option "group" needs multivariate=true/);
    // The driver sets these: given again, Python would fail with "multiple values for keyword argument".
    expect(() => parseOptimizerSpec("optuna-tpe-mv:multivariate=true")).toThrow(/optuna-tpe-mv sampler: unknown option "multivariate"/);
    expect(() => parseOptimizerSpec("optuna-random:seed=3")).toThrow(/"optuna-random:seed=3" sets seed; the runner sets it/);
    expect(() => parseOptimizerSpec("optuna-qmc:qmc_type=halto")).toThrow(/option "qmc_type" must be one of sobol, halton, got "halto"/);
    expect(() => parseOptimizerSpec("optuna-tpe+optuna-asha:reduction_factor=1")).toThrow(/optuna-asha pruner: option "reduction_factor" must be an integer >= 2, got "1"/);
    expect(() => parseOptimizerSpec("optuna-tpe+optuna-median:n_warmup_step=3")).toThrow(/optuna-median pruner: unknown option "n_warmup_step" \(did you mean "n_warmup_steps"\?\)/);
    // Optuna's keyword names, whatever the spelling; values the way json.loads reads them back.
    expect(parseOptimizerSpec("optuna-tpe:nStartupTrials=5:multivariate=yes:prior_weight=0.5").options).toEqual({ n_startup_trials: "5", multivariate: "true", prior_weight: "0.5" });
    expect(parseOptimizerSpec("optuna-qmc:qmc_type=halton").options).toEqual({ qmc_type: '"halton"' });
    expect(parseOptimizerSpec("optuna-tpe+optuna-asha:min_resource=1:reduction_factor=3").pruner).toEqual({ name: "optuna-asha", options: { min_resource: "1", reduction_factor: "3" } });
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
