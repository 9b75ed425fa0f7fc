#!/usr/bin/env node
// Population Based Training benchmark, two parts, both through the public library API:
//
// (a) The toy problem of Jaderberg et al. 2017 (§4.1, Figure 2): maximise Q(θ) = 1.2 − θ₀² − θ₁²
//     by gradient ascent on the surrogate Q̂(θ|h) = 1.2 − h₀θ₀² − h₁θ₁², θ starting at (0.9, 0.9),
//     two members starting at h = (1, 0) and (0, 1). Alone, each member only ever shrinks one
//     coordinate of θ, so Q stays at or below 1.2 − 0.81 = 0.39. PBT (exploit + explore) should
//     bring Q close to 1.2. Prints the trajectory, final Q over seeds, and writes docs/pbt-toy.svg.
// (b) A real training in plain Node: logistic regression by minibatch SGD (batch 8, 400 steps) on a
//     synthetic dataset with features of very different scales (0.1 to 3.2), so that a large rate
//     is needed early for the small-scale features and a small one late against the minibatch
//     noise. The script first checks that claim: a hand schedule (exponential decay 1 → 0.03)
//     against the best of 31 fixed rates, averaged over 5 minibatch streams.
//     Compute budget: 8 trainings of 400 steps. Random search: 8 trials at a fixed learning rate.
//     PBT and PB2: a population of P ≤ 8 members × 400 steps, in segments of K steps (P·400 steps).
//     Each method's answer is the model with the best validation loss; it is scored on a test set.
//     Validation and test sets have 4000 examples each, so that differences between methods are
//     not lost in the evaluation noise (with 1000 the noise was as large as the effect).
//     Two variants of the task: "dev" (data seed 7, 3000 training examples), on which P and K were
//     chosen (--dev prints the grid P ∈ {4, 8} × K ∈ {20, 40, 50, 80, 100, 200}), and the held-out
//     "test" variant (data seed 2024, 2000 training examples), which is what the script reports.
//     The rule: most seeds won against random search on the dev test loss, PBT's and PB2's
//     together, ties broken by the mean of their median test-loss ratios. Over 20 dev seeds it
//     chose P = 8, K = 80 (5 segments): PBT 15 won / 2 tied / 3 lost, PB2 16/0/4; next P = 8,
//     K = 100 (12/2/6 and 13/3/4), then K = 40 and 50 (11 to 12 each); every P = 4 row and K = 20
//     won at most 11 for either; K = 200 mostly tied (one ready point). (An earlier choice of
//     K = 100 on 5 and 10 dev seeds was within this noise.)
//     Seeds: 20 by default. A seed's outcome is noisy: the validation loss of one member at a fixed
//     rate moves by 0.03 to 0.05 between ready points (minibatch noise at rates near 0.1), as much
//     as the whole effect of a schedule, so 5 seeds do not tell the methods apart.
//     Pairing: random search and the population's first segments draw their rates from the same
//     seeded RandomSampler and train on the same minibatch stream, so the population starts from
//     random search's 8 rates. A tie (T) is that pairing at work: no explored copy ever beat the
//     member that kept its initial rate, and PBT's answer is the very model random search picks.
//
// Usage: npm run bench:pbt -- [--seeds 20] [--toy-seeds 10] [--skip-toy] [--dev]
//        [--population 8] [--segment-steps 80] [--variant test|dev]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, PBTScheduler, PB2Scheduler, RandomSampler, Rng } = await import(join(root, "dist/index.js"));

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "20" },
    "toy-seeds": { type: "string", default: "10" },
    "segment-steps": { type: "string", default: "80" },
    population: { type: "string", default: "8" },
    variant: { type: "string", default: "test" },
    dev: { type: "boolean", default: false },
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

if (!args["skip-toy"] && !args.dev) await toyPart();

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

const LOGREG = { d: 20, val: 4000, test: 4000, batch: 8, steps: 400, budget: 8 };
const VARIANTS = { dev: { dataSeed: 7, train: 3000 }, test: { dataSeed: 2024, train: 2000 } };
const LR = { low: 1e-3, high: 1 };
const HAND_SCHEDULE = { from: 1, to: 0.03 };

