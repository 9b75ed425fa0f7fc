/** Details of optimize's loop: stop conditions under concurrency, stop() across calls, odd throws, heartbeat options. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { RandomSampler } from "../samplers/index.js";
import { type FrozenTrial } from "../space/index.js";
import { MemoryStorage, type Storage } from "../storage/index.js";
import { type Study, TrialPruned, createStudy, currentWorker } from "./index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type StopAfter = NonNullable<NonNullable<Parameters<Study["optimize"]>[1]>["stopAfter"]>;
type Verdict = "go" | "stop" | "wait";
/** The check optimize makes of stopAfter before each trial (private to Study). */
type StopAfterCheck = { stopAfterVerdict(stopAfter: StopAfter): Verdict };

/**
 * The verdict of `stopAfter` on a one-objective study (minimized, without constraints) at a check
 * made while no trial of this process runs, counted from scratch over the whole study: trials
 * finished (a failed one queued again counts through its retry), complete ones, the trials other
 * workers run, and the complete trials, in the order they finished, since the last better value.
 */
function verdictFromScratch(study: Study, stopAfter: StopAfter): Verdict {
  const { trials, finished } = study.snapshot();
  const retried = new Set(trials.map((t) => t.systemAttrs.retryOf));
  const counted = finished.filter((t) => t.state !== "failed" || !retried.has(t.number)).length;
  const complete = finished.filter((t) => t.state === "complete");
  const self = currentWorker().id;
  const elsewhere = trials.filter((t) => t.state === "running" && (t.systemAttrs.worker as { id?: unknown } | undefined)?.id !== self).length;
  let best = Infinity;
  let sinceImprovement = 0;
  for (const trial of complete) {
    sinceImprovement = trial.values![0]! < best ? 0 : sinceImprovement + 1;
    best = Math.min(best, trial.values![0]!);
  }
  if (stopAfter.trialsWithoutImprovement !== undefined && complete.length > 0 && sinceImprovement >= stopAfter.trialsWithoutImprovement) return "stop";
  const reached = (beside: number): boolean =>
    (stopAfter.totalTrials !== undefined && counted + beside >= stopAfter.totalTrials) || (stopAfter.completeTrials !== undefined && complete.length + beside >= stopAfter.completeTrials);
  return reached(0) ? "stop" : reached(elsewhere) ? "wait" : "go";
}

/** `storage`, handing out copies of its trials that call `onRead` each time their state is read. */
function countingStateReads(storage: Storage, onRead: () => void): Storage {
  const counted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(counted);
    if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return value;
    const copy = Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, counted(inner)]));
    if (typeof copy.number === "number" && typeof copy.state === "string") {
      const state = copy.state;
      Object.defineProperty(copy, "state", { enumerable: true, get: () => (onRead(), state) });
    }
    return copy;
  };
  return new Proxy(storage, {
    get(target, key) {
      const member: unknown = Reflect.get(target, key, target);
      if (typeof member !== "function") return member;
      return (...args: unknown[]) => {
        const result: unknown = member.apply(target, args);
        return result instanceof Promise ? result.then(counted) : counted(result);
      };
    },
  });
}

