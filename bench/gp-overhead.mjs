#!/usr/bin/env node
// GP overhead per trial as a study grows, next to the targets of issue 12 and next to Optuna 3.1.
// Optuna 3.1 has no GPSampler, so the Optuna figure is its TPE's per-trial time on the same
// objective and budget (labelled as such): a floor for what a user pays per trial elsewhere.
//
// The objective is a shifted sphere (sum (x_i - 0.3)^2 over [0, 1]^d, as shared/reference/optuna_overhead.py),
// so the time is the sampler's own (plus the study's bookkeeping). Reported per configuration: CPU ms
// per trial over the whole study and over its last 10 trials (the marginal cost at that size), median
// over --repeats runs with different seeds. CPU time rather than wall-clock because the machine is
// shared: wall time measures the neighbours. Both sides are measured the same way (process.cpuUsage,
// Python's time.process_time), in the same run.
//
// Usage: npm run bench:gp-overhead -- [--repeats 1] [--sampler gp|turbo] [--sampler-opt key=value ...] [--skip-optuna] [--only 6x100|20x300|100x300]
//        (run it under `nice -n 10` on a shared machine; 20-D x 300 trials takes about a minute of CPU)
//        `--sampler turbo` measures TuRBO at 20-D and 100-D x 300 trials (its range; issue 12 sets no
//        target for it, so none is checked); 100x300 runs only for turbo or when asked with --only.
import { spawnSync } from "node:child_process";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createSamplerByName } = await import(join(root, "dist/index.js"));

const { values: args } = parseArgs({
  options: {
    repeats: { type: "string", default: "1" },
    sampler: { type: "string", default: "gp" },
    "sampler-opt": { type: "string", multiple: true, default: [] },
    "skip-optuna": { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const highDimensional = args.sampler === "turbo";
const configs = [
  { d: 6, trials: 100, targetMs: highDimensional ? null : 50 },
  { d: 20, trials: 300, targetMs: highDimensional ? null : 200 },
  { d: 100, trials: 300, targetMs: null },
].filter((c) => (args.only ? args.only === `${c.d}x${c.trials}` : highDimensional ? c.d >= 20 : c.d < 100));
const repeats = Number(args.repeats);
// --sampler-opt key=value, as `sextant tune` takes them (inputWarping=true, say).
const samplerOptions = Object.fromEntries(args["sampler-opt"].map((option) => {
  const at = option.indexOf("=");
  if (at < 1) throw new Error(`--sampler-opt wants key=value, got "${option}"`);
  return [option.slice(0, at), option.slice(at + 1)];
}));
const log = (m) => process.stderr.write(`${m}\n`);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];

async function sextantRun(d, trials, seed) {
  const study = await createStudy({ sampler: createSamplerByName(args.sampler, { ...samplerOptions, seed }) });
  const times = [];
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  let last = cpu();
  await study.optimize(
    (trial) => {
      let s = 0;
      for (let i = 0; i < d; i++) s += (trial.suggestFloat(`x${i}`, 0, 1) - 0.3) ** 2;
      return s;
    },
    { nTrials: trials, callbacks: [() => { const now = cpu(); times.push(now - last); last = now; }] },
  );
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  return { whole: mean(times), tail: mean(times.slice(-10)) };
}

function optunaRun(d, trials, seed) {
  const script = `
import time, warnings
warnings.filterwarnings('ignore')
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
st = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=${seed}))
times = []
last = [time.process_time()]
def cb(study, trial):
    now = time.process_time(); times.append(now - last[0]); last[0] = now
st.optimize(lambda t: sum((t.suggest_float(f'x{i}', 0, 1) - 0.3) ** 2 for i in range(${d})), n_trials=${trials}, callbacks=[cb])
print(sum(times) / len(times) * 1000, sum(times[-10:]) / 10 * 1000)
`;
  const run = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" });
  const [whole, tail] = (run.stdout ?? "").trim().split(/\s+/).map(Number);
  if (!Number.isFinite(whole)) {
    log(`optuna run failed: ${run.stderr}`);
    return null;
  }
  return { whole, tail };
}

const fmt = (v) => (v === undefined || v === null || Number.isNaN(v) ? "-" : v.toFixed(1));
const lines = [`${args.sampler}${args["sampler-opt"].map((o) => ` ${o}`).join("")} overhead, CPU ms per trial (median of ${repeats} run(s); objective: shifted sphere, so the time is the sampler's)`];
const targets = [];
for (const { d, trials, targetMs } of configs) {
  const ours = [];
  const theirs = [];
  for (let r = 0; r < repeats; r++) {
    log(`${args.sampler} ${d}-D, ${trials} trials, seed ${r}...`);
    ours.push(await sextantRun(d, trials, r));
    if (!args["skip-optuna"]) {
      const o = optunaRun(d, trials, r);
      if (o) theirs.push(o);
    }
  }
  const whole = median(ours.map((o) => o.whole));
  const tail = median(ours.map((o) => o.tail));
  const optWhole = theirs.length ? median(theirs.map((o) => o.whole)) : null;
  const optTail = theirs.length ? median(theirs.map((o) => o.tail)) : null;
  lines.push(
    `  ${d}-D, ${trials} trials: whole study ${fmt(whole)} ms/trial, last 10 trials ${fmt(tail)} ms/trial;` +
      (targetMs === null ? "" : ` target <= ${targetMs};`) +
      ` Optuna 3.1 TPE (no GPSampler in 3.1) ${fmt(optWhole)} / ${fmt(optTail)} ms/trial` +
      (optWhole ? `, ratio ${(whole / optWhole).toFixed(1)}x / ${(tail / optTail).toFixed(1)}x` : ""),
  );
  if (repeats > 1) lines.push(`    per seed (0..${repeats - 1}), whole / last 10: ${ours.map((o) => `${fmt(o.whole)} / ${fmt(o.tail)}`).join(", ")}`);
  if (targetMs === null) continue;
  targets.push([`${d}-D at ${trials} trials, whole study <= ${targetMs} ms/trial`, `${fmt(whole)} ms`, whole <= targetMs]);
  targets.push([`${d}-D at ${trials} trials, last 10 trials <= ${targetMs} ms/trial`, `${fmt(tail)} ms`, tail <= targetMs]);
}
if (targets.length > 0) lines.push("", "Targets (issue 12):");
for (const [what, got, ok] of targets) lines.push(`  ${ok ? "PASS" : "FAIL"}  ${what}: ${got}`);
console.log(lines.join("\n"));
