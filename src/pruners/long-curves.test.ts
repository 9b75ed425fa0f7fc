import { describe, expect, it } from "vitest";
import { type FrozenTrial, type StudySnapshot, makeTrial, trackIntermediate } from "../space/index.js";
import type { Pruner } from "./base.js";
import { MAX_CURVE_POINTS } from "./curve.js";
import { createPrunerByName } from "./registry.js";

const STEPS = 3000;

/**
 * A running trial whose intermediate record counts how it is read, with the index a running
 * `Trial` keeps beside it: a pruner that went back to scanning every step on every report (the
 * quadratic cost of a long learning curve) would list its keys or read thousands of values.
 */
function countedTrial(number: number): { trial: FrozenTrial; reads: { keys: number; values: number }; report(step: number, value: number): void } {
  const reads = { keys: 0, values: 0 };
  const record = new Proxy<Record<number, number>>(
    {},
    {
      ownKeys(target) {
        reads.keys++;
        return Reflect.ownKeys(target);
      },
      get(target, key) {
        reads.values++;
        return Reflect.get(target, key);
      },
    },
  );
  const index = trackIntermediate(record);
  reads.keys = 0;
  return {
    trial: makeTrial({ number, intermediate: record }),
    reads,
    report(step, value) {
      Reflect.set(record, step, value);
      index.add(step, value);
    },
  };
}

function snapshot(trials: FrozenTrial[]): StudySnapshot {
  const complete = trials.filter((t) => t.state === "complete");
  return { studyId: 1, studyKey: "long-curves", studyName: "long-curves", directions: ["minimize"], trials, finished: complete, userAttrs: {}, systemAttrs: {} };
}

function completeTrial(number: number): FrozenTrial {
  const intermediate: Record<number, number> = {};
  for (let step = 0; step < STEPS; step++) intermediate[step] = 1 + number / 10 + 1 / (step + 1);
  return makeTrial({ number, values: [intermediate[STEPS - 1]!], intermediate, finishedAt: number });
}

describe("pruners on a long learning curve", () => {
  // The most values of the judged trial a report may read: a few, or the curve pruner's features.
  const cases: [string, () => Pruner, number][] = [
    ["median", () => createPrunerByName("median", { nStartupTrials: 1, nWarmupSteps: 0 }), 4],
    ["percentile", () => createPrunerByName("percentile", { nStartupTrials: 1, nWarmupSteps: 0, intervalSteps: 7 }), 4],
    ["threshold", () => createPrunerByName("threshold", { upper: 100 }), 4],
    ["asha", () => createPrunerByName("asha", { minResource: 1, reductionFactor: 2 }), 4],
    ["patient", () => createPrunerByName("patient", { patience: 5 }), 4],
    ["wilcoxon", () => createPrunerByName("wilcoxon", { pThreshold: 0.1 }), 4],
    ["curve", () => createPrunerByName("curve", { minTrials: 3, seed: 1 }), MAX_CURVE_POINTS + 4],
  ];
  for (const [name, make, readLimit] of cases) {
    it(`${name} reads a bounded number of the judged trial's values per report, however many steps it has`, () => {
      const pruner = make();
      const history = [completeTrial(0), completeTrial(1), completeTrial(2)];
      const judged = countedTrial(3);
      let mostReads = 0;
      for (let step = 0; step < STEPS; step++) {
        // Better than every complete trial, so no pruner stops it and every step is judged.
        judged.report(step, 0.5 + 1 / (step + 1));
        judged.reads.values = 0;
        expect(pruner.prune(snapshot([...history, judged.trial]), judged.trial)).toBe(false);
        mostReads = Math.max(mostReads, judged.reads.values);
      }
      expect(judged.reads.keys).toBe(0);
      expect(mostReads).toBeLessThanOrEqual(readLimit);
    });
  }
});
