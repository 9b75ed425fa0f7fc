/**
 * The CMA-ES update itself, free of trials and storage: one search distribution N(m, σ² C) on the
 * unit cube, sampled and updated one generation at a time. Internal to the cmaes folder; the
 * sampler in `cmaes.ts` replays generations from the study's history through this class.
 *
 * Follows N. Hansen, "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772, 2016), including
 * its negative weights for the worse half of each generation (the active covariance update; the
 * positive-only update remains as an option), and the termination criteria of
 * Hansen's restart strategies (Auger & Hansen, "A Restart CMA Evolution Strategy With Increasing
 * Population Size", CEC 2005; Hansen, "Benchmarking a BI-population CMA-ES", GECCO 2009).
 */
import { symmetricEigen } from "../../math/eigen.js";
import type { Rng } from "../../math/rng.js";
import { median } from "../../math/statistics.js";
import { type DiscreteCoordinate, applyMargin, defaultMargin } from "./margin.js";

/**
 * The strategy parameters of the tutorial's Table 1 for dimension n and population λ. Equation
 * numbers are those of Hansen's tutorial (arXiv:1604.00772, 2016), which the `cmaes` Python
 * package (Optuna's CMA-ES) also cites.
 */
export interface CmaConstants {
  readonly n: number;
  readonly lambda: number;
  /** μ = ⌊λ/2⌋: the points that move the mean. */
  readonly mu: number;
  /**
   * All λ recombination weights, best point first (eq. 49, 53): the first μ are positive and sum
   * to 1; the rest are ≤ 0 and, with the active update, sum to −min(α_μ⁻, α_μeff⁻, α_posdef⁻)
   * (all 0 without it). Only the first μ move the mean; all λ enter the rank-μ update of C.
   */
  readonly weights: Float64Array;
  /** Σ w_i over all λ weights: 1 minus the negative mass (eq. 47's Σ w_j). */
  readonly weightSum: number;
  /** Whether the worse half gets negative weights (active CMA). */
  readonly active: boolean;
  /** μ_eff = (Σ w⁺)² / Σ (w⁺)² of the positive weights. */
  readonly muEff: number;
  /** μ_eff⁻ of the negative raw weights (eq. 51's input; 0 when λ < 2). */
  readonly muEffMinus: number;
  /** α_μ⁻ = 1 + c_1/c_μ (eq. 50). */
  readonly alphaMuMinus: number;
  /** α_μeff⁻ = 1 + 2 μ_eff⁻ / (μ_eff + 2) (eq. 51). */
  readonly alphaMuEffMinus: number;
  /** α_posdef⁻ = (1 − c_1 − c_μ) / (n c_μ) (eq. 52): keeps C positive definite. */
  readonly alphaPosDefMinus: number;
  /** The learning rate of the mean, c_m = 1 (eq. 54). */
  readonly cm: number;
  readonly cSigma: number;
  readonly dSigma: number;
  readonly cc: number;
  readonly c1: number;
  readonly cMu: number;
  /** E‖N(0, I)‖. */
  readonly chiN: number;
}

/**
 * The default population size of the tutorial: λ = 4 + ⌊3 ln n⌋ (eq. 48).
 *
 * @example
 * defaultPopulationSize(10) // 10
 */
export function defaultPopulationSize(n: number): number {
  return 4 + Math.floor(3 * Math.log(Math.max(1, n)));
}

/**
 * Computes the tutorial's default constants (Hansen 2016, eqs. 48–58 with α_cov = 2, c_m = 1).
 * With `active` (the default, as in the tutorial and the `cmaes` package) the worse half of each
 * generation gets negative weights in the covariance update (active CMA, Jastrebski & Arnold,
 * CEC 2006), which shrinks C in directions that produced bad points; without it those weights are
 * 0 and the update is the positive-only one Sextant used before.
 *
 * @example
 * cmaConstants(10, 10).muEff // ≈ 3.17
 * cmaConstants(10, 10).weights[9] // ≈ −0.586, the worst point's weight
 */
