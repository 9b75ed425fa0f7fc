/**
 * What `sextant tune`, `sextant create` and `sextant worker` share: the study's stored CLI
 * settings (`cli:config`, from which a worker on any machine rebuilds the objective), and the
 * building of sampler, pruner and storage from those settings with user-facing errors.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, resolve } from "node:path";
import { z } from "zod";
import { type Pruner, createPrunerByName } from "../pruners/index.js";
import { type Sampler, createSamplerByName } from "../samplers/index.js";
import { SAVED_CHECKPOINT_ATTR, SCHEDULER_ATTR, type Scheduler, UNDECIDED_ATTR, createSchedulerByName, segmentPlace } from "../schedulers/index.js";
import { type Direction, type Distribution, type FrozenTrial, type JsonValue, OptionError, normalizeOptionKey, validateDistribution } from "../space/index.js";
import { type Storage, isMemoryUrl, missingSqliteFile, openStorage } from "../storage/index.js";
import { CommandNotFoundError, placeholdersIn, resolveExecutable, shebangProblem } from "../study/command-runner.js";
import { formerCheckpointRoot } from "../study/checkpoints.js";
import { CheckpointStore, FolderNotWritableError, type Study, checkFolderOwner, defaultCheckpointRoot, ensureWritableFolder, isHalfMadeStudy, isStudyBeingCopied } from "../study/index.js";
import type { ConfigSource, NamedComponent } from "./config.js";
import { UsageError, UserError } from "./errors.js";
import { shellWord } from "./format.js";
import { warnSchemaUpgrade } from "./io.js";

/** The key under which a study keeps its CLI settings. */
export const CLI_CONFIG_KEY = "cli:config";

/**
 * Stored by `sextant create` with the study itself, `cli:config` being written last: a
 * study with this key and without `cli:config` is one a create did not finish (interrupted, or
 * still queuing), which no worker can run and whose name create cannot take again.
 */
export const CLI_CREATING_KEY = "cli:creating";

/**
 * The refusal for a study `sextant create` left half-made (see {@link CLI_CREATING_KEY}), or that
 * a copy or import is still writing or was killed while writing, or null for any other study.
 *
 * @example
 * const halfMade = halfMadeStudyRefusal(record.systemAttrs, record.name, storage.url);
 * if (halfMade !== null) throw new UserError(halfMade);
 */
export function halfMadeStudyRefusal(systemAttrs: Readonly<Record<string, JsonValue>>, studyName: string, storageUrl: string): string | null {
  if (!isHalfMadeStudy(systemAttrs)) return null;
  if (isStudyBeingCopied(systemAttrs)) {
    return (
      `study "${studyName}" in ${storageUrl} is half-made: a sextant copy/import is still writing it, or was killed before it wrote its last trial; ` +
      `unless that copy is still running, delete it with ${deleteStudyCommand(studyName, storageUrl)} and copy again`
    );
  }
  return (
    `study "${studyName}" in ${storageUrl} was left half-made by a "sextant create" that did not finish (it has no stored command, ${CLI_CONFIG_KEY}); ` +
    `unless that create is still running, delete it with ${deleteStudyCommand(studyName, storageUrl)} and run sextant create again`
  );
}

/**
 * The `sextant delete` command line that deletes a study, quoted, for a message. `shownUrl` is the
 * storage URL as messages show it, its password as `***`: the command then says to put it back,
 * since pasted as it is, it would not connect.
 *
 * @example
 * deleteStudyCommand("lr", "postgres://me:***@db/sextant") // "sextant delete lr --storage 'postgres://me:***@db/sextant' --yes" (with your password in place of ***)
 */
export function deleteStudyCommand(studyName: string, shownUrl: string): string {
  return `"sextant delete ${shellWord(studyName)} --storage ${shellWord(shownUrl)} --yes"${passwordNote(shownUrl)}`;
}

/**
 * What to say after a command that names the storage as messages show it (`shownUrl`): " (with
 * your password in place of ***)" where its password is shown as `***`, since pasted as it is the
 * command would not connect; "" otherwise.
 *
 * @example
 * `sextant worker --storage ${shellWord(shown)} --study lr${passwordNote(shown)}`
 */
