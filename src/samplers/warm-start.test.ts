import { describe, expect, it, vi } from "vitest";
import { Rng } from "../math/rng.js";
import { type Distribution, type FrozenTrial, type StudySnapshot, type WarmStartSource, makeSamplingTrial, makeSnapshot, makeTrial } from "../space/index.js";
import { MemoryStorage } from "../storage/index.js";
import { type Trial, createStudy, loadStudy } from "../study/index.js";
import { GPSampler } from "./gp/index.js";
import { GaussianProcess, parametersFromTheta } from "./gp/model.js";
import { rgpeWeights } from "./gp/rgpe.js";
import type { Sampler } from "./base.js";
import { AutoSampler } from "./auto.js";
import { RandomSampler } from "./random.js";
import { TPESampler } from "./tpe/index.js";
import { makeDimension } from "./tpe/dimension.js";
import { MultivariateParzen, neighbourBandwidths, type ParzenOptions } from "./tpe/parzen-estimator.js";
import { sourceWeightedBandwidths } from "./tpe/tpe.js";
import { bootstrapRankingWeights, concordance, crossValidatedBandwidth, fitsSpace, leaveOneOutRegression, promisingOverlap, rankingLoss, transferWeights, warmStartSpace } from "./warm-start.js";

const X: Distribution = { type: "float", low: 0, high: 1 };

/** A hand-made source study: `count` trials of x on a grid with loss f(x). */
function source(name: string, f: (x: number) => number, count = 40, direction: "minimize" | "maximize" = "minimize"): WarmStartSource {
  const trials = Array.from({ length: count }, (_, i) => {
    const x = (i + 0.5) / count;
    const loss = f(x);
    return makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [direction === "minimize" ? loss : -loss] });
  });
  return { name, direction, trials, context: null };
}

function withSources(snapshot: StudySnapshot, sources: WarmStartSource[]): StudySnapshot {
  return { ...snapshot, warmStart: sources };
}

/** The x a sampler proposes for trial `number` of a study whose own trials are `own`. */
function propose(sampler: Sampler, own: FrozenTrial[], sources: WarmStartSource[], number: number): number {
  const snapshot = withSources(makeSnapshot(own), sources);
  const trial = makeSamplingTrial(number);
  const space = sampler.inferRelativeSpace(snapshot, trial);
  const relative = Object.keys(space).length > 0 ? sampler.sampleRelative(snapshot, trial, space) : {};
  return (relative.x ?? sampler.sampleIndependent(snapshot, trial, "x", X)) as number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe("warm-start helpers", () => {
  it("reads the space from the sources and measures ranking agreement", () => {
    expect(warmStartSpace([source("a", (x) => x)])).toEqual({ x: X });
    expect(concordance([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(concordance([4, 3, 2, 1], [10, 20, 30, 40])).toBe(0);
    expect(concordance([1], [1])).toBeNull();
  });

  it("keeps the sources with the best estimated transfer (MBTL-style)", () => {
    expect(transferWeights([{ concordance: 0.9, contextDistance: null }, { concordance: 0.4, contextDistance: null }], 3)).toEqual([0.8, 0]);
    // Without target trials, a gap linear in context distance: nearest 1, farthest 0.5, split over the two kept.
    expect(transferWeights([{ concordance: null, contextDistance: 0 }, { concordance: null, contextDistance: 2 }, { concordance: null, contextDistance: 1 }], 2)).toEqual([0.5, 0, 0.375]);
  });
});

describe("ranking sources against the study's own model", () => {
  it("predicts each point from the others only", () => {
    const points = [Float64Array.of(0), Float64Array.of(0.01), Float64Array.of(1)];
    const own = leaveOneOutRegression(points, [5, 7, 100], 0.05);
    expect(own[0]).toBeCloseTo(7, 6); // its near neighbour, not itself
    expect(own[1]).toBeCloseTo(5, 6);
    expect(own[2]).toBeGreaterThan(5); // nothing in reach but the far points: still not its own 100
    expect(own[2]).toBeLessThan(100);
  });

  it("chooses the bandwidth by leave-one-out error: narrow for a wiggly function, wide for noise", () => {
    const points = Array.from({ length: 200 }, (_, i) => Float64Array.of((i + 0.5) / 200));
    const candidates = [0.3, 0.1, 0.03, 0.01];
    expect(crossValidatedBandwidth(points, points.map((p) => Math.sin(40 * p[0]!)), candidates)).toBe(0.01);
    expect(crossValidatedBandwidth(points, points.map((_, i) => ((i * 7919) % 13) / 13), candidates)).toBe(0.3);
  });

  it("counts misordered pairs among the better half only", () => {
    // Better half of [1, 2, 3, 4] is {1, 2}: one pair, reversed by the prediction; the far pair (3, 4) is ignored.
    expect(rankingLoss([2, 1, 3, 4], [1, 2, 3, 4], 2)).toBe(2);
    expect(rankingLoss([1, 2, 4, 3], [1, 2, 3, 4], 2)).toBe(0);
  });

  it("gives a source weight only while it ranks the trials better than the study's own model", () => {
    const actual = Array.from({ length: 20 }, (_, i) => i);
    const perfect = actual.map((v) => v);
    const reversed = actual.map((v) => -v);
    const noisy = actual.map((v, i) => v + (i % 2 ? 6 : -6));
    const [good, ownWhenWorse] = bootstrapRankingWeights([perfect, noisy], actual, new Rng(1));
    expect(good).toBeGreaterThan(0.9);
    expect(good! + ownWhenWorse!).toBeCloseTo(1, 12);
    const [bad, ownWhenBetter] = bootstrapRankingWeights([reversed, noisy], actual, new Rng(1));
    expect(bad).toBe(0);
    expect(ownWhenBetter).toBe(1);
    // The same resamples under the same seed: the same weights.
    expect(bootstrapRankingWeights([noisy, perfect], actual, new Rng(7))).toEqual(bootstrapRankingWeights([noisy, perfect], actual, new Rng(7)));
  });
});

describe("warm-started TPE with ranking weights", () => {
  const sampler = () => new TPESampler({ seed: 3, warmStartRanking: true });
  const grid = (f: (x: number) => number) =>
    Array.from({ length: 24 }, (_, i) => (i + 0.5) / 24).map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [f(x)] }));
  const weightOf = (own: FrozenTrial[], sources: WarmStartSource[]) => {
    const snapshot = withSources(makeSnapshot(own), sources);
    const trial = makeSamplingTrial(own.length);
    sampler().sampleRelative(snapshot, trial, sampler().inferRelativeSpace(snapshot, trial));
    return trial.notes["tpe:transferWeights"] as Record<string, number>;
  };

  it("keeps a source that knows the study's landscape better than its few trials do", () => {
    // The study's eight trials sit far apart on a wiggly function; the source has 40 trials of it.
    const same = source("same", (x) => Math.sin(12 * x), 40);
    const sparse = [0.05, 0.17, 0.3, 0.42, 0.55, 0.67, 0.8, 0.92].map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [Math.sin(12 * x)] }));
    expect(weightOf(sparse, [same]).same).toBeGreaterThan(0);
  });

  it("drops a source that the study's own model outranks, though it orders the trials better than chance", () => {
    // The study's trials cover x densely; the source's optimum is shifted (0.6 against 0.5).
    const shifted = source("shifted", (x) => (x - 0.6) ** 2, 40);
    const own = grid((x) => (x - 0.5) ** 2);
    expect(weightOf(own, [shifted]).shifted).toBe(0);
    // Without ranking weights, the MBTL-style test alone keeps it.
    const snapshot = withSources(makeSnapshot(own), [shifted]);
    const trial = makeSamplingTrial(own.length);
    const plain = new TPESampler({ seed: 3, warmStartRanking: false });
    plain.sampleRelative(snapshot, trial, plain.inferRelativeSpace(snapshot, trial));
    expect((trial.notes["tpe:transferWeights"] as Record<string, number>).shifted).toBeGreaterThan(0);
  });
});

describe("warm-started TPE weighing a source by its ranking excess over the study's own model", () => {
  const weightOf = (own: FrozenTrial[], sources: WarmStartSource[], excess: boolean) => {
    const snapshot = withSources(makeSnapshot(own), sources);
    const trial = makeSamplingTrial(own.length);
    const sampler = new TPESampler({ seed: 3, warmStartRankingExcess: excess });
    sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
    return (trial.notes["tpe:transferWeights"] as Record<string, number>).source!;
  };
  const trials = (xs: number[], f: (x: number) => number) => xs.map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [f(x)] }));

  it("drops a source that ranks the study's trials no better than the study's own model, which the share alone keeps at about half", () => {
    // Both the source and the study's own dense trials know the bowl: neither ranks the trials better.
    const f = (x: number) => (x - 0.5) ** 2;
    const own = trials(Array.from({ length: 24 }, (_, i) => (i + 0.5) / 24), f);
    const share = weightOf(own, [source("source", f, 40)], false);
    expect(share).toBeGreaterThan(0);
    expect(weightOf(own, [source("source", f, 40)], true)).toBeLessThan(share / 3);
  });

  it("keeps a source that ranks the study's trials better than the study's own model does", () => {
    const f = (x: number) => Math.sin(12 * x);
    const sparse = trials([0.05, 0.17, 0.3, 0.42, 0.55, 0.67, 0.8, 0.92], f);
    expect(weightOf(sparse, [source("source", f, 40)], true)).toBeGreaterThan(0);
  });
});

