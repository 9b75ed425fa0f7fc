/**
 * The problem registry: every problem of the lab by name, as a canonical instance (the function
 * as published) or as a seeded random instance (shifted, rotated where sound, permuted).
 */
import { Rng } from "../../index.js";
import { canRotate, randomInstance, type BoxFunction } from "./instances.js";
import { augmentedBraninProblem, learningCurvesProblem, surrogateFidelityProblem } from "./fidelity.js";
import { MULTIOBJECTIVE_PROBLEM_NAMES, multiObjectiveProblem } from "./multiobjective.js";
import {
  boxProblem,
  ProblemInputError,
  syntheticBoxFunction,
  type AsyncProblem,
  type FidelityProblem,
  type LabProblem,
  type MultiObjectiveLabProblem,
  type Problem,
  type ProblemTag,
} from "./problem.js";
import { SKLEARN_PROBLEMS, sklearnProblem } from "./sklearn.js";
import { SYNTHETIC_FUNCTIONS } from "./synthetic.js";
import { conditionalProblem, scaledInputProblem, withNoise, type NoiseKind } from "./variants.js";
import { YAHPO_PROBLEM_SETS, yahpoProblem, yahpoProblemInstances, yahpoProblemName } from "./yahpo.js";

/** From this many dimensions on, a problem is tagged `high-dimensional`. */
const HIGH_DIMENSION = 20;

export interface CreateProblemOptions {
  /**
   * Without a seed, the function as published (optima at their textbook places). With one, a
   * random instance for that seed: the same (name, seed) always gives the same problem, and
   * noise streams are seeded from it too.
   */
  readonly seed?: number;
}

type Builder = (seed: number | undefined) => Problem;

/** A seed for one part of an instance, so parts (placement, noise, branches) draw independent streams. */
function partSeed(seed: number, ...labels: (string | number)[]): number {
  return new Rng([seed, ...labels].join("/")).nextUint32();
}

function syntheticName(key: string, dimension: number): string {
  return `${key}-${dimension}d`;
}

function dimensionTags(dimension: number): ProblemTag[] {
  return dimension >= HIGH_DIMENSION ? ["high-dimensional"] : [];
}

/** The box function, moved to a random place for this seed when there is one. */
function placed(key: string, dimension: number, seed: number | undefined, integer = false): BoxFunction {
  const fn = syntheticBoxFunction(key, dimension);
  if (seed === undefined) return fn;
  return randomInstance(fn, { seed: partSeed(seed, key, dimension), rotate: !integer && canRotate(fn), integerShift: integer });
}

const builders = new Map<string, Builder>();

function register(name: string, build: Builder): void {
  if (builders.has(name)) throw new Error(`problem "${name}" registered twice`);
  builders.set(name, build);
}

for (const fn of Object.values(SYNTHETIC_FUNCTIONS)) {
  for (const dimension of fn.registryDimensions) {
    const name = syntheticName(fn.key, dimension);
    register(name, (seed) =>
      boxProblem(placed(fn.key, dimension, seed), { name, tags: ["synthetic", "noiseless", ...dimensionTags(dimension)] }),
    );
  }
}

/**
 * Noisy copies of some synthetic problems. Scales are in each function's own units, set by hand
 * so that the noise hides differences near the optimum but not the shape of the whole box.
 */
const NOISY: readonly { base: string; scale: number; kind: NoiseKind }[] = [
  { base: "branin-2d", scale: 1, kind: "gaussian" },
  { base: "hartmann3-3d", scale: 0.1, kind: "gaussian" },
  { base: "hartmann6-6d", scale: 0.1, kind: "gaussian" },
  { base: "ackley-10d", scale: 1, kind: "gaussian" },
  { base: "rosenbrock-5d", scale: 10, kind: "gaussian" },
  { base: "levy-10d", scale: 1, kind: "gaussian" },
  { base: "styblinski_tang-20d", scale: 10, kind: "gaussian" },
  { base: "hartmann6-6d", scale: 0.05, kind: "student-t" },
  { base: "levy-10d", scale: 0.5, kind: "student-t" },
  { base: "rastrigin-5d", scale: 1, kind: "student-t" },
];
for (const { base, scale, kind } of NOISY) {
  const name = `${base}-${kind === "gaussian" ? "noisy" : "heavy-tailed"}`;
  register(name, (seed) => ({
    ...withNoise(builders.get(base)!(seed), { scale, kind, seed: partSeed(seed ?? 0, "noise") }),
    name,
  }));
}