export function cmaConstants(n: number, lambda: number, active = true): CmaConstants {
  const mu = Math.floor(lambda / 2);
  // eq. 49: w'_i = ln((λ+1)/2) − ln i for i = 1..λ, positive for i ≤ μ, 0 at i = (λ+1)/2 for odd λ.
  const raw = new Float64Array(lambda);
  for (let i = 0; i < lambda; i++) raw[i] = Math.log((lambda + 1) / 2) - Math.log(i + 1);
  let positiveSum = 0;
  let positiveSq = 0;
  let negativeSum = 0;
  let negativeSq = 0;
  for (let i = 0; i < lambda; i++) {
    if (i < mu) {
      positiveSum += raw[i]!;
      positiveSq += raw[i]! ** 2;
    } else {
      negativeSum += raw[i]!;
      negativeSq += raw[i]! ** 2;
    }
  }
  const muEff = positiveSum ** 2 / positiveSq;
  const muEffMinus = negativeSq > 0 ? negativeSum ** 2 / negativeSq : 0;
  // eq. 55: cumulation and damping of the step-size path.
  const cSigma = (muEff + 2) / (n + muEff + 5);
  const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
  // eq. 56: cumulation of the rank-one path.
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  // eq. 57–58 with α_cov = 2 (the 2016 tutorial's c_μ, as the `cmaes` package computes it).
  const alphaCov = 2;
  const c1 = alphaCov / ((n + 1.3) ** 2 + muEff);
  const cMu = Math.min(1 - c1, (alphaCov * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (alphaCov * muEff) / 2));
  // eq. 50–52: the negative weights may sum to at most the least of these in absolute value.
  const alphaMuMinus = 1 + c1 / cMu;
  const alphaMuEffMinus = 1 + (2 * muEffMinus) / (muEff + 2);
  const alphaPosDefMinus = (1 - c1 - cMu) / (n * cMu);
  const negativeMass = active && negativeSum < 0 ? Math.max(0, Math.min(alphaMuMinus, alphaMuEffMinus, alphaPosDefMinus)) : 0;
  // eq. 53: positives scaled to sum to 1, negatives to sum to −negativeMass.
  const weights = new Float64Array(lambda);
  for (let i = 0; i < lambda; i++) {
    weights[i] = i < mu ? raw[i]! / positiveSum : negativeMass > 0 ? (negativeMass * raw[i]!) / -negativeSum : 0;
  }
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return {
    n,
    lambda,
    mu,
    weights,
    weightSum: 1 - negativeMass,
    active,
    muEff,
    muEffMinus,
    alphaMuMinus,
    alphaMuEffMinus,
    alphaPosDefMinus,
    cm: 1,
    cSigma,
    dSigma,
    cc,
    c1,
    cMu,
    chiN,
  };
}

/** Thresholds of the restart criteria (Hansen's defaults, scaled to the unit cube). */
export interface TerminationOptions {
  /** Stop when σ·max(|p_c|, √diag C) falls below this (default 1e-12·σ0). */
  readonly tolX: number;
  /** Stop when the recent best values and the current generation's values span less than this (default 1e-12). */
  readonly tolFun: number;
  /** Stop when σ·max(D) exceeds σ0 times this (default 1e4). */
  readonly tolXUp: number;
  /** Stop when the condition number of C exceeds this (default 1e14). */
  readonly maxCondition: number;
}

/** CMA-ES with Margin settings: which coordinates are rounded to a grid, and the margin α. */
export interface MarginOptions {
  readonly coordinates: readonly DiscreteCoordinate[];
  /** The least probability of leaving the current grid cell (default 1/(N·λ)). */
  readonly alpha?: number;
}

/** Options of {@link CmaStrategy} beyond its mean, step size, population and restart thresholds. */
export interface CmaStrategyOptions {
  /** CMA-ES with Margin for the given discrete coordinates (default: none, plain CMA-ES). */
  readonly margin?: MarginOptions;
  /** Negative weights for the worse half in the covariance update (default true; see {@link cmaConstants}). */
  readonly activeCovariance?: boolean;
}

/** One solution of a generation: its point in the unit cube and its value (to minimize). */
export interface Evaluated {
  readonly x: ArrayLike<number>;
  readonly value: number;
}

/**
 * A CMA-ES search distribution N(m, σ² C) on [0, 1]^n.
 *
 * @example
 * const strategy = new CmaStrategy(new Float64Array([0.5, 0.5]), 1 / 6, 6, { tolX: 1e-13, tolFun: 1e-12, tolXUp: 1e4, maxCondition: 1e14 });
 * const points = [...Array(6)].map(() => strategy.sample(rng));
 * strategy.tell(points.map((x) => ({ x, value: f(x) })));
 */
