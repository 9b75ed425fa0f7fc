#!/usr/bin/env node
// TPE's history of a resumed study: the first ask after loading a study of N finished trials reads
// them all into TrialHistory's orders (by loss, by number, by each parameter's coordinate). Times
// that read (all N in one sync, as a first ask does now) against the previous cost model, one
// insertion per row (binary search and a shift of the list, measured here by syncing the same
// trials one at a time), in the same run, and checks that both give the same orders. Then times
// the first and second ask of a TPESampler on a memory study of N trials, for scale.
//
// Usage: node bench/tpe-resume.mjs [--trials 200000] [--skip-ask]
// Needs dist/ (npm run build).
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sextant = await import(join(root, "dist/index.js"));
const { TrialHistory } = await import(join(root, "dist/samplers/tpe/history.js"));

const { values: args } = parseArgs({ options: { trials: { type: "string", default: "200000" }, "skip-ask": { type: "boolean", default: false } } });
const n = Number(args.trials);
const X = { type: "float", low: -5, high: 5 };
const Y = { type: "int", low: 0, high: 10 };
const C = { type: "categorical", choices: ["a", "b", "c"] };

let seed = 1;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const trials = Array.from({ length: n }, (_, number) => {
  const x = random() * 10 - 5;
  const y = Math.floor(random() * 11);
  const params = { x, y, c: C.choices[number % 3] };
  const distributions = { x: X, y: Y, c: C };
  if (number % 10 === 0) return sextant.makeTrial({ number, state: "pruned", params, distributions, intermediate: { 0: x * x } });
  return sextant.makeTrial({ number, state: "complete", params, distributions, values: [x * x + y] });
});

function orders(history) {
  const numbers = (rows) => rows.map((row) => history.rows[row].number);
  return {
    loss: numbers(history.lossOrder),
    byNumber: numbers(history.byNumber),
    columns: [["x", X], ["y", Y], ["c", C]].map(([name, distribution]) => numbers(history.column(name, distribution).sorted)),
  };
}

/** All trials in one sync, the columns made first (as a sampler's first ask makes them). */
function atOnce() {
  const history = new TrialHistory();
  const start = performance.now();
  for (const [name, distribution] of [["x", X], ["y", Y], ["c", C]]) history.column(name, distribution);
  history.sync(sextant.makeSnapshot(trials));
  return { ms: performance.now() - start, history };
}

/** One trial per sync through one growing array (no copy per step): one insertion per row in every order. */
function oneByOne() {
  const history = new TrialHistory();
  const finished = [];
  const snapshot = { ...sextant.makeSnapshot([]), trials: finished, finished };
  const start = performance.now();
  for (const [name, distribution] of [["x", X], ["y", Y], ["c", C]]) history.column(name, distribution);
  for (const trial of trials) {
    finished.push(trial);
    history.sync(snapshot);
  }
  return { ms: performance.now() - start, history };
}

console.log(`# TPE history of a resumed study (${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
const reference = oneByOne();
const now = atOnce();
if (!isDeepStrictEqual(orders(reference.history), orders(now.history))) throw new Error("the orders differ between one-by-one insertion and one sync");
console.log("| trials | one insertion per row (previous first ask, reference) | one sync of all rows (first ask now) | speed-up | check |");
console.log("| --- | --- | --- | --- | --- |");
console.log(`| ${n.toLocaleString("en-US")} | ${reference.ms.toFixed(0)} ms | ${now.ms.toFixed(0)} ms | ${(reference.ms / now.ms).toFixed(1)}x | same orders |`);

if (!args["skip-ask"]) {
  const storage = new sextant.MemoryStorage();
  const record = await storage.createStudy("resumed", ["minimize"]);
  for (let i = 0; i < n; i += 1000) {
    await storage.insertTrials(record.id, trials.slice(i, i + 1000).map((t) => ({ ...t, userAttrs: {}, systemAttrs: {}, startedAt: 0, finishedAt: 1 })));
  }
  const study = await sextant.loadStudy({ name: "resumed", storage, sampler: new sextant.TPESampler({ seed: 1 }) });
  for (const label of ["first ask (history read)", "second ask"]) {
    const start = performance.now();
    const trial = await study.ask();
    trial.suggestFloat("x", -5, 5);
    trial.suggestInt("y", 0, 10);
    trial.suggestCategorical("c", ["a", "b", "c"]);
    const ms = performance.now() - start;
    await study.tell(trial, 1);
    console.log(`TPESampler on a memory study of ${n.toLocaleString("en-US")} trials, ${label}: ${ms.toFixed(0)} ms`);
  }
}
