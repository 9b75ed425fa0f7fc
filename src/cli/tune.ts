/**
 * `sextant tune`: tunes a command. Settings come from a config file and/or flags (flags win); each
 * trial runs the command through the shared command runner; the study lives in storage so that
 * running the same `tune` again resumes it.
 */
import { createHash } from "node:crypto";
import { constants as osConstants } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { totalViolation, trialConstraints } from "../analysis/index.js";
import { randomSeed } from "../math/rng.js";
import { type Pruner, prunerEntries } from "../pruners/index.js";
import type { Sampler } from "../samplers/index.js";
import { SCHEDULER_ATTR, type Scheduler, describeSchedule } from "../schedulers/index.js";
import { type Direction, type Distribution, type FrozenTrial, type JsonValue, MAX_OBJECTIVES, type OptionSchema, type ParamValue, lastIntermediate, normalizeOptionKey, studyNameProblem } from "../space/index.js";
import { canonicalJson, sameComponentSettings } from "../space/options-in-effect.js";
import { zeroTrialCounts } from "../space/trial-counts.js";
import { type Storage, isMemoryUrl, onlineTunerRefusal, redactPassword, sqlitePath } from "../storage/index.js";
import { CommandTemplateError, checkCommandSpec, commandObjective } from "../study/command-runner.js";
import { INTERRUPTED_REASON } from "../study/trial.js";
import { warmStartKeptNote } from "../study/study.js";
import { LIBRARY_PRUNER_ATTR, LIBRARY_SAMPLER_ATTR, type Study, createStudy, defaultCheckpointRoot, prunerSchedulerProblem, singleObjectiveProblem } from "../study/index.js";
import type { ConfigSource, NamedComponent, TuneConfig } from "./config.js";
import { parseEnqueueFlag, parseOptionFlag, parseParamFlag } from "./params.js";
import { UsageError, UserError } from "./errors.js";
import { ProgressLine, bar, commandLine, formatDuration, formatNumber, formatParam, formatParams, formatValues, renderTable, shellWord } from "./format.js";
import { type Io, initProcessWarning, pauseCommandsWithRun, releaseTerminalAtExit, runningClock, signalCommandGroups } from "./io.js";
import { DEFAULT_MAX_INITIAL_FAILURES, InitialFailureWatch } from "./initial-failures.js";
import { storageUrl } from "./inspect.js";
import {
  CLI_CONFIG_KEY,
  type CliStudyConfig,
  type StudyBudget,
  buildPruner,
  buildSampler,
  buildScheduler,
  checkCheckpointFolder,
  checkProgram,
  cliConfigRecord,
  halfMadeStudyRefusal,
  passwordNote,
  refuseMissingCheckpoints,
  refuseNewerCliConfig,
  segmentCheckpoint,
  storedSchedulerOption,
  withCliStorage,
  workingDirectoryProblem,
} from "./study-config.js";

/**
 * The flags of `sextant tune`, as commander parses them.
 *
 * @example
 * const flags: TuneFlags = { param: ["x=float:0:1"], trials: 10 };
 */
export interface TuneFlags {
  config?: string;
  param?: string[];
  direction?: string[];
  trials?: number;
  jobs?: number;
  timeout?: number;
  trialTimeout?: number;
  killGrace?: number;
  maxInitialFailures?: number;
  storage?: string;
  study?: string;
  sampler?: string;
  samplerOpt?: string[];
  pruner?: string;
  prunerOpt?: string[];
  scheduler?: string;
  schedulerOpt?: string[];
  seed?: number;
  cwd?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** Earlier studies (in the same storage) whose trials inform the sampler. */
  warmStart?: string[];
  /** Trials to run first, `NAME=VALUE,…` each (see {@link parseEnqueueFlag}). */
  enqueue?: string[];
}

/** Everything a tune run needs, after config and flags are merged and checked. */
export interface TuneSettings {
  studyName: string;
  storage: string;
  directions: Direction[];
  trials: number | undefined;
  jobs: number;
  timeout: number | undefined;
  trialTimeout: number | undefined;
  killGrace: number;
  /** Start no new trial once this many of the run's first trials have all failed the same way (0: never). */
  maxInitialFailures: number;
  sampler: NamedComponent;
  pruner: NamedComponent;
  /** The population-based scheduler (pbt, pb2), or null. */
  scheduler: NamedComponent | null;
  /** The scheduler's seed was drawn here (none was given): a resumed study keeps its stored one instead. */
  schedulerSeedDrawn?: boolean;
  /** The pruner's seed is --seed's (or the config's `seed:`), not one of its own options: a resume leaves it out of the comparison, as it does the sampler's. */
  prunerSeedFromSeed?: boolean;
  /** The scheduler's checkpoint folder was set here from the working directory: a resumed study keeps its stored one instead. */
  checkpointDirDefaulted?: boolean;
  /** Where in the config file the sampler/pruner/scheduler came from, when the config alone chose it and its options. */
  samplerSource: ConfigSource | null;
  prunerSource: ConfigSource | null;
  schedulerSource: ConfigSource | null;
  /** The config file the directions came from (its `directions:`), or null when --direction or the default gave them. */
  directionsSource: ConfigSource | null;
  command: string[];
  space: Record<string, Distribution>;
  env: Record<string, string>;
  cwd: string;
  /** Trials to run first at these values (`--enqueue`), each skipped if the study already has one there. */
  enqueue: Record<string, ParamValue>[];
}

const DEFAULT_TRIALS = 100;
/** Signals that end a run in order (no new trials, commands stopped, trials marked interrupted). */
export const HANDLED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/**
 * Those and SIGQUIT (Ctrl-\), which asks to end now, for every command that handles the others:
 * tune's and worker's commands are killed without their grace (SIGKILL to their groups), but their
 * trials are still failed "interrupted"; bench kills its worker processes; create, copy and import
 * still delete the study they were making; serve cuts off the requests under way but still closes
 * its storage. Node's default killed the process at once, leaving all of that undone.
 */
export const RUN_SIGNALS = [...HANDLED_SIGNALS, "SIGQUIT"] as const;

/** Whether `trial` is one this run's signal stopped (failed "interrupted" once `interrupted` was set), not one that failed on its own. */
export function stoppedBySignal(trial: FrozenTrial, interrupted: NodeJS.Signals | null): boolean {
  return interrupted !== null && trial.state === "failed" && trial.systemAttrs.failReason === INTERRUPTED_REASON;
}

/**
 * Hands a trial of a study's budget back when this process's run was stopped from outside (SIGINT,
 * SIGTERM, SIGHUP: preemption, scale-down, Ctrl-C) and failed it "interrupted": the budget is the
 * study's, so it is queued again (a retry, within `maxRetries`) for another worker or the next run,
 * and says so through `log` (null: quietly). Returns the retry, or null for any other trial.
 *
 * @example
 * callbacks: [async (_study, trial) => void (await handBackInterruptedTrial(study, trial, interrupted, undefined, io.err))]
 */
export async function handBackInterruptedTrial(
  study: Study,
  trial: FrozenTrial,
  interrupted: NodeJS.Signals | null,
  maxRetries: number | undefined,
  log: ((line: string) => void) | null,
): Promise<FrozenTrial | null> {
  if (!stoppedBySignal(trial, interrupted)) return null;
  const retry = await study.queueRetry(trial, maxRetries);
  if (retry) log?.(`trial ${trial.number} was interrupted; queued again as trial ${retry.number}`);
  return retry;
}

/** The shell's convention for a run ended by a signal: 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}
const INTERPRETERS = new Set(["node", "python", "python3", "bash", "sh", "zsh", "ruby", "perl", "Rscript", "deno", "bun", "julia", "uv", "npx", "java"]);

/**
 * The study name used when none is given: stable for the same config file or command template.
 *
 * @example
 * defaultStudyName(["python", "train.py", "--lr", "{lr}"]) // "train-" + 8 hex digits
 */
export function defaultStudyName(command: readonly string[], configFile?: string): string {
  const hash = createHash("sha256").update(JSON.stringify(command)).digest("hex").slice(0, 8);
  let base: string;
  if (configFile) {
    base = basename(configFile).replace(/\.(ya?ml|json)$/i, "");
  } else {
    base = basename(command[0]!);
    if (INTERPRETERS.has(base.replace(/[\d.]+$/, "")) && command[1] !== undefined && !command[1].startsWith("-")) base = basename(command[1]);
    base = base.replace(/\.[A-Za-z0-9]+$/, "");
  }
  base = base.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "study";
  return `${base}-${hash}`;
}

function parseDirections(values: string[]): Direction[] {
  const out: Direction[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      const d = part.trim();
      if (d === "") continue;
      if (d !== "minimize" && d !== "maximize") throw new UsageError(`--direction must be minimize or maximize, got "${d}"`);
      out.push(d);
    }
  }
  if (out.length === 0) throw new UsageError("--direction needs minimize or maximize");
  return out;
}

/**
 * Refuses more objectives than a new study may have, naming --direction or the config's line. Checked
 * only for a study about to be made, as the library does: one an older Sextant made with more is
 * resumed with the directions it has (they were refused here before its stored study was read).
 *
 * @example
 * if (existing === null) checkNewStudyObjectives(settings);
 */
export function checkNewStudyObjectives(settings: TuneSettings): void {
  const count = settings.directions.length;
  if (count <= MAX_OBJECTIVES) return;
  const message = `at most ${MAX_OBJECTIVES} objectives (the library and the HTTP service take no more), got ${count}`;
  throw settings.directionsSource ? settings.directionsSource.error(["directions"], message) : new UsageError(`--direction: ${message}`);
}

/** Where the directions were set, in the user's terms (a resumed study's must match them), for a command that prints another count of values. */
function objectivesSetBy(settings: TuneSettings): string {
  return settings.directionsSource ? `the config's directions (${settings.directionsSource.file})` : "--direction";
}

