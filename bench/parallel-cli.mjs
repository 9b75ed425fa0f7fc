#!/usr/bin/env node
// Do concurrent workers' proposals stay apart through the real CLI? (issue 12) Runs
// `sextant tune --jobs J` on a 4-D objective program whose evaluations sleep 0.3–0.9 s (so trials
// overlap), once per pending strategy and seed, then reads the study back and, for every trial the
// model proposed (not the startup design) while others were running, measures the unit-cube
// distance from its parameters to the nearest trial running when it started. Printed per strategy:
// the median [quartiles] of that distance, the share under 0.01 (a near-duplicate of a running
// trial), and the best value found. `constantLiar=false` (running trials ignored) is the reference
// of what non-diverse proposals look like.
//
// Usage: npm run build && nice -n 10 node bench/parallel-cli.mjs [--seeds 3] [--jobs 4] [--trials 40]
//        [--strategies kriging-believer,local-penalization,hard-local-penalization,ignore]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { loadStudy, encodeValue } = await import(join(root, "dist/index.js"));
const { quantile } = await import(join(root, "dist/bench/lab/index.js"));
const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "3" },
    jobs: { type: "string", default: "4" },
    trials: { type: "string", default: "40" },
    strategies: { type: "string", default: "kriging-believer,local-penalization,hard-local-penalization,ignore" },
  },
});
const log = (m) => process.stderr.write(`${m}\n`);
const work = mkdtempSync(join(tmpdir(), "sextant-parallel-cli-"));
// A smooth 4-D objective with one basin off-centre; the sleep makes concurrent trials overlap.
const program = join(work, "objective.mjs");
writeFileSync(
  program,
  `const x = process.argv.slice(2).map(Number);
const value = x.reduce((s, v, i) => s + (v - [0.23, 0.71, 0.38, 0.62][i]) ** 2, 0) + 0.1 * Math.sin(7 * x[0]) * Math.cos(5 * x[1]);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300 + Math.floor(600 * Math.random()));
console.log(value);
`,
);
const unit = (trial) => Object.entries(trial.distributions).map(([name, d]) => encodeValue(d, trial.params[name]));
const lines = [`sextant tune --jobs ${args.jobs}, ${args.trials} trials, 4-D objective sleeping 0.3–0.9 s per trial, seeds 0–${Number(args.seeds) - 1}`];
lines.push("| strategy | model proposals with others running | distance to nearest running: median [quartiles] | share < 0.01 | best value: median [min, max] |");
lines.push("| --- | --- | --- | --- | --- |");
try {
  for (const strategy of args.strategies.split(",")) {
    const distances = [];
    const bests = [];
    for (let seed = 0; seed < Number(args.seeds); seed++) {
      const storage = `sqlite:${join(work, `${strategy}-${seed}.db`)}`;
      const options = strategy === "ignore" ? ["--sampler-opt", "constantLiar=false"] : ["--sampler-opt", `pendingStrategy=${strategy}`];
      const cli = ["bin/sextant.js", "tune", "--study", "parallel", "--storage", storage, "--sampler", "gp", ...options, "--seed", String(seed), "--trials", args.trials, "--jobs", args.jobs, "--quiet"];
      for (let i = 0; i < 4; i++) cli.push("--param", `x${i}=float:0:1`);
      cli.push("--", process.execPath, program, "{x0}", "{x1}", "{x2}", "{x3}");
      log(`${strategy}, seed ${seed}...`);
      const run = spawnSync(process.execPath, cli, { cwd: root, encoding: "utf8" });
      if (run.status !== 0) throw new Error(`sextant tune failed (${strategy}, seed ${seed}): ${run.stderr}`);
      const study = await loadStudy({ name: "parallel", storage });
      const trials = study.trials.filter((t) => t.startedAt !== null);
      for (const trial of trials) {
        if (trial.systemAttrs["gp:theta"] === undefined) continue; // startup design
        const running = trials.filter((u) => u !== trial && u.startedAt <= trial.startedAt && (u.finishedAt === null || u.finishedAt > trial.startedAt));
        if (running.length === 0) continue;
        const p = unit(trial);
        distances.push(Math.min(...running.map((u) => Math.hypot(...unit(u).map((v, i) => v - p[i])))));
      }
      bests.push(Math.min(...study.trials.filter((t) => t.state === "complete").map((t) => t.values[0])));
      await study.close?.();
    }
    const near = distances.filter((d) => d < 0.01).length;
    const f = (v) => v.toFixed(4);
    lines.push(
      `| ${strategy === "ignore" ? "ignore running (constantLiar=false)" : strategy} | ${distances.length} | ${f(quantile(distances, 0.5))} [${f(quantile(distances, 0.25))}, ${f(quantile(distances, 0.75))}] | ${((100 * near) / Math.max(1, distances.length)).toFixed(0)}% | ${f(quantile(bests, 0.5))} [${f(Math.min(...bests))}, ${f(Math.max(...bests))}] |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(lines.join("\n"));
