/**
 * What TPE and the GP share when a study is warm-started from earlier ones
 * (`createStudy({ warmStartFrom })`): which source trials fit the space being sampled, how well each
 * source ranks this study's own results, and which sources to transfer from.
 *
 * Choosing sources follows the idea of model-based transfer learning (MBTL; Cho, Jayawardana, Li
 * and Wu 2024, "Model-Based Transfer Learning for Contextual Reinforcement Learning", NeurIPS): the
 * performance a source brings to a target is modelled as the source's own quality minus a
 * generalization gap that grows linearly with the distance between the tasks, and only the sources
 * with the best estimated transfer are used. Here the gap is measured where it matters, on the
 * target's own trials: once a few exist, a source's estimated transfer is how much better than
 * chance it orders them (all of them for TPE, their better half for the GP; Kendall's τ less its
 * spread under no relation, clipped at 0), or, as an alternative, how much its promising domain
 * overlaps theirs (Watanabe et al. 2023, {@link promisingOverlap}). Before that,
 * if the studies carry a numeric `context` user attribute (task features such as data-set size),
 * the gap is linear in the context distance, as in MBTL; without contexts every source starts equal.
 */
import type { Direction, Distribution, FrozenTrial, SearchSpace, StudySnapshot, WarmStartSource } from "../space/index.js";
import { containsValue, distributionsEqual, isSingleValue } from "../space/index.js";
import type { Rng } from "../math/rng.js";
import { logSumExp } from "../math/special.js";
import { median } from "../math/statistics.js";

/** Target trials needed before sources are judged by how they rank them. */
export const MIN_TARGET_TRIALS_FOR_AGREEMENT = 6;

/** Sources of the snapshot that have trials. */
export function warmSources(snapshot: StudySnapshot): readonly WarmStartSource[] {
  return (snapshot.warmStart ?? []).filter((source) => source.trials.length > 0);
}

/** A source trial's value as a loss (lower is better). */
export function sourceLoss(direction: Direction, trial: FrozenTrial): number {
  const value = trial.values![0]!;
  return direction === "maximize" ? -value : value;
}

/**
 * The space to sample jointly before this study has trials of its own: the parameters every trial
 * of the first source with trials has, with one distribution (single-valued ones left out).
 */
export function warmStartSpace(sources: readonly WarmStartSource[]): SearchSpace {
  const source = sources.find((s) => s.trials.length > 0);
  if (!source) return {};
  let space: Record<string, Distribution> | null = null;
  for (const trial of source.trials) {
    if (space === null) {
      space = { ...trial.distributions };
      continue;
    }
    for (const [name, distribution] of Object.entries(space)) {
      const own = trial.distributions[name];
      if (own === undefined || !distributionsEqual(own, distribution)) delete space[name];
    }
  }
  const out: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(space ?? {})) if (!isSingleValue(distribution)) out[name] = distribution;
  return out;
}

/**
 * Whether a source trial has every parameter of `space` with a value this study could have
 * suggested: inside its range, on its step grid, an integer for an int, one of its choices.
 * The source's own distribution need not be the same: a study rerun with a range widened past last
 * month's edge, or narrowed around its best, still learns from the source trials that lie in it
 * (all of them when widened). It used to take equal distributions, so that any change of a range
 * dropped the whole source; the rule is that only what does not match is ignored.
 */
export function fitsSpace(trial: FrozenTrial, names: readonly string[], distributions: readonly Distribution[]): boolean {
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (trial.distributions[name] === undefined || !(name in trial.params) || !containsValue(distributions[k]!, trial.params[name])) return false;
  }
  return true;
}

/**
 * The fraction of pairs with distinct actual values that `predicted` orders the same way (ties in
 * the prediction count half), or null with fewer than two such pairs. With `betterHalf`, only
 * pairs among the observations whose actual value is at most the median count: what matters for
 * transfer is whether a source tells good points apart, not whether it knows that far-off points
 * are bad (any two bowl-shaped tasks agree on that).
 *
 * @example
 * concordance([1, 2, 3], [10, 20, 30]); // 1
 */
