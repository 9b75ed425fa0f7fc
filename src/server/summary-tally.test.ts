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

/**
 * One step of a study's life: start a trial, enqueue one (waiting) or claim the oldest waiting one
 * (waiting → running), report or finish (complete, prune, fail) the running one at `pick`, or
 * insert an already finished trial (as an import does).
 */
type Step =
  | { kind: "start"; worker: number; recommends: number | null; noiseShare: number }
  | { kind: "enqueue"; recommends: number | null }
  | { kind: "claim"; worker: number }
  | { kind: "report"; pick: number }
  | { kind: "complete"; pick: number; value: number; constraint: Constraint; emptyValues: boolean }
  | { kind: "insert"; value: number; constraint: Constraint }
  | { kind: "prune"; pick: number }
  | { kind: "fail"; pick: number };

/** A complete trial's constraint values: none, a well-formed list, or malformed ones (which the full recompute answers). */
type Constraint = JsonValue | null;

// Few distinct values, so ties happen; NaN and infinities as diverged runs report them.
const value = fc.constantFrom(0, 1, 1, 2, -1, Number.NaN, Number.POSITIVE_INFINITY);
const constraint: fc.Arbitrary<Constraint> = fc.option(
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom<JsonValue>([-1], [0], [1], [Number.NaN], [-1, 1]) }, fc.constantFrom<JsonValue>("infeasible", { c: 1 }, [], ["-1"], [null], 3, "x", ["x"])),
  { freq: 3 },
);
// Workers finish trials out of order: any of the first few running trials.
const pick = fc.integer({ min: 0, max: 4 });
const recommends = fc.option(fc.integer({ min: 0, max: 30 }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("start" as const), worker: fc.integer({ min: 0, max: 3 }), recommends, noiseShare: fc.constantFrom(0, 0.5) }) },
  fc.record({ kind: fc.constant("enqueue" as const), recommends }),
  fc.record({ kind: fc.constant("claim" as const), worker: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant("report" as const), pick }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), pick, value, constraint, emptyValues: fc.constantFrom(false, false, false, false, false, false, false, false, false, true) }) },
  fc.record({ kind: fc.constant("insert" as const), value, constraint }),
  fc.record({ kind: fc.constant("prune" as const), pick }),
  fc.record({ kind: fc.constant("fail" as const), pick }),
);

/** A model's recommendation record, as a sampler stores it on the trial it starts. */
const recommendation = (trial: number, noiseShare: number): JsonValue => ({ trial, mean: 1, sd: 0.1, units: "objective", observations: 3, sampler: "gp", noiseShare });

/** What the played studies went through, summed over runs: each must happen for the property to test it. */
const seen = { claimed: 0, finishedAfterClaim: 0, malformed: 0, emptyValues: 0, becameConstrained: 0 };

/** What `compute` answers, or the message of what it throws. */
function outcome<T>(compute: () => T): { answer: T } | { thrown: string } {
  try {
    return { answer: compute() };
  } catch (error) {
    return { thrown: (error as Error).message };
  }
}

