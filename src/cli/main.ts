/**
 * The `sextant` command line: `tune`, `create`, `worker`, `serve`, `dashboard`, `report`, `studies`, `trials`,
 * `best`, `export`, `copy`, `import`, `delete`, `fail-trial`, `requeue`, `priors`, `online`,
 * and the listings `samplers`, `pruners`, `schedulers` and `problems`.
 * `bin/sextant.js` calls {@link main}.
 */
import { Command, CommanderError, Option } from "commander";
import { decimalInteger } from "../space/number-text.js";
import { didYouMean } from "../space/options.js";
import { storageUrlProblem } from "../storage/index.js";
// The package's public door registers the default sampler and every named sampler and pruner.
import "../index.js";
import { PROBLEM_TAGS } from "../bench/problems/problem.js";
import { prunerNames } from "../pruners/index.js";
import { schedulerNames } from "../schedulers/index.js";
import { samplerNames } from "../samplers/index.js";
import { listPrunersCommand, listSamplersCommand, listSchedulersCommand } from "./components.js";
import { UsageError, debugFromEnv, describeUserError, errorStack } from "./errors.js";
import type { ImportanceFlags } from "./importance.js";
import { type Io, processIo, writeFailure } from "./io.js";
import type { ProblemsFlags } from "./problems.js";
import type { OnlineFlags, PriorsFlags } from "./learning.js";
import type { ReportFlags } from "./report.js";
import type { BenchRunFlags, BenchTuneFlags } from "./bench.js";
import type { ServeFlags } from "./serve.js";
import type { TuneFlags } from "./tune.js";
import { DEFAULT_MAX_INITIAL_FAILURES } from "./initial-failures.js";
import type { CreateFlags, WorkerFlags } from "./worker.js";
import type { FailTrialFlags } from "./fail-trial.js";
import type { RequeueFlags } from "./requeue.js";
import { FAILED_BY_HAND_REASON } from "../study/index.js";
import { packageVersion } from "../version.js";

/** A parser for a numeric flag: `accepts` judges the number; the error names the flag and says what it must be. */
function numberFlag(flag: string, mustBe: string, accepts: (n: number) => boolean) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !accepts(n)) throw new UsageError(`${flag} must be ${mustBe}, got "${text}"`);
    return n;
  };
}

/**
 * A parser for an integer flag, written in decimal digits ({@link decimalInteger}). Safe integers
 * only: 1e20 passes Number.isInteger but holds no exact count, and reached storage and the samplers'
 * own checks as an internal error (`trials --limit 100000000000000000000`).
 */
function integerFlag(flag: string, mustBe: string, accepts: (n: number) => boolean, signed = false) {
  return (text: string): number => {
    const n = decimalInteger(text, signed);
    if (Number.isNaN(n) || !accepts(n)) throw new UsageError(`${flag} must be ${mustBe}, got "${text}"`);
    if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} must be ${mustBe} of at most ${Number.MAX_SAFE_INTEGER} in size, got "${text}"`);
    return n;
  };
}

function positiveInt(flag: string) {
  return integerFlag(flag, "a positive integer", (n) => n > 0);
}

function integer(flag: string) {
  return integerFlag(flag, "an integer", () => true, true);
}

function nonNegativeInt(flag: string) {
  return integerFlag(flag, "a non-negative integer", (n) => n >= 0);
}

function finiteNumber(flag: string) {
  return numberFlag(flag, "a number", Number.isFinite);
}

function positiveNumber(flag: string) {
  return numberFlag(flag, "a positive number", (n) => Number.isFinite(n) && n > 0);
}

/** The longest duration a flag takes, as config.ts's MAX_SECONDS for the config file (not imported: it would load YAML and zod for every command). */
const MAX_SECONDS = 1e9;

function seconds(flag: string, allowZero = false) {
  return numberFlag(
    flag,
    `a ${allowZero ? "non-negative" : "positive"} number of seconds up to ${MAX_SECONDS}`,
    (n) => Number.isFinite(n) && (allowZero ? n >= 0 : n > 0) && n <= MAX_SECONDS,
  );
}

/** `--request-timeout`: Node counts whole milliseconds and takes 0 for "never", so less than 1 ms is refused. */
const requestTimeout = numberFlag(
  "--request-timeout",
  `a number of seconds from 0.001 to ${MAX_SECONDS}`,
  (n) => Number.isFinite(n) && n >= 0.001 && n <= MAX_SECONDS,
);

function port(text: string): number {
  const n = decimalInteger(text);
  if (Number.isNaN(n) || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${text}"`);
  return n;
}

/**
 * Lets a command that writes a file or a folder take both spellings, `--output` and `--out` (`export`
 * had one, `report` and the bench commands the other): `shown` is in the help, which says "(or
 * --other)", and the other is accepted as the same. A `shown` declared with `requiredOption` stays
 * required, satisfied by either spelling: Commander would otherwise refuse `--output DIR` alone as
 * missing `--out`, since it checks mandatory options before any hook runs.
 */
function acceptBothOutputSpellings(command: Command, shown: "out" | "output"): Command {
  const other = shown === "out" ? "output" : "out";
  const option = command.options.find((o) => o.attributeName() === shown);
  if (!option) throw new Error(`${command.name()} has no --${shown} option`);
  const placeholder = /<[^>]+>/.exec(option.flags)?.[0] ?? "<file>";
  const what = placeholder === "<dir>" ? "folder" : "file";
  const required = option.mandatory;
  option.mandatory = false;
  option.description = `${option.description} (or --${other})`;
  return command.addOption(new Option(`--${other} ${placeholder}`).hideHelp()).hook("preAction", (self) => {
    const alias = self.getOptionValue(other) as string | undefined;
    const given = self.getOptionValue(shown) as string | undefined;
    if (alias === undefined) {
      if (required && given === undefined) throw new UsageError(`required option '${option.flags}' not specified (or --${other} ${placeholder})`);
      return;
    }
    if (given !== undefined && given !== alias) throw new UsageError(`--out and --output name the same ${what}; give one, not "${given}" and "${alias}"`);
    self.setOptionValue(shown, alias);
  });
}

/** `--storage`: a URL the storage layer would refuse before connecting is a usage error, like any bad flag value. */
function storageFlag(text: string): string {
  return urlFlag("--storage")(text);
}

/** A storage URL flag named `flag`, checked as {@link storageFlag} checks `--storage`. */
function urlFlag(flag: string): (text: string) => string {
  return (text) => {
    const problem = storageUrlProblem(text);
    if (problem !== null) throw new UsageError(`${flag}: ${problem}`);
    return text;
  };
}

/**
 * Whether the command of `tune` or `create` came after `--`: commander hands over the command line
 * from the command's first word on, verbatim, so the word before it in `argv` (as parsed) says.
 */
function commandAfterSeparator(argv: readonly string[], commandArgs: readonly string[]): boolean {
  const at = argv.length - commandArgs.length;
  return at > 0 && argv[at - 1] === "--";
}

