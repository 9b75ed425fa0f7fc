import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import "../index.js"; // registers the default sampler (auto)
import { CmaEsSampler, GridMismatchError, GridSampler, MATERIAL_NOISE_SHARE, RECOMMENDED_TRIAL_ATTR, RandomSampler, type Sampler } from "../samplers/index.js";
import { PercentilePruner, createPrunerByName, type Pruner } from "../pruners/index.js";
import { PBTScheduler } from "../schedulers/index.js";
import { FixedParamOutOfRangeError, LIBRARY_PRUNER_ATTR, LIBRARY_SAMPLER_ATTR, createStudy, loadStudy, TrialNumberNotFoundError, TrialPruned } from "./index.js";
import { DuplicateStudyError, MemoryStorage, TrialNotRunningError } from "../storage/index.js";
import { type Direction, type Distribution, InvalidDistributionError, lastIntermediate } from "../space/index.js";
import { GRID_INDEX_ATTR } from "../samplers/grid.js";

describe("Study", () => {
  it("names a sampler or pruner given as a string, and unknown options, before opening anything", async () => {
    const storage = new MemoryStorage();
    const bad = (options: unknown) => createStudy({ name: "s", storage, ...(options as object) });
    await expect(bad({ sampler: "tpe" })).rejects.toThrow(/sampler must be a sampler object, e\.g\. createSamplerByName\("tpe", \{ seed: 1 \}\).*got the string "tpe"/);
    await expect(bad({ sampler: { name: "tpe" } })).rejects.toThrow(/sampler must be a sampler object.*got an object without the methods/);
    await expect(bad({ pruner: "median" })).rejects.toThrow(/pruner must be a pruner object, e\.g\. createPrunerByName\("median"\).*got the string "median"/);
    await expect(bad({ sed: 3 })).rejects.toThrow(/unknown option "sed" \(did you mean "seed"\?\); valid options: name, storage, direction/);
    await expect(bad({ seed: 3, sampler: new RandomSampler({ seed: 1 }) })).rejects.toThrow(/give the seed to your sampler instead/);
    await expect(bad({ seed: 1.5 })).rejects.toThrow("seed must be an integer, got number 1.5");
    await expect(bad({ name: "  " })).rejects.toThrow('createStudy: name must be a non-blank string, got the string "  "');
    await expect(bad({ name: ".." })).rejects.toThrow(/name must not be "\.\.", which a URL path cannot carry/);
    await expect(bad({ directon: "maximize", sed: 1 })).rejects.toThrow(/unknown options "directon" \(did you mean "direction"\?\), "sed" \(did you mean "seed"\?\); valid options: name, /);
    // Nothing was created by the refused calls.
    expect(await storage.getStudy("s")).toBeNull();
    await expect(createStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 1 }) })).resolves.toBeDefined();
  });

  it("seeds the default sampler with the study's seed: the same seed suggests the same trials", async () => {
    const run = async (seed: number) => {
      const study = await createStudy({ seed });
      await study.optimize((trial) => (trial.suggestFloat("x", -5, 5) - 1) ** 2 + trial.suggestInt("n", 0, 9), { nTrials: 14 });
      return study.trials.map((t) => t.params);
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
    const loaded = async (seed: number) => {
      const storage = new MemoryStorage();
      await createStudy({ name: "s", storage, seed: 1 });
      const study = await loadStudy({ name: "s", storage, seed });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 3 });
      return study.trials.map((t) => t.params);
    };
    expect(await loaded(3)).toEqual(await loaded(3));
    expect(await loaded(3)).not.toEqual(await loaded(4));
  });

  it("fails a trial that names a parameter every JavaScript object inherits, saying so, and stops the run", async () => {
    // "constructor" used to read as already suggested ("suggested as undefined and now as …").
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await expect(study.optimize((trial) => trial.suggestFloat("constructor", 0, 1), { nTrials: 2 })).rejects.toThrow(/is reserved/);
    expect(study.trials.map((t) => t.state)).toEqual(["failed"]);
    expect(String(study.trials[0]!.systemAttrs.failReason)).toContain('parameter name "constructor" is reserved: every JavaScript object has a member of that name; choose another, e.g. "constructor_"');
  });

  it("optimizes a quadratic and reports the best trial", async () => {
    const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", -10, 10);
      const n = trial.suggestInt("n", 1, 4);
      const c = trial.suggestCategorical("c", ["a", "b", null, true]);
      return (x - 2) ** 2 + n + (c === "a" ? 0 : 1);
    }, { nTrials: 60, concurrency: 3 });
    expect(study.trials).toHaveLength(60);
    expect(study.trials.map((t) => t.number)).toEqual([...Array(60).keys()]);
    expect(study.trials.every((t) => t.state === "complete")).toBe(true);
    const best = study.bestTrial!;
    expect(best.values![0]).toBe(Math.min(...study.trials.map((t) => t.values![0]!)));
    expect(best.params.x).toBeGreaterThanOrEqual(-10);
  });

  it("writes a quick objective's parameters together with its result, in one update per trial", async () => {
    const storage = new MemoryStorage();
    const patches: object[] = [];
    const updateTrial = storage.updateTrial.bind(storage);
    storage.updateTrial = (id, patch) => {
      patches.push(patch);
      return updateTrial(id, patch);
    };
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1) + trial.suggestInt("n", 1, 3), { nTrials: 5 });
    expect(patches).toHaveLength(5);
    for (const patch of patches) expect(patch).toMatchObject({ state: "complete", params: { x: {}, n: {} } });
    // A slow objective still has its parameters stored while it runs.
    let seenWhileRunning: unknown;
    await study.optimize(
      async (trial) => {
        trial.suggestFloat("x", 0, 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        seenWhileRunning = (await storage.getTrial(trial.id))!.params;
        return 1;
      },
      { nTrials: 1 },
    );
    expect(seenWhileRunning).toEqual({ x: expect.any(Number) });
  });

  it("spaces out the writes of a long learning curve once each write takes long, and loses no step", async () => {
    // Storage rewrites a trial's whole curve on each write: a step every millisecond made a
    // write per step, back to back (about 100 here), and a core busy while the program trained.
    vi.useFakeTimers();
    try {
      const storage = new MemoryStorage();
      let intermediateWrites = 0;
      const updateTrial = storage.updateTrial.bind(storage);
      storage.updateTrial = async (id, patch) => {
        if (patch.state === undefined) intermediateWrites++;
        // 10 ms a write, as a SQLite row holding thousands of steps takes.
        await new Promise((resolve) => setTimeout(resolve, 10));
        return updateTrial(id, patch);
      };
      const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
      let seenAfterFlush = 0;
      const run = study.optimize(
        async (trial) => {
          for (let step = 0; step < 1000; step++) {
            trial.reportIntermediate(step, step);
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          // flushTrial does not wait out a pause.
          await study.flushTrial(trial);
          seenAfterFlush = Object.keys((await storage.getTrial(trial.id))!.intermediate).length;
          return 0;
        },
        { nTrials: 1 },
      );
      await vi.runAllTimersAsync();
      await run;
      expect(seenAfterFlush).toBe(1000);
      // One write each 100 ms (10 ms writing, 90 ms pausing) over about a second.
      expect(intermediateWrites).toBeGreaterThan(5);
      expect(intermediateWrites).toBeLessThan(20);
      expect(Object.keys(study.trials[0]!.intermediate)).toHaveLength(1000);
    } finally {
      vi.useRealTimers();
    }
  });

  it("writes at once when flushTrial asks, however slow the last write was", async () => {
    // An HTTP report flushes right after reporting, before the pause between slow writes began:
    // ending the pause then did nothing, and each report waited nine times the last write, which
    // grows with the curve (10,000 reports over SQLite: 2 ms each at first, 120 ms at the end).
    vi.useFakeTimers();
    try {
      const storage = new MemoryStorage();
      const updateTrial = storage.updateTrial.bind(storage);
      storage.updateTrial = async (id, patch) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return updateTrial(id, patch);
      };
      const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
      const trial = await study.ask();
      const took: number[] = [];
      for (let step = 0; step < 4; step++) {
        trial.reportIntermediate(step, step);
        const began = performance.now();
        const flushed = study.flushTrial(trial);
        await vi.runAllTimersAsync();
        await flushed;
        took.push(performance.now() - began);
        expect(Object.keys((await storage.getTrial(trial.id))!.intermediate)).toHaveLength(step + 1);
      }
      // One 50 ms write each, no pause of 9 × 50 ms before it.
      expect(Math.max(...took)).toBeLessThan(100);
    } finally {
      vi.useRealTimers();
    }
  });

  it("fails a trial whose objective throws or returns NaN, and goes on", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    await study.optimize((trial) => {
      if (trial.number === 1) throw new Error("boom");
      if (trial.number === 2) return NaN;
      if (trial.number === 3) return Infinity;
      return trial.suggestFloat("x", 0, 1);
    }, { nTrials: 5 });
    const states = study.trials.map((t) => t.state);
    expect(states).toEqual(["complete", "failed", "failed", "failed", "complete"]);
    expect(study.trials[1]!.systemAttrs.failReason).toBe("boom");
    expect(String(study.trials[2]!.systemAttrs.failReason)).toMatch(/NaN/);
    // A JavaScript caller's objective may return anything; the reason says what it was.
    const failReasons = async (directions: Direction[], returns: unknown[]) => {
      const loose = await createStudy({ directions, sampler: new RandomSampler({ seed: 2 }) });
      await loose.optimize((trial) => returns[trial.number] as never, { nTrials: returns.length });
      return loose.trials.map((t) => t.systemAttrs.failReason);
    };
    expect(await failReasons(["minimize"], ["0.5", { value: 1 }, undefined, [1, "2"], 3n, new Number(3)])).toEqual([
      'objective returned the string "0.5", not a finite number',
      'objective returned {"value":1}, not a finite number',
      "objective returned undefined, not a finite number",
      'objective returned 2 value(s) but the study has 1 objective(s)',
      // Both used to read "objective returned 3, not a finite number", as if 3 were refused.
      "objective returned the bigint 3n, not a finite number",
      "objective returned a Number object (3; return the primitive, e.g. Number(x)), not a finite number",
    ]);
    // With two objectives, the command protocol's { values, constraints } and a missing return
    // (undefined) read "returned 1 value(s) but the study has 2 objective(s)".
    expect(await failReasons(["minimize", "maximize"], [{ values: [1, 2], constraints: [0] }, undefined, null, "1,2"])).toEqual([
      'objective returned {"values":[1,2],"constraints":[0]}, not an array of 2 finite numbers (one per objective)',
      "objective returned undefined, not an array of 2 finite numbers (one per objective)",
      "objective returned null, not an array of 2 finite numbers (one per objective)",
      'objective returned the string "1,2", not an array of 2 finite numbers (one per objective)',
    ]);
  });

  it("refuses a result object with a key its state does not take, before the trial is touched", async () => {
    const study = await createStudy({ directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 2 }) });
    const trial = await study.ask();
    // The misspelt constraints were dropped, and a trial that broke them stored as feasible.
    await expect(study.tell(trial, { state: "complete", values: [1, 2], constraint: [5] } as never)).rejects.toThrow(
      `tell: trial 0: a complete result: unknown option "constraint" (did you mean "constraints"?); valid options: state, values, constraints`,
    );
    await expect(study.tell(trial, { state: "pruned", constraint: [5] } as never)).rejects.toThrow(
      'tell: trial 0: a pruned result: unknown option "constraint" (did you mean "constraints"?); valid options: state, values, constraints',
    );
    await expect(study.tell(trial, { state: "failed", reson: "oom" } as never)).rejects.toThrow(/a failed result: unknown option "reson" \(did you mean "reason"\?\)/);
    expect(study.trials[0]!.state).toBe("running");
    const told = await study.tell(trial, { state: "complete", values: [1, 2], constraints: [5] });
    expect([told.state, told.systemAttrs.constraints]).toEqual(["complete", [5]]);
    // Returned by an objective, it fails the trial with the reason, as an unknown state does.
    await study.optimize(() => ({ state: "complete", values: [1, 2], constraint: [5] }) as never, { nTrials: 1 });
    expect(study.trials[1]!.state).toBe("failed");
    expect(study.trials[1]!.systemAttrs.failReason).toMatch(/^the objective's result could not be recorded: tell: trial 1: a complete result: unknown option "constraint"/);
    // A pruned result takes them as the HTTP body and tell's options do (Optuna 3.1 records a pruned trial's too).
    const pruned = await study.tell(await study.ask(), { state: "pruned", constraints: [-1] });
    expect([pruned.state, pruned.systemAttrs.constraints]).toEqual(["pruned", [-1]]);
    expect(study.bestTrials).toEqual([]);
  });

  it("takes a typed array of values from an objective or tell, one per objective", async () => {
    const study = await createStudy({ directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 2 }) });
    // Numeric code returns Float64Arrays: the trial failed, "objective returned {"0":1,"1":2}, not a finite number".
    await study.optimize(() => Float64Array.of(1, 2), { nTrials: 1 });
    const asked = await study.ask();
    await study.tell(asked, Float32Array.of(3, 4));
    expect(study.trials.map((t) => [t.state, t.values])).toEqual([
      ["complete", [1, 2]],
      ["complete", [3, 4]],
    ]);
    const wrongCount = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    await wrongCount.optimize(() => Float64Array.of(1, 2), { nTrials: 1 });
    expect(wrongCount.trials[0]!.systemAttrs.failReason).toBe("objective returned 2 value(s) but the study has 1 objective(s)");
    await wrongCount.optimize(() => BigInt64Array.of(3n) as never, { nTrials: 1 });
    expect(wrongCount.trials[1]!.systemAttrs.failReason).toBe("objective returned the bigint 3n, not a finite number");
  });

  it("refuses an existing name without loadIfExists with a DuplicateStudyError a caller can catch by class", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "taken", storage });
    const again = createStudy({ name: "taken", storage });
    await expect(again).rejects.toBeInstanceOf(DuplicateStudyError);
    await expect(again).rejects.toThrow('a study named "taken" already exists (pass loadIfExists: true to resume it)');
    expect(((await again.catch((error: unknown) => error)) as DuplicateStudyError).studyName).toBe("taken");
  });

  it("refuses a one-objective sampler or pruner for a stored study of two, when resumed without directions", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "two", storage, directions: ["minimize", "maximize"] });
    const singleObjective = new CmaEsSampler({ seed: 1 });
    // Used to be accepted, and then every trial failed with "sampler error: …" or the pruner's refusal.
    await expect(createStudy({ name: "two", storage, loadIfExists: true, sampler: singleObjective })).rejects.toThrow(
      /^createStudy: the cmaes sampler supports one objective, and this study has 2/,
    );
    // Every sampler that takes several is named: the list left out random, sobol and halton.
    await expect(createStudy({ name: "two", storage, loadIfExists: true, sampler: singleObjective })).rejects.toThrow(
      /; use auto, random, tpe, gp, nsga2, nsga3, sobol or halton$/,
    );
    await expect(createStudy({ name: "two", storage, loadIfExists: true, pruner: createPrunerByName("median") })).rejects.toThrow(
      /^createStudy: the median pruner supports single-objective studies only; this study has 2 objectives/,
    );
    await expect(loadStudy({ name: "two", storage, pruner: createPrunerByName("median") })).rejects.toThrow(/^loadStudy: the median pruner/);
    const resumed = await createStudy({ name: "two", storage, loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) });
    expect(resumed.directions).toEqual(["minimize", "maximize"]);
  });

  it("resumes with its directions a study an older Sextant made with more objectives than a new one may have", async () => {
    const storage = new MemoryStorage();
    const seventeen = Array<Direction>(17).fill("minimize");
    // Written as Sextant wrote it before the limit of 16 was checked.
    await storage.createStudy("wide", seventeen, { userAttrs: {}, systemAttrs: {} });
    const resumed = await createStudy({ name: "wide", storage, directions: seventeen, loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) });
    const told = await resumed.tell(await resumed.ask(), Array(17).fill(1));
    expect(told.state).toBe("complete");
    await expect(createStudy({ name: "new", storage, directions: seventeen, sampler: new RandomSampler({ seed: 1 }) })).rejects.toThrow(
      "directions: at most 16 objectives (the HTTP service takes no more), got 17; combine some into one value or make them constraints",
    );
    expect(await storage.getStudy("new")).toBeNull();
  });

  it("is reproducible under a seed", async () => {
    const run = async () => {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 7 }) });
      await study.optimize((t) => t.suggestFloat("x", 0, 1, { log: false }) + t.suggestInt("k", 0, 10), { nTrials: 10 });
      return study.trials.map((t) => t.params);
    };
    expect(await run()).toEqual(await run());
  });

  it("shows a sampler the notes it left on this process's running trials at once, on every storage", async () => {
    // TuRBO counts the design points its running trials hold by their notes: asks in a row saw
    // them or not as the writes happened to land, and a study resumed from SQLite suggested
    // other trials than the same study run in one go.
    const folder = mkdtempSync(join(tmpdir(), "sextant-notes-"));
    try {
      for (const storage of ["memory:", `sqlite:${join(folder, "s.db")}`]) {
        const seen: unknown[][] = [];
        const sampler: Sampler = {
          name: "noting",
          inferRelativeSpace(snapshot, trial) {
            seen.push(snapshot.trials.filter((t) => t.number !== trial.number).map((t) => t.systemAttrs.note));
            trial.setSystemAttr("note", trial.number);
            return {};
          },
          sampleRelative: () => ({}),
          sampleIndependent: () => 0,
        };
        const study = await createStudy({ name: "s", storage, sampler });
        for (let i = 0; i < 3; i++) await study.ask();
        expect(seen, storage).toEqual([[], [0], [0, 1]]);
        await study.close();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("warns at the first ask of a study resumed without a sampler that it goes on with another than the one it was made with", async () => {
    // loadStudy without a sampler went on with an unseeded auto: a study made with new TPESampler({ seed: 3 })
    // suggested other trials on every resume, without a word (sextant tune warns of the same).
    const storage = new MemoryStorage();
    const made = await createStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 3 }) });
    await made.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    const warnings: string[] = [];
    const resumed = await loadStudy({ name: "s", storage, onWarning: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    await resumed.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    expect(warnings).toEqual([
      'study "s" was made with the random sampler (seed=3) and is resumed without one, so the auto sampler (unseeded) suggests its trials: pass sampler: createSamplerByName("random", {"seed":3}) to go on with the one it was made with',
    ]);
    // The same sampler, rebuilt from the seed a study made with createStudy({ seed }) keeps: nothing to say.
    const seeded = await createStudy({ name: "t", storage, seed: 5 });
    await seeded.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    const again = await loadStudy({ name: "t", storage, seed: 5, onWarning: (message) => warnings.push(message) });
    await again.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    const given = await loadStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 4 }), onWarning: (message) => warnings.push(message) });
    await given.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(warnings).toHaveLength(1);
  });

  it("rejects a name suggested again with another distribution", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    const trial = await study.ask();
    trial.suggestFloat("x", 0, 1);
    expect(trial.suggestFloat("x", 0, 1)).toBe(trial.params.x);
    expect(() => trial.suggestFloat("x", 0, 2)).toThrow(/suggested as/);
    await study.tell(trial, 1);
  });

  it("runs enqueued trials first with their fixed values", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    await study.enqueueTrial({ x: 0.25 });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
    expect(study.trials[0]!.params.x).toBe(0.25);
    expect(study.trials).toHaveLength(3);
  });

  it("narrows a range its step does not divide, as Optuna 3.1 does, warning once per study object", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "steps", storage, sampler: new RandomSampler({ seed: 5 }) });
    const warnings: string[] = [];
    study.onWarning = (message) => warnings.push(message);
    const objective = (t: { suggestInt(name: string, low: number, high: number, options: { step: number }): number; suggestFloat(name: string, low: number, high: number, options: { step: number }): number }) =>
      t.suggestInt("a", 0, 10, { step: 3 }) + t.suggestFloat("b", 0, 1, { step: 0.3 });
    await study.optimize(objective, { nTrials: 20 });
    const narrowedA = { type: "int", low: 0, high: 9, step: 3 };
    const narrowedB = { type: "float", low: 0, high: 0.9, step: 0.3 };
    // Optuna 3.1 (Debian's /usr/bin/python3): IntDistribution(0, 10, step=3).high == 9, FloatDistribution(0, 1, step=0.3).high == 0.9.
    expect(warnings).toEqual([
      'parameter "a": step 3 does not divide the range [0, 10]; using [0, 9], up to the last multiple of the step',
      'parameter "b": step 0.3 does not divide the range [0, 1]; using [0, 0.9], up to the last multiple of the step',
    ]);
    for (const trial of study.trials) {
      expect(trial.distributions).toEqual({ a: narrowedA, b: narrowedB });
      expect([0, 3, 6, 9]).toContain(trial.params.a);
      expect([0, 0.3, 0.6, 0.9]).toContain(trial.params.b);
    }
    // An ask with the space warns as suggest does (once), and a study object that resumes says it again, once.
    await study.tell(await study.ask({ a: { type: "int", low: 0, high: 10, step: 3 } }), 1);
    expect(warnings).toHaveLength(2);
    const resumed = await loadStudy({ name: "steps", storage, sampler: new RandomSampler({ seed: 6 }) });
    resumed.onWarning = (message) => warnings.push(message);
    await resumed.optimize(objective, { nTrials: 2 });
    expect(warnings).toHaveLength(4);
    expect(resumed.trials.at(-1)!.distributions).toEqual({ a: narrowedA, b: narrowedB });
  });

  it("fails a trial queued or retried at a value outside the range the objective now suggests, and goes on", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    const x = { type: "float", low: 2, high: 3 } as const;
    await study.enqueueTrial({ x: 1.5 });
    await study.optimize((t) => t.suggestFloat("x", 2, 3), { nTrials: 2 });
    expect(study.trials.map((t) => t.state)).toEqual(["failed", "complete"]);
    expect(study.trials[0]!.systemAttrs.failReason).toBe(`trial 0: enqueued value 1.5 of "x" is not inside ${JSON.stringify(x)}`);
    // A retry's value was kept because a worker died, not chosen: one outside the space is sampled
    // anew with a warning (the retry failed, after a rerun with a narrowed range, as if enqueued).
    const warnings: string[] = [];
    study.onWarning = (message) => warnings.push(message);
    await study.queueRetry(study.trials[0]!);
    await study.optimize((t) => t.suggestFloat("x", 2, 3), { nTrials: 1 });
    expect(study.trials[2]!.state).toBe("complete");
    expect(study.trials[2]!.params.x).toBeGreaterThanOrEqual(2);
    expect(warnings).toEqual([`trial 2: the value 1.5 of "x" kept from trial 0, which it retries, is not inside ${JSON.stringify(x)} (the search space changed): sampled anew`]);
    // An ask with the space fails the trial with the same reason, not as a "sampler error".
    await study.enqueueTrial({ x: 1.5 });
    const refused = await study.ask({ x }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FixedParamOutOfRangeError);
    expect(refused).toMatchObject({ trialNumber: 3, paramName: "x", value: 1.5, distribution: x });
    expect(study.trials[3]!.systemAttrs.failReason).toBe(`trial 3: enqueued value 1.5 of "x" is not inside ${JSON.stringify(x)}`);
  });

  it("skips an enqueued point only where a trial has exactly its parameters, as Optuna's skip_if_exists", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize((t) => t.suggestInt("x", 1, 1) + t.suggestFloat("y", 0, 1), { nTrials: 1 });
    // The finished trial has x = 1 and a y: a point fixing x alone is not that trial. Used to be skipped.
    const partial = await study.enqueueTrial({ x: 1 }, { skipIfExists: true });
    expect(partial?.systemAttrs.fixedParams).toEqual({ x: 1 });
    expect(await study.enqueueTrial({ x: 1 }, { skipIfExists: true })).toBeNull();
    const y = study.trials[0]!.params.y!;
    expect(await study.enqueueTrial({ y, x: 1 }, { skipIfExists: true })).toBeNull();
    expect(await study.enqueueTrial({ x: 1, y: 0.5 }, { skipIfExists: true })).not.toBeNull();
    expect(await study.enqueueTrial({}, { skipIfExists: true })).not.toBeNull();
  });

  it("queues a point once however many skipIfExists calls for it run at once", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    const queued = await Promise.all(Array.from({ length: 10 }, () => study.enqueueTrial({ x: 0.5 }, { skipIfExists: true })));
    // Each checked before any had queued it: 10 waiting trials, all run.
    expect(queued.filter((t) => t !== null)).toHaveLength(1);
    await study.refresh();
    expect(study.trials).toHaveLength(1);
  });

  it("refuses a bad search space given to ask, or a value no parameter can take given to enqueueTrial, creating no trial", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    // Used to create a trial and fail it with "sampler error: …", as if the sampler were at fault.
    await expect(study.ask({ x: { type: "float", low: 1, high: 0 } })).rejects.toThrow('parameter "x": low (1) must not exceed high (0)');
    await expect(study.ask({ toString: { type: "int", low: 0, high: 3 } } as never)).rejects.toThrow(/ask: parameter name "toString" is reserved/);
    // NaN used to be stored as JSON null and fail the trial later as "enqueued value null".
    await expect(study.enqueueTrial({ x: NaN })).rejects.toThrow('enqueueTrial: parameter "x" has value NaN; a value must be a finite number, a string, a boolean or null');
    await expect(study.enqueueTrial({ x: { a: 1 } } as never)).rejects.toThrow('enqueueTrial: parameter "x" has value {"a":1}; a value must be');
    await expect(study.enqueueTrial(5 as never)).rejects.toThrow("enqueueTrial: params must be an object of parameter names to values, got number 5");
    await study.refresh();
    expect(study.trials).toHaveLength(0);
    await study.enqueueTrial({ x: 1, kind: "a", flag: true, none: null });
    const trial = await study.ask({ x: { type: "int", low: 0, high: 3 } });
    expect(trial.params).toEqual({ x: 1 });
  });

  it("fails an enqueued value outside a log range or a narrow one, however close to the bound in absolute terms", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    await study.enqueueTrial({ x: 0 });
    await study.enqueueTrial({ y: 9e-10 });
    const seen: number[] = [];
    await study.optimize((trial) => {
      seen.push(trial.number === 0 ? trial.suggestFloat("x", 1e-12, 1, { log: true }) : trial.suggestFloat("y", 0, 1e-10));
      return 0;
    }, { nTrials: 2 });
    // The objective used to get x = 0 and y = 9e-10, and both trials completed.
    expect(seen).toEqual([]);
    expect(study.trials.map((t) => t.state)).toEqual(["failed", "failed"]);
    expect(study.trials[0]!.systemAttrs.failReason).toMatch(/enqueued value 0 of "x" is not inside/);
  });

  it("fails a trial whose sampler proposes a value outside the distribution, rather than passing it to the objective", async () => {
    // A sampler of one's own with a bug: its values reached the objective and were stored as complete.
    const buggy = {
      name: "buggy",
      inferRelativeSpace: () => ({}),
      sampleRelative: () => ({}),
      sampleIndependent: (_snapshot: unknown, _trial: unknown, _name: string, distribution: Distribution) =>
        distribution.type === "categorical" ? "zzz" : distribution.high + 5,
    };
    const study = await createStudy({ sampler: buggy as never });
    const seen: unknown[] = [];
    await study.optimize((trial) => {
      seen.push(trial.suggestFloat("x", 0, 1));
      return 0;
    }, { nTrials: 1 });
    expect(seen).toEqual([]);
    expect([study.trials[0]!.state, study.trials[0]!.systemAttrs.failReason]).toEqual([
      "failed",
      'trial 0: the sampler proposed 6 for "x", which is not inside {"type":"float","low":0,"high":1}',
    ]);
  });

  it("fails an ask/tell trial whose suggestion the library cannot serve, and still throws the error", async () => {
    const storage = new MemoryStorage();
    const grid = await createStudy({ name: "grid", storage, sampler: new GridSampler({ searchSpace: { x: [1, 2] }, seed: 1 }) });
    const warnings: string[] = [];
    grid.onWarning = (message) => warnings.push(message);
    const unserved = await grid.ask();
    expect(() => unserved.suggestFloat("y", 0, 1)).toThrow(GridMismatchError);
    // Left running, it was reaped a minute later as silent and queued again, to fail the same way.
    await grid.flushTrial(unserved);
    const failed = grid.trials[unserved.number]!;
    expect([failed.state, failed.systemAttrs.failReason]).toEqual(["failed", expect.stringMatching(/^parameter "y" is not in the grid/)]);
    // Its grid point was given back in the same write.
    expect(failed.systemAttrs[GRID_INDEX_ATTR]).toBeNull();
    expect(() => unserved.suggestFloat("x", 0, 3)).toThrow(`trial 0 was failed (${String(failed.systemAttrs.failReason)}) and takes no more writes`);
    // Failing it, as ask/tell code had to, returns the stored trial; a second tell is refused as for any trial.
    await expect(grid.tell(unserved, { state: "failed", reason: "mine" })).resolves.toMatchObject({ state: "failed", systemAttrs: { failReason: failed.systemAttrs.failReason } });
    await expect(grid.tell(unserved, { state: "failed" })).rejects.toThrow("trial 0 has already been told");
    // A value told after the error is dropped with a warning (or refused, for a caller that must know).
    const outside = await grid.ask();
    expect(() => outside.suggestInt("x", 5, 9)).toThrow(/grid value \d of parameter "x" is not inside/);
    await expect(grid.tell(outside, 0.5)).resolves.toMatchObject({ state: "failed" });
    expect(warnings).toEqual([expect.stringMatching(/^trial 1 was failed when a suggestion could not be served \(grid value .*\); the complete result told afterwards is dropped$/)]);
    const refused = await grid.ask();
    expect(() => refused.suggestFloat("z", 0, 1)).toThrow(GridMismatchError);
    await expect(grid.tell(refused, 1, { finishedElsewhere: "throw" })).rejects.toBeInstanceOf(TrialNotRunningError);
    // Told by its number, as the trial object: the stored failure, then "already been told".
    const byNumber = await grid.ask();
    expect(() => byNumber.suggestFloat("z", 0, 1)).toThrow(GridMismatchError);
    await expect(grid.tell(byNumber.number, { state: "failed" })).resolves.toMatchObject({ number: byNumber.number, state: "failed", systemAttrs: { failReason: expect.stringMatching(/^parameter "z" is not in the grid/) } });
    await expect(grid.tell(byNumber.number, { state: "failed" })).rejects.toThrow(`trial ${byNumber.number} was not started by this study object`);
    const byNumberThrows = await grid.ask();
    expect(() => byNumberThrows.suggestFloat("z", 0, 1)).toThrow(GridMismatchError);
    await expect(grid.tell(byNumberThrows.number, 1, { finishedElsewhere: "throw" })).rejects.toBeInstanceOf(TrialNotRunningError);

    // A queued value outside the range: failed though nobody tells it, and not queued again by a reaper.
    const queued = await createStudy({ name: "queued", storage, sampler: new RandomSampler({ seed: 1 }) });
    await queued.enqueueTrial({ x: 1.5 });
    const trial = await queued.ask();
    expect(() => trial.suggestFloat("x", 2, 3)).toThrow(FixedParamOutOfRangeError);
    await queued.close();
    const other = await loadStudy({ name: "queued", storage });
    expect(await other.reapStaleTrials(0)).toEqual({ reaped: [], retries: [] });
    expect(other.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual([["failed", 'trial 0: enqueued value 1.5 of "x" is not inside {"type":"float","low":2,"high":3}']]);
  });

  it("fails an ask/tell trial whose sampler throws or proposes a value outside the range, but not one whose caller's arguments are refused", async () => {
    const sampler = {
      name: "picky",
      inferRelativeSpace: () => ({}),
      sampleRelative: () => ({}),
      sampleIndependent: (_snapshot: unknown, _trial: unknown, name: string) => {
        if (name === "broken") throw new Error("the model could not be fitted");
        return name === "wild" ? 7 : 0.5;
      },
    };
    const study = await createStudy({ sampler: sampler as never });
    const fine = await study.ask();
    // The caller's own mistakes change nothing: the trial goes on and completes.
    expect(() => fine.suggestFloat("x", 1, 0)).toThrow(InvalidDistributionError);
    expect(fine.suggestFloat("x", 0, 1)).toBe(0.5);
    expect(() => fine.suggestInt("x", 0, 1)).toThrow(/a name must keep one distribution/);
    await expect(study.tell(fine, 1)).resolves.toMatchObject({ state: "complete" });
    const broken = await study.ask();
    expect(() => broken.suggestFloat("broken", 0, 1)).toThrow("the model could not be fitted");
    const wild = await study.ask();
    expect(() => wild.suggestFloat("wild", 0, 1)).toThrow(/the sampler proposed 7 for "wild"/);
    await study.flushTrial(broken);
    await study.flushTrial(wild);
    expect(study.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual([
      ["complete", undefined],
      ["failed", "the model could not be fitted"],
      ["failed", 'trial 2: the sampler proposed 7 for "wild", which is not inside {"type":"float","low":0,"high":1}'],
    ]);
  });

  it("fails, or queues again, the trial of an ask that a storage error stopped after the trial existed, and still throws the error", async () => {
    const storage = new MemoryStorage();
    const refuse = { trialsSince: 0, updateTrial: 0 };
    const trialsSince = storage.trialsSince.bind(storage);
    storage.trialsSince = (id, seq) => (refuse.trialsSince-- > 0 ? Promise.reject(new Error("connection reset")) : trialsSince(id, seq));
    const updateTrial = storage.updateTrial.bind(storage);
    storage.updateTrial = (id, patch) => (refuse.updateTrial-- > 0 ? Promise.reject(new Error("connection reset")) : updateTrial(id, patch));
    const stored = async () => (await trialsSince(study.id, 0)).trials.map((t) => [t.state, t.systemAttrs.failReason, t.systemAttrs.fixedParams]);
    const study = await createStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 1 }) });
    // The trial is created, then the read of the study's changes fails: it stayed running, held by nobody.
    refuse.trialsSince = 1;
    await expect(study.ask()).rejects.toThrow("connection reset");
    expect(await stored()).toEqual([["failed", "its ask could not be completed: connection reset", undefined]]);
    // A queued trial is failed and queued again with its values, which the next ask runs.
    await study.enqueueTrial({ x: 0.25 });
    refuse.trialsSince = 1;
    await expect(study.ask()).rejects.toThrow("connection reset");
    expect((await stored()).slice(1)).toEqual([
      ["failed", "its ask could not be completed: connection reset", { x: 0.25 }],
      ["waiting", undefined, { x: 0.25 }],
    ]);
    const retried = await study.ask();
    expect([retried.number, retried.suggestFloat("x", 0, 1), retried.systemAttrs.retryCount]).toEqual([2, 0.25, 0]);
    await study.tell(retried, 1);
    // Where even the failing write fails, the trial is left to the reapers, which take it as any silent trial.
    refuse.trialsSince = 1;
    refuse.updateTrial = 1;
    const warnings: string[] = [];
    study.onWarning = (message) => warnings.push(message);
    await expect(study.ask()).rejects.toThrow("connection reset");
    expect(warnings).toEqual(["trial 3 could not be handed out (connection reset) nor marked failed (connection reset); it stays running until a reaper fails it"]);
    expect((await stored())[3]![0]).toBe("running");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await study.reapStaleTrials(0)).toEqual({ reaped: [3], retries: [4] });
    // A retry that has used up its retries still goes back: it never ran, so the hand-back is no retry.
    await study.ask().then((trial) => study.tell(trial, 1)); // trial 4
    await storage.createTrial(study.id, { state: "waiting", systemAttrs: { fixedParams: { x: 0.75 }, retryOf: 3, retryCount: 3 } }); // trial 5
    refuse.trialsSince = 1;
    await expect(study.ask()).rejects.toThrow("connection reset");
    const last = await study.ask();
    expect([last.number, last.suggestFloat("x", 0, 1), last.systemAttrs.retryOf, last.systemAttrs.retryCount]).toEqual([6, 0.75, 5, 3]);
    // Failed, but not queued again: said as such, not as a trial left running.
    await study.tell(last, 1);
    await study.enqueueTrial({ x: 0.5 });
    const createTrialOnce = storage.createTrialOnce.bind(storage);
    storage.createTrialOnce = () => Promise.reject(new Error("disk full"));
    refuse.trialsSince = 1;
    await expect(study.ask()).rejects.toThrow("connection reset");
    storage.createTrialOnce = createTrialOnce;
    expect(warnings.at(-1)).toBe("trial 7 could not be handed out (connection reset) and was failed, but not queued again (disk full): its values are lost to the queue");
  });

  it("gives back the segment of a population whose ask a storage error stopped after it was claimed", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "pop", storage, direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, segmentSteps: 1, seed: 3 }) });
    for (let k = 0; k < 2; k++) {
      const segment = await study.ask();
      segment.suggestFloat("lr", 0, 1);
      await study.tell(segment, k);
    }
    // The next segment is claimed, then the write of what the scheduler decided for it fails.
    const updateTrial = storage.updateTrial.bind(storage);
    let refusals = 1;
    storage.updateTrial = (id, patch) => (refusals-- > 0 ? Promise.reject(new Error("connection reset")) : updateTrial(id, patch));
    await expect(study.ask()).rejects.toThrow("connection reset");
    const lost = study.trials.find((t) => t.state === "failed")!;
    expect(lost.systemAttrs.failReason).toBe("its ask could not be completed: connection reset");
    // Queued again as the same segment, still to be decided: the population does not stall.
    const asked = [await study.ask(), await study.ask()];
    const retry = asked.find((t) => t.systemAttrs.retryOf === lost.number)!;
    expect(retry.systemAttrs).toMatchObject({ "pbt:member": lost.systemAttrs["pbt:member"], "pbt:segment": 1, "pbt:undecided": false });
  });

  it("supports ask/tell and multi-objective Pareto fronts", async () => {
    const study = await createStudy({ directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 5 }) });
    for (const [a, b] of [[1, 1], [2, 3], [3, 2], [0.5, 0.5]] as const) {
      const trial = await study.ask();
      await study.tell(trial, [a, b]);
    }
    expect(study.bestTrials.map((t) => t.values)).toEqual([[0.5, 0.5], [1, 1], [2, 3]]);
    expect(() => study.bestTrial).toThrow(/several objectives/);
  });

  it("finds the Pareto front again only when a trial has finished since", async () => {
    // sextant tune's progress line asks for it 4 times a second: found anew at every call, a
    // three-objective front of thousands of trials kept the process busy and tune crawled.
    const study = await createStudy({ directions: ["minimize", "minimize", "minimize"], sampler: new RandomSampler({ seed: 5 }) });
    for (let i = 0; i < 2000; i++) {
      const trial = await study.ask();
      const [u, v] = [(i % 50) / 50, Math.floor(i / 50) / 40].map((share) => (share * Math.PI) / 2) as [number, number];
      await study.tell(trial, [Math.cos(u) * Math.cos(v), Math.cos(u) * Math.sin(v), Math.sin(u)]);
    }
    expect(study.bestTrials).toHaveLength(2000);
    const started = performance.now();
    for (let call = 0; call < 100; call++) study.bestTrials.length;
    expect(performance.now() - started).toBeLessThan(1500);
    const running = await study.ask();
    expect(study.bestTrials).toHaveLength(2000);
    await study.tell(running, [-1, -1, -1]);
    expect(study.bestTrials.map((t) => t.number)).toEqual([running.number]);
  });

  it("prunes through the pruner contract and keeps the last intermediate value", async () => {
    const pruneAfterTwo: Pruner = { name: "after-two", prune: (_s, t) => (lastIntermediate(t)?.step ?? -1) >= 2 };
    const study = await createStudy({ sampler: new RandomSampler({ seed: 6 }), pruner: pruneAfterTwo });
    await study.optimize((trial) => {
      for (let step = 0; step < 10; step++) {
        trial.reportIntermediate(10 - step, step);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return 0;
    }, { nTrials: 2 });
    expect(study.trials.map((t) => t.state)).toEqual(["pruned", "pruned"]);
    expect(study.trials[0]!.values).toEqual([8]);
    expect(Object.keys(study.trials[0]!.intermediate)).toHaveLength(3);
  });

  it("stores a pruned trial's told values as its last intermediate value would be: ±Infinity kept, NaN refused with the trial left running", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 6 }) });
    const trial = await study.ask();
    trial.reportIntermediate(3, 0);
    // It was stored without a value, as if none had been told, and said nothing.
    await expect(study.tell(trial, { state: "pruned", values: Number.NaN })).rejects.toThrow(
      "tell: trial 0: a pruned trial's value must be a number (±Infinity is kept), got NaN; leave values out and it keeps its last intermediate value unless that is NaN, as Optuna's tell of a pruned trial does",
    );
    expect(study.trials[0]!.state).toBe("running");
    expect((await study.tell(trial, { state: "pruned", values: [Infinity] })).values).toEqual([Infinity]);
  });

  it("keeps a step's first reported value, as Optuna does, and warns once per trial", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "repeat", storage, sampler: new RandomSampler({ seed: 2 }) });
    const warnings: string[] = [];
    study.onWarning = (message) => warnings.push(message);
    const trial = await study.ask();
    expect(trial.reportIntermediate(1, 0)).toBe(true);
    expect(trial.reportIntermediate(2, 0)).toBe(false);
    expect(trial.reportIntermediate(3, 0)).toBe(false);
    expect(trial.reportIntermediate(1, 0)).toBe(true); // the same value again is no repeat
    expect(trial.reportIntermediate(4, 1)).toBe(true);
    expect(trial.intermediate).toEqual({ 0: 1, 1: 4 });
    expect(warnings).toEqual([
      "trial 0: step 0 was already reported as 1; ignoring 2 (a step keeps its first value; further repeats in this trial are ignored without a warning)",
    ]);
    // What storage holds stands too: a study object that resumes the trial keeps it.
    await study.flushTrial(trial);
    const other = await loadStudy({ name: "repeat", storage, sampler: new RandomSampler({ seed: 3 }) });
    other.onWarning = (message) => warnings.push(message);
    const resumed = await other.resumeTrial(0);
    expect(resumed.reportIntermediate(9, 1)).toBe(false);
    expect(warnings).toHaveLength(2);
    expect((await other.tell(resumed, 4)).intermediate).toEqual({ 0: 1, 1: 4 });
  });

  it("refuses optimize options it would misread, before running any trial", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 8 }) });
    const objective = (t: { suggestFloat(name: string, low: number, high: number): number }) => t.suggestFloat("x", 0, 1);
    const bad = (options: unknown) => study.optimize(objective, options as never);
    // A misspelt nTrials used to run until interrupted; negative or NaN counts ran nothing, silently.
    await expect(bad({ ntrials: 5 })).rejects.toThrow(/optimize: unknown option "ntrials" \(did you mean "nTrials"\?\); valid options: nTrials, /);
    await expect(bad({ nTrials: -1 })).rejects.toThrow("optimize: nTrials must be a non-negative integer, got -1");
    await expect(bad({ nTrials: NaN })).rejects.toThrow("optimize: nTrials must be a non-negative integer, got NaN");
    await expect(bad({ nTrials: 2.5 })).rejects.toThrow("optimize: nTrials must be a non-negative integer, got 2.5");
    await expect(bad({ nTrials: "3" })).rejects.toThrow('optimize: nTrials must be a non-negative integer, got the string "3"');
    await expect(bad({ nTrials: 2, concurrency: 0 })).rejects.toThrow("optimize: concurrency must be a positive integer, got 0");
    await expect(bad({ nTrials: 2, concurrency: Infinity })).rejects.toThrow("optimize: concurrency must be a positive integer, got Infinity");
    await expect(bad({ nTrials: 2, timeoutSeconds: -1 })).rejects.toThrow("optimize: timeoutSeconds must be a non-negative number of seconds, got -1");
    await expect(bad({ nTrials: 2, timeoutSeconds: NaN })).rejects.toThrow("optimize: timeoutSeconds must be a non-negative number of seconds, got NaN");
    await expect(bad({ stopAfter: { trialsWithoutImprovment: 3 } })).rejects.toThrow(/optimize: stopAfter: unknown option "trialsWithoutImprovment" \(did you mean "trialsWithoutImprovement"\?\)/);
    await expect(bad({ stopAfter: { totalTrials: -3 } })).rejects.toThrow("optimize: stopAfter.totalTrials must be a non-negative integer, got -3");
    await expect(study.optimize("x" as never, { nTrials: 1 })).rejects.toThrow('optimize: the objective must be a function (trial) => number | number[], got the string "x"');
    expect(study.trials).toHaveLength(0);
    await study.optimize(objective, { nTrials: 0 });
    await study.optimize(objective, { nTrials: 2, timeoutSeconds: Infinity, concurrency: 2 });
    expect(study.trials).toHaveLength(2);
  });

  it("refuses to tell a trial another study asked, or a state it does not know, leaving the trial running", async () => {
    const storage = new MemoryStorage();
    const first = await createStudy({ name: "first", storage, sampler: new RandomSampler({ seed: 1 }) });
    const second = await createStudy({ name: "second", storage, sampler: new RandomSampler({ seed: 2 }) });
    const own = await first.ask();
    const other = await second.ask();
    other.suggestFloat("y", 0, 1);
    // Telling `other` to `first` used to finish the second study's trial and show it among the first's.
    await expect(first.tell(other, 1)).rejects.toThrow('trial 0 was not asked of study "first" (it belongs to another study or study object); tell the study that asked it');
    await expect(first.tell({ number: 0, id: 1 } as never, 1)).rejects.toThrow(/was not asked of study "first"/);
    await expect(first.tell(own, { state: "done" } as never)).rejects.toThrow('tell: trial 0: state must be "complete", "pruned" or "failed", got "done"');
    await expect(first.tell(own, { state: "running" } as never)).rejects.toThrow(/state must be "complete", "pruned" or "failed", got "running"/);
    await first.refresh();
    await second.refresh();
    expect(first.trials.map((t) => [t.state, t.params])).toEqual([["running", {}]]);
    expect(second.trials.map((t) => t.state)).toEqual(["running"]);
    expect((await first.tell(own, 3)).state).toBe("complete");
    expect((await second.tell(other, 4)).values).toEqual([4]);
  });

  it("stops on stop() and on stopAfter", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 8 }) });
    await study.optimize((t) => {
      if (t.number === 4) study.stop();
      return t.suggestFloat("x", 0, 1);
    }, { nTrials: 100 });
    expect(study.trials).toHaveLength(5);
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { stopAfter: { totalTrials: 12 } });
    expect(study.trials).toHaveLength(12);
  });

  it("resumes a running trial asked by another study object and tells it", async () => {
    const storage = new MemoryStorage();
    const first = await createStudy({ name: "shared", storage, sampler: new RandomSampler({ seed: 3 }) });
    const asked = await first.ask();
    const x = asked.suggestFloat("x", 0, 1);
    asked.reportIntermediate(0.5, 0);
    await first.flushTrial(asked);
    const second = await loadStudy({ name: "shared", storage, sampler: new RandomSampler({ seed: 4 }) });
    const resumed = await second.resumeTrial(asked.number);
    expect(resumed.params.x).toBe(x);
    expect(resumed.suggestFloat("x", 0, 1)).toBe(x);
    expect(resumed.intermediate[0]).toBe(0.5);
    expect(await second.resumeTrial(asked.number)).toBe(resumed);
    const told = await second.tell(resumed, x * 2);
    expect(told.state).toBe("complete");
    expect(told.values).toEqual([x * 2]);
    await expect(loadStudy({ name: "shared", storage, sampler: new RandomSampler() }).then((s) => s.resumeTrial(asked.number))).rejects.toBeInstanceOf(
      TrialNotRunningError,
    );
    await expect(second.resumeTrial(99)).rejects.toBeInstanceOf(TrialNumberNotFoundError);
  });

  it("keeps what flushing a trial stored, so its record is known without another read", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "flushed", storage, sampler: new RandomSampler({ seed: 3 }) });
    const asked = await study.ask();
    const x = asked.suggestFloat("x", 0, 1);
    await study.flushTrial(asked);
    expect(study.trials[asked.number]).toEqual(await storage.getTrial(asked.id));
    expect(study.trials[asked.number]!.params).toEqual({ x });
  });

  it("shows the sampler the parameters of trials this process runs, before they reach storage", async () => {
    // A GP with --jobs N keeps proposals apart only if it sees its siblings' parameters.
    const seen: Record<string, unknown>[][] = [];
    const random = new RandomSampler({ seed: 6 });
    const spy: Sampler = {
      name: "spy",
      inferRelativeSpace: (snapshot) => {
        seen.push(snapshot.trials.filter((t) => t.state === "running").map((t) => ({ ...t.params })));
        return {};
      },
      sampleRelative: () => ({}),
      sampleIndependent: (snapshot, trial, name, distribution) => random.sampleIndependent(snapshot, trial, name, distribution),
    };
    const study = await createStudy({ storage: new MemoryStorage(), sampler: spy });
    const first = await study.ask();
    const x = first.suggestFloat("x", 0, 1);
    await study.refresh();
    const second = await study.ask();
    expect(seen[1]).toEqual([{ x }, {}]);
    // Once stored and read back, the record still shows them; finished, it is the stored one.
    const y = second.suggestFloat("x", 0, 1);
    await study.flushTrial(second);
    await study.refresh();
    await study.ask();
    expect(seen[2]).toEqual([{ x }, { x: y }, {}]);
    await study.tell(first, 1);
    expect(study.trials[first.number]).toEqual(await study.storage.getTrial(first.id));
  });

  it("shows the sampler the values a running trial of this process will get, before its objective asks for them", async () => {
    // A define-by-run client of `sextant serve` suggests each parameter in its own request; a sibling asked in between must see the plan.
    const seen: Record<string, unknown>[][] = [];
    const spy: Sampler = {
      name: "spy",
      inferRelativeSpace: () => ({ x: { type: "float", low: 0, high: 1 } }),
      sampleRelative: (snapshot, trial) => {
        seen.push(snapshot.trials.filter((t) => t.state === "running" && t.number !== trial.number).map((t) => ({ ...t.params })));
        return { x: trial.number / 10 };
      },
      sampleIndependent: () => {
        throw new Error("every parameter here is sampled jointly");
      },
    };
    const study = await createStudy({ storage: new MemoryStorage(), sampler: spy });
    const first = await study.ask();
    const second = await study.ask();
    expect(seen[1]).toEqual([{ x: 0 }]);
    // Only samplers see the plan: the trial shows what was suggested.
    expect(study.trials[first.number]!.params).toEqual({});
    expect(first.suggestFloat("x", 0, 1)).toBe(0);
    await study.tell(first, 1);
    await study.ask();
    expect(seen[2]).toEqual([{ x: second.number / 10 }]);
  });

  it("lets go of a trial finished elsewhere, so resuming it by number reports it finished", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "reaped", storage, sampler: new RandomSampler({ seed: 5 }) });
    const trial = await study.ask();
    expect(await study.resumeTrial(trial.number)).toBe(trial);
    await storage.updateTrial(trial.id, { state: "failed", values: null, systemAttrs: { failReason: "no heartbeat" } });
    await study.refresh();
    await expect(study.resumeTrial(trial.number)).rejects.toBeInstanceOf(TrialNotRunningError);
    // Telling it keeps what the storage holds and warns, rather than ending the caller's run.
    const warnings: string[] = [];
    study.onWarning = (message) => warnings.push(message);
    expect(await study.tell(trial, 1)).toMatchObject({ state: "failed", systemAttrs: { failReason: "no heartbeat" } });
    expect(warnings.join("\n")).toContain(`trial ${trial.number}`);
  });
});

