import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { logNormalCdf } from "../../math/special.js";
import { logExpectedImprovement, pointKey } from "./acquisition.js";
import { MACE_EPSILON, maceKappa, maceObjectives, maceParetoFront, proposeMace } from "./mace.js";
import { GaussianProcess } from "./model.js";

/** A 1-D GP with two basins of different depth, observed across the whole line. */
function model(): GaussianProcess {
  return new GaussianProcess(
    { x: Float64Array.from([0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]), y: Float64Array.from([0.8, -0.5, 0.9, -0.2, 0.6, 0.7, 0.9]), n: 7, d: 1, categorical: new Uint8Array(1) },
    { lengthscales: Float64Array.from([0.1]), signalVariance: 1, noiseVariance: 1e-6 },
  );
}
const search = (seed: number) => ({ dimensions: [{ type: "continuous" as const }], nCandidates: 256, anchors: [Float64Array.from([0.2])], taken: new Set<string>(), seed, rng: new Rng(seed) });
const dominates = (a: readonly number[], b: readonly number[], margin: number) => a.every((v, i) => v >= b[i]! + margin) ;

describe("MACE (HEBO, Cowen-Rivers et al. 2022)", () => {
  it("scores log EI, log PI and the upper confidence bound against best − ε", () => {
    const [logEi, logPi, ucb] = maceObjectives(0.3, 0.04, 0.1, 2);
    expect(logEi).toBeCloseTo(logExpectedImprovement(0.3, 0.04, 0.1 - MACE_EPSILON), 12);
    expect(logPi).toBeCloseTo(logNormalCdf((0.1 - MACE_EPSILON - 0.3) / 0.2), 12);
    expect(ucb).toBeCloseTo(2 * 0.2 - 0.3, 12);
    // HEBO's schedule: κ grows with the observations and the dimension.
    expect(maceKappa(20, 6)).toBeCloseTo(Math.sqrt((2 + 3) * Math.log(20) + Math.log(Math.PI ** 2 / 0.01)), 12);
    expect(maceKappa(40, 6)).toBeGreaterThan(maceKappa(20, 6));
  });

  it("returns points on the Pareto front of its three acquisitions on a hand-made model", () => {
    const gp = model();
    const kappa = 2;
    const front = maceParetoFront(gp, -0.5, kappa, search(1));
    expect(front.length).toBeGreaterThan(1);
    // A dense grid finds no point that beats a front point in all three acquisitions by a visible margin.
    const grid = Array.from({ length: 4001 }, (_, k) => {
      const { mean, variance } = gp.predict(Float64Array.from([k / 4000]));
      return maceObjectives(mean, variance, -0.5, kappa);
    });
    for (const member of front) {
      expect(grid.some((g) => dominates(g, member.objectives, 1e-3))).toBe(false);
      for (const other of front) expect(dominates(other.objectives, member.objectives, 1e-12)).toBe(false);
    }
    // The front spans the trade-off: its best log EI and its best UCB are at different points.
    const bestEi = front.reduce((a, b) => (b.objectives[0] > a.objectives[0] ? b : a));
    const bestUcb = front.reduce((a, b) => (b.objectives[2] > a.objectives[2] ? b : a));
    expect(pointKey(bestEi.point)).not.toBe(pointKey(bestUcb.point));
  });

  it("with a failure model, keeps points more likely to fail than not off the front, and weights log EI and log PI by the rest", () => {
    const gp = model();
    // P(not failing) falls from 1 to 0 around x = 0.17, on the left slope of the deeper basin at 0.2.
    const logFeasibility = (point: Float64Array) => logNormalCdf((0.17 - point[0]!) / 0.005);
    const front = maceParetoFront(gp, -0.5, 2, { ...search(3), logFeasibility });
    expect(front.length).toBeGreaterThan(0);
    for (const member of front) {
      expect(member.point[0]!).toBeLessThan(0.17 + 1e-9);
      const { mean, variance } = gp.predict(member.point);
      const [logEi, logPi, ucb] = maceObjectives(mean, variance, -0.5, 2);
      expect(member.objectives[0]).toBeCloseTo(logEi + logFeasibility(member.point), 9);
      expect(member.objectives[1]).toBeCloseTo(logPi + logFeasibility(member.point), 9);
      expect(member.objectives[2]).toBeCloseTo(ucb, 9);
    }
    // Without it, the front reaches beyond.
    expect(maceParetoFront(gp, -0.5, 2, search(3)).some((member) => member.point[0]! > 0.17)).toBe(true);
  });

  it("is reproducible under a seed, draws from the front, and never proposes a taken point", () => {
    const gp = model();
    const first = proposeMace(gp, -0.5, 2, search(4));
    const again = proposeMace(gp, -0.5, 2, search(4));
    expect(Array.from(again!)).toEqual(Array.from(first!));
    const front = maceParetoFront(gp, -0.5, 2, search(4)).map((m) => pointKey(m.point));
    expect(front).toContain(pointKey(first!));
    const draws = new Set(Array.from({ length: 8 }, (_, s) => pointKey(proposeMace(gp, -0.5, 2, search(10 + s))!)));
    expect(draws.size).toBeGreaterThan(1);
    const taken = new Set(front);
    const avoided = proposeMace(gp, -0.5, 2, { ...search(4), taken });
    expect(taken.has(pointKey(avoided!))).toBe(false);
  });
});