/** Warns when the command's arguments hold this command's own long options (see {@link flagsAfterCommandWarning}). */
async function warnOfFlagsAfterCommand(command: Command, argv: readonly string[], commandArgs: readonly string[], io: Io): Promise<void> {
  if (commandArgs.length === 0 || commandAfterSeparator(argv, commandArgs)) return;
  const longOptions = command.options.map((option) => option.long).filter((long): long is string => long !== undefined);
  const warning = (await import("./tune.js")).flagsAfterCommandWarning(command.name(), commandArgs, longOptions);
  if (warning !== null) io.err(warning);
}

/** A trial number argument (repeatable), checked as a numeric flag is. */
function trialNumbers(text: string, previous: number[] | undefined): number[] {
  const n = decimalInteger(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`a trial number must be a whole number ≥ 0, got "${text}"`);
  return [...(previous ?? []), n];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const DEBUG_HELP = "on an error, print its stack trace and causes (also SEXTANT_DEBUG=1)";

/** The storage URLs openStorage reads: the help listed neither Optuna's sqlite:/// spellings nor postgresql://. */
const SQLITE_URLS = "sqlite:PATH (also sqlite:///relative.db and sqlite:////absolute.db, as Optuna writes them)";
const POSTGRES_URLS = "postgres:// or postgresql://USER@HOST:PORT/DB[?schema=NAME]";
const STORAGE_DEFAULT = "(default: $SEXTANT_STORAGE, else sqlite:./sextant.db)";
const STORAGE_HELP = `storage URL: ${SQLITE_URLS}; ${POSTGRES_URLS}; or memory: ${STORAGE_DEFAULT}`;
/** For commands that need a storage other processes share or wrote before: memory: lives in one process only. */
const STORAGE_HELP_WITHOUT_MEMORY = `storage URL: ${SQLITE_URLS}; or ${POSTGRES_URLS} ${STORAGE_DEFAULT}`;

/** What a run shares with the commands' actions: the exit code they set, and the arguments parsed. */
interface RunState {
  code: number;
  argv: readonly string[];
}

function buildProgram(io: Io, result: RunState): Command {
  const program = new Command("sextant")
    .description("Hyperparameter and black-box optimization for any program")
    .version(packageVersion(), "-V, --version", "print the version")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`sextant: ${s.replace(/^error: /, "")}`),
    })
    .option("--debug", DEBUG_HELP)
    .exitOverride();
  program.addHelpText(
    "after",
    `
Examples:
  $ sextant tune --config examples/quickstart/sextant.yaml
  $ sextant tune --param x=float:-5:5 --param y=int:-3:3 --trials 50 -- node objective.mjs --x {x} --y {y}
  $ sextant studies
  $ sextant best quickstart
  $ sextant export quickstart --format csv --output trials.csv
  $ sextant copy quickstart --from-storage sqlite:./sextant.db --to-storage postgres://me@db:5432/sextant
  $ sextant samplers tpe
  $ sextant serve --storage sqlite:./sextant.db --port 8080
  $ sextant bench run --suite smoke --optimizers auto,tpe,random --trials 50 --seeds 3 --out lab

Run "sextant help <command>" for a command's flags and examples.

Exit codes:
  0      success
  1      a failure while running: no such study, storage trouble, a file that cannot be
         written, a refused deletion, a trial fail-trial left as it was (not running,
         or its process alive),
         a trial requeue refused (running or waiting),
         every trial of a tune or worker failed, failed bench runs
  2      a usage error: unknown command or option, a missing or bad argument or option value,
         conflicting flags, a bad config file or SEXTANT_STORAGE
  128+N  tune, worker, create, copy, import, bench run and bench tune stopped by
         signal N (130 for Ctrl-C, 143 for SIGTERM, 131 for Ctrl-\\);
         serve and dashboard stopped by Ctrl-C, SIGTERM or SIGHUP exit 0, and by
         Ctrl-\\ (SIGQUIT, which cuts off the requests under way) 131`,
  );

  // What defines a study's search, shared by `tune` and `create`.
  const definitionOptions = (command: Command): Command =>
    command
      .option("-c, --config <file>", "YAML or JSON config file (flags override it)")
      .option("-p, --param <name=spec>", "a parameter: float:LOW:HIGH[:log][:step=S], int:LOW:HIGH[:log][:step=S], cat:A,B,C (repeatable)", collect)
      .option("-d, --direction <dir>", "minimize or maximize; repeat or comma-separate for several objectives", collect)
      .option("--enqueue <name=value,...>", "run a trial at these values first, e.g. lr=0.001,depth=4 (repeatable; skipped if the study already has one there)", collect);

  definitionOptions(
    program
      .command("tune")
      .description("tune a command: run it once per trial with suggested parameters and minimize (or maximize) what it reports")
      .argument("[command...]", "the command to run, after --; {name} is replaced by parameter name's value"),
  )
    .option("-n, --trials <n>", `trials to run in this invocation (default ${100} unless --timeout is given); the run that creates a study stops when the study has this many, counting trials other processes run on it meanwhile`, positiveInt("--trials"))
    .option("-j, --jobs <n>", "commands run at the same time (default 1)", positiveInt("--jobs"))
    .option("--timeout <seconds>", "start no new trial after this many seconds (a Ctrl-Z pause does not count)", seconds("--timeout"))
    .option("--trial-timeout <seconds>", "stop a command and fail its trial after this many seconds of running (a Ctrl-Z pause does not count)", seconds("--trial-timeout"))
    .option("--kill-grace <seconds>", "seconds between SIGTERM and SIGKILL when stopping a command (default 5; a Ctrl-Z pause does not count)", seconds("--kill-grace", true))
    .option(
      "--max-initial-failures <n>",
      `start no new trial once the run's first N trials have all failed the same way, same reason and same stderr (a mistyped script, a missing module; default ${DEFAULT_MAX_INITIAL_FAILURES}; 0 never stops)`,
      nonNegativeInt("--max-initial-failures"),
    )
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("-s, --study <name>", "study name (default: the config's study:, else the config file's name or the command's script, plus a hash of the command; rerun to resume)")
    .option("--sampler <name>", `sampler: ${samplerNames().join(", ")} (default "auto")`)
    .option("--sampler-opt <key=value>", 'a sampler option, e.g. n_startup_trials=5 (repeatable; "sextant samplers" lists them)', collect)
    .option("--pruner <name>", `pruner: ${prunerNames().join(", ")} (default none)`)
    .option("--pruner-opt <key=value>", 'a pruner option, e.g. n_warmup_steps=3 (repeatable; "sextant pruners" lists them)', collect)
    .option("--scheduler <name>", `population-based training: ${schedulerNames().join(", ")} (default none); each segment of each member is a trial`)
    .option("--scheduler-opt <key=value>", "a scheduler option, e.g. population=8, segments=10, segment_steps=5, checkpoint_dir=DIR (repeatable)", collect)
    .option("--seed <n>", "seed for the sampler (and the scheduler, and a pruner that draws: curve)", integer("--seed"))
    .option("--warm-start <study>", "learn from an earlier study's trials in the same storage (TPE, GP, auto; repeatable)", collect)
    .option("--cwd <dir>", "working directory of the command (default: the config file's folder, else the current one)")
    .option("--json", "print a JSON summary on stdout instead of tables")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "show each command's output, and the stderr of failed trials")
    .passThroughOptions()
    .addHelpText(
      "after",
      `
The command runs without a shell. Parameters reach it as whole arguments ({name},
also inside an argument: --lr={lr}), as environment variables SEXTANT_PARAM_<NAME>
(with SEXTANT_TRIAL_NUMBER, SEXTANT_STUDY) and as a JSON file named by
SEXTANT_PARAMS_FILE. It reports on stdout:
  sextant: {"step": 3, "value": 0.41}     an intermediate value (pruners judge these)
  sextant: {"value": 0.93}                the result ({"values": [..]} for several objectives)
or just prints the result as a number on its last line. A non-zero exit, a signal,
no value or a non-finite value fails the trial; the study goes on.

Examples:
  $ sextant tune --config examples/quickstart/sextant.yaml
  $ sextant tune --param lr=float:1e-5:1e-1:log --param depth=int:2:10 --trials 40 --jobs 4 \\
      -- python train.py --lr {lr} --depth {depth}
  $ sextant tune -p x=float:0:1:step=0.1 -p booster=cat:gbtree,dart --direction maximize \\
      --trial-timeout 600 --pruner median --study xgb -- ./run.sh --booster={booster} {x}
  $ sextant tune -p a=float:0:1 --direction minimize,maximize -- node pareto.mjs {a}
  $ sextant tune -p lr=float:1e-5:1e-1:log --study lr-june --warm-start lr-may -- python train.py --lr {lr}
  $ sextant tune -p lr=float:1e-5:1e-1:log -p depth=int:2:10 --enqueue lr=0.001,depth=6 -- python train.py --lr {lr} --depth {depth}

With --scheduler pbt or pb2 the study trains a population: each trial is one segment
of one member, and the command also gets SEXTANT_CHECKPOINT_DIR (an empty folder to save
its checkpoint in), SEXTANT_RESTORE_FROM (the folder to load, unset for a first segment;
read it only: it is another segment's saved checkpoint, which other members may load too),
SEXTANT_MEMBER, SEXTANT_SEGMENT, and the steps to train, SEXTANT_START_STEP to
SEXTANT_END_STEP (exclusive). Checkpoints live next to the SQLite file
(DB-checkpoints/STUDY) unless checkpoint_dir says otherwise; keep_checkpoints=latest
deletes each one no segment can start from again (each member's newest and the best stay).
  $ sextant tune --scheduler pbt --scheduler-opt population=8 --scheduler-opt segments=20 \\
      --scheduler-opt segment_steps=5 -p lr=float:1e-4:1:log --direction maximize -- node train.mjs

Sampler and pruner options may be spelled n_startup_trials, n-startup-trials or
nStartupTrials; "sextant samplers" and "sextant pruners" list each one's options with
types and defaults, and an unknown option is refused with the valid ones.

Rerunning the same tune (same --study, or same config/command) resumes the study.
Ctrl-C, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) start no new trials,
stop running commands (SIGTERM, then SIGKILL after --kill-grace) and mark their trials failed
("interrupted"); the exit code is 128 + the signal's number. If sextant tune is killed outright
(SIGKILL, out of memory), a watchdog process it started stops the commands within the same grace period,
and the next run marks their trials failed.`,
    )
    .action(async (commandArgs: string[], flags: TuneFlags, command: Command) => {
      await warnOfFlagsAfterCommand(command, result.argv, commandArgs, io);
      result.code = await (await import("./tune.js")).tuneCommand(flags, commandArgs, io);
    });

  // The listings of registered components: same shape, one per kind.
  const listings: Array<{ name: string; description: string; argument: string; examples: string[]; list: typeof listSamplersCommand }> = [
    {
      name: "samplers",
      description: "list the samplers and their options (types, defaults, descriptions)",
      argument: "only this sampler",
      examples: ["sextant samplers", "sextant samplers tpe", "sextant samplers --json | jq '.[] | .name'"],
      list: listSamplersCommand,
    },
    {
      name: "pruners",
      description: "list the pruners and their options (types, defaults, descriptions)",
      argument: "only this pruner",
      examples: ["sextant pruners", "sextant pruners median --json"],
      list: listPrunersCommand,
    },
    {
      name: "schedulers",
      description: "list the population-based schedulers (--scheduler) and their options (types, defaults, descriptions)",
      argument: "only this scheduler",
      examples: ["sextant schedulers", "sextant schedulers pb2 --json"],
      list: listSchedulersCommand,
    },
  ];
  for (const listing of listings) {
    program
      .command(listing.name)
      .description(listing.description)
      .argument("[name]", listing.argument)
      .option("--json", "print JSON")
      .addHelpText("after", `\nExamples:\n${listing.examples.map((example) => `  $ ${example}`).join("\n")}`)
      .action(async (name: string | undefined, flags: { json?: boolean }) => {
        result.code = await listing.list(name, flags, io);
      });
  }

  program
    .command("problems")
    .description("list the benchmark lab's problems: dimension, known optimum (or reference value) and tags")
    .argument("[name]", "only this problem, with its search space and where its optimum is")
    .option("--tag <tag>", `only problems with this tag (repeatable; ${PROBLEM_TAGS.join(", ")})`, collect)
    .option("--seed <n>", "show the random instance for this seed (optimum moved, rotated, permuted)", nonNegativeInt("--seed"))
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant problems --tag noisy
  $ sextant problems rastrigin-10d --seed 3
  $ sextant problems --tag surrogate
  $ sextant problems yahpo-lcbench-3945
  $ sextant problems --tag mixed --tag conditional --json | jq '.[].name'`,
    )
    .action(async (name: string | undefined, flags: ProblemsFlags) => {
      result.code = await (await import("./problems.js")).listProblemsCommand(name, flags, io);
    });

  const bench = program
    .command("bench")
    .description("the benchmark lab: run optimizers on problem suites, report with statistics")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench suites
  $ sextant bench run --suite smoke --optimizers auto,tpe,random,optuna-tpe --trials 50 --seeds 3 --out lab
  $ sextant bench report lab --out lab/report.md`,
    );
  bench
    .command("run")
    .description("run every optimizer on every problem for every seed, resumably (rerun to continue after a crash)")
    .requiredOption("--suite <names>", "suites (dev, test, smoke, samplers, pruning, multiobjective, surrogates-heldout; `sextant bench suites` lists them) and/or problem names, comma-separated")
    .option("--optimizers <list>", "comma-separated: Sextant samplers with options (tpe:multivariate=false), Optuna references (optuna-tpe, optuna-tpe-mv, optuna-random, optuna-qmc, optuna-cmaes, optuna-nsga2, optuna-motpe), each optionally +PRUNER (tpe+asha, optuna-tpe+optuna-hyperband); default: the suite's own (bench suites lists them)")
    .requiredOption("-n, --trials <n>", "trials per run, the same budget for every optimizer", positiveInt("--trials"))
    .option("--seeds <seeds>", "a count N (0…N−1), a range A-B, or a list A,B,C; each seed picks the instance and seeds the optimizer", "3")
    .requiredOption("-o, --out <dir>", "directory for results.jsonl and run.json")
    .option("-j, --jobs <n>", "worker processes (default: all cores)", positiveInt("--jobs"))
    .option("--json", "print a JSON summary")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench run --suite test --optimizers auto,tpe,gp,cmaes,random,sobol,optuna-tpe,optuna-tpe-mv --trials 300 --seeds 3 --out lab-test
  $ sextant bench run --suite branin-2d,hartmann6-6d --optimizers "tpe,tpe:multivariate=false" --trials 100 --seeds 100-109 --out lab-mv --jobs 2
  $ sextant bench run --suite pruning --trials 40 --seeds 5 --out lab-pruning     # budget: 40 full trials' worth of steps
  $ sextant bench run --suite multiobjective --trials 200 --seeds 5 --out lab-mo  # regret: hypervolume regret`,
    )
    .action(async (flags: BenchRunFlags) => {
      result.code = await (await import("./bench.js")).benchRunCommand(flags, io);
    });
  acceptBothOutputSpellings(bench.commands.at(-1)!, "out");
  bench
    .command("report")
    .description("write a Markdown report with JSON data and SVG figures from a run directory")
    .argument("<dir>", "the --out directory of `sextant bench run`")
    .option("-o, --out <file>", "the Markdown file (default DIR/report.md), its figures in a folder beside it")
    .option("--budgets <list>", "trial counts to report at (default: 10, 30, 100, 300, 1000 up to the run's budget, and the budget)")
    .option("--title <text>", "the report's title")
    .option("--command <text>", "the command that produced the run, quoted in the report so readers can reproduce it")
    .option("--optimizers <list>", "report on these optimizers of the run only (e.g. those that finished)")
    .option("--focus <optimizer>", "the optimizer the head-to-head and per-group sections compare with the others (default: auto, when the run has it)")
    .option("--json", "print the written paths as JSON; with -o -, the report's data (DIR/report.json) instead of its Markdown")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench report lab-test
  $ sextant bench report lab-test --out docs/benchmarks.md --budgets 30,100,300
  $ sextant bench report lab-test -o - | less    # the Markdown on stdout, its data and figures in lab-test
  $ sextant bench report lab-test -o - --json | jq .budgets   # the data instead of the Markdown
  $ sextant bench report lab-dev --focus tpe:multivariate=false`,
    )
    .action(async (dir: string, flags: { out?: string; budgets?: string; title?: string; command?: string; optimizers?: string; focus?: string; json?: boolean }) => {
      result.code = await (await import("./bench.js")).benchReportCommand(dir, flags, io);
    });
  acceptBothOutputSpellings(bench.commands.at(-1)!, "out");
  bench
    .command("suites")
    .description("list the named problem suites (dev and test are the carps split) and the optimizers bench run uses on each by default")
    .argument("[name]", "only this suite's problems")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench suites
  $ sextant bench suites test --json   # [{ "name", "problems", "defaultOptimizers" }]`,
    )
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      result.code = await (await import("./bench.js")).benchSuitesCommand(name, flags, io);
    });
  bench
    .command("tune")
    .description("choose among configurations on tuning seeds, then report the choice on disjoint test seeds (Eimer et al. 2023), optionally on other problems (dev → test)")
    .requiredOption("--suite <names>", "problems to tune on (e.g. dev)")
    .option("--test-suite <names>", "problems to test on, disjoint from --suite (e.g. test); default: the --suite problems")
    .requiredOption("--candidates <list>", "comma-separated optimizer specs to choose from (tpe,tpe:multivariate=false)")
    .requiredOption("-n, --trials <n>", "trials per run", positiveInt("--trials"))
    .option("--tuning-seeds <seeds>", "seeds the choice is made on", "0-2")
    .option("--test-seeds <seeds>", "seeds the choice is reported on, disjoint from --tuning-seeds", "100-102")
    .requiredOption("-o, --out <dir>", "directory for the tuning and test runs, which resume from it")
    .option("-j, --jobs <n>", "worker processes (default 1)", positiveInt("--jobs"))
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench tune --suite dev --test-suite test --candidates "tpe,tpe:multivariate=false" --trials 50 --out tune-mv`,
    )
    .action(async (flags: BenchTuneFlags) => {
      result.code = await (await import("./bench.js")).benchTuneCommand(flags, io);
    });
  acceptBothOutputSpellings(bench.commands.at(-1)!, "out");
  bench
    .command("defaults")
    .description("the configuration with the best mean normalized score over all problems of a run, and its loss against tuning per problem")
    .argument("<dir>", "the --out directory of `sextant bench run`")
    .requiredOption("--candidates <list>", "optimizer labels of the run to choose from, two or more, comma-separated")
    .option("--budget <n>", "trials to compare at (default: the run's budget)", positiveInt("--budget"))
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench defaults lab-dev --candidates "tpe,tpe:gamma_beta=0.1,tpe:multivariate=false" --budget 100`,
    )
    .action(async (dir: string, flags: { candidates: string; budget?: number; json?: boolean }) => {
      result.code = await (await import("./bench.js")).benchDefaultsCommand(dir, flags, io);
    });
  bench
    .command("subset")
    .description("carps: the problems of a run whose performance under reference optimizers is most representative (smallest star discrepancy); with --test, a disjoint dev/test split")
    .argument("<dir>", "the --out directory of `sextant bench run`")
    .requiredOption("--references <list>", "optimizer labels of the run whose performance places each problem")
    .requiredOption("--size <k>", "problems in the subset (the dev side with --test)", positiveInt("--size"))
    .option("--test <m>", "also choose a test subset of m problems, disjoint from the dev one", positiveInt("--test"))
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant bench subset split-run --references optuna-random,optuna-tpe,optuna-cmaes --size 10
  $ sextant bench subset split-run --references optuna-random,optuna-tpe,optuna-cmaes --size 24 --test 16`,
    )
    .action(async (dir: string, flags: { references: string; size: number; test?: number; json?: boolean }) => {
      result.code = await (await import("./bench.js")).benchSubsetCommand(dir, flags, io);
    });

  /** A command that serves the HTTP API (`serve`, `dashboard`): where, for whom, and its timing. */
  const serverCommand = (name: string, description: string, tokenHelp: string, storageHelp = STORAGE_HELP): Command =>
    program
      .command(name)
      .description(description)
      .option("--storage <url>", storageHelp, storageFlag)
      .option("--host <address>", "address to listen on; anything but loopback requires a token (default 127.0.0.1)")
      .option("--port <n>", "port to listen on, 0 for any free one (default 8080)", port)
      .option("--token <token>", tokenHelp)
      .option(
        "--heartbeat-grace <seconds>",
        "a trial whose client beats and then stays silent this long is failed and queued again (default 60; clients beat at least twice as often)",
        seconds("--heartbeat-grace"),
      )
      .option("--request-timeout <seconds>", "a request not received whole in this time gets 408 and its connection is closed (default 30)", requestTimeout);

  const recoveryOptions = (command: Command): Command =>
    command
      .option("--heartbeat-interval <seconds>", "seconds between a worker's heartbeats for its running trials (default 5)", seconds("--heartbeat-interval"))
      .option(
        "--heartbeat-grace <seconds>",
        "a running trial with no heartbeat for this long is failed and queued again (default 60; at least 2 intervals)",
        seconds("--heartbeat-grace"),
      )
      .option("--max-retries <n>", "times a trial failed for lack of heartbeats is queued again (default 3)", nonNegativeInt("--max-retries"));

  recoveryOptions(
    definitionOptions(
      program
        .command("create")
        .description("create a study from a config and/or flags without running trials; then start workers on it")
        .argument("[command...]", "the command to run per trial, after --; {name} is replaced by parameter name's value; leave it out (and give --study) for a study whose trials clients of sextant serve run"),
    )
      .option("-n, --trials <n>", "trials the whole study runs, over all workers (default 100 unless --timeout is given)", positiveInt("--trials"))
      .option("--timeout <seconds>", "workers start no new trial this many seconds after creation", seconds("--timeout"))
      .option("--trial-timeout <seconds>", "stop a command and fail its trial after this many seconds of running (a Ctrl-Z pause does not count)", seconds("--trial-timeout"))
      .option("--kill-grace <seconds>", "seconds between SIGTERM and SIGKILL when stopping a command (default 5; a Ctrl-Z pause does not count)", seconds("--kill-grace", true))
      .option("--storage <url>", STORAGE_HELP_WITHOUT_MEMORY, storageFlag)
      .option("-s, --study <name>", "study name (default: the config's study:, else the config file's name or the command's script, plus a hash of the command)")
      .option("--sampler <name>", `sampler: ${samplerNames().join(", ")} (default "auto")`)
      .option("--sampler-opt <key=value>", "a sampler option (repeatable)", collect)
      .option("--pruner <name>", `pruner: ${prunerNames().join(", ")} (default none)`)
      .option("--pruner-opt <key=value>", "a pruner option (repeatable)", collect)
      .option("--scheduler <name>", `population-based training: ${schedulerNames().join(", ")} (default none); queues the first segment of every member instead of --trials`)
      .option("--scheduler-opt <key=value>", 'a scheduler option, e.g. population=8 (repeatable; "sextant schedulers" lists them)', collect),
  )
    .option("--seed <n>", "seed for the sampler (and a pruner that draws: curve)", integer("--seed"))
    .option("--warm-start <study>", "learn from an earlier study's trials in the same storage, in every worker (TPE, GP, auto; repeatable)", collect)
    .option("--cwd <dir>", "working directory of the command (default: the config file's folder, else the current one)")
    .option("--json", "print the created study as JSON")
    .addOption(new Option("-q, --quiet", "print nothing when the study is created (errors and warnings still go to stderr)").conflicts("json"))
    .passThroughOptions()
    .addHelpText(
      "after",
      `
