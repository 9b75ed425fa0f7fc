/**
 * L-BFGS-B: limited-memory quasi-Newton minimisation subject to bounds l ≤ x ≤ u.
 *
 * Sextant's own implementation of the algorithm of Byrd, Lu, Nocedal and Zhu (1995), "A limited
 * memory algorithm for bound constrained optimization", SIAM J. Sci. Comput. 16(5), with the
 * projected subspace step of Morales and Nocedal (2011), "Remark on Algorithm 778", ACM TOMS
 * 38(1). Each iteration
 *
 * 1. finds the generalized Cauchy point: the first local minimiser of the quadratic model along
 *    the projected steepest-descent path x(t) = P(x − t·g), walking the path's breakpoints with
 *    the compact limited-memory form B = θI − W·M·Wᵀ, W = [Y θS] (Byrd, Nocedal and Schnabel
 *    1994, "Representations of quasi-Newton matrices…", Math. Prog. 63);
 * 2. minimises the model over the variables that are not at a bound at that point (direct
 *    primal method, Sherman–Morrison–Woodbury on a 2m × 2m system, or the O(nm) two-loop
 *    recursion when no variable is at a bound), projects the result onto the box and falls back
 *    to truncating the step if the projection is not a descent direction;
 * 3. searches along the resulting direction for a step satisfying the strong Wolfe conditions
 *    (bracketing with safeguarded cubic interpolation, Nocedal and Wright 2006, Algorithms 3.5
 *    and 3.6), treating non-finite objective values as "step too long".
 *
 * @module
 */

/**
 * The function to minimise: writes ∂f/∂x into `gradient` (length n) and returns f(x).
 * `x` must not be modified. Returning NaN or ±Infinity marks the point as unusable; the search
 * then backs away from it.
 */
export type LbfgsbObjective = (x: Float64Array, gradient: Float64Array) => number;

/** Options for {@link minimizeLbfgsb}. */
export interface LbfgsbOptions {
  /** Lower bounds, one per coordinate; −Infinity (the default) for none. */
  lower?: ArrayLike<number>;
  /** Upper bounds, one per coordinate; +Infinity (the default) for none. */
  upper?: ArrayLike<number>;
  /** Number of correction pairs kept (m). Default 10. */
  memory?: number;
  /** Maximum number of iterations (accepted steps). Default 200. */
  maxIterations?: number;
  /** Maximum number of objective evaluations. Default unlimited. */
  maxEvaluations?: number;
  /** Stop when the projected gradient's infinity norm is at most this. Default 1e-6. */
  gradientTolerance?: number;
  /** Stop when (f_k − f_{k+1}) ≤ this · max(|f_k|, |f_{k+1}|, 1). Default 1e-10. */
  relativeTolerance?: number;
}

/** Outcome of {@link minimizeLbfgsb}. */
export interface LbfgsbResult {
  /** Best finite point found; always inside the bounds. */
  x: Float64Array;
  /** Objective at `x`. Not finite only if the objective was not finite at the (projected) start. */
  value: number;
  /** Accepted steps taken. */
  iterations: number;
  /** Objective evaluations made. */
  evaluations: number;
  /** True if a gradient or relative-reduction tolerance was met. */
  converged: boolean;
  /** Why the run stopped, in words. */
  message: string;
}

const MACHINE_EPSILON = 2.220446049250313e-16;
const SUFFICIENT_DECREASE = 1e-4;
const CURVATURE = 0.9;
const MAX_LINE_SEARCH_EVALUATIONS = 20;
const MAX_STEP = 1e10;

/** Line-search outcomes. */
const Search = { Accepted: 0, Failed: 1, Budget: 2 } as const;
type Search = (typeof Search)[keyof typeof Search];

/**
 * Minimises a smooth function subject to optional per-coordinate bounds with L-BFGS-B
 * (Byrd, Lu, Nocedal and Zhu 1995; see the module documentation for the details).
 *
 * `x0` is projected onto the box first. Coordinates with `lower[i] === upper[i]` are held fixed.
 * The result's `x` is always the best finite point evaluated, inside the bounds.
 *
 * @throws {RangeError} if a bound array has the wrong length, a bound is NaN, lower > upper, or
 *   `memory` is not a finite number ≥ 1.
 * @example
 * // Minimise (x − 3)² + (y + 1)² with x ≤ 2: the optimum sits on the bound, x = 2, y = −1.
 * const result = minimizeLbfgsb(
 *   (x, g) => {
 *     g[0] = 2 * (x[0] - 3);
 *     g[1] = 2 * (x[1] + 1);
 *     return (x[0] - 3) ** 2 + (x[1] + 1) ** 2;
 *   },
 *   [0, 0],
 *   { upper: [2, Infinity] },
 * );
 */
