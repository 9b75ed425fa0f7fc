#!/usr/bin/env node
// Do K workers asking through one `sextant serve` get near-duplicate proposals, and how does that
// compare with `sextant tune --jobs K` and `sextant worker --jobs K`? For each lab problem (multi-
// or single-objective), mode and seed, K workers run a budget of trials whose evaluations really
// sleep (log-normal, median --median seconds, σ = 0.5 in log space, drawn from the seed and the
// trial number, so every mode sees the same run time for the same trial), then the study is read
// back and measured:
//   - for every trial asked while others were running (started before it, not finished when it
//     started), the unit-cube distance from its parameters to the nearest of them; a distance under
//     0.01 is a near-duplicate. Counted over all such proposals (the startup design included: two
//     workers handed the same design point is also a duplicate) and over the model's alone;
//   - the hypervolume regret (single objective: the regret) of the trials finished by wall-clock
//     W/2 and W, W = trials × median / K (the run time of the budget with no overhead at all), and
//     at the end, as a share of the largest hypervolume (of |optimum| + 1 for one objective);
//   - the wall-clock the run took, as a ratio to W.
//
// Modes:
//   serve      K concurrent clients (plain HTTP from this process) asking with the space in the
//              ask request, against a `sextant serve` process
//   serve-dbr  the same, define-by-run as the Python client does it: ask with no space, then one
//              suggest request per parameter
//   tune       `sextant tune --jobs K` on a program that evaluates the problem
//   worker     `sextant create`, then one `sextant worker --jobs K`
// In tune and worker each trial also starts a Node process that loads the lab, so their wall-clock
// figures are not comparable with the serve modes' (their near-duplicates and losses at the end are).
//
// Usage: npm run build && nice -n 10 node bench/parallel-serve.mjs [--problems branin-currin-2d,zdt1-6d]
//        [--modes serve,serve-dbr,tune,worker] [--seeds 3] [--jobs 4] [--trials 40] [--median 1]
//        [--sampler auto] [--sampler-opt key=value,...] [--roots before=/tmp/old,after=.] [--json out.json] [--keep]
// --roots runs each (problem, mode, seed) with every listed build (a checkout with dist/ built), one
// after the other, so that builds are compared under the same machine load; the tables then give
// each build's figures and every later build's ratio to the first.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { jsonPoster, startServe } from "./serve-process.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { loadStudy, encodeValue, hypervolume, Rng } = await import(join(root, "dist/index.js"));
const { createLabProblem } = await import(join(root, "dist/bench/problems/index.js"));
const { quantile } = await import(join(root, "dist/bench/lab/index.js"));

