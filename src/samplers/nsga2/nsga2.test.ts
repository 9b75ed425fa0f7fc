import { describe, expect, it } from "vitest";
import { hypervolume } from "../../analysis/index.js";
import { MULTIOBJECTIVE_PROBLEMS } from "../../bench/multiobjective.js";
import { type FrozenTrial, type JsonValue, containsValue, makeSamplingTrial, makeSnapshot, makeTrial } from "../../space/index.js";
import { MemoryStorage } from "../../storage/index.js";
import { createStudy } from "../../study/index.js";
import { RandomSampler } from "../random.js";
import { createSamplerByName } from "../registry.js";
import { NSGAIISampler, crowdingSurvival } from "./index.js";

const X = { type: "float", low: 0, high: 1 } as const;
const C = { type: "categorical", choices: ["a", "b", "c"] } as const;

function finished(number: number, values: number[], systemAttrs: FrozenTrial["systemAttrs"] = {}): FrozenTrial {
  return makeTrial({ number, values, params: { x: values[0]! / 10, c: "abc"[number % 3]! }, distributions: { x: X, c: C }, systemAttrs });
}

describe("crowdingSurvival", () => {
  it("keeps whole fronts, then the least crowded of the front that does not fit", () => {
    // Front 0: three points; front 1: five on a line, of which two fit: its two extremes.
    const losses = [[0, 2], [1, 1], [2, 0], [1, 5], [2, 4], [3, 3], [3.5, 2.5], [5, 1]].map((p) => Float64Array.from(p));
    const survivors = crowdingSurvival({ losses, violations: losses.map(() => 0) }, 5);
    expect(survivors.chosen).toEqual([0, 1, 2, 3, 7]);
    expect(survivors.rank).toEqual([0, 0, 0, 1, 1]);
    // Front 0's crowding: extremes ∞, the middle point (2-0)/2 + (2-0)/2 = 2.
    expect(survivors.diversity.slice(0, 3)).toEqual([Infinity, 2, Infinity]);
  });

  it("keeps a feasible point over infeasible ones that dominate it", () => {
    const losses = [[0, 0], [1, 1], [9, 9]].map((p) => Float64Array.from(p));
    const survivors = crowdingSurvival({ losses, violations: [0.5, 0.1, 0] }, 1);
    expect(survivors.chosen).toEqual([2]);
  });
});

