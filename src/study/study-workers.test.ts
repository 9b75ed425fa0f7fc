// How a study treats trials other workers run: recovery of dead workers' trials judged by worker
// identity, and a trial failed behind this worker's back.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MedianPruner } from "../pruners/index.js";
import { RandomSampler } from "../samplers/index.js";
import type { JsonValue } from "../space/index.js";
import { TrialNotRunningError, openStorage, queueWaitingTrials } from "../storage/index.js";
import { HalfMadeStudyError, TrialBudgetSpentError, createStudy, loadStudy } from "./index.js";
import { type WorkerIdentity, currentWorker, readProcessStat } from "./worker-identity.js";

const self = currentWorker();
const NO_SUCH_PID = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;

function worker(overrides: Partial<WorkerIdentity>): JsonValue {
  return { ...self, id: `other-${Math.random()}`, ...overrides } as unknown as JsonValue;
}

describe("Study.recoverAbandonedTrials", () => {
  it("fails only trials whose worker provably died, never one whose worker may be alive in another container", async () => {
    const storage = await openStorage("memory:");
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const running = async (recorded: JsonValue) => (await storage.createTrial(study.id, { state: "running", systemAttrs: { worker: recorded } })).number;
    // Same host name, pids that collide with live processes here or name none: another pid namespace.
    const collidingPid = await running(worker({ pid: process.pid, pidNamespace: "pid:[4026599999]", startTime: 1 }));
    const freePidElsewhere = await running(worker({ pid: NO_SUCH_PID, pidNamespace: "pid:[4026599999]" }));
    const dead = await running(worker({ pid: NO_SUCH_PID }));
    // Pid 1 lives; recorded with another start time, it was some earlier process's pid.
    const reused = await running(worker({ pid: 1, startTime: readProcessStat(1)!.startTime + 1 }));
    const alive = await running(worker({ pid: 1, startTime: readProcessStat(1)!.startTime }));
    const legacy = await running({ host: self.host, pid: NO_SUCH_PID });

    expect((await study.recoverAbandonedTrials()).sort()).toEqual([dead, reused].sort());
    const byNumber = new Map(study.trials.map((t) => [t.number, t]));
    for (const n of [collidingPid, freePidElsewhere, alive, legacy]) expect(byNumber.get(n)!.state).toBe("running");
    expect(byNumber.get(dead)!.systemAttrs.failReason).toBe(`worker process ${NO_SUCH_PID} on ${self.host} is gone`);
    expect(String(byNumber.get(reused)!.systemAttrs.failReason)).toContain("started at another time");
    // A second pass finds nothing more to do.
    expect(await study.recoverAbandonedTrials()).toEqual([]);
  });

  it("warns from optimize which recovered trials it queued again and which had no retries left", async () => {
    const storage = await openStorage("memory:");
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const dead = worker({ pid: NO_SUCH_PID });
    const first = await storage.createTrial(study.id, { state: "running", systemAttrs: { worker: dead } });
    const lastRetry = await storage.createTrial(study.id, { state: "running", systemAttrs: { worker: dead, retryOf: 0, retryCount: 1 } });
    const warnings: string[] = [];
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1, maxRetries: 1, heartbeat: false, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `trial(s) ${first.number} were left running by a worker process that is gone; marked failed and queued again`,
      `trial(s) ${lastRetry.number} were left running by a worker process that is gone; marked failed, not queued again: ` +
        "each was retried maxRetries (1) time(s) already; raise maxRetries (--max-retries) to retry more",
    ]);
    // Trial 0 was queued again (as trial 2, which the optimize ran); trial 1 was not.
    expect(study.trials.map((t) => [t.state, t.systemAttrs.retryOf ?? null])).toEqual([["failed", null], ["failed", 0], ["complete", 0]]);
  });

  it("records this process's full identity on the trials it runs", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(study.trials[0]!.systemAttrs.worker).toEqual({ ...self });
  });
});

