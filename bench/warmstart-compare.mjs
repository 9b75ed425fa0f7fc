#!/usr/bin/env node
// Paired comparison of two `bench:warmstart` outputs (same split, seeds and sampler; one setting
// changed): the same seed gives both runs the same source, unrelated source and cold run, so each
// (pair, seed) is one paired unit. Prints, per pair and over all, the wins, ties and losses of B
// against A in trials to reach the cold start's 100-trial median (fewer is a win; a run that never
// reaches it counts as budget + 1) and in the best value after the budget (lower is a win), with
// the two-sided sign-test p-value of the wins against the losses.
// Usage: node bench/warmstart-compare.mjs A.txt B.txt
import { readFileSync } from "node:fs";
import { signTest } from "./sign-test.mjs";

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) throw new Error("usage: node bench/warmstart-compare.mjs A.txt B.txt (outputs of bench/warmstart.mjs)");

/** Per pair label: the warm arm's per-seed trials to reach and best after the budget. */
function perSeed(file) {
  const pairs = new Map();
  let label = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const header = /^(\S.*?): cold median best after/.exec(line);
    if (header) label = header[1];
    const reach = /per seed, trials to reach it \(\d+: never\): warm ([\d ]+) \|/.exec(line);
    if (reach && label) pairs.set(label, { ...pairs.get(label), reach: reach[1].trim().split(" ").map(Number) });
    const best = /per seed, best after \d+: warm (.+) \| cold/.exec(line);
    if (best && label) pairs.set(label, { ...pairs.get(label), best: best[1].trim().split(" ").map(Number) });
  }
  if (pairs.size === 0) throw new Error(`${file}: no per-seed lines (run bench/warmstart.mjs of this version)`);
  return pairs;
}

const a = perSeed(fileA);
const b = perSeed(fileB);
const total = { reach: [0, 0, 0], best: [0, 0, 0] };
const show = ([wins, ties, losses]) => `${wins}-${ties}-${losses} (sign test p = ${signTest(wins, losses).toFixed(2)})`;
console.log(`B = ${fileB} against A = ${fileA}: wins-ties-losses of B per seed`);
for (const [label, runsA] of a) {
  const runsB = b.get(label);
  if (!runsB) continue;
  const tally = { reach: [0, 0, 0], best: [0, 0, 0] };
  for (const metric of ["reach", "best"]) {
    runsA[metric].forEach((x, i) => {
      const y = runsB[metric][i];
      const slot = y < x ? 0 : y === x ? 1 : 2;
      tally[metric][slot]++;
      total[metric][slot]++;
    });
  }
  console.log(`${label}: trials to reach ${show(tally.reach)}; best after budget ${show(tally.best)}`);
}
console.log(`all pairs: trials to reach ${show(total.reach)}; best after budget ${show(total.best)}`);
