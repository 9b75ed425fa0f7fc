import { describe, expect, it } from "vitest";
import { createStudy } from "../index.js";
import { Rng } from "../math/rng.js";
import { IntermediateIndex, intermediateIndex, trackIntermediate } from "./intermediate-index.js";

/** What the index answers, computed by scanning every step as the pruners used to. */
function bruteForce(record: Record<number, number>, direction: "minimize" | "maximize", count: number) {
  const steps = Object.keys(record).map(Number).sort((a, b) => a - b);
  let best = Number.NaN;
  for (const step of steps.slice(0, count)) {
    const value = record[step]!;
    if (Number.isNaN(value)) continue;
    if (Number.isNaN(best) || (direction === "maximize" ? value > best : value < best)) best = value;
  }
  return { last: steps.at(-1) ?? -1, secondLast: steps.at(-2) ?? -1, best, steps };
}

describe("IntermediateIndex", () => {
  it("answers as a full scan does on random curves reported in any order, NaN and Infinity included", () => {
    const rng = new Rng(7);
    for (let curve = 0; curve < 40; curve++) {
      const record: Record<number, number> = {};
      const index = new IntermediateIndex();
      const inOrder = curve % 2 === 0;
      let next = 0;
      const added: number[] = [];
      for (let report = 0; report < 60; report++) {
        const step = inOrder ? (next += 1 + Math.floor(rng.uniformIn(0, 3))) : Math.floor(rng.uniformIn(0, 200));
        if (step in record) continue;
        const odd = rng.uniformIn(0, 1);
        const value = odd < 0.15 ? Number.NaN : odd < 0.2 ? Number.POSITIVE_INFINITY : Number(rng.normal().toFixed(3));
        record[step] = value;
        added.push(step);
        index.add(step, value);
        for (const direction of ["minimize", "maximize"] as const) {
          const count = Math.floor(rng.uniformIn(0, index.size + 1));
          const expected = bruteForce(record, direction, count);
          expect(index.lastStep).toBe(expected.last);
          expect(index.secondLastStep).toBe(expected.secondLast);
          expect(index.best(direction)).toBe(bruteForce(record, direction, index.size).best);
          expect(index.best(direction, count)).toBe(expected.best);
          const probe = Math.floor(rng.uniformIn(0, 210));
          const from = index.firstIndexFrom(probe);
          const firstStep = expected.steps.find((s) => s >= probe);
          expect(from === index.size ? undefined : index.stepAt(from)).toBe(firstStep);
          if (firstStep !== undefined) expect(index.valueAt(from)).toBe(record[firstStep]);
        }
        expect(Array.from({ length: index.size }, (_, k) => index.stepAddedAt(k))).toEqual(added);
        expect(index.addedInStepOrder).toBe(added.every((s, k) => k === 0 || s > added[k - 1]!));
        const finite = Object.keys(record).map(Number).filter((s) => Number.isFinite(record[s])).sort((a, b) => a - b);
        expect(Array.from({ length: index.finiteCount }, (_, i) => index.finiteStepAt(i))).toEqual(finite);
      }
    }
  });

  it("is kept by a running trial as it reports, not rebuilt per question", async () => {
    const study = await createStudy({ direction: "minimize" });
    const trial = await study.ask();
    for (let step = 0; step < 500; step++) trial.reportIntermediate(Math.cos(step), step);
    trial.reportIntermediate(-5, 2000);
    const index = intermediateIndex(trial.toFrozen());
    // The same object every time: the trial's own, updated with each report (a rebuilt one would be new).
    expect(intermediateIndex(trial.toFrozen())).toBe(index);
    trial.reportIntermediate(0.5, 1000);
    expect(index.lastStep).toBe(2000);
    expect(index.secondLastStep).toBe(1000);
    expect(index.best("minimize")).toBe(-5);
    expect(index.best("maximize")).toBe(1);
    // A hand-made record is indexed afresh each time, since its owner may change it unannounced.
    const handMade = { intermediate: { 1: 2 } };
    expect(intermediateIndex(handMade)).not.toBe(intermediateIndex(handMade));
    expect(trackIntermediate(handMade.intermediate)).toBe(intermediateIndex(handMade));
  });

  it("answers the best over every step and over each prefix of steps when steps arrive in descending order", () => {
    // Prefix bests are filled in when asked (each report before the earlier ones used to recompute
    // every later prefix best: quadratic, 30,000 reports took about 4 s against 0.01 s in order).
    const index = new IntermediateIndex();
    const steps = 3_000;
    for (let step = steps - 1; step >= 0; step--) {
      index.add(step, 1 / (step + 1));
      expect(index.best("minimize")).toBe(1 / steps);
    }
    expect([index.best("minimize"), index.best("maximize"), index.best("maximize", 2)]).toEqual([1 / steps, 1, 1]);
  });
});
