/**
 * The scheduler contract and the trial attributes through which a population lives in a study.
 *
 * A population-based scheduler (PBT, PB2) trains `population` members, each in `segments`
 * segments of `segmentSteps` steps. Every segment of every member is one trial, and the trial
 * says where it sits in the population with these system attributes:
 *
 * | key | value |
 * | --- | --- |
 * | `pbt:member` | the member (0 … population − 1) |
 * | `pbt:segment` | the segment (0 … segments − 1); it trains steps [segment·K, (segment+1)·K) |
 * | `pbt:parent` | the trial this segment continues from (its checkpoint and, unless explored, its parameters), or null for a first segment |
 * | `pbt:exploitedFrom` | the member whose checkpoint and parameters it copied (exploit), or null |
 * | `pbt:checkpoint` | the checkpoint it starts from, as a name under the study's checkpoint folder, or null |
 * | `pbt:saved` | the checkpoint this segment saved (set by `trial.saveCheckpoint`), or absent |
 *
 * The study writes them; schedulers only read trials and answer "member m continues from trial
 * p with these parameters", as DESIGN.md's contract for schedulers says.
 *
 * @module
 */
import type { FrozenTrial, JsonValue, ParamValue, StudySnapshot } from "../space/index.js";

/** Prefix of the system attributes that place a trial in a population; a retry of a segment keeps them. */
export const SEGMENT_ATTR_PREFIX = "pbt:";

export const MEMBER_ATTR = "pbt:member";
export const SEGMENT_ATTR = "pbt:segment";
export const PARENT_ATTR = "pbt:parent";
export const EXPLOITED_FROM_ATTR = "pbt:exploitedFrom";
export const CHECKPOINT_ATTR = "pbt:checkpoint";
export const SAVED_CHECKPOINT_ATTR = "pbt:saved";
/** Marks a queued segment whose exploit/explore decision is still to be taken when a worker claims it. */
export const UNDECIDED_ATTR = "pbt:undecided";
/**
 * The *study* system attribute where the study records its population's schedule (scheduler name,
 * population, segments, steps per segment) when seeding it; a study that has it trains a
 * population, whose segments run under `optimize` or `sextant worker`.
 */
export const SCHEDULER_ATTR = "pbt:scheduler";

/**
 * A schedule as messages name it, from a scheduler or from what {@link SCHEDULER_ATTR} holds.
 *
 * @example
 * describeSchedule({ name: "pbt", population: 4, segments: 5, segmentSteps: 2 }) // "pbt population of 4 members × 5 segments of 2 step(s)"
 */
export function describeSchedule(schedule: { name?: unknown; population?: unknown; segments?: unknown; segmentSteps?: unknown }): string {
  return `${String(schedule.name)} population of ${String(schedule.population)} members × ${String(schedule.segments)} segments of ${String(schedule.segmentSteps)} step(s)`;
}

/** Where a trial sits in a population, read from its system attributes. */
export interface SegmentPlace {
  readonly member: number;
  readonly segment: number;
  /** The trial it continues from, or null for a first segment. */
  readonly parent: number | null;
  readonly exploitedFrom: number | null;
  /** The checkpoint name it starts from, or null. */
  readonly checkpoint: string | null;
}

/**
 * What a scheduler decides when a member is ready: the member's next segment continues from
 * `parent`'s checkpoint with `params` (the parent's own, or new ones after exploit and explore).
 */
