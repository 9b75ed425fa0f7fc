/**
 * Synthetic test functions for minimization, written from their published formulas, each with its
 * box, its known minimum value and, where published, where the minimum is.
 *
 * Formulas, boxes and optima follow Surjanovic & Bingham's Virtual Library of Simulation
 * Experiments (SFU) and the test-function list of BoTorch; original sources are named per function.
 * Optima given to fewer digits in the literature were refined here by local minimization from
 * the published location and are checked by `synthetic.test.ts`.
 */

/** A point of the box where the minimum is attained, and the minimum value. */
export interface KnownOptimum {
  readonly value: number;
  /** One minimizer, or null when the literature gives only the value. */
  readonly location: readonly number[] | null;
}

/** One function from the literature, defined for a set of dimensions. */
export interface SyntheticFunction {
  /** Short lower-case key used in problem names, e.g. `"rosenbrock"`. */
  readonly key: string;
  readonly title: string;
  readonly source: string;
  /** The dimensions the function is defined for (a function of `d` answers for any `d` here). */
  accepts(dimension: number): boolean;
  /** The dimensions the problem registry instantiates. */
  readonly registryDimensions: readonly number[];
  bounds(dimension: number): [number, number][];
  optimum(dimension: number): KnownOptimum;
  /**
   * True when no point of R^d goes below the optimum, so a copy that is translated or rotated
   * (and so reads the formula outside its box) keeps the same minimum. False for functions such as
   * Schwefel and Michalewicz whose formula keeps decreasing outside the box.
   */
  readonly boundedBelowByOptimum: boolean;
  evaluate(x: readonly number[]): number;
}

const SCALABLE_DIMENSIONS = [2, 5, 10, 20, 50] as const;

function box(low: number, high: number, dimension: number): [number, number][] {
  return Array.from({ length: dimension }, () => [low, high] as [number, number]);
}

function filled(value: number, dimension: number): number[] {
  return new Array<number>(dimension).fill(value);
}

function fixedDimension(dimension: number): (d: number) => boolean {
  return (d) => d === dimension;
}

function atLeast(minimum: number): (d: number) => boolean {
  return (d) => Number.isInteger(d) && d >= minimum;
}

function branin(x: readonly number[]): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x[1]! - b * x[0]! ** 2 + c * x[0]! - 6) ** 2 + 10 * (1 - t) * Math.cos(x[0]!) + 10;
}

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const HARTMANN3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
].map((row) => row.map((v) => v * 1e-4));
const HARTMANN6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

function hartmann(a: number[][], p: number[][]): (x: readonly number[]) => number {
  return (x) => hartmannWeighted(a, p, HARTMANN_ALPHA, x);
}

/** −Σᵢ αᵢ exp(−Σⱼ Aᵢⱼ (xⱼ − Pᵢⱼ)²): the Hartmann family with its four weights given. */
function hartmannWeighted(a: number[][], p: number[][], alpha: readonly number[], x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < x.length; j++) inner += a[i]![j]! * (x[j]! - p[i]![j]!) ** 2;
    total += alpha[i]! * Math.exp(-inner);
  }
  return -total;
}

/**
 * Hartmann-3 with each of its weights αᵢ lowered by `shift` (the multi-fidelity Hartmann of
 * Kandasamy et al. 2017 shifts them by 0.1(1 − z)); shift 0 is Hartmann-3.
 *
 * @example
 * hartmann3Shifted([0.114614, 0.555649, 0.852547], 0) // −3.86278
 */
export function hartmann3Shifted(x: readonly number[], shift: number): number {
  return hartmannWeighted(HARTMANN3_A, HARTMANN3_P, HARTMANN_ALPHA.map((alpha) => alpha - shift), x);
}

function rosenbrock(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) total += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return total;
}

function ackley(x: readonly number[]): number {
  let squares = 0;
  let cosines = 0;
  for (const v of x) {
    squares += v * v;
    cosines += Math.cos(2 * Math.PI * v);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(squares / x.length)) - Math.exp(cosines / x.length) + 20 + Math.E;
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
  return total / 2;
}
/** The minimizer of v^4 - 16 v^2 + 5 v, a root of 4v^3 - 32v + 5 = 0. */
const STYBLINSKI_TANG_ARGMIN = -2.903534027771178;

