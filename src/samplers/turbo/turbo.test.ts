import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { type FrozenTrial, type JsonValue, type ParamValue, type SearchSpace, makeSamplingTrial, makeSnapshot, makeTrial } from "../../space/index.js";
import { GaussianProcess, matern52 } from "../gp/index.js";
import { createStudy } from "../../study/index.js";
import { createSamplerByName } from "../registry.js";
import {
  ThompsonSample,
  TurboSampler,
  type TrustRegionEvent,
  createTurboSamplerFromOptions,
  replayTrustRegion,
  trustRegionBounds,
  trustRegionCandidates,
  trustRegionSettings,
} from "./turbo.js";

const SETTINGS = trustRegionSettings(2, { nInitial: 2, successTolerance: 3, failureTolerance: 4 });

/** Design points, then steps with the given values, all of run 0. */
function history(design: number[], steps: number[]): TrustRegionEvent[] {
  return [
    ...design.map((value, k) => ({ number: k, value, run: 0, role: "design" as const })),
    ...steps.map((value, k) => ({ number: design.length + k, value, run: 0, role: "step" as const })),
  ];
}

describe("replayTrustRegion (TuRBO-1's length rule)", () => {
  it("starts at L_init and counts nothing for design points", () => {
    const state = replayTrustRegion(history([5, 4], []), SETTINGS);
    expect(state).toMatchObject({ run: 0, length: 0.8, successes: 0, failures: 0, best: 4, members: [0, 1] });
  });

  it("doubles the side after 3 successes in a row, and caps it at L_max", () => {
    expect(replayTrustRegion(history([5, 4], [3, 2]), SETTINGS)).toMatchObject({ length: 0.8, successes: 2 });
    expect(replayTrustRegion(history([5, 4], [3, 2, 1]), SETTINGS)).toMatchObject({ length: 1.6, successes: 0 });
    expect(replayTrustRegion(history([5, 4], [3, 2, 1, 0.5, 0.25, 0.1]), SETTINGS).length).toBe(1.6);
  });

  it("needs an improvement of more than 1e-3·|best| to count a success", () => {
    expect(replayTrustRegion(history([5, 4], [3.999]), SETTINGS)).toMatchObject({ successes: 0, failures: 1 });
    expect(replayTrustRegion(history([5, 4], [3.99]), SETTINGS)).toMatchObject({ successes: 1, failures: 0 });
  });

  it("halves the side after the failure tolerance, and a success resets the failure count", () => {
    expect(replayTrustRegion(history([5, 4], [9, 9, 9]), SETTINGS)).toMatchObject({ length: 0.8, failures: 3 });
    expect(replayTrustRegion(history([5, 4], [9, 9, 9, 9]), SETTINGS)).toMatchObject({ length: 0.4, failures: 0 });
    expect(replayTrustRegion(history([5, 4], [9, 9, 9, 1, 9, 9, 9]), SETTINGS)).toMatchObject({ length: 0.8, failures: 3 });
  });

  it("counts a failed step as one without improvement, and a failed design point not at all, adding no data", () => {
    const failedStep = (number: number): TrustRegionEvent => ({ number, value: Number.NaN, failed: true, run: 0, role: "step" });
    const steps = [2, 3, 4, 5].map(failedStep);
    expect(replayTrustRegion([...history([5, 4], []), ...steps.slice(0, 3)], SETTINGS)).toMatchObject({ length: 0.8, failures: 3, best: 4, members: [0, 1] });
    expect(replayTrustRegion([...history([5, 4], []), ...steps], SETTINGS)).toMatchObject({ length: 0.4, failures: 0, best: 4, members: [0, 1] });
    const failedDesign: TrustRegionEvent = { number: 2, value: Number.NaN, failed: true, run: 0, role: "design" };
    expect(replayTrustRegion([...history([5, 4], []), failedDesign], SETTINGS)).toMatchObject({ failures: 0, members: [0, 1] });
  });

  it("restarts with a fresh run (no data, L_init) once the side falls below L_min", () => {
    // 0.8 → 0.4 → 0.2 → 0.1 → 0.05 → 0.025 → 0.0125 → 0.00625 < 2⁻⁷: seven halvings, 28 failures.
    const before = replayTrustRegion(history([5, 4], Array(27).fill(9)), SETTINGS);
    expect(before).toMatchObject({ run: 0, length: 0.0125, failures: 3 });
    const after = replayTrustRegion(history([5, 4], Array(28).fill(9)), SETTINGS);
    expect(after).toMatchObject({ run: 1, length: 0.8, successes: 0, failures: 0, best: Infinity, members: [] });
    // Trials proposed for run 0 that finish later are left out of run 1.
    const late: TrustRegionEvent = { number: 31, value: -100, run: 0, role: "step" };
    const fresh: TrustRegionEvent = { number: 32, value: 7, run: 1, role: "design" };
    expect(replayTrustRegion([...history([5, 4], Array(28).fill(9)), late, fresh], SETTINGS)).toMatchObject({ run: 1, best: 7, members: [32] });
  });

  it("uses the paper's failure tolerance ceil(max(4, d)) and L values", () => {
    expect(trustRegionSettings(2, {})).toMatchObject({ failureTolerance: 4, successTolerance: 3, initialLength: 0.8, maxLength: 1.6, minLength: 2 ** -7 });
    expect(trustRegionSettings(60, {}).failureTolerance).toBe(60);
  });

  it("starts each run with the paper's 2d design points, at most 10", () => {
    expect(trustRegionSettings(3, {}).nInitial).toBe(6);
    expect(trustRegionSettings(5, {}).nInitial).toBe(10);
    expect(trustRegionSettings(50, {}).nInitial).toBe(10);
    expect(trustRegionSettings(50, { nInitial: 100 }).nInitial).toBe(100);
  });
});

