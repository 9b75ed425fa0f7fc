#!/usr/bin/env node
// One worker process of a shared study, for `npm run bench:storage` and the PostgreSQL fault
// tests: loads an existing study from a storage URL and runs `study.optimize` on a trivial 4-D
// objective (the one Optuna's reference throughput script uses). It runs the COMPILED code in
// dist/, so build first.
//
// argv: <storage URL> <study name> <trials> <random|tpe> <seed> [objective delay ms]
// stdout, last line: {"numbers": [...], "finishedAt": [ms since epoch per trial], "elapsedMs": n,
//   "cpuMs": CPU time of this process (all its threads, user + system) from the start of the run to its end}
// If stdin is a pipe, the worker waits for one line on it before starting, so that a parent can
// release all workers at the same moment after they have loaded.
const [url, studyName, trialsArg, samplerName, seedArg, delayArg] = process.argv.slice(2);
if (!url || !studyName || !trialsArg || !samplerName || seedArg === undefined) {
  console.error("usage: optimize-worker.mjs <storage URL> <study name> <trials> <random|tpe> <seed> [objective delay ms]");
  process.exit(2);
}
const nTrials = Number(trialsArg);
const seed = Number(seedArg);
// A fault test needs trials still running when it strikes, however fast the machine.
const delayMs = Number(delayArg ?? 0);
const sextant = await import(new URL("../dist/index.js", import.meta.url).href);

const sampler = samplerName === "tpe" ? new sextant.TPESampler({ seed }) : new sextant.RandomSampler({ seed });
const study = await sextant.loadStudy({ name: studyName, storage: url, sampler });

if (!process.stdin.isTTY) {
  await new Promise((resolve) => {
    process.stdin.once("data", resolve);
    process.stdin.once("end", resolve);
  });
}

const numbers = [];
const finishedAt = [];
const started = performance.now();
const cpuAtStart = process.cpuUsage();
await study.optimize(
  async (trial) => {
    let sum = 0;
    for (let k = 0; k < 4; k++) sum += (trial.suggestFloat(`x${k}`, 0, 1) - 0.3) ** 2;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return sum;
  },
  {
    nTrials,
    callbacks: [
      (_study, trial) => {
        numbers.push(trial.number);
        finishedAt.push(Date.now());
      },
    ],
  },
);
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
await study.close();
process.stdout.write(`${JSON.stringify({ numbers, finishedAt, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
process.stdin.destroy();
