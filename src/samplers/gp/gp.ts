/**
 * GPSampler: Bayesian optimisation with a Gaussian-process surrogate and log expected improvement.
 *
 * Each trial after a scrambled-Sobol startup design:
 * 1. encodes the complete trials of the intersection search space into the unit cube (log scales
 *    and grids through `SpaceEncoder`, categorical choices as indices for a Hamming kernel term);
 * 2. warps and standardises the sign-adjusted objective (minimisation throughout), with the worst
 *    observed value at 0, the zero-mean GP's prior mean (`priorMean`, De Ath et al. 2020);
 * 3. fits Matérn-5/2 ARD hyperparameters by MAP with L-BFGS-B, warm-started from the previous
 *    trial's fit (read from the history's system attributes, so the result depends only on the
 *    history), from a default on a geometric schedule, and at large n only every few trials
 *    (`kernelFitPlan`);
 * 4. adds running trials as "kriging believer" fantasies (Ginsbourger, Le Riche & Carraro 2010),
 *    so parallel workers do not all propose the same point;
 * 5. maximises log EI (Ament et al. 2023) over Sobol candidates, perturbations of the best points
 *    and multi-start L-BFGS-B; candidates are first bounded cheaply and scored exactly only where
 *    the bound could win (`GaussianProcess.predictBatch`).
 *
 * @module
 */
import { deriveSeed, Rng, seedOrRandom } from "../../math/rng.js";
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
  studyKeyOf,
  refuseUnknownOptions,
  componentSpec,
  type ComponentSpec,
} from "../../space/index.js";
import type { IndependentSampling, Sampler } from "../base.js";
import { latestEarlier } from "../history.js";
import { RECOMMENDED_TRIAL_ATTR, type RecommendationRecord } from "../recommendation.js";
import { FIDELITY_RULES, type FidelityRule, FidelityView } from "../fidelity.js";
import { sampleUniform } from "../random.js";
import { hypervolumeContributions, isFeasible, paretoFrontIndices, readableConstraints } from "../../analysis/index.js";
import { meetsConstraints } from "../../analysis/pareto.js";
import {
  type Acquisition,
  type AcquisitionBatch,
  type DimensionKind,
  type Surrogate,
  type PerturbationBoundary,
  logExpectedImprovementAcquisition,
  maximizeAcquisitionFunction,
  pointKey,
} from "./acquisition.js";
import { type ConstraintModel, constrainedAcquisition, fitStandardizedModels } from "./constrained.js";
import { logExpectedHypervolumeImprovement, logExpectedHypervolumeImprovementBound, logExpectedHypervolumeImprovementWithGradient, nonDominatedBoxes } from "./ehvi.js";
import { ensemble, rgpeWeights } from "./rgpe.js";
import { type StackLayer, type StackVariance, stackResiduals, stackedSurrogate } from "./stack.js";
import { type TrustRegion, vizierTrustRegion } from "./trust-region.js";
import { failuresArePredictable } from "../failures.js";
import { type Penalizer, estimateLipschitz, locallyPenalizedAcquisition, logPenalty, pendingPenalizers } from "./local-penalization.js";
import { MACE_GENERATIONS, type MaceSearch, maceKappa, proposeMace } from "./mace.js";
import { type JointObservations, fidelityOf, finalFidelitySurrogate, firstRungSurvival, jointObservations } from "./joint-fidelity.js";
import {
  MIN_TARGET_TRIALS_FOR_AGREEMENT,
  concordance,
  contextDistance,
  fitsSpace,
  sourceLoss,
  transferWeights,
  warmSources,
  warmStartSpace,
} from "../warm-start.js";
import type { WarmStartSource } from "../../space/index.js";
import {
  GaussianProcess,
  type OutputWarping,
  type TrainingData,
  EVIDENCE_WARPINGS,
  type EvidenceWarping,
  NOISE_PRIORS,
  type NoisePrior,
  PRIOR_MEANS,
  type PriorMean,
  chooseOutputWarping,
  defaultPrior,
  fitHyperparameters,
  hyperparameterStarts,
  parametersFromTheta,
  standardCentre,
  standardMoments,
  warpObservations,
} from "./model.js";
import { InputWarping, warpedSurrogate } from "./warping.js";

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
  /**
   * Output warping before standardisation (default "auto", chosen on the lab's dev suite together
   * with MACE: see the README's "Output warping"); see `warpObservations`. `"auto"` chooses
   * among none, log and power by the GP's MAP log posterior of the original values (the warp's
   * log-Jacobian included; `chooseOutputWarping`, screened against the warping kept so far), each
   * time the kernel gets a fresh fit (`kernelFitPlan`: at 20, 30, 45, 68, … observations), and keeps
   * the choice in between (warm refits of a warped target capped at 10 iterations); below 20
   * observations it does not warp. With log EI alone it failed its dev rule (levy-5d 3.8× worse);
   * together with MACE (HEBO's pairing, 10 generations), on the lab's dev suite (17 GP-sized
   * problems, 100 trials × 5 seeds, rule fixed before measuring) it beat log EI without warping on
   * 13 problems and lost 4 (geometric-mean ratio of medians 0.242, largest loss 2.2×), within the
   * overhead rule, so the pair is the default ("none" and `acquisition: "log-ei"` give the old GP).
   */
  outputWarping?: OutputWarping | "auto";
  /**
   * The GP's constant prior mean (default "worst"): the observations' worst value, after De Ath,
   * Fieldsend & Everson (GECCO 2020), who found it the best constant mean for EI and UCB on
   * synthetic problems of 5 or more dimensions, or their mean ("mean", the default before issue
   * 12); far from the data the model then expects the worst, not the average, which favours
   * exploitation over the box's faces. See `PriorMean`. Chosen on the lab's dev suite (17 GP-sized
   * problems, 100 trials × 5 seeds, by a rule fixed before measuring): better by median regret on
   * 11 problems and worse on 6 at 30 trials, 12 and 5 at 100, geometric-mean ratio of medians 0.46
   * at 100 (README, "The GP's prior mean"). It applies to the objective's model wherever it is built
   * (kernel fit, prediction, EI's incumbent, kriging-believer fantasies, local penalization, MACE,
   * the recommended trial, `outputWarping: "auto"`'s evidence, ParEGO scalarisations, each
   * objective's model under EHVI, warm-start source models and RGPE), not to constraint models.
   */
  priorMean?: PriorMean;
  /**
   * Warp each numeric input through a Kumaraswamy CDF whose two shapes are fitted with the kernel
   * (Snoek et al. 2014; HEBO, Cowen-Rivers et al. 2022; see `warping.ts`). Default false: on the
   * lab's dev problems up to 24 dimensions (50 trials × 5 seeds, `bench/bounds.mjs`) it won 8, tied 5
   * and lost 7 against no warping (geometric-mean ratio of median regrets 1.01), winning on the
   * YAHPO surrogates and losing up to 2.2× on synthetic ones.
   */
  inputWarping?: boolean;
  /**
   * How the acquisition search brings perturbations of the best points that leave the box back into
   * it: `"clamp"` onto the face, or `"reflect"` off it (see `PerturbationBoundary` in
   * `acquisition.ts`). Default "clamp": on the dev problems (50 trials × 5 seeds) "reflect" won 4,
   * tied 7 and lost 9, and left the share of proposals on a bound at 75% (76% with clamping).
   */
  perturbationBoundary?: PerturbationBoundary;
  /** Lower bound of the noise variance on standardised outputs (default 1e-6). */
  minNoise?: number;
  /**
   * Prior on the noise variance of the standardised outputs (default "exponential"); "gamma"
   * (BoTorch's Gamma(1.1, 0.05)) and "lognormal" (Hvarfner et al. 2024) let the fit find
   * substantial noise. See `NoisePrior`.
   */
  noisePrior?: NoisePrior;
  /**
   * The incumbent that expected improvement measures against: "observed" (default), the best
   * observed value; "posterior-mean", the lowest posterior mean at an evaluated point, the
   * "plug-in" criterion of Picheny et al. (2013), "A benchmark of kriging-based infill criteria for
   * noisy optimization", which a lucky noisy observation cannot drag down.
   */
  incumbent?: "observed" | "posterior-mean";
  /** Take running trials into account (default true), as `pendingStrategy` says; false ignores them. */
  constantLiar?: boolean;
  /**
   * How running trials keep parallel workers' proposals apart: `"kriging-believer"` (default), each
   * running trial enters the model as a fantasy observation at its posterior mean (Ginsbourger, Le
   * Riche & Carraro 2010); `"local-penalization"`, the model keeps the observations alone and the
   * acquisition is multiplied by a penalizer around each running point, sized by the posterior
   * mean's Lipschitz constant (González, Dai, Hennig & Lawrence 2016, AISTATS; see
   * `local-penalization.ts`); `"hard-local-penalization"`, the same with the hard penalizer of Alvi
   * et al. 2019 (PLAyBOOK-H, "Asynchronous Batch Bayesian Optimisation with Improved Local
   * Penalisation", ICML), which is 0 at a running point and 1 beyond the ball it is expected to rule
   * out. Several-objective (EHVI) steps always use the believer.
   */
  pendingStrategy?: PendingStrategy;
  /**
   * The single-objective acquisition: `"mace"` (default; `"log-ei"` when `inputWarping` is on),
   * HEBO's multi-objective acquisition ensemble (Cowen-Rivers et al. 2022, JAIR): a point drawn from
   * the Pareto front of EI, PI and UCB found by an NSGA-II search (see `mace.ts`); `"log-ei"`, log
   * expected improvement (Ament et al. 2023). With constraints, log EI is used.
   */
  acquisition?: AcquisitionKind;
  /** With MACE, generations of its NSGA-II search after the first population (default 10; each costs 64 predictions). */
  maceGenerations?: number;
  /** L-BFGS-B iterations per hyperparameter fit start (default 50). */
  fitIterations?: number;
  /**
   * The most observations a kernel hyperparameter fit sees (default 500, at least 20). Beyond, θ is
   * fitted on a quarter this many of the best observations and the rest spread over the others in
   * trial order (`fitObservationRows`), while the posterior still conditions on every observation: a fit
   * evaluates the O(n³) likelihood tens of times, the posterior factorises once. At 1000 trials a
   * fresh fit of every observation took minutes. Also bounds the output-warping choice's fits, and
   * the constraint, failure, warm-start and joint fidelity models'.
   */
  fitMaxObservations?: number;
  /**
   * After this many complete trials without a new best (and again after each further such run),
   * one trial is a point of the Sobol design instead of the model's choice; 0 turns it off
   * (default 0: off; on the lab's dev suite, 13 problems x 2 seeds at 100 trials, 10 was better on
   * 12 runs and worse on 12, and it made the seven-function table worse, so it is opt-in). Expected improvement with fitted hyperparameters can sample the incumbent's
   * neighbourhood for ever: the cluster makes the fitted lengthscales long and the model sure of
   * itself elsewhere (Bull 2011, "Convergence rates of efficient global optimization algorithms",
   * shows EI with estimated hyperparameters need not converge, and mixes in random points).
   */
  stagnationTrials?: number;
  /**
   * Vizier's trust region (Song et al. 2024; see `trust-region.ts`): while n evaluated points of a
   * p-parameter space give r = 0.2 + 0.3·n / (5(p + 1)) below 0.5, a single-objective proposal must
   * lie within L∞ distance r of an evaluated point (default false).
   */
  trustRegion?: boolean;
  /**
   * A first-order additive component in the kernel (Duvenaud, Nickisch & Rasmussen 2011, "Additive
   * Gaussian Processes"; see `additiveCorrelation` in `kernel.ts`): σ²·k(r) + σ²ₐ·(1/d)·Σᵢ k(rᵢ), with
   * σ²ₐ fitted by MAP with the rest, for the single-objective model (default true; false, and not
   * allowed, with `inputWarping`).
   */
  additiveKernel?: boolean;
  /**
   * With `additiveKernel`, the most observations the model may hold for the component to be used;
   * beyond, the kernel is the plain ARD one (default 150). A cost limit: the component adds
   * O(n²·d) to each likelihood evaluation and O(n·d) to each prediction, and it loosens the variance
   * bounds that let the acquisition search skip most exact variances. On `bench:gp-overhead`'s
   * 20-D × 300-trial study it took the last 10 trials from about 140 to 290–370 CPU ms each.
   */
  additiveMaxObservations?: number;
  /**
   * Acquisition for 2 or 3 objectives: `"ehvi"` (default), log expected hypervolume improvement
   * with one GP per objective; `"parego"`, one random Chebyshev scalarisation per trial (always
   * used beyond 3 objectives).
   */
  multiObjective?: "ehvi" | "parego";
  /**
   * Where the EHVI puts its reference point, in each objective normalised to [0, 1] over the
   * observations: `"observed"`, a tenth of the observed range beyond the worst observed value (as
   * Optuna's GPSampler and MO-TPE place it; it rewards pushing the front's ends outwards);
   * `"front"`, a tenth of the front's own range beyond the front's nadir (BoTorch's
   * `infer_reference_point`, Daulton et al.; it rewards filling the front's inside, but lets the
   * ends grow by a tenth of the range per step at most); `"nadir"`, a tenth of the observed range
   * beyond the front's nadir; `"alternate"` (default), `"front"` on even trial numbers and
   * `"observed"` on odd ones, since the reference the user will judge the front by is unknown.
   * Chosen on DTLZ5, DTLZ7 (3 objectives) and ZDT3, none of `bench:multiobjective`'s problems:
   * "alternate" was at least level with "observed" on all three, "front" and "nadir" lost on DTLZ7
   * and ZDT3. See {@link ehviReferencePoint}.
   */
  hypervolumeReference?: HypervolumeReference;
  /** Learn from the studies a warm-started study names (default false; see `warmStartMethod`). */
  warmStart?: boolean;
  /**
   * How the GP learns from source studies. `"stack"` (default since session 25): every other trial
   * of the startup design is the sources' best trial not tried yet (Feurer et al. 2015), and after
   * the startup Google Vizier's stacked residual GPs (Golovin et al. 2017, see `stack.ts`): this
   * study's GP models its residuals from the sources' GP, so the sources keep setting the mean where
   * the study has not looked, for as long as the study's results follow the sources' mean
   * (`stackRelated`; otherwise a cold GP's step). `"design"`: the same startup, then the GP models
   * this study alone (the default before). `"rgpe"`: the ranking-weighted ensemble of Feurer et al.
   * 2018 (see `rgpe.ts`), which ended worse than a cold GP on `bench:warmstart`.
   */
  warmStartMethod?: "design" | "rgpe" | "stack";
  /**
   * With the `"stack"` and `"design"` methods: where the sources' design points go. `"interleaved"` (default):
   * every other trial of the startup; `"before-startup"`: ⌈startup/2⌉ of them first, then the whole
   * Sobol startup of a cold study (see the README's warm-start section for how it was measured).
   */
  warmStartDesign?: "interleaved" | "before-startup";
  /**
   * With the `"stack"` method: how this study's uncertainty combines with the sources'
   * (`StackVariance` in `stack.ts`). `"geometric"` (default): Vizier's σ_top^β · σ_below^(1−β);
   * `"scaled"`: the same with σ_below mapped to this study's units by the calibration slope;
   * `"sum"`: the variance of the sources' process plus this study's residual process. Each of the
   * other two was judged against the default on the 11 warm-start dev pairs by a rule written
   * before its run (session 26) and failed it (see the README's warm-start section).
   */
  stackVariance?: StackVariance;
  /**
   * With the `"stack"` method: where the acquisition's local search starts after the startup.
   * `"study"` (default since session 27): the best of this study's points by the stack's mean, as a
   * cold step does (the sources still shape the stack's mean and uncertainty, and so the candidates'
   * scores); `"all"`: the best of this study's points and of the sources' points (the default before).
   * Judged on the fresh warm-start pairs of `--split dev3` by a rule written before its run (see the
   * README's warm-start section).
   */
  stackAnchors?: "study" | "all";
  /**
   * With the `"stack"` method: after this many of this study's complete trials (in trial order)
   * without a new best, each step is a cold GP's step until one brings a new best, when the stack
   * resumes (0: never, the default). The sources' mean can hold the search in a region where the
   * study stops improving; a cold step is free to leave it. With 10 it was judged against the default
   * on the `--split dev3` warm-start pairs by a rule written before its run (session 27) and failed it
   * (see the README's warm-start section).
   */
  stackPatience?: number;
  /**
   * What failed trials (the objective threw or returned NaN) tell the GP (one objective, or EHVI):
   * `"model"` (default), once failures cluster, a failure model learns where the objective fails and
   * weights the acquisition by the chance of not failing (see {@link GPSampler}); `"ignore"`, they are left
   * out, as earlier versions did (the failing region then stays empty of observations and keeps
   * looking promising). Either way a failed point is not proposed again.
   */
  failedTrials?: "model" | "ignore";
  /** Warm starts: at most this many source studies enter the ensemble, the best by estimated transfer (default 3). */
  maxWarmStartSources?: number;
  /**
   * Which observations the GP fits when trials are pruned: `"bohb"` the highest step with enough
   * observations (Falkner et al. 2018), `"final"` the study as recorded (a pruned trial at the value
   * it stopped at), `"quantile"` a pruned trial at the final value its rank at its step predicts
   * (Gaussian copula), `"gate"` `"final"` where this study's complete trials show that early steps
   * rank as the final values do and BOHB's worst value where they do not, `"joint"` one GP over
   * the parameters and the step (z = log(1 + step) / log(1 + last step)) fitted on every trial's
   * values at the rung steps and its last step, searched at the last step (see
   * `joint-fidelity.ts`), `"auto"` (default) `"joint"` under a successive-halving pruner and
   * `"gate"` under any other. See `fidelity.ts`.
   *
   * `"joint"` replaced `"bohb"` under successive halving in session 14 by a rule fixed before
   * measuring (`node bench/pruning.mjs --dev --sampler gp --pruners none,asha,hyperband --rules
   * plain,bohb,joint`, 10 seeds: a better median best at the budget than `"bohb"` in at least 4 of
   * the 6 cells of 3 dev problems × {asha, hyperband}, and no cell lost on 7 or more seeds). It was
   * better in 5 (curves 0.135 / 0.0768 against 0.148 / 0.121, Hartmann-3 −3.86278 / −3.86276
   * against −3.86175 / −3.85861, LCBench 167152 under Hyperband 0.0171 against 0.0263) and worse
   * in one (LCBench 167152 under ASHA, 0.0281 against 0.0276, 4 seeds won, 6 lost).
   *
   * Chosen for issue 12, whose quickstart (median pruner) ended with a startup point as its best
   * trial on most seeds, by a rule fixed before measuring: a rule replaces `"final"` under
   * non-successive-halving pruners if on `bench/pruning.mjs --dev --sampler gp --pruners none,median`
   * no dev problem's median best is more than 20% worse and the quickstart's count of model-proposed
   * best trials (`bench/quickstart.mjs`, 10 seeds) rises. Same session, `"final"` / `"quantile"` /
   * `"gate"`: quickstart 4 / 1 / 5 of 10 seeds (model proposals on a bound 94.0% / 95.5% / 91.0%);
   * synthetic curves (10 seeds) median best 0.0904 / 0.0825 / 0.0900 (gate better on 5 seeds,
   * worse on 3); multi-fidelity Hartmann-3 (10 seeds) median regret 3.5e-5 / 2e-5 / 3.5e-5 (gate
   * identical seed by seed: its early steps rank perfectly, so the gate keeps `"final"`);
   * LCBench 167152 (5 seeds) median best 0.0305 / not run / 0.0302 (gate better on 2 seeds, worse
   * on 3). The gate passed, but 5 against 4 is within the quickstart's run-to-run spread (`jobs: 2`;
   * `"final"` gave 3 and 3 in earlier sessions). `"quantile"` lost the quickstart: imputed pruned
   * trials looked typical, not bad, so the model kept proposing where the pruner stops. Earlier,
   * `"bohb"` under the median pruner made the quickstart 6 of 10 (73% on a bound) but lost on
   * Hartmann-3, median regret about 1e-3 against 3e-5, two seeds stuck at −3.08 and −2.58, as
   * pruned trials became the worst observations where their early values were informative.
   */
  fidelityRule?: GPFidelityRule;
  /**
   * With the `"joint"` fidelity model and MACE: weigh each proposal by the model's probability that
   * it passes the first rung (see `firstRungSurvival` in `joint-fidelity.ts`), so that a
   * configuration the pruner would stop at once is not proposed for its promise at the end.
   * Default false.
   */
  jointSurvival?: boolean;
  /** BOHB's N_min: observations a step needs to be modelled (default max(d + 1, startup trials)). */
  fidelityMinTrials?: number;
}

