/**
 * Special functions for Bayesian optimisation: the error function family, the standard normal
 * distribution and the log expected-improvement kernel h(z) = φ(z) + zΦ(z).
 *
 * Every function aims for a relative error of a few units in the last place (≈ 1e-15) over its
 * whole domain, including the far tails where the textbook formulas underflow or cancel. That is
 * what lets a GP sampler optimise log EI with gradients far away from the incumbent without
 * seeing `-Infinity`, `0 / 0` or `NaN`.
 *
 * Approach: the scaled complementary error function erfcx is the workhorse. It is a Chebyshev
 * expansion in t = (x − K)/(x + K) of (1 + 2x)·erfcx(x), the change of variables used by
 * Shepherd and Laframboise (1981), "Chebyshev approximation of (1+2x)exp(x²)erfc x in
 * 0 ≤ x < ∞", Math. Comp. 36(153). The coefficients were computed for Sextant in 60-digit
 * arithmetic. erf, erfc, Φ and log Φ are built from erfcx with an exp(−x²) that is evaluated
 * without the rounding error of forming x² (Cody's splitting trick, W. J. Cody 1969,
 * "Rational Chebyshev approximations for the error function", Math. Comp. 23(107)).
 *
 * @module
 */

const SQRT_PI = 1.7724538509055160273;
const INV_SQRT_2 = 0.70710678118654752440;
const INV_SQRT_2PI = 0.39894228040143267794;
/** log(2π)/2 */
const HALF_LOG_2PI = 0.91893853320467274178;
/** √(π/2), the constant between erfcx and the Mills ratio. */
const SQRT_HALF_PI = 1.2533141373155002512;
const LN2 = 0.69314718055994530942;

// Chebyshev coefficients of (1 + 2x)·erfcx(x) in t = (x − 3.75)/(x + 3.75), x ≥ 0. The first
// coefficient is already halved so the series is a plain Σ cₙTₙ(t). Truncated where the terms
// fall below 3e-18 (the function lies in [1, 1.13], so this is far below an ulp).
const ERFCX_K = 3.75;
const ERFCX_CHEBYSHEV = new Float64Array([
  1.1775789345674017, -0.004590054580646478, -0.08424913336651792, 0.05920993999819189,
  -0.026658668435305753, 0.009074997670705265, -0.002413163540417608, 0.0004907758365258086,
  -6.916973302501207e-5, 4.13902798607301e-6, 7.74038306619849e-7, -2.1886401049234397e-7,
  1.076499946567091e-8, 4.521959811218287e-9, -7.754400208831351e-10, -6.318088340886684e-11,
  2.86879501093067e-11, 1.9455868545777347e-13, -9.65469674843344e-13, 3.25254814814874e-14,
  3.3478119482868056e-14, -1.864562880419313e-15, -1.2507950530688648e-15, 7.418235256624044e-17,
  5.068148904796111e-17, -2.2370566594359995e-18, -2.187342944303018e-18,
]);

// Chebyshev coefficients of S(u) = u²·(1 − u·R(u)), R(u) = Φ(−u)/φ(u) the Mills ratio, for u ≥ 1
// in t = (v − 6)/(v + 6) with v = u − 1. S falls in [0.178, 1], so h(−u) = φ(u)·S(u)/u² can be
// evaluated without the catastrophic cancellation of 1 − u·R(u) (Sextant's own fit; the quantity
// is the one Ament et al. 2023 handle with log1mexp, but this form also gives the gradient).
const MILLS_K = 6;
const MILLS_CHEBYSHEV = new Float64Array([
  0.81217265526333, 0.2925809165180206, -0.1372220577492928, 0.03737878576275365,
  -0.004047109680846151, -0.0017164691210250493, 0.0011689976531648158, -0.00039118995080429257,
  8.714725914776944e-5, -1.2441371566264041e-5, 6.357971288089785e-7, 1.6819903065070086e-7,
  -4.063072955103069e-8, 1.2940706748307515e-9, 8.923049882613034e-10, -1.2559466446936258e-10,
  -1.3721003477334771e-11, 4.6587549210384876e-12, 1.1121377528765608e-13, -1.4946243077275934e-13,
  2.8698634983904463e-15, 4.794839026919574e-15, -2.1185946447090747e-16, -1.623612485694705e-16,
  8.656272864396869e-18, 5.8989761147923736e-18,
]);

