import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { type FrozenTrial, makeSamplingTrial, makeSnapshot, makeTrial } from "../space/index.js";
import { FidelityView, FinalValueImputer, highestBudget, normalScoresCorrelation, quantileOf, rankQuantile } from "./fidelity.js";
import { GPSampler } from "./gp/index.js";
import { TPESampler } from "./tpe/index.js";

const X = { type: "float", low: 0, high: 1 } as const;

/**
 * A successive-halving history: trial i reported steps 0..stops[i]; a trial that reached `last`
 * completed with its value there, the others were pruned. The loss at step s is (x − 0.8)² at
 * step ≥ 8 and (x − 0.2)² before, so early rungs point to the wrong region.
 */
function halvingHistory(stops: number[], last: number, rungAttrs = true): FrozenTrial[] {
  const rng = new Rng(5);
  return stops.map((stop, number) => {
    const x = rng.uniform();
    const intermediate: Record<number, number> = {};
    for (let s = 0; s <= stop; s++) intermediate[s] = s >= 8 ? (x - 0.8) ** 2 : (x - 0.2) ** 2 + 0.01 * s;
    const complete = stop === last;
    return makeTrial({
      number,
      state: complete ? "complete" : "pruned",
      params: { x },
      distributions: { x: X },
      intermediate,
      values: [intermediate[stop]!],
      systemAttrs: rungAttrs ? { completed_rung_0: intermediate[Math.min(stop, 1)]! } : {},
    });
  });
}

// 30 trials: 16 stopped at step 1, 9 at step 3, 3 at step 9, 2 complete at step 26.
const STOPS = [...Array(16).fill(1), ...Array(9).fill(3), 9, 9, 9, 26, 26];

