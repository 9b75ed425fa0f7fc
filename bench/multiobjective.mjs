#!/usr/bin/env node
// Multi-objective benchmark: Sextant's samplers and, in the same run, Optuna 3.1's NSGA-II and
// MO-TPE (../shared/reference/optuna_mo_baseline.py) on ZDT1, ZDT2, DTLZ2, Branin-Currin and a
// constrained Branin-Currin. Prints the median hypervolume regret (maximal hypervolume minus
// reached) per problem and sampler and Sextant's ratio to each Optuna sampler; for the constrained
// problem, the median feasible hypervolume (higher is better) next to Optuna NSGA-II given the same
// constraints; and sampler overhead per trial (CPU time) at 200 and 1,000 trials next to Optuna's.
//
// "auto" is Sextant's default for several objectives (the GP with log-EHVI for small numeric
// studies); the targets of issue 9 are checked for it and printed as met or not.
//
// Usage: npm run bench:multiobjective -- [--trials 200] [--seeds 5] [--samplers auto,nsga2,tpe,nsga3,gp,random]
//        [--problems zdt1,...] [--optuna-samplers nsga2,motpe] [--optuna-motpe-dtlz2] [--skip-optuna] [--overhead-trials 1000, 0 to skip]
//        [--overhead-only] [--save part.json] [--combine a.json,b.json,...]
// On a shared machine the table can be measured in parts, each with its Optuna figures measured in
// the same run (e.g. one problem per run with --overhead-trials 0 --save, and one --overhead-only
// run); --combine then prints the whole report from the saved parts without measuring anything.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createSamplerByName, samplerNames } = await import(join(root, "dist/index.js"));
const { hypervolume } = await import(join(root, "dist/analysis/index.js"));
const { MULTIOBJECTIVE_PROBLEMS } = await import(join(root, "dist/bench/multiobjective.js"));

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "200" },
    seeds: { type: "string", default: "5" },
    samplers: { type: "string", default: "auto,nsga2,tpe" },
    problems: { type: "string" },
    "optuna-samplers": { type: "string", default: "nsga2,motpe" },
    "skip-optuna": { type: "boolean", default: false },
    "optuna-motpe-dtlz2": { type: "boolean", default: false },
    "overhead-trials": { type: "string", default: "1000" },
    "overhead-only": { type: "boolean", default: false },
    save: { type: "string" },
    combine: { type: "string" },
  },
});
const nTrials = Number(args.trials);
const nSeeds = Number(args.seeds);
const overheadTrials = Number(args["overhead-trials"]);
const wanted = args.samplers.split(",").filter((name) => samplerNames().includes(name));
const problemKeys = args["overhead-only"] ? [] : args.problems ? args.problems.split(",") : Object.keys(MULTIOBJECTIVE_PROBLEMS).filter((key) => !MULTIOBJECTIVE_PROBLEMS[key].heldOut);
const optunaSamplers = args["optuna-samplers"].split(",").filter(Boolean);
const sharedDir = process.env.SEXTANT_SHARED ?? resolve(root, "../shared");
const referenceDir = join(sharedDir, "reference");
const python = "/usr/bin/python3";
const log = (message) => process.stderr.write(`${message}\n`);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (v) => (v === undefined || v === null || Number.isNaN(v) ? "-" : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3));
const feasible = (constraints) => constraints.every((c) => c <= 0);

