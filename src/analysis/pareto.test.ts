import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { dominates, makeTrial, paretoFront } from "../space/index.js";
import {
  GrowingFront,
  constrainedDominates,
  crowdingDistance,
  dominatesLosses,
  joinFront,
  leadingFrontIndices,
  nonDominatedSort,
  paretoFrontIndices,
  satisfiesStoredConstraints,
  storedViolation,
  toLosses,
  totalViolation,
  trialConstraints,
} from "./pareto.js";

describe("nonDominatedSort", () => {
  it("ranks a hand-worked set into its fronts", () => {
    // Front 0: (1,5) (2,3) (4,1). Front 1: (3,4) (5,2) — (3,4) is beaten by (2,3), (5,2) by (4,1).
    // Front 2: (6,6), beaten by both of front 1. (2,3) appears twice: equal points share a front.
    const losses = [[3, 4], [1, 5], [6, 6], [2, 3], [5, 2], [4, 1], [2, 3]];
    const { ranks, fronts } = nonDominatedSort(losses);
    expect(Array.from(ranks)).toEqual([1, 0, 2, 0, 1, 0, 0]);
    expect(fronts).toEqual([[1, 3, 5, 6], [0, 4], [2]]);
  });

  it("puts every feasible point ahead of every infeasible one under constrained domination", () => {
    const losses = [[0, 0], [5, 5], [6, 4], [1, 1], [9, 9]];
    const violations = [0.5, 0, 0, 0.2, 0];
    const { ranks, fronts } = nonDominatedSort(losses, violations);
    // Feasible: (5,5) (6,4) mutually non-dominated, (9,9) behind them; then infeasible by violation.
    expect(fronts).toEqual([[1, 2], [4], [3], [0]]);
    expect(Array.from(ranks)).toEqual([3, 0, 0, 2, 1]);
  });

  it("rejects violations that do not match the points", () => {
    expect(() => nonDominatedSort([[1], [2]], [0])).toThrow(/1 violations for 2 points/);
  });

  it("agrees with paretoFrontIndices on the first front", () => {
    const losses = [[3, 4, 1], [1, 5, 2], [6, 6, 6], [2, 3, 2], [2, 3, 2], [5, 2, 9], [4, 1, 0]];
    expect(nonDominatedSort(losses).fronts[0]).toEqual(paretoFrontIndices(losses));
    // (6,6,6) and (5,2,9) are beaten by (4,1,0); the two equal (2,3,2) both stay.
    expect(paretoFrontIndices(losses)).toEqual([0, 1, 3, 4, 6]);
  });
});

describe("paretoFrontIndices", () => {
  it("finds a two-objective front of 60,000 points", () => {
    // Each point compared with the front so far: 30,000 points on a line took 40 seconds, and the
    // dashboard's Pareto plot of a two-objective study asks for its front at every load. Twice as
    // many would take minutes so, and run into the test's timeout; bench/pareto-front.mjs
    // measures the time.
    let state = 7;
    const next = () => ((state = (state * 16807) % 2147483647) / 2147483647);
    const losses = Array.from({ length: 60_000 }, () => {
      const x = next();
      return [x, 1 - x];
    });
    expect(paretoFrontIndices(losses)).toEqual(losses.map((_, i) => i));
  });

  it("is the first front of a full non-dominated sort, whatever the order, ties and NaN losses", () => {
    let state = 11;
    const next = () => ((state = (state * 16807) % 2147483647) / 2147483647);
    for (const [n, m] of [[1, 3], [2, 2], [40, 1], [150, 2], [300, 3], [80, 4]] as const) {
      // Coarse values, so ties and equal points occur; now and then a NaN, which counts as +∞.
      const losses = Array.from({ length: n }, () => Array.from({ length: m }, () => (next() < 0.03 ? Number.NaN : Math.round(next() * 12))));
      const front = nonDominatedSort(losses).fronts[0] ?? [];
      expect(paretoFrontIndices(losses)).toEqual(front);
      const reversed = [...losses].reverse();
      expect(paretoFrontIndices(reversed)).toEqual(front.map((i) => n - 1 - i).sort((a, b) => a - b));
    }
    expect(paretoFrontIndices([])).toEqual([]);
  });
});

