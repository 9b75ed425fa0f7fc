/**
 * MACE, the multi-objective acquisition ensemble of HEBO (Cowen-Rivers, Lyu, Tutunov, Wang,
 * Grosnit, Griffiths, Maraval, Jianye, Wang, Peters & Bou-Ammar 2022, "HEBO: Pushing the Limits of
 * Sample-Efficient Hyperparameter Optimisation", JAIR 74; first in Lyu et al. 2018, "Batch Bayesian
 * optimization via multi-objective acquisition ensemble for automated analog circuit design", ICML).
 *
 * No single acquisition is best on every problem, and EI, PI and UCB disagree on where to look.
 * MACE does not pick one: it searches for the Pareto front of the three at once, with an
 * evolutionary multi-objective search (HEBO uses NSGA-II), and proposes a point drawn at random
 * from that front; a batch takes several points of the same front.
 *
 * The three objectives, all maximised here, in the model's (standardised, minimised) units with
 * τ = best − ε:
 * - log EI(x) = log σ + log h((τ − μ)/σ) (log form of Ament et al. 2023, as the default acquisition);
 * - log PI(x) = log Φ((τ − μ)/σ);
 * - −LCB(x) = κσ − μ, with HEBO's GP-UCB schedule κ = √(υ·2·((2 + d/2)·log t + log(π²/δ))),
 *   υ = 0.5, δ = 0.01, t the number of observations (Srinivas et al. 2010's β_t, scaled by υ).
 *
 * HEBO also adds noise of the size of the fitted noise to μ inside PI/EI/LCB; that randomisation is
 * left out here (the random draw from the front already differs per trial, and a seed fixes it).
 *
 * @module
 */
import { type Rng } from "../../math/rng.js";
import { logNormalCdf } from "../../math/special.js";
import { leadingFrontIndices, paretoFrontIndices } from "../../analysis/index.js";
import { crowdingSurvival, makeChild } from "../nsga2/index.js";
import { type DimensionKind, type Surrogate, anchorPerturbations, logExpectedImprovement, pointKey, snapPoint, sobolCandidates } from "./acquisition.js";

/** HEBO's ε: the target is this far below the incumbent (standardised units). */
export const MACE_EPSILON = 1e-4;
/** Population of the evolutionary search (HEBO: 100; smaller here to keep a trial's cost within a few times log EI's). */
const POPULATION = 64;
/** Generations of the evolutionary search (HEBO: 100; fewer here, since the first population is the non-dominated best of many candidates). */
const GENERATIONS = 20;
const VARIATION = { crossoverProb: 0.9, swappingProb: 0.5, mutationProb: null, crossoverEta: 15, mutationEta: 20 } as const;

/**
 * HEBO's exploration weight of the LCB objective at `observations` points in `dimension` dimensions.
 *
 * @example
 * maceKappa(20, 6); // ≈ 4.68
 */
export function maceKappa(observations: number, dimension: number): number {
  const upsilon = 0.5;
  const delta = 0.01;
  const t = Math.max(1, observations);
  return Math.sqrt(upsilon * 2 * ((2 + dimension / 2) * Math.log(t) + Math.log((3 * Math.PI ** 2) / (3 * delta))));
}

/**
 * The three MACE objectives at a posterior N(mean, variance), all to be maximised:
 * [log EI, log PI, κσ − μ] against the incumbent `best` (minimisation).
 *
 * @example
 * maceObjectives(0, 1, 0, 2); // [log EI, log PI, 2]: log PI = log Φ(−1e-4)
 */
export function maceObjectives(mean: number, variance: number, best: number, kappa: number): [number, number, number] {
  const sigma = Math.sqrt(Math.max(variance, 1e-20));
  const target = best - MACE_EPSILON;
  return [logExpectedImprovement(mean, variance, target), logNormalCdf((target - mean) / sigma), kappa * sigma - mean];
}

/** What {@link maceParetoFront} searches over and starts from. */
export interface MaceSearch {
  readonly dimensions: readonly DimensionKind[];
  /** Scrambled Sobol candidates in the initial pool. */
  readonly nCandidates: number;
  /** Points whose neighbourhoods seed the pool too (the best observations). */
  readonly anchors: readonly Float64Array[];
  /** Observed and running points, as {@link pointKey}s: never on the returned front. */
  readonly taken: ReadonlySet<string>;
  readonly seed: number;
  readonly rng: Rng;
  /** Added to log EI and log PI (a local penalization's log penalty, ≤ 0); default none. */
  readonly logPenalty?: (point: Float64Array) => number;
}

/** A point of the front with its three objective values. */
export interface MacePoint {
  readonly point: Float64Array;
  readonly objectives: readonly [number, number, number];
}

/**
 * The Pareto front of (log EI, log PI, κσ − μ) under `gp`, found by an NSGA-II search (Deb et al.
 * 2002: non-dominated sorting and crowding survival, SBX crossover and polynomial mutation) whose
 * first population is the non-dominated best of Sobol candidates and perturbations of the anchors.
 * Returned in a deterministic order (by log EI, best first); empty if nothing finite was found.
 *
 * @example
 * const front = maceParetoFront(gp, best, maceKappa(n, d), { dimensions, nCandidates: 1024, anchors, taken, seed, rng });
 */
