import { describe, expect, it } from "vitest";
import { centralDifference, expectPredictionGradients } from "../../../test/fixtures/finite-differences.js";
import { Rng } from "../../math/rng.js";
import {
  EVIDENCE_WARPINGS,
  type EvidenceWarping,
  GaussianProcess,
  type TrainingData,
  defaultPrior,
  defaultTheta,
  fitHyperparameters,
  fitObservationRows,
  chooseOutputWarping,
  hyperparameterStarts,
  negativeLogPosterior,
  powerTransform,
  powerTransformLambda,
  parametersFromTheta,
  standardCentre,
  standardMoments,
  trainingRows,
  warpObservations,
  warpWithLogJacobian,
} from "./model.js";
import { InputWarping } from "./warping.js";

function makeData(seed: number, n: number, categorical: Uint8Array, f: (x: Float64Array) => number): TrainingData {
  const rng = new Rng(seed);
  const d = categorical.length;
  const x = new Float64Array(n * d);
  const values: number[] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < d; i++) x[j * d + i] = categorical[i] ? rng.integer(0, 2) : rng.uniform();
    values.push(f(x.subarray(j * d, (j + 1) * d)));
  }
  return { x, y: warpObservations(values, "none"), n, d, categorical };
}

/** Checks negativeLogPosterior's analytic gradient at `theta` against central finite differences. */
function expectFiniteDifferenceGradient(theta: Float64Array, data: TrainingData, prior: ReturnType<typeof defaultPrior>): void {
  const gradient = new Float64Array(theta.length);
  negativeLogPosterior(theta, data, prior, gradient);
  for (let i = 0; i < theta.length; i++) expect(gradient[i]).toBeCloseTo(centralDifference((t) => negativeLogPosterior(t, data, prior), theta, i), 4);
}

describe("negativeLogPosterior", () => {
  it("has the gradient that central finite differences give", () => {
    const categorical = new Uint8Array([0, 1, 0]);
    const data = makeData(3, 15, categorical, (x) => Math.sin(6 * x[0]!) + x[1]! + x[2]! ** 2);
    const prior = defaultPrior(3);
    for (const theta of [new Float64Array([-1, 0.3, -0.5, 0.2, -4]), new Float64Array([0.5, -1, 0, -0.7, -9])]) expectFiniteDifferenceGradient(theta, data, prior);
  });

  it("is lower after fitting than at the default start", () => {
    const data = makeData(8, 25, new Uint8Array(2), (x) => (x[0]! - 0.3) ** 2 + 0.1 * Math.cos(9 * x[1]!));
    const prior = defaultPrior(2);
    const start = defaultTheta(2, prior);
    const fitted = fitHyperparameters(data, { prior, starts: [start] });
    expect(fitted.value).toBeLessThan(negativeLogPosterior(start, data, prior));
    expect(fitted.theta.every(Number.isFinite)).toBe(true);
  });
});

describe("noise priors", () => {
  it("has the gradient that central finite differences give under the gamma and log-normal noise priors", () => {
    const data = makeData(5, 12, new Uint8Array(2), (x) => Math.sin(4 * x[0]!) + x[1]!);
    for (const noise of ["gamma", "lognormal"] as const) {
      const prior = defaultPrior(2, 1e-6, noise);
      const theta = new Float64Array([-0.5, 0.2, 0.1, -2.5]);
      const gradient = new Float64Array(4);
      negativeLogPosterior(theta, data, prior, gradient);
      expect(gradient[3]).toBeCloseTo(centralDifference((t) => negativeLogPosterior(t, data, prior), theta, 3), 4);
    }
  });

  // A smooth 3-D function observed with noise whose variance is about 60% of the data's: the fit
  // must say so. Under the exponential prior, from its single quiet start, it explains the scatter
  // with short lengthscales instead (σₙ² stays near its 1e-4 start).
  const noisy = (seed: number) => {
    const noise = new Rng(seed + 1000);
    return makeData(seed, 40, new Uint8Array(3), (x) => Math.sin(3 * x[0]!) + 0.5 * x[1]! + 1.2 * noise.normal());
  };

  it("finds substantial noise on noisy data with the gamma prior", () => {
    for (const seed of [1, 2, 3]) {
      const data = noisy(seed);
      const prior = defaultPrior(3, 1e-6, "gamma");
      const { theta } = fitHyperparameters(data, { prior, starts: hyperparameterStarts(3, prior) });
      expect(Math.exp(theta[4]!)).toBeGreaterThan(0.2);
    }
  });

  it("keeps the noise small on noiseless smooth data with the gamma prior", () => {
    const data = makeData(6, 30, new Uint8Array(2), (x) => Math.sin(5 * x[0]!) * x[1]! + x[1]! ** 2);
    const prior = defaultPrior(2, 1e-6, "gamma");
    const { theta } = fitHyperparameters(data, { prior, starts: hyperparameterStarts(2, prior) });
    expect(Math.exp(theta[3]!)).toBeLessThan(1e-3);
  });

  it("adds a noisy start only for the priors open to noise", () => {
    expect(hyperparameterStarts(3, defaultPrior(3))).toHaveLength(1);
    const starts = hyperparameterStarts(3, defaultPrior(3, 1e-6, "gamma"));
    expect(starts).toHaveLength(2);
    expect(Math.exp(starts[1]![4]!)).toBeCloseTo(0.1, 10);
  });
});

