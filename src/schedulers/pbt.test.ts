import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { type Distribution, type FrozenTrial, type ParamValue, makeSnapshot, makeTrial } from "../space/index.js";
import { segmentAttrs } from "./base.js";
import { PB2Scheduler } from "./pb2.js";
import { type PBTOptions, PBTScheduler, perturbValue } from "./pbt.js";

const LR: Distribution = { type: "float", low: 1e-4, high: 1, log: true };
const LAYERS: Distribution = { type: "int", low: 1, high: 8 };
const OPT: Distribution = { type: "categorical", choices: ["sgd", "adam", "rmsprop"] };

function segment(number: number, member: number, seg: number, value: number, params: Record<string, ParamValue>, state: FrozenTrial["state"] = "complete"): FrozenTrial {
  return makeTrial({
    number,
    id: number + 1,
    state,
    params,
    distributions: { lr: LR, layers: LAYERS, opt: OPT },
    values: state === "complete" ? [value] : null,
    systemAttrs: segmentAttrs({ member, segment: seg, parent: null, exploitedFrom: null, checkpoint: null }),
  });
}

/** Four members after their first segment; member 3 scores worst, member 1 best. */
function population(direction: "maximize" | "minimize" = "maximize") {
  const values = direction === "maximize" ? [0.5, 0.9, 0.7, 0.1] : [0.5, 0.1, 0.3, 0.9];
  const trials = values.map((v, m) => segment(m, m, 0, v, { lr: 0.01 * (m + 1), layers: m + 2, opt: "adam" }));
  return makeSnapshot(trials, { directions: [direction] });
}

describe("PBT exploit and explore", () => {
  it("makes the bottom-quantile member copy the top member's trial and perturb its hyperparameters", () => {
    for (const direction of ["maximize", "minimize"] as const) {
      const snapshot = population(direction);
      const scheduler = new PBTScheduler({ population: 4, segments: 5, seed: 11, resampleProbability: 0 });
      const plan = scheduler.nextSegment(snapshot, snapshot.trials[3]!)!;
      // ceil(4 × 0.25) = 1: member 3 is the bottom, member 1 the top.
      expect(plan).toMatchObject({ member: 3, segment: 1, parent: 1, exploitedFrom: 1 });
      const lr = plan.params.lr as number;
      expect([0.02 * 0.8, 0.02 * 1.2].some((v) => Math.abs(v - lr) < 1e-12)).toBe(true);
      expect([2, 4]).toContain(plan.params.layers); // 3 × 0.8 → 2, 3 × 1.2 → 4
      expect(["sgd", "rmsprop"]).toContain(plan.params.opt);
    }
  });

  it("lets members outside the bottom quantile continue their own line unchanged", () => {
    const snapshot = population();
    const scheduler = new PBTScheduler({ population: 4, segments: 5, seed: 11 });
    for (const member of [0, 1, 2]) {
      const finished = snapshot.trials[member]!;
      expect(scheduler.nextSegment(snapshot, finished)).toEqual({ member, segment: 1, parent: member, exploitedFrom: null, params: finished.params });
    }
  });

  it("gives the same decisions for the same seed and history, and different ones for other seeds", () => {
    const snapshot = population();
    const plans = (seed: number) => JSON.stringify(new PBTScheduler({ population: 4, segments: 5, seed }).nextSegment(snapshot, snapshot.trials[3]!));
    expect(plans(5)).toBe(plans(5));
    const distinct = new Set(Array.from({ length: 12 }, (_, seed) => plans(seed)));
    expect(distinct.size).toBeGreaterThan(3);
  });

  it("picks the copied member at random among the top quantile", () => {
    // Eight members: the bottom two copy one of the top two.
    const trials = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map((v, m) => segment(m, m, 0, v, { lr: 0.1, layers: 2, opt: "sgd" }));
    const snapshot = makeSnapshot(trials, { directions: ["maximize"] });
    const donors = new Set<number | null>();
    for (let seed = 0; seed < 30; seed++) {
      const scheduler = new PBTScheduler({ population: 8, segments: 3, seed });
      donors.add(scheduler.nextSegment(snapshot, trials[0]!)!.exploitedFrom);
      expect(scheduler.nextSegment(snapshot, trials[2]!)!.exploitedFrom).toBeNull();
    }
    expect([...donors].sort()).toEqual([6, 7]);
  });

  it("judges each member by its latest segment and ends a member after its last segment", () => {
    const trials = [
      segment(0, 0, 0, 0.9, { lr: 0.1, layers: 2, opt: "sgd" }),
      segment(1, 1, 0, 0.1, { lr: 0.2, layers: 2, opt: "sgd" }),
      segment(2, 0, 1, 0.05, { lr: 0.1, layers: 2, opt: "sgd" }), // member 0 got worse
      segment(3, 1, 1, 0.3, { lr: 0.2, layers: 2, opt: "sgd" }),
    ];
    const snapshot = makeSnapshot(trials, { directions: ["maximize"] });
    const scheduler = new PBTScheduler({ population: 2, segments: 3, seed: 1 });
    expect(scheduler.nextSegment(snapshot, trials[2]!)).toMatchObject({ member: 0, parent: 3, exploitedFrom: 1 });
    expect(new PBTScheduler({ population: 2, segments: 2, seed: 1 }).nextSegment(snapshot, trials[2]!)).toBeNull();
  });

  it("refuses bad options with the option's name", () => {
    expect(() => new PBTScheduler({ population: 1 })).toThrow(/population/);
    expect(() => new PBTScheduler({ quantile: 0.7 })).toThrow(/quantile/);
    expect(() => new PBTScheduler({ segmentSteps: 0 })).toThrow(/segmentSteps/);
    expect(() => new PBTScheduler({ resampleProbability: 2 })).toThrow(/resampleProbability/);
  });

  it("shows a refused value as it was given, and the range it must be in", () => {
    // A number read from text said "population must be an integer ≥ 2, got 8".
    const fromText = (options: Record<string, unknown>) => options as PBTOptions;
    expect(() => new PBTScheduler(fromText({ population: "8" }))).toThrow('population must be an integer ≥ 2, got the text "8"');
    expect(() => new PBTScheduler(fromText({ quantile: "0.2" }))).toThrow('quantile must be in (0, 0.5], got the text "0.2"');
    expect(() => new PB2Scheduler(fromText({ window: "5" }))).toThrow('window must be an integer ≥ 2, got the text "5"');
    // 0 was refused as outside (0, 1], and then 1 as not below 1.
    expect(() => new PBTScheduler({ perturbation: 0 })).toThrow("perturbation must be in (0, 1), got 0");
    expect(() => new PBTScheduler({ perturbation: 1 })).toThrow("perturbation must be in (0, 1), got 1");
  });
});

