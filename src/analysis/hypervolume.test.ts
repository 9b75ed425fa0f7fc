import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { hypervolumeByGrid, hypervolumeByInclusionExclusion } from "./brute-force.js";
import { greedyHypervolumeSubset, hypervolume, hypervolumeContributions } from "./hypervolume.js";

/** Random loss vectors in [0, 1)^m, some pushed beyond the reference, some duplicated, some on a front. */
function randomSet(rng: Rng, n: number, m: number, reference: number[]): number[][] {
  const points: number[][] = [];
  for (let i = 0; i < n; i++) {
    const kind = rng.uniform();
    if (kind < 0.1 && points.length > 0) {
      points.push([...points[rng.integer(0, points.length - 1)]!]);
    } else if (kind < 0.2) {
      const p = Array.from({ length: m }, () => rng.uniform());
      p[rng.integer(0, m - 1)] = reference[0]! + rng.uniform();
      points.push(p);
    } else if (kind < 0.5) {
      // On the simplex: mutually non-dominated, the hard case.
      const raw = Array.from({ length: m }, () => -Math.log(1 - rng.uniform()));
      const sum = raw.reduce((a, b) => a + b, 0);
      points.push(raw.map((v) => v / sum));
    } else {
      // Coarse coordinates make ties in single objectives common.
      points.push(Array.from({ length: m }, () => Math.round(rng.uniform() * 8) / 8));
    }
  }
  return points;
}

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 10);

