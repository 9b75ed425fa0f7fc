#!/usr/bin/env node
// Do two builds of the GP propose the same trials? A speed change that claims "proposals unchanged,
// bit for bit" is checked here: the current build (dist/) and a baseline build (another dist/, e.g.
// main's, built from a checkout) run the same studies side by side, and every trial's parameters,
// fitted θ (gp:theta) and output-warping record (gp:outputWarping) are compared exactly.
//
// Problems: Hartmann-6 (6-D) and Styblinski-Tang in 20-D (heavy upper tail, so `outputWarping=auto`
// meets log and power as well as none), both from the lab's synthetic functions on their own boxes.
//
// Usage: node bench/gp-identical.mjs --baseline /path/to/other/dist [--trials 120] [--seeds 0,1]
//          [--problems hartmann6,styblinski_tang-20] [--sampler-opt key=value ...]
//        (run it under `nice -n 10` on a shared machine; 20-D x 120 trials x 2 builds takes minutes)
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    baseline: { type: "string" },
    trials: { type: "string", default: "120" },
    seeds: { type: "string", default: "0,1" },
    problems: { type: "string", default: "hartmann6,styblinski_tang-20" },
    "sampler-opt": { type: "string", multiple: true, default: [] },
  },
});
if (!args.baseline) throw new Error("--baseline <dist directory of the build to compare with> is required");
// Each build's own GP factory: the sampler registry is shared by every copy of the package in a
// process, so createSamplerByName("gp") gave both runs the build loaded last, and the verdict
// compared one build with itself (until session 46).
const load = async (dist) => ({
  createStudy: (await import(join(dist, "index.js"))).createStudy,
  createGPSamplerFromOptions: (await import(join(dist, "samplers/gp/gp.js"))).createGPSamplerFromOptions,
});
const current = await load(join(root, "dist"));
const baseline = await load(resolve(args.baseline));
const { SYNTHETIC_FUNCTIONS } = await import(join(root, "dist/bench/problems/index.js"));
const samplerOptions = Object.fromEntries(args["sampler-opt"].map((option) => {
  const at = option.indexOf("=");
  if (at < 1) throw new Error(`--sampler-opt wants key=value, got "${option}"`);
  return [option.slice(0, at), option.slice(at + 1)];
}));
const trials = Number(args.trials);
const seeds = args.seeds.split(",").map(Number);

function problem(spec) {
  const [key, dimension] = spec.split("-");
  const fn = SYNTHETIC_FUNCTIONS[key];
  if (!fn) throw new Error(`unknown function ${key}`);
  const d = dimension ? Number(dimension) : fn.registryDimensions[0];
  return { name: `${key}-${d}d`, d, bounds: fn.bounds(d), evaluate: (x) => fn.evaluate(x) };
}

async function run(api, p, seed) {
  const study = await api.createStudy({ sampler: api.createGPSamplerFromOptions({ ...samplerOptions, seed }) });
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const start = cpu();
  await study.optimize((trial) => p.evaluate(p.bounds.map(([low, high], i) => trial.suggestFloat(`x${i}`, low, high))), { nTrials: trials });
  const ms = cpu() - start;
  return {
    ms,
    records: study.trials.map((t) => JSON.stringify([t.params, t.value, t.systemAttrs["gp:theta"] ?? null, t.systemAttrs["gp:outputWarping"] ?? null])),
  };
}

let allSame = true;
const options = args["sampler-opt"].length ? ` (${args["sampler-opt"].join(" ")})` : "";
console.log(`gp, current build vs ${args.baseline}${options}: ${trials} trials per run`);
for (const spec of args.problems.split(",")) {
  const p = problem(spec);
  for (const seed of seeds) {
    // Alternate which build runs first, so neither always meets the machine's load first.
    const order = seed % 2 === 0 ? [current, baseline] : [baseline, current];
    const [first, second] = [await run(order[0], p, seed), await run(order[1], p, seed)];
    const [ours, theirs] = order[0] === current ? [first, second] : [second, first];
    const differs = ours.records.findIndex((r, i) => r !== theirs.records[i]);
    const same = differs < 0 && ours.records.length === theirs.records.length;
    allSame &&= same;
    console.log(
      `  ${p.name} seed ${seed}: ${same ? `all ${trials} trials identical (parameters, value, gp:theta, gp:outputWarping)` : `first difference at trial ${differs}`};` +
        ` CPU ${(ours.ms / 1000).toFixed(1)} s current, ${(theirs.ms / 1000).toFixed(1)} s baseline`,
    );
  }
}
console.log(allSame ? "IDENTICAL" : "DIFFERENT");
process.exitCode = allSame ? 0 : 1;
