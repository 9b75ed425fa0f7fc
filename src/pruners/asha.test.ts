import { describe, expect, it } from "vitest";
import { type FrozenTrial, type JsonValue, makeSnapshot, makeTrial } from "../space/index.js";
import { RandomSampler } from "../samplers/random.js";
import { MemoryStorage } from "../storage/memory.js";
import { createStudy } from "../study/index.js";
import { SuccessiveHalvingPruner, rungKey } from "./asha.js";
import { firstRankingStep } from "./steps.js";
import { rankingCurves } from "../../test/fixtures/ranking-curves.js";
import { shouldPruneAskedTwice } from "../../test/fixtures/asked-twice.js";
import { createPrunerByName } from "./registry.js";

/** A trial that reached rung values `rungs` earlier (as recorded by a previous judgement). */
function peer(number: number, rungs: number[], state: "running" | "complete" | "pruned" = "pruned", lastStep = 100): FrozenTrial {
  return makeTrial({
    number,
    state,
    ...(state === "complete" ? { values: [0] } : {}),
    intermediate: { [lastStep]: 0 },
    systemAttrs: Object.fromEntries(rungs.map((v, k) => [rungKey(k), v])),
  });
}

let nextNumber = 100;

/** Judges a fresh trial (a new number each time, since the pruner remembers the rungs it recorded per trial). */
function judge(pruner: SuccessiveHalvingPruner, peers: FrozenTrial[], intermediate: Record<number, number>, direction: "minimize" | "maximize" = "minimize") {
  const notes: Record<string, JsonValue> = {};
  const trial = makeTrial({ number: nextNumber++, intermediate });
  const pruned = pruner.prune(makeSnapshot([...peers, trial], { directions: [direction] }), trial, { setSystemAttr: (k, v) => void (notes[k] = v) });
  return { pruned, notes };
}

