#!/usr/bin/env node
// The dashboard's trial table (GET …/table) and `sextant report`, which reads every column's order:
// the time of one sort of a large study's trials by a column (StudyIndex.sortedMatches, the order
// not cached) against the previous comparison, kept below as `previousSortBy` (keys in a Map by
// trial number, read twice per comparison), run on the same trials in the same run; both orders
// are checked equal.
//
// Usage: node bench/table-sort.mjs [--trials 200000] [--repeats 3]
// Needs dist/ (npm run build).
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { makeTrial } = await import(join(root, "dist/index.js"));
const { StudyIndex } = await import(join(root, "dist/server/study-index.js"));

const { values: args } = parseArgs({ options: { trials: { type: "string", default: "200000" }, repeats: { type: "string", default: "3" } } });
const n = Number(args.trials);
const repeats = Number(args.repeats);

const X = { type: "float", low: -5, high: 5 };
const C = { type: "categorical", choices: ["a", "b", "c"] };
let seed = 1;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const states = ["complete", "complete", "complete", "pruned", "failed"];
const trials = Array.from({ length: n }, (_, number) => {
  const state = states[number % states.length];
  const x = random() * 10 - 5;
  return makeTrial({
    number,
    state,
    params: { x, c: C.choices[number % 3] },
    distributions: { x: X, c: C },
    values: state === "failed" ? null : [x * x],
    startedAt: 0,
    finishedAt: Math.floor(random() * 1000),
  });
});
const index = new StudyIndex({ id: 1, name: "s", directions: ["minimize"], userAttrs: {}, systemAttrs: {}, createdAt: 0 });
index.apply(trials, n);

/** The comparison sort the table ran before, verbatim but for `this`. */
function previousSortBy(matched, keyOf, descending) {
  const keys = new Map();
  for (const m of matched) keys.set(m, keyOf(index.trials[m]));
  return [...matched].sort((a, b) => {
    const ka = keys.get(a);
    const kb = keys.get(b);
    if (ka === undefined || kb === undefined) return ka === kb ? a - b : ka === undefined ? 1 : -1;
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    return c === 0 ? a - b : descending ? -c : c;
  });
}

function medianMs(fn) {
  const times = [];
  let result;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    result = fn(i);
    times.push(performance.now() - start);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(repeats / 2)], result };
}

console.log(`# Table sort of ${n.toLocaleString("en-US")} trials (${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
console.log("| column | previous comparison (reference) | sortedMatches now | speed-up | check |");
console.log("| --- | --- | --- | --- | --- |");
for (const sort of ["value", "duration", "param:x", "param:c", "state"]) {
  for (const descending of [false, true]) {
    const keyOf = index.sortKeyOf(sort, 0); // TypeScript-private only
    const matched = index.match({});
    const previous = medianMs(() => previousSortBy(matched, keyOf, descending));
    // A different filter key each time, so that no answer comes from the index's cache.
    const now = medianMs((i) => index.sortedMatches({}, `run ${sort} ${descending} ${i}`, sort, descending, 0));
    const same = previous.result.length === now.result.length && previous.result.every((m, i) => m === now.result[i]);
    if (!same) throw new Error(`${sort}: the orders differ`);
    console.log(`| ${sort} ${descending ? "desc" : "asc"} | ${previous.ms.toFixed(0)} ms | ${now.ms.toFixed(0)} ms | ${(previous.ms / now.ms).toFixed(1)}x | same order |`);
  }
}
