import { describe, expect, it } from "vitest";
import { makeTrial } from "../space/index.js";
import { applyTrialPatch } from "./patch.js";
import { TrialNotRunningError } from "./types.js";

describe("applyTrialPatch", () => {
  it("refuses a finished trial with an error that names the trial number, not the storage id", () => {
    const finished = makeTrial({ id: 17, number: 3, state: "failed", seq: 5 });
    let caught: unknown;
    try {
      applyTrialPatch(finished, { state: "complete", values: [1] }, 6, Date.now());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TrialNotRunningError);
    const error = caught as TrialNotRunningError;
    expect(error.message).toBe("trial 3 is failed, not running; it can no longer change");
    // A queued trial has not started yet: "can no longer change" told its client the wrong thing.
    expect(new TrialNotRunningError(4, "waiting", 2).message).toBe(
      "trial 2 is waiting in the queue, not running; it changes only once a worker or client asks for it and starts it",
    );
    expect(error.trialNumber).toBe(3);
    expect(error.trialId).toBe(17);
  });
});
