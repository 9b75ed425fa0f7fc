#!/usr/bin/env node
// Failed trials: does learning where the objective fails (the GP's failure model, TPE's
// failedTrials=worst) spend fewer trials on failures and find better values than leaving failed
// trials out (failedTrials=ignore, what Optuna 3.1's TPE does and what Sextant did before)?
//
// Problems: seeded instances of four functions (no rotation or permutation), each posed on the unit
// cube, with two kinds of failure:
// - region: the trial fails (half of them throw, half return NaN) where one coordinate, chosen by
//   the seed, lies in its top or bottom 30%, as a too-large batch runs out of memory; the optimum
//   may lie inside it, so regret is measured against the best value outside it (found by 20,000
//   random points and a local refinement, the same for every arm);
// - random: 15% of trials fail whatever their parameters (a flaky cluster), decided by the seed and
//   the trial number, so every arm meets the same failures: learning from them can only mislead,
//   and this is the check that it does no harm.
// Arms: GPSampler (what `auto` runs on these spaces) with failedTrials "model" (default) and
// "ignore", TPESampler with failedTrials "worst" (default) and "ignore", and random search.
// Printed per problem and arm: median [quartiles] over seeds of the regret of the best complete
// trial after half and all of the trials, and failed trials median [min–max]; then, per problem
// and sampler, the ratio of medians (default ÷ ignore) at the end and the seeds won, tied and lost.
// The reference ("ignore") is measured in the same run. Nothing was chosen on this benchmark.
// Out of memory: a training run that fails where batch × width exceeds a limit, a diagonal edge
// the best settings lie beyond (40 trials). Two objectives (the GP's EHVI step, what `auto` runs
// there, and MOTPE): ZDT1 in 3 dimensions failing where x₁ > 0.7 (a third of its Pareto front) and
// ZDT2 failing where x₁ < 0.3, each sampler against its "ignore" twin: failed trials among the last
// 30 and the hypervolume of the front found, against reference (1.1, 11). MOTPE's failure model
// became the default by a rule set before its run: hypervolume higher on more seeds than lower on
// both (ZDT2 held out): 6 higher, 3 lower and 8 higher, 2 lower.
//
// TuRBO (--arms turbo-count,turbo-ignore,turbo-impute): "turbo-count" is TurboSampler with failedTrials "count"
// (a failed step is one without improvement), "turbo-impute" with "impute" (also the run's failed
// points in its model at the run's worst value, once failures cluster), "turbo-ignore" as TuRBO
// was (and still is by default). Developed on the problems above, so judged on held-out 20-D ones
// (--functions ackley:20,styblinski_tang:20 --trials 100 --only 20d), high-dimensional as TuRBO
// is meant for (`auto` runs it beyond 24), by a rule set before that run: impute (else count) becomes the default if against ignore it
// wins more seeds than it loses over the two region problems and loses at most 2 more than it wins
// over the two random ones. Neither did (region: impute 8 won, 11 lost; count 8 won, 9 lost),
// though both failed fewer trials (impute 0.59× and 0.36× the failures), so ignore stays.
// --functions name:dimension,… replaces the four functions.
//
// node bench/failures.mjs [--seeds 10] [--trials 50] [--only levy,region] [--arms gp,gp-ignore,tpe,tpe-ignore,random] [--functions levy:20]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, GPSampler, TPESampler, TurboSampler, RandomSampler, hypervolume } = await import(join(root, "dist/index.js"));
const { syntheticBoxFunction, randomInstance } = await import(join(root, "dist/bench/problems/index.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "10" },
    trials: { type: "string", default: "50" },
    only: { type: "string" },
    functions: { type: "string" },
    arms: { type: "string", default: "gp,gp-ignore,tpe,tpe-ignore,random" },
  },
});
const seeds = Number(args.seeds);
const trials = Number(args.trials);
const arms = args.arms.split(",");
const FUNCTIONS = args.functions
  ? args.functions.split(",").map((item) => [item.split(":")[0], Number(item.split(":")[1])])
  : [
      ["branin", 2],
      ["hartmann3", 3],
      ["styblinski_tang", 4],
      ["levy", 4],
    ];
