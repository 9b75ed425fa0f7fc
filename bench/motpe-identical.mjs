#!/usr/bin/env node
// Does multi-objective TPE suggest the same parameters, bit for bit? A speed change to MOTPE's
// below split (non-dominated sorting, greedy hypervolume selection) must not change any suggestion:
// this runs seeded studies (2 and 3 objectives, with and without constraints, one with a
// categorical and an integer parameter, both presets) and prints a SHA-256 of every trial's
// parameters per study. With --baseline (another build's dist/, e.g. main's) it runs the same
// studies on that build too and reports any difference.
//
// Usage: node bench/motpe-identical.mjs [--baseline /path/to/other/dist] [--scale 1]
//        (--scale multiplies the trial counts; 1 runs 300 to 1,000 trials per study)
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({ options: { baseline: { type: "string" }, scale: { type: "string", default: "1" } } });
const scale = Number(args.scale);
// The sampler comes from each build's own module: the sampler registry is shared by every copy of
// the package in a process, so createSamplerByName("tpe") would give both runs the last build loaded.
const load = async (dist) => ({
  createStudy: (await import(join(dist, "index.js"))).createStudy,
  createTPESamplerFromOptions: (await import(join(dist, "samplers/tpe/tpe.js"))).createTPESamplerFromOptions,
});
const current = await load(join(root, "dist"));
const { MULTIOBJECTIVE_PROBLEMS } = await import(join(root, "dist/bench/multiobjective.js"));
const baseline = args.baseline ? await load(resolve(args.baseline)) : null;

const zdt1 = MULTIOBJECTIVE_PROBLEMS.zdt1.evaluate;
const dtlz2 = MULTIOBJECTIVE_PROBLEMS.dtlz2.evaluate;

const STUDIES = [
  { name: "zdt1 2-obj 1000", objectives: 2, trials: 1000, seed: 1, objective: (t) => zdt1([0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1))) },
  { name: "zdt1 2-obj 600 optuna preset", objectives: 2, trials: 600, seed: 2, sampler: { preset: "optuna" }, objective: (t) => zdt1([0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1))) },
  { name: "dtlz2 3-obj 500", objectives: 3, trials: 500, seed: 3, objective: (t) => dtlz2([0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1))) },
  { name: "dtlz2 3-obj 300 optuna preset", objectives: 3, trials: 300, seed: 4, sampler: { preset: "optuna" }, objective: (t) => dtlz2([0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1))) },
  {
    name: "constrained 2-obj 600",
    objectives: 2,
    trials: 600,
    seed: 5,
    constraints: (t) => [t.params.x0 + t.params.x1 - 1.2, 0.1 - t.params.x0],
    objective: (t) => zdt1([0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1))),
  },
  {
    name: "constrained 3-obj 400",
    objectives: 3,
    trials: 400,
    seed: 6,
    constraints: (t) => [(t.params.x0 - 0.5) ** 2 + (t.params.x1 - 0.5) ** 2 - 0.1],
    objective: (t) => dtlz2([0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1))),
  },
  {
    name: "categorical 2-obj 500",
    objectives: 2,
    trials: 500,
    seed: 7,
    objective: (t) => {
      const kind = t.suggestCategorical("kind", ["a", "b", "c"]);
      const n = t.suggestInt("n", 1, 8);
      const x = t.suggestFloat("x", -2, 2);
      const shift = { a: 0, b: 0.3, c: 0.7 }[kind];
      // Coarse values: many equal losses and ties in the hypervolume selection.
      return [Math.round((x * x + shift) * 4) / 4, Math.round(((x - 1) ** 2 + n / 8) * 4) / 4];
    },
  },
];

async function run(lib, spec) {
  const study = await lib.createStudy({
    directions: Array.from({ length: spec.objectives }, () => "minimize"),
    sampler: lib.createTPESamplerFromOptions({ seed: spec.seed, ...(spec.sampler ?? {}) }),
    ...(spec.constraints ? { constraints: spec.constraints } : {}),
  });
  const t0 = performance.now();
  await study.optimize(spec.objective, { nTrials: Math.round(spec.trials * scale) });
  const ms = performance.now() - t0;
  const hash = createHash("sha256");
  for (const trial of study.trials) hash.update(JSON.stringify([trial.number, trial.params]));
  return { hash: hash.digest("hex").slice(0, 16), ms };
}

let differ = 0;
for (const spec of STUDIES) {
  const a = await run(current, spec);
  let line = `${spec.name.padEnd(32)} ${a.hash}  ${(a.ms / 1000).toFixed(1)} s`;
  if (baseline) {
    const b = await run(baseline, spec);
    const same = a.hash === b.hash;
    if (!same) differ++;
    line += `   baseline ${b.hash}  ${(b.ms / 1000).toFixed(1)} s  ${same ? "same" : "DIFFERENT"}`;
  }
  console.log(line);
}
if (baseline) console.log(differ === 0 ? "all studies identical" : `${differ} stud${differ === 1 ? "y differs" : "ies differ"}`);
process.exitCode = differ === 0 ? 0 : 1;