export function concordance(predicted: ArrayLike<number>, actual: ArrayLike<number>, betterHalf = false): number | null {
  const limit = betterHalf ? betterHalfLimit(actual) : Infinity;
  let agree = 0;
  let pairs = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i]! > limit) continue;
    for (let j = i + 1; j < actual.length; j++) {
      if (actual[j]! > limit || actual[i] === actual[j]) continue;
      pairs++;
      const p = (predicted[i]! - predicted[j]!) * (actual[i]! - actual[j]!);
      agree += p > 0 ? 1 : p === 0 ? 0.5 : 0;
    }
  }
  return pairs < 2 ? null : agree / pairs;
}

/**
 * A source's prediction of the loss at `point` (unit-cube coordinates), by Nadaraya–Watson kernel
 * regression on its own trials: cheap, and all that ranking target trials needs.
 */
export function kernelRegression(points: readonly Float64Array[], losses: readonly number[], point: Float64Array, bandwidth: number): number {
  let weighted = 0;
  let total = 0;
  const scale = 1 / (2 * bandwidth * bandwidth);
  for (let j = 0; j < points.length; j++) {
    const p = points[j]!;
    let r2 = 0;
    for (let k = 0; k < point.length; k++) r2 += (p[k]! - point[k]!) ** 2;
    const w = Math.exp(-r2 * scale);
    weighted += w * losses[j]!;
    total += w;
  }
  return total > 0 ? weighted / total : 0;
}

/**
 * Leave-one-out Nadaraya–Watson predictions at each of `points` from the others: the study's own
 * model judged on points it has not seen, so that it can be ranked against the sources fairly.
 */
export function leaveOneOutRegression(points: readonly Float64Array[], losses: readonly number[], bandwidth: number): Float64Array {
  const scale = 1 / (2 * bandwidth * bandwidth);
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    let weighted = 0;
    let total = 0;
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      let r2 = 0;
      for (let k = 0; k < points[i]!.length; k++) r2 += (points[i]![k]! - points[j]![k]!) ** 2;
      const w = Math.exp(-r2 * scale);
      weighted += w * losses[j]!;
      total += w;
    }
    // With no neighbour in reach the model knows nothing: it predicts the mean of the others.
    out[i] = total > 0 ? weighted / total : mean(losses, i);
  }
  return out;
}

/**
 * The bandwidth among `candidates` whose leave-one-out predictions of `losses` have the least squared
 * error: the usual cross-validated choice for kernel regression. A model that is to be ranked against
 * another should resolve its own points as finely as they allow; one fixed, wide bandwidth smooths a
 * cluster of good trials into a plateau that any smooth source outranks.
 */
export function crossValidatedBandwidth(points: readonly Float64Array[], losses: readonly number[], candidates: readonly number[]): number {
  let best = candidates[0]!;
  let bestError = Infinity;
  for (const bandwidth of candidates) {
    const predicted = leaveOneOutRegression(points, losses, bandwidth);
    let error = 0;
    for (let i = 0; i < points.length; i++) error += (predicted[i]! - losses[i]!) ** 2;
    if (error < bestError) {
      bestError = error;
      best = bandwidth;
    }
  }
  return best;
}

/** The median of the actual values: pairs at or below it are the ones {@link rankingLoss} counts. */
export function betterHalfLimit(actual: ArrayLike<number>): number {
  const sorted = Array.from(actual).sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

/**
 * Misordered pairs of `predicted` against `actual` among the observations with actual value at most
 * `limit`. The GP's RGPE counts all pairs, as the paper does (rgpe.ts passes no limit). Counting
 * only the better half's is a departure of TPE's RGPE-style source weights
 * ({@link bootstrapRankingWeights}; the GP stack's agreement, {@link concordance} with
 * `betterHalf`, counts the same pairs), measured on `bench:warmstart`'s dev functions: it judges
 * a source by whether it tells good points apart, since a source whose optimum is shifted still
 * orders the far-off points right and would otherwise keep its weight forever.
 */
export function rankingLoss(predicted: ArrayLike<number>, actual: ArrayLike<number>, limit: number): number {
  let loss = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i]! > limit) continue;
    for (let j = 0; j < actual.length; j++) if (actual[j]! <= limit && actual[i]! < actual[j]! !== predicted[i]! < predicted[j]!) loss++;
  }
  return loss;
}

