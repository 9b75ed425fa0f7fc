#!/usr/bin/env node
// Regret against wall-clock with several workers (issue 12): a discrete-event simulation, on a
// virtual clock (nothing sleeps), of J workers sharing one study through ask/tell. Each evaluation
// takes a run time drawn from a log-normal distribution (median 1 time unit, σ = 0.5 in log space)
// scaled by 0.5 + u, u the unit-cube position of the problem's first parameter (as training time
// grows with a size parameter). When a worker finishes it tells its value and asks again at once;
// the sampler's own compute time is not on the clock (the evaluations are taken to be long).
//
// Methods (all the GP sampler, otherwise default):
//   kb   kriging believer (pendingStrategy=kriging-believer), with today's default acquisition (MACE on
//        evidence-warped outputs)
//   ei   the GP before MACE became the default: log EI, no output warping, kriging believer
//   lp   local penalization (González et al. 2016; pendingStrategy=local-penalization)
//   hlp  hard local penalization (Alvi et al. 2019; pendingStrategy=hard-local-penalization)
//   mace HEBO's MACE acquisition (acquisition=mace) with the kriging believer
//   mace-lp MACE with local penalization
// With J = 1 nothing is ever pending, so kb, lp and hlp are the same run; it is run once, under kb
// (and mace-lp's under mace). Runs are deterministic, so --reuse a.json,b.json takes the runs a
// previous --json file holds (same problems, seeds, budget) instead of repeating them.
//
// Printed, per J and method, over problems × seeds:
//   - regret at wall-clock budgets W/4, W/2, W as a ratio to J=1 kb's final regret (same problem and
//     seed): median [quartiles];
//   - wall-clock to reach J=1 kb's final regret, as a share of W (median [quartiles]; "never" counts as ∞);
//   - against kb at the same J, at W: wins/ties/losses (tie within 1% relative or both below 1e-8)
//     and the geometric mean of the regret ratio method / kb.
// and a per-problem table of median final regrets.
//
// Usage: npm run build && nice -n 10 node bench/parallel.mjs [--suite dev|test] [--problems a,b]
//        [--seeds 5] [--budget 20] [--jobs 1,4,8] [--methods kb,lp,mace] [--max-dim 10] [--json out.json]
//        [--reuse earlier.json]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, GPSampler, Rng, encodeValue } = await import(join(root, "dist/index.js"));
const { createLabProblem, suggestProblemParams } = await import(join(root, "dist/bench/problems/index.js"));
const { SUITES, quantile: labQuantile } = await import(join(root, "dist/bench/lab/index.js"));

const { values: args } = parseArgs({
  options: {
    suite: { type: "string", default: "dev" },
    problems: { type: "string" },
    seeds: { type: "string", default: "5" },
    "first-seed": { type: "string", default: "0" },
    budget: { type: "string", default: "20" },
    jobs: { type: "string", default: "1,4,8" },
    methods: { type: "string", default: "kb,lp" },
    "max-dim": { type: "string", default: "10" },
    json: { type: "string" },
    reuse: { type: "string" },
  },
});
const log = (m) => process.stderr.write(`${m}\n`);
const METHODS = {
  kb: { pendingStrategy: "kriging-believer" },
  lp: { pendingStrategy: "local-penalization" },
  hlp: { pendingStrategy: "hard-local-penalization" },
  ei: { acquisition: "log-ei", outputWarping: "none" },
  mace: { acquisition: "mace" },
  "mace-lp": { acquisition: "mace", pendingStrategy: "local-penalization" },
};
const methods = args.methods.split(",");
for (const m of methods) if (!(m in METHODS)) throw new Error(`--methods: unknown method ${m} (known: ${Object.keys(METHODS).join(", ")})`);
if (!methods.includes("kb")) methods.unshift("kb");
const jobsList = args.jobs.split(",").map(Number);
if (!jobsList.includes(1)) jobsList.unshift(1);
const seeds = Array.from({ length: Number(args.seeds) }, (_, k) => Number(args["first-seed"]) + k);
const budget = Number(args.budget);
const maxDim = Number(args["max-dim"]);

