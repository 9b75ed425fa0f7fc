/**
 * `sextant priors` (scaling-law starting points) and `sextant online` (online tuners kept in
 * storage, usable from any language: one process per choose/observe, or through `sextant serve`).
 */
import { MINUS_INFINITE_COST } from "../online/tuner.js";
import { BANDIT_ALGORITHMS, type BanditAlgorithm, MAX_ONLINE_ARMS, type OnlineTuner, OnlineTunerError, OnlineTunerNameTakenError, OnlineTunerSettingsError, createOnlineTuner, describeSettingsConflict, loadOnlineTuner } from "../online/index.js";
import { PriorInputError, llmPrior, llmPriorSpace } from "../priors/index.js";
import { type Storage, StorageEmptyError, openStorage, redactPassword } from "../storage/index.js";
import { didYouMean } from "../space/index.js";
import { UsageError, UserError } from "./errors.js";
import { renderTable } from "./format.js";
import { missingSqliteStorage, missingStorage, storageUrl } from "./inspect.js";
import { withCliStorage } from "./study-config.js";
import { type Io, warnSchemaUpgrade } from "./io.js";

export interface PriorsFlags {
  params?: string;
  tokens?: string;
  sequenceLength?: string;
  decades?: string;
  json?: boolean;
}

function positiveNumber(flag: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`${flag} is required`);
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number (e.g. 1e9), got "${text}"`);
  return n;
}

function numberList(flag: string, text: string): number[] {
  const parts = text.split(",");
  // Number("") is 0: "--context 0.5," (a feature left out) was taken as 0.5,0 and chose for it.
  if (parts.some((part) => part.trim() === "" || !Number.isFinite(Number(part)))) throw new UsageError(`${flag} must be comma-separated numbers, got "${text}"`);
  return parts.map(Number);
}

/**
 * COST of `online observe`: a number, or Infinity as a solver that diverged prints it (`inf` from
 * Python and C, `Infinity` from JavaScript), which the library counts as the worst cost. Refused,
 * the diverged choice's cost was lost: its value stayed waiting and was used again. Minus infinity
 * is refused, as the library refuses it, named as the user wrote it.
 */
function observedCost(text: string): number {
  const trimmed = text.trim();
  const cost = /^[-+]?inf(inity)?$/i.test(trimmed) ? (trimmed.startsWith("-") ? -Infinity : Infinity) : Number(trimmed);
  if (trimmed === "" || Number.isNaN(cost)) throw new UsageError(`COST must be a number (or inf, a diverged solve's), got "${text}"`);
  // Also -1e999, which Number reads as -Infinity.
  if (cost === -Infinity) throw new UsageError(`COST "${text}" is refused: ${MINUS_INFINITE_COST}`);
  return cost;
}

