#!/usr/bin/env node
// Pruner benchmark: Sextant's median, ASHA and Hyperband and, in the same run, Optuna 3.1's, on the
// same synthetic learning curves (noisy, saturating, crossing). Trial i follows curve i and the
// pruner is asked after every report, so both sides see identical histories: steps spent and best
// final value must agree, and the time per prune call is compared as a ratio.
//
// A second table times each pruner on a few long learning curves (--long-steps, 8 curves) against
// the same pruner on curves of --steps steps in the same run: a ratio near 1 means a decision costs
// the same however long the trial's curve is (it was about 400 for asha at 20,000 steps, when
// every decision scanned all of the trial's steps). The long-curve table also times the wilcoxon and
// curve pruners (not in Optuna's comparison: Optuna 3.1 has neither) and prints each pruner's time
// per call on the long curves as a ratio to the median pruner's in the same run.
//
// Usage: npm run bench:pruners -- [--trials 300] [--steps 27] [--long-steps 20000] [--seed 1] [--skip-optuna]
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createPrunerByName } = await import(join(root, "dist/index.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "300" },
    steps: { type: "string", default: "27" },
    "long-steps": { type: "string", default: "20000" },
    seed: { type: "string", default: "1" },
    "skip-optuna": { type: "boolean", default: false },
  },
});
const nTrials = Number(args.trials);
const nSteps = Number(args.steps);

/** A fast starter may end worse than a slow one: the final value and the rate are independent. */
function makeCurves(seed, trials = nTrials, steps = nSteps) {
  const rng = new Rng(seed);
  return Array.from({ length: trials }, () => {
    const final = rng.uniformIn(0.1, 1);
    const start = final + rng.uniformIn(0.5, 2);
    const rate = rng.uniformIn(0.02, 0.4);
    return Array.from({ length: steps }, (_, s) => Number((final + (start - final) * Math.exp(-rate * s) + 0.03 * rng.normal()).toFixed(6)));
  });
}

const PRUNERS = {
  none: ["none", {}],
  median: ["median", { nStartupTrials: 5, nWarmupSteps: 0 }],
  asha: ["asha", { minResource: 1, reductionFactor: 3 }],
  // maxResource: the curves' length, set per run (the long curves of the second table are longer).
  hyperband: ["hyperband", { minResource: 1, reductionFactor: 3 }],
};
// Timed on the long curves only. The curve pruner trains once 3 trials are complete (of the 8).
const LONG_ONLY = {
  wilcoxon: ["wilcoxon", { pThreshold: 0.1 }],
  curve: ["curve", { minTrials: 3, seed: 1 }],
};

async function runSextant(name, curves) {
  const [kind, fixed] = PRUNERS[name] ?? LONG_ONLY[name];
  const options = kind === "hyperband" ? { ...fixed, maxResource: curves[0].length } : fixed;
  const study = await createStudy({ name: "bench-pruners", direction: "minimize", pruner: createPrunerByName(kind, options) });
  let steps = 0;
  let pruned = 0;
  let best = Infinity;
  let pruneNs = 0n;
  let calls = 0;
  for (const curve of curves) {
    const trial = await study.ask();
    let stopped = false;
    for (let step = 0; step < curve.length; step++) {
      trial.reportIntermediate(curve[step], step);
      steps++;
      const start = process.hrtime.bigint();
      const decision = trial.shouldPrune();
      pruneNs += process.hrtime.bigint() - start;
      calls++;
      if (decision) {
        stopped = true;
        break;
      }
    }
    if (stopped) {
      pruned++;
      await study.tell(trial, { state: "pruned" });
    } else {
      best = Math.min(best, curve[curve.length - 1]);
      await study.tell(trial, curve[curve.length - 1]);
    }
  }
  return { steps, pruned, best, pruneSeconds: Number(pruneNs) / 1e9, calls };
}

const curves = makeCurves(Number(args.seed));
const names = Object.keys(PRUNERS);
const sextant = {};
for (const name of names) sextant[name] = await runSextant(name, curves);

let optuna = null;
if (!args["skip-optuna"]) {
  const run = spawnSync("/usr/bin/python3", [join(root, "bench/pruners.py")], { input: JSON.stringify({ curves, pruners: names }), encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status === 0) optuna = JSON.parse(run.stdout);
  else process.stderr.write(`Optuna reference failed (is python3-optuna installed?): ${run.stderr.slice(-500)}\n`);
}

const full = nTrials * nSteps;
const fmt = (x, digits = 1) => (x === undefined ? "-" : x.toFixed(digits));
console.log(`${nTrials} curves × ${nSteps} steps (${full} steps without pruning), seed ${args.seed}`);
console.log("pruner     | steps (share)      | pruned | best final | µs/prune call | Optuna: steps  best final  µs/call | time ratio");
for (const name of names) {
  const s = sextant[name];
  const o = optuna?.[name];
  const us = (r) => (r.pruneSeconds / r.calls) * 1e6;
  const agree = o ? (o.steps === s.steps && o.best === s.best ? "" : "  (differs!)") : "";
  console.log(
    `${name.padEnd(10)} | ${String(s.steps).padStart(6)} (${fmt((100 * s.steps) / full)} %) | ${String(s.pruned).padStart(6)} | ${fmt(s.best, 4).padStart(10)} | ${fmt(us(s), 2).padStart(13)} | ` +
      (o ? `${String(o.steps).padStart(13)}  ${fmt(o.best, 4).padStart(10)}  ${fmt(us(o), 1).padStart(7)} | ${fmt(us(s) / us(o), 3).padStart(10)}${agree}` : "(skipped)"),
  );
}

const longSteps = Number(args["long-steps"]);
if (longSteps > 0) {
  const LONG_TRIALS = 8;
  const shortCurves = makeCurves(Number(args.seed), LONG_TRIALS, nSteps);
  const longCurves = makeCurves(Number(args.seed), LONG_TRIALS, longSteps);
  console.log(`\n${LONG_TRIALS} curves × ${longSteps} steps against ${LONG_TRIALS} × ${nSteps} (same run): µs per prune call`);
  console.log(`pruner     | ${String(longSteps).padStart(6)} steps | ${String(nSteps).padStart(6)} steps | ratio | long / median long`);
  const us = (r) => (r.pruneSeconds / r.calls) * 1e6;
  const rows = [];
  for (const name of [...names, ...Object.keys(LONG_ONLY)]) {
    const long = await runSextant(name, longCurves);
    const short = await runSextant(name, shortCurves);
    rows.push({ name, long: us(long), short: us(short) });
  }
  const median = rows.find((r) => r.name === "median").long;
  for (const { name, long, short } of rows) {
    console.log(`${name.padEnd(10)} | ${fmt(long, 2).padStart(12)} | ${fmt(short, 2).padStart(12)} | ${fmt(long / short, 2).padStart(5)} | ${fmt(long / median, 2).padStart(18)}`);
  }
}