describe("SuccessiveHalvingPruner (asha)", () => {
  it("places rung k at minResource·η^(s+k) steps and records the value reached there", () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 });
    // Rung 0 is at 6 steps: before it nothing is judged or recorded.
    expect(judge(pruner, [], { 0: 1, 5: 1 })).toEqual({ pruned: false, notes: {} });
    // Alone at rung 0 the trial is the best, so it is promoted and its value recorded.
    expect(judge(pruner, [], { 6: 0.7 })).toEqual({ pruned: false, notes: { completed_rung_0: 0.7 } });
    // Reaching step 18 at once passes rungs 0 and 1 with the same latest value.
    expect(judge(pruner, [], { 18: 0.4 })).toEqual({ pruned: false, notes: { completed_rung_0: 0.4, completed_rung_1: 0.4 } });
  });

  it("keeps a trial only if it is among the best ⌊n/η⌋ at the rung (the best while n < η)", () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const peers = [peer(0, [0.2]), peer(1, [0.5]), peer(2, [0.9])];
    // n = 4 with the trial, so the best 2 go on: the cut-off is 0.5.
    expect(judge(pruner, peers, { 1: 0.5 }).pruned).toBe(false);
    expect(judge(pruner, peers, { 1: 0.51 }).pruned).toBe(true);
    // Maximizing keeps the top 2: 0.5 and 0.9.
    expect(judge(pruner, peers, { 1: 0.5 }, "maximize").pruned).toBe(false);
    expect(judge(pruner, peers, { 1: 0.49 }, "maximize").pruned).toBe(true);
    // With only one peer (n = 2 < η = 3) the trial must be the best.
    const eta3 = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
    expect(judge(eta3, [peer(0, [0.2])], { 1: 0.3 }).pruned).toBe(true);
    expect(judge(eta3, [peer(0, [0.2])], { 1: 0.1 }).pruned).toBe(false);
  });

  it("judges a rung once: a trial that passed it is not judged there again", () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const notes: Record<string, JsonValue> = {};
    let trial = makeTrial({ number: 5, intermediate: { 1: 0.1 } });
    const peers = [peer(0, [0.5]), peer(1, [0.6])];
    const ask = () => pruner.prune(makeSnapshot([...peers, trial]), trial, { setSystemAttr: (k, v) => void (notes[k] = v) });
    expect(ask()).toBe(false);
    trial = makeTrial({ number: 5, intermediate: { 1: 0.1, 2: 0.8 }, systemAttrs: { ...notes } });
    // At rung 1 nobody else has a value: alone, the trial is promoted.
    expect(ask()).toBe(false);
    expect(notes).toEqual({ completed_rung_0: 0.1, completed_rung_1: 0.8 });
    // A later report below the next rung (4) judges nothing, however bad.
    trial = makeTrial({ number: 5, intermediate: { 1: 0.1, 2: 0.8, 3: 99 }, systemAttrs: { ...notes } });
    expect(ask()).toBe(false);
  });

  it("says prune again when asked again about the same report, as the trial read back from storage", () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const notes: Record<string, JsonValue> = {};
    const peers = [peer(0, [0.2]), peer(1, [0.5]), peer(2, [0.9])];
    let trial = makeTrial({ number: 7, intermediate: { 1: 0.51 } });
    const ask = () => pruner.prune(makeSnapshot([...peers, trial]), trial, { setSystemAttr: (k, v) => void (notes[k] = v) });
    expect(ask()).toBe(true);
    // Its rung is recorded now: asked again (a retried HTTP report, a caller that checks twice) it said false, and the trial ran on.
    trial = makeTrial({ number: 7, intermediate: { 1: 0.51 }, systemAttrs: { ...notes } });
    expect(ask()).toBe(true);
    // A new report is judged afresh, as Optuna judges it: alone at rung 1 (step 2), the trial goes on.
    trial = makeTrial({ number: 7, intermediate: { 1: 0.51, 2: 0.4 }, systemAttrs: { ...notes } });
    expect(ask()).toBe(false);
  });

  it("answers shouldPrune alike however often a trial asks about one report", async () => {
    const answers = await shouldPruneAskedTwice(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }), 6);
    expect(answers.map(([first]) => first)).toEqual([false, true, true, true, true, true]);
    for (const [first, second] of answers) expect(second).toBe(first);
  });

  it("prunes NaN at a rung, and bootstrap trials while a rung has too few values", () => {
    expect(judge(new SuccessiveHalvingPruner({ minResource: 1 }), [], { 1: Number.NaN }).pruned).toBe(true);
    expect(judge(new SuccessiveHalvingPruner({ minResource: 1 }), [], { 0: Number.NaN }).pruned).toBe(false);
    const bootstrap = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 });
    expect(judge(bootstrap, [peer(0, [9])], { 1: 0.1 }).pruned).toBe(true);
    expect(judge(bootstrap, [peer(0, [9]), peer(1, [8])], { 1: 0.1 }).pruned).toBe(false);
  });

  it("with minResource auto, estimates it once from the first complete trial (1 % of its last step)", () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: "auto", reductionFactor: 2 });
    // No complete trial yet: nothing is judged.
    expect(judge(pruner, [], { 500: 1 })).toEqual({ pruned: false, notes: {} });
    // A complete trial that ran to step 399 sets the first rung at 3 steps.
    const done = peer(0, [], "complete", 399);
    expect(judge(pruner, [done], { 2: 1 }).notes).toEqual({});
    expect(judge(pruner, [done], { 3: 1 }).notes).toEqual({ completed_rung_0: 1 });
    // Longer trials seen later do not move the rungs.
    expect(judge(pruner, [done, peer(1, [], "complete", 5000)], { 3: 1 }).notes).toEqual({ completed_rung_0: 1 });
  });

  it("with minResource auto, estimates from the first trial to complete, also in a process that looks later (a resume, a worker)", () => {
    // It took the longest complete trial at the moment of looking: 5000 steps here, a first rung at step 50 instead of 3.
    const done = { ...peer(0, [], "complete", 399), finishedAt: 1000 };
    const longer = { ...peer(1, [], "complete", 5000), finishedAt: 2000 };
    expect(judge(new SuccessiveHalvingPruner({ minResource: "auto", reductionFactor: 2 }), [longer, done], { 3: 1 }).notes).toEqual({ completed_rung_0: 1 });
  });

  describe("minResource: rank-agreement", () => {
    it("finds the first step from which every step ranks complete trials as their final values do", () => {
      expect(firstRankingStep(rankingCurves(8), 1 / 3, 8)).toBe(3);
      expect(firstRankingStep(rankingCurves(8, 1), 1 / 3, 8)).toBe(1);
      // A step that ranks well but is followed by one that does not is not a first rung.
      const trials = rankingCurves(8, 1).map((t, i) => ({ ...t, intermediate: { ...t.intermediate, 5: 7 - i } }));
      expect(firstRankingStep(trials, 1 / 3, 8)).toBe(6);
      // Too few complete trials, or no informative step before the last: no first rung.
      expect(firstRankingStep(rankingCurves(7), 1 / 3, 8)).toBeNull();
      expect(firstRankingStep(rankingCurves(8, 9), 1 / 3, 8)).toBeNull();
    });

    it("prunes nothing until 8 trials are complete, then starts its rungs at the first ranking step", () => {
      const pruner = new SuccessiveHalvingPruner({ minResource: "rank-agreement", reductionFactor: 3 });
      expect(judge(pruner, rankingCurves(7), { 1: 100, 2: 100, 3: 100 })).toEqual({ pruned: false, notes: {} });
      // With 8 complete trials the first rung is step 3: a trial is judged there, not at step 1,
      // against the values the complete trials reported at step 3 before the rung existed.
      const done = rankingCurves(8);
      expect(judge(pruner, done, { 1: 100, 2: 100 })).toEqual({ pruned: false, notes: {} });
      expect(judge(pruner, done, { 3: 100 })).toEqual({ pruned: true, notes: { completed_rung_0: 100 } });
      // Step 3 holds 3.33, 4.33, 5.33, …: with 9 values the best 3 go on.
      expect(judge(pruner, done, { 3: 5.5 })).toEqual({ pruned: true, notes: { completed_rung_0: 5.5 } });
      expect(judge(pruner, done, { 3: 4 })).toEqual({ pruned: false, notes: { completed_rung_0: 4 } });
    });

    it("looks again at twice as many complete trials while no step ranks, and keeps a step once found", () => {
      const pruner = new SuccessiveHalvingPruner({ minResource: "rank-agreement", reductionFactor: 3 });
      const noise = rankingCurves(8, 9);
      expect(judge(pruner, noise, { 1: 100, 3: 100, 8: 100 })).toEqual({ pruned: false, notes: {} });
      // 15 complete trials, 7 of them ranking from step 1: not looked at again yet.
      const more = rankingCurves(16, 1).slice(8);
      expect(judge(pruner, [...noise, ...more.slice(0, 7)], { 1: 100 })).toEqual({ pruned: false, notes: {} });
      // At 16 it looks again: from step 1 on, the 16 trials rank as they end (τ ≥ 0.56 at every step).
      expect(firstRankingStep([...noise, ...more], 1 / 3, 8)).toBe(1);
      expect(judge(pruner, [...noise, ...more], { 1: 100 })).toEqual({ pruned: true, notes: { completed_rung_0: 100 } });
      // Kept: a later history in which no step ranks does not move it.
      expect(judge(pruner, rankingCurves(32, 9), { 1: -100 })).toEqual({ pruned: false, notes: { completed_rung_0: -100 } });
    });

    it("judges the first trials to complete, so a process that looks late finds the step one that looked early did", () => {
      // The first 8 to finish rank from step 3; 24 that finished after them order at random at every
      // step before the last (as a fleet's or a resumed study's history can look).
      const early = rankingCurves(8).map((t, i) => ({ ...t, finishedAt: 1000 + i }));
      const late = rankingCurves(24, 9).map((t, i) => ({ ...t, number: 8 + i, finishedAt: 2000 + i }));
      expect(firstRankingStep([...early, ...late], 1 / 3, 8)).toBeNull();
      const pruner = new SuccessiveHalvingPruner({ minResource: "rank-agreement", reductionFactor: 3 });
      expect(judge(pruner, [...early, ...late], { 3: 1e9 })).toEqual({ pruned: true, notes: { completed_rung_0: 1e9 } });
      // Completion order, not trial number: the same late trials finishing first leave no step.
      const reversed = [...early.map((t) => ({ ...t, finishedAt: t.finishedAt + 5000 })), ...late];
      expect(judge(new SuccessiveHalvingPruner({ minResource: "rank-agreement", reductionFactor: 3 }), reversed, { 3: 1e9 })).toEqual({ pruned: false, notes: {} });
    });

    it("is the default: a pruner built with no options waits for the steps to rank, where auto cuts at step 1", () => {
      // One complete trial that ran 9 steps: auto's first rung is at step 1 (1 % of 9, at least 1),
      // so a trial is judged there; the default judges nothing yet.
      const done = rankingCurves(8).slice(0, 1);
      expect(judge(new SuccessiveHalvingPruner({ minResource: "auto" }), done, { 1: 100 }).notes).toEqual({ completed_rung_0: 100 });
      expect(judge(new SuccessiveHalvingPruner(), done, { 1: 100 })).toEqual({ pruned: false, notes: {} });
      // With 8 complete trials the default's first rung is where the steps start to rank (3).
      expect(judge(new SuccessiveHalvingPruner({ reductionFactor: 3 }), rankingCurves(8), { 1: 100, 2: 100 }).pruned).toBe(false);
      expect(judge(new SuccessiveHalvingPruner({ reductionFactor: 3 }), rankingCurves(8), { 3: 100 }).pruned).toBe(true);
    });

    it("judges and records a trial that was already past the rungs with its value at each rung's step, not its latest", () => {
      // Losses q + 2/(1 + s): every step ranks the trials by q, so 8 complete trials place rung 0 at
      // step 1 and, with η = 4, rung 1 at step 4.
      const loss = (q: number, s: number) => q + 2 / (1 + s);
      const curve = (number: number, q: number, steps: number[], state: "running" | "complete") =>
        makeTrial({
          number,
          state,
          ...(state === "complete" ? { values: [loss(q, steps.at(-1)!)] } : {}),
          intermediate: Object.fromEntries(steps.map((s) => [s, loss(q, s)])),
        });
      const upTo = (last: number) => Array.from({ length: last + 1 }, (_, s) => s);
      const done = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map((q, i) => curve(i, q, upTo(29), "complete"));
      expect(firstRankingStep(done, 1 / 3, 8)).toBe(1);
      const ask = (pruner: SuccessiveHalvingPruner, peers: FrozenTrial[], trial: FrozenTrial) => {
        const notes: Record<string, JsonValue> = {};
        const pruned = pruner.prune(makeSnapshot([...peers, trial]), trial, { setSystemAttr: (k, v) => void (notes[k] = v) });
        return { pruned, notes };
      };
      const pruner = new SuccessiveHalvingPruner({ reductionFactor: 4 });
      // A poor trial (q = 0.75) that ran to step 20 before the rungs existed: at step 1 it is 7th
      // of 9, so it stops at rung 0 with its step-1 value (at step 20 it would have looked best).
      const straddling = curve(8, 0.75, upTo(20), "running");
      const judged = ask(pruner, done, straddling);
      expect(judged).toEqual({ pruned: true, notes: { completed_rung_0: loss(0.75, 1) } });
      // The second best configuration then reaches rung 0 and goes on: the straddling trial's
      // record does not put a step-20 value among the step-1 ones.
      const pruned = { ...straddling, state: "pruned" as const, systemAttrs: judged.notes };
      expect(ask(pruner, [...done, pruned], curve(9, 0.15, [0, 1], "running"))).toEqual({ pruned: false, notes: { completed_rung_0: loss(0.15, 1) } });
      // A good trial past rungs 0–2 (steps 1, 4, 16) passes each with its value there. One that
      // skipped the rungs' steps is taken at its first report past each (steps 3, 12 and 20).
      expect(ask(pruner, done, curve(10, 0.05, upTo(20), "running")).notes).toEqual({
        completed_rung_0: loss(0.05, 1),
        completed_rung_1: loss(0.05, 4),
        completed_rung_2: loss(0.05, 16),
      });
      expect(ask(pruner, done, curve(11, 0.05, [0, 3, 12, 20], "running")).notes).toEqual({
        completed_rung_0: loss(0.05, 3),
        completed_rung_1: loss(0.05, 12),
        completed_rung_2: loss(0.05, 20),
      });
    });

    it("is an option of the CLI", () => {
      expect(createPrunerByName("asha", { minResource: "rank-agreement" })).toMatchObject({ minResource: "rank-agreement" });
      expect(() => createPrunerByName("asha", { minResource: "rank" })).toThrow(/"minResource" must be auto, rank-agreement or an integer >= 1, got "rank"/);
      expect(() => new SuccessiveHalvingPruner({ minResource: "rank-agreement", bootstrapCount: 1 })).toThrow(/with "rank-agreement" the rungs move/);
    });
  });

  it("reads its options from the CLI and names bad ones", () => {
    expect(createPrunerByName("asha", { min_resource: "5", reduction_factor: "3", min_early_stopping_rate: "1" })).toMatchObject({
      minResource: 5,
      reductionFactor: 3,
      minEarlyStoppingRate: 1,
    });
    expect(createPrunerByName("asha", {})).toMatchObject({ minResource: "rank-agreement", reductionFactor: 4 });
    expect(() => createPrunerByName("asha", { minResource: "0" })).toThrow(/"minResource" must be auto, rank-agreement or an integer >= 1, got "0"/);
    expect(() => createPrunerByName("asha", { reductionFactor: "1" })).toThrow(/"reductionFactor" must be an integer >= 2/);
    expect(() => createPrunerByName("asha", { bootstrapCount: "1" })).toThrow(/bootstrapCount needs an explicit minResource/);
  });

  it("stores each trial's rungs through the study, where another process's pruner would read them", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, name: "rungs", sampler: new RandomSampler({ seed: 3 }), pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) });
    // Ask and tell, two trials in flight at a time, as a driver of remote workers would.
    for (let pair = 0; pair < 10; pair++) {
      const trials = [await study.ask(), await study.ask()];
      const x = trials.map((trial) => trial.suggestFloat("x", 0, 1));
      const live = new Set([0, 1]);
      for (let step = 0; step < 10 && live.size > 0; step++) {
        for (const i of [...live]) {
          trials[i]!.reportIntermediate(x[i]! + 1 / (step + 1), step);
          if (!trials[i]!.shouldPrune()) continue;
          live.delete(i);
          await study.tell(trials[i]!, { state: "pruned" });
        }
      }
      for (const i of live) await study.tell(trials[i]!, x[i]!);
    }
    const stored = (await storage.trialsSince(study.id, 0)).trials;
    expect(stored.filter((t) => t.state === "pruned").length).toBeGreaterThan(5);
    for (const t of stored) {
      // Rungs at steps 1, 3, 9; a complete trial passed all three.
      const rungs = [1, 3, 9].map((step, k) => [t.systemAttrs[rungKey(k)], t.intermediate[step]] as const).filter(([recorded]) => recorded !== undefined);
      if (t.state === "complete") expect(rungs).toHaveLength(3);
      expect(rungs.length).toBeGreaterThan(0);
      for (const [recorded, value] of rungs) expect(recorded).toBe(value);
    }
  });
});
