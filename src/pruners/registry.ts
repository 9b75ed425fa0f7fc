import { type ComponentEntry, ComponentRegistry, type OptionSchema, type RawOptions } from "../space/index.js";
import { NopPruner, type Pruner } from "./base.js";
import { MEDIAN_OPTIONS, MedianPruner } from "./median.js";

/** Options given to a pruner by name (from the CLI's `--pruner-opt key=value` or a config file). */
export type PrunerOptions = RawOptions;

/** A pruner as the registry knows it: its name, what it is for, its options, and how to build it from parsed options. */
export type PrunerEntry<S extends OptionSchema = OptionSchema> = ComponentEntry<Pruner, void, S>;

const PRUNERS = new ComponentRegistry<Pruner, void>("pruner");

/**
 * Registers a pruner for {@link createPrunerByName}, `--pruner NAME` and config files; its options
 * are read against `options` (every spelling, CLI strings coerced, unknown keys refused) before
 * `create` runs, and `sextant pruners` lists them.
 *
 * @example
 * registerPruner({ name: "patient", description: "prunes after 3 bad steps", options: PATIENT_OPTIONS, create: (o) => new PatientPruner(o) });
 */
export function registerPruner<const S extends OptionSchema>(entry: PrunerEntry<S>): void {
  PRUNERS.register(entry);
}

/** Names accepted by {@link createPrunerByName}, in registration order. */
export function prunerNames(): string[] {
  return PRUNERS.names();
}

/**
 * Every registered pruner with its option schema, for help text and `sextant pruners`.
 *
 * @example
 * prunerEntries().map((e) => e.name) // ["none", "median"]
 */
export function prunerEntries(): PrunerEntry[] {
  return PRUNERS.list();
}

/**
 * Builds a pruner from its name and options, as the CLI and config files name them.
 *
 * @example
 * createPrunerByName("median", { n_warmup_steps: "5" })
 */
export function createPrunerByName(name: string, options: PrunerOptions = {}): Pruner {
  return PRUNERS.create(name, options, undefined);
}

registerPruner({ name: "none", description: "never prunes", options: {}, create: () => new NopPruner() });
registerPruner({ name: "median", description: "prunes a trial whose best value so far is worse than the median of earlier trials at the same step", options: MEDIAN_OPTIONS, create: (o) => new MedianPruner(o) });
