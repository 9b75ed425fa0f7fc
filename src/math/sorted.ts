/**
 * The position of the first element ≥ `value` in the ascending `sorted` (its length when there is
 * none), by binary search: where `value` would be inserted to keep the order, before its equals.
 *
 * @example
 * lowerBound([1, 3, 3, 7], 3); // 1
 * lowerBound([1, 3, 3, 7], 8); // 4
 */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
