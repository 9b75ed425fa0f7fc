import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import {
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type StudySnapshot,
  containsValue,
  makeSamplingTrial,
  makeSnapshot,
  makeTrial,
} from "../../space/index.js";
import { MemoryStorage } from "../../storage/index.js";
import { createStudy, loadStudy } from "../../study/index.js";
import { RandomSampler } from "../random.js";
import { SamplerOptionError } from "../index.js";
import { CmaEsSampler, createCmaEsSamplerFromOptions } from "./index.js";
import { CmaStrategy, cmaConstants, defaultPopulationSize } from "./strategy.js";

const sphere5 = (t: { suggestFloat(name: string, low: number, high: number): number }): number => {
  let s = 0;
  for (let i = 0; i < 5; i++) s += (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
  return s;
};

/**
 * Drives a sampler by hand, as one process would: each trial samples against the snapshot of the
 * trials so far, then completes at once with f(params).
 */
function driveByHand(
  sampler: CmaEsSampler,
  space: Record<string, Distribution>,
  f: (params: Record<string, ParamValue>) => number,
  count: number,
): FrozenTrial[] {
  const trials: FrozenTrial[] = [];
  for (let number = 0; number < count; number++) {
    const snapshot = makeSnapshot(trials);
    const view = makeSamplingTrial(number);
    const relative = sampler.inferRelativeSpace(snapshot);
    const params: Record<string, ParamValue> = Object.keys(relative).length > 0 ? { ...sampler.sampleRelative(snapshot, view, relative) } : {};
    for (const [name, distribution] of Object.entries(space)) {
      if (!(name in params)) params[name] = sampler.sampleIndependent(snapshot, view, name, distribution);
    }
    trials.push(makeTrial({ number, params, distributions: space, values: [f(params)], systemAttrs: { ...view.notes } }));
  }
  return trials;
}

describe("CMA-ES constants", () => {
  it("follow Hansen's tutorial defaults", () => {
    expect(defaultPopulationSize(5)).toBe(8);
    expect(defaultPopulationSize(10)).toBe(10);
    const c = cmaConstants(10, 10);
    expect(c.mu).toBe(5);
    expect(c.weights.subarray(0, c.mu).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 1; i < c.lambda; i++) expect(c.weights[i]!).toBeLessThan(c.weights[i - 1]!);
    expect(c.muEff).toBeCloseTo(3.1672, 3);
    expect(c.cSigma).toBeCloseTo((c.muEff + 2) / (10 + c.muEff + 5), 12);
    expect(c.c1).toBeCloseTo(2 / (11.3 ** 2 + c.muEff), 12);
    expect(c.chiN).toBeCloseTo(3.0847, 3);
  });

  it("the bare strategy solves a 10-D sphere in about 1500 evaluations, as the reference implementation does", () => {
    const rng = new Rng(1);
    const strategy = new CmaStrategy(new Float64Array(10).fill(0.5), 0.1, 10, { tolX: 0, tolFun: 0, tolXUp: 1e4, maxCondition: 1e14 });
    let evaluations = 0;
    let best = Infinity;
    while (best > 1e-10 && evaluations < 4000) {
      const generation = Array.from({ length: strategy.lambda }, () => {
        const x = strategy.sample(rng);
        const value = x.reduce((s, v) => s + (v - 0.3) ** 2, 0);
        best = Math.min(best, value);
        return { x, value };
      });
      strategy.tell(generation);
      evaluations += strategy.lambda;
    }
    expect(best).toBeLessThanOrEqual(1e-10);
    expect(evaluations).toBeLessThan(2200);
  });
});

describe("CmaEsSampler", () => {
  it("minimizes a 5-D sphere to small regret in 300 trials", async () => {
    // Seeds 1–10 end between 9e-4 and 1.3e-2 (median 2e-3); the positive-only update between 1.3e-4 and 2.2e-2.
    const regrets: number[] = [];
    for (const seed of [1, 2, 3]) {
      const study = await createStudy({ sampler: new CmaEsSampler({ seed }) });
      await study.optimize(sphere5, { nTrials: 300 });
      regrets.push(study.bestValue!);
    }
    const random = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await random.optimize(sphere5, { nTrials: 300 });
    for (const regret of regrets) {
      expect(regret).toBeLessThan(0.05);
      expect(regret).toBeLessThan(random.bestValue! / 100);
    }
    expect([...regrets].sort((a, b) => a - b)[1]!).toBeLessThan(0.01);
  });

  it("minimizes an ill-conditioned 5-D ellipsoid (condition 1e3), learning its scales", async () => {
    const ellipsoid = (t: { suggestFloat(name: string, low: number, high: number): number }): number => {
      let s = 0;
      for (let i = 0; i < 5; i++) s += 10 ** ((3 * i) / 4) * (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
      return s;
    };
    const sampler = new CmaEsSampler({ seed: 1 });
    const study = await createStudy({ sampler });
    await study.optimize(ellipsoid, { nTrials: 800 });
    const random = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await random.optimize(ellipsoid, { nTrials: 800 });
    expect(study.bestValue!).toBeLessThan(0.05);
    expect(study.bestValue!).toBeLessThan(random.bestValue! / 1000);
    const status = sampler.inspect(study.snapshot())!;
    // The axes' curvatures span 1e3, so C must have stretched by a good part of that.
    expect(status.condition).toBeGreaterThan(50);
    // x = 1 encodes to 0.6 on [-5, 5].
    for (const m of status.mean) expect(m).toBeCloseTo(0.6, 1);
  });

  it("maximizes as well", async () => {
    const study = await createStudy({ direction: "maximize", sampler: new CmaEsSampler({ seed: 4 }) });
    await study.optimize((t) => -sphere5(t), { nTrials: 200 });
    expect(study.bestValue!).toBeGreaterThan(-0.2);
  });

  it("assigns trials to generations of λ and advances once λ of them are complete", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: -1, high: 1 }, y: { type: "float", low: -1, high: 1 } };
    const sampler = new CmaEsSampler({ seed: 5, populationSize: 4 });
    const trials = driveByHand(sampler, space, (p) => (p.x as number) ** 2 + (p.y as number) ** 2, 13);
    // Trial 0 has no history to define the space; CMA-ES starts with trial 1.
    expect(trials[0]!.systemAttrs["cmaes:generation"]).toBeUndefined();
    const generations = trials.slice(1).map((t) => t.systemAttrs["cmaes:generation"]);
    expect(generations).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(trials.slice(1, 5).map((t) => t.systemAttrs["cmaes:individual"])).toEqual([0, 1, 2, 3]);
    expect(trials.slice(1).every((t) => t.systemAttrs["cmaes:restart"] === 0 && t.systemAttrs["cmaes:popsize"] === 4)).toBe(true);
    // A generation with running trials only keeps handing out individuals of that generation.
    const running = [...trials.slice(0, 9), ...[9, 10, 11, 12, 13].map((n) => makeTrial({ number: n, systemAttrs: trials[n]?.systemAttrs ?? {} }))];
    const view = makeSamplingTrial(14);
    const snapshot = makeSnapshot(running);
    sampler.sampleRelative(snapshot, view, sampler.inferRelativeSpace(snapshot));
    expect(view.notes["cmaes:generation"]).toBe(2);
  });

  it("does not count failed or pruned trials toward a generation", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 } };
    const sampler = new CmaEsSampler({ seed: 6, populationSize: 4 });
    const base = driveByHand(sampler, space, (p) => p.x as number, 5);
    const tagsOf = (n: number): Record<string, JsonValue> => ({ ...base[n]!.systemAttrs });
    const history = [
      base[0]!,
      base[1]!,
      makeTrial({ number: 2, params: base[2]!.params, distributions: space, state: "failed", systemAttrs: tagsOf(2) }),
      makeTrial({ number: 3, params: base[3]!.params, distributions: space, state: "pruned", values: [0], systemAttrs: tagsOf(3) }),
      base[4]!,
    ];
    const snapshot = makeSnapshot(history);
    expect(new CmaEsSampler({ seed: 6, populationSize: 4 }).inspect(snapshot)!.generation).toBe(0);
    expect(new CmaEsSampler({ seed: 6, populationSize: 4 }).inspect(makeSnapshot(base))!.generation).toBe(1);
  });

  it("rebuilds the same state from the snapshot in a fresh process and suggests the same point", () => {
    const space: Record<string, Distribution> = {
      a: { type: "float", low: 0, high: 10 },
      b: { type: "float", low: 1e-4, high: 1, log: true },
      c: { type: "int", low: 0, high: 20 },
    };
    const f = (p: Record<string, ParamValue>): number => ((p.a as number) - 3) ** 2 + Math.log10(p.b as number) ** 2 + ((p.c as number) - 7) ** 2;
    const first = new CmaEsSampler({ seed: 11 });
    const trials = driveByHand(first, space, f, 60);
    const snapshot = makeSnapshot(trials);
    const fresh = new CmaEsSampler({ seed: 11 });
    expect(fresh.inspect(snapshot)).toEqual(first.inspect(snapshot));
    const suggest = (sampler: CmaEsSampler) => {
      const view = makeSamplingTrial(60);
      return [sampler.sampleRelative(snapshot, view, sampler.inferRelativeSpace(snapshot)), view.notes] as const;
    };
    expect(suggest(fresh)).toEqual(suggest(first));
    // A second full run with the same seed gives the same history.
    const again = driveByHand(new CmaEsSampler({ seed: 11 }), space, f, 60);
    expect(again.map((t) => t.params)).toEqual(trials.map((t) => t.params));
    const other = driveByHand(new CmaEsSampler({ seed: 12 }), space, f, 60);
    expect(other.map((t) => t.params)).not.toEqual(trials.map((t) => t.params));
    // The positive-only update replays alike, and departs from the active one after the first generation.
    const positive = driveByHand(new CmaEsSampler({ seed: 11, activeCovariance: false }), space, f, 60);
    const positiveFresh = new CmaEsSampler({ seed: 11, activeCovariance: false });
    expect(positiveFresh.inspect(makeSnapshot(positive))).toEqual(new CmaEsSampler({ seed: 11, activeCovariance: false }).inspect(makeSnapshot(positive)));
    const lambda = first.inspect(makeSnapshot(trials.slice(0, 1)))!.populationSize;
    expect(positive.slice(0, lambda).map((t) => t.params)).toEqual(trials.slice(0, lambda).map((t) => t.params));
    expect(positive.map((t) => t.params)).not.toEqual(trials.map((t) => t.params));
  });

  it("takes the seed of the first and restart means from the study's first CMA-ES trial, as every worker and a fresh process do", () => {
    // Workers started without a seed (`sextant worker`) each draw their own. Worker 2 sampled the
    // study's first CMA-ES trials; worker 1 had built its state from its own seed before it saw them.
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const f = (p: Record<string, ParamValue>): number => ((p.x as number) - 0.2) ** 2 + ((p.y as number) - 0.7) ** 2;
    const trials = driveByHand(new CmaEsSampler({ seed: 2, populationSize: 4 }), space, f, 11);
    const worker = new CmaEsSampler({ seed: 1, populationSize: 4 });
    expect(worker.inspect(makeSnapshot(trials.slice(0, 1)))).not.toBeNull();
    const snapshot = makeSnapshot(trials);
    const truth = new CmaEsSampler({ seed: 2, populationSize: 4 }).inspect(snapshot)!;
    expect(truth.generation).toBe(2);
    expect(new CmaEsSampler({ seed: 1, populationSize: 4 }).inspect(snapshot)).toEqual(truth);
    expect(worker.inspect(snapshot)).toEqual(truth);
  });

  it("keeps workers without a seed on one search distribution, the one a fresh process rebuilds from storage", async () => {
    const storage = new MemoryStorage();
    await createStudy({ name: "s", storage, sampler: new CmaEsSampler({ seed: 1 }) });
    const samplers = [new CmaEsSampler({ seed: 3 }), new CmaEsSampler({ seed: 4 })];
    const workers = [await loadStudy({ name: "s", storage, sampler: samplers[0]! }), await loadStudy({ name: "s", storage, sampler: samplers[1]! })];
    const objective = async (t: { number: number; suggestFloat(name: string, low: number, high: number): number }): Promise<number> => {
      const value = (t.suggestFloat("x", 0, 1) - 0.2) ** 2 + (t.suggestFloat("y", 0, 1) - 0.7) ** 2;
      await new Promise((resolve) => setTimeout(resolve, t.number % 3));
      return value;
    };
    await Promise.all(workers.map((w) => w.optimize(objective, { nTrials: 30, concurrency: 2 })));
    await Promise.all(workers.map((w) => w.refresh()));
    const fresh = new CmaEsSampler({ seed: 5 });
    const truth = fresh.inspect((await loadStudy({ name: "s", storage, sampler: fresh })).snapshot())!;
    expect(truth.generation).toBeGreaterThan(3);
    expect(samplers[0]!.inspect(workers[0]!.snapshot())).toEqual(truth);
    expect(samplers[1]!.inspect(workers[1]!.snapshot())).toEqual(truth);
  });

  it("is reproducible through createStudy under a seed", async () => {
    const run = async () => {
      const study = await createStudy({ sampler: new CmaEsSampler({ seed: 21 }) });
      await study.optimize(sphere5, { nTrials: 60 });
      return study.trials.map((t) => t.params);
    };
    expect(await run()).toEqual(await run());
  });

  it("restarts with a doubled population when σ collapses (IPOP)", async () => {
    const sampler = new CmaEsSampler({ seed: 7, tolX: 1e-4 });
    const study = await createStudy({ sampler });
    await study.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.3) ** 2 + (t.suggestFloat("y", 0, 1) - 0.6) ** 2, { nTrials: 400 });
    const status = sampler.inspect(study.snapshot())!;
    expect(status.restart).toBeGreaterThanOrEqual(1);
    expect(status.restartReasons[0]).toBe("tolx");
    const lambda0 = defaultPopulationSize(2);
    const popsizes = new Map<number, number>();
    for (const t of study.trials) {
      const r = t.systemAttrs["cmaes:restart"];
      if (typeof r === "number") popsizes.set(r, t.systemAttrs["cmaes:popsize"] as number);
    }
    expect(popsizes.get(0)).toBe(lambda0);
    expect(popsizes.get(1)).toBe(2 * lambda0);
    if (popsizes.has(2)) expect(popsizes.get(2)).toBe(4 * lambda0);
    // The restart begins at a new, random mean with σ0 again.
    const firstOfRestart = study.trials.filter((t) => t.systemAttrs["cmaes:restart"] === 1 && t.systemAttrs["cmaes:generation"] === 0);
    expect(firstOfRestart.length).toBeGreaterThanOrEqual(2 * lambda0);
  });

  it("restarts with Hansen's default thresholds when the objective is flat (TolFun)", async () => {
    const sampler = new CmaEsSampler({ seed: 8 });
    const study = await createStudy({ sampler });
    await study.optimize((t) => {
      t.suggestFloat("x", 0, 1);
      t.suggestFloat("y", 0, 1);
      return 1;
    }, { nTrials: 200 });
    const status = sampler.inspect(study.snapshot())!;
    expect(status.restartReasons[0]).toBe("tolfun");
    expect(status.populationSize).toBe(defaultPopulationSize(2) * 2 ** status.restart);
  });

  it("never restarts with restartStrategy none", async () => {
    const sampler = new CmaEsSampler({ seed: 7, tolX: 1e-4, restartStrategy: "none" });
    const study = await createStudy({ sampler });
    await study.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.3) ** 2 + (t.suggestFloat("y", 0, 1) - 0.6) ** 2, { nTrials: 300 });
    expect(sampler.inspect(study.snapshot())!.restart).toBe(0);
  });

  it("starts from the best startup trial when nStartupTrials is set", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const sampler = new CmaEsSampler({ seed: 9, nStartupTrials: 5 });
    const trials = driveByHand(sampler, space, (p) => (p.x as number) + (p.y as number), 5);
    expect(trials.every((t) => t.systemAttrs["cmaes:generation"] === undefined)).toBe(true);
    const best = trials.reduce((a, b) => (a.values![0]! < b.values![0]! ? a : b));
    const status = sampler.inspect(makeSnapshot(trials))!;
    expect(status.mean).toEqual([best.params.x, best.params.y]);
    expect(status.generation).toBe(0);
  });

  it("starts from the best of the first startup trials to finish, in a live worker and in a resumed process alike", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const random = driveByHand(new CmaEsSampler({ seed: 9, nStartupTrials: 6 }), space, (p) => (p.x as number) + (p.y as number), 6);
    // Trial 0, the best, finished after trials 1 to 5: it is not among the first four to finish.
    const trials = random.map((t) => (t.number === 0 ? { ...t, values: [-1], seq: 100 } : t));
    const live: StudySnapshot = { ...makeSnapshot(trials), finished: [...trials.slice(1), trials[0]!] };
    const resumed = makeSnapshot(trials);
    const options = { seed: 9, nStartupTrials: 4 };
    const status = new CmaEsSampler(options).inspect(live)!;
    const best = trials.slice(1, 5).reduce((a, b) => (a.values![0]! < b.values![0]! ? a : b));
    expect(status.mean).toEqual([best.params.x, best.params.y]);
    expect(new CmaEsSampler(options).inspect(resumed)).toEqual(status);
  });

  it("replays a generation again when a trial that finished before its members becomes visible late", () => {
    // Under concurrent PostgreSQL workers a worker can read a finish after later ones; a fresh
    // process reads them all and takes the first λ to finish.
    const space: Record<string, Distribution> = { x: { type: "float", low: -1, high: 1 }, y: { type: "float", low: -1, high: 1 } };
    const f = (p: Record<string, ParamValue>): number => ((p.x as number) - 0.3) ** 2 + (p.y as number) ** 2;
    const sequential = driveByHand(new CmaEsSampler({ seed: 5, populationSize: 4 }), space, f, 13).map((t) => ({ ...t, seq: 10 * t.number }));
    const params = { x: 0.31, y: -0.02 };
    const late = makeTrial({ number: 13, params, distributions: space, values: [f(params)], systemAttrs: { ...sequential[2]!.systemAttrs, "cmaes:x": [] }, seq: 25 });
    const worker = new CmaEsSampler({ seed: 5, populationSize: 4 });
    const before = worker.inspect(makeSnapshot(sequential))!;
    expect(before.generation).toBe(3);
    const snapshot = makeSnapshot([...sequential, late]);
    const truth = new CmaEsSampler({ seed: 5, populationSize: 4 }).inspect(snapshot)!;
    expect(truth.sigma).not.toBe(before.sigma);
    expect(worker.inspect(snapshot)).toEqual(truth);
  });

  it("forms each generation of the first λ to finish by finish time, which a copy of the study keeps and its storage sequence does not", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: -1, high: 1 }, y: { type: "float", low: -1, high: 1 } };
    const f = (p: Record<string, ParamValue>): number => ((p.x as number) - 0.3) ** 2 + (p.y as number) ** 2;
    const sequential = driveByHand(new CmaEsSampler({ seed: 5, populationSize: 4 }), space, f, 13);
    const params = { x: 0.31, y: -0.02 };
    // Trial 13 was drawn for generation 0 and finished between trials 2 and 3.
    const extra = makeTrial({ number: 13, params, distributions: space, values: [f(params)], systemAttrs: { ...sequential[2]!.systemAttrs, "cmaes:x": [] } });
    const finishedAt = (t: FrozenTrial): number => 1000 + 10 * (t.number === 13 ? 2.5 : t.number);
    const source = [...sequential, extra].map((t) => ({ ...t, finishedAt: finishedAt(t), seq: finishedAt(t) }));
    // A copy writes the trials in number order: new storage sequences, the same finish times.
    const copy = source.map((t) => ({ ...t, seq: t.number + 1 }));
    const options = { seed: 5, populationSize: 4 };
    const original = new CmaEsSampler(options).inspect(makeSnapshot(source))!;
    expect(original.generation).toBe(3);
    expect(new CmaEsSampler(options).inspect(makeSnapshot(copy))).toEqual(original);
  });

  it("chooses the startup trials again when one that finished before them becomes visible late", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const random = driveByHand(new CmaEsSampler({ seed: 9, nStartupTrials: 6 }), space, (p) => (p.x as number) + (p.y as number), 6);
    const seen = random.slice(1).map((t) => ({ ...t, seq: 10 * t.number }));
    const late = { ...random[0]!, values: [-1], seq: 5 };
    const options = { seed: 9, nStartupTrials: 4 };
    const worker = new CmaEsSampler(options);
    expect(worker.inspect(makeSnapshot(seen))).not.toBeNull();
    const snapshot: StudySnapshot = { ...makeSnapshot([...seen, late]), finished: [...seen, late] };
    const truth = new CmaEsSampler(options).inspect(makeSnapshot([...seen, late]))!;
    expect(truth.mean).toEqual([late.params.x, late.params.y]);
    expect(worker.inspect(snapshot)).toEqual(truth);
  });

  it("ranks a NaN value (an imported complete trial can have one) last, in generations and among startup trials", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: -1, high: 1 }, y: { type: "float", low: -1, high: 1 } };
    const f = (p: Record<string, ParamValue>): number => ((p.x as number) - 0.3) ** 2 + (p.y as number) ** 2;
    for (const direction of ["minimize", "maximize"] as const) {
      const worst = direction === "minimize" ? Infinity : -Infinity;
      const sign = direction === "minimize" ? 1 : -1;
      const drive = (sampler: CmaEsSampler): FrozenTrial[] => driveByHand(sampler, space, (p) => sign * f(p), 30);
      const options = { seed: 3, populationSize: 6, nStartupTrials: 3 };
      const history = drive(new CmaEsSampler(options)).map((t) => (t.number % 4 === 0 ? { ...t, values: [NaN] } : t));
      const snapshot = makeSnapshot(history, { directions: [direction] });
      const status = new CmaEsSampler(options).inspect(snapshot)!;
      expect(status.generation).toBeGreaterThanOrEqual(3);
      // As if the NaN were the worst value there is.
      const asWorst = makeSnapshot(history.map((t) => (Number.isNaN(t.values![0]) ? { ...t, values: [worst] } : t)), { directions: [direction] });
      expect(status).toEqual(new CmaEsSampler(options).inspect(asWorst));
      // Trial 0, with NaN, is not the best of the startup trials 0 to 2.
      const best = history.slice(1, 3).reduce((a, b) => (sign * a.values![0]! < sign * b.values![0]! ? a : b));
      expect(new CmaEsSampler(options).inspect(makeSnapshot(history.slice(0, 3), { directions: [direction] }))!.mean).toEqual([
        (best.params.x as number + 1) / 2,
        (best.params.y as number + 1) / 2,
      ]);
    }
  });

  it("reads only new and unfinished trials' tags at each suggestion, not the whole history again", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: -1, high: 1 }, y: { type: "float", low: -1, high: 1 } };
    const f = (p: Record<string, ParamValue>): number => ((p.x as number) - 0.3) ** 2 + (p.y as number) ** 2;
    let reads = 0;
    const counted = (trial: FrozenTrial): FrozenTrial => {
      const copy = { ...trial };
      Object.defineProperty(copy, "systemAttrs", { enumerable: true, get: () => (reads++, trial.systemAttrs) });
      return copy;
    };
    const history = driveByHand(new CmaEsSampler({ seed: 2 }), space, f, 300).map(counted);
    const sampler = new CmaEsSampler({ seed: 2 });
    const readsPerSuggestion: number[] = [];
    for (let number = 300; number < 320; number++) {
      const before = reads;
      const snapshot = makeSnapshot(history);
      const view = makeSamplingTrial(number);
      const params = sampler.sampleRelative(snapshot, view, sampler.inferRelativeSpace(snapshot));
      expect(view.notes["cmaes:individual"]).toBeTypeOf("number");
      history.push(counted(makeTrial({ number, params, distributions: space, values: [f(params)], systemAttrs: { ...view.notes } })));
      readsPerSuggestion.push(reads - before);
    }
    // The first suggestion of a fresh sampler reads the history once; later ones a few trials each.
    expect(readsPerSuggestion[0]).toBeGreaterThanOrEqual(300);
    expect(Math.max(...readsPerSuggestion.slice(1))).toBeLessThan(30);

    // Nor when no trial carries a CMA-ES tag (here a space CMA-ES does not model), where the
    // search for the study's seed found nothing to stop at.
    const choices: Record<string, Distribution> = { c: { type: "categorical", choices: ["a", "b"] } };
    const untagged = driveByHand(new CmaEsSampler({ seed: 2 }), choices, (p) => (p.c === "a" ? 0 : 1), 300).map(counted);
    const other = new CmaEsSampler({ seed: 2 });
    other.inferRelativeSpace(makeSnapshot(untagged));
    const before = reads;
    for (let number = 300; number < 320; number++) {
      expect(other.inferRelativeSpace(makeSnapshot(untagged))).toEqual({});
      untagged.push(counted(makeTrial({ number, params: { c: "a" }, distributions: choices, values: [0] })));
    }
    expect(reads - before).toBeLessThan(20 * 5);
  });

  it("forgets the trials of another history read under the same study key, their seed included", () => {
    const space: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const f = (p: Record<string, ParamValue>): number => ((p.x as number) - 0.2) ** 2 + ((p.y as number) - 0.7) ** 2;
    const first = makeSnapshot(driveByHand(new CmaEsSampler({ seed: 1, populationSize: 4 }), space, f, 10));
    // Trials of another study have other ids (how a reader tells the histories apart).
    const second = makeSnapshot(driveByHand(new CmaEsSampler({ seed: 2, populationSize: 4 }), space, f, 14).map((t) => ({ ...t, id: 1000 + t.number })));
    const sampler = new CmaEsSampler({ seed: 3, populationSize: 4 });
    sampler.inspect(first);
    expect(sampler.inspect(second)).toEqual(new CmaEsSampler({ seed: 3, populationSize: 4 }).inspect(second));
  });

  it("keeps every suggestion inside its distribution on random mixed spaces", async () => {
    const distribution = fc.oneof(
      fc.record({ type: fc.constant("float" as const), low: fc.integer({ min: -5, max: 0 }), width: fc.integer({ min: 0, max: 5 }), log: fc.boolean() }).map(
        ({ low, width, log }): Distribution => (log ? { type: "float", low: 0.001 + Math.abs(low), high: 0.001 + Math.abs(low) + width, log: true } : { type: "float", low, high: low + width }),
      ),
      fc.record({ low: fc.integer({ min: -5, max: 5 }), width: fc.integer({ min: 0, max: 30 }), step: fc.integer({ min: 1, max: 3 }) }).map(
        ({ low, width, step }): Distribution => ({ type: "int", low, high: low + width - (width % step), step }),
      ),
      fc.record({ low: fc.integer({ min: 1, max: 5 }), width: fc.integer({ min: 0, max: 1000 }) }).map(
        ({ low, width }): Distribution => ({ type: "int", low, high: low + width, log: true }),
      ),
      fc.constant<Distribution>({ type: "float", low: 0, high: 1, step: 0.25 }),
      fc.constant<Distribution>({ type: "categorical", choices: ["a", 1, null, true] }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(distribution, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 1000 }), async (dists, seed) => {
        // Half the runs with margin, whose scaled draws must decode inside the distributions too.
        const study = await createStudy({ sampler: new CmaEsSampler({ seed, populationSize: 4, withMargin: seed % 2 === 0 }) });
        await study.optimize((t) => {
          let s = 0;
          dists.forEach((d, i) => {
            const v = t.suggest(`p${i}`, d);
            s += typeof v === "number" ? Math.sin(v * 1.7 + i) : v === "a" ? 1 : 0;
          });
          return s;
        }, { nTrials: 40 });
        for (const trial of study.trials) {
          expect(trial.state).toBe("complete");
          dists.forEach((d, i) => {
            const v = trial.params[`p${i}`];
            expect(containsValue(d, v)).toBe(true);
            if (typeof v === "number") expect(Number.isNaN(v)).toBe(false);
          });
        }
        const tagged = study.trials.filter((t) => t.systemAttrs["cmaes:generation"] !== undefined).length;
        const numeric = dists.some((d) => d.type !== "categorical" && d.high > d.low);
        expect(tagged > 0).toBe(numeric);
      }),
      { numRuns: 25 },
    );
  });

  it("works with 4 concurrent trials: generations are assigned and the study converges", async () => {
    const sampler = new CmaEsSampler({ seed: 10 });
    const study = await createStudy({ sampler });
    await study.optimize(async (t) => {
      const v = sphere5(t);
      await new Promise((resolve) => setTimeout(resolve, t.number % 3));
      return v;
    }, { nTrials: 450, concurrency: 4 });
    expect(study.trials).toHaveLength(450);
    expect(study.trials.every((t) => t.state === "complete")).toBe(true);
    const keys = new Set(study.trials.map((t) => `${t.systemAttrs["cmaes:restart"]}:${t.systemAttrs["cmaes:generation"]}`));
    expect(keys.size).toBeGreaterThan(20);
    const distinct = new Set(study.trials.map((t) => JSON.stringify(t.params)));
    expect(distinct.size).toBe(450);
    expect(study.bestValue!).toBeLessThan(0.1);
    expect(sampler.inspect(study.snapshot())!.generation).toBeGreaterThan(20);
  });

  it("rejects multi-objective studies with a clear error", () => {
    const sampler = new CmaEsSampler({ seed: 1 });
    expect(() => sampler.inferRelativeSpace(makeSnapshot([], { directions: ["minimize", "maximize"] }))).toThrow(/one objective/);
  });
});

