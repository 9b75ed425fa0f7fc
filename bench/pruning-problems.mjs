// Problems with a known value at every fidelity, for bench/pruning.mjs. bench/pruning.py computes
// the same synthetic curves in Python (same formulas, same noise) for the Optuna side.
//
// Each problem: `params` (name → distribution as Sextant's suggest calls take it), `steps` (the
// most a trial runs), and `value(params, step, seed)` for step = 1..steps; a trial's final value is
// its value at `steps`.

/** Deterministic noise in [-1, 1) from a trial's parameters, the step and the run's seed (sin-hash, reproducible in Python). */
export function hashNoise(a, b, c, step, seed) {
  const x = Math.sin(12.9898 * a + 78.233 * b + 37.719 * c + 4.581 * step + 0.137 * seed) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/**
 * A synthetic learning-curve family. A high learning rate learns fast but to a worse asymptote
 * beyond its sweet spot; a low dropout learns fast and then overfits (the curve turns up), so
 * curves cross and early values mislead. Noise: uniform, sd 0.01.
 */
export const learningCurves = {
  name: "synthetic learning curves",
  key: "curves",
  steps: 27,
  params: {
    lr: { type: "float", low: 1e-4, high: 1, log: true },
    batch: { type: "int", low: 16, high: 512, log: true },
    dropout: { type: "float", low: 0, high: 0.8 },
  },
  value({ lr, batch, dropout }, step, seed) {
    const u = (Math.log10(lr) + 4) / 4;
    const b = (Math.log2(batch) - 4) / 5;
    const p = dropout;
    const asymptote = 0.08 + 0.6 * (u - 0.55) ** 2 + 0.25 * (b - 0.3) ** 2 + 0.3 * (p - 0.35) ** 2 + 0.05 * (1 - Math.cos(6 * Math.PI * (u - 0.55))) / 2;
    const rate = (0.2 + 0.1 * u * (1 - 0.5 * b)) * (1 + Math.max(0, 0.35 - p) * 0.8);
    const overfit = 0.4 * Math.max(0, 0.35 - p) * (step / 27);
    const noise = 0.01 * Math.sqrt(3) * hashNoise(u, b, p, step, seed);
    return asymptote + (1.2 - asymptote) * Math.exp(-rate * step) + overfit + noise;
  },
};

/**
 * The multi-fidelity Branin function of Kandasamy et al. (2017, "Multi-fidelity Bayesian
 * Optimisation with Continuous Approximations" (BOCA), ICML, §5 and appendix), the one
 * multi-fidelity BO papers compare on. With fidelity z ∈ [0, 1]³, Branin's constants move as
 * b(z) = 5.1/(4π²) − 0.01(1 − z₁), c(z) = 5/π − 0.1(1 − z₂), t(z) = 1/(8π) + 0.05(1 − z₃); z = 1 is
 * Branin (minimum 0.397887). Here every coordinate of z is step/27: a cheap step is a slightly
 * wrong Branin, informative about where the optimum is, as a short training run is.
 */
export const augmentedBranin = {
  name: "multi-fidelity Branin of Kandasamy et al. 2017 (z = step/27)",
  key: "branin",
  steps: 27,
  params: {
    x1: { type: "float", low: -5, high: 10 },
    x2: { type: "float", low: 0, high: 15 },
  },
  value({ x1, x2 }, step) {
    const z = step / 27;
    const b = 5.1 / (4 * Math.PI ** 2) - 0.01 * (1 - z);
    const c = 5 / Math.PI - 0.1 * (1 - z);
    const t = 1 / (8 * Math.PI) + 0.05 * (1 - z);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

/**
 * The augmented Branin function of Poloczek, Wang and Frazier (2017, "Multi-Information Source
 * Optimization", NeurIPS; BoTorch's `AugmentedBranin`): the fidelity s ∈ (0, 1] shifts the
 * quadratic term's coefficient, b(s) = 5.1/(4π²) − 0.1(1 − s), ten times Kandasamy et al.'s shift,
 * so cheap fidelities move the optimum far away (at s = 1/27, b is a quarter of Branin's) and
 * early steps mislead; s = 1 is Branin. Here s = step/27. Kept as the hard case for pruning.
 */
export const augmentedBraninPoloczek = {
  name: "augmented Branin of Poloczek et al. 2017 (s = step/27)",
  key: "branin-poloczek",
  steps: 27,
  params: augmentedBranin.params,
  value({ x1, x2 }, step) {
    const s = step / 27;
    const b = 5.1 / (4 * Math.PI ** 2) - 0.1 * (1 - s);
    return (x2 - b * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  },
};

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
    key: "lcbench",
    steps,
    params: scenario.space,
    async curve(params) {
      const rows = await scenario.evaluateBatch(Array.from({ length: steps }, (_, i) => ({ config: params, instance, fidelity: i + 1 })));
      return rows.map((row) => 1 - row.val_accuracy / 100);
    },
  };
}

/** The whole curve of a problem defined step by step (steps 1..problem.steps). */
export function curveOf(problem, params, seed) {
  return Array.from({ length: problem.steps }, (_, i) => problem.value(params, i + 1, seed));
}
