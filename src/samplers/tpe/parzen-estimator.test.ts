import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { normalCdf } from "../../math/special.js";
import { makeDimension } from "./dimension.js";
import { MultivariateParzen, NeighbourWalk, type ParzenOptions, UnivariateCategoricalParzen, UnivariateNumericParzen, bandwidthFloor } from "./parzen-estimator.js";

const OPTIONS: ParzenOptions = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
  magicClipExponent: null,
  minBandwidthFactor: 0,
  maxBandwidthFactor: 1,
  densityJacobian: false,
  multivariateBandwidth: "scott",
};

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

/** Watanabe's (2023) recommended kernel options, the sampler's default. */
const WATANABE: ParzenOptions = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: true,
  magicClipExponent: 2,
  minBandwidthFactor: 0.03,
  maxBandwidthFactor: 0.5,
  densityJacobian: true,
  multivariateBandwidth: "neighbour",
};

describe("Watanabe's kernel options", () => {
  it("floors bandwidths at max(Δ, (1 + n)^-α), or Optuna's 1/min(100, n+1)", () => {
    // n components are N observations and the prior; the paper's reproduction code floors at
    // (1 + N + 1)^-α, so three observations give 1/25 and the floor 0.03 takes over from four.
    expect(bandwidthFloor(WATANABE, 4)).toBeCloseTo(1 / 25, 12);
    expect(bandwidthFloor(WATANABE, 2)).toBeCloseTo(1 / 9, 12);
    expect(bandwidthFloor(WATANABE, 5)).toBe(0.03);
    expect(bandwidthFloor(WATANABE, 100)).toBe(0.03);
    // α = 1 is Optuna's magic clip, below its cap of 100 components.
    for (const n of [1, 2, 9, 50]) expect(bandwidthFloor({ ...WATANABE, magicClipExponent: 1, minBandwidthFactor: 0 }, n)).toBeCloseTo(bandwidthFloor(OPTIONS, n), 15);
    expect(bandwidthFloor(OPTIONS, 9)).toBeCloseTo(0.1);
    expect(bandwidthFloor(OPTIONS, 500)).toBeCloseTo(0.01);
  });

  it("pruned multivariate densities equal the full sum within 1e-12 relative, with neighbour bandwidths", () => {
    const d = 4;
    const dimensions = Array.from({ length: d }, () => makeDimension({ type: "float", low: 0, high: 1 }));
    for (const n of [0, 1, 7, 900]) {
      const rng = new Rng(n + 11);
      const observations = Float64Array.from({ length: n * d }, () => rng.uniform() ** 2);
      const weights = Float64Array.from({ length: n }, () => 0.1 + rng.uniform());
      const parzen = new MultivariateParzen();
      parzen.build(dimensions, observations, weights, n, WATANABE);
      // Bandwidths from one pass over sorted centres (what the sampler does with its columns) give the very same mixture.
      const given = new Float64Array(n * d);
      const walk = new NeighbourWalk();
      for (let k = 0; k < d; k++) {
        walk.start(given, k, d, n, WATANABE);
        const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => observations[a * d + k]! - observations[b * d + k]! || a - b);
        for (const j of order) walk.visit(observations[j * d + k]!, j);
        walk.finish();
      }
      const presorted = new MultivariateParzen();
      presorted.build(dimensions, observations, weights, n, WATANABE, given);
      // Brute force: Bergstra's rule per dimension with the range ends and the prior's centre as neighbours.
      const floor = Math.max(0.03, (n + 1) ** -2);
      const sigma = (j: number, k: number): number => {
        if (j === n) return 1;
        const centres = [...Array.from({ length: n }, (_, i) => observations[i * d + k]!), 0.5].sort((a, b) => a - b);
        const mu = observations[j * d + k]!;
        const i = centres.indexOf(mu);
        const gap = Math.max(mu - (i === 0 ? 0 : centres[i - 1]!), (i === centres.length - 1 ? 1 : centres[i + 1]!) - mu);
        return Math.min(0.5, Math.max(floor, gap));
      };
      const sigmas = Array.from({ length: (n + 1) * d }, (_, at) => sigma(Math.floor(at / d), at % d));
      const total = weights.reduce((s, w) => s + w, 0) + 1;
      const point = new Float64Array(d);
      for (let trial = 0; trial < 12; trial++) {
        for (let k = 0; k < d; k++) point[k] = rng.uniform();
        const logTerms: number[] = [];
        for (let j = 0; j <= n; j++) {
          let term = Math.log((j === n ? 1 : weights[j]!) / total);
          for (let k = 0; k < d; k++) {
            const mu = j === n ? 0.5 : observations[j * d + k]!;
            const s = sigmas[j * d + k]!;
            const z = (point[k]! - mu) / s;
            const mass = normalCdf((1 - mu) / s) - normalCdf(-mu / s);
            term += -0.5 * z * z - Math.log(Math.sqrt(2 * Math.PI) * s * mass);
          }
          logTerms.push(term);
        }
        const max = Math.max(...logTerms);
        const full = max + Math.log(logTerms.reduce((s, t) => s + Math.exp(t - max), 0));
        expect(Math.abs(parzen.logPdf(point, 0) - full)).toBeLessThan(1e-12 * Math.max(1, Math.abs(full)));
        expect(presorted.logPdf(point, 0)).toBe(parzen.logPdf(point, 0));
      }
    }
  });

  it("scores univariate kernels as proper densities that integrate to one", () => {
    const { mus, weights } = sortedData(40, 5);
    const parzen = new UnivariateNumericParzen();
    parzen.build(makeDimension({ type: "float", low: 0, high: 1 }), mus, weights, 40, WATANABE);
    let integral = 0;
    const steps = 20000;
    for (let i = 0; i < steps; i++) integral += Math.exp(parzen.logPdf((i + 0.5) / steps)) / steps;
    expect(integral).toBeCloseTo(1, 4);
  });
});

