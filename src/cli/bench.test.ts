import { describe, expect, it } from "vitest";
import type { RunResult } from "../bench/lab/index.js";
import { noiselessFallbackWarnings } from "./bench.js";

const base = { trials: 5, curve: [1, 1, 0.5, 0.5, 0.2], bestValue: 0.2, seconds: 1, optimizerSeconds: 0.1 };

describe("noiselessFallbackWarnings", () => {
  it("counts new incumbents, multi-fidelity incumbents and recommended trials apart, each with its first reason", () => {
    const results: RunResult[] = [
      { ...base, problem: "sklearn-knn-iris", optimizer: "random", seed: 0, noiselessFailures: 2, firstNoiselessFailure: "crashed on the second run" },
      { ...base, problem: "sklearn-knn-iris", optimizer: "tpe", seed: 0, noiselessFailures: 1, firstNoiselessFailure: "exit code 2" },
      { ...base, problem: "augmented-branin-2d-fidelity", optimizer: "random", seed: 1, fidelityUnitsPerTrial: 9, noiselessFailures: 4, firstNoiselessFailure: "not a finite number" },
      { ...base, problem: "hartmann3-3d-noisy", optimizer: "gp", seed: 2, recommendedNoiselessFailures: 3, firstRecommendedNoiselessFailure: "the re-run crashed" },
      { ...base, problem: "branin-2d", optimizer: "gp", seed: 3 },
    ];
    expect(noiselessFallbackWarnings(results)).toEqual([
      "sextant: in 2 runs, the noiseless value of 3 new incumbents could not be measured (measuring it failed or gave no finite value); " +
        "their regret is their observed value minus the reference (first: random on sklearn-knn-iris, seed 0: crashed on the second run)",
      "sextant: in 1 multi-fidelity run, the noiseless final value of 4 new incumbents could not be measured (measuring it failed or gave no finite value); " +
        "their regret is their observed final value minus the reference (first: random on augmented-branin-2d-fidelity, seed 1: not a finite number)",
      "sextant: in 1 run, the noiseless value of 3 recommended trials could not be measured (measuring it failed or gave no finite value); " +
        "their regret in the recommended-trial curve is their observed value minus the reference (first: gp on hartmann3-3d-noisy, seed 2: the re-run crashed)",
    ]);
  });

  it("says nothing when every noiseless value was measured", () => {
    expect(noiselessFallbackWarnings([{ ...base, problem: "branin-2d", optimizer: "gp", seed: 0 }])).toEqual([]);
  });
});
