/**
 * The schedule and lineage of a population: for every member, its segments in order, with the
 * hyperparameters each ran with, the trial it continued from and the member it copied.
 *
 * @module
 */
import type { FrozenTrial, JsonValue, ParamValue, TrialState } from "../space/index.js";
import { SAVED_CHECKPOINT_ATTR, UNDECIDED_ATTR, segmentPlace } from "./base.js";

/** One segment of a member, as {@link populationLineage} reports it. */
export interface LineageSegment {
  readonly trial: number;
  readonly segment: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Its value (the score at the end of the segment), or null. */
  readonly value: number | null;
  /**
   * The trial it continued from, or null for a first segment. While {@link undecided}, the
   * member's previous segment: the one it will continue unless it copies another member.
   */
  readonly parent: number | null;
  /** The member the parent trial belongs to (another member's after an exploit). */
  readonly parentMember: number | null;
  /** The member it copied at its ready point, or null when it continued its own line. */
  readonly exploitedFrom: number | null;
  /** The checkpoint it started from and the one it saved (names under the study's checkpoint folder). */
  readonly checkpoint: string | null;
  readonly saved: string | null;
  /** The trial this one repeats after its worker died, or null. */
  readonly retryOf: number | null;
  /**
   * Queued, with its ready point's exploit/explore decision still to come (taken when a worker
   * claims it, so that it sees every score reported by then): its parent and parameters may change.
   */
  readonly undecided: boolean;
}

/** A member's line: its segments in order (retries and failures included) and its latest value. */
export interface MemberLineage {
  readonly member: number;
  readonly segments: readonly LineageSegment[];
  /** The value of its latest complete segment, or null. */
  readonly lastValue: number | null;
}

/**
 * Every member's schedule and lineage, from a study's trials (those that are not segments are
 * skipped). Members are in order; segments by segment index, then trial number.
 *
 * @example
 * for (const m of populationLineage(study.trials)) console.log(m.member, m.segments.map((s) => s.params.lr));
 */
export function populationLineage(trials: readonly FrozenTrial[]): MemberLineage[] {
  const byMember = new Map<number, LineageSegment[]>();
  const memberOf = new Map<number, number>();
  for (const trial of trials) {
    const place = segmentPlace(trial);
    if (place) memberOf.set(trial.number, place.member);
  }
  for (const trial of trials) {
    const place = segmentPlace(trial);
    if (!place) continue;
    const saved = trial.systemAttrs[SAVED_CHECKPOINT_ATTR];
    const retryOf = trial.systemAttrs.retryOf as JsonValue | undefined;
    const segment: LineageSegment = {
      trial: trial.number,
      segment: place.segment,
      state: trial.state,
      params: trial.params,
      value: trial.values?.[0] ?? null,
      parent: place.parent,
      parentMember: place.parent === null ? null : (memberOf.get(place.parent) ?? null),
      exploitedFrom: place.exploitedFrom,
      checkpoint: place.checkpoint,
      saved: typeof saved === "string" ? saved : null,
      retryOf: typeof retryOf === "number" ? retryOf : null,
      undecided: trial.systemAttrs[UNDECIDED_ATTR] === true,
    };
    const list = byMember.get(place.member) ?? [];
    list.push(segment);
    byMember.set(place.member, list);
  }
  return [...byMember.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([member, segments]) => {
      segments.sort((a, b) => a.segment - b.segment || a.trial - b.trial);
      const complete = segments.filter((s) => s.state === "complete" && s.value !== null);
      return { member, segments, lastValue: complete.length > 0 ? complete[complete.length - 1]!.value : null };
    });
}
