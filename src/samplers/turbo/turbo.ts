/**
 * TuRBO-1: Bayesian optimisation in one trust region (Eriksson, Pearce, Gardner, Turner & Poloczek
 * 2019, "Scalable Global Optimization via Local Bayesian Optimization", NeurIPS).
 *
 * A trial is either a point of a run's Latin-hypercube design or one step of the trust region:
 * 1. the run's complete trials are replayed in trial-number order (`replayTrustRegion`) to get the
 *    side length L and the success and failure counts, so the state is a function of the history
 *    and survives a restart of the process or several workers;
 * 2. a GP (Sextant's Matérn-5/2 ARD model of `../gp/`) is fitted to that run's observations only;
 * 3. the region is a box centred on the run's best point, of side L scaled by the lengthscales
 *    (normalised to geometric mean 1), clipped to the unit cube (`trustRegionBounds`);
 * 4. candidates are the centre with each coordinate replaced, with probability min(20/d, 1), by a
 *    Sobol point of the box (at least one coordinate per candidate);
 * 5. one Thompson sample of the posterior over all candidates picks the trial (`ThompsonSample`).
 *
 * @module
 */
import { deriveSeed, Rng, seedOrRandom } from "../../math/rng.js";
import { choleskySolve } from "../../math/linalg.js";
import { SobolSequence } from "../../math/sobol.js";
import {
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type RawOptions,
  type SamplingTrial,
  type SearchSpace,
  type StudySnapshot,
  IntersectionSearchSpace,
  SEED_OPTION,
  SpaceEncoder,
  cardinality,
  defineOptions,
  isSingleValue,
  parseOptions,
  refuseUnknownOptions,
  componentSpec,
  type ComponentSpec,
} from "../../space/index.js";
import type { IndependentSampling, Sampler } from "../base.js";
import { sampleUniform } from "../random.js";
import {
  FIT_MAX_OBSERVATIONS,
  FIT_MAX_OBSERVATIONS_OPTION,
  GaussianProcess,
  MIN_FIT_OBSERVATIONS,
  defaultPrior,
  defaultTheta,
  encodeTrial,
  fitHyperparameters,
  kernelFitPlan,
  matern52,
  parametersFromTheta,
  warpObservations,
} from "../gp/index.js";
import { latestEarlier } from "../history.js";
import { failuresArePredictable } from "../failures.js";

/** Options of {@link TurboSampler}; all optional. The defaults are the paper's (batch size 1) unless said otherwise. */
export interface TurboSamplerOptions {
  /** Seed of the designs, the candidates and the Thompson samples (default: random). */
  seed?: number;
  /** Latin-hypercube points at the start of each trust-region run (default: 2d, the paper's recommendation, at most 10). */
  nInitial?: number;
  /** Candidates per Thompson sample (default min(100d, 5000), the reference code's). */
  nCandidates?: number;
  /** Side length of a new trust region in the unit cube (default 0.8). */
  initialLength?: number;
  /** The region restarts once its side falls below this (default 2⁻⁷). */
  minLength?: number;
  /** The side never grows beyond this (default 1.6). */
  maxLength?: number;
  /** Consecutive improving steps that double the side (default 3). */
  successTolerance?: number;
  /** Consecutive steps without improvement that halve the side (default ⌈max(4, d)⌉, the paper's ⌈max(4/q, d/q)⌉ with q = 1). */
  failureTolerance?: number;
  /** Random Fourier features of the prior sample in the Thompson step (default 512). */
  nFeatures?: number;
  /** L-BFGS-B iterations per kernel fit start (default 50). */
  fitIterations?: number;
  /**
   * The most observations of the run a kernel hyperparameter fit sees (default 500, at least 20),
   * as the `gp` sampler's option of that name: beyond, θ is fitted on a quarter this many of the
   * best and the rest spread over the others in trial order, while the Thompson sample's posterior
   * still conditions on every observation. A fit on 1500 points of a 5-D run took over a minute.
   */
  fitMaxObservations?: number;
  /**
   * What failed trials (the objective threw or returned NaN) tell TuRBO. `"ignore"` (default):
   * nothing; its model is fitted on complete trials only and a failed step changes no count, so a
   * region whose model points at a failing area proposes there again and again (16 failures in a
   * row on a 2-D test). `"count"`: a failed step counts as one without improvement, as the paper's
   * rule reads, so steps that keep failing shrink the region. `"impute"`: that, and once failures
   * cluster (the permutation test of `../failures.ts`) the run's failed points join its model at the
   * run's worst value, so the Thompson sample avoids them. Both fail fewer trials; neither beat
   * `"ignore"` on the held-out 20-D problems by the rule set before (see `bench/failures.mjs`), so
   * neither is the default.
   */
  failedTrials?: "count" | "impute" | "ignore";
}

