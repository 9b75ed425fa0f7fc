/**
 * PB2, Population-Based Bandits (Parker-Holder, Nguyen and Roberts 2020, "Provably Efficient Online
 * Hyperparameter Optimization with Population-Based Bandits", NeurIPS 2020, arXiv:2002.02518).
 *
 * PB2 keeps PBT's exploit step (truncation selection at each ready point) and replaces its random
 * explore with a batch GP bandit:
 *
 * - the data are, for every finished segment after a member's first, the change in reward over
 *   the segment y = score(end) − score(start), at input (t, r, h): t the segment index, r the
 *   score the segment started from (min-max scaled over the data, as in the authors' code in Ray
 *   Tune, so the bandit can tell "improves a lot because it is still bad" from "improves a lot
 *   because its hyperparameters are good"), h its hyperparameters mapped to the unit cube (log
 *   scales respected); the GP standardizes y over the window;
 * - the model is a GP with the time-varying kernel of Bogunovic et al. 2016 (see
 *   `time-varying-gp.ts`), so old observations count less as training moves on;
 * - the new hyperparameters maximise GP-UCB, μ(t, r, h) + √β σ(t, r, h), at the next segment's
 *   time and the copied checkpoint's score, with the schedule of the authors' implementation
 *   (Ray Tune's `pb2_utils.UCB`): β = c₁ + max(0, log(c₂ n)), c₁ = 0.2, c₂ = 0.4, n the number of
 *   observations;
 * - batch selection: the hyperparameters of the other members' running segments count as pending
 *   inputs that reduce σ (GP-BUCB, Desautels et al. 2014), so members ready at the same time are
 *   sent to different places.
 *
 * The UCB is maximised over 1000 uniform candidates plus 100 Gaussian steps around the copied
 * member's hyperparameters. Categorical hyperparameters, which the paper's bandit does not model,
 * are explored as in PBT. With fewer than two observations PB2 explores as PBT does.
 *
 * @module
 */
import { Rng } from "../math/rng.js";
import { type Distribution, type FrozenTrial, type ParamValue, type StudySnapshot, decodeValue, defineOptions, encodeValue, refuseUnknownOptions } from "../space/index.js";
import { segmentPlace, segmentScore } from "./base.js";
import { PBTScheduler, PBT_OPTIONS, type PBTOptions, checkInteger, perturbValue } from "./pbt.js";
import { TimeVaryingGP } from "./time-varying-gp.js";

/** The option schema of `pb2`: PBT's, plus the size of the bandit's data window. */
export const PB2_OPTIONS = defineOptions({
  ...PBT_OPTIONS,
  // PB2 chooses numeric hyperparameters with its GP bandit; these two act on categorical ones, and
  // on numeric ones only while the bandit has too little data.
  resampleProbability: { ...PBT_OPTIONS.resampleProbability, description: "categorical hyperparameters (numeric ones too while the GP bandit has too little data): chance that explore draws one afresh" },
  perturbation: { ...PBT_OPTIONS.perturbation, description: "numeric hyperparameters while the GP bandit has too little data: explore multiplies by 1 − p or 1 + p" },
  window: { kind: "integer", min: 2, default: 100, description: "newest segment observations the GP bandit is fitted on" },
});

export interface PB2Options extends PBTOptions {
  /** Newest observations the GP is fitted on (default 100). */
  window?: number;
}

const UNIFORM_CANDIDATES = 1000;
const LOCAL_CANDIDATES = 100;
/** The exploration schedule of the PB2 authors' code: β = c₁ + max(0, log(c₂ n)). */
const BETA_OFFSET = 0.2;
const BETA_SHIFT = 0.4;

/**
 * The PB2 scheduler: PBT's exploit with a time-varying GP-UCB bandit as explore.
 *
 * @example
 * const study = await createStudy({ direction: "maximize", scheduler: new PB2Scheduler({ population: 4, segments: 20, seed: 7 }) });
 */
export class PB2Scheduler extends PBTScheduler {
  override readonly name: string = "pb2";
  readonly window: number;

  constructor(options: PB2Options = {}) {
    refuseUnknownOptions("pb2 scheduler", options, PB2_OPTIONS, []);
    const { window: given, ...pbtOptions } = options;
    super(pbtOptions);
    this.window = checkInteger("window", given ?? 100, 2);
  }

