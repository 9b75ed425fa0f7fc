/**
 * GPSampler: Bayesian optimisation with a Gaussian-process surrogate and log expected improvement.
 *
 * Each trial after a scrambled-Sobol startup design:
 * 1. encodes the complete trials of the intersection search space into the unit cube (log scales
 *    and grids through `SpaceEncoder`, categorical choices as indices for a Hamming kernel term);
 * 2. warps and standardises the sign-adjusted objective (minimisation throughout);
 * 3. fits Matérn-5/2 ARD hyperparameters by MAP with L-BFGS-B, warm-started from the previous
 *    trial's fit (read from the history's system attributes, so the result depends only on the
 *    history) and from a default;
 * 4. adds running trials as "kriging believer" fantasies (Ginsbourger, Le Riche & Carraro 2010),
 *    so parallel workers do not all propose the same point;
 * 5. maximises log EI (Ament et al. 2023) over Sobol candidates, perturbations of the best points
 *    and multi-start L-BFGS-B.
 *
 * @module
 */
import { Rng, deriveSeed, randomSeed } from "../../math/rng.js";
import { SobolSequence } from "../../math/sobol.js";
import {
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  type StudySnapshot,
  IntersectionSearchSpace,
  SpaceEncoder,
  choiceIndex,
  decodeValue,
  effectiveStep,
  encodeValue,
  isSingleValue,
  type RawOptions,
  SEED_OPTION,
  defineOptions,
  parseOptions,
} from "../../space/index.js";
import type { Sampler } from "../base.js";
import { FIDELITY_RULES, type FidelityRule, FidelityView } from "../fidelity.js";
import { sampleUniform } from "../random.js";
import { type DimensionKind, maximizeAcquisition, pointKey, snapPoint } from "./acquisition.js";
import {
  GaussianProcess,
  type OutputWarping,
  type TrainingData,
  defaultPrior,
  defaultTheta,
  fitHyperparameters,
  parametersFromTheta,
  warpObservations,
} from "./model.js";

/** Options of {@link GPSampler}; all optional. */
export interface GPSamplerOptions {
  /** Seed for the startup design and the acquisition search (default: random). */
  seed?: number;
  /** Complete trials drawn from a scrambled Sobol design before the GP takes over (default: min(10, 2d + 1), at least 2). */
  nStartupTrials?: number;
  /** Quasi-random candidates scored per trial before local optimisation (default 1024). */
  nCandidates?: number;
  /** L-BFGS-B starts for the acquisition (default 6). */
  nRestarts?: number;
  /** Output warping before standardisation (default "none", measured best on the benchmark suite); see `warpObservations`. */
  outputWarping?: OutputWarping;
  /** Lower bound of the noise variance on standardised outputs (default 1e-6). */
  minNoise?: number;
  /** Treat running trials as kriging-believer fantasies (default true). */
  constantLiar?: boolean;
  /** L-BFGS-B iterations per hyperparameter fit start (default 50). */
  fitIterations?: number;
  /**
   * Which observations the GP fits when trials are pruned: `"bohb"` the highest step with enough
   * observations (Falkner et al. 2018), `"final"` the study as recorded (a pruned trial at the value
   * it stopped at), `"auto"` (default) `"bohb"` under a successive-halving pruner. See `fidelity.ts`.
   */
  fidelityRule?: FidelityRule;
  /** BOHB's N_min: observations a step needs to be modelled (default max(d + 1, startup trials)). */
  fidelityMinTrials?: number;
}

const THETA_ATTR = "gp:theta";
const FALLBACK_ATTR = "gp:fallback";
const ANCHOR_COUNT = 5;

