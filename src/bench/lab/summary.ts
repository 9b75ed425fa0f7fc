/**
 * Summaries of stored runs shared by the report and the protocols: regret floored alike for every
 * optimizer, quantiles, incumbent regret at a budget, and normalized scores.
 *
 * A run has no incumbent before its first finished trial (its first trials failed, or a
 * multi-fidelity trial is still running); its curve holds {@link NO_INCUMBENT_REGRET} there, a
 * marker, not a regret. Every statistic reads it through {@link curveRegret}, as Infinity: worse
 * than any regret, so ranks put such a run last (runs with none tie), a median or quartile is
 * Infinity when it falls on (or between) such runs, its normalized score is Infinity, and a budget
 * at which random search's median has none gives no normalized scores (NaN: missing).
 */
import { NO_INCUMBENT_REGRET, type RunResult } from "./run-one.js";

/**
 * Regrets below this count as this, for every optimizer alike, before logs or ratios are taken
 * (rounding leaves some regrets a hair below 0).
 */
export const REGRET_FLOOR = 1e-12;

export function flooredRegret(regret: number): number {
  return Math.max(regret, REGRET_FLOOR);
}

/**
 * A curve entry as a regret to compute with: floored, or Infinity where the run has no incumbent
 * yet ({@link NO_INCUMBENT_REGRET}).
 *
 * @example
 * curveRegret(NO_INCUMBENT_REGRET); // Infinity
 * curveRegret(-1e-15);              // 1e-12
 */
export function curveRegret(entry: number): number {
  return entry >= NO_INCUMBENT_REGRET ? Infinity : flooredRegret(entry);
}

/**
 * The q-quantile of `values` by linear interpolation between order statistics (NumPy's default).
 * Interpolating towards Infinity gives Infinity (a run with no incumbent, see {@link curveRegret}).
 *
 * @example
 * quantile([1, 2, 3, 4], 0.5);               // 2.5
 * quantile([1, Infinity, Infinity], 0.5);    // Infinity
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = sorted[Math.floor(position)]!;
  const high = sorted[Math.ceil(position)]!;
  // Spelled out so that Infinity − Infinity (NaN) never enters.
  if (position === Math.floor(position) || low === high) return low;
  return high === Infinity ? Infinity : low + (high - low) * (position - Math.floor(position));
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * The incumbent's floored regret after `budget` trials (the whole run when `budget` exceeds it),
 * Infinity when the run has no incumbent yet (see {@link curveRegret}).
 */
export function regretAt(result: RunResult, budget: number): number {
  return curveRegret(result.curve[Math.min(budget, result.curve.length) - 1]!);
}

/** Results grouped as `[problem][optimizer] -> runs`, in first-seen order. */
export function groupResults(results: readonly RunResult[]): Map<string, Map<string, RunResult[]>> {
  const byProblem = new Map<string, Map<string, RunResult[]>>();
  for (const r of results) {
    let byOptimizer = byProblem.get(r.problem);
    if (byOptimizer === undefined) byProblem.set(r.problem, (byOptimizer = new Map()));
    const runs = byOptimizer.get(r.optimizer) ?? [];
    runs.push(r);
    byOptimizer.set(r.optimizer, runs);
  }
  return byProblem;
}

/** The random-search optimizer among `optimizers` to normalize by: Sextant's, else Optuna's. */
export function randomReference(optimizers: readonly string[]): string | undefined {
  return optimizers.find((o) => o === "random") ?? optimizers.find((o) => o === "optuna-random");
}

/**
 * Bayesmark's normalized score: regret divided by random search's median regret at the same
 * budget on the same problem, so 0 is the optimum and 1 is as good as random search. Infinity for
 * a run with no incumbent yet; NaN (no score: nothing to normalize by) when random search's median
 * run has none.
 *
 * @example
 * normalizedScore(0.5, 2);        // 0.25
 * normalizedScore(Infinity, 2);   // Infinity
 * normalizedScore(0.5, Infinity); // NaN
 */
export function normalizedScore(regret: number, randomMedianRegret: number): number {
  if (randomMedianRegret === Infinity) return NaN;
  return flooredRegret(regret) / flooredRegret(randomMedianRegret);
}

/** What {@link rebaseOnBestReached} did to one problem. */
export interface Rebase {
  readonly problem: string;
  /** How far the best regret any run reached lies below the stored reference (> 0). */
  readonly belowReference: number;
}

/**
 * Runs of problems whose optimum is a reference value (the best of a seeded random search, see
 * `isReferenceOptimum`) can go past it, to a negative regret. Floored at {@link REGRET_FLOOR},
 * every run past it would tie with every other, and so would their ranks, medians and ratios,
 * however far apart they ended. For each problem in `referenceProblems` on which some run (its
 * curve or recommended curve) went below 0, the regrets are re-measured from the lowest one any run
 * reached, so the best run of the comparison sits at 0 and the others keep their distances (carps
 * normalizes by the best of all runs on a task the same way). Problems with a proven optimum, and
 * runs with no incumbent yet, are left as they are. Re-based results depend on which runs are
 * compared, so a report says which problems were re-based, and by how much.
 *
 * @example
 * const { results, rebased } = rebaseOnBestReached(readResults("lab"), new Set(["yahpo-lcbench-167168"]));
 */
export function rebaseOnBestReached(results: readonly RunResult[], referenceProblems: ReadonlySet<string>): { results: RunResult[]; rebased: Rebase[] } {
  const lowest = new Map<string, number>();
  for (const r of results) {
    if (!referenceProblems.has(r.problem)) continue;
    for (const entry of [...r.curve, ...(r.recommendedCurve ?? [])]) {
      if (entry < NO_INCUMBENT_REGRET && entry < (lowest.get(r.problem) ?? 0)) lowest.set(r.problem, entry);
    }
  }
  if (lowest.size === 0) return { results: [...results], rebased: [] };
  const shift = (curve: readonly number[], by: number): number[] => curve.map((entry) => (entry >= NO_INCUMBENT_REGRET ? entry : entry - by));
  const rebasedResults = results.map((r) => {
    const by = lowest.get(r.problem);
    if (by === undefined) return r;
    return { ...r, curve: shift(r.curve, by), ...(r.recommendedCurve === undefined ? {} : { recommendedCurve: shift(r.recommendedCurve, by) }) };
  });
  const rebased = [...lowest].map(([problem, by]) => ({ problem, belowReference: -by })).sort((a, b) => (a.problem < b.problem ? -1 : 1));
  return { results: rebasedResults, rebased };
}
