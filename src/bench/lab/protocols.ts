/**
 * The protocols of the lab's seed papers, as library functions over stored runs:
 * - representative subsets (carps: Benjamins et al. 2025) and the dev/test split made with them;
 * - time-to-target and performance profiles (AlgoPerf: Dahl et al. 2023);
 * - tuning and test seeds kept apart (Eimer et al. 2023);
 * - defaults that work everywhere ("How far away are truly hyperparameter-free learning algorithms?").
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseOptimizerList } from "./optimizers.js";
import { BenchmarkInputError, RUN_FILE, refuseProblemsThatCannotRun, renameOptionsInError, runBenchmark, type BenchmarkOptions, type BenchmarkOutcome } from "./runner.js";
import type { RunResult } from "./run-one.js";
import { averageRanks, starDiscrepancy } from "./stats.js";
import { rebaseReferenceProblems } from "./groups.js";
import { curveRegret, groupResults, median, normalizedScore, randomReference, regretAt } from "./summary.js";

/** A problem as a point in [0, 1]^m: the normalized final performance of m reference optimizers. */
export interface PerformancePoint {
  readonly problem: string;
  readonly point: number[];
}

/**
 * Each problem's normalized-performance point under `optimizers` (carps): per optimizer, the
 * median over seeds of the final log-regret, scaled so that 0 is the best final log-regret any
 * run reached on this problem and 1 is the median log-regret of a single trial (one random point:
 * a run's first finished trial, where its first trials failed or had not finished). A median
 * final regret with no incumbent counts as 1. Problems missing a run of some optimizer, or where
 * no run has an incumbent, are left out.
 *
 * @example
 * performancePoints(readResults("split-run"), ["random", "tpe", "cmaes"]);
 */
export function performancePoints(results: readonly RunResult[], optimizers: readonly string[]): PerformancePoint[] {
  const points: PerformancePoint[] = [];
  for (const [problem, byOptimizer] of groupResults(results)) {
    const runs = optimizers.map((o) => byOptimizer.get(o) ?? []);
    if (runs.some((r) => r.length === 0)) continue;
    const all = runs.flat();
    const best = Math.min(...all.map((r) => Math.log10(regretAt(r, r.trials))));
    if (!Number.isFinite(best)) continue;
    const firstRegrets = all.map((r) => r.curve.map(curveRegret).find(Number.isFinite)).filter((x) => x !== undefined);
    const first = median(firstRegrets.map(Math.log10));
    const span = first - best > 1e-9 ? first - best : 1;
    points.push({
      problem,
      point: runs.map((r) => {
        const value = (median(r.map((x) => Math.log10(regretAt(x, x.trials)))) - best) / span;
        return Math.min(1, Math.max(0, value));
      }),
    });
  }
  return points;
}

/**
 * {@link performancePoints} of the `optimizers`' runs, their regrets first re-based where a run went
 * past a problem's reference optimum (see `rebaseReferenceProblems`), over those runs only: without
 * that, every run past the reference sits at the regret floor (1e-12), and on such a problem the
 * point is decided by how far 1e-12 is from a single trial's regret rather than by the runs.
 *
 * @example
 * referencePerformancePoints(readResults("split-run"), ["optuna-random", "optuna-tpe"]);
 */
export function referencePerformancePoints(results: readonly RunResult[], optimizers: readonly string[]): PerformancePoint[] {
  const wanted = new Set(optimizers);
  return performancePoints(rebaseReferenceProblems(results.filter((r) => wanted.has(r.optimizer))).results, optimizers);
}

/**
 * Chooses `k` of the points, among those whose index is in `allowed`, with a small star
 * discrepancy: greedy forward selection, then swaps of one chosen for one unchosen point while
 * any swap lowers the discrepancy. Deterministic (ties go to the lower index).
 *
 * @example
 * selectRepresentativeSubset(points.map((p) => p.point), 15); // indices of 15 points
 */
export function selectRepresentativeSubset(points: readonly (readonly number[])[], k: number, allowed?: ReadonlySet<number>): number[] {
  const pool = points.map((_, i) => i).filter((i) => allowed === undefined || allowed.has(i));
  if (k > pool.length) throw new RangeError(`subset: asked for ${k} points, only ${pool.length} are available`);
  return selectStratifiedSubset(points, new Map(pool.map((i) => [i, 0])), [k], new Set(pool));
}

