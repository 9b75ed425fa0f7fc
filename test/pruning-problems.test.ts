// The problems of bench/pruning.mjs: both Branins are Branin at their last step, and the
// Kandasamy et al. (2017) one stays close to it at cheap steps where the Poloczek et al. one does not.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JavaScript module of the benchmark scripts, without type declarations
import { augmentedBranin, augmentedBraninPoloczek } from "../bench/pruning-problems.mjs";

type Problem = { value: (params: { x1: number; x2: number }, step: number) => number };
const kandasamy = augmentedBranin as Problem;
const poloczek = augmentedBraninPoloczek as Problem;
const MINIMIZERS = [
  { x1: -Math.PI, x2: 12.275 },
  { x1: Math.PI, x2: 2.275 },
  { x1: 9.42478, x2: 2.475 },
];

describe("the multi-fidelity Branin functions of bench:pruning", () => {
  it("are Branin at the last step (minimum 0.397887 at its three minimizers)", () => {
    for (const x of MINIMIZERS) {
      expect(kandasamy.value(x, 27)).toBeCloseTo(0.397887, 5);
      expect(poloczek.value(x, 27)).toBeCloseTo(0.397887, 5);
    }
  });

  it("follow Kandasamy et al.'s b, c, t shifts at a cheap step, and Poloczek et al.'s ten-times-larger b shift", () => {
    const x = { x1: 2, x2: 7 };
    const z = 1 / 27;
    const b = 5.1 / (4 * Math.PI ** 2) - 0.01 * (1 - z);
    const c = 5 / Math.PI - 0.1 * (1 - z);
    const t = 1 / (8 * Math.PI) + 0.05 * (1 - z);
    expect(kandasamy.value(x, 1)).toBeCloseTo((x.x2 - b * x.x1 ** 2 + c * x.x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x.x1) + 10, 10);
    // At step 1 the Kandasamy function is still small at Branin's minimizers; Poloczek's has moved away.
    for (const m of MINIMIZERS) {
      expect(kandasamy.value(m, 1)).toBeLessThan(3);
      expect(poloczek.value(m, 1)).toBeGreaterThan(kandasamy.value(m, 1));
    }
    expect(Math.max(...MINIMIZERS.map((m) => poloczek.value(m, 1)))).toBeGreaterThan(30);
  });
});
