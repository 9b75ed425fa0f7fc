/**
 * Optimizer specs of the benchmark lab: a Sextant sampler by name with options
 * (`tpe:multivariate=true:n_startup_trials=5`), or an Optuna 3.1 reference run through
 * `/usr/bin/python3` (`optuna-tpe`, `optuna-tpe-mv`, `optuna-random`, `optuna-qmc`, `optuna-cmaes`,
 * and for several objectives `optuna-nsga2`, `optuna-motpe`); either may be followed by a pruner
 * for multi-fidelity problems: `tpe+asha:reductionFactor=3`, `optuna-tpe+optuna-hyperband`.
 */
import {
  createPrunerByName,
  createSamplerByName,
  defineOptions,
  OptionError,
  parseOptions,
  prunerEntries,
  prunerNames,
  samplerEntries,
  samplerNames,
  severalObjectiveSamplerNames,
  type OptionSchema,
  type Pruner,
  type Sampler,
} from "../../index.js";

/** Optuna samplers the lab can drive, by the name a spec gives them. */
export const OPTUNA_OPTIMIZERS = ["optuna-tpe", "optuna-tpe-mv", "optuna-random", "optuna-qmc", "optuna-cmaes", "optuna-nsga2", "optuna-motpe"] as const;
export type OptunaOptimizerName = (typeof OPTUNA_OPTIMIZERS)[number];

/**
 * The Optuna samplers of one objective: on a study of several, Optuna 3.1's CmaEsSampler raises
 * "If the study is being used for multi-objective optimization, CmaEsSampler cannot be used".
 */
const OPTUNA_SINGLE_OBJECTIVE: ReadonlySet<OptunaOptimizerName> = new Set(["optuna-cmaes"]);

/** Optuna pruners the lab can drive (MedianPruner, SuccessiveHalvingPruner, HyperbandPruner). */
export const OPTUNA_PRUNERS = ["optuna-median", "optuna-asha", "optuna-hyperband"] as const;
export type OptunaPrunerName = (typeof OPTUNA_PRUNERS)[number];

/** TPESampler's options but `multivariate`, which `optuna-tpe-mv` sets. */
const TPE_MV_OPTIONS = defineOptions({
  consider_prior: { kind: "boolean", description: "add a prior component to the Parzen estimators" },
  prior_weight: { kind: "number", min: 0, exclusiveMin: true, description: "weight of the prior component" },
  consider_magic_clip: { kind: "boolean", description: "clip the bandwidths from below" },
  consider_endpoints: { kind: "boolean", description: "let the bounds widen the edge kernels" },
  n_startup_trials: { kind: "integer", min: 0, description: "random trials before the model" },
  n_ei_candidates: { kind: "integer", min: 1, description: "candidates scored per suggestion" },
  group: { kind: "boolean", description: "separate joint estimators per conditional group (needs multivariate)" },
  warn_independent_sampling: { kind: "boolean", description: "warn when a parameter falls back to independent sampling" },
  constant_liar: { kind: "boolean", description: "treat running trials as bad ones" },
});
const TPE_OPTIONS = defineOptions({ ...TPE_MV_OPTIONS, multivariate: { kind: "boolean", description: "one joint Parzen estimator for all parameters" } });

/**
 * The options the lab passes on to each Optuna 3.1 sampler and pruner, by Optuna's keyword names,
 * so that a misspelt or ill-typed option is refused before any run instead of failing in the
 * driver. Left out: `seed` (the runner sets it), what the driver sets (`multivariate` of
 * `optuna-tpe-mv`), and what takes a Python callable or object (`gamma`, `weights`, `x0`,
 * `constraints_func`, `crossover`, `independent_sampler`, `source_trials`).
 */
