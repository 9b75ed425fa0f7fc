import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { wilcoxonSignedRank } from "../math/wilcoxon.js";
import { type FrozenTrial, type StudySnapshot, makeSnapshot, makeTrial, trackIntermediate } from "../space/index.js";
import { createPrunerByName } from "./registry.js";
import { WilcoxonPruner } from "./wilcoxon.js";

function steps(values: number[]): Record<number, number> {
  return Object.fromEntries(values.map((v, i) => [i, v]));
}

// The best trial so far: a loss of 5 on each of 10 instances.
const bestValues = Array.from({ length: 10 }, () => 5);
const best = makeTrial({ number: 0, values: [5], intermediate: steps(bestValues) });
const worse = makeTrial({ number: 1, values: [50], intermediate: steps(bestValues.map((v) => v * 10)) });

function judge(pruner: WilcoxonPruner, values: number[], others: FrozenTrial[] = [best, worse], direction: "minimize" | "maximize" = "minimize"): boolean {
  const trial = makeTrial({ number: 9, intermediate: steps(values) });
  return pruner.prune(makeSnapshot([...others, trial], { directions: [direction] }), trial);
}

describe("WilcoxonPruner", () => {
  it("prunes once the paired differences with the best trial are significantly positive", () => {
    const pruner = new WilcoxonPruner({ pThreshold: 0.1, nStartupSteps: 2 });
    // Three instances all worse by a little: exact p = 1/8 ≥ 0.1, so not yet.
    expect(judge(pruner, [5.1, 5.3, 5.2])).toBe(false);
    // Four all worse: p = 1/16 < 0.1.
    expect(judge(pruner, [5.1, 5.3, 5.2, 5.4])).toBe(true);
    // Mixed signs (T+ = 1+2+3 of 15): no evidence.
    expect(judge(pruner, [4.5, 5.3, 5.2, 5.4, 4.4])).toBe(false);
  });

  it("does not prune on three tied differences, whose p-value is 1/8 as SciPy counts it", () => {
    // Per-instance 0/1 losses: the best trial got 0 everywhere, this one 1 on each instance so far.
    const perfect = makeTrial({ number: 0, values: [0], intermediate: steps(Array.from({ length: 10 }, () => 0)) });
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    expect(judge(pruner, [1, 1, 1], [perfect])).toBe(false);
    expect(judge(pruner, [1, 1, 1, 1], [perfect])).toBe(true);
  });

  it("compares with the best complete trial, mirrored when maximizing", () => {
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    // Maximizing, the 10× trial is the best; values 1..10-ish are far worse.
    expect(judge(pruner, [1, 2, 3, 4, 5], [best, worse], "maximize")).toBe(true);
    expect(judge(pruner, [100, 200, 300, 400, 500], [best, worse], "maximize")).toBe(false);
  });

  it("never prunes a trial whose mean is at least as good as the best trial's overall mean", () => {
    // Losses 1..10 (mean 5.5). The trial is worse on each of instances 0-4, but those are the best
    // trial's easiest instances: the trial's mean (5.4) still beats the best's overall 5.5.
    const uneven = makeTrial({ number: 0, values: [5.5], intermediate: steps([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) });
    expect(judge(new WilcoxonPruner({ pThreshold: 0.1 }), [5, 5.2, 5.4, 5.6, 5.8], [uneven])).toBe(false);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.1 }), [5.7, 5.9, 6.1, 6.3, 6.5], [uneven])).toBe(true);
  });

  it("guards with the best trial's objective value, not the mean of its steps, as Optuna's average_is_best", () => {
    // Per-fold losses near 0.5, but the objective returned 0.9 (say mean + 2·std). The trial is
    // worse on every fold (p = 1/4096), yet its mean 0.61 beats the best value 0.9: kept.
    const folds = (base: number) => Array.from({ length: 12 }, (_, i) => base + 0.01 * (i % 3));
    const best = (value: number, base: number) => makeTrial({ number: 0, values: [value], intermediate: steps(folds(base)) });
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    expect(judge(pruner, folds(0.6), [best(0.9, 0.5)])).toBe(false);
    expect(judge(pruner, folds(0.6), [best(0.55, 0.5)])).toBe(true);
    // Maximizing: folds near 0.6 but an objective of 0.2; a trial at 0.5 per fold is worse on each
    // fold but its mean beats 0.2.
    expect(judge(pruner, folds(0.5), [best(0.2, 0.6)], "maximize")).toBe(false);
    expect(judge(pruner, folds(0.5), [best(0.55, 0.6)], "maximize")).toBe(true);
  });

  it("waits for nStartupSteps shared steps and ignores curves with non-finite values", () => {
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5, nStartupSteps: 3 }), [5.1, 5.3])).toBe(false);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5, nStartupSteps: 2 }), [5.1, 5.3])).toBe(true);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5 }), [5.1, 5.3, Number.NaN, 5.2, 5.4])).toBe(false);
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5 }), [1.5, 2.5, 3.5], [])).toBe(false);
    const noCurve = makeTrial({ number: 0, values: [1], intermediate: {} });
    expect(judge(new WilcoxonPruner({ pThreshold: 0.5 }), [1.5, 2.5, 3.5], [noCurve])).toBe(false);
  });

  it("warns once, through the notes the study passes, when the best trial reported no steps, and prunes nothing", () => {
    // Told a value without its instances (as Optuna's add_trial without intermediate_values): nothing to pair with.
    const toldOnly = makeTrial({ number: 0, values: [1] });
    const pruner = new WilcoxonPruner({ nStartupSteps: 0 });
    const warnings: string[] = [];
    const notes = { setSystemAttr: () => {}, warn: (message: string) => warnings.push(message) };
    for (const number of [1, 2]) {
      const trial = makeTrial({ number, intermediate: steps([50, 50, 50, 50, 50, 50]) });
      expect(pruner.prune(makeSnapshot([toldOnly, trial], { directions: ["minimize"] }), trial, notes)).toBe(false);
    }
    expect(warnings).toEqual([
      "the wilcoxon pruner compares a trial's steps with the best trial's, and the best trial (0) reported none, so no trial is pruned until a trial that reports its steps is the best",
    ]);
    // A best trial with steps: no warning, and judged as before.
    const other = new WilcoxonPruner();
    const judged = makeTrial({ number: 9, intermediate: steps([5.1, 5.3, 5.2, 5.4]) });
    expect(other.prune(makeSnapshot([best, worse, judged], { directions: ["minimize"] }), judged, notes)).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it("reads its options from the CLI and names bad ones", () => {
    expect(createPrunerByName("wilcoxon", { p_threshold: "0.05", n_startup_steps: "5" })).toMatchObject({ pThreshold: 0.05, nStartupSteps: 5 });
    expect(() => createPrunerByName("wilcoxon", { pThreshold: "2" })).toThrow(/"pThreshold" must be a finite number in \[0, 1\]/);
    expect(() => new WilcoxonPruner({ nStartupSteps: -1 })).toThrow(/nStartupSteps must be an integer ≥ 0/);
  });

  it("judges values near ±1.8e308, whose differences overflow, instead of throwing", () => {
    // 1e308 − (−1e308) is Infinity: the signed-rank test refused it, so every report of the trial
    // threw (its objective failed in optimize; a report over HTTP answered 500).
    const steps = (value: number) => Object.fromEntries(Array.from({ length: 8 }, (_, i) => [i, value]));
    const best = makeTrial({ number: 0, values: [-1e308], intermediate: steps(-1e308) });
    const judged = makeTrial({ number: 1, intermediate: steps(1e308) });
    expect(new WilcoxonPruner({ pThreshold: 0.1 }).prune(makeSnapshot([best, judged], { directions: ["minimize"] }), judged)).toBe(true);
    const better = makeTrial({ number: 2, intermediate: steps(-1e308) });
    expect(new WilcoxonPruner({ pThreshold: 0.1 }).prune(makeSnapshot([makeTrial({ number: 0, values: [1e308], intermediate: steps(1e308) }), better], { directions: ["minimize"] }), better)).toBe(false);
  });

  it("prunes a trial whose values near ±1.8e308 sum past the largest double, by its mean, not ±Infinity", () => {
    // Eight reports of 1e308 summed to Infinity: a mean "at least as good" as any best, so the
    // trial was never pruned however far below the best it stayed (and mirrored when minimizing).
    const steps = (value: number) => Object.fromEntries(Array.from({ length: 8 }, (_, i) => [i, value]));
    const judge = (direction: "minimize" | "maximize", bestValue: number, bestSteps: number, judgedSteps: number) => {
      const judged = makeTrial({ number: 1, intermediate: steps(judgedSteps) });
      const snapshot = makeSnapshot([makeTrial({ number: 0, values: [bestValue], intermediate: steps(bestSteps) }), judged], { directions: [direction] });
      return new WilcoxonPruner({ pThreshold: 0.1 }).prune(snapshot, judged);
    };
    expect(judge("maximize", 1.5e308, 1.5e308, 1e308)).toBe(true);
    expect(judge("minimize", -1.5e308, -1.5e308, -1e308)).toBe(true);
    // Worse on every step, but its mean 1.5e308 beats the best trial's value: the guard keeps it.
    expect(judge("maximize", 1.2e308, 1.7e308, 1.5e308)).toBe(false);
    expect(judge("minimize", -1.2e308, -1.7e308, -1.5e308)).toBe(false);
  });

  it("decides as a full rescan of both trials on random histories, reports in any order, while the best trial changes", () => {
    const rng = new Rng(11);
    const shuffle = <T>(items: T[]): T[] => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = rng.integer(0, i);
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    };
    const tally = { judged: 0, pruned: 0, meanTies: 0 };
    for (let history = 0; history < 60; history++) {
      const direction = history % 3 === 2 ? "maximize" : "minimize";
      const options = { pThreshold: [0.05, 0.1, 0.3][history % 3]!, nStartupSteps: [0, 2, 5][history % 4 % 3]! };
      const pruner = new WilcoxonPruner(options);
      const instances = rng.integer(5, 120);
      // Coarse values tie often (and give zero differences); fine ones rarely.
      const coarse = history % 2 === 0;
      const draw = (centre: number) => (coarse ? Math.round(centre + rng.normal() * 2) / 2 : centre + rng.normal() * 0.3);
      const curveOf = (centre: number) => Array.from({ length: instances }, () => draw(centre));
      // Complete trials join one by one as the judged trial reports, some better than the others.
      const waiting: FrozenTrial[] = [];
      for (let k = 0; k < 4; k++) {
        const losses = curveOf(rng.uniformIn(-0.5, 0.5));
        const reported = shuffle(losses.map((_, i) => i)).slice(0, rng.integer(1, instances));
        const intermediate: Record<number, number> = {};
        for (const i of reported) intermediate[i] = losses[i]!;
        if (rng.uniform() < 0.05) intermediate[reported[0]!] = Number.NaN;
        // The objective's value is the mean of its losses in report order, as an objective computes it.
        let sum = 0;
        for (const i of reported) sum += intermediate[i]!;
        waiting.push(makeTrial({ number: k, values: [sum / reported.length], intermediate, finishedAt: k }));
      }
      // Half the judged trials are a rerun of a complete trial, in another order: its mean ends
      // within rounding of that trial's value, where the running mean alone could decide wrongly.
      const byValue = [...waiting].sort((a, b) => (direction === "maximize" ? -1 : 1) * (a.values![0]! - b.values![0]!));
      const rerun = history % 2 === 1 ? byValue[0]! : null;
      const ownSteps = rerun ? shuffle(Object.keys(rerun.intermediate).map(Number)) : shuffle(Array.from({ length: instances }, (_, i) => i));
      if (history % 5 === 0) ownSteps.sort((a, b) => a - b);
      const ownCentre = rng.uniformIn(-0.3, 0.8);
      const record: Record<number, number> = {};
      const index = trackIntermediate(record);
      const judged = makeTrial({ number: 10, intermediate: record });
      const complete: FrozenTrial[] = [];
      for (const step of ownSteps) {
        const value = rerun ? rerun.intermediate[step]! : rng.uniform() < 0.01 ? Number.NaN : draw(ownCentre);
        record[step] = value;
        index.add(step, value);
        if (waiting.length > 0 && rng.uniform() < 0.08) complete.push(waiting.shift()!);
        // A rerun's last report meets the trial it reruns, so the guard compares nearly equal means.
        if (rerun && index.size === ownSteps.length) complete.push(...waiting.splice(0));
        const snapshot = makeSnapshot([...complete, judged], { directions: [direction] });
        const expected = fullRescanDecision(snapshot, judged, options);
        expect(pruner.prune(snapshot, judged), `history ${history}, after ${index.size} reports`).toBe(expected.prune);
        tally.judged++;
        if (expected.prune) tally.pruned++;
        if (expected.meanTie) tally.meanTies++;
      }
    }
    // Both answers were given, and the means came within rounding of the best value.
    expect(tally.pruned).toBeGreaterThan(100);
    expect(tally.judged - tally.pruned).toBeGreaterThan(100);
    expect(tally.meanTies).toBeGreaterThan(10);
  });

  it("guards with the mean summed in step order, as a rescan does, when reports come out of order", () => {
    // The best trial lost 0 on every instance but its objective returned V, the judged trial's
    // final mean; the judged trial is worse on every instance, so the test alone would prune it.
    // Summed in report order its mean can land an ulp above V; in step order it is V: kept.
    const rng = new Rng(5);
    let orderMatters = 0;
    for (let history = 0; history < 60; history++) {
      const direction = history % 2 === 0 ? "minimize" : "maximize";
      const sign = direction === "minimize" ? 1 : -1;
      const instances = rng.integer(60, 200);
      const losses = Array.from({ length: instances }, () => sign * rng.uniformIn(0.1, 1));
      let stepOrderSum = 0;
      for (const loss of losses) stepOrderSum += loss;
      const order = losses.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.integer(0, i);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      let reportOrderSum = 0;
      for (const i of order) reportOrderSum += losses[i]!;
      if (reportOrderSum / instances !== stepOrderSum / instances) orderMatters++;
      const best = makeTrial({ number: 0, values: [stepOrderSum / instances], intermediate: Object.fromEntries(losses.map((_, i) => [i, 0])) });
      const record: Record<number, number> = {};
      const index = trackIntermediate(record);
      const judged = makeTrial({ number: 1, intermediate: record });
      const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
      for (const i of order) {
        record[i] = losses[i]!;
        index.add(i, losses[i]!);
        const snapshot = makeSnapshot([best, judged], { directions: [direction] });
        expect(pruner.prune(snapshot, judged), `history ${history}, after ${index.size} reports`).toBe(fullRescanDecision(snapshot, judged, pruner).prune);
      }
      expect(pruner.prune(makeSnapshot([best, judged], { directions: [direction] }), judged)).toBe(false);
    }
    expect(orderMatters).toBeGreaterThan(10);
  });
});