function pickComponent(
  kind: "sampler" | "pruner" | "scheduler",
  flagName: string | undefined,
  flagOptions: string[] | undefined,
  fromConfig: NamedComponent | undefined,
  fallback: string,
): NamedComponent {
  const name = flagName ?? fromConfig?.name ?? fallback;
  // Options in the config belong to the component the config names; a different --sampler drops them.
  const options: NamedComponent["options"] = fromConfig && fromConfig.name === name ? { ...fromConfig.options } : {};
  const flagOf = new Map<string, string>();
  for (const flag of flagOptions ?? []) {
    const [key, value] = parseOptionFlag(flag, `--${kind}-opt`);
    const earlier = flagOf.get(normalizeOptionKey(key));
    if (earlier !== undefined) throw new UsageError(`--${kind}-opt "${flag}": option "${key}" is already given by --${kind}-opt "${earlier}"`);
    flagOf.set(normalizeOptionKey(key), flag);
    // A flag overrides the config's option under any spelling (n_startup_trials vs nStartupTrials).
    for (const existing of Object.keys(options)) if (normalizeOptionKey(existing) === normalizeOptionKey(key)) delete options[existing];
    options[key] = value;
  }
  return { name, options };
}

/** The key a component's options give its seed under (any spelling of "seed"), or undefined. */
function seedOf(component: NamedComponent): string | undefined {
  return Object.keys(component.options).find((key) => normalizeOptionKey(key) === "seed");
}

/**
 * Merges a config file (if any) and flags into checked settings; `sextant create` uses it too.
 * `warnings` are what was taken with a change (a range narrowed to its step), for the caller to print.
 *
 * @example
 * const { settings } = await resolveSettings({ param: ["x=float:0:1"] }, ["node", "f.mjs", "{x}"]);
 */
export async function resolveSettings(
  flags: TuneFlags,
  commandArgs: string[],
  { commandOptional = false }: { commandOptional?: boolean } = {},
): Promise<{ settings: TuneSettings; source: ConfigSource | null; warnings: string[] }> {
  let config: TuneConfig = { params: {}, paramWarnings: {} };
  let source: ConfigSource | null = null;
  if (flags.config !== undefined) {
    const { loadConfigFile } = await import("./config.js");
    ({ config, source } = loadConfigFile(flags.config));
  }
  const configDir = flags.config !== undefined ? dirname(resolve(flags.config)) : process.cwd();

  const space: Record<string, Distribution> = { ...config.params };
  // A --param overrides the config's parameter of that name, but two flags for one name is a slip.
  const flagOf = new Map<string, string>();
  const flagWarnings: string[] = [];
  for (const flag of flags.param ?? []) {
    const [name, distribution] = parseParamFlag(flag, (message) => flagWarnings.push(message));
    const earlier = flagOf.get(name);
    if (earlier !== undefined) throw new UsageError(`--param "${flag}": parameter "${name}" is already given by --param "${earlier}"`);
    flagOf.set(name, flag);
    space[name] = distribution;
  }
  // `sextant create` makes a study without one for clients of the HTTP service, which run the trials themselves.
  const command = commandArgs.length > 0 ? commandArgs : (config.command ?? []);
  if (command.length === 0 && !commandOptional) {
    throw new UsageError("no command to tune: put it after --, e.g. sextant tune --param x=float:-5:5 -- node objective.mjs {x}, or set command in a config file");
  }
  if (Object.keys(space).length === 0) {
    throw new UsageError("no parameters to tune: give --param NAME=SPEC (e.g. --param lr=float:1e-5:1e-1:log) or params in a config file");
  }
  if (command.length > 0) {
    try {
      checkCommandSpec({ argv: command, space, env: config.env });
    } catch (error) {
      if (error instanceof CommandTemplateError) throw templateError(error, source, { argv: commandArgs.length > 0, space: (flags.param ?? []).length > 0 });
      throw error;
    }
  }

  if (flags.study !== undefined && flags.study.trim() === "") throw new UsageError(`--study must not be blank, got ${JSON.stringify(flags.study)}`);
  const directionsFromFlag = (flags.direction ?? []).length > 0;
  const directions = directionsFromFlag ? parseDirections(flags.direction ?? []) : (config.directions ?? ["minimize"]);
  const timeout = flags.timeout ?? config.timeout;
  const schedulerName = flags.scheduler ?? config.scheduler?.name;
  // "none" is the default the help names, as for --pruner: no population. It was refused as an unknown scheduler.
  if (schedulerName === "none" && flags.scheduler === undefined && Object.keys(config.scheduler?.options ?? {}).length > 0) {
    throw source!.error(["scheduler", "options"], "scheduler none (no population) takes no options");
  }
  const scheduler = schedulerName === undefined || schedulerName === "none" ? null : pickComponent("scheduler", flags.scheduler, flags.schedulerOpt, config.scheduler, schedulerName);
  if (scheduler !== null && command.length === 0) {
    throw new UsageError(`--scheduler ${scheduler.name} needs a command after --: a population's segments run under sextant worker, not through the HTTP service`);
  }
  if (scheduler === null && (flags.schedulerOpt ?? []).length > 0) throw new UsageError("--scheduler-opt needs --scheduler pbt or --scheduler pb2");
  // Its trials are its members' segments: an enqueued point ran as a trial of no member, without a step range or checkpoint.
  if (scheduler !== null && (flags.enqueue ?? []).length > 0) throw new UsageError(`--enqueue cannot be combined with --scheduler ${scheduler.name}: a population's trials are its members' segments, which the scheduler queues`);
  // A population ends when its members have trained every segment; no default cap on trials.
  const trials = flags.trials ?? config.trials ?? (timeout === undefined && scheduler === null ? DEFAULT_TRIALS : undefined);

  // A population's first segments are drawn at random, as in the PBT paper, unless a sampler is named.
  const samplerFallback = scheduler !== null ? "random" : "auto";
  const sampler = pickComponent("sampler", flags.sampler, flags.samplerOpt, config.sampler, samplerFallback);
  const seed = flags.seed ?? config.seed;
  for (const component of scheduler ? [sampler, scheduler] : [sampler]) {
    const own = seedOf(component);
    // A --seed flag overrides a seed in the config file's options, as flags override the file; a
    // --seed beside a --sampler-opt (or --scheduler-opt) seed of another value is a conflict. Both
    // used to keep the component's own seed and drop --seed without a word.
    const ownFromFlags = ((component === sampler ? flags.samplerOpt : flags.schedulerOpt) ?? []).some((o) => normalizeOptionKey(o.split("=")[0] ?? "") === "seed");
    if (flags.seed !== undefined && own !== undefined && !ownFromFlags) {
      delete component.options[own];
      component.options.seed = flags.seed;
      continue;
    }
    if (seed !== undefined && own !== undefined && Number(component.options[own]) !== seed) {
      const kind = component === sampler ? "sampler" : "scheduler";
      throw new UsageError(`--seed ${seed} and the ${kind}'s own seed ${String(component.options[own])} (--${kind}-opt seed=…) disagree; give one of them`);
    }
    if (seed !== undefined && own === undefined) component.options.seed = seed;
  }
  // The scheduler's seed is "the seed for every decision": it also seeds the random first
  // segments when no sampler is named, as createStudy({ scheduler }) does. It used not to.
  // Without one, a seed is drawn here rather than in the scheduler, so that the study stores it
  // (cli:config) and workers joining a population that sextant tune started decide as it does.
  const schedulerSeedDrawn = scheduler !== null && seedOf(scheduler) === undefined;
  if (schedulerSeedDrawn) scheduler.options.seed = randomSeed();
  const fromConfigOnly = (fromConfig: NamedComponent | undefined, flagName: string | undefined, flagOptions: string[] | undefined): ConfigSource | null =>
    fromConfig !== undefined && (flagName === undefined || flagName === fromConfig.name) && (flagOptions ?? []).length === 0 ? source : null;
  const schedulerSeed = scheduler ? seedOf(scheduler) : undefined;
  if (scheduler && schedulerSeed !== undefined && flags.sampler === undefined && config.sampler === undefined && seedOf(sampler) === undefined) {
    // Its options are checked first: a bad seed was refused by the sampler it is passed on to,
    // in a message naming the random sampler, which the user never gave.
    buildScheduler(scheduler, fromConfigOnly(config.scheduler, flags.scheduler, flags.schedulerOpt));
    sampler.options.seed = scheduler.options[schedulerSeed]!;
  }
  // --warm-start asks for the GP's warm start; set here so that the study stores it for its workers.
  if ((flags.warmStart?.length ?? 0) > 0) Object.assign(sampler, withWarmStart(sampler));
  const pruner = pickComponent("pruner", flags.pruner, flags.prunerOpt, config.pruner, "none");
  // Its options went to the default, no pruner, which refused them as "none pruner: unknown option".
  if (pruner.name === "none" && (flags.prunerOpt ?? []).length > 0) {
    throw new UsageError(`--pruner-opt "${flags.prunerOpt![0]}" needs a pruner: none is chosen (the default); give --pruner NAME ("sextant pruners" lists them)`);
  }
  // A pruner that draws (curve's training trials, past maxTrainingTrials) takes --seed as the
  // sampler does: it drew a seed of its own in each process, so a run was not repeatable under
  // --seed and the workers of one study drew apart. Its own seed option, where given, stands.
  const prunerSeedFromSeed = seed !== undefined && seedOf(pruner) === undefined && "seed" in (prunerSchema(pruner.name) ?? {});
  if (prunerSeedFromSeed) pruner.options.seed = seed;
  // Refused before a study exists, naming where each came from (create stored it, and every worker failed on it).
  const prunerProblem = scheduler === null ? null : prunerSchedulerProblem(pruner, scheduler);
  if (prunerProblem !== null) {
    // Named where the user wrote it: the config's line unless --pruner is given (--pruner-opt alone
    // named "--pruner", never given); a --pruner beside the config's own pruner needs --pruner none.
    const fromFlag = flags.pruner !== undefined;
    const configPruner = config.pruner !== undefined && config.pruner.name !== "none" ? config.pruner.name : undefined;
    const named = `${fromFlag ? "--pruner" : "the config's pruner"} ${pruner.name} cannot be combined with ${flags.scheduler === undefined ? "the config's scheduler" : "--scheduler"} ${scheduler!.name}`;
    if (fromFlag || source === null) {
      const remedy = configPruner === undefined ? "leave out --pruner" : `give --pruner none (the config names the ${configPruner} pruner too)`;
      throw new UsageError(`${named}: ${prunerProblem}; ${remedy}`);
    }
    throw source.error(["pruner"], `${named}: ${prunerProblem}; remove the pruner or give --pruner none`);
  }

  // The config loader already made its relative paths absolute from the config file's folder.
  const cwd = flags.cwd !== undefined ? resolve(flags.cwd) : (config.cwd ?? configDir);
  if (flags.study === undefined && config.study === undefined && flags.config === undefined && command.length === 0) {
    throw new UsageError("--study is required for a study without a command (the default name is made from the command)");
  }
  const studyName = flags.study ?? config.study ?? defaultStudyName(command, flags.config);
  const nameProblem = studyNameProblem(studyName);
  const storage = flags.storage ?? config.storage ?? storageUrl(undefined);
  // A population on a server database keeps its checkpoints under one absolute folder, fixed here
  // and stored with the study: the default resolved in each worker's own working directory, and
  // workers started from two folders could not find each other's checkpoints (members were lost).
  const checkpointDirDefaulted =
    scheduler !== null && sqlitePath(storage) === null && !isMemoryUrl(storage) && !Object.keys(scheduler.options).some(isCheckpointDirKey);
  if (checkpointDirDefaulted) scheduler.options.checkpointDir = defaultCheckpointRoot(storage, studyName);
  // A relative folder is fixed here too, from where it was written (this folder for a flag, the
  // config file's for the config, as its storage is), before the study stores it: each worker
  // resolved it in its own folder, and members whose checkpoints another worker had saved failed.
  if (scheduler !== null && !checkpointDirDefaulted) {
    const key = Object.keys(scheduler.options).find(isCheckpointDirKey);
    const given = key === undefined ? undefined : scheduler.options[key];
    if (key !== undefined && typeof given === "string" && given.trim() !== "") {
      const fromFlag = (flags.schedulerOpt ?? []).some((flag) => isCheckpointDirKey(flag.split("=")[0] ?? ""));
      scheduler.options[key] = resolve(fromFlag ? process.cwd() : configDir, given);
    }
  }
  if (nameProblem !== null) {
    // createStudy refuses it too, but late: tune reported it as a failure and create as a bug.
    const message = nameProblem;
    throw flags.study === undefined && source !== null ? source.error(["study"], message) : new UsageError(`--study ${message}`);
  }
  return {
    source,
    // Said on stderr by the command, once: a range narrowed to its step, by the file (unless a flag replaced it) or a flag.
    warnings: [...Object.entries(config.paramWarnings).filter(([name]) => !flagOf.has(name)).map(([, message]) => message), ...flagWarnings],
    settings: {
      studyName,
      storage,
      directions,
      trials,
      jobs: flags.jobs ?? config.jobs ?? 1,
      timeout,
      trialTimeout: flags.trialTimeout ?? config.trialTimeout,
      killGrace: flags.killGrace ?? config.killGrace ?? 5,
      maxInitialFailures: flags.maxInitialFailures ?? config.maxInitialFailures ?? DEFAULT_MAX_INITIAL_FAILURES,
      sampler,
      pruner,
      scheduler,
      samplerSource: fromConfigOnly(config.sampler, flags.sampler, flags.samplerOpt),
      prunerSource: fromConfigOnly(config.pruner, flags.pruner, flags.prunerOpt),
      schedulerSource: fromConfigOnly(config.scheduler, flags.scheduler, flags.schedulerOpt),
      directionsSource: !directionsFromFlag && config.directions !== undefined ? source : null,
      command,
      space,
      env: config.env ?? {},
      cwd,
      enqueue: (flags.enqueue ?? []).map((flag) => parseEnqueueFlag(flag, space)),
      schedulerSeedDrawn,
      prunerSeedFromSeed,
      checkpointDirDefaulted,
    },
  };
}