/**
 * The GP's fidelity rules: TPE's (see `fidelity.ts`) and `"joint"`, one GP over the configuration
 * and the fidelity, searched at the final step (see `joint-fidelity.ts`).
 */
export type GPFidelityRule = FidelityRule | "joint";
export const GP_FIDELITY_RULES: readonly GPFidelityRule[] = [...FIDELITY_RULES, "joint"];

/** Where the EHVI's reference point sits; see {@link ehviReferencePoint}. */
export type HypervolumeReference = "observed" | "front" | "nadir" | "alternate";
/** How running trials are taken into account; see {@link GPSamplerOptions.pendingStrategy}. */
export type PendingStrategy = "kriging-believer" | "local-penalization" | "hard-local-penalization";
const PENDING_STRATEGIES: readonly PendingStrategy[] = ["kriging-believer", "local-penalization", "hard-local-penalization"];
/** The single-objective acquisition; see {@link GPSamplerOptions.acquisition}. */
export type AcquisitionKind = "log-ei" | "mace";
const ACQUISITION_KINDS: readonly AcquisitionKind[] = ["log-ei", "mace"];
const HYPERVOLUME_REFERENCES: readonly HypervolumeReference[] = ["observed", "front", "nadir", "alternate"];

/** System attribute where each GP trial records its fitted θ (read back as a warm start, and by `modelBeliefs`). */
export const THETA_ATTR = "gp:theta";
const FALLBACK_ATTR = "gp:fallback";
/** With `outputWarping: "auto"`: the warping each GP trial used, and the candidates' scores when it chose afresh. */
export const WARPING_ATTR = "gp:outputWarping";
/** Set on a trial that the stagnation rule made a design point, with the reason. */
const EXPLORATION_ATTR = "gp:exploration";
/** θ of the joint fidelity model (d + 1 inputs), kept apart from the plain model's θ. */
const JOINT_THETA_ATTR = "gp:jointTheta";
/** θ of every per-objective (EHVI) and per-constraint model of a trial, for the next trial's warm start. */
const MODEL_THETAS_ATTR = "gp:modelThetas";
const TRANSFER_ATTR = "gp:transferWeights";
/** With warmStartMethod "stack": the map from the sources' mean to this study's units and this study's share β of the evidence. */
const STACK_ATTR = "gp:stack";
/** With warmStartMethod "stack": the kernel hyperparameters of this study's residual GP. */
const STACK_THETA_ATTR = "gp:stackTheta";
/** θ of the failure model (see {@link GPSampler}), for the next trial's warm start. */
const FAILURE_THETA_ATTR = "gp:failureTheta";
const ANCHOR_COUNT = 5;

/** A source study's GP on the space, the encoded points it was fitted on and their losses (minimisation). */
interface SourceModel {
  gp: GaussianProcess;
  points: Float64Array[];
  losses: number[];
}

/** The chosen sources' stacked GPs and the output warping every layer, and this study's, is modelled in. */
interface SourceStack {
  layers: StackLayer[];
  warping: OutputWarping;
}
/** The EHVI's reference point lies this share of a range beyond the worst value it bounds. */
const EHVI_MARGIN = 0.1;

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
 * Constraints (`systemAttrs.constraints`, feasible when all are <= 0): one GP per constraint, and
 * log EI against the best feasible value plus the log probability of feasibility (Gardner et al.
 * 2014, see constrained.ts); with no feasible trial yet, the probability of feasibility alone.
 *
 * Failed trials (the objective threw or returned NaN) have no value, but where they failed is
 * learnt: once failures cluster in the space (the permutation test of `../failures.ts`), a failure
 * model's probability of not failing weights the acquisition (Gelbart et al. 2014's unknown
 * constraints; single-objective and EHVI steps, see `failureModel`), and a failed point is never
 * proposed again.
 *
 * @example
 * const study = await createStudy({ sampler: new GPSampler({ seed: 1 }) });
 * await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2, { nTrials: 30 });
 */
export class GPSampler implements Sampler {
  readonly name = "gp";
  /** Whether it learns from warm-start sources: only with `warmStart: true`. */
  get usesWarmStart(): boolean {
    return this.options.warmStart;
  }
  readonly seed: number;
  private readonly options: Required<Omit<GPSamplerOptions, "seed" | "nStartupTrials" | "fidelityRule" | "fidelityMinTrials">> & { nStartupTrials?: number; fidelityMinTrials?: number };
  private readonly fidelity: FidelityView;
  private readonly jointFidelity: boolean;
  private readonly searchSpace = new IntersectionSearchSpace();
  /** Last fitted θ per study and space, used only when the history carries none. */
  private readonly thetaCache = new Map<string, number[]>();
  /** The single-objective model of the latest trial, with its study and space, for the next trial's model to grow from. */
  private lastModel: { key: string; gp: GaussianProcess } | null = null;
  /** Source studies' GPs, by source, space and size. */
  private readonly sourceModels = new Map<string, SourceModel | null>();
  /** The stacked GPs of the chosen sources (see `stack.ts`), by the sources' names, sizes and the space. */
  private readonly sourceStacks = new Map<string, SourceStack>();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<GPSamplerOptions>;