describe("a study made with a budget of trials (sextant create --trials N)", () => {
  /** What `sextant create --trials 3` leaves: three queued trials and the budget in `cli:config`. */
  async function budgeted(url: string) {
    const storage = await openStorage(url);
    const record = await storage.createStudy("fleet", ["minimize"], { systemAttrs: { "cli:config": { version: 1, budget: { trials: 3, deadline: null, queued: true } } } });
    await queueWaitingTrials(storage, record.id, 3);
    return storage;
  }

  it("hands out its queued trials to ask() and then says the budget is used up, as workers stop there", async () => {
    const storage = await budgeted("memory:");
    const study = await loadStudy({ name: "fleet", storage, sampler: new RandomSampler({ seed: 1 }) });
    const asked = [await study.ask(), await study.ask(), await study.ask()];
    expect(asked.map((t) => t.number)).toEqual([0, 1, 2]);
    // A fourth ask created trial 3, past the budget that sextant worker stops at.
    const error = await study.ask().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialBudgetSpentError);
    expect(error).toMatchObject({ budget: 3, studyName: "fleet" });
    expect((error as Error).message).toContain('study "fleet" has used up its budget of 3 trial(s)');
    for (const trial of asked) await study.tell(trial, 1);
    expect(study.trials).toHaveLength(3);
    // A trial queued on purpose is one more to hand out.
    await study.enqueueTrial({ x: 0.5 });
    expect((await study.ask()).number).toBe(3);
    await storage.close();
  });

  it("refuses to hand out a trial while sextant create is still making the study, and honours the budget it stores last", async () => {
    // createCommand's order of writes: the study, cli:creating, the queued trials, cli:config last.
    const storage = await openStorage("memory:");
    const record = await storage.createStudy("fleet", ["minimize"], { systemAttrs: { "cli:creating": true } });
    await queueWaitingTrials(storage, record.id, 2);
    // Loaded in that gap (a library process, or the HTTP service's cached object).
    const study = await loadStudy({ name: "fleet", storage, sampler: new RandomSampler({ seed: 1 }) });
    for (const asking of [() => study.ask(), () => study.askQueued(), () => study.optimize(() => 1, { nTrials: 1, heartbeat: false })]) {
      const error = await asking().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HalfMadeStudyError);
      expect((error as Error).message).toContain('study "fleet" is half-made');
    }
    await storage.setStudyAttrs(record.id, { systemAttrs: { "cli:config": { version: 1, budget: { trials: 2, deadline: null, queued: true } } } });
    expect((await study.ask()).number).toBe(0);
    // Read whole once: an ordinary ask reads the study record no more.
    let recordReads = 0;
    const getStudy = storage.getStudy.bind(storage);
    storage.getStudy = (name) => (recordReads++, getStudy(name));
    expect((await study.ask()).number).toBe(1);
    // A third ask created trial 2, past the budget stored after this object read the study.
    await expect(study.ask()).rejects.toBeInstanceOf(TrialBudgetSpentError);
    expect(recordReads).toBe(0);
    expect((await storage.trialsSince(record.id, 0)).trials).toHaveLength(2);
    await storage.close();
  });

  it("runs optimize to the budget and no further, however many trials it is given", async () => {
    const storage = await budgeted("memory:");
    const study = await loadStudy({ name: "fleet", storage, sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 10, heartbeat: false });
    expect(study.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
    await storage.close();
  });
});

