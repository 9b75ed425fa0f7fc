import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type SearchSpace,
  type StudySnapshot,
  SpaceEncoder,
  choiceIndex,
  makeSamplingTrial,
  makeSnapshot,
  makeTrial,
} from "../../space/index.js";
import { Rng } from "../../math/rng.js";
import { MATERIAL_NOISE_SHARE, RECOMMENDED_TRIAL_ATTR } from "../recommendation.js";
import { GaussianProcess, defaultPrior, fitHyperparameters, type OutputWarping, parametersFromTheta, warpObservations } from "./model.js";
import { type Acquisition, type DimensionKind, maximizeAcquisitionFunction, pointKey } from "./acquisition.js";
import { GPSampler, THETA_ATTR, WARPING_ATTR, createGPSamplerFromOptions, ehviAcquisition, ehviReferencePoint, kernelFitPlan, scalarizeParEgo, stagnationDue, trialsSinceBest } from "./gp.js";

function isLegal(distribution: Distribution, value: ParamValue): boolean {
  if (distribution.type === "categorical") return choiceIndex(distribution, value) >= 0;
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (value < distribution.low || value > distribution.high) return false;
  const step = distribution.step ?? (distribution.type === "int" ? 1 : undefined);
  if (step !== undefined) {
    const cells = (value - distribution.low) / step;
    if (Math.abs(cells - Math.round(cells)) > 1e-6) return false;
  }
  return true;
}

/** Runs the sampler's relative step for trial `number` on a history. */
function suggest(
  sampler: GPSampler,
  trials: FrozenTrial[],
  number: number,
  options: { directions?: ("minimize" | "maximize")[]; space?: SearchSpace } = {},
): { params: Record<string, ParamValue>; notes: Record<string, unknown> } {
  const snapshot = makeSnapshot(trials, options);
  const trial = makeSamplingTrial(number);
  const relative = sampler.inferRelativeSpace(snapshot, trial);
  const params = Object.keys(relative).length > 0 ? sampler.sampleRelative(snapshot, trial, relative) : {};
  // As the study does: parameters the relative step did not cover are sampled independently.
  for (const [name, distribution] of Object.entries(options.space ?? {})) {
    if (!(name in params)) params[name] = sampler.sampleIndependent(snapshot, trial, name, distribution);
  }
  return { params, notes: trial.notes };
}

function complete(number: number, params: Record<string, ParamValue>, space: SearchSpace, value: number | number[]): FrozenTrial {
  return makeTrial({ number, params, distributions: space, values: Array.isArray(value) ? value : [value] });
}

/** A unit square with two objectives, and `count` random complete trials of `f` on it. */
const square: SearchSpace = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
function twoObjectiveHistory(seed: number, count: number, f: (x: number, y: number) => number[]): FrozenTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, number) => {
    const x = rng.uniform();
    const y = rng.uniform();
    return complete(number, { x, y }, square, f(x, y));
  });
}

