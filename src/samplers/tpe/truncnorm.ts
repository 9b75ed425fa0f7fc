/**
 * The truncated normal pieces TPE needs: the log of a normal's mass between two standardized
 * bounds, and an inverse-CDF draw from a normal truncated to an interval. Internal to the TPE
 * sampler.
 */
import { log1mexp, logNormalCdf, normalCdf, normalQuantile } from "../../math/special.js";

/**
 * log(Φ(b) − Φ(a)) for a ≤ b, without cancellation in either tail: the interval is reflected
 * so that it lies mostly in the lower tail, where log Φ is accurate.
 */
export function logGaussMass(a: number, b: number): number {
  if (!(a < b)) return Number.NEGATIVE_INFINITY;
  if (b <= 0) {
    const logB = logNormalCdf(b);
    return logB + log1mexp(logNormalCdf(a) - logB);
  }
  if (a >= 0) {
    const logMinusA = logNormalCdf(-a);
    return logMinusA + log1mexp(logNormalCdf(-b) - logMinusA);
  }
  // a < 0 < b: at least half of one side is inside; subtract the two outside tails.
  return Math.log1p(-normalCdf(a) - normalCdf(-b));
}

/**
 * A draw from the standard normal truncated to [a, b] (a ≤ 0 ≤ b is the usual case, since TPE
 * kernels are centred inside the search range), given a uniform `u` in [0, 1). The inverse CDF
 * is taken from whichever end keeps precision: the lower tail for targets below one half, the
 * reflected upper tail otherwise.
 */
export function truncatedStandardNormal(a: number, b: number, u: number): number {
  return truncatedStandardNormalGiven(a, b, normalCdf(a), normalCdf(-b), u);
}

/**
 * {@link truncatedStandardNormal} given Φ(a) and Φ(−b), the masses outside the bounds, so that a
 * kernel sampled again and again computes them once.
 */
export function truncatedStandardNormalGiven(a: number, b: number, lowerOutside: number, upperOutside: number, u: number): number {
  if (a >= 0) return -truncatedStandardNormalGiven(-b, -a, upperOutside, lowerOutside, 1 - u);
  const mass = 1 - lowerOutside - upperOutside;
  const target = lowerOutside + u * mass;
  let z: number;
  if (target < 0.5) {
    z = normalQuantile(target);
  } else {
    z = -normalQuantile(upperOutside + (1 - u) * mass);
  }
  if (!(z >= a)) z = a;
  if (!(z <= b)) z = b;
  return z;
}
