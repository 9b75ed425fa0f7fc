import { describe, expect, it } from "vitest";
import { type FrozenTrial, makeTrial } from "../space/index.js";
import { SAVED_CHECKPOINT_ATTR, UNDECIDED_ATTR, segmentAttrs } from "./base.js";
import { disposableCheckpoints } from "./retention.js";

interface Segment {
  member: number;
  segment: number;
  parent?: number | null;
  state?: FrozenTrial["state"];
  saved?: boolean;
  undecided?: boolean;
}

/** Trials numbered in the order given; a segment's parent defaults to its member's previous trial. */
function history(segments: Segment[]): FrozenTrial[] {
  const previous = new Map<number, number>();
  return segments.map((s, number) => {
    const parent = s.parent !== undefined ? s.parent : (previous.get(s.member) ?? null);
    previous.set(s.member, number);
    const state = s.state ?? "complete";
    return makeTrial({
      number,
      id: number + 1,
      state,
      values: state === "complete" || state === "pruned" ? [number] : null,
      systemAttrs: {
        ...segmentAttrs({ member: s.member, segment: s.segment, parent, exploitedFrom: null, checkpoint: parent === null ? null : `trial-${parent}` }),
        ...(s.saved === false || state === "waiting" || state === "running" ? {} : { [SAVED_CHECKPOINT_ATTR]: `trial-${number}` }),
        ...(s.undecided ? { [UNDECIDED_ATTR]: true } : {}),
      },
    });
  });
}

describe("disposableCheckpoints", () => {
  it("frees a segment's checkpoints once every member has decided the segment after it, keeping each member's newest", () => {
    // Trials 0–2: segment 0 of three members; 3–5: their segment 1, all decided and done.
    const trials = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 2, segment: 0 },
      { member: 0, segment: 1 },
      { member: 1, segment: 1, parent: 0 }, // member 1 exploited member 0
      { member: 2, segment: 1 },
    ]);
    expect(disposableCheckpoints(trials, 3)).toEqual([0, 1, 2]);
    // The best trial is kept whatever else the rules say.
    expect(disposableCheckpoints(trials, 3, new Set([1]))).toEqual([0, 2]);
  });

  it("keeps every checkpoint of a segment while a member's ready point after it is undecided, since it may copy any of them", () => {
    const trials = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 2, segment: 0 },
      { member: 0, segment: 1 },
      { member: 1, segment: 1 },
      { member: 2, segment: 1, state: "waiting", undecided: true },
    ]);
    expect(disposableCheckpoints(trials, 3)).toEqual([]);
    // A member that has not finished segment 0 holds them too.
    const behind = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 2, segment: 0, state: "running" },
      { member: 0, segment: 1 },
      { member: 1, segment: 1 },
    ]);
    expect(disposableCheckpoints(behind, 3)).toEqual([]);
    // As does a member with no trial read yet.
    expect(disposableCheckpoints(trials.slice(0, 2).concat(trials.slice(3, 5)), 3)).toEqual([]);
  });

  it("keeps the checkpoint a waiting or running segment starts from", () => {
    const trials = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 0, segment: 1 },
      { member: 1, segment: 1 },
      { member: 0, segment: 2 },
      { member: 1, segment: 2, parent: 2, state: "running" }, // member 1 copies member 0's segment 1
    ]);
    // Trial 2 is member 0's old checkpoint, but member 1's running segment restores it.
    expect(disposableCheckpoints(trials, 2)).toEqual([0, 1]);
    const waiting = trials.map((t) => (t.number === 5 ? { ...t, state: "waiting" as const } : t));
    expect(disposableCheckpoints(waiting, 2)).toEqual([0, 1]);
  });

  it("keeps the parent of a failed segment that ends its member's line, and frees it once a retry has gone on", () => {
    const failed = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 0, segment: 1 },
      { member: 1, segment: 1, parent: 0, state: "failed" }, // member 1 had copied member 0
      { member: 0, segment: 2 },
    ]);
    // Trial 0 is no longer member 0's newest, but a requeue of trial 3 would start from it.
    expect(disposableCheckpoints(failed, 2)).toEqual([]);
    const retried = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 0, segment: 1 },
      { member: 1, segment: 1, parent: 0, state: "failed" },
      { member: 0, segment: 2 },
      { member: 1, segment: 1, parent: 0 }, // the retry, from the same parent
      { member: 1, segment: 2 },
    ]);
    expect(disposableCheckpoints(retried, 2)).toEqual([0, 1, 2, 3, 5]);
  });

  it("holds the segments at and after the one where a member's line ended, whose ready point a requeue would decide", () => {
    const trials = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0, state: "failed" },
      { member: 0, segment: 1 },
      { member: 0, segment: 2 },
    ]);
    expect(disposableCheckpoints(trials, 2)).toEqual([]);
  });

  it("keeps a member's newest checkpoint even when segments after it saved none", () => {
    const trials = history([
      { member: 0, segment: 0 },
      { member: 1, segment: 0 },
      { member: 0, segment: 1, saved: false },
      { member: 1, segment: 1 },
      { member: 0, segment: 2, saved: false },
      { member: 1, segment: 2 },
    ]);
    // Member 0's trial 0 is its newest saved checkpoint; its later folders (none saved) can go.
    expect(disposableCheckpoints(trials, 2)).toEqual([1, 2, 3]);
  });

  it("ignores trials that are not segments", () => {
    const plain = makeTrial({ number: 0, id: 1, state: "complete", values: [1] });
    expect(disposableCheckpoints([plain], 2)).toEqual([]);
  });
});