/** The trust region's settings once the dimension is known. */
export interface TrustRegionSettings {
  readonly nInitial: number;
  readonly initialLength: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly successTolerance: number;
  readonly failureTolerance: number;
}

/** One complete trial as the replay sees it: its value (minimised) and what the sampler noted when it proposed it. */
export interface TrustRegionEvent {
  readonly number: number;
  /** NaN for a failed trial. */
  readonly value: number;
  /** A failed trial: a step of it counts as one without improvement and adds no data. */
  readonly failed?: boolean;
  /** The run the trial was proposed for; null for a trial TuRBO did not propose (enqueued, another sampler's). */
  readonly run: number | null;
  /** `"step"` for a trust-region proposal, `"design"` for a design point, null when unknown. */
  readonly role: "design" | "step" | null;
}

/** The trust region after a replay. */
export interface TrustRegionState {
  /** Index of the current run (restarts so far). */
  readonly run: number;
  readonly length: number;
  readonly successes: number;
  readonly failures: number;
  /** Best value of the current run (Infinity if it has none yet). */
  readonly best: number;
  /** Numbers of the complete trials that belong to the current run, in order. */
  readonly members: readonly number[];
}

/** A step improves on the run's best only by more than this share of |best| (the reference code's 1e-3). */
const IMPROVEMENT_MARGIN = 1e-3;
/**
 * Most design points a run starts with by default: the paper's 2d, capped at the 10 startup trials
 * of Optuna's TPE and GP samplers. Chosen on the lab's four 50-D dev problems against the earlier cap
 * of 50 (`bench/high-dimensional.mjs --split dev`, 5 seeds): lower regret in 15 of 20 (problem, seed)
 * pairs at 30 trials and 16 of 20 at 100 (geometric-mean regret ratios 0.835 and 0.867).
 */
const DESIGN_CAP = 10;
/** Perturbation probability numerator: each coordinate of a candidate moves with probability min(PERTURB_COORDINATES / d, 1). */
const PERTURB_COORDINATES = 20;
const RUN_ATTR = "turbo:run";
const ROLE_ATTR = "turbo:role";
const LENGTH_ATTR = "turbo:length";
const THETA_ATTR = "turbo:theta";
const FALLBACK_ATTR = "turbo:fallback";

/**
 * The paper's settings for a d-dimensional problem, with any option given overriding them.
 *
 * @example
 * trustRegionSettings(100, {}).failureTolerance; // 100
 */
export function trustRegionSettings(d: number, options: TurboSamplerOptions): TrustRegionSettings {
  return {
    nInitial: options.nInitial ?? Math.min(2 * d, DESIGN_CAP),
    initialLength: options.initialLength ?? 0.8,
    minLength: options.minLength ?? 2 ** -7,
    maxLength: options.maxLength ?? 1.6,
    successTolerance: options.successTolerance ?? 3,
    failureTolerance: options.failureTolerance ?? Math.ceil(Math.max(4, d)),
  };
}

/**
 * Replays TuRBO-1's length rule over complete trials (and failed ones, marked `failed`, with
 * `failedTrials` count or impute) in trial-number order: a failed step counts as one without
 * improvement and adds no data; otherwise a step succeeds when
 * its value beats the run's best by more than 1e-3·|best|; `successTolerance` successes in a row
 * double the side (up to `maxLength`), `failureTolerance` failures in a row halve it; below
 * `minLength` the run ends and the next starts afresh (L = `initialLength`, no data). Design points
 * and trials TuRBO did not propose add data without counting; trials proposed for an earlier run
 * are left out.
 *
 * @example
 * const s = trustRegionSettings(2, { nInitial: 1 });
 * replayTrustRegion([{ number: 0, value: 5, run: 0, role: "design" }, { number: 1, value: 4, run: 0, role: "step" }], s).successes; // 1
 */
export function replayTrustRegion(events: readonly TrustRegionEvent[], settings: TrustRegionSettings): TrustRegionState {
  let run = 0;
  let length = settings.initialLength;
  let successes = 0;
  let failures = 0;
  let best = Infinity;
  let members: number[] = [];
  for (const event of [...events].sort((a, b) => a.number - b.number)) {
    if (event.run !== null && event.run < run) continue;
    if (event.failed === true && event.role !== "step") continue;
    if (event.role === "step" && Number.isFinite(best)) {
      if (event.failed !== true && event.value < best - IMPROVEMENT_MARGIN * Math.abs(best)) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
      }
      if (successes === settings.successTolerance) {
        length = Math.min(2 * length, settings.maxLength);
        successes = 0;
      } else if (failures === settings.failureTolerance) {
        length /= 2;
        failures = 0;
      }
    }
    if (event.failed !== true) {
      best = Math.min(best, event.value);
      members.push(event.number);
    }
    if (length < settings.minLength) {
      run++;
      length = settings.initialLength;
      successes = 0;
      failures = 0;
      best = Infinity;
      members = [];
    }
  }
  return { run, length, successes, failures, best, members };
}