describe("Study.recommendation and the model's fitted noise", () => {
  /** Random search that, from trial 3 on, records a model-style recommendation of trial 1 with the given noise share. */
  class RecordingSampler extends RandomSampler {
    constructor(private readonly noiseShare: number | undefined) {
      super({ seed: 1 });
    }
    override sampleIndependent(...args: Parameters<RandomSampler["sampleIndependent"]>): ReturnType<RandomSampler["sampleIndependent"]> {
      const trial = args[1];
      if (trial.number >= 3) {
        trial.setSystemAttr(RECOMMENDED_TRIAL_ATTR, { trial: 1, mean: 0.5, sd: 0.01, units: "objective", observations: 3, sampler: "model", ...(this.noiseShare === undefined ? {} : { noiseShare: this.noiseShare }) });
      }
      return super.sampleIndependent(...args);
    }
  }
  /** Trial 0 is the best observed (0.1); trial 1 (0.6) is the one the records recommend. */
  async function study(noiseShare: number | undefined) {
    const s = await createStudy({ sampler: new RecordingSampler(noiseShare) });
    const values = [0.1, 0.6, 0.8, 0.9, 0.7];
    await s.optimize((t) => (t.suggestFloat("x", 0, 1), values[t.number]!), { nTrials: values.length });
    return s;
  }

  it("shows a model's recommendation when its fitted noise is material", async () => {
    const s = await study(MATERIAL_NOISE_SHARE);
    expect(s.recommendation).toMatchObject({ source: "model", record: { trial: 1, noiseShare: MATERIAL_NOISE_SHARE } });
    expect(s.recommendedTrial!.number).toBe(1);
  });

  it("falls back to the best observed trial, keeping the model's choice aside, when the model fitted almost no noise", async () => {
    const s = await study(1e-4);
    const recommendation = s.recommendation!;
    expect(recommendation.source).toBe("best observed");
    expect(recommendation.trial.number).toBe(0);
    expect(recommendation.record).toBeUndefined();
    expect(recommendation.setAside).toMatchObject({ trial: 1, noiseShare: 1e-4 });
  });

  it("keeps showing records written before the noise share was kept", async () => {
    expect((await study(undefined)).recommendation).toMatchObject({ source: "model", trial: { number: 1 } });
  });
});

