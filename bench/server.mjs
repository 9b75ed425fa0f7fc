#!/usr/bin/env node
// HTTP service benchmark: ask+tell round trips per second through a real `sextant serve` process
// with C concurrent clients (default 8), each asking for a trial over a 4-D space and telling its
// value. In the same run, the reference: the same ask+tell done by the library in one process
// (C concurrent loops) on the same kind of storage. Prints both and their ratio, and checks that
// every told trial is stored complete, once.
//
// With --report-steps N it measures reports instead: one trial reports N intermediate values
// (POST .../report, one at a time, as a training loop would, pruner median), and the mean time per
// report over the first and the last --window reports (default 500) is printed with their ratio:
// near 1, a report costs the same however many steps the trial has; far above 1, each report
// does work in proportion to them (10,000 reports are then quadratic).
//
// Usage: npm run bench:server -- [--storage sqlite:/tmp/x.db | postgres://...] [--clients 8]
//        [--seconds 10] [--sampler random] [--json]
//        npm run bench:server -- --report-steps 10000 [--window 500] [--storage ...] [--json]
// Without --storage each part gets its own fresh SQLite file in a temp dir.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { jsonPoster, startServe } from "./serve-process.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, createSamplerByName, openStorage } = await import(join(root, "dist/index.js"));