describe("leadingFrontIndices", () => {
  it("takes whole fronts of the hand-worked set until the count is reached", () => {
    const losses = [[3, 4], [1, 5], [6, 6], [2, 3], [5, 2], [4, 1], [2, 3]];
    expect(leadingFrontIndices(losses, 1)).toEqual([1, 3, 5, 6]);
    expect(leadingFrontIndices(losses, 5)).toEqual([0, 1, 3, 4, 5, 6]);
    expect(leadingFrontIndices(losses, 100)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(leadingFrontIndices([], 3)).toEqual([]);
  });

  it("keeps exactly the fronts a full non-dominated sort would fill the count with", () => {
    let state = 7;
    const next = () => ((state = (state * 16807) % 2147483647) / 2147483647);
    for (const [n, m, count] of [[300, 3, 64], [200, 2, 10], [50, 3, 50], [120, 3, 1]] as const) {
      // Coarse values, so ties and equal points occur.
      const losses = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(next() * 20)));
      const expected: number[] = [];
      for (const front of nonDominatedSort(losses).fronts) {
        if (expected.length >= count) break;
        expected.push(...front);
      }
      expect(leadingFrontIndices(losses, count)).toEqual(expected.sort((a, b) => a - b));
    }
  });
});

describe("crowdingDistance", () => {
  it("matches a hand-worked front", () => {
    // Objective 0 spans 4: (1,2) gets (2-0)/4, (2,1) gets (4-1)/4; objective 1 the mirror image.
    const distance = crowdingDistance([[0, 4], [1, 2], [2, 1], [4, 0]]);
    expect(Array.from(distance)).toEqual([Infinity, 1.25, 1.25, Infinity]);
  });

  it("gives the extremes infinity and ignores a flat objective", () => {
    expect(Array.from(crowdingDistance([[0, 7], [1, 7], [3, 7]]))).toEqual([Infinity, 1, Infinity]);
    expect(Array.from(crowdingDistance([[1, 1], [2, 2]]))).toEqual([Infinity, Infinity]);
    expect(crowdingDistance([]).length).toBe(0);
  });
});

describe("constrained domination", () => {
  it("follows Deb's three cases", () => {
    expect(constrainedDominates([9, 9], 0, [1, 1], 0.1)).toBe(true);
    expect(constrainedDominates([1, 1], 0.1, [9, 9], 0)).toBe(false);
    expect(constrainedDominates([9, 9], 0.1, [1, 1], 0.3)).toBe(true);
    expect(constrainedDominates([1, 1], 0.3, [1, 1], 0.3)).toBe(false);
    expect(constrainedDominates([1, 2], 0, [2, 2], 0)).toBe(true);
    expect(constrainedDominates([1, 2], 0, [2, 1], 0)).toBe(false);
  });

  it("sums only the violated constraints and treats NaN as infinitely violated", () => {
    expect(totalViolation([-1, 0, 0.5, 2])).toBe(2.5);
    expect(totalViolation([-3, 0])).toBe(0);
    expect(totalViolation(null)).toBe(0);
    expect(totalViolation([Number.NaN, -1])).toBe(Infinity);
  });

  it("reads constraints from systemAttrs and names the trial when they are malformed", () => {
    expect(trialConstraints(makeTrial({ number: 0, systemAttrs: { constraints: [-1, 0.5] } }))).toEqual([-1, 0.5]);
    expect(trialConstraints(makeTrial({ number: 1 }))).toBeNull();
    expect(() => trialConstraints(makeTrial({ number: 4, systemAttrs: { constraints: "low" } }))).toThrow(/trial 4: systemAttrs.constraints/);
  });

  it("gives stored constraints that are not a list of numbers an infinite violation, as satisfiesStoredConstraints counts them infeasible", () => {
    const stored = [[-1, 0.5], [-1], [], [Number.NaN], null, undefined, "x", [1, "a"], ["x"], { a: 1 }, 3];
    for (const constraints of stored) {
      const trial = makeTrial({ number: 0, ...(constraints === undefined ? {} : { systemAttrs: { constraints } }) });
      expect([constraints, storedViolation(trial) <= 0]).toEqual([constraints, satisfiesStoredConstraints(trial.systemAttrs, false)]);
    }
    expect(storedViolation(makeTrial({ number: 0, systemAttrs: { constraints: [-1, 0.5, 2] } }))).toBe(2.5);
    expect(storedViolation(makeTrial({ number: 0, systemAttrs: { constraints: [1, "a"] } }))).toBe(Infinity);
  });
});

describe("losses", () => {
  it("negates maximized objectives", () => {
    expect(Array.from(toLosses([0.9, 12], ["maximize", "minimize"]))).toEqual([-0.9, 12]);
  });

  it("refuses an unknown direction and a count that differs from the directions'", () => {
    // A typo was read as "minimize", and a third value was dropped without a word.
    expect(() => toLosses([1, 2], ["maximise" as "maximize", "minimize"])).toThrow(/directions\[0\] must be "minimize" or "maximize", got "maximise"/);
    expect(() => toLosses([1, 2, 3], ["minimize", "minimize"])).toThrow(/3 value\(s\) but 2 direction\(s\)/);
    expect(() => toLosses([1], ["minimize", "minimize"])).toThrow(/1 value\(s\) but 2 direction\(s\)/);
  });

  it("needs strict improvement in one objective to dominate", () => {
    expect(dominatesLosses([1, 2], [1, 3])).toBe(true);
    expect(dominatesLosses([1, 2], [1, 2])).toBe(false);
  });
});

