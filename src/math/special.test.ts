import { describe, expect, it } from "vitest";
import {
  erf,
  erfc,
  erfcx,
  log1mexp,
  logExpectedImprovementFromZ,
  logExpectedImprovementGradientFromZ,
  logNormalCdf,
  logNormalPdf,
  logSumExp,
  normalCdf,
  normalPdf,
  normalQuantile,
} from "./special.js";

// Reference values computed with 50-digit arithmetic (mpmath) and rounded to double.
type Table = ReadonlyArray<readonly [number, number]>;

function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) {
    expect(actual).toBe(0);
    return;
  }
  const error = Math.abs(actual - expected) / Math.abs(expected);
  if (!(error <= tolerance)) {
    throw new Error(`expected ${expected}, got ${actual} (relative error ${error.toExponential(2)})`);
  }
}

function checkTable(fn: (x: number) => number, table: Table, tolerance: number): void {
  for (const [x, expected] of table) expectRelative(fn(x), expected, tolerance);
}

const TIGHT = 2e-15;

describe("error function family", () => {
  it("matches reference values of erf", () => {
    checkTable(
      erf,
      [
        [1e-10, 1.1283791670955126e-10],
        [0.1, 0.1124629160182849],
        [0.5, 0.5204998778130465],
        [1, 0.8427007929497149],
        [2, 0.9953222650189527],
        [3.5, 0.9999992569016276],
        [-0.3, -0.3286267594591274],
        [-2, -0.9953222650189527],
      ],
      TIGHT,
    );
    expect(erf(0)).toBe(0);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });

  it("keeps erfc accurate deep in the upper tail", () => {
    checkTable(
      erfc,
      [
        [0.1, 0.887537083981715],
        [1, 0.15729920705028513],
        [5, 1.537459794428035e-12],
        [10, 2.088487583762545e-45],
        [20, 5.395865611607901e-176],
        [26, 5.663192408856143e-296],
        [-1, 1.8427007929497148],
        [-3, 1.9999779095030015],
      ],
      TIGHT,
    );
    expect(erfc(30)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
  });

  it("computes erfcx stably for large arguments", () => {
    checkTable(
      erfcx,
      [
        [0, 1],
        [0.3, 0.7345993345676551],
        [1, 0.427583576155807],
        [5, 0.11070463773306863],
        [30, 0.01879588886141675],
        [1000, 0.0005641893014533876],
        [1e10, 5.641895835477563e-11],
        [-1, 5.008980080762283],
        [-5, 144009798674.66104],
      ],
      TIGHT,
    );
    expect(erfcx(1e300)).toBeGreaterThan(0);
    expect(erfcx(Infinity)).toBe(0);
    expect(erfcx(-30)).toBe(Infinity);
  });

  it("is consistent: erf + erfc = 1 and erfc(x) = exp(-x²)·erfcx(x)", () => {
    for (let x = -6; x <= 6; x += 0.137) {
      expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThan(4e-16);
      expectRelative(erfc(x), Math.exp(-x * x) * erfcx(x), 1e-14 * (1 + x * x));
    }
  });

  it("propagates NaN", () => {
    expect(erf(Number.NaN)).toBeNaN();
    expect(erfc(Number.NaN)).toBeNaN();
    expect(erfcx(Number.NaN)).toBeNaN();
  });
});

describe("normal distribution", () => {
  it("matches reference values of Φ, including the lower tail", () => {
    checkTable(
      normalCdf,
      [
        [-30, 4.906713927148187e-198],
        [-20, 2.7536241186062337e-89],
        [-8, 6.220960574271784e-16],
        [-3, 0.0013498980316300946],
        [-1, 0.15865525393145705],
        [0, 0.5],
        [1.5, 0.9331927987311419],
        [5, 0.9999997133484281],
      ],
      TIGHT,
    );
    expect(normalCdf(-40)).toBe(0); // 3.6e-350 underflows
    expect(normalCdf(40)).toBe(1);
  });

  it("computes log Φ far beyond underflow", () => {
    checkTable(
      logNormalCdf,
      [
        [-1e5, -5000000012.431864],
        [-1000, -500007.82669481216],
        [-40, -804.6084420137538],
        [-10, -53.23128515051247],
        [-1, -1.8410216450092636],
        [0, -0.6931471805599453],
        [2, -0.02301290932896349],
        [5, -2.866516129637636e-7],
        [10, -7.619853024160525e-24],
        [30, -4.906713927148187e-198],
      ],
      TIGHT,
    );
    expect(logNormalCdf(Infinity) === 0).toBe(true);
    expect(logNormalCdf(-Infinity)).toBe(-Infinity);
  });

  it("has the right density and log density", () => {
    expectRelative(normalPdf(0), 0.3989422804014327, TIGHT);
    expectRelative(normalPdf(-3), 0.0044318484119380075, TIGHT);
    expectRelative(normalPdf(38), 1.097221052e-314, 1e-6); // subnormal: only ~10 digits left
    expectRelative(logNormalPdf(3), Math.log(0.0044318484119380075), TIGHT);
    expect(logNormalPdf(-1e200)).toBe(-Infinity);
  });

  it("inverts Φ", () => {
    checkTable(
      normalQuantile,
      [
        [0.001, -3.0902323061678136],
        [0.025, -1.9599639845400543],
        [0.3, -0.5244005127080408],
        [0.5000001, 2.506628273311648e-7],
        [0.975, 1.9599639845400538],
        [0.999999, 4.753424308817087],
      ],
      TIGHT,
    );
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.1)).toBeNaN();
  });

  it("round-trips Φ(Φ⁻¹(p)) = p from the subnormal range to the centre", () => {
    const ps = [5e-324, 1e-310, 1e-300, 1e-100, 1e-20, 1e-8, 1e-3, 0.05, 0.2, 0.26, 0.4, 0.49999];
    for (let i = 1; i < 200; i++) ps.push(i / 200);
    for (const p of ps) {
      const x = normalQuantile(p);
      expect(Number.isFinite(x)).toBe(true);
      if (p < 1e-300) {
        // Φ is only a few bits precise near the bottom of the subnormal range; compare logs.
        expect(Math.abs(logNormalCdf(x) - Math.log(p))).toBeLessThan(1e-3);
      } else {
        // Rounding x to a double moves Φ(x) by a relative |x|·ulp(x) ≈ x²·1.1e-16.
        expectRelative(normalCdf(x), p, 4e-15 * Math.max(1, x * x));
      }
    }
    // And the other way round, on the lower half where Φ(x) carries full relative precision.
    for (let x = -37; x < 0; x += 0.25) expectRelative(normalQuantile(normalCdf(x)), x, 1e-14);
  });
});

