/**
 * `sextant problems`: the benchmark lab's problems with their dimension, optimum (or, for surrogate
 * and real-command problems, reference value) and tags, and, for one problem, its search space and
 * where its optimum is (for a seeded instance with `--seed`).
 */
import {
  createLabProblem,
  isAsyncProblem,
  labProblemNames,
  PROBLEM_TAGS,
  type LabProblem,
  type ProblemTag,
} from "../bench/problems/index.js";
import { closestName, unknownComponentMessage } from "../space/index.js";
import { UsageError } from "./errors.js";
import { formatNumber, renderTable } from "./format.js";
import type { Io } from "./io.js";

export interface ProblemsFlags {
  tag?: string[];
  seed?: number;
  json?: boolean;
}

function problemJson(problem: LabProblem): Record<string, unknown> {
  return {
    name: problem.name,
    dimension: problem.dimension,
    optimum: problem.optimum,
    ...(isAsyncProblem(problem) ? { optimumKind: problem.optimumKind, description: problem.description, fidelity: problem.fidelity ?? null } : {}),
    optimizer: problem.optimizer,
    tags: problem.tags,
    space: problem.space,
    conditions: problem.conditions,
  };
}

/** The optimum, or a reference value marked with "~" where no optimum is known. */
function optimumText(problem: LabProblem, digits: number): string {
  return `${isAsyncProblem(problem) ? "~" : ""}${formatNumber(problem.optimum, digits)}`;
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
      const close = closestName(name, known);
      throw new UsageError(`unknown problem "${name}"${close ? ` (did you mean "${close}"?)` : ""}; \`sextant problems\` lists them`);
    }
    const problem = createLabProblem(name, seed);
    if (flags.json) {
      io.out(JSON.stringify(problemJson(problem), null, 2));
      return 0;
    }
    if (isAsyncProblem(problem)) {
      io.out(`${problem.name}: ${problem.description}; ${problem.dimension} parameters; tags ${problem.tags.join(", ")}`);
      io.out(`reference value ${formatNumber(problem.optimum, 10)} (${problem.optimumKind})`);
      if (problem.fidelity !== undefined) {
        const f = problem.fidelity;
        io.out(`fidelity ${f.name}: ${f.integer ? "int" : "float"} [${f.min}, ${f.max}], full budget ${f.max}`);
      }
    } else {
      io.out(`${problem.name}: ${problem.dimension} parameters, optimum ${formatNumber(problem.optimum, 10)}; tags ${problem.tags.join(", ")}`);
    }
    const rows = Object.entries(problem.space).map(([param, d]) => [
      param,
      d.type === "categorical" ? `categorical ${JSON.stringify(d.choices)}` : `${d.type}${d.log ? " log" : ""} [${d.low}, ${d.high}]`,
      problem.optimizer === null || problem.optimizer[param] === undefined ? "-" : String(problem.optimizer[param]),
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
  if (problems.some(isAsyncProblem)) io.out("~ reference value (best of a seeded random search), not a proven optimum");
  return 0;
}
