/**
 * What the model believes: the Gaussian-process posterior of a study, refitted on its trials, along
 * one parameter or over two, with every other parameter held at the best trial (or a given point).
 * Ax draws such model-based slices and contours; they show where the model is sure and where it is
 * guessing, which plain scatter plots of the trials cannot.
 *
 * The model is the GP sampler's own (`src/samplers/gp/model.ts`): Matérn-5/2 ARD kernel on the
 * unit-cube encoding (categorical choices through a Hamming term), MAP hyperparameters by
 * L-BFGS-B. The fit is warm-started from the θ the sampler recorded on the latest trial, when there
 * is one, and from the default; it depends only on the trials, so it is deterministic.
 *
 * Analysis sits above samplers only here: reusing the sampler's model is the point (the beliefs
 * shown are the beliefs that chose the trials), so this file imports it rather than copying it.
 *
 * @module
 */
import {
  type Direction,
  type FrozenTrial,
  type ParamValue,
  type SearchSpace,
  SpaceEncoder,
  cardinality,
  choiceIndex,
  containsValue,
  decodeValue,
  effectiveStep,
  encodeValue,
  snapToDistribution,
} from "../space/index.js";
import { FIT_MAX_OBSERVATIONS, THETA_ATTR } from "../samplers/gp/gp.js";
import { meanAndDeviation, standardize } from "../math/statistics.js";
import { feasibilityRule } from "./pareto.js";
import { GaussianProcess, type TrainingData, defaultPrior, defaultTheta, fitHyperparameters, parametersFromTheta } from "../samplers/gp/model.js";

/** Options of {@link modelBeliefs}. */
export interface BeliefOptions {
  /** One parameter (a slice) or two (a grid). */
  params: [string] | [string, string];
  /**
   * The point the other parameters are held at: `"best"` (default: the best feasible complete trial
   * of all, fitted even when older than the latest `maxTrials`) or explicit values.
   */
  through?: "best" | Record<string, ParamValue>;
  /** Points along each numeric parameter (default 50; parameters with fewer legal values show each). */
  points?: number;
  /** Which end is best, for `through: "best"` (default "minimize"). */
  direction?: Direction;
  /** Which objective of a multi-objective study (default 0). */
  objectiveIndex?: number;
  /**
   * At most this many trials, the latest by number and the best one, are fitted (default 500): a GP
   * costs O(n³). Above 500 the kernel's hyperparameters are fitted on 500 of them, chosen as the GP
   * sampler's `fitMaxObservations` chooses, and the posterior conditions on all.
   */
  maxTrials?: number;
}

/** The posterior along one parameter. */
export interface BeliefSlice {
  kind: "slice";
  param: string;
  /** The parameter's values where the model was asked. */
  values: ParamValue[];
  /** Posterior mean of the objective, in its own units. */
  mean: number[];
  /** Posterior standard deviation of the (noise-free) objective, in its own units. */
  std: number[];
  /** The point the other parameters were held at. */
  through: Record<string, ParamValue>;
  nTrials: number;
}

/** The posterior over two parameters: `mean[j][i]` is at `x[i]`, `y[j]`. */
export interface BeliefGrid {
  kind: "grid";
  params: [string, string];
  x: ParamValue[];
  y: ParamValue[];
  mean: number[][];
  std: number[][];
  through: Record<string, ParamValue>;
  nTrials: number;
}

/** Thrown for options or trials the model cannot be fitted on; the message names the field. */
export class BeliefError extends RangeError {
  override name = "BeliefError";
}

/**
 * The GP posterior mean and standard deviation along one parameter, or over a grid of two, through
 * the best trial.
 *
 * @example
 * const slice = modelBeliefs(study.trials, { lr: { type: "float", low: 1e-5, high: 1, log: true }, depth: { type: "int", low: 1, high: 8 } }, { params: ["lr"] });
 * // { kind: "slice", param: "lr", values: [1e-5, …], mean: […], std: […], through: { lr: 0.01, depth: 4 }, nTrials: 60 }
 */
