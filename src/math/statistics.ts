/**
 * The median of `values` (the mean of the two middle ones for an even count); `values` is not
 * modified.
 *
 * @example
 * median([3, 1, 2]); // 2
 * median([4, 1, 3, 2]); // 2.5
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

/**
 * Ranks from 0, ties given their mean rank. A native sort of the values and two binary searches per
 * value: an index sort with a comparator costs several times more on 100,000 trials.
 *
 * @example
 * ranks([0.3, 0.1, 0.3]); // [1.5, 0, 1.5]
 */
export function ranks(values: readonly number[]): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sorted[mid]! < v) low = mid + 1;
      else high = mid;
    }
    const first = low;
    high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sorted[mid]! <= v) low = mid + 1;
      else high = mid;
    }
    out[i] = (first + low - 1) / 2;
  }
  return out;
}
