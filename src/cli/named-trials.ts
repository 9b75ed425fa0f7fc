/**
 * What `sextant fail-trial` and `sextant requeue` share: open a study for writing, act on each
 * trial named on the command line in the order given (each once), print `--json`, exit 0 or 1.
 */
import { RandomSampler } from "../samplers/index.js";
import { type Study, loadStudy } from "../study/index.js";
import { storageUrl, withStudy } from "./inspect.js";
import type { Io } from "./io.js";

/** What happened to one named trial, as `--json` prints it. */
export interface NamedTrialOutcome {
  number: number;
  outcome: string;
}

/**
 * Runs `act` on each trial number (duplicates once), then prints `{ study, trials }` with `--json`.
 * The exit code is 0 when `succeeded` holds for every outcome, 1 otherwise; `act` says on stderr why not.
 *
 * @example
 * return forEachNamedTrial("fleet", [7, 9], flags, io, (study, n) => study.requeueTrial(n).then(...), (o) => o.outcome === "queued");
 */
export async function forEachNamedTrial<O extends NamedTrialOutcome>(
  name: string,
  numbers: readonly number[],
  flags: { storage?: string; json?: boolean },
  io: Io,
  act: (study: Study, number: number) => Promise<O>,
  succeeded: (outcome: O) => boolean,
): Promise<number> {
  return withStudy(
    storageUrl(flags.storage),
    name,
    async (storage) => {
      // Nothing is sampled: any sampler does, and what loading says about the sampler's fit to
      // the study (constraints, warm starts) is beside the point here.
      const study = await loadStudy({ name, storage, sampler: new RandomSampler(), onWarning: () => undefined });
      const outcomes: O[] = [];
      try {
        for (const number of new Set(numbers)) outcomes.push(await act(study, number));
      } finally {
        await study.close();
      }
      if (flags.json) io.out(JSON.stringify({ study: name, trials: outcomes }, null, 2));
      return outcomes.every(succeeded) ? 0 : 1;
    },
    "writable",
  );
}
