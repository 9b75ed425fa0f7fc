import { describe, expect, it } from "vitest";
import { symmetricEigen } from "../../math/eigen.js";
import { Rng } from "../../math/rng.js";
import { CmaStrategy, cmaConstants, type Evaluated } from "./strategy.js";

const noTermination = { tolX: 0, tolFun: 0, tolXUp: 1e4, maxCondition: 1e20 };

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

/**
 * The tutorial's weights (Hansen 2016, eqs. 49–53, c_1 and c_μ of eq. 57–58 with α_cov = 2),
 * written out again here step by step, independently of `cmaConstants`.
 */
function tutorialWeights(n: number, lambda: number): { weights: number[]; alphas: [number, number, number] } {
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const positive = raw.slice(0, mu);
  const negative = raw.slice(mu);
  const muEff = sum(positive) ** 2 / sum(positive.map((w) => w * w));
  const muEffMinus = sum(negative) ** 2 / sum(negative.map((w) => w * w));
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  const cMu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
  const alphas: [number, number, number] = [1 + c1 / cMu, 1 + (2 * muEffMinus) / (muEff + 2), (1 - c1 - cMu) / (n * cMu)];
  const alpha = Math.min(...alphas);
  const positiveSum = sum(positive);
  const negativeSum = -sum(negative);
  return { weights: raw.map((w) => (w >= 0 ? w / positiveSum : (alpha * w) / negativeSum)), alphas };
}

/** The least eigenvalue of the strategy's C. */
function leastEigenvalue(strategy: CmaStrategy): number {
  return Math.min(...symmetricEigen(strategy.C, strategy.dimension).values);
}

describe("CMA-ES recombination weights (active CMA)", () => {
  it("match the tutorial's formulas and the `cmaes` package's numbers", () => {
    // Weights printed by python3-cmaes 0.9.1's CMA(population_size=7) for n = 3: the binding bound is α_μeff⁻.
    const reference3 = [0.585645106509765, 0.2928225532548825, 0.12153234023535245, 0, -0.4241269418431741, -0.7706638857059224, -1.0636566969842556];
    const c3 = cmaConstants(3, 7);
    reference3.forEach((w, i) => expect(c3.weights[i]!).toBeCloseTo(w, 12));
    const hand3 = tutorialWeights(3, 7);
    hand3.weights.forEach((w, i) => expect(c3.weights[i]!).toBeCloseTo(w, 14));
    expect(c3.muEff).toBeCloseTo(2.2548150822016044, 12);
    expect(c3.muEffMinus).toBeCloseTo(2.677230753771891, 12);
    expect(c3.alphaMuEffMinus).toBeCloseTo(2.258447524533352, 12);
    expect([c3.alphaMuMinus, c3.alphaMuEffMinus, c3.alphaPosDefMinus]).toEqual(hand3.alphas.map((a) => expect.closeTo(a, 12)));

    // n = 10, λ = 10: α_μ⁻ = 1 + c_1/c_μ binds.
    const c10 = cmaConstants(10, 10);
    expect(c10.weights[0]!).toBeCloseTo(0.45627264690340597, 12);
    expect(c10.weights[5]!).toBeCloseTo(-0.08532086250759853, 12);
    expect(c10.weights[9]!).toBeCloseTo(-0.5862218287788353, 12);
    expect(c10.weightSum).toBeCloseTo(-0.7583412769304296, 12);
    expect(c10.c1).toBeCloseTo(0.015283824524751714, 14);
    expect(c10.cMu).toBeCloseTo(0.02015428276120838, 14);
    expect(c10.cSigma).toBeCloseTo(0.2844285879463675, 14);
    expect(c10.dSigma).toBeCloseTo(1.2844285879463675, 14);
    expect(c10.cc).toBeCloseTo(0.29499038303562225, 14);

    // n = 2, λ = 40: α_posdef⁻, the bound that keeps C positive definite, binds.
    const c2 = cmaConstants(2, 40);
    expect(c2.alphaPosDefMinus).toBeLessThan(Math.min(c2.alphaMuMinus, c2.alphaMuEffMinus));
    expect(c2.weights[39]!).toBeCloseTo(-0.014207030801839493, 14);
    expect(c2.weightSum).toBeCloseTo(0.8389719559872959, 12);
  });

  it("sum to 1 over the μ best and to −min(α_μ⁻, α_μeff⁻, α_posdef⁻) over the rest, for every λ and n", () => {
    for (const n of [2, 3, 5, 10, 40]) {
      for (const lambda of [2, 3, 6, 7, 10, 13, 40, 200]) {
        const c = cmaConstants(n, lambda);
        const positive = c.weights.subarray(0, c.mu);
        const negative = c.weights.subarray(c.mu);
        expect(sum(positive)).toBeCloseTo(1, 12);
        for (let i = 1; i < lambda; i++) expect(c.weights[i]!).toBeLessThanOrEqual(c.weights[i - 1]!);
        for (const w of positive) expect(w).toBeGreaterThan(0);
        for (const w of negative) expect(w).toBeLessThanOrEqual(0);
        const bound = Math.max(0, Math.min(c.alphaMuMinus, c.alphaMuEffMinus, c.alphaPosDefMinus));
        expect(-sum(negative)).toBeCloseTo(bound, 12);
        expect(c.weightSum).toBeCloseTo(sum(c.weights), 12);
      }
    }
  });

  it("are all non-negative with the active update off, as Sextant's update was before", () => {
    const c = cmaConstants(10, 10, false);
    expect(Array.from(c.weights.subarray(c.mu))).toEqual([0, 0, 0, 0, 0]);
    expect(c.weightSum).toBe(1);
    expect(Array.from(c.weights.subarray(0, c.mu))).toEqual(Array.from(cmaConstants(10, 10).weights.subarray(0, 5)));
  });
});

