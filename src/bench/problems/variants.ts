/**
 * Variants built on top of other problems: noisy observations, a categorical that selects which
 * sub-problem applies (a conditional space), and a categorical that rescales the inputs.
 */
import { Rng } from "../../index.js";
import type { CategoricalChoice, Distribution, ParamValue } from "../../index.js";
import type { BoxFunction } from "./instances.js";
import {
  coordinateName,
  ProblemInputError,
  readChoice,
  readNumber,
  type ParamCondition,
  type Problem,
  type ProblemParams,
  type ProblemTag,
} from "./problem.js";

/** The distribution of the noise added to each observation. */
export type NoiseKind = "gaussian" | "student-t";

export interface NoiseOptions {
  /** The standard deviation of Gaussian noise, or the scale of Student-t noise. */
  readonly scale: number;
  readonly kind?: NoiseKind;
  /** Degrees of freedom of Student-t noise (a positive integer; 1 is Cauchy). Default 2. */
  readonly degreesOfFreedom?: number;
  /** Seeds the noise stream: the same seed and the same sequence of calls give the same values. */
  readonly seed: number;
}

/**
 * `problem` observed with additive noise: `evaluate` returns the noiseless value plus a fresh draw,
 * while `evaluateNoiseless` (on which regret is measured) is unchanged. Student-t noise with few
 * degrees of freedom gives heavy-tailed observations, where an optimizer that trusts its best
 * observed value is misled by lucky outliers.
 *
 * @example
 * const noisy = withNoise(createProblem("hartmann6-6d"), { scale: 0.1, seed: 1 });
 * noisy.evaluate(noisy.optimizer!) !== noisy.optimum; // true: the observation is noisy
 */
export function withNoise(problem: Problem, options: NoiseOptions): Problem {
  const kind = options.kind ?? "gaussian";
  if (!(Number.isFinite(options.scale) && options.scale > 0)) {
    throw new ProblemInputError(`scale: the noise scale must be a positive number, got ${options.scale}`);
  }
  const degreesOfFreedom = options.degreesOfFreedom ?? 2;
  if (kind === "student-t" && !(Number.isInteger(degreesOfFreedom) && degreesOfFreedom >= 1)) {
    throw new ProblemInputError(`degreesOfFreedom: must be a positive integer, got ${degreesOfFreedom}`);
  }
  const rng = new Rng(options.seed);
  const draw = (): number => {
    const z = rng.normal();
    if (kind === "gaussian") return z;
    // t = Z / sqrt(V / ν) with V a chi-square variable of ν degrees of freedom.
    let chiSquare = 0;
    for (let i = 0; i < degreesOfFreedom; i++) chiSquare += rng.normal() ** 2;
    return z / Math.sqrt(chiSquare / degreesOfFreedom);
  };
  const tags = new Set<ProblemTag>(problem.tags);
  tags.delete("noiseless");
  tags.add("noisy");
  if (kind === "student-t") tags.add("heavy-tailed");
  return {
    ...problem,
    tags: [...tags],
    split: undefined,
    evaluate: (params) => problem.evaluateNoiseless(params) + options.scale * draw(),
  };
}

/** One arm of a {@link conditionalProblem}. */
export interface Branch {
  readonly label: string;
  readonly problem: Problem;
  /** Added to the branch's regret, so the branches differ in how good their best is. */
  readonly offset: number;
}

/** The categorical parameter that selects the branch of a conditional problem. */
export const BRANCH_PARAM = "branch";

/**
 * A conditional problem: the categorical `branch` selects which sub-problem applies, and only that
 * sub-problem's parameters (named `label.param`) are active. A branch's value is its own regret
 * plus its offset, so the optimum is the smallest offset, reached in that branch.
 *
 * @example
 * const problem = conditionalProblem("cond", [
 *   { label: "ackley", problem: createProblem("ackley-2d"), offset: 0 },
 *   { label: "levy", problem: createProblem("levy-2d"), offset: 1 },
 * ], ["mixed", "conditional"]);
 * problem.evaluate({ branch: "levy", "levy.x0": 1, "levy.x1": 1 }); // 1
 */