/**
 * Refuses, before a study exists, a sampler, pruner or scheduler of one objective for settings with several.
 * createStudy refuses them too, but `tune` reported that as a failure, and `create`, which builds
 * its study without the pruner, made a study every worker then failed on.
 *
 * @example
 * checkObjectiveCount(settings, buildSampler(settings.sampler, settings.space), buildPruner(settings.pruner));
 */
export function checkObjectiveCount(settings: TuneSettings, sampler: Sampler, pruner: Pruner): void {
  const problem = singleObjectiveProblem(settings.directions.length, sampler, pruner, settings.scheduler);
  if (problem === null) return;
  const source = problem.component === "sampler" ? settings.samplerSource : problem.component === "pruner" ? settings.prunerSource : settings.schedulerSource;
  throw source ? source.error([problem.component], problem.message) : new UsageError(problem.message);
}

/**
 * The warning for tokens after the command's first word that are exactly one of `command`'s own
 * long options, alone or as `--name=value` (`sextant tune python train.py --trials 5`): without
 * `--`, everything from the command's first word on goes to the command, by design, which is rarely
 * what such a token meant. Tokens after a `--` of the command's own are the command's. Null when
 * none looks misplaced; the caller does not ask when `--` came before the command.
 *
 * @example
 * flagsAfterCommandWarning("tune", ["python", "train.py", "--trials", "5"], ["--trials", "--sampler"])
 * // 'sextant: warning: --trials comes after the command, so the command gets it, not sextant tune; …'
 */
export function flagsAfterCommandWarning(commandName: string, commandArgs: readonly string[], longOptions: readonly string[]): string | null {
  const own = new Set(longOptions);
  const rest = commandArgs.slice(1);
  const end = rest.indexOf("--");
  const misplaced = [...new Set((end < 0 ? rest : rest.slice(0, end)).map((arg) => arg.replace(/=.*$/s, "")).filter((arg) => own.has(arg)))];
  if (misplaced.length === 0) return null;
  const names = misplaced.length === 1 ? misplaced[0]! : `${misplaced.slice(0, -1).join(", ")} and ${misplaced.at(-1)!}`;
  const [verb, pronoun] = misplaced.length === 1 ? ["comes", "it"] : ["come", "them"];
  return (
    `sextant: warning: ${names} ${verb} after the command, so the command gets ${pronoun}, not sextant ${commandName}; ` +
    `put sextant's flags before the command, or use -- to mark where the command starts (sextant ${commandName} [flags] -- ${commandArgs[0]} …)`
  );
}

/**
 * Queues `--enqueue`'s trials, except those the study already has (a resumed run): `study`'s
 * first trials then run at them. Says so unless `quiet`. Resolves to how many it queued.
 */
export async function enqueueTrials(study: Study, settings: TuneSettings, say: ((line: string) => void) | null): Promise<number> {
  let count = 0;
  for (const params of settings.enqueue) {
    const queued = await study.enqueueTrial(params, { skipIfExists: true });
    if (queued) count++;
    say?.(queued ? `enqueued trial ${queued.number}: ${formatParams(params)}` : `not enqueued again (the study has a trial at ${formatParams(params)})`);
  }
  return count;
}

/** Where a command-template problem sits: in the config file when the config alone supplied that part. */
function templateError(error: CommandTemplateError, source: ConfigSource | null, fromFlags: { argv: boolean; space: boolean }): UsageError {
  if (source === null || (error.field === "argv" && fromFlags.argv) || (error.field === "space" && fromFlags.space)) return new UsageError(error.message);
  const path = error.field === "argv" ? ["command"] : error.field === "env" ? ["env"] : ["params"];
  return source.error(path, error.message);
}

/**
 * A distribution in the short form of `--param`, for the warning of a resumed study's changed space.
 * A string choice that reads as a number, boolean or null (or holds a comma or quote) is quoted, as
 * `--enqueue` takes it: `--param batch=cat:16,64` resumed with `choices: [16, 64]` warned
 * "batch: cat:16,64 -> cat:16,64", a change nobody could see.
 *
 * @example
 * describeDistribution({ type: "categorical", choices: ["16", 64, "adam"] }) // 'cat:"16",64,adam'
 */