describe("BOHB's fidelity rule (Falkner et al. 2018)", () => {
  it("picks the highest step with at least the minimum number of observations", () => {
    const trials = halvingHistory(STOPS, 26);
    // 2 trials reached step 26 (complete), 5 reached 9, 14 reached 3, all 30 reached 1.
    expect(highestBudget(trials, 2)).toBe("final");
    expect(highestBudget(trials, 3)).toBe(9);
    expect(highestBudget(trials, 5)).toBe(9);
    expect(highestBudget(trials, 6)).toBe(3);
    expect(highestBudget(trials, 14)).toBe(3);
    expect(highestBudget(trials, 15)).toBe(1);
    expect(highestBudget(trials, 31)).toBe(null);
  });

  it("models the trials observed at that step, with their values there", () => {
    const trials = halvingHistory(STOPS, 26);
    const { snapshot, budget } = new FidelityView("bohb").view(makeSnapshot(trials), () => 5);
    expect(budget).toBe(9);
    const observed = snapshot.finished.filter((t) => t.state === "complete");
    expect(observed.map((t) => t.number)).toEqual([25, 26, 27, 28, 29]);
    for (const t of observed) expect(t.values).toEqual([trials[t.number]!.intermediate[9]]);
    // Trials stopped before step 9 stay, as the worst observations there: pruned, without steps.
    const worst = Math.max(...observed.map((t) => t.values![0]!));
    const stopped = snapshot.finished.filter((t) => t.state !== "complete");
    expect(stopped.map((t) => t.number)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    for (const t of stopped) expect(t).toMatchObject({ state: "pruned", intermediate: {}, values: [worst] });
  });

  it("auto follows BOHB once a successive-halving pruner has recorded rungs, and the study as it is otherwise", () => {
    const withRungs = makeSnapshot(halvingHistory(STOPS, 26));
    const withoutRungs = makeSnapshot(halvingHistory(STOPS, 26, false));
    expect(new FidelityView("auto").view(withRungs, () => 5).budget).toBe(9);
    expect(new FidelityView("auto").view(withoutRungs, () => 5)).toEqual({ snapshot: withoutRungs, budget: null });
    expect(new FidelityView("final").view(withRungs, () => 5)).toEqual({ snapshot: withRungs, budget: null });
    expect(() => new FidelityView("bogus" as "auto")).toThrow(/fidelityRule/);
  });

  it("keeps views of trials stable while the step stays, for incremental readers", () => {
    const trials = halvingHistory(STOPS, 26);
    const fidelity = new FidelityView("bohb");
    const first = fidelity.view(makeSnapshot(trials.slice(0, 28)), () => 3).snapshot.finished;
    const second = fidelity.view(makeSnapshot(trials), () => 3).snapshot.finished;
    expect(second.slice(0, first.length)).toEqual(first);
    first.forEach((t, i) => expect(second[i]).toBe(t));
  });

  it("TPE under the bohb rule suggests exactly what it would from the view of the rung it picks", () => {
    const trials = halvingHistory(STOPS, 26);
    // With N_min = 14 the rung is step 3, whose ranking differs from the study's own (complete first, then by depth).
    const view = new FidelityView("bohb").view(makeSnapshot(trials), () => 14);
    expect(view.budget).toBe(3);
    const suggest = (sampler: TPESampler, snapshot = makeSnapshot(trials)) =>
      Array.from({ length: 8 }, (_, k) => sampler.sampleIndependent(snapshot, makeSamplingTrial(40 + k), "x", X) as number);
    const bohb = suggest(new TPESampler({ seed: 3, nStartupTrials: 4, fidelityRule: "bohb", fidelityMinTrials: 14 }));
    const onView = suggest(new TPESampler({ seed: 3, nStartupTrials: 4, fidelityRule: "final" }), makeSnapshot(view.snapshot.finished));
    const plain = suggest(new TPESampler({ seed: 3, nStartupTrials: 4, fidelityRule: "final" }));
    expect(bohb).toEqual(onView);
    expect(bohb).not.toEqual(plain);
    // Under auto the same study (whose trials carry rung records) is modelled the BOHB way.
    expect(suggest(new TPESampler({ seed: 3, nStartupTrials: 4, fidelityMinTrials: 14 }))).toEqual(bohb);
  });

  it("the GP under the bohb rule fits the step-9 observations", () => {
    const trials = halvingHistory(STOPS, 26);
    const view = new FidelityView("bohb").view(makeSnapshot(trials), () => 5).snapshot;
    const options = { seed: 3, nStartupTrials: 4, nCandidates: 64, nRestarts: 1, fitIterations: 10, fidelityMinTrials: 5 };
    const suggest = (sampler: GPSampler, snapshot = makeSnapshot(trials)) => sampler.sampleRelative(snapshot, makeSamplingTrial(40), { x: X });
    expect(suggest(new GPSampler({ ...options, fidelityRule: "bohb" }))).toEqual(suggest(new GPSampler({ ...options, fidelityRule: "final" }), view));
    expect(() => new GPSampler({ fidelityMinTrials: 0 })).toThrow(/fidelityMinTrials/);
  });
});

describe("BOHB's random fraction ρ (Falkner et al. 2018)", () => {
  // Two histories that point to opposite ends: a trial the model proposes differs between them,
  // a trial drawn at random does not (its draw depends on the seed and its number only).
  const history = (best: number) =>
    makeSnapshot(
      Array.from({ length: 30 }, (_, number) => {
        const x = (number + 0.5) / 30;
        return makeTrial({ number, state: "complete", params: { x }, distributions: { x: X }, values: [(x - best) ** 2] });
      }),
    );
  const [low, high] = [history(0.05), history(0.95)];
  const drawnAtRandom = (sampler: TPESampler, number: number) =>
    sampler.sampleIndependent(low, makeSamplingTrial(number), "x", X) === sampler.sampleIndependent(high, makeSamplingTrial(number), "x", X);

  it("draws the given share of trials at random, the same ones under the same seed", () => {
    const numbers = Array.from({ length: 300 }, (_, k) => 30 + k);
    const sampler = new TPESampler({ seed: 11, randomFraction: 1 / 3 });
    const drawn = numbers.filter((n) => drawnAtRandom(sampler, n));
    // Binomial(300, 1/3): mean 100, standard deviation 8.2.
    expect(drawn.length).toBeGreaterThan(100 - 25);
    expect(drawn.length).toBeLessThan(100 + 25);
    expect(numbers.filter((n) => drawnAtRandom(new TPESampler({ seed: 11, randomFraction: 1 / 3 }), n))).toEqual(drawn);
    expect(numbers.filter((n) => drawnAtRandom(new TPESampler({ seed: 12, randomFraction: 1 / 3 }), n))).not.toEqual(drawn);
    expect(numbers.filter((n) => drawnAtRandom(new TPESampler({ seed: 11 }), n))).toEqual([]);
  });

  it("a random trial gets no joint sample either, and the option is validated by name", () => {
    const sampler = new TPESampler({ seed: 11, randomFraction: 1, multivariate: true });
    expect(sampler.inferRelativeSpace(low, makeSamplingTrial(40))).toEqual({});
    expect(sampler.sampleRelative(low, makeSamplingTrial(40), { x: X })).toEqual({});
    expect(new TPESampler({ seed: 11, multivariate: true }).inferRelativeSpace(low, makeSamplingTrial(40))).toEqual({ x: X });
    expect(() => new TPESampler({ randomFraction: 1.5 })).toThrow(/randomFraction/);
    expect(() => new TPESampler({ randomFraction: Number.NaN })).toThrow(/randomFraction/);
  });
});

/**
 * A median-pruner-like history over x ∈ [0, 1]: trial i has value curve(x, s) at steps 0..stop; the
 * `complete` ones ran to step 9 and keep their step-9 value, the others were pruned at step `stop`.
 */
function curveHistory(xs: number[], stops: number[], curve: (x: number, step: number) => number): FrozenTrial[] {
  return xs.map((x, number) => {
    const intermediate: Record<number, number> = {};
    for (let s = 0; s <= stops[number]!; s++) intermediate[s] = curve(x, s);
    return makeTrial({
      number,
      state: stops[number] === 9 ? "complete" : "pruned",
      params: { x },
      distributions: { x: X },
      intermediate,
      values: [intermediate[stops[number]!]!],
    });
  });
}

// 8 complete trials, then 8 pruned at step 3 and 4 pruned at step 1.
const XS = [0.05, 0.12, 0.2, 0.33, 0.41, 0.5, 0.62, 0.71, 0.08, 0.15, 0.27, 0.36, 0.45, 0.55, 0.66, 0.78, 0.85, 0.9, 0.95, 0.99];
const CURVE_STOPS = [...Array(8).fill(9), ...Array(8).fill(3), ...Array(4).fill(1)];
const imputedValues = (trials: FrozenTrial[], minimum = 5, directions: ("minimize" | "maximize")[] = ["minimize"], rule: "quantile" | "gate" = "quantile") => {
  const { snapshot, budget } = new FidelityView(rule, { references: minimum }).view(makeSnapshot(trials, { directions }), () => 99);
  expect(budget).toBe(null);
  return snapshot.finished.map((t) => ({ number: t.number, state: t.state, value: t.values![0]! }));
};

describe("the quantile rule: a pruned trial at the final value its step predicts (Gaussian copula)", () => {
  it("with perfectly rank-preserving curves keeps the pruned trials' order, inside the complete trials' range", () => {
    // Every curve falls with the step and keeps its rank: final = x² exactly, step s adds (9 − s)/10.
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => x * x + (9 - s) / 10);
    const view = imputedValues(trials);
    const finals = trials.slice(0, 8).map((t) => t.values![0]!);
    expect(view.slice(0, 8).map((v) => v.value)).toEqual(finals);
    const pruned = view.slice(8);
    for (const p of pruned) expect(p.state).toBe("complete");
    // The copula's correlation is 1, so this is quantile mapping: order kept, every value within the finals' range.
    for (const group of [pruned.slice(0, 8), pruned.slice(8)]) {
      for (let i = 1; i < group.length; i++) expect(group[i]!.value).toBeGreaterThanOrEqual(group[i - 1]!.value);
      for (const p of group) {
        expect(p.value).toBeGreaterThanOrEqual(Math.min(...finals));
        expect(p.value).toBeLessThanOrEqual(Math.max(...finals));
      }
    }
    // Strictly, where the step-3 values lie between those of the complete trials.
    const inside = pruned.slice(0, 8).filter((p) => XS[p.number]! < 0.71);
    for (let i = 1; i < inside.length; i++) expect(inside[i]!.value).toBeGreaterThan(inside[i - 1]!.value);
    // Today's rule would model them at their step-3 values: 0.6 above the finals.
    expect(trials[8]!.values![0]).toBeCloseTo(0.08 ** 2 + 0.6, 12);
  });

  it("when the early steps say nothing, puts every pruned trial at the complete trials' median final", () => {
    // Finals increase with x, step values decrease with x (negatively correlated): ρ is floored at 0.
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => (s === 9 ? x : 1 - x));
    const view = imputedValues(trials);
    const medianFinal = (XS[3]! + XS[4]!) / 2;
    for (const p of view.slice(8)) expect(p.value).toBeCloseTo(medianFinal, 12);
    expect(normalScoresCorrelation(XS.slice(0, 8), XS.slice(0, 8).map((x) => 1 - x))).toBeCloseTo(-1, 12);
  });

  it("steps down to the highest step with enough complete trials, and leaves a trial as recorded below every such step", () => {
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => x * x + (9 - s) / 10);
    // Only 3 complete trials reported at step 2 and above: with 4 needed, step 1 is the highest usable one.
    for (const t of trials.slice(3, 8)) for (const s of [2, 3, 4, 5, 6, 7, 8]) delete (t.intermediate as Record<number, number>)[s];
    const imputer = new FinalValueImputer(makeSnapshot(trials).finished, 1, 4);
    const atStep1 = new FinalValueImputer(
      makeSnapshot(trials.map((t) => (t.state === "pruned" ? { ...t, intermediate: { 0: t.intermediate[0]!, 1: t.intermediate[1]! } } : t))).finished,
      1,
      4,
    );
    for (const t of trials.slice(8)) expect(imputer.impute(t)).toBe(atStep1.impute(t));
    expect(new FinalValueImputer(makeSnapshot(trials).finished, 1, 9).impute(trials[8]!)).toBe(null);
    expect(imputedValues(trials, 9).slice(8).map((v) => v.value)).toEqual(trials.slice(8).map((t) => t.values![0]));
  });

  it("mirrors under maximisation", () => {
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => x * x + (9 - s) / 10);
    const negated = trials.map((t) => ({
      ...t,
      values: [-t.values![0]!],
      intermediate: Object.fromEntries(Object.entries(t.intermediate).map(([k, v]) => [k, -v])),
    }));
    const minimised = imputedValues(trials).map((v) => v.value);
    const maximised = imputedValues(negated, 5, ["maximize"]).map((v) => v.value);
    maximised.forEach((v, i) => expect(v).toBeCloseTo(-minimised[i]!, 12));
  });

  it("rank quantiles stay inside (0, 1) and quantiles interpolate between order statistics", () => {
    const sorted = Float64Array.from([1, 2, 3, 4]);
    expect(rankQuantile(sorted, 0)).toBeCloseTo(0.1, 12);
    expect(rankQuantile(sorted, 2)).toBeCloseTo(0.4, 12);
    expect(rankQuantile(sorted, 9)).toBeCloseTo(0.9, 12);
    expect(quantileOf(sorted, 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileOf(sorted, 0.125)).toBe(1);
    expect(quantileOf(sorted, 0.01)).toBe(1);
    expect(quantileOf(sorted, 0.99)).toBe(4);
  });

  it("gives way to BOHB's rule under a successive-halving pruner, and is what the GP fits", () => {
    expect(new FidelityView("quantile").view(makeSnapshot(halvingHistory(STOPS, 26)), () => 5).budget).toBe(9);
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => (x - 0.3) ** 2 + (9 - s) / 10);
    const view = new FidelityView("quantile").view(makeSnapshot(trials), () => 5).snapshot;
    // "auto" imputes too when its sampler says so (the GP), and leaves the study as it is otherwise (TPE).
    expect(new FidelityView("auto", { otherwise: "quantile" }).view(makeSnapshot(trials), () => 5).snapshot).toEqual(view);
    expect(new FidelityView("auto").view(makeSnapshot(trials), () => 5).snapshot.finished).toEqual(makeSnapshot(trials).finished);
    const options = { seed: 3, nStartupTrials: 4, nCandidates: 64, nRestarts: 1, fitIterations: 10, fidelityMinTrials: 5 };
    const suggest = (sampler: GPSampler, snapshot = makeSnapshot(trials)) => sampler.sampleRelative(snapshot, makeSamplingTrial(40), { x: X });
    const quantile = suggest(new GPSampler({ ...options, fidelityRule: "quantile" }));
    expect(quantile).toEqual(suggest(new GPSampler({ ...options, fidelityRule: "final" }), view));
    expect(quantile).not.toEqual(suggest(new GPSampler({ ...options, fidelityRule: "final" })));
  });
});

