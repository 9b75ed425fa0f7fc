/**
 * The stacked residual Gaussian processes of Google Vizier's transfer learning (Golovin, Solnik,
 * Moitra, Kochanski, Karro and Sculley 2017, "Google Vizier: A Service for Black-Box Optimization",
 * KDD, §3.3). Studies are stacked in order: the first source's GP models its own results; each later
 * study's GP models the residuals of its results from the mean of the stack below it. The stack's
 * prediction at x is
 *
 *   μᵢ(x) = μ̂ᵢ(x) + μᵢ₋₁(x)             (the residual model's mean on top of the mean below),
 *   σᵢ(x) = σ̂ᵢ(x)^βᵢ · σᵢ₋₁(x)^(1−βᵢ),   βᵢ = α nᵢ / (α nᵢ + nᵢ₋₁),
 *
 * where nᵢ is the number of observations of study i and nᵢ₋₁ that of the study below it; the
 * paper's α (the relative weight of the top study's evidence) is 1 here. So the sources set the mean
 * everywhere the study has not looked, and the study's own uncertainty takes over as its
 * observations come to outnumber the source's.
 *
 * One addition to the paper: each study's results are standardised on their own (the sources' 100
 * mostly good trials and the study's first ten mostly random ones do not share a scale), so before
 * the residuals are taken the mean below is mapped to the study's units by least squares,
 * yᵢ ≈ a·μᵢ₋₁(xᵢ) + b, with a ≥ 0. A study whose results run against the stack below (a = 0) ignores
 * it: its mean is b + μ̂ᵢ and its uncertainty σ̂ᵢ alone. The sampler stacks this study on the sources
 * only while that map is evidence of a relation ({@link stackRelated}): with a slope near 0 the mean
 * below no longer matters, but its uncertainty, small where the sources looked, would still steer
 * the search there.
 *
 * @module
 */
import type { Surrogate } from "./acquisition.js";

/** Variances below this are treated as this, so the geometric blend stays finite. */
const MIN_VARIANCE = 1e-20;

/** z of a one-sided test at 5%: the correlation must be this many standard errors above 0. */
const RELATION_Z = 1.6448536269514722;

/** One study in the stack: its GP (of residuals, above the first), its size and how the mean below maps to its units. */
export interface StackLayer {
  /** The study's GP: of its own results for the first layer, of its residuals for the others. */
  readonly gp: Surrogate;
  /** The number of observations the GP was fitted on (nᵢ). */
  readonly count: number;
  /** a: the slope mapping the mean below to this study's units (ignored for the first layer). */
  readonly slope: number;
  /** b: the offset of that map (ignored for the first layer). */
  readonly intercept: number;
}

/**
 * The least-squares map y ≈ a·μ + b with a ≥ 0 (a = 0 and b the mean of y when the slope would be
 * negative or the means do not vary).
 *
 * @example
 * calibrateStack([0, 1, 2], [1, 3, 5]); // { slope: 2, intercept: 1 }
 */
export function calibrateStack(means: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number } {
  const { meanMu, meanY, covariance, varianceMu } = moments(means, y);
  if (!(varianceMu > 1e-12) || !(covariance > 0)) return { slope: 0, intercept: y.length > 0 ? meanY : 0 };
  const slope = covariance / varianceMu;
  return { slope, intercept: meanY - slope * meanMu };
}

/** Means, and sums of cross products and squares about them, of the pairs (means[j], y[j]). */
function moments(means: ArrayLike<number>, y: ArrayLike<number>): { meanMu: number; meanY: number; covariance: number; varianceMu: number; varianceY: number } {
  const n = y.length;
  let meanMu = 0;
  let meanY = 0;
  for (let j = 0; j < n; j++) {
    meanMu += means[j]! / n;
    meanY += y[j]! / n;
  }
  let covariance = 0;
  let varianceMu = 0;
  let varianceY = 0;
  for (let j = 0; j < n; j++) {
    covariance += (means[j]! - meanMu) * (y[j]! - meanY);
    varianceMu += (means[j]! - meanMu) ** 2;
    varianceY += (y[j]! - meanY) ** 2;
  }
  return { meanMu, meanY, covariance, varianceMu, varianceY };
}

/**
 * Whether the study's results `y` follow the mean below at its points: their Pearson correlation r
 * is positive at 5% by Fisher's test, atanh(r)·√(n − 3) ≥ 1.645 (so n ≥ 4).
 *
 * @example
 * stackRelated([0, 1, 2, 3, 4, 5], [0.1, 1.2, 1.9, 3.2, 3.9, 5.1]); // true
 * stackRelated([0, 1, 2, 3, 4, 5], [3, 1, 4, 1, 5, 9]); // false: r = 0.70, too weak at n = 6
 */
export function stackRelated(means: ArrayLike<number>, y: ArrayLike<number>): boolean {
  const n = y.length;
  if (n < 4) return false;
  const { covariance, varianceMu, varianceY } = moments(means, y);
  if (!(varianceMu > 1e-12) || !(varianceY > 1e-12) || !(covariance > 0)) return false;
  const r = Math.min(covariance / Math.sqrt(varianceMu * varianceY), 1 - 1e-12);
  return Math.atanh(r) * Math.sqrt(n - 3) >= RELATION_Z;
}

/**
 * Residuals of `y` from the stack's mean at `points`, with the map that produced them (see
 * {@link calibrateStack}): what the next layer's GP is fitted on.
 *
 * @example
 * const { residuals, slope, intercept } = stackResiduals(stackedSurrogate(layers), points, y);
 */