describe("trust region and candidates", () => {
  it("scales the sides by the lengthscales with geometric mean 1, clipped to the cube", () => {
    const { lower, upper } = trustRegionBounds(Float64Array.of(0.5, 0.5), Float64Array.of(1, 4), 0.4);
    const sides = [upper[0]! - lower[0]!, upper[1]! - lower[1]!];
    expect(sides[1]! / sides[0]!).toBeCloseTo(4, 12);
    expect(sides[0]! * sides[1]!).toBeCloseTo(0.16, 12);
    const clipped = trustRegionBounds(Float64Array.of(0.95, 0.05), Float64Array.of(1, 1), 0.4);
    expect(Array.from(clipped.upper)).toEqual([1, expect.closeTo(0.25, 12)]);
    expect(Array.from(clipped.lower)).toEqual([expect.closeTo(0.75, 12), 0]);
  });

  it("keeps every candidate inside the region and moves about min(20/d, 1) of the coordinates", () => {
    const d = 60;
    const center = new Float64Array(d).fill(0.3);
    const bounds = trustRegionBounds(center, Float64Array.from({ length: d }, (_, i) => 0.5 + i / d), 0.2);
    const { points, moved } = trustRegionCandidates(center, bounds, 500, new Rng(3));
    let total = 0;
    for (let c = 0; c < 500; c++) {
      expect(moved[c]!.length).toBeGreaterThan(0);
      total += moved[c]!.length;
      for (let i = 0; i < d; i++) {
        const v = points[c * d + i]!;
        expect(v).toBeGreaterThanOrEqual(bounds.lower[i]!);
        expect(v).toBeLessThanOrEqual(bounds.upper[i]!);
        if (!moved[c]!.includes(i)) expect(v).toBe(0.3);
      }
    }
    expect(total / 500).toBeGreaterThan(17);
    expect(total / 500).toBeLessThan(23);
  });
});

describe("ThompsonSample (pathwise conditioning on random Fourier features)", () => {
  const d = 3;
  const params = { lengthscales: Float64Array.of(0.3, 0.5, 0.8), signalVariance: 1.7, noiseVariance: 1e-4 };

  it("has the Matérn-5/2 kernel as the covariance of its prior draws", () => {
    const empty = new GaussianProcess({ x: new Float64Array(0), y: new Float64Array(0), n: 0, d, categorical: new Uint8Array(d) }, params);
    const a = Float64Array.of(0.2, 0.4, 0.6);
    const b = Float64Array.of(0.35, 0.3, 0.7);
    const rng = new Rng(11);
    let aa = 0;
    let ab = 0;
    const draws = 1500;
    for (let s = 0; s < draws; s++) {
      const sample = new ThompsonSample(empty, 512, rng);
      const fa = sample.prior(a);
      aa += fa * fa;
      ab += fa * sample.prior(b);
    }
    const r2 = (0.15 / 0.3) ** 2 + (0.1 / 0.5) ** 2 + (0.1 / 0.8) ** 2;
    expect(aa / draws).toBeCloseTo(1.7, 0);
    expect(Math.abs(ab / draws - 1.7 * matern52(r2))).toBeLessThan(0.15);
  });

  it("passes through the data where the noise is small, and the fast argmin agrees with pointwise draws", () => {
    const rng = new Rng(5);
    const n = 12;
    const x = Float64Array.from({ length: n * d }, () => rng.uniform());
    const y = Float64Array.from({ length: n }, (_, j) => Math.sin(5 * x[j * d]!) + x[j * d + 1]!);
    const gp = new GaussianProcess({ x, y, n, d, categorical: new Uint8Array(d) }, params);
    const sample = new ThompsonSample(gp, 512, new Rng(9));
    for (let j = 0; j < n; j++) expect(sample.at(x.subarray(j * d, (j + 1) * d))).toBeCloseTo(y[j]!, 1);
    const center = Float64Array.of(0.5, 0.5, 0.5);
    const { points, moved } = trustRegionCandidates(center, trustRegionBounds(center, params.lengthscales, 0.6), 200, new Rng(2));
    const values = Array.from({ length: 200 }, (_, c) => sample.at(points.subarray(c * d, (c + 1) * d)));
    const chosen = sample.argminNear(center, points, moved);
    expect(values[chosen]!).toBeCloseTo(Math.min(...values), 9);
  });
});