describe("GaussianProcess", () => {
  it("gives the training points' posterior means in O(n) as predict does", () => {
    const data = makeData(9, 20, new Uint8Array(2), (x) => Math.sin(5 * x[0]!) * x[1]! + 0.3 * Math.cos(40 * x[1]!));
    const gp = new GaussianProcess(data, { lengthscales: new Float64Array([0.3, 0.4]), signalVariance: 1.2, noiseVariance: 0.2 });
    const means = gp.trainingMeans();
    for (let j = 0; j < data.n; j++) expect(means[j]).toBeCloseTo(gp.predict(data.x.subarray(j * 2, j * 2 + 2)).mean, 9);
    // With substantial noise the smoothed values differ from the observations.
    expect(means.some((m, j) => Math.abs(m - data.y[j]!) > 0.05)).toBe(true);
  });

  it("interpolates its training points when the noise is tiny", () => {
    const data = makeData(4, 12, new Uint8Array(2), (x) => Math.sin(5 * x[0]!) * x[1]!);
    const gp = new GaussianProcess(data, parametersFromTheta([Math.log(0.3), Math.log(0.3), 0, Math.log(1e-8)], 2));
    for (let j = 0; j < data.n; j++) {
      const { mean, variance } = gp.predict(data.x.slice(j * 2, j * 2 + 2));
      expect(mean).toBeCloseTo(data.y[j]!, 4);
      expect(variance).toBeLessThan(1e-5);
    }
    const far = gp.predict(new Float64Array([5, 5]));
    expect(far.mean).toBeCloseTo(0, 6);
    expect(far.variance).toBeCloseTo(1, 6);
  });

  it("gives mean and variance gradients that match finite differences", () => {
    const data = makeData(9, 10, new Uint8Array([0, 0, 1]), (x) => x[0]! - x[1]! * x[2]!);
    const gp = new GaussianProcess(data, parametersFromTheta([Math.log(0.4), Math.log(0.7), 0, 0.3, Math.log(1e-4)], 3));
    const point = new Float64Array([0.35, 0.62, 1]);
    const meanGradient = new Float64Array(3);
    const varianceGradient = new Float64Array(3);
    gp.predictWithGradient(point, meanGradient, varianceGradient);
    expectPredictionGradients(gp, point, meanGradient, varianceGradient, [0, 1]);
    expect(meanGradient[2]).toBe(0);
  });
});

describe("GaussianProcess grown from an earlier model", () => {
  const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

  it("grows the earlier model's factor by the new rows, bit for bit the factor, weights and predictions of a fresh model", () => {
    for (const categorical of [new Uint8Array(3), new Uint8Array([0, 1, 0])]) {
      const data = makeData(21, 23, categorical, (x) => Math.sin(4 * x[0]!) + x[1]! * x[2]!);
      const params = parametersFromTheta([Math.log(0.4), Math.log(0.6), Math.log(0.8), 0.2, Math.log(1e-4)], 3);
      for (const m of [1, 19, 20, 23]) {
        const earlier = new GaussianProcess({ ...data, x: data.x.slice(0, m * 3), y: data.y.slice(0, m), n: m }, params);
        const grown = new GaussianProcess(data, params, earlier);
        const fresh = new GaussianProcess(data, params);
        expect(grown.grownRows).toBe(m);
        expect(fresh.grownRows).toBe(0);
        expect(sameBits(grown.factor, fresh.factor)).toBe(true);
        expect(sameBits(grown.alpha, fresh.alpha)).toBe(true);
        const point = new Float64Array([0.3, 1, 0.7]);
        const [g1, g2, h1, h2] = [new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3)];
        const a = grown.predictWithGradient(point, g1, g2);
        const b = fresh.predictWithGradient(point, h1, h2);
        expect(Object.is(a.mean, b.mean) && Object.is(a.variance, b.variance) && sameBits(g1, h1) && sameBits(g2, h2)).toBe(true);
      }
    }
  });

  it("factorises from scratch when the earlier model has other parameters or inputs, or needed jitter", () => {
    const data = makeData(22, 15, new Uint8Array(2), (x) => x[0]! - x[1]!);
    const params = parametersFromTheta([Math.log(0.3), Math.log(0.5), 0, Math.log(1e-4)], 2);
    const prefix = (x: Float64Array, m: number): TrainingData => ({ ...data, x: x.slice(0, m * 2), y: data.y.slice(0, m), n: m });
    const otherParams = new GaussianProcess(prefix(data.x, 10), parametersFromTheta([Math.log(0.3), Math.log(0.5), 0, Math.log(2e-4)], 2));
    const moved = data.x.slice();
    moved[7] = moved[7]! + 1e-12;
    const otherInputs = new GaussianProcess(prefix(moved, 10), params);
    // Two identical inputs and no noise to speak of: the factorisation needs jitter.
    const twice = data.x.slice();
    twice.set(twice.subarray(0, 2), 2);
    const tiny = parametersFromTheta([Math.log(0.3), Math.log(0.5), 0, Math.log(1e-300)], 2);
    const jittered = new GaussianProcess(prefix(twice, 10), tiny);
    expect(jittered.jitter).toBeGreaterThan(0);
    const fresh = new GaussianProcess(data, params);
    for (const earlier of [otherParams, otherInputs]) {
      const grown = new GaussianProcess(data, params, earlier);
      expect(grown.grownRows).toBe(0);
      expect(sameBits(grown.factor, fresh.factor)).toBe(true);
    }
    const again = new GaussianProcess({ ...data, x: twice }, tiny, jittered);
    expect(again.grownRows).toBe(0);
    expect(sameBits(again.factor, new GaussianProcess({ ...data, x: twice }, tiny).factor)).toBe(true);
  });
});