describe.each([
  ["tpe", () => new TPESampler({ seed: 3 })],
  ["gp", () => new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true })],
] as const)("warm-started %s on hand-made histories", (_, make) => {
  it("starts near the source's optimum instead of at random", () => {
    const near = source("near", (x) => (x - 0.8) ** 2);
    const proposals = Array.from({ length: 9 }, (_, k) => propose(make(), [], [near], k));
    expect(Math.abs(median(proposals) - 0.8)).toBeLessThan(0.1);
    const cold = Array.from({ length: 9 }, (_, k) => propose(make(), [], [], k));
    expect(Math.abs(median(cold) - 0.8)).toBeGreaterThan(Math.abs(median(proposals) - 0.8));
  });

  it("reads a maximized source as a loss", () => {
    const maximized = source("max", (x) => (x - 0.2) ** 2, 40, "maximize"); // values −(x−0.2)²: best at 0.2
    const proposals = Array.from({ length: 9 }, (_, k) => propose(make(), [], [maximized], k));
    expect(Math.abs(median(proposals) - 0.2)).toBeLessThan(0.1);
  });

  it("drops a source that orders the study's own trials the wrong way", () => {
    // The source says 0.9 is best; the study's own trials say 0.1 is.
    const misleading = source("wrong", (x) => (x - 0.9) ** 2);
    const own = [0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95, 0.6].map((x, i) =>
      makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [(x - 0.1) ** 2] }),
    );
    const proposals = Array.from({ length: 7 }, (_, k) => propose(make(), own, [misleading], 8 + k));
    expect(median(proposals)).toBeLessThan(0.4);
  });
});

describe("warm-started GP (design from the sources)", () => {
  const make = () => new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, warmStartMethod: "design" });
  const own = (xs: number[], f: (x: number) => number) => xs.map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [f(x)] }));

  it("tries the source's best trials first, every other startup trial", () => {
    const near = source("near", (x) => (x - 0.8) ** 2, 40);
    // Grid points 0.7875 and 0.8125 are the source's two best; trial 1 is a Sobol design point.
    expect(propose(make(), [], [near], 0)).toBeCloseTo(0.7875, 12);
    const first = own([0.7875], (x) => (x - 0.8) ** 2);
    expect(propose(make(), first, [near], 1)).not.toBeCloseTo(0.8125, 3);
    const second = own([0.7875, 0.3], (x) => (x - 0.8) ** 2);
    expect(propose(make(), second, [near], 2)).toBeCloseTo(0.8125, 12);
  });

  it("models the study alone once the startup is over, as a cold GP would", () => {
    const near = source("near", (x) => (x - 0.8) ** 2, 40);
    const history = own([0.7875, 0.3, 0.8125, 0.1, 0.5], (x) => (x - 0.75) ** 2);
    expect(propose(make(), history, [near], 5)).toBe(propose(make(), history, [], 5));
  });

  it("rejects an unknown warmStartMethod, naming the option", () => {
    expect(() => new GPSampler({ warmStartMethod: "stacked" as never })).toThrow(/warmStartMethod must be "design", "rgpe" or "stack"/);
    expect(() => new GPSampler({ stackVariance: "product" as never })).toThrow(/stackVariance must be "geometric", "scaled" or "sum"/);
    expect(() => new GPSampler({ stackAnchors: "sources" as never })).toThrow(/stackAnchors must be "study" or "all"/);
  });
});

describe("warm-started GP with stacked residual GPs (warmStartMethod: stack, the default)", () => {
  const make = () => new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true });
  const own = (xs: number[], f: (x: number) => number) => xs.map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [f(x)] }));
  /** The system attributes the sampler records for trial `number`. */
  const recorded = (sampler: GPSampler, history: FrozenTrial[], sources: WarmStartSource[], number: number) => {
    const snapshot = withSources(makeSnapshot(history), sources);
    const trial = makeSamplingTrial(number);
    const space = sampler.inferRelativeSpace(snapshot, trial);
    const params = sampler.sampleRelative(snapshot, trial, space);
    return { x: params.x as number, params, attrs: trial.systemAttrs };
  };

  it("keeps the design's startup: the source's best trial first, then a Sobol point", () => {
    const near = source("near", (x) => (x - 0.8) ** 2, 40);
    expect(propose(make(), [], [near], 0)).toBe(propose(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, warmStartMethod: "design" }), [], [near], 0));
    const first = own([0.7875], (x) => (x - 0.8) ** 2);
    expect(propose(make(), first, [near], 1)).toBe(propose(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, warmStartMethod: "design" }), first, [near], 1));
  });

  it("after the startup, searches where the source's mean is best though the study has not looked there, where the design GP does not", () => {
    // The source knows a narrow basin at 0.8 on a slope that falls towards 0; the study's five
    // trials, on the same function, saw only the slope.
    const f = (x: number) => Math.min(x, 0.6) + 10 * Math.min(0, Math.abs(x - 0.8) - 0.1);
    const sourceStudy = source("basin", f, 40);
    const history = own([0.05, 0.2, 0.4, 0.55, 0.3], f);
    const stacked = recorded(make(), history, [sourceStudy], 5);
    expect(Math.abs(stacked.x - 0.8)).toBeLessThan(0.1);
    expect(stacked.attrs["gp:stack"]).toMatchObject({ share: 5 / 45 });
    expect((stacked.attrs["gp:stack"] as { slope: number }).slope).toBeGreaterThan(0.5);
    const design = propose(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, warmStartMethod: "design" }), history, [sourceStudy], 5);
    expect(Math.abs(design - 0.8)).toBeGreaterThan(0.1);
    // Same seed, same history, same proposal.
    expect(recorded(make(), history, [sourceStudy], 5).x).toBe(stacked.x);
  });

  it("uses the stackVariance it is given: the same stacked mean, another uncertainty, another proposal", () => {
    const f = (x: number) => Math.min(x, 0.6) + 10 * Math.min(0, Math.abs(x - 0.8) - 0.1);
    const history = own([0.05, 0.2, 0.4, 0.55, 0.3], f);
    const geometric = recorded(make(), history, [source("basin", f, 40)], 5);
    const withVariance = (stackVariance: "sum" | "scaled") => recorded(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, stackVariance }), history, [source("basin", f, 40)], 5);
    for (const combine of ["sum", "scaled"] as const) {
      const other = withVariance(combine);
      expect(other.attrs["gp:stack"]).toEqual(geometric.attrs["gp:stack"]);
      expect(other.x).not.toBe(geometric.x);
      expect(withVariance(combine).x).toBe(other.x);
    }
  });

  it("starts its local search from this study's points alone (stackAnchors: study, the default), and from the sources' too under all, with the same stack", () => {
    // A narrow basin at (0.85, 0.85) that the source found and the study's six trials, on the same
    // slope, did not; with 8 candidates only a local search started inside the basin finds it.
    const Y: Distribution = { type: "float", low: 0, high: 1 };
    const g = (x: number, y: number) => (x + y) / 2 - (Math.hypot(x - 0.85, y - 0.85) < 0.12 ? 5 : 0);
    const trial2 = (number: number, x: number, y: number) => makeTrial({ number, state: "complete", params: { x, y }, distributions: { x: X, y: Y }, values: [g(x, y)] });
    const grid = Array.from({ length: 144 }, (_, i) => trial2(i, ((i % 12) + 0.5) / 12, (Math.floor(i / 12) + 0.5) / 12));
    const basin: WarmStartSource = { name: "basin", direction: "minimize", trials: grid, context: null };
    const history = [[0.1, 0.2], [0.3, 0.6], [0.5, 0.1], [0.7, 0.4], [0.2, 0.9], [0.45, 0.45]].map(([x, y], i) => trial2(i, x!, y!));
    const proposed = (stackAnchors?: "all") => {
      const { params, attrs } = recorded(new GPSampler({ seed: 3, nCandidates: 8, nRestarts: 2, warmStart: true, ...(stackAnchors ? { stackAnchors } : {}) }), history, [basin], 6);
      return { at: [params.x as number, params.y as number], attrs };
    };
    const all = proposed("all");
    const study = proposed();
    expect(study.attrs["gp:stack"]).toEqual(all.attrs["gp:stack"]);
    expect(Math.hypot(all.at[0]! - 0.85, all.at[1]! - 0.85)).toBeLessThan(0.12);
    expect(Math.hypot(study.at[0]! - 0.85, study.at[1]! - 0.85)).toBeGreaterThan(0.12);
    expect(proposed().at).toEqual(study.at);
  });

  it("takes cold steps once the study has gone stackPatience trials without a new best, and stacks again after one", () => {
    const f = (x: number) => Math.min(x, 0.6) + 10 * Math.min(0, Math.abs(x - 0.8) - 0.1);
    // The best of these five is the first: four trials since.
    const history = own([0.05, 0.2, 0.4, 0.55, 0.3], f);
    const patient = (stackPatience: number, trials: FrozenTrial[]) => recorded(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, stackPatience }), trials, [source("basin", f, 40)], trials.length);
    const out = patient(4, history);
    expect(out.attrs["gp:stack"]).toBeUndefined();
    expect(out.attrs["gp:exploration"]).toMatch(/no improvement in the last 4 trials/);
    expect(out.x).toBe(propose(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2 }), history, [], 5));
    // One trial short of the patience, and after a new best, the stack proposes as without it.
    expect(patient(5, history).x).toBe(recorded(make(), history, [source("basin", f, 40)], 5).x);
    const improved = [...history, ...own([0.02], f).map((t) => ({ ...t, number: 5 }))];
    expect(patient(4, improved).attrs["gp:stack"]).toBeDefined();
    expect(() => new GPSampler({ stackPatience: -1 })).toThrow(/stackPatience/);
  });

  it("stacks after a before-startup design too, as after the interleaved one", () => {
    const f = (x: number) => Math.min(x, 0.6) + 10 * Math.min(0, Math.abs(x - 0.8) - 0.1);
    const history = own([0.05, 0.2, 0.4, 0.55, 0.3], f);
    const before = recorded(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2, warmStart: true, warmStartDesign: "before-startup" }), history, [source("basin", f, 40)], 5);
    expect(before.attrs["gp:stack"]).toBeDefined();
    expect(before.x).toBe(recorded(make(), history, [source("basin", f, 40)], 5).x);
  });

  it("takes a cold GP's step while the study's results do not follow the source's mean, even with a positive slope", () => {
    // The source knows the study's basin at 0.3 (so it orders the better half of the study's trials
    // and MBTL keeps it) but is flat everywhere else: its mean follows the study's values too weakly
    // to stack on (the calibration's slope is about 0.5, the correlation not significant at n = 8).
    const nearOnly = source("near-only", (x) => (Math.abs(x - 0.3) < 0.2 ? (x - 0.3) ** 2 : 0.02), 40);
    const f = (x: number) => (x - 0.3) ** 2;
    const history = own([0.05, 0.9, 0.45, 0.7, 0.2, 0.6, 0.35, 0.8], f);
    const { x, attrs } = recorded(make(), history, [nearOnly], 8);
    expect(attrs["gp:stack"]).toBeUndefined();
    expect(x).toBe(propose(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2 }), history, [], 8));
  });

  it("leaves the source out once the study's results run against it, and models the study as a cold GP would", () => {
    const misleading = source("wrong", (x) => (x - 0.9) ** 2);
    const history = own([0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95, 0.6], (x) => (x - 0.1) ** 2);
    const { x, attrs } = recorded(make(), history, [misleading], 8);
    expect(attrs["gp:stack"]).toBeUndefined();
    expect(x).toBe(propose(new GPSampler({ seed: 3, nCandidates: 128, nRestarts: 2 }), history, [], 8));
  });
});