/**
 * RGPE's weights from ranking losses (Feurer, Letham and Bakshy 2018): `losses[i][s]` is ranker i's
 * loss in draw s, the study's own model last. Each ranker's weight is the fraction of draws in which
 * its loss is the lowest, ties broken at random; a source whose median loss exceeds the 95th
 * percentile of the own model's losses gets nothing (the paper's guard against weight dilution).
 */
export function rankingWinShares(losses: readonly (readonly number[])[], rng: Rng): number[] {
  const m = losses.length - 1;
  const samples = losses[m]!.length;
  const ownLosses = [...losses[m]!].sort((a, b) => a - b);
  const cutoff = ownLosses[Math.min(samples - 1, Math.floor(0.95 * samples))]!;
  const kept = losses.map((l, i) => i === m || median(l) <= cutoff);
  const wins = new Array<number>(m + 1).fill(0);
  for (let s = 0; s < samples; s++) {
    let best = Infinity;
    let tied: number[] = [];
    for (let i = 0; i <= m; i++) {
      if (!kept[i]) continue;
      const l = losses[i]![s]!;
      if (l < best) {
        best = l;
        tied = [i];
      } else if (l === best) tied.push(i);
    }
    wins[tied[Math.floor(rng.uniform() * tied.length)]!]++;
  }
  return wins.map((w) => w / samples);
}

/** Bootstrap resamples of the target's trials used by {@link bootstrapRankingWeights}. */
export const RANKING_BOOTSTRAP_SAMPLES = 256;

/**
 * RGPE-style weights for models without a posterior (TPE's kernel regressions): the target's trials
 * are resampled with replacement instead of drawing from each model's posterior, and each ranker's
 * weight is the fraction of resamples in which it orders the better half of them best
 * ({@link rankingWinShares}). `predictions[i]` holds ranker i's predictions at the target's trials,
 * the study's own leave-one-out model last; a source keeps weight only while it ranks the study's
 * results better than the study's own model does, so an unrelated source loses it as soon as the
 * study has learnt anything, and a related one as the study outgrows it.
 *
 * @example
 * bootstrapRankingWeights([[1, 2, 3, 4], [4, 3, 2, 1]], [1, 2, 3, 4], new Rng(1)); // [1, 0]
 */
export function bootstrapRankingWeights(predictions: readonly ArrayLike<number>[], actual: ArrayLike<number>, rng: Rng, samples = RANKING_BOOTSTRAP_SAMPLES): number[] {
  const n = actual.length;
  const losses: number[][] = predictions.map(() => []);
  const index = new Int32Array(n);
  const resampled = new Float64Array(n);
  const predicted = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < n; j++) index[j] = Math.floor(rng.uniform() * n);
    for (let j = 0; j < n; j++) resampled[j] = actual[index[j]!]!;
    const limit = betterHalfLimit(resampled);
    predictions.forEach((p, i) => {
      for (let j = 0; j < n; j++) predicted[j] = p[index[j]!]!;
      losses[i]!.push(rankingLoss(predicted, resampled, limit));
    });
  }
  return rankingWinShares(losses, rng);
}

function mean(values: readonly number[], except: number): number {
  let sum = 0;
  for (let j = 0; j < values.length; j++) if (j !== except) sum += values[j]!;
  return values.length > 1 ? sum / (values.length - 1) : 0;
}

/** Observations of one task on a shared encoding: unit coordinates, or choice indices for categoricals. */
export interface TaskObservations {
  readonly points: readonly Float64Array[];
  readonly losses: readonly number[];
}