export function modelBeliefs(trials: readonly FrozenTrial[], space: SearchSpace, options: BeliefOptions): BeliefSlice | BeliefGrid {
  const encoder = new SpaceEncoder(space);
  const d = encoder.dimension;
  if (d === 0) throw new BeliefError("space: no parameters to model");
  const names = options.params;
  if (!Array.isArray(names) || names.length < 1 || names.length > 2 || (names.length === 2 && names[0] === names[1])) {
    throw new BeliefError(`params: give one parameter or two different ones, got ${JSON.stringify(names)}`);
  }
  for (const name of names) {
    if (space[name] === undefined) throw new BeliefError(`params: ${JSON.stringify(name)} is not in the space (${encoder.names.join(", ")})`);
  }
  const points = options.points ?? 50;
  if (!Number.isInteger(points) || points < 2 || points > 1000) throw new BeliefError(`points must be an integer in [2, 1000], got ${points}`);
  const index = options.objectiveIndex ?? 0;
  if (!Number.isInteger(index) || index < 0) throw new BeliefError(`objectiveIndex must be an integer ≥ 0, got ${index}`);
  const maxTrials = options.maxTrials ?? 500;
  if (!Number.isInteger(maxTrials) || maxTrials < 2) throw new BeliefError(`maxTrials must be an integer ≥ 2, got ${maxTrials}`);

  const modelled = trials
    .filter((t) => t.state === "complete" && t.values !== null && Number.isFinite(t.values[index]) && encoder.names.every((name, i) => containsValue(encoder.distributions[i]!, t.params[name])))
    .sort((a, b) => a.number - b.number);
  let usable = modelled.slice(-maxTrials);
  if (usable.length < 2) throw new BeliefError(`the model needs at least 2 complete trials with every parameter of the space, got ${usable.length}`);
  const direction = options.direction ?? "minimize";
  const best = bestTrial(modelled, feasibilityRule(trials), direction, index);
  // The best trial may be older than the latest maxTrials: it takes the oldest one's place, so the
  // model is fitted where it is asked, on as many trials as before.
  if (!usable.includes(best)) usable = [best, ...usable.slice(1)];

  const model = fitModel(usable, encoder, index);
  const through = options.through === undefined || options.through === "best" ? paramsOf(best, encoder) : throughPoint(encoder, options.through);
  const base = encodePoint(through, encoder);
  const axes = names.map((name) => axisValues(space[name]!, points));
  const dims = names.map((name) => encoder.names.indexOf(name));
  const point = base.slice();
  const ask = (): { mean: number; std: number } => model.predict(point);

  if (names.length === 1) {
    const mean: number[] = [];
    const std: number[] = [];
    for (const value of axes[0]!) {
      point[dims[0]!] = encodeCoordinate(space[names[0]]!, value);
      const belief = ask();
      mean.push(belief.mean);
      std.push(belief.std);
    }
    return { kind: "slice", param: names[0], values: axes[0]!, mean, std, through, nTrials: usable.length };
  }
  const mean: number[][] = [];
  const std: number[][] = [];
  for (const yValue of axes[1]!) {
    point[dims[1]!] = encodeCoordinate(space[names[1]!]!, yValue);
    const meanRow: number[] = [];
    const stdRow: number[] = [];
    for (const xValue of axes[0]!) {
      point[dims[0]!] = encodeCoordinate(space[names[0]]!, xValue);
      const belief = ask();
      meanRow.push(belief.mean);
      stdRow.push(belief.std);
    }
    mean.push(meanRow);
    std.push(stdRow);
  }
  return { kind: "grid", params: [names[0], names[1]!], x: axes[0]!, y: axes[1]!, mean, std, through, nTrials: usable.length };
}

/** A fitted GP that answers in the objective's own units. */
interface FittedModel {
  predict(point: Float64Array): { mean: number; std: number };
}

