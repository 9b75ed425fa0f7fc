/**
 * Gaussian-process regression for Bayesian optimisation: output warping and standardisation,
 * maximum-a-posteriori fitting of the kernel hyperparameters with analytic gradients, and a
 * posterior that predicts means, variances and their gradients for many candidates quickly.
 *
 * The model is the textbook one (Rasmussen & Williams 2006, "Gaussian Processes for Machine
 * Learning", algorithm 2.1 and eq. 5.9): y = f(x) + ε, f ~ GP(0, k) with the Matérn-5/2 ARD kernel
 * of `kernel.ts`, ε ~ N(0, σₙ²), on warped and standardised observations.
 *
 * @module
 */
import { NotPositiveDefiniteError, choleskyExtend, choleskyInverse, choleskySolve, choleskyWithJitter, solveLowerFromTransposed, solveLowerTransposed, transposeSquare } from "../../math/linalg.js";
import { minimizeLbfgsb } from "../../math/lbfgsb.js";
import { normalQuantile } from "../../math/special.js";
import { meanAndDeviation } from "../../math/statistics.js";
import { type KernelParameters, additiveCorrelation, additiveExponentials, crossCovariance, inverseSquared, kernelMatrix, kernelMatrixRows, matern52, squaredDistancesOfFour } from "./kernel.js";
import { WARP_LOG_BOUND, WARP_LOG_PRIOR_VARIANCE, kumaraswamyCdf, kumaraswamyLogParameterGradient } from "./warping.js";

const SQRT5 = Math.sqrt(5);
/** Points whose triangular solves share one pass over the Cholesky factor in `predictBatch`. */
const PREDICT_BLOCK = 16;
const LOG_2PI = Math.log(2 * Math.PI);
const ONE_THIRD = 1 / 3;

/** How observations are transformed before standardisation; see {@link warpObservations}. */
export type OutputWarping = "none" | "log" | "rank" | "power";

/**
 * Warps and standardises objective values (lower is better) for the GP.
 *
 * - `"none"`: only standardised (zero mean, unit variance).
 * - `"log"`: y ↦ log(y − min + δ), with δ a small fraction of the interquartile spread, then
 *   standardised. Objectives such as Rosenbrock or Styblinski–Tang span several orders of magnitude
 *   and are heavy-tailed upwards; a stationary GP fitted to them raw is dominated by the few huge
 *   values, takes a tiny signal-to-noise view of the interesting low region and chooses short
 *   lengthscales. The log compresses the upper tail and stretches the region near the incumbent,
 *   which is where expected improvement has to tell candidates apart. It is monotone, so the
 *   minimiser and the ordering of points are unchanged.
 * - `"rank"`: a Gaussian copula (rank → normal quantile), the most robust to outliers but blind to
 *   magnitudes (used by e.g. HEBO-style and copula-based BO; Salinas et al. 2020).
 * - `"power"`: the power transform HEBO applies to its outputs (Cowen-Rivers et al. 2022): Box-Cox
 *   (Box & Cox 1964) when every value is positive, Yeo-Johnson (Yeo & Johnson 2000) otherwise, on
 *   values divided by their standard deviation, with λ chosen by maximum likelihood of a normal
 *   model of the transformed values (see {@link powerTransformLambda}). λ = 1 leaves the values as
 *   they are, so the data decide between no warping, a log-like and a stronger compression.
 *
 * Standardised means divided by the standard deviation, with the prior mean ({@link PriorMean},
 * default the mean) subtracted: with `"worst"` the largest target is 0 and the others negative.
 *
 * Non-finite inputs are not expected (the sampler filters them); ties are kept as ties.
 *
 * @example
 * warpObservations([1, 10, 1000], "log"); // standardised logs, increasing
 */
export function warpObservations(values: readonly number[], warping: OutputWarping, priorMean: PriorMean = "mean"): Float64Array {
  return warpWithLogJacobian(values, warping, priorMean).y;
}

/**
 * {@link warpObservations} with the log-Jacobian Σᵢ log |dyᵢ/dvᵢ| of the whole map from the values v
 * to the standardised warped targets y. The density of the original values under a model of the
 * targets is p(v) = p(y)·Πᵢ |dyᵢ/dvᵢ|, so the GP's log marginal likelihood of y plus this term is
 * a likelihood of the *same* data for every warping, and warpings can be compared by it
 * ({@link chooseOutputWarping}). For `"rank"` the map is a step function with no Jacobian: its
 * `logJacobian` is NaN. When every value is equal the targets are all 0 and the term is 0.
 * With `rows` (indices of `values`), the warp is still the one of every value, but the term sums
 * over those values only: the Jacobian of the observations a subset fit scores (see
 * {@link fitObservationRows}).
 *
 * @example
 * const { y, logJacobian } = warpWithLogJacobian([1, 10, 100], "log");
 */
export function warpWithLogJacobian(
  values: readonly number[],
  warping: OutputWarping,
  priorMean: PriorMean = "mean",
  rows?: ArrayLike<number>,
): { y: Float64Array; logJacobian: number } {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return { y: out, logJacobian: 0 };
  /** log of the warp's derivative before standardisation, per value. */
  const terms = new Float64Array(n);
  let logDerivative = 0;
  if (warping === "rank") {
    logDerivative = NaN;
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    let i = 0;
    while (i < n) {
      let j = i;
      while (j + 1 < n && order[j + 1]![0] === order[i]![0]) j++;
      // Tied values share their mean rank so that the transform stays a function of the value.
      const rank = (i + j) / 2;
      const z = normalQuantile((rank + 0.5) / n);
      for (let k = i; k <= j; k++) out[order[k]![1]] = z;
      i = j + 1;
    }
  } else if (warping === "log") {
    let min = Infinity;
    for (const v of values) if (v < min) min = v;
    const sorted = [...values].sort((a, b) => a - b);
    const quartile = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * (n - 1)))]!;
    let spread = quartile(0.75) - quartile(0.25);
    if (!(spread > 0)) spread = sorted[n - 1]! - sorted[0]!;
    // δ sets how far the log "zooms in" at the incumbent. Tied to the data's own spread so the
    // transform is scale-invariant; if every value is equal there is nothing to warp.
    const delta = spread > 0 ? spread * 1e-2 : 1;
    for (let i = 0; i < n; i++) {
      out[i] = Math.log(values[i]! - min + delta);
      terms[i] = -out[i]!;
    }
  } else if (warping === "power") {
    const { scaled, deviation } = scaleByDeviation(values);
    const family = scaled.every((v) => v > 0) ? "box-cox" : "yeo-johnson";
    const lambda = powerTransformLambda(scaled, family);
    for (let i = 0; i < n; i++) {
      out[i] = powerTransform(scaled[i]!, lambda, family);
      terms[i] = powerTransformLogDerivative(scaled[i]!, lambda, family) - Math.log(deviation);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = values[i]!;
  }
  const counted = rows ?? { length: n };
  for (let k = 0; k < counted.length; k++) logDerivative += terms[rows === undefined ? k : rows[k]!]!;
  // The shift to the prior mean has derivative 1: the Jacobian is the same for every prior mean.
  const scale = standardizeInPlace(out, priorMean);
  return { y: out, logJacobian: scale > 0 ? logDerivative + counted.length * Math.log(scale) : 0 };
}

/** log of d/dy of {@link powerTransform} at y. */
function powerTransformLogDerivative(y: number, lambda: number, family: PowerFamily): number {
  if (family === "box-cox") return (lambda - 1) * Math.log(y);
  return y >= 0 ? (lambda - 1) * Math.log1p(y) : (1 - lambda) * Math.log1p(-y);
}

/** The values divided by their standard deviation (unchanged, and deviation 1, if it is 0), as HEBO does before its power transform. */
function scaleByDeviation(values: readonly number[]): { scaled: number[]; deviation: number } {
  // standardMoments measures values whose squares overflow (1e300) without losing them.
  const deviation = standardMoments(values).sd;
  return deviation > 0 && Number.isFinite(deviation) ? { scaled: values.map((v) => v / deviation), deviation } : { scaled: [...values], deviation: 1 };
}

/** The two power-transform families of {@link warpObservations}' `"power"`. */
export type PowerFamily = "box-cox" | "yeo-johnson";

/**
 * Box-Cox ((y^λ − 1)/λ, log y at λ = 0; y > 0) or Yeo-Johnson (the same on y + 1 for y ≥ 0, and
 * mirrored with 2 − λ for y < 0) of one value.
 *
 * @example
 * powerTransform(Math.E - 1, 0, "yeo-johnson"); // 1
 */