describe("CmaEsSampler with margin", () => {
  const mixed: Record<string, Distribution> = {
    a: { type: "float", low: 0, high: 10 },
    c: { type: "int", low: 0, high: 20 },
    s: { type: "float", low: -1, high: 1, step: 0.5 },
  };
  const mixedObjective = (p: Record<string, ParamValue>): number =>
    100 * ((p.a as number) - 3) ** 2 + ((p.c as number) - 7) ** 2 + ((p.s as number) - 0.5) ** 2;

  it("rebuilds the same state, margin scaling included, in a fresh process and suggests the same point", () => {
    const first = new CmaEsSampler({ seed: 13, withMargin: true });
    const trials = driveByHand(first, mixed, mixedObjective, 200);
    const snapshot = makeSnapshot(trials);
    const fresh = new CmaEsSampler({ seed: 13, withMargin: true });
    const status = fresh.inspect(snapshot)!;
    expect(status).toEqual(first.inspect(snapshot));
    // The margin has acted on the int and the stepped float by now, and never on the float.
    expect(status.marginScale[0]).toBe(1);
    expect(status.marginScale.slice(1).some((a) => a !== 1)).toBe(true);
    const suggest = (sampler: CmaEsSampler) => {
      const view = makeSamplingTrial(200);
      return [sampler.sampleRelative(snapshot, view, sampler.inferRelativeSpace(snapshot)), view.notes] as const;
    };
    expect(suggest(fresh)).toEqual(suggest(first));
    const again = driveByHand(new CmaEsSampler({ seed: 13, withMargin: true }), mixed, mixedObjective, 200);
    expect(again.map((t) => t.params)).toEqual(trials.map((t) => t.params));
    const plain = driveByHand(new CmaEsSampler({ seed: 13 }), mixed, mixedObjective, 200);
    expect(plain.map((t) => t.params)).not.toEqual(trials.map((t) => t.params));
  });

  it("works with the smallest population on a single int", () => {
    // λ = 2 and N = 1 give the largest default margin, α = 1/(N·λ) = 1/2.
    const space: Record<string, Distribution> = { c: { type: "int", low: 0, high: 9 } };
    const trials = driveByHand(new CmaEsSampler({ seed: 15, withMargin: true, populationSize: 2 }), space, (p) => ((p.c as number) - 6) ** 2, 60);
    expect(trials.every((t) => containsValue(space.c!, t.params.c))).toBe(true);
    expect(Math.min(...trials.map((t) => t.values![0]!))).toBe(0);
  });

  it("proposes exactly what plain CMA-ES does when no parameter is an int or stepped", () => {
    const space: Record<string, Distribution> = { a: { type: "float", low: 0, high: 10 }, b: { type: "float", low: 1e-3, high: 1, log: true } };
    const f = (p: Record<string, ParamValue>): number => ((p.a as number) - 3) ** 2 + Math.log10(p.b as number) ** 2;
    const withMargin = driveByHand(new CmaEsSampler({ seed: 14, withMargin: true }), space, f, 120);
    const plain = driveByHand(new CmaEsSampler({ seed: 14 }), space, f, 120);
    expect(withMargin.map((t) => [t.params, t.systemAttrs])).toEqual(plain.map((t) => [t.params, t.systemAttrs]));
  });

  it("keeps moving the ints where plain rounding freezes them and repeats one point", async () => {
    // Two finely gridded ints dominate the value, so σ shrinks for them, and two coarse ints freeze
    // wherever they are at that moment unless something keeps their chance of moving alive.
    const objective = (t: { suggestInt(name: string, low: number, high: number): number }): number =>
      1e6 * (((t.suggestInt("a", -1000, 1000) - 300) / 1000) ** 2 + ((t.suggestInt("b", -1000, 1000) + 200) / 1000) ** 2) +
      (t.suggestInt("i", 0, 20) - 7) ** 2 +
      (t.suggestInt("j", 0, 20) - 12) ** 2;
    // On the positive-only covariance update, where the freeze shows most clearly: with the active
    // update (the default) plain CMA-ES already reaches the optimum on 6 of these 8 seeds, repeating
    // 518 of the last 800 points against the margin variant's 417 (2 seeds lower, 1 higher, 5 ties).
    const run = async (seed: number, withMargin: boolean) => {
      const study = await createStudy({ sampler: new CmaEsSampler({ seed, withMargin, restartStrategy: "none", activeCovariance: false }) });
      await study.optimize(objective, { nTrials: 600 });
      const seen = new Set(study.trials.slice(0, -100).map((t) => JSON.stringify(t.params)));
      let repeats = 0;
      for (const t of study.trials.slice(-100)) {
        const key = JSON.stringify(t.params);
        if (seen.has(key)) repeats++;
        seen.add(key);
      }
      return { best: study.bestValue!, repeats };
    };
    let plainRepeats = 0;
    let marginRepeats = 0;
    let marginBetter = 0;
    for (let seed = 0; seed < 8; seed++) {
      const plain = await run(seed, false);
      const margin = await run(seed, true);
      plainRepeats += plain.repeats;
      marginRepeats += margin.repeats;
      if (margin.best < plain.best) marginBetter++;
    }
    // Of the last 100 trials of 8 studies, plain CMA-ES repeats an earlier point in 749, the
    // margin variant in 240, and ends lower on 7 of the 8 (the eighth is a tie).
    expect(plainRepeats).toBeGreaterThan(600);
    expect(marginRepeats).toBeLessThan(400);
    expect(marginBetter).toBeGreaterThanOrEqual(6);
  });
});

