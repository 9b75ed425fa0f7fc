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
 * Ranks of |d| are averaged over ties; ±Infinity (the difference of two finite values near ±1.8e308
 * overflows to it) ranks above every finite |d|, as in SciPy, and NaN is refused. Zeros are ranked too, half of each zero's rank counted on
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
    if (Number.isNaN(d)) throw new RangeError(`wilcoxonSignedRank: differences must be numbers, got ${d}`);
  }
  // Compared, not subtracted: Infinity − Infinity is NaN, which a sort takes for "equal" to anything.
  const order = differences.map((d) => ({ size: Math.abs(d), sign: Math.sign(d) })).sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
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
  return normalApproximation(n, statistic, tieTerm, alternative);
}

/** The normal approximation of the test from n, T⁺ and the tie term Σ t(t² − 1) over groups of t equal |d|. */
function normalApproximation(n: number, statistic: number, tieTerm: number, alternative: Alternative): SignedRankResult {
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24);
  const z = (statistic - mean) / sd;
  return { statistic, pValue: alternative === "greater" ? normalCdf(-z) : normalCdf(z), method: "normal" };
}

/** One distinct |d| in a {@link SignedRankAccumulator}'s tree, with the counts of its subtree. */
interface SizeNode {
  readonly size: number;
  readonly priority: number;
  /** The subtrees of smaller and of larger sizes. */
  readonly children: [SizeNode | null, SizeNode | null];
  /** Differences of this size, and how many of them are positive. */
  count: number;
  positives: number;
  /** The same counts over the node's whole subtree. */
  subtreeCount: number;
  subtreePositives: number;
}

/**
 * {@link wilcoxonSignedRank} of a growing list of differences, kept up to date as differences are
 * added: each `add` costs O(log n) (a treap of the distinct |d| with subtree counts tells how many
 * ranks a new difference shifts), and `test` O(1) once there are too many differences for the
 * exact count. Its answers are those of `wilcoxonSignedRank` on the same differences, to the bit:
 * T⁺ and the tie term are sums of quarters and whole numbers, exact in a double in any order, and
 * the p-value comes from them by the same formula (or from the same exact count, while n is small).
 *
 * @example
 * const test = new SignedRankAccumulator();
 * for (const d of [0.3, 0.5, 0.1, 0.9, 0.2]) test.add(d);
 * test.test("greater").pValue; // 1/32, as wilcoxonSignedRank([0.3, 0.5, 0.1, 0.9, 0.2], "greater")
 */
export class SignedRankAccumulator {
  private root: SizeNode | null = null;
  private count = 0;
  private zeros = 0;
  private statistic = 0;
  private tieTerm = 0;
  /** The differences while the exact count may still need them (dropped past EXACT_LIMIT: n only grows). */
  private kept: number[] | null = [];
  /** Whether a difference was NaN: `test` then throws as `wilcoxonSignedRank` does. */
  private sawNaN = false;
  /** Treap priorities: they shape the tree only, never an answer, so a fixed sequence will do. */
  private nextPriority = 0x2545f491;

  /** How many differences were added. */
  get size(): number {
    return this.count;
  }

  /** Adds one paired difference (current − reference). */
  add(difference: number): void {
    this.count++;
    if (this.kept !== null) {
      if (this.count <= EXACT_LIMIT) this.kept.push(difference);
      else this.kept = null;
    }
    if (Number.isNaN(difference)) {
      this.sawNaN = true;
      return;
    }
    const size = Math.abs(difference);
    const sign = Math.sign(difference);
    // Counts before the insertion: smaller sizes, the tie group of this size, larger positives.
    let smaller = 0;
    let positivesUpToSize = 0;
    let tied: SizeNode | null = null;
    for (let node = this.root; node !== null; ) {
      const [smallerSizes, largerSizes] = node.children;
      if (size < node.size) node = smallerSizes;
      else {
        const leftCount = smallerSizes?.subtreeCount ?? 0;
        const leftPositives = smallerSizes?.subtreePositives ?? 0;
        if (size === node.size) {
          tied = node;
          smaller += leftCount;
          positivesUpToSize += leftPositives + node.positives;
          break;
        }
        smaller += leftCount + node.count;
        positivesUpToSize += leftPositives + node.positives;
        node = largerSizes;
      }
    }
    const tiedCount = tied?.count ?? 0;
    const tiedPositives = tied?.positives ?? 0;
    const largerPositives = (this.root?.subtreePositives ?? 0) - positivesUpToSize;
    // Every larger |d| moves up one rank; the tie group's shared rank moves up by half; zeros
    // (size 0, never positive) count half their rank.
    this.statistic += largerPositives + 0.5 * (tiedPositives + (size === 0 ? 0.5 * tiedCount : 0));
    const rank = smaller + (tiedCount + 2) / 2;
    if (sign > 0) this.statistic += rank;
    else if (sign === 0) this.statistic += rank / 2;
    this.tieTerm += (tiedCount + 1) * ((tiedCount + 1) ** 2 - 1) - tiedCount * (tiedCount * tiedCount - 1);
    if (size === 0) this.zeros++;
    this.root = this.insert(this.root, size, sign > 0 ? 1 : 0);
  }

  /** The one-sided test of the differences added so far, as `wilcoxonSignedRank(differences, alternative)`. */
  test(alternative: Alternative): SignedRankResult {
    const n = this.count;
    if (this.sawNaN) throw new RangeError("wilcoxonSignedRank: differences must be numbers, got NaN");
    if (n === 0) return { statistic: 0, pValue: 1, method: "exact" };
    const tiesOrZeros = this.tieTerm > 0 || this.zeros > 0;
    if (n <= (tiesOrZeros ? TIED_EXACT_LIMIT : EXACT_LIMIT)) return wilcoxonSignedRank(this.kept!, alternative);
    return normalApproximation(n, this.statistic, this.tieTerm, alternative);
  }

  private insert(node: SizeNode | null, size: number, positive: number): SizeNode {
    if (node === null) {
      // xorshift32: priorities spread evenly, so the tree stays O(log n) deep.
      let x = this.nextPriority;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.nextPriority = x >>> 0;
      return { size, priority: this.nextPriority, children: [null, null], count: 1, positives: positive, subtreeCount: 1, subtreePositives: positive };
    }
    node.subtreeCount++;
    node.subtreePositives += positive;
    if (size === node.size) {
      node.count++;
      node.positives += positive;
      return node;
    }
    const side = size < node.size ? 0 : 1;
    const child = this.insert(node.children[side], size, positive);
    node.children[side] = child;
    return child.priority > node.priority ? rotateUp(node, side) : node;
  }
}

/** Makes the node's child on `side` its parent (a treap rotation), keeping the subtree counts right. */
function rotateUp(node: SizeNode, side: 0 | 1): SizeNode {
  const other = side === 0 ? 1 : 0;
  const top = node.children[side]!;
  node.children[side] = top.children[other];
  top.children[other] = node;
  recount(node);
  recount(top);
  return top;
}

function recount(node: SizeNode): void {
  const [smaller, larger] = node.children;
  node.subtreeCount = node.count + (smaller?.subtreeCount ?? 0) + (larger?.subtreeCount ?? 0);
  node.subtreePositives = node.positives + (smaller?.subtreePositives ?? 0) + (larger?.subtreePositives ?? 0);
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