export function describeDistribution(d: Distribution): string {
  const choice = (c: ParamValue): string =>
    typeof c === "string" && (Number.isFinite(Number(c)) || /^(true|false|null)$/.test(c) || /[,"]/.test(c)) ? JSON.stringify(c) : String(c);
  if (d.type === "categorical") return `cat:${d.choices.map(choice).join(",")}`;
  return `${d.type}:${d.low}:${d.high}${d.log ? ":log" : ""}${d.step !== undefined ? `:step=${d.step}` : ""}`;
}

/**
 * The `cli:config` of a study made from these settings.
 *
 * @example
 * cliConfigOf(settings, { trials: 100, deadline: null, queued: true });
 */
export function cliConfigOf(settings: TuneSettings, budget: StudyBudget, extra: Pick<CliStudyConfig, "heartbeat" | "maxRetries"> = {}): CliStudyConfig {
  return {
    version: 1,
    command: settings.command,
    space: settings.space,
    directions: settings.directions,
    sampler: settings.sampler,
    pruner: settings.pruner,
    ...(settings.scheduler ? { scheduler: settings.scheduler } : {}),
    // Names only: env values are often credentials (API tokens, passwords), and the database is
    // read by anyone who can read the file, copied around and exported. Whoever runs the
    // command again takes the values from its own config file or environment.
    envNames: Object.keys(settings.env),
    cwd: settings.cwd,
    trialTimeout: settings.trialTimeout ?? null,
    killGrace: settings.killGrace,
    budget,
    ...extra,
  };
}

/** The scheduler seed a study made by the CLI stored in its config, if any. */
function storedSchedulerSeed(systemAttrs: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const seed = storedSchedulerOption(systemAttrs, "seed");
  return typeof seed === "number" && Number.isSafeInteger(seed) ? seed : undefined;
}

/** The seed a stored study's sampler named `name` was made with (its cli:config, else what the library's createStudy kept), or undefined. */
function storedSamplerSeed(systemAttrs: Readonly<Record<string, JsonValue>> | undefined, name: string): number | undefined {
  if (systemAttrs === undefined) return undefined;
  const stored = (systemAttrs["cli:config"] as { sampler?: NamedComponent } | undefined)?.sampler ?? libraryComponents(systemAttrs)?.sampler;
  const key = stored?.name === name ? seedOf(stored) : undefined;
  const seed = key === undefined ? undefined : stored!.options[key];
  return typeof seed === "number" && Number.isSafeInteger(seed) ? seed : undefined;
}

/** Each parameter whose distribution differs between two search spaces, as "name: before -> now". */
function spaceChanges(before: Readonly<Record<string, Distribution>>, now: Readonly<Record<string, Distribution>>): string[] {
  const changes: string[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(now)])) {
    const was = before[name];
    const is = now[name];
    if (canonicalJson(was) !== canonicalJson(is)) changes.push(`${name}: ${was ? describeDistribution(was) : "(absent)"} -> ${is ? describeDistribution(is) : "(absent)"}`);
  }
  return changes;
}

/**
 * Whether two pruner settings are the same pruner: one name, and options that read alike as it runs
 * with them (see `optionsInEffect`), their seeds left out when `withoutSeed`. A resume that gave
 * median's default n_startup_trials=5, or wrappedOptions with another key spelling, was warned of
 * another pruner.
 */
function samePruner(a: NamedComponent, b: NamedComponent, withoutSeed: boolean): boolean {
  return sameComponentSettings("pruner", a, b, prunerSchema, withoutSeed ? ["seed"] : []);
}

/** The option schema of the pruner registered as `name`, or undefined for a name none is registered under. */
function prunerSchema(name: string): OptionSchema | undefined {
  return prunerEntries().find((entry) => entry.name === name)?.options;
}

/** A component's options as " (key=value, …)", or " (default options)". */
function optionsShown(component: NamedComponent): string {
  const options = Object.entries(component.options);
  return options.length === 0 ? " (default options)" : ` (${options.map(([key, value]) => `${key}=${String(value)}`).join(", ")})`;
}

/** The flags that give `sextant tune` this pruner with its options, as a shell reads them back. */
function prunerFlags(pruner: NamedComponent): string {
  return commandLine(["--pruner", pruner.name, ...Object.entries(pruner.options).flatMap(([key, value]) => ["--pruner-opt", `${key}=${String(value)}`])]);
}

/** What the library's createStudy kept of a study's built-in sampler and pruner (see `LIBRARY_SAMPLER_ATTR`), in cli:config's form; undefined where it kept neither. */
function libraryComponents(systemAttrs: Readonly<Record<string, JsonValue>>): { sampler?: NamedComponent; pruner?: NamedComponent } | undefined {
  const sampler = systemAttrs[LIBRARY_SAMPLER_ATTR] as unknown as NamedComponent | undefined;
  const pruner = systemAttrs[LIBRARY_PRUNER_ATTR] as unknown as NamedComponent | undefined;
  return sampler || pruner ? { sampler, pruner } : undefined;
}

/** Warns when a resumed study was created with another search space or command. */
function checkResumed(study: Study, settings: TuneSettings, io: Io): void {
  type StoredRun = { space?: Record<string, Distribution>; command?: string[]; sampler?: NamedComponent; pruner?: NamedComponent };
  // A study the library made has no cli:config, but createStudy kept a built-in sampler's and
  // pruner's names and options: a resume without them pruned by other rules without a word.
  const stored: StoredRun | undefined = (study.systemAttrs["cli:config"] as StoredRun | undefined) ?? libraryComponents(study.systemAttrs);
  if (!stored) return;
  // A resume that left out --pruner median ran without pruning, and one that left out --sampler
  // tpe ran another sampler, with only the start line to tell (sextant worker uses the stored ones).
  // A population runs without a pruner (see prunerSchedulerProblem): one an earlier version stored beside it is not advised back.
  // A pruner is compared with its options too: a resume with --pruner median alone, of a study made
  // with --pruner-opt n_warmup_steps=0, pruned by other rules without a word, and "give --pruner
  // threshold" (its bounds left out) was advice that failed.
  // A pruner's seed is compared only where this run gives one of its own (--pruner-opt seed): one
  // from --seed, or none, is treated as the sampler's seed is (not compared); "created with pruner
  // curve (seed=1); this run uses pruner curve (seed=2)" warned of every resume under another --seed.
  const prunerWithoutSeed = settings.prunerSeedFromSeed === true || seedOf(settings.pruner) === undefined;
  const changed = (["sampler", "pruner"] as const).filter(
    (kind) =>
      stored[kind] !== undefined &&
      (kind === "pruner" ? !samePruner(stored[kind], settings[kind], prunerWithoutSeed) : stored[kind].name !== settings[kind].name) &&
      !(kind === "pruner" && settings.scheduler !== null),
  );
  if (changed.length > 0) {
    // A pruner's options are shown where it has some, or where only they changed.
    const shown = (kind: "sampler" | "pruner", component: NamedComponent, other: NamedComponent) =>
      `${kind} ${component.name}${kind === "pruner" && (Object.keys(component.options).length > 0 || component.name === other.name) ? optionsShown(component) : ""}`;
    const was = changed.map((kind) => shown(kind, stored[kind]!, settings[kind])).join(" and ");
    const now = changed.map((kind) => shown(kind, settings[kind], stored[kind]!)).join(" and ");
    const flags = changed.map((kind) => (kind === "pruner" ? prunerFlags(stored.pruner!) : `--${kind} ${stored[kind]!.name}`)).join(" ");
    io.err(`sextant: warning: study "${settings.studyName}" was created with ${was}; this run uses ${now} (give ${flags} to go on with ${changed.length > 1 ? "them" : "it"})`);
  }
  const diffs = stored.space ? spaceChanges(stored.space, settings.space) : [];
  if (diffs.length > 0) {
    io.err(`sextant: warning: study "${settings.studyName}" was created with a different search space (${diffs.join("; ")}); earlier trials guide the sampler only where their parameters match`);
  }
  // A study create made without a command (for HTTP clients) gets this run's: nothing to warn of.
  if (stored.command && stored.command.length > 0 && canonicalJson(stored.command) !== canonicalJson(settings.command)) {
    io.err(`sextant: warning: study "${settings.studyName}" was created for another command (${commandLine(stored.command)})`);
  }
}

/**
 * Stores a resumed run's search space and command in the study's `cli:config` when they differ
 * from the stored ones (a new command with the run's working directory and `env` names), keeping
 * its budget and every other setting: workers that joined after such
 * a resume ran the space and command the study was created with, not those of the run they joined.
 */
async function storeResumedCommand(study: Study, settings: TuneSettings, io: Io): Promise<void> {
  const stored = study.systemAttrs[CLI_CONFIG_KEY];
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return;
  const commandChanged = canonicalJson(stored.command) !== canonicalJson(settings.command);
  if (canonicalJson(stored.space) === canonicalJson(settings.space) && !commandChanged) return;
  // A command goes with the folder and environment it was run from: the new command run in the
  // stored folder (python train2.py where only train.py is) failed every worker's trial.
  // `env` is where Sextant before envNames kept them: dropped, or its names came back.
  const { env: _legacyEnv, ...kept } = stored as unknown as CliStudyConfig & { env?: unknown };
  const runsFrom = commandChanged ? { cwd: settings.cwd, envNames: Object.keys(settings.env) } : {};
  await study.setSystemAttr(CLI_CONFIG_KEY, cliConfigRecord({ ...(commandChanged ? kept : (stored as unknown as CliStudyConfig)), command: settings.command, space: settings.space, ...runsFrom }));
  io.err(`sextant: study "${settings.studyName}" now stores this run's search space and command: workers that join it from now on run them`);
}

/**
 * Stores the checkpoint folder a resumed population was given with --scheduler-opt checkpoint_dir
 * (or its config) when the study stored another: tune saved into the new folder while workers
 * started later used the stored one and were refused for lack of the checkpoints tune had saved.
 * A folder that lacks the queued segments' checkpoints was refused before this is reached.
 */
async function storeResumedCheckpointDir(study: Study, settings: TuneSettings, io: Io): Promise<void> {
  const stored = study.systemAttrs[CLI_CONFIG_KEY] as unknown as CliStudyConfig | undefined;
  const options = settings.scheduler?.options ?? {};
  const given = Object.entries(options).find(([key]) => isCheckpointDirKey(key))?.[1];
  if (!stored?.scheduler || typeof given !== "string") return;
  const was = storedSchedulerOption(study.systemAttrs, "checkpointDir");
  if (was === given) return;
  const kept = Object.fromEntries(Object.entries(stored.scheduler.options).filter(([key]) => !isCheckpointDirKey(key)));
  await study.setSystemAttr(CLI_CONFIG_KEY, cliConfigRecord({ ...stored, scheduler: { ...stored.scheduler, options: { ...kept, checkpointDir: given } } }));
  const before = typeof was === "string" ? was : "none: the default folder";
  io.err(`sextant: study "${settings.studyName}" now stores this run's checkpoint folder ${given} (it stored ${before}): workers that join it from now on use it`);
}