/**
 * The trust region's box: centred on `center`, side `length` per coordinate scaled by the
 * lengthscales divided by their mean and then by their geometric mean (so the volume is length^d
 * before clipping), clipped to [0, 1].
 *
 * @example
 * trustRegionBounds(Float64Array.of(0.5, 0.5), Float64Array.of(1, 1), 0.4); // lower [0.3, 0.3], upper [0.7, 0.7]
 */
export function trustRegionBounds(center: Float64Array, lengthscales: Float64Array, length: number): { lower: Float64Array; upper: Float64Array } {
  const d = center.length;
  let mean = 0;
  for (let i = 0; i < d; i++) mean += lengthscales[i]!;
  mean /= d;
  let logGeometric = 0;
  for (let i = 0; i < d; i++) logGeometric += Math.log(lengthscales[i]! / mean);
  const geometric = Math.exp(logGeometric / d);
  const lower = new Float64Array(d);
  const upper = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const half = (lengthscales[i]! / mean / geometric) * length * 0.5;
    lower[i] = Math.min(1, Math.max(0, center[i]! - half));
    upper[i] = Math.min(1, Math.max(0, center[i]! + half));
  }
  return { lower, upper };
}

/**
 * TuRBO's candidates: `count` copies of the centre in which each coordinate is replaced, with
 * probability min(20/d, 1), by the matching coordinate of a scrambled Sobol point of the box (one
 * random coordinate if none was drawn). Returns the points (count × d, row-major) and, per
 * candidate, the coordinates that differ from the centre.
 */
export function trustRegionCandidates(
  center: Float64Array,
  bounds: { lower: Float64Array; upper: Float64Array },
  count: number,
  rng: Rng,
): { points: Float64Array; moved: Int32Array[] } {
  const d = center.length;
  const probability = Math.min(PERTURB_COORDINATES / d, 1);
  const sobol = new SobolSequence(d, { scramble: true, seed: rng.nextUint32() });
  const points = new Float64Array(count * d);
  const moved: Int32Array[] = [];
  for (let c = 0; c < count; c++) {
    const u = sobol.next();
    const row = c * d;
    const dims: number[] = [];
    for (let i = 0; i < d; i++) {
      points[row + i] = center[i]!;
      if (rng.uniform() < probability) dims.push(i);
    }
    if (dims.length === 0) dims.push(rng.integer(0, d - 1));
    for (const i of dims) points[row + i] = bounds.lower[i]! + (bounds.upper[i]! - bounds.lower[i]!) * u[i]!;
    moved.push(Int32Array.from(dims));
  }
  return { points, moved };
}

/**
 * One draw of the GP posterior (latent f) as a function, by pathwise conditioning (Wilson, Borovitskiy,
 * Terenin, Mostowsky & Deisenroth 2020, "Efficiently Sampling Functions from Gaussian Process
 * Posteriors", ICML): a prior draw from random Fourier features (Rahimi & Recht 2007; for the
 * Matérn-5/2 kernel the frequencies are multivariate Student-t with 5 degrees of freedom, scaled by
 * 1/ℓ), corrected by the data, f*(x) = f(x) + k(x, X)(K + σₙ²I)⁻¹(y − f(X) − ε), ε ~ N(0, σₙ²I).
 * Evaluating it at N candidates costs O(N·(F + n)·d) instead of the O(N³) of a joint Gaussian
 * draw, which is what lets TuRBO's thousands of candidates share one sample.
 *
 * @example
 * const sample = new ThompsonSample(gp, 1024, new Rng(1));
 * const value = sample.at(point);
 */
export class ThompsonSample {
  private readonly d: number;
  private readonly features: number;
  /** Frequencies, feature-major (F × d). */
  private readonly omega: Float64Array;
  private readonly phase: Float64Array;
  /** Feature weights times the amplitude √(2σ²/F). */
  private readonly weight: Float64Array;
  /** (K + σₙ²I)⁻¹(y − f(X) − ε). */
  private readonly correction: Float64Array;
  private readonly gp: GaussianProcess;
  private readonly inv: Float64Array;

