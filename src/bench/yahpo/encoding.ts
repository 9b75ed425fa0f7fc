/**
 * From a YAHPO scenario's files to a Sextant search space, and from a configuration to the two
 * input rows of its surrogate.
 *
 * YAHPO Gym's `BenchmarkSet._config_to_xs` does the encoding this file ports: it checks the
 * configuration against the ConfigSpace (inactive parameters must be absent), sets the instance
 * and the fidelity, fills every parameter that is still absent with `"#na#"` (categorical) or `0`
 * (continuous) — the imputation of inactive conditional parameters — and then writes the
 * continuous values as they are (the log and range scalings live inside the ONNX graph) and the
 * categorical values as the integer codes of `encoding.json`.
 */
import type { CategoricalChoice, Distribution, SearchSpace } from "../../index.js";
import type { YahpoScenarioSpec } from "./scenarios.js";

/** Thrown when a configuration, an instance or a fidelity does not fit the scenario; names the field. */
export class YahpoInputError extends Error {
  override name = "YahpoInputError";
}

/** A parameter that is active only while `parent` takes one of `values`. */
export interface YahpoCondition {
  readonly parent: string;
  readonly values: readonly CategoricalChoice[];
}

/** The fidelity a scenario exposes; `max` is the full budget. */
export interface YahpoFidelity {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

/** A scenario's space and codes, read from `config_space.json` and `encoding.json`. */
export interface YahpoEncoder {
  readonly spec: YahpoScenarioSpec;
  /** The searchable parameters: neither the instance, nor fidelities, nor constants. */
  readonly space: SearchSpace;
  readonly conditions: Readonly<Record<string, YahpoCondition>>;
  readonly instances: readonly string[];
  readonly fidelity: YahpoFidelity | undefined;
  /** Integer codes per categorical input, `"#na#"` included. */
  readonly codes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Every parameter of the ConfigSpace, searchable or not, with its distribution. */
  readonly allParams: Readonly<Record<string, Distribution>>;
}

/** One configuration as the surrogate reads it. */
export interface EncodedConfiguration {
  readonly xCont: readonly number[];
  readonly xCat: readonly number[];
}

const MISSING_CATEGORY = "#na#";
const MISSING_CONTINUOUS = 0;

interface RawHyperparameter {
  name?: unknown;
  type?: unknown;
  log?: unknown;
  lower?: unknown;
  upper?: unknown;
  choices?: unknown;
}

interface RawCondition {
  child?: unknown;
  parent?: unknown;
  type?: unknown;
  value?: unknown;
  values?: unknown;
}

function finiteNumber(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new YahpoInputError(`${where} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

/** One ConfigSpace hyperparameter as a Sextant distribution. */
function toDistribution(raw: RawHyperparameter, where: string): Distribution {
  const log = raw.log === true;
  switch (raw.type) {
    case "uniform_float":
      return { type: "float", low: finiteNumber(raw.lower, `${where}.lower`), high: finiteNumber(raw.upper, `${where}.upper`), ...(log ? { log } : {}) };
    case "uniform_int":
      return { type: "int", low: finiteNumber(raw.lower, `${where}.lower`), high: finiteNumber(raw.upper, `${where}.upper`), ...(log ? { log } : {}) };
    case "categorical":
      if (!Array.isArray(raw.choices) || raw.choices.length === 0 || !raw.choices.every((c) => typeof c === "string")) {
        throw new YahpoInputError(`${where}.choices must be a non-empty list of strings`);
      }
      return { type: "categorical", choices: raw.choices as string[] };
    default:
      throw new YahpoInputError(`${where}.type ${JSON.stringify(raw.type)} is not supported (uniform_float, uniform_int, categorical)`);
  }
}

function toCondition(raw: RawCondition, where: string): { child: string; condition: YahpoCondition } {
  if (typeof raw.child !== "string" || typeof raw.parent !== "string") throw new YahpoInputError(`${where} needs a child and a parent`);
  if (raw.type === "EQ") return { child: raw.child, condition: { parent: raw.parent, values: [raw.value as CategoricalChoice] } };
  if (raw.type === "IN" && Array.isArray(raw.values)) return { child: raw.child, condition: { parent: raw.parent, values: raw.values as CategoricalChoice[] } };
  throw new YahpoInputError(`${where}.type ${JSON.stringify(raw.type)} is not supported (EQ, IN)`);
}

/**
 * Builds a scenario's encoder from the parsed contents of its `config_space.json` and
 * `encoding.json`, and checks them against what the scenario's surrogate expects.
 *
 * @example
 * const encoder = buildEncoder(YAHPO_SCENARIOS.lcbench, configSpaceJson, encodingJson);
 * encoder.space.learning_rate; // { type: "float", low: 0.0001…, high: 0.1…, log: true }
 */
export function buildEncoder(spec: YahpoScenarioSpec, configSpace: unknown, encoding: unknown): YahpoEncoder {
  const file = `${spec.name}/config_space.json`;
  const rawParams = (configSpace as { hyperparameters?: unknown }).hyperparameters;
  if (!Array.isArray(rawParams)) throw new YahpoInputError(`${file}: "hyperparameters" must be a list`);
  const allParams: Record<string, Distribution> = {};
  rawParams.forEach((raw: RawHyperparameter, i) => {
    if (typeof raw.name !== "string") throw new YahpoInputError(`${file}: hyperparameters[${i}].name must be a string`);
    allParams[raw.name] = toDistribution(raw, `${file}: ${raw.name}`);
  });
  const conditions: Record<string, YahpoCondition> = {};
  const rawConditions = (configSpace as { conditions?: unknown }).conditions ?? [];
  if (!Array.isArray(rawConditions)) throw new YahpoInputError(`${file}: "conditions" must be a list`);
  rawConditions.forEach((raw: RawCondition, i) => {
    const { child, condition } = toCondition(raw, `${file}: conditions[${i}]`);
    conditions[child] = condition;
  });

  const codes = encoding as Record<string, Record<string, number>>;
  for (const name of [...spec.contNames, ...spec.catNames]) {
    if (allParams[name] === undefined) throw new YahpoInputError(`${file}: the surrogate's input "${name}" is not a hyperparameter`);
  }
  for (const name of spec.catNames) {
    const table = codes[name];
    if (table === undefined || table[MISSING_CATEGORY] === undefined) {
      throw new YahpoInputError(`${spec.name}/encoding.json: no codes (with "${MISSING_CATEGORY}") for "${name}"`);
    }
    const d = allParams[name]!;
    if (d.type !== "categorical") throw new YahpoInputError(`${file}: "${name}" must be categorical`);
    for (const choice of d.choices) {
      if (table[String(choice)] === undefined) throw new YahpoInputError(`${spec.name}/encoding.json: "${name}" has no code for ${JSON.stringify(choice)}`);
    }
  }

  const instanceDistribution = allParams[spec.instanceParam];
  if (instanceDistribution?.type !== "categorical") throw new YahpoInputError(`${file}: the instance parameter "${spec.instanceParam}" must be categorical`);
  let fidelity: YahpoFidelity | undefined;
  if (spec.fidelityParam !== undefined) {
    const d = allParams[spec.fidelityParam];
    if (d === undefined || d.type === "categorical") throw new YahpoInputError(`${file}: the fidelity "${spec.fidelityParam}" must be numeric`);
    fidelity = { name: spec.fidelityParam, min: d.low, max: d.high, integer: d.type === "int" };
  }

  const fixed = new Set([spec.instanceParam, ...(spec.fidelityParam === undefined ? [] : [spec.fidelityParam]), ...Object.keys(spec.constants)]);
  const space: Record<string, Distribution> = {};
  // Parents before children, so a define-by-run objective can decide activity as it goes.
  const ordered = Object.keys(allParams).sort((a, b) => Number(conditions[a] !== undefined) - Number(conditions[b] !== undefined));
  for (const name of ordered) if (!fixed.has(name)) space[name] = allParams[name]!;
  const searchConditions: Record<string, YahpoCondition> = {};
  for (const [child, condition] of Object.entries(conditions)) if (!fixed.has(child)) searchConditions[child] = condition;

  return {
    spec,
    space,
    conditions: searchConditions,
    instances: instanceDistribution.choices.map(String),
    fidelity,
    codes,
    allParams,
  };
}

/** Whether `value` lies in a numeric distribution, with a little slack for values that went through a float32 or a log. */
function numberFits(d: Distribution & { type: "float" | "int" }, value: number): boolean {
  const slack = 1e-9 * Math.max(1, Math.abs(d.high - d.low));
  return value >= d.low - slack && value <= d.high + slack;
}

function checkValue(scenario: string, name: string, d: Distribution, value: unknown, field = `parameter "${name}"`): void {
  if (d.type === "categorical") {
    if (!d.choices.includes(value as CategoricalChoice)) {
      const shown = d.choices.length > 8 ? `${JSON.stringify(d.choices.slice(0, 8)).slice(0, -1)}, …]` : JSON.stringify(d.choices);
      throw new YahpoInputError(`${scenario}: ${field} must be one of ${shown}, got ${JSON.stringify(value)}`);
    }
    return;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new YahpoInputError(`${scenario}: ${field} must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (d.type === "int" && !Number.isInteger(value)) throw new YahpoInputError(`${scenario}: ${field} must be an integer, got ${value}`);
  if (!numberFits(d, value)) throw new YahpoInputError(`${scenario}: ${field} = ${value} is outside [${d.low}, ${d.high}]`);
}

/**
 * Whether a searchable parameter is active given the other values of a configuration.
 *
 * @example
 * isYahpoParamActive(encoder, "eta", { booster: "gblinear" }); // false
 */
export function isYahpoParamActive(encoder: YahpoEncoder, name: string, config: Readonly<Record<string, unknown>>): boolean {
  const condition = encoder.conditions[name];
  return condition === undefined || condition.values.includes(config[condition.parent] as CategoricalChoice);
}

/**
 * The surrogate's input rows for one configuration on one instance at one fidelity (the full
 * budget when `fidelity` is undefined). Throws {@link YahpoInputError} naming the field when the
 * configuration has an unknown, missing, out-of-range or inactive-but-set parameter, or when the
 * instance or fidelity is not the scenario's.
 *
 * @example
 * encodeConfiguration(encoder, { alpha: 0.5, s: 1 }, "40981", 1);
 * // { xCont: [0.5, 1, 1], xCat: [3] } for iaml_glmnet
 */
export function encodeConfiguration(
  encoder: YahpoEncoder,
  config: Readonly<Record<string, unknown>>,
  instance: string,
  fidelity?: number,
): EncodedConfiguration {
  const { spec } = encoder;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new YahpoInputError(`${spec.name}: the configuration must be an object of parameter values`);
  }
  if (!encoder.instances.includes(instance)) {
    throw new YahpoInputError(`${spec.name}: instance ${JSON.stringify(instance)} is unknown; ${encoder.instances.length} instances, e.g. ${encoder.instances.slice(0, 5).join(", ")}`);
  }
  for (const name of Object.keys(config)) {
    if (encoder.space[name] !== undefined) continue;
    if (name === spec.instanceParam) throw new YahpoInputError(`${spec.name}: parameter "${name}" is the instance; pass it as the instance argument`);
    if (name === spec.fidelityParam) throw new YahpoInputError(`${spec.name}: parameter "${name}" is the fidelity; pass it as the fidelity argument`);
    if (spec.constants[name] !== undefined) throw new YahpoInputError(`${spec.name}: parameter "${name}" is fixed at ${spec.constants[name]}`);
    throw new YahpoInputError(`${spec.name}: parameter "${name}" is unknown; known: ${Object.keys(encoder.space).join(", ")}`);
  }

  const values: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(encoder.space)) {
    const value = config[name];
    if (!isYahpoParamActive(encoder, name, config)) {
      if (value !== undefined) {
        const condition = encoder.conditions[name]!;
        throw new YahpoInputError(
          `${spec.name}: parameter "${name}" is inactive when ${condition.parent} = ${JSON.stringify(config[condition.parent])} (active for ${condition.values.join(", ")}); leave it out`,
        );
      }
      continue;
    }
    if (value === undefined) throw new YahpoInputError(`${spec.name}: parameter "${name}" is missing`);
    checkValue(spec.name, name, d, value);
    values[name] = value;
  }
  values[spec.instanceParam] = instance;
  if (encoder.fidelity !== undefined) {
    const f = encoder.fidelity;
    const level = fidelity ?? f.max;
    checkValue(spec.name, f.name, encoder.allParams[f.name]!, level, `fidelity "${f.name}"`);
    values[f.name] = level;
  } else if (fidelity !== undefined) {
    throw new YahpoInputError(`${spec.name}: fidelity was given but the scenario has none`);
  }
  Object.assign(values, spec.constants);

  const xCont = spec.contNames.map((name) => {
    const value = values[name];
    return value === undefined ? MISSING_CONTINUOUS : (value as number);
  });
  const xCat = spec.catNames.map((name) => {
    const value = values[name];
    return encoder.codes[name]![value === undefined ? MISSING_CATEGORY : String(value)]!;
  });
  return { xCont, xCat };
}
