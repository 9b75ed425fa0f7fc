/**
 * CMA-ES as a Sextant sampler: generations are replayed from the study's history, so every worker
 * and every resumed study rebuilds the same search distribution from the same trials.
 */
import { deriveSeed, Rng, seedOrRandom } from "../../math/rng.js";
import {
  type RawOptions,
  SEED_OPTION,
  defineOptions,
  parseOptions,
  type Direction,
  type Distribution,
  type FrozenTrial,
  IntersectionSearchSpace,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  SpaceEncoder,
  type StudySnapshot,
  FinishedCursor,
  decodeValue,
  gridCellAround,
  lossOf,
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
import type { DiscreteCoordinate } from "./margin.js";
import { CmaStrategy, type TerminationOptions, defaultPopulationSize } from "./strategy.js";

/** Options of {@link CmaEsSampler}. */
export interface CmaEsSamplerOptions {
  /** Seed of every random draw (default: random). Workers of one study should share it. */
  seed?: number;
  /** Initial step size in units of each parameter's encoded range [0, 1] (default 1/6, as Optuna). */
  sigma0?: number;
  /** λ of the first run (default 4 + ⌊3 ln n⌋). */
  populationSize?: number;
  /** `"ipop"` restarts with a larger population when a run converges or stalls; `"none"` never restarts (default `"ipop"`). */
  restartStrategy?: "ipop" | "none";
  /** Factor by which IPOP multiplies λ at each restart (default 2). */
  incPopSize?: number;
  /**
   * Complete trials sampled independently at random before CMA-ES starts; its first mean is the
   * best of the first `nStartupTrials` to finish (default 0: start at a seeded random point).
   */
  nStartupTrials?: number;
  /** Restart when σ·max(|p_c|, √diag C) < tolX in the unit cube (default 1e-12·σ0, Hansen's). */
  tolX?: number;
  /** Restart when recent best values span less than tolFun (default 1e-12). */
  tolFun?: number;
  /**
   * CMA-ES with Margin (Hamano et al., GECCO 2022) for int and stepped parameters: keeps the chance
   * that each of them leaves its current value at least 1/(N·λ), so the search does not freeze on
   * one grid point and repeat it (default false; no effect on a space without such parameters).
   */
  withMargin?: boolean;
  /**
   * Active covariance update (Hansen's tutorial default, and the `cmaes` package's): the worse half
   * of each generation gets negative recombination weights, so C also shrinks in directions that
   * gave bad points (default true; false for the positive-only update Sextant used before).
   */
  activeCovariance?: boolean;
}

/** Where the replayed optimizer stands for one study (see {@link CmaEsSampler.inspect}). */
export interface CmaEsStatus {
  readonly restart: number;
  readonly generation: number;
  readonly populationSize: number;
  readonly sigma: number;
  /** Condition number of the covariance matrix C (how elongated the search distribution has become). */
  readonly condition: number;
  readonly mean: readonly number[];
  /** CMA-ES with Margin's diagonal A per parameter: how far draws of a discrete one are stretched about the mean (all 1 without margin). */
  readonly marginScale: readonly number[];
  readonly parameterNames: readonly string[];
  /** Why each earlier run was restarted (Hansen's criteria, or "identical" when a whole generation decoded to one point). */
  readonly restartReasons: readonly string[];
}

interface StudyState {
  readonly intersection: IntersectionSearchSpace;
  /** How much of `snapshot.finished` was read, to detect a different history under the same study id. */
  readonly cursor: FinishedCursor;
  spaceHash: string;
  encoder: SpaceEncoder;
  readCount: number;
  /** Complete trials of the space read before CMA-ES started; once it has, the ones its first mean came from. */
  startup: FrozenTrial[];
  /** Complete trials tagged with this space, keyed by "restart:generation", in the order they finished. */
  buckets: Map<string, FrozenTrial[]>;
  /** The last to finish of the trials each told generation (and the startup set, as STARTUP) was made of. */
  decidedLast: Map<string, FrozenTrial>;
  restart: number;
  generation: number;
  strategy: CmaStrategy | null;
  restartReasons: string[];
  /** The seed of the first and restart means: the study's (`cmaes:seed`), else this sampler's. */
  readonly stateSeed: number;
}

const TAG_SPACE = "cmaes:space";
const TAG_RESTART = "cmaes:restart";
const TAG_GENERATION = "cmaes:generation";
const TAG_INDIVIDUAL = "cmaes:individual";
const TAG_POPSIZE = "cmaes:popsize";
const TAG_POINT = "cmaes:x";
/** The seed of the first and restart means, on the study and on each trial CMA-ES samples. */
const STUDY_SEED = "cmaes:seed";
/** The key of the startup set in `decidedLast`. */
const STARTUP = "startup";

/**
 * The covariance matrix adaptation evolution strategy with IPOP restarts, for continuous and
 * integer parameters (categoricals are sampled independently at random).
 *
 * Implements Hansen's tutorial (arXiv:1604.00772, 2016): weighted recombination of the best μ = ⌊λ/2⌋
 * of λ points, cumulative step-size adaptation, rank-one and rank-μ covariance updates with the
 * published default constants, including negative weights for the worse half in the rank-μ update
 * (active CMA, Jastrebski & Arnold 2006; `activeCovariance: false` turns them off), and the IPOP
 * restart scheme of Auger & Hansen (CEC 2005): when a run meets one of Hansen's termination
 * criteria (TolX, TolFun, TolUpSigma, condition of C above 1e14, NoEffectAxis/Coord, Stagnation) it
 * restarts at a random point with the population multiplied by `incPopSize`.
 *
 * With `withMargin: true` it is CMA-ES with Margin (Hamano, Saito, Nomura, Shirakawa, GECCO 2022,
 * arXiv:2205.13482; Optuna's `CmaEsSampler(with_margin=True)`): after each generation the mean and
 * a per-parameter scaling of every int and stepped float are corrected so that the chance of
 * leaving the current value stays at least 1/(N·λ) (see `margin.ts`). Plain CMA-ES freezes such a
 * parameter once σ is below its step and then proposes the same point again and again.
 *
 * How it fits the ask/tell, multi-worker contract:
 * - It works on the unit cube of the {@link SpaceEncoder}; ints and stepped floats are rounded by
 *   decoding. Draws outside the cube are redrawn (up to 100 times) and then clipped.
 * - Each trial is tagged with `cmaes:restart`, `cmaes:generation`, `cmaes:individual` (an ordinal,
 *   best effort under concurrency), `cmaes:popsize`, `cmaes:space` (a hash of the space) and
 *   `cmaes:x` (the unrounded point, before the margin's scaling). The state is never stored:
 *   every process replays it from the snapshot, advancing a generation once λ complete trials
 *   carry its tag. The first λ to finish (by finish time, then number) form the generation; later ones
 *   stay in the history but do not move the distribution (a worker that reads a finish late,
 *   after deciding without it, replays from its snapshot). Failed and pruned trials do not count,
 *   so their slots are filled by new trials.
 * - A trial's draw is a function of (seed, restart, generation, trial number) and the replayed
 *   state, so concurrent trials of one generation never collide and the same seed and history give
 *   the same suggestion. The first and restart means come from one seed per study, recorded on
 *   every trial CMA-ES samples (`cmaes:seed`; the lowest-numbered trial's decides), so resumed
 *   studies and other workers reproduce them even when each worker has a seed of its own.
 * - Single objective only.
 *
 * @example
 * const study = await createStudy({ sampler: new CmaEsSampler({ seed: 1 }) });
 * await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2 + t.suggestFloat("y", -5, 5) ** 2, { nTrials: 200 });
 */
export class CmaEsSampler implements Sampler {
  readonly name = "cmaes";
  /** It models the objective alone: a constrained study warns (see `Sampler.ignoresConstraints`). */
  readonly ignoresConstraints = true;
  readonly singleObjective = true;
  readonly seed: number;
  readonly sigma0: number;
  readonly populationSize: number | undefined;
  readonly restartStrategy: "ipop" | "none";
  readonly incPopSize: number;
  readonly nStartupTrials: number;
  readonly tolX: number;
  readonly tolFun: number;
  readonly withMargin: boolean;
  readonly activeCovariance: boolean;
  /** The seed hashed with the sampler's name, so its streams differ from other samplers' under the same seed. */
  private readonly streamSeed: number;
  private readonly states = new Map<string, StudyState>();
  private readonly tags = new Map<string, TrialTags>();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<CmaEsSamplerOptions>;

  constructor(options: CmaEsSamplerOptions = {}) {
    refuseUnknownOptions("cmaes sampler", options, CMAES_OPTIONS, []);
    this.given = { ...options };
    this.seed = seedOrRandom(options.seed, "CmaEsSampler");
    this.sigma0 = options.sigma0 ?? 1 / 6;
    this.populationSize = options.populationSize;
    this.restartStrategy = options.restartStrategy ?? "ipop";
    this.incPopSize = options.incPopSize ?? 2;
    this.nStartupTrials = options.nStartupTrials ?? 0;
    this.tolX = options.tolX ?? 1e-12 * this.sigma0;
    this.tolFun = options.tolFun ?? 1e-12;
    this.withMargin = options.withMargin ?? false;
    this.activeCovariance = options.activeCovariance ?? true;
    this.streamSeed = deriveSeed(this.seed, "cmaes");
    if (!(this.sigma0 > 0 && Number.isFinite(this.sigma0))) throw new RangeError(`cmaes: sigma0 must be a positive number, got ${this.sigma0}`);
    if (this.populationSize !== undefined && !(Number.isInteger(this.populationSize) && this.populationSize >= 2)) {
      throw new RangeError(`cmaes: populationSize must be an integer >= 2, got ${this.populationSize}`);
    }
    if (this.restartStrategy !== "ipop" && this.restartStrategy !== "none") {
      throw new RangeError(`cmaes: restartStrategy must be "ipop" or "none", got ${JSON.stringify(this.restartStrategy)}`);
    }
    if (!(this.incPopSize >= 1 && Number.isFinite(this.incPopSize))) throw new RangeError(`cmaes: incPopSize must be >= 1, got ${this.incPopSize}`);
    if (!(Number.isInteger(this.nStartupTrials) && this.nStartupTrials >= 0)) {
      throw new RangeError(`cmaes: nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`);
    }
    if (!(this.tolX >= 0) || !(this.tolFun >= 0)) throw new RangeError("cmaes: tolX and tolFun must be non-negative");
    if (typeof this.withMargin !== "boolean") throw new RangeError(`cmaes: withMargin must be true or false, got ${JSON.stringify(this.withMargin)}`);
    if (typeof this.activeCovariance !== "boolean") {
      throw new RangeError(`cmaes: activeCovariance must be true or false, got ${JSON.stringify(this.activeCovariance)}`);
    }
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, CMAES_OPTIONS);
  }

  inferRelativeSpace(snapshot: StudySnapshot): SearchSpace {
    if (snapshot.directions.length !== 1) {
      throw new Error(`the cmaes sampler supports one objective; this study has ${snapshot.directions.length}`);
    }
    const state = this.sync(snapshot);
    if (state.strategy === null) return {};
    const space: Record<string, Distribution> = {};
    state.encoder.names.forEach((name, i) => (space[name] = state.encoder.distributions[i]!));
    return space;
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const state = this.sync(snapshot);
    if (snapshot.systemAttrs[STUDY_SEED] === undefined) trial.setStudySystemAttr(STUDY_SEED, state.stateSeed);
    const strategy = state.strategy;
    if (strategy === null || state.encoder.names.some((name) => space[name] === undefined)) return {};
    const { restart, generation } = state;
    const rng = new Rng(deriveSeed(this.streamSeed, restart, generation, trial.number));
    const x = strategy.sample(rng);
    const individual = this.tagsOf(snapshot).count(`${state.spaceHash}|${restart}:${generation}`, trial.number);
    trial.setSystemAttr(TAG_SPACE, state.spaceHash);
    trial.setSystemAttr(TAG_RESTART, restart);
    trial.setSystemAttr(TAG_GENERATION, generation);
    trial.setSystemAttr(TAG_INDIVIDUAL, individual);
    trial.setSystemAttr(TAG_POPSIZE, strategy.lambda);
    trial.setSystemAttr(TAG_POINT, Array.from(x));
    trial.setSystemAttr(STUDY_SEED, state.stateSeed);
    return state.encoder.decode(strategy.evaluationPoint(x));
  }

  sampleIndependent(_snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    const rng = new Rng(deriveSeed(this.streamSeed, trial.number, name));
    return sampleUniform(rng, distribution);
  }

  /** Parameters out of its space are drawn at random; categoricals always are (see `Sampler.independentSampling`). */
  independentSampling(): IndependentSampling {
    return { how: "at random", startupTrials: Math.max(this.nStartupTrials, 1), unmodelledTypes: ["categorical"] };
  }

  /**
   * Where the replayed optimizer stands for a snapshot's study: restart, generation, λ, σ, mean.
   * For diagnostics and tests; null before CMA-ES has started.
   */
  inspect(snapshot: StudySnapshot): CmaEsStatus | null {
    const state = this.sync(snapshot);
    if (state.strategy === null) return null;
    return {
      restart: state.restart,
      generation: state.generation,
      populationSize: state.strategy.lambda,
      sigma: state.strategy.sigma,
      condition: state.strategy.condition,
      mean: Array.from(state.strategy.mean),
      marginScale: Array.from(state.strategy.scale),
      parameterNames: state.encoder.names,
      restartReasons: [...state.restartReasons],
    };
  }

  /**
   * The seed of the study's first and restart means, which every worker must share: the one on
   * its lowest-numbered trial that carries one, else the study's attribute (studies older than
   * the trial tag), else this sampler's. A study attribute alone cannot settle it: workers that
   * loaded the study before any trial was sampled each store their own seed there and never read
   * the others', whereas every worker reads the trials.
   */
  private studySeed(snapshot: StudySnapshot): number {
    const onTrials = this.tagsOf(snapshot).update(snapshot.trials).firstSeed();
    if (onTrials !== undefined) return onTrials;
    const stored = snapshot.systemAttrs[STUDY_SEED];
    return typeof stored === "number" ? stored : this.seed;
  }

  private tagsOf(snapshot: StudySnapshot): TrialTags {
    let tags = this.tags.get(studyKeyOf(snapshot));
    if (tags === undefined) this.tags.set(studyKeyOf(snapshot), (tags = new TrialTags()));
    return tags;
  }

  /** Brings the cached state of the snapshot's study up to date with its finished trials. */
  private sync(snapshot: StudySnapshot): StudyState {
    let state = this.states.get(studyKeyOf(snapshot));
    const finished = snapshot.finished;
    if (state !== undefined && !state.cursor.continues(snapshot)) {
      // Another history under the same study key: what was read of the old one is void.
      this.tags.delete(studyKeyOf(snapshot));
      state = undefined;
    }
    const stateSeed = this.studySeed(snapshot);
    // Workers started without a seed each have their own, and one that built its state from its
    // own may see a trial of another worker's that decides the study's: it starts over with that.
    if (state === undefined || state.stateSeed !== stateSeed) {
      state = {
        intersection: new IntersectionSearchSpace(false),
        cursor: new FinishedCursor(),
        spaceHash: "",
        encoder: new SpaceEncoder({}),
        readCount: 0,
        startup: [],
        buckets: new Map(),
        decidedLast: new Map(),
        restart: 0,
        generation: 0,
        strategy: null,
        restartReasons: [],
        stateSeed,
      };
      this.states.set(studyKeyOf(snapshot), state);
    }

    const space = numericSpace(state.intersection.calculate(snapshot));
    const spaceHash = searchSpaceFingerprint(space);
    if (spaceHash !== state.spaceHash) {
      // The space shrank (a parameter stopped appearing): start over on the new one.
      state.spaceHash = spaceHash;
      state.encoder = new SpaceEncoder(space);
      state.readCount = 0;
      state.startup = [];
      state.buckets = new Map();
      state.decidedLast = new Map();
      state.restart = 0;
      state.generation = 0;
      state.strategy = null;
      state.restartReasons = [];
    }
    state.cursor.markRead(snapshot);
    if (state.encoder.dimension === 0) {
      state.readCount = finished.length;
      return state;
    }

    // A trial read now that finished before one a past decision was made of (its write became
    // visible late, as PostgreSQL's can under concurrent workers) belongs in that decision.
    let decidedTooEarly = false;
    const finishedBefore = (trial: FrozenTrial, key: string): boolean => {
      const last = state.decidedLast.get(key);
      return last !== undefined && byFinish(trial, last) < 0;
    };
    for (; state.readCount < finished.length; state.readCount++) {
      const trial = finished[state.readCount]!;
      if (trial.state !== "complete" || trialValue(trial) === undefined) continue;
      if (this.nStartupTrials > 0 && state.encoder.names.every((n) => trial.params[n] !== undefined)) {
        if (state.strategy === null) state.startup.push(trial);
        else if (finishedBefore(trial, STARTUP)) decidedTooEarly = true;
      }
      if (trial.systemAttrs[TAG_SPACE] !== spaceHash) continue;
      const key = bucketKey(trial.systemAttrs[TAG_RESTART], trial.systemAttrs[TAG_GENERATION]);
      if (key === null) continue;
      if (state.decidedLast.has(key)) {
        if (finishedBefore(trial, key)) decidedTooEarly = true;
        continue;
      }
      const bucket = state.buckets.get(key);
      if (bucket) bucket.push(trial);
      else state.buckets.set(key, [trial]);
    }
    if (decidedTooEarly) {
      // Replay from the whole snapshot, as a fresh process would.
      this.states.delete(studyKeyOf(snapshot));
      return this.sync(snapshot);
    }
    this.advance(state, snapshot);
    return state;
  }

  /** Tells the strategy every generation that is complete, restarting where a criterion says so. */
  private advance(state: StudyState, snapshot: StudySnapshot): void {
    const direction = snapshot.directions[0]!;
    for (;;) {
      if (state.strategy === null) {
        if (state.startup.length < this.nStartupTrials) return;
        // The first to finish, as for a generation: the order in which this process saw them
        // finish is its own (a resumed one reads them by number).
        state.startup = [...state.startup].sort(byFinish).slice(0, this.nStartupTrials);
        if (state.startup.length > 0) state.decidedLast.set(STARTUP, state.startup.at(-1)!);
        state.strategy = this.newStrategy(state, this.initialMean(state, direction));
      }
      const strategy = state.strategy;
      const key = `${state.restart}:${state.generation}`;
      const bucket = state.buckets.get(key);
      if (!bucket || bucket.length < strategy.lambda) return;
      // First λ to finish: the same set in every process that has seen them.
      const chosen = [...bucket].sort(byFinish).slice(0, strategy.lambda);
      state.buckets.delete(key);
      state.decidedLast.set(key, chosen.at(-1)!);
      // NaN (a complete trial can have it when imported) ranks last rather than scrambling the sort.
      strategy.tell(chosen.map((t) => ({ x: this.pointOf(state.encoder, strategy, t), value: lossOf(direction, trialValue(t)!) })));
      let reason = strategy.stopReason();
      if (reason === null && allSameParams(chosen, state.encoder.names)) reason = "identical";
      if (reason !== null && this.restartStrategy === "ipop") {
        state.restartReasons.push(reason);
        state.restart += 1;
        state.generation = 0;
        const rng = new Rng(deriveSeed(deriveSeed(state.stateSeed, "cmaes:restart"), state.restart));
        state.strategy = this.newStrategy(state, Array.from({ length: state.encoder.dimension }, () => rng.uniform()));
      } else {
        state.generation += 1;
      }
    }
  }

  private newStrategy(state: StudyState, mean: ArrayLike<number>): CmaStrategy {
    const n = state.encoder.dimension;
    const base = this.populationSize ?? defaultPopulationSize(n);
    const lambda = Math.max(2, Math.round(base * this.incPopSize ** state.restart));
    const termination: TerminationOptions = { tolX: this.tolX, tolFun: this.tolFun, tolXUp: 1e4, maxCondition: 1e14 };
    const coordinates = this.withMargin ? discreteCoordinates(state.encoder) : [];
    return new CmaStrategy(mean, this.sigma0, lambda, termination, {
      margin: coordinates.length > 0 ? { coordinates } : undefined,
      activeCovariance: this.activeCovariance,
    });
  }

  /**
   * A seeded random point of the cube (drawn like the restart means), or the best startup trial
   * when there were startup trials. Not the centre: starting there would favour problems whose
   * optimum happens to sit in the middle of the space.
   */
  private initialMean(state: StudyState, direction: Direction): Float64Array {
    if (state.startup.length === 0) {
      const rng = new Rng(deriveSeed(deriveSeed(state.stateSeed, "cmaes:restart"), 0));
      return Float64Array.from({ length: state.encoder.dimension }, () => rng.uniform());
    }
    let best = state.startup[0]!;
    for (const t of state.startup) if (lossOf(direction, trialValue(t)!) < lossOf(direction, trialValue(best)!)) best = t;
    return state.encoder.encode(best.params);
  }

  /**
   * The unrounded point the trial was drawn at if its parameters still match it, else its encoded
   * parameters (mapped back through the margin's scaling, when there is one). `strategy` is the
   * one the trial's generation was drawn from, so its mean and A are those of the draw.
   */
  private pointOf(encoder: SpaceEncoder, strategy: CmaStrategy, trial: FrozenTrial): Float64Array {
    const stored = trial.systemAttrs[TAG_POINT];
    if (Array.isArray(stored) && stored.length === encoder.dimension && stored.every((v) => typeof v === "number" && Number.isFinite(v))) {
      const point = Float64Array.from(stored as number[]);
      const evaluated = strategy.evaluationPoint(point);
      const matches = encoder.names.every((name, i) => decodeValue(encoder.distributions[i]!, evaluated[i]!) === trial.params[name]);
      if (matches) return point;
    }
    return strategy.rawPoint(encoder.encode(trial.params));
  }
}

