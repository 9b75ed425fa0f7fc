import { describe, expect, it } from "vitest";
import { createStudy } from "../../study/index.js";
import { fitStandardizedModels, logProbabilityOfFeasibility } from "./constrained.js";
import { defaultPrior, defaultTheta } from "./model.js";
import { GPSampler } from "./gp.js";

describe("GP with constraints", () => {
  it("log probability of feasibility is log Φ((t − μ)/σ), with the gradient of finite differences", () => {
    expect(logProbabilityOfFeasibility(0, 1, 0)).toBeCloseTo(Math.log(0.5), 12);
    expect(logProbabilityOfFeasibility(1, 4, 3)).toBeCloseTo(Math.log(0.8413447460685429), 10);
    // μ(x) = x0 + 2 x1, σ²(x) = 1 + x0² at x = (0.3, −0.2)
    const at = (x0: number, x1: number) => logProbabilityOfFeasibility(x0 + 2 * x1, 1 + x0 * x0, 0.5);
    const out = new Float64Array(2);
    logProbabilityOfFeasibility(0.3 - 0.4, 1 + 0.09, 0.5, Float64Array.of(1, 2), Float64Array.of(0.6, 0), out);
    const h = 1e-6;
    expect(out[0]).toBeCloseTo((at(0.3 + h, -0.2) - at(0.3 - h, -0.2)) / (2 * h), 6);
    expect(out[1]).toBeCloseTo((at(0.3, -0.2 + h) - at(0.3, -0.2 - h)) / (2 * h), 6);
  });

  it("standardises each column around its prior mean and keeps a target's meaning: the value, or the worst far from the data", () => {
    const points = [0.1, 0.2, 0.3].map((v) => Float64Array.of(v));
    const targets = [[3], [1], [2]];
    const short = Float64Array.from(defaultTheta(1, defaultPrior(1)));
    short[0] = Math.log(0.05);
    const valueAt = (priorMean: "mean" | "worst", at: number): number => {
      const [model] = fitStandardizedModels(points, targets, new Uint8Array(1), { minNoise: 1e-6, fitIterations: 1, starts: () => [], reuse: () => short, priorMean }).models;
      return (model!.gp.predict(Float64Array.of(at)).mean - model!.threshold) * model!.scale;
    };
    expect(valueAt("worst", 0.2)).toBeCloseTo(1, 3);
    expect(valueAt("mean", 0.2)).toBeCloseTo(1, 3);
    expect(valueAt("worst", 0.95)).toBeCloseTo(3, 6);
    expect(valueAt("mean", 0.95)).toBeCloseTo(2, 6);
  });

  it("models constraint values whose squares overflow as it models small ones", () => {
    // Values of 1e200 made the spread Infinity: every target 0, and a flat model of feasibility.
    const points = [0.1, 0.2, 0.3, 0.4].map((v) => Float64Array.of(v));
    const fit = (scale: number) => {
      const [model] = fitStandardizedModels(points, [[-1], [-0.5], [0.5], [1]].map(([c]) => [c! * scale]), new Uint8Array(1), {
        minNoise: 1e-6,
        fitIterations: 5,
        starts: () => [defaultTheta(1, defaultPrior(1))],
      }).models;
      return { mean: model!.gp.predict(Float64Array.of(0.35)).mean, threshold: model!.threshold, scale: model!.scale / scale };
    };
    const small = fit(1);
    const huge = fit(1e200);
    expect(huge.mean).toBeCloseTo(small.mean, 6);
    expect(huge.threshold).toBeCloseTo(small.threshold, 6);
    expect(huge.scale).toBeCloseTo(small.scale, 6);
  });

  it("finds the constrained optimum the unconstrained objective leads away from", async () => {
    // min x + y subject to x >= 0.7: the optimum is (0.7, 0) with value 0.7.
    const study = await createStudy({
      sampler: new GPSampler({ seed: 2, nCandidates: 256, nRestarts: 2 }),
      constraints: (trial) => [0.7 - (trial.params.x as number)],
    });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestFloat("y", 0, 1), { nTrials: 22 });
    const late = study.trials.slice(12);
    expect(late.filter((t) => (t.params.x as number) >= 0.69).length).toBeGreaterThanOrEqual(7);
    expect(study.bestValue!).toBeLessThan(0.8);
    expect(study.bestTrial!.params.x as number).toBeGreaterThanOrEqual(0.7);
  });
});