// Synthetic problems of the suite up to --max-dim dimensions (YAHPO surrogates need Python; 20-D and
// more would spend the run on GP fits of hundreds of points).
const candidates = args.problems ? args.problems.split(",") : SUITES[args.suite];
if (!candidates) throw new Error(`--suite: unknown suite ${args.suite}`);
const problems = candidates.filter((name) => {
  if (name.startsWith("yahpo-")) return false;
  const problem = createLabProblem(name, { seed: 0 });
  return problem.dimension <= maxDim && typeof problem.evaluateNoiseless === "function" && !("fidelity" in problem && problem.fidelity) && !("objectives" in problem);
});
log(`problems (${args.suite}, ≤ ${maxDim}-D): ${problems.join(", ")}`);

/** The run time of one evaluation: log-normal, scaled by the first parameter's position in its range. */
function runTime(problem, params, seed, number) {
  const rng = new Rng(seed * 1_000_003 + number + 17);
  const [name, distribution] = Object.entries(problem.space)[0];
  let u = 0.5;
  if (distribution.type !== "categorical" && typeof params[name] === "number") u = encodeValue(distribution, params[name]);
  return Math.exp(0.5 * rng.normal()) * (0.5 + u);
}

/** One simulated run: the incumbent's noiseless regret as a step function of virtual time, up to `budget`. */
async function simulate(problemName, seed, jobs, method) {
  const problem = createLabProblem(problemName, { seed });
  const study = await createStudy({ sampler: new GPSampler({ seed, ...METHODS[method] }), direction: "minimize" });
  const running = [];
  let now = 0;
  let best = Infinity;
  const steps = []; // [time, regret] after each improvement
  const start = async () => {
    const trial = await study.ask();
    const params = suggestProblemParams(problem, trial);
    const value = await problem.evaluate(params);
    running.push({ trial, params, value, end: now + runTime(problem, params, seed, trial.number) });
  };
  for (let w = 0; w < jobs; w++) await start();
  let told = 0;
  while (running.length > 0) {
    running.sort((a, b) => a.end - b.end || a.trial.number - b.trial.number);
    const next = running.shift();
    if (next.end > budget) break;
    now = next.end;
    await study.tell(next.trial, next.value);
    told++;
    if (next.value < best) {
      best = next.value;
      steps.push([now, (await problem.evaluateNoiseless(next.params)) - problem.optimum]);
    }
    await start();
  }
  await study.close();
  return { steps, trials: told };
}