/**
 * The CMA-ES tags of a study's trials, read incrementally (rereading every trial at each
 * suggestion made a study's sampling quadratic in its length): a trial's tags are final once it
 * has them, and only a trial still running or waiting can get them later, so each update reads the
 * trials added since the last one and rereads the unfinished ones.
 */
class TrialTags {
  private readonly members = new Map<string, Set<number>>();
  private scanned = 0;
  private unfinished: number[] = [];
  /** The seed on the lowest-numbered trial that carries one. */
  private seed: { readonly value: number; readonly number: number } | null = null;

  update(trials: readonly FrozenTrial[]): this {
    if (trials.length < this.scanned) {
      this.members.clear();
      this.scanned = 0;
      this.unfinished = [];
      this.seed = null;
    }
    const recheck = this.unfinished;
    this.unfinished = [];
    for (const index of recheck) this.read(trials, index);
    for (; this.scanned < trials.length; this.scanned++) this.read(trials, this.scanned);
    return this;
  }

  /** How many trials but `except` are tagged with `key` ("space|restart:generation"), as of the last update. */
  count(key: string, except: number): number {
    const members = this.members.get(key);
    return members === undefined ? 0 : members.size - (members.has(except) ? 1 : 0);
  }

  firstSeed(): number | undefined {
    return this.seed?.value;
  }

