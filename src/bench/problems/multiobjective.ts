/**
 * The multi-objective problems of `npm run bench:multiobjective` (ZDT1, ZDT2, DTLZ2, Branin-Currin
 * and its constrained variant, defined in `src/bench/multiobjective.ts`) as lab problems, whose
 * regret is hypervolume regret.
 */
import { hypervolume, type Distribution } from "../../index.js";
import { MULTIOBJECTIVE_PROBLEMS, type MultiObjectiveProblem } from "../multiobjective.js";
import { coordinateName, readNumber, type MultiObjectiveLabProblem, type ProblemParams } from "./problem.js";

/** Registry names of the multi-objective problems, by their key in `MULTIOBJECTIVE_PROBLEMS`. */
export const MULTIOBJECTIVE_PROBLEM_NAMES: Readonly<Record<string, string>> = {
  zdt1: "zdt1-6d",
  zdt2: "zdt2-6d",
  dtlz2: "dtlz2-6d-3obj",
  branin_currin: "branin-currin-2d",
  constrained_branin_currin: "constrained-branin-currin-2d",
};

/** Grid points per axis for the reference hypervolume of a 2-D problem whose maximum is not known. */
const REFERENCE_GRID = 1000;

/**
 * The hypervolume of the feasible points of a REFERENCE_GRID² grid over [0, 1]²: a lower bound
 * of the largest hypervolume, within the grid's resolution of it.
 */
function gridHypervolume(problem: MultiObjectiveProblem): number {
  if (problem.dimension !== 2) throw new Error(`${problem.name}: a reference hypervolume by grid needs 2 dimensions`);
  const points: number[][] = [];
  for (let i = 0; i <= REFERENCE_GRID; i++) {
    for (let j = 0; j <= REFERENCE_GRID; j++) {
      const x = [i / REFERENCE_GRID, j / REFERENCE_GRID];
      if (problem.constraints && problem.constraints(x).some((c) => c > 0)) continue;
      points.push(problem.evaluate(x));
    }
  }
  // Keep the two-objective staircase only: hypervolume() would do the same, a million points slower.
  points.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  const front: number[][] = [];
  for (const p of points) if (front.length === 0 || p[1]! < front.at(-1)![1]!) front.push(p);
  return hypervolume(front, problem.reference);
}

const gridReferences = new Map<string, number>();

/**
 * A multi-objective problem of the lab by its key in `MULTIOBJECTIVE_PROBLEMS`.
 *
 * @example
 * const problem = multiObjectiveProblem("zdt1");
 * problem.maxHypervolume; // 120.667
 */
export function multiObjectiveProblem(key: string): MultiObjectiveLabProblem {
  const source = MULTIOBJECTIVE_PROBLEMS[key];
  const name = MULTIOBJECTIVE_PROBLEM_NAMES[key];
  if (source === undefined || name === undefined) throw new Error(`multi-objective problem "${key}" is unknown`);
  const space: Record<string, Distribution> = {};
  for (let i = 0; i < source.dimension; i++) space[coordinateName(i)] = { type: "float", low: 0, high: 1 };
  const read = (params: ProblemParams): number[] => Object.entries(space).map(([param, d]) => readNumber(name, params, param, d));
  const objectives = source.reference.length;
  const constraints = source.constraints;
  return {
    kind: "multi-objective",
    name,
    dimension: source.dimension,
    space,
    conditions: {},
    objectives,
    referencePoint: source.reference,
    get maxHypervolume() {
      if (source.maxHypervolume !== null) return source.maxHypervolume;
      let value = gridReferences.get(key);
      if (value === undefined) gridReferences.set(key, (value = gridHypervolume(source)));
      return value;
    },
    optimumKind: source.maxHypervolume !== null ? "known largest hypervolume" : `hypervolume of the feasible points of a ${REFERENCE_GRID + 1}² grid`,
    tags: ["synthetic", "noiseless", "multi-objective"],
    split: undefined,
    description: `${source.name}: ${objectives} objectives${constraints ? " with a constraint" : ""}, reference point [${source.reference.join(", ")}]`,
    evaluate: (params) => source.evaluate(read(params)),
    constraints: constraints === undefined ? undefined : (params) => constraints(read(params)),
  };
}
