import { describe, expect, it } from "vitest";
import { createPrunerByName, prunerEntries } from "../pruners/index.js";
import { createStudy } from "../study/index.js";
import { MemoryStorage } from "../storage/index.js";
import { PBTScheduler } from "../schedulers/index.js";
import { AutoSampler, CemSampler, CmaEsSampler, GPSampler, GridSampler, HaltonSampler, NSGAIIISampler, NSGAIISampler, RandomSampler, SobolSampler, TPESampler, TurboSampler } from "./index.js";
import { createSamplerByName, samplerEntries, samplerNames } from "./registry.js";

const SPACE = { x: { type: "float", low: 0, high: 1 }, n: { type: "int", low: 1, high: 4 } } as const;

describe("sampler and scheduler constructors", () => {
  it("refuse a seed that is not a whole number, naming the class, and take a whole one", () => {
    // NaN (Number(process.env.SEED) with SEED unset) made every "unseeded" run the same; 1.5 ran as 1.
    const makers: [string, (seed: number) => unknown][] = [
      ["RandomSampler", (seed) => new RandomSampler({ seed })],
      ["TPESampler", (seed) => new TPESampler({ seed })],
      ["GPSampler", (seed) => new GPSampler({ seed })],
      ["CmaEsSampler", (seed) => new CmaEsSampler({ seed })],
      ["CemSampler", (seed) => new CemSampler({ seed })],
      ["SobolSampler", (seed) => new SobolSampler({ seed })],
      ["HaltonSampler", (seed) => new HaltonSampler({ seed })],
      ["TurboSampler", (seed) => new TurboSampler({ seed })],
      ["GridSampler", (seed) => new GridSampler({ searchSpace: { x: [1, 2] }, seed })],
      ["AutoSampler", (seed) => new AutoSampler({ seed })],
      ["NSGAIISampler", (seed) => new NSGAIISampler({ seed })],
      ["NSGAIIISampler", (seed) => new NSGAIIISampler({ seed })],
      ["PBTScheduler", (seed) => new PBTScheduler({ population: 4, segments: 2, segmentSteps: 1, seed })],
    ];
    for (const [name, make] of makers) {
      for (const bad of [NaN, 1.5, Infinity]) expect(() => make(bad), `${name} ${bad}`).toThrow(`${name}: seed must be a whole number, got ${bad}`);
      // 1e20 is a whole number: the message says what is wrong with it, its size.
      expect(() => make(1e20), `${name} 1e20`).toThrow(`${name}: seed must be a whole number of at most 2^53 − 1 (9007199254740991) in size, got 100000000000000000000`);
      expect(() => make(7), name).not.toThrow();
    }
  });
});

describe("createSamplerByName", () => {
  it("takes n_startup_trials in every spelling wherever a sampler has startup trials", () => {
    for (const name of ["tpe", "gp", "cmaes", "cem"]) {
      for (const key of ["n_startup_trials", "n-startup-trials", "nStartupTrials"]) {
        expect(() => createSamplerByName(name, { [key]: "5" }), `${name} ${key}`).not.toThrow();
      }
    }
  });

  it("refuses an option a sampler does not have, even one that has only a seed", () => {
    expect(() => createSamplerByName("random", { bogus: "1" })).toThrow('random sampler: unknown option "bogus"; valid options: seed');
    expect(() => createSamplerByName("auto", { n_startup_trials: "5" })).toThrow(/auto sampler: unknown option "n_startup_trials"; valid options: seed, gpMaxTrials/);
    expect(() => createSamplerByName("tpe", { n_startup_trails: "5" })).toThrow('(did you mean "nStartupTrials"?)');
  });

  it("refuses an unknown name with a did-you-mean", () => {
    expect(() => createSamplerByName("tpw")).toThrow('unknown sampler "tpw" (did you mean "tpe"?; choose one of: ');
  });

  it("gives every registered sampler a seed, and the same seed the same suggestions", async () => {
    for (const entry of samplerEntries()) {
      expect(Object.keys(entry.options), entry.name).toContain("seed");
      const suggestions: unknown[][] = [];
      for (let run = 0; run < 2; run++) {
        const sampler = createSamplerByName(entry.name, { seed: "7" }, { searchSpace: SPACE });
        const study = await createStudy({ storage: new MemoryStorage(), sampler });
        await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestInt("n", 1, 4), { nTrials: 4 });
        suggestions.push(study.trials.map((t) => t.params));
      }
      expect(suggestions[1], entry.name).toEqual(suggestions[0]);
    }
  });

  it("documents every option with a description, and every sampler the issue names is registered", () => {
    expect(samplerNames()).toEqual(expect.arrayContaining(["random", "cmaes", "cem", "sobol", "halton", "auto", "tpe", "gp", "grid"]));
    for (const entry of [...samplerEntries(), ...prunerEntries()]) {
      expect(entry.description, entry.name).not.toBe("");
      for (const [key, spec] of Object.entries(entry.options)) expect(spec.description, `${entry.name}.${key}`).not.toBe("");
    }
  });
});