describe("GaussianProcess.predictBatch", () => {
  it("gives predict's means and variances exactly, under variance bounds that hold", () => {
    for (const categorical of [new Uint8Array(4), new Uint8Array([0, 1, 0, 0])]) {
      const data = makeData(12, 70, categorical, (x) => Math.sin(7 * x[0]!) + x[1]! * x[2]! - x[3]! ** 2);
      const gp = new GaussianProcess(data, parametersFromTheta([Math.log(0.3), Math.log(0.5), Math.log(0.2), Math.log(0.8), 0.2, Math.log(1e-5)], 4));
      const rng = new Rng(3);
      const count = 40;
      const points = new Float64Array(count * 4);
      // Half the points sit on or next to training points, where the bound is tightest.
      for (let c = 0; c < count; c++) {
        for (let i = 0; i < 4; i++) {
          const base = c % 2 === 0 ? data.x[(c % data.n) * 4 + i]! : rng.uniform();
          points[c * 4 + i] = categorical[i] ? rng.integer(0, 2) : Math.min(1, Math.max(0, base + (c % 4 === 0 ? 0 : 1e-3 * rng.normal())));
        }
      }
      const batch = gp.predictBatch(points, count);
      const variances = new Float64Array(count).fill(NaN);
      // Some points part-solved first (bounds from the first half, then a quarter, of the
      // observations), then in two requests, out of order: each point's variance lands at its own
      // index, and the part-solved ones carry on to the same bits.
      batch.tighten([5, 9, 33, 1, 2, 30, 31], 0.5);
      batch.tighten([0, 9, 12], 0.25);
      batch.variances([5, 0, 33, 17, 2], variances);
      batch.variances(Array.from({ length: count }, (_, c) => c).filter((c) => ![5, 0, 33, 17, 2].includes(c)), variances);
      for (let c = 0; c < count; c++) {
        const single = gp.predict(points.slice(c * 4, c * 4 + 4));
        expect(batch.means[c]).toBe(single.mean);
        expect(variances[c]).toBe(single.variance);
        expect(batch.varianceBounds[c]).toBeGreaterThanOrEqual(single.variance);
        expect(batch.varianceBounds[c]).toBeLessThanOrEqual(gp.params.signalVariance);
      }
    }
  });
});

describe("warpObservations", () => {
  it("standardises, keeps order, and maps constant inputs to zeros", () => {
    for (const warping of ["none", "log", "rank", "power"] as const) {
      const values = [3, -1, 1e6, 2, 2];
      const y = warpObservations(values, warping);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      expect(mean).toBeCloseTo(0, 10);
      expect(y[1]).toBeLessThan(y[3]!);
      expect(y[3]).toBe(y[4]);
      expect(y[0]).toBeLessThan(y[2]!);
      expect(Array.from(warpObservations([7, 7, 7], warping))).toEqual([0, 0, 0]);
    }
  });
});