  constructor(options: GPSamplerOptions = {}) {
    refuseUnknownOptions("gp sampler", options, GP_OPTIONS, []);
    this.given = { ...options };
    this.seed = seedOrRandom(options.seed, "GPSampler");
    this.options = {
      nStartupTrials: options.nStartupTrials,
      nCandidates: options.nCandidates ?? 1024,
      nRestarts: options.nRestarts ?? 6,
      outputWarping: options.outputWarping ?? "auto",
      priorMean: options.priorMean ?? "worst",
      inputWarping: options.inputWarping ?? false,
      perturbationBoundary: options.perturbationBoundary ?? "clamp",
      minNoise: options.minNoise ?? 1e-6,
      noisePrior: options.noisePrior ?? "exponential",
      incumbent: options.incumbent ?? "observed",
      constantLiar: options.constantLiar ?? true,
      pendingStrategy: options.pendingStrategy ?? "kriging-believer",
      // Input warping is fitted for log EI only (see the check in validateGPOptions).
      acquisition: options.acquisition ?? (options.inputWarping === true ? "log-ei" : "mace"),
      fitIterations: options.fitIterations ?? 50,
      fitMaxObservations: options.fitMaxObservations ?? FIT_MAX_OBSERVATIONS,
      maceGenerations: options.maceGenerations ?? MACE_GENERATIONS,
      stagnationTrials: options.stagnationTrials ?? 0,
      trustRegion: options.trustRegion ?? false,
      // Input warping is fitted without the additive component (see the check in validateGPOptions).
      additiveKernel: options.additiveKernel ?? options.inputWarping !== true,
      additiveMaxObservations: options.additiveMaxObservations ?? 150,
      multiObjective: options.multiObjective ?? "ehvi",
      hypervolumeReference: options.hypervolumeReference ?? "alternate",
      warmStart: options.warmStart ?? false,
      maxWarmStartSources: options.maxWarmStartSources ?? 3,
      warmStartMethod: options.warmStartMethod ?? "stack",
      warmStartDesign: options.warmStartDesign ?? "interleaved",
      stackVariance: options.stackVariance ?? "geometric",
      stackAnchors: options.stackAnchors ?? "study",
      stackPatience: options.stackPatience ?? 0,
      failedTrials: options.failedTrials ?? "model",
      jointSurvival: options.jointSurvival ?? false,
      ...(options.fidelityMinTrials === undefined ? {} : { fidelityMinTrials: options.fidelityMinTrials }),
    };
    validateOptions({ ...this.options, seed: this.seed });
    this.jointFidelity = options.fidelityRule === "joint";
    this.fidelity = new FidelityView(options.fidelityRule === "joint" || options.fidelityRule === undefined ? "auto" : options.fidelityRule, { otherwise: "gate" });
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, GP_OPTIONS);
  }

  inferRelativeSpace(snapshot: StudySnapshot, _trial?: SamplingTrial): SearchSpace {
    const space: Record<string, Distribution> = {};
    for (const [name, distribution] of Object.entries(this.searchSpace.calculate(snapshot))) {
      if (!isSingleValue(distribution)) space[name] = distribution;
    }
    // Warm-started and without trials of its own yet: the sources say what the space is.
    if (Object.keys(space).length === 0 && this.options.warmStart && !snapshot.trials.some((t) => t && t.state === "complete")) {
      return warmStartSpace(warmSources(snapshot));
    }
    return space;
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const encoder = new SpaceEncoder(space);
    const d = encoder.dimension;
    if (d === 0) return {};
    const rng = new Rng(deriveSeed(this.seed, trial.number, "gp"));
    const nStartup = this.options.nStartupTrials ?? Math.max(2, Math.min(10, 2 * d + 1));
    const jointFidelity = this.jointFidelity || (this.fidelity.rule === "auto" && this.fidelity.successiveHalving(snapshot));
    // The joint model's observations are null while no pruned trial has reported a step.
    const joint =
      jointFidelity && snapshot.directions.length === 1 && !this.options.warmStart
        ? jointObservations(snapshot, (t) => encodeTrial(t, encoder), snapshot.directions[0] === "maximize" ? -1 : 1, trial.number)
        : null;
    if (joint) {
      if (joint.configurations.length < nStartup) return this.startupPoint(encoder, trial.number);
      return this.withFallback(trial, encoder, rng, () => this.jointStep(snapshot, trial, encoder, joint, rng));
    }
    const view = this.fidelity.view(snapshot, () => this.options.fidelityMinTrials ?? Math.max(d + 1, nStartup));
    const modelled = view.snapshot;
    const observations = this.collectObservations(modelled, encoder, trial.number);
    // Warm-started, every other trial of what would be the startup design stays a design point, so
    // that sources are judged, and this study's own GP fitted, on points from more than one region.
    // With warmStartDesign "before-startup" the sources' ⌈nStartup/2⌉ design points come first,
    // then the cold study's whole Sobol startup.
    const n = observations.points.length;
    const available = snapshot.directions.length === 1 && this.options.warmStart ? warmSources(snapshot) : [];
    const before = available.length > 0 && this.options.warmStartMethod !== "rgpe" && this.options.warmStartDesign === "before-startup";
    const designLength = before ? Math.ceil(nStartup / 2) : 0;
    const startupLength = nStartup + designLength;
    const sobolIndex = Math.max(0, trial.number - designLength);
    const skipSources = before ? n >= designLength && n < startupLength : n < nStartup && trial.number % 2 === 1;
    const sources = skipSources ? [] : available;
    if (sources.length === 0 && n < startupLength) return this.startupPoint(encoder, sobolIndex);
    return this.withFallback(trial, encoder, rng, () => {
      const startup = n < startupLength;
      const warm = sources.length > 0 ? this.transferStep(snapshot, trial, encoder, observations, sources, rng, startup) : null;
      if (warm) return warm;
      if (n < startupLength) return this.startupPoint(encoder, sobolIndex);
      if (snapshot.directions.length === 1 && stagnationDue(observations.values, this.options.stagnationTrials)) {
        trial.setSystemAttr(EXPLORATION_ATTR, `no improvement in the last ${this.options.stagnationTrials} trials: a Sobol design point`);
        return this.startupPoint(encoder, trial.number);
      }
      return this.bayesianStep(snapshot, trial, encoder, observations, rng, view.budget === null);
    });
  }

  /**
   * `step`'s proposal; if it finds none, or fails numerically, a random point, with the reason
   * recorded on the trial (`gp:fallback`).
   */
  private withFallback(trial: SamplingTrial, encoder: SpaceEncoder, rng: Rng, step: () => Record<string, ParamValue> | null): Record<string, ParamValue> {
    try {
      const params = step();
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

  /** Parameters out of its space are drawn at random; its startup is the design `sampleRelative` starts with. */
  independentSampling(snapshot: StudySnapshot): IndependentSampling {
    const d = Object.keys(this.inferRelativeSpace(snapshot)).length;
    return { how: "at random", startupTrials: this.options.nStartupTrials ?? Math.max(2, Math.min(10, 2 * d + 1)) };
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
  ): Observations {
    const points: Float64Array[] = [];
    const vectors: number[][] = [];
    const running: Float64Array[] = [];
    const failed: Float64Array[] = [];
    const constraints: (readonly number[] | null)[] = [];
    const feasible: boolean[] = [];
    const numbers: number[] = [];
    const directions = snapshot.directions;
    for (const t of snapshot.trials) {
      if (!t || t.number === number) continue;
      // A pruned trial carries the value it was stopped at: a pessimistic but real observation.
      // Leaving it out would let the model propose the same pruned region again and again.
      if (t.state !== "complete" && t.state !== "pruned" && t.state !== "running" && t.state !== "failed") continue;
      const point = encodeTrial(t, encoder);
      if (!point) continue;
      if (t.state === "running") {
        running.push(point);
        continue;
      }
      // A failed trial has no value, but where it failed is known: the failure model learns it.
      if (t.state === "failed") {
        failed.push(point);
        continue;
      }
      const values = t.values;
      if (!values || values.length !== directions.length || !values.every(Number.isFinite)) continue;
      points.push(point);
      numbers.push(t.number);
      vectors.push(values.map((v, i) => (directions[i] === "maximize" ? -v : v)));
      // A pruned trial's constraints count as a complete one's (Optuna 3.1 evaluates
      // constraints_func for both); one without them is taken as feasible, as before they existed.
      const readable = readableConstraints(t);
      // NaN or ±Infinity (kept by storage writes that tell would refuse) made every standardized
      // target of its constraint NaN, and each later suggestion a random fallback: modelled without
      // it, though it still decides the trial's feasibility below.
      constraints.push(readable !== null && readable.every(Number.isFinite) ? readable : null);
      // Stored constraints that are not a list of numbers make the trial infeasible (as every
      // reader of stored trials judges it), though they give its constraint models nothing:
      // isFeasible judges only a trial whose constraints could not be read as numbers. A pruned
      // trial too: one with [null] (NaN sent as JSON) counted feasible, and could be the incumbent.
      feasible.push(readable !== null ? meetsConstraints(readable) : isFeasible(t));
    }
    const values =
      directions.length === 1 ? vectors.map((v) => v[0]!) : scalarizeParEgo(vectors, new Rng(deriveSeed(this.seed, number, "parego")));
    return { points, values, vectors, running, failed, constraints, feasible, numbers };
  }

  private bayesianStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    encoder: SpaceEncoder,
    observations: Observations,
    rng: Rng,
    asRecorded = true,
  ): Record<string, ParamValue> | null {
    const d = encoder.dimension;
    const dimensions = dimensionKinds(encoder);
    const categorical = categoricalMask(dimensions);
    const objectives = snapshot.directions.length;
    if (this.options.multiObjective === "ehvi" && (objectives === 2 || objectives === 3)) {
      return this.hypervolumeStep(snapshot, trial, encoder, observations, dimensions, categorical, rng);
    }
    const n = observations.points.length;
    let x = new Float64Array(n * d);
    for (let j = 0; j < n; j++) x.set(observations.points[j]!, j * d);
    const cacheKey = `${studyKeyOf(snapshot)}:${encoder.names.join("\u0000")}`;
    const inputWarped = this.options.inputWarping ? numericDimensions(dimensions) : new Int32Array(0);
    const size = d + 2 + 2 * inputWarped.length + (this.additiveFor(n, d) ? 1 : 0);
    const warm = previousTheta(snapshot, trial.number, d, size) ?? fitting(this.thetaCache.get(cacheKey), d, size);
    const { y, theta, warping: outputWarping } = this.warpAndFit(snapshot, trial, observations.values, { x, n, d, categorical }, warm, inputWarped);
    let data: TrainingData = { x, y, n, d, categorical };
    const thetaList = Array.from(theta, (v) => (Number.isFinite(v) ? v : 0));
    this.thetaCache.set(cacheKey, thetaList);
    trial.setSystemAttr(THETA_ATTR, thetaList as JsonValue);
    const params = parametersFromTheta(theta, d);
    // With input warping the GP sees warped inputs; the acquisition search stays in the space's own
    // cube (its candidates, perturbations and grids as without warping) through `warpedSurrogate`.
    // Searching the warped cube instead (and mapping the proposal back) did worse on the dev suite
    // (50 trials × 5 seeds: 0 wins in the 8 problems it was run on).
    const warping = InputWarping.fromTheta(theta, d, inputWarped);
    const toModel = (p: Float64Array): Float64Array => (warping ? warping.warpPoint(p) : p);
    if (warping) {
      x = new Float64Array(n * d);
      for (let j = 0; j < n; j++) x.set(toModel(observations.points[j]!), j * d);
      data = { x, y, n, d, categorical };
    }

    // Between kernel refits θ is the previous trial's, and that trial's model (kept by this
    // sampler) grows by the new rows instead of being factorised again; the result is the same.
    const earlier = this.lastModel?.key === cacheKey ? this.lastModel.gp : undefined;
    let gp = new GaussianProcess(data, params, earlier);
    this.lastModel = { key: cacheKey, gp };
    // With constraints, only a feasible observation is an incumbent (Gardner et al. 2014).
    const constrained = observations.constraints.some((c) => c !== null);
    const feasible = observations.feasible;
    // The model's smoothed value at each evaluated point: what it believes each trial is worth.
    const smoothed = gp.trainingMeans();
    let best = Infinity;
    for (let j = 0; j < n; j++) if (feasible[j]) best = Math.min(best, this.options.incumbent === "posterior-mean" ? smoothed[j]! : y[j]!);
    if (objectives === 1 && asRecorded) {
      const recommended = recommendTrial(snapshot, gp, observations, smoothed, feasible, outputWarping, this.options.priorMean, params.noiseVariance, toModel);
      if (recommended) trial.setSystemAttr(RECOMMENDED_TRIAL_ATTR, recommended as unknown as JsonValue);
    }
    const taken = new Set<string>();
    for (const p of observations.points) taken.add(pointKey(p));
    for (const p of observations.failed) taken.add(pointKey(p));
    const failure = this.failureModel(observations, categorical, snapshot, trial);

    const pending = this.options.constantLiar ? observations.running : [];
    for (const point of pending) taken.add(pointKey(point));
    let penalizers: Penalizer[] = [];
    if (pending.length > 0 && this.options.pendingStrategy !== "kriging-believer" && Number.isFinite(best)) {
      // Local penalization: the model keeps the observations alone; each running point lowers the
      // acquisition within the ball it is expected to rule out (González et al. 2016). Without a
      // feasible incumbent there is no ball to size, and the believer below stands in.
      const lipschitz = estimateLipschitz(gp, [...observations.points, ...pending], d, categorical, deriveSeed(this.seed, trial.number, "lipschitz"));
      penalizers = pendingPenalizers(gp, pending, best, lipschitz, this.options.pendingStrategy === "hard-local-penalization" ? "hard" : "soft");
    } else if (pending.length > 0) {
      // Kriging believer: pretend each running trial returns the posterior mean there. The mean
      // surface is unchanged, but the variance collapses at those points, so EI moves elsewhere.
      const m = pending.length;
      const xAll = new Float64Array((n + m) * d);
      xAll.set(x);
      const yAll = new Float64Array(n + m);
      yAll.set(y);
      for (let j = 0; j < m; j++) {
        const point = pending[j]!;
        xAll.set(toModel(point), (n + j) * d);
        const believed = gp.predict(toModel(point)).mean;
        yAll[n + j] = believed;
        best = Math.min(best, believed);
      }
      gp = new GaussianProcess({ x: xAll, y: yAll, n: n + m, d, categorical }, params, gp);
    }

    const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => Number(feasible[b]) - Number(feasible[a]) || y[a]! - y[b]!);
    const anchors = order.slice(0, ANCHOR_COUNT).map((j) => observations.points[j]!);
    const region = this.options.trustRegion ? vizierTrustRegion(observations.points, dimensions) : null;
    if (this.options.acquisition === "mace" && !constrained && Number.isFinite(best)) {
      return this.proposeByMace(gp, best, maceKappa(n, d), encoder, dimensions, anchors, taken, trial, rng, {
        trustRegion: region,
        ...(penalizers.length > 0 && { logPenalty: (point: Float64Array) => logPenalty(penalizers, point, categorical) }),
        // The failure model's log probability of not failing: the constrained acquisition of no objective.
        ...(failure && { logFeasibility: constrainedAcquisition(null, [failure], d).value }),
      });
    }
    const surrogate = warping ? warpedSurrogate(gp, warping) : gp;
    let acquisition: Acquisition | null = Number.isFinite(best) ? logExpectedImprovementAcquisition(surrogate, best) : null;
    if (constrained) acquisition = constrainedAcquisition(acquisition, this.constraintModels(observations, categorical, snapshot, trial), d);
    if (failure) acquisition = constrainedAcquisition(acquisition, [failure], d);
    if (acquisition === null) return null;
    if (penalizers.length > 0) acquisition = locallyPenalizedAcquisition(acquisition, penalizers, categorical);
    return this.propose(acquisition, encoder, dimensions, anchors, taken, trial, rng, region);
  }

  /**
   * One step of the joint fidelity model (see `joint-fidelity.ts`): a GP over (x, z) fitted on every
   * trial's rung and last values, its acquisition searched at z = 1 against the best complete trial.
   * Running trials are not proposed again, but do not enter the model.
   */
  private jointStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    encoder: SpaceEncoder,
    joint: JointObservations,
    rng: Rng,
  ): Record<string, ParamValue> | null {
    const d = encoder.dimension;
    const dimensions = dimensionKinds(encoder);
    const categorical = categoricalMask(dimensions);
    const jointCategorical = new Uint8Array(d + 1);
    jointCategorical.set(categorical);
    const n = joint.points.length;
    const x = new Float64Array(n * (d + 1));
    joint.points.forEach((point, j) => x.set(point, j * (d + 1)));
    const size = d + 3 + (this.additiveFor(n, d + 1) ? 1 : 0);
    const warm = previousTheta(snapshot, trial.number, d + 1, size, JOINT_THETA_ATTR);
    const inputs = { x, n, d: d + 1, categorical: jointCategorical };
    const { y, theta } = this.warpAndFit(snapshot, trial, joint.values, inputs, warm, new Int32Array(0));
    trial.setSystemAttr(JOINT_THETA_ATTR, Array.from(theta, (v) => (Number.isFinite(v) ? v : 0)) as JsonValue);
    const params = parametersFromTheta(theta, d + 1);
    const gp = new GaussianProcess({ ...inputs, y }, params);
    const atFinal = finalFidelitySurrogate(gp, d);
    let best = Infinity;
    for (let j = 0; j < n; j++) if (joint.points[j]![d] === 1) best = Math.min(best, y[j]!);
    const means = joint.configurations.map((c) => atFinal.predict(c).mean);
    if (!Number.isFinite(best)) best = Math.min(...means);
    const order = means.map((_, j) => j).sort((a, b) => means[a]! - means[b]! || a - b);
    const anchors = order.slice(0, ANCHOR_COUNT).map((j) => joint.configurations[j]!);
    const taken = new Set<string>();
    for (const c of joint.configurations) taken.add(pointKey(c));
    for (const t of snapshot.trials) {
      if (!t || t.state !== "running" || t.number === trial.number) continue;
      const point = encodeTrial(t, encoder);
      if (point) taken.add(pointKey(point));
    }
    if (this.options.acquisition === "mace") {
      let survival: ((point: Float64Array) => number) | null = null;
      if (this.options.jointSurvival) {
        const z = fidelityOf(joint.rungSteps[0]!, joint.topStep);
        const atFirst: number[] = [];
        for (let j = 0; j < n; j++) if (joint.points[j]![d] === z) atFirst.push(y[j]!);
        survival = z < 1 ? firstRungSurvival(gp, d, z, atFirst, joint.firstRung, params.noiseVariance) : null;
      }
      return this.proposeByMace(atFinal, best, maceKappa(joint.configurations.length, d), encoder, dimensions, anchors, taken, trial, rng, survival ? { logPenalty: survival } : {});
    }
    return this.propose(logExpectedImprovementAcquisition(atFinal, best), encoder, dimensions, anchors, taken, trial, rng);
  }

  /** A point of MACE's front (see `mace.ts`), decoded; null if the search found no finite one. */
  private proposeByMace(
    surrogate: Surrogate,
    best: number,
    kappa: number,
    encoder: SpaceEncoder,
    dimensions: DimensionKind[],
    anchors: Float64Array[],
    taken: Set<string>,
    trial: SamplingTrial,
    rng: Rng,
    extra: Pick<MaceSearch, "trustRegion" | "logPenalty" | "logFeasibility"> = {},
  ): Record<string, ParamValue> | null {
    const point = proposeMace(surrogate, best, kappa, {
      dimensions,
      nCandidates: this.options.nCandidates,
      generations: this.options.maceGenerations,
      anchors,
      taken,
      seed: deriveSeed(this.seed, trial.number, "candidates"),
      rng,
      // The default acquisition ignored this option: only the log-EI search passed it on.
      perturbationBoundary: this.options.perturbationBoundary,
      ...extra,
    });
    return point && point.every(Number.isFinite) ? decodePoint(point, encoder) : null;
  }

  /**
   * One step of log-EHVI for 2 or 3 objectives: a GP per objective (and per constraint), the
   * feasible front's box decomposition, and the acquisition search (candidates, perturbations of
   * the front points that hold the most exclusive hypervolume, L-BFGS-B on the EHVI's gradient).
   * Running trials enter as kriging-believer fantasies, as in the single-objective step. While
   * nothing is feasible, the probability of feasibility alone.
   */
  private hypervolumeStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    encoder: SpaceEncoder,
    observations: Observations,
    dimensions: DimensionKind[],
    categorical: Uint8Array,
    rng: Rng,
  ): Record<string, ParamValue> | null {
    const feasible = observations.feasible;
    const normalized = normalizeObjectives(observations.vectors);
    const previous = previousModelThetas(snapshot, trial.number);
    const fitted = this.fitModels(observations.points, normalized, categorical, previous, 0, this.options.priorMean);
    const frontPoints = frontOf(observations, feasible).map((j) => normalized[j]!);
    const constrained = observations.constraints.some((c) => c !== null);
    const believe = this.options.constantLiar && observations.running.length > 0;
    const objectiveModels = believe ? withBelievedRunning(fitted.models, observations.running) : fitted.models;
    // The believed outcomes join the front too (unless feasibility is modelled, where they are unknown),
    // so a running trial's neighbourhood promises no hypervolume it is already expected to bring.
    const believedFront = believe && !constrained ? [...frontPoints, ...believedOutcomes(fitted.models, observations.running)] : frontPoints;
    const mode = this.options.hypervolumeReference;
    const reference = ehviReferencePoint(frontPoints, normalized[0]!.length, mode === "alternate" ? (trial.number % 2 === 0 ? "front" : "observed") : mode);
    let acquisition = ehviAcquisition(objectiveModels, paretoFrontIndices(believedFront).map((k) => believedFront[k]!), reference);
    const thetas = [...fitted.thetas];
    if (constrained) {
      const constraintFit = this.fitConstrainedModels(observations, categorical, previous, normalized[0]!.length);
      thetas.push(...constraintFit.thetas);
      acquisition = constrainedAcquisition(acquisition, constraintFit.models, encoder.dimension);
    }
    // Where the objectives fail, as in the single-objective step: log EHVI plus the failure
    // model's log probability of not failing, once failures cluster.
    const failure = this.failureModel(observations, categorical, snapshot, trial);
    if (failure) acquisition = constrainedAcquisition(acquisition, [failure], encoder.dimension);
    trial.setSystemAttr(MODEL_THETAS_ATTR, thetas as JsonValue);
    if (acquisition === null) return null;
    const taken = new Set<string>();
    for (const p of observations.points) taken.add(pointKey(p));
    for (const p of observations.failed) taken.add(pointKey(p));
    for (const p of observations.running) taken.add(pointKey(p));
    return this.propose(acquisition, encoder, dimensions, frontAnchors(observations, feasible, frontPoints, reference), taken, trial, rng);
  }

  /**
   * MAP hyperparameters on the schedule of {@link kernelFitPlan}: the previous trial's θ as a warm
   * start, a fresh start from the default while data are few and then each time the data grow by
   * half, and at large n a refit only every few trials (the θ of the previous trial is reused in
   * between). Everything depends on the history only.
   */
  private warpAndFit(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    values: readonly number[],
    inputs: Omit<TrainingData, "y">,
    warm: ArrayLike<number> | undefined,
    inputWarped: Int32Array,
  ): { y: Float64Array; theta: Float64Array; warping: OutputWarping } {
    const fixed = this.options.outputWarping;
    if (fixed !== "auto") {
      const y = warpObservations(values, fixed, this.options.priorMean);
      return { y, theta: this.fitTheta({ ...inputs, y }, warm, inputWarped), warping: fixed };
    }
    // Below ALWAYS_FRESH_BELOW observations the candidates' scores differ by a nat or two and the
    // choice flips from trial to trial (a 1-D quadratic: log, power, log, power, none in 5 trials).
    if (inputs.n < ALWAYS_FRESH_BELOW) {
      const y = warpObservations(values, "none", this.options.priorMean);
      return { y, theta: this.fitTheta({ ...inputs, y }, warm, inputWarped), warping: "none" };
    }
    const previous = previousWarping(snapshot, trial.number);
    const plan = kernelFitPlan(inputs.n, warm !== undefined);
    if (plan.fresh || (previous === undefined && inputs.n === ALWAYS_FRESH_BELOW)) {
      const prior = defaultPrior(inputs.d, this.options.minNoise, this.options.noisePrior, this.additiveFor(inputs.n, inputs.d));
      const starts = [...(warm ? [warm] : []), ...hyperparameterStarts(inputs.d, prior)];
      // Screened: the warping kept so far gets the fit a fresh kernel fit gets anyway, the other two a
      // short warm refit from its θ (see chooseOutputWarping); the first choice screens against none.
      const incumbent = previous ?? "none";
      const choice = chooseOutputWarping(values, inputs, {
        prior,
        starts,
        maxIterations: this.options.fitIterations,
        incumbent,
        priorMean: this.options.priorMean,
        maxObservations: this.options.fitMaxObservations,
      });
      const scores = Object.fromEntries(Object.entries(choice.scores).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
      trial.setSystemAttr(WARPING_ATTR, { warping: choice.warping, scores });
      const y = warpObservations(values, choice.warping, this.options.priorMean);
      // The choice is weighed without input warping; with it, the kernel and the warps are then fitted
      // together from the chosen transform's θ.
      if (inputWarped.length === 0) return { y, theta: choice.theta, warping: choice.warping };
      const start = fitting(Array.from(choice.theta), inputs.d, inputs.d + 2 + 2 * inputWarped.length);
      return { y, theta: this.fitTheta({ ...inputs, y }, start, inputWarped), warping: choice.warping };
    }
    // Between fresh fits the choice stands; a history without one (an older study) stays unwarped until the next.
    const kept = previous ?? "none";
    trial.setSystemAttr(WARPING_ATTR, { warping: kept });
    const y = warpObservations(values, kept, this.options.priorMean);
    // A warped target's warm refit is capped (unwarped ones are left as they were): on log-warped
    // values of a 20-D sphere at n ≈ 290 it otherwise took 17–61 likelihood evaluations, 6–13 unwarped.
    const cap = kept === "none" ? undefined : WARPED_REFIT_ITERATIONS;
    return { y, theta: this.fitTheta({ ...inputs, y }, warm, inputWarped, cap), warping: kept };
  }

  /** The fixed output warping, or "none" for "auto" where no evidence is weighed (warm-start sources). */
  private get plainWarping(): OutputWarping {
    return this.options.outputWarping === "auto" ? "none" : this.options.outputWarping;
  }

  /** Whether a model of `observations` points has the additive component (see `additiveMaxObservations`). */
  private additiveFor(observations: number, dimension: number): boolean {
    // In one dimension the component would be the kernel itself again.
    return this.options.additiveKernel && dimension >= 2 && observations <= this.options.additiveMaxObservations;
  }

  /** `refitIterations` caps a warm refit's L-BFGS-B iterations (not a fresh fit's). */
  private fitTheta(data: TrainingData, warm: ArrayLike<number> | undefined, warpedDimensions: Int32Array = new Int32Array(0), refitIterations?: number): Float64Array {
    const prior = defaultPrior(data.d, this.options.minNoise, this.options.noisePrior, this.additiveFor(data.n, data.d));
    const plan = kernelFitPlan(data.n, warm !== undefined);
    if (!plan.refit && warm) return Float64Array.from(warm);
    const starts: ArrayLike<number>[] = [];
    if (warm) starts.push(warm);
    // A start's input warping (absent from these starts) is the identity.
    if (plan.fresh) starts.push(...hyperparameterStarts(data.d, prior));
    const maxIterations = plan.fresh || refitIterations === undefined ? this.options.fitIterations : Math.min(refitIterations, this.options.fitIterations);
    return fitHyperparameters(data, { prior, starts, maxIterations, warpedDimensions, maxObservations: this.options.fitMaxObservations }).theta;
  }

  /**
   * Kernel hyperparameters for `data`, warm-started from the latest earlier trial's record under
   * `attr` (else this sampler's last fit under `cacheKey`), then kept under `cacheKey` and recorded
   * on `trial` under `attr` for the next trial.
   */
  private fitRecordedTheta(data: TrainingData, snapshot: StudySnapshot, trial: SamplingTrial, cacheKey: string, attr: string, size: number): Float64Array {
    const theta = this.fitTheta(data, previousTheta(snapshot, trial.number, data.d, size, attr) ?? fitting(this.thetaCache.get(cacheKey), data.d, size));
    const thetaList = Array.from(theta, (v) => (Number.isFinite(v) ? v : 0));
    this.thetaCache.set(cacheKey, thetaList);
    trial.setSystemAttr(attr, thetaList as JsonValue);
    return theta;
  }

  /** A source study's own GP on the space, fitted once per source, space and size (a function of the source's trials alone). */
  private sourceModel(source: WarmStartSource, encoder: SpaceEncoder, categorical: Uint8Array): SourceModel | null {
    // The distributions belong in the key: the model of trial 0 (fitted in the source's own space)
    // was reused for a target whose ranges or choice order differ, decoding the source's points
    // into the target's ranges (x 0.9 of [0, 10] became 0.09 of [0, 1]; choices came back flipped).
    const key = `${source.name}\u0001${encoder.names.join("\u0000")}\u0001${JSON.stringify(encoder.distributions)}\u0001${source.trials.length}`;
    const cached = this.sourceModels.get(key);
    if (cached !== undefined) return cached;
    const points: Float64Array[] = [];
    const losses: number[] = [];
    for (const trial of source.trials) {
      if (!fitsSpace(trial, encoder.names, encoder.distributions)) continue;
      const point = encodeTrial(trial, encoder);
      if (!point) continue;
      points.push(point);
      losses.push(sourceLoss(source.direction, trial));
    }
    let model: SourceModel | null = null;
    if (points.length >= 3) {
      const d = encoder.dimension;
      const x = new Float64Array(points.length * d);
      points.forEach((p, j) => x.set(p, j * d));
      const data: TrainingData = { x, y: warpObservations(losses, this.plainWarping, this.options.priorMean), n: points.length, d, categorical };
      model = { gp: new GaussianProcess(data, parametersFromTheta(this.fitTheta(data, undefined), d)), points, losses };
    }
    this.sourceModels.set(key, model);
    return model;
  }

  /**
   * A warm-started step: RGPE (see `rgpe.ts`) over the GPs of the source studies that MBTL-style
   * selection keeps (`warm-start.ts`) and, once it has two trials, this study's own GP; then log EI
   * on the ensemble, from the first trial on.
   */
  private transferStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    encoder: SpaceEncoder,
    observations: Observations,
    sources: readonly WarmStartSource[],
    rng: Rng,
    startup: boolean,
  ): Record<string, ParamValue> | null {
    const d = encoder.dimension;
    const dimensions = dimensionKinds(encoder);
    const categorical = categoricalMask(dimensions);
    const usable = sources.map((source) => ({ source, model: this.sourceModel(source, encoder, categorical) })).filter((s) => s.model !== null);
    if (usable.length === 0) return null;
    const n = observations.points.length;
    const y = warpObservations(observations.values, this.plainWarping, this.options.priorMean);
    // MBTL-style choice of sources: by how their means order this study's trials, else by context distance.
    const selection = transferWeights(
      usable.map(({ source, model }) => ({
        concordance: n >= MIN_TARGET_TRIALS_FOR_AGREEMENT ? concordance(observations.points.map((p) => model!.gp.predict(p).mean), y, true) : null,
        observations: Math.ceil(n / 2),
        contextDistance: contextDistance(source, snapshot),
      })),
      this.options.maxWarmStartSources,
    );
    const chosen = usable.filter((_, i) => selection[i]! > 0);
    if (this.options.warmStartMethod === "stack" && !startup) {
      return chosen.length === 0 ? null : this.stackStep(snapshot, trial, encoder, observations, chosen as { source: WarmStartSource; model: SourceModel }[], rng);
    }
    if (this.options.warmStartMethod !== "rgpe") {
      if (!startup || chosen.length === 0) return null;
      const first = chosen.reduce((p, q) => (selection[usable.indexOf(q)]! > selection[usable.indexOf(p)]! ? q : p));
      const design = bestUntriedPoint(first.model!, [...observations.points, ...observations.running]);
      if (design === null) return null;
      trial.setSystemAttr(TRANSFER_ATTR, { [first.source.name]: selection[usable.indexOf(first)]! });
      return decodePoint(design, encoder); // categoricals are choice indices here, not the unit interval decode() reads
    }
    const models = chosen.map(({ model }) => model!.gp);
    let weights: number[];
    if (n >= 2) {
      const x = new Float64Array(n * d);
      observations.points.forEach((p, j) => x.set(p, j * d));
      const data: TrainingData = { x, y, n, d, categorical };
      const theta = this.fitRecordedTheta(data, snapshot, trial, `${studyKeyOf(snapshot)}:${encoder.names.join("\u0000")}`, THETA_ATTR, d + 2);
      const target = new GaussianProcess(data, parametersFromTheta(theta, d));
      weights = models.length > 0 ? rgpeWeights(models, target, observations.points, y, new Rng(deriveSeed(this.seed, trial.number, "rgpe"))) : [1];
      models.push(target);
    } else {
      // Too few trials of its own to rank anything: the chosen sources share the model.
      if (models.length === 0) return null;
      const total = chosen.reduce((sum, _, i) => sum + selection[usable.indexOf(chosen[i]!)]!, 0);
      weights = chosen.map((c) => selection[usable.indexOf(c)]! / total);
    }
    trial.setSystemAttr(TRANSFER_ATTR, Object.fromEntries([...chosen.map((c, i) => [c.source.name, weights[i]!]), ["(this study)", n >= 2 ? weights[weights.length - 1]! : 0]]) as JsonValue);
    const surrogate = ensemble(models, weights);
    // The incumbent in the ensemble's units: its mean at this study's points, or at the sources' when it has none.
    const reference = n > 0 ? observations.points : chosen.flatMap((c) => c.model!.points);
    let best = Infinity;
    for (const p of reference) best = Math.min(best, surrogate.predict(p).mean);
    const taken = new Set<string>();
    for (const p of observations.points) taken.add(pointKey(p));
    for (const p of observations.running) taken.add(pointKey(p));
    const anchors = [...reference].sort((a, b) => surrogate.predict(a).mean - surrogate.predict(b).mean).slice(0, ANCHOR_COUNT);
    return this.propose(logExpectedImprovementAcquisition(surrogate, best), encoder, dimensions, anchors, taken, trial, rng);
  }

  /**
   * A warm-started step after the startup with the `"stack"` method: the chosen sources' stack (see
   * `stack.ts`, built once per set of sources) with this study's GP of its residuals on top, and log
   * EI on the whole stack; null (a cold GP's step) while the study's results do not follow the
   * sources' mean.
   */
  private stackStep(
    snapshot: StudySnapshot,
    trial: SamplingTrial,
    encoder: SpaceEncoder,
    observations: Observations,
    chosen: readonly { source: WarmStartSource; model: SourceModel }[],
    rng: Rng,
  ): Record<string, ParamValue> | null {
    const patience = this.options.stackPatience;
    if (patience > 0 && trialsSinceBest(observations.values) >= patience) {
      trial.setSystemAttr(EXPLORATION_ATTR, `no improvement in the last ${patience} trials: a cold step instead of the stack`);
      return null;
    }
    const d = encoder.dimension;
    const dimensions = dimensionKinds(encoder);
    const categorical = categoricalMask(dimensions);
    const { layers: below, warping } = this.sourceStack(chosen, encoder, categorical);
    const n = observations.points.length;
    const y = warpObservations(observations.values, warping, this.options.priorMean);
    const { residuals, slope, intercept, related } = stackResiduals(stackedSurrogate(below), observations.points, y);
    // Unless the study's results follow the sources' mean, a cold GP's step (see `stackRelated`).
    if (!related) return null;
    const x = new Float64Array(n * d);
    observations.points.forEach((p, j) => x.set(p, j * d));
    const data: TrainingData = { x, y: residuals, n, d, categorical };
    const size = d + 2 + (this.additiveFor(n, d) ? 1 : 0);
    const theta = this.fitRecordedTheta(data, snapshot, trial, `stack:${studyKeyOf(snapshot)}:${encoder.names.join("\u0000")}`, STACK_THETA_ATTR, size);
    const top: StackLayer = { gp: new GaussianProcess(data, parametersFromTheta(theta, d)), count: n, slope, intercept };
    const surrogate = stackedSurrogate([...below, top], this.options.stackVariance);
    const share = n / (n + below[below.length - 1]!.count);
    // The sources' weight: their share of the stack's uncertainty, 0 when this study's results run against them.
    const sourceWeight = slope > 0 ? 1 - share : 0;
    trial.setSystemAttr(TRANSFER_ATTR, Object.fromEntries([...chosen.map((c) => [c.source.name, sourceWeight]), ["(this study)", slope > 0 ? share : 1]]) as JsonValue);
    trial.setSystemAttr(STACK_ATTR, { slope, intercept, share } as JsonValue);
    // With constraints, as in the cold step: only a feasible point is an incumbent, and EI is
    // weighted by the constraint models' probability of feasibility. The stack used to ignore them,
    // so a warm-started constrained study (auto's default for numeric spaces) went to the infeasible side.
    const constrained = observations.constraints.some((c) => c !== null);
    const own = observations.points.map((p, j) => ({ point: p, mean: surrogate.predict(p).mean, feasible: observations.feasible[j]! }));
    let best = Infinity;
    for (const { mean, feasible } of own) if (feasible) best = Math.min(best, mean);
    const taken = new Set<string>();
    for (const p of observations.points) taken.add(pointKey(p));
    for (const p of observations.running) taken.add(pointKey(p));
    for (const p of observations.failed) taken.add(pointKey(p));
    // Anchors for the local search: the best of this study's points, feasible ones first (and, under "all", of the sources'), by the stack's mean.
    const sourcePoints = this.options.stackAnchors === "all" ? chosen.flatMap((c) => c.model.points.map((p) => ({ point: p, mean: surrogate.predict(p).mean, feasible: true }))) : [];
    const anchors = [...own, ...sourcePoints]
      .sort((a, b) => Number(b.feasible) - Number(a.feasible) || a.mean - b.mean)
      .slice(0, ANCHOR_COUNT)
      .map(({ point }) => point);
    let acquisition: Acquisition | null = Number.isFinite(best) ? logExpectedImprovementAcquisition(surrogate, best) : null;
    if (constrained) acquisition = constrainedAcquisition(acquisition, this.constraintModels(observations, categorical, snapshot, trial), d);
    if (acquisition === null) return null;
    return this.propose(acquisition, encoder, dimensions, anchors, taken, trial, rng);
  }

  /**
   * The chosen sources stacked in the order given (see `stack.ts`): the first source's own GP, then
   * each further source's GP of its residuals from the stack below it. With `outputWarping: "auto"`
   * the warping is the one the first source's results support best (`chooseOutputWarping`, on its
   * many trials rather than this study's few), and every layer uses it.
   */
  private sourceStack(chosen: readonly { source: WarmStartSource; model: SourceModel }[], encoder: SpaceEncoder, categorical: Uint8Array): SourceStack {
    const key = `${chosen.map((c) => `${c.source.name}\u0001${c.source.trials.length}`).join("\u0002")}\u0003${encoder.names.join("\u0000")}`;
    const cached = this.sourceStacks.get(key);
    if (cached !== undefined) return cached;
    const d = encoder.dimension;
    let warping: OutputWarping = this.options.outputWarping === "auto" ? "none" : this.options.outputWarping;
    const layers: StackLayer[] = [];
    for (const { model } of chosen) {
      const count = model.points.length;
      const inputs = { x: model.gp.data.x, n: count, d, categorical };
      if (layers.length === 0) {
        let choice: { warping: OutputWarping; theta: Float64Array } | null = null;
        if (this.options.outputWarping === "auto") {
          const prior = defaultPrior(d, this.options.minNoise, this.options.noisePrior, this.additiveFor(count, d));
          choice = chooseOutputWarping(model.losses, inputs, {
            prior,
            starts: hyperparameterStarts(d, prior),
            maxIterations: this.options.fitIterations,
            priorMean: this.options.priorMean,
            maxObservations: this.options.fitMaxObservations,
          });
          warping = choice.warping;
        }
        const data: TrainingData = { ...inputs, y: warpObservations(model.losses, warping, this.options.priorMean) };
        const theta = choice?.theta ?? this.fitTheta(data, undefined);
        layers.push({ gp: new GaussianProcess(data, parametersFromTheta(theta, d)), count, slope: 1, intercept: 0 });
        continue;
      }
      const { residuals, slope, intercept } = stackResiduals(stackedSurrogate(layers), model.points, warpObservations(model.losses, warping, this.options.priorMean));
      const data: TrainingData = { ...inputs, y: residuals };
      layers.push({ gp: new GaussianProcess(data, parametersFromTheta(this.fitTheta(data, undefined), d)), count, slope, intercept });
    }
    const stack = { layers, warping };
    this.sourceStacks.set(key, stack);
    return stack;
  }

  /** The point that maximizes `acquisition` (candidates, then local search from `anchors`), decoded; null if nothing finite was found. */
  private propose(
    acquisition: Acquisition,
    encoder: SpaceEncoder,
    dimensions: DimensionKind[],
    anchors: Float64Array[],
    taken: Set<string>,
    trial: SamplingTrial,
    rng: Rng,
    trustRegion: TrustRegion | null = null,
  ): Record<string, ParamValue> | null {
    const found = maximizeAcquisitionFunction(acquisition, {
      dimensions,
      nCandidates: this.options.nCandidates,
      nRestarts: this.options.nRestarts,
      anchors,
      taken,
      seed: deriveSeed(this.seed, trial.number, "candidates"),
      rng,
      // Observed and running points: the model's size, which sets what a local search step costs.
      modelSize: taken.size,
      perturbationBoundary: this.options.perturbationBoundary,
      trustRegion,
    });
    if (!found || !found.point.every(Number.isFinite)) return null;
    return decodePoint(found.point, encoder);
  }

  /**
   * GP models of each column of `targets`, warm-started from `previous[offset + i]` when there is
   * one, with `priorMean` as their prior mean (objectives take the option's; constraints keep the
   * mean, since the paper behind "worst" is about the objective and a pessimistic feasibility model
   * is another question).
   */
  private fitModels(
    points: readonly Float64Array[],
    targets: readonly (readonly number[])[],
    categorical: Uint8Array,
    previous: readonly number[][] | undefined,
    offset: number,
    priorMean: PriorMean = "mean",
  ): { models: ConstraintModel[]; thetas: number[][] } {
    const n = points.length;
    const d = categorical.length;
    const prior = defaultPrior(d, this.options.minNoise, this.options.noisePrior);
    const plan = kernelFitPlan(n, true);
    const warmStart = (k: number): number[] | undefined => {
      const warm = previous?.[offset + k];
      return warm && warm.length === d + 2 ? warm : undefined;
    };
    return fitStandardizedModels(points, targets, categorical, {
      minNoise: this.options.minNoise,
      noisePrior: this.options.noisePrior,
      fitIterations: this.options.fitIterations,
      fitMaxObservations: this.options.fitMaxObservations,
      priorMean,
      starts: (k) => {
        const warm = warmStart(k);
        const starts: ArrayLike<number>[] = warm ? [warm] : [];
        // As for the objective's model: a fresh start while data are few, then as the data grow by half.
        if (starts.length === 0 || plan.fresh) starts.push(...hyperparameterStarts(d, prior));
        return starts;
      },
      // And, as there, at large n the previous trial's θ is kept between refits.
      reuse: (k) => (plan.refit ? undefined : warmStart(k)),
    });
  }

  /** The constraint models of the observations that carry constraint values (the most common count). */
  private fitConstrainedModels(
    observations: Observations,
    categorical: Uint8Array,
    previous: readonly number[][] | undefined,
    offset: number,
  ): { models: ConstraintModel[]; thetas: number[][] } {
    const withConstraints = observations.constraints.flatMap((c, j) => (c === null ? [] : [j]));
    const width = observations.constraints[withConstraints[0]!]!.length;
    const usable = withConstraints.filter((j) => observations.constraints[j]!.length === width);
    return this.fitModels(
      usable.map((j) => observations.points[j]!),
      usable.map((j) => observations.constraints[j]!),
      categorical,
      previous,
      offset,
    );
  }

  /**
   * Where the objective fails, as an unknown constraint (Gelbart, Snoek and Adams 2014, "Bayesian
   * Optimization with Unknown Constraints"): a GP fitted to −½ at every observation and +½ at every
   * failed trial, whose probability of staying below 0 multiplies the acquisition like a
   * constraint's probability of feasibility. Without it a failed trial leaves no trace in the model,
   * so the acquisition keeps proposing the failing region (an unexplored one looks promising)
   * again and again. Null while no trial in the space has failed, so a study whose trials never
   * fail proposes exactly as before, and null while the failures do not cluster (failures.ts):
   * failures unrelated to the parameters would only carve holes around the failed points.
   */
  private failureModel(observations: Observations, categorical: Uint8Array, snapshot: StudySnapshot, trial: SamplingTrial): ConstraintModel | null {
    if (this.options.failedTrials === "ignore" || observations.failed.length === 0 || observations.points.length === 0) return null;
    // Only failures the parameters predict are worth a model: random ones would carve holes next to
    // the optimum (see failures.ts).
    const all = [...observations.points, ...observations.failed];
    const labels = all.map((_, j) => j >= observations.points.length);
    if (!failuresArePredictable(all, labels, categorical, deriveSeed(this.seed, trial.number, "failures"))) return null;
    const previous = latestEarlier(snapshot, trial.number, (t) => {
      const value = t.systemAttrs[FAILURE_THETA_ATTR];
      return Array.isArray(value) && value.every((v) => typeof v === "number" && Number.isFinite(v)) ? (value as number[]) : undefined;
    });
    const targets = all.map((_, j) => [j < observations.points.length ? -0.5 : 0.5]);
    const fitted = this.fitModels(all, targets, categorical, previous ? [previous] : undefined, 0);
    trial.setSystemAttr(FAILURE_THETA_ATTR, fitted.thetas[0]! as JsonValue);
    return fitted.models[0]!;
  }

  private constraintModels(observations: Observations, categorical: Uint8Array, snapshot: StudySnapshot, trial: SamplingTrial): ConstraintModel[] {
    const fitted = this.fitConstrainedModels(observations, categorical, previousModelThetas(snapshot, trial.number), 0);
    trial.setSystemAttr(MODEL_THETAS_ATTR, fitted.thetas as JsonValue);
    return fitted.models;
  }
}

