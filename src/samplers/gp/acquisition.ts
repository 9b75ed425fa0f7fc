/**
 * The log expected improvement acquisition (Ament, Daulton, Eriksson, Balandat & Bakshy 2023,
 * "Unexpected Improvements to Expected Improvement for Bayesian Optimization", NeurIPS) and its
 * optimiser over a mixed unit cube: scrambled Sobol candidates plus local perturbations of the best
 * points, then multi-start L-BFGS-B from the most promising ones, with grid and categorical
 * dimensions snapped to legal values.
 *
 * Working with log EI instead of EI matters in practice: EI underflows to exactly 0 over most of
 * the space once the model is confident, leaving a flat landscape where neither candidate ranking
 * nor gradients can tell points apart; log EI stays finite and informative everywhere.
 *
 * @module
 */
import { minimizeLbfgsb } from "../../math/lbfgsb.js";
import type { Rng } from "../../math/rng.js";
import { SobolSequence } from "../../math/sobol.js";
import { logExpectedImprovementFromZ, logExpectedImprovementGradientFromZ } from "../../math/special.js";
import type { GaussianProcess } from "./model.js";
import { type TrustRegion, nearestCentre, withinTrustRegion } from "./trust-region.js";

/** What the acquisition search needs of a model: a GP, or an ensemble of GPs (RGPE). */
export type Surrogate = Pick<GaussianProcess, "predict" | "predictWithGradient"> & Partial<Pick<GaussianProcess, "predictBatch">>;

/** Variances below this (in standardised units) are treated as this, so log EI stays finite. */
const MIN_VARIANCE = 1e-20;

/**
 * log EI(x) = log σ + log h((best − μ)/σ), h(z) = φ(z) + zΦ(z), for minimisation.
 *
 * @example
 * logExpectedImprovement(0, 1, 0); // log φ(0) ≈ −0.919
 */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const v = Math.max(variance, MIN_VARIANCE);
  const sigma = Math.sqrt(v);
  return Math.log(sigma) + logExpectedImprovementFromZ((best - mean) / sigma);
}

/**
 * log EI and its gradient from the gradients of the posterior mean and variance:
 * with z = (best − μ)/σ and g = h′(z)/h(z),
 * ∇ log EI = ∇σ/σ − g·(∇μ + z·∇σ)/σ, ∇σ = ∇σ²/(2σ).
 *
 * @example
 * const value = logExpectedImprovementWithGradient(mu, s2, best, dMu, dS2, out);
 */
export function logExpectedImprovementWithGradient(
  mean: number,
  variance: number,
  best: number,
  meanGradient: Float64Array,
  varianceGradient: Float64Array,
  out: Float64Array,
): number {
  const clamped = variance < MIN_VARIANCE;
  const v = clamped ? MIN_VARIANCE : variance;
  const sigma = Math.sqrt(v);
  const z = (best - mean) / sigma;
  const value = Math.log(sigma) + logExpectedImprovementFromZ(z);
  const g = logExpectedImprovementGradientFromZ(z);
  for (let i = 0; i < out.length; i++) {
    const dSigma = clamped ? 0 : varianceGradient[i]! / (2 * sigma);
    out[i] = dSigma / sigma - (g * (meanGradient[i]! + z * dSigma)) / sigma;
  }
  return value;
}

/** How one dimension of the model's input may move. */
export type DimensionKind =
  | { readonly type: "continuous" }
  /** A numeric grid (ints, stepped floats): `snap` maps a unit value to the nearest legal cell centre. */
  | { readonly type: "grid"; readonly snap: (unit: number) => number }
  /** A categorical input holding a choice index in {0, …, size − 1}. */
  | { readonly type: "categorical"; readonly size: number };