const MICHALEWICZ_STEEPNESS = 10;
function michalewicz(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    total += Math.sin(x[i]!) * Math.sin(((i + 1) * x[i]! ** 2) / Math.PI) ** (2 * MICHALEWICZ_STEEPNESS);
  }
  return -total;
}
/** Minima as published for d = 2, 5 and 10 (SFU); the d = 2 minimizer refined by local search. */
const MICHALEWICZ_OPTIMA: Readonly<Record<number, KnownOptimum>> = {
  2: { value: -1.8013034100985532, location: [2.202905520881521, 1.5707963267948966] },
  5: { value: -4.687658179, location: null },
  10: { value: -9.66015171564, location: null },
};

function rastrigin(x: readonly number[]): number {
  let total = 10 * x.length;
  for (const v of x) total += v * v - 10 * Math.cos(2 * Math.PI * v);
  return total;
}

function griewank(x: readonly number[]): number {
  let squares = 0;
  let product = 1;
  for (let i = 0; i < x.length; i++) {
    squares += x[i]! ** 2;
    product *= Math.cos(x[i]! / Math.sqrt(i + 1));
  }
  return squares / 4000 - product + 1;
}

const SCHWEFEL_CONSTANT = 418.9829;
const SCHWEFEL_ARGMIN = 420.9687466263758;
function schwefel(x: readonly number[]): number {
  let total = SCHWEFEL_CONSTANT * x.length;
  for (const v of x) total -= v * Math.sin(Math.sqrt(Math.abs(v)));
  return total;
}

const SHEKEL_BETA = [1, 2, 2, 4, 4, 6, 3, 7, 5, 5].map((v) => v / 10);
const SHEKEL_CENTRES = [
  [4, 4, 4, 4],
  [1, 1, 1, 1],
  [8, 8, 8, 8],
  [6, 6, 6, 6],
  [3, 7, 3, 7],
  [2, 9, 2, 9],
  [5, 3, 5, 3],
  [8, 1, 8, 1],
  [6, 2, 6, 2],
  [7, 3.6, 7, 3.6],
];
function shekel(terms: number): (x: readonly number[]) => number {
  return (x) => {
    let total = 0;
    for (let i = 0; i < terms; i++) {
      let distance = SHEKEL_BETA[i]!;
      for (let j = 0; j < 4; j++) distance += (x[j]! - SHEKEL_CENTRES[i]![j]!) ** 2;
      total -= 1 / distance;
    }
    return total;
  };
}
const SHEKEL_OPTIMA: Readonly<Record<number, KnownOptimum>> = {
  5: { value: -10.15319967905823, location: [4.00003715, 4.00013327, 4.00003715, 4.00013327] },
  7: { value: -10.402915336777747, location: [4.00057282, 3.99960621, 4.00057282, 3.99960621] },
  10: { value: -10.53644315348353, location: [4.00074687, 3.99950948, 4.00074687, 3.99950948] },
};

function sixHumpCamel(x: readonly number[]): number {
  const [u, v] = [x[0]!, x[1]!];
  return (4 - 2.1 * u ** 2 + u ** 4 / 3) * u ** 2 + u * v + (-4 + 4 * v ** 2) * v ** 2;
}

function goldsteinPrice(x: readonly number[]): number {
  const [u, v] = [x[0]!, x[1]!];
  const first = 1 + (u + v + 1) ** 2 * (19 - 14 * u + 3 * u ** 2 - 14 * v + 6 * u * v + 3 * v ** 2);
  const second = 30 + (2 * u - 3 * v) ** 2 * (18 - 32 * u + 12 * u ** 2 + 48 * v - 36 * u * v + 27 * v ** 2);
  return first * second;
}

function powell(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i + 3 < x.length; i += 4) {
    const [a, b, c, d] = [x[i]!, x[i + 1]!, x[i + 2]!, x[i + 3]!];
    total += (a + 10 * b) ** 2 + 5 * (c - d) ** 2 + (b - 2 * c) ** 4 + 10 * (a - d) ** 4;
  }
  return total;
}

function dixonPrice(x: readonly number[]): number {
  let total = (x[0]! - 1) ** 2;
  for (let i = 1; i < x.length; i++) total += (i + 1) * (2 * x[i]! ** 2 - x[i - 1]!) ** 2;
  return total;
}

