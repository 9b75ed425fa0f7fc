#!/usr/bin/env node
// What a CLI command costs to start: each command run N times from the bundled CLI (bin/sextant.js,
// which loads dist/cli-bundle/) and from the same build unbundled (dist/cli/main.js and the ES
// modules it imports one by one, as before the bundle), alternating, in the same run. Prints the
// median wall time and the mean CPU time (user + system, of the command and its children, from
// /proc/self/stat on Linux) of each, and bundled ÷ unbundled as a ratio. Usage:
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
function once(entry, argv) {
  const cpu0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [entry, ...argv], { cwd: dir, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (run.status !== 0) throw new Error(`${argv.join(" ")} failed: ${run.stderr}`);
  return { wall, cpu: childrenCpu() - cpu0 };
}

console.log(`sextant CLI start, ${runs} runs each, bundled (dist/cli-bundle) and unbundled (dist/cli/main.js) alternating`);
console.log(`${"command".padEnd(34)} ${"bundled wall / CPU".padStart(20)} ${"unbundled wall / CPU".padStart(22)}  ratio wall  ratio CPU`);
try {
  for (const command of commands) {
    const result = { bundled: [], unbundled: [] };
    for (let i = 0; i < runs; i++) {
      result.bundled.push(once(bundled, command.args(i, "b")));
      result.unbundled.push(once(unbundled, command.args(i, "u")));
    }
    const wall = (xs) => median(xs.map((x) => x.wall));
    const cpu = (xs) => mean(xs.map((x) => x.cpu));
    const cell = (xs) => `${wall(xs).toFixed(3)} s / ${cpu(xs).toFixed(3)} s`;
    console.log(
      `${command.label.padEnd(34)} ${cell(result.bundled).padStart(20)} ${cell(result.unbundled).padStart(22)}  ${(wall(result.bundled) / wall(result.unbundled)).toFixed(2).padStart(10)}  ${(cpu(result.bundled) / cpu(result.unbundled)).toFixed(2).padStart(9)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
