import { describe, expect, it } from "vitest";
import { Rng } from "../../index.js";
import {
  averageRanks,
  chiSquareSurvival,
  cliques,
  friedmanFromAverageRanks,
  friedmanTest,
  fSurvival,
  nemenyiCriticalDifference,
  spearman,
  starDiscrepancy,
} from "./stats.js";

describe("ranks and Friedman", () => {
  it("gives tied values the mean of their ranks", () => {
    expect(averageRanks([0.3, 0.1, 0.3])).toEqual([2.5, 1, 2.5]);
    expect(averageRanks([5, 5, 5, 5])).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it("reproduces Demšar's (2006) worked example: four C4.5 variants on 14 data sets", () => {
    const result = friedmanFromAverageRanks([3.143, 2.0, 2.893, 1.964], 14);
    expect(result.chiSquare).toBeCloseTo(9.28, 1);
    expect(result.imanDavenportF).toBeCloseTo(3.69, 1);
    // F(3, 39) critical value at α = 0.05 is 2.85, so the null hypothesis is rejected (p ≈ 0.02).
    expect(result.imanDavenportPValue).toBeLessThan(0.05);
    expect(nemenyiCriticalDifference(4, 14)).toBeCloseTo(1.25, 2);
  });

  it("matches a table worked by hand", () => {
    // Row ranks [1,2,3] [1,3,2] [1,2,3] [2,1,3]: sums 5, 8, 11; χ² = 12·4/(3·4)·(1.25²+2²+2.75² − 3·4²/4) = 4.5.
    const result = friedmanTest([
      [1, 2, 3],
      [1, 3, 2],
      [1, 2, 3],
      [2, 1, 3],
    ]);
    expect(result.averageRanks).toEqual([1.25, 2, 2.75]);
    expect(result.chiSquare).toBeCloseTo(4.5, 12);
    expect(result.chiSquarePValue).toBeCloseTo(Math.exp(-2.25), 10); // χ² with 2 df: survival e^(−x/2)
    expect(result.imanDavenportF).toBeCloseTo(13.5 / 3.5, 12);
    expect(result.imanDavenportPValue).toBeCloseTo(0.08374, 4); // scipy.stats.f.sf(13.5/3.5, 2, 6)
  });

  it("corrects the statistic for ties within blocks, as scipy does", () => {
    // scipy.stats.friedmanchisquare on these columns: 1.7142857142857184 (uncorrected 1.2).
    const result = friedmanTest([
      [1, 1, 2],
      [1, 2, 3],
      [2, 2, 1],
      [1, 3, 2],
      [0, 0, 0],
    ]);
    expect(result.chiSquare).toBeCloseTo(1.7142857142857184, 12);
    // Every block a complete tie: no evidence either way.
    expect(friedmanTest([[1, 1], [2, 2]]).chiSquare).toBe(0);
  });

  it("computes chi-square and F tail probabilities", () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05001, 4);
    expect(chiSquareSurvival(9.28, 3)).toBeCloseTo(0.02579, 4);
    expect(fSurvival(2.84, 3, 39)).toBeCloseTo(0.05028, 4);
    expect(fSurvival(3.69, 3, 39)).toBeCloseTo(0.01974, 4);
  });

  it("gives a unanimous ranking, where F is infinite, the exact chance of unanimity, not p = 0", () => {
    const result = friedmanTest([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(result.imanDavenportF).toBe(Infinity);
    // Three blocks agreeing on two treatments: (1/2!)^2, the two-sided sign test's 3 of 3. It used to be 0.
    expect(result.imanDavenportPValue).toBeCloseTo(0.25, 12);
    // Two problems, two optimizers tied on both (the lab's TPE and random share their startup): the
    // second problem's ranking is one of 3 arrangements, so agreeing with the first has chance 1/3.
    const tied = friedmanTest([
      [5, 5, 1],
      [7, 7, 2],
    ]);
    expect(tied.imanDavenportF).toBe(Infinity);
    expect(tied.imanDavenportPValue).toBeCloseTo(1 / 3, 12);
    // Many blocks: unanimity is then strong evidence, as before.
    expect(friedmanTest(Array.from({ length: 12 }, () => [1, 2, 3])).imanDavenportPValue).toBeLessThan(1e-6);
  });

  it("finds a unanimous ranking when rounding leaves χ² a hair below its maximum", () => {
    // Two problems, four optimizers in two tied pairs (TPE and random share their startup, and so
    // do sobol and gp), both problems ranking the pairs alike: χ² is n(k − 1) = 6 in exact
    // arithmetic, 5.999999999999999 in floating point, and F came out 6.8e15 with p = 3e-24,
    // "significant" on two problems. The exact chance is 1/6: 4!/(2!·2!) arrangements.
    const pairs = friedmanTest([
      [1, 1, 2, 2],
      [3, 3, 4, 4],
    ]);
    expect(pairs.imanDavenportF).toBe(Infinity);
    expect(pairs.imanDavenportPValue).toBeCloseTo(1 / 6, 12);
    // Untied, the same rounding struck 11 optimizers on 3 problems: (1/11!)² by the same count.
    const eleven = Array.from({ length: 11 }, (_, i) => i);
    const untied = friedmanTest([eleven, eleven, eleven]);
    expect(untied.imanDavenportF).toBe(Infinity);
    expect(untied.imanDavenportPValue).toBeCloseTo(1 / 39916800 ** 2, 30);
  });

  it("groups treatments closer than the critical difference", () => {
    expect(cliques([1.2, 1.5, 3.0], 0.5)).toEqual([[0, 1]]);
    expect(cliques([1, 2, 3, 4], 1.5)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(cliques([1, 2, 3], 5)).toEqual([[0, 1, 2]]);
  });

  it("refuses k outside the q table", () => {
    expect(() => nemenyiCriticalDifference(21, 10)).toThrow(/2 to 20/);
  });
});

describe("spearman", () => {
  it("handles ties like scipy.stats.spearmanr", () => {
    expect(spearman([1, 2, 2, 5, 3], [2, 1, 3, 4, 4])).toBeCloseTo(0.7894736842, 9);
    expect(spearman([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1, 12);
  });
});

describe("starDiscrepancy", () => {
  it("matches boxes worked by hand", () => {
    expect(starDiscrepancy([[0.5]])).toBeCloseTo(0.5, 12);
    // One point in the middle of the square: the closed box [0, 0.5]² holds it all with volume 1/4.
    expect(starDiscrepancy([[0.5, 0.5]])).toBeCloseTo(0.75, 12);
    // The 2×2 centred grid: [0, 0.75]² is closed around all four points, volume 9/16.
    expect(starDiscrepancy([[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]])).toBeCloseTo(7 / 16, 12);
  });

  it("agrees with the closed form in one dimension", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 5; trial++) {
      const xs = Array.from({ length: 7 }, () => rng.uniform()).sort((a, b) => a - b);
      const n = xs.length;
      const closedForm = 1 / (2 * n) + Math.max(...xs.map((x, i) => Math.abs(x - (2 * i + 1) / (2 * n))));
      expect(starDiscrepancy(xs.map((x) => [x]))).toBeCloseTo(closedForm, 12);
    }
  });

  it("is never below the discrepancy of any box tried at random", () => {
    const rng = new Rng(5);
    const points = Array.from({ length: 12 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
    const exact = starDiscrepancy(points);
    let seen = 0;
    for (let t = 0; t < 20000; t++) {
      const y = [rng.uniform(), rng.uniform(), rng.uniform()];
      const inside = points.filter((p) => p.every((x, j) => x < y[j]!)).length / points.length;
      seen = Math.max(seen, Math.abs(y[0]! * y[1]! * y[2]! - inside));
    }
    expect(exact).toBeGreaterThanOrEqual(seen - 1e-12);
    expect(exact - seen).toBeLessThan(0.1);
  });
});