/**
 * A memory storage with the one-trip finish-and-start and group commit of PostgreSQL, whose
 * writes take a varying few milliseconds, so `optimize` runs several lanes ahead of them.
 */
class GroupCommitMemoryStorage extends MemoryStorage {
  readonly groupCommit = true;
  studyId = -1;
  private tick = 0;

  async finishAndStartNext(
    trialId: number,
    patch: Parameters<MemoryStorage["updateTrial"]>[1],
    init: { systemAttrs?: Record<string, never> },
  ) {
    await new Promise((resolve) => setTimeout(resolve, 1 + (this.tick++ % 4)));
    const finished = await this.updateTrial(trialId, patch);
    const trial = (await this.claimWaitingTrial(this.studyId)) ?? (await this.createTrial(this.studyId, { ...init, state: "running" }));
    return { finished, started: { trial, changes: null } };
  }
}

describe("Study.optimize running quick trials ahead of their writes", () => {
  it("starts exactly nTrials trials, however the lanes interleave", async () => {
    // One objective call at a time (lanes run ahead of the writes) and three at once.
    for (const [seed, concurrency] of [[1], [2], [3], [4], [5, 3], [6, 3]] as const) {
      const storage = new GroupCommitMemoryStorage();
      const study = await createStudy({ storage, direction: "minimize", sampler: new RandomSampler({ seed }) });
      storage.studyId = study.id;
      const seen: number[] = [];
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), {
        nTrials: 60,
        ...(concurrency ? { concurrency } : {}),
        callbacks: [(_study, trial) => void seen.push(trial.number)],
      });
      const { trials } = await storage.trialsSince(study.id, 0);
      expect(trials.map((t) => [t.number, t.state])).toEqual(Array.from({ length: 60 }, (_, i) => [i, "complete"]));
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    }
  });
});