export function powerTransform(y: number, lambda: number, family: PowerFamily): number {
  if (family === "box-cox") return Math.abs(lambda) < 1e-12 ? Math.log(y) : (y ** lambda - 1) / lambda;
  if (y >= 0) return Math.abs(lambda) < 1e-12 ? Math.log1p(y) : ((y + 1) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-12 ? -Math.log1p(-y) : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

/**
 * The maximum-likelihood λ of a power transform: the λ that maximises the profile log-likelihood
 * −(n/2)·log σ̂²(λ) + (λ − 1)·Σ log J(yᵢ) of a normal model of the transformed values, where J is
 * y for Box-Cox and |y| + 1 (with the sign of y) for Yeo-Johnson (the log-Jacobian of the
 * transform). Golden-section search on [−3, 3]; the likelihood is unimodal in λ in practice.
 *
 * @example
 * powerTransformLambda([1, 2, 4, 8, 16, 32], "box-cox"); // ≈ 0 (log-normal-like data)
 */
export function powerTransformLambda(values: readonly number[], family: PowerFamily): number {
  const n = values.length;
  if (n < 3) return 1;
  let jacobian = 0;
  for (const y of values) jacobian += family === "box-cox" ? Math.log(y) : Math.sign(y) * Math.log1p(Math.abs(y));
  const logLikelihood = (lambda: number): number => {
    let mean = 0;
    const transformed = values.map((y) => powerTransform(y, lambda, family));
    for (const t of transformed) mean += t;
    mean /= n;
    let variance = 0;
    for (const t of transformed) variance += (t - mean) ** 2;
    variance /= n;
    if (!(variance > 0) || !Number.isFinite(variance)) return -Infinity;
    return -0.5 * n * Math.log(variance) + (lambda - 1) * jacobian;
  };
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = -3;
  let high = 3;
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let fa = logLikelihood(a);
  let fb = logLikelihood(b);
  for (let iteration = 0; iteration < 60 && high - low > 1e-6; iteration++) {
    if (fa >= fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = logLikelihood(a);
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = logLikelihood(b);
    }
  }
  const lambda = (low + high) / 2;
  return Number.isFinite(logLikelihood(lambda)) ? lambda : 1;
}

/**
 * The mean and the standard deviation (population variance, as {@link warpObservations} divides by
 * it; 0 for a constant or non-finite spread) that standardisation uses.
 *
 * @example
 * standardMoments([1, 3]); // { mean: 2, sd: 1 }
 */
export function standardMoments(values: ArrayLike<number>): { mean: number; sd: number } {
  // Measured divided by their largest magnitude where squares overflow: 1e300² made the sd 0 and
  // every target 0, a flat model for the rest of the study (an objective returning
  // Number.MAX_VALUE as a penalty did it).
  return meanAndDeviation(values);
}

/**
 * The GP's constant prior mean, on the (warped) values it models; the GP itself is zero-mean, so
 * standardisation subtracts this constant (see {@link standardCentre}).
 *
 * - `"mean"`: the arithmetic mean of the observations, the usual choice (and `warpObservations`'
 *   default; the GP sampler's default before issue 12).
 * - `"worst"`: the worst observed value, the largest for minimisation (the GP sampler's default).
 *
 * De Ath, Fieldsend & Everson (2020), "What do you Mean? The Role of the Mean Function in Bayesian
 * Optimisation" (GECCO; arXiv 2004.08349), compared constant prior means equal to the arithmetic
 * mean, the minimum, the median and the maximum of the observed values, linear and quadratic
 * polynomials, random forests and RBF networks, with EI and UCB on 10 synthetic problems and two
 * real ones. For design dimensions ≥ 5 the constant mean equal to the worst observed value was
 * consistently the best on the synthetic problems; on the real ones no mean function was clearly
 * best. With m(x) = max yᵢ the posterior mean μ(x) = m + k(x)ᵀ(K + σₙ²I)⁻¹(y − m·1) reverts to the
 * worst value far from the data instead of the average, so an unexplored face or corner promises
 * little improvement unless its variance is large: the search exploits more and is drawn less to
 * the box's faces.
 */
export type PriorMean = "mean" | "worst";
export const PRIOR_MEANS: readonly PriorMean[] = ["mean", "worst"];

/**
 * The constant that standardisation subtracts, which is the GP's prior mean in the values' units:
 * their mean, or their largest (worst, for minimisation) value. NaN-free values are expected.
 *
 * @example
 * standardCentre([1, 3, 8], "worst"); // 8
 */
export function standardCentre(values: ArrayLike<number>, priorMean: PriorMean, mean = standardMoments(values).mean): number {
  if (priorMean === "mean") return mean;
  let worst = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > worst) worst = values[i]!;
  return worst;
}

/**
 * Scales to unit variance and shifts the prior mean ({@link standardCentre}) to 0 (a constant
 * vector becomes all zeros); returns the multiplier used.
 */
function standardizeInPlace(values: Float64Array, priorMean: PriorMean): number {
  const { mean, sd } = standardMoments(values);
  const centre = standardCentre(values, priorMean, mean);
  const scale = sd > 0 ? 1 / sd : 0;
  for (let i = 0; i < values.length; i++) {
    const shifted = (values[i]! - centre) * scale;
    // Values near ±1e308 of both signs overflow the difference; their scaled difference does not.
    values[i] = Number.isFinite(shifted) || scale === 0 ? shifted : values[i]! * scale - centre * scale;
  }
  return scale;
}

/**
 * Priors and bounds on the hyperparameters, in log space. The lengthscale prior follows the
 * dimension scaling of Hvarfner, Hellsten & Nardi (2024), "Vanilla Bayesian Optimization Performs
 * Great in High Dimensions": log ℓ ~ N(μ + ½·log d, 3), which keeps high-dimensional models from
 * collapsing onto short lengthscales that make the GP useless far from the data. Their offset is
 * μ = √2; we use μ = 0 (median ℓ = √d in the unit cube): with 100-trial budgets the longer prior
 * made models so smooth that EI stayed in the first basin found (Hartmann-6, 10 seeds: median
 * regret 6e-2 with √2, 6e-5 with 0; no function of our 7-function suite got worse). Measured again
 * on the lab's dev problems the GP runs (20 problems up to 20 dimensions, 60 trials × 5 seeds,
 * `bench/noise-model.mjs`, with μ as a temporary option): √2 was better on 6, tied on 2 and worse
 * on 12 (Hartmann-6 33×, Levy-5 8×, Rosenbrock-5 2.9×), so μ stays 0. The √2 is BoTorch's
 * (`get_covar_module_with_dim_scaled_prior`: loc √2 + ½·log d, scale √3).
 */
export interface HyperparameterPrior {
  readonly lengthscaleLogMean: number;
  readonly lengthscaleLogStd: number;
  readonly signalLogMean: number;
  readonly signalLogStd: number;
  /** The prior density of σₙ² (on standardised outputs); see {@link NoisePrior}. */
  readonly noise: NoiseDensity;
  readonly minNoise: number;
  readonly maxNoise: number;
  readonly minLengthscale: number;
  readonly maxLengthscale: number;
  readonly minSignal: number;
  readonly maxSignal: number;
  /**
   * Whether the kernel has a first-order additive component (see `additiveCorrelation` in
   * `kernel.ts`): θ then ends with log σ²ₐ, whose prior is the signal variance's. Not with input
   * warping. Default false.
   */
  readonly additive?: boolean;
}

/** Smallest σ²ₐ of the additive component: the fit can all but switch it off. */
const MIN_ADDITIVE_VARIANCE = 1e-4;
/** σ²ₐ at a fresh start of the fit: a quarter of the standardised variance. */
const ADDITIVE_START = 0.25;
/** The likelihood's stand-in for {@link additiveExponentials} without an additive component (never read). */
const NO_ADDITIVE_FACTORS = { plus: new Float64Array(0), minus: new Float64Array(0), rates: new Float64Array(0) };

/**
 * Which prior the GP puts on its noise variance σₙ² (on standardised outputs, where 1 is the whole
 * variance of the data):
 *
 * - `"exponential"`: Exponential(rate 10), mean 0.1, the prior Sextant used first. Together with a
 *   single hyperparameter start at σₙ² = 1e-4 it nearly always lands on the interpolating mode
 *   (σₙ² ≈ 1e-4 with short lengthscales), even when half the variance is noise.
 * - `"gamma"`: Gamma(shape 1.1, rate 0.05) on σₙ², BoTorch's default noise prior for its
 *   `SingleTaskGP` (Balandat et al. 2020, "BoTorch: a framework for efficient Monte-Carlo Bayesian
 *   optimization"): almost flat on [minNoise, 1], so the likelihood alone decides how much of the
 *   variance is noise.
 * - `"lognormal"`: LogNormal(−4, 1) on σₙ² (median 0.018), the noise prior of Hvarfner, Hellsten &
 *   Nardi (2024), "Vanilla Bayesian Optimization Performs Great in High Dimensions".
 *
 * With `"gamma"` and `"lognormal"` every fresh fit also starts once from σₙ² = 0.1
 * ({@link hyperparameterStarts}): the posterior over σₙ² has one mode per explanation of the
 * scatter (signal with short lengthscales, or noise), and gradient descent stays in the mode it
 * starts in.
 */
export type NoisePrior = "exponential" | "gamma" | "lognormal";

/** The noise priors by name, for option schemas. */
export const NOISE_PRIORS: readonly NoisePrior[] = ["exponential", "gamma", "lognormal"];

/** A prior density of σₙ², as {@link negativeLogPosterior} evaluates it. */
export type NoiseDensity =
  | { readonly kind: "exponential"; readonly rate: number }
  | { readonly kind: "gamma"; readonly shape: number; readonly rate: number }
  | { readonly kind: "lognormal"; readonly logMean: number; readonly logStd: number };

/**
 * The density of a named {@link NoisePrior}.
 *
 * @example
 * noiseDensity("gamma"); // { kind: "gamma", shape: 1.1, rate: 0.05 }
 */
export function noiseDensity(prior: NoisePrior): NoiseDensity {
  if (prior === "gamma") return { kind: "gamma", shape: 1.1, rate: 0.05 };
  if (prior === "lognormal") return { kind: "lognormal", logMean: -4, logStd: 1 };
  return { kind: "exponential", rate: 10 };
}

/**
 * −log p(σₙ²) up to a constant and its derivative with respect to log σₙ², at σₙ² = e^logNoise.
 * The density is that of σₙ² itself (as BoTorch and Optuna evaluate their priors), not of its log.
 */
function noisePenalty(density: NoiseDensity, logNoise: number): { value: number; slope: number } {
  const noise = Math.exp(logNoise);
  if (density.kind === "exponential") return { value: density.rate * noise, slope: density.rate * noise };
  if (density.kind === "gamma") {
    return { value: -(density.shape - 1) * logNoise + density.rate * noise, slope: -(density.shape - 1) + density.rate * noise };
  }
  const variance = density.logStd ** 2;
  const z = logNoise - density.logMean;
  return { value: logNoise + (z * z) / (2 * variance), slope: 1 + z / variance };
}

/**
 * The default prior for a d-dimensional unit cube.
 *
 * @example
 * defaultPrior(6, 1e-6).lengthscaleLogMean; // ½·log 6
 * defaultPrior(6, 1e-6, "gamma").noise; // { kind: "gamma", shape: 1.1, rate: 0.05 }
 */
export function defaultPrior(d: number, minNoise = 1e-6, noise: NoisePrior = "exponential", additive = false): HyperparameterPrior {
  return {
    ...(additive && { additive: true }),
    lengthscaleLogMean: 0.5 * Math.log(Math.max(1, d)),
    lengthscaleLogStd: Math.sqrt(3),
    signalLogMean: 0,
    signalLogStd: 2,
    noise: noiseDensity(noise),
    minNoise,
    maxNoise: 1,
    minLengthscale: 1e-3,
    maxLengthscale: 1e3,
    minSignal: 1e-2,
    maxSignal: 1e3,
  };
}

/** Bounds on θ = [log ℓ₁ … log ℓ_d, log σ², log σₙ²] (then log σ²ₐ with an additive component). */
export function hyperparameterBounds(d: number, prior: HyperparameterPrior): { lower: Float64Array; upper: Float64Array } {
  const size = d + 2 + (prior.additive ? 1 : 0);
  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  if (prior.additive) {
    lower[d + 2] = Math.log(MIN_ADDITIVE_VARIANCE);
    upper[d + 2] = Math.log(prior.maxSignal);
  }
  for (let i = 0; i < d; i++) {
    lower[i] = Math.log(prior.minLengthscale);
    upper[i] = Math.log(prior.maxLengthscale);
  }
  lower[d] = Math.log(prior.minSignal);
  upper[d] = Math.log(prior.maxSignal);
  lower[d + 1] = Math.log(prior.minNoise);
  upper[d + 1] = Math.log(prior.maxNoise);
  return { lower, upper };
}

/**
 * Kernel parameters from θ = [log ℓ…, log σ², log σₙ²], or [log ℓ…, log σ², log σₙ², log σ²ₐ] with an
 * additive component. A θ of d + 3 entries is always the latter: input warping, the only other
 * tail, adds two entries per warped input and is not combined with the additive component.
 */
export function parametersFromTheta(theta: ArrayLike<number>, d: number): KernelParameters {
  const lengthscales = new Float64Array(d);
  for (let i = 0; i < d; i++) lengthscales[i] = Math.exp(theta[i]!);
  const params = { lengthscales, signalVariance: Math.exp(theta[d]!), noiseVariance: Math.exp(theta[d + 1]!) };
  return theta.length === d + 3 ? { ...params, additiveVariance: Math.exp(theta[d + 2]!) } : params;
}

/** The training data of a GP: n points of dimension d (row-major) and their targets. */
export interface TrainingData {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
  /** 1 for categorical dimensions (Hamming distance), 0 for numeric ones. */
  readonly categorical: Uint8Array;
}

/**
 * The negative log posterior −log p(y | θ) − log p(θ) of the hyperparameters θ = [log ℓ…, log σ²,
 * log σₙ²] and its gradient, written to `gradient`. The likelihood gradient is
 * ½·tr((K⁻¹ − ααᵀ)·∂K/∂θⱼ) with α = K⁻¹y (Rasmussen & Williams 2006, eq. 5.9).
 *
 * With `warpedDimensions` (numeric inputs), θ goes on with [log a, log b] per warped input: the
 * inputs pass through Kumaraswamy CDFs first (see `warping.ts`, Snoek et al. 2014), with a normal
 * prior of variance 0.75 on each log shape. Their gradient follows by the chain rule through the
 * warped coordinates: ∂nll/∂φ = Σ_a ∂w(x_ai)/∂φ · Σ_b W_ab ∂K_ab/∂z_ai, W = K⁻¹ − ααᵀ.
 *
 * Returns +Infinity (with a zero gradient) if K cannot be factorised even with jitter.
 *
 * @example
 * const g = new Float64Array(d + 2);
 * const value = negativeLogPosterior(theta, data, defaultPrior(d), g);
 */
export function negativeLogPosterior(
  theta: ArrayLike<number>,
  data: TrainingData,
  prior: HyperparameterPrior,
  gradient?: Float64Array,
  warpedDimensions?: Int32Array,
): number {
  return new PosteriorObjective(data, prior, warpedDimensions).evaluate(theta, gradient);
}

/**
 * {@link negativeLogPosterior} with its buffers allocated once per fit: each evaluation rebuilds K
 * from coordinates rescaled by the lengthscales (O(n²d), reading an n×d array that stays in cache),
 * factorises it (n³/3 flops) and, for the gradient, inverts it (2n³/3) into the same buffers. An
 * earlier version kept every pair's squared differences (n²d/2 doubles, 7 MB at n = 300, d = 20)
 * and streamed them twice per evaluation; recomputing them from the inputs is cheaper.
 */
class PosteriorObjective {
  private readonly scaled: Float64Array;
  private readonly inv: Float64Array;
  private readonly kernel: Float64Array;
  private readonly factor: Float64Array;
  private readonly alpha: Float64Array;
  private readonly inverseWork: Float64Array;
  private readonly inverse: Float64Array;
  private readonly shape: Float64Array;
  private readonly pairWeights: Float64Array;
  private readonly numeric: Int32Array;
  private readonly categoricalDims: Int32Array;
  private readonly warped: Int32Array;
  /** The inputs after warping (n × d), and ∂z/∂log a, ∂z/∂log b and Σ_b W_ab·shape_ab·Δ_ab/ℓ per point and warped input (n × m). */
  private readonly warpedInputs: Float64Array;
  private readonly warpGradientA: Float64Array;
  private readonly warpGradientB: Float64Array;
  private readonly pointWeights: Float64Array;
  /** Weights of 1 per input, for squared distances of rescaled coordinates (`squaredDistancesOfFour`). */
  private readonly unitWeights: Float64Array;
  /** Four squared distances at a time. */
  private readonly distances = new Float64Array(4);
  /**
   * With an additive component: its correlation A_ab per pair (the order of `shape`); per pair and
   * input, (5/3)(1 + √5 rᵢ)e^{−√5 rᵢ}·uᵢ (uᵢ = rᵢ² = Δᵢ²/ℓᵢ²), which is −d·∂A_ab/∂log ℓᵢ; and the
   * per-input gradient sums.
   */
  private readonly additivePairs: Float64Array;
  private readonly additiveTerms: Float64Array;
  private readonly additiveWeights: Float64Array;

  constructor(
    private readonly data: TrainingData,
    private readonly prior: HyperparameterPrior,
    warpedDimensions: Int32Array = new Int32Array(0),
  ) {
    const { n, d, categorical } = data;
    const numeric: number[] = [];
    const categoricalDims: number[] = [];
    for (let i = 0; i < d; i++) (categorical[i] ? categoricalDims : numeric).push(i);
    this.numeric = Int32Array.from(numeric);
    this.categoricalDims = Int32Array.from(categoricalDims);
    this.scaled = new Float64Array(n * d);
    this.inv = new Float64Array(d);
    this.kernel = new Float64Array(n * n);
    this.factor = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.inverseWork = new Float64Array(n * n);
    this.inverse = new Float64Array(n * n);
    this.shape = new Float64Array((n * (n - 1)) / 2);
    this.pairWeights = new Float64Array(d);
    this.warped = warpedDimensions;
    const m = warpedDimensions.length;
    this.warpedInputs = new Float64Array(m > 0 ? n * d : 0);
    this.warpGradientA = new Float64Array(n * m);
    this.warpGradientB = new Float64Array(n * m);
    this.pointWeights = new Float64Array(n * m);
    this.unitWeights = new Float64Array(d).fill(1);
    this.additivePairs = new Float64Array(prior.additive ? (n * (n - 1)) / 2 : 0);
    this.additiveTerms = new Float64Array(prior.additive ? ((n * (n - 1)) / 2) * d : 0);
    this.additiveWeights = new Float64Array(prior.additive ? d : 0);
  }

  /** The inputs through the warping of θ's tail (with their parameter derivatives), or the raw inputs. */
  private warpInputs(theta: ArrayLike<number>): Float64Array {
    const { x, n, d } = this.data;
    const m = this.warped.length;
    if (m === 0) return x;
    const z = this.warpedInputs;
    z.set(x);
    const derivative = new Float64Array(2);
    for (let k = 0; k < m; k++) {
      const i = this.warped[k]!;
      const a = Math.exp(theta[d + 2 + 2 * k]!);
      const b = Math.exp(theta[d + 3 + 2 * k]!);
      for (let row = 0; row < n; row++) {
        const u = x[row * d + i]!;
        z[row * d + i] = kumaraswamyCdf(u, a, b);
        kumaraswamyLogParameterGradient(u, a, b, derivative);
        this.warpGradientA[row * m + k] = derivative[0]!;
        this.warpGradientB[row * m + k] = derivative[1]!;
      }
    }
    return z;
  }

  evaluate(theta: ArrayLike<number>, gradient?: Float64Array): number {
    const { x, y, n, d } = this.data;
    const prior = this.prior;
    const inv = this.inv;
    const warped = this.warped;
    const m = warped.length;
    const inputs = this.warpInputs(theta);
    for (let i = 0; i < d; i++) inv[i] = Math.exp(-2 * theta[i]!);
    const sf2 = Math.exp(theta[d]!);
    const sn2 = Math.exp(theta[d + 1]!);
    // The additive component's σ²ₐ (θ's last entry; never with warped inputs, see fitHyperparameters).
    const additive = prior.additive === true;
    const sa2 = additive ? Math.exp(theta[d + 2]!) : 0;
    const additivePairs = this.additivePairs;
    const numeric = this.numeric;
    const categoricalDims = this.categoricalDims;
    // Indexed loops, not for…of: the pair loops below run n²/2 times per evaluation, and iterating
    // a typed array with for…of there cost as much as the Cholesky factorisation.
    const numericCount = numeric.length;
    const categoricalCount = categoricalDims.length;
    const scaled = this.scaled;
    // Numeric coordinates divided by their lengthscale, so r² is a plain squared distance.
    for (let a = 0; a < n; a++) {
      for (let q = 0; q < numericCount; q++) {
        const i = numeric[q]!;
        scaled[a * d + i] = inputs[a * d + i]! * Math.sqrt(inv[i]!);
      }
    }
    const k = this.kernel;
    const shape = this.shape;
    const setPair = (p: number, at: number, r2: number): void => {
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      // (1 + √5 r)e^{−√5 r} is reused by the lengthscale gradient.
      shape[p] = (1 + SQRT5 * r) * e;
      k[at] = sf2 * (shape[p]! + (5 / 3) * r2 * e);
    };
    // e^{±√5·xᵢ/ℓᵢ} per point and input, so that each pair's one-dimensional exponentials are products.
    const { plus, minus, rates } = additive ? additiveExponentials(inputs, n, d, inv, this.data.categorical) : NO_ADDITIVE_FACTORS;
    const additiveTerms = this.additiveTerms;
    let p = 0;
    for (let a = 0; a < n; a++) {
      k[a * n + a] = sf2 + sa2 + sn2;
      const rowA = a * d;
      let b = 0;
      // Without categorical inputs (every coordinate numeric, in order), four pairs at a time.
      if (categoricalCount === 0 && !additive) {
        for (; b + 4 <= a; b += 4, p += 4) {
          squaredDistancesOfFour(scaled, rowA, scaled, b, d, this.unitWeights, this.distances);
          for (let q = 0; q < 4; q++) setPair(p + q, a * n + b + q, this.distances[q]!);
        }
      }
      for (; b < a; b++, p++) {
        const rowB = b * d;
        let r2 = 0;
        for (let q = 0; q < numericCount; q++) {
          const i = numeric[q]!;
          const delta = scaled[rowA + i]! - scaled[rowB + i]!;
          r2 += delta * delta;
        }
        for (let q = 0; q < categoricalCount; q++) {
          const i = categoricalDims[q]!;
          if (x[rowA + i] !== x[rowB + i]) r2 += inv[i]!;
        }
        setPair(p, a * n + b, r2);
        if (additive) {
          // A_ab and, for the gradient, each input's term (one exponential per pair and input).
          let sum = 0;
          // With s = √5·|Δ|/ℓ: the correlation (1 + s + s²/3)e^{−s}, and −d·∂/∂log ℓ of it (1 + s)e^{−s}·s²/3.
          for (let i = 0; i < d; i++) {
            const delta = inputs[rowA + i]! - inputs[rowB + i]!;
            let s: number;
            let e: number;
            if (rates[i] === 0) {
              const u = this.data.categorical[i] ? (delta !== 0 ? inv[i]! : 0) : delta * delta * inv[i]!;
              s = SQRT5 * Math.sqrt(u);
              e = Math.exp(-s);
            } else if (delta >= 0) {
              s = rates[i]! * delta;
              e = minus[rowA + i]! * plus[rowB + i]!;
            } else {
              s = -rates[i]! * delta;
              e = plus[rowA + i]! * minus[rowB + i]!;
            }
            const third = (s * s) / 3;
            sum += (1 + s + third) * e;
            additiveTerms[p * d + i] = (1 + s) * e * third;
          }
          additivePairs[p] = sum / Math.max(1, d);
          k[a * n + b] += sa2 * additivePairs[p]!;
        }
      }
    }
    let factor: Float64Array;
    try {
      ({ factor } = choleskyWithJitter(k, n, { initialJitter: 1e-10, maxTries: 8, out: this.factor }));
    } catch (error) {
      if (!(error instanceof NotPositiveDefiniteError)) throw error;
      if (gradient) gradient.fill(0);
      return Infinity;
    }
    const alpha = choleskySolve(factor, n, y, this.alpha);
    let value = 0;
    for (let i = 0; i < n; i++) value += 0.5 * y[i]! * alpha[i]! + Math.log(factor[i * n + i]!);
    value += 0.5 * n * LOG_2PI;

    // Priors (negative log densities, up to constants).
    const lsMean = prior.lengthscaleLogMean;
    const lsVar = prior.lengthscaleLogStd ** 2;
    for (let i = 0; i < d; i++) value += (theta[i]! - lsMean) ** 2 / (2 * lsVar);
    const sfVar = prior.signalLogStd ** 2;
    value += (theta[d]! - prior.signalLogMean) ** 2 / (2 * sfVar);
    const noisePrior = noisePenalty(prior.noise, theta[d + 1]!);
    value += noisePrior.value;
    for (let j = d + 2; j < d + 2 + 2 * m; j++) value += theta[j]! ** 2 / (2 * WARP_LOG_PRIOR_VARIANCE);
    if (additive) value += (theta[d + 2]! - prior.signalLogMean) ** 2 / (2 * sfVar);
    if (!gradient) return value;

    // W = K⁻¹ − ααᵀ; ∂nll/∂θ = ½ Σ_ab W_ab ∂K_ab/∂θ, each off-diagonal pair counted twice.
    const w = choleskyInverse(factor, n, { work: this.inverseWork, out: this.inverse, lowerOnly: true });
    const pairWeights = this.pairWeights;
    pairWeights.fill(0);
    const pointWeights = this.pointWeights;
    pointWeights.fill(0);
    let signalGradient = 0;
    let additiveGradient = 0;
    const additiveWeights = this.additiveWeights;
    additiveWeights.fill(0);
    let diagonalSum = 0;
    p = 0;
    for (let a = 0; a < n; a++) {
      const row = a * n;
      const rowA = a * d;
      const alphaA = alpha[a]!;
      diagonalSum += w[row + a]! - alphaA * alphaA;
      let b = 0;
      // Without categorical or warped inputs, four pairs at a time: each weight is read and written
      // once per four terms, which it still receives in the order b = 0, 1, …, as one pair at a time.
      if (categoricalCount === 0 && m === 0 && !additive) {
        for (; b + 4 <= a; b += 4, p += 4) {
          const wab0 = w[row + b]! - alphaA * alpha[b]!;
          const wab1 = w[row + b + 1]! - alphaA * alpha[b + 1]!;
          const wab2 = w[row + b + 2]! - alphaA * alpha[b + 2]!;
          const wab3 = w[row + b + 3]! - alphaA * alpha[b + 3]!;
          signalGradient += wab0 * k[row + b]!;
          signalGradient += wab1 * k[row + b + 1]!;
          signalGradient += wab2 * k[row + b + 2]!;
          signalGradient += wab3 * k[row + b + 3]!;
          const c0 = wab0 * shape[p]!;
          const c1 = wab1 * shape[p + 1]!;
          const c2 = wab2 * shape[p + 2]!;
          const c3 = wab3 * shape[p + 3]!;
          const r0 = b * d;
          const r1 = r0 + d;
          const r2 = r1 + d;
          const r3 = r2 + d;
          // Every coordinate is numeric here, so i runs over them in `numeric`'s order.
          for (let i = 0; i < d; i++) {
            const v = scaled[rowA + i]!;
            const e0 = v - scaled[r0 + i]!;
            const e1 = v - scaled[r1 + i]!;
            const e2 = v - scaled[r2 + i]!;
            const e3 = v - scaled[r3 + i]!;
            pairWeights[i] = pairWeights[i]! + c0 * e0 * e0 + c1 * e1 * e1 + c2 * e2 * e2 + c3 * e3 * e3;
          }
        }
      }
      for (; b < a; b++, p++) {
        const wab = w[row + b]! - alphaA * alpha[b]!;
        if (additive) {
          // K_ab = σ²·k(r) + σ²ₐ·A_ab: the signal variance's share is K_ab less the additive part.
          const share = sa2 * additivePairs[p]!;
          signalGradient += wab * (k[row + b]! - share);
          additiveGradient += wab * share;
          // ∂A_ab/∂log ℓᵢ = (1/d)·k′(uᵢ)·(−2uᵢ), uᵢ = Δᵢ²/ℓᵢ² (Δ = 1 on a differing categorical).
          for (let i = 0; i < d; i++) additiveWeights[i] += wab * additiveTerms[p * d + i]!;
        } else signalGradient += wab * k[row + b]!;
        // ∂K_ab/∂log ℓᵢ = (5/3)σ²(1 + √5 r)e^{−√5 r}·Δᵢ²/ℓᵢ², with Δᵢ/ℓᵢ read off the rescaled inputs.
        const common = wab * shape[p]!;
        const rowB = b * d;
        for (let q = 0; q < numericCount; q++) {
          const i = numeric[q]!;
          const delta = scaled[rowA + i]! - scaled[rowB + i]!;
          pairWeights[i] += common * delta * delta;
        }
        for (let q = 0; q < categoricalCount; q++) {
          const i = categoricalDims[q]!;
          if (x[rowA + i] !== x[rowB + i]) pairWeights[i] += common * inv[i]!;
        }
        // Warped inputs: Σ_b W_ab·shape_ab·(z_ai − z_bi)/ℓᵢ per point, antisymmetric in the pair.
        for (let k = 0; k < m; k++) {
          const i = warped[k]!;
          const term = common * (scaled[rowA + i]! - scaled[rowB + i]!);
          pointWeights[a * m + k] += term;
          pointWeights[b * m + k] -= term;
        }
      }
    }
    for (let i = 0; i < d; i++) gradient[i] = (5 / 3) * sf2 * pairWeights[i]! + (theta[i]! - lsMean) / lsVar;
    gradient[d] = signalGradient + 0.5 * diagonalSum * sf2 + (theta[d]! - prior.signalLogMean) / sfVar;
    gradient[d + 1] = 0.5 * diagonalSum * sn2 + noisePrior.slope;
    if (additive) {
      const perInput = sa2 / Math.max(1, d);
      for (let i = 0; i < d; i++) gradient[i] += perInput * additiveWeights[i]!;
      gradient[d + 2] = additiveGradient + 0.5 * diagonalSum * sa2 + (theta[d + 2]! - prior.signalLogMean) / sfVar;
    }
    for (let k = 0; k < m; k++) {
      // ∂K_ab/∂z_ai = −(5/3)σ²·shape_ab·(z_ai − z_bi)/ℓᵢ².
      const factor = (-5 / 3) * sf2 * Math.sqrt(inv[warped[k]!]!);
      let ga = 0;
      let gb = 0;
      for (let row = 0; row < n; row++) {
        ga += this.warpGradientA[row * m + k]! * pointWeights[row * m + k]!;
        gb += this.warpGradientB[row * m + k]! * pointWeights[row * m + k]!;
      }
      gradient[d + 2 + 2 * k] = factor * ga + theta[d + 2 + 2 * k]! / WARP_LOG_PRIOR_VARIANCE;
      gradient[d + 3 + 2 * k] = factor * gb + theta[d + 3 + 2 * k]! / WARP_LOG_PRIOR_VARIANCE;
    }
    return value;
  }
}

const FIT_GRADIENT_TOLERANCE = 1e-2;

/** Options for {@link fitHyperparameters}. */
export interface FitOptions {
  readonly prior: HyperparameterPrior;
  /** Starting points for L-BFGS-B (log space); the best end point wins. */
  readonly starts: readonly ArrayLike<number>[];
  readonly maxIterations?: number;
  /**
   * Stop a start once the projected gradient's largest entry is at most this (default 1e-2, as
   * Optuna's GPSampler). The objective is a sum over n observations, so a tighter tolerance buys
   * changes of θ far below what moves a suggestion, at many more O(n³) evaluations.
   */
  readonly gradientTolerance?: number;
  /**
   * Numeric inputs to warp by Kumaraswamy CDFs fitted jointly with the kernel (see `warping.ts`):
   * θ then ends with [log a, log b] per listed input, and starts shorter than that are extended
   * with the identity warp (0, 0). Default: none.
   */
  readonly warpedDimensions?: Int32Array;
  /**
   * The most observations the fit sees (default: all). Beyond, θ is fitted on the rows
   * {@link fitObservationRows} chooses; the caller's posterior still conditions on every row.
   */
  readonly maxObservations?: number;
}

/**
 * The observations a kernel hyperparameter fit sees when there are more than `cap` of them, in
 * their original order; null (all of them) at or below the cap. Each likelihood evaluation of a fit
 * costs O(n³) and a fit takes tens of them, while the MAP θ changes little once the data are many:
 * a quarter of the cap (rounded up) are the lowest targets (lower is better; ties by index), the
 * region expected improvement tells candidates apart in, and the rest are spread evenly over the
 * other observations by index (trial order), so the fit still sees the whole space. A function of
 * the targets alone, so the same history gives the same subset. Half the best instead left a 5-D
 * study of 2000 random trials (cap 500) with a fit, from the default start, stuck at a mode that
 * called the objective's sine term noise: log posterior 173 against 1322 nats where a quarter got.
 *
 * @example
 * fitObservationRows([5, 1, 4, 2, 3], 2); // Int32Array [1, 4]: the best (1), then one of the rest
 */
export function fitObservationRows(targets: ArrayLike<number>, cap: number): Int32Array | null {
  const n = targets.length;
  if (n <= cap) return null;
  const key = (j: number): number => (Number.isNaN(targets[j]!) ? Infinity : targets[j]!);
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => key(a) - key(b) || a - b);
  const best = Math.ceil(cap / 4);
  const chosen = new Uint8Array(n);
  for (let k = 0; k < best; k++) chosen[order[k]!] = 1;
  const rest: number[] = [];
  for (let j = 0; j < n; j++) if (!chosen[j]) rest.push(j);
  const spread = cap - best;
  for (let k = 0; k < spread; k++) chosen[rest[Math.floor(((k + 0.5) * rest.length) / spread)]!] = 1;
  const rows = new Int32Array(cap);
  let m = 0;
  for (let j = 0; j < n; j++) if (chosen[j]) rows[m++] = j;
  return rows;
}

