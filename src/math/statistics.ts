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
 * The `q`-th percentile (0 ≤ q ≤ 100) of `sorted` (ascending, no NaN) exactly as NumPy's
 * `percentile` and `nanpercentile` compute it by default (method "linear"; `_quantile`,
 * `_get_indexes` and `_lerp` in numpy/lib/function_base.py), to the last bit, which is what
 * Optuna's percentile and median pruners compare against. The index (n − 1)·q/100 gives the
 * neighbours a = sorted[i], b = sorted[i + 1] and the fraction γ; the value is a + (b − a)·γ below
 * γ = ½ and b − (b − a)·(1 − γ) from there on. From the last index on, a and b are both the last
 * value and γ is counted from index −1, NumPy's name for it. Infinities go through the same
 * arithmetic, so where one meets another value (or itself) the answer can be NaN, as in NumPy.
 * NaN for no values.
 *
 * @example
 * linearPercentile([-0.7, 0.1], 50); // -0.29999999999999993 (not -0.3)
 * linearPercentile([1, Infinity], 25); // Infinity
 * linearPercentile([1, Infinity], 75); // NaN: ∞ − ∞·0.25
 */
export function linearPercentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const index = (n - 1) * (q / 100);
  const atEnd = index >= n - 1;
  const below = atEnd ? n - 1 : Math.floor(index);
  const above = atEnd ? n - 1 : below + 1;
  const gamma = index - (atEnd ? -1 : below);
  const a = sorted[below]!;
  const b = sorted[above]!;
  const span = b - a;
  return gamma >= 0.5 ? b - span * (1 - gamma) : a + span * gamma;
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

/**
 * Each value less `mean`, divided by `sd` (as {@link meanAndDeviation} gives them), or all 0 when
 * `sd` is not positive. Values near ±1.8e308 of both signs make a difference that overflows to
 * ±Infinity; those are scaled first, term by term.
 *
 * @example
 * standardize([1, 3], { mean: 2, sd: 1 }) // Float64Array [-1, 1]
 * standardize([Number.MAX_VALUE, -Number.MAX_VALUE], meanAndDeviation([Number.MAX_VALUE, -Number.MAX_VALUE])) // Float64Array [1, -1]
 */
export function standardize(values: ArrayLike<number>, { mean, sd }: { mean: number; sd: number }): Float64Array {
  return Float64Array.from(values, (v) => {
    if (!(sd > 0)) return 0;
    const standardized = (v - mean) / sd;
    return Number.isFinite(standardized) ? standardized : v / sd - mean / sd;
  });
}

/**
 * The mean and the population standard deviation of `values`, for values of any magnitude: values
 * whose squares overflow (beyond about 1e154) or underflow (below about 1e-154) are measured
 * divided by their largest magnitude, where plain sums gave an sd of Infinity or 0 (then a GP's
 * targets, a forest's splits or a curve model went flat without a word). Other values get the
 * plain sums, bit for bit. The sd is 0 for equal values, and for values none of which is finite.
 *
 * @example
 * meanAndDeviation([1, 3]) // { mean: 2, sd: 1 }
 * meanAndDeviation([1e300, 3e300]) // { mean: 2e300, sd: 1e300 }
 */
export function meanAndDeviation(values: ArrayLike<number>): { mean: number; sd: number } {
  const n = values.length;
  let mean = 0;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < n; i++) {
    mean += values[i]!;
    low = Math.min(low, values[i]!);
    high = Math.max(high, values[i]!);
  }
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i]! - mean) ** 2;
  variance /= n;
  if (Number.isFinite(mean) && Number.isFinite(variance) && (variance > 0 || low === high)) return { mean, sd: Math.sqrt(variance) };
  const largest = Math.max(Math.abs(low), Math.abs(high));
  if (!(largest > 0) || !Number.isFinite(largest)) return { mean: largest === 0 ? 0 : Number.NaN, sd: 0 };
  mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! / largest;
  mean /= n;
  variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i]! / largest - mean) ** 2;
  variance /= n;
  return { mean: mean * largest, sd: variance > 0 && Number.isFinite(variance) ? Math.sqrt(variance) * largest : 0 };
}
