import { deriveSeed, Rng, seedOrRandom } from "./rng.js";
import { JOE_KUO_DIMENSIONS, JOE_KUO_DIRECTION_TABLE } from "./sobol-directions.js";

/** Every coordinate is a 32-bit binary fraction before the final conversion to a double. */
const BITS = 32;
const TWO_POW_21 = 2 ** 21;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;
/** With 32-bit direction numbers the sequence has 2^32 distinct points, indices 0 … 2^32 − 1. */
const LAST_INDEX = TWO_POW_32 - 1;

/** Options shared by {@link SobolSequence} and {@link sobolPoint}. */
export interface SobolOptions {
  /**
   * Randomize the sequence with a random linear matrix scramble and a digital shift
   * (Matoušek 1998; Owen 1995). Defaults to `true`. Unscrambled points start at exactly 0.
   */
  scramble?: boolean;
  /** Seed of the scramble. Without one a random seed is used, so runs differ. */
  seed?: number;
  /** Index of the first point `next()` returns; earlier points are skipped. Defaults to 0. */
  skip?: number;
}

/**
 * Unscrambled direction numbers of all shipped dimensions, `BITS` per dimension, dimension-major.
 * Entry `k` of a dimension is `v_{k+1}` as a 32-bit fraction, so bit `k` of an index's Gray code
 * toggles it. Built once, on first use.
 */
let sharedDirections: Uint32Array | null = null;

function unscrambledDirections(): Uint32Array {
  if (sharedDirections === null) sharedDirections = buildDirections();
  return sharedDirections;
}

function buildDirections(): Uint32Array {
  const table = new Uint32Array(JOE_KUO_DIMENSIONS * BITS);
  // Dimension 1 is the van der Corput sequence in base 2: v_k = 2^-k.
  for (let k = 0; k < BITS; k++) table[k] = (1 << (BITS - 1 - k)) >>> 0;

  const lines = JOE_KUO_DIRECTION_TABLE.split("\n");
  if (lines.length !== JOE_KUO_DIMENSIONS - 1) {
    throw new Error(`Sobol direction table has ${lines.length + 1} dimensions, expected ${JOE_KUO_DIMENSIONS}`);
  }
  for (let row = 0; row < lines.length; row++) {
    const fields = lines[row]!.trim().split(/\s+/).map(Number);
    const [dimensionNumber, degree, coefficients] = fields as [number, number, number];
    if (dimensionNumber !== row + 2 || fields.length !== degree + 3) {
      throw new Error(`Malformed Sobol direction table line ${row + 1}: "${lines[row]}"`);
    }
    const base = (row + 1) * BITS;
    for (let k = 0; k < degree; k++) {
      // m_{k+1} < 2^{k+1}, so shifting it to a 32-bit fraction of weight 2^-(k+1) cannot overflow.
      table[base + k] = (fields[3 + k]! << (BITS - 1 - k)) >>> 0;
    }
    // Sobol's recurrence, written on the scaled numbers v_k = m_k / 2^k so everything stays within
    // 32 bits: v_k = v_{k-s} ⊕ (v_{k-s} >> s) ⊕ a_1 v_{k-1} ⊕ … ⊕ a_{s-1} v_{k-s+1}.
    for (let k = degree; k < BITS; k++) {
      const older = table[base + k - degree]!;
      let value = older ^ (older >>> degree);
      for (let i = 1; i < degree; i++) {
        if ((coefficients >>> (degree - 1 - i)) & 1) value ^= table[base + k - i]!;
      }
      table[base + k] = value >>> 0;
    }
  }
  return table;
}

/** Number of trailing zero bits of a positive integer below 2^32 (32 for 2^32 itself). */
function trailingZeros(n: number): number {
  if (n === TWO_POW_32) return 32;
  return 31 - Math.clz32(n & -n);
}

/** Parity (XOR of all bits) of a 32-bit integer. */
function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new Error(`Sobol dimension must be a positive integer, got ${dimension}`);
  }
  if (dimension > JOE_KUO_DIMENSIONS) {
    throw new Error(
      `Sobol dimension ${dimension} exceeds the ${JOE_KUO_DIMENSIONS} dimensions of the shipped ` +
        `Joe–Kuo direction numbers`,
    );
  }
}

function checkIndex(index: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index > LAST_INDEX) {
    throw new Error(`Sobol ${what} must be an integer in [0, 2^32 - 1], got ${index}`);
  }
}

