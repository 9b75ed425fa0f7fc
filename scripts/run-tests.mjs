#!/usr/bin/env node
// Type-checks src/ and test/, runs the vitest suite, and ends with one plain summary line,
// "N passed, N failed, N skipped", which CI reads. Vitest strips types without checking them, so
// a type error in a test would otherwise go unnoticed; it counts as one failure, and the suite
// still runs so its results are not hidden by it. The type check runs while the suite does, in
// the share of the two CI cores the suite leaves idle (about a quarter), instead of half a minute
// before it; its output is printed after the suite's, just above the summary line.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const resultsDir = ".vitest-tmp";
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, "results.json");
rmSync(resultsFile, { force: true });
// test/cpu-accounting.ts writes each test file's CPU seconds here (Linux only).
const cpuDir = resolve(resultsDir, "cpu");
rmSync(cpuDir, { recursive: true, force: true });
const typecheck = startTypecheck();
const vitest = spawn(
  process.execPath,
  ["node_modules/vitest/vitest.mjs", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, SEXTANT_TEST_CPU_DIR: cpuDir } },
);
const run = await new Promise((done) => {
  vitest.on("error", () => done({ status: 1 }));
  vitest.on("close", (status) => done({ status }));
});
const typecheckResult = await typecheck;
if (typecheckResult.output.trim() !== "") process.stdout.write(`\ntsc -p tsconfig.json --noEmit:\n${typecheckResult.output}`);
const typeErrors = typecheckResult.status === 0 ? 0 : 1;
let line = "0 passed, 1 failed (vitest wrote no results)";
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, "utf8"));
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  // A file that fails to load has no test results of its own; count it as a failure.
  const brokenFiles = (results.testResults ?? []).filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
  line = `${results.numPassedTests} passed, ${results.numFailedTests + brokenFiles + typeErrors} failed, ${skipped} skipped`;
  if (typeErrors > 0) line += " (type errors: see tsc's output above)";
}
printCpuLeaders();
console.log(`\n${line}`);
process.exit(typeErrors > 0 ? 1 : (run.status ?? 1));

/** Starts `tsc --noEmit` over src/ and test/ in the background; resolves to its exit status and what it printed. */
function startTypecheck() {
  const child = spawn(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit", "--pretty", "false"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((done) => {
    child.on("error", (error) => done({ status: 1, output: `${output}could not start tsc: ${error.message}\n` }));
    child.on("close", (status) => done({ status, output }));
  });
}

/**
 * Prints the test files that cost the most CPU (their own and their children's), with the suite's
 * total: the CI machine's two cores are busy most of the suite, so starting a file's processes side
 * by side mostly takes CPU from the other file, and these are the files to make cheaper. Prints
 * nothing where fewer than five files were recorded (not Linux, or a run of a few files).
 */
function printCpuLeaders() {
  const records = existsSync(cpuDir) ? readdirSync(cpuDir).map((name) => JSON.parse(readFileSync(join(cpuDir, name), "utf8"))) : [];
  if (records.length < 5) return;
  const cpu = (record) => record.own + record.children;
  const total = records.reduce((sum, record) => sum + cpu(record), 0);
  records.sort((a, b) => cpu(b) - cpu(a));
  console.log(`\nCPU seconds of the test files (own + the processes they started): ${total.toFixed(0)} in all; the most costly:`);
  for (const record of records.slice(0, 12)) {
    console.log(`  ${cpu(record).toFixed(1).padStart(7)}  (own ${record.own.toFixed(1)}, wall ${record.wall.toFixed(1)})  ${relative(process.cwd(), record.file)}`);
  }
}
