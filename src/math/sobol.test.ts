import { describe, expect, it } from "vitest";
import { SobolSequence, sobolPoint } from "./sobol.js";
import { JOE_KUO_DIMENSIONS, JOE_KUO_DIRECTION_TABLE } from "./sobol-directions.js";

const TWO_POW_32 = 2 ** 32;

/** How many of `values` fall in each of `bins` equal bins of [0, 1). */
function binCounts(values: number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.floor(v * bins)]!++;
  return counts;
}

function column(points: Float64Array[], j: number): number[] {
  return points.map((p) => p[j]!);
}

describe("Joe–Kuo direction table", () => {
  it("repeats rows of the published new-joe-kuo-6.21201 file verbatim", () => {
    // Copied by hand from the published text file (columns d, s, a, m_1 … m_s).
    const published = [
      "2 1 0 1",
      "3 2 1 1 3",
      "4 3 1 1 3 1",
      "5 3 2 1 1 1",
      "6 4 1 1 1 3 3",
      "7 4 4 1 3 5 13",
      "14 6 1 1 3 3 9 7 49",
      "38 8 14 1 3 1 15 31 13 49 245",
      "102 10 4 1 3 1 15 5 5 37 227 223 459",
      "299 11 787 1 3 7 11 31 43 13 209 27 1017 501",
      "1000 13 3396 1 1 3 9 3 3 105 201 373 877 919 1263 6649",
      "1111 13 4094 1 1 5 15 19 1 7 211 157 603 403 1387 1583",
    ];
    const rows = JOE_KUO_DIRECTION_TABLE.split("\n");
    expect(rows).toHaveLength(JOE_KUO_DIMENSIONS - 1);
    for (const line of published) {
      const d = Number(line.split(" ")[0]);
      expect(rows[d - 2]).toBe(line);
    }
  });

  it("holds only odd initial direction numbers m_i < 2^i", () => {
    const malformed = JOE_KUO_DIRECTION_TABLE.split("\n").filter((row) => {
      const [, s, , ...m] = row.split(" ").map(Number);
      return m.length !== s || m.some((value, i) => value % 2 !== 1 || value >= 2 ** (i + 1));
    });
    expect(malformed).toEqual([]);
  });
});

