import { describe, expect, it } from "vitest";
import { type FrozenTrial, makeSnapshot, makeTrial } from "../space/index.js";
import type { Pruner } from "./base.js";
import { PatientPruner } from "./patient.js";
import { createPrunerByName } from "./registry.js";

function curve(values: number[]): FrozenTrial {
  return makeTrial({ number: 0, intermediate: Object.fromEntries(values.map((v, i) => [i, v])) });
}

function judge(pruner: Pruner, values: number[], direction: "minimize" | "maximize" = "minimize"): boolean {
  const trial = curve(values);
  return pruner.prune(makeSnapshot([trial], { directions: [direction] }), trial);
}

/** A wrapped pruner that answers `answer` and counts how often it was asked. */
class Spy implements Pruner {
  readonly name = "spy";
  calls = 0;
  constructor(private readonly answer: boolean) {}
  prune(): boolean {
    this.calls++;
    return this.answer;
  }
}

describe("PatientPruner", () => {
  it("prunes only once the best of the last `patience` + 1 reports is worse than the earlier best", () => {
    const pruner = new PatientPruner({ wrapped: null, patience: 2 });
    expect(judge(pruner, [5, 4, 4.5, 4.2])).toBe(false); // only 4 steps: not enough to tell
    expect(judge(pruner, [5, 4, 4.5, 4.2, 4.1])).toBe(true); // best of last 3 (4.1) is worse than 4
    expect(judge(pruner, [5, 4, 4.5, 4.2, 3.9])).toBe(false); // improved within the window
  });

  it("takes min_delta as a tolerance for getting worse, as Optuna 3.1 does, mirrored when maximizing", () => {
    // A flat curve never counts as stalled, and a larger min_delta prunes less (the README says so).
    expect(judge(new PatientPruner({ wrapped: null, patience: 2 }), [1, 1, 1, 1, 1, 1])).toBe(false);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1 }), [1, 1.2, 1.3])).toBe(true);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1, minDelta: 0.5 }), [1, 1.2, 1.3])).toBe(false);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1, minDelta: 0.5 }), [1, 1.3, 1.4], "minimize")).toBe(false);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1, minDelta: 0.5 }), [1, 1.6, 1.7], "minimize")).toBe(true);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1 }), [1, 0.9, 0.95], "maximize")).toBe(true);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1 }), [1, 0.9, 1.05], "maximize")).toBe(false);
  });

  it("defers to the wrapped pruner once stalled, and never asks it before", () => {
    const yes = new Spy(true);
    expect(judge(new PatientPruner({ wrapped: yes, patience: 1 }), [1, 0.5, 0.4])).toBe(false);
    expect(yes.calls).toBe(0);
    expect(judge(new PatientPruner({ wrapped: yes, patience: 1 }), [1, 1.1, 1.2])).toBe(true);
    const no = new Spy(false);
    expect(judge(new PatientPruner({ wrapped: no, patience: 1 }), [1, 1.1, 1.2])).toBe(false);
    expect([yes.calls, no.calls]).toEqual([1, 1]);
  });

  it("ignores NaN values and does not prune on NaN alone", () => {
    expect(judge(new PatientPruner({ wrapped: null, patience: 1 }), [Number.NaN, Number.NaN, Number.NaN])).toBe(false);
    expect(judge(new PatientPruner({ wrapped: null, patience: 1 }), [1, Number.NaN, 2])).toBe(true);
  });

  it("builds the wrapped pruner by name from CLI options and names bad input", () => {
    const built = createPrunerByName("patient", { patience: "3", wrapped: "percentile", wrapped_options: '{"percentile": 10}' }) as PatientPruner;
    expect(built.patience).toBe(3);
    expect(built.wrapped).toMatchObject({ name: "percentile", percentile: 10 });
    expect((createPrunerByName("patient", { patience: 0 }) as PatientPruner).wrapped).toBeNull();
    expect(() => createPrunerByName("patient", {})).toThrow(/option "patience" is required/);
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "medain" })).toThrow(/unknown pruner "medain" \(did you mean "median"/);
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "median", wrappedOptions: "{bad" })).toThrow(/"wrappedOptions" must be a JSON object/);
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "median", wrappedOptions: '{"percentile": 3}' })).toThrow(/median pruner: unknown option "percentile"/);
    // Options for a wrapped pruner that is not named used to be dropped without a word.
    expect(() => createPrunerByName("patient", { patience: 2, wrappedOptions: '{"nWarmupSteps": 3}' })).toThrow(/option "wrappedOptions" needs "wrapped"/);
    expect(() => new PatientPruner({ wrapped: null, patience: -1 })).toThrow(/patience must be an integer ≥ 0/);
  });

  it("says an error of the wrapped pruner is about the wrapped one, not the patient pruner the user configured", () => {
    // wrapped=patient without wrappedOptions read 'patient pruner: option "patience" is required', though patience was given.
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "patient" })).toThrow(/^patient pruner: wrapped patient pruner: option "patience" is required/);
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "median", wrappedOptions: '{"bogus": 1}' })).toThrow(/^patient pruner: wrapped median pruner: unknown option "bogus"/);
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "threshold" })).toThrow(/^patient pruner: wrapped threshold pruner: give lower, upper or both/);
    expect(() => createPrunerByName("patient", { patience: 2, wrapped: "nosuch" })).toThrow(/^patient pruner: option "wrapped": unknown pruner "nosuch"/);
  });

  it("shows the sampler what the wrapped pruner does: hyperband's samplerPerBracket still narrows it to one bracket", () => {
    const snapshot = makeSnapshot(Array.from({ length: 30 }, (_, n) => makeTrial({ number: n, values: [n] })), { studyName: "s" });
    const options = { minResource: 1, maxResource: 27, samplerPerBracket: true };
    const hyperband = createPrunerByName("hyperband", options);
    const patient = createPrunerByName("patient", { patience: 2, wrapped: "hyperband", wrappedOptions: JSON.stringify(options) });
    const seen = (pruner: Pruner) => (pruner.samplerSnapshot ? pruner.samplerSnapshot(snapshot, 30) : snapshot).trials.map((t) => t.number);
    expect(seen(hyperband).length).toBeLessThan(30);
    expect(seen(patient)).toEqual(seen(hyperband));
    expect(seen(new PatientPruner({ wrapped: null, patience: 2 }))).toHaveLength(30);
  });
});
