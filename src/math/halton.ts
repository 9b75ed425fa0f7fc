import { deriveSeed, Rng, seedOrRandom } from "./rng.js";

const TWO_POW_53 = 2 ** 53;
/** Points are indexed like the Sobol sequence's, by integers 0 … 2^32 − 1. */
const LAST_INDEX = 2 ** 32 - 1;
const MAX_DIMENSION = 10_000;

/** Options shared by {@link HaltonSequence} and {@link haltonPoint}. */
export interface HaltonOptions {
  /**
   * Randomize the sequence by random digit permutations (Owen-style, as SciPy's
   * `qmc.Halton(scramble=True)`). Defaults to `true`. The unscrambled sequence starts at 0.
   */
  scramble?: boolean;
  /** Seed of the permutations. Without one a random seed is used, so runs differ. */
  seed?: number;
  /** Index of the first point `next()` returns; earlier points are skipped. Defaults to 0. */
  skip?: number;
}

let primeCache: number[] = [2];

/**
 * The first `count` prime numbers, in increasing order; Halton's sequence uses them as bases.
 * Grown by trial division against the primes already known, and cached.
 *
 * @example
 * firstPrimes(5); // [2, 3, 5, 7, 11]
 */
export function firstPrimes(count: number): number[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`Prime count must be a non-negative integer, got ${count}`);
  }
  if (primeCache.length < count) {
    const primes = primeCache.slice();
    for (let candidate = primes[primes.length - 1]! + 1; primes.length < count; candidate++) {
      let isPrime = true;
      for (const p of primes) {
        if (p * p > candidate) break;
        if (candidate % p === 0) {
          isPrime = false;
          break;
        }
      }
      if (isPrime) primes.push(candidate);
    }
    primeCache = primes;
  }
  return primeCache.slice(0, count);
}

/**
 * The (optionally scrambled) radical inverse in one base. A point's coordinate is the integer
 * Σ_j π_j(d_j) · b^(D−1−j) divided by b^D, where d_j are the index's base-b digits from the least
 * significant, π_j the permutation of digit position j (the identity when unscrambled), and D the
 * largest digit count with b^D ≤ 2^53, so every sum is an exact integer and the quotient is below 1.
 */
class RadicalInverse {
  private readonly digitCount: number;
  private readonly denominator: number;
  /** b^(D−1−j): the integer weight of digit position j. */
  private readonly weights: Float64Array;
  /**
   * Scrambled only: `tail[j]` = Σ_{i ≥ j} π_i(0) · weight_i, the contribution of the leading zero
   * digits of an index with `j` significant digits. Scrambling permutes those zeros too, which
   * is what makes each coordinate uniform rather than just reordered.
   */
  private readonly tail: Float64Array | null;
  private readonly zeroImages: Uint32Array | null;
  /** Digit permutations, built only for positions where some index has a nonzero digit. */
  private readonly permutations: (Uint16Array | Uint32Array | undefined)[] = [];

  constructor(
    private readonly base: number,
    private readonly permutationSeed: number | null,
  ) {
    let digitCount = 0;
    let denominator = 1;
    while (denominator * base <= TWO_POW_53) {
      denominator *= base;
      digitCount++;
    }
    this.digitCount = digitCount;
    this.denominator = denominator;
    this.weights = new Float64Array(digitCount);
    let weight = denominator;
    for (let j = 0; j < digitCount; j++) {
      weight /= base;
      this.weights[j] = weight;
    }

    if (permutationSeed === null) {
      this.tail = null;
      this.zeroImages = null;
      return;
    }
    // Where each position's permutation sends 0 is drawn first and on its own, so that the tail
    // is known without materializing permutations that no index up to 2^32 will ever touch.
    const rng = new Rng(deriveSeed(permutationSeed, "zero"));
    this.zeroImages = new Uint32Array(digitCount);
    for (let j = 0; j < digitCount; j++) this.zeroImages[j] = rng.integer(0, base - 1);
    this.tail = new Float64Array(digitCount + 1);
    for (let j = digitCount - 1; j >= 0; j--) {
      this.tail[j] = this.tail[j + 1]! + this.zeroImages[j]! * this.weights[j]!;
    }
  }