/**
 * Log EHVI (see ehvi.ts) from one model per objective, each fitted to its objective normalised
 * to [0, 1] over the observations; the front is that of the feasible observations (and believed
 * running trials), the reference point from {@link ehviReferencePoint}. Null when no observation is
 * feasible yet. Its `batch` scores many candidates with the values `value` gives them, bit for bit.
 *
 * @example
 * const acquisition = ehviAcquisition(models, front, ehviReferencePoint(front, models.length, "front"));
 * acquisition?.value(point); // log EHVI at point
 */
export function ehviAcquisition(models: readonly ConstraintModel[], front: readonly (readonly number[])[], reference: readonly number[]): Acquisition | null {
  if (front.length === 0) return null;
  const m = models.length;
  const boxes = nonDominatedBoxes(front, reference);
  const means = new Float64Array(m);
  const sigmas = new Float64Array(m);
  const scratch = new Float64Array(boxes.length);
  const gradientScratch = { terms: new Float64Array(boxes.length) };
  const dMean = new Float64Array(m);
  const dSigma = new Float64Array(m);
  let meanGradients: Float64Array[] = [];
  let varianceGradients: Float64Array[] = [];
  return {
    value(point) {
      for (let i = 0; i < m; i++) {
        const { gp, threshold, scale } = models[i]!;
        const { mean, variance } = gp.predict(point);
        // A model's target t stands for the normalised value (t − threshold) · scale.
        means[i] = (mean - threshold) * scale;
        sigmas[i] = Math.sqrt(Math.max(variance, 1e-20)) * scale;
      }
      return logExpectedHypervolumeImprovement(boxes, means, sigmas, scratch);
    },
    // Candidates scored together: each model's means at once (O(n·d) each), exact variances
    // (the O(n²) triangular solves) only for candidates whose bound could still win. The models'
    // means and variances are predict's bit for bit, so every exact value is value()'s.
    batch(points: Float64Array, count: number): AcquisitionBatch {
      const predictions = models.map(({ gp }) => gp.predictBatch(points, count));
      const variances = Array.from({ length: m }, () => new Float64Array(count));
      const sigmaBounds = new Float64Array(m);
      // The search tightens every candidate's bound before it reads any, so none is computed here.
      const upperBounds = new Float64Array(count).fill(Infinity);
      return {
        upperBounds,
        tighten(indices, fraction) {
          for (const prediction of predictions) prediction.tighten(indices, fraction);
          for (const c of indices) {
            for (let i = 0; i < m; i++) {
              const { threshold, scale } = models[i]!;
              means[i] = (predictions[i]!.means[c]! - threshold) * scale;
              sigmaBounds[i] = Math.sqrt(Math.max(predictions[i]!.varianceBounds[c]!, 1e-20)) * scale;
            }
            upperBounds[c] = Math.min(upperBounds[c]!, logExpectedHypervolumeImprovementBound(boxes, means, sigmaBounds));
          }
        },
        values(indices, out) {
          for (let i = 0; i < m; i++) predictions[i]!.variances(indices, variances[i]!);
          for (const c of indices) {
            for (let i = 0; i < m; i++) {
              const { threshold, scale } = models[i]!;
              means[i] = (predictions[i]!.means[c]! - threshold) * scale;
              sigmas[i] = Math.sqrt(Math.max(variances[i]![c]!, 1e-20)) * scale;
            }
            out[c] = logExpectedHypervolumeImprovement(boxes, means, sigmas, scratch);
          }
        },
      };
    },
    valueWithGradient(point, gradient) {
      const d = point.length;
      if (meanGradients.length !== m || meanGradients[0]!.length !== d) {
        meanGradients = Array.from({ length: m }, () => new Float64Array(d));
        varianceGradients = Array.from({ length: m }, () => new Float64Array(d));
      }
      const sigmaFloored = new Array<boolean>(m);
      for (let i = 0; i < m; i++) {
        const { gp, threshold, scale } = models[i]!;
        const { mean, variance } = gp.predictWithGradient(point, meanGradients[i]!, varianceGradients[i]!);
        means[i] = (mean - threshold) * scale;
        sigmaFloored[i] = variance < 1e-20;
        sigmas[i] = Math.sqrt(Math.max(variance, 1e-20)) * scale;
      }
      const value = logExpectedHypervolumeImprovementWithGradient(boxes, means, sigmas, dMean, dSigma, gradientScratch);
      gradient.fill(0);
      for (let i = 0; i < m; i++) {
        const { scale } = models[i]!;
        // σᵢ = scale·√v, so ∂σᵢ/∂x = scale·∇v/(2√v).
        const sigmaFactor = sigmaFloored[i] ? 0 : (dSigma[i]! * scale * scale) / (2 * sigmas[i]!);
        for (let k = 0; k < d; k++) gradient[k] += dMean[i]! * scale * meanGradients[i]![k]! + sigmaFactor * varianceGradients[i]![k]!;
      }
      return value;
    },
  };
}