describe("warm-started TPE with an initial design from the sources (warmStartMethod: design)", () => {
  const make = (options: ConstructorParameters<typeof TPESampler>[0] = {}) => new TPESampler({ seed: 3, warmStartMethod: "design", warmStartWeight: 0, ...options });
  const own = (xs: number[], f: (x: number) => number) => xs.map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [f(x)] }));
  const f = (x: number) => (x - 0.79) ** 2;

  it("proposes the source's best configurations not yet tried, best first, every other startup trial", () => {
    const near = source("near", f, 40); // grid (i + 0.5) / 40: 0.7875 and 0.8125 are the best two, then 0.7625
    expect(propose(make(), [], [near], 0)).toBe(0.7875);
    // Trial 1 is random: not a source configuration.
    const one = propose(make(), own([0.7875], f), [near], 1);
    expect(near.trials.some((t) => t.params.x === one)).toBe(false);
    expect(propose(make(), own([0.7875, 0.3], f), [near], 2)).toBe(0.8125);
    // A configuration already tried (here by trial 1) is skipped, whatever its state.
    const tried = [...own([0.7875], f), makeTrial({ number: 1, state: "running", params: { x: 0.8125 }, distributions: { x: X } })];
    expect(propose(make(), tried, [near], 2)).toBe(0.7625);
  });

  it("takes the sources in turn, the nearest by context first, and records which configuration it copied", () => {
    const a = { ...source("a", (x) => (x - 0.19) ** 2, 40), context: [3] };
    const b = { ...source("b", f, 40), context: [1] };
    const snapshot = (trials: FrozenTrial[]) => ({ ...withSources(makeSnapshot(trials), [a, b]), userAttrs: { context: [1] } });
    const first = makeSamplingTrial(0);
    const sampler = make();
    const space = sampler.inferRelativeSpace(snapshot([]), first);
    expect(sampler.sampleRelative(snapshot([]), first, space).x).toBe(0.7875); // b is nearer
    expect(first.notes["tpe:warmStartDesign"]).toEqual({ source: "b", trial: 31 });
    const second = makeSamplingTrial(2);
    expect(make().sampleRelative(snapshot(own([0.7875, 0.5], f)), second, space).x).toBe(0.1875);
    expect(second.notes["tpe:warmStartDesign"]).toEqual({ source: "a", trial: 7 });
  });

  it("models only the study's own trials after the startup when warmStartWeight is 0, with a weak prior otherwise", () => {
    const g = (x: number) => (x - 0.49) ** 2;
    const near = source("near", g, 40);
    const history = own([0.4875, 0.3, 0.5125, 0.1, 0.4625, 0.7, 0.5375, 0.9, 0.4375, 0.05, 0.6], g);
    expect(propose(make(), history, [near], 11)).toBe(propose(make(), history, [], 11));
    const snapshot = withSources(makeSnapshot(history), [near]);
    const trial = makeSamplingTrial(11);
    const weak = make({ warmStartWeight: 5, warmStartRanking: false });
    weak.sampleRelative(snapshot, trial, weak.inferRelativeSpace(snapshot, trial));
    expect((trial.notes["tpe:transferWeights"] as Record<string, number>).near).toBeGreaterThan(0);
  });

  it("gives the same suggestions for the same seed and history, and rejects an unknown method by name", () => {
    const near = source("near", f, 40);
    const history = own([0.7875, 0.3, 0.8125, 0.1, 0.7625, 0.5, 0.8375, 0.9, 0.7375, 0.05, 0.6, 0.2], f);
    for (const number of [1, 3, 12]) expect(propose(make(), history.slice(0, number), [near], number)).toBe(propose(make(), history.slice(0, number), [near], number));
    expect(() => new TPESampler({ warmStartMethod: "stack" as never })).toThrow(/warmStartMethod must be "prior" or "design"/);
  });
});

describe("task similarity by the overlap of promising domains (Watanabe et al. 2023)", () => {
  const line = [{ categorical: false, cells: Infinity }];
  /** Observations of a 1-D task on a grid with loss f(x). */
  const task = (f: (x: number) => number, count = 40) => {
    const points = Array.from({ length: count }, (_, i) => Float64Array.of((i + 0.5) / count));
    return { points, losses: points.map((p) => f(p[0]!)) };
  };

  it("is 1 for the same task, large for a copy shifted less than its good region, near 0 for good regions apart", () => {
    const bowl = task((x) => (x - 0.5) ** 2);
    expect(promisingOverlap(bowl, bowl, line, 0.15, new Rng(1))).toBe(1);
    const shifted = promisingOverlap(bowl, task((x) => (x - 0.53) ** 2), line, 0.15, new Rng(1));
    expect(shifted).toBeGreaterThan(0.6);
    const apart = promisingOverlap(bowl, task((x) => (x - 0.1) ** 2), line, 0.15, new Rng(1));
    expect(apart).toBeLessThan(0.05);
    // A few trials of the study are enough: its best one alone marks its good region.
    const few = { points: [0.2, 0.52, 0.8, 0.95].map((x) => Float64Array.of(x)), losses: [0.09, 0, 0.09, 0.2] };
    expect(promisingOverlap(few, bowl, line, 0.15, new Rng(1))).toBeGreaterThan(promisingOverlap(few, task((x) => (x - 0.1) ** 2), line, 0.15, new Rng(1)));
  });

  it("compares categorical coordinates by choice, and gives the same value for the same draws", () => {
    const grid = [{ categorical: true, cells: 3 }];
    const at = (best: number) => ({ points: [0, 1, 2].map((c) => Float64Array.of(c)), losses: [0, 1, 2].map((c) => (c === best ? 0 : 1)) });
    expect(promisingOverlap(at(1), at(1), grid, 0.34, new Rng(2))).toBe(1);
    expect(promisingOverlap(at(1), at(2), grid, 0.34, new Rng(2))).toBe(0);
    const a = task((x) => Math.sin(9 * x));
    const b = task((x) => Math.sin(9 * x + 0.4));
    expect(promisingOverlap(a, b, line, 0.15, new Rng(5))).toBe(promisingOverlap(a, b, line, 0.15, new Rng(5)));
  });

  it("is used as a source's transfer estimate in place of the ranking agreement when given", () => {
    expect(transferWeights([{ concordance: 0.1, similarity: 0.6, contextDistance: null }, { concordance: 0.9, similarity: 0.2, contextDistance: null }], 2)).toEqual([0.3, 0.1]);
  });
});