export function passwordNote(shownUrl: string): string {
  return shownUrl.includes(":***@") || /password=\*\*\*/i.test(shownUrl) ? " (with your password in place of ***)" : "";
}

/**
 * How much a study may run in total, whoever runs it. `queued` budgets (made by `sextant create`)
 * are trials queued up front: workers claim them atomically, so N workers run exactly `trials`.
 */
export interface StudyBudget {
  /** Trials in total, or null for no limit. */
  readonly trials: number | null;
  /** Start no trial after this time (milliseconds since the epoch), or null. */
  readonly deadline: number | null;
  /** Whether the `trials` are queued in the study as waiting trials. */
  readonly queued: boolean;
}

/** A study's CLI settings as stored in `cli:config`. */
export interface CliStudyConfig {
  readonly version: 1;
  /** Empty for a study `sextant create` made without one: clients of the HTTP service run its trials. */
  readonly command: string[];
  readonly space: Record<string, Distribution>;
  readonly directions: Direction[];
  readonly sampler: NamedComponent;
  readonly pruner: NamedComponent;
  /** The population-based scheduler (pbt, pb2), or absent. */
  readonly scheduler?: NamedComponent;
  /** Names of the config's environment variables; their values are never stored (they are often secrets). */
  readonly envNames: string[];
  readonly cwd: string;
  readonly trialTimeout: number | null;
  readonly killGrace: number;
  readonly budget?: StudyBudget;
  readonly heartbeat?: { intervalSeconds?: number; graceSeconds?: number };
  readonly maxRetries?: number;
}

// null as a config file's YAML null stores it (TPE's magicClipExponent takes null): refused here, the study it made had no worker.
const component = z.object({ name: z.string().min(1), options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) });
const positive = z.number().positive();
// Strict: a field this version does not know comes from a newer Sextant's create or tune (a setting
// its workers must honour), and a worker that dropped it ran the study otherwise, without a word.
const cliConfigSchema = z.strictObject({
  version: z.literal(1),
  command: z.array(z.string()),
  space: z.record(z.string(), z.unknown()),
  directions: z.array(z.enum(["minimize", "maximize"])).min(1),
  sampler: component,
  pruner: component,
  scheduler: component.optional(),
  envNames: z.array(z.string()).default([]),
  // Sextant before envNames stored the config's variables with their values: their names are read.
  env: z.record(z.string(), z.unknown()).optional(),
  cwd: z.string(),
  trialTimeout: positive.nullable().default(null),
  killGrace: z.number().nonnegative().default(5),
  budget: z
    .strictObject({ trials: z.number().int().positive().nullable(), deadline: z.number().nullable(), queued: z.boolean() })
    .optional(),
  heartbeat: z.strictObject({ intervalSeconds: positive.optional(), graceSeconds: positive.optional() }).optional(),
  maxRetries: z.number().int().nonnegative().optional(),
});

/**
 * The settings to store as `cli:config` for a study.
 *
 * @example
 * await study.setSystemAttr(CLI_CONFIG_KEY, cliConfigRecord(config));
 */
export function cliConfigRecord(config: CliStudyConfig): JsonValue {
  return JSON.parse(JSON.stringify(config)) as JsonValue;
}

/**
 * Throws a {@link UserError} when the study's `cli:config` holds a field this version does not
 * know: a newer Sextant's create or tune stored a setting its runs must honour. Both sextant
 * worker and a resuming sextant tune refuse such a study rather than run it without the setting.
 *
 * @example
 * refuseNewerCliConfig(existing.systemAttrs, existing.name);
 */
export function refuseNewerCliConfig(systemAttrs: Readonly<Record<string, JsonValue>>, studyName: string): void {
  const stored = systemAttrs[CLI_CONFIG_KEY];
  if (stored !== undefined) refuseUnknownCliConfigKeys(cliConfigSchema.safeParse(stored), studyName);
}

