#!/usr/bin/env node
// Computes the lab's dev/test split by the carps protocol and writes src/bench/lab/suites.ts.
//
// Runs the reference optimizers (Optuna 3.1's random search, TPE and CMA-ES: external references,
// so that no Sextant default shapes the split) on every synthetic, mixed, conditional and YAHPO
// surrogate problem, turns each problem into its normalized-performance point, and picks a test
// subset and then a disjoint dev subset, each minimizing the star discrepancy of its points,
// within strata that put every group of the report on both sides.
//
// Usage: npm run build && node scripts/split-suites.mjs [--trials 50] [--seeds 3] [--dev 24] [--test 18] [--out split-run] [--jobs 2] [--replace-committed]
//
// It writes the new suites.ts under --out. Replacing the committed src/bench/lab/suites.ts takes
// --replace-committed, and should not be done lightly: every default of the project was chosen on
// the committed dev side and reported on its test side, and a new split (the lab has gained
// problems since) would put problems defaults were chosen on into test. The committed split was computed from normalized performance that was not yet re-based
// on the references' best runs (session 24 fixed that in `sextant bench subset`; this script
// re-bases since session 25); on today's 111 problems it would keep 5 of the 24 dev and 4 of
// the 18 test problems on their side and move 8 dev problems to test.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { labProblemNames, createLabProblem, isFidelityProblem, isMultiObjectiveProblem } = await import(join(root, "dist/bench/problems/index.js"));
const { runBenchmark } = await import(join(root, "dist/bench/lab/runner.js"));
const { referencePerformancePoints, splitDevTest } = await import(join(root, "dist/bench/lab/protocols.js"));
const { splitStratum: stratum } = await import(join(root, "dist/bench/lab/groups.js"));

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "50" },
    seeds: { type: "string", default: "3" },
    dev: { type: "string", default: "24" },
    test: { type: "string", default: "18" },
    out: { type: "string", default: join(root, "split-run") },
    jobs: { type: "string", default: "2" },
    "replace-committed": { type: "boolean", default: false },
  },
});
const REFERENCES = ["optuna-random", "optuna-tpe", "optuna-cmaes"];
// Seeds far from the 0, 1, 2 … that reports use, so the split is not chosen on the runs it reports.
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => 9000 + i);
// Real commands (scikit-learn fits) are left out: one evaluation trains a model, too slow to run
// under every optimizer of a report.
// Multi-fidelity and multi-objective problems are run by other suites (pruning, multiobjective).
const problems = labProblemNames().filter((name) => {
  const problem = createLabProblem(name);
  return !problem.tags.includes("real-command") && !isFidelityProblem(problem) && !isMultiObjectiveProblem(problem);
});
const started = Date.now();
const { results, failures } = await runBenchmark({
  problems,
  optimizers: REFERENCES,
  trials: Number(args.trials),
  seeds,
  outDir: args.out,
  jobs: Number(args.jobs),
  onProgress: (p) => p.done % 25 === 0 && process.stderr.write(`split: ${p.done}/${p.total} runs\n`),
});
if (failures.length > 0) throw new Error(`split: ${failures.length} runs failed, first: ${JSON.stringify(failures[0])}`);
// Re-based as the report and `sextant bench subset` re-base them: a surrogate whose reference optimum
// the references went past is measured from the best of their runs.
const points = referencePerformancePoints(results, REFERENCES);
// Strata are the report's groups, made disjoint (see splitStratum), so every group has members on
// both sides.
const split = splitDevTest(points, Number(args.dev), Number(args.test), stratum);
process.stderr.write(`split: ${results.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s; dev D* ${split.devDiscrepancy.toFixed(4)}, test D* ${split.testDiscrepancy.toFixed(4)}\n`);

const list = (names) => `[\n${names.map((n) => `    ${JSON.stringify(n)},`).join("\n")}\n  ]`;
const command = `node scripts/split-suites.mjs --trials ${args.trials} --seeds ${args.seeds} --dev ${args.dev} --test ${args.test}`;
const target = args["replace-committed"] ? join(root, "src/bench/lab/suites.ts") : join(args.out, "suites.ts");
mkdirSync(dirname(target), { recursive: true });
writeFileSync(
  target,
  `/**
 * Named problem suites of the benchmark lab. \`dev\` and \`test\` are the carps split: disjoint
 * subsets, each of small star discrepancy in the space of normalized performance under the
 * reference optimizers ${REFERENCES.join(", ")} (rank-transformed), chosen within strata that are
 * the report's groups (${[...new Set(problems.map(stratum))].join("; ")}) so that
 * every group has members on both sides. Defaults are chosen on \`dev\` only and reported on
 * \`test\`. Generated from a real run of those optimizers (${problems.length} problems, ${args.trials} trials,
 * seeds ${seeds.join(", ")}) by
 *
 *     npm run build && ${command}
 *
 * Do not edit the two lists by hand; the other suites are in \`named-suites.ts\`.
 */
import { NAMED_SUITES } from "./named-suites.js";

/** Star discrepancy of each generated subset's performance points (lower = more representative). */
export const SPLIT_DISCREPANCY = { dev: ${split.devDiscrepancy.toFixed(6)}, test: ${split.testDiscrepancy.toFixed(6)} } as const;

/** The stratum (report group) of each problem of the split, as the split saw it. */
export const SPLIT_STRATA: Readonly<Record<string, string>> = {
${[...split.dev, ...split.test].map((n) => `  ${JSON.stringify(n)}: ${JSON.stringify(stratum(n))},`).join("\n")}
};

/**
 * Suites by name.
 *
 * @example
 * await runBenchmark({ problems: SUITES.test, optimizers: ["auto", "random"], trials: 100, seeds: [0, 1, 2], outDir: "out" });
 */
export const SUITES: Readonly<Record<string, readonly string[]>> = {
  dev: ${list(split.dev)},
  test: ${list(split.test)},
  ...NAMED_SUITES,
};
`,
);
process.stderr.write(`split: wrote ${target}${args["replace-committed"] ? "" : " (the committed src/bench/lab/suites.ts is unchanged; see --replace-committed)"}\n`);
