/**
 * `sextant create` and `sextant worker`: a study made once, then run by any number of worker
 * processes on any machines that share its storage. The study's command, space and settings live
 * in its `cli:config`, so a worker needs only the storage URL and the study name.
 */
import { resolve } from "node:path";
import { type Scheduler, describeSchedule } from "../schedulers/index.js";
import type { FrozenTrial } from "../space/index.js";
import { zeroTrialCounts } from "../space/trial-counts.js";
import { type Storage, isMemoryUrl, missingSqliteFile, onlineTunerRefusal, queueWaitingTrials } from "../storage/index.js";
import { commandObjective } from "../study/command-runner.js";
import { DEFAULT_HEARTBEAT_GRACE_SECONDS, resolveHeartbeat } from "../study/heartbeat.js";
import { type OptimizeOptions, REAPED_REASON_PREFIX, type Study, loadStudy, prunerSchedulerProblem } from "../study/index.js";
import { createStudyWithSystemAttrs, studyHeartbeatGraceSeconds } from "../study/study.js";
import { UsageError, UserError, describeUserError } from "./errors.js";
import { ProgressLine, bar, formatDuration, formatNumber, shellWord } from "./format.js";
import { DEFAULT_MAX_INITIAL_FAILURES, InitialFailureWatch } from "./initial-failures.js";
import { type Io, initProcessWarning, pauseCommandsWithRun, releaseTerminalAtExit, runningClock, signalCommandGroups } from "./io.js";
import { storageUrl } from "./inspect.js";
import {
  CLI_CONFIG_KEY,
  CLI_CREATING_KEY,
  type CliStudyConfig,
  buildPruner,
  buildSampler,
  buildScheduler,
  checkCheckpointFolder,
  checkProgram,
  cliConfigRecord,
  deleteStudyCommand,
  halfMadeStudyRefusal,
  openCliStorage,
  passwordNote,
  withCliStorage,
  readCliConfig,
  refuseMissingCheckpoints,
  workingDirectoryProblem,
} from "./study-config.js";
import {
  RUN_SIGNALS,
  type TuneFlags,
  type TuneSettings,
  bestSoFarText,
  checkNewStudyObjectives,
  checkObjectiveCount,
  checkWarmStart,
  cliConfigOf,
  enqueueTrials,
  explainIdlePopulation,
  finishedTrialLine,
  handBackInterruptedTrial,
  stoppedBySignal,
  leastViolatingSummary,
  resolveSettings,
  signalExitCode,
  storageWaitNotice,
  trialSummary,
} from "./tune.js";

/** Flags that `create` and `worker` share for recovering the trials of dead workers. */
export interface RecoveryFlags {
  heartbeatInterval?: number;
  heartbeatGrace?: number;
  maxRetries?: number;
}

/**
 * The flags of `sextant create`: those of `tune` that describe a study, plus recovery settings.
 *
 * @example
 * const flags: CreateFlags = { config: "sextant.yaml", study: "fleet", trials: 500 };
 */
export type CreateFlags = Omit<TuneFlags, "jobs" | "verbose"> & RecoveryFlags;

/**
 * The flags of `sextant worker`.
 *
 * @example
 * const flags: WorkerFlags = { storage: "postgres://db/sextant", study: "fleet", jobs: 4 };
 */
