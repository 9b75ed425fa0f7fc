/**
 * The storage conformance suite: every backend must pass every test here, so that a study behaves
 * the same whether it lives in memory, in a SQLite file or in PostgreSQL.
 *
 * To add a backend, append a factory to `backends`. PostgreSQL runs against a scratch database
 * of its own (see postgres-database.ts), each test in a fresh schema; without a server it skips
 * with the reason locally and fails in CI.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CONSTRAINTS_ATTR, type Distribution, type FrozenTrial, type JsonValue } from "../src/space/index.js";
import {
  DuplicateStudyError,
  type FinishedTrialInit,
  MemoryStorage,
  ONCE_KEY_ATTR,
  ParamConflictError,
  type Storage,
  TrialNotFoundError,
  TrialNotRunningError,
  type TrialQuery,
  selectTrials,
  trialPages,
} from "../src/storage/index.js";
import { PostgresStorage } from "../src/storage/postgres.js";
import { SqliteStorage } from "../src/storage/sqlite.js";
import { createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

// The memory backend's listing aggregates with summarizeStudy: wrapped, so a test can count calls.
vi.mock("../src/storage/summary.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/storage/summary.js")>();
  return { ...original, summarizeStudy: vi.fn(original.summarizeStudy) };
});
const { summarizeStudy } = await import("../src/storage/summary.js");

interface StorageBackend {
  readonly name: string;
  /** A fresh, empty storage; each test gets its own. */
  open(): Promise<Storage>;
  /** Set to a reason to skip the backend (e.g. no database server configured). */
  readonly skip?: string;
  /** Another storage object on the same data, as another process would open it. */
  openPeer(storage: Storage): Promise<Storage>;
  /** How many times the storage has aggregated a study's trials for a listing, counted from now. */
  countAggregations(storage: Storage): () => number;
}

const scratch = mkdtempSync(join(tmpdir(), "sextant-conformance-"));
let fileCounter = 0;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const postgresSkip = await postgresUnavailable();
const postgresDatabase = postgresSkip === null ? await createScratchDatabase() : null;
afterAll(() => postgresDatabase?.drop());
let schemaCounter = 0;

/** Counts calls of `object[method]` from now on (calls still go through). */
function countCalls(object: object, method: string, counts: (args: unknown[]) => number = () => 1): () => number {
  const spy = vi.spyOn(object as Record<string, (...args: unknown[]) => unknown>, method);
  const before = spy.mock.calls.length;
  return () => spy.mock.calls.slice(before).reduce((sum, args) => sum + counts(args), 0);
}