describe("prior mean", () => {
  it("puts the worst value at 0 and leaves the spread and the Jacobian as they were", () => {
    const values = [3, -1, 40, 2, 2];
    for (const warping of ["none", "log", "rank", "power"] as const) {
      const centred = warpWithLogJacobian(values, warping);
      const worst = warpWithLogJacobian(values, warping, "worst");
      const shift = Math.max(...centred.y);
      expect(worst.y[2]).toBe(0);
      for (let i = 0; i < values.length; i++) expect(worst.y[i]).toBeCloseTo(centred.y[i]! - shift, 12);
      if (warping !== "rank") expect(worst.logJacobian).toBeCloseTo(centred.logJacobian, 12);
    }
    expect(Array.from(warpObservations([7, 7, 7], "none", "worst"))).toEqual([0, 0, 0]);
    expect(standardCentre(values, "worst")).toBe(40);
    expect(standardCentre(values, "mean")).toBe(standardMoments(values).mean);
  });

  it("standardizes values whose squares overflow or underflow, as it does the same values at scale 1", () => {
    // 1e300² overflowed: the sd came out 0 and every target 0, a flat model for good.
    for (const scale of [1e300, 1e-300, Number.MAX_VALUE / 8]) {
      const { mean, sd } = standardMoments([1 * scale, 2 * scale, 3 * scale]);
      expect(mean / scale).toBeCloseTo(2, 12);
      expect(sd / scale).toBeCloseTo(Math.sqrt(2 / 3), 12);
      for (const warping of ["none", "log", "power"] as const) {
        const y = Array.from(warpObservations([1 * scale, 5 * scale, 2 * scale], warping));
        const reference = Array.from(warpObservations([1, 5, 2], warping));
        y.forEach((v, i) => expect(v).toBeCloseTo(reference[i]!, 8));
      }
    }
    expect(Array.from(warpObservations([Number.MAX_VALUE, -Number.MAX_VALUE], "none")).every(Number.isFinite)).toBe(true);
  });

  it("makes the posterior mean far from the data the worst observed value, where the default gives their mean", () => {
    // Three points on a line and a short lengthscale: at x = 0.95 the data say nothing.
    const x = Float64Array.of(0.1, 0.2, 0.3);
    const values = [3, 1, 2];
    const params = parametersFromTheta([Math.log(0.05), 0, Math.log(1e-6)], 1);
    const { sd } = standardMoments(values);
    const inObjectiveUnits = (priorMean: "mean" | "worst", point: number): number => {
      const gp = new GaussianProcess({ x, y: warpObservations(values, "none", priorMean), n: 3, d: 1, categorical: new Uint8Array(1) }, params);
      return standardCentre(values, priorMean) + sd * gp.predict(Float64Array.of(point)).mean;
    };
    expect(inObjectiveUnits("worst", 0.95)).toBeCloseTo(3, 8);
    expect(inObjectiveUnits("mean", 0.95)).toBeCloseTo(2, 8);
    // At the data both interpolate.
    for (const priorMean of ["mean", "worst"] as const) expect(inObjectiveUnits(priorMean, 0.2)).toBeCloseTo(1, 4);
  });
});

describe("power transform", () => {
  it("finds λ ≈ 0 for log-normal data and λ ≈ 1 for normal data, by maximum likelihood", () => {
    const rng = new Rng(17);
    const normal = Array.from({ length: 400 }, () => 5 + rng.normal());
    const logNormal = normal.map((v) => Math.exp(v - 5));
    expect(powerTransformLambda(logNormal, "box-cox")).toBeCloseTo(0, 1);
    expect(Math.abs(powerTransformLambda(normal, "box-cox") - 1)).toBeLessThan(0.6);
    // Yeo-Johnson on data with negative values: symmetric data keep λ near 1.
    const centred = normal.map((v) => v - 5);
    expect(Math.abs(powerTransformLambda(centred, "yeo-johnson") - 1)).toBeLessThan(0.25);
    // A heavy upper tail is compressed: λ well below 1.
    expect(powerTransformLambda(logNormal.map((v) => v - 1), "yeo-johnson")).toBeLessThan(0.5);
  });

  it("is continuous in λ at the special cases and increasing in y", () => {
    for (const y of [0.3, 2, 7]) {
      expect(powerTransform(y, 1e-9, "box-cox")).toBeCloseTo(powerTransform(y, 0, "box-cox"), 6);
      expect(powerTransform(y, 1e-9, "yeo-johnson")).toBeCloseTo(Math.log1p(y), 6);
      expect(powerTransform(-y, 2 - 1e-9, "yeo-johnson")).toBeCloseTo(-Math.log1p(y), 6);
    }
    for (const lambda of [-1, 0, 0.5, 2]) {
      const ys = [-3, -1, 0, 0.5, 2, 10];
      const t = ys.map((y) => powerTransform(y, lambda, "yeo-johnson"));
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]!);
    }
  });

  it("warps a heavy upper tail less lopsidedly than standardising alone", () => {
    const values = [1, 1.5, 2, 3, 5, 9, 20, 80, 400, 3000];
    const skew = (y: Float64Array) => y.reduce((a, v) => a + v ** 3, 0) / y.length;
    expect(Math.abs(skew(warpObservations(values, "power")))).toBeLessThan(Math.abs(skew(warpObservations(values, "none"))) / 3);
  });
});