/**
 * Gaussian-process Bayesian optimisation (Matérn-5/2 ARD kernel, MAP hyperparameters with a
 * dimension-scaled lengthscale prior after Hvarfner et al. 2024, log expected improvement of Ament et
 * al. 2023). Best for small budgets (tens to a few hundred trials) of expensive numeric objectives;
 * categorical and integer parameters are supported.
 *
 * Multi-objective studies are scalarised ParEGO-style (Knowles 2006, "ParEGO: a hybrid algorithm
 * with on-line landscape approximation for expensive multiobjective optimization problems"): each
 * trial draws random weights on the simplex and models the augmented Chebyshev scalarisation
 * max_i(λᵢ f̂ᵢ) + 0.05·Σᵢ λᵢ f̂ᵢ of the objectives normalised to [0, 1]. Pruned and failed trials do not
 * enter the model.
 *
 * @example
 * const study = await createStudy({ sampler: new GPSampler({ seed: 1 }) });
 * await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2, { nTrials: 30 });
 */
export class GPSampler implements Sampler {
  readonly name = "gp";
  readonly seed: number;
  private readonly options: Required<Omit<GPSamplerOptions, "seed" | "nStartupTrials" | "fidelityRule" | "fidelityMinTrials">> & { nStartupTrials?: number; fidelityMinTrials?: number };
  private readonly fidelity: FidelityView;
  private readonly searchSpace = new IntersectionSearchSpace();
  /** Last fitted θ per study and space, used only when the history carries none. */
  private readonly thetaCache = new Map<string, number[]>();

  constructor(options: GPSamplerOptions = {}) {
    this.seed = options.seed ?? randomSeed();
    this.options = {
      nStartupTrials: options.nStartupTrials,
      nCandidates: options.nCandidates ?? 1024,
      nRestarts: options.nRestarts ?? 6,
      outputWarping: options.outputWarping ?? "none",
      minNoise: options.minNoise ?? 1e-6,
      constantLiar: options.constantLiar ?? true,
      fitIterations: options.fitIterations ?? 50,
      ...(options.fidelityMinTrials === undefined ? {} : { fidelityMinTrials: options.fidelityMinTrials }),
    };
    validateOptions({ ...this.options, seed: this.seed });
    this.fidelity = new FidelityView(options.fidelityRule ?? "auto");
  }