describe("perturbValue", () => {
  it("multiplies by 0.8 or 1.2 inside the bounds, and resamples when asked", () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) seen.add(perturbValue({ type: "float", low: 0, high: 10 }, 5, rng, 0, 0.2) as number);
    expect([...seen].sort()).toEqual([4, 6]);
    expect(perturbValue({ type: "float", low: 0, high: 5.5 }, 5, new Rng(1), 0, 0.9)).toBeLessThanOrEqual(5.5);
    for (let i = 0; i < 50; i++) {
      const v = perturbValue(LR, 0.9, rng, 1, 0.2) as number;
      expect(v).toBeGreaterThanOrEqual(1e-4);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it("keeps log-scale values positive and stepped values on their grid", () => {
    const rng = new Rng(8);
    for (let i = 0; i < 50; i++) {
      const lr = perturbValue(LR, 1e-4, rng, 0, 0.2) as number;
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      const stepped = perturbValue({ type: "float", low: 0, high: 1, step: 0.25 }, 0.5, rng, 0, 0.2) as number;
      expect([0.25, 0.75]).toContain(stepped);
    }
  });

  it("moves an integer the product cannot move to its neighbour, and categoricals to a neighbouring choice", () => {
    const rng = new Rng(4);
    const ints = new Set<ParamValue>();
    const cats = new Set<ParamValue>();
    for (let i = 0; i < 50; i++) {
      ints.add(perturbValue(LAYERS, 2, rng, 0, 0.2)); // 2 × 0.8 → 2 and 2 × 1.2 → 2: step to 1 or 3
      cats.add(perturbValue(OPT, "sgd", rng, 0, 0.2)); // first choice: only "adam" is a neighbour
    }
    expect([...ints].sort()).toEqual([1, 3]);
    expect([...cats]).toEqual(["adam"]);
    expect(perturbValue(LAYERS, 8, new Rng(2), 0, 0.2)).toBeLessThanOrEqual(8);
  });
});