/**
 * Like {@link selectRepresentativeSubset}, but the subset takes exactly `quotas[s]` points of each
 * stratum s while its star discrepancy is that of the whole subset: greedy forward selection among
 * strata with quota left, then swaps within a stratum while any swap lowers it.
 */
function selectStratifiedSubset(points: readonly (readonly number[])[], stratumOf: ReadonlyMap<number, number>, quotas: readonly number[], allowed: ReadonlySet<number>): number[] {
  if (quotas.every((q) => q === 0)) return [];
  const left = quotas.slice();
  const pool = [...allowed].sort((a, b) => a - b);
  const chosen: number[] = [];
  const score = (indices: readonly number[]): number => starDiscrepancy(indices.map((i) => points[i]!));
  for (let total = quotas.reduce((a, b) => a + b, 0); chosen.length < total; ) {
    let bestIndex = -1;
    let bestScore = Infinity;
    for (const i of pool) {
      if (chosen.includes(i) || left[stratumOf.get(i)!]! <= 0) continue;
      const s = score([...chosen, i]);
      if (s < bestScore - 1e-12) [bestIndex, bestScore] = [i, s];
    }
    if (bestIndex < 0) throw new RangeError("subset: a stratum has fewer problems than its quota");
    chosen.push(bestIndex);
    left[stratumOf.get(bestIndex)!]!--;
  }
  let current = score(chosen);
  for (let improved = true, pass = 0; improved && pass < 5; pass++) {
    improved = false;
    for (let slot = 0; slot < chosen.length; slot++) {
      for (const candidate of pool) {
        if (chosen.includes(candidate) || stratumOf.get(candidate) !== stratumOf.get(chosen[slot]!)) continue;
        const trial = chosen.slice();
        trial[slot] = candidate;
        const s = score(trial);
        if (s < current - 1e-12) {
          chosen[slot] = candidate;
          current = s;
          improved = true;
        }
      }
    }
  }
  return chosen.sort((a, b) => a - b);
}

/** A dev/test split and how representative each side is. */
export interface DevTestSplit {
  readonly dev: string[];
  readonly test: string[];
  readonly devDiscrepancy: number;
  readonly testDiscrepancy: number;
}

/**
 * Replaces each coordinate by its mid-rank among all points, scaled into (0, 1): the empirical
 * CDF per reference optimizer. Raw normalized points crowd into a corner (a good optimizer is near
 * 0 on almost every problem), where star discrepancy against the uniform measure cannot tell
 * subsets apart; after this transform a low-discrepancy subset spans each optimizer's range of
 * difficulty and their joint pattern.
 *
 * @example
 * rankTransform([[0.1], [0.5], [0.2]]); // [[1/6], [5/6], [3/6]]
 */
export function rankTransform(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const d = points[0]?.length ?? 0;
  const columns = Array.from({ length: d }, (_, j) => averageRanks(points.map((p) => p[j]!)));
  return points.map((_, i) => columns.map((ranks) => (ranks[i]! - 0.5) / n));
}

/**
 * Splits `total` into integer shares proportional to `sizes` (largest remainder), each at most its
 * size and at least `minimum` (where the size allows, and where `total` does: the largest strata
 * first), so that small strata are not left out.
 */
export function proportionalQuotas(sizes: readonly number[], total: number, minimum = 0): number[] {
  const all = sizes.reduce((a, b) => a + b, 0);
  if (total > all) throw new RangeError(`subset: asked for ${total} problems, the strata hold ${all}`);
  if (all === 0) return sizes.map(() => 0);
  const floors = sizes.map((s) => Math.min(s, minimum));
  // Too few places for the minimum everywhere: the largest strata keep theirs (ties: the first).
  const bySize = sizes.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let reserved = floors.reduce((a, b) => a + b, 0), k = bySize.length - 1; reserved > total; k--) {
    const i = bySize[k]![1];
    reserved -= floors[i]!;
    floors[i] = 0;
  }
  const exact = sizes.map((s) => (s * total) / all);
  const quotas = exact.map((e, i) => Math.max(floors[i]!, Math.floor(e)));
  // Raising small strata to the minimum can overshoot; take the excess back from the largest quotas.
  for (let excess = quotas.reduce((a, b) => a + b, 0) - total; excess > 0; excess--) {
    let largest = -1;
    quotas.forEach((q, i) => {
      if (q > floors[i]! && (largest < 0 || q - exact[i]! > quotas[largest]! - exact[largest]!)) largest = i;
    });
    quotas[largest]!--;
  }
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let t = 0, given = quotas.reduce((a, b) => a + b, 0); given < total; t++) {
    const i = order[t % order.length]![1];
    if (quotas[i]! < sizes[i]!) {
      quotas[i]!++;
      given++;
    }
  }
  return quotas;
}

