import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import {
  type Direction,
  type Distribution,
  type NumericDistribution,
  FinishedCursor,
  InvalidDistributionError,
  SpaceEncoder,
  cardinality,
  containsValue,
  decodeValue,
  distributionsEqual,
  dominates,
  encodeValue,
  reservedParamName,
  intersectionSearchSpace,
  makeSnapshot,
  makeTrial,
  paretoFront,
  searchSpaceFingerprint,
  snapToDistribution,
  validateDistribution,
} from "./index.js";

describe("validateDistribution", () => {
  it("accepts well-formed distributions and normalizes them", () => {
    expect(validateDistribution({ type: "float", low: 0, high: 1, log: false })).toEqual({ type: "float", low: 0, high: 1 });
    expect(validateDistribution({ type: "int", low: 1, high: 9, step: 1 })).toEqual({ type: "int", low: 1, high: 9 });
    expect(validateDistribution({ type: "int", low: 1, high: 9, step: 2 })).toEqual({ type: "int", low: 1, high: 9, step: 2 });
    expect(validateDistribution({ type: "categorical", choices: ["a", 1, true, null] })).toEqual({
      type: "categorical",
      choices: ["a", 1, true, null],
    });
  });

  it.each<[string, Distribution, RegExp]>([
    ["low above high", { type: "float", low: 2, high: 1 }, /must not exceed high/],
    ["log with low 0", { type: "float", low: 0, high: 1, log: true }, /log scale needs low > 0/],
    // Optuna 3.1 narrows these to [0, 0] and [0.5, 0.5]: a range that asked for more than one value keeps only low.
    ["a float step larger than the range", { type: "float", low: 0, high: 1, step: 2 }, /step 2 is larger than the range \[0, 1\], which would hold only 0/],
    ["an int step larger than the range", { type: "int", low: 5, high: 8, step: 4 }, /step 4 is larger than the range \[5, 8\], which would hold only 5/],
    ["a zero step", { type: "int", low: 0, high: 10, step: 0 }, /step must be a positive number, got 0/],
    ["negative step", { type: "float", low: 0, high: 1, step: -0.1 }, /positive/],
    ["non-integer int bounds", { type: "int", low: 0.5, high: 3 }, /integers/],
    // Accepted, and suggestInt("i", 0, 2 ** 60) drew from the sparse grid of doubles there.
    ["int bounds beyond 2^53", { type: "int", low: 0, high: 2 ** 60 }, /int bounds must lie within ±9007199254740991 \(2\^53 − 1\).*got low=0 high=1152921504606846976; a float parameter takes a wider range/],
    ["an int bound below −2^53", { type: "int", low: -(2 ** 53), high: 0 }, /int bounds must lie within ±9007199254740991.*low=-9007199254740992 high=0/],
    ["log and step", { type: "float", low: 1, high: 10, log: true, step: 1 }, /cannot be combined/],
    ["empty choices", { type: "categorical", choices: [] }, /non-empty/],
    ["duplicate choices", { type: "categorical", choices: ["a", "a"] }, /appears twice/],
    ["NaN bound", { type: "float", low: Number.NaN, high: 1 }, /finite/],
    // It used to be accepted, and every draw came out at low (the width overflowed to Infinity).
    ["a range whose width overflows", { type: "float", low: -1e308, high: 1e308 }, /too wide to sample \(high − low overflows\); narrow it, or use a log scale/],
  ])("rejects %s with a clear message", (_label, distribution, message) => {
    expect(() => validateDistribution(distribution, "lr")).toThrow(InvalidDistributionError);
    expect(() => validateDistribution(distribution, "lr")).toThrow(message);
    expect(() => validateDistribution(distribution, "lr")).toThrow(/parameter "lr"/);
  });
});

