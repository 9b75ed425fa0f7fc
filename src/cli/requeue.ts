/**
 * `sextant requeue STUDY NUMBER...`: queues the parameters of finished trials again (a trial failed
 * by hand without --requeue, one whose retries ran out, a flaky failure, a trial to run again).
 * The study does the bookkeeping ({@link Study.requeueTrial}); this prints it.
 */
import type { FrozenTrial } from "../space/index.js";
import { type Study, TrialNotFinishedError, TrialNumberNotFoundError, startingCheckpointGone } from "../study/index.js";
import { formatParams, shellWord } from "./format.js";
import { storageUrl } from "./inspect.js";
import type { Io } from "./io.js";
import { forEachNamedTrial } from "./named-trials.js";
import { populationCheckpointStore } from "./study-config.js";

export interface RequeueFlags {
  storage?: string;
  json?: boolean;
}

/** What happened to one trial named on the command line, as `--json` prints it. */
type RequeueOutcome =
  | { number: number; outcome: "queued"; retry: number }
  | { number: number; outcome: "already queued"; queued: number }
  | { number: number; outcome: "not finished"; state: FrozenTrial["state"] }
  | { number: number; outcome: "checkpoint gone"; checkpoint: string }
  | { number: number; outcome: "not found" };

/**
 * `sextant requeue STUDY NUMBER...`. Every named trial is tried, in the order given; the exit code
 * is 0 when each was queued again or already was, 1 when any was not (running, waiting, no such
 * trial, a population's segment whose starting checkpoint is gone), which stderr says trial by trial.
 *
 * @example
 * await requeueCommand("fleet", [7, 9], {}, processIo());
 */
export async function requeueCommand(name: string, numbers: readonly number[], flags: RequeueFlags, io: Io): Promise<number> {
  return forEachNamedTrial(name, numbers, flags, io, requeueOne, (o) => o.outcome === "queued" || o.outcome === "already queued");

  async function requeueOne(study: Study, number: number): Promise<RequeueOutcome> {
    // Loaded without its scheduler, the study cannot tell: its folder is what the CLI stored.
    const trial = study.trials[number];
    const store = trial ? populationCheckpointStore(study, storageUrl(flags.storage)) : null;
    const gone = store && trial ? startingCheckpointGone(store, trial) : null;
    if (gone !== null) {
      io.err(
        `sextant: trial ${number} is a segment that started from checkpoint ${gone}, which ${store!.root} no longer holds ` +
          "(keep_checkpoints=latest deletes one once no segment can start from it): not queued again",
      );
      return { number, outcome: "checkpoint gone", checkpoint: gone };
    }
    try {
      const result = await study.requeueTrial(number);
      if (result.outcome === "already queued") {
        if (!flags.json) io.out(`trial ${number} (${result.trial.state}) is queued already, as trial ${result.queued.number}, not yet run: not queued twice`);
        return { number, outcome: "already queued", queued: result.queued.number };
      }
      const params = Object.keys(result.trial.params).length > 0 ? ` (${formatParams(result.trial.params)})` : "";
      if (!flags.json) io.out(`trial ${number} (${result.trial.state}) queued again as trial ${result.retry.number}${params}`);
      return { number, outcome: "queued", retry: result.retry.number };
    } catch (error) {
      if (error instanceof TrialNumberNotFoundError) {
        io.err(`sextant: ${error.message}; sextant trials ${shellWord(name)} lists its trials`);
        return { number, outcome: "not found" };
      }
      if (!(error instanceof TrialNotFinishedError)) throw error;
      io.err(
        error.state === "running"
          ? `sextant: trial ${number} is running, not finished: left as it is; if its process is gone, sextant fail-trial ${shellWord(name)} ${number} --requeue fails it and queues it again`
          : `sextant: trial ${number} is waiting in the queue, not finished: left as it is (the next worker runs it)`,
      );
      return { number, outcome: "not finished", state: error.state };
    }
  }
}
