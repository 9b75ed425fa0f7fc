import { describe, expect, it } from "vitest";
import { hypervolume } from "../../analysis/index.js";
import { Rng } from "../../math/rng.js";
import { type Box, logExpectedHypervolumeImprovement, logExpectedHypervolumeImprovementBound, logExpectedHypervolumeImprovementWithGradient, nonDominatedBoxes } from "./ehvi.js";

function boxVolume(box: { lower: Float64Array; upper: Float64Array }, floor: number): number {
  let v = 1;
  for (let k = 0; k < box.lower.length; k++) v *= box.upper[k]! - Math.max(box.lower[k]!, floor);
  return v;
}

/** Monte-Carlo EHVI: the mean hypervolume gain of one Gaussian draw added to the front. */
function monteCarloEhvi(front: number[][], reference: number[], means: number[], sigmas: number[], draws: number, rng: Rng): { mean: number; standardError: number } {
  const base = hypervolume(front, reference);
  let sum = 0;
  let sumSquares = 0;
  for (let s = 0; s < draws; s++) {
    const y = means.map((mu, i) => mu + sigmas[i]! * rng.normal());
    const gain = hypervolume([...front, y], reference) - base;
    sum += gain;
    sumSquares += gain * gain;
  }
  const mean = sum / draws;
  return { mean, standardError: Math.sqrt((sumSquares / draws - mean * mean) / draws) };
}

/** nonDominatedBoxes as first written: every point checked against every cell's lower corner. */
function boxesByScanningEveryCell(front: number[][], reference: number[]): Box[] {
  const m = reference.length;
  const last = m - 1;
  const inside = front.filter((p) => p.every((v, k) => v < reference[k]!));
  const cuts = Array.from({ length: last }, (_, k) => [Number.NEGATIVE_INFINITY, ...[...new Set(inside.map((p) => p[k]!))].sort((a, b) => a - b), reference[k]!]);
  const boxes: Box[] = [];
  const index = new Array<number>(last).fill(0);
  for (;;) {
    let top = reference[last]!;
    for (const p of inside) if (p.slice(0, last).every((v, k) => v <= cuts[k]![index[k]!]!) && p[last]! < top) top = p[last]!;
    const previous = boxes[boxes.length - 1];
    if (top > Number.NEGATIVE_INFINITY && index[0]! > 0 && previous && previous.upper[last] === top && previous.upper[0] === cuts[0]![index[0]!]) {
      previous.upper[0] = cuts[0]![index[0]! + 1]!;
    } else if (top > Number.NEGATIVE_INFINITY) {
      const lower = Float64Array.from({ length: m }, (_, k) => (k < last ? cuts[k]![index[k]!]! : Number.NEGATIVE_INFINITY));
      const upper = Float64Array.from({ length: m }, (_, k) => (k < last ? cuts[k]![index[k]! + 1]! : top));
      boxes.push({ lower, upper });
    }
    let k = 0;
    while (k < last && ++index[k]! >= cuts[k]!.length - 1) index[k++] = 0;
    if (k === last) return boxes;
  }
}