The study keeps its command, space and settings, so workers need only the storage URL and the
study name. Its --trials are queued in the study: workers claim them one at a time, so any number
of workers together run exactly that many; so do the library's ask() and optimize and the HTTP
service's ask, which say when the budget is used up. With --scheduler pbt or pb2 the first segment of every
member is queued instead, and workers queue each member's next segment as one ends, until every
member has trained its segments (the scheduler's seed is fixed here, so all workers decide alike).
With --quiet it prints nothing on success, for scripts; --json prints the study as JSON.
Without a command the study is for clients of the HTTP service (sextant serve and the Python
client), which ask for its trials within its budget; sextant worker refuses it until a
sextant tune on it gives it a command.

Examples:
  $ sextant create --config sextant.yaml --storage postgres://tuner@db:5432/sextant --study fleet --trials 500
  $ sextant create --storage sqlite:./runs.db --study quad --trials 40 -p x=float:-5:5 -- node objective.mjs {x}
  $ sextant worker --storage sqlite:./runs.db --study quad --jobs 2      # then, on each machine
  $ sextant create --storage sqlite:./runs.db --study remote --trials 40 -p lr=float:1e-4:1:log
  $ sextant serve --storage sqlite:./runs.db       # then Python clients ask for study remote's trials
  $ sextant create --storage sqlite:./runs.db --study quad-june --trials 40 --warm-start quad \\
      -p x=float:-5:5 -- node objective.mjs {x}          # its workers learn from study quad
  $ sextant create --storage sqlite:./runs.db --study pop --scheduler pbt --scheduler-opt population=8 \\
      --scheduler-opt segments=20 --scheduler-opt segment_steps=5 -p lr=float:1e-4:1:log -- node train.mjs`,
    )
    .action(async (commandArgs: string[], flags: CreateFlags, command: Command) => {
      await warnOfFlagsAfterCommand(command, result.argv, commandArgs, io);
      result.code = await (await import("./worker.js")).createCommand(flags, commandArgs, io);
    });

  recoveryOptions(
    program
      .command("worker")
      .description("join a study made by create or tune and run its trials until its budget is spent")
      .option("--storage <url>", STORAGE_HELP_WITHOUT_MEMORY, storageFlag)
      .option("-s, --study <name>", "the study to join (required)")
      .option("-n, --trials <n>", "run at most this many trials in this worker", positiveInt("--trials"))
      .option("-j, --jobs <n>", "commands this worker runs at the same time (default 1)", positiveInt("--jobs")),
  )
    .option(
      "--max-initial-failures <n>",
      `start no new trial once this worker's first N trials have all failed the same way, same reason and same stderr (a mistyped script, a module missing on this machine; default ${DEFAULT_MAX_INITIAL_FAILURES}; 0 never stops)`,
      nonNegativeInt("--max-initial-failures"),
    )
    .option("--cwd <dir>", "working directory of the command on this machine (default: the one stored with the study)")
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "show each command's output, and the stderr of failed trials")
    .addHelpText(
      "after",
      `
Start any number of workers, on any machines that reach the storage. Each stops when the study's
budget (its trials, or its deadline) is spent. A worker beats for its running trials from a
separate thread; a trial whose worker stops beating for longer than the grace (killed, machine
lost) is failed and queued again with the same parameters (systemAttrs.retryOf names it).
Heartbeat and retry flags default to what the study was created with; a worker's
--heartbeat-grace may be longer than the study's but not shorter, and its
--heartbeat-interval at most half the study's grace, or it would fail the live
trials of other workers and HTTP clients, which beat for the study's grace.

Examples:
  $ sextant worker --storage sqlite:./runs.db --study quad
  $ sextant worker --storage postgres://tuner@db:5432/sextant --study fleet --jobs 4
  $ sextant worker --storage "$SEXTANT_STORAGE" --study fleet --trials 10 --json`,
    )
    .action(async (flags: WorkerFlags) => {
      result.code = await (await import("./worker.js")).workerCommand(flags, io);
    });

  program
    .command("studies")
    .description("list the studies in a storage")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant studies
  $ sextant studies --storage sqlite:./runs/sextant.db --json`,
    )
    .action(async (flags: { storage?: string; json?: boolean }) => {
      result.code = await (await import("./inspect.js")).listStudiesCommand(flags, io);
    });

  program
    .command("trials")
    .description("list the trials of a study")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("--state <states>", "only trials in these states (comma-separated: waiting,running,complete,pruned,failed)")
    .option("--limit <n>", "only the last n trials", positiveInt("--limit"))
    .option("--json", "print JSON (all fields, including stderr tails of failed trials)")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant trials quickstart
  $ sextant trials quickstart --state failed --limit 5
  $ sextant trials quickstart --json | jq '.[0].params'`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean; state?: string; limit?: number }) => {
      result.code = await (await import("./inspect.js")).listTrialsCommand(study, flags, io);
    });

  program
    .command("best")
    .description("show the best trial (or the Pareto front of a multi-objective study)")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant best quickstart
  $ sextant best quickstart --json | jq .best.params`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean }) => {
      result.code = await (await import("./inspect.js")).bestCommand(study, flags, io);
    });

  program
    .command("importance")
    .description("show which parameters matter most, and the sign of their effect")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .addOption(new Option("--method <method>", "fanova (random forest, whole space) or ped-anova (fast; the best 10% of trials)").choices(["fanova", "ped-anova"]))
    .option("--params <names>", "only these parameters (comma-separated)")
    .option("--objective <i>", "which objective of a multi-objective study, from 0 (default 0)", nonNegativeInt("--objective"))
    .option("--seed <n>", "seed of fANOVA's random forest (default 0)", integer("--seed"))
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Importance is each parameter's share (summing to 1) of how much the objective varies
(fanova) or of how the best trials differ from the rest (ped-anova). The effect
column is the Spearman correlation of the parameter with the objective.

Examples:
  $ sextant importance quickstart
  $ sextant importance quickstart --method ped-anova --json | jq '.params[0]'`,
    )
    .action(async (study: string, flags: ImportanceFlags) => {
      result.code = await (await import("./importance.js")).importanceCommand(study, flags, io);
    });

  program
    .command("export")
    .description("export a study's trials, one row per trial")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .addOption(new Option("--format <format>", "csv or json (default csv; in CSV, text that starts with = + - @ gets a leading ' so that a spreadsheet shows it rather than runs it; JSON keeps it as it is)").choices(["csv", "json"]))
    .option("-o, --output <file>", "write to a file instead of stdout (- is stdout)")
    .option("--json", "same as --format json")
    .option("--lineage", "print the schedule and lineage of every member of a population (PBT, PB2) instead: a table per member, or one row per segment with --format csv (JSON with --json)")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant export quickstart > trials.csv
  $ sextant export quickstart --format json --output trials.json
  $ sextant export pbt-demo --lineage           # a table per member: segments, parent, copied member, hyperparameters, value
  $ sextant export pbt-demo --lineage --json
  $ sextant export pbt-demo --lineage --format csv > lineage.csv   # one row per segment, with its checkpoints`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean; format?: string; output?: string; lineage?: boolean }) => {
      result.code = await (await import("./inspect.js")).exportCommand(study, flags, io);
    });
  acceptBothOutputSpellings(program.commands.at(-1)!, "output");

  program
    .command("copy")
    .description("copy a study with all its trials, or an online tuner, to another storage")
    .argument("<study>", "study name (or online tuner name)")
    .option("--from-storage <url>", "the storage that holds the study (required)", urlFlag("--from-storage"))
    .option("--to-storage <url>", "the storage to copy it into (required)", urlFlag("--to-storage"))
    .option("--to-study <name>", "its name there (default: the same name)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Finished trials keep their numbers and results; waiting trials stay queued; running
trials are copied as failed (their workers report to the old storage) and queued
again after the copied trials (retryOf), so a queued budget still runs in full and
no running work is dropped. A study that already exists in the target is refused.
Until the last trial is written the new study is half-made: workers, tune and ask
refuse it. Stopped with Ctrl-C, the copy deletes what it wrote and exits 130: run
the same command again. Killed (SIGKILL), it leaves the half-made study: delete it
(sextant delete STUDY --storage URL --yes) and copy again.

An online tuner is copied with its settings and everything it has learned, in one
write: sextant online choose/observe go on with the copy as with the original (same
costs, same choices). A value waiting for its cost waits in the copy too (its next
choose returns it); from then on the two learn apart. The original is left as it is.

Examples:
  $ sextant copy lr-search --from-storage sqlite:./sextant.db --to-storage postgres://me@db:5432/sextant
  $ sextant copy lr-search --from-storage sqlite:./sextant.db --to-storage sqlite:./sextant.db --to-study lr-search-backup
  $ sextant copy sor --from-storage sqlite:./sextant.db --to-storage postgres://me@db:5432/sextant   # an online tuner`,
    )
    .action(async (study: string, flags: { fromStorage?: string; toStorage?: string; toStudy?: string; json?: boolean }) => {
      result.code = await (await import("./transfer.js")).copyCommand(study, flags, io);
    });

  program
    .command("import")
    .description("import a study from the JSON file sextant export --format json wrote")
    .argument("<file>", "the exported JSON file")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("--study <name>", "the study's name in the storage (default: the name in the file)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Reads the JSON that sextant export --format json writes (not its CSV), of this
version or an older one; a field it does not read (a newer Sextant's) is refused,
not dropped. Trials keep their numbers and results; waiting trials stay queued; trials running when
the study was exported are written as failed, and queued again (retryOf). A name
already taken is refused: give --study NAME. Until its last trial is written the
study is half-made (workers refuse it). Stopped with Ctrl-C, the import deletes
what it wrote and exits 130.

Examples:
  $ sextant export lr-search --format json --output lr-search.json
  $ sextant import lr-search.json --storage sqlite:./team.db
  $ sextant import lr-search.json --study lr-search-ana`,
    )
    .action(async (file: string, flags: { storage?: string; study?: string; json?: boolean }) => {
      result.code = await (await import("./transfer.js")).importCommand(file, flags, io);
    });

  program
    .command("delete")
    .description("delete a study and its trials")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant delete old-study          # asks for confirmation
  $ sextant delete old-study --yes`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean; yes?: boolean }) => {
      result.code = await (await import("./inspect.js")).deleteCommand(study, flags, io);
    });

  /** `sextant NAME STUDY NUMBER... [--storage URL]`: a command that acts on trials named by number. */
  const namedTrialsCommand = (name: string, description: string, numbersHelp: string): Command =>
    program
      .command(name)
      .description(description)
      .argument("<study>", "study name")
      .argument("<number...>", numbersHelp, trialNumbers)
      .option("--storage <url>", STORAGE_HELP_WITHOUT_MEMORY, storageFlag);

  namedTrialsCommand(
    "fail-trial",
    "fail running trials whose process is gone (no reaper fails them), and optionally queue their parameters again",
    "the numbers of the trials to fail (sextant trials STUDY --state running lists them)",
  )
    .option("--requeue", "queue each failed trial's parameters again, as a retry (systemAttrs.retryOf, retryCount)")
    .option("--reason <text>", `the failReason to record (default "${FAILED_BY_HAND_REASON}")`)
    .option("--force", "fail a trial even though its process looks alive (it beat within its heartbeat grace)")
    .option("--json", "print JSON: the outcome of each trial")
    .addHelpText(
      "after",
      `
A trial run with heartbeats (the default for sextant worker, tune and optimize) is
failed and queued again by the reapers once its process goes silent. One run with
heartbeat: false is never reaped: when its process dies on another machine, it stays
running until failed here. Each trial is failed by compare-and-set from running: a
trial that finishes meanwhile is left as it is, and so is one that is not running
(both said on stderr). If the process was alive after all, it warns when it tells.
--requeue queues the same parameters again (whatever --max-retries allows: asking by
hand is the decision), and the next worker or ask runs them. A trial failed without
--requeue can be queued again later with sextant requeue.
A trial whose process visibly beats (its last heartbeat is newer than the grace the
study's reapers would wait for it: the longer of its own and the study's) is refused,
saying when it last beat: failing it would lose its result.
Stop that process, or pass --force. Trials run with heartbeat: false are not judged,
nor is one whose process ran on this machine and is gone (killed with SIGKILL, say).

Exit code 0 when every trial named was failed, 1 when any was not.

Examples:
  $ sextant trials fleet --state running
  $ sextant fail-trial fleet 7
  $ sextant fail-trial fleet 7 9 12 --requeue --storage postgres://tuner@db:5432/sextant
  $ sextant fail-trial fleet 7 --requeue --reason "node lost in the power cut" --json`,
    )
    .action(async (study: string, numbers: number[], flags: FailTrialFlags) => {
      result.code = await (await import("./fail-trial.js")).failTrialCommand(study, numbers, flags, io);
    });

  namedTrialsCommand(
    "requeue",
    "queue the parameters of finished trials again (a flaky failure, retries run out, a trial to run again)",
    "the numbers of the trials to queue again (sextant trials STUDY lists them)",
  )
    .option("--json", "print JSON: the outcome of each trial")
    .addHelpText(
      "after",
      `
Queues each trial's parameters again as a retry of it (systemAttrs.retryOf, retryCount
one more; a population's segment is queued as the same segment), whatever
--max-retries allows: asking by hand is the decision. The next worker or ask runs
them. A trial can be failed, pruned or complete; one that is running or waiting is
refused with its state (fail a running trial whose process is gone with fail-trial
--requeue). A trial whose parameters wait in the queue already, not yet run, is not
queued twice: the command says which queued trial holds them.

Exit code 0 when every trial named was queued again (or already was), 1 when any was not.

Examples:
  $ sextant trials fleet --state failed
  $ sextant requeue fleet 7
  $ sextant requeue fleet 7 9 12 --storage postgres://tuner@db:5432/sextant
  $ sextant requeue fleet 7 --json`,
    )
    .action(async (study: string, numbers: number[], flags: RequeueFlags) => {
      result.code = await (await import("./requeue.js")).requeueCommand(study, numbers, flags, io);
    });

  serverCommand(
    "serve",
    "serve studies over HTTP: a JSON API (with its OpenAPI document) for workers in any language",
    "require Authorization: Bearer <token> on every request (default: $SEXTANT_TOKEN)",
  )
    .option("--cors <origin>", "allow browser calls from this origin (repeatable; off by default)", collect)
    .addHelpText(
      "after",
      `
Routes live under /api/v1 (studies, trials, suggest, report, tell); GET
/api/v1/openapi.json describes them. The Python client is in clients/python.
Prefer SEXTANT_TOKEN to --token: command lines show up in process listings.
The Python client beats every 5 s by default: a --heartbeat-grace under 10
needs a shorter heartbeat_interval there.

Examples:
  $ sextant serve --storage sqlite:./sextant.db
  $ SEXTANT_TOKEN=$(openssl rand -hex 16) sextant serve --host 0.0.0.0 --port 8080
  $ sextant serve --heartbeat-grace 300 --request-timeout 120    # clients on slow links
  $ curl -s localhost:8080/api/v1/studies | jq '.studies[].name'`,
    )
    .action(async (flags: ServeFlags) => {
      result.code = await (await import("./serve.js")).serveCommand(flags, io);
    });

  program
    .command("priors")
    .description("starting points from scaling laws: the Step Law's learning rate and batch size for LLM pre-training")
    .argument("<kind>", "the prior: llm")
    .option("--params <N>", "non-embedding parameters of the model, e.g. 1e9")
    .option("--tokens <D>", "training tokens, e.g. 1e11")
    .option("--sequence-length <L>", "also give the batch size in sequences of this many tokens")
    .option("--decades <k>", "width of the centred log-range search space in decades (default 1; 0.01 to 12, above 0 with --json)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Prints the predicted learning rate and batch size, the formula and its source
(Li et al. 2025, Step Law, arXiv:2503.04715), and a search space centred on them.

Examples:
  $ sextant priors llm --params 1e9 --tokens 1e11
  $ sextant priors llm --params 4e8 --tokens 4e10 --sequence-length 4096 --json`,
    )
    .action(async (kind: string, flags: PriorsFlags) => {
      result.code = await (await import("./learning.js")).priorsCommand(kind, flags, io);
    });

  program
    .command("online")
    .description("online tuners: choose a parameter per instance of a sequence from the costs of earlier ones")
    .argument("<action>", "create, choose, observe or show")
    .argument("[name]", "the tuner's name")
    .argument("[cost...]", "for observe: the cost of the instance just solved (inf, a diverged solve's, counts as the worst)")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("--low <x>", "create: the parameter's lowest value (required)", finiteNumber("--low"))
    .option("--high <x>", "create: the parameter's highest value (required)", finiteNumber("--high"))
    .option("--arms <k>", "create: points of the grid over [low, high] (default 16)", positiveInt("--arms"))
    .option("--log", "create: space the grid on a log scale")
    .option("--algorithm <name>", "create: tsallis-inf (default), exp3, or chebcb (contextual)")
    .option("--cost-scale <s>", "create: costs are divided by this and clipped to [0, 1] (default 1)", positiveNumber("--cost-scale"))
    .option(
      "--learning-rate <c>",
      "create: tsallis-inf and exp3: multiplier c of the learning rate, up to 1e6 (default 2; tsallis-inf's is 2c/√t, the paper's 4/√t at 2)",
      positiveNumber("--learning-rate"),
    )
    .option("--context-low <a,b,..>", "create: lower bounds of the instance features (chebcb)")
    .option("--context-high <a,b,..>", "create: upper bounds of the instance features (chebcb)")
    .option("--degree <m>", "create: Chebyshev degree per feature (chebcb, default 4)", positiveInt("--degree"))
    .option("--seed <n>", "create: seed of the tuner's draws (an integer)", integer("--seed"))
    .option("--context <a,b,..>", "choose: this instance's features (chebcb)")
    .option(
      "--round <n>",
      "observe: the round choose --json printed with the value; the cost is refused if another process sharing the tuner observed that choice already",
      nonNegativeInt("--round"),
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Each call reads the tuner from storage and writes it back, so any program can drive
one by running sextant (or through "sextant serve": POST /api/v1/online/NAME/choose
and /observe).

Examples:
  $ sextant online create sor --low 1 --high 1.9 --arms 10 --cost-scale 120 --seed 1
  $ omega=$(sextant online choose sor); ./solve --omega $omega; sextant online observe sor $ITERATIONS
  $ sextant online create sor-ctx --low 1 --high 1.9 --algorithm chebcb --context-low -2.3 --context-high 0.5 --cost-scale 120
  $ sextant online choose sor-ctx --context -1.2 --json
  $ sextant online observe sor-ctx $ITERATIONS --round 0
  $ sextant online show sor`,
    )
    .action(async (action: string, name: string | undefined, rest: string[], flags: OnlineFlags) => {
      result.code = await (await import("./learning.js")).onlineCommand(action, name, rest, flags, io);
    });

  serverCommand(
    "dashboard",
    "open the web dashboard: studies, plots, parallel coordinates with brushing, importance, live updates",
    "require this token for data (default: $SEXTANT_TOKEN); open the page as http://HOST:PORT/#token=TOKEN",
    STORAGE_HELP_WITHOUT_MEMORY,
  )
    .addHelpText(
      "after",
      `
Serves the dashboard and the same HTTP API as \`sextant serve\`. With no --storage it opens
./sextant.db (or $SEXTANT_STORAGE), the file \`sextant tune\` writes by default; it never
creates a database: where the file does not exist it says so and exits. A file you may read
but not write is shown read-only.

Examples:
  $ sextant dashboard
  $ sextant dashboard --storage postgres://me@db:5432/studies --port 9000
  $ SEXTANT_TOKEN=$(openssl rand -hex 16) sextant dashboard --host 0.0.0.0`,
    )
    .action(async (flags: ServeFlags) => {
      result.code = await (await import("./serve.js")).serveCommand(flags, io, "dashboard");
    });

  program
    .command("report")
    .description("write one self-contained HTML file with a study's dashboard (opens offline; share it by mail or in a pull request)")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP, storageFlag)
    .option("-o, --out <file>", "where to write it, by default STUDY-report.html (- is stdout)")
    .option("--json", "print what was written as JSON")
    .addHelpText(
      "after",
      `
The file holds the summary, every plot (downsampled like the dashboard for large studies), the
first ${2000} rows of the trial table and the details of the best trial and the first 100 trials;
a population study's (PBT, PB2) also its lineage in short: per member, its segments, the members
it copied and its last value.

Examples:
  $ sextant report quickstart --out report.html
  $ sextant report quickstart --storage sqlite:./runs/sextant.db --json`,
    )
    .action(async (study: string, flags: ReportFlags) => {
      result.code = await (await import("./report.js")).reportCommand(study, flags, io);
    });
  acceptBothOutputSpellings(program.commands.at(-1)!, "out");

  // Every command, bench's subcommands included (they refused --debug as an unknown option).
  for (const command of nestedCommands(program)) {
    command.option("--debug", DEBUG_HELP);
    command.exitOverride().configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`sextant: ${s.replace(/^error: /, "")}`),
    });
  }
  return program;
}