  constructor(gp: GaussianProcess, features: number, rng: Rng) {
    const { x, y, n, d } = gp.data;
    const { lengthscales, signalVariance, noiseVariance } = gp.params;
    this.gp = gp;
    this.d = d;
    this.features = features;
    this.omega = new Float64Array(features * d);
    this.phase = new Float64Array(features);
    this.weight = new Float64Array(features);
    this.inv = new Float64Array(d);
    for (let i = 0; i < d; i++) this.inv[i] = 1 / (lengthscales[i]! * lengthscales[i]!);
    const amplitude = Math.sqrt((2 * signalVariance) / features);
    for (let k = 0; k < features; k++) {
      // Student-t with 5 degrees of freedom: a normal divided by √(χ²₅ / 5).
      let chi = 0;
      for (let j = 0; j < 5; j++) chi += rng.normal() ** 2;
      const scale = 1 / Math.sqrt(chi / 5);
      for (let i = 0; i < d; i++) this.omega[k * d + i] = (rng.normal() * scale) / lengthscales[i]!;
      this.phase[k] = 2 * Math.PI * rng.uniform();
      this.weight[k] = rng.normal() * amplitude;
    }
    const residual = new Float64Array(n);
    const noise = Math.sqrt(noiseVariance);
    for (let j = 0; j < n; j++) residual[j] = y[j]! - this.prior(x.subarray(j * d, (j + 1) * d)) - noise * rng.normal();
    this.correction = choleskySolve(gp.factor, n, residual);
  }

  /** The prior draw at one point. */
  prior(point: ArrayLike<number>): number {
    const d = this.d;
    let sum = 0;
    for (let k = 0; k < this.features; k++) {
      let s = this.phase[k]!;
      for (let i = 0; i < d; i++) s += this.omega[k * d + i]! * point[i]!;
      sum += this.weight[k]! * Math.cos(s);
    }
    return sum;
  }

  /** The posterior draw at one point. */
  at(point: ArrayLike<number>): number {
    const { x, n, d } = this.gp.data;
    const sf2 = this.gp.params.signalVariance;
    let update = 0;
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      for (let i = 0; i < d; i++) r2 += (point[i]! - x[j * d + i]!) ** 2 * this.inv[i]!;
      update += sf2 * matern52(r2) * this.correction[j]!;
    }
    return this.prior(point) + update;
  }

  /**
   * The index of the smallest draw among candidates that each differ from `center` only in the
   * coordinates `moved[c]`: the centre's feature phases and squared distances are computed once
   * and each candidate only adds its moved coordinates, O((F + n)·|moved|) per candidate. With
   * `allowed`, only candidates it accepts count, and -1 means none did.
   */
  argminNear(center: Float64Array, points: Float64Array, moved: readonly Int32Array[], allowed?: (candidate: number) => boolean): number {
    const { x, n, d } = this.gp.data;
    const sf2 = this.gp.params.signalVariance;
    const F = this.features;
    // Frequencies and inputs coordinate-major, so each moved coordinate updates F phases and n
    // squared distances from contiguous memory.
    const omegaByCoordinate = new Float64Array(d * F);
    for (let k = 0; k < F; k++) for (let i = 0; i < d; i++) omegaByCoordinate[i * F + k] = this.omega[k * d + i]!;
    const xByCoordinate = new Float64Array(d * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) xByCoordinate[i * n + j] = x[j * d + i]!;
    const centerPhase = new Float64Array(F);
    for (let k = 0; k < F; k++) {
      let s = this.phase[k]!;
      for (let i = 0; i < d; i++) s += this.omega[k * d + i]! * center[i]!;
      centerPhase[k] = s;
    }
    const centerR2 = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      for (let i = 0; i < d; i++) r2 += (center[i]! - x[j * d + i]!) ** 2 * this.inv[i]!;
      centerR2[j] = r2;
    }
    const phase = new Float64Array(F);
    const r2 = new Float64Array(n);
    let bestIndex = allowed ? -1 : 0;
    let bestValue = Infinity;
    for (let c = 0; c < moved.length; c++) {
      const dims = moved[c]!;
      const row = c * d;
      phase.set(centerPhase);
      r2.set(centerR2);
      for (let m = 0; m < dims.length; m++) {
        const i = dims[m]!;
        const to = points[row + i]!;
        const from = center[i]!;
        const delta = to - from;
        const omegaOffset = i * F;
        for (let k = 0; k < F; k++) phase[k] += omegaByCoordinate[omegaOffset + k]! * delta;
        const xOffset = i * n;
        const scale = this.inv[i]!;
        // (to − X)² − (from − X)² = (to − from)(to + from − 2X)
        for (let j = 0; j < n; j++) r2[j] += delta * (to + from - 2 * xByCoordinate[xOffset + j]!) * scale;
      }
      let value = 0;
      for (let k = 0; k < F; k++) value += this.weight[k]! * Math.cos(phase[k]!);
      for (let j = 0; j < n; j++) value += sf2 * matern52(Math.max(0, r2[j]!)) * this.correction[j]!;
      // allowed is asked only of a candidate that would win, so it costs little.
      if (value < bestValue && (!allowed || allowed(c))) {
        bestValue = value;
        bestIndex = c;
      }
    }
    return bestIndex;
  }
}

