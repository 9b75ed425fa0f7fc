#!/usr/bin/env node
// How related are two YAHPO instances of the same model on different data sets? The warm-start
// benchmark (bench/warmstart.mjs) assumes that the source's good region is good on the target; this
// script measures it on the surrogates themselves, on one shared uniform random sample of the space
// (the log-scaled parameters uniform in log):
// - Spearman's ρ over the whole sample, and over the target's better half (does the source tell
//   good points apart where it matters?);
// - top-10% overlap: the share of the source's best 10% that is in the target's best 10% (chance 0.10);
// - where the source's best sampled points land on the target: the target percentile of the
//   source's best 1, 5 and 20 points (0 = the target's best, 50 = a random point).
// Every ordered pair of LCBench's five lab instances is printed, the bench's dev pair (3945 → 7593)
// and test pair (34539 → 126025) marked.
// Usage: npm run build && node bench/warmstart-relatedness.mjs [--samples 2000] [--seed 1]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { yahpoProblem, yahpoProblemInstances, YAHPO_PROBLEM_SETS } = await import(join(root, "dist/bench/problems/index.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));

const { values: args } = parseArgs({ options: { samples: { type: "string", default: "2000" }, seed: { type: "string", default: "1" } } });
const samples = Number(args.samples);
if (!Number.isInteger(samples) || samples < 50) throw new Error(`--samples must be an integer of at least 50, got ${args.samples}`);

const set = YAHPO_PROBLEM_SETS.find((s) => s.scenario === "lcbench");
const instances = yahpoProblemInstances(set);
const problems = Object.fromEntries(instances.map((i) => [i, yahpoProblem(set, i)]));
const space = problems[instances[0]].space;
const names = Object.keys(space).sort();

/** A uniform random configuration: log parameters uniform in log, integers rounded. */
function randomConfig(rng) {
  const params = {};
  for (const name of names) {
    const { type, low, high, log } = space[name];
    const u = rng.uniform();
    let value = log ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
    if (type === "int") value = Math.min(high, Math.max(low, Math.round(value)));
    params[name] = value;
  }
  return params;
}

const rng = new Rng(Number(args.seed));
const configs = Array.from({ length: samples }, () => randomConfig(rng));
const losses = {};
for (const instance of instances) {
  const values = [];
  for (const config of configs) values.push(await problems[instance].evaluate(config));
  losses[instance] = values;
}

/** Ranks from 0 (lowest loss), ties averaged. */
function ranks(xs) {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const out = new Array(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    for (let k = i; k <= j; k++) out[order[k]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}
function pearson(a, b) {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
const spearman = (a, b) => pearson(ranks(a), ranks(b));
const best = (xs, k) => xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]).slice(0, k);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function relatedness(source, target) {
  const s = losses[source];
  const t = losses[target];
  const targetRank = ranks(t);
  const percentile = (i) => (100 * targetRank[i]) / (samples - 1);
  const half = t.map((_, i) => i).filter((i) => targetRank[i] <= (samples - 1) / 2);
  const k = Math.round(samples / 10);
  const sourceTop = best(s, k);
  const targetTop = new Set(best(t, k));
  return {
    rho: spearman(s, t),
    rhoBetterHalf: spearman(
      half.map((i) => s[i]),
      half.map((i) => t[i]),
    ),
    overlap: sourceTop.filter((i) => targetTop.has(i)).length / k,
    best1: percentile(sourceTop[0]),
    best5: median(sourceTop.slice(0, 5).map(percentile)),
    best20: median(sourceTop.slice(0, 20).map(percentile)),
    atSourceBest5: -median(sourceTop.slice(0, 5).map((i) => t[i])),
  };
}

console.log(`LCBench instances on ${samples} uniform random configurations (seed ${args.seed}); losses are −val_accuracy`);
for (const instance of instances) console.log(`  ${instance}: best ${(-Math.min(...losses[instance])).toFixed(2)}, median ${(-median(losses[instance])).toFixed(2)}`);
console.log("\nsource → target   ρ all  ρ better half  top-10% overlap (chance 0.10)  target percentile of source's best 1 / 5 / 20  target accuracy there (best 5, median)");
const marks = { "3945→7593": " (dev pair)", "34539→126025": " (test pair)" };
for (const source of instances) {
  for (const target of instances) {
    if (source === target) continue;
    const r = relatedness(source, target);
    const label = `${source} → ${target}`.padEnd(16);
    console.log(
      `${label}  ${r.rho.toFixed(2).padStart(5)}  ${r.rhoBetterHalf.toFixed(2).padStart(13)}  ${r.overlap.toFixed(2).padStart(15)}                ${r.best1.toFixed(1)} / ${r.best5.toFixed(1)} / ${r.best20.toFixed(1)}`.padEnd(128) + `${r.atSourceBest5.toFixed(2)}${marks[`${source}→${target}`] ?? ""}`,
    );
  }
}
