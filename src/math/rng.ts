/**
 * A small, fast, seedable pseudo-random number generator (xoshiro128** by Blackman and Vigna),
 * seeded through SplitMix32 so that nearby seeds give unrelated streams.
 *
 * Every sampler owns one of these, or derives one per trial with {@link deriveSeed}, so that the
 * same seed and the same history always give the same suggestion.
 *
 * @example
 * const rng = new Rng(42);
 * rng.uniform();        // in [0, 1)
 * rng.normal();         // standard normal
 * rng.integer(0, 9);    // in {0, …, 9}
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: number | string = randomSeed()) {
    let x = typeof seed === "string" ? hashString(seed) : seed >>> 0 ^ Math.floor(seed / 2 ** 32);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform double in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A uniform integer in {low, …, high}, both ends included. */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low + 1));
  }

  /** A standard normal draw (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)]!;
  }

  /** An index drawn with probability proportional to the non-negative `weights`. */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let target = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i]!;
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit FNV-1a hash of a string, used to turn names into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Combines a base seed with any number of labels (a trial number, a parameter name) into a new
 * 32-bit seed. Samplers use it to give each trial its own stream, so a suggestion depends only on
 * the seed, the trial number and the history, not on how many draws other trials made.
 */
export function deriveSeed(base: number, ...labels: (number | string)[]): number {
  // Mix the base on its own first: otherwise (base ^ label) collides, e.g. seed 2 with trial 1
  // and seed 3 with trial 0 would share a stream.
  let h = Math.imul((base >>> 0) ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // The bits above 32 (and a negative sign): without them seeds 1 and 2³² + 1, or -1 and 2³² − 1,
  // gave every sampler the same stream. Seeds in [0, 2³²) skip this and keep their streams.
  const high = Math.floor(base / 2 ** 32);
  if (high !== 0) {
    h = Math.imul(h ^ ((high >>> 0) ^ Math.floor(high / 2 ** 32)) ^ 0x27d4eb2f, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
  }
  for (const label of labels) {
    const v = typeof label === "number" ? label >>> 0 ^ Math.floor(label / 2 ** 32) : hashString(label);
    h = Math.imul(h ^ v, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** A seed from the operating system's clock and Math.random, for samplers created without one. */
/**
 * `seed` checked, or a random one when it is undefined. A seed that is not a whole number was taken
 * and truncated: `Number(process.env.SEED)` with SEED unset gave NaN, and every such "unseeded" run
 * was the same one; 1.5 ran as 1.
 *
 * @example
 * this.seed = seedOrRandom(options.seed, "TPESampler");
 */
export function seedOrRandom(seed: number | undefined, owner: string): number {
  if (seed === undefined) return randomSeed();
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    const limit = typeof seed === "number" && Number.isInteger(seed) ? " of at most 2^53 − 1 (9007199254740991) in size" : "";
    throw new RangeError(`${owner}: seed must be a whole number${limit}, got ${typeof seed === "number" ? String(seed) : JSON.stringify(seed)}`);
  }
  return seed;
}

export function randomSeed(): number {
  return (Math.floor(Math.random() * 2 ** 32) ^ Date.now()) >>> 0;
}