export interface SegmentPlan {
  readonly member: number;
  readonly segment: number;
  /** Trial number whose checkpoint the segment starts from. */
  readonly parent: number;
  /** The member copied, when the member exploited another. */
  readonly exploitedFrom: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/**
 * A population-based training scheduler. The study calls {@link nextSegment} each time a segment
 * finishes (the member's "ready" point) and queues what it answers as the member's next trial.
 *
 * @example
 * const plan = scheduler.nextSegment(study.snapshot(), finishedTrial);
 * if (plan) console.log(`member ${plan.member} continues from trial ${plan.parent}`, plan.params);
 */
export interface Scheduler {
  readonly name: string;
  /** Members trained side by side (N). */
  readonly population: number;
  /** Segments each member trains. */
  readonly segments: number;
  /** Steps per segment (K): segment s trains steps [s·K, (s+1)·K). */
  readonly segmentSteps: number;
  /** Seed of every random choice; the same seed and history give the same decisions. */
  readonly seed: number;
  /** Folder for checkpoints, or undefined for the default next to the study's storage. */
  readonly checkpointDir: string | undefined;
  /**
   * Which segments' checkpoints to keep: every one (`all`, absent means so), or (`latest`) only
   * those a segment may still start from, each member's newest and the best trial's (see
   * `disposableCheckpoints`).
   */
  readonly keepCheckpoints?: "all" | "latest";
  /**
   * Synchronous PBT: a member's undecided next segment waits until every other member that has not
   * ended has finished the segment before it, so each decision ranks the whole population. Absent
   * means false.
   */
  readonly synchronous?: boolean;
  /** The member's next segment after `finished`, or null when the member has trained all its segments. */
  nextSegment(snapshot: StudySnapshot, finished: FrozenTrial): SegmentPlan | null;
}

/**
 * Where a trial sits in a population, or undefined for a trial that is not a segment.
 *
 * @example
 * segmentPlace(trial)?.member // 3
 */
export function segmentPlace(trial: Pick<FrozenTrial, "systemAttrs">): SegmentPlace | undefined {
  const attrs = trial.systemAttrs;
  const member = attrs[MEMBER_ATTR];
  const segment = attrs[SEGMENT_ATTR];
  if (typeof member !== "number" || typeof segment !== "number") return undefined;
  const parent = attrs[PARENT_ATTR];
  const exploited = attrs[EXPLOITED_FROM_ATTR];
  const checkpoint = attrs[CHECKPOINT_ATTR];
  return {
    member,
    segment,
    parent: typeof parent === "number" ? parent : null,
    exploitedFrom: typeof exploited === "number" ? exploited : null,
    checkpoint: typeof checkpoint === "string" ? checkpoint : null,
  };
}

/**
 * The system attributes of a queued segment trial.
 *
 * @example
 * segmentAttrs({ member: 0, segment: 0, parent: null, exploitedFrom: null, checkpoint: null })
 */
export function segmentAttrs(place: SegmentPlace): Record<string, JsonValue> {
  return {
    [MEMBER_ATTR]: place.member,
    [SEGMENT_ATTR]: place.segment,
    [PARENT_ATTR]: place.parent,
    [EXPLOITED_FROM_ATTR]: place.exploitedFrom,
    [CHECKPOINT_ATTR]: place.checkpoint,
  };
}

/**
 * The score of a finished segment with "higher is better" whatever the study's direction, or
 * undefined for a segment without a value (failed).
 */
export function segmentScore(snapshot: Pick<StudySnapshot, "directions">, trial: FrozenTrial): number | undefined {
  if (trial.state !== "complete" && trial.state !== "pruned") return undefined;
  const value = trial.values?.[0];
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return snapshot.directions[0] === "maximize" ? value : -value;
}

/**
 * Each member's newest segment trial that `accept` takes (all of them without it): the one with
 * the highest segment index, the newest trial on a tie (a retry of the same segment).
 *
 * @example
 * newestPerMember(study.trials, (t) => t.state === "complete").get(3)?.place.segment // 7
 */
export function newestPerMember(
  trials: readonly FrozenTrial[],
  accept: (trial: FrozenTrial, place: SegmentPlace) => boolean = () => true,
): Map<number, { trial: FrozenTrial; place: SegmentPlace }> {
  const newest = new Map<number, { trial: FrozenTrial; place: SegmentPlace }>();
  for (const trial of trials) {
    const place = segmentPlace(trial);
    if (!place || !accept(trial, place)) continue;
    const known = newest.get(place.member);
    if (!known || place.segment > known.place.segment || (place.segment === known.place.segment && trial.number > known.trial.number)) {
      newest.set(place.member, { trial, place });
    }
  }
  return newest;
}

/**
 * Each member's latest scored segment (see {@link newestPerMember}). With `segment`, only that
 * segment counts: the members' scores at the same point of training, which is what a ready point
 * compares.
 */
export function latestSegments(snapshot: StudySnapshot, segment?: number): Map<number, { trial: FrozenTrial; place: SegmentPlace; score: number }> {
  const scored = newestPerMember(snapshot.trials, (trial, place) => (segment === undefined || place.segment === segment) && segmentScore(snapshot, trial) !== undefined);
  return new Map([...scored].map(([member, { trial, place }]) => [member, { trial, place, score: segmentScore(snapshot, trial)! }]));
}
