import { describe, expect, it } from "vitest";
import { firstPrimes, HaltonSequence, haltonPoint } from "./halton.js";

/**
 * Bin of `x` among `bins` equal bins. The small nudge keeps an unscrambled value such as
 * 0.3333…, whose double may sit a hair below 1/3, in the bin that the exact rational falls in.
 */
function binOf(x: number, bins: number): number {
  return Math.floor(x * bins + 1e-9);
}

function isStratified(values: number[], bins: number): boolean {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[binOf(v, bins)]!++;
  return counts.every((c) => c === 1);
}

function column(points: Float64Array[], j: number): number[] {
  return points.map((p) => p[j]!);
}

/** Radical inverse written the schoolbook way, as an independent reference. */
function naiveRadicalInverse(index: number, base: number): number {
  let result = 0;
  let scale = 1 / base;
  for (let n = index; n > 0; n = Math.floor(n / base)) {
    result += (n % base) * scale;
    scale /= base;
  }
  return result;
}

describe("firstPrimes", () => {
  it("lists the primes in order", () => {
    expect(firstPrimes(10)).toEqual([2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    expect(firstPrimes(0)).toEqual([]);
    // The 1000th and 10000th primes.
    expect(firstPrimes(1000)[999]).toBe(7919);
    expect(firstPrimes(10_000)[9999]).toBe(104_729);
  });
});

describe("HaltonSequence, unscrambled", () => {
  it("starts with the radical inverses in bases 2, 3, 5, 7, 11, 13", () => {
    // From SciPy 1.17.1, `scipy.stats.qmc.Halton(6, scramble=False).random(10)`; by hand, point 5
    // is 101₂ → 0.101₂ = 0.625 and 12₃ → 0.21₃ = 7/9.
    const expected = [
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.5, 0.3333333333333333, 0.2, 0.14285714285714285, 0.09090909090909091, 0.07692307692307693],
      [0.25, 0.6666666666666666, 0.4, 0.2857142857142857, 0.18181818181818182, 0.15384615384615385],
      [0.75, 0.1111111111111111, 0.6000000000000001, 0.42857142857142855, 0.2727272727272727, 0.23076923076923078],
      [0.125, 0.4444444444444444, 0.8, 0.5714285714285714, 0.36363636363636365, 0.3076923076923077],
      [0.625, 0.7777777777777777, 0.04, 0.7142857142857142, 0.4545454545454546, 0.38461538461538464],
      [0.375, 0.2222222222222222, 0.24000000000000002, 0.8571428571428571, 0.5454545454545454, 0.46153846153846156],
      [0.875, 0.5555555555555556, 0.44, 0.02040816326530612, 0.6363636363636364, 0.5384615384615385],
      [0.0625, 0.8888888888888888, 0.6400000000000001, 0.16326530612244897, 0.7272727272727273, 0.6153846153846154],
      [0.5625, 0.037037037037037035, 0.8400000000000001, 0.30612244897959184, 0.8181818181818182, 0.6923076923076923],
    ];
    const points = new HaltonSequence(6, { scramble: false }).nextBatch(10);
    points.forEach((point, i) => {
      point.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 14));
    });
    expect(points[5]![0]).toBe(0.625);
    expect(points[5]![1]).toBe(7 / 9);
  });

  it("matches references at a far index in high dimensions", () => {
    // SciPy 1.17.1: `h = qmc.Halton(1000, scramble=False); h.fast_forward(123456); h.random(1)`.
    const dims = [1, 2, 10, 100, 500, 1000];
    const expected = [
      0.00890350341796875, 0.15029325927054932, 0.13084474204736166, 0.20040931936135245, 0.5718312856741913,
      0.5898474421238235,
    ];
    const point = new HaltonSequence(1000, { scramble: false }).pointAt(123_456);
    dims.forEach((d, i) => expect(point[d - 1]).toBeCloseTo(expected[i]!, 14));
    expect(point[0]).toBe(0.00890350341796875);
    const bases = firstPrimes(1000);
    for (let j = 0; j < 1000; j += 37) {
      expect(point[j]).toBeCloseTo(naiveRadicalInverse(123_456, bases[j]!), 13);
    }
  });

  it("puts each of the first b^k points of a base-b dimension in its own bin of width b^-k", () => {
    const points = new HaltonSequence(6, { scramble: false }).nextBatch(2048);
    const bases = [2, 3, 5, 7, 11, 13];
    bases.forEach((base, j) => {
      for (let bins = base; bins <= 2048; bins *= base) {
        expect(isStratified(column(points.slice(0, bins), j), bins)).toBe(true);
      }
    });
  });
});