/**
 * TuRBO-1 (Eriksson et al. 2019, "Scalable Global Optimization via Local Bayesian Optimization",
 * NeurIPS): Bayesian optimisation restricted to one trust region around the best point, whose side
 * grows after 3 improving trials in a row and halves after ⌈max(4, d)⌉ trials without, and which
 * restarts from a fresh Latin-hypercube design when the side falls below 2⁻⁷. Each proposal is the
 * minimum of one Thompson sample of a local GP over min(100d, 5000) candidates near the incumbent.
 * Meant for many (20–100+) numeric dimensions and a few hundred trials or more, where a global GP's
 * model of the whole cube is too uninformative to steer by.
 *
 * Differences from the reference code, all deliberate: the GP is Sextant's (Matérn-5/2 ARD, MAP
 * hyperparameters under the dimension-scaled lengthscale prior of `../gp/model.ts` rather than box
 * constraints and Adam); the Thompson sample is drawn by pathwise conditioning on random Fourier
 * features rather than as a joint Gaussian over the candidates, and is of the latent function
 * (without observation noise); the design is capped at 10 points, so that many dimensions leave the
 * design early, which the lab's 50-D dev problems favoured at 30 and 100 trials. The state (run, side length,
 * counters) is replayed from the trials' values and the `turbo:run` / `turbo:role` attributes each
 * proposal records, so it is the same for any worker and after a restart. Parallel workers draw
 * different Thompson samples (seeded by trial number), TuRBO's own way to fill a batch.
 *
 * Single objective only. Categorical parameters are not modelled: they are drawn uniformly at
 * random (the method is defined on a box). Integer and stepped parameters are rounded when decoded.
 *
 * @example
 * const study = await createStudy({ sampler: new TurboSampler({ seed: 1 }) });
 * await study.optimize((t) => {
 *   let s = 0;
 *   for (let i = 0; i < 50; i++) s += (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
 *   return s;
 * }, { nTrials: 300 });
 */
export class TurboSampler implements Sampler {
  readonly name = "turbo";
  /** It models the objective alone: a constrained study warns (see `Sampler.ignoresConstraints`). */
  readonly ignoresConstraints = true;
  readonly singleObjective = true;
  readonly seed: number;
  private readonly options: TurboSamplerOptions;
  private readonly countsFailures: boolean;
  private readonly imputesFailures: boolean;
  private readonly searchSpace = new IntersectionSearchSpace();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<TurboSamplerOptions>;

