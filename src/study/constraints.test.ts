import { describe, expect, it } from "vitest";
import { CemSampler, CmaEsSampler, GPSampler, NSGAIISampler, RECOMMENDED_TRIAL_ATTR, RandomSampler, type Sampler, TPESampler, TurboSampler } from "../samplers/index.js";
import { MemoryStorage } from "../storage/index.js";
import { type Study, type Trial, TrialPruned, copyStudy, createStudy, loadStudy } from "./index.js";

const random = () => new RandomSampler({ seed: 7 });

describe("constraints", () => {
  it("evaluates the constraints function for pruned trials too, as Optuna 3.1 does, and keeps a pruned trial whose function throws pruned", async () => {
    const seen: [number, string, unknown][] = [];
    const warnings: string[] = [];
    const study = await createStudy({
      sampler: random(),
      onWarning: (m) => warnings.push(m),
      constraints: (trial) => {
        seen.push([trial.number, trial.state, trial.values]);
        if (trial.number === 3) throw new Error("no memory figure");
        return [trial.number - 1.5];
      },
    });
    await study.optimize(
      (trial) => {
        trial.suggestFloat("x", 0, 1);
        trial.reportIntermediate(10 + trial.number, 0);
        if (trial.number % 2 === 1) throw new TrialPruned();
        return trial.number;
      },
      { nTrials: 4 },
    );
    // The function ran for complete trials only: pruned ones were stored without constraints.
    expect(seen).toEqual([[0, "complete", [0]], [1, "pruned", [11]], [2, "complete", [2]], [3, "pruned", [13]]]);
    expect(study.trials.map((t) => [t.state, t.systemAttrs.constraints])).toEqual([["complete", [-1.5]], ["pruned", [-0.5]], ["complete", [0.5]], ["pruned", undefined]]);
    expect(warnings).toEqual(["trial 3: pruned without constraint values: the constraints function threw: no memory figure"]);
  });

  it("refuses unusable constraints told for a pruned trial, leaving it running, and drops them with a warning only when an objective returned them", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ sampler: random(), onWarning: (m) => warnings.push(m) });
    await study.tell(await study.ask(), 1, { constraints: [-1, -1] });
    const trial = await study.ask();
    trial.reportIntermediate(3, 0);
    await expect(study.tell(trial, { state: "pruned" }, { constraints: [-1] })).rejects.toThrow(TypeError);
    await expect(study.tell(trial, { state: "pruned", constraints: [Number.NaN, -1] })).rejects.toThrow(/constraint/);
    await expect(study.tell(trial, { state: "pruned" }, { constraints: ["a", -1] as never })).rejects.toThrow(TypeError);
    expect(study.trials[1]!.state).toBe("running");
    expect(warnings).toEqual([]);
    const told = await study.tell(trial, { state: "pruned" }, { constraints: [-1, 2] });
    expect([told.state, told.systemAttrs.constraints]).toEqual(["pruned", [-1, 2]]);
    // Inside optimize nobody can tell again: the trial is stored pruned without them, with a warning.
    await study.optimize(() => ({ state: "pruned", constraints: [Number.NaN, -1] }) as never, { nTrials: 1 });
    expect([study.trials[2]!.state, study.trials[2]!.systemAttrs.constraints]).toEqual(["pruned", undefined]);
    expect(warnings).toEqual(["trial 2: pruned without constraint values: constraint 0 is NaN, not a finite number"]);
  });

  it("stores an objective's pruned result with a NaN value pruned without a value, with a warning (it was stored failed)", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ sampler: random(), onWarning: (m) => warnings.push(m) });
    await study.optimize(
      (trial) => {
        trial.reportIntermediate(4, 0);
        return { state: "pruned", values: Number.NaN } as never;
      },
      { nTrials: 1 },
    );
    expect([study.trials[0]!.state, study.trials[0]!.values]).toEqual(["pruned", null]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^trial 0: pruned without a value: .*value must be a number/);
  });

  it("counts a pruned trial's constraints in the study's constraint count, so a later trial cannot store another length", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "s", storage, sampler: random() });
    const pruned = await study.tell(await study.ask(), { state: "pruned" }, { constraints: [1, 2] });
    expect(pruned.systemAttrs.constraints).toEqual([1, 2]);
    const complete = await study.tell(await study.ask(), 1, { constraints: [3] });
    expect([complete.state, complete.systemAttrs.failReason]).toEqual(["failed", "1 constraint value(s) reported, but the study's trials have 2"]);
    // A study object that loads the study reads the count too.
    const other = await loadStudy({ name: "s", storage, sampler: random() });
    expect(await other.constraintCount()).toBe(2);
  });

  it("keeps one constraint count across study objects that loaded the study before its first constrained trial", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 1 }) });
    const [a, b] = [await loadStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 2 }) }), await loadStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 3 }) })];
    const first = await a.ask();
    first.suggestFloat("x", 0, 1);
    await a.tell(first, 1, { constraints: [-1] });
    // b read the study record before a stored the count: its trial with two values was stored complete.
    const second = await b.ask();
    second.suggestFloat("x", 0, 1);
    const told = await b.tell(second, 2, { constraints: [-1, -1] });
    expect([told.state, told.systemAttrs.failReason]).toEqual(["failed", "2 constraint value(s) reported, but the study's trials have 1"]);
  });

  it("looks for the constraint count of an unconstrained study without rereading its trials at each tell", async () => {
    // Every trial the storage hands out counts the reads of its system attributes.
    let reads = 0;
    const counted = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(counted);
      if (value === null || typeof value !== "object") return value;
      const record = value as Record<string, unknown>;
      if ("systemAttrs" in record && "number" in record && "state" in record) {
        const copy = { ...record };
        Object.defineProperty(copy, "systemAttrs", { enumerable: true, get: () => (reads++, record.systemAttrs) });
        return copy;
      }
      return Object.fromEntries(Object.entries(record).map(([key, v]) => [key, counted(v)]));
    };
    const memory = new MemoryStorage();
    const storage = new Proxy(memory, {
      get(target, key) {
        const member = Reflect.get(target, key, target) as unknown;
        if (typeof member !== "function") return member;
        return (...args: unknown[]) => {
          const result = (member as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.then(counted) : result;
        };
      },
    });
    const study = await createStudy({ storage, sampler: random() });
    const objective = (t: { suggestFloat(name: string, low: number, high: number): number }): number => t.suggestFloat("x", 0, 1);
    await study.optimize(objective, { nTrials: 300 });
    const before = reads;
    await study.optimize(objective, { nTrials: 20 });
    expect(study.trials).toHaveLength(320);
    expect(reads - before).toBeLessThan(20 * 20);
  });

  it("warns when the sampler models the objective alone (CMA-ES, CEM, TuRBO)", async () => {
    const warnings: string[] = [];
    await createStudy({ sampler: new CmaEsSampler({ seed: 1 }), constraints: () => [0], onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/^constraints: the cmaes sampler models the objective alone/)]);
    await createStudy({ sampler: random(), constraints: () => [0], onWarning: (m) => warnings.push(m) });
    await createStudy({ sampler: new CmaEsSampler({ seed: 1 }), onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
  });

  it("warns once, too, when the values come through tell, the result object or reportConstraints, or are stored", async () => {
    // Only a constraints function warned: values given any other way were ignored without a word.
    const samplers = { cmaes: () => new CmaEsSampler({ seed: 1 }), cem: () => new CemSampler({ seed: 1 }), turbo: () => new TurboSampler({ seed: 1 }) };
    const ways: Record<string, (study: Study) => Promise<unknown>> = {
      tell: async (study) => {
        const trial = await study.ask();
        await study.tell(trial, trial.suggestFloat("x", 0, 1), { constraints: [-1] });
      },
      result: async (study) => {
        const trial = await study.ask();
        await study.tell(trial, { state: "complete", values: trial.suggestFloat("x", 0, 1), constraints: [-1] });
      },
      reportConstraints: (study) =>
        study.optimize(
          (trial) => {
            trial.reportConstraints([0.5]);
            return trial.suggestFloat("x", 0, 1);
          },
          { nTrials: 1 },
        ),
    };
    for (const [samplerName, sampler] of Object.entries(samplers)) {
      for (const [way, constrain] of Object.entries(ways)) {
        const warnings: string[] = [];
        const storage = new MemoryStorage();
        const study = await createStudy({ name: "s", storage, sampler: sampler(), onWarning: (m) => warnings.push(m) });
        expect(warnings).toEqual([]);
        await constrain(study);
        await constrain(study);
        expect(warnings, `${samplerName} / ${way}`).toEqual([expect.stringMatching(new RegExp(`^constraints: the ${samplerName} sampler models the objective alone`))]);
        // A study whose stored trials have constraint values warns when it is loaded.
        const loadedWarnings: string[] = [];
        await loadStudy({ name: "s", storage, sampler: sampler(), onWarning: (m) => loadedWarnings.push(m) });
        expect(loadedWarnings, `${samplerName} / ${way}, loaded`).toHaveLength(1);
      }
    }
    const quiet: string[] = [];
    const study = await createStudy({ sampler: random(), onWarning: (m) => quiet.push(m) });
    await ways.tell!(study);
    expect(quiet).toEqual([]);
  });

  it("a constraints function is stored per trial, and bestTrial / bestTrials return only feasible trials", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: random(),
      // x^2 is smallest at 0, but only x >= 0.5 is allowed.
      constraints: (trial) => [0.5 - (trial.params.x as number)],
    });
    await study.optimize((trial) => trial.suggestFloat("x", -1, 1) ** 2, { nTrials: 40 });
    const complete = study.trials.filter((t) => t.state === "complete");
    expect(complete).toHaveLength(40);
    for (const t of complete) expect(t.systemAttrs.constraints).toEqual([0.5 - (t.params.x as number)]);
    const feasible = complete.filter((t) => (t.params.x as number) >= 0.5);
    const overall = Math.min(...complete.map((t) => t.values![0]!));
    const best = study.bestTrial!;
    expect(best.values![0]).toBe(Math.min(...feasible.map((t) => t.values![0]!)));
    expect(best.values![0]).toBeGreaterThan(overall);
    expect(study.bestTrials.map((t) => t.number)).toEqual([best.number]);
    expect(study.leastViolatingTrial).toBeUndefined();
  });

  it("several objectives: the Pareto front is built from feasible trials only", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: random() });
    for (const [x, c] of [[0.1, 1], [0.5, -1], [0.9, -1], [0.3, 2]] as const) {
      const trial = await study.ask();
      trial.suggestFloat("x", 0, 1);
      await study.tell(trial, [x, 1 - x], { constraints: [c] });
    }
    // Infeasible 0.1 and 0.3 would be on the front; only 0.5 and 0.9 are feasible and mutually non-dominated.
    expect(study.bestTrials.map((t) => t.values![0]).sort()).toEqual([0.5, 0.9]);
  });

  it("with no feasible trial, bestTrial is undefined and leastViolatingTrial is the smallest total violation", async () => {
    const study = await createStudy({ direction: "minimize", sampler: random() });
    const tellWith = async (value: number, constraints: number[]) => {
      const trial = await study.ask();
      await study.tell(trial, { state: "complete", values: value, constraints });
    };
    await tellWith(1, [3, -5]);
    await tellWith(2, [0.5, 0.25]);
    await tellWith(0, [2, -1]);
    expect(study.bestTrial).toBeUndefined();
    expect(study.bestTrials).toEqual([]);
    expect(study.leastViolatingTrial?.values).toEqual([2]);
  });

  it("trial.reportConstraints records them from inside the objective, checking each value", async () => {
    const study = await createStudy({ direction: "minimize", sampler: random() });
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      trial.reportConstraints([x - 0.5, -1]);
      return x;
    }, { nTrials: 5 });
    for (const t of study.trials) expect(t.systemAttrs.constraints).toEqual([(t.params.x as number) - 0.5, -1]);
    const trial = await study.ask();
    expect(() => trial.reportConstraints([0, Number.NaN])).toThrow(`trial ${trial.number}: constraint 1 is NaN, not a finite number`);
  });

  it("fails a complete trial whose constraints cannot be had, with the reason, and keeps the study's constraint count", async () => {
    let calls = 0;
    const study = await createStudy({
      direction: "minimize",
      sampler: random(),
      constraints: () => {
        calls++;
        if (calls === 2) throw new Error("sensor offline");
        if (calls === 3) return [Number.NaN];
        if (calls === 4) return [1, 2];
        return [-1];
      },
    });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 5 });
    const [ok, threw, nan, wrongCount, okAgain] = study.trials;
    expect(ok!.state).toBe("complete");
    expect(threw!.systemAttrs.failReason).toBe("the constraints function threw: sensor offline");
    expect(nan!.systemAttrs.failReason).toBe("constraint 0 is NaN, not a finite number");
    expect(wrongCount!.systemAttrs.failReason).toBe("2 constraint value(s) reported, but the study's trials have 1");
    expect([threw, nan, wrongCount].every((t) => t!.state === "failed" && t!.values === null)).toBe(true);
    expect(okAgain!.state).toBe("complete");
    expect(study.systemAttrs.constraintCount).toBe(1);
  });

  it("a trial of a constrained study that reports none fails instead of passing as feasible", async () => {
    const storage = new MemoryStorage();
    const first = await createStudy({ name: "s", storage, direction: "minimize", sampler: random() });
    const a = await first.ask();
    await first.tell(a, 1, { constraints: [-1] });
    const again = await loadStudy({ name: "s", storage, sampler: random() });
    const b = await again.ask();
    const told = await again.tell(b, 0);
    expect(told.state).toBe("failed");
    expect(told.systemAttrs.failReason).toBe("no constraint values reported, but the study's trials have 1");
    expect(again.bestTrial?.number).toBe(a.number);
  });

  it("fails a trial whose constraints function returns nothing, instead of passing it as feasible", async () => {
    // A block body without `return` used to make every trial complete with no constraints, all "feasible".
    const study = await createStudy({
      direction: "minimize",
      sampler: random(),
      constraints: ((trial: { params: Record<string, unknown> }) => {
        void [(trial.params.x as number) - 0.5];
      }) as never,
    });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 3 });
    expect(study.trials.map((t) => t.state)).toEqual(["failed", "failed", "failed"]);
    expect(study.trials[0]!.systemAttrs.failReason).toBe("the constraints function returned undefined, not an array of numbers");
    expect(study.bestTrial).toBeUndefined();
    // Constraints the objective reported still stand when the function gives none.
    await study.optimize((trial) => {
      trial.reportConstraints([-1]);
      return trial.suggestFloat("x", 0, 1);
    }, { nTrials: 1 });
    expect(study.trials[3]!.state).toBe("complete");
    expect(study.trials[3]!.systemAttrs.constraints).toEqual([-1]);
  });

  it("warns once per study when tell's constraints or the constraints function replace different ones reportConstraints gave", async () => {
    // The reported values were dropped without a word, and feasibility came from the other source.
    const said: string[] = [];
    const study = await createStudy({ sampler: random(), onWarning: (m) => said.push(m), constraints: (trial) => [(trial.params.x as number) - 2] });
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      trial.reportConstraints([5]);
      return x;
    }, { nTrials: 2 });
    expect(study.trials.map((t) => t.systemAttrs.constraints)).toEqual(study.trials.map((t) => [(t.params.x as number) - 2]));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^trial 0: the study's constraints function \(\[-[\d.]+\]\) replace the different ones the objective reported with reportConstraints \(\[5\]\); the first take precedence/);
    const told: string[] = [];
    const asked = await createStudy({ sampler: random(), onWarning: (m) => told.push(m) });
    // The same values twice (a Float64Array and an array alike) are no conflict.
    const same = await asked.ask();
    same.reportConstraints(Float64Array.of(-1));
    await asked.tell(same, 1, { constraints: [-1] });
    expect(told).toEqual([]);
    const differs = await asked.ask();
    differs.reportConstraints([-1]);
    await asked.tell(differs, 1, { constraints: [3] });
    expect(told).toEqual(["trial 1: the constraints given to tell ([3]) replace the different ones the objective reported with reportConstraints ([-1]); the first take precedence: report constraints one way only (said once per study)"]);
    expect(asked.trials[1]!.systemAttrs.constraints).toEqual([3]);
  });

  it("takes constraint values as a Float64Array from the function, reportConstraints and tell", async () => {
    // Each failed its trial with 'constraints must be an array of numbers, got {"0":-0.5}'.
    const fromFunction = await createStudy({ sampler: random(), constraints: (trial) => Float64Array.of((trial.params.x as number) - 2) });
    await fromFunction.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 });
    const reported = await createStudy({ sampler: random() });
    await reported.optimize((trial) => {
      trial.reportConstraints(Float64Array.of(-1, 0));
      return trial.suggestFloat("x", 0, 1);
    }, { nTrials: 1 });
    const told = await createStudy({ sampler: random() });
    const trial = await told.ask();
    await told.tell(trial, 1, { constraints: Float32Array.of(0.5) });
    expect([fromFunction, reported, told].map((s) => [s.trials[0]!.state, s.trials[0]!.systemAttrs.constraints])).toEqual([
      ["complete", [(fromFunction.trials[0]!.params.x as number) - 2]],
      ["complete", [-1, 0]],
      ["complete", [0.5]],
    ]);
    expect(told.bestTrial).toBeUndefined();
    expect(told.leastViolatingTrial?.number).toBe(0);
  });

  it("goes on with a study an older Sextant stored more constraint values for than a new one may have, and copies it", async () => {
    const storage = new MemoryStorage();
    const seventy = Array<number>(70).fill(-1);
    // Stored as Sextant stored it before the limit of 64 was checked.
    await storage.createStudy("wide", ["minimize"], { userAttrs: {}, systemAttrs: { constraintCount: 70 } });
    const study = await loadStudy({ name: "wide", storage, sampler: new RandomSampler({ seed: 1 }) });
    const told = await study.tell(await study.ask(), 1, { constraints: seventy });
    expect(told.systemAttrs.failReason).toBeUndefined();
    expect(told.state).toBe("complete");
    const copy = await copyStudy({ from: { storage, name: "wide" }, to: { storage, name: "wide-copy" } });
    expect(copy.trials).toBe(1);
    // A study whose count is not set yet still takes no more than the limit.
    const fresh = await createStudy({ name: "fresh", storage, sampler: new RandomSampler({ seed: 1 }) });
    expect((await fresh.tell(await fresh.ask(), 1, { constraints: seventy })).systemAttrs.failReason).toBe(
      "constraints: at most 64 values (the HTTP service takes no more), got 70",
    );
  });

  it("goes on with TPE, GP and NSGA-II after a trial whose stored constraints are not a list of numbers, which counts as infeasible", async () => {
    // Written through the storage API (an import, another client): each sampler threw on reading it, so the study stopped.
    const samplers: [string, () => Sampler, number][] = [
      ["tpe", () => new TPESampler({ seed: 1, nStartupTrials: 2 }), 1],
      ["multivariate tpe", () => new TPESampler({ seed: 1, nStartupTrials: 2, multivariate: true }), 1],
      ["gp", () => new GPSampler({ seed: 1, nStartupTrials: 2 }), 1],
      ["nsga2", () => new NSGAIISampler({ seed: 1, populationSize: 4 }), 2],
    ];
    for (const malformed of ["x", [1, "a"]]) {
      for (const [name, sampler, objectives] of samplers) {
        const storage = new MemoryStorage();
        const study = await createStudy({ storage, name, directions: objectives === 1 ? ["minimize"] : ["minimize", "minimize"], sampler: sampler(), constraints: (t) => [(t.params.x as number) - 0.5] });
        const objective = (trial: Trial) => {
          const x = trial.suggestFloat("x", 0, 1);
          return objectives === 1 ? x : [x, 1 - x];
        };
        await study.optimize(objective, { nTrials: 3 });
        // The best value of all, at a point every sampler would take as the incumbent were it feasible.
        const record = (await storage.getStudy(name))!;
        const stored = await storage.createTrial(record.id, { state: "running" });
        await storage.updateTrial(stored.id, {
          params: { x: { value: 0, distribution: { type: "float", low: 0, high: 1 } } },
          state: "complete",
          values: objectives === 1 ? [-1] : [-1, -1],
          systemAttrs: { constraints: malformed },
        });
        await study.optimize(objective, { nTrials: 6 });
        const later = study.trials.filter((t) => t.number > stored.number);
        expect([name, later.map((t) => t.state)]).toEqual([name, Array(6).fill("complete")]);
        const recommended = later.flatMap((t) => {
          const choice = t.systemAttrs[RECOMMENDED_TRIAL_ATTR] as { trial: number } | undefined;
          return choice ? [choice.trial] : [];
        });
        if (name === "gp") {
          // The GP's incumbent and recommendation are among feasible trials only.
          expect(recommended.length).toBeGreaterThan(0);
          expect(recommended).not.toContain(stored.number);
        }
      }
    }
  }, 60_000);

  it("takes no constraint count from stored constraints that are not a list of numbers", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, name: "s", sampler: random() });
    const record = (await storage.getStudy("s"))!;
    const stored = await storage.createTrial(record.id, { state: "running" });
    await storage.updateTrial(stored.id, { state: "complete", values: [0], systemAttrs: { constraints: [1, "a"] } });
    await study.refresh();
    const trial = await study.ask();
    trial.suggestFloat("x", 0, 1);
    // It failed: "1 constraint value(s) reported, but the study's trials have 2".
    const told = await study.tell(trial, 0.5, { constraints: [-1] });
    expect([told.state, told.systemAttrs.failReason]).toEqual(["complete", undefined]);
    expect(await study.constraintCount()).toBe(1);
  });

  it("rejects a constraints option that is not a function, naming it", async () => {
    await expect(createStudy({ constraints: [1] as never, sampler: random() })).rejects.toThrow("constraints must be a function (trial) => number[], got object");
  });
});

describe("constraints told by two study objects of one study", () => {
  it("hold the count the first stored, though the second read the study before it was stored", async () => {
    const storage = new MemoryStorage();
    const first = await createStudy({ name: "two", storage, directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    // A second worker, loaded before the first stored a constrained trial.
    const second = await loadStudy({ name: "two", storage, sampler: new RandomSampler({ seed: 2 }) });
    const [a, b] = [await first.ask(), await second.ask()];
    expect((await first.tell(a, [1, 2], { constraints: [1] })).state).toBe("complete");
    // It was stored complete with two constraint values, so the study's trials had vectors of two lengths.
    const told = await second.tell(b, [1, 2], { constraints: [1, 2] });
    expect([told.state, told.systemAttrs.failReason]).toEqual(["failed", "2 constraint value(s) reported, but the study's trials have 1"]);
    const c = await second.ask();
    expect((await second.tell(c, [1, 2], { constraints: [-1] })).state).toBe("complete");
  });
});