describe("a step that does not divide the range", () => {
  // [low, high, step, high as Optuna 3.1 narrows it]: FloatDistribution(low, high, step=step).high
  // and IntDistribution(...).high printed by Debian's /usr/bin/python3 (optuna 3.1), hard-coded here.
  it.each<[NumericDistribution["type"], number, number, number, number]>([
    ["float", 0, 1, 0.3, 0.9],
    ["float", 0.1, 0.75, 0.2, 0.7],
    ["float", -1, 1, 0.7, 0.4],
    ["float", 0.001, 0.01, 0.004, 0.009],
    ["float", -0.3, 0.5, 0.15, 0.45],
    ["float", 2.5, 10.1, 1.5, 10],
    ["int", 0, 10, 3, 9],
    ["int", -7, 7, 4, 5],
    ["int", 1, 100, 7, 99],
  ])("narrows %s [%s, %s] step %s to end at %s, as Optuna does, and says so", (type, low, high, step, narrowedHigh) => {
    const warnings: string[] = [];
    expect(validateDistribution({ type, low, high, step }, "a", (message) => warnings.push(message))).toEqual({ type, low, high: narrowedHigh, step });
    expect(warnings).toEqual([`parameter "a": step ${step} does not divide the range [${low}, ${high}]; using [${low}, ${narrowedHigh}], up to the last multiple of the step`]);
  });

  it.each<[NumericDistribution["type"], number, number, number]>([
    // Optuna 3.1 keeps these as given: the step divides them.
    ["float", 0, 1, 0.1],
    ["float", 0, 1, 0.25],
    ["float", 1e-7, 1e-6, 3e-7],
    ["float", 0.1, 0.7, 0.2],
    ["int", 5, 5, 3],
    // Optuna narrows this one to 0.3; within rounding of a whole number of steps, it is kept, as it always was (a stored study has it).
    ["float", 0, 0.1 + 0.2, 0.1],
  ])("keeps %s [%s, %s] step %s, which the step divides, without a word", (type, low, high, step) => {
    const warnings: string[] = [];
    expect(validateDistribution({ type, low, high, step }, "a", (message) => warnings.push(message))).toEqual({ type, low, high, step });
    expect(warnings).toEqual([]);
  });

  it("stays normalized: the narrowed distribution validates to itself, without a warning", () => {
    const narrowed = validateDistribution({ type: "float", low: 0, high: 1, step: 0.3 }, "a");
    const warnings: string[] = [];
    expect(validateDistribution(narrowed, "a", (message) => warnings.push(message))).toEqual(narrowed);
    expect(warnings).toEqual([]);
  });
});

describe("reservedParamName", () => {
  it("refuses the names every JavaScript object inherits, and only those", () => {
    for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__", "isPrototypeOf"]) {
      expect(reservedParamName(name)).toMatch(new RegExp(`^parameter name "${name}" is reserved`));
    }
    for (const name of ["lr", "proto", "Constructor", "to_string", "x.y"]) expect(reservedParamName(name)).toBeNull();
  });
});