interface RunStats {
  counts: Record<"complete" | "pruned" | "failed", number>;
  finished: number;
  /** Of `finished`, the trials a signal stopped (failed "interrupted", or handed back). */
  interrupted: number;
  /** Their numbers. */
  stoppedTrials: number[];
  /** Trials whose objective has started, finished or not. */
  started: number;
  /** Commands running now. */
  running: number;
  lastFailReason: string | null;
}

/** How long a stopping run waits on its storage, its commands gone, before it says so. */
const STORAGE_WAIT_NOTICE_MS = 2000;

/**
 * What a stopping run says while its storage keeps it waiting after its commands have exited.
 *
 * @example
 * storageWaitLine("sqlite:sextant.db") // "sextant: commands stopped; waiting for sqlite:sextant.db to record their trials as interrupted (another process may hold its write lock; ...)"
 */
export function storageWaitLine(url: string): string {
  return `sextant: commands stopped; waiting for ${url} to record their trials as interrupted (another process may hold its write lock; again to force exit, leaving them "running")`;
}

/**
 * Once a signalled run's commands are gone, what is left is writing their trials, which waits
 * silently (up to a minute) while another process holds the SQLite file's write lock: this says
 * {@link storageWaitLine} when that wait passes {@link STORAGE_WAIT_NOTICE_MS}. Call `check` when
 * the signal comes and whenever a command exits, and `clear` when the run ends.
 *
 * @example
 * const wait = storageWaitNotice(storage.url, log, () => interrupted !== null, () => pids.size);
 */
export function storageWaitNotice(url: string, log: (line: string) => void, stopping: () => boolean, running: () => number): { check(): void; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    check: () => {
      if (!stopping() || running() > 0 || timer !== undefined) return;
      timer = setTimeout(() => log(storageWaitLine(url)), STORAGE_WAIT_NOTICE_MS);
      timer.unref();
    },
    clear: () => clearTimeout(timer),
  };
}

/**
 * The line a first signal prints: what it stops. A trial still sampling or setting up has no
 * command yet, so the commands alone said "stopping 0 running command(s)" while trials ran.
 *
 * @example
 * stoppingLine("SIGTERM", 2, 1) // "sextant: SIGTERM received: starting no new trials, stopping 2 running trial(s), 1 of them not yet running its command (again to force exit)"
 */
export function stoppingLine(signal: NodeJS.Signals, trialsRunning: number, commandsRunning: number): string {
  const starting = Math.max(0, trialsRunning - commandsRunning);
  trialsRunning = commandsRunning + starting;
  const what = starting > 0 ? `${trialsRunning} running trial(s), ${starting} of them not yet running its command` : `${commandsRunning} running command(s)`;
  return `sextant: ${signal} received: starting no new trials, stopping ${what} (again to force exit)`;
}

/**
 * `sextant tune`: resolves settings (config file, then flags), refuses a missing program before
 * any trial, creates or resumes the study, and runs the command per trial until done or interrupted.
 *
 * @example
 * await tuneCommand({ param: ["x=float:-5:5"], trials: 20 }, ["node", "objective.mjs", "{x}"], processIo());
 */
export async function tuneCommand(flags: TuneFlags, commandArgs: string[], io: Io): Promise<number> {
  const { settings, source, warnings } = await resolveSettings(flags, commandArgs);
  for (const warning of warnings) io.err(`sextant: warning: ${warning}`);
  const cwdProblem = workingDirectoryProblem(settings.cwd);
  if (cwdProblem !== null) {
    const message = `working directory ${settings.cwd} ${cwdProblem}; no trial was started`;
    // Without --cwd it is the config's cwd: (its folder by default, which exists): point at that line.
    throw flags.cwd === undefined && source !== null ? source.error(["cwd"], message) : new UsageError(message);
  }
  checkProgram(settings.command, settings.cwd, { ...process.env, ...settings.env });
  let sampler = buildSampler(settings.sampler, settings.space, settings.samplerSource);
  const pruner = buildPruner(settings.pruner, settings.prunerSource);
  checkObjectiveCount(settings, sampler, pruner);
  return await withCliStorage(settings.storage, async (storage) => {
    // A population resumed without a seed goes on with the one its study stored, as workers do: a
    // new one drawn on each rerun made two resumes from one state decide differently.
    const storedAttrs = (await storage.getStudy(settings.studyName))?.systemAttrs;
    // Resumed from another folder, it set the folder there and failed every member's next
    // segment ("checkpoint trial-0 … is missing"): the stored folder is the population's.
    // On SQLite too: a resume without the option saved into the folder next to the storage while
    // workers used the stored one, and were refused for lack of the checkpoints tune had saved.
    const dirGiven = !settings.checkpointDirDefaulted && Object.keys(settings.scheduler?.options ?? {}).some(isCheckpointDirKey);
    const storedDir = dirGiven ? undefined : storedSchedulerOption(storedAttrs, "checkpointDir");
    if (typeof storedDir === "string" && settings.scheduler) settings.scheduler.options.checkpointDir = storedDir;
    const storedSeed = settings.schedulerSeedDrawn ? storedSchedulerSeed(storedAttrs) : undefined;
    if (storedSeed !== undefined && settings.scheduler) {
      const drawn = settings.scheduler.options.seed;
      settings.scheduler.options.seed = storedSeed;
      // The sampler took the drawn seed when none was named; it takes the stored one too.
      if (settings.sampler.options.seed === drawn) {
        settings.sampler.options.seed = storedSeed;
        sampler = buildSampler(settings.sampler, settings.space, settings.samplerSource);
      }
    }
    // A sampler resumed without a seed goes on with the one it was made with, as workers do and a
    // population's scheduler above: a new one drawn on each rerun made two resumes suggest different trials.
    const samplerSeed = settings.scheduler === null && seedOf(settings.sampler) === undefined ? storedSamplerSeed(storedAttrs, settings.sampler.name) : undefined;
    if (samplerSeed !== undefined) {
      settings.sampler.options.seed = samplerSeed;
      sampler = buildSampler(settings.sampler, settings.space, settings.samplerSource);
    }
    const scheduler = settings.scheduler ? buildScheduler(settings.scheduler, settings.schedulerSource) : null;
    // Checked before the study is made: a refused run leaves no study to resume under other settings.
    if (scheduler) checkCheckpointFolder(scheduler, settings.storage, settings.studyName, (problem) => checkpointFolderRefusal(problem, settings, flags, source, typeof storedDir === "string"));
    // Resumed without --warm-start, a study made with it still learns from its stored sources.
    if ((flags.warmStart?.length ?? 0) === 0 && Array.isArray(storedAttrs?.warmStartFrom)) {
      settings.sampler = withWarmStart(settings.sampler);
      sampler = buildSampler(settings.sampler, settings.space, settings.samplerSource);
    }
    return await runTune(settings, storage, sampler, pruner, scheduler, flags, io);
  }, source?.storageRefusal(flags.storage !== undefined));
}

/** Whether a scheduler option's key names the checkpoint folder, however it is spelt (checkpoint_dir, checkpointDir). */
function isCheckpointDirKey(key: string): boolean {
  return normalizeOptionKey(key) === "checkpointdir";
}

/**
 * The refusal of a checkpoint folder that cannot be written, naming its option where the user set
 * it: the --scheduler-opt flag, the config file's field, the study (`stored`: the folder it was made
 * with, which a copy of a population keeps), or neither (the default folder).
 */
function checkpointFolderRefusal(problem: string, settings: TuneSettings, flags: TuneFlags, source: ConfigSource | null, stored: boolean): UsageError {
  const flagKey = (flags.schedulerOpt ?? []).map((flag) => parseOptionFlag(flag, "--scheduler-opt")[0]).find(isCheckpointDirKey);
  if (flagKey !== undefined) return new UsageError(`--scheduler-opt ${flagKey}: ${problem}`);
  const configKey = settings.checkpointDirDefaulted ? undefined : Object.keys(settings.scheduler?.options ?? {}).find(isCheckpointDirKey);
  if (configKey !== undefined && source !== null) return source.error(["scheduler", "options"], problem, configKey);
  // The stored folder was called the default one, which the study does not use.
  if (stored) return new UsageError(`the study's checkpoint folder (scheduler option checkpointDir, stored with the study; --scheduler-opt checkpoint_dir=DIR gives another): ${problem}`);
  return new UsageError(`the population's default checkpoint folder (--scheduler-opt checkpointDir=DIR sets another): ${problem}`);
}

/**
 * The GP learns from warm-start sources only with `warmStart` on (off by default in the library,
 * where a GPSampler is built before the study knows its sources); `--warm-start` asks for it, so the
 * CLI turns it on unless `--sampler-opt warm_start=false` says otherwise. Other samplers as given.
 */
function withWarmStart(sampler: NamedComponent): NamedComponent {
  if (sampler.name !== "gp") return sampler;
  if (Object.keys(sampler.options).some((key) => normalizeOptionKey(key) === "warmstart")) return sampler;
  return { ...sampler, options: { ...sampler.options, warmStart: true } };
}

/** Samplers that learn from the trials of `--warm-start` studies; any other would ignore them without a word. */
const WARM_START_SAMPLERS: ReadonlySet<string> = new Set(["auto", "tpe", "gp"]);

