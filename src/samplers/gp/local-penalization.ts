/**
 * Local penalization of an acquisition around pending (running) points: González, Dai, Hennig &
 * Lawrence 2016, "Batch Bayesian Optimization via Local Penalization", AISTATS.
 *
 * If f is L-Lipschitz and the best value seen is M (minimisation), then no point closer to a pending
 * x_j than r_j = (f(x_j) − M)/L can improve on M. With f(x_j) ~ N(μ(x_j), σ²(x_j)) under the GP, the
 * probability that x lies outside that ball is the penalizer
 *
 *     φ_j(x) = Φ((L·‖x − x_j‖ − μ(x_j) + M) / σ(x_j))
 *
 * (the paper's eq. 3 for minimisation, with ½erfc(−z/√2) = Φ(z)). The batch acquisition multiplies
 * the base acquisition by every φ_j; working with log EI, it adds log φ_j. L is estimated as the
 * largest norm of the posterior mean's gradient over the domain (the paper's L̂ = max ‖∇μ(x)‖),
 * here over scrambled Sobol points plus the observed and pending points.
 *
 * The paper's penalizer is soft where it matters most in an asynchronous run: a pending point that
 * the model expects to be about as good as the incumbent (μ(x_j) ≈ M, which is where log EI sends
 * it) keeps φ_j(x_j) ≈ ½, so the next proposal may land right beside it. The hard local penalizer of
 * Alvi, Ru, Calliess, Roberts & Osborne 2019 ("Asynchronous Batch Bayesian Optimisation with
 * Improved Local Penalisation", ICML; PLAyBOOK-H) fixes that for asynchronous workers: with
 * ρ_j = (|μ(x_j) − M| + γσ(x_j))/L, γ = 1, the radius of the ball the point is believed to exclude,
 *
 *     φ_j(x) = (1 + (‖x − x_j‖/ρ_j)^(−p))^(−1/p),  p = 5,
 *
 * a smooth min(‖x − x_j‖/ρ_j, 1): 0 at the pending point, 1 beyond its ball.
 *
 * Unlike kriging believer, the model is not refitted with fantasies: the base acquisition is that of
 * the observations alone, and the pending points only shrink it near themselves, by how far each is
 * expected to be from the incumbent.
 *
 * @module
 */
import { logNormalCdf, normalPdf } from "../../math/special.js";
import { SobolSequence } from "../../math/sobol.js";
import type { Acquisition, AcquisitionBatch, Surrogate } from "./acquisition.js";

/** Used when the mean is flat (‖∇μ‖ < `FLAT_GRADIENT` everywhere probed): then penalizers are narrow, as in GPyOpt. */
const FLAT_MEAN_LIPSCHITZ = 10;
const FLAT_GRADIENT = 1e-7;
/** Sobol points where ‖∇μ‖ is probed for the Lipschitz estimate. */
const LIPSCHITZ_PROBES = 256;
/** The pending point's σ is floored here (standardised units) so a point on an observation still gives a finite z. */
const MIN_PENDING_SIGMA = 1e-6;

/** The soft penalizer of González et al. 2016, or the hard one of Alvi et al. 2019. */
export type PenalizerKind = "soft" | "hard";
/** The exponent p of the hard penalizer's smooth minimum (Alvi et al. 2019's experiments). */
const HARD_EXPONENT = 5;

/** One pending point's penalizer: where it is, what the model expects there, and the shared L and M. */
export interface Penalizer {
  readonly kind: PenalizerKind;
  readonly center: Float64Array;
  /** μ(x_j) − M: how far above the incumbent the pending point is expected to land (≥ 0 not required). */
  readonly gap: number;
  readonly sigma: number;
  readonly lipschitz: number;
}

/**
 * The Lipschitz constant of the posterior mean, L̂ = max ‖∇μ(x)‖, over `LIPSCHITZ_PROBES` scrambled
 * Sobol points of the cube and the given `points` (categorical coordinates do not count: the mean
 * has no gradient there). Falls back to a constant when the mean is flat.
 *
 * @example
 * const L = estimateLipschitz(gp, [...observed, ...pending], 6, isCategorical, 7);
 */
export function estimateLipschitz(
  gp: Surrogate,
  points: readonly Float64Array[],
  d: number,
  categorical: ArrayLike<number>,
  seed: number,
): number {
  const meanGradient = new Float64Array(d);
  const varianceGradient = new Float64Array(d);
  let largest = 0;
  const probe = (point: Float64Array): void => {
    gp.predictWithGradient(point, meanGradient, varianceGradient);
    let norm2 = 0;
    for (let i = 0; i < d; i++) if (!categorical[i]) norm2 += meanGradient[i]! * meanGradient[i]!;
    if (Number.isFinite(norm2)) largest = Math.max(largest, Math.sqrt(norm2));
  };
  const sobol = new SobolSequence(Math.max(1, d), { scramble: true, seed });
  const point = new Float64Array(d);
  for (let c = 0; c < LIPSCHITZ_PROBES; c++) {
    const u = sobol.next();
    // Categorical coordinates stay at the first choice: only numeric directions are probed.
    for (let i = 0; i < d; i++) point[i] = categorical[i] ? 0 : u[i]!;
    probe(point);
  }
  for (const p of points) probe(p);
  return largest < FLAT_GRADIENT ? FLAT_MEAN_LIPSCHITZ : largest;
}

/**
 * The penalizers of the pending points under the model `gp` (fitted on the observations only),
 * against the incumbent `best` (minimisation, in the model's units).
 *
 * @example
 * const penalizers = pendingPenalizers(gp, running, best, estimateLipschitz(gp, running, d, mask, seed));
 */