  private read(trials: readonly FrozenTrial[], index: number): void {
    const trial = trials[index]!;
    const { [TAG_SPACE]: space, [TAG_RESTART]: restart, [TAG_GENERATION]: generation, [STUDY_SEED]: seed } = trial.systemAttrs;
    if (typeof seed === "number" && (this.seed === null || trial.number < this.seed.number)) this.seed = { value: seed, number: trial.number };
    if (typeof space === "string" && typeof restart === "number" && typeof generation === "number") {
      const key = `${space}|${restart}:${generation}`;
      const members = this.members.get(key);
      if (members) members.add(trial.number);
      else this.members.set(key, new Set([trial.number]));
    } else if (trial.state === "running" || trial.state === "waiting") {
      this.unfinished.push(index);
    }
  }
}

function bucketKey(restart: unknown, generation: unknown): string | null {
  if (typeof restart !== "number" || typeof generation !== "number") return null;
  return `${restart}:${generation}`;
}

/** The numeric parameters with more than one value: what CMA-ES models. */
function numericSpace(space: SearchSpace): SearchSpace {
  const result: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(space)) {
    if (distribution.type !== "categorical" && distribution.high > distribution.low) result[name] = distribution;
  }
  return result;
}

/** The coordinates of the encoder's ints and stepped floats, for CMA-ES with Margin. */
function discreteCoordinates(encoder: SpaceEncoder): DiscreteCoordinate[] {
  const coordinates: DiscreteCoordinate[] = [];
  encoder.distributions.forEach((distribution, index) => {
    if (distribution.type === "categorical" || gridCellAround(distribution, 0.5) === undefined) return;
    coordinates.push({ index, cellAround: (unit) => gridCellAround(distribution, unit)! });
  });
  return coordinates;
}