const regretAt = (steps, t) => {
  let regret = Infinity;
  for (const [time, r] of steps) if (time <= t) regret = r;
  return regret;
};
const timeToReach = (steps, target) => {
  for (const [time, r] of steps) if (r <= target) return time;
  return Infinity;
};
// Infinite entries ("never reached") are held as the largest finite number, so interpolation stays defined.
const quantile = (values, q) => labQuantile(values.map((v) => Math.min(v, Number.MAX_VALUE)), q);
const fmt = (v) => (v >= Number.MAX_VALUE ? "∞" : Number.isNaN(v) ? "-" : Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
const spread = (values) => `${fmt(quantile(values, 0.5))} [${fmt(quantile(values, 0.25))}, ${fmt(quantile(values, 0.75))}]`;
const FLOOR = 1e-8;

/** The run that stands for (J, method): with one worker nothing is pending, so the pending strategy does not matter. */
const alias = (jobs, method) => (jobs > 1 ? method : method === "lp" || method === "hlp" ? "kb" : method === "mace-lp" ? "mace" : method);
const reused = {};
for (const file of args.reuse ? args.reuse.split(",") : []) {
  const earlier = JSON.parse(readFileSync(file, "utf8"));
  if (earlier.budget !== budget) throw new Error(`--reuse ${file}: budget ${earlier.budget}, not ${budget}`);
  for (const [problem, bySeed] of Object.entries(earlier.results)) {
    for (const [seed, runs] of Object.entries(bySeed)) Object.assign(((reused[problem] ??= {})[seed] ??= {}), runs);
  }
}
const results = {}; // results[problem][seed][`${jobs}:${method}`] = { steps, trials }
const started = Date.now();
for (const problem of problems) {
  results[problem] = {};
  for (const seed of seeds) {
    results[problem][seed] = {};
    for (const jobs of jobsList) {
      for (const method of methods) {
        if (alias(jobs, method) !== method) continue;
        const earlier = reused[problem]?.[seed]?.[`${jobs}:${method}`];
        if (earlier) {
          results[problem][seed][`${jobs}:${method}`] = earlier;
          continue;
        }
        const t0 = Date.now();
        results[problem][seed][`${jobs}:${method}`] = await simulate(problem, seed, jobs, method);
        log(`${problem} seed ${seed} J=${jobs} ${method}: ${results[problem][seed][`${jobs}:${method}`].trials} trials, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  }
}
const elapsed = (Date.now() - started) / 1000;

const run = (problem, seed, jobs, method) => results[problem][seed][`${jobs}:${alias(jobs, method)}`];
const out = [];
const print = (line = "") => out.push(line);
print(`# Regret against wall-clock with J workers (bench/parallel.mjs)`);
print(`suite ${args.suite}: ${problems.length} problems × ${seeds.length} seeds (${seeds[0]}–${seeds.at(-1)}), wall-clock budget W = ${budget} time units (median run time 1, log-normal σ 0.5 × (0.5 + u₀)); ${elapsed.toFixed(0)} s`);
print();
print(`Regret ratio to J=1 kb's final regret (same problem, seed), median [quartiles] over problem × seed; time to reach J=1's final regret as a share of W;`);
print(`vs kb at the same J at W: wins/ties/losses (tie: within 1% or both < ${FLOOR}), geometric-mean regret ratio method/kb.`);
print();
print(`| J | method | trials (median) | at W/4 | at W/2 | at W | time to J=1 final | vs kb W/T/L | geo-mean vs kb |`);
print(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const jobs of jobsList) {
  for (const method of methods) {
    if (alias(jobs, method) !== method) continue;
    const ratios = { 0.25: [], 0.5: [], 1: [] };
    const times = [];
    const trials = [];
    let wins = 0, ties = 0, losses = 0;
    let logSum = 0, logCount = 0;
    for (const problem of problems) {
      for (const seed of seeds) {
        const reference = Math.max(regretAt(run(problem, seed, 1, "kb").steps, budget), FLOOR);
        const mine = run(problem, seed, jobs, method);
        trials.push(mine.trials);
        for (const share of [0.25, 0.5, 1]) ratios[share].push(Math.max(regretAt(mine.steps, share * budget), FLOOR) / reference);
        times.push(timeToReach(mine.steps, reference) / budget);
        const a = Math.max(regretAt(mine.steps, budget), FLOOR);
        const b = Math.max(regretAt(run(problem, seed, jobs, "kb").steps, budget), FLOOR);
        if ((a <= FLOOR && b <= FLOOR) || Math.abs(a - b) <= 0.01 * Math.max(a, b)) ties++;
        else if (a < b) wins++;
        else losses++;
        if (Number.isFinite(a) && Number.isFinite(b)) {
          logSum += Math.log(a / b);
          logCount++;
        }
      }
    }
    const versus = method === "kb" ? "-" : `${wins}/${ties}/${losses}`;
    const geo = method === "kb" ? "-" : fmt(Math.exp(logSum / Math.max(1, logCount)));
    print(`| ${jobs} | ${method} | ${quantile(trials, 0.5)} | ${spread(ratios[0.25])} | ${spread(ratios[0.5])} | ${spread(ratios[1])} | ${spread(times)} | ${versus} | ${geo} |`);
  }
}
print();
print(`Median final regret (at W) per problem:`);
const columns = [];
for (const jobs of jobsList) for (const method of methods) if (alias(jobs, method) === method) columns.push([jobs, method]);
print(`| problem | ${columns.map(([j, m]) => `J=${j} ${m}`).join(" | ")} |`);
print(`| --- | ${columns.map(() => "---").join(" | ")} |`);
for (const problem of problems) {
  const cells = columns.map(([jobs, method]) => fmt(quantile(seeds.map((seed) => regretAt(run(problem, seed, jobs, method).steps, budget)), 0.5)));
  print(`| ${problem} | ${cells.join(" | ")} |`);
}
console.log(out.join("\n"));
if (args.json) writeFileSync(args.json, JSON.stringify({ args, problems, seeds, budget, results }, null, 1));
