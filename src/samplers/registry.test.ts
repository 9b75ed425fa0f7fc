import { describe, expect, it } from "vitest";
import {
  CurvePruner,
  HyperbandPruner,
  MedianPruner,
  NopPruner,
  PatientPruner,
  PercentilePruner,
  type Pruner,
  SuccessiveHalvingPruner,
  ThresholdPruner,
  WilcoxonPruner,
  createPrunerByName,
  prunerEntries,
  prunerNames,
} from "../pruners/index.js";
import type { ComponentSpec, RawOptions } from "../space/index.js";
import { createStudy } from "../study/index.js";
import { MemoryStorage } from "../storage/index.js";
import { PBTScheduler } from "../schedulers/index.js";
import { AutoSampler, CemSampler, CmaEsSampler, GPSampler, GridSampler, HaltonSampler, NSGAIIISampler, NSGAIISampler, RandomSampler, type Sampler, SobolSampler, TPESampler, TurboSampler, linearGamma } from "./index.js";
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

describe("spec: the name and options createStudy stores, from which the registry builds a component again", () => {
  // Each registered built-in made by its own constructor, with options off their defaults. A sampler
  // or pruner registered later and left out here fails the first check of each test.
  const SAMPLERS: Record<string, () => Sampler> = {
    auto: () => new AutoSampler({ seed: 1, gpMaxTrials: 40, highDimensionalSampler: "tpe" }),
    random: () => new RandomSampler({ seed: 2 }),
    tpe: () => new TPESampler({ seed: 3, preset: "optuna", nStartupTrials: 4, gamma: linearGamma(0.2), magicClipExponent: null, fidelityRule: "final" }),
    gp: () => new GPSampler({ seed: 4, nStartupTrials: 3, outputWarping: "rank", warmStart: true }),
    turbo: () => new TurboSampler({ seed: 5, failureTolerance: 7, initialLength: 0.5 }),
    cmaes: () => new CmaEsSampler({ seed: 6, sigma0: 0.3, restartStrategy: "none", withMargin: true }),
    cem: () => new CemSampler({ seed: 7, eliteFraction: 0.2, batchSize: 6 }),
    nsga2: () => new NSGAIISampler({ seed: 8, populationSize: 12, mutationProb: 0.3 }),
    nsga3: () => new NSGAIIISampler({ seed: 9, populationSize: 12, referenceDivisions: 3 }),
    sobol: () => new SobolSampler({ seed: 10, scramble: false }),
    halton: () => new HaltonSampler({ seed: 11, scramble: true }),
    grid: () => new GridSampler({ searchSpace: { lr: [0.001, 0.01], kind: ["a", "b", null, true], "a b": [-1, 2] }, seed: 12, cycle: true, shuffle: false }),
  };
  const PRUNERS: Record<string, () => Pruner> = {
    none: () => new NopPruner(),
    median: () => new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 2 }),
    percentile: () => new PercentilePruner({ percentile: 10, nWarmupSteps: "rank-agreement", intervalSteps: 2 }),
    threshold: () => new ThresholdPruner({ upper: 5, nWarmupSteps: 1 }),
    patient: () => new PatientPruner({ wrapped: new PatientPruner({ wrapped: new MedianPruner({ nWarmupSteps: 3 }), patience: 1 }), patience: 2, minDelta: 0.1 }),
    asha: () => new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, bootstrapCount: 1 }),
    hyperband: () => new HyperbandPruner({ minResource: 1, maxResource: 27, samplerPerBracket: true }),
    wilcoxon: () => new WilcoxonPruner({ pThreshold: 0.05, nStartupSteps: 1 }),
    curve: () => new CurvePruner({ minTrials: 5, seed: 13, threshold: 0.02 }),
  };

  /** The spec `component` gives, checked to survive storage (JSON) and to build, by name, a component of the same spec and settings. */
  function expectRoundTrip(component: Sampler | Pruner, rebuild: (name: string, options: RawOptions) => Sampler | Pruner): void {
    const spec = component.spec?.();
    expect(spec, component.name).toBeTruthy();
    expect(spec!.name).toBe(component.name);
    const stored = JSON.parse(JSON.stringify(spec)) as ComponentSpec;
    expect(stored, component.name).toEqual(spec);
    const rebuilt = rebuild(stored.name, stored.options);
    expect(rebuilt.spec?.(), component.name).toEqual(spec);
    // Every setting the constructor resolved (seeds, warm-ups, the grid's values and order): the same.
    const settings = (built: Sampler | Pruner) => JSON.stringify(built, (key, value: unknown) => (key === "given" ? undefined : value));
    expect(settings(rebuilt), component.name).toBe(settings(component));
  }

  it("rebuilds every registered sampler, options and all", () => {
    expect(Object.keys(SAMPLERS).sort()).toEqual(samplerNames().sort());
    for (const make of Object.values(SAMPLERS)) expectRoundTrip(make(), (name, options) => createSamplerByName(name, options));
  });

  it("rebuilds every registered pruner, options and all, a wrapped pruner with its own", () => {
    expect(Object.keys(PRUNERS).sort()).toEqual(prunerNames().sort());
    for (const make of Object.values(PRUNERS)) expectRoundTrip(make(), createPrunerByName);
    expect(new PatientPruner({ wrapped: null, patience: 2 }).spec()).toEqual({ name: "patient", options: { patience: 2 } });
  });

  it("gives back a component built by name as it was named, defaults left out", () => {
    expect(createPrunerByName("median", { n_warmup_steps: "0" }).spec?.()).toEqual({ name: "median", options: { nWarmupSteps: 0 } });
    expect(createSamplerByName("tpe", { gamma_beta: "0.25", seed: 1 }).spec?.()).toEqual({ name: "tpe", options: { seed: 1, gammaBeta: 0.25 } });
    expect(createSamplerByName("grid", { grid: '{"x":[1,2]}' }).spec?.()).toEqual({ name: "grid", options: { grid: '{"x":[1,2]}' } });
    expect(createPrunerByName("patient", { patience: 1, wrapped: "none" }).spec?.()).toEqual({ name: "patient", options: { patience: 1, wrapped: "none" } });
  });

  it("is null where an option cannot be written down: a function of one's own, a wrapped pruner of one's own, an infinite bound", () => {
    expect(new TPESampler({ gamma: (n) => Math.min(n, 10) }).spec()).toBeNull();
    expect(new TPESampler({ weights: (n) => Array<number>(n).fill(1) }).spec()).toBeNull();
    expect(new PatientPruner({ wrapped: { name: "mine", prune: () => true }, patience: 1 }).spec()).toBeNull();
    expect(new ThresholdPruner({ lower: 0, upper: Infinity }).spec()).toBeNull();
  });
});
