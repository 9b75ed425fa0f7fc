/**
 * `sextant importance STUDY`: which parameters matter, how much, and in which direction.
 */
import { IMPORTANCE_METHODS, type ImportanceMethod, importance } from "../analysis/index.js";
import { didYouMean } from "../space/options.js";
import { UsageError } from "./errors.js";
import { bar, formatNumber, renderTable } from "./format.js";
import { allTrials, storageUrl, withStudy } from "./inspect.js";
import type { Io } from "./io.js";

export interface ImportanceFlags {
  storage?: string;
  method?: string;
  objective?: number;
  params?: string;
  seed?: number;
  json?: boolean;
}

/**
 * Prints the importance table (name, share, bar, sign of the effect), or the same as JSON.
 *
 * @example
 * await importanceCommand("quickstart", { method: "ped-anova", json: true }, processIo());
 */
export async function importanceCommand(name: string, flags: ImportanceFlags, io: Io): Promise<number> {
  const method = (flags.method ?? "fanova") as ImportanceMethod;
  if (!IMPORTANCE_METHODS.includes(method)) throw new UsageError(`--method must be one of ${IMPORTANCE_METHODS.join(", ")}, got "${flags.method}"`);
  const params = flags.params === undefined ? undefined : flags.params.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (params !== undefined && params.length === 0) throw new UsageError("--params: give at least one parameter name");
  return withStudy(storageUrl(flags.storage), name, async (storage, record) => {
    const objectiveIndex = flags.objective ?? 0;
    if (objectiveIndex >= record.directions.length) {
      throw new UsageError(`--objective ${objectiveIndex} is out of range: study "${name}" has ${record.directions.length} objective(s), numbered from 0`);
    }
    const trials = await allTrials(storage, record);
    // A name the study has no parameter for is a slip on the command line, like a bad --objective.
    const known = [...new Set(trials.flatMap((t) => Object.keys(t.distributions)))];
    const unknown = (params ?? []).find((p) => !known.includes(p));
    if (unknown !== undefined) {
      throw new UsageError(`--params: study "${name}" has no parameter named "${unknown}"${didYouMean(unknown, known)}${known.length > 0 ? ` (parameters: ${known.join(", ")})` : ""}`);
    }
    const result = importance(trials, { method, objectiveIndex, direction: record.directions[objectiveIndex], seed: flags.seed ?? 0, ...(params ? { params } : {}) });
    // A parameter that changed kind is analysed as the latest complete trial has it; the first
    // trial's kind labelled an int turned categorical with a correlation of 0, and the reverse as "(categorical)".
    const categorical = (param: string) => {
      for (let i = trials.length - 1; i >= 0; i--) {
        const distribution = trials[i]!.state === "complete" ? trials[i]!.distributions[param] : undefined;
        if (distribution !== undefined) return distribution.type === "categorical";
      }
      return false;
    };
    if (flags.json) {
      // A categorical parameter has no order, so no rank correlation: null, not a measured 0.
      const params = result.params.map((p) => (categorical(p.name) ? { ...p, correlation: null } : p));
      io.out(JSON.stringify({ study: name, objective: objectiveIndex, direction: record.directions[objectiveIndex], ...result, params }, null, 2));
      return 0;
    }
    // With several objectives, say which one was ranked (all three spellings printed one header).
    const objective = record.directions.length > 1 ? ` for objective ${objectiveIndex} (${record.directions[objectiveIndex]})` : "";
    io.out(`parameter importance of "${name}"${objective} by ${method === "fanova" ? "fANOVA" : "PED-ANOVA"}, from ${result.nTrials} complete trial(s)`);
    io.out(
      renderTable(
        ["param", "importance", "", "effect"],
        result.params.map((p) => [p.name, p.importance.toFixed(3), bar(p.importance, 30), effect(p.correlation, categorical(p.name))]),
      ),
    );
    io.out(`effect: Spearman correlation of the parameter with the objective (positive: larger values give larger objective values; "weak": |correlation| <= 0.05)`);
    return 0;
  });
}

/** One signed number ("+0.87", "-0.41"); a correlation too small to give a direction says so. */
function effect(correlation: number, categorical: boolean): string {
  if (categorical) return "(categorical)";
  const text = formatNumber(correlation, 2);
  if (Math.abs(correlation) <= 0.05) return `${text} (weak)`;
  return correlation > 0 ? `+${text}` : text;
}
