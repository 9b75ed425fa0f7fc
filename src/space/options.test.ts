import { describe, expect, it } from "vitest";
import { ComponentRegistry, OptionError, checkJsonOptionTypes, closestName, defineOptions, describeOptionType, editDistance, parseOptions } from "./options.js";

const SCHEMA = defineOptions({
  seed: { kind: "integer", description: "seed" },
  nStartupTrials: { kind: "integer", min: 0, default: 10, description: "startup" },
  sigma0: { kind: "number", min: 0, exclusiveMin: true, description: "step" },
  restartStrategy: { kind: "enum", values: ["ipop", "none"], description: "restarts" },
  multivariate: { kind: "boolean", description: "joint" },
  grid: { kind: "string", description: "json" },
  minResource: { kind: "steps", min: 1, words: ["auto", "rank-agreement"], description: "first rung" },
});

describe("parseOptions", () => {
  it("accepts camelCase, snake_case and kebab-case and coerces CLI strings", () => {
    expect(parseOptions("x sampler", { n_startup_trials: "5", "restart-strategy": "NONE", sigma0: "0.25", multivariate: "yes", grid: 7 }, SCHEMA)).toEqual({
      nStartupTrials: 5,
      restartStrategy: "none",
      sigma0: 0.25,
      multivariate: true,
      grid: "7",
    });
    expect(parseOptions("x sampler", { nStartupTrials: 3, seed: -4, multivariate: false, other: undefined }, SCHEMA)).toEqual({ nStartupTrials: 3, seed: -4, multivariate: false });
  });

  it("refuses unknown keys with the valid list and a did-you-mean, naming the owner", () => {
    expect(() => parseOptions("tpe sampler", { n_startup_trails: 5 }, SCHEMA)).toThrow(
      'tpe sampler: unknown option "n_startup_trails" (did you mean "nStartupTrials"?); valid options: seed, nStartupTrials, sigma0, restartStrategy, multivariate, grid',
    );
    expect(() => parseOptions("random sampler", { bogus: 1 }, { seed: SCHEMA.seed })).toThrow('random sampler: unknown option "bogus"; valid options: seed');
    expect(() => parseOptions("none pruner", { x: 1 }, {})).toThrow('none pruner: unknown option "x" (it takes no options)');
    expect(() => parseOptions("x sampler", { bogus: 1 }, SCHEMA)).toThrow(OptionError);
  });

  it("refuses one option given under two spellings", () => {
    expect(() => parseOptions("x sampler", { n_startup_trials: 1, nStartupTrials: 2 }, SCHEMA)).toThrow(
      'x sampler: option "nStartupTrials" is given twice (as "n_startup_trials" and "nStartupTrials")',
    );
  });

  it("names the option and what it must be when a value does not fit", () => {
    expect(() => parseOptions("x sampler", { nStartupTrials: "2.5" }, SCHEMA)).toThrow('x sampler: option "nStartupTrials" must be an integer >= 0, got "2.5"');
    expect(() => parseOptions("x sampler", { nStartupTrials: -1 }, SCHEMA)).toThrow("must be an integer >= 0, got -1");
    expect(() => parseOptions("x sampler", { sigma0: "0" }, SCHEMA)).toThrow('option "sigma0" must be a finite number > 0, got "0"');
    expect(() => parseOptions("x sampler", { sigma0: "" }, SCHEMA)).toThrow('option "sigma0" must be a finite number > 0, got ""');
    expect(() => parseOptions("x sampler", { restartStrategy: "bipop" }, SCHEMA)).toThrow('option "restartStrategy" must be one of ipop, none, got "bipop"');
    expect(() => parseOptions("x sampler", { multivariate: "maybe" }, SCHEMA)).toThrow('option "multivariate" must be true or false, got "maybe"');
    expect(() => parseOptions("x sampler", { grid: true }, SCHEMA)).toThrow('option "grid" must be text, got true');
    // JSON writes these as null, which read as if no value had been given.
    expect(() => parseOptions("x sampler", { nStartupTrials: NaN }, SCHEMA)).toThrow('option "nStartupTrials" must be an integer >= 0, got NaN');
    expect(() => parseOptions("x sampler", { sigma0: Infinity }, SCHEMA)).toThrow('option "sigma0" must be a finite number > 0, got Infinity');
  });
});

