/**
 * The `sextant` command line: `tune`, `studies`, `trials`, `best`, `export`, `delete`, `serve`.
 * `bin/sextant.js` calls {@link main}.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
// The package's public door registers the default sampler and every named sampler and pruner.
import "../index.js";
import { prunerNames } from "../pruners/index.js";
import { samplerNames } from "../samplers/index.js";
import { UsageError, describeUserError } from "./errors.js";
import { bestCommand, deleteCommand, exportCommand, listStudiesCommand, listTrialsCommand } from "./inspect.js";
import { type Io, processIo } from "./io.js";
import { type ServeFlags, serveCommand } from "./serve.js";
import { type TuneFlags, tuneCommand } from "./tune.js";

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function positiveInt(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
    return n;
  };
}

function integer(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got "${text}"`);
    return n;
  };
}

function seconds(flag: string, allowZero = false) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new UsageError(`${flag} must be a ${allowZero ? "non-negative" : "positive"} number of seconds, got "${text}"`);
    }
    return n;
  };
}

function port(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${text}"`);
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const STORAGE_HELP = "storage URL: sqlite:PATH or memory: (default: $SEXTANT_STORAGE, else sqlite:./sextant.db)";

function buildProgram(io: Io, result: { code: number }): Command {
  const program = new Command("sextant")
    .description("Hyperparameter and black-box optimization for any program")
    .version(version(), "-V, --version", "print the version")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`sextant: ${s.replace(/^error: /, "")}`),
    })
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
  $ sextant serve --storage sqlite:./sextant.db --port 8080

Run "sextant help <command>" for a command's flags and examples.`,
  );

  const tune = program
    .command("tune")
    .description("tune a command: run it once per trial with suggested parameters and minimize (or maximize) what it reports")
    .argument("[command...]", "the command to run, after --; {name} is replaced by parameter name's value")
    .option("-c, --config <file>", "YAML or JSON config file (flags override it)")
    .option("-p, --param <name=spec>", "a parameter: float:LOW:HIGH[:log][:step=S], int:LOW:HIGH[:log][:step=S], cat:A,B,C (repeatable)", collect)
    .option("-d, --direction <dir>", "minimize or maximize; repeat or comma-separate for several objectives", collect)
    .option("-n, --trials <n>", `trials to run in this invocation (default ${100} unless --timeout is given)`, positiveInt("--trials"))
    .option("-j, --jobs <n>", "commands run at the same time (default 1)", positiveInt("--jobs"))
    .option("--timeout <seconds>", "start no new trial after this many seconds", seconds("--timeout"))
    .option("--trial-timeout <seconds>", "stop a command and fail its trial after this many seconds", seconds("--trial-timeout"))
    .option("--kill-grace <seconds>", "seconds between SIGTERM and SIGKILL when stopping a command (default 5)", seconds("--kill-grace", true))
    .option("--storage <url>", STORAGE_HELP)
    .option("-s, --study <name>", "study name (default: from the config, else derived from the command; rerun to resume)")
    .option("--sampler <name>", `sampler: ${samplerNames().join(", ")} (default "auto")`)
    .option("--sampler-opt <key=value>", "a sampler option (repeatable)", collect)
    .option("--pruner <name>", `pruner: ${prunerNames().join(", ")} (default none)`)
    .option("--pruner-opt <key=value>", "a pruner option (repeatable)", collect)
    .option("--seed <n>", "seed for the sampler", integer("--seed"))
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

Rerunning the same tune (same --study, or same config/command) resumes the study.
Ctrl-C stops starting trials, stops running commands and marks them failed ("interrupted").`,
    )
    .action(async (commandArgs: string[], flags: TuneFlags) => {
      result.code = await tuneCommand(flags, commandArgs, io);
    });
  void tune;

  program
    .command("studies")
    .description("list the studies in a storage")
    .option("--storage <url>", STORAGE_HELP)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant studies
  $ sextant studies --storage sqlite:./runs/sextant.db --json`,
    )
    .action(async (flags: { storage?: string; json?: boolean }) => {
      result.code = await listStudiesCommand(flags, io);
    });

  program
    .command("trials")
    .description("list the trials of a study")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP)
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
      result.code = await listTrialsCommand(study, flags, io);
    });

  program
    .command("best")
    .description("show the best trial (or the Pareto front of a multi-objective study)")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant best quickstart
  $ sextant best quickstart --json | jq .best.params`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean }) => {
      result.code = await bestCommand(study, flags, io);
    });

  program
    .command("export")
    .description("export a study's trials, one row per trial")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP)
    .addOption(new Option("--format <format>", "csv or json (default csv)").choices(["csv", "json"]))
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--json", "same as --format json")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant export quickstart > trials.csv
  $ sextant export quickstart --format json --output trials.json`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean; format?: string; output?: string }) => {
      result.code = await exportCommand(study, flags, io);
    });

  program
    .command("delete")
    .description("delete a study and its trials")
    .argument("<study>", "study name")
    .option("--storage <url>", STORAGE_HELP)
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sextant delete old-study          (asks for confirmation)
  $ sextant delete old-study --yes`,
    )
    .action(async (study: string, flags: { storage?: string; json?: boolean; yes?: boolean }) => {
      result.code = await deleteCommand(study, flags, io);
    });

  program
    .command("serve")
    .description("serve studies over HTTP: a JSON API (with its OpenAPI document) for workers in any language")
    .option("--storage <url>", STORAGE_HELP)
    .option("--host <address>", "address to listen on; anything but loopback requires a token (default 127.0.0.1)")
    .option("--port <n>", "port to listen on, 0 for any free one (default 8080)", port)
    .option("--token <token>", "require Authorization: Bearer <token> on every request (default: $SEXTANT_TOKEN)")
    .option("--cors <origin>", "allow browser calls from this origin (repeatable; off by default)", collect)
    .addHelpText(
      "after",
      `
Routes live under /api/v1 (studies, trials, suggest, report, tell); GET
/api/v1/openapi.json describes them. The Python client is in clients/python.
Prefer SEXTANT_TOKEN to --token: command lines show up in process listings.

Examples:
  $ sextant serve --storage sqlite:./sextant.db
  $ SEXTANT_TOKEN=$(openssl rand -hex 16) sextant serve --host 0.0.0.0 --port 8080
  $ curl -s localhost:8080/api/v1/studies | jq '.studies[].name'`,
    )
    .action(async (flags: ServeFlags) => {
      result.code = await serveCommand(flags, io);
    });

  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`sextant: ${s.replace(/^error: /, "")}`),
    });
  }
  return program;
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, then arguments) and resolves to the
 * exit code. User errors print `sextant: <message>` on stderr, without a stack trace.
 *
 * @example
 * process.exitCode = await main(["node", "sextant", "studies", "--json"]);
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const result = { code: 0 };
  // `sextant trials x | head` closes our stdout early; that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(result.code);
    throw error;
  });
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: "node" });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      if (error.exitCode === 0) return 0;
      return 2;
    }
    const user = describeUserError(error);
    if (user) {
      io.err(`sextant: ${user.message.split("\n").join("\nsextant: ")}`);
      return user.exitCode;
    }
    throw error;
  }
}