/** `--warm-start` names studies of this storage, for a sampler that uses them. */
export async function checkWarmStart(names: readonly string[], settings: TuneSettings, storage: Storage): Promise<void> {
  const sampler = settings.sampler.name;
  if (!WARM_START_SAMPLERS.has(sampler)) {
    const why = settings.scheduler ? ` (a population's first segments are drawn at random unless --sampler names one)` : "";
    throw new UsageError(`--warm-start needs a sampler that learns from earlier studies (auto, tpe or gp); the ${sampler} sampler would ignore it${why}`);
  }
  if (sampler === "gp" && settings.directions.length > 1) {
    // The GP's warm start models one objective; it used to leave the sources unused without a word.
    throw new UsageError(`--warm-start with --sampler gp takes a study of one objective; this one has ${settings.directions.length} (tpe and auto learn from earlier studies with several)`);
  }
  for (const name of names) {
    // Checked first: a new study named itself was "no study named", a resumed one met the library's warmStartFrom error with exit 1.
    if (name === settings.studyName) throw new UsageError(`--warm-start ${name}: a study cannot warm-start from itself; name an earlier study`);
    const record = await storage.getStudy(name);
    if (record === null) throw new UserError(`--warm-start: no study named "${name}" in ${storage.url}`);
    // Said here, naming the flag: the library's refusals named its warmStartFrom option, and told a tuner's name to "give the study another name".
    if (onlineTunerRefusal(record) !== null) throw new UsageError(`--warm-start ${name}: "${name}" is an online tuner, not a study (its state: sextant online show ${name}); name an earlier study`);
    if (record.directions.length !== 1) {
      throw new UsageError(`--warm-start ${name}: study "${name}" has ${record.directions.length} objectives; warm starts learn from single-objective studies`);
    }
  }
}