/** `sextant priors llm`: the Step Law's learning rate and batch size, with the formula, its source and a centred space. */
export async function priorsCommand(kind: string, flags: PriorsFlags, io: Io): Promise<number> {
  if (kind !== "llm") throw new UsageError(`unknown prior "${kind}"; available: llm`);
  const params = positiveNumber("--params", flags.params);
  const tokens = positiveNumber("--tokens", flags.tokens);
  const sequenceLength = flags.sequenceLength === undefined ? undefined : positiveNumber("--sequence-length", flags.sequenceLength);
  if (sequenceLength !== undefined && !Number.isInteger(sequenceLength)) throw new UsageError(`--sequence-length must be an integer, got "${flags.sequenceLength}"`);
  const decades = flags.decades === undefined ? 1 : positiveNumber("--decades", flags.decades);
  // The bounds are printed to 4 significant digits: --decades 1e-9 printed lr=float:0.001632:0.001632
  // and a first trial outside it. At 0.01 decades they stand about 2% apart. --json prints them
  // whole, so a narrower range stays as distinct there as llmPriorSpace makes it.
  if (decades < 0.01 && !flags.json) throw new UsageError(`--decades must be at least 0.01 (the range's bounds are printed to 4 digits, and a narrower one prints as a single value), got ${flags.decades}`);
  const prior = llmPrior({ params, tokens, ...(sequenceLength === undefined ? {} : { sequenceLength }) });
  let start: ReturnType<typeof llmPriorSpace>;
  try {
    start = llmPriorSpace(prior, { decades });
  } catch (error) {
    // The library names its options: "decades must be ... at most 12" of a flag spelt --decades,
    // "tokens (training tokens D) 1e+30 predict ..." of --tokens.
    if (error instanceof PriorInputError && /^(decades|tokens) /.test(error.message)) {
      throw new UsageError(error.message.replace(/^decades|give decades/g, (words) => words.replace("decades", "--decades")).replace(/^tokens \(training tokens D\)/, "--tokens"));
    }
    throw error;
  }
  if (flags.json) {
    io.out(JSON.stringify({ ...prior, space: start.space, first: start.first }, null, 2));
    return 0;
  }
  const lr = start.space.lr!;
  const batch = start.space.batch_size!;
  const unit = prior.batchSizeSequences === null ? "tokens" : `sequences of ${sequenceLength}`;
  io.out(
    renderTable(
      ["quantity", "prediction"],
      [
        ["learning rate", prior.learningRate.toPrecision(4)],
        ["batch size (tokens)", Math.round(prior.batchSizeTokens).toString()],
        ...(prior.batchSizeSequences === null ? [] : [["batch size (sequences)", String(prior.batchSizeSequences)]]),
      ],
      80,
    ),
  );
  io.out("");
  io.out(`formula: ${prior.formula}  (N = ${params} non-embedding parameters, D = ${tokens} tokens)`);
  io.out(`source:  ${prior.source}`);
  io.out("");
  io.out(`a search space ${decades} decade(s) wide centred on it (batch size in ${unit}), with the prediction as the first trial (sextant tune or create):`);
  io.out(`  --param lr=float:${lr.low.toPrecision(4)}:${lr.high.toPrecision(4)}:log --param batch_size=int:${batch.low}:${batch.high}:log`);
  io.out(`  --enqueue lr=${start.first.lr!.toPrecision(4)},batch_size=${start.first.batch_size}`);
  return 0;
}

export interface OnlineFlags {
  storage?: string;
  low?: number;
  high?: number;
  arms?: number;
  log?: boolean;
  algorithm?: string;
  seed?: number;
  costScale?: number;
  learningRate?: number;
  contextLow?: string;
  contextHigh?: string;
  degree?: number;
  context?: string;
  round?: number;
  json?: boolean;
}

async function withTuner<T>(name: string, flags: OnlineFlags, body: (tuner: OnlineTuner) => Promise<T>, access: "read-only" | "writable" = "writable"): Promise<T> {
  // The tuner must exist already: opening a missing file would only create an empty database, and
  // opening a PostgreSQL schema for writing gave a mistyped ?schema= Sextant's tables (looked at
  // read-only first, it gets none; show opens read-only anyway).
  const missing = access === "writable" ? await missingStorage(storageUrl(flags.storage)) : missingSqliteStorage(storageUrl(flags.storage));
  if (missing !== null) throw new UserError(`no online tuner named "${name}": ${missing}; or create it with "sextant online create ${name} --low L --high H"`);
  // show only looks: opened for writing, it upgraded an older Sextant's database (which that
  // Sextant then refused) and made Sextant's tables in an empty PostgreSQL schema.
  let storage: Storage;
  try {
    storage = await openStorage(storageUrl(flags.storage), { readOnly: access === "read-only", onSchemaUpgrade: warnSchemaUpgrade });
  } catch (error) {
    if (error instanceof StorageEmptyError) throw new UserError(`no online tuner named "${name}": ${redactPassword(storageUrl(flags.storage))} has no Sextant tables; create it with "sextant online create ${name} --low L --high H"`);
    throw error;
  }
  try {
    const tuner = await loadOnlineTuner({ name, storage });
    return await body(tuner);
  } catch (error) {
    // A study's name given for a tuner's exits 1, as a tuner's name given to sextant trials does.
    if (error instanceof OnlineTunerNameTakenError) throw new UserError(error.message);
    if (error instanceof Error && /^no online tuner named/.test(error.message)) throw new UserError(`${error.message}; create it with "sextant online create ${name} --low L --high H"`);
    if (error instanceof OnlineTunerError && /without a pending choice/.test(error.message)) {
      throw new UsageError(`online tuner "${name}" has no value waiting for its cost: run "sextant online choose ${name}" first`);
    }
    throw error;
  } finally {
    await storage.close();
  }
}

