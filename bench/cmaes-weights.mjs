#!/usr/bin/env node
// CMA-ES recombination weights: Sextant's cmaes sampler with the active covariance update
// (negative weights for the worse half, Hansen's tutorial default) against the positive-only
// update it used before (`activeCovariance: false`), beside the reference implementation, the
// `cmaes` package's CMA (bench/cmaes-weights.py; Optuna 3.1's CmaEsSampler), run on the same problems,
// seeds and budgets in the same run. Every variant starts at a seeded random point with σ0 = 1/6 of
// the range and restarts IPOP-style.
//
// Problems come in two sets. The dev set (sphere, ellipsoid of condition 1e6, rosenbrock and
// rastrigin at 3, 8 and 20 dimensions) is where the default was chosen; the test set (discus,
// a rotated ellipsoid of condition 1e4, styblinski-tang and ackley at 5 and 12 dimensions) is
// only reported. Every variable ranges over [-5, 5]; values are regrets f(x) − f*. Prints, per
// problem, the median [25%, 75%] least regret after the budget, the paired wins of active over
// positive-only, and ratios of medians (active/positive, each variant/reference).
//
// The default run (100·d trials, 4 seeds, both sets) takes under 3 minutes with two free cores;
// the README's figures are from `--seeds 10` (about 7 minutes).
//
// Usage: npm run bench:cmaes-weights -- [--set dev,test] [--seeds 4] [--trials-per-dim 100] [--skip-reference]
import { spawn } from "node:child_process";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, CmaEsSampler } = await import(join(root, "dist/index.js"));
const { quantile } = await import(join(root, "dist/bench/lab/index.js"));

const { values: args } = parseArgs({
  options: {
    set: { type: "string", default: "dev,test" },
    seeds: { type: "string", default: "4" },
    "trials-per-dim": { type: "string", default: "100" },
    "skip-reference": { type: "boolean", default: false },
  },
});
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const trialsPerDim = Number(args["trials-per-dim"]);
const log = (m) => process.stderr.write(`${m}\n`);

const offsets = (d) => Array.from({ length: d }, (_, i) => 0.3 * (((i * 7) % 11) - 5));
// A fixed rotation that mixes every coordinate: the product of two Householder reflections.
function rotation(d) {
  const u = Array.from({ length: d }, (_, i) => Math.cos(i + 1));
  const v = Array.from({ length: d }, (_, i) => Math.sin(2 * i + 1));
  const reflect = (w) => {
    const ww = w.reduce((s, t) => s + t * t, 0);
    return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0) - (2 * w[i] * w[j]) / ww));
  };
  const hu = reflect(u);
  const hv = reflect(v);
  return hu.map((row) => Array.from({ length: d }, (_, j) => row.reduce((s, h, k) => s + h * hv[k][j], 0)));
}
const rotations = new Map();
const rotated = (y) => {
  if (!rotations.has(y.length)) rotations.set(y.length, rotation(y.length));
  return rotations.get(y.length).map((row) => row.reduce((s, r, k) => s + r * y[k], 0));
};
const shifted = (x) => {
  const o = offsets(x.length);
  return x.map((t, i) => t - o[i]);
};
// Regrets f(x) − f*; bench/cmaes-weights.py implements the same objectives and the run checks that both agree.
const PROBLEMS = {
  sphere: (x) => shifted(x).reduce((s, t) => s + t * t, 0),
  ellipsoid: (x) => shifted(x).reduce((s, t, i) => s + 1e6 ** (i / (x.length - 1)) * t * t, 0),
  rosenbrock: (x) => {
    let s = 0;
    for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
    return s;
  },
  rastrigin: (x) => 10 * x.length + shifted(x).reduce((s, t) => s + t * t - 10 * Math.cos(2 * Math.PI * t), 0),
  discus: (x) => shifted(x).reduce((s, t, i) => s + (i === 0 ? 1e6 : 1) * t * t, 0),
  "rotated-ellipsoid": (x) => rotated(shifted(x)).reduce((s, t, i) => s + 1e4 ** (i / (x.length - 1)) * t * t, 0),
  "styblinski-tang": (x) => x.reduce((s, t) => s + 0.5 * (t ** 4 - 16 * t * t + 5 * t), 0) + 39.16616570377142 * x.length,
  ackley: (x) => {
    const y = shifted(x);
    const s1 = y.reduce((s, t) => s + t * t, 0) / y.length;
    const s2 = y.reduce((s, t) => s + Math.cos(2 * Math.PI * t), 0) / y.length;
    return -20 * Math.exp(-0.2 * Math.sqrt(s1)) - Math.exp(s2) + 20 + Math.E;
  },
};
const SETS = {
  dev: ["sphere", "ellipsoid", "rosenbrock", "rastrigin"].flatMap((p) => [3, 8, 20].map((d) => [p, d])),
  test: ["discus", "rotated-ellipsoid", "styblinski-tang", "ackley"].flatMap((p) => [5, 12].map((d) => [p, d])),
};
const cases = args.set.split(",").flatMap((set) => (SETS[set] ?? []).map(([problem, d]) => ({ set, problem, d })));