  value(index: number): number {
    let numerator = 0;
    let quotient = index;
    let position = 0;
    while (quotient > 0 && position < this.digitCount) {
      const digit = quotient % this.base;
      quotient = (quotient - digit) / this.base;
      const image = this.tail === null ? digit : this.permute(position, digit);
      numerator += image * this.weights[position]!;
      position++;
    }
    if (this.tail !== null) numerator += this.tail[position]!;
    return numerator / this.denominator;
  }

  private permute(position: number, digit: number): number {
    if (digit === 0) return this.zeroImages![position]!;
    let permutation = this.permutations[position];
    if (permutation === undefined) {
      permutation = this.buildPermutation(position);
      this.permutations[position] = permutation;
    }
    return permutation[digit]!;
  }

  /**
   * A uniformly random permutation of {0 … b−1} that sends 0 to the already drawn zero image:
   * a Fisher–Yates shuffle, then one swap to put that image first. Every permutation with the
   * given image of 0 is reached from exactly b shuffles, so the result is still uniform.
   */
  private buildPermutation(position: number): Uint16Array | Uint32Array {
    const rng = new Rng(deriveSeed(this.permutationSeed!, "permutation", position));
    const permutation = this.base <= 65536 ? new Uint16Array(this.base) : new Uint32Array(this.base);
    for (let i = 0; i < this.base; i++) permutation[i] = i;
    for (let i = this.base - 1; i > 0; i--) {
      const k = Math.floor(rng.uniform() * (i + 1));
      const held = permutation[i]!;
      permutation[i] = permutation[k]!;
      permutation[k] = held;
    }
    const zeroImage = this.zeroImages![position]!;
    const at = permutation.indexOf(zeroImage);
    permutation[at] = permutation[0]!;
    permutation[0] = zeroImage;
    return permutation;
  }
}

function checkIndex(index: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index > LAST_INDEX) {
    throw new Error(`Halton ${what} must be an integer in [0, 2^32 - 1], got ${index}`);
  }
}

/**
 * The Halton low-discrepancy sequence (Halton 1960): coordinate `j` of point `n` is the radical
 * inverse of `n` in the `j`-th prime base (2, 3, 5, 7, …).
 *
 * By default it is scrambled, as SciPy's `qmc.Halton(scramble=True)` is: in every dimension, each
 * digit position gets its own random permutation of the base's digits, applied to the leading
 * zero digits too (random digit permutations in the spirit of Owen 1995 and Matoušek 1998). This
 * removes the strong correlation between high dimensions of the plain sequence and makes every
 * coordinate uniform, while the first b^k points still fill each base-b interval of width b^-k
 * once. Points lie in [0, 1)^d. Dimension `j`'s permutations depend only on the seed and `j`.
 * Permutations are built lazily, per digit position actually reached, so memory stays modest even
 * in a thousand dimensions.
 *
 * References: J. H. Halton, "On the efficiency of certain quasi-random sequences of points in
 * evaluating multi-dimensional integrals", Numer. Math. 2, 1960. A. B. Owen, "A randomized Halton
 * algorithm in R", arXiv:1706.02808, 2017. J. Matoušek, "On the L2-discrepancy for anchored boxes",
 * J. Complexity 14(4), 1998.
 *
 * @example
 * const halton = new HaltonSequence(2, { seed: 3 });
 * halton.next();         // Float64Array [x, y] in [0, 1)^2
 * halton.nextBatch(99);  // the next 99 points
 * halton.pointAt(17);    // point 17, without moving next()
 */
export class HaltonSequence {
  /** The largest supported dimension; the bases are the first this-many primes. */
  static readonly maxDimension: number = MAX_DIMENSION;