/** {@link refuseNewerCliConfig} on a parse of the study's `cli:config`, so that `readCliConfig` parses it once. */
function refuseUnknownCliConfigKeys(parsed: ReturnType<typeof cliConfigSchema.safeParse>, studyName: string): void {
  const issue = parsed.success ? undefined : parsed.error.issues.find((i) => i.code === "unrecognized_keys");
  if (issue?.code !== "unrecognized_keys") return;
  const fields = issue.keys.map((key) => [...issue.path, key].join("."));
  throw new UserError(
    `study "${studyName}" was made by a newer Sextant: its ${CLI_CONFIG_KEY} holds ${fields.join(", ")}, which this version does not know ` +
      "and would run the study without; upgrade Sextant here to run its trials",
  );
}

/**
 * Reads a study's `cli:config`, checked. Throws a {@link UserError} that says what to do when the
 * study has none (it was made by the library or the HTTP service, which store no command) or when
 * what is stored is not valid.
 *
 * @example
 * const config = readCliConfig(study.systemAttrs, study.name, storage.url);
 */
export function readCliConfig(systemAttrs: Readonly<Record<string, JsonValue>>, studyName: string, storageUrl: string): CliStudyConfig {
  const stored = systemAttrs[CLI_CONFIG_KEY];
  const halfMade = halfMadeStudyRefusal(systemAttrs, studyName, storageUrl);
  if (halfMade !== null) throw new UserError(halfMade);
  if (stored === undefined) {
    throw new UserError(
      `study "${studyName}" in ${storageUrl} has no stored command (${CLI_CONFIG_KEY}): only studies made by "sextant tune" or ` +
        `"sextant create" can be joined by a worker (not ones made by the library or the HTTP service, nor ones imported from an export made before December 2026, ` +
        `which held the trials alone); make one that learns from its trials with: ` +
        `sextant create --storage ${shellWord(storageUrl)} --study NEW_NAME --config FILE --warm-start ${shellWord(studyName)}`,
    );
  }
  const parsed = cliConfigSchema.safeParse(stored);
  refuseUnknownCliConfigKeys(parsed, studyName);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`study "${studyName}" has an invalid ${CLI_CONFIG_KEY}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const space: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(parsed.data.space)) {
    try {
      space[name] = validateDistribution(distribution as Distribution, name);
    } catch (error) {
      throw new UserError(`study "${studyName}" has an invalid ${CLI_CONFIG_KEY}: space.${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { env, ...config } = parsed.data;
  const envNames = env === undefined ? config.envNames : [...new Set([...config.envNames, ...Object.keys(env)])];
  return { ...config, envNames, space };
}

/**
 * Builds the sampler or pruner; option errors already name it ("tpe sampler: …"), others get its
 * name in front. When the config file alone chose it, the error points at that field of the file.
 */
function build<T>(kind: "sampler" | "pruner" | "scheduler", component: NamedComponent, source: ConfigSource | null, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // An error that starts "threshold pruner: …" names it already; naming it again read 'pruner "threshold": threshold pruner: …'.
    const message = error instanceof OptionError || text.startsWith(`${component.name} ${kind}:`) ? text : `${kind} "${component.name}": ${text}`;
    if (source === null) throw new UsageError(message);
    // In a config file the field path names the component: "sampler: tpe sampler: …" said it twice.
    const owned = message.startsWith(`${component.name} ${kind}: `) ? message.slice(`${component.name} ${kind}: `.length) : message;
    const option = error instanceof OptionError ? error.option : undefined;
    if (option !== undefined && Object.prototype.hasOwnProperty.call(component.options, option.key)) {
      throw option.wrong === "key" ? source.error([kind, "options"], owned, option.key) : source.error([kind, "options", option.key], owned);
    }
    throw source.error([kind], owned);
  }
}

/**
 * The sampler a study's settings name, with a usage error naming it when its options are wrong.
 *
 * @example
 * const sampler = buildSampler({ name: "tpe", options: { seed: 1 } }, { x: { type: "float", low: 0, high: 1 } });
 */
