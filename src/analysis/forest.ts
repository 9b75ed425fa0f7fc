/**
 * A seeded, deterministic random forest for regression (Breiman 2001, "Random Forests"), the
 * surrogate that functional ANOVA ({@link ./fanova.ts}) decomposes.
 *
 * Each tree is grown on a bootstrap sample, greedily minimising the squared error of its leaves.
 * At every node a random subset of the dimensions is tried:
 * - a numeric dimension (a parameter encoded to [0, 1]) splits at the midpoint between two
 *   consecutive distinct values;
 * - a categorical dimension (values are choice indices 0 … k−1) splits into two subsets of its
 *   choices. Ordering the choices present at the node by their mean response and cutting that
 *   order is the best binary partition for squared error (Breiman et al. 1984, "Classification and
 *   Regression Trees", §9.4), so no subset enumeration is needed. Choices absent from the node go
 *   right, so every tree still partitions the whole space — the property fANOVA needs.
 *
 * Speed: each tree keeps its in-bag samples sorted along every dimension and partitions those
 * lists stably at each split ("presorting"), so a tree costs O(d·n·depth) instead of sorting at
 * every node. That is what makes 100,000-trial studies tractable.
 *
 * @module
 */
import { Rng } from "../math/rng.js";

/** Training data: `n` rows of `d` columns, row-major, and their targets. */
export interface ForestData {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
  /**
   * Per column: 0 for a numeric column (values in [0, 1]), k ≥ 2 for a categorical column whose
   * values are choice indices 0 … k−1.
   */
  readonly categories: Int32Array;
}

/** Options of {@link fitForest}; all optional. */
export interface ForestOptions {
  /** Number of trees (default 64, as Optuna's fANOVA evaluator). */
  readonly nTrees?: number;
  /**
   * Dimensions tried per split: a fraction in (0, 1] of d (rounded up, at least 1). Default 1:
   * every dimension, as scikit-learn's regression forests; fANOVA's marginals are more faithful
   * when each tree models every dimension. Lower it for more decorrelated trees.
   */
  readonly maxFeatures?: number;
  /** Smallest number of (bootstrap-weighted) samples in a leaf (default 1). */
  readonly minSamplesLeaf?: number;
  /** Deepest a tree may grow (default 64). */
  readonly maxDepth?: number;
  /** Grow each tree on a bootstrap sample (default true); otherwise on every sample. */
  readonly bootstrap?: boolean;
  /**
   * Rows drawn (with replacement) for each tree's bootstrap sample (default n, the classic
   * bootstrap). A smaller sample bounds the cost of a tree on very large data.
   */
  readonly maxSamples?: number;
  /** Seed of the bootstrap samples and feature subsets (default 0): same seed and data, same forest. */
  readonly seed?: number;
}

/**
 * One regression tree, as flat arrays indexed by node (node 0 is the root). A leaf has
 * `feature[node] === -1` and predicts `value[node]`. An inner node sends a point left when its
 * numeric coordinate is `< threshold[node]`, or when its category is in `leftChoices[node]`.
 */
export interface RegressionTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly leftChoices: readonly (Uint8Array | null)[];
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

/** A fitted forest: its trees and the shape of the data it was fitted on. */
export interface Forest {
  readonly trees: readonly RegressionTree[];
  readonly d: number;
  readonly categories: Int32Array;
}

/** Thrown for forest options or data that make no sense; the message names the field. */
export class ForestOptionError extends RangeError {
  override name = "ForestOptionError";
}

/**
 * Fits a random forest for regression.
 *
 * @example
 * const forest = fitForest({ x, y, n, d: 2, categories: new Int32Array([0, 3]) }, { nTrees: 32, seed: 1 });
 * predictForest(forest, [0.5, 2]);
 */
