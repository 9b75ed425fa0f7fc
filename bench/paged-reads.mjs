#!/usr/bin/env node
// Paged reads of a large study: peak memory (max RSS) and time of `sextant trials`, `trials --json`,
// `export` (CSV), `export --format json` and `copy` (into a fresh SQLite file) of one study of
// --trials trials, run by the CLI of this checkout (a page of trials at a time, trialPages) beside
// the CLI of --reference (default: the commit before paging came in, which read every trial at
// once), built from git into a scratch folder in the same run. Each command runs in a process of its own; the script checks that both
// CLIs print the same bytes (the export's exportedAt, the moment of reading, aside).
//
// Usage: npm run bench:paged-reads -- [--trials 100000] [--reference GIT_REF | --reference-dist BUILT_DIST] [--url postgres://postgres@127.0.0.1:5432/test] [--skip-postgres]
// PostgreSQL runs in a scratch schema of its own, dropped at the end. Needs dist/ (npm run build) and git.
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const sextant = await import(join(root, "dist/index.js"));
const pg = require("pg");

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "100000" },
    reference: { type: "string" },
    "reference-dist": { type: "string" },
    url: { type: "string", default: process.env.SEXTANT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    "skip-postgres": { type: "boolean", default: false },
  },
});
const trials = Number(args.trials);
const log = (message) => process.stderr.write(`${message}\n`);
const git = (...argv) => execFileSync("git", argv, { cwd: root, encoding: "utf8" }).trim();

/** The commit before trialPages came in: the last CLI that read every trial at once. */
function defaultReference() {
  const added = git("log", "--format=%H", "--reverse", "-S", "export async function* trialPages", "--", "src/storage/trial-query.ts").split("\n")[0];
  if (!added) throw new Error("cannot find the commit that added trialPages; give --reference GIT_REF");
  return `${added}^`;
}

/** The CLI of `ref`, compiled into `folder` (its src, bin and configs; this checkout's node_modules). */
function buildReference(ref, folder) {
  execFileSync("sh", ["-c", `git -C "${root}" archive "${ref}" src bin package.json tsconfig.json tsconfig.build.json | tar -x -C "${folder}"`]);
  symlinkSync(join(root, "node_modules"), join(folder, "node_modules"));
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(folder, "tsconfig.build.json")], { stdio: "inherit" });
}

// Runs the CLI whose dist is its first argument (argv[1] under -e) with the rest, and says its peak memory on exit.
const RUNNER = `
const [dist, ...argv] = process.argv.slice(1);
const { main } = await import(dist + "/cli/main.js");
process.on("exit", () => process.stderr.write("\\nmaxrss " + process.resourceUsage().maxRSS + "\\n"));
process.exitCode = await main(["node", "sextant", ...argv]);
`;

async function seed(storageUrl) {
  const storage = await sextant.openStorage(storageUrl);
  try {
    const study = await storage.createStudy("big", ["minimize"], { systemAttrs: { constraintCount: 1 } });
    const distributions = { lr: { type: "float", low: 1e-5, high: 1, log: true }, depth: { type: "int", low: 1, high: 12 }, act: { type: "categorical", choices: ["relu", "gelu", "tanh"] } };
    for (let start = 0; start < trials; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(trials, start + 1000); i++) {
        const state = i % 10 === 0 ? "pruned" : i % 17 === 0 ? "failed" : "complete";
        const value = ((i * 7919) % trials) / trials;
        batch.push({
          state,
          params: { lr: 1e-5 + value / 2, depth: 1 + (i % 12), act: ["relu", "gelu", "tanh"][i % 3] },
          distributions,
          values: state === "failed" ? null : [value],
          intermediate: state === "pruned" ? { 0: value, 1: value / 2, 2: value / 3 } : {},
          userAttrs: { i, note: `trial ${i}` },
          systemAttrs: state === "failed" ? { failReason: `exit code 1: error ${i}` } : state === "complete" ? { constraints: [value - 0.9] } : {},
          startedAt: 1_600_000_000_000 + i * 1000,
          finishedAt: 1_600_000_000_000 + i * 1000 + 500 + (i % 997),
        });
      }
      await storage.insertTrials(study.id, batch);
    }
  } finally {
    await storage.close();
  }
}