export function buildSampler(sampler: NamedComponent, space: Record<string, Distribution>, source: ConfigSource | null = null): Sampler {
  return build("sampler", sampler, source, () => createSamplerByName(sampler.name, sampler.options, { searchSpace: space }));
}

/**
 * The pruner a study's settings name, with a usage error naming it when its options are wrong.
 *
 * @example
 * const pruner = buildPruner({ name: "median", options: {} });
 */
export function buildPruner(pruner: NamedComponent, source: ConfigSource | null = null): Pruner {
  return build("pruner", pruner, source, () => createPrunerByName(pruner.name, pruner.options));
}

/**
 * The population-based scheduler a study's settings name, with a usage error naming it when its options are wrong.
 *
 * @example
 * const scheduler = buildScheduler({ name: "pbt", options: { population: 4, segment_steps: 5 } });
 */
export function buildScheduler(scheduler: NamedComponent, source: ConfigSource | null = null): Scheduler {
  return build("scheduler", scheduler, source, () => createSchedulerByName(scheduler.name, scheduler.options));
}

/**
 * Opens a storage for a CLI command; a failure becomes a {@link UserError} that names the URL once.
 *
 * @example
 * const storage = await openCliStorage("sqlite:./sextant.db");
 */
export async function openCliStorage(url: string, refuse: (message: string) => Error = (message) => new UserError(message)): Promise<Storage> {
  try {
    // A worker outlives database restarts by retrying; say so, or a wrong port looks like a hang.
    return await openStorage(url, { onRetry: (message) => process.stderr.write(`sextant: ${message}\n`), onSchemaUpgrade: warnSchemaUpgrade });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Storage errors already name the URL ("cannot open sqlite:x.db: …"); do not say it twice.
    throw refuse(message.startsWith("cannot open") ? message : `cannot open storage ${url}: ${message}`);
  }
}

/**
 * Opens a storage for a command that makes or runs a study (`tune`, `create`), runs `use` on it and
 * closes it. A SQLite file the opening created is removed again when `use` throws before any study
 * was made in it: a refused run (`--warm-start` naming no study, a checkpoint folder it cannot
 * write) used to leave an empty sextant.db behind, which later commands took for a storage. It is
 * kept while another process has it open. `refuse` makes the error of a storage that cannot be
 * opened: a config file's points at its `storage:` line.
 *
 * @example
 * await withCliStorage("sqlite:./sextant.db", (storage) => runTune(settings, storage));
 */
export async function withCliStorage<T>(url: string, use: (storage: Storage) => Promise<T>, refuse?: (message: string) => Error): Promise<T> {
  const created = missingSqliteFile(url);
  const storage = await openCliStorage(url, refuse);
  let refused = true;
  try {
    const result = await use(storage);
    refused = false;
    return result;
  } finally {
    const unused = refused && created !== null && (await storage.listStudies().catch(() => [null])).length === 0;
    await storage.close();
    // SQLite removes a database's -wal when its last connection closes. A -wal still there means
    // another process (a run started beside this one) has the file open: removing it then left
    // that process writing into a deleted file (SQLITE_IOERR_FSTAT, or its study lost), so the
    // file stays, and the last run to close it removes it if it is still unused.
    if (unused && !existsSync(`${created}-wal`)) for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(created + suffix, { force: true });
  }
}

/** An option of the scheduler a study made by the CLI stored in its config, if any. */
export function storedSchedulerOption(systemAttrs: Readonly<Record<string, unknown>> | undefined, name: string): unknown {
  const config = systemAttrs?.[CLI_CONFIG_KEY] as { scheduler?: { options?: Record<string, unknown> } } | undefined;
  const options = config?.scheduler?.options ?? {};
  const key = Object.keys(options).find((k) => normalizeOptionKey(k) === normalizeOptionKey(name));
  return key === undefined ? undefined : options[key];
}

/**
 * The checkpoint folder of a population the CLI runs (the `checkpointDir` its config stored, else
 * the default next to the storage), or null for a study that is not a population or keeps its
 * checkpoints in a temporary folder (`memory:`).
 *
 * @example
 * populationCheckpointFolder(record, "sqlite:./runs.db") // "/work/runs.db-checkpoints/pbt-demo"
 */
