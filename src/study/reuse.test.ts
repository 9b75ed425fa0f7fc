/**
 * One sampler or pruner object used by several studies in turn, as a loop over seeds or problems
 * does: study ids repeat across storages (every memory: store and SQLite file starts at 1), so
 * state kept per study id carried one study's rungs, warm-up or search state into the next.
 */
import { describe, expect, it } from "vitest";
import { CmaEsSampler, RandomSampler } from "../samplers/index.js";
import { HyperbandPruner, MedianPruner, type Pruner, SuccessiveHalvingPruner } from "../pruners/index.js";
import { MemoryStorage } from "../storage/index.js";
import { createStudy } from "./index.js";

/** Flat curves at `levels`, over `steps` steps, one trial each; what the pruner did to each trial. */
async function flatCurves(pruner: Pruner, levels: number[], steps: number, name?: string) {
  const study = await createStudy({ ...(name ? { name } : {}), storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner });
  for (const level of levels) {
    const trial = await study.ask();
    let pruned: number | null = null;
    for (let step = 0; step < steps; step++) {
      trial.reportIntermediate(level, step);
      if (trial.shouldPrune()) {
        pruned = step;
        break;
      }
    }
    await study.tell(trial, pruned === null ? { state: "complete", values: [level] } : { state: "pruned" });
  }
  return study.trials.map((t) => ({ state: t.state, rungs: Object.keys(t.systemAttrs).filter((k) => k.startsWith("completed_rung_")).sort() }));
}

describe("a sampler or pruner used by one study after another", () => {
  it("judges ASHA's second study as a fresh pruner would", async () => {
    const shared = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    await flatCurves(shared, [1, 2, 3], 4);
    const fresh = await flatCurves(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }), [10, 20, 30], 4);
    // The shared pruner used to find study A's rung values under the same study and trial ids:
    // trial 0 recorded no rung, and the others were pruned a rung late.
    expect(await flatCurves(shared, [10, 20, 30], 4)).toEqual(fresh);
    expect(fresh[0]).toEqual({ state: "complete", rungs: ["completed_rung_0", "completed_rung_1"] });
  });

  it("lays out Hyperband's brackets from each study's own trials", async () => {
    // maxResource "auto": study A's curves are 3 steps long, study B's 27. The shared pruner kept
    // A's single bracket for B, so B pruned nothing.
    const shared = new HyperbandPruner({ minResource: 1, reductionFactor: 3 });
    await flatCurves(shared, [1, 2, 3], 3, "A");
    const levels = Array.from({ length: 12 }, (_, i) => i + 1);
    const fresh = await flatCurves(new HyperbandPruner({ minResource: 1, reductionFactor: 3 }), levels, 27, "B");
    expect(fresh.some((t) => t.state === "pruned")).toBe(true);
    expect(await flatCurves(shared, levels, 27, "B")).toEqual(fresh);
  });

  it("finds the median pruner's ranking step in each study anew", async () => {
    // Study A's trials rank from the first step; study B's only at the last, where nothing is pruned.
    const shared = new MedianPruner();
    const ranked = async (pruner: Pruner, crossing: boolean) => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner });
      const prunedAt: (number | null)[] = [];
      for (let i = 0; i < 12; i++) {
        const trial = await study.ask();
        const final = i % 6;
        let at: number | null = null;
        for (let step = 0; step < 10; step++) {
          trial.reportIntermediate(crossing && step < 9 ? 10 - final : final, step);
          if (trial.shouldPrune()) {
            at = step;
            break;
          }
        }
        prunedAt.push(at);
        await study.tell(trial, at === null ? final : { state: "pruned" });
      }
      return prunedAt;
    };
    await ranked(shared, false);
    expect(await ranked(shared, true)).toEqual(await ranked(new MedianPruner(), true));
  });

  it("keeps CMA-ES's search state apart for two studies of different storages used in turn", async () => {
    const objective = (x: number, y: number) => (x - 3) ** 2 + (y + 1) ** 2;
    const alone = async () => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new CmaEsSampler({ seed: 7 }) });
      await study.optimize((t) => objective(t.suggestFloat("x", -5, 5), t.suggestFloat("y", -5, 5)), { nTrials: 24 });
      return study.trials.map((t) => t.params);
    };
    // One sampler, two studies (both id 1 in their own storage), asked in turn. Study B used to
    // take up A's state wherever their trial ids lined up.
    const shared = new CmaEsSampler({ seed: 7 });
    const a = await createStudy({ storage: new MemoryStorage(), sampler: shared });
    const b = await createStudy({ storage: new MemoryStorage(), sampler: shared, direction: "maximize" });
    for (let i = 0; i < 24; i++) {
      for (const study of [a, b]) {
        const trial = await study.ask();
        const value = objective(trial.suggestFloat("x", -5, 5), trial.suggestFloat("y", -5, 5));
        await study.tell(trial, study === a ? value : -value);
      }
    }
    const expected = await alone();
    expect(a.trials.map((t) => t.params)).toEqual(expected);
    expect(b.trials.map((t) => t.params)).toEqual(expected);
  });
});