describe("a trial failed by another worker while this one runs it", () => {
  it("warns with the trial number and goes on, keeping what the other worker recorded", async () => {
    const storage = await openStorage("memory:");
    const warnings: string[] = [];
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 3 }), onWarning: (m) => warnings.push(m) });
    // Make the internal id differ from the number, so a message giving the id would show.
    await createStudy({ storage, name: "other", sampler: new RandomSampler({ seed: 4 }) }).then((other) => other.optimize((t) => t.suggestFloat("y", 0, 1), { nTrials: 2 }));
    const seen: string[] = [];
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        if (trial.number === 1) {
          const record = (await storage.trialsSince(study.id, 0)).trials.find((t) => t.number === 1)!;
          await storage.updateTrial(record.id, { state: "failed", values: null, systemAttrs: { failReason: "reaped by worker B" } });
        }
        return x;
      },
      { nTrials: 4, callbacks: [(_s, t) => void seen.push(`${t.number}:${t.state}`)] },
    );
    expect(seen).toEqual(["0:complete", "1:failed", "2:complete", "3:complete"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^trial 1 was already failed \(reaped by worker B\) by another process when this one finished it as complete/);
    expect(study.trials[1]!.systemAttrs.failReason).toBe("reaped by worker B");
    expect(study.trials[1]!.id).not.toBe(1);
  });

  it("warns through process warnings by default", async () => {
    const storage = await openStorage("memory:");
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 3 }) });
    const trial = await study.ask();
    const record = (await storage.trialsSince(study.id, 0)).trials[0]!;
    await storage.updateTrial(record.id, { state: "failed", values: null });
    const emitted: string[] = [];
    const listener = (warning: Error): void => void emitted.push(`${warning.name}: ${warning.message}`);
    process.on("warning", listener);
    try {
      const frozen = await study.tell(trial, 0.5);
      expect(frozen.state).toBe("failed");
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listener);
    }
    expect(emitted).toEqual([expect.stringMatching(/^SextantWarning: trial 0 was already failed by another process/)]);
  });

  it("throws instead with finishedElsewhere: \"throw\", as the HTTP service's tell does (two servers told it at once)", async () => {
    const storage = await openStorage("memory:");
    const warnings: string[] = [];
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 3 }), onWarning: (m) => warnings.push(m) });
    const trial = await study.ask();
    const record = (await storage.trialsSince(study.id, 0)).trials[0]!;
    await storage.updateTrial(record.id, { state: "complete", values: [0.1] });
    await expect(study.tell(trial, 0.5, { finishedElsewhere: "throw" })).rejects.toBeInstanceOf(TrialNotRunningError);
    expect(warnings).toEqual([]);
    expect((await storage.getTrial(record.id))!.values).toEqual([0.1]);
  });
});

describe("optimize with a sampler and pruner that use no history", () => {
  /**
   * This worker runs 3 trials; while it runs its first, another worker runs 5. Returns how many
   * complete trials this worker's study holds in each callback, and all its trials at the end.
   */
  async function seenByCallbacks(options: { pruner?: MedianPruner; stopAfter?: { totalTrials: number } } = {}) {
    const dir = mkdtempSync(join(tmpdir(), "sextant-lean-"));
    const url = `sqlite:${join(dir, "study.db")}`;
    try {
      const here = await createStudy({ name: "lean", storage: url, sampler: new RandomSampler({ seed: 1 }), ...(options.pruner ? { pruner: options.pruner } : {}) });
      const elsewhere = await loadStudy({ name: "lean", storage: url, sampler: new RandomSampler({ seed: 2 }) });
      const seen: number[] = [];
      await here.optimize(
        async (t) => {
          if (t.number === 0) await elsewhere.optimize((other) => other.suggestFloat("x", 0, 1), { nTrials: 5, heartbeat: false });
          return t.suggestFloat("x", 0, 1);
        },
        {
          nTrials: 3,
          heartbeat: false,
          ...(options.stopAfter ? { stopAfter: options.stopAfter } : {}),
          callbacks: [(study) => void seen.push(study.trials.filter((t) => t.state === "complete").length)],
        },
      );
      const after = here.trials.map((t) => [t.number, t.state]);
      await Promise.all([here.close(), elsewhere.close()]);
      return { seen, after };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const allEight = Array.from({ length: 8 }, (_, i) => [i, "complete"]);

  it("skips reading other workers' trials while it runs, and has them all when it ends", async () => {
    const { seen, after } = await seenByCallbacks();
    expect(seen).toEqual([1, 2, 3]);
    expect(after).toEqual(allEight);
  });

  it("reads them before every trial when the pruner or a stop condition needs them", async () => {
    for (const options of [{ pruner: new MedianPruner() }, { stopAfter: { totalTrials: 100 } }]) {
      const { seen, after } = await seenByCallbacks(options);
      expect(seen).toEqual([1, 7, 8]);
      expect(after).toEqual(allEight);
    }
  });
});