describe("a NaN loss", () => {
  it("counts as the worst, so the front does not depend on the points' order", () => {
    // The second call kept [1, 1], which [0, 0] dominates: NaN broke the sort the front relies on.
    expect(paretoFrontIndices([[0, 0], [NaN, 1], [1, 1]])).toEqual([0]);
    expect(paretoFrontIndices([[1, 1], [NaN, 0], [0, 0]])).toEqual([2]);
    expect(nonDominatedSort([[1, 1], [NaN, 0], [0, 0]]).fronts[0]).toEqual([2]);
    expect(paretoFrontIndices([[NaN, 0], [1, 1]])).toEqual([0, 1]);
    expect(dominatesLosses([0, 0], [NaN, 1])).toBe(true);
    expect(dominatesLosses([NaN, 0], [0, 0])).toBe(false);
  });

  it("counts as the worst in joinFront, crowdingDistance and paretoFront too", () => {
    // joinFront took NaN as equal to anything: [NaN, 0] on the front kept [1, 0] out.
    const front = [Float64Array.of(NaN, 0)];
    expect(joinFront(front, Float64Array.of(1, 0))).toBe(true);
    expect(front).toEqual([Float64Array.of(1, 0)]);
    expect(joinFront(front, Float64Array.of(2, NaN))).toBe(false);
    // The sort with NaN was arbitrary: every point came out an extreme.
    expect(crowdingDistance([[NaN, 0], [0.5, 0.5], [0.2, 0.7]])).toEqual(Float64Array.of(Infinity, 1, Infinity));
    const trials = [[NaN, 0], [1, 0]].map((values, number) => makeTrial({ number, values, state: "complete" }));
    expect(paretoFront(trials, ["minimize", "minimize"]).map((t) => t.number)).toEqual([1]);
    expect(paretoFront(trials, ["maximize", "minimize"]).map((t) => t.number)).toEqual([1]);
    expect(dominates(["maximize"], [0], [NaN])).toBe(true);
  });

  it("as a violation counts as +Infinity in constrainedDominates and nonDominatedSort", () => {
    // A NaN violation neither beat nor lost to an infeasible point, so it shared the front with a smaller violation.
    expect(constrainedDominates([1, 1], 0.5, [0, 0], NaN)).toBe(true);
    expect(constrainedDominates([0, 0], NaN, [1, 1], 0.5)).toBe(false);
    expect(nonDominatedSort([[0, 0], [1, 1]], [NaN, 1]).ranks).toEqual(Int32Array.of(1, 0));
  });
});

describe("GrowingFront", () => {
  it("answers as joinFront does and keeps the same members, with ties, infinities and NaN", () => {
    // Few distinct values, so that points tie in one loss or both.
    const rng = new Rng(7);
    const values = [0, 1, 2, 3, 4, -Infinity, Infinity, NaN];
    for (const objectives of [1, 2, 3]) {
      for (let run = 0; run < 50; run++) {
        const growing = new GrowingFront();
        const front: Float64Array[] = [];
        for (let i = 0; i < 40; i++) {
          const loss = Float64Array.from({ length: objectives }, () => values[Math.floor(rng.uniform() * (run % 2 === 0 ? 5 : values.length))]!);
          expect(growing.join(loss)).toBe(joinFront(front, loss));
          expect(new Set(growing.members)).toEqual(new Set(front));
        }
      }
    }
  });

  it("compares a point with a few members, not all, for two objectives", () => {
    // joinFront compares each point with every member: n points that all join, n²/2 comparisons.
    let reads = 0;
    const counted = (loss: Float64Array): Float64Array => new Proxy(loss, { get: (target, key) => (typeof key === "string" && /^\d+$/.test(key) && reads++, Reflect.get(target, key)) });
    const rng = new Rng(3);
    const front = new GrowingFront();
    for (let i = 0; i < 2000; i++) {
      const x = rng.uniform();
      expect(front.join(counted(Float64Array.of(x, 1 - x)))).toBe(true);
    }
    expect(front.members).toHaveLength(2000);
    // About 2 log2(n) + 6 reads a point.
    expect(reads / 2000).toBeLessThan(40);
  });
});
