import { seedOrRandom } from "../math/rng.js";
import {
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  type StudySnapshot,
  type TrialState,
  type WarmStartSource,
  CONSTRAINTS_ATTR,
  SEED_OPTION,
  defineOptions,
  refuseUnknownOptions,
  componentSpec,
  type ComponentSpec,
} from "../space/index.js";
import type { IndependentSampling, Sampler } from "./base.js";
import { GPSampler } from "./gp/index.js";
import { TPESampler } from "./tpe/index.js";
import { TurboSampler } from "./turbo/index.js";
import { warmSources } from "./warm-start.js";

export interface AutoSamplerOptions {
  seed?: number;
  /** Complete trials after which the GP hands over to TPE, whose cost grows more slowly (default 300). */
  gpMaxTrials?: number;
  /**
   * Dimensions above which the GP gives way from the start to `highDimensionalSampler` (default 24).
   * Kept from the lab's dev suite, which has one problem at 20 dimensions and four at 50 and none in
   * between: at 20-D (styblinski_tang-20d, 5 seeds, 100 trials) the GP and TuRBO split 3-2 and both
   * beat TPE, at 50-D TuRBO beats TPE; the data place the switch between 20 and 50, not more exactly.
   * Starting TuRBO at 9 dimensions instead lost 6-14 to the GP on 20 numeric problems of 10 and 20
   * dimensions outside the test suite (100 trials, 5 seeds; geometric-mean ratio 1.33; README).
   */
  gpMaxDimensions?: number;
  /**
   * What takes numeric spaces of more than `gpMaxDimensions` dimensions: `"turbo"` (default,
   * TuRBO-1) or `"tpe"`. Chosen on the lab's dev problems of 20 or more dimensions (ackley-50d,
   * styblinski_tang-50d, rastrigin-50d, trid-50d; 5 seeds, `bench/high-dimensional.mjs --split dev`):
   * at 100 trials TuRBO had the lower regret in 16 of 20 (problem, seed) pairs (geometric-mean regret
   * ratio 0.77), at 30 trials, then still in a 50-point design, in 6 of 20 (ratio 1.11). Its design
   * is now 10 points at 50-D, which beat the 50-point design in 15 of 20 pairs at 30 trials (0.835)
   * and 16 of 20 at 100 (0.867). TPE stays for spaces with categorical parameters, which TuRBO does
   * not model.
   */
  highDimensionalSampler?: "tpe" | "turbo";
  /** For 2 or 3 objectives: complete trials after which the GP with EHVI hands over to MO-TPE (default 250). */
  moGpMaxTrials?: number;
}

/** The options of the `auto` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const AUTO_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  gpMaxTrials: { kind: "integer", min: 1, default: 300, description: "complete trials after which the GP hands over to TPE" },
  gpMaxDimensions: { kind: "integer", min: 1, default: 24, description: "dimensions above which highDimensionalSampler is used from the start" },
  highDimensionalSampler: { kind: "enum", values: ["tpe", "turbo"], default: "turbo", description: "sampler for numeric spaces beyond gpMaxDimensions: multivariate TPE or TuRBO-1" },
  moGpMaxTrials: { kind: "integer", min: 1, default: 250, description: "with 2 or 3 objectives: complete trials after which the EHVI GP hands over to MO-TPE" },
});

/** The parameters a set of trials used, how many trials used each, and how many trials there were. */
interface SpaceSummary {
  readonly seen: Map<string, Distribution>;
  readonly counts: Map<string, number>;
  readonly trials: number;
  /** Whether any of the trials carries constraint values. */
  readonly constrained: boolean;
}