export const OPTUNA_OPTIONS: Readonly<Record<OptunaOptimizerName | OptunaPrunerName, OptionSchema>> = {
  "optuna-tpe": TPE_OPTIONS,
  "optuna-tpe-mv": TPE_MV_OPTIONS,
  "optuna-motpe": TPE_OPTIONS,
  "optuna-random": {},
  "optuna-qmc": defineOptions({
    qmc_type: { kind: "enum", values: ["sobol", "halton"], description: "the low-discrepancy sequence" },
    scramble: { kind: "boolean", description: "scramble the sequence (the driver's default: true)" },
    warn_asynchronous_seeding: { kind: "boolean", description: "warn about seeding in parallel runs" },
    warn_independent_sampling: { kind: "boolean", description: "warn when a parameter falls back to independent sampling" },
  }),
  "optuna-cmaes": defineOptions({
    sigma0: { kind: "number", min: 0, exclusiveMin: true, description: "initial step size" },
    n_startup_trials: { kind: "integer", min: 0, description: "random trials before CMA-ES" },
    warn_independent_sampling: { kind: "boolean", description: "warn when a parameter falls back to independent sampling" },
    consider_pruned_trials: { kind: "boolean", description: "learn from pruned trials too" },
    restart_strategy: { kind: "enum", values: ["ipop"], description: "restart with a larger population when stuck" },
    popsize: { kind: "integer", min: 1, description: "population size" },
    inc_popsize: { kind: "integer", min: 1, description: "population growth factor on restart" },
    use_separable_cma: { kind: "boolean", description: "diagonal covariance (sep-CMA-ES)" },
    with_margin: { kind: "boolean", description: "CMA-ES with margin for discrete parameters" },
  }),
  "optuna-nsga2": defineOptions({
    population_size: { kind: "integer", min: 2, description: "individuals per generation" },
    mutation_prob: { kind: "number", min: 0, max: 1, description: "probability of mutating a parameter" },
    crossover_prob: { kind: "number", min: 0, max: 1, description: "probability of crossover" },
    swapping_prob: { kind: "number", min: 0, max: 1, description: "probability of swapping a parameter in crossover" },
  }),
  "optuna-median": defineOptions({
    n_startup_trials: { kind: "integer", min: 0, description: "trials before any pruning" },
    n_warmup_steps: { kind: "integer", min: 0, description: "steps of a trial before it may be pruned" },
    interval_steps: { kind: "integer", min: 1, description: "steps between pruning checks" },
    n_min_trials: { kind: "integer", min: 1, description: "trials reporting at a step before it prunes" },
  }),
  "optuna-asha": defineOptions({
    min_resource: { kind: "integer", min: 1, description: "steps before the first rung (left out: auto)" },
    reduction_factor: { kind: "integer", min: 2, description: "each rung keeps the best 1/η" },
    min_early_stopping_rate: { kind: "integer", min: 0, description: "bracket offset s" },
    bootstrap_count: { kind: "integer", min: 0, description: "prune at a rung reached by at most this many trials" },
  }),
  "optuna-hyperband": defineOptions({
    min_resource: { kind: "integer", min: 1, description: "steps before the first rung" },
    max_resource: { kind: "integer", min: 1, description: "the most steps a trial takes (the lab sets the problem's)" },
    reduction_factor: { kind: "integer", min: 2, description: "each rung keeps the best 1/η" },
    bootstrap_count: { kind: "integer", min: 0, description: "prune at a rung reached by at most this many trials" },
  }),
};

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
 * Reads Optuna options against {@link OPTUNA_OPTIONS}: Optuna's keyword names (any spelling
 * `parseOptions` accepts) and values as JSON text, which is how the driver reads them back.
 */
function readOptunaOptions(name: OptunaOptimizerName | OptunaPrunerName, kind: "sampler" | "pruner", options: Readonly<Record<string, string>>, label: string): Record<string, string> {
  if ("seed" in options) throw new OptimizerSpecError(`optimizers: "${label}" sets ${kind === "pruner" ? "the pruner's " : ""}seed; the runner sets it from each run's seed`);
  const parsed = parseOptions(`${name} ${kind}`, options, OPTUNA_OPTIONS[name]);
  if (parsed.group === true && parsed.multivariate !== true && name !== "optuna-tpe-mv") {
    throw new OptionError(`${name} ${kind}: option "group" needs multivariate=true`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, JSON.stringify(value)]));
}

