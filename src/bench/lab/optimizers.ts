/**
 * Optimizer specs of the benchmark lab: a Sextant sampler by name with options
 * (`tpe:multivariate=true:n_startup_trials=5`), or an Optuna 3.1 reference run through
 * `/usr/bin/python3` (`optuna-tpe`, `optuna-tpe-mv`, `optuna-random`, `optuna-qmc`).
 */
import { createSamplerByName, samplerNames, type Sampler } from "../../index.js";

/** Optuna samplers the lab can drive, by the name a spec gives them. */
export const OPTUNA_OPTIMIZERS = ["optuna-tpe", "optuna-tpe-mv", "optuna-random", "optuna-qmc"] as const;
export type OptunaOptimizerName = (typeof OPTUNA_OPTIMIZERS)[number];

/** One optimizer as the runner runs it: `label` is the spec as written, and the key of its results. */
export type OptimizerSpec =
  | { readonly kind: "sextant"; readonly label: string; readonly sampler: string; readonly options: Readonly<Record<string, string>> }
  | { readonly kind: "optuna"; readonly label: string; readonly sampler: OptunaOptimizerName; readonly options: Readonly<Record<string, string>> };

/** Thrown for an optimizer spec that names no sampler or carries a malformed option. */
export class OptimizerSpecError extends Error {
  override name = "OptimizerSpecError";
}

/**
 * Reads one spec: `NAME` or `NAME:key=value:key=value`. Sextant options are checked by building the
 * sampler once, so a bad option fails here, before any run starts, with the registry's message.
 *
 * @example
 * parseOptimizerSpec("tpe:multivariate=true"); // { kind: "sextant", sampler: "tpe", options: { multivariate: "true" }, … }
 * parseOptimizerSpec("optuna-tpe-mv");         // { kind: "optuna", sampler: "optuna-tpe-mv", options: {}, … }
 */
export function parseOptimizerSpec(text: string): OptimizerSpec {
  const label = text.trim();
  const [name, ...pairs] = label.split(":");
  if (name === undefined || name === "") throw new OptimizerSpecError(`optimizers: empty optimizer name in "${text}"`);
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new OptimizerSpecError(`optimizers: option "${pair}" of "${label}" must read key=value`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if ((OPTUNA_OPTIMIZERS as readonly string[]).includes(name)) {
    return { kind: "optuna", label, sampler: name as OptunaOptimizerName, options };
  }
  if (!samplerNames().includes(name)) {
    throw new OptimizerSpecError(
      `optimizers: unknown optimizer "${name}"; Sextant samplers: ${samplerNames().join(", ")}; Optuna references: ${OPTUNA_OPTIMIZERS.join(", ")}`,
    );
  }
  if ("seed" in options) throw new OptimizerSpecError(`optimizers: "${label}" sets seed; the runner sets it from --seeds`);
  createSamplerByName(name, { ...options, seed: 0 });
  return { kind: "sextant", label, sampler: name, options };
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

/** The Sextant sampler a spec names, seeded. */
export function createSextantSampler(spec: Extract<OptimizerSpec, { kind: "sextant" }>, seed: number): Sampler {
  return createSamplerByName(spec.sampler, { ...spec.options, seed });
}
