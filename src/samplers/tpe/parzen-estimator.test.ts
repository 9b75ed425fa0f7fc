import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { normalCdf } from "../../math/special.js";
import { makeDimension } from "./dimension.js";
import { MultivariateParzen, UnivariateCategoricalParzen, UnivariateNumericParzen } from "./parzen-estimator.js";

const OPTIONS = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false };

function sortedData(n: number, seed: number): { mus: Float64Array; weights: Float64Array } {
  const rng = new Rng(seed);
  const mus = Float64Array.from({ length: n }, () => rng.uniform() ** 2).sort();
  const weights = Float64Array.from({ length: n }, () => 0.1 + rng.uniform());
  return { mus, weights };
}

describe("UnivariateNumericParzen", () => {
  it("matches the full mixture sum although it visits only nearby kernels", () => {
    for (const n of [0, 1, 5, 300]) {
      const { mus, weights } = sortedData(n, n);
      const parzen = new UnivariateNumericParzen();
      parzen.build(makeDimension({ type: "float", low: 0, high: 1 }), mus, weights, n, OPTIONS);
      // Brute force with the same kernels: bandwidths from the neighbour rule, prior at 0.5 with σ = 1.
      const centres = [...mus, 0.5].sort((a, b) => a - b);
      const prior = centres.indexOf(0.5, n > 0 && mus.includes(0.5) ? mus.indexOf(0.5) + 1 : 0);
      const all = centres.map((mu, i) => {
        let sigma = Math.max(mu - (i === 0 ? 0 : centres[i - 1]!), (i === centres.length - 1 ? 1 : centres[i + 1]!) - mu);
        if (centres.length >= 2 && i === 0) sigma = centres[1]! - centres[0]!;
        if (centres.length >= 2 && i === centres.length - 1) sigma = centres[i]! - centres[i - 1]!;
        sigma = Math.min(1, Math.max(1 / Math.min(100, centres.length + 1), sigma));
        return { mu, sigma: i === prior ? 1 : sigma };
      });
      const weightOf = (i: number): number => {
        if (i === prior) return 1;
        return weights[i < prior ? i : i - 1]!;
      };
      const total = all.reduce((s, _, i) => s + weightOf(i), 0);
      for (const x of [0, 0.03, 0.2, 0.5, 0.77, 1]) {
        let density = 0;
        all.forEach(({ mu, sigma }, i) => {
          const z = (x - mu) / sigma;
          const mass = normalCdf((1 - mu) / sigma) - normalCdf(-mu / sigma);
          density += (weightOf(i) / total) * (Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)) / mass;
        });
        expect(parzen.logPdf(x)).toBeCloseTo(Math.log(density), 10);
      }
    }
  });

  it("gives grid cells probabilities that sum to one and samples only cell centres", () => {
    const dimension = makeDimension({ type: "int", low: 0, high: 9 });
    const mus = Float64Array.from([0.05, 0.15, 0.15, 0.65, 0.95]);
    const parzen = new UnivariateNumericParzen();
    parzen.build(dimension, mus, new Float64Array(5).fill(1), 5, OPTIONS);
    let total = 0;
    for (let k = 0; k < 10; k++) total += Math.exp(parzen.logPdf((k + 0.5) / 10));
    expect(total).toBeCloseTo(1, 12);
    const out = new Float64Array(200);
    parzen.sample(new Rng(1), 200, out);
    for (const u of out) expect(Math.abs(u * 10 - 0.5 - Math.round(u * 10 - 0.5))).toBeLessThan(1e-9);
  });

  it("samples inside [0, 1] and near the heavy kernels", () => {
    const parzen = new UnivariateNumericParzen();
    const mus = Float64Array.from({ length: 50 }, (_, i) => 0.2 + i * 1e-3);
    parzen.build(makeDimension({ type: "float", low: 0, high: 1 }), mus, new Float64Array(50).fill(1), 50, OPTIONS);
    const out = new Float64Array(1000);
    parzen.sample(new Rng(3), 1000, out);
    expect(out.every((u) => u >= 0 && u <= 1)).toBe(true);
    expect(out.filter((u) => Math.abs(u - 0.225) < 0.1).length).toBeGreaterThan(850);
  });
});

describe("UnivariateCategoricalParzen", () => {
  it("is a probability vector that favours observed choices", () => {
    const parzen = new UnivariateCategoricalParzen();
    parzen.build(3, Float64Array.from([1, 1, 1, 2]), new Float64Array(4).fill(1), 4, OPTIONS);
    const p = [0, 1, 2].map((c) => Math.exp(parzen.logPdf(c)));
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 12);
    expect(p[1]!).toBeGreaterThan(p[2]!);
    expect(p[2]!).toBeGreaterThan(p[0]!);
  });
});

describe("MultivariateParzen", () => {
  it("samples legal coordinates and scores points near the data higher", () => {
    const dimensions = [
      makeDimension({ type: "float", low: 0, high: 1 }),
      makeDimension({ type: "int", low: 0, high: 4 }),
      makeDimension({ type: "categorical", choices: ["a", "b", "c"] }),
    ];
    const observations = Float64Array.from([0.3, 0.5, 1, 0.32, 0.5, 1, 0.28, 0.3, 1]);
    const parzen = new MultivariateParzen();
    parzen.build(dimensions, observations, new Float64Array(3).fill(1), 3, OPTIONS);
    const out = new Float64Array(3 * 100);
    parzen.sample(new Rng(2), 100, out);
    for (let s = 0; s < 100; s++) {
      expect(out[s * 3]!).toBeGreaterThanOrEqual(0);
      expect(out[s * 3]!).toBeLessThanOrEqual(1);
      expect([0.1, 0.3, 0.5, 0.7, 0.9].some((c) => Math.abs(c - out[s * 3 + 1]!) < 1e-12)).toBe(true);
      expect([0, 1, 2]).toContain(out[s * 3 + 2]!);
    }
    const near = parzen.logPdf(Float64Array.from([0.3, 0.5, 1]), 0);
    const far = parzen.logPdf(Float64Array.from([0.9, 0.9, 0]), 0);
    expect(near).toBeGreaterThan(far);
    expect(Number.isFinite(far)).toBe(true);
  });
});
