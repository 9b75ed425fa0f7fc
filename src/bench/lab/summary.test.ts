import { describe, expect, it } from "vitest";
import { NO_INCUMBENT_REGRET, type RunResult } from "./run-one.js";
import { curveRegret, normalizedScore, quantile, rebaseOnBestReached, REGRET_FLOOR, regretAt } from "./summary.js";

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

describe("rebaseOnBestReached", () => {
  const run = (problem: string, optimizer: string, curve: number[], recommendedCurve?: number[]): RunResult => ({
    problem,
    optimizer,
    seed: 0,
    trials: curve.length,
    curve,
    bestValue: 0,
    seconds: 0,
    optimizerSeconds: 0,
    ...(recommendedCurve === undefined ? {} : { recommendedCurve }),
  });

  it("measures a reference problem's regrets from the lowest any run reached, keeping their distances", () => {
    const runs = [run("surrogate", "a", [NO_INCUMBENT_REGRET, 0.5, -0.2]), run("surrogate", "b", [1, -0.05, -0.1], [1, -0.3, -0.3]), run("synthetic", "a", [1, -1e-15])];
    const { results, rebased } = rebaseOnBestReached(runs, new Set(["surrogate"]));
    // The lowest entry is b's recommended −0.3: everything moves up by 0.3, the marker stays.
    expect(results[0]!.curve).toEqual([NO_INCUMBENT_REGRET, 0.5 + 0.3, -0.2 + 0.3]);
    expect(results[1]!.curve[2]).toBeCloseTo(0.2, 15);
    expect(results[1]!.recommendedCurve).toEqual([1.3, 0, 0]);
    expect(rebased).toEqual([{ problem: "surrogate", belowReference: 0.3 }]);
    // Without it, a and b ended tied at the floor; now a (0.1) beats b (0.2).
    expect(regretAt(runs[0]!, 3)).toBe(regretAt(runs[1]!, 3));
    expect(regretAt(results[0]!, 3)).toBeLessThan(regretAt(results[1]!, 3));
    // A problem with a proven optimum keeps its rounding below 0, floored as before.
    expect(results[2]).toBe(runs[2]);
    expect(runs[0]!.curve[2]).toBe(-0.2); // the input is not changed
  });

  it("leaves a reference problem alone when no run went past its reference", () => {
    const runs = [run("surrogate", "a", [2, 0.5]), run("surrogate", "b", [NO_INCUMBENT_REGRET, 0])];
    const { results, rebased } = rebaseOnBestReached(runs, new Set(["surrogate"]));
    expect(rebased).toEqual([]);
    expect(results).toEqual(runs);
  });
});
