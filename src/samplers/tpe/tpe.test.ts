import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  containsValue,
  makeSamplingTrial,
  makeSnapshot,
  makeTrial,
} from "../../space/index.js";
import { createStudy } from "../../study/index.js";
import { Rng } from "../../math/rng.js";
import { makeDimension } from "./dimension.js";
import { TPESampler, createTPESamplerFromOptions, defaultGamma, defaultWeights, linearGamma } from "./index.js";
import { MultivariateParzen, type ParzenOptions } from "./parzen-estimator.js";

const X: Distribution = { type: "float", low: 0, high: 1 };

const WATANABE_KERNELS: ParzenOptions = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: true,
  magicClipExponent: 2,
  minBandwidthFactor: 0.03,
  maxBandwidthFactor: 0.5,
  densityJacobian: true,
  multivariateBandwidth: "neighbour",
};

function trialsFrom(count: number, f: (i: number) => { params: Record<string, ParamValue>; distributions: Record<string, Distribution>; value: number | number[] }): FrozenTrial[] {
  return Array.from({ length: count }, (_, i) => {
    const { params, distributions, value } = f(i);
    return makeTrial({ number: i, state: "complete", params, distributions, values: Array.isArray(value) ? value : [value] });
  });
}

/** A 1-D history where good trials sit near 0.2. */
function clusteredHistory(count = 40): FrozenTrial[] {
  return trialsFrom(count, (i) => {
    const x = ((i * 0.6180339887) % 1 + 1) % 1;
    return { params: { x }, distributions: { x: X }, value: Math.abs(x - 0.2) };
  });
}

describe("defaults", () => {
  it("gamma and weights follow Optuna's defaults", () => {
    expect(defaultGamma(1)).toBe(1);
    expect(defaultGamma(100)).toBe(10);
    expect(defaultGamma(1000)).toBe(25);
    const w = defaultWeights(30);
    expect(w.length).toBe(30);
    expect(w[0]).toBeCloseTo(1 / 30);
    expect(w[4]).toBeCloseTo(1);
    expect(Array.from(w.slice(5))).toEqual(new Array(25).fill(1));
    expect(Array.from(defaultWeights(3))).toEqual([1, 1, 1]);
  });
});