/** Options for {@link maximizeAcquisition}. */
export interface AcquisitionSearch {
  readonly dimensions: readonly DimensionKind[];
  /** Quasi-random candidates scored before local optimisation. */
  readonly nCandidates: number;
  /** L-BFGS-B starts. */
  readonly nRestarts: number;
  /** Points whose neighbourhoods deserve a closer look (the best observations), best first. */
  readonly anchors: readonly Float64Array[];
  /** Points that must not be proposed again (observed and running points), as {@link pointKey}s. */
  readonly taken: ReadonlySet<string>;
  readonly seed: number;
  readonly rng: Rng;
  readonly maxIterations?: number;
  /** Points the model holds (observations and running fantasies): from `LOOSE_SEARCH_FROM` on, each local search stops earlier. Default 0. */
  readonly modelSize?: number;
  /** How a perturbed anchor that leaves the cube is brought back; see {@link PerturbationBoundary}. Default "clamp". */
  readonly perturbationBoundary?: PerturbationBoundary;
  /**
   * Where proposals may lie (see `trust-region.ts`): the acquisition is scored through
   * `withinTrustRegion`, and each L-BFGS-B start searches the box of its nearest centre's L∞ ball,
   * so that it reaches the region's faces instead of stalling at the acquisition's drop there.
   * Default: none.
   */
  readonly trustRegion?: TrustRegion | null;
}

/**
 * How a Gaussian perturbation of an anchor that leaves [0, 1] is brought back into the cube.
 * `"clamp"` sets it to the nearest face, so every draw beyond a face lands exactly on it: the
 * candidates then hold a point mass on the faces (a third of the 0.2-scale draws around an anchor
 * at 0.9), and an L-BFGS-B start on a face stays there whenever log EI does not fall outwards.
 * `"reflect"` folds it back at the face (u ↦ −u below 0, 2 − u above 1), the mirror boundary
 * handling of evolution strategies: the perturbed density is continuous up to the face and has no
 * atom on it, so a proposal reaches a face only when the acquisition's own gradient leads there.
 */
export type PerturbationBoundary = "clamp" | "reflect";

/**
 * Folds a value into [0, 1] by reflection at the faces (repeatedly, for far draws).
 *
 * @example
 * reflectIntoUnit(1.2); // 0.8
 * reflectIntoUnit(-0.3); // 0.3
 */
export function reflectIntoUnit(u: number): number {
  if (u >= 0 && u <= 1) return u;
  const folded = Math.abs(u) % 2;
  return folded > 1 ? 2 - folded : folded;
}

/** A stable key for a (snapped) point, for duplicate checks. */
export function pointKey(point: ArrayLike<number>): string {
  let key = "";
  for (let i = 0; i < point.length; i++) key += (i ? "," : "") + point[i]!.toPrecision(12);
  return key;
}

/**
 * Orders two {@link pointKey}s by code point, so ties broken on keys give the same suggestion on every
 * machine: `localeCompare` follows the user's locale (under LANG=th_TH "0.5,1" sorts before "0.5,-1").
 *
 * @example
 * ["0.5,1", "0.5,-1"].sort(comparePointKeys) // ["0.5,-1", "0.5,1"]
 */
export function comparePointKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Snaps grid and categorical dimensions in place. */
export function snapPoint(point: Float64Array, dimensions: readonly DimensionKind[]): Float64Array {
  for (let i = 0; i < dimensions.length; i++) {
    const kind = dimensions[i]!;
    const u = Number.isFinite(point[i]) ? point[i]! : 0.5;
    if (kind.type === "continuous") point[i] = Math.min(1, Math.max(0, u));
    else if (kind.type === "grid") point[i] = kind.snap(Math.min(1, Math.max(0, u)));
    else point[i] = Math.min(kind.size - 1, Math.max(0, Math.round(u)));
  }
  return point;
}

/**
 * Each L-BFGS-B start of the acquisition search stops once a step lowers −log EI by less than this
 * fraction: strict while the model is small and an evaluation cheap, looser from
 * `LOOSE_SEARCH_FROM` points on, where each evaluation costs O(n²). On replayed late trials of the
 * 20-D and 6-D overhead studies (300 and 100 trials), the strict 1e-10 spent 60–85% of the
 * evaluations after the proposal's log EI had settled, most of them in a final line search that
 * could not find a lower point among rounding errors; at 1e-7 a trial needs 2.4–2.8× fewer
 * evaluations and the proposal's log EI is at most 5e-6 nats below the strict search's. Used at
 * every size, 1e-7 changed the trajectories of the seven-function table (100 trials × 10 seeds):
 * 37 runs better and 33 worse, but three hartmann6-6d seeds far worse and the geometric-mean ratio
 * to Optuna TPE 0.110 instead of 0.076; so below `LOOSE_SEARCH_FROM` points the search stays strict.
 */
