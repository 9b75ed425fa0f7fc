import { describe, expect, it } from "vitest";
import { type Trial, TrialPruned, createStudy } from "../study/index.js";
import { SamplerExhaustedError } from "./base.js";
import { GRID_INDEX_ATTR, GridMismatchError, GridSampler, createGridSamplerFromOptions, gridFromSpace } from "./grid.js";
import { containsValue, makeSamplingTrial, makeSnapshot, makeTrial, type SearchSpace } from "../space/index.js";

const space = { a: [1, 2, 3], b: ["x", "y"] } as const;

function keyOf(params: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

describe("GridSampler", () => {
  it("evaluates every combination exactly once, then the study stops by itself", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: space, seed: 3 }) });
    await study.optimize((trial) => trial.suggestInt("a", 0, 5) + (trial.suggestCategorical("b", ["x", "y"]) === "x" ? 0 : 10), { nTrials: 50 });
    expect(study.trials).toHaveLength(6);
    const seen = new Set(study.trials.map((t) => keyOf(t.params)));
    expect(seen.size).toBe(6);
    for (const a of space.a) for (const b of space.b) expect(seen.has(keyOf({ a, b }))).toBe(true);
    expect(study.trials.every((t) => t.state === "complete")).toBe(true);
    await expect(study.ask()).rejects.toBeInstanceOf(SamplerExhaustedError);
  });

  it("returns grid values for a float the objective declares as a range, and refuses one outside it", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: { lr: [0.001, 0.01, 0.1] }, seed: 1 }) });
    await study.optimize((trial) => trial.suggestFloat("lr", 1e-4, 1, { log: true }), { nTrials: 10 });
    expect(study.trials.map((t) => t.params.lr).sort()).toEqual([0.001, 0.01, 0.1]);

    const bad = await createStudy({ sampler: new GridSampler({ searchSpace: { lr: [0.5, 2] }, shuffle: false }) });
    // The run stops on the mismatch: with no budget, the point given back was drawn again without end.
    await expect(bad.optimize((trial) => trial.suggestFloat("lr", 0, 1))).rejects.toThrow(GridMismatchError);
    expect(bad.trials.map((t) => t.state)).toEqual(["complete", "failed"]);
    expect(String(bad.trials[1]!.systemAttrs.failReason)).toMatch(/grid value 2 of parameter "lr" is not inside/);
  });

  it("stops a run on a parameter the grid lacks, with no budget, after the one trial that met it", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: { lr: [0.5, 2, 3] }, seed: 4 }) });
    // It failed 4,236 trials in 2 s, each taking back the point the last one gave back.
    await expect(study.optimize((trial) => trial.suggestFloat("lr", 0, 9) + trial.suggestFloat("momentum", 0, 1), { timeoutSeconds: 2 })).rejects.toThrow(
      /parameter "momentum" is not in the grid/,
    );
    expect(study.trials.map((t) => t.state)).toEqual(["failed"]);
  });

  it("gives back the points of trials it could not serve, so fixing the objective still runs the whole grid", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: { lr: [0.5, 2, 3] }, seed: 4 }) });
    // A range that leaves every grid value out, then a parameter the grid lacks: each run stops on
    // its first trial, which fails.
    await expect(study.optimize((trial) => trial.suggestFloat("lr", 5, 9), { nTrials: 3 })).rejects.toThrow(GridMismatchError);
    await expect(study.optimize((trial) => trial.suggestFloat("lr", 0, 9) + trial.suggestFloat("momentum", 0, 1), { nTrials: 2 })).rejects.toThrow(GridMismatchError);
    expect(study.trials.map((t) => t.state)).toEqual(["failed", "failed"]);
    // These trials took points, and had the grid kept them it would be spent with none run.
    await study.optimize((trial) => trial.suggestFloat("lr", 0, 9), { nTrials: 10 });
    const ran = study.trials.filter((t) => t.state === "complete");
    expect(ran.map((t) => t.params.lr).sort()).toEqual([0.5, 2, 3]);
    await expect(study.ask()).rejects.toBeInstanceOf(SamplerExhaustedError);
  });

  it("names a parameter that is missing from the grid", () => {
    const sampler = new GridSampler({ searchSpace: space, seed: 1 });
    const snapshot = makeSnapshot([]);
    expect(() => sampler.sampleIndependent(snapshot, makeSamplingTrial(0), "c", { type: "float", low: 0, high: 1 })).toThrow(
      /parameter "c" is not in the grid \(grid parameters: a, b\)/,
    );
  });

  it("visits in order without shuffle, and the same shuffled order for the same seed", () => {
    const inOrder = new GridSampler({ searchSpace: space, shuffle: false });
    const order = (sampler: GridSampler): unknown[] => {
      const trials = [];
      const out = [];
      for (let n = 0; n < 6; n++) {
        const view = makeSamplingTrial(n);
        sampler.beforeTrial(makeSnapshot(trials), view);
        out.push(view.notes[GRID_INDEX_ATTR]);
        // A complete trial carries the parameters it suggested: here all of its point's.
        const params = sampler.point(view.notes[GRID_INDEX_ATTR] as number);
        trials.push(makeTrial({ number: n, values: [0], params, systemAttrs: { ...view.notes } }));
      }
      return out;
    };
    expect(order(inOrder)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(inOrder.point(1)).toEqual({ a: 1, b: "y" });
    const first = order(new GridSampler({ searchSpace: space, seed: 42 }));
    expect(order(new GridSampler({ searchSpace: space, seed: 42 }))).toEqual(first);
    expect([...first].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const orders = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => JSON.stringify(order(new GridSampler({ searchSpace: space, seed })))));
    expect(orders.size).toBeGreaterThan(1);
  });

  it("counts running trials of other workers as taken, and is exhausted only when all points are taken", () => {
    const sampler = new GridSampler({ searchSpace: { a: [1, 2, 3] }, shuffle: false });
    const writer = new GridSampler({ searchSpace: { a: [1, 2, 3] }, shuffle: false });
    const tags = (n: number): Record<string, import("../space/index.js").JsonValue> => {
      const view = makeSamplingTrial(n);
      writer.beforeTrial(makeSnapshot([]), view);
      return { ...view.notes, [GRID_INDEX_ATTR]: n };
    };
    const running = makeTrial({ number: 0, state: "running", systemAttrs: tags(0) });
    const done = makeTrial({ number: 1, values: [1], params: { a: 2 }, systemAttrs: tags(1) });
    const view = makeSamplingTrial(2);
    const snapshot = makeSnapshot([running, done, makeTrial({ number: 2 })]);
    expect(sampler.isExhausted(snapshot)).toBe(false);
    expect(sampler.sampleIndependent(snapshot, view, "a", { type: "int", low: 0, high: 5 })).toBe(3);
    const full = makeSnapshot([running, done, makeTrial({ number: 2, systemAttrs: { ...view.notes } })]);
    expect(sampler.isExhausted(full)).toBe(true);
    // A racing extra trial re-evaluates the point only a running trial holds, not a finished one.
    const extra = makeSamplingTrial(3);
    expect(sampler.sampleIndependent(full, extra, "a", { type: "int", low: 0, high: 5 })).toBe(1);
  });

  it("ignores tags written for a different grid", () => {
    const old = new GridSampler({ searchSpace: { a: [1, 2] }, shuffle: false });
    const view = makeSamplingTrial(0);
    old.beforeTrial(makeSnapshot([]), view);
    const history = makeSnapshot([makeTrial({ number: 0, values: [1], systemAttrs: { ...view.notes } })]);
    expect(old.isExhausted(makeSnapshot([makeTrial({ number: 0, values: [1], systemAttrs: { ...view.notes } }), makeTrial({ number: 1, values: [1], systemAttrs: { ...view.notes, [GRID_INDEX_ATTR]: 1 } })]))).toBe(true);
    const changed = new GridSampler({ searchSpace: { a: [1, 2, 3] }, shuffle: false });
    expect(changed.isExhausted(history)).toBe(false);
    const next = makeSamplingTrial(1);
    changed.beforeTrial(history, next);
    expect(next.notes[GRID_INDEX_ATTR]).toBe(0);
  });

  it("starts over with cycle", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: space, seed: 5, cycle: true }) });
    await study.optimize((trial) => trial.suggestInt("a", 1, 3) + (trial.suggestCategorical("b", ["x", "y"]) === "x" ? 0 : 1), { nTrials: 14 });
    expect(study.trials).toHaveLength(14);
    const counts = new Map<string, number>();
    for (const t of study.trials) counts.set(keyOf(t.params), (counts.get(keyOf(t.params)) ?? 0) + 1);
    expect(counts.size).toBe(6);
    expect([...counts.values()].sort()).toEqual([2, 2, 2, 2, 3, 3]);
    // The second round repeats the first round's order.
    expect(study.trials.slice(6, 12).map((t) => keyOf(t.params))).toEqual(study.trials.slice(0, 6).map((t) => keyOf(t.params)));
  });

  it("splits the grid between concurrent trials of one process without duplicates", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: { a: [1, 2, 3, 4, 5, 6, 7, 8] }, seed: 9 }) });
    await study.optimize(
      async (trial) => {
        const a = trial.suggestInt("a", 1, 8);
        await new Promise((resolve) => setTimeout(resolve, 2));
        return a;
      },
      { nTrials: 20, concurrency: 4 },
    );
    const values = study.trials.filter((t) => t.state === "complete").map((t) => t.params.a);
    expect(new Set(values).size).toBe(8);
    expect(values).toHaveLength(8);
  });

  // Study.ask used to check isExhausted before the trial existed, so concurrent asks of one
  // process all passed the check before any took a point: 16 trials (15 distinct) at concurrency 16.
  it("runs each point once when one process runs more trials at a time than the grid has points", async () => {
    for (const concurrency of [16, 32]) {
      const study = await createStudy({ sampler: new GridSampler({ searchSpace: { x: [0, 0.25, 0.5, 0.75, 1], c: [null, true, "z"] }, seed: 1 }) });
      await study.optimize(
        async (trial) => {
          const x = trial.suggestFloat("x", 0, 1);
          const c = trial.suggestCategorical("c", [null, true, "z"]);
          await new Promise((resolve) => setTimeout(resolve, 1 + (trial.number % 5)));
          return x + (c === null ? 0 : 1);
        },
        { nTrials: 100, concurrency },
      );
      expect(study.trials, `concurrency ${concurrency}`).toHaveLength(15);
      expect(new Set(study.trials.map((t) => keyOf(t.params))).size).toBe(15);
    }
  });

  it("honours enqueued values, counting a trial on a grid point as a visit", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: space, seed: 2 }) });
    await study.enqueueTrial({ a: 2 });
    await study.optimize((trial) => trial.suggestInt("a", 1, 3) + (trial.suggestCategorical("b", ["x", "y"]) === "x" ? 0 : 1), { nTrials: 20 });
    expect(study.trials[0]!.params.a).toBe(2);
    expect(study.trials).toHaveLength(6);
    expect(new Set(study.trials.map((t) => keyOf(t.params))).size).toBe(6);
  });

  it("is deterministic: same seed and history give the same point", () => {
    const history = makeSnapshot([]);
    const a = makeSamplingTrial(0);
    const b = makeSamplingTrial(0);
    new GridSampler({ searchSpace: space, seed: 11 }).beforeTrial(history, a);
    new GridSampler({ searchSpace: space, seed: 11 }).beforeTrial(history, b);
    expect(a.notes).toEqual(b.notes);
  });

  it("shuffles huge grids without materializing them", () => {
    const big: Record<string, number[]> = {};
    for (let i = 0; i < 8; i++) big[`p${i}`] = Array.from({ length: 10 }, (_, k) => k);
    const sampler = new GridSampler({ searchSpace: big, seed: 4 });
    expect(sampler.size).toBe(1e8);
    const trials = [];
    const seen = new Set<number>();
    for (let n = 0; n < 50; n++) {
      const view = makeSamplingTrial(n);
      sampler.beforeTrial(makeSnapshot(trials), view);
      const index = view.notes[GRID_INDEX_ATTR] as number;
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(1e8);
      seen.add(index);
      trials.push(makeTrial({ number: n, values: [0], params: sampler.point(index), systemAttrs: { ...view.notes } }));
    }
    expect(seen.size).toBe(50);
    expect(() => new GridSampler({ searchSpace: { ...big, q: Array.from({ length: 100 }, (_, k) => k) } })).toThrow(/more than/);
  });

  it("rejects malformed grids with clear errors", () => {
    expect(() => new GridSampler({ searchSpace: { a: [] } })).toThrow(/"a" needs a non-empty array/);
    expect(() => new GridSampler({ searchSpace: { a: [1, 1] } })).toThrow(/value 1 appears twice/);
    expect(() => new GridSampler({ searchSpace: { a: [Number.NaN] } })).toThrow(/finite numbers/);
    expect(() => new GridSampler({} as never)).toThrow(/needs a searchSpace/);
  });
});