export function minimizeLbfgsb(
  objective: LbfgsbObjective,
  x0: ArrayLike<number>,
  options: LbfgsbOptions = {},
): LbfgsbResult {
  const n = x0.length;
  const lower = readBounds(options.lower, n, Number.NEGATIVE_INFINITY, "lower");
  const upper = readBounds(options.upper, n, Number.POSITIVE_INFINITY, "upper");
  let anyBound = false;
  let boxed = true;
  for (let i = 0; i < n; i++) {
    if (lower[i] > upper[i]) {
      throw new RangeError(`minimizeLbfgsb: lower[${i}] = ${lower[i]} exceeds upper[${i}] = ${upper[i]}`);
    }
    const finiteLower = lower[i] > Number.NEGATIVE_INFINITY;
    const finiteUpper = upper[i] < Number.POSITIVE_INFINITY;
    if (finiteLower || finiteUpper) anyBound = true;
    if (!(finiteLower && finiteUpper)) boxed = false;
  }
  const memoryOption = options.memory ?? 10;
  if (!(memoryOption >= 1) || !Number.isFinite(memoryOption)) {
    throw new RangeError(`minimizeLbfgsb: memory must be a finite number ≥ 1, got ${memoryOption}`);
  }
  const memoryCapacity = Math.floor(memoryOption);
  const maxIterations = options.maxIterations ?? 200;
  const maxEvaluations = options.maxEvaluations ?? Number.POSITIVE_INFINITY;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const relativeTolerance = options.relativeTolerance ?? 1e-10;

  // Current iterate and its gradient.
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x0[i];
    // A NaN start coordinate has no projection; the box centre (or a finite bound, or 0) is the
    // least surprising substitute.
    x[i] = v === v ? clamp(v, lower[i], upper[i]) : fallbackStart(lower[i], upper[i]);
  }
  const gradient = new Float64Array(n);

  // Scratch, allocated once per run.
  const evaluationPoint = new Float64Array(n);
  const trialPoint = new Float64Array(n);
  const trialGradient = new Float64Array(n);
  const lowPoint = new Float64Array(n);
  const lowGradient = new Float64Array(n);
  const fallbackPoint = new Float64Array(n);
  const fallbackGradient = new Float64Array(n);
  const cauchyPoint = new Float64Array(n);
  const targetPoint = new Float64Array(n);
  const direction = new Float64Array(n);
  const stepDifference = new Float64Array(n);
  const gradientDifference = new Float64Array(n);
  const bestPoint = new Float64Array(n);
  let bestValue = Number.POSITIVE_INFINITY;

  const memory = new LimitedMemory(n, memoryCapacity);
  const cauchy = new CauchyWorkspace(n, memoryCapacity);
  const subspace = new SubspaceWorkspace(n, memoryCapacity);

  let evaluations = 0;
  /** Evaluates at `point`, writing the gradient into `gradientOut`; non-finite → NaN. */
  const evaluate = (point: Float64Array, gradientOut: Float64Array): number => {
    // The objective sees a private copy so that a careless callback cannot corrupt our state.
    evaluationPoint.set(point);
    evaluations++;
    const value = objective(evaluationPoint, gradientOut);
    if (!Number.isFinite(value)) return Number.NaN;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(gradientOut[i])) return Number.NaN;
    }
    if (value < bestValue) {
      bestValue = value;
      bestPoint.set(point);
    }
    return value;
  };

  const startValue = evaluations < maxEvaluations ? evaluate(x, gradient) : Number.NaN;
  if (startValue !== startValue) {
    return {
      x,
      value: Number.POSITIVE_INFINITY,
      iterations: 0,
      evaluations,
      converged: false,
      message:
        evaluations === 0
          ? "maximum evaluations reached before the first evaluation"
          : "objective or gradient is not finite at the starting point",
    };
  }
  let value = startValue;
  let iterations = 0;
  let converged = false;
  let message = "";

  const finish = (): LbfgsbResult => {
    // The iterate is normally the best point; a line-search trial that was lower but rejected
    // (it failed sufficient decrease) is the rare exception, and is reported instead.
    const useBest = bestValue < value;
    return {
      x: useBest ? bestPoint.slice() : x.slice(),
      value: useBest ? bestValue : value,
      iterations,
      evaluations,
      converged,
      message,
    };
  };

  // ---- Line search (strong Wolfe, Nocedal & Wright Algorithms 3.5/3.6) -------------------
  // On return the accepted point and gradient are in trialPoint/trialGradient.
  let acceptedValue = 0;
  const lineSearch = (slope0: number, initialStep: number, maxStep: number): Search => {
    const value0 = value;
    let low = 0;
    let lowValue = value0;
    let lowSlope = slope0;
    let lowIsStart = true;
    let high = Number.NaN;
    let highValue = Number.NaN;
    let highSlope = Number.NaN;
    let bracketed = false;
    let step = initialStep;
    let searchEvaluations = 0;
    // Lowest finite trial, kept in case no trial meets the Wolfe conditions.
    let fallbackValue = value0;

    const moveTo = (s: number): void => {
      for (let i = 0; i < n; i++) trialPoint[i] = clamp(x[i] + s * direction[i], lower[i], upper[i]);
    };

    while (searchEvaluations < MAX_LINE_SEARCH_EVALUATIONS) {
      if (evaluations >= maxEvaluations) return settle(Search.Budget);
      moveTo(step);
      const trialValue = evaluate(trialPoint, trialGradient);
      searchEvaluations++;

      if (trialValue !== trialValue) {
        // Unusable point: it bounds the step from above but gives no slope to interpolate with.
        high = step;
        highValue = Number.NaN;
        bracketed = true;
      } else {
        const trialSlope = dot(trialGradient, direction, n);
        if (trialValue < fallbackValue) {
          fallbackValue = trialValue;
          fallbackPoint.set(trialPoint);
          fallbackGradient.set(trialGradient);
        }
        if (trialValue > value0 + SUFFICIENT_DECREASE * step * slope0 || trialValue >= lowValue) {
          high = step;
          highValue = trialValue;
          highSlope = trialSlope;
          bracketed = true;
        } else {
          if (Math.abs(trialSlope) <= -CURVATURE * slope0) {
            acceptedValue = trialValue;
            return Search.Accepted;
          }
          if (bracketed ? trialSlope * (high - low) >= 0 : trialSlope >= 0) {
            high = low;
            highValue = lowValue;
            highSlope = lowSlope;
            bracketed = true;
          }
          low = step;
          lowValue = trialValue;
          lowSlope = trialSlope;
          lowIsStart = false;
          lowPoint.set(trialPoint);
          lowGradient.set(trialGradient);
        }
      }

      if (bracketed) {
        const width = Math.abs(high - low);
        if (width <= MACHINE_EPSILON * Math.max(Math.abs(high), Math.abs(low))) break;
        step =
          highValue === highValue
            ? safeguardedCubicStep(low, lowValue, lowSlope, high, highValue, highSlope)
            : low + 0.5 * (high - low);
      } else {
        if (step >= maxStep) break; // Armijo holds at the box edge; cannot extrapolate further.
        step = Math.min(4 * step, maxStep);
      }
    }
    return settle(Search.Failed);

    function settle(status: Search): Search {
      // Accept the best decrease seen even if it is not a Wolfe point; the caller only skips the
      // quasi-Newton update when the curvature is unusable.
      if (!lowIsStart) {
        trialPoint.set(lowPoint);
        trialGradient.set(lowGradient);
        acceptedValue = lowValue;
        return Search.Accepted;
      }
      if (fallbackValue < value0) {
        trialPoint.set(fallbackPoint);
        trialGradient.set(fallbackGradient);
        acceptedValue = fallbackValue;
        return Search.Accepted;
      }
      return status;
    }
  };

  let restartedWithoutMemory = false;
  for (;;) {
    if (projectedGradientNorm(x, gradient, lower, upper, n) <= gradientTolerance) {
      converged = true;
      message = "projected gradient norm below tolerance";
      break;
    }
    if (iterations >= maxIterations) {
      message = "maximum iterations reached";
      break;
    }
    if (evaluations >= maxEvaluations) {
      message = "maximum evaluations reached";
      break;
    }

    cauchy.compute(x, gradient, lower, upper, memory, cauchyPoint);
    subspaceMinimize(x, gradient, lower, upper, memory, cauchy, cauchyPoint, targetPoint, subspace);

    let slope = 0;
    let directionNormSquared = 0;
    for (let i = 0; i < n; i++) {
      const d = targetPoint[i] - x[i];
      direction[i] = d;
      slope += d * gradient[i];
      directionNormSquared += d * d;
    }
    if (!(slope < 0)) {
      // The quasi-Newton model has gone bad (round-off in B); drop it and use the gradient.
      if (memory.size > 0 && !restartedWithoutMemory) {
        memory.reset();
        restartedWithoutMemory = true;
        continue;
      }
      message = "no descent direction: step below machine precision";
      break;
    }

    // Within the box, the step to the nearest bound along d (≥ 1, since x + d is feasible).
    let maxStep = MAX_STEP;
    if (anyBound) {
      if (iterations === 0) {
        maxStep = 1;
      } else {
        for (let i = 0; i < n; i++) {
          const d = direction[i];
          if (d > 0 && upper[i] < Number.POSITIVE_INFINITY) maxStep = Math.min(maxStep, (upper[i] - x[i]) / d);
          else if (d < 0 && lower[i] > Number.NEGATIVE_INFINITY) maxStep = Math.min(maxStep, (lower[i] - x[i]) / d);
        }
        maxStep = Math.max(maxStep, 1);
      }
    }
    // Without curvature information the model step is just −g, whose length says nothing about
    // the scale of the problem; start with a unit-length step instead (as L-BFGS-B does).
    const initialStep =
      memory.size === 0 && !boxed ? Math.min(1 / Math.sqrt(directionNormSquared), maxStep) : 1;

    const status = lineSearch(slope, initialStep, maxStep);
    if (status !== Search.Accepted) {
      if (status === Search.Budget) {
        message = "maximum evaluations reached";
        break;
      }
      if (memory.size > 0 && !restartedWithoutMemory) {
        memory.reset();
        restartedWithoutMemory = true;
        continue;
      }
      message = "line search could not find a lower point";
      break;
    }

    let curvature = 0;
    let gradientDifferenceSquared = 0;
    for (let i = 0; i < n; i++) {
      const s = trialPoint[i] - x[i];
      const y = trialGradient[i] - gradient[i];
      stepDifference[i] = s;
      gradientDifference[i] = y;
      curvature += s * y;
      gradientDifferenceSquared += y * y;
    }
    const previousValue = value;
    x.set(trialPoint);
    gradient.set(trialGradient);
    value = acceptedValue;
    iterations++;
    restartedWithoutMemory = false;
    // Only pairs with clearly positive curvature keep B positive definite; steps cut short by a
    // bound or by the evaluation cap may not have it.
    if (curvature > MACHINE_EPSILON * gradientDifferenceSquared) {
      memory.add(stepDifference, gradientDifference, curvature, gradientDifferenceSquared);
    }

    const scale = Math.max(Math.abs(previousValue), Math.abs(value), 1);
    if (previousValue - value <= relativeTolerance * scale) {
      converged = true;
      message = "relative reduction of the objective below tolerance";
      break;
    }
  }
  return finish();
}

