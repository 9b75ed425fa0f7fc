#!/usr/bin/env node
// Multi-objective TPE speed: ms per suggested trial at 500, 1,000 and 2,000 trials, and the share of
// it spent on the below split (non-dominated fronts, greedy hypervolume selection of the last
// front, contribution weights), next to a straightforward reference split kept in this script (the
// algorithm before it was made lazy: every front by comparing all pairs, every greedy gain by
// recomputing the whole hypervolume) on the same history, measured in the same run, as a ratio.
// Each mark also checks that both splits choose the same rows with bit-identical weights.
//
// One seeded TPE study per objective count (6-D ZDT1 with 2 objectives, 6-D DTLZ2 with 3) runs to the last
// mark; "trial ms" is the wall time per trial of the 20 trials before the mark (objective included,
// negligible here); "old trial ms" is that minus the current split plus the reference split.
//
// Usage: node bench/motpe-speed.mjs [--marks 500,1000,2000] [--objectives 2,3] [--repeats 3] [--seed 0]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createSamplerByName } = await import(join(root, "dist/index.js"));
const { MULTIOBJECTIVE_PROBLEMS } = await import(join(root, "dist/bench/multiobjective.js"));
const { TrialHistory } = await import(join(root, "dist/samplers/tpe/history.js"));
const { referencePoint, scaledForHypervolume } = await import(join(root, "dist/samplers/tpe/motpe-weights.js"));
const { constrainedDominates, hypervolume } = await import(join(root, "dist/analysis/index.js"));

const { values: args } = parseArgs({
  options: {
    marks: { type: "string", default: "500,1000,2000" },
    objectives: { type: "string", default: "2,3" },
    repeats: { type: "string", default: "3" },
    seed: { type: "string", default: "0" },
  },
});
const marks = args.marks.split(",").map(Number).sort((a, b) => a - b);
const repeats = Number(args.repeats);
const WINDOW = 20;
const FAILED_RANK = 2;

const zdt1 = MULTIOBJECTIVE_PROBLEMS.zdt1.evaluate;
const dtlz2 = MULTIOBJECTIVE_PROBLEMS.dtlz2.evaluate;

// --- The reference split: the algorithm as it was, written out plainly ---
function referenceGreedy(points, size, reference) {
  const chosen = [];
  const chosenPoints = [];
  const taken = new Uint8Array(points.length);
  let current = 0;
  while (chosen.length < size && chosen.length < points.length) {
    let best = -1;
    let bestGain = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.length; i++) {
      if (taken[i]) continue;
      chosenPoints.push(points[i]);
      const gain = hypervolume(chosenPoints, reference) - current;
      chosenPoints.pop();
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    taken[best] = 1;
    chosen.push(best);
    chosenPoints.push(points[best]);
    current = hypervolume(chosenPoints, reference);
  }
  return chosen;
}

function referenceSplit(history, belowCount) {
  const rows = history.rows;
  let remaining = history.byNumber.filter((row) => rows[row].rank !== FAILED_RANK);
  const below = [];
  while (below.length < belowCount && remaining.length > 0) {
    const front = [];
    const rest = [];
    for (const row of remaining) {
      const { losses, violation } = rows[row];
      let dominated = false;
      for (const other of remaining) {
        const o = rows[other];
        if (other !== row && constrainedDominates(o.losses, o.violation, losses, violation)) {
          dominated = true;
          break;
        }
      }
      (dominated ? rest : front).push(row);
    }
    if (below.length + front.length <= belowCount) {
      for (const row of front) below.push(row);
    } else {
      const points = scaledForHypervolume(front.map((row) => rows[row].losses));
      for (const position of referenceGreedy(points, belowCount - below.length, referencePoint(points))) below.push(front[position]);
    }
    remaining = rest;
  }
  return { below, weights: referenceWeights(below.map((row) => rows[row].losses)) };
}

function referenceWeights(losses) {
  const n = losses.length;
  const weights = new Float64Array(n);
  if (n === 0) return weights;
  if (n === 1) {
    weights[0] = 1;
    return weights;
  }
  const points = scaledForHypervolume(losses);
  const reference = referencePoint(points);
  const total = hypervolume(points, reference);
  let max = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = total - hypervolume(points.filter((_, j) => j !== i), reference) + 1e-12;
    if (weights[i] > max) max = weights[i];
  }
  for (let i = 0; i < n; i++) weights[i] = Math.min(1, Math.max(0, weights[i] / max));
  return weights;
}

/** Median ms of `repeats` calls of `run(history)`, each on a fresh history (the split is cached). */
function timeSplit(snapshot, run) {
  const times = [];
  let result;
  for (let r = 0; r < repeats; r++) {
    const history = new TrialHistory();
    history.sync(snapshot);
    const t0 = performance.now();
    result = run(history);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], result };
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
console.log("objectives  trials  below  trial ms  split ms  ref split ms  split ratio  old trial ms  trial ratio  same split");
for (const m of args.objectives.split(",").map(Number)) {
  const study = await createStudy({
    directions: Array.from({ length: m }, () => "minimize"),
    sampler: createSamplerByName("tpe", { seed: Number(args.seed) }),
  });
  const objective = (t) => {
    const x = Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
    return m === 2 ? zdt1(x) : dtlz2(x);
  };
  for (const mark of marks) {
    const done = study.trials.length;
    if (mark - WINDOW > done) await study.optimize(objective, { nTrials: mark - WINDOW - done });
    const t0 = performance.now();
    await study.optimize(objective, { nTrials: Math.min(WINDOW, mark - study.trials.length) });
    const trialMs = (performance.now() - t0) / Math.min(WINDOW, mark - done);
    const snapshot = study.snapshot();
    // The default gamma (linearGamma(0.15)): the below count of the next trial.
    const belowCount = Math.ceil(0.15 * snapshot.finished.length);
    const current = timeSplit(snapshot, (history) => history.split(belowCount));
    const reference = timeSplit(snapshot, (history) => referenceSplit(history, belowCount));
    const membership = current.result.membership;
    const { below, weights } = reference.result;
    const same =
      below.length === current.result.belowCount &&
      below.every((row, i) => membership[row] === 1 && Object.is(current.result.belowWeights[row], weights[i])) &&
      membership.filter((v) => v === 1).length === below.length;
    const oldTrialMs = trialMs - current.ms + reference.ms;
    console.log(
      `${String(m).padStart(10)}  ${String(mark).padStart(6)}  ${String(belowCount).padStart(5)}  ${fmt(trialMs).padStart(8)}  ${fmt(current.ms).padStart(8)}  ` +
        `${fmt(reference.ms).padStart(12)}  ${`${fmt(reference.ms / current.ms)}x`.padStart(11)}  ${fmt(oldTrialMs).padStart(12)}  ` +
        `${`${fmt(oldTrialMs / trialMs)}x`.padStart(11)}  ${same ? "yes" : "NO"}`,
    );
    if (!same) process.exitCode = 1;
  }
}