export interface WorkerFlags extends RecoveryFlags {
  storage?: string;
  study?: string;
  trials?: number;
  jobs?: number;
  /** Start no new trial once this worker's first trials have all failed the same way (default 5; 0 never stops). */
  maxInitialFailures?: number;
  cwd?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

function recoverySettings(flags: RecoveryFlags, stored: Pick<CliStudyConfig, "heartbeat" | "maxRetries"> = {}, url = "sqlite:"): Pick<CliStudyConfig, "heartbeat" | "maxRetries"> {
  const heartbeat = {
    ...stored.heartbeat,
    ...(flags.heartbeatInterval !== undefined ? { intervalSeconds: flags.heartbeatInterval } : {}),
    ...(flags.heartbeatGrace !== undefined ? { graceSeconds: flags.heartbeatGrace } : {}),
  };
  try {
    resolveHeartbeat(heartbeat, url);
  } catch (error) {
    throw new UsageError(
      (error as Error).message.replace("heartbeat.intervalSeconds", "--heartbeat-interval").replace("heartbeat.graceSeconds", "--heartbeat-grace"),
    );
  }
  const maxRetries = flags.maxRetries ?? stored.maxRetries;
  return { heartbeat, ...(maxRetries !== undefined ? { maxRetries } : {}) };
}

/**
 * Refuses a worker's `--heartbeat-grace` shorter than the study's grace, and a
 * `--heartbeat-interval` over half of it. The other workers, and the HTTP service's clients (which
 * read the study's grace from GET /studies/{study}), beat for that grace: reaping by a shorter one
 * failed their live trials, and beating more slowly got this worker's live trials failed by them.
 * A longer grace is safe: this worker only gives up on a silent trial later than the others do,
 * and, as its trials record that grace, the others wait for it before failing them.
 */
function refuseGraceShorterThanStudys(flags: RecoveryFlags, studyName: string, studyGrace: number | null): void {
  if (studyGrace === null) return;
  const whose = `of study "${studyName}" (sextant create --heartbeat-grace sets it, ${DEFAULT_HEARTBEAT_GRACE_SECONDS} by default)`;
  if (flags.heartbeatGrace !== undefined && flags.heartbeatGrace < studyGrace) {
    throw new UsageError(
      `--heartbeat-grace ${flags.heartbeatGrace} is shorter than the ${studyGrace} s grace ${whose}: the study's other workers and HTTP clients beat for that grace, ` +
        `so this worker would fail their trials while they run; give at least ${studyGrace}, or make the study with sextant create --heartbeat-grace ${flags.heartbeatGrace}`,
    );
  }
  if (flags.heartbeatInterval !== undefined && flags.heartbeatInterval * 2 > studyGrace) {
    throw new UsageError(
      `--heartbeat-interval ${flags.heartbeatInterval} is more than half the ${studyGrace} s grace ${whose}: the study's other workers would fail this worker's trials while they run; ` +
        `give at most ${studyGrace / 2}`,
    );
  }
}

/**
 * `sextant create`: makes a study from a config and/or flags without running a trial. Its budget
 * of trials is queued in the study up front, so that workers claiming them one at a time run
 * exactly that many, however many workers there are.
 *
 * @example
 * await createCommand({ config: "sextant.yaml", study: "fleet", trials: 200 }, [], processIo());
 */
export async function createCommand(flags: CreateFlags, commandArgs: string[], io: Io): Promise<number> {
  const { settings, source, warnings } = await resolveSettings(flags, commandArgs, { commandOptional: true });
  for (const warning of warnings) io.err(`sextant: warning: ${warning}`);
  refuseMemory(settings.storage);
  const forHttpClients = settings.command.length === 0;
  // The folder a command runs in: without one it was stored for nothing, and a later tune's replaced it.
  if (forHttpClients && flags.cwd !== undefined) throw new UsageError(`--cwd ${flags.cwd} is where the command runs, and there is no command: give it after --, or leave out --cwd`);
  checkNewStudyObjectives(settings);
  // Only the config file can set jobs here (create has no --jobs): it was dropped without a word,
  // and workers started as create said ran one command at a time.
  const workerJobs = source !== null && settings.jobs > 1 && !forHttpClients ? ` --jobs ${settings.jobs}` : "";
  if (settings.trials !== undefined && settings.enqueue.length > settings.trials) {
    throw new UsageError(`--enqueue gives ${settings.enqueue.length} trials, more than the budget of --trials ${settings.trials}`);
  }
  const recovery = recoverySettings(flags, {}, settings.storage);
  // Build them all now so that a wrong option is reported here, not by every worker later.
  // With the config file's place of each, as tune reports them (create used to drop file:line:column).
  checkObjectiveCount(settings, buildSampler(settings.sampler, settings.space, settings.samplerSource), buildPruner(settings.pruner, settings.prunerSource));
  const scheduler = settings.scheduler ? populationScheduler(settings) : null;
  return await withCliStorage(settings.storage, async (storage) => {
    const existing = await storage.getStudy(settings.studyName);
    const refusal = existing ? (onlineTunerRefusal(existing) ?? halfMadeStudyRefusal(existing.systemAttrs, existing.name, storage.url)) : null;
    if (refusal !== null) throw new UserError(refusal);
    if (existing) {
      throw new UserError(
        `a study named "${settings.studyName}" already exists in ${storage.url}; start workers on it with ` +
          `"sextant worker --storage ${shellWord(storage.url)} --study ${shellWord(settings.studyName)}"${passwordNote(storage.url)}, or pick another --study`,
      );
    }
    const warmStartFrom = flags.warmStart ?? [];
    if (warmStartFrom.length > 0) await checkWarmStart(warmStartFrom, settings, storage);
    // Ctrl-C, Ctrl-\, SIGTERM or SIGHUP while the study is being made (a budget of many trials, a
    // distant database) killed the process and left a half-made study that every later create and
    // worker refused until it was deleted by hand. Now the study is deleted, as an interrupted copy is.
    let interrupted: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signal === "SIGHUP") releaseTerminalAtExit();
      if (interrupted !== null) {
        io.err(`sextant: interrupted again (${signal}); the half-made study "${settings.studyName}" may be left in ${storage.url}: delete it with ${deleteStudyCommand(settings.studyName, storage.url)}`);
        process.exit(signalExitCode(signal));
      }
      interrupted = signal;
      io.err(`sextant: interrupted (${signal}); deleting the half-made study (again to exit at once)`);
    };
    for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
    const stopIfInterrupted = async (): Promise<void> => {
      // A signal that came during a synchronous write (SQLite) is delivered only once the event
      // loop turns; removing the handler before that dropped it, and the create went on silently.
      await new Promise((resolve) => setImmediate(resolve));
      if (interrupted !== null) throw new CreateInterrupted(interrupted);
    };
    // Marked half-made in the write that makes it (cli:config comes last): a process or server
    // that read it in between took it for a study without a budget and created trials past it.
    const study = await createStudyWithSystemAttrs({
      name: settings.studyName,
      storage,
      directions: settings.directions,
      sampler: buildSampler(settings.sampler, settings.space),
      // A population queues the first segment of each member; workers queue the rest.
      ...(scheduler ? { scheduler } : {}),
      // Kept on the study: every worker that loads it learns from the same studies.
      ...(warmStartFrom.length > 0 ? { warmStartFrom } : {}),
      onWarning: (message) => io.err(`sextant: warning: ${message}`),
    }, { [CLI_CREATING_KEY]: true });
    const budget = {
      trials: settings.trials ?? null,
      deadline: settings.timeout !== undefined ? Date.now() + settings.timeout * 1000 : null,
      queued: settings.trials !== undefined,
    };
    try {
      await stopIfInterrupted();
      // --enqueue's trials are the budget's first (or added to a budget of time alone).
      // Counted as queued, not as given: a repeated --enqueue point is queued once, and the budget
      // used to come up short by each repeat.
      const queued = await enqueueTrials(study, settings, flags.json || flags.quiet ? null : (line) => io.err(line));
      await stopIfInterrupted();
      // The rest of the budget in one write: all of it or none, and one commit for 50,000 trials.
      await queueWaitingTrials(storage, study.id, Math.max(0, (settings.trials ?? 0) - queued));
      await stopIfInterrupted();
      // Written last: a create that dies half-way leaves a study no worker will join; CLI_CREATING_KEY
      // lets worker and create say it is half-made and how to start again.
      await study.setSystemAttr(CLI_CONFIG_KEY, cliConfigRecord(cliConfigOf(settings, budget, recovery)));
      await new Promise((resolve) => setImmediate(resolve));
    } catch (error) {
      if (!(error instanceof CreateInterrupted)) throw await withoutUnfinishedStudy(storage, study.id, study.name, error);
      const outcome = await deleteUnfinishedStudy(storage, study.id, study.name);
      if (flags.json) io.out(JSON.stringify({ study: study.name, storage: storage.url, interrupted: true, signal: error.signal, created: false, halfMadeLeft: outcome === "left" }, null, 2));
      io.err(
        outcome === "left"
          ? `sextant: the half-made study "${study.name}" could not be deleted from ${storage.url}: delete it with ${deleteStudyCommand(study.name, storage.url)}, then run the same command again`
          : `sextant: study "${study.name}" was not created (nothing is left in ${storage.url}); run the same command again to create it`,
      );
      return signalExitCode(error.signal);
    } finally {
      for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
    }
    // A signal during the last write came too late to stop it: the study is whole, and kept.
    if (interrupted !== null) io.err(`sextant: the study was complete before ${interrupted} took effect; it is kept`);
    if (workerJobs !== "") {
      io.err(`sextant: warning: ${source!.locate(["jobs"])}: jobs is per worker and not stored with the study: start each worker with --jobs ${settings.jobs} (sextant worker runs 1 command at a time by default)`);
    }
    if (flags.json) {
      const population = scheduler ? { population: { scheduler: scheduler.name, members: scheduler.population, segments: scheduler.segments, segmentSteps: scheduler.segmentSteps, seed: scheduler.seed } } : {};
      io.out(JSON.stringify({ study: study.name, storage: storage.url, directions: settings.directions, budget, ...population, command: settings.command }, null, 2));
    } else if (!flags.quiet) {
      const what = scheduler
        ? `a ${describeSchedule(scheduler)} (${scheduler.population * scheduler.segments} trials)` +
          (budget.deadline !== null ? `, until ${new Date(budget.deadline).toISOString()}` : "")
        : describeBudget(budget);
      io.out(`study "${study.name}" created in ${storage.url}: ${what}`);
      if (forHttpClients) {
        io.out(`it has no command: clients of the HTTP service (the Python client) run its trials; serve it with:`);
        io.out(`  sextant serve --storage ${shellWord(storage.url)}`);
      } else {
        io.out(`start workers (any number, on any machine that reaches the storage) with:`);
        io.out(`  sextant worker --storage ${shellWord(storage.url)} --study ${shellWord(study.name)}${workerJobs}`);
      }
      // On a line of its own: the command line above is pasted whole.
      const note = passwordNote(storage.url);
      if (note !== "") io.out(` ${note}`);
    }
    return 0;
  }, source?.storageRefusal(flags.storage !== undefined));
}

