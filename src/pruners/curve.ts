/**
 * The learning-curve predictor of Baker, Gupta, Raskar and Naik (2017), "Accelerating Neural
 * Architecture Search using Performance Prediction" (arXiv:1705.10823), as a pruner.
 *
 * What the paper does (§3–4), and how it maps here:
 *
 * - **Features.** For a configuration observed for τ epochs: its hyperparameters (and architecture
 *   features, which for a generic tuner are just more parameters), the partial validation curve
 *   y(1), …, y(τ), its first-order differences y′(t) = y(t+1) − y(t) and its second-order
 *   differences y″(t) = y′(t+1) − y′(t). Here: the trial's intermediate values at the steps it
 *   reported (at most {@link MAX_CURVE_POINTS} of them, evenly spaced and always including the
 *   latest, so long curves keep a bounded feature count), their first and second differences, and
 *   its parameters in the unit cube (log scales applied; categoricals one-hot). Every column is
 *   standardised over the training set.
 * - **Model.** One "sequential regression model" per τ, trained on configurations that finished,
 *   with their final value as the target. The paper compares ordinary least squares, random
 *   forests and ν-support-vector regression with linear and RBF kernels, and finds ν-SVR with an
 *   RBF kernel the most accurate (random forests close behind), so it uses ν-SVR. Here the model is
 *   the RBF kernel machine with squared loss, kernel ridge regression, which fits the same
 *   function class in closed form (no SMO solver whose tolerances would make decisions drift). Its
 *   two hyperparameters, the kernel width (a multiple of the median pairwise distance) and the ridge,
 *   are chosen on a small grid by exact leave-one-out error, as the paper chooses its SVR's by
 *   cross-validation. Models are cached per (feature steps, training set).
 * - **Stopping rule.** The paper treats the prediction ŷ_T of the final value as Gaussian, with the
 *   standard deviation of the model's cross-validation errors, and stops a configuration when
 *   P(ŷ_T beats y_best) ≤ Δ, y_best being the best final value so far. Here σ is the root mean
 *   square of the exact leave-one-out residuals of the chosen model, and a trial is pruned when
 *   Φ((y_best − ŷ_T)/σ) (for minimisation) falls below `threshold` (Δ).
 * - The paper waits for a training set of finished configurations before stopping anything (it
 *   reports results after 100 models in MetaQNN); `minTrials` sets that size, smaller because
 *   tuning studies are smaller.
 * - Two choices of ours: the model predicts the change from the latest value to the final one
 *   (the latest value is also a feature), so its shrinkage towards the training mean pulls a
 *   trial better than every training trial towards the typical remaining change, not towards a
 *   typical final value, which would make every new best look hopeless. And the defaults Δ = 0.01
 *   and `minTrials` = 20 were chosen on the synthetic curves of `bench/pruning.mjs` (the dev
 *   problem; Δ = 0.05 and 10 trials pruned too eagerly there), not on its Branin and LCBench runs.
 *
 * A NaN intermediate value prunes (the run diverged), and so does one at the losing infinity
 * (+∞ minimizing, −∞ maximizing). Pruned trials never train the model: their
 * final value is unknown. `seed` chooses which finished trials train it once there are more than
 * `maxTrainingTrials`; below that the pruner uses no randomness.
 *
 * @example
 * const study = await createStudy({ pruner: new CurvePruner({ threshold: 0.01, minTrials: 20, seed: 1 }) });
 */
import { choleskyInverse, choleskySolve, choleskyWithJitter, NotPositiveDefiniteError } from "../math/linalg.js";
import { Rng, deriveSeed, randomSeed } from "../math/rng.js";
import { normalCdf } from "../math/special.js";
import { meanAndDeviation } from "../math/statistics.js";
import {
  type Direction,
  type Distribution,
  type FrozenTrial,
  type StudySnapshot,
  SEED_OPTION,
  defineOptions,
  distributionsEqual,
  encodeValue,
  intermediateIndex,
  studyKeyOf,
  refuseUnknownOptions,
  componentSpec,
  type ComponentSpec,
} from "../space/index.js";
import type { Pruner } from "./base.js";
import { checkInteger, checkNumber, isFirstInInterval, lastTwoSteps, singleDirection } from "./steps.js";