/** Plays `steps` on a new study, calling `check` after each change. */
async function play(directions: Direction[], steps: readonly Step[], check: (storage: MemoryStorage, studyId: number) => Promise<void>): Promise<void> {
  const storage = new MemoryStorage();
  const record = await storage.createStudy("s", directions);
  const running: number[] = [];
  const claimed = new Set<number>();
  let completeWithoutConstraints = false;
  let constrained = false;
  const constraintAttrs = (c: Constraint): Record<string, JsonValue> => {
    if (c === null) {
      completeWithoutConstraints = true;
      return {};
    }
    if (!Array.isArray(c) || c.some((x) => typeof x !== "number")) seen.malformed++;
    if (Array.isArray(c) && !constrained) {
      constrained = true;
      if (completeWithoutConstraints) seen.becameConstrained++;
    }
    return { [CONSTRAINTS_ATTR]: c };
  };
  const valuesOf = (v: number): number[] => directions.map((_, k) => v + k);
  for (const s of steps) {
    if (s.kind === "start") {
      const systemAttrs: Record<string, JsonValue> = { worker: { id: `w${s.worker}` } };
      if (s.recommends !== null) systemAttrs[RECOMMENDED_TRIAL_ATTR] = recommendation(s.recommends, s.noiseShare);
      const trial = await storage.createTrial(record.id, { state: "running", systemAttrs });
      await storage.updateTrial(trial.id, { params: { x: { value: trial.number % 10, distribution: X } } });
      running.push(trial.id);
    } else if (s.kind === "enqueue") {
      // An enqueued trial: fixed parameters, no worker yet; a waiting trial counts, and is never best.
      const systemAttrs: Record<string, JsonValue> = s.recommends === null ? {} : { [RECOMMENDED_TRIAL_ATTR]: recommendation(s.recommends, 0) };
      await storage.createTrial(record.id, { state: "waiting", params: { x: 1 }, distributions: { x: X }, systemAttrs });
    } else if (s.kind === "claim") {
      const trial = await storage.claimWaitingTrial(record.id, { systemAttrs: { worker: { id: `w${s.worker}` } } });
      if (trial === null) continue;
      seen.claimed++;
      claimed.add(trial.id);
      running.push(trial.id);
    } else if (s.kind === "insert") {
      const now = Date.now();
      await storage.insertFinishedTrial(record.id, { state: "complete", params: { x: 2 }, distributions: { x: X }, values: valuesOf(s.value), intermediate: {}, userAttrs: {}, systemAttrs: constraintAttrs(s.constraint), startedAt: now, finishedAt: now });
    } else if (running.length > 0) {
      const at = s.pick % running.length;
      const id = running[at]!;
      if (s.kind === "report") {
        await storage.updateTrial(id, { intermediate: { 0: 1 } });
      } else {
        running.splice(at, 1);
        if (claimed.has(id)) seen.finishedAfterClaim++;
        if (s.kind === "complete") {
          if (s.emptyValues) seen.emptyValues++;
          await storage.updateTrial(id, { state: "complete", values: s.emptyValues ? [] : valuesOf(s.value), systemAttrs: constraintAttrs(s.constraint) });
        } else {
          await storage.updateTrial(id, { state: s.kind === "prune" ? "pruned" : "failed", values: null });
        }
      }
    } else continue;
    await check(storage, record.id);
  }
}

describe("the summary's figures kept change by change", () => {
  for (const directions of [["minimize"], ["maximize"], ["minimize", "maximize"], ["maximize", "minimize", "minimize"]] as Direction[][]) {
    it(`equal the figures computed from every trial after each change (${directions.join(", ")})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
          let index: StudyIndex | undefined;
          await play(directions, steps, async (storage, studyId) => {
            index ??= new StudyIndex((await storage.getStudy("s"))!);
            const changes = await storage.trialsSince(studyId, index.seq);
            index.apply(changes.trials, changes.seq);
            const all = (await storage.trialsSince(studyId, 0)).trials as FrozenTrial[];
            // Whatever the full recompute answers, an error included, the tally must answer the same.
            expect(outcome(() => index!.summary.figures())).toStrictEqual(outcome(() => summaryFigures(index!.record, all)));
          });
        }),
        { numRuns: 200, seed: 7 },
      );
    });
  }

  it("were checked on waiting trials claimed and finished, malformed constraints, empty value lists and studies that became constrained", () => {
    // The full recompute answers malformed constraints and empty value lists, and a study that just
    // became constrained is rebuilt: the property above must have met each.
    expect(seen.claimed).toBeGreaterThan(0);
    expect(seen.finishedAfterClaim).toBeGreaterThan(0);
    expect(seen.malformed).toBeGreaterThan(0);
    expect(seen.emptyValues).toBeGreaterThan(0);
    expect(seen.becameConstrained).toBeGreaterThan(0);
  });

  it("answer the summary route with the same bytes as a server that reads the study for the first time", async () => {
    const steps: Step[] = [];
    for (let i = 0; i < 12; i++) steps.push({ kind: "start", worker: i % 3, recommends: i > 3 ? i - 3 : null, noiseShare: 0.5 });
    steps.push({ kind: "report", pick: 2 }, { kind: "prune", pick: 2 }, { kind: "fail", pick: 0 });
    for (let i = 0; i < 6; i++) steps.push({ kind: "complete", pick: i, value: [3, 1, 2, 1, 0, Number.NaN][i]!, constraint: i === 4 ? [1] : [-1], emptyValues: false });
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