const ACQUISITION_RELATIVE_TOLERANCE = { strict: 1e-10, loose: 1e-7 } as const;
/** Points in the model (observations and running fantasies) from which the acquisition search uses the loose tolerance. */
const LOOSE_SEARCH_FROM = 100;

/** Local-search scales in unit-cube units: from polishing an incumbent to hopping between basins. */
const PERTURBATION_SCALES = [1e-3, 1e-2, 5e-2, 0.2];

/**
 * Maximises log EI over the mixed cube. Returns the best legal point found and its log EI, or
 * null if nothing finite was found (the caller then falls back to a random point).
 *
 * @example
 * const found = maximizeAcquisition(gp, best, { dimensions, nCandidates: 1024, nRestarts: 6, anchors, taken, seed, rng });
 */
export function maximizeAcquisition(
  gp: Surrogate,
  best: number,
  search: AcquisitionSearch,
): { point: Float64Array; value: number } | null {
  return maximizeAcquisitionFunction(logExpectedImprovementAcquisition(gp, best), search);
}

/**
 * An acquisition function over the model's input (larger is better, usually a logarithm).
 * Without `valueWithGradient` the search skips its L-BFGS-B polish and relies on candidates and
 * local perturbations.
 */
export interface Acquisition {
  value(point: Float64Array): number;
  /** The value, with its gradient written into `gradient` (length d). */
  valueWithGradient?(point: Float64Array, gradient: Float64Array): number;
  /**
   * Scores many points (rows of `points`, count × d) in two steps: cheap upper bounds of every
   * value at once, then exact values of the points asked for. The search then computes exact
   * values only for candidates whose bound could still place them among the best.
   */
  batch?(points: Float64Array, count: number): AcquisitionBatch;
}

/** Upper bounds of an acquisition at many points, and their exact values on request. */
export interface AcquisitionBatch {
  readonly upperBounds: Float64Array;
  /** Writes the value of each point in `indices` to `out` at that index. */
  values(indices: readonly number[], out: Float64Array): void;
  /** Lowers the upper bounds of the points in `indices` by a partial computation (`fraction` of the model's work for an exact value); optional. */
  tighten?(indices: readonly number[], fraction: number): void;
}

/** log EI of one GP against the incumbent `best` (minimisation), as an {@link Acquisition}. */
export function logExpectedImprovementAcquisition(gp: Surrogate, best: number): Acquisition {
  // Sized on first use: a surrogate (an ensemble, say) need not say its dimension.
  let meanGradient = new Float64Array(0);
  let varianceGradient = new Float64Array(0);
  const predictBatch = gp.predictBatch?.bind(gp);
  return {
    value(point) {
      const { mean, variance } = gp.predict(point);
      return logExpectedImprovement(mean, variance, best);
    },
    ...(predictBatch && {
      batch(points: Float64Array, count: number): AcquisitionBatch {
        const predictions = predictBatch(points, count);
        const upperBounds = new Float64Array(count);
        for (let c = 0; c < count; c++) upperBounds[c] = logExpectedImprovement(predictions.means[c]!, predictions.varianceBounds[c]!, best);
        const variances = new Float64Array(count);
        return {
          upperBounds,
          values(indices, out) {
            predictions.variances(indices, variances);
            for (const c of indices) out[c] = logExpectedImprovement(predictions.means[c]!, variances[c]!, best);
          },
          tighten(indices, fraction) {
            predictions.tighten(indices, fraction);
            for (const c of indices) upperBounds[c] = logExpectedImprovement(predictions.means[c]!, predictions.varianceBounds[c]!, best);
          },
        };
      },
    }),
    valueWithGradient(point, gradient) {
      if (meanGradient.length !== point.length) {
        meanGradient = new Float64Array(point.length);
        varianceGradient = new Float64Array(point.length);
      }
      const { mean, variance } = gp.predictWithGradient(point, meanGradient, varianceGradient);
      return logExpectedImprovementWithGradient(mean, variance, best, meanGradient, varianceGradient, gradient);
    },
  };
}

