/**
 * Small exact hypervolumes for multi-objective TPE (Ozaki, Tanigaki, Watanabe and Onishi 2020,
 * "Multiobjective Tree-Structured Parzen Estimator for Computationally Expensive Optimization
 * Problems", GECCO; and the 2022 JAIR version): the greedy hypervolume subset selection that
 * breaks ties inside a nondomination rank, and the hypervolume contributions that weight the
 * "below" observations. Sets here are at most a few dozen points, so a plain recursive slicing
 * algorithm is enough. All objectives are minimized. Internal to the TPE sampler.
 */

const EPS = 1e-12;

/** The hypervolume dominated by `points` (each of length `m`) and bounded by `reference`. */
export function hypervolume(points: readonly Float64Array[], reference: Float64Array): number {
  const m = reference.length;
  const inside = points.filter((p) => {
    for (let k = 0; k < m; k++) if (!(p[k]! < reference[k]!)) return false;
    return true;
  });
  return slice(inside, reference, m);
}

function slice(points: Float64Array[], reference: Float64Array, m: number): number {
  if (points.length === 0) return 0;
  if (m === 1) {
    let best = reference[0]!;
    for (const p of points) if (p[0]! < best) best = p[0]!;
    return reference[0]! - best;
  }
  const last = m - 1;
  const sorted = [...points].sort((a, b) => a[last]! - b[last]!);
  if (m === 2) {
    let area = 0;
    let bestX = reference[0]!;
    for (let i = 0; i < sorted.length; i++) {
      if (sorted[i]![0]! < bestX) bestX = sorted[i]![0]!;
      const top = i + 1 < sorted.length ? sorted[i + 1]![1]! : reference[1]!;
      area += (reference[0]! - bestX) * (top - sorted[i]![1]!);
    }
    return area;
  }
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![last]! : reference[last]!;
    const height = top - sorted[i]![last]!;
    if (height > 0) volume += slice(sorted.slice(0, i + 1), reference, last) * height;
  }
  return volume;
}

/** Optuna's reference point: 10 % beyond the worst value of each objective (EPS where that is 0). */
export function referencePoint(points: readonly Float64Array[]): Float64Array {
  const m = points[0]!.length;
  const reference = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let worst = Number.NEGATIVE_INFINITY;
    for (const p of points) if (p[k]! > worst) worst = p[k]!;
    const r = Math.max(1.1 * worst, 0.9 * worst);
    reference[k] = r === 0 ? EPS : r;
  }
  return reference;
}

/**
 * Picks `size` of `points` greedily by hypervolume gain (a 1 − 1/e approximation of the
 * hypervolume subset selection problem); returns their positions in `points`. Ties go to the
 * earlier point.
 */
export function greedyHypervolumeSubset(points: readonly Float64Array[], size: number, reference: Float64Array): number[] {
  const chosen: number[] = [];
  const chosenPoints: Float64Array[] = [];
  const taken = new Uint8Array(points.length);
  let current = 0;
  while (chosen.length < size && chosen.length < points.length) {
    let best = -1;
    let bestGain = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.length; i++) {
      if (taken[i]) continue;
      chosenPoints.push(points[i]!);
      const gain = hypervolume(chosenPoints, reference) - current;
      chosenPoints.pop();
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    taken[best] = 1;
    chosen.push(best);
    chosenPoints.push(points[best]!);
    current = hypervolume(chosenPoints, reference);
  }
  return chosen;
}

/**
 * Weights of the below set from each point's exclusive hypervolume contribution, scaled so the
 * largest is 1 (MOTPE): points that shape the front more pull the sampler harder.
 */
export function contributionWeights(points: readonly Float64Array[]): Float64Array {
  const n = points.length;
  const weights = new Float64Array(n);
  if (n === 0) return weights;
  if (n === 1) {
    weights[0] = 1;
    return weights;
  }
  const reference = referencePoint(points);
  const total = hypervolume(points, reference);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const rest = points.filter((_, j) => j !== i);
    weights[i] = total - hypervolume(rest, reference) + EPS;
    if (weights[i]! > max) max = weights[i]!;
  }
  for (let i = 0; i < n; i++) weights[i] = Math.min(1, Math.max(0, weights[i]! / max));
  return weights;
}