/** The rows `rows` of `data` (inputs and targets), in that order. */
export function trainingRows(data: TrainingData, rows: ArrayLike<number>): TrainingData {
  const { d } = data;
  const x = new Float64Array(rows.length * d);
  const y = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const j = rows[k]!;
    x.set(data.x.subarray(j * d, j * d + d), k * d);
    y[k] = data.y[j]!;
  }
  return { x, y, n: rows.length, d, categorical: data.categorical };
}

/**
 * Maximum-a-posteriori hyperparameters by L-BFGS-B on {@link negativeLogPosterior} in log space,
 * from each of the given starts (typically the previous trial's fit and a default).
 *
 * @example
 * const { theta } = fitHyperparameters(data, { prior, starts: [defaultTheta(d, prior)] });
 */
export function fitHyperparameters(all: TrainingData, options: FitOptions): { theta: Float64Array; value: number } {
  const rows = options.maxObservations === undefined ? null : fitObservationRows(all.y, options.maxObservations);
  const data = rows === null ? all : trainingRows(all, rows);
  const d = data.d;
  const warped = options.warpedDimensions ?? new Int32Array(0);
  if (options.prior.additive && warped.length > 0) throw new RangeError("the additive kernel component does not combine with input warping");
  const size = d + 2 + 2 * warped.length + (options.prior.additive ? 1 : 0);
  const kernelBounds = hyperparameterBounds(d, options.prior);
  const lower = new Float64Array(size).fill(-WARP_LOG_BOUND);
  const upper = new Float64Array(size).fill(WARP_LOG_BOUND);
  lower.set(kernelBounds.lower);
  upper.set(kernelBounds.upper);
  let best: { theta: Float64Array; value: number } | null = null;
  const objective = new PosteriorObjective(data, options.prior, warped);
  for (const start of options.starts) {
    const x0 = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const value = i < start.length && Number.isFinite(start[i]) ? start[i]! : 0;
      x0[i] = Math.min(upper[i]!, Math.max(lower[i]!, value));
    }
    const result = minimizeLbfgsb((theta, gradient) => objective.evaluate(theta, gradient), x0, {
      lower,
      upper,
      maxIterations: options.maxIterations ?? 50,
      gradientTolerance: options.gradientTolerance ?? FIT_GRADIENT_TOLERANCE,
    });
    const value = result.value;
    if (Number.isFinite(value) && (best === null || value < best.value)) {
      best = { theta: Float64Array.from(result.x), value };
    }
  }
  if (best === null) {
    // Every start failed numerically: fall back to the first start, which the caller chose as sane.
    const theta = new Float64Array(size);
    for (let i = 0; i < size; i++) theta[i] = Math.min(upper[i]!, Math.max(lower[i]!, options.starts[0]?.[i] ?? 0));
    return { theta, value: Infinity };
  }
  return best;
}

