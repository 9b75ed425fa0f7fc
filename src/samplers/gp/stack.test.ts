import { describe, expect, it } from "vitest";
import type { Surrogate } from "./acquisition.js";
import { calibrateStack, stackRelated, stackResiduals, stackedSurrogate } from "./stack.js";

/** A surrogate with a closed-form mean and variance in one dimension, and their derivatives. */
function analytic(mean: (x: number) => number, variance: (x: number) => number, h = 1e-6): Surrogate {
  const derivative = (f: (x: number) => number, x: number) => (f(x + h) - f(x - h)) / (2 * h);
  return {
    predict: (p) => ({ mean: mean(p[0]!), variance: variance(p[0]!) }),
    predictWithGradient: (p, mg, vg) => {
      mg[0] = derivative(mean, p[0]!);
      vg[0] = derivative(variance, p[0]!);
      return { mean: mean(p[0]!), variance: variance(p[0]!) };
    },
  };
}

const at = (x: number) => Float64Array.of(x);

describe("calibrateStack", () => {
  it("fits y ≈ a·μ + b by least squares", () => {
    const fit = calibrateStack([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
  });

  it("gives slope 0 and the mean of y when the results run against the mean below, or it does not vary", () => {
    for (const [means, y, intercept] of [[[0, 1, 2], [3, 2, 1], 2], [[5, 5, 5], [1, 2, 6], 3]] as const) {
      const fit = calibrateStack(means, y);
      expect(fit.slope).toBe(0);
      expect(fit.intercept).toBeCloseTo(intercept, 12);
    }
  });
});

describe("stackRelated", () => {
  it("asks for a positive correlation at 5% by Fisher's test, so weak ones need many points", () => {
    expect(stackRelated([0, 1, 2, 3, 4, 5], [0.1, 1.2, 1.9, 3.2, 3.9, 5.1])).toBe(true);
    // r = 0.70: atanh(r)·√3 = 1.49 < 1.645 at n = 6; the same values again, 6 higher, make r = 0.87 at n = 12, which passes.
    expect(stackRelated([0, 1, 2, 3, 4, 5], [3, 1, 4, 1, 5, 9])).toBe(false);
    expect(stackRelated([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 1, 4, 1, 5, 9, 3, 1, 4, 1, 5, 9].map((v, i) => v + (i >= 6 ? 6 : 0)))).toBe(true);
    expect(stackRelated([0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0])).toBe(false);
    expect(stackRelated([1, 2, 3], [1, 2, 3])).toBe(false);
  });
});

describe("stackedSurrogate (Golovin et al. 2017, §3.3)", () => {
  const base = analytic((x) => x * x, (x) => 0.5 + x);
  const top = analytic((x) => Math.sin(x), (x) => 0.2 + x * x);
  /** A source layer and a study layer whose slope maps the source's units to its own by 2. */
  const layers = [
    { gp: base, count: 30, slope: 1, intercept: 0 },
    { gp: top, count: 10, slope: 2, intercept: -1 },
  ];

  it("adds the residual mean to the mapped mean below and blends the deviations geometrically by the evidence share", () => {
    const stack = stackedSurrogate(layers);
    const x = 0.7;
    const { mean, variance } = stack.predict(at(x));
    expect(mean).toBeCloseTo(2 * x * x - 1 + Math.sin(x), 12);
    const beta = 10 / 40;
    const sd = Math.sqrt(0.2 + x * x) ** beta * Math.sqrt(0.5 + x) ** (1 - beta);
    expect(Math.sqrt(variance)).toBeCloseTo(sd, 12);
  });

  it("is the base alone with one layer, and the top alone where the top's slope is 0", () => {
    expect(stackedSurrogate([{ gp: base, count: 5, slope: 1, intercept: 0 }]).predict(at(0.3))).toEqual(base.predict(at(0.3)));
    const ignored = stackedSurrogate([
      { gp: base, count: 30, slope: 1, intercept: 0 },
      { gp: top, count: 10, slope: 0, intercept: 0.4 },
    ]).predict(at(0.3));
    expect(ignored.mean).toBeCloseTo(0.4 + Math.sin(0.3), 12);
    expect(ignored.variance).toBeCloseTo(0.2 + 0.09, 12);
  });

  it("with the sum variance, adds the top's variance to the variance below scaled by the slope squared", () => {
    const x = 0.7;
    const { mean, variance } = stackedSurrogate(layers, "sum").predict(at(x));
    expect(mean).toBeCloseTo(stackedSurrogate(layers).predict(at(x)).mean, 12);
    expect(variance).toBeCloseTo(4 * (0.5 + x) + 0.2 + x * x, 12);
    // Where the top knows little, the sum keeps its prior variance; the geometric blend shrinks it towards the base's.
    const unsure = [layers[0]!, { gp: analytic(() => 0, () => 1), count: 10, slope: 1, intercept: 0 }];
    const confidentBase = [{ ...layers[0]!, gp: analytic(() => 0, () => 1e-4) }, unsure[1]!];
    expect(stackedSurrogate(confidentBase, "sum").predict(at(x)).variance).toBeGreaterThan(1);
    expect(stackedSurrogate(confidentBase).predict(at(x)).variance).toBeLessThan(0.01);
  });

  it("with the scaled variance, blends the deviation below after mapping it to the study's units by the slope", () => {
    const x = 0.7;
    const beta = 10 / 40;
    const sd = Math.sqrt(0.2 + x * x) ** beta * (2 * Math.sqrt(0.5 + x)) ** (1 - beta);
    expect(Math.sqrt(stackedSurrogate(layers, "scaled").predict(at(x)).variance)).toBeCloseTo(sd, 12);
    // With slope 1 it is Vizier's blend.
    const unit = [layers[0]!, { ...layers[1]!, slope: 1 }];
    expect(stackedSurrogate(unit, "scaled").predict(at(x)).variance).toBeCloseTo(stackedSurrogate(unit).predict(at(x)).variance, 12);
  });

  it.each(["geometric", "sum", "scaled"] as const)("gives gradients that match finite differences of its predictions with the %s variance, through three layers", (combine) => {
    const stack = stackedSurrogate(
      [
        { gp: base, count: 100, slope: 1, intercept: 0 },
        { gp: top, count: 40, slope: 0.7, intercept: 0.1 },
        { gp: analytic((x) => 0.3 * x, (x) => 1 + 0.5 * x), count: 8, slope: combine === "sum" ? 0 : 1.3, intercept: -0.2 },
      ],
      combine,
    );
    for (const x of [0.1, 0.45, 0.9]) {
      const mg = new Float64Array(1);
      const vg = new Float64Array(1);
      expect(stack.predictWithGradient(at(x), mg, vg)).toEqual(stack.predict(at(x)));
      const h = 1e-5;
      const up = stack.predict(at(x + h));
      const down = stack.predict(at(x - h));
      expect(mg[0]).toBeCloseTo((up.mean - down.mean) / (2 * h), 5);
      expect(vg[0]).toBeCloseTo((up.variance - down.variance) / (2 * h), 5);
    }
  });

  it("takes the residuals of the study's results from the mapped mean below", () => {
    const points = [0.1, 0.5, 0.9].map(at);
    const y = [0.1, 0.5, 0.9].map((x) => 3 * x * x + 2 + 0.01 * x);
    const { residuals, slope, intercept, related } = stackResiduals(base, points, y);
    expect(slope).toBeGreaterThan(2.9);
    expect(related).toBe(false); // three points are too few to show a relation
    residuals.forEach((r, j) => expect(r).toBeCloseTo(y[j]! - (slope * points[j]![0]! ** 2 + intercept), 12));
  });
});