export function fitForest(data: ForestData, options: ForestOptions = {}): Forest {
  const nTrees = options.nTrees ?? 64;
  const maxFeatures = options.maxFeatures ?? 1;
  const minSamplesLeaf = options.minSamplesLeaf ?? 1;
  const maxDepth = options.maxDepth ?? 64;
  if (!Number.isInteger(nTrees) || nTrees < 1) throw new ForestOptionError(`nTrees must be an integer ≥ 1, got ${nTrees}`);
  if (!(maxFeatures > 0 && maxFeatures <= 1)) throw new ForestOptionError(`maxFeatures must be a fraction in (0, 1], got ${maxFeatures}`);
  if (!Number.isInteger(minSamplesLeaf) || minSamplesLeaf < 1) throw new ForestOptionError(`minSamplesLeaf must be an integer ≥ 1, got ${minSamplesLeaf}`);
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new ForestOptionError(`maxDepth must be an integer ≥ 0, got ${maxDepth}`);
  const maxSamples = options.maxSamples ?? data.n;
  if (!Number.isInteger(maxSamples) || maxSamples < 1) throw new ForestOptionError(`maxSamples must be an integer ≥ 1, got ${maxSamples}`);
  const { n, d } = data;
  if (data.x.length !== n * d || data.y.length !== n || data.categories.length !== d) {
    throw new ForestOptionError(`data: expected x of ${n}×${d}, y of ${n} and ${d} column kinds`);
  }
  if (n === 0) throw new ForestOptionError("data: no samples to fit");
  // Centred targets keep the sums of squares the splits use well conditioned for values far from 0.
  let offset = 0;
  for (let i = 0; i < n; i++) offset += data.y[i]!;
  offset /= n;
  const centred: ForestData = { ...data, y: data.y.map((v) => v - offset) };
  const sorted = sortedColumns(data);
  const rng = new Rng(options.seed ?? 0);
  const tryCount = Math.max(1, Math.ceil(maxFeatures * d));
  const trees: RegressionTree[] = [];
  for (let t = 0; t < nTrees; t++) {
    const weights = new Float64Array(n);
    if (options.bootstrap ?? true) {
      const draws = Math.min(n, maxSamples);
      for (let i = 0; i < draws; i++) weights[Math.floor(rng.uniform() * n)] += 1;
    } else {
      weights.fill(1);
    }
    const tree = new TreeBuilder(centred, sorted, weights, { tryCount, minSamplesLeaf, maxDepth, rng }).build();
    for (let node = 0; node < tree.value.length; node++) tree.value[node] += offset;
    trees.push(tree);
  }
  return { trees, d, categories: data.categories };
}

/** The forest's prediction at one point: the mean of its trees' leaves. */
export function predictForest(forest: Forest, point: ArrayLike<number>): number {
  let sum = 0;
  for (const tree of forest.trees) sum += predictTree(tree, point);
  return sum / forest.trees.length;
}

/** A tree's prediction at one point. */
export function predictTree(tree: RegressionTree, point: ArrayLike<number>): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node]!;
    if (f < 0) return tree.value[node]!;
    const choices = tree.leftChoices[node];
    const goLeft = choices ? choices[point[f]!] === 1 : point[f]! < tree.threshold[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
}

/** Row indices sorted by each column (ties by row), computed once per forest. */
function sortedColumns(data: ForestData): Int32Array[] {
  const { x, n, d } = data;
  const columns: Int32Array[] = [];
  for (let f = 0; f < d; f++) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = x[i * d + f]!;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => keys[a]! - keys[b]! || a - b);
    columns.push(order);
  }
  return columns;
}

interface BuildSettings {
  readonly tryCount: number;
  readonly minSamplesLeaf: number;
  readonly maxDepth: number;
  readonly rng: Rng;
}

interface Split {
  feature: number;
  threshold: number;
  leftChoices: Uint8Array | null;
  score: number;
  /** The left child's weight, weighted sum and weighted sum of squares (the right child's follow by difference). */
  leftStats: NodeStats;
}

interface NodeStats {
  weight: number;
  sum: number;
  squares: number;
}