/**
 * Reads one spec: `SAMPLER[:key=value…][+PRUNER[:key=value…]]`. Sextant options are checked by
 * building the sampler and pruner once, Optuna options against {@link OPTUNA_OPTIONS}, so a bad
 * option fails here, before any run starts, naming the option.
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
    const sampler = name as OptunaOptimizerName;
    const optunaPruner =
      pruner === undefined ? {} : { pruner: { name: pruner.name as OptunaPrunerName, options: readOptunaOptions(pruner.name as OptunaPrunerName, "pruner", pruner.options, label) } };
    return { kind: "optuna", label, sampler, options: readOptunaOptions(sampler, "sampler", options, label), ...optunaPruner };
  }
  if (!samplerNames().includes(name)) {
    throw new OptimizerSpecError(
      `optimizers: unknown optimizer "${name}"; Sextant samplers: ${samplerNames().join(", ")}; Optuna references: ${OPTUNA_OPTIMIZERS.join(", ")}`,
    );
  }
  if ("seed" in options) throw new OptimizerSpecError(`optimizers: "${label}" sets seed; the runner sets it from each run's seed`);
  createSamplerByName(name, { ...options, seed: 0 });
  if (pruner !== undefined) {
    if (!prunerNames().includes(pruner.name)) {
      throw new OptimizerSpecError(`optimizers: unknown pruner "${pruner.name}" in "${label}"; Sextant pruners: ${prunerNames().join(", ")}`);
    }
    if ("seed" in pruner.options) throw new OptimizerSpecError(`optimizers: "${label}" sets the pruner's seed; the runner sets it from each run's seed`);
    createSextantPruner(pruner, 0);
  }
  return { kind: "sextant", label, sampler: name, options, ...(pruner === undefined ? {} : { pruner }) };
}

/** Options as read against a component's schema (canonical names, typed values), keys sorted, as JSON. */
function canonicalOptions(owner: string, options: Readonly<Record<string, string>>, schema: OptionSchema | undefined): string {
  const parsed: Record<string, unknown> = schema === undefined ? { ...options } : parseOptions(owner, options, schema);
  return JSON.stringify(Object.fromEntries(Object.entries(parsed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * What a spec configures, whatever the spelling of its options: `tpe:n_startup_trials=5` and
 * `tpe:nStartupTrials=5` are one optimizer. (Options left at their defaults are not filled in:
 * `tpe` and a spec that spells out a default still count as two.)
 *
 * @example
 * optimizerIdentity(parseOptimizerSpec("tpe:n_startup_trials=5")) === optimizerIdentity(parseOptimizerSpec("tpe:nStartupTrials=5")); // true
 */
export function optimizerIdentity(spec: OptimizerSpec): string {
  // Optuna options were already read to Optuna's keyword names and JSON values.
  const samplerSchema = spec.kind === "sextant" ? samplerEntries().find((e) => e.name === spec.sampler)?.options : undefined;
  const prunerSchema = spec.kind === "sextant" && spec.pruner !== undefined ? prunerEntries().find((e) => e.name === spec.pruner!.name)?.options : undefined;
  return JSON.stringify([
    spec.kind,
    spec.sampler,
    canonicalOptions(`${spec.sampler} sampler`, spec.options, samplerSchema),
    spec.pruner === undefined ? null : [spec.pruner.name, canonicalOptions(`${spec.pruner.name} pruner`, spec.pruner.options, prunerSchema)],
  ]);
}

/**
 * Refuses a list that names one optimizer twice, also when its options are spelled two ways: both
 * would be run, and the report would rank the optimizer against itself.
 */
export function refuseDuplicateOptimizers(specs: readonly OptimizerSpec[]): void {
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const identity = optimizerIdentity(spec);
    const earlier = seen.get(identity);
    if (earlier === spec.label) throw new OptimizerSpecError(`optimizers: "${spec.label}" is listed twice`);
    if (earlier !== undefined) throw new OptimizerSpecError(`optimizers: "${earlier}" and "${spec.label}" are the same optimizer, its options spelled two ways; list it once`);
    seen.set(identity, spec.label);
  }
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
  refuseDuplicateOptimizers(specs);
  return specs;
}

/**
 * Whether the optimizer a spec names takes one objective only: a Sextant sampler that says so
 * (`Sampler.singleObjective`: CMA-ES, CEM, TuRBO-1), or Optuna's CMA-ES.
 *
 * @example
 * takesOneObjective(parseOptimizerSpec("cmaes")); // true
 * takesOneObjective(parseOptimizerSpec("nsga2")); // false
 */
export function takesOneObjective(spec: OptimizerSpec): boolean {
  if (spec.kind === "optuna") return OPTUNA_SINGLE_OBJECTIVE.has(spec.sampler);
  return createSextantSampler(spec, 0).singleObjective === true;
}

/**
 * The optimizers that take several objectives, by the names a spec gives them: the registered
 * Sextant samplers that do, then the Optuna references that do. A sampler that cannot be built
 * from its name alone (grid, which needs its grid) is left out: the lab cannot run it so either.
 *
 * @example
 * severalObjectiveOptimizers(); // ["auto", "random", "tpe", "gp", "nsga2", …, "optuna-motpe"]
 */
export function severalObjectiveOptimizers(): string[] {
  return [...severalObjectiveSamplerNames(), ...OPTUNA_OPTIMIZERS.filter((name) => !OPTUNA_SINGLE_OBJECTIVE.has(name))];
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