/**
 * The Wilcoxon pruner's rule computed the straightforward way: every step of both trials read
 * again and the signed-rank test run on all the differences. `meanTie` says the trial's mean came
 * within 1e-12 of the best value (where summing in another order could flip the guard).
 */
function fullRescanDecision(snapshot: StudySnapshot, trial: FrozenTrial, options: { pThreshold: number; nStartupSteps: number }): { prune: boolean; meanTie: boolean } {
  const no = { prune: false, meanTie: false };
  const direction = snapshot.directions[0]!;
  const finiteSteps = (t: FrozenTrial) => {
    const entries = Object.entries(t.intermediate).map(([step, value]) => [Number(step), value] as const);
    return entries.every(([, value]) => Number.isFinite(value)) ? new Map(entries) : null;
  };
  const own = finiteSteps(trial);
  if (own === null || own.size === 0) return no;
  let best: { trial: FrozenTrial; value: number } | undefined;
  for (const t of snapshot.trials) {
    const value = t.state === "complete" ? t.values?.[0] : undefined;
    if (value === undefined || Number.isNaN(value)) continue;
    if (best === undefined || (direction === "maximize" ? value > best.value : value < best.value)) best = { trial: t, value };
  }
  if (!best) return no;
  const reference = finiteSteps(best.trial);
  if (reference === null || reference.size === 0) return no;
  const differences: number[] = [];
  for (const [step, value] of own) {
    const other = reference.get(step);
    if (other !== undefined) differences.push(value - other);
  }
  if (differences.length < options.nStartupSteps) return no;
  let sum = 0;
  for (const value of own.values()) sum += value;
  const ownMean = sum / own.size;
  const averageIsBest = direction === "maximize" ? best.value <= ownMean : best.value >= ownMean;
  const { pValue } = wilcoxonSignedRank(differences, direction === "maximize" ? "less" : "greater");
  return { prune: pValue < options.pThreshold && !averageIsBest, meanTie: Math.abs(ownMean - best.value) < 1e-12 };
}