/** Grows one tree on weighted samples; rows of weight 0 are out of the bag. */
class TreeBuilder {
  private readonly m: number;
  /** d segments of m row indices; each node owns positions [start, end) of every segment, sorted by that column. */
  private readonly lists: Int32Array;
  private readonly scratch: Int32Array;
  private readonly goesLeft: Uint8Array;
  private readonly feature: number[] = [];
  private readonly threshold: number[] = [];
  private readonly leftChoices: (Uint8Array | null)[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly value: number[] = [];
  private readonly featureOrder: number[];

  constructor(
    private readonly data: ForestData,
    sorted: readonly Int32Array[],
    private readonly weights: Float64Array,
    private readonly settings: BuildSettings,
  ) {
    const { n, d } = data;
    let m = 0;
    for (let i = 0; i < n; i++) if (weights[i]! > 0) m++;
    this.m = m;
    this.lists = new Int32Array(d * m);
    for (let f = 0; f < d; f++) {
      let p = f * m;
      for (const row of sorted[f]!) if (weights[row]! > 0) this.lists[p++] = row;
    }
    this.scratch = new Int32Array(m);
    this.goesLeft = new Uint8Array(n);
    this.featureOrder = Array.from({ length: d }, (_, i) => i);
  }

  build(): RegressionTree {
    // Children's sums come from the split search, so no node re-reads its rows to learn them.
    const stack: { node: number; start: number; end: number; depth: number; stats: NodeStats }[] = [
      { node: this.addNode(), start: 0, end: this.m, depth: 0, stats: this.nodeStats(0, this.m) },
    ];
    while (stack.length > 0) {
      const { node, start, end, depth, stats } = stack.pop()!;
      const { weight, sum, squares } = stats;
      this.value[node] = sum / weight;
      // Stop on a pure node (relative to its scale, so rounding noise does not split forever).
      const sse = squares - (sum * sum) / weight;
      if (depth >= this.settings.maxDepth || weight < 2 * this.settings.minSamplesLeaf || !(sse > 1e-12 * Math.max(1, squares))) continue;
      const split = this.bestSplit(start, end, weight, sum);
      if (!split) continue;
      const middle = this.partition(start, end, split);
      this.feature[node] = split.feature;
      this.threshold[node] = split.threshold;
      this.leftChoices[node] = split.leftChoices;
      const leftNode = this.addNode();
      const rightNode = this.addNode();
      this.left[node] = leftNode;
      this.right[node] = rightNode;
      const leftStats = split.leftStats;
      const rightStats = { weight: weight - leftStats.weight, sum: sum - leftStats.sum, squares: squares - leftStats.squares };
      stack.push({ node: rightNode, start: middle, end, depth: depth + 1, stats: rightStats });
      stack.push({ node: leftNode, start, end: middle, depth: depth + 1, stats: leftStats });
    }
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      leftChoices: this.leftChoices,
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
    };
  }

  private addNode(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.leftChoices.push(null);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    return this.feature.length - 1;
  }

  private nodeStats(start: number, end: number): NodeStats {
    const { y } = this.data;
    let weight = 0;
    let sum = 0;
    let squares = 0;
    for (let p = start; p < end; p++) {
      const row = this.lists[p]!;
      const w = this.weights[row]!;
      const v = y[row]!;
      weight += w;
      sum += w * v;
      squares += w * v * v;
    }
    return { weight, sum, squares };
  }

  /**
   * The split that most reduces the squared error, among a random subset of the dimensions; if
   * none of those can split the node, the other dimensions are tried in random order (as
   * scikit-learn does), so a constant dimension never makes a splittable node a leaf.
   */
  private bestSplit(start: number, end: number, weight: number, sum: number): Split | null {
    const d = this.data.d;
    const order = this.featureOrder;
    this.settings.rng.shuffle(order);
    // Maximising Σ_side sum²/weight is minimising the children's squared error.
    const parentScore = (sum * sum) / weight;
    let best: Split | null = null;
    for (let k = 0; k < d; k++) {
      if (k >= this.settings.tryCount && best !== null) break;
      const f = order[k]!;
      const candidate =
        this.data.categories[f]! > 0 ? this.categoricalSplit(f, start, end, weight, sum) : this.numericSplit(f, start, end, weight, sum);
      if (candidate && candidate.score > parentScore * (1 + 1e-12) + 1e-300 && (best === null || candidate.score > best.score)) best = candidate;
    }
    return best;
  }

