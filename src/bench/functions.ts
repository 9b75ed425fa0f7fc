/**
 * The seven functions of `npm run bench:samplers`, keyed and bounded as the Optuna 3.1 reference
 * script (`shared/reference/optuna_baseline.py`) keys and bounds them, so regrets compare one to
 * one. The formulas come from the lab's problem registry (`./problems/`); the optimum values are
 * the reference script's rounded ones, because regret against Optuna must use the same zero.
 */
import { syntheticBoxFunction } from "./problems/index.js";

export interface TestFunction {
  readonly name: string;
  readonly bounds: readonly (readonly [number, number])[];
  /** The global minimum value, as the reference script states it. */
  readonly optimum: number;
  evaluate(x: readonly number[]): number;
}

function fromRegistry(name: string, key: string, dimension: number, referenceOptimum: number): TestFunction {
  const fn = syntheticBoxFunction(key, dimension);
  return { name, bounds: fn.bounds, optimum: referenceOptimum, evaluate: fn.evaluate };
}

/** The seven functions of the sampler benchmark, keyed as the Optuna reference script names them. */
export const TEST_FUNCTIONS: Readonly<Record<string, TestFunction>> = {
  branin2: fromRegistry("Branin (2-D)", "branin", 2, 0.397887),
  hartmann3: fromRegistry("Hartmann3", "hartmann3", 3, -3.86278),
  hartmann6: fromRegistry("Hartmann6", "hartmann6", 6, -3.32237),
  ackley5: fromRegistry("Ackley (5-D)", "ackley", 5, 0),
  rosenbrock4: fromRegistry("Rosenbrock (4-D)", "rosenbrock", 4, 0),
  levy10: fromRegistry("Levy (10-D)", "levy", 10, 0),
  styblinski8: fromRegistry("Styblinski-Tang (8-D)", "styblinski_tang", 8, -39.16617 * 8),
};
