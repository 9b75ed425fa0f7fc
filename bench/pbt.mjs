#!/usr/bin/env node
// Population Based Training benchmark, two parts, both through the public library API:
//
// (a) The toy problem of Jaderberg et al. 2017 (§4.1, Figure 2): maximise Q(θ) = 1.2 − θ₀² − θ₁²
//     by gradient ascent on the surrogate Q̂(θ|h) = 1.2 − h₀θ₀² − h₁θ₁², θ starting at (0.9, 0.9),
//     two members starting at h = (1, 0) and (0, 1). Alone, each member only ever shrinks one
//     coordinate of θ, so Q stays at or below 1.2 − 0.81 = 0.39. PBT (exploit + explore) should
//     bring Q close to 1.2. Prints the trajectory, final Q over seeds, and writes docs/pbt-toy.svg.
// (b) A real training in plain Node: logistic regression by minibatch SGD on a synthetic dataset
//     with features of very different scales, where a decaying learning rate beats every fixed one.
//     Random search over a fixed learning rate (8 trials × 400 steps), PBT and PB2 (8 members × 20
//     segments × 20 steps: the same 3200 SGD steps) are compared on validation log loss, and the
//     model each picks is scored on a held-out test set. Spread over seeds is printed.
//
// Usage: npm run bench:pbt -- [--seeds 5] [--toy-seeds 10] [--segment-steps 20] [--skip-toy]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, PBTScheduler, PB2Scheduler, RandomSampler, Rng } = await import(join(root, "dist/index.js"));

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "5" },
    "toy-seeds": { type: "string", default: "10" },
    "segment-steps": { type: "string", default: "20" },
    "skip-toy": { type: "boolean", default: false },
  },
});
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
const TOY_SEEDS = Array.from({ length: Number(args["toy-seeds"]) }, (_, i) => i + 1);

const quiet = { onWarning: () => undefined };
// Checkpoints of every run go to one temporary folder, removed at exit.
const checkpointRoot = mkdtempSync(join(tmpdir(), "sextant-bench-pbt-"));
process.on("exit", () => rmSync(checkpointRoot, { recursive: true, force: true }));
let runs = 0;
const checkpointDir = () => join(checkpointRoot, `run-${runs++}`);
const spread = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
};
const fmt = (x, d = 4) => x.toFixed(d);
const fmtSpread = (xs, d = 4) => {
  const { median, min, max } = spread(xs);
  return `${fmt(median, d)} [${fmt(min, d)}, ${fmt(max, d)}]`;
};

// ---------------------------------------------------------------------------------------------
// (a) the toy problem

const TOY = { segments: 25, segmentSteps: 4, eta: 0.02 };
const Q = (theta) => 1.2 - theta[0] ** 2 - theta[1] ** 2;
const ascend = (theta, h, steps) => {
  const next = theta.slice();
  for (let i = 0; i < steps; i++) {
    next[0] += TOY.eta * -2 * h[0] * next[0];
    next[1] += TOY.eta * -2 * h[1] * next[1];
  }
  return next;
};

/** First segments start at the paper's h: member 0 at (1, 0), member 1 at (0, 1). Later ones come from the scheduler. */
const paperStart = {
  name: "paper-start",
  inferRelativeSpace: () => ({}),
  sampleRelative: () => ({}),
  sampleIndependent: (_snapshot, trial, name) => {
    const member = trial.systemAttrs["pbt:member"];
    return name === "h0" ? (member === 0 ? 1 : 0) : member === 0 ? 0 : 1;
  },
};

async function toyRun(seed) {
  const study = await createStudy({
    direction: "maximize",
    sampler: paperStart,
    scheduler: new PBTScheduler({ population: 2, segments: TOY.segments, segmentSteps: TOY.segmentSteps, seed, checkpointDir: checkpointDir() }),
    ...quiet,
  });
  await study.optimize((trial) => {
    const h = [trial.suggestFloat("h0", 0, 1), trial.suggestFloat("h1", 0, 1)];
    const theta = ascend(trial.checkpoint()?.data ?? [0.9, 0.9], h, TOY.segmentSteps);
    trial.saveCheckpoint({ data: theta });
    return Q(theta);
  });
  const lineage = study.lineage();
  await study.close();
  return lineage;
}