describe("warm-started TPE judging sources on the study's sixth trial (warmStartSimilarity)", () => {
  const trials = (xs: number[], f: (x: number) => number) => xs.map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [f(x)] }));
  const weightOf = (own: FrozenTrial[], sources: WarmStartSource[], similarity?: "ranking" | "better-half" | "overlap") => {
    const snapshot = withSources(makeSnapshot(own), sources);
    const trial = makeSamplingTrial(own.length);
    const sampler = new TPESampler({ seed: 3, ...(similarity ? { warmStartSimilarity: similarity } : {}), warmStartRanking: false });
    sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
    return Object.values(trial.notes["tpe:transferWeights"] as Record<string, number>)[0]!;
  };
  // The study's optimum is at 0.53; its better trials sit around it and are ordered differently by a
  // source whose optimum is at 0.5, which the ranking test then drops after six trials.
  const f = (x: number) => (x - 0.53) ** 2;
  const own = trials([0.52, 0.1, 0.555, 0.85, 0.5, 0.3], f);

  it("keeps a shifted source that orders the study's trials well, though not its best three, which the better half alone drops", () => {
    const shifted = source("shifted", (x) => (x - 0.5) ** 2, 40);
    expect(weightOf(own, [shifted], "better-half")).toBe(0);
    expect(weightOf(own, [shifted])).toBeGreaterThan(1); // the default, "ranking", judges all six
    expect(weightOf(own, [shifted], "overlap")).toBeGreaterThan(5);
  });

  it("drops a source whose good region is where the study's trials are worst, and gives little weight to one elsewhere", () => {
    // The study's three trials nearest 0.1 (where the source points) are its worst.
    const misleading = source("misleading", (x) => (x - 0.1) ** 2, 40);
    const guidedBadly = trials([0.12, 0.6, 0.08, 0.45, 0.1, 0.7], (x) => (x - 0.55) ** 2);
    expect(weightOf(guidedBadly, [misleading])).toBe(0);
    expect(weightOf(own, [misleading], "overlap")).toBeLessThan(1);
    expect(() => new TPESampler({ warmStartSimilarity: "cosine" as never })).toThrow(/warmStartSimilarity must be "ranking", "better-half" or "overlap"/);
  });
});

describe("warm-started TPE's decaying prior", () => {
  it("lets the study's own trials take over as they accumulate", () => {
    // The source (best at 0.65) orders the study's trials well enough to be kept by the MBTL-style
    // test alone, but its optimum is off (0.55); ranking weights, which would drop it, are off.
    const shifted = source("shifted", (x) => (x - 0.65) ** 2, 60);
    const history = Array.from({ length: 30 }, (_, i) => (i + 0.5) / 30).map((x, i) =>
      makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [(x - 0.55) ** 2] }),
    );
    const proposals = (halfLife: number) =>
      Array.from({ length: 15 }, (_, k) => propose(new TPESampler({ seed: 5 + k, warmStartWeight: 400, warmStartHalfLife: halfLife, warmStartRanking: false }), history, [shifted], 30));
    const lasting = median(proposals(Infinity));
    const fading = median(proposals(1));
    expect(Math.abs(fading - 0.55)).toBeLessThan(Math.abs(lasting - 0.55));
    expect(() => new TPESampler({ warmStartHalfLife: 0 })).toThrow(/warmStartHalfLife must be a positive number/);
  });
});

describe("warm-started TPE with source-weighted bandwidths (warmStartBandwidths: weighted)", () => {
  // The default sampler's kernel options (Watanabe's: neighbour bandwidths, floor 0.03).
  const kernels = (new TPESampler({ seed: 1 }) as unknown as { parzen: ParzenOptions }).parzen;
  const dimensions = [makeDimension(X)];
  // Two own points, then a source cluster of five points around the first one.
  const own = [0.2, 0.6];
  const pooled = Float64Array.from([...own, 0.18, 0.19, 0.21, 0.22, 0.23]);
  const ownBandwidths = neighbourBandwidths(dimensions, Float64Array.from(own), own.length, kernels);
  const withSourceWeight = (w: number) => sourceWeightedBandwidths(dimensions, { observations: pooled, weights: Float64Array.from([1, 1, w, w, w, w, w]), count: 7 }, 2, ownBandwidths, kernels);

  it("keeps the study's own kernels at their own gaps while a source weighs nothing, and moves them to the pooled gaps as it weighs more", () => {
    const all = neighbourBandwidths(dimensions, pooled, 7, kernels);
    expect(all[0]).toBeLessThan(ownBandwidths[0]! / 4); // the cluster narrows the own kernel at 0.2
    expect(Array.from(withSourceWeight(0).subarray(0, 2))).toEqual(Array.from(ownBandwidths));
    // Source kernels keep their pooled gaps at any weight.
    expect(Array.from(withSourceWeight(0.5).subarray(2))).toEqual(Array.from(all.subarray(2)));
    // Geometric mean by the sources' share of the weight: 2.5 / 4.5 of it here.
    const share = 2.5 / 4.5;
    expect(withSourceWeight(0.5)[0]).toBeCloseTo(ownBandwidths[0]! ** (1 - share) * all[0]! ** share, 12);
    const narrowing = [0, 0.1, 1, 10, 1000].map((w) => withSourceWeight(w)[0]!);
    for (let i = 1; i < narrowing.length; i++) expect(narrowing[i]).toBeLessThan(narrowing[i - 1]!);
    expect(narrowing.at(-1)).toBeCloseTo(all[0]!, 3);
  });

  it("proposes what a cold study proposes once a source's weight has faded, where pooled bandwidths keep the source's cluster narrowing the study's kernels", () => {
    // The study's own trials are spread out, 0.05 apart, the best at 0.3; the source is a dense
    // cluster of 40 trials around 0.3, whose best lie on both sides of the study's best.
    const history = Array.from({ length: 20 }, (_, i) => i / 20).map((x, i) =>
      makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [(x - 0.3) ** 2] }),
    );
    const clustered = source("cluster", (u) => (0.25 + 0.1 * u - 0.3) ** 2, 40);
    clustered.trials.forEach((t, i) => ((t.params as Record<string, number>).x = 0.25 + (0.1 * (i + 0.5)) / 40));
    let pooledDiffers = 0;
    for (let seed = 0; seed < 10; seed++) {
      const faded = { seed, warmStartWeight: 1e-9, warmStartRanking: false };
      const cold = propose(new TPESampler({ seed }), history, [], 20);
      expect(propose(new TPESampler({ ...faded, warmStartBandwidths: "weighted" }), history, [clustered], 20)).toBeCloseTo(cold, 9);
      if (Math.abs(propose(new TPESampler(faded), history, [clustered], 20) - cold) > 1e-6) pooledDiffers++;
    }
    expect(pooledDiffers).toBeGreaterThan(5);
    expect(() => new TPESampler({ warmStartBandwidths: "own" as never })).toThrow(/warmStartBandwidths must be "pooled" or "weighted"/);
  });
});

describe("warm-started TPE whose guided trials count by the study's own share (warmStartGuidedWeight: own-share)", () => {
  const near = source("near", (x) => (x - 0.8) ** 2);
  // Twelve trials of its own: the even ones a source guided (recorded weight W in l(x)), near its
  // optimum 0.8 and the best; the odd ones random and worse.
  const recorded = (i: number) => (i % 2 === 0 ? 20 / (1 + i) : 0);
  const own = Array.from({ length: 12 }, (_, i) =>
    makeTrial({
      number: i,
      state: "complete",
      params: { x: i % 2 === 0 ? 0.78 + i / 500 : i / 12 },
      distributions: { x: X },
      values: [i % 2 === 0 ? (0.78 + i / 500 - 0.8) ** 2 : (i / 12 - 0.8) ** 2 + 0.05],
      systemAttrs: { "tpe:transferWeights": { near: recorded(i) } },
    }),
  );
  /** Per density (below, then above), each observation's x and weight as the sampler built it. */
  const densities = (options: ConstructorParameters<typeof TPESampler>[0], sources: WarmStartSource[]) => {
    const build = vi.spyOn(MultivariateParzen.prototype, "build");
    try {
      // warmStartWeight 0: no source kernels join, so the densities hold the study's own trials only.
      propose(new TPESampler({ seed: 3, warmStartWeight: 0, ...options }), own, sources, 12);
      return build.mock.calls.map(([, observations, weights, count]) => Array.from({ length: count }, (_, j) => ({ x: observations[j]!, weight: weights[j]! })));
    } finally {
      build.mockRestore();
    }
  };

  it("multiplies a guided trial's weight in l(x) and g(x) by B / (B + W), B = ⌈0.15 n⌉ + 1 for the n trials before it", () => {
    const full = densities({}, [near]);
    const shared = densities({ warmStartGuidedWeight: "own-share" }, [near]);
    expect(full).toHaveLength(2);
    expect(shared.map((density) => density.map(({ x }) => x))).toEqual(full.map((density) => density.map(({ x }) => x)));
    let guided = 0;
    full.forEach((density, which) =>
      density.forEach(({ x, weight }, j) => {
        const i = own.findIndex((trial) => trial.params.x === x);
        const W = recorded(i);
        const B = Math.ceil(0.15 * i) + 1;
        const expected = W > 0 ? B / (B + W) : 1;
        if (W > 0) guided++;
        expect(shared[which]![j]!.weight).toBeCloseTo(weight * expected, 12);
      }),
    );
    expect(guided).toBe(6);
    // The best trial (number 10, x = 0.8, W = 20 / 11, B = 3) weighs 3 / (3 + 20 / 11) of what it did in l(x).
    const best = (density: { x: number; weight: number }[]) => density.find(({ x }) => x === 0.8)!.weight;
    expect(best(shared[0]!) / best(full[0]!)).toBeCloseTo(3 / (3 + 20 / 11), 12);
  });

  it("leaves the weights alone without sources, and by default", () => {
    const cold = densities({}, []);
    expect(densities({ warmStartGuidedWeight: "own-share" }, [])).toEqual(cold);
    expect(densities({ warmStartGuidedWeight: "full" }, [near])).toEqual(densities({}, [near]));
    expect(() => new TPESampler({ warmStartGuidedWeight: "half" as never })).toThrow(/warmStartGuidedWeight must be "full" or "own-share"/);
  });
});

