import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import "../index.js"; // registers the default sampler (auto)
import "../storage/sqlite.js";
import { RandomSampler } from "../samplers/index.js";
import { InvalidDistributionError, type JsonValue } from "../space/index.js";
import { MemoryStorage, type Storage, StudyNotFoundError } from "../storage/index.js";
import { bestSoFar, importance } from "../analysis/index.js";
import { commandObjective } from "./command-runner.js";
import { createStudy, loadStudy } from "./index.js";

// What a caller of the trial and study API can get wrong, and what each mistake must (not) cost.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sextant-contract-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("attributes that are not JSON", () => {
  it("fail the trial that sets them, and the run goes on, instead of losing its value and leaving it running", async () => {
    const storage = `sqlite:${join(dir, "s.db")}`;
    const study = await createStudy({ name: "attrs", storage, sampler: new RandomSampler({ seed: 1 }) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [10n, new Date(0), cyclic, { nested: [1, undefined] }, () => 1];
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        if (trial.number < bad.length) trial.setUserAttr("n", bad[trial.number] as never);
        return x;
      },
      { nTrials: bad.length + 1, heartbeat: false },
    );
    await study.close();
    const again = await loadStudy({ name: "attrs", storage });
    const states = again.trials.map((t) => t.state);
    expect(states).toEqual(["failed", "failed", "failed", "failed", "failed", "complete"]);
    const reasons = again.trials.slice(0, bad.length).map((t) => String(t.systemAttrs.failReason));
    expect(reasons[0]).toMatch(/setUserAttr: the value of "n" is the bigint 10n, not a JSON value/);
    expect(reasons[1]).toMatch(/the value of "n" is a Date, not a JSON value/);
    expect(reasons[2]).toMatch(/the value of "n"\.self refers back to an object that contains it/);
    expect(reasons[3]).toMatch(/the value of "n"\.nested\[1\] is undefined/);
    expect(reasons[4]).toMatch(/the value of "n" is a function/);
    await again.close();
  });

  it("are refused on the study too, and a system attribute set after tell is refused rather than dropped", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await expect(study.setUserAttr("when", new Date(0) as never)).rejects.toThrow(/is a Date, not a JSON value/);
    const trial = await study.ask();
    trial.suggestFloat("x", 0, 1);
    await study.tell(trial, 1);
    expect(() => trial.setSystemAttr("note", 1)).toThrow(/trial 0 has already finished/);
  });

  it("(createStudy) takes a readonly directions list, such as another study's", async () => {
    const first = await createStudy({ directions: ["minimize", "maximize"] as const });
    // Typed Direction[] before, so TypeScript refused both of these.
    const second = await createStudy({ directions: first.directions });
    expect(second.directions).toEqual(["minimize", "maximize"]);
  });

  it("refuses a bad direction or directions with a TypeError naming the option, as its other options", async () => {
    const refused: [object, string][] = [
      [{ direction: "min" }, 'createStudy: direction must be "minimize" or "maximize", got "min"'],
      [{ directions: ["minimize", "max"] }, 'createStudy: directions[1] must be "minimize" or "maximize", got "max"'],
      // Read letter by letter: 'direction must be "minimize" or "maximize", got "m"'.
      [{ directions: "maximize" }, 'createStudy: directions must be an array such as ["minimize", "maximize"], got "maximize"'],
      [{ directions: [] }, "createStudy: directions must not be empty"],
      [{ direction: "minimize", directions: ["minimize"] }, "createStudy: give either direction or directions, not both"],
    ];
    for (const [options, message] of refused) {
      const made = createStudy(options as never);
      await expect(made).rejects.toBeInstanceOf(TypeError);
      await expect(made).rejects.toThrow(message);
    }
  });

  it("refuse the key __proto__, which was accepted and then lost (and replaced the attributes' prototype)", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await expect(study.setUserAttr("__proto__", { note: 1 })).rejects.toThrow(/"__proto__" is not allowed as a key/);
    const trial = await study.ask();
    expect(() => trial.setUserAttr("__proto__", { note: 1 })).toThrow(/trial 0: setUserAttr: "__proto__" is not allowed as a key/);
    expect(() => trial.setSystemAttr("__proto__", 1)).toThrow(/"__proto__" is not allowed/);
    expect(Object.getPrototypeOf(trial.userAttrs)).toBe(Object.prototype);
  });
});