describe("TPESampler", () => {
  it("is deterministic under a seed", () => {
    const snapshot = makeSnapshot(clusteredHistory());
    const a = new TPESampler({ seed: 7 }).sampleIndependent(snapshot, makeSamplingTrial(40), "x", X);
    const b = new TPESampler({ seed: 7 }).sampleIndependent(snapshot, makeSamplingTrial(40), "x", X);
    const c = new TPESampler({ seed: 8 }).sampleIndependent(snapshot, makeSamplingTrial(40), "x", X);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("samples uniformly at random during the startup trials", () => {
    const history = clusteredHistory(9);
    const snapshot = makeSnapshot(history);
    const values: number[] = [];
    for (let n = 0; n < 400; n++) {
      values.push(new TPESampler({ seed: n }).sampleIndependent(snapshot, makeSamplingTrial(9), "x", X) as number);
    }
    const nearGood = values.filter((v) => Math.abs(v - 0.2) < 0.1).length / values.length;
    expect(nearGood).toBeGreaterThan(0.12);
    expect(nearGood).toBeLessThan(0.28);
    expect(values.filter((v) => v > 0.5).length / values.length).toBeGreaterThan(0.4);
  });

  it("concentrates on the good region after the startup trials", () => {
    const snapshot = makeSnapshot(clusteredHistory(60));
    const values: number[] = [];
    for (let n = 0; n < 100; n++) {
      values.push(new TPESampler({ seed: n }).sampleIndependent(snapshot, makeSamplingTrial(60), "x", X) as number);
    }
    const near = values.filter((v) => Math.abs(v - 0.2) < 0.1).length / values.length;
    expect(near).toBeGreaterThan(0.7);
  });

  it("prefers the category of the good trials", () => {
    const color: Distribution = { type: "categorical", choices: ["red", "green", "blue"] };
    const history = trialsFrom(40, (i) => {
      const c = ["red", "green", "blue"][i % 3]!;
      return { params: { c }, distributions: { c: color }, value: c === "green" ? 0 + i * 1e-3 : 1 + i * 1e-3 };
    });
    const snapshot = makeSnapshot(history);
    let green = 0;
    for (let n = 0; n < 50; n++) {
      if (new TPESampler({ seed: n }).sampleIndependent(snapshot, makeSamplingTrial(40), "c", color) === "green") green++;
    }
    expect(green).toBeGreaterThan(45);
  });

  it("keeps every suggestion inside its distribution", () => {
    const distribution = fc.oneof(
      fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0.001, max: 50, noNaN: true })).map(
        ([low, width]): Distribution => ({ type: "float", low, high: low + width }),
      ),
      fc.tuple(fc.double({ min: 1e-4, max: 10, noNaN: true }), fc.double({ min: 1.5, max: 1e4, noNaN: true })).map(
        ([low, ratio]): Distribution => ({ type: "float", low, high: low * ratio, log: true }),
      ),
      fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom(0.1, 0.25, 0.5, 2)).map(
        ([low, cells, step]): Distribution => ({ type: "float", low, high: low + cells * step, step }),
      ),
      fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 30 })).map(
        ([low, width]): Distribution => ({ type: "int", low, high: low + width }),
      ),
      fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 1000 })).map(
        ([low, width]): Distribution => ({ type: "int", low, high: low + width, log: true }),
      ),
      fc.integer({ min: 1, max: 6 }).map((k): Distribution => ({ type: "categorical", choices: Array.from({ length: k }, (_, i) => `c${i}`) })),
    );
    fc.assert(
      fc.property(distribution, fc.integer({ min: 0, max: 60 }), fc.integer(), fc.boolean(), (dist, count, seed, multivariate) => {
        // The history itself comes from a startup-phase sampler, so every recorded value is legal.
        const history: FrozenTrial[] = [];
        for (let i = 0; i < count; i++) {
          const v = new TPESampler({ seed: seed + i, nStartupTrials: 1000 }).sampleIndependent(makeSnapshot([]), makeSamplingTrial(i), "p", dist);
          history.push(makeTrial({ number: i, state: "complete", params: { p: v }, distributions: { p: dist }, values: [Math.sin(i * 1.7)] }));
        }
        const snapshot = makeSnapshot(history);
        const sampler = new TPESampler({ seed, nStartupTrials: 2, multivariate });
        const trial = makeSamplingTrial(count);
        const space = sampler.inferRelativeSpace(snapshot);
        const relative = sampler.sampleRelative(snapshot, trial, space);
        const value = "p" in relative ? relative.p! : sampler.sampleIndependent(snapshot, trial, "p", dist);
        expect(containsValue(dist, value)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("gives the same suggestion incrementally as a fresh sampler on the same snapshot", () => {
    const y: Distribution = { type: "int", low: 1, high: 100, log: true };
    const c: Distribution = { type: "categorical", choices: ["a", "b"] };
    const all = trialsFrom(80, (i) => {
      const x = (i * 0.37) % 1;
      const yi = 1 + ((i * 13) % 100);
      return { params: { x, y: yi, c: i % 2 ? "a" : "b" }, distributions: { x: X, y, c }, value: (x - 0.4) ** 2 + Math.log(yi) / 10 + (i % 2) };
    });
    // Trials finish out of number order, and one is pruned, one failed.
    all[30] = makeTrial({ ...all[30]!, state: "pruned", values: null, intermediate: { 0: 5, 3: 2 } });
    all[31] = makeTrial({ ...all[31]!, state: "failed", values: null });
    for (const multivariate of [false, true]) {
      const incremental = new TPESampler({ seed: 3, multivariate });
      const order = [...all].sort((a, b) => ((a.number * 7) % 11) - ((b.number * 7) % 11) || a.number - b.number);
      const finished: FrozenTrial[] = [];
      for (let step = 0; step < order.length; step += 5) {
        finished.push(...order.slice(step, step + 5));
        const snapshot = { ...makeSnapshot(finished), finished: [...finished] };
        const trial = makeSamplingTrial(100 + step);
        const sample = (sampler: TPESampler) => {
          const space = sampler.inferRelativeSpace(snapshot);
          const relative = sampler.sampleRelative(snapshot, trial, space);
          return {
            ...relative,
            x: relative.x ?? sampler.sampleIndependent(snapshot, trial, "x", X),
            y: relative.y ?? sampler.sampleIndependent(snapshot, trial, "y", y),
            c: relative.c ?? sampler.sampleIndependent(snapshot, trial, "c", c),
          };
        };
        expect(sample(incremental)).toEqual(sample(new TPESampler({ seed: 3, multivariate })));
      }
    }
  });

  it("agrees with a fresh sampler on a long all-float history, whose kernels it caches between trials", () => {
    const names = ["a", "b", "c", "d"];
    const all = trialsFrom(260, (i) => {
      const params: Record<string, ParamValue> = {};
      let value = 0;
      names.forEach((name, k) => {
        const v = (((i + 1) * (0.6180339887 + 0.1 * k)) % 1) ** (1 + (i % 3));
        params[name] = v;
        value += (v - 0.3) ** 2;
      });
      return { params, distributions: Object.fromEntries(names.map((name) => [name, X])), value };
    });
    const incremental = new TPESampler({ seed: 11 });
    for (let n = 20; n <= all.length; n += 12) {
      const snapshot = makeSnapshot(all.slice(0, n));
      const trial = makeSamplingTrial(n);
      const sample = (sampler: TPESampler) => sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot));
      const suggestion = sample(incremental);
      expect(Object.keys(suggestion).sort()).toEqual(names);
      expect(suggestion).toEqual(sample(new TPESampler({ seed: 11 })));
    }
  });

  it("picks the candidate a plain scan of l(x)/g(x) picks, though it rules most out early", () => {
    type Density = { logPdfAt(points: Float64Array, index: number): number };
    type Chooser = { bestCandidate(below: Density, above: Density, candidates: Float64Array, size: number): number };
    const sampler = new TPESampler({ seed: 1 }) as unknown as Chooser;
    const d = 3;
    const dimensions = Array.from({ length: d }, () => makeDimension(X));
    const rng = new Rng(21);
    for (let round = 0; round < 40; round++) {
      const belowCount = 5 + round;
      const aboveCount = 10 + 20 * round;
      const below = new MultivariateParzen();
      const above = new MultivariateParzen();
      const spread = round % 2 === 0 ? 0.1 : 0.5;
      below.build(dimensions, Float64Array.from({ length: belowCount * d }, () => 0.3 + spread * (rng.uniform() - 0.5)), new Float64Array(belowCount).fill(1), belowCount, WATANABE_KERNELS);
      above.build(dimensions, Float64Array.from({ length: aboveCount * d }, () => rng.uniform()), new Float64Array(aboveCount).fill(1), aboveCount, WATANABE_KERNELS);
      const size = 24;
      const candidates = new Float64Array(size * d);
      below.sample(rng, size, candidates);
      // Duplicate candidates tie exactly: the first of them must win, as in the scan.
      if (round % 4 === 0) candidates.copyWithin(5 * d, 11 * d, 12 * d);
      let scan = 0;
      let scanScore = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < size; s++) {
        const score = below.logPdfAt(candidates, s) - above.logPdfAt(candidates, s);
        if (score > scanScore) {
          scanScore = score;
          scan = s;
        }
      }
      expect(sampler.bestCandidate(below, above, candidates, size)).toBe(scan);
    }
  });

  it("gives, without a warm start, the suggestions it gave before warm starts could change bandwidths (with and without running trials under the liar)", () => {
    // Recorded from the build before `warmStartBandwidths` (commit b90fa59). With running trials the
    // above set's bandwidths are found by sorting (neighbourBandwidths), not by the column walk.
    const Y: Distribution = { type: "float", low: 1e-3, high: 10, log: true };
    const history = trialsFrom(30, (i) => {
      const x = (i * 0.618034) % 1;
      const y = Math.exp(Math.log(1e-3) + ((i * 0.414214) % 1) * Math.log(1e4));
      return { params: { x, y }, distributions: { x: X, y: Y }, value: (x - 0.3) ** 2 + (Math.log10(y) - 0.5) ** 2 };
    });
    const running = [0.29, 0.31].map((x, i) => makeTrial({ number: 30 + i, state: "running", params: { x, y: 3 }, distributions: { x: X, y: Y } }));
    const recorded = [
      [0.36330002709610293, 3.699838232237202],
      [0.34252925455171396, 2.6495233960011175],
      [0.3064378477017539, 2.6846968323391325],
      [0.36656462056097244, 3.3118924696958825],
      [0.42893483288932177, 9.889215745222533],
      [0.5078567008488839, 2.7449847741924795],
      [0.4280513103899846, 4.217677353688819],
      [0.4569126053651228, 5.550733538898876],
    ];
    const suggested: number[][] = [];
    for (const liar of [false, true]) {
      for (let seed = 0; seed < 4; seed++) {
        const sampler = new TPESampler({ seed, constantLiar: liar });
        const snapshot = makeSnapshot(liar ? [...history, ...running] : history);
        const trial = makeSamplingTrial(32);
        const params = sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
        suggested.push([params.x as number, params.y as number]);
      }
    }
    expect(suggested).toEqual(recorded);
  });

  it("changes suggestions under the constant liar when trials are running", () => {
    const history = clusteredHistory(30);
    const running = [0.19, 0.2, 0.21].map((x, i) => makeTrial({ number: 30 + i, state: "running", params: { x }, distributions: { x: X } }));
    const withRunning = makeSnapshot([...history, ...running]);
    const without = makeSnapshot(history);
    let differ = 0;
    let distanceWith = 0;
    let distanceWithout = 0;
    for (let n = 0; n < 40; n++) {
      const a = new TPESampler({ seed: n, constantLiar: true }).sampleIndependent(withRunning, makeSamplingTrial(40), "x", X) as number;
      const b = new TPESampler({ seed: n, constantLiar: true }).sampleIndependent(without, makeSamplingTrial(40), "x", X) as number;
      if (a !== b) differ++;
      distanceWith += Math.abs(a - 0.2);
      distanceWithout += Math.abs(b - 0.2);
      // Without the liar the running trials are invisible.
      const plainA = new TPESampler({ seed: n }).sampleIndependent(withRunning, makeSamplingTrial(40), "x", X);
      const plainB = new TPESampler({ seed: n }).sampleIndependent(without, makeSamplingTrial(40), "x", X);
      expect(plainA).toBe(plainB);
    }
    expect(differ).toBeGreaterThan(10);
    // Running trials count as bad, so suggestions move away from where they are being evaluated.
    expect(distanceWith).toBeGreaterThan(distanceWithout);
  });

  it("decomposes a conditional space into groups", () => {
    const kind: Distribution = { type: "categorical", choices: ["x", "y"] };
    const b: Distribution = { type: "float", low: -1, high: 1 };
    const history = trialsFrom(40, (i) => {
      const a = i % 2 === 0 ? "x" : "y";
      const params: Record<string, ParamValue> = { a, u: (i * 0.31) % 1 };
      const distributions: Record<string, Distribution> = { a: kind, u: X };
      if (a === "x") {
        params.b = ((i * 0.77) % 2) - 1;
        distributions.b = b;
      }
      return { params, distributions, value: a === "x" ? Math.abs((params.b as number) - 0.5) : 2 };
    });
    const snapshot = makeSnapshot(history);
    const sampler = new TPESampler({ seed: 1, multivariate: true, group: true });
    const space = sampler.inferRelativeSpace(snapshot);
    expect(Object.keys(space).sort()).toEqual(["a", "b", "u"]);
    const params = sampler.sampleRelative(snapshot, makeSamplingTrial(40), space);
    expect(Object.keys(params).sort()).toEqual(["a", "b", "u"]);
    expect(containsValue(b, params.b)).toBe(true);
    // b's group is modelled from the trials that have it: its good values sit near 0.5.
    let near = 0;
    for (let n = 0; n < 40; n++) {
      const s = new TPESampler({ seed: n, multivariate: true, group: true });
      const p = s.sampleRelative(snapshot, makeSamplingTrial(40), s.inferRelativeSpace(snapshot));
      if (Math.abs((p.b as number) - 0.5) < 0.3) near++;
    }
    expect(near).toBeGreaterThan(25);
    expect(() => new TPESampler({ group: true, multivariate: false })).toThrow(/multivariate/);
  });

  it("handles several objectives", () => {
    const history = trialsFrom(50, (i) => {
      const x = (i * 0.6180339887) % 1;
      return { params: { x }, distributions: { x: X }, value: [x, (1 - x) ** 2 + 0.3 * Math.abs(x - 0.5)] };
    });
    const snapshot = makeSnapshot(history, { directions: ["minimize", "minimize"] });
    for (let n = 0; n < 20; n++) {
      const value = new TPESampler({ seed: n }).sampleIndependent(snapshot, makeSamplingTrial(50), "x", X);
      expect(containsValue(X, value)).toBe(true);
    }
    const mv = new TPESampler({ seed: 1, multivariate: true });
    const params = mv.sampleRelative(snapshot, makeSamplingTrial(50), mv.inferRelativeSpace(snapshot));
    expect(containsValue(X, params.x)).toBe(true);
  });

  it("handles several objectives too large for their hypervolume to be a finite number", async () => {
    for (const [scale, m] of [[1e155, 2], [1e110, 3], [1.7e308, 2]] as const) {
      const study = await createStudy({ sampler: new TPESampler({ seed: 1 }), directions: Array(m).fill("minimize"), onWarning: () => undefined });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat("x", 0, 1);
          return [scale * x, scale * (1 - x), scale * x * x].slice(0, m);
        },
        { nTrials: 30 },
      );
      expect(study.trials.filter((t) => t.state === "complete").length, `scale ${scale}, ${m} objectives`).toBe(30);
    }
  });

  it("suggests for huge objectives what it suggests for the same objectives scaled down by a power of two", () => {
    // 2⁶⁰⁰ (about 4e180) squared overflows: the hypervolume of the huge front is not a finite number.
    const front = (scale: number): FrozenTrial[] =>
      trialsFrom(40, (i) => {
        const x = (i * 0.6180339887) % 1;
        return { params: { x }, distributions: { x: X }, value: [scale * x, scale * ((1 - x) ** 2 + 0.3 * Math.abs(x - 0.5))] };
      });
    const plain = makeSnapshot(front(1), { directions: ["minimize", "minimize"] });
    const huge = makeSnapshot(front(2 ** 600), { directions: ["minimize", "minimize"] });
    for (let n = 0; n < 10; n++) {
      const a = new TPESampler({ seed: n }).sampleIndependent(plain, makeSamplingTrial(40), "x", X) as number;
      const b = new TPESampler({ seed: n }).sampleIndependent(huge, makeSamplingTrial(40), "x", X) as number;
      expect(b).toBeCloseTo(a, 9);
    }
  });

  it("ranks pruned trials after complete ones and, with failedTrials ignore (the optuna preset), ignores failed trials", () => {
    const history = clusteredHistory(30);
    const extra = [
      makeTrial({ number: 30, state: "failed", params: { x: 0.9 }, distributions: { x: X } }),
      makeTrial({ number: 31, state: "pruned", params: { x: 0.95 }, distributions: { x: X }, intermediate: { 2: -100 } }),
    ];
    const base = new TPESampler({ seed: 4, failedTrials: "ignore" }).sampleIndependent(makeSnapshot([...history, extra[0]!]), makeSamplingTrial(40), "x", X);
    const same = new TPESampler({ seed: 4, failedTrials: "ignore" }).sampleIndependent(makeSnapshot(history), makeSamplingTrial(40), "x", X);
    expect(base).toBe(same);
    // A pruned trial with a very good intermediate value must not pull samples towards 0.95.
    let far = 0;
    for (let n = 0; n < 40; n++) {
      const v = new TPESampler({ seed: n }).sampleIndependent(makeSnapshot([...history, ...extra]), makeSamplingTrial(40), "x", X) as number;
      if (v > 0.85) far++;
    }
    expect(far).toBeLessThan(4);
  });

  it("ranks failed trials after every other, so it stops proposing where the objective fails (failedTrials worst, the default)", async () => {
    // The objective improves towards x = 0.85 but fails beyond x = 0.7, by throwing or by NaN.
    const failuresLate = async (options: ConstructorParameters<typeof TPESampler>[0]): Promise<number> => {
      let failed = 0;
      for (const seed of [1, 2, 3, 4]) {
        const study = await createStudy({ sampler: new TPESampler({ ...options, seed }) });
        await study.optimize(
          (trial) => {
            const x = trial.suggestFloat("x", 0, 1);
            if (x > 0.7 && trial.number % 2 === 0) throw new Error("diverged");
            const y = trial.suggestFloat("y", 0, 1);
            return x > 0.7 ? Number.NaN : (x - 0.85) ** 2 + (y - 0.4) ** 2;
          },
          { nTrials: 60 },
        );
        failed += study.trials.slice(30).filter((t) => t.state === "failed").length;
      }
      return failed;
    };
    // Ignored, failures leave the failing region looking unexplored, and TPE keeps going there
    // (the best feasible point lies on the region's edge, so some failures stay: over seeds 1-12
    // 9-16 of the last 30 trials fail, against 25-30 ignored; 60 and 112 over seeds 1-4; the
    // failures test lets them into the model from about trial 23).
    const ignored = await failuresLate({ failedTrials: "ignore" });
    expect(ignored).toBeGreaterThanOrEqual(4 * 24);
    expect(await failuresLate({})).toBeLessThanOrEqual(0.6 * ignored);
    // Failed trials that stopped before asking for y do not shrink the joint space either.
    expect(await failuresLate({ multivariate: true, group: true, constantLiar: true })).toBeLessThanOrEqual(0.6 * ignored);
  });

  it("ranks failed trials after every nondominated rank with several objectives too (MOTPE)", async () => {
    // ZDT2 in 3-D, failing where x0 < 0.3: a third of its Pareto front.
    const failuresLate = async (failedTrials: "worst" | "ignore", seed: number): Promise<number> => {
      const study = await createStudy({ sampler: new TPESampler({ seed, failedTrials }), directions: ["minimize", "minimize"] });
      await study.optimize(
        (trial) => {
          const x = [0, 1, 2].map((i) => trial.suggestFloat(`x${i}`, 0, 1));
          if (x[0]! < 0.3) throw new Error("diverged");
          const g = 1 + 4.5 * (x[1]! + x[2]!);
          return [x[0]!, g * (1 - (x[0]! / g) ** 2)];
        },
        { nTrials: 40 },
      );
      return study.trials.slice(20).filter((t) => t.state === "failed").length;
    };
    // Seeds 1-3: 2-5 of the last 20 fail, against 13-19 ignored.
    for (const seed of [1, 2, 3]) {
      const ignored = await failuresLate("ignore", seed);
      expect(ignored).toBeGreaterThanOrEqual(12);
      expect(await failuresLate("worst", seed)).toBeLessThanOrEqual(ignored / 2);
    }
  });

  it("leaves failures that strike at random out of the model, as with failedTrials ignore", async () => {
    // One trial in five fails whatever its parameters (a flaky machine): nothing to learn, and
    // counting them would put random points in g(x).
    const run = async (options: ConstructorParameters<typeof TPESampler>[0]): Promise<number[]> => {
      const study = await createStudy({ sampler: new TPESampler({ ...options, seed: 3 }) });
      await study.optimize(
        (trial) => {
          const x = trial.suggestFloat("x", 0, 1);
          const y = trial.suggestFloat("y", 0, 1);
          if (new Rng(1000 + trial.number).uniform() < 0.2) throw new Error("node lost");
          return (x - 0.3) ** 2 + (y - 0.6) ** 2;
        },
        { nTrials: 50 },
      );
      expect(study.trials.filter((t) => t.state === "failed").length).toBeGreaterThan(4);
      return study.trials.map((t) => t.params.x as number);
    };
    expect(await run({})).toEqual(await run({ failedTrials: "ignore" }));
  });

  it("optimizes through a study with four concurrent workers", async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 2, constantLiar: true }) });
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", -5, 5);
        const k = trial.suggestInt("k", 1, 64, { log: true });
        const c = trial.suggestCategorical("c", ["a", "b", "c"]);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return (x - 1) ** 2 + Math.abs(Math.log2(k) - 3) + (c === "b" ? 0 : 1);
      },
      { nTrials: 60, concurrency: 4 },
    );
    expect(study.trials.filter((t) => t.state === "complete").length).toBe(60);
    expect(study.bestValue!).toBeLessThan(1.5);
  });
});

