/**
 * A Gaussian process over (time, hyperparameters) with the time-varying kernel of Bogunovic et al.
 * (2016, "Time-Varying Gaussian Process Bandit Optimization"), as PB2 uses it:
 *
 *   k((t, x), (t', x')) = σ² · exp(−‖x − x'‖² / (2ℓ²)) · (1 − ε)^{|t − t'| / 2}
 *
 * x lives in the unit cube; ε ∈ [0, 1) says how fast what was learnt about the reward landscape
 * goes stale as training moves on (ε = 0: a static function). Observations are standardized (and
 * clipped to ±2); σ², ℓ, ε and the noise variance are chosen by maximising the log marginal likelihood over a
 * small grid (Rasmussen & Williams 2006, eq. 2.30), which is cheap at PB2's sizes (tens of points).
 *
 * Batch selection (Desautels et al. 2014, GP-BUCB): inputs whose outcomes are still pending (other
 * members' running segments) shrink the posterior variance as if observed, while the mean uses real
 * observations only, so parallel members are steered apart.
 *
 * @module
 */
import { choleskySolve, choleskyWithJitter, logDetFromCholesky, solveLower } from "../math/linalg.js";
import { meanAndDeviation } from "../math/statistics.js";

/** Observations of the reward change: per point its time, its unit-cube coordinates and the value. */
export interface TimedObservations {
  readonly times: readonly number[];
  readonly points: readonly Float64Array[];
  readonly values: readonly number[];
}

/** The kernel's hyperparameters. */
export interface TimeVaryingKernel {
  /** σ², in units of the standardized observations. */
  readonly signalVariance: number;
  readonly lengthscale: number;
  readonly forgetting: number;
  readonly noiseVariance: number;
}

const LENGTHSCALES = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
const FORGETTING = [0, 0.01, 0.05, 0.1, 0.2, 0.4];
const NOISES = [1e-3, 1e-2, 0.1, 0.3, 1];
const SIGNALS = [0.1, 0.3, 1];

/**
 * The kernel value between two timed points.
 *
 * @example
 * timeVaryingKernel({ signalVariance: 1, lengthscale: 1, forgetting: 0.19, noiseVariance: 0 }, 0, x, 2, x) // 0.81
 */
export function timeVaryingKernel(kernel: TimeVaryingKernel, ta: number, xa: Float64Array, tb: number, xb: Float64Array): number {
  let d2 = 0;
  for (let i = 0; i < xa.length; i++) {
    const d = xa[i]! - xb[i]!;
    d2 += d * d;
  }
  return kernel.signalVariance * Math.exp(-d2 / (2 * kernel.lengthscale * kernel.lengthscale)) * Math.pow(1 - kernel.forgetting, Math.abs(ta - tb) / 2);
}

/**
 * The fitted time-varying GP: posterior mean from the observations, posterior variance from the
 * observations and the pending inputs.
 *
 * @example
 * const gp = TimeVaryingGP.fit({ times: [1, 1, 2], points, values: [0.1, 0.3, 0.2] }, []);
 * const { mean, variance } = gp.predict(3, candidate);
 */
export class TimeVaryingGP {
  private constructor(
    readonly kernel: TimeVaryingKernel,
    private readonly times: number[],
    private readonly points: Float64Array[],
    /** K⁻¹y over the observations only. */
    private readonly alpha: Float64Array,
    private readonly observed: number,
    /** Cholesky factor of the kernel matrix over observations and pending inputs. */
    private readonly factor: Float64Array,
    private readonly center: number,
    private readonly scale: number,
  ) {}

  /** Fits the kernel by marginal likelihood on the observations; `pending` are inputs whose outcome is not known yet. */
  static fit(data: TimedObservations, pending: readonly { time: number; point: Float64Array }[]): TimeVaryingGP {
    const n = data.values.length;
    if (n === 0) throw new Error("a time-varying GP needs at least one observation");
    // Plain sums of squares overflowed past 1e154 (a NaN fit: PB2 kept the donor's hyperparameters)
    // and vanished below 1e-154 (a fit on unstandardized values, flat).
    const { mean: center, sd: spread } = meanAndDeviation(data.values);
    const scale = spread > 0 ? spread : 1;
    // Clipped at ±2 standard deviations: one diverging segment must not flatten the rest of the fit.
    const y = Float64Array.from(data.values, (v) => Math.min(2, Math.max(-2, (v - center) / scale)));
    let best: { kernel: TimeVaryingKernel; score: number } | null = null;
    for (const signalVariance of SIGNALS) {
      for (const lengthscale of LENGTHSCALES) {
        for (const forgetting of FORGETTING) {
          for (const noiseVariance of NOISES) {
            const kernel = { signalVariance, lengthscale, forgetting, noiseVariance };
            const score = logMarginalLikelihood(kernel, data.times, data.points, y);
            if (best === null || score > best.score) best = { kernel, score };
          }
        }
      }
    }
    const kernel = best!.kernel;
    const observedFactor = choleskyWithJitter(gram(kernel, data.times, data.points), n).factor;
    const alpha = choleskySolve(observedFactor, n, y);
    const times = [...data.times, ...pending.map((p) => p.time)];
    const points = [...data.points, ...pending.map((p) => p.point)];
    const factor = pending.length === 0 ? observedFactor : choleskyWithJitter(gram(kernel, times, points), times.length).factor;
    return new TimeVaryingGP(kernel, times, points, alpha, n, factor, center, scale);
  }

  /**
   * Posterior mean, variance and standard deviation (in the observations' units) at `point` and
   * `time`. The standard deviation stays finite where the variance overflows (observations past 1e154).
   */
  predict(time: number, point: Float64Array): { mean: number; variance: number; sd: number } {
    const m = this.times.length;
    const k = new Float64Array(m);
    for (let i = 0; i < m; i++) k[i] = timeVaryingKernel(this.kernel, time, point, this.times[i]!, this.points[i]!);
    let mean = 0;
    for (let i = 0; i < this.observed; i++) mean += k[i]! * this.alpha[i]!;
    const v = solveLower(this.factor, m, k);
    let reduction = 0;
    for (let i = 0; i < m; i++) reduction += v[i]! * v[i]!;
    const variance = Math.max(1e-12, this.kernel.signalVariance - reduction);
    return { mean: this.center + this.scale * mean, variance: variance * this.scale * this.scale, sd: Math.sqrt(variance) * this.scale };
  }
}

function gram(kernel: TimeVaryingKernel, times: readonly number[], points: readonly Float64Array[]): Float64Array {
  const n = times.length;
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    matrix[i * n + i] = kernel.signalVariance + kernel.noiseVariance;
    for (let j = 0; j < i; j++) {
      const value = timeVaryingKernel(kernel, times[i]!, points[i]!, times[j]!, points[j]!);
      matrix[i * n + j] = value;
      matrix[j * n + i] = value;
    }
  }
  return matrix;
}

function logMarginalLikelihood(kernel: TimeVaryingKernel, times: readonly number[], points: readonly Float64Array[], y: Float64Array): number {
  const n = y.length;
  let factor: Float64Array;
  try {
    factor = choleskyWithJitter(gram(kernel, times, points), n).factor;
  } catch {
    return -Infinity;
  }
  const alpha = choleskySolve(factor, n, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
  return -0.5 * fit - 0.5 * logDetFromCholesky(factor, n) - 0.5 * n * Math.log(2 * Math.PI);
}
