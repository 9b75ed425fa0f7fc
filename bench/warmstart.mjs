#!/usr/bin/env node
// Warm-start benchmark: does a study that learns from an earlier, related study (warmStartFrom)
// reach a cold start's 100-trial result in fewer trials, and does an earlier *unrelated* study do
// no harm? Pairs of related problems are shifted versions of a function: the source is a seeded
// random instance (optimum moved), the target the same function shifted by 5% of each range.
// The unrelated source is an instance of another function. Every problem is posed on the unit
// cube, so source and target spaces match. Source studies are 100 TPE trials.
//
// For each sampler (TPE, GP) and seed it runs the cold target study (100 trials), the
// warm-started one and the one warm-started from the unrelated study, and prints: the trials the
// warm start needed to reach the cold start's best after 100 (median [min–max] over seeds; ">100"
// when it never did), and the final best of unrelated-warm against cold, with the cold runs'
// own spread over seeds as the noise level, all measured in this run.
//
// warmStartWeight (TPE, default 2 among 2/5/10/20) was set on the dev functions (rosenbrock, ackley:
// --split dev, 10 seeds);
// the figures are reported on the test functions (levy, styblinski_tang: the default).
// Usage: npm run bench:warmstart -- [--split test|dev] [--seeds 5] [--samplers tpe,gp] [--dimension 4]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, MemoryStorage, TPESampler, GPSampler } = await import(join(root, "dist/index.js"));
const { syntheticBoxFunction, randomInstance } = await import(join(root, "dist/bench/problems/index.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));

const { values: args } = parseArgs({
  options: {
    split: { type: "string", default: "test" },
    seeds: { type: "string", default: "5" },
    samplers: { type: "string", default: "tpe,gp" },
    dimension: { type: "string", default: "4" },
    trials: { type: "string", default: "100" },
    "tpe-weight": { type: "string" },
  },
});
const SPLITS = { dev: [["rosenbrock", "ackley"], ["ackley", "rosenbrock"]], test: [["levy", "styblinski_tang"], ["styblinski_tang", "levy"]] };
const pairs = SPLITS[args.split];
if (!pairs) throw new Error(`--split must be dev or test, got ${args.split}`);
const seeds = Number(args.seeds);
const dimension = Number(args.dimension);
const budget = Number(args.trials);
const samplers = args.samplers.split(",");

/** f on the unit cube: u ↦ fn(low + u·(high − low)), minus the optimum so that 0 is best. */
function onUnitCube(fn, shift = null) {
  return (u) => {
    const x = u.map((v, i) => {
      const [low, high] = fn.bounds[i];
      return low + (v - (shift ? shift[i] : 0)) * (high - low);
    });
    return fn.evaluate(x) - fn.optimum;
  };
}

function makeSampler(kind, seed) {
  const weight = args["tpe-weight"] === undefined ? {} : { warmStartWeight: Number(args["tpe-weight"]) };
  return kind === "tpe" ? new TPESampler({ seed, ...weight }) : new GPSampler({ seed, warmStart: true });
}

async function runStudy(storage, name, sampler, objective, warmStartFrom) {
  const study = await createStudy({ name, storage, sampler, ...(warmStartFrom ? { warmStartFrom, onWarning: () => undefined } : {}) });
  await study.optimize((trial) => objective(Array.from({ length: dimension }, (_, i) => trial.suggestFloat(`u${i}`, 0, 1))), { nTrials: budget });
  let best = Infinity;
  return study.trials.map((t) => (best = Math.min(best, t.values?.[0] ?? Infinity)));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (x === Infinity ? ">" + budget : Number.isInteger(x) ? String(x) : x.toPrecision(3));
const spread = (xs) => `${fmt(median(xs))} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]`;

const started = Date.now();
console.log(`warm starts on ${args.split} functions, ${dimension}-d, ${budget} trials, ${seeds} seeds; median [min–max] over seeds`);
const verdicts = [];
for (const [name, unrelatedName] of pairs) {
  const fn = syntheticBoxFunction(name, dimension);
  const other = syntheticBoxFunction(unrelatedName, dimension);
  for (const kind of samplers) {
    const reach = [];
    const cold = [];
    const warm = [];
    const unrelated = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const storage = new MemoryStorage();
      const base = randomInstance(fn, { seed, rotate: false, permute: false });
      const rng = new Rng(seed * 7919);
      const shift = Array.from({ length: dimension }, () => (rng.uniform() < 0.5 ? -0.05 : 0.05));
      const unrelatedInstance = randomInstance(other, { seed: seed + 1000, rotate: false, permute: false });
      await runStudy(storage, "source", new TPESampler({ seed: seed + 100 }), onUnitCube(base), null);
      await runStudy(storage, "unrelated", new TPESampler({ seed: seed + 200 }), onUnitCube(unrelatedInstance), null);
      const target = onUnitCube(base, shift);
      const coldCurve = await runStudy(storage, "cold", makeSampler(kind, seed), target, null);
      const warmCurve = await runStudy(storage, "warm", makeSampler(kind, seed), target, ["source"]);
      const unrelatedCurve = await runStudy(storage, "warm-unrelated", makeSampler(kind, seed), target, ["unrelated"]);
      const goal = coldCurve[budget - 1];
      const index = warmCurve.findIndex((v) => v <= goal);
      reach.push(index < 0 ? Infinity : index + 1);
      cold.push(goal);
      warm.push(warmCurve[budget - 1]);
      unrelated.push(unrelatedCurve[budget - 1]);
    }
    const coldNoise = median(cold.map((c) => Math.abs(c - median(cold))));
    console.log(`\n${name}-${dimension}d shifted by 5%, ${kind}:`);
    console.log(`  trials for warm to reach cold's ${budget}-trial best   ${spread(reach)}`);
    console.log(`  best after ${budget}: cold ${spread(cold)} | warm ${spread(warm)} | warm from unrelated (${unrelatedName}) ${spread(unrelated)}`);
    const harm = median(unrelated) - median(cold);
    console.log(`  unrelated − cold (median) ${fmt(harm)}; noise (median |cold − median cold|) ${fmt(coldNoise)}; ratio unrelated/cold ${(median(unrelated) / median(cold)).toFixed(2)}`);
    verdicts.push(`${name} ${kind}: warm reaches cold@${budget} in median ${fmt(median(reach))} trials; unrelated ${harm <= coldNoise ? "within" : "OUTSIDE"} noise`);
  }
}
console.log(`\n${verdicts.join("\n")}\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
