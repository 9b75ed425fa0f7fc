#!/usr/bin/env node
// Sampler benchmark: Sextant's samplers and, in the same run, the Optuna 3.1 reference, on the same
// seven functions. Prints median final regret per function and sampler, Sextant's ratio to Optuna
// TPE, and overhead per trial, each next to the reference measured in this run.
//
// Usage: npm run bench:samplers -- [--trials 100] [--seeds 10] [--samplers auto,tpe,random,...]
//        [--functions branin2,...] [--skip-optuna] [--overhead-trials 1000]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createSamplerByName, samplerNames } = await import(join(root, "dist/index.js"));
const { TEST_FUNCTIONS } = await import(join(root, "dist/bench/functions.js"));

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "100" },
    seeds: { type: "string", default: "10" },
    samplers: { type: "string" },
    functions: { type: "string" },
    "skip-optuna": { type: "boolean", default: false },
    "overhead-trials": { type: "string", default: "1000" },
  },
});
const nTrials = Number(args.trials);
const nSeeds = Number(args.seeds);
const overheadTrials = Number(args["overhead-trials"]);
const available = samplerNames();
const defaultSampler = available.includes("auto") ? "auto" : "random";
const wanted = (args.samplers ?? [defaultSampler, "tpe", "random", "sobol", "cmaes", "cem"].join(","))
  .split(",")
  .filter((name, i, all) => all.indexOf(name) === i && available.includes(name));
const functionKeys = args.functions ? args.functions.split(",") : Object.keys(TEST_FUNCTIONS);

const sharedDir = process.env.SEXTANT_SHARED ?? resolve(root, "../shared");
const python = "/usr/bin/python3";
const log = (message) => process.stderr.write(`${message}\n`);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
const geomean = (values) => Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
const fmt = (v) => (v === undefined || v === null || Number.isNaN(v) ? "-" : Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));

// --- Optuna reference, measured in this run ---
const optuna = { regret: {}, overheadMs: {}, growth: {} };
if (!args["skip-optuna"]) {
  const script = join(sharedDir, "reference/optuna_baseline.py");
  if (!existsSync(script) || spawnSync(python, ["-c", "import optuna"]).status !== 0) {
    log("Optuna reference unavailable (needs ../shared/reference and Debian's python3-optuna); use --skip-optuna");
    process.exit(2);
  }
  log(`optuna: TPE and random, ${nTrials} trials x ${nSeeds} seeds ...`);
  const run = spawnSync(python, [script, String(nTrials), String(nSeeds), "tpe,random"], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`optuna_baseline.py failed: ${run.stderr}`);
  const lines = run.stdout.trim().split("\n");
  const summary = JSON.parse(lines[lines.length - 1]);
  for (const [key, value] of Object.entries(summary)) {
    const [fname, sname] = key.split("/");
    (optuna.regret[sname] ??= {})[fname] = value.median_regret;
    (optuna.overheadMs[sname] ??= {})[fname] = value.ms_per_trial;
  }
  log(`optuna: TPE overhead as a 6-D study grows to ${overheadTrials} trials ...`);
  const growth = spawnSync(python, [join(sharedDir, "reference/optuna_overhead.py"), String(overheadTrials), "tpe"], { encoding: "utf8" });
  for (const match of growth.stdout.matchAll(/trials (\d+)-(\d+): ([\d.]+) ms\/trial/g)) optuna.growth[`${match[1]}-${match[2]}`] = Number(match[3]);
}

// --- Sextant ---
async function runOnce(samplerName, fn, seed) {
  const study = await createStudy({ sampler: createSamplerByName(samplerName, { seed }), direction: "minimize" });
  let evalMs = 0;
  const started = performance.now();
  await study.optimize(
    (trial) => {
      const x = fn.bounds.map(([low, high], i) => trial.suggestFloat(`x${i}`, low, high));
      const t0 = performance.now();
      const value = fn.evaluate(x);
      evalMs += performance.now() - t0;
      return value;
    },
    { nTrials },
  );
  const wall = performance.now() - started;
  return { regret: study.bestValue - fn.optimum, overheadMs: (wall - evalMs) / nTrials };
}

const sextant = { regret: {}, overheadMs: {} };
for (const samplerName of wanted) {
  for (const key of functionKeys) {
    const fn = TEST_FUNCTIONS[key];
    const regrets = [];
    const overheads = [];
    for (let seed = 0; seed < nSeeds; seed++) {
      const { regret, overheadMs } = await runOnce(samplerName, fn, seed);
      regrets.push(regret);
      overheads.push(overheadMs);
    }
    (sextant.regret[samplerName] ??= {})[key] = median(regrets);
    (sextant.overheadMs[samplerName] ??= {})[key] = overheads.reduce((a, b) => a + b, 0) / overheads.length;
    log(`sextant ${samplerName.padEnd(7)} ${key.padEnd(12)} median regret ${fmt(median(regrets))}  ${fmt(sextant.overheadMs[samplerName][key])} ms/trial`);
  }
}