describe("loadStudy", () => {
  it("refuses what it would ignore or fail on later: a direction, unknown options, a sampler or pruner by name", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "s", storage, direction: "minimize" });
    const load = (options: object) => loadStudy({ name: "s", storage, ...options } as never);
    await expect(load({ direction: "maximize" })).rejects.toThrow(/loadStudy: a study keeps the directions it was created with; to check them, use createStudy/);
    await expect(load({ samplr: new RandomSampler() })).rejects.toThrow(/loadStudy: unknown option "samplr" \(did you mean "sampler"\?\)/);
    await expect(load({ sampler: "tpe" })).rejects.toThrow(/loadStudy: sampler must be a sampler object/);
    await expect(load({ pruner: "median" })).rejects.toThrow(/loadStudy: pruner must be a pruner object/);
    await expect(load({})).resolves.toBeDefined();
  });

  it("leaves no file behind for a SQLite path that does not exist (a misspelt one)", async () => {
    const path = join(dir, "sextnat.db");
    // It created and migrated an empty database there, and then said the study was missing.
    await expect(loadStudy({ name: "quadratic", storage: `sqlite:${path}` })).rejects.toThrow(`no study named "quadratic" in sqlite:${path}: the file ${path} does not exist`);
    expect(existsSync(path)).toBe(false);
  });

  it("throws StudyNotFoundError for a study that is not there, as copyStudy does", async () => {
    // A plain Error: code that caught a missing study by its class (the storage's exported error) missed it.
    const missingFile = loadStudy({ name: "quadratic", storage: `sqlite:${join(dir, "none.db")}` });
    await expect(missingFile).rejects.toBeInstanceOf(StudyNotFoundError);
    await expect(missingFile).rejects.toMatchObject({ name: "StudyNotFoundError", studyName: "quadratic" });
    await createStudy({ name: "other", storage: `sqlite:${join(dir, "some.db")}` }).then((s) => s.close());
    for (const storage of [`sqlite:${join(dir, "some.db")}`, "memory:"]) {
      const missingName = loadStudy({ name: "quadratic", storage });
      await expect(missingName).rejects.toBeInstanceOf(StudyNotFoundError);
      await expect(missingName).rejects.toThrow(`no study named "quadratic" in ${storage}`);
    }
  });
});

describe("stopAfter.trialsWithoutImprovement", () => {
  it("measures improvement on feasible trials, as bestTrial does", async () => {
    const values = [0, 10, 9, 8, 7, 7.5, 7.5];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }), constraints: (t) => [t.number === 0 ? 1 : -1] });
    await study.optimize((trial) => (trial.suggestFloat("x", 0, 1), values[trial.number]!), {
      nTrials: values.length,
      stopAfter: { trialsWithoutImprovement: 2 },
    });
    // Trial 0 is infeasible: trials 1-4 each improve on the best feasible one, 5 and 6 do not.
    expect(study.trials.length).toBe(7);
    expect(study.bestValue).toBe(7);
  });

  it("with several objectives counts the trials that add nothing to the Pareto front", async () => {
    const points = [[1, 5], [5, 1], [3, 3], [4, 4], [2, 6], [3, 3], [6, 6], [0, 0]];
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => (trial.suggestFloat("x", 0, 1), points[trial.number]!), {
      nTrials: points.length,
      stopAfter: { trialsWithoutImprovement: 3 },
      timeoutSeconds: 30,
    });
    // [4, 4], [2, 6] and the repeated [3, 3] are dominated (weakly) by earlier points: stop before [6, 6].
    expect(study.trials.length).toBe(6);
  });

  it("does not make a run of several objectives slower with every trial", async () => {
    // The front was found again from every complete trial before each trial started: 2,000 trials
    // that each joined the front took 50 seconds, against a fraction of one without stopAfter.
    // bench/pareto-front.mjs measures the time against the same run without stopAfter; here the
    // old cost would run into the test's timeout.
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        return [x, 1 - x];
      },
      { nTrials: 2000, stopAfter: { trialsWithoutImprovement: 100 } },
    );
    expect(study.trials).toHaveLength(2000);
  }, 30_000);

  it("starts its count over when the study becomes constrained", async () => {
    // Trials 0-2 have no constraints; once trial 3 has, they are of unknown feasibility and never
    // improved: trial 3 is the first improvement, 4 and 5 are not, so the run stops after 5.
    const values = [5, 4, 3, 9, 10, 11, 12, 13];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => (trial.suggestFloat("x", 0, 1), values[trial.number]!), { nTrials: 3, stopAfter: { trialsWithoutImprovement: 2 } });
    const constrained = await createStudy({ storage: study.storage, name: study.name, loadIfExists: true, sampler: new RandomSampler({ seed: 1 }), constraints: () => [-1] });
    await constrained.optimize((trial) => (trial.suggestFloat("x", 0, 1), values[trial.number]!), { nTrials: 5, stopAfter: { trialsWithoutImprovement: 2 } });
    expect(constrained.trials).toHaveLength(6);
  });
});