describe("HaltonSequence, scrambled", () => {
  const seeds = [0, 1, 2024, 0xfeedface];

  it("keeps every point in [0, 1), in a thousand dimensions", () => {
    for (const seed of seeds.slice(0, 2)) {
      let lowest = Infinity;
      let highest = -Infinity;
      for (const point of new HaltonSequence(1000, { seed }).nextBatch(300)) {
        for (const x of point) {
          lowest = Math.min(lowest, x);
          highest = Math.max(highest, x);
        }
      }
      expect(lowest).toBeGreaterThanOrEqual(0);
      expect(highest).toBeLessThan(1);
    }
  });

  it("keeps the stratification of the first b^k points", () => {
    for (const seed of seeds) {
      const halton = new HaltonSequence(8, { seed });
      const points = halton.nextBatch(2197);
      halton.bases.forEach((base, j) => {
        for (let bins = base; bins <= 2197; bins *= base) {
          expect(isStratified(column(points.slice(0, bins), j), bins)).toBe(true);
        }
      });
    }
  });

  it("averages to 0.5 within 0.01 in every dimension over 1024 points", () => {
    for (const seed of seeds) {
      const points = new HaltonSequence(32, { seed }).nextBatch(1024);
      for (let j = 0; j < 32; j++) {
        const mean = column(points, j).reduce((s, x) => s + x, 0) / points.length;
        expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
      }
    }
  });

  it("does not start at the origin and differs from the unscrambled sequence", () => {
    const scrambled = new HaltonSequence(4, { seed: 11 });
    expect(Array.from(scrambled.pointAt(0)).some((x) => x !== 0)).toBe(true);
    expect(scrambled.nextBatch(16)).not.toEqual(new HaltonSequence(4, { scramble: false }).nextBatch(16));
  });

  it("is deterministic under a seed and differs across seeds", () => {
    const a = new HaltonSequence(5, { seed: 42 }).nextBatch(64);
    const b = new HaltonSequence(5, { seed: 42 }).nextBatch(64);
    const c = new HaltonSequence(5, { seed: 43 }).nextBatch(64);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    for (let j = 0; j < 5; j++) expect(c[0]![j]).not.toBe(a[0]![j]);
  });

  it("gives a narrow sequence the leading dimensions of a wider one with the same seed", () => {
    const narrow = new HaltonSequence(3, { seed: 5 }).nextBatch(40);
    const wide = new HaltonSequence(12, { seed: 5 }).nextBatch(40);
    expect(wide.map((p) => p.slice(0, 3))).toEqual(narrow);
  });

  it("decorrelates high dimensions whose plain sequence moves in lockstep", () => {
    // Bases 229 and 233 (dimensions 50 and 51): for the first 229 points the plain coordinates are
    // i/229 and i/233, almost perfectly correlated. Scrambling must break that.
    const correlation = (points: Float64Array[]): number => {
      const xs = column(points, 49);
      const ys = column(points, 50);
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const mx = mean(xs);
      const my = mean(ys);
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < xs.length; i++) {
        sxy += (xs[i]! - mx) * (ys[i]! - my);
        sxx += (xs[i]! - mx) ** 2;
        syy += (ys[i]! - my) ** 2;
      }
      return sxy / Math.sqrt(sxx * syy);
    };
    expect(correlation(new HaltonSequence(51, { scramble: false }).nextBatch(200))).toBeGreaterThan(0.99);
    expect(Math.abs(correlation(new HaltonSequence(51, { seed: 9 }).nextBatch(200)))).toBeLessThan(0.3);
  });
});

describe("random access", () => {
  it("equals sequential generation, from the start and after a skip", () => {
    for (const scramble of [false, true]) {
      const options = { scramble, seed: 77 };
      const sequential = new HaltonSequence(7, options);
      const random = new HaltonSequence(7, options);
      for (let i = 0; i < 2000; i++) {
        const expected = random.pointAt(i);
        expect(sequential.nextIndex).toBe(i);
        expect(sequential.next()).toEqual(expected);
        if (i % 89 === 0) expect(haltonPoint(i, 7, options)).toEqual(expected);
      }
      const skipped = new HaltonSequence(7, { ...options, skip: 1_000_003 });
      for (let i = 1_000_003; i < 1_000_053; i++) expect(skipped.next()).toEqual(random.pointAt(i));
    }
  });

  it("does not depend on the order in which points are requested", () => {
    const forward = new HaltonSequence(3, { seed: 4 });
    const backward = new HaltonSequence(3, { seed: 4 });
    const indices = [0, 5, 40_000, 7, 2 ** 32 - 1, 123];
    const a = indices.map((i) => forward.pointAt(i));
    const b = indices
      .slice()
      .reverse()
      .map((i) => backward.pointAt(i))
      .reverse();
    expect(b).toEqual(a);
  });

  it("writes into a caller's array", () => {
    const halton = new HaltonSequence(3, { seed: 8 });
    const out = new Float64Array(3);
    expect(halton.next(out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(halton.pointAt(0)));
    expect(() => halton.next(new Float64Array(1))).toThrow(/length/);
  });

  it("draws fresh permutations per call when no seed is given", () => {
    expect(haltonPoint(3, 4)).not.toEqual(haltonPoint(3, 4));
  });
});

describe("argument checks", () => {
  it("rejects dimensions beyond the maximum and malformed arguments", () => {
    expect(HaltonSequence.maxDimension).toBeGreaterThanOrEqual(1000);
    expect(() => new HaltonSequence(HaltonSequence.maxDimension + 1)).toThrow(/exceeds/);
    expect(() => new HaltonSequence(0)).toThrow(/positive integer/);
    expect(() => new HaltonSequence(2, { skip: -3 })).toThrow(/skip/);
    expect(() => new HaltonSequence(2, { seed: 1 }).pointAt(2 ** 32)).toThrow(/index/);
    expect(() => new HaltonSequence(2, { seed: 1 }).nextBatch(1.5)).toThrow(/batch/);
    expect(() => firstPrimes(-1)).toThrow(/non-negative/);
  });
});
