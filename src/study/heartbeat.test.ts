import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { RandomSampler } from "../samplers/index.js";
import type { JsonValue } from "../space/index.js";
import { MemoryStorage, type Storage, TrialNotRunningError } from "../storage/index.js";
import { SqliteStorage } from "../storage/sqlite.js";
import { HeartbeatThread, RunningTrialSlots, ownersGraceMs, resolveHeartbeat, silentTrials } from "./heartbeat.js";
import { CLIENT_BEATS_ATTR, FAILED_BY_HAND_REASON, type ReapResult, type Study, type Trial, TrialLooksAliveError, TrialNumberNotFoundError, createStudy } from "./index.js";
import { currentWorker } from "./worker-identity.js";

/** Waits until at least `ms` have passed; slower machines only wait longer, which these tests allow. */
async function waitPast(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() <= until) await new Promise((resolve) => setTimeout(resolve, 5));
}

const scratch = mkdtempSync(join(tmpdir(), "sextant-heartbeat-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("resolveHeartbeat", () => {
  it("is off for memory storage and when turned off", () => {
    expect(resolveHeartbeat(undefined, "memory:")).toBeNull();
    expect(resolveHeartbeat(false, "sqlite:./x.db")).toBeNull();
  });

  it("defaults to a beat every 5 s and a 60 s grace for shared storage", () => {
    expect(resolveHeartbeat(undefined, "sqlite:./x.db")).toEqual({ intervalMs: 5000, graceMs: 60000 });
    expect(resolveHeartbeat({ intervalSeconds: 30 }, "postgres://h/db")).toEqual({ intervalMs: 30000, graceMs: 120000 });
  });

  it("refuses an interval beyond what a timer keeps, which beat every millisecond", () => {
    expect(() => resolveHeartbeat({ intervalSeconds: 3_000_000, graceSeconds: 7_000_000 }, "sqlite:x.db")).toThrow("heartbeat.intervalSeconds must be at most 2147483 (about 24.8 days), got 3000000");
    expect(resolveHeartbeat({ intervalSeconds: 2_147_483, graceSeconds: 5_000_000 }, "sqlite:x.db")).toEqual({ intervalMs: 2_147_483_000, graceMs: 5_000_000_000 });
  });

  it("refuses a grace shorter than two beats, naming both fields", () => {
    expect(() => resolveHeartbeat({ intervalSeconds: 5, graceSeconds: 8 }, "sqlite:x.db")).toThrow(
      /heartbeat.graceSeconds \(8\) must be at least twice heartbeat.intervalSeconds \(5\)/,
    );
    expect(() => resolveHeartbeat({ intervalSeconds: 0 }, "sqlite:x.db")).toThrow(/heartbeat.intervalSeconds must be a positive number/);
  });
});

describe("HeartbeatThread", () => {
  it("refuses to start when it cannot open its own connection, naming the storage", async () => {
    const url = `sqlite:${join(scratch, "no-such-dir", "x.db")}`;
    await expect(HeartbeatThread.start(url, 1000, () => undefined)).rejects.toThrow(/heartbeats: cannot open sqlite:.*no-such-dir.*does not exist/);
  });

  it("never prints the password of the URL it reopens", async () => {
    const error = await HeartbeatThread.start("postgres://me:TopSecret42@127.0.0.1:1/db?schema=bad-name", 1000, () => undefined).catch((e: Error) => e);
    // It said "heartbeats: cannot open postgres://me:TopSecret42@…: cannot open postgres://me:***@…".
    expect(String((error as Error).message)).toMatch(/^heartbeats: cannot open postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db/);
    expect(String((error as Error).message)).not.toContain("TopSecret42");
  });

  it("stops optimize from starting trials nobody would beat for", async () => {
    const path = join(scratch, "gone.db");
    const storage = SqliteStorage.open(path);
    const study = await createStudy({ name: "gone", storage, sampler: new RandomSampler({ seed: 1 }) });
    // The study's own connection is open; only a new one (the thread's) cannot be made.
    Object.defineProperty(storage, "reopenUrl", { value: `sqlite:${join(scratch, "missing", "gone.db")}` });
    await expect(study.optimize(() => 1, { nTrials: 1 })).rejects.toThrow(/heartbeats: cannot open/);
    expect(study.trials).toHaveLength(0);
    await storage.close();
  });
});

