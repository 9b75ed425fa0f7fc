#!/usr/bin/env node
// What a CLI command costs to start: each command run N times, alternating, in the same run, from
// - the bundled CLI (bin/sextant.js, which loads dist/cli-bundle/) with its V8 code cache warm
//   (src/cli/code-cache.ts; the bench's own cache folder, filled by one run before timing),
// - the same bundle with the cache off (SEXTANT_CODE_CACHE=off), and
// - the same build unbundled (dist/cli/main.js and the ES modules it imports one by one, as
//   before the bundle).
// Prints the median wall time and the mean CPU time (user + system, of the command and its
// children, from /proc/self/stat on Linux) of each, then cached ÷ uncached and bundled ÷ unbundled
// as ratios. Usage:
//   npm run bench:cli-start -- [--runs 10]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const runs = Number(args.runs);
const dir = mkdtempSync(join(tmpdir(), "sextant-cli-start-"));
const bundled = join(root, "bin", "sextant.js");
const unbundled = join(dir, "unbundled.mjs");
writeFileSync(unbundled, `import { main } from ${JSON.stringify(join(root, "dist", "cli", "main.js"))};\nmain(process.argv).then((code) => { process.exitCode = code ?? 0; });\n`);

const TICK = 100; // USER_HZ on Linux
/** CPU seconds of this process's reaped children so far (utime+stime of the children, fields 16–17). */
function childrenCpu() {
  if (!existsSync("/proc/self/stat")) return NaN;
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) / TICK;
}

const storage = `sqlite:${join(dir, "s.db")}`;
const tune = (name, sampler) => ["tune", "--storage", storage, "--study", name, "--trials", "10", "--sampler", sampler, "--param", "x=float:0:1", "--", "sh", "-c", "echo {x}"];
const setup = spawnSync(process.execPath, [bundled, ...tune("seed", "random")], { cwd: dir, encoding: "utf8" });
if (setup.status !== 0) throw new Error(`could not make the bench's study: ${setup.stderr}`);
const commands = [
  { label: "--version", args: () => ["--version"] },
  { label: "studies --json", args: () => ["studies", "--storage", storage, "--json"] },
  { label: "best", args: () => ["best", "seed", "--storage", storage] },
  { label: "tune 10 trials, random", args: (i, which) => tune(`r-${which}-${i}`, "random") },
  { label: "tune 10 trials, default sampler", args: (i, which) => tune(`d-${which}-${i}`, "auto") },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cacheHome = join(dir, "cache");
const VARIANTS = [
  { key: "cached", entry: bundled, env: { XDG_CACHE_HOME: cacheHome } },
  { key: "uncached", entry: bundled, env: { XDG_CACHE_HOME: cacheHome, SEXTANT_CODE_CACHE: "off" } },
  { key: "unbundled", entry: unbundled, env: {} },
];
function once(variant, argv) {
  const cpu0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [variant.entry, ...argv], { cwd: dir, encoding: "utf8", env: { ...process.env, ...variant.env } });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (run.status !== 0) throw new Error(`${argv.join(" ")} failed: ${run.stderr}`);
  return { wall, cpu: childrenCpu() - cpu0 };
}

// Fills the cache with what every command below loads, so the timed runs read it.
for (const command of commands) once(VARIANTS[0], command.args(0, "warm"));
console.log(`sextant CLI start, ${runs} runs each, alternating: bundled with its code cache warm, bundled without it (SEXTANT_CODE_CACHE=off), unbundled (dist/cli/main.js)`);
console.log(`${"command".padEnd(34)} ${"cached wall / CPU".padStart(20)} ${"uncached wall / CPU".padStart(20)} ${"unbundled wall / CPU".padStart(22)}  cached÷uncached CPU  bundled÷unbundled CPU`);
try {
  for (const command of commands) {
    const result = { cached: [], uncached: [], unbundled: [] };
    for (let i = 0; i < runs; i++) {
      for (const variant of VARIANTS) result[variant.key].push(once(variant, command.args(i, variant.key)));
    }
    const wall = (xs) => median(xs.map((x) => x.wall));
    const cpu = (xs) => mean(xs.map((x) => x.cpu));
    const cell = (xs) => `${wall(xs).toFixed(3)} s / ${cpu(xs).toFixed(3)} s`;
    console.log(
      `${command.label.padEnd(34)} ${cell(result.cached).padStart(20)} ${cell(result.uncached).padStart(20)} ${cell(result.unbundled).padStart(22)}  ${(cpu(result.cached) / cpu(result.uncached)).toFixed(2).padStart(19)}  ${(cpu(result.uncached) / cpu(result.unbundled)).toFixed(2).padStart(21)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
