#!/usr/bin/env node
// Copy benchmark: copyStudy (what `sextant copy` and `sextant import` run) of one study of
// --trials trials (complete, pruned with intermediate values, failed, waiting) from memory into a
// fresh SQLite file and a fresh PostgreSQL schema, in trials per second: each trial written by
// itself (insertFinishedTrial, one transaction per trial: how copies wrote before insertTrials)
// beside the batched write (insertTrials, a few hundred trials per transaction), in the same run.
// Checks that both copies hold the same trials.
//
// Usage: npm run bench:copy -- [--url postgres://postgres@127.0.0.1:5432/test] [--trials 5000] [--repeats 3] [--skip-postgres]
// The URL names an existing database the user may CREATE DATABASE from; the benchmark works in
// a scratch database of its own and drops it at the end.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { copyStudy, importStudy, openStorage } = await import(join(root, "dist/index.js"));

const { values: args } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SEXTANT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    trials: { type: "string", default: "5000" },
    repeats: { type: "string", default: "3" },
    "skip-postgres": { type: "boolean", default: false },
  },
});
const trialCount = Number(args.trials);
const repeats = Number(args.repeats);

/** A study of `count` trials of every finished kind, a few waiting at the end. */
function studyData(count) {
  const distributions = { lr: { type: "float", low: 1e-5, high: 1, log: true }, depth: { type: "int", low: 1, high: 12 }, kind: { type: "categorical", choices: ["a", "b", "c"] } };
  const trials = Array.from({ length: count }, (_, number) => {
    const state = number >= count - 5 ? "waiting" : ["complete", "complete", "complete", "pruned", "failed"][number % 5];
    const finished = state !== "waiting";
    return {
      number,
      state,
      params: { lr: 10 ** (-5 + (number % 50) / 10), depth: 1 + (number % 12), kind: ["a", "b", "c"][number % 3] },
      distributions,
      values: state === "complete" ? [Math.sin(number)] : null,
      intermediate: finished ? Object.fromEntries(Array.from({ length: 5 }, (_, step) => [step, Math.cos(number + step)])) : {},
      userAttrs: { note: `trial ${number}` },
      systemAttrs: state === "failed" ? { failReason: "exit code 1", stderrTail: "Traceback …\nValueError: diverged" } : {},
      startedAt: finished ? 1_700_000_000_000 + number * 1000 : null,
      finishedAt: finished ? 1_700_000_000_500 + number * 1000 : null,
    };
  });
  return { directions: ["minimize"], userAttrs: { owner: "bench" }, systemAttrs: {}, trials };
}

/** `storage` without its batched write, so copies write one trial per transaction. */
function oneTrialPerWrite(storage) {
  return new Proxy(storage, {
    get(store, key) {
      if (key === "insertTrials") return undefined;
      const value = Reflect.get(store, key);
      return typeof value === "function" ? value.bind(store) : value;
    },
  });
}

/** Trials per second of copying `source`'s study into a fresh storage from `openTarget`, `wrap`ped; and the copy's trials. */
async function measure(source, openTarget, wrap) {
  let best = Infinity;
  let trials;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const target = await openTarget();
    try {
      const started = performance.now();
      await copyStudy({ from: { storage: source, name: "bench" }, to: { storage: wrap(target), name: "bench" } });
      best = Math.min(best, performance.now() - started);
      const record = await target.getStudy("bench");
      trials = (await target.trialsSince(record.id, 0)).trials.map(({ id: _id, seq: _seq, ...rest }) => rest);
    } finally {
      await target.close();
    }
  }
  return { perSecond: trialCount / (best / 1000), trials };
}

async function adminQuery(url, text) {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const source = await openStorage("memory:");
await importStudy(source, "bench", studyData(trialCount));
const scratch = mkdtempSync(join(tmpdir(), "sextant-bench-copy-"));
const database = `sextant_bench_copy_${randomBytes(4).toString("hex")}`;
let files = 0;
let schemas = 0;
const targets = [["SQLite", () => openStorage(`sqlite:${join(scratch, `t${files++}.db`)}`)]];
if (!args["skip-postgres"]) {
  await adminQuery(args.url, `CREATE DATABASE ${database}`);
  const url = new URL(args.url);
  url.pathname = `/${database}`;
  targets.push(["PostgreSQL", () => openStorage(`${url.href}?schema=copy${schemas++}`)]);
}
try {
  console.log(`copyStudy of ${trialCount} trials, best of ${repeats}:`);
  console.log("| target | one trial per write (trials/s) | batched (trials/s) | speed-up |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const [name, openTarget] of targets) {
    const old = await measure(source, openTarget, oneTrialPerWrite);
    const batched = await measure(source, openTarget, (storage) => storage);
    if (JSON.stringify(old.trials) !== JSON.stringify(batched.trials)) throw new Error(`${name}: the batched copy holds other trials than the one written trial by trial`);
    console.log(`| ${name} | ${old.perSecond.toFixed(0)} | ${batched.perSecond.toFixed(0)} | ${(batched.perSecond / old.perSecond).toFixed(1)}x |`);
  }
} finally {
  await source.close();
  rmSync(scratch, { recursive: true, force: true });
  if (!args["skip-postgres"]) await adminQuery(args.url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
