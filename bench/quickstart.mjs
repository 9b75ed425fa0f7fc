#!/usr/bin/env node
// The quickstart as a new user runs it (examples/quickstart/sextant.yaml through `sextant tune`: auto
// sampler, median pruner, 2 jobs, 30 trials), over several seeds. Issue 12 asks two things of it:
//
// 1. Is the best trial a model-proposed one, not a point of the startup design? Printed: on how many
//    seeds it is, next to the share of the complete trials the model proposed (what a best trial
//    drawn at random among the complete ones would score).
// 2. How often do the model's proposals sit on a bound of the box (EI's pull to the faces)? Printed
//    per parameter and overall, next to the startup design's rate on the same runs (a scrambled
//    Sobol point is on a bound of a continuous parameter with probability 0, of the int `epochs`
//    about 1/29 per bound).
//
// A trial counts as model-proposed when the GP fitted a model for it (`gp:theta` recorded) and did not
// fall back to a random point; TPE trials (auto hands over past its GP limits) count as model-proposed too.
//
// Usage: npm run build && node bench/quickstart.mjs [--seeds 10] [--first-seed 0] [--sampler auto]
//        [--sampler-opt key=value ...] (each seed runs the training script 30 times: about 20 s)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { loadStudy } = await import(join(root, "dist/index.js"));
// On a bound: the encoded (unit-cube) value within 1e-9 of 0 or 1, an int at its lowest or highest value; categoricals never are.
const { parametersOnBound } = await import(join(root, "dist/bench/lab/index.js"));

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "10" },
    "first-seed": { type: "string", default: "0" },
    sampler: { type: "string" },
    "sampler-opt": { type: "string", multiple: true, default: [] },
  },
});
const seeds = Array.from({ length: Number(args.seeds) }, (_, k) => Number(args["first-seed"]) + k);
const log = (m) => process.stderr.write(`${m}\n`);
const config = join(root, "examples/quickstart/sextant.yaml");
const work = mkdtempSync(join(tmpdir(), "sextant-quickstart-"));

const isModelProposed = (trial) =>
  trial.systemAttrs["auto:sampler"] === "tpe" ||
  (trial.systemAttrs["gp:theta"] !== undefined && trial.systemAttrs["gp:fallback"] === undefined && trial.systemAttrs["gp:exploration"] === undefined);

const rows = [];
const boundCounts = { model: {}, design: {} };
const proposals = { model: 0, design: 0 };
const anyBound = { model: 0, design: 0 };
try {
  for (const seed of seeds) {
    const storage = `sqlite:${join(work, `seed-${seed}.db`)}`;
    log(`quickstart, seed ${seed}...`);
    const cli = ["bin/sextant.js", "tune", "--config", config, "--seed", String(seed), "--storage", storage, "--quiet"];
    if (args.sampler) cli.push("--sampler", args.sampler);
    for (const option of args["sampler-opt"]) cli.push("--sampler-opt", option);
    const run = spawnSync(process.execPath, cli, { cwd: root, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`sextant tune failed for seed ${seed}: ${run.stderr}`);
    const study = await loadStudy({ name: "quickstart", storage });
    const trials = study.trials.filter((t) => t.state === "complete" || t.state === "pruned");
    const complete = trials.filter((t) => t.state === "complete");
    const best = complete.reduce((a, b) => (b.values[0] < a.values[0] ? b : a));
    for (const trial of trials) {
      const kind = isModelProposed(trial) ? "model" : "design";
      proposals[kind]++;
      const hit = parametersOnBound(trial.distributions, trial.params);
      if (Object.values(hit).some(Boolean)) anyBound[kind]++;
      for (const [name, on] of Object.entries(hit)) boundCounts[kind][name] = (boundCounts[kind][name] ?? 0) + (on ? 1 : 0);
    }
    const bestOf = (list) => Math.min(...list.map((t) => t.values[0]));
    rows.push({
      seed,
      bestModel: bestOf(complete.filter(isModelProposed)),
      bestDesign: bestOf(complete.filter((t) => !isModelProposed(t))),
      best: best.values[0],
      bestNumber: best.number,
      bestIsModel: isModelProposed(best),
      modelShare: complete.filter(isModelProposed).length / complete.length,
    });
    await study.close?.();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const percent = (a, b) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);
const lines = [`quickstart (examples/quickstart/sextant.yaml${args.sampler ? `, --sampler ${args.sampler}` : ""}${args["sampler-opt"].map((o) => ` --sampler-opt ${o}`).join("")}), seeds ${seeds[0]}-${seeds.at(-1)}`];
lines.push("  seed  best loss  best trial  model-proposed?  best of model / of design  share of complete trials the model proposed");
for (const r of rows) {
  lines.push(
    `  ${String(r.seed).padStart(4)}  ${r.best.toFixed(4).padStart(9)}  ${String(r.bestNumber).padStart(10)}  ${(r.bestIsModel ? "yes" : "no").padStart(15)}` +
      `  ${`${r.bestModel.toFixed(4)} / ${r.bestDesign.toFixed(4)}`.padStart(25)}  ${(100 * r.modelShare).toFixed(0)}%`,
  );
}
const wins = rows.filter((r) => r.bestIsModel).length;
const expected = rows.reduce((s, r) => s + r.modelShare, 0);
lines.push(
  "",
  `Best trial model-proposed on ${wins} of ${rows.length} seeds; reference: ${expected.toFixed(1)} of ${rows.length} if the best were a complete trial drawn at random.`,
  `Best loss: median ${[...rows.map((r) => r.best)].sort((a, b) => a - b)[Math.floor((rows.length - 1) / 2)].toFixed(4)}, range ${Math.min(...rows.map((r) => r.best)).toFixed(4)}-${Math.max(...rows.map((r) => r.best)).toFixed(4)}.`,
  "",
  "Proposals on a bound of the box (complete and pruned trials):",
);
for (const kind of ["model", "design"]) {
  const per = Object.entries(boundCounts[kind]).map(([name, count]) => `${name} ${percent(count, proposals[kind])}`).join(", ");
  lines.push(`  ${kind === "model" ? "model proposals" : "startup design "}: ${proposals[kind]} trials, ${percent(anyBound[kind], proposals[kind])} with a parameter on a bound (${per})`);
}
console.log(lines.join("\n"));
