import { NopPruner, type Pruner } from "./base.js";
import { createMedianPrunerFromOptions } from "./median.js";

export type PrunerOptions = Record<string, string | number | boolean | undefined>;
type PrunerFactory = (options: PrunerOptions) => Pruner;

const FACTORIES = new Map<string, PrunerFactory>([
  ["none", () => new NopPruner()],
  ["median", (o) => createMedianPrunerFromOptions(o)],
]);

/** Registers a pruner under a name for {@link createPrunerByName}. */
export function registerPruner(name: string, factory: PrunerFactory): void {
  FACTORIES.set(name, factory);
}

export function prunerNames(): string[] {
  return [...FACTORIES.keys()];
}

/** Builds a pruner from its name and options, as the CLI and config files name them. */
export function createPrunerByName(name: string, options: PrunerOptions = {}): Pruner {
  const factory = FACTORIES.get(name);
  if (!factory) throw new Error(`unknown pruner "${name}" (choose one of: ${prunerNames().join(", ")})`);
  return factory(options);
}
