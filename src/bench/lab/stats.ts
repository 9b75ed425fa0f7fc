/**
 * Statistics of the benchmark lab: ranks, the Friedman test with the Iman-Davenport correction,
 * the Nemenyi post-hoc critical difference (Demšar 2006, "Statistical comparisons of classifiers
 * over multiple data sets", JMLR 7), Spearman's rank correlation, and the star discrepancy of a
 * point set, which the carps protocol minimizes to choose representative problem subsets.
 */

/**
 * Ranks of `values`, 1 for the smallest, ties sharing the mean of the ranks they span. Infinity
 * (the lab's regret of a run with no incumbent yet) ranks last, tied with any other Infinity.
 *
 * @example
 * averageRanks([0.3, 0.1, 0.3]);                  // [2.5, 1, 2.5]
 * averageRanks([Infinity, 0.1, Infinity]);        // [2.5, 1, 2.5]
 */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]![1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** m! for the small counts of optimizers and ties the Friedman test sees. */
function factorial(m: number): number {
  let product = 1;
  for (let i = 2; i <= m; i++) product *= i;
  return product;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, Lentz's continued fraction above. */
function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** I_x(a, b), the regularized incomplete beta function, by its continued fraction. */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const logPrefix = a * Math.log(x) + b * Math.log(1 - x) - logGamma(a) - logGamma(b) + logGamma(a + b);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1000; m++) {
    for (const even of [true, false]) {
      const numerator = even ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + numerator * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      if (!even && Math.abs(d * c - 1) < 1e-16) return (Math.exp(logPrefix) * h) / a;
    }
  }
  return (Math.exp(logPrefix) * h) / a;
}

/**
 * P(X ≥ x) for X chi-square with `df` degrees of freedom.
 *
 * @example
 * chiSquareSurvival(3.841, 1); // ≈ 0.05
 */
export function chiSquareSurvival(x: number, df: number): number {
  return upperRegularizedGamma(df / 2, x / 2);
}

/**
 * P(X ≥ x) for X F-distributed with (d1, d2) degrees of freedom.
 *
 * @example
 * fSurvival(2.84, 3, 39); // ≈ 0.05
 */
export function fSurvival(x: number, d1: number, d2: number): number {
  if (x <= 0) return 1;
  return regularizedBeta(d2 / (d2 + d1 * x), d2 / 2, d1 / 2);
}

/** What {@link friedmanTest} finds. */
export interface FriedmanResult {
  /** Blocks (problems) and treatments (optimizers). */
  readonly n: number;
  readonly k: number;
  /** Mean rank of each treatment, 1 = best. */
  readonly averageRanks: number[];
  /** Friedman's statistic, chi-square with k − 1 degrees of freedom under the null hypothesis. */
  readonly chiSquare: number;
  readonly chiSquarePValue: number;
  /** Iman and Davenport's less conservative statistic, F with (k − 1, (k − 1)(n − 1)) degrees of freedom. */
  readonly imanDavenportF: number;
  readonly imanDavenportPValue: number;
}

/**
 * The Friedman test from average ranks, as Demšar (2006, section 3.2.2) writes it.
 *
 * @example
 * // Demšar's example: four C4.5 variants on 14 data sets
 * friedmanFromAverageRanks([3.143, 2.000, 2.893, 1.964], 14).chiSquare; // ≈ 9.28
 */