if (!args["skip-toy"]) await toyPart();

async function toyPart() {
console.log("(a) PBT toy problem (Jaderberg et al. 2017, Fig. 2): Q(θ) = 1.2 − θ₀² − θ₁², members start at h = (1,0) and (0,1)");
console.log(`    ${TOY.segments} segments × ${TOY.segmentSteps} gradient steps (η = ${TOY.eta}), θ₀ = (0.9, 0.9); the optimum is Q = 1.2\n`);
const toyLineage = await toyRun(1);
const grid = [[1, 0], [0, 1]].map((h) => Array.from({ length: TOY.segments }, (_, s) => Q(ascend([0.9, 0.9], h, (s + 1) * TOY.segmentSteps))));
const pbtQ = toyLineage.map((m) => m.segments.map((s) => s.value));
console.log("step   PBT member 0   PBT member 1   PBT best   grid h=(1,0)   grid h=(0,1)");
for (let s = 0; s < TOY.segments; s++) {
  if (s % 3 !== 0 && s !== TOY.segments - 1) continue;
  const step = (s + 1) * TOY.segmentSteps;
  console.log(
    `${String(step).padStart(4)}   ${fmt(pbtQ[0][s]).padStart(12)}   ${fmt(pbtQ[1][s]).padStart(12)}   ${fmt(Math.max(pbtQ[0][s], pbtQ[1][s])).padStart(8)}   ${fmt(grid[0][s]).padStart(12)}   ${fmt(grid[1][s]).padStart(12)}`,
  );
}
const toyFinals = [];
for (const seed of TOY_SEEDS) {
  const lineage = seed === 1 ? toyLineage : await toyRun(seed);
  toyFinals.push(Math.max(...lineage.map((m) => m.lastValue)));
}
const gridBest = Math.max(grid[0].at(-1), grid[1].at(-1));
console.log(`\nfinal Q, PBT (exploit + explore), median [min, max] over ${TOY_SEEDS.length} seeds: ${fmtSpread(toyFinals)}`);
console.log(`final Q, each member alone (no exploit, no explore):        ${fmt(gridBest)} (bound: 0.39)`);
console.log(`PBT reaches Q > 1.1 (neither member alone exceeds 0.39): ${toyFinals.filter((q) => q > 1.1).length}/${toyFinals.length} seeds`);
writeFileSync(join(root, "docs/pbt-toy.svg"), toySvg(pbtQ, grid));
console.log("wrote docs/pbt-toy.svg");
}

