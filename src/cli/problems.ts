/**
 * `sextant problems`: the benchmark lab's problems with their dimension, optimum (or, for surrogate
 * and real-command problems, reference value) and tags, and, for one problem, its search space and
 * where its optimum is (for a seeded instance with `--seed`).
 */
import {
  createLabProblem,
  isAsyncProblem,
  isFidelityProblem,
  isMultiObjectiveProblem,
  isReferenceOptimum,
  labProblemNames,
  PROBLEM_TAGS,
  type LabProblem,
  type ProblemTag,
} from "../bench/problems/index.js";
import { didYouMean, unknownComponentMessage } from "../space/index.js";
import { UsageError } from "./errors.js";
import { formatNumber, renderTable } from "./format.js";
import type { Io } from "./io.js";

export interface ProblemsFlags {
  tag?: string[];
  seed?: number;
  json?: boolean;
}

function problemJson(problem: LabProblem): Record<string, unknown> {
  const common = { name: problem.name, dimension: problem.dimension };
  const layout = { tags: problem.tags, space: problem.space, conditions: problem.conditions };
  if (isMultiObjectiveProblem(problem)) {
    const { objectives, referencePoint, maxHypervolume, optimumKind, description } = problem;
    return { ...common, objectives, referencePoint, maxHypervolume, optimumKind, description, constrained: problem.constraints !== undefined, ...layout };
  }
  return {
    ...common,
    optimum: problem.optimum,
    ...(isAsyncProblem(problem) || isFidelityProblem(problem) ? { optimumKind: problem.optimumKind, description: problem.description, fidelity: problem.fidelity ?? null } : {}),
    optimizer: problem.optimizer,
    ...layout,
  };
}

/** The optimum (for several objectives, the largest hypervolume), or a reference value marked with "~". */
function optimumText(problem: LabProblem, digits: number): string {
  const value = isMultiObjectiveProblem(problem) ? problem.maxHypervolume : problem.optimum;
  return `${isReferenceOptimum(problem) ? "~" : ""}${isMultiObjectiveProblem(problem) ? "HV " : ""}${formatNumber(value, digits)}`;
}

function checkTags(tags: readonly string[]): ProblemTag[] {
  for (const tag of tags) {
    if (!(PROBLEM_TAGS as readonly string[]).includes(tag)) throw new UsageError(`--tag: ${unknownComponentMessage("tag", tag, PROBLEM_TAGS)}`);
  }
  return tags as ProblemTag[];
}

/**
 * `sextant problems [name] [--tag T]… [--seed N] [--json]`.
 *
 * @example
 * await listProblemsCommand(undefined, { tag: ["noisy"], json: true }, processIo());
 */
export async function listProblemsCommand(name: string | undefined, flags: ProblemsFlags, io: Io): Promise<number> {
  const names = labProblemNames(checkTags(flags.tag ?? []));
  const seed = flags.seed === undefined ? {} : { seed: flags.seed };
  if (name !== undefined) {
    const known = labProblemNames();
    if (!known.includes(name)) {
      // 80-odd names are too many for one message: suggest the closest and point at the listing.
      throw new UsageError(`unknown problem "${name}"${didYouMean(name, known)}; \`sextant problems\` lists them`);
    }
    const problem = createLabProblem(name, seed);
    if (flags.json) {
      io.out(JSON.stringify(problemJson(problem), null, 2));
      return 0;
    }
    if (isMultiObjectiveProblem(problem)) {
      io.out(`${problem.name}: ${problem.description}; ${problem.dimension} parameters; tags ${problem.tags.join(", ")}`);
      io.out(`largest hypervolume ${formatNumber(problem.maxHypervolume, 10)} (${problem.optimumKind}); regret is hypervolume regret`);
    } else if (isAsyncProblem(problem) || isFidelityProblem(problem)) {
      io.out(`${problem.name}: ${problem.description}; ${problem.dimension} parameters; tags ${problem.tags.join(", ")}`);
      io.out(`${isReferenceOptimum(problem) ? "reference value" : "optimum"} ${formatNumber(problem.optimum, 10)} (${problem.optimumKind})`);
      if (problem.fidelity !== undefined) {
        const f = problem.fidelity;
        io.out(`fidelity ${f.name}: ${f.integer ? "int" : "float"} [${f.min}, ${f.max}], full budget ${f.max}`);
      }
    } else {
      io.out(`${problem.name}: ${problem.dimension} parameters, optimum ${formatNumber(problem.optimum, 10)}; tags ${problem.tags.join(", ")}`);
    }
    const optimizer = isMultiObjectiveProblem(problem) ? null : problem.optimizer;
    const rows = Object.entries(problem.space).map(([param, d]) => [
      param,
      d.type === "categorical" ? `categorical ${JSON.stringify(d.choices)}` : `${d.type}${d.log ? " log" : ""} [${d.low}, ${d.high}]`,
      optimizer === null || optimizer[param] === undefined ? "-" : String(optimizer[param]),
      problem.conditions[param] === undefined ? "" : `if ${problem.conditions[param]!.parent} = ${problem.conditions[param]!.values.join("|")}`,
    ]);
    io.out(renderTable(["parameter", "distribution", "at optimum", "active"], rows, 60));
    return 0;
  }
  const problems = names.map((n) => createLabProblem(n, seed));
  if (flags.json) {
    io.out(JSON.stringify(problems.map(problemJson), null, 2));
    return 0;
  }
  const rows = problems.map((p) => [p.name, String(p.dimension), optimumText(p, 6), p.tags.join(", ")]);
  io.out(renderTable(["problem", "dimension", "optimum", "tags"], rows, 70));
  if (problems.some(isReferenceOptimum)) io.out("~ reference value (best found by a seeded search), not a proven optimum");
  return 0;
}
