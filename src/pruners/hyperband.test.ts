import { describe, expect, it } from "vitest";
import { type FrozenTrial, type JsonValue, makeSnapshot, makeTrial } from "../space/index.js";
import { rungKey } from "./asha.js";
import { HyperbandPruner, bracketCount } from "./hyperband.js";
import { createPrunerByName } from "./registry.js";

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
});