const { values: args } = parseArgs({
  options: {
    problems: { type: "string", default: "branin-currin-2d,zdt1-6d,dtlz2-6d-3obj,hartmann6-6d" },
    modes: { type: "string", default: "serve,serve-dbr,tune,worker" },
    seeds: { type: "string", default: "3" },
    "first-seed": { type: "string", default: "0" },
    jobs: { type: "string", default: "4" },
    trials: { type: "string", default: "40" },
    median: { type: "string", default: "1" },
    sampler: { type: "string", default: "auto" },
    "sampler-opt": { type: "string", default: "" },
    roots: { type: "string", default: "" },
    keep: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const jobs = Number(args.jobs);
const budget = Number(args.trials);
const median = Number(args.median);
const seeds = Array.from({ length: Number(args.seeds) }, (_, k) => Number(args["first-seed"]) + k);
const modes = args.modes.split(",");
for (const mode of modes) if (!["serve", "serve-dbr", "tune", "worker"].includes(mode)) throw new Error(`--modes: unknown mode ${mode}`);
const samplerOptions = Object.fromEntries(
  args["sampler-opt"]
    .split(",")
    .filter(Boolean)
    .map((kv) => {
      const [key, value] = kv.split("=");
      return [key, value === "true" ? true : value === "false" ? false : Number.isNaN(Number(value)) ? value : Number(value)];
    }),
);
const log = (m) => process.stderr.write(`${m}\n`);
const work = mkdtempSync(join(tmpdir(), "sextant-parallel-serve-"));
// Builds to compare: label → checkout root (its bin/sextant.js and dist/ run the workers).
const builds = args.roots
  ? args.roots.split(",").map((entry) => {
      const [label, path] = entry.split("=");
      return { label, root: resolve(path) };
    })
  : [{ label: "this build", root }];

/** The evaluation's run time in ms: log-normal, a function of the seed and the trial number alone. */
function runTimeMs(seed, number) {
  const rng = new Rng(seed * 100003 + number);
  return Math.round(1000 * median * Math.exp(0.5 * rng.normal()));
}

// The objective program of the CLI modes: evaluates the lab problem, sleeps the trial's run time.
// It loads the problems from this script's build, so every build is scored on the same problems.
const program = join(work, "objective.mjs");
writeFileSync(
  program,
  `const { createLabProblem } = await import(${JSON.stringify(pathToFileURL(join(root, "dist/bench/problems/index.js")).href)});
const { Rng } = await import(${JSON.stringify(pathToFileURL(join(root, "dist/index.js")).href)});
const [name, seed, ...xs] = process.argv.slice(2);
const problem = createLabProblem(name, { seed: 0 });
const params = Object.fromEntries(Object.keys(problem.space).map((p, i) => [p, Number(xs[i])]));
const number = Number(process.env.SEXTANT_TRIAL_NUMBER);
const rng = new Rng(Number(seed) * 100003 + number);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.round(1000 * ${median} * Math.exp(0.5 * rng.normal())));
const value = problem.evaluate(params);
console.log("sextant: " + JSON.stringify(Array.isArray(value) ? { values: value } : { value }));
`,
);

const isMultiObjective = (problem) => problem.kind === "multi-objective";
const directionsOf = (problem) => Array.from({ length: isMultiObjective(problem) ? problem.objectives : 1 }, () => "minimize");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runServe(cli, problem, seed, storage, defineByRun) {
  // Its errors (logged internal errors above all) pass through; its banner does not.
  const { server, base } = await startServe(cli, storage, (line) => line.includes("Ctrl-C stops") || log(`  serve: ${line}`));
  // A connection per request: a kept-alive one that the server closes while a worker sleeps resets the next request.
  const agent = new Agent({ keepAlive: false, maxSockets: jobs });
  const post = jsonPoster(base, agent);
  try {
    await post("/studies", { name: "parallel", directions: directionsOf(problem), sampler: { name: args.sampler, options: { ...samplerOptions, seed } } });
    const trialPath = (number, action) => `/studies/parallel/trials/${number}/${action}`;
    let asked = 0;
    const worker = async () => {
      while (asked < budget) {
        asked++;
        let trial;
        let params;
        if (defineByRun) {
          trial = (await post("/studies/parallel/trials", {})).trial;
          params = {};
          for (const [name, distribution] of Object.entries(problem.space)) params[name] = (await post(trialPath(trial.number, "suggest"), { name, distribution })).value;
        } else {
          trial = (await post("/studies/parallel/trials", { space: problem.space })).trial;
          params = trial.params;
        }
        await sleep(runTimeMs(seed, trial.number));
        const value = problem.evaluate(params);
        await post(trialPath(trial.number, "tell"), { state: "complete", values: Array.isArray(value) ? value : [value] });
      }
    };
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    agent.destroy();
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
}

function runCli(cli, problem, seed, storage, mode) {
  const config = ["--study", "parallel", "--storage", storage, "--sampler", args.sampler, "--seed", String(seed), "--trials", String(budget)];
  for (const [key, value] of Object.entries(samplerOptions)) config.push("--sampler-opt", `${key}=${value}`);
  config.push("--direction", directionsOf(problem).join(","));
  for (const name of Object.keys(problem.space)) config.push("--param", `${name}=float:${problem.space[name].low}:${problem.space[name].high}`);
  const command = ["--", process.execPath, program, problem.name, String(seed), ...Object.keys(problem.space).map((name) => `{${name}}`)];
  const steps =
    mode === "tune"
      ? [["tune", ...config, "--jobs", String(jobs), "--quiet", ...command]]
      : [
          ["create", ...config, ...command],
          ["worker", "--study", "parallel", "--storage", storage, "--jobs", String(jobs), "--quiet"],
        ];
  for (const step of steps) {
    const run = spawnSync(process.execPath, [cli, ...step], { cwd: root, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`sextant ${step[0]} failed (${problem.name}, seed ${seed}): ${run.stderr}`);
  }
}

const unit = (trial) => Object.entries(trial.distributions).map(([name, d]) => encodeValue(d, trial.params[name]));
const isModelProposal = (trial) => trial.systemAttrs["gp:theta"] !== undefined || trial.systemAttrs["gp:modelThetas"] !== undefined || (trial.systemAttrs["auto:sampler"] ?? "gp") !== "gp";

/** Loss (regret as a share) of the complete trials in `finished`: hypervolume regret / max HV, or regret / (|optimum| + 1). */
function lossOf(problem, finished) {
  const values = finished.map((t) => t.values);
  if (isMultiObjective(problem)) return values.length === 0 ? 1 : (problem.maxHypervolume - hypervolume(values, problem.referencePoint)) / problem.maxHypervolume;
  if (values.length === 0) return Infinity;
  return (Math.min(...values.map((v) => v[0])) - problem.optimum) / (Math.abs(problem.optimum) + 1);
}

async function measure(problem, storage) {
  const study = await loadStudy({ name: "parallel", storage });
  const trials = study.trials.filter((t) => t && t.startedAt !== null && Object.keys(t.params).length > 0);
  const near = [];
  for (const trial of trials) {
    const running = trials.filter(
      (u) => u !== trial && (u.startedAt < trial.startedAt || (u.startedAt === trial.startedAt && u.number < trial.number)) && (u.finishedAt === null || u.finishedAt > trial.startedAt),
    );
    if (running.length === 0) continue;
    const p = unit(trial);
    near.push({ distance: Math.min(...running.map((u) => Math.hypot(...unit(u).map((v, i) => v - p[i])))), model: isModelProposal(trial) });
  }
  const t0 = Math.min(...trials.map((t) => t.startedAt));
  const end = Math.max(...trials.map((t) => t.finishedAt ?? t.startedAt));
  const wall = (budget * median * 1000) / jobs;
  const complete = trials.filter((t) => t.state === "complete");
  const lossAt = (ms) => lossOf(problem, complete.filter((t) => t.finishedAt - t0 <= ms));
  await study.close?.();
  return {
    near,
    lossHalf: lossAt(wall / 2),
    lossW: lossAt(wall),
    lossEnd: lossAt(Infinity),
    wallRatio: (end - t0) / wall,
    complete: complete.length,
  };
}

const runs = [];
try {
  for (const name of args.problems.split(",")) {
    const problem = createLabProblem(name, { seed: 0 });
    if (problem.constraints) throw new Error(`${name}: constrained problems are not run here`);
    for (const mode of modes) {
      for (const seed of seeds) {
        for (const build of builds) {
          const storage = `sqlite:${join(work, `${name}-${mode}-${seed}-${builds.indexOf(build)}.db`)}`;
          log(`${name}, ${mode}, seed ${seed}, ${build.label}...`);
          const started = performance.now();
          const cli = join(build.root, "bin/sextant.js");
          if (mode === "serve" || mode === "serve-dbr") await runServe(cli, problem, seed, storage, mode === "serve-dbr");
          else runCli(cli, problem, seed, storage, mode);
          const result = await measure(problem, storage);
          runs.push({ problem: name, mode, seed, build: build.label, ...result });
          if (args.json) writeFileSync(args.json, JSON.stringify({ args, runs }, null, 1));
          const dup = result.near.filter((n) => n.distance < 0.01).length;
          log(`  ${((performance.now() - started) / 1000).toFixed(1)} s, ${dup}/${result.near.length} near-duplicates, loss at W ${result.lossW.toPrecision(3)}, end ${result.lossEnd.toPrecision(3)}`);
        }
      }
    }
  }
} finally {
  if (args.keep) log(`studies kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const f = (v) => (Number.isFinite(v) ? v.toPrecision(3) : String(v));
const spread = (values) => `${f(quantile(values, 0.5))} [${f(quantile(values, 0.25))}, ${f(quantile(values, 0.75))}]`;
const nearCount = (list) => list.filter((n) => n.distance < 0.01).length;
const share = (list) => `${nearCount(list)}/${list.length} (${((100 * nearCount(list)) / Math.max(1, list.length)).toFixed(0)}%)`;
const lines = [
  `${jobs} workers, ${budget} trials, run times log-normal (median ${median} s, σ 0.5), sampler ${args.sampler}${Object.keys(samplerOptions).length ? ` ${JSON.stringify(samplerOptions)}` : ""}, seeds ${seeds.join(",")}; W = trials × median / workers = ${((budget * median) / jobs).toFixed(1)} s`,
  "loss = hypervolume regret / largest hypervolume (one objective: regret / (|optimum| + 1)), median [quartiles] over seeds",
  "| problem | mode | build | near-duplicates of a running trial, all proposals | model proposals | distance to nearest running: median [quartiles] | loss at W/2 | loss at W | loss at end | wall / W |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];
const ratios = [];
for (const name of args.problems.split(",")) {
  for (const mode of modes) {
    for (const build of builds) {
      const group = runs.filter((r) => r.problem === name && r.mode === mode && r.build === build.label);
      if (group.length === 0) continue;
      const near = group.flatMap((r) => r.near);
      lines.push(
        `| ${name} | ${mode} | ${build.label} | ${share(near)} | ${share(near.filter((n) => n.model))} | ${spread(near.map((n) => n.distance))} | ${spread(group.map((r) => r.lossHalf))} | ${spread(group.map((r) => r.lossW))} | ${spread(group.map((r) => r.lossEnd))} | ${spread(group.map((r) => r.wallRatio))} |`,
      );
      if (build === builds[0]) continue;
      // Against the first build, seed by seed.
      const base = runs.filter((r) => r.problem === name && r.mode === mode && r.build === builds[0].label);
      const paired = group.map((r) => [base.find((b) => b.seed === r.seed), r]).filter(([b]) => b);
      const baseNear = base.flatMap((r) => r.near);
      const nearRatio = nearCount(near) / Math.max(1, near.length) / (nearCount(baseNear) / Math.max(1, baseNear.length));
      const lossRatio = (key) => spread(paired.map(([b, r]) => r[key] / b[key]));
      ratios.push(`| ${name} | ${mode} | ${build.label} / ${builds[0].label} | ${f(nearRatio)} (${nearCount(near)} vs ${nearCount(baseNear)}) | ${lossRatio("lossW")} | ${lossRatio("lossEnd")} | ${lossRatio("wallRatio")} |`);
    }
  }
}
if (ratios.length > 0) {
  lines.push("", "Ratios to the first build (loss: per seed, median [quartiles]):", "| problem | mode | builds | near-duplicate share | loss at W | loss at end | wall |", "| --- | --- | --- | --- | --- | --- | --- |", ...ratios);
}
console.log(lines.join("\n"));