/**
 * A default starting point for the hyperparameter search: moderate lengthscales, unit signal
 * variance (outputs are standardised) and small noise.
 */
export function defaultTheta(d: number, prior: HyperparameterPrior): Float64Array {
  const theta = new Float64Array(d + 2 + (prior.additive ? 1 : 0));
  if (prior.additive) theta[d + 2] = Math.log(ADDITIVE_START);
  // Start shorter than the prior median: L-BFGS-B moves lengthscales up easily when the data are
  // smooth, while starting too long can leave it on the flat "everything is noise" plateau.
  for (let i = 0; i < d; i++) theta[i] = Math.log(0.5 * Math.sqrt(Math.max(1, d)));
  theta[d] = 0;
  theta[d + 1] = Math.max(Math.log(prior.minNoise), Math.log(1e-4));
  return theta;
}

/** σₙ² of the second fresh start that priors open to substantial noise get (see {@link NoisePrior}). */
const NOISY_START = 0.1;

/**
 * The fresh starts of a hyperparameter fit: {@link defaultTheta}, and under a prior other than the
 * exponential one the same θ with σₙ² = 0.1, so that the "noise" mode of the posterior is reached
 * when it is the better one.
 *
 * @example
 * hyperparameterStarts(3, defaultPrior(3, 1e-6, "gamma")).length; // 2
 */