// Maclaurin coefficients of erf(x)·√π/2 in powers of x²: (−1)ⁿ / (n!·(2n + 1)). Thirteen terms
// reach 5e-18 relative for |x| < 0.5, where the series is used.
const ERF_SERIES = (() => {
  const coefficients = new Float64Array(13);
  let factorial = 1;
  for (let n = 0; n < coefficients.length; n++) {
    if (n > 0) factorial *= n;
    coefficients[n] = (n % 2 === 0 ? 1 : -1) / (factorial * (2 * n + 1));
  }
  return coefficients;
})();

function chebyshevSum(coefficients: Float64Array, t: number): number {
  // Clenshaw recurrence; stable for |t| ≤ 1.
  let b1 = 0;
  let b2 = 0;
  const twoT = 2 * t;
  for (let k = coefficients.length - 1; k >= 1; k--) {
    const b0 = twoT * b1 - b2 + coefficients[k];
    b2 = b1;
    b1 = b0;
  }
  return t * b1 - b2 + coefficients[0];
}

/**
 * exp(−scale·x²) for scale ∈ {1, 1/2} without the error of rounding x² first: for |x| ≈ 27 the
 * naive form loses ~9 bits. x is split as hi + lo with hi on a 1/16 grid, so scale·hi² is exact.
 */
function expNegScaledSquare(x: number, scale: number): number {
  const a = Math.abs(x);
  if (!(a < 1e150)) return a === a ? 0 : Number.NaN;
  const hi = Math.floor(a * 16) / 16;
  const lo = a - hi;
  return Math.exp(-scale * hi * hi) * Math.exp(-scale * lo * (a + hi));
}

function expScaledSquare(x: number, scale: number): number {
  const a = Math.abs(x);
  if (!(a < 1e150)) return a === a ? Number.POSITIVE_INFINITY : Number.NaN;
  const hi = Math.floor(a * 16) / 16;
  const lo = a - hi;
  return Math.exp(scale * hi * hi) * Math.exp(scale * lo * (a + hi));
}

/** erfcx for x ≥ 0 (or NaN). */
function erfcxNonNegative(x: number): number {
  if (x > 1e8) {
    // Two terms of the asymptotic series; the next one is 3/(4x⁴) < 1e-32 relative.
    return (1 - 0.5 / (x * x)) / (SQRT_PI * x);
  }
  const t = (x - ERFCX_K) / (x + ERFCX_K);
  return chebyshevSum(ERFCX_CHEBYSHEV, t) / (1 + 2 * x);
}

/** erf(x) for |x| < 0.5 by its Maclaurin series; keeps full relative accuracy near 0. */
function erfSmall(x: number): number {
  const x2 = x * x;
  let sum = 0;
  for (let k = ERF_SERIES.length - 1; k >= 0; k--) sum = sum * x2 + ERF_SERIES[k];
  return (2 / SQRT_PI) * x * sum;
}

/**
 * The scaled complementary error function erfcx(x) = exp(x²)·erfc(x).
 *
 * Stable for large positive x, where it behaves like 1/(x√π) while erfc itself underflows.
 * For x < −26.6 the true value exceeds the double range and the result is `Infinity`.
 *
 * @example
 * erfcx(0);    // 1
 * erfcx(1e4);  // 5.641895835e-5
 */
export function erfcx(x: number): number {
  if (x >= 0) return erfcxNonNegative(x);
  if (x < 0) return 2 * expScaledSquare(x, 1) - erfcxNonNegative(-x);
  return Number.NaN;
}

/**
 * The complementary error function erfc(x) = 1 − erf(x), accurate in relative terms in the
 * upper tail until it underflows (erfc(10) ≈ 2.088e-45, erfc(27) ≈ 5.2e-319).
 *
 * @example
 * erfc(10); // 2.0884875837625446e-45
 */
export function erfc(x: number): number {
  if (x >= 0.5) return expNegScaledSquare(x, 1) * erfcxNonNegative(x);
  if (x > -0.5) return 1 - erfSmall(x);
  if (x <= -0.5) return 2 - expNegScaledSquare(x, 1) * erfcxNonNegative(-x);
  return Number.NaN;
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ exp(−t²) dt, with full relative accuracy near zero.
 *
 * @example
 * erf(0.5); // 0.5204998778130465
 */
export function erf(x: number): number {
  if (Math.abs(x) < 0.5) return erfSmall(x);
  if (x >= 0.5) return 1 - expNegScaledSquare(x, 1) * erfcxNonNegative(x);
  if (x <= -0.5) return expNegScaledSquare(x, 1) * erfcxNonNegative(-x) - 1;
  return Number.NaN;
}

/**
 * The standard normal density φ(z) = exp(−z²/2)/√(2π).
 *
 * @example
 * normalPdf(0); // 0.3989422804014327
 */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * expNegScaledSquare(z, 0.5);
}