describe("constrained studies", () => {
  it("never take a trial of unknown feasibility as the best", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const first = await study.ask();
    first.suggestFloat("x", 0, 1);
    await study.tell(first, -10); // before the study knew it had constraints
    for (const [value, constraint] of [[3, -1], [1, 5]] as const) {
      const trial = await study.ask();
      trial.suggestFloat("x", 0, 1);
      await study.tell(trial, value, { constraints: [constraint] });
    }
    expect(study.bestTrial?.values).toEqual([3]);
    expect(study.bestTrials.map((t) => t.number)).toEqual([1]);
  });
});

describe("tell", () => {
  it("refuses a complete result without values and leaves the trial running to be told again", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    trial.suggestFloat("x", 0, 1);
    // It failed the trial for good: "objective returned undefined, not a finite number".
    const refused = study.tell(trial, { state: "complete" } as never);
    await expect(refused).rejects.toBeInstanceOf(TypeError);
    await expect(refused).rejects.toThrow('tell: trial 0: a complete result needs values (a number); give { state: "complete", values } or the values alone');
    expect(study.trials[0]!.state).toBe("running");
    expect((await study.tell(trial, { state: "complete", values: 0.5 })).values).toEqual([0.5]);
    const two = await createStudy({ directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 1 }) });
    await expect(two.tell(await two.ask(), { state: "complete" } as never)).rejects.toThrow(/needs values \(an array of 2 numbers\)/);
  });

  it("refuses a complete result whose values are undefined (values: metrics.loss, loss missing) and leaves the trial running", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    const metrics: { loss?: number } = {};
    // It failed the trial for good: "objective returned undefined, not a finite number".
    const refused = study.tell(trial, { state: "complete", values: metrics.loss } as never);
    await expect(refused).rejects.toBeInstanceOf(TypeError);
    await expect(refused).rejects.toThrow('tell: trial 0: a complete result needs values (a number), got undefined; give { state: "complete", values } or the values alone');
    expect(study.trials[0]!.state).toBe("running");
    await expect(study.tell(trial, { state: "complete", values: undefined, constraints: [1] } as never)).rejects.toThrow(/needs values \(a number\), got undefined/);
    expect((await study.tell(trial, { state: "complete", values: 0.5 })).values).toEqual([0.5]);
  });

  it("refuses a complete result whose values are null, as undefined ones, and leaves the trial running", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    // It failed the trial for good: "objective returned null, not a finite number".
    const refused = study.tell(trial, { state: "complete", values: null } as never);
    await expect(refused).rejects.toBeInstanceOf(TypeError);
    await expect(refused).rejects.toThrow('tell: trial 0: a complete result needs values (a number), got null; give { state: "complete", values } or the values alone');
    expect(study.trials[0]!.state).toBe("running");
    expect((await study.tell(trial, { state: "complete", values: 0.5 })).values).toEqual([0.5]);
  });

  it("refuses a pruned trial's values of the wrong length and leaves the trial running to be told again", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    trial.suggestFloat("x", 0, 1);
    await expect(study.tell(trial, { state: "pruned", values: [0.5] })).rejects.toThrow(/a pruned trial's values need one value per objective \(2\), got 1/);
    await expect(study.tell(trial, { state: "pruned", values: [1, 2, 3] })).rejects.toThrow(/\(2\), got 3/);
    const told = await study.tell(trial, { state: "pruned", values: [1, 2] });
    expect(told.values).toEqual([1, 2]);
  });

  it("takes a pruned trial's null values as none, as undefined ones: the last intermediate value with one objective", async () => {
    for (const values of [undefined, null]) {
      const single = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
      const trial = await single.ask();
      trial.reportIntermediate(0.5, 1);
      // It stored the pruned trial with no value, where Optuna's values=None keeps the last one.
      expect((await single.tell(trial, { state: "pruned", values })).values).toEqual([0.5]);
      const double = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
      const second = await double.ask();
      // It threw "a pruned trial's values need one value per objective (2), got 1".
      const told = await double.tell(second, { state: "pruned", values });
      expect([told.state, told.values]).toEqual(["pruned", null]);
    }
  });
});

