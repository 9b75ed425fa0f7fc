import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { treeMainEffects } from "./fanova.js";
import { type ForestData, type RegressionTree, fitForest, predictForest, predictTree } from "./forest.js";

function data(rows: number[][], y: number[], categories: number[]): ForestData {
  return { x: Float64Array.from(rows.flat()), y: Float64Array.from(y), n: rows.length, d: categories.length, categories: Int32Array.from(categories) };
}

describe("fitForest", () => {
  it("fits a step exactly with one tree and no bootstrap", () => {
    const rows = Array.from({ length: 20 }, (_, i) => [i / 19]);
    const y = rows.map(([x]) => (x! < 0.3 ? 1 : x! < 0.7 ? 5 : 2));
    const forest = fitForest(data(rows, y, [0]), { nTrees: 1, bootstrap: false });
    for (let i = 0; i < rows.length; i++) expect(predictForest(forest, rows[i]!)).toBeCloseTo(y[i]!, 12);
    // Thresholds sit halfway between neighbouring training values.
    expect(predictForest(forest, [0.28])).toBeCloseTo(1, 12); // halfway between 5/19 and 6/19 is 0.289
    expect(predictForest(forest, [0.3])).toBeCloseTo(5, 12);
    expect(forest.trees[0]!.feature.filter((f) => f >= 0).length).toBe(2);
  });

  it("splits a categorical column into the two subsets of choices in one step", () => {
    // Choices 0 and 2 are low, 1 and 3 high: no contiguous cut of the indices separates them.
    const rows = Array.from({ length: 40 }, (_, i) => [i % 4]);
    const y = rows.map(([c]) => (c === 0 || c === 2 ? 0 : 10));
    const tree = fitForest(data(rows, y, [4]), { nTrees: 1, bootstrap: false }).trees[0]!;
    expect(tree.feature.filter((f) => f >= 0).length).toBe(1);
    expect(Array.from(tree.leftChoices[0]!)).toEqual([1, 0, 1, 0]);
    for (const c of [0, 1, 2, 3]) expect(predictTree(tree, [c])).toBeCloseTo(c % 2 === 0 ? 0 : 10, 12);
  });

  it("is deterministic under a seed, and honours minSamplesLeaf", () => {
    const rng = new Rng(1);
    const rows = Array.from({ length: 200 }, () => [rng.uniform(), rng.uniform()]);
    const y = rows.map(([a, b]) => a! * 3 + b! + rng.normal() * 0.1);
    const set = data(rows, y, [0, 0]);
    const a = fitForest(set, { nTrees: 3, seed: 5, maxFeatures: 0.5 });
    expect(fitForest(set, { nTrees: 3, seed: 5, maxFeatures: 0.5 })).toEqual(a);
    expect(fitForest(set, { nTrees: 3, seed: 6, maxFeatures: 0.5 })).not.toEqual(a);
    const coarse = fitForest(set, { nTrees: 1, bootstrap: false, minSamplesLeaf: 50 }).trees[0]!;
    expect(coarse.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(4);
  });

  it("names the option that is wrong", () => {
    const set = data([[0], [1]], [0, 1], [0]);
    expect(() => fitForest(set, { nTrees: 0 })).toThrow(/nTrees must be an integer ≥ 1/);
    expect(() => fitForest(set, { maxFeatures: 2 })).toThrow(/maxFeatures must be a fraction/);
    expect(() => fitForest(set, { minSamplesLeaf: 0.5 })).toThrow(/minSamplesLeaf/);
    expect(() => fitForest(set, { maxSamples: 0 })).toThrow(/maxSamples/);
    expect(() => fitForest({ ...set, n: 3 })).toThrow(/data: expected x of 3×1/);
  });
});

describe("treeMainEffects", () => {
  // f = 1[x0 ≥ ½]·1[x1 ≥ ½] on the unit square: mean ¼, variance 3/16; each marginal is 0 or ½
  // with probability ½, variance 1/16, so each main effect is a third and the interaction the rest.
  const tree: RegressionTree = {
    feature: Int32Array.from([0, -1, 1, -1, -1]),
    threshold: Float64Array.from([0.5, 0, 0.5, 0, 0]),
    leftChoices: [null, null, null, null, null],
    left: Int32Array.from([1, -1, 3, -1, -1]),
    right: Int32Array.from([2, -1, 4, -1, -1]),
    value: Float64Array.from([0, 0, 0, 0, 1]),
  };

  it("matches the hand-worked decomposition of an interaction", () => {
    const fractions = treeMainEffects(tree, Int32Array.from([0, 0]))!;
    expect(fractions[0]).toBeCloseTo(1 / 3, 12);
    expect(fractions[1]).toBeCloseTo(1 / 3, 12);
  });

  it("weights each categorical choice equally", () => {
    // Choice 0 of 3 goes left (value 3), choices 1 and 2 right (value 0): marginal (3, 0, 0), mean 1,
    // variance 2, and the tree's variance is the same: the one dimension explains all of it.
    const categorical: RegressionTree = {
      feature: Int32Array.from([0, -1, -1]),
      threshold: new Float64Array(3),
      leftChoices: [Uint8Array.from([1, 0, 0]), null, null],
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      value: Float64Array.from([0, 3, 0]),
    };
    const fractions = treeMainEffects(categorical, Int32Array.from([3, 0]))!;
    expect(fractions[0]).toBeCloseTo(1, 12);
    expect(fractions[1]).toBe(0);
  });

  it("says a constant tree has nothing to share", () => {
    const leaf: RegressionTree = { feature: Int32Array.from([-1]), threshold: new Float64Array(1), leftChoices: [null], left: Int32Array.from([-1]), right: Int32Array.from([-1]), value: Float64Array.from([4]) };
    expect(treeMainEffects(leaf, Int32Array.from([0]))).toBeNull();
  });
});