const KINDS = ["region", "random"];
const REGION_SHARE = 0.3;
const RANDOM_FAILURE_RATE = 0.15;

function makeSampler(arm, seed) {
  if (arm === "gp") return new GPSampler({ seed });
  if (arm === "gp-ignore") return new GPSampler({ seed, failedTrials: "ignore" });
  if (arm === "tpe") return new TPESampler({ seed });
  if (arm === "tpe-ignore") return new TPESampler({ seed, failedTrials: "ignore" });
  if (arm === "turbo-count") return new TurboSampler({ seed, failedTrials: "count" });
  if (arm === "turbo-ignore") return new TurboSampler({ seed, failedTrials: "ignore" });
  if (arm === "turbo-impute") return new TurboSampler({ seed, failedTrials: "impute" });
  if (arm === "random") return new RandomSampler({ seed });
  throw new Error(`--arms: unknown arm ${arm}`);
}

/** One problem instance: f on the unit cube (0 at the function's optimum) and where it fails. */
function instance(name, dimension, kind, seed) {
  const fn = randomInstance(syntheticBoxFunction(name, dimension), { seed, rotate: false, permute: false });
  const f = (u) => fn.evaluate(u.map((v, i) => fn.bounds[i][0] + v * (fn.bounds[i][1] - fn.bounds[i][0]))) - fn.optimum;
  const rng = new Rng(seed * 7919 + 17);
  const axis = Math.floor(rng.uniform() * dimension);
  const high = rng.uniform() < 0.5;
  const inRegion = (u) => (high ? u[axis] > 1 - REGION_SHARE : u[axis] < REGION_SHARE);
  const fails = kind === "region" ? (u) => inRegion(u) : (_u, number) => new Rng(seed * 1_000_003 + number).uniform() < RANDOM_FAILURE_RATE;
  // The best value a trial can reach: outside the region for "region" (random points, then a
  // coordinate search from the best), the optimum (0) for "random".
  let floor = 0;
  if (kind === "region") {
    const search = new Rng(seed * 31 + 5);
    let best = null;
    let bestValue = Infinity;
    for (let i = 0; i < 20_000; i++) {
      const u = Array.from({ length: dimension }, () => search.uniform());
      if (inRegion(u)) continue;
      const v = f(u);
      if (v < bestValue) [best, bestValue] = [u, v];
    }
    for (let step = 0.05; step > 1e-7; step /= 2) {
      for (let improved = true; improved; ) {
        improved = false;
        for (let i = 0; i < dimension; i++) {
          for (const delta of [-step, step]) {
            const u = best.slice();
            u[i] = Math.min(1, Math.max(0, u[i] + delta));
            if (inRegion(u)) continue;
            const v = f(u);
            if (v < bestValue) [best, bestValue, improved] = [u, v, true];
          }
        }
      }
    }
    floor = bestValue;
  }
  return { f, fails, floor };
}

async function run(problem, arm, seed) {
  const study = await createStudy({ sampler: makeSampler(arm, seed) });
  await study.optimize(
    (trial) => {
      const u = Array.from({ length: problem.dimension }, (_, i) => trial.suggestFloat(`u${i}`, 0, 1));
      if (problem.fails(u, trial.number)) {
        if (trial.number % 2 === 0) throw new Error("the objective failed");
        return NaN;
      }
      return problem.f(u);
    },
    { nTrials: trials },
  );
  const regretAfter = (n) => {
    const values = study.trials.slice(0, n).flatMap((t) => (t.state === "complete" ? [t.values[0]] : []));
    return values.length === 0 ? Infinity : Math.max(0, Math.min(...values) - problem.floor);
  };
  return { half: regretAfter(Math.ceil(trials / 2)), end: regretAfter(trials), failed: study.trials.filter((t) => t.state === "failed").length };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return lo === hi || s[hi] === s[lo] ? s[lo] : s[lo] + (h - lo) * (s[hi] - s[lo]);
};
const fmt = (x) => (x === Infinity ? "inf" : x === 0 ? "0" : x.toPrecision(3));
const spread = (xs) => `${fmt(quantile(xs, 0.5))} [${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))}]`;