/** A SQLite study with one running trial, and a heartbeat thread (not yet told about it) that fails the test on any error. */
async function runningTrialWithBeats(name: string, intervalMs: number) {
  const path = join(scratch, `${name}.db`);
  const storage = SqliteStorage.open(path);
  const study = await createStudy({ name, storage, sampler: new RandomSampler({ seed: 1 }) });
  const trial = await storage.createTrial(study.id, { state: "running" });
  const beats = await HeartbeatThread.start(`sqlite:${path}`, intervalMs, (message) => {
    throw new Error(message);
  });
  return { path, storage, study, trial, beats };
}

describe("RunningTrialSlots", () => {
  it("holds trials with their start until removed, and says when it is full", () => {
    const slots = new RunningTrialSlots();
    const reader = new RunningTrialSlots(slots.buffer);
    expect(slots.add(7, 1000)).toBe(true);
    expect(slots.add(2 ** 40, 2000)).toBe(true);
    expect(reader.entries()).toEqual([
      [7, 1000],
      [2 ** 40, 2000],
    ]);
    expect(slots.remove(7)).toBe(true);
    expect(slots.remove(7)).toBe(false);
    expect(reader.entries()).toEqual([[2 ** 40, 2000]]);
    let added = 1;
    while (slots.add(100 + added, 3000)) added++;
    expect(added).toBe(256);
    expect(reader.entries()).toHaveLength(256);
  });
});

describe("HeartbeatThread beats", () => {
  const heartbeatAt = (path: string, trialId: number): number | null =>
    (new Database(path, { readonly: true }).prepare("SELECT heartbeat_at FROM trials WHERE id = ?").get(trialId) as { heartbeat_at: number | null })
      .heartbeat_at;

  it("writes nothing for a trial that finishes within its first interval", async () => {
    const { path, storage, trial, beats } = await runningTrialWithBeats("short", 60_000);
    beats.add(trial.id);
    await waitPast(100);
    beats.remove(trial.id);
    await beats.stop();
    expect(heartbeatAt(path, trial.id)).toBeNull();
    await storage.close();
  });

  it.each([
    ["in a shared slot", 0],
    ["by message when every slot is taken", 256],
  ])("beats for a trial once it has run for about an interval (handed over %s)", async (_how, othersFirst) => {
    const { path, storage, trial, beats } = await runningTrialWithBeats(`long-${othersFirst}`, 20);
    try {
      // Ids of no trial in this storage: beats for them are ignored.
      for (let i = 0; i < othersFirst; i++) beats.add(1_000_000 + i);
      beats.add(trial.id);
      // However slow the machine, the thread gets there eventually; the test only waits longer.
      while (heartbeatAt(path, trial.id) === null) await waitPast(20);
      expect(heartbeatAt(path, trial.id)).toBeGreaterThanOrEqual(trial.startedAt!);
    } finally {
      await beats.stop();
    }
    await storage.close();
  });
});

describe("trials asked with ask()", () => {
  it("beat from one thread per storage for all the study objects of a process, stopped by the last close()", async () => {
    const storage = SqliteStorage.open(join(scratch, `asked-${Date.now()}.db`));
    const started = vi.spyOn(HeartbeatThread, "start");
    try {
      // A thread per study object cost a thread, a connection and ~10 MB each until close().
      const studies = [];
      for (let i = 0; i < 5; i++) {
        const study = await createStudy({ name: `s${i}`, storage, sampler: new RandomSampler({ seed: i }) });
        const trial = await study.ask();
        await study.tell(trial, trial.suggestFloat("x", 0, 1));
        studies.push(study);
      }
      expect(started).toHaveBeenCalledTimes(1);
      const thread = (await started.mock.results[0]!.value) as HeartbeatThread;
      const stop = vi.spyOn(thread, "stop");
      for (const study of studies.slice(0, 4)) await study.close();
      expect(stop).not.toHaveBeenCalled();
      await studies[4]!.close();
      expect(stop).toHaveBeenCalledTimes(1);
    } finally {
      started.mockRestore();
      await storage.close();
    }
  });
});

