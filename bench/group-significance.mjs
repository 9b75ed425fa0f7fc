#!/usr/bin/env node
// Issue 12's per-group question from a stored report, without re-running anything: within each group
// (noiseless synthetic, noisy, heavy-tailed, mixed or conditional, YAHPO, 20 or more dimensions) and
// at each budget, is `auto` significantly worse (Nemenyi, among all the report's optimizers) than
// Optuna's TPE, univariate and multivariate? Reads the JSON that `sextant bench report` writes beside
// its Markdown and prints the section the report now carries (`groupSignificanceSection`).
//
// Usage: npm run build && node bench/group-significance.mjs [docs/benchmarks.json] [--optimizer auto]
//        [--references optuna-tpe,optuna-tpe-mv]
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { groupSignificanceSection, pairVerdict } = await import(join(root, "dist/bench/lab/report.js"));

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    optimizer: { type: "string", default: "auto" },
    references: { type: "string", default: "optuna-tpe,optuna-tpe-mv" },
  },
});
const file = positionals[0] ?? join(root, "docs/benchmarks.json");
const data = JSON.parse(readFileSync(file, "utf8"));
const references = args.references.split(",");
console.log(`From ${file} (${data.title}):`);
console.log(groupSignificanceSection(data, args.optimizer, references).join("\n"));

// The target (issue 12): never significantly worse within a group; and how many cells could be tested at all.
const cells = data.groups.flatMap((g) => g.comparisons.flatMap((c) => references.map((r) => ({ group: g.group, budget: c.budget, reference: r, ...pairVerdict(c, args.optimizer, r) }))));
const worse = cells.filter((c) => c.verdict === "worse");
const untestable = cells.filter((c) => c.verdict === "no test");
console.log(
  `\n${args.optimizer} significantly worse than ${references.join(" or ")} in ${worse.length} of ${cells.length} (group, budget, reference) cells` +
    (worse.length ? ` (${worse.map((c) => `${c.group} at ${c.budget} vs ${c.reference}`).join("; ")})` : "") +
    `; ${untestable.length} cells have too few problems for the test to separate any pair (groups: ${[...new Set(untestable.map((c) => c.group))].join(", ") || "none"}).`,
);
