import { describe, expect, it } from "vitest";
import { Rng } from "../../index.js";
import { SYNTHETIC_FUNCTIONS } from "./synthetic.js";

/** How far below the stated optimum an evaluation may fall before the optimum is called wrong. */
function tolerance(optimum: number): number {
  return 1e-6 + 1e-9 * Math.abs(optimum);
}

const cases = Object.values(SYNTHETIC_FUNCTIONS).flatMap((fn) => fn.registryDimensions.map((d) => [`${fn.key} in ${d}-D`, fn, d] as const));

describe("synthetic functions: the stated optimum", () => {
  it.each(cases)("%s: attained at the stated minimizer, inside the box", (_, fn, d) => {
    const { value, location } = fn.optimum(d);
    if (location === null) return;
    expect(location).toHaveLength(d);
    fn.bounds(d).forEach(([low, high], i) => {
      expect(location[i]!).toBeGreaterThanOrEqual(low);
      expect(location[i]!).toBeLessThanOrEqual(high);
    });
    expect(Math.abs(fn.evaluate(location) - value)).toBeLessThan(tolerance(value));
  });

  it.each(cases)("%s: never undercut by random points of the box or points near the minimizer", (_, fn, d) => {
    const { value, location } = fn.optimum(d);
    const bounds = fn.bounds(d);
    const rng = new Rng(`${fn.key}/${d}`);
    let lowest = Infinity;
    for (let n = 0; n < 2000; n++) lowest = Math.min(lowest, fn.evaluate(bounds.map(([low, high]) => rng.uniformIn(low, high))));
    if (location !== null) {
      // Shrinking neighbourhoods: a stated minimizer that is only near the true one is undercut here.
      for (const radius of [1e-1, 1e-2, 1e-3, 1e-4, 1e-5]) {
        for (let n = 0; n < 100; n++) {
          const x = location.map((v, i) => Math.min(bounds[i]![1], Math.max(bounds[i]![0], v + radius * (bounds[i]![1] - bounds[i]![0]) * rng.normal())));
          lowest = Math.min(lowest, fn.evaluate(x));
        }
      }
    }
    expect(lowest).toBeGreaterThanOrEqual(value - tolerance(value));
  });

  it("agrees with the optima published in the SFU library and BoTorch", () => {
    const published: [string, number, number, number][] = [
      // key, dimension, published value, absolute tolerance of its digits
      ["branin", 2, 0.397887, 1e-6],
      ["hartmann3", 3, -3.86278, 1e-5],
      ["hartmann6", 6, -3.32237, 1e-5],
      ["styblinski_tang", 10, -39.16617 * 10, 1e-4],
      ["michalewicz", 2, -1.8013, 1e-4],
      ["schwefel", 20, 0, 1e-3],
      ["shekel5", 4, -10.1532, 1e-4],
      ["shekel7", 4, -10.4029, 1e-4],
      ["shekel10", 4, -10.5364, 1e-4],
      ["six_hump_camel", 2, -1.0316, 1e-4],
      ["goldstein_price", 2, 3, 1e-12],
      ["trid", 6, -50, 1e-12],
      ["trid", 10, -210, 1e-12],
    ];
    for (const [key, d, value, digits] of published) {
      expect(Math.abs(SYNTHETIC_FUNCTIONS[key]!.optimum(d).value - value), `${key} ${d}-D`).toBeLessThanOrEqual(digits);
    }
  });

  it("finds every minimizer of the functions that have several", () => {
    const branin = SYNTHETIC_FUNCTIONS.branin!;
    for (const x of [[-Math.PI, 12.275], [Math.PI, 2.275], [9.42478, 2.475]]) expect(branin.evaluate(x)).toBeCloseTo(0.397887, 5);
    const camel = SYNTHETIC_FUNCTIONS.six_hump_camel!;
    expect(camel.evaluate([-0.0898420136830133, 0.7126564032704135])).toBeCloseTo(-1.0316284534898774, 12);
  });
});

describe("synthetic functions: formulas at points off the optimum", () => {
  it("match values worked out by hand", () => {
    const at = (key: string, x: number[]): number => SYNTHETIC_FUNCTIONS[key]!.evaluate(x);
    expect(at("rosenbrock", [0, 0, 0])).toBe(2);
    expect(at("goldstein_price", [0, 0])).toBe(600);
    expect(at("rastrigin", [1, 1])).toBeCloseTo(2, 12);
    expect(at("zakharov", [1, 1])).toBeCloseTo(2 + 1.5 ** 2 + 1.5 ** 4, 12);
    expect(at("dixon_price", [0, 0])).toBe(1);
    expect(at("powell", [1, 0, 0, 0])).toBe(1 + 10);
    expect(at("trid", [0, 0])).toBe(2);
    expect(at("griewank", [0, 0])).toBe(0);
    expect(at("styblinski_tang", [0, 1])).toBe((1 - 16 + 5) / 2);
    expect(at("ackley", [0, 0])).toBeCloseTo(0, 14);
    expect(at("schwefel", [0])).toBeCloseTo(418.9829, 12);
  });

  it("reject dimensions the formula is not defined for", () => {
    expect(SYNTHETIC_FUNCTIONS.powell!.accepts(6)).toBe(false);
    expect(SYNTHETIC_FUNCTIONS.powell!.accepts(8)).toBe(true);
    expect(SYNTHETIC_FUNCTIONS.michalewicz!.accepts(3)).toBe(false);
    expect(SYNTHETIC_FUNCTIONS.branin!.accepts(3)).toBe(false);
    expect(SYNTHETIC_FUNCTIONS.rosenbrock!.accepts(1)).toBe(false);
  });
});