/**
 * The carps dev/test split on rank-transformed points (see {@link rankTransform}). The test
 * problems are chosen first, then the dev problems from the rest, each side minimizing the star
 * discrepancy of all its points, with a quota per stratum (all problems form one stratum unless
 * `stratum` is given) in numbers proportional to the stratum's size and at least one per stratum on each side (where the
 * stratum has two members), so that, say, heavy-tailed and surrogate problems appear on both
 * sides. Dev and test are disjoint.
 *
 * @example
 * const split = splitDevTest(performancePoints(results, ["random", "tpe", "cmaes"]), 20, 16);
 */
export function splitDevTest(
  points: readonly PerformancePoint[],
  devSize: number,
  testSize: number,
  stratum: (problem: string) => string = () => "all",
): DevTestSplit {
  const coordinates = rankTransform(points.map((p) => p.point));
  const strata = new Map<string, number[]>();
  points.forEach((p, i) => strata.set(stratum(p.problem), [...(strata.get(stratum(p.problem)) ?? []), i]));
  const members = [...strata.values()];
  // One member of every stratum on each side where the stratum has two; the rest in proportion.
  const spared = members.map((m) => Math.max(0, m.length - 1));
  const testQuotas = proportionalQuotas(spared.reduce((a, b) => a + b, 0) >= testSize ? spared : members.map((m) => m.length), testSize, 1);
  const devQuotas = proportionalQuotas(members.map((m, s) => m.length - testQuotas[s]!), devSize, 1);
  const stratumOf = new Map<number, number>();
  members.forEach((indices, s) => indices.forEach((i) => stratumOf.set(i, s)));
  const test = selectStratifiedSubset(coordinates, stratumOf, testQuotas, new Set(points.map((_, i) => i)));
  const dev = selectStratifiedSubset(coordinates, stratumOf, devQuotas, new Set(points.map((_, i) => i).filter((i) => !test.includes(i))));
  test.sort((a, b) => a - b);
  dev.sort((a, b) => a - b);
  return {
    dev: dev.map((i) => points[i]!.problem),
    test: test.map((i) => points[i]!.problem),
    devDiscrepancy: starDiscrepancy(dev.map((i) => coordinates[i]!)),
    testDiscrepancy: starDiscrepancy(test.map((i) => coordinates[i]!)),
  };
}

/** One optimizer's performance profile (AlgoPerf). */
export interface PerformanceProfile {
  readonly optimizer: string;
  /**
   * Per problem: the first trial count at which the median-over-seeds regret curve reaches the
   * target (Infinity if it never does), not the median of each seed's first such count.
   */
  readonly trialsToTarget: Record<string, number>;
  /** ρ(τ) at the given τ: the share of problems solved within τ times the fastest optimizer's trials. */
  readonly rho: { tau: number; value: number }[];
  /** The area under ρ(τ) for τ from 1 to `maxTau`, divided by (maxTau − 1): 1 = fastest everywhere. */
  readonly area: number;
}

/**
 * The first trial (1-based) after which the incumbent's regret is at most `target`, or Infinity.
 * Before the run's first finished trial there is no incumbent: no target is reached there.
 */
export function trialsToTarget(result: RunResult, target: number): number {
  return firstBelow(result.curve.map(curveRegret), target);
}

/** `regrets` as {@link curveRegret} gives them: no incumbent is Infinity, above any finite target. */
function firstBelow(regrets: readonly number[], target: number): number {
  const index = Number.isFinite(target) ? regrets.findIndex((r) => r <= target) : -1;
  return index < 0 ? Infinity : index + 1;
}

/** The median over runs of the incumbent's regret after each trial (Infinity while half of them have none). */
function medianCurve(runs: readonly RunResult[]): number[] {
  const length = Math.min(...runs.map((r) => r.curve.length));
  return Array.from({ length }, (_, i) => median(runs.map((r) => curveRegret(r.curve[i]!))));
}

