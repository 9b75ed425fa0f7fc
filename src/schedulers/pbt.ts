/**
 * Population Based Training (Jaderberg et al. 2017, "Population Based Training of Neural
 * Networks", arXiv:1711.09846).
 *
 * A population of N members trains side by side. Each member is trained for a segment of K steps
 * at a time; the end of a segment is the member's "ready" point, where the paper's two operators
 * run asynchronously, judged on each member's latest score:
 *
 * - exploit ("truncation selection", §4.1 of the paper): a member ranked in the bottom `quantile`
 *   of the members that reached the same segment copies the checkpoint (weights) and hyperparameters of a member drawn
 *   uniformly from the top `quantile`; any other member simply continues from its own checkpoint;
 * - explore ("perturb"): the copied hyperparameters are perturbed: a numeric one is multiplied by
 *   0.8 or 1.2 (1 ± `perturbation`), or, with probability `resampleProbability`, drawn afresh from
 *   its distribution. A categorical (or an integer range the ×0.8/×1.2 rule cannot move) steps to a
 *   neighbouring choice. Values stay inside their distribution's bounds and grid; log-scale ones
 *   stay positive because they only ever get multiplied.
 *
 * The quantile is rounded up but never covers more than half the population, so a population of
 * two always has one member in each half (the paper's toy example, §4.1 and Figure 2).
 *
 * Decisions use a random stream derived from the seed and the number of the trial that finished,
 * so the same seed and the same history give the same decisions on every backend.
 *
 * @module
 */
import { deriveSeed, Rng, seedOrRandom } from "../math/rng.js";
import {
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  SEED_OPTION,
  type StudySnapshot,
  choiceIndex,
  decodeValue,
  defineOptions,
  snapToDistribution,
  refuseUnknownOptions,
} from "../space/index.js";
import { CHECKPOINT_RETENTIONS, type CheckpointRetention } from "./retention.js";
import { type Scheduler, type SegmentPlace, type SegmentPlan, latestSegments, segmentPlace, segmentScore } from "./base.js";

/** The option schema of `pbt` (and of `pb2`, which adds its own). */
export const PBT_OPTIONS = defineOptions({
  population: { kind: "integer", min: 2, default: 8, description: "members trained side by side (N)" },
  segments: { kind: "integer", min: 1, default: 10, description: "segments each member trains; every segment is one trial" },
  segmentSteps: { kind: "integer", min: 1, default: 1, description: "steps per segment (K); segment s trains steps [s·K, (s+1)·K)" },
  quantile: { kind: "number", min: 0, max: 0.5, exclusiveMin: true, default: 0.25, description: "fraction of members in the bottom (exploiting) and top (exploited) groups" },
  resampleProbability: { kind: "number", min: 0, max: 1, default: 0.25, description: "chance that explore draws a hyperparameter afresh instead of perturbing it" },
  perturbation: { kind: "number", min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 0.2, description: "explore multiplies a numeric hyperparameter by 1 − p or 1 + p" },
  checkpointDir: { kind: "string", default: "next to the storage", description: "folder for the members' checkpoints (default: <sqlite file>-checkpoints/<study>; on PostgreSQL the CLI fixes <folder of create or tune>/sextant-checkpoints/<study> for every worker)" },
  keepCheckpoints: {
    kind: "enum",
    values: CHECKPOINT_RETENTIONS,
    default: "all",
    description:
      "all keeps every segment's checkpoint; latest deletes one once no segment can start from it again, keeping each member's newest and the best trial's",
  },
  synchronous: {
    kind: "boolean",
    default: false,
    description: "hold a member's next segment until every other member still training has finished the segment before it, so each exploit ranks the whole population (for as many workers as members)",
  },
  seed: SEED_OPTION,
});

/** Options of {@link PBTScheduler}; see {@link PBT_OPTIONS} for what each does. */
export interface PBTOptions {
  population?: number;
  segments?: number;
  segmentSteps?: number;
  quantile?: number;
  resampleProbability?: number;
  perturbation?: number;
  checkpointDir?: string;
  keepCheckpoints?: CheckpointRetention;
  synchronous?: boolean;
  seed?: number;
}

