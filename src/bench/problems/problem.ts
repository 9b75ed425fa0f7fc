/**
 * The lab's unit of work: a named problem with a Sextant search space, an objective to minimize,
 * and the value of its optimum so that regret can be measured.
 */
import type { CategoricalChoice, Distribution, ParamValue, Rng, SearchSpace, Trial } from "../../index.js";
import type { BoxFunction } from "./instances.js";
import { SYNTHETIC_FUNCTIONS } from "./synthetic.js";

/** Groups the report aggregates over. */
export const PROBLEM_TAGS = [
  "synthetic",
  "noiseless",
  "noisy",
  "heavy-tailed",
  "mixed",
  "conditional",
  "high-dimensional",
  "surrogate",
  "real-command",
  "multi-fidelity",
  "multi-objective",
] as const;
export type ProblemTag = (typeof PROBLEM_TAGS)[number];

/** Where defaults may be chosen (`dev`) and where they are reported (`test`); chosen by the carps protocol. */
export type ProblemSplit = "dev" | "test";

/** Parameters are read as `params` by name; inactive conditional parameters may be absent. */
export type ProblemParams = Readonly<Record<string, ParamValue>>;

/** A parameter that is active only while `parent` takes one of `values`. */
export interface ParamCondition {
  readonly parent: string;
  readonly values: readonly CategoricalChoice[];
}

/**
 * A minimization problem of the benchmark lab.
 *
 * @example
 * const problem = createProblem("branin-2d");
 * problem.evaluate({ x0: Math.PI, x1: 2.275 }) - problem.optimum; // regret ≈ 0
 */
export interface Problem {
  readonly name: string;
  /** The number of parameters in `space`, active or not. */
  readonly dimension: number;
  /** Parameters in the order a define-by-run objective should suggest them. */
  readonly space: SearchSpace;
  /** Conditional parameters, keyed by name; a parameter absent here is always active. */
  readonly conditions: Readonly<Record<string, ParamCondition>>;
  /** The minimum of the noiseless objective. */
  readonly optimum: number;
  /** Parameters at which the noiseless objective equals `optimum`, or null when unknown. */
  readonly optimizer: ProblemParams | null;
  readonly tags: readonly ProblemTag[];
  /** Unset until the carps protocol chooses the dev and test suites. */
  split: ProblemSplit | undefined;
  /** The value an optimizer sees (noisy for noisy problems). Throws {@link ProblemInputError} on bad params. */
  evaluate(params: ProblemParams): number;
  /** The noiseless value, on which regret is measured. */
  evaluateNoiseless(params: ProblemParams): number;
}

/**
 * The budget axis of a multi-fidelity problem (epochs, a share of the training data). `max` is the
 * full budget, at which `evaluate` measures by default; an integer fidelity is also the step an
 * optimizer reports intermediate values at.
 */
