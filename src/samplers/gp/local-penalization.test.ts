import { describe, expect, it } from "vitest";
import { normalCdf } from "../../math/special.js";
import { logExpectedImprovementAcquisition } from "./acquisition.js";
import { estimateLipschitz, locallyPenalizedAcquisition, logPenalty, pendingPenalizers } from "./local-penalization.js";
import { GaussianProcess } from "./model.js";

/** A 1-D GP through a valley at 0.5: y = 1, 0, 1 at 0.1, 0.5, 0.9. */
function valley(): GaussianProcess {
  return new GaussianProcess(
    { x: Float64Array.from([0.1, 0.5, 0.9]), y: Float64Array.from([1, 0, 1]), n: 3, d: 1, categorical: new Uint8Array(1) },
    { lengthscales: Float64Array.from([0.2]), signalVariance: 1, noiseVariance: 1e-6 },
  );
}
const numeric = new Uint8Array(1);
const at = (x: number) => Float64Array.from([x]);

describe("local penalization (González et al. 2016)", () => {
  it("estimates L as the largest gradient norm of the posterior mean, and a constant for a flat mean", () => {
    const gp = valley();
    const lipschitz = estimateLipschitz(gp, [], 1, numeric, 1);
    // Finite differences of the mean over a fine grid: the estimate is near their largest slope.
    let steepest = 0;
    for (let k = 0; k < 1000; k++) {
      const slope = Math.abs(gp.predict(at((k + 1) / 1000)).mean - gp.predict(at(k / 1000)).mean) * 1000;
      steepest = Math.max(steepest, slope);
    }
    expect(lipschitz).toBeGreaterThan(0.9 * steepest);
    expect(lipschitz).toBeLessThan(1.01 * steepest);
    const flat = new GaussianProcess(
      { x: Float64Array.from([0.2, 0.8]), y: Float64Array.from([0, 0]), n: 2, d: 1, categorical: new Uint8Array(1) },
      { lengthscales: Float64Array.from([0.2]), signalVariance: 1, noiseVariance: 1e-6 },
    );
    expect(estimateLipschitz(flat, [], 1, numeric, 1)).toBe(10);
  });

  it("penalizes a point next to a pending one and leaves a far one alone", () => {
    const gp = valley();
    // A pending point at 0.3, where the mean is about 0.5 above the incumbent 0.
    const lipschitz = estimateLipschitz(gp, [], 1, numeric, 1);
    const [penalizer] = pendingPenalizers(gp, [at(0.3)], 0, lipschitz);
    const { mean, variance } = gp.predict(at(0.3));
    expect(penalizer!.gap).toBeCloseTo(mean, 12);
    expect(penalizer!.sigma).toBeCloseTo(Math.sqrt(variance), 12);
    // φ(x) = Φ((L·|x − 0.3| − gap)/σ), exactly.
    for (const x of [0.3, 0.31, 0.35, 0.7]) {
      const expected = normalCdf((lipschitz * Math.abs(x - 0.3) - penalizer!.gap) / penalizer!.sigma);
      expect(Math.exp(logPenalty([penalizer!], at(x), numeric))).toBeCloseTo(expected, 10);
    }
    expect(logPenalty([penalizer!], at(0.31), numeric)).toBeLessThan(Math.log(0.5));
    expect(logPenalty([penalizer!], at(0.9), numeric)).toBeGreaterThan(Math.log(0.99));
    // Two pending points multiply.
    const both = pendingPenalizers(gp, [at(0.3), at(0.7)], 0, lipschitz);
    expect(logPenalty(both, at(0.32), numeric)).toBeCloseTo(logPenalty([both[0]!], at(0.32), numeric) + logPenalty([both[1]!], at(0.32), numeric), 12);
  });

  it("has the gradient finite differences give, and adds to the base acquisition without breaking its bounds", () => {
    const gp = valley();
    const penalizers = pendingPenalizers(gp, [at(0.45), at(0.62)], 0, estimateLipschitz(gp, [], 1, numeric, 3));
    const base = logExpectedImprovementAcquisition(gp, 0);
    const penalized = locallyPenalizedAcquisition(base, penalizers, numeric);
    for (const x of [0.2, 0.4, 0.5, 0.55, 0.8]) {
      expect(penalized.value(at(x))).toBeCloseTo(base.value(at(x)) + logPenalty(penalizers, at(x), numeric), 12);
      const gradient = new Float64Array(1);
      penalized.valueWithGradient!(at(x), gradient);
      const h = 1e-6;
      expect(gradient[0]).toBeCloseTo((penalized.value(at(x + h)) - penalized.value(at(x - h))) / (2 * h), 4);
    }
    const points = Float64Array.from([0.05, 0.3, 0.47, 0.6, 0.95]);
    const batch = penalized.batch!(points, 5);
    const exact = new Float64Array(5);
    batch.values([0, 1, 2, 3, 4], exact);
    for (let c = 0; c < 5; c++) {
      expect(exact[c]).toBeCloseTo(penalized.value(at(points[c]!)), 10);
      expect(batch.upperBounds[c]!).toBeGreaterThanOrEqual(exact[c]! - 1e-9);
    }
  });

  it("hard penalizer (Alvi et al. 2019): 0 on the pending point, a smooth min(r/ρ, 1) around it, even when the point is expected to beat the incumbent", () => {
    const gp = valley();
    const lipschitz = estimateLipschitz(gp, [], 1, numeric, 1);
    // The pending point sits at the valley floor: μ(x_j) ≈ M, where the soft penalizer is about ½.
    const [soft] = pendingPenalizers(gp, [at(0.5)], 0, lipschitz, "soft");
    const [hard] = pendingPenalizers(gp, [at(0.5)], 0, lipschitz, "hard");
    expect(Math.exp(logPenalty([soft!], at(0.5005), numeric))).toBeGreaterThan(0.4);
    expect(logPenalty([hard!], at(0.5), numeric)).toBe(-Infinity);
    const radius = (Math.abs(hard!.gap) + hard!.sigma) / lipschitz;
    for (const r of [0.1, 0.5, 1, 2, 5].map((k) => k * radius)) {
      const expected = (1 + (r / radius) ** -5) ** (-1 / 5);
      expect(Math.exp(logPenalty([hard!], at(0.5 + r), numeric))).toBeCloseTo(expected, 10);
    }
    expect(Math.exp(logPenalty([hard!], at(0.5 + 0.1 * radius), numeric))).toBeLessThan(0.11);
    expect(Math.exp(logPenalty([hard!], at(0.5 + 5 * radius), numeric))).toBeGreaterThan(0.99);
    for (const x of [0.5 + 0.3 * radius, 0.5 - radius, 0.9]) {
      const gradient = new Float64Array(1);
      logPenalty([hard!], at(x), numeric, gradient);
      const h = 1e-7 * radius;
      const numericSlope = (logPenalty([hard!], at(x + h), numeric) - logPenalty([hard!], at(x - h), numeric)) / (2 * h);
      expect(Math.abs(gradient[0]! - numericSlope)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numericSlope)));
    }
  });
});
