/**
 * Standard synthetic test functions for black-box optimization, with the same boxes, constants and
 * scaling as the Optuna 3.1 baseline that `npm run bench:samplers` runs beside Sextant, so regrets
 * compare one to one. Each has its box and its known global minimum.
 *
 * Sources: Branin (Dixon & Szegő 1978), Hartmann 3/6 (Hartman 1973), Ackley (Ackley 1987),
 * Rosenbrock (1960), Levy (Levy & Montalvo 1985), Styblinski–Tang (1990); constants as listed in
 * Surjanovic & Bingham's Virtual Library of Simulation Experiments.
 */

export interface TestFunction {
  readonly name: string;
  readonly bounds: readonly (readonly [number, number])[];
  /** The global minimum value. */
  readonly optimum: number;
  evaluate(x: readonly number[]): number;
}

function branin(x: readonly number[]): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x[1]! - b * x[0]! ** 2 + c * x[0]! - r) ** 2 + s * (1 - t) * Math.cos(x[0]!) + s;
}

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
].map((row) => row.map((v) => v * 1e-4));
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

function hartmann(a: number[][], p: number[][]): (x: readonly number[]) => number {
  return (x) => {
    let total = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < x.length; j++) inner += a[i]![j]! * (x[j]! - p[i]![j]!) ** 2;
      total += HARTMANN_ALPHA[i]! * Math.exp(-inner);
    }
    return -total;
  };
}

function ackley(x: readonly number[]): number {
  const d = x.length;
  let squares = 0;
  let cosines = 0;
  for (const v of x) {
    squares += v * v;
    cosines += Math.cos(2 * Math.PI * v);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(squares / d)) - Math.exp(cosines / d) + 20 + Math.E;
}

function rosenbrock(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) total += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return total;
}

function levy(x: readonly number[]): number {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const last = w[w.length - 1]!;
  let total = Math.sin(Math.PI * w[0]!) ** 2;
  for (let i = 0; i + 1 < w.length; i++) total += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
  return total + (last - 1) ** 2 * (1 + Math.sin(2 * Math.PI * last) ** 2);
}

function styblinskiTang(x: readonly number[]): number {
  let total = 0;
  for (const v of x) total += v ** 4 - 16 * v ** 2 + 5 * v;
  return 0.5 * total;
}

function box(low: number, high: number, dimension: number): [number, number][] {
  return Array.from({ length: dimension }, () => [low, high] as [number, number]);
}

/** The seven functions of the sampler benchmark, keyed as the Optuna reference script names them. */
export const TEST_FUNCTIONS: Readonly<Record<string, TestFunction>> = {
  branin2: { name: "Branin (2-D)", bounds: [[-5, 10], [0, 15]], optimum: 0.397887, evaluate: branin },
  hartmann3: { name: "Hartmann3", bounds: box(0, 1, 3), optimum: -3.86278, evaluate: hartmann(H3_A, H3_P) },
  hartmann6: { name: "Hartmann6", bounds: box(0, 1, 6), optimum: -3.32237, evaluate: hartmann(H6_A, H6_P) },
  ackley5: { name: "Ackley (5-D)", bounds: box(-32.768, 32.768, 5), optimum: 0, evaluate: ackley },
  rosenbrock4: { name: "Rosenbrock (4-D)", bounds: box(-5, 10, 4), optimum: 0, evaluate: rosenbrock },
  levy10: { name: "Levy (10-D)", bounds: box(-10, 10, 10), optimum: 0, evaluate: levy },
  styblinski8: { name: "Styblinski-Tang (8-D)", bounds: box(-5, 5, 8), optimum: -39.16617 * 8, evaluate: styblinskiTang },
};
