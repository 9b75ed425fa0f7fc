/**
 * Constrained Bayesian optimisation with one GP per constraint (Gardner, Kusner, Xu, Weinberger and
 * Cunningham 2014, "Bayesian Optimization with Inequality Constraints", ICML): the acquisition is
 * the objective's acquisition times the probability of feasibility, ∏ₖ P(cₖ(x) ≤ 0), with the
 * constraint GPs independent. In logs: log EI(x) + Σₖ log Φ((0 − μₖ(x))/σₖ(x)). While no
 * observation is feasible there is no incumbent to improve on, and the acquisition is the
 * probability of feasibility alone, which leads the search into the feasible region first.
 */
import { logNormalCdf, logNormalPdf } from "../../math/special.js";
import { meanAndDeviation, standardize } from "../../math/statistics.js";
import type { Acquisition } from "./acquisition.js";
import { GaussianProcess, type NoisePrior, type PriorMean, type TrainingData, defaultPrior, fitHyperparameters, parametersFromTheta, standardCentre } from "./model.js";

const MIN_VARIANCE = 1e-20;

/** A GP of one standardised constraint and where 0 lies on its scale. */
export interface ConstraintModel {
  readonly gp: GaussianProcess;
  /** The feasibility bound 0, standardised like the GP's targets. */
  readonly threshold: number;
  /** What the targets were divided by: a target t stands for the value (t − threshold) · scale. */
  readonly scale: number;
}

/**
 * log P(c(x) ≤ threshold) under a Gaussian posterior, and its gradient from the gradients of the
 * posterior mean and variance when `out` is given: with z = (t − μ)/σ and r = φ(z)/Φ(z),
 * ∇ = r·∇z, ∇z = −∇μ/σ − z·∇σ/σ, ∇σ = ∇σ²/(2σ).
 *
 * @example
 * logProbabilityOfFeasibility(0, 1, 0); // log 0.5
 */
export function logProbabilityOfFeasibility(
  mean: number,
  variance: number,
  threshold: number,
  meanGradient?: Float64Array,
  varianceGradient?: Float64Array,
  out?: Float64Array,
): number {
  const clamped = variance < MIN_VARIANCE;
  const sigma = Math.sqrt(clamped ? MIN_VARIANCE : variance);
  const z = (threshold - mean) / sigma;
  const value = logNormalCdf(z);
  if (out && meanGradient && varianceGradient) {
    const ratio = Math.exp(logNormalPdf(z) - value);
    for (let i = 0; i < out.length; i++) {
      const dSigma = clamped ? 0 : varianceGradient[i]! / (2 * sigma);
      out[i] = (ratio * (-meanGradient[i]! - z * dSigma)) / sigma;
    }
  }
  return value;
}

/**
 * Fits one GP per column of `targets` (one per constraint, or one per objective) on `points`.
 * Each column is standardised (a constant one gets unit scale), so the prior and the noise floor
 * mean the same for every model; the bound 0 moves with it (`threshold`). `priorMean` (default
 * "mean") is the constant the standardisation subtracts, i.e. each model's prior mean (see
 * `PriorMean`); the sampler gives objectives its option and constraints always "mean". `starts(k)` gives the
 * hyperparameter starts of column k (a warm start from the previous trial, the default, or both);
 * `reuse(k)`, when given and it returns a θ, is taken as column k's hyperparameters without a fit
 * (the refit schedule of `kernelFitPlan` skips most fits once n is large).
 */
export function fitStandardizedModels(
  points: readonly Float64Array[],
  targets: readonly (readonly number[])[],
  categorical: Uint8Array,
  options: {
    minNoise: number;
    noisePrior?: NoisePrior;
    fitIterations: number;
    /** The most observations a hyperparameter fit sees (see `FitOptions.maxObservations`; default all). */
    fitMaxObservations?: number;
    starts: (column: number) => ArrayLike<number>[];
    reuse?: (column: number) => ArrayLike<number> | undefined;
    priorMean?: PriorMean;
  },
): { models: ConstraintModel[]; thetas: number[][] } {
  const n = points.length;
  if (n === 0) return { models: [], thetas: [] };
  const d = categorical.length;
  const x = new Float64Array(n * d);
  for (let j = 0; j < n; j++) x.set(points[j]!, j * d);
  const prior = defaultPrior(d, options.minNoise, options.noisePrior);
  const models: ConstraintModel[] = [];
  const thetas: number[][] = [];
  for (let k = 0; k < targets[0]!.length; k++) {
    const column = targets.map((c) => c[k]!);
    // Measured without overflowing: constraint values of 1e200 squared to Infinity, every target
    // became 0, and the model of feasibility went flat (the GP then wandered into infeasible space).
    const { mean, sd } = meanAndDeviation(column);
    const scale = sd || 1;
    const centre = standardCentre(column, options.priorMean ?? "mean", mean);
    const y = standardize(column, { mean: centre, sd: scale });
    const data: TrainingData = { x, y, n, d, categorical };
    const theta = options.reuse?.(k) ?? fitHyperparameters(data, { prior, starts: options.starts(k), maxIterations: options.fitIterations, maxObservations: options.fitMaxObservations }).theta;
    const clean = Array.from(theta, (v) => (Number.isFinite(v) ? v : 0));
    thetas.push(clean);
    models.push({ gp: new GaussianProcess(data, parametersFromTheta(Float64Array.from(clean), d)), threshold: -centre / scale, scale });
  }
  return { models, thetas };
}

/**
 * The objective's acquisition (in logs; null when nothing is feasible yet) plus the log
 * probability of feasibility under every constraint model.
 */
export function constrainedAcquisition(objective: Acquisition | null, models: readonly ConstraintModel[], d: number): Acquisition {
  const meanGradient = new Float64Array(d);
  const varianceGradient = new Float64Array(d);
  const term = new Float64Array(d);
  const withGradient = objective === null || objective.valueWithGradient !== undefined;
  return {
    value(point) {
      let total = objective === null ? 0 : objective.value(point);
      for (const { gp, threshold } of models) {
        const { mean, variance } = gp.predict(point);
        total += logProbabilityOfFeasibility(mean, variance, threshold);
      }
      return total;
    },
    ...(withGradient
      ? {
          valueWithGradient(point: Float64Array, gradient: Float64Array): number {
            let total = 0;
            if (objective === null) gradient.fill(0);
            else total = objective.valueWithGradient!(point, gradient);
            for (const { gp, threshold } of models) {
              const { mean, variance } = gp.predictWithGradient(point, meanGradient, varianceGradient);
              total += logProbabilityOfFeasibility(mean, variance, threshold, meanGradient, varianceGradient, term);
              for (let i = 0; i < d; i++) gradient[i] = gradient[i]! + term[i]!;
            }
            return total;
          },
        }
      : {}),
  };
}