async function runTune(
  settings: TuneSettings,
  storage: Storage,
  sampler: Sampler,
  pruner: Pruner,
  scheduler: Scheduler | null,
  flags: TuneFlags,
  io: Io,
): Promise<number> {
  const existing = await storage.getStudy(settings.studyName);
  // As a worker does: a study sextant create has not finished making has no budget stored to run yet.
  const halfMade = existing ? halfMadeStudyRefusal(existing.systemAttrs, existing.name, storage.url) : null;
  if (halfMade !== null) throw new UserError(halfMade);
  const existed = existing !== null;
  if (!existed) checkNewStudyObjectives(settings);
  if (existing !== null && existing.directions.join(",") !== settings.directions.join(",")) {
    // Resuming a study of several objectives without --direction met the library's bare refusal,
    // which said neither which flag to give nor how to start a new study instead.
    throw new UserError(
      `study "${existing.name}" exists with directions [${existing.directions.join(", ")}], not [${settings.directions.join(", ")}]: ` +
        `to resume it give --direction ${existing.directions.join(",")} (or the same directions in the config); for a new study give another --study`,
    );
  }
  // As sextant worker refuses it: resumed, the study ran without the settings this version does not know.
  if (existing !== null) refuseNewerCliConfig(existing.systemAttrs, existing.name);
  const storedSchedule = existing?.systemAttrs[SCHEDULER_ATTR] as Record<string, unknown> | undefined;
  if (existing !== null && scheduler === null && storedSchedule !== undefined) {
    // The library refuses it at the first ask, which this command reported as a bug in Sextant.
    const shownUrl = redactPassword(storage.url);
    throw new UserError(
      `study "${existing.name}" trains a ${describeSchedule(storedSchedule)}: its trials are segments, run with its scheduler. ` +
        `Resume it with --scheduler ${String(storedSchedule.name)} and the --scheduler-opt options it was started with, ` +
        `or join it with sextant worker --study ${shellWord(existing.name)} --storage ${shellWord(shownUrl)}${passwordNote(shownUrl)}`,
    );
  }
  const storedSpace = (existing?.systemAttrs[CLI_CONFIG_KEY] as { space?: Record<string, Distribution> } | undefined)?.space;
  const spaceChanged = storedSchedule !== undefined && storedSpace !== undefined ? spaceChanges(storedSpace, settings.space) : [];
  if (spaceChanged.length > 0) {
    // A segment runs with its parent's hyperparameters: outside a narrowed range every queued
    // segment failed ("enqueued value … is not inside …"), and each failure ended its member.
    throw new UserError(
      `study "${settings.studyName}" trains a population whose segments go on with their parents' hyperparameters, and this run changes its search space (${spaceChanged.join("; ")}): ` +
        "resume it with the parameters it was started with, or start a new study (--study NAME)",
    );
  }
  if (flags.warmStart && flags.warmStart.length > 0) await checkWarmStart(flags.warmStart, settings, storage);
  let study: Study;
  try {
    study = await createStudy({
      name: settings.studyName,
      storage,
      directions: settings.directions,
      sampler,
      pruner,
      ...(scheduler ? { scheduler } : {}),
      loadIfExists: true,
      // A resumed study keeps its own sources (said below, naming the flag).
      ...(!existed && flags.warmStart && flags.warmStart.length > 0 ? { warmStartFrom: flags.warmStart } : {}),
      onWarning: (message) => io.err(`sextant: warning: ${message}`),
    });
  } catch (error) {
    throw new UserError(error instanceof Error ? error.message : String(error));
  }
  if (!existed) {
    // Stored so that the study can be rebuilt (command, space, sampler, pruner) from storage alone.
    // The trials of this first run are the study's budget for workers that join it and for this
    // run (not queued: trials are created as they go, so joining workers may overshoot by a trial each).
    // A population's budget is its schedule (population × segments), as sextant create stores it: a
    // first run's --trials stored as the study's left workers nothing to run once it was reached.
    const trials = scheduler ? null : (settings.trials ?? null);
    const budget = { trials, deadline: settings.timeout !== undefined ? Date.now() + settings.timeout * 1000 : null, queued: false };
    await study.setSystemAttr(CLI_CONFIG_KEY, cliConfigRecord(cliConfigOf(settings, budget)));
  } else {
    // A resumed study keeps its sources, as createStudy's loadIfExists and a create over HTTP keep
    // them: this flag used to replace them, for this run and every worker after, without a word.
    const kept = flags.warmStart && flags.warmStart.length > 0 ? warmStartKeptNote(existing, [...new Set(flags.warmStart)], (names) => `--warm-start ${names} is ignored, as a resumed study keeps the sources it was made with (to learn from others, tune a new --study)`) : null;
    if (kept !== null) io.err(`sextant: warning: ${kept}`);
    checkResumed(study, settings, io);
    refuseMissingCheckpoints(study, "the checkpoint folder", "give the folder the population saved them in (--scheduler-opt checkpoint_dir=DIR), or put them back");
    await storeResumedCommand(study, settings, io);
    if (!settings.checkpointDirDefaulted) await storeResumedCheckpointDir(study, settings, io);
  }
  const chatty = !flags.quiet && !flags.json;
  await enqueueTrials(study, settings, chatty ? (line) => io.err(line) : null);

  const stats: RunStats = { counts: { complete: 0, pruned: 0, failed: 0 }, finished: 0, interrupted: 0, stoppedTrials: [], started: 0, running: 0, lastFailReason: null };
  const pids = new Set<number>();
  // commandObjective listens for the abort once, however many commands run: no listener limit to raise.
  const controller = new AbortController();
  const started = Date.now();
  // --timeout counts on the run's clock, as --trial-timeout does: a Ctrl-Z pause does not use it up.
  const startedRunning = runningClock();
  let interrupted: NodeJS.Signals | null = null;
  const progress =
    chatty && io.stderrIsTTY
      ? new ProgressLine(process.stderr, () => {
          const elapsed = Date.now() - started;
          const total = settings.trials;
          const runningMs = runningClock() - startedRunning;
          const fraction = total !== undefined ? stats.finished / total : settings.timeout !== undefined ? runningMs / (settings.timeout * 1000) : 0;
          let eta = "-";
          if (stats.finished > 0 && total !== undefined) eta = formatDuration((elapsed / stats.finished) * (total - stats.finished));
          if (settings.timeout !== undefined) {
            const left = Math.max(0, settings.timeout * 1000 - runningMs);
            eta = eta === "-" ? formatDuration(left) : formatDuration(Math.min(left, (elapsed / stats.finished) * ((total ?? Infinity) - stats.finished)));
          }
          return (
            `${bar(fraction)} ${stats.finished}/${total ?? "∞"} ${bestSoFarText(study)} running=${stats.running}` +
            (stats.counts.pruned > 0 ? ` pruned=${stats.counts.pruned}` : "") +
            (stats.counts.failed > 0 ? ` failed=${stats.counts.failed}` : "") +
            ` elapsed=${formatDuration(elapsed)} eta=${eta}` +
            (interrupted ? " (stopping)" : "")
          );
        })
      : null;
  const log = (line: string): void => (progress ? progress.log(line) : io.err(line));
  study.onWarning = (message) => log(`sextant: warning: ${message}`);

  // SIGHUP (terminal closed, SSH session dropped) and SIGTERM (kill, a process manager) end the run
  // the way Ctrl-C does: no new trials, running commands stopped, their trials failed "interrupted".
  // Deaths no handler sees (SIGKILL, out of memory) are covered by the runner's watchdog process.
  const storageWait = storageWaitNotice(storage.url, log, () => interrupted !== null, () => stats.running);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal === "SIGHUP") releaseTerminalAtExit();
    if (interrupted === null) {
      interrupted = signal;
      study.stop();
      controller.abort();
      log(stoppingLine(signal, stats.started - stats.finished, stats.running));
      if (signal === "SIGQUIT") signalCommandGroups(pids, "SIGKILL");
      storageWait.check();
      return;
    }
    signalCommandGroups(pids, "SIGKILL");
    io.err(`sextant: forced exit; trials that were running stay "running" in ${storage.url} until the next run fails them`);
    process.exit(signalExitCode(signal));
  };
  for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
  const stopPausing = pauseCommandsWithRun(() => pids);
  // Only now say that the run is under way: a supervisor or script that sends SIGTERM as soon as it
  // reads the lines below must find the handler, not Node's default action, which kills the
  // process at once (the lines are written synchronously, and the reader can run before this
  // process reaches the next statement).
  const previous = study.trials.length;
  if (chatty) {
    io.err(
      existed
        ? `study "${study.name}" resumed in ${storage.url} (${previous} trial(s) so far)`
        : `study "${study.name}" created in ${storage.url}`,
    );
    io.err(
      `sampler ${sampler.name}, pruner ${pruner.name}, ${settings.trials ?? "unbounded"} trial(s), ${settings.jobs} at a time` +
        (settings.timeout !== undefined ? `, stop after ${settings.timeout}s` : "") +
        (scheduler ? `, scheduler ${scheduler.name}: ${scheduler.population} members × ${scheduler.segments} segments of ${scheduler.segmentSteps} step(s)` : "") +
        `: ${commandLine(settings.command)}`,
    );
  }
  const initWarning = initProcessWarning(process.pid);
  if (initWarning !== null) log(initWarning);

  const objective = commandObjective({
    argv: settings.command,
    space: settings.space,
    env: settings.env,
    cwd: settings.cwd,
    timeoutSeconds: settings.trialTimeout,
    // Ctrl-Z's pause does not count against it.
    clock: runningClock,
    killGraceSeconds: settings.killGrace,
    studyName: study.name,
    signal: controller.signal,
    objectives: { directions: study.directions, setBy: objectivesSetBy(settings) },
    hooks: {
      onSpawn: ({ pid }) => {
        pids.add(pid);
        stats.running++;
      },
      onExit: ({ pid }) => {
        pids.delete(pid);
        stats.running--;
        storageWait.check();
      },
      onOutput: flags.verbose ? ({ trialNumber, stream, line }) => log(`[trial ${trialNumber}${stream === "stderr" ? " stderr" : ""}] ${line}`) : undefined,
    },
  });

  let bestSoFar = bestSoFarText(study);
  const initialFailures = new InitialFailureWatch(settings.maxInitialFailures);
  /** The reason the run's first trials all failed with, once they have (see --max-initial-failures). */
  let failingAlike: string | null = null;
  const onTrial = (trial: FrozenTrial): void => {
    stats.finished++;
    const stopped = stoppedBySignal(trial, interrupted);
    if (stopped) {
      stats.interrupted++;
      stats.stoppedTrials.push(trial.number);
    }
    const state = trial.state as "complete" | "pruned" | "failed";
    stats.counts[state]++;
    if (state === "failed") stats.lastFailReason = String(trial.systemAttrs.failReason ?? "failed");
    if (!stopped && failingAlike === null) {
      failingAlike = initialFailures.seeTrial(trial);
      // Trials already running finish; none starts after them.
      if (failingAlike !== null) study.stop();
    }
    if (!chatty) return;
    // Once per trial: it scans every trial (and finds the whole Pareto front with several
    // objectives), and was asked three times for one line.
    const best = bestSoFarText(study);
    const improved = best !== bestSoFar;
    bestSoFar = best;
    // Above a live progress bar only what needs attention scrolls by: improvements and failures.
    if (progress && !improved && state !== "failed" && !flags.verbose) return;
    log(finishedTrialLine(trial, best, flags.verbose ?? false));
  };

  // A study made by sextant create runs only its budget's queued trials: one a signal stopped is
  // handed back as a worker hands it back, or the budget ran a trial short (tune once made up for
  // it by creating one).
  const handsBackInterrupted = study.queuedTrialBudget !== null;
  const storedMaxRetries = (study.systemAttrs[CLI_CONFIG_KEY] as Partial<CliStudyConfig> | undefined)?.maxRetries;
  progress?.start();
  let error: unknown;
  try {
    // Counted from the objective's start: a trial still sampling or setting up has no command yet.
    const counted: typeof objective = (trial) => {
      stats.started++;
      return objective(trial);
    };
    await study.optimize(counted, {
      nTrials: settings.trials,
      // The first run's --trials is the study's budget, which joining workers count against the
      // whole study: this run counts their trials too, or the study ran far past it.
      stopAfter: !existed && settings.trials !== undefined ? { totalTrials: settings.trials } : undefined,
      timeoutSeconds: settings.timeout,
      clock: runningClock,
      concurrency: settings.jobs,
      callbacks: [
        async (_study, trial) => {
          if (handsBackInterrupted) await handBackInterruptedTrial(study, trial, interrupted, storedMaxRetries, chatty ? log : null);
          onTrial(trial);
        },
      ],
    });
  } catch (caught) {
    error = caught;
  } finally {
    progress?.stop();
    for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
    stopPausing();
    storageWait.clear();
  }
  await study.refresh().catch(() => undefined);
  const elapsed = Date.now() - started;

  if (error !== undefined) throw error;
  printSummary(study, settings, stats, elapsed, existed, interrupted, flags, io);
  // A run that ends short of --trials on its own (or a resumed one that starts no trial at all)
  // looks unexplained unless it says why.
  const endedShort = interrupted === null && (settings.trials === undefined || stats.finished < settings.trials);
  const stoppedAfter = `sextant: stopped after ${stats.finished}${settings.trials !== undefined ? ` of ${settings.trials}` : ""} trial(s): `;
  // A finite sampler (grid) stops the run once every point has a trial. Asked only of a run that
  // ended short: the snapshot it takes copies the study's trials.
  const samplerExhausted = (): boolean => sampler.isExhausted?.(study.snapshot()) === true;
  // A study made by sextant create runs only what it queued, as its workers do.
  const budget = study.queuedTrialBudget;
  const budgetHandedOut = budget !== null && study.trials.every((t) => t.state !== "waiting");
  // The first run's --trials is the study's total, which the trials of a second tune or of workers
  // on the same study count against: the run ended after 4 of its 6 trials without a word.
  const startedInStudy = study.trials.filter((t) => t.state !== "waiting").length;
  const totalReached = !existed && settings.trials !== undefined && startedInStudy >= settings.trials && startedInStudy > stats.finished;
  if (chatty && endedShort) {
    if (samplerExhausted()) {
      io.err(`${stoppedAfter}the ${sampler.name} sampler has no point left to propose: each of its points has a trial in study "${study.name}"`);
    } else if (budgetHandedOut) {
      io.err(`${stoppedAfter}study "${study.name}" was made by sextant create with a budget of ${budget} trial(s), and every one has been handed out`);
    } else if (totalReached) {
      io.err(
        `${stoppedAfter}study "${study.name}" reached its total of ${settings.trials} trial(s), which its first run's --trials sets ` +
          `and which counts the ${startedInStudy - stats.finished} trial(s) other processes (another sextant tune, or workers) ran on it`,
      );
    } else if (settings.trials !== undefined && settings.timeout !== undefined && runningClock() - startedRunning >= settings.timeout * 1000) {
      // Given both limits, the user could not tell which one ended the run.
      io.err(`${stoppedAfter}--timeout ${settings.timeout}s passed, and no trial starts after it`);
    }
  }
  if (interrupted) {
    // An in-memory study ends with the process: running the command again starts a new one.
    const next = isMemoryUrl(study.storage.url) ? "The study was in memory and is gone (keep one with --storage sqlite:FILE)." : "Run the same command again to continue the study.";
    const stopped = stats.interrupted > 0 ? `, ${stats.interrupted} stopped by it` : "";
    // A study made by create hands them back, and a population runs its stopped segments again on
    // its own; an ordinary study samples afresh, and the stopped trials' parameters were not run.
    const again =
      stats.stoppedTrials.length > 0 && !handsBackInterrupted && !scheduler && !isMemoryUrl(study.storage.url)
        ? ` A rerun samples new trials; sextant requeue ${shellWord(study.name)} ${stats.stoppedTrials.join(" ")} --storage ${shellWord(redactPassword(study.storage.url))} ` +
          `runs the stopped one(s) again first${passwordNote(redactPassword(study.storage.url))}.`
        : "";
    if (!flags.json) io.err(`sextant: interrupted by ${interrupted}; ${stats.finished - stats.interrupted} trial(s) finished in this run${stopped}. ${next}${again}`);
    return signalExitCode(interrupted);
  }
  if (failingAlike !== null && stats.counts.complete === 0 && stats.counts.pruned === 0) {
    io.err(
      `sextant: stopped after the first ${settings.maxInitialFailures} trial(s) of this run all failed the same way (${failingAlike}${flags.verbose ? "" : "; -v shows their stderr"}): ` +
        `the command looks broken whatever the parameters; fix it and run the same command again (the study keeps these trials), ` +
        `or give --max-initial-failures 0 to run the whole budget regardless`,
    );
    return 1;
  }
  if (stats.finished > 0 && stats.counts.complete === 0 && stats.counts.pruned === 0) {
    io.err(`sextant: all ${stats.finished} trial(s) failed; last reason: ${stats.lastFailReason}`);
    return 1;
  }
  if (scheduler && stats.finished === 0 && explainIdlePopulation(study, scheduler.segments, "tune", chatty, io)) return 1;
  return 0;
}

/**
 * Says why a population ran no segment when it has none left to run, and whether that is a
 * failure. `sextant tune` and `sextant worker` started on such a population ran 0 trials without a
 * word: members whose segment failed are not run again, so a population that failed everywhere
 * looked like one that trained. Says it on stderr (when `chatty`, or always on failure) and returns
 * true when every member ended with a failed segment: as when every trial of a run fails, there is
 * no result and none to come, so the caller exits 1. `from` picks the remedy that fits the command.
 *
 * @example
 * if (scheduler && ranNone && explainIdlePopulation(study, scheduler.segments, "worker", chatty, io)) return 1;
 */
export function explainIdlePopulation(study: Study, segments: number, from: "tune" | "worker", chatty: boolean, io: Io): boolean {
  const idle = idlePopulation(study, segments);
  if (idle === null) return false;
  const message = idlePopulationMessage(study.name, redactPassword(study.storage.url), idle, segments, from);
  const everyMemberFailed = idle.trained === 0 && idle.ended.length > 0;
  if (everyMemberFailed || chatty) io.err(message);
  return everyMemberFailed;
}