describe("optimize", () => {
  it("counts timeoutSeconds on the clock it is given, and refuses a clock that is not a function", async () => {
    // The clock moves only as trials run, as `sextant tune`'s stands still while Ctrl-Z has it paused.
    let now = 0;
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (t) => {
        now += 1000;
        return t.suggestFloat("x", 0, 1);
      },
      { timeoutSeconds: 2.5, clock: () => now, concurrency: 1 },
    );
    expect(study.trials).toHaveLength(3);
    await expect(study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1, clock: 5 as unknown as () => number })).rejects.toThrow(
      "optimize: clock must be a function () => milliseconds, got number 5",
    );
  });

  it("counts timeoutSeconds from when trials can run: a slow set-up on SQLite does not use it up, a fixed deadline still binds", async () => {
    const folder = mkdtempSync(join(tmpdir(), "sextant-timeout-"));
    try {
      // The set-up (recovering abandoned trials, starting the heartbeat thread) takes 10 s on this
      // clock, as a real one takes 0.2–0.75 s of a timeout of 0.3 s; each trial takes 1 s.
      let now = 0;
      const study = await createStudy({ name: "s", storage: `sqlite:${join(folder, "s.db")}`, sampler: new RandomSampler({ seed: 1 }) });
      const recover = study.recoverAbandonedTrials.bind(study);
      vi.spyOn(study, "recoverAbandonedTrials").mockImplementation(async (maxRetries) => {
        now += 10_000;
        return recover(maxRetries);
      });
      const objective = (t: Parameters<Parameters<Study["optimize"]>[0]>[0]) => {
        now += 1000;
        return t.suggestFloat("x", 0, 1);
      };
      await study.optimize(objective, { timeoutSeconds: 2.5, clock: () => now });
      expect(study.trials).toHaveLength(3);
      // A deadline fixed beforehand (a worker's stored one) is not pushed back by the set-up.
      await study.optimize(objective, { deadline: now + 5000, clock: () => now });
      expect(study.trials).toHaveLength(3);
      await study.optimize(objective, { deadline: now + 15_000, timeoutSeconds: 1.5, clock: () => now });
      expect(study.trials).toHaveLength(5);
      await expect(study.optimize(objective, { deadline: "soon" as unknown as number })).rejects.toThrow('optimize: deadline must be a number of milliseconds on the clock, got the string "soon"');
      await study.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  describe("lets timers and signal handlers run while a synchronous objective runs", () => {
    // An objective that suggests nothing and returns at once left optimize's loop on microtasks
    // alone (nothing else made the event loop turn): a Ctrl-C or SIGTERM handler, a timer calling
    // stop(), a progress timer ran only after the last trial. Each budget below is one the loop
    // would otherwise run to its end; none is near what a stop leaves it at.
    const BUDGET = 50_000;

    for (const concurrency of [1, 3]) {
      it(`stops on a signal whose handler calls stop(), with concurrency ${concurrency}`, async () => {
        const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
        const stop = (): void => study.stop();
        process.once("SIGUSR2", stop);
        try {
          await study.optimize(
            (t) => {
              if (t.number === 0) process.kill(process.pid, "SIGUSR2");
              return 1;
            },
            { nTrials: BUDGET, concurrency },
          );
        } finally {
          process.off("SIGUSR2", stop);
        }
        expect(study.trials.length).toBeLessThan(BUDGET);
        expect(study.trials.every((t) => t.state === "complete")).toBe(true);
      });
    }

    it("stops on a timer, and a timed run ends on its timeoutSeconds", async () => {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
      await study.optimize(
        (t) => {
          if (t.number === 0) setTimeout(() => study.stop(), 0);
          return 1;
        },
        { nTrials: BUDGET },
      );
      expect(study.trials.length).toBeLessThan(BUDGET);
      // Read off the clock before each trial, not by a timer: without nTrials this ends only on it.
      const before = study.trials.length;
      await study.optimize(() => 1, { timeoutSeconds: 0.1 });
      expect(study.trials.length).toBeGreaterThan(before);
    });

    it("in an ask/tell loop too", async () => {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
      let stopped = false;
      setTimeout(() => (stopped = true), 0);
      let told = 0;
      while (!stopped && told < BUDGET) {
        await study.tell(await study.ask(), 1);
        told++;
      }
      expect(told).toBeLessThan(BUDGET);
    });
  });

  it("stops at stopAfter's total with several lanes, counting the trials they run", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      async (t) => {
        await sleep(20);
        return t.suggestFloat("x", 0, 1);
      },
      { concurrency: 4, stopAfter: { totalTrials: 5 } },
    );
    // Each lane started one more as the total neared: 8 trials for 5.
    expect(study.trials).toHaveLength(5);
  });

  it.each(["memory", "sqlite"])("counts other lanes' asks still on their way against stopAfter (%s)", async (kind) => {
    const folder = mkdtempSync(join(tmpdir(), "sextant-stopafter-"));
    try {
      const objective = async (t: { suggestFloat: (n: string, l: number, h: number) => number }) => {
        await sleep(10);
        return t.suggestFloat("x", 0, 1);
      };
      const cases: [NonNullable<Parameters<Study["optimize"]>[1]>, number][] = [
        [{ concurrency: 6, stopAfter: { totalTrials: 2 } }, 2],
        [{ concurrency: 6, stopAfter: { completeTrials: 2 } }, 2],
        [{ concurrency: 8, stopAfter: { totalTrials: 5 } }, 5],
      ];
      for (const [i, [options, expected]] of cases.entries()) {
        const storage = kind === "memory" ? undefined : `sqlite:${join(folder, `s${i}.db`)}`;
        const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
        try {
          await study.optimize(objective, options);
          // Every lane passed the check while the others were still asking: 6, 6 and 8 trials.
          expect(study.trials).toHaveLength(expected);
        } finally {
          await study.close();
        }
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("stops at stopAfter's complete trials with several lanes, and runs on for those that did not complete", async () => {
    const every = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const slow = async (t: { suggestFloat: (n: string, l: number, h: number) => number }) => {
      await sleep(20);
      return t.suggestFloat("x", 0, 1);
    };
    await every.optimize(slow, { concurrency: 4, stopAfter: { completeTrials: 10 } });
    // 13 trials, all complete, for 10: running trials were not counted.
    expect(every.trials.filter((t) => t.state === "complete")).toHaveLength(10);
    expect(every.trials).toHaveLength(10);
    // A running trial that fails frees its place: the study still ends with 10 complete.
    const some = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await some.optimize(
      async (t) => {
        const x = await slow(t);
        if (t.number % 3 === 0) throw new Error("diverged");
        return x;
      },
      { concurrency: 4, stopAfter: { completeTrials: 10 } },
    );
    expect(some.trials.filter((t) => t.state === "complete")).toHaveLength(10);
  });


  it("counts other workers' running trials against stopAfter's total, and runs the retry of one whose worker died", async () => {
    // Several `sextant worker`s on a study made by `sextant tune` (its budget is stopAfter.totalTrials):
    // each counted only its own running trials, and 4 workers of 3 jobs ran 29 trials for 20.
    const folder = mkdtempSync(join(tmpdir(), "sextant-stopafter-others-"));
    const study = await createStudy({ name: "fleet", storage: `sqlite:${join(folder, "s.db")}`, sampler: new RandomSampler({ seed: 1 }), onWarning: () => undefined });
    try {
      const heartbeat = { intervalSeconds: 0.1, graceSeconds: 0.5 };
      const otherWorker = { id: "another-process", host: "another-machine", pid: 4242, bootId: null, pidNamespace: null, startTime: null };
      // Live: finished by its worker while this one runs. Dead: its worker never beats, so it is reaped and retried.
      const live = await study.storage.createTrial(study.id, { state: "running", systemAttrs: { worker: otherWorker, heartbeat } });
      await study.storage.createTrial(study.id, { state: "running", systemAttrs: { worker: otherWorker, heartbeat } });
      const beats = setInterval(() => void study.storage.recordHeartbeat([live.id]), 50);
      setTimeout(() => void study.storage.updateTrial(live.id, { state: "complete", values: [0.5] }).finally(() => clearInterval(beats)), 200);
      await study.optimize(
        async (t) => {
          await sleep(20);
          return t.suggestFloat("x", 0, 1);
        },
        { concurrency: 3, stopAfter: { totalTrials: 4 }, heartbeat },
      );
      await study.refresh();
      const states = study.trials.map((t) => [t.number, t.state, t.systemAttrs.retryOf ?? null]);
      // 2 trials here beside the 2 running elsewhere, and the dead one's retry: 4, and none left running.
      // Whether the retry or this worker's second trial got number 2 depends on when the dead one is reaped.
      expect(states.slice(0, 2)).toEqual([
        [0, "complete", null],
        [1, "failed", null],
      ]);
      expect(states.slice(2).map(([number, state]) => [number, state])).toEqual([
        [2, "complete"],
        [3, "complete"],
        [4, "complete"],
      ]);
      expect(states.slice(2).map(([, , retryOf]) => retryOf).sort()).toEqual([1, null, null]);
    } finally {
      await study.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("gives at every check of stopAfter the verdict counted from scratch, as other workers' trials start, finish and are retried in any order", async () => {
    // The check before each trial keeps its counts as the study's trials change rather than counting
    // the whole study each time: at every check, each budget must get the verdict counted afresh.
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const storage = study.storage;
    const worker = { id: "another-process", host: "another-machine", pid: 4242, bootId: null, pidNamespace: null, startTime: null };
    const runningElsewhere = (retryOf?: number) => storage.createTrial(study.id, { state: "running", systemAttrs: { worker, ...(retryOf === undefined ? {} : { retryOf }) } });
    const complete = (trial: FrozenTrial, value: number) => storage.updateTrial(trial.id, { state: "complete", values: [value] });
    const end = (trial: FrozenTrial, state: "failed" | "pruned") => storage.updateTrial(trial.id, { state });
    const check = study as unknown as StopAfterCheck;
    const verdictOf = check.stopAfterVerdict.bind(study);
    const got: string[] = [];
    const expected: string[] = [];
    let checks = 0;
    vi.spyOn(check, "stopAfterVerdict").mockImplementation((stopAfter) => {
      checks++;
      const most = study.trials.length + 2;
      for (let n = 0; n <= most; n++) {
        for (const budget of [{ totalTrials: n }, { completeTrials: n }, { trialsWithoutImprovement: n }]) {
          got.push(`check ${checks}, ${JSON.stringify(budget)}: ${verdictOf(budget)}`);
          expected.push(`check ${checks}, ${JSON.stringify(budget)}: ${verdictFromScratch(study, budget)}`);
        }
      }
      return verdictOf(stopAfter);
    });
    // Before the first check: the later of two trials elsewhere finishes first.
    const a = await runningElsewhere();
    await complete(await runningElsewhere(), 5);
    let c: FrozenTrial, d: FrozenTrial, g: FrozenTrial, h: FrozenTrial, r: FrozenTrial;
    const ownNumbers: number[] = [];
    // What the other worker does while this one runs its trials, and what each of this one's trials gives.
    const steps: [() => Promise<unknown>, number | "fail" | "prune"][] = [
      [async () => ((c = await runningElsewhere()), await end(a, "failed")), 2],
      // a counts through its retry from now on; c turns from running to complete.
      [async () => ((r = await runningElsewhere(a.number)), await complete(c, 3)), "fail"],
      // A retry of a complete trial changes no count.
      [async () => (d = await runningElsewhere(c.number)), 4],
      // A retry of this worker's failed trial, queued: this worker's next ask takes it.
      [() => storage.createTrial(study.id, { state: "waiting", systemAttrs: { retryOf: ownNumbers[1]! } }), "prune"],
      [async () => (await end(d, "pruned"), await complete(r, 1)), 0.8],
      // A retry read before the failure it retries.
      [async () => ((g = await runningElsewhere()), (h = await runningElsewhere(g.number))), 1],
      [() => end(g, "failed"), 0.2],
      // A retry that stops saying which trial it retries: g counts again.
      [() => storage.updateTrial(h.id, { systemAttrs: { retryOf: null } }), 7],
      [() => complete(h, 0.5), 0.1],
      [async () => undefined, 6],
    ];
    let step = 0;
    const objective = async (trial: Parameters<Parameters<Study["optimize"]>[0]>[0]): Promise<number> => {
      const [move, result] = steps[step]!;
      ownNumbers[step++] = trial.number;
      trial.suggestFloat("x", 0, 1);
      await move();
      if (result === "fail") throw new Error("diverged");
      if (result === "prune") throw new TrialPruned();
      return result;
    };
    await study.optimize(objective, { nTrials: 6, stopAfter: { totalTrials: 1000 } });
    // Between two calls, with no check: trials elsewhere start, finish, fail after their retry is read.
    const i = await runningElsewhere();
    const j = await runningElsewhere();
    await complete(i, 0.05);
    const k = await runningElsewhere(j.number);
    await end(j, "failed");
    steps.push([() => end(k, "failed"), 9], [async () => undefined, 0.01]);
    await study.optimize(objective, { nTrials: steps.length - 6, stopAfter: { totalTrials: 1000 } });
    expect(step).toBe(steps.length);
    expect(checks).toBe(steps.length);
    expect(got).toEqual(expected);
  });

  it("reads each trial a bounded number of times in a run with stopAfter, not the whole study before every trial", async () => {
    // The check before each trial counted the whole study again: n trials read about n² trials, and
    // 8,000 trials of one objective with stopAfter.trialsWithoutImprovement took 3 s against 0.35 s without.
    const reads = async (nTrials: number): Promise<number> => {
      let count = 0;
      const study = await createStudy({ storage: countingStateReads(new MemoryStorage(), () => count++), sampler: new RandomSampler({ seed: 1 }) });
      await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials, stopAfter: { totalTrials: nTrials, trialsWithoutImprovement: nTrials } });
      expect(study.trials).toHaveLength(nTrials);
      return count;
    };
    const fewer = await reads(200);
    const more = await reads(400);
    // Twice the trials, twice the reads (it was four times).
    expect(more / fewer).toBeLessThan(2.5);
  });

  it("starts no more lanes than trials it may run: a concurrency typo of a billion runs the 3 trials asked", async () => {
    // Each lane was started before the first trial: 1e9 of them never got to it (out of memory).
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3, concurrency: 1e9 });
    expect(study.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { concurrency: 1e9, stopAfter: { totalTrials: 5 } });
    expect(study.trials).toHaveLength(5);
  });

  it("keeps a stop meant for a running call when another call starts", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const objective = async (t: { suggestFloat: (n: string, l: number, h: number) => number }) => {
      await sleep(5);
      return t.suggestFloat("x", 0, 1);
    };
    const first = study.optimize(objective);
    await sleep(30);
    study.stop();
    const second = study.optimize(objective, { nTrials: 3 });
    // The second call reset the one flag, and the first (no nTrials) ran on for good.
    const ended = await Promise.race([first.then(() => "ended"), sleep(3000).then(() => "still running")]);
    expect(ended).toBe("ended");
    await second;
  });

  it("reads other workers' trials at each ask() after two overlapping calls, one with a stop condition, have ended", async () => {
    const folder = mkdtempSync(join(tmpdir(), "sextant-overlap-reads-"));
    const study = await createStudy({ name: "s", storage: `sqlite:${join(folder, "s.db")}`, sampler: new RandomSampler({ seed: 1 }) });
    const other = await createStudy({ name: "s", storage: `sqlite:${join(folder, "s.db")}`, sampler: new RandomSampler({ seed: 2 }), loadIfExists: true });
    try {
      let bRunning: () => void = () => undefined;
      const bIn = new Promise<void>((resolve) => (bRunning = resolve));
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      // a skips reading others' changes at its asks (nothing it runs looks at them); b counts the study's trials.
      const a = study.optimize(async (t) => (await bIn, t.suggestFloat("x", 0, 1)), { nTrials: 1 });
      const b = study.optimize(async (t) => (bRunning(), await released, t.suggestFloat("x", 0, 1)), { stopAfter: { totalTrials: 2 } });
      await a;
      release();
      await b;
      // Another worker's trial, then an ask here: it used to be read no more, a hole in study.trials.
      await other.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
      const asked = await study.ask();
      expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2, asked.number]);
      await study.tell(asked, 1);
    } finally {
      await other.close();
      await study.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("fails a trial whose objective throws something that cannot be printed, and goes on", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    class HttpFailure {
      readonly status = 503;
      toString(): string {
        return "HTTP 503 from the training service";
      }
    }
    const thrown: unknown[] = [Object.create(null), { message: "CUDA out of memory", code: 7 }, { code: 7 }, new HttpFailure(), 42];
    await study.optimize((t) => {
      t.suggestFloat("x", 0, 1);
      throw thrown[t.number];
    }, { nTrials: 5 });
    // The first used to reject optimize with "Cannot convert object to primitive value" and leave
    // its trial running; the second was stored as "[object Object]"; a class's own text is kept.
    expect(study.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual([
      ["failed", "threw {}"],
      ["failed", "CUDA out of memory"],
      ["failed", 'threw {"code":7}'],
      ["failed", "HTTP 503 from the training service"],
      ["failed", "42"],
    ]);
  });

  it("fails a trial whose result or error cannot be printed or recorded, and goes on", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const badMessage = new Error("x");
    Object.defineProperty(badMessage, "message", { get: () => { throw new Error("getter"); } });
    const trap = () => { throw new Error("trap"); };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
    const outcomes: (() => unknown)[] = [
      () => cyclic,
      () => [cyclic],
      () => ({ v: 1n }),
      () => ({ toJSON: () => { throw new Error("toJSON"); } }),
      () => ({ state: "done" }),
      () => { throw badMessage; },
      () => { throw proxy; },
      () => 0.5,
    ];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((t) => {
      t.suggestFloat("x", 0, 1);
      return outcomes[t.number]!() as number;
    }, { nTrials: outcomes.length });
    // Each used to reject optimize with an unrelated error (a cycle, a bigint, a getter's) and
    // leave its trial running for good.
    const trials = study.trials;
    expect(trials.map((t) => t.state)).toEqual(["failed", "failed", "failed", "failed", "failed", "failed", "failed", "complete"]);
    expect(trials.map((t) => String(t.systemAttrs.failReason ?? ""))).toEqual([
      "objective returned an object that cannot be written as JSON, not a finite number",
      "objective returned an object that cannot be written as JSON, not a finite number",
      "objective returned an object that cannot be written as JSON, not a finite number",
      "objective returned an object that cannot be written as JSON, not a finite number",
      'the objective\'s result could not be recorded: tell: trial 4: state must be "complete", "pruned" or "failed", got "done"',
      "threw a value that cannot be read (reading its type or message throws)",
      "threw a value that cannot be read (reading its type or message throws)",
      "",
    ]);
  });

  it("fails a trial whose constraints cannot be printed, in optimize and in tell", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }), constraints: () => [1n as unknown as number] });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    expect(study.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual([
      ["failed", "constraint 0 is 1n, not a finite number"],
      ["failed", "constraint 0 is 1n, not a finite number"],
    ]);
    const asked = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await asked.ask();
    trial.suggestFloat("x", 0, 1);
    // Used to throw "Do not know how to serialize a BigInt".
    const told = await asked.tell(trial, 1, { constraints: [3n as unknown as number] });
    expect([told.state, told.systemAttrs.failReason]).toEqual(["failed", "constraint 0 is 3n, not a finite number"]);
    const late = await createStudy({ sampler: new RandomSampler({ seed: 1 }), constraints: (async () => [0]) as never });
    await late.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(late.trials[0]!.systemAttrs.failReason).toBe("constraints must be an array of numbers, got a Promise (the constraints function must not be async)");
  });

  it("names a misspelt or mistyped heartbeat option, on any storage", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const objective = (t: { suggestFloat: (n: string, l: number, h: number) => number }) => t.suggestFloat("x", 0, 1);
    // Each used to be accepted, leaving the default heartbeats on.
    await expect(study.optimize(objective, { nTrials: 1, heartbeat: { graceSecond: 600 } as never })).rejects.toThrow(
      'heartbeat: unknown option "graceSecond" (did you mean "graceSeconds"?); valid options: intervalSeconds, graceSeconds',
    );
    await expect(study.optimize(objective, { nTrials: 1, heartbeat: "off" as never })).rejects.toThrow('heartbeat must be false (off) or { intervalSeconds?, graceSeconds? }, got "off"');
    await expect(study.optimize(objective, { nTrials: 1, heartbeat: { intervalSeconds: "5" } as never })).rejects.toThrow('heartbeat.intervalSeconds must be a number of seconds, got the string "5"');
    await study.optimize(objective, { nTrials: 1, heartbeat: false });
    expect(study.trials).toHaveLength(1);
  });
});
