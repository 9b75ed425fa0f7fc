import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  type StudySnapshot,
  containsValue,
  makeSamplingTrial,
  makeSnapshot,
  makeTrial,
} from "../../space/index.js";
import { Rng } from "../../math/rng.js";
import { createStudy } from "../../study/index.js";
import { RandomSampler } from "../random.js";
import { SamplerOptionError } from "../index.js";
import { CemSampler, createCemSamplerFromOptions } from "./index.js";

const quadratic3 = (t: { suggestFloat(name: string, low: number, high: number): number }): number =>
  (t.suggestFloat("x", -5, 5) - 1) ** 2 + 2 * (t.suggestFloat("y", -5, 5) + 2) ** 2 + 0.5 * (t.suggestFloat("z", 0, 10) - 7) ** 2;

function suggest(sampler: CemSampler, trials: FrozenTrial[], number: number, space: Record<string, Distribution>): Record<string, ParamValue> {
  const snapshot = makeSnapshot(trials);
  const view = makeSamplingTrial(number);
  const relative = sampler.inferRelativeSpace(snapshot);
  const params: Record<string, ParamValue> = Object.keys(relative).length > 0 ? { ...sampler.sampleRelative(snapshot, view, relative) } : {};
  for (const [name, distribution] of Object.entries(space)) {
    if (!(name in params)) params[name] = sampler.sampleIndependent(snapshot, view, name, distribution);
  }
  return params;
}