describe("output warping chosen by evidence", () => {
  function inputs(seed: number, n: number, d: number): { x: Float64Array; n: number; d: number; categorical: Uint8Array } {
    const rng = new Rng(seed);
    return { x: Float64Array.from({ length: n * d }, () => rng.uniform()), n, d, categorical: new Uint8Array(d) };
  }
  const smooth = (x: Float64Array, j: number, d: number): number => Math.sin(3 * x[j * d]!) + 1.5 * (x[j * d + 1]! - 0.4) ** 2;

  it("has the log-Jacobian of a standardisation for none, and one that moves by -n·log c when the values are scaled by c", () => {
    const values = [0.3, 1.7, 2.2, 5, 9.5, 40, 3.1, 0.9];
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    expect(warpWithLogJacobian(values, "none").logJacobian).toBeCloseTo(-n * Math.log(sd), 10);
    // Each warp then standardises, so the targets do not change when the values are scaled.
    for (const warping of ["none", "log", "power"] as const) {
      const once = warpWithLogJacobian(values, warping);
      const scaled = warpWithLogJacobian(values.map((v) => 7 * v), warping);
      for (let i = 0; i < n; i++) expect(scaled.y[i]).toBeCloseTo(once.y[i]!, 6);
      expect(scaled.logJacobian).toBeCloseTo(once.logJacobian - n * Math.log(7), 6);
    }
    expect(warpWithLogJacobian(values, "rank").logJacobian).toBeNaN();
  });

  /** A smooth 2-D function with a little noise at n random points (`latent`), and its log-normal exponential (`positive`). */
  function skewedAndGaussian(seed: number, n: number): { base: Omit<TrainingData, "y">; latent: number[]; positive: number[] } {
    const base = inputs(seed, n, 2);
    const noise = new Rng(seed + 50);
    const latent = Array.from({ length: base.n }, (_, j) => smooth(base.x, j, base.d) + 0.05 * noise.normal());
    return { base, latent, positive: latent.map((v) => Math.exp(2.5 * v)) };
  }

  // On log-normal data Box-Cox (the power warp, fitted λ) beats none by far, and also
  // the shifted log(v − min + δ) of "log", whose shift bends the log that the data need.
  it("picks a compressing warp on log-normal data and none on Gaussian data", () => {
    for (const seed of [1, 2, 3]) {
      const { base, latent, positive } = skewedAndGaussian(seed, 40);
      const prior = defaultPrior(2);
      const options = { prior, starts: hyperparameterStarts(2, prior) };
      const logNormal = chooseOutputWarping(positive, base, options);
      expect(logNormal.warping).toBe("power");
      expect(logNormal.scores.power).toBeGreaterThan(logNormal.scores.none + 5);
      const gaussian = chooseOutputWarping(latent, base, options);
      expect(gaussian.warping).toBe("none");
      expect(gaussian.scores.none).toBeGreaterThan(gaussian.scores.log);
    }
  });

  it("screened against an incumbent, makes the same choices, and fits the kept warping exactly as a plain fit would", () => {
    for (const seed of [1, 2, 3]) {
      const { base, latent, positive } = skewedAndGaussian(seed, 40);
      const prior = defaultPrior(2);
      const options = { prior, starts: hyperparameterStarts(2, prior), incumbent: "none" as const };
      // The challenger wins from a short refit and is then fitted to the end: as good as its own full fit.
      const switched = chooseOutputWarping(positive, base, options);
      expect(switched.warping).toBe("power");
      const full = chooseOutputWarping(positive, base, { prior, starts: options.starts });
      expect(switched.scores.power).toBeGreaterThan(full.scores.power - 0.5);
      expect(switched.scores.none).toBe(full.scores.none);
      const kept = chooseOutputWarping(latent, base, options);
      expect(kept.warping).toBe("none");
      const plain = fitHyperparameters({ ...base, y: warpObservations(latent, "none") }, { prior, starts: options.starts });
      expect(Array.from(kept.theta)).toEqual(Array.from(plain.theta));
      // Power kept on log-normal data: none, screened from power's θ, does not take over.
      expect(chooseOutputWarping(positive, base, { ...options, incumbent: "power" }).warping).toBe("power");
    }
  });

  it("screened, switches only when a challenger's short refit beats the incumbent's full fit", () => {
    const { base, positive } = skewedAndGaussian(4, 30);
    const prior = defaultPrior(2);
    // With no iterations the challengers are scored at the incumbent's θ: still a likelihood of the same values.
    const atTheta = chooseOutputWarping(positive, base, { prior, starts: hyperparameterStarts(2, prior), incumbent: "none", screenIterations: 0 });
    const screened = chooseOutputWarping(positive, base, { prior, starts: hyperparameterStarts(2, prior), incumbent: "none" });
    expect(atTheta.scores.log).toBeLessThanOrEqual(screened.scores.log + 1e-9);
    const starts = hyperparameterStarts(2, prior);
    const incumbentTheta = fitHyperparameters({ ...base, y: warpObservations(positive, "none") }, { prior, starts }).theta;
    const logWarped = warpWithLogJacobian(positive, "log");
    expect(atTheta.scores.log).toBeCloseTo(-negativeLogPosterior(incumbentTheta, { ...base, y: logWarped.y }, prior) + logWarped.logJacobian, 9);
    for (const choice of [atTheta, screened]) {
      const winner = EVIDENCE_WARPINGS.reduce((a, b) => (choice.scores[b] > choice.scores[a] ? b : a), "none" as EvidenceWarping);
      expect(choice.warping).toBe(winner);
    }
  });
});