describe("GridSampler over a conditional search space", () => {
  /** `x` exists only when `kind` is "a" (define-by-run). */
  const conditional = (trial: Trial): number => (trial.suggestCategorical("kind", ["a", "b"]) === "a" ? trial.suggestInt("x", 0, 5) : 10);
  const kindAndX = { kind: ["a", "b"], x: [1, 2, 3] };

  // The grid has 6 points, but (b, 1), (b, 2) and (b, 3) are one configuration, {kind: "b"}: it
  // used to run three times.
  it.each([
    { seed: 3, shuffle: true },
    { seed: 8, shuffle: true },
    { seed: 1, shuffle: false },
  ])("runs each configuration the objective reaches once, then is exhausted (%o)", async (options) => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: kindAndX, ...options }) });
    await study.optimize(conditional, { nTrials: 50 });
    expect(study.trials.map((t) => keyOf(t.params)).sort()).toEqual(
      [{ kind: "a", x: 1 }, { kind: "a", x: 2 }, { kind: "a", x: 3 }, { kind: "b" }].map(keyOf).sort(),
    );
    await expect(study.ask()).rejects.toBeInstanceOf(SamplerExhaustedError);
  });

  it("collapses nested branches: 6 configurations of a 24-point grid", async () => {
    const grid = { model: ["linear", "tree"], penalty: ["l1", "l2"], alpha: [0.1, 1], depth: [2, 4, 8] };
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: grid, seed: 5 }) });
    await study.optimize(
      (trial) => {
        if (trial.suggestCategorical("model", ["linear", "tree"]) === "tree") return trial.suggestInt("depth", 1, 10);
        return trial.suggestCategorical("penalty", ["l1", "l2"]) === "l1" ? 0 : trial.suggestFloat("alpha", 0, 1);
      },
      { nTrials: 50 },
    );
    const keys = study.trials.map((t) => keyOf(t.params));
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
    expect(keys).toContain(keyOf({ model: "linear", penalty: "l1" }));
  });

  it("keeps the configurations of a large grid apart: 50 of 1250 points, each once", async () => {
    const values = [0, 1, 2, 3, 4];
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: { kind: ["a", "b"], a1: values, a2: values, b1: values, b2: values }, seed: 2 }) });
    await study.optimize(
      (trial) => {
        const kind = trial.suggestCategorical("kind", ["a", "b"]);
        return trial.suggestInt(`${kind}1`, 0, 4) + trial.suggestInt(`${kind}2`, 0, 4);
      },
      { nTrials: 100 },
    );
    expect(study.trials).toHaveLength(50);
    expect(new Set(study.trials.map((t) => keyOf(t.params))).size).toBe(50);
  });

  // A pruned or failed trial may have stopped before suggesting its conditional parameters: its
  // {kind: "a"} says nothing of which x the others would get, so it covers only its own point.
  it.each(["failed", "pruned"] as const)("counts a %s trial as a visit to its own point only", async (state) => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: kindAndX, seed: 4 }) });
    await study.optimize(
      (trial) => {
        if (trial.suggestCategorical("kind", ["a", "b"]) === "b") return 10;
        if (state === "pruned") throw new TrialPruned();
        throw new Error("diverged before x was suggested");
      },
      { nTrials: 50 },
    );
    expect(study.trials.filter((t) => t.state === state)).toHaveLength(3);
    expect(study.trials.filter((t) => t.state === "complete").map((t) => keyOf(t.params))).toEqual([keyOf({ kind: "b" })]);
  });

  it("with cycle, runs each configuration once per round", async () => {
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: kindAndX, seed: 6, cycle: true }) });
    await study.optimize(conditional, { nTrials: 8 });
    const counts = new Map<string, number>();
    for (const t of study.trials) counts.set(keyOf(t.params), (counts.get(keyOf(t.params)) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2, 2]);
  });

  it("on hand-made trials: a complete trial without x covers every x of its kind, a running one only its point", () => {
    const sampler = new GridSampler({ searchSpace: kindAndX, shuffle: false });
    // Points in order: (a,1) (a,2) (a,3) (b,1) (b,2) (b,3).
    const onPoint = (index: number, fields: Parameters<typeof makeTrial>[0]) => makeTrial({ ...fields, systemAttrs: tagsOf(sampler, index) });
    const bDone = onPoint(4, { number: 0, values: [10], params: { kind: "b" } });
    // Running, x not suggested yet: it may still be, so (a, 2) and (a, 3) remain to run.
    const aRunning = onPoint(0, { number: 1, state: "running", params: { kind: "a" } });
    const next = (trials: ReturnType<typeof makeTrial>[]): number => {
      const view = makeSamplingTrial(trials.length);
      sampler.beforeTrial(makeSnapshot(trials), view);
      return view.notes[GRID_INDEX_ATTR] as number;
    };
    expect(next([bDone, aRunning])).toBe(1);
    const aDone = [1, 2].map((index, k) => onPoint(index, { number: 2 + k, values: [0], params: sampler.point(index) }));
    expect(sampler.isExhausted(makeSnapshot([bDone, aRunning, ...aDone]))).toBe(true);
    expect(sampler.isExhausted(makeSnapshot([bDone, aRunning, aDone[0]!]))).toBe(false);
  });

  it("past exhaustion, gives a racing trial the running point first in the shuffled order", () => {
    // 7 points: the shuffle walks cycles of a 16-point permutation, which the order's inverse must undo.
    const searchSpace = { a: [0, 1, 2, 3, 4, 5, 6] };
    const visiting = (): number[] => {
      const sampler = new GridSampler({ searchSpace, seed: 21 });
      const trials = [];
      const out: number[] = [];
      for (let n = 0; n < 7; n++) {
        const view = makeSamplingTrial(n);
        sampler.beforeTrial(makeSnapshot(trials), view);
        out.push(view.notes[GRID_INDEX_ATTR] as number);
        trials.push(makeTrial({ number: n, values: [0], params: sampler.point(out[n]!), systemAttrs: { ...view.notes } }));
      }
      return out;
    };
    const order = visiting();
    const sampler = new GridSampler({ searchSpace, seed: 21 });
    for (const running of [[order[5]!, order[2]!], [order[6]!], [order[0]!, order[6]!]]) {
      const trials = order.map((index, n) =>
        makeTrial({ number: n, ...(running.includes(index) ? { state: "running" } : { values: [0], params: sampler.point(index) }), systemAttrs: tagsOf(sampler, index) }),
      );
      const view = makeSamplingTrial(7);
      sampler.beforeTrial(makeSnapshot(trials), view);
      expect(view.notes[GRID_INDEX_ATTR]).toBe(order.find((index) => running.includes(index)));
    }
  });
});

