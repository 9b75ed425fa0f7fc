/**
 * The non-dominated points of a set of two-objective loss vectors (both minimized) in one sweep,
 * O(n log n): in the lexicographic order of the losses a point comes after every point that
 * dominates it, and is dominated exactly when an earlier one is lower in the second loss, or as low
 * there and lower in the first (the earliest of those is the lowest). A NaN loss counts as the worst
 * (+∞); equal points are all kept. Internal: `paretoFront` and `paretoFrontIndices` share it.
 *
 * @example
 * twoObjectiveFront([[1, 4], [2, 2], [3, 3], [1, 4]]) // [0, 3, 1]: in lexicographic order
 */
export function twoObjectiveFront(losses: readonly ArrayLike<number>[]): number[] {
  const first = (i: number): number => worstIfNaN(losses[i]![0]!);
  const second = (i: number): number => worstIfNaN(losses[i]![1]!);
  // Compared, not subtracted: Infinity − Infinity is NaN.
  const order = losses.map((_, i) => i).sort((a, b) => compare(first(a), first(b)) || compare(second(a), second(b)) || a - b);
  const front: number[] = [];
  let lowest = 0;
  let firstAtLowest = 0;
  for (const i of order) {
    if (front.length > 0 && (second(i) > lowest || (second(i) === lowest && firstAtLowest < first(i)))) continue;
    if (front.length === 0 || second(i) < lowest) [lowest, firstAtLowest] = [second(i), first(i)];
    front.push(i);
  }
  return front;
}

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function worstIfNaN(loss: number): number {
  return Number.isNaN(loss) ? Infinity : loss;
}