function readBounds(
  bounds: ArrayLike<number> | undefined,
  n: number,
  fallback: number,
  name: string,
): Float64Array {
  const out = new Float64Array(n).fill(fallback);
  if (bounds === undefined) return out;
  if (bounds.length !== n) {
    throw new RangeError(`minimizeLbfgsb: ${name} has length ${bounds.length}, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const v = bounds[i];
    if (v !== v) throw new RangeError(`minimizeLbfgsb: ${name}[${i}] is NaN`);
    out[i] = v;
  }
  return out;
}

function clamp(v: number, low: number, high: number): number {
  return v < low ? low : v > high ? high : v;
}

function fallbackStart(low: number, high: number): number {
  if (Number.isFinite(low) && Number.isFinite(high)) return 0.5 * (low + high);
  if (Number.isFinite(low)) return Math.max(low, 0);
  if (Number.isFinite(high)) return Math.min(high, 0);
  return 0;
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

/** ‖P(x − g) − x‖∞, the first-order optimality measure for bound constraints. */
function projectedGradientNorm(
  x: Float64Array,
  g: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  n: number,
): number {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const component = gi < 0 ? Math.min(upper[i] - x[i], -gi) : Math.min(x[i] - lower[i], gi);
    if (component > norm) norm = component;
  }
  return norm;
}

/**
 * Minimiser of the cubic that interpolates values and slopes at a and b, kept at least 10% of
 * the interval away from either end so that the bracket always shrinks geometrically.
 */
function safeguardedCubicStep(
  a: number,
  valueA: number,
  slopeA: number,
  b: number,
  valueB: number,
  slopeB: number,
): number {
  const left = Math.min(a, b);
  const right = Math.max(a, b);
  const margin = 0.1 * (right - left);
  const d1 = slopeA + slopeB - (3 * (valueA - valueB)) / (a - b);
  const discriminant = d1 * d1 - slopeA * slopeB;
  let step = Number.NaN;
  if (discriminant >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(discriminant);
    step = b - ((b - a) * (slopeB + d2 - d1)) / (slopeB - slopeA + 2 * d2);
  }
  if (!(step >= left + margin && step <= right - margin)) {
    // Out of range or undefined: the cubic is unreliable here, so bisect, or clip a finite
    // estimate that merely landed too close to an end.
    if (step === step && Number.isFinite(step)) step = clamp(step, left + margin, right - margin);
    else step = 0.5 * (left + right);
  }
  return step;
}

/**
 * The limited-memory BFGS matrix in compact form B = θI − W·M·Wᵀ with W = [Y θS] and
 * M = K⁻¹, K = [[−D, Lᵀ], [L, θSᵀS]], where D = diag(sᵢᵀyᵢ) and L is the strictly lower part of
 * SᵀY (Byrd, Nocedal and Schnabel 1994, Theorem 2.3). Pairs are stored oldest first.
 *
 * M is never formed. Products M·v are solves with K by block elimination: with
 * T = θSᵀS + L·D⁻¹·Lᵀ (positive definite, Cholesky-factored once per update, as in Byrd et al.
 * 1995, §3), K·(a; b) = (v₁; v₂) gives T·b = v₂ + L·D⁻¹·v₁ and a = D⁻¹·(Lᵀb − v₁).
 */
class LimitedMemory {
  readonly n: number;
  readonly capacity: number;
  size = 0;
  theta = 1;
  /** sᵢ and yᵢ; the buffers are recycled when the oldest pair is dropped. */
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  /** SᵀS, SᵀY (entry (i, j) = sᵢᵀyⱼ) and YᵀY, capacity × capacity, row-major. */
  private readonly sTs: Float64Array;
  private readonly sTy: Float64Array;
  private readonly yTy: Float64Array;
  /** Cholesky factor of T = θSᵀS + L·D⁻¹·Lᵀ, size × size with row stride `capacity`. */
  private readonly schurFactor: Float64Array;
  private readonly solveScratch: Float64Array;
  private readonly twoLoopAlpha: Float64Array;

  constructor(n: number, capacity: number) {
    this.n = n;
    this.capacity = capacity;
    this.sTs = new Float64Array(capacity * capacity);
    this.sTy = new Float64Array(capacity * capacity);
    this.yTy = new Float64Array(capacity * capacity);
    this.schurFactor = new Float64Array(capacity * capacity);
    this.solveScratch = new Float64Array(capacity);
    this.twoLoopAlpha = new Float64Array(capacity);
  }

  reset(): void {
    this.size = 0;
    this.theta = 1;
  }

  /** Number of columns of W (2·size). */
  get width(): number {
    return 2 * this.size;
  }

  /** Row i of W: (y₀ᵢ … y_{k−1,i}, θs₀ᵢ … θs_{k−1,i}). */
  row(i: number, out: Float64Array): void {
    const k = this.size;
    const theta = this.theta;
    for (let j = 0; j < k; j++) {
      out[j] = this.y[j][i];
      out[k + j] = theta * this.s[j][i];
    }
  }

  add(sNew: Float64Array, yNew: Float64Array, curvature: number, yNormSquared: number): void {
    const cap = this.capacity;
    let sBuffer: Float64Array;
    let yBuffer: Float64Array;
    if (this.size === cap) {
      sBuffer = this.s.shift() as Float64Array;
      yBuffer = this.y.shift() as Float64Array;
      // Drop the first row and column of the inner-product matrices.
      for (let i = 0; i < cap - 1; i++) {
        for (let j = 0; j < cap - 1; j++) {
          const from = (i + 1) * cap + j + 1;
          this.sTs[i * cap + j] = this.sTs[from];
          this.sTy[i * cap + j] = this.sTy[from];
          this.yTy[i * cap + j] = this.yTy[from];
        }
      }
      this.size--;
    } else {
      sBuffer = new Float64Array(this.n);
      yBuffer = new Float64Array(this.n);
    }
    sBuffer.set(sNew);
    yBuffer.set(yNew);
    this.s.push(sBuffer);
    this.y.push(yBuffer);
    const k = this.size;
    this.size++;
    for (let j = 0; j < k; j++) {
      const sj = this.s[j];
      const yj = this.y[j];
      let ss = 0;
      let sy = 0;
      let ys = 0;
      let yy = 0;
      for (let i = 0; i < this.n; i++) {
        ss += sNew[i] * sj[i];
        sy += sNew[i] * yj[i];
        ys += sj[i] * yNew[i];
        yy += yNew[i] * yj[i];
      }
      this.sTs[k * cap + j] = ss;
      this.sTs[j * cap + k] = ss;
      this.sTy[k * cap + j] = sy;
      this.sTy[j * cap + k] = ys;
      this.yTy[k * cap + j] = yy;
      this.yTy[j * cap + k] = yy;
    }
    let ssNew = 0;
    for (let i = 0; i < this.n; i++) ssNew += sNew[i] * sNew[i];
    this.sTs[k * cap + k] = ssNew;
    this.sTy[k * cap + k] = curvature;
    this.yTy[k * cap + k] = yNormSquared;
    // θ = yᵀy/sᵀy, the scaling from the most recent pair (Byrd et al. 1995, §3).
    this.theta = yNormSquared / curvature;
    if (!this.factorSchur()) this.reset();
  }

  /** Cholesky-factors T = θSᵀS + L·D⁻¹·Lᵀ; false if it is not numerically positive definite. */
  private factorSchur(): boolean {
    const k = this.size;
    const cap = this.capacity;
    const t = this.schurFactor;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        // (L·D⁻¹·Lᵀ)ᵢⱼ = Σ_{l < min(i, j)} sᵢᵀy_l · sⱼᵀy_l / s_lᵀy_l, L being strictly lower.
        let sum = this.theta * this.sTs[i * cap + j];
        for (let l = 0; l < j; l++) {
          sum += (this.sTy[i * cap + l] * this.sTy[j * cap + l]) / this.sTy[l * cap + l];
        }
        t[i * cap + j] = sum;
      }
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = t[i * cap + j];
        for (let l = 0; l < j; l++) sum -= t[i * cap + l] * t[j * cap + l];
        if (i === j) {
          if (!(sum > 0) || !Number.isFinite(sum)) return false;
          t[i * cap + i] = Math.sqrt(sum);
        } else {
          t[i * cap + j] = sum / t[j * cap + j];
        }
      }
    }
    return true;
  }

  /** Writes K = [[−D, Lᵀ], [L, θSᵀS]] into `out` (row-major, `width` = 2·size). */
  writeMiddle(out: Float64Array, width: number): void {
    const k = this.size;
    const cap = this.capacity;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        out[i * width + j] = i === j ? -this.sTy[i * cap + i] : 0;
        out[i * width + k + j] = j > i ? this.sTy[j * cap + i] : 0;
        out[(k + i) * width + j] = i > j ? this.sTy[i * cap + j] : 0;
        out[(k + i) * width + k + j] = this.theta * this.sTs[i * cap + j];
      }
    }
  }

  /** Writes WᵀW = [[YᵀY, θYᵀS], [θSᵀY, θ²SᵀS]] into `out` (row-major, `width` = 2·size). */
  writeGram(out: Float64Array, width: number): void {
    const k = this.size;
    const cap = this.capacity;
    const theta = this.theta;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        out[i * width + j] = this.yTy[i * cap + j];
        out[i * width + k + j] = theta * this.sTy[j * cap + i];
        out[(k + i) * width + j] = theta * this.sTy[i * cap + j];
        out[(k + i) * width + k + j] = theta * theta * this.sTs[i * cap + j];
      }
    }
  }

  /** out = M·v = K⁻¹·v for a vector of length 2·size; `out` must not alias `v`. */
  multiplyMiddle(v: Float64Array, out: Float64Array): void {
    const k = this.size;
    const cap = this.capacity;
    const t = this.schurFactor;
    const rhs = this.solveScratch;
    // rhs = v₂ + L·D⁻¹·v₁
    for (let i = 0; i < k; i++) {
      let sum = v[k + i];
      for (let l = 0; l < i; l++) sum += (this.sTy[i * cap + l] * v[l]) / this.sTy[l * cap + l];
      rhs[i] = sum;
    }
    // b = T⁻¹·rhs by forward then backward substitution with the Cholesky factor.
    for (let i = 0; i < k; i++) {
      let sum = rhs[i];
      for (let l = 0; l < i; l++) sum -= t[i * cap + l] * rhs[l];
      rhs[i] = sum / t[i * cap + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let sum = rhs[i];
      for (let l = i + 1; l < k; l++) sum -= t[l * cap + i] * rhs[l];
      rhs[i] = sum / t[i * cap + i];
    }
    // a = D⁻¹·(Lᵀ·b − v₁), (Lᵀb)ᵢ = Σ_{l > i} s_lᵀyᵢ·b_l
    for (let i = 0; i < k; i++) {
      let sum = -v[i];
      for (let l = i + 1; l < k; l++) sum += this.sTy[l * cap + i] * rhs[l];
      out[i] = sum / this.sTy[i * cap + i];
    }
    for (let i = 0; i < k; i++) out[k + i] = rhs[i];
  }

  /**
   * out = B⁻¹·v by the two-loop recursion (Nocedal 1980), valid because B⁻¹ is the inverse
   * BFGS update of I/θ with the same pairs. Costs O(n·m), against O(m³) for the compact route.
   */
  applyInverse(v: Float64Array, out: Float64Array, n: number): void {
    const k = this.size;
    const cap = this.capacity;
    const alpha = this.twoLoopAlpha;
    for (let i = 0; i < n; i++) out[i] = v[i];
    for (let j = k - 1; j >= 0; j--) {
      const sj = this.s[j];
      const yj = this.y[j];
      let sq = 0;
      for (let i = 0; i < n; i++) sq += sj[i] * out[i];
      const a = sq / this.sTy[j * cap + j];
      alpha[j] = a;
      for (let i = 0; i < n; i++) out[i] -= a * yj[i];
    }
    const inverseTheta = 1 / this.theta;
    for (let i = 0; i < n; i++) out[i] *= inverseTheta;
    for (let j = 0; j < k; j++) {
      const sj = this.s[j];
      const yj = this.y[j];
      let yr = 0;
      for (let i = 0; i < n; i++) yr += yj[i] * out[i];
      const correction = alpha[j] - yr / this.sTy[j * cap + j];
      for (let i = 0; i < n; i++) out[i] += correction * sj[i];
    }
  }
}

/** Scratch space and outputs of the generalized Cauchy point computation. */
class CauchyWorkspace {
  /** c = Wᵀ(x_c − x), needed by the subspace minimisation. */
  readonly c: Float64Array;
  private readonly p: Float64Array;
  private readonly wRow: Float64Array;
  private readonly mwRow: Float64Array;
  private readonly mc: Float64Array;
  private readonly mp: Float64Array;
  private readonly d: Float64Array;
  private readonly breakpoints: Float64Array;
  private readonly order: Uint32Array;

  constructor(n: number, capacity: number) {
    const width = 2 * capacity;
    this.c = new Float64Array(width);
    this.p = new Float64Array(width);
    this.wRow = new Float64Array(width);
    this.mwRow = new Float64Array(width);
    this.mc = new Float64Array(width);
    this.mp = new Float64Array(width);
    this.d = new Float64Array(n);
    this.breakpoints = new Float64Array(n);
    this.order = new Uint32Array(n);
  }

  /**
   * Generalized Cauchy point (Byrd et al. 1995, Algorithm CP): the first minimiser of the model
   * m(z) = gᵀz + ½zᵀBz along the piecewise-linear path P(x − t·g) − x, t ≥ 0.
   */
  compute(
    x: Float64Array,
    g: Float64Array,
    lower: Float64Array,
    upper: Float64Array,
    memory: LimitedMemory,
    cauchyPoint: Float64Array,
  ): void {
    const n = x.length;
    const width = memory.width;
    const theta = memory.theta;
    const { c, p, wRow, mwRow, mp, d, breakpoints, order } = this;
    c.fill(0);
    p.fill(0);
    let slope = 0; // f′ in the paper
    let breakCount = 0;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      let t = Number.POSITIVE_INFINITY;
      if (gi < 0) {
        if (upper[i] < Number.POSITIVE_INFINITY) t = (x[i] - upper[i]) / gi;
      } else if (gi > 0) {
        if (lower[i] > Number.NEGATIVE_INFINITY) t = (x[i] - lower[i]) / gi;
      } else {
        t = 0;
      }
      breakpoints[i] = t;
      cauchyPoint[i] = x[i];
      if (t === 0) {
        d[i] = 0;
        continue;
      }
      d[i] = -gi;
      slope -= gi * gi;
      if (width > 0) {
        memory.row(i, wRow);
        for (let j = 0; j < width; j++) p[j] -= wRow[j] * gi;
      }
      if (t < Number.POSITIVE_INFINITY) order[breakCount++] = i;
    }
    if (slope === 0) return; // every coordinate is blocked: x itself is the Cauchy point

    let curvature = -theta * slope; // f″ = θ‖d‖² − pᵀMp
    if (width > 0) {
      memory.multiplyMiddle(p, mp);
      curvature -= dot(p, mp, width);
    }
    const curvatureFloor = MACHINE_EPSILON * Math.abs(curvature);
    if (!(curvature > 0)) curvature = Math.max(curvatureFloor, Number.MIN_VALUE);
    let stepToMinimum = -slope / curvature;
    let tOld = 0;

    const sorted = order.subarray(0, breakCount);
    sorted.sort((a, b) => breakpoints[a] - breakpoints[b]);
    let reachedMinimum = false;
    for (let q = 0; q < breakCount; q++) {
      const b = sorted[q];
      const tb = breakpoints[b];
      const dt = tb - tOld;
      if (stepToMinimum < dt) break;

      // The path reaches coordinate b's bound before the model's minimum: fix it there and
      // update f′, f″ for the next segment (paper eqs. 4.9–4.10, with the rank-one change in p).
      const bound = d[b] > 0 ? upper[b] : lower[b];
      cauchyPoint[b] = bound;
      const zb = bound - x[b];
      const gb = g[b];
      for (let j = 0; j < width; j++) c[j] += dt * p[j];
      slope += dt * curvature + gb * gb + theta * gb * zb;
      curvature -= theta * gb * gb;
      if (width > 0) {
        memory.row(b, wRow);
        memory.multiplyMiddle(wRow, mwRow);
        slope -= gb * dot(mwRow, c, width);
        curvature -= 2 * gb * dot(mwRow, p, width) + gb * gb * dot(mwRow, wRow, width);
        for (let j = 0; j < width; j++) p[j] += gb * wRow[j];
      }
      if (!(curvature > curvatureFloor)) curvature = Math.max(curvatureFloor, Number.MIN_VALUE);
      d[b] = 0;
      tOld = tb;
      if (slope >= 0) {
        reachedMinimum = true;
        break;
      }
      stepToMinimum = -slope / curvature;
    }
    const extra = reachedMinimum ? 0 : Math.max(stepToMinimum, 0);
    const t = tOld + extra;
    for (let i = 0; i < n; i++) {
      if (d[i] !== 0) cauchyPoint[i] = clamp(x[i] + t * d[i], lower[i], upper[i]);
    }
    for (let j = 0; j < width; j++) c[j] += extra * p[j];
  }

  /** M·c, computed on demand by the subspace minimisation. */
  middleTimesC(memory: LimitedMemory): Float64Array {
    memory.multiplyMiddle(this.c, this.mc);
    return this.mc;
  }
}

/**
 * Minimises the quadratic model over the coordinates that are free (strictly inside their
 * bounds) at the Cauchy point, holding the others fixed (Byrd et al. 1995, §5.1, direct primal
 * method), then projects onto the box (Morales & Nocedal 2011) or, if that loses descent,
 * truncates the step at the first bound as in the original algorithm.
 */
function subspaceMinimize(
  x: Float64Array,
  g: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  memory: LimitedMemory,
  cauchy: CauchyWorkspace,
  cauchyPoint: Float64Array,
  target: Float64Array,
  scratch: SubspaceWorkspace,
): void {
  const n = x.length;
  const width = memory.width;
  const theta = memory.theta;
  target.set(cauchyPoint);

  const { reducedGradient, freeIndex, wRow, v, u, system, pivots } = scratch;
  let freeCount = 0;
  for (let i = 0; i < n; i++) {
    if (cauchyPoint[i] > lower[i] && cauchyPoint[i] < upper[i]) freeIndex[freeCount++] = i;
  }
  if (freeCount === 0) return;

  // Reduced gradient of the model at the Cauchy point: r = Zᵀ(g + θ(x_c − x) − W·M·c).
  const mc = width > 0 ? cauchy.middleTimesC(memory) : null;
  v.fill(0, 0, width);
  for (let q = 0; q < freeCount; q++) {
    const i = freeIndex[q];
    let r = g[i] + theta * (cauchyPoint[i] - x[i]);
    if (mc !== null) {
      memory.row(i, wRow);
      r -= dot(wRow, mc, width);
      for (let j = 0; j < width; j++) v[j] += wRow[j] * r;
    }
    reducedGradient[q] = r;
  }

  // Newton step on the free subspace, d = −B̂⁻¹r with B̂ = θI − ZᵀWMWᵀZ. By Sherman–Morrison–
  // Woodbury, B̂⁻¹r = r/θ + ZᵀW·u/θ² with (I − M·G/θ)·u = M·WᵀZr, G = WᵀZZᵀW; multiplying through
  // by K = M⁻¹ turns that into (K − G/θ)·u = WᵀZr, which needs neither M nor a matrix product.
  const step = scratch.step;
  let haveCorrection = false;
  if (width > 0 && freeCount === n) {
    // Nothing is held at a bound, so B̂ = B and the two-loop recursion gives B⁻¹r directly.
    memory.applyInverse(reducedGradient, step, n);
    for (let i = 0; i < n; i++) step[i] = -step[i];
  } else if (width > 0) {
    const gram = scratch.gram;
    const boundCount = n - freeCount;
    if (boundCount < freeCount) {
      // Cheaper to start from WᵀW (known from the stored inner products) and remove the few
      // coordinates held at a bound.
      memory.writeGram(gram, width);
      for (let i = 0, q = 0; i < n; i++) {
        if (q < freeCount && freeIndex[q] === i) {
          q++;
          continue;
        }
        memory.row(i, wRow);
        addOuterProduct(gram, width, wRow, -1);
      }
    } else {
      gram.fill(0, 0, width * width);
      for (let q = 0; q < freeCount; q++) {
        memory.row(freeIndex[q], wRow);
        addOuterProduct(gram, width, wRow, 1);
      }
    }
    memory.writeMiddle(system, width);
    const inverseTheta = 1 / theta;
    for (let e = 0; e < width * width; e++) system[e] -= gram[e] * inverseTheta;
    for (let j = 0; j < width; j++) u[j] = v[j];
    if (luFactor(system, width, pivots)) {
      luSolve(system, width, pivots, u);
      haveCorrection = true;
      for (let j = 0; j < width; j++) {
        if (!Number.isFinite(u[j])) haveCorrection = false;
      }
    }
  }

  if (width === 0 || freeCount < n) {
    for (let q = 0; q < freeCount; q++) {
      const i = freeIndex[q];
      let di = -reducedGradient[q] / theta;
      if (haveCorrection) {
        memory.row(i, wRow);
        di -= dot(wRow, u, width) / (theta * theta);
      }
      step[q] = di;
    }
  }

  // Projected step, kept if it still points downhill from x.
  let projectedSlope = 0;
  for (let q = 0; q < freeCount; q++) {
    const i = freeIndex[q];
    const xi = clamp(cauchyPoint[i] + step[q], lower[i], upper[i]);
    target[i] = xi;
  }
  for (let i = 0; i < n; i++) projectedSlope += (target[i] - x[i]) * g[i];
  if (projectedSlope < 0) return;

  // Otherwise truncate: the largest α ≤ 1 with x_c + α·d feasible.
  let alpha = 1;
  for (let q = 0; q < freeCount; q++) {
    const i = freeIndex[q];
    const di = step[q];
    if (di > 0) alpha = Math.min(alpha, (upper[i] - cauchyPoint[i]) / di);
    else if (di < 0) alpha = Math.min(alpha, (lower[i] - cauchyPoint[i]) / di);
  }
  for (let q = 0; q < freeCount; q++) {
    const i = freeIndex[q];
    target[i] = clamp(cauchyPoint[i] + alpha * step[q], lower[i], upper[i]);
  }
}

/** Scratch space for {@link subspaceMinimize}, allocated once per run. */
class SubspaceWorkspace {
  readonly reducedGradient: Float64Array;
  readonly step: Float64Array;
  readonly freeIndex: Uint32Array;
  readonly wRow: Float64Array;
  readonly v: Float64Array;
  readonly u: Float64Array;
  readonly gram: Float64Array;
  readonly system: Float64Array;
  readonly pivots: Int32Array;

  constructor(n: number, capacity: number) {
    const width = 2 * capacity;
    this.reducedGradient = new Float64Array(n);
    this.step = new Float64Array(n);
    this.freeIndex = new Uint32Array(n);
    this.wRow = new Float64Array(width);
    this.v = new Float64Array(width);
    this.u = new Float64Array(width);
    this.gram = new Float64Array(width * width);
    this.system = new Float64Array(width * width);
    this.pivots = new Int32Array(width);
  }
}

/** g += sign·w·wᵀ for a width × width row-major matrix. */
function addOuterProduct(g: Float64Array, width: number, w: Float64Array, sign: number): void {
  for (let a = 0; a < width; a++) {
    const wa = sign * w[a];
    if (wa === 0) continue;
    const row = a * width;
    for (let b = 0; b < width; b++) g[row + b] += wa * w[b];
  }
}

/**
 * In-place LU factorisation with partial pivoting of a small dense k × k matrix; false if a
 * pivot is zero or not finite relative to the matrix scale.
 */
function luFactor(a: Float64Array, k: number, pivots: Int32Array): boolean {
  let scale = 0;
  for (let i = 0; i < k * k; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (!(scale > 0) || !Number.isFinite(scale)) return false;
  const tiny = scale * MACHINE_EPSILON * k;
  for (let col = 0; col < k; col++) {
    let pivotRow = col;
    let pivotMagnitude = Math.abs(a[col * k + col]);
    for (let r = col + 1; r < k; r++) {
      const m = Math.abs(a[r * k + col]);
      if (m > pivotMagnitude) {
        pivotMagnitude = m;
        pivotRow = r;
      }
    }
    if (!(pivotMagnitude > tiny)) return false;
    pivots[col] = pivotRow;
    if (pivotRow !== col) {
      for (let j = 0; j < k; j++) {
        const tmp = a[col * k + j];
        a[col * k + j] = a[pivotRow * k + j];
        a[pivotRow * k + j] = tmp;
      }
    }
    const inverse = 1 / a[col * k + col];
    for (let r = col + 1; r < k; r++) {
      const factor = a[r * k + col] * inverse;
      a[r * k + col] = factor;
      if (factor === 0) continue;
      for (let j = col + 1; j < k; j++) a[r * k + j] -= factor * a[col * k + j];
    }
  }
  return true;
}

/** Solves A·x = b in place using the output of {@link luFactor}. */
function luSolve(lu: Float64Array, k: number, pivots: Int32Array, b: Float64Array): void {
  for (let col = 0; col < k; col++) {
    const p = pivots[col];
    if (p !== col) {
      const tmp = b[col];
      b[col] = b[p];
      b[p] = tmp;
    }
  }
  for (let i = 0; i < k; i++) {
    let sum = b[i];
    for (let j = 0; j < i; j++) sum -= lu[i * k + j] * b[j];
    b[i] = sum;
  }
  for (let i = k - 1; i >= 0; i--) {
    let sum = b[i];
    for (let j = i + 1; j < k; j++) sum -= lu[i * k + j] * b[j];
    b[i] = sum / lu[i * k + i];
  }
}