// --- Optuna reference, measured in this run ---
// For the constrained problem and the overhead figures, a few lines that reuse the reference
// script's problem definitions (the script itself covers only the unconstrained problems).
const OPTUNA_EXTRA = `
import sys, json, math, statistics, time
sys.path.insert(0, sys.argv[1])
import numpy as np, optuna
from optuna._hypervolume import WFG
from optuna_mo_baseline import PROBLEMS
optuna.logging.set_verbosity(optuna.logging.WARNING)
mode, n, seeds = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
f, bounds, _, _ = PROBLEMS['branin_currin']
def disk(x):
    x0, x1 = 15 * x[0] - 5, 15 * x[1]
    return [(x0 - 2.5) ** 2 + (x1 - 7.5) ** 2 - 50]
if mode == 'constrained':
    ref = np.array([80.0, 12.0]); hvs = []; all_feasible = True
    for s in range(seeds):
        sampler = optuna.samplers.NSGAIISampler(seed=s, constraints_func=lambda t: t.user_attrs['c'])
        st = optuna.create_study(directions=['minimize'] * 2, sampler=sampler)
        def objective(t):
            x = [t.suggest_float(f'x{i}', lo, hi) for i, (lo, hi) in enumerate(bounds)]
            t.set_user_attr('c', disk(x))
            return f(x)
        st.optimize(objective, n_trials=n)
        pts = np.array([t.values for t in st.trials if t.values is not None and all(c <= 0 for c in t.user_attrs['c'])])
        pts = pts[np.all(pts < ref, axis=1)] if len(pts) else pts
        hvs.append(WFG().compute(pts, ref) if len(pts) else 0.0)
    print(json.dumps({'median_feasible_hv': statistics.median(hvs)}))
else:
    f, bounds, _, _ = PROBLEMS['zdt1']
    sampler = optuna.samplers.NSGAIISampler(seed=0) if sys.argv[5] == 'nsga2' else optuna.samplers.TPESampler(seed=0)
    st = optuna.create_study(directions=['minimize'] * 2, sampler=sampler)
    marks = {}; last = time.process_time(); last_n = 0
    def callback(study, trial):
        global last, last_n
        k = trial.number + 1
        if k in (200, n):
            now = time.process_time(); marks[f'{last_n + 1}-{k}'] = (now - last) * 1000 / (k - last_n); last, last_n = now, k
    st.optimize(lambda t: f([t.suggest_float(f'x{i}', lo, hi) for i, (lo, hi) in enumerate(bounds)]), n_trials=n, callbacks=[callback])
    print(json.dumps(marks))
`;

