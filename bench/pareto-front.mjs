#!/usr/bin/env node
// Speed of what grows with a front of several objectives, each next to a reference measured in the
// same run, as a ratio (the unit tests check the results, not the time):
// - paretoFront on a two-objective front where every trial is on the front (a line), against the
//   straightforward reference kept in this script: every trial checked against every other. It was
//   close to that before (a two-objective front of 6,000 trials took seconds a call, and sextant tune
//   asks for it after every trial and at every repaint of its progress line).
// - paretoFrontIndices (the dashboard's Pareto plot) on the same line, against the same reference.
// - paretoFront on a three-objective front (points of a sphere's octant, all on the front): its
//   check of each sorted trial against the front so far stays quadratic in the front's size.
// - optimize of a two-objective study whose every trial joins the front, with
//   stopAfter.trialsWithoutImprovement, against the same run without it: the count was found again
//   from every complete trial before each trial started (2,000 trials took 50 s).
//
// Usage: node bench/pareto-front.mjs [--line 30000] [--reference-line 10000] [--sphere 3000] [--trials 2000]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, RandomSampler } = await import(join(root, "dist/index.js"));
const { paretoFront } = await import(join(root, "dist/space/index.js"));
const { paretoFrontIndices } = await import(join(root, "dist/analysis/index.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));

const { values: args } = parseArgs({
  options: {
    line: { type: "string", default: "30000" },
    "reference-line": { type: "string", default: "10000" },
    sphere: { type: "string", default: "3000" },
    trials: { type: "string", default: "2000" },
  },
});

const trial = (number, values) => ({ number, values, state: "complete", params: {}, distributions: {}, userAttrs: {}, systemAttrs: {}, intermediateValues: {} });
const dominates = (a, b) => a.every((v, k) => v <= b[k]) && a.some((v, k) => v < b[k]);
/** The reference: a trial is on the front when no other trial dominates it. */
const referenceFront = (trials) => trials.filter((t) => !trials.some((o) => o !== t && dominates(o.values, t.values)));
const timed = (body) => {
  const started = performance.now();
  const result = body();
  return { result, ms: performance.now() - started };
};
const rng = new Rng(3);
const line = (n) => Array.from({ length: n }, (_, number) => {
  const x = rng.uniform();
  return trial(number, [x, 1 - x]);
});

const rows = [];
{
  const n = Number(args["reference-line"]);
  const trials = line(n);
  const now = timed(() => paretoFront(trials, ["minimize", "minimize"]));
  const ref = timed(() => referenceFront(trials));
  if (now.result.length !== ref.result.length) throw new Error(`fronts differ: ${now.result.length} against ${ref.result.length}`);
  rows.push([`paretoFront, 2 objectives, ${n} on the front`, now.ms, ref.ms]);
  const indices = timed(() => paretoFrontIndices(trials.map((t) => t.values)));
  if (indices.result.length !== ref.result.length) throw new Error(`fronts differ: ${indices.result.length} against ${ref.result.length}`);
  rows.push([`paretoFrontIndices, 2 objectives, ${n} on the front`, indices.ms, ref.ms]);
}
{
  const n = Number(args.line);
  const trials = line(n);
  const now = timed(() => paretoFront(trials, ["minimize", "minimize"]));
  if (now.result.length !== n) throw new Error(`front of ${now.result.length}, expected ${n}`);
  rows.push([`paretoFront, 2 objectives, ${n} on the front`, now.ms, null]);
}
{
  const n = Number(args.sphere);
  const trials = Array.from({ length: n }, (_, number) => {
    const [u, v] = [(rng.uniform() * Math.PI) / 2, (rng.uniform() * Math.PI) / 2];
    return trial(number, [Math.cos(u) * Math.cos(v), Math.cos(u) * Math.sin(v), Math.sin(u)]);
  });
  const directions = ["minimize", "minimize", "minimize"];
  const now = timed(() => paretoFront(trials, directions));
  const ref = timed(() => referenceFront(trials));
  if (now.result.length !== ref.result.length) throw new Error(`fronts differ: ${now.result.length} against ${ref.result.length}`);
  rows.push([`paretoFront, 3 objectives, ${n} on the front`, now.ms, ref.ms]);
}
{
  const n = Number(args.trials);
  const run = async (stopAfter) => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    const started = performance.now();
    await study.optimize((t) => {
      const x = t.suggestFloat("x", 0, 1);
      return [x, 1 - x];
    }, { nTrials: n, ...(stopAfter ? { stopAfter } : {}) });
    const ms = performance.now() - started;
    if (study.trials.length !== n) throw new Error(`${study.trials.length} trials, expected ${n}`);
    return ms;
  };
  const plain = await run(null);
  const counted = await run({ trialsWithoutImprovement: 100 });
  rows.push([`optimize, 2 objectives, ${n} trials all on the front, stopAfter.trialsWithoutImprovement (reference: without it)`, counted, plain]);
}

console.log("what | ms | reference ms | ratio (reference / this)");
for (const [what, ms, ref] of rows) {
  console.log(`${what} | ${ms.toFixed(0)} | ${ref === null ? "-" : ref.toFixed(0)} | ${ref === null ? "-" : (ref / ms).toFixed(2) + "×"}`);
}
