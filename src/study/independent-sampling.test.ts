import { describe, expect, it } from "vitest";
import { CmaEsSampler, type Sampler, TPESampler, createSamplerByName } from "../samplers/index.js";
import { MemoryStorage } from "../storage/index.js";
import { type Trial, createStudy } from "./index.js";

/** A study named "s" in `storage` whose warnings land in `warnings`: a new study object each call, as a resumed run makes. */
async function openStudy(storage: MemoryStorage, sampler: Sampler, warnings: string[]) {
  return createStudy({ name: "s", storage, sampler, loadIfExists: true, onWarning: (message) => warnings.push(message) });
}

describe("a parameter the sampler's joint model leaves out", () => {
  it("is said once per parameter and study object when a resumed run changes its range (cmaes)", async () => {
    const storage = new MemoryStorage();
    const warnings: string[] = [];
    const objective = (high: number) => (trial: Trial) => (trial.suggestFloat("x", -high, high) - 1) ** 2;
    const first = await openStudy(storage, new CmaEsSampler({ seed: 1 }), warnings);
    await first.optimize(objective(5), { nTrials: 40 });
    expect(warnings).toEqual([]);

    const resumed = await openStudy(storage, new CmaEsSampler({ seed: 1 }), warnings);
    await resumed.optimize(objective(10), { nTrials: 5 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      'trial 40: parameter "x" is sampled at random, not jointly by the cmaes sampler: it is asked for as {"type":"float","low":-10,"high":10}, ' +
        'but earlier trials asked for it as {"type":"float","low":-5,"high":5}, and the sampler models a parameter only with the distribution every earlier ' +
        'finished trial gave it. It stays out of the model for the rest of this study: keep one range for "x", or start a new study (a new study name; ' +
        "--study with sextant tune) for the new one. If its range follows another parameter by design, ask for a fixed range (a fraction in [0, 1], say) " +
        "and scale it by that parameter, so the model can take it. (Said once per parameter.)",
    );
    // Not at every trial: once per study object.
    await resumed.optimize(objective(10), { nTrials: 5 });
    expect(warnings).toHaveLength(1);
    const again = await openStudy(storage, new CmaEsSampler({ seed: 1 }), warnings);
    await again.optimize(objective(10), { nTrials: 2 });
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/^trial 50: parameter "x" is sampled at random, not jointly by the cmaes sampler: it is asked for as/);
  });

  it("is said of a parameter added mid-study once a few trials in a row have it, and again by a study object opened later", async () => {
    const storage = new MemoryStorage();
    const warnings: string[] = [];
    const sampler = () => new TPESampler({ seed: 2, multivariate: true, nStartupTrials: 5 });
    const study = await openStudy(storage, sampler(), warnings);
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 10 });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestFloat("z", 0, 1), { nTrials: 6 });
    // Trials 10 to 12 could be a branch first taken; from trial 13 on, three finished trials in a row have it.
    expect(warnings).toEqual([
      'trial 13: parameter "z" is sampled by univariate TPE, not jointly by the multivariate tpe sampler: it was added mid-study: the 10 finished trial(s) ' +
        "before trial 10 did not ask for it, the 3 from it on all did, and the sampler models only parameters that every earlier finished trial asked for. " +
        "It stays out of the model for the rest of this study: start a new study (a new study name; --study with sextant tune) to have it modelled. (Said once per parameter.)",
    ]);
    const resumed = await openStudy(storage, sampler(), warnings);
    await resumed.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestFloat("z", 0, 1), { nTrials: 1 });
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/^trial 16: parameter "z" .* the 10 finished trial\(s\) before trial 10 did not ask for it, the 6 from it on all did/);
  });

  it("is not said of a parameter added mid-study where the model takes it up (grouped TPE, auto)", async () => {
    for (const sampler of [new TPESampler({ seed: 2, multivariate: true, group: true, nStartupTrials: 5 }), createSamplerByName("auto", { seed: 2 })]) {
      const warnings: string[] = [];
      const study = await openStudy(new MemoryStorage(), sampler, warnings);
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestFloat("y", 0, 1), { nTrials: 8 });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestFloat("y", 0, 1) + trial.suggestFloat("z", 0, 1), { nTrials: 6 });
      expect(warnings, sampler.name).toEqual([]);
    }
  });

  it("is said of a categorical under cmaes once its startup is over, not during it", async () => {
    const warnings: string[] = [];
    const study = await openStudy(new MemoryStorage(), new CmaEsSampler({ seed: 3, nStartupTrials: 5 }), warnings);
    await study.optimize((trial) => {
      const shift = trial.suggestCategorical("shift", ["none", "one"]) === "one" ? 1 : 0;
      return (trial.suggestFloat("x", -5, 5) - shift) ** 2 + trial.suggestFloat("y", -5, 5) ** 2;
    }, { nTrials: 12 });
    expect(warnings).toEqual([
      'trial 5: parameter "shift" is sampled at random, not jointly by the cmaes sampler: the sampler does not model categorical parameters. ' +
        'Use one that does (tpe, gp or auto) to have "shift" modelled. (Said once for all categorical parameters: the others are sampled the same way.)',
    ]);
  });

  it("is said once for all the categoricals under cmaes, not once for each", async () => {
    const warnings: string[] = [];
    const study = await openStudy(new MemoryStorage(), new CmaEsSampler({ seed: 3 }), warnings);
    await study.optimize((trial) => {
      let penalty = 0;
      for (const name of ["activation", "optimizer", "scheduler"]) penalty += trial.suggestCategorical(name, ["a", "b"]) === "a" ? 0 : 1;
      return trial.suggestFloat("x", -5, 5) ** 2 + penalty;
    }, { nTrials: 6 });
    expect(warnings).toEqual([
      'trial 1: parameter "activation" is sampled at random, not jointly by the cmaes sampler: the sampler does not model categorical parameters. ' +
        'Use one that does (tpe, gp or auto) to have "activation" modelled. (Said once for all categorical parameters: the others are sampled the same way.)',
    ]);
  });

  it("is said of a range changed during the startup only when the startup is over", async () => {
    const warnings: string[] = [];
    let high = 1;
    const study = await openStudy(new MemoryStorage(), new TPESampler({ seed: 4, multivariate: true, nStartupTrials: 10 }), warnings);
    await study.optimize((trial) => trial.suggestFloat("x", 0, high) + trial.suggestFloat("y", 0, 1), {
      nTrials: 14,
      callbacks: [(_study, trial) => void (trial.number === 3 && (high = 2))],
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^trial 10: parameter "x" is sampled by univariate TPE, not jointly by the multivariate tpe sampler: it is asked for as \{"type":"float","low":0,"high":2\}, but earlier trials asked for it as \{"type":"float","low":0,"high":1\}/);
  });

  it("is not said of conditional parameters, which some trials skip by design", async () => {
    const conditional = (trial: Trial) => {
      const kind = trial.suggestCategorical("kind", ["linear", "tree"]);
      const x = trial.suggestFloat("x", 0, 1);
      return kind === "linear" ? x + trial.suggestFloat("alpha", 0, 1) : x * trial.suggestInt("depth", 1, 8);
    };
    const storage = new MemoryStorage();
    const warnings: string[] = [];
    const sampler = () => new TPESampler({ seed: 5, multivariate: true, nStartupTrials: 5 });
    await (await openStudy(storage, sampler(), warnings)).optimize(conditional, { nTrials: 30 });
    await (await openStudy(storage, sampler(), warnings)).optimize(conditional, { nTrials: 5 });
    // A numeric branch under cmaes too: "y" only where x > 0.
    const cmaes = await openStudy(new MemoryStorage(), new CmaEsSampler({ seed: 5 }), warnings);
    await cmaes.optimize((trial) => {
      const x = trial.suggestFloat("x", -1, 1);
      return x > 0 ? x + trial.suggestFloat("y", 0, 1) : -x;
    }, { nTrials: 30 });
    expect(warnings).toEqual([]);
  });

  it("is not said of a conditional parameter whose branch only the study's first trial skipped", async () => {
    // Trial 0 takes "poly", the next three take branches with "C": one trial without it is no
    // evidence of a parameter added mid-study, and "start a new study" was the wrong advice.
    const warnings: string[] = [];
    const study = await openStudy(new MemoryStorage(), createSamplerByName("sobol", { seed: 7 }), warnings);
    for (const kernel of ["poly", "linear", "rbf", "linear"]) await study.enqueueTrial({ kernel });
    await study.optimize((trial) => {
      const kernel = trial.suggestCategorical("kernel", ["linear", "rbf", "poly"]);
      if (kernel === "poly") return trial.suggestInt("degree", 1, 5);
      return trial.suggestFloat("C", 1e-3, 1e3, { log: true }) + (kernel === "rbf" ? trial.suggestFloat("gamma", 0, 1) : 0);
    }, { nTrials: 5 });
    expect(study.trials.map((trial) => trial.params.kernel).slice(0, 4)).toEqual(["poly", "linear", "rbf", "linear"]);
    expect(warnings).toEqual([]);
  });
});