describe("SobolSequence, unscrambled", () => {
  it("starts with the textbook two-dimensional points", () => {
    const sobol = new SobolSequence(2, { scramble: false });
    const expected = [
      [0, 0],
      [0.5, 0.5],
      [0.75, 0.25],
      [0.25, 0.75],
      [0.375, 0.375],
      [0.875, 0.875],
    ];
    for (const point of expected) expect(Array.from(sobol.next())).toEqual(point);
  });

  it("matches an independent implementation in the first eight dimensions", () => {
    // From SciPy 1.17.1, `scipy.stats.qmc.Sobol(8, scramble=False).random(16)`, which uses the
    // same Joe–Kuo table. Dimension 3 can also be checked by hand: s = 2, a = 1, m = (1, 3) give
    // m_3 = 2·m_2 ⊕ 4·m_1 ⊕ m_1 = 3 and m_4 = 2·m_3 ⊕ 4·m_2 ⊕ m_2 = 9, so v = (1/2, 3/4, 3/8, 9/16);
    // point 4 (Gray code 110) is 3/4 ⊕ 3/8 = 0.625 and point 8 (Gray code 1100) is 3/8 ⊕ 9/16 = 0.9375.
    const expected = [
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75],
      [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25],
      [0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875],
      [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375],
      [0.625, 0.125, 0.875, 0.625, 0.625, 0.875, 0.125, 0.125],
      [0.125, 0.625, 0.375, 0.125, 0.125, 0.375, 0.625, 0.625],
      [0.1875, 0.3125, 0.9375, 0.4375, 0.5625, 0.3125, 0.4375, 0.9375],
      [0.6875, 0.8125, 0.4375, 0.9375, 0.0625, 0.8125, 0.9375, 0.4375],
      [0.9375, 0.0625, 0.6875, 0.1875, 0.3125, 0.5625, 0.1875, 0.1875],
      [0.4375, 0.5625, 0.1875, 0.6875, 0.8125, 0.0625, 0.6875, 0.6875],
      [0.3125, 0.1875, 0.3125, 0.5625, 0.9375, 0.4375, 0.0625, 0.0625],
      [0.8125, 0.6875, 0.8125, 0.0625, 0.4375, 0.9375, 0.5625, 0.5625],
      [0.5625, 0.4375, 0.0625, 0.8125, 0.1875, 0.6875, 0.3125, 0.8125],
      [0.0625, 0.9375, 0.5625, 0.3125, 0.6875, 0.1875, 0.8125, 0.3125],
    ];
    const points = new SobolSequence(8, { scramble: false }).nextBatch(16);
    expect(points.map((p) => Array.from(p))).toEqual(expected);
  });

  it("matches an independent implementation at far indices and high dimensions", () => {
    // 32-bit integers (coordinate · 2^32) from SciPy 1.17.1:
    // `s = qmc.Sobol(1111, scramble=False, bits=32); s.fast_forward(index); s.random(1)`.
    const dims = [1, 2, 3, 10, 100, 500, 1000, 1110, 1111];
    const expected: Record<number, number[]> = {
      5: [3758096384, 3758096384, 536870912, 536870912, 1610612736, 536870912, 2684354560, 1610612736, 1610612736],
      100: [1778384896, 1107296256, 3321888768, 2986344448, 3791650816, 2113929216, 3925868544, 1040187392, 1979711488],
      1000: [943718400, 415236096, 2227175424, 297795584, 801112064, 1094713344, 859832320, 4248829952, 1589641216],
      12345: [2752774144, 3493593088, 688652288, 1845231616, 2314469376, 4057202688, 562823168, 1167851520, 1851523072],
      1048583: [536877056, 3623909376, 3455612928, 1674016768, 1677187072, 4208420864, 2648205312, 2380597248, 3934697472],
    };
    const sobol = new SobolSequence(1111, { scramble: false });
    for (const [index, values] of Object.entries(expected)) {
      const point = sobol.pointAt(Number(index));
      expect(dims.map((d) => point[d - 1]! * TWO_POW_32)).toEqual(values);
    }
    // Same source, three dimensions, the last points that 32 bits can index.
    const small = new SobolSequence(3, { scramble: false });
    expect(Array.from(small.pointAt(4_000_000_000), (x) => x * TWO_POW_32)).toEqual([4029081, 1592571143, 3353822765]);
    expect(Array.from(small.pointAt(TWO_POW_32 - 1), (x) => x * TWO_POW_32)).toEqual([1, 4294967295, 3305133397]);
  });

  it("puts each of the first 2^k points of a dimension in its own bin of width 2^-k", () => {
    const dimension = JOE_KUO_DIMENSIONS;
    const points = new SobolSequence(dimension, { scramble: false }).nextBatch(1024);
    for (let j = 0; j < dimension; j++) {
      for (const k of [1, 4, 10]) {
        expect(binCounts(column(points.slice(0, 2 ** k), j), 2 ** k).every((c) => c === 1)).toBe(true);
      }
    }
  });

  it("stratifies every aligned block of 2^k consecutive points, not only the first", () => {
    const points = new SobolSequence(40, { scramble: false, skip: 3 * 256 }).nextBatch(256);
    for (let j = 0; j < 40; j++) {
      expect(binCounts(column(points, j), 256).every((c) => c === 1)).toBe(true);
    }
  });
});