describe("Study with the wilcoxon pruner", () => {
  it("says through onWarning, once, that a best trial without steps leaves it nothing to compare with", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }), pruner: createPrunerByName("wilcoxon", { n_startup_steps: "0" }), onWarning: (m) => warnings.push(m) });
    const told = await study.ask();
    await study.tell(told, 1);
    for (let t = 0; t < 2; t++) {
      const trial = await study.ask();
      for (let step = 0; step < 6; step++) {
        trial.reportIntermediate(50, step);
        expect(trial.shouldPrune()).toBe(false);
      }
      await study.tell(trial, 50);
    }
    expect(warnings).toEqual([expect.stringMatching(/^trial 1: the wilcoxon pruner compares a trial's steps with the best trial's, and the best trial \(0\) reported none/)]);
  });
});

describe("what createStudy records of its sampler and pruner", () => {
  it("records a built-in's name and options, for servers and reports to rebuild it by, and only the name of one of the user's own", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "built-in", storage, sampler: new RandomSampler({ seed: 4 }), pruner: createPrunerByName("patient", { patience: 2, wrapped: "median", wrappedOptions: '{"nWarmupSteps":0}' }) });
    expect((await storage.getStudy("built-in"))!.systemAttrs).toMatchObject({
      sampler: "random",
      pruner: "patient",
      [LIBRARY_SAMPLER_ATTR]: { name: "random", options: { seed: 4 } },
      [LIBRARY_PRUNER_ATTR]: { name: "patient", options: { patience: 2, wrapped: "median", wrappedOptions: '{"nWarmupSteps":0}' } },
    });
    // A sampler of its own (no spec), and a built-in pruner under a name of its own, which the registry would not build.
    const random = new RandomSampler({ seed: 4 });
    const own: Sampler = { name: "mine", inferRelativeSpace: () => ({}), sampleRelative: () => ({}), sampleIndependent: (...args) => random.sampleIndependent(...args) };
    await createStudy({ name: "own", storage, sampler: own, pruner: new PercentilePruner({ percentile: 10 }, "strict") });
    const record = (await storage.getStudy("own"))!;
    expect(record.systemAttrs).toMatchObject({ sampler: "mine", pruner: "strict" });
    expect(record.systemAttrs).not.toHaveProperty(LIBRARY_SAMPLER_ATTR);
    expect(record.systemAttrs).not.toHaveProperty(LIBRARY_PRUNER_ATTR);
  });

  it("keeps what the study was created with when it is loaded or resumed with other options, as before", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "s", storage, pruner: createPrunerByName("median", { nWarmupSteps: 0 }) });
    const resumed = await createStudy({ name: "s", storage, loadIfExists: true, pruner: createPrunerByName("median", { nWarmupSteps: 3 }) });
    const loaded = await loadStudy({ name: "s", storage, pruner: createPrunerByName("threshold", { upper: 1 }) });
    expect([resumed.pruner.name, loaded.pruner.name]).toEqual(["median", "threshold"]);
    expect((await storage.getStudy("s"))!.systemAttrs[LIBRARY_PRUNER_ATTR]).toEqual({ name: "median", options: { nWarmupSteps: 0 } });
  });
});