export interface ProblemFidelity {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

/**
 * A problem whose evaluations are asynchronous: a surrogate model of real HPO runs, or a real
 * command. Its `optimum` is a reference value, not a proven minimum (see `optimumKind`): regret
 * against it can be slightly negative when an optimizer beats the reference.
 *
 * @example
 * const problem = createLabProblem("yahpo-lcbench-3945");
 * if (isAsyncProblem(problem)) {
 *   const value = await problem.evaluate(params);           // at the full budget
 *   const curve = await problem.evaluateCurve(params, [1, 2, 3]); // the first three epochs
 * }
 */
/** What every problem of the lab that is not a plain synchronous {@link Problem} has. */
export interface LabProblemLayout {
  readonly name: string;
  /** The number of parameters in `space`, active or not. */
  readonly dimension: number;
  readonly space: SearchSpace;
  /** Conditional parameters, keyed by name; a parameter absent here is always active. */
  readonly conditions: Readonly<Record<string, ParamCondition>>;
  readonly tags: readonly ProblemTag[];
  /** Unset until the carps protocol chooses the dev and test suites. */
  split: ProblemSplit | undefined;
  /** What the problem measures, in words a report can print. */
  readonly description: string;
}

export interface AsyncProblem extends LabProblemLayout {
  /** The reference value regret is measured against (smaller is better). */
  readonly optimum: number;
  /** How `optimum` was found, in words a report can print (e.g. "best of 20000 random configurations"). */
  readonly optimumKind: string;
  readonly optimizer: ProblemParams | null;
  /** Undefined for single-fidelity problems. */
  readonly fidelity: ProblemFidelity | undefined;
  /** The objective (minimized) at `fidelity`, the full budget by default. Rejects with {@link ProblemInputError} on bad params. */
  evaluate(params: ProblemParams, fidelity?: number): Promise<number>;
  /** Equal to `evaluate`: these problems are deterministic. */
  evaluateNoiseless(params: ProblemParams, fidelity?: number): Promise<number>;
  /** The objective at each of `fidelities`, in one go where the problem can batch them. */
  evaluateCurve(params: ProblemParams, fidelities: readonly number[]): Promise<number[]>;
  /** Why the problem cannot run on this machine (a missing program or module), or undefined when it can. */
  unavailableReason(): Promise<string | undefined>;
}

/**
 * A problem tuned over a budget axis (epochs, steps): a trial observes its value at every step
 * from 1 to `fidelity.max`, an optimizer may stop it early (a pruner), and budgets are counted in
 * fidelity units. Regret is the noiseless full-budget value of the incumbent (the complete trial
 * with the lowest observed final value) minus `optimum`.
 *
 * @example
 * const problem = createLabProblem("learning-curves-3d-fidelity", { seed: 1 });
 * if (isFidelityProblem(problem)) {
 *   const observed = await problem.curve(params);          // steps 1 … problem.fidelity.max
 *   const regret = (await problem.finalNoiseless(params)) - problem.optimum;
 * }
 */
export interface FidelityProblem extends LabProblemLayout {
  readonly kind: "multi-fidelity";
  /** The known minimum at the full budget, or a reference value (see `optimumKind`). */
  readonly optimum: number;
  readonly optimumKind: string;
  readonly optimizer: ProblemParams | null;
  /** An integer axis: steps 1 … `max`. */
  readonly fidelity: ProblemFidelity;
  /** The values a trial observes at steps 1 … `fidelity.max` (noisy where the problem is). */
  curve(params: ProblemParams): Promise<number[]>;
  /** The noiseless value at the full budget, on which regret is measured. */
  finalNoiseless(params: ProblemParams): Promise<number>;
  unavailableReason(): Promise<string | undefined>;
}

/**
 * A problem with several objectives, all minimized, on the unit box. Regret is hypervolume
 * regret: `maxHypervolume` minus the hypervolume (against `referencePoint`) of the feasible
 * trials so far.
 *
 * @example
 * const problem = createLabProblem("zdt1-6d");
 * if (isMultiObjectiveProblem(problem)) problem.evaluate({ x0: 0, x1: 0, x2: 0, x3: 0, x4: 0, x5: 0 }); // [0, 1]
 */
export interface MultiObjectiveLabProblem extends LabProblemLayout {
  readonly kind: "multi-objective";
  readonly objectives: number;
  readonly referencePoint: readonly number[];
  /** The largest hypervolume any set of points reaches, or a reference value (see `optimumKind`). */
  readonly maxHypervolume: number;
  readonly optimumKind: string;
  /** The objective vector (minimized). Throws {@link ProblemInputError} on bad params. */
  evaluate(params: ProblemParams): number[];
  /** Constraint values, feasible when every one is <= 0; undefined for unconstrained problems. */
  readonly constraints: ((params: ProblemParams) => number[]) | undefined;
}

/** A problem with one objective measured per trial: synchronous (synthetic) or asynchronous (surrogate, command). */
export type SingleObjectiveProblem = Problem | AsyncProblem;

/** Any problem of the lab: single-objective, multi-fidelity or multi-objective. */
export type LabProblem = SingleObjectiveProblem | FidelityProblem | MultiObjectiveLabProblem;

/**
 * Whether a lab problem evaluates asynchronously.
 *
 * @example
 * if (isAsyncProblem(problem)) console.log(await problem.evaluate(params));
 */
export function isAsyncProblem(problem: LabProblem): problem is AsyncProblem {
  return "evaluateCurve" in problem;
}

/** Whether a lab problem is run over its fidelity axis, with budgets in fidelity units. */
export function isFidelityProblem(problem: LabProblem): problem is FidelityProblem {
  return "kind" in problem && problem.kind === "multi-fidelity";
}

/** Whether a lab problem has several objectives (regret is hypervolume regret). */
export function isMultiObjectiveProblem(problem: LabProblem): problem is MultiObjectiveLabProblem {
  return "kind" in problem && problem.kind === "multi-objective";
}

/**
 * Whether the problem's `optimum` (for several objectives, its largest hypervolume) is a reference
 * value, the best of a seeded search, rather than a proven optimum: runs can then go past it.
 */
export function isReferenceOptimum(problem: LabProblem): boolean {
  return isAsyncProblem(problem) || ((isFidelityProblem(problem) || isMultiObjectiveProblem(problem)) && !problem.optimumKind.startsWith("known"));
}

/**
 * A random point of a space with only its active parameters set, drawn the way a random sampler
 * draws: uniform, or log-uniform for `log` parameters; integers uniform over their (log) range.
 *
 * @example
 * randomProblemParams(problem, new Rng(0));
 */
export function randomProblemParams(problem: Pick<Problem, "space" | "conditions">, rng: Rng): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(problem.space)) {
    if (!isActive(problem, name, params)) continue;
    if (d.type === "categorical") {
      params[name] = rng.choice(d.choices);
    } else if (d.log) {
      const low = d.type === "int" ? d.low - 0.5 : d.low;
      const high = d.type === "int" ? d.high + 0.5 : d.high;
      const x = Math.exp(rng.uniformIn(Math.log(Math.max(low, Number.MIN_VALUE)), Math.log(high)));
      params[name] = d.type === "int" ? Math.min(d.high, Math.max(d.low, Math.round(x))) : Math.min(d.high, Math.max(d.low, x));
    } else {
      params[name] = d.type === "int" ? rng.integer(d.low, d.high) : rng.uniformIn(d.low, d.high);
    }
  }
  return params;
}

