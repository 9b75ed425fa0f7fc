import type { Sampler } from "./base.js";
import { CEM_OPTIONS, createCemSamplerFromOptions } from "./cem/index.js";
import { CMAES_OPTIONS, createCmaEsSamplerFromOptions } from "./cmaes/index.js";
import { GRID_OPTIONS, createGridSamplerFromOptions } from "./grid.js";
import { QMC_OPTIONS, createHaltonSamplerFromOptions, createSobolSamplerFromOptions } from "./qmc.js";
import { AUTO_OPTIONS, AutoSampler } from "./auto.js";
import { GP_OPTIONS, createGPSamplerFromOptions } from "./gp/index.js";
import { NSGA2_OPTIONS, NSGAIISampler } from "./nsga2/index.js";
import { NSGA3_OPTIONS, NSGAIIISampler } from "./nsga3/index.js";
import { RANDOM_OPTIONS, RandomSampler } from "./random.js";
import { TPE_OPTIONS, createTPESamplerFromOptions } from "./tpe/index.js";
import { TURBO_OPTIONS, createTurboSamplerFromOptions } from "./turbo/index.js";
import { type ComponentEntry, ComponentRegistry, type OptionSchema, type RawOptions } from "../space/index.js";
import type { SearchSpace } from "../space/index.js";

/** Options given to a sampler by name (from the CLI's `--sampler-opt key=value` or a config file). */
export type SamplerOptions = RawOptions;

/** What a front end knows beyond the options: the declared search space, if any (the grid sampler builds its grid from it). */
export interface SamplerContext {
  readonly searchSpace?: SearchSpace;
}

/** A sampler as the registry knows it: its name, what it is for, its options, and how to build it from parsed options. */
export type SamplerEntry<S extends OptionSchema = OptionSchema> = ComponentEntry<Sampler, SamplerContext, S>;

const SAMPLERS = new ComponentRegistry<Sampler, SamplerContext>("sampler", { shared: true });

/**
 * Registers a sampler for {@link createSamplerByName}, `--sampler NAME` and config files. Its
 * options are read against `options` before `create` runs, so every spelling (camelCase,
 * snake_case, kebab-case), coercion of CLI strings, "did you mean" and `sextant samplers` come for
 * free. Registering a name again replaces the earlier entry.
 *
 * @example
 * const NSGA2_OPTIONS = defineOptions({
 *   seed: SEED_OPTION,
 *   populationSize: { kind: "integer", min: 2, default: 50, description: "individuals per generation" },
 * });
 * registerSampler({ name: "nsga2", description: "NSGA-II (Deb et al. 2002)", options: NSGA2_OPTIONS, create: (o) => new NSGAIISampler(o) });
 */
export function registerSampler<const S extends OptionSchema>(entry: SamplerEntry<S>): void {
  SAMPLERS.register(entry);
}

/**
 * The registered samplers that take several objectives, in registration order: those that, built
 * from their name alone, do not say `singleObjective`. One that cannot be built so (grid, which
 * needs its grid) is left out.
 *
 * @example
 * severalObjectiveSamplerNames() // ["auto", "random", "tpe", "gp", "nsga2", "nsga3", "sobol", "halton"]
 */
export function severalObjectiveSamplerNames(): string[] {
  return SAMPLERS.names().filter((name) => {
    let sampler: Sampler;
    try {
      sampler = createSamplerByName(name, { seed: 0 });
    } catch {
      return false;
    }
    return sampler.singleObjective !== true;
  });
}

/** Names accepted by {@link createSamplerByName}, in registration order. */
export function samplerNames(): string[] {
  return SAMPLERS.names();
}

/**
 * Every registered sampler with its option schema, for help text and `sextant samplers`.
 *
 * @example
 * samplerEntries().map((e) => e.name) // ["auto", "random", "tpe", …]
 */
export function samplerEntries(): SamplerEntry[] {
  return SAMPLERS.list();
}

/**
 * Builds a sampler from its name and options, as the CLI and config files name them. An unknown
 * name or option throws an `OptionError` that lists the valid ones.
 *
 * @example
 * createSamplerByName("random", { seed: 1 })
 * createSamplerByName("tpe", { n_startup_trials: "5" })
 * createSamplerByName("grid", {}, { searchSpace: { depth: { type: "int", low: 2, high: 4 } } })
 */
export function createSamplerByName(name: string, options: SamplerOptions = {}, context: SamplerContext = {}): Sampler {
  return SAMPLERS.create(name, options, context);
}

registerSampler({ name: "auto", description: "the default: GP for small numeric studies, TuRBO beyond 24 numeric dimensions, TPE otherwise; says which it chose", options: AUTO_OPTIONS, create: (o) => new AutoSampler(o) });
registerSampler({ name: "random", description: "independent uniform sampling", options: RANDOM_OPTIONS, create: (o) => new RandomSampler(o) });
registerSampler({ name: "tpe", description: "Tree-structured Parzen Estimator (Bergstra et al. 2011; Watanabe 2023 defaults)", options: TPE_OPTIONS, create: (o) => createTPESamplerFromOptions(o) });
registerSampler({ name: "gp", description: "Gaussian-process Bayesian optimization: HEBO's MACE acquisition on evidence-warped outputs (or log expected improvement)", options: GP_OPTIONS, create: (o) => createGPSamplerFromOptions(o) });
registerSampler({ name: "turbo", description: "TuRBO-1 trust-region BO for many dimensions (Eriksson et al. 2019)", options: TURBO_OPTIONS, create: (o) => createTurboSamplerFromOptions(o) });
registerSampler({ name: "cmaes", description: "CMA-ES with IPOP restarts (Hansen 2016), optionally with margin for int and stepped parameters (Hamano et al. 2022)", options: CMAES_OPTIONS, create: (o) => createCmaEsSamplerFromOptions(o) });
registerSampler({ name: "cem", description: "cross-entropy method: refits a distribution to the elite", options: CEM_OPTIONS, create: (o) => createCemSamplerFromOptions(o) });
registerSampler({ name: "nsga2", description: "NSGA-II genetic algorithm for several objectives and constraints (Deb et al. 2002)", options: NSGA2_OPTIONS, create: (o) => new NSGAIISampler(o) });
registerSampler({ name: "nsga3", description: "NSGA-III with Das-Dennis reference directions, for three or more objectives (Deb and Jain 2014)", options: NSGA3_OPTIONS, create: (o) => new NSGAIIISampler(o) });
registerSampler({ name: "sobol", description: "scrambled Sobol quasi-random sequence", options: QMC_OPTIONS, create: (o) => createSobolSamplerFromOptions(o) });
registerSampler({ name: "halton", description: "scrambled Halton quasi-random sequence", options: QMC_OPTIONS, create: (o) => createHaltonSamplerFromOptions(o) });
registerSampler({ name: "grid", description: "every combination of given values; stops when exhausted", options: GRID_OPTIONS, create: (o, context) => createGridSamplerFromOptions(o, context.searchSpace) });