/**
 * Time-to-target and performance profiles (AlgoPerf). The target of a problem is random search's
 * median final regret on it, so it is reachable and fixed before any other optimizer is looked
 * at; an optimizer's trials to target is where its median-over-seeds regret curve first reaches
 * the target (Infinity if it never does; random search reaches it at the last trial at the latest).
 *
 * @example
 * const profiles = performanceProfiles(results, 4);
 * profiles.map((p) => [p.optimizer, p.area]);
 */
export function performanceProfiles(results: readonly RunResult[], maxTau = 4): PerformanceProfile[] {
  const grouped = groupResults(results);
  const optimizers = [...new Set(results.map((r) => r.optimizer))];
  const reference = randomReference(optimizers);
  if (reference === undefined) return [];
  const times = new Map(optimizers.map((o) => [o, {} as Record<string, number>]));
  const ratios = new Map(optimizers.map((o) => [o, [] as number[]]));
  for (const [problem, byOptimizer] of grouped) {
    const randomRuns = byOptimizer.get(reference);
    if (randomRuns === undefined || !optimizers.every((o) => byOptimizer.has(o))) continue;
    const target = median(randomRuns.map((r) => regretAt(r, r.trials)));
    // Random search's median run ends with no incumbent: the problem has no target.
    if (target === Infinity) continue;
    const perOptimizer = optimizers.map((o) => firstBelow(medianCurve(byOptimizer.get(o)!), target));
    const fastest = Math.min(...perOptimizer);
    optimizers.forEach((o, i) => {
      times.get(o)![problem] = perOptimizer[i]!;
      ratios.get(o)!.push(perOptimizer[i]! / fastest);
    });
  }
  const steps = 60;
  return optimizers.map((optimizer) => {
    const r = ratios.get(optimizer)!;
    const rhoAt = (tau: number): number => (r.length === 0 ? 0 : r.filter((x) => x <= tau).length / r.length);
    const rho = Array.from({ length: steps + 1 }, (_, i) => 1 + ((maxTau - 1) * i) / steps).map((tau) => ({ tau, value: rhoAt(tau) }));
    // ρ is a step function: a problem solved at ratio x adds 1/n on [x, maxTau], so the area is
    // exact. The trapezoid rule on the grid above was off by up to half a grid step per problem
    // (1/3 came out 0.342), enough to reorder optimizers whose areas are close.
    const area = r.length === 0 ? 0 : r.reduce((sum, x) => sum + Math.max(0, maxTau - Math.max(1, x)), 0) / r.length;
    return { optimizer, trialsToTarget: times.get(optimizer)!, rho, area: area / (maxTau - 1) };
  });
}

/**
 * The mean over problems of each optimizer's median normalized score (see {@link normalizedScore})
 * at `budget` trials. Lower is better; random search scores about 1. A problem whose random search
 * has no median incumbent at `budget` has no scores and is left out; a median score over runs with
 * no incumbent can be Infinity, and so then is the mean.
 */
export function meanNormalizedScores(results: readonly RunResult[], budget: number): Map<string, number> {
  const grouped = groupResults(results);
  const optimizers = [...new Set(results.map((r) => r.optimizer))];
  const reference = randomReference(optimizers);
  const sums = new Map<string, { total: number; count: number }>();
  if (reference === undefined) return new Map();
  for (const byOptimizer of grouped.values()) {
    const randomRuns = byOptimizer.get(reference);
    if (randomRuns === undefined) continue;
    const randomMedian = median(randomRuns.map((r) => regretAt(r, budget)));
    if (randomMedian === Infinity) continue;
    for (const [optimizer, runs] of byOptimizer) {
      const score = median(runs.map((r) => normalizedScore(regretAt(r, budget), randomMedian)));
      const s = sums.get(optimizer) ?? { total: 0, count: 0 };
      sums.set(optimizer, { total: s.total + score, count: s.count + 1 });
    }
  }
  return new Map([...sums].map(([o, s]) => [o, s.total / s.count]));
}

/** What {@link defaultsEverywhere} finds. */
export interface DefaultsSearch {
  /** The configuration with the lowest mean normalized score over all problems. */
  readonly best: string;
  readonly scores: Map<string, number>;
  /** Mean over problems of (the default's median normalized score − the best configuration's on that problem): what tuning per problem would gain. */
  readonly lossAgainstTuning: number;
}

