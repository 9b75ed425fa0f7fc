/**
 * The cross-entropy method as a Sextant sampler: a simple elite-fitting baseline.
 */
import { deriveSeed, Rng, seedOrRandom } from "../../math/rng.js";
import {
  type RawOptions,
  SEED_OPTION,
  defineOptions,
  parseOptions,
  type Distribution,
  IntersectionSearchSpace,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  SpaceEncoder,
  type StudySnapshot,
  type FrozenTrial,
  FinishedCursor,
  decodeValue,
  effectiveStep,
  searchSpaceFingerprint,
  trialValue,
  studyKeyOf,
  refuseUnknownOptions,
  componentSpec,
  type ComponentSpec,
} from "../../space/index.js";
import type { IndependentSampling, Sampler } from "../base.js";
import { byFinish } from "../history.js";
import { sampleUniform } from "../random.js";

/** Options of {@link CemSampler}. */
export interface CemSamplerOptions {
  /** Seed of every random draw (default: random). */
  seed?: number;
  /** Complete trials sampled uniformly before the first fit (default 10). */
  nStartupTrials?: number;
  /** ρ: the fraction of complete trials that forms the elite (default 0.15; at least 2 trials). */
  eliteFraction?: number;
  /** α: weight of the new elite fit against the previous distribution, in (0, 1] (default 0.7). */
  smoothing?: number;
  /** Complete trials per CEM iteration: the distribution is refitted every this many (default 10). */
  batchSize?: number;
  /**
   * q of Kroese, Porotsky & Rubinstein's dynamic smoothing of σ (2006): at iteration t the σ update
   * has weight α·(1 − (1 − 1/t)^q), which falls with t and so guards against premature convergence.
   * 0 turns it off (σ is smoothed with α like the mean). Default 2.
   */
  sigmaSmoothingPower?: number;
  /** Floor on each numeric standard deviation, in units of the encoded range [0, 1] (default 0.01). */
  minSigma?: number;
  /** Share of probability spread uniformly over a categorical's choices when sampling, so none is ever ruled out (default 0.05). */
  categoricalFloor?: number;
}

/** The fitted distribution for one study (see {@link CemSampler.inspect}). */
export interface CemStatus {
  readonly iterations: number;
  readonly parameterNames: readonly string[];
  /** Per parameter: mean and standard deviation on the unit cube for numeric ones, choice probabilities for categoricals. */
  readonly parameters: readonly ({ readonly mean: number; readonly sigma: number } | { readonly probabilities: readonly number[] })[];
}

interface CemState {
  readonly intersection: IntersectionSearchSpace;
  /** How much of `snapshot.finished` was read, to detect a different history under the same study id. */
  readonly cursor: FinishedCursor;
  spaceHash: string;
  encoder: SpaceEncoder;
  readCount: number;
  /** The complete trials, encoded, with their values to minimize, in the order they finished (see {@link byFinish}). */
  points: { trial: FrozenTrial; x: Float64Array; value: number }[];
  /** How many of the first `points` the fit has used: one that finished before the last of them makes it replay. */
  fitted: number;
  nextUpdateAt: number;
  iterations: number;
  mean: Float64Array;
  sigma: Float64Array;
  probabilities: (Float64Array | null)[];
}

const UNIFORM_SIGMA = Math.sqrt(1 / 12);

/**
 * The cross-entropy method (Rubinstein, "The Cross-Entropy Method for Combinatorial and Continuous
 * Optimization", 1999; de Boer, Kroese, Mannor & Rubinstein, "A Tutorial on the Cross-Entropy
 * Method", 2005) on the encoded unit cube: an independent (diagonal) Gaussian per numeric parameter
 * and a categorical distribution per categorical one, refitted to the elite of the complete trials.
 *
 * - After `nStartupTrials` uniform trials, and then every `batchSize` complete trials, the elite is
 *   the best ⌈ρ·N⌉ (at least 2) of all N complete trials so far. Keeping the best of the whole
 *   history rather than of the last batch only (an elitist variant) suits small trial budgets.
 * - Updates are smoothed (de Boer et al., §3.2): mean ← α·elite mean + (1−α)·mean, and likewise for
 *   the choice probabilities; σ uses the dynamic weight α·(1 − (1 − 1/t)^q) of Kroese, Porotsky &
 *   Rubinstein (2006), which slows its collapse in later iterations and so guards against premature
 *   convergence. The first fit smooths against the uniform distribution (mean ½, σ = 1/√12, equal
 *   probabilities).
 * - σ never falls below `minSigma`, nor below a quarter of a grid cell for ints and stepped floats,
 *   so the search never freezes; draws outside [0, 1] are redrawn, then clipped.
 * - The distribution is a function of the complete trials in the order they finished (by the finish
 *   time the storage stamped, then number), replayed and cached per study; each draw comes from a
 *   stream seeded by (seed, trial number, parameter), so the same seed and history give the same
 *   suggestion, in this process, a resumed one or another worker. Failed and pruned trials are ignored.
 * - Single objective only.
 *
 * @example
 * const study = await createStudy({ sampler: new CemSampler({ seed: 1, eliteFraction: 0.2 }) });
 * await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2, { nTrials: 100 });
 */
