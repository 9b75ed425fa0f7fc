/**
 * Two processes (two `sextant serve` servers, two `sextant online create` calls) creating one
 * online tuner at the same moment, and then using it by its name, on every backend: each process
 * has its own connection to the same memory store, SQLite file or PostgreSQL database.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readingEarly, twoConnectionBackends } from "../../test/fixtures/two-connections.js";
import { type Storage } from "../storage/index.js";
import { OnlineTunerError, OnlineTunerOrderError, type OnlineTunerOptions, OnlineTunerStaleRoundError, createOnlineTuner, loadOnlineTuner } from "./tuner.js";

const backends = await twoConnectionBackends("online-race");

/**
 * `storage`, except that each `createStudy` first runs `before`: the caller has already read
 * that no study of the name exists, and `before` plays the other process winning the race.
 */
function createsAfter(storage: Storage, before: () => Promise<unknown>): Storage {
  return new Proxy(storage, {
    get(target, key) {
      if (key === "createStudy") {
        return async (...args: Parameters<Storage["createStudy"]>) => {
          await before();
          return target.createStudy(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const settings = { parameter: { low: 1, high: 1.9, arms: 10 }, algorithm: "exp3", seed: 5, costScale: 100 } satisfies Partial<OnlineTunerOptions>;

describe.each(backends)("two processes creating one online tuner at once: $name", (backend) => {
  let first: Storage;
  let second: Storage;
  beforeEach(async (context) => {
    if (backend.skip) context.skip(backend.skip);
    [first, second] = await backend.connections();
  });
  afterEach(async () => {
    await first?.close();
    if (second !== first) await second?.close();
  });

  it("the one whose insert comes second gets the tuner the first created, not a duplicate-name error", async () => {
    let winner: Awaited<ReturnType<typeof createOnlineTuner>> | null = null;
    const racing = createsAfter(second, async () => {
      winner = await createOnlineTuner({ ...settings, storage: first, name: "omega" });
    });
    const loser = await createOnlineTuner({ ...settings, storage: racing, name: "omega" });
    expect(winner).not.toBeNull();
    expect(loser.toJSON()).toEqual(winner!.toJSON());
    // Both read "absent"; only the one whose insert landed created it.
    expect([winner!.created, loser.created]).toEqual([true, false]);

    // Both now drive one tuner: a choice made through one is waiting for its cost in the other.
    const value = await winner!.choose();
    const resumed = await createOnlineTuner({ ...settings, storage: second, name: "omega" });
    expect(resumed.pendingValue).toBe(value);
  });

  it("the same race with a random seed on each side resumes the first's tuner and seed", async () => {
    const { seed: _seed, ...unseeded } = settings;
    let winnerSeed: number | null = null;
    const racing = createsAfter(second, async () => {
      winnerSeed = (await createOnlineTuner({ ...unseeded, storage: first, name: "omega" })).toJSON().seed;
    });
    const loser = await createOnlineTuner({ ...unseeded, storage: racing, name: "omega" });
    expect(loser.toJSON().seed).toBe(winnerSeed);
  });

  it("losing the race with other settings is refused as the non-racing create refuses them", async () => {
    const racing = createsAfter(second, () => createOnlineTuner({ ...settings, storage: first, name: "omega" }));
    await expect(createOnlineTuner({ ...settings, costScale: 200, storage: racing, name: "omega" })).rejects.toThrow(
      /online tuner "omega" exists with other settings \(costScale 100, not 200\)/,
    );
    const plain = createsAfter(second, () => first.createStudy("plain", ["minimize"]));
    await expect(createOnlineTuner({ ...settings, storage: plain, name: "plain" })).rejects.toThrow(/study "plain" is not an online tuner/);
  });

  it("says whether the call created the tuner: on the creating call only, not on resume or load", async () => {
    const made = await createOnlineTuner({ ...settings, storage: first, name: "omega" });
    expect(made.created).toBe(true);
    expect((await createOnlineTuner({ ...settings, storage: second, name: "omega" })).created).toBe(false);
    const { seed: _seed, ...unseeded } = settings;
    expect((await createOnlineTuner({ ...unseeded, storage: first, name: "omega" })).created).toBe(false);
    expect((await loadOnlineTuner({ storage: second, name: "omega" })).created).toBe(false);
  });

  it("creates run side by side with the same settings all succeed with one tuner", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `tuner-${i}`);
    const tuners = await Promise.all(
      names.flatMap((name) => [createOnlineTuner({ ...settings, storage: first, name }), createOnlineTuner({ ...settings, storage: second, name })]),
    );
    for (let i = 0; i < names.length; i++) {
      expect(tuners[2 * i]!.toJSON()).toEqual(tuners[2 * i + 1]!.toJSON());
      expect([tuners[2 * i]!.created, tuners[2 * i + 1]!.created].sort()).toEqual([false, true]);
    }
    expect((await first.listStudies()).map((s) => s.name).sort()).toEqual([...names].sort());
  });

  it("taking turns, each tuner object goes on from the rounds the other observed, as one tuner would", async () => {
    const costOf = (value: number) => 100 * Math.abs(value - 1.6);
    const reference = await createOnlineTuner(settings);
    const expected: number[] = [];
    for (let t = 0; t < 12; t++) {
      expected.push(await reference.choose());
      await reference.observe(costOf(expected[t]!));
    }

    const a = await createOnlineTuner({ ...settings, storage: first, name: "omega" });
    const b = await createOnlineTuner({ ...settings, storage: second, name: "omega" });
    const got: number[] = [];
    for (let t = 0; t < 12; t++) {
      const tuner = t % 2 === 0 ? a : b;
      got.push(await tuner.choose());
      await tuner.observe(costOf(got[t]!));
    }
    // Each used to go on from its own copy: the choices of two interleaved tuners, and every save
    // overwrote the other's rounds.
    expect(got).toEqual(expected);
    expect((await loadOnlineTuner({ storage: first, name: "omega" })).rounds).toBe(12);
  });

  it("a choice made through one tuner object is the other's to observe, once", async () => {
    const a = await createOnlineTuner({ ...settings, storage: first, name: "omega" });
    const b = await createOnlineTuner({ ...settings, storage: second, name: "omega" });
    const value = await a.choose();
    expect(await b.choose()).toBe(value);
    await b.observe(50);
    await expect(a.observe(50)).rejects.toBeInstanceOf(OnlineTunerOrderError);
    expect((await loadOnlineTuner({ storage: first, name: "omega" })).rounds).toBe(1);
  });

  it("a cost given with its choice's round is refused once the other process observed that choice and chose again", async () => {
    const a = await createOnlineTuner({ ...settings, storage: first, name: "omega" });
    const b = await createOnlineTuner({ ...settings, storage: second, name: "omega" });
    const value = await a.choose();
    expect([await b.choose(), b.rounds]).toEqual([value, 0]);
    await a.observe(10, { round: 0 });
    const next = await a.choose();
    expect(next).not.toBe(value);
    const reference = await createOnlineTuner(settings);
    await reference.choose();
    await reference.observe(10);
    await reference.choose();
    // Without the round, b's cost for the first value counts for a's second choice (of another
    // value here), and a's own cost for it then finds nothing waiting.
    const late = await b.observe(90, { round: 0 }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(OnlineTunerStaleRoundError);
    expect([(late as OnlineTunerStaleRoundError).field, (late as OnlineTunerStaleRoundError).round, (late as OnlineTunerStaleRoundError).rounds]).toEqual(["round", 0, 1]);
    expect((await loadOnlineTuner({ storage: first, name: "omega" })).toJSON()).toEqual(reference.toJSON());
    await expect(b.observe(90, { round: 2 })).rejects.toThrow(/^round 2 has not been chosen: the tuner has 1 cost\(s\) observed, so the choice waiting is of round 1$/);
    await expect(b.observe(90, { round: -1 })).rejects.toBeInstanceOf(OnlineTunerError);
    await expect(b.observe(90, { rund: 0 } as never)).rejects.toThrow(/^observe: unknown option "rund" \(did you mean "round"\?\)/);
    expect(await a.observe(20, { round: 1 })).toEqual({ loss: 0.2, clipped: false });
    expect([next, (await loadOnlineTuner({ storage: first, name: "omega" })).rounds]).toEqual([reference.pendingValue, 2]);
  });

  it("two processes observing one choice at the same moment: one cost counts, the other is told nothing is waiting", async () => {
    const a = await createOnlineTuner({ ...settings, storage: first, name: "omega" });
    const hold: { promise: Promise<unknown> | null } = { promise: null };
    const b = await loadOnlineTuner({ storage: readingEarly(second, hold), name: "omega" });
    await a.choose();
    const reference = await createOnlineTuner(settings);
    await reference.choose();
    await reference.observe(30);
    // b reads the state (a choice waiting) before a's observe is stored, and goes on after it.
    let release!: () => void;
    hold.promise = new Promise<void>((resolve) => (release = resolve));
    const late = b.observe(70);
    await a.observe(30);
    release();
    await expect(late).rejects.toBeInstanceOf(OnlineTunerOrderError);
    hold.promise = null;
    // b's save from the state it read overwrote a's round: a's cost was lost, and b's counted for a choice already observed.
    expect((await loadOnlineTuner({ storage: first, name: "omega" })).toJSON()).toEqual(reference.toJSON());
  });

  it("two processes choosing for different contexts at the same moment: the second is told a choice waits for another context", async () => {
    const contextual = { ...settings, algorithm: "chebcb", context: { low: [0], high: [1] } } satisfies Partial<OnlineTunerOptions>;
    const a = await createOnlineTuner({ ...contextual, storage: first, name: "omega" });
    const hold: { promise: Promise<unknown> | null } = { promise: null };
    const b = await loadOnlineTuner({ storage: readingEarly(second, hold), name: "omega" });
    let release!: () => void;
    hold.promise = new Promise<void>((resolve) => (release = resolve));
    const late = b.choose([1]);
    await a.choose([0]);
    release();
    await expect(late).rejects.toBeInstanceOf(OnlineTunerOrderError);
    hold.promise = null;
    // The waiting choice is still a's, for a's context.
    expect((await loadOnlineTuner({ storage: first, name: "omega" })).toJSON().state.pending?.features).toEqual(a.toJSON().state.pending?.features);
  });
});