function fitModel(trials: readonly FrozenTrial[], encoder: SpaceEncoder, index: number): FittedModel {
  const n = trials.length;
  const d = encoder.dimension;
  const x = new Float64Array(n * d);
  for (let j = 0; j < n; j++) x.set(encodePoint(trials[j]!.params, encoder), j * d);
  const raw = trials.map((t) => t.values![index]!);
  // Measured without squaring values near the largest double: a penalty of Number.MAX_VALUE among
  // the trials made the spread Infinity, and every mean NaN.
  const { mean: centre, sd: scale } = meanAndDeviation(raw);
  if (!(scale > 0)) return { predict: () => ({ mean: centre, std: 0 }) };
  const y = standardize(raw, { mean: centre, sd: scale });
  const categorical = Uint8Array.from(encoder.distributions, (dist) => (dist.type === "categorical" ? 1 : 0));
  const data: TrainingData = { x, y, n, d, categorical };
  const prior = defaultPrior(d);
  const starts: ArrayLike<number>[] = [defaultTheta(d, prior)];
  const recorded = trials[n - 1]!.systemAttrs[THETA_ATTR];
  if (Array.isArray(recorded) && recorded.length === d + 2 && recorded.every((v) => typeof v === "number" && Number.isFinite(v))) starts.push(recorded as number[]);
  // Capped as the GP sampler caps its fits (maxTrials may exceed the cap): θ from a subset, the
  // posterior from every trial. Uncapped, a fit of 1500 trials of a 5-D study took over a minute.
  const { theta } = fitHyperparameters(data, { prior, starts, maxObservations: FIT_MAX_OBSERVATIONS });
  const gp = new GaussianProcess(data, parametersFromTheta(theta, d));
  return {
    predict(point) {
      const { mean, variance } = gp.predict(point);
      return { mean: centre + scale * mean, std: scale * Math.sqrt(variance) };
    },
  };
}

/** Encodes parameters as the GP sampler does: numeric ones to [0, 1], categorical ones to their choice index. */
function encodePoint(params: Readonly<Record<string, ParamValue>>, encoder: SpaceEncoder): Float64Array {
  const point = new Float64Array(encoder.dimension);
  for (let i = 0; i < encoder.dimension; i++) point[i] = encodeCoordinate(encoder.distributions[i]!, params[encoder.names[i]!] as ParamValue);
  return point;
}

function encodeCoordinate(distribution: SearchSpace[string], value: ParamValue): number {
  return distribution.type === "categorical" ? choiceIndex(distribution, value) : encodeValue(distribution, value);
}

/**
 * The best of `trials` for objective `index` among the feasible ones (the study's rule, as
 * `Study.bestTrial`); when none is feasible, the best of all, as the model has nothing better to go through.
 */
function bestTrial(trials: readonly FrozenTrial[], feasible: (trial: FrozenTrial) => boolean, direction: Direction, index: number): FrozenTrial {
  const feasibleOnes = trials.filter(feasible);
  const pool = feasibleOnes.length > 0 ? feasibleOnes : trials;
  let best = pool[0]!;
  for (const t of pool) {
    const better = direction === "minimize" ? t.values![index]! < best.values![index]! : t.values![index]! > best.values![index]!;
    if (better) best = t;
  }
  return best;
}

function paramsOf(trial: FrozenTrial, encoder: SpaceEncoder): Record<string, ParamValue> {
  return Object.fromEntries(encoder.names.map((name) => [name, trial.params[name] as ParamValue]));
}

function throughPoint(encoder: SpaceEncoder, through: Record<string, ParamValue>): Record<string, ParamValue> {
  if (through === null || typeof through !== "object") throw new BeliefError(`through must be "best" or a record of parameter values, got ${JSON.stringify(through)}`);
  return Object.fromEntries(
    encoder.names.map((name, i) => {
      const value = through[name];
      if (!containsValue(encoder.distributions[i]!, value)) throw new BeliefError(`through.${name}: ${JSON.stringify(value)} is not a legal value of the parameter`);
      return [name, value as ParamValue];
    }),
  );
}

/** Where along a parameter to ask: every legal value when there are few, else evenly spaced in its encoded scale. */
function axisValues(distribution: SearchSpace[string], points: number): ParamValue[] {
  if (distribution.type === "categorical") return [...distribution.choices];
  const count = cardinality(distribution);
  const step = effectiveStep(distribution);
  if (step !== undefined && count <= points) {
    return Array.from({ length: count }, (_, k) => snapToDistribution(distribution, distribution.low + k * step));
  }
  const values: ParamValue[] = [];
  for (let k = 0; k < points; k++) {
    const value = decodeValue(distribution, k / (points - 1));
    if (values.length === 0 || values[values.length - 1] !== value) values.push(value);
  }
  return values;
}
