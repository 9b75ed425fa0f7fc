/**
 * The one place that knows how a {@link TrialPatch} changes a trial, and what a trial written
 * whole by `insertFinishedTrial` or `insertTrials` holds, shared by every backend so that they cannot disagree.
 */
import { type FrozenTrial, distributionsEqual } from "../space/index.js";
import { ParamConflictError, type TrialPatch, TrialNotRunningError, type WholeTrialInit } from "./types.js";

/** Returns the trial with the patch applied, stamped with `seq`. The trial must be running. */
export function applyTrialPatch(trial: FrozenTrial, patch: TrialPatch, seq: number, now: number): FrozenTrial {
  if (trial.state !== "running") throw new TrialNotRunningError(trial.id, trial.state, trial.number);
  let params = trial.params;
  let distributions = trial.distributions;
  if (patch.params) {
    const nextParams = { ...params };
    const nextDistributions = { ...distributions };
    for (const [name, { value, distribution }] of Object.entries(patch.params)) {
      const existing = distributions[name];
      if (existing !== undefined) {
        if (!distributionsEqual(existing, distribution) || params[name] !== value) {
          throw new ParamConflictError(
            `trial ${trial.number}: parameter "${name}" is already set to ${JSON.stringify(params[name])}`,
          );
        }
        continue;
      }
      nextParams[name] = value;
      nextDistributions[name] = distribution;
    }
    params = nextParams;
    distributions = nextDistributions;
  }
  const finishing = patch.state !== undefined;
  return {
    ...trial,
    params,
    distributions,
    intermediate: patch.intermediate ? { ...trial.intermediate, ...patch.intermediate } : trial.intermediate,
    userAttrs: patch.userAttrs ? { ...trial.userAttrs, ...patch.userAttrs } : trial.userAttrs,
    systemAttrs: patch.systemAttrs ? { ...trial.systemAttrs, ...patch.systemAttrs } : trial.systemAttrs,
    state: patch.state ?? trial.state,
    values: patch.values !== undefined ? (patch.values === null ? null : [...patch.values]) : trial.values,
    finishedAt: finishing ? now : trial.finishedAt,
    seq,
  };
}

/**
 * The trial {@link Storage.insertFinishedTrial} or {@link Storage.insertTrials} writes from `init`,
 * given its storage's id, number and seq. A waiting trial holds no values, intermediate values or
 * times, as one {@link Storage.createTrial} queues.
 */
export function finishedTrial(init: WholeTrialInit, id: number, number: number, seq: number): FrozenTrial {
  const finished = init.state !== "waiting";
  return {
    id,
    number,
    state: init.state,
    params: { ...init.params },
    distributions: { ...init.distributions },
    values: finished && init.values !== null ? [...init.values] : null,
    intermediate: finished ? { ...init.intermediate } : {},
    userAttrs: { ...init.userAttrs },
    systemAttrs: { ...init.systemAttrs },
    startedAt: finished ? init.startedAt : null,
    finishedAt: finished ? init.finishedAt : null,
    seq,
  };
}