export function hyperparameterStarts(d: number, prior: HyperparameterPrior): Float64Array[] {
  const quiet = defaultTheta(d, prior);
  if (prior.noise.kind === "exponential") return [quiet];
  const noisy = Float64Array.from(quiet);
  noisy[d + 1] = Math.min(Math.log(prior.maxNoise), Math.log(NOISY_START));
  return [quiet, noisy];
}

/** The output warpings `"auto"` chooses among: `"rank"` has no Jacobian, so no comparable likelihood. */
export const EVIDENCE_WARPINGS = ["none", "log", "power"] as const;
export type EvidenceWarping = (typeof EVIDENCE_WARPINGS)[number];

/** What {@link chooseOutputWarping} found: the winner, its fitted θ, and each candidate's score. */
export interface WarpingChoice {
  readonly warping: EvidenceWarping;
  readonly theta: Float64Array;
  /** Per candidate: the MAP log posterior of the original values (see {@link chooseOutputWarping}); -Infinity if its fit failed. */
  readonly scores: Readonly<Record<EvidenceWarping, number>>;
}

/** Options of {@link chooseOutputWarping}. */
export interface WarpingChoiceOptions {
  readonly prior: HyperparameterPrior;
  /** Starting points of the full fits (as {@link FitOptions.starts}). */
  readonly starts: readonly ArrayLike<number>[];
  readonly maxIterations?: number;
  /**
   * The warping chosen so far. Given, the choice is screened: only this warping gets the full
   * multi-start fit; each other candidate is refitted warm from its MAP θ for at most
   * `screenIterations` L-BFGS-B iterations, and replaces it only if it scores strictly higher.
   * Absent, every candidate gets the full fit.
   */
  readonly incumbent?: EvidenceWarping;
  /** Iteration cap of a screened candidate's warm refit (default {@link SCREEN_ITERATIONS}). */
  readonly screenIterations?: number;
  /** The GP's prior mean for every candidate (default "mean"); it does not change the Jacobian. */
  readonly priorMean?: PriorMean;
  /**
   * The most observations the fits see (default: all; see {@link fitObservationRows}, chosen by the
   * values, so the same rows for every warping). Beyond, each candidate's score is the posterior and
   * the Jacobian of those rows alone, so the scores stay comparable.
   */
  readonly maxObservations?: number;
}

