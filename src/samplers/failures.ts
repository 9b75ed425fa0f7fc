/**
 * Whether failed trials say anything about where the objective fails.
 *
 * A model of failures (the GP's failure model) helps where failures cluster in the space (a batch
 * size that runs out of memory, a learning rate that diverges) and hurts where they strike at random
 * (a flaky node, a preempted job): there it carves holes around every failed point, some next to
 * the optimum, and slows the last refinement (`bench/failures.mjs`, 15% random failures: the
 * ungated model ended worse than ignoring failures on 8 of 10 seeds of Hartmann-3).
 *
 * The test: each observed point's k nearest neighbours (k = 5) in the unit-cube encoding
 * (categorical coordinates differ by 1 when their choices differ; a coordinate either point lacks,
 * NaN, is left out, so a parameter that only some trials ask for, or that a trial failed before
 * asking for, does not itself tell failures apart) vote on its label, failed or not;
 * the statistic is the number of neighbour pairs whose labels agree. Under the null hypothesis that
 * failures strike regardless of the parameters, every assignment of the same number of failures to
 * the points is equally likely, so relabelling the points at random gives the statistic's exact
 * null distribution (a permutation test; the neighbour lists are computed once). Failures are taken
 * as predictable when fewer than `level` (1%) of `permutations` (400) relabellings agree as much.
 * With fewer than two failed or two other points there is nothing to test and the answer is no.
 */
import { Rng } from "../math/rng.js";

/** Up to this many rows every history is tested; beyond it, at row counts 10% apart (see {@link failureTestRows}). */
const EVERY_COUNT_UP_TO = 300;
/** The test reads at most this many rows: the latest ones of the prefix it tests. */
export const FAILURE_TEST_WINDOW = 2000;

/**
 * The number of history rows (trials in number order) whose failure test stands for a history of
 * `rows`: `rows` itself up to 300, then the largest of 300·1.1^j not above it. The test costs n²
 * and a sampler asks it as the history grows; retesting each ask made TPE's asks O(n²) once two
 * trials had failed (113 s per ask at 50,000 trials). Judged on the first `failureTestRows(n)` rows
 * (of which the latest {@link FAILURE_TEST_WINDOW}), the answer depends on the history alone, so a
 * worker that starts late agrees with one that has run all along.
 *
 * @example
 * failureTestRows(250) // 250
 * failureTestRows(1000) // 941 (300·1.1^12)
 */
export function failureTestRows(rows: number): number {
  if (rows <= EVERY_COUNT_UP_TO) return rows;
  const steps = Math.floor(Math.log(rows / EVERY_COUNT_UP_TO) / Math.log(1.1) + 1e-9);
  let tested = Math.floor(EVERY_COUNT_UP_TO * 1.1 ** steps);
  // Guard the floating-point edge of the logarithm: never above rows.
  if (tested > rows) tested = Math.floor(EVERY_COUNT_UP_TO * 1.1 ** (steps - 1));
  return tested;
}

export interface FailureTestOptions {
  /** Neighbours per point (default 5). */
  readonly neighbours?: number;
  /** Random relabellings (default 400). */
  readonly permutations?: number;
  /** Significance level (default 0.01). */
  readonly level?: number;
}

/**
 * True when the failed points cluster more than random labels would: a nearest-neighbour
 * permutation test (see the file's comment). `points` are unit-cube encodings, `categorical[i]` = 1
 * marks a categorical coordinate; `failed[j]` labels `points[j]`. Deterministic for a seed.
 *
 * @example
 * failuresArePredictable(points, points.map((p) => p[0]! > 0.7), new Uint8Array(2), 1) // true
 */
export function failuresArePredictable(
  points: readonly ArrayLike<number>[],
  failed: readonly boolean[],
  categorical: ArrayLike<number>,
  seed: number,
  options: FailureTestOptions = {},
): boolean {
  const n = points.length;
  const failures = failed.filter(Boolean).length;
  if (failures < 2 || n - failures < 2) return false;
  const k = Math.min(options.neighbours ?? 5, n - 1);
  const permutations = options.permutations ?? 400;
  const level = options.level ?? 0.01;
  const d = categorical.length;
  // Each point's k nearest neighbours (ties broken by index, so the lists are deterministic), kept
  // by insertion into a sorted list of k: n²·k work, not the n²·log n of sorting every row.
  const neighbours = new Int32Array(n * k);
  const nearest = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    let held = 0;
    const row = i * k;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const b = points[j]!;
      let sum = 0;
      for (let c = 0; c < d; c++) {
        const x = a[c]!;
        const y = b[c]!;
        // A coordinate one of the two trials never asked for (NaN) is left out of their distance.
        if (Number.isNaN(x) || Number.isNaN(y)) continue;
        const delta = categorical[c] ? (x === y ? 0 : 1) : x - y;
        sum += delta * delta;
      }
      // j rises, so an equal distance already held stays ahead: ties go to the lower index.
      if (held === k && sum >= nearest[k - 1]!) continue;
      let at = held < k ? held++ : k - 1;
      while (at > 0 && nearest[at - 1]! > sum) {
        nearest[at] = nearest[at - 1]!;
        neighbours[row + at] = neighbours[row + at - 1]!;
        at--;
      }
      nearest[at] = sum;
      neighbours[row + at] = j;
    }
  }
  const agreement = (labels: readonly boolean[] | Uint8Array): number => {
    let agree = 0;
    for (let i = 0; i < n; i++) for (let m = 0; m < k; m++) if (Boolean(labels[i]) === Boolean(labels[neighbours[i * k + m]!])) agree++;
    return agree;
  };
  const observed = agreement(failed);
  const rng = new Rng(seed);
  const labels = Uint8Array.from(failed, (f) => (f ? 1 : 0));
  let atLeast = 0;
  // Stop as soon as the answer is known: at most `level` of the relabellings may reach the observed.
  const allowed = Math.floor(level * (permutations + 1)) - 1;
  for (let p = 0; p < permutations; p++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      const t = labels[i]!;
      labels[i] = labels[j]!;
      labels[j] = t;
    }
    if (agreement(labels) >= observed && ++atLeast > allowed) return false;
  }
  return (1 + atLeast) / (1 + permutations) <= level;
}
