#!/usr/bin/env node
// Importance benchmark: Sextant's fANOVA and PED-ANOVA against Optuna 3.1's fANOVA and
// mean-decrease-impurity evaluators (3.1 has no PED-ANOVA), on the same trials, in the same run.
//
// The trials come from f = 4·x1 + 2·sin(2π·x2) + bonus(c) + 0·x3 with independent uniform inputs
// and bonus(red, green, blue) = (0, 1, 2), whose variance fractions are known: x1 1/3, x2 1/2,
// c 1/6, x3 0. Each size is timed for Sextant and then at once for Optuna, so machine load hits
// both alike; times are printed side by side with their ratio, and each method's importances
// next to the truth. Optuna's fANOVA gets a time budget; past it, the ratio is a lower bound and
// larger sizes are not tried. PED-ANOVA measures something else (how the best 10% differ), so it
// is also checked on max(x1, 4·x2), whose best region is a box with a closed-form answer.
//
// Usage: npm run bench:importance -- [--sizes 1000,10000,100000] [--budget 300] [--seed 1] [--skip-optuna]
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { importance, makeTrial, Rng } = await import(join(root, "dist/index.js"));

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,100000" },
    budget: { type: "string", default: "300" },
    seed: { type: "string", default: "1" },
    "skip-optuna": { type: "boolean", default: false },
  },
});
const sizes = args.sizes.split(",").map(Number);
const budget = Number(args.budget);
const seed = Number(args.seed);

const unit = { type: "float", low: 0, high: 1 };
const colour = { type: "categorical", choices: ["red", "green", "blue"] };
const space = { x1: unit, x2: unit, x3: unit, c: colour };
const TRUTH = { x1: 1 / 3, x2: 1 / 2, c: 1 / 6, x3: 0 };
const NAMES = ["x1", "x2", "c", "x3"];

function additive(n) {
  const rng = new Rng(seed);
  const columns = { x1: [], x2: [], x3: [], c: [] };
  const values = [];
  const trials = [];
  for (let i = 0; i < n; i++) {
    const x1 = rng.uniform();
    const x2 = rng.uniform();
    const x3 = rng.uniform();
    const c = colour.choices[rng.integer(0, 2)];
    const value = 4 * x1 + 2 * Math.sin(2 * Math.PI * x2) + colour.choices.indexOf(c);
    columns.x1.push(x1);
    columns.x2.push(x2);
    columns.x3.push(x3);
    columns.c.push(c);
    values.push(value);
    trials.push(makeTrial({ number: i, params: { x1, x2, x3, c }, distributions: space, values: [value] }));
  }
  return { trials, columns, values };
}

function timed(fn, repeats) {
  let best = Infinity;
  let result;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    result = fn();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return { seconds: best, result };
}

const shares = (result) => Object.fromEntries(result.params.map((p) => [p.name, p.importance]));
const fmtShares = (s) => (s ? NAMES.map((name) => `${name} ${s[name].toFixed(3)}`).join("  ") : "(not measured)");
const maxError = (s) => Math.max(...NAMES.map((name) => Math.abs(s[name] - TRUTH[name])));
const fmtTime = (s) => (s === null ? `>${budget}s` : s < 1 ? `${(s * 1000).toFixed(0)}ms` : `${s.toFixed(2)}s`);

