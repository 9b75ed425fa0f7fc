#!/usr/bin/env node
// Issue 12's noise figures, through the lab's runner (`runBenchmark`, resumable: rerunning into the
// same directory only reads what is done):
//
// 1. A candidate GP configuration against the baseline on each problem: median final regret of each
//    (the trial the study reports as best, noiseless regret), their ratio, quartiles, and the paired
//    per-seed wins / ties / losses (a tie: both within 1e-9 relative or both under the lab's floor).
// 2. On the noisy problems: the noiseless regret of the study's recommended trial (best posterior
//    mean, `Study.recommendation`) against that of the best observed trial, per run.
//
// Usage: npm run build && node bench/noise-model.mjs --suite dev-noisy|dev-noiseless|test-noisy|NAMES
//        [--baseline gp] [--candidates gp:noisePrior=gamma,...] [--trials 60] [--seeds 5] [--out DIR] [--jobs 1]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { runBenchmark, quantile, SUITES, problemGroups } = await import(join(root, "dist/bench/lab/index.js"));
// Curve entries are read through curveRegret: floored, and Infinity while a run has no incumbent
// (at the end of a multi-fidelity run whose pruner stopped every trial early).
const { curveRegret } = await import(join(root, "dist/bench/lab/summary.js"));

const { values: args } = parseArgs({
  options: {
    suite: { type: "string", default: "dev-noisy" },
    baseline: { type: "string", default: "gp" },
    candidates: { type: "string", default: "gp:noisePrior=gamma" },
    trials: { type: "string", default: "60" },
    seeds: { type: "string", default: "5" },
    out: { type: "string" },
    jobs: { type: "string", default: "1" },
  },
});

const noisy = (name) => problemGroups(name).some((g) => g === "noisy" || g === "heavy-tailed");
// The GP's part of a suite: `auto` hands spaces of 24 or more dimensions to TPE, so those are left out.
const gpSized = (name) => !/-(2[4-9]|[3-9]\d|\d{3,})d/.test(name) && !name.startsWith("yahpo-");
const named = {
  "dev-noisy": SUITES.dev.filter(noisy),
  "dev-noiseless": SUITES.dev.filter((p) => !noisy(p) && gpSized(p)),
  "test-noisy": SUITES.test.filter(noisy),
};
const problems = named[args.suite] ?? args.suite.split(",");
const candidates = args.candidates.split(",").filter((c) => c !== "" && c !== args.baseline);
const optimizers = [args.baseline, ...candidates];
const seedCount = Number(args.seeds);
const seeds = Array.from({ length: seedCount }, (_, i) => i);
const outDir = args.out ?? join(root, `.bench-noise-${args.suite.replace(/[^a-z0-9-]/gi, "_")}-${args.trials}`);

console.log(`noise model: ${problems.length} problems (${args.suite}), ${optimizers.join(" | ")}, ${args.trials} trials x ${seedCount} seeds, out ${outDir}`);
const { results, failures } = await runBenchmark({ problems, optimizers, trials: Number(args.trials), seeds, outDir, jobs: Number(args.jobs) });
for (const f of failures) console.log(`FAILED ${f.problem} ${f.optimizer} seed ${f.seed}: ${f.message}`);

const final = (run) => curveRegret(run.curve.at(-1));
const byKey = new Map(results.map((r) => [`${r.problem}|${r.optimizer}|${r.seed}`, r]));
const fmt = (v) => (v === Infinity ? "∞" : Number.isNaN(v) ? "-" : v >= 1e-3 && v < 1e4 ? v.toPrecision(3) : v.toExponential(2));
// ∞ (no incumbent) ties only with ∞ and loses to any regret.
const same = (a, b) => a === b || (Number.isFinite(a) && Number.isFinite(b) && (Math.abs(a - b) <= 1e-9 * Math.max(a, b) || (a <= 1e-9 && b <= 1e-9)));
// A ratio with ∞ on a side says nothing about by how much: none (NaN), and left out of geometric means.
const ratioOf = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? a / b : NaN);
const fmtRatio = (ratio) => (Number.isNaN(ratio) ? "-" : ratio.toFixed(3));
const tally = (pairs) => {
  let wins = 0, ties = 0, losses = 0;
  for (const [mine, theirs] of pairs) {
    if (same(mine, theirs)) ties++;
    else if (mine < theirs) wins++;
    else losses++;
  }
  return { wins, ties, losses };
};
const spread = (values) => `${fmt(quantile(values, 0.25))}..${fmt(quantile(values, 0.75))}`;

