import { describe, expect, it } from "vitest";
import { InitialFailureWatch } from "./initial-failures.js";

const broken = { state: "failed" as const, reason: "exit code 2: python3: can't open file 'trian.py'", stderrTail: "python3: can't open file 'trian.py'\n" };

describe("InitialFailureWatch", () => {
  it("answers the shared reason the moment the first trials have all failed alike, and only then", () => {
    const watch = new InitialFailureWatch(3);
    expect([watch.see(broken), watch.see(broken), watch.see(broken)]).toEqual([null, null, broken.reason]);
    // Said once: the run is stopping.
    expect(watch.see(broken)).toBeNull();
  });

  it("lets the run go on once a trial completes or is pruned, whatever fails after", () => {
    for (const state of ["complete", "pruned"] as const) {
      const watch = new InitialFailureWatch(2);
      watch.see(broken);
      watch.see({ state, reason: "", stderrTail: "" });
      expect([watch.see(broken), watch.see(broken), watch.see(broken)]).toEqual([null, null, null]);
    }
  });

  it("does not count failures that differ in reason or in stderr, as bad hyperparameters make them", () => {
    const reason = new InitialFailureWatch(2);
    reason.see(broken);
    expect(reason.see({ ...broken, reason: "exit code 1" })).toBeNull();
    expect(reason.see(broken)).toBeNull();
    const stderr = new InitialFailureWatch(2);
    stderr.see({ state: "failed", reason: "no value", stderrTail: "loss diverged at lr=0.9\n" });
    expect(stderr.see({ state: "failed", reason: "no value", stderrTail: "loss diverged at lr=0.7\n" })).toBeNull();
  });

  it("never stops a run with a limit of 0, and refuses a limit that is not a whole number ≥ 0", () => {
    const watch = new InitialFailureWatch(0);
    expect(Array.from({ length: 10 }, () => watch.see(broken))).toEqual(new Array(10).fill(null));
    for (const limit of [-1, 1.5, Number.NaN]) expect(() => new InitialFailureWatch(limit)).toThrow(/integer ≥ 0/);
  });
});
