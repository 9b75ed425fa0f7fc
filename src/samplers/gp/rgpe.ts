/**
 * The ranking-weighted Gaussian-process ensemble (RGPE) of Feurer, Letham and Bakshy (2018,
 * "Scalable Meta-Learning for Bayesian Optimization using Ranking-Weighted Gaussian Process
 * Ensembles", AutoML workshop at ICML; extended in arXiv:1802.02219): one GP per earlier task, fitted
 * on that task's own standardized results, plus the GP of the current task, combined as
 *
 *   f̄(x) ~ N(Σᵢ wᵢ μᵢ(x), Σᵢ wᵢ² σᵢ²(x)).
 *
 * The weight of model i is the probability that it ranks the current task's observations best:
 * S posterior draws of each model at those points are scored by the number of misordered pairs
 * among all the current task's observations (the current task's own model by leave-one-out
 * predictions, so it is not judged on points it interpolates), and wᵢ is the fraction of draws in which model i has the lowest loss, ties broken
 * at random. A source whose median loss exceeds the 95th percentile of the current model's losses
 * is dropped (the paper's guard against weight dilution). With few observations of the current
 * task the ranking says little, and the current model gets most weight only as evidence builds up.
 */
import { choleskyInverse } from "../../math/linalg.js";
import type { Rng } from "../../math/rng.js";
import type { Surrogate } from "./acquisition.js";
import type { GaussianProcess } from "./model.js";
import { rankingLoss, rankingWinShares } from "../warm-start.js";

/** Posterior draws used to estimate the weights (the paper uses 1000; 256 keeps a trial fast). */
export const RGPE_SAMPLES = 256;

/**
 * RGPE weights: one per source model, then one for the target model (last). `points` and `y` are
 * the target's observations (standardized); the target model must have been fitted on exactly them.
 *
 * @example
 * const weights = rgpeWeights(sourceModels, targetModel, points, y, rng);
 */
export function rgpeWeights(sources: readonly GaussianProcess[], target: GaussianProcess, points: readonly Float64Array[], y: Float64Array, rng: Rng, samples = RGPE_SAMPLES): number[] {
  const n = points.length;
  const m = sources.length;
  const sourcePredictions = sources.map((gp) => points.map((p) => gp.predict(p)));
  // Leave-one-out predictions of the target GP in closed form: μ₋ⱼ = yⱼ − αⱼ/[K⁻¹]ⱼⱼ, σ²₋ⱼ = 1/[K⁻¹]ⱼⱼ.
  const inverse = choleskyInverse(target.factor, n);
  const looMean = new Float64Array(n);
  const looSd = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const kjj = inverse[j * n + j]!;
    looMean[j] = y[j]! - target.alpha[j]! / kjj;
    looSd[j] = Math.sqrt(1 / kjj);
  }
  // Every pair counts, as in the paper's ranking loss (Feurer et al. 2018). Counting the better
  // half's pairs only (as TPE's source weights still do, see rankingLoss) let a source that orders
  // the good points right and the worst ones first take the weight, and an anti-correlated source
  // keep about a quarter of it where the paper's loss gives it none.
  const limit = Number.POSITIVE_INFINITY;
  const losses: number[][] = Array.from({ length: m + 1 }, () => []);
  const draw = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const { mean, variance } = sourcePredictions[i]![j]!;
        draw[j] = mean + Math.sqrt(variance) * rng.normal();
      }
      losses[i]!.push(rankingLoss(draw, y, limit));
    }
    for (let j = 0; j < n; j++) draw[j] = looMean[j]! + looSd[j]! * rng.normal();
    losses[m]!.push(rankingLoss(draw, y, limit));
  }
  return rankingWinShares(losses, rng);
}

/** The weighted ensemble f̄ as a surrogate for the acquisition search; models with weight 0 are skipped. */
export function ensemble(models: readonly GaussianProcess[], weights: readonly number[]): Surrogate {
  const active = models.map((gp, i) => [gp, weights[i]!] as const).filter(([, w]) => w > 0);
  return {
    predict(point) {
      let mean = 0;
      let variance = 0;
      for (const [gp, w] of active) {
        const p = gp.predict(point);
        mean += w * p.mean;
        variance += w * w * p.variance;
      }
      return { mean, variance };
    },
    predictWithGradient(point, meanGradient, varianceGradient) {
      const mg = new Float64Array(meanGradient.length);
      const vg = new Float64Array(varianceGradient.length);
      meanGradient.fill(0);
      varianceGradient.fill(0);
      let mean = 0;
      let variance = 0;
      for (const [gp, w] of active) {
        const p = gp.predictWithGradient(point, mg, vg);
        mean += w * p.mean;
        variance += w * w * p.variance;
        for (let k = 0; k < mg.length; k++) {
          meanGradient[k] += w * mg[k]!;
          varianceGradient[k] += w * w * vg[k]!;
        }
      }
      return { mean, variance };
    },
  };
}
