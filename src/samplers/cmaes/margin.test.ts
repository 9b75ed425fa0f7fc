import { describe, expect, it } from "vitest";
import { type Distribution, gridCellAround } from "../../space/index.js";
import { type DiscreteCoordinate, applyMargin, defaultMargin, marginalLeaveProbabilities } from "./margin.js";

/** A coordinate on a grid of `cells` equal cells of [0, 1], as the encoder lays out an int with that many values. */
function gridCoordinate(index: number, cells: number): DiscreteCoordinate {
  const distribution: Distribution = { type: "int", low: 0, high: cells - 1 };
  return { index, cellAround: (unit) => gridCellAround(distribution, unit)! };
}

/** A hand-made state: coordinates 0 and 1 on a grid of 5 values, coordinate 2 continuous. */
function state(mean: number[], sigma: number) {
  return {
    mean: Float64Array.from(mean),
    sigma,
    C: Float64Array.from([1, 0.3, 0.1, 0.3, 0.5, 0, 0.1, 0, 2]),
    scale: new Float64Array(3).fill(1),
  };
}

const coordinates = [gridCoordinate(0, 5), gridCoordinate(1, 5)];

describe("gridCellAround", () => {
  it("gives the encoded thresholds around a grid value, open at the first and last", () => {
    expect(gridCellAround({ type: "int", low: 0, high: 3 }, 0.4)).toEqual({ lower: 0.25, upper: 0.5 });
    expect(gridCellAround({ type: "int", low: 0, high: 3 }, 0.1)).toEqual({ lower: -Infinity, upper: 0.25 });
    expect(gridCellAround({ type: "int", low: 0, high: 3 }, 0.9)).toEqual({ lower: 0.75, upper: Infinity });
    const stepped = gridCellAround({ type: "float", low: 0, high: 1, step: 0.25 }, 0.5)!;
    expect(stepped.lower).toBeCloseTo(0.4, 12);
    expect(stepped.upper).toBeCloseTo(0.6, 12);
    // A log int changes value where exp(x) crosses v ± ½.
    const log = gridCellAround({ type: "int", low: 1, high: 100, log: true }, 0.5)!;
    const span = Math.log(100.5) - Math.log(0.5);
    const value = Math.round(Math.exp(Math.log(0.5) + 0.5 * span));
    expect(log.lower).toBeCloseTo((Math.log(value - 0.5) - Math.log(0.5)) / span, 12);
    expect(log.upper).toBeCloseTo((Math.log(value + 0.5) - Math.log(0.5)) / span, 12);
    expect(gridCellAround({ type: "float", low: 0, high: 1 }, 0.5)).toBeUndefined();
  });
});

describe("applyMargin", () => {
  it("matches the reference CMAwM on a hand-made state", () => {
    // cmaes 0.9.1: CMAwM(mean, sigma, bounds=[[.1, .9]] * 2 + [[0, 1]], steps=[.2, .2, 0], population_size=6),
    // with _mean, _sigma, _C set as below and the margin step of tell() run alone.
    const s = state([0.47, 0.05, 0.33], 0.004);
    const alpha = defaultMargin(3, 6);
    expect(alpha).toBeCloseTo(0.05555555555555555, 15);
    applyMargin(s, coordinates, alpha);
    expect(s.mean[0]).toBeCloseTo(0.5000000000000001, 12);
    expect(s.mean[1]).toBeCloseTo(0.19549369667944755, 12);
    expect(s.scale[0]).toBeCloseTo(13.058200018417052, 9);
    expect(s.scale[1]).toBe(1);
    expect(s.mean[2]).toBe(0.33);
    expect(s.scale[2]).toBe(1);
  });

  it("lower-bounds the probability of leaving each discrete coordinate's cell by α, on many states", () => {
    const alpha = 0.02;
    for (let k = 0; k < 200; k++) {
      // Means all over [−0.1, 1.1] and step sizes from far below a cell to several cells.
      const m0 = -0.1 + ((k * 0.6180339887) % 1) * 1.2;
      const m1 = -0.1 + ((k * 0.4142135623) % 1) * 1.2;
      const sigma = 10 ** (-5 + ((k * 0.7320508075) % 1) * 5);
      const s = state([m0, m1, 0.42], sigma);
      const before = { C: Float64Array.from(s.C), sigma: s.sigma };
      applyMargin(s, coordinates, alpha);
      for (const coordinate of coordinates) {
        const { below, above } = marginalLeaveProbabilities(s, coordinate);
        expect(below + above).toBeGreaterThanOrEqual(alpha * (1 - 1e-9));
        const { lower, upper } = coordinate.cellAround(s.mean[coordinate.index]!);
        if (Number.isFinite(lower) && Number.isFinite(upper)) {
          expect(below).toBeGreaterThanOrEqual((alpha / 2) * (1 - 1e-9));
          expect(above).toBeGreaterThanOrEqual((alpha / 2) * (1 - 1e-9));
        }
      }
      // The continuous coordinate, σ and C are untouched.
      expect(s.mean[2]).toBe(0.42);
      expect(s.scale[2]).toBe(1);
      expect(s.sigma).toBe(before.sigma);
      expect(s.C).toEqual(before.C);
    }
  });

  it("moves an edge coordinate only as far as makes its chance of leaving exactly α", () => {
    const s = state([0.02, 0.5, 0.5], 0.001);
    applyMargin(s, coordinates, 0.01);
    const { below, above } = marginalLeaveProbabilities(s, coordinates[0]!);
    expect(below).toBe(0);
    expect(above).toBeCloseTo(0.01, 9);
    expect(s.mean[0]).toBeLessThan(0.2);
    expect(s.scale[0]).toBe(1);
  });

  it("changes nothing where the chances of leaving are already above the margin", () => {
    const s = state([0.5, 0.3, 0.7], 0.2);
    applyMargin(s, coordinates, 0.01);
    expect(Array.from(s.mean)).toEqual([0.5, 0.3, 0.7]);
    expect(Array.from(s.scale)).toEqual([1, 1, 1]);
  });

  it("changes nothing when no coordinate is discrete", () => {
    const s = state([0.47, 0.05, 0.33], 1e-5);
    applyMargin(s, [], 0.05);
    expect(Array.from(s.mean)).toEqual([0.47, 0.05, 0.33]);
    expect(Array.from(s.scale)).toEqual([1, 1, 1]);
  });
});
