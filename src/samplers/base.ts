import type { ComponentSpec, Distribution, ParamValue, SamplingTrial, SearchSpace, StudySnapshot, TrialState } from "../space/index.js";

/**
 * A sampler proposes parameter values. The study calls it in this order for each trial:
 *
 * 1. `beforeTrial(snapshot, trial)` — optional; a place to decide per-trial state.
 * 2. `inferRelativeSpace(snapshot, trial)` — the parameters to sample jointly (may be empty).
 * 3. `sampleRelative(snapshot, trial, space)` — values for those parameters, all at once.
 * 4. `sampleIndependent(snapshot, trial, name, distribution)` — for every parameter the objective
 *    asks for that the relative step did not cover (conditional branches, first trials).
 * 5. `afterTrial(snapshot, trial, state, values)` — optional, once the trial has finished.
 *
 * Samplers read only the snapshot and never call storage, so they are synchronous and can be
 * unit-tested on a hand-made list of trials (see `makeSnapshot` and `makeTrial`). Every sampler
 * takes a seed: the same seed and the same history give the same suggestion.
 */
export interface Sampler {
  /** A short name, recorded on the study (e.g. "tpe"). */
  readonly name: string;
  /**
   * False for a sampler whose suggestions never depend on the snapshot's trials (only on its seed
   * and the trial's number), such as random search. Then, while `study.optimize` runs, a worker
   * does not read the other workers' trials each time it starts one; it reads them at the end (or
   * when a pruner or `refresh()` asks). Default: true.
   */
  readonly usesHistory?: boolean;
  /**
   * True for a sampler that learns from the studies a warm-started study names
   * (`createStudy({ warmStartFrom })`); a study warm-started with any other warns that their trials
   * go unused. Default: false.
   */
  readonly usesWarmStart?: boolean;
  /**
   * True for a sampler that learns from values but not from constraint values (CMA-ES, CEM,
   * TuRBO-1): a study with constraints (a `constraints` function, values given to `tell` or
   * `reportConstraints`, or stored trials that have them) warns once that its trials' feasibility
   * is not used. Default: false.
   */
  readonly ignoresConstraints?: boolean;
  /**
   * True for a sampler of one objective (CMA-ES, CEM, TuRBO-1): a study with several refuses it
   * when created, instead of failing its first trial. Default: false.
   */
  readonly singleObjective?: boolean;
  beforeTrial?(snapshot: StudySnapshot, trial: SamplingTrial): void;
  inferRelativeSpace(snapshot: StudySnapshot, trial: SamplingTrial): SearchSpace;
  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue>;
  sampleIndependent(snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue;
  /**
   * For a sampler that models parameters jointly (CMA-ES, GP, multivariate TPE, TuRBO, CEM, QMC,
   * NSGA-II): how it samples, at this trial, a parameter its relative step left out, or null when
   * it samples every parameter on its own by design at this trial (univariate TPE, a trial BOHB
   * draws at random). The study calls it only for parameters that reach `sampleIndependent`, and
   * warns once per parameter when one is left out of the model for a reason the user can act on:
   * its range changed since earlier trials, earlier trials lack it, or its type is one the model
   * cannot take (see {@link IndependentSampling}; said once for all parameters of that type). Parameters of conditional branches, single
   * values, and every parameter before `startupTrials` complete trials pass without a word.
   * Must not change what the sampler proposes. Samplers without it are never warned about.
   *
   * @example
   * independentSampling() {
   *   return { how: "at random", startupTrials: Math.max(this.nStartupTrials, 1), unmodelledTypes: ["categorical"] };
   * }
   */
  independentSampling?(snapshot: StudySnapshot, trial: SamplingTrial): IndependentSampling | null;
  /** Whether the sampler has nothing left to propose (e.g. every grid point is taken); the study then stops. */
  isExhausted?(snapshot: StudySnapshot): boolean;
  afterTrial?(snapshot: StudySnapshot, trial: SamplingTrial, state: TrialState, values: readonly number[] | null): void;
  /**
   * The registered name and the options this sampler was given, from which `createSamplerByName`
   * builds the same sampler, or null when they cannot be written down (a function given as an
   * option). `createStudy` stores it, so `sextant serve`, `sextant report` and every process that
   * rebuilds the study's sampler use these options; a sampler without it is stored by name alone.
   * Every built-in sampler has it; one of your own registered with `registerSampler` may too.
   *
   * @example
   * spec() {
   *   return { name: "my-sampler", options: { seed: this.seed } };
   * }
   */
  spec?(): ComponentSpec | null;
}

/** How a sampler that models parameters jointly samples the ones it leaves out; see {@link Sampler.independentSampling}. */
export interface IndependentSampling {
  /** How `sampleIndependent` draws such a parameter, as a phrase: "at random", "by univariate TPE". */
  readonly how: string;
  /**
   * Complete trials before the model starts (its startup, sampled independently by design): the
   * study warns of nothing earlier.
   */
  readonly startupTrials: number;
  /** Distribution types the model never takes (CMA-ES, TuRBO: `["categorical"]`); default none. */
  readonly unmodelledTypes?: readonly Distribution["type"][];
  /** The sampler as the warning names it (default: "the NAME sampler"), e.g. "the gp sampler (auto's choice)". */
  readonly sampler?: string;
}

/** Thrown by a sampler that has nothing left to propose (e.g. an exhausted grid); the study stops cleanly. */
export class SamplerExhaustedError extends Error {
  override name = "SamplerExhaustedError";
}