// Overhead as a 6-D study grows (the same objective as optuna_overhead.py).
async function growthOverhead(samplerName) {
  const study = await createStudy({ sampler: createSamplerByName(samplerName, { seed: 0 }) });
  const marks = new Map();
  let last = performance.now();
  let lastN = 0;
  await study.optimize(
    (trial) => {
      let s = 0;
      for (let i = 0; i < 6; i++) s += (trial.suggestFloat(`x${i}`, 0, 1) - 0.3) ** 2;
      return s;
    },
    {
      nTrials: overheadTrials,
      callbacks: [
        (_study, trial) => {
          const k = trial.number + 1;
          if (k === 100 || k === 300 || k === 1000 || k === 3000 || k === overheadTrials) {
            const now = performance.now();
            marks.set(`${lastN + 1}-${k}`, (now - last) / (k - lastN));
            last = now;
            lastN = k;
          }
        },
      ],
    },
  );
  return Object.fromEntries(marks);
}
const growth = available.includes("tpe") ? await growthOverhead("tpe") : {};

// --- Report ---
const out = [];
const print = (line = "") => out.push(line);
const opt = optuna.regret.tpe ?? {};
print(`Median final regret after ${nTrials} trials over ${nSeeds} seeds (lower is better); ratio = Sextant / Optuna TPE, same run`);
const header = ["function", "Optuna TPE", "Optuna random", ...wanted.flatMap((s) => [`${s}`, `${s}/TPE`])];
const rows = functionKeys.map((key) => [
  key,
  fmt(opt[key]),
  fmt(optuna.regret.random?.[key]),
  ...wanted.flatMap((s) => [fmt(sextant.regret[s][key]), opt[key] ? fmt(sextant.regret[s][key] / opt[key]) : "-"]),
]);
const summaryRow = ["geomean ratio", "", "", ...wanted.flatMap((s) => ["", opt.branin2 ? fmt(geomean(functionKeys.map((k) => Math.max(sextant.regret[s][k], 1e-12) / opt[k]))) : "-"])];
const winsRow = ["wins vs TPE", "", "", ...wanted.flatMap((s) => ["", opt.branin2 ? `${functionKeys.filter((k) => sextant.regret[s][k] < opt[k]).length}/${functionKeys.length}` : "-"])];
const table = [header, ...rows, summaryRow, winsRow];
const widths = header.map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
for (const row of table) print(row.map((cell, c) => String(cell).padEnd(widths[c])).join("  "));
print();
print("Overhead per trial (ms, sampler + study bookkeeping, objective time excluded), same run:");
const optOverhead = optuna.overheadMs.tpe ?? {};
const ohHeader = ["function", "Optuna TPE", ...wanted.flatMap((s) => [s, `${s}/TPE`])];
const ohRows = functionKeys.map((key) => [
  key,
  fmt(optOverhead[key]),
  ...wanted.flatMap((s) => [fmt(sextant.overheadMs[s][key]), optOverhead[key] ? fmt(sextant.overheadMs[s][key] / optOverhead[key]) : "-"]),
]);
const ohTable = [ohHeader, ...ohRows];
const ohWidths = ohHeader.map((_, c) => Math.max(...ohTable.map((r) => String(r[c]).length)));
for (const row of ohTable) print(row.map((cell, c) => String(cell).padEnd(ohWidths[c])).join("  "));
print();
print(`TPE overhead as a 6-D study grows to ${overheadTrials} trials (ms/trial):`);
for (const [range, ms] of Object.entries(growth)) {
  const ref = optuna.growth[range];
  print(`  trials ${range.padEnd(9)} Sextant ${fmt(ms).padStart(7)}   Optuna ${fmt(ref).padStart(7)}   ratio ${ref ? fmt(ms / ref) : "-"}`);
}

// Targets from the issue.
print();
const checks = [];
if (opt.branin2) {
  const d = defaultSampler;
  const wins = functionKeys.filter((k) => sextant.regret[d][k] < opt[k]).length;
  const g = geomean(functionKeys.map((k) => Math.max(sextant.regret[d][k], 1e-12) / opt[k]));
  checks.push([`default (${d}) beats Optuna TPE on >= 6 of 7`, `${wins}/${functionKeys.length}`, wins >= 6]);
  checks.push([`default (${d}) geomean regret ratio <= 0.1`, fmt(g), g <= 0.1]);
  if (sextant.regret.tpe) {
    const gt = geomean(functionKeys.map((k) => Math.max(sextant.regret.tpe[k], 1e-12) / opt[k]));
    checks.push(["TPE geomean regret ratio <= 1.0", fmt(gt), gt <= 1.0]);
  }
}
const lateRange = Object.keys(growth).find((r) => r.endsWith(`-${overheadTrials}`));
if (lateRange) checks.push([`TPE overhead at ${lateRange} trials <= 1 ms`, `${fmt(growth[lateRange])} ms`, growth[lateRange] <= 1]);
const gpName = sextant.overheadMs.gp ? "gp" : sextant.overheadMs.auto ? "auto" : null;
if (gpName && sextant.overheadMs[gpName].hartmann6 !== undefined) {
  const ms = sextant.overheadMs[gpName].hartmann6;
  const ref = optOverhead.hartmann6;
  checks.push([`${gpName} (GP) overhead on Hartmann6 <= 50 ms`, `${fmt(ms)} ms${ref ? ` (Optuna TPE ${fmt(ref)} ms, ratio ${fmt(ms / ref)})` : ""}`, ms <= 50]);
}
print("Targets:");
for (const [what, got, ok] of checks) print(`  ${ok ? "PASS" : "FAIL"}  ${what}: ${got}`);

console.log(out.join("\n"));
mkdirSync(join(root, "bench/results"), { recursive: true });
const file = join(root, `bench/results/samplers-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify({ nTrials, nSeeds, optuna, sextant, growth }, null, 2));
log(`results saved to ${file}`);
