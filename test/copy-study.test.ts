/**
 * copyStudy between backends: SQLite to memory, to another SQLite file and (when a server is
 * reachable) to PostgreSQL. The copy must hold the same results and be a study one can tune on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative as relativePath } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DuplicateStudyError,
  type FrozenTrial,
  HalfMadeStudyError,
  type JsonValue,
  MedianPruner,
  RandomSampler,
  type Storage,
  StudyChangedDuringCopyError,
  type StudyData,
  TPESampler,
  type TrialQuery,
  TrialPruned,
  type OnlineTuner,
  copyStudy,
  createOnlineTuner,
  createStudy,
  importStudy,
  isHalfMadeStudy,
  loadOnlineTuner,
  loadStudy,
  openStorage,
} from "../src/index.js";
import { sqlitePath } from "../src/storage/index.js";
import { type ScratchDatabase, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

const skipPostgres = await postgresUnavailable();
let database: ScratchDatabase | undefined;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sextant-copy-"));
  if (skipPostgres === null) database = await createScratchDatabase();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

let fileCounter = 0;
const freshSqlite = (): string => `sqlite:${join(dir, `s${fileCounter++}.db`)}`;

/** What a trial holds that a copy must keep (ids and seq belong to the storage). */
function content(trial: FrozenTrial) {
  const { id: _id, seq: _seq, ...rest } = trial;
  return rest;
}

/** {@link content} without the times, which a storage without insertFinishedTrial stamps itself. */
function contentWithoutTimes(trial: FrozenTrial) {
  const { startedAt: _s, finishedAt: _f, ...rest } = content(trial);
  return rest;
}

/** `storage` as a backend of one's own that lacks the optional insertFinishedTrial. */
function withoutInsertFinished(storage: Storage): Storage {
  return new Proxy(storage, {
    get(store, key) {
      if (key === "insertFinishedTrial") return undefined;
      const value = Reflect.get(store, key);
      return typeof value === "function" ? value.bind(store) : value;
    },
  });
}

/**
 * A single-objective study with constraints, pruned, failed, waiting and running trials in
 * `storage`, and a two-objective one beside it.
 */
async function makeSourceStudies(storage: Storage): Promise<void> {
  const study = await createStudy({
    name: "lr",
    storage,
    direction: "minimize",
    sampler: new RandomSampler({ seed: 3 }),
    pruner: new MedianPruner({ nStartupTrials: 3 }),
    userAttrs: { owner: "ana" },
    constraints: (trial) => [(trial.params.x as number) - 4],
  });
  await study.optimize(
    (trial) => {
      const x = trial.suggestFloat("x", -5, 5);
      const kind = trial.suggestCategorical("kind", ["a", "b"]);
      const depth = trial.suggestInt("depth", 1, 64, { log: true });
      if (trial.number === 7) throw new Error("diverged");
      for (let step = 0; step < 4; step++) {
        trial.reportIntermediate((x - 1) ** 2 + depth / 64 + 1 / (step + 1), step);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      trial.setUserAttr("kind", kind);
      return (x - 1) ** 2 + depth / 64;
    },
    { nTrials: 20, maxRetries: 0 },
  );
  const running = await study.ask();
  running.suggestFloat("x", -5, 5);
  await study.enqueueTrial({ x: 0.5, kind: "a", depth: 2 }, { userAttrs: { from: "colleague" } });
  expect(study.trials.map((t) => t.state)).toContain("running");

  const two = await createStudy({ name: "two", storage, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 5 }) });
  await two.optimize((trial) => {
    const x = trial.suggestFloat("x", 0, 1);
    return [x, 1 - x * x + trial.suggestFloat("y", 0, 0.2)];
  }, { nTrials: 15 });
}