function allSameParams(trials: readonly FrozenTrial[], names: readonly string[]): boolean {
  const first = trials[0]!;
  return trials.every((t) => names.every((n) => t.params[n] === first.params[n]));
}

/** The options of the `cmaes` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const CMAES_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  sigma0: { kind: "number", min: 0, exclusiveMin: true, default: "1/6", description: "initial step size in units of each parameter's range" },
  populationSize: { kind: "integer", min: 2, default: "4 + floor(3 ln d)", description: "offspring per generation of the first run" },
  restartStrategy: { kind: "enum", values: ["ipop", "none"], default: "ipop", description: "ipop restarts with a larger population when a run stalls" },
  incPopSize: { kind: "number", min: 1, default: 2, description: "factor by which each IPOP restart multiplies the population" },
  nStartupTrials: { kind: "integer", min: 0, default: 0, description: "random trials first; CMA-ES then starts at the best of them" },
  tolX: { kind: "number", min: 0, default: "1e-12 * sigma0", description: "restart when the step size falls below this" },
  tolFun: { kind: "number", min: 0, default: 1e-12, description: "restart when recent best values span less than this" },
  withMargin: { kind: "boolean", default: false, description: "CMA-ES with Margin (Hamano et al. 2022): keeps int and stepped parameters from freezing" },
  activeCovariance: { kind: "boolean", default: true, description: "negative covariance weights for the worse half (active CMA); false for positive ones only" },
});

/**
 * Builds a {@link CmaEsSampler} from CLI-style options (`--sampler-opt sigma0=0.2`) read against
 * {@link CMAES_OPTIONS}: values may be strings; keys may be camelCase, snake_case or kebab-case.
 * Unknown keys and bad values throw an `OptionError` naming them.
 *
 * @example
 * createCmaEsSamplerFromOptions({ seed: "1", populationSize: "12", restart_strategy: "none" })
 */
export function createCmaEsSamplerFromOptions(options: RawOptions): CmaEsSampler {
  return new CmaEsSampler(parseOptions("cmaes sampler", options, CMAES_OPTIONS));
}