/** The commands below `command`, at any depth. */
function nestedCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...nestedCommands(sub)]);
}

/** Whether `--debug` was given, before the command or after it, or SEXTANT_DEBUG asks for it. */
function debugRequested(program: Command): boolean {
  return debugFromEnv() || program.opts().debug === true || nestedCommands(program).some((command) => command.opts().debug === true);
}

/**
 * `sextant help bench run` as `sextant bench run --help`. Commander's own help command looks only
 * one name deep (it showed bench's help) and answers an unknown name with the top-level help and
 * exit code 0; as a flag, an unknown command is refused with a "did you mean" and exit code 2.
 */
function helpAsFlag(argv: readonly string[], program: Command): string[] | { unknown: string } {
  const args = argv.slice(2);
  const at = args.findIndex((arg) => !arg.startsWith("-"));
  if (at < 0 || args[at] !== "help" || at + 1 >= args.length) return [...argv];
  const names = args.slice(at + 1).filter((arg) => !arg.startsWith("-"));
  let command = program;
  for (const [i, name] of names.entries()) {
    const sub = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) {
      const known = command.commands.map((c) => c.name());
      return { unknown: `unknown command '${[...names.slice(0, i), name].join(" ")}'${didYouMean(name, known)}` };
    }
    command = sub;
  }
  return [...argv.slice(0, 2), ...args.slice(0, at), ...args.slice(at + 1), "--help"];
}

