// Problems with a known value at every fidelity, for bench/pruning.mjs. bench/pruning.py computes
// the same synthetic curves in Python (same formulas, same noise) for the Optuna side.
//
// Each problem: `params` (name → distribution as Sextant's suggest calls take it), `steps` (the
// most a trial runs), and `value(params, step, seed)` for step = 1..steps; a trial's final value is
// its value at `steps`. The synthetic families live in the lab's registry
// (src/bench/problems/fidelity.ts), where `sextant bench run --suite pruning` runs them too.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const { hashNoise, learningCurves, augmentedBranin, augmentedBraninPoloczek, hartmannFidelity, curveOf } = await import(join(root, "dist/bench/problems/fidelity.js"));

/**
 * YAHPO Gym's LCBench surrogate (Pfisterer et al. 2022) on one OpenML task, epochs 1–52 as steps;
 * the value is the validation error 1 − val_accuracy/100. A trial's whole curve comes from one
 * batched call of the surrogate.
 */
export async function lcbench(loadYahpoScenario, instance = "3945") {
  const scenario = await loadYahpoScenario("lcbench");
  const steps = scenario.fidelity.max;
  return {
    name: `YAHPO LCBench task ${instance} (epochs 1–${steps}, 1 − val_accuracy)`,
    key: instance === "3945" ? "lcbench" : `lcbench-${instance}`,
    steps,
    params: scenario.space,
    async curve(params) {
      const rows = await scenario.evaluateBatch(Array.from({ length: steps }, (_, i) => ({ config: params, instance, fidelity: i + 1 })));
      return rows.map((row) => 1 - row.val_accuracy / 100);
    },
  };
}
