/**
 * Summaries of stored runs shared by the report and the protocols: regret floored alike for every
 * optimizer, quantiles, incumbent regret at a budget, and normalized scores.
 */
import type { RunResult } from "./run-one.js";

/**
 * Regrets below this count as this, for every optimizer alike, before logs or ratios are taken
 * (rounding leaves some regrets a hair below 0).
 */
export const REGRET_FLOOR = 1e-12;

export function flooredRegret(regret: number): number {
  return Math.max(regret, REGRET_FLOOR);
}

/**
 * The q-quantile of `values` by linear interpolation between order statistics (NumPy's default).
 *
 * @example
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The incumbent's floored regret after `budget` trials (the whole run when `budget` exceeds it). */
export function regretAt(result: RunResult, budget: number): number {
  return flooredRegret(result.curve[Math.min(budget, result.curve.length) - 1]!);
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
 * budget on the same problem, so 0 is the optimum and 1 is as good as random search.
 *
 * @example
 * normalizedScore(0.5, 2); // 0.25
 */
export function normalizedScore(regret: number, randomMedianRegret: number): number {
  return flooredRegret(regret) / flooredRegret(randomMedianRegret);
}