function toySvg(pbt, gridLines) {
  const W = 560, H = 300, L = 50, B = 40, T = 20, R = 150;
  const x = (s) => L + ((s + 1) / TOY.segments) * (W - L - R);
  const y = (q) => T + (1 - (q + 0.4) / 1.6) * (H - T - B);
  const path = (values) => values.map((v, s) => `${s === 0 ? "M" : "L"}${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const lines = [
    [pbt[0], "#1f77b4", "PBT member 0"],
    [pbt[1], "#ff7f0e", "PBT member 1"],
    [gridLines[0], "#999", "alone, h=(1,0)"],
    [gridLines[1], "#555", "alone, h=(0,1)"],
  ];
  const ticks = [-0.4, 0, 0.4, 0.8, 1.2].map((q) => `<line x1="${L}" x2="${W - R}" y1="${y(q)}" y2="${y(q)}" stroke="#eee"/><text x="${L - 6}" y="${y(q) + 4}" text-anchor="end" font-size="11">${q}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${ticks.join("\n")}
<line x1="${L}" x2="${W - R}" y1="${y(1.2)}" y2="${y(1.2)}" stroke="#2ca02c" stroke-dasharray="4 3"/>
${lines.map(([v, c, label], i) => `<path d="${path(v)}" fill="none" stroke="${c}" stroke-width="2"${i >= 2 ? ' stroke-dasharray="6 3"' : ""}/><text x="${W - R + 8}" y="${T + 16 + i * 18}" font-size="12" fill="${c}">${label}</text>`).join("\n")}
<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">gradient steps (ready point every ${TOY.segmentSteps})</text>
<text x="14" y="${(T + H - B) / 2}" font-size="12" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">Q(θ)</text>
</svg>
`;
}

// ---------------------------------------------------------------------------------------------
// (b) logistic regression whose best learning rate decays

const LOGREG = { d: 20, train: 2000, val: 1000, test: 1000, batch: 8, population: 8, segments: 20, segmentSteps: Number(args["segment-steps"]) };
const TOTAL_STEPS = LOGREG.segments * LOGREG.segmentSteps;
const LR = { low: 1e-3, high: 1 };

function makeData(seed) {
  const rng = new Rng(seed);
  // Feature scales from 0.1 to ~3.2: a rate large enough for the small ones is noisy on the large ones.
  const scale = Array.from({ length: LOGREG.d }, (_, j) => 10 ** ((j / (LOGREG.d - 1)) * 1.5 - 1));
  const truth = Array.from({ length: LOGREG.d }, () => rng.normal());
  const split = (n) => {
    const X = new Float64Array(n * LOGREG.d);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < LOGREG.d; j++) {
        const v = rng.normal() * scale[j];
        X[i * LOGREG.d + j] = v;
        z += (0.5 * v * truth[j]) / scale[j];
      }
      y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    return { X, y, n };
  };
  return { train: split(LOGREG.train), val: split(LOGREG.val), test: split(LOGREG.test) };
}

function logLoss(model, { X, y, n }) {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let z = model.b;
    for (let j = 0; j < LOGREG.d; j++) z += X[i * LOGREG.d + j] * model.w[j];
    // log(1 + e^{-z}) for y = 1, log(1 + e^{z}) for y = 0, computed stably.
    const m = y[i] ? -z : z;
    total += Math.max(m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
  }
  return total / n;
}

/** Minibatch SGD for steps [from, to); the batch of step s depends only on (runSeed, s), so a copied checkpoint continues the same data stream. */
function sgd(model, data, lr, from, to, runSeed) {
  const { X, y, n } = data.train;
  const grad = new Float64Array(LOGREG.d);
  for (let step = from; step < to; step++) {
    const rng = new Rng(runSeed * 1_000_003 + step);
    grad.fill(0);
    let gradB = 0;
    for (let k = 0; k < LOGREG.batch; k++) {
      const i = rng.integer(0, n - 1);
      let z = model.b;
      for (let j = 0; j < LOGREG.d; j++) z += X[i * LOGREG.d + j] * model.w[j];
      const error = 1 / (1 + Math.exp(-z)) - y[i];
      for (let j = 0; j < LOGREG.d; j++) grad[j] += (error * X[i * LOGREG.d + j]) / LOGREG.batch;
      gradB += error / LOGREG.batch;
    }
    for (let j = 0; j < LOGREG.d; j++) model.w[j] -= lr * grad[j];
    model.b -= lr * gradB;
  }
}

const fresh = () => ({ w: new Array(LOGREG.d).fill(0), b: 0 });
const data = makeData(2024);

async function randomSearch(seed) {
  const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed }), ...quiet });
  await study.optimize(
    (trial) => {
      const lr = trial.suggestFloat("lr", LR.low, LR.high, { log: true });
      const model = fresh();
      sgd(model, data, lr, 0, TOTAL_STEPS, seed);
      trial.setUserAttr("testLoss", logLoss(model, data.test));
      return logLoss(model, data.val);
    },
    { nTrials: LOGREG.population },
  );
  const best = study.bestTrial;
  await study.close();
  return { val: best.values[0], test: best.userAttrs.testLoss, schedule: [best.params.lr] };
}

async function population(Scheduler, seed) {
  const study = await createStudy({
    direction: "minimize",
    scheduler: new Scheduler({ population: LOGREG.population, segments: LOGREG.segments, segmentSteps: LOGREG.segmentSteps, seed, checkpointDir: checkpointDir() }),
    ...quiet,
  });
  await study.optimize((trial) => {
    const lr = trial.suggestFloat("lr", LR.low, LR.high, { log: true });
    const restored = trial.checkpoint()?.data;
    const model = restored ? { w: restored.w.slice(), b: restored.b } : fresh();
    sgd(model, data, lr, trial.segment.startStep, trial.segment.endStep, seed);
    trial.saveCheckpoint({ data: model });
    trial.setUserAttr("testLoss", logLoss(model, data.test));
    return logLoss(model, data.val);
  });
  // The answer is the member whose last segment has the best validation loss.
  const lineage = study.lineage();
  const winner = lineage.reduce((a, b) => (b.lastValue < a.lastValue ? b : a));
  const last = winner.segments.filter((s) => s.state === "complete").at(-1);
  const test = study.trials[last.trial].userAttrs.testLoss;
  // The learning-rate schedule that produced the winner, following parents back through exploits.
  const schedule = [];
  for (let t = study.trials[last.trial]; t; t = t.systemAttrs["pbt:parent"] === null ? null : study.trials[t.systemAttrs["pbt:parent"]]) schedule.unshift(t.params.lr);
  await study.close();
  return { val: winner.lastValue, test, schedule };
}

console.log(`\n(b) logistic regression, minibatch SGD (batch ${LOGREG.batch}), d = ${LOGREG.d}, features scaled 0.1–3.2; tuning lr ∈ [${LR.low}, ${LR.high}] (log)`);
console.log(`    same compute for all: ${LOGREG.population} × ${TOTAL_STEPS} SGD steps (random search: ${LOGREG.population} trials of ${TOTAL_STEPS} steps at a fixed lr;`);
console.log(`    PBT and PB2: ${LOGREG.population} members × ${LOGREG.segments} segments × ${LOGREG.segmentSteps} steps); lower log loss is better\n`);
let bestFixed = { lr: 0, val: Infinity };
for (const lr of Array.from({ length: 31 }, (_, i) => LR.low * (LR.high / LR.low) ** (i / 30))) {
  const model = fresh();
  sgd(model, data, lr, 0, TOTAL_STEPS, 1);
  const val = logLoss(model, data.val);
  if (val < bestFixed.val) bestFixed = { lr, val };
}
console.log(`(for reference, the best of 31 fixed rates on a grid, 4× the compute: lr = ${fmt(bestFixed.lr, 3)}, validation loss ${fmt(bestFixed.val)})`);
const results = { random: [], pbt: [], pb2: [] };
console.log("\nseed   random search val/test   PBT val/test      PB2 val/test      PBT winner's lr schedule (every 4th segment)  |  PB2 winner's");
for (const seed of SEEDS) {
  const random = await randomSearch(seed);
  const pbt = await population(PBTScheduler, seed);
  const pb2 = await population(PB2Scheduler, seed);
  results.random.push(random);
  results.pbt.push(pbt);
  results.pb2.push(pb2);
  const schedule = [pbt, pb2].map((r) => r.schedule.filter((_, i) => i % 4 === 0).map((v) => v.toPrecision(2)).join(" → ")).join("  |  PB2: ");
  console.log(`${String(seed).padStart(4)}   ${fmt(random.val)} / ${fmt(random.test)}          ${fmt(pbt.val)} / ${fmt(pbt.test)}   ${fmt(pb2.val)} / ${fmt(pb2.test)}   ${schedule}`);
}
console.log(`\nmedian [min, max] over ${SEEDS.length} seeds          validation loss            test loss`);
for (const [name, rows] of [["random search (best fixed lr)", results.random], ["PBT", results.pbt], ["PB2", results.pb2]]) {
  console.log(`${name.padEnd(34)} ${fmtSpread(rows.map((r) => r.val))}   ${fmtSpread(rows.map((r) => r.test))}`);
}
for (const name of ["pbt", "pb2"]) {
  const wins = results[name].filter((r, i) => r.test < results.random[i].test).length;
  const ratio = spread(results[name].map((r, i) => r.test / results.random[i].test));
  console.log(
    `${name.toUpperCase()} beats random search on test loss in ${wins}/${SEEDS.length} seeds; test-loss ratio ${name.toUpperCase()}/random median ${fmt(ratio.median, 3)} [${fmt(ratio.min, 3)}, ${fmt(ratio.max, 3)}]` +
      (spread(results[name].map((r) => r.test)).median < spread(results.random.map((r) => r.test)).median ? " — beats it" : " — does NOT beat it"),
  );
}
