import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Alternative, wilcoxonSignedRank } from "./wilcoxon.js";

const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/optuna-pruner-decisions.json", import.meta.url), "utf8")) as {
  scipy: string;
  wilcoxon: { differences: number[]; alternative: Alternative; p: number }[];
};

describe("wilcoxonSignedRank", () => {
  it("gives the exact tail for small samples without ties", () => {
    // All of 1..5 positive: only 1 of the 32 sign patterns reaches T+ = 15.
    expect(wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "greater")).toEqual({ statistic: 15, pValue: 1 / 32, method: "exact" });
    expect(wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "less").pValue).toBe(1);
    // Ranks 1 and 3 negative (T+ = 2+4+5 = 11): 7 of the 32 sign patterns reach 11 or more.
    expect(wilcoxonSignedRank([-0.1, 0.2, -0.3, 0.4, 0.5], "greater").pValue).toBeCloseTo(7 / 32, 12);
  });

  it("splits a zero's rank between the sides and falls back to the normal approximation", () => {
    const result = wilcoxonSignedRank([0, 1, 2, 3], "greater");
    expect(result.method).toBe("normal");
    expect(result.statistic).toBe(0.5 + 2 + 3 + 4);
    // An all-zero sample carries no evidence.
    expect(wilcoxonSignedRank([0, 0, 0], "greater").pValue).toBeGreaterThan(0.5);
    expect(wilcoxonSignedRank([], "less").pValue).toBe(1);
    expect(() => wilcoxonSignedRank([1, Number.NaN], "less")).toThrow(/must be finite/);
  });

  it("matches scipy's p-values (exact, and normal with tie and continuity correction)", () => {
    expect(fixture.wilcoxon.length).toBeGreaterThan(50);
    const methods = new Set<string>();
    for (const c of fixture.wilcoxon) {
      const result = wilcoxonSignedRank(c.differences, c.alternative);
      methods.add(result.method);
      expect(result.pValue, `${c.alternative} n=${c.differences.length}`).toBeCloseTo(c.p, 10);
    }
    expect([...methods].sort()).toEqual(["exact", "normal"]);
  });
});