export interface CurvePrunerOptions {
  /** Δ: prune when the predicted probability of beating the best final value falls below this (default 0.01). */
  threshold?: number;
  /** Complete trials needed before the model is trained and anything is pruned (default 20). */
  minTrials?: number;
  /** No pruning while the trial's latest step is below this (default 2). */
  nWarmupSteps?: number;
  /** Judge only once per this many steps after the warm-up (default 1). */
  intervalSteps?: number;
  /** At most this many complete trials train a model, drawn by `seed` when there are more (default 100). */
  maxTrainingTrials?: number;
  /** Seed of the draw of training trials (default: random). */
  seed?: number;
}

/** Curve points (and so 3·k − 3 curve features) a model uses at most. */
export const MAX_CURVE_POINTS = 12;

const WIDTH_FACTORS = [0.5, 1, 2];
const RIDGES = [1e-3, 1e-2, 1e-1, 1];
const CACHE_LIMIT = 64;

/** A fitted model: how to build a query's features, and what it predicts for them. */
interface CurveModel {
  /** Prediction of the final loss (minimisation form) and the leave-one-out error scale σ. */
  predict(features: Float64Array): { mean: number; sigma: number };
}

/** The parameters a model uses, with their distributions. */
type ParamColumns = readonly (readonly [string, Distribution])[];

/**
 * Prunes a trial when a kernel regression model of final values, trained on complete trials'
 * partial curves, gives it less than `threshold` chance of beating the best final value so far
 * (Baker et al. 2017). See the file header for the paper's features, model and rule.
 */
export class CurvePruner implements Pruner {
  readonly name = "curve";
  readonly singleObjective = true;
  readonly threshold: number;
  readonly minTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly maxTrainingTrials: number;
  readonly seed: number;
  private readonly models = new Map<string, CurveModel | null>();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<CurvePrunerOptions>;

  constructor(options: CurvePrunerOptions = {}) {
    refuseUnknownOptions("curve pruner", options, CURVE_OPTIONS, []);
    this.given = { ...options };
    this.threshold = checkNumber(this.name, "threshold", options.threshold ?? 0.01, 0, 1);
    this.minTrials = checkInteger(this.name, "minTrials", options.minTrials ?? 20, 3);
    this.nWarmupSteps = checkInteger(this.name, "nWarmupSteps", options.nWarmupSteps ?? 2, 0);
    this.intervalSteps = checkInteger(this.name, "intervalSteps", options.intervalSteps ?? 1, 1);
    this.maxTrainingTrials = checkInteger(this.name, "maxTrainingTrials", options.maxTrainingTrials ?? 100, this.minTrials);
    this.seed = options.seed === undefined ? randomSeed() : checkInteger(this.name, "seed", options.seed, Number.MIN_SAFE_INTEGER);
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, CURVE_OPTIONS);
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial): boolean {
    const prediction = this.predictFinal(snapshot, trial);
    return prediction !== null && prediction.chanceToBeatBest < this.threshold;
  }

  /**
   * The model's view of a running trial: its predicted final value, the error scale, and the
   * chance it beats the best complete trial; null when the trial is not judged at its latest step
   * (warm-up, interval, too few complete trials to train on). A NaN latest value, or one at the
   * losing infinity, gives chance 0.
   *
   * @example
   * pruner.predictFinal(snapshot, trial) // { mean: 0.41, sigma: 0.03, best: 0.38, chanceToBeatBest: 0.16 }
   */
  predictFinal(snapshot: StudySnapshot, trial: FrozenTrial): { mean: number; sigma: number; best: number; chanceToBeatBest: number } | null {
    const direction = singleDirection(snapshot, this.name);
    const { last, secondLast } = lastTwoSteps(trial);
    if (last < 0 || last < this.nWarmupSteps) return null;
    if (!isFirstInInterval(last, secondLast, this.nWarmupSteps, this.intervalSteps)) return null;
    // A run that diverged, to NaN or to the losing infinity, has no chance; the finite steps alone
    // are no curve to judge it by (its latest report is not among them, nor the model's target step).
    if (Number.isNaN(trial.intermediate[last]) || loss(trial.intermediate[last]!, direction) === Number.POSITIVE_INFINITY) {
      return { mean: Number.NaN, sigma: Number.NaN, best: Number.NaN, chanceToBeatBest: 0 };
    }

    const complete = completeTrials(snapshot, trial.number);
    if (complete.length < this.minTrials) return null;
    // A loop, not Math.min(...): spreading 125,000 values overflowed the call stack.
    let best = Number.POSITIVE_INFINITY;
    for (const t of complete) best = Math.min(best, loss(t.values![0]!, direction));
    const steps = featureSteps(trial);
    if (steps.length === 0) return null;
    const usable = complete.filter((t) => steps.every((s) => Number.isFinite(t.intermediate[s])));
    if (usable.length < this.minTrials) return null;
    const training = this.pickTraining(usable, steps);
    const columns = sharedParams(trial, training);

    const key = `${studyKeyOf(snapshot)}|${direction}|${steps.join(",")}|${training.map((t) => t.id).join(",")}|${columns.map(([n]) => n).join(",")}`;
    let model = this.models.get(key);
    if (model === undefined) {
      model = fitModel(
        training.map((t) => features(t, steps, columns)),
        training.map((t) => loss(t.values![0]!, direction) - loss(t.intermediate[last]!, direction)),
      );
      if (this.models.size >= CACHE_LIMIT) this.models.delete(this.models.keys().next().value!);
      this.models.set(key, model);
    }
    if (model === null) return null;
    const predicted = model.predict(features(trial, steps, columns));
    const mean = loss(trial.intermediate[last]!, direction) + predicted.mean;
    const sigma = predicted.sigma;
    const chanceToBeatBest = normalCdf((best - mean) / sigma);
    const sign = direction === "minimize" ? 1 : -1;
    return { mean: sign * mean, sigma, best: sign * best, chanceToBeatBest };
  }

  private pickTraining(usable: FrozenTrial[], steps: readonly number[]): FrozenTrial[] {
    if (usable.length <= this.maxTrainingTrials) return usable;
    const rng = new Rng(deriveSeed(this.seed, usable.length, steps.at(-1)!));
    const order = usable.map((_, i) => i);
    for (let i = 0; i < this.maxTrainingTrials; i++) {
      const j = i + Math.floor(rng.uniform() * (order.length - i));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order
      .slice(0, this.maxTrainingTrials)
      .sort((a, b) => a - b)
      .map((i) => usable[i]!);
  }
}

