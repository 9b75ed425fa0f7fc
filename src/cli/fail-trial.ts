/**
 * `sextant fail-trial STUDY NUMBER...`: fails running trials by hand, for a trial whose process is
 * gone but that no reaper will fail (run with `heartbeat: false`), and with `--requeue` queues its
 * parameters again. The study does the bookkeeping ({@link Study.failRunningTrial}); this prints it.
 */
import type { FrozenTrial } from "../space/index.js";
import { TrialNotRunningError } from "../storage/index.js";
import { FAILED_BY_HAND_REASON, type Study, TrialLooksAliveError, TrialNumberNotFoundError } from "../study/index.js";
import { formatParams, formatTime, shellWord } from "./format.js";
import type { Io } from "./io.js";
import { forEachNamedTrial } from "./named-trials.js";

export interface FailTrialFlags {
  storage?: string;
  requeue?: boolean;
  reason?: string;
  force?: boolean;
  json?: boolean;
}

/** What happened to one trial named on the command line, as `--json` prints it. */
type TrialOutcome =
  | { number: number; outcome: "failed"; retry: number | null }
  | { number: number; outcome: "not running" | "finished meanwhile"; state: FrozenTrial["state"] }
  | { number: number; outcome: "alive"; lastBeatSecondsAgo: number; graceSeconds: number }
  | { number: number; outcome: "not found" };

/**
 * `sextant fail-trial STUDY NUMBER... [--requeue]`. Every named trial is tried, in the order given;
 * the exit code is 0 when each was failed, 1 when any was not (not running, finished meanwhile, its
 * process visibly alive without `--force`, no such trial), which stderr says trial by trial.
 *
 * @example
 * await failTrialCommand("fleet", [7, 9], { requeue: true }, processIo());
 */
export async function failTrialCommand(name: string, numbers: readonly number[], flags: FailTrialFlags, io: Io): Promise<number> {
  return forEachNamedTrial(name, numbers, flags, io, failOne, (o) => o.outcome === "failed");

  async function failOne(study: Study, number: number): Promise<TrialOutcome> {
    try {
      const result = await study.failRunningTrial(number, { reason: flags.reason ?? FAILED_BY_HAND_REASON, requeue: flags.requeue === true, force: flags.force === true });
      if (result.outcome === "finished meanwhile") {
        io.err(`sextant: trial ${number} finished (${result.trial.state}) while this command ran, so its process was alive: left as it is`);
        return { number, outcome: "finished meanwhile", state: result.trial.state };
      }
      const params = Object.keys(result.trial.params).length > 0 ? ` (${formatParams(result.trial.params)})` : "";
      if (!flags.json) io.out(`trial ${number} failed${result.retry ? `; queued again as trial ${result.retry.number}` : ""}${params}`);
      return { number, outcome: "failed", retry: result.retry?.number ?? null };
    } catch (error) {
      if (error instanceof TrialNumberNotFoundError) {
        io.err(`sextant: ${error.message}; sextant trials ${shellWord(name)} --state running lists its running trials`);
        return { number, outcome: "not found" };
      }
      if (error instanceof TrialLooksAliveError) {
        const ago = Math.round(error.silenceMs / 1000);
        const grace = error.graceMs / 1000;
        io.err(
          `sextant: trial ${number} last beat ${ago} s ago (at ${formatTime(Date.now() - error.silenceMs)}), within its heartbeat grace of ${grace} s: its process looks alive, so it is left as it is; ` +
            `stop that process (the reapers then fail it, and queue it again, once it has been silent for ${grace} s), or pass --force to fail it now`,
        );
        return { number, outcome: "alive", lastBeatSecondsAgo: ago, graceSeconds: grace };
      }
      if (!(error instanceof TrialNotRunningError)) throw error;
      io.err(`sextant: trial ${number} is ${error.state}, not running: left as it is (only a running trial can be failed)`);
      return { number, outcome: "not running", state: error.state };
    }
  }
}
