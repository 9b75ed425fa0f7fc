#!/usr/bin/env node
// Re-scores a two-seed lab page (docs/benchmarks.json) with one optimizer's runs on some problems
// replaced by new lab runs, without rerunning everything: the way `auto`'s three 50-D test problems
// were updated when `auto` moved to TuRBO above 24 dimensions (issue 12).
//
// The page keeps each (problem, optimizer, budget)'s median and quartiles, not its runs. With two
// seeds those determine the runs exactly: for runs a ≤ b, the median is (a + b)/2 and q75 − q25 is
// (b − a)/2, so the runs are median ∓ (q75 − q25). Each run is rebuilt as a curve that takes those
// values at the page's budgets, and the lab's own report (`buildReport`) scores the lot, with the
// new runs in place of the replaced ones. Before trusting it: `--check` re-scores the page with
// nothing replaced and reports the largest difference from its published figures (expected: rounding).
//
// Printed: per budget, the replaced optimizer's mean normalized score and average rank (before →
// after) beside each reference; its wins, ties and losses against each reference by median regret
// over the problems; and the same ranks within each of the page's groups, with the Nemenyi CD.
//
// Usage: npm run build && node bench/lab-splice.mjs --runs DIR [--page docs/benchmarks.json]
//        [--optimizer auto] [--references optuna-tpe,optuna-tpe-mv] [--check]
//        DIR is a `sextant bench run --out DIR` of the replaced optimizer on the replaced problems,
//        same trials and seeds as the page, e.g.
//        sextant bench run --suite levy-50d,schwefel-50d,dixon_price-50d --optimizers auto --trials 300 --seeds 2 --out DIR
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { buildReport } = await import(join(root, "dist/bench/lab/report.js"));

const { values: args } = parseArgs({
  options: {
    runs: { type: "string" },
    page: { type: "string", default: join(root, "docs/benchmarks.json") },
    optimizer: { type: "string", default: "auto" },
    references: { type: "string", default: "optuna-tpe,optuna-tpe-mv" },
    check: { type: "boolean", default: false },
  },
});
if (!args.runs && !args.check) throw new Error("--runs DIR (a lab run of the replaced optimizer) is needed, or --check");

const page = JSON.parse(readFileSync(args.page, "utf8"));
const { settings, budgets } = page;
if (settings.seeds.length !== 2) throw new Error(`${args.page}: the page has ${settings.seeds.length} seeds; runs are recoverable from quartiles only with two`);
const summary = new Map(page.perProblem.map((r) => [`${r.problem}|${r.optimizer}|${r.budget}`, r]));

/** A curve of `trials` values that reads `values[i]` at budget i (from the budget before it on). */
const curveThrough = (values) =>
  Array.from({ length: settings.trials }, (_, t) => values[budgets.findIndex((b) => t < b)] ?? values[values.length - 1]);

const replaced = args.runs
  ? readFileSync(join(args.runs, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((r) => r.optimizer === args.optimizer && r.trials === settings.trials)
  : [];
const replacedProblems = new Set(replaced.map((r) => r.problem));
for (const problem of replacedProblems) {
  const seeds = replaced.filter((r) => r.problem === problem).map((r) => r.seed).sort();
  if (seeds.join() !== [...settings.seeds].sort().join()) throw new Error(`${args.runs}: ${problem} has seeds ${seeds} where the page has ${settings.seeds}`);
}

const pageRuns = (keep) => {
  const runs = [];
  for (const problem of settings.problems) {
    for (const optimizer of settings.optimizers) {
      if (!keep(problem, optimizer)) continue;
      const [low, high] = [-1, 1].map((side) =>
        budgets.map((b) => {
          const r = summary.get(`${problem}|${optimizer}|${b}`);
          // The report writes ∞ (a run with no incumbent yet) as "Infinity". With two seeds such a
          // run makes the median and both quartiles ∞, whatever the other run: neither is recoverable.
          if (![r.median, r.q25, r.q75].every(Number.isFinite)) {
            throw new Error(`${args.page}: ${problem}, ${optimizer} at ${b} trials has median ${r.median} [${r.q25}, ${r.q75}]: a run had no incumbent yet there, so the runs cannot be recovered from the page`);
          }
          return r.median + side * (r.q75 - r.q25);
        }),
      );
      for (const [k, values] of [low, high].entries()) {
        runs.push({ problem, optimizer, seed: settings.seeds[k], trials: settings.trials, curve: curveThrough(values), bestValue: values[values.length - 1], seconds: 0, optimizerSeconds: 0 });
      }
    }
  }
  return runs;
};

const before = buildReport(pageRuns(() => true), settings, budgets, "page");
if (args.check) {
  let worst = 0;
  for (const [i, c] of before.comparisons.entries()) {
    for (const o of c.optimizers) {
      const published = page.comparisons[i].optimizers.find((x) => x.optimizer === o.optimizer);
      worst = Math.max(worst, Math.abs(o.meanScore - published.meanScore), Math.abs(o.averageRank - published.averageRank));
    }
  }
  console.log(`re-scored page against its published scores and ranks: largest difference ${worst.toExponential(2)}`);
  if (!args.runs) process.exit(0);
}
const atBudgets = (r) => ({ ...r, curve: curveThrough(budgets.map((b) => r.curve[Math.min(b, r.curve.length) - 1])) });
const after = buildReport(
  [...pageRuns((problem, optimizer) => !(optimizer === args.optimizer && replacedProblems.has(problem))), ...replaced.map(atBudgets)],
  settings,
  budgets,
  "spliced",
);

const who = args.optimizer;
const references = args.references.split(",");
const entry = (c, o) => c.optimizers.find((x) => x.optimizer === o);
const f = (v) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
console.log(`${who}'s runs replaced on ${[...replacedProblems].join(", ")} (${replaced.length} runs from ${args.runs})\n`);
for (const [i, c] of after.comparisons.entries()) {
  const was = entry(before.comparisons[i], who);
  const now = entry(c, who);
  const refs = references.map((r) => `${r} ${f(entry(c, r).meanScore)} / ${entry(c, r).averageRank.toFixed(2)}`).join("; ");
  console.log(`${c.budget} trials: ${who} mean normalized score ${f(was.meanScore)} → ${f(now.meanScore)}, average rank ${was.averageRank.toFixed(2)} → ${now.averageRank.toFixed(2)} (${refs}; CD ${f(c.friedman?.criticalDifference)})`);
  const medians = new Map(after.perProblem.filter((r) => r.budget === c.budget).map((r) => [`${r.problem}|${r.optimizer}`, r.median]));
  for (const ref of references) {
    const lost = settings.problems.filter((p) => medians.get(`${p}|${who}`) > medians.get(`${p}|${ref}`));
    const tied = settings.problems.filter((p) => medians.get(`${p}|${who}`) === medians.get(`${p}|${ref}`));
    const won = settings.problems.length - lost.length - tied.length;
    console.log(`  against ${ref}: lower median on ${won}/${settings.problems.length} problems, ${tied.length} tied; lost: ${lost.join(", ") || "none"}`);
  }
}
console.log("\nwithin each group (average rank of the replaced optimizer and the references; Nemenyi CD):");
for (const group of after.groups) {
  const ranks = group.comparisons.map((c) => `${c.budget}: ${[who, ...references].map((o) => `${o} ${entry(c, o).averageRank.toFixed(2)}`).join(", ")} (CD ${f(c.friedman?.criticalDifference)})`);
  console.log(`  ${group.group} (${group.problems.length} problems) ${ranks.join(" | ")}`);
}