  constructor(options: TurboSamplerOptions = {}) {
    refuseUnknownOptions("turbo sampler", options, TURBO_OPTIONS, []);
    this.given = { ...options };
    validateOptions(options);
    this.seed = seedOrRandom(options.seed, "TurboSampler");
    this.options = { ...options };
    this.countsFailures = options.failedTrials === "count" || options.failedTrials === "impute";
    this.imputesFailures = options.failedTrials === "impute";
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, TURBO_OPTIONS);
  }

  inferRelativeSpace(snapshot: StudySnapshot, _trial?: SamplingTrial): SearchSpace {
    if (snapshot.directions.length > 1) {
      throw new Error(`the turbo sampler supports one objective; this study has ${snapshot.directions.length} (use "auto", "gp" or "nsga2")`);
    }
    const space: Record<string, Distribution> = {};
    for (const [name, distribution] of Object.entries(this.searchSpace.calculate(snapshot))) {
      if (!isSingleValue(distribution) && distribution.type !== "categorical") space[name] = distribution;
    }
    return space;
  }

  /** Parameters out of its space are drawn at random, and categoricals always are; its startup is the first run's design. */
  independentSampling(snapshot: StudySnapshot): IndependentSampling {
    const d = Object.keys(this.inferRelativeSpace(snapshot)).length;
    return { how: "at random", startupTrials: Math.max(1, trustRegionSettings(d, this.options).nInitial), unmodelledTypes: ["categorical"] };
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const encoder = new SpaceEncoder(space);
    const d = encoder.dimension;
    if (d === 0) return {};
    const settings = trustRegionSettings(d, this.options);
    const sign = snapshot.directions[0] === "maximize" ? -1 : 1;
    const points = new Map<number, Float64Array>();
    const events: TrustRegionEvent[] = [];
    // With failedTrials impute: the failed trials' points and the runs they were proposed for.
    const failedPoints: { run: number | null; point: Float64Array }[] = [];
    for (const t of snapshot.trials) {
      if (!t || t.number === trial.number) continue;
      if (t.state === "failed" && this.countsFailures) {
        const run = readRun(t);
        events.push({ number: t.number, value: Number.NaN, failed: true, run, role: readRole(t) });
        const point = this.imputesFailures ? encodeTrial(t, encoder) : undefined;
        if (point) failedPoints.push({ run, point });
        continue;
      }
      if (t.state !== "complete") continue;
      const value = t.values?.[0];
      const point = encodeTrial(t, encoder);
      if (value === undefined || !Number.isFinite(value) || !point) continue;
      points.set(t.number, point);
      events.push({ number: t.number, value: sign * value, run: readRun(t), role: readRole(t) });
    }
    const state = replayTrustRegion(events, settings);
    trial.setSystemAttr(RUN_ATTR, state.run);
    trial.setSystemAttr(LENGTH_ATTR, state.length);
    // Design points already handed out for this run, by any worker, in any state.
    let designed = 0;
    for (const t of snapshot.trials) {
      if (t && t.number !== trial.number && readRun(t) === state.run && readRole(t) === "design") designed++;
    }
    if (designed < settings.nInitial || state.members.length < 2) {
      trial.setSystemAttr(ROLE_ATTR, "design");
      // A running trial's notes reach the snapshot only with its first write, but its parameters
      // show at once: skip the design points other trials already hold, or trials asked together
      // would all be handed the same one.
      const design = this.design(d, settings.nInitial, state.run);
      const held = heldPoints(snapshot, trial.number, space);
      while (designed < design.length && held.has(paramsKey(encoder.decode(design[designed]!), space) ?? "")) designed++;
      return encoder.decode(designed < design.length ? design[designed]! : this.extraPoint(d, trial.number));
    }
    trial.setSystemAttr(ROLE_ATTR, "step");
    const rng = new Rng(deriveSeed(this.seed, trial.number, "turbo"));
    // Integers and steps round candidates onto a grid: near the incumbent most of them round back
    // onto it or another tried point, and a shrinking region proposed one such point trial after
    // trial (30 repeats in a row on a 5-D integer space). Continuous spaces cannot repeat a point.
    const held = encoder.distributions.some((distribution) => cardinality(distribution) < Infinity) ? heldPoints(snapshot, trial.number, space) : null;
    const isNew = held && ((point: Float64Array): boolean => !held.has(paramsKey(encoder.decode(point), space) ?? ""));
    try {
      const imputed = this.imputesFailures ? this.failedToImpute(points, failedPoints, state.run, d, snapshot.trials.length) : [];
      return encoder.decode(this.trustRegionStep(snapshot, trial, state, points, events, d, rng, imputed, isNew ?? undefined));
    } catch (error) {
      trial.setSystemAttr(FALLBACK_ATTR, `numerical failure: ${error instanceof Error ? error.message : String(error)}`);
      const u = new Float64Array(d);
      for (let i = 0; i < d; i++) u[i] = rng.uniform();
      return encoder.decode(u);
    }
  }

  sampleIndependent(_snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    return sampleUniform(new Rng(deriveSeed(this.seed, trial.number, name)), distribution);
  }

  /** Run `run`'s Latin hypercube of `size` points (McKay, Beckman & Conover 1979), as the reference code starts each run. */
  private design(d: number, size: number, run: number): Float64Array[] {
    const points = Array.from({ length: size }, () => new Float64Array(d));
    const rng = new Rng(deriveSeed(this.seed, run, "turbo-design"));
    for (let i = 0; i < d; i++) {
      const strata = rng.shuffle(Array.from({ length: size }, (_, k) => k));
      const offsets = Array.from({ length: size }, () => rng.uniform());
      for (let k = 0; k < size; k++) points[k]![i] = (strata[k]! + offsets[k]!) / size;
    }
    return points;
  }

  /**
   * The failed points of run `run` to add to its model at its worst value, when failures cluster
   * over the study (the permutation test of `../failures.ts`, as the GP and TPE gate theirs); none
   * when they strike at random, where they would only carve holes in the model.
   */
  private failedToImpute(points: ReadonlyMap<number, Float64Array>, failed: readonly { run: number | null; point: Float64Array }[], run: number, d: number, count: number): Float64Array[] {
    if (failed.length < 2) return [];
    const all = [...points.values(), ...failed.map((f) => f.point)];
    const labels = [...Array.from(points.keys(), () => false), ...failed.map(() => true)];
    if (!failuresArePredictable(all, labels, new Uint8Array(d), deriveSeed(this.seed, count, "turbo-failures"))) return [];
    return failed.filter((f) => f.run === run).map((f) => f.point);
  }

  /** A uniform point for a trial past the design's end (all handed out, too few completed). */
  private extraPoint(d: number, number: number): Float64Array {
    const point = new Float64Array(d);
    const rng = new Rng(deriveSeed(this.seed, number, "turbo-extra"));
    for (let i = 0; i < d; i++) point[i] = rng.uniform();
    return point;
  }

  private trustRegionStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    state: TrustRegionState,
    points: ReadonlyMap<number, Float64Array>,
    events: readonly TrustRegionEvent[],
    d: number,
    rng: Rng,
    imputed: readonly Float64Array[] = [],
    isNew?: (point: Float64Array) => boolean,
  ): Float64Array {
    const valueOf = new Map(events.map((e) => [e.number, e.value]));
    const members = state.members;
    const n = members.length + imputed.length;
    const x = new Float64Array(n * d);
    const values: number[] = [];
    let center = points.get(members[0]!)!;
    let best = Infinity;
    members.forEach((number, j) => {
      const point = points.get(number)!;
      x.set(point, j * d);
      const value = valueOf.get(number)!;
      values.push(value);
      if (value < best) {
        best = value;
        center = point;
      }
    });
    // Failed points of the run, at its worst value: the Thompson sample then sees them as bad.
    const worst = Math.max(...values);
    imputed.forEach((point, j) => {
      x.set(point, (members.length + j) * d);
      values.push(worst);
    });
    const data = { x, y: warpObservations(values, "none"), n, d, categorical: new Uint8Array(d) };
    const prior = defaultPrior(d);
    const warm = previousTheta(snapshot, trial.number, d, state.run);
    const plan = kernelFitPlan(n, warm !== undefined);
    let theta: ArrayLike<number>;
    if (!plan.refit && warm) theta = warm;
    else {
      const starts: ArrayLike<number>[] = [];
      if (warm) starts.push(warm);
      if (plan.fresh) starts.push(defaultTheta(d, prior));
      theta = fitHyperparameters(data, {
        prior,
        starts,
        maxIterations: this.options.fitIterations ?? 50,
        maxObservations: this.options.fitMaxObservations ?? FIT_MAX_OBSERVATIONS,
      }).theta;
    }
    trial.setSystemAttr(THETA_ATTR, Array.from(theta, (v) => (Number.isFinite(v) ? v : 0)) as JsonValue);
    const gp = new GaussianProcess(data, parametersFromTheta(theta, d));
    const count = this.options.nCandidates ?? Math.min(100 * d, 5000);
    const candidates = trustRegionCandidates(center, trustRegionBounds(center, gp.params.lengthscales, state.length), count, rng);
    const sample = new ThompsonSample(gp, this.options.nFeatures ?? 512, rng);
    const chosen = sample.argminNear(center, candidates.points, candidates.moved);
    const point = (points: Float64Array, c: number): Float64Array => points.slice(c * d, (c + 1) * d);
    if (!isNew || isNew(point(candidates.points, chosen))) return point(candidates.points, chosen);
    // The sample's choice was tried already: the best untried candidate of the region, or of a
    // region twice as wide, and so on until one holds an untried point (the whole cube at last;
    // 2^30 times the side covers it unless a lengthscale is degenerate).
    for (let length = state.length, whole = false, widened = 0; !whole && widened <= 30; length *= 2, widened++) {
      const bounds = trustRegionBounds(center, gp.params.lengthscales, length);
      whole = bounds.lower.every((v) => v === 0) && bounds.upper.every((v) => v === 1);
      const wider = length === state.length ? candidates : trustRegionCandidates(center, bounds, count, rng);
      const untried = sample.argminNear(center, wider.points, wider.moved, (c) => isNew(point(wider.points, c)));
      if (untried >= 0) return point(wider.points, untried);
    }
    // Every candidate, even over the whole cube, was a tried point: a small grid nearly exhausted.
    return point(candidates.points, chosen);
  }
}