  override explore(snapshot: StudySnapshot, donor: FrozenTrial, segment: number, rng: Rng): Record<string, ParamValue> {
    const names = Object.keys(donor.params).sort();
    const numeric = names.filter((name) => donor.distributions[name] !== undefined && donor.distributions[name]!.type !== "categorical");
    const distributions = numeric.map((name) => donor.distributions[name]!);
    const data = rewardChanges(snapshot, numeric, distributions, this.window);
    if (numeric.length === 0 || data.values.length < 2) return super.explore(snapshot, donor, segment, rng);

    const pending = runningInputs(snapshot, numeric, distributions, donor, data.scaleStart);
    const gp = TimeVaryingGP.fit(data, pending);
    const d = numeric.length;
    const beta = explorationWeight(data.values.length);
    // The new segment starts from the donor's checkpoint, hence from the donor's score.
    const start = data.scaleStart(segmentScore(snapshot, donor) ?? 0);
    const origin = Float64Array.from(numeric, (name, i) => encodeValue(distributions[i]!, donor.params[name]!));
    let best: Float64Array = origin;
    let bestScore = -Infinity;
    for (let c = 0; c < UNIFORM_CANDIDATES + LOCAL_CANDIDATES; c++) {
      const candidate = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        candidate[i] = c < UNIFORM_CANDIDATES ? rng.uniform() : Math.min(1, Math.max(0, origin[i]! + 0.1 * rng.normal()));
      }
      const { mean, sd } = gp.predict(segment, withStart(start, candidate));
      const score = mean + Math.sqrt(beta) * sd;
      if (score > bestScore) {
        bestScore = score;
        best = candidate;
      }
    }
    const params: Record<string, ParamValue> = {};
    for (const name of names) {
      const i = numeric.indexOf(name);
      const distribution = donor.distributions[name];
      if (i >= 0) params[name] = decodeValue(distributions[i]!, best[i]!);
      else params[name] = distribution ? perturbValue(distribution, donor.params[name]!, rng, this.resampleProbability, this.perturbation) : donor.params[name]!;
    }
    return params;
  }
}

/**
 * GP-UCB's β for n observations, as the PB2 authors' code (Ray Tune's `pb2_utils.UCB`) sets it:
 * β = 0.2 + max(0, log(0.4 n)); the UCB is μ + √β σ.
 *
 * @example
 * explorationWeight(10) // 0.2 + log 4 ≈ 1.586
 */
export function explorationWeight(observations: number): number {
  return BETA_OFFSET + Math.max(0, Math.log(BETA_SHIFT * observations));
}

/** The bandit's observations: per finished segment with a scored parent, its change in reward, at (segment, start score, hyperparameters). */
export function rewardChanges(snapshot: StudySnapshot, names: readonly string[], distributions: readonly Distribution[], window: number) {
  const rows: { time: number; start: number; point: Float64Array; value: number; number: number }[] = [];
  for (const trial of snapshot.finished) {
    const place = segmentPlace(trial);
    if (!place || place.parent === null) continue;
    const end = segmentScore(snapshot, trial);
    const parent = snapshot.trials[place.parent];
    const start = parent ? segmentScore(snapshot, parent) : undefined;
    if (end === undefined || start === undefined) continue;
    const point = encodeParams(trial, names, distributions);
    if (point) rows.push({ time: place.segment, start, point, value: end - start, number: trial.number });
  }
  rows.sort((a, b) => a.number - b.number);
  const kept = rows.slice(-window);
  let low = Infinity;
  let high = -Infinity;
  for (const row of kept) {
    low = Math.min(low, row.start);
    high = Math.max(high, row.start);
  }
  // Scaled to [0, 1] over the window; a start outside what the data saw is clipped to its edge.
  const scaleStart = (score: number): number => (high > low ? Math.min(1, Math.max(0, (score - low) / (high - low))) : 0.5);
  return {
    times: kept.map((r) => r.time),
    points: kept.map((r) => withStart(scaleStart(r.start), r.point)),
    values: kept.map((r) => r.value),
    scaleStart,
  };
}

/** The bandit's input: the scaled start score, then the hyperparameters. */
function withStart(start: number, hyperparameters: Float64Array): Float64Array {
  const point = new Float64Array(hyperparameters.length + 1);
  point[0] = start;
  point.set(hyperparameters, 1);
  return point;
}

/** The inputs of the other members' running segments (GP-BUCB's pending points). */
function runningInputs(snapshot: StudySnapshot, names: readonly string[], distributions: readonly Distribution[], donor: FrozenTrial, scaleStart: (score: number) => number) {
  const pending: { time: number; point: Float64Array }[] = [];
  for (const trial of snapshot.trials) {
    if (trial.state !== "running" || trial.number === donor.number) continue;
    const place = segmentPlace(trial);
    const point = place ? encodeParams(trial, names, distributions) : null;
    const parent = place?.parent !== null && place?.parent !== undefined ? snapshot.trials[place.parent] : undefined;
    const start = parent ? segmentScore(snapshot, parent) : undefined;
    if (place && point && start !== undefined) pending.push({ time: place.segment, point: withStart(scaleStart(start), point) });
  }
  return pending;
}

function encodeParams(trial: FrozenTrial, names: readonly string[], distributions: readonly Distribution[]): Float64Array | null {
  const point = new Float64Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const value = trial.params[names[i]!];
    if (value === undefined || typeof value !== "number") return null;
    point[i] = encodeValue(distributions[i]!, value);
  }
  return point;
}
