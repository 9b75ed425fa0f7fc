/**
 * Optimizer specs of the benchmark lab: a Sextant sampler by name with options
 * (`tpe:multivariate=true:n_startup_trials=5`), or an Optuna 3.1 reference run through
 * `/usr/bin/python3` (`optuna-tpe`, `optuna-tpe-mv`, `optuna-random`, `optuna-qmc`, `optuna-cmaes`,
 * and for several objectives `optuna-nsga2`, `optuna-motpe`); either may be followed by a pruner
 * for multi-fidelity problems: `tpe+asha:reductionFactor=3`, `optuna-tpe+optuna-hyperband`.
 */
import { createPrunerByName, createSamplerByName, prunerEntries, prunerNames, samplerNames, type Pruner, type Sampler } from "../../index.js";

/** Optuna samplers the lab can drive, by the name a spec gives them. */
export const OPTUNA_OPTIMIZERS = ["optuna-tpe", "optuna-tpe-mv", "optuna-random", "optuna-qmc", "optuna-cmaes", "optuna-nsga2", "optuna-motpe"] as const;
export type OptunaOptimizerName = (typeof OPTUNA_OPTIMIZERS)[number];

/** Optuna pruners the lab can drive (MedianPruner, SuccessiveHalvingPruner, HyperbandPruner). */
export const OPTUNA_PRUNERS = ["optuna-median", "optuna-asha", "optuna-hyperband"] as const;
export type OptunaPrunerName = (typeof OPTUNA_PRUNERS)[number];

/** A pruner by name with its options, as a spec gives it after `+`. */
export interface PrunerSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, string>>;
}

/** One optimizer as the runner runs it: `label` is the spec as written, and the key of its results. */
export type OptimizerSpec =
  | {
      readonly kind: "sextant";
      readonly label: string;
      readonly sampler: string;
      readonly options: Readonly<Record<string, string>>;
      readonly pruner?: PrunerSpec;
    }
  | {
      readonly kind: "optuna";
      readonly label: string;
      readonly sampler: OptunaOptimizerName;
      readonly options: Readonly<Record<string, string>>;
      readonly pruner?: PrunerSpec & { readonly name: OptunaPrunerName };
    };

/** Thrown for an optimizer spec that names no sampler or carries a malformed option. */
export class OptimizerSpecError extends Error {
  override name = "OptimizerSpecError";
}

/** Reads `NAME` or `NAME:key=value:key=value`. */
function readNamed(text: string, label: string): { name: string; options: Record<string, string> } {
  const [name, ...pairs] = text.split(":");
  if (name === undefined || name === "") throw new OptimizerSpecError(`optimizers: empty name in "${label}"`);
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new OptimizerSpecError(`optimizers: option "${pair}" of "${label}" must read key=value`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { name, options };
}

/**
 * Reads one spec: `SAMPLER[:key=value…][+PRUNER[:key=value…]]`. Sextant options are checked by
 * building the sampler and pruner once, so a bad option fails here, before any run starts, with
 * the registry's message.
 *
 * @example
 * parseOptimizerSpec("tpe:multivariate=true"); // { kind: "sextant", sampler: "tpe", options: { multivariate: "true" }, … }
 * parseOptimizerSpec("optuna-tpe-mv");         // { kind: "optuna", sampler: "optuna-tpe-mv", options: {}, … }
 * parseOptimizerSpec("tpe+hyperband");         // TPE with Sextant's Hyperband pruner
 */
export function parseOptimizerSpec(text: string): OptimizerSpec {
  const label = text.trim();
  const parts = label.split("+");
  if (parts.length > 2) throw new OptimizerSpecError(`optimizers: "${label}" names more than one pruner`);
  const { name, options } = readNamed(parts[0]!, label);
  const pruner = parts[1] === undefined ? undefined : readNamed(parts[1], label);
  if ((OPTUNA_OPTIMIZERS as readonly string[]).includes(name)) {
    if (pruner !== undefined && !(OPTUNA_PRUNERS as readonly string[]).includes(pruner.name)) {
      throw new OptimizerSpecError(`optimizers: "${label}": an Optuna sampler takes an Optuna pruner (${OPTUNA_PRUNERS.join(", ")}), not "${pruner.name}"`);
    }
    const optunaPruner = pruner === undefined ? {} : { pruner: { name: pruner.name as OptunaPrunerName, options: pruner.options } };
    return { kind: "optuna", label, sampler: name as OptunaOptimizerName, options, ...optunaPruner };
  }
  if (!samplerNames().includes(name)) {
    throw new OptimizerSpecError(
      `optimizers: unknown optimizer "${name}"; Sextant samplers: ${samplerNames().join(", ")}; Optuna references: ${OPTUNA_OPTIMIZERS.join(", ")}`,
    );
  }
  if ("seed" in options) throw new OptimizerSpecError(`optimizers: "${label}" sets seed; the runner sets it from --seeds`);
  createSamplerByName(name, { ...options, seed: 0 });
  if (pruner !== undefined) {
    if (!prunerNames().includes(pruner.name)) {
      throw new OptimizerSpecError(`optimizers: unknown pruner "${pruner.name}" in "${label}"; Sextant pruners: ${prunerNames().join(", ")}`);
    }
    if ("seed" in pruner.options) throw new OptimizerSpecError(`optimizers: "${label}" sets the pruner's seed; the runner sets it from --seeds`);
    createSextantPruner(pruner, 0);
  }
  return { kind: "sextant", label, sampler: name, options, ...(pruner === undefined ? {} : { pruner }) };
}

/**
 * Reads a comma-separated list of specs, refusing duplicates.
 *
 * @example
 * parseOptimizerList("auto,tpe,optuna-tpe").map((o) => o.label); // ["auto", "tpe", "optuna-tpe"]
 */
export function parseOptimizerList(text: string): OptimizerSpec[] {
  const specs = text.split(",").filter((s) => s.trim() !== "").map(parseOptimizerSpec);
  if (specs.length === 0) throw new OptimizerSpecError("optimizers: give at least one optimizer");
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.label)) throw new OptimizerSpecError(`optimizers: "${spec.label}" is listed twice`);
    seen.add(spec.label);
  }
  return specs;
}

/** The Sextant pruner a spec names; seeded where the pruner draws random numbers. */
export function createSextantPruner(spec: PrunerSpec, seed: number): Pruner {
  const seeded = prunerEntries().find((e) => e.name === spec.name)?.options;
  return createPrunerByName(spec.name, seeded !== undefined && "seed" in seeded ? { ...spec.options, seed: String(seed) } : spec.options);
}

/** The Sextant sampler a spec names, seeded. */
export function createSextantSampler(spec: Extract<OptimizerSpec, { kind: "sextant" }>, seed: number): Sampler {
  return createSamplerByName(spec.sampler, { ...spec.options, seed });
}
