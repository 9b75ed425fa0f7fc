import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";
import { twoObjectiveFront } from "./two-objective-front.js";

describe("twoObjectiveFront", () => {
  it("keeps the points no other dominates, equal ones and NaN (the worst) included, in lexicographic order", () => {
    expect(twoObjectiveFront([[1, 4], [2, 2], [3, 3], [1, 4]])).toEqual([0, 3, 1]);
    expect(twoObjectiveFront([[1, 3], [1, 2], [0, Number.NaN], [2, 2], [Number.NaN, 0]])).toEqual([2, 1, 4]);
    expect(twoObjectiveFront([[Infinity, -Infinity], [Infinity, -Infinity], [0, Infinity]])).toEqual([2, 0, 1]);
    expect(twoObjectiveFront([])).toEqual([]);
  });

  it("agrees with a check of every pair", () => {
    const rng = new Rng(4);
    for (let round = 0; round < 300; round++) {
      const losses = Array.from({ length: rng.integer(1, 40) }, () => [rng.integer(0, 5), rng.uniform() < 0.05 ? Number.NaN : rng.integer(0, 5)]);
      const worst = (v: number) => (Number.isNaN(v) ? Infinity : v);
      const dominates = (a: number[], b: number[]) => worst(a[0]!) <= worst(b[0]!) && worst(a[1]!) <= worst(b[1]!) && (worst(a[0]!) < worst(b[0]!) || worst(a[1]!) < worst(b[1]!));
      const expected = losses.map((_, i) => i).filter((i) => !losses.some((o) => dominates(o, losses[i]!)));
      expect(twoObjectiveFront(losses).sort((a, b) => a - b)).toEqual(expected);
    }
  });
});
