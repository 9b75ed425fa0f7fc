#!/usr/bin/env node
// Judges a pruner setting against another the way session 24's rules did, from the output of
// `node bench/pruning.mjs ... --per-seed` (one or more files, each a run over some problems with
// both arms). For every problem × fidelity rule (plain, bohb) it prints the median best at the budget
// of arm A and arm B and the seeds B ends better, tied and worse (same seed, same sampler draws up
// to the pruner); then the cells B wins (lower median), and the two-sided sign test of B's wins
// against its losses over all seed pairs. A problem printed twice (two files) counts once.
// Usage: node bench/pruning-rule.mjs --base asha --candidate asha-rank run1.txt run2.txt …
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { signTest } from "./sign-test.mjs";

const { values: args, positionals: files } = parseArgs({
  options: { base: { type: "string" }, candidate: { type: "string" }, rules: { type: "string", default: "plain,bohb" } },
  allowPositionals: true,
});
if (!args.base || !args.candidate || files.length === 0) {
  throw new Error("usage: node bench/pruning-rule.mjs --base ARM --candidate ARM output.txt … (outputs of bench/pruning.mjs --per-seed)");
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Per problem title: arm label ("asha/plain") → per-seed best at the budget. */
const problems = new Map();
for (const file of files) {
  let title = null;
  let arm = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const header = /^(\S.*?): budget \d+ steps/.exec(line);
    if (header) {
      title = header[1];
      if (!problems.has(title)) problems.set(title, new Map());
      continue;
    }
    const armLine = /^ {2}(\S+\/\S+) \(/.exec(line);
    if (armLine) arm = armLine[1];
    const seeds = /^ {4}per seed \([^)]*\): (.+)$/.exec(line);
    if (seeds && title && arm && !problems.get(title).has(arm)) problems.get(title).set(arm, seeds[1].split(", ").map(Number));
  }
}

let cells = 0;
let won = 0;
const pairs = [0, 0, 0];
for (const [title, arms] of problems) {
  for (const rule of args.rules.split(",")) {
    const a = arms.get(`${args.base}/${rule}`);
    const b = arms.get(`${args.candidate}/${rule}`);
    if (!a || !b) continue;
    cells++;
    const [ma, mb] = [median(a), median(b)];
    if (mb < ma) won++;
    const cell = [0, 0, 0];
    a.forEach((value, i) => cell[b[i] < value ? 0 : b[i] > value ? 2 : 1]++);
    cell.forEach((count, k) => (pairs[k] += count));
    console.log(`${title}, ${rule}: ${args.base} ${ma.toPrecision(4)}, ${args.candidate} ${mb.toPrecision(4)} (${mb < ma ? "won" : "not won"}); seeds better-tied-worse ${cell.join("-")}`);
  }
}
console.log(`${args.candidate} against ${args.base}: ${won} of ${cells} cells won; seed pairs ${pairs[0]} better, ${pairs[1]} tied, ${pairs[2]} worse; two-sided sign test p = ${signTest(pairs[0], pairs[2]).toPrecision(2)}`);
