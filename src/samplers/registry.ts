import type { Sampler } from "./base.js";
import { createCemSamplerFromOptions } from "./cem/index.js";
import { createCmaEsSamplerFromOptions } from "./cmaes/index.js";
import { createGridSamplerFromOptions } from "./grid.js";
import { createHaltonSamplerFromOptions, createSobolSamplerFromOptions } from "./qmc.js";
import { AutoSampler } from "./auto.js";
import { createGPSamplerFromOptions } from "./gp/index.js";
import { parseSamplerOptions } from "./options.js";
import { RandomSampler } from "./random.js";
import { createTPESamplerFromOptions } from "./tpe/index.js";
import type { SearchSpace } from "../space/index.js";

/** Options given to a sampler by name (from the CLI's `--sampler-opt key=value` or a config file). */
export type SamplerOptions = Record<string, string | number | boolean | undefined> & { seed?: number };

/** What a front end knows beyond the options: the declared search space, if any (the grid sampler builds its grid from it). */
export interface SamplerContext {
  readonly searchSpace?: SearchSpace;
}

type SamplerFactory = (options: SamplerOptions, context: SamplerContext) => Sampler;

const FACTORIES = new Map<string, SamplerFactory>([
  ["random", (o) => new RandomSampler(parseSamplerOptions("random", o, { seed: { kind: "number", integer: true } }) as { seed?: number })],
  ["cmaes", (o) => createCmaEsSamplerFromOptions(o)],
  ["cem", (o) => createCemSamplerFromOptions(o)],
  ["sobol", (o) => createSobolSamplerFromOptions(o)],
  ["halton", (o) => createHaltonSamplerFromOptions(o)],
  ["auto", (o) => createAutoSamplerFromOptions(o)],
  ["tpe", (o) => createTPESamplerFromOptions(o)],
  ["gp", (o) => createGPSamplerFromOptions(o)],
  ["grid", (o, context) => createGridSamplerFromOptions(o, context.searchSpace)],
]);

/** Registers a sampler under a name for {@link createSamplerByName}. */
export function registerSampler(name: string, factory: SamplerFactory): void {
  FACTORIES.set(name, factory);
}

/** Names accepted by {@link createSamplerByName}. */
export function samplerNames(): string[] {
  return [...FACTORIES.keys()];
}

/**
 * Builds a sampler from its name and options, as the CLI and config files name them.
 *
 * @example
 * createSamplerByName("random", { seed: 1 })
 * createSamplerByName("grid", {}, { searchSpace: { depth: { type: "int", low: 2, high: 4 } } })
 */
export function createSamplerByName(name: string, options: SamplerOptions = {}, context: SamplerContext = {}): Sampler {
  const factory = FACTORIES.get(name);
  if (!factory) throw new Error(`unknown sampler "${name}" (choose one of: ${samplerNames().join(", ")})`);
  return factory(options, context);
}

function createAutoSamplerFromOptions(options: SamplerOptions): Sampler {
  const parsed = parseSamplerOptions("auto", options, {
    seed: { kind: "number", integer: true },
    gpMaxTrials: { kind: "number", integer: true, min: 1 },
    gpMaxDimensions: { kind: "number", integer: true, min: 1 },
  });
  return new AutoSampler(parsed as { seed?: number; gpMaxTrials?: number; gpMaxDimensions?: number });
}
