// examples/fleet: the Slurm script and the Kubernetes Jobs start workers that stop as the README says
// when their scheduler sends SIGTERM: the interrupted trials are queued again at once.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FrozenTrial } from "../src/space/index.js";
import { openStorage } from "../src/storage/index.js";
import { BIN, FIXTURES, ROOT, sextant, tempDir } from "./fixtures/cli-run.js";

const FLEET = join(ROOT, "examples", "fleet");

async function trialsOf(db: string): Promise<FrozenTrial[]> {
  const storage = await openStorage(`sqlite:${db}`);
  try {
    const record = await storage.getStudy("fleet");
    return record ? [...(await storage.trialsSince(record.id, 0)).trials] : [];
  } finally {
    await storage.close();
  }
}

describe("examples/fleet", { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => void;
  const strays: number[] = [];
  beforeEach(() => {
    ({ dir, cleanup } = tempDir("sextant-fleet-"));
  });
  afterEach(() => {
    for (const pid of strays.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    cleanup();
  });

  it("slurm-workers.sbatch: Slurm's SIGTERM to the batch script reaches the worker, which queues its trial again", async () => {
    // A project that installed sextant: its bin in node_modules/.bin (npx would find it there too).
    writeFileSync(join(dir, "package.json"), '{ "name": "fleet-project", "private": true }\n');
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync(BIN, join(dir, "node_modules", ".bin", "sextant"));
    const db = join(dir, "runs.db");
    const storage = `sqlite:${db}`;
    const created = await sextant(["create", "--storage", storage, "--study", "fleet", "--trials", "2", "-p", "x=float:0:1", "-q", "--", "sh", join(FIXTURES, "cli-slow.sh"), "{x}"], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);

    const env: Record<string, string | undefined> = { ...process.env, SEXTANT_STORAGE: storage, SLURM_CPUS_PER_TASK: "1", SLEEP: "60000" };
    env.PATH = (env.PATH ?? "").split(":").filter((folder) => !existsSync(join(folder, "sextant"))).join(":");
    const batch = spawn("bash", [join(FLEET, "slurm-workers.sbatch")], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    batch.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => batch.on("exit", (code, signal) => resolve({ code, signal })));

    let running: FrozenTrial | undefined;
    for (const deadline = Date.now() + 60_000; !running; await new Promise((resolve) => setTimeout(resolve, 100))) {
      running = (await trialsOf(db)).find((trial) => trial.state === "running");
      if (Date.now() > deadline) throw new Error(`no trial started; stderr: ${stderr}`);
    }
    const workerPid = (running.systemAttrs.worker as { pid: number }).pid;
    strays.push(workerPid);
    batch.kill("SIGTERM"); // --signal=B:TERM@120: the batch shell alone gets it
    const result = await exited;

    const trials = await trialsOf(db);
    // Run through npx, the worker never heard of it: npx exited, and the worker ran on with its trial running.
    expect(trials.find((trial) => trial.number === running.number), stderr).toMatchObject({ state: "failed", systemAttrs: { failReason: "interrupted" } });
    expect(trials.find((trial) => trial.systemAttrs.retryOf === running.number)).toMatchObject({ state: "waiting" });
    expect(result.code ?? result.signal).toBe(143);
  });

  it("kubernetes-job.yaml: each container runs the sextant program of the checkout at /app, not npx", () => {
    const jobs = parseAllDocuments(readFileSync(join(FLEET, "kubernetes-job.yaml"), "utf8")).map((doc) => doc.toJS());
    const containers = jobs.flatMap((job) => job.spec.template.spec.containers as { workingDir: string; command: string[] }[]);
    expect(containers.map((container) => container.command[2])).toEqual(["create", "worker"]);
    for (const container of containers) {
      expect(container.workingDir).toBe("/app");
      // npx runs it under `npm exec` and `sh -c`, which end on the pod's SIGTERM without passing it on.
      expect(container.command.slice(0, 2)).toEqual(["node", "bin/sextant.js"]);
      expect(existsSync(join(ROOT, container.command[1]!))).toBe(true);
    }
    for (const job of jobs) expect(job.spec.template.spec.shareProcessNamespace).toBe(true);
  });
});