export function populationCheckpointFolder(record: { name: string; systemAttrs: Readonly<Record<string, unknown>> }, storageUrl: string): string | null {
  if (record.systemAttrs[SCHEDULER_ATTR] === undefined) return null;
  const stored = storedSchedulerOption(record.systemAttrs, "checkpointDir");
  if (typeof stored === "string") return resolve(stored);
  return isMemoryUrl(storageUrl) ? null : defaultCheckpointRoot(storageUrl, record.name);
}

/**
 * The checkpoint store of a population the CLI runs, as its segments read it (its
 * {@link populationCheckpointFolder}, then where an earlier version saved a checkpoint), or null
 * where that folder is null.
 *
 * @example
 * populationCheckpointStore(record, "sqlite:./runs.db")?.has("trial-12")
 */
export function populationCheckpointStore(record: { name: string; systemAttrs: Readonly<Record<string, unknown>> }, storageUrl: string): CheckpointStore | null {
  const folder = populationCheckpointFolder(record, storageUrl);
  return folder === null ? null : new CheckpointStore(folder, formerCheckpointRoot(storageUrl, record.name), record.name);
}

/**
 * Where a population's trial sits and the folder of the checkpoint it saved, found in `store` as
 * its segments find it (null when it saved none or the store lacks it), or null for a trial that is
 * not a segment: the trained model, which `tune`'s summary and `best` show. `best` looked in the
 * stored folder alone and said none where `tune` found one where an earlier version saved it.
 *
 * @example
 * segmentCheckpoint(study.segmentContext()?.store ?? null, study.bestTrial) // { member: 0, segment: 1, checkpoint: "/data/ckpt/trial-2" }
 */
export function segmentCheckpoint(store: CheckpointStore | null, trial: FrozenTrial): { member: number; segment: number; checkpoint: string | null } | null {
  const place = segmentPlace(trial);
  if (!place) return null;
  const saved = trial.systemAttrs[SAVED_CHECKPOINT_ATTR];
  const checkpoint = typeof saved === "string" && store !== null && store.has(saved) ? store.open(saved, trial.number).dir : null;
  return { member: place.member, segment: place.segment, checkpoint };
}

/**
 * Refuses, before any segment runs, a population whose checkpoint folder this process cannot make
 * or write, or that another study saves its checkpoints in. Each segment used to fail in turn
 * instead (on a read-only file system with Node's "ENOENT … mkdir '…/trial-1'"), until every
 * member had. `refuse` makes the caller's error from
 * the problem, naming the folder's option as its user set it.
 *
 * @example
 * checkCheckpointFolder(scheduler, "sqlite:./runs.db", "pbt-demo", (problem) => new UsageError(`--scheduler-opt checkpointDir: ${problem}`));
 */
export function checkCheckpointFolder(scheduler: Scheduler, storageUrl: string, studyName: string, refuse: (problem: string) => Error): void {
  // A memory study's default folder is a fresh temporary one, made with its storage.
  if (scheduler.checkpointDir === undefined && isMemoryUrl(storageUrl)) return;
  const folder = resolve(scheduler.checkpointDir ?? defaultCheckpointRoot(storageUrl, studyName));
  try {
    ensureWritableFolder(folder);
    checkFolderOwner(folder, studyName);
  } catch (error) {
    if (error instanceof FolderNotWritableError) throw refuse(`${error.message}; no trial was started`);
    throw error;
  }
}

/**
 * Refuses, before any segment runs, a population whose queued segments start from checkpoints its
 * checkpoint folder does not hold (resumed with another checkpoint_dir, or a folder not shared with
 * this machine): each such segment failed on "checkpoint trial-N … is missing", and each failure
 * ended its member. An undecided segment is judged by its own parent's checkpoint.
 *
 * @example
 * refuseMissingCheckpoints(study, "the checkpoint folder", "give the folder the population saved them in");
 */