describe("the gate rule: as recorded where early steps predict finals, else the worst final", () => {
  it("keeps pruned trials as recorded when the complete trials' step and final ranks agree", () => {
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => x * x + (9 - s) / 10);
    expect(imputedValues(trials, 5, ["minimize"], "gate").map((v) => v.value)).toEqual(trials.map((t) => t.values![0]));
  });

  it("puts pruned trials at the worst complete final when the ranks disagree, in either direction", () => {
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => (s === 9 ? x : 1 - x));
    const worst = XS[7]!;
    const view = imputedValues(trials, 5, ["minimize"], "gate");
    for (const p of view.slice(8)) expect(p).toMatchObject({ state: "complete", value: worst });
    const negated = trials.map((t) => ({ ...t, values: [-t.values![0]!], intermediate: Object.fromEntries(Object.entries(t.intermediate).map(([k, v]) => [k, -v])) }));
    for (const p of imputedValues(negated, 5, ["maximize"], "gate").slice(8)) expect(p.value).toBe(-worst);
  });

  it("is the GP's default under a pruner that is not successive halving", () => {
    const trials = curveHistory(XS, CURVE_STOPS, (x, s) => (s === 9 ? (x - 0.3) ** 2 : 1 - x));
    const options = { seed: 3, nStartupTrials: 4, nCandidates: 64, nRestarts: 1, fitIterations: 10 };
    const suggest = (sampler: GPSampler) => sampler.sampleRelative(makeSnapshot(trials), makeSamplingTrial(40), { x: X });
    const byDefault = suggest(new GPSampler(options));
    expect(byDefault).toEqual(suggest(new GPSampler({ ...options, fidelityRule: "gate" })));
    expect(byDefault).not.toEqual(suggest(new GPSampler({ ...options, fidelityRule: "final" })));
  });

  it("needs a significant correlation, not just a positive one", () => {
    // Five references whose ranks agree but for the 2nd and 4th swapped: Spearman 0.6, normal scores
    // 0.71, and 0.71·√4 = 1.43 < 1.645. In order (ρ = 1, 1·√4 = 2) the trial stays as recorded.
    const xs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.9];
    const swapped = (x: number) => (x === 0.2 ? 0.4 : x === 0.4 ? 0.2 : x);
    const trials = curveHistory(xs, [9, 9, 9, 9, 9, 3], (x, s) => (s === 9 ? swapped(x) : x + (9 - s) / 10));
    const imputer = new FinalValueImputer(makeSnapshot(trials).finished, 1, 5, "gate");
    expect(normalScoresCorrelation(xs.slice(0, 5), xs.slice(0, 5).map(swapped))).toBeCloseTo(0.713, 3);
    expect(imputer.impute(trials[5]!)).toBe(0.5);
    const ordered = curveHistory(xs, [9, 9, 9, 9, 9, 3], (x, s) => x + (9 - s) / 10);
    expect(new FinalValueImputer(makeSnapshot(ordered).finished, 1, 5, "gate").impute(ordered[5]!)).toBe(null);
  });
});
