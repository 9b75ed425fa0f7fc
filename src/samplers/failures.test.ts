import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { createStudy, loadStudy } from "../study/index.js";
import { MemoryStorage } from "../storage/index.js";
import { failureTestRows, failuresArePredictable } from "./failures.js";
import { RandomSampler } from "./random.js";
import { TPESampler } from "./tpe/index.js";

const uniformPoints = (count: number, d: number, seed: number): Float64Array[] => {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Float64Array.from({ length: d }, () => rng.uniform()));
};

describe("failuresArePredictable", () => {
  it("finds failures confined to a region of the space", () => {
    const points = uniformPoints(40, 3, 1);
    const failed = points.map((p) => p[1]! > 0.7);
    expect(failed.filter(Boolean).length).toBeGreaterThan(5);
    expect(failuresArePredictable(points, failed, new Uint8Array(3), 7)).toBe(true);
  });

  it("answers no, at its 1% level, for failures that strike at random", () => {
    let passed = 0;
    for (let seed = 0; seed < 40; seed++) {
      const points = uniformPoints(40, 3, 100 + seed);
      const rng = new Rng(seed);
      const failed = points.map(() => rng.uniform() < 0.2);
      if (failuresArePredictable(points, failed, new Uint8Array(3), seed)) passed++;
    }
    // 1% of 40 tests is 0.4: more than 2 would be a miscalibrated test.
    expect(passed).toBeLessThanOrEqual(2);
  });

  it("needs two failed and two other points, and gives the same answer for the same seed", () => {
    const points = uniformPoints(30, 2, 3);
    expect(failuresArePredictable(points, points.map((_, j) => j === 0), new Uint8Array(2), 1)).toBe(false);
    expect(failuresArePredictable(points, points.map((_, j) => j > 0), new Uint8Array(2), 1)).toBe(false);
    const failed = points.map((p) => p[0]! < 0.4);
    expect(failuresArePredictable(points, failed, new Uint8Array(2), 5)).toBe(failuresArePredictable(points, failed, new Uint8Array(2), 5));
  });

  it("reads categorical coordinates as same-or-different, and leaves out what a point lacks", () => {
    // The failing choice is 2 of 0..3; the second coordinate exists only for choice 2 (a
    // conditional parameter), so its absence alone must not separate the labels.
    const rng = new Rng(4);
    const points: Float64Array[] = [];
    const failed: boolean[] = [];
    for (let j = 0; j < 48; j++) {
      const choice = j % 4;
      points.push(Float64Array.of(choice, choice === 2 ? rng.uniform() : Number.NaN));
      failed.push(choice === 2);
    }
    expect(failuresArePredictable(points, failed, Uint8Array.of(1, 0), 1)).toBe(true);
    // Random failures among trials of which some lack the second coordinate: no pattern.
    const noise = new Rng(9);
    let passed = 0;
    for (let seed = 0; seed < 20; seed++) {
      const labels = points.map(() => noise.uniform() < 0.3);
      if (failuresArePredictable(points, labels, Uint8Array.of(1, 0), seed)) passed++;
    }
    expect(passed).toBeLessThanOrEqual(1);
  });
});

describe("failureTestRows", () => {
  it("tests every history up to 300 rows, then at counts 10% apart, never above the history", () => {
    expect([1, 2, 299, 300].map(failureTestRows)).toEqual([1, 2, 299, 300]);
    expect([301, 329, 330, 362, 363].map(failureTestRows)).toEqual([300, 300, 330, 330, 363]);
    let points = 0;
    let previous = 0;
    for (let n = 1; n <= 50_000; n++) {
      const tested = failureTestRows(n);
      expect(tested <= n && tested >= previous).toBe(true);
      if (tested !== previous) points++;
      previous = tested;
    }
    // A sampler asked once per trial retests 353 times in 50,000 trials, not 50,000 times.
    expect(points).toBe(353);
  });

  it("lets TPE keep an answer between test points and agree with a sampler that starts late", async () => {
    const objective = (trial: { suggestFloat: (n: string, l: number, h: number) => number }) => {
      const x = trial.suggestFloat("x", 0, 1);
      const y = trial.suggestFloat("y", 0, 1);
      if (x > 0.8) throw new Error("out of memory");
      return (x - 0.3) ** 2 + y;
    };
    // Two studies with the same 350 random trials; in each TPE runs trials 350 and 351, with one
    // sampler object throughout in the first and a new one for trial 351 in the second.
    const run = async (fresh: boolean) => {
      const storage = new MemoryStorage();
      const study = await createStudy({ name: "f", storage, sampler: new RandomSampler({ seed: 3 }) });
      await study.optimize(objective, { nTrials: 350 });
      const tpe = await loadStudy({ name: "f", storage, sampler: new TPESampler({ seed: 5 }) });
      await tpe.optimize(objective, { nTrials: 1 });
      const next = fresh ? await loadStudy({ name: "f", storage, sampler: new TPESampler({ seed: 5 }) }) : tpe;
      await next.optimize(objective, { nTrials: 1 });
      return next.trials.at(-1)!.params;
    };
    expect(await run(true)).toEqual(await run(false));
  });
});