/** Each objective scaled to [0, 1] over the observed values (a constant one to 0). */
function normalizeObjectives(vectors: readonly (readonly number[])[]): number[][] {
  const m = vectors[0]!.length;
  const low = new Array<number>(m).fill(Infinity);
  const high = new Array<number>(m).fill(-Infinity);
  for (const v of vectors) {
    for (let i = 0; i < m; i++) {
      low[i] = Math.min(low[i]!, v[i]!);
      high[i] = Math.max(high[i]!, v[i]!);
    }
  }
  return vectors.map((v) => v.map((value, i) => (high[i]! > low[i]! ? (value - low[i]!) / (high[i]! - low[i]!) : 0)));
}

/**
 * The EHVI's reference point for a feasible front in objectives normalised to [0, 1] over all
 * observations (so the worst observed value is 1 and the observed range 1):
 * - `"observed"`: 1 + m in every objective, m = {@link EHVI_MARGIN};
 * - `"front"`: nadir + m·(nadir − ideal) of the front itself (BoTorch's `infer_reference_point`);
 *   where the front has no range in an objective, the observed margin instead;
 * - `"nadir"`: nadir + m, the front's nadir plus a tenth of the observed range.
 * With no feasible front yet, `"observed"`.
 *
 * @example
 * ehviReferencePoint([[0.2, 0.6], [0.4, 0.3]], 2, "front"); // [0.42, 0.63]
 */