describe("GPSampler", () => {
  const line: SearchSpace = { x: { type: "float", low: -5, high: 5 } };

  it("finds the minimum of a 1-D quadratic after a few trials", () => {
    const sampler = new GPSampler({ seed: 3 });
    const trials: FrozenTrial[] = [];
    const f = (x: number) => (x - 1.3) ** 2;
    for (let number = 0; number < 10; number++) {
      const { params } = suggest(sampler, trials, number, { space: line });
      trials.push(complete(number, params, line, f(params.x as number)));
    }
    const { params } = suggest(sampler, trials, 10);
    expect(Math.abs((params.x as number) - 1.3)).toBeLessThan(0.05);
  });

  it("maximises when the study maximises", () => {
    // Log EI proposes its maximiser; MACE a point of the EI/PI/UCB front, which may explore a little.
    for (const [acquisition, tolerance] of [["log-ei", 0.1], ["mace", 0.25]] as const) {
      const sampler = new GPSampler({ seed: 4, acquisition });
      const trials: FrozenTrial[] = [];
      for (let number = 0; number < 10; number++) {
        const { params } = suggest(sampler, trials, number, { directions: ["maximize"], space: line });
        trials.push(complete(number, params, line, -(((params.x as number) + 2) ** 2)));
      }
      const { params } = suggest(sampler, trials, 10, { directions: ["maximize"] });
      expect(Math.abs((params.x as number) + 2)).toBeLessThan(tolerance);
    }
  });

  it("takes perturbationBoundary under the default acquisition (MACE) too", () => {
    // The optimum sits in a corner; MACE's anchor perturbations used to be clamped whatever the option said.
    const square: SearchSpace = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const run = (perturbationBoundary: "clamp" | "reflect") => {
      const sampler = new GPSampler({ seed: 3, nStartupTrials: 3, perturbationBoundary });
      const trials: FrozenTrial[] = [];
      for (let number = 0; number < 10; number++) {
        const { params } = suggest(sampler, trials, number, { space: square });
        const [x, y] = [params.x as number, params.y as number];
        trials.push(complete(number, params, square, (x - 1) ** 2 + (y - 1) ** 2 + 0.1 * Math.sin(20 * x)));
      }
      return trials.map((t) => t.params);
    };
    expect(run("reflect")).not.toEqual(run("clamp"));
  });

  it("is deterministic under a seed and differs across seeds", () => {
    const space: SearchSpace = { a: { type: "float", low: 0, high: 1 }, b: { type: "int", low: 1, high: 100, log: true } };
    const rng = new Rng(1);
    const trials = Array.from({ length: 12 }, (_, number) =>
      complete(number, { a: rng.uniform(), b: rng.integer(1, 100) }, space, rng.normal()),
    );
    const first = suggest(new GPSampler({ seed: 9 }), trials, 12).params;
    const second = suggest(new GPSampler({ seed: 9 }), trials, 12).params;
    const other = suggest(new GPSampler({ seed: 10 }), trials, 12).params;
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it("warm-starts from the hyperparameters it left on the previous trial", () => {
    // 21 observations: past the early phase where a fresh default start is always added, so
    // with a stored θ the fit starts from that θ alone.
    const rng = new Rng(2);
    const history = Array.from({ length: 21 }, (_, number) => {
      const x = rng.uniformIn(-5, 5);
      return complete(number, { x }, line, Math.sin(2 * x) + 0.1 * rng.normal());
    });
    const thetaOf = (sampler: GPSampler, trials: FrozenTrial[]) => suggest(sampler, trials, 21).notes["gp:theta"] as number[];
    const converged = thetaOf(new GPSampler({ seed: 2 }), history);
    expect(converged).toHaveLength(3);

    // One optimizer iteration cannot reach the optimum from the default start…
    const cold = thetaOf(new GPSampler({ seed: 2, fitIterations: 1 }), history);
    const distance = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]!));
    expect(distance(cold, converged)).toBeGreaterThan(0.1);
    // …but a fresh sampler that finds the converged θ on the previous trial keeps that fit.
    const stored = history.map((t) => (t.number === 20 ? { ...t, systemAttrs: { "gp:theta": converged } } : t));
    const warm = thetaOf(new GPSampler({ seed: 2, fitIterations: 1 }), stored);
    expect(distance(warm, converged)).toBeLessThan(1e-3);
  });

  it("proposes distinct points for concurrent trials (kriging believer)", () => {
    const space: SearchSpace = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const sampler = new GPSampler({ seed: 5 });
    const rng = new Rng(5);
    const trials = Array.from({ length: 12 }, (_, number) => {
      const x = rng.uniform();
      const y = rng.uniform();
      return complete(number, { x, y }, space, (x - 0.3) ** 2 + (y - 0.6) ** 2);
    });
    const keys = new Set<string>();
    for (let k = 0; k < 4; k++) {
      const { params } = suggest(sampler, trials, 12 + k);
      keys.add(JSON.stringify(params));
      trials.push(makeTrial({ number: 12 + k, params, distributions: space, state: "running" }));
    }
    expect(keys.size).toBe(4);
  });

  it("keeps concurrent suggestions apart with local penalization, soft or hard, as with the believer; ignoring running trials would not", () => {
    const space: SearchSpace = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const rng = new Rng(6);
    const history = Array.from({ length: 12 }, (_, number) => {
      const x = rng.uniform();
      const y = rng.uniform();
      return complete(number, { x, y }, space, (x - 0.3) ** 2 + (y - 0.6) ** 2);
    });
    const closestPair = (options: ConstructorParameters<typeof GPSampler>[0]): number => {
      // Log EI: its maximiser is deterministic, so ignoring running trials repeats a point (MACE draws
      // from a front). The plain kernel: this is about the penalizers, on the model they were sized for.
      const sampler = new GPSampler({ seed: 6, acquisition: "log-ei", additiveKernel: false, ...options });
      const trials = [...history];
      const points: number[][] = [];
      for (let k = 0; k < 5; k++) {
        const { params } = suggest(sampler, trials, 12 + k);
        points.push([params.x as number, params.y as number]);
        trials.push(makeTrial({ number: 12 + k, params, distributions: space, state: "running" }));
      }
      let closest = Infinity;
      for (let a = 0; a < points.length; a++) for (let b = a + 1; b < points.length; b++) closest = Math.min(closest, Math.hypot(points[a]![0]! - points[b]![0]!, points[a]![1]! - points[b]![1]!));
      return closest;
    };
    expect(closestPair({ constantLiar: false })).toBeLessThan(1e-6);
    // Near an optimum the model is sure of, the balls a running point rules out are small: apart, not far apart.
    expect(closestPair({ pendingStrategy: "local-penalization" })).toBeGreaterThan(1e-3);
    expect(closestPair({ pendingStrategy: "hard-local-penalization" })).toBeGreaterThan(1e-3);
    expect(closestPair({ pendingStrategy: "kriging-believer" })).toBeGreaterThan(1e-3);
  });

  it("proposes with MACE reproducibly under a seed, and differently across seeds", () => {
    const space: SearchSpace = { a: { type: "float", low: 0, high: 1 }, b: { type: "int", low: 1, high: 100, log: true }, c: { type: "categorical", choices: ["p", "q", "r"] } };
    const rng = new Rng(8);
    const trials = Array.from({ length: 12 }, (_, number) =>
      complete(number, { a: rng.uniform(), b: rng.integer(1, 100), c: ["p", "q", "r"][rng.integer(0, 2)]! }, space, rng.normal()),
    );
    const first = suggest(new GPSampler({ seed: 9, acquisition: "mace" }), trials, 12).params;
    expect(suggest(new GPSampler({ seed: 9, acquisition: "mace" }), trials, 12).params).toEqual(first);
    expect(suggest(new GPSampler({ seed: 10, acquisition: "mace" }), trials, 12).params).not.toEqual(first);
    for (const [name, distribution] of Object.entries(space)) expect(isLegal(distribution, first[name]!)).toBe(true);
    expect(suggest(new GPSampler({ seed: 9, acquisition: "log-ei" }), trials, 12).params).not.toEqual(first);
    // MACE is the default acquisition, and input warping (fitted for log EI) brings log EI back.
    expect(suggest(new GPSampler({ seed: 9 }), trials, 12).params).toEqual(first);
    expect(suggest(new GPSampler({ seed: 9, inputWarping: true }), trials, 12).params).not.toEqual(first);
  });

  it("spreads concurrent EHVI suggestions over the front (kriging believer on every objective's model)", () => {
    const space = square;
    const directions: ("minimize" | "maximize")[] = ["minimize", "minimize"];
    const closestPair = (constantLiar: boolean): number => {
      const sampler = new GPSampler({ seed: 3, constantLiar });
      const trials = twoObjectiveHistory(3, 12, (x, y) => [x + y * y, 1 - x + y * y]);
      const points: number[][] = [];
      for (let k = 0; k < 4; k++) {
        const { params } = suggest(sampler, trials, 12 + k, { directions });
        points.push([params.x as number, params.y as number]);
        trials.push(makeTrial({ number: 12 + k, params, distributions: space, state: "running" }));
      }
      let closest = Infinity;
      for (let a = 0; a < points.length; a++) for (let b = a + 1; b < points.length; b++) closest = Math.min(closest, Math.hypot(points[a]![0]! - points[b]![0]!, points[a]![1]! - points[b]![1]!));
      return closest;
    };
    const believed = closestPair(true);
    const ignored = closestPair(false);
    expect(believed).toBeGreaterThan(0.05);
    expect(believed).toBeGreaterThan(5 * ignored);
  });

  it("keeps the EHVI models' θ between refits at large n, as the single-objective model does", () => {
    const directions: ("minimize" | "maximize")[] = ["minimize", "minimize"];
    const trials = twoObjectiveHistory(5, 101, (x, y) => [x + y * y, 1 - x + y * y]);
    // An arbitrary θ on the last trial: what the next trial starts from, or keeps.
    const left = [[0.1, 0.2, 0.3, -9], [0.4, 0.5, 0.6, -8]];
    trials[100] = { ...trials[100]!, systemAttrs: { "gp:modelThetas": left } };
    const sampler = new GPSampler({ seed: 2 });
    expect(kernelFitPlan(101, true).refit).toBe(false);
    expect(suggest(sampler, trials, 101, { directions }).notes["gp:modelThetas"]).toEqual(left);
    // With one observation fewer (n = 100) the plan refits, and the θ moves.
    expect(kernelFitPlan(100, true).refit).toBe(true);
    const refitted = suggest(sampler, [...trials.slice(0, 99), trials[100]!], 101, { directions }).notes["gp:modelThetas"];
    expect(refitted).not.toEqual(left);
  });

  it("places the EHVI's reference point beyond the observed worst, the front's nadir by its range, or by the observed range", () => {
    const front = [[0.2, 0.6], [0.4, 0.3]];
    expect(ehviReferencePoint(front, 2, "observed")).toEqual([1.1, 1.1]);
    const byFront = ehviReferencePoint(front, 2, "front");
    expect(byFront[0]).toBeCloseTo(0.42, 12);
    expect(byFront[1]).toBeCloseTo(0.63, 12);
    const byNadir = ehviReferencePoint(front, 2, "nadir");
    expect(byNadir[0]).toBeCloseTo(0.5, 12);
    expect(byNadir[1]).toBeCloseTo(0.7, 12);
    // A front of one point has no range: the observed margin beyond it, never past the observed reference.
    expect(ehviReferencePoint([[0.5, 1]], 2, "front")).toEqual([0.6, 1.1]);
    // Nothing feasible yet: the observed reference.
    expect(ehviReferencePoint([], 3, "front")).toEqual([1.1, 1.1, 1.1]);
    expect(() => new GPSampler({ hypervolumeReference: "far" as never })).toThrow(/hypervolumeReference/);
  });

  it("scores EHVI candidates in a batch with value()'s numbers, bit for bit, and proposes what scoring each one proposes", () => {
    const d = 4;
    const n = 80;
    const rng = new Rng(12);
    const x = new Float64Array(n * d).map(() => rng.uniform());
    const objectives = Array.from({ length: n }, (_, j) => {
      const p = x.subarray(j * d, j * d + d);
      return [p[0]! + 0.3 * p[2]!, 1 - p[0]! + 0.2 * Math.sin(6 * p[1]!), (p[3]! - 0.4) ** 2 + 0.5 * p[1]!];
    });
    const models = [0, 1, 2].map((i) => {
      const y = Float64Array.from(objectives, (v) => v[i]!);
      const gp = new GaussianProcess({ x, y, n, d, categorical: new Uint8Array(d) }, parametersFromTheta([Math.log(0.4), Math.log(0.5), Math.log(0.3), Math.log(0.6), 0, Math.log(1e-5)], d));
      return { gp, threshold: 0, scale: 1 };
    });
    const front = objectives.filter((a) => !objectives.some((b) => b !== a && b.every((v, i) => v <= a[i]!) && b.some((v, i) => v < a[i]!)));
    const acquisition = ehviAcquisition(models, front, ehviReferencePoint(front, 3, "front"))!;
    const count = 300;
    const rows = new Float64Array(count * d).map(() => rng.uniform());
    const batch = acquisition.batch!(rows, count);
    const all = Array.from({ length: count }, (_, c) => c);
    batch.tighten!(all, 0.25);
    const exact = new Float64Array(count);
    batch.values(all, exact);
    for (let c = 0; c < count; c++) {
      const one = acquisition.value(rows.slice(c * d, c * d + d));
      expect(Object.is(exact[c], one)).toBe(true);
      expect(batch.upperBounds[c]).toBeGreaterThanOrEqual(one);
    }
    let exactScores = 0;
    const counting: Acquisition = {
      ...acquisition,
      batch(points, size) {
        const inner = acquisition.batch!(points, size);
        return { ...inner, values: (indices, out) => { exactScores += indices.length; inner.values(indices, out); } };
      },
    };
    const plain: Acquisition = { value: acquisition.value, valueWithGradient: acquisition.valueWithGradient! };
    const dimensions: DimensionKind[] = Array.from({ length: d }, () => ({ type: "continuous" }));
    const taken = new Set(Array.from({ length: n }, (_, j) => pointKey(x.subarray(j * d, j * d + d))));
    const search = { dimensions, nCandidates: 512, nRestarts: 4, anchors: [x.slice(0, d), x.slice(d, 2 * d)], taken, seed: 5 };
    const withBounds = maximizeAcquisitionFunction(counting, { ...search, rng: new Rng(8) });
    const everyCandidate = maximizeAcquisitionFunction(plain, { ...search, rng: new Rng(8) });
    expect(Array.from(withBounds!.point)).toEqual(Array.from(everyCandidate!.point));
    expect(withBounds!.value).toBe(everyCandidate!.value);
    expect(exactScores).toBeLessThan(512);
  });

  it("by default takes BoTorch's reference point on even trials and Optuna's on odd ones", () => {
    const directions: ("minimize" | "maximize")[] = ["minimize", "minimize"];
    const trials = twoObjectiveHistory(7, 14, (x, y) => [x + 3 * y * y, (1 - x) ** 2 + 3 * y]);
    const next = (number: number, hypervolumeReference?: "observed" | "front") =>
      suggest(new GPSampler({ seed: 4, ...(hypervolumeReference ? { hypervolumeReference } : {}) }), trials.slice(0, number), number, { directions }).params;
    expect(next(12)).toEqual(next(12, "front"));
    expect(next(12)).not.toEqual(next(12, "observed"));
    expect(next(13)).toEqual(next(13, "observed"));
    expect(next(13)).not.toEqual(next(13, "front"));
  });

  it("returns finite legal suggestions for degenerate histories", () => {
    const space: SearchSpace = {
      x: { type: "float", low: -1, high: 1 },
      n: { type: "int", low: 0, high: 3 },
      c: { type: "categorical", choices: ["a", "b"] },
    };
    const histories: FrozenTrial[][] = [
      // all equal values
      Array.from({ length: 10 }, (_, i) => complete(i, { x: i / 10 - 0.5, n: i % 4, c: i % 2 ? "a" : "b" }, space, 2)),
      // duplicate points
      Array.from({ length: 10 }, (_, i) => complete(i, { x: 0.25, n: 1, c: "a" }, space, i)),
      // one complete trial among failures
      [complete(0, { x: 0, n: 0, c: "a" }, space, 1), ...Array.from({ length: 5 }, (_, i) => makeTrial({ number: i + 1, state: "failed", params: {}, distributions: {} }))],
      // huge values
      Array.from({ length: 10 }, (_, i) => complete(i, { x: i / 10 - 0.5, n: i % 4, c: i % 2 ? "a" : "b" }, space, i % 3 === 0 ? 1e30 : -1e30 * i)),
      Array.from({ length: 10 }, (_, i) => complete(i, { x: i / 10 - 0.5, n: i % 4, c: "a" }, space, i === 4 ? 1e300 : i)),
    ];
    for (const trials of histories) {
      const sampler = new GPSampler({ seed: 1, nStartupTrials: 1 });
      const { params } = suggest(sampler, trials, trials.length);
      for (const [name, distribution] of Object.entries(space)) {
        expect(isLegal(distribution, params[name]!), `${name}=${String(params[name])}`).toBe(true);
      }
    }
  });

  it("only suggests legal values in random mixed spaces", () => {
    const distribution = fc.oneof(
      fc.record({ low: fc.double({ min: -100, max: 100, noNaN: true }), width: fc.double({ min: 1e-3, max: 100, noNaN: true }), log: fc.boolean() }).map(
        ({ low, width, log }): Distribution =>
          log ? { type: "float", low: Math.abs(low) + 1e-3, high: Math.abs(low) + 1e-3 + width, log: true } : { type: "float", low, high: low + width },
      ),
      fc.record({ low: fc.integer({ min: -20, max: 20 }), cells: fc.integer({ min: 1, max: 30 }), step: fc.integer({ min: 1, max: 3 }) }).map(
        ({ low, cells, step }): Distribution => ({ type: "int", low, high: low + cells * step, step }),
      ),
      fc.record({ low: fc.integer({ min: 1, max: 50 }), cells: fc.integer({ min: 1, max: 500 }) }).map(
        ({ low, cells }): Distribution => ({ type: "int", low, high: low + cells, log: true }),
      ),
      fc.record({ cells: fc.integer({ min: 1, max: 8 }) }).map(({ cells }): Distribution => ({ type: "float", low: 0, high: cells * 0.25, step: 0.25 })),
      fc.integer({ min: 2, max: 5 }).map((k): Distribution => ({ type: "categorical", choices: Array.from({ length: k }, (_, i) => `c${i}`) })),
    );
    fc.assert(
      fc.property(fc.array(distribution, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), (list, seed) => {
        const space: Record<string, Distribution> = {};
        list.forEach((dist, i) => (space[`p${i}`] = dist));
        const rng = new Rng(seed);
        const sampler = new GPSampler({ seed, nStartupTrials: 4, nCandidates: 64, nRestarts: 2 });
        const trials: FrozenTrial[] = [];
        for (let number = 0; number < 7; number++) {
          const { params } = suggest(sampler, trials, number, { space });
          for (const [name, dist] of Object.entries(space)) {
            if (!isLegal(dist, params[name]!)) throw new Error(`illegal ${name}=${String(params[name])} for ${JSON.stringify(dist)} at trial ${number}`);
          }
          trials.push(complete(number, params, space, rng.normal()));
        }
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it("handles several objectives with a ParEGO scalarisation", () => {
    const sampler = new GPSampler({ seed: 6 });
    const rng = new Rng(6);
    const trials = Array.from({ length: 10 }, (_, number) => {
      const x = rng.uniformIn(-5, 5);
      return complete(number, { x }, line, [x * x, (x - 2) ** 2]);
    });
    const { params } = suggest(sampler, trials, 10, { directions: ["minimize", "minimize"] });
    expect(params.x as number).toBeGreaterThanOrEqual(-5);
    expect(params.x as number).toBeLessThanOrEqual(5);
    const scalars = scalarizeParEgo([[0, 1], [1, 0], [0.5, 0.5], [1, 1]], new Rng(1));
    expect(scalars[3]).toBeGreaterThan(Math.max(scalars[0]!, scalars[1]!, scalars[2]!));
  });

  it("samples independent parameters uniformly and infers the space without single-valued parameters", () => {
    const space: SearchSpace = { x: { type: "float", low: 0, high: 1 }, fixed: { type: "int", low: 3, high: 3 } };
    const sampler = new GPSampler({ seed: 1 });
    const snapshot = makeSnapshot([complete(0, { x: 0.5, fixed: 3 }, space, 1)]);
    expect(Object.keys(sampler.inferRelativeSpace(snapshot, makeSamplingTrial(1)))).toEqual(["x"]);
    const value = sampler.sampleIndependent(snapshot, makeSamplingTrial(1), "z", { type: "categorical", choices: [1, 2] });
    expect([1, 2]).toContain(value);
  });
});

describe("createGPSamplerFromOptions", () => {
  it("parses CLI strings", () => {
    const sampler = createGPSamplerFromOptions({ seed: "7", nStartupTrials: "4", constantLiar: "false", outputWarping: "log", minNoise: "1e-8" });
    expect(sampler.seed).toBe(7);
    expect(sampler.name).toBe("gp");
  });

  it("rejects unknown keys and malformed values with clear errors", () => {
    expect(() => createGPSamplerFromOptions({ nCandiates: 5 })).toThrow(/unknown option "nCandiates"/);
    expect(() => createGPSamplerFromOptions({ nCandidates: "many" })).toThrow(/nCandidates.*integer/);
    expect(() => createGPSamplerFromOptions({ constantLiar: "maybe" })).toThrow(/true or false/);
    expect(() => createGPSamplerFromOptions({ pendingStrategy: "liar" })).toThrow(/pendingStrategy/);
    expect(() => createGPSamplerFromOptions({ acquisition: "ucb" })).toThrow(/acquisition/);
    expect(() => new GPSampler({ acquisition: "pi" as never })).toThrow(/acquisition must be "log-ei" or "mace"/);
    expect(() => createGPSamplerFromOptions({ outputWarping: "cube" })).toThrow(/none, log, rank/);
    expect(() => createGPSamplerFromOptions({ nStartupTrials: 0 })).toThrow(/nStartupTrials/);
  });
});

describe("GPSampler and pruned trials", () => {
  it("models a pruned trial's value, so it does not propose the pruned point again", () => {
    const x = { type: "float", low: 0, high: 1 } as const;
    const trials = [0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.6, 0.8, 0.95, 0.05].map((v, number) =>
      makeTrial({ number, state: "complete", values: [(v - 0.5) ** 2], params: { x: v }, distributions: { x } }),
    );
    // The point the model likes best was pruned with a terrible value.
    trials.push(makeTrial({ number: 11, state: "pruned", values: [10], params: { x: 0.5 }, distributions: { x } }));
    const sampler = new GPSampler({ seed: 1 });
    const snapshot = makeSnapshot(trials);
    const trial = makeSamplingTrial(12);
    const space = sampler.inferRelativeSpace(snapshot, trial);
    const next = sampler.sampleRelative(snapshot, trial, space).x as number;
    expect(Math.abs(next - 0.5)).toBeGreaterThan(0.02);
  });
});

describe("GPSampler and failed trials", () => {
  /** `count` random trials of the square that fail beyond x = 0.7 (carrying no value) and are worth `value` elsewhere. */
  const failingHistory = (seed: number, count: number, value: (x: number, y: number) => number | number[]): FrozenTrial[] => {
    const rng = new Rng(seed);
    const trials: FrozenTrial[] = [];
    for (let number = 0; trials.length < count; number++) {
      const x = rng.uniform();
      const y = rng.uniform();
      trials.push(x > 0.7 ? makeTrial({ number, state: "failed", values: null, params: { x, y }, distributions: square }) : complete(number, { x, y }, square, value(x, y)));
    }
    return trials;
  };
  // The objective improves towards x = 0.85 but fails beyond x = 0.7.
  const history = (): FrozenTrial[] => failingHistory(7, 36, (x, y) => (x - 0.85) ** 2 + (y - 0.4) ** 2);

  it("learns where the objective fails, and proposes there far less often than a model blind to failures", () => {
    const trials = history();
    expect(trials.filter((t) => t.state === "failed").length).toBeGreaterThan(5);
    const completeOnly = trials.filter((t) => t.state === "complete");
    let intoFailure = 0;
    let blindIntoFailure = 0;
    for (let seed = 0; seed < 8; seed++) {
      if ((suggest(new GPSampler({ seed }), trials, 36).params.x as number) > 0.7) intoFailure++;
      // What the model proposed when it ignored failed trials: the same history without them.
      if ((suggest(new GPSampler({ seed }), completeOnly, 36).params.x as number) > 0.7) blindIntoFailure++;
    }
    expect(blindIntoFailure).toBeGreaterThanOrEqual(4);
    expect(intoFailure).toBeLessThanOrEqual(1);
  });

  it("does the same under log EI, and never proposes a failed point again", () => {
    const trials = history();
    const failedKeys = new Set(trials.filter((t) => t.state === "failed").map((t) => `${t.params.x},${t.params.y}`));
    let intoFailure = 0;
    for (let seed = 0; seed < 4; seed++) {
      const { params } = suggest(new GPSampler({ seed, acquisition: "log-ei" }), trials, 36);
      if ((params.x as number) > 0.7) intoFailure++;
      expect(failedKeys.has(`${params.x},${params.y}`)).toBe(false);
    }
    expect(intoFailure).toBeLessThanOrEqual(1);
  });

  it("fits no failure model while no trial has failed, and records the failure model's θ once one has", () => {
    const trials = history();
    const completeOnly = trials.filter((t) => t.state === "complete");
    expect(suggest(new GPSampler({ seed: 3 }), completeOnly, 36).notes["gp:failureTheta"]).toBeUndefined();
    expect(suggest(new GPSampler({ seed: 3 }), trials, 36).notes["gp:failureTheta"]).toBeInstanceOf(Array);
  });

  it("with two objectives (EHVI), learns where they fail too", () => {
    // Both objectives improve towards x = 0.85, where the front lies, but trials fail beyond x = 0.7.
    const trials = failingHistory(8, 30, (x, y) => [(x - 0.85) ** 2 + y * y, (x - 0.85) ** 2 + (1 - y) ** 2]);
    const completeOnly = trials.filter((t) => t.state === "complete");
    const directions: ("minimize" | "maximize")[] = ["minimize", "minimize"];
    let intoFailure = 0;
    let blindIntoFailure = 0;
    for (let seed = 0; seed < 6; seed++) {
      const { params, notes } = suggest(new GPSampler({ seed }), trials, 30, { directions });
      expect(notes["gp:failureTheta"]).toBeInstanceOf(Array);
      if ((params.x as number) > 0.7) intoFailure++;
      if ((suggest(new GPSampler({ seed }), completeOnly, 30, { directions }).params.x as number) > 0.7) blindIntoFailure++;
    }
    expect(blindIntoFailure).toBeGreaterThanOrEqual(3);
    expect(intoFailure).toBeLessThanOrEqual(1);
  });

  it("with failedTrials: ignore, proposes as if the failed trials were not there", () => {
    const trials = history();
    const completeOnly = trials.filter((t) => t.state === "complete");
    for (let seed = 0; seed < 3; seed++) {
      const ignoring = suggest(new GPSampler({ seed, failedTrials: "ignore" }), trials, 36);
      expect(ignoring.notes["gp:failureTheta"]).toBeUndefined();
      expect(ignoring.params).toEqual(suggest(new GPSampler({ seed }), completeOnly, 36).params);
    }
    expect(() => new GPSampler({ failedTrials: "skip" as never })).toThrow(/failedTrials must be "model" or "ignore"/);
  });
});

describe("kernelFitPlan", () => {
  it("refits every trial while data are few, then less often, and restarts fresh as the data grow by half", () => {
    for (let n = 1; n < 20; n++) expect(kernelFitPlan(n, true)).toEqual({ refit: true, fresh: true });
    for (let n = 20; n < 100; n++) expect(kernelFitPlan(n, true).refit).toBe(true);
    const fresh = Array.from({ length: 400 }, (_, n) => n).filter((n) => n >= 20 && kernelFitPlan(n, true).fresh);
    expect(fresh).toEqual([20, 30, 45, 68, 102, 152, 228, 342]);
    // Refits between 280 and 330 observations: every 5th, then every 6th trial.
    const refits = Array.from({ length: 51 }, (_, k) => 280 + k).filter((n) => kernelFitPlan(n, true).refit);
    expect(refits.length).toBeGreaterThanOrEqual(8);
    expect(refits.length).toBeLessThanOrEqual(11);
    // Without a warm start there is nothing to reuse.
    expect(kernelFitPlan(301, false)).toEqual({ refit: true, fresh: true });
  });

  it("reuses the previous trial's θ between refits, so a suggestion depends only on the history", () => {
    const space: SearchSpace = { x: { type: "float", low: 0, high: 1 } };
    const rng = new Rng(4);
    const history = Array.from({ length: 101 }, (_, number) => {
      const x = rng.uniform();
      return complete(number, { x }, space, Math.sin(8 * x) + 0.01 * rng.normal());
    });
    // 101 observations: not a refit (every 2nd trial from 100 on), so the stored θ is kept as it is.
    expect(kernelFitPlan(101, true).refit).toBe(false);
    const stored = [1.1, -0.3, -7];
    const withTheta = history.map((t) => (t.number === 100 ? { ...t, systemAttrs: { "gp:theta": stored } } : t));
    const first = suggest(new GPSampler({ seed: 3 }), withTheta, 101);
    expect(first.notes["gp:theta"]).toEqual(stored);
    expect(suggest(new GPSampler({ seed: 3 }), withTheta, 101).params).toEqual(first.params);
  });
});

describe("stagnation rule", () => {
  it("fires after each run of the given number of observations without a new best", () => {
    expect(stagnationDue([5, 4, 3], 2)).toBe(false);
    expect(stagnationDue([3, 4, 5], 2)).toBe(true);
    expect([trialsSinceBest([]), trialsSinceBest([5, 4, 3]), trialsSinceBest([3, 4, 5]), trialsSinceBest([3, 3, 4])]).toEqual([0, 0, 2, 2]);
    expect(stagnationDue([3, 4, 5, 6], 2)).toBe(false);
    expect(stagnationDue([3, 4, 5, 6, 7], 2)).toBe(true);
    // A tie is no improvement: the first trial with the best value counts.
    expect(stagnationDue([3, 3, 3], 2)).toBe(true);
    expect(stagnationDue([3, 4, 5], 0)).toBe(false);
  });

  it("replaces the model's proposal by a design point when the incumbent stalls, and only then", () => {
    const space: SearchSpace = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const rng = new Rng(6);
    // The best value comes first; the next 12 observations are all worse: 12 % 4 === 0.
    const values = [0, ...Array.from({ length: 12 }, (_, j) => 1 + j)];
    const history = values.map((value, number) => complete(number, { x: rng.uniform(), y: rng.uniform() }, space, value));
    const stalled = suggest(new GPSampler({ seed: 9, stagnationTrials: 4 }), history, 13);
    expect(stalled.notes["gp:exploration"]).toBeDefined();
    expect(stalled.notes["gp:theta"]).toBeUndefined();
    const modelled = suggest(new GPSampler({ seed: 9, stagnationTrials: 5 }), history, 13);
    expect(modelled.notes["gp:exploration"]).toBeUndefined();
    expect(modelled.notes["gp:theta"]).toBeDefined();
    // The design point is the one the startup design would give trial 13: a function of seed and number.
    expect(suggest(new GPSampler({ seed: 9, stagnationTrials: 4 }), history.slice(0, 5), 13).params).toEqual(stalled.params);
    expect(() => new GPSampler({ stagnationTrials: -1 })).toThrow(/stagnationTrials/);
  });
});

describe("GPSampler's recommended trial", () => {
  const line: SearchSpace = { x: { type: "float", low: 0, high: 1 } };
  /** A bowl at x = 0.3 seen through noise of sd 0.3, and one lucky draw far from it (trial 30) that is the best observed. */
  function noisyHistory(direction: 1 | -1 = 1): FrozenTrial[] {
    const rng = new Rng(11);
    const trials = Array.from({ length: 30 }, (_, number) => {
      const x = (number + 0.5) / 30;
      return complete(number, { x }, line, direction * (4 * (x - 0.3) ** 2 + 0.3 * rng.normal()));
    });
    trials.push(complete(30, { x: 0.92 }, line, direction * -1.2));
    return trials;
  }

  it("is the best posterior mean, not the luckiest observation, under the gamma noise prior", () => {
    const trials = noisyHistory();
    const sampler = new GPSampler({ seed: 3, noisePrior: "gamma" });
    const record = suggest(sampler, trials, 31).notes[RECOMMENDED_TRIAL_ATTR] as { trial: number; mean: number; sd: number; units: string };
    const bestObserved = trials.reduce((a, b) => (b.values![0]! < a.values![0]! ? b : a));
    expect(bestObserved.number).toBe(30);
    expect(record.trial).not.toBe(30);
    const x = trials[record.trial]!.params.x as number;
    expect(Math.abs(x - 0.3)).toBeLessThan(0.15);
    // In the objective's units: near the bowl's floor, with an uncertainty below the noise's.
    expect(record.units).toBe("objective");
    expect(Math.abs(record.mean)).toBeLessThan(0.3);
    expect(record.sd).toBeGreaterThan(0);
    expect(record.sd).toBeLessThan(0.3);
  });

  it("records the share of the variance its fit puts down to noise, the fitted noise variance", () => {
    const { notes } = suggest(new GPSampler({ seed: 3, noisePrior: "gamma" }), noisyHistory(), 31);
    const record = notes[RECOMMENDED_TRIAL_ATTR] as { noiseShare: number };
    const theta = notes["gp:theta"] as number[];
    expect(record.noiseShare).toBeCloseTo(Math.exp(theta[2]!), 12);
    // Noise of sd 0.3 on a bowl of range 1.7: a material share.
    expect(record.noiseShare).toBeGreaterThan(MATERIAL_NOISE_SHARE);
  });

  it("reports a maximised objective's mean with its own sign", () => {
    const sampler = new GPSampler({ seed: 3, noisePrior: "gamma" });
    const record = suggest(sampler, noisyHistory(-1), 31, { directions: ["maximize"] }).notes[RECOMMENDED_TRIAL_ATTR] as { trial: number; mean: number };
    expect(record.trial).not.toBe(30);
    expect(Math.abs(record.mean)).toBeLessThan(0.3);
  });

  it("records nothing during the startup design", () => {
    const sampler = new GPSampler({ seed: 3 });
    expect(suggest(sampler, noisyHistory().slice(0, 2), 2).notes[RECOMMENDED_TRIAL_ATTR]).toBeUndefined();
  });

  it("rejects an unknown noise prior or incumbent, naming the option", () => {
    expect(() => new GPSampler({ noisePrior: "wide" as never })).toThrow(/noisePrior/);
    expect(() => createGPSamplerFromOptions({ incumbent: "lowest" })).toThrow(/incumbent/);
  });
});

describe("GPSampler's priorMean", () => {
  const plane: SearchSpace = { a: { type: "float", low: 0, high: 1 }, b: { type: "float", low: 0, high: 1 } };
  function bowlHistory(count: number, sign: 1 | -1 = 1): FrozenTrial[] {
    const rng = new Rng(7);
    return Array.from({ length: count }, (_, number) => {
      const params = { a: rng.uniform(), b: rng.uniform() };
      return complete(number, params, plane, sign * (2 * (params.a - 0.4) ** 2 + (params.b - 0.6) ** 2));
    });
  }

  it("is an option of the shared schema and the default, repeats itself under the same seed and history, and changes the proposal", () => {
    const trials = bowlHistory(12);
    const first = suggest(createGPSamplerFromOptions({ seed: 4, priorMean: "worst" }), trials, 12).params;
    const again = suggest(new GPSampler({ seed: 4, priorMean: "worst" }), trials, 12).params;
    const centred = suggest(new GPSampler({ seed: 4, priorMean: "mean" }), trials, 12).params;
    expect(again).toEqual(first);
    expect(centred).not.toEqual(first);
    // "worst" is the default.
    expect(suggest(new GPSampler({ seed: 4 }), trials, 12).params).toEqual(first);
    expect(() => createGPSamplerFromOptions({ priorMean: "max" })).toThrow(/priorMean/);
    expect(() => new GPSampler({ priorMean: "median" as never })).toThrow(/priorMean/);
  });

  it("reports the recommended trial's mean in the objective's units, undoing the shift to the worst value", () => {
    for (const sign of [1, -1] as const) {
      const trials = bowlHistory(16, sign);
      const directions: ("minimize" | "maximize")[] = [sign === 1 ? "minimize" : "maximize"];
      const record = suggest(new GPSampler({ seed: 2, priorMean: "worst" }), trials, 16, { directions }).notes[RECOMMENDED_TRIAL_ATTR] as {
        trial: number;
        mean: number;
        units: string;
      };
      // Noiseless values: the smoothed mean at the recommended trial is its own value.
      expect(record.units).toBe("objective");
      expect(record.mean).toBeCloseTo(trials[record.trial]!.values![0]!, 3);
    }
  });

  it("keeps a finite record, in the model's units, when the objective's values overflow the way back", () => {
    // Penalties of Number.MAX_VALUE: mapping the smoothed mean back gave NaN, stored as null, and
    // the record was then read as none.
    const trials = bowlHistory(16).map((t) => ((t.params.a as number) > 0.8 ? { ...t, values: [Number.MAX_VALUE] } : t));
    expect(trials.some((t) => t.values![0] === Number.MAX_VALUE)).toBe(true);
    const record = suggest(new GPSampler({ seed: 2, outputWarping: "none" }), trials, 16).notes[RECOMMENDED_TRIAL_ATTR] as { mean: number; sd: number; units: string };
    expect(Number.isFinite(record.mean) && Number.isFinite(record.sd)).toBe(true);
    expect(record.units).toBe("model");
  });

  it("applies to each objective's model under EHVI and to ParEGO, with legal, repeatable proposals", () => {
    const trials = twoObjectiveHistory(5, 12, (x, y) => [x + y * y, 1 - x + y * y]);
    for (const multiObjective of ["ehvi", "parego"] as const) {
      const first = suggest(new GPSampler({ seed: 6, priorMean: "worst", multiObjective }), trials, 12, { directions: ["minimize", "minimize"] }).params;
      const again = suggest(new GPSampler({ seed: 6, priorMean: "worst", multiObjective }), trials, 12, { directions: ["minimize", "minimize"] }).params;
      expect(again).toEqual(first);
      for (const name of ["x", "y"]) expect(isLegal(square[name]!, first[name]!)).toBe(true);
    }
  });
});

describe("GPSampler between kernel refits", () => {
  it("grows the previous trial's model instead of factorising again, and proposes what a fresh sampler proposes", () => {
    const square2: SearchSpace = { a: { type: "float", low: 0, high: 1 }, b: { type: "float", low: 0, high: 1 } };
    const rng = new Rng(5);
    const trials = Array.from({ length: 101 }, (_, number) => {
      const a = rng.uniform();
      const b = rng.uniform();
      return complete(number, { a, b }, square2, Math.sin(5 * a) + (b - 0.3) ** 2);
    });
    expect(kernelFitPlan(100, true).refit).toBe(true);
    expect(kernelFitPlan(101, true).refit).toBe(false);
    const sampler = new GPSampler({ seed: 3 });
    const first = suggest(sampler, trials.slice(0, 100), 100);
    const carried = [...trials.slice(0, 100), makeTrial({ ...trials[100]!, systemAttrs: { ...first.notes } as never })];
    const next = suggest(sampler, carried, 101);
    const model = (sampler as unknown as { lastModel: { gp: { grownRows: number; data: { n: number } } } }).lastModel.gp;
    expect(model.data.n).toBe(101);
    expect(model.grownRows).toBe(100);
    const fresh = suggest(new GPSampler({ seed: 3 }), carried, 101);
    expect(next.params).toEqual(fresh.params);
    expect(next.notes[THETA_ATTR]).toEqual(fresh.notes[THETA_ATTR]);
  });
});

describe("GPSampler's outputWarping auto", () => {
  const square2: SearchSpace = { a: { type: "float", low: 0, high: 1 }, b: { type: "float", low: 0, high: 1 } };
  function history(transform: (v: number) => number): FrozenTrial[] {
    const rng = new Rng(21);
    return Array.from({ length: 30 }, (_, number) => {
      const a = rng.uniform();
      const b = rng.uniform();
      return complete(number, { a, b }, square2, transform(Math.sin(3 * a) + 1.5 * (b - 0.4) ** 2 + 0.05 * rng.normal()));
    });
  }

  it("records a compressing warp for log-normal values and none for Gaussian ones, and is deterministic", () => {
    const sampler = () => new GPSampler({ seed: 4, outputWarping: "auto" });
    const skewed = suggest(sampler(), history((v) => Math.exp(2.5 * v)), 30);
    expect((skewed.notes[WARPING_ATTR] as { warping: string }).warping).not.toBe("none");
    expect(suggest(sampler(), history((v) => Math.exp(2.5 * v)), 30).params).toEqual(skewed.params);
    const plain = suggest(sampler(), history((v) => v), 30).notes[WARPING_ATTR] as { warping: string; scores: Record<string, number> };
    expect(plain.warping).toBe("none");
    expect(Object.keys(plain.scores).sort()).toEqual(["log", "none", "power"]);
  });

  it("keeps the previous choice between fresh kernel fits", () => {
    const trials = history((v) => Math.exp(2.5 * v));
    // n = 21 observations with a warm start is no fresh fit (those come at 20, 30, 45, …).
    const first = suggest(new GPSampler({ seed: 4, outputWarping: "auto" }), trials.slice(0, 20), 20);
    const chosen = first.notes[WARPING_ATTR] as { warping: string };
    const carried = [...trials.slice(0, 20), makeTrial({ ...trials[20]!, systemAttrs: { ...first.notes } as never })];
    const next = suggest(new GPSampler({ seed: 4, outputWarping: "auto" }), carried, 21).notes[WARPING_ATTR] as { warping: string; scores?: unknown };
    expect(next.warping).toBe(chosen.warping);
    expect(next.scores).toBeUndefined();
  });

  it("refits a kept log or power warm for at most 10 L-BFGS-B iterations between fresh fits", () => {
    const trials = history((v) => Math.exp(2.5 * v));
    // The plain kernel: with the additive component the evidence keeps these values unwarped.
    const first = suggest(new GPSampler({ seed: 4, outputWarping: "auto", additiveKernel: false }), trials.slice(0, 20), 20);
    const chosen = (first.notes[WARPING_ATTR] as { warping: OutputWarping }).warping;
    expect(chosen).not.toBe("none");
    // A warm θ away from the MAP (lengthscales e^1.5 times longer), so that the refit has work to do.
    const warm = (first.notes[THETA_ATTR] as number[]).map((v, i) => (i < 2 ? v + 1.5 : v));
    const carried = [...trials.slice(0, 20), makeTrial({ ...trials[20]!, systemAttrs: { ...first.notes, [THETA_ATTR]: warm } as never })];
    const refitted = suggest(new GPSampler({ seed: 4, outputWarping: "auto", additiveKernel: false }), carried, 21).notes[THETA_ATTR] as number[];
    const x = Float64Array.from(carried.flatMap((t) => [t.params.a as number, t.params.b as number]));
    // The sampler's targets: the chosen warping, standardised around the default prior mean (the worst value).
    const data = { x, y: warpObservations(carried.map((t) => t.values![0]!), chosen, "worst"), n: 21, d: 2, categorical: new Uint8Array(2) };
    const prior = defaultPrior(2, 1e-6, "exponential");
    const capped = fitHyperparameters(data, { prior, starts: [warm], maxIterations: 10 }).theta;
    expect(refitted).toEqual(Array.from(capped));
    expect(Array.from(fitHyperparameters(data, { prior, starts: [warm] }).theta)).not.toEqual(Array.from(capped));
  });
});

describe("GPSampler with input warping", () => {
  const mixed: SearchSpace = {
    lr: { type: "float", low: 1e-4, high: 1, log: true },
    rate: { type: "float", low: 0, high: 1 },
    layers: { type: "int", low: 1, high: 8 },
    kind: { type: "categorical", choices: ["a", "b", "c"] },
  };
  const f = (p: Record<string, ParamValue>) => Math.log10(p.rate as number + 1e-3) + ((Math.log10(p.lr as number) + 2) ** 2) + 0.1 * (p.layers as number) + (p.kind === "b" ? 0 : 0.5);
  function history(count: number): FrozenTrial[] {
    const rng = new Rng(4);
    return Array.from({ length: count }, (_, number) => {
      const params: Record<string, ParamValue> = {
        lr: 10 ** (-4 + 4 * rng.uniform()),
        rate: rng.uniform(),
        layers: rng.integer(1, 8),
        kind: ["a", "b", "c"][rng.integer(0, 2)]!,
      };
      return complete(number, params, mixed, f(params));
    });
  }

  it("proposes legal values, records the warping's shapes in θ, and repeats itself under the same seed and history", () => {
    const trials = history(14);
    const first = suggest(new GPSampler({ seed: 3, inputWarping: true }), trials, 14, { space: mixed });
    const again = suggest(new GPSampler({ seed: 3, inputWarping: true }), trials, 14, { space: mixed });
    expect(again.params).toEqual(first.params);
    for (const [name, distribution] of Object.entries(mixed)) expect(isLegal(distribution, first.params[name]!), name).toBe(true);
    // 4 lengthscales, signal, noise, then (log a, log b) for the 3 numeric inputs.
    expect((first.notes["gp:theta"] as number[]).length).toBe(4 + 2 + 6);
    expect(first.notes["gp:fallback"]).toBeUndefined();
  });

  it("starts from a θ recorded without warping, and a warped θ serves a sampler without it", () => {
    const trials = history(14);
    const plain = suggest(new GPSampler({ seed: 3, additiveKernel: false }), trials, 14, { space: mixed });
    const theta = plain.notes["gp:theta"] as number[];
    expect(theta.length).toBe(6);
    const withPlain = [...trials, makeTrial({ number: 14, params: plain.params, distributions: mixed, values: [f(plain.params)], systemAttrs: { "gp:theta": theta } })];
    const warped = suggest(new GPSampler({ seed: 3, inputWarping: true }), withPlain, 15, { space: mixed });
    expect((warped.notes["gp:theta"] as number[]).length).toBe(12);
    const withWarped = [...withPlain, makeTrial({ number: 15, params: warped.params, distributions: mixed, values: [f(warped.params)], systemAttrs: { "gp:theta": warped.notes["gp:theta"] as number[] } })];
    expect((suggest(new GPSampler({ seed: 3, additiveKernel: false }), withWarped, 16, { space: mixed }).notes["gp:theta"] as number[]).length).toBe(6);
    // With the additive component (the default) θ ends with log σ²ₐ instead of the warps.
    expect((suggest(new GPSampler({ seed: 3 }), withWarped, 16, { space: mixed }).notes["gp:theta"] as number[]).length).toBe(7);
  });

  it("is an option of the shared schema, and rejects a malformed value naming it", () => {
    expect(() => createGPSamplerFromOptions({ seed: 1, inputWarping: "true" })).not.toThrow();
    expect(() => createGPSamplerFromOptions({ seed: 1, inputWarping: "sometimes" })).toThrow(/inputWarping/);
    // The penalizers and MACE read the model on unwarped inputs, so they are refused with it.
    expect(() => new GPSampler({ inputWarping: true, pendingStrategy: "local-penalization" })).toThrow(/inputWarping/);
    expect(() => new GPSampler({ inputWarping: true, acquisition: "mace" })).toThrow(/inputWarping/);
    expect(() => new GPSampler({ inputWarping: true, outputWarping: "auto", noisePrior: "gamma" })).not.toThrow();
  });
});

describe("GPSampler with several opt-in model options at once", () => {
  it("fits input warping together with the evidence-chosen output warping and records a recommendation", () => {
    const space: SearchSpace = { a: { type: "float", low: 0, high: 1 }, b: { type: "float", low: 0, high: 1 } };
    const rng = new Rng(5);
    const trials = Array.from({ length: 24 }, (_, number) => {
      const params = { a: rng.uniform(), b: rng.uniform() };
      return complete(number, params, space, Math.exp(4 * (params.a - 0.3) ** 2 + 3 * (params.b - 0.6) ** 2));
    });
    const options = { seed: 2, inputWarping: true, outputWarping: "auto" as const, noisePrior: "gamma" as const };
    const first = suggest(new GPSampler(options), trials, 24, { space });
    const again = suggest(new GPSampler(options), trials, 24, { space });
    expect(again.params).toEqual(first.params);
    // Two lengthscales, signal, noise, then two shapes per warped input.
    expect((first.notes["gp:theta"] as number[]).length).toBe(2 + 2 + 4);
    expect(first.notes[WARPING_ATTR]).toBeDefined();
    expect(first.notes[RECOMMENDED_TRIAL_ATTR]).toBeDefined();
    for (const value of Object.values(first.params)) expect(value as number).toBeGreaterThanOrEqual(0);
  });
});

describe("GPSampler with the additive kernel component", () => {
  const space: SearchSpace = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { type: "float", low: 0, high: 1 } as const]));
  // A sum of one-dimensional parts, minimal at 0.7 in every coordinate.
  const f = (p: Record<string, ParamValue>) => Object.values(p).reduce<number>((s, v) => s + ((v as number) - 0.7) ** 2 + 0.1 * Math.sin(9 * (v as number)), 0);

  it("fits σ²ₐ with the kernel (θ one longer), stays deterministic, and refuses input warping", () => {
    const rng = new Rng(2);
    const trials = Array.from({ length: 16 }, (_, number) => {
      const params = Object.fromEntries(Object.keys(space).map((name) => [name, rng.uniform()]));
      return complete(number, params, space, f(params));
    });
    const first = suggest(new GPSampler({ seed: 5, additiveKernel: true }), trials, 16);
    const again = suggest(new GPSampler({ seed: 5, additiveKernel: true }), trials, 16);
    expect(again.params).toEqual(first.params);
    expect(first.notes[THETA_ATTR] as number[]).toHaveLength(6 + 3);
    expect(suggest(new GPSampler({ seed: 5, additiveKernel: false }), trials, 16).notes[THETA_ATTR] as number[]).toHaveLength(6 + 2);
    // The default has it, and drops it beyond additiveMaxObservations.
    expect(suggest(new GPSampler({ seed: 5 }), trials, 16).notes[THETA_ATTR] as number[]).toHaveLength(6 + 3);
    expect(suggest(new GPSampler({ seed: 5, additiveMaxObservations: 15 }), trials, 16).notes[THETA_ATTR] as number[]).toHaveLength(6 + 2);
    expect(() => new GPSampler({ additiveKernel: true, inputWarping: true, acquisition: "log-ei" })).toThrow(/additiveKernel and inputWarping/);
    expect(createGPSamplerFromOptions({ seed: 1, additiveKernel: "true" })).toBeInstanceOf(GPSampler);
  });
});

describe("GPSampler fitMaxObservations", () => {
  const space: SearchSpace = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
  const history = (count: number): FrozenTrial[] => {
    const rng = new Rng(11);
    return Array.from({ length: count }, (_, number) => {
      const x = rng.uniform();
      const y = rng.uniform();
      return complete(number, { x, y }, space, Math.sin(6 * x) + (y - 0.3) ** 2 + 0.05 * rng.normal());
    });
  };

  it("changes nothing at or below the cap, fits θ on fewer rows above it, and the same way each time", () => {
    const trials = history(30);
    const uncapped = suggest(new GPSampler({ seed: 2 }), trials, 30);
    expect(suggest(new GPSampler({ seed: 2, fitMaxObservations: 30 }), trials, 30)).toEqual(uncapped);
    const capped = suggest(new GPSampler({ seed: 2, fitMaxObservations: 20 }), trials, 30);
    expect(capped.notes[THETA_ATTR]).not.toEqual(uncapped.notes[THETA_ATTR]);
    expect(suggest(new GPSampler({ seed: 2, fitMaxObservations: 20 }), trials, 30)).toEqual(capped);
  });

  it("refuses a cap below 20, naming the option", () => {
    expect(() => new GPSampler({ fitMaxObservations: 19 })).toThrow(/fitMaxObservations must be an integer ≥ 20/);
    expect(() => createGPSamplerFromOptions({ fit_max_observations: "10" })).toThrow(/fitMaxObservations|fit_max_observations/);
    expect(createGPSamplerFromOptions({ seed: 1, fit_max_observations: "300" })).toBeInstanceOf(GPSampler);
  });
});

describe("GPSampler's observations of pruned trials with constraints", () => {
  it("judge a pruned trial's feasibility by its constraints when it has them, feasible only when it has none", () => {
    const X: Distribution = { type: "float", low: 0, high: 1 };
    const trial = (number: number, fields: Parameters<typeof makeTrial>[0]) => makeTrial({ ...fields, number, params: { x: number / 10 }, distributions: { x: X } });
    const snapshot = makeSnapshot([
      trial(0, { number: 0, state: "complete", values: [1], systemAttrs: { constraints: [-1] } }),
      trial(1, { number: 1, state: "pruned", values: [2], systemAttrs: { constraints: [3] } }),
      trial(2, { number: 2, state: "pruned", values: [0.5], systemAttrs: { constraints: [-2] } }),
      trial(3, { number: 3, state: "pruned", values: [0.7] }),
    ]);
    const sampler = new GPSampler({ seed: 1 });
    const observations = (sampler as unknown as { collectObservations(s: StudySnapshot, e: SpaceEncoder, n: number): { feasible: boolean[]; constraints: (readonly number[] | null)[] } }).collectObservations(
      snapshot,
      new SpaceEncoder({ x: X }),
      4,
    );
    expect(observations.feasible).toEqual([true, false, true, true]);
    expect(observations.constraints).toEqual([[-1], [3], [-2], null]);
  });

  it("judge a pruned trial whose stored constraints are not a list of numbers infeasible, as a complete one", () => {
    // Written through the storage API or the HTTP service: NaN travels through JSON as null.
    const X: Distribution = { type: "float", low: 0, high: 1 };
    const trial = (number: number, state: "complete" | "pruned", constraints: JsonValue) =>
      makeTrial({ number, state, values: [number], params: { x: number / 10 }, distributions: { x: X }, systemAttrs: { constraints } });
    const snapshot = makeSnapshot([trial(0, "complete", [null]), trial(1, "pruned", [null]), trial(2, "pruned", "x"), trial(3, "pruned", { a: 1 }), trial(4, "pruned", [-1])]);
    const sampler = new GPSampler({ seed: 1 });
    const observations = (sampler as unknown as { collectObservations(s: StudySnapshot, e: SpaceEncoder, n: number): { feasible: boolean[]; constraints: (readonly number[] | null)[] } }).collectObservations(
      snapshot,
      new SpaceEncoder({ x: X }),
      5,
    );
    expect(observations.feasible).toEqual([false, false, false, false, true]);
    expect(observations.constraints).toEqual([null, null, null, null, [-1]]);
  });

  it("models the constraints of the other trials when a stored constraint value is not finite, instead of falling back to random points", () => {
    // Storage writes (a memory store, a copy of one) keep what tell refuses: NaN, ±Infinity.
    const X: Distribution = { type: "float", low: 0, high: 1 };
    const history = (odd: number[]) =>
      Array.from({ length: 12 }, (_, number) => {
        const x = (number * 0.37) % 1;
        return makeTrial({ number, state: "complete", values: [x], params: { x }, distributions: { x: X }, systemAttrs: { constraints: number === 0 ? odd : [0.5 - x] } });
      });
    for (const odd of [[Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY], [Number.NaN]]) {
      const { params, notes } = suggest(new GPSampler({ seed: 1 }), history(odd), 12);
      expect(notes["gp:fallback"]).toBeUndefined();
      // Feasible from 0.5 up, where x is smallest at 0.5; with −∞, trial 0 (x = 0) is feasible and the best.
      if (odd[0] !== Number.NEGATIVE_INFINITY) expect(params.x as number).toBeCloseTo(0.5, 2);
    }
  });
});
