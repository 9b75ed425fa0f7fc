// The two-sided sign test the paired comparisons of the benches use (warmstart-compare, pruning-rule).

/** Two-sided sign test: the chance of a split at least this uneven among wins + losses fair coin flips. */
export function signTest(wins, losses) {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  let tail = 0;
  let term = 0.5 ** n;
  for (let i = 0; i <= k; i++) {
    tail += term;
    term *= (n - i) / (i + 1);
  }
  return Math.min(1, 2 * tail);
}