describe("CemSampler", () => {
  it("concentrates on the optimum of a 3-D quadratic", async () => {
    const sampler = new CemSampler({ seed: 1 });
    const study = await createStudy({ sampler });
    await study.optimize(quadratic3, { nTrials: 200 });
    const random = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await random.optimize(quadratic3, { nTrials: 200 });
    expect(study.bestValue!).toBeLessThan(0.05);
    expect(study.bestValue!).toBeLessThan(random.bestValue! / 5);
    const status = sampler.inspect(study.snapshot());
    expect(status.parameterNames).toEqual(["x", "y", "z"]);
    // Optimum (1, -2, 7) encodes to (0.6, 0.3, 0.7).
    const expected = [0.6, 0.3, 0.7];
    status.parameters.forEach((p, i) => {
      if (!("mean" in p)) throw new Error("expected a numeric parameter");
      expect(Math.abs(p.mean - expected[i]!)).toBeLessThan(0.03);
      expect(p.sigma).toBeLessThan(0.05);
    });
    // The last 50 trials sit near the optimum, unlike uniform draws.
    const late = study.trials.slice(-50).map((t) => t.values![0]!);
    const sortedLate = [...late].sort((a, b) => a - b);
    expect(sortedLate[25]!).toBeLessThan(1);
  });

  it("fits categorical probabilities to the elite", async () => {
    const sampler = new CemSampler({ seed: 2 });
    const study = await createStudy({ sampler });
    await study.optimize((t) => {
      const c = t.suggestCategorical("c", ["bad", "good", "worse"]);
      const x = t.suggestFloat("x", 0, 1);
      return (c === "good" ? 0 : c === "bad" ? 1 : 2) + (x - 0.5) ** 2;
    }, { nTrials: 120 });
    const status = sampler.inspect(study.snapshot());
    const c = status.parameters[0]!;
    if (!("probabilities" in c)) throw new Error("expected a categorical parameter");
    expect(c.probabilities[1]!).toBeGreaterThan(0.9);
    expect(c.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(study.trials.slice(-40).filter((t) => t.params.c === "good").length).toBeGreaterThan(30);
  });

  it("samples uniformly until nStartupTrials trials are complete, then refits every batchSize", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 } };
    const sampler = new CemSampler({ seed: 3, nStartupTrials: 5, batchSize: 3 });
    const trials: FrozenTrial[] = [];
    const iterations: number[] = [];
    for (let n = 0; n < 12; n++) {
      iterations.push(sampler.inspect(makeSnapshot(trials)).iterations);
      const params = suggest(sampler, trials, n, space);
      trials.push(makeTrial({ number: n, params, distributions: space, values: [params.x as number] }));
    }
    expect(iterations).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
    // Failed and pruned trials are not counted.
    const withFailures = [...trials, makeTrial({ number: 12, params: { x: 0.1 }, distributions: space, state: "failed" })];
    expect(new CemSampler({ seed: 3, nStartupTrials: 5, batchSize: 3 }).inspect(makeSnapshot(withFailures)).iterations).toBe(3);
  });

  it("is deterministic: same seed and history give the same suggestion, from a fresh sampler too", () => {
    const space: Record<string, Distribution> = {
      a: { type: "float", low: -3, high: 3 },
      b: { type: "int", low: 1, high: 100, log: true },
      c: { type: "categorical", choices: ["u", "v", "w"] },
    };
    const f = (p: Record<string, ParamValue>) => (p.a as number) ** 2 + Math.abs(Math.log(p.b as number) - 2) + (p.c === "v" ? 0 : 1);
    const run = (seed: number): FrozenTrial[] => {
      const sampler = new CemSampler({ seed });
      const trials: FrozenTrial[] = [];
      for (let n = 0; n < 40; n++) {
        const params = suggest(sampler, trials, n, space);
        trials.push(makeTrial({ number: n, params, distributions: space, values: [f(params)] }));
      }
      return trials;
    };
    const first = run(5);
    expect(run(5).map((t) => t.params)).toEqual(first.map((t) => t.params));
    expect(run(6).map((t) => t.params)).not.toEqual(first.map((t) => t.params));
    const fresh = new CemSampler({ seed: 5 });
    const warm = new CemSampler({ seed: 5 });
    for (let n = 0; n < 40; n += 7) suggest(warm, first.slice(0, n), n, space);
    expect(suggest(fresh, first, 40, space)).toEqual(suggest(warm, first, 40, space));
  });

  it("fits the same distribution whatever order this process read the finishes in, as a resumed process or another worker does", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: -1, high: 1 } };
    // Trials finish out of number order (4 before 3, 7 before 6, ...), as concurrent trials do.
    const finishOrder = [0, 1, 2, 4, 3, 5, 7, 6, 8, 10, 9, 11, 13, 12];
    const rng = new Rng(4);
    const trials = finishOrder.map((_, number) => {
      const params = { x: rng.uniform(), y: 2 * rng.uniform() - 1 };
      return makeTrial({ number, params, distributions: space, values: [(params.x - 0.3) ** 2 + params.y ** 2], finishedAt: 1000 + finishOrder.indexOf(number) });
    });
    // This process also read trial 3's finish late, after trial 5's, as a worker of a fleet may.
    const readOrder = [0, 1, 2, 4, 5, 3, 7, 6, 8, 10, 9, 11, 13, 12];
    const afterReading = (count: number): StudySnapshot => {
      const finished = readOrder.slice(0, count).map((number) => trials[number]!);
      return { ...makeSnapshot(finished), finished };
    };
    const options = { seed: 7, nStartupTrials: 4, batchSize: 3 };
    const live = new CemSampler(options);
    for (let count = 1; count <= readOrder.length; count++) live.inspect(afterReading(count));
    // A process that loads the study reads the same trials by number.
    const resumed = new CemSampler(options);
    const loaded = makeSnapshot(trials);
    expect(live.inspect(afterReading(readOrder.length))).toEqual(resumed.inspect(loaded));
    const next = (sampler: CemSampler, snapshot: StudySnapshot) => sampler.sampleRelative(snapshot, makeSamplingTrial(14), sampler.inferRelativeSpace(snapshot));
    expect(next(live, afterReading(readOrder.length))).toEqual(next(resumed, loaded));
  });

  it("keeps every suggestion inside its distribution on random mixed spaces", async () => {
    const distribution = fc.oneof(
      fc.record({ low: fc.integer({ min: -5, max: 5 }), width: fc.integer({ min: 0, max: 5 }) }).map(({ low, width }): Distribution => ({ type: "float", low, high: low + width })),
      fc.record({ low: fc.integer({ min: 1, max: 5 }), width: fc.integer({ min: 0, max: 500 }) }).map(({ low, width }): Distribution => ({ type: "int", low, high: low + width, log: true })),
      fc.record({ low: fc.integer({ min: -5, max: 5 }), cells: fc.integer({ min: 0, max: 10 }), step: fc.integer({ min: 1, max: 3 }) }).map(
        ({ low, cells, step }): Distribution => ({ type: "int", low, high: low + cells * step, step }),
      ),
      fc.constant<Distribution>({ type: "float", low: 1e-3, high: 1, log: true }),
      fc.constant<Distribution>({ type: "float", low: -1, high: 1, step: 0.5 }),
      fc.constant<Distribution>({ type: "categorical", choices: [true, false, "x"] }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(distribution, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), async (dists, seed) => {
        const study = await createStudy({ sampler: new CemSampler({ seed, nStartupTrials: 4, batchSize: 2 }) });
        await study.optimize((t) => {
          let s = 0;
          dists.forEach((d, i) => {
            const v = t.suggest(`p${i}`, d);
            s += typeof v === "number" ? Math.cos(v + i) : v === true ? 1 : 0;
          });
          return s;
        }, { nTrials: 30 });
        for (const trial of study.trials) {
          expect(trial.state).toBe("complete");
          dists.forEach((d, i) => expect(containsValue(d, trial.params[`p${i}`])).toBe(true));
        }
      }),
      { numRuns: 25 },
    );
  });

  it("runs with 4 concurrent trials", async () => {
    const study = await createStudy({ sampler: new CemSampler({ seed: 8 }) });
    await study.optimize(async (t) => {
      const v = quadratic3(t);
      await new Promise((resolve) => setTimeout(resolve, t.number % 3));
      return v;
    }, { nTrials: 150, concurrency: 4 });
    expect(study.trials.every((t) => t.state === "complete")).toBe(true);
    expect(study.bestValue!).toBeLessThan(0.5);
  });

  it("maximizes as well", async () => {
    const study = await createStudy({ direction: "maximize", sampler: new CemSampler({ seed: 9 }) });
    await study.optimize((t) => -quadratic3(t), { nTrials: 150 });
    expect(study.bestValue!).toBeGreaterThan(-0.5);
  });

  it("rejects bad options and multi-objective studies with clear errors", () => {
    expect(() => new CemSampler({ eliteFraction: 0 })).toThrow(/eliteFraction/);
    expect(() => new CemSampler({ smoothing: 1.5 })).toThrow(/smoothing/);
    expect(() => new CemSampler({ seed: 1 }).inferRelativeSpace(makeSnapshot([], { directions: ["minimize", "minimize"] }))).toThrow(/one objective/);
  });
});

describe("createCemSamplerFromOptions", () => {
  it("parses CLI-style strings", () => {
    const sampler = createCemSamplerFromOptions({ seed: "4", elite_fraction: "0.2", smoothing: "0.8", "n-startup-trials": "20", batchSize: 5, minSigma: "0.02" });
    expect([sampler.seed, sampler.eliteFraction, sampler.smoothing, sampler.nStartupTrials, sampler.batchSize, sampler.minSigma]).toEqual([4, 0.2, 0.8, 20, 5, 0.02]);
  });

  it("names unknown keys and bad values", () => {
    expect(() => createCemSamplerFromOptions({ rho: "0.1" })).toThrow(SamplerOptionError);
    expect(() => createCemSamplerFromOptions({ rho: "0.1" })).toThrow(/unknown option "rho".*eliteFraction/);
    expect(() => createCemSamplerFromOptions({ eliteFraction: "2" })).toThrow(/eliteFraction.*in \(0, 1\]/);
    expect(() => createCemSamplerFromOptions({ batchSize: "x" })).toThrow(/batchSize.*an integer >= 1/);
  });
});