function optuna(columns, values, evaluators) {
  if (args["skip-optuna"] || evaluators.length === 0) return {};
  const run = spawnSync("/usr/bin/python3", [join(root, "bench/importance.py")], {
    input: JSON.stringify({ trials: columns, values, space, evaluators, budget, seed: 0 }),
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) {
    process.stderr.write(`Optuna reference failed (is Debian's python3-optuna with python3-sklearn installed?): ${run.stderr.slice(-500)}\n`);
    return {};
  }
  return JSON.parse(run.stdout);
}

console.log(`truth (variance fractions): ${fmtShares(TRUTH)}`);
console.log("");
let optunaFanovaOverBudget = false;
for (const n of sizes) {
  const { trials, columns, values } = additive(n);
  const repeats = n <= 10_000 ? 3 : 1;
  const fanova = timed(() => importance(trials, { method: "fanova", seed: 0 }), repeats);
  const ped = timed(() => importance(trials, { method: "ped-anova" }), repeats);
  const wanted = [...(optunaFanovaOverBudget ? [] : ["fanova"]), "mdi"];
  const reference = optuna(columns, values, wanted);
  const refFanova = reference.fanova;
  const refMdi = reference.mdi;
  console.log(`n = ${n}`);
  const ratio = (ours, theirs) => (theirs === undefined ? "" : theirs === null ? `ratio > ${(budget / ours).toFixed(0)}x (Optuna over budget)` : `ratio ${(theirs / ours).toFixed(1)}x`);
  console.log(
    `  time   Sextant fANOVA ${fmtTime(fanova.seconds)} | Optuna fANOVA ${refFanova ? fmtTime(refFanova.seconds) : optunaFanovaOverBudget ? "skipped (over budget at a smaller n)" : "-"}  ${refFanova ? ratio(fanova.seconds, refFanova.seconds) : ""}`,
  );
  console.log(`  time   Sextant PED-ANOVA ${fmtTime(ped.seconds)} | Optuna MDI ${refMdi ? fmtTime(refMdi.seconds) : "-"}  ${refMdi ? ratio(ped.seconds, refMdi.seconds) : ""}`);
  console.log(`  time   Sextant fANOVA ${fmtTime(fanova.seconds)} | Optuna MDI ${refMdi ? fmtTime(refMdi.seconds) : "-"}  ${refMdi ? ratio(fanova.seconds, refMdi.seconds) : ""}`);
  const ours = shares(fanova.result);
  console.log(`  shares Sextant fANOVA    ${fmtShares(ours)}   max |error| ${maxError(ours).toFixed(3)}`);
  if (refFanova?.importances) console.log(`  shares Optuna fANOVA     ${fmtShares(refFanova.importances)}   max |error| ${maxError(refFanova.importances).toFixed(3)}`);
  if (refMdi?.importances) console.log(`  shares Optuna MDI        ${fmtShares(refMdi.importances)}   max |error| ${maxError(refMdi.importances).toFixed(3)}`);
  console.log(`  shares Sextant PED-ANOVA ${fmtShares(shares(ped.result))}   (top-10% divergence, not a variance fraction)`);
  if (refFanova && refFanova.seconds === null) optunaFanovaOverBudget = true;
  if (n === sizes[0]) {
    // Spread over forest seeds: how much of the error is the forest's randomness.
    const bySeed = [0, 1, 2, 3, 4].map((s) => shares(importance(trials, { method: "fanova", seed: s })));
    const range = NAMES.map((name) => `${name} ${Math.min(...bySeed.map((b) => b[name])).toFixed(3)}–${Math.max(...bySeed.map((b) => b[name])).toFixed(3)}`).join("  ");
    console.log(`  spread Sextant fANOVA over 5 seeds: ${range}`);
  }
  console.log("");
}

// PED-ANOVA against its own closed form: the best 10% of max(x1, 4·x2) is the box x1 ≤ t,
// x2 ≤ t/4 with t = √0.4, and the Pearson divergence of uniform on [0, w] from uniform on [0, 1]
// is (1 − w)/w.
{
  const n = sizes[sizes.length - 1];
  const rng = new Rng(seed + 1);
  const trials = [];
  for (let i = 0; i < n; i++) {
    const [x1, x2, x3] = [rng.uniform(), rng.uniform(), rng.uniform()];
    trials.push(makeTrial({ number: i, params: { x1, x2, x3 }, distributions: { x1: unit, x2: unit, x3: unit }, values: [Math.max(x1, 4 * x2)] }));
  }
  const t = Math.sqrt(0.4);
  const v1 = (1 - t) / t;
  const v2 = (1 - t / 4) / (t / 4);
  const { seconds, result } = timed(() => importance(trials, { method: "ped-anova" }), 1);
  const got = shares(result);
  console.log(`PED-ANOVA on max(x1, 4·x2), n = ${n}, ${fmtTime(seconds)}`);
  console.log(`  truth   x1 ${(v1 / (v1 + v2)).toFixed(3)}  x2 ${(v2 / (v1 + v2)).toFixed(3)}  x3 0.000`);
  console.log(`  Sextant x1 ${got.x1.toFixed(3)}  x2 ${got.x2.toFixed(3)}  x3 ${got.x3.toFixed(3)}`);
}