export function friedmanFromAverageRanks(averageRanks: readonly number[], n: number, tieCorrection = 1, agreementChance?: number): FriedmanResult {
  const k = averageRanks.length;
  if (k < 2 || n < 2) throw new RangeError(`friedman: needs at least 2 treatments and 2 blocks, got k=${k}, n=${n}`);
  const sumSquares = averageRanks.reduce((s, r) => s + r * r, 0);
  const uncorrected = ((12 * n) / (k * (k + 1))) * (sumSquares - (k * (k + 1) ** 2) / 4);
  // Every block a complete tie leaves no variance to test: no evidence either way.
  const chiSquare = tieCorrection > 0 ? uncorrected / tieCorrection : 0;
  const denominator = n * (k - 1) - chiSquare;
  // All blocks ranking the treatments alike make the denominator 0 and F infinite, where the F
  // approximation says nothing. No outcome is more extreme, so its exact p-value is the chance
  // that every block ranks alike under no difference: (1/k!)^(n−1) when nothing ties (2 problems,
  // 3 optimizers: 1/6). It used to be reported as p = 0, "significant" on two problems.
  // χ² reaches n(k − 1) only then, but rounding can leave it a hair below (5.999999999999999 for
  // two problems ranking four optimizers in tied pairs alike), and F came out 6.8e15 with p ≈ 0.
  // The next value below it is lower by about 24/(k(k + 1)) (one block swapping two adjacent ranks),
  // over 1e-9 of the maximum n(k − 1) for up to 20 optimizers (the Nemenyi table's) on 10^5 problems.
  const unanimous = denominator <= 1e-9 * n * (k - 1);
  const imanDavenportF = unanimous ? Infinity : ((n - 1) * chiSquare) / denominator;
  return {
    n,
    k,
    averageRanks: [...averageRanks],
    chiSquare,
    chiSquarePValue: chiSquareSurvival(chiSquare, k - 1),
    imanDavenportF,
    imanDavenportPValue: Number.isFinite(imanDavenportF) ? fSurvival(imanDavenportF, k - 1, (k - 1) * (n - 1)) : (agreementChance ?? factorial(k) ** -(n - 1)),
  };
}

/**
 * The Friedman test on a table `scores[block][treatment]`, lower being better (regret).
 *
 * @example
 * friedmanTest([[1, 2, 3], [1, 3, 2], [1, 2, 3], [2, 1, 3]]).averageRanks; // [1.25, 2, 2.75]
 */
export function friedmanTest(scores: readonly (readonly number[])[]): FriedmanResult {
  const k = scores[0]?.length ?? 0;
  const sums = new Array<number>(k).fill(0);
  // Ties within a block (common here: samplers that share their first trials at a seed) shrink
  // the ranks' variance; the statistic is divided by C = 1 − Σ(t³ − t) / (n·k·(k² − 1)) over
  // every group of t tied scores (Conover 1999; scipy.stats.friedmanchisquare does the same).
  // Without it the test was conservative: 6.0 where the corrected statistic is 8.0.
  // The chance that every block after the first ranks as the first does, under no difference:
  // each block's ranking is one of k!/∏t! equally likely arrangements of its tied groups.
  let tied = 0;
  let agreementChance = 1;
  for (const [b, row] of scores.entries()) {
    if (row.length !== k) throw new RangeError(`friedman: every block needs ${k} scores, got ${row.length}`);
    averageRanks(row).forEach((r, j) => (sums[j]! += r));
    const counts = new Map<number, number>();
    for (const value of row) counts.set(value, (counts.get(value) ?? 0) + 1);
    let arrangements = factorial(k);
    for (const t of counts.values()) {
      tied += t ** 3 - t;
      arrangements /= factorial(t);
    }
    if (b > 0) agreementChance /= arrangements;
  }
  const n = scores.length;
  return friedmanFromAverageRanks(
    sums.map((s) => s / n),
    n,
    k > 1 && n > 0 ? 1 - tied / (n * k * (k * k - 1)) : 1,
    agreementChance,
  );
}

/**
 * q_α for the Nemenyi test at α = 0.05: the studentized range quantile with infinite degrees of
 * freedom divided by √2. k = 2…10 from Demšar (2006, table 5a); 11…20 computed the same way.
 */
export const NEMENYI_Q_05: Readonly<Record<number, number>> = {
  2: 1.96, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.85, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164,
  11: 3.219, 12: 3.268, 13: 3.313, 14: 3.354, 15: 3.391, 16: 3.426, 17: 3.458, 18: 3.489, 19: 3.517, 20: 3.544,
};

