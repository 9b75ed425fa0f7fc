/**
 * A worker killed with SIGKILL leaves its trial `running`; the next process on the machine must
 * notice the worker is gone and fail that trial, while leaving live workers' trials alone. The
 * worker runs the compiled code in dist/ (`npm test` builds it first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler, createStudy, loadStudy } from "../src/index.js";

const fixture = fileURLToPath(new URL("./fixtures/abandoned-trial.mjs", import.meta.url));
const claimAndDie = fileURLToPath(new URL("./fixtures/claim-and-die.mjs", import.meta.url));

function startWorker(storage: string, name: string): Promise<{ child: ChildProcess; trialNumber: number }> {
  const child = spawn(process.execPath, [fixture, storage, name], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve({ child, trialNumber: Number(match[1]) });
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`worker exited with ${code} before starting a trial: ${err}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("recovering trials of dead workers (sqlite)", () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sextant-recover-"));
  });
  afterEach(() => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails the trial of a SIGKILLed worker and leaves a live worker's trial running", async () => {
    const storage = `sqlite:${join(dir, "s.db")}`;
    const dead = await startWorker(storage, "recover");
    children.push(dead.child);
    const alive = await startWorker(storage, "recover");
    children.push(alive.child);
    await killed(dead.child);

    const study = await loadStudy({ name: "recover", storage, sampler: new RandomSampler({ seed: 2 }) });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
    const byNumber = new Map(study.trials.map((t) => [t.number, t]));
    const recovered = byNumber.get(dead.trialNumber)!;
    expect(recovered.state).toBe("failed");
    expect(String(recovered.systemAttrs.failReason)).toMatch(new RegExp(`worker process ${dead.child.pid} .* is gone`));
    expect(recovered.params.x).toBeTypeOf("number");
    // Queued again with the same parameters, and run first by the next optimize.
    expect(study.trials.find((t) => t.systemAttrs.retryOf === dead.trialNumber)).toMatchObject({ state: "complete", params: { x: recovered.params.x } });
    expect(byNumber.get(alive.trialNumber)!.state).toBe("running");
    expect(study.trials.filter((t) => t.state === "complete")).toHaveLength(3);
    expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    await study.close();
  });

  it("fails queued trials whose worker died right after claiming them, before writing anything else", async () => {
    const storage = `sqlite:${join(dir, "s.db")}`;
    const study = await createStudy({ name: "claimed", storage });
    await study.enqueueTrial({ x: 0.25 });
    await study.enqueueTrial({ x: 0.75 });
    const child = spawn(process.execPath, [claimAndDie, storage, "claimed"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const signal = await new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    expect(signal).toBe("SIGKILL");
    expect(out).toBe("claimed 0 1\n");

    // Known at once by the worker the claims recorded, without waiting for a heartbeat grace.
    expect((await study.recoverAbandonedTrials()).sort()).toEqual([0, 1]);
    const failed = study.trials.filter((t) => t.state === "failed");
    expect(failed.map((t) => t.systemAttrs.failReason)).toEqual([expect.stringMatching(`worker process ${child.pid} `), expect.stringMatching(`worker process ${child.pid} `)]);
    await study.close();
  });
});