function printStats(tuner: OnlineTuner, io: Io, json: boolean | undefined): void {
  const stats = tuner.stats();
  if (json) {
    io.out(JSON.stringify(stats, null, 2));
    return;
  }
  io.out(`tuner ${stats.name}: ${stats.algorithm}, ${stats.rounds} cost(s) observed${stats.pending === null ? "" : `, waiting for the cost of ${stats.pending}`}`);
  // The settings by the library's (and the HTTP create body's) names: nothing showed them, and one
  // could not tell what the tuner was created with.
  const { parameter, context } = stats;
  io.out(`parameter: name ${parameter.name}, low ${parameter.low}, high ${parameter.high}, log ${parameter.log}, arms ${parameter.arms}`);
  if (context) io.out(`context: low ${context.low.join(",")}, high ${context.high.join(",")}, degree ${context.degree}`);
  const rate = stats.learningRate !== undefined ? `learningRate ${stats.learningRate}` : `exploration ${stats.exploration}`;
  io.out(`costScale ${stats.costScale}, ${rate}, seed ${stats.seed}`);
  io.out(renderTable(["value", "probability"], stats.values.map((v, i) => [String(v), stats.probabilities[i]!.toFixed(4)])));
}

/** The flags of `sextant online create` by the library option each sets (the parameter's name and ChebCB's exploration have none). */
const ONLINE_CREATE_FLAGS: Readonly<Record<string, string>> = {
  "parameter.low": "--low",
  "parameter.high": "--high",
  "parameter.log": "--log",
  "parameter.arms": "--arms",
  algorithm: "--algorithm",
  costScale: "--cost-scale",
  learningRate: "--learning-rate",
  seed: "--seed",
  context: "--context-low/--context-high",
  "context.low": "--context-low",
  "context.high": "--context-high",
  "context.degree": "--degree",
};

/**
 * A setting of a stored tuner as `online create`'s flags take it: `--context-low 0,1`, where the
 * conflict showed JSON's `[0,1]`; a whole context (one side has none) as both flags' values and
 * its degree; `--log` on or off, where it showed `false, not true` for a flag that takes no value.
 * Other settings as they are.
 */
function asTyped(field: string, value: unknown): unknown {
  if (field === "parameter.log" && typeof value === "boolean") return value ? "on" : "off";
  const list = (numbers: readonly number[]): string => numbers.join(",");
  if ((field === "context.low" || field === "context.high") && Array.isArray(value)) return list(value as number[]);
  if (field === "context" && value !== null && typeof value === "object") {
    const context = value as { low: number[]; high: number[]; degree: number };
    return `${list(context.low)}/${list(context.high)} (--degree ${context.degree})`;
  }
  return value;
}

/** `sextant online create|choose|observe|show NAME`. */
const ONLINE_ACTIONS = ["create", "choose", "observe", "show"];

/** The flags each action reads, besides --storage and --json. */
const ONLINE_ACTION_FLAGS: Readonly<Record<string, readonly string[]>> = {
  create: ["low", "high", "arms", "log", "algorithm", "seed", "costScale", "learningRate", "contextLow", "contextHigh", "degree"],
  choose: ["context"],
  observe: ["round"],
  show: [],
};

/**
 * Flags an action ignores with a warning rather than refuses: a loop that gives choose's --context
 * to observe as well lost every cost when observe refused it (the choice stayed pending).
 */
const ONLINE_IGNORED_FLAGS: Readonly<Record<string, readonly string[]>> = { observe: ["context"] };

/**
 * Refuses a flag of another action: all share one option list, and "online choose --low 5" or
 * "online create --context 1" ran as if the flag were not there.
 */
function refuseOtherActionsFlags(action: string, flags: OnlineFlags, io: Io): void {
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || key === "storage" || key === "json" || ONLINE_ACTION_FLAGS[action]!.includes(key)) continue;
    const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    const owner = ONLINE_ACTIONS.find((other) => ONLINE_ACTION_FLAGS[other]!.includes(key));
    if (ONLINE_IGNORED_FLAGS[action]?.includes(key)) {
      io.err(`sextant: warning: online ${action} ignores ${flag} (a flag of online ${owner}); the cost goes to the pending choice`);
      continue;
    }
    throw new UsageError(`online ${action} takes no ${flag}${owner === undefined ? "" : ` (a flag of online ${owner})`}`);
  }
}