export class CemSampler implements Sampler {
  readonly name = "cem";
  /** It models the objective alone: a constrained study warns (see `Sampler.ignoresConstraints`). */
  readonly ignoresConstraints = true;
  readonly singleObjective = true;
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly eliteFraction: number;
  readonly smoothing: number;
  readonly batchSize: number;
  readonly minSigma: number;
  readonly sigmaSmoothingPower: number;
  readonly categoricalFloor: number;
  /** The seed hashed with the sampler's name, so its streams differ from other samplers' under the same seed. */
  private readonly streamSeed: number;
  private readonly states = new Map<string, CemState>();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<CemSamplerOptions>;

  constructor(options: CemSamplerOptions = {}) {
    refuseUnknownOptions("cem sampler", options, CEM_OPTIONS, []);
    this.given = { ...options };
    this.seed = seedOrRandom(options.seed, "CemSampler");
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.eliteFraction = options.eliteFraction ?? 0.15;
    this.smoothing = options.smoothing ?? 0.7;
    this.batchSize = options.batchSize ?? 10;
    this.minSigma = options.minSigma ?? 0.01;
    this.categoricalFloor = options.categoricalFloor ?? 0.05;
    this.sigmaSmoothingPower = options.sigmaSmoothingPower ?? 2;
    if (!(this.sigmaSmoothingPower >= 0 && Number.isFinite(this.sigmaSmoothingPower))) {
      throw new RangeError(`cem: sigmaSmoothingPower must be a non-negative number, got ${this.sigmaSmoothingPower}`);
    }
    this.streamSeed = deriveSeed(this.seed, "cem");
    if (!(Number.isInteger(this.nStartupTrials) && this.nStartupTrials >= 0)) {
      throw new RangeError(`cem: nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`);
    }
    if (!(this.eliteFraction > 0 && this.eliteFraction <= 1)) throw new RangeError(`cem: eliteFraction must be in (0, 1], got ${this.eliteFraction}`);
    if (!(this.smoothing > 0 && this.smoothing <= 1)) throw new RangeError(`cem: smoothing must be in (0, 1], got ${this.smoothing}`);
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new RangeError(`cem: batchSize must be a positive integer, got ${this.batchSize}`);
    if (!(this.minSigma > 0 && this.minSigma <= 1)) throw new RangeError(`cem: minSigma must be in (0, 1], got ${this.minSigma}`);
    if (!(this.categoricalFloor >= 0 && this.categoricalFloor <= 1)) {
      throw new RangeError(`cem: categoricalFloor must be in [0, 1], got ${this.categoricalFloor}`);
    }
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, CEM_OPTIONS);
  }

  inferRelativeSpace(snapshot: StudySnapshot): SearchSpace {
    if (snapshot.directions.length !== 1) throw new Error(`the cem sampler supports one objective; this study has ${snapshot.directions.length}`);
    const state = this.sync(snapshot);
    if (state.iterations === 0) return {};
    const space: Record<string, Distribution> = {};
    state.encoder.names.forEach((name, i) => (space[name] = state.encoder.distributions[i]!));
    return space;
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const state = this.sync(snapshot);
    if (state.iterations === 0) return {};
    const params: Record<string, ParamValue> = {};
    state.encoder.names.forEach((name, i) => {
      if (space[name] === undefined) return;
      const distribution = state.encoder.distributions[i]!;
      const rng = new Rng(deriveSeed(this.streamSeed, trial.number, "relative", name));
      const probabilities = state.probabilities[i];
      if (probabilities) {
        const k = probabilities.length;
        const floored = probabilities.map((p) => (1 - this.categoricalFloor) * p + this.categoricalFloor / k);
        params[name] = decodeValue(distribution, (rng.weightedIndex(floored) + 0.5) / k);
      } else {
        params[name] = decodeValue(distribution, truncatedNormal(rng, state.mean[i]!, state.sigma[i]!));
      }
    });
    return params;
  }

  sampleIndependent(_snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    return sampleUniform(new Rng(deriveSeed(this.streamSeed, trial.number, name)), distribution);
  }

  /** Parameters out of its space are drawn at random; its first fit needs `max(2, nStartupTrials)` complete trials. */
  independentSampling(): IndependentSampling {
    return { how: "at random", startupTrials: Math.max(2, this.nStartupTrials) };
  }

  /** The fitted distribution for a snapshot's study, for diagnostics and tests. */
  inspect(snapshot: StudySnapshot): CemStatus {
    const state = this.sync(snapshot);
    return {
      iterations: state.iterations,
      parameterNames: state.encoder.names,
      parameters: state.encoder.names.map((_, i) => {
        const probabilities = state.probabilities[i];
        return probabilities ? { probabilities: Array.from(probabilities) } : { mean: state.mean[i]!, sigma: state.sigma[i]! };
      }),
    };
  }

  private sync(snapshot: StudySnapshot): CemState {
    const finished = snapshot.finished;
    let state = this.states.get(studyKeyOf(snapshot));
    if (state === undefined || !state.cursor.continues(snapshot)) {
      state = {
        intersection: new IntersectionSearchSpace(false),
        cursor: new FinishedCursor(),
        spaceHash: "",
        encoder: new SpaceEncoder({}),
        readCount: 0,
        points: [],
        fitted: 0,
        nextUpdateAt: 0,
        iterations: 0,
        mean: new Float64Array(0),
        sigma: new Float64Array(0),
        probabilities: [],
      };
      this.states.set(studyKeyOf(snapshot), state);
    }
    const space = modelledSpace(state.intersection.calculate(snapshot));
    const spaceHash = searchSpaceFingerprint(space);
    if (spaceHash !== state.spaceHash) {
      // The space shrank: the fit is a function of the history, so replay it on the new space.
      const encoder = new SpaceEncoder(space);
      state.spaceHash = spaceHash;
      state.encoder = encoder;
      state.readCount = 0;
      state.points = [];
      this.startFit(state);
    }
    state.cursor.markRead(snapshot);
    if (state.encoder.dimension === 0) {
      state.readCount = finished.length;
      return state;
    }
    const sign = snapshot.directions[0] === "maximize" ? -1 : 1;
    let late = false;
    for (; state.readCount < finished.length; state.readCount++) {
      const trial = finished[state.readCount]!;
      const value = trialValue(trial);
      if (trial.state !== "complete" || value === undefined) continue;
      if (state.encoder.names.some((n) => trial.params[n] === undefined)) continue;
      // Placed by when it finished, not when this process read it: concurrent trials finish out of
      // number order, and a resumed process or another worker reads them in another order, so
      // taking them as read made its batches, and so its suggestions, differ from this one's.
      let at = state.points.length;
      while (at > 0 && byFinish(state.points[at - 1]!.trial, trial) > 0) at--;
      if (at < state.fitted) late = true;
      state.points.splice(at, 0, { trial, x: state.encoder.encode(trial.params), value: sign * value });
    }
    // It belongs in a fit already made without it: replayed, as a fresh process would make it.
    if (late) this.startFit(state);
    while (state.points.length >= state.nextUpdateAt) {
      this.update(state, state.nextUpdateAt);
      state.fitted = state.nextUpdateAt;
      state.nextUpdateAt += this.batchSize;
    }
    return state;
  }

  /** Back to the uniform distribution, before any fit. */
  private startFit(state: CemState): void {
    const encoder = state.encoder;
    state.fitted = 0;
    state.nextUpdateAt = Math.max(2, this.nStartupTrials);
    state.iterations = 0;
    state.mean = new Float64Array(encoder.dimension).fill(0.5);
    state.sigma = new Float64Array(encoder.dimension).fill(UNIFORM_SIGMA);
    state.probabilities = encoder.distributions.map((d) =>
      d.type === "categorical" ? new Float64Array(d.choices.length).fill(1 / d.choices.length) : null,
    );
  }

  /** One smoothed CEM iteration on the elite of the first `count` points (all there were when it was due). */
  private update(state: CemState, count: number): void {
    const used = state.points.slice(0, count);
    const order = used.map((_, i) => i).sort((i, j) => used[i]!.value - used[j]!.value || i - j);
    const eliteCount = Math.min(used.length, Math.max(2, Math.ceil(this.eliteFraction * used.length)));
    const elite = order.slice(0, eliteCount).map((i) => used[i]!);
    const alpha = this.smoothing;
    const t = state.iterations + 1;
    const beta = this.sigmaSmoothingPower > 0 ? alpha * (1 - (1 - 1 / t) ** this.sigmaSmoothingPower) : alpha;
    state.encoder.distributions.forEach((distribution, i) => {
      const probabilities = state.probabilities[i];
      if (probabilities) {
        const k = probabilities.length;
        const counts = new Float64Array(k);
        for (const point of elite) counts[Math.min(k - 1, Math.floor(point.x[i]! * k))]! += 1;
        for (let j = 0; j < k; j++) probabilities[j] = alpha * (counts[j]! / eliteCount) + (1 - alpha) * probabilities[j]!;
        return;
      }
      let mean = 0;
      for (const point of elite) mean += point.x[i]!;
      mean /= eliteCount;
      let variance = 0;
      for (const point of elite) variance += (point.x[i]! - mean) ** 2;
      const sigma = Math.sqrt(variance / eliteCount);
      state.mean[i] = alpha * mean + (1 - alpha) * state.mean[i]!;
      state.sigma[i] = Math.max(sigmaFloor(distribution, this.minSigma), beta * sigma + (1 - beta) * state.sigma[i]!);
    });
    state.iterations += 1;
  }
}