/** Candidates scored exactly per round while bounds prune the rest. */
const EXACT_ROUND = 16;
/**
 * Where the bounds of the candidates still in the running are tightened, as fractions of an exact
 * score's work (for log EI, of the observations in the triangular solve). With many observations in
 * many dimensions the one-observation variance bound prunes nothing; on a late trial of the 20-D
 * overhead study (n = 290, 1024 candidates) the first quarter of the solve left 119 candidates that
 * could still matter and the first half 8, at a sixteenth and a quarter of the exact cost.
 */
const TIGHTENING_STAGES = [0.25, 0.5];

/** The `keep`-th largest value among distinct points scored so far, or −∞ with fewer: no point bounded below it can be needed. */
function keepThreshold(scoredKeys: readonly { value: number; key: string }[], keep: number): number {
  const bestByKey = new Map<string, number>();
  for (const { value, key } of scoredKeys) bestByKey.set(key, Math.max(bestByKey.get(key) ?? -Infinity, value));
  const values = [...bestByKey.values()].sort((a, b) => b - a);
  return values.length >= keep ? values[keep - 1]! : -Infinity;
}

/**
 * The acquisition values of `points` (undefined for a point that cannot matter), or null when
 * the acquisition scores only one point at a time. Points are scored exactly in decreasing order of
 * their upper bound until `keep` distinct points (at least one not `taken`) score above every
 * remaining bound: the search takes its L-BFGS-B starts and its best candidate from the top of the
 * list, so it does exactly what it would do with every value computed.
 */
function scoreBatch(acquisition: Acquisition, points: readonly Float64Array[], d: number, keep: number, taken: ReadonlySet<string>): (number | undefined)[] | null {
  const count = points.length;
  if (!acquisition.batch || count <= 1) return null;
  const rows = new Float64Array(count * d);
  points.forEach((point, c) => rows.set(point, c * d));
  const batch = acquisition.batch(rows, count);
  const exact = new Float64Array(count);
  // A NaN bound proves nothing: such a point is scored first.
  const bound = (c: number): number => (Number.isNaN(batch.upperBounds[c]) ? Infinity : batch.upperBounds[c]!);
  const byBound = (a: number, b: number): number => bound(b) - bound(a) || a - b;
  const result = new Array<number | undefined>(count).fill(undefined);
  const scoredKeys: { value: number; key: string }[] = [];
  const scoreExactly = (round: readonly number[]): void => {
    batch.values(round, exact);
    for (const c of round) {
      result[c] = exact[c]!;
      if (Number.isFinite(exact[c])) scoredKeys.push({ value: exact[c]!, key: pointKey(points[c]!) });
    }
  };
  // Partial computations tighten the bounds of the candidates that could still matter, stage by
  // stage; the best few by the tightened bound are scored exactly, which raises the bar the others
  // must clear. This only saves work: what is scored exactly, and when to stop, is decided below
  // from valid bounds as before.
  if (batch.tighten) {
    let open = Array.from({ length: count }, (_, c) => c);
    for (const fraction of TIGHTENING_STAGES) {
      batch.tighten(open, fraction);
      open.sort(byBound);
      scoreExactly(open.slice(0, EXACT_ROUND));
      const bar = keepThreshold(scoredKeys, keep);
      open = open.slice(EXACT_ROUND).filter((c) => !(bound(c) < bar));
    }
  }
  const order = Array.from({ length: count }, (_, c) => c).filter((c) => result[c] === undefined).sort(byBound);
  /** Whether `keep` distinct points, one of them not taken, score above every bound from `position` on. */
  const settled = (position: number): boolean => {
    const next = bound(order[position]!);
    const above = new Set<string>();
    let free = false;
    for (const { value, key } of scoredKeys) {
      if (!(value > next)) continue;
      above.add(key);
      if (!taken.has(key)) free = true;
    }
    return above.size >= keep && free;
  };
  for (let position = 0; position < order.length && !settled(position); position += EXACT_ROUND) {
    scoreExactly(order.slice(position, position + EXACT_ROUND));
  }
  return result;
}

