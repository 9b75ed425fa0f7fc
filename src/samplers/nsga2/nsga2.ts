/**
 * NSGA-II as a Sextant sampler (Deb, Pratap, Agarwal and Meyarivan 2002, "A fast and elitist
 * multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2)).
 */
import { crowdingDistance } from "../../analysis/index.js";
import { parseSamplerOptions } from "../options.js";
import type { SamplerOptions } from "../registry.js";
import { type Candidates, type GenerationalOptions, GenerationalSampler, type Survivors, selectByFronts } from "./generations.js";

/** Options of {@link NSGAIISampler}. */
export type NSGAIISamplerOptions = GenerationalOptions;

/**
 * Elitist survival: parents and children are sorted into fronts by (constrained) non-domination,
 * whole fronts are kept while they fit, and the front that does not fit keeps its least crowded
 * points. Ties in crowding keep the earlier candidate, so the result depends only on the input.
 */
export function crowdingSurvival(candidates: Candidates, size: number): Survivors {
  const crowding = new Float64Array(candidates.losses.length);
  const { chosen, ranks, wholeFronts } = selectByFronts(candidates, size, (_accepted, lastFront, room) => {
    assignCrowding(candidates, lastFront, crowding);
    return [...lastFront].sort((a, b) => crowding[b]! - crowding[a]! || a - b).slice(0, room);
  });
  // The tournament compares crowding within whole fronts too.
  for (const front of wholeFronts) assignCrowding(candidates, front, crowding);
  return { chosen, rank: chosen.map((i) => ranks[i]!), diversity: chosen.map((i) => crowding[i]!) };
}

function assignCrowding(candidates: Candidates, members: readonly number[], out: Float64Array): void {
  const distance = crowdingDistance(members.map((i) => candidates.losses[i]!));
  members.forEach((i, position) => (out[i] = distance[position]!));
}

/**
 * NSGA-II (Deb et al. 2002): a genetic algorithm for one or several objectives. Each generation's
 * parents are the best of the previous parents and children by non-domination rank, then crowding
 * distance; children come from binary tournaments, simulated binary crossover and polynomial
 * mutation on the unit-cube encoding of numeric parameters, uniform crossover of categorical ones.
 * Constraints in a trial's `systemAttrs.constraints` (feasible when every value is <= 0) are honoured
 * by Deb's constrained domination. The first generation is random.
 *
 * Generations are rebuilt from the study's finished trials (each trial is tagged
 * `nsga2:generation`), so several workers and a resumed study continue the same run.
 *
 * @example
 * const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new NSGAIISampler({ seed: 1, populationSize: 40 }) });
 * await study.optimize((t) => { const x = t.suggestFloat("x", 0, 1); return [x, 1 - Math.sqrt(x)]; }, { nTrials: 400 });
 * study.bestTrials; // the Pareto front
 */
export class NSGAIISampler extends GenerationalSampler {
  readonly name = "nsga2";

  constructor(options: NSGAIISamplerOptions = {}) {
    super("nsga2", options, crowdingSurvival);
  }
}

/** Option schema shared by the NSGA family's `--sampler-opt` parsing. */
export const GENERATIONAL_OPTION_SPECS = {
  seed: { kind: "number", integer: true },
  populationSize: { kind: "number", integer: true, min: 2 },
  crossoverProb: { kind: "number", min: 0, max: 1 },
  swappingProb: { kind: "number", min: 0, max: 1 },
  mutationProb: { kind: "number", min: 0, max: 1 },
  crossoverEta: { kind: "number", min: 0 },
  mutationEta: { kind: "number", min: 0 },
} as const;

/**
 * Builds an {@link NSGAIISampler} from CLI-style options (`--sampler-opt population-size=40`).
 *
 * @example
 * createNSGAIISamplerFromOptions({ seed: 1, populationSize: "40" })
 */
export function createNSGAIISamplerFromOptions(options: SamplerOptions): NSGAIISampler {
  return new NSGAIISampler(parseSamplerOptions("nsga2", options, GENERATIONAL_OPTION_SPECS) as NSGAIISamplerOptions);
}