describe("numeric options given as text", () => {
  // Number() read "0x10" as 16 and "1e3" as 1000: --sampler-opt n_startup_trials=0x10 ran 16 startup trials.
  it("take an integer in decimal digits only, with a minus where the bounds allow one", () => {
    expect(parseOptions("x sampler", { nStartupTrials: "16", seed: "-4" }, SCHEMA)).toEqual({ nStartupTrials: 16, seed: -4 });
    expect(parseOptions("x sampler", { nStartupTrials: "007" }, SCHEMA)).toEqual({ nStartupTrials: 7 });
    for (const bad of ["0x10", "0b101", "0o7", " 5", "5 ", "1e3", "+5", "5.0", "", "--5"]) {
      expect(() => parseOptions("x sampler", { nStartupTrials: bad }, SCHEMA), JSON.stringify(bad)).toThrow(`x sampler: option "nStartupTrials" must be an integer >= 0, got ${JSON.stringify(bad)}`);
      expect(() => parseOptions("x sampler", { seed: bad }, SCHEMA), JSON.stringify(bad)).toThrow(`x sampler: option "seed" must be an integer, got ${JSON.stringify(bad)}`);
    }
  });

  it("take a float as people write one, and refuse hex, blanks around it and the empty text", () => {
    for (const [text, value] of [["1e-3", 0.001], ["0.5", 0.5], [".5", 0.5], ["2", 2], ["2.0", 2], ["5.", 5], ["1E2", 100], ["+0.5", 0.5]] as const) {
      expect(parseOptions("x sampler", { sigma0: text }, SCHEMA), text).toEqual({ sigma0: value });
    }
    expect(parseOptions("x sampler", { lowest: "-2" }, { lowest: { kind: "number", description: "" } })).toEqual({ lowest: -2 });
    for (const bad of ["0x10", "0b1", " 0.5", "0.5 ", "", " ", "1e", ".", "0.5.1", "Infinity"]) {
      expect(() => parseOptions("x sampler", { sigma0: bad }, SCHEMA), JSON.stringify(bad)).toThrow(`x sampler: option "sigma0" must be a finite number > 0, got ${JSON.stringify(bad)}`);
    }
  });

  it("leave JSON numbers as they were: a whole number written 5.0 in JSON is 5", () => {
    expect(parseOptions("x sampler", { nStartupTrials: 5.0, sigma0: 1e-3, seed: -4, minResource: 3 }, SCHEMA)).toEqual({ nStartupTrials: 5, sigma0: 1e-3, seed: -4, minResource: 3 });
  });

  it("read a count of steps as an integer is read", () => {
    for (const bad of ["0x10", "1e1", "5.0", "+5", " 5 "]) {
      expect(() => parseOptions("x pruner", { minResource: bad }, SCHEMA), JSON.stringify(bad)).toThrow(`x pruner: option "minResource" must be auto, rank-agreement or an integer >= 1, got ${JSON.stringify(bad)}`);
    }
    expect(parseOptions("x pruner", { minResource: " auto " }, SCHEMA)).toEqual({ minResource: "auto" });
  });
});

describe("describeOptionType", () => {
  it("shows bounds as help text reads them", () => {
    expect(describeOptionType({ kind: "number", min: 0, max: 1, exclusiveMin: true, description: "" })).toBe("finite number in (0, 1]");
    expect(describeOptionType({ kind: "integer", min: 1, description: "" })).toBe("integer >= 1");
    expect(describeOptionType({ kind: "number", max: 1, exclusiveMax: true, description: "" })).toBe("finite number < 1");
    expect(describeOptionType({ kind: "enum", values: ["a", "b"], description: "" })).toBe("one of a, b");
  });

  it("says when a number may also be null", () => {
    expect(describeOptionType({ kind: "number", min: 0, exclusiveMin: true, nullable: true, description: "" })).toBe("finite number > 0 or null");
    expect(describeOptionType({ kind: "number", nullable: true, description: "" })).toBe("finite number or null");
  });
});