/** Thrown when the parameters given to a problem are missing, of the wrong type or out of range. */
export class ProblemInputError extends Error {
  override name = "ProblemInputError";
}

/**
 * The name of coordinate `i` in the spaces of box problems.
 *
 * @example
 * coordinateName(3); // "x3"
 */
export function coordinateName(i: number): string {
  return `x${i}`;
}

/**
 * The function with this key from {@link SYNTHETIC_FUNCTIONS} in this dimension, as a box function.
 *
 * @example
 * syntheticBoxFunction("ackley", 10).optimum; // 0
 */
export function syntheticBoxFunction(key: string, dimension: number): BoxFunction {
  const fn = SYNTHETIC_FUNCTIONS[key];
  if (fn === undefined) {
    throw new ProblemInputError(`synthetic function "${key}" is unknown; known: ${Object.keys(SYNTHETIC_FUNCTIONS).join(", ")}`);
  }
  if (!fn.accepts(dimension)) {
    throw new ProblemInputError(`dimension: ${fn.title} is not defined for ${dimension} dimensions`);
  }
  const { value, location } = fn.optimum(dimension);
  return {
    bounds: fn.bounds(dimension),
    optimum: value,
    optimizer: location,
    boundedBelowByOptimum: fn.boundedBelowByOptimum,
    evaluate: (x) => fn.evaluate(x),
  };
}