/** A member chosen to be copied at a ready point. */
export interface Donor {
  readonly member: number;
  readonly trial: FrozenTrial;
}

/**
 * The PBT scheduler (Jaderberg et al. 2017): exploit by truncation selection, explore by
 * perturbation. Give it to `createStudy`; `study.optimize` then runs `population × segments`
 * segment trials.
 *
 * @example
 * const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 8, segments: 20, segmentSteps: 5, seed: 1 }) });
 * await study.optimize((trial) => {
 *   const lr = trial.suggestFloat("lr", 1e-4, 1, { log: true });
 *   const model = trial.checkpoint()?.data ?? initialModel();
 *   for (let step = trial.segment!.startStep; step < trial.segment!.endStep; step++) train(model, lr);
 *   trial.saveCheckpoint({ data: model });
 *   return accuracy(model);
 * });
 */
export class PBTScheduler implements Scheduler {
  readonly name: string = "pbt";
  readonly population: number;
  readonly segments: number;
  readonly segmentSteps: number;
  readonly quantile: number;
  readonly resampleProbability: number;
  readonly perturbation: number;
  readonly checkpointDir: string | undefined;
  readonly keepCheckpoints: CheckpointRetention;
  readonly synchronous: boolean;
  readonly seed: number;

  constructor(options: PBTOptions = {}) {
    refuseUnknownOptions("pbt scheduler", options, PBT_OPTIONS, []);
    this.population = checkInteger("population", options.population ?? 8, 2);
    this.segments = checkInteger("segments", options.segments ?? 10, 1);
    this.segmentSteps = checkInteger("segmentSteps", options.segmentSteps ?? 1, 1);
    this.quantile = checkRange("quantile", options.quantile ?? 0.25, 0, 0.5, true);
    this.resampleProbability = checkRange("resampleProbability", options.resampleProbability ?? 0.25, 0, 1, false);
    this.perturbation = checkRange("perturbation", options.perturbation ?? 0.2, 0, 1, true, true);
    // An empty folder name used to put every trial-N checkpoint folder in the working directory.
    if (options.checkpointDir !== undefined && (typeof options.checkpointDir !== "string" || options.checkpointDir.trim() === "")) {
      throw new TypeError(`checkpointDir must be a folder path, got ${JSON.stringify(options.checkpointDir)}; leave it out for the folder next to the storage`);
    }
    this.checkpointDir = options.checkpointDir;
    if (options.keepCheckpoints !== undefined && !CHECKPOINT_RETENTIONS.includes(options.keepCheckpoints)) {
      throw new TypeError(`keepCheckpoints must be one of ${CHECKPOINT_RETENTIONS.join(", ")}, got ${shownOption(options.keepCheckpoints)}`);
    }
    this.keepCheckpoints = options.keepCheckpoints ?? "all";
    if (options.synchronous !== undefined && typeof options.synchronous !== "boolean") throw new TypeError(`synchronous must be true or false, got ${shownOption(options.synchronous)}`);
    this.synchronous = options.synchronous ?? false;
    this.seed = seedOrRandom(options.seed, "PBTScheduler");
  }

  nextSegment(snapshot: StudySnapshot, finished: FrozenTrial): SegmentPlan | null {
    const place = segmentPlace(finished);
    if (!place) throw new Error(`trial ${finished.number} is not a segment of a population (no pbt:member / pbt:segment attributes)`);
    if (place.segment + 1 >= this.segments) return null;
    const rng = new Rng(deriveSeed(this.seed, "pbt", finished.number));
    const donor = this.chooseDonor(snapshot, finished, place, rng);
    if (!donor) return { member: place.member, segment: place.segment + 1, parent: finished.number, exploitedFrom: null, params: { ...finished.params } };
    return {
      member: place.member,
      segment: place.segment + 1,
      parent: donor.trial.number,
      exploitedFrom: donor.member,
      params: this.explore(snapshot, donor.trial, place.segment + 1, rng),
    };
  }