  private numericSplit(f: number, start: number, end: number, weight: number, sum: number): Split | null {
    const { x, y, d } = this.data;
    const minLeaf = this.settings.minSamplesLeaf;
    const base = f * this.m;
    let leftWeight = 0;
    let leftSum = 0;
    let leftSquares = 0;
    let bestScore = -Infinity;
    let bestThreshold = 0;
    let best: NodeStats | null = null;
    let next = x[this.lists[base + start]! * d + f]!;
    for (let p = start; p < end - 1; p++) {
      const row = this.lists[base + p]!;
      const w = this.weights[row]!;
      const v = y[row]!;
      leftWeight += w;
      leftSum += w * v;
      leftSquares += w * v * v;
      const here = next;
      next = x[this.lists[base + p + 1]! * d + f]!;
      if (!(next > here)) continue;
      const rightWeight = weight - leftWeight;
      if (leftWeight < minLeaf || rightWeight < minLeaf) continue;
      const rightSum = sum - leftSum;
      const score = (leftSum * leftSum) / leftWeight + (rightSum * rightSum) / rightWeight;
      if (score > bestScore) {
        bestScore = score;
        bestThreshold = here + (next - here) / 2;
        if (best === null) best = { weight: 0, sum: 0, squares: 0 };
        best.weight = leftWeight;
        best.sum = leftSum;
        best.squares = leftSquares;
      }
    }
    return best === null ? null : { feature: f, threshold: bestThreshold, leftChoices: null, score: bestScore, leftStats: best };
  }

  private categoricalSplit(f: number, start: number, end: number, weight: number, sum: number): Split | null {
    const { x, y, d } = this.data;
    const k = this.data.categories[f]!;
    const choiceWeight = new Float64Array(k);
    const choiceSum = new Float64Array(k);
    const choiceSquares = new Float64Array(k);
    for (let p = start; p < end; p++) {
      const row = this.lists[p]!;
      const w = this.weights[row]!;
      const c = x[row * d + f]!;
      const v = y[row]!;
      choiceWeight[c] += w;
      choiceSum[c] += w * v;
      choiceSquares[c] += w * v * v;
    }
    const present: number[] = [];
    for (let c = 0; c < k; c++) if (choiceWeight[c]! > 0) present.push(c);
    if (present.length < 2) return null;
    present.sort((a, b) => choiceSum[a]! / choiceWeight[a]! - choiceSum[b]! / choiceWeight[b]! || a - b);
    const minLeaf = this.settings.minSamplesLeaf;
    let leftWeight = 0;
    let leftSum = 0;
    let bestScore = -Infinity;
    let bestCut = -1;
    for (let j = 0; j < present.length - 1; j++) {
      leftWeight += choiceWeight[present[j]!]!;
      leftSum += choiceSum[present[j]!]!;
      const rightWeight = weight - leftWeight;
      if (leftWeight < minLeaf || rightWeight < minLeaf) continue;
      const rightSum = sum - leftSum;
      const score = (leftSum * leftSum) / leftWeight + (rightSum * rightSum) / rightWeight;
      if (score > bestScore) {
        bestScore = score;
        bestCut = j;
      }
    }
    if (bestCut < 0) return null;
    const leftChoices = new Uint8Array(k);
    const leftStats: NodeStats = { weight: 0, sum: 0, squares: 0 };
    for (let j = 0; j <= bestCut; j++) {
      const c = present[j]!;
      leftChoices[c] = 1;
      leftStats.weight += choiceWeight[c]!;
      leftStats.sum += choiceSum[c]!;
      leftStats.squares += choiceSquares[c]!;
    }
    return { feature: f, threshold: 0, leftChoices, score: bestScore, leftStats };
  }

  /** Stably moves the node's left rows before its right rows in every column's list; returns the boundary. */
  private partition(start: number, end: number, split: Split): number {
    const { x, d } = this.data;
    const f = split.feature;
    const goesLeft = this.goesLeft;
    let leftCount = 0;
    for (let p = start; p < end; p++) {
      const row = this.lists[p]!;
      const value = x[row * d + f]!;
      const left = split.leftChoices ? split.leftChoices[value] === 1 : value < split.threshold;
      goesLeft[row] = left ? 1 : 0;
      if (left) leftCount++;
    }
    const scratch = this.scratch;
    for (let g = 0; g < d; g++) {
      const base = g * this.m;
      let l = start;
      let r = 0;
      for (let p = start; p < end; p++) {
        const row = this.lists[base + p]!;
        if (goesLeft[row]) this.lists[base + l++] = row;
        else scratch[r++] = row;
      }
      this.lists.set(scratch.subarray(0, r), base + l);
    }
    return start + leftCount;
  }
}