/** Complete trials with a finite single value, other than the judged one, in trial-number order. */
function completeTrials(snapshot: StudySnapshot, except: number): FrozenTrial[] {
  const out: FrozenTrial[] = [];
  for (const t of snapshot.trials) {
    if (t.state !== "complete" || t.number === except || !t.values || !Number.isFinite(t.values[0])) continue;
    out.push(t);
  }
  return out.sort((a, b) => a.number - b.number);
}

function loss(value: number, direction: Direction): number {
  return direction === "minimize" ? value : -value;
}

/**
 * The trial's reported steps with finite values (all of them up to its latest step), thinned to at
 * most MAX_CURVE_POINTS evenly spaced ones ending at the latest: read from the index its `Trial`
 * keeps, so a report costs O(MAX_CURVE_POINTS) rather than a sort of every step.
 */
function featureSteps(trial: FrozenTrial): number[] {
  const index = intermediateIndex(trial);
  const count = index.finiteCount;
  const picked: number[] = [];
  if (count <= MAX_CURVE_POINTS) {
    for (let i = 0; i < count; i++) picked.push(index.finiteStepAt(i));
    return picked;
  }
  for (let i = 0; i < MAX_CURVE_POINTS; i++) picked.push(index.finiteStepAt(Math.round(((count - 1) * i) / (MAX_CURVE_POINTS - 1))));
  return picked;
}

/** Parameters the judged trial and every training trial have under one distribution, by name. */
function sharedParams(trial: FrozenTrial, training: readonly FrozenTrial[]): ParamColumns {
  const columns: [string, Distribution][] = [];
  for (const name of Object.keys(trial.distributions).sort()) {
    const distribution = trial.distributions[name]!;
    if (!(name in trial.params)) continue;
    const shared = training.every((t) => name in t.params && t.distributions[name] !== undefined && distributionsEqual(t.distributions[name]!, distribution));
    if (shared) columns.push([name, distribution]);
  }
  return columns;
}

/** The paper's features: curve values, first and second differences, then the parameters (categoricals one-hot). */
function features(trial: FrozenTrial, steps: readonly number[], columns: ParamColumns): Float64Array {
  const curve = steps.map((s) => trial.intermediate[s]!);
  const out: number[] = [...curve];
  for (let i = 1; i < curve.length; i++) out.push(curve[i]! - curve[i - 1]!);
  for (let i = 2; i < curve.length; i++) out.push(curve[i]! - 2 * curve[i - 1]! + curve[i - 2]!);
  for (const [name, distribution] of columns) {
    const value = trial.params[name]!;
    if (distribution.type === "categorical") {
      for (const choice of distribution.choices) out.push(choice === value ? 1 : 0);
    } else {
      out.push(encodeValue(distribution, value));
    }
  }
  return Float64Array.from(out);
}