describe("a worker that runs queued trials", () => {
  it("ends once none is left, not waiting for a trial of an HTTP client that never beats (no reaper fails it)", async () => {
    const url = `sqlite:${join(scratch, `http-client-${Date.now()}.db`)}`;
    const study = await createStudy({ storage: url, sampler: new RandomSampler({ seed: 1 }) });
    const storage = (study as unknown as { storage: SqliteStorage }).storage;
    // An ask through the HTTP service whose client went away (curl, heartbeats off).
    await storage.createTrial(study.id, { state: "running", systemAttrs: { worker: { host: "h", pid: 1, remote: "http" } } });
    for (let i = 0; i < 2; i++) await storage.createTrial(study.id, { state: "waiting" });
    const ran = study.optimize((trial) => trial.suggestFloat("x", 0, 1), { onlyQueuedTrials: true, heartbeat: { intervalSeconds: 0.2, graceSeconds: 1 } });
    // It waited for that trial forever, as sextant worker did.
    const outcome = await Promise.race([ran.then(() => "ended"), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 8_000))]);
    expect(outcome).toBe("ended");
    expect(study.trials.map((t) => t.state)).toEqual(["running", "complete", "complete"]);
    await study.close();
  }, 20_000);
});

describe("Study.reapStaleTrials", () => {
  it("fails a silent trial and queues a retry with the same parameters that records what it retries", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const record = await storage.createTrial(study.id, {
      state: "running",
      params: { x: 0.25, kind: "b" },
      distributions: { x: { type: "float", low: 0, high: 1 }, kind: { type: "categorical", choices: ["a", "b"] } },
    });
    expect(await study.reapStaleTrials(60)).toEqual({ reaped: [], retries: [] });
    await waitPast(60);
    const result = await study.reapStaleTrials(0.05);
    expect(result).toEqual({ reaped: [record.number], retries: [1] });
    const failed = (await storage.getTrial(record.id))!;
    expect(failed.state).toBe("failed");
    expect(String(failed.systemAttrs.failReason)).toMatch(/no heartbeat for more than 0.05 s/);
    await study.refresh();
    expect(study.trials[1]).toMatchObject({ state: "waiting", systemAttrs: { retryOf: 0, retryCount: 1, fixedParams: { x: 0.25, kind: "b" } } });

    // The retry runs with the same values, suggested through the usual API.
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + (trial.suggestCategorical("kind", ["a", "b"]) === "b" ? 1 : 0), {
      onlyQueuedTrials: true,
    });
    expect(study.trials[1]).toMatchObject({ state: "complete", values: [1.25], params: { x: 0.25, kind: "b" } });
  });

  it("refuses a bad grace or retry count in its own units", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    // -5 was reported as "graceMs … (got -5000)", and the string "60" was taken.
    await expect(study.reapStaleTrials(-5)).rejects.toThrow("reapStaleTrials: graceSeconds must be a finite number of seconds ≥ 0, got -5");
    await expect(study.reapStaleTrials("60" as never)).rejects.toThrow('got "60"');
    await expect(study.reapStaleTrials(60, -1)).rejects.toThrow("maxRetries must be a whole number ≥ 0, got -1");
  });

  it("leaves a silent trial of an HTTP client that never beats, and reaps one whose client beat", async () => {
    const storage = new MemoryStorage();
    const served = await createStudy({ name: "mixed", storage, sampler: new RandomSampler({ seed: 1 }) });
    served.trialsRunRemotely = true; // as the HTTP service's study objects are
    const curl = await served.ask({ x: { type: "float", low: 0, high: 1 } });
    const python = await served.ask({ x: { type: "float", low: 0, high: 1 } });
    python.setSystemAttr(CLIENT_BEATS_ATTR, true);
    await served.flushTrial(curl);
    await served.flushTrial(python);
    // A worker of the same study: it used to fail the curl client's trial and queue its parameters again.
    const worker = await createStudy({ name: "mixed", storage, sampler: new RandomSampler({ seed: 2 }), loadIfExists: true });
    await waitPast(30);
    expect(await worker.reapStaleTrials(0.02)).toEqual({ reaped: [python.number], retries: [2] });
    expect((await storage.getTrial(curl.id))!.state).toBe("running");
    await served.tell(curl, 0.5);
    expect((await storage.getTrial(curl.id))!.values).toEqual([0.5]);
  });

  it("retries one chain of reaped trials at most maxRetries times", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    await storage.createTrial(study.id, { state: "running", params: { x: 1 } });
    for (let round = 0; round < 3; round++) {
      const claimed = await storage.claimWaitingTrial(study.id);
      if (round > 0) expect(claimed).not.toBeNull();
      await waitPast(30);
      await study.reapStaleTrials(0.02, 2);
    }
    await study.refresh();
    expect(study.trials.map((t) => [t.state, t.systemAttrs.retryOf ?? null])).toEqual([
      ["failed", null],
      ["failed", 0],
      ["failed", 1],
    ]);
    expect(await storage.claimWaitingTrial(study.id)).toBeNull();
  });

  it("never fails a trial of its own whose result is on its way to storage, however long the write takes", async () => {
    // After a PostgreSQL outage longer than the grace, a worker's next ask reaped the trial whose
    // finishing write was still retrying in its other lane: the worker's own result was dropped as
    // "already failed by another process", and its parameters were queued to run again.
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const update = storage.updateTrial.bind(storage);
    let writing: () => void = () => undefined;
    const writeStarted = new Promise<void>((resolve) => (writing = resolve));
    let letThrough: () => void = () => undefined;
    const outageOver = new Promise<void>((resolve) => (letThrough = resolve));
    storage.updateTrial = async (id, patch) => {
      if (patch.state === "complete") {
        writing();
        await outageOver;
      }
      return update(id, patch);
    };
    const run = study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 });
    await writeStarted;
    await waitPast(60);
    const whileWriting = await study.reapStaleTrials(0.05);
    letThrough();
    await run;
    expect(whileWriting).toEqual({ reaped: [], retries: [] });
    expect(study.trials.map((t) => t.state)).toEqual(["complete"]);
  });

  it("reaps a trial once when two workers reap at the same time", async () => {
    const path = join(scratch, "race.db");
    const first = SqliteStorage.open(path);
    const second = SqliteStorage.open(path);
    const a = await createStudy({ name: "race", storage: first, sampler: new RandomSampler({ seed: 1 }) });
    const b = await createStudy({ name: "race", storage: second, sampler: new RandomSampler({ seed: 1 }), loadIfExists: true });
    await first.createTrial(a.id, { state: "running", params: { x: 1 } });
    await waitPast(30);
    const [ra, rb] = await Promise.all([a.reapStaleTrials(0.02), b.reapStaleTrials(0.02)]);
    expect([...ra.reaped, ...rb.reaped]).toEqual([0]);
    expect([...ra.retries, ...rb.retries]).toEqual([1]);
    await first.close();
    await second.close();
  });

  it("leaves the live trial of a process whose grace is longer than the reaper's, though it has not beaten yet", async () => {
    const url = `sqlite:${join(scratch, `owners-grace-${Date.now()}.db`)}`;
    const owner = await createStudy({ name: "owners", storage: url, sampler: new RandomSampler({ seed: 1 }) });
    const reaper = await createStudy({ name: "owners", storage: url, sampler: new RandomSampler({ seed: 2 }), loadIfExists: true });
    let whileRunning: ReapResult | undefined;
    // The owner's first beat comes a second after the start; another process reaps by 0.2 s meanwhile.
    await owner.optimize(
      async (trial) => {
        await waitPast(400);
        whileRunning = await reaper.reapStaleTrials(0.2);
        return trial.suggestFloat("x", 0, 1);
      },
      { nTrials: 1, heartbeat: { intervalSeconds: 1, graceSeconds: 30 } },
    );
    // It used to be failed while it ran, its result dropped and its parameters queued to run again.
    expect(whileRunning).toEqual({ reaped: [], retries: [] });
    expect(owner.trials.map((t) => [t.state, t.systemAttrs.heartbeat])).toEqual([["complete", { intervalSeconds: 1, graceSeconds: 30 }]]);
    await owner.close();
    await reaper.close();
  }, 20_000);

  it("waits for the grace a trial's owner recorded, and for twice its beat interval, before failing it", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const byGrace = await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: { intervalSeconds: 0.05, graceSeconds: 0.4 } } });
    const byInterval = await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: { intervalSeconds: 0.5, graceSeconds: 0.1 } } });
    const unrecorded = await storage.createTrial(study.id, { state: "running" });
    const start = Date.now();
    await waitPast(100);
    expect((await study.reapStaleTrials(0.05, 0)).reaped).toEqual([unrecorded.number]);
    await waitPast(start + 450 - Date.now());
    expect((await study.reapStaleTrials(0.05, 0)).reaped).toEqual([byGrace.number]);
    await waitPast(start + 1050 - Date.now());
    expect((await study.reapStaleTrials(0.05, 0)).reaped).toEqual([byInterval.number]);
    const reasons = [byGrace, byInterval].map(async (t) => (await storage.getTrial(t.id))!.systemAttrs.failReason);
    expect(await Promise.all(reasons)).toEqual(["no heartbeat for more than 0.4 s: its worker died or lost the storage", "no heartbeat for more than 1 s: its worker died or lost the storage"]);
    // A record that is not one is no grace at all: the reaper's own holds.
    const notRecords: Array<Record<string, JsonValue>> = [{ heartbeat: "60" }, { heartbeat: { graceSeconds: -1, intervalSeconds: null } }, {}];
    expect(notRecords.map((systemAttrs) => ownersGraceMs({ systemAttrs }))).toEqual([0, 0, 0]);
  });

  it("reads again for a longer grace only for trials the reaper may fail", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    // A worker's trial, which the HTTP service's reaper never fails: it cost a second read on every reap.
    await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: { intervalSeconds: 5, graceSeconds: 60 } } });
    await waitPast(30);
    const reads = vi.spyOn(storage, "staleTrials");
    expect(await silentTrials(storage, study.id, 10, () => false)).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(await silentTrials(storage, study.id, 10)).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(3);
  });

  it("leaves alone a trial whose heartbeat thread keeps beating", async () => {
    const { storage, study, trial, beats } = await runningTrialWithBeats("beating", 20);
    try {
      beats.add(trial.id);
      // Block this thread far beyond the grace: only the heartbeat thread can keep the trial fresh.
      const until = Date.now() + 400;
      while (Date.now() < until) {
        /* busy */
      }
      expect(await study.reapStaleTrials(0.2)).toEqual({ reaped: [], retries: [] });
    } finally {
      await beats.stop();
    }
    await storage.close();
  });
});