export function stackResiduals(below: Surrogate, points: readonly Float64Array[], y: ArrayLike<number>): { residuals: Float64Array; slope: number; intercept: number; related: boolean } {
  const means = points.map((p) => below.predict(p).mean);
  const { slope, intercept } = calibrateStack(means, y);
  const residuals = new Float64Array(y.length);
  for (let j = 0; j < y.length; j++) residuals[j] = y[j]! - (slope * means[j]! + intercept);
  return { residuals, slope, intercept, related: stackRelated(means, y) };
}

/**
 * How a layer's uncertainty combines with the stack's below it. `"geometric"`: Vizier's blend
 * σ̂ᵢ^βᵢ · σᵢ₋₁^(1−βᵢ) above. `"scaled"`: the same blend with the deviation below first mapped to the
 * study's units as its mean is, σ̂ᵢ^βᵢ · (aᵢ·σᵢ₋₁)^(1−βᵢ) (the paper's studies share one scale and
 * need no map). `"sum"`: the variance of a sum of independent processes, f = a·g + δ with g the
 * stack below and δ this study's residual process, σᵢ² = aᵢ²·σᵢ₋₁² + σ̂ᵢ². Where the study has not
 * looked, the sum keeps the residual process's prior variance, which its fit learns from how far the
 * study departs from the sources; the geometric blends let the sources' small uncertainty where
 * they looked shrink it, whatever the study has seen.
 */
export type StackVariance = "geometric" | "scaled" | "sum";

/** β of layer i: its share of the evidence, α nᵢ / (α nᵢ + nᵢ₋₁) with α = 1. */
function evidenceShare(layer: StackLayer, below: StackLayer): number {
  const total = layer.count + below.count;
  return total > 0 ? layer.count / total : 1;
}

/**
 * The stack as one surrogate for the acquisition search (first layer at the bottom).
 *
 * `combine` chooses how the layers' uncertainties combine (see {@link StackVariance}).
 *
 * @example
 * const surrogate = stackedSurrogate([{ gp: sourceGp, count: 100, slope: 1, intercept: 0 }, { gp: residualGp, count: 12, slope: 0.8, intercept: 0.1 }]);
 * surrogate.predict(point); // { mean, variance } in the top study's units
 */
export function stackedSurrogate(layers: readonly StackLayer[], combine: StackVariance = "geometric"): Surrogate {
  if (layers.length === 0) throw new RangeError("stackedSurrogate: no layers");
  const sum = combine === "sum";
  // What the variance below is multiplied by before it combines with the layer's: a² puts it in the
  // study's units ("scaled", "sum"); Vizier's blend takes it as it is.
  const belowScale = (layer: StackLayer) => (combine === "geometric" ? 1 : layer.slope * layer.slope);
  return {
    predict(point) {
      let { mean, variance } = layers[0]!.gp.predict(point);
      for (let i = 1; i < layers.length; i++) {
        const layer = layers[i]!;
        const top = layer.gp.predict(point);
        const beta = evidenceShare(layer, layers[i - 1]!);
        mean = layer.slope * mean + layer.intercept + top.mean;
        const scale = belowScale(layer);
        if (sum) variance = scale * variance + top.variance;
        else variance = layer.slope > 0 ? Math.exp(beta * Math.log(Math.max(top.variance, MIN_VARIANCE)) + (1 - beta) * Math.log(Math.max(scale * variance, MIN_VARIANCE))) : top.variance;
      }
      return { mean, variance };
    },
    predictWithGradient(point, meanGradient, varianceGradient) {
      const dims = meanGradient.length;
      const topMeanGradient = new Float64Array(dims);
      const topVarianceGradient = new Float64Array(dims);
      let { mean, variance } = layers[0]!.gp.predictWithGradient(point, meanGradient, varianceGradient);
      for (let i = 1; i < layers.length; i++) {
        const layer = layers[i]!;
        const top = layer.gp.predictWithGradient(point, topMeanGradient, topVarianceGradient);
        const beta = evidenceShare(layer, layers[i - 1]!);
        mean = layer.slope * mean + layer.intercept + top.mean;
        for (let k = 0; k < dims; k++) meanGradient[k] = layer.slope * meanGradient[k]! + topMeanGradient[k]!;
        const scale = belowScale(layer);
        if (sum) {
          for (let k = 0; k < dims; k++) varianceGradient[k] = scale * varianceGradient[k]! + topVarianceGradient[k]!;
          variance = scale * variance + top.variance;
        } else if (layer.slope > 0) {
          // v = v̂^β v₋^(1−β) with v₋ = scale·v_below, so dv = v (β dv̂/v̂ + (1−β) scale·dv_below/v₋).
          const vTop = Math.max(top.variance, MIN_VARIANCE);
          const vBelow = Math.max(scale * variance, MIN_VARIANCE);
          const v = Math.exp(beta * Math.log(vTop) + (1 - beta) * Math.log(vBelow));
          for (let k = 0; k < dims; k++) varianceGradient[k] = v * ((beta * topVarianceGradient[k]!) / vTop + ((1 - beta) * scale * varianceGradient[k]!) / vBelow);
          variance = v;
        } else {
          varianceGradient.set(topVarianceGradient);
          variance = top.variance;
        }
      }
      return { mean, variance };
    },
  };
}