describe("kernel caches and density bounds", () => {
  it("reuses cached kernels by key yet builds bit for bit what a fresh estimator builds", () => {
    const dimensions = [
      makeDimension({ type: "float", low: 0, high: 1 }),
      makeDimension({ type: "int", low: 0, high: 9 }),
      makeDimension({ type: "float", low: 0, high: 1 }),
    ];
    const d = dimensions.length;
    const rng = new Rng(5);
    // A pool of trials; each round models another subset, so positions, neighbours and bandwidths shift.
    const pool = Float64Array.from({ length: 200 * d }, (_, at) => (at % d === 1 ? (Math.floor(rng.uniform() * 10) + 0.5) / 10 : rng.uniform() ** 3));
    const cached = new MultivariateParzen();
    for (let round = 0; round < 8; round++) {
      const keys = Int32Array.from({ length: 40 + 20 * round }, (_, i) => i).filter((key) => key % (round + 2) !== 1);
      const count = keys.length;
      const observations = new Float64Array(count * d);
      keys.forEach((key, j) => observations.set(pool.subarray(key * d, key * d + d), j * d));
      const weights = Float64Array.from(keys, (key) => 1 + (key % 3));
      cached.build(dimensions, observations, weights, count, WATANABE, null, keys);
      const fresh = new MultivariateParzen();
      fresh.build(dimensions, observations, weights, count, WATANABE);
      for (let p = 0; p < 10; p++) {
        const point = Float64Array.from([rng.uniform(), (Math.floor(rng.uniform() * 10) + 0.5) / 10, rng.uniform()]);
        expect(cached.logPdf(point, 0)).toBe(fresh.logPdf(point, 0));
      }
      const fromCached = new Float64Array(60 * d);
      const fromFresh = new Float64Array(60 * d);
      cached.sample(new Rng(round), 60, fromCached);
      fresh.sample(new Rng(round), 60, fromFresh);
      expect(Array.from(fromCached)).toEqual(Array.from(fromFresh));
    }
  });

  it("brackets every density within 1e-3 nat without exponentials", () => {
    const rng = new Rng(9);
    const d = 4;
    const dimensions = Array.from({ length: d }, () => makeDimension({ type: "float", low: 0, high: 1 }));
    const observations = Float64Array.from({ length: 500 * d }, () => 0.3 + 0.2 * (rng.uniform() - 0.5));
    const joint = new MultivariateParzen();
    joint.build(dimensions, observations, new Float64Array(500).fill(1), 500, WATANABE);
    const { mus, weights } = sortedData(400, 4);
    const single = new UnivariateNumericParzen();
    single.build(makeDimension({ type: "float", low: 0, high: 1 }), mus, weights, 400, OPTIONS);
    const bounds = new Float64Array(2);
    const points = new Float64Array(d);
    for (let p = 0; p < 50; p++) {
      for (let k = 0; k < d; k++) points[k] = p < 25 ? 0.3 + 0.3 * (rng.uniform() - 0.5) : rng.uniform();
      joint.logPdfBoundsAt(points, 0, bounds, 0);
      const exact = joint.logPdfAt(points, 0);
      expect(bounds[0]!).toBeLessThanOrEqual(exact);
      expect(bounds[1]!).toBeGreaterThanOrEqual(exact);
      expect(bounds[1]! - bounds[0]!).toBeLessThan(1e-3);
      single.logPdfBoundsAt(points, 0, bounds, 0);
      const exactSingle = single.logPdfAt(points, 0);
      expect(bounds[0]!).toBeLessThanOrEqual(exactSingle);
      expect(bounds[1]!).toBeGreaterThanOrEqual(exactSingle);
      expect(bounds[1]! - bounds[0]!).toBeLessThan(1e-3);
    }
  });

  it("claims a density exceeds a threshold only when it does, and catches most clear cases early", () => {
    const rng = new Rng(13);
    for (const withChoice of [false, true]) {
      const d = 5;
      const dimensions = Array.from({ length: d }, (_, k) =>
        withChoice && k === 2 ? makeDimension({ type: "categorical", choices: ["a", "b", "c"] }) : makeDimension({ type: "float", low: 0, high: 1 }),
      );
      const count = 600;
      const observations = Float64Array.from({ length: count * d }, (_, at) =>
        withChoice && at % d === 2 ? Math.floor(rng.uniform() * 3) : 0.3 + 0.4 * (rng.uniform() - 0.5) * rng.uniform(),
      );
      const joint = new MultivariateParzen();
      joint.build(dimensions, observations, new Float64Array(count).fill(1), count, WATANABE);
      const points = new Float64Array(d);
      let caught = 0;
      for (let p = 0; p < 60; p++) {
        for (let k = 0; k < d; k++) points[k] = withChoice && k === 2 ? p % 3 : p < 30 ? 0.3 + 0.3 * (rng.uniform() - 0.5) : rng.uniform();
        const exact = joint.logPdfAt(points, 0);
        // Never a false claim, even a hair above the exact value.
        expect(joint.exceedsAt(points, 0, exact + 1e-9)).toBe(false);
        expect(joint.exceedsAt(points, 0, exact + 0.5)).toBe(false);
        if (joint.exceedsAt(points, 0, exact - 0.05)) caught++;
        expect(joint.exceedsAt(points, 0, exact - 50)).toBe(true);
      }
      expect(caught).toBeGreaterThan(50);
    }
    const { mus, weights } = sortedData(300, 2);
    const single = new UnivariateNumericParzen();
    single.build(makeDimension({ type: "float", low: 0, high: 1 }), mus, weights, 300, OPTIONS);
    for (const x of [0, 0.1, 0.35, 0.8, 1]) {
      const point = Float64Array.of(x);
      const exact = single.logPdfAt(point, 0);
      expect(single.exceedsAt(point, 0, exact + 1e-9)).toBe(false);
      expect(single.exceedsAt(point, 0, exact - 0.01)).toBe(true);
    }
  });

  it("gives the neighbour bandwidths of a sorted walk that a sort gives, endpoints or not", () => {
    for (const considerEndpoints of [true, false]) {
      const options = { ...WATANABE, considerEndpoints };
      const values = [0.5, 0.1, 0.5, 0.9, 0.45, 0.55, 0.02];
      const out = new Float64Array(values.length);
      const walk = new NeighbourWalk();
      walk.start(out, 0, 1, values.length, options);
      const order = values.map((_, j) => j).sort((a, b) => values[a]! - values[b]! || a - b);
      for (const j of order) walk.visit(values[j]!, j);
      walk.finish();
      // Brute force: centres with the prior's 0.5 after its ties, the larger gap, clipped to [0.03, 0.5].
      const centres = [...values, 0.5].sort((a, b) => a - b);
      values.forEach((value, j) => {
        const ties = values.filter((v, i) => v === value && i < j).length;
        const i = centres.indexOf(value) + ties;
        let left = i === 0 ? (considerEndpoints ? value : 0) : value - centres[i - 1]!;
        let right = i === centres.length - 1 ? (considerEndpoints ? 1 - value : 0) : centres[i + 1]! - value;
        if (i === 0 && !considerEndpoints) left = right;
        if (i === centres.length - 1 && !considerEndpoints) right = left;
        expect(out[j]).toBe(Math.min(0.5, Math.max(0.03, left, right)));
      });
    }
  });
});