/**
 * Integer and mixed integer/real copies of functions whose optimizer is integral, so the optimum
 * value carries over; instances move the optimum by whole numbers.
 */
const INTEGER: readonly { key: string; dimension: number; integerShare: "all" | "half" }[] = [
  { key: "rastrigin", dimension: 5, integerShare: "all" },
  { key: "levy", dimension: 5, integerShare: "all" },
  { key: "rastrigin", dimension: 10, integerShare: "half" },
  { key: "ackley", dimension: 5, integerShare: "half" },
  { key: "levy", dimension: 10, integerShare: "half" },
  { key: "rosenbrock", dimension: 5, integerShare: "half" },
  { key: "trid", dimension: 10, integerShare: "half" },
];
for (const { key, dimension, integerShare } of INTEGER) {
  const name = `${syntheticName(key, dimension)}-${integerShare === "all" ? "int" : "mixed"}`;
  const count = integerShare === "all" ? dimension : Math.ceil(dimension / 2);
  const integerCoordinates = Array.from({ length: count }, (_, i) => i);
  register(name, (seed) =>
    boxProblem(placed(key, dimension, seed, true), { name, tags: ["mixed", ...dimensionTags(dimension)], integerCoordinates }),
  );
}

/** Conditional problems: a categorical picks the sub-function; offsets make one branch the best. */
const CONDITIONAL: readonly { branches: readonly { key: string; dimension: number; offset: number }[] }[] = [
  {
    branches: [
      { key: "ackley", dimension: 5, offset: 0 },
      { key: "rastrigin", dimension: 5, offset: 0.5 },
      { key: "levy", dimension: 5, offset: 1 },
    ],
  },
  {
    branches: [
      { key: "hartmann6", dimension: 6, offset: 0.2 },
      { key: "rosenbrock", dimension: 4, offset: 0 },
      { key: "styblinski_tang", dimension: 3, offset: 0.4 },
      { key: "branin", dimension: 2, offset: 0.1 },
    ],
  },
];
for (const { branches } of CONDITIONAL) {
  const sameDimension = branches.every((b) => b.dimension === branches[0]!.dimension);
  const name = sameDimension
    ? `conditional-${branches.map((b) => b.key).join("-")}-${branches[0]!.dimension}d`
    : `conditional-${branches.map((b) => syntheticName(b.key, b.dimension)).join("-")}`;
  register(name, (seed) =>
    conditionalProblem(
      name,
      branches.map(({ key, dimension, offset }) => {
        const problemName = syntheticName(key, dimension);
        return { label: key, offset, problem: boxProblem(placed(key, dimension, seed), { name: problemName, tags: [] }) };
      }),
      ["mixed", "conditional"],
    ),
  );
}

/** Problems with a categorical input scale; see {@link scaledInputProblem}. */
const INPUT_SCALES = [0.25, 0.5, 1, 2, 4];
for (const { key, dimension } of [
  { key: "styblinski_tang", dimension: 5 },
  { key: "rosenbrock", dimension: 5 },
  { key: "levy", dimension: 10 },
]) {
  const name = `${syntheticName(key, dimension)}-scaled`;
  register(name, (seed) => scaledInputProblem(name, placed(key, dimension, seed), INPUT_SCALES, ["mixed", ...dimensionTags(dimension)]));
}

/**
 * The names of all registered problems, or of those carrying every tag in `tags`.
 *
 * @example
 * problemNames();                // ["branin-2d", "hartmann3-3d", …]
 * problemNames(["noisy"]);       // ["branin-2d-noisy", …]
 */
export function problemNames(tags: readonly ProblemTag[] = []): string[] {
  const names = [...builders.keys()];
  if (tags.length === 0) return names;
  return names.filter((name) => {
    const problem = builders.get(name)!(undefined);
    return tags.every((tag) => problem.tags.includes(tag));
  });
}

