/**
 * Input warping for the GP: each numeric input u ∈ [0, 1] is mapped through the cumulative
 * distribution function of a Kumaraswamy distribution before the kernel sees it,
 *
 *   w(u; a, b) = 1 − (1 − uᵃ)ᵇ,   a, b > 0,
 *
 * a monotone bijection of [0, 1] onto itself with w(0) = 0 and w(1) = 1.
 *
 * Snoek, Swersky, Zemel & Adams (2014), "Input Warping for Bayesian Optimization of Non-stationary
 * Functions" (ICML), warp each input through a Beta CDF whose two shape parameters are hyperparameters
 * of the GP, so that a function whose lengthscale changes across the box (a learning rate that matters
 * in decades, a regularizer that matters only near 0) becomes stationary in the warped inputs. They
 * put log-normal priors on both shapes, with median 1 (the identity warp); here log a, log b ~
 * N(0, 0.75), 0.75 the variance, the reading BoTorch's `Warp` uses (LogNormal(0, √0.75)). HEBO (Cowen-Rivers et al. 2022, "HEBO: Pushing the Limits of Sample-Efficient
 * Hyperparameter Optimisation", JAIR) uses the Kumaraswamy CDF instead of the Beta CDF: it has the
 * same family of shapes (a < 1 stretches the region near 0, b < 1 the region near 1, both > 1 an
 * S-shape) but a closed form, a closed-form inverse and closed-form derivatives, and its parameters
 * are fitted jointly with the kernel's by maximizing the marginal likelihood. Sextant does the same:
 * the 2 parameters per numeric input are appended to the kernel's θ (in log space, with the
 * log-normal prior of Snoek et al. as a penalty) and fitted by L-BFGS-B with analytic gradients (see
 * `model.ts`). Categorical inputs are not warped. (Snoek et al. integrate the warping out by slice
 * sampling; a MAP fit, as here and in HEBO, is cheaper but can commit to a warp that squeezes a
 * region the data have barely seen.) The acquisition is searched in the space's own cube through
 * {@link warpedSurrogate}.
 *
 * @module
 */
import type { GaussianProcess } from "./model.js";

/** Variance of the normal prior on log a and log b (after Snoek et al. 2014, as BoTorch's `Warp`; identity warp at the median). */
export const WARP_LOG_PRIOR_VARIANCE = 0.1;
/** Box for log a and log b: shapes in [e⁻², e²] ≈ [0.14, 7.4], beyond ±2.3 prior standard deviations. */
export const WARP_LOG_BOUND = 2;

/**
 * The Kumaraswamy CDF 1 − (1 − uᵃ)ᵇ on [0, 1] (inputs outside are clamped).
 *
 * @example
 * kumaraswamyCdf(0.25, 1, 1); // 0.25 (the identity)
 * kumaraswamyCdf(0.01, 0.5, 1); // 0.1: a < 1 stretches the region near 0
 */
export function kumaraswamyCdf(u: number, a: number, b: number): number {
  if (u <= 0) return 0;
  if (u >= 1) return 1;
  // 1 − (1 − uᵃ)ᵇ = −expm1(b·log1p(−uᵃ)), accurate when uᵃ is tiny.
  return -Math.expm1(b * Math.log1p(-(u ** a)));
}

/**
 * The inverse of {@link kumaraswamyCdf}: the u with w(u; a, b) = z, (1 − (1 − z)^{1/b})^{1/a}.
 *
 * @example
 * kumaraswamyInverse(kumaraswamyCdf(0.3, 0.5, 2), 0.5, 2); // 0.3
 */
export function kumaraswamyInverse(z: number, a: number, b: number): number {
  if (z <= 0) return 0;
  if (z >= 1) return 1;
  const inner = -Math.expm1(Math.log1p(-z) / b);
  return Math.min(1, Math.max(0, inner ** (1 / a)));
}

/**
 * ∂w/∂log a and ∂w/∂log b at u, written to `out[0]` and `out[1]`:
 * ∂w/∂a = b(1 − uᵃ)^{b−1}·uᵃ·log u and ∂w/∂b = −(1 − uᵃ)ᵇ·log(1 − uᵃ), each times its parameter.
 * Both vanish at u = 0 and u = 1, where the warp is pinned.
 *
 * @example
 * const out = new Float64Array(2);
 * kumaraswamyLogParameterGradient(0.5, 1, 1, out); // out ≈ [0.5·log 0.5, −0.5·log 0.5]
 */