describe("negativeLogPosterior with input warping", () => {
  it("has the gradient that central finite differences give, warping parameters included", () => {
    const categorical = new Uint8Array([0, 1, 0]);
    const warped = Int32Array.from([0, 2]);
    const data = makeData(5, 18, categorical, (x) => Math.sin(6 * x[0]! ** 0.4) + x[1]! + Math.log(0.01 + x[2]!));
    const prior = defaultPrior(3);
    const thetas = [Float64Array.of(-1, 0.3, -0.5, 0.2, -4, 0.4, -0.6, -1.1, 0.8), Float64Array.of(0.5, -1, 0, -0.7, -9, -1.5, 1.2, 0.3, 0.1)];
    for (const theta of thetas) {
      const gradient = new Float64Array(theta.length);
      negativeLogPosterior(theta, data, prior, gradient, warped);
      for (let i = 0; i < theta.length; i++) {
        const numeric = centralDifference((t) => negativeLogPosterior(t, data, prior, undefined, warped), theta, i);
        expect(Math.abs(gradient[i]! - numeric), `θ[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it("equals the unwarped posterior at the identity warp, up to the warping prior's constant", () => {
    const data = makeData(6, 12, new Uint8Array(2), (x) => x[0]! * x[1]!);
    const prior = defaultPrior(2);
    const theta = Float64Array.of(-0.5, 0.2, 0.1, -5);
    const identity = Float64Array.of(...theta, 0, 0, 0, 0);
    expect(negativeLogPosterior(identity, data, prior, undefined, Int32Array.from([0, 1]))).toBeCloseTo(negativeLogPosterior(theta, data, prior), 10);
  });
});

describe("learned input warping", () => {
  // A function of log-scaled inputs that the user declared linear: it changes fast near 0 and
  // hardly at all over most of the box, which a stationary kernel cannot fit with one lengthscale.
  const f = (x: Float64Array) => Math.log10(1e-3 + x[0]!) + 0.5 * Math.log10(1e-3 + x[1]!);

  it("fits a log-scaled function better than no warping, on held-out points", () => {
    const train = makeData(11, 30, new Uint8Array(2), f);
    const raw = Array.from({ length: 30 }, (_, j) => f(train.x.subarray(2 * j, 2 * j + 2)));
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    const deviation = Math.sqrt(raw.reduce((a, v) => a + (v - mean) ** 2, 0) / raw.length);
    const prior = defaultPrior(2);
    const warpedDimensions = Int32Array.from([0, 1]);
    const plain = fitHyperparameters(train, { prior, starts: [defaultTheta(2, prior)] });
    const warped = fitHyperparameters(train, { prior, starts: [defaultTheta(2, prior)], warpedDimensions });
    // Its MAP fit explains the data better (a higher penalized likelihood)...
    expect(warped.value).toBeLessThan(plain.value);
    const warping = InputWarping.fromTheta(warped.theta, 2, warpedDimensions)!;
    // ... stretches the region near 0 (a < 1) where the function moves...
    expect(warping.a[0]).toBeLessThan(1);
    const plainModel = new GaussianProcess(train, parametersFromTheta(plain.theta, 2));
    const warpedX = new Float64Array(train.x.length);
    for (let j = 0; j < train.n; j++) warpedX.set(warping.warpPoint(train.x.subarray(2 * j, 2 * j + 2)), 2 * j);
    const warpedModel = new GaussianProcess({ ...train, x: warpedX }, parametersFromTheta(warped.theta, 2));
    // ... and predicts unseen points better.
    const rng = new Rng(99);
    let plainError = 0;
    let warpedError = 0;
    for (let t = 0; t < 200; t++) {
      const point = Float64Array.of(rng.uniform(), rng.uniform());
      const truth = (f(point) - mean) / deviation;
      plainError += (plainModel.predict(point).mean - truth) ** 2;
      warpedError += (warpedModel.predict(warping.warpPoint(point)).mean - truth) ** 2;
    }
    expect(warpedError).toBeLessThan(0.5 * plainError);
  });

  it("keeps the identity when the function is stationary in the inputs as given", () => {
    const train = makeData(12, 30, new Uint8Array(1), (x) => Math.sin(8 * x[0]!));
    const prior = defaultPrior(1);
    const fitted = fitHyperparameters(train, { prior, starts: [defaultTheta(1, prior)], warpedDimensions: Int32Array.from([0]) });
    expect(Math.abs(fitted.theta[3]!)).toBeLessThan(0.7);
    expect(Math.abs(fitted.theta[4]!)).toBeLessThan(0.7);
  });
});

describe("the additive kernel component", () => {
  const additivePrior = (d: number) => defaultPrior(d, 1e-6, "exponential", true);

  it("has the gradient that central finite differences give, σ²ₐ included", () => {
    const categorical = new Uint8Array([0, 1, 0]);
    const data = makeData(3, 15, categorical, (x) => Math.sin(6 * x[0]!) + x[1]! + x[2]! ** 2);
    const prior = additivePrior(3);
    for (const theta of [new Float64Array([-1, 0.3, -0.5, 0.2, -4, -1.2]), new Float64Array([0.5, -1, 0, -0.7, -9, 0.4])]) expectFiniteDifferenceGradient(theta, data, prior);
  });

  it("fits θ with log σ²ₐ last, and reads it back as the additive variance", () => {
    const data = makeData(5, 20, new Uint8Array(3), (x) => x[0]! + Math.sin(4 * x[1]!));
    const prior = additivePrior(3);
    expect(defaultTheta(3, prior)).toHaveLength(6);
    const { theta } = fitHyperparameters(data, { prior, starts: hyperparameterStarts(3, prior) });
    expect(theta).toHaveLength(6);
    expect(parametersFromTheta(theta, 3).additiveVariance).toBeCloseTo(Math.exp(theta[5]!), 12);
    expect(parametersFromTheta(theta.slice(0, 5), 3).additiveVariance).toBeUndefined();
    expect(() => fitHyperparameters(data, { prior, starts: [theta], warpedDimensions: Int32Array.from([0]) })).toThrow(/input warping/);
  });

  it("gives mean and variance gradients that match finite differences, and predictBatch's exact values under bounds that hold", () => {
    const data = makeData(9, 30, new Uint8Array([0, 0, 1]), (x) => x[0]! - x[1]! * x[2]!);
    const gp = new GaussianProcess(data, parametersFromTheta([Math.log(0.4), Math.log(0.7), 0, 0.3, Math.log(1e-4), Math.log(0.6)], 3));
    const point = new Float64Array([0.35, 0.62, 1]);
    const meanGradient = new Float64Array(3);
    const varianceGradient = new Float64Array(3);
    const at = gp.predictWithGradient(point, meanGradient, varianceGradient);
    expect(at.mean).toBe(gp.predict(point).mean);
    expectPredictionGradients(gp, point, meanGradient, varianceGradient, [0, 1]);
    // Far from the data in the numeric inputs the variance approaches σ² + σ²ₐ (the categorical
    // input's overlap term still correlates it a little with the data).
    const far = gp.predict(new Float64Array([40, 40, 7])).variance;
    expect(far).toBeGreaterThan(Math.exp(0.3) + 0.5);
    expect(far).toBeLessThanOrEqual(Math.exp(0.3) + 0.6);
    const rng = new Rng(4);
    const count = 24;
    const points = Float64Array.from({ length: count * 3 }, (_, k) => (k % 3 === 2 ? rng.integer(0, 2) : rng.uniform()));
    const batch = gp.predictBatch(points, count);
    const variances = new Float64Array(count);
    batch.tighten([0, 3, 7], 0.5);
    batch.variances(Array.from({ length: count }, (_, c) => c), variances);
    for (let c = 0; c < count; c++) {
      const single = gp.predict(points.slice(c * 3, c * 3 + 3));
      expect(batch.means[c]).toBe(single.mean);
      expect(variances[c]).toBe(single.variance);
      expect(batch.varianceBounds[c]).toBeGreaterThanOrEqual(single.variance);
    }
    // Smoothed training values agree with predict, as without the component.
    const means = gp.trainingMeans();
    for (let j = 0; j < data.n; j++) expect(means[j]).toBeCloseTo(gp.predict(data.x.subarray(j * 3, j * 3 + 3)).mean, 9);
  });

  it("grows a model by rows bit for bit, and refactorises when σ²ₐ changes", () => {
    const data = makeData(6, 25, new Uint8Array(3), (x) => x[0]! ** 2 + x[1]! - x[2]!);
    const theta = [Math.log(0.5), Math.log(0.4), Math.log(0.9), 0, Math.log(1e-3), Math.log(0.3)];
    const first = { ...data, n: 20, x: data.x.slice(0, 60), y: data.y.slice(0, 20) };
    const earlier = new GaussianProcess(first, parametersFromTheta(theta, 3));
    const grown = new GaussianProcess(data, parametersFromTheta(theta, 3), earlier);
    const fresh = new GaussianProcess(data, parametersFromTheta(theta, 3));
    expect(grown.grownRows).toBe(20);
    expect(Array.from(grown.factor)).toEqual(Array.from(fresh.factor));
    const other = new GaussianProcess(data, parametersFromTheta([...theta.slice(0, 5), Math.log(0.31)], 3), earlier);
    expect(other.grownRows).toBe(0);
  });

  it("predicts a sum of one-dimensional functions in 8-D better than the kernel without it, from 40 points", () => {
    const d = 8;
    const f = (x: Float64Array) => x.reduce((sum, v, i) => sum + Math.sin(3 * v + i) + 2 * (v - 0.5) ** 2, 0);
    const train = makeData(21, 40, new Uint8Array(d), f);
    const rng = new Rng(22);
    const held = Array.from({ length: 200 }, () => Float64Array.from({ length: d }, () => rng.uniform()));
    // The targets are standardised with the training values' moments, so held-out values are too.
    const raw: number[] = [];
    const rngTrain = new Rng(21);
    for (let j = 0; j < 40; j++) raw.push(f(Float64Array.from({ length: d }, () => rngTrain.uniform())));
    const { mean, sd } = standardMoments(raw);
    const error = (additive: boolean): number => {
      const prior = defaultPrior(d, 1e-6, "exponential", additive);
      const { theta } = fitHyperparameters(train, { prior, starts: hyperparameterStarts(d, prior) });
      const gp = new GaussianProcess(train, parametersFromTheta(theta, d));
      return Math.sqrt(held.reduce((sum, p) => sum + (gp.predict(p).mean - (f(p) - mean) / sd) ** 2, 0) / held.length);
    };
    const plain = error(false);
    const additive = error(true);
    expect(additive).toBeLessThan(0.7 * plain);
  });
});

describe("hyperparameter fit on at most maxObservations rows", () => {
  it("chooses nothing at or below the cap, else the cap's size: the best quarter and an even spread of the rest, in their order, the same each time", () => {
    const rng = new Rng(4);
    const targets = Array.from({ length: 101 }, () => rng.normal());
    expect(fitObservationRows(targets, 101)).toBeNull();
    expect(fitObservationRows(targets, 500)).toBeNull();
    const rows = fitObservationRows(targets, 40)!;
    expect(rows).toHaveLength(40);
    expect(fitObservationRows(targets, 40)).toEqual(rows);
    for (let k = 1; k < rows.length; k++) expect(rows[k]!).toBeGreaterThan(rows[k - 1]!);
    const best = targets.map((_, j) => j).sort((a, b) => targets[a]! - targets[b]!).slice(0, 10);
    for (const j of best) expect(rows).toContain(j);
    // The other 30 come from the 91 rest, one in about every third.
    const rest = Array.from(rows).filter((j) => !best.includes(j));
    expect(rest).toHaveLength(30);
    const others = targets.map((_, j) => j).filter((j) => !best.includes(j));
    const positions = rest.map((j) => others.indexOf(j));
    for (let k = 1; k < positions.length; k++) expect([3, 4]).toContain(positions[k]! - positions[k - 1]!);
    expect(positions[0]!).toBeLessThan(3);
    expect(positions[positions.length - 1]!).toBeGreaterThan(others.length - 4);
    // Ties go to the earlier observation.
    expect(Array.from(fitObservationRows([1, 0, 0, 0, 2, 2], 2)!)).toEqual([1, 3]);
  });

  it("fits every row, bit for bit as before, at or below the cap, and the chosen rows alone above it", () => {
    const data = makeData(8, 45, new Uint8Array(3), (x) => Math.sin(4 * x[0]!) + x[1]! * x[2]!);
    const prior = defaultPrior(3);
    const starts = hyperparameterStarts(3, prior);
    const all = fitHyperparameters(data, { prior, starts, maxIterations: 15 });
    expect(fitHyperparameters(data, { prior, starts, maxIterations: 15, maxObservations: 45 })).toEqual(all);
    const capped = fitHyperparameters(data, { prior, starts, maxIterations: 15, maxObservations: 24 });
    const subset = trainingRows(data, fitObservationRows(data.y, 24)!);
    expect(subset.n).toBe(24);
    expect(capped).toEqual(fitHyperparameters(subset, { prior, starts, maxIterations: 15 }));
    expect(capped.theta).not.toEqual(all.theta);
  });

  it("scores each warping by the posterior and the Jacobian of the same rows, so the choice is as before at or below the cap", () => {
    const rng = new Rng(6);
    const n = 40;
    const base = makeData(6, n, new Uint8Array(2), () => 0);
    const values = Array.from({ length: n }, (_, j) => Math.exp(2 * Math.sin(5 * base.x[2 * j]!) + 0.1 * rng.normal()));
    // The Jacobian of complementary rows adds up to the whole one, for every warping with one.
    const rows = fitObservationRows(values, 20)!;
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => !rows.includes(j));
    for (const warping of ["none", "log", "power"] as const) {
      const whole = warpWithLogJacobian(values, warping);
      const part = warpWithLogJacobian(values, warping, "mean", rows);
      expect(part.y).toEqual(whole.y);
      expect(part.logJacobian + warpWithLogJacobian(values, warping, "mean", others).logJacobian).toBeCloseTo(whole.logJacobian, 8);
    }
    const inputs = { x: base.x, n, d: 2, categorical: base.categorical };
    const prior = defaultPrior(2);
    const options = { prior, starts: hyperparameterStarts(2, prior), maxIterations: 15 };
    expect(chooseOutputWarping(values, inputs, { ...options, maxObservations: n })).toEqual(chooseOutputWarping(values, inputs, options));
    const capped = chooseOutputWarping(values, inputs, { ...options, maxObservations: 20 });
    const subset = trainingRows({ ...inputs, y: new Float64Array(n) }, rows);
    const onSubset = (warping: "none" | "log"): number => {
      const { y, logJacobian } = warpWithLogJacobian(values, warping, "mean", rows);
      return -fitHyperparameters({ ...subset, y: trainingRows({ ...inputs, y }, rows).y }, options).value + logJacobian;
    };
    expect(capped.scores.none).toBeCloseTo(onSubset("none"), 10);
    expect(capped.scores.log).toBeCloseTo(onSubset("log"), 10);
    // Log-normal-like values: a compressing warp on the rows as on all of them.
    expect(capped.warping).not.toBe("none");
    expect(chooseOutputWarping(values, inputs, options).warping).not.toBe("none");
  });
});