const backends: StorageBackend[] = [
  {
    name: "memory",
    open: async () => new MemoryStorage(),
    // Memory storage lives in one object: the peer is that object, whose close leaves it open.
    openPeer: async (storage) =>
      new Proxy(storage, {
        get: (target, key) => {
          if (key === "close") return async () => {};
          const value: unknown = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    countAggregations: () => {
      const calls = vi.mocked(summarizeStudy).mock.calls.length;
      return () => vi.mocked(summarizeStudy).mock.calls.length - calls;
    },
  },
  {
    name: "sqlite",
    open: async () => SqliteStorage.open(join(scratch, `conformance-${fileCounter++}.db`)),
    openPeer: async (storage) => SqliteStorage.open(storage.reopenUrl!.slice("sqlite:".length)),
    // The statement aggregates every study whose ids it is given (a JSON array); without ids, all of them.
    countAggregations: (storage) =>
      countCalls((storage as unknown as { statements: { aggregateTrials: object } }).statements.aggregateTrials, "all", ([ids]) =>
        typeof ids === "string" ? (JSON.parse(ids) as unknown[]).length : Infinity,
      ),
  },
  {
    name: "postgres",
    open: () => PostgresStorage.open(`${postgresDatabase!.url}?schema=conformance_${schemaCounter++}`),
    openPeer: (storage) => PostgresStorage.open(storage.reopenUrl!),
    countAggregations: (storage) =>
      countCalls(storage, "query", ([statement, values]) =>
        (statement as { name: string }).name.startsWith("sextant_aggregate_trials") ? ((values as [number[]?])[0]?.length ?? Infinity) : 0,
      ),
    ...(postgresSkip === null ? {} : { skip: postgresSkip }),
  },
];

const uniform: Distribution = { type: "float", low: 0, high: 1 };
const depth: Distribution = { type: "int", low: 1, high: 10 };
/** A pruned trial of two objectives as a copy writes it whole: times, constraints and non-finite numbers. */
const copiedTrial = {
  state: "pruned" as const,
  params: { x: 0.25, depth: 3 },
  distributions: { x: uniform, depth },
  values: [NaN, -Infinity],
  intermediate: { 0: 1.5, 7: Infinity },
  userAttrs: { note: "from the laptop", loss: Infinity },
  systemAttrs: { [CONSTRAINTS_ATTR]: [-1, 0.5], failReason: null },
  startedAt: 1_600_000_000_123,
  finishedAt: 1_600_000_042_456,
};

describe.each(backends)("storage conformance: $name", (backend) => {
  let storage: Storage;
  beforeEach(async (context) => {
    if (backend.skip) context.skip(backend.skip);
    storage = await backend.open();
  });
  afterEach(async () => {
    await storage?.close();
  });

  async function newStudy(name = "study", directions: ("minimize" | "maximize")[] = ["minimize"]) {
    return storage.createStudy(name, directions);
  }

  describe("studies", () => {
    it("creates a study made at the time it is given (a copy keeps its source's), and at now without one", async () => {
      const copied = await storage.createStudy("copied", ["minimize"], { createdAt: 1_600_000_000_123 });
      expect(copied.createdAt).toBe(1_600_000_000_123);
      expect(await storage.getStudy("copied")).toEqual(copied);
      expect((await storage.listStudies())[0]!.createdAt).toBe(1_600_000_000_123);
      const before = Date.now();
      expect((await storage.createStudy("now", ["minimize"], { userAttrs: {} })).createdAt).toBeGreaterThanOrEqual(before - 1000);
    });

    it("creates, gets and lists a study", async () => {
      const before = Date.now();
      const created = await storage.createStudy("alpha", ["minimize", "maximize"], {
        userAttrs: { owner: "ada" },
        systemAttrs: { sampler: { name: "tpe", seed: 3 } },
      });
      expect(created).toMatchObject({
        name: "alpha",
        directions: ["minimize", "maximize"],
        userAttrs: { owner: "ada" },
        systemAttrs: { sampler: { name: "tpe", seed: 3 } },
      });
      expect(created.createdAt).toBeGreaterThanOrEqual(before);
      expect(await storage.getStudy("alpha")).toEqual(created);
      expect(await storage.getStudy("beta")).toBeNull();

      const listed = await storage.listStudies();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        ...created,
        trialCounts: { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 },
        bestValue: null,
      });
    });

    it("gives distinct ids and keeps studies apart", async () => {
      const a = await newStudy("a");
      const b = await newStudy("b");
      expect(a.id).not.toBe(b.id);
      await storage.createTrial(a.id, { state: "running" });
      const first = await storage.createTrial(b.id, { state: "running" });
      expect(first.number).toBe(0);
      expect((await storage.trialsSince(a.id, 0)).trials).toHaveLength(1);
      expect((await storage.listStudies()).map((s) => s.name).sort()).toEqual(["a", "b"]);
    });

    it("rejects a duplicate name with DuplicateStudyError", async () => {
      await newStudy("taken");
      const attempt = storage.createStudy("taken", ["maximize"]);
      await expect(attempt).rejects.toBeInstanceOf(DuplicateStudyError);
      await expect(storage.createStudy("taken", ["maximize"])).rejects.toThrow('a study named "taken" already exists');
      expect((await storage.getStudy("taken"))!.directions).toEqual(["minimize"]);
    });

    it("deletes a study with its trials, and frees the name", async () => {
      const study = await newStudy("doomed");
      const trial = await storage.createTrial(study.id, { state: "running" });
      expect(await storage.deleteStudy("doomed")).toBe(true);
      expect(await storage.deleteStudy("doomed")).toBe(false);
      expect(await storage.getStudy("doomed")).toBeNull();
      expect(await storage.getTrial(trial.id)).toBeNull();
      expect(await storage.listStudies()).toEqual([]);

      const again = await newStudy("doomed");
      const fresh = await storage.createTrial(again.id, { state: "running" });
      expect(fresh.number).toBe(0);
      // A worker still holding the old trial id must not reach the new study's trial.
      expect(fresh.id).not.toBe(trial.id);
    });

    it("merges study attributes", async () => {
      const study = await storage.createStudy("attrs", ["minimize"], { userAttrs: { a: 1, b: "x" }, systemAttrs: { s: true } });
      await storage.setStudyAttrs(study.id, { userAttrs: { b: "y", c: [1, { d: null }] } });
      await storage.setStudyAttrs(study.id, { systemAttrs: { t: { nested: [true, false] } } });
      const read = await storage.getStudy("attrs");
      expect(read!.userAttrs).toEqual({ a: 1, b: "y", c: [1, { d: null }] });
      expect(read!.systemAttrs).toEqual({ s: true, t: { nested: [true, false] } });
    });

    it("compare-and-sets a study system attribute: one of racing peers wins, the rest see its value", async () => {
      const study = await storage.createStudy("cas", ["minimize"], { userAttrs: { u: 1 }, systemAttrs: { other: [1, { a: null }] } });
      const peer = await backend.openPeer(storage);
      try {
        // Both read "absent"; each sets its own value.
        const won = await Promise.all([storage, peer, storage, peer].map((s, k) => s.compareAndSetStudySystemAttr!(study.id, "count", undefined, k + 1)));
        expect(won.filter(Boolean)).toHaveLength(1);
        const stored = (await peer.getStudy("cas"))!;
        expect(stored.systemAttrs).toEqual({ other: [1, { a: null }], count: won.indexOf(true) + 1 });
        expect(stored.userAttrs).toEqual({ u: 1 });
        // Compared as JSON values: a stale expected value changes nothing, the current one does.
        const current = stored.systemAttrs.count!;
        expect(await storage.compareAndSetStudySystemAttr!(study.id, "count", (current as number) + 10, 99)).toBe(false);
        expect(await peer.compareAndSetStudySystemAttr!(study.id, "other", [1, { a: null }], { b: [2] })).toBe(true);
        expect(await storage.compareAndSetStudySystemAttr!(study.id, "other", { b: [2] }, Infinity)).toBe(true);
        expect((await storage.getStudy("cas"))!.systemAttrs).toEqual({ other: Infinity, count: current });
        await expect(storage.compareAndSetStudySystemAttr!(987654, "count", undefined, 1)).rejects.toThrow("no study with id 987654");
      } finally {
        await peer.close();
      }
    });

    it("summarizes trial counts and the best value", async () => {
      const min = await newStudy("min", ["minimize"]);
      const max = await newStudy("max", ["maximize"]);
      const multi = await newStudy("multi", ["minimize", "maximize"]);
      for (const [study, values] of [
        [min, [3, 1, 2]],
        [max, [3, 1, 2]],
      ] as const) {
        for (const value of values) {
          const trial = await storage.createTrial(study.id, { state: "running" });
          await storage.updateTrial(trial.id, { state: "complete", values: [value] });
        }
        const pruned = await storage.createTrial(study.id, { state: "running" });
        // A pruned trial's value is not a result: it must not become the best.
        await storage.updateTrial(pruned.id, { state: "pruned", values: [-100] });
        await storage.createTrial(study.id, { state: "running" });
        await storage.createTrial(study.id, { state: "waiting" });
      }
      const failed = await storage.createTrial(multi.id, { state: "running" });
      await storage.updateTrial(failed.id, { state: "failed" });
      const done = await storage.createTrial(multi.id, { state: "running" });
      await storage.updateTrial(done.id, { state: "complete", values: [1, 2] });

      const summaries = Object.fromEntries((await storage.listStudies()).map((s) => [s.name, s]));
      expect(summaries.min!.trialCounts).toEqual({ waiting: 1, running: 1, complete: 3, pruned: 1, failed: 0 });
      expect(summaries.min!.bestValue).toBe(1);
      expect(summaries.max!.bestValue).toBe(3);
      expect(summaries.multi!.trialCounts).toEqual({ waiting: 0, running: 0, complete: 1, pruned: 0, failed: 1 });
      expect(summaries.multi!.bestValue).toBeNull();
    });

    it("lists counts and best values that stay right while another storage object writes every kind of trial", async () => {
      const peer = await backend.openPeer(storage);
      try {
        const watched = await storage.createStudy("watched", ["minimize"]);
        const quiet = await storage.createStudy("quiet", ["maximize"]);
        // What listStudies must say: the figures summarizeStudy gives over every trial, read afresh.
        const expectListingRight = async (step: string) => {
          const listed = await storage.listStudies();
          const expected = await Promise.all(
            listed.map(async (summary) => {
              const { id, name, directions, userAttrs, systemAttrs, createdAt } = summary;
              const { trials } = await storage.trialsSince(id, 0);
              const { trialCounts, bestValue } = summarizeStudy({ id, name, directions, userAttrs, systemAttrs, createdAt }, trials);
              return { ...summary, trialCounts, bestValue };
            }),
          );
          expect(listed, step).toEqual(expected);
          return Object.fromEntries(listed.map((summary) => [summary.name, summary]));
        };
        await expectListingRight("empty");
        const finished = (values: number[], systemAttrs: Record<string, JsonValue> = {}) => ({
          state: "complete" as const,
          params: {},
          distributions: {},
          values,
          intermediate: {},
          userAttrs: {},
          systemAttrs,
          startedAt: 1,
          finishedAt: 2,
        });

        if (peer.queueTrials) await peer.queueTrials(watched.id, 2);
        else for (let i = 0; i < 2; i++) await peer.createTrial(watched.id, { state: "waiting" });
        expect((await expectListingRight("queued")).watched!.trialCounts).toMatchObject({ waiting: 2 });
        const claimed = (await peer.claimWaitingTrial(watched.id))!;
        expect((await expectListingRight("claimed")).watched!.trialCounts).toMatchObject({ waiting: 1, running: 1 });
        await peer.updateTrial(claimed.id, { state: "complete", values: [5] });
        expect((await expectListingRight("completed")).watched!.bestValue).toBe(5);
        if (peer.insertFinishedTrial) {
          await peer.insertFinishedTrial(watched.id, finished([3]));
          await peer.insertFinishedTrial(watched.id, { ...finished([-50]), state: "pruned" });
          expect((await expectListingRight("inserted finished")).watched!.bestValue).toBe(3);
        }
        const started = peer.startNextTrial ? (await peer.startNextTrial(watched.id, {}, null)).trial : (await peer.claimWaitingTrial(watched.id))!;
        await expectListingRight("started");
        // An infeasible trial makes the study constrained: the unconstrained ones no longer count.
        await peer.updateTrial(started.id, { state: "complete", values: [-100], systemAttrs: { [CONSTRAINTS_ATTR]: [1] } });
        expect((await expectListingRight("constrained")).watched!.bestValue).toBeNull();
        const once = (await peer.createTrialOnce(watched.id, "k", { state: "running" }))!;
        await peer.updateTrial(once.id, { state: "complete", values: [7], systemAttrs: { [CONSTRAINTS_ATTR]: [-1] } });
        expect((await expectListingRight("feasible")).watched!.bestValue).toBe(7);
        const failing = await peer.createTrial(watched.id, { state: "running" });
        await peer.recordHeartbeat([failing.id]);
        await peer.updateTrial(failing.id, { state: "failed" });
        expect((await expectListingRight("failed")).watched!.trialCounts).toMatchObject({ failed: 1 });
        if (peer.finishAndStartNext && peer.releaseTrial) {
          const running = await peer.createTrial(watched.id, { state: "running" });
          const { started: next } = await peer.finishAndStartNext(running.id, { state: "complete", values: [6], systemAttrs: { [CONSTRAINTS_ATTR]: [0] } }, {}, null);
          expect((await expectListingRight("finished and started")).watched!.bestValue).toBe(6);
          await peer.releaseTrial(next.trial.id);
          expect((await expectListingRight("released")).watched!.trialCounts.waiting).toBeGreaterThan(0);
        }

        await peer.setStudyAttrs(quiet.id, { userAttrs: { note: "renamed" } });
        expect((await expectListingRight("attrs")).quiet!.userAttrs).toEqual({ note: "renamed" });
        const quietTrial = await peer.createTrial(quiet.id, { state: "running" });
        await peer.updateTrial(quietTrial.id, { state: "complete", values: [2] });
        expect((await expectListingRight("quiet written")).quiet!.bestValue).toBe(2);
        await peer.deleteStudy("quiet");
        await peer.createStudy("quiet", ["maximize"]);
        const recreated = (await expectListingRight("recreated")).quiet!;
        expect(recreated.trialCounts).toEqual({ waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 });
        expect(recreated.bestValue).toBeNull();
      } finally {
        await peer.close();
      }
    });

    it("aggregates a study's trials for a listing only when they changed since the last listing", async () => {
      const peer = await backend.openPeer(storage);
      try {
        const busy = await storage.createStudy("busy", ["minimize"]);
        await storage.createStudy("idle", ["minimize"]);
        const trial = await storage.createTrial(busy.id, { state: "running" });
        await storage.listStudies();
        const aggregations = backend.countAggregations(storage);
        await storage.listStudies();
        expect(aggregations()).toBe(0);
        await peer.recordHeartbeat([trial.id]);
        await storage.listStudies();
        expect(aggregations()).toBe(0);
        await peer.updateTrial(trial.id, { state: "complete", values: [1] });
        expect((await storage.listStudies()).find((s) => s.name === "busy")!.bestValue).toBe(1);
        // Only the study written to is aggregated again.
        expect(aggregations()).toBe(1);
      } finally {
        await peer.close();
      }
    });

    it("creates a trial once per key, however many callers race to create it", async () => {
      const study = await newStudy("once", ["minimize"]);
      const other = await newStudy("once-other", ["minimize"]);
      const init = { state: "waiting" as const, systemAttrs: { "pbt:member": 0 } };
      const raced = await Promise.all(Array.from({ length: 8 }, () => storage.createTrialOnce(study.id, "after:3", init)));
      const made = raced.filter((t) => t !== null);
      expect(made).toHaveLength(1);
      expect(made[0]!.systemAttrs).toEqual({ "pbt:member": 0, [ONCE_KEY_ATTR]: "after:3" });
      // The key is taken for good, also once the trial has run; other keys and other studies are free.
      const claimed = (await storage.claimWaitingTrial(study.id))!;
      await storage.updateTrial(claimed.id, { state: "complete", values: [1] });
      expect(await storage.createTrialOnce(study.id, "after:3", init)).toBeNull();
      expect((await storage.createTrialOnce(study.id, "after:4", init))?.number).toBe(1);
      expect((await storage.createTrialOnce(other.id, "after:3", init))?.number).toBe(0);
      const { trials } = await storage.trialsSince(study.id, 0);
      expect(trials.map((t) => t.number)).toEqual([0, 1]);
      await expect(storage.createTrialOnce(987654, "after:3", init)).rejects.toThrow();
    });

    it("summarizes the best value over feasible trials only, as Study.bestTrial does", async () => {
      const study = await newStudy("constrained", ["minimize"]);
      // value, stored constraints: infeasible ones (a positive value, a NaN stored as text) must not become the best
      const rows: [number, JsonValue | undefined][] = [
        [5, undefined],
        [-10, [0.5, -1]],
        [-20, [-1, "nan"]],
        [-Infinity, [1]],
        [3, [0, -2]],
        [4, null],
      ];
      for (const [value, constraints] of rows) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        await storage.updateTrial(trial.id, { state: "complete", values: [value], ...(constraints === undefined ? {} : { systemAttrs: { [CONSTRAINTS_ATTR]: constraints } }) });
      }
      const summary = (await storage.listStudies()).find((s) => s.name === "constrained")!;
      expect(summary.bestValue).toBe(3);
      expect(summary.trialCounts.complete).toBe(6);
    });

    it("leaves a trial of unknown feasibility (no constraints in a constrained study) out of the best value, as bestTrial does", async () => {
      const constrained = await newStudy("late-constraints", ["minimize"]);
      const plain = await newStudy("plain", ["minimize"]);
      for (const [study, value, constraints] of [[constrained, -10, undefined], [constrained, 3, [-1]], [constrained, 1, [2]], [plain, -10, undefined], [plain, 3, undefined]] as const) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        await storage.updateTrial(trial.id, { state: "complete", values: [value], ...(constraints === undefined ? {} : { systemAttrs: { [CONSTRAINTS_ATTR]: [...constraints] } }) });
      }
      const summaries = Object.fromEntries((await storage.listStudies()).map((s) => [s.name, s]));
      expect(summaries["late-constraints"]!.bestValue).toBe(3);
      expect(summaries.plain!.bestValue).toBe(-10);
    });

    it("lists the figures summarizeStudy gives for infinite and missing values and for constraints named only inside other attributes", async () => {
      // The SQL aggregates skip parsing attributes that do not name the constraints key: a key of that
      // name deeper down, or in the user attributes, must change nothing; ±Infinity keep their place and a NaN
      // after a finite value is passed over. A NaN first (by number, among the feasible trials) stays the
      // best, as it does for Study.bestTrial and the dashboard: no value is better than a NaN (SQLite and
      // PostgreSQL listed the next best value, or null).
      const cases: [string, "minimize" | "maximize", [number, Record<string, JsonValue>][]][] = [
        ["nested", "minimize", [[4, { note: { [CONSTRAINTS_ATTR]: [5] } }], [2, { [`${CONSTRAINTS_ATTR}-x`]: [1] }], [Number.NaN, {}]]],
        ["neg-inf", "minimize", [[-Infinity, {}], [1, {}]]],
        ["pos-inf", "maximize", [[Infinity, { [CONSTRAINTS_ATTR]: [-1] }], [9, { [CONSTRAINTS_ATTR]: [0] }], [Infinity, { [CONSTRAINTS_ATTR]: [2] }]]],
        ["infeasible-inf", "maximize", [[Infinity, { [CONSTRAINTS_ATTR]: [2] }], [3, { [CONSTRAINTS_ATTR]: [-2] }], [8, { [CONSTRAINTS_ATTR]: { a: 1 } }]]],
        ["nan-first", "minimize", [[Number.NaN, {}], [1, {}], [-Infinity, {}]]],
        ["nan-only", "maximize", [[Number.NaN, {}]]],
        ["nan-first-infeasible", "maximize", [[Number.NaN, { [CONSTRAINTS_ATTR]: [1] }], [5, { [CONSTRAINTS_ATTR]: [0] }], [Number.NaN, { [CONSTRAINTS_ATTR]: [-1] }]]],
      ];
      for (const [name, direction, rows] of cases) {
        const study = await newStudy(name, [direction]);
        for (const [value, systemAttrs] of rows) {
          const trial = await storage.createTrial(study.id, { state: "running", userAttrs: { [CONSTRAINTS_ATTR]: [100] } });
          await storage.updateTrial(trial.id, { state: "complete", values: [value], systemAttrs });
        }
        await storage.createTrial(study.id, { state: "waiting" });
      }
      const listed = Object.fromEntries((await storage.listStudies()).map((s) => [s.name, s]));
      for (const [name] of cases) {
        const { id, directions, userAttrs, systemAttrs, createdAt } = listed[name]!;
        const expected = summarizeStudy({ id, name, directions, userAttrs, systemAttrs, createdAt }, (await storage.trialsSince(id, 0)).trials);
        expect({ counts: listed[name]!.trialCounts, best: listed[name]!.bestValue }, name).toEqual({ counts: expected.trialCounts, best: expected.bestValue });
      }
      expect(Object.fromEntries(cases.map(([name]) => [name, listed[name]!.bestValue]))).toEqual({
        nested: 2,
        "neg-inf": -Infinity,
        "pos-inf": Infinity,
        "infeasible-inf": 3,
        "nan-first": Number.NaN,
        "nan-only": Number.NaN,
        "nan-first-infeasible": 5,
      });
    });

    it("lists a trial whose constraint is -Infinity as feasible, as summarizeStudy does", async () => {
      // The SQL aggregates read the stored tag of a non-finite constraint as infeasible: best 5 in the list, 1 in summarizeStudy and GET /studies/{name}.
      const study = await newStudy("neg-inf-constraint", ["minimize"]);
      for (const [value, constraints] of [[1, [-Infinity]], [5, [-1]], [0, [Infinity]], [-1, [Number.NaN]]] as const) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        await storage.updateTrial(trial.id, { state: "complete", values: [value], systemAttrs: { [CONSTRAINTS_ATTR]: [...constraints] } });
      }
      const listed = (await storage.listStudies()).find((s) => s.name === "neg-inf-constraint")!;
      const { id, name, directions, userAttrs, systemAttrs, createdAt } = listed;
      expect(summarizeStudy({ id, name, directions, userAttrs, systemAttrs, createdAt }, (await storage.trialsSince(id, 0)).trials).bestValue).toBe(1);
      expect(listed.bestValue).toBe(1);
    });

    it("lists studies whose trials hold a NUL character or half an emoji in an attribute, with their best value", async () => {
      // PostgreSQL's jsonb refuses the escapes \u0000 and a lone \ud83d: one such trial broke the study list of the whole schema.
      const study = await newStudy("nul", ["minimize"]);
      const values: [number, JsonValue][] = [[2, [-1]], [1, [3]], [1.5, [-0.5]]];
      for (const [value, constraints] of values) {
        const systemAttrs = { fixedParams: { c: "a\u0000b" }, note: "\\u0000 literally", warning: ["cut 🚀".slice(0, -1), "\udc80 and 🚀 whole"] };
        const trial = await storage.createTrial(study.id, { state: "running", systemAttrs });
        await storage.updateTrial(trial.id, { state: "complete", values: [value], systemAttrs: { [CONSTRAINTS_ATTR]: constraints } });
      }
      const summary = (await storage.listStudies()).find((s) => s.name === "nul")!;
      expect(summary.bestValue).toBe(1.5);
      expect((await storage.createTrialOnce(study.id, "after:3", { state: "waiting" }))?.number).toBe(3);
      expect(await storage.createTrialOnce(study.id, "after:3", { state: "waiting" })).toBeNull();
      const { trials } = await storage.trialsSince(study.id, 0);
      expect(trials[0]!.systemAttrs.fixedParams).toEqual({ c: "a\u0000b" });
      expect(trials[0]!.systemAttrs.note).toBe("\\u0000 literally");
      expect(trials[0]!.systemAttrs.warning).toEqual(["cut \ud83d", "\udc80 and 🚀 whole"]);
    });
  });

  describe("trials", () => {
    it("numbers trials 0..n-1 whatever their state, and reads back what it created", async () => {
      const study = await newStudy();
      const created: FrozenTrial[] = [];
      for (let i = 0; i < 6; i++) {
        created.push(
          await storage.createTrial(study.id, {
            state: i % 3 === 0 ? "waiting" : "running",
            params: { x: i / 10 },
            distributions: { x: uniform },
            userAttrs: { i },
            systemAttrs: { origin: "test" },
          }),
        );
      }
      expect(created.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(new Set(created.map((t) => t.id)).size).toBe(6);
      for (const trial of created) expect(await storage.getTrial(trial.id)).toEqual(trial);

      const running = created[1]!;
      expect(running).toMatchObject({ state: "running", values: null, intermediate: {}, finishedAt: null });
      expect(running.startedAt).toEqual(expect.any(Number));
      expect(created[0]!.startedAt).toBeNull();
      expect(await storage.getTrial(987654)).toBeNull();
    });

    it("claims in segment order: an undecided segment waits while another member's earlier one waits or runs, checked at each claim", async () => {
      const study = await newStudy();
      const order = { member: "pbt:member", segment: "pbt:segment", undecided: "pbt:undecided" };
      const segment = (member: unknown, index: number, undecided: boolean) => ({ "pbt:member": member, "pbt:segment": index, ...(undecided ? { "pbt:undecided": true } : {}) }) as Record<string, JsonValue>;
      const claim = async (among?: number[]) => (await storage.claimWaitingTrial(study.id, { segmentOrder: order, ...(among ? { among } : {}) }))?.number ?? null;
      const finish = async (trial: Pick<FrozenTrial, "id">) => storage.updateTrial(trial.id, { state: "complete", values: [1] });
      await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment(0, 1, true) });
      const m1s0 = await storage.createTrial(study.id, { state: "running", systemAttrs: segment(1, 0, false) });
      const m2s0 = await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment(2, 0, false) });
      await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment(3, 1, true) });
      // Trial 0 waits for member 1's running segment 0; member 2's first segment is decided and goes.
      expect(await claim()).toBe(2);
      expect(await claim()).toBeNull();
      await finish(m1s0);
      // Member 2's segment 0 still runs.
      expect(await claim([0, 3])).toBeNull();
      await finish(m2s0);
      // A retry of member 1's segment 0 queued now holds trial 0 again, and runs first.
      const retry = await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment(1, 0, false) });
      expect(await claim([0])).toBeNull();
      expect(await claim()).toBe(retry.number);
      expect(await claim()).toBeNull();
      await finish(retry);
      expect(await claim()).toBe(0);
      expect(await claim()).toBe(3);
      // Attributes that are not numbers place a trial nowhere: it neither waits nor holds up.
      await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment("0", 0, false) });
      const odd = await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment("1", 5, true) });
      await storage.createTrial(study.id, { state: "waiting", systemAttrs: segment(2, 1, true) });
      expect(await claim([odd.number + 1])).toBe(odd.number + 1);
      expect(await claim()).toBe(odd.number - 1);
      expect(await claim()).toBe(odd.number);
      // Only `true` marks a segment undecided: one marked with the number 1 is not held.
      await storage.createTrial(study.id, { state: "running", systemAttrs: segment(7, 0, false) });
      const one = await storage.createTrial(study.id, { state: "waiting", systemAttrs: { "pbt:member": 8, "pbt:segment": 1, "pbt:undecided": 1 } });
      expect(await claim()).toBe(one.number);
    });

    it("claims waiting trials oldest first, then none", async () => {
      const study = await newStudy();
      const w0 = await storage.createTrial(study.id, { state: "waiting", params: { x: 0.25 }, distributions: { x: uniform } });
      await storage.createTrial(study.id, { state: "running" });
      const w2 = await storage.createTrial(study.id, { state: "waiting" });
      const w3 = await storage.createTrial(study.id, { state: "waiting" });

      const first = await storage.claimWaitingTrial(study.id);
      expect(first).toMatchObject({ id: w0.id, number: 0, state: "running", params: { x: 0.25 } });
      expect(first!.startedAt).toEqual(expect.any(Number));
      expect(first!.seq).toBeGreaterThan(w3.seq);
      expect(await storage.getTrial(w0.id)).toEqual(first);

      expect((await storage.claimWaitingTrial(study.id))!.id).toBe(w2.id);
      expect((await storage.claimWaitingTrial(study.id))!.id).toBe(w3.id);
      expect(await storage.claimWaitingTrial(study.id)).toBeNull();
      // A claimed trial is running and can be finished like any other.
      await storage.updateTrial(w0.id, { state: "complete", values: [1] });
    });

    it("writes the claimer's system attributes in the claim itself, replacing a key the trial had", async () => {
      const study = await newStudy();
      // A released trial keeps its earlier worker; a NUL is what a jsonb merge would choke on.
      const queued = { fixedParams: { x: 0.5 }, note: "a\u0000b", worker: { pid: 1 } };
      const waiting = await storage.createTrial(study.id, { state: "waiting", systemAttrs: queued });
      const bare = await storage.createTrial(study.id, { state: "waiting" });
      await storage.createTrial(study.id, { state: "waiting", systemAttrs: queued });
      const worker = { host: "h", pid: 42 };

      const claimed = (await storage.claimWaitingTrial(study.id, { systemAttrs: { worker } }))!;
      expect(claimed).toMatchObject({ id: waiting.id, state: "running", systemAttrs: { ...queued, worker } });
      expect(await storage.getTrial(waiting.id)).toEqual(claimed);
      expect((await storage.claimWaitingTrial(study.id, { systemAttrs: { worker } }))!.systemAttrs).toEqual({ worker });
      expect((await storage.getTrial(bare.id))!.systemAttrs).toEqual({ worker });
      // Without claim attributes the trial keeps its own.
      expect((await storage.claimWaitingTrial(study.id))!.systemAttrs).toEqual(queued);
      // Later writes of other attributes keep the claimer's worker.
      const told = await storage.updateTrial(waiting.id, { state: "complete", values: [1], systemAttrs: { extra: 1 } });
      expect(told.systemAttrs).toEqual({ ...queued, worker, extra: 1 });
      expect((await storage.trialsSince(study.id, 0)).trials[0]).toEqual(told);
    });

    it("never gives one waiting trial to two claimers", async () => {
      const study = await newStudy();
      for (let i = 0; i < 5; i++) await storage.createTrial(study.id, { state: "waiting" });
      const claims = await Promise.all(Array.from({ length: 8 }, () => storage.claimWaitingTrial(study.id)));
      const won = claims.filter((t): t is FrozenTrial => t !== null);
      expect(won).toHaveLength(5);
      expect(new Set(won.map((t) => t.id)).size).toBe(5);
      expect(won.map((t) => t.number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    });

    it("merges params, intermediate values and attributes into a running trial", async () => {
      const study = await newStudy();
      const trial = await storage.createTrial(study.id, {
        state: "running",
        params: { x: 0.5 },
        distributions: { x: uniform },
        userAttrs: { keep: 1 },
      });
      await storage.updateTrial(trial.id, { params: { depth: { value: 3, distribution: depth } }, intermediate: { 0: 0.9 } });
      await storage.updateTrial(trial.id, { intermediate: { 1: 0.7, 2: 0.6 }, userAttrs: { note: "hi" }, systemAttrs: { s: [1] } });
      const last = await storage.updateTrial(trial.id, { intermediate: { 2: 0.55 }, userAttrs: { keep: 2 } });

      expect(last.params).toEqual({ x: 0.5, depth: 3 });
      expect(last.distributions).toEqual({ x: uniform, depth });
      expect(last.intermediate).toEqual({ 0: 0.9, 1: 0.7, 2: 0.55 });
      expect(last.userAttrs).toEqual({ keep: 2, note: "hi" });
      expect(last.systemAttrs).toEqual({ s: [1] });
      expect(last.state).toBe("running");
      expect(await storage.getTrial(trial.id)).toEqual(last);
    });

    it("accepts a parameter set again to the same value, and rejects a different one", async () => {
      const study = await newStudy();
      const trial = await storage.createTrial(study.id, { state: "running", params: { x: 0.5 }, distributions: { x: uniform } });
      await storage.updateTrial(trial.id, { params: { x: { value: 0.5, distribution: uniform } } });
      const before = await storage.getTrial(trial.id);

      await expect(storage.updateTrial(trial.id, { params: { x: { value: 0.6, distribution: uniform } } })).rejects.toBeInstanceOf(
        ParamConflictError,
      );
      await expect(
        storage.updateTrial(trial.id, { params: { x: { value: 0.5, distribution: { type: "float", low: 0, high: 2 } } } }),
      ).rejects.toBeInstanceOf(ParamConflictError);
      // A rejected patch changes nothing, not even the parts of it that were fine.
      await expect(
        storage.updateTrial(trial.id, { params: { y: { value: 1, distribution: uniform }, x: { value: 0.7, distribution: uniform } }, userAttrs: { a: 1 } }),
      ).rejects.toBeInstanceOf(ParamConflictError);
      expect(await storage.getTrial(trial.id)).toEqual(before);
    });

    it("finishes a trial with its state and values", async () => {
      const study = await newStudy();
      for (const state of ["complete", "pruned", "failed"] as const) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        const values = state === "failed" ? null : [0.25];
        const finished = await storage.updateTrial(trial.id, { state, values });
        expect(finished).toMatchObject({ state, values });
        expect(finished.finishedAt).toEqual(expect.any(Number));
        expect(finished.finishedAt!).toBeGreaterThanOrEqual(trial.startedAt!);
        expect(await storage.getTrial(trial.id)).toEqual(finished);
      }
    });

    it("refuses to change a finished or waiting trial, and leaves it as it was", async () => {
      const study = await newStudy();
      const trial = await storage.createTrial(study.id, { state: "running", params: { x: 0.1 }, distributions: { x: uniform } });
      const finished = await storage.updateTrial(trial.id, { state: "complete", values: [1] });

      for (const patch of [
        { state: "failed" as const },
        { values: [2] },
        { userAttrs: { late: true } },
        { intermediate: { 5: 1 } },
        { params: { y: { value: 0.2, distribution: uniform } } },
      ]) {
        const attempt = storage.updateTrial(trial.id, patch);
        await expect(attempt).rejects.toBeInstanceOf(TrialNotRunningError);
      }
      expect(await storage.getTrial(trial.id)).toEqual(finished);
      const changes = await storage.trialsSince(study.id, finished.seq);
      expect(changes.trials).toEqual([]);
      expect(changes.seq).toBe(finished.seq);

      const waiting = await storage.createTrial(study.id, { state: "waiting" });
      await expect(storage.updateTrial(waiting.id, { state: "complete", values: [1] })).rejects.toBeInstanceOf(TrialNotRunningError);
      expect(await storage.getTrial(waiting.id)).toEqual(waiting);
    });

    it("reports an unknown trial with TrialNotFoundError", async () => {
      await expect(storage.updateTrial(424242, { state: "complete", values: [1] })).rejects.toBeInstanceOf(TrialNotFoundError);
    });

    it("lets exactly one of two racing finishers win", async () => {
      const study = await newStudy();
      const trial = await storage.createTrial(study.id, { state: "running" });
      const results = await Promise.allSettled([
        storage.updateTrial(trial.id, { state: "complete", values: [1] }),
        storage.updateTrial(trial.id, { state: "failed" }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(TrialNotRunningError);
      expect(await storage.getTrial(trial.id)).toEqual((won[0] as PromiseFulfilledResult<FrozenTrial>).value);
    });
  });

  describe("startNextTrial (optional one-trip ask)", () => {
    it("claims the oldest waiting trial, else creates one, and returns what changed before it", async (context) => {
      if (!storage.startNextTrial) context.skip("this backend has no startNextTrial");
      const study = await newStudy();
      const done = await storage.createTrial(study.id, { state: "running" });
      const waiting = await storage.createTrial(study.id, { state: "waiting", params: { x: 0.25 }, distributions: { x: uniform } });
      const finished = await storage.updateTrial(done.id, { state: "complete", values: [1] });

      const first = await storage.startNextTrial!(study.id, { systemAttrs: { worker: "w" } }, 0);
      expect(first.trial).toMatchObject({ id: waiting.id, number: 1, state: "running", params: { x: 0.25 }, systemAttrs: { worker: "w" } });
      expect(first.trial.seq).toBeGreaterThan(finished.seq);
      expect(await storage.getTrial(waiting.id)).toEqual(first.trial);
      // Changes are as of just before the claim: the finished trial, and the claimed one still waiting.
      expect(first.changes!.seq).toBe(finished.seq);
      expect(first.changes!.trials.find((t) => t.id === done.id)).toEqual(finished);
      expect(first.changes!.trials.find((t) => t.id === waiting.id)?.state ?? "waiting").toBe("waiting");

      const second = await storage.startNextTrial!(study.id, { systemAttrs: { worker: "w" } }, first.changes!.seq);
      expect(second.trial).toMatchObject({ number: 2, state: "running", systemAttrs: { worker: "w" }, params: {} });
      expect(second.trial.startedAt).toEqual(expect.any(Number));
      expect(second.changes!.trials).toEqual([first.trial]);
      expect(second.changes!.seq).toBe(first.trial.seq);
      expect(await storage.claimWaitingTrial(study.id)).toBeNull();

      // The started trial is an ordinary running trial, and the incremental read sees it.
      const told = await storage.updateTrial(second.trial.id, { state: "complete", values: [2] });
      expect((await storage.trialsSince(study.id, second.changes!.seq)).trials).toEqual([told]);
      await expect(storage.startNextTrial!(987654, {}, 0)).rejects.toThrow(/no study with id 987654/);
    });

    it("reads no changes when asked with sinceSeq null, and starts the trial all the same", async (context) => {
      if (!storage.startNextTrial) context.skip("this backend has no startNextTrial");
      const study = await newStudy();
      const other = await storage.updateTrial((await storage.createTrial(study.id, { state: "running" })).id, { state: "complete", values: [1] });
      const waiting = await storage.createTrial(study.id, { state: "waiting", params: { x: 0.25 }, distributions: { x: uniform } });

      const claimed = await storage.startNextTrial!(study.id, { systemAttrs: { worker: "w" } }, null);
      expect(claimed.changes).toBeNull();
      expect(claimed.trial).toMatchObject({ id: waiting.id, number: 1, state: "running", params: { x: 0.25 }, systemAttrs: { worker: "w" } });
      expect(await storage.getTrial(waiting.id)).toEqual(claimed.trial);
      const created = await storage.startNextTrial!(study.id, { systemAttrs: { worker: "w" } }, null);
      expect(created.changes).toBeNull();
      expect(created.trial).toMatchObject({ number: 2, state: "running", systemAttrs: { worker: "w" } });
      expect(await storage.getTrial(created.trial.id)).toEqual(created.trial);
      // What was skipped is still there for a reader that asks.
      expect((await storage.trialsSince(study.id, 0)).trials).toEqual([other, claimed.trial, created.trial]);
      await expect(storage.startNextTrial!(987654, {}, null)).rejects.toThrow(/no study with id 987654/);
    });

    it("gives concurrent callers distinct trials, none lost", async (context) => {
      if (!storage.startNextTrial) context.skip("this backend has no startNextTrial");
      const study = await newStudy();
      for (let i = 0; i < 3; i++) await storage.createTrial(study.id, { state: "waiting" });
      const started = await Promise.all(Array.from({ length: 8 }, () => storage.startNextTrial!(study.id, {}, 0)));
      expect(started.map((s) => s.trial.number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const { trials } = await storage.trialsSince(study.id, 0);
      expect(trials.map((t) => t.state)).toEqual(Array(8).fill("running"));
    });
  });

  describe("queueTrials (optional bulk queue)", () => {
    it("queues empty waiting trials numbered after the study's last, each with its own seq, claimable oldest first", async () => {
      expect(storage.queueTrials).toBeTypeOf("function");
      const study = await newStudy();
      const other = await newStudy("other");
      const first = await storage.createTrial(study.id, { state: "running" });
      await storage.createTrial(other.id, { state: "waiting" });
      await storage.queueTrials!(study.id, 1_000);
      await storage.queueTrials!(study.id, 0);

      const { trials, seq } = await storage.trialsSince(study.id, first.seq);
      expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
      expect(trials.every((t) => t.state === "waiting" && t.startedAt === null && t.values === null)).toBe(true);
      expect(trials[0]).toMatchObject({ params: {}, distributions: {}, userAttrs: {}, systemAttrs: {}, intermediate: {} });
      expect(new Set(trials.map((t) => t.seq)).size).toBe(1_000);
      expect(seq).toBe(Math.max(...trials.map((t) => t.seq)));
      // The next trial of any kind takes the next number; the other study is untouched.
      expect((await storage.createTrial(study.id, { state: "running" })).number).toBe(1_001);
      expect((await storage.trialsSince(other.id, 0)).trials).toHaveLength(1);
      expect((await storage.claimWaitingTrial(study.id))!.number).toBe(1);
      expect((await storage.listStudies()).find((s) => s.name === "study")!.trialCounts).toMatchObject({ waiting: 999, running: 3 });
    });

    it("queues nothing for a study that does not exist", async () => {
      await expect(storage.queueTrials!(987654, 3)).rejects.toThrow(/no study with id 987654/);
      const study = await newStudy();
      expect((await storage.createTrial(study.id, { state: "waiting" })).number).toBe(0);
    });
  });

  describe("insertFinishedTrial (optional: a trial copied from another storage)", () => {
    it("writes a finished trial whole, times and non-finite numbers included, with the next number and seq", async () => {
      expect(storage.insertFinishedTrial).toBeTypeOf("function");
      const study = await newStudy("study", ["minimize", "maximize"]);
      const first = await storage.createTrial(study.id, { state: "running" });
      const init = copiedTrial;
      const written = await storage.insertFinishedTrial!(study.id, init);
      expect(written).toMatchObject({ ...init, number: 1 });
      expect(written.seq).toBeGreaterThan(first.seq);
      const { trials, seq } = await storage.trialsSince(study.id, first.seq);
      expect(trials).toEqual([written]);
      expect(seq).toBe(written.seq);
      expect(await storage.getTrial(written.id)).toEqual(written);
      expect((await storage.createTrial(study.id, { state: "waiting" })).number).toBe(2);
      await expect(storage.updateTrial(written.id, { userAttrs: { late: 1 } })).rejects.toThrow(TrialNotRunningError);
      await expect(storage.insertFinishedTrial!(987654, init)).rejects.toThrow(/no study with id 987654/);
    });
  });

  describe("findTrials (optional selective read)", () => {
    /** A study with every state, tied, infinite, NaN and missing values, constraints and attributes set to null. */
    async function mixedStudy(directions: ("minimize" | "maximize")[] = ["minimize"]) {
      const study = await newStudy("mixed", directions);
      const finished: FinishedTrialInit[] = [
        [2], [1], [Infinity], [1], [-Infinity], [NaN], [3], [], [-Infinity], [0.5], [Infinity], [1e-300], [-2.5], [NaN],
      ].map((values, i) => ({
        state: i % 5 === 4 ? ("pruned" as const) : ("complete" as const),
        params: { x: i / 20 },
        distributions: { x: uniform },
        values: values.length === 0 ? [] : [...values, ...directions.slice(1).map(() => i)],
        intermediate: {},
        userAttrs: {},
        systemAttrs: (i % 3 === 0 ? { [CONSTRAINTS_ATTR]: [i - 6] } : i % 3 === 1 ? { [CONSTRAINTS_ATTR]: null, recommended: { trial: 1 } } : {}) as Record<string, JsonValue>,
        startedAt: 1_600_000_000_000,
        finishedAt: 1_600_000_001_000,
      }));
      for (const init of finished) await storage.insertFinishedTrial!(study.id, init);
      const failed = await storage.createTrial(study.id, { state: "running", systemAttrs: { constructor: 1, 'odd "name"\\ é': false } });
      await storage.updateTrial(failed.id, { state: "failed" });
      await storage.createTrial(study.id, { state: "running" });
      await storage.createTrial(study.id, { state: "waiting" });
      const pruned = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(pruned.id, { state: "pruned", values: [1] });
      return study;
    }

    it("selects, orders and limits as selectTrials does over every trial", async () => {
      expect(storage.findTrials).toBeTypeOf("function");
      for (const directions of [["minimize"], ["maximize", "minimize"]] as const) {
        await storage.deleteStudy("mixed");
        const study = await mixedStudy([...directions]);
        const all = (await storage.trialsSince(study.id, 0)).trials;
        const filters: TrialQuery[] = [
          {},
          { states: ["complete"] },
          { states: ["pruned", "failed"] },
          { states: ["waiting"] },
          { withSystemAttr: CONSTRAINTS_ATTR },
          { states: ["complete"], withSystemAttr: CONSTRAINTS_ATTR },
          { withSystemAttr: "recommended" },
          { withSystemAttr: "constructor" },
          { withSystemAttr: 'odd "name"\\ é' },
          { numbers: [1, 3, 99] },
          { numbers: [] },
        ];
        const queries: TrialQuery[] = [];
        for (const filter of filters) {
          for (const order of [undefined, "minimize", "maximize"] as const) {
            for (const reverse of [false, true]) {
              for (const limit of [undefined, 0, 1, 3]) {
                // The cursor pages through the number order only.
                for (const afterNumber of order ? [undefined] : [undefined, -1, 0, 3, 16, 17, 99]) {
                  queries.push({ ...filter, ...(order ? { order } : {}), reverse, ...(limit === undefined ? {} : { limit }), ...(afterNumber === undefined ? {} : { afterNumber }) });
                }
              }
            }
          }
        }
        // Sent together, as a server's readers would: one after another, the ~800 round trips to
        // PostgreSQL took seconds. Every answer is still checked against its own query.
        const found = await Promise.all(queries.map((query) => storage.findTrials!(study.id, query)));
        queries.forEach((query, index) => {
          expect(found[index]!.map((t) => t.number), JSON.stringify(query)).toEqual(selectTrials(all, query).map((t) => t.number));
        });
        expect(await storage.findTrials!(study.id, { numbers: [3] })).toEqual(all.filter((t) => t.number === 3));
      }
      // The reference itself, on the first objective of the minimized study: best infinity first, ties by number, NaN and [] last.
      await storage.deleteStudy("mixed");
      const study = await mixedStudy();
      const ordered = await storage.findTrials!(study.id, { states: ["complete"], order: "minimize" });
      expect(ordered.map((t) => t.number)).toEqual([8, 12, 11, 1, 3, 0, 6, 2, 10, 5, 7, 13]);
    });

    it("refuses an unknown study and a malformed query", async () => {
      await expect(storage.findTrials!(987654, {})).rejects.toThrow(/no study with id 987654/);
      const study = await newStudy();
      await expect(storage.findTrials!(study.id, { states: ["done" as "complete"] })).rejects.toThrow(/unknown state "done"/);
      await expect(storage.findTrials!(study.id, { limit: -1 })).rejects.toThrow(/limit must be a whole number/);
      await expect(storage.findTrials!(study.id, { afterNumber: 1.5 })).rejects.toThrow(/afterNumber must be a whole number/);
      await expect(storage.findTrials!(study.id, { order: "minimize", afterNumber: 3 })).rejects.toThrow(/afterNumber pages through the number order/);
      expect(await storage.findTrials!(study.id, { order: "maximize", limit: 1 })).toEqual([]);
    });

    it("takes a cursor: the trials after a number, greater ones or with reverse smaller ones, in number order", async () => {
      const study = await mixedStudy();
      const numbers = async (query: TrialQuery) => (await storage.findTrials!(study.id, query)).map((t) => t.number);
      expect(await numbers({ afterNumber: 14, limit: 2 })).toEqual([15, 16]);
      expect(await numbers({ afterNumber: 14, reverse: true, limit: 2 })).toEqual([13, 12]);
      expect(await numbers({ afterNumber: 15, states: ["pruned"] })).toEqual([17]);
      expect(await numbers({ afterNumber: 17 })).toEqual([]);
      expect(await numbers({ afterNumber: 0, reverse: true })).toEqual([]);
    });

    it("reads a study in pages with trialPages: every trial once, in order, as its page found it", async () => {
      const study = await mixedStudy();
      const all = (await storage.findTrials!(study.id, {})).map((t) => t.number);
      for (const query of [{}, { reverse: true }, { states: ["complete" as const] }, { states: ["pruned" as const, "failed" as const], reverse: true }]) {
        const pages: number[][] = [];
        for await (const page of trialPages(storage, study.id, query, { pageSize: 4 })) pages.push(page.map((t) => t.number));
        expect(pages.flat(), JSON.stringify(query)).toEqual((await storage.findTrials!(study.id, query)).map((t) => t.number));
        expect(pages.every((page) => page.length > 0 && page.length <= 4), JSON.stringify(pages)).toBe(true);
      }
      // A study that changes between two pages: a trial finished since the first page shows
      // finished in its own; a trial created after the first page is left out.
      const running = (await storage.findTrials!(study.id, { states: ["running"] }))[0]!;
      const seen: FrozenTrial[] = [];
      for await (const page of trialPages(storage, study.id, {}, { pageSize: 5 })) {
        if (seen.length === 0) {
          await storage.updateTrial(running.id, { state: "complete", values: [7] });
          await storage.createTrial(study.id, { state: "waiting" });
        }
        seen.push(...page);
      }
      expect(seen.map((t) => t.number)).toEqual(all);
      expect(seen.find((t) => t.id === running.id)).toMatchObject({ state: "complete", values: [7] });
      // A second read ends where a first one did.
      const upTo = async (query: TrialQuery & { reverse?: boolean }, lastNumber: number) => {
        const numbers: number[] = [];
        for await (const page of trialPages(storage, study.id, query, { pageSize: 4, lastNumber })) numbers.push(...page.map((t) => t.number));
        return numbers;
      };
      expect(await upTo({}, 5)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await upTo({ reverse: true }, 5)).toEqual([5, 4, 3, 2, 1, 0]);
      expect(await upTo({ states: ["pruned"] }, 9)).toEqual([4, 9]);
      expect(await upTo({}, -1)).toEqual([]);
      await expect(trialPages(storage, study.id, {}, { pageSize: 0 }).next()).rejects.toThrow(/pageSize must be a whole number/);
    });
  });

  describe("insertTrials (optional: many trials copied from another storage, in one write)", () => {
    it("writes finished and waiting trials whole, in their order, with the next numbers and a seq each", async () => {
      expect(storage.insertTrials).toBeTypeOf("function");
      const study = await newStudy("study", ["minimize", "maximize"]);
      const other = await newStudy("other");
      const first = await storage.createTrial(study.id, { state: "running" });
      await storage.createTrial(other.id, { state: "waiting" });
      // Quotes and backslashes too, which PostgreSQL's array literals escape.
      const pruned = { ...copiedTrial, userAttrs: { ...copiedTrial.userAttrs, quote: 'a "b" \\ {c}' } };
      const waiting = { state: "waiting" as const, params: { x: 0.5 }, distributions: { x: uniform }, userAttrs: { from: "colleague" }, systemAttrs: { fixedParams: { x: 0.5 } } };
      const complete = { ...pruned, state: "complete" as const, values: [1, 2], intermediate: {}, userAttrs: {}, systemAttrs: {} };
      const failed = { ...pruned, state: "failed" as const, values: null, startedAt: null, finishedAt: null };
      const written = await storage.insertTrials!(study.id, [pruned, waiting, complete, failed]);

      expect(written.map((t) => t.number)).toEqual([1, 2, 3, 4]);
      expect(written[0]).toMatchObject(pruned);
      expect(written[1]).toMatchObject({ ...waiting, values: null, intermediate: {}, startedAt: null, finishedAt: null });
      expect(written[2]).toMatchObject(complete);
      expect(written[3]).toMatchObject(failed);
      const { trials, seq } = await storage.trialsSince(study.id, first.seq);
      expect(trials).toEqual(written);
      expect(new Set(written.map((t) => t.seq)).size).toBe(4);
      expect(Math.min(...written.map((t) => t.seq))).toBeGreaterThan(first.seq);
      expect(seq).toBe(Math.max(...written.map((t) => t.seq)));
      for (const trial of written) expect(await storage.getTrial(trial.id)).toEqual(trial);
      // The waiting one is queued: claimed next; the next trial of any kind takes the next number.
      expect(await storage.claimWaitingTrial(study.id)).toMatchObject({ id: written[1]!.id, state: "running", params: { x: 0.5 } });
      expect((await storage.createTrial(study.id, { state: "waiting" })).number).toBe(5);
      await expect(storage.updateTrial(written[2]!.id, { userAttrs: { late: 1 } })).rejects.toThrow(TrialNotRunningError);
      expect(await storage.insertTrials!(study.id, [])).toEqual([]);
      expect((await storage.trialsSince(other.id, 0)).trials).toHaveLength(1);
      expect((await storage.listStudies()).find((s) => s.name === "study")!.trialCounts).toEqual({ waiting: 1, running: 2, complete: 1, pruned: 1, failed: 1 });
    });

    it("writes nothing for a study that does not exist", async () => {
      const trial = { state: "waiting" as const, params: {}, distributions: {}, userAttrs: {}, systemAttrs: {} };
      await expect(storage.insertTrials!(987654, [trial])).rejects.toThrow(/no study with id 987654/);
      await expect(storage.insertTrials!(987654, [])).rejects.toThrow(/no study with id 987654/);
      const study = await newStudy();
      expect((await storage.insertTrials!(study.id, [trial, trial]))!.map((t) => t.number)).toEqual([0, 1]);
    });
  });

  describe("finishAndStartNext and releaseTrial (optional one-trip tell and ask)", () => {
    it("finishes a trial and starts the next in one write, in seq order", async (context) => {
      if (!storage.finishAndStartNext) context.skip("this backend has no finishAndStartNext");
      const study = await newStudy();
      const first = await storage.createTrial(study.id, { state: "running" });
      const { finished, started } = await storage.finishAndStartNext!(
        first.id,
        { state: "complete", values: [0.5], params: { x: { value: 0.25, distribution: uniform } } },
        { systemAttrs: { worker: "w" } },
        0,
      );
      expect(finished).toMatchObject({ id: first.id, state: "complete", values: [0.5], params: { x: 0.25 } });
      expect(finished!.finishedAt).toEqual(expect.any(Number));
      expect(await storage.getTrial(first.id)).toEqual(finished);
      expect(started.trial).toMatchObject({ number: 1, state: "running", systemAttrs: { worker: "w" } });
      expect(started.trial.seq).toBeGreaterThan(finished!.seq);
      expect(await storage.getTrial(started.trial.id)).toEqual(started.trial);
      // Nothing is missed by a reader that goes on from the answer's seq.
      const after = await storage.trialsSince(study.id, started.changes!.seq);
      expect(after.trials).toEqual([finished, started.trial]);
    });

    it("finishes and starts without reading changes when asked with sinceSeq null", async (context) => {
      if (!storage.finishAndStartNext) context.skip("this backend has no finishAndStartNext");
      const study = await newStudy();
      const first = await storage.createTrial(study.id, { state: "running" });
      const other = await storage.createTrial(study.id, { state: "running" });
      const { finished, started } = await storage.finishAndStartNext!(first.id, { state: "complete", values: [0.5] }, { systemAttrs: { worker: "w" } }, null);
      expect(started.changes).toBeNull();
      expect(finished).toMatchObject({ id: first.id, state: "complete", values: [0.5] });
      expect(started.trial).toMatchObject({ number: 2, state: "running", systemAttrs: { worker: "w" } });
      expect(started.trial.seq).toBeGreaterThan(finished!.seq);
      expect((await storage.trialsSince(study.id, 0)).trials).toEqual([finished, other, started.trial]);
    });

    it("writes each starter's system attributes into the waiting trial it claims, also in a group commit", async (context) => {
      if (!storage.finishAndStartNext) context.skip("this backend has no finishAndStartNext");
      const study = await newStudy();
      const running = [];
      for (let i = 0; i < 4; i++) running.push(await storage.createTrial(study.id, { state: "running" }));
      for (let i = 0; i < 3; i++) await storage.createTrial(study.id, { state: "waiting", systemAttrs: { fixedParams: { x: i } } });
      const alone = await storage.finishAndStartNext!(running[0]!.id, { state: "complete", values: [0] }, { systemAttrs: { worker: "w0" } }, 0);
      expect(alone.started.trial).toMatchObject({ number: 4, systemAttrs: { fixedParams: { x: 0 }, worker: "w0" } });
      // Started together, they may go as one statement: each claimed trial still gets its own starter's worker.
      const together = await Promise.all(
        running.slice(1).map((t, i) => storage.finishAndStartNext!(t.id, { state: "complete", values: [i] }, { systemAttrs: { worker: `w${i + 1}` } }, null)),
      );
      const started = together.map((r) => r.started.trial);
      expect(started.map((t) => t.systemAttrs.worker)).toEqual(["w1", "w2", "w3"]);
      for (const trial of started) {
        if (trial.number < 7) expect(trial.systemAttrs.fixedParams).toEqual({ x: trial.number - 4 });
        expect(await storage.getTrial(trial.id)).toEqual(trial);
      }
    });

    it("releases a started trial that never got a parameter back to waiting, and nothing else", async (context) => {
      if (!storage.releaseTrial) context.skip("this backend has no releaseTrial");
      const study = await newStudy();
      const untouched = await storage.createTrial(study.id, { state: "running" });
      const used = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(used.id, { params: { x: { value: 0.5, distribution: uniform } } });
      expect(await storage.releaseTrial!(untouched.id)).toBe(true);
      expect(await storage.releaseTrial!(used.id)).toBe(false);
      expect(await storage.getTrial(untouched.id)).toMatchObject({ state: "waiting", startedAt: null });
      expect(await storage.getTrial(used.id)).toMatchObject({ state: "running" });
      // The released trial is the next one claimed, so numbers stay contiguous.
      expect(await storage.claimWaitingTrial(study.id)).toMatchObject({ id: untouched.id, number: 0, state: "running" });
    });
  });

  describe("incremental reads", () => {
    it("returns only trials changed after a sequence number", async () => {
      const study = await newStudy();
      const empty = await storage.trialsSince(study.id, 0);
      expect(empty).toEqual({ trials: [], seq: 0 });

      const t0 = await storage.createTrial(study.id, { state: "running" });
      const t1 = await storage.createTrial(study.id, { state: "running" });
      const t2 = await storage.createTrial(study.id, { state: "running" });
      const all = await storage.trialsSince(study.id, 0);
      expect(all.trials.map((t) => t.number)).toEqual([0, 1, 2]);
      expect(all.seq).toBe(t2.seq);

      const u1 = await storage.updateTrial(t1.id, { intermediate: { 0: 1 } });
      const since = await storage.trialsSince(study.id, all.seq);
      expect(since.trials).toEqual([u1]);
      expect(since.seq).toBe(u1.seq);

      // Nothing changed: nothing returned, same seq.
      expect(await storage.trialsSince(study.id, since.seq)).toEqual({ trials: [], seq: since.seq });

      // Several changes to one trial come back once; results are in number order.
      await storage.updateTrial(t2.id, { intermediate: { 0: 2 } });
      await storage.updateTrial(t0.id, { intermediate: { 0: 3 } });
      const u2 = await storage.updateTrial(t2.id, { state: "complete", values: [2] });
      const t3 = await storage.createTrial(study.id, { state: "waiting" });
      const later = await storage.trialsSince(study.id, since.seq);
      expect(later.trials.map((t) => t.number)).toEqual([0, 2, 3]);
      expect(later.trials[1]).toEqual(u2);
      expect(later.seq).toBe(t3.seq);

      // trialsSince(0) always returns everything, as it is now.
      const everything = await storage.trialsSince(study.id, 0);
      expect(everything.trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
      for (const trial of everything.trials) expect(await storage.getTrial(trial.id)).toEqual(trial);
    });

    it("stamps every write with a strictly increasing seq, per study", async () => {
      const study = await newStudy("s1");
      const other = await newStudy("s2");
      const seqs: number[] = [];
      const t = await storage.createTrial(study.id, { state: "running" });
      seqs.push(t.seq);
      await storage.createTrial(other.id, { state: "running" });
      seqs.push((await storage.updateTrial(t.id, { intermediate: { 0: 1 } })).seq);
      const w = await storage.createTrial(study.id, { state: "waiting" });
      seqs.push(w.seq);
      seqs.push((await storage.claimWaitingTrial(study.id))!.seq);
      seqs.push((await storage.updateTrial(t.id, { state: "complete", values: [0] })).seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
      expect((await storage.trialsSince(study.id, 0)).seq).toBe(seqs[seqs.length - 1]);
      // The other study's writes do not show up here.
      expect((await storage.trialsSince(other.id, 0)).trials).toHaveLength(1);
    });

    it("lets a reader catch up on everything by following seq", async () => {
      const study = await newStudy();
      const mirror = new Map<number, FrozenTrial>();
      let seq = 0;
      const sync = async () => {
        const changes = await storage.trialsSince(study.id, seq);
        for (const trial of changes.trials) mirror.set(trial.id, trial);
        seq = changes.seq;
      };
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push((await storage.createTrial(study.id, { state: "running" })).id);
        if (i % 3 === 0) await sync();
        if (i % 2 === 1) await storage.updateTrial(ids[i - 1]!, { state: "complete", values: [i] });
        if (i % 5 === 0) await sync();
      }
      await sync();
      const truth = (await storage.trialsSince(study.id, 0)).trials;
      expect([...mirror.values()].sort((a, b) => a.number - b.number)).toEqual(truth);
    });
  });

  describe("values that must survive exactly", () => {
    it("round-trips multi-objective value vectors", async () => {
      const study = await newStudy("mo", ["minimize", "maximize", "minimize"]);
      const trial = await storage.createTrial(study.id, { state: "running" });
      const values = [0.1 + 0.2, -1e-300, 123456789.123456789];
      await storage.updateTrial(trial.id, { state: "complete", values });
      expect((await storage.getTrial(trial.id))!.values).toStrictEqual(values);
      expect((await storage.trialsSince(study.id, 0)).trials[0]!.values).toStrictEqual(values);
    });

    it("round-trips categorical values of every kind and awkward floats", async () => {
      const study = await newStudy();
      const choices = ["a", "", "inf", "nan", "$sextant:number", 3, 2.5, true, false, null];
      const categorical: Distribution = { type: "categorical", choices };
      const params = {
        s: "a",
        empty: "",
        looksInfinite: "inf",
        looksNaN: "nan",
        tag: "$sextant:number",
        int: 3,
        float: 2.5,
        yes: true,
        no: false,
        nothing: null,
      };
      const distributions = Object.fromEntries(Object.keys(params).map((k) => [k, categorical]));
      const viaCreate = await storage.createTrial(study.id, { state: "running", params, distributions });
      expect((await storage.getTrial(viaCreate.id))!.params).toStrictEqual(params);
      expect((await storage.getTrial(viaCreate.id))!.distributions).toStrictEqual(distributions);

      const viaPatch = await storage.createTrial(study.id, { state: "running" });
      const patchParams = Object.fromEntries(Object.entries(params).map(([k, value]) => [k, { value, distribution: categorical }]));
      await storage.updateTrial(viaPatch.id, { params: patchParams });
      const read = await storage.getTrial(viaPatch.id);
      expect(read!.params).toStrictEqual(params);
      expect(read!.distributions).toStrictEqual(distributions);

      const floats = { tiny: 5e-324, third: 1 / 3, big: 2 ** 53 + 2, neg: -0.1 };
      const floatDistributions = Object.fromEntries(Object.keys(floats).map((k) => [k, { type: "float", low: -1e308, high: 1e308 } as const]));
      const f = await storage.createTrial(study.id, { state: "running", params: floats, distributions: floatDistributions });
      expect((await storage.getTrial(f.id))!.params).toStrictEqual(floats);
    });

    it("keeps non-finite intermediate values, values and attributes", async () => {
      const study = await newStudy();
      const trial = await storage.createTrial(study.id, { state: "running", userAttrs: { loss: NaN } });
      await storage.updateTrial(trial.id, { intermediate: { 0: 1.5, 1: Infinity, 2: -Infinity, 3: NaN } });
      await storage.updateTrial(trial.id, { systemAttrs: { bound: -Infinity, list: [Infinity, 1] } });
      await storage.updateTrial(trial.id, { state: "failed", values: [NaN, Infinity, -Infinity, 0] });
      for (const read of [await storage.getTrial(trial.id), (await storage.trialsSince(study.id, 0)).trials[0]]) {
        expect(read!.intermediate).toStrictEqual({ 0: 1.5, 1: Infinity, 2: -Infinity, 3: NaN });
        expect(read!.values).toStrictEqual([NaN, Infinity, -Infinity, 0]);
        expect(read!.userAttrs).toStrictEqual({ loss: NaN });
        expect(read!.systemAttrs).toStrictEqual({ bound: -Infinity, list: [Infinity, 1] });
      }
      const categorical: Distribution = { type: "categorical", choices: [Infinity, -Infinity, 1] };
      const odd = await storage.createTrial(study.id, { state: "running", params: { c: -Infinity }, distributions: { c: categorical } });
      expect(await storage.getTrial(odd.id)).toEqual(odd);
      expect((await storage.getTrial(odd.id))!.params.c).toBe(-Infinity);
    });

    it("reads back a user's object shaped like the storage's tag for Infinity as that object", async () => {
      // {"$sextant:number": "inf"} came back from SQLite and PostgreSQL as Infinity.
      const study = await newStudy();
      const shaped: Record<string, JsonValue> = {
        a: { $sextant: 1, "$sextant:number": "inf" },
        b: { "$sextant:number": "inf" },
        c: [{ $$$$sextant: 1 }, { "$$sextant:number": "-inf" }, { "$sextant:number": { "$sextant:number": "nan" } }],
        d: { "$sextant:number": Infinity },
        e: NaN,
      };
      const trial = await storage.createTrial(study.id, { state: "running", userAttrs: shaped, systemAttrs: { note: { "$sextant:number": "nan" } } });
      await storage.updateTrial(trial.id, { userAttrs: { later: { "$$$sextant:number": "x" } } });
      for (const read of [await storage.getTrial(trial.id), (await storage.trialsSince(study.id, 0)).trials[0]]) {
        expect(read!.userAttrs).toStrictEqual({ ...shaped, later: { "$$$sextant:number": "x" } });
        expect(read!.systemAttrs).toStrictEqual({ note: { "$sextant:number": "nan" } });
      }
    });
  });

  describe("heartbeats", () => {
    /** Waits until the storage's clock has certainly moved past `ms` since `start` (local clock, same machine). */
    async function waitPast(start: number, ms: number) {
      while (Date.now() - start <= ms) await new Promise((resolve) => setTimeout(resolve, ms - (Date.now() - start) + 5));
    }

    it("reports running trials whose start is older than the grace period, and nothing else", async () => {
      const study = await newStudy();
      const other = await newStudy("other");
      const running = await storage.createTrial(study.id, { state: "running" });
      const waiting = await storage.createTrial(study.id, { state: "waiting" });
      const finished = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(finished.id, { state: "complete", values: [1] });
      await storage.createTrial(other.id, { state: "running" });
      // Timed from the last write's return, not from before the first: under load the writes
      // between can take longer than the grace period, and the running trial would still be young.
      const start = Date.now();

      expect(await storage.staleTrials(study.id, 60_000)).toEqual([]);
      await waitPast(start, 50);
      const stale = await storage.staleTrials(study.id, 20);
      expect(stale).toEqual([await storage.getTrial(running.id)]);
      expect(stale.map((t) => t.id)).not.toContain(waiting.id);
    });

    it("counts a beat as alive, without bumping seq, and ignores trials that are not running", async () => {
      const study = await newStudy();
      const beating = await storage.createTrial(study.id, { state: "running" });
      const silent = await storage.createTrial(study.id, { state: "running" });
      const done = await storage.createTrial(study.id, { state: "running" });
      const finished = await storage.updateTrial(done.id, { state: "pruned" });
      const waiting = await storage.createTrial(study.id, { state: "waiting" });
      // From the last write's return: timed from before the first, a slow write under load (CI saw
      // it on PostgreSQL) left the silent trial younger than the grace period and not yet stale.
      const start = Date.now();
      const grace = 500;
      await waitPast(start, grace + 50);

      const { seq } = await storage.trialsSince(study.id, 0);
      const beatAt = Date.now();
      await storage.recordHeartbeat([beating.id, done.id, waiting.id, 987654]);
      const stale = await storage.staleTrials(study.id, grace);
      // Only meaningful if the check ran within the grace period of the beat (always, unless the machine stalls for half a second:
      // on the loaded 2-core CI machine the beat and the check took well under 0.2 s together).
      if (Date.now() - beatAt < grace) expect(stale.map((t) => t.id)).toEqual([silent.id]);
      expect(stale.map((t) => t.id)).toContain(silent.id);

      expect(await storage.trialsSince(study.id, seq)).toEqual({ trials: [], seq });
      expect(await storage.getTrial(done.id)).toEqual(finished);
      // A beat on a waiting trial does not start it.
      expect(await storage.getTrial(waiting.id)).toMatchObject({ state: "waiting", startedAt: null });
      await storage.recordHeartbeat([]);
    });

    it("says how long a running trial has been silent, from its start until it beats, and null for any other", async () => {
      // Optional in the interface; every storage here has it.
      const silenceOf = (id: number) => storage.heartbeatSilenceMs!(id);
      const study = await newStudy();
      const running = await storage.createTrial(study.id, { state: "running" });
      const waiting = await storage.createTrial(study.id, { state: "waiting" });
      const done = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(done.id, { state: "failed" });
      const start = Date.now();
      await waitPast(start, 300);
      // Silent since its start: at least the 300 ms waited (minus a clock-reading's rounding).
      expect(await silenceOf(running.id)).toBeGreaterThanOrEqual(290);
      await storage.recordHeartbeat([running.id]);
      const afterBeat = Date.now();
      const silence = await silenceOf(running.id);
      expect(silence).toBeGreaterThanOrEqual(0);
      // The beat reset it (unless the machine stalled between the two reads).
      if (Date.now() - afterBeat < 250) expect(silence).toBeLessThan(290);
      expect(await silenceOf(waiting.id)).toBeNull();
      expect(await silenceOf(done.id)).toBeNull();
      expect(await silenceOf(987654)).toBeNull();
    });

    it("counts a claimed trial from its claim, not its creation", async () => {
      // Half a second: long enough for a claim and a read on a loaded machine (the guarded check
      // below), short enough that the two waits do not cost each backend two seconds.
      const grace = 500;
      const study = await newStudy();
      const start = Date.now();
      await storage.createTrial(study.id, { state: "waiting" });
      await waitPast(start, grace + 50);
      const claimStarted = Date.now();
      const claimed = await storage.claimWaitingTrial(study.id);
      // The claim's own clock reading lies somewhere between these two: under load a round trip can
      // take longer than the 50 ms of slack below, so wait from the later one.
      const claimReturned = Date.now();
      const stale = await storage.staleTrials(study.id, grace);
      if (Date.now() - claimStarted < grace) expect(stale).toEqual([]);
      await waitPast(claimReturned, grace + 50);
      expect((await storage.staleTrials(study.id, grace)).map((t) => t.id)).toEqual([claimed!.id]);
    });

    it("lets a reaper fail a stale trial by compare-and-set, and never a finished one", async () => {
      const study = await newStudy();
      const lost = await storage.createTrial(study.id, { state: "running" });
      const finishing = await storage.createTrial(study.id, { state: "running" });
      // Timed from the second creation's return: under load it can land well after the first.
      await waitPast(Date.now(), 30);
      const stale = await storage.staleTrials(study.id, 10);
      expect(stale.map((t) => t.id)).toEqual([lost.id, finishing.id]);
      // The second worker finishes between the reaper's read and its write: its result stands.
      const result = await storage.updateTrial(finishing.id, { state: "complete", values: [0.5] });
      const reaped = await Promise.allSettled(stale.map((t) => storage.updateTrial(t.id, { state: "failed" })));
      expect(reaped[0]).toMatchObject({ status: "fulfilled", value: { id: lost.id, state: "failed" } });
      expect(reaped[1]).toMatchObject({ status: "rejected", reason: expect.any(TrialNotRunningError) });
      expect(await storage.getTrial(finishing.id)).toEqual(result);
      expect(await storage.staleTrials(study.id, 0)).toEqual([]);
      // A late beat from the reaped trial's worker cannot bring it back.
      await storage.recordHeartbeat([lost.id]);
      expect(await storage.getTrial(lost.id)).toMatchObject({ state: "failed" });
    });

    it("rejects a bad grace period or trial id, naming the field", async () => {
      const study = await newStudy();
      for (const grace of [-1, NaN, Infinity]) {
        await expect(storage.staleTrials(study.id, grace)).rejects.toThrow(/graceMs must be a finite number/);
      }
      await expect(storage.recordHeartbeat([1.5])).rejects.toThrow(/trialIds must hold integer trial ids/);
    });
  });

  describe("concurrency within one process", () => {
    it("gives 50 concurrent createTrial calls distinct numbers 0..49", async () => {
      const study = await newStudy();
      const trials = await Promise.all(Array.from({ length: 50 }, () => storage.createTrial(study.id, { state: "running" })));
      expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(new Set(trials.map((t) => t.id)).size).toBe(50);
      expect(new Set(trials.map((t) => t.seq)).size).toBe(50);
    });

    it("loses no update when many trials finish at once", async () => {
      const study = await newStudy();
      const trials = await Promise.all(Array.from({ length: 30 }, () => storage.createTrial(study.id, { state: "running" })));
      await Promise.all(
        trials.map((t) =>
          storage
            .updateTrial(t.id, { params: { x: { value: t.number / 100, distribution: uniform } } })
            .then(() => storage.updateTrial(t.id, { state: "complete", values: [t.number] })),
        ),
      );
      const all = (await storage.trialsSince(study.id, 0)).trials;
      expect(all).toHaveLength(30);
      for (const t of all) expect(t).toMatchObject({ state: "complete", values: [t.number], params: { x: t.number / 100 } });
    });
  });
});