/** A coordinate of {@link TaskObservations}: numeric in [0, 1], or categorical with `cells` choices. */
export interface OverlapDimension {
  readonly categorical: boolean;
  readonly cells: number;
}

/** Uniform draws that {@link promisingOverlap} compares the promising domains on (Watanabe et al. use 1000). */
export const OVERLAP_SAMPLES = 1000;

/** Smallest bandwidth of a promising density, as a fraction of the unit range (as in Watanabe et al.'s code). */
const OVERLAP_MIN_BANDWIDTH = 0.1;

/** Weight of a promising density's categorical kernel on the other choices, together (Aitchison–Aitken). */
const OVERLAP_CATEGORICAL_SMOOTHING = 0.1;

/**
 * Log density of a task's promising domain at `x`: a product kernel density over the best
 * `count` observations, each numeric coordinate Gaussian with Scott's bandwidth σ·m^(−1/(d+4))
 * floored at {@link OVERLAP_MIN_BANDWIDTH}, each categorical one an Aitchison–Aitken kernel.
 */
function promisingLogDensity(task: TaskObservations, count: number, dimensions: readonly OverlapDimension[]): (x: Float64Array) => number {
  const order = task.losses.map((_, j) => j).sort((a, b) => task.losses[a]! - task.losses[b]! || a - b);
  const best = order.slice(0, count).map((j) => task.points[j]!);
  const d = dimensions.length;
  const bandwidths = dimensions.map((dimension, k) => {
    if (dimension.categorical) return 0;
    const mean = best.reduce((sum, p) => sum + p[k]!, 0) / best.length;
    const spread = Math.sqrt(best.reduce((sum, p) => sum + (p[k]! - mean) ** 2, 0) / best.length);
    return Math.max(OVERLAP_MIN_BANDWIDTH, spread * best.length ** (-1 / (d + 4)));
  });
  return (x) =>
    logSumExp(
      best.map((p) => {
        let log = 0;
        for (let k = 0; k < d; k++) {
          const dimension = dimensions[k]!;
          if (dimension.categorical) {
            const same = Math.round(p[k]!) === Math.round(x[k]!);
            log += Math.log(same ? 1 - OVERLAP_CATEGORICAL_SMOOTHING : OVERLAP_CATEGORICAL_SMOOTHING / Math.max(1, dimension.cells - 1));
          } else {
            const z = (x[k]! - p[k]!) / bandwidths[k]!;
            log += -0.5 * z * z - Math.log(bandwidths[k]!);
          }
        }
        return log;
      }),
    );
}

/**
 * The task similarity of Watanabe, Awad, Onishi and Hutter (2023, "Speeding up multi-objective
 * hyperparameter optimization by task similarity-based meta-learning for the tree-structured Parzen
 * estimator", IJCAI): the intersection over union of two tasks' promising domains, the regions
 * where each task's best `quantile` of observations lie. Each domain is estimated as the
 * `quantile` of `samples` uniform draws of the space where that task's promising density (a kernel
 * density of its best ⌊quantile·n⌋ observations, at least one) is highest; the similarity is the
 * number of draws in both domains over the number in either. It asks whether the tasks' good
 * regions coincide, not whether one task orders the other's points: a copy of a landscape shifted
 * by less than its good region's width overlaps it largely while ordering its best points no better
 * than chance. 1 for identical domains; two unrelated tasks overlap by about quantile / (2 − quantile).
 *
 * @example
 * promisingOverlap(target, source, [{ categorical: false, cells: Infinity }], 0.15, new Rng(1)); // in [0, 1]
 */