/**
 * A problem by name: the canonical instance, or the random instance for `options.seed`.
 *
 * @example
 * const problem = createProblem("rastrigin-10d", { seed: 7 });
 * problem.evaluateNoiseless(problem.optimizer!) === problem.optimum; // true, at a seeded random place
 */
export function createProblem(name: string, options: CreateProblemOptions = {}): Problem {
  const build = builders.get(name);
  if (build === undefined) {
    if (asyncBuilders.has(name)) throw new ProblemInputError(`problem "${name}" evaluates asynchronously; create it with createLabProblem()`);
    throw new ProblemInputError(`problem "${name}" is unknown; see problemNames() for the ${builders.size} known ones`);
  }
  checkSeed(options.seed);
  return build(options.seed);
}

function checkSeed(seed: number | undefined): void {
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) {
    throw new ProblemInputError(`seed: must be a non-negative integer, got ${seed}`);
  }
}

/**
 * Problems whose evaluations are asynchronous: YAHPO Gym surrogates and real commands. They are
 * deterministic and have one instance each (a seed is accepted and changes nothing).
 */
const asyncBuilders = new Map<string, () => AsyncProblem>();

for (const set of YAHPO_PROBLEM_SETS) {
  for (const instance of yahpoProblemInstances(set)) asyncBuilders.set(yahpoProblemName(set.scenario, instance), () => yahpoProblem(set, instance));
}
for (const spec of SKLEARN_PROBLEMS) asyncBuilders.set(spec.name, () => sklearnProblem(spec));

/**
 * Problems run over a budget axis or with several objectives (the pruning and multi-objective
 * benchmarks' problems). The seed seeds the noise of the noisy ones.
 */
const budgetedBuilders = new Map<string, (seed: number) => FidelityProblem | MultiObjectiveLabProblem>();

budgetedBuilders.set("learning-curves-3d-fidelity", learningCurvesProblem);
budgetedBuilders.set("augmented-branin-2d-fidelity", augmentedBraninProblem);
budgetedBuilders.set(`${yahpoProblemName("lcbench", "3945")}-fidelity`, () => surrogateFidelityProblem(asyncBuilders.get(yahpoProblemName("lcbench", "3945"))!()));
for (const [key, name] of Object.entries(MULTIOBJECTIVE_PROBLEM_NAMES)) budgetedBuilders.set(name, () => multiObjectiveProblem(key));

/**
 * The names of every problem of the lab (single-objective, multi-fidelity and multi-objective,
 * synchronous and asynchronous), or of those carrying every tag in `tags`.
 *
 * @example
 * labProblemNames(["surrogate"]); // ["yahpo-lcbench-3945", …]
 */
export function labProblemNames(tags: readonly ProblemTag[] = []): string[] {
  const asyncNames = [...asyncBuilders.keys()].filter((name) => {
    const problem = asyncBuilders.get(name)!();
    return tags.every((tag) => problem.tags.includes(tag));
  });
  const budgetedNames = [...budgetedBuilders.keys()].filter((name) => {
    const problem = budgetedBuilders.get(name)!(0);
    return tags.every((tag) => problem.tags.includes(tag));
  });
  return [...problemNames(tags), ...asyncNames, ...budgetedNames];
}

/**
 * Any problem of the lab by name; use {@link isAsyncProblem}, {@link isFidelityProblem} and
 * {@link isMultiObjectiveProblem} to tell how to evaluate it.
 *
 * @example
 * const problem = createLabProblem("yahpo-rbv2_xgboost-16");
 * if (isAsyncProblem(problem)) console.log(await problem.evaluate(params));
 * else if (!isFidelityProblem(problem)) console.log(problem.evaluate(params));
 */
export function createLabProblem(name: string, options: CreateProblemOptions = {}): LabProblem {
  checkSeed(options.seed);
  const budgeted = budgetedBuilders.get(name);
  if (budgeted !== undefined) return budgeted(options.seed ?? 0);
  const build = asyncBuilders.get(name);
  if (build === undefined) {
    if (!builders.has(name)) {
      const known = builders.size + asyncBuilders.size + budgetedBuilders.size;
      throw new ProblemInputError(`problem "${name}" is unknown; see labProblemNames() for the ${known} known ones`);
    }
    return createProblem(name, options);
  }
  return build();
}