describe("options the constructor takes as null", () => {
  it("reach TPE by name as null or the text null, as new TPESampler takes them", async () => {
    // createSamplerByName refused null ("must be a finite number > 0, got null") though the constructor took it.
    const suggest = async (sampler: ReturnType<typeof createSamplerByName>) => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler });
      await study.optimize((trial) => (trial.suggestFloat("x", 0, 1) - 0.3) ** 2, { nTrials: 12 });
      return study.trials.map((t) => t.params.x);
    };
    const expected = await suggest(new TPESampler({ seed: 3, nStartupTrials: 3, magicClipExponent: null }));
    expect(await suggest(createSamplerByName("tpe", { seed: 3, nStartupTrials: 3, magicClipExponent: null }))).toEqual(expected);
    expect(await suggest(createSamplerByName("tpe", { seed: "3", n_startup_trials: "3", magic_clip_exponent: "null" }))).toEqual(expected);
    expect(await suggest(createSamplerByName("tpe", { seed: 3, nStartupTrials: 3 }))).not.toEqual(expected);
  });

  it("are refused as null by every other option, naming it", () => {
    expect(() => createSamplerByName("tpe", { nStartupTrials: null })).toThrow('tpe sampler: option "nStartupTrials" must be an integer >= 0, got null');
    expect(() => createSamplerByName("tpe", { minBandwidthFactor: "null" })).toThrow('option "minBandwidthFactor" must be a finite number in [0, 1), got "null"');
  });
});

describe("JSON-text options given as objects through the library", () => {
  it("are read as their JSON, as a config file's mapping is, not as \"[object Object]\"", async () => {
    const grid = createSamplerByName("grid", { grid: { x: [1, 2] } as never });
    const study = await createStudy({ sampler: grid });
    await study.optimize((t) => t.suggestCategorical("x", [1, 2]), { nTrials: 2 });
    expect(study.trials.map((t) => t.params.x).sort()).toEqual([1, 2]);
    expect(createPrunerByName("patient", { patience: 2, wrapped: "median", wrappedOptions: { nStartupTrials: 5 } as never }).name).toBe("patient");
  });
});

describe("createPrunerByName", () => {
  it("reads options in every spelling and refuses unknown ones", () => {
    expect(() => createPrunerByName("median", { "n-warmup-steps": "2", n_startup_trials: 1 })).not.toThrow();
    expect(() => createPrunerByName("none", { n_startup_trials: 1 })).toThrow('none pruner: unknown option "n_startup_trials" (it takes no options)');
    expect(() => createPrunerByName("medain")).toThrow('unknown pruner "medain" (did you mean "median"?; choose one of: none, median, percentile, threshold, patient, asha, hyperband, wilcoxon, curve)');
  });
});