describe("createCmaEsSamplerFromOptions", () => {
  it("parses CLI-style strings and aliases", () => {
    const sampler = createCmaEsSamplerFromOptions({
      seed: "3",
      sigma0: "0.25",
      population_size: "12",
      "restart-strategy": "NONE",
      incPopSize: 3,
      nStartupTrials: "5",
      tolX: undefined,
      with_margin: "true",
      "active-covariance": "false",
    });
    expect(sampler.seed).toBe(3);
    expect(sampler.sigma0).toBe(0.25);
    expect(sampler.populationSize).toBe(12);
    expect(sampler.restartStrategy).toBe("none");
    expect(sampler.incPopSize).toBe(3);
    expect(sampler.nStartupTrials).toBe(5);
    expect(sampler.withMargin).toBe(true);
    expect(createCmaEsSamplerFromOptions({}).withMargin).toBe(false);
    expect(sampler.activeCovariance).toBe(false);
    expect(createCmaEsSamplerFromOptions({}).activeCovariance).toBe(true);
  });

  it("names the bad key or value", () => {
    expect(() => createCmaEsSamplerFromOptions({ sigma: "0.2" })).toThrow(SamplerOptionError);
    expect(() => createCmaEsSamplerFromOptions({ sigma: "0.2" })).toThrow(/unknown option "sigma".*sigma0/);
    expect(() => createCmaEsSamplerFromOptions({ sigma0: "abc" })).toThrow(/sigma0.*finite number/);
    expect(() => createCmaEsSamplerFromOptions({ sigma0: "0" })).toThrow(/sigma0.*> 0/);
    expect(() => createCmaEsSamplerFromOptions({ populationSize: "2.5" })).toThrow(/populationSize.*integer/);
    expect(() => createCmaEsSamplerFromOptions({ restartStrategy: "bipop" })).toThrow(/ipop, none/);
    expect(() => createCmaEsSamplerFromOptions({ activeCovariance: "maybe" })).toThrow(/activeCovariance/);
    expect(() => new CmaEsSampler({ activeCovariance: "yes" as unknown as boolean })).toThrow(/activeCovariance must be true or false/);
  });
});
