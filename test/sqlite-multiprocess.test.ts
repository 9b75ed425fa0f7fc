/**
 * Several OS processes sharing one SQLite file: the case the SQLite backend exists for.
 *
 * The workers (test/fixtures/sqlite-worker.mjs) run the compiled code in dist/, so this suite needs
 * a fresh build: `npm test` runs `tsc` first; when running vitest by hand, run `npm run build`.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStorage } from "../src/storage/sqlite.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const workerScript = join(root, "test/fixtures/sqlite-worker.mjs");
const scratch = mkdtempSync(join(tmpdir(), "sextant-multiprocess-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const WORKERS = 4;
const TRIALS_PER_WORKER = 50;
const TOTAL = WORKERS * TRIALS_PER_WORKER;

/** Fails with a clear instruction if dist/ is missing or older than the sources it was built from. */
function requireBuilt(sources: readonly string[]): void {
  for (const source of sources) {
    const built = join(root, "dist", source.replace(/^src\//, "").replace(/\.ts$/, ".js"));
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before this suite (npm test does it)`);
    if (statSync(built).mtimeMs < statSync(join(root, source)).mtimeMs) {
      throw new Error(`${built} is older than ${source}: run \`npm run build\` before this suite (npm test does it)`);
    }
  }
}

interface WorkerReport {
  ok: boolean;
  worker: number;
  numbers?: number[];
  elapsedMs?: number;
  error?: string;
}

/** Starts `WORKERS` processes, releases them at the same moment, and collects their reports and stderr. */
async function runWorkers(mode: "storage" | "study", path: string, studyName: string): Promise<{ reports: WorkerReport[]; stderr: string }> {
  let stderr = "";
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const done: Promise<WorkerReport>[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const child = fork(workerScript, [mode, path, studyName, String(TRIALS_PER_WORKER), String(i)], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    children.push(child);
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.resume();
    ready.push(
      new Promise((resolve, reject) => {
        child.on("message", (message: { ready?: boolean }) => message.ready && resolve());
        child.once("exit", (code) => reject(new Error(`worker ${i} exited (${code}) before it was ready:\n${stderr}`)));
      }),
    );
    done.push(
      new Promise((resolve, reject) => {
        let report: WorkerReport | undefined;
        child.on("message", (message: WorkerReport & { ready?: boolean }) => {
          if (!message.ready) report = message;
        });
        child.once("exit", (code) => (report ? resolve(report) : reject(new Error(`worker ${i} exited (${code}) without a report:\n${stderr}`))));
      }),
    );
  }
  try {
    await Promise.all(ready);
    for (const child of children) child.send({ go: true });
    return { reports: await Promise.all(done), stderr };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

async function expectIntactStudy(path: string, studyName: string, reports: readonly WorkerReport[], writesPerTrial?: number) {
  for (const report of reports) expect(report.error, `worker ${report.worker}`).toBeUndefined();
  expect(reports.every((r) => r.ok)).toBe(true);

  // What the workers were given: every number once, 0..TOTAL-1.
  const given = reports.flatMap((r) => r.numbers!).sort((a, b) => a - b);
  const expected = Array.from({ length: TOTAL }, (_, i) => i);
  expect(given).toEqual(expected);

  // What the file holds, read by a fresh connection.
  const storage = SqliteStorage.open(path);
  try {
    const studies = await storage.listStudies();
    expect(studies.map((s) => s.name)).toEqual([studyName]);
    const { trials, seq } = await storage.trialsSince(studies[0]!.id, 0);
    expect(trials.map((t) => t.number)).toEqual(expected);
    expect(trials.every((t) => t.state === "complete" && t.values?.length === 1 && "x" in t.params)).toBe(true);
    expect(new Set(trials.map((t) => t.seq)).size).toBe(TOTAL);
    // Every write got its own seq: none was lost or applied twice.
    if (writesPerTrial !== undefined) expect(seq).toBe(TOTAL * writesPerTrial);
    expect(studies[0]!.trialCounts).toEqual({ waiting: 0, running: 0, complete: TOTAL, pruned: 0, failed: 0 });
  } finally {
    await storage.close();
  }
}

describe("sqlite storage shared by several processes", () => {
  it(`gives ${TOTAL} trials from ${WORKERS} processes the numbers 0..${TOTAL - 1}, all complete, nothing locked`, async () => {
    requireBuilt(["src/storage/sqlite.ts", "src/storage/sqlite-migrations.ts", "src/storage/types.ts", "src/storage/patch.ts"]);
    // A brand-new file: the workers also race to create the schema and the study.
    const path = join(scratch, "storage.db");
    const { reports, stderr } = await runWorkers("storage", path, "shared");
    expect(stderr).not.toMatch(/locked|SQLITE_BUSY/i);
    // create + param + finish: three writes per trial.
    await expectIntactStudy(path, "shared", reports, 3);
    const slowest = Math.max(...reports.map((r) => r.elapsedMs!));
    console.info(
      `sqlite, ${WORKERS} processes × ${TRIALS_PER_WORKER} × (create, param, finish): ${slowest.toFixed(0)} ms, ` +
        `${((slowest / TOTAL) * 1000).toFixed(0)} µs per trial overall`,
    );
  });

  it(`runs study.optimize in ${WORKERS} processes on one file: ${TOTAL} trials numbered 0..${TOTAL - 1}`, async () => {
    requireBuilt(["src/storage/sqlite.ts", "src/study/study.ts", "src/index.ts"]);
    const path = join(scratch, "study.db");
    const { reports, stderr } = await runWorkers("study", path, "optimize-shared");
    expect(stderr).not.toMatch(/locked|SQLITE_BUSY/i);
    await expectIntactStudy(path, "optimize-shared", reports);
  });
});
