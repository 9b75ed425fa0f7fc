/**
 * Named problem suites of the benchmark lab. `dev` and `test` are the carps split: disjoint
 * subsets, each of small star discrepancy in the space of normalized performance under the
 * reference optimizers optuna-random, optuna-tpe, optuna-cmaes (rank-transformed), chosen within strata that are
 * the report's groups (noiseless synthetic, under 20 dimensions; noiseless synthetic, 20 or more dimensions; noisy; heavy-tailed; mixed or conditional; YAHPO surrogate) so that
 * every group has members on both sides. Defaults are chosen on `dev` only and reported on
 * `test`. Generated from a real run of those optimizers (101 problems, 50 trials,
 * seeds 9000, 9001, 9002) by
 *
 *     npm run build && node scripts/split-suites.mjs --trials 50 --seeds 3 --dev 24 --test 18
 *
 * Do not edit the two lists by hand; the other suites are in `named-suites.ts`.
 */
import { NAMED_SUITES } from "./named-suites.js";

/** Star discrepancy of each generated subset's performance points (lower = more representative). */
export const SPLIT_DISCREPANCY = { dev: 0.157753, test: 0.150319 } as const;

/** The stratum (report group) of each problem of the split, as the split saw it. */
export const SPLIT_STRATA: Readonly<Record<string, string>> = {
  "branin-2d": "noiseless synthetic, under 20 dimensions",
  "hartmann3-3d": "noiseless synthetic, under 20 dimensions",
  "hartmann6-6d": "noiseless synthetic, under 20 dimensions",
  "rosenbrock-5d": "noiseless synthetic, under 20 dimensions",
  "ackley-50d": "noiseless synthetic, 20 or more dimensions",
  "levy-5d": "noiseless synthetic, under 20 dimensions",
  "levy-10d": "noiseless synthetic, under 20 dimensions",
  "styblinski_tang-2d": "noiseless synthetic, under 20 dimensions",
  "styblinski_tang-5d": "noiseless synthetic, under 20 dimensions",
  "styblinski_tang-20d": "noiseless synthetic, 20 or more dimensions",
  "styblinski_tang-50d": "noiseless synthetic, 20 or more dimensions",
  "michalewicz-2d": "noiseless synthetic, under 20 dimensions",
  "rastrigin-50d": "noiseless synthetic, 20 or more dimensions",
  "griewank-2d": "noiseless synthetic, under 20 dimensions",
  "trid-50d": "noiseless synthetic, 20 or more dimensions",
  "hartmann6-6d-noisy": "noisy",
  "ackley-10d-noisy": "noisy",
  "rastrigin-5d-heavy-tailed": "heavy-tailed",
  "rastrigin-10d-mixed": "mixed or conditional",
  "ackley-5d-mixed": "mixed or conditional",
  "rosenbrock-5d-scaled": "mixed or conditional",
  "yahpo-lcbench-3945": "YAHPO surrogate",
  "yahpo-lcbench-34539": "YAHPO surrogate",
  "yahpo-rbv2_xgboost-16": "YAHPO surrogate",
  "rosenbrock-2d": "noiseless synthetic, under 20 dimensions",
  "rosenbrock-10d": "noiseless synthetic, under 20 dimensions",
  "rosenbrock-20d": "noiseless synthetic, 20 or more dimensions",
  "ackley-2d": "noiseless synthetic, under 20 dimensions",
  "ackley-10d": "noiseless synthetic, under 20 dimensions",
  "levy-50d": "noiseless synthetic, 20 or more dimensions",
  "michalewicz-10d": "noiseless synthetic, under 20 dimensions",
  "schwefel-2d": "noiseless synthetic, under 20 dimensions",
  "schwefel-50d": "noiseless synthetic, 20 or more dimensions",
  "shekel7-4d": "noiseless synthetic, under 20 dimensions",
  "dixon_price-50d": "noiseless synthetic, 20 or more dimensions",
  "trid-2d": "noiseless synthetic, under 20 dimensions",
  "hartmann3-3d-noisy": "noisy",
  "hartmann6-6d-heavy-tailed": "heavy-tailed",
  "rastrigin-5d-int": "mixed or conditional",
  "conditional-ackley-rastrigin-levy-5d": "mixed or conditional",
  "yahpo-lcbench-7593": "YAHPO surrogate",
  "yahpo-rbv2_xgboost-40923": "YAHPO surrogate",
};

/**
 * Suites by name.
 *
 * @example
 * await runBenchmark({ problems: SUITES.test, optimizers: ["auto", "random"], trials: 100, seeds: [0, 1, 2], outDir: "out" });
 */
export const SUITES: Readonly<Record<string, readonly string[]>> = {
  dev: [
    "branin-2d",
    "hartmann3-3d",
    "hartmann6-6d",
    "rosenbrock-5d",
    "ackley-50d",
    "levy-5d",
    "levy-10d",
    "styblinski_tang-2d",
    "styblinski_tang-5d",
    "styblinski_tang-20d",
    "styblinski_tang-50d",
    "michalewicz-2d",
    "rastrigin-50d",
    "griewank-2d",
    "trid-50d",
    "hartmann6-6d-noisy",
    "ackley-10d-noisy",
    "rastrigin-5d-heavy-tailed",
    "rastrigin-10d-mixed",
    "ackley-5d-mixed",
    "rosenbrock-5d-scaled",
    "yahpo-lcbench-3945",
    "yahpo-lcbench-34539",
    "yahpo-rbv2_xgboost-16",
  ],
  test: [
    "rosenbrock-2d",
    "rosenbrock-10d",
    "rosenbrock-20d",
    "ackley-2d",
    "ackley-10d",
    "levy-50d",
    "michalewicz-10d",
    "schwefel-2d",
    "schwefel-50d",
    "shekel7-4d",
    "dixon_price-50d",
    "trid-2d",
    "hartmann3-3d-noisy",
    "hartmann6-6d-heavy-tailed",
    "rastrigin-5d-int",
    "conditional-ackley-rastrigin-levy-5d",
    "yahpo-lcbench-7593",
    "yahpo-rbv2_xgboost-40923",
  ],
  ...NAMED_SUITES,
};