/**
 * "Defaults that work everywhere": among candidate configurations (optimizer labels, random search
 * included as the normalizer), the one with the best aggregate normalized score, and its loss
 * against choosing the best configuration separately for each problem.
 *
 * @example
 * defaultsEverywhere(readResults("tpe-grid"), ["tpe:gamma=0.1", "tpe:gamma=0.25"], 100).best;
 */
export function defaultsEverywhere(results: readonly RunResult[], candidates: readonly string[], budget: number): DefaultsSearch {
  const scores = meanNormalizedScores(results, budget);
  const ranked = candidates.filter((c) => scores.has(c)).sort((a, b) => scores.get(a)! - scores.get(b)!);
  if (ranked.length === 0) throw new RangeError("defaults: no candidate has results next to a random-search reference");
  const best = ranked[0]!;
  const reference = randomReference([...new Set(results.map((r) => r.optimizer))])!;
  let loss = 0;
  let count = 0;
  for (const byOptimizer of groupResults(results).values()) {
    const randomMedian = median(byOptimizer.get(reference)!.map((r) => regretAt(r, budget)));
    // As in meanNormalizedScores: no median incumbent of random search, no scores on this problem.
    if (randomMedian === Infinity || !byOptimizer.has(best)) continue;
    const score = (c: string): number => median((byOptimizer.get(c) ?? []).map((r) => normalizedScore(regretAt(r, budget), randomMedian)));
    const perProblem = candidates.filter((c) => byOptimizer.has(c)).map(score);
    const bestHere = Math.min(...perProblem);
    // Every candidate without an incumbent here (∞ − ∞): the default loses nothing to them.
    loss += score(best) === bestHere ? 0 : score(best) - bestHere;
    count++;
  }
  return { best, scores: new Map(ranked.map((c) => [c, scores.get(c)!])), lossAgainstTuning: loss / count };
}

/** What {@link tuneThenTest} reports: the choice made on tuning seeds and its result on test seeds. */
export interface TuneTestOutcome {
  readonly incumbent: string;
  readonly tuningScores: Map<string, number>;
  /** The incumbent's mean normalized score on the tuning runs, and on the test runs; both are stated. */
  readonly tuningScore: number;
  readonly testScore: number;
  /** The incumbent's loss on the tuning runs against the best candidate per problem. */
  readonly tuningLossAgainstPerProblem: number;
  /** The problems the test runs used: the tuning problems, or other ones (dev → test). */
  readonly testProblems: readonly string[];
}

/** Runs of a protocol failed: its figures would compare different runs. */
export class BenchmarkRunsFailedError extends Error {
  override name = "BenchmarkRunsFailedError";
}

function refuseIncomplete(phase: string, { failures, leftToOtherRuns }: BenchmarkOutcome, dir: string): void {
  if (failures.length > 0) {
    const first = failures[0]!;
    throw new BenchmarkRunsFailedError(
      `${failures.length} ${phase} run(s) failed (first: ${first.optimizer} on ${first.problem}, seed ${first.seed}: ${first.message}); ` +
        `no choice is made from incomplete runs; their results are kept in ${dir}: rerun the same command to retry them`,
    );
  }
  if (leftToOtherRuns.length > 0) {
    const first = leftToOtherRuns[0]!;
    throw new BenchmarkRunsFailedError(
      `${leftToOtherRuns.length} ${phase} run(s) are under way in another run into ${dir} (first: ${first.optimizer} on ${first.problem}, seed ${first.seed}, by ${first.heldBy}); ` +
        "no choice is made from incomplete runs: rerun the same command once that run has ended",
    );
  }
}

/** The run folders {@link tuneThenTest} makes inside its `outDir`: the tuning runs, and the test runs. */
export const TUNING_FOLDER = "tuning";
export const TEST_FOLDER = "test";

/**
 * Why `dir` holds no run (it has no run.json), for the commands that read one: a `bench tune`
 * folder is named as one, with the run folders it holds, rather than sent to `bench run`.
 *
 * @example
 * if (readRunSettings(dir) === null) throw new BenchmarkInputError(`dir: ${noRunMessage(dir)}`);
 */
export function noRunMessage(dir: string): string {
  const runs = [TUNING_FOLDER, TEST_FOLDER].map((folder) => join(dir, folder)).filter((folder) => existsSync(join(folder, RUN_FILE)));
  if (runs.length > 0) return `${dir} is a bench tune folder; its runs are in ${runs.join(" and ")}: give one of those`;
  return `${dir} holds no run (no ${join(dir, RUN_FILE)}); run \`sextant bench run --out ${dir}\` first`;
}

