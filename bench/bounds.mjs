#!/usr/bin/env node
// How often the GP's proposals sit on a bound of the box, and whether those proposals win, on the
// lab's problems (issue 12, "Boundaries": reduce bound proposals where that does not help). For each
// configuration, problem and seed it runs the study through the public API (as `sextant bench run`
// does) and prints, per problem:
//
//   - the share of model proposals (after the startup design) with a parameter on a bound, and per
//     parameter the largest such share;
//   - the share of the incumbent's improvements made by a bound proposal ("wins"), next to the share
//     of bound proposals among all model proposals (if bound proposals win as often as the others,
//     the two shares are equal);
//   - whether the final best trial has a parameter on a bound;
//   - the final regret: median and quartiles over seeds; and, for every configuration after the first,
//     wins / ties / losses of its median regret against the first (the reference), problem by problem
//     (a tie: within 5% of each other, or both within 1e-9 of 0; on surrogates regret is measured
//     against a reference value and can be negative, so the difference is printed instead of the ratio).
//
// A parameter is on a bound when its encoded (unit-cube) value is within 1e-9 of 0 or 1; for a
// discrete one, when it takes its lowest or highest value. Categoricals never are.
//
// Usage: npx tsc -p tsconfig.build.json && node bench/bounds.mjs [--suite dev] [--trials 60] [--seeds 5]
//          [--configs "gp;gp:inputWarping=true"] [--max-dimensions 23] [--problems a,b]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createSamplerByName } = await import(join(root, "dist/index.js"));
const { createLabProblem, suggestProblemParams, isFidelityProblem, isMultiObjectiveProblem } = await import(join(root, "dist/bench/problems/index.js"));
const { SUITES, parseOptimizerSpec, parametersOnBound } = await import(join(root, "dist/bench/lab/index.js"));

const { values: args } = parseArgs({
  options: {
    suite: { type: "string", default: "dev" },
    problems: { type: "string" },
    trials: { type: "string", default: "60" },
    seeds: { type: "string", default: "5" },
    "first-seed": { type: "string", default: "0" },
    configs: { type: "string", default: "gp;gp:inputWarping=true" },
    // auto hands over to TPE above 24 dimensions: the GP's bounds matter below.
    "max-dimensions": { type: "string", default: "24" },
  },
});
const trials = Number(args.trials);
const seeds = Array.from({ length: Number(args.seeds) }, (_, k) => Number(args["first-seed"]) + k);
const configs = args.configs.split(";").map((c) => c.trim()).filter(Boolean);
const log = (m) => process.stderr.write(`${m}\n`);

const isModelProposed = (trial) => trial.systemAttrs["gp:theta"] !== undefined && trial.systemAttrs["gp:fallback"] === undefined;

async function runOnce(problemName, config, seed) {
  const problem = await createLabProblem(problemName, { seed });
  const spec = parseOptimizerSpec(config);
  const study = await createStudy({ sampler: createSamplerByName(spec.sampler, { ...spec.options, seed }), direction: "minimize" });
  let best = Infinity;
  let bestParams = null;
  let bestOnBound = false;
  let modelProposals = 0;
  let onBound = 0;
  const perParam = {};
  let improvements = 0;
  let boundImprovements = 0;
  for (let i = 0; i < trials; i++) {
    const trial = await study.ask();
    const params = suggestProblemParams(problem, trial);
    const value = await problem.evaluate(params);
    await study.tell(trial, value);
    const frozen = study.trials.at(-1);
    const model = isModelProposed(frozen);
    const hit = parametersOnBound(problem.space, params);
    const any = Object.values(hit).some(Boolean);
    if (model) {
      modelProposals++;
      if (any) onBound++;
      for (const [name, on] of Object.entries(hit)) perParam[name] = (perParam[name] ?? 0) + (on ? 1 : 0);
    }
    if (value < best) {
      if (model && best < Infinity) {
        improvements++;
        if (any) boundImprovements++;
      }
      best = value;
      bestParams = params;
      bestOnBound = any;
    }
  }
  await study.close();
  const regret = (await problem.evaluateNoiseless(bestParams)) - problem.optimum;
  return { modelProposals, onBound, perParam, improvements, boundImprovements, bestOnBound, regret };
}

const names = args.problems ? args.problems.split(",") : SUITES[args.suite];
const problems = [];
for (const name of names) {
  const problem = await createLabProblem(name, { seed: 0 });
  if (isFidelityProblem?.(problem) || isMultiObjectiveProblem?.(problem)) continue;
  const d = Object.keys(problem.space).length;
  if (d > Number(args["max-dimensions"])) continue;
  problems.push({ name, d });
}