/**
 * The Sobol low-discrepancy sequence (Sobol 1967) in up to {@link SobolSequence.maxDimension}
 * dimensions, with the direction numbers of Joe and Kuo (2008, set "new-joe-kuo-6.21201"), generated
 * in Gray-code order (Antonov and Saleev 1979) with 32-bit precision.
 *
 * By default the sequence is randomized, as SciPy's `qmc.Sobol` does: each dimension's direction
 * numbers are multiplied by a random nonsingular lower-triangular binary matrix (the linear matrix
 * scramble of Matoušek 1998) and every point is XOR-ed with a random digital shift (Owen 1995).
 * Both preserve the (t, m, s)-net structure, so the first 2^m points stay perfectly stratified,
 * while the points become unbiased uniform draws. The digital shift is carried to 53 bits with its
 * last bit set, so scrambled coordinates lie strictly inside (0, 1). Dimension `j`'s scramble
 * depends only on the seed and `j`, so a sequence's first dimensions match those of a wider one
 * with the same seed.
 *
 * References: I. M. Sobol', "On the distribution of points in a cube and the approximate evaluation
 * of integrals", USSR Comput. Math. Math. Phys. 7(4), 1967. S. Joe and F. Y. Kuo, "Constructing
 * Sobol sequences with better two-dimensional projections", SIAM J. Sci. Comput. 30(5), 2008.
 * J. Matoušek, "On the L2-discrepancy for anchored boxes", J. Complexity 14(4), 1998. A. B. Owen,
 * "Randomly permuted (t,m,s)-nets and (t,s)-sequences", 1995.
 *
 * @example
 * const sobol = new SobolSequence(3, { seed: 7 });
 * const first = sobol.next();          // Float64Array of length 3, in (0, 1)^3
 * const more = sobol.nextBatch(1023);  // together with `first`, a 1024-point net
 * sobol.pointAt(5);                    // the point with index 5, without moving `next()`
 */
export class SobolSequence {
  /** The largest supported dimension: the number of dimensions of the shipped direction table. */
  static readonly maxDimension: number = JOE_KUO_DIMENSIONS;

  /** Number of coordinates of each point. */
  readonly dimension: number;
  /** Whether points are scrambled (randomized) or the plain Sobol sequence. */
  readonly scrambled: boolean;
  /** Seed of the scramble (also set, but unused, for an unscrambled sequence). */
  readonly seed: number;

  /** Direction numbers (scrambled when `scrambled`), `BITS` per dimension. */
  private readonly directions: Uint32Array;
  /** Per-dimension digital shift of the 32 leading bits. */
  private readonly shiftHigh: Uint32Array;
  /** Per-dimension 21 further shift bits, odd so that no coordinate is ever exactly 0. */
  private readonly shiftLow: Uint32Array;
  /** The unshifted 32-bit coordinates of the point `next()` returns. */
  private readonly state: Uint32Array;
  private index: number;

  constructor(dimension: number, options: SobolOptions = {}) {
    checkDimension(dimension);
    const skip = options.skip ?? 0;
    checkIndex(skip, "skip");
    this.dimension = dimension;
    this.scrambled = options.scramble ?? true;
    this.seed = seedOrRandom(options.seed, "SobolSequence");
    this.shiftHigh = new Uint32Array(dimension);
    this.shiftLow = new Uint32Array(dimension);

    const shared = unscrambledDirections();
    if (!this.scrambled) {
      this.directions = shared.slice(0, dimension * BITS);
    } else {
      this.directions = new Uint32Array(dimension * BITS);
      for (let j = 0; j < dimension; j++) this.scrambleDimension(j, shared);
    }

    this.state = new Uint32Array(dimension);
    this.index = skip;
    this.integerPoint(skip, this.state);
  }

  /** Index of the point the next call to {@link SobolSequence.next} returns. */
  get nextIndex(): number {
    return this.index;
  }

  /**
   * Returns the next point, in [0, 1)^d (strictly inside when scrambled), and advances by one.
   * Writes into `out` when given (its length must be at least `dimension`).
   */
  next(out?: Float64Array): Float64Array {
    if (this.index > LAST_INDEX) {
      throw new Error("Sobol sequence exhausted: 32-bit direction numbers give 2^32 points");
    }
    const point = this.output(out);
    this.toFraction(this.state, point);
    const following = this.index + 1;
    if (following <= LAST_INDEX) {
      // Gray-code order: consecutive points differ by one direction number per dimension.
      const bit = trailingZeros(following);
      for (let j = 0; j < this.dimension; j++) this.state[j] ^= this.directions[j * BITS + bit]!;
    }
    this.index = following;
    return point;
  }

