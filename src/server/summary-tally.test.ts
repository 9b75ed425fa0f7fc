import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONSTRAINTS_ATTR } from "../analysis/index.js";
import { RECOMMENDED_TRIAL_ATTR } from "../samplers/index.js";
import type { Direction, Distribution, FrozenTrial, JsonValue } from "../space/index.js";
import { MemoryStorage } from "../storage/index.js";
import { createServerApp } from "./app.js";
import { StudyIndex } from "./study-index.js";
import { summaryFigures } from "./summary-tally.js";

const X: Distribution = { type: "float", low: 0, high: 10 };

/** One step of a study's life: start a trial, or finish (complete, prune, fail) the running one at `pick`. */
type Step =
  | { kind: "start"; worker: number; recommends: number | null; noiseShare: number }
  | { kind: "report"; pick: number }
  | { kind: "complete"; pick: number; value: number; constraint: number | null }
  | { kind: "prune"; pick: number }
  | { kind: "fail"; pick: number };

// Few distinct values, so ties happen; NaN and infinities as diverged runs report them.
const value = fc.constantFrom(0, 1, 1, 2, -1, Number.NaN, Number.POSITIVE_INFINITY);
// Workers finish trials out of order: any of the first few running trials.
const pick = fc.integer({ min: 0, max: 4 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("start" as const), worker: fc.integer({ min: 0, max: 3 }), recommends: fc.option(fc.integer({ min: 0, max: 30 })), noiseShare: fc.constantFrom(0, 0.5) }) },
  fc.record({ kind: fc.constant("report" as const), pick }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), pick, value, constraint: fc.option(fc.constantFrom(-1, 0, 1, Number.NaN), { freq: 3 }) }) },
  fc.record({ kind: fc.constant("prune" as const), pick }),
  fc.record({ kind: fc.constant("fail" as const), pick }),
);

/** Plays `steps` on a new study, calling `check` after each change. */
async function play(directions: Direction[], steps: readonly Step[], check: (storage: MemoryStorage, studyId: number) => Promise<void>): Promise<void> {
  const storage = new MemoryStorage();
  const record = await storage.createStudy("s", directions);
  const running: number[] = [];
  for (const s of steps) {
    if (s.kind === "start") {
      const systemAttrs: Record<string, JsonValue> = { worker: { id: `w${s.worker}` } };
      if (s.recommends !== null) systemAttrs[RECOMMENDED_TRIAL_ATTR] = { trial: s.recommends, mean: 1, sd: 0.1, units: "objective", observations: 3, sampler: "gp", noiseShare: s.noiseShare };
      const trial = await storage.createTrial(record.id, { state: "running", systemAttrs });
      await storage.updateTrial(trial.id, { params: { x: { value: trial.number % 10, distribution: X } } });
      running.push(trial.id);
    } else if (running.length > 0) {
      const at = s.pick % running.length;
      const id = running[at]!;
      if (s.kind === "report") {
        await storage.updateTrial(id, { intermediate: { 0: 1 } });
      } else {
        running.splice(at, 1);
        if (s.kind === "complete") {
          const values = directions.map((_, k) => s.value + k);
          await storage.updateTrial(id, { state: "complete", values, ...(s.constraint !== null ? { systemAttrs: { [CONSTRAINTS_ATTR]: [s.constraint] } } : {}) });
        } else {
          await storage.updateTrial(id, { state: s.kind === "prune" ? "pruned" : "failed", values: null });
        }
      }
    }
    await check(storage, record.id);
  }
}

describe("the summary's figures kept change by change", () => {
  for (const directions of [["minimize"], ["maximize"], ["minimize", "maximize"]] as Direction[][]) {
    it(`equal the figures computed from every trial after each change (${directions.join(", ")})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
          let index: StudyIndex | undefined;
          await play(directions, steps, async (storage, studyId) => {
            index ??= new StudyIndex((await storage.getStudy("s"))!);
            const changes = await storage.trialsSince(studyId, index.seq);
            index.apply(changes.trials, changes.seq);
            const all = (await storage.trialsSince(studyId, 0)).trials as FrozenTrial[];
            expect(index.summary.figures()).toStrictEqual(summaryFigures(index.record, all));
          });
        }),
        { numRuns: 200, seed: 7 },
      );
    });
  }

  it("answer the summary route with the same bytes as a server that reads the study for the first time", async () => {
    const steps: Step[] = [];
    for (let i = 0; i < 12; i++) steps.push({ kind: "start", worker: i % 3, recommends: i > 3 ? i - 3 : null, noiseShare: 0.5 });
    steps.push({ kind: "report", pick: 2 }, { kind: "prune", pick: 2 }, { kind: "fail", pick: 0 });
    for (let i = 0; i < 6; i++) steps.push({ kind: "complete", pick: i, value: [3, 1, 2, 1, 0, Number.NaN][i]!, constraint: i === 4 ? 1 : -1 });
    let live: ReturnType<typeof createServerApp> | undefined;
    const bodies: string[] = [];
    await play(["minimize"], steps, async (storage) => {
      live ??= createServerApp({ storage, dashboard: false });
      const kept = await (await live.request("/api/v1/studies/s/summary")).text();
      const fresh = await (await createServerApp({ storage, dashboard: false }).request("/api/v1/studies/s/summary")).text();
      expect(kept).toBe(fresh);
      bodies.push(kept);
    });
    // The study did go through the changes the figures follow: a best trial, constraints, a model's choice.
    const last = JSON.parse(bodies.at(-1)!);
    expect(last.counts).toEqual({ waiting: 0, running: 4, complete: 6, pruned: 1, failed: 1 });
    expect(last.bestTrial).not.toBeNull();
    expect(last.recommendedTrial.source).toBe("model");
    expect(last.hasIntermediate).toBe(true);
  });
});