/**
 * What the 'error' handlers on process.stdout and process.stderr act on. They are added once per
 * process, not once per run of main: main runs many times in one process in tests, and 11 runs
 * left 11 handlers on each stream and made Node warn of a leak.
 */
const outputStreams: { watched: boolean; stdoutFailed: boolean; latestRun?: RunState } = { watched: false, stdoutFailed: false };

function watchOutputStreams(run: RunState): void {
  outputStreams.latestRun = run;
  if (outputStreams.watched) return;
  outputStreams.watched = true;
  // `sextant trials x | head` closes our stdout early; that is the reader's choice, not an error.
  // Any other failure (a full disk, a closed terminal: EIO) is said in one line and fails the
  // exit code, but is not thrown: thrown, it crashed a run and left its trials running.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(outputStreams.latestRun!.code);
    if (outputStreams.stdoutFailed) return;
    outputStreams.stdoutFailed = true;
    process.stderr.write(`sextant: cannot write to standard output: ${writeFailure(error)}\n`);
    // The error may come after main has resolved and its code was set.
    if (!process.exitCode) process.exitCode = 1;
  });
  // Losing stderr (`sextant worker 2>&1 >/dev/null | head -1`, a log on a full disk, a closed
  // terminal) only loses the messages: a run must not die with its trials left running because
  // nobody can read its progress.
  process.stderr.on("error", () => undefined);
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, then arguments) and resolves to the
 * exit code. User errors print `sextant: <message>` on stderr, without a stack trace; any other
 * error is a bug in Sextant and prints as an internal error. `--debug` (or `SEXTANT_DEBUG=1`)
 * adds the stack trace and the chain of causes to either.
 *
 * @example
 * process.exitCode = await main(["node", "sextant", "studies", "--json"]);
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const result: RunState = { code: 0, argv };
  watchOutputStreams(result);
  const program = buildProgram(io, result);
  try {
    const args = helpAsFlag(argv, program);
    if (!Array.isArray(args)) {
      io.err(`sextant: ${args.unknown}`);
      return 2;
    }
    result.argv = args;
    await program.parseAsync(args, { from: "node" });
    return result.code === 0 && outputStreams.stdoutFailed ? 1 : result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (--help, help NAME) is a success; help shown because a command is missing
      // (`sextant`, `sextant bench`) is a usage error like every other mistake commander finds.
      if (error.exitCode === 0) return 0;
      return 2;
    }
    const debug = debugRequested(program);
    // A command that needed the current folder (the default storage, a relative path) found it
    // deleted: this read as an internal error. Commands that need none still run there.
    if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT" && (error as NodeJS.ErrnoException).syscall === "uv_cwd") {
      io.err("sextant: the current folder no longer exists (it was deleted or moved); cd to one that does");
      if (debug) io.err(errorStack(error));
      return 1;
    }
    const user = describeUserError(error);
    const message = user ? user.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    io.err(`sextant: ${message.split("\n").join("\nsextant: ")}`);
    if (debug) io.err(errorStack(error));
    else if (!user) io.err("sextant: this is a bug in Sextant; rerun with --debug (or SEXTANT_DEBUG=1) to see where it happened");
    return user ? user.exitCode : 1;
  }
}