/**
 * The Nemenyi critical difference at α = 0.05: two treatments whose average ranks differ by at
 * least this much perform significantly differently.
 *
 * @example
 * nemenyiCriticalDifference(4, 14); // ≈ 1.25 (Demšar 2006, section 3.2.2)
 */
export function nemenyiCriticalDifference(k: number, n: number): number {
  const q = NEMENYI_Q_05[k];
  if (q === undefined) throw new RangeError(`nemenyi: q_0.05 is tabulated for 2 to 20 treatments, got ${k}`);
  return q * Math.sqrt((k * (k + 1)) / (6 * n));
}

/**
 * Groups of treatments whose average ranks all lie within `cd` of each other (the bars of a
 * critical-difference diagram), as maximal index ranges over treatments sorted by rank.
 *
 * @example
 * cliques([1.2, 1.5, 3.0], 0.5); // [[0, 1]]
 */
export function cliques(averageRanks: readonly number[], cd: number): number[][] {
  const order = averageRanks.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const groups: number[][] = [];
  let lastEnd = -1;
  for (let start = 0; start < order.length; start++) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] - order[start]![0] < cd) end++;
    if (end > start && end > lastEnd) {
      groups.push(order.slice(start, end + 1).map(([, i]) => i));
      lastEnd = end;
    }
  }
  return groups;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks (so ties are handled).
 * NaN when either side is constant.
 *
 * @example
 * spearman([1, 2, 3, 4], [10, 20, 30, 40]); // 1
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearman: lengths differ (${a.length} and ${b.length})`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (ra.length + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = ra[i]! - mean;
    const y = rb[i]! - mean;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * The star discrepancy of points in [0, 1]^d: the largest gap, over boxes [0, y) anchored at the
 * origin, between the box's volume and the share of points in it.
 *
 * Exact, by enumeration (the grid method of Bundschuh and Zhu 1993): the supremum is reached at a
 * box whose upper corner takes, in every coordinate, a coordinate of some point or 1. For each
 * such corner y it compares vol(y) with the share of points strictly inside (open box) and the
 * share of points at most y (closed box). Cost O(n^(d+1) d): meant for the few-dimensional
 * performance points of the carps protocol, not for large designs.
 *
 * @example
 * starDiscrepancy([[0.5]]);                   // 0.5
 * starDiscrepancy([[0.25], [0.75]]);          // 0.25
 */
export function starDiscrepancy(points: readonly (readonly number[])[]): number {
  const n = points.length;
  if (n === 0) return 1;
  const d = points[0]!.length;
  for (const p of points) {
    if (p.length !== d) throw new RangeError(`starDiscrepancy: every point needs ${d} coordinates`);
    for (const x of p) if (!(x >= 0 && x <= 1)) throw new RangeError(`starDiscrepancy: coordinates must lie in [0, 1], got ${x}`);
  }
  const grids = Array.from({ length: d }, (_, j) => [...new Set([...points.map((p) => p[j]!), 1])].sort((a, b) => a - b));
  const corner = new Array<number>(d);
  let worst = 0;
  const visit = (j: number): void => {
    if (j === d) {
      let volume = 1;
      for (let t = 0; t < d; t++) volume *= corner[t]!;
      let open = 0;
      let closed = 0;
      for (const p of points) {
        let inOpen = true;
        let inClosed = true;
        for (let t = 0; t < d && inClosed; t++) {
          if (p[t]! > corner[t]!) inClosed = false;
          if (p[t]! >= corner[t]!) inOpen = false;
        }
        if (inOpen) open++;
        if (inClosed) closed++;
      }
      worst = Math.max(worst, volume - open / n, closed / n - volume);
      return;
    }
    for (const value of grids[j]!) {
      corner[j] = value;
      visit(j + 1);
    }
  };
  visit(0);
  return worst;
}