function zakharov(x: readonly number[]): number {
  let squares = 0;
  let weighted = 0;
  for (let i = 0; i < x.length; i++) {
    squares += x[i]! ** 2;
    weighted += 0.5 * (i + 1) * x[i]!;
  }
  return squares + weighted ** 2 + weighted ** 4;
}

function trid(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    total += (x[i]! - 1) ** 2;
    if (i > 0) total -= x[i]! * x[i - 1]!;
  }
  return total;
}

function scalable(
  fields: Omit<SyntheticFunction, "accepts" | "registryDimensions" | "optimum"> & {
    optimum(dimension: number): KnownOptimum;
    minimumDimension?: number;
  },
): SyntheticFunction {
  const { minimumDimension = 2, ...rest } = fields;
  return { ...rest, accepts: atLeast(minimumDimension), registryDimensions: SCALABLE_DIMENSIONS };
}

function fixed(fields: Omit<SyntheticFunction, "accepts" | "registryDimensions"> & { dimension: number }): SyntheticFunction {
  const { dimension, ...rest } = fields;
  return { ...rest, accepts: fixedDimension(dimension), registryDimensions: [dimension] };
}

const shekelFunctions = Object.fromEntries(
  [5, 7, 10].map((terms) => [
    `shekel${terms}`,
    fixed({
      key: `shekel${terms}`,
      title: `Shekel (m = ${terms})`,
      source: "Shekel 1971",
      dimension: 4,
      bounds: (d) => box(0, 10, d),
      optimum: () => SHEKEL_OPTIMA[terms]!,
      boundedBelowByOptimum: true,
      evaluate: shekel(terms),
    }),
  ]),
);

/**
 * Every synthetic function of the lab, by key.
 *
 * @example
 * const rosenbrock = SYNTHETIC_FUNCTIONS.rosenbrock!;
 * rosenbrock.evaluate([1, 1, 1]); // 0
 * rosenbrock.optimum(3);           // { value: 0, location: [1, 1, 1] }
 */