describe("closestName", () => {
  it("suggests only likely typos", () => {
    expect(editDistance("sigma", "sigma0")).toBe(1);
    expect(closestName("sigma", ["sigma0", "seed"])).toBe("sigma0");
    expect(closestName("tpw", ["random", "tpe"])).toBe("tpe");
    expect(closestName("bogus", ["seed"])).toBeUndefined();
    expect(closestName("ab", ["xy"])).toBeUndefined();
  });

  it("counts two neighbours swapped as one edit, so a swap in a short name is still suggested", () => {
    expect([editDistance("prot", "port"), editDistance("ab", "ba"), editDistance("abc", "ca"), editDistance("", "ab"), editDistance("ab", "")]).toEqual([1, 1, 3, 2, 2]);
    // Levenshtein made "prot" 2 edits from "port", too many for a 4-letter name.
    expect(closestName("prot", ["host", "port", "token"])).toBe("port");
    expect(closestName("nStartupTrails", ["nStartupTrials", "seed"])).toBe("nStartupTrials");
  });
});

describe("ComponentRegistry", () => {
  it("parses options against the entry's schema before building, and lists names with a did-you-mean", () => {
    const registry = new ComponentRegistry<{ made: Record<string, unknown> }, string>("widget");
    registry.register({ name: "spring", description: "bouncy", options: { nStartupTrials: SCHEMA.nStartupTrials }, create: (o, context) => ({ made: { ...o, context } }) });
    expect(registry.create("spring", { "n-startup-trials": "4" }, "ctx")).toEqual({ made: { nStartupTrials: 4, context: "ctx" } });
    expect(() => registry.create("sprung", {}, "ctx")).toThrow('unknown widget "sprung" (did you mean "spring"?; choose one of: spring)');
    expect(() => registry.create("spring", { bogus: 1 }, "ctx")).toThrow('spring widget: unknown option "bogus"; valid options: nStartupTrials');
    expect(registry.names()).toEqual(["spring"]);
  });

  it("shares a shared registry's entries with every other shared registry of its kind, and keeps a plain one to itself", () => {
    const kind = `widget-${Math.random()}`;
    const first = new ComponentRegistry<string, void>(kind, { shared: true });
    const second = new ComponentRegistry<string, void>(kind, { shared: true });
    const plain = new ComponentRegistry<string, void>(kind);
    first.register({ name: "spring", description: "bouncy", options: {}, create: () => "first" });
    second.register({ name: "lever", description: "long", options: {}, create: () => "second" });
    expect(first.names()).toEqual(["spring", "lever"]);
    expect(second.create("spring", {}, undefined)).toBe("first");
    second.register({ name: "spring", description: "bouncier", options: {}, create: () => "again" });
    expect(first.create("spring", {}, undefined)).toBe("again");
    expect(plain.names()).toEqual([]);
  });
});

describe("nullable options", () => {
  const NULLABLE = defineOptions({ exponent: { kind: "number", min: 0, exclusiveMin: true, nullable: true, description: "null: the other rule" }, grid: SCHEMA.grid });

  it("take null, and the text null in any case, as null; numbers as before", () => {
    expect(parseOptions("x sampler", { exponent: null }, NULLABLE)).toEqual({ exponent: null });
    expect(parseOptions("x sampler", { exponent: " NULL " }, NULLABLE)).toEqual({ exponent: null });
    expect(parseOptions("x sampler", { exponent: "2" }, NULLABLE)).toEqual({ exponent: 2 });
    expect(() => parseOptions("x sampler", { exponent: "none" }, NULLABLE)).toThrow('x sampler: option "exponent" must be a finite number > 0 or null, got "none"');
  });

  it("are the only ones that take null: a text option does not turn it into the text null", () => {
    expect(() => parseOptions("x sampler", { grid: null }, NULLABLE)).toThrow('x sampler: option "grid" must be text, got null');
    expect(() => parseOptions("x sampler", { sigma0: null }, SCHEMA)).toThrow('option "sigma0" must be a finite number > 0, got null');
  });

  it("take JSON null from the HTTP API, and other options refuse it", () => {
    expect(() => checkJsonOptionTypes("x sampler", { exponent: null }, NULLABLE)).not.toThrow();
    expect(() => checkJsonOptionTypes("x sampler", { sigma0: null }, SCHEMA)).toThrow('x sampler: option "sigma0" must be a JSON number (a finite number > 0), got null');
  });
});

