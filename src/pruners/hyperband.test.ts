import { describe, expect, it } from "vitest";
import { type FrozenTrial, type JsonValue, makeSnapshot, makeTrial } from "../space/index.js";
import { rungKey } from "./asha.js";
import { HyperbandPruner, bracketCount } from "./hyperband.js";
import { createPrunerByName } from "./registry.js";
import { RandomSampler } from "../samplers/random.js";
import type { Sampler } from "../samplers/base.js";
import { createStudy } from "../study/index.js";

/**
 * Which earlier trials the sampler saw when it proposed trials 20–23 of a study named "per-bracket"
 * under Optuna 3.1's HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3): read by
 * a sampler that records `study.get_trials()` in `sample_independent` (Optuna filters the study to
 * the new trial's bracket there).
 */
const OPTUNA_SAMPLER_SAW: Record<number, number[]> = {
  20: [0, 1, 3, 4, 6, 8, 10, 11, 13, 14, 15, 18],
  21: [12, 16, 17],
  22: [0, 1, 3, 4, 6, 8, 10, 11, 13, 14, 15, 18, 20],
  23: [12, 16, 17, 21],
};

/** Runs 24 trials whose value at step s is x·s; returns the earlier trials the sampler saw for each. */
async function trialsTheSamplerSaw(samplerPerBracket: boolean): Promise<Record<number, number[]>> {
  const seen: Record<number, number[]> = {};
  const random = new RandomSampler({ seed: 1 });
  const recorder: Sampler = {
    name: "recorder",
    inferRelativeSpace: () => ({}),
    sampleRelative: () => ({}),
    sampleIndependent(snapshot, trial, name, distribution) {
      seen[trial.number] = snapshot.trials.filter((t) => t.number !== trial.number).map((t) => t.number);
      return random.sampleIndependent(snapshot, trial, name, distribution);
    },
  };
  const study = await createStudy({ name: "per-bracket", sampler: recorder, pruner: new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, samplerPerBracket }) });
  for (let n = 0; n < 24; n++) {
    const trial = await study.ask();
    const x = trial.suggestFloat("x", 0, 1);
    let pruned = false;
    for (let step = 1; step <= 27 && !pruned; step++) {
      trial.reportIntermediate(x * step, step);
      pruned = trial.shouldPrune();
    }
    await study.tell(trial, pruned ? { state: "pruned" } : x);
  }
  return seen;
}