describe("warm-started TPE that keeps its random startup", () => {
  it("does not count guided trials toward the startup, so it still samples at random", () => {
    const near = source("near", (x) => (x - 0.8) ** 2);
    // Ten trials of its own: the even ones were guided by the source (positive recorded weight).
    const own = Array.from({ length: 10 }, (_, i) =>
      makeTrial({
        number: i,
        state: "complete",
        params: { x: i % 2 === 0 ? 0.8 : i / 10 },
        distributions: { x: X },
        values: [i % 2 === 0 ? 0 : (i / 10 - 0.8) ** 2],
        systemAttrs: i % 2 === 0 ? { "tpe:transferWeights": { near: 5 } } : { "tpe:transferWeights": { near: 0 } },
      }),
    );
    const random = propose(new TPESampler({ seed: 3 }), [], [], 11);
    expect(propose(new TPESampler({ seed: 3, warmStartKeepsStartup: true }), own, [near], 11)).toBe(random);
    // Counting them, the startup is over and the model proposes instead.
    expect(propose(new TPESampler({ seed: 3 }), own, [near], 11)).not.toBe(random);
  });
});

describe("GP warm-start design", () => {
  it("puts the sources' points between Sobol points, or first with before-startup and then a cold study's whole startup", () => {
    const near = source("s", (x) => (x - 0.81) ** 2);
    const ranked = [...near.trials].sort((a, b) => a.values![0]! - b.values![0]!).map((t) => t.params.x as number);
    const own = (xs: number[]) => xs.map((x, i) => makeTrial({ number: i, state: "complete", params: { x }, distributions: { x: X }, values: [(x - 0.81) ** 2] }));
    const cold = (number: number, history: number[]) => propose(new GPSampler({ seed: 1 }), own(history), [], number);
    // d = 1: a startup of 3 points.
    const interleaved = (number: number, history: number[]) => propose(new GPSampler({ seed: 1, warmStart: true }), own(history), [near], number);
    expect(interleaved(0, [])).toBeCloseTo(ranked[0]!, 12);
    expect(interleaved(1, [ranked[0]!])).toBe(cold(1, [0.5]));
    const before = (number: number, history: number[]) => propose(new GPSampler({ seed: 1, warmStart: true, warmStartDesign: "before-startup" }), own(history), [near], number);
    expect(before(0, [])).toBeCloseTo(ranked[0]!, 12);
    expect(before(1, [ranked[0]!])).toBeCloseTo(ranked[1]!, 12);
    // Then the cold study's Sobol points from its first one, three of them (a cold study's trial
    // 0 has no space to sample jointly yet: with one trial of history it takes Sobol point 0).
    expect(before(2, ranked.slice(0, 2))).toBe(cold(0, [0.5]));
    expect(before(4, [...ranked.slice(0, 2), 0.1, 0.2])).toBe(cold(2, [0.1, 0.2]));
    expect(() => new GPSampler({ warmStartDesign: "middle" as never })).toThrow(/warmStartDesign must be "interleaved" or "before-startup"/);
  });
});

describe("auto sampler", () => {
  it("gives a warm-started numeric study the GP with its warm start, and TPE where the GP's warm start does not apply", async () => {
    const { AutoSampler } = await import("./auto.js");
    const auto = new AutoSampler({ seed: 1 });
    const near = source("s", (x) => (x - 0.81) ** 2);
    // Before any trial of its own, the sources' trials say the space is numeric: the GP.
    const first = auto.decide(withSources(makeSnapshot([]), [near]));
    expect(first.name).toBe("gp");
    expect(first.reason).toMatch(/^warm-started, 1-D numeric space/);
    expect(auto.decide(makeSnapshot([])).reason).toMatch(/^no complete trials yet/);
    // It is the warm GP: its first proposal is the source's best configuration (the design), where
    // the cold GP's would be the first point of its quasi-random start.
    const best = near.trials.reduce((a, b) => (a.values![0]! < b.values![0]! ? a : b)).params.x as number;
    expect(propose(new AutoSampler({ seed: 1 }), [], [near], 0)).toBeCloseTo(best, 12);
    expect(propose(new AutoSampler({ seed: 1 }), [], [], 0)).not.toBeCloseTo(best, 6);
    // Mostly categorical sources, a conditional space, several objectives, past gpMaxTrials: TPE.
    const C: Distribution = { type: "categorical", choices: ["a", "b", "c"] };
    const categorical: WarmStartSource = {
      name: "c",
      direction: "minimize",
      context: null,
      trials: Array.from({ length: 6 }, (_, i) => makeTrial({ number: i, state: "complete", params: { x: i / 6, c: "abc"[i % 3]!, k: "abc"[(i + 1) % 3]! }, distributions: { x: X, c: C, k: C }, values: [i] })),
    };
    expect(auto.decide(withSources(makeSnapshot([]), [categorical])).name).toBe("tpe");
    const conditional = [0, 1, 2].map((i) => makeTrial({ number: i, state: "complete", params: i === 0 ? { x: 0.1, y: 0.2 } : { x: 0.3 * i }, distributions: i === 0 ? { x: X, y: X } : { x: X }, values: [i] }));
    expect(auto.decide(withSources(makeSnapshot(conditional), [near])).reason).toMatch(/^warm-started, conditional space: TPE/);
    expect(auto.decide({ ...withSources(makeSnapshot([]), [near]), directions: ["minimize", "minimize"] }).name).toBe("tpe");
    const own = Array.from({ length: 5 }, (_, i) => makeTrial({ number: i, state: "complete", params: { x: i / 5 }, distributions: { x: X }, values: [i] }));
    expect(new AutoSampler({ seed: 1, gpMaxTrials: 5 }).decide(withSources(makeSnapshot(own), [near])).name).toBe("tpe");
    expect(new AutoSampler({ seed: 1, gpMaxTrials: 6 }).decide(withSources(makeSnapshot(own), [near])).name).toBe("gp");
  });
});

describe("RGPE weights", () => {
  /** A 1-D GP of `f` at `count` evenly spaced points of [0, 1], its values standardized, with the given lengthscale. */
  const fittedModel = (f: (x: number) => number, count: number, lengthscale: number) => {
    const xs = Array.from({ length: count }, (_, i) => i / (count - 1));
    const ys = xs.map(f);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sd = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length);
    const theta = Float64Array.from([Math.log(lengthscale), 0, Math.log(1e-4)]);
    return new GaussianProcess({ x: Float64Array.from(xs), y: Float64Array.from(ys, (v) => (v - mean) / sd), n: xs.length, d: 1, categorical: new Uint8Array(1) }, parametersFromTheta(theta, 1));
  };

  it("give most weight to the source that ranks the target's observations", () => {
    const model = (f: (x: number) => number) => fittedModel(f, 12, 0.3);
    const good = model((x) => (x - 0.3) ** 2);
    const bad = model((x) => -((x - 0.3) ** 2));
    const points = [0.05, 0.2, 0.35, 0.6, 0.9].map((x) => Float64Array.of(x));
    const raw = points.map((p) => (p[0]! - 0.3) ** 2 + 0.1);
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    const y = Float64Array.from(raw, (v) => v - mean);
    const target = model((x) => (x - 0.3) ** 2 + 0.1);
    const weights = rgpeWeights([good, bad], target, points, y, new Rng(1));
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(weights[0]!).toBeGreaterThan(0.3);
    expect(weights[1]!).toBe(0);
  });

  it("judge a source on every pair of observations, as the paper's ranking loss does", () => {
    // The source orders the target's better half right but puts its worst points first: counting
    // only the better half's pairs (a departure it once had) gave it nearly all the weight.
    const model = (f: (x: number) => number) => fittedModel(f, 21, 0.1);
    const misleading = model((x) => (x <= 0.5 ? x : -x));
    const points = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95].map((x) => Float64Array.of(x));
    const y = Float64Array.from(points, (p) => p[0]! - 0.5);
    const target = model((x) => x - 0.5);
    const weights = rgpeWeights([misleading], target, points, y, new Rng(3));
    expect(weights[0]!).toBeLessThan(0.05);
    expect(weights[1]!).toBeGreaterThan(0.95);
  });
});

