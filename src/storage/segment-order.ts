/**
 * The rule of {@link TrialClaim.segmentOrder} on trials in memory: the memory backend's claim and a
 * study's choice of what to ask for read it here; SQLite and PostgreSQL spell it in SQL.
 *
 * @module
 */
import type { FrozenTrial } from "../space/index.js";
import type { SegmentOrderKeys, TrialClaim } from "./types.js";

/**
 * Whether the waiting `trial` must wait, under {@link TrialClaim.segmentOrder}, for one of
 * `pending` (the study's waiting and running trials): it is undecided and another member's trial
 * at a lower segment is among them.
 *
 * @example
 * heldInSegmentOrder(waiting, trials.filter((t) => t.state === "waiting" || t.state === "running"), { member: "pbt:member", segment: "pbt:segment", undecided: "pbt:undecided" })
 */
export function heldInSegmentOrder(trial: Pick<FrozenTrial, "systemAttrs">, pending: Iterable<Pick<FrozenTrial, "systemAttrs">>, keys: SegmentOrderKeys): boolean {
  const attrs = trial.systemAttrs;
  const member = attrs[keys.member];
  const segment = attrs[keys.segment];
  if (attrs[keys.undecided] !== true || typeof member !== "number" || typeof segment !== "number") return false;
  for (const other of pending) {
    const otherMember = other.systemAttrs[keys.member];
    const otherSegment = other.systemAttrs[keys.segment];
    if (typeof otherMember === "number" && typeof otherSegment === "number" && otherMember !== member && otherSegment < segment) return true;
  }
  return false;
}