export function ehviReferencePoint(front: readonly (readonly number[])[], objectives: number, mode: Exclude<HypervolumeReference, "alternate">): number[] {
  const observed = new Array<number>(objectives).fill(1 + EHVI_MARGIN);
  if (mode === "observed" || front.length === 0) return observed;
  return observed.map((fallback, i) => {
    let ideal = Infinity;
    let nadir = -Infinity;
    for (const p of front) {
      ideal = Math.min(ideal, p[i]!);
      nadir = Math.max(nadir, p[i]!);
    }
    if (mode === "nadir") return nadir + EHVI_MARGIN;
    return nadir > ideal ? nadir + EHVI_MARGIN * (nadir - ideal) : Math.min(fallback, nadir + EHVI_MARGIN);
  });
}

/** The per-model θs (objectives, then constraints) left on the most recent earlier trial, if any. */
function previousModelThetas(snapshot: StudySnapshot, number: number): number[][] | undefined {
  return latestEarlier(snapshot, number, (trial) => {
    const value = trial.systemAttrs[MODEL_THETAS_ATTR];
    const valid = Array.isArray(value) && value.every((t) => Array.isArray(t) && t.every((v) => typeof v === "number" && Number.isFinite(v)));
    return valid ? (value as number[][]) : undefined;
  });
}