/** The system attributes of a trial on grid point `index` of `sampler`. */
function tagsOf(sampler: GridSampler, index: number): Record<string, import("../space/index.js").JsonValue> {
  const view = makeSamplingTrial(0);
  sampler.beforeTrial(makeSnapshot([]), view);
  return { ...view.notes, [GRID_INDEX_ATTR]: index };
}

describe("gridFromSpace", () => {
  it("lists many points per float in linear time, and each once", () => {
    // Each value was looked for among those listed before: --sampler-opt points=100000 spent 9 s per
    // float parameter, so 400,000 would take minutes and run into the test's timeout (a fraction of
    // a second in linear time).
    const grid = gridFromSpace({ x: { type: "float", low: 0, high: 1 }, y: { type: "int", low: 0, high: 10 } }, 400_000);
    expect(grid.x).toHaveLength(400_000);
    expect(new Set(grid.x).size).toBe(400_000);
    expect(grid.y).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  const distributions: SearchSpace = {
    lr: { type: "float", low: 1e-4, high: 1, log: true },
    x: { type: "float", low: -1, high: 1 },
    q: { type: "float", low: 0, high: 1, step: 0.25 },
    fine: { type: "float", low: 0, high: 1, step: 0.01 },
    layers: { type: "int", low: 1, high: 4 },
    wide: { type: "int", low: 0, high: 1000 },
    logInt: { type: "int", low: 1, high: 1024, log: true },
    optimizer: { type: "categorical", choices: ["adam", "sgd", null] },
  };

  it("lists a stepped float up to its top value, once each, when the last step overshoots it by rounding", () => {
    // 0.1 + 3 * 0.2 is 0.7000000000000001: the grid was [0.1, 0.3, 0.5, 0.5] and refused as a duplicate.
    expect(gridFromSpace({ y: { type: "float", low: 0.1, high: 0.7, step: 0.2 } }, 10).y).toEqual([0.1, 0.3, 0.5, 0.7]);
    expect(gridFromSpace({ x: { type: "float", low: 0, high: 0.3, step: 0.1 } }, 10).x).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it("lists choices and small int ranges in full and spaces floats evenly", () => {
    const grid = gridFromSpace(distributions, 5);
    expect(grid.lr).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(grid.x).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(grid.q).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(grid.fine).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(grid.layers).toEqual([1, 2, 3, 4]);
    expect(grid.wide).toEqual([0, 250, 500, 750, 1000]);
    expect(grid.logInt).toEqual([1, 6, 32, 181, 1024]);
    expect(grid.optimizer).toEqual(["adam", "sgd", null]);
    for (const [name, values] of Object.entries(grid)) {
      for (const value of values) expect(containsValue(distributions[name]!, value)).toBe(true);
    }
  });

  it("feeds a GridSampler that the objective's ranges accept", async () => {
    const grid = gridFromSpace({ x: distributions.x!, layers: distributions.layers! }, 3);
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: grid, seed: 1 }) });
    await study.optimize((trial) => trial.suggestFloat("x", -1, 1) * trial.suggestInt("layers", 1, 4), { nTrials: 100 });
    expect(study.trials.filter((t) => t.state === "complete")).toHaveLength(12);
  });

  it("uses the midpoint for a single float point and rejects a bad count", () => {
    expect(gridFromSpace({ x: { type: "float", low: 0, high: 2 } }, 1).x).toEqual([1]);
    expect(() => gridFromSpace({}, 0)).toThrow(/pointsPerFloat/);
  });
});

