#!/usr/bin/env node
// Storage benchmark: W worker processes (scripts/optimize-worker.mjs, each running the library's
// study.optimize on a trivial 4-D objective) share one study in PostgreSQL, then in one SQLite
// file. Prints completed trials per second beside Optuna 3.1's RDB storage measured in the same
// run on the same database and sampler (../shared/reference/optuna_rdb_throughput.py), as a
// ratio, and checks that no trial was lost or duplicated. The 40x target compares per-trial
// throughput with start-up cancelled out the same way on both sides (see measureMarginal); the
// table beside it shows whole runs, start-up included. Then checks that throughput stays flat
// as the study grows (the rate over trials 10,000-11,000 against the first 1,000).
//
// Usage: npm run bench:storage -- [--url postgres://postgres@127.0.0.1:5432/test] [--workers 1,4,8] [--samplers random,tpe]
//        [--trials 2000] [--tpe-trials 600] [--optuna-trials 240] [--flat-trials 11000]
//        [--skip-optuna] [--skip-postgres] [--skip-sqlite] [--skip-flat] [--skip-marginal] [--skip-server]
//        [--listing-trials 100000] [--skip-listing] [--skip-throughput]
// The listing section times storage.listStudies() beside one study of --listing-trials trials: a
// repeated listing (figures cached per study seq) against a storage object's first listing (the
// uncached aggregate over every trial, as each listing cost before the cache), in the same run.
// The URL names an existing database the user may CREATE DATABASE from; the benchmark works in
// a scratch database of its own and drops it at the end.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sextant = await import(join(root, "dist/index.js"));
const pg = (await import("pg")).default;

const { values: args } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SEXTANT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    workers: { type: "string", default: "1,4,8" },
    samplers: { type: "string", default: "random,tpe" },
    trials: { type: "string", default: "2000" },
    "tpe-trials": { type: "string", default: "600" },
    "optuna-trials": { type: "string", default: "240" },
    "flat-trials": { type: "string", default: "11000" },
    "skip-optuna": { type: "boolean", default: false },
    "skip-postgres": { type: "boolean", default: false },
    "skip-sqlite": { type: "boolean", default: false },
    "skip-flat": { type: "boolean", default: false },
    "skip-marginal": { type: "boolean", default: false },
    "skip-server": { type: "boolean", default: false },
    "listing-trials": { type: "string", default: "100000" },
    "skip-listing": { type: "boolean", default: false },
    "skip-throughput": { type: "boolean", default: false },
  },
});
const workerCounts = args.workers.split(",").map(Number);
const samplers = args.samplers.split(",");
const totalTrials = { random: Number(args.trials), tpe: Number(args["tpe-trials"]) };
const optunaTotal = Number(args["optuna-trials"]);
const flatTrials = Number(args["flat-trials"]);
const log = (message) => process.stderr.write(`${message}\n`);

const sharedDir = [process.env.SEXTANT_SHARED, resolve(root, "../shared"), resolve(root, "../../shared")].find(
  (dir) => dir && existsSync(join(dir, "reference/optuna_rdb_throughput.py")),
);
const optunaScript = sharedDir && join(sharedDir, "reference/optuna_rdb_throughput.py");
const python = "/usr/bin/python3";
const useOptuna = !args["skip-optuna"] && optunaScript !== undefined && ensureOptuna();
if (!args["skip-optuna"] && optunaScript === undefined) log("../shared/reference/optuna_rdb_throughput.py not found: Optuna columns left empty");

// --- Helpers --------------------------------------------------------------------------------

/** Installs Debian's Optuna 3.1 and psycopg2 for /usr/bin/python3 when missing. */
function ensureOptuna() {
  const check = () => spawnSync(python, ["-c", "import optuna, psycopg2"], { stdio: "ignore" }).status === 0;
  if (check()) return true;
  log("installing python3-optuna and python3-psycopg2 with apt-get ...");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  spawnSync([...sudo, "apt-get", "install", "-y", "python3-optuna", "python3-psycopg2"].join(" "), { shell: true, stdio: "inherit" });
  if (check()) return true;
  log("Optuna is not available: Optuna columns left empty");
  return false;
}