export class CmaStrategy {
  readonly constants: CmaConstants;
  readonly mean: Float64Array;
  sigma: number;
  /** Covariance matrix, row-major. */
  readonly C: Float64Array;
  /** Eigenvectors of C as columns (row-major). */
  private B: Float64Array;
  /** Square roots of C's eigenvalues. */
  private D: Float64Array;
  readonly pc: Float64Array;
  readonly ps: Float64Array;
  /**
   * The diagonal A of CMA-ES with Margin: discrete coordinate j is evaluated at m_j + A_j (x_j − m_j).
   * All ones, and unused, without margin.
   */
  readonly scale: Float64Array;
  /** The coordinates the margin keeps moving (empty: plain CMA-ES). */
  private readonly discrete: readonly DiscreteCoordinate[];
  /** α of CMA-ES with Margin. */
  readonly margin: number;
  /** Generations told so far. */
  generation = 0;
  private readonly bestHistory: number[] = [];
  private readonly medianHistory: number[] = [];
  private lastValues: number[] = [];

  constructor(
    mean: ArrayLike<number>,
    readonly sigma0: number,
    lambda: number,
    private readonly termination: TerminationOptions,
    options: CmaStrategyOptions = {},
  ) {
    const n = mean.length;
    const marginOptions = options.margin;
    this.constants = cmaConstants(n, lambda, options.activeCovariance ?? true);
    this.mean = Float64Array.from(mean);
    this.sigma = sigma0;
    this.C = new Float64Array(n * n);
    this.B = new Float64Array(n * n);
    this.D = new Float64Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      this.C[i * n + i] = 1;
      this.B[i * n + i] = 1;
    }
    this.pc = new Float64Array(n);
    this.ps = new Float64Array(n);
    this.scale = new Float64Array(n).fill(1);
    this.discrete = marginOptions?.coordinates ?? [];
    this.margin = marginOptions?.alpha ?? defaultMargin(n, lambda);
    if (this.discrete.length > 0 && !(this.margin > 0 && this.margin <= 0.5)) {
      throw new RangeError(`CMA-ES with Margin needs a margin alpha in (0, 0.5], got ${this.margin}`);
    }
  }

  /** Whether the margin correction is on (some coordinate is discrete). */
  get withMargin(): boolean {
    return this.discrete.length > 0;
  }

  get dimension(): number {
    return this.constants.n;
  }

  get lambda(): number {
    return this.constants.lambda;
  }

  /** The condition number of C (ratio of its largest to smallest eigenvalue). */
  get condition(): number {
    let min = Infinity;
    let max = 0;
    for (const d of this.D) {
      min = Math.min(min, d * d);
      max = Math.max(max, d * d);
    }
    return max / min;
  }

  /**
   * Draws x = m + σ B D z, z ~ N(0, I). Points outside [0, 1]^n are redrawn (up to 100 times, the
   * convention of Optuna's CMA-ES) and then clipped, so the sampler never leaves the cube; the
   * update sees the point actually evaluated, which keeps it consistent with what was tried.
   *
   * With margin the draw returned is the raw one, which the update needs; {@link evaluationPoint}
   * gives the point to decode. Unlike `CMAwM`, which redraws only for continuous coordinates, every
   * coordinate is redrawn into the cube here: letting discrete ones fall outside let the mean of a
   * coordinate whose best value is at its bound drift far beyond it (every draw past the bound
   * decodes alike), which cost more than the margin gained on the benchmark's dev problems
   * (bench/cmaes-margin.mjs).
   */
  sample(rng: Rng): Float64Array {
    const n = this.dimension;
    const x = new Float64Array(n);
    const z = new Float64Array(n);
    for (let attempt = 0; attempt < 100; attempt++) {
      for (let i = 0; i < n; i++) z[i] = this.D[i]! * rng.normal();
      let inside = true;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += this.B[i * n + j]! * z[j]!;
        x[i] = this.mean[i]! + this.sigma * s;
        if (!(x[i]! >= 0 && x[i]! <= 1)) inside = false;
      }
      if (inside) return x;
    }
    for (let i = 0; i < n; i++) x[i] = Number.isFinite(x[i]!) ? Math.min(1, Math.max(0, x[i]!)) : 0.5;
    return x;
  }

  /**
   * The point to evaluate for a raw draw: each discrete coordinate is stretched about the mean by
   * the margin's A (m_j + A_j (x_j − m_j)); continuous coordinates, and every coordinate without
   * margin, are the draw itself.
   */
  evaluationPoint(raw: ArrayLike<number>): Float64Array {
    const point = Float64Array.from(raw);
    for (const { index } of this.discrete) point[index] = this.mean[index]! + this.scale[index]! * (raw[index]! - this.mean[index]!);
    return point;
  }

  /** The raw draw that {@link evaluationPoint} maps to `point` (its inverse). */
  rawPoint(point: ArrayLike<number>): Float64Array {
    const raw = Float64Array.from(point);
    for (const { index } of this.discrete) raw[index] = this.mean[index]! + (point[index]! - this.mean[index]!) / this.scale[index]!;
    return raw;
  }

  /**
   * Updates m, σ, p_σ, p_c and C from exactly λ evaluated points (tutorial, eqs. 41–47), then, with
   * margin, corrects m and A (see `margin.ts`). With margin, `x` must be the raw draws of
   * {@link sample}, not their {@link evaluationPoint}s.
   */
  tell(solutions: readonly Evaluated[]): void {
    const { n, lambda, mu, weights, weightSum, active, muEff, cm, cSigma, dSigma, cc, c1, cMu, chiN } = this.constants;
    if (solutions.length !== lambda) throw new RangeError(`CMA-ES needs ${lambda} solutions per generation, got ${solutions.length}`);
    const sorted = [...solutions].sort((a, b) => a.value - b.value);
    const ys = sorted.map((s) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = (s.x[i]! - this.mean[i]!) / this.sigma;
      return y;
    });
    // eq. 41–42: only the μ best move the mean.
    const yw = new Float64Array(n);
    for (let k = 0; k < mu; k++) for (let i = 0; i < n; i++) yw[i] = yw[i]! + weights[k]! * ys[k]![i]!;
    for (let i = 0; i < n; i++) this.mean[i] = this.mean[i]! + cm * this.sigma * yw[i]!;

    // eq. 43: C^{-1/2} y_w = B D^{-1} Bᵀ y_w, with the C of the generation's draws.
    const bty = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += this.B[i * n + j]! * yw[i]!;
      bty[j] = s / this.D[j]!;
    }
    const psFactor = Math.sqrt(cSigma * (2 - cSigma) * muEff);
    let psNormSq = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.B[i * n + j]! * bty[j]!;
      this.ps[i] = (1 - cSigma) * this.ps[i]! + psFactor * s;
      psNormSq += this.ps[i]! ** 2;
    }
    const psNorm = Math.sqrt(psNormSq);
    const g = this.generation + 1;
    // p. 28 (below eq. 58): h_σ = 1 iff ‖p_σ‖ / √(1 − (1 − c_σ)^{2(g+1)}) < (1.4 + 2/(n+1)) E‖N(0, I)‖,
    // g counting the generations before this one (the `cmaes` package uses g + 2 here).
    // h_σ stalls the update of p_c while ‖p_σ‖ is large, so C does not grow too fast when σ is increasing.
    const hSigma = psNorm / Math.sqrt(1 - (1 - cSigma) ** (2 * g)) < (1.4 + 2 / (n + 1)) * chiN ? 1 : 0;
    // eq. 45.
    const pcFactor = hSigma * Math.sqrt(cc * (2 - cc) * muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - cc) * this.pc[i]! + pcFactor * yw[i]!;

    // eq. 46: a negative weight is rescaled to w°_i = w_i · n / ‖C^{-1/2} y_i‖², so a bad point
    // far out along an axis removes no more variance there than one near the mean; with eq. 52's
    // bound on the negative mass this keeps C positive definite.
    const rankWeights = Float64Array.from(weights.subarray(0, active ? lambda : mu));
    for (let k = mu; k < rankWeights.length; k++) {
      if (rankWeights[k] === 0) continue;
      let whitenedSq = 0;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += this.B[i * n + j]! * ys[k]![i]!;
        whitenedSq += (s / this.D[j]!) ** 2;
      }
      // A draw exactly at the mean carries no direction to shrink.
      rankWeights[k] = whitenedSq > 0 ? (rankWeights[k]! * n) / whitenedSq : 0;
    }
    // eq. 47, with eq. 47's Σ w_j over all λ weights (1 without the active update).
    const deltaH = (1 - hSigma) * cc * (2 - cc);
    const keep = 1 + c1 * deltaH - c1 - cMu * weightSum;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let k = 0; k < rankWeights.length; k++) rankMu += rankWeights[k]! * ys[k]![i]! * ys[k]![j]!;
        const value = keep * this.C[i * n + j]! + c1 * this.pc[i]! * this.pc[j]! + cMu * rankMu;
        this.C[i * n + j] = value;
        this.C[j * n + i] = value;
      }
    }
    // eq. 44. The exponent is capped at 1 (as Hansen's pycma does; the `cmaes` package does not) so
    // one generation cannot blow σ up.
    this.sigma *= Math.exp(Math.min(1, (cSigma / dSigma) * (psNorm / chiN - 1)));

    const values = sorted.map((s) => s.value);
    // Flat fitness: when most of the generation ties with the best, the ranking carries no
    // information; widen the search as Hansen's reference implementation does.
    if (values[0] === values[Math.min(lambda - 1, Math.ceil(0.7 * lambda) - 1)]) this.sigma *= Math.exp(0.2 + cSigma / dSigma);

    this.generation = g;
    this.lastValues = values;
    this.bestHistory.push(values[0]!);
    this.medianHistory.push(values[Math.floor(lambda / 2)]!);
    this.decompose();
    if (this.withMargin) applyMargin(this, this.discrete, this.margin);
  }

  private decompose(): void {
    const n = this.dimension;
    const { values, vectors } = symmetricEigen(this.C, n);
    let max = 0;
    for (const v of values) max = Math.max(max, v);
    // Rounding can make tiny eigenvalues non-positive; keep C positive definite with a relative floor.
    const floor = Math.max(max * 1e-20, 1e-300);
    let repaired = false;
    for (let i = 0; i < n; i++) {
      if (values[i]! < floor) {
        values[i] = floor;
        repaired = true;
      }
    }
    this.B = vectors;
    this.D = values.map(Math.sqrt);
    if (repaired) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
          this.C[i * n + j] = s;
        }
      }
    }
  }

  /**
   * Why this run should be restarted, or null to go on: Hansen's TolX, TolUpSigma, TolFun,
   * ConditionCov, NoEffectAxis, NoEffectCoord and Stagnation criteria.
   */
  stopReason(): string | null {
    const n = this.dimension;
    const { lambda } = this.constants;
    const { tolX, tolFun, tolXUp, maxCondition } = this.termination;
    if (this.generation === 0) return null;
    if (!Number.isFinite(this.sigma) || this.mean.some((m) => !Number.isFinite(m))) return "numerical";

    let small = true;
    for (let i = 0; i < n; i++) {
      if (this.sigma * Math.max(Math.abs(this.pc[i]!), Math.sqrt(this.C[i * n + i]!)) >= tolX) small = false;
    }
    if (small) return "tolx";

    let maxD = 0;
    for (const d of this.D) maxD = Math.max(maxD, d);
    if (this.sigma * maxD > tolXUp * this.sigma0) return "tolxup";

    const historyLength = 10 + Math.ceil((30 * n) / lambda);
    if (this.bestHistory.length >= historyLength) {
      const recent = this.bestHistory.slice(-historyLength).concat(this.lastValues);
      if (Math.max(...recent) - Math.min(...recent) < tolFun) return "tolfun";
    }

    if (this.condition > maxCondition) return "conditioncov";

    // NoEffectAxis: a step of 0.1σ along one principal axis (cycled by generation) leaves m unchanged.
    const axis = this.generation % n;
    let axisEffect = false;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m + 0.1 * this.sigma * this.D[axis]! * this.B[i * n + axis]! !== m) axisEffect = true;
    }
    if (!axisEffect) return "noeffectaxis";
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m + 0.2 * this.sigma * Math.sqrt(this.C[i * n + i]!) === m) return "noeffectcoord";
    }

    // Stagnation: over a long window, neither the best nor the median value of the last 30% of
    // generations improved on the first 30%.
    const minWindow = Math.ceil(120 + (30 * n) / lambda);
    if (this.generation >= minWindow) {
      const window = Math.min(20000, Math.max(minWindow, Math.ceil(0.2 * this.generation)));
      const best = this.bestHistory.slice(-window);
      const med = this.medianHistory.slice(-window);
      const part = Math.max(1, Math.floor(0.3 * window));
      if (
        median(best.slice(-part)) >= median(best.slice(0, part)) &&
        median(med.slice(-part)) >= median(med.slice(0, part))
      ) {
        return "stagnation";
      }
    }
    return null;
  }
}