/**
 * log φ(z) = −z²/2 − log(2π)/2; finite for every finite z whose square does not overflow.
 */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - HALF_LOG_2PI;
}

/**
 * The standard normal distribution function Φ(z), accurate in relative terms in the lower tail
 * (Φ(−37) ≈ 5.7e-300) and rounding to 1 only where 1 − Φ(z) is below half an ulp.
 *
 * @example
 * normalCdf(-1.959963984540054); // ≈ 0.025
 * normalCdf(-37);                // 5.725571222524576e-300
 */
export function normalCdf(z: number): number {
  if (z < 0) return 0.5 * expNegScaledSquare(z, 0.5) * erfcxNonNegative(-z * INV_SQRT_2);
  if (z >= 0) return 1 - 0.5 * expNegScaledSquare(z, 0.5) * erfcxNonNegative(z * INV_SQRT_2);
  return Number.NaN;
}

/**
 * log Φ(z), finite and accurate far below where Φ underflows (z = −40, −1e5, …) and accurate
 * near zero from below for large z, where it is −Φ(−z) to leading order.
 *
 * @example
 * logNormalCdf(-40); // -804.6084420137538
 */
export function logNormalCdf(z: number): number {
  if (z < 0) {
    return -0.5 * z * z + Math.log(0.5 * erfcxNonNegative(-z * INV_SQRT_2));
  }
  if (z >= 0) return Math.log1p(-0.5 * expNegScaledSquare(z, 0.5) * erfcxNonNegative(z * INV_SQRT_2));
  return Number.NaN;
}

/**
 * The standard normal quantile Φ⁻¹(p) for p ∈ [0, 1]; returns ∓Infinity at 0 and 1 and NaN
 * outside [0, 1].
 *
 * A starting value from Abramowitz and Stegun 26.2.23 (error < 4.5e-4) is polished by Halley's
 * method on a residual chosen for accuracy: 0.5·erf(x/√2) − (p − 0.5) in the centre, where p − 0.5
 * is exact and the answer keeps full relative precision near 0, and log Φ(x) − log p in the tails,
 * which keeps working for subnormal p.
 *
 * @example
 * normalQuantile(0.975);  // 1.9599639845400538
 * normalQuantile(1e-300); // -37.0470962993612
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  // For p ≥ 0.5, 1 − p is exact (Sterbenz), so the symmetry costs nothing.
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p;
  let x = -abramowitzStegunTail(tail);
  if (tail > 0.25) {
    const centred = tail - 0.5; // exact for tail ∈ [0.25, 0.5]
    for (let iteration = 0; iteration < 4; iteration++) {
      const residual = 0.5 * erf(x * INV_SQRT_2) - centred;
      const density = normalPdf(x);
      const step = residual / (density + 0.5 * residual * x);
      x -= step;
      if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
    }
  } else {
    const logTail = Math.log(tail);
    for (let iteration = 0; iteration < 6; iteration++) {
      const logCdf = logNormalCdf(x);
      const residual = logCdf - logTail;
      const ratio = Math.exp(logNormalPdf(x) - logCdf); // φ/Φ, finite for every x < 0
      const step = residual / (ratio + 0.5 * residual * (x + ratio));
      x -= step;
      if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
    }
  }
  return upper ? -x : x;
}

/** Positive x with Q(x) ≈ tail, tail ∈ (0, 0.5]; Abramowitz & Stegun 26.2.23. */
function abramowitzStegunTail(tail: number): number {
  const t = Math.sqrt(-2 * Math.log(tail));
  return (
    t -
    (2.515517 + t * (0.802853 + t * 0.010328)) /
      (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)))
  );
}

/**
 * S(u) = u²·(1 − u·R(u)) for u ≥ 1, R the Mills ratio Φ(−u)/φ(u). Tends to 1 as u → ∞.
 */
function millsComplementScaled(u: number): number {
  // Asymptotic series 1 − 3/u² + 15/u⁴ − …; two terms are exact to 1.5e-31 here, and this also
  // covers u = ∞, where the Chebyshev variable would be ∞/∞.
  if (u > 1e8) return 1 - 3 / (u * u);
  const v = u - 1;
  return chebyshevSum(MILLS_CHEBYSHEV, (v - MILLS_K) / (v + MILLS_K));
}

