import { describe, expect, it } from "vitest";
import { NO_INCUMBENT_REGRET, type RunResult } from "./run-one.js";
import { curveRegret, normalizedScore, quantile, REGRET_FLOOR, regretAt } from "./summary.js";

describe("regret with no incumbent yet", () => {
  it("reads the marker as Infinity and every other entry as a floored regret", () => {
    expect(curveRegret(NO_INCUMBENT_REGRET)).toBe(Infinity);
    expect(curveRegret(-1e-15)).toBe(REGRET_FLOOR);
    expect(curveRegret(0.5)).toBe(0.5);
    const run: RunResult = { problem: "p", optimizer: "o", seed: 0, trials: 3, curve: [NO_INCUMBENT_REGRET, 2, 1], bestValue: 1, seconds: 0, optimizerSeconds: 0 };
    expect(regretAt(run, 1)).toBe(Infinity);
    expect(regretAt(run, 2)).toBe(2);
  });

  it("gives quantiles that reach such runs as Infinity, and never NaN", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, Infinity], 0.5)).toBe(2);
    expect(quantile([1, Infinity], 0.5)).toBe(Infinity);
    // Infinity − Infinity used to make this NaN.
    expect(quantile([1, Infinity, Infinity], 0.5)).toBe(Infinity);
    expect(quantile([1, Infinity, Infinity], 0)).toBe(1);
  });

  it("scores a run without one Infinity, and gives no score (NaN) against random search without one", () => {
    expect(normalizedScore(0.5, 2)).toBe(0.25);
    expect(normalizedScore(Infinity, 2)).toBe(Infinity);
    expect(normalizedScore(0.5, Infinity)).toBeNaN();
  });
});