describe("HyperbandPruner", () => {
  it("lays out ⌊log_η(max/min)⌋ + 1 brackets, sharing trials as Hyperband's n_i", () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    const counts = [0, 0, 0, 0, 0];
    for (let n = 0; n < 20000; n++) counts[pruner.bracketFor("study", n)!]!++;
    expect(pruner.bracketCount).toBe(5);
    // Budgets ⌈5·3^s/(s+1)⌉ for s = 4..0: 81, 34, 15, 8, 5 of 143.
    const expected = [81, 34, 15, 8, 5].map((b) => b / 143);
    counts.forEach((c, i) => expect(c / 20000).toBeCloseTo(expected[i]!, 1));
  });

  it("counts brackets exactly where the floating-point logarithm falls just short of a whole power", () => {
    // Li et al. 2018: s_max = ⌊log_η(R)⌋; log(1000)/log(10) = 2.9999999999999996 in floating point.
    expect(bracketCount(1, 1000, 10)).toBe(4);
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 1000, reductionFactor: 10 });
    pruner.bracketFor("s", 0);
    expect(pruner.bracketCount).toBe(4);
    expect(bracketCount(1, 243, 3)).toBe(6);
    expect(bracketCount(1, 27, 3)).toBe(4);
    expect(bracketCount(3, 100, 3)).toBe(4); // rungs at 3, 9, 27, 81
    expect(bracketCount(1, 26, 3)).toBe(3);
    expect(bracketCount(5, 5, 3)).toBe(1);
  });

  it("assigns a trial to its bracket from the study name and trial number alone", () => {
    const a = new HyperbandPruner({ maxResource: 27 });
    const b = new HyperbandPruner({ maxResource: 27 });
    const numbers = Array.from({ length: 50 }, (_, n) => n);
    expect(numbers.map((n) => a.bracketFor("s1", n))).toEqual(numbers.map((n) => b.bracketFor("s1", n)));
    expect(numbers.map((n) => a.bracketFor("s1", n))).not.toEqual(numbers.map((n) => a.bracketFor("s2", n)));
    expect(new HyperbandPruner().bracketFor("s1", 0)).toBeNull(); // "auto": unknown until a trial completes
  });

  it("compares a trial only with trials of its own bracket, at that bracket's rungs", () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const bracketOf = (n: number) => pruner.bracketFor("hb", n)!;
    const numbers = Array.from({ length: 200 }, (_, n) => n);
    const zero = numbers.filter((n) => bracketOf(n) === 0);
    const other = numbers.filter((n) => bracketOf(n) !== 0);
    const peers: FrozenTrial[] = [
      // Two bracket-0 trials that did much better at rung 0 (step 1)...
      ...zero.slice(0, 2).map((number) => makeTrial({ number, state: "pruned", intermediate: { 1: 0.1 }, systemAttrs: { [rungKey(0)]: 0.1 } })),
      // ...and many in other brackets that did worse: they must not rescue the trial.
      ...other.slice(0, 6).map((number) => makeTrial({ number, state: "pruned", intermediate: { 3: 9 }, systemAttrs: { [rungKey(0)]: 9 } })),
    ];
    const notes: Record<string, JsonValue> = {};
    const trial = makeTrial({ number: zero[2]!, intermediate: { 1: 0.5 } });
    expect(pruner.prune(makeSnapshot([...peers, trial], { studyName: "hb" }), trial, { setSystemAttr: (k, v) => void (notes[k] = v) })).toBe(true);
    expect(notes).toEqual({ [rungKey(0)]: 0.5 });
    // In bracket 1 the first rung is at step 3, so step 1 is never judged.
    const late = makeTrial({ number: other.find((n) => bracketOf(n) === 1)!, intermediate: { 1: 99 } });
    expect(pruner.prune(makeSnapshot([...peers, late], { studyName: "hb" }), late)).toBe(false);
  });

  it("reads its options from the CLI and names bad ones", () => {
    expect(createPrunerByName("hyperband", { max_resource: "100", reduction_factor: "2" })).toMatchObject({ reductionFactor: 2 });
    expect(() => createPrunerByName("hyperband", { maxResource: "lots" })).toThrow(/"maxResource" must be auto or an integer >= 1, got "lots"/);
    expect(() => new HyperbandPruner({ minResource: 10, maxResource: 5 })).toThrow(/maxResource must be an integer ≥ 10/);
  });

  it("with samplerPerBracket, shows the sampler only the new trial's bracket, the trials Optuna 3.1's sampler sees", async () => {
    const perBracket = await trialsTheSamplerSaw(true);
    for (const n of [20, 21, 22, 23]) expect(perBracket[n]).toEqual(OPTUNA_SAMPLER_SAW[n]);
    const pruner = new HyperbandPruner({ maxResource: 27, samplerPerBracket: true });
    for (let n = 1; n < 24; n++) for (const seen of perBracket[n]!) expect(pruner.bracketFor("per-bracket", seen)).toBe(pruner.bracketFor("per-bracket", n));
    // By default the sampler sees every earlier trial.
    const all = await trialsTheSamplerSaw(false);
    for (let n = 0; n < 24; n++) expect(all[n]).toEqual(Array.from({ length: n }, (_, k) => k));
    expect(() => createPrunerByName("hyperband", { samplerPerBracket: "maybe" })).toThrow(/samplerPerBracket/);
  });
});
