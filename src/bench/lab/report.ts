/**
 * `sextant bench report`: from a run directory, a Markdown report with its data as JSON and SVG
 * figures. Per problem, the final regret's median and quartiles and the anytime curves; over
 * problems, Bayesmark's normalized scores, the average rank over the budget, the Friedman test with
 * the Nemenyi post-hoc and a critical-difference diagram (Demšar 2006), the ECDF of normalized
 * scores, AlgoPerf performance profiles, and Spearman's correlation of the rankings across problems;
 * then a summary in plain words of what is and is not significant.
 */
import { statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { countNoun } from "../../count-noun.js";
import { problemGroups, PROBLEM_GROUPS, rebaseReferenceProblems } from "./groups.js";
import { noRunMessage, performanceProfiles, type PerformanceProfile } from "./protocols.js";
import { runKey, type RunResult } from "./run-one.js";
import { BenchmarkInputError, makeWritableFolder, readResults, readRunSettings, refuseUnknownProblems, type RunSettings } from "./runner.js";
import { averageRanks, cliques, friedmanTest, NEMENYI_Q_05, nemenyiCriticalDifference, spearman, type FriedmanResult } from "./stats.js";
import { curveRegret, groupResults, median, normalizedScore, quantile, randomReference, REGRET_FLOOR, regretAt, type Rebase } from "./summary.js";
import { cdDiagram, heatMap, linePlot, type Series } from "./svg.js";

/** One problem, optimizer and budget: the regret over seeds. */
export interface RegretSummary {
  readonly problem: string;
  readonly optimizer: string;
  readonly budget: number;
  readonly median: number;
  readonly q25: number;
  readonly q75: number;
  readonly runs: number;
}

/** The comparison of all optimizers at one budget. */
export interface BudgetComparison {
  readonly budget: number;
  /** Per optimizer: normalized scores over (problem, seed) runs, and the Friedman average rank. */
  readonly optimizers: { optimizer: string; meanScore: number; medianScore: number; q25Score: number; q75Score: number; averageRank: number }[];
  /** Problems on which every optimizer has runs: the Friedman blocks. */
  readonly problems: string[];
  readonly friedman: (FriedmanResult & { criticalDifference: number }) | null;
  /** Pairs (better, worse) whose average ranks differ by at least the critical difference. */
  readonly significant: [string, string][];
  /** Groups not significantly different from each other (bars of the CD diagram). */
  readonly groups: string[][];
}

export interface ReportData {
  readonly title: string;
  readonly settings: RunSettings;
  readonly regretFloor: number;
  /** Problems whose regrets were re-measured from the best value any run reached (see `rebaseOnBestReached`). */
  readonly rebased: Rebase[];
  readonly randomReference: string | null;
  readonly budgets: number[];
  readonly perProblem: RegretSummary[];
  readonly comparisons: BudgetComparison[];
  /** Average rank (over problems and seeds) at budgets spread over the run. */
  readonly rankOverBudget: { budgets: number[]; ranks: Record<string, number[]> };
  /** Spearman's ρ between each pair of problems' rankings of the optimizers at the full budget. */
  readonly spearman: { problems: string[]; matrix: number[][]; mean: number };
  readonly profiles: { optimizer: string; area: number; trialsToTarget: Record<string, number> }[];
  /** Median seconds per trial spent outside the objective (sampler and bookkeeping). */
  readonly overheadMsPerTrial: Record<string, number>;
  /** Per report group with problems in the run, and per budget: each optimizer's mean normalized score and average rank within the group. */
  readonly groups: { group: string; problems: string[]; comparisons: BudgetComparison[] }[];
  /** The focus optimizer against each other one, per budget (empty when the focus is not in the run). */
  readonly headToHead: HeadToHead[];
  readonly summary: string[];
}

/**
 * One optimizer against a reference at one budget, problem by problem: a problem is won when the
 * optimizer's median regret over seeds is lower than the reference's, tied when the two are equal
 * (after the regret floor, e.g. both at the optimum). Seeds pair the runs (a seed fixes the instance).
 * A median with no incumbent yet (Infinity, see `curveRegret`) loses to any regret and ties with
 * another such; its ratio is NaN and left out of the geometric mean, which it would make 0 or ∞.
 */
export interface HeadToHead {
  readonly optimizer: string;
  readonly reference: string;
  readonly budget: number;
  readonly wins: string[];
  readonly ties: string[];
  readonly losses: string[];
  /** Geometric mean over problems of median regret ÷ the reference's median regret; below 1 the optimizer is better. */
  readonly geometricMeanRatio: number;
  readonly perProblem: { problem: string; ratio: number; seedsLower: number; seedsHigher: number; seeds: number }[];
}

/** The best average rank and who holds it, naming every optimizer tied there rather than one of them. */
export function bestRankText(byRank: readonly { optimizer: string; averageRank: number }[]): string {
  const best = byRank[0]!;
  const tied = byRank.filter((o) => Math.abs(o.averageRank - best.averageRank) < 1e-9).map((o) => o.optimizer);
  return tied.length > 1 ? `best average rank ${best.averageRank.toFixed(2)}, shared by ${tied.join(", ")}` : `best average rank: ${best.optimizer}, ${best.averageRank.toFixed(2)}`;
}

const ALPHA = 0.05;
/** The most optimizers a Friedman test with its Nemenyi post-hoc is run on: the last row of the table of q_α. */
const MAX_TESTED_OPTIMIZERS = Math.max(...Object.keys(NEMENYI_Q_05).map(Number));

/** The default budgets: 10, 30, 100, 300, 1000 up to the run's budget, and the budget itself. */
export function defaultBudgets(trials: number): number[] {
  return [...new Set([...[10, 30, 100, 300, 1000].filter((b) => b < trials), trials])];
}

function summarize(grouped: Map<string, Map<string, RunResult[]>>, budget: number): RegretSummary[] {
  const rows: RegretSummary[] = [];
  for (const [problem, byOptimizer] of grouped) {
    for (const [optimizer, runs] of byOptimizer) {
      const regrets = runs.map((r) => regretAt(r, budget));
      rows.push({ problem, optimizer, budget, median: median(regrets), q25: quantile(regrets, 0.25), q75: quantile(regrets, 0.75), runs: runs.length });
    }
  }
  return rows;
}

/**
 * Head to head at one budget, over the problems on which both optimizers have runs.
 *
 * @example
 * headToHead(groupResults(results), "auto", "optuna-tpe", 100).wins.length; // problems auto won
 */
export function headToHead(grouped: Map<string, Map<string, RunResult[]>>, optimizer: string, reference: string, budget: number): HeadToHead {
  const wins: string[] = [];
  const ties: string[] = [];
  const losses: string[] = [];
  const perProblem: HeadToHead["perProblem"][number][] = [];
  let logSum = 0;
  let ratios = 0;
  for (const [problem, byOptimizer] of grouped) {
    const mine = byOptimizer.get(optimizer);
    const theirs = byOptimizer.get(reference);
    if (mine === undefined || theirs === undefined) continue;
    const a = median(mine.map((r) => regretAt(r, budget)));
    const b = median(theirs.map((r) => regretAt(r, budget)));
    (a < b ? wins : a > b ? losses : ties).push(problem);
    const theirsBySeed = new Map(theirs.map((r) => [r.seed, regretAt(r, budget)]));
    let seeds = 0;
    let seedsLower = 0;
    let seedsHigher = 0;
    for (const r of mine) {
      const other = theirsBySeed.get(r.seed);
      if (other === undefined) continue;
      seeds++;
      const own = regretAt(r, budget);
      if (own < other) seedsLower++;
      else if (own > other) seedsHigher++;
    }
    const ratio = Number.isFinite(a) && Number.isFinite(b) ? a / b : NaN;
    perProblem.push({ problem, ratio, seedsLower, seedsHigher, seeds });
    if (Number.isFinite(ratio)) {
      logSum += Math.log(ratio);
      ratios++;
    }
  }
  return { optimizer, reference, budget, wins, ties, losses, geometricMeanRatio: ratios > 0 ? Math.exp(logSum / ratios) : NaN, perProblem };
}

function compareAt(grouped: Map<string, Map<string, RunResult[]>>, optimizers: string[], budget: number, reference: string | undefined): BudgetComparison {
  const complete = [...grouped].filter(([, byOptimizer]) => optimizers.every((o) => byOptimizer.has(o)));
  const scores = new Map(optimizers.map((o) => [o, [] as number[]]));
  if (reference !== undefined) {
    for (const [, byOptimizer] of complete) {
      const randomMedian = median(byOptimizer.get(reference)!.map((r) => regretAt(r, budget)));
      // Random search with no incumbent yet leaves this problem without scores at this budget;
      // a run with none scores Infinity, so a mean over it is Infinity and quartiles may be.
      if (randomMedian === Infinity) continue;
      for (const o of optimizers) for (const r of byOptimizer.get(o)!) scores.get(o)!.push(normalizedScore(regretAt(r, budget), randomMedian));
    }
  }
  const table = complete.map(([, byOptimizer]) => optimizers.map((o) => median(byOptimizer.get(o)!.map((r) => regretAt(r, budget)))));
  const canTest = table.length >= 2 && optimizers.length >= 2 && optimizers.length <= MAX_TESTED_OPTIMIZERS;
  const friedman = canTest ? { ...friedmanTest(table), criticalDifference: nemenyiCriticalDifference(optimizers.length, table.length) } : null;
  const ranks = friedman?.averageRanks ?? optimizers.map(() => NaN);
  const significant: [string, string][] = [];
  let groups: string[][] = [];
  if (friedman !== null) {
    const rejects = friedman.imanDavenportPValue < ALPHA;
    for (let a = 0; a < optimizers.length; a++) {
      for (let b = 0; b < optimizers.length; b++) {
        if (rejects && ranks[b]! - ranks[a]! >= friedman.criticalDifference) significant.push([optimizers[a]!, optimizers[b]!]);
      }
    }
    groups = cliques(ranks, rejects ? friedman.criticalDifference : Infinity).map((g) => g.map((i) => optimizers[i]!));
  }
  return {
    budget,
    optimizers: optimizers.map((optimizer, i) => {
      const s = scores.get(optimizer)!;
      return {
        optimizer,
        meanScore: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
        medianScore: median(s),
        q25Score: quantile(s, 0.25),
        q75Score: quantile(s, 0.75),
        averageRank: ranks[i]!,
      };
    }),
    problems: complete.map(([p]) => p),
    friedman,
    significant,
    groups,
  };
}

/** Budgets spread log-uniformly from 1 to `trials`, for curves. */
function curveBudgets(trials: number, count = 40): number[] {
  return [...new Set(Array.from({ length: count }, (_, i) => Math.max(1, Math.round(trials ** (i / (count - 1))))))];
}

function rankOverBudget(results: readonly RunResult[], optimizers: string[], trials: number): ReportData["rankOverBudget"] {
  const budgets = curveBudgets(trials, 25);
  const blocks = new Map<string, Map<string, RunResult>>();
  for (const r of results) {
    const key = `${r.problem}\u0000${r.seed}`;
    if (!blocks.has(key)) blocks.set(key, new Map());
    blocks.get(key)!.set(r.optimizer, r);
  }
  const complete = [...blocks.values()].filter((b) => optimizers.every((o) => b.has(o)));
  const ranks: Record<string, number[]> = Object.fromEntries(optimizers.map((o) => [o, [] as number[]]));
  for (const budget of budgets) {
    const sums = new Array<number>(optimizers.length).fill(0);
    for (const block of complete) averageRanks(optimizers.map((o) => regretAt(block.get(o)!, budget))).forEach((r, i) => (sums[i]! += r));
    optimizers.forEach((o, i) => ranks[o]!.push(complete.length ? sums[i]! / complete.length : NaN));
  }
  return { budgets, ranks };
}

function spearmanAcrossProblems(grouped: Map<string, Map<string, RunResult[]>>, optimizers: string[], trials: number): ReportData["spearman"] {
  const complete = [...grouped].filter(([, byOptimizer]) => optimizers.every((o) => byOptimizer.has(o)));
  const vectors = complete.map(([, byOptimizer]) => optimizers.map((o) => median(byOptimizer.get(o)!.map((r) => regretAt(r, trials)))));
  const matrix = vectors.map((a) => vectors.map((b) => spearman(a, b)));
  const offDiagonal = matrix.flatMap((row, i) => row.filter((v, j) => j !== i && Number.isFinite(v)));
  return { problems: complete.map(([p]) => p), matrix, mean: offDiagonal.length ? offDiagonal.reduce((a, b) => a + b, 0) / offDiagonal.length : NaN };
}

// Infinity: no incumbent yet (see the note on runs without one); NaN: no figure (nothing to compare).
const fmt = (x: number): string =>
  Number.isNaN(x) ? "-" : !Number.isFinite(x) ? (x > 0 ? "∞" : "-∞") : x === 0 ? "0" : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(3);
const pValue = (p: number): string => (p < 1e-4 ? "p < 0.0001" : `p = ${p.toPrecision(2)}`);

/**
 * Why a comparison has no Friedman test. It needs two problems on which every optimizer ran, and
 * 2 to 20 optimizers (the Nemenyi table's range); one optimizer alone was said to have "too few
 * complete problems", however many it had.
 */
function whyNoFriedmanTest(comparison: BudgetComparison): string {
  const k = comparison.optimizers.length;
  if (k < 2) return `one optimizer (${comparison.optimizers[0]?.optimizer ?? "none"}) alone: nothing to compare it with, so no Friedman test`;
  if (k > MAX_TESTED_OPTIMIZERS) return `${k} optimizers: more than the ${MAX_TESTED_OPTIMIZERS} the Nemenyi test is tabulated for, so no Friedman test`;
  return `${comparison.problems.length} problem(s) on which every optimizer ran: too few for a Friedman test (it needs 2)`;
}

/**
 * The mean Spearman ρ in words. It is undefined (it printed "- over 4 problems") with fewer than two
 * problems, or when no two problems both tell the optimizers apart: a problem on which every
 * optimizer ties has no ranking to correlate.
 */
export function spearmanText(spearman: ReportData["spearman"]): string {
  const n = spearman.problems.length;
  if (Number.isFinite(spearman.mean)) return `${fmt(spearman.mean)} over ${n} problems`;
  if (n < 2) return `none: it needs two problems on which every optimizer ran, and this report has ${n}`;
  return `none over ${n} problems: no two of them both tell the optimizers apart (on a problem where all tie, there is no ranking to correlate)`;
}

function plainSummary(comparisons: readonly BudgetComparison[], reference: string | undefined): string[] {
  const lines: string[] = [];
  if (reference === undefined) lines.push("No random-search run is among the optimizers reported, so normalized scores and performance profiles are left out (add `random` or `optuna-random`, to the run or to `--optimizers`).");
  for (const c of comparisons) {
    const f = c.friedman;
    if (f === null) {
      lines.push(`At ${c.budget} trials: ${whyNoFriedmanTest(c)}.`);
      continue;
    }
    const byRank = [...c.optimizers].sort((a, b) => a.averageRank - b.averageRank);
    const best = byRank[0]!;
    if (f.imanDavenportPValue >= ALPHA) {
      lines.push(
        `At ${c.budget} trials, over ${f.n} problems, the Friedman test does not reject that all ${f.k} optimizers perform alike (${imanDavenportText(f)}): no difference at this budget is significant, and the ranking is descriptive only (${bestRankText(byRank)}).`,
      );
      continue;
    }
    const tied = byRank.filter((o) => o !== best && o.averageRank - best.averageRank < f.criticalDifference).map((o) => o.optimizer);
    const beaten = byRank.filter((o) => o.averageRank - best.averageRank >= f.criticalDifference).map((o) => o.optimizer);
    lines.push(
      `At ${c.budget} trials, over ${f.n} problems, the optimizers differ significantly (${imanDavenportText(f)}; Nemenyi critical difference ${f.criticalDifference.toFixed(2)} ranks at α = 0.05). ` +
        `${best.optimizer} ranks best (${best.averageRank.toFixed(2)}); it is significantly better than ${beaten.length ? beaten.join(", ") : "none of the others"}` +
        `${tied.length ? `, and not significantly different from ${tied.join(", ")}` : ""}.`,
    );
    const others = byRank.slice(1).flatMap((o) => {
      const worse = c.significant.filter(([a]) => a === o.optimizer).map(([, b]) => b);
      return worse.length ? [`${o.optimizer} > ${worse.join(", ")}`] : [];
    });
    if (others.length) lines.push(`Other significant differences at ${c.budget} trials: ${others.join("; ")}. Every pair not named here is not significantly different.`);
  }
  return lines;
}

/** What the Nemenyi test says about one optimizer against a reference, within one group at one budget. */
export interface PairVerdict {
  readonly verdict: "worse" | "better" | "not different" | "no test";
  /** The optimizer's average rank minus the reference's (positive: the optimizer ranks worse). */
  readonly rankDifference: number;
  readonly criticalDifference: number;
  /** In words, with the figures that decide it. */
  readonly reason: string;
}

/**
 * Whether `optimizer` is significantly worse or better than `reference` in one comparison, by the
 * Nemenyi post-hoc test after a Friedman test that rejects (Demšar 2006), or why the data cannot
 * say. With k optimizers no two average ranks differ by more than k − 1, so with too few problems
 * the critical difference exceeds that and no pair can be significant whatever the results:
 * such a group is reported as too small, not as "no difference".
 *
 * @example
 * pairVerdict(report.groups[0].comparisons[1], "auto", "optuna-tpe").verdict; // "not different"
 */
export function pairVerdict(comparison: BudgetComparison, optimizer: string, reference: string): PairVerdict {
  const f = comparison.friedman;
  const rankOf = (o: string): number => comparison.optimizers.find((x) => x.optimizer === o)?.averageRank ?? NaN;
  const rankDifference = rankOf(optimizer) - rankOf(reference);
  if (f === null) {
    return { verdict: "no test", rankDifference, criticalDifference: NaN, reason: whyNoFriedmanTest(comparison) };
  }
  const cd = f.criticalDifference;
  const figures = `Δrank ${rankDifference >= 0 ? "+" : ""}${rankDifference.toFixed(2)}, CD ${cd.toFixed(2)}`;
  if (cd > f.k - 1) {
    return { verdict: "no test", rankDifference, criticalDifference: cd, reason: `${figures} > ${f.k - 1}, the largest possible rank difference` };
  }
  if (f.imanDavenportPValue >= ALPHA) {
    return { verdict: "not different", rankDifference, criticalDifference: cd, reason: `${figures}; the Friedman test does not reject (${pValue(f.imanDavenportPValue)})` };
  }
  if (Math.abs(rankDifference) < cd) return { verdict: "not different", rankDifference, criticalDifference: cd, reason: figures };
  return { verdict: rankDifference > 0 ? "worse" : "better", rankDifference, criticalDifference: cd, reason: figures };
}

/**
 * The report's section on issue 12's per-group question: within each group and at each budget, is
 * `optimizer` significantly worse (Nemenyi, among all the report's optimizers) than each reference?
 * Empty when the optimizer or every reference is missing.
 *
 * @example
 * groupSignificanceSection(report, "auto", ["optuna-tpe", "optuna-tpe-mv"]);
 */
export function groupSignificanceSection(data: Pick<ReportData, "groups" | "budgets">, optimizer: string, references: readonly string[]): string[] {
  const has = (o: string): boolean => data.groups.some((g) => g.comparisons.some((c) => c.optimizers.some((x) => x.optimizer === o)));
  const present = references.filter(has);
  if (!has(optimizer) || present.length === 0 || data.groups.length === 0) return [];
  // The fewest problems at which the critical difference among k optimizers fits within k − 1 ranks.
  const k = Math.max(...data.groups.flatMap((g) => g.comparisons.map((c) => c.optimizers.length)));
  let fewest = 2;
  while (fewest < 1000 && nemenyiCriticalDifference(k, fewest) > k - 1) fewest++;
  const md = [
    "",
    `### Is ${optimizer} significantly worse than ${present.join(" or ")} within a group?`,
    "",
    `Nemenyi test among all the report's optimizers within each group, after a Friedman test at α = ${ALPHA} (Demšar 2006). ` +
      `"no test" means the group has too few problems for the test to separate any two optimizers, whatever the results: with one problem there is no Friedman test, and with k optimizers and N problems the critical difference (CD) exceeds k − 1, the largest possible gap in average rank, unless N is large enough (N ≥ ${fewest} for the ${k} optimizers here). ` +
      `It is not evidence of no difference; and with few problems more than "no test", only large gaps can be significant.`,
  ];
  for (const reference of present) {
    md.push("", `${optimizer} against ${reference} (Δrank > 0: ${optimizer} ranks worse):`, "");
    const rows = data.groups.map((g) => [
      `${g.group} (${g.problems.length})`,
      ...data.budgets.map((b) => {
        const c = g.comparisons.find((x) => x.budget === b);
        if (!c) return "-";
        const v = pairVerdict(c, optimizer, reference);
        return `**${v.verdict}** (${v.reason})`;
      }),
    ]);
    md.push(table(["group (problems)", ...data.budgets.map((b) => `${b} trials`)], rows));
  }
  return md;
}

const wtl = (h: HeadToHead): string => `${h.wins.length} / ${h.ties.length} / ${h.losses.length}`;

/**
 * The report's head-to-head section: the focus optimizer against every other one, per budget
 * (problems won / tied / lost and the geometric-mean ratio), then problem by problem against each of
 * `detailed`. Empty when the report has no head-to-head data.
 *
 * @example
 * headToHeadSection(report, ["optuna-tpe", "optuna-tpe-mv"]);
 */
export function headToHeadSection(data: Pick<ReportData, "headToHead" | "budgets">, detailed: readonly string[]): string[] {
  if (data.headToHead.length === 0) return [];
  const focus = data.headToHead[0]!.optimizer;
  const references = [...new Set(data.headToHead.map((h) => h.reference))];
  const at = (reference: string, budget: number): HeadToHead | undefined => data.headToHead.find((h) => h.reference === reference && h.budget === budget);
  const md = [
    "",
    `## Head to head: ${focus} against each optimizer`,
    "",
    `Problems won / tied / lost by ${focus}, comparing median regrets over seeds (tied: equal medians, e.g. both at the optimum or the regret floor), and in brackets the geometric mean over problems of ${focus}'s median regret ÷ the other's (below 1: ${focus} is better).`,
    "",
    table(
      ["against", ...data.budgets.map((b) => `${b} trials`)],
      references.map((r) => [r, ...data.budgets.map((b) => { const h = at(r, b); return h ? `${wtl(h)} (${fmt(h.geometricMeanRatio)})` : "-"; })]),
    ),
  ];
  for (const reference of detailed.filter((r) => references.includes(r))) {
    md.push(
      "",
      `### ${focus} against ${reference}, problem by problem`,
      "",
      `${focus}'s median regret ÷ ${reference}'s, and in brackets the seeds (the same instance for both) on which ${focus}'s regret is lower – higher.`,
      "",
    );
    const problems = at(reference, data.budgets[0]!)!.perProblem.map((p) => p.problem);
    md.push(
      table(
        ["problem", ...data.budgets.map((b) => `${b} trials`)],
        problems.map((problem) => [
          problem,
          ...data.budgets.map((b) => {
            const row = at(reference, b)?.perProblem.find((p) => p.problem === problem);
            return row ? `${fmt(row.ratio)} (${row.seedsLower}–${row.seedsHigher} of ${row.seeds})` : "-";
          }),
        ]),
      ),
      "",
      ...data.budgets.map((b) => {
        const h = at(reference, b)!;
        return `- ${b} trials: ${focus} wins ${h.wins.length} of ${h.wins.length + h.ties.length + h.losses.length}${h.ties.length ? `, ties ${h.ties.join(", ")}` : ""}${h.losses.length ? `, loses ${h.losses.join(", ")}` : ""}.`;
      }),
    );
  }
  return md;
}

/**
 * The report's data from stored runs.
 *
 * @example
 * const data = buildReport(readResults("lab"), readRunSettings("lab")!, [30, 100, 300]);
 */
export function buildReport(
  results: readonly RunResult[],
  settings: RunSettings,
  budgets: readonly number[],
  title = "Benchmark report",
  focus = "auto",
  rebased: readonly Rebase[] = [],
): ReportData {
  const trials = settings.trials;
  const optimizers = settings.optimizers.filter((o) => results.some((r) => r.optimizer === o));
  const grouped = groupResults(results);
  const reference = randomReference(optimizers);
  const usable = [...new Set(budgets.map((b) => Math.min(b, trials)))];
  const comparisons = usable.map((b) => compareAt(grouped, optimizers, b, reference));
  const profiles: PerformanceProfile[] = performanceProfiles(results);
  const overhead: Record<string, number> = {};
  for (const o of optimizers) overhead[o] = median(results.filter((r) => r.optimizer === o).map((r) => (1000 * r.optimizerSeconds) / r.trials));
  return {
    title,
    settings,
    regretFloor: REGRET_FLOOR,
    rebased: [...rebased],
    randomReference: reference ?? null,
    budgets: usable,
    perProblem: usable.flatMap((b) => summarize(grouped, b)),
    comparisons,
    rankOverBudget: rankOverBudget(results, optimizers, trials),
    spearman: spearmanAcrossProblems(grouped, optimizers, trials),
    profiles: profiles.map((p) => ({ optimizer: p.optimizer, area: p.area, trialsToTarget: p.trialsToTarget })),
    overheadMsPerTrial: overhead,
    groups: groupComparisons(grouped, optimizers, usable, reference),
    headToHead: optimizers.includes(focus) ? optimizers.filter((o) => o !== focus).flatMap((o) => usable.map((b) => headToHead(grouped, focus, o, b))) : [],
    summary: plainSummary(comparisons, reference),
  };
}

function groupComparisons(grouped: Map<string, Map<string, RunResult[]>>, optimizers: string[], budgets: number[], reference: string | undefined): ReportData["groups"] {
  const groupsOf = new Map([...grouped.keys()].map((p) => [p, problemGroups(p)]));
  return PROBLEM_GROUPS.flatMap(({ name }) => {
    const members = new Map([...grouped].filter(([p]) => groupsOf.get(p)!.includes(name)));
    if (members.size === 0) return [];
    return [{ group: name, problems: [...members.keys()], comparisons: budgets.map((b) => compareAt(members, optimizers, b, reference)) }];
  });
}

/**
 * The median regret over seeds and its quartile band, by budget. A line starts at its first budget
 * with a median incumbent: before it, at least half of the runs have none (an infinite median), and
 * a band whose upper quartile has none yet reaches the top of the plot.
 */
function anytimeFigure(problem: string, byOptimizer: Map<string, RunResult[]>, optimizers: string[], trials: number): string {
  const budgets = curveBudgets(trials);
  const series: Series[] = optimizers
    .filter((o) => byOptimizer.has(o))
    .map((o) => {
      const runs = byOptimizer.get(o)!;
      const at = budgets.map((b) => runs.map((r) => regretAt(r, b)));
      const shown = budgets.map((_, i) => i).filter((i) => Number.isFinite(median(at[i]!)));
      return {
        label: o,
        points: shown.map((i) => [budgets[i]!, median(at[i]!)] as const),
        band: shown.map((i) => [quantile(at[i]!, 0.25), quantile(at[i]!, 0.75)] as const),
      };
    });
  return linePlot(series, { title: `${problem}: incumbent regret (median, quartile band)`, xLabel: "trials", yLabel: "regret", xLog: true, yLog: true });
}

/**
 * The ECDF of normalized scores. A run with no incumbent at the budget (score Infinity) counts in
 * the share but never enters it, so that curve stays below 1; a problem whose random search has no
 * median incumbent has no scores and is left out.
 */
function ecdfFigure(comparison: BudgetComparison, results: readonly RunResult[], optimizers: string[], reference: string): string {
  const grouped = groupResults(results);
  const series: Series[] = optimizers.map((o) => {
    const scores: number[] = [];
    for (const problem of comparison.problems) {
      const byOptimizer = grouped.get(problem)!;
      const randomMedian = median(byOptimizer.get(reference)!.map((r) => regretAt(r, comparison.budget)));
      if (randomMedian === Infinity) continue;
      for (const r of byOptimizer.get(o)!) scores.push(Math.max(1e-6, normalizedScore(regretAt(r, comparison.budget), randomMedian)));
    }
    scores.sort((a, b) => a - b);
    const runs = scores.length;
    return { label: o, step: true, points: scores.filter(Number.isFinite).map((s, i) => [s, (i + 1) / runs] as const) };
  });
  return linePlot(series, { title: `ECDF of normalized score at ${comparison.budget} trials (left is better)`, xLabel: "normalized score (0 = optimum, 1 = random search's median)", yLabel: "share of runs", xLog: true, yRange: [0, 1] });
}

function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/**
 * The runs of (problem, seed) pairs that every optimizer of the directory has finished, so that
 * every optimizer is compared on the same instances (an interrupted run leaves some pairs partial).
 */
export function completeBlocks(results: readonly RunResult[]): RunResult[] {
  const optimizers = new Set(results.map((r) => r.optimizer));
  const seen = new Map<string, Set<string>>();
  const block = (r: RunResult): string => JSON.stringify([r.problem, r.seed]);
  for (const r of results) seen.set(block(r), (seen.get(block(r)) ?? new Set()).add(r.optimizer));
  return results.filter((r) => seen.get(block(r))!.size === optimizers.size);
}

/** Where {@link writeReport} wrote. */
export interface WrittenReport {
  readonly markdown: string;
  readonly json: string;
  readonly figureDir: string;
  readonly figures: string[];
}

/**
 * The report's notes on regrets that rest on an observed value because a noiseless value could not
 * be measured (its evaluation failed or gave no finite value), one per kind that has any: a new
 * incumbent's, a multi-fidelity incumbent's final value, and a recommended trial's (the
 * `recommendedCurve` of results.jsonl, which the report does not draw on).
 *
 * @example
 * for (const note of noiselessFallbackNotes(results)) md.push("", note);
 */
export function noiselessFallbackNotes(results: readonly RunResult[]): string[] {
  const optimizersOf = (runs: readonly RunResult[]): string => [...new Set(runs.map((r) => `\`${r.optimizer}\``))].join(", ");
  const sum = (runs: readonly RunResult[], count: (r: RunResult) => number | undefined): number => runs.reduce((total, r) => total + (count(r) ?? 0), 0);
  const notes: string[] = [];
  const incumbents = results.filter((r) => r.noiselessFailures !== undefined && r.fidelityUnitsPerTrial === undefined);
  if (incumbents.length > 0) {
    notes.push(
      `${countNoun(sum(incumbents, (r) => r.noiselessFailures), "regret")}, in ${countNoun(incumbents.length, "run")} of ${optimizersOf(incumbents)}, are the observed value minus the reference: ` +
        "the noiseless value of a new incumbent could not be measured (measuring it failed or gave no finite value; a command problem runs its program again for it, and a command is meant to give the same value every time).",
    );
  }
  const fidelity = results.filter((r) => r.noiselessFailures !== undefined && r.fidelityUnitsPerTrial !== undefined);
  if (fidelity.length > 0) {
    notes.push(
      `${countNoun(sum(fidelity, (r) => r.noiselessFailures), "regret")}, in ${countNoun(fidelity.length, "multi-fidelity run")} of ${optimizersOf(fidelity)}, are the observed final value minus the reference: ` +
        "the noiseless final value of a new incumbent could not be measured (measuring it failed or gave no finite value).",
    );
  }
  const recommended = results.filter((r) => r.recommendedNoiselessFailures !== undefined);
  if (recommended.length > 0) {
    notes.push(
      `In ${countNoun(recommended.length, "run")} of ${optimizersOf(recommended)}, the noiseless value of ${countNoun(sum(recommended, (r) => r.recommendedNoiselessFailures), "recommended trial")} could not be measured ` +
        "(measuring it failed or gave no finite value): their regret in the recommended-trial curve (recommendedCurve in results.jsonl, not used in this report) is their observed value minus the reference.",
    );
  }
  return notes;
}

/**
 * Reads a run directory and writes the Markdown report, its JSON data and SVG figures (in a
 * folder named after the Markdown file, beside it). Given `printMarkdown`, the Markdown goes to it
 * instead of a file (`markdown` is then "-"): the data and figures go where `out` unset puts them,
 * and the figure links are relative to the working directory.
 *
 * @example
 * await writeReport("lab", { out: "docs/benchmarks.md", budgets: [30, 100, 300], command: "sextant bench run …" });
 */
export async function writeReport(
  dir: string,
  options: { out?: string; printMarkdown?: (markdown: string) => void; budgets?: number[]; title?: string; command?: string; optimizers?: readonly string[]; focus?: string } = {},
): Promise<WrittenReport> {
  const recorded = readRunSettings(dir);
  if (recorded === null) throw new BenchmarkInputError(`dir: ${noRunMessage(dir)}`);
  // A budget past the runs' length would be read at their end and printed as if it were that budget.
  const beyond = (options.budgets ?? []).filter((b) => b > recorded.trials);
  if (beyond.length > 0) throw new BenchmarkInputError(`budgets: ${beyond.join(", ")} exceed${beyond.length === 1 ? "s" : ""} the ${recorded.trials} trials of the runs in ${dir}; a report reads its budgets from those runs`);
  const missing = (options.optimizers ?? []).filter((o) => !recorded.optimizers.includes(o));
  if (missing.length > 0) throw new BenchmarkInputError(`optimizers: ${dir} holds no runs of "${missing[0]}"; it holds ${recorded.optimizers.join(", ")}`);
  // Reporting on some optimizers only keeps the (problem, seed) pairs those finished, whatever the others did.
  const settings = options.optimizers === undefined ? recorded : { ...recorded, optimizers: recorded.optimizers.filter((o) => options.optimizers!.includes(o)) };
  const stored = readResults(dir).filter((r) => r.trials === settings.trials && settings.optimizers.includes(r.optimizer));
  refuseUnknownProblems(dir, stored);
  const complete = completeBlocks(stored);
  if (complete.length === 0) throw new BenchmarkInputError(`dir: ${dir} holds no (problem, seed) that every optimizer has finished yet`);
  // Past a reference value every run would tie at the regret floor: measure from the best reached.
  const { results, rebased } = rebaseReferenceProblems(complete);
  const markdownPath = resolve((options.printMarkdown ? undefined : options.out) ?? join(dir, "report.md"));
  // A folder given as the report's file failed with an internal error (EISDIR) once the figures and
  // the JSON had been written beside it, as `<folder>-figures` and `<folder>.json`.
  // A path through a file (a-file/report.md) is not a folder either: makeWritableFolder below says why it cannot be written.
  if (isFolder(markdownPath)) {
    throw new BenchmarkInputError(`out: ${markdownPath} is a folder; give the Markdown file to write, such as ${join(markdownPath, "report.md")}`);
  }
  const linkBase = options.printMarkdown ? process.cwd() : dirname(markdownPath);
  const figureDir = join(dirname(markdownPath), `${basename(markdownPath, ".md")}-figures`);
  makeWritableFolder("out", figureDir);
  const focus = options.focus ?? "auto";
  if (options.focus !== undefined && !settings.optimizers.includes(focus)) throw new BenchmarkInputError(`focus: the report holds no runs of "${focus}"; it holds ${settings.optimizers.join(", ")}`);
  const data = buildReport(results, settings, options.budgets ?? defaultBudgets(settings.trials), options.title ?? "Benchmark report", focus, rebased);
  const optimizers = data.comparisons[0]!.optimizers.map((o) => o.optimizer);
  const figures: string[] = [];
  const figure = (name: string, svg: string, alt: string): string => {
    writeFileSync(join(figureDir, name), svg);
    figures.push(join(figureDir, name));
    return `![${alt}](${relative(linkBase, join(figureDir, name)).split("\\").join("/")})`;
  };
  const md: string[] = [`# ${data.title}`, ""];
  const s = data.settings;
  md.push(
    `${countNoun(results.length, "run")}: ${countNoun(new Set(results.map((r) => r.problem)).size, "problem")} × ${countNoun(optimizers.length, "optimizer")} × seeds ${[...new Set(results.map((r) => r.seed))].sort((a, b) => a - b).join(", ")}, ${s.trials} trials each, the same budget for every optimizer. ` +
      `Each seed picks the problem instance (shifted, rotated, permuted) and seeds the optimizer. Regret is the noiseless regret of the trial the study reports as best; regrets below ${REGRET_FLOOR} count as ${REGRET_FLOOR} for every optimizer alike. ` +
      `Normalized score: regret / random search's median regret on the same problem at the same budget (0 = optimum, 1 = random search; Bayesmark)${data.randomReference ? `, with \`${data.randomReference}\` as random search` : ""}. ` +
      "The anytime numbers at smaller budgets are read from the same runs (none of these optimizers is told the budget).",
  );
  if (data.rebased.length > 0) {
    md.push(
      "",
      `**Regret measured from the best run on ${countNoun(data.rebased.length, "problem")}.** ` +
        "Their optimum is a reference value (the best of a seeded random search), and some runs went past it; floored alike, those runs would all tie however far apart they ended. " +
        "There regret is measured from the lowest value any run of this report reached, so the best run sits at the floor and the others keep their distances; adding or removing runs can move that zero. " +
        `How far below the reference each went: ${data.rebased.map((r) => `${r.problem} ${fmt(r.belowReference)}`).join(", ")}.`,
    );
  }
  // What the comparison leaves out, said rather than dropped silently: an optimizer none of whose
  // runs finished (every run failed), and runs of (problem, seed) pairs another optimizer lacks.
  const absent = settings.optimizers.filter((o) => !optimizers.includes(o));
  const leftOut = stored.length - results.length;
  // A grid interrupted early left whole problems and seeds out, and the first line counts only
  // what is compared: "1 problems × 1 optimizers" of a run of 2 × 2 read as a finished run.
  const grid = settings.problems.length * settings.optimizers.length * settings.seeds.length;
  const finished = new Set(stored.map((r) => runKey(r.problem, r.optimizer, r.seed))).size;
  const uncovered = settings.problems.filter((p) => !results.some((r) => r.problem === p));
  if (absent.length > 0 || leftOut > 0 || finished < grid) {
    md.push(
      "",
      `**Not in this comparison:** ` +
        [
          ...(finished < grid
            ? [
                `${grid - finished} of the ${countNoun(grid, "run")} of this folder's grid (${countNoun(settings.problems.length, "problem")} × ${countNoun(settings.optimizers.length, "optimizer")} × seeds ${settings.seeds.join(", ")}) ${grid - finished === 1 ? "has" : "have"} no result, ` +
                  `failed or not run yet (\`sextant bench run\` into this folder says which failed and runs them)${uncovered.length > 0 ? `; problems not compared at all: ${uncovered.join(", ")}` : ""}`,
              ]
            : []),
          ...(absent.length > 0 ? [`${absent.map((o) => `\`${o}\``).join(", ")}, with no finished run`] : []),
          ...(leftOut > 0 ? [`${countNoun(leftOut, "finished run")} of (problem, seed) pairs that not every optimizer has finished`] : []),
        ].join("; ") +
        ".",
    );
  }
  if (results.some((r) => r.measure === "hypervolume regret")) {
    md.push("", "Problems with several objectives measure hypervolume regret: the largest hypervolume minus that of the feasible trials so far, against the problem's reference point.");
  }
  const fidelityRuns = results.filter((r) => r.fidelityUnitsPerTrial !== undefined);
  if (fidelityRuns.length > 0) {
    const started = (o: string): number => median(fidelityRuns.filter((r) => r.optimizer === o).map((r) => r.trialsStarted ?? r.trials));
    md.push(
      "",
      `Multi-fidelity problems count the budget in fidelity units: "N trials" there means N full trials' worth of ${fidelityRuns[0]!.fidelityName ?? "fidelity"} units, whatever a pruner stops early, and the regret is that of the complete trial with the best observed final value. Median trials started within the full budget: ${optimizers.filter((o) => fidelityRuns.some((r) => r.optimizer === o)).map((o) => `${o} ${fmt(started(o))}`).join(", ")}.`,
    );
  }
  const failedTrials = results.reduce((sum, r) => sum + (r.failedTrials ?? 0), 0);
  if (failedTrials > 0) {
    const runs = results.filter((r) => r.failedTrials !== undefined);
    md.push(
      "",
      `${countNoun(failedTrials, "trial")} failed (their command failed or gave no finite value), in ${countNoun(runs.length, "run")} of ${[...new Set(runs.map((r) => `\`${r.optimizer}\``))].join(", ")}: a failed trial counts toward the budget and leaves the incumbent as it was, so the regret is that of the best finished trial.`,
    );
  }
  const late = results.filter((r) => curveRegret(r.curve[0]!) === Infinity);
  if (late.length > 0) {
    md.push(
      "",
      `${countNoun(late.length, "run")} had no incumbent after their first trial (it failed, or a multi-fidelity trial had not finished). Until a run has one, its regret counts as ∞ rather than as a number: ` +
        "it ranks below every run with an incumbent (runs with none tie), medians, quartiles and normalized scores that reach it are ∞ (printed ∞, as is a mean over it), " +
        "a problem whose random search has no median incumbent at a budget has no normalized scores there, and an anytime curve starts at its first budget with a finite median.",
    );
  }
  for (const note of noiselessFallbackNotes(results)) md.push("", note);
  if (leftOut > 0) {
    md.push("", `${countNoun(leftOut, "further run")} ${leftOut === 1 ? "belongs" : "belong"} to (problem, seed) pairs that not every optimizer has finished; they are left out so that all optimizers are compared on the same instances.`);
  }
  if (options.command) md.push("", "Reproduce:", "", "```sh", options.command, "```");
  md.push("", "## Summary", "", ...data.summary.map((l) => `- ${l}`));
  for (const reference of [...new Set(data.headToHead.map((h) => h.reference))].filter((r) => r.startsWith("optuna-tpe"))) {
    const rows = data.headToHead.filter((h) => h.reference === reference);
    md.push(`- ${focus} against ${reference}, problems won / tied / lost by median regret: ${rows.map((h) => `${wtl(h)} at ${h.budget} trials`).join(", ")} (section "Head to head").`);
  }
  for (const c of data.comparisons) {
    md.push("", `## ${c.budget} trials`, "");
    const sorted = [...c.optimizers].sort((a, b) => a.averageRank - b.averageRank);
    md.push(
      table(
        ["optimizer", "average rank", "mean normalized score over runs", "median [IQR] normalized score over runs"],
        sorted.map((o) => [o.optimizer, Number.isFinite(o.averageRank) ? o.averageRank.toFixed(2) : "-", fmt(o.meanScore), `${fmt(o.medianScore)} [${fmt(o.q25Score)}, ${fmt(o.q75Score)}]`]),
      ),
    );
    if (c.friedman) {
      const f = c.friedman;
      md.push(
        "",
        `Friedman over ${f.n} problems: χ² = ${f.chiSquare.toFixed(2)} (${pValue(f.chiSquarePValue)}), ${imanDavenportText(f).replace(", ", " (")}); Nemenyi CD = ${f.criticalDifference.toFixed(2)} at α = 0.05. Average ranks are over problems, each problem ranking the optimizers by their median regret over seeds. Bars join optimizers that are not significantly different.`,
        "",
        figure(`cd-${c.budget}.svg`, cdDiagram(optimizers, f.averageRanks, f.criticalDifference, c.groups.map((g) => g.map((o) => optimizers.indexOf(o))), `Critical differences at ${c.budget} trials`), `critical-difference diagram at ${c.budget} trials`),
      );
    }
  }
  if (data.groups.length > 1) {
    md.push("", "## By group", "", "Mean normalized score (average rank within the group, where it has two problems or more) over the problems of each group; a problem can be in several groups.");
    for (const budget of data.budgets) {
      md.push("", `At ${budget} trials:`, "");
      const cells = (o: string): string[] =>
        data.groups.map((g) => {
          const row = g.comparisons.find((c) => c.budget === budget)!.optimizers.find((x) => x.optimizer === o)!;
          return `${fmt(row.meanScore)}${Number.isFinite(row.averageRank) ? ` (${row.averageRank.toFixed(2)})` : ""}`;
        });
      md.push(table(["optimizer", ...data.groups.map((g) => `${g.group} (${g.problems.length})`)], optimizers.map((o) => [o, ...cells(o)])));
    }
  }
  md.push(...groupSignificanceSection(data, focus, ["optuna-tpe", "optuna-tpe-mv"]));
  md.push(...headToHeadSection(data, ["optuna-tpe", "optuna-tpe-mv"]));
  md.push("", "## Average rank over the budget", "", "Ranks among all optimizers per (problem, seed), averaged; lower is better.", "");
  md.push(figure("rank-over-budget.svg", linePlot(optimizers.map((o) => ({ label: o, points: data.rankOverBudget.budgets.map((b, i) => [b, data.rankOverBudget.ranks[o]![i]!] as const) })), { title: "Average rank over the budget", xLabel: "trials", yLabel: "average rank", xLog: true }), "average rank over the budget"));
  const final = data.comparisons.at(-1)!;
  if (data.randomReference) {
    md.push("", "## ECDF of normalized scores", "", figure("ecdf.svg", ecdfFigure(final, results, optimizers, data.randomReference), "ECDF of normalized score"));
    md.push(
      "",
      "## Performance profiles (AlgoPerf)",
      "",
      `Target per problem: random search's median final regret. Trials to target: the first trial at which the optimizer's median-over-seeds regret curve reaches it (∞ if never). ρ(τ): the share of problems an optimizer solves within τ times the fastest optimizer's trials; the area is over τ from 1 to 4, divided by 3 (1 = fastest on every problem).`,
      "",
      table(["optimizer", "area under ρ(τ), τ ≤ 4", "problems reaching the target"], [...data.profiles].sort((a, b) => b.area - a.area).map((p) => [p.optimizer, p.area.toFixed(3), `${Object.values(p.trialsToTarget).filter(Number.isFinite).length}/${Object.keys(p.trialsToTarget).length}`])),
      "",
      figure("performance-profiles.svg", linePlot(performanceProfiles(results).map((p) => ({ label: p.optimizer, step: true, points: p.rho.map((r) => [r.tau, r.value] as const) })), { title: "Performance profiles", xLabel: "τ (trials to target / fastest)", yLabel: "ρ(τ)", yRange: [0, 1] }), "performance profiles"),
    );
  }
  md.push(
    "",
    "## Do problems agree on the ranking?",
    "",
    `Mean Spearman ρ between two problems' rankings of the optimizers (median final regret): ${spearmanText(data.spearman)}. Near 1, problems agree on which optimizer is better; near 0, the ranking depends on the problem.`,
    "",
    figure("spearman.svg", heatMap(data.spearman.problems, data.spearman.matrix, "Spearman ρ between problems' rankings"), "Spearman correlation between problems"),
  );
  for (const budget of data.budgets) {
    md.push("", `## Per problem: regret after ${budget} trials, median [25%, 75%] over seeds`, "");
    md.push(
      table(
        ["problem", ...optimizers],
        s.problems.filter((p) => data.perProblem.some((r) => r.problem === p)).map((p) => [
          p,
          ...optimizers.map((o) => {
            const r = data.perProblem.find((x) => x.problem === p && x.optimizer === o && x.budget === budget);
            return r ? `${fmt(r.median)} [${fmt(r.q25)}, ${fmt(r.q75)}]` : "-";
          }),
        ]),
      ),
    );
  }
  md.push("", "## Anytime curves", "");
  for (const [problem, byOptimizer] of groupResults(results)) {
    md.push(figure(`anytime-${problem.replace(/[^A-Za-z0-9_.-]/g, "_")}.svg`, anytimeFigure(problem, byOptimizer, optimizers, s.trials), `${problem} anytime regret`), "");
  }
  md.push("## Overhead", "", "Median milliseconds per trial spent outside the objective (sampler and study bookkeeping; for Optuna also the JSON-lines round trips to Python), measured in this run.", "");
  md.push(table(["optimizer", "ms per trial"], optimizers.map((o) => [o, fmt(data.overheadMsPerTrial[o]!)])));
  const jsonPath = markdownPath.replace(/\.md$/, "") + ".json";
  writeFileSync(jsonPath, `${JSON.stringify(data, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  if (options.printMarkdown) {
    options.printMarkdown(`${md.join("\n")}\n`);
    return { markdown: "-", json: jsonPath, figureDir, figures };
  }
  writeFileSync(markdownPath, `${md.join("\n")}\n`);
  return { markdown: markdownPath, json: jsonPath, figureDir, figures };
}

/** "Iman-Davenport F = 3.20, p = 0.04"; where every problem ranks the optimizers alike, F is infinite and p is exact. */
function imanDavenportText(f: { imanDavenportF: number; imanDavenportPValue: number }): string {
  return Number.isFinite(f.imanDavenportF)
    ? `Iman-Davenport F = ${f.imanDavenportF.toFixed(2)}, ${pValue(f.imanDavenportPValue)}`
    : `every problem ranks them in the same order, exact ${pValue(f.imanDavenportPValue)}`;
}

/** Whether `path` is a folder; false where it does not exist or cannot be one (ENOTDIR: a file on the way). */
function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