function makeData({ dataSeed, train }) {
  const rng = new Rng(dataSeed);
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
  return { train: split(train), val: split(LOGREG.val), test: split(LOGREG.test) };
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

/**
 * Minibatch SGD for steps [from, to) at the rate `lrAt(step)`; the batch of step s depends only on
 * (runSeed, s), so a copied checkpoint continues the same data stream.
 */
function sgd(model, data, lrAt, from, to, runSeed) {
  const { X, y, n } = data.train;
  const grad = new Float64Array(LOGREG.d);
  for (let step = from; step < to; step++) {
    const lr = lrAt(step);
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

/** Mean validation and test loss of a learning-rate schedule over 5 minibatch streams. */
function scheduleLoss(data, lrAt) {
  let val = 0;
  let test = 0;
  for (let stream = 1; stream <= 5; stream++) {
    const model = fresh();
    sgd(model, data, lrAt, 0, LOGREG.steps, 100 + stream);
    val += logLoss(model, data.val) / 5;
    test += logLoss(model, data.test) / 5;
  }
  return { val, test };
}

/** Does the task need a changing rate? The best of 31 fixed rates against a hand-made decay. */
function checkSchedule(data) {
  let best = null;
  for (let i = 0; i <= 30; i++) {
    const lr = LR.low * (LR.high / LR.low) ** (i / 30);
    const loss = scheduleLoss(data, () => lr);
    if (best === null || loss.val < best.val) best = { lr, ...loss };
  }
  const { from, to } = HAND_SCHEDULE;
  const hand = scheduleLoss(data, (step) => from * (to / from) ** (step / LOGREG.steps));
  return { best, hand };
}

async function randomSearch(data, seed) {
  const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed }), ...quiet });
  await study.optimize(
    (trial) => {
      const lr = trial.suggestFloat("lr", LR.low, LR.high, { log: true });
      const model = fresh();
      sgd(model, data, () => lr, 0, LOGREG.steps, seed);
      trial.setUserAttr("testLoss", logLoss(model, data.test));
      return logLoss(model, data.val);
    },
    { nTrials: LOGREG.budget },
  );
  const best = study.bestTrial;
  await study.close();
  return { val: best.values[0], test: best.userAttrs.testLoss, schedule: [best.params.lr] };
}

