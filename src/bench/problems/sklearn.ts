/**
 * Real-command problems: scikit-learn models on data sets bundled with scikit-learn, run through
 * `/usr/bin/python3` (Debian's `python3-sklearn`) or `$SEXTANT_PYTHON`. Where no Python with
 * scikit-learn is found, they stay listed and `unavailableReason()` says why; evaluating them
 * fails with that reason.
 */
import type { Distribution } from "../../index.js";
import { commandProblem, findSklearnPython, type CommandProgram } from "./command.js";
import type { AsyncProblem, ParamCondition } from "./problem.js";
import { referenceFor } from "./references.js";

/** One scikit-learn problem: the model and data set the script knows by `script`, and its space. */
export interface SklearnProblemSpec {
  readonly name: string;
  /** The problem's key in `data/commands/sklearn_problem.py`. */
  readonly script: string;
  readonly description: string;
  readonly space: Readonly<Record<string, Distribution>>;
  readonly conditions?: Readonly<Record<string, ParamCondition>>;
}

export const SKLEARN_PROBLEMS: readonly SklearnProblemSpec[] = [
  {
    name: "sklearn-svc-digits",
    script: "svc-digits",
    description: "3-fold CV error of a standardized SVC on scikit-learn's digits",
    space: {
      kernel: { type: "categorical", choices: ["rbf", "poly", "linear"] },
      C: { type: "float", low: 1e-3, high: 1e3, log: true },
      gamma: { type: "float", low: 1e-5, high: 10, log: true },
      degree: { type: "int", low: 2, high: 5 },
    },
    conditions: { gamma: { parent: "kernel", values: ["rbf", "poly"] }, degree: { parent: "kernel", values: ["poly"] } },
  },
  {
    name: "sklearn-gbt-wine",
    script: "gbt-wine",
    description: "3-fold CV error of gradient boosting on scikit-learn's wine",
    space: {
      learning_rate: { type: "float", low: 1e-3, high: 1, log: true },
      n_estimators: { type: "int", low: 10, high: 200, log: true },
      max_depth: { type: "int", low: 1, high: 6 },
      subsample: { type: "float", low: 0.3, high: 1 },
    },
  },
  {
    name: "sklearn-knn-iris",
    script: "knn-iris",
    description: "5-fold CV error of standardized k-nearest neighbours on scikit-learn's iris",
    space: {
      n_neighbors: { type: "int", low: 1, high: 50 },
      weights: { type: "categorical", choices: ["uniform", "distance"] },
      p: { type: "int", low: 1, high: 2 },
    },
  },
];

let python: Promise<CommandProgram> | undefined;

/** The Python of the scikit-learn problems, looked for once per process. */
function sklearnPython(): Promise<CommandProgram> {
  return (python ??= findSklearnPython());
}

/**
 * The command problem of one scikit-learn spec.
 *
 * @example
 * const problem = sklearnProblem(SKLEARN_PROBLEMS[2]);
 * if ((await problem.unavailableReason()) === undefined) await problem.evaluate({ n_neighbors: 5, weights: "uniform", p: 2 });
 */
export function sklearnProblem(spec: SklearnProblemSpec): AsyncProblem {
  const conditional = spec.conditions !== undefined && Object.keys(spec.conditions).length > 0;
  return commandProblem({
    name: spec.name,
    description: spec.description,
    space: spec.space,
    ...(spec.conditions === undefined ? {} : { conditions: spec.conditions }),
    reference: referenceFor(spec.name),
    tags: ["real-command", "mixed", ...(conditional ? ["conditional" as const] : [])],
    program: async () => {
      const found = await sklearnPython();
      return "unavailable" in found ? found : { argv: [...found.argv, spec.script, "{params}"] };
    },
  });
}
