#!/usr/bin/env node
// Issue 12, high dimensions: TuRBO against the GP, `auto` (TPE beyond 24 dimensions, the GP up to it)
// and any other optimizer, on the lab's "20 or more dimensions" problems of one side of the dev/test
// split. Runs through the lab's runner (resumable: rerun into the same --out to continue), then prints
// per problem the median [quartiles] of the final regret at each budget, and for every optimizer
// against the first one (the reference, `turbo` by default) wins/ties/losses over (problem, seed)
// pairs and the geometric mean of the regret ratios, measured in the same run. Defaults are chosen
// on --split dev and reported on --split test.
//
// Usage: npm run build && nice -n 10 node bench/high-dimensional.mjs --split dev --seeds 5 --trials 100 \
//          [--budgets 30,100] [--optimizers turbo,auto,gp] [--only-dims 20] [--out /tmp/hd-dev] [--jobs 1]
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const lab = await import(join(root, "dist/bench/lab/index.js"));
// A curve entry read through curveRegret: floored, and Infinity before the run's first finished trial.
const { regretAt } = await import(join(root, "dist/bench/lab/summary.js"));
const { createLabProblem } = await import(join(root, "dist/bench/problems/index.js"));

const { values: args } = parseArgs({
  options: {
    split: { type: "string", default: "dev" },
    seeds: { type: "string", default: "5" },
    trials: { type: "string", default: "100" },
    budgets: { type: "string" },
    optimizers: { type: "string", default: "turbo,auto,gp" },
    problems: { type: "string" },
    out: { type: "string" },
    jobs: { type: "string", default: "1" },
  },
});
const trials = Number(args.trials);
const budgets = (args.budgets ?? `30,${trials}`).split(",").map(Number).filter((b) => b <= trials);
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const optimizers = args.optimizers.split(",");
const problems = args.problems
  ? args.problems.split(",")
  : lab.SUITES[args.split].filter((name) => lab.problemGroups(name).includes("20 or more dimensions"));
const outDir = args.out ?? `/tmp/high-dimensional-${args.split}-${trials}`;
const log = (m) => process.stderr.write(`${m}\n`);

log(`${args.split}: ${problems.join(", ")}; ${optimizers.join(", ")}; ${trials} trials x ${seeds.length} seeds -> ${outDir}`);
await lab.runBenchmark({
  problems,
  optimizers,
  trials,
  seeds,
  outDir,
  jobs: Number(args.jobs),
  onProgress: (p) => p.last && log(`  ${p.done}/${p.total} ${p.last.problem} ${p.last.optimizer} seed ${p.last.seed}${p.last.error ? ` ERROR ${p.last.error}` : ""}`),
});

const results = lab.readResults(outDir).filter((r) => r.trials === trials && problems.includes(r.problem) && optimizers.includes(r.optimizer) && seeds.includes(r.seed));
const fmt = (v) => (v === Infinity ? "∞" : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));
const lines = [`High dimensions (issue 12), ${args.split} split, ${seeds.length} seeds, final regret median [q1, q3]`];
for (const budget of budgets) {
  lines.push("", `At ${budget} trials:`, ["problem", ...optimizers].join(" | "));
  for (const problem of problems) {
    const cells = optimizers.map((o) => {
      const values = results.filter((r) => r.problem === problem && r.optimizer === o).map((r) => regretAt(r, budget));
      return values.length === 0 ? "-" : `${fmt(lab.quantile(values, 0.5))} [${fmt(lab.quantile(values, 0.25))}, ${fmt(lab.quantile(values, 0.75))}] (${values.length})`;
    });
    lines.push([`${problem} (${createLabProblem(problem).dimension ?? "?"}-D)`, ...cells].join(" | "));
  }
  const reference = optimizers[0];
  for (const other of optimizers.slice(1)) {
    let wins = 0;
    let ties = 0;
    let losses = 0;
    let logSum = 0;
    let pairs = 0;
    let unrated = 0;
    const perProblem = [];
    for (const problem of problems) {
      let w = 0;
      let l = 0;
      for (const seed of seeds) {
        const a = results.find((r) => r.problem === problem && r.optimizer === reference && r.seed === seed);
        const b = results.find((r) => r.problem === problem && r.optimizer === other && r.seed === seed);
        if (!a || !b) continue;
        const ra = regretAt(a, budget);
        const rb = regretAt(b, budget);
        // A run with no incumbent yet (∞) loses to one with, and ties with another without.
        if (ra === rb || (Number.isFinite(ra) && Number.isFinite(rb) && Math.abs(ra - rb) <= 1e-9 * Math.max(ra, rb))) ties++;
        else if (ra < rb) (wins++, w++);
        else (losses++, l++);
        pairs++;
        // A ratio to ∞ says nothing about by how much: such pairs count in wins and losses only.
        if (ra === Infinity || rb === Infinity) unrated++;
        else logSum += Math.log(ra / rb);
      }
      perProblem.push(`${problem} ${w}-${l}`);
    }
    lines.push(
      `  ${reference} vs ${other}: wins-ties-losses ${wins}-${ties}-${losses} over ${pairs} (problem, seed) pairs;` +
        ` geometric-mean regret ratio ${pairs > unrated ? Math.exp(logSum / (pairs - unrated)).toFixed(3) : "-"}x` +
        (unrated ? ` (${unrated} pairs with no incumbent yet on a side left out)` : "") +
        ` (per problem won-lost: ${perProblem.join(", ")})`,
    );
  }
}
console.log(lines.join("\n"));