/**
 * L-BFGS-B iterations a challenger gets in a screened {@link chooseOutputWarping}: the warpings
 * are monotone maps of the same standardised values, so the incumbent's MAP θ is a close start and
 * a few iterations move the score most of the way to the challenger's own MAP.
 */
export const SCREEN_ITERATIONS = 10;

/**
 * Chooses the output warping by evidence on the data (issue 12; the model-selection view of
 * warped GPs, Snelson, Rasmussen & Ghahramani 2004, "Warped Gaussian processes", where the warp's
 * Jacobian enters the likelihood): for each of `"none"`, `"log"` and `"power"` the GP's
 * hyperparameters are fitted by MAP on that warping's targets, and the candidate is scored by
 *
 *   −(negative log posterior at the MAP θ) + log-Jacobian of the warp (see {@link warpWithLogJacobian}),
 *
 * the log posterior density of the *original* values, so the three are comparable. The power
 * transform's λ is itself fitted on the values, so it pays BIC's ½·log n for that parameter.
 *
 * Without `incumbent` each candidate is fitted from every start, and ties go to the simpler warping
 * (in the order above). With it (what the sampler does) the incumbent alone is fitted from every
 * start, the others by a short warm refit from the incumbent's θ; a challenger's score is then a
 * lower bound on its MAP score, so it must beat the incumbent's full fit to win (a switch is
 * conservative), and only a winning challenger then gets its full fit (from every start and from
 * where its screen stopped). That costs one full fit plus two short ones instead of three full fits
 * while the choice stands, and two full fits when it changes. The winner's θ is returned so
 * the caller need not fit again.
 *
 * @example
 * const choice = chooseOutputWarping(values, { x, n, d, categorical }, { prior, starts: hyperparameterStarts(d, prior) });
 * choice.warping; // "log" on log-normal data, "none" on Gaussian data
 */
export function chooseOutputWarping(values: readonly number[], inputs: Omit<TrainingData, "y">, options: WarpingChoiceOptions): WarpingChoice {
  const scores = { none: -Infinity, log: -Infinity, power: -Infinity } as Record<EvidenceWarping, number>;
  // Every warping is monotone, so the values' order is the targets' and one subset serves them all.
  const rows = options.maxObservations === undefined ? null : fitObservationRows(values, options.maxObservations);
  const fitFor = (warping: EvidenceWarping, starts: readonly ArrayLike<number>[], maxIterations: number | undefined): { theta: Float64Array; score: number } => {
    const { y, logJacobian } = warpWithLogJacobian(values, warping, options.priorMean, rows ?? undefined);
    const data = rows === null ? { ...inputs, y } : trainingRows({ ...inputs, y }, rows);
    const fit = fitHyperparameters(data, { prior: options.prior, starts, ...(maxIterations === undefined ? {} : { maxIterations }) });
    const penalty = warping === "power" ? 0.5 * Math.log(Math.max(1, data.n)) : 0;
    const score = -fit.value + logJacobian - penalty;
    scores[warping] = Number.isFinite(score) ? score : -Infinity;
    return { theta: fit.theta, score: scores[warping] };
  };
  const incumbent = options.incumbent;
  if (incumbent === undefined) {
    let best: { warping: EvidenceWarping; theta: Float64Array; score: number } | null = null;
    for (const warping of EVIDENCE_WARPINGS) {
      const fit = fitFor(warping, options.starts, options.maxIterations);
      if (best === null || fit.score > best.score) best = { warping, ...fit };
    }
    return { warping: best!.warping, theta: best!.theta, scores };
  }
  const kept = fitFor(incumbent, options.starts, options.maxIterations);
  let best = { warping: incumbent, ...kept };
  for (const warping of EVIDENCE_WARPINGS) {
    if (warping === incumbent) continue;
    const fit = fitFor(warping, [kept.theta], options.screenIterations ?? SCREEN_ITERATIONS);
    if (fit.score > best.score) best = { warping, ...fit };
  }
  if (best.warping === incumbent) return { warping: incumbent, theta: best.theta, scores };
  // A winning challenger gets the full fit, from every start and from where its screen stopped (its
  // score on record becomes that fit's).
  const screened = best;
  const finished = fitFor(screened.warping, [screened.theta, ...options.starts], options.maxIterations);
  if (finished.score >= screened.score) return { warping: screened.warping, theta: finished.theta, scores };
  scores[screened.warping] = screened.score;
  return { warping: screened.warping, theta: screened.theta, scores };
}

/**
 * The Cholesky factor of `data`'s K + σₙ²I grown from `previous`'s by rows (see `choleskyExtend`),
 * or null when that would not be the factor `choleskyWithJitter` computes from scratch: other
 * kernel parameters, inputs that do not start with `previous`'s, or a factorisation that needed
 * jitter (then every row changes). A new row whose pivot fails also gives null, and the full
 * factorisation then adds jitter as it would have.
 */
function grownFactor(previous: GaussianProcess, data: TrainingData, params: KernelParameters): Float64Array | null {
  const { n, d } = data;
  const m = previous.data.n;
  const before = previous.params;
  if (previous.jitter !== 0 || previous.data.d !== d || m > n || m === 0) return null;
  if (before.signalVariance !== params.signalVariance || before.noiseVariance !== params.noiseVariance || (before.additiveVariance ?? 0) !== (params.additiveVariance ?? 0)) return null;
  for (let i = 0; i < d; i++) {
    if (before.lengthscales[i] !== params.lengthscales[i] || previous.data.categorical[i] !== data.categorical[i]) return null;
  }
  const x = data.x;
  const earlier = previous.data.x;
  for (let i = 0; i < m * d; i++) if (earlier[i] !== x[i]) return null;
  const factor = new Float64Array(n * n);
  for (let i = 0; i < m; i++) factor.set(previous.factor.subarray(i * m, i * m + i + 1), i * n);
  const rows = kernelMatrixRows(x, n, d, params, data.categorical, m);
  return choleskyExtend(rows, n, m, factor) < 0 ? factor : null;
}

/** What {@link GaussianProcess.predictBatch} returns: means and variance bounds now, exact variances on request. */
export interface PredictionBatch {
  readonly means: Float64Array;
  readonly varianceBounds: Float64Array;
  /** Writes the exact variance of each point in `indices` to `out` at that index. */
  variances(indices: readonly number[], out: Float64Array): void;
  /**
   * Lowers the variance bounds of the points in `indices` by solving their triangular systems
   * through the first ⌈fraction·n⌉ observations only (Cholesky order): O(fraction²·n²) each. Exact
   * variances asked for later carry on from there, bit for bit as if computed in one go.
   */
  tighten(indices: readonly number[], fraction: number): void;
}

/**
 * A fitted GP posterior. The Cholesky factor of K + σₙ²I and α = K⁻¹y are computed once; each
 * prediction then costs one kernel row and one triangular solve (O(n·d + n²)).
 *
 * @example
 * const gp = new GaussianProcess(data, parametersFromTheta(theta, d));
 * const { mean, variance } = gp.predict(point);
 */