describe("expected hypervolume improvement", () => {
  it("sweeps the cells to the same boxes, in the same order, as scanning every point per cell", () => {
    const rng = new Rng(8);
    for (let run = 0; run < 300; run++) {
      const m = 2 + (run % 3);
      // Half the fronts on a coarse grid, so that coordinates tie.
      const coarse = run % 2 === 0;
      const front = Array.from({ length: 1 + rng.integer(0, m === 4 ? 10 : 30) }, () => Array.from({ length: m }, () => (coarse ? rng.integer(0, 5) / 5 : rng.uniform())));
      const reference = Array(m).fill(1.05);
      const plain = (boxes: Box[]) => boxes.map((b) => [[...b.lower], [...b.upper]]);
      expect(plain(nonDominatedBoxes(front, reference))).toEqual(plain(boxesByScanningEveryCell(front, reference)));
    }
  });

  it("bounds log EHVI from above for every σ up to the σ bound, slivers and far tails included", () => {
    const rng = new Rng(9);
    let violations = 0;
    let checked = 0;
    for (let run = 0; run < 60; run++) {
      const m = run % 3 === 0 ? 2 : 3;
      const front = Array.from({ length: 3 + rng.integer(0, 40) }, () => Array.from({ length: m }, () => rng.uniform()));
      // Slivers: coordinates a hair apart, where the exact factor is a difference of nearly equal h.
      for (let s = 0; s < 4; s++) front.push(front[s]!.map((v) => v + 1e-13 * rng.uniform()));
      const boxes = nonDominatedBoxes(front, Array(m).fill(1.1));
      for (let c = 0; c < 40; c++) {
        const means = Array.from({ length: m }, () => -1 + 3 * rng.uniform());
        const sigmaBounds = Array.from({ length: m }, () => 10 ** (-11 + 11 * rng.uniform()));
        // The exact value at σ = the bound itself (the tightest case), and at smaller σ.
        for (const shrink of [1, rng.uniform()]) {
          const sigmas = sigmaBounds.map((s) => s * shrink);
          const exact = logExpectedHypervolumeImprovement(boxes, means, sigmas);
          const bound = logExpectedHypervolumeImprovementBound(boxes, means, sigmaBounds);
          checked++;
          if (!(bound >= exact)) violations++;
        }
      }
    }
    expect(checked).toBe(4800);
    expect(violations).toBe(0);
    // Tight enough to prune: within a few nats where the improvement is likely.
    const boxes = nonDominatedBoxes([[0.2, 0.8, 0.5], [0.8, 0.2, 0.5], [0.5, 0.5, 0.2]], [1.1, 1.1, 1.1]);
    const exact = logExpectedHypervolumeImprovement(boxes, [0.4, 0.4, 0.4], [0.1, 0.1, 0.1]);
    expect(logExpectedHypervolumeImprovementBound(boxes, [0.4, 0.4, 0.4], [0.1, 0.1, 0.1]) - exact).toBeLessThan(2);
    expect(logExpectedHypervolumeImprovementBound([], [0.4, 0.4], [0.1, 0.1])).toBe(Number.NEGATIVE_INFINITY);
    expect(logExpectedHypervolumeImprovementBound(boxes, [Number.NaN, 0.4, 0.4], [0.1, 0.1, 0.1])).toBeNaN();
  });

  it("the boxes tile exactly the region the front leaves free, in 2 and 3 objectives", () => {
    const rng = new Rng(4);
    for (const m of [2, 3]) {
      const reference = Array(m).fill(1);
      const front = Array.from({ length: 9 }, () => Array.from({ length: m }, () => rng.uniform()));
      // Bounded below at 0, the free region is the unit cube minus what the front dominates.
      const free = nonDominatedBoxes(front, reference).reduce((total, box) => total + boxVolume(box, 0), 0);
      expect(free).toBeCloseTo(1 - hypervolume(front, reference), 12);
    }
    expect(nonDominatedBoxes([[1, 2], [2, 1]], [3, 3]).map((b) => [...b.upper])).toEqual([[1, 3], [2, 2], [3, 1]]);
  });

  it("matches a Monte-Carlo estimate, exactly for 2 objectives and by box decomposition for 3", () => {
    const rng = new Rng(8);
    const cases: [number[][], number[], number[], number[]][] = [
      [[[0.2, 0.8], [0.5, 0.5], [0.8, 0.2]], [1.1, 1.1], [0.45, 0.45], [0.2, 0.15]],
      [[[0.1, 0.9], [0.9, 0.1]], [1, 1], [0.7, 0.9], [0.05, 0.3]],
      [[[0.2, 0.6, 0.7], [0.6, 0.2, 0.6], [0.5, 0.5, 0.2]], [1, 1, 1], [0.4, 0.4, 0.4], [0.2, 0.1, 0.25]],
      [[[0.3, 0.3, 0.3]], [1, 1, 1], [0.5, 0.2, 0.6], [0.3, 0.3, 0.1]],
    ];
    for (const [front, reference, means, sigmas] of cases) {
      const exact = Math.exp(logExpectedHypervolumeImprovement(nonDominatedBoxes(front, reference), means, sigmas));
      const estimate = monteCarloEhvi(front, reference, means, sigmas, 20000, rng);
      expect(Math.abs(exact - estimate.mean)).toBeLessThan(4 * estimate.standardError + 1e-12);
      expect(exact).toBeGreaterThan(0);
    }
  });

  it("stays finite and ordered where the improvement is astronomically unlikely", () => {
    const boxes = nonDominatedBoxes([[0.2, 0.2]], [1, 1]);
    const far = logExpectedHypervolumeImprovement(boxes, [30, 30], [0.1, 0.1]);
    const farther = logExpectedHypervolumeImprovement(boxes, [40, 40], [0.1, 0.1]);
    expect(Number.isFinite(far)).toBe(true);
    expect(farther).toBeLessThan(far);
  });

  it("gives the gradient of log EHVI in the means and sigmas, near the front and far in the tail", () => {
    const front = [[0.2, 0.6, 0.7], [0.6, 0.2, 0.6], [0.5, 0.5, 0.2]];
    const boxes = nonDominatedBoxes(front, [1, 1, 1]);
    const cases: [number[], number[]][] = [
      [[0.4, 0.4, 0.4], [0.2, 0.1, 0.25]],
      [[0.55, 0.3, 0.5], [0.05, 0.02, 0.1]],
      [[3, 2.5, 4], [0.1, 0.2, 0.15]],
    ];
    for (const [means, sigmas] of cases) {
      const dMean = new Float64Array(3);
      const dSigma = new Float64Array(3);
      const value = logExpectedHypervolumeImprovementWithGradient(boxes, means, sigmas, dMean, dSigma);
      expect(value).toBeCloseTo(logExpectedHypervolumeImprovement(boxes, means, sigmas), 12);
      for (let i = 0; i < 3; i++) {
        const step = 1e-6;
        const shifted = (values: number[], delta: number) => values.map((v, k) => (k === i ? v + delta : v));
        const numericMean = (logExpectedHypervolumeImprovement(boxes, shifted(means, step), sigmas) - logExpectedHypervolumeImprovement(boxes, shifted(means, -step), sigmas)) / (2 * step);
        const numericSigma = (logExpectedHypervolumeImprovement(boxes, means, shifted(sigmas, step)) - logExpectedHypervolumeImprovement(boxes, means, shifted(sigmas, -step))) / (2 * step);
        expect(dMean[i]).toBeCloseTo(numericMean, 3);
        expect(dSigma[i]).toBeCloseTo(numericSigma, 3);
      }
    }
  });
});