describe("NSGAIISampler", () => {
  it("tags the generation, samples the first generation at random, and breeds from the first finished after that", () => {
    const sampler = new NSGAIISampler({ seed: 1, populationSize: 4 });
    const trials = [0, 1, 2].map((n) => finished(n, [n, 3 - n], { "nsga2:generation": 0 }));
    const trial = makeSamplingTrial(3);
    expect(sampler.inferRelativeSpace(makeSnapshot(trials, { directions: ["minimize", "minimize"] }), trial)).toEqual({});
    expect(trial.notes["nsga2:generation"]).toBe(0);

    const full = [...trials, finished(3, [3, 3], { "nsga2:generation": 0 }), finished(4, [0.5, 0.5], { "nsga2:generation": 0 })];
    const snapshot = makeSnapshot(full, { directions: ["minimize", "minimize"] });
    const next = makeSamplingTrial(5);
    const space = sampler.inferRelativeSpace(snapshot, next);
    expect(next.notes["nsga2:generation"]).toBe(1);
    expect(Object.keys(space).sort()).toEqual(["c", "x"]);
    const params = sampler.sampleRelative(snapshot, next, space);
    expect(containsValue(X, params.x)).toBe(true);
    expect(containsValue(C, params.c)).toBe(true);
    // Trial 4 finished fifth: generation 0 was already full, so it cannot be a parent.
    const parents = next.notes["nsga2:parents"] as number[];
    expect(parents.every((p) => p >= 0 && p <= 3)).toBe(true);
  });

  it("gives the same suggestion for the same seed and history, whether read at once or incrementally", () => {
    const directions: ("minimize" | "maximize")[] = ["minimize", "maximize"];
    const history = Array.from({ length: 14 }, (_, n) => finished(n, [(n * 7) % 10, (n * 3) % 10], { "nsga2:generation": n < 6 ? 0 : 1 }));
    const incremental = new NSGAIISampler({ seed: 5, populationSize: 6 });
    for (let k = 1; k < history.length; k++) incremental.inferRelativeSpace(makeSnapshot(history.slice(0, k), { directions }), makeSamplingTrial(k));
    const suggest = (sampler: NSGAIISampler) => {
      const snapshot = makeSnapshot(history, { directions });
      const trial = makeSamplingTrial(14);
      return sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
    };
    const fresh = suggest(new NSGAIISampler({ seed: 5, populationSize: 6 }));
    expect(suggest(incremental)).toEqual(fresh);
    expect(suggest(new NSGAIISampler({ seed: 5, populationSize: 6 }))).toEqual(fresh);
    expect(Object.keys(fresh).length).toBe(2);
  });

  it("names the option that is out of range", () => {
    expect(() => new NSGAIISampler({ populationSize: 1 })).toThrow(/populationSize must be an integer >= 2/);
    expect(() => new NSGAIISampler({ crossoverProb: 1.5 })).toThrow(/crossoverProb must be in \[0, 1\]/);
    expect(() => createSamplerByName("nsga2", { "population-size": "x" })).toThrow(/populationSize/);
    expect(createSamplerByName("nsga2", { "population-size": "12", seed: 3 })).toMatchObject({ name: "nsga2", populationSize: 12, seed: 3 });
  });

  it("works on a single objective", async () => {
    const study = await createStudy({ sampler: new NSGAIISampler({ seed: 2, populationSize: 10 }) });
    await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2 + (t.suggestFloat("y", -5, 5) + 2) ** 2, { nTrials: 150 });
    expect(study.bestValue).toBeLessThan(0.5);
  });

  it("beats random search's hypervolume on ZDT1 (6-D) over three seeds", async () => {
    const reached = async (sampler: NSGAIISampler | RandomSampler) => {
      const study = await createStudy({ directions: ["minimize", "minimize"], sampler });
      await study.optimize((t) => MULTIOBJECTIVE_PROBLEMS.zdt1!.evaluate(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))), { nTrials: 300 });
      return hypervolume(study.trials.filter((t) => t.values !== null).map((t) => t.values!), [11, 11]);
    };
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[1]!;
    const nsga: number[] = [];
    const random: number[] = [];
    for (const seed of [0, 1, 2]) {
      nsga.push(await reached(new NSGAIISampler({ seed, populationSize: 20 })));
      random.push(await reached(new RandomSampler({ seed })));
    }
    // The maximum is 121 − 1/3; NSGA-II's regret should be well under random search's.
    const best = 121 - 1 / 3;
    expect(best - median(nsga)).toBeLessThan(0.6 * (best - median(random)));
  }, 120_000);

  it("breeds legal values of every kind of distribution, conditional ones included, deterministically", async () => {
    const run = async () => {
      const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new NSGAIISampler({ seed: 8, populationSize: 6 }) });
      await study.optimize(
        (t) => {
          const lr = t.suggestFloat("lr", 1e-5, 1e-1, { log: true });
          const depth = t.suggestInt("depth", 2, 12, { step: 2 });
          const width = t.suggestInt("width", 8, 512, { log: true });
          const kind = t.suggestCategorical("kind", ["cnn", "mlp", null]);
          const extra = kind === "cnn" ? t.suggestFloat("kernel", 1, 7, { step: 0.5 }) : 0;
          return [Math.log10(lr) ** 2 + depth / 12 + extra, width / 512 + (kind === "mlp" ? 0 : 1)];
        },
        { nTrials: 60 },
      );
      return study.trials;
    };
    const trials = await run();
    expect(trials.filter((t) => t.systemAttrs["nsga2:parents"] !== undefined).length).toBeGreaterThan(40);
    for (const t of trials) {
      for (const [name, value] of Object.entries(t.params)) expect(containsValue(t.distributions[name]!, value)).toBe(true);
    }
    expect((await run()).map((t) => t.params)).toEqual(trials.map((t) => t.params));
  });

  it("leaves out of the parents a trial whose stored constraints are not a list of numbers, however good its values", () => {
    // Written through the storage API, not by Sextant: infeasible, as best and the front count it.
    // Read as having no constraints, trial 4 would dominate every other and be a parent of generation 2.
    const sampler = new NSGAIISampler({ seed: 3, populationSize: 4 });
    const member = (number: number, values: number[], constraints: JsonValue) =>
      makeTrial({ number, values, params: { x: 0.1 * (number + 1), c: "abc"[number % 3]! }, distributions: { x: X, c: C }, systemAttrs: { "nsga2:generation": number < 4 ? 0 : 1, constraints } });
    const history = [
      ...[0, 1, 2, 3].map((n) => member(n, [n, 3 - n], [-1])),
      member(4, [-1, -1], "x"),
      ...[5, 6, 7].map((n) => member(n, [n - 4.5, 7.5 - n], [-1])),
    ];
    const snapshot = makeSnapshot(history, { directions: ["minimize", "minimize"] });
    const parents = new Set<number>();
    for (let number = 8; number < 28; number++) {
      const trial = makeSamplingTrial(number);
      const space = sampler.inferRelativeSpace(snapshot, trial);
      expect(trial.notes["nsga2:generation"]).toBe(2);
      sampler.sampleRelative(snapshot, trial, space);
      for (const parent of trial.notes["nsga2:parents"] as number[]) parents.add(parent);
    }
    expect(parents.size).toBeGreaterThan(1);
    expect(parents.has(4)).toBe(false);
  });

  it("steers toward the feasible region when trials carry constraint values", async () => {
    // Feasible only where x + y >= 1.2: the unconstrained front (x or y near 0) is forbidden.
    const feasibleAtTheEnd = async (recordConstraints: boolean) => {
      const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new NSGAIISampler({ seed: 4, populationSize: 10 }) });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat("x", 0, 1);
          const y = t.suggestFloat("y", 0, 1);
          if (recordConstraints) t.setSystemAttr("constraints", [1.2 - x - y]);
          return [x, y];
        },
        { nTrials: 150 },
      );
      return study.trials.slice(-30).filter((t) => (t.params.x as number) + (t.params.y as number) >= 1.2).length;
    };
    const constrained = await feasibleAtTheEnd(true);
    const unconstrained = await feasibleAtTheEnd(false);
    // Uniform sampling would be feasible 32 % of the time; ignoring the constraints drives the search away from it.
    expect(constrained).toBeGreaterThanOrEqual(12);
    expect(unconstrained).toBeLessThanOrEqual(3);
  });

  it("makes a generation of the same trials in a resumed study when more finish for it than it holds, told out of number order", async () => {
    // Trials asked together are all bred for one generation; told 2, 0, 1 the live study made
    // generation 0 of trials 2 and 0, a study loaded from storage (which lists them by number) of
    // 0 and 1, and the two bred different children from then on. Ordered by finish time instead,
    // the generation would depend on whether the tells fell within one millisecond.
    const directions: ("minimize" | "maximize")[] = ["minimize", "minimize"];
    const play = async (resumeAt: number, pauseMs = 0) => {
      const storage = new MemoryStorage();
      const open = (load: boolean) => createStudy({ name: "s", storage, directions, loadIfExists: load, sampler: new NSGAIISampler({ seed: 4, populationSize: 2 }) });
      let study = await open(false);
      for (let round = 0; round < 4; round++) {
        if (round === resumeAt) study = await open(true);
        const trials = [await study.ask(), await study.ask(), await study.ask()];
        const values = trials.map((t) => {
          const x = t.suggestFloat("x", 0, 1);
          return [x, (1 - x) ** 2];
        });
        for (const j of [2, 0, 1]) {
          await study.tell(trials[j]!, values[j]!);
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      }
      return study.trials.map((t) => t.params);
    };
    const whole = await play(-1);
    expect(await play(1)).toEqual(whole);
    expect(await play(2)).toEqual(whole);
    expect(await play(-1, 2)).toEqual(whole);
  });

  it("continues the same run when a study is resumed by a new sampler instance", async () => {
    const objective = (t: { suggestFloat(name: string, low: number, high: number): number }) => {
      const x = t.suggestFloat("x", 0, 1);
      const y = t.suggestFloat("y", 0, 1);
      return [x + y * y, 1 - x + y];
    };
    const directions: ("minimize" | "maximize")[] = ["minimize", "minimize"];
    const whole = await createStudy({ directions, sampler: new NSGAIISampler({ seed: 3, populationSize: 8 }) });
    await whole.optimize(objective, { nTrials: 48 });

    const storage = new MemoryStorage();
    const first = await createStudy({ name: "resumed", storage, directions, sampler: new NSGAIISampler({ seed: 3, populationSize: 8 }) });
    await first.optimize(objective, { nTrials: 21 });
    const resumed = await createStudy({ name: "resumed", storage, directions, loadIfExists: true, sampler: new NSGAIISampler({ seed: 3, populationSize: 8 }) });
    await resumed.optimize(objective, { nTrials: 27 });

    expect(resumed.trials.map((t) => t.params)).toEqual(whole.trials.map((t) => t.params));
    expect(resumed.trials.at(-1)!.systemAttrs["nsga2:generation"]).toBe(5);
  });
});