export function kumaraswamyLogParameterGradient(u: number, a: number, b: number, out: Float64Array): Float64Array {
  if (u <= 0 || u >= 1) {
    out[0] = 0;
    out[1] = 0;
    return out;
  }
  const logU = Math.log(u);
  const ua = Math.exp(a * logU);
  const log1mUa = Math.log1p(-ua);
  const survival = Math.exp(b * log1mUa);
  // b(1 − uᵃ)^{b−1}·uᵃ = b·survival·uᵃ/(1 − uᵃ)
  out[0] = a * (b * survival * (ua / (1 - ua)) * logU);
  out[1] = b * (-survival * log1mUa);
  return out;
}

/**
 * A fitted warping of the unit cube's numeric inputs: a and b per warped dimension. Points are
 * warped before the GP sees them, the acquisition is searched in the warped cube (where the model is
 * stationary), and the chosen point is mapped back.
 *
 * @example
 * const warp = new InputWarping(Int32Array.from([0]), [0.5], [1]);
 * warp.warpPoint(Float64Array.of(0.01)); // [0.1]
 */
export class InputWarping {
  constructor(
    /** The warped dimensions (the numeric ones). */
    readonly dimensions: Int32Array,
    readonly a: readonly number[],
    readonly b: readonly number[],
  ) {}

  /**
   * The warping stored at the end of θ = [log ℓ…(d), log σ², log σₙ², log a₁, log b₁, …], or null
   * if θ carries no warping parameters.
   */
  static fromTheta(theta: ArrayLike<number>, d: number, dimensions: Int32Array): InputWarping | null {
    if (theta.length !== d + 2 + 2 * dimensions.length || dimensions.length === 0) return null;
    const a: number[] = [];
    const b: number[] = [];
    for (let k = 0; k < dimensions.length; k++) {
      a.push(Math.exp(theta[d + 2 + 2 * k]!));
      b.push(Math.exp(theta[d + 3 + 2 * k]!));
    }
    return new InputWarping(dimensions, a, b);
  }

  /** A copy of `point` with the warped dimensions mapped through their CDFs. */
  warpPoint(point: Float64Array): Float64Array {
    return this.map(point, kumaraswamyCdf);
  }

  /** A copy of a warped point mapped back into the unit cube of the search space. */
  unwarpPoint(point: Float64Array): Float64Array {
    return this.map(point, kumaraswamyInverse);
  }

  private map(point: Float64Array, through: (value: number, a: number, b: number) => number): Float64Array {
    const out = Float64Array.from(point);
    for (let k = 0; k < this.dimensions.length; k++) {
      const i = this.dimensions[k]!;
      out[i] = through(point[i]!, this.a[k]!, this.b[k]!);
    }
    return out;
  }
}

/**
 * The warp's slope dw/du = a·b·u^{a−1}(1 − uᵃ)^{b−1}, with u kept 1e-9 inside the faces, where it
 * is infinite for a < 1 (at 0) or b < 1 (at 1).
 *
 * @example
 * kumaraswamySlope(0.3, 1, 1); // 1
 */
export function kumaraswamySlope(u: number, a: number, b: number): number {
  const v = Math.min(1 - 1e-9, Math.max(1e-9, u));
  const va = v ** a;
  return a * b * (va / v) * (1 - va) ** (b - 1);
}

/** What {@link warpedSurrogate} needs of a GP fitted on warped inputs. */
type WarpedModel = Pick<GaussianProcess, "predict" | "predictWithGradient" | "predictBatch">;

/**
 * A surrogate over the unit cube of the search space from a GP fitted on warped inputs:
 * predictions at w(x), gradients by the chain rule (∂/∂xᵢ = w′(xᵢ)·∂/∂zᵢ). The acquisition is then
 * searched in the space's own cube, with its candidates, perturbations and grids as without warping.
 *
 * @example
 * const acquisition = logExpectedImprovementAcquisition(warpedSurrogate(gp, warping), best);
 */
export function warpedSurrogate(gp: WarpedModel, warping: InputWarping): WarpedModel {
  return {
    predict: (point) => gp.predict(warping.warpPoint(point)),
    predictBatch(points, count) {
      const dimension = points.length / Math.max(1, count);
      const warped = new Float64Array(points.length);
      for (let c = 0; c < count; c++) warped.set(warping.warpPoint(points.subarray(c * dimension, (c + 1) * dimension)), c * dimension);
      return gp.predictBatch(warped, count);
    },
    predictWithGradient(point, meanGradient, varianceGradient) {
      const result = gp.predictWithGradient(warping.warpPoint(point), meanGradient, varianceGradient);
      for (let k = 0; k < warping.dimensions.length; k++) {
        const i = warping.dimensions[k]!;
        const slope = kumaraswamySlope(point[i]!, warping.a[k]!, warping.b[k]!);
        meanGradient[i] = meanGradient[i]! * slope;
        varianceGradient[i] = varianceGradient[i]! * slope;
      }
      return result;
    },
  };
}