const { values: args } = parseArgs({
  options: {
    storage: { type: "string" },
    clients: { type: "string", default: "8" },
    seconds: { type: "string", default: "10" },
    sampler: { type: "string", default: "random" },
    "report-steps": { type: "string", default: "0" },
    window: { type: "string", default: "500" },
    json: { type: "boolean", default: false },
  },
});
const reportSteps = Number(args["report-steps"]);
const reportWindow = Number(args.window);
if (!Number.isInteger(reportSteps) || reportSteps < 0) throw new Error(`--report-steps must be a whole number, got ${args["report-steps"]}`);
if (reportSteps > 0 && !(Number.isInteger(reportWindow) && reportWindow >= 1 && 2 * reportWindow <= reportSteps)) {
  throw new Error(`--window must be a whole number from 1 to half of --report-steps, got ${args.window}`);
}
const clients = Number(args.clients);
const seconds = Number(args.seconds);
if (!Number.isInteger(clients) || clients < 1) throw new Error(`--clients must be a positive integer, got ${args.clients}`);
if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${args.seconds}`);
const log = (message) => process.stderr.write(`${message}\n`);

const SPACE = Object.fromEntries(["x0", "x1", "x2", "x3"].map((name) => [name, { type: "float", low: -5, high: 5 }]));
const objective = (params) => Object.values(params).reduce((sum, v) => sum + v * v, 0);
const tmp = mkdtempSync(join(tmpdir(), "sextant-bench-server-"));
const storageFor = (part) => args.storage ?? `sqlite:${join(tmp, `${part}.db`)}`;
const studyName = (part) => `bench-server-${part}-${process.pid}-${Date.now()}`;

/** Runs `loop` on `clients` concurrent workers for `seconds` (after a short warm-up) and counts finished round trips. */
async function measure(loop) {
  const warmUntil = performance.now() + Math.min(1000, seconds * 100);
  const stopAt = warmUntil + seconds * 1000;
  let counted = 0;
  let total = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < stopAt) {
        await loop();
        total++;
        if (performance.now() > warmUntil) counted++;
      }
    }),
  );
  return { perSecond: counted / seconds, total };
}

async function countComplete(url, name) {
  const storage = await openStorage(url);
  try {
    const record = await storage.getStudy(name);
    const { trials } = await storage.trialsSince(record.id, 0);
    const numbers = new Set(trials.map((t) => t.number));
    return { complete: trials.filter((t) => t.state === "complete").length, trials: trials.length, unique: numbers.size };
  } finally {
    await storage.close();
  }
}

// --- the HTTP service, in its own process ---
const serveUrl = storageFor("http");
const { server, base } = await startServe(join(root, "bin/sextant.js"), serveUrl);
// Kept-alive connections, one per client.
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const post = jsonPoster(base, agent);

/** CPU time the server process has used (user + system), from /proc; null where there is none. */
function serverCpuMs() {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function clientCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function stopServer() {
  server.kill("SIGTERM");
  await new Promise((done) => server.once("exit", done));
  if (!args.storage) rmSync(tmp, { recursive: true, force: true });
}

/** Mean ms per report over the first and the last `reportWindow` of one trial's `reportSteps` reports. */
async function timeReports() {
  const study = studyName("reports");
  await post("/studies", { name: study, pruner: { name: "median", options: {} } });
  // Complete trials first, for the pruner to compare with.
  for (let t = 0; t < 3; t++) {
    const { trial } = await post(`/studies/${study}/trials`, { space: SPACE });
    for (let step = 0; step < 5; step++) await post(`/studies/${study}/trials/${trial.number}/report`, { step, value: 1 + t + 1 / (step + 1) });
    await post(`/studies/${study}/trials/${trial.number}/tell`, { state: "complete", values: [1 + t] });
  }
  log(`one trial reporting ${reportSteps} steps, storage ${serveUrl} ...`);
  const { trial } = await post(`/studies/${study}/trials`, { space: SPACE });
  const ms = new Float64Array(reportSteps);
  for (let step = 0; step < reportSteps; step++) {
    const began = performance.now();
    // Better than every complete trial, so the pruner never stops it.
    await post(`/studies/${study}/trials/${trial.number}/report`, { step, value: 0.5 + 1 / (step + 1) });
    ms[step] = performance.now() - began;
  }
  await post(`/studies/${study}/trials/${trial.number}/tell`, { state: "complete", values: [0.5] });
  const mean = (from, to) => ms.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
  return { first: mean(0, reportWindow), last: mean(reportSteps - reportWindow, reportSteps), totalSeconds: ms.reduce((a, b) => a + b, 0) / 1000 };
}

if (reportSteps > 0) {
  let reports;
  try {
    reports = await timeReports();
  } finally {
    agent.destroy();
    await stopServer();
  }
  const ratio = reports.last / reports.first;
  if (args.json) {
    console.log(JSON.stringify({ bench: "server-reports", reportSteps, window: reportWindow, firstMsPerReport: reports.first, lastMsPerReport: reports.last, ratio, totalSeconds: reports.totalSeconds }));
  } else {
    console.log(`one trial reporting ${reportSteps} steps over HTTP, one report at a time (pruner median):`);
    console.log(`  first ${reportWindow} reports  ${reports.first.toFixed(3)} ms each`);
    console.log(`  last ${reportWindow} reports   ${reports.last.toFixed(3)} ms each`);
    console.log(`  ratio last / first   ${ratio.toFixed(2)}`);
    console.log(`  all ${reportSteps} reports    ${reports.totalSeconds.toFixed(1)} s`);
  }
  process.exit(0);
}

let http;
let library;
try {
  const httpStudy = studyName("http");
  await post("/studies", { name: httpStudy, sampler: { name: args.sampler, options: { seed: 1 } } });
  log(`HTTP: ${clients} clients, ${seconds} s, sampler ${args.sampler}, storage ${serveUrl} ...`);
  const cpuBefore = { server: serverCpuMs(), client: clientCpuMs() };
  http = await measure(async () => {
    const { trial } = await post(`/studies/${httpStudy}/trials`, { space: SPACE });
    await post(`/studies/${httpStudy}/trials/${trial.number}/tell`, { state: "complete", values: [objective(trial.params)] });
  });
  http.serverCpuMsPerTrip = cpuBefore.server === null ? null : (serverCpuMs() - cpuBefore.server) / http.total;
  http.clientCpuMsPerTrip = (clientCpuMs() - cpuBefore.client) / http.total;
  agent.destroy();
  const stored = await countComplete(serveUrl, httpStudy);
  if (stored.complete !== http.total || stored.unique !== stored.trials) {
    throw new Error(`HTTP: told ${http.total} trials but storage has ${stored.complete} complete of ${stored.trials} (${stored.unique} numbers)`);
  }

  // --- the reference: the library's own ask+tell in one process, same storage kind ---
  const libraryUrl = storageFor("library");
  log(`library: ${clients} concurrent loops, ${seconds} s, storage ${libraryUrl} ...`);
  const study = await createStudy({ name: studyName("library"), storage: libraryUrl, sampler: createSamplerByName(args.sampler, { seed: 1 }) });
  try {
    library = await measure(async () => {
      const trial = await study.ask(SPACE);
      await study.tell(trial, objective(trial.params));
    });
  } finally {
    await study.close();
  }
} finally {
  await stopServer();
}

const ratio = http.perSecond / library.perSecond;
if (args.json) {
  console.log(JSON.stringify({ bench: "server", clients, seconds, sampler: args.sampler, httpRoundTripsPerSecond: http.perSecond, libraryRoundTripsPerSecond: library.perSecond, ratio, serverCpuMsPerTrip: http.serverCpuMsPerTrip, clientCpuMsPerTrip: http.clientCpuMsPerTrip }));
} else {
  console.log(`ask+tell round trips per second, ${clients} concurrent clients, sampler ${args.sampler}:`);
  console.log(`  HTTP service (sextant serve)        ${http.perSecond.toFixed(1)}/s  (${http.total} trials, all stored complete once)`);
  console.log(`  library in one process (reference)  ${library.perSecond.toFixed(1)}/s`);
  console.log(`  ratio HTTP / library                ${ratio.toFixed(2)}`);
  const serverCpu = http.serverCpuMsPerTrip === null ? "n/a" : `${http.serverCpuMsPerTrip.toFixed(2)} ms`;
  console.log(`  CPU per HTTP round trip: server ${serverCpu}, bench client ${http.clientCpuMsPerTrip.toFixed(2)} ms`);
}
