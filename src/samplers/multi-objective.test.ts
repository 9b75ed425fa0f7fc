/**
 * Samplers that model several objectives must find a better Pareto front than random search on a
 * known problem, not merely stay inside the bounds. The problem is ZDT1 (Zitzler, Deb and Thiele
 * 2000) in three dimensions: its front is f₂ = 1 − √f₁ for f₁ ∈ [0, 1], reached when x₂ = x₃ = 0.
 * The measure is the hypervolume of all trials' values up to the reference point (1.1, 2); the whole
 * front attains 1.1·2 − ∫₀¹(1 − √f)df = 2.2 − ⅓.
 *
 * A sampler that minimises only f₁ drives every x to 0 and stops at the front's end (0, 1), worth
 * 1.1: more than random search but far from the whole front, so the test asks for both.
 */
import { describe, expect, it } from "vitest";
import { createStudy } from "../study/index.js";
import type { Sampler } from "./base.js";
import { GPSampler } from "./gp/index.js";
import { RandomSampler } from "./random.js";
import { TPESampler } from "./tpe/index.js";
import { hypervolume } from "../analysis/index.js";

const DIMENSION = 3;
const REFERENCE = Float64Array.of(1.1, 2);
const ATTAINABLE = 1.1 * 2 - 1 / 3;
const SEEDS = [1, 2, 3];

function zdt1(x: readonly number[]): [number, number] {
  const g = 1 + (9 * x.slice(1).reduce((sum, v) => sum + v, 0)) / (x.length - 1);
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

async function frontHypervolume(sampler: Sampler, trials: number): Promise<number> {
  const study = await createStudy({ directions: ["minimize", "minimize"], sampler });
  await study.optimize((trial) => zdt1(Array.from({ length: DIMENSION }, (_, i) => trial.suggestFloat(`x${i}`, 0, 1))), { nTrials: trials });
  return hypervolume(study.trials.map((t) => Float64Array.from(t.values!)), REFERENCE);
}

// Budgets keep each comparison to a few seconds; GP does more work per trial, so it gets fewer.
const MODELS: { name: string; trials: number; create: (seed: number) => Sampler }[] = [
  { name: "tpe", trials: 40, create: (seed) => new TPESampler({ seed }) },
  { name: "gp", trials: 30, create: (seed) => new GPSampler({ seed }) },
];

describe.each(MODELS)("$name on two objectives", ({ trials, create }) => {
  it(`covers more of the ZDT1 front than random search in ${trials} trials`, async () => {
    const model: number[] = [];
    const random: number[] = [];
    for (const seed of SEEDS) {
      model.push(await frontHypervolume(create(seed), trials));
      random.push(await frontHypervolume(new RandomSampler({ seed }), trials));
    }
    // Measured: random 0.38–0.78, TPE 1.45–1.72, GP (log EHVI) 1.84 of 1.87. Minimising f₁ alone gives
    // 1.10 (GP); MOTPE whose below set ignores the objectives gives 0.29–1.09.
    const summary = `hypervolumes ${model.map((v) => v.toFixed(2))} vs random ${random.map((v) => v.toFixed(2))}`;
    expect(Math.min(...model), summary).toBeGreaterThan(Math.max(...random));
    const mean = model.reduce((sum, v) => sum + v, 0) / model.length;
    expect(mean, summary).toBeGreaterThan(0.75 * ATTAINABLE);
  });
});