function spaceOf(trials: readonly FrozenTrial[]): SpaceSummary {
  const seen = new Map<string, Distribution>();
  const counts = new Map<string, number>();
  let constrained = false;
  for (const trial of trials) {
    for (const [name, distribution] of Object.entries(trial.distributions)) {
      seen.set(name, distribution);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    if (trial.systemAttrs[CONSTRAINTS_ATTR] !== undefined) constrained = true;
  }
  return { seen, counts, trials: trials.length, constrained };
}

interface Choice {
  readonly sampler: Sampler;
  readonly name: "gp" | "tpe" | "turbo";
  readonly reason: string;
}

/**
 * The default sampler: picks an algorithm from what the study looks like, and says which it
 * chose and why in the study's system attributes (`auto:sampler`, `auto:reason`).
 *
 * - Gaussian-process BO for numeric spaces while the budget is small (it needs the fewest trials
 *   to a good result, and its cubic cost is still cheap); with 2 or 3 objectives the GP maximizes
 *   log expected hypervolume improvement, until `moGpMaxTrials` complete trials;
 * - TuRBO-1 (trust-region BO, Eriksson et al. 2019) for single-objective numeric spaces of more
 *   than `gpMaxDimensions` (24) dimensions, until `gpMaxTrials` complete trials;
 * - TPE (multivariate, grouped, constant liar; MO-TPE for several objectives) for conditional
 *   spaces, spaces that are mostly categorical (any categorical with several objectives), many
 *   dimensions with categoricals or several objectives, more than 3 objectives, or once the study
 *   has grown past `gpMaxTrials` (`moGpMaxTrials`) complete trials.
 * - A study warm-started from earlier ones (`warmStartFrom`) gets the GP with its warm start where a
 *   cold one would get the GP, and TPE with the sources as a prior otherwise.
 *
 * Every sampler it picks honours constraint values (c-TPE, or the GP's probability of feasibility):
 * a constrained study past `gpMaxDimensions` gets TPE rather than TuRBO-1, which ignores them.
 *
 * The choice is made per trial from the snapshot, so it is deterministic for a seed and a history.
 *
 * @example
 * const study = await createStudy({ sampler: new AutoSampler({ seed: 1 }) }); // also the default
 */
export class AutoSampler implements Sampler {
  readonly name = "auto";
  readonly usesWarmStart = true;
  readonly seed: number;
  private readonly gp: GPSampler;
  /** The GP for warm-started studies (a separate instance: `warmStart` turns off its joint fidelity model). */
  private readonly gpWarm: GPSampler;
  private readonly tpe: TPESampler;
  private readonly turbo: TurboSampler;
  private readonly highDimensionalSampler: "tpe" | "turbo";
  private readonly gpMaxTrials: number;
  private readonly gpMaxDimensions: number;
  private readonly moGpMaxTrials: number;
  private readonly choices = new Map<number, Choice>();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<AutoSamplerOptions>;

  constructor(options: AutoSamplerOptions = {}) {
    refuseUnknownOptions("auto sampler", options, AUTO_OPTIONS, []);
    this.given = { ...options };
    for (const key of ["gpMaxTrials", "gpMaxDimensions", "moGpMaxTrials"] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`AutoSampler: ${key} must be an integer >= 1, got ${String(value)}`);
    }
    if (options.highDimensionalSampler !== undefined && !["tpe", "turbo"].includes(options.highDimensionalSampler)) {
      throw new RangeError(`AutoSampler: highDimensionalSampler must be "tpe" or "turbo", got ${JSON.stringify(options.highDimensionalSampler)}`);
    }
    this.seed = seedOrRandom(options.seed, "AutoSampler");
    this.gpMaxTrials = options.gpMaxTrials ?? 300;
    this.gpMaxDimensions = options.gpMaxDimensions ?? 24;
    this.moGpMaxTrials = options.moGpMaxTrials ?? 250;
    this.highDimensionalSampler = options.highDimensionalSampler ?? "turbo";
    this.turbo = new TurboSampler({ seed: this.seed });
    this.gp = new GPSampler({ seed: this.seed });
    this.gpWarm = new GPSampler({ seed: this.seed, warmStart: true });
    this.tpe = new TPESampler({ seed: this.seed, multivariate: true, group: true, constantLiar: true });
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, AUTO_OPTIONS);
  }

  /** Which algorithm the study looks like it needs now, and why. */
  decide(snapshot: StudySnapshot): Choice {
    const objectives = snapshot.directions.length;
    if (objectives > 3) {
      return { sampler: this.tpe, name: "tpe", reason: `${objectives} objectives: multi-objective TPE (expected hypervolume improvement is exact up to 3)` };
    }
    const own = spaceOf(snapshot.finished.filter((trial) => trial.state === "complete"));
    const sources = warmSources(snapshot);
    return sources.length > 0 ? this.decideWarm(sources, own, objectives) : this.decideCold(own, own.trials, objectives);
  }

  /**
   * The choice for a study without warm-start sources, from the space `space` describes;
   * `complete` counts the study's own complete trials. `basis` is the reason without the sampler.
   */
  private decideCold(space: SpaceSummary, complete: number, objectives: number): Choice & { basis: string } {
    const { seen, counts, trials } = space;
    const what = objectives > 1 ? "GP with expected hypervolume improvement" : "Gaussian-process BO";
    if (trials === 0) return { sampler: this.gp, name: "gp", basis: "no complete trials yet", reason: `no complete trials yet: quasi-random start of the ${what}` };
    const conditional = [...counts.entries()].filter(([, n]) => n < trials).map(([name]) => name);
    if (conditional.length > 0) {
      return { sampler: this.tpe, name: "tpe", basis: "conditional space", reason: `conditional space (${conditional.slice(0, 3).join(", ")} not in every trial): grouped TPE` };
    }
    const categorical = [...seen.values()].filter((d) => d.type === "categorical").length;
    if (objectives > 1 && categorical > 0) {
      const basis = `${objectives} objectives and ${categorical} categorical parameter(s)`;
      return { sampler: this.tpe, name: "tpe", basis, reason: `${basis}: multi-objective TPE` };
    }
    if (categorical * 2 > seen.size) {
      return { sampler: this.tpe, name: "tpe", basis: `${categorical} of ${seen.size} parameters categorical`, reason: `${categorical} of ${seen.size} parameters are categorical: TPE` };
    }
    const limit = objectives > 1 ? this.moGpMaxTrials : this.gpMaxTrials;
    if (seen.size > this.gpMaxDimensions) {
      const basis = `${seen.size} dimensions > ${this.gpMaxDimensions}`;
      // TuRBO-1 ignores constraints: c-TPE honours them.
      if (this.highDimensionalSampler === "turbo" && objectives === 1 && categorical === 0 && complete < limit && !space.constrained) {
        return { sampler: this.turbo, name: "turbo", basis, reason: `${basis}: TuRBO-1 trust-region BO` };
      }
      return { sampler: this.tpe, name: "tpe", basis, reason: `${basis}${space.constrained && this.highDimensionalSampler === "turbo" ? ", constrained" : ""}: TPE` };
    }
    if (complete >= limit) {
      const basis = `${complete} complete trials >= ${limit}`;
      return { sampler: this.tpe, name: "tpe", basis, reason: `${basis}: ${objectives > 1 ? "multi-objective " : ""}TPE scales better than the GP` };
    }
    const basis = `${seen.size}-D ${categorical > 0 ? "mixed" : "numeric"} space`;
    return { sampler: this.gp, name: "gp", basis, reason: `${basis} with ${complete} complete trials: ${what}` };
  }

  /**
   * A warm-started study: the GP with its warm start (a startup design from the sources' best
   * trials, then its model stacked on theirs) where a cold study would get the GP, else TPE with the sources as a prior. Before the
   * study has complete trials of its own, the sources' trials say what the space looks like.
   *
   * Chosen on bench:warmstart's six dev pairs (10 seeds, sources run by a cold GP, as a study run
   * with `auto` has them; rule fixed before the run): the warm GP's median best after 100 trials
   * beat the warm TPE's on all six, after 25 on five (one tie), and an unrelated source stayed
   * within seed noise on all six. Until then auto took TPE for every warm-started study, because
   * the GP's warm start had reached a cold GP's 100-trial result no sooner than the cold GP (5
   * seeds, an older GP): the wrong baseline, since a user gets the warm GP or the warm TPE.
   */
  private decideWarm(sources: readonly WarmStartSource[], own: SpaceSummary, objectives: number): Choice {
    if (objectives > 1) {
      return { sampler: this.tpe, name: "tpe", reason: `warm-started with ${objectives} objectives: TPE with the sources' trials as a prior (the GP's warm start is single-objective)` };
    }
    const cold = this.decideCold(own.trials > 0 ? own : spaceOf(sources.flatMap((source) => source.trials)), own.trials, objectives);
    if (cold.name === "gp") return { sampler: this.gpWarm, name: "gp", reason: `warm-started, ${cold.basis}: Gaussian-process BO whose startup design takes the sources' best trials and whose model stacks on theirs` };
    return { sampler: this.tpe, name: "tpe", reason: `warm-started, ${cold.basis}: TPE with the sources' trials as a prior` };
  }

  private choiceFor(snapshot: StudySnapshot, trial: SamplingTrial): Choice {
    let choice = this.choices.get(trial.number);
    if (!choice) {
      choice = this.decide(snapshot);
      this.choices.set(trial.number, choice);
    }
    return choice;
  }

  beforeTrial(snapshot: StudySnapshot, trial: SamplingTrial): void {
    this.choices.delete(trial.number);
    const choice = this.choiceFor(snapshot, trial);
    trial.setSystemAttr("auto:sampler", choice.name);
    trial.setStudySystemAttr("auto:sampler", choice.name);
    trial.setStudySystemAttr("auto:reason", choice.reason);
    choice.sampler.beforeTrial?.(snapshot, trial);
  }

  inferRelativeSpace(snapshot: StudySnapshot, trial: SamplingTrial): SearchSpace {
    return this.choiceFor(snapshot, trial).sampler.inferRelativeSpace(snapshot, trial);
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    return this.choiceFor(snapshot, trial).sampler.sampleRelative(snapshot, trial, space);
  }

  sampleIndependent(snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    return this.choiceFor(snapshot, trial).sampler.sampleIndependent(snapshot, trial, name, distribution);
  }

  /** What the sampler chosen for the trial says, naming it (see `Sampler.independentSampling`). */
  independentSampling(snapshot: StudySnapshot, trial: SamplingTrial): IndependentSampling | null {
    const choice = this.choiceFor(snapshot, trial);
    const inner = choice.sampler.independentSampling?.(snapshot, trial) ?? null;
    return inner && { ...inner, sampler: `${inner.sampler ?? `the ${choice.name} sampler`} (auto's choice)` };
  }

  afterTrial(snapshot: StudySnapshot, trial: SamplingTrial, state: TrialState, values: readonly number[] | null): void {
    const choice = this.choices.get(trial.number);
    this.choices.delete(trial.number);
    choice?.sampler.afterTrial?.(snapshot, trial, state, values);
  }
}