/**
 * Per sampler, its default against the same sampler with failedTrials "ignore", seed by seed:
 * printed, and kept for the summary. `results[arm]` holds each seed's `{ end, failed }`.
 */
function compareWithIgnore(label, results) {
  for (const [mine, reference] of [
    ["gp", "gp-ignore"],
    ["tpe", "tpe-ignore"],
    ["turbo-count", "turbo-ignore"],
    ["turbo-impute", "turbo-ignore"],
  ]) {
    if (!results[mine] || !results[reference]) continue;
    const a = results[mine].map((x) => x.end);
    const b = results[reference].map((x) => x.end);
    const wins = a.filter((v, i) => v < b[i]).length;
    const ties = a.filter((v, i) => v === b[i]).length;
    const ratio = quantile(b, 0.5) === 0 ? (quantile(a, 0.5) === 0 ? 1 : Infinity) : quantile(a, 0.5) / quantile(b, 0.5);
    const failedRatio = quantile(results[mine].map((x) => x.failed), 0.5) / Math.max(1, quantile(results[reference].map((x) => x.failed), 0.5));
    const line = `${label}: ${mine} ÷ ${reference}: median regret ratio ${fmt(ratio)}, seeds won/tied/lost ${wins}/${ties}/${seeds - wins - ties}, failed trials ratio ${failedRatio.toFixed(2)}`;
    console.log(`  ${line}`);
    summary.push(line);
  }
}

