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
import { type DimensionKind, type PerturbationBoundary, type Surrogate, anchorPerturbations, logExpectedImprovement, comparePointKeys, pointKey, snapPoint, sobolCandidates } from "./acquisition.js";
import { OUTSIDE, type TrustRegion, outsideValue } from "./trust-region.js";

/** HEBO's ε: the target is this far below the incumbent (standardised units). */
export const MACE_EPSILON = 1e-4;
/** Population of the evolutionary search (HEBO: 100; smaller here to keep a trial's cost within a few times log EI's). */
const POPULATION = 64;
/**
 * Generations of the evolutionary search by default (HEBO: 100). Fewer here, since the first
 * population is already the non-dominated best of many candidates: on the lab's dev suite 10 did
 * better than 20 (geometric-mean regret ratio to log EI 0.242 against 0.295) at about half the cost.
 */
export const MACE_GENERATIONS = 10;
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
  /** Generations of the NSGA-II search after the first population (default {@link MACE_GENERATIONS}). */
  readonly generations?: number;
  /** Added to log EI and log PI (a local penalization's log penalty, ≤ 0); default none. */
  readonly logPenalty?: (point: Float64Array) => number;
  /**
   * log P(the objective does not fail at the point) under a failure model (see `GPSampler`): added
   * to log EI and log PI as a constraint's probability of feasibility is (Gardner et al. 2014), and,
   * since κσ − μ has no probability to multiply, a point more likely to fail than not is treated as
   * lying outside a trust region for all three (Gelbart et al. 2014's probabilistic constraint,
   * P ≥ 1 − δ with δ = ½). Default: none.
   */
  readonly logFeasibility?: (point: Float64Array) => number;
  /** Where proposals may lie (see `trust-region.ts`): outside it all three objectives are replaced by a value below any real one. Default: everywhere. */
  readonly trustRegion?: TrustRegion | null;
  /** Perturbations of the anchors that leave the box: clamped to its face (default) or reflected into it. */
  readonly perturbationBoundary?: PerturbationBoundary;
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
  const withPenalty = (point: Float64Array, objectives: [number, number, number]): [number, number, number] => {
    const outside = search.trustRegion ? outsideValue(search.trustRegion, point) : null;
    if (outside !== null) return [outside, outside, outside];
    if (search.logFeasibility) {
      const logFeasible = search.logFeasibility(point);
      if (!(logFeasible >= -Math.LN2)) {
        const below = OUTSIDE + (Number.isFinite(logFeasible) ? logFeasible : -1e6);
        return [below, below, below];
      }
      objectives[0] += logFeasible;
      objectives[1] += logFeasible;
    }
    if (search.logPenalty) {
      const penalty = search.logPenalty(point);
      objectives[0] += penalty;
      objectives[1] += penalty;
    }
    return objectives;
  };
  /** A point's three objectives at its exact posterior, or null when they are not all finite. */
  const exactObjectives = (point: Float64Array, mean: number, variance: number): [number, number, number] | null => {
    const objectives = withPenalty(point, maceObjectives(mean, variance, best, kappa));
    return objectives.every(Number.isFinite) ? objectives : null;
  };
  /** Scored points, each with its key; points whose objectives are not all finite are dropped. */
  const evaluate = (points: readonly Keyed[]): Scored[] => {
    const out: Scored[] = [];
    const keep = ({ point, key }: Keyed, mean: number, variance: number): void => {
      const objectives = exactObjectives(point, mean, variance);
      if (objectives) out.push(scored(point, key, objectives));
    };
    if (!predictBatch || points.length <= 1) {
      for (const p of points) {
        const { mean, variance } = gp.predict(p.point);
        keep(p, mean, variance);
      }
      return out;
    }
    const batch = predictBatch(packRows(points, d), points.length);
    const variances = new Float64Array(points.length);
    batch.variances(points.map((_, c) => c), variances);
    points.forEach((p, c) => keep(p, batch.means[c]!, variances[c]!));
    return out;
  };
  /**
   * The first pool, scored. Only its leading fronts can survive, so a point whose objectives
   * certainly lie behind more than a population's worth of others needs no exact variance (the
   * O(n²) part of a prediction). Each of the three objectives is non-decreasing in σ (log PI
   * where μ ≥ τ; below τ it is at most log 1 = 0), so the variance bound of `predictBatch` gives
   * an optimistic vector; a point whose optimistic vector is dominated, with a margin, by more
   * than a population of exactly scored points is dominated by them in fact. Such a point sits
   * behind every kept front, and so does anything it dominates; the kept fronts, their order and
   * crowding are those of the whole pool, so leaving it out changes nothing but the time.
   */
  const evaluatePool = (points: readonly Keyed[]): Scored[] => {
    const m = points.length;
    if (!predictBatch || m <= 4 * POPULATION) return evaluate(points);
    const batch = predictBatch(packRows(points, d), m);
    const all = points.map((_, c) => c);
    batch.tighten(all, POOL_TIGHTEN_FRACTION);
    const target = best - MACE_EPSILON;
    const optimistic = points.map(({ point }, c) => {
      const mean = batch.means[c]!;
      const bound = Math.max(batch.varianceBounds[c]!, 0);
      const sigma = Math.sqrt(Math.max(bound, 1e-20));
      const logPi = mean < target ? 0 : logNormalCdf((target - mean) / sigma);
      return withPenalty(point, [logExpectedImprovement(mean, bound, target), logPi, kappa * sigma - mean]);
    });
    // Exact scores first for the points most likely to dominate: the best by each optimistic objective.
    const seeded = new Set<number>();
    for (let k = 0; k < 3; k++) {
      const order = [...all].sort((a, b) => optimistic[b]![k]! - optimistic[a]![k]! || a - b);
      for (const c of order.slice(0, 2 * POPULATION)) seeded.add(c);
    }
    const variances = new Float64Array(m);
    const exact: ([number, number, number] | null)[] = Array.from({ length: m }, () => null);
    const score = (indices: number[]): void => {
      batch.variances(indices, variances);
      for (const c of indices) exact[c] = exactObjectives(points[c]!.point, batch.means[c]!, variances[c]!);
    };
    const first = [...seeded].sort((a, b) => a - b);
    score(first);
    const dominators = first.map((c) => exact[c]).filter((o): o is [number, number, number] => o !== null);
    const rest = all.filter((c) => {
      if (seeded.has(c)) return false;
      const o = optimistic[c]!;
      const t0 = o[0] + margin(o[0]);
      const t1 = o[1] + margin(o[1]);
      const t2 = o[2] + margin(o[2]);
      let count = 0;
      for (const e of dominators) {
        if (e[0] >= t0 && e[1] >= t1 && e[2] >= t2 && ++count > POPULATION) return false;
      }
      return true;
    });
    score(rest);
    const out: Scored[] = [];
    points.forEach(({ point, key }, c) => {
      const objectives = exact[c];
      if (objectives) out.push(scored(point, key, objectives));
    });
    return out;
  };

  const pool = [...sobolCandidates(search.dimensions, search.nCandidates, search.seed), ...anchorPerturbations(search.dimensions, search.anchors, search.nCandidates, rng, search.perturbationBoundary)];
  let population = survive(evaluatePool(dedupe(pool.map(keyed), search.taken)), POPULATION);
  if (population.members.length === 0) return [];

  // Categorical coordinates travel through the NSGA-II operators as cell centres in [0, 1].
  const sizes = search.dimensions.map((kind) => (kind.type === "categorical" ? kind.size : 0));
  const toCube = (point: Float64Array): Float64Array => point.map((v, i) => (sizes[i]! > 0 ? (v + 0.5) / sizes[i]! : v));
  const fromCube = (u: Float64Array): Float64Array =>
    snapPoint(u.map((v, i) => (sizes[i]! > 0 ? Math.min(sizes[i]! - 1, Math.floor(v * sizes[i]!)) : v)), search.dimensions);
  const tournament = (): Scored => {
    const a = rng.integer(0, population.members.length - 1);
    const b = rng.integer(0, population.members.length - 1);
    const better = population.rank[a]! !== population.rank[b]! ? population.rank[a]! < population.rank[b]! : population.diversity[a]! >= population.diversity[b]!;
    return population.members[better ? a : b]!;
  };
  for (let generation = 0; generation < (search.generations ?? MACE_GENERATIONS); generation++) {
    const children: Keyed[] = [];
    for (let c = 0; c < POPULATION; c++) children.push(keyed(fromCube(makeChild(rng, toCube(tournament().point), toCube(tournament().point), sizes, VARIATION))));
    // Members are distinct and not taken already; only the children need checking against them.
    population = survive([...population.members, ...evaluate(dedupe(children, search.taken, population.members))], POPULATION);
  }
  const front = paretoFrontIndices(population.members.map((m) => m.losses)).map((k) => population.members[k]!);
  return front
    .sort((a, b) => b.objectives[0] - a.objectives[0] || b.objectives[2] - a.objectives[2] || comparePointKeys(a.key, b.key))
    .map(({ point, objectives }) => ({ point, objectives }));
}

