/**
 * PB2, Population-Based Bandits (Parker-Holder, Nguyen and Roberts 2020, "Provably Efficient Online
 * Hyperparameter Optimization with Population-Based Bandits", NeurIPS 2020, arXiv:2002.02518).
 *
 * PB2 keeps PBT's exploit step (truncation selection at each ready point) and replaces its random
 * explore with a batch GP bandit:
 *
 * - the data are, for every finished segment after a member's first, the change in reward over
 *   the segment y = score(end) − score(start), at input (t, h): t the segment index, h its
 *   hyperparameters mapped to the unit cube (log scales respected); y is centred per segment
 *   index (see `rewardChanges`);
 * - the model is a GP with the time-varying kernel of Bogunovic et al. 2016 (see
 *   `time-varying-gp.ts`), so old observations count less as training moves on;
 * - the new hyperparameters maximise GP-UCB, μ(t, h) + √β_t σ(t, h), at the next segment's time,
 *   with the practical schedule β_t = max(0, c₁ log(c₂ n)), c₁ = 0.2, c₂ = 0.4, n the number of
 *   observations, that Bogunovic et al. use in their experiments (the theoretical β of Srinivas et
 *   al. 2010 explores far too much at these sizes: it sent members to the edges of the space);
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
import { type Distribution, type FrozenTrial, type ParamValue, type StudySnapshot, decodeValue, defineOptions, encodeValue } from "../space/index.js";
import { segmentPlace, segmentScore } from "./base.js";
import { PBTScheduler, PBT_OPTIONS, type PBTOptions, perturbValue } from "./pbt.js";
import { TimeVaryingGP } from "./time-varying-gp.js";

/** The option schema of `pb2`: PBT's, plus the size of the bandit's data window. */
export const PB2_OPTIONS = defineOptions({
  ...PBT_OPTIONS,
  window: { kind: "integer", min: 2, default: 100, description: "newest segment observations the GP bandit is fitted on" },
});

export interface PB2Options extends PBTOptions {
  /** Newest observations the GP is fitted on (default 100). */
  window?: number;
}

const UNIFORM_CANDIDATES = 1000;
const LOCAL_CANDIDATES = 100;
/** Bogunovic et al. 2016's practical exploration schedule: β_t = max(0, c₁ log(c₂ n)). */
const BETA_SCALE = 0.2;
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
    super(options);
    const window = options.window ?? 100;
    if (!Number.isInteger(window) || window < 2) throw new RangeError(`window must be an integer ≥ 2, got ${window}`);
    this.window = window;
  }

  override explore(snapshot: StudySnapshot, donor: FrozenTrial, segment: number, rng: Rng): Record<string, ParamValue> {
    const names = Object.keys(donor.params).sort();
    const numeric = names.filter((name) => donor.distributions[name] !== undefined && donor.distributions[name]!.type !== "categorical");
    const distributions = numeric.map((name) => donor.distributions[name]!);
    const data = rewardChanges(snapshot, numeric, distributions, this.window);
    if (numeric.length === 0 || data.values.length < 2) return super.explore(snapshot, donor, segment, rng);

    const pending = runningInputs(snapshot, numeric, distributions, donor);
    const gp = TimeVaryingGP.fit(data, pending);
    const d = numeric.length;
    const beta = Math.max(0, BETA_SCALE * Math.log(BETA_SHIFT * data.values.length));
    const origin = Float64Array.from(numeric, (name, i) => encodeValue(distributions[i]!, donor.params[name]!));
    let best: Float64Array = origin;
    let bestScore = -Infinity;
    for (let c = 0; c < UNIFORM_CANDIDATES + LOCAL_CANDIDATES; c++) {
      const candidate = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        candidate[i] = c < UNIFORM_CANDIDATES ? rng.uniform() : Math.min(1, Math.max(0, origin[i]! + 0.1 * rng.normal()));
      }
      const { mean, variance } = gp.predict(segment, candidate);
      const score = mean + Math.sqrt(beta * variance);
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

/** The bandit's observations: per finished segment with a scored parent, its change in reward. */
function rewardChanges(snapshot: StudySnapshot, names: readonly string[], distributions: readonly Distribution[], window: number) {
  const rows: { time: number; point: Float64Array; value: number; number: number }[] = [];
  for (const trial of snapshot.finished) {
    const place = segmentPlace(trial);
    if (!place || place.parent === null) continue;
    const end = segmentScore(snapshot, trial);
    const parent = snapshot.trials[place.parent];
    const start = parent ? segmentScore(snapshot, parent) : undefined;
    if (end === undefined || start === undefined) continue;
    const point = encodeParams(trial, names, distributions);
    if (point) rows.push({ time: place.segment, point, value: end - start, number: trial.number });
  }
  rows.sort((a, b) => a.number - b.number);
  const kept = rows.slice(-window);
  // Improvements shrink as training goes on. Centred per segment, a value says how much better
  // than its contemporaries a member improved, so the GP's prior mean (zero) is "an average
  // member now" rather than the average over all of training, which untried hyperparameters would
  // otherwise inherit and win with late in training.
  const byTime = new Map<number, number[]>();
  for (const row of kept) byTime.set(row.time, [...(byTime.get(row.time) ?? []), row.value]);
  const centre = new Map([...byTime].map(([time, values]) => [time, values.reduce((a, b) => a + b, 0) / values.length]));
  return { times: kept.map((r) => r.time), points: kept.map((r) => r.point), values: kept.map((r) => r.value - centre.get(r.time)!) };
}

/** The inputs of the other members' running segments (GP-BUCB's pending points). */
function runningInputs(snapshot: StudySnapshot, names: readonly string[], distributions: readonly Distribution[], donor: FrozenTrial) {
  const pending: { time: number; point: Float64Array }[] = [];
  for (const trial of snapshot.trials) {
    if (trial.state !== "running" || trial.number === donor.number) continue;
    const place = segmentPlace(trial);
    const point = place ? encodeParams(trial, names, distributions) : null;
    if (place && point) pending.push({ time: place.segment, point });
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