/**
 * log h(z) with h(z) = φ(z) + zΦ(z), the expected improvement of a standard normal over 0 at
 * standardised distance z, so that log EI = log σ + log h((μ − best)/σ) for maximisation.
 *
 * Follows the analysis of Ament, Daulton, Eriksson, Balandat and Bakshy (2023), "Unexpected
 * Improvements to Expected Improvement for Bayesian Optimization" (NeurIPS), which shows that the
 * naive form is 0 (log = −∞, zero gradient) for z below about −38. For z ≤ −1 we write
 * h(−u) = φ(u)·(1 − u·R(u)) with R the Mills ratio and evaluate the cancelling factor
 * 1 − u·R(u) = S(u)/u² from a dedicated Chebyshev fit instead of their log1mexp/erfcx branches,
 * which gives full relative accuracy for every u and the same value in the asymptotic regime
 * (−z²/2 − log(2π)/2 − 2 log|z|). Finite for |z| < 1.3e154; −Infinity below that, NaN for NaN.
 *
 * @example
 * logExpectedImprovementFromZ(0);     // log(1/√(2π)) ≈ -0.918938533
 * logExpectedImprovementFromZ(-1e3);  // -500014.7345...
 */
export function logExpectedImprovementFromZ(z: number): number {
  if (z > -1) {
    return Math.log(normalPdf(z) + z * normalCdf(z));
  }
  if (z <= -1) {
    const u = -z;
    return -0.5 * u * u - HALF_LOG_2PI - 2 * Math.log(u) + Math.log(millsComplementScaled(u));
  }
  return Number.NaN;
}

/**
 * d/dz log h(z) = Φ(z)/h(z), with h as in {@link logExpectedImprovementFromZ}.
 *
 * Positive and finite for every finite z: it tends to 1/z as z → +∞ and to −z + 2/|z| as
 * z → −∞ (so a gradient-based acquisition optimiser always sees a push towards the incumbent).
 * For z ≤ −1 it is evaluated as u·(u·R(u))/S(u), u = −z, which has no cancellation.
 *
 * @example
 * logExpectedImprovementGradientFromZ(-1e3); // 1000.0019999939999 (≈ −z + 2/|z|)
 */
export function logExpectedImprovementGradientFromZ(z: number): number {
  if (z > -1) {
    return normalCdf(z) / (normalPdf(z) + z * normalCdf(z));
  }
  if (z <= -1) {
    const u = -z;
    // u·R(u) = u·√(π/2)·erfcx(u/√2) lies in [0.82, 1): no overflow even when u² would.
    const scaledMills = u * SQRT_HALF_PI * erfcxNonNegative(u * INV_SQRT_2);
    return (u * scaledMills) / millsComplementScaled(u);
  }
  return Number.NaN;
}

/**
 * log(1 − exp(x)) for x ≤ 0, accurate both near 0 and for very negative x
 * (Mächler 2012, "Accurately Computing log(1 − exp(−|a|))", Rmpfr vignette). Returns −Infinity
 * at 0 and NaN for x > 0, where the logarithm's argument is negative.
 *
 * @example
 * log1mexp(-1e-20); // -46.0517...
 * log1mexp(-50);    // -1.9287e-22
 */
export function log1mexp(x: number): number {
  if (x > 0) return Number.NaN;
  // Below −log 2, exp(x) < 1/2 so log1p is accurate; above, 1 − exp(x) is small and must come
  // from expm1 to avoid cancellation.
  return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * log Σᵢ exp(valuesᵢ) over the first n values (all of them by default), without overflow or
 * underflow. Returns −Infinity for an empty or all −Infinity input, +Infinity if any value is
 * +Infinity, and NaN if any value is NaN.
 *
 * @example
 * logSumExp([1000, 1000]); // 1000.6931471805599
 */
export function logSumExp(values: ArrayLike<number>, n: number = values.length): number {
  let max = Number.NEGATIVE_INFINITY;
  let argMax = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) return Number.NaN;
    if (v > max) {
      max = v;
      argMax = i;
    }
  }
  if (max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) return max;
  // The maximum contributes exactly 1; summing the rest separately and using log1p keeps the
  // precision when they are all tiny.
  let rest = 0;
  for (let i = 0; i < n; i++) {
    if (i !== argMax) rest += Math.exp(values[i] - max);
  }
  return max + Math.log1p(rest);
}
