import { deriveSeed, Rng, seedOrRandom } from "../math/rng.js";
import { type Distribution, type ParamValue, SEED_OPTION, type SamplingTrial, type SearchSpace, decodeValue, defineOptions, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../space/index.js";
import type { Sampler } from "./base.js";

/** The options of the `random` sampler: only its seed. */
export const RANDOM_OPTIONS = defineOptions({ seed: SEED_OPTION });

/**
 * Independent uniform sampling: every parameter is drawn uniformly from its distribution (on the
 * log scale for log distributions, uniformly over the grid for stepped and integer ones). The
 * baseline every other sampler must beat, and the startup phase of most of them.
 *
 * @example
 * const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
 */
export class RandomSampler implements Sampler {
  readonly name = "random";
  /** Each draw depends only on the seed, the trial number and the parameter name. */
  readonly usesHistory = false;
  readonly seed: number;

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<{ seed?: number }>;

  constructor(options: { seed?: number } = {}) {
    refuseUnknownOptions("random sampler", options, RANDOM_OPTIONS, []);
    this.given = { ...options };
    this.seed = seedOrRandom(options.seed, "RandomSampler");
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, RANDOM_OPTIONS);
  }

  inferRelativeSpace(): SearchSpace {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  sampleIndependent(_snapshot: unknown, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    // One stream per (trial, parameter): the draw does not depend on what else was sampled or in which order.
    const rng = new Rng(deriveSeed(this.seed, trial.number, name));
    return sampleUniform(rng, distribution);
  }
}

/** A uniform draw from any distribution. */
export function sampleUniform(rng: Rng, distribution: Distribution): ParamValue {
  return decodeValue(distribution, rng.uniform());
}