describe("optimize on a study made by sextant create", () => {
  it("refuses a grace shorter than the study's and an interval over half of it, as sextant worker does; a key left out is the study's", async () => {
    const study = await createStudy({ name: "made", storage: `sqlite:${join(scratch, `made-${Date.now()}.db`)}`, sampler: new RandomSampler({ seed: 1 }) });
    // As sextant create --heartbeat-interval 2 --heartbeat-grace 8 stores it: its workers reap after 8 s.
    await study.setSystemAttr("cli:config", { version: 1, heartbeat: { intervalSeconds: 2, graceSeconds: 8 } });
    const objective = (trial: { suggestFloat(name: string, low: number, high: number): number }) => trial.suggestFloat("x", 0, 1);
    // Reaping after 4 s, this process failed the live trials of the study's workers.
    await expect(study.optimize(objective, { nTrials: 1, heartbeat: { intervalSeconds: 1, graceSeconds: 4 } })).rejects.toThrow(
      'heartbeat.graceSeconds (4) is shorter than the 8 s grace of study "made" (sextant create --heartbeat-grace sets it, 60 by default): its sextant worker processes and HTTP clients beat for that grace, ' +
        "so this process would fail their trials while they run; give at least 8, or leave graceSeconds out to use the study's",
    );
    // Beating every 5 s, its own live trials were failed by the workers.
    await expect(study.optimize(objective, { nTrials: 1, heartbeat: { intervalSeconds: 5, graceSeconds: 60 } })).rejects.toThrow(
      "heartbeat.intervalSeconds (5) is more than half the 8 s grace of study \"made\" (sextant create --heartbeat-grace sets it, 60 by default): the study's other workers would fail this process's trials while they run; give at most 4",
    );
    expect(study.trials).toHaveLength(0);
    // A longer grace is safe; the interval left out is the study's, not the default 5 s.
    await study.optimize(objective, { nTrials: 1, heartbeat: { graceSeconds: 20 } });
    expect(study.trials.map((t) => [t.state, t.systemAttrs.heartbeat])).toEqual([["complete", { intervalSeconds: 2, graceSeconds: 20 }]]);
    // A trial asked outside optimize beats, and is waited for, by the study's own heartbeat.
    const asked = await study.ask();
    expect(asked.systemAttrs.heartbeat).toEqual({ intervalSeconds: 2, graceSeconds: 8 });
    await study.tell(asked, 0.5);
    await study.close();
  }, 20_000);
});