export const SYNTHETIC_FUNCTIONS: Readonly<Record<string, SyntheticFunction>> = {
  branin: fixed({
    key: "branin",
    title: "Branin",
    source: "Dixon & Szegő 1978",
    dimension: 2,
    bounds: () => [
      [-5, 10],
      [0, 15],
    ],
    optimum: () => ({ value: 5 / (4 * Math.PI), location: [Math.PI, 2.275] }),
    boundedBelowByOptimum: true,
    evaluate: branin,
  }),
  hartmann3: fixed({
    key: "hartmann3",
    title: "Hartmann3",
    source: "Hartman 1973",
    dimension: 3,
    bounds: (d) => box(0, 1, d),
    optimum: () => ({ value: -3.862779787332663, location: [0.11458888, 0.55564889, 0.85254699] }),
    boundedBelowByOptimum: true,
    evaluate: hartmann(HARTMANN3_A, HARTMANN3_P),
  }),
  hartmann6: fixed({
    key: "hartmann6",
    title: "Hartmann6",
    source: "Hartman 1973",
    dimension: 6,
    bounds: (d) => box(0, 1, d),
    optimum: () => ({
      value: -3.3223680114155147,
      location: [0.20168952, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054],
    }),
    boundedBelowByOptimum: true,
    evaluate: hartmann(HARTMANN6_A, HARTMANN6_P),
  }),
  rosenbrock: scalable({
    key: "rosenbrock",
    title: "Rosenbrock",
    source: "Rosenbrock 1960",
    bounds: (d) => box(-5, 10, d),
    optimum: (d) => ({ value: 0, location: filled(1, d) }),
    boundedBelowByOptimum: true,
    evaluate: rosenbrock,
  }),
  ackley: scalable({
    key: "ackley",
    title: "Ackley",
    source: "Ackley 1987",
    bounds: (d) => box(-32.768, 32.768, d),
    optimum: (d) => ({ value: 0, location: filled(0, d) }),
    boundedBelowByOptimum: true,
    evaluate: ackley,
  }),
  levy: scalable({
    key: "levy",
    title: "Levy",
    source: "Levy & Montalvo 1985",
    bounds: (d) => box(-10, 10, d),
    optimum: (d) => ({ value: 0, location: filled(1, d) }),
    boundedBelowByOptimum: true,
    evaluate: levy,
  }),
  styblinski_tang: scalable({
    key: "styblinski_tang",
    title: "Styblinski-Tang",
    source: "Styblinski & Tang 1990",
    bounds: (d) => box(-5, 5, d),
    optimum: (d) => ({ value: d * styblinskiTang([STYBLINSKI_TANG_ARGMIN]), location: filled(STYBLINSKI_TANG_ARGMIN, d) }),
    boundedBelowByOptimum: true,
    evaluate: styblinskiTang,
  }),
  michalewicz: {
    key: "michalewicz",
    title: "Michalewicz",
    source: "Michalewicz 1992; optima from Vanaret et al. 2020",
    accepts: (d) => d in MICHALEWICZ_OPTIMA,
    registryDimensions: [2, 5, 10],
    bounds: (d) => box(0, Math.PI, d),
    optimum: (d) => MICHALEWICZ_OPTIMA[d]!,
    boundedBelowByOptimum: false,
    evaluate: michalewicz,
  },
  rastrigin: scalable({
    key: "rastrigin",
    title: "Rastrigin",
    source: "Rastrigin 1974",
    bounds: (d) => box(-5.12, 5.12, d),
    optimum: (d) => ({ value: 0, location: filled(0, d) }),
    boundedBelowByOptimum: true,
    evaluate: rastrigin,
  }),
  griewank: scalable({
    key: "griewank",
    title: "Griewank",
    source: "Griewank 1981",
    bounds: (d) => box(-600, 600, d),
    optimum: (d) => ({ value: 0, location: filled(0, d) }),
    boundedBelowByOptimum: true,
    evaluate: griewank,
  }),
  schwefel: scalable({
    key: "schwefel",
    title: "Schwefel",
    source: "Schwefel 1981",
    bounds: (d) => box(-500, 500, d),
    optimum: (d) => ({ value: schwefel(filled(SCHWEFEL_ARGMIN, d)), location: filled(SCHWEFEL_ARGMIN, d) }),
    boundedBelowByOptimum: false,
    evaluate: schwefel,
  }),
  ...shekelFunctions,
  six_hump_camel: fixed({
    key: "six_hump_camel",
    title: "Six-hump camel",
    source: "Dixon & Szegő 1978",
    dimension: 2,
    bounds: () => [
      [-3, 3],
      [-2, 2],
    ],
    optimum: () => ({ value: -1.0316284534898774, location: [0.08984201368301331, -0.7126564032704135] }),
    boundedBelowByOptimum: true,
    evaluate: sixHumpCamel,
  }),
  goldstein_price: fixed({
    key: "goldstein_price",
    title: "Goldstein-Price",
    source: "Goldstein & Price 1971",
    dimension: 2,
    bounds: (d) => box(-2, 2, d),
    optimum: () => ({ value: 3, location: [0, -1] }),
    boundedBelowByOptimum: true,
    evaluate: goldsteinPrice,
  }),
  powell: {
    key: "powell",
    title: "Powell",
    source: "Powell 1962",
    accepts: (d) => Number.isInteger(d) && d >= 4 && d % 4 === 0,
    registryDimensions: [4, 8, 20, 48],
    bounds: (d) => box(-4, 5, d),
    optimum: (d) => ({ value: 0, location: filled(0, d) }),
    boundedBelowByOptimum: true,
    evaluate: powell,
  },
  dixon_price: scalable({
    key: "dixon_price",
    title: "Dixon-Price",
    source: "Dixon & Price 1989",
    bounds: (d) => box(-10, 10, d),
    optimum: (d) => ({
      value: 0,
      location: Array.from({ length: d }, (_, i) => 2 ** -((2 ** (i + 1) - 2) / 2 ** (i + 1))),
    }),
    boundedBelowByOptimum: true,
    evaluate: dixonPrice,
  }),
  zakharov: scalable({
    key: "zakharov",
    title: "Zakharov",
    source: "SFU virtual library",
    bounds: (d) => box(-5, 10, d),
    optimum: (d) => ({ value: 0, location: filled(0, d) }),
    boundedBelowByOptimum: true,
    evaluate: zakharov,
  }),
  trid: scalable({
    key: "trid",
    title: "Trid",
    source: "SFU virtual library",
    bounds: (d) => box(-(d ** 2), d ** 2, d),
    optimum: (d) => ({
      value: (-d * (d + 4) * (d - 1)) / 6,
      location: Array.from({ length: d }, (_, i) => (i + 1) * (d - i)),
    }),
    boundedBelowByOptimum: true,
    evaluate: trid,
  }),
};