async function checkCopy(sourceUrl: string, target: Storage, keepsTimes = true): Promise<void> {
  const same = keepsTimes ? content : contentWithoutTimes;
  const source = await openStorage(sourceUrl, { readOnly: true });
  try {
    const copied = await copyStudy({ from: { storage: source, name: "lr" }, to: { storage: target, name: "lr-copy" } });
    expect(copied).toMatchObject({ name: "lr-copy", trials: 22, failedBecauseRunning: 1, queuedAgain: 1, waiting: 1 });
    await copyStudy({ from: { storage: source, name: "two" }, to: { storage: target } });

    const [from, to] = [await loadStudy({ name: "lr", storage: source }), await loadStudy({ name: "lr-copy", storage: target })];
    expect(to.directions).toEqual(from.directions);
    // Made when the study was, not when it was copied (sextant studies lists it by that time).
    expect((await target.getStudy("lr-copy"))!.createdAt).toBe((await source.getStudy("lr"))!.createdAt);
    expect((await target.getStudy("two"))!.createdAt).toBe((await source.getStudy("two"))!.createdAt);
    expect(to.userAttrs).toEqual({ owner: "ana" });
    expect(to.bestTrial!.number).toBe(from.bestTrial!.number);
    expect(to.bestTrial!.params).toEqual(from.bestTrial!.params);
    // The running trial, failed, is queued again after the copied trials, as a reaper would.
    expect(to.trials).toHaveLength(from.trials.length + 1);
    const running = from.trials.find((t) => t.state === "running")!;
    expect(to.trials.at(-1)).toMatchObject({ state: "waiting", systemAttrs: { retryOf: running.number, retryCount: 1, fixedParams: running.params } });
    for (const [i, trial] of from.trials.entries()) {
      const copy = to.trials[i]!;
      if (trial.state === "running") {
        // Its worker reports to the source: the copy fails it and drops who ran it.
        expect(copy.state).toBe("failed");
        expect(copy.systemAttrs.failReason).toMatch(/running when the study was copied/);
        expect(copy.systemAttrs.worker).toBeUndefined();
        expect(copy.params).toEqual(trial.params);
        if (keepsTimes) expect(copy.startedAt).toBe(trial.startedAt);
        continue;
      }
      expect(same(copy)).toEqual(same(trial));
    }
    expect(new Set(from.trials.map((t) => t.state))).toEqual(new Set(["complete", "pruned", "failed", "waiting", "running"]));
    expect(from.trials.filter((t) => t.systemAttrs.constraints !== undefined).length).toBeGreaterThan(0);

    const [twoFrom, twoTo] = [await loadStudy({ name: "two", storage: source }), await loadStudy({ name: "two", storage: target })];
    expect(twoTo.bestTrials.map((t) => t.number)).toEqual(twoFrom.bestTrials.map((t) => t.number));
    expect(twoTo.trials.map(same)).toEqual(twoFrom.trials.map(same));

    // Usable: TPE tunes on from the copied history (the copied queue runs first), and another
    // study warm-starts from it.
    const tuned = await loadStudy({ name: "lr-copy", storage: target, sampler: new TPESampler({ seed: 1 }), constraints: (trial) => [(trial.params.x as number) - 4] });
    await tuned.optimize((trial) => (trial.suggestFloat("x", -5, 5) - 1) ** 2 + trial.suggestInt("depth", 1, 64, { log: true }) / 64, { nTrials: 3 });
    expect(tuned.trials.slice(-3).map((t) => t.systemAttrs.failReason)).toEqual([undefined, undefined, undefined]);
    expect(tuned.trials.map((t) => t.state).slice(-3)).toEqual(["complete", "complete", "complete"]);
    expect(tuned.trials[21]!.params.x).toBe(0.5); // the enqueued point
    const warm = await createStudy({ name: "warm", storage: target, direction: "minimize", warmStartFrom: ["lr-copy"], sampler: new TPESampler({ seed: 2 }), onWarning: () => undefined });
    await warm.optimize((trial) => (trial.suggestFloat("x", -5, 5) - 1) ** 2, { nTrials: 2 });
    expect(warm.trials.filter((t) => t.state === "complete")).toHaveLength(2);
  } finally {
    await source.close();
  }
}

/**
 * `storage`, calling `before` with the count so far (1, 2, …) before each write of trials whole:
 * each batch of insertTrials, or (`oneByOne`, insertTrials hidden) each insertFinishedTrial.
 */
