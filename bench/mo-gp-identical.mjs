#!/usr/bin/env node
// Does the GP's several-objective (log-EHVI) step of two builds propose the same trials, and what
// does it cost? A speed change to the EHVI path that claims "proposals unchanged, bit for bit" is
// checked here: the current build (dist/) and, with --baseline, another build's dist/ run the same
// studies, and every trial's parameters, values and per-objective θs (gp:modelThetas) are compared
// exactly. Each run also prints its sampler CPU time per trial (the process's CPU time minus the
// objective's) over trials 1–100, 101–200, 201–300, ..., and a hash of its trials.
//
// Problem: DTLZ2 with 3 objectives in 6-D (or ZDT1, 2 objectives), from bench:multiobjective.
//
// Usage: node bench/mo-gp-identical.mjs [--baseline /path/to/other/dist] [--trials 300] [--seeds 0,1]
//          [--problem dtlz2] [--window 100] [--sampler-opt key=value ...]
//        (the baseline dist/ needs a node_modules/ next to it; run under `nice -n 10` on a shared
//        machine: 300 trials of DTLZ2 take about a minute per run)
import { createHash } from "node:crypto";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    baseline: { type: "string" },
    trials: { type: "string", default: "300" },
    seeds: { type: "string", default: "0,1" },
    problem: { type: "string", default: "dtlz2" },
    window: { type: "string", default: "100" },
    "sampler-opt": { type: "string", multiple: true, default: [] },
  },
});
// Each build's own GP factory: the sampler registry is shared by every copy of the package in a
// process, so createSamplerByName("gp") gave both runs the build loaded last, and the verdict
// compared one build with itself (until session 46).
const load = async (dist) => ({
  createStudy: (await import(join(dist, "index.js"))).createStudy,
  createGPSamplerFromOptions: (await import(join(dist, "samplers/gp/gp.js"))).createGPSamplerFromOptions,
});
const current = await load(join(root, "dist"));
const baseline = args.baseline ? await load(resolve(args.baseline)) : null;
const { MULTIOBJECTIVE_PROBLEMS } = await import(join(root, "dist/bench/multiobjective.js"));
const problem = MULTIOBJECTIVE_PROBLEMS[args.problem];
if (!problem) throw new Error(`unknown problem ${args.problem} (choose from ${Object.keys(MULTIOBJECTIVE_PROBLEMS).join(", ")})`);
const samplerOptions = Object.fromEntries(args["sampler-opt"].map((option) => {
  const at = option.indexOf("=");
  if (at < 1) throw new Error(`--sampler-opt wants key=value, got "${option}"`);
  return [option.slice(0, at), option.slice(at + 1)];
}));
const trials = Number(args.trials);
const window = Number(args.window);
const seeds = args.seeds.split(",").map(Number);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

async function run(api, seed) {
  const study = await api.createStudy({
    directions: problem.reference.map(() => "minimize"),
    sampler: api.createGPSamplerFromOptions({ ...samplerOptions, seed }),
  });
  const perTrial = [];
  let evaluating = 0;
  let last = cpu();
  await study.optimize(
    (trial) => {
      const x = Array.from({ length: problem.dimension }, (_, i) => trial.suggestFloat(`x${i}`, 0, 1));
      const start = cpu();
      const values = problem.evaluate(x);
      evaluating += cpu() - start;
      return values;
    },
    {
      nTrials: trials,
      callbacks: [() => {
        const now = cpu();
        perTrial.push(now - last - evaluating);
        last = now;
        evaluating = 0;
      }],
    },
  );
  const records = study.trials.map((t) => JSON.stringify([t.params, t.values, t.systemAttrs["gp:modelThetas"] ?? null]));
  const windows = [];
  for (let from = 0; from < perTrial.length; from += window) {
    const slice = perTrial.slice(from, from + window);
    windows.push({ range: `${from + 1}-${from + slice.length}`, ms: slice.reduce((a, b) => a + b, 0) / slice.length });
  }
  const hash = createHash("sha256").update(records.join("\n")).digest("hex").slice(0, 16);
  return { records, windows, hash };
}

const describe = (r) => `${r.windows.map((w) => `${w.range}: ${w.ms.toFixed(1)}`).join("  ")} ms/trial; hash ${r.hash}`;
let allSame = true;
const options = args["sampler-opt"].length ? ` (${args["sampler-opt"].join(" ")})` : "";
console.log(`gp on ${problem.name}${options}, ${trials} trials per run${baseline ? `, current build vs ${args.baseline}` : ""}`);
for (const seed of seeds) {
  if (!baseline) {
    console.log(`  seed ${seed}: ${describe(await run(current, seed))}`);
    continue;
  }
  // Alternate which build runs first, so neither always meets the machine's load first.
  const order = seed % 2 === 0 ? [current, baseline] : [baseline, current];
  const [first, second] = [await run(order[0], seed), await run(order[1], seed)];
  const [ours, theirs] = order[0] === current ? [first, second] : [second, first];
  const differs = ours.records.findIndex((r, i) => r !== theirs.records[i]);
  const same = differs < 0 && ours.records.length === theirs.records.length;
  allSame &&= same;
  console.log(`  seed ${seed}: ${same ? `all ${trials} trials identical (parameters, values, gp:modelThetas)` : `first difference at trial ${differs}`}`);
  console.log(`    current:  ${describe(ours)}`);
  console.log(`    baseline: ${describe(theirs)}`);
}
if (baseline) {
  console.log(allSame ? "IDENTICAL" : "DIFFERENT");
  process.exitCode = allSame ? 0 : 1;
}
