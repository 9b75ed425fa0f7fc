#!/usr/bin/env node
// What the watchdog costs a short trial. Each round spawns a tiny program the way the
// command runner does (own process group, stdout/stderr piped, wait for it to end), once bare (the
// reference) and once registered with the process's watchdog and released when it ends; rounds
// alternate so that both see the same machine load. Prints the median time per trial of each and
// the ratio guarded / bare.
//
// Usage: npm run bench:watchdog -- [--rounds 200]
import { spawn } from "node:child_process";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { guardProcessGroup } = await import(join(root, "dist/study/process-watchdog.js"));
const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "200" } } });
const rounds = Number(args.rounds);

function runOnce(guarded) {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn("/bin/echo", ["0.5"], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const guard = guarded ? guardProcessGroup(child.pid, 5) : null;
    child.stdout.resume();
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", () => {
      guard?.release();
      resolvePromise(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

for (let i = 0; i < 10; i++) await runOnce(i % 2 === 0); // warm up
const bare = [];
const guarded = [];
for (let i = 0; i < rounds; i++) {
  bare.push(await runOnce(false));
  guarded.push(await runOnce(true));
}
const bareMs = median(bare);
const guardedMs = median(guarded);
console.log(`rounds: ${rounds} of /bin/echo, alternating`);
console.log(`bare spawn (reference):  ${bareMs.toFixed(2)} ms per trial (median)`);
console.log(`with watchdog:           ${guardedMs.toFixed(2)} ms per trial (median)`);
console.log(`ratio guarded / bare:    ${(guardedMs / bareMs).toFixed(2)} (+${(guardedMs - bareMs).toFixed(2)} ms per trial)`);