describe("search spaces the code cannot define", () => {
  it("stop optimize with the error after failing the one trial, instead of failing every trial without a word", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await expect(
      study.optimize((trial) => trial.suggestFloat("lr", 1e-5, 1e-1, { log: true, step: 1e-5 }), { timeoutSeconds: 5 }),
    ).rejects.toThrow(InvalidDistributionError);
    expect(study.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual([["failed", 'parameter "lr": log and step cannot be combined']]);
  });

  it("refuse suggest options that are misspelt or not booleans", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    expect(() => trial.suggestFloat("a", 1e-6, 1, { lg: true } as never)).toThrow(/suggestFloat\("a"\): unknown option "lg"; valid options: log, step/);
    expect(() => trial.suggestFloat("b", 1, 10, { log: "false" } as never)).toThrow(/log must be true or false, got the text "false"/);
    expect(() => trial.suggestInt("c", 0, 10, { step: "2" } as never)).toThrow(/step must be a positive number, got the text "2"/);
    expect(trial.suggestFloat("d", 1, 10, { log: false })).toBeGreaterThanOrEqual(1);
  });
});

describe("study.trials while other workers run", () => {
  it("never shows made-up waiting trials for ones not read yet", async () => {
    const storage = `sqlite:${join(dir, "g.db")}`;
    const a = await createStudy({ name: "g", storage, sampler: new RandomSampler({ seed: 1 }) });
    const b = await loadStudy({ name: "g", storage, sampler: new RandomSampler({ seed: 2 }) });
    const phantoms: number[] = [];
    const objective = async (trial: { suggestFloat: (n: string, l: number, h: number) => number }) => {
      const x = trial.suggestFloat("x", 0, 1);
      await new Promise((resolve) => setTimeout(resolve, 2));
      return x;
    };
    await Promise.all([
      a.optimize(objective, { nTrials: 20, heartbeat: false, callbacks: [(s) => void phantoms.push(s.trials.filter((t) => t.id < 0 || t.state === "waiting").length)] }),
      b.optimize(objective, { nTrials: 20, heartbeat: false }),
    ]);
    await a.close();
    await b.close();
    expect(phantoms.length).toBe(20);
    expect(phantoms.every((n) => n === 0)).toBe(true);
  });
});

describe("names", () => {
  it("refuses a study name the HTTP service and dashboard could not reach, by the same rule they use", async () => {
    const bad = (name: string) => createStudy({ name, storage: new MemoryStorage() });
    await expect(bad("x".repeat(201))).rejects.toThrow("createStudy: name must be at most 200 characters, got 201");
    await expect(bad("tab\there")).rejects.toThrow("createStudy: name must not contain control characters (a tab at 4)");
    await expect(bad("lone\ud800")).rejects.toThrow("createStudy: name must be well-formed Unicode (it holds a lone surrogate)");
    await expect(bad("x".repeat(200))).resolves.toBeDefined();
    await expect(bad("emoji \u{1F600}")).resolves.toBeDefined();
  });

  it("refuses a parameter name longer than the service takes, stopping optimize as a bad distribution does", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await expect(study.optimize((trial) => trial.suggestFloat("p".repeat(201), 0, 1), { nTrials: 3 })).rejects.toThrow(
      /parameter name "p{40}…" has 201 characters; at most 200/,
    );
    expect(study.trials.length).toBe(1);
  });
});