describe("createStudy({ warmStartFrom })", () => {
  it("learns from the source without counting its trials, and notes parameters it cannot use", async () => {
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.7) ** 2 + t.suggestInt("depth", 1, 4) * 0, { nTrials: 40 });
    const warnings: string[] = [];
    const study = await createStudy({ name: "later", storage, sampler: new TPESampler({ seed: 2 }), warmStartFrom: ["earlier"], onWarning: (m) => warnings.push(m) });
    const firsts: number[] = [];
    await study.optimize(
      (t) => {
        const x = t.suggestFloat("x", 0, 1);
        firsts.push(x);
        return (x - 0.7) ** 2;
      },
      { nTrials: 5 },
    );
    expect(study.trials).toHaveLength(5);
    // Trials 0, 2, 4 follow the source; during what would be the random startup, odd ones stay random.
    expect(Math.abs(median(firsts.filter((_, i) => i % 2 === 0)) - 0.7)).toBeLessThan(0.15);
    expect(warnings).toEqual(['warm start from "earlier": ignoring parameter(s) "depth" (not a parameter of this study)']);
    await expect(createStudy({ name: "x", storage, sampler: new TPESampler(), warmStartFrom: ["missing"] })).rejects.toThrow('warmStartFrom: no study named "missing"');
    // A string was read as one name per letter: 'no study named "e"', or accepted if such studies existed.
    await expect(createStudy({ name: "x", storage, sampler: new TPESampler(), warmStartFrom: "earlier" as never })).rejects.toThrow(
      'warmStartFrom must be an array of study names such as ["earlier-study"], got "earlier"',
    );
    expect(await storage.getStudy("x")).toBeNull();
  });

  it("says that a source goes unused when none of its trials has every parameter of the study, instead of that one parameter is ignored", async () => {
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.3) ** 2 + (t.suggestInt("y", 0, 5) - 1) ** 2, { nTrials: 20 });
    const warnedFor = async (name: string, sampler: Sampler, objective: (t: Trial) => number) => {
      const warnings: string[] = [];
      const study = await createStudy({ name, storage, sampler, warmStartFrom: ["earlier"], onWarning: (m) => void warnings.push(m) });
      await study.optimize(objective, { nTrials: 8 });
      return { warnings, study };
    };
    // A parameter the source never had: both samplers drop the source after the first trial.
    const added = await warnedFor("added", new TPESampler({ seed: 1 }), (t) => t.suggestFloat("x", 0, 1) + t.suggestInt("y", 0, 5) + t.suggestFloat("w", 0, 1));
    expect(added.warnings).toEqual([
      'warm start from "earlier": the sampler learns only from source trials with a value in this study\'s range for every parameter of this study, ' +
        'and none of its 20 has one ("w" is not a parameter of "earlier"), so it goes unused as long as every trial of this study has them',
    ]);
    for (const trial of added.study.trials.slice(2)) expect(trial.systemAttrs["tpe:transferWeights"] ?? { earlier: 0 }).toEqual({ earlier: 0 });
    // A range that moved past every source value: the GP, too, drops the source, and the note says why.
    const moved = await warnedFor("moved", new GPSampler({ seed: 1, warmStart: true }), (t) => t.suggestFloat("x", 0, 1) + t.suggestFloat("y", 10, 20));
    expect(moved.warnings).toEqual([
      'warm start from "earlier": the sampler learns only from source trials with a value in this study\'s range for every parameter of this study, ' +
        'and none of its 20 has one ("y" is {"type":"int","low":0,"high":5} there, {"type":"float","low":10,"high":20} here, and none of its values lies here), so it goes unused as long as every trial of this study has them',
    ]);
    for (const trial of moved.study.trials.slice(1)) expect(trial.systemAttrs["gp:transferWeights"]).toBeUndefined();
    // An int that became a float of the same range: every source value is one this study could suggest, so the GP learns from all of them.
    const changed = await warnedFor("changed", new GPSampler({ seed: 1, warmStart: true }), (t) => t.suggestFloat("x", 0, 1) + t.suggestFloat("y", 0, 5));
    expect(changed.warnings).toEqual([
      'warm start from "earlier": "y" is {"type":"int","low":0,"high":5} there, {"type":"float","low":0,"high":5} here: learning from the 20 of its 20 trials whose values lie in this study\'s ranges',
    ]);
    expect(changed.study.trials.slice(1).some((trial) => trial.systemAttrs["gp:transferWeights"] !== undefined)).toBe(true);
    // A parameter only the source has is ignored, and the source still used.
    const dropped = await warnedFor("dropped", new TPESampler({ seed: 1 }), (t) => t.suggestFloat("x", 0, 1));
    expect(dropped.warnings).toEqual(['warm start from "earlier": ignoring parameter(s) "y" (not a parameter of this study)']);
    expect(dropped.study.trials[2]!.systemAttrs["tpe:transferWeights"]).toEqual({ earlier: expect.any(Number) });
    expect((dropped.study.trials[2]!.systemAttrs["tpe:transferWeights"] as { earlier: number }).earlier).toBeGreaterThan(0);
  });

  // Minimize x² + y² subject to x + y >= 1: the lowest values are all infeasible. A random source of 30 trials, and a warm GP study.
  const constrainedPair = async () => {
    const storage = new MemoryStorage();
    const objective = (t: Trial) => t.suggestFloat("x", 0, 1) ** 2 + t.suggestFloat("y", 0, 1) ** 2;
    const constraints = (t: FrozenTrial) => [1 - (t.params.x as number) - (t.params.y as number)];
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 3 }), constraints });
    await earlier.optimize(objective, { nTrials: 30 });
    const later = await createStudy({ name: "later", storage, sampler: new GPSampler({ seed: 1, warmStart: true }), warmStartFrom: ["earlier"], constraints });
    return { objective, earlier, later };
  };

  it("learns from a constrained source's feasible trials only, so the GP's first trial is its best feasible one", async () => {
    const { objective, earlier, later } = await constrainedPair();
    const infeasible = earlier.trials.filter((t) => (t.systemAttrs.constraints as number[])[0]! > 0);
    expect(Math.min(...infeasible.map((t) => t.values![0]!))).toBeLessThan(earlier.bestValue!);
    expect(later.warmStart[0]!.trials.map((t) => t.number)).toEqual(earlier.trials.filter((t) => !infeasible.includes(t)).map((t) => t.number));
    await later.optimize(objective, { nTrials: 1 });
    // It replayed the infeasible (0.02, 0.05), the source's lowest value.
    expect(later.trials[0]!.params).toEqual(earlier.bestTrial!.params);
    // A source with no feasible trial is said to have none, not to have no complete trials.
    const storage = later.storage;
    const hopeless = await createStudy({ name: "hopeless", storage, sampler: new RandomSampler({ seed: 1 }), constraints: () => [1] });
    await hopeless.optimize(objective, { nTrials: 3 });
    const warnings: string[] = [];
    const after = await createStudy({ name: "after", storage, sampler: new TPESampler({ seed: 1 }), warmStartFrom: ["hopeless"], onWarning: (m) => void warnings.push(m) });
    await after.optimize(objective, { nTrials: 1 });
    expect(warnings).toEqual(['warm start: study "hopeless" has no feasible complete trials to learn from (its 3 complete trial(s) break its constraints)']);
  });

  it("counts a constrained source's feasible trials as such when this study's ranges differ from its own", async () => {
    // x ≤ 0.5 is feasible: 8 of the 20 trials of seed 3.
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 3 }), constraints: (t) => [(t.params.x as number) - 0.5] });
    await earlier.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.7) ** 2, { nTrials: 20 });
    const feasible = earlier.trials.filter((t) => (t.params.x as number) <= 0.5);
    expect(feasible).toHaveLength(8);
    const warned = async (name: string, low: number, high: number) => {
      const warnings: string[] = [];
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 1 }), warmStartFrom: ["earlier"], onWarning: (m) => void warnings.push(m) });
      await study.optimize((t) => t.suggestFloat("x", low, high), { nTrials: 1 });
      return warnings;
    };
    // "of its 8 trials", "none of its values lies here" of a study of 20, whose infeasible ones lie there.
    expect(await warned("wider", 0, 2)).toEqual([
      'warm start from "earlier": "x" is {"type":"float","low":0,"high":1} there, {"type":"float","low":0,"high":2} here: ' +
        "learning from the 8 of its 8 feasible trials whose values lie in this study's ranges (its other 12 complete trial(s) break its constraints)",
    ]);
    expect(await warned("moved", 0.6, 1)).toEqual([
      'warm start from "earlier": the sampler learns only from source trials with a value in this study\'s range for every parameter of this study, ' +
        'and none of its 8 feasible trials has one ("x" is {"type":"float","low":0,"high":1} there, {"type":"float","low":0.6,"high":1} here, and none of its feasible values lies here; ' +
        "its other 12 complete trial(s) break its constraints), so it goes unused as long as every trial of this study has them",
    ]);
  });

  it("keeps the warm GP's stack steps on the feasible side of the study's constraints, as the cold GP's", async () => {
    const { objective, later } = await constrainedPair();
    await later.optimize(objective, { nTrials: 12 });
    const stacked = later.trials.filter((t) => t.systemAttrs["gp:stack"] !== undefined);
    expect(stacked.length).toBeGreaterThanOrEqual(5);
    // The stack's EI ignored the constraints and took an infeasible incumbent: every stacked trial was infeasible.
    expect(stacked.filter((t) => (t.systemAttrs.constraints as number[])[0]! <= 0).length).toBeGreaterThanOrEqual(stacked.length - 2);
  });

  it("runs the source's best trial with its categorical choice under the warm GP, and then not again", async () => {
    const storage = new MemoryStorage();
    const objective = (t: { suggestFloat: (n: string, l: number, h: number) => number; suggestCategorical: (n: string, c: string[]) => string }) =>
      (t.suggestFloat("x", 0, 1) - 0.3) ** 2 + (t.suggestCategorical("c", ["a", "b", "c"]) === "b" ? 0 : 0.5);
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 2 }) });
    await earlier.optimize(objective, { nTrials: 12 });
    const best = earlier.bestTrial!;
    expect(best.params.c).toBe("b"); // the middle choice: index 1, which decode() of the unit interval reads as "c"
    const later = await createStudy({ name: "later", storage, sampler: new GPSampler({ seed: 1, warmStart: true }), warmStartFrom: ["earlier"] });
    await later.optimize(objective, { nTrials: 3 });
    // It used to run x of the best trial with c = "c", and the same point again at trial 2.
    expect(later.trials[0]!.params).toEqual(best.params);
    expect(later.trials[0]!.values).toEqual(best.values);
    expect(later.trials[2]!.params).not.toEqual(best.params);
  });

  it("keeps the sources on the study, so a resumed run and every worker learn from them too", async () => {
    const storage = new MemoryStorage();
    for (const name of ["a", "b"]) {
      const earlier = await createStudy({ name, storage, sampler: new RandomSampler({ seed: 1 }) });
      await earlier.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
    }
    const first = await createStudy({ name: "later", storage, sampler: new TPESampler({ seed: 1 }), warmStartFrom: ["a", "b", "a"] });
    expect(first.warmStart.map((s) => s.name)).toEqual(["a", "b"]);
    expect(first.systemAttrs.warmStartFrom).toEqual(["a", "b"]);
    // Before, a study loaded without naming its sources ran cold.
    const worker = await loadStudy({ name: "later", storage, sampler: new TPESampler({ seed: 2 }) });
    expect(worker.warmStart.map((s) => s.name)).toEqual(["a", "b"]);
    const resumed = await createStudy({ name: "later", storage, sampler: new TPESampler({ seed: 3 }), loadIfExists: true });
    expect(resumed.warmStart.map((s) => s.name)).toEqual(["a", "b"]);
    // Other sources named on resume are ignored with a warning, as loadIfExists keeps the study as it
    // is: they replaced the stored ones for everyone after, where the HTTP service and tune kept them.
    const resumedWith = async (warmStartFrom: string[]) => {
      const warned: string[] = [];
      const study = await createStudy({ name: "later", storage, sampler: new TPESampler({ seed: 3 }), loadIfExists: true, warmStartFrom, onWarning: (m) => warned.push(m) });
      return { sources: study.warmStart.map((s) => s.name), warned };
    };
    expect(await resumedWith(["b"])).toEqual({
      sources: ["a", "b"],
      warned: ['study "later" warm-starts from "a", "b"; warmStartFrom "b" is ignored, as loadIfExists keeps the study as it is'],
    });
    expect((await loadStudy({ name: "later", storage, sampler: new TPESampler() })).warmStart.map((s) => s.name)).toEqual(["a", "b"]);
    // The same studies in another order are the same sources: nothing to say, the stored order stands.
    expect(await resumedWith(["b", "a"])).toEqual({ sources: ["a", "b"], warned: [] });
    // A study made without sources keeps having none.
    await createStudy({ name: "cold", storage, sampler: new TPESampler({ seed: 1 }) });
    const warned: string[] = [];
    const cold = await createStudy({ name: "cold", storage, sampler: new TPESampler({ seed: 1 }), loadIfExists: true, warmStartFrom: ["a"], onWarning: (m) => warned.push(m) });
    expect([cold.warmStart, cold.systemAttrs.warmStartFrom, warned]).toEqual([[], undefined, ['study "cold" warm-starts from no study; warmStartFrom "a" is ignored, as loadIfExists keeps the study as it is']]);
    // A source deleted since is skipped with a note; the study still loads.
    await storage.deleteStudy("b");
    const warnings: string[] = [];
    const orphan = await loadStudy({ name: "later", storage, sampler: new TPESampler(), onWarning: (m) => warnings.push(m) });
    expect(orphan.warmStart.map((s) => s.name)).toEqual(["a"]);
    expect(warnings).toEqual(['warm start: study "b", which study "later" was created to learn from, no longer exists; going on without it']);
  });

  it("says so when the sampler would leave the sources unused", async () => {
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
    const warningsOf = async (name: string, sampler: Sampler) => {
      const warnings: string[] = [];
      await createStudy({ name, storage, sampler, warmStartFrom: ["earlier"], onWarning: (m) => warnings.push(m) });
      return warnings;
    };
    expect(await warningsOf("gp", new GPSampler({ seed: 1 }))).toEqual([
      'warm start: the gp sampler does not learn from earlier studies, so the trials of "earlier" go unused; new GPSampler({ warmStart: true }) does',
    ]);
    expect(await warningsOf("random", new RandomSampler({ seed: 1 }))).toEqual([expect.stringMatching(/^warm start: the random sampler does not learn .*; TPE, the GP with warmStart: true, and auto do$/)]);
    expect(await warningsOf("gp-warm", new GPSampler({ seed: 1, warmStart: true }))).toEqual([]);
    expect(await warningsOf("tpe", new TPESampler({ seed: 1 }))).toEqual([]);
  });

  it("says nothing more at the first complete trial of a study whose sampler leaves the sources unused, where it said it learnt from them", async () => {
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
    for (const [name, sampler, directions] of [
      ["random", new RandomSampler({ seed: 1 }), ["minimize"]],
      ["gp", new GPSampler({ seed: 1 }), ["minimize"]],
      ["gp-two-objectives", new GPSampler({ seed: 1, warmStart: true }), ["minimize", "minimize"]],
    ] as const) {
      const warnings: string[] = [];
      const study = await createStudy({ name, storage, sampler, directions: [...directions], warmStartFrom: ["earlier"], onWarning: (m) => void warnings.push(m) });
      // A widened range: "learning from the 3 of its 3 trials" followed "so the trials of "earlier" go unused".
      await study.optimize((t) => (directions.length > 1 ? [t.suggestFloat("x", 0, 2), 0] : t.suggestFloat("x", 0, 2)), { nTrials: 2 });
      expect(warnings).toEqual([expect.stringMatching(/^warm start: the (random|gp) sampler .*go unused/)]);
    }
  });
});

