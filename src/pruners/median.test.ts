import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linearPercentile } from "../math/statistics.js";
import { type Direction, type FrozenTrial, type StudySnapshot, makeSnapshot, makeTrial } from "../space/index.js";
import { createStudy, TrialPruned } from "../study/index.js";
import { RandomSampler } from "../samplers/random.js";
import { MedianPruner, createMedianPrunerFromOptions } from "./median.js";

function complete(number: number, curve: number[]): FrozenTrial {
  return makeTrial({ number, values: [curve[curve.length - 1] ?? 0], intermediate: Object.fromEntries(curve.map((v, i) => [i, v])) });
}

function running(number: number, intermediate: Record<number, number>): FrozenTrial {
  return makeTrial({ number, intermediate });
}

/** Optuna 3.1's PercentilePruner(50) written plainly from its source, to check the cached implementation against. */
function referencePrune(
  snapshot: StudySnapshot,
  trial: FrozenTrial,
  o: { nStartupTrials: number; nWarmupSteps: number; intervalSteps: number; nMinTrials: number },
): boolean {
  const done = snapshot.trials.filter((t) => t.state === "complete");
  if (done.length === 0 || done.length < o.nStartupTrials) return false;
  const steps = Object.keys(trial.intermediate).map(Number);
  if (steps.length === 0) return false;
  const step = Math.max(...steps);
  if (step < o.nWarmupSteps) return false;
  const nearestLower = Math.floor((step - o.nWarmupSteps) / o.intervalSteps) * o.intervalSteps + o.nWarmupSteps;
  const secondLast = steps.filter((s) => s !== step).reduce((a, s) => Math.max(a, s), -1);
  if (!(secondLast < nearestLower)) return false;
  const direction = snapshot.directions[0];
  const own = Object.values(trial.intermediate).filter((v) => !Number.isNaN(v));
  if (own.length === 0) return true;
  const best = direction === "maximize" ? Math.max(...own) : Math.min(...own);
  const atStep = done.filter((t) => step in t.intermediate).map((t) => t.intermediate[step]!);
  if (atStep.length < o.nMinTrials) return false;
  const finite = atStep.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (finite.length === 0) return false;
  const median = linearPercentile(finite, 50); // np.nanpercentile, checked against NumPy in statistics.test.ts
  return direction === "maximize" ? best < median : best > median;
}

