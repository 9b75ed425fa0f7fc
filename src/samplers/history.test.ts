import { describe, expect, it } from "vitest";
import { type StudySnapshot, makeTrial } from "../space/index.js";
import { latestEarlier } from "./history.js";

function snapshotOf(marks: (number | undefined)[]): StudySnapshot {
  const trials = marks.map((mark, number) => makeTrial({ number, systemAttrs: mark === undefined ? {} : { mark } }));
  return { studyId: 1, studyName: "s", directions: ["minimize"], trials } as unknown as StudySnapshot;
}
const readMark = (t: { systemAttrs: Record<string, unknown> }): number | undefined => (typeof t.systemAttrs.mark === "number" ? t.systemAttrs.mark : undefined);

describe("latestEarlier", () => {
  it("returns what the most recent earlier accepted trial holds, skipping trials it rejects", () => {
    const snapshot = snapshotOf([10, undefined, 30, undefined, 50]);
    expect(latestEarlier(snapshot, 4, readMark)).toBe(30);
    expect(latestEarlier(snapshot, 2, readMark)).toBe(10);
    expect(latestEarlier(snapshot, 99, readMark)).toBe(50);
  });

  it("never looks at the trial itself or later ones, and is undefined when nothing earlier qualifies", () => {
    const snapshot = snapshotOf([undefined, 20]);
    expect(latestEarlier(snapshot, 1, readMark)).toBeUndefined();
    expect(latestEarlier(snapshot, 0, readMark)).toBeUndefined();
  });
});