describe("GP warm start on a space whose distributions differ from the source's", () => {
  it("leaves out the source's points outside this study's range (as its warning says) instead of replaying them in it", async () => {
    const storage = new MemoryStorage();
    const source = await createStudy({ name: "src", storage, sampler: new RandomSampler({ seed: 1 }) });
    // Source: x in [0, 10], best at 0.9.
    for (const x of [0.9, 3, 5, 7, 9, 2]) await source.enqueueTrial({ x });
    await source.optimize((t) => (t.suggestFloat("x", 0, 10) - 1) ** 2, { nTrials: 6 });
    const warnings: string[] = [];
    const study = await createStudy({ name: "dst", storage, warmStartFrom: ["src"], sampler: new GPSampler({ warmStart: true, seed: 7 }), onWarning: (m) => void warnings.push(m) });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 6 });
    // Only x = 0.9 lies in this study's range, too few for a source model.
    expect(warnings).toContain('warm start: the gp sampler learns from a study of at least 3 complete trials; "src" has 6, 1 of them in this study\'s ranges, so it goes unused');
    // The source model of trial 0 (in the source's own [0, 10]) was reused from trial 2 on: x = 0.09 there, "src" weighted 1.
    for (const trial of study.trials.slice(1)) expect(JSON.stringify(trial.systemAttrs["gp:transferWeights"] ?? {})).not.toContain('"src"');
    expect(study.trials.slice(1).map((t) => t.params.x)).not.toContain(0.09);
  });
});