const started = Date.now();
console.log(`Failed trials: ${trials} trials × ${seeds} seeds per arm; regret of the best complete trial, median [quartiles]`);
const summary = [];
for (const [name, dimension] of FUNCTIONS) {
  for (const kind of KINDS) {
    const label = `${name}-${dimension}d ${kind}`;
    if (args.only && !args.only.split(",").every((part) => label.includes(part))) continue;
    const results = {};
    for (const arm of arms) {
      results[arm] = [];
      for (let seed = 1; seed <= seeds; seed++) {
        const problem = { dimension, ...instance(name, dimension, kind, seed) };
        results[arm].push(await run(problem, arm, seed));
      }
    }
    console.log(`\n${label}`);
    for (const arm of arms) {
      const r = results[arm];
      const failed = r.map((x) => x.failed);
      console.log(
        `  ${arm.padEnd(11)} after ${Math.ceil(trials / 2)}: ${spread(r.map((x) => x.half)).padEnd(32)} after ${trials}: ${spread(r.map((x) => x.end)).padEnd(32)} failed ${quantile(failed, 0.5)} [${Math.min(...failed)}–${Math.max(...failed)}]`,
      );
    }
    compareWithIgnore(label, results);
  }
}
// A training run that runs out of memory: batch × width above 64 × 512 fails, and the best
// settings without that limit (batch 128, width 512) lie beyond it, so the best feasible ones lie
// on the diagonal edge of the failing region, which no single coordinate describes.
if (!args.only) {
  const MEMORY = 64 * 512;
  const lossOf = (lr, batch, width) => (Math.log10(lr) + 2.5) ** 2 + 0.3 * (Math.log2(batch) - 7) ** 2 + 0.2 * (Math.log2(width) - 9) ** 2;
  let floor = Infinity;
  for (let batch = 8; batch <= 1024; batch++) for (let width = 32; width <= 2048 && batch * width <= MEMORY; width++) floor = Math.min(floor, lossOf(10 ** -2.5, batch, width));
  const memoryTrials = Math.min(trials, 40);
  console.log(`\nout of memory: lr (log), batch 8–1024 and width 32–2048 (log ints), failing where batch × width > ${MEMORY}; ${memoryTrials} trials × ${seeds} seeds`);
  const results = {};
  for (const arm of arms) {
    results[arm] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const study = await createStudy({ sampler: makeSampler(arm, seed) });
      await study.optimize(
        (trial) => {
          const lr = trial.suggestFloat("lr", 1e-5, 1e-1, { log: true });
          const batch = trial.suggestInt("batch", 8, 1024, { log: true });
          const width = trial.suggestInt("width", 32, 2048, { log: true });
          if (batch * width > MEMORY) throw new Error("out of memory");
          return lossOf(lr, batch, width);
        },
        { nTrials: memoryTrials },
      );
      const values = study.trials.flatMap((t) => (t.state === "complete" ? [t.values[0]] : []));
      results[arm].push({ end: values.length === 0 ? Infinity : Math.max(0, Math.min(...values) - floor), failed: study.trials.filter((t) => t.state === "failed").length });
    }
    const failed = results[arm].map((r) => r.failed);
    console.log(`  ${arm.padEnd(11)} regret after ${memoryTrials}: ${spread(results[arm].map((r) => r.end)).padEnd(32)} failed ${quantile(failed, 0.5)} [${Math.min(...failed)}–${Math.max(...failed)}]`);
  }
  compareWithIgnore("out of memory", results);
}
// Two objectives: ZDT1 failing where x1 > 0.7 and, added with MOTPE's failure model, ZDT2 failing
// where x1 < 0.3; each sampler's default against its "ignore" twin.
const MULTI_OBJECTIVE = [
  ["ZDT1-3d, failing where x1 > 0.7", (x) => x[0] > 0.7, (f1, g) => g * (1 - Math.sqrt(f1 / g))],
  ["ZDT2-3d, failing where x1 < 0.3", (x) => x[0] < 0.3, (f1, g) => g * (1 - (f1 / g) ** 2)],
];
for (const [label, fails, h] of args.only ? [] : MULTI_OBJECTIVE) {
  const pairs = [
    ["gp", "gp-ignore"],
    ["tpe", "tpe-ignore"],
  ].filter(([mine, reference]) => arms.includes(mine) && arms.includes(reference));
  if (pairs.length === 0) continue;
  console.log(`\n${label}, two objectives; ${trials} trials × ${seeds} seeds`);
  const results = {};
  for (const arm of pairs.flat()) {
    results[arm] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const study = await createStudy({ sampler: makeSampler(arm, seed), directions: ["minimize", "minimize"] });
      await study.optimize(
        (trial) => {
          const x = [0, 1, 2].map((i) => trial.suggestFloat(`x${i + 1}`, 0, 1));
          if (fails(x)) throw new Error("the objective failed");
          const g = 1 + (9 * (x[1] + x[2])) / 2;
          return [x[0], h(x[0], g)];
        },
        { nTrials: trials },
      );
      const front = study.trials.filter((t) => t.state === "complete").map((t) => t.values);
      results[arm].push({ late: study.trials.slice(-30).filter((t) => t.state === "failed").length, volume: hypervolume(front, [1.1, 11]) });
    }
    const late = results[arm].map((r) => r.late);
    const volumes = results[arm].map((r) => r.volume);
    console.log(
      `  ${arm.padEnd(11)} failed among the last 30: ${quantile(late, 0.5)} [${Math.min(...late)}–${Math.max(...late)}]   hypervolume ${quantile(volumes, 0.5).toFixed(4)} [${quantile(volumes, 0.25).toFixed(4)}–${quantile(volumes, 0.75).toFixed(4)}]`,
    );
  }
  for (const [mine, reference] of pairs) {
    const higher = results[mine].filter((r, i) => r.volume > results[reference][i].volume).length;
    const lower = results[mine].filter((r, i) => r.volume < results[reference][i].volume).length;
    const lateRatio = quantile(results[mine].map((r) => r.late), 0.5) / Math.max(1, quantile(results[reference].map((r) => r.late), 0.5));
    const line = `${label.split(",")[0]} region, two objectives: ${mine} ÷ ${reference}: hypervolume higher on ${higher}, lower on ${lower} of ${seeds} seeds, failed trials among the last 30 ratio ${lateRatio.toFixed(2)}`;
    console.log(`  ${line}`);
    summary.push(line);
  }
}
console.log(`\nSummary (default ÷ failures ignored, same run; ratio < 1 is better):`);
for (const line of summary) console.log(`  ${line}`);
console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s`);
