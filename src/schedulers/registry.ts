import { ComponentRegistry, type ComponentEntry, type OptionSchema, type RawOptions } from "../space/index.js";
import type { Scheduler } from "./base.js";
import { PB2Scheduler, PB2_OPTIONS } from "./pb2.js";
import { PBTScheduler, PBT_OPTIONS } from "./pbt.js";

/** A scheduler as the registry knows it: name, description, options, and how to build it. */
export type SchedulerEntry<S extends OptionSchema = OptionSchema> = ComponentEntry<Scheduler, void, S>;

const SCHEDULERS = new ComponentRegistry<Scheduler, void>("scheduler", { shared: true });

/**
 * Registers a scheduler for {@link createSchedulerByName}, `--scheduler NAME` and config files.
 *
 * @example
 * registerScheduler({ name: "pbt", description: "…", options: PBT_OPTIONS, create: (o) => new PBTScheduler(o) });
 */
export function registerScheduler<const S extends OptionSchema>(entry: SchedulerEntry<S>): void {
  SCHEDULERS.register(entry);
}

/** Names accepted by {@link createSchedulerByName}. */
export function schedulerNames(): string[] {
  return SCHEDULERS.names();
}

/** Every registered scheduler with its option schema, for help text. */
export function schedulerEntries(): SchedulerEntry[] {
  return SCHEDULERS.list();
}

/**
 * Builds a scheduler from its name and options as the CLI and config files give them.
 *
 * @example
 * createSchedulerByName("pbt", { population: "4", segment_steps: "5" })
 */
export function createSchedulerByName(name: string, options: RawOptions = {}): Scheduler {
  return SCHEDULERS.create(name, options, undefined);
}

registerScheduler({
  name: "pbt",
  description: "Population Based Training: bottom members copy a top member's checkpoint and hyperparameters, then perturb them",
  options: PBT_OPTIONS,
  create: (o) => new PBTScheduler(o),
});
registerScheduler({
  name: "pb2",
  description: "Population-Based Bandits: PBT's exploit with a time-varying GP-UCB bandit choosing the new hyperparameters",
  options: PB2_OPTIONS,
  create: (o) => new PB2Scheduler(o),
});