describe("BOHB's sampling bandwidth factor", () => {
  /** Mean absolute distance of drawn points from the nearest observation, and the densities at 0.3. */
  function drawn(factor: number): { spread: number; density: number; jointSpread: number; jointDensity: number } {
    const mus = Float64Array.from([0.3, 0.32, 0.34, 0.7, 0.72]);
    const weights = new Float64Array(5).fill(1);
    const options = { ...OPTIONS, considerMagicClip: false, priorWeight: 0.01, samplingBandwidthFactor: factor };
    const nearest = (x: number) => Math.min(...[...mus].map((m) => Math.abs(x - m)));
    const univariate = new UnivariateNumericParzen();
    univariate.build(makeDimension({ type: "float", low: 0, high: 1 }), mus, weights, 5, options);
    const points = new Float64Array(4000);
    univariate.sample(new Rng(1), 4000, points);
    const joint = new MultivariateParzen();
    const dimensions = [makeDimension({ type: "float", low: 0, high: 1 }), makeDimension({ type: "float", low: 0, high: 1 })];
    const observations = Float64Array.from([...mus].flatMap((m) => [m, 0.5]));
    joint.build(dimensions, observations, weights, 5, options);
    const pairs = new Float64Array(8000);
    joint.sample(new Rng(1), 4000, pairs);
    let jointSpread = 0;
    for (let i = 0; i < 4000; i++) jointSpread += Math.abs(pairs[2 * i + 1]! - 0.5) / 4000;
    return {
      spread: points.reduce((sum, x) => sum + nearest(x), 0) / 4000,
      density: univariate.logPdf(0.3),
      jointSpread,
      jointDensity: joint.logPdf(Float64Array.from([0.3, 0.5]), 0),
    };
  }

  it("widens the kernels candidates are drawn from, and leaves the densities that score them alone", () => {
    const plain = drawn(1);
    const wide = drawn(3);
    expect(wide.spread).toBeGreaterThan(1.3 * plain.spread);
    expect(wide.jointSpread).toBeGreaterThan(1.3 * plain.jointSpread);
    expect(wide.density).toBe(plain.density);
    expect(wide.jointDensity).toBe(plain.jointDensity);
  });
});