describe("warm start from a study whose ranges differ", () => {
  it("takes a source trial whose every value this study could have suggested, whatever the source's own distribution", () => {
    const trial = (params: Record<string, number | string>, distributions: Record<string, Distribution>) => makeTrial({ number: 0, state: "complete", params, distributions, values: [0] });
    const wide: Distribution = { type: "float", low: 0, high: 2 };
    const log: Distribution = { type: "float", low: 1e-4, high: 1, log: true };
    expect(fitsSpace(trial({ x: 0.7 }, { x: X }), ["x"], [wide])).toBe(true);
    expect(fitsSpace(trial({ x: 1.5 }, { x: wide }), ["x"], [X])).toBe(false);
    expect(fitsSpace(trial({ x: 0.01 }, { x: X }), ["x"], [log])).toBe(true);
    expect(fitsSpace(trial({ x: 0 }, { x: X }), ["x"], [log])).toBe(false);
    expect(fitsSpace(trial({ n: 3 }, { n: { type: "int", low: 0, high: 5 } }), ["n"], [{ type: "float", low: 0, high: 10 }])).toBe(true);
    expect(fitsSpace(trial({ n: 2.5 }, { n: { type: "float", low: 0, high: 5 } }), ["n"], [{ type: "int", low: 0, high: 10 }])).toBe(false);
    expect(fitsSpace(trial({ n: 0.3 }, { n: X }), ["n"], [{ type: "float", low: 0, high: 1, step: 0.25 }])).toBe(false);
    expect(fitsSpace(trial({ c: "b" }, { c: { type: "categorical", choices: ["a", "b"] } }), ["c"], [{ type: "categorical", choices: ["c", "b", "a"] }])).toBe(true);
    expect(fitsSpace(trial({ c: "z" }, { c: { type: "categorical", choices: ["z", "b"] } }), ["c"], [{ type: "categorical", choices: ["a", "b"] }])).toBe(false);
    expect(fitsSpace(trial({ x: 0.5 }, { x: X }), ["x", "y"], [X, X])).toBe(false);
  });

  // The source: x in [0, 1], best at 0.7. A rerun widens the range to [0, 2], or narrows it to [0.5, 1].
  const rerun = async (sampler: Sampler, low: number, high: number) => {
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.7) ** 2, { nTrials: 40 });
    const inside = earlier.trials.filter((t) => (t.params.x as number) >= low && (t.params.x as number) <= high).length;
    const warnings: string[] = [];
    const study = await createStudy({ name: "later", storage, sampler, warmStartFrom: ["earlier"], onWarning: (m) => void warnings.push(m) });
    await study.optimize((t) => (t.suggestFloat("x", low, high) - 0.7) ** 2, { nTrials: 8 });
    return { study, warnings, inside };
  };

  it("learns from every source trial after the range was widened, where the source used to go unused", async () => {
    for (const [sampler, attr] of [[new TPESampler({ seed: 2 }), "tpe:transferWeights"], [new GPSampler({ seed: 2, warmStart: true }), "gp:transferWeights"]] as const) {
      const { study, warnings } = await rerun(sampler, 0, 2);
      expect(warnings).toEqual([
        'warm start from "earlier": "x" is {"type":"float","low":0,"high":1} there, {"type":"float","low":0,"high":2} here: learning from the 40 of its 40 trials whose values lie in this study\'s ranges',
      ]);
      const weights = study.trials.slice(1).map((t) => (t.systemAttrs[attr] as Record<string, number> | undefined)?.earlier ?? 0);
      expect(Math.max(...weights)).toBeGreaterThan(0);
      // Guided by the source, a suggestion after the first lands near its best, in a range twice as wide.
      const guided = study.trials.filter((t, i) => i > 0 && ((t.systemAttrs[attr] as Record<string, number> | undefined)?.earlier ?? 0) > 0);
      expect(Math.min(...guided.map((t) => Math.abs((t.params.x as number) - 0.7)))).toBeLessThan(0.05);
    }
  });

  it("learns from the source trials inside a narrowed range, and says how many", async () => {
    const { study, warnings, inside } = await rerun(new TPESampler({ seed: 2 }), 0.5, 1);
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(40);
    expect(warnings).toEqual([
      `warm start from "earlier": "x" is {"type":"float","low":0,"high":1} there, {"type":"float","low":0.5,"high":1} here: learning from the ${inside} of its 40 trials whose values lie in this study's ranges`,
    ]);
    expect(study.trials.slice(2).some((t) => ((t.systemAttrs["tpe:transferWeights"] as Record<string, number> | undefined)?.earlier ?? 0) > 0)).toBe(true);
    for (const trial of study.trials) expect(trial.params.x as number).toBeGreaterThanOrEqual(0.5);
  });

  it("says how many trials it learns from when the source itself changed a range between its runs", async () => {
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.7) ** 2, { nTrials: 10 });
    const resumed = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 2 }), loadIfExists: true });
    await resumed.optimize((t) => (t.suggestFloat("x", 0, 2) - 0.7) ** 2, { nTrials: 10 });
    const inside = resumed.trials.filter((t) => (t.params.x as number) <= 1).length;
    expect(inside).toBeLessThan(20);
    const warnings: string[] = [];
    const study = await createStudy({ name: "later", storage, sampler: new TPESampler({ seed: 1 }), warmStartFrom: ["earlier"], onWarning: (m) => void warnings.push(m) });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    // Its first trials had this study's distribution, so nothing was said of the ones left out.
    expect(warnings).toEqual([
      `warm start from "earlier": "x" is {"type":"float","low":0,"high":1} or {"type":"float","low":0,"high":2} there, {"type":"float","low":0,"high":1} here: learning from the ${inside} of its 20 trials whose values lie in this study's ranges`,
    ]);
  });

  it("runs the first trials (those asked before one completes) where the source points, when its proposal lies in this study's range", async () => {
    // The sampler proposes them in the source's space, the only one it knows then; a proposal in a
    // range of another distribution was thrown away for a random value, so that a widened or
    // narrowed range, the case above, started at random (every trial of the first batch, with concurrency).
    for (const [sampler, low, high] of [[new GPSampler({ seed: 3, warmStart: true }), 0, 2], [new GPSampler({ seed: 3, warmStart: true }), 0.5, 1], [new TPESampler({ seed: 3 }), 0, 2]] as const) {
      const { study } = await rerun(sampler, low, high);
      expect(Math.abs((study.trials[0]!.params.x as number) - 0.7)).toBeLessThan(0.1);
    }
    const storage = new MemoryStorage();
    const earlier = await createStudy({ name: "earlier", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.7) ** 2, { nTrials: 40 });
    const later = await createStudy({ name: "later", storage, sampler: new GPSampler({ seed: 3, warmStart: true }), warmStartFrom: ["earlier"], onWarning: () => {} });
    await later.optimize(async (t) => (t.suggestFloat("x", 0, 2) - 0.7) ** 2, { nTrials: 4, concurrency: 4 });
    // Trials 0 and 2 are the source's (1 and 3 stay design points of the study's own).
    for (const number of [0, 2]) expect(Math.abs((later.trials[number]!.params.x as number) - 0.7)).toBeLessThan(0.1);
    // A value this study could not have suggested is still sampled anew.
    const stepped = await createStudy({ name: "stepped", storage, sampler: new GPSampler({ seed: 2, warmStart: true }), warmStartFrom: ["earlier"], onWarning: () => {} });
    await stepped.optimize((t) => t.suggestFloat("x", 0, 1, { step: 0.25 }), { nTrials: 2 });
    for (const trial of stepped.trials) expect([0, 0.25, 0.5, 0.75, 1]).toContain(trial.params.x);
  });
});

describe("warm-started TPE with sources none of whose trials fit, beside one that fits", () => {
  it("gives the sources that fit the weight and the slots, where the others took them (maxWarmStartSources, 3 by default)", async () => {
    const storage = new MemoryStorage();
    // Three studies of last year's range [5, 6], listed first, and one of this study's.
    for (const name of ["old1", "old2", "old3"]) {
      const old = await createStudy({ name, storage, sampler: new RandomSampler({ seed: 5 }) });
      await old.optimize((t) => t.suggestFloat("x", 5, 6), { nTrials: 10 });
    }
    const recent = await createStudy({ name: "recent", storage, sampler: new RandomSampler({ seed: 2 }) });
    await recent.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.3) ** 2, { nTrials: 20 });
    const weightsOf = async (name: string, sources: string[], options: ConstructorParameters<typeof TPESampler>[0] = {}) => {
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 3, ...options }), warmStartFrom: sources, onWarning: () => {} });
      await study.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.3) ** 2, { nTrials: 6 });
      return study.trials;
    };
    const alone = await weightsOf("alone", ["recent"]);
    const among = await weightsOf("among", ["old1", "old2", "old3", "recent"]);
    // "recent" weighed 0 in every trial: the three that fit nothing filled the slots; with one of them, it weighed half.
    for (const number of [2, 4]) {
      const weight = (trial: FrozenTrial) => (trial.systemAttrs["tpe:transferWeights"] as Record<string, number>).recent;
      expect(weight(among[number]!)).toBeGreaterThan(0);
      expect(weight(among[number]!)).toBe(weight(alone[number]!));
      expect(Math.abs((among[number]!.params.x as number) - 0.3)).toBeLessThan(0.05);
    }
    // The design method, too, took its configurations from none of the sources.
    const designed = await weightsOf("designed", ["old1", "old2", "old3", "recent"], { warmStartMethod: "design" });
    expect(designed[2]!.systemAttrs["tpe:warmStartDesign"]).toEqual({ source: "recent", trial: expect.any(Number) });
  });

  it("samples the startup as a cold study does when no source has a trial that fits, as the GP does", async () => {
    const storage = new MemoryStorage();
    const old = await createStudy({ name: "old", storage, sampler: new RandomSampler({ seed: 5 }) });
    await old.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 10 });
    const run = async (name: string, warmStartFrom?: string[]) => {
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 3 }), ...(warmStartFrom ? { warmStartFrom } : {}), onWarning: () => {} });
      await study.optimize((t) => (t.suggestFloat("x", 5, 6) - 5.3) ** 2, { nTrials: 12 });
      return study.trials.map((t) => t.params.x);
    };
    // The range moved past every value of "old", which "goes unused": its even startup trials were
    // TPE's proposals from the study's own one to four trials instead of random ones.
    expect(await run("warm", ["old"])).toEqual(await run("cold"));
  });
});

describe("GP warm start notes", () => {
  it("says when a source is too small for the GP, or the study has several objectives", async () => {
    const storage = new MemoryStorage();
    const source = await createStudy({ name: "two", storage, sampler: new RandomSampler({ seed: 1 }) });
    await source.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    const warnings: string[] = [];
    const study = await createStudy({ name: "dst", storage, warmStartFrom: ["two"], sampler: new GPSampler({ warmStart: true, seed: 1 }), onWarning: (m) => void warnings.push(m) });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(warnings).toContain('warm start: the gp sampler learns from a study of at least 3 complete trials; "two" has 2, so it goes unused');
    // auto gives this numeric study the warm GP, which passed the source over without a word.
    const underAuto: string[] = [];
    const auto = await createStudy({ name: "auto", storage, warmStartFrom: ["two"], sampler: new AutoSampler({ seed: 1 }), onWarning: (m) => void underAuto.push(m) });
    await auto.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(auto.trials[0]!.systemAttrs["auto:sampler"]).toBe("gp");
    expect(underAuto).toEqual(['warm start: the gp sampler, which auto chose, learns from a study of at least 3 complete trials; "two" has 2, so it goes unused']);
    // A constrained source of 5 complete trials, 2 of them feasible: it said "has 2" under "at least 3 complete trials".
    const constrained = await createStudy({ name: "mostly-infeasible", storage, sampler: new RandomSampler({ seed: 1 }), constraints: (t) => [t.number < 2 ? -1 : 1] });
    await constrained.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 5 });
    const feasibleOnly: string[] = [];
    const later = await createStudy({ name: "later", storage, warmStartFrom: ["mostly-infeasible"], sampler: new GPSampler({ warmStart: true, seed: 1 }), onWarning: (m) => void feasibleOnly.push(m) });
    await later.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(feasibleOnly).toEqual([
      'warm start: the gp sampler learns from a study of at least 3 feasible complete trials; "mostly-infeasible" has 2 (its other 3 complete trial(s) break its constraints), so it goes unused',
    ]);
    const several: string[] = [];
    await createStudy({ name: "mo", storage, directions: ["minimize", "minimize"], warmStartFrom: ["two"], sampler: new GPSampler({ warmStart: true, seed: 1 }), onWarning: (m) => void several.push(m) });
    expect(several).toEqual([expect.stringMatching(/^warm start: the gp sampler learns from earlier studies only for one objective, and this study has 2/)]);
  });
});