export function maceParetoFront(gp: Surrogate, best: number, kappa: number, search: MaceSearch): MacePoint[] {
  const d = search.dimensions.length;
  const { rng } = search;
  const predictBatch = gp.predictBatch?.bind(gp);
  /** Posterior means and variances of many points, through the model's blocked batch prediction where it has one. */
  const predictAll = (points: readonly Float64Array[]): { means: ArrayLike<number>; variances: ArrayLike<number> } => {
    if (!predictBatch || points.length <= 1) {
      const predictions = points.map((point) => gp.predict(point));
      return { means: predictions.map((p) => p.mean), variances: predictions.map((p) => p.variance) };
    }
    const rows = new Float64Array(points.length * d);
    points.forEach((point, c) => rows.set(point, c * d));
    const batch = predictBatch(rows, points.length);
    const variances = new Float64Array(points.length);
    batch.variances(Array.from({ length: points.length }, (_, c) => c), variances);
    return { means: batch.means, variances };
  };
  const evaluate = (points: Float64Array[]): MacePoint[] => {
    const out: MacePoint[] = [];
    const { means, variances } = predictAll(points);
    points.forEach((point, c) => {
      const objectives = maceObjectives(means[c]!, variances[c]!, best, kappa);
      if (search.logPenalty) {
        const penalty = search.logPenalty(point);
        objectives[0] += penalty;
        objectives[1] += penalty;
      }
      if (objectives.every(Number.isFinite)) out.push({ point, objectives });
    });
    return out;
  };

  const pool = [...sobolCandidates(search.dimensions, search.nCandidates, search.seed), ...anchorPerturbations(search.dimensions, search.anchors, search.nCandidates, rng)];
  let population = survive(dedupe(evaluate(pool), search.taken), POPULATION);
  if (population.members.length === 0) return [];

  // Categorical coordinates travel through the NSGA-II operators as cell centres in [0, 1].
  const sizes = search.dimensions.map((kind) => (kind.type === "categorical" ? kind.size : 0));
  const toCube = (point: Float64Array): Float64Array => point.map((v, i) => (sizes[i]! > 0 ? (v + 0.5) / sizes[i]! : v));
  const fromCube = (u: Float64Array): Float64Array =>
    snapPoint(u.map((v, i) => (sizes[i]! > 0 ? Math.min(sizes[i]! - 1, Math.floor(v * sizes[i]!)) : v)), search.dimensions);
  const tournament = (): MacePoint => {
    const a = rng.integer(0, population.members.length - 1);
    const b = rng.integer(0, population.members.length - 1);
    const better = population.rank[a]! !== population.rank[b]! ? population.rank[a]! < population.rank[b]! : population.diversity[a]! >= population.diversity[b]!;
    return population.members[better ? a : b]!;
  };
  for (let generation = 0; generation < GENERATIONS; generation++) {
    const children: Float64Array[] = [];
    for (let c = 0; c < POPULATION; c++) children.push(fromCube(makeChild(rng, toCube(tournament().point), toCube(tournament().point), sizes, VARIATION)));
    population = survive(dedupe([...population.members, ...evaluate(children)], search.taken), POPULATION);
  }
  const front = paretoFrontIndices(population.members.map((m) => m.objectives.map((v) => -v))).map((k) => population.members[k]!);
  return front.sort((a, b) => b.objectives[0] - a.objectives[0] || b.objectives[2] - a.objectives[2] || pointKey(a.point).localeCompare(pointKey(b.point)));
}

/** Distinct points not yet taken, first occurrence kept. */
function dedupe(points: readonly MacePoint[], taken: ReadonlySet<string>): MacePoint[] {
  const seen = new Set<string>(taken);
  return points.filter((p) => {
    const key = pointKey(p.point);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** NSGA-II survival (fronts, then crowding) of `size` members. */
function survive(candidates: readonly MacePoint[], size: number): { members: MacePoint[]; rank: number[]; diversity: number[] } {
  if (candidates.length === 0) return { members: [], rank: [], diversity: [] };
  // Crowding is measured within a front, so only the fronts that fill `size` can matter: keeping
  // those (in their order) leaves the survivors, their ranks and crowding as they were, and spares
  // ranking all ~2000 points of the first pool, which cost more than the rest of a proposal.
  const all = candidates.map((m) => Float64Array.from(m.objectives, (v) => -v));
  const kept = candidates.length > size ? leadingFrontIndices(all, size) : all.map((_, i) => i);
  const pool = kept.map((i) => candidates[i]!);
  const losses = kept.map((i) => all[i]!);
  const survivors = crowdingSurvival({ losses, violations: pool.map(() => 0) }, Math.min(size, pool.length));
  return { members: survivors.chosen.map((i) => pool[i]!), rank: survivors.rank, diversity: survivors.diversity };
}

/**
 * One MACE proposal: a point drawn uniformly (with `rng`) from the front of {@link maceParetoFront};
 * null when the front is empty.
 *
 * @example
 * const point = proposeMace(gp, best, maceKappa(n, d), search);
 */
export function proposeMace(gp: Surrogate, best: number, kappa: number, search: MaceSearch): Float64Array | null {
  const front = maceParetoFront(gp, best, kappa, search);
  if (front.length === 0) return null;
  return front[search.rng.integer(0, front.length - 1)]!.point;
}
