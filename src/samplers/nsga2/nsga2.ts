/**
 * NSGA-II as a Sextant sampler (Deb, Pratap, Agarwal and Meyarivan 2002, "A fast and elitist
 * multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2)).
 */
import { crowdingDistance } from "../../analysis/index.js";
import { type RawOptions, SEED_OPTION, defineOptions, parseOptions, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../../space/index.js";
import { type Candidates, type GenerationalOptions, GenerationalSampler, type Survivors, rankAndCrowdingTournament, selectByFronts } from "./generations.js";

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
    refuseUnknownOptions("nsga2 sampler", options, NSGA2_OPTIONS, []);
    super("nsga2", options, crowdingSurvival, rankAndCrowdingTournament);
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, NSGA2_OPTIONS);
  }
}

/** Options shared by the NSGA family, for `--sampler-opt`, config files and `sextant samplers`. */
export const NSGA2_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  populationSize: { kind: "integer", min: 2, default: 50, description: "complete trials per generation" },
  crossoverProb: { kind: "number", min: 0, max: 1, default: 0.9, description: "chance that a child is bred by crossover rather than copied from one parent" },
  swappingProb: { kind: "number", min: 0, max: 1, default: 0.5, description: "chance that a categorical takes the second parent's choice in uniform crossover" },
  mutationProb: { kind: "number", min: 0, max: 1, default: "1 / number of parameters", description: "chance that each parameter is mutated" },
  crossoverEta: { kind: "number", min: 0, default: 20, description: "SBX distribution index: larger keeps children nearer their parents" },
  mutationEta: { kind: "number", min: 0, default: 20, description: "polynomial mutation distribution index: larger makes smaller steps" },
});

/**
 * Builds an {@link NSGAIISampler} from CLI-style options (`--sampler-opt population-size=40`).
 *
 * @example
 * createNSGAIISamplerFromOptions({ seed: 1, populationSize: "40" })
 */
export function createNSGAIISamplerFromOptions(options: RawOptions): NSGAIISampler {
  return new NSGAIISampler(parseOptions("nsga2 sampler", options, NSGA2_OPTIONS));
}
