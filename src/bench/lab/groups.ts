/**
 * The groups the report aggregates over (issue 12's groups of the test suite), read from each
 * problem's tags, and the disjoint strata the carps split draws from so that every group has
 * members on both sides of it.
 */
import { createLabProblem, isReferenceOptimum, type ProblemTag } from "../problems/index.js";
import type { RunResult } from "./run-one.js";
import { rebaseOnBestReached, type Rebase } from "./summary.js";

/** Report groups, by the tags that define them. A problem may be in several. */
export const PROBLEM_GROUPS: readonly { readonly name: string; readonly member: (tags: readonly ProblemTag[]) => boolean }[] = [
  { name: "noiseless synthetic", member: (tags) => tags.includes("synthetic") && tags.includes("noiseless") },
  { name: "noisy", member: (tags) => tags.includes("noisy") && !tags.includes("heavy-tailed") },
  { name: "heavy-tailed", member: (tags) => tags.includes("heavy-tailed") },
  { name: "mixed or conditional", member: (tags) => (tags.includes("mixed") || tags.includes("conditional")) && !tags.includes("surrogate") },
  { name: "YAHPO surrogate", member: (tags) => tags.includes("surrogate") },
  { name: "20 or more dimensions", member: (tags) => tags.includes("high-dimensional") },
];

/**
 * The report groups a problem belongs to.
 *
 * @example
 * problemGroups("styblinski_tang-20d-noisy"); // ["noisy", "20 or more dimensions"]
 */
export function problemGroups(problem: string): string[] {
  const tags = createLabProblem(problem).tags;
  return PROBLEM_GROUPS.filter((g) => g.member(tags)).map((g) => g.name);
}

/**
 * The one stratum of a problem for the carps split: its report group, with surrogates first, then
 * heavy-tailed and other noise, then mixed or conditional spaces, then noiseless functions split at
 * 20 dimensions. Strata are disjoint; every report group is covered by at least one stratum that
 * holds only its members, so a split with one member per stratum on each side gives each group
 * members in dev and in test.
 *
 * @example
 * splitStratum("rosenbrock-50d"); // "noiseless synthetic, 20 or more dimensions"
 */
export function splitStratum(problem: string): string {
  const tags = createLabProblem(problem).tags;
  if (tags.includes("surrogate")) return "YAHPO surrogate";
  if (tags.includes("heavy-tailed")) return "heavy-tailed";
  if (tags.includes("noisy")) return "noisy";
  if (tags.includes("mixed") || tags.includes("conditional")) return "mixed or conditional";
  return tags.includes("high-dimensional") ? "noiseless synthetic, 20 or more dimensions" : "noiseless synthetic, under 20 dimensions";
}

/**
 * The problems among `problems` whose optimum is a reference value, not a proven optimum (surrogates,
 * real commands, and multi-fidelity or multi-objective problems whose optimum is not known).
 *
 * @example
 * referenceOptimumProblems(["branin-2d", "yahpo-lcbench-3945"]); // Set { "yahpo-lcbench-3945" }
 */
export function referenceOptimumProblems(problems: Iterable<string>): Set<string> {
  return new Set([...problems].filter((problem) => isReferenceOptimum(createLabProblem(problem))));
}

/**
 * {@link rebaseOnBestReached} on the problems of `results` whose optimum is a reference value: how
 * the report, `bench defaults` and `bench tune` all measure regret past one.
 */
export function rebaseReferenceProblems(results: readonly RunResult[]): { results: RunResult[]; rebased: Rebase[] } {
  return rebaseOnBestReached(results, referenceOptimumProblems(new Set(results.map((r) => r.problem))));
}
