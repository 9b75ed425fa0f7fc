import { haltonPoint } from "../math/halton.js";
import { deriveSeed, Rng, seedOrRandom } from "../math/rng.js";
import { sobolPoint } from "../math/sobol.js";
import { JOE_KUO_DIMENSIONS } from "../math/sobol-directions.js";
import {
  type Distribution,
  type JsonValue,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  type StudySnapshot,
  SpaceEncoder,
  isSingleValue,
  validateDistribution,
  type RawOptions,
  SEED_OPTION,
  defineOptions,
  parseOptions,
  studyKeyOf,
  refuseUnknownOptions,
  componentSpec,
  type ComponentSpec,
} from "../space/index.js";
import type { IndependentSampling, Sampler } from "./base.js";
import { sampleUniform } from "./random.js";

export interface QmcSamplerOptions {
  /** Seeds the scrambling and the independent draws. Workers sharing a study must share it. */
  seed?: number;
  /** Randomize the sequence (default true); an unscrambled sequence is the same for every seed from trial 1 on (trial 0 is drawn at random, see the class). */
  scramble?: boolean;
}

/** The study system attribute holding the space the quasi-random points cover, so every worker and every resumed run uses the same one. */
export const QMC_SPACE_ATTR = "qmc:space";

/**
 * What the Sobol and Halton samplers share: the space fixed at the first finished trial, point k
 * of the sequence for trial number k, and independent uniform draws for everything else.
 */
abstract class QuasiRandomSampler implements Sampler {
  abstract readonly name: string;
  readonly seed: number;
  readonly scramble: boolean;
  private readonly spaces = new Map<string, { space: SearchSpace; encoder: SpaceEncoder }>();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<QmcSamplerOptions>;

  constructor(options: QmcSamplerOptions = {}) {
    refuseUnknownOptions("qmc sampler", options, QMC_OPTIONS, []);
    this.given = { ...options };
    this.seed = seedOrRandom(options.seed, this.constructor.name);
    this.scramble = options.scramble ?? true;
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, QMC_OPTIONS);
  }

  /** Point `index` of the sequence in [0, 1)^dimension. */
  protected abstract pointAt(index: number, dimension: number): ArrayLike<number>;

  inferRelativeSpace(snapshot: StudySnapshot, trial: SamplingTrial): SearchSpace {
    const known = this.spaces.get(studyKeyOf(snapshot));
    if (known) return known.space;
    const stored = storedSpace(snapshot);
    const space = stored ?? firstTrialSpace(snapshot);
    if (space === null) return {};
    this.spaces.set(studyKeyOf(snapshot), { space, encoder: new SpaceEncoder(space) });
    if (stored === null) trial.setStudySystemAttr(QMC_SPACE_ATTR, space as unknown as JsonValue);
    return space;
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const known = this.spaces.get(studyKeyOf(snapshot));
    const encoder = known && known.space === space ? known.encoder : new SpaceEncoder(space);
    if (encoder.dimension === 0) return {};
    // Random access by trial number: workers need no shared counter, and a trial's point depends only on its number.
    return encoder.decode(this.pointAt(trial.number, encoder.dimension));
  }

  sampleIndependent(_snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    return sampleUniform(new Rng(deriveSeed(this.seed, trial.number, name)), distribution);
  }

  /** Parameters out of the space the first finished trial fixed are drawn at random, off the sequence. */
  independentSampling(): IndependentSampling {
    return { how: "at random", startupTrials: 1 };
  }
}

/**
 * Quasi-random search with a (scrambled) Sobol sequence: points fill the unit cube far more
 * evenly than independent uniform draws, so a small budget covers the space without clumps or
 * holes. As Optuna's `QMCSampler`, the jointly sampled space is fixed by the first trial that
 * completed or was pruned (parameters with a single possible value are left out); trials before
 * it, and parameters outside it (conditional branches), are sampled uniformly at random. Unlike
 * Optuna, categorical parameters are part of the sequence too: each choice owns an equal cell of
 * its coordinate, so choices are stratified like everything else.
 *
 * Trial number k evaluates point k of the sequence, so workers sharing a study (and the same
 * seed) never need to coordinate and never duplicate a point. Point 0, which for an unscrambled
 * Sobol sequence is the corner of lower bounds, belongs to trial 0, which always runs before the
 * space is known and is therefore sampled at random: in practice the sequence starts at point 1.
 * The space is stored on the study (`qmc:space`) so a resumed study keeps it.
 *
 * References: I. M. Sobol', "On the distribution of points in a cube and the approximate
 * evaluation of integrals", USSR Comput. Math. Math. Phys. 7(4), 1967; S. Joe and F. Y. Kuo,
 * "Constructing Sobol sequences with better two-dimensional projections", SIAM J. Sci. Comput.
 * 30(5), 2008 (direction numbers); Bergstra & Bengio, "Random Search for Hyper-Parameter
 * Optimization", JMLR 13, 2012 (low-discrepancy sequences for hyperparameter search).
 *
 * @example
 * const study = await createStudy({ sampler: new SobolSampler({ seed: 7 }) });
 * await study.optimize((trial) => trial.suggestFloat("x", -5, 5) ** 2 + trial.suggestFloat("y", -5, 5) ** 2, { nTrials: 64 });
 */