describe("log expected improvement", () => {
  const logH: Table = [
    [-1e6, -500000000028.55],
    [-1e4, -50000019.33961931],
    [-1000, -500014.73445209116],
    [-100, -5010.12957880025],
    [-40, -808.29856835662],
    [-30, -457.724653760598],
    [-10, -55.55312203612235],
    [-5, -16.74430116266099],
    [-2, -4.768783523917114],
    [-1, -2.4851210257126413],
    [-0.5, -1.6205162643873199],
    [0, -0.9189385332046728],
    [0.5, -0.3598276837450638],
    [3, 1.0987396653277077],
    [30, 3.4011973816621555],
  ];
  const gradient: Table = [
    [-1e6, 1000000.000002],
    [-1e4, 10000.000199999993],
    [-1000, 1000.001999994],
    [-100, 100.01999400419587],
    [-40, 40.04990665764852],
    [-30, 30.06644615416242],
    [-10, 10.194383033412553],
    [-5, 5.361816241288088],
    [-2, 2.679416883955586],
    [-1, 1.9042712333296918],
    [-0.5, 1.5598731483480797],
    [0, 1.2533141373155003],
    [0.5, 0.9909227180041099],
    [3, 0.3328409684517952],
    [30, 0.03333333333333333],
  ];

  it("matches high-precision log h(z) where the naive form has long underflowed", () => {
    checkTable(logExpectedImprovementFromZ, logH, TIGHT);
  });

  it("agrees with the direct log(φ + zΦ) where that is accurate", () => {
    for (let z = -3; z <= 10; z += 0.01) {
      const direct = Math.log(normalPdf(z) + z * normalCdf(z));
      // Absolute near log h = 0, relative elsewhere; the direct form has cancellation for z < 0.
      expect(Math.abs(logExpectedImprovementFromZ(z) - direct)).toBeLessThan(1e-13 * Math.max(1, Math.abs(direct)));
    }
  });

  it("matches the high-precision gradient Φ/h", () => {
    checkTable(logExpectedImprovementGradientFromZ, gradient, TIGHT);
  });

  it("has a gradient that agrees with central finite differences", () => {
    for (const z of [-5e3, -300, -37, -20, -6, -1.5, -1.0000001, -1, -0.9999999, -0.3, 0, 0.7, 4, 25]) {
      const h = 1e-6 * Math.max(1, Math.abs(z));
      const numeric = (logExpectedImprovementFromZ(z + h) - logExpectedImprovementFromZ(z - h)) / (2 * h);
      const analytic = logExpectedImprovementGradientFromZ(z);
      expect(Math.abs(numeric - analytic)).toBeLessThan(1e-6 * Math.max(1, Math.abs(analytic)) * Math.max(1, Math.abs(z)));
    }
  });

  it("is continuous across the branch at z = −1", () => {
    const below = logExpectedImprovementFromZ(-1 - 1e-12);
    const at = logExpectedImprovementFromZ(-1);
    const above = logExpectedImprovementFromZ(-1 + 1e-12);
    expect(Math.abs(below - at)).toBeLessThan(1e-11);
    expect(Math.abs(above - at)).toBeLessThan(1e-11);
    const gBelow = logExpectedImprovementGradientFromZ(-1 - 1e-12);
    const gAbove = logExpectedImprovementGradientFromZ(-1 + 1e-12);
    expect(Math.abs(gBelow - gAbove)).toBeLessThan(1e-11);
  });

  it("never produces NaN or infinities over a sweep from −1e6 to 1e6, and is increasing", () => {
    // Collect offenders instead of asserting per point: 12 001 points × 5 checks is slow in expect.
    const offenders: number[] = [];
    let previous = -Infinity;
    for (let k = -6000; k <= 6000; k++) {
      const magnitude = 10 ** (Math.abs(k) / 1000); // 1 … 1e6, log-spaced
      const z = k === 0 ? 0 : Math.sign(k) * (magnitude - 1);
      const value = logExpectedImprovementFromZ(z);
      const slope = logExpectedImprovementGradientFromZ(z);
      const ok = Number.isFinite(value) && Number.isFinite(slope) && slope > 0 && value >= previous;
      if (!ok) offenders.push(z);
      previous = value;
    }
    expect(offenders).toEqual([]);
  });

  it("stays finite for extreme arguments", () => {
    for (const z of [-1e150, -1e100, 1e100, 1e300, Number.MAX_VALUE]) {
      expect(Number.isFinite(logExpectedImprovementGradientFromZ(z))).toBe(true);
      expect(Number.isFinite(logExpectedImprovementFromZ(z))).toBe(true);
    }
    expect(logExpectedImprovementGradientFromZ(-1e200)).toBeCloseTo(1e200, -190);
    expect(logExpectedImprovementFromZ(-Infinity)).toBe(-Infinity);
  });
});

describe("log-space helpers", () => {
  it("computes log(1 − exp(x)) accurately at both ends", () => {
    expectRelative(log1mexp(-1e-20), Math.log(1e-20), 1e-15);
    expectRelative(log1mexp(-50), -1.9287498479639178e-22, 1e-15);
    expectRelative(log1mexp(-Math.LN2), -Math.LN2, 1e-15);
    expectRelative(log1mexp(-1), Math.log(1 - Math.exp(-1)), 1e-15);
    expect(log1mexp(0)).toBe(-Infinity);
    expect(log1mexp(-Infinity) === 0).toBe(true);
    expect(log1mexp(1)).toBeNaN();
  });

  it("computes log-sum-exp without overflow", () => {
    expectRelative(logSumExp([1000, 1000]), 1000 + Math.LN2, 1e-15);
    expectRelative(logSumExp([-1000, -1000, -1000]), -1000 + Math.log(3), 1e-15);
    expectRelative(logSumExp(new Float64Array([0, -700])), 9.85967654375977e-305, 1e-12);
    expect(logSumExp([1, 2, 3], 1)).toBe(1);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(logSumExp([0, Infinity])).toBe(Infinity);
    expect(logSumExp([0, Number.NaN])).toBeNaN();
  });
});