async function adminQuery(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** The URL without the query parameters only Sextant reads (`schema`, `synchronous_commit`). */
function withoutSextantParameters(url) {
  const parsed = new URL(url);
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("synchronous_commit");
  return parsed.toString();
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or null if it is gone or not on this host. */
function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name in parentheses may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Follows the CPU time of the PostgreSQL backends serving Sextant's connections to one database
 * (`applicationName`, or every other connection when null) while workers run, polling because a
 * backend's process ends with its connection. Only possible
 * when the server runs on this machine; otherwise reports null. Counts backends only, not the WAL
 * writer or autovacuum that every writer to the database shares.
 */
function followBackendCpu(storageUrl, applicationName = "sextant") {
  const { protocol, hostname, pathname } = new URL(storageUrl);
  if (protocol !== "postgres:") return null;
  if (!["127.0.0.1", "localhost", "[::1]", ""].includes(hostname)) return null;
  const database = decodeURIComponent(pathname.slice(1));
  const client = new pg.Client({ connectionString: storageUrl, application_name: "sextant-bench" });
  const baseline = new Map();
  const latest = new Map();
  let stopped = false;
  // A server restart or a terminated connection (another job on the machine) ends this client:
  // the backends' CPU is then unknown and reported as such, instead of crashing the whole bench.
  let lost = false;
  client.on("error", () => {
    lost = true;
  });
  const sample = async () => {
    if (lost) return;
    // Optuna's connections carry no application name: with null, every connection but this one counts.
    const { rows } = await client.query(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR application_name = $2::text)",
      [database, applicationName],
    );
    for (const { pid } of rows) {
      const seconds = processCpuSeconds(pid);
      if (seconds !== null) latest.set(pid, seconds);
    }
  };
  const loop = (async () => {
    await client.connect();
    await sample();
    while (!stopped && !lost) {
      await new Promise((res) => setTimeout(res, 50));
      await sample();
    }
  })().catch(() => {
    lost = true;
  });
  return {
    /** Marks the start of the measured run: CPU used before it (connecting, loading) is left out. */
    async start() {
      await sample().catch(() => {
        lost = true;
      });
      for (const [pid, seconds] of latest) baseline.set(pid, seconds);
    },
    async stop() {
      stopped = true;
      await loop;
      await client.end().catch(() => undefined);
      if (lost || latest.size === 0) return null;
      let total = 0;
      for (const [pid, seconds] of latest) total += seconds - (baseline.get(pid) ?? 0);
      return total;
    },
  };
}

/** Runs W workers of scripts/optimize-worker.mjs, released together once all have loaded. */
async function runWorkers(storageUrl, studyName, workers, trialsPerWorker, sampler) {
  const children = [];
  for (let i = 0; i < workers; i++) {
    const child = spawn(process.execPath, [join(root, "scripts/optimize-worker.mjs"), storageUrl, studyName, String(trialsPerWorker), sampler, String(i)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    children.push({ child, done: new Promise((res, rej) => child.on("exit", (code) => (code === 0 ? res(out) : rej(new Error(`worker ${i} exited with ${code}`))))) });
  }
  // Loading (imports, connecting) is not what is measured: give workers a moment, then release all.
  await new Promise((res) => setTimeout(res, 1500));
  const server = storageUrl.startsWith("postgres");
  const backends = server ? followBackendCpu(storageUrl) : null;
  await backends?.start();
  const started = performance.now();
  for (const { child } of children) child.stdin.end("go\n");
  const outputs = await Promise.all(children.map((c) => c.done));
  const seconds = (performance.now() - started) / 1000;
  // undefined: no server (SQLite), its work is in the workers; null: a server we cannot see.
  const backendSeconds = server ? ((await backends?.stop()) ?? null) : undefined;
  const reports = outputs.map((out) => JSON.parse(out.trim().split("\n").pop()));
  const workerSeconds = reports.reduce((sum, r) => sum + r.cpuMs / 1000, 0);
  return { seconds, reports, cpu: { workerSeconds, backendSeconds } };
}

/** Every trial the workers reported is in the study exactly once, numbered 0..n-1, all complete. */
async function checkConsistency(storageUrl, studyName, expected, reports) {
  const storage = await sextant.openStorage(storageUrl);
  try {
    const study = await storage.getStudy(studyName);
    const { trials } = await storage.trialsSince(study.id, 0);
    const reported = reports.flatMap((r) => r.numbers).sort((a, b) => a - b);
    const contiguous = trials.every((t, i) => t.number === i);
    const allComplete = trials.every((t) => t.state === "complete");
    const sameAsReported = reported.length === trials.length && reported.every((n, i) => n === i);
    return trials.length === expected && contiguous && allComplete && sameAsReported;
  } finally {
    await storage.close();
  }
}

async function measureSextant(storageUrl, sampler, workers, total) {
  const studyName = `bench-${sampler}-${workers}-${randomBytes(3).toString("hex")}`;
  const study = await sextant.createStudy({ name: studyName, storage: storageUrl, direction: "minimize" });
  await study.close();
  const perWorker = Math.ceil(total / workers);
  const { seconds, reports, cpu } = await runWorkers(storageUrl, studyName, workers, perWorker, sampler);
  const consistent = await checkConsistency(storageUrl, studyName, perWorker * workers, reports);
  return { rate: (perWorker * workers) / seconds, trials: perWorker * workers, seconds, consistent, reports, cpu };
}

/**
 * Runs Optuna's script unchanged, under a parent that reports the CPU time of the script and its
 * worker processes (all of them, start-up included: the per-trial reading takes differences).
 */
const OPTUNA_CPU_WRAPPER =
  "import resource, subprocess, sys\n" +
  "code = subprocess.run(sys.argv[1:]).returncode\n" +
  "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n" +
  "print(f'cpu_seconds={usage.ru_utime + usage.ru_stime:.3f}')\n" +
  "sys.exit(code)\n";

async function measureOptuna(url, sampler, workers, total = optunaTotal) {
  if (!useOptuna) return null;
  const perWorker = Math.max(10, Math.round(total / workers));
  const server = url.startsWith("postgresql:");
  const backends = server ? followBackendCpu(url.replace(/^postgresql:/, "postgres:"), null) : null;
  const child = spawn(python, ["-c", OPTUNA_CPU_WRAPPER, python, optunaScript, url, String(workers), String(perWorker), sampler], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  await new Promise((res) => child.on("exit", res));
  const backendSeconds = server ? ((await backends?.stop()) ?? null) : undefined;
  const match = /trials=(\d+) seconds=([\d.]+) trials_per_s=([\d.]+) consistent=(\w+)/.exec(stdout);
  const cpu = /cpu_seconds=([\d.]+)/.exec(stdout);
  if (!match) {
    log(`optuna run failed: ${stderr.slice(-400)}`);
    return null;
  }
  const trials = Number(match[1]);
  return {
    trials,
    seconds: Number(match[2]),
    rate: Number(match[3]),
    consistent: match[4] === "True",
    cpu: { workerSeconds: cpu ? Number(cpu[1]) : null, backendSeconds },
  };
}

const fmt = (x, digits = 1) => (x === null || x === undefined ? "-" : x.toFixed(digits));

/** "workers + postgres = total" CPU milliseconds per trial; the database part only when the server is local, none for SQLite. */
function cpuText(cpu, trials) {
  const perTrial = (seconds) => (seconds * 1000) / trials;
  if (cpu.workerSeconds === null) return "-";
  if (cpu.backendSeconds === undefined) return fmt(perTrial(cpu.workerSeconds), 2);
  if (cpu.backendSeconds === null) return `${fmt(perTrial(cpu.workerSeconds), 2)} + ?`;
  return `${fmt(perTrial(cpu.workerSeconds), 2)} + ${fmt(perTrial(cpu.backendSeconds), 2)} = ${fmt(perTrial(cpu.workerSeconds + cpu.backendSeconds), 2)}`;
}

function printTable(title, rows) {
  console.log(`\n${title}`);
  console.log(
    "| sampler | workers | sextant trials/s | optuna trials/s | ratio | CPU ms/trial, sextant (workers + db backends, after start-up) | CPU ms/trial, optuna (start-up included) | nothing lost or duplicated (sextant / optuna) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const ratio = r.optuna ? r.sextant.rate / r.optuna.rate : null;
    console.log(
      `| ${r.sampler} | ${r.workers} | ${fmt(r.sextant.rate)} | ${fmt(r.optuna?.rate)} | ${ratio === null ? "-" : `${fmt(ratio)}x`} | ${cpuText(r.sextant.cpu, r.sextant.trials)} | ${r.optuna ? cpuText(r.optuna.cpu, r.optuna.trials) : "-"} | ${r.sextant.consistent ? "yes" : "NO"} / ${r.optuna ? (r.optuna.consistent ? "yes" : "NO") : "-"} |`,
    );
  }
}

async function runTable(storageUrl, optunaUrl, label) {
  const rows = [];
  for (const sampler of samplers) {
    for (const workers of workerCounts) {
      log(`${label}: ${sampler}, ${workers} worker(s) ...`);
      const sextantResult = await measureSextant(storageUrl, sampler, workers, totalTrials[sampler]);
      const optunaResult = await measureOptuna(optunaUrl, sampler, workers);
      rows.push({ sampler, workers, sextant: sextantResult, optuna: optunaResult });
    }
  }
  printTable(label, rows);
  return rows;
}

/**
 * The 40x target, start-up excluded on both sides the same way: each side runs 4 workers twice,
 * with n and 3n trials, and its rate is the extra trials over the extra seconds. What a worker
 * pays once (Python or Node start, imports, connecting, Sextant's heartbeat thread) cancels out,
 * leaving what each trial costs in a long run. Optuna's script is run unchanged.
 */
async function measureMarginal(storageUrl, optunaUrl) {
  const workers = 4;
  const small = totalTrials.random;
  const optunaSmall = optunaTotal;
  log(`target: random, ${workers} workers, ${small} and ${3 * small} trials; Optuna ${optunaSmall} and ${3 * optunaSmall} ...`);
  const loadBefore = loadavg()[0];
  const sextantRuns = [];
  for (const total of [small, 3 * small]) sextantRuns.push(await measureSextant(storageUrl, "random", workers, total));
  const optunaRuns = [];
  for (const total of [optunaSmall, 3 * optunaSmall]) {
    const run = await measureOptuna(optunaUrl, "random", workers, total);
    if (!run) return;
    optunaRuns.push(run);
  }
  const loadAfter = loadavg()[0];
  const marginal = ([a, b]) => (b.trials - a.trials) / (b.seconds - a.seconds);
  /** Extra CPU milliseconds over extra trials, workers and database backends together. */
  const marginalCpu = ([a, b]) => {
    const total = (run) => (run.cpu.workerSeconds === null || run.cpu.backendSeconds === null ? null : run.cpu.workerSeconds + run.cpu.backendSeconds);
    const [ta, tb] = [total(a), total(b)];
    return ta === null || tb === null ? null : ((tb - ta) * 1000) / (b.trials - a.trials);
  };
  const ours = marginal(sextantRuns);
  const theirs = marginal(optunaRuns);
  const ratio = ours / theirs;
  const [oursCpu, theirsCpu] = [marginalCpu(sextantRuns), marginalCpu(optunaRuns)];
  const runText = (runs) => runs.map((r) => `${r.trials} in ${fmt(r.seconds, 2)} s`).join(", ");
  const consistentText = (runs) => (runs.every((r) => r.consistent) ? "yes" : "NO");
  console.log(`\nPer-trial throughput in a long run (PostgreSQL, ${workers} workers, random; extra trials / extra seconds between two run sizes)`);
  console.log("| | runs | trials/s | CPU ms/trial (workers + db backends, extra CPU / extra trials) | nothing lost or duplicated |");
  console.log("| --- | --- | --- | --- | --- |");
  console.log(`| sextant | ${runText(sextantRuns)} | ${fmt(ours)} | ${fmt(oursCpu, 2)} | ${consistentText(sextantRuns)} |`);
  console.log(`| optuna | ${runText(optunaRuns)} | ${fmt(theirs)} | ${fmt(theirsCpu, 2)} | ${consistentText(optunaRuns)} |`);
  console.log(`\nLoad average (1 min) on this ${cpus().length}-core machine: ${fmt(loadBefore, 2)} before these runs, ${fmt(loadAfter, 2)} after.`);
  if (oursCpu !== null && theirsCpu !== null) {
    // Each side is CPU-bound on a busy machine, and waits on round trips that load stretches (Optuna
    // makes many per trial) on a quiet one; trials per CPU-second is the reading load moves least.
    console.log(`Trials per CPU-second (less sensitive to other load on the machine): sextant ${fmt(1000 / oursCpu)}, optuna ${fmt(1000 / theirsCpu)}: ${fmt(theirsCpu / oursCpu)}x`);
  }
  console.log(`\nTarget: >= 40x Optuna at 4 workers, random: ${fmt(ratio)}x ${ratio >= 40 ? "(met)" : "(NOT met)"}`);
}

/** Rate over the first 1,000 completions against the rate over completions 10,000-11,000. */
async function measureFlat(storageUrl) {
  const workers = 4;
  log(`flat cost: ${flatTrials} trials, ${workers} workers, random ...`);
  const { reports } = await measureSextant(storageUrl, "random", workers, flatTrials);
  const times = reports.flatMap((r) => r.finishedAt).sort((a, b) => a - b);
  const rate = (from, to) => (to - from) / ((times[to - 1] - times[from]) / 1000);
  const early = rate(0, 1000);
  const late = rate(Math.min(10_000, times.length - 1000), times.length);
  console.log(`\nThroughput as the study grows (PostgreSQL, ${workers} workers, random)`);
  console.log(`| trials 1-1,000 | trials 10,001-${times.length.toLocaleString("en-US")} | late / early (target >= 0.5) |`);
  console.log("| --- | --- | --- |");
  console.log(`| ${fmt(early)} trials/s | ${fmt(late)} trials/s | ${fmt(late / early, 2)} |`);
}

/** Median of `repeats` timings of `fn` in milliseconds. */
async function medianMs(repeats, fn) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(repeats / 2)];
}

/**
 * listStudies() with one big study and 20 small ones: the uncached first listing of a fresh storage
 * object (the reference), a repeated listing, and one after a trial write to a small study.
 */
async function measureListing(storageUrl, label) {
  const trials = Number(args["listing-trials"]);
  log(`listing: seeding ${trials} trials in ${label} ...`);
  const finished = (i) => ({
    state: i % 10 === 0 ? "pruned" : "complete",
    params: { x: i / trials },
    distributions: { x: { type: "float", low: 0, high: 1 } },
    values: [(i * 7919) % trials],
    intermediate: {},
    userAttrs: {},
    systemAttrs: {},
    startedAt: 0,
    finishedAt: 1,
  });
  const seeder = await sextant.openStorage(storageUrl);
  try {
    const big = await seeder.createStudy("listing-big", ["minimize"]);
    const batch = 64; // concurrent writes, so PostgreSQL round trips overlap
    for (let i = 0; i < trials; i += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, trials - i) }, (_, k) => seeder.insertFinishedTrial(big.id, finished(i + k))));
    }
    const small = [];
    for (let s = 0; s < 20; s++) {
      small.push(await seeder.createStudy(`listing-small-${s}`, ["maximize"]));
      for (let i = 0; i < 50; i++) await seeder.insertFinishedTrial(small[s].id, finished(i));
    }
    const reference = await medianMs(3, async () => {
      const fresh = await sextant.openStorage(storageUrl);
      try {
        await fresh.listStudies();
      } finally {
        await fresh.close();
      }
    });
    const lister = await sextant.openStorage(storageUrl);
    try {
      await lister.listStudies();
      const cached = await medianMs(20, () => lister.listStudies());
      let afterWrite = 0;
      for (let i = 0; i < 5; i++) {
        await seeder.insertFinishedTrial(small[i].id, finished(i));
        afterWrite += await medianMs(1, () => lister.listStudies());
      }
      const listed = (await lister.listStudies()).find((s) => s.name === "listing-big");
      if (listed.trialCounts.complete + listed.trialCounts.pruned !== trials) throw new Error(`listing counted ${JSON.stringify(listed.trialCounts)}, not ${trials} trials`);
      console.log(`\nlistStudies() beside a ${trials.toLocaleString("en-US")}-trial study (${label}, 20 small studies too)`);
      console.log("| uncached (first listing, reference) | repeated listing | after a write to a small study | speed-up (repeated) |");
      console.log("| --- | --- | --- | --- |");
      console.log(`| ${fmt(reference, 1)} ms | ${fmt(cached, 2)} ms | ${fmt(afterWrite / 5, 2)} ms | ${fmt(reference / cached)}x |`);
    } finally {
      await lister.close();
    }
  } finally {
    await seeder.close();
  }
}