/** Indices of the feasible observations no other feasible one dominates, by first objective. */
function frontOf(observations: Observations, feasible: readonly boolean[]): number[] {
  const candidates = observations.vectors.flatMap((v, j) => (feasible[j] ? [j] : []));
  const positions = paretoFrontIndices(candidates.map((j) => observations.vectors[j]!));
  return positions.map((p) => candidates[p]!).sort((a, b) => observations.vectors[a]![0]! - observations.vectors[b]![0]!);
}

/**
 * The feasible front's points that hold the most exclusive hypervolume (in normalised objectives,
 * against the EHVI's reference point): the ones next to the widest gaps, spread over the whole
 * front rather than bunched at one end, so the local search looks where improvement is likeliest.
 */
function frontAnchors(
  observations: Observations,
  feasible: readonly boolean[],
  frontPoints: readonly (readonly number[])[],
  reference: readonly number[],
): Float64Array[] {
  const front = frontOf(observations, feasible);
  if (front.length === 0) return [];
  const contributions = hypervolumeContributions(frontPoints, reference);
  const order = front.map((_, k) => k).sort((a, b) => contributions[b]! - contributions[a]! || a - b);
  return order.slice(0, 2 * ANCHOR_COUNT).map((k) => observations.points[front[k]!]!);
}

/**
 * Kriging believer for several models (Ginsbourger, Le Riche & Carraro 2010): each model refitted
 * with its own posterior mean at the running points, same hyperparameters, so the variance there
 * collapses and the acquisition moves elsewhere.
 */
function withBelievedRunning(models: readonly ConstraintModel[], running: readonly Float64Array[]): readonly ConstraintModel[] {
  if (running.length === 0) return models;
  return models.map((model) => {
    const { x, y, n, d, categorical } = model.gp.data;
    const m = running.length;
    const xAll = new Float64Array((n + m) * d);
    xAll.set(x);
    const yAll = new Float64Array(n + m);
    yAll.set(y);
    for (let j = 0; j < m; j++) {
      xAll.set(running[j]!, (n + j) * d);
      yAll[n + j] = model.gp.predict(running[j]!).mean;
    }
    return { ...model, gp: new GaussianProcess({ x: xAll, y: yAll, n: n + m, d, categorical }, model.gp.params) };
  });
}

/** Each running point's posterior means, in the normalised objectives the models stand for. */
function believedOutcomes(models: readonly ConstraintModel[], running: readonly Float64Array[]): number[][] {
  return running.map((point) => models.map(({ gp, threshold, scale }) => (gp.predict(point).mean - threshold) * scale));
}

interface Observations {
  points: Float64Array[];
  /** Minimisation targets (ParEGO scalarisations for several objectives). */
  values: number[];
  /** Every objective as a loss, per point. */
  vectors: number[][];
  running: Float64Array[];
  /** Failed trials' points: no value, but a place where the objective failed. */
  failed: Float64Array[];
  /** Per point, its constraint values, or null (unconstrained, a pruned trial without them, or stored constraints that are not a list of finite numbers). */
  constraints: (readonly number[] | null)[];
  /** Per point, whether it is feasible: one with constraints when they are all <= 0; a pruned one without them is; a complete one when its stored violation is 0. */
  feasible: boolean[];
  /** Per point, the number of its trial. */
  numbers: number[];
}

/**
 * The recommended trial of a fitted single-objective model: among the complete, feasible
 * observations, the one with the lowest posterior mean of the latent objective (`smoothed`, in the
 * model's units), with its mean and standard deviation in the objective's units when the output
 * warping is only a standardisation (otherwise in the model's units), and the fitted noise variance
 * on the standardised values (`noiseShare`, by which the study decides whether to show it). Undefined
 * if no observation qualifies.
 */
function recommendTrial(
  snapshot: StudySnapshot,
  gp: GaussianProcess,
  observations: Observations,
  smoothed: Float64Array,
  feasible: readonly boolean[],
  warping: OutputWarping,
  priorMean: PriorMean,
  noiseShare: number,
  toModel: (point: Float64Array) => Float64Array = (point) => point,
): RecommendationRecord | undefined {
  const n = observations.points.length;
  let chosen = -1;
  for (let j = 0; j < n; j++) {
    if (!feasible[j] || snapshot.trials[observations.numbers[j]!]?.state !== "complete") continue;
    if (chosen < 0 || smoothed[j]! < smoothed[chosen]!) chosen = j;
  }
  if (chosen < 0) return undefined;
  const sd = Math.sqrt(gp.predict(toModel(observations.points[chosen]!)).variance);
  const base = { trial: observations.numbers[chosen]!, observations: n, sampler: "gp", noiseShare } as const;
  if (warping !== "none") return { ...base, mean: smoothed[chosen]!, sd, units: "model" };
  // Undo warpObservations' standardisation (population variance, less the prior mean), then the sign of a maximisation.
  const { mean, sd: scale } = standardMoments(observations.values);
  const centre = standardCentre(observations.values, priorMean, mean);
  const loss = centre + scale * smoothed[chosen]!;
  // Values near the largest double (a penalty of Number.MAX_VALUE) overflow the way back to the
  // objective's units: the record kept a NaN mean, stored as null, and was then read as no record.
  if (!Number.isFinite(loss) || !Number.isFinite(scale * sd)) return { ...base, mean: smoothed[chosen]!, sd, units: "model" };
  return { ...base, mean: snapshot.directions[0] === "maximize" ? -loss : loss, sd: scale * sd, units: "objective" };
}

/**
 * Whether the stagnation rule picks this trial: the last `trials` observations (in trial order), or
 * a multiple of them, brought no new best. 0 turns the rule off.
 *
 * @example
 * stagnationDue([3, 1, 2, 2], 2); // true: two observations since the best
 */
export function stagnationDue(values: readonly number[], trials: number): boolean {
  if (trials <= 0 || values.length === 0) return false;
  const since = trialsSinceBest(values);
  return since > 0 && since % trials === 0;
}

/** How many values came after the first occurrence of the smallest one (0 for none). */
export function trialsSinceBest(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let bestIndex = 0;
  for (let j = 1; j < values.length; j++) if (values[j]! < values[bestIndex]!) bestIndex = j;
  return values.length - 1 - bestIndex;
}

/**
 * L-BFGS-B iterations of a warm kernel refit between fresh fits when `outputWarping: "auto"` keeps
 * log or power (the model was fitted to nearly the same targets a few trials before; as
 * `SCREEN_ITERATIONS`, a few iterations move it most of the way).
 */
const WARPED_REFIT_ITERATIONS = 10;
/** Below this many observations the kernel is refitted every trial, from both the warm and the default start. */
const ALWAYS_FRESH_BELOW = 20;
/**
 * Default of `fitMaxObservations`, the most observations a kernel hyperparameter fit sees, for
 * every model built on this GP (the sampler's, TuRBO's, `modelBeliefs`'): above `auto`'s hand-over
 * to TPE at 300 trials, so no figure up to it changes.
 */
export const FIT_MAX_OBSERVATIONS = 500;
/** The smallest `fitMaxObservations`: a fresh fit's first schedule point (`ALWAYS_FRESH_BELOW`). */
export const MIN_FIT_OBSERVATIONS = ALWAYS_FRESH_BELOW;

/** Observations per trial between refits at large n: refit every ⌊n / REFIT_SPACING⌋-th trial. */
const REFIT_SPACING = 50;
/** A fresh start from the default θ each time the data have grown by this factor. */
const FRESH_GROWTH = 1.5;

/**
 * When the kernel hyperparameters of a model on n observations are refitted, and whether the
 * default θ is tried beside the warm start. One more observation barely moves the MAP θ once n is
 * large, while each likelihood evaluation costs O(n³); so the refit interval grows with n (every
 * trial below 100 observations, every 6th at 300) and a fresh start, which can escape a stale
 * optimum but takes tens of evaluations, is paid on a geometric schedule (n = 20, 30, 45, 68, …).
 * Without a warm start the model is always fitted from the default.
 *
 * @example
 * kernelFitPlan(10, true); // { refit: true, fresh: true }
 * kernelFitPlan(301, true); // { refit: false, fresh: false }
 */
export function kernelFitPlan(n: number, hasWarmStart: boolean): { refit: boolean; fresh: boolean } {
  if (!hasWarmStart || n < ALWAYS_FRESH_BELOW) return { refit: true, fresh: true };
  const stage = (m: number): number => Math.floor(Math.log(m / ALWAYS_FRESH_BELOW) / Math.log(FRESH_GROWTH) + 1e-9);
  const fresh = stage(n) > stage(n - 1);
  const interval = Math.max(1, Math.floor(n / REFIT_SPACING));
  return { refit: fresh || n % interval === 0, fresh };
}

/** The output warping `"auto"` chose for the most recent earlier trial, if any. */
function previousWarping(snapshot: StudySnapshot, number: number): EvidenceWarping | undefined {
  return latestEarlier(snapshot, number, (trial) => {
    const warping = (trial.systemAttrs[WARPING_ATTR] as { warping?: unknown } | null | undefined)?.warping;
    return typeof warping === "string" && (EVIDENCE_WARPINGS as readonly string[]).includes(warping) ? (warping as EvidenceWarping) : undefined;
  });
}

/**
 * θ left on the most recent earlier trial by this sampler, if its dimension matches, as `size`
 * entries (the kernel's d + 2, then any input warping's): a θ fitted with or without warping
 * serves as a start for the other (see {@link fitting}). `attr` is where it was recorded: the
 * plain model's `gp:theta`, or the joint fidelity model's own.
 */
function previousTheta(snapshot: StudySnapshot, number: number, d: number, size = d + 2, attr = THETA_ATTR): number[] | undefined {
  return latestEarlier(snapshot, number, (trial) => {
    const value = trial.systemAttrs[attr];
    const valid = Array.isArray(value) && value.length >= d + 2 && value.every((v) => typeof v === "number" && Number.isFinite(v));
    return valid ? fitting(value as number[], d, size) : undefined;
  });
}

/**
 * A θ of `size` entries from a recorded one: the same if it has that size; otherwise its kernel part
 * (the first d + 2 entries) with the tail `size` asks for: none, log σ²ₐ of an additive component
 * (the recorded one, or 0), or an input warping's (log a, log b) pairs at the identity (0, 0).
 * Undefined for anything else (another dimension).
 */
function fitting(theta: readonly number[] | undefined, d: number, size: number): number[] | undefined {
  if (theta === undefined) return undefined;
  if (theta.length === size) return [...theta];
  const recordedTail = theta.length - d - 2;
  const tail = size - d - 2;
  if (recordedTail < 0 || tail < 0 || (recordedTail > 1 && recordedTail % 2 !== 0) || (tail > 1 && tail % 2 !== 0)) return undefined;
  const kernel = theta.slice(0, d + 2);
  if (tail === 1) return [...kernel, recordedTail === 1 ? theta[d + 2]! : 0];
  return [...kernel, ...new Array<number>(tail).fill(0)];
}

/** The numeric (warpable) inputs of a space. */
function numericDimensions(dimensions: readonly DimensionKind[]): Int32Array {
  return Int32Array.from(dimensions.flatMap((kind, i) => (kind.type === "categorical" ? [] : [i])));
}

/**
 * A warm start's design point (Feurer, Springenberg and Hutter 2015, "Initializing Bayesian
 * hyperparameter optimization via meta-learning", AAAI): the source's best trial not tried here yet.
 */
function bestUntriedPoint(source: { gp: GaussianProcess; points: Float64Array[] }, tried: readonly Float64Array[]): Float64Array | null {
  const { points, gp } = source;
  const order = points.map((_, j) => j).sort((i, j) => gp.data.y[i]! - gp.data.y[j]! || i - j);
  const same = (p: Float64Array, q: Float64Array) => p.every((v, k) => Math.abs(v - q[k]!) < 1e-9);
  for (const j of order) if (!tried.some((t) => same(t, points[j]!))) return points[j]!;
  return null;
}