/** A member of a population whose line ended with a failed segment, which is not run again. */
interface EndedMember {
  readonly member: number;
  readonly segment: number;
  readonly trial: number;
  readonly reason: string;
}

/**
 * The population's state when it has no segment left to run: its members that trained every
 * segment and those that ended with a failed one; null while a segment is queued or running.
 */
function idlePopulation(study: Study, segments: number): { trained: number; ended: EndedMember[] } | null {
  if (study.trials.some((t) => t.state === "waiting" || t.state === "running")) return null;
  let trained = 0;
  const ended: EndedMember[] = [];
  for (const member of study.lineage()) {
    const last = member.segments[member.segments.length - 1];
    if (last === undefined) continue;
    if (last.state === "failed") {
      const reason = study.trials[last.trial]?.systemAttrs.failReason;
      ended.push({ member: member.member, segment: last.segment, trial: last.trial, reason: typeof reason === "string" ? reason : "failed" });
    } else if (last.segment + 1 >= segments) trained++;
  }
  return { trained, ended };
}

/**
 * Why a resumed population ran nothing, and what the user can do.
 *
 * @example
 * idlePopulationMessage("pop", "sqlite:runs.db", { trained: 0, ended: [{ member: 0, segment: 0, trial: 0, reason: "exit code 1" }] }, 3, "tune")
 * // 'sextant: study "pop" has no segment left to run: member 0 ended when segment 0 of 3 failed (trial 0: exit code 1). …'
 */
function idlePopulationMessage(studyName: string, storageUrl: string, idle: { trained: number; ended: EndedMember[] }, segments: number, from: "tune" | "worker"): string {
  if (idle.ended.length === 0) return `sextant: study "${studyName}" has no segment left to run: its ${idle.trained} member(s) have trained all ${segments} segments`;
  const shown = idle.ended.slice(0, 5).map((m) => `member ${m.member} ended when segment ${m.segment} of ${segments} failed (trial ${m.trial}: ${m.reason})`);
  if (idle.ended.length > 5) shown.push(`${idle.ended.length - 5} more`);
  const trained = idle.trained > 0 ? `; ${idle.trained} member(s) trained every segment` : "";
  // The commands name the storage: followed as printed without it, they went to ./sextant.db.
  const study = `${shellWord(studyName)} --storage ${shellWord(storageUrl)}`;
  // sextant requeue runs a failed segment again as the same segment, and its member goes on: the
  // trained members are kept, where a new or deleted study starts the population over.
  const requeue = `queue the failed segments again (sextant requeue ${shellWord(studyName)} ${idle.ended.map((m) => m.trial).join(" ")} --storage ${shellWord(storageUrl)})`;
  const again =
    from === "tune"
      ? `${requeue} and run again, or start a new study (--study NAME) or delete this one (sextant delete ${study}) and run again`
      : `${requeue} and start the workers again, or make a new study (sextant create --study NAME) or delete this one (sextant delete ${study}) and make it again`;
  return (
    `sextant: study "${studyName}" has no segment left to run: ${shown.join("; ")}${trained}. ` +
    `A failed segment ends its member's line and is not run again on resume: fix the command, then ${again}; ` +
    `sextant export ${study} --lineage shows every segment${passwordNote(storageUrl)}`
  );
}

/**
 * The study's best so far, as progress lines show it: `best=VALUE` (`best=-` before a complete
 * trial) with one objective, `front=SIZE` (trials on the Pareto front) with several. `tune` and
 * `worker` print it alike.
 *
 * @example
 * bestSoFarText(study) // "best=0.12"; "front=4" for a two-objective study
 */
export function bestSoFarText(study: Study): string {
  if (study.directions.length !== 1) return `front=${study.bestTrials.length}`;
  const best = study.bestValue;
  return `best=${best === undefined ? "-" : formatNumber(best)}`;
}

/**
 * The line printed when a trial finishes: its state, value(s) and parameters, and with `verbose`
 * the stderr tail of a failed command.
 *
 * @example
 * finishedTrialLine(trial, "best=0.12", false) // "trial 7 complete value=0.3 best=0.12 (x=1.5)"
 */
export function finishedTrialLine(trial: FrozenTrial, bestText: string, verbose: boolean): string {
  // A trial that failed before its first parameter has none: no "()" after its reason.
  const params = Object.keys(trial.params).length > 0 ? ` (${formatParams(trial.params)})` : "";
  let line: string;
  if (trial.state === "complete") line = `trial ${trial.number} complete value=${formatValues(trial.values)} ${bestText}${params}`;
  else if (trial.state === "pruned") {
    const last = lastIntermediate(trial);
    line = `trial ${trial.number} pruned${last ? ` at step ${last.step}` : ""} value=${formatValues(trial.values)}${params}`;
  } else line = `trial ${trial.number} failed: ${String(trial.systemAttrs.failReason ?? "")}${params}`;
  if (trial.state === "failed" && verbose && typeof trial.systemAttrs.stderrTail === "string" && trial.systemAttrs.stderrTail !== "") {
    line += `\n  stderr:\n${trial.systemAttrs.stderrTail.replace(/\n$/, "").replace(/^/gm, "    ")}`;
  }
  return line;
}

/**
 * A trial as the `--json` summaries of `tune` and `worker` list it: its number, values and parameters.
 *
 * @example
 * trialSummary(trial) // { number: 7, values: [0.3, 12], params: { x: 1.5 } }
 */
export function trialSummary(trial: FrozenTrial): Record<string, unknown> {
  return { number: trial.number, values: trial.values, params: trial.params };
}

/**
 * While every complete trial violates a constraint, the `--json` summaries' `leastViolating`: the
 * nearest miss with its constraints and total violation, as the text summary and `sextant best`
 * name it; otherwise nothing.
 *
 * @example
 * leastViolatingSummary(study) // { leastViolating: { number: 3, values: [0.2], params: {…}, constraints: [0.5], violation: 0.5 } }
 */
export function leastViolatingSummary(study: Study): { leastViolating?: Record<string, unknown> } {
  const nearest = study.leastViolatingTrial;
  if (!nearest) return {};
  const constraints = trialConstraints(nearest);
  return { leastViolating: { ...trialSummary(nearest), constraints, violation: totalViolation(constraints) } };
}

function printSummary(
  study: Study,
  settings: TuneSettings,
  stats: RunStats,
  elapsed: number,
  existed: boolean,
  interrupted: NodeJS.Signals | null,
  flags: TuneFlags,
  io: Io,
): void {
  const total = zeroTrialCounts();
  for (const trial of study.trials) total[trial.state]++;
  const single = study.directions.length === 1;
  const best = single ? study.bestTrial : undefined;
  const front = single ? [] : study.bestTrials;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          study: study.name,
          storage: study.storage.url,
          directions: study.directions,
          resumed: existed,
          interrupted: interrupted !== null,
          // Which one, as copy, import and bench run say: a script can tell a preemption from a Ctrl-C.
          signal: interrupted,
          elapsedSeconds: elapsed / 1000,
          run: { trials: stats.finished, ...stats.counts },
          total: { trials: study.trials.length, ...total },
          best: best ? { ...trialSummary(best), value: best.values![0], ...segmentCheckpoint(study.segmentContext()?.store ?? null, best) } : null,
          ...(single ? {} : { bestTrials: front.map(trialSummary) }),
          ...leastViolatingSummary(study),
        },
        null,
        2,
      ),
    );
    return;
  }
  io.out("");
  io.out(`study "${study.name}": ${stats.finished} trial(s) in ${formatDuration(elapsed)}, ${study.trials.length} in total (${study.storage.url})`);
  io.out(
    renderTable(
      ["state", "this run", "total"],
      (["complete", "pruned", "failed"] as const).map((s) => [s, String(stats.counts[s]), String(total[s])]).concat(
        // Trials this run did not finish: still running elsewhere, or enqueued and not run yet.
        (["running", "waiting"] as const).filter((s) => total[s] > 0).map((s) => [s, "-", String(total[s])]),
      ),
    ),
  );
  if (single) {
    if (!best) {
      const nearest = study.leastViolatingTrial;
      io.out(nearest ? `no feasible trial yet (least-violating: trial ${nearest.number}; see sextant best)` : "no complete trial yet");
      return;
    }
    io.out("");
    io.out(`best trial: ${best.number}  value: ${formatNumber(best.values![0]!, 6)}  (${study.directions[0]})`);
    const segment = segmentCheckpoint(study.segmentContext()?.store ?? null, best);
    if (segment) {
      const saved = segment.checkpoint === null ? "saved no checkpoint" : `its checkpoint: ${segment.checkpoint}`;
      io.out(`member ${segment.member}, segment ${segment.segment}; ${saved}`);
    }
    const entries = Object.entries(best.params);
    if (entries.length > 0) io.out(renderTable(["param", "value"], entries.map(([k, v]) => [k, String(v)])));
  } else {
    io.out("");
    io.out(`Pareto front (${study.directions.join(", ")}): ${front.length} trial(s)`);
    if (front.length === 0) {
      // No table under an empty front: its header and rules alone read as a broken table.
      if (study.leastViolatingTrial) io.out(`no feasible trial yet (least-violating: trial ${study.leastViolatingTrial.number}; see sextant best)`);
      return;
    }
    const names = Object.keys(settings.space);
    io.out(
      renderTable(
        ["number", ...study.directions.map((_, i) => `value_${i}`), ...names],
        front.map((t) => [String(t.number), ...t.values!.map((v) => formatNumber(v, 6)), ...names.map((n) => formatParam(t.params[n]))]),
      ),
    );
  }
}