const quantile = (sorted, q) => {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
};
const fmt = (v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toPrecision(3) : v.toExponential(2));
const pct = (a, b) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(0)}%`);

const results = {};
for (const { name, d } of problems) {
  for (const config of configs) {
    const runs = [];
    for (const seed of seeds) {
      const started = Date.now();
      runs.push(await runOnce(name, config, seed));
      log(`${name} (${d}-D) ${config} seed ${seed}: regret ${fmt(runs.at(-1).regret)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    results[`${name}\u0000${config}`] = runs;
  }
}

const lines = [`bench/bounds: ${trials} trials, seeds ${seeds[0]}-${seeds.at(-1)}, problems of suite "${args.suite}" up to ${args["max-dimensions"]} dimensions`, ""];
const totals = Object.fromEntries(configs.map((c) => [c, { proposals: 0, onBound: 0, improvements: 0, boundImprovements: 0, bestOnBound: 0, runs: 0 }]));
const record = Object.fromEntries(configs.slice(1).map((c) => [c, { wins: 0, ties: 0, losses: 0 }]));
for (const config of configs) {
  lines.push(`${config}`);
  lines.push("  problem                          on bound  (largest per param)  improvements by bound proposals  best on bound  regret median [q1, q3]" + (config === configs[0] ? "" : `  vs ${configs[0]}`));
  for (const { name } of problems) {
    const runs = results[`${name}\u0000${config}`];
    const sum = (key) => runs.reduce((s, r) => s + r[key], 0);
    const proposals = sum("modelProposals");
    const perParam = {};
    for (const r of runs) for (const [p, c] of Object.entries(r.perParam)) perParam[p] = (perParam[p] ?? 0) + c;
    const [worstParam, worstCount] = Object.entries(perParam).sort((a, b) => b[1] - a[1])[0] ?? ["-", 0];
    const regrets = runs.map((r) => r.regret).sort((a, b) => a - b);
    let verdict = "";
    if (config !== configs[0]) {
      const reference = results[`${name}\u0000${configs[0]}`].map((r) => r.regret).sort((a, b) => a - b);
      const mine = quantile(regrets, 0.5);
      const theirs = quantile(reference, 0.5);
      // Regret can be negative on surrogates (measured against a reference value the run may beat).
      const tie = (Math.abs(mine) < 1e-9 && Math.abs(theirs) < 1e-9) || Math.abs(mine - theirs) <= 0.05 * Math.max(Math.abs(mine), Math.abs(theirs));
      const outcome = tie ? "ties" : mine < theirs ? "wins" : "losses";
      record[config][outcome]++;
      const comparison = mine > 0 && theirs > 0 ? `${(mine / theirs).toPrecision(3)}x` : `${mine - theirs > 0 ? "+" : ""}${fmt(mine - theirs)}`;
      verdict = `  ${outcome === "wins" ? "win" : outcome === "ties" ? "tie" : "loss"} (${comparison})`;
    }
    const t = totals[config];
    t.proposals += proposals;
    t.onBound += sum("onBound");
    t.improvements += sum("improvements");
    t.boundImprovements += sum("boundImprovements");
    t.bestOnBound += runs.filter((r) => r.bestOnBound).length;
    t.runs += runs.length;
    lines.push(
      `  ${name.padEnd(32)} ${pct(sum("onBound"), proposals).padStart(8)}  ${`(${worstParam} ${pct(worstCount, proposals)})`.padEnd(19)}  ` +
        `${`${sum("boundImprovements")} of ${sum("improvements")} (${pct(sum("boundImprovements"), sum("improvements"))})`.padEnd(31)}  ` +
        `${`${runs.filter((r) => r.bestOnBound).length}/${runs.length}`.padStart(13)}  ${fmt(quantile(regrets, 0.5))} [${fmt(quantile(regrets, 0.25))}, ${fmt(quantile(regrets, 0.75))}]${verdict}`,
    );
  }
  const t = totals[config];
  lines.push(
    `  all: ${pct(t.onBound, t.proposals)} of ${t.proposals} model proposals on a bound; ${pct(t.boundImprovements, t.improvements)} of ${t.improvements} improvements by a bound proposal; best on a bound in ${t.bestOnBound}/${t.runs} runs` +
      (config === configs[0] ? "" : `; median regret vs ${configs[0]}: ${record[config].wins} wins, ${record[config].ties} ties, ${record[config].losses} losses`),
    "",
  );
}
console.log(lines.join("\n"));