export function refuseMissingCheckpoints(study: Study, folder: string, remedy: string): void {
  const context = study.segmentContext();
  if (!context) return;
  const missing = new Set<string>();
  for (const trial of study.trials) {
    const place = trial.state === "waiting" ? segmentPlace(trial) : undefined;
    if (!place || place.parent === null) continue;
    const saved = study.trials[place.parent]?.systemAttrs[SAVED_CHECKPOINT_ATTR];
    const name = trial.systemAttrs[UNDECIDED_ATTR] === true ? (typeof saved === "string" ? saved : null) : place.checkpoint;
    if (name !== null && !context.store.has(name)) missing.add(name);
  }
  if (missing.size === 0) return;
  const names = [...missing].slice(0, 5).join(", ") + (missing.size > 5 ? ` and ${missing.size - 5} more` : "");
  throw new UserError(
    `study "${study.name}": ${folder} ${context.store.root} does not hold the checkpoints its queued segments start from (${names}); ` +
      `${remedy}; no segment was started`,
  );
}

/**
 * Why `path` cannot be a command's working directory ("does not exist", "is not a folder"), or
 * null. A file given as --cwd failed every trial with "spawn ENOTDIR".
 *
 * @example
 * workingDirectoryProblem("/etc/passwd") // "is not a folder"
 */
export function workingDirectoryProblem(path: string): string | null {
  try {
    return statSync(path).isDirectory() ? null : "is not a folder";
  } catch {
    return "does not exist";
  }
}

/**
 * Refuses, before any trial starts, a command whose program cannot be found (a program given as a
 * placeholder is only known per trial, so it is not checked), and a temporary folder where no
 * trial could write its parameters file.
 *
 * @example
 * checkProgram(["python", "train.py"], process.cwd(), process.env);
 */
export function checkProgram(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const temporary = tmpdir();
  try {
    accessSync(temporary, constants.W_OK);
  } catch {
    // Found per trial, it failed every trial of the budget the same way.
    throw new UsageError(`the temporary folder ${temporary} (TMPDIR) does not exist or is not writable: each trial writes its parameters there; no trial was started`);
  }
  if (placeholdersIn([command[0]!]).length > 0) return;
  let path: string;
  try {
    path = resolveExecutable(command[0]!, { cwd, env });
  } catch (error) {
    if (error instanceof CommandNotFoundError) throw new UsageError(`${error.message}; no trial was started`);
    throw error;
  }
  const interpreter = missingInterpreter(path);
  if (interpreter !== null) {
    // The kernel refuses a file without "#!" and spawn falls back to /bin/sh, which failed every trial with a shell syntax error.
    throw new UsageError(
      `command "${command[0]}" has no "#!" line, so it would be run by /bin/sh: add "#!/usr/bin/env ${interpreter}" as its first line, ` +
        `or run it as "${interpreter} ${command[0]}"; no trial was started`,
    );
  }
  const shebang = shebangProblem(path, cwd);
  if (shebang !== null) throw new UsageError(`command "${command[0]}" cannot be started: ${shebang}; no trial was started`);
}

/** Interpreters of scripts that /bin/sh cannot run, by file extension. */
const INTERPRETERS: Readonly<Record<string, string>> = {
  ".py": "python3",
  ".js": "node",
  ".mjs": "node",
  ".cjs": "node",
  ".rb": "ruby",
  ".pl": "perl",
  ".r": "Rscript",
  ".jl": "julia",
  ".lua": "lua",
  ".php": "php",
};

/**
 * The interpreter a script needs when it is named by an extension that is not the shell's and
 * does not start with "#!" (the shell would run it); null otherwise, including for a file that
 * cannot be read (spawn will say why) and for one without such an extension (a shell script).
 */
function missingInterpreter(path: string): string | null {
  const interpreter = INTERPRETERS[extname(path).toLowerCase()];
  if (interpreter === undefined) return null;
  const start = Buffer.alloc(2);
  let read: number;
  try {
    const fd = openSync(path, "r");
    try {
      read = readSync(fd, start, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return read === 2 && start.toString("latin1") === "#!" ? null : interpreter;
}