/** Reads one numeric parameter and checks it against its distribution, naming it when it is wrong. */
export function readNumber(problemName: string, params: ProblemParams, name: string, distribution: Distribution): number {
  const value = params[name];
  if (value === undefined) throw new ProblemInputError(`${problemName}: parameter "${name}" is missing`);
  if (distribution.type === "categorical") {
    throw new ProblemInputError(`${problemName}: parameter "${name}" is categorical, not numeric`);
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ProblemInputError(`${problemName}: parameter "${name}" must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (distribution.type === "int" && !Number.isInteger(value)) {
    throw new ProblemInputError(`${problemName}: parameter "${name}" must be an integer, got ${value}`);
  }
  const slack = 1e-9 * (distribution.high - distribution.low);
  if (value < distribution.low - slack || value > distribution.high + slack) {
    throw new ProblemInputError(
      `${problemName}: parameter "${name}" = ${value} is outside [${distribution.low}, ${distribution.high}]`,
    );
  }
  return value;
}

/** Reads one categorical parameter, naming it when it is missing or not one of the choices. */
export function readChoice(problemName: string, params: ProblemParams, name: string, choices: readonly CategoricalChoice[]): CategoricalChoice {
  const value = params[name];
  if (value === undefined) throw new ProblemInputError(`${problemName}: parameter "${name}" is missing`);
  if (!choices.includes(value)) {
    throw new ProblemInputError(`${problemName}: parameter "${name}" must be one of ${JSON.stringify(choices)}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** What {@link boxProblem} needs besides the function. */
export interface BoxProblemOptions {
  readonly name: string;
  readonly tags: readonly ProblemTag[];
  /** Coordinates searched as integers; the function's optimizer must be integral there. */
  readonly integerCoordinates?: readonly number[];
}

/**
 * A problem whose parameters `x0 … x{d-1}` are the coordinates of a box function, as floats or,
 * for the coordinates listed in `integerCoordinates`, as integers.
 *
 * @example
 * const problem = boxProblem(syntheticBoxFunction("rastrigin", 4), { name: "rastrigin-4d-int", tags: ["mixed"], integerCoordinates: [0, 1, 2, 3] });
 * problem.space.x0; // { type: "int", low: -5, high: 5 }
 */
export function boxProblem(fn: BoxFunction, options: BoxProblemOptions): Problem {
  const integer = new Set(options.integerCoordinates ?? []);
  const space: Record<string, Distribution> = {};
  fn.bounds.forEach(([low, high], i) => {
    space[coordinateName(i)] = integer.has(i) ? { type: "int", low: Math.ceil(low), high: Math.floor(high) } : { type: "float", low, high };
  });
  let optimizer: Record<string, number> | null = null;
  if (fn.optimizer !== null) {
    optimizer = {};
    fn.optimizer.forEach((v, i) => {
      if (integer.has(i) && !Number.isInteger(v)) {
        throw new ProblemInputError(`integerCoordinates: ${options.name} has a non-integral optimizer coordinate ${i} (${v})`);
      }
      optimizer![coordinateName(i)] = v;
    });
  } else if (integer.size > 0) {
    throw new ProblemInputError(`integerCoordinates: ${options.name} needs a known optimizer to keep its optimum on the integers`);
  }
  const names = Object.keys(space);
  const evaluateNoiseless = (params: ProblemParams): number =>
    fn.evaluate(names.map((name) => readNumber(options.name, params, name, space[name]!)));
  return {
    name: options.name,
    dimension: names.length,
    space,
    conditions: {},
    optimum: fn.optimum,
    optimizer,
    tags: options.tags,
    split: undefined,
    evaluate: evaluateNoiseless,
    evaluateNoiseless,
  };
}

/**
 * Whether parameter `name` is active given the values already chosen.
 *
 * @example
 * isActive(createProblem("conditional-ackley-rastrigin-levy-5d"), "levy.x0", { branch: "ackley" }); // false
 */
export function isActive(problem: Pick<Problem, "conditions">, name: string, params: ProblemParams): boolean {
  const condition = problem.conditions[name];
  return condition === undefined || condition.values.includes(params[condition.parent] as CategoricalChoice);
}

/**
 * Suggests a problem's active parameters on a trial, in the problem's order, so a conditional
 * problem only asks for the parameters of the branch it took.
 *
 * @example
 * const problem = createProblem("conditional-ackley-rastrigin-levy-5d");
 * await study.optimize((trial) => problem.evaluate(suggestProblemParams(problem, trial)), { nTrials: 50 });
 */
export function suggestProblemParams(problem: Pick<Problem, "space" | "conditions">, trial: Trial): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, distribution] of Object.entries(problem.space)) {
    if (isActive(problem, name, params)) params[name] = trial.suggest(name, distribution);
  }
  return params;
}