  inferRelativeSpace(snapshot: StudySnapshot, _trial?: SamplingTrial): SearchSpace {
    const space: Record<string, Distribution> = {};
    for (const [name, distribution] of Object.entries(this.searchSpace.calculate(snapshot))) {
      if (!isSingleValue(distribution)) space[name] = distribution;
    }
    return space;
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const encoder = new SpaceEncoder(space);
    const d = encoder.dimension;
    if (d === 0) return {};
    const rng = new Rng(deriveSeed(this.seed, trial.number, "gp"));
    const nStartup = this.options.nStartupTrials ?? Math.max(2, Math.min(10, 2 * d + 1));
    const modelled = this.fidelity.view(snapshot, () => this.options.fidelityMinTrials ?? Math.max(d + 1, nStartup)).snapshot;
    const observations = this.collectObservations(modelled, encoder, trial.number);
    if (observations.points.length < nStartup) return this.startupPoint(encoder, trial.number);
    try {
      const params = this.bayesianStep(snapshot, trial, encoder, observations, rng);
      if (params) return params;
      trial.setSystemAttr(FALLBACK_ATTR, "acquisition search found no finite point");
    } catch (error) {
      trial.setSystemAttr(FALLBACK_ATTR, `numerical failure: ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.randomPoint(encoder, rng);
  }

  sampleIndependent(_snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    return sampleUniform(new Rng(deriveSeed(this.seed, trial.number, name)), distribution);
  }

  /** Trial `number` of the scrambled Sobol design, decoded into the space. */
  private startupPoint(encoder: SpaceEncoder, number: number): Record<string, ParamValue> {
    const sobol = new SobolSequence(encoder.dimension, { scramble: true, seed: this.seed, skip: number });
    return encoder.decode(sobol.next());
  }

  private randomPoint(encoder: SpaceEncoder, rng: Rng): Record<string, ParamValue> {
    const u = new Float64Array(encoder.dimension);
    for (let i = 0; i < u.length; i++) u[i] = rng.uniform();
    return encoder.decode(u);
  }

  /** Complete (and pruned, with a value) trials with every parameter of the space, encoded, and their minimisation targets. */
  private collectObservations(
    snapshot: StudySnapshot,
    encoder: SpaceEncoder,
    number: number,
  ): { points: Float64Array[]; values: number[]; running: Float64Array[] } {
    const points: Float64Array[] = [];
    const vectors: number[][] = [];
    const running: Float64Array[] = [];
    const directions = snapshot.directions;
    for (const t of snapshot.trials) {
      if (!t || t.number === number) continue;
      // A pruned trial carries the value it was stopped at: a pessimistic but real observation.
      // Leaving it out would let the model propose the same pruned region again and again.
      if (t.state !== "complete" && t.state !== "pruned" && t.state !== "running") continue;
      const point = encodeTrial(t, encoder);
      if (!point) continue;
      if (t.state === "running") {
        running.push(point);
        continue;
      }
      const values = t.values;
      if (!values || values.length !== directions.length || !values.every(Number.isFinite)) continue;
      points.push(point);
      vectors.push(values.map((v, i) => (directions[i] === "maximize" ? -v : v)));
    }
    const values =
      directions.length === 1 ? vectors.map((v) => v[0]!) : scalarizeParEgo(vectors, new Rng(deriveSeed(this.seed, number, "parego")));
    return { points, values, running };
  }

  private bayesianStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    encoder: SpaceEncoder,
    observations: { points: Float64Array[]; values: number[]; running: Float64Array[] },
    rng: Rng,
  ): Record<string, ParamValue> | null {
    const d = encoder.dimension;
    const dimensions = dimensionKinds(encoder);
    const categorical = new Uint8Array(d);
    for (let i = 0; i < d; i++) categorical[i] = dimensions[i]!.type === "categorical" ? 1 : 0;
    const n = observations.points.length;
    const x = new Float64Array(n * d);
    for (let j = 0; j < n; j++) x.set(observations.points[j]!, j * d);
    const y = warpObservations(observations.values, this.options.outputWarping);
    const data: TrainingData = { x, y, n, d, categorical };

    const prior = defaultPrior(d, this.options.minNoise);
    const cacheKey = `${snapshot.studyId}:${encoder.names.join("\u0000")}`;
    const warm = previousTheta(snapshot, trial.number, d) ?? this.thetaCache.get(cacheKey);
    // The warm start usually converges in a few iterations; a fresh start from the default is
    // paid for only while the data are few (when the likelihood surface changes fastest) and
    // then every fifth model, to escape a stale optimum. Both depend only on the history.
    const starts: ArrayLike<number>[] = [];
    if (warm) starts.push(warm);
    if (!warm || n < 20 || n % 5 === 0) starts.push(defaultTheta(d, prior));
    const { theta } = fitHyperparameters(data, { prior, starts, maxIterations: this.options.fitIterations });
    const thetaList = Array.from(theta, (v) => (Number.isFinite(v) ? v : 0));
    this.thetaCache.set(cacheKey, thetaList);
    trial.setSystemAttr(THETA_ATTR, thetaList as JsonValue);
    const params = parametersFromTheta(theta, d);

    let gp = new GaussianProcess(data, params);
    let best = Infinity;
    for (let j = 0; j < n; j++) best = Math.min(best, y[j]!);
    const taken = new Set<string>();
    for (const p of observations.points) taken.add(pointKey(p));

    if (this.options.constantLiar && observations.running.length > 0) {
      // Kriging believer: pretend each running trial returns the posterior mean there. The mean
      // surface is unchanged, but the variance collapses at those points, so EI moves elsewhere.
      const m = observations.running.length;
      const xAll = new Float64Array((n + m) * d);
      xAll.set(x);
      const yAll = new Float64Array(n + m);
      yAll.set(y);
      for (let j = 0; j < m; j++) {
        const point = observations.running[j]!;
        xAll.set(point, (n + j) * d);
        const believed = gp.predict(point).mean;
        yAll[n + j] = believed;
        best = Math.min(best, believed);
        taken.add(pointKey(point));
      }
      gp = new GaussianProcess({ x: xAll, y: yAll, n: n + m, d, categorical }, params);
    }

    const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => y[a]! - y[b]!);
    const anchors = order.slice(0, ANCHOR_COUNT).map((j) => observations.points[j]!);
    const found = maximizeAcquisition(gp, best, {
      dimensions,
      nCandidates: this.options.nCandidates,
      nRestarts: this.options.nRestarts,
      anchors,
      taken,
      seed: deriveSeed(this.seed, trial.number, "candidates"),
      rng,
    });
    if (!found || !found.point.every(Number.isFinite)) return null;
    return decodePoint(found.point, encoder);
  }
}

/** θ left on the most recent earlier trial by this sampler, if its dimension matches. */
function previousTheta(snapshot: StudySnapshot, number: number, d: number): number[] | undefined {
  for (let k = Math.min(number, snapshot.trials.length) - 1; k >= 0; k--) {
    const value = snapshot.trials[k]?.systemAttrs[THETA_ATTR];
    if (Array.isArray(value) && value.length === d + 2 && value.every((v) => typeof v === "number" && Number.isFinite(v))) {
      return value as number[];
    }
  }
  return undefined;
}

/** Encodes a trial's parameters (categoricals as choice indices); undefined if any is missing or illegal. */
function encodeTrial(trial: FrozenTrial, encoder: SpaceEncoder): Float64Array | undefined {
  const point = new Float64Array(encoder.dimension);
  for (let i = 0; i < encoder.dimension; i++) {
    const name = encoder.names[i]!;
    const distribution = encoder.distributions[i]!;
    if (!(name in trial.params)) return undefined;
    const value = trial.params[name] as ParamValue;
    if (distribution.type === "categorical") {
      const index = choiceIndex(distribution, value);
      if (index < 0) return undefined;
      point[i] = index;
    } else {
      if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
      if (value < distribution.low || value > distribution.high) return undefined;
      point[i] = encodeValue(distribution, value);
    }
  }
  return point;
}

function decodePoint(point: Float64Array, encoder: SpaceEncoder): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (let i = 0; i < encoder.dimension; i++) {
    const distribution = encoder.distributions[i]!;
    const u = point[i]!;
    params[encoder.names[i]!] =
      distribution.type === "categorical"
        ? distribution.choices[Math.min(distribution.choices.length - 1, Math.max(0, Math.round(u)))]!
        : decodeValue(distribution, u);
  }
  return params;
}

function dimensionKinds(encoder: SpaceEncoder): DimensionKind[] {
  return encoder.distributions.map((distribution): DimensionKind => {
    if (distribution.type === "categorical") return { type: "categorical", size: distribution.choices.length };
    if (effectiveStep(distribution) === undefined) return { type: "continuous" };
    // Snap to the centre of the legal value's cell, exactly where training points are encoded.
    return { type: "grid", snap: (u) => encodeValue(distribution, decodeValue(distribution, u)) };
  });
}

/**
 * ParEGO's augmented Chebyshev scalarisation with one random weight vector (Knowles 2006):
 * objectives are normalised to [0, 1] over the observed values, weights drawn uniformly from the
 * simplex, and f = maxᵢ λᵢ f̂ᵢ + 0.05·Σᵢ λᵢ f̂ᵢ (all minimised).
 */
export function scalarizeParEgo(vectors: readonly (readonly number[])[], rng: Rng): number[] {
  if (vectors.length === 0) return [];
  const m = vectors[0]!.length;
  const low = new Array<number>(m).fill(Infinity);
  const high = new Array<number>(m).fill(-Infinity);
  for (const v of vectors) {
    for (let i = 0; i < m; i++) {
      low[i] = Math.min(low[i]!, v[i]!);
      high[i] = Math.max(high[i]!, v[i]!);
    }
  }
  // Uniform on the simplex: normalised exponential draws.
  const weights = Array.from({ length: m }, () => -Math.log(1 - rng.uniform()));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < m; i++) weights[i] = weights[i]! / total;
  return vectors.map((v) => {
    let max = -Infinity;
    let sum = 0;
    for (let i = 0; i < m; i++) {
      const range = high[i]! - low[i]!;
      const normalized = range > 0 ? (v[i]! - low[i]!) / range : 0;
      max = Math.max(max, weights[i]! * normalized);
      sum += weights[i]! * normalized;
    }
    return max + 0.05 * sum;
  });
}

function validateOptions(options: GPSamplerOptions): void {
  const positiveInteger = (name: string, value: number | undefined, min: number): void => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min) throw new RangeError(`GPSampler: ${name} must be an integer ≥ ${min}, got ${value}`);
  };
  positiveInteger("nStartupTrials", options.nStartupTrials, 1);
  positiveInteger("nCandidates", options.nCandidates, 1);
  positiveInteger("nRestarts", options.nRestarts, 0);
  positiveInteger("fitIterations", options.fitIterations, 1);
  positiveInteger("fidelityMinTrials", options.fidelityMinTrials, 1);
  if (options.minNoise !== undefined && !(options.minNoise > 0 && options.minNoise < 1)) {
    throw new RangeError(`GPSampler: minNoise must be in (0, 1), got ${options.minNoise}`);
  }
  if (options.outputWarping !== undefined && !["none", "log", "rank"].includes(options.outputWarping)) {
    throw new RangeError(`GPSampler: outputWarping must be "none", "log" or "rank", got ${String(options.outputWarping)}`);
  }
}

/** The options of the `gp` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const GP_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  nStartupTrials: { kind: "integer", min: 1, default: "min(10, 2d+1), at least 2", description: "Sobol trials before the GP takes over" },
  nCandidates: { kind: "integer", min: 1, default: 1024, description: "quasi-random candidates scored per trial before local search" },
  nRestarts: { kind: "integer", min: 0, default: 6, description: "L-BFGS-B starts when maximizing the acquisition" },
  outputWarping: { kind: "enum", values: ["none", "log", "rank"], default: "none", description: "transform of the values before the GP fits them" },
  minNoise: { kind: "number", min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 1e-6, description: "lower bound of the noise variance on standardized values" },
  constantLiar: { kind: "boolean", default: true, description: "treat running trials as fantasies so parallel workers spread out" },
  fitIterations: { kind: "integer", min: 1, default: 50, description: "L-BFGS-B iterations per kernel fit start" },
  fidelityRule: { kind: "enum", values: FIDELITY_RULES, default: "auto", description: "fit the highest step with enough observations (bohb), the study as recorded (final), or bohb under asha/hyperband (auto)" },
  fidelityMinTrials: { kind: "integer", min: 1, default: "max(d+1, startup trials)", description: "with bohb: observations a step needs before the GP is fitted on it" },
});

/**
 * Builds a {@link GPSampler} from CLI-style options (`--sampler-opt n_candidates=2048`) read
 * against {@link GP_OPTIONS}: strings are parsed, unknown keys and malformed values throw an
 * `OptionError` naming them.
 *
 * @example
 * createGPSamplerFromOptions({ seed: 1, n_startup_trials: "8", outputWarping: "rank" });
 */
export function createGPSamplerFromOptions(options: RawOptions): GPSampler {
  return new GPSampler(parseOptions("gp sampler", options, GP_OPTIONS));
}
