import { describe, expect, it } from "vitest";
import { type FrozenTrial, type JsonValue, makeSnapshot, makeTrial } from "../space/index.js";
import { rungKey } from "./asha.js";
import { BRACKET_KEY, HyperbandPruner, bracketCount, bracketWeightsByRankAgreement } from "./hyperband.js";
import { rankAgreement } from "./steps.js";
import { rankingCurves } from "../../test/fixtures/ranking-curves.js";
import { shouldPruneAskedTwice } from "../../test/fixtures/asked-twice.js";
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
    const a = new HyperbandPruner({ minResource: 1, maxResource: 27 });
    const b = new HyperbandPruner({ minResource: 1, maxResource: 27 });
    const numbers = Array.from({ length: 50 }, (_, n) => n);
    expect(numbers.map((n) => a.bracketFor("s1", n))).toEqual(numbers.map((n) => b.bracketFor("s1", n)));
    expect(numbers.map((n) => a.bracketFor("s1", n))).not.toEqual(numbers.map((n) => a.bracketFor("s2", n)));
    // With the defaults (first rung by rank agreement, maxResource "auto") there are no brackets before trials complete.
    expect(new HyperbandPruner().bracketFor("s1", 0)).toBeNull();
    expect(new HyperbandPruner({ minResource: 1 }).bracketFor("s1", 0)).toBeNull();
  });

  it("lays out maxResource auto from the first trial to complete, so a resume or another worker lays out the same brackets", () => {
    // It took the longest complete trial at the moment of looking: a process that looked once trial 1
    // (26 steps) had completed laid out 4 brackets where the one that looked after trial 0 (9 steps) had 3.
    const steps = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, s) => [s + 1, 1 / (s + 1)]));
    const first = makeTrial({ number: 0, values: [1], intermediate: steps(9), finishedAt: 1000 });
    const later = makeTrial({ number: 1, values: [1], intermediate: steps(26), finishedAt: 2000 });
    const running = makeTrial({ number: 2, intermediate: { 1: 1 } });
    const early = new HyperbandPruner({ minResource: 1 });
    early.prune(makeSnapshot([first, running], { studyName: "hb" }), running);
    const resumed = new HyperbandPruner({ minResource: 1 });
    resumed.prune(makeSnapshot([first, later, running], { studyName: "hb" }), running);
    expect([early.bracketCount, resumed.bracketCount]).toEqual([3, 3]);
    const numbers = Array.from({ length: 30 }, (_, n) => n);
    expect(numbers.map((n) => resumed.bracketFor("hb", n))).toEqual(numbers.map((n) => early.bracketFor("hb", n)));
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

  it("answers shouldPrune alike however often a trial asks about one report", async () => {
    for (const bracketWeighting of ["fixed", "rank-agreement"] as const) {
      const answers = await shouldPruneAskedTwice(new HyperbandPruner({ minResource: 1, maxResource: 4, reductionFactor: 2, bracketWeighting }), 12);
      expect(answers.some(([first]) => first)).toBe(true);
      for (const [first, second] of answers) expect(second).toBe(first);
    }
  });

  it("reads its options from the CLI and names bad ones", () => {
    expect(createPrunerByName("hyperband", { max_resource: "100", reduction_factor: "2" })).toMatchObject({ reductionFactor: 2 });
    expect(() => createPrunerByName("hyperband", { maxResource: "lots" })).toThrow(/"maxResource" must be auto or an integer >= 1, got "lots"/);
    expect(() => new HyperbandPruner({ minResource: 10, maxResource: 5 })).toThrow(/maxResource must be an integer ≥ 10/);
  });

  it("with samplerPerBracket, shows the sampler only the new trial's bracket, the trials Optuna 3.1's sampler sees", async () => {
    const perBracket = await trialsTheSamplerSaw(true);
    for (const n of [20, 21, 22, 23]) expect(perBracket[n]).toEqual(OPTUNA_SAMPLER_SAW[n]);
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 27, samplerPerBracket: true });
    for (let n = 1; n < 24; n++) for (const seen of perBracket[n]!) expect(pruner.bracketFor("per-bracket", seen)).toBe(pruner.bracketFor("per-bracket", n));
    // By default the sampler sees every earlier trial.
    const all = await trialsTheSamplerSaw(false);
    for (let n = 0; n < 24; n++) expect(all[n]).toEqual(Array.from({ length: n }, (_, k) => k));
    expect(() => createPrunerByName("hyperband", { samplerPerBracket: "maybe" })).toThrow(/samplerPerBracket/);
  });

  describe("minResource rank-agreement", () => {
    it("lays out no bracket until a step ranks the complete trials, then starts the most aggressive one there", () => {
      const pruner = new HyperbandPruner({ minResource: "rank-agreement", maxResource: 9, reductionFactor: 3 });
      const judge = (peers: FrozenTrial[], number: number, intermediate: Record<number, number>) => {
        const trial = makeTrial({ number, intermediate });
        return pruner.prune(makeSnapshot([...peers, trial], { studyName: "hb-rank" }), trial);
      };
      // 7 complete trials: too few to judge the steps, so no brackets and nothing pruned.
      expect(judge(rankingCurves(7), 500, { 3: 100 })).toBe(false);
      expect(pruner.bracketCount).toBeNull();
      // 8 whose steps rank from 3 on: brackets from step 3 to 9, two of them (rungs at 3 and 9).
      const done = rankingCurves(8);
      judge(done, 501, { 1: 0 });
      expect(pruner.bracketCount).toBe(2);
      // A bracket-0 trial is judged at step 3 against the values the complete trials of its bracket
      // reported there before the brackets existed (they are at least 3.3), not at step 1.
      const inZero = Array.from({ length: 400 }, (_, n) => 1000 + n).filter((n) => pruner.bracketFor("hb-rank", n) === 0);
      const peersInZero = done.filter((t) => pruner.bracketFor("hb-rank", t.number) === 0);
      expect(peersInZero.length).toBeGreaterThanOrEqual(2);
      expect(judge(done, inZero[0]!, { 1: 1e9, 2: 1e9 })).toBe(false);
      expect(judge(done, inZero[1]!, { 3: 100 })).toBe(true);
      expect(judge(done, inZero[2]!, { 3: 0 })).toBe(false);
    });

    it("records a trial that was already past its bracket's rungs with its value at each rung's step, not its latest", () => {
      // Losses q + 2/(1 + s) rank trials by q from step 1, so with η = 3 and maxResource 30 bracket b
      // has its rungs at steps 3^b, 3^(b+1), … below 30.
      const loss = (q: number, s: number) => q + 2 / (1 + s);
      const curve = (number: number, q: number, last: number, state: "running" | "complete") =>
        makeTrial({
          number,
          state,
          ...(state === "complete" ? { values: [loss(q, last)] } : {}),
          intermediate: Object.fromEntries(Array.from({ length: last + 1 }, (_, s) => [s, loss(q, s)])),
        });
      const done = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map((q, i) => curve(i, q, 29, "complete"));
      const pruner = new HyperbandPruner({ maxResource: 30 });
      const seen = new Set<number>();
      for (let number = 8; number < 40; number++) {
        // A poor trial (q = 0.75) that ran to step 20 before the brackets were laid out.
        const notes: Record<string, JsonValue> = {};
        const trial = curve(number, 0.75, 20, "running");
        pruner.prune(makeSnapshot([...done, trial], { studyName: "hb-straddle" }), trial, { setSystemAttr: (k, v) => void (notes[k] = v) });
        const bracket = pruner.bracketFor("hb-straddle", number)!;
        if (Object.keys(notes).length > 0) seen.add(bracket);
        for (const [k, value] of Object.entries(notes)) {
          const rung = Number(k.replace(/^completed_rung_/, ""));
          expect(value).toBe(loss(0.75, 3 ** (bracket + rung)));
        }
      }
      expect(pruner.bracketCount).toBe(4);
      expect([...seen].sort()).toEqual([0, 1, 2]);
    });

    it("reads the option from the CLI, and refuses it with bootstrapCount", () => {
      expect(createPrunerByName("hyperband", { min_resource: "rank-agreement" })).toMatchObject({ minResource: "rank-agreement" });
      // The default since session 24 (1 before, as Optuna's).
      expect(createPrunerByName("hyperband", {})).toMatchObject({ minResource: "rank-agreement" });
      expect(new HyperbandPruner()).toMatchObject({ minResource: "rank-agreement" });
      expect(() => createPrunerByName("hyperband", { minResource: "rank" })).toThrow(/"minResource" must be rank-agreement or an integer >= 1, got "rank"/);
      expect(() => new HyperbandPruner({ minResource: "rank-agreement", bootstrapCount: 2 })).toThrow(/bootstrapCount needs a numeric minResource/);
    });
  });

  describe("bracketWeighting rank-agreement", () => {
    /** A complete trial whose value is `early` at steps before 27 and `final` at 27. */
    const complete = (number: number, early: number, final: number) =>
      makeTrial({ number, state: "complete", values: [final], intermediate: Object.fromEntries(Array.from({ length: 27 }, (_, i) => [i + 1, i + 1 < 27 ? early : final])) });

    it("measures Kendall's τ between a step's values and the final values of complete trials", () => {
      // Step values 1..5, finals in the same order but the last two swapped: 9 concordant pairs, 1 discordant.
      const trials = [1, 2, 3, 4, 5].map((x, n) => complete(n, x, [1, 2, 3, 5, 4][n]!));
      expect(rankAgreement(trials, 1)).toBeCloseTo(0.8, 12);
      expect(rankAgreement(trials, 27)).toBe(1);
      // Pruned and running trials carry no final value: they do not count, and four trials are too few.
      const pruned = makeTrial({ number: 9, state: "pruned", intermediate: { 1: 0 } });
      expect(rankAgreement([...trials.slice(0, 4), pruned], 1)).toBeNull();
      expect(rankAgreement(trials.slice(0, 4), 1, 4)).toBeCloseTo(1, 12);
      // Reversed order: τ = −1, so the bracket starting there gets no share; a bracket starting at R always 1.
      const reversed = [1, 2, 3, 4, 5].map((x, n) => complete(n, x, 10 - x));
      expect(bracketWeightsByRankAgreement(reversed, [1, 3, 9, 27], 27)).toEqual([0, 0, 0, 1]);
      expect(bracketWeightsByRankAgreement(trials, [1, 27], 27).map((w) => Number(w.toFixed(6)))).toEqual([0.8, 1]);
      // Until enough trials are complete the weights are plain Hyperband's.
      expect(bracketWeightsByRankAgreement([], [1, 3, 9, 27], 27)).toEqual([1, 1, 1, 1]);
    });

    it("sends new trials to the bracket that prunes nothing when early steps rank trials against their final values", () => {
      // Five complete trials whose every early step ranks them opposite to their final values.
      const history = [1, 2, 3, 4, 5].map((x, n) => complete(n, x, 10 - x));
      const weighted = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, bracketWeighting: "rank-agreement" });
      const fixed = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
      let pruningBracketFixed = 0;
      for (let number = 5; number < 45; number++) {
        // A newcomer that is worst at every early step: the first rung of any pruning bracket stops it.
        const trial = makeTrial({ number, intermediate: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [i + 1, 100])) });
        const notes: Record<string, JsonValue> = {};
        expect(weighted.prune(makeSnapshot([...history, trial], { studyName: "w" }), trial, { setSystemAttr: (k, v) => void (notes[k] = v) })).toBe(false);
        expect(notes[BRACKET_KEY]).toBe(3);
        if (fixed.bracketFor("w", number) !== 3) pruningBracketFixed++;
      }
      // Hyperband's fixed shares (27 : 12 : 6 : 4 of 49) put most of them in brackets that prune.
      expect(pruningBracketFixed).toBeGreaterThan(30);
      // With R = 52 even the last bracket has a rung (at 27): when every rung ranks against the
      // final values, trials go to that bracket, the one that prunes least, not to the first.
      const long = [1, 2, 3, 4, 5].map((x, n) =>
        makeTrial({ number: n, state: "complete", values: [10 - x], intermediate: Object.fromEntries(Array.from({ length: 52 }, (_, i) => [i + 1, i + 1 < 52 ? x : 10 - x])) }),
      );
      const pruner52 = new HyperbandPruner({ minResource: 1, maxResource: 52, reductionFactor: 3, bracketWeighting: "rank-agreement" });
      for (let number = 5; number < 25; number++) {
        const trial = makeTrial({ number, intermediate: { 1: 100 } });
        const notes: Record<string, JsonValue> = {};
        expect(pruner52.prune(makeSnapshot([...long, trial], { studyName: "w52" }), trial, { setSystemAttr: (k, v) => void (notes[k] = v) })).toBe(false);
        expect(notes[BRACKET_KEY]).toBe(3);
      }
    });

    it("keeps a trial in the bracket recorded on it, and compares it only with that bracket's trials", () => {
      const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3, bracketWeighting: "rank-agreement" });
      const peers = [
        // Recorded in bracket 0 and better at rung 0 (step 1)...
        ...[0, 1].map((number) => makeTrial({ number, state: "pruned", intermediate: { 1: 0.1 }, systemAttrs: { [BRACKET_KEY]: 0, [rungKey(0)]: 0.1 } })),
        // ...and in bracket 1, worse: they must not rescue the trial.
        ...[2, 3, 4, 5].map((number) => makeTrial({ number, state: "pruned", intermediate: { 3: 9 }, systemAttrs: { [BRACKET_KEY]: 1, [rungKey(0)]: 9 } })),
      ];
      const trial = makeTrial({ number: 6, intermediate: { 1: 0.5 }, systemAttrs: { [BRACKET_KEY]: 0 } });
      expect(pruner.prune(makeSnapshot([...peers, trial], { studyName: "r" }), trial)).toBe(true);
      const best = makeTrial({ number: 7, intermediate: { 1: 0.05 }, systemAttrs: { [BRACKET_KEY]: 0 } });
      expect(pruner.prune(makeSnapshot([...peers, best], { studyName: "r" }), best)).toBe(false);
      // Recorded in bracket 1, whose first rung is at step 3: step 1 is not judged.
      const late = makeTrial({ number: 8, intermediate: { 1: 99 }, systemAttrs: { [BRACKET_KEY]: 1 } });
      expect(pruner.prune(makeSnapshot([...peers, late], { studyName: "r" }), late)).toBe(false);
    });

    it("reads the option from the CLI and refuses it with samplerPerBracket", () => {
      expect(createPrunerByName("hyperband", { bracketWeighting: "rank-agreement", maxResource: "27" })).toMatchObject({ bracketWeighting: "rank-agreement" });
      expect(createPrunerByName("hyperband", {})).toMatchObject({ bracketWeighting: "fixed" });
      expect(() => createPrunerByName("hyperband", { bracketWeighting: "spearman" })).toThrow(/bracketWeighting/);
      expect(() => new HyperbandPruner({ bracketWeighting: "rank-agreement", samplerPerBracket: true })).toThrow(/samplerPerBracket/);
    });
  });
});