const SPACE: SearchSpace = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`x${i}`, { type: "float", low: -2, high: 2 }]));

/** Plays `count` trials of a study with `sampler` on a shifted sphere, one trial at a time, recording what the sampler noted. */
function play(sampler: TurboSampler, count: number, start: FrozenTrial[] = [], space: SearchSpace = SPACE): FrozenTrial[] {
  const trials = [...start];
  const end = trials.length + count;
  for (let number = trials.length; number < end; number++) {
    const { params, notes } = suggest(sampler, trials, number, space);
    const value = Object.values(params).reduce<number>((s, v) => s + ((v as number) - 0.7) ** 2, 0);
    trials.push(makeTrial({ number, params, distributions: space, values: [value], systemAttrs: notes }));
  }
  return trials;
}

function suggest(sampler: TurboSampler, trials: FrozenTrial[], number: number, space: SearchSpace = SPACE): { params: Record<string, ParamValue>; notes: Record<string, JsonValue> } {
  const snapshot = makeSnapshot(trials);
  const trial = makeSamplingTrial(number);
  const relative = sampler.inferRelativeSpace(snapshot, trial);
  const params: Record<string, ParamValue> = Object.keys(relative).length > 0 ? sampler.sampleRelative(snapshot, trial, relative) : {};
  for (const [name, distribution] of Object.entries(space)) if (!(name in params)) params[name] = sampler.sampleIndependent(snapshot, trial, name, distribution);
  return { params, notes: trial.notes };
}