/**
 * RBF kernel ridge regression on standardised features and targets, its width and ridge picked on
 * a grid by exact leave-one-out error (for a linear smoother, residual_i = α_i / [(K+λI)⁻¹]_ii).
 * Null if every fit fails numerically.
 */
export function fitModel(rows: Float64Array[], targets: number[]): CurveModel | null {
  const n = rows.length;
  const p = rows[0]!.length;
  const centre = new Float64Array(p);
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let sum = 0;
    for (const row of rows) sum += row[j]!;
    const mean = sum / n;
    let squares = 0;
    for (const row of rows) squares += (row[j]! - mean) ** 2;
    const sd = Math.sqrt(squares / n);
    centre[j] = mean;
    // A constant column carries nothing; a zero scale keeps it out of every distance.
    scale[j] = sd > 1e-12 ? 1 / sd : 0;
  }
  const standardise = (row: Float64Array): Float64Array => {
    const z = new Float64Array(p);
    for (let j = 0; j < p; j++) z[j] = (row[j]! - centre[j]!) * scale[j]!;
    return z;
  };
  const z = rows.map(standardise);
  // Curves of values beyond about 1e154 (or below 1e-154) made the plain sums Infinity (or 0): the
  // predictions came out NaN, or swamped by the floor below, and nothing was pruned.
  const { mean: yMean, sd } = meanAndDeviation(targets);
  const ySd = sd || 1;
  const y = targets.map((t) => (t - yMean) / ySd);

  const squared = new Float64Array(n * n);
  const distances: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      let d = 0;
      for (let j = 0; j < p; j++) d += (z[i]![j]! - z[k]![j]!) ** 2;
      squared[i * n + k] = squared[k * n + i] = d;
      distances.push(d);
    }
  }
  distances.sort((a, b) => a - b);
  const medianSquared = distances[Math.floor(distances.length / 2)] || 1;

  let best: { error: number; width2: number; alpha: Float64Array; sigma: number } | null = null;
  const base = new Float64Array(n * n);
  const kernel = new Float64Array(n * n);
  for (const factor of WIDTH_FACTORS) {
    const width2 = factor * factor * medianSquared;
    for (let i = 0; i < n * n; i++) base[i] = Math.exp(-squared[i]! / (2 * width2));
    for (const ridge of RIDGES) {
      kernel.set(base);
      for (let i = 0; i < n; i++) kernel[i * n + i] = 1 + ridge;
      let factorL: Float64Array;
      try {
        factorL = choleskyWithJitter(kernel, n).factor;
      } catch (error) {
        if (error instanceof NotPositiveDefiniteError) continue;
        throw error;
      }
      const alpha = choleskySolve(factorL, n, y);
      const inverse = choleskyInverse(factorL, n);
      let error = 0;
      for (let i = 0; i < n; i++) error += (alpha[i]! / inverse[i * n + i]!) ** 2;
      error /= n;
      if (Number.isFinite(error) && (best === null || error < best.error)) best = { error, width2, alpha, sigma: Math.sqrt(error) };
    }
  }
  if (best === null) return null;
  const { width2, alpha } = best;
  // The error scale never drops to zero: a perfect leave-one-out fit on few trials is luck.
  const sigma = Math.max(best.sigma, 1e-3) * ySd;
  return {
    predict(row: Float64Array) {
      const q = standardise(row);
      let mean = 0;
      for (let i = 0; i < n; i++) {
        let d = 0;
        for (let j = 0; j < p; j++) d += (q[j]! - z[i]![j]!) ** 2;
        mean += alpha[i]! * Math.exp(-d / (2 * width2));
      }
      return { mean: yMean + ySd * mean, sigma };
    },
  };
}

/** The options of the `curve` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const CURVE_OPTIONS = defineOptions({
  threshold: { kind: "number", min: 0, max: 1, default: 0.01, description: "Δ: prune when the predicted chance of beating the best final value is below this" },
  minTrials: { kind: "integer", min: 3, default: 20, description: "complete trials needed before the model is trained and anything is pruned" },
  nWarmupSteps: { kind: "integer", min: 0, default: 2, description: "no pruning while the trial's step is below this" },
  intervalSteps: { kind: "integer", min: 1, default: 1, description: "judge only once per this many steps after the warm-up" },
  maxTrainingTrials: { kind: "integer", min: 3, default: 100, description: "at most this many complete trials train a model (drawn by seed); at least minTrials" },
  seed: { ...SEED_OPTION, description: "seed of the draw of training trials when there are more than maxTrainingTrials" },
});