function beforeEachTrialWrite(storage: Storage, before: (writes: number) => void | Promise<void>, oneByOne = true): Storage {
  const method = oneByOne ? "insertFinishedTrial" : "insertTrials";
  let writes = 0;
  return new Proxy(storage, {
    get(store, key) {
      if (oneByOne && key === "insertTrials") return undefined;
      const value = Reflect.get(store, key);
      if (key !== method) return typeof value === "function" ? value.bind(store) : value;
      return async (...args: unknown[]) => {
        // Awaited only when asynchronous: a synchronous one keeps the writes' timing as it was.
        const pending = before(++writes);
        if (pending) await pending;
        return (value as (...args: unknown[]) => unknown).apply(store, args);
      };
    },
  });
}

/** Trials of every kind a copy writes whole, `count` of them, numbered from 0; a few waiting at the end. */
function manyTrials(count: number): StudyData["trials"] {
  const distributions = { x: { type: "float" as const, low: 0, high: 1 }, kind: { type: "categorical" as const, choices: ["a", "b"] } };
  return Array.from({ length: count }, (_, number) => {
    const state = number >= count - 3 ? "waiting" : (["complete", "complete", "pruned", "failed"] as const)[number % 4]!;
    const finished = state !== "waiting";
    return {
      number,
      state,
      params: { x: (number % 100) / 100, kind: number % 3 === 0 ? "a" : "b" },
      distributions,
      // A pruned trial keeps -Infinity, which every storage must write and read back (a complete
      // one valued -Infinity is refused: a study fails the trial whose objective gives it).
      values: state === "complete" ? [Math.sin(number)] : number === 6 ? [-Infinity] : null,
      intermediate: (finished ? { 0: Math.cos(number), 3: number === 6 ? NaN : number } : {}) as Record<number, number>,
      userAttrs: { note: `trial ${number}` },
      systemAttrs: (state === "failed" ? { failReason: "exit code 1" } : {}) as Record<string, string>,
      startedAt: finished ? 1_700_000_000_000 + number * 1000 : null,
      finishedAt: finished ? 1_700_000_000_250 + number * 1000 : null,
    };
  });
}

/** Trials of a copy, written in three batches of insertTrials (500, 500, 203). */
const MANY = 1203;

