/**
 * Parameter importance of a study: how much of the objective's variation each parameter explains,
 * and in which direction it pushes. The library, the CLI (`sextant importance`), the HTTP service
 * and the dashboard all call {@link importance}.
 *
 * @module
 */
import {
  type CategoricalChoice,
  type CategoricalDistribution,
  type Direction,
  type Distribution,
  type FrozenTrial,
  type NumericDistribution,
  type ParamValue,
  containsValue,
  distributionsEqual,
  effectiveStep,
  encodeValue,
  isSingleValue,
  unknownKeysMessage,
} from "../space/index.js";
import { meanAndDeviation, ranks, standardize } from "../math/statistics.js";
import { fanovaMainEffects } from "./fanova.js";
import { fitForest } from "./forest.js";
import { pedAnovaImportances } from "./ped-anova.js";

/** The importance methods: functional ANOVA on a random forest, or PED-ANOVA. */
export type ImportanceMethod = "fanova" | "ped-anova";

export const IMPORTANCE_METHODS: readonly ImportanceMethod[] = ["fanova", "ped-anova"];

/** Options of {@link importance}; all optional. */
export interface ImportanceOptions {
  /** `"fanova"` (default) or `"ped-anova"` (much faster on large studies; about the best region). */
  method?: ImportanceMethod;
  /** Parameters to assess (default: every parameter all complete trials share, with more than one value). */
  params?: string[];
  /** Which objective of a multi-objective study (default 0). */
  objectiveIndex?: number;
  /** Seed of the random forest (fANOVA; default 0): the same trials and seed give the same importances. */
  seed?: number;
  /** Whether lower or higher values are better (default "minimize"). PED-ANOVA looks at the best trials, so it needs to know. */
  direction?: Direction;
  /** fANOVA: number of trees (default 64). */
  nTrees?: number;
  /**
   * fANOVA: rows in each tree's bootstrap sample (default 10,000, or every trial when fewer). On
   * the analytic test function 1,500 rows already give each share within 0.01, so larger studies
   * pay for more rows only in time.
   */
  maxSamplesPerTree?: number;
  /** PED-ANOVA: fraction γ of best trials whose region is examined (default 0.1). */
  quantile?: number;
  /** PED-ANOVA: fraction γ′ of best trials that forms the baseline (default 1: all trials). */
  baselineQuantile?: number;
}

const IMPORTANCE_OPTION_KEYS: readonly (keyof ImportanceOptions)[] = [
  "method", "params", "objectiveIndex", "seed", "direction", "nTrees", "maxSamplesPerTree", "quantile", "baselineQuantile",
];

/** One parameter's importance, and the sign of its effect. */
export interface ParamImportance {
  name: string;
  /** Share of the importance, in [0, 1]; the shares of all assessed parameters sum to 1 (or are all 0 for a constant objective). */
  importance: number;
  /**
   * Spearman rank correlation between the parameter and the objective value, in [−1, 1]: positive
   * when larger values of the parameter go with larger objective values. 0 for categorical
   * parameters, whose choices have no order.
   */
  correlation: number;
}

/** What {@link importance} answers: parameters sorted by importance, most important first. */
export interface ImportanceResult {
  method: ImportanceMethod;
  params: ParamImportance[];
  /** Complete trials the analysis used. */
  nTrials: number;
}

/** Thrown for options or trials the analysis cannot work with; the message names the field. */
export class ImportanceError extends RangeError {
  override name = "ImportanceError";
}