export class SobolSampler extends QuasiRandomSampler {
  readonly name = "sobol";

  protected pointAt(index: number, dimension: number): ArrayLike<number> {
    if (dimension <= JOE_KUO_DIMENSIONS) return sobolPoint(index, dimension, { scramble: this.scramble, seed: this.seed });
    // Beyond the shipped direction numbers, the extra coordinates are plain uniform draws.
    const point = new Float64Array(dimension);
    point.set(sobolPoint(index, JOE_KUO_DIMENSIONS, { scramble: this.scramble, seed: this.seed }));
    const rng = new Rng(deriveSeed(this.seed, index, "sobol-overflow"));
    for (let j = JOE_KUO_DIMENSIONS; j < dimension; j++) point[j] = rng.uniform();
    return point;
  }
}

/**
 * Quasi-random search with a (scrambled) Halton sequence: coordinate j is the radical inverse of
 * the point's index in the j-th prime base. Evenly spread in low dimensions and cheap to compute;
 * scrambling (random digit permutations per base) removes the correlation between coordinates
 * that unscrambled Halton points show in higher dimensions. Otherwise it behaves exactly as
 * {@link SobolSampler}: space fixed by the first complete or pruned trial, point k for trial number k,
 * uniform random draws before and outside that space.
 *
 * References: J. H. Halton, "On the efficiency of certain quasi-random sequences of points in
 * evaluating multi-dimensional integrals", Numer. Math. 2, 1960; A. B. Owen, "A randomized
 * Halton algorithm in R", arXiv:1706.02808, 2017 (scrambling).
 *
 * @example
 * const study = await createStudy({ sampler: new HaltonSampler({ seed: 7 }) });
 * await study.optimize((trial) => trial.suggestFloat("x", -5, 5) ** 2 + trial.suggestInt("n", 1, 10), { nTrials: 50 });
 */
export class HaltonSampler extends QuasiRandomSampler {
  readonly name = "halton";

  protected pointAt(index: number, dimension: number): ArrayLike<number> {
    return haltonPoint(index, dimension, { scramble: this.scramble, seed: this.seed });
  }
}

/** The parameters of the lowest-numbered complete or pruned trial, without the single-valued ones (nothing to sample there). */
function firstTrialSpace(snapshot: StudySnapshot): SearchSpace | null {
  let first: (typeof snapshot.finished)[number] | undefined;
  for (const trial of snapshot.finished) {
    if ((trial.state === "complete" || trial.state === "pruned") && (first === undefined || trial.number < first.number)) first = trial;
  }
  if (first === undefined) return null;
  const space: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(first.distributions)) {
    if (!isSingleValue(distribution)) space[name] = distribution;
  }
  return space;
}

/** The space recorded on the study by an earlier run or another worker, if it is well formed. */
function storedSpace(snapshot: StudySnapshot): SearchSpace | null {
  const stored = snapshot.systemAttrs[QMC_SPACE_ATTR];
  if (stored === null || stored === undefined || typeof stored !== "object" || Array.isArray(stored)) return null;
  const space: Record<string, Distribution> = {};
  try {
    for (const [name, distribution] of Object.entries(stored)) {
      space[name] = validateDistribution(distribution as unknown as Distribution, name);
    }
  } catch {
    return null;
  }
  return space;
}

/** The options of the `sobol` and `halton` samplers, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const QMC_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  scramble: { kind: "boolean", default: true, description: "randomize the sequence; unscrambled it is the same for every seed from trial 1 on (trial 0 runs before the space is known and is drawn at random)" },
});

/**
 * Builds a {@link SobolSampler} from CLI-style options (`--sampler sobol --sampler-opt scramble=false`):
 * `seed` and `scramble`; anything else is an error naming the key.
 *
 * @example
 * createSobolSamplerFromOptions({ seed: 3, scramble: "false" })
 */
export function createSobolSamplerFromOptions(options: RawOptions): SobolSampler {
  return new SobolSampler(parseOptions("sobol sampler", options, QMC_OPTIONS));
}

/**
 * Builds a {@link HaltonSampler} from CLI-style options: `seed` and `scramble`; anything else is
 * an error naming the key.
 *
 * @example
 * createHaltonSamplerFromOptions({ seed: 3, scramble: "true" })
 */
export function createHaltonSamplerFromOptions(options: RawOptions): HaltonSampler {
  return new HaltonSampler(parseOptions("halton sampler", options, QMC_OPTIONS));
}