describe("the heartbeat each trial records", () => {
  it("is its own optimize call's, when two calls on one study object beat differently", async () => {
    const study = await createStudy({ name: "two-calls", storage: `sqlite:${join(scratch, `two-calls-${Date.now()}.db`)}`, sampler: new RandomSampler({ seed: 1 }) });
    const slow = { intervalSeconds: 2, graceSeconds: 30 };
    const quick = { intervalSeconds: 0.5, graceSeconds: 5 };
    // The quick call starts first and ends while the slow one runs, whose later trials start after:
    // they recorded the study's 5 s / 60 s instead of the slow call's heartbeat.
    const signal = () => {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const quickRunning = signal();
    const slowRunning = signal();
    const quickEnded = signal();
    const quickCall = study
      .optimize(
        async (trial) => {
          quickRunning.resolve();
          await slowRunning.promise;
          return trial.suggestFloat("x", 0, 1);
        },
        { nTrials: 1, heartbeat: quick },
      )
      .then(quickEnded.resolve);
    await quickRunning.promise;
    const slowCall = study.optimize(
      async (trial) => {
        trial.setUserAttr("call", "slow");
        slowRunning.resolve();
        await quickEnded.promise;
        return trial.suggestFloat("x", 0, 1);
      },
      { nTrials: 3, heartbeat: slow },
    );
    await Promise.all([quickCall, slowCall]);
    const recorded = study.trials.map((t) => [t.userAttrs.call ?? "quick", t.state, t.systemAttrs.heartbeat]);
    expect(recorded.filter(([call]) => call === "slow")).toEqual([0, 1, 2].map(() => ["slow", "complete", slow]));
    expect(recorded.filter(([call]) => call === "quick")).toEqual([["quick", "complete", quick]]);
    await study.close();
  }, 20_000);

  it("is the study's for a trial from ask(), not that of an optimize call that started a trial ahead", async () => {
    const sqlite = SqliteStorage.open(join(scratch, `ahead-${Date.now()}.db`));
    // PostgreSQL's one-trip finish-and-start, in two trips: it is what starts a trial ahead.
    const finishAndStartNext: NonNullable<Storage["finishAndStartNext"]> = async (trialId, patch, init, sinceSeq) => ({
      finished: await sqlite.updateTrial(trialId, patch),
      started: await sqlite.startNextTrial(study.id, init, sinceSeq),
    });
    const storage: Storage = Object.assign(sqlite, { finishAndStartNext });
    const study = await createStudy({ name: "ahead", storage, sampler: new RandomSampler({ seed: 1 }) });
    const quick = { intervalSeconds: 0.5, graceSeconds: 5 };
    let asked: Trial | undefined;
    // Trial 0's finish starts trial 1 ahead for this call; an ask() in its callback took that trial,
    // which recorded the call's 5 s grace while ask() beats for it every 5 s.
    const askOnce = async (s: Study) => void (asked ??= await s.ask());
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 2, heartbeat: quick, callbacks: [askOnce] });
    await study.tell(asked!, 0.5);
    expect(study.trials.map((t) => [t.number === asked!.number ? "ask" : "optimize", t.systemAttrs.heartbeat])).toEqual([
      ["optimize", quick],
      ["optimize", quick],
      ["ask", { intervalSeconds: 5, graceSeconds: 60 }],
    ]);
    await study.close();
  }, 20_000);
});