/**
 * Encodes a trial's parameters (categoricals as choice indices); undefined if any is missing or illegal.
 *
 * @example
 * const point = encodeTrial(trial, new SpaceEncoder(space)); // undefined for a trial outside the space
 */
export function encodeTrial(trial: FrozenTrial, encoder: SpaceEncoder): Float64Array | undefined {
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

/** 1 where a dimension is categorical, 0 elsewhere: the kernel's mask. */
function categoricalMask(dimensions: readonly DimensionKind[]): Uint8Array {
  return Uint8Array.from(dimensions, (dimension) => (dimension.type === "categorical" ? 1 : 0));
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
  const normalized = normalizeObjectives(vectors);
  // Uniform on the simplex: normalised exponential draws.
  const weights = Array.from({ length: m }, () => -Math.log(1 - rng.uniform()));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < m; i++) weights[i] = weights[i]! / total;
  return normalized.map((v) => {
    let max = -Infinity;
    let sum = 0;
    for (let i = 0; i < m; i++) {
      max = Math.max(max, weights[i]! * v[i]!);
      sum += weights[i]! * v[i]!;
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
  positiveInteger("maceGenerations", options.maceGenerations, 0);
  positiveInteger("nRestarts", options.nRestarts, 0);
  positiveInteger("fitIterations", options.fitIterations, 1);
  positiveInteger("fitMaxObservations", options.fitMaxObservations, MIN_FIT_OBSERVATIONS);
  positiveInteger("stagnationTrials", options.stagnationTrials, 0);
  positiveInteger("stackPatience", options.stackPatience, 0);
  positiveInteger("additiveMaxObservations", options.additiveMaxObservations, 0);
  positiveInteger("fidelityMinTrials", options.fidelityMinTrials, 1);
  if (options.minNoise !== undefined && !(options.minNoise > 0 && options.minNoise < 1)) {
    throw new RangeError(`GPSampler: minNoise must be in (0, 1), got ${options.minNoise}`);
  }
  if (options.multiObjective !== undefined && !["ehvi", "parego"].includes(options.multiObjective)) {
    throw new RangeError(`GPSampler: multiObjective must be "ehvi" or "parego", got ${String(options.multiObjective)}`);
  }
  if (options.hypervolumeReference !== undefined && !HYPERVOLUME_REFERENCES.includes(options.hypervolumeReference)) {
    throw new RangeError(`GPSampler: hypervolumeReference must be "observed", "front", "nadir" or "alternate", got ${String(options.hypervolumeReference)}`);
  }
  if (options.warmStartMethod !== undefined && !["design", "rgpe", "stack"].includes(options.warmStartMethod)) {
    throw new RangeError(`GPSampler: warmStartMethod must be "design", "rgpe" or "stack", got ${String(options.warmStartMethod)}`);
  }
  if (options.failedTrials !== undefined && !["model", "ignore"].includes(options.failedTrials)) {
    throw new RangeError(`GPSampler: failedTrials must be "model" or "ignore", got ${String(options.failedTrials)}`);
  }
  if (options.warmStartDesign !== undefined && !["interleaved", "before-startup"].includes(options.warmStartDesign)) {
    throw new RangeError(`GPSampler: warmStartDesign must be "interleaved" or "before-startup", got ${String(options.warmStartDesign)}`);
  }
  if (options.stackVariance !== undefined && !["geometric", "scaled", "sum"].includes(options.stackVariance)) {
    throw new RangeError(`GPSampler: stackVariance must be "geometric", "scaled" or "sum", got ${String(options.stackVariance)}`);
  }
  if (options.stackAnchors !== undefined && !["study", "all"].includes(options.stackAnchors)) {
    throw new RangeError(`GPSampler: stackAnchors must be "study" or "all", got ${String(options.stackAnchors)}`);
  }
  if (options.perturbationBoundary !== undefined && !["clamp", "reflect"].includes(options.perturbationBoundary)) {
    throw new RangeError(`GPSampler: perturbationBoundary must be "clamp" or "reflect", got ${String(options.perturbationBoundary)}`);
  }
  if (options.noisePrior !== undefined && !NOISE_PRIORS.includes(options.noisePrior)) {
    throw new RangeError(`GPSampler: noisePrior must be ${NOISE_PRIORS.map((p) => `"${p}"`).join(", ")}, got ${String(options.noisePrior)}`);
  }
  if (options.incumbent !== undefined && !["observed", "posterior-mean"].includes(options.incumbent)) {
    throw new RangeError(`GPSampler: incumbent must be "observed" or "posterior-mean", got ${String(options.incumbent)}`);
  }
  if (options.pendingStrategy !== undefined && !PENDING_STRATEGIES.includes(options.pendingStrategy)) {
    throw new RangeError(`GPSampler: pendingStrategy must be "kriging-believer", "local-penalization" or "hard-local-penalization", got ${String(options.pendingStrategy)}`);
  }
  if (options.acquisition !== undefined && !ACQUISITION_KINDS.includes(options.acquisition)) {
    throw new RangeError(`GPSampler: acquisition must be "log-ei" or "mace", got ${String(options.acquisition)}`);
  }
  if (options.inputWarping === true && options.additiveKernel === true) {
    throw new RangeError("GPSampler: additiveKernel and inputWarping cannot be combined; turn one of them off");
  }
  if (options.inputWarping === true && ((options.pendingStrategy ?? "kriging-believer") !== "kriging-believer" || options.acquisition === "mace")) {
    throw new RangeError("GPSampler: inputWarping works with the kriging believer and log EI only; set pendingStrategy to kriging-believer and acquisition to log-ei, or turn inputWarping off");
  }
  if (options.priorMean !== undefined && !PRIOR_MEANS.includes(options.priorMean)) {
    throw new RangeError(`GPSampler: priorMean must be ${PRIOR_MEANS.map((p) => `"${p}"`).join(" or ")}, got ${String(options.priorMean)}`);
  }
  if (options.outputWarping !== undefined && !["none", "log", "rank", "power", "auto"].includes(options.outputWarping)) {
    throw new RangeError(`GPSampler: outputWarping must be "none", "log", "rank", "power" or "auto", got ${String(options.outputWarping)}`);
  }
}

/** The `fitMaxObservations` option, the same for every sampler that fits this GP (`gp`, `turbo`). */
export const FIT_MAX_OBSERVATIONS_OPTION = {
  kind: "integer",
  min: MIN_FIT_OBSERVATIONS,
  default: FIT_MAX_OBSERVATIONS,
  description: "most observations a kernel hyperparameter fit sees (a cost limit; beyond, a quarter of them the best and the rest spread over the others, while the posterior keeps every observation)",
} as const;

/** The options of the `gp` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const GP_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  nStartupTrials: { kind: "integer", min: 1, default: "min(10, 2d+1), at least 2", description: "Sobol trials before the GP takes over" },
  nCandidates: { kind: "integer", min: 1, default: 1024, description: "quasi-random candidates scored per trial (with MACE, and as many perturbations of the best points, seed its search)" },
  nRestarts: { kind: "integer", min: 0, default: 6, description: "L-BFGS-B starts when maximizing a gradient-based acquisition (log EI, EHVI, ParEGO, constrained)" },
  outputWarping: { kind: "enum", values: ["none", "log", "rank", "power", "auto"], default: "auto", description: "transform of the values before the GP fits them; auto: none, log or power, whichever gives the original values the higher GP likelihood" },
  priorMean: { kind: "enum", values: PRIOR_MEANS, default: "worst", description: "the GP's constant prior mean: the observations' worst value (De Ath et al. 2020), so unexplored regions look bad rather than average, or their mean" },
  perturbationBoundary: { kind: "enum", values: ["clamp", "reflect"], default: "clamp", description: "acquisition search: perturbations of the best points that leave the box land on its face (clamp) or fold back into it (reflect)" },
  inputWarping: { kind: "boolean", default: false, description: "warp each numeric input by a Kumaraswamy CDF fitted with the kernel (Snoek et al. 2014)" },
  minNoise: { kind: "number", min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 1e-6, description: "lower bound of the noise variance on standardized values" },
  noisePrior: { kind: "enum", values: NOISE_PRIORS, default: "exponential", description: "prior on the noise variance: exponential (rate 10), gamma (BoTorch's Gamma(1.1, 0.05)) or lognormal (Hvarfner's LogNormal(-4, 1))" },
  incumbent: { kind: "enum", values: ["observed", "posterior-mean"], default: "observed", description: "what expected improvement improves on: the best observed value, or the lowest posterior mean at an evaluated point" },
  constantLiar: { kind: "boolean", default: true, description: "take running trials into account (as pendingStrategy says) so parallel workers spread out" },
  pendingStrategy: { kind: "enum", values: PENDING_STRATEGIES, default: "kriging-believer", description: "running trials as fantasy observations (kriging-believer), or as soft (local-penalization, González 2016) or hard (hard-local-penalization, Alvi 2019) penalizers of the acquisition around them" },
  acquisition: { kind: "enum", values: ACQUISITION_KINDS, default: "mace (log-ei with inputWarping)", description: "HEBO's MACE, a point of the Pareto front of EI, PI and UCB, or log expected improvement" },
  maceGenerations: { kind: "integer", min: 0, default: 10, description: "with MACE: generations of its NSGA-II search after the first population" },
  fitIterations: { kind: "integer", min: 1, default: 50, description: "L-BFGS-B iterations per kernel fit start" },
  fitMaxObservations: FIT_MAX_OBSERVATIONS_OPTION,
  stagnationTrials: { kind: "integer", min: 0, default: 0, description: "after this many trials without a new best, one Sobol design point (0: never)" },
  additiveKernel: { kind: "boolean", default: "true (false with inputWarping)", description: "add a first-order additive component to the kernel, σ²ₐ·mean of one-dimensional Matérn correlations (Duvenaud et al. 2011)" },
  additiveMaxObservations: { kind: "integer", min: 0, default: 150, description: "with additiveKernel: the most observations the model holds with the component (a cost limit; beyond, the plain kernel)" },
  trustRegion: { kind: "boolean", default: false, description: "Vizier's trust region: while 0.2 + 0.3·n/(5(p+1)) is below 0.5, proposals lie within that L∞ distance of an evaluated point" },
  multiObjective: { kind: "enum", values: ["ehvi", "parego"], default: "ehvi", description: "acquisition for 2 or 3 objectives: log EHVI or a random ParEGO scalarisation" },
  hypervolumeReference: { kind: "enum", values: HYPERVOLUME_REFERENCES, default: "alternate", description: "EHVI reference point: beyond the worst observed value (observed), the front's nadir by a tenth of its range (front) or of the observed range (nadir), or front and observed by turns (alternate)" },
  fidelityRule: { kind: "enum", values: GP_FIDELITY_RULES, default: "auto", description: "fit the highest step with enough observations (bohb), the study as recorded (final), pruned trials at the final value their rank predicts (quantile), final where early ranks predict final ones and else pruned trials at the worst final (gate), one GP over parameters and step searched at the last step (joint), or joint under asha/hyperband (bohb if warm-started or with several objectives) and gate otherwise (auto)" },
  fidelityMinTrials: { kind: "integer", min: 1, default: "max(d+1, startup trials)", description: "with bohb: observations a step needs before the GP is fitted on it" },
  warmStart: { kind: "boolean", default: "false (true under sextant tune --warm-start)", description: "learn from the studies a warm-started study names: its startup design takes their best trials, and (warmStartMethod) its model stacks on theirs" },
  warmStartMethod: { kind: "enum", values: ["design", "rgpe", "stack"], default: "stack", description: "with warmStart: the sources' best trials in the startup design, then this study's GP stacked on the sources' as residuals while its results follow them (stack), the design alone (design), or the RGPE ensemble of source GPs (rgpe)" },
  warmStartDesign: { kind: "enum", values: ["interleaved", "before-startup"], default: "interleaved", description: "with the stack and design methods: the sources' points on every other startup trial, or first and then a cold study's whole startup" },
  stackVariance: { kind: "enum", values: ["geometric", "scaled", "sum"], default: "geometric", description: "with the stack method: this study's uncertainty blended with the sources' as Vizier does (geometric), the same with theirs in this study's units (scaled), or added to theirs in this study's units (sum)" },
  stackAnchors: { kind: "enum", values: ["study", "all"], default: "study", description: "with the stack method: start the acquisition's local search from the best of this study's points by the stack's mean (study), or of this study's and the sources' points (all)" },
  stackPatience: { kind: "integer", min: 0, default: 0, description: "with the stack method: after this many trials without a new best, cold GP steps until one improves (0: never)" },
  failedTrials: { kind: "enum", values: ["model", "ignore"], default: "model", description: "learn where the objective fails, once failures cluster, and avoid it (model), or leave failed trials out (ignore)" },
  maxWarmStartSources: { kind: "integer", min: 1, default: 3, description: "with warmStart: the most source studies used, the best by estimated transfer" },
  jointSurvival: { kind: "boolean", default: false, description: "with the joint fidelity model and MACE: weigh proposals by the model's probability of passing the first rung" },
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