describe("createGridSamplerFromOptions", () => {
  it("takes a JSON grid or builds one from the declared ranges", () => {
    const fromJson = createGridSamplerFromOptions({ grid: '{"opt":["adam","sgd"],"n":[1,2,3]}', seed: 4, cycle: "true", shuffle: "no" });
    expect(fromJson.size).toBe(6);
    expect([fromJson.seed, fromJson.cycle, fromJson.shuffle]).toEqual([4, true, false]);
    expect(fromJson.point(0)).toEqual({ n: 1, opt: "adam" });
    const fromSpace = createGridSamplerFromOptions({ "max-int-values": "4", points: "3" }, { x: { type: "float", low: 0, high: 1 }, n: { type: "int", low: 1, high: 4 } });
    expect(fromSpace.size).toBe(12);
  });

  it("names what is wrong", () => {
    expect(() => createGridSamplerFromOptions({})).toThrow(/needs a grid/);
    expect(() => createGridSamplerFromOptions({ grid: "{oops" })).toThrow(/"grid" is not valid JSON/);
    expect(() => createGridSamplerFromOptions({ grid: '{"a":[1]}', cycle: "maybe" })).toThrow(/option "cycle" must be true or false/);
    expect(() => createGridSamplerFromOptions({ grid: '{"a":[1]}', step: "2" })).toThrow(/unknown option "step"/);
    expect(() => createGridSamplerFromOptions({ points: "0" }, {})).toThrow(/option "points" must be an integer >= 1/);
    // A value outside its declared range used to pass here and fail the first trial that drew it.
    const declared = { y: { type: "float", low: 0, high: 1 } } as const;
    expect(() => createGridSamplerFromOptions({ grid: '{"y":[0.1,2]}' }, declared)).toThrow(
      'grid sampler: option "grid" gives y the value 2, outside its declared distribution {"type":"float","low":0,"high":1}',
    );
    expect(createGridSamplerFromOptions({ grid: '{"y":[0.1,1]}' }, declared).size).toBe(2);
    // A declared parameter the grid leaves out failed every trial; one the grid adds is a typo.
    expect(() => createGridSamplerFromOptions({ grid: '{"z":[1]}' }, declared)).toThrow('grid sampler: option "grid" has no values for "y"; a grid search needs values for every declared parameter');
    expect(() => createGridSamplerFromOptions({ grid: '{"y":[0.1],"other":["a"]}' }, declared)).toThrow('grid sampler: option "grid" gives values for "other", which is not declared');
  });
});