/** Runs one command of the CLI in `dist`, its output into `file`: wall time and peak RSS. */
function runCli(dist, argv, file) {
  return new Promise((resolvePromise, reject) => {
    const out = openSync(file, "w");
    const started = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", RUNNER, dist, ...argv], { stdio: ["ignore", out, "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      closeSync(out);
      const ms = performance.now() - started;
      const rss = /maxrss (\d+)/.exec(stderr);
      if (code !== 0 || !rss) return reject(new Error(`sextant ${argv.join(" ")} (${dist}) exited ${code}: ${stderr}`));
      resolvePromise({ ms, rssMb: Number(rss[1]) / 1024 });
    });
  });
}

/** The file's SHA-256 and size, with the export's moment of reading blanked (it is in the first lines). */
async function digest(file) {
  const hash = createHash("sha256");
  let first = true;
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    bytes += chunk.length;
    if (!first) {
      hash.update(chunk);
      continue;
    }
    first = false;
    hash.update(chunk.toString("latin1").replace(/"exportedAt": "[^"]*"/, '"exportedAt": ""'), "latin1");
  }
  return { sha: hash.digest("hex"), bytes };
}

const COMMANDS = [
  ["trials", []],
  ["trials", ["--json"]],
  ["export", []],
  ["export", ["--format", "json"]],
  // Into the same SQLite file each time, made afresh: it is named in what copy prints.
  ["copy", ["--to-storage", "sqlite:COPY"]],
];

async function measure(label, storageUrl, dists, scratch) {
  log(`${label}: seeding a study of ${trials} trials ...`);
  await seed(storageUrl);
  for (const [command, flags] of COMMANDS) {
    const copyFile = join(scratch, "copy.db");
    const argv = [command, "big", command === "copy" ? "--from-storage" : "--storage", storageUrl, ...flags.map((flag) => flag.replace("COPY", copyFile))];
    const shown = `${command} ${flags.map((flag) => flag.replace("COPY", "copy.db")).join(" ")}`.trim();
    const runs = {};
    for (const [version, dist] of Object.entries(dists)) {
      rmSync(copyFile, { force: true });
      const file = join(scratch, `${version}.out`);
      runs[version] = { ...(await runCli(dist, argv, file)), ...(await digest(file)) };
    }
    const { before, now } = runs;
    if (before.sha !== now.sha || before.bytes !== now.bytes) throw new Error(`${label}: sextant ${shown}: the outputs differ (${before.bytes} and ${now.bytes} bytes)`);
    console.log(
      `| ${label} | ${shown} | ${(now.bytes / 1e6).toFixed(1)} MB | ${before.rssMb.toFixed(0)} MB, ${(before.ms / 1000).toFixed(1)} s | ` +
        `${now.rssMb.toFixed(0)} MB, ${(now.ms / 1000).toFixed(1)} s | ${(before.rssMb / now.rssMb).toFixed(1)}x less memory | same bytes |`,
    );
  }
}

const scratch = mkdtempSync(join(tmpdir(), "sextant-bench-paged-"));
try {
  let reference = args["reference-dist"];
  if (reference === undefined) {
    const ref = args.reference ?? defaultReference();
    const referenceFolder = join(scratch, "reference");
    mkdirSync(referenceFolder);
    reference = `${ref} (${git("rev-parse", "--short", ref)})`;
    log(`building the CLI of ${reference} ...`);
    buildReference(ref, referenceFolder);
    args["reference-dist"] = join(referenceFolder, "dist");
  }
  const dists = { before: resolve(args["reference-dist"]), now: join(root, "dist") };
  console.log(`# Reading a study of ${trials.toLocaleString("en-US")} trials: every trial at once (${reference}) against a page at a time (${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
  console.log("| backend | command | output | before: peak RSS, time | now: peak RSS, time | memory | check |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  await measure("SQLite", `sqlite:${join(scratch, "big.db")}`, dists, scratch);
  if (!args["skip-postgres"]) {
    const schema = `bench_paged_${randomBytes(4).toString("hex")}`;
    const client = new pg.Client({ connectionString: args.url });
    await client.connect();
    try {
      await measure("PostgreSQL", `${args.url}${args.url.includes("?") ? "&" : "?"}schema=${schema}`, dists, scratch);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