/** Share of the Cholesky factor's rows solved for every point of the first pool, to tighten its variance bounds. */
const POOL_TIGHTEN_FRACTION = 0.25;

/** A point with its {@link pointKey}, computed once. */
interface Keyed {
  readonly point: Float64Array;
  readonly key: string;
}
/** A scored point, with its objectives negated as NSGA-II's losses. */
interface Scored extends Keyed {
  readonly objectives: [number, number, number];
  readonly losses: Float64Array;
}

const scored = (point: Float64Array, key: string, objectives: [number, number, number]): Scored => ({
  point,
  key,
  objectives,
  losses: Float64Array.from(objectives, (v) => -v),
});

const keyed = (point: Float64Array): Keyed => ({ point, key: pointKey(point) });

/** How far an exact objective must pass an optimistic one to count as beating it despite rounding. */
const margin = (value: number): number => 1e-9 * (1 + Math.abs(value));

function packRows(points: readonly Keyed[], d: number): Float64Array {
  const rows = new Float64Array(points.length * d);
  points.forEach(({ point }, c) => rows.set(point, c * d));
  return rows;
}

/** Distinct points that are neither taken nor among `kept`, first occurrence kept. */
function dedupe<T extends Keyed>(points: readonly T[], taken: ReadonlySet<string>, kept: readonly Keyed[] = []): T[] {
  const seen = new Set<string>(kept.map((p) => p.key));
  return points.filter(({ key }) => {
    if (taken.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** NSGA-II survival (fronts, then crowding) of `size` members. */
function survive(candidates: readonly Scored[], size: number): { members: Scored[]; rank: number[]; diversity: number[] } {
  if (candidates.length === 0) return { members: [], rank: [], diversity: [] };
  // Crowding is measured within a front, so only the fronts that fill `size` can matter: keeping
  // those (in their order) leaves the survivors, their ranks and crowding as they were, and spares
  // ranking all ~2000 points of the first pool, which cost more than the rest of a proposal.
  const all = candidates.map((m) => m.losses);
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
