/**
 * Which checkpoints of a population can no longer be started from, for `keepCheckpoints: "latest"`.
 *
 * Every segment saves its own checkpoint (`trial-N`), so a population of 8 members × 20 segments
 * keeps 160 copies of its model; at a gigabyte each that is a full disk for what is, after a few
 * segments, history. Ray Tune bounds it with `CheckpointConfig(num_to_keep)`. Here a checkpoint
 * goes only once nothing in the population can start from it again:
 *
 * 1. it is not its member's newest saved checkpoint (the newest is what the member goes on from,
 *    and at the end it is the member's trained model);
 * 2. it is not one the caller keeps (the study's best trial, whose model `sextant best` points at);
 * 3. no segment waiting or running starts from it, and no failed segment that ends its member's
 *    line does (a requeue, or a reaper's retry, starts again from the same checkpoint);
 * 4. no ready point can still choose it: a member finishing segment s copies a top member's
 *    checkpoint *of segment s* (PBT ranks members at the same point of training), so the
 *    checkpoints of segment s stay until every member has a decided segment after s. A member
 *    whose line ended before that (a failed segment, not retried) holds them: a requeue of its
 *    segment would rank against them.
 *
 * Decisions are written before any sweep can see their segment as decided, so a sweep running on
 * another worker at the same moment sees the segment undecided and keeps what it might choose.
 *
 * @module
 */
import type { FrozenTrial } from "../space/index.js";
import { SAVED_CHECKPOINT_ATTR, UNDECIDED_ATTR, newestPerMember, segmentPlace } from "./base.js";

/** What the population may delete under `keepCheckpoints`: `all` keeps every segment's, `latest` what rules 1–4 above keep. */
export type CheckpointRetention = "all" | "latest";

export const CHECKPOINT_RETENTIONS: readonly CheckpointRetention[] = ["all", "latest"];

/**
 * The numbers of the finished segment trials whose checkpoint folders nothing can start from any
 * more (see the module's rules), in trial order. `population` is the number of members; `keep`
 * holds trial numbers kept whatever the rules say.
 *
 * @example
 * disposableCheckpoints(study.trials, 4, new Set([study.bestTrial.number])) // [0, 1, 2, 3, 5]
 */
export function disposableCheckpoints(trials: readonly FrozenTrial[], population: number, keep: ReadonlySet<number> = new Set()): number[] {
  const newestSaved = newestPerMember(trials, (trial) => (trial.state === "complete" || trial.state === "pruned") && typeof trial.systemAttrs[SAVED_CHECKPOINT_ATTR] === "string");
  /** Per member, the furthest segment it has decided to go on to (a segment after which every member has a decided one is past every ready point). */
  const furthestDecided = new Map<number, number>();
  const startedFrom = new Set<number>();

  for (const trial of trials) {
    const place = segmentPlace(trial);
    if (!place) continue;
    if (place.segment > 0 && trial.systemAttrs[UNDECIDED_ATTR] !== true && place.parent !== null) {
      furthestDecided.set(place.member, Math.max(furthestDecided.get(place.member) ?? 0, place.segment));
    }
    if ((trial.state === "waiting" || trial.state === "running") && place.parent !== null) startedFrom.add(place.parent);
  }
  // A failed segment that is its member's newest trial ends the line until it is retried from its parent.
  for (const { trial, place } of newestPerMember(trials).values()) {
    if (trial.state === "failed" && place.parent !== null) startedFrom.add(place.parent);
  }
  // Every ready point at segment s or before has been decided when every member has decided a segment after s.
  let decidedThrough = -1;
  if (furthestDecided.size >= population) decidedThrough = Math.min(...furthestDecided.values()) - 1;

  const disposable: number[] = [];
  for (const trial of trials) {
    const place = segmentPlace(trial);
    if (!place || trial.state === "waiting" || trial.state === "running") continue;
    if (keep.has(trial.number) || startedFrom.has(trial.number) || place.segment > decidedThrough) continue;
    if (newestSaved.get(place.member)?.trial.number === trial.number) continue;
    disposable.push(trial.number);
  }
  return disposable;
}