async function population(Scheduler, data, seed, { members, segmentSteps }) {
  const study = await createStudy({
    direction: "minimize",
    scheduler: new Scheduler({ population: members, segments: LOGREG.steps / segmentSteps, segmentSteps, seed, checkpointDir: checkpointDir() }),
    ...quiet,
  });
  await study.optimize((trial) => {
    const lr = trial.suggestFloat("lr", LR.low, LR.high, { log: true });
    const restored = trial.checkpoint()?.data;
    const model = restored ? { w: restored.w.slice(), b: restored.b } : fresh();
    sgd(model, data, () => lr, trial.segment.startStep, trial.segment.endStep, seed);
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

/** The outcome of one seed against random search on test loss: "W" lower, "T" the same model's loss, "L" higher. */
const outcome = (row, random) => (row.test < random.test ? "W" : row.test === random.test ? "T" : "L");

/**
 * Wins, ties and losses (test loss, same seed) against random search, the median test-loss ratio,
 * and the one-sided sign test over the seeds that did not tie: the chance of at least this many
 * wins if winning and losing were equally likely.
 */
function versus(rows, random) {
  const outcomes = rows.map((r, i) => outcome(r, random[i]));
  const wins = outcomes.filter((o) => o === "W").length;
  const ties = outcomes.filter((o) => o === "T").length;
  const losses = outcomes.length - wins - ties;
  const ratio = spread(rows.map((r, i) => r.test / random[i].test));
  const n = wins + losses;
  let tail = 0;
  for (let k = wins; k <= n; k++) tail += binomial(n, k);
  return { wins, ties, losses, ratio, signTest: n === 0 ? 1 : tail / 2 ** n };
}

function binomial(n, k) {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

const describeVariant = (name) => `${name} variant: data seed ${VARIANTS[name].dataSeed}, ${VARIANTS[name].train} training examples`;

if (args.dev) await devGrid();
else await reportPart(args.variant, { members: Number(args.population), segmentSteps: Number(args["segment-steps"]) });

/** The grid on the dev variant that chose the population size and segment length. */
async function devGrid() {
  const data = makeData(VARIANTS.dev);
  console.log(`(b, dev) ${describeVariant("dev")}; compute budget ${LOGREG.budget} × ${LOGREG.steps} SGD steps; test loss, ${SEEDS.length} seeds`);
  const random = [];
  for (const seed of SEEDS) random.push(await randomSearch(data, seed));
  console.log(`random search (${LOGREG.budget} trials): median test loss ${fmtSpread(random.map((r) => r.test))}`);
  console.log("members  segment steps   PBT test loss [min, max]   W/T/L     ratio     PB2 test loss [min, max]   W/T/L     ratio");
  for (const members of [4, 8]) {
    for (const segmentSteps of [20, 40, 50, 80, 100, 200]) {
      const rows = { pbt: [], pb2: [] };
      for (const seed of SEEDS) {
        rows.pbt.push(await population(PBTScheduler, data, seed, { members, segmentSteps }));
        rows.pb2.push(await population(PB2Scheduler, data, seed, { members, segmentSteps }));
      }
      const cells = ["pbt", "pb2"].map((name) => {
        const { wins, ties, losses, ratio } = versus(rows[name], random);
        return `${fmtSpread(rows[name].map((r) => r.test))}   ${`${wins}/${ties}/${losses}`.padEnd(8)}  ${fmt(ratio.median, 3)}`;
      });
      console.log(`${String(members).padStart(7)}  ${String(segmentSteps).padStart(13)}   ${cells.join("     ")}`);
    }
  }
}

async function reportPart(variant, setting) {
  if (!VARIANTS[variant]) throw new Error(`--variant must be test or dev, got ${variant}`);
  if (setting.members > LOGREG.budget) throw new Error(`--population must be at most ${LOGREG.budget} (the compute budget), got ${setting.members}`);
  if (LOGREG.steps % setting.segmentSteps !== 0) throw new Error(`--segment-steps must divide ${LOGREG.steps}, got ${setting.segmentSteps}`);
  const data = makeData(VARIANTS[variant]);
  const segments = LOGREG.steps / setting.segmentSteps;
  console.log(`\n(b) logistic regression, minibatch SGD (batch ${LOGREG.batch}, ${LOGREG.steps} steps), d = ${LOGREG.d}, features scaled 0.1–3.2; lr ∈ [${LR.low}, ${LR.high}] (log)`);
  console.log(`    ${describeVariant(variant)}${variant === "test" ? " (held out: population and segment length were chosen on the dev variant, --dev)" : ""}`);
  console.log(`    compute budget ${LOGREG.budget} × ${LOGREG.steps} SGD steps: random search ${LOGREG.budget} trials at a fixed lr; PBT and PB2 ${setting.members} members × ${segments} segments × ${setting.segmentSteps} steps`);
  console.log(`    (${setting.members * LOGREG.steps} steps); each answer is the model with the best validation loss, scored on the test set; lower log loss is better\n`);
  const { best, hand } = checkSchedule(data);
  console.log(`does the best rate change during training? (mean of 5 minibatch streams)`);
  console.log(`  best of 31 fixed rates: lr = ${fmt(best.lr, 3)}, validation ${fmt(best.val)}, test ${fmt(best.test)}`);
  console.log(`  hand schedule, lr decaying exponentially ${HAND_SCHEDULE.from} → ${HAND_SCHEDULE.to}: validation ${fmt(hand.val)}, test ${fmt(hand.test)} — ${hand.val < best.val && hand.test < best.test ? "beats every fixed rate" : "does NOT beat the best fixed rate"}`);
  const results = { random: [], pbt: [], pb2: [] };
  console.log("\nseed   random search val/test   PBT val/test        PB2 val/test        PBT winner's lr schedule (5 points)  |  PB2 winner's");
  console.log("       (W/T/L: lower, the same, higher test loss than random search; T is the same model: see the header)");
  for (const seed of SEEDS) {
    const random = await randomSearch(data, seed);
    const pbt = await population(PBTScheduler, data, seed, setting);
    const pb2 = await population(PB2Scheduler, data, seed, setting);
    results.random.push(random);
    results.pbt.push(pbt);
    results.pb2.push(pb2);
    const every = Math.max(1, Math.floor(segments / 4));
    const schedule = [pbt, pb2].map((r) => r.schedule.filter((_, i) => i % every === 0).slice(0, 5).map((v) => v.toPrecision(2)).join(" → ")).join("  |  PB2: ");
    console.log(`${String(seed).padStart(4)}   ${fmt(random.val)} / ${fmt(random.test)}          ${fmt(pbt.val)} / ${fmt(pbt.test)} ${outcome(pbt, random)}   ${fmt(pb2.val)} / ${fmt(pb2.test)} ${outcome(pb2, random)}   ${schedule}`);
  }
  console.log(`\nmedian [min, max] over ${SEEDS.length} seeds          validation loss            test loss`);
  for (const [name, rows] of [["random search (best fixed lr)", results.random], ["PBT", results.pbt], ["PB2", results.pb2]]) {
    console.log(`${name.padEnd(34)} ${fmtSpread(rows.map((r) => r.val))}   ${fmtSpread(rows.map((r) => r.test))}`);
  }
  for (const name of ["pbt", "pb2"]) {
    const { wins, ties, losses, ratio, signTest } = versus(results[name], results.random);
    const beats = wins > SEEDS.length / 2 && ratio.median < 1;
    console.log(
      `${name.toUpperCase()} beats random search on test loss in ${wins}/${SEEDS.length} seeds, ties ${ties}, loses ${losses} (sign test over the untied seeds: p = ${signTest.toPrecision(2)}); test-loss ratio ${name.toUpperCase()}/random median ${fmt(ratio.median, 3)} [${fmt(ratio.min, 3)}, ${fmt(ratio.max, 3)}]` +
        (beats ? " — beats it" : " — does NOT beat it"),
    );
  }
}