export function pendingPenalizers(gp: Surrogate, pending: readonly Float64Array[], best: number, lipschitz: number, kind: PenalizerKind = "soft"): Penalizer[] {
  return pending.map((center) => {
    const { mean, variance } = gp.predict(center);
    return { kind, center, gap: mean - best, sigma: Math.max(Math.sqrt(Math.max(variance, 0)), MIN_PENDING_SIGMA), lipschitz };
  });
}

/**
 * Distance in the model's input: Euclidean over numeric coordinates, and 1 per categorical
 * coordinate that differs (the Hamming kernel's view of a categorical distance).
 */
function distance(a: Float64Array, b: Float64Array, categorical: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    if (categorical[i]) sum += a[i] === b[i] ? 0 : 1;
    else sum += (a[i]! - b[i]!) ** 2;
  }
  return Math.sqrt(sum);
}

/**
 * Σ_j log φ_j(x): the log of the product of the penalizers at `point` (0 with no pending point;
 * soft: towards −∞ on top of one expected to be poor; hard: −∞ on top of any). With `gradient`, its gradient over numeric
 * coordinates is written there (categorical entries 0).
 *
 * @example
 * logPenalty(penalizers, point, mask); // ≈ 0 far from every pending point
 */
export function logPenalty(penalizers: readonly Penalizer[], point: Float64Array, categorical: ArrayLike<number>, gradient?: Float64Array): number {
  gradient?.fill(0);
  let total = 0;
  for (const { kind, center, gap, sigma, lipschitz } of penalizers) {
    const r = distance(point, center, categorical);
    if (kind === "hard") {
      // log φ = −(1/p)·log(1 + (r/ρ)^(−p)), in a form that stays finite as r → 0 until r = 0.
      const radius = (Math.abs(gap) + sigma) / lipschitz;
      if (r === 0) return -Infinity;
      const logRatio = -HARD_EXPONENT * Math.log(r / radius);
      const log1pTerm = logRatio > 30 ? logRatio + Math.log1p(Math.exp(-logRatio)) : Math.log1p(Math.exp(logRatio));
      total += -log1pTerm / HARD_EXPONENT;
      if (gradient) {
        // d log φ/dr = (r/ρ)^(−p) / (r·(1 + (r/ρ)^(−p))) = 1/(r·(1 + (r/ρ)^p)).
        const factor = 1 / (r * r * (1 + Math.exp(-logRatio)));
        for (let i = 0; i < point.length; i++) if (!categorical[i]) gradient[i] += factor * (point[i]! - center[i]!);
      }
      continue;
    }
    const z = (lipschitz * r - gap) / sigma;
    const logPhi = logNormalCdf(z);
    total += logPhi;
    if (gradient && r > 0) {
      // d log Φ(z)/dz = φ(z)/Φ(z), computed in logs so it holds far in the lower tail.
      const ratio = Math.exp(Math.log(normalPdf(z)) - logPhi);
      const factor = (ratio * lipschitz) / (sigma * r);
      for (let i = 0; i < point.length; i++) if (!categorical[i]) gradient[i] += factor * (point[i]! - center[i]!);
    }
  }
  return total;
}

/**
 * `base` (a log acquisition, such as log EI) plus the log penalizers of the pending points. The
 * penalty is cheap (O(pending · d)) and at most 0, so a base's upper bounds stay upper bounds and
 * the candidate search keeps its pruning.
 *
 * @example
 * const acquisition = locallyPenalizedAcquisition(logExpectedImprovementAcquisition(gp, best), penalizers, mask);
 */
export function locallyPenalizedAcquisition(base: Acquisition, penalizers: readonly Penalizer[], categorical: ArrayLike<number>): Acquisition {
  if (penalizers.length === 0) return base;
  let penaltyGradient = new Float64Array(0);
  const baseWithGradient = base.valueWithGradient?.bind(base);
  const baseBatch = base.batch?.bind(base);
  return {
    value: (point) => base.value(point) + logPenalty(penalizers, point, categorical),
    ...(baseWithGradient && {
      valueWithGradient(point: Float64Array, gradient: Float64Array): number {
        if (penaltyGradient.length !== point.length) penaltyGradient = new Float64Array(point.length);
        const value = baseWithGradient(point, gradient) + logPenalty(penalizers, point, categorical, penaltyGradient);
        for (let i = 0; i < point.length; i++) gradient[i] += penaltyGradient[i]!;
        return value;
      },
    }),
    ...(baseBatch && {
      batch(points: Float64Array, count: number): AcquisitionBatch {
        const inner = baseBatch(points, count);
        const d = points.length / Math.max(1, count);
        const penalty = new Float64Array(count);
        const upperBounds = new Float64Array(count);
        for (let c = 0; c < count; c++) {
          penalty[c] = logPenalty(penalizers, points.subarray(c * d, (c + 1) * d), categorical);
          upperBounds[c] = inner.upperBounds[c]! + penalty[c]!;
        }
        return {
          upperBounds,
          values(indices, out) {
            inner.values(indices, out);
            for (const c of indices) out[c] = out[c]! + penalty[c]!;
          },
          ...(inner.tighten && {
            tighten(indices: readonly number[], fraction: number) {
              inner.tighten!(indices, fraction);
              for (const c of indices) upperBounds[c] = inner.upperBounds[c]! + penalty[c]!;
            },
          }),
        };
      },
    }),
  };
}