const optuna = { regret: {}, constrainedHv: null, overhead: {} };
if (!args["skip-optuna"] && !args.combine) {
  const script = join(referenceDir, "optuna_mo_baseline.py");
  if (!existsSync(script) || spawnSync(python, ["-c", "import optuna"]).status !== 0) {
    log("Optuna reference unavailable (needs ../shared/reference and Debian's python3-optuna); use --skip-optuna");
    process.exit(2);
  }
  const unconstrained = problemKeys.filter((key) => !MULTIOBJECTIVE_PROBLEMS[key]?.constraints);
  for (const sampler of optunaSamplers) {
    // Optuna's MO-TPE takes over 25 minutes on DTLZ2 (200 trials x 5 seeds); the issue's targets
    // compare DTLZ2 with NSGA-II only, so it is left out unless asked for.
    const problems = unconstrained.filter((key) => sampler !== "motpe" || key !== "dtlz2" || args["optuna-motpe-dtlz2"]);
    if (problems.length === 0) continue;
    log(`optuna: ${sampler} on ${problems.join(", ")}, ${nTrials} trials x ${nSeeds} seeds ...`);
    const run = spawnSync(python, [script, String(nTrials), String(nSeeds), problems.join(","), sampler], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    if (run.status !== 0) throw new Error(`optuna_mo_baseline.py failed: ${run.stderr}`);
    for (const match of run.stdout.matchAll(/^(\S+)\s+(\S+)\s+median_hv=\S+ max_hv=\S+ median_hv_regret=(\S+)/gm)) {
      (optuna.regret[match[2]] ??= {})[match[1]] = Number(match[3]);
      log(`optuna ${match[2].padEnd(7)} ${match[1].padEnd(26)} hv regret ${fmt(Number(match[3]))}`);
    }
  }
  if (problemKeys.includes("constrained_branin_currin") && optunaSamplers.includes("nsga2")) {
    log("optuna: NSGA-II with constraints_func on constrained Branin-Currin ...");
    const run = spawnSync(python, ["-c", OPTUNA_EXTRA, referenceDir, "constrained", String(nTrials), String(nSeeds)], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`Optuna constrained run failed: ${run.stderr}`);
    optuna.constrainedHv = JSON.parse(run.stdout.trim().split("\n").pop()).median_feasible_hv;
    log(`optuna nsga2   constrained_branin_currin  feasible hv ${fmt(optuna.constrainedHv)}`);
  }
  for (const sampler of overheadTrials > 0 ? optunaSamplers : []) {
    log(`optuna: ${sampler} overhead on ZDT1 up to ${overheadTrials} trials ...`);
    const run = spawnSync(python, ["-c", OPTUNA_EXTRA, referenceDir, "overhead", String(overheadTrials), "1", sampler], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`Optuna overhead run failed: ${run.stderr}`);
    optuna.overhead[sampler] = JSON.parse(run.stdout.trim().split("\n").pop());
    log(`optuna ${sampler} overhead ms/trial: ${JSON.stringify(optuna.overhead[sampler])}`);
  }
}

// --- Sextant ---
async function runOnce(samplerName, problem, seed, trials) {
  const study = await createStudy({
    directions: problem.reference.map(() => "minimize"),
    sampler: createSamplerByName(samplerName, { seed }),
    // Constraints through the library's API: computed from the trial's parameters after the objective.
    ...(problem.constraints
      ? { constraints: (trial) => problem.constraints(Array.from({ length: problem.dimension }, (_, i) => trial.params[`x${i}`])) }
      : {}),
  });
  // Overhead in CPU time of this process (wall time would count other processes' load on a shared machine).
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  let evalMs = 0;
  const marks = {};
  let last = cpuMs();
  let lastN = 0;
  await study.optimize(
    (trial) => {
      const x = Array.from({ length: problem.dimension }, (_, i) => trial.suggestFloat(`x${i}`, 0, 1));
      const t0 = performance.now();
      const values = problem.evaluate(x);
      evalMs += performance.now() - t0;
      return values;
    },
    {
      nTrials: trials,
      callbacks: [
        (_study, trial) => {
          const k = trial.number + 1;
          if (k === 200 || k === trials) {
            const now = cpuMs();
            marks[`${lastN + 1}-${k}`] = (now - last - evalMs) / (k - lastN);
            evalMs = 0;
            last = now;
            lastN = k;
          }
        },
      ],
    },
  );
  // What the user gets back: study.bestTrials, which must hold feasible trials only.
  const best = study.bestTrials;
  const infeasibleBest = problem.constraints ? best.filter((t) => !feasible(t.systemAttrs.constraints ?? [1])).length : 0;
  return { hv: hypervolume(best.map((t) => t.values), problem.reference), marks, infeasibleBest };
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (position - lo);
};

const sextant = {};
const spread = {};
let infeasibleBestTotal = 0;
for (const samplerName of args.combine ? [] : wanted) {
  for (const key of problemKeys) {
    const problem = MULTIOBJECTIVE_PROBLEMS[key];
    if (!problem) throw new Error(`unknown problem "${key}" (choose from ${Object.keys(MULTIOBJECTIVE_PROBLEMS).join(", ")})`);
    const scores = [];
    for (let seed = 0; seed < nSeeds; seed++) {
      const run = await runOnce(samplerName, problem, seed, nTrials);
      infeasibleBestTotal += run.infeasibleBest;
      scores.push(problem.maxHypervolume === null ? run.hv : problem.maxHypervolume - run.hv);
      log(`  sextant ${samplerName} ${key} seed ${seed}: ${problem.maxHypervolume === null ? "feasible hv" : "hv regret"} ${fmt(scores[scores.length - 1])}` +
        (problem.constraints ? `, ${run.infeasibleBest} infeasible best trial(s)` : ""));
    }
    (sextant[samplerName] ??= {})[key] = median(scores);
    (spread[samplerName] ??= {})[key] = [quantile(scores, 0.25), quantile(scores, 0.75)];
    log(`sextant ${samplerName.padEnd(7)} ${key.padEnd(26)} ${problem.maxHypervolume === null ? "feasible hv" : "hv regret"} ${fmt(sextant[samplerName][key])} [${spread[samplerName][key].map(fmt).join(", ")}]`);
  }
}

// --- Overhead: one long run per sampler on ZDT1 ---
const sextantOverhead = {};
for (const s of args.combine || overheadTrials === 0 ? [] : wanted.filter((name) => name !== "random")) {
  log(`sextant: ${s} overhead on ZDT1 up to ${overheadTrials} trials ...`);
  sextantOverhead[s] = (await runOnce(s, MULTIOBJECTIVE_PROBLEMS.zdt1, 0, overheadTrials)).marks;
}

// --- Results: this run's, or the saved parts to combine ---
let results = {
  nTrials, nSeeds, overheadTrials, problemKeys, wanted, optunaSamplers,
  skipOptuna: args["skip-optuna"], optuna, sextant, spread, infeasibleBestTotal,
  overhead: { sextant: sextantOverhead },
};
if (args.save) writeFileSync(args.save, JSON.stringify(results, null, 1));
if (args.combine) results = combineParts(args.combine.split(",").map((file) => JSON.parse(readFileSync(file, "utf8"))));

/** Merges saved parts: problems, samplers and figures from all; the trial and seed counts must agree. */
function combineParts(parts) {
  const merged = {
    nTrials: parts[0].nTrials, nSeeds: parts[0].nSeeds, overheadTrials: 0, problemKeys: [], wanted: [], optunaSamplers: [],
    skipOptuna: parts.some((p) => p.skipOptuna), optuna: { regret: {}, constrainedHv: null, overhead: {} },
    sextant: {}, spread: {}, infeasibleBestTotal: 0, overhead: { sextant: {} },
  };
  const union = (into, from) => { for (const v of from) if (!into.includes(v)) into.push(v); };
  for (const part of parts) {
    if (part.problemKeys.length > 0 && (part.nTrials !== merged.nTrials || part.nSeeds !== merged.nSeeds)) {
      throw new Error(`--combine: parts differ in trials or seeds (${part.nTrials} x ${part.nSeeds} vs ${merged.nTrials} x ${merged.nSeeds})`);
    }
    union(merged.problemKeys, part.problemKeys);
    if (part.problemKeys.length > 0) union(merged.wanted, part.wanted);
    union(merged.optunaSamplers, part.optunaSamplers);
    for (const [o, byProblem] of Object.entries(part.optuna.regret)) Object.assign((merged.optuna.regret[o] ??= {}), byProblem);
    if (part.optuna.constrainedHv !== null) merged.optuna.constrainedHv = part.optuna.constrainedHv;
    Object.assign(merged.optuna.overhead, part.optuna.overhead);
    for (const [s, byProblem] of Object.entries(part.sextant)) Object.assign((merged.sextant[s] ??= {}), byProblem);
    for (const [s, byProblem] of Object.entries(part.spread)) Object.assign((merged.spread[s] ??= {}), byProblem);
    merged.infeasibleBestTotal += part.infeasibleBestTotal;
    Object.assign(merged.overhead.sextant, part.overhead.sextant);
    merged.overheadTrials = Math.max(merged.overheadTrials, part.overheadTrials);
  }
  return merged;
}

// --- Report ---
{
const { nTrials, nSeeds, problemKeys, wanted, optunaSamplers, optuna, sextant, spread, infeasibleBestTotal } = results;
const regretKeys = problemKeys.filter((key) => MULTIOBJECTIVE_PROBLEMS[key].maxHypervolume !== null);
if (regretKeys.length > 0) {
console.log(`\nMedian hypervolume regret, ${nTrials} trials x ${nSeeds} seeds (lower is better); ratio = Sextant / Optuna, measured in this run`);
const header = ["problem".padEnd(22), ...optunaSamplers.map((s) => `optuna ${s}`.padStart(14)), ...wanted.map((s) => s.padStart(10))];
for (const s of wanted) for (const o of optunaSamplers) header.push(`${s}/${o}`.padStart(14));
console.log(header.join(" "));
for (const key of regretKeys) {
  const row = [MULTIOBJECTIVE_PROBLEMS[key].name.padEnd(22), ...optunaSamplers.map((o) => fmt(optuna.regret[o]?.[key]).padStart(14))];
  row.push(...wanted.map((s) => fmt(sextant[s]?.[key]).padStart(10)));
  for (const s of wanted) for (const o of optunaSamplers) row.push(fmt(sextant[s]?.[key] / optuna.regret[o]?.[key]).padStart(14));
  console.log(row.join(" "));
}
console.log(`  spread: interquartile range of the regret over the ${nSeeds} seeds`);
for (const key of regretKeys) {
  console.log(`  ${MULTIOBJECTIVE_PROBLEMS[key].name.padEnd(22)} ${wanted.map((s) => `${s} [${(spread[s]?.[key] ?? []).map(fmt).join(", ")}]`).join("  ")}`);
}
}
if (problemKeys.includes("constrained_branin_currin")) {
  console.log("\nConstrained Branin-Currin: median hypervolume of feasible trials (higher is better), reference (80, 12)");
  console.log(`  optuna nsga2 (constraints_func): ${fmt(optuna.constrainedHv)}`);
  for (const s of wanted) {
    const hv = sextant[s]?.constrained_branin_currin;
    console.log(`  ${s.padEnd(31)} ${fmt(hv)}   ratio ${fmt(hv / (optuna.constrainedHv ?? Number.NaN))}`);
  }
}

if (wanted.includes("auto") && !results.skipOptuna && problemKeys.length > 0) {
  const main = ["zdt1", "zdt2", "dtlz2", "branin_currin"].filter((key) => regretKeys.includes(key));
  const halfOfNsga2 = main.filter((key) => sextant.auto[key] <= 0.5 * optuna.regret.nsga2?.[key]);
  const beatsBetter = main.filter((key) => {
    const better = Math.min(...optunaSamplers.map((o) => optuna.regret[o]?.[key] ?? Number.POSITIVE_INFINITY));
    return sextant.auto[key] < better;
  });
  const verdict = (ok) => (ok ? "MET" : "NOT MET");
  console.log("\nTargets for Sextant's default (auto) with several objectives:");
  console.log(`  regret <= half of Optuna NSGA-II's on every problem: ${halfOfNsga2.length}/${main.length} ${verdict(halfOfNsga2.length === main.length)}` +
    (halfOfNsga2.length < main.length ? ` (not on ${main.filter((k) => !halfOfNsga2.includes(k)).join(", ")})` : ""));
  console.log(`  beats Optuna's better sampler on at least 3 of 4: ${beatsBetter.length}/${main.length} ${verdict(beatsBetter.length >= 3)}`);
  if (problemKeys.includes("constrained_branin_currin")) {
    const hv = sextant.auto.constrained_branin_currin;
    console.log(`  constrained: every returned best trial feasible (${infeasibleBestTotal} infeasible over all samplers and seeds): ${verdict(infeasibleBestTotal === 0)}`);
    console.log(`  constrained: feasible hypervolume beats Optuna NSGA-II with constraints_func (${fmt(hv)} vs ${fmt(optuna.constrainedHv)}): ${verdict(hv > optuna.constrainedHv)}`);
  }
}

if (Object.keys(results.overhead.sextant).length > 0) {
  console.log(`\nSampler overhead per trial on ZDT1 (ms of CPU time: the process's CPU time minus the objective's), one run of ${results.overheadTrials} trials; ratio to each Optuna sampler`);
  for (const o of results.optunaSamplers) {
    console.log(`  ${`optuna ${o}`.padEnd(14)} ${Object.entries(optuna.overhead[o] ?? {}).map(([range, ms]) => `${range}: ${fmt(ms)}`).join("  ") || "-"}`);
  }
  for (const [s, marks] of Object.entries(results.overhead.sextant)) {
    const ratios = Object.entries(marks).map(([range, ms]) => {
      const against = results.optunaSamplers.filter((o) => optuna.overhead[o]?.[range]).map((o) => `${fmt(ms / optuna.overhead[o][range])}x ${o}`);
      return `${range}: ${fmt(ms)}${against.length ? ` (${against.join(", ")})` : ""}`;
    });
    console.log(`  ${s.padEnd(14)} ${ratios.join("  ")}`);
  }
}
}