// --- Run ------------------------------------------------------------------------------------

const database = `sextant_bench_${randomBytes(4).toString("hex")}`;
await adminQuery(args.url, `CREATE DATABASE ${database}`);
const pgUrl = withDatabase(args.url, database);
// SQLAlchemy knows PostgreSQL only as postgresql://, and Sextant's own URL parameters are not psycopg2's.
const optunaPgUrl = withoutSextantParameters(pgUrl).replace(/^postgres:\/\//, "postgresql://");
const scratch = mkdtempSync(join(tmpdir(), "sextant-bench-storage-"));
try {
  console.log(`# Storage throughput (${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
  // Optuna's sessions use the server's setting; Sextant's use its URL's, off unless asked.
  const sextantSync = new URL(pgUrl).searchParams.get("synchronous_commit") ?? "on (Sextant's default)";
  const [{ synchronous_commit: serverSync }] = await adminQuery(args.url.split("?")[0], "SHOW synchronous_commit");
  console.log(`PostgreSQL synchronous_commit: Sextant ${sextantSync}, Optuna ${serverSync} (the server's)`);
  if (!args["skip-postgres"] && !args["skip-throughput"]) {
    const pgRows = await runTable(pgUrl, optunaPgUrl, "PostgreSQL (one database; Optuna RDB on the same database)");
    const target = pgRows.find((r) => r.sampler === "random" && r.workers === 4);
    if (target?.optuna) {
      const ratio = target.sextant.rate / target.optuna.rate;
      console.log(`\nWhole runs (start-up included), 4 workers, random: ${fmt(ratio)}x Optuna`);
    }
    if (useOptuna && !args["skip-marginal"]) await measureMarginal(pgUrl, optunaPgUrl);
  }
  if (!args["skip-flat"]) await measureFlat(pgUrl);
  if (!args["skip-sqlite"] && !args["skip-throughput"]) {
    // Both name their tables studies and trials, so each gets its own file.
    await runTable(`sqlite:${join(scratch, "sextant.db")}`, `sqlite:///${join(scratch, "optuna.db")}`, "SQLite (one file each, same folder)");
  }
  if (!args["skip-listing"]) {
    if (!args["skip-sqlite"]) await measureListing(`sqlite:${join(scratch, "listing.db")}`, "SQLite");
    if (!args["skip-postgres"]) await measureListing(`${pgUrl}${pgUrl.includes("?") ? "&" : "?"}schema=listing`, "PostgreSQL");
  }
  const serverBench = join(root, "bench/server.mjs");
  if (args["skip-server"]) {
    // Asked for: nothing to print.
  } else if (existsSync(serverBench)) {
    log("HTTP service: bench/server.mjs ...");
    spawnSync(process.execPath, [serverBench], { stdio: "inherit", cwd: root });
  } else {
    console.log("\nHTTP service ask+tell: bench/server.mjs not present, skipped");
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await adminQuery(args.url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
