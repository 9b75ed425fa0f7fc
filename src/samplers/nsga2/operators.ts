/**
 * Variation operators of NSGA-II on the unit cube: simulated binary crossover and polynomial
 * mutation for numeric coordinates (Deb and Agrawal 1995, "Simulated binary crossover for
 * continuous search space", Complex Systems 9; the bounded forms of Deb's NSGA-II reference
 * code), uniform crossover and uniform resampling for categorical ones. Every coordinate stays in
 * [0, 1]. Internal to the NSGA family.
 */
import type { Rng } from "../../math/rng.js";

/** Coordinates closer than this are treated as equal: SBX has nothing to spread. */
const SAME = 1e-14;

/**
 * One child of simulated binary crossover of `a` and `b` in [0, 1]: the spread factor follows
 * Deb's bounded distribution with index `eta` (larger keeps the child nearer its parents), so the
 * child never leaves the interval.
 */
export function simulatedBinaryCrossover(rng: Rng, a: number, b: number, eta: number): number {
  if (Math.abs(a - b) <= SAME) return a;
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  const span = high - low;
  const exponent = 1 / (eta + 1);
  const u = rng.uniform();
  const spreadFactor = (beta: number): number => {
    const alpha = 2 - beta ** -(eta + 1);
    return u <= 1 / alpha ? (u * alpha) ** exponent : (1 / (2 - u * alpha)) ** exponent;
  };
  // The same u for both children makes them symmetric about the parents' midpoint, as in SBX.
  const towardLow = 0.5 * (low + high - spreadFactor(1 + (2 * low) / span) * span);
  const towardHigh = 0.5 * (low + high + spreadFactor(1 + (2 * (1 - high)) / span) * span);
  const child = rng.uniform() < 0.5 ? towardLow : towardHigh;
  return Math.min(1, Math.max(0, child));
}

/**
 * Polynomial mutation of `x` in [0, 1] with distribution index `eta`: a perturbation whose
 * density is polynomial in its size and shrinks near the bound it moves toward, so the result
 * stays inside.
 */
export function polynomialMutation(rng: Rng, x: number, eta: number): number {
  const exponent = 1 / (eta + 1);
  const u = rng.uniform();
  // Moving down, the step's distribution is scaled by how near x is to 0 (and mirrored moving
  // up), which is what keeps the result inside without clipping doing the work.
  let shift: number;
  if (u < 0.5) {
    const nearLow = 1 - x;
    shift = (2 * u + (1 - 2 * u) * nearLow ** (eta + 1)) ** exponent - 1;
  } else {
    const nearHigh = x;
    shift = 1 - (2 * (1 - u) + 2 * (u - 0.5) * nearHigh ** (eta + 1)) ** exponent;
  }
  return Math.min(1, Math.max(0, x + shift));
}

/** Settings of {@link makeChild}. */
export interface VariationSettings {
  /** Probability that two parents are crossed at all (otherwise the child copies the first). */
  readonly crossoverProb: number;
  /** Per coordinate, the probability that a crossed child takes the second parent's categorical value. */
  readonly swappingProb: number;
  /** Per coordinate, the probability of mutation; null means 1 / dimension. */
  readonly mutationProb: number | null;
  readonly crossoverEta: number;
  readonly mutationEta: number;
}

/**
 * A child of two encoded parents: crossover (SBX on numeric coordinates, uniform on categorical
 * ones), then mutation (polynomial on numeric, a uniformly drawn cell on categorical, where
 * `categoricalSizes[i]` is the number of choices of coordinate i, 0 for numeric).
 */
export function makeChild(
  rng: Rng,
  first: Float64Array,
  second: Float64Array,
  categoricalSizes: readonly number[],
  settings: VariationSettings,
): Float64Array {
  const d = first.length;
  const child = Float64Array.from(first);
  if (rng.uniform() < settings.crossoverProb) {
    for (let i = 0; i < d; i++) {
      if (categoricalSizes[i]! > 0) {
        if (rng.uniform() < settings.swappingProb) child[i] = second[i]!;
      } else {
        child[i] = simulatedBinaryCrossover(rng, first[i]!, second[i]!, settings.crossoverEta);
      }
    }
  }
  const mutationProb = settings.mutationProb ?? 1 / Math.max(1, d);
  for (let i = 0; i < d; i++) {
    if (!(rng.uniform() < mutationProb)) continue;
    const size = categoricalSizes[i]!;
    child[i] = size > 0 ? (rng.integer(0, size - 1) + 0.5) / size : polynomialMutation(rng, child[i]!, settings.mutationEta);
  }
  return child;
}