/**
 * `count` scrambled Sobol points of the mixed cube, snapped to legal values (categorical
 * coordinates as choice indices): the global candidates of an acquisition search.
 *
 * @example
 * const candidates = sobolCandidates([{ type: "continuous" }, { type: "categorical", size: 3 }], 1024, 7);
 */
export function sobolCandidates(dimensions: readonly DimensionKind[], count: number, seed: number): Float64Array[] {
  const d = dimensions.length;
  const sobol = new SobolSequence(Math.max(1, d), { scramble: true, seed });
  const points: Float64Array[] = [];
  for (let c = 0; c < count; c++) {
    const u = sobol.next();
    const point = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const kind = dimensions[i]!;
      point[i] = kind.type === "categorical" ? Math.floor(u[i]! * kind.size) : u[i]!;
    }
    points.push(snapPoint(point, dimensions));
  }
  return points;
}

/**
 * Local candidates around each anchor: Gaussian steps on numeric coordinates at the scales of
 * `PERTURBATION_SCALES` in turn, and with probability 1/d a fresh choice of each categorical one;
 * about a quarter of `nCandidates` in all (at least 8 per anchor), snapped to legal values.
 *
 * @example
 * const local = anchorPerturbations(dimensions, [bestPoint], 1024, rng);
 */
export function anchorPerturbations(
  dimensions: readonly DimensionKind[],
  anchors: readonly Float64Array[],
  nCandidates: number,
  rng: Rng,
  boundary: PerturbationBoundary = "clamp",
): Float64Array[] {
  const d = dimensions.length;
  const perAnchor = Math.max(8, Math.floor(nCandidates / (4 * Math.max(1, anchors.length))));
  const perturbed: Float64Array[] = [];
  for (const anchor of anchors) {
    for (let c = 0; c < perAnchor; c++) {
      const scale = PERTURBATION_SCALES[c % PERTURBATION_SCALES.length]!;
      const point = Float64Array.from(anchor);
      for (let i = 0; i < d; i++) {
        const kind = dimensions[i]!;
        if (kind.type === "categorical") {
          if (kind.size > 1 && rng.uniform() < 1 / d) point[i] = rng.integer(0, kind.size - 1);
        } else {
          const moved = point[i]! + scale * rng.normal();
          point[i] = boundary === "reflect" ? reflectIntoUnit(moved) : moved;
        }
      }
      perturbed.push(snapPoint(point, dimensions));
    }
  }
  return perturbed;
}