const name = (i) => `x${String(i).padStart(2, "0")}`;
async function runSextant(problem, d, seed, activeCovariance) {
  const study = await createStudy({ sampler: new CmaEsSampler({ seed, activeCovariance }) });
  await study.optimize((t) => PROBLEMS[problem](Array.from({ length: d }, (_, i) => t.suggestFloat(name(i), -5, 5))), { nTrials: trialsPerDim * d });
  return study.bestValue;
}

// The reference runs in its own process while Sextant's variants run here.
let referenceDone = Promise.resolve(null);
const points = [];
const runs = cases.flatMap(({ problem, d }) => seeds.map((seed) => ({ problem, d, seed, trials: trialsPerDim * d })));
if (!args["skip-reference"]) {
  for (const { problem, d } of cases) {
    for (let k = 0; k < 3; k++) points.push({ problem, x: Array.from({ length: d }, (_, i) => -5 + 10 * ((k * 0.37 + i * 0.61) % 1)) });
  }
  const started = Date.now();
  referenceDone = new Promise((done) => {
    const child = spawn("/usr/bin/python3", [join(root, "bench/cmaes-weights.py")], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", (e) => { log(`reference failed to start: ${e.message}`); done(null); });
    child.on("close", (code) => {
      if (code !== 0) {
        log(`reference failed (is python3-cmaes installed?): ${stderr.slice(-500)}`);
        return done(null);
      }
      const out = JSON.parse(stdout);
      points.forEach((p, i) => {
        const mine = PROBLEMS[p.problem](p.x);
        if (Math.abs(mine - out.values[i]) > 1e-9 * Math.max(1, Math.abs(mine))) throw new Error(`${p.problem}: objective differs from the Python half at ${p.x}: ${mine} vs ${out.values[i]}`);
      });
      const byKey = new Map();
      runs.forEach((r, i) => byKey.set(`${r.problem}:${r.d}:${r.seed}`, out.runs[i].best));
      log(`reference CMA: ${runs.length} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      done(byKey);
    });
    child.stdin.end(JSON.stringify({ runs, points }));
  });
}

const fmt = (v) => (v === undefined || Number.isNaN(v) ? "-" : v === 0 ? "0" : Math.abs(v) >= 1000 || Math.abs(v) < 1e-2 ? v.toExponential(1) : v.toPrecision(3));
const summary = (v) => `${fmt(quantile(v, 0.5))} [${fmt(quantile(v, 0.25))}, ${fmt(quantile(v, 0.75))}]`;
// Ratio of medians, both floored alike so that two runs at (numerically) the optimum compare as 1.
const FLOOR = 1e-12;
const ratio = (a, b) => Math.max(quantile(a, 0.5), FLOOR) / Math.max(quantile(b, 0.5), FLOOR);

const started = Date.now();
const results = [];
for (const { set, problem, d } of cases) {
  const positive = [];
  const active = [];
  for (const seed of seeds) {
    positive.push(await runSextant(problem, d, seed, false));
    active.push(await runSextant(problem, d, seed, true));
  }
  results.push({ set, problem, d, positive, active });
  log(`${set} ${problem} d=${d} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
const reference = await referenceDone;

const rows = [["set", "problem", "d", "trials", "positive-only", "active (new)", "cmaes CMA", "active wins", "active/positive", "positive/CMA", "active/CMA"]];
const totals = {};
for (const { set, problem, d, positive, active } of results) {
  const ref = reference ? seeds.map((seed) => reference.get(`${problem}:${d}:${seed}`)) : null;
  const wins = seeds.filter((_, i) => active[i] < positive[i]).length;
  const losses = seeds.filter((_, i) => active[i] > positive[i]).length;
  const r = { activePositive: ratio(active, positive), positiveRef: ref ? ratio(positive, ref) : NaN, activeRef: ref ? ratio(active, ref) : NaN };
  const total = (totals[set] ??= { wins: 0, losses: 0, ratios: [] });
  total.wins += wins;
  total.losses += losses;
  total.ratios.push(r);
  rows.push([set, problem, String(d), String(trialsPerDim * d), summary(positive), summary(active), ref ? summary(ref) : "-", `${wins}-${losses}`, fmt(r.activePositive), fmt(r.positiveRef), fmt(r.activeRef)]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
console.log(`Least regret after ${trialsPerDim}·d trials over ${seeds.length} seeds: median [25%, 75%], lower is better; "active wins" counts seeds where active ended lower-higher than positive-only; ratios are of medians (floored at ${FLOOR})`);
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  "));
// Geometric means of the ratios, so a 1e3 gain on one problem and a 1e-3 loss on another cancel.
const geomean = (values) => Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
for (const [set, { wins, losses, ratios }] of Object.entries(totals)) {
  console.log(
    `${set}: active ended lower than positive-only on ${wins} seed-problem pairs, higher on ${losses}; geometric mean of median ratios active/positive ${fmt(geomean(ratios.map((r) => r.activePositive)))}` +
      (reference
        ? `, positive/CMA ${fmt(geomean(ratios.map((r) => r.positiveRef)))}, active/CMA ${fmt(geomean(ratios.map((r) => r.activeRef)))}`
        : ""),
  );
}
