/**
 * A count with its noun, singular at one: messages read "1 run", "2 runs", "0 runs".
 *
 * @example
 * countNoun(1, "run"); // "1 run"
 * countNoun(3, "multi-fidelity run"); // "3 multi-fidelity runs"
 * countNoun(2, "discrepancy", "discrepancies"); // "2 discrepancies"
 */
export function countNoun(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