export function conditionalProblem(name: string, branches: readonly Branch[], tags: readonly ProblemTag[]): Problem {
  if (branches.length < 2) throw new ProblemInputError(`branches: ${name} needs at least two branches`);
  const labels = branches.map((b) => b.label);
  if (new Set(labels).size !== labels.length) throw new ProblemInputError(`branches: ${name} has a repeated label`);
  const space: Record<string, Distribution> = { [BRANCH_PARAM]: { type: "categorical", choices: labels } };
  const conditions: Record<string, ParamCondition> = {};
  for (const { label, problem } of branches) {
    if (Object.keys(problem.conditions).length > 0) throw new ProblemInputError(`branches: branch "${label}" of ${name} is itself conditional`);
    for (const [param, distribution] of Object.entries(problem.space)) {
      space[`${label}.${param}`] = distribution;
      conditions[`${label}.${param}`] = { parent: BRANCH_PARAM, values: [label] };
    }
  }
  const best = branches.reduce((a, b) => (b.offset < a.offset ? b : a));
  const optimizer =
    best.problem.optimizer === null
      ? null
      : {
          [BRANCH_PARAM]: best.label,
          ...Object.fromEntries(Object.entries(best.problem.optimizer).map(([param, v]) => [`${best.label}.${param}`, v])),
        };
  const branchParams = (params: ProblemParams): { branch: Branch; inner: Record<string, ParamValue> } => {
    const label = readChoice(name, params, BRANCH_PARAM, labels);
    const branch = branches.find((b) => b.label === label)!;
    const inner: Record<string, ParamValue> = {};
    for (const param of Object.keys(branch.problem.space)) {
      const value = params[`${label}.${param}`];
      if (value !== undefined) inner[param] = value;
    }
    return { branch, inner };
  };
  const evaluateWith = (params: ProblemParams, noisy: boolean): number => {
    const { branch, inner } = branchParams(params);
    try {
      const value = noisy ? branch.problem.evaluate(inner) : branch.problem.evaluateNoiseless(inner);
      return value - branch.problem.optimum + branch.offset;
    } catch (error) {
      // Name the parameter as the caller wrote it, with its branch prefix.
      if (error instanceof ProblemInputError) {
        throw new ProblemInputError(error.message.replace(`${branch.problem.name}: parameter "`, `${name}: parameter "${branch.label}.`));
      }
      throw error;
    }
  };
  return {
    name,
    dimension: Object.keys(space).length,
    space,
    conditions,
    optimum: best.offset,
    optimizer,
    tags,
    split: undefined,
    evaluate: (params) => evaluateWith(params, true),
    evaluateNoiseless: (params) => evaluateWith(params, false),
  };
}

/** The categorical parameter that rescales the inputs of a scaled problem. */
export const SCALE_PARAM = "scale";

/**
 * A box function whose inputs are stretched about the box centre by a categorical factor `scale`:
 * the objective is f(m + c·(x − m)). Which scale is best interacts with where the optimum is;
 * the factor 1 must be among the choices, so the optimum value stays the function's.
 *
 * @example
 * const problem = scaledInputProblem("levy-5d-scaled", syntheticBoxFunction("levy", 5), [0.5, 1, 2], ["mixed"]);
 * problem.evaluate({ scale: 1, x0: 1, x1: 1, x2: 1, x3: 1, x4: 1 }); // 0
 */
export function scaledInputProblem(name: string, fn: BoxFunction, scales: readonly number[], tags: readonly ProblemTag[]): Problem {
  if (!fn.boundedBelowByOptimum) {
    throw new ProblemInputError(`${name}: scaling reads the function outside its box, which needs a function bounded below by its optimum`);
  }
  if (!scales.includes(1)) throw new ProblemInputError(`scales: ${name} must offer the scale 1`);
  if (scales.some((c) => !(Number.isFinite(c) && c > 0))) throw new ProblemInputError(`scales: ${name} needs positive scales`);
  const space: Record<string, Distribution> = { [SCALE_PARAM]: { type: "categorical", choices: [...scales] as CategoricalChoice[] } };
  fn.bounds.forEach(([low, high], i) => (space[coordinateName(i)] = { type: "float", low, high }));
  const centre = fn.bounds.map(([low, high]) => (low + high) / 2);
  const evaluate = (params: ProblemParams): number => {
    const scale = readChoice(name, params, SCALE_PARAM, scales) as number;
    const x = centre.map((m, i) => {
      const param = coordinateName(i);
      return m + scale * (readNumber(name, params, param, space[param]!) - m);
    });
    return fn.evaluate(x);
  };
  const optimizer =
    fn.optimizer === null ? null : { [SCALE_PARAM]: 1, ...Object.fromEntries(fn.optimizer.map((v, i) => [coordinateName(i), v])) };
  return {
    name,
    dimension: Object.keys(space).length,
    space,
    conditions: {},
    optimum: fn.optimum,
    optimizer,
    tags,
    split: undefined,
    evaluate,
    evaluateNoiseless: evaluate,
  };
}
