#!/usr/bin/env node
// Type-checks src/ and test/, runs the vitest suite, and ends with one plain summary line,
// "N passed, N failed, N skipped", which CI reads. Vitest strips types without checking them, so
// a type error in a test would otherwise go unnoticed; it counts as one failure, and the suite
// still runs so its results are not hidden by it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const resultsDir = ".vitest-tmp";
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, "results.json");
rmSync(resultsFile, { force: true });
const typecheck = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit"], { stdio: "inherit" });
const typeErrors = typecheck.status === 0 ? 0 : 1;
const run = spawnSync(
  process.execPath,
  ["node_modules/vitest/vitest.mjs", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
let line = "0 passed, 1 failed (vitest wrote no results)";
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, "utf8"));
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  // A file that fails to load has no test results of its own; count it as a failure.
  const brokenFiles = (results.testResults ?? []).filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
  line = `${results.numPassedTests} passed, ${results.numFailedTests + brokenFiles + typeErrors} failed, ${skipped} skipped`;
  if (typeErrors > 0) line += " (type errors: see tsc's output above)";
}
console.log(`\n${line}`);
process.exit(typeErrors > 0 ? 1 : (run.status ?? 1));