describe("copyStudy", () => {
  let sourceUrl: string;
  beforeAll(async () => {
    sourceUrl = freshSqlite();
    const storage = await openStorage(sourceUrl);
    await makeSourceStudies(storage);
    await importStudy(storage, "big", { directions: ["minimize"], trials: manyTrials(MANY) });
    await storage.close();
  });

  it("copies SQLite to memory, keeping every result and trial number", async () => {
    const target = await openStorage("memory:");
    await checkCopy(sourceUrl, target);
  });

  it("copies into a storage without insertFinishedTrial, with the copy's times", async () => {
    const target = await openStorage("memory:");
    await checkCopy(sourceUrl, withoutInsertFinished(target), false);
  });

  it("copies SQLite to another SQLite file", async () => {
    const target = await openStorage(freshSqlite());
    try {
      await checkCopy(sourceUrl, target);
    } finally {
      await target.close();
    }
  });

  it.skipIf(skipPostgres !== null)("copies SQLite to PostgreSQL", async () => {
    const target = await openStorage(`${database!.url}?schema=copy`);
    try {
      await checkCopy(sourceUrl, target);
    } finally {
      await target.close();
    }
  });

  it("refuses a target study that exists, and a source study that does not, writing nothing", async () => {
    const target = await openStorage("memory:");
    await target.createStudy("lr", ["maximize"]);
    const refusal = copyStudy({ from: { storage: sourceUrl, name: "lr" }, to: { storage: target } });
    await expect(refusal).rejects.toThrow(DuplicateStudyError);
    // It names the target storage and what to do, not only the name.
    await expect(refusal).rejects.toThrow(
      'a study named "lr" already exists in memory: (a copy is not added to a study: give it another name with to: { name }, or delete that study first (storage.deleteStudy("lr"), or sextant delete))',
    );
    await expect(importStudy(target, "lr", { directions: ["minimize"], trials: [] })).rejects.toThrow(/^a study named "lr" already exists in memory: \(an import is not added to a study: give it another name, or delete that study first/);
    // A copy already made there, with the source's creation time and, in a storage as fresh, its id:
    // still another study, to delete or rename, not the study being copied.
    const fresh = await openStorage("memory:");
    await copyStudy({ from: { storage: sourceUrl, name: "lr" }, to: { storage: fresh } });
    await expect(copyStudy({ from: { storage: sourceUrl, name: "lr" }, to: { storage: fresh } })).rejects.toThrow("(a copy is not added to a study: give it another name with to: { name }, or delete that study first");
    await expect(copyStudy({ from: { storage: sourceUrl, name: "nope" }, to: { storage: target } })).rejects.toThrow(/no study named "nope"/);
    expect((await target.listStudies()).map((s) => s.name)).toEqual(["lr"]);
  });

  it("refuses to copy a study onto itself without advising to delete it, for the same storage object or the same file spelled another way", async () => {
    const relative = `sqlite:${join(".", relativePath(process.cwd(), sqlitePath(sourceUrl)!))}`;
    const storage = await openStorage(sourceUrl);
    try {
      for (const to of [storage, relative]) {
        const refusal = copyStudy({ from: { storage, name: "lr" }, to: { storage: to } });
        await expect(refusal).rejects.toThrow(DuplicateStudyError);
        await expect(refusal).rejects.toThrow(/\(it is the study being copied: the target is the storage it is copied from; give the copy another name with to: \{ name \}\)$/);
      }
      expect((await storage.listStudies()).map((s) => s.name)).toContain("lr");
      const copied = await copyStudy({ from: { storage, name: "lr" }, to: { storage, name: "lr-backup" } });
      expect(copied.name).toBe("lr-backup");
      await storage.deleteStudy("lr-backup");
    } finally {
      await storage.close();
    }
  });

  it("refuses trials numbered with a gap or a number given twice, naming it, and writes nothing", async () => {
    const target = await openStorage("memory:");
    const trial = (number: number) => ({ number, state: "waiting" as const, params: {}, distributions: {}, values: null, intermediate: {}, userAttrs: {}, systemAttrs: {} });
    await expect(importStudy(target, "gap", { directions: ["minimize"], trials: [trial(0), trial(2)] })).rejects.toThrow("trial number 1 is missing");
    await expect(importStudy(target, "twice", { directions: ["minimize"], trials: [trial(0), trial(1), trial(1), trial(2)] })).rejects.toThrow("trial number 1 is given twice");
    expect(await target.listStudies()).toEqual([]);
  });

  it("refuses constraint values the library never writes, naming the trial, and writes nothing", async () => {
    const target = await openStorage("memory:");
    const trial = (number: number, constraints: unknown) =>
      ({ number, state: "complete" as const, params: {}, distributions: {}, values: [number], intermediate: {}, userAttrs: {}, systemAttrs: { constraints } }) as never;
    // Written as they were, every later read of the study's best trial threw "must be an array of numbers".
    await expect(importStudy(target, "nan", { directions: ["minimize"], trials: [trial(0, [-1]), trial(1, ["NaN"])] })).rejects.toThrow(
      'trial 1: systemAttrs.constraints: constraint 0 is "NaN", not a finite number',
    );
    await expect(importStudy(target, "counts", { directions: ["minimize"], trials: [trial(0, [-1]), trial(1, [1, 2])] })).rejects.toThrow(
      "trial 1: systemAttrs.constraints: has 2 constraint value(s), but trials[0] has 1: a study's complete trials all have the same number",
    );
    expect(await target.listStudies()).toEqual([]);
  });

  it("reads the source a page at a time, never every trial at once, and copies what it holds", async () => {
    const source = await openStorage(sourceUrl, { readOnly: true });
    const target = await openStorage("memory:");
    try {
      const reads: string[] = [];
      const watched = new Proxy(source, {
        get(store, key) {
          const value = Reflect.get(store, key);
          if (key === "trialsSince") reads.push("every trial");
          if (key !== "findTrials") return typeof value === "function" ? value.bind(store) : value;
          return (studyId: number, query: TrialQuery) => {
            reads.push(`a page of ${query.limit}`);
            return store.findTrials!(studyId, query);
          };
        },
      });
      const copied = await copyStudy({ from: { storage: watched, name: "big" }, to: { storage: target } });
      expect(copied).toMatchObject({ trials: MANY, waiting: 3 });
      // The last trial's number, then three pages of at most 500.
      expect(reads).toEqual(["a page of 1", "a page of 500", "a page of 500", "a page of 500"]);
      const record = (await source.getStudy("big"))!;
      const written = (await target.trialsSince((await target.getStudy("big"))!.id, 0)).trials;
      expect(written.map(content)).toEqual((await source.trialsSince(record.id, 0)).trials.map(content));
    } finally {
      await source.close();
    }
  });

  it("refuses a source trial's malformed constraint values found midway, deleting what it wrote", async () => {
    const source = await openStorage("memory:");
    const study = await source.createStudy("odd", ["minimize"]);
    const x = { type: "float" as const, low: 0, high: 1 };
    const trial = (constraints: JsonValue) => ({ state: "complete" as const, params: { x: 0.5 }, distributions: { x }, values: [1], intermediate: {}, userAttrs: {}, systemAttrs: { constraints }, startedAt: 1, finishedAt: 2 });
    await source.insertTrials!(study.id, [...Array.from({ length: 700 }, () => trial([-1])), trial(["NaN"])]);
    const target = await openStorage("memory:");
    await expect(copyStudy({ from: { storage: source, name: "odd" }, to: { storage: target } })).rejects.toThrow('trial 700: systemAttrs.constraints: constraint 0 is "NaN", not a finite number');
    expect(await target.listStudies()).toEqual([]);
  });

  it("queues a running trial of a queued budget again, so the copy runs the whole budget", async () => {
    const storage = await openStorage("memory:");
    const budget = await createStudy({ name: "budget", storage, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
    for (const x of [1, 2, 3]) await budget.enqueueTrial({ x });
    const running = await budget.ask();
    expect(running.suggestFloat("x", 0, 5)).toBe(1);
    const target = await openStorage("memory:");
    const copied = await copyStudy({ from: { storage, name: "budget" }, to: { storage: target } });
    expect(copied).toMatchObject({ trials: 3, failedBecauseRunning: 1, queuedAgain: 1, waiting: 2 });
    const copy = await loadStudy({ name: "budget", storage: target });
    await copy.optimize((trial) => trial.suggestFloat("x", 0, 5), { onlyQueuedTrials: true });
    const complete = copy.trials.filter((t) => t.state === "complete");
    // Without the retry: 2 complete, the running one failed and never run again.
    expect(complete.map((t) => t.params.x).sort()).toEqual([1, 2, 3]);
    expect(copy.trials[3]!.systemAttrs).toMatchObject({ retryOf: 0, retryCount: 1 });
  });

  it("writes into a storage with insertTrials a few hundred trials per write, keeping every trial, into SQLite and PostgreSQL too", async () => {
    const trials = manyTrials(MANY);
    const targets = [() => openStorage("memory:"), () => openStorage(freshSqlite())];
    if (skipPostgres === null) targets.push(() => openStorage(`${database!.url}?schema=batches`));
    for (const open of targets) {
      const target = await open();
      try {
        const batches: number[] = [];
        const counting = new Proxy(target, {
          get(store, key) {
            const value = Reflect.get(store, key);
            if (key !== "insertTrials") return typeof value === "function" ? value.bind(store) : value;
            return (studyId: number, batch: Parameters<NonNullable<Storage["insertTrials"]>>[1]) => {
              batches.push(batch.length);
              return store.insertTrials!(studyId, batch);
            };
          },
        });
        const copied = await copyStudy({ from: { storage: sourceUrl, name: "big" }, to: { storage: counting } });
        expect(copied).toMatchObject({ trials: MANY, waiting: 3, failedBecauseRunning: 0 });
        expect(batches).toEqual([500, 500, 203]);
        const record = (await target.getStudy("big"))!;
        expect(isHalfMadeStudy(record.systemAttrs)).toBe(false);
        const written = (await target.trialsSince(record.id, 0)).trials;
        expect(written.map(content)).toEqual(trials);
        // Each trial has its own seq, so readers following seq see every one.
        expect(new Set(written.map((trial) => trial.seq)).size).toBe(MANY);
        // The queue moves with the study: a worker of the target runs the first waiting trial next.
        expect((await target.claimWaitingTrial(record.id))!.number).toBe(MANY - 3);
      } finally {
        await target.close();
      }
    }
  });

  // The guards of a copy, for both ways of writing: one trial per write (a storage without
  // insertTrials), and batches of insertTrials (a study of three).
  describe.each([
    { how: "one trial per write", oneByOne: true, study: "lr", at: 3, kept: 3, firstWaiting: 21, progress: (total: number) => Array.from({ length: total + 1 }, (_, written) => written) },
    { how: "batches of insertTrials", oneByOne: false, study: "big", at: 2, kept: 1000, firstWaiting: MANY - 3, progress: (total: number) => [0, 500, 1000, total] },
  ])("written in $how", ({ oneByOne, study, at, kept, firstWaiting, progress }) => {
    const writing = (target: Storage, before: (writes: number) => void | Promise<void>) => beforeEachTrialWrite(target, before, oneByOne);

    it("leaves no half-written copy when a write fails", async () => {
      const target = await openStorage("memory:");
      const failing = writing(target, (writes) => {
        if (writes === at) throw new Error("disk full");
      });
      await expect(copyStudy({ from: { storage: sourceUrl, name: study }, to: { storage: failing } })).rejects.toThrow("disk full");
      expect(await target.listStudies()).toEqual([]);
    });

    it("refuses to go on when another process adds a trial to the study it writes, deleting it", async () => {
      const target = await openStorage("memory:");
      // A worker started on the new study before the copy finished: its trial takes the number the copy's next one needed.
      const joined = writing(target, (writes) => {
        if (writes === at) void target.getStudy(study).then((record) => target.createTrial(record!.id, { state: "running" }));
      });
      const copying = copyStudy({ from: { storage: sourceUrl, name: study }, to: { storage: joined } });
      await expect(copying).rejects.toThrow(StudyChangedDuringCopyError);
      await expect(copying).rejects.toThrow(`another process added trials to "${study}" while it was being written (trial ${kept} of the source became trial ${kept + 1})`);
      expect(await target.listStudies()).toEqual([]);
    });

    it("keeps the study half-made while it writes: listed, but refused to ask and optimize until the last trial is written", async () => {
      const target = await openStorage("memory:");
      const asked: unknown[] = [];
      const listed: string[][] = [];
      // A worker that joins the new study while the copy writes.
      const joined = writing(target, async (writes) => {
        if (writes !== at) return;
        listed.push((await target.listStudies()).map((record) => record.name));
        const early = await loadStudy({ name: study, storage: target });
        asked.push(await early.ask().catch((error: unknown) => error));
        asked.push(await early.optimize(() => 1, { nTrials: 1 }).catch((error: unknown) => error));
      });
      const copied = await copyStudy({ from: { storage: sourceUrl, name: study }, to: { storage: joined } });
      expect(listed).toEqual([[study]]);
      expect(asked).toHaveLength(2);
      for (const refusal of asked) {
        expect(refusal).toBeInstanceOf(HalfMadeStudyError);
        expect((refusal as HalfMadeStudyError).byCopy).toBe(true);
        expect((refusal as Error).message).toContain(`study "${study}" is half-made: a sextant copy/import is still writing its trials, or was killed before it wrote the last one`);
      }
      // Whole once written: every trial of the source, none of the refused worker's, and it tunes on.
      const record = (await target.getStudy(study))!;
      expect(isHalfMadeStudy(record.systemAttrs)).toBe(false);
      expect((await target.trialsSince(record.id, 0)).trials).toHaveLength(copied.trials + copied.queuedAgain);
      const after = await loadStudy({ name: study, storage: target });
      expect((await after.ask()).number).toBe(firstWaiting);
    });

    it("leaves a study that says it is half-made when it is stopped and cannot clean up (killed)", async () => {
      const target = await openStorage("memory:");
      // What SIGKILL leaves: the writes made so far, and no chance to delete them.
      const killed = new Proxy(
        writing(target, (writes) => {
          if (writes === at) throw new Error("killed");
        }),
        {
          get(store, key) {
            if (key === "deleteStudy") return async () => false;
            const value = Reflect.get(store, key);
            return typeof value === "function" ? value.bind(store) : value;
          },
        },
      );
      await expect(copyStudy({ from: { storage: sourceUrl, name: study }, to: { storage: killed } })).rejects.toThrow("killed");
      const left = await loadStudy({ name: study, storage: target });
      expect(left.trials.length).toBeGreaterThan(0);
      await expect(left.optimize(() => 1, { nTrials: 1 })).rejects.toThrow(HalfMadeStudyError);
      await expect(left.ask()).rejects.toThrow("delete the study (sextant delete, storage.deleteStudy) and copy again");
    });

    it("reports its progress write by write, from 0 to the total", async () => {
      const target = await openStorage("memory:");
      const reported: [number, number][] = [];
      const copied = await copyStudy({ from: { storage: sourceUrl, name: study }, to: { storage: writing(target, () => undefined) }, onProgress: (written, total) => reported.push([written, total]) });
      expect(reported).toEqual(progress(copied.trials).map((written) => [written, copied.trials]));
    });

    it("stops between two writes when its signal aborts (Ctrl-C), deleting what it wrote", async () => {
      const target = await openStorage("memory:");
      const interrupt = new AbortController();
      let written = 0;
      const interrupting = writing(target, (writes) => {
        written = writes;
        if (writes === at) interrupt.abort(new Error("interrupted by the user"));
      });
      const copying = copyStudy({ from: { storage: sourceUrl, name: study }, to: { storage: interrupting }, signal: interrupt.signal });
      await expect(copying).rejects.toThrow("interrupted by the user");
      // Ignoring the signal, the copy ran to its end; a partial copy would have kept the name too.
      expect(written).toBe(at);
      expect(await target.listStudies()).toEqual([]);
    });
  });
});

describe("copyStudy of an online tuner", () => {
  /** A cost that depends on the round and the value, as a sequence of instances would. */
  const cost = (round: number, value: number): number => 40 + 60 * Math.abs(value - 1.3 - 0.2 * Math.sin(round)) + (round % 7);
  /** A contextual tuner's instance features, one per round. */
  const contextOf = (round: number): number[] => [Math.cos(round * 1.7) * 2];

  /** Plays `rounds` choose/observe pairs; ends with a choice waiting for its cost when `leavePending`. */
  async function play(tuner: OnlineTuner, rounds: number, leavePending = false): Promise<number[]> {
    const contextual = tuner.algorithm === "chebcb";
    const chosen: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const round = tuner.rounds;
      const value = await tuner.choose(contextual ? contextOf(round) : undefined);
      chosen.push(value);
      if (leavePending && i === rounds - 1) break;
      await tuner.observe(cost(round, value), { round });
    }
    return chosen;
  }

  const TUNERS = [
    { algorithm: "tsallis-inf" as const, options: { parameter: { low: 1, high: 1.9, arms: 10 }, costScale: 120, seed: 11 } },
    { algorithm: "chebcb" as const, options: { parameter: { low: 1, high: 1.9, arms: 6 }, algorithm: "chebcb" as const, context: { low: [-2], high: [2], degree: 2 }, costScale: 120, seed: 12 } },
  ];

  /**
   * Makes a tuner in a fresh SQLite file, plays it, copies it to `target`, and checks the copy goes on
   * choosing as the source does, the source left as it was.
   */
  async function checkTunerCopy(target: string | Storage, targetName: string, tunerOptions: (typeof TUNERS)[number]["options"], leavePending: boolean): Promise<void> {
    const sourceUrl = freshSqlite();
    const source = await createOnlineTuner({ ...tunerOptions, name: "sor", storage: sourceUrl });
    await play(source, 25, leavePending);
    const before = (await loadTunerRecord(sourceUrl, "sor"))!;
    const copied = await copyStudy({ from: { storage: sourceUrl, name: "sor" }, to: { storage: target, name: targetName } });
    expect(copied).toEqual({ name: targetName, trials: 0, failedBecauseRunning: 0, queuedAgain: 0, waiting: 0, droppedStudyAttrs: [], onlineTuner: true });
    // The source is untouched: its record, state and all, is the one read before.
    expect(await loadTunerRecord(sourceUrl, "sor")).toEqual(before);
    const copy = await loadOnlineTuner({ name: targetName, storage: target });
    const original = await loadOnlineTuner({ name: "sor", storage: sourceUrl });
    try {
      expect(copy.toJSON()).toEqual(original.toJSON());
      expect(copy.stats()).toEqual({ ...original.stats(), name: targetName });
      expect(copy.rounds).toBe(leavePending ? 24 : 25);
      expect(copy.pendingValue).toBe(original.pendingValue);
      if (leavePending) {
        // The choice waiting in the source waits in the copy: chosen again, and its cost counts there.
        expect(copy.pendingValue).not.toBeNull();
        const round = copy.rounds;
        const context = tunerOptions.context ? contextOf(round) : undefined;
        expect(await copy.choose(context)).toBe(copy.pendingValue);
        for (const tuner of [copy, original]) await tuner.observe(cost(round, tuner.pendingValue!), { round });
      }
      // Same seed and state, same costs: the same choices, round after round, in lockstep.
      const fromCopy = await play(copy, 30);
      const fromOriginal = await play(original, 30);
      expect(fromCopy).toEqual(fromOriginal);
      expect(new Set(fromCopy).size).toBeGreaterThan(1);
      expect(copy.toJSON()).toEqual(original.toJSON());
    } finally {
      await copy.close();
      await original.close();
    }
  }

  /** The tuner's stored record (settings and state) as a fresh read of its storage finds it. */
  async function loadTunerRecord(url: string, name: string): Promise<unknown> {
    const tuner = await loadOnlineTuner({ name, storage: url });
    try {
      return structuredClone(tuner.toJSON());
    } finally {
      await tuner.close();
    }
  }

  for (const { algorithm, options } of TUNERS) {
    for (const leavePending of [false, true]) {
      const pending = leavePending ? ", a choice waiting for its cost" : "";
      it(`copies a ${algorithm} tuner${pending} SQLite to another SQLite file, which chooses on as the source does`, async () => {
        await checkTunerCopy(freshSqlite(), "sor", options, leavePending);
      });

      it.skipIf(skipPostgres !== null)(`copies a ${algorithm} tuner${pending} SQLite to PostgreSQL, which chooses on as the source does`, async () => {
        const target = await openStorage(`${database!.url}?schema=tuners`);
        const name = `sor-${algorithm}-${leavePending ? "pending" : "observed"}`;
        try {
          await checkTunerCopy(target, name, options, leavePending);
        } finally {
          await target.deleteStudy(name);
          await target.close();
        }
      });
    }
  }

  it("refuses a target name that is taken and the tuner itself, and copies beside itself under another name", async () => {
    const url = freshSqlite();
    const tuner = await createOnlineTuner({ ...TUNERS[0]!.options, name: "sor", storage: url });
    await play(tuner, 3);
    await tuner.close();
    const target = await openStorage("memory:");
    await target.createStudy("sor", ["minimize"]);
    await expect(copyStudy({ from: { storage: url, name: "sor" }, to: { storage: target } })).rejects.toThrow(
      'a study named "sor" already exists in memory: (a copy is not added to a study: give it another name with to: { name }, or delete that study first',
    );
    const storage = await openStorage(url);
    try {
      const refusal = copyStudy({ from: { storage, name: "sor" }, to: { storage } });
      await expect(refusal).rejects.toThrow(DuplicateStudyError);
      await expect(refusal).rejects.toThrow(/\(it is the study being copied: the target is the storage it is copied from; give the copy another name with to: \{ name \}\)$/);
      await copyStudy({ from: { storage, name: "sor" }, to: { storage, name: "sor-backup" } });
      const backup = await loadOnlineTuner({ name: "sor-backup", storage });
      expect(backup.rounds).toBe(3);
      // A copy of the copy, made there again, is refused as a name taken, not as the tuner being copied.
      await expect(copyStudy({ from: { storage, name: "sor" }, to: { storage, name: "sor-backup" } })).rejects.toThrow("(a copy is not added to a study");
    } finally {
      await storage.close();
    }
  });

  it("refuses a tuner's record that comes with trials, writing nothing", async () => {
    const target = await openStorage("memory:");
    const trial = { number: 0, state: "waiting" as const, params: {}, distributions: {}, values: null, intermediate: {}, userAttrs: {}, systemAttrs: {} };
    const tuner = (await createOnlineTuner({ parameter: { low: 0, high: 1 }, seed: 1 })).toJSON() as unknown as JsonValue;
    await expect(importStudy(target, "sor", { directions: ["minimize"], systemAttrs: { "online:tuner": tuner }, trials: [trial] })).rejects.toThrow(
      'an online tuner (systemAttrs["online:tuner"]) holds no trials, but this one comes with 1',
    );
    expect(await target.listStudies()).toEqual([]);
  });
});