/** Maximises any {@link Acquisition} over the mixed cube, as {@link maximizeAcquisition} does log EI. */
export function maximizeAcquisitionFunction(unrestricted: Acquisition, search: AcquisitionSearch): { point: Float64Array; value: number } | null {
  const acquisition = withinTrustRegion(unrestricted, search.trustRegion ?? null);
  const d = search.dimensions.length;
  const { rng } = search;
  const score = (point: Float64Array): number => acquisition.value(point);

  type Scored = { point: Float64Array; value: number; local: boolean };
  const scored: Scored[] = [];
  let incumbent: Scored | null = null;
  const consider = (point: Float64Array, value: number, local: boolean): void => {
    if (!Number.isFinite(value)) return;
    const entry = { point, value, local };
    scored.push(entry);
    if ((incumbent === null || value > incumbent.value) && !search.taken.has(pointKey(point))) incumbent = entry;
  };

  // Candidates are generated first and scored together: a batch shares the model's work, and
  // with upper bounds only the candidates that could matter are scored exactly.
  const scoreAll = (points: Float64Array[], local: boolean): void => {
    const values = scoreBatch(acquisition, points, d, search.nRestarts + 1, search.taken);
    if (values) points.forEach((point, c) => { if (values[c] !== undefined) consider(point, values[c]!, local); });
    else for (const point of points) consider(point, score(point), local);
  };

  scoreAll(sobolCandidates(search.dimensions, search.nCandidates, search.seed), false);
  scoreAll(anchorPerturbations(search.dimensions, search.anchors, search.nCandidates, rng, search.perturbationBoundary), true);

  // Starts: the best global candidates and the best local ones, so that one basin cannot take all.
  const starts: Float64Array[] = [];
  const seen = new Set<string>();
  const pick = (pool: Scored[], count: number): void => {
    pool.sort((a, b) => b.value - a.value);
    let taken = 0;
    for (const entry of pool) {
      if (taken >= count) break;
      const key = pointKey(entry.point);
      if (seen.has(key)) continue;
      seen.add(key);
      starts.push(entry.point);
      taken++;
    }
  };
  const localCount = search.anchors.length > 0 ? Math.ceil(search.nRestarts / 2) : 0;
  pick(scored.filter((s) => s.local), localCount);
  pick(scored.filter((s) => !s.local), search.nRestarts - localCount);

  const numeric: number[] = [];
  for (let i = 0; i < d; i++) if (search.dimensions[i]!.type !== "categorical") numeric.push(i);
  const m = numeric.length;
  const withGradient = acquisition.valueWithGradient?.bind(acquisition);
  if (m > 0 && withGradient) {
    const full = new Float64Array(d);
    const gradient = new Float64Array(d);
    const lower = new Float64Array(m);
    const upper = new Float64Array(m).fill(1);
    const region = search.trustRegion ?? null;
    for (const start of starts) {
      full.set(start);
      if (region !== null) {
        const centre = region.centres[nearestCentre(region, start)]!;
        for (let k = 0; k < m; k++) {
          const i = numeric[k]!;
          lower[k] = Math.max(0, centre[i]! - region.radius);
          upper[k] = Math.min(1, centre[i]! + region.radius);
        }
      }
      const objective = (z: Float64Array, grad: Float64Array): number => {
        for (let k = 0; k < m; k++) full[numeric[k]!] = z[k]!;
        const value = withGradient(full, gradient);
        if (!Number.isFinite(value)) {
          grad.fill(0);
          return 1e300;
        }
        for (let k = 0; k < m; k++) grad[k] = -gradient[numeric[k]!]!;
        return -value;
      };
      const z0 = new Float64Array(m);
      for (let k = 0; k < m; k++) z0[k] = Math.min(upper[k]!, Math.max(lower[k]!, start[numeric[k]!]!));
      const result = minimizeLbfgsb(objective, z0, {
        lower,
        upper,
        maxIterations: search.maxIterations ?? 50,
        gradientTolerance: 1e-9,
        relativeTolerance: (search.modelSize ?? 0) >= LOOSE_SEARCH_FROM ? ACQUISITION_RELATIVE_TOLERANCE.loose : ACQUISITION_RELATIVE_TOLERANCE.strict,
      });
      const point = Float64Array.from(start);
      for (let k = 0; k < m; k++) point[numeric[k]!] = result.x[k]!;
      snapPoint(point, search.dimensions);
      consider(point, score(point), true);
    }
  }

  // Categorical coordinates are not reached by gradients: one sweep over each around the best point.
  if (incumbent !== null && m < d) {
    const current = incumbent as Scored;
    for (let i = 0; i < d; i++) {
      const kind = search.dimensions[i]!;
      if (kind.type !== "categorical") continue;
      for (let choice = 0; choice < kind.size; choice++) {
        if (choice === current.point[i]) continue;
        const point = Float64Array.from((incumbent as Scored).point);
        point[i] = choice;
        consider(point, score(point), true);
      }
    }
  }

  if (incumbent === null) return null;
  const found = incumbent as Scored;
  return { point: found.point, value: found.value };
}