/**
 * Deletes the study `create` was making, unless it is already made (its cli:config stored) or is
 * another study of that name. "left" when the storage failed and the half-made study stays.
 */
async function deleteUnfinishedStudy(storage: Storage, studyId: number, studyName: string): Promise<"deleted" | "made" | "left"> {
  try {
    const record = await storage.getStudy(studyName);
    // Re-read: a write reported as failed may have been stored (PostgreSQL's reply lost), and a
    // study with its cli:config is made, and may have workers already.
    if (record?.id !== studyId || record.systemAttrs[CLI_CONFIG_KEY] !== undefined) return "made";
    if (await storage.deleteStudy(studyName)) return "deleted";
  } catch {
    // The storage still fails: the study stays, and the message says so.
  }
  return "left";
}

/** Thrown inside `create` when a signal came while its study was being made: the study is deleted. */
class CreateInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/**
 * What `create` throws when it fails after making its study (a full disk while queuing the budget):
 * the study, made by this run and still half-made, so that no worker or server has used it, is
 * deleted first, so that the same command can simply be run again (it refused the name, saying to
 * delete the study first). Where that fails too (the storage is still down), the error says so.
 */
async function withoutUnfinishedStudy(storage: Storage, studyId: number, studyName: string, error: unknown): Promise<unknown> {
  if ((await deleteUnfinishedStudy(storage, studyId, studyName)) !== "left" || describeUserError(error) === null) return error;
  return new UserError(
    `${(error as Error).message}; the study "${studyName}" it was making is left half-made: before running sextant create again, delete it with ${deleteStudyCommand(studyName, storage.url)}`,
    { cause: error },
  );
}