  /** The next `count` points, each a fresh Float64Array. */
  nextBatch(count: number): Float64Array[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error(`Sobol batch size must be a non-negative integer, got ${count}`);
    }
    const points: Float64Array[] = [];
    for (let i = 0; i < count; i++) points.push(this.next());
    return points;
  }

  /**
   * The point with the given index (0-based, counting skipped points), without changing what
   * `next()` returns. Costs O(32 · dimension), independent of the index.
   */
  pointAt(index: number, out?: Float64Array): Float64Array {
    checkIndex(index, "index");
    const integers = new Uint32Array(this.dimension);
    this.integerPoint(index, integers);
    const point = this.output(out);
    this.toFraction(integers, point);
    return point;
  }

  private output(out: Float64Array | undefined): Float64Array {
    if (out === undefined) return new Float64Array(this.dimension);
    if (out.length < this.dimension) {
      throw new Error(`Output array has length ${out.length}, needs at least ${this.dimension}`);
    }
    return out;
  }

  /** The unshifted coordinates of point `index`: XOR of the directions picked by its Gray code. */
  private integerPoint(index: number, target: Uint32Array): void {
    target.fill(0);
    let gray = (index ^ (index >>> 1)) >>> 0;
    while (gray !== 0) {
      const bit = trailingZeros(gray);
      gray = (gray & (gray - 1)) >>> 0;
      for (let j = 0; j < this.dimension; j++) target[j] ^= this.directions[j * BITS + bit]!;
    }
  }

  private toFraction(integers: Uint32Array, point: Float64Array): void {
    if (!this.scrambled) {
      for (let j = 0; j < this.dimension; j++) point[j] = integers[j]! / TWO_POW_32;
      return;
    }
    for (let j = 0; j < this.dimension; j++) {
      const high = (integers[j]! ^ this.shiftHigh[j]!) >>> 0;
      // high · 2^21 + low < 2^53, so the sum and the division by a power of two are both exact.
      point[j] = (high * TWO_POW_21 + this.shiftLow[j]!) / TWO_POW_53;
    }
  }

  /**
   * Matoušek's linear matrix scramble of dimension `j`: every direction number is multiplied by
   * one random lower-triangular binary matrix with a unit diagonal, whose output bit `i` (counting
   * from the most significant) mixes input bits 0 … i. Then the digital shift is drawn.
   */
  private scrambleDimension(j: number, shared: Uint32Array): void {
    const rng = new Rng(deriveSeed(this.seed, "sobol-scramble", j));
    const rows = new Uint32Array(BITS);
    for (let i = 0; i < BITS; i++) {
      const diagonal = BITS - 1 - i;
      const random = rng.nextUint32();
      // Keep only the bits more significant than the diagonal (none for the leading row).
      const above = diagonal === BITS - 1 ? 0 : (random >>> (diagonal + 1)) << (diagonal + 1);
      rows[i] = (above | (1 << diagonal)) >>> 0;
    }
    for (let k = 0; k < BITS; k++) {
      const direction = shared[j * BITS + k]!;
      let scrambled = 0;
      for (let i = 0; i < BITS; i++) {
        if (parity(rows[i]! & direction)) scrambled |= 1 << (BITS - 1 - i);
      }
      this.directions[j * BITS + k] = scrambled >>> 0;
    }
    this.shiftHigh[j] = rng.nextUint32();
    this.shiftLow[j] = (rng.nextUint32() >>> 11) | 1;
  }
}

/** Recently built sequences for {@link sobolPoint}, so repeated calls skip the scramble setup. */
const pointCache = new Map<string, SobolSequence>();
const POINT_CACHE_SIZE = 8;

/**
 * Random access to the Sobol sequence (Sobol 1967; Joe and Kuo 2008): the point with the given
 * index, as `new SobolSequence(dimension, options)` would produce it, in O(32 · dimension) time.
 * Samplers use it to give trial `k` the `k`-th point deterministically. Pass a `seed` when
 * scrambling (the default; Matoušek 1998 with an Owen-style digital shift), or every call draws a
 * different random scramble. The scrambled directions of the last few (dimension, seed) pairs are
 * cached.
 *
 * @example
 * const x = sobolPoint(trialNumber, 4, { seed: 42 }); // same point on every call and machine
 */
export function sobolPoint(
  index: number,
  dimension: number,
  options: Omit<SobolOptions, "skip"> = {},
): Float64Array {
  checkIndex(index, "index");
  const scramble = options.scramble ?? true;
  if (scramble && options.seed === undefined) {
    return new SobolSequence(dimension, { scramble }).pointAt(index);
  }
  const key = `${dimension}:${scramble}:${options.seed ?? 0}`;
  let sequence = pointCache.get(key);
  if (sequence === undefined) {
    sequence = new SobolSequence(dimension, { scramble, seed: options.seed ?? 0 });
    if (pointCache.size >= POINT_CACHE_SIZE) pointCache.delete(pointCache.keys().next().value!);
    pointCache.set(key, sequence);
  }
  return sequence.pointAt(index);
}