describe("createTPESamplerFromOptions", () => {
  it("parses CLI-style strings", () => {
    const sampler = createTPESamplerFromOptions({ multivariate: "true", nStartupTrials: "20", seed: 5, priorWeight: "0.5", group: undefined });
    expect(sampler.multivariate).toBe(true);
    expect(sampler.nStartupTrials).toBe(20);
    expect(sampler.seed).toBe(5);
  });

  it("rejects unknown keys and bad values with clear errors", () => {
    expect(() => createTPESamplerFromOptions({ nStartup: "3" })).toThrow(/tpe sampler: unknown option "nStartup"; valid options: seed, preset, nStartupTrials/);
    expect(() => createTPESamplerFromOptions({ multivariate: "maybe" })).toThrow(/"multivariate" must be true or false/);
    expect(() => createTPESamplerFromOptions({ nEiCandidates: "2.5" })).toThrow(/"nEiCandidates" must be an integer/);
    expect(() => createTPESamplerFromOptions({ nEiCandidates: "0" })).toThrow(/nEiCandidates/);
  });
});

describe("presets", () => {
  const history = (): FrozenTrial[] =>
    trialsFrom(60, (i) => {
      const x = ((i * 0.6180339887) % 1 + 1) % 1;
      const y = ((i * 0.7548776662) % 1 + 1) % 1;
      return { params: { x, y }, distributions: { x: X, y: X }, value: (x - 0.7) ** 2 + (y - 0.2) ** 2 };
    });
  const suggest = (sampler: TPESampler, trials: FrozenTrial[]): Record<string, ParamValue> => {
    const snapshot = makeSnapshot(trials);
    const space = sampler.inferRelativeSpace(snapshot);
    return { ...sampler.sampleRelative(snapshot, makeSamplingTrial(60), space) };
  };

  it("defaults to Watanabe's setting and keeps Optuna's behind preset: optuna", () => {
    expect(linearGamma(0.15)(100)).toBe(15);
    const watanabe = new TPESampler({ seed: 1 });
    expect(watanabe.multivariate).toBe(true);
    expect(watanabe.weighting).toBe("ei");
    const optuna = new TPESampler({ seed: 1, preset: "optuna" });
    expect(optuna.multivariate).toBe(false);
    expect(optuna.weighting).toBe("recency");
    // Explicit options win over the preset and give the same suggestion as spelling the preset out.
    const spelled = new TPESampler({
      seed: 1,
      preset: "optuna",
      multivariate: true,
      considerEndpoints: true,
      gamma: linearGamma(0.15),
      weighting: "ei",
      magicClipExponent: 2,
      minBandwidthFactor: 0.03,
      maxBandwidthFactor: 0.5,
      densityJacobian: true,
      multivariateBandwidth: "neighbour",
    });
    expect(suggest(spelled, history())).toEqual(suggest(new TPESampler({ seed: 1 }), history()));
    expect(() => new TPESampler({ preset: "hyperopt" as never })).toThrow(/preset/);
    expect(() => new TPESampler({ minBandwidthFactor: 1.5 })).toThrow(/minBandwidthFactor/);
  });

  it("concentrates on the good region under both presets", () => {
    for (const preset of ["watanabe", "optuna"] as const) {
      let near = 0;
      for (let seed = 0; seed < 40; seed++) {
        const sampler = new TPESampler({ seed, preset, multivariate: true });
        const { x, y } = suggest(sampler, history()) as { x: number; y: number };
        if (Math.hypot(x - 0.7, y - 0.2) < 0.25) near++;
      }
      expect(near).toBeGreaterThan(24);
    }
  });

  it("EI weighting leans the below set towards the best trials", () => {
    // Two good clusters: a few excellent trials near 0.9, more merely good ones near 0.1.
    const trials = trialsFrom(100, (i) => {
      const x = i < 3 ? 0.9 + 0.01 * i : i < 10 ? 0.1 + 0.01 * i : 0.3 + (((i * 0.6180339887) % 1) * 0.5);
      return { params: { x }, distributions: { x: X }, value: i < 3 ? 0 : i < 10 ? 0.9 : 1 };
    });
    const share = (weighting: "ei" | "uniform"): number => {
      let high = 0;
      for (let seed = 0; seed < 60; seed++) {
        const sampler = new TPESampler({ seed, weighting, multivariate: false, gamma: () => 10 });
        if ((sampler.sampleIndependent(makeSnapshot(trials), makeSamplingTrial(100), "x", X) as number) > 0.7) high++;
      }
      return high;
    };
    expect(share("ei")).toBeGreaterThan(share("uniform"));
  });

  it("parses the new options from CLI strings", () => {
    const sampler = createTPESamplerFromOptions({ preset: "optuna", weighting: "ei", minBandwidthFactor: "0.05", gammaBeta: "0.2", densityJacobian: "true" });
    expect(sampler.weighting).toBe("ei");
    expect(() => createTPESamplerFromOptions({ weighting: "loud" })).toThrow(/"weighting" must be one of/);
    expect(() => createTPESamplerFromOptions({ gammaBeta: "2" })).toThrow(/gammaBeta/);
  });
});

