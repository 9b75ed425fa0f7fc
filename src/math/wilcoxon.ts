import { normalCdf } from "./special.js";

/** Which side the one-sided test looks at: "greater" asks whether the differences tend to be positive. */
export type Alternative = "greater" | "less";

export interface SignedRankResult {
  /** T⁺: the sum of the ranks of |d| over positive differences, half of each zero's rank included. */
  statistic: number;
  pValue: number;
  /**
   * "exact": counted over every sign pattern of the nonzero differences (exact given the ties and
   * zeros, when there are any); "normal": the normal approximation.
   */
  method: "exact" | "normal";
}

/** Up to this many differences, and neither ties nor zeros, the p-value is counted exactly. */
const EXACT_LIMIT = 50;
/** Up to this many differences with ties or zeros, the p-value is counted exactly (2¹³ sign patterns). */
const TIED_EXACT_LIMIT = 13;

/**
 * The one-sided Wilcoxon signed-rank test of paired differences `d` (current − reference), with
 * the p-value of `scipy.stats.wilcoxon(d, alternative, zero_method="zsplit")` in SciPy 1.15 and
 * later, the call Optuna's `WilcoxonPruner` makes (optuna/pruners/_wilcoxon.py): method "auto",
 * no continuity correction.
 *
 * Ranks of |d| are averaged over ties. Zeros are ranked too, half of each zero's rank counted on
 * each side (Pratt's "zsplit"), so identical values weigh as no evidence either way. Under the null
 * hypothesis each nonzero difference is positive or negative with probability ½, ranks held fixed.
 * The p-value follows SciPy's method "auto" (scipy/stats/_wilcoxon.py, `_wilcoxon_nd`):
 *
 * - n ≤ 50 without ties or zeros, or n ≤ 13 with them: P(T⁺ ≥ t) ("greater") or P(T⁺ ≤ t)
 *   ("less"), counted over all the sign patterns (SciPy's exact table, or its exhaustive
 *   `permutation_test` when ranks are tied or zeros present);
 * - otherwise the normal approximation z = (T⁺ − n(n+1)/4) / σ with the tie-corrected
 *   σ² = [n(n+1)(2n+1) − ½Σ(t³ − t)] / 24 over groups of t equal |d|, zeros included.
 *
 * Earlier SciPy differs only with ties or zeros: 1.10 applies the normal approximation whenever a
 * difference is zero, and reads the tie-free table at T⁺ cut to an integer when ranks are tied.
 *
 * @example
 * wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "greater").pValue; // 1/32: all five positive
 * wilcoxonSignedRank([1, 1, 1], "greater").pValue; // 1/8: three ties, counted, not approximated
 */
export function wilcoxonSignedRank(differences: readonly number[], alternative: Alternative): SignedRankResult {
  const n = differences.length;
  if (n === 0) return { statistic: 0, pValue: 1, method: "exact" };
  for (const d of differences) {
    if (!Number.isFinite(d)) throw new RangeError(`wilcoxonSignedRank: differences must be finite, got ${d}`);
  }
  const order = differences.map((d) => ({ size: Math.abs(d), sign: Math.sign(d) })).sort((a, b) => a.size - b.size);
  let statistic = 0;
  let tieTerm = 0;
  // Twice the ranks of the nonzero differences (integers, as ranks are whole or halves), and
  // twice T⁺ without the zeros' share: what the exact count works on.
  const doubledRanks: number[] = [];
  let doubledPositive = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && order[end + 1]!.size === order[start]!.size) end++;
    const rank = (start + end + 2) / 2; // average of ranks start+1 .. end+1
    const t = end - start + 1;
    tieTerm += t * (t * t - 1);
    for (let k = start; k <= end; k++) {
      const sign = order[k]!.sign;
      if (sign === 0) {
        statistic += rank / 2;
        continue;
      }
      doubledRanks.push(2 * rank);
      if (sign > 0) {
        statistic += rank;
        doubledPositive += 2 * rank;
      }
    }
    start = end + 1;
  }
  const tiesOrZeros = tieTerm > 0 || doubledRanks.length < n;
  if (n <= (tiesOrZeros ? TIED_EXACT_LIMIT : EXACT_LIMIT)) {
    return { statistic, pValue: signPatternTail(doubledRanks, doubledPositive, alternative), method: "exact" };
  }
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24);
  const z = (statistic - mean) / sd;
  return { statistic, pValue: alternative === "greater" ? normalCdf(-z) : normalCdf(z), method: "normal" };
}

/**
 * The share of the sign patterns of `doubledRanks` whose positive part sums to at least
 * `observed` ("greater") or at most ("less"): a count of the subsets of the ranks by their sum.
 */
function signPatternTail(doubledRanks: readonly number[], observed: number, alternative: Alternative): number {
  let total = 0;
  for (const r of doubledRanks) total += r;
  // counts[s] = subsets summing to s; at most 2^50 for 50 ranks, exact in a double.
  const counts = new Float64Array(total + 1);
  counts[0] = 1;
  let reach = 0;
  for (const r of doubledRanks) {
    reach += r;
    for (let s = reach; s >= r; s--) counts[s]! += counts[s - r]!;
  }
  let tail = 0;
  if (alternative === "greater") for (let s = observed; s <= total; s++) tail += counts[s]!;
  else for (let s = 0; s <= observed; s++) tail += counts[s]!;
  return tail / 2 ** doubledRanks.length;
}