/**
 * The scheduler of a population made by `create`. Its budget is population × segments, so a
 * --trials budget is refused. Each worker rebuilds the scheduler from the stored settings, whose
 * seed resolveSettings fixed when none was given: every worker then makes the same decisions.
 */
function populationScheduler(settings: TuneSettings): Scheduler {
  const component = settings.scheduler!;
  if (settings.trials !== undefined) {
    throw new UsageError(
      `--trials cannot be combined with --scheduler ${component.name}: a population runs population × segments trials; set those with --scheduler-opt population=N --scheduler-opt segments=S`,
    );
  }
  return buildScheduler(component, settings.schedulerSource);
}

function refuseMemory(url: string): void {
  if (isMemoryUrl(url)) {
    throw new UsageError("--storage memory: lives only inside one process, so workers cannot share it; use sqlite:PATH or postgres://…");
  }
}

function describeBudget(budget: { trials: number | null; deadline: number | null }): string {
  const parts: string[] = [];
  if (budget.trials !== null) parts.push(`${budget.trials} trial(s)`);
  if (budget.deadline !== null) parts.push(`until ${new Date(budget.deadline).toISOString()}`);
  return parts.length > 0 ? parts.join(", ") : "no limit";
}

/**
 * `sextant worker`: joins a study made by `sextant tune` or `sextant create` and runs its command
 * on trials until the study's budget is spent (or this worker's own `--trials`), beating for its
 * running trials and retrying trials of workers that stopped beating.
 *
 * @example
 * await workerCommand({ storage: "sqlite:./sextant.db", study: "fleet", jobs: 2 }, processIo());
 */
