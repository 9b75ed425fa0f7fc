import { type ComponentEntry, ComponentRegistry, OptionError, type OptionSchema, type RawOptions, unknownComponentMessage } from "../space/index.js";
import { NopPruner, type Pruner } from "./base.js";
import { ASHA_OPTIONS, SuccessiveHalvingPruner } from "./asha.js";
import { CURVE_OPTIONS, CurvePruner } from "./curve.js";
import { HYPERBAND_OPTIONS, HyperbandPruner } from "./hyperband.js";
import { MedianPruner } from "./median.js";
import { PATIENT_OPTIONS, PatientPruner } from "./patient.js";
import { MEDIAN_OPTIONS, PERCENTILE_OPTIONS, PercentilePruner } from "./percentile.js";
import { THRESHOLD_OPTIONS, ThresholdPruner } from "./threshold.js";
import { WILCOXON_OPTIONS, WilcoxonPruner } from "./wilcoxon.js";

/** Options given to a pruner by name (from the CLI's `--pruner-opt key=value` or a config file). */
export type PrunerOptions = RawOptions;

/** A pruner as the registry knows it: its name, what it is for, its options, and how to build it from parsed options. */
export type PrunerEntry<S extends OptionSchema = OptionSchema> = ComponentEntry<Pruner, void, S>;

const PRUNERS = new ComponentRegistry<Pruner, void>("pruner", { shared: true });

/**
 * Registers a pruner for {@link createPrunerByName}, `--pruner NAME` and config files; its options
 * are read against `options` (every spelling, CLI strings coerced, unknown keys refused) before
 * `create` runs, and `sextant pruners` lists them.
 *
 * @example
 * registerPruner({
 *   name: "last-quarter",
 *   description: "prunes a trial whose latest value is in the worst quarter at its step",
 *   options: {},
 *   create: () => new PercentilePruner({ percentile: 75 }),
 * });
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
 * prunerEntries().map((e) => e.name) // ["none", "median", "percentile", …]
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
registerPruner({ name: "percentile", description: "prunes a trial whose best value so far is outside the best given percentile of earlier trials at the same step", options: PERCENTILE_OPTIONS, create: (o) => new PercentilePruner(o) });
registerPruner({ name: "threshold", description: "prunes a trial whose latest value leaves [lower, upper] or is NaN", options: THRESHOLD_OPTIONS, create: (o) => new ThresholdPruner(o) });
registerPruner({
  name: "patient",
  description: "tolerates a curve that gets worse for `patience` steps (Optuna 3.1's rule: flat never counts), then defers to the wrapped pruner",
  options: PATIENT_OPTIONS,
  create: (o) => {
    if (o.patience === undefined) throw new OptionError('patient pruner: option "patience" is required (reports looked at after the earlier best before a trial can count as stalled)');
    if (o.wrapped === undefined && o.wrappedOptions !== undefined) throw new OptionError('patient pruner: option "wrappedOptions" needs "wrapped", the pruner they are for');
    const wrapped = o.wrapped === undefined ? null : createWrappedPruner(o.wrapped, parseWrappedOptions(o.wrappedOptions ?? "{}"));
    return new PatientPruner({ wrapped, patience: o.patience, ...(o.minDelta === undefined ? {} : { minDelta: o.minDelta }) });
  },
});
registerPruner({
  name: "asha",
  description: "asynchronous successive halving: at each rung keep the best 1/η of the trials that reached it",
  options: ASHA_OPTIONS,
  create: (o) => new SuccessiveHalvingPruner(o),
});
registerPruner({
  name: "hyperband",
  description: "several successive-halving brackets of different aggressiveness, each trial in one by a hash of its number",
  options: HYPERBAND_OPTIONS,
  create: (o) => new HyperbandPruner(o),
});
registerPruner({
  name: "wilcoxon",
  description: "for per-instance or per-fold steps: prunes when a signed-rank test says the trial is worse than the best",
  options: WILCOXON_OPTIONS,
  create: (o) => new WilcoxonPruner(o),
});
registerPruner({
  name: "curve",
  description: "learning-curve prediction (Baker et al. 2017): prunes when a kernel regression model of final values gives the trial little chance to beat the best",
  options: CURVE_OPTIONS,
  create: (o) => new CurvePruner(o),
});

/**
 * The patient pruner's wrapped pruner, its errors said as the patient pruner's: the wrapped one's
 * own message did not say it was about `wrapped` or `wrappedOptions`, and `wrapped=patient` read
 * 'patient pruner: option "patience" is required' though the outer patient pruner had one.
 */
function createWrappedPruner(name: string, options: RawOptions): Pruner {
  if (!prunerNames().includes(name)) throw new OptionError(`patient pruner: option "wrapped": ${unknownComponentMessage("pruner", name, prunerNames())}`);
  try {
    return createPrunerByName(name, options);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const own = `${name} pruner: `;
    throw new OptionError(`patient pruner: wrapped ${own}${error.message.startsWith(own) ? error.message.slice(own.length) : error.message}`);
  }
}

function parseWrappedOptions(text: string): RawOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OptionError(`patient pruner: option "wrappedOptions" must be a JSON object, got ${JSON.stringify(text)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new OptionError(`patient pruner: option "wrappedOptions" must be a JSON object, got ${JSON.stringify(text)}`);
  }
  return parsed as RawOptions;
}