/** The parameters of `space` as one comparable key, or null when some are missing. */
function paramsKey(params: Readonly<Record<string, ParamValue>>, space: SearchSpace): string | null {
  const values: ParamValue[] = [];
  for (const name of Object.keys(space)) {
    if (!(name in params)) return null;
    values.push(params[name]!);
  }
  return JSON.stringify(values);
}

/** Keys of the points in `space` that trials other than `number` hold, in any state. */
function heldPoints(snapshot: StudySnapshot, number: number, space: SearchSpace): Set<string> {
  const held = new Set<string>();
  for (const t of snapshot.trials) {
    const key = t && t.number !== number ? paramsKey(t.params, space) : null;
    if (key !== null) held.add(key);
  }
  return held;
}

function readRun(trial: FrozenTrial): number | null {
  const run = trial.systemAttrs[RUN_ATTR];
  return typeof run === "number" && Number.isInteger(run) && run >= 0 ? run : null;
}

function readRole(trial: FrozenTrial): "design" | "step" | null {
  const role = trial.systemAttrs[ROLE_ATTR];
  return role === "design" || role === "step" ? role : null;
}

/** θ of the most recent earlier trial of the same run, if its dimension matches. */
function previousTheta(snapshot: StudySnapshot, number: number, d: number, run: number): number[] | undefined {
  return latestEarlier(snapshot, number, (trial) => {
    const value = trial.systemAttrs[THETA_ATTR];
    const valid = readRun(trial) === run && Array.isArray(value) && value.length === d + 2 && value.every((v) => typeof v === "number" && Number.isFinite(v));
    return valid ? (value as number[]) : undefined;
  });
}