describe("misspelt options of the library's other entry points", () => {
  it("are refused where they used to be ignored, some with a wrong result", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    trial.suggestFloat("x", 0, 1);
    // { constraint: [5] } stored an infeasible trial as feasible, and it became the best.
    await expect(study.tell(trial, 0.1, { constraint: [5] } as never)).rejects.toThrow(/tell: unknown option "constraint" \(did you mean "constraints"\?\)/);
    expect(study.trials[0]!.state).toBe("running");
    await expect(study.enqueueTrial({ x: 0.5 }, { skipIfExist: true } as never)).rejects.toThrow(/enqueueTrial: unknown option "skipIfExist" \(did you mean "skipIfExists"\?\)/);
    // { lg: true } left a log-scale range linear.
    await expect(study.ask({ lr: { type: "float", low: 1e-5, high: 1, lg: true } as never })).rejects.toThrow(/unknown key "lg" in a float distribution; its keys are type, low, high, log, step/);
    expect(() => trial.suggest("c", { type: "categorical", choices: [1, 2], log: true } as never)).toThrow(/unknown key "log" in a categorical distribution/);
    expect(() => importance([], { directon: "maximize" } as never)).toThrow(/unknown option "directon" \(did you mean "direction"\?\)/);
    expect(() => bestSoFar([], { directon: "maximize" } as never)).toThrow(/bestSoFar: unknown option "directon"/);
    // A misspelt timeout ran every command without one.
    expect(() => commandObjective({ argv: ["true"], space: {}, timeout: 1 } as never)).toThrow(/commandObjective: unknown option "timeout"/);
    expect(() => commandObjective({ argv: ["true"] } as never)).toThrow("commandObjective: space must be an object of parameter names to distributions");
  });
});

describe("heartbeat reaping inside optimize", () => {
  /**
   * A study with one running trial per heartbeat record, none of which ever beat: killed workers of
   * other machines, as the reaper sees them. (A live ask/tell trial beats, and records the study's 60 s grace.)
   */
  async function studyWithDeadWorkers(name: string, records: JsonValue[]) {
    const storage = `sqlite:${join(dir, `${name}.db`)}`;
    const warnings: string[] = [];
    const study = await createStudy({ name, storage, sampler: new RandomSampler({ seed: 1 }), onWarning: (m) => void warnings.push(m) });
    const other = await loadStudy({ name, storage, sampler: new RandomSampler({ seed: 2 }) });
    const otherStorage = (other as unknown as { storage: Storage }).storage;
    for (const heartbeat of records) {
      await otherStorage.createTrial(other.id, { state: "running", params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } }, systemAttrs: { heartbeat } });
    }
    await other.close();
    return { study, warnings };
  }

  it("says which silent trials it failed and whether it queued them again, as the pid recovery does", async () => {
    // Its worker was to beat every 0.05 s with a 0.2 s grace.
    const { study, warnings } = await studyWithDeadWorkers("reap", [{ intervalSeconds: 0.05, graceSeconds: 0.2 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await study.optimize((trial) => new Promise((resolve) => setTimeout(() => resolve(trial.suggestFloat("x", 0, 1)), 150)), {
      nTrials: 3,
      maxRetries: 0,
      heartbeat: { intervalSeconds: 0.05, graceSeconds: 0.2 },
    });
    expect(warnings).toContain("trial(s) 0 had no heartbeat for more than 0.2 s; marked failed; none queued again: retried maxRetries (0) time(s) already (raise maxRetries, --max-retries, to retry more)");
    await study.close();
  });

  it("says the grace each silent trial was failed after, its own where it recorded a longer one", async () => {
    // One worker reaped by this process's 0.2 s, one by 0.4 s.
    const { study, warnings } = await studyWithDeadWorkers("reap-longer", [
      { intervalSeconds: 0.05, graceSeconds: 0.2 },
      { intervalSeconds: 0.05, graceSeconds: 0.4 },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1, maxRetries: 0, heartbeat: { intervalSeconds: 0.05, graceSeconds: 0.2 } });
    // Trial 1 was said to be failed after 0.2 s of silence, though the reaper had waited its 0.4 s.
    expect(warnings).toContain(
      "trial(s) 0 had no heartbeat for more than 0.2 s, trial(s) 1 for more than 0.4 s; marked failed; none queued again: retried maxRetries (0) time(s) already (raise maxRetries, --max-retries, to retry more)",
    );
    await study.refresh();
    expect(study.trials.slice(0, 2).map((t) => t.systemAttrs.failReason)).toEqual([
      "no heartbeat for more than 0.2 s: its worker died or lost the storage",
      "no heartbeat for more than 0.4 s: its worker died or lost the storage",
    ]);
    await study.close();
  });
});