/** Parameters with more than one possible value; single-valued ones are left to independent sampling. */
function modelledSpace(space: SearchSpace): SearchSpace {
  const result: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(space)) {
    const several = distribution.type === "categorical" ? distribution.choices.length > 1 : distribution.high > distribution.low;
    if (several) result[name] = distribution;
  }
  return result;
}

/** The σ floor: `minSigma`, or a quarter of a grid cell when the grid is coarser. */
function sigmaFloor(distribution: Distribution, minSigma: number): number {
  if (distribution.type === "categorical") return minSigma;
  const step = effectiveStep(distribution);
  if (step === undefined || distribution.log) {
    if (distribution.type === "int" && distribution.log) {
      const range = Math.log((distribution.high + 0.5) / (distribution.low - 0.5));
      // The widest int cell on a log scale is the first one.
      return Math.max(minSigma, (0.25 * Math.log((distribution.low + 0.5) / (distribution.low - 0.5))) / range);
    }
    return minSigma;
  }
  const cells = Math.round((distribution.high - distribution.low) / step) + 1;
  return Math.max(minSigma, 0.25 / cells);
}

/** A normal draw restricted to [0, 1]: redrawn up to 100 times, then clipped. */
function truncatedNormal(rng: Rng, mean: number, sigma: number): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = mean + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mean));
}