describe("unit-cube encoding", () => {
  const arbitraryDistribution: fc.Arbitrary<Distribution> = fc.oneof(
    fc
      .tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.boolean())
      .map(([low, width, log]) => (log ? { type: "float" as const, low: Math.abs(low) + 1e-3, high: Math.abs(low) + 1e-3 + width, log: true } : { type: "float" as const, low, high: low + width })),
    fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 })).map(([low, cells, step]) => ({
      type: "float" as const,
      low: low / 10,
      high: low / 10 + (cells * step) / 10,
      step: step / 10,
    })),
    fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 5 })).map(([low, cells, step]) => ({
      type: "int" as const,
      low,
      high: low + cells * step,
      step,
    })),
    fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 10000 })).map(([low, width]) => ({ type: "int" as const, low, high: low + width, log: true })),
    fc.uniqueArray(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 6, selector: (v) => JSON.stringify(v) }).map((choices) => ({
      type: "categorical" as const,
      choices,
    })),
  );

  it("decodes every point of [0, 1] to a legal value, and legal values round-trip", () => {
    fc.assert(
      fc.property(arbitraryDistribution, fc.double({ min: 0, max: 1, noNaN: true }), (raw, u) => {
        const distribution = validateDistribution(raw);
        const value = decodeValue(distribution, u);
        expect(containsValue(distribution, value)).toBe(true);
        const encoded = encodeValue(distribution, value);
        expect(encoded).toBeGreaterThanOrEqual(0);
        expect(encoded).toBeLessThanOrEqual(1);
        if (cardinality(distribution) < Infinity) expect(decodeValue(distribution, encoded)).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it("gives each value of a grid an equal share of the unit interval", () => {
    const distribution = validateDistribution({ type: "int", low: 1, high: 4 });
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const v = decodeValue(distribution, (i + 0.5) / 4000) as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.entries()].sort()).toEqual([[1, 1000], [2, 1000], [3, 1000], [4, 1000]]);
  });

  it("keeps stepped floats free of rounding noise", () => {
    const distribution = validateDistribution({ type: "float", low: 0, high: 1, step: 0.1 });
    for (let i = 0; i <= 100; i++) {
      const v = decodeValue(distribution, i / 100) as number;
      expect(String(v).length).toBeLessThanOrEqual(3);
    }
  });

  it("reaches the top of a stepped float whose last step overshoots it by rounding, each value as often", () => {
    // 0 + 3 * 0.1 is 0.30000000000000004: the top value used to be replaced by the one below it.
    for (const [low, high, step] of [[0, 0.3, 0.1], [0.1, 0.7, 0.2], [0, 0.35, 0.05], [-0.7, 0, 0.1], [0, 1.2, 0.1]] as const) {
      const distribution = validateDistribution({ type: "float", low, high, step });
      const cells = Math.round((high - low) / step) + 1;
      const counts = new Map<number, number>();
      for (let i = 0; i < cells * 100; i++) {
        const v = decodeValue(distribution, (i + 0.5) / (cells * 100)) as number;
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      expect(counts.get(high)).toBe(100);
      expect([...counts.values()]).toEqual(Array(cells).fill(100));
      expect(snapToDistribution(distribution as NumericDistribution, high)).toBe(high);
    }
  });

  it("refuses a step too small for its range, which made every value the top one", () => {
    expect(() => validateDistribution({ type: "float", low: 0, high: 1, step: 1e-320 }, "x")).toThrow('parameter "x": step 1e-320 is too small for the range [0, 1]');
  });

  it("holds values to their bounds within rounding, however narrow the range or small the bounds", () => {
    // A fixed tolerance of 1e-9 let these in: the objective got them, and samplers took log(0).
    expect(containsValue({ type: "float", low: 1e-12, high: 1, log: true }, 0)).toBe(false);
    expect(containsValue({ type: "float", low: 1e-12, high: 1, log: true }, -5e-10)).toBe(false);
    expect(containsValue({ type: "float", low: 1e-12, high: 1, log: true }, 1e-13)).toBe(false);
    expect(containsValue({ type: "float", low: 0, high: 1e-10 }, 9e-10)).toBe(false);
    expect(containsValue({ type: "float", low: 2, high: 2 }, 2.000001)).toBe(false);
    // Rounding at the bounds still passes.
    expect(containsValue({ type: "float", low: 1e-12, high: 1, log: true }, 1e-12 * (1 - 1e-15))).toBe(true);
    expect(containsValue({ type: "float", low: 1e-12, high: 1, log: true }, 1 + 1e-15)).toBe(true);
    expect(containsValue({ type: "float", low: 0.1, high: 0.7, step: 0.2 }, 0.1 + 3 * 0.2)).toBe(true);
    expect(containsValue({ type: "float", low: 0, high: 1e-10 }, 1e-10 * (1 + 1e-15))).toBe(true);
    expect(containsValue({ type: "float", low: 0, high: 1 }, 1 + 1e-12)).toBe(true);
    expect(containsValue({ type: "float", low: -1e6, high: -1e3 }, -1e3 + 1e-7)).toBe(true);
  });

  it("encodes log distributions on a log scale", () => {
    const distribution = validateDistribution({ type: "float", low: 1e-5, high: 1e-1, log: true });
    expect(decodeValue(distribution, 0.5)).toBeCloseTo(1e-3, 10);
  });

  it("orders a space by name so vectors are stable", () => {
    const encoder = new SpaceEncoder({ b: { type: "float", low: 0, high: 2 }, a: { type: "categorical", choices: ["x", "y"] } });
    expect(encoder.names).toEqual(["a", "b"]);
    expect([...encoder.encode({ a: "y", b: 1 })]).toEqual([0.75, 0.5]);
    expect(encoder.decode([0.1, 1])).toEqual({ a: "x", b: 2 });
  });
});

describe("distributionsEqual", () => {
  it("treats an int step of 1 as no step", () => {
    expect(distributionsEqual({ type: "int", low: 0, high: 5 }, { type: "int", low: 0, high: 5, step: 1 })).toBe(true);
    expect(distributionsEqual({ type: "float", low: 0, high: 5 }, { type: "float", low: 0, high: 5, log: false })).toBe(true);
    expect(distributionsEqual({ type: "float", low: 0, high: 5 }, { type: "int", low: 0, high: 5 })).toBe(false);
  });
});

describe("intersectionSearchSpace", () => {
  it("keeps only parameters every finished trial has with one distribution", () => {
    const x = { type: "float", low: 0, high: 1 } as const;
    const snapshot = makeSnapshot([
      makeTrial({ number: 0, state: "complete", values: [1], params: { x: 0.1, y: 1 }, distributions: { x, y: { type: "int", low: 0, high: 3 } } }),
      makeTrial({ number: 1, state: "complete", values: [2], params: { x: 0.2, y: 2 }, distributions: { x, y: { type: "int", low: 0, high: 4 } } }),
      makeTrial({ number: 2, state: "failed", params: { z: 1 }, distributions: { z: x } }),
    ]);
    expect(intersectionSearchSpace(snapshot)).toEqual({ x });
  });
});

describe("searchSpaceFingerprint", () => {
  const lr = { type: "float", low: 1e-4, high: 0.1, log: true } as const;
  const x = { type: "int", low: 0, high: 3 } as const;

  it("ignores key order, tells distributions apart, and is empty for the empty space", () => {
    expect(searchSpaceFingerprint({ x, lr })).toBe(searchSpaceFingerprint({ lr, x }));
    expect(searchSpaceFingerprint({ lr, x: { ...x, high: 4 } })).not.toBe(searchSpaceFingerprint({ lr, x }));
    expect(searchSpaceFingerprint({ lr, y: x })).not.toBe(searchSpaceFingerprint({ lr, x }));
    expect(searchSpaceFingerprint({})).toBe("");
  });

  it("keeps the value CMA-ES has recorded on existing trials", () => {
    // FNV-1a of the sorted [name, distribution] pairs as JSON: changing the format would make
    // CMA-ES restart on every study it had started before.
    expect(searchSpaceFingerprint({ x, lr })).toBe("cf21daa5");
  });
});

describe("paretoFront", () => {
  it("finds the non-dominated trials under mixed directions", () => {
    const trials = [
      [1, 5],
      [2, 6],
      [3, 4],
      [0, 1],
      [2, 6],
    ].map((values, number) => makeTrial({ number, values, state: "complete" }));
    const front = paretoFront(trials, ["minimize", "maximize"]);
    expect(front.map((t) => t.number)).toEqual([3, 0, 1, 4]);
  });

  it("keeps points tied in one objective apart by the others, and equal points together", () => {
    const trials = [
      [1, 3, 1],
      [1, 1, 3],
      [1, 3, 2],
      [0, 5, 5],
      [1, 1, 3],
      [1, 1, 4],
      [2, 0, 9],
    ].map((values, number) => makeTrial({ number, values, state: "complete" }));
    expect(paretoFront(trials, ["minimize", "minimize", "minimize"]).map((t) => t.number)).toEqual([3, 0, 1, 4, 6]);
    // In two objectives: (1, 3) and (1, 4) lose to (1, 1); (0, 5) and (2, 0) are the extremes.
    const two = trials.map((t) => ({ ...t, values: t.values!.slice(0, 2) }));
    expect(paretoFront(two, ["minimize", "minimize"]).map((t) => t.number)).toEqual([3, 1, 4, 5, 6]);
  });

  it("finds a front of 30,000 trials in two objectives, and of thousands in three", () => {
    // Every trial compared with every member, then the front filtered against itself: a
    // two-objective front of 6,000 trials took seconds per call, and sextant tune asks for it
    // after every trial and at every repaint of its progress line (10 trials took minutes).
    // The time is measured by bench/pareto-front.mjs, against that reference; here a quadratic
    // front would run into the test's timeout.
    const rng = new Rng(3);
    const line = Array.from({ length: 30_000 }, (_, number) => {
      const x = rng.uniform();
      return makeTrial({ number, values: [x, 1 - x], state: "complete" });
    });
    expect(paretoFront(line, ["minimize", "minimize"])).toHaveLength(30_000);
    const sphere = Array.from({ length: 3_000 }, (_, number) => {
      const [u, v] = [rng.uniform() * Math.PI / 2, rng.uniform() * Math.PI / 2];
      return makeTrial({ number, values: [Math.cos(u) * Math.cos(v), Math.cos(u) * Math.sin(v), Math.sin(u)], state: "complete" });
    });
    expect(paretoFront(sphere, ["minimize", "minimize", "minimize"])).toHaveLength(3_000);
  });

  it("agrees with a check of every pair, in any order and with equal points and ties", () => {
    const rng = new Rng(11);
    for (let round = 0; round < 200; round++) {
      const m = 2 + (round % 3);
      const directions = Array.from({ length: m }, (_, k) => (k % 2 === 0 ? "minimize" : "maximize") as Direction);
      const trials = Array.from({ length: 1 + rng.integer(0, 30) }, (_, number) =>
        makeTrial({ number, values: Array.from({ length: m }, () => rng.integer(0, 4)), state: "complete" }),
      );
      const expected = trials.filter((t) => !trials.some((o) => dominates(directions, o.values!, t.values!)));
      const front = paretoFront(rng.shuffle([...trials]), directions);
      expect(new Set(front.map((t) => t.number))).toEqual(new Set(expected.map((t) => t.number)));
      const firstLoss = front.map((t) => (directions[0] === "minimize" ? t.values![0]! : -t.values![0]!));
      front.forEach((t, i) => i > 0 && expect(firstLoss[i - 1]! < firstLoss[i]! || (firstLoss[i - 1] === firstLoss[i] && front[i - 1]!.number < t.number)).toBe(true));
    }
  });
});

describe("FinishedCursor", () => {
  const done = (number: number) => makeTrial({ number, state: "complete", values: [number] });

  it("continues a growing history and notices one that is not a continuation", () => {
    const cursor = new FinishedCursor();
    const first = makeSnapshot([done(0), done(1)]);
    expect(cursor.continues(first)).toBe(true);
    cursor.markRead(first);
    expect(cursor.position).toBe(2);
    expect(cursor.continues(makeSnapshot([done(0), done(1), done(2)]))).toBe(true);
    expect(cursor.continues(makeSnapshot([done(0)]))).toBe(false);
    expect(cursor.continues(makeSnapshot([done(0), done(5)]))).toBe(false);
    expect(cursor.continues(makeSnapshot([done(0), done(1)], { studyId: 2 }))).toBe(false);
  });
});
