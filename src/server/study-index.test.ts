import { describe, expect, it } from "vitest";
import { type Distribution, type FrozenTrial, type TrialState, makeTrial } from "../space/index.js";
import { type SortKey, StudyIndex } from "./study-index.js";

const X: Distribution = { type: "float", low: 0, high: 10 };
const KIND: Distribution = { type: "categorical", choices: ["b", "a", "c"] };

/** The order the table promises: keys ascending (or descending), missing keys last either way, ties by trial number. */
function expectedOrder(trials: readonly FrozenTrial[], key: (t: FrozenTrial) => number | string | undefined, descending: boolean): number[] {
  return trials
    .map((t) => ({ number: t.number, key: key(t) }))
    .sort((a, b) => {
      if (a.key === undefined || b.key === undefined) return a.key === b.key ? a.number - b.number : a.key === undefined ? 1 : -1;
      const c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return c === 0 ? a.number - b.number : descending ? -c : c;
    })
    .map((t) => t.number);
}

describe("StudyIndex.sortedMatches", () => {
  // Ties and missing values on purpose: few distinct values, some trials without the parameter or a value.
  const states: TrialState[] = ["complete", "complete", "pruned", "failed", "running", "complete", "waiting"];
  const trials = Array.from({ length: 5_000 }, (_, number) => {
    const state = states[number % states.length]!;
    const params: Record<string, number | string> = {};
    const distributions: Record<string, Distribution> = {};
    if (number % 9 !== 4) {
      params.x = (number * 37) % 11;
      distributions.x = X;
    }
    if (number % 5 !== 2) {
      params.kind = ["b", "a", "c"][number % 3]!;
      distributions.kind = KIND;
    }
    const values = state === "complete" || state === "pruned" ? [number % 13 === 0 ? Number.NaN : (number * 7) % 17] : null;
    return makeTrial({ number, state, params, distributions, values, startedAt: 1_000, finishedAt: state === "running" || state === "waiting" ? null : 1_000 + ((number * 3) % 7) * 100 });
  });
  const index = new StudyIndex({ id: 1, name: "s", directions: ["minimize"], userAttrs: {}, systemAttrs: {}, createdAt: 0 });
  index.apply(trials, trials.length);

  const keys: [SortKey, (t: FrozenTrial) => number | string | undefined][] = [
    ["state", (t) => t.state],
    ["value", (t) => (t.values && Number.isFinite(t.values[0]) ? t.values[0] : undefined)],
    ["duration", (t) => (t.startedAt !== null && t.finishedAt !== null ? t.finishedAt - t.startedAt : undefined)],
    ["param:x", (t) => t.params.x as number | undefined],
    // A categorical parameter sorts by its choice's place among the choices, not by its text.
    ["param:kind", (t) => (t.params.kind === undefined ? undefined : KIND.choices.indexOf(t.params.kind))],
  ];
  for (const [sort, key] of keys) {
    for (const descending of [false, true]) {
      it(`sorts by ${sort} ${descending ? "descending" : "ascending"}: missing values last, ties in number order`, () => {
        expect([...index.sortedMatches({}, "all", sort, descending, 0)]).toEqual(expectedOrder(trials, key, descending));
        const filtered = trials.filter((t) => t.state === "complete" && t.params.x !== undefined && (t.params.x as number) >= 3);
        const filter = { states: ["complete" as const], ranges: { x: [3, 10] as const } };
        expect([...index.sortedMatches(filter, "complete, x >= 3", sort, descending, 0)]).toEqual(expectedOrder(filtered, key, descending));
      });
    }
  }
});
