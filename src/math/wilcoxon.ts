import { normalCdf } from "./special.js";

/** Which side the one-sided test looks at: "greater" asks whether the differences tend to be positive. */
export type Alternative = "greater" | "less";

export interface SignedRankResult {
  /** T⁺: the sum of the ranks of |d| over positive differences, half of each zero's rank included. */
  statistic: number;
  pValue: number;
  method: "exact" | "normal";
}

/** Above this many differences the exact null distribution is replaced by the normal approximation. */
const EXACT_LIMIT = 50;

/**
 * The one-sided Wilcoxon signed-rank test of paired differences `d` (current − reference).
 *
 * Zeros are kept and ranked, their rank split evenly between the two sides (Pratt's "zsplit"),
 * so identical values weigh as no evidence either way rather than vanishing. Ranks of tied |d| are
 * averaged. With at most 50 differences and neither ties nor zeros, the p-value comes from the
 * exact null distribution of T⁺ (each sign equally likely: a count of the subsets of ranks 1..n by
 * their sum). Otherwise T⁺ is compared with N(n(n+1)/4, σ²), σ² = [n(n+1)(2n+1) − ½Σt(t²−1)]/24
 * over groups of t tied ranks, with a continuity correction of ½ toward the mean.
 *
 * @example
 * wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "greater").pValue // 1/32: all five positive
 */
export function wilcoxonSignedRank(differences: readonly number[], alternative: Alternative): SignedRankResult {
  const n = differences.length;
  if (n === 0) return { statistic: 0, pValue: 1, method: "exact" };
  for (const d of differences) {
    if (!Number.isFinite(d)) throw new RangeError(`wilcoxonSignedRank: differences must be finite, got ${d}`);
  }
  const order = differences.map((d, i) => ({ size: Math.abs(d), sign: Math.sign(d), i })).sort((a, b) => a.size - b.size);
  let statistic = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && order[end + 1]!.size === order[start]!.size) end++;
    const rank = (start + end + 2) / 2; // average of ranks start+1 .. end+1
    const t = end - start + 1;
    tieTerm += t * (t * t - 1);
    for (let k = start; k <= end; k++) {
      const sign = order[k]!.sign;
      if (sign > 0) statistic += rank;
      else if (sign === 0) statistic += rank / 2;
    }
    start = end + 1;
  }
  const hasZero = order[0]!.size === 0;
  if (n <= EXACT_LIMIT && tieTerm === 0 && !hasZero) {
    return { statistic, pValue: exactTail(n, statistic, alternative), method: "exact" };
  }
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24);
  if (sd === 0) return { statistic, pValue: 1, method: "normal" };
  const pValue = alternative === "greater" ? normalCdf(-(statistic - mean - 0.5) / sd) : normalCdf((statistic - mean + 0.5) / sd);
  return { statistic, pValue, method: "normal" };
}

/** P(T⁺ ≥ t) ("greater") or P(T⁺ ≤ t) ("less") when each of the ranks 1..n is positive with probability ½. */
function exactTail(n: number, t: number, alternative: Alternative): number {
  const maxSum = (n * (n + 1)) / 2;
  // counts[s] = number of subsets of {1..n} summing to s; at most 2^50, exact in a double.
  const counts = new Float64Array(maxSum + 1);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    for (let s = (rank * (rank + 1)) / 2; s >= rank; s--) counts[s]! += counts[s - rank]!;
  }
  let tail = 0;
  if (alternative === "greater") for (let s = Math.ceil(t); s <= maxSum; s++) tail += counts[s]!;
  else for (let s = 0; s <= Math.floor(t); s++) tail += counts[s]!;
  return Math.min(1, tail / 2 ** n);
}
