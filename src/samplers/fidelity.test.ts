import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { type FrozenTrial, makeSamplingTrial, makeSnapshot, makeTrial } from "../space/index.js";
import { FidelityView, highestBudget } from "./fidelity.js";
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