describe("hypervolume", () => {
  it("matches hand-worked values", () => {
    expect(hypervolume([[1, 2], [2, 1]], [3, 3])).toBe(3);
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBe(6);
    expect(hypervolume([[1, 1, 1, 1]], [2, 2, 2, 2])).toBe(1);
    expect(hypervolume([], [1, 1])).toBe(0);
    expect(hypervolume([[0.5]], [2])).toBe(1.5);
    // Boxes of 2·2·2 = 8 and 1·2·3 = 6 that share 1·2·2 = 4.
    expect(hypervolume([[0, 0, 1], [1, 0, 0]], [2, 2, 3])).toBe(10);
  });

  it("is Infinity when a point inside bounds an infinite side", () => {
    // These were NaN: the sweeps multiplied an infinite width by a strip of height 0.
    expect(hypervolume([[0, 0], [1, 0]], [Infinity, 1])).toBe(Infinity);
    expect(hypervolume([[-Infinity, 0], [0, 0]], [1, 1])).toBe(Infinity);
    expect(hypervolume([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [2, 2, Infinity])).toBe(Infinity);
    expect(hypervolume([[0, 0, 0, 0], [1, 0, 0, 0]], [Infinity, 1, 1, 1])).toBe(Infinity);
    // A point not inside bounds nothing, whatever its other coordinates.
    expect(hypervolume([[-Infinity, 2]], [1, 1])).toBe(0);
    expect(hypervolume([[0, 0], [0.5, 0.5]], [1, -Infinity])).toBe(0);
  });

  it("ignores points on or beyond the reference", () => {
    expect(hypervolume([[1, 3], [3, 1], [2, 2], [4, 0]], [3, 3])).toBe(1);
    expect(hypervolume([[4, 0, 0, 0, 0]], [3, 3, 3, 3, 3])).toBe(0);
  });

  it("refuses NaN in a point or the reference, naming it, rather than reading it as no volume", () => {
    // hypervolume([[NaN, 0]], [1, 1]) was 0: a front of unknown outcomes looked like an empty one.
    expect(() => hypervolume([[0.5, 0.5], [Number.NaN, 0]], [1, 1])).toThrow(/hypervolume: point 1 is NaN in objective 0/);
    expect(() => hypervolume([[0, 0]], [1, Number.NaN])).toThrow(/hypervolume: the reference is NaN in objective 1/);
    expect(() => hypervolumeContributions([[0.5, 0.5], [0, Number.NaN]], [1, 1])).toThrow(/hypervolumeContributions: point 1 is NaN in objective 1/);
    expect(() => hypervolumeContributions([[0.5, 0.5]], [Number.NaN, 1])).toThrow(/hypervolumeContributions: the reference is NaN/);
    expect(() => greedyHypervolumeSubset([[Number.NaN, 0], [0.5, 0.5]], 1, [1, 1])).toThrow(/greedyHypervolumeSubset: point 0 is NaN/);
    expect(() => greedyHypervolumeSubset([[0.5, 0.5]], 1, [Number.NaN, 1])).toThrow(/greedyHypervolumeSubset: the reference is NaN/);
  });

  it("rejects a point whose length differs from the reference's", () => {
    expect(() => hypervolume([[1, 2, 3]], [4, 4])).toThrow(/3 objectives, the reference 2/);
  });

  for (const m of [2, 3, 4, 5]) {
    it(`equals inclusion–exclusion on random small sets in ${m} objectives`, () => {
      const rng = new Rng(100 + m);
      const reference = Array.from({ length: m }, () => 1.05);
      for (let trial = 0; trial < 60; trial++) {
        const points = randomSet(rng, rng.integer(1, 11), m, reference);
        close(hypervolume(points, reference), hypervolumeByInclusionExclusion(points, reference));
      }
    });

    it(`equals the grid count on random sets of 25 points in ${m} objectives`, () => {
      const rng = new Rng(200 + m);
      const reference = Array.from({ length: m }, () => 1.05);
      const rounds = m >= 4 ? 3 : 15;
      for (let trial = 0; trial < rounds; trial++) {
        const points = randomSet(rng, m >= 4 ? 12 : 25, m, reference);
        close(hypervolume(points, reference), hypervolumeByGrid(points, reference));
      }
    });
  }

  it("equals a slice-by-slice sweep over the last objective on sets too large for brute force, in 4 and 5 objectives", () => {
    // Between consecutive values of the last objective, the dominated region is the (m−1)-D
    // hypervolume of the points at or below the slice: an exact reference independent of WFG's
    // limited sets and exclusive volumes.
    const sliced = (points: number[][], reference: number[]): number => {
      const m = reference.length;
      const inside = points.filter((p) => p.every((v, k) => v < reference[k]!)).sort((a, b) => a[m - 1]! - b[m - 1]!);
      let volume = 0;
      for (let i = 0; i < inside.length; i++) {
        const top = i + 1 < inside.length ? inside[i + 1]![m - 1]! : reference[m - 1]!;
        if (top > inside[i]![m - 1]!) volume += hypervolume(inside.slice(0, i + 1).map((p) => p.slice(0, m - 1)), reference.slice(0, m - 1)) * (top - inside[i]![m - 1]!);
      }
      return volume;
    };
    const rng = new Rng(31);
    for (const m of [4, 5]) {
      const reference = Array.from({ length: m }, () => 1.05);
      for (let trial = 0; trial < 3; trial++) {
        const points = randomSet(rng, 120, m, reference);
        close(hypervolume(points, reference), sliced(points, reference));
      }
    }
  });

  it("does not change when dominated points or duplicates are added", () => {
    const rng = new Rng(7);
    for (const m of [2, 3, 4, 5]) {
      const reference = Array.from({ length: m }, () => 2);
      const front = randomSet(rng, 30, m, reference).filter((p) => p.every((v) => v < 2));
      const base = hypervolume(front, reference);
      const extra = front.map((p) => p.map((v) => v + 0.01 + rng.uniform() * 0.1));
      close(hypervolume([...front, ...front, ...extra], reference), base);
    }
  });
});

describe("hypervolumeContributions", () => {
  it("gives each point of a 2-D staircase its own rectangle", () => {
    expect(Array.from(hypervolumeContributions([[1, 2], [2, 1]], [3, 3]))).toEqual([1, 1]);
    expect(Array.from(hypervolumeContributions([[0, 3], [1, 1], [3, 0]], [4, 4]))).toEqual([1, 4, 1]);
  });

  it("gives 0 to dominated points, to equal points and to points beyond the reference", () => {
    const contributions = hypervolumeContributions([[1, 1], [2, 2], [1, 1], [5, 0]], [3, 3]);
    expect(Array.from(contributions)).toEqual([0, 0, 0, 0]);
  });

  it("takes a dominated point's box away from the point that dominates it", () => {
    // Alone, [1, 1] owns (3-1)²=4; [2, 2]'s box (1) stays covered without it.
    expect(Array.from(hypervolumeContributions([[1, 1], [2, 2]], [3, 3]))).toEqual([3, 0]);
  });

  for (const m of [2, 3, 4, 5]) {
    it(`equals the total minus the hypervolume without the point, in ${m} objectives`, () => {
      const rng = new Rng(300 + m);
      const reference = Array.from({ length: m }, () => 1.05);
      for (let trial = 0; trial < 20; trial++) {
        const points = randomSet(rng, rng.integer(1, 10), m, reference);
        const total = hypervolumeByInclusionExclusion(points, reference);
        const contributions = hypervolumeContributions(points, reference);
        points.forEach((_, i) => {
          const rest = points.filter((__, j) => j !== i);
          close(contributions[i]!, total - hypervolumeByInclusionExclusion(rest, reference));
        });
      }
    });
  }
});

describe("greedyHypervolumeSubset", () => {
  it("takes the largest box first, then the largest gain", () => {
    expect(greedyHypervolumeSubset([[1, 3], [2, 2], [3, 1]], 2, [4, 4])).toEqual([1, 0]);
  });

  it("returns every point when asked for more than there are", () => {
    expect(greedyHypervolumeSubset([[1, 2], [2, 1]], 5, [3, 3]).sort()).toEqual([0, 1]);
  });

  /** The definition, as the selection was computed before it became lazy: every gain recomputed, the first largest kept. */
  function greedyByDefinition(points: number[][], size: number, reference: number[]): number[] {
    const chosen: number[] = [];
    const chosenPoints: number[][] = [];
    let current = 0;
    while (chosen.length < Math.min(size, points.length)) {
      let best = -1;
      let bestGain = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < points.length; i++) {
        if (chosen.includes(i)) continue;
        const gain = hypervolume([...chosenPoints, points[i]!], reference) - current;
        if (gain > bestGain) {
          bestGain = gain;
          best = i;
        }
      }
      chosen.push(best);
      chosenPoints.push(points[best]!);
      current = hypervolume(chosenPoints, reference);
    }
    return chosen;
  }

  it("picks exactly what recomputing every gain picks, ties and copies included (2 and 3 objectives)", () => {
    const rng = new Rng(20261207);
    for (let round = 0; round < 60; round++) {
      const m = 2 + (round % 2);
      const n = 5 + rng.integer(0, 60);
      const kind = round % 6;
      const points: number[][] = [];
      for (let i = 0; i < n; i++) {
        if (kind < 2) {
          // On a front (a simplex or a sphere), so nothing is dominated.
          const raw = Array.from({ length: m }, () => rng.uniform() + 1e-3);
          const norm = kind === 0 ? raw.reduce((a, b) => a + b, 0) : Math.hypot(...raw);
          points.push(raw.map((v) => v / norm));
        } else if (kind < 4) {
          // A coarse grid: many equal gains and equal points.
          points.push(Array.from({ length: m }, () => rng.integer(0, 4) / 4));
        } else if (kind === 4) {
          // A symmetric front on a grid: mirrored points have equal gains.
          const a = rng.integer(0, 8);
          points.push(m === 2 ? [a, 8 - a] : [a, 8 - a, rng.integer(0, 2)]);
        } else {
          points.push(Array.from({ length: m }, () => rng.uniform() * 1e-3 + 7));
        }
        if (i > 0 && rng.uniform() < 0.15) points.push([...points[rng.integer(0, points.length - 1)]!]);
      }
      const reference = Array.from({ length: m }, (_, k) => Math.max(...points.map((p) => p[k]!)) * 1.1 + 1e-9);
      for (const size of [2, Math.ceil(points.length / 3), points.length - 1, points.length]) {
        expect(greedyHypervolumeSubset(points, size, reference), `round ${round}, size ${size}`).toEqual(greedyByDefinition(points, size, reference));
      }
    }
  });

  it("refuses a size that is not a whole number ≥ 0, instead of picking one point more or none", () => {
    const points = [[1, 3], [2, 2], [3, 1]];
    expect(greedyHypervolumeSubset(points, 0, [4, 4])).toEqual([]);
    for (const size of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => greedyHypervolumeSubset(points, size, [4, 4])).toThrow(/size must be a whole number ≥ 0/);
    }
  });
});

describe("a reference without objectives", () => {
  it("is refused by every hypervolume helper, instead of a volume of 1", () => {
    expect(() => hypervolume([[]], [])).toThrow(/reference has no objectives/);
    expect(() => hypervolumeContributions([[]], [])).toThrow(/reference has no objectives/);
    expect(() => greedyHypervolumeSubset([[]], 1, [])).toThrow(/reference has no objectives/);
  });
});