/**
 * Eimer et al. (2023): choose among candidate configurations on tuning seeds only, then run the
 * incumbent (and random search, the normalizer) on disjoint test seeds and report that result.
 * With `testProblems`, the test runs are also on other problems (the continual-learning reality
 * check's "tune on one scenario, evaluate on another": dev → test), with the choice unchanged.
 *
 * @example
 * await tuneThenTest({ problems: SUITES.dev, testProblems: SUITES.test, candidates: ["tpe", "tpe:multivariate=true"],
 *   trials: 50, tuningSeeds: [0, 1, 2], testSeeds: [100, 101, 102], outDir: "tune-out" });
 */
export async function tuneThenTest(options: {
  problems: readonly string[];
  testProblems?: readonly string[];
  candidates: readonly string[];
  trials: number;
  tuningSeeds: readonly number[];
  testSeeds: readonly number[];
  outDir: string;
  jobs?: number;
  onProgress?: BenchmarkOptions["onProgress"];
  /** As {@link BenchmarkOptions.signal}: aborting it kills the worker processes and ends the tune now. */
  signal?: AbortSignal;
  /** As {@link BenchmarkOptions.onWorkers}. */
  onWorkers?: BenchmarkOptions["onWorkers"];
}): Promise<TuneTestOutcome> {
  const overlap = options.tuningSeeds.filter((s) => options.testSeeds.includes(s));
  if (overlap.length > 0) throw new BenchmarkInputError(`testSeeds: must be disjoint from tuningSeeds; both hold ${overlap.join(", ")}`);
  const shared = (options.testProblems ?? []).filter((p) => options.problems.includes(p));
  if (shared.length > 0) throw new BenchmarkInputError(`testProblems: must be disjoint from the tuning problems; both hold ${shared.join(", ")}`);
  // Each phase's lab errors are named by this function's options: the test runs' "seeds" are testSeeds.
  const inNames =
    (names: Readonly<Record<string, string>>) =>
    (error: unknown): never => {
      throw renameOptionsInError(error, names);
    };
  const tuningNames = { seeds: "tuningSeeds", optimizers: "candidates" };
  const testNames = { problems: options.testProblems === undefined ? "problems" : "testProblems", seeds: "testSeeds", optimizers: "candidates" };
  // Test problems that cannot run here were refused only after every tuning run; any candidate may be chosen.
  if (options.testProblems !== undefined) {
    let specs: ReturnType<typeof parseOptimizerList>;
    try {
      specs = parseOptimizerList(options.candidates.join(","));
    } catch (error) {
      throw renameOptionsInError(error, tuningNames);
    }
    await refuseProblemsThatCannotRun(options.testProblems, specs).catch(inNames(testNames));
  }
  const withRandom = options.candidates.includes("random") ? options.candidates : [...options.candidates, "random"];
  const common = { trials: options.trials, jobs: options.jobs ?? 1, onProgress: options.onProgress, onWorkers: options.onWorkers, ...(options.signal ? { signal: options.signal } : {}) };
  const tuningDir = join(options.outDir, TUNING_FOLDER);
  const testDir = join(options.outDir, TEST_FOLDER);
  const tuning = await runBenchmark({ ...common, problems: options.problems, optimizers: withRandom, seeds: options.tuningSeeds, outDir: tuningDir }).catch(inNames(tuningNames));
  // A failed run, or one another run has under way, would leave candidates compared on different runs (or one dropped unseen).
  refuseIncomplete("tuning", tuning, tuningDir);
  // Regret past a reference value is measured from the best run, as the report does.
  const { best, scores, lossAgainstTuning } = defaultsEverywhere(rebaseReferenceProblems(tuning.results).results, options.candidates, options.trials);
  const testOptimizers = best === "random" ? ["random"] : [best, "random"];
  const testProblems = options.testProblems ?? options.problems;
  const test = await runBenchmark({ ...common, problems: testProblems, optimizers: testOptimizers, seeds: options.testSeeds, outDir: testDir }).catch(inNames(testNames));
  refuseIncomplete("test", test, testDir);
  return {
    incumbent: best,
    tuningScores: scores,
    tuningScore: scores.get(best)!,
    testScore: meanNormalizedScores(rebaseReferenceProblems(test.results).results, options.trials).get(best)!,
    tuningLossAgainstPerProblem: lossAgainstTuning,
    testProblems,
  };
}