console.log(`\n1. final regret (best observed trial), candidate vs ${args.baseline}: median [quartiles], ratio of medians, per-seed W/T/L`);
for (const candidate of candidates) {
  let problemWins = 0, problemTies = 0, problemLosses = 0;
  const allPairs = [];
  const logRatios = [];
  console.log(`\n  ${candidate}`);
  for (const problem of problems) {
    const pairs = seeds
      .map((s) => [byKey.get(`${problem}|${candidate}|${s}`), byKey.get(`${problem}|${args.baseline}|${s}`)])
      .filter(([a, b]) => a && b)
      .map(([a, b]) => [final(a), final(b)]);
    if (pairs.length === 0) continue;
    allPairs.push(...pairs);
    const mine = pairs.map((p) => p[0]);
    const theirs = pairs.map((p) => p[1]);
    const ratio = ratioOf(quantile(mine, 0.5), quantile(theirs, 0.5));
    if (!Number.isNaN(ratio)) logRatios.push(Math.log(ratio));
    const { wins, ties, losses } = tally(pairs);
    if (same(quantile(mine, 0.5), quantile(theirs, 0.5))) problemTies++;
    else if (quantile(mine, 0.5) < quantile(theirs, 0.5)) problemWins++;
    else problemLosses++;
    console.log(
      `    ${problem.padEnd(28)} ${fmt(quantile(mine, 0.5)).padStart(9)} [${spread(mine)}]  vs ${fmt(quantile(theirs, 0.5)).padStart(9)} [${spread(theirs)}]  ratio ${fmtRatio(ratio)}  seeds W/T/L ${wins}/${ties}/${losses}`,
    );
  }
  const { wins, ties, losses } = tally(allPairs);
  const geo = logRatios.length === 0 ? "-" : Math.exp(logRatios.reduce((a, b) => a + b, 0) / logRatios.length).toFixed(3);
  console.log(`    problems (median) W/T/L ${problemWins}/${problemTies}/${problemLosses}; runs W/T/L ${wins}/${ties}/${losses}; geometric-mean ratio ${geo}`);
}

const noisyProblems = problems.filter(noisy);
if (noisyProblems.length > 0) {
  console.log(`\n2. noisy problems: noiseless regret of the recommended trial (best posterior mean) vs the best observed trial, per run`);
  for (const optimizer of optimizers) {
    const pairs = [];
    console.log(`\n  ${optimizer}`);
    for (const problem of noisyProblems) {
      const runs = seeds.map((s) => byKey.get(`${problem}|${optimizer}|${s}`)).filter((r) => r && r.recommendedCurve);
      if (runs.length === 0) continue;
      const mine = runs.map((r) => curveRegret(r.recommendedCurve.at(-1)));
      const theirs = runs.map(final);
      const local = mine.map((m, i) => [m, theirs[i]]);
      pairs.push(...local);
      const { wins, ties, losses } = tally(local);
      console.log(
        `    ${problem.padEnd(28)} recommended ${fmt(quantile(mine, 0.5)).padStart(9)} [${spread(mine)}]  best observed ${fmt(quantile(theirs, 0.5)).padStart(9)} [${spread(theirs)}]  ratio ${fmtRatio(ratioOf(quantile(mine, 0.5), quantile(theirs, 0.5)))}  W/T/L ${wins}/${ties}/${losses}`,
      );
    }
    const { wins, ties, losses } = tally(pairs);
    console.log(`    all noisy runs: recommended better / same / worse than best observed: ${wins}/${ties}/${losses}`);
    const unmeasured = results.filter((r) => r.optimizer === optimizer && noisyProblems.includes(r.problem) && r.recommendedNoiselessFailures !== undefined);
    if (unmeasured.length > 0) {
      const count = unmeasured.reduce((sum, r) => sum + r.recommendedNoiselessFailures, 0);
      console.log(`    ${count} recommended trials' noiseless values (in ${unmeasured.length} runs) could not be measured; their regret is the observed value minus the reference (first: ${unmeasured[0].firstRecommendedNoiselessFailure})`);
    }
  }
}