describe("optimize with heartbeat: false on a shared storage", () => {
  it("records that nothing beats for its trials, so no other process fails them; they are failed by hand", async () => {
    const storage = `sqlite:${join(scratch, `no-beats-${Date.now()}.db`)}`;
    const warnings: string[] = [];
    const quiet = await createStudy({ name: "no-beats", storage, sampler: new RandomSampler({ seed: 1 }), onWarning: (m) => void warnings.push(m) });
    let running: () => void = () => undefined;
    const isRunning = new Promise<void>((resolve) => (running = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const quietCall = quiet.optimize(
      async (trial) => {
        running();
        await released;
        return trial.suggestFloat("x", 0, 1);
      },
      { nTrials: 1, heartbeat: false },
    );
    await isRunning;
    // A worker of the same study on another machine, as far as its reaper can tell.
    const worker = await createStudy({ name: "no-beats", storage, sampler: new RandomSampler({ seed: 2 }), loadIfExists: true });
    await waitPast(50);
    // Its reaper failed the live trial after its own grace, and the result was dropped.
    expect(await worker.reapStaleTrials(0.02)).toEqual({ reaped: [], retries: [] });
    await worker.refresh();
    expect(worker.trials.map((t) => [t.state, t.systemAttrs.heartbeat])).toEqual([["running", false]]);
    // What the docs tell a user whose process was lost: fail it by hand, and queue it again.
    const failed = await worker.failRunningTrial(0, { reason: "its process was lost", requeue: true });
    expect(failed).toMatchObject({ outcome: "failed", trial: { state: "failed", systemAttrs: { failReason: "its process was lost" } } });
    expect(failed.outcome === "failed" && failed.retry?.systemAttrs).toMatchObject({ retryOf: 0, retryCount: 1 });
    release();
    await quietCall;
    expect(warnings.some((m) => m.includes("trial 0") && m.includes("failed"))).toBe(true);
    await worker.close();
    await quiet.close();
  }, 20_000);
});

describe("Study.failRunningTrial", () => {
  it("fails a running trial and, asked to, queues its parameters again as the next retry of its chain, past maxRetries", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    // Already retried maxRetries (3) times: a reaper would not queue it again; asking by hand does.
    const lost = await storage.createTrial(study.id, {
      state: "running",
      params: { x: 0.25 },
      distributions: { x: { type: "float", low: 0, high: 1 } },
      systemAttrs: { heartbeat: false, retryOf: 7, retryCount: 3, fixedParams: { x: 0.25 } },
    });
    const other = await storage.createTrial(study.id, { state: "running", params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } } });
    const result = await study.failRunningTrial(lost.number, { requeue: true });
    expect(result).toMatchObject({ outcome: "failed", trial: { number: lost.number, state: "failed", values: null, systemAttrs: { failReason: FAILED_BY_HAND_REASON } } });
    const retry = result.outcome === "failed" ? result.retry : null;
    expect(retry).toMatchObject({ state: "waiting", systemAttrs: { retryOf: lost.number, retryCount: 4, fixedParams: { x: 0.25 } } });
    // Without requeue, nothing is queued.
    expect(await study.failRunningTrial(other.number, { reason: "node gone" })).toMatchObject({ outcome: "failed", retry: null, trial: { systemAttrs: { failReason: "node gone" } } });
    expect((await storage.trialsSince(study.id, 0)).trials.map((t) => t.state)).toEqual(["failed", "failed", "waiting"]);
    // The retry runs the same parameters.
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { onlyQueuedTrials: true });
    expect(study.trials[retry!.number]).toMatchObject({ state: "complete", params: { x: 0.25 }, values: [0.25] });
  });

  it("refuses a trial that is not running, naming its state, a number the study lacks, and a trial this object runs", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 });
    await study.enqueueTrial({ x: 0.5 });
    const own = await study.ask();
    await expect(study.failRunningTrial(0)).rejects.toThrow(new TrialNotRunningError(0, "complete", 0).message);
    await expect(study.failRunningTrial(5)).rejects.toBeInstanceOf(TrialNumberNotFoundError);
    await expect(study.failRunningTrial(own.number)).rejects.toThrow(`trial ${own.number} is run by this study object`);
    await expect(study.failRunningTrial(-1)).rejects.toThrow("a trial number is a whole number ≥ 0, got -1");
    await expect(study.failRunningTrial(0, { requeu: true } as never)).rejects.toThrow(/failRunningTrial: .*requeu/);
    await study.tell(own, 1);
    expect(study.trials.map((t) => t.state)).toEqual(["complete", "complete"]);
  });

  it("refuses a trial that beat within its recorded grace unless forced, and fails one silent for longer", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const beating = { heartbeat: { intervalSeconds: 0.1, graceSeconds: 0.5 } };
    const alive = await storage.createTrial(study.id, { state: "running", systemAttrs: beating });
    const gone = await storage.createTrial(study.id, { state: "running", systemAttrs: beating });
    const unbeating = await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: false } });
    await waitPast(600);
    await storage.recordHeartbeat([alive.id]);
    const refusal = await study.failRunningTrial(alive.number).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TrialLooksAliveError);
    expect(refusal).toMatchObject({ trialNumber: alive.number, graceMs: 500 });
    expect((refusal as TrialLooksAliveError).message).toMatch(/^trial 0 last beat \d+\.\d s ago, within its heartbeat grace of 0\.5 s: its process looks alive, so it was left as it is/);
    // Silent for longer than its grace: its process is gone, as the reapers would judge.
    expect(await study.failRunningTrial(gone.number)).toMatchObject({ outcome: "failed" });
    // Never beating: its silence says nothing, and it is not refused.
    expect(await study.failRunningTrial(unbeating.number)).toMatchObject({ outcome: "failed" });
    expect((await storage.getTrial(alive.id))!.state).toBe("running");
    expect(await study.failRunningTrial(alive.number, { force: true })).toMatchObject({ outcome: "failed" });
    await expect(study.failRunningTrial(alive.number, { force: "yes" } as never)).rejects.toThrow('failRunningTrial: force must be true or false, got "yes"');
  });

  it("fails without force a trial that beat within its grace when its owner on this machine is provably gone", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    // sextant tune killed with SIGKILL a moment ago: its last beat is recent, its process is gone.
    const deadPid = Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());
    const beating = { intervalSeconds: 5, graceSeconds: 60 };
    const killed = await storage.createTrial(study.id, {
      state: "running",
      systemAttrs: { heartbeat: beating, worker: { ...currentWorker(), id: "killed-run", pid: deadPid, startTime: 1 } },
    });
    const elsewhere = await storage.createTrial(study.id, {
      state: "running",
      systemAttrs: { heartbeat: beating, worker: { ...currentWorker(), id: "other-host", host: "another-host", pid: deadPid } },
    });
    await storage.recordHeartbeat([killed.id, elsewhere.id]);
    expect(await study.failRunningTrial(killed.number)).toMatchObject({ outcome: "failed" });
    // On another machine its pid says nothing: the recent beat still counts.
    await expect(study.failRunningTrial(elsewhere.number)).rejects.toBeInstanceOf(TrialLooksAliveError);
  });

  it("judges an HTTP client's trial that recorded only a short beat interval by the study's grace too, as its reapers do", async () => {
    const storage = SqliteStorage.open(join(scratch, `short-interval-${Date.now()}.db`));
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    // Its client said it beats every 0.1 s; a sextant worker of the study still waits the 60 s default.
    const client = await storage.createTrial(study.id, {
      state: "running",
      systemAttrs: { heartbeat: { intervalSeconds: 0.1 }, [CLIENT_BEATS_ATTR]: true, worker: { remote: "10.0.0.7" } },
    });
    await waitPast(300);
    const refusal = await study.failRunningTrial(client.number).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TrialLooksAliveError);
    expect(refusal).toMatchObject({ graceMs: 60_000 });
    expect(await study.failRunningTrial(client.number, { force: true })).toMatchObject({ outcome: "failed" });
    await storage.close();
  });

  it("fails a beating trial on a storage written without heartbeatSilenceMs, which cannot say it is alive", async () => {
    const storage = new MemoryStorage();
    // A storage written for an earlier version of the interface, without the optional method.
    Object.defineProperty(storage, "heartbeatSilenceMs", { value: undefined });
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const alive = await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: { intervalSeconds: 0.1, graceSeconds: 60 } } });
    await storage.recordHeartbeat([alive.id]);
    expect(await study.failRunningTrial(alive.number)).toMatchObject({ outcome: "failed" });
  });

  it("leaves a trial that finishes between its read and the compare-and-set as it finished", async () => {
    const path = join(scratch, `by-hand-race-${Date.now()}.db`);
    const owner = SqliteStorage.open(path);
    const byHand = SqliteStorage.open(path);
    const study = await createStudy({ name: "race", storage: byHand, sampler: new RandomSampler({ seed: 1 }) });
    // Run without heartbeats, so its silence says nothing and it is failed at once.
    const trial = await owner.createTrial(study.id, { state: "running", params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } }, systemAttrs: { heartbeat: false } });
    const update = byHand.updateTrial.bind(byHand);
    // The owner was alive after all: it tells its result just before the failing write.
    byHand.updateTrial = async (id, patch) => {
      await owner.updateTrial(trial.id, { state: "complete", values: [0.5] });
      return update(id, patch);
    };
    const result = await study.failRunningTrial(trial.number, { requeue: true });
    expect(result).toMatchObject({ outcome: "finished meanwhile", trial: { state: "complete", values: [0.5] } });
    expect((await owner.trialsSince(study.id, 0)).trials.map((t) => [t.state, t.values])).toEqual([["complete", [0.5]]]);
    await owner.close();
    await byHand.close();
  });
});