export async function workerCommand(flags: WorkerFlags, io: Io): Promise<number> {
  if (flags.study === undefined) throw new UsageError("--study is required: the name of a study made by sextant create or sextant tune");
  if (flags.study.trim() === "") throw new UsageError(`--study must not be blank, got ${JSON.stringify(flags.study)}`);
  const url = flags.storage ?? storageUrl(undefined);
  refuseMemory(url);
  // Opening would create a mistyped file, and a worker only joins a study that exists.
  const path = missingSqliteFile(url);
  if (path !== null) {
    throw new UserError(`no study named "${flags.study}" in ${url}: the file ${path} does not exist; make one with: sextant create --storage ${shellWord(url)} --study ${shellWord(flags.study)} --config FILE`);
  }
  const storage = await openCliStorage(url);
  try {
    return await runWorker(flags, flags.study, storage, io);
  } finally {
    await storage.close();
  }
}

async function runWorker(flags: WorkerFlags, studyName: string, storage: Storage, io: Io): Promise<number> {
  const record = await storage.getStudy(studyName);
  if (!record) throw new UserError(`no study named "${studyName}" in ${storage.url}; make one with: sextant create --storage ${shellWord(storage.url)} --study ${shellWord(studyName)} --config FILE${passwordNote(storage.url)}`);
  const config = readCliConfig(record.systemAttrs, studyName, storage.url);
  if (config.command.length === 0) {
    throw new UserError(
      `study "${studyName}" has no command: "sextant create" made it for clients of the HTTP service (sextant serve --storage ${shellWord(storage.url)}), which run its trials; ` +
        `to run them with a command, give it one with: sextant tune --storage ${shellWord(storage.url)} --study ${shellWord(studyName)} -p ... -- COMMAND${passwordNote(storage.url)}`,
    );
  }
  // A tune of Sextant before workers (11-2026) stored no budget: run as unbounded, a worker joining
  // its study ran trials until stopped (hundreds a minute for a fast command), not the --trials given to tune.
  if (config.budget === undefined && flags.trials === undefined) {
    throw new UsageError(
      `study "${studyName}" was made by an older sextant tune, which stored no trial budget, so this worker would run trials until stopped; ` +
        "give it --trials N (the trials this worker runs); no trial was started",
    );
  }
  refuseGraceShorterThanStudys(flags, studyName, studyHeartbeatGraceSeconds(record.systemAttrs, storage.url));
  const recovery = recoverySettings(flags, config, storage.url);
  const cwd = flags.cwd !== undefined ? resolve(flags.cwd) : config.cwd;
  const cwdProblem = workingDirectoryProblem(cwd);
  if (cwdProblem !== null) {
    throw new UsageError(
      flags.cwd !== undefined
        ? `working directory ${cwd} (from --cwd) ${cwdProblem} on this machine; no trial was started`
        : `working directory ${cwd} (from the study's config) ${cwdProblem} on this machine; give --cwd DIR; no trial was started`,
    );
  }
  // The study stores the names of its environment variables, never their values: each worker
  // passes on its own environment, so a variable the study expects must be set on this machine.
  const missingEnv = config.envNames.filter((name) => process.env[name] === undefined);
  if (missingEnv.length > 0) {
    io.err(`sextant: warning: the study's command expects ${missingEnv.join(", ")} in its environment, which this worker's environment does not set`);
  }
  checkProgram(config.command, cwd, process.env);
  const scheduler = config.scheduler ? buildScheduler(config.scheduler) : null;
  if (scheduler) {
    const origin = scheduler.checkpointDir !== undefined ? "scheduler option checkpointDir, stored with the study" : "next to the storage";
    checkCheckpointFolder(scheduler, storage.url, studyName, (problem) => new UsageError(`the study's checkpoint folder (${origin}) on this machine: ${problem}`));
  }
  // Stored beside a scheduler before tune and create refused the pair: run the population without it.
  const prunerProblem = prunerSchedulerProblem(config.pruner, scheduler);
  if (prunerProblem !== null) {
    io.err(`sextant: warning: study "${studyName}" stores the ${config.pruner.name} pruner beside its ${scheduler!.name} scheduler: ${prunerProblem}. This worker runs its segments without pruning`);
  }
  const study = await loadStudy({
    name: studyName,
    storage,
    sampler: buildSampler(config.sampler, config.space),
    ...(prunerProblem === null ? { pruner: buildPruner(config.pruner) } : {}),
    // A population's worker runs queued segments and queues each member's next one.
    ...(scheduler ? { scheduler } : {}),
    onWarning: (message) => io.err(`sextant: warning: ${message}`),
  });
  refuseMissingCheckpoints(study, "the study's checkpoint folder on this machine", "every worker needs the population's checkpoints: share that folder with the machine that saved them");
  const chatty = !flags.quiet && !flags.json;
  const budget = config.budget ?? { trials: null, deadline: null, queued: false };
  const secondsLeft = budget.deadline !== null ? (budget.deadline - Date.now()) / 1000 : undefined;
  const counts: Record<"complete" | "pruned" | "failed", number> = { complete: 0, pruned: 0, failed: 0 };
  let lastFailReason = "";
  let reapedElsewhere = 0;
  const initialFailures = new InitialFailureWatch(flags.maxInitialFailures ?? DEFAULT_MAX_INITIAL_FAILURES);
  /** The reason this worker's first trials all failed with, once they have (see --max-initial-failures). */
  let failingAlike: string | null = null;
  // commandObjective listens for the abort once, however many commands run: no listener limit to raise.
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const pids = new Set<number>();
  // A held SQLite write lock kept a stopping worker waiting up to a minute in silence, as tune.
  const storageWait = storageWaitNotice(storage.url, (line) => log(line), () => interrupted !== null, () => pids.size);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal === "SIGHUP") releaseTerminalAtExit();
    if (interrupted !== null) {
      // Killed here, as tune kills them: left to the watchdog, a command that ignored SIGTERM ran on
      // for its whole kill grace after the worker had gone.
      signalCommandGroups(pids, "SIGKILL");
      // It exited without a word, and nothing said that its trials were left running.
      io.err(
        `sextant: forced exit; the trials this worker was running stay "running" in ${storage.url} until the next worker started on this machine, ` +
          "or any worker once their heartbeat grace has passed, fails them and queues them again (their commands were killed)",
      );
      process.exit(signalExitCode(interrupted));
    }
    interrupted = signal;
    study.stop();
    controller.abort();
    io.err(`sextant: ${signal} received: starting no new trials, stopping running commands (again to exit at once)`);
    // Ctrl-\ ends now, as in tune: Node's default left the trials "running" until a worker reaped them.
    if (signal === "SIGQUIT") signalCommandGroups(pids, "SIGKILL");
    storageWait.check();
  };
  for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
  const stopPausing = pauseCommandsWithRun(() => pids);
  // Said only once the handler is there: a supervisor that sends SIGTERM on this line must get an
  // orderly stop, not Node's default action (the line is written synchronously, and the reader can
  // run before this process reaches the next statement).
  if (chatty) {
    const queued = study.trials.filter((t) => t.state === "waiting").length;
    const finished = study.trials.filter((t) => t.state !== "waiting" && t.state !== "running").length;
    io.err(`worker joined study "${study.name}" in ${storage.url} (budget: ${describeBudget(budget)}; ${finished} finished, ${queued} queued)`);
  }
  const initWarning = initProcessWarning(process.pid);
  if (initWarning !== null) io.err(initWarning);

  const objective = commandObjective({
    argv: config.command,
    space: config.space,
    cwd,
    timeoutSeconds: config.trialTimeout ?? undefined,
    // Ctrl-Z's pause does not count against it.
    clock: runningClock,
    killGraceSeconds: config.killGrace,
    studyName: study.name,
    signal: controller.signal,
    objectives: { directions: study.directions, setBy: `--direction or the config's directions when study "${study.name}" was created` },
    hooks: {
      onSpawn: ({ pid }) => void pids.add(pid),
      onExit: ({ pid }) => {
        pids.delete(pid);
        storageWait.check();
      },
      onOutput: flags.verbose ? ({ trialNumber, stream, line }) => io.err(`[trial ${trialNumber}${stream === "stderr" ? " stderr" : ""}] ${line}`) : undefined,
    },
  });
  // As tune's: on a terminal, one line redrawn in place, with the study's progress against its budget.
  const started = Date.now();
  const progress =
    chatty && io.stderrIsTTY
      ? new ProgressLine(process.stderr, () => {
          const finished = study.trials.filter((t) => t.state === "complete" || t.state === "pruned" || t.state === "failed").length;
          const total = budget.trials ?? flags.trials;
          const elapsed = Date.now() - started;
          const fraction = total != null ? finished / total : budget.deadline !== null ? elapsed / Math.max(1, budget.deadline - started) : 0;
          const here = counts.complete + counts.pruned + counts.failed;
          return (
            `${bar(Math.min(1, fraction))} study ${finished}/${total ?? "∞"} ${bestSoFarText(study)} here=${here}` +
            (counts.failed > 0 ? ` failed=${counts.failed}` : "") +
            ` elapsed=${formatDuration(elapsed)}` +
            (interrupted ? " (stopping)" : "")
          );
        })
      : null;
  const log = (line: string): void => (progress ? progress.log(line) : io.err(line));
  const options: OptimizeOptions = {
    nTrials: flags.trials,
    concurrency: flags.jobs ?? 1,
    // The stored deadline binds as it is: the set-up before the first trial does not push it back.
    ...(budget.deadline !== null ? { deadline: budget.deadline } : {}),
    // A queued budget is exact; otherwise count what the whole study has finished.
    onlyQueuedTrials: budget.queued,
    stopAfter: !budget.queued && budget.trials !== null ? { totalTrials: budget.trials } : undefined,
    heartbeat: recovery.heartbeat,
    maxRetries: recovery.maxRetries,
    onWarning: (message) => log(`sextant: warning: ${message}`),
    callbacks: [
      async (_study, trial: FrozenTrial) => {
        counts[trial.state as keyof typeof counts]++;
        if (trial.state === "failed") lastFailReason = String(trial.systemAttrs.failReason ?? "unknown");
        // Reaped by another worker while this one was suspended or cut off: it runs elsewhere.
        const reaped = trial.state === "failed" && lastFailReason.startsWith(REAPED_REASON_PREFIX);
        if (reaped) reapedElsewhere++;
        // Neither a trial reaped elsewhere nor one a signal stopped says anything of the command.
        if (!reaped && failingAlike === null && !stoppedBySignal(trial, interrupted)) {
          failingAlike = initialFailures.seeTrial(trial);
          // Trials already running finish; none starts after them.
          if (failingAlike !== null) study.stop();
        }
        // A worker stopped from outside (preemption, scale-down, Ctrl-C) hands its trials back:
        // the budget is the study's, and another worker can run them.
        await handBackInterruptedTrial(study, trial, interrupted, recovery.maxRetries, chatty ? log : null);
        if (chatty) log(finishedTrialLine(trial, bestSoFarText(study), flags.verbose ?? false));
      },
    ],
  };
  progress?.start();
  try {
    if (secondsLeft === undefined || secondsLeft > 0) {
      await study.optimize(objective, options);
      // A budget of trials made as they go (a study made by sextant tune) counts what the study has
      // run: once spent, trials queued by hand (sextant requeue, which says the next worker runs them)
      // stayed queued. Only queued ones now, none made: the budget stays as it was.
      const ranHere = counts.complete + counts.pruned + counts.failed;
      const more = flags.trials !== undefined ? flags.trials - ranHere : undefined;
      if (options.stopAfter && !interrupted && failingAlike === null && more !== 0 && study.trials.some((t) => t.state === "waiting")) {
        await study.optimize(objective, { ...options, stopAfter: undefined, onlyQueuedTrials: true, nTrials: more });
      }
    }
  } finally {
    progress?.stop();
    for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
    stopPausing();
    storageWait.clear();
  }
  await study.refresh();
  if (secondsLeft !== undefined && secondsLeft <= 0 && !flags.quiet) {
    // It exited 0 beside trials still queued, and a fleet's workers seemed to ignore them.
    const queued = study.trials.filter((t) => t.state === "waiting").length;
    io.err(
      `sextant: the deadline of study "${study.name}" (${new Date(budget.deadline!).toISOString()}, set by the --timeout it was made with) passed before this worker joined: it started no trial` +
        (queued > 0 ? `, and its ${queued} queued trial(s) stay unrun` : ""),
    );
  }
  printWorkerSummary(study, budget, counts, interrupted, flags, io);
  if (interrupted) return signalExitCode(interrupted);
  // As tune: a worker none of whose trials succeeded fails, so that a batch system (Slurm, a
  // Kubernetes Job) reports a broken command instead of a finished one.
  // Trials other workers reaped are no sign of a broken command (a suspended machine, a lost link).
  if (failingAlike !== null && counts.complete === 0 && counts.pruned === 0) {
    io.err(
      `sextant: stopped after this worker's first ${flags.maxInitialFailures ?? DEFAULT_MAX_INITIAL_FAILURES} trial(s) all failed the same way (${failingAlike}${flags.verbose ? "" : "; -v shows their stderr"}): ` +
        "the command looks broken on this machine whatever the parameters; fix it and start the worker again, or give --max-initial-failures 0 to go on regardless",
    );
    return 1;
  }
  if (counts.failed > reapedElsewhere && counts.complete === 0 && counts.pruned === 0) {
    io.err(`sextant: all ${counts.failed} trial(s) of this worker failed; last reason: ${lastFailReason}`);
    return 1;
  }
  const ranNone = counts.complete + counts.pruned + counts.failed === 0;
  if (scheduler && ranNone && explainIdlePopulation(study, scheduler.segments, "worker", chatty, io)) return 1;
  return 0;
}

