import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";
import { SignedRankAccumulator, wilcoxonSignedRank } from "./wilcoxon.js";

/** Written by scripts/scipy-wilcoxon-pvalues.py: SciPy's p-values as Optuna's WilcoxonPruner asks for them. */
const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/scipy-wilcoxon-pvalues.json", import.meta.url), "utf8")) as {
  scipy: string;
  cases: { differences: number[]; greater: number; less: number }[];
};

function tiesOrZeros(d: readonly number[]): boolean {
  const sizes = d.map(Math.abs);
  return sizes.includes(0) || new Set(sizes).size < sizes.length;
}

describe("wilcoxonSignedRank", () => {
  it("gives the exact tail for small samples without ties", () => {
    // All of 1..5 positive: only 1 of the 32 sign patterns reaches T+ = 15.
    expect(wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "greater")).toEqual({ statistic: 15, pValue: 1 / 32, method: "exact" });
    expect(wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "less").pValue).toBe(1);
    // Ranks 1 and 3 negative (T+ = 2+4+5 = 11): 7 of the 32 sign patterns reach 11 or more.
    expect(wilcoxonSignedRank([-0.1, 0.2, -0.3, 0.4, 0.5], "greater").pValue).toBeCloseTo(7 / 32, 12);
  });

  it("counts the sign patterns of small samples with ties or zeros instead of approximating", () => {
    // Three tied differences, all positive: 1 of 8 sign patterns is as extreme (the normal
    // approximation with a continuity correction said 0.074, below a 0.1 threshold).
    expect(wilcoxonSignedRank([1, 1, 1], "greater")).toEqual({ statistic: 6, pValue: 1 / 8, method: "exact" });
    expect(wilcoxonSignedRank([-1, -1, -1], "less").pValue).toBe(1 / 8);
    expect(wilcoxonSignedRank([1, 1, 1], "less").pValue).toBe(1);
    // A zero keeps half its rank on each side and has no sign to flip: T+ = 0.5 + 2 + 3 + 4, and
    // only the all-positive pattern of the three others reaches it.
    expect(wilcoxonSignedRank([0, 1, 2, 3], "greater")).toEqual({ statistic: 9.5, pValue: 1 / 8, method: "exact" });
    // No evidence at all: every pattern is as extreme.
    expect(wilcoxonSignedRank([0, 0, 0], "greater").pValue).toBe(1);
    expect(wilcoxonSignedRank([0], "less").pValue).toBe(1);
    expect(wilcoxonSignedRank([], "less").pValue).toBe(1);
  });

  it("uses the normal approximation, tie-corrected and without continuity correction, beyond the counted sizes", () => {
    // 14 equal differences: T+ = 105, mean 52.5, σ² = (14·15·29 − ½·(14³ − 14)) / 24 = 196.875,
    // so z = 3.7417 and p = 1 − Φ(z); SciPy 1.17.1 prints 9.14053164909174e-05.
    const result = wilcoxonSignedRank(Array.from({ length: 14 }, () => 1), "greater");
    expect(result).toMatchObject({ statistic: 105, method: "normal" });
    expect(result.pValue).toBeCloseTo(9.14053164909174e-5, 15);
    expect(wilcoxonSignedRank(Array.from({ length: 51 }, (_, i) => i + 1), "greater").method).toBe("normal");
    expect(() => wilcoxonSignedRank([1, Number.NaN], "less")).toThrow(/must be numbers, got NaN/);
  });

  it("ranks an infinite difference above every finite one, as SciPy does, instead of refusing it", () => {
    // Two finite values near ±1.8e308 differ by Infinity: the test threw, and so did the pruner.
    // scipy.stats.wilcoxon([inf, 1, 2, -0.5, 3], alternative="greater", zero_method="zsplit"): 14, 0.0625.
    expect(wilcoxonSignedRank([Infinity, 1, 2, -0.5, 3], "greater")).toEqual(wilcoxonSignedRank([10, 1, 2, -0.5, 3], "greater"));
    expect(wilcoxonSignedRank([Infinity, 1, 2, -0.5, 3], "greater")).toMatchObject({ statistic: 14, pValue: 0.0625 });
    // Infinities of either sign tie with each other, as any equal |d|.
    const tied = [Infinity, -Infinity, Infinity, 1, 2, ...Array.from({ length: 60 }, (_, i) => i + 3)];
    expect(wilcoxonSignedRank(tied, "less")).toEqual(wilcoxonSignedRank(tied.map((d) => (Number.isFinite(d) ? d : Math.sign(d) * 1e9)), "less"));
  });

  it("matches scipy.stats.wilcoxon(d, alternative, zero_method='zsplit') to 1e-9 on vectors with and without ties and zeros", () => {
    expect(Number(fixture.scipy.split(".")[1])).toBeGreaterThanOrEqual(15);
    const kinds = { countedPlain: 0, countedTied: 0, normalTied: 0, normalLarge: 0 };
    for (const c of fixture.cases) {
      const n = c.differences.length;
      const tied = tiesOrZeros(c.differences);
      if (n > 50) kinds.normalLarge++;
      else if (!tied) kinds.countedPlain++;
      else if (n <= 13) kinds.countedTied++;
      else kinds.normalTied++;
      for (const alternative of ["greater", "less"] as const) {
        const p = wilcoxonSignedRank(c.differences, alternative).pValue;
        const expected = c[alternative];
        expect(Math.abs(p - expected), `${alternative} n=${n} ${JSON.stringify(c.differences).slice(0, 80)}: ${p} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(expected, 1e-6));
      }
    }
    for (const count of Object.values(kinds)) expect(count).toBeGreaterThan(20);
  });

  it("answers as wilcoxonSignedRank, to the bit, on differences added one at a time (ties, zeros, both methods)", () => {
    const rng = new Rng(7);
    // Coarse values make ties and zeros common; fine ones make them rare.
    const draws = [() => rng.integer(-6, 6) / 2, () => rng.normal(), () => (rng.uniform() < 0.3 ? 0 : rng.integer(-40, 40))];
    let compared = 0;
    for (let history = 0; history < 30; history++) {
      const draw = draws[history % draws.length]!;
      const length = rng.integer(1, 160);
      const differences: number[] = [];
      const accumulator = new SignedRankAccumulator();
      for (let i = 0; i < length; i++) {
        const d = draw();
        differences.push(d);
        accumulator.add(d);
        for (const alternative of ["greater", "less"] as const) {
          expect(accumulator.test(alternative)).toEqual(wilcoxonSignedRank(differences, alternative));
          compared++;
        }
      }
      expect(accumulator.size).toBe(length);
    }
    expect(compared).toBeGreaterThan(2000);
    const empty = new SignedRankAccumulator();
    expect(empty.test("less")).toEqual(wilcoxonSignedRank([], "less"));
    const infinite = [Infinity, 2, -Infinity, -1, Infinity, 0, 3];
    for (let i = 0; i < infinite.length; i++) {
      empty.add(infinite[i]!);
      expect(empty.test("greater")).toEqual(wilcoxonSignedRank(infinite.slice(0, i + 1), "greater"));
    }
    empty.add(Number.NaN);
    expect(() => empty.test("less")).toThrow(/must be numbers, got NaN/);
  });
});