  /** Number of coordinates of each point. */
  readonly dimension: number;
  /** Whether points are scrambled or the plain Halton sequence. */
  readonly scrambled: boolean;
  /** Seed of the permutations (also set, but unused, for an unscrambled sequence). */
  readonly seed: number;
  /** The prime base of each dimension. */
  readonly bases: readonly number[];

  private readonly inverses: RadicalInverse[];
  private index: number;

  constructor(dimension: number, options: HaltonOptions = {}) {
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new Error(`Halton dimension must be a positive integer, got ${dimension}`);
    }
    if (dimension > MAX_DIMENSION) {
      throw new Error(`Halton dimension ${dimension} exceeds the supported maximum of ${MAX_DIMENSION}`);
    }
    const skip = options.skip ?? 0;
    checkIndex(skip, "skip");
    this.dimension = dimension;
    this.scrambled = options.scramble ?? true;
    this.seed = seedOrRandom(options.seed, "HaltonSequence");
    this.bases = firstPrimes(dimension);
    this.inverses = this.bases.map(
      (base, j) => new RadicalInverse(base, this.scrambled ? deriveSeed(this.seed, "halton-scramble", j) : null),
    );
    this.index = skip;
  }

  /** Index of the point the next call to {@link HaltonSequence.next} returns. */
  get nextIndex(): number {
    return this.index;
  }

  /**
   * Returns the next point, in [0, 1)^d, and advances by one. Writes into `out` when given (its
   * length must be at least `dimension`).
   */
  next(out?: Float64Array): Float64Array {
    if (this.index > LAST_INDEX) throw new Error("Halton sequence exhausted after 2^32 points");
    const point = this.pointAt(this.index, out);
    this.index++;
    return point;
  }

  /** The next `count` points, each a fresh Float64Array. */
  nextBatch(count: number): Float64Array[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error(`Halton batch size must be a non-negative integer, got ${count}`);
    }
    const points: Float64Array[] = [];
    for (let i = 0; i < count; i++) points.push(this.next());
    return points;
  }

  /**
   * The point with the given index (0-based, counting skipped points), without changing what
   * `next()` returns. Costs O(digits · dimension).
   */
  pointAt(index: number, out?: Float64Array): Float64Array {
    checkIndex(index, "index");
    let point: Float64Array;
    if (out === undefined) {
      point = new Float64Array(this.dimension);
    } else if (out.length < this.dimension) {
      throw new Error(`Output array has length ${out.length}, needs at least ${this.dimension}`);
    } else {
      point = out;
    }
    for (let j = 0; j < this.dimension; j++) point[j] = this.inverses[j]!.value(index);
    return point;
  }
}

/** Recently built sequences for {@link haltonPoint}, so repeated calls reuse their permutations. */
const pointCache = new Map<string, HaltonSequence>();
const POINT_CACHE_SIZE = 8;

/**
 * Random access to the Halton sequence (Halton 1960): the point with the given index, as
 * `new HaltonSequence(dimension, options)` would produce it. Samplers use it to give trial `k` the
 * `k`-th point deterministically. Pass a `seed` when scrambling (the default; random digit
 * permutations after Owen), or every call draws different permutations. Sequences for the last few
 * (dimension, seed) pairs are cached.
 *
 * @example
 * const x = haltonPoint(trialNumber, 3, { seed: 42 }); // same point on every call and machine
 */
export function haltonPoint(
  index: number,
  dimension: number,
  options: Omit<HaltonOptions, "skip"> = {},
): Float64Array {
  checkIndex(index, "index");
  const scramble = options.scramble ?? true;
  if (scramble && options.seed === undefined) {
    return new HaltonSequence(dimension, { scramble }).pointAt(index);
  }
  const key = `${dimension}:${scramble}:${options.seed ?? 0}`;
  let sequence = pointCache.get(key);
  if (sequence === undefined) {
    sequence = new HaltonSequence(dimension, { scramble, seed: options.seed ?? 0 });
    if (pointCache.size >= POINT_CACHE_SIZE) pointCache.delete(pointCache.keys().next().value!);
    pointCache.set(key, sequence);
  }
  return sequence.pointAt(index);
}