/**
 * How much each parameter matters to the objective.
 *
 * - `fanova` (default): functional ANOVA (Hutter, Hoos & Leyton-Brown 2014) on a seeded random
 *   forest fitted to the complete trials; each importance is the parameter's share of the variance
 *   the forest explains through single parameters, over the whole search space.
 * - `ped-anova`: PED-ANOVA (Watanabe, Bansal & Hutter 2023): how differently each parameter is
 *   distributed among the best 10% of trials than among all of them (a Pearson divergence,
 *   in closed form). No model is fitted, so it takes milliseconds on 100,000 trials.
 *
 * Only complete trials with a finite value are used. Numeric parameters are analysed in the
 * encoded scale the samplers use (a log-scaled parameter on its log scale).
 *
 * @example
 * const result = importance(study.trials, { method: "fanova", seed: 1 });
 * // { method: "fanova", nTrials: 200, params: [{ name: "lr", importance: 0.71, correlation: -0.62 }, …] }
 */
export function importance(trials: readonly FrozenTrial[], options: ImportanceOptions = {}): ImportanceResult {
  // A misspelt directon computed PED-ANOVA for minimize; methd ran fANOVA.
  const unknown = unknownKeysMessage(options, IMPORTANCE_OPTION_KEYS);
  if (unknown !== null) throw new ImportanceError(unknown);
  const method = options.method ?? "fanova";
  if (!IMPORTANCE_METHODS.includes(method)) {
    throw new ImportanceError(`method must be one of ${IMPORTANCE_METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  }
  const direction = options.direction ?? "minimize";
  if (direction !== "minimize" && direction !== "maximize") throw new ImportanceError(`direction must be "minimize" or "maximize", got ${JSON.stringify(direction)}`);
  const table = importanceTable(trials, options.params, options.objectiveIndex ?? 0);
  const { names, distributions, columns, values } = table;
  const valueRanks = ranks(values);
  let shares: Float64Array;
  if (method === "fanova") {
    shares = fanovaShares(table, options);
  } else {
    const order = orderByRank(valueRanks, direction);
    try {
      shares = pedAnovaImportances(columns, distributions, order, { quantile: options.quantile, baselineQuantile: options.baselineQuantile, values });
    } catch (error) {
      throw error instanceof RangeError ? new ImportanceError(error.message) : error;
    }
  }
  normalizeInPlace(shares);
  const params = names.map((name, j) => ({
    name,
    importance: shares[j]!,
    correlation: distributions[j]!.type === "categorical" ? 0 : rankCorrelation(ranks(columns[j]! as number[]), valueRanks),
  }));
  params.sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { method, params, nTrials: values.length };
}

/** The complete trials as columns: one per parameter, and the objective values. */
interface ImportanceTable {
  names: string[];
  distributions: Distribution[];
  columns: ParamValue[][];
  values: number[];
}

function importanceTable(trials: readonly FrozenTrial[], requested: string[] | undefined, objectiveIndex: number): ImportanceTable {
  if (!Number.isInteger(objectiveIndex) || objectiveIndex < 0) {
    throw new ImportanceError(`objectiveIndex must be an integer ≥ 0, got ${objectiveIndex}`);
  }
  let usable = trials.filter((t) => t.state === "complete" && t.values !== null && Number.isFinite(t.values[objectiveIndex]));
  if (usable.length === 0 && trials.some((t) => t.state === "complete" && t.values !== null && t.values.length <= objectiveIndex)) {
    throw new ImportanceError(`objectiveIndex ${objectiveIndex} is out of range: the trials have ${trials.find((t) => t.values)!.values!.length} objective(s)`);
  }
  const withValue = usable.length;
  let names: string[];
  let distributions: Distribution[];
  if (requested !== undefined) {
    if (!Array.isArray(requested) || requested.length === 0) throw new ImportanceError("params must be a non-empty list of parameter names");
    names = [...new Set(requested)];
    // A range changed between runs is analysed over the span of all of them; a parameter that
    // changed kind (float to categorical, log to linear) is analysed as the latest trial has it,
    // and the trials that sampled it otherwise are left out.
    const spanning = names.map((name) => {
      const holders = usable.filter((t) => t.distributions[name] !== undefined);
      if (holders.length === 0) throw new ImportanceError(`params: no complete trial has a parameter named ${JSON.stringify(name)}`);
      return spanningDistribution(holders.map((t) => t.distributions[name]!));
    });
    distributions = names.map((name, j) => spanning[j] ?? [...usable].reverse().find((t) => t.distributions[name] !== undefined)!.distributions[name]!);
    usable = usable.filter((t) =>
      names.every((name, j) => t.distributions[name] !== undefined && (spanning[j] !== null || distributionsEqual(t.distributions[name]!, distributions[j]!))),
    );
  } else {
    const shared = sharedSpace(usable);
    names = Object.keys(shared).sort();
    distributions = names.map((name) => shared[name]!);
  }
  // Parameters asked for that no two trials share (conditional ones on different branches) left
  // no trial, and the message said none had a value.
  const withParams = usable.length;
  // A value outside its distribution (hand-edited storage, an enqueued point) has no place in the encoding.
  usable = usable.filter((t) => names.every((name, j) => containsValue(distributions[j]!, t.params[name])));
  if (usable.length < 2) {
    const asked = withParams < withValue ? ` and every parameter of params (${names.join(", ")})` : "";
    const of = asked !== "" ? ` (of ${withValue} complete trials with a finite value)` : "";
    throw new ImportanceError(`importance needs at least 2 complete trials with a finite value${asked}, got ${usable.length}${of}`);
  }
  if (names.length === 0) throw new ImportanceError("importance needs at least one parameter that every complete trial has and that takes more than one value");
  return {
    names,
    distributions,
    columns: names.map((name) => usable.map((t) => t.params[name] as ParamValue)),
    values: usable.map((t) => t.values![objectiveIndex]!),
  };
}

/**
 * Parameters every trial has, each with the distribution that spans all of theirs (see
 * {@link spanningDistribution}), that can take more than one value.
 */
function sharedSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
  if (trials.length === 0) return {};
  const shared: Record<string, Distribution> = {};
  for (const name of Object.keys(trials[0]!.distributions)) {
    const seen: Distribution[] = [];
    let last: Distribution | undefined;
    let everyTrial = true;
    for (const trial of trials) {
      const distribution = trial.distributions[name];
      if (distribution === undefined) {
        everyTrial = false;
        break;
      }
      // Trials read from one storage usually share distribution objects: identity is the fast path.
      if (distribution !== last && (last === undefined || !distributionsEqual(distribution, last))) seen.push(distribution);
      last = distribution;
    }
    if (!everyTrial) continue;
    const spanning = spanningDistribution(seen);
    if (spanning !== null && !isSingleValue(spanning)) shared[name] = spanning;
  }
  return shared;
}

/**
 * One distribution that holds every value of `distributions`, or null when they differ in kind.
 * A study resumed with a parameter's range widened or narrowed (`sextant tune` only warns about
 * it) has trials on several ranges of one parameter; they are analysed together over the union of
 * the ranges, as the analysis encodes values by the distribution's bounds. Numeric ranges join when
 * the type, the log scale and the step agree (for a step, on one grid); categorical ones join their
 * choices, in the order first seen.
 *
 * @example
 * spanningDistribution([{ type: "float", low: -5, high: 5 }, { type: "float", low: -5, high: 6 }]) // { type: "float", low: -5, high: 6 }
 */
export function spanningDistribution(distributions: readonly Distribution[]): Distribution | null {
  const first = distributions[0]!;
  if (distributions.every((d) => d === first || distributionsEqual(d, first))) return first;
  if (first.type === "categorical") {
    if (!distributions.every((d) => d.type === "categorical")) return null;
    const choices = new Set<CategoricalChoice>();
    for (const d of distributions) for (const choice of (d as CategoricalDistribution).choices) choices.add(choice);
    return { type: "categorical", choices: [...choices] };
  }
  const numeric = distributions as readonly NumericDistribution[];
  const step = effectiveStep(first);
  const sameKind = numeric.every((d) => d.type === first.type && Boolean(d.log) === Boolean(first.log) && effectiveStep(d) === step);
  if (!sameKind) return null;
  // A loop, not Math.min(...): a study of 100,000 trials may bring as many distributions.
  let low = first.low;
  let high = first.high;
  for (const d of numeric) {
    low = Math.min(low, d.low);
    high = Math.max(high, d.high);
  }
  if (step !== undefined && !numeric.every((d) => onGrid(d.low - low, step) && onGrid(high - d.high, step))) return null;
  return { ...first, low, high };
}

/** Whether `offset` is a whole number of `step`s, up to rounding. */
function onGrid(offset: number, step: number): boolean {
  const cells = offset / step;
  return Math.abs(cells - Math.round(cells)) <= 1e-8 * Math.max(1, Math.abs(cells));
}

function fanovaShares(table: ImportanceTable, options: ImportanceOptions): Float64Array {
  const { distributions, columns, values } = table;
  const n = values.length;
  const d = distributions.length;
  const x = new Float64Array(n * d);
  const categories = new Int32Array(d);
  for (let j = 0; j < d; j++) {
    const distribution = distributions[j]!;
    const column = columns[j]!;
    if (distribution.type === "categorical") {
      categories[j] = distribution.choices.length;
      for (let t = 0; t < n; t++) x[t * d + j] = distribution.choices.indexOf(column[t] as never);
    } else {
      for (let t = 0; t < n; t++) x[t * d + j] = encodeValue(distribution, column[t]!);
    }
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new ImportanceError(`seed must be a finite number, got ${seed}`);
  const nTrees = options.nTrees ?? 64;
  if (!Number.isInteger(nTrees) || nTrees < 1) throw new ImportanceError(`nTrees must be an integer ≥ 1, got ${nTrees}`);
  const maxSamples = options.maxSamplesPerTree ?? 10_000;
  if (!Number.isInteger(maxSamples) || maxSamples < 2) throw new ImportanceError(`maxSamplesPerTree must be an integer ≥ 2, got ${maxSamples}`);
  // Standardized targets: the forest's and fANOVA's stopping rules are relative to values near 1,
  // so objectives of 1e-10 or 1e160 (whose squares overflow) came out with every importance 0.
  // Penalties of ±Number.MAX_VALUE overflowed the differences: every share came out 0.
  const y = standardize(values, meanAndDeviation(values));
  const forest = fitForest({ x, y, n, d, categories }, { nTrees, seed, maxSamples });
  return fanovaMainEffects(forest).fractions;
}

function normalizeInPlace(shares: Float64Array): void {
  let total = 0;
  for (const s of shares) total += Math.max(0, s);
  for (let j = 0; j < shares.length; j++) shares[j] = total > 0 ? Math.max(0, shares[j]!) / total : 0;
}

/**
 * Spearman's rank correlation (Pearson correlation of the ranks, ties given their mean rank); 0 when
 * either side is constant.
 *
 * @example
 * spearman([1, 2, 3], [10, 20, 15]) // 0.5
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  return rankCorrelation(ranks(a), ranks(b));
}

function rankCorrelation(ra: Float64Array, rb: Float64Array): number {
  const n = ra.length;
  const mean = (n - 1) / 2;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - mean;
    const db = rb[i]! - mean;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  return varianceA > 0 && varianceB > 0 ? covariance / Math.sqrt(varianceA * varianceB) : 0;
}


/** Trial positions from best to worst, by a counting sort on the values' ranks (ties stay in trial order). */
function orderByRank(valueRanks: Float64Array, direction: Direction): Int32Array {
  const n = valueRanks.length;
  const slot = (i: number): number => {
    const r = Math.floor(valueRanks[i]!);
    return direction === "minimize" ? r : n - 1 - r;
  };
  const starts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) starts[slot(i) + 1]++;
  for (let k = 0; k < n; k++) starts[k + 1] += starts[k]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[starts[slot(i)]!++] = i;
  return order;
}