  /**
   * Exploit: the top-quantile member to copy when `finished`'s member ranks in the bottom quantile,
   * else null. Members are ranked by their scores at the segment `finished` ended, the same point
   * of training, so a member is never judged against one trained longer or shorter, and the
   * checkpoint it copies is exactly as far into training as its own; members that have not
   * reached that segment yet are not ranked.
   */
  chooseDonor(snapshot: StudySnapshot, finished: FrozenTrial, place: SegmentPlace, rng: Rng): Donor | null {
    const latest = latestSegments(snapshot, place.segment);
    const ownScore = segmentScore(snapshot, finished);
    if (ownScore === undefined) return null;
    latest.set(place.member, { trial: finished, place, score: ownScore });
    // Worst first; ties broken by member so that the ranking does not depend on trial order.
    const ranked = [...latest.entries()].sort((a, b) => a[1].score - b[1].score || a[0] - b[0]);
    const n = ranked.length;
    if (n < 2) return null;
    const size = Math.min(Math.ceil(n * this.quantile), Math.floor(n / 2));
    if (size < 1) return null;
    const bottom = ranked.slice(0, size).map(([member]) => member);
    if (!bottom.includes(place.member)) return null;
    const top = ranked.slice(n - size);
    const [member, entry] = top[rng.integer(0, top.length - 1)]!;
    return { member, trial: entry.trial };
  }

  /** Explore: new hyperparameters from the donor's. PB2 overrides this with its bandit. */
  explore(_snapshot: StudySnapshot, donor: FrozenTrial, _segment: number, rng: Rng): Record<string, ParamValue> {
    const params: Record<string, ParamValue> = {};
    for (const name of Object.keys(donor.params).sort()) {
      const distribution = donor.distributions[name];
      params[name] = distribution ? perturbValue(distribution, donor.params[name]!, rng, this.resampleProbability, this.perturbation) : donor.params[name]!;
    }
    return params;
  }
}

/**
 * PBT's explore for one hyperparameter: with probability `resampleProbability` a fresh draw from
 * the distribution; otherwise a numeric value times 1 − p or 1 + p (clipped to bounds, snapped to
 * the grid), and a categorical one moved to a neighbouring choice. An integer that multiplying
 * does not move (3 × 1.2 rounds to 4, but 1 × 1.2 rounds to 1) moves one grid step in the same
 * direction instead, so explore never silently leaves an ordered value where it was.
 *
 * @example
 * perturbValue({ type: "float", low: 0, high: 1 }, 0.5, new Rng(1), 0, 0.2) // 0.4 or 0.6
 */
export function perturbValue(distribution: Distribution, value: ParamValue, rng: Rng, resampleProbability: number, perturbation: number): ParamValue {
  if (rng.uniform() < resampleProbability) return decodeValue(distribution, rng.uniform());
  const up = rng.uniform() < 0.5;
  if (distribution.type === "categorical") {
    const index = choiceIndex(distribution, value);
    const last = distribution.choices.length - 1;
    if (index < 0 || last === 0) return value;
    const next = up ? (index === last ? index - 1 : index + 1) : index === 0 ? index + 1 : index - 1;
    return distribution.choices[next]!;
  }
  const number = value as number;
  const moved = snapToDistribution(distribution, number * (up ? 1 + perturbation : 1 - perturbation));
  if (moved !== number || distribution.type === "float" && distribution.step === undefined) return moved;
  // On a grid the product may round back to the value itself: take the neighbouring grid point.
  const step = distribution.step ?? 1;
  const direction = (up ? 1 : -1) * (number < 0 ? -1 : 1);
  return snapToDistribution(distribution, number + direction * step);
}

/** An option that must be an integer of at least `min`; PB2's `window` too. */
export function checkInteger(name: string, value: number, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${shownOption(value)}`);
  return value;
}

function checkRange(name: string, value: number, low: number, high: number, exclusiveLow: boolean, exclusiveHigh = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value > high || value < low || (exclusiveLow && value === low) || (exclusiveHigh && value === high)) {
    throw new RangeError(`${name} must be in ${exclusiveLow ? "(" : "["}${low}, ${high}${exclusiveHigh ? ")" : "]"}, got ${shownOption(value)}`);
  }
  return value;
}

/** A refused option value as given: text in quotes, or "population must be an integer ≥ 2, got 8" read as a contradiction. */
function shownOption(value: unknown): string {
  return typeof value === "string" ? `the text ${JSON.stringify(value)}` : String(value);
}