describe("checkJsonOptionTypes", () => {
  it("refuses a JSON value of another type than its option's, which parseOptions would have converted", () => {
    expect(() => checkJsonOptionTypes("x sampler", { seed: "6" }, SCHEMA)).toThrow('x sampler: option "seed" must be a JSON number (an integer), got the text "6"');
    expect(() => checkJsonOptionTypes("x sampler", { "n-startup-trials": true }, SCHEMA)).toThrow('option "nStartupTrials" must be a JSON number (an integer >= 0), got true');
    expect(() => checkJsonOptionTypes("x sampler", { multivariate: "true" }, SCHEMA)).toThrow('option "multivariate" must be true or false, got the text "true"');
    expect(() => checkJsonOptionTypes("x sampler", { restartStrategy: 1 }, SCHEMA)).toThrow('option "restartStrategy" must be text (one of ipop, none), got 1');
    expect(() => checkJsonOptionTypes("x sampler", { seed: 6, sigma0: 0.5, multivariate: false, restartStrategy: "none", bogus: "left to parseOptions" }, SCHEMA)).not.toThrow();
    expect(() => parseOptions("x sampler", { seed: "6" }, SCHEMA)).not.toThrow();
  });

  it("takes a count of steps as a JSON number and its words as text, and nothing else", () => {
    expect(() => checkJsonOptionTypes("x pruner", { minResource: 3 }, SCHEMA)).not.toThrow();
    expect(() => checkJsonOptionTypes("x pruner", { min_resource: "Rank-Agreement" }, SCHEMA)).not.toThrow();
    expect(() => checkJsonOptionTypes("x pruner", { minResource: "3" }, SCHEMA)).toThrow('x pruner: option "minResource" must be a JSON number (an integer >= 1) or one of auto, rank-agreement, got the text "3"');
    expect(() => checkJsonOptionTypes("x pruner", { minResource: true }, SCHEMA)).toThrow(/must be a JSON number \(an integer >= 1\) or one of auto, rank-agreement, got true/);
  });
});

describe("steps options", () => {
  it("read a whole number of steps from a number or text, or one of their words in any case", () => {
    expect(parseOptions("x pruner", { minResource: 3 }, SCHEMA)).toEqual({ minResource: 3 });
    expect(parseOptions("x pruner", { min_resource: "5" }, SCHEMA)).toEqual({ minResource: 5 });
    expect(parseOptions("x pruner", { minResource: "AUTO" }, SCHEMA)).toEqual({ minResource: "auto" });
    for (const bad of ["0", "2.5", "rank", "", 0]) {
      expect(() => parseOptions("x pruner", { minResource: bad }, SCHEMA)).toThrow(`x pruner: option "minResource" must be auto, rank-agreement or an integer >= 1, got ${JSON.stringify(bad)}`);
    }
    expect(describeOptionType(SCHEMA.minResource)).toBe("auto, rank-agreement or an integer >= 1");
  });
});

