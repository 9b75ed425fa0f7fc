#!/usr/bin/env node
// GET /api/v1/studies/{study} (the Python client's best_trial, best_value, recommendation and
// user_attrs each make one) on a large study, once the server holds it: the time of a request
// now (figures kept change by change, as the dashboard's summary keeps them) against the work
// the route did before on every request, kept below as `previousAnswer` (the study's trials
// scanned for the counts, best value, best trial and recommendation), in the same run. Both
// answers are checked equal.
//
// Usage: node bench/study-detail.mjs [--trials 200000] [--repeats 5]
// Needs dist/ (npm run build).
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sextant = await import(join(root, "dist/index.js"));
const { summarizeStudy } = await import(join(root, "dist/storage/index.js"));
const { createServerApp } = await import(join(root, "dist/server/app.js"));

const { values: args } = parseArgs({ options: { trials: { type: "string", default: "200000" }, repeats: { type: "string", default: "5" } } });
const n = Number(args.trials);
const repeats = Number(args.repeats);

const storage = new sextant.MemoryStorage();
const record = await storage.createStudy("big", ["minimize"]);
const x = { type: "float", low: 0, high: 1 };
for (let i = 0; i < n; i += 1000) {
  await storage.insertTrials(
    record.id,
    Array.from({ length: Math.min(1000, n - i) }, (_, k) => {
      const value = ((i + k) * 7919) % n;
      return { state: (i + k) % 10 === 0 ? "pruned" : "complete", params: { x: value / n }, distributions: { x }, values: [value], intermediate: {}, userAttrs: {}, systemAttrs: { constraints: [value / n - 0.9] }, startedAt: 0, finishedAt: 1 };
    }),
  );
}

/** What the route computed on each request before, from the study's trials. */
async function previousAnswer(study) {
  await study.refresh();
  const stored = study.trials.filter((t) => t.id >= 0);
  const { trialCounts, bestValue } = summarizeStudy(record, stored);
  return { trialCounts, bestValue, best: study.bestTrial?.number ?? null, recommended: study.recommendation?.trial.number ?? null };
}

async function medianMs(fn) {
  const times = [];
  let result;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    result = await fn();
    times.push(performance.now() - start);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(repeats / 2)], result };
}

const app = createServerApp({ storage, dashboard: false, logError: () => undefined });
const get = async () => {
  const answer = await (await app.request("/api/v1/studies/big")).json();
  return { trialCounts: answer.study.trialCounts, bestValue: answer.study.bestValue, best: answer.bestTrial?.number ?? null, recommended: answer.recommendedTrial?.trial.number ?? null };
};
await get(); // the server reads the study once
const study = await sextant.loadStudy({ name: "big", storage, sampler: new sextant.RandomSampler() });
const previous = await medianMs(() => previousAnswer(study));
const now = await medianMs(get);
if (JSON.stringify(previous.result) !== JSON.stringify(now.result)) throw new Error(`the answers differ: ${JSON.stringify(previous.result)} vs ${JSON.stringify(now.result)}`);
console.log(`# GET /studies/{study} on a ${n.toLocaleString("en-US")}-trial study, once held (${new Date().toISOString()}, load average ${loadavg().map((v) => v.toFixed(2)).join(" ")})`);
console.log("| previous per-request scan (reference) | request now (whole HTTP answer) | speed-up | check |");
console.log("| --- | --- | --- | --- |");
console.log(`| ${previous.ms.toFixed(1)} ms | ${now.ms.toFixed(1)} ms | ${(previous.ms / now.ms).toFixed(1)}x | same answer |`);
