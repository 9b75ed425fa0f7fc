import { describe, expect, it } from "vitest";
import { linearPercentile, meanAndDeviation, median, ranks, standardize } from "./statistics.js";

describe("median", () => {
  it("takes the middle value of an odd count and the mean of the two middle ones of an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([-1])).toBe(-1);
  });

  it("leaves its input in order", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

/**
 * [sorted values, q, NumPy's answer], printed once by Debian's Python (NumPy 1.24.2, the one
 * Optuna 3.1 runs on here; NumPy 2.4.6 prints the same) with
 * `float(np.nanpercentile(np.array(values), q))` for each row (repr of the result, NaN and ±inf
 * spelled as here); the random rows are `np.round(default_rng(3).normal(0, 1, n), 3)`, sorted.
 */
const NUMPY_PERCENTILES: [number[], number, number][] = [
  [[-0.7, 0.1], 50, -0.29999999999999993],
  [[-0.7, 0.1], 25, -0.5],
  [[0.1, 0.3, 0.7], 90, 0.62],
  [[1.0, 2.0, 3.0, 4.0, 5.0], 10, 1.4],
  [[1.0, 2.0, 3.0, 4.0, 5.0], 25, 2.0],
  [[5.0], 50, 5.0],
  [[2.0, 8.0], 100, 8.0],
  [[2.0, 8.0], 0, 2.0],
  [[1.0, Infinity], 25, Infinity],
  [[1.0, Infinity], 75, Number.NaN],
  [[1.0, Infinity], 100, Number.NaN],
  [[-Infinity, 1.0], 25, Number.NaN],
  [[-Infinity, 1.0], 50, -Infinity],
  [[-Infinity, 1.0], 75, -Infinity],
  [[Infinity], 50, Number.NaN],
  [[1.0, 2.0, Infinity], 50, Number.NaN],
  [[1.0, 2.0, Infinity], 40, 1.8],
  [[-Infinity, -Infinity, 3.0], 30, Number.NaN],
  [[-Infinity, Infinity], 50, Number.NaN],
  [[-2.556, 2.041], 10.0, -2.0963000000000003],
  [[-0.568, 0.418], 25.0, -0.32149999999999995],
  [[-0.453, -0.216], 33.3, -0.37407900000000005],
  [[-2.02, -0.232], 50.0, -1.1260000000000001],
  [[-0.865, 3.323], 75.0, 2.276],
  [[-0.353, 0.226], 90.0, 0.16810000000000003],
  [[-1.055, -0.668, -0.281], 10.0, -0.9775999999999999],
  [[-0.391, -0.239, 0.482], 25.0, -0.315],
  [[-0.2, 0.024, 0.958], 33.3, -0.05081600000000002],
  [[-0.505, 0.545, 1.546], 50.0, 0.545],
  [[-0.183, 0.541, 1.935], 75.0, 1.238],
  [[-0.27, -0.244, 1.002], 90.0, 0.7528],
  [[-0.886, -0.292, 0.58, 0.883], 10.0, -0.7078],
  [[-2.828, 0.092, 0.67, 1.021], 25.0, -0.638],
  [[-1.669, -0.96, 0.276, 0.701], 33.3, -0.960709],
  [[-1.076, -0.445, -0.053, 0.026], 50.0, -0.249],
  [[0.194, 0.747, 1.112, 1.406], 75.0, 1.1855],
  [[-0.926, -0.206, 0.583, 0.584], 90.0, 0.5837],
  [[-2.494, -1.639, -0.783, -0.215, 0.229, 0.491, 0.69], 10.0, -1.981],
  [[-2.034, -0.964, -0.914, 0.061, 0.71, 0.757, 1.156], 25.0, -0.9390000000000001],
  [[-2.158, -1.191, -0.609, -0.498, 0.328, 0.355, 1.591], 33.3, -0.6101640000000002],
  [[-1.718, -1.048, -0.372, -0.022, 0.753, 1.406, 1.682], 50.0, -0.022],
  [[-0.8, -0.8, -0.639, 0.349, 0.754, 1.138, 1.37], 75.0, 0.946],
  [[-1.73, -1.46, -1.249, -0.596, -0.321, 0.225, 0.575], 90.0, 0.3650000000000001],
  [[-0.794, -0.317, -0.243, -0.004, 0.134, 0.216, 0.293, 0.757, 0.817, 1.214], 10.0, -0.3647],
  [[-2.04, -0.609, -0.34, -0.111, 0.225, 0.533, 0.543, 1.497, 1.499, 2.55], 25.0, -0.28275],
  [[-2.279, -1.302, -0.979, -0.801, -0.197, 0.043, 0.641, 1.067, 1.174, 2.048], 33.3, -0.8015340000000001],
  [[-1.078, -0.814, -0.192, 0.155, 0.658, 0.742, 0.768, 1.369, 1.505, 1.76], 50.0, 0.7],
  [[-1.171, -0.931, -0.701, -0.556, -0.452, -0.305, -0.246, 0.481, 0.485, 2.463], 75.0, 0.29925],
  [[-1.526, -1.335, -0.458, 0.009, 0.111, 0.116, 0.139, 0.333, 0.525, 0.851], 90.0, 0.5575999999999999],
];

describe("linearPercentile", () => {
  it("gives NumPy's percentile bit for bit, infinities and NaN included", () => {
    for (const [values, q, expected] of NUMPY_PERCENTILES) {
      expect(linearPercentile(values, q), `${JSON.stringify(values)} at ${q}`).toBe(expected);
    }
    expect(linearPercentile([], 50)).toBeNaN();
  });
});

describe("ranks", () => {
  it("ranks from 0 and gives ties their mean rank", () => {
    expect(Array.from(ranks([0.3, 0.1, 0.3]))).toEqual([1.5, 0, 1.5]);
    expect(Array.from(ranks([5, -1, 2, 2, 2, 9]))).toEqual([4, 0, 2, 2, 2, 5]);
    expect(Array.from(ranks([]))).toEqual([]);
  });
});

describe("standardize", () => {
  it("centres and scales, and stays finite where values of both signs near the largest double overflow the difference", () => {
    expect(Array.from(standardize([1, 3], { mean: 2, sd: 1 }))).toEqual([-1, 1]);
    expect(Array.from(standardize([5, 5], { mean: 5, sd: 0 }))).toEqual([0, 0]);
    const extremes = [Number.MAX_VALUE, -Number.MAX_VALUE, 0, Number.MAX_VALUE];
    const y = standardize(extremes, meanAndDeviation(extremes));
    for (const v of y) expect(Number.isFinite(v)).toBe(true);
    expect(y[0]).toBeGreaterThan(y[2]!);
    expect(y[2]).toBeGreaterThan(y[1]!);
  });
});