export function promisingOverlap(
  a: TaskObservations,
  b: TaskObservations,
  dimensions: readonly OverlapDimension[],
  quantile: number,
  rng: Rng,
  samples = OVERLAP_SAMPLES,
): number {
  if (a.points.length === 0 || b.points.length === 0) return 0;
  const densities = [a, b].map((task) => promisingLogDensity(task, Math.max(1, Math.floor(quantile * task.points.length)), dimensions));
  const draws: Float64Array[] = [];
  for (let i = 0; i < samples; i++) {
    draws.push(Float64Array.from(dimensions, (dimension) => (dimension.categorical ? Math.floor(rng.uniform() * dimension.cells) : rng.uniform())));
  }
  const top = Math.max(1, Math.floor(quantile * samples));
  const [inA, inB] = densities.map((density) => {
    const values = draws.map(density);
    const order = values.map((_, i) => i).sort((i, j) => values[j]! - values[i]! || i - j);
    return new Set(order.slice(0, top));
  });
  let both = 0;
  for (const i of inA!) if (inB!.has(i)) both++;
  return both / (inA!.size + inB!.size - both);
}

/** What is known of one source when weighing it. */
export interface SourceEvidence {
  /** How well it orders the target's trials (null: too few target trials). */
  readonly concordance: number | null;
  /**
   * A direct estimate of its transfer in [0, 1], used as it is in place of the concordance (e.g.
   * {@link promisingOverlap}); null or absent: judge by the concordance.
   */
  readonly similarity?: number | null;
  /** How many target trials the concordance was measured on, for its spread under no relation (default: many). */
  readonly observations?: number;
  /** Distance between its context and the target's (null: no contexts). */
  readonly contextDistance: number | null;
}

/**
 * MBTL-style weights of the sources, each in [0, 1], summing to at most 1: each source's estimated
 * transfer (agreement with the target's trials when there are enough, else 1 − a gap linear in
 * context distance, else 1), only the `maxSources` best with a positive estimate kept, each weighed
 * by its estimate over the number kept.
 *
 * @example
 * transferWeights([{ concordance: 0.9, contextDistance: null }, { concordance: 0.4, contextDistance: null }], 2); // [0.8, 0]
 */
export function transferWeights(evidence: readonly SourceEvidence[], maxSources: number): number[] {
  const distances = evidence.map((e) => e.contextDistance).filter((d): d is number => d !== null);
  const farthest = distances.length > 0 ? Math.max(...distances) : 0;
  const estimates = evidence.map((e) => {
    if (e.similarity !== undefined && e.similarity !== null) return Math.min(1, Math.max(0, e.similarity));
    // Kendall's τ = 2·concordance − 1, less its standard deviation under no relation at all
    // (√(2(2n+5)/(9n(n−1)))), so that a source that orders a few trials well by luck gets nothing.
    if (e.concordance !== null) {
      const n = e.observations ?? Infinity;
      const noise = Number.isFinite(n) ? Math.sqrt((2 * (2 * n + 5)) / (9 * n * (n - 1))) : 0;
      return Math.max(0, 2 * e.concordance - 1 - noise);
    }
    // The gap grows linearly with distance: the farthest source keeps half the nearest's estimate.
    if (e.contextDistance !== null && farthest > 0) return 1 - (0.5 * e.contextDistance) / farthest;
    return 1;
  });
  const order = estimates.map((_, i) => i).sort((a, b) => estimates[b]! - estimates[a]! || a - b);
  const kept = order.slice(0, maxSources).filter((i) => estimates[i]! > 0);
  const weights = new Array<number>(evidence.length).fill(0);
  for (const i of kept) weights[i] = estimates[i]! / kept.length;
  return weights;
}

/** Euclidean distance between a source's context and the target's, or null when either is missing or they differ in length. */
export function contextDistance(source: WarmStartSource, snapshot: StudySnapshot): number | null {
  const target = snapshot.userAttrs.context;
  if (source.context === null || !Array.isArray(target) || target.length !== source.context.length) return null;
  let sum = 0;
  for (let k = 0; k < target.length; k++) {
    const t = target[k];
    if (typeof t !== "number") return null;
    sum += (t - source.context[k]!) ** 2;
  }
  return Math.sqrt(sum);
}