export async function onlineCommand(action: string, name: string | undefined, rest: string[], flags: OnlineFlags, io: Io): Promise<number> {
  // The action is judged before the name: "online list" used to answer that a name was missing.
  if (!ONLINE_ACTIONS.includes(action)) {
    const listing = action === "list" || action === "ls" ? "; online tuners are listed by sextant studies" : didYouMean(action, ONLINE_ACTIONS);
    throw new UsageError(`unknown action "${action}"${listing}; use create, choose, observe or show`);
  }
  if (name === undefined) throw new UsageError(`online ${action} needs the tuner's name: sextant online ${action} NAME`);
  refuseOtherActionsFlags(action, flags, io);
  if (action === "create") {
    const contextGiven = flags.contextLow !== undefined || flags.contextHigh !== undefined;
    if (contextGiven && (flags.contextLow === undefined || flags.contextHigh === undefined)) throw new UsageError("give both --context-low and --context-high");
    // Both were dropped without a word: --degree without features to expand, and --learning-rate,
    // which only tsallis-inf and exp3 play with.
    if (flags.degree !== undefined && !contextGiven) throw new UsageError("--degree is the Chebyshev degree of a chebcb tuner's features: give it with --context-low and --context-high");
    if (flags.learningRate !== undefined && (flags.algorithm ?? (contextGiven ? "chebcb" : "tsallis-inf")) === "chebcb") {
      throw new UsageError("--learning-rate sets the learning rate of tsallis-inf and exp3; chebcb has none");
    }
    // Checked here to name the flags: the library's refusals named its options (algorithm, context.low).
    if (flags.algorithm !== undefined && !BANDIT_ALGORITHMS.includes(flags.algorithm as BanditAlgorithm)) {
      throw new UsageError(`--algorithm must be one of ${BANDIT_ALGORITHMS.join(", ")}, got "${flags.algorithm}"${didYouMean(flags.algorithm, BANDIT_ALGORITHMS)}`);
    }
    if (contextGiven && flags.algorithm !== undefined && flags.algorithm !== "chebcb") {
      throw new UsageError(`--context-low and --context-high are the features of a chebcb tuner; --algorithm ${flags.algorithm} takes none`);
    }
    const context = contextGiven ? { low: numberList("--context-low", flags.contextLow!), high: numberList("--context-high", flags.contextHigh!) } : null;
    if (context && context.low.length !== context.high.length) {
      throw new UsageError(`--context-low and --context-high must give one number per feature each, got ${context.low.length} and ${context.high.length}`);
    }
    const reversed = context ? context.low.findIndex((low, i) => !(low < context.high[i]!)) : -1;
    if (reversed >= 0) throw new UsageError(`feature ${reversed}: --context-low (${context!.low[reversed]}) must be below --context-high (${context!.high[reversed]})`);
    if (flags.low === undefined || flags.high === undefined) throw new UsageError(`online create needs --low and --high (the parameter's range)`);
    if (!(flags.low < flags.high)) throw new UsageError(`--low (${flags.low}) must be below --high (${flags.high})`);
    if (flags.log && !(flags.low > 0)) throw new UsageError(`--low must be positive with --log, got ${flags.low}`);
    if (flags.arms !== undefined && flags.arms < 2) throw new UsageError(`--arms must be at least 2, got ${flags.arms}`);
    // The tuner keeps a number per arm and writes them all on every call: --arms 1000000000 ran
    // out of memory and aborted. The HTTP API's limit (CreateTunerBody).
    if (flags.arms !== undefined && flags.arms > MAX_ONLINE_ARMS) throw new UsageError(`--arms must be at most ${MAX_ONLINE_ARMS}, got ${flags.arms}`);
    // As tune and create open theirs: a create the library refuses (a range whose width
    // overflows, a learning rate past its limit) left an empty SQLite file, which later commands
    // took for a storage.
    const parameter = { low: flags.low, high: flags.high, log: flags.log === true, ...(flags.arms === undefined ? {} : { arms: flags.arms }) };
    await withCliStorage(storageUrl(flags.storage), async (storage) => {
      try {
        const tuner = await createOnlineTuner({
          name,
          storage,
          parameter,
          ...(flags.algorithm === undefined ? {} : { algorithm: flags.algorithm as BanditAlgorithm }),
          ...(flags.seed === undefined ? {} : { seed: flags.seed }),
          ...(flags.costScale === undefined ? {} : { costScale: flags.costScale }),
          ...(flags.learningRate === undefined ? {} : { learningRate: flags.learningRate }),
          ...(context ? { context: { ...context, ...(flags.degree === undefined ? {} : { degree: flags.degree }) } } : {}),
        });
        // As `sextant tune` says whether its study was created or resumed: a second create with the
        // same settings is not an error, but the user should know nothing new was made.
        io.err(`online tuner "${name}" ${tuner.created ? "created" : "already existed with these settings: resumed"} in ${storageUrl(flags.storage)}`);
        printStats(tuner, io, flags.json);
      } catch (error) {
        // The library's remedy (loadOnlineTuner) means nothing on the command line.
        if (error instanceof OnlineTunerError && /^the chebcb algorithm needs context/.test(error.message)) {
          throw new UsageError("--algorithm chebcb needs the features' ranges: --context-low and --context-high, one comma-separated number per feature");
        }
        if (error instanceof OnlineTunerError && /^learningRate must be/.test(error.message)) {
          throw new UsageError(error.message.replace(/^learningRate/, "--learning-rate"));
        }
        if (error instanceof OnlineTunerSettingsError) {
          const unflagged = error.differences.map((d) => d.field).filter((field) => ONLINE_CREATE_FLAGS[field] === undefined);
          const why = unflagged.length === 0 ? "" : ` (no flag sets ${unflagged.join(" or ")}: the tuner was made through the library or the HTTP API)`;
          const remedy = `run "sextant online choose ${name}" to use it as it is, or create one under another name${why}`;
          const typed = error.differences.map((d) => ({ ...d, stored: asTyped(d.field, d.stored), wanted: asTyped(d.field, d.wanted) }));
          throw new UsageError(describeSettingsConflict(name, typed, (field) => ONLINE_CREATE_FLAGS[field] ?? field, remedy));
        }
        throw error;
      }
    });
    return 0;
  }
  if (action === "choose") {
    const context = flags.context === undefined ? undefined : numberList("--context", flags.context);
    const choice = await withTuner(name, flags, async (tuner) => {
      const spec = tuner.toJSON().context;
      // Said here to name the flag: the library's refusals spoke of its context argument.
      if (spec && context === undefined) throw new UsageError(`online choose ${name} needs --context: the instance's ${spec.low.length} feature(s), comma-separated`);
      if (spec && context!.length !== spec.low.length) {
        throw new UsageError(`--context must give the tuner's ${spec.low.length} feature(s), comma-separated, got ${context!.length} number(s): "${flags.context}"`);
      }
      if (!spec && context !== undefined) throw new UsageError(`--context gives the features of a chebcb tuner; "${name}" is a ${tuner.algorithm} tuner and takes none`);
      const chosen = await tuner.choose(context);
      // The tuner clamps each feature into its declared range without a word: instances beyond it
      // all look like the one at its end.
      context?.forEach((feature, i) => {
        const [low, high] = [spec!.low[i]!, spec!.high[i]!];
        if (feature < low || feature > high) {
          io.err(
            `sextant: warning: --context feature ${i} is ${feature}, outside the tuner's range [${low}, ${high}]: it counts as ${feature < low ? low : high}, ` +
              `so every instance beyond that end looks alike to the tuner; create one with a wider --context-low/--context-high if such instances are common`,
          );
        }
      });
      // The choice's round, for observe --round: a process sharing the tuner may observe it first.
      return { value: chosen, round: tuner.rounds };
    });
    io.out(flags.json ? JSON.stringify(choice) : String(choice.value));
    return 0;
  }
  if (action === "observe") {
    if (rest.length !== 1) throw new UsageError("usage: sextant online observe NAME COST");
    const cost = observedCost(rest[0]!);
    await withTuner(name, flags, async (tuner) => {
      const { clipped } = await tuner.observe(cost, flags.round === undefined ? {} : { round: flags.round });
      if (clipped && cost < 0) {
        io.err(
          `sextant: warning: cost ${cost} is below 0 and counts as the best, as every negative cost does, so they all look alike to the tuner; ` +
            `report costs of 0 or more (lower is better), e.g. shifted by the lowest you expect`,
        );
      } else if (clipped && cost !== Infinity) {
        // Not said of an infinite cost: the worst on purpose (a diverged solve), which no --cost-scale would change.
        const scale = tuner.toJSON().costScale;
        io.err(
          `sextant: warning: cost ${cost} is above the tuner's cost scale ${scale} and counts as the worst; costs above it all look alike to the tuner, ` +
            `so create it with --cost-scale about the largest cost you expect`,
        );
      }
      if (flags.json) io.out(JSON.stringify({ rounds: tuner.rounds, clipped }));
    });
    return 0;
  }
  // show
  await withTuner(name, flags, async (tuner) => printStats(tuner, io, flags.json), "read-only");
  return 0;
}
