/**
 * Multi-fidelity problems: a trial observes a value at every step of a budget axis, so pruners and
 * schedulers can stop it early. The two synthetic families are those of `npm run bench:pruning`
 * (which imports them from here; `bench/pruning.py` computes the same formulas for Optuna), and
 * YAHPO's LCBench over its epochs.
 */
import type { Distribution } from "../../index.js";
import { hartmann3Shifted } from "./synthetic.js";
import { ProblemInputError, readNumber, type AsyncProblem, type FidelityProblem, type ProblemParams, type ProblemTag } from "./problem.js";

/**
 * Deterministic noise in [-1, 1) from a trial's parameters, the step and the run's seed: a sin-hash
 * that Python reproduces bit for bit.
 */
export function hashNoise(a: number, b: number, c: number, step: number, seed: number): number {
  const x = Math.sin(12.9898 * a + 78.233 * b + 37.719 * c + 4.581 * step + 0.137 * seed) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** A problem whose value is a formula of its parameters, the step and a seed (for its noise). */
export interface StepProblem {
  readonly name: string;
  readonly key: string;
  /** The most steps a trial runs; a trial's final value is its value at `steps`. */
  readonly steps: number;
  readonly params: Readonly<Record<string, Distribution>>;
  /** The observed value at `step` (1 … steps). */
  value(params: Readonly<Record<string, number>>, step: number, seed: number): number;
  /** The value without noise at `step`. */
  noiseless(params: Readonly<Record<string, number>>, step: number): number;
}

function learningCurveShape(params: Readonly<Record<string, number>>, step: number): { value: number; u: number; b: number; p: number } {
  const u = (Math.log10(params.lr!) + 4) / 4;
  const b = (Math.log2(params.batch!) - 4) / 5;
  const p = params.dropout!;
  const asymptote = 0.08 + 0.6 * (u - 0.55) ** 2 + 0.25 * (b - 0.3) ** 2 + 0.3 * (p - 0.35) ** 2 + (0.05 * (1 - Math.cos(6 * Math.PI * (u - 0.55)))) / 2;
  const rate = (0.2 + 0.1 * u * (1 - 0.5 * b)) * (1 + Math.max(0, 0.35 - p) * 0.8);
  const overfit = 0.4 * Math.max(0, 0.35 - p) * (step / 27);
  return { value: asymptote + (1.2 - asymptote) * Math.exp(-rate * step) + overfit, u, b, p };
}

/**
 * A synthetic learning-curve family. A high learning rate learns fast but to a worse asymptote
 * beyond its sweet spot; a low dropout learns fast and then overfits (the curve turns up), so
 * curves cross and early values mislead. Noise: uniform, sd 0.01.
 */
export const learningCurves: StepProblem = {
  name: "synthetic learning curves",
  key: "curves",
  steps: 27,
  params: {
    lr: { type: "float", low: 1e-4, high: 1, log: true },
    batch: { type: "int", low: 16, high: 512, log: true },
    dropout: { type: "float", low: 0, high: 0.8 },
  },
  value(params, step, seed) {
    const { value, u, b, p } = learningCurveShape(params, step);
    return value + 0.01 * Math.sqrt(3) * hashNoise(u, b, p, step, seed);
  },
  noiseless: (params, step) => learningCurveShape(params, step).value,
};

function kandasamyBraninValue(params: Readonly<Record<string, number>>, step: number): number {
  const z = step / 27;
  const b = 5.1 / (4 * Math.PI ** 2) - 0.01 * (1 - z);
  const c = 5 / Math.PI - 0.1 * (1 - z);
  const t = 1 / (8 * Math.PI) + 0.05 * (1 - z);
  const { x1, x2 } = params as { x1: number; x2: number };
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

/**
 * The multi-fidelity Branin function of Kandasamy et al. (2017, "Multi-fidelity Bayesian
 * Optimisation with Continuous Approximations" (BOCA), ICML, §5 and appendix), the one
 * multi-fidelity BO papers compare on. With fidelity z ∈ [0, 1]³, Branin's constants move as
 * b(z) = 5.1/(4π²) − 0.01(1 − z₁), c(z) = 5/π − 0.1(1 − z₂), t(z) = 1/(8π) + 0.05(1 − z₃); z = 1 is
 * Branin (minimum 0.397887). Here every coordinate of z is step/27: a cheap step is a slightly
 * wrong Branin, informative about where the optimum is, as a short training run is.
 */
export const augmentedBranin: StepProblem = {
  name: "multi-fidelity Branin of Kandasamy et al. 2017 (z = step/27)",
  key: "branin",
  steps: 27,
  params: {
    x1: { type: "float", low: -5, high: 10 },
    x2: { type: "float", low: 0, high: 15 },
  },
  value: (params, step) => kandasamyBraninValue(params, step),
  noiseless: kandasamyBraninValue,
};

function poloczekBraninValue(params: Readonly<Record<string, number>>, step: number): number {
  const s = step / 27;
  const b = 5.1 / (4 * Math.PI ** 2) - 0.1 * (1 - s);
  const { x1, x2 } = params as { x1: number; x2: number };
  return (x2 - b * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

/**
 * The augmented Branin function of Poloczek, Wang and Frazier (2017, "Multi-Information Source
 * Optimization", NeurIPS; BoTorch's `AugmentedBranin`): the fidelity s ∈ (0, 1] shifts the
 * quadratic term's coefficient, b(s) = 5.1/(4π²) − 0.1(1 − s), ten times Kandasamy et al.'s shift,
 * so cheap fidelities move the optimum far away (at s = 1/27, b is a quarter of Branin's) and
 * early steps mislead; s = 1 is Branin. Here s = step/27. Kept as the hard case for pruning.
 */
export const augmentedBraninPoloczek: StepProblem = {
  name: "augmented Branin of Poloczek et al. 2017 (s = step/27)",
  key: "branin-poloczek",
  steps: 27,
  params: augmentedBranin.params,
  value: (params, step) => poloczekBraninValue(params, step),
  noiseless: poloczekBraninValue,
};

function kandasamyHartmannValue(params: Readonly<Record<string, number>>, step: number): number {
  return hartmann3Shifted([params.x1!, params.x2!, params.x3!], 0.1 * (1 - step / 27));
}

/**
 * The multi-fidelity Hartmann-3 function of Kandasamy et al. (2017, BOCA, §5): Hartmann-3's weights
 * move with the fidelity z as α(z) = α − 0.1(1 − z), so a cheap step weighs the four basins
 * slightly differently. z = 1 is Hartmann-3 (minimum −3.86278 at (0.1146, 0.5556, 0.8525)). Here
 * z = step/27. The pruning benchmark's development problem (`--dev`): pruner settings are chosen on
 * it, never on the Branin functions they are reported on.
 */
export const hartmannFidelity: StepProblem = {
  name: "multi-fidelity Hartmann-3 of Kandasamy et al. 2017 (z = step/27)",
  key: "hartmann",
  steps: 27,
  params: {
    x1: { type: "float", low: 0, high: 1 },
    x2: { type: "float", low: 0, high: 1 },
    x3: { type: "float", low: 0, high: 1 },
  },
  value: (params, step) => kandasamyHartmannValue(params, step),
  noiseless: kandasamyHartmannValue,
};

/**
 * The whole observed curve of a step problem (steps 1 … problem.steps).
 *
 * @example
 * curveOf(learningCurves, { lr: 0.01, batch: 64, dropout: 0.3 }, 1).length; // 27
 */
export function curveOf(problem: StepProblem, params: Readonly<Record<string, number>>, seed: number): number[] {
  return Array.from({ length: problem.steps }, (_, i) => problem.value(params, i + 1, seed));
}

/**
 * The smallest noiseless final value of a step problem over its box, by a grid (every integer of
 * an int parameter, 41 points per float parameter, on the log scale where the parameter is log)
 * and a compass search from the grid's best point. Deterministic.
 */
function searchMinimum(problem: StepProblem): { value: number; at: Record<string, number> } {
  const names = Object.keys(problem.params);
  const toUnit = (d: Distribution, x: number): number => {
    if (d.type === "categorical") throw new Error("step problems have numeric parameters only");
    return d.log ? (Math.log(x) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low)) : (x - d.low) / (d.high - d.low);
  };
  const fromUnit = (d: Distribution, u: number): number => {
    if (d.type === "categorical") throw new Error("step problems have numeric parameters only");
    const clamped = Math.min(1, Math.max(0, u));
    const x = d.log ? Math.exp(Math.log(d.low) + clamped * (Math.log(d.high) - Math.log(d.low))) : d.low + clamped * (d.high - d.low);
    return d.type === "int" ? Math.min(d.high, Math.max(d.low, Math.round(x))) : x;
  };
  const axes = names.map((name) => {
    const d = problem.params[name]!;
    if (d.type === "int") return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
    return Array.from({ length: 41 }, (_, i) => fromUnit(d, i / 40));
  });
  const evaluate = (point: Record<string, number>): number => problem.noiseless(point, problem.steps);
  let best = { value: Infinity, at: {} as Record<string, number> };
  const visit = (i: number, point: Record<string, number>): void => {
    if (i === names.length) {
      const value = evaluate(point);
      if (value < best.value) best = { value, at: { ...point } };
      return;
    }
    for (const x of axes[i]!) visit(i + 1, { ...point, [names[i]!]: x });
  };
  visit(0, {});
  for (let step = 1 / 80; step > 1e-7; step /= 2) {
    for (let improved = true; improved; ) {
      improved = false;
      for (const name of names) {
        const d = problem.params[name]!;
        for (const sign of [-1, 1]) {
          const moved = d.type === "int" ? best.at[name]! + sign : fromUnit(d, toUnit(d, best.at[name]!) + sign * step);
          if (d.type === "int" && (moved < d.low || moved > d.high)) continue;
          const point = { ...best.at, [name]: moved };
          const value = evaluate(point);
          if (value < best.value - 1e-15) {
            best = { value, at: point };
            improved = true;
          }
        }
      }
    }
  }
  return best;
}

/** A step problem as a lab problem; noise streams are seeded from the instance seed. */
function stepFidelityProblem(problem: StepProblem, name: string, tags: readonly ProblemTag[], known: { value: number; at: Record<string, number> } | null, seed: number): FidelityProblem {
  const read = (params: ProblemParams): Record<string, number> => {
    const values: Record<string, number> = {};
    for (const [param, d] of Object.entries(problem.params)) values[param] = readNumber(name, params, param, d);
    return values;
  };
  // The minimum is found once per process, on first use: a grid of a few hundred thousand points.
  let minimum = known;
  const reference = (): { value: number; at: Record<string, number> } => (minimum ??= searchMinimum(problem));
  return {
    kind: "multi-fidelity",
    name,
    dimension: Object.keys(problem.params).length,
    space: problem.params,
    conditions: {},
    get optimum() {
      return reference().value;
    },
    optimumKind: known !== null ? "known minimum" : "minimum of a grid over the box refined by a compass search",
    get optimizer() {
      return reference().at;
    },
    tags,
    split: undefined,
    fidelity: { name: "step", min: 1, max: problem.steps, integer: true },
    description: `${problem.name}, steps 1–${problem.steps}`,
    curve: async (params) => curveOf(problem, read(params), seed),
    finalNoiseless: async (params) => problem.noiseless(read(params), problem.steps),
    unavailableReason: async () => undefined,
  };
}

/**
 * The lab's synthetic learning curves (see {@link learningCurves}) for one seed of their noise.
 *
 * @example
 * const problem = learningCurvesProblem(3);
 * (await problem.curve({ lr: 0.01, batch: 64, dropout: 0.3 })).length; // 27
 */
export function learningCurvesProblem(seed: number): FidelityProblem {
  return stepFidelityProblem(learningCurves, "learning-curves-3d-fidelity", ["synthetic", "noisy", "multi-fidelity", "mixed"], null, seed);
}

/**
 * Augmented Branin over its fidelity (see {@link augmentedBranin}); noiseless, so the seed
 * changes nothing.
 */
export function augmentedBraninProblem(seed: number): FidelityProblem {
  const optimum = { value: 0.39788735772973816, at: { x1: Math.PI, x2: 2.275 } };
  return stepFidelityProblem(augmentedBranin, "augmented-branin-2d-fidelity", ["synthetic", "noiseless", "multi-fidelity"], optimum, seed);
}

/**
 * A YAHPO surrogate with a fidelity (LCBench's epochs) run over that fidelity: a trial's whole
 * curve comes from one batched call of the surrogate, and regret is measured at the full budget
 * against the surrogate problem's reference value.
 *
 * @example
 * const problem = surrogateFidelityProblem(createLabProblem("yahpo-lcbench-3945") as AsyncProblem);
 */
export function surrogateFidelityProblem(surrogate: AsyncProblem): FidelityProblem {
  const fidelity = surrogate.fidelity;
  if (fidelity === undefined || !fidelity.integer) throw new ProblemInputError(`${surrogate.name}: has no integer fidelity to run over`);
  const steps = Array.from({ length: fidelity.max - fidelity.min + 1 }, (_, i) => fidelity.min + i);
  return {
    kind: "multi-fidelity",
    name: `${surrogate.name}-fidelity`,
    dimension: surrogate.dimension,
    space: surrogate.space,
    conditions: surrogate.conditions,
    optimum: surrogate.optimum,
    optimumKind: surrogate.optimumKind,
    optimizer: surrogate.optimizer,
    tags: surrogate.tags,
    split: undefined,
    fidelity: { ...fidelity, min: 1 },
    description: `${surrogate.description.replace(/ at .*$/, "")}, ${fidelity.name} ${fidelity.min}–${fidelity.max}`,
    curve: (params) => surrogate.evaluateCurve(params, steps),
    finalNoiseless: (params) => surrogate.evaluateNoiseless(params),
    unavailableReason: () => surrogate.unavailableReason(),
  };
}