describe("SobolSequence, scrambled", () => {
  const seeds = [0, 1, 12345, 0xdeadbeef];

  it("keeps every point strictly inside (0, 1)", () => {
    for (const seed of seeds) {
      let lowest = Infinity;
      let highest = -Infinity;
      for (const point of new SobolSequence(24, { seed }).nextBatch(4096)) {
        for (const x of point) {
          lowest = Math.min(lowest, x);
          highest = Math.max(highest, x);
        }
      }
      expect(lowest).toBeGreaterThan(0);
      expect(highest).toBeLessThan(1);
    }
  });

  it("keeps the one-dimensional stratification of the first 2^m points", () => {
    const dims = [0, 1, 2, 7, 30, 99, 500, 1110];
    for (const seed of seeds) {
      const points = new SobolSequence(JOE_KUO_DIMENSIONS, { seed }).nextBatch(512);
      for (const j of dims) {
        for (const m of [3, 6, 9]) {
          expect(binCounts(column(points.slice(0, 2 ** m), j), 2 ** m).every((c) => c === 1)).toBe(true);
        }
      }
    }
  });

  it("keeps the first two dimensions a (0, m, 2)-net", () => {
    // Dimensions 1 and 2 of Sobol's sequence have quality t = 0: every dyadic box of area 2^-m
    // holds exactly one of the first 2^m points. A linear scramble plus shift must preserve that.
    const m = 8;
    for (const seed of seeds) {
      const points = new SobolSequence(2, { seed }).nextBatch(2 ** m);
      for (let a = 0; a <= m; a++) {
        const seen = new Set<number>();
        for (const [x, y] of points.map((p) => [p[0]!, p[1]!] as const)) {
          seen.add(Math.floor(x * 2 ** a) * 2 ** (m - a) + Math.floor(y * 2 ** (m - a)));
        }
        expect(seen.size).toBe(2 ** m);
      }
    }
  });

  it("averages to 0.5 within 0.01 in every dimension over 1024 points", () => {
    for (const seed of seeds) {
      const points = new SobolSequence(64, { seed }).nextBatch(1024);
      for (let j = 0; j < 64; j++) {
        const mean = column(points, j).reduce((s, x) => s + x, 0) / points.length;
        expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
      }
    }
  });

  it("is deterministic under a seed and differs across seeds", () => {
    const a = new SobolSequence(5, { seed: 99 }).nextBatch(64);
    const b = new SobolSequence(5, { seed: 99 }).nextBatch(64);
    const c = new SobolSequence(5, { seed: 100 }).nextBatch(64);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // Not merely a reordering: the same index lands elsewhere under another seed.
    for (let j = 0; j < 5; j++) expect(c[0]![j]).not.toBe(a[0]![j]);
  });

  it("gives a narrow sequence the leading dimensions of a wider one with the same seed", () => {
    const narrow = new SobolSequence(3, { seed: 5 }).nextBatch(32);
    const wide = new SobolSequence(10, { seed: 5 }).nextBatch(32);
    expect(wide.map((p) => p.slice(0, 3))).toEqual(narrow);
  });

  it("differs from the unscrambled sequence", () => {
    const plain = new SobolSequence(4, { scramble: false }).nextBatch(16);
    const scrambled = new SobolSequence(4, { seed: 3 }).nextBatch(16);
    expect(scrambled).not.toEqual(plain);
  });
});

describe("random access", () => {
  it("equals sequential generation, from the start and after a skip", () => {
    for (const scramble of [false, true]) {
      const options = { scramble, seed: 77 };
      const sequential = new SobolSequence(6, options);
      const random = new SobolSequence(6, options);
      for (let i = 0; i < 3000; i++) {
        const expected = random.pointAt(i);
        expect(sequential.nextIndex).toBe(i);
        expect(sequential.next()).toEqual(expected);
        if (i % 97 === 0) expect(sobolPoint(i, 6, options)).toEqual(expected);
      }
      const skipped = new SobolSequence(6, { ...options, skip: 123_456 });
      for (let i = 123_456; i < 123_556; i++) expect(skipped.next()).toEqual(random.pointAt(i));
    }
  });

  it("reaches the last 32-bit index and then refuses to go on", () => {
    const last = TWO_POW_32 - 1;
    const sobol = new SobolSequence(3, { seed: 1, skip: last - 2 });
    const reference = new SobolSequence(3, { seed: 1 });
    for (let i = last - 2; i <= last; i++) expect(sobol.next()).toEqual(reference.pointAt(i));
    expect(() => sobol.next()).toThrow(/exhausted/);
    expect(() => reference.pointAt(TWO_POW_32)).toThrow(/index/);
  });

  it("writes into a caller's array without moving pointAt's sequence", () => {
    const sobol = new SobolSequence(3, { seed: 8 });
    const out = new Float64Array(3);
    const first = sobol.next(out);
    expect(first).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(sobol.pointAt(0)));
    expect(sobol.nextIndex).toBe(1);
    expect(() => sobol.next(new Float64Array(2))).toThrow(/length/);
  });

  it("draws a fresh scramble per call when no seed is given", () => {
    expect(sobolPoint(3, 4)).not.toEqual(sobolPoint(3, 4));
  });
});

describe("argument checks", () => {
  it("rejects dimensions beyond the shipped table with a clear message", () => {
    expect(SobolSequence.maxDimension).toBe(1111);
    expect(() => new SobolSequence(1112)).toThrow(/1112 exceeds the 1111 dimensions/);
    expect(() => sobolPoint(0, 5000, { seed: 1 })).toThrow(/exceeds/);
    expect(() => new SobolSequence(1111, { seed: 1 })).not.toThrow();
  });

  it("rejects malformed dimensions, skips and batch sizes", () => {
    expect(() => new SobolSequence(0)).toThrow(/positive integer/);
    expect(() => new SobolSequence(2.5)).toThrow(/positive integer/);
    expect(() => new SobolSequence(2, { skip: -1 })).toThrow(/skip/);
    expect(() => new SobolSequence(2, { skip: 0.5 })).toThrow(/skip/);
    expect(() => new SobolSequence(2, { seed: 1 }).nextBatch(-1)).toThrow(/batch/);
  });
});