describe("TurboSampler", () => {
  it("starts with its design, then proposes trust-region steps inside the region that improve on it", () => {
    const sampler = new TurboSampler({ seed: 4, nInitial: 8 });
    const trials = play(sampler, 40);
    // Trial 0 comes before any space is known: the study samples it independently, and it joins run 0 as data.
    expect(trials[0]!.systemAttrs["turbo:role"]).toBeUndefined();
    expect(trials.slice(1, 9).every((t) => t.systemAttrs["turbo:role"] === "design")).toBe(true);
    expect(trials.slice(9).every((t) => t.systemAttrs["turbo:role"] === "step")).toBe(true);
    const bestDesign = Math.min(...trials.slice(0, 9).map((t) => t.values![0]!));
    const best = Math.min(...trials.map((t) => t.values![0]!));
    expect(best).toBeLessThan(bestDesign / 4);
    // A step stays within the region of half-side ≤ L·max(weight)/2 around the run's best so far; with 4 dimensions and L ≤ 1.6 that is well under the cube.
    for (const t of trials.slice(9)) for (const v of Object.values(t.params)) expect(Math.abs(v as number)).toBeLessThanOrEqual(2);
  });

  it("by default leaves its design after 10 points even in 30 dimensions", () => {
    const wide: SearchSpace = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x${i}`, { type: "float", low: -2, high: 2 }]));
    const trials = play(new TurboSampler({ seed: 5 }), 14, [], wide);
    const roles = trials.map((t) => t.systemAttrs["turbo:role"]);
    expect(roles.slice(1, 11)).toEqual(Array(10).fill("design"));
    expect(roles.slice(11)).toEqual(Array(3).fill("step"));
  });

  it("gives the same suggestion for the same seed and history, and another for another seed", () => {
    const trials = play(new TurboSampler({ seed: 1, nInitial: 6 }), 15);
    const a = suggest(new TurboSampler({ seed: 7, nInitial: 6 }), trials, 15).params;
    const b = suggest(new TurboSampler({ seed: 7, nInitial: 6 }), trials, 15).params;
    const c = suggest(new TurboSampler({ seed: 8, nInitial: 6 }), trials, 15).params;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("recovers its state from the history: a new sampler (a restarted process) continues as the old one would", () => {
    const sampler = new TurboSampler({ seed: 2, nInitial: 5, failureTolerance: 2 });
    const trials = play(sampler, 25);
    const next = suggest(sampler, trials, 25);
    const restarted = suggest(new TurboSampler({ seed: 2, nInitial: 5, failureTolerance: 2 }), trials, 25);
    expect(restarted).toEqual(next);
    expect(typeof next.notes["turbo:length"]).toBe("number");
    // The recorded side is the replayed one: the state lives in the trials, not in the sampler.
    const events: TrustRegionEvent[] = trials.map((t) => ({ number: t.number, value: t.values![0]!, run: t.systemAttrs["turbo:run"] as number, role: t.systemAttrs["turbo:role"] as "design" | "step" }));
    expect(next.notes["turbo:length"]).toBe(replayTrustRegion(events, trustRegionSettings(4, { nInitial: 5, failureTolerance: 2 })).length);
  });

  it("restarts with a new design after the side collapses", () => {
    // A flat objective never improves: with failure tolerance 1 the side halves every step.
    const sampler = new TurboSampler({ seed: 3, nInitial: 3, failureTolerance: 1 });
    const trials: FrozenTrial[] = [];
    for (let number = 0; number < 15; number++) {
      const { params, notes } = suggest(sampler, trials, number);
      trials.push(makeTrial({ number, params, distributions: SPACE, values: [1], systemAttrs: notes }));
    }
    const roles = trials.map((t) => `${t.systemAttrs["turbo:run"]}:${t.systemAttrs["turbo:role"]}`);
    // Trial 0 (independent), 3 design points, 7 failing steps (0.8·2⁻⁷ < 2⁻⁷ after the 7th), then run 1's design.
    expect(roles.slice(1, 11)).toEqual([...Array(3).fill("0:design"), ...Array(7).fill("0:step")]);
    expect(roles.slice(11, 14)).toEqual(Array(3).fill("1:design"));
    expect(trials[11]!.params).not.toEqual(trials[1]!.params);
  });

  it("gives running design trials distinct points even before their notes reach the snapshot", () => {
    // Trial 0 was sampled independently and has completed; trials 1 and 2 are running design
    // points whose "turbo:*" notes are still waiting to be written, so the snapshot shows only
    // their parameters (as a study shows a trial of this process before its first flush).
    const sampler = new TurboSampler({ seed: 6, nInitial: 4 });
    const trials: FrozenTrial[] = [];
    const first = suggest(sampler, [], 0);
    trials.push(makeTrial({ number: 0, params: first.params, distributions: SPACE, values: [1] }));
    for (let number = 1; number <= 3; number++) {
      const { params } = suggest(sampler, trials, number);
      trials.push(makeTrial({ number, params, distributions: SPACE }));
    }
    const points = trials.slice(1).map((t) => JSON.stringify(t.params));
    expect(new Set(points).size).toBe(3);
    // The same history gives the same suggestion.
    expect(suggest(new TurboSampler({ seed: 6, nInitial: 4 }), trials.slice(0, 3), 3).params).toEqual(trials[3]!.params);
  });

  it("gives trials asked together distinct points through a study's ask and tell", async () => {
    for (const d of [2, 5, 8]) {
      const study = await createStudy({ sampler: new TurboSampler({ seed: 1 }), direction: "minimize" });
      const objective = (t: { suggestFloat(name: string, low: number, high: number): number }): number => {
        let sum = 0;
        for (let i = 0; i < d; i++) sum += (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
        return sum;
      };
      const asked = [];
      for (let i = 0; i < 20; i++) asked.push(await study.ask());
      for (const trial of asked) await study.tell(trial, objective(trial));
      const pending = [];
      for (let i = 0; i < 4; i++) {
        const trial = await study.ask();
        objective(trial);
        pending.push(JSON.stringify(trial.params));
      }
      expect(new Set(pending).size, `d=${d}`).toBe(4);
    }
  });

  it("evaluates no point twice under optimize with concurrency", async () => {
    const d = 30;
    const study = await createStudy({ sampler: new TurboSampler({ seed: 1, nCandidates: 200, nFeatures: 64, fitIterations: 10 }), direction: "minimize" });
    await study.optimize(
      async (t) => {
        let sum = 0;
        for (let i = 0; i < d; i++) sum += (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
        await new Promise((resolve) => setTimeout(resolve, 1 + ((t.number * 7) % 5)));
        return sum;
      },
      { nTrials: 40, concurrency: 8 },
    );
    const points = study.trials.map((t) => JSON.stringify(t.params));
    expect(new Set(points).size).toBe(points.length);
  });

  it("proposes no tried point again on an integer space, widening the region when it holds none", async () => {
    // Candidates round onto the integer grid: the shrinking region proposed the incumbent or
    // another tried point 30 trials in a row (seed 1), and ended at 3.6 rather than the optimum 3.
    const study = await createStudy({ sampler: new TurboSampler({ seed: 1 }), direction: "minimize" });
    await study.optimize((t) => {
      let sum = 0;
      for (let i = 0; i < 5; i++) sum += (t.suggestInt(`p${i}`, 0, 4) - i) ** 2 + 0.1 * i * (t.params[`p${i}`] as number);
      return sum;
    }, { nTrials: 80 });
    const points = study.trials.map((t) => JSON.stringify(t.params));
    expect(new Set(points).size).toBe(points.length);
  });

  it("stops proposing into a failing area its model points at: failed steps shrink the region, and clustered failures join the model at the run's worst value", async () => {
    // The model, fitted on complete trials only, extrapolates low values past x = 0.7, where the objective fails.
    const failures = async (failedTrials: "count" | "impute" | "ignore", seed: number) => {
      const study = await createStudy({ sampler: new TurboSampler({ seed, failedTrials }) });
      await study.optimize(
        (trial) => {
          const x = trial.suggestFloat("x", 0, 1);
          const y = trial.suggestFloat("y", 0, 1);
          return x > 0.7 ? Number.NaN : (x - 0.3) ** 2 + y;
        },
        { nTrials: 30 },
      );
      return study.trials.filter((t) => t.state === "failed").length;
    };
    const ignored = await failures("ignore", 1);
    expect(ignored).toBeGreaterThanOrEqual(15);
    expect(await failures("count", 1)).toBeLessThan(ignored - 5);
    expect(await failures("impute", 1)).toBeLessThan(ignored - 5);
    expect(() => new TurboSampler({ failedTrials: "drop" as never })).toThrow(/failedTrials must be "count", "impute" or "ignore"/);
  });

  it("fits θ on at most fitMaxObservations points of the run, as the gp sampler does, changing nothing at or below it", () => {
    const trials = play(new TurboSampler({ seed: 6, nInitial: 4 }), 30);
    // One run holds every trial: more points than the smallest cap.
    expect(trials.every((t) => (t.systemAttrs["turbo:run"] ?? 0) === 0)).toBe(true);
    const uncapped = suggest(new TurboSampler({ seed: 6, nInitial: 4 }), trials, 30);
    expect(suggest(new TurboSampler({ seed: 6, nInitial: 4, fitMaxObservations: 30 }), trials, 30)).toEqual(uncapped);
    const capped = suggest(new TurboSampler({ seed: 6, nInitial: 4, fitMaxObservations: 20 }), trials, 30);
    expect(capped.notes["turbo:theta"]).not.toEqual(uncapped.notes["turbo:theta"]);
    expect(suggest(new TurboSampler({ seed: 6, nInitial: 4, fitMaxObservations: 20 }), trials, 30)).toEqual(capped);
    expect(() => new TurboSampler({ fitMaxObservations: 19 })).toThrow(/fitMaxObservations must be an integer >= 20/);
    expect(() => createTurboSamplerFromOptions({ fit_max_observations: "10" })).toThrow(/fitMaxObservations|fit_max_observations/);
  });

  it("is in the registry with its option schema, and bad options name the field", () => {
    expect(createSamplerByName("turbo", { seed: 1, n_initial: "12" }).name).toBe("turbo");
    expect(() => createTurboSamplerFromOptions({ failure_tolerance: "0" })).toThrow(/failureTolerance|failure_tolerance/);
    expect(() => new TurboSampler({ initialLength: 2 })).toThrow(/initialLength/);
    expect(() => createTurboSamplerFromOptions({ lengthh: "1" })).toThrow(/lengthh/);
  });

  it("refuses several objectives with a clear error", () => {
    const sampler = new TurboSampler({ seed: 1 });
    expect(() => sampler.inferRelativeSpace(makeSnapshot([], { directions: ["minimize", "minimize"] }), makeSamplingTrial(0))).toThrow(/supports one objective; this study has 2/);
  });
});
