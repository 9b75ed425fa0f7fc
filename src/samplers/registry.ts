import type { Sampler } from "./base.js";
import { createCemSamplerFromOptions } from "./cem/index.js";
import { createCmaEsSamplerFromOptions } from "./cmaes/index.js";
import { RandomSampler } from "./random.js";

/** Options given to a sampler by name (from the CLI's `--sampler-opt key=value` or a config file). */
export type SamplerOptions = Record<string, string | number | boolean | undefined> & { seed?: number };

type SamplerFactory = (options: SamplerOptions) => Sampler;

const FACTORIES = new Map<string, SamplerFactory>([
  ["random", (o) => new RandomSampler({ seed: o.seed })],
  ["cmaes", (o) => createCmaEsSamplerFromOptions(o)],
  ["cem", (o) => createCemSamplerFromOptions(o)],
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
 */
export function createSamplerByName(name: string, options: SamplerOptions = {}): Sampler {
  const factory = FACTORIES.get(name);
  if (!factory) throw new Error(`unknown sampler "${name}" (choose one of: ${samplerNames().join(", ")})`);
  return factory(options);
}