export class GaussianProcess {
  readonly data: TrainingData;
  readonly params: KernelParameters;
  readonly factor: Float64Array;
  readonly alpha: Float64Array;
  private readonly inv: Float64Array;
  /** Lᵀ, made on the first single-point prediction, for the column-oriented forward substitution. */
  private upper: Float64Array | null = null;
  private readonly kBuffer: Float64Array;
  private readonly vBuffer: Float64Array;
  /** The correlation's derivative with respect to r² at each observation (`matern52DerivativeR2`). */
  private readonly slopeBuffer: Float64Array;
  /** The diagonal of the factorised matrix K + σₙ²I (+ jitter). */
  private readonly diagonal: number;
  /** The latent prior variance of a point: σ², plus σ²ₐ with an additive component. */
  private readonly priorVariance: number;
  /** σ²ₐ of the additive component (0 without one). */
  private readonly additiveVariance: number;
  /** With an additive component: per observation and input, d/d(uᵢ) of its one-dimensional correlation at the last point predicted with gradients (n × d). */
  private additiveSlopes: Float64Array | null = null;
  /** With an additive component: the observations' {@link additiveExponentials}, and a point's own (e^{sᵢxᵢ}, e^{−sᵢxᵢ}). */
  private additiveFactors: { plus: Float64Array; minus: Float64Array; rates: Float64Array } | null = null;
  private readonly pointPlus: Float64Array;
  private readonly pointMinus: Float64Array;
  /** The jitter the factorisation needed (0 if none). */
  readonly jitter: number;
  /** Rows of the Cholesky factor taken from the `grownFrom` model (0 when factorised from scratch). */
  readonly grownRows: number;

  /**
   * `grownFrom`, optional, is an earlier model whose inputs are the first rows of `data.x` under the
   * same kernel parameters (the previous trial's, between kernel refits): its Cholesky factor is
   * then grown by the new rows only (O(n²) per new observation instead of O(n³)), which gives the
   * factor a full factorisation would, bit for bit. Any other model is ignored.
   *
   * @throws {NotPositiveDefiniteError} if the kernel matrix cannot be factorised even with jitter.
   */
  constructor(data: TrainingData, params: KernelParameters, grownFrom?: GaussianProcess) {
    this.data = data;
    this.params = params;
    const grown = grownFrom ? grownFactor(grownFrom, data, params) : null;
    let factor: Float64Array;
    let jitter = 0;
    if (grown) factor = grown;
    else {
      const k = kernelMatrix(data.x, data.n, data.d, params, data.categorical);
      ({ factor, jitter } = choleskyWithJitter(k, data.n, { initialJitter: 1e-10, maxTries: 12 }));
    }
    this.factor = factor;
    this.jitter = jitter;
    this.grownRows = grown ? grownFrom!.data.n : 0;
    this.additiveVariance = params.additiveVariance ?? 0;
    this.priorVariance = params.signalVariance + this.additiveVariance;
    this.diagonal = this.priorVariance + params.noiseVariance + jitter;
    this.alpha = choleskySolve(this.factor, data.n, data.y);
    this.inv = inverseSquared(params.lengthscales);
    this.kBuffer = new Float64Array(data.n);
    this.vBuffer = new Float64Array(data.n);
    this.slopeBuffer = new Float64Array(data.n);
    this.pointPlus = new Float64Array(this.additiveVariance > 0 ? data.d : 0);
    this.pointMinus = new Float64Array(this.additiveVariance > 0 ? data.d : 0);
  }

  private upperFactor(): Float64Array {
    this.upper ??= transposeSquare(this.factor, this.data.n);
    return this.upper;
  }

  /**
   * The latent posterior mean at every training point, in O(n): with α = (K + σₙ²I)⁻¹y, the mean
   * K·α equals y − σₙ²·α (the jitter, if any, counted with σₙ²). These are the model's smoothed
   * values of the observations, the same as {@link predict}'s means there up to rounding.
   *
   * @example
   * const smoothed = gp.trainingMeans(); // smoothed[j]: what the model believes observation j is worth
   */
  trainingMeans(): Float64Array {
    const n = this.data.n;
    const noise = this.diagonal - this.priorVariance;
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = this.data.y[j]! - noise * this.alpha[j]!;
    return out;
  }

  /** The latent (noise-free) posterior mean and variance at one point. */
  predict(point: Float64Array): { mean: number; variance: number } {
    const { x, n, d, categorical } = this.data;
    const k = crossCovariance(point, x, n, d, this.inv, this.params.signalVariance, categorical, this.kBuffer);
    this.addAdditiveCovariance(point, k);
    let mean = 0;
    for (let j = 0; j < n; j++) mean += k[j]! * this.alpha[j]!;
    const v = solveLowerFromTransposed(this.upperFactor(), n, k, this.vBuffer);
    let explained = 0;
    for (let j = 0; j < n; j++) explained += v[j]! * v[j]!;
    const variance = Math.max(this.priorVariance - explained, 0);
    return { mean, variance };
  }