describe("MedianPruner", () => {
  const history = [complete(0, [5, 4, 3]), complete(1, [6, 5, 4]), complete(2, [7, 6, 5])];

  it("prunes a minimized trial whose best so far is above the median at its latest step", () => {
    const pruner = new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 0 });
    // Median at step 1 is 5.
    expect(pruner.prune(makeSnapshot([...history, running(3, { 0: 9, 1: 6 })]), running(3, { 0: 9, 1: 6 }))).toBe(true);
    expect(pruner.prune(makeSnapshot([...history, running(4, { 0: 9, 1: 5 })]), running(4, { 0: 9, 1: 5 }))).toBe(false);
    // The best so far counts, not the latest value: 4 at step 0 beats the median 5 at step 1.
    expect(pruner.prune(makeSnapshot([...history, running(5, { 0: 4, 1: 8 })]), running(5, { 0: 4, 1: 8 }))).toBe(false);
  });

  it("mirrors the comparison for a maximized study", () => {
    const pruner = new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 0 });
    const trial = running(3, { 0: 1, 1: 4 });
    expect(pruner.prune(makeSnapshot([...history, trial], { directions: ["maximize"] }), trial)).toBe(true);
    const good = running(4, { 0: 1, 1: 5.5 });
    expect(pruner.prune(makeSnapshot([...history, good], { directions: ["maximize"] }), good)).toBe(false);
  });

  it("interpolates the median of an even count", () => {
    const pruner = new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 });
    const snapshot = makeSnapshot([complete(0, [1]), complete(1, [2]), complete(2, [10]), complete(3, [20])]);
    expect(pruner.prune(snapshot, running(9, { 0: 5.9 }))).toBe(false);
    expect(pruner.prune(snapshot, running(9, { 0: 6.1 }))).toBe(true);
  });

  it("waits for the startup trials and the warm-up steps", () => {
    const bad = running(3, { 0: 100, 1: 100 });
    expect(new MedianPruner({ nStartupTrials: 4, nWarmupSteps: 0 }).prune(makeSnapshot([...history, bad]), bad)).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 0 }).prune(makeSnapshot([...history, bad]), bad)).toBe(true);
    expect(new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 2 }).prune(makeSnapshot([...history, bad]), bad)).toBe(false);
    // Pruned and failed trials do not count as startup trials.
    const pruned = makeTrial({ number: 4, state: "pruned", intermediate: { 0: 0 } });
    expect(new MedianPruner({ nStartupTrials: 4, nWarmupSteps: 0 }).prune(makeSnapshot([...history, pruned, bad]), bad)).toBe(false);
  });

  it("with nWarmupSteps rank-agreement, waits until a step ranks the complete trials and judges from there", () => {
    // 8 complete trials over steps 0–5, final value = number: steps 0 and 1 order them at random, 2 onwards as they end.
    const curves = Array.from({ length: 8 }, (_, i) => complete(i, [(i * 5) % 8, (i * 5 + 3) % 8, i + 3, i + 2, i + 1, i]));
    // The default since session 24 (Optuna's is 0).
    const pruner = new MedianPruner();
    expect(pruner.nWarmupSteps).toBe("rank-agreement");
    const judge = (trials: FrozenTrial[], intermediate: Record<number, number>) => {
      const trial = running(100, intermediate);
      return pruner.prune(makeSnapshot([...trials, trial]), trial);
    };
    // 7 complete trials: too few to judge the steps; the default warm-up (0) would prune this trial at step 0.
    expect(new MedianPruner({ nWarmupSteps: 0 }).prune(makeSnapshot([...curves.slice(0, 7), running(100, { 0: 99 })]), running(100, { 0: 99 }))).toBe(true);
    expect(judge(curves.slice(0, 7), { 0: 99 })).toBe(false);
    // 8: the warm-up is step 2, so steps 0 and 1 are not judged, and step 2 is, against the median there (6.5).
    expect(judge(curves, { 0: 99, 1: 99 })).toBe(false);
    expect(judge(curves, { 0: 99, 1: 99, 2: 7 })).toBe(true);
    expect(judge(curves, { 0: 99, 1: 99, 2: 6 })).toBe(false);
    expect(createMedianPrunerFromOptions({ n_warmup_steps: "Rank-Agreement" }).nWarmupSteps).toBe("rank-agreement");
  });

  it("judges only once per interval after the warm-up", () => {
    const many = Array.from({ length: 5 }, (_, n) => complete(n, Array.from({ length: 10 }, () => n)));
    const pruner = new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 2, intervalSteps: 3 });
    const at = (steps: number[]): boolean => {
      const trial = running(9, Object.fromEntries(steps.map((s) => [s, 100])));
      return pruner.prune(makeSnapshot([...many, trial]), trial);
    };
    expect(at([0, 1])).toBe(false); // warm-up
    expect(at([0, 1, 2])).toBe(true); // step 2 opens the first interval
    expect(at([0, 1, 2, 3])).toBe(false);
    expect(at([0, 1, 2, 3, 4])).toBe(false);
    expect(at([0, 1, 2, 3, 4, 5])).toBe(true);
    expect(at([0, 6])).toBe(true); // a report skipping ahead is judged at the first chance
  });

  it("needs nMinTrials reports at the step, ignores NaN in others and prunes an all-NaN trial", () => {
    const sparse = [complete(0, [1, 1]), complete(1, [1]), complete(2, [1])];
    const trial = running(3, { 0: 5, 1: 5 });
    expect(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0, nMinTrials: 2 }).prune(makeSnapshot([...sparse, trial]), trial)).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0, nMinTrials: 1 }).prune(makeSnapshot([...sparse, trial]), trial)).toBe(true);
    const withNaN = [complete(0, [Number.NaN]), complete(1, [Number.NaN]), complete(2, [3])];
    expect(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }).prune(makeSnapshot(withNaN), running(9, { 0: 2 }))).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }).prune(makeSnapshot(withNaN), running(9, { 0: 4 }))).toBe(true);
    expect(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }).prune(makeSnapshot(history), running(9, { 0: Number.NaN }))).toBe(true);
    expect(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }).prune(makeSnapshot(history), running(9, {}))).toBe(false);
  });

  it("refuses multi-objective studies", () => {
    const snapshot = makeSnapshot(history, { directions: ["minimize", "maximize"] });
    expect(() => new MedianPruner().prune(snapshot, running(3, { 0: 1 }))).toThrow(/single-objective studies only/);
  });

  it("validates its options", () => {
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow(/intervalSteps must be an integer ≥ 1/);
    expect(() => new MedianPruner({ nStartupTrials: -1 })).toThrow(/nStartupTrials/);
    expect(() => new MedianPruner({ nMinTrials: 1.5 })).toThrow(/nMinTrials/);
  });

  it("agrees with Optuna's rule on random histories, reusing its cache across growing and unrelated snapshots", () => {
    const curve = fc.array(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }), {
      minLength: 0,
      maxLength: 6,
    });
    const record = fc.record({
      state: fc.constantFrom("complete", "complete", "pruned", "failed", "running"),
      curve,
    });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 25 }),
        fc.record({
          nStartupTrials: fc.integer({ min: 0, max: 6 }),
          nWarmupSteps: fc.integer({ min: 0, max: 3 }),
          intervalSteps: fc.integer({ min: 1, max: 3 }),
          nMinTrials: fc.integer({ min: 1, max: 4 }),
        }),
        fc.constantFrom<Direction>("minimize", "maximize"),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 6 }),
        (records, options, direction, probe) => {
          const pruner = new MedianPruner(options);
          const trials: FrozenTrial[] = [];
          // Grow the history one trial at a time, as a study does, and probe after each.
          const finished: FrozenTrial[] = [];
          records.forEach((r, number) => {
            const intermediate = Object.fromEntries(r.curve.map((v, i) => [i, v]));
            const t = makeTrial({ number, state: r.state as FrozenTrial["state"], values: r.state === "complete" ? [0] : null, intermediate });
            trials.push(t);
            if (t.state !== "running") finished.push(t);
            const snapshot: StudySnapshot = { ...makeSnapshot(trials, { directions: [direction] }), finished: [...finished] };
            for (let k = 1; k <= probe.length; k++) {
              const candidate = running(999, Object.fromEntries(probe.slice(0, k).map((v, i) => [i, v])));
              expect(pruner.prune(snapshot, candidate)).toBe(referencePrune(snapshot, candidate, options));
            }
          });
          // An unrelated snapshot of the same study id must not reuse stale statistics.
          const other = makeSnapshot([complete(0, [50, 50, 50, 50, 50, 50])], { directions: [direction] });
          const candidate = running(1, Object.fromEntries(probe.map((v, i) => [i, v])));
          expect(pruner.prune(other, candidate)).toBe(referencePrune(other, candidate, options));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("prunes unpromising trials in a real study", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }), pruner: new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 0 }) });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        for (let step = 0; step < 10; step++) {
          trial.reportIntermediate(x + 1 / (step + 1), step);
          if (trial.shouldPrune()) throw new TrialPruned();
        }
        return x;
      },
      { nTrials: 30 },
    );
    const pruned = study.trials.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(5);
    expect(study.trials.slice(0, 3).every((t) => t.state === "complete")).toBe(true);
  });
});

describe("createMedianPrunerFromOptions", () => {
  it("parses CLI strings in any key style", () => {
    const pruner = createMedianPrunerFromOptions({ n_startup_trials: "10", "n-warmup-steps": "3", intervalSteps: 2, NMinTrials: "4", other: undefined });
    expect([pruner.nStartupTrials, pruner.nWarmupSteps, pruner.intervalSteps, pruner.nMinTrials]).toEqual([10, 3, 2, 4]);
    expect(createMedianPrunerFromOptions().nStartupTrials).toBe(5);
  });

  it("names unknown keys and bad values", () => {
    expect(() => createMedianPrunerFromOptions({ percentile: "25" })).toThrow(/median pruner: unknown option "percentile"; valid options: nStartupTrials/);
    expect(() => createMedianPrunerFromOptions({ nWarmupSteps: "ten" })).toThrow(/"nWarmupSteps" must be rank-agreement or an integer >= 0, got "ten"/);
    expect(() => createMedianPrunerFromOptions({ nWarmupSteps: "" })).toThrow(/must be rank-agreement or an integer >= 0, got ""/);
    expect(() => createMedianPrunerFromOptions({ intervalSteps: "0" })).toThrow(/"intervalSteps" must be an integer >= 1/);
  });
});