describe("CmaStrategy with negative weights", () => {
  it("keeps C positive definite when the worst points lie far out along one axis", () => {
    // The worse half all sit 1000 σ out along the first axis. Unscaled negative weights would
    // subtract about c_μ·0.76·10⁶ from C₁₁ and break C; eq. 46's rescaling by n/‖C^{-1/2} y‖² caps
    // what each removes, and eq. 52's bound keeps the least eigenvalue at least c_μ·(Σ|w⁻|) > 0.
    for (const [n, lambda] of [[3, 7], [10, 10], [2, 40]] as const) {
      const strategy = new CmaStrategy(new Float64Array(n).fill(0.5), 0.1, lambda, noTermination);
      const rng = new Rng(3);
      const solutions: Evaluated[] = [];
      for (let k = 0; k < lambda; k++) {
        const x = strategy.sample(rng);
        if (k >= lambda / 2) x[0] = strategy.mean[0]! + 1000 * strategy.sigma;
        solutions.push({ x, value: k });
      }
      strategy.tell(solutions);
      const { cMu, weightSum } = strategy.constants;
      expect(leastEigenvalue(strategy)).toBeGreaterThanOrEqual(cMu * (1 - weightSum) * (1 - 1e-9));
    }
  });

  it("keeps C positive definite and finite over many generations of adversarial rankings", () => {
    // Each generation ranks its points by closeness to the mean, so the negative weights hit the
    // draws the distribution most expects, and then by the reverse: the hardest rankings for C.
    for (const reverse of [false, true]) {
      const n = 6;
      const strategy = new CmaStrategy(new Float64Array(n).fill(0.5), 0.2, 10, noTermination);
      const rng = new Rng(11);
      for (let g = 0; g < 300; g++) {
        const solutions = Array.from({ length: strategy.lambda }, () => {
          const x = strategy.sample(rng);
          let distance = 0;
          for (let i = 0; i < n; i++) distance += (x[i]! - strategy.mean[i]!) ** 2;
          return { x, value: reverse ? distance : -distance };
        });
        strategy.tell(solutions);
        const least = leastEigenvalue(strategy);
        expect(least).toBeGreaterThan(0);
        expect(Number.isFinite(strategy.condition)).toBe(true);
        expect(Number.isFinite(strategy.sigma)).toBe(true);
        // Well above the floor decompose() would repair to (1e-20 of the largest eigenvalue).
        let largest = 0;
        for (let i = 0; i < n; i++) largest = Math.max(largest, strategy.C[i * n + i]!);
        expect(least / largest).toBeGreaterThan(1e-12);
      }
    }
  });

  it("updates m, σ, p_σ, p_c and C as the `cmaes` package's CMA does, given the same solutions", () => {
    // python3-cmaes 0.9.1: CMA(mean=[0.4, 0.5, 0.6], sigma=1/6, population_size=6), told these four
    // generations of fixed points (not drawn, so both sides see exactly the same ones). It adds
    // 1e-8 to ‖C^{-1/2} y‖² in eq. 46, hence agreement to about 1e-9 rather than to rounding.
    const n = 3;
    const lambda = 6;
    const strategy = new CmaStrategy([0.4, 0.5, 0.6], 1 / 6, lambda, noTermination);
    const point = (g: number, k: number): number[] => Array.from({ length: n }, (_, i) => 0.5 + 0.25 * Math.sin(1 + 31 * g + 7 * k + 3 * i) * 0.8 ** g);
    const f = (x: number[]): number => x.reduce((s, v, i) => s + 10 ** i * (v - 0.3) ** 2, 0) + 2 * (x[0]! - 0.3) * (x[2]! - 0.3);
    for (let g = 0; g < 4; g++) strategy.tell(Array.from({ length: lambda }, (_, k) => ({ x: point(g, k), value: f(point(g, k)) })));
    const close = (actual: ArrayLike<number>, expected: number[]): void => expected.forEach((v, i) => expect(actual[i]!).toBeCloseTo(v, 8));
    close(strategy.mean, [0.4774899576853532, 0.5296603174112964, 0.46378305894670496]);
    expect(strategy.sigma).toBeCloseTo(0.11485148108231563, 8);
    close(strategy.ps, [0.7238221836601038, -0.32207233976284033, -0.08612378420458093]);
    close(strategy.pc, [0.5417196247033824, -0.3075501102559913, 0.06722497826076021]);
    close(strategy.C, [
      0.581821392585219, 0.1756908324542876, -0.11818753245665359,
      0.17569083245428757, 0.7329971770488686, -0.020258258847781242,
      -0.11818753245665357, -0.02025825884778123, 0.969797652794667,
    ]);
  });

  it("gives the same distribution for the same seed and history", () => {
    const run = (seed: number): number[] => {
      const strategy = new CmaStrategy(new Float64Array(4).fill(0.4), 0.2, 8, noTermination);
      const rng = new Rng(seed);
      for (let g = 0; g < 20; g++) {
        strategy.tell(
          Array.from({ length: 8 }, () => {
            const x = strategy.sample(rng);
            return { x, value: x.reduce((s, v, i) => s + 10 ** i * (v - 0.6) ** 2, 0) };
          }),
        );
      }
      return [...strategy.mean, strategy.sigma, ...strategy.C];
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it("reaches 1e-10 on a 10-D ellipsoid of condition 1e6 in far fewer evaluations than the positive-only update", () => {
    const evaluationsToTarget = (seed: number, activeCovariance: boolean): number => {
      const n = 10;
      const strategy = new CmaStrategy(new Float64Array(n).fill(0.5), 0.1, 10, noTermination, { activeCovariance });
      const rng = new Rng(seed);
      let evaluations = 0;
      let best = Infinity;
      while (best > 1e-10 && evaluations < 20000) {
        strategy.tell(
          Array.from({ length: strategy.lambda }, () => {
            const x = strategy.sample(rng);
            let value = 0;
            for (let i = 0; i < n; i++) value += 1e6 ** (i / (n - 1)) * (x[i]! - 0.3) ** 2;
            best = Math.min(best, value);
            return { x, value };
          }),
        );
        evaluations += strategy.lambda;
      }
      return evaluations;
    };
    // Measured on seeds 1–8: active 4000–4310 evaluations, positive-only 5370–6220 (the tutorial's
    // active update learns the short axes faster by shrinking C along the bad directions).
    let active = 0;
    let positive = 0;
    for (const seed of [1, 2, 3, 4]) {
      active += evaluationsToTarget(seed, true);
      positive += evaluationsToTarget(seed, false);
    }
    expect(active).toBeLessThan(19000);
    expect(positive).toBeGreaterThan(21000);
  });
});