/** The options of the `cem` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const CEM_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  nStartupTrials: { kind: "integer", min: 0, default: 10, description: "uniform random trials before the first fit" },
  eliteFraction: { kind: "number", min: 0, exclusiveMin: true, max: 1, default: 0.15, description: "fraction of complete trials that forms the elite (rho)" },
  smoothing: { kind: "number", min: 0, exclusiveMin: true, max: 1, default: 0.7, description: "weight of the new elite fit against the previous distribution (alpha)" },
  batchSize: { kind: "integer", min: 1, default: 10, description: "complete trials between two refits" },
  minSigma: { kind: "number", min: 0, exclusiveMin: true, max: 1, default: 0.01, description: "floor of each numeric standard deviation, in units of the range" },
  sigmaSmoothingPower: { kind: "number", min: 0, default: 2, description: "exponent of the dynamic smoothing of standard deviations" },
  categoricalFloor: { kind: "number", min: 0, max: 1, default: 0.05, description: "probability spread uniformly over a categorical's choices" },
});

/**
 * Builds a {@link CemSampler} from CLI-style options (`--sampler-opt elite_fraction=0.2`) read
 * against {@link CEM_OPTIONS}: values may be strings; keys may be camelCase, snake_case or
 * kebab-case. Unknown keys and bad values throw an `OptionError` naming them.
 *
 * @example
 * createCemSamplerFromOptions({ seed: "1", elite_fraction: "0.2", smoothing: "0.8" })
 */
export function createCemSamplerFromOptions(options: RawOptions): CemSampler {
  return new CemSampler(parseOptions("cem sampler", options, CEM_OPTIONS));
}