describe("MACE's first pool", () => {
  /** A 4-D GP on 60 scattered observations of a bumpy function. */
  function bumpy(): GaussianProcess {
    const rng = new Rng(3);
    const n = 60;
    const d = 4;
    const x = new Float64Array(n * d);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let value = 0;
      for (let i = 0; i < d; i++) {
        const v = rng.uniform();
        x[j * d + i] = v;
        value += Math.sin(7 * v + i) + (v - 0.4) ** 2;
      }
      y[j] = value;
    }
    const mean = y.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    return new GaussianProcess(
      { x, y: y.map((v) => (v - mean) / sd), n, d, categorical: new Uint8Array(d) },
      { lengthscales: Float64Array.from([0.3, 0.4, 0.25, 0.5]), signalVariance: 1, noiseVariance: 1e-4 },
    );
  }
  const search4 = (seed: number) => ({
    dimensions: Array.from({ length: 4 }, () => ({ type: "continuous" as const })),
    nCandidates: 512,
    anchors: [Float64Array.from([0.4, 0.4, 0.4, 0.4])],
    taken: new Set<string>(),
    seed,
    rng: new Rng(seed),
  });

  it("skips exact variances of points that cannot survive, and finds the same front as scoring every point", () => {
    const gp = bumpy();
    const best = Math.min(...Array.from({ length: 60 }, (_, j) => gp.predict(gp.data.x.subarray(j * 4, j * 4 + 4)).mean));
    let exactVariances = 0;
    const counting = {
      predict: gp.predict.bind(gp),
      predictWithGradient: gp.predictWithGradient.bind(gp),
      predictBatch: (points: Float64Array, count: number) => {
        const batch = gp.predictBatch(points, count);
        return { ...batch, variances: (indices: readonly number[], out: Float64Array) => { exactVariances += indices.length; batch.variances(indices, out); } };
      },
    };
    // Without predictBatch every point is predicted in full, one at a time.
    const plain = { predict: gp.predict.bind(gp), predictWithGradient: gp.predictWithGradient.bind(gp) };
    for (const seed of [1, 2]) {
      exactVariances = 0;
      const fast = maceParetoFront(counting, best, maceKappa(60, 4), search4(seed));
      const full = maceParetoFront(plain, best, maceKappa(60, 4), search4(seed));
      expect(fast.map((m) => pointKey(m.point))).toEqual(full.map((m) => pointKey(m.point)));
      expect(fast.map((m) => m.objectives)).toEqual(full.map((m) => m.objectives));
      // The pool holds 1024 points and each of 20 generations adds 64 children: scoring all would
      // take 2304 exact variances.
      expect(exactVariances).toBeLessThan(2304 - 256);
    }
  });
});