describe("TPESampler's samplingBandwidthFactor (BOHB's bandwidth factor)", () => {
  it("changes the candidates TPE draws, keeps factor 1 as the default, and is validated", () => {
    const rng = new Rng(4);
    const trials = Array.from({ length: 30 }, (_, number) => {
      const x = rng.uniform();
      return makeTrial({ number, state: "complete", params: { x }, distributions: { x: X }, values: [(x - 0.3) ** 2] });
    });
    const snapshot = makeSnapshot(trials);
    const suggest = (options: object) => Array.from({ length: 6 }, (_, k) => new TPESampler({ seed: 2, ...options }).sampleIndependent(snapshot, makeSamplingTrial(30 + k), "x", X));
    expect(suggest({ samplingBandwidthFactor: 1 })).toEqual(suggest({}));
    expect(suggest({ samplingBandwidthFactor: 3 })).not.toEqual(suggest({}));
    expect(createTPESamplerFromOptions({ seed: "2", samplingBandwidthFactor: "3" }).sampleIndependent(snapshot, makeSamplingTrial(30), "x", X)).toBe(suggest({ samplingBandwidthFactor: 3 })[0]);
    expect(() => new TPESampler({ samplingBandwidthFactor: 0.5 })).toThrow(/samplingBandwidthFactor/);
    expect(() => createTPESamplerFromOptions({ samplingBandwidthFactor: "0" })).toThrow(/samplingBandwidthFactor/);
  });
});