function printWorkerSummary(
  study: Study,
  budget: { trials: number | null; deadline: number | null },
  counts: Record<"complete" | "pruned" | "failed", number>,
  interrupted: NodeJS.Signals | null,
  flags: WorkerFlags,
  io: Io,
): void {
  const total = zeroTrialCounts();
  for (const trial of study.trials) total[trial.state]++;
  const ran = counts.complete + counts.pruned + counts.failed;
  const single = study.directions.length === 1;
  const best = single ? study.bestTrial : undefined;
  // Several objectives have no one best trial: their result is the Pareto front, as tune reports it.
  const front = single ? [] : study.bestTrials;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          study: study.name,
          storage: study.storage.url,
          interrupted: interrupted !== null,
          signal: interrupted,
          budget,
          run: { trials: ran, ...counts },
          total: { trials: study.trials.length, ...total },
          directions: study.directions,
          best: best ? { number: best.number, value: best.values![0], params: best.params } : null,
          ...(single ? {} : { bestTrials: front.map(trialSummary) }),
          ...leastViolatingSummary(study),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (flags.quiet) return;
  const nearest = study.leastViolatingTrial;
  io.out(
    `worker done: ${ran} trial(s) here (complete ${counts.complete}, pruned ${counts.pruned}, failed ${counts.failed}); ` +
      `study "${study.name}" has ${total.complete} complete, ${total.pruned} pruned, ${total.failed} failed, ${total.running} running, ${total.waiting} queued` +
      (best ? `; best trial ${best.number} value ${formatNumber(best.values![0]!, 6)}` : "") +
      (single ? "" : `; Pareto front: ${front.length} trial(s) (see sextant best)`) +
      // As tune's summary says it: with no feasible trial there was no best and no word why.
      (nearest ? `; no feasible trial yet (least-violating: trial ${nearest.number}; see sextant best)` : ""),
  );
}