function validateOptions(options: TurboSamplerOptions): void {
  const length = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`turbo sampler: ${name} must be a positive number, got ${value}`);
  };
  length("initialLength", options.initialLength);
  length("minLength", options.minLength);
  length("maxLength", options.maxLength);
  const min = options.minLength ?? 2 ** -7;
  const max = options.maxLength ?? 1.6;
  const initial = options.initialLength ?? 0.8;
  if (!(min <= initial && initial <= max)) {
    throw new RangeError(`turbo sampler: initialLength (${initial}) must lie between minLength (${min}) and maxLength (${max})`);
  }
  if (options.failedTrials !== undefined && options.failedTrials !== "count" && options.failedTrials !== "impute" && options.failedTrials !== "ignore") {
    throw new RangeError(`turbo sampler: failedTrials must be "count", "impute" or "ignore", got ${JSON.stringify(options.failedTrials)}`);
  }
  const least = { nInitial: 1, nCandidates: 1, successTolerance: 1, failureTolerance: 1, nFeatures: 1, fitIterations: 1, fitMaxObservations: MIN_FIT_OBSERVATIONS } as const;
  for (const [name, min] of Object.entries(least)) {
    const value = options[name as keyof typeof least];
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) throw new RangeError(`turbo sampler: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** The options of the `turbo` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const TURBO_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  nInitial: { kind: "integer", min: 1, default: "min(2d, 10)", description: "Latin-hypercube points at the start of each trust-region run" },
  nCandidates: { kind: "integer", min: 1, default: "min(100d, 5000)", description: "candidates per Thompson sample" },
  initialLength: { kind: "number", min: 0, exclusiveMin: true, default: 0.8, description: "side of a new trust region in the unit cube" },
  minLength: { kind: "number", min: 0, exclusiveMin: true, default: 2 ** -7, description: "the region restarts when its side falls below this" },
  maxLength: { kind: "number", min: 0, exclusiveMin: true, default: 1.6, description: "largest side of the region" },
  successTolerance: { kind: "integer", min: 1, default: 3, description: "improving trials in a row that double the side" },
  failureTolerance: { kind: "integer", min: 1, default: "ceil(max(4, d))", description: "trials without improvement in a row that halve the side" },
  nFeatures: { kind: "integer", min: 1, default: 512, description: "random Fourier features of each Thompson sample" },
  fitIterations: { kind: "integer", min: 1, default: 50, description: "L-BFGS-B iterations per kernel fit start" },
  fitMaxObservations: FIT_MAX_OBSERVATIONS_OPTION,
  failedTrials: { kind: "enum", values: ["ignore", "count", "impute"], default: "ignore", description: "failed trials are left out (ignore), count as steps without improvement (count), or also join the model at the run's worst value once they cluster (impute)" },
});

/**
 * Builds a {@link TurboSampler} from CLI-style options (`--sampler-opt n_initial=20`) read against
 * {@link TURBO_OPTIONS}; unknown keys and malformed values throw an `OptionError` naming them.
 *
 * @example
 * createTurboSamplerFromOptions({ seed: 1, failure_tolerance: "10" });
 */
export function createTurboSamplerFromOptions(options: RawOptions): TurboSampler {
  return new TurboSampler(parseOptions("turbo sampler", options, TURBO_OPTIONS));
}