describe("TPESampler's avoidRepeats (finite spaces)", () => {
  const SPACE = { a: ["x", "y", "z"], b: [1, 2, 3, 4], c: ["p", "q"], d: [true, false] } as const; // 48 configurations
  async function distinctConfigurations(avoidRepeats: boolean, seed: number, nTrials: number): Promise<number> {
    const study = await createStudy({ sampler: new TPESampler({ seed, avoidRepeats }) });
    await study.optimize(
      (trial) => {
        const a = trial.suggestCategorical("a", [...SPACE.a]);
        const b = trial.suggestCategorical("b", [...SPACE.b]);
        const c = trial.suggestCategorical("c", [...SPACE.c]);
        const d = trial.suggestCategorical("d", [...SPACE.d]);
        return (a === "y" ? 0 : 1) + Math.abs(b - 3) + (c === "q" ? 0 : 0.5) + (d ? 0 : 0.25);
      },
      { nTrials },
    );
    return new Set(study.trials.map((t) => JSON.stringify(t.params))).size;
  }

  it("tries every configuration of a small categorical space before any twice, where allowing repeats keeps drawing the best few", async () => {
    for (const seed of [1, 2, 3]) {
      // The random startup may repeat one; after it, every trial is new until the space runs out.
      expect(await distinctConfigurations(true, seed, 48)).toBeGreaterThanOrEqual(46);
      expect(await distinctConfigurations(true, seed, 60)).toBe(48);
      expect(await distinctConfigurations(false, seed, 48)).toBeLessThan(40);
    }
  });

  it("counts running trials and enqueued fixed parameters as tried", () => {
    const A: Distribution = { type: "categorical", choices: ["x", "y", "z"] };
    const B: Distribution = { type: "int", low: 0, high: 1 };
    // The good trials sit at (y, 0); (x, 0) and (z, 0) did badly, (y, 1) is running, (z, 1) is
    // enqueued: only (x, 1) is new.
    const finished = trialsFrom(12, (i) => {
      const a = ["y", "x", "y", "z"][i % 4]!;
      return { params: { a, b: 0 }, distributions: { a: A, b: B }, value: a === "y" ? 0 : 1 };
    });
    const running = makeTrial({ number: 12, state: "running", params: { a: "y", b: 1 }, distributions: { a: A, b: B } });
    const waiting = makeTrial({ number: 13, state: "waiting", systemAttrs: { fixedParams: { a: "z", b: 1 } } });
    const snapshot = makeSnapshot([...finished, running, waiting]);
    const suggest = (sampler: TPESampler, at: typeof snapshot, number: number) => {
      const trial = makeSamplingTrial(number);
      return sampler.sampleRelative(at, trial, sampler.inferRelativeSpace(at, trial));
    };
    expect(suggest(new TPESampler({ seed: 4 }), snapshot, 14)).toEqual({ a: "x", b: 1 });
    expect(suggest(new TPESampler({ seed: 4, avoidRepeats: false }), snapshot, 14)).not.toEqual({ a: "x", b: 1 });
    // Once (x, 1) is taken too, nothing is new: the usual choice stands, a repeat.
    const full = makeSnapshot([...finished, running, waiting, makeTrial({ number: 14, state: "complete", params: { a: "x", b: 1 }, distributions: { a: A, b: B }, values: [2] })]);
    expect(suggest(new TPESampler({ seed: 4 }), full, 15)).toEqual(suggest(new TPESampler({ seed: 4, avoidRepeats: false }), full, 15));
  });

  it("lists the untried configurations of the space when l(x) draws only tried ones, and finds the one left", () => {
    const K: Distribution = { type: "int", low: 1, high: 64, log: true };
    const C: Distribution = { type: "categorical", choices: ["p", "q", "r"] };
    // 192 configurations, 191 tried; the good trials cluster at k = 1, far from the one left, (64, r).
    const history: FrozenTrial[] = [];
    for (let k = 1; k <= 64; k++) {
      for (const c of ["p", "q", "r"]) {
        if (k === 64 && c === "r") continue;
        history.push(makeTrial({ number: history.length, state: "complete", params: { k, c }, distributions: { k: K, c: C }, values: [Math.log2(k) + (c === "p" ? 0 : 1)] }));
      }
    }
    const sampler = new TPESampler({ seed: 9 });
    const snapshot = makeSnapshot(history);
    const trial = makeSamplingTrial(history.length);
    expect(sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial))).toEqual({ k: 64, c: "r" });
  });

  it("changes nothing where a parameter is continuous, and is off under the optuna preset", () => {
    const history = trialsFrom(30, (i) => ({
      params: { x: (i * 0.618034) % 1, c: ["a", "b"][i % 2]! },
      distributions: { x: X, c: { type: "categorical", choices: ["a", "b"] } },
      value: ((i * 0.618034) % 1) + (i % 2),
    }));
    const snapshot = makeSnapshot(history);
    for (let seed = 0; seed < 4; seed++) {
      const trial = makeSamplingTrial(30);
      const on = new TPESampler({ seed });
      const off = new TPESampler({ seed, avoidRepeats: false });
      expect(on.sampleRelative(snapshot, trial, on.inferRelativeSpace(snapshot, trial))).toEqual(off.sampleRelative(snapshot, trial, off.inferRelativeSpace(snapshot, trial)));
    }
    expect(new TPESampler({ preset: "optuna" }).avoidRepeats).toBe(false);
    expect(createTPESamplerFromOptions({ avoidRepeats: "false" }).avoidRepeats).toBe(false);
  });
});
