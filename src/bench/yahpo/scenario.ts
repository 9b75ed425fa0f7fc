/**
 * Loading a YAHPO Gym scenario: its space from the shipped files (synchronously, for listings) and
 * its surrogate (asynchronously, on first evaluation).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packagePath } from "../../package-root.js";
import type { SearchSpace } from "../../index.js";
import { buildEncoder, encodeConfiguration, YahpoInputError, type EncodedConfiguration, type YahpoCondition, type YahpoEncoder, type YahpoFidelity } from "./encoding.js";
import { SurrogateSession } from "./runtime.js";
import { isYahpoScenarioName, YAHPO_SCENARIO_NAMES, YAHPO_SCENARIOS, type YahpoScenarioName } from "./scenarios.js";

/** Where the package keeps the four scenarios (`data/yahpo/` at the package root). */
export const DEFAULT_YAHPO_DATA_DIR = `${packagePath("data", "yahpo")}/`;

/** A scenario's description: what can be searched, on which instances, at which fidelities, for which targets. */
export interface YahpoScenario {
  readonly name: YahpoScenarioName;
  /** The instances (OpenML task or data set ids), as strings. */
  readonly instances: string[];
  /** The searchable parameters, without the instance, the fidelity and constants; parents before their children. */
  readonly space: SearchSpace;
  /** Conditional parameters keyed by name (rbv2_xgboost's booster-specific ones). */
  readonly conditions: Readonly<Record<string, YahpoCondition>>;
  readonly fidelity: YahpoFidelity | undefined;
  /** The surrogate's outputs, in order. */
  readonly targets: string[];
  /** Targets where smaller is better; the others are maximized. */
  readonly minimize: readonly string[];
}

/** One evaluation request of a batch. */
export interface YahpoRequest {
  readonly config: Readonly<Record<string, unknown>>;
  readonly instance: string;
  /** Defaults to the full budget. */
  readonly fidelity?: number;
}

/** A scenario whose surrogate can be evaluated. */
export interface LoadedYahpoScenario extends YahpoScenario {
  /**
   * The surrogate's targets for one configuration on one instance, at `fidelity` (default: the
   * full budget). Throws {@link YahpoInputError} naming the field on bad input.
   */
  evaluate(config: Readonly<Record<string, unknown>>, instance: string, fidelity?: number): Promise<Record<string, number>>;
  /** Many evaluations in one call of the surrogate; much faster per configuration than {@link evaluate}. */
  evaluateBatch(requests: readonly YahpoRequest[]): Promise<Record<string, number>[]>;
  /** Frees the ONNX session; the scenario loads it again if evaluated afterwards. */
  close(): Promise<void>;
}

export interface LoadYahpoOptions {
  /** A folder with one sub-folder per scenario (`model.onnx`, `config_space.json`, `encoding.json`); defaults to the shipped data. */
  readonly dataDir?: string;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new YahpoInputError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function checkName(name: string): YahpoScenarioName {
  if (!isYahpoScenarioName(name)) throw new YahpoInputError(`scenario "${name}" is unknown; known: ${YAHPO_SCENARIO_NAMES.join(", ")}`);
  return name;
}

const encoders = new Map<string, YahpoEncoder>();

/** The encoder of a scenario, read once per data folder. */
export function yahpoEncoder(name: YahpoScenarioName, dataDir = DEFAULT_YAHPO_DATA_DIR): YahpoEncoder {
  const key = `${dataDir}\0${name}`;
  let encoder = encoders.get(key);
  if (encoder === undefined) {
    const folder = join(dataDir, name);
    encoder = buildEncoder(YAHPO_SCENARIOS[name], readJson(join(folder, "config_space.json")), readJson(join(folder, "encoding.json")));
    encoders.set(key, encoder);
  }
  return encoder;
}

/**
 * A scenario's description, read synchronously from its files without starting ONNX Runtime.
 *
 * @example
 * describeYahpoScenario("lcbench").fidelity; // { name: "epoch", min: 1, max: 52, integer: true }
 */
export function describeYahpoScenario(name: YahpoScenarioName, options: LoadYahpoOptions = {}): YahpoScenario {
  const encoder = yahpoEncoder(checkName(name), options.dataDir);
  return {
    name: encoder.spec.name,
    instances: [...encoder.instances],
    space: encoder.space,
    conditions: encoder.conditions,
    fidelity: encoder.fidelity,
    targets: [...encoder.spec.targets],
    minimize: encoder.spec.minimize,
  };
}

/**
 * Loads a YAHPO Gym scenario (Pfisterer, Schneider et al., "YAHPO Gym — An Efficient
 * Multi-Objective Multi-Fidelity Benchmark for Hyperparameter Optimization", AutoML-Conf 2022):
 * its space, instances, fidelity and targets, and its surrogate model run with ONNX Runtime.
 *
 * @example
 * const lcbench = await loadYahpoScenario("lcbench");
 * const y = await lcbench.evaluate(
 *   { batch_size: 64, learning_rate: 0.01, momentum: 0.9, weight_decay: 0.001, num_layers: 3, max_units: 256, max_dropout: 0.2 },
 *   "3945", 52,
 * );
 * y.val_accuracy; // a percentage
 */
export async function loadYahpoScenario(name: YahpoScenarioName, options: LoadYahpoOptions = {}): Promise<LoadedYahpoScenario> {
  const dataDir = options.dataDir ?? DEFAULT_YAHPO_DATA_DIR;
  const described = describeYahpoScenario(name, { dataDir });
  const encoder = yahpoEncoder(described.name, dataDir);
  const { spec } = encoder;
  const modelPath = join(dataDir, spec.name, "model.onnx");
  let session: Promise<SurrogateSession> | undefined;
  const open = (): Promise<SurrogateSession> => {
    session ??= SurrogateSession.open(readFileSync(modelPath), modelPath, spec.contNames.length, spec.catNames.length, spec.targets.length);
    return session;
  };
  await open();
  const evaluateBatch = async (requests: readonly YahpoRequest[]): Promise<Record<string, number>[]> => {
    const rows = requests.map((r, i) => {
      try {
        return encodeConfiguration(encoder, r.config, r.instance, r.fidelity);
      } catch (error) {
        if (requests.length > 1 && error instanceof YahpoInputError) throw new YahpoInputError(`request ${i}: ${error.message}`);
        throw error;
      }
    });
    const outputs = await (await open()).run(rows);
    return outputs.map((row) => Object.fromEntries(spec.targets.map((target, j) => [target, row[j]!])));
  };
  // Single evaluations issued in the same turn of the event loop (concurrent trials) share one
  // call of the surrogate: a call costs about as much for one row as for dozens.
  let pending: { row: EncodedConfiguration; resolve: (y: Record<string, number>) => void; reject: (e: unknown) => void }[] = [];
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    try {
      const outputs = await (await open()).run(batch.map((p) => p.row));
      batch.forEach((p, i) => p.resolve(Object.fromEntries(spec.targets.map((target, j) => [target, outputs[i]![j]!]))));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };
  const evaluate = (config: Readonly<Record<string, unknown>>, instance: string, fidelity?: number): Promise<Record<string, number>> => {
    let row: EncodedConfiguration;
    try {
      row = encodeConfiguration(encoder, config, instance, fidelity);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ row, resolve, reject });
    });
  };
  return {
    ...described,
    evaluate,
    evaluateBatch,
    close: async () => {
      const current = session;
      session = undefined;
      if (current !== undefined) await (await current).release();
    },
  };
}
