import { describe, expect, it } from "vitest";
import { expectPredictionGradients } from "../../../test/fixtures/finite-differences.js";
import { Rng } from "../../math/rng.js";
import { GaussianProcess, parametersFromTheta } from "./model.js";
import { InputWarping, kumaraswamyCdf, kumaraswamyInverse, kumaraswamyLogParameterGradient, kumaraswamySlope, warpedSurrogate } from "./warping.js";

describe("kumaraswamyCdf", () => {
  it("is the identity at a = b = 1, pinned at 0 and 1, and increasing", () => {
    for (const u of [0, 0.1, 0.5, 0.93, 1]) expect(kumaraswamyCdf(u, 1, 1)).toBeCloseTo(u, 14);
    for (const [a, b] of [[0.2, 3], [4, 0.3], [1.7, 1.7]] as const) {
      expect(kumaraswamyCdf(0, a, b)).toBe(0);
      expect(kumaraswamyCdf(1, a, b)).toBe(1);
      let previous = 0;
      for (let u = 0.01; u < 1; u += 0.01) {
        const z = kumaraswamyCdf(u, a, b);
        expect(z).toBeGreaterThan(previous);
        previous = z;
      }
    }
  });

  it("has an inverse that maps warped values back", () => {
    for (const [a, b] of [[0.2, 3], [4, 0.3], [1, 1], [0.15, 7]] as const) {
      for (const u of [1e-4, 0.05, 0.3, 0.7, 0.999]) {
        const z = kumaraswamyCdf(u, a, b);
        // Where the warp is flat enough that z rounds to 1, u cannot be recovered; z can.
        if (1 - z > 1e-9) expect(kumaraswamyInverse(z, a, b)).toBeCloseTo(u, 7);
        expect(kumaraswamyCdf(kumaraswamyInverse(z, a, b), a, b)).toBeCloseTo(z, 12);
      }
    }
  });

  it("has the parameter gradient that central finite differences give", () => {
    const out = new Float64Array(2);
    const h = 1e-6;
    for (const [a, b] of [[0.3, 2], [2.5, 0.4], [1, 1]] as const) {
      for (const u of [0.02, 0.4, 0.97]) {
        kumaraswamyLogParameterGradient(u, a, b, out);
        const byLogA = (kumaraswamyCdf(u, a * Math.exp(h), b) - kumaraswamyCdf(u, a * Math.exp(-h), b)) / (2 * h);
        const byLogB = (kumaraswamyCdf(u, a, b * Math.exp(h)) - kumaraswamyCdf(u, a, b * Math.exp(-h))) / (2 * h);
        expect(out[0]).toBeCloseTo(byLogA, 7);
        expect(out[1]).toBeCloseTo(byLogB, 7);
      }
    }
    expect(Array.from(kumaraswamyLogParameterGradient(0, 0.3, 0.4, out))).toEqual([0, 0]);
    expect(Array.from(kumaraswamyLogParameterGradient(1, 0.3, 0.4, out))).toEqual([0, 0]);
  });
});

describe("InputWarping", () => {
  it("reads its shapes from θ's tail, warps only its dimensions and maps points back", () => {
    const theta = [0, 0, 0, 0, -5, Math.log(0.5), 0];
    const warping = InputWarping.fromTheta(theta, 3, Int32Array.from([1]))!;
    expect(warping.a).toEqual([0.5]);
    const point = Float64Array.of(0.3, 0.01, 2);
    const warped = warping.warpPoint(point);
    expect(Array.from(warped)).toEqual([0.3, kumaraswamyCdf(0.01, 0.5, 1), 2]);
    expect(warped[1]).toBeCloseTo(0.1, 12);
    expect(warping.unwarpPoint(warped)[1]).toBeCloseTo(0.01, 12);
    expect(InputWarping.fromTheta(theta.slice(0, 5), 3, Int32Array.from([1]))).toBeNull();
  });
});

describe("kumaraswamySlope", () => {
  it("is the derivative of the CDF", () => {
    for (const [a, b] of [[0.4, 2], [3, 0.6]] as const) {
      for (const u of [0.1, 0.5, 0.9]) expect(kumaraswamySlope(u, a, b)).toBeCloseTo((kumaraswamyCdf(u + 1e-6, a, b) - kumaraswamyCdf(u - 1e-6, a, b)) / 2e-6, 5);
    }
  });
});

describe("warpedSurrogate", () => {
  it("predicts at the warped point and has the gradient that central finite differences give", () => {
    const d = 2;
    const rng = new Rng(7);
    const x = new Float64Array(20 * d);
    for (let k = 0; k < x.length; k++) x[k] = rng.uniform();
    const y = Float64Array.from({ length: 20 }, (_, j) => Math.sin(5 * x[j * d]!) + x[j * d + 1]!);
    const gp = new GaussianProcess({ x, y, n: 20, d, categorical: new Uint8Array(d) }, parametersFromTheta([Math.log(0.3), Math.log(0.5), 0, Math.log(1e-4)], d));
    const warping = new InputWarping(Int32Array.from([0, 1]), [0.6, 1.8], [2.2, 0.7]);
    const surrogate = warpedSurrogate(gp, warping);
    const point = Float64Array.of(0.31, 0.77);
    expect(surrogate.predict(point)).toEqual(gp.predict(warping.warpPoint(point)));
    const meanGradient = new Float64Array(d);
    const varianceGradient = new Float64Array(d);
    surrogate.predictWithGradient(point, meanGradient, varianceGradient);
    expectPredictionGradients(surrogate, point, meanGradient, varianceGradient, Array.from({ length: d }, (_, i) => i));
    const batch = surrogate.predictBatch(Float64Array.of(...point, 0.5, 0.5), 2);
    expect(batch.means[0]).toBeCloseTo(surrogate.predict(point).mean, 12);
  });
});