  /**
   * Predictions at `count` points (rows of `points`, count × d) in two steps: at once, for O(n·d)
   * each, the posterior means and an upper bound of each variance; then exact variances, O(n²)
   * each, only for the points asked for. Means and exact variances are those of {@link predict}.
   *
   * The bound: conditioning on a subset of the data explains less variance than conditioning on
   * all of it, so the variance given only the most correlated observation j, σ² − k_j²/K_jj, bounds
   * the posterior variance from above (a rounding margin is added). Expected improvement grows with
   * σ, so the acquisition search computes exact variances only where the bound could still win.
   * The triangular solves of the points asked for together share each pass over the Cholesky
   * factor (blocks of `PREDICT_BLOCK`). Where that bound is loose (many observations in many
   * dimensions, each explaining a little), `tighten` solves only the first rows: a tighter bound
   * for a fraction of the cost, and the exact variance later carries on from there.
   *
   * @example
   * const batch = gp.predictBatch(candidates, 1024);
   * batch.variances([0, 5], out); // exact variances of candidates 0 and 5, at out[0] and out[5]
   */
  predictBatch(points: Float64Array, count: number): PredictionBatch {
    const { x, n, d, categorical } = this.data;
    const signal = this.params.signalVariance;
    // Everything below is about the point's whole prior variance σ² (+ σ²ₐ).
    const sf2 = this.priorVariance;
    const rows = new Float64Array(count * n);
    const means = new Float64Array(count);
    const varianceBounds = new Float64Array(count);
    const point = new Float64Array(d);
    for (let c = 0; c < count; c++) {
      for (let i = 0; i < d; i++) point[i] = points[c * d + i]!;
      const k = crossCovariance(point, x, n, d, this.inv, signal, categorical, rows.subarray(c * n, (c + 1) * n));
      this.addAdditiveCovariance(point, k);
      let mean = 0;
      let largest = 0;
      for (let j = 0; j < n; j++) {
        mean += k[j]! * this.alpha[j]!;
        if (k[j]! * k[j]! > largest) largest = k[j]! * k[j]!;
      }
      means[c] = mean;
      varianceBounds[c] = Math.min(sf2, sf2 - largest / this.diagonal + 1e-9 * sf2);
    }
    const factor = this.factor;
    // Each point's forward substitution L·v = k runs in place in its row of `rows`, and may stop
    // part way: `progress` counts the rows of L done, `explained` sums v_i² over them.
    const progress = new Int32Array(count);
    const explained = new Float64Array(count);
    /** Carries the substitution of points that have all done rows [0, from) through rows [from, to). */
    const substitute = (block: readonly number[], from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const row = i * n;
        const pivot = factor[row + i]!;
        let b = 0;
        // Eight, then four points at a time: independent sums share each load of L's row, where
        // one sum alone would wait on its own previous addition. Each sum still adds its terms in
        // the order j = 0, 1, …, so the result is bit for bit that of one point at a time.
        for (; b + 8 <= block.length; b += 8) {
          const o0 = block[b]! * n;
          const o1 = block[b + 1]! * n;
          const o2 = block[b + 2]! * n;
          const o3 = block[b + 3]! * n;
          const o4 = block[b + 4]! * n;
          const o5 = block[b + 5]! * n;
          const o6 = block[b + 6]! * n;
          const o7 = block[b + 7]! * n;
          let s0 = rows[o0 + i]!;
          let s1 = rows[o1 + i]!;
          let s2 = rows[o2 + i]!;
          let s3 = rows[o3 + i]!;
          let s4 = rows[o4 + i]!;
          let s5 = rows[o5 + i]!;
          let s6 = rows[o6 + i]!;
          let s7 = rows[o7 + i]!;
          for (let j = 0; j < i; j++) {
            const l = factor[row + j]!;
            s0 -= l * rows[o0 + j]!;
            s1 -= l * rows[o1 + j]!;
            s2 -= l * rows[o2 + j]!;
            s3 -= l * rows[o3 + j]!;
            s4 -= l * rows[o4 + j]!;
            s5 -= l * rows[o5 + j]!;
            s6 -= l * rows[o6 + j]!;
            s7 -= l * rows[o7 + j]!;
          }
          s0 /= pivot;
          s1 /= pivot;
          s2 /= pivot;
          s3 /= pivot;
          s4 /= pivot;
          s5 /= pivot;
          s6 /= pivot;
          s7 /= pivot;
          rows[o0 + i] = s0;
          rows[o1 + i] = s1;
          rows[o2 + i] = s2;
          rows[o3 + i] = s3;
          rows[o4 + i] = s4;
          rows[o5 + i] = s5;
          rows[o6 + i] = s6;
          rows[o7 + i] = s7;
          explained[block[b]!] += s0 * s0;
          explained[block[b + 1]!] += s1 * s1;
          explained[block[b + 2]!] += s2 * s2;
          explained[block[b + 3]!] += s3 * s3;
          explained[block[b + 4]!] += s4 * s4;
          explained[block[b + 5]!] += s5 * s5;
          explained[block[b + 6]!] += s6 * s6;
          explained[block[b + 7]!] += s7 * s7;
        }
        for (; b + 4 <= block.length; b += 4) {
          const c0 = block[b]!;
          const c1 = block[b + 1]!;
          const c2 = block[b + 2]!;
          const c3 = block[b + 3]!;
          const o0 = c0 * n;
          const o1 = c1 * n;
          const o2 = c2 * n;
          const o3 = c3 * n;
          let s0 = rows[o0 + i]!;
          let s1 = rows[o1 + i]!;
          let s2 = rows[o2 + i]!;
          let s3 = rows[o3 + i]!;
          for (let j = 0; j < i; j++) {
            const l = factor[row + j]!;
            s0 -= l * rows[o0 + j]!;
            s1 -= l * rows[o1 + j]!;
            s2 -= l * rows[o2 + j]!;
            s3 -= l * rows[o3 + j]!;
          }
          s0 /= pivot;
          s1 /= pivot;
          s2 /= pivot;
          s3 /= pivot;
          rows[o0 + i] = s0;
          rows[o1 + i] = s1;
          rows[o2 + i] = s2;
          rows[o3 + i] = s3;
          explained[c0] += s0 * s0;
          explained[c1] += s1 * s1;
          explained[c2] += s2 * s2;
          explained[c3] += s3 * s3;
        }
        for (; b < block.length; b++) {
          const c = block[b]!;
          const offset = c * n;
          let sum = rows[offset + i]!;
          for (let j = 0; j < i; j++) sum -= factor[row + j]! * rows[offset + j]!;
          const v = sum / pivot;
          rows[offset + i] = v;
          explained[c] += v * v;
        }
      }
    };
    /** Brings the points of `indices` to at least `to` rows, in blocks of points that start at the same row. */
    const advance = (indices: readonly number[], to: number): void => {
      const byStart = new Map<number, number[]>();
      for (const c of indices) {
        const from = progress[c]!;
        if (from >= to) continue;
        const group = byStart.get(from);
        if (group) group.push(c);
        else byStart.set(from, [c]);
      }
      for (const [from, group] of byStart) {
        for (let first = 0; first < group.length; first += PREDICT_BLOCK) substitute(group.slice(first, first + PREDICT_BLOCK), from, to);
        for (const c of group) progress[c] = to;
      }
    };
    const variances = (indices: readonly number[], out: Float64Array): void => {
      advance(indices, n);
      for (const c of indices) out[c] = Math.max(sf2 - explained[c]!, 0);
    };
    // Conditioning on the first m observations explains part of what all n explain, and in floating
    // point too a partial sum of squares never exceeds the whole: σ² − Σ_{i<m} v_i² bounds the variance.
    const tighten = (indices: readonly number[], fraction: number): void => {
      advance(indices, Math.min(n, Math.ceil(fraction * n)));
      for (const c of indices) varianceBounds[c] = Math.min(varianceBounds[c]!, sf2 - explained[c]! + 1e-9 * sf2);
    };
    return { means, varianceBounds, variances, tighten };
  }

  /**
   * Mean and variance with their gradients with respect to the point (numeric dimensions only;
   * categorical entries of the gradients are 0).
   */
  predictWithGradient(
    point: Float64Array,
    meanGradient: Float64Array,
    varianceGradient: Float64Array,
  ): { mean: number; variance: number } {
    const { x, n, d, categorical } = this.data;
    const sf2 = this.params.signalVariance;
    const slopes = this.slopeBuffer;
    const k = crossCovariance(point, x, n, d, this.inv, sf2, categorical, this.kBuffer, undefined, slopes);
    const additiveSlopes = this.additiveVariance > 0 ? (this.additiveSlopes ??= new Float64Array(n * d)) : null;
    this.addAdditiveCovariance(point, k, additiveSlopes ?? undefined);
    let mean = 0;
    for (let j = 0; j < n; j++) mean += k[j]! * this.alpha[j]!;
    const v = solveLowerFromTransposed(this.upperFactor(), n, k, this.vBuffer);
    let explained = 0;
    for (let j = 0; j < n; j++) explained += v[j]! * v[j]!;
    const variance = Math.max(this.priorVariance - explained, 0);
    // w = K⁻¹k, reusing v's buffer: dσ²/dx = −2 Σⱼ wⱼ ∂kⱼ/∂x.
    const w = solveLowerTransposed(this.factor, n, v, v);
    meanGradient.fill(0);
    varianceGradient.fill(0);
    for (let j = 0; j < n; j++) {
      // ∂kⱼ/∂xᵢ = σ²·dk/d(r²)·2(xᵢ − Xⱼᵢ)/ℓᵢ²
      const dk = 2 * sf2 * slopes[j]!;
      const betaMean = dk * this.alpha[j]!;
      const betaVariance = -2 * dk * w[j]!;
      const row = j * d;
      for (let i = 0; i < d; i++) {
        if (categorical[i]) continue;
        const delta = (point[i]! - x[row + i]!) * this.inv[i]!;
        meanGradient[i] += betaMean * delta;
        varianceGradient[i] += betaVariance * delta;
      }
      if (additiveSlopes) {
        // ∂(σ²ₐ·A_j)/∂xᵢ = (σ²ₐ/d)·k′(uᵢ)·2(xᵢ − Xⱼᵢ)/ℓᵢ².
        const perInput = (2 * this.additiveVariance) / Math.max(1, d);
        for (let i = 0; i < d; i++) {
          if (categorical[i]) continue;
          const dk = perInput * additiveSlopes[row + i]! * (point[i]! - x[row + i]!) * this.inv[i]!;
          meanGradient[i] += dk * this.alpha[j]!;
          varianceGradient[i] -= 2 * dk * w[j]!;
        }
      }
    }
    return { mean, variance };
  }

  /**
   * Adds the additive component σ²ₐ·A(point, xⱼ) to each covariance in `k` (nothing without one);
   * with `slopesOut` (n × d), also records its one-dimensional correlations' derivatives.
   */
  private addAdditiveCovariance(point: Float64Array, k: Float64Array, slopesOut?: Float64Array): void {
    const sa2 = this.additiveVariance;
    if (sa2 === 0) return;
    const { x, n, d, categorical } = this.data;
    const inv = this.inv;
    // One exponential per input for the point; each observation's are then products (see
    // additiveExponentials). With s = √5·|Δ|/ℓ the one-dimensional Matérn-5/2 is (1 + s + s²/3)e^{−s}.
    const { plus, minus, rates } = (this.additiveFactors ??= additiveExponentials(x, n, d, inv, categorical));
    const pointPlus = this.pointPlus;
    const pointMinus = this.pointMinus;
    const factored: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < d; i++) {
      if (rates[i] === 0) {
        direct.push(i);
        continue;
      }
      factored.push(i);
      const t = rates[i]! * point[i]!;
      pointPlus[i] = Math.exp(t);
      pointMinus[i] = Math.exp(-t);
    }
    const dimensions = Math.max(1, d);
    const allFactored = direct.length === 0 && !slopesOut;
    for (let j = 0; j < n; j++) {
      const row = j * d;
      let sum = 0;
      if (allFactored) {
        // The hot path (every input numeric, no gradient): no square roots, no exponentials.
        // e^{−s} = min(e^{−sΔ}, e^{sΔ}): branch-free.
        for (let i = 0; i < d; i++) {
          const s = rates[i]! * Math.abs(point[i]! - x[row + i]!);
          const e = Math.min(pointMinus[i]! * plus[row + i]!, pointPlus[i]! * minus[row + i]!);
          sum += (1 + s + s * s * ONE_THIRD) * e;
        }
      } else {
        for (const i of factored) {
          const s = rates[i]! * Math.abs(point[i]! - x[row + i]!);
          const e = Math.min(pointMinus[i]! * plus[row + i]!, pointPlus[i]! * minus[row + i]!);
          sum += (1 + s + s * s * ONE_THIRD) * e;
          // d/du of the correlation, u = s²/5: −(5/6)(1 + s)e^{−s}.
          if (slopesOut) slopesOut[row + i] = (-5 / 6) * (1 + s) * e;
        }
        for (const i of direct) {
          const delta = point[i]! - x[row + i]!;
          const u = categorical[i] ? (delta !== 0 ? inv[i]! : 0) : delta * delta * inv[i]!;
          const s = SQRT5 * Math.sqrt(u);
          const e = Math.exp(-s);
          sum += (1 + s + (s * s) / 3) * e;
          if (slopesOut) slopesOut[row + i] = (-5 / 6) * (1 + s) * e;
        }
      }
      k[j] += sa2 * (sum / dimensions);
    }
  }

  /** The noise-free prior correlation between two points, for diagnostics and tests. */
  correlation(a: Float64Array, b: Float64Array): number {
    let r2 = 0;
    for (let i = 0; i < this.data.d; i++) {
      const delta = a[i]! - b[i]!;
      r2 += this.data.categorical[i] ? (delta !== 0 ? this.inv[i]! : 0) : delta * delta * this.inv[i]!;
    }
    if (this.additiveVariance === 0) return matern52(r2);
    const additive = additiveCorrelation(a, 0, b, 0, this.data.d, this.inv, this.data.categorical);
    return (this.params.signalVariance * matern52(r2) + this.additiveVariance * additive) / this.priorVariance;
  }
}