describe("constructors refuse an option spelled another way", () => {
  it("names the spelling for Optuna's snake_case and a changed capital, and leaves other keys alone", async () => {
    const { SuccessiveHalvingPruner, MedianPruner, HyperbandPruner } = await import("../pruners/index.js");
    const { TPESampler, GPSampler } = await import("../samplers/index.js");
    const { PB2Scheduler } = await import("../schedulers/index.js");
    // Each used to be accepted and ignored: the default ran instead of what was asked for.
    expect(() => new SuccessiveHalvingPruner({ min_resource: 1 } as never)).toThrow('asha pruner: option "min_resource" is spelled "minResource" here');
    expect(() => new MedianPruner({ nWarmUpSteps: 3 } as never)).toThrow('median pruner: option "nWarmUpSteps" is spelled "nWarmupSteps" here');
    expect(() => new HyperbandPruner({ reduction_factor: 2 } as never)).toThrow(/option "reduction_factor" is spelled "reductionFactor"/);
    expect(() => new TPESampler({ n_startup_trials: 5 } as never)).toThrow('tpe sampler: option "n_startup_trials" is spelled "nStartupTrials" here');
    expect(() => new PB2Scheduler({ Window: 10 } as never)).toThrow('pb2 scheduler: option "Window" is spelled "window" here');
    expect(new SuccessiveHalvingPruner({ minResource: 2 }).minResource).toBe(2);
    expect(() => new GPSampler({ seed: 1 })).not.toThrow();
  });

  it("refuses a key that is no option at all, with a did-you-mean and the valid ones", async () => {
    const { MedianPruner, PatientPruner } = await import("../pruners/index.js");
    const { TPESampler, GridSampler, RandomSampler } = await import("../samplers/index.js");
    const { PBTScheduler, PB2Scheduler } = await import("../schedulers/index.js");
    // A typo from JavaScript used to run the default without a word.
    expect(() => new TPESampler({ nStartupTrial: 5 } as never)).toThrow(/^tpe sampler: unknown option "nStartupTrial" \(did you mean "nStartupTrials"\?\); valid options: .*\bgamma, weights$/);
    expect(() => new RandomSampler({ sed: 3 } as never)).toThrow('random sampler: unknown option "sed" (did you mean "seed"?); valid options: seed');
    expect(() => new MedianPruner({ warmupSteps: 3 } as never)).toThrow(/median pruner: unknown option "warmupSteps" \(did you mean "nWarmupSteps"\?\)/);
    expect(() => new PBTScheduler({ population: 4, bogus: true } as never)).toThrow(/pbt scheduler: unknown option "bogus"; valid options: population, /);
    // The median fixes its percentile; PB2 names its own options; a subclass is checked too.
    expect(() => new MedianPruner({ percentile: 10 } as never)).toThrow(/^median pruner: unknown option "percentile"; valid options: (?!.*percentile)/);
    expect(() => new PB2Scheduler({ windw: 10 } as never)).toThrow(/^pb2 scheduler: unknown option "windw" \(did you mean "window"\?\)/);
    expect(new PB2Scheduler({ window: 7, population: 3 }).window).toBe(7);
    class LoggingPBT extends PBTScheduler {}
    expect(() => new LoggingPBT({ populaton: 4 } as never)).toThrow(/pbt scheduler: unknown option "populaton" \(did you mean "population"\?\)/);
    // Options only the CLI's schema has (made into other options by the front end) are refused too.
    expect(() => new GridSampler({ searchSpace: { x: [1, 2] }, points: 3 } as never)).toThrow(/grid sampler: unknown option "points".*valid options: seed, cycle, shuffle, searchSpace$/);
    expect(() => new TPESampler({ gammaBeta: 0.5 } as never)).toThrow(/tpe sampler: unknown option "gammaBeta"/);
    expect(() => new PatientPruner({ wrapped: null, patience: 2, wrappedOptions: "{}" } as never)).toThrow(/patient pruner: unknown option "wrappedOptions"/);
    // The constructors' own options that the schema does not list still pass.
    expect(() => new TPESampler({ gamma: (n: number) => Math.ceil(0.1 * n), weights: (n: number) => new Float64Array(n).fill(1) })).not.toThrow();
    expect(new GridSampler({ searchSpace: { x: [1, 2] }, shuffle: false }).size).toBe(2);
  });
});
