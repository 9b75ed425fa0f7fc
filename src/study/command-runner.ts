/**
 * The command runner: runs one program per trial, never through a shell, and turns what it prints
 * into intermediate values, a final value, a pruned trial or a failed one. The CLI's `sextant tune`
 * and library users share it through {@link commandObjective}.
 *
 * The protocol (also described for users in the README, "How a command is run"):
 * - parameters reach the program as whole argv elements (`{name}` placeholders), as environment
 *   variables `SEXTANT_PARAM_<NAME>`, and as a JSON file named by `SEXTANT_PARAMS_FILE`;
 * - `PYTHONUNBUFFERED=1` is set unless already set, so that a Python program's report lines arrive as printed;
 * - the program prints `sextant: {"step": 3, "value": 0.41}` for intermediate values and
 *   `sextant: {"value": 0.93}` (or `{"values": [..]}`) for the result; a bare number on the last
 *   non-empty stdout line also counts;
 * - `sextant: {"constraints": [..]}` (alone or beside the value) reports constraint values (null: none; printed twice, the last is kept with a warning),
 *   feasible when every one is <= 0; they are stored on the trial (see `Study.tell`);
 * - a pruned or timed-out program is sent SIGTERM, then SIGKILL after a grace period, to its whole
 *   process group so that the children of a shell script die too;
 * - one watchdog process per runner process (see process-watchdog.ts) does the same if this process dies first;
 * - under a population scheduler (PBT, PB2) the program also gets `SEXTANT_CHECKPOINT_DIR` (an
 *   empty folder to save its checkpoint in), `SEXTANT_RESTORE_FROM` (the folder to start from,
 *   unset for a member's first segment), `SEXTANT_MEMBER`, `SEXTANT_SEGMENT` and the steps to
 *   train, `SEXTANT_START_STEP` (inclusive) to `SEXTANT_END_STEP` (exclusive).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, closeSync, existsSync, constants as fsConstants, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { stripVTControlCharacters } from "node:util";
import type { Distribution, JsonValue, ParamValue } from "../space/index.js";
import { editDistance, unknownKeysMessage } from "../space/index.js";
import { guardProcessGroup, prepareProcessGroupGuard } from "./process-watchdog.js";
import { currentWorker, judgeWorker, processGroupMembers } from "./worker-identity.js";
import type { Objective, ObjectiveResult } from "./study.js";
import { INTERRUPTED_REASON, type Trial, TrialPruned, constraintsProblem } from "./trial.js";
import { countNoun } from "../count-noun.js";

/** The program named by a command could not be found or is not executable. */
export class CommandNotFoundError extends Error {
  override name = "CommandNotFoundError";
}

/**
 * A command template that cannot work: empty, with a placeholder that names no parameter, or with
 * parameters whose environment variables would collide. `field` says which part of the spec is wrong.
 */
export class CommandTemplateError extends Error {
  override name = "CommandTemplateError";
  constructor(
    message: string,
    readonly field: "argv" | "env" | "space" = "argv",
  ) {
    super(message);
  }
}

/** A trial's command failed; the message is the reason kept in `systemAttrs.failReason`. */
export class CommandTrialError extends Error {
  override name = "CommandTrialError";
}

/** Progress events of the runner, for a front end that shows or tracks running commands. */
export interface CommandHooks {
  /** The program of a trial started, as process (group) `pid`. */
  onSpawn?(event: { trialNumber: number; pid: number; argv: readonly string[] }): void;
  /** One line the program printed (only called when someone listens: the runner keeps just tails). */
  onOutput?(event: { trialNumber: number; stream: "stdout" | "stderr"; line: string }): void;
  /** The program of a trial ended (whatever the reason). */
  onExit?(event: { trialNumber: number; pid: number; exitCode: number | null; signal: string | null }): void;
}

/** How to run a command for each trial; see {@link commandObjective}. */
export interface CommandSpec {
  /** The program and its arguments; `{name}` is replaced by the value of parameter `name`, `{{`/`}}` are literal braces. */
  readonly argv: readonly string[];
  /** The parameters each trial suggests, in this order, before the program starts. */
  readonly space: Readonly<Record<string, Distribution>>;
  /** Extra environment variables (placeholders allowed in values); the runner's own environment is inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the program (default: this process's). */
  readonly cwd?: string;
  /** Kill the program and fail the trial after this many seconds (of `clock`). */
  readonly timeoutSeconds?: number;
  /**
   * The clock `timeoutSeconds` and `killGraceSeconds` are counted on, in milliseconds (default:
   * `performance.now()`). The CLI's stands still while Ctrl-Z has the run paused, so that a trial's
   * time limit and a stopped program's grace count only the time its program could run.
   *
   * @example
   * commandObjective({ argv: ["./train.sh"], space, timeoutSeconds: 600, clock: () => performance.now() - pausedMs })
   */
  readonly clock?: () => number;
  /** Seconds (of `clock`) between SIGTERM and SIGKILL when a program is stopped (default 5). */
  readonly killGraceSeconds?: number;
  /** Put in `SEXTANT_STUDY`. */
  readonly studyName?: string;
  /** Bytes of stdout and stderr kept on the trial (default 2048 each). */
  readonly tailBytes?: number;
  /** Aborting it stops running programs (SIGTERM, then SIGKILL) and fails their trials as "interrupted". */
  readonly signal?: AbortSignal;
  readonly hooks?: CommandHooks;
  /**
   * The study's objectives and what set their directions (e.g. `"--direction"`): a program
   * that prints another count of values fails its trial naming both, in the program's terms,
   * instead of the study's "objective returned 1 value(s) but the study has 2 objective(s)".
   *
   * @example
   * commandObjective({ argv, space, objectives: { directions: ["minimize", "maximize"], setBy: "--direction" } })
   */
  readonly objectives?: { readonly directions: readonly string[]; readonly setBy: string };
}

/** `{{`, `}}`, or braces around text: a placeholder if that text is a name (below) or a parameter's name. */
const PLACEHOLDER = /\{\{|\}\}|\{([^{}]+)\}/g;
/** What reads as a placeholder even when no parameter has that name: a letter or `_`, then letters, digits, marks and `_.-` (any script). */
const PLACEHOLDER_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}_.-]*$/u;
const REPORT_PREFIX = /^\s*sextant:\s*/;
const NUMBER_LINE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const NON_FINITE_LINE = /^[-+]?(?:nan|inf|infinity)$/i;
const MAX_LINE_CHARS = 1 << 20;

/**
 * The names of the `{name}` placeholders in a template, in order of first appearance: braces
 * around a name-like text, or around any of `paramNames` (which may hold spaces).
 *
 * @example
 * placeholdersIn(["train.py", "--lr={lr}", "{depth}"]) // ["lr", "depth"]
 */
export function placeholdersIn(template: readonly string[], paramNames: readonly string[] = []): string[] {
  const names: string[] = [];
  for (const element of template) {
    for (const match of element.matchAll(PLACEHOLDER)) {
      const name = match[1];
      if (name !== undefined && (PLACEHOLDER_NAME.test(name) || paramNames.includes(name)) && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/**
 * How a parameter value is written into argv, environment variables and placeholders.
 *
 * @example
 * formatParamValue(1e-5) // "0.00001"
 */
export function formatParamValue(value: ParamValue): string {
  if (value === null) return "null";
  return String(value);
}

/**
 * Replaces `{name}` placeholders in one template element. The result is always exactly one
 * string, so a value holding spaces, quotes or `;` stays one literal argument.
 *
 * @example
 * substitutePlaceholders("--lr={lr}", { lr: 0.01 }) // "--lr=0.01"
 */
export function substitutePlaceholders(element: string, params: Readonly<Record<string, ParamValue>>): string {
  return element.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    if (whole === "{{") return "{";
    if (whole === "}}") return "}";
    if (name !== undefined && Object.prototype.hasOwnProperty.call(params, name)) return formatParamValue(params[name]!);
    // Braces around other text (a JSON argument, `${HOME}`'s cousins) stay as they are.
    if (name === undefined || PLACEHOLDER_NAME.test(name)) throw new CommandTemplateError(`placeholder {${String(name)}} names no parameter`);
    return whole;
  });
}

/**
 * The environment variable a parameter is passed in: `SEXTANT_PARAM_` and the name upper-cased,
 * with every character that is not a letter or digit turned into `_`.
 *
 * @example
 * paramEnvName("learning-rate") // "SEXTANT_PARAM_LEARNING_RATE"
 */
export function paramEnvName(name: string): string {
  return `SEXTANT_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * Checks a template against the parameters it may use; throws {@link CommandTemplateError}.
 *
 * @example
 * checkCommandTemplate(["python", "train.py", "--lr={lr}"], ["lr"]); // fine
 * checkCommandTemplate(["python", "train.py", "{depth}"], ["lr"]); // throws: no parameter "depth"
 */
export function checkCommandTemplate(argv: readonly string[], paramNames: readonly string[]): void {
  if (argv.length === 0 || argv[0] === "") throw new CommandTemplateError("the command is empty");
  const unknown = placeholdersIn(argv).filter((name) => !paramNames.includes(name));
  if (unknown.length > 0) {
    throw new CommandTemplateError(
      `the command uses ${unknown.map((n) => `{${n}}`).join(", ")} but there is no such parameter` +
        (paramNames.length > 0 ? ` (parameters: ${paramNames.join(", ")})` : " (no parameters are defined)"),
    );
  }
}

/**
 * Checks everything about a spec that can be known before a trial runs, and throws
 * {@link CommandTemplateError}: the command and env templates use only known parameters, and no two
 * parameters (nor a parameter and an `env` entry) map to the same environment variable, which
 * would silently hand the program only one of the values.
 *
 * @example
 * checkCommandSpec({ argv: ["run", "{a-b}"], space: { "a-b": x, a_b: y } }); // throws: both are SEXTANT_PARAM_A_B
 */
export function checkCommandSpec(spec: Pick<CommandSpec, "argv" | "space" | "env">): void {
  const paramNames = Object.keys(spec.space);
  checkCommandTemplate(spec.argv, paramNames);
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    const unknown = placeholdersIn([value]).filter((name) => !paramNames.includes(name));
    if (unknown.length > 0) throw new CommandTemplateError(`env.${key} uses {${unknown[0]}} but there is no such parameter`, "env");
  }
  const owners = new Map<string, string>();
  for (const name of paramNames) {
    const variable = paramEnvName(name);
    const earlier = owners.get(variable);
    if (earlier !== undefined) {
      throw new CommandTemplateError(
        `parameters "${earlier}" and "${name}" would both be passed as the environment variable ${variable}; rename one of them`,
        "space",
      );
    }
    owners.set(variable, name);
  }
  for (const key of Object.keys(spec.env ?? {})) {
    const owner = owners.get(key);
    if (owner !== undefined) throw new CommandTemplateError(`env.${key} would be overwritten by parameter "${owner}", which is passed in that variable`, "env");
  }
}

/**
 * Finds the file a command's program name refers to, the way `spawn` will: a name with a `/` is a
 * path (relative to `cwd`), any other name is looked up on `PATH`. Throws
 * {@link CommandNotFoundError} with a clear message if it is missing or not executable, so a
 * front end can refuse to start before wasting a trial.
 *
 * @example
 * resolveExecutable("node") // "/usr/bin/node"
 */
export function resolveExecutable(command: string, options: { cwd?: string; env?: Readonly<Record<string, string | undefined>> } = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    const problem = executableProblem(path);
    if (problem) throw new CommandNotFoundError(`command "${command}" ${problem} (${path})`);
    return path;
  }
  const pathVar = env.PATH ?? "";
  let notExecutable: string | null = null;
  for (const dir of pathVar.split(delimiter)) {
    const candidate = join(resolve(cwd, dir === "" ? "." : dir), command);
    const problem = executableProblem(candidate);
    if (problem === null) return candidate;
    notExecutable ??= problem === "is not executable" ? candidate : null;
  }
  // "Not found" of a file that is there sent its user looking for a typo or an install.
  if (notExecutable !== null) {
    throw new CommandNotFoundError(`command "${command}" found at ${notExecutable} but not executable; make it executable (chmod +x ${notExecutable})`);
  }
  throw new CommandNotFoundError(`command "${command}" not found on PATH`);
}

/**
 * Why the system cannot start the script at `path` by its "#!" line, or null (no such line, or a
 * sound one): a line ended by a Windows "\r", which the system takes as part of the interpreter's
 * name or of its argument, or an interpreter that does not exist or cannot be run (relative to
 * `cwd`, as the system reads it). spawn said "not found" of such a script, which is there, and
 * `#!/usr/bin/env python3\r` failed every trial with env's "use -[v]S to pass options in shebang lines".
 *
 * @example
 * shebangProblem("/home/me/train.sh", "/home/me") // 'its "#!" line ends with a Windows line ending (\r), …'
 */
export function shebangProblem(path: string, cwd: string): string | null {
  // The system reads at most this much of the line (Linux's BINPRM_BUF_SIZE).
  const start = Buffer.alloc(256);
  let read: number;
  try {
    const fd = openSync(path, "r");
    try {
      read = readSync(fd, start, 0, start.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const head = start.subarray(0, read).toString("latin1");
  if (!head.startsWith("#!")) return null;
  const line = head.split("\n")[0]!;
  if (line.endsWith("\r")) {
    return `its "#!" line ends with a Windows line ending (\\r), which the system takes as part of "${line.slice(2).trim()}"; save the file with Unix line endings (dos2unix)`;
  }
  const interpreter = line.slice(2).trim().split(/[ \t]+/)[0]!;
  if (interpreter === "") return null;
  const problem = executableProblem(resolve(cwd, interpreter));
  return problem === null ? null : `its "#!" interpreter ${interpreter} ${problem}`;
}

function executableProblem(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return "is not a file";
  } catch {
    return "does not exist";
  }
  try {
    accessSync(path, fsConstants.X_OK);
  } catch {
    return "is not executable";
  }
  return null;
}

/** A line of the protocol, as {@link parseReportLine} reads it. */
export type ReportLine =
  | { kind: "intermediate"; step: number; value: number }
  | { kind: "final"; values: unknown[]; constraints?: unknown }
  | { kind: "constraints"; constraints: unknown } // null: none (the line reports nothing)
  | { kind: "invalid"; message: string };

/**
 * Reads one stdout line of the protocol: `sextant: {"step": k, "value": v}` (intermediate),
 * `sextant: {"value": v}` or `sextant: {"values": [..]}` (final), `sextant: {"constraints": [..]}`
 * (constraint values, feasible when all are <= 0; also accepted beside a final value). Returns null
 * for a line that is not a `sextant:` line. Final values and constraints are returned unchecked;
 * the caller judges them.
 *
 * @example
 * parseReportLine('sextant: {"step": 3, "value": 0.41}') // { kind: "intermediate", step: 3, value: 0.41 }
 */
export function parseReportLine(line: string): ReportLine | null {
  const prefix = REPORT_PREFIX.exec(line);
  if (!prefix) return null;
  const body = line.slice(prefix[0].length).trim();
  const data = parseJsonWithNonFinite(body);
  if (data === NOT_JSON) return { kind: "invalid", message: `not JSON after "sextant:": ${clip(body, 80)}` };
  if (typeof data === "number") return { kind: "final", values: [data] };
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { kind: "invalid", message: `expected a JSON object after "sextant:", got ${clip(body, 80)}` };
  }
  const record = data as Record<string, unknown>;
  // A misspelt key was dropped without a word: {"values": [..], "constraint": [5]} stored an
  // infeasible trial as feasible. Keys that are no misspelling ("note") are still let through.
  for (const key of Object.keys(record)) {
    if (REPORT_KEYS.includes(key)) continue;
    const meant = REPORT_KEYS.find((known) => misspelling(key, known));
    if (meant !== undefined) return { kind: "invalid", message: `unknown key "${key}" (did you mean "${meant}"?): ${clip(body, 80)}` };
  }
  if (record.value !== undefined && record.values !== undefined) {
    return { kind: "invalid", message: `give "value" or "values", not both: ${clip(body, 80)}` };
  }
  if (record.step !== undefined) {
    if (record.constraints !== undefined && record.constraints !== null) {
      return { kind: "invalid", message: `constraints go on the result line or a line of their own, not beside step ${clip(JSON.stringify(record.step), 20)}: ${clip(body, 80)}` };
    }
    const { step, value } = record;
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      return { kind: "invalid", message: `step must be a non-negative integer, got ${clip(JSON.stringify(step), 40)}` };
    }
    // NaN and ±Infinity are values a diverging run reports (the threshold pruner stops it on NaN),
    // as the library's reportIntermediate takes them. JavaScript's JSON.stringify writes each of
    // them as null, so null is NaN: ignored instead, a Node program's diverged loss never reached
    // the pruner, and the run went on to its end.
    if (value === null) return { kind: "intermediate", step, value: Number.NaN };
    if (typeof value !== "number") {
      return { kind: "invalid", message: `intermediate value at step ${step} must be a number, got ${clip(JSON.stringify(value) ?? "nothing", 40)}` };
    }
    return { kind: "intermediate", step, value };
  }
  // null is no constraints, as tell's { constraints: null } is: Python prints None for a run that has none.
  const withConstraints = record.constraints !== undefined && record.constraints !== null ? { constraints: record.constraints } : {};
  if (record.values !== undefined) {
    if (!Array.isArray(record.values)) return { kind: "final", values: [record.values], ...withConstraints };
    return { kind: "final", values: record.values, ...withConstraints };
  }
  if (Object.prototype.hasOwnProperty.call(record, "value")) return { kind: "final", values: [record.value], ...withConstraints };
  if (record.constraints !== undefined) return { kind: "constraints", constraints: record.constraints };
  return { kind: "invalid", message: `a sextant line needs "value", "values" or "constraints": ${clip(body, 80)}` };
}

/**
 * Whether `key` reads as a typo of `known`: the same but for case, one character, or two
 * neighbours swapped. Closer only than the option names' "did you mean": extra keys a program
 * prints beside its value ("value_std", "n_steps", "valid") must still pass.
 */
function misspelling(key: string, known: string): boolean {
  // editDistance counts a swap of neighbours as one edit.
  return editDistance(key.toLowerCase(), known) <= 1;
}

/** The keys a `sextant:` line is read by. */
const REPORT_KEYS: readonly string[] = ["step", "value", "values", "constraints"];

const NOT_JSON = Symbol("not JSON");

/**
 * JSON as Python's json.dumps writes it by default: also the bare tokens NaN, Infinity and
 * -Infinity, outside strings (`{"step": 2, "value": NaN}` from a diverged run was refused as not
 * JSON, so the step never reached the pruner).
 */
function parseJsonWithNonFinite(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Rewritten to tagged strings outside string literals, then turned back into numbers.
    const TAG = "\u0000sextant-non-finite:";
    let out = "";
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        out += c;
        if (c === "\\") out += text[++i] ?? "";
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      const token = ["-Infinity", "Infinity", "NaN"].find((t) => text.startsWith(t, i));
      if (token) {
        out += JSON.stringify(TAG + token);
        i += token.length - 1;
        continue;
      }
      out += c;
    }
    try {
      return JSON.parse(out, (_key, value: unknown) =>
        typeof value === "string" && value.startsWith(TAG) ? { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity }[value.slice(TAG.length)] : value,
      );
    } catch {
      return NOT_JSON;
    }
  }
}

/**
 * Reads a bare number from the last non-empty stdout line; NaN for `nan`, ±Infinity for `inf` or
 * `-Infinity` (so the failure says what Python or C printed, not NaN), null if not a number.
 */
function parseBareNumber(line: string): number | null {
  const text = line.trim();
  if (NUMBER_LINE.test(text)) return Number(text);
  if (NON_FINITE_LINE.test(text)) return /nan/i.test(text) ? NaN : text.startsWith("-") ? -Infinity : Infinity;
  return null;
}

/** How a program run ended. */
interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  spawnError: NodeJS.ErrnoException | null;
  stoppedBy: "pruned" | "timeout" | "interrupted" | null;
  stdoutTail: string;
  stderrTail: string;
  lastStdoutLine: string;
}

interface ProcessOptions {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  timeoutSeconds?: number;
  /** What `timeoutSeconds` is counted on (milliseconds). */
  clock: () => number;
  killGraceSeconds: number;
  tailBytes: number;
  abort?: AbortFanOut;
  trialNumber: number;
  hooks?: CommandHooks;
  /** Called for each stdout line; returning "prune" stops the program. */
  onStdoutLine(line: string): "prune" | void;
  /** Called as soon as the program's process (group) exists, before any event: its pid. */
  onStarted?(pid: number): void;
}

/** Keeps the last `limit` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) {
      this.size -= this.chunks.shift()!.length;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    const kept = all.length > this.limit ? all.subarray(all.length - this.limit) : all;
    // A cut may split a multi-byte character; drop the replacement character it decodes to.
    return kept.toString("utf8").replace(/^\uFFFD+/, "");
  }
}

/** Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. */
class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split("\n");
    this.partial = lines.pop()!;
    // A program printing megabytes without a newline must not grow memory without bound.
    if (this.partial.length > MAX_LINE_CHARS) this.partial = this.partial.slice(-MAX_LINE_CHARS);
    for (const line of lines) this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest.length > 0) this.onLine(rest);
  }
}

/**
 * One listener on a spec's abort signal for all of its running programs, however many run at once:
 * a listener each made Node warn of a leak (MaxListenersExceededWarning) from the 11th on, and a
 * user's signal is theirs to budget. The listener is there only while some program runs.
 */
class AbortFanOut {
  private readonly stops = new Set<() => void>();
  private readonly onAbort = (): void => {
    for (const stop of [...this.stops]) stop();
  };
  constructor(readonly signal: AbortSignal) {}

  /** Calls `stop` when the signal aborts; the returned function unsubscribes. */
  subscribe(stop: () => void): () => void {
    if (this.stops.size === 0) this.signal.addEventListener("abort", this.onAbort);
    this.stops.add(stop);
    return () => {
      if (!this.stops.delete(stop)) return;
      if (this.stops.size === 0) this.signal.removeEventListener("abort", this.onAbort);
    };
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone (ESRCH) or was never made; fall back to the process itself.
    try {
      child.kill(signal);
    } catch {
      /* already dead */
    }
  }
}

/** Runs one program in its own process group and collects how it ended. */
function runProcess(options: ProcessOptions): Promise<ProcessOutcome> {
  const stdoutTail = new Tail(options.tailBytes);
  const stderrTail = new Tail(options.tailBytes);
  let lastStdoutLine = "";
  let stoppedBy: ProcessOutcome["stoppedBy"] = null;
  if (options.abort?.signal.aborted) {
    return Promise.resolve({ exitCode: null, signal: null, spawnError: null, stoppedBy: "interrupted", stdoutTail: "", stderrTail: "", lastStdoutLine: "" });
  }
  return new Promise((resolvePromise) => {
    // Start the watchdog before the program: a death while the watchdog is being forked would
    // otherwise leave the program running unguarded.
    prepareProcessGroupGuard();
    const child = spawn(options.argv[0]!, options.argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      // Its own process group, so that stopping it reaches the children of a shell script too,
      // and so that a terminal's Ctrl-C reaches only us: we decide how to stop trials.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The group must not outlive us if we die without the chance to stop it (SIGKILL, OOM, exit).
    const guard = child.pid !== undefined ? guardProcessGroup(child.pid, options.killGraceSeconds) : null;
    if (child.pid !== undefined) options.onStarted?.(child.pid);
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    let exited = false;
    let spawnError: NodeJS.ErrnoException | null = null;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;

    const stop = (reason: NonNullable<ProcessOutcome["stoppedBy"]>): void => {
      if (stoppedBy !== null || exited) return;
      stoppedBy = reason;
      killGroup(child, "SIGTERM");
      // On the run's clock as the time limit is: a program paused by Ctrl-Z during its grace was
      // killed the moment fg resumed it, before it could finish stopping.
      setClockTimeout(options.clock, options.killGraceSeconds * 1000, () => killGroup(child, "SIGKILL"), timers);
    };
    const unsubscribe = options.abort?.subscribe(() => stop("interrupted"));

    const finish = (): void => {
      if (settled) return;
      settled = true;
      guard?.release();
      for (const timer of timers) clearTimeout(timer);
      unsubscribe?.();
      stdoutLines.end();
      stderrLines.end();
      if (child.pid !== undefined) {
        options.hooks?.onExit?.({ trialNumber: options.trialNumber, pid: child.pid, exitCode, signal: exitSignal });
      }
      resolvePromise({
        exitCode,
        signal: exitSignal,
        spawnError,
        stoppedBy,
        stdoutTail: stdoutTail.text(),
        stderrTail: stderrTail.text(),
        lastStdoutLine,
      });
    };

    const stdoutLines = new LineSplitter((line) => {
      // Read without color: Node colors a logged number under FORCE_COLOR, into a pipe too, and
      // "\x1b[33m0.25\x1b[39m" is no number. The hooks see the line as printed.
      const text = stripVTControlCharacters(line);
      if (text.trim() !== "") lastStdoutLine = text;
      options.hooks?.onOutput?.({ trialNumber: options.trialNumber, stream: "stdout", line });
      if (options.onStdoutLine(text) === "prune" && stoppedBy === null && !exited) stop("pruned");
    });
    const stderrLines = new LineSplitter((line) => {
      options.hooks?.onOutput?.({ trialNumber: options.trialNumber, stream: "stderr", line });
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      stdoutTail.push(chunk);
      stdoutLines.push(chunk);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      stderrTail.push(chunk);
      if (options.hooks?.onOutput) stderrLines.push(chunk);
    });

    child.on("error", (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        spawnError = error;
        finish();
      }
    });
    child.on("spawn", () => {
      options.hooks?.onSpawn?.({ trialNumber: options.trialNumber, pid: child.pid!, argv: options.argv });
      if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
        // A run paused past the limit (Ctrl-Z, then fg) had its commands killed as timed out the moment it went on.
        setClockTimeout(options.clock, options.timeoutSeconds * 1000, () => stop("timeout"), timers);
      }
    });
    child.on("exit", (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      // Whatever the program left behind in its group (background jobs of a script) ends with it.
      killGroup(child, "SIGKILL");
      // A grandchild that escaped the group may hold our pipes open; do not wait on it forever.
      const drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, 2000);
      drain.unref();
      timers.push(drain);
    });
    child.on("close", () => {
      if (exited || spawnError) finish();
    });
  });
}

/** The keys {@link commandObjective} reads. */
const COMMAND_SPEC_KEYS: readonly (keyof CommandSpec)[] = ["argv", "space", "env", "cwd", "timeoutSeconds", "clock", "killGraceSeconds", "studyName", "tailBytes", "signal", "hooks", "objectives"];

/**
 * An objective for `study.optimize` that runs a command per trial. Each trial suggests the
 * parameters of `spec.space`, runs the program with them (argv placeholders, environment
 * variables, params file), feeds its intermediate values to the study's pruner, and returns the
 * value(s) it reports. A program that fails (non-zero exit, killed, times out, reports nothing or
 * something that is not a finite number) fails its trial with `systemAttrs.exitCode`, `signal`,
 * `failReason`, `stderrTail` and `stdoutTail` kept; a pruned one is stopped and its trial pruned.
 *
 * @example
 * const study = await createStudy({ storage: "sqlite:./sextant.db", direction: "minimize" });
 * await study.optimize(
 *   commandObjective({
 *     argv: ["node", "train.mjs", "--lr", "{lr}"],
 *     space: { lr: { type: "float", low: 1e-5, high: 1e-1, log: true } },
 *     timeoutSeconds: 600,
 *   }),
 *   { nTrials: 30, concurrency: 2 },
 * );
 */
export function commandObjective(spec: CommandSpec): Objective {
  if (spec === null || typeof spec !== "object") throw new TypeError("commandObjective: give { argv, space, … }");
  // A misspelt timeout ran every command without one.
  const unknown = unknownKeysMessage(spec, COMMAND_SPEC_KEYS);
  if (unknown !== null) throw new TypeError(`commandObjective: ${unknown}`);
  if (!Array.isArray(spec.argv)) throw new TypeError("commandObjective: argv must be an array of strings, e.g. [\"python\", \"train.py\", \"--lr\", \"{lr}\"]");
  if (spec.space === null || typeof spec.space !== "object") throw new TypeError("commandObjective: space must be an object of parameter names to distributions");
  if (spec.clock !== undefined && typeof spec.clock !== "function") throw new TypeError("commandObjective: clock must be a function that returns milliseconds, e.g. () => performance.now()");
  checkCommandSpec(spec);
  const killGraceSeconds = spec.killGraceSeconds ?? 5;
  const tailBytes = spec.tailBytes ?? 2048;
  const abort = spec.signal ? new AbortFanOut(spec.signal) : undefined;
  removeOrphanedTrialFolders(spec.studyName ?? null);
  return (trial) => runCommandTrial(trial, spec, killGraceSeconds, tailBytes, abort);
}

/** A trial's parameters folder under the system's temporary directory: `sextant-trial-XXXXXX`. */
const TRIAL_FOLDER_PREFIX = "sextant-trial-";
/** In each trial folder: its study, the process that made it and its program's process group. */
const TRIAL_FOLDER_OWNER = ".sextant-owner.json";

interface TrialFolderOwner {
  study: string | null;
  worker: ReturnType<typeof currentWorker>;
  /** The program's process group, or null before it is started. */
  program: number | null;
}

function writeTrialFolderOwner(dir: string, owner: TrialFolderOwner): void {
  writeFileSync(join(dir, TRIAL_FOLDER_OWNER), JSON.stringify(owner));
}

/**
 * Removes the trial folders of study `study` that a killed run left under the temporary directory
 * (a run removes its own when the trial ends; SIGKILL gives it no chance). Only a folder whose
 * owner file proves both its process gone ({@link judgeWorker}: same machine, boot and pid
 * namespace) and its program's process group gone is removed; one without that file (made by an
 * earlier Sextant, or by a run killed before it was written), or whose program had not been
 * started or whose group still exists, is left: other processes on the machine use that folder too.
 */
export function removeOrphanedTrialFolders(study: string | null, root: string = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root).filter((name) => name.startsWith(TRIAL_FOLDER_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = join(root, name);
    try {
      const owner = JSON.parse(readFileSync(join(dir, TRIAL_FOLDER_OWNER), "utf8")) as Partial<TrialFolderOwner>;
      if (owner.study !== study || typeof owner.program !== "number" || !Number.isInteger(owner.program) || owner.program <= 1) continue;
      if (!judgeWorker(owner.worker).gone || processGroupExists(owner.program)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // No owner file, one we cannot read, or a folder we may not remove: it stays.
    }
  }
  return removed;
}

/**
 * Whether process group `pgid` has a member that has not exited, from `/proc` (a zombie, which
 * `kill -0` still finds until its new parent reaps it, runs nothing); true when `/proc` cannot be read.
 */
function processGroupExists(pgid: number): boolean {
  return processGroupMembers(pgid)?.some((stat) => stat.state !== "Z") ?? true;
}

async function runCommandTrial(
  trial: Trial,
  spec: CommandSpec,
  killGraceSeconds: number,
  tailBytes: number,
  abort: AbortFanOut | undefined,
): Promise<ObjectiveResult> {
  if (spec.signal?.aborted) throw new CommandTrialError(INTERRUPTED_REASON);
  const params: Record<string, ParamValue> = {};
  for (const [name, distribution] of Object.entries(spec.space)) params[name] = trial.suggest(name, distribution);
  const argv = spec.argv.map((element) => substitutePlaceholders(element, params));
  trial.setSystemAttr("argv", argv);

  const dir = await mkdtemp(join(tmpdir(), TRIAL_FOLDER_PREFIX));
  // Who owns the folder, so that a later run can tell it was left by a killed one (removeOrphanedTrialFolders).
  const owner: TrialFolderOwner = { study: spec.studyName ?? null, worker: currentWorker(), program: null };
  writeTrialFolderOwner(dir, owner);
  const paramsFile = join(dir, "params.json");
  await writeFile(paramsFile, JSON.stringify(params, null, 2) + "\n");
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [key, value] of Object.entries(spec.env ?? {})) env[key] = substitutePlaceholders(value, params);
  for (const [name, value] of Object.entries(params)) env[paramEnvName(name)] = formatParamValue(value);
  // Python block-buffers stdout into a pipe: a Python program's intermediate values arrived only
  // when it exited, so a pruned trial ran to the end. Unless the user's environment or env says otherwise.
  if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = "1";
  env.SEXTANT_TRIAL_NUMBER = String(trial.number);
  env.SEXTANT_PARAMS_FILE = paramsFile;
  if (spec.studyName !== undefined) env.SEXTANT_STUDY = spec.studyName;
  const segment = trial.segment;
  const checkpointDir = segment ? trial.checkpointDir : undefined;
  if (segment && checkpointDir !== undefined) {
    // A population segment: where to save, where to restore from, and which steps to train.
    env.SEXTANT_CHECKPOINT_DIR = checkpointDir;
    const restore = trial.checkpoint();
    if (restore) env.SEXTANT_RESTORE_FROM = restore.dir;
    else delete env.SEXTANT_RESTORE_FROM;
    env.SEXTANT_MEMBER = String(segment.member);
    env.SEXTANT_SEGMENT = String(segment.index);
    env.SEXTANT_START_STEP = String(segment.startStep);
    env.SEXTANT_END_STEP = String(segment.endStep);
  }

  let finalValues: unknown[] | null = null;
  let constraints: unknown;
  let replacedConstraints = false;
  let lastStep: number | null = null;
  // Once the pruner says stop, steps the program printed before the signal reached it are not
  // recorded: the trial ends at the step it was judged at, as a library objective that throws
  // TrialPruned does, and not at whatever step the race with the kill happened to reach.
  let pruned = false;
  const warnings: string[] = [];
  let outcome: ProcessOutcome;
  try {
    outcome = await runProcess({
      argv,
      env,
      cwd: spec.cwd,
      timeoutSeconds: spec.timeoutSeconds,
      clock: spec.clock ?? (() => performance.now()),
      killGraceSeconds,
      tailBytes,
      abort,
      trialNumber: trial.number,
      hooks: spec.hooks,
      onStarted(pid) {
        try {
          writeTrialFolderOwner(dir, { ...owner, program: pid });
        } catch {
          // Left unrecorded, the folder is only never removed by a later run if this one is killed.
        }
      },
      onStdoutLine(line) {
        const report = parseReportLine(line);
        if (report === null) return;
        if (report.kind === "invalid") {
          // Said once per trial as it happens (it used to be kept on the trial only, unseen).
          if (warnings.length === 0) trial.warn(`ignored a "sextant:" line: ${report.message}`);
          if (warnings.length < 5) warnings.push(report.message);
          return;
        }
        if (report.kind === "final" || report.kind === "constraints") {
          if (report.kind === "final") finalValues = report.values;
          if (report.constraints === undefined || report.constraints === null) return;
          if (constraints !== undefined && !replacedConstraints && JSON.stringify(constraints) !== JSON.stringify(report.constraints)) {
            // The last is kept (a program may correct itself), but one of the two was a mistake
            // the user would otherwise never see: the trial's feasibility came from the other.
            replacedConstraints = true;
            trial.warn(`constraints reported twice, ${clip(JSON.stringify(constraints), 40)} then ${clip(JSON.stringify(report.constraints), 40)}: the last is kept; print them once`);
          }
          constraints = report.constraints;
          return;
        }
        if (pruned) return "prune";
        trial.reportIntermediate(report.value, report.step);
        lastStep = report.step;
        try {
          if (trial.shouldPrune()) {
            pruned = true;
            return "prune";
          }
        } catch (error) {
          if (warnings.length < 5) warnings.push(`pruner error: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  trial.setSystemAttr("exitCode", outcome.exitCode);
  trial.setSystemAttr("signal", outcome.signal);
  trial.setSystemAttr("stdoutTail", outcome.stdoutTail);
  trial.setSystemAttr("stderrTail", outcome.stderrTail);
  if (warnings.length > 0) trial.setSystemAttr("protocolWarnings", warnings as JsonValue);

  const fail = (reason: string): never => {
    trial.setSystemAttr("failReason", reason);
    throw new CommandTrialError(reason);
  };
  if (outcome.spawnError) {
    const code = outcome.spawnError.code;
    if (code === "ENOENT" && spec.cwd !== undefined && !existsSync(spec.cwd)) fail(`working directory ${spec.cwd} does not exist`);
    // The program is there, but the interpreter its "#!" line names is not.
    const shebang = code === "ENOENT" ? programShebangProblem(argv[0]!, spec.cwd ?? process.cwd(), env) : null;
    if (shebang !== null) fail(`command "${argv[0]}" cannot be started: ${shebang}`);
    if (code === "ENOENT") fail(`command "${argv[0]}" not found`);
    // spawn says EACCES of a missing program when something on PATH refused it (a folder the user
    // cannot search, as a PATH kept through su lists /root/…, or a folder of the program's name),
    // and of a file without its execute bit: "spawn X EACCES" told neither.
    const refused = code === "EACCES" ? executableLookupProblem(argv[0]!, spec.cwd ?? process.cwd(), env) : null;
    fail(refused ?? `could not start "${argv[0]}": ${outcome.spawnError.message}`);
  }
  if (outcome.stoppedBy === "interrupted") fail(INTERRUPTED_REASON);
  if (outcome.stoppedBy === "pruned") {
    // Constraints printed before the stop are the pruned trial's, as Optuna 3.1 evaluates
    // constraints_func for pruned trials too (TPE ranks it by them); unusable ones are said and dropped.
    const problem = reportPrintedConstraints(trial, constraints);
    if (problem !== null) trial.warn(`pruned without constraint values: ${problem}`);
    throw new TrialPruned(`pruned at step ${String(lastStep)}`);
  }
  const reported = finalValues as unknown[] | null;
  const reportedText = reported !== null ? clip(reported.map(String).join(", "), 60) : "";
  if (outcome.stoppedBy === "timeout") {
    // A program that printed its result and then hung on exit (a data loader's worker, a thread
    // left running) read as one too slow to finish, and its user raised the timeout in vain.
    const hung = reported !== null ? `, but it had reported its result (${reportedText}) and did not exit` : "";
    fail(`timed out after ${spec.timeoutSeconds}s${hung}`);
  }
  // One that printed its result and then crashed on its way out (cleanup, a lost upload) read as
  // one that never got that far.
  const after = reported !== null ? ` after reporting its result (${reportedText})` : "";
  if (outcome.signal !== null) fail(`killed by signal ${outcome.signal}${after}${stderrHint(outcome.stderrTail)}`);
  if (outcome.exitCode !== 0) fail(`exit code ${String(outcome.exitCode)}${after}${stderrHint(outcome.stderrTail)}`);
  // An empty folder saves nothing: the study warns (once) at the member's ready point, as for any objective.
  if (checkpointDir !== undefined && checkpointFiles(checkpointDir, fail) > 0) trial.saveCheckpoint({ dir: checkpointDir });

  let values: unknown[] | null = finalValues;
  if (values === null) {
    const bare = parseBareNumber(outcome.lastStdoutLine);
    if (bare !== null) values = [bare];
  }
  if (values === null) {
    const why = warnings.length > 0 ? `; ${warnings[warnings.length - 1]}` : "";
    fail(
      // Both forms: the runner does not know the study's objectives, and a study of two was told to print one value.
      `no value reported: print 'sextant: {"value": <number>}' (several objectives: 'sextant: {"values": [<number>, ...]}') or a number on the last line of stdout` +
        (outcome.lastStdoutLine ? ` (last line: ${clip(outcome.lastStdoutLine.trim(), 60)})` : " (stdout was empty)") +
        resultOnStderr(outcome.stderrTail) +
        why,
    );
  }
  const numbers: number[] = [];
  for (const [index, value] of values!.entries()) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      // JSON.stringify writes NaN and Infinity as null, which would misreport what the program printed.
      const shown = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
      // Of several values, which one: "reported value NaN" left the user to guess the objective.
      const which = values!.length > 1 ? ` (objective ${index} of ${values!.length})` : "";
      // {"value": [0.9, 12]} reads as one value that is a list: say where several belong.
      const list = Array.isArray(value) ? `; several objectives go in one flat list: 'sextant: {"values": [<number>, ...]}'` : "";
      fail(`reported value ${clip(shown, 40)}${which} is not a finite number${list}`);
    }
    numbers.push(value as number);
  }
  if (numbers.length === 0) fail("reported an empty list of values");
  const wanted = spec.objectives?.directions;
  if (wanted !== undefined && numbers.length !== wanted.length) {
    const example = wanted.length === 1 ? `'sextant: {"value": <number>}' or a number on the last line` : `'sextant: {"values": [${wanted.map(() => "<number>").join(", ")}]}'`;
    fail(
      `the command printed ${countNoun(numbers.length, "value")} (${clip(numbers.join(", "), 60)}) but the study has ${countNoun(wanted.length, "objective")} (${wanted.join(", ")}), set by ${spec.objectives!.setBy}: ` +
        `print one value per direction, in that order: ${example}`,
    );
  }
  const problem = reportPrintedConstraints(trial, constraints);
  if (problem !== null) fail(problem);
  return numbers.length === 1 ? numbers[0]! : numbers;
}

/**
 * Reports the constraints a command printed (none: nothing), or says why they cannot be: checked
 * here once, so that a complete command fails and a pruned one is kept without them. Their count
 * is the study's to check, when it is told.
 */
function reportPrintedConstraints(trial: Trial, constraints: unknown): string | null {
  if (constraints === undefined) return null;
  const problem = constraintsProblem(constraints);
  if (problem !== null) return `reported ${problem}`;
  trial.reportConstraints(constraints as number[]);
  return null;
}

/** {@link shebangProblem} of the file a command's program name refers to, or null when there is none. */
function programShebangProblem(command: string, cwd: string, env: Readonly<Record<string, string | undefined>>): string | null {
  try {
    return shebangProblem(resolveExecutable(command, { cwd, env }), cwd);
  } catch {
    return null;
  }
}

/** Why {@link resolveExecutable} finds no program to run for a command's program name, or null when it finds one. */
function executableLookupProblem(command: string, cwd: string, env: Readonly<Record<string, string | undefined>>): string | null {
  try {
    resolveExecutable(command, { cwd, env });
    return null;
  } catch (error) {
    if (error instanceof CommandNotFoundError) return error.message;
    throw error;
  }
}

/**
 * How many entries the command left in its checkpoint folder. One that removed the folder saved
 * nothing, as one that left it empty (both failed the segment with "ENOENT … scandir", its value
 * lost); one that put a file in its place is failed saying so.
 */
function checkpointFiles(dir: string, fail: (reason: string) => never): number {
  try {
    return readdirSync(dir).length;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return 0;
    if (code === "ENOTDIR") fail(`the command replaced its checkpoint folder (SEXTANT_CHECKPOINT_DIR, ${dir}) with a file: save the checkpoint as files inside that folder`);
    throw error;
  }
}

/**
 * The line of a failed program's stderr that says why: the last one, skipping the stack frames
 * ("at …") and the "Node.js v20.1.0" footer that follow an uncaught error in Node (and frames in
 * Java), which alone would say nothing.
 */
function stderrHint(stderrTail: string): string {
  // Without color: under FORCE_COLOR, Node prints the stack frames gray, which hid them from STACK_FRAME.
  const lines = stderrTail.split("\n").map((l) => stripVTControlCharacters(l).trim()).filter((l) => l !== "");
  let last = lines.length - 1;
  if (last > 0 && NODE_VERSION_FOOTER.test(lines[last]!)) last--;
  // Node prints an error's own properties after its stack, as "{ code: 'MODULE_NOT_FOUND', … }"
  // opened at the end of the last line before them: the hint was "}".
  // The block opens at the end of the last stack frame (properties may nest further blocks inside).
  if (last > 0 && lines[last] === "}") {
    let open = last - 1;
    while (open > 0 && !(STACK_FRAME.test(lines[open]!) && lines[open]!.endsWith("{"))) open--;
    if (STACK_FRAME.test(lines[open]!) && lines[open]!.endsWith("{")) last = open;
  }
  while (last > 0 && (NODE_VERSION_FOOTER.test(lines[last]!) || STACK_FRAME.test(lines[last]!))) last--;
  // CommonJS's "Require stack:" and its "- /path" lines sit between the error and its stack.
  while (last > 0 && lines[last]!.startsWith("- ")) last--;
  if (last > 0 && lines[last] === "Require stack:") last--;
  return last >= 0 ? `: ${clip(lines[last]!, 120)}` : "";
}

/**
 * Where a program that reported nothing on stdout printed its result on stderr (Python's
 * `print(loss, file=sys.stderr)`, a logger): a `sextant:` result line, else a number as the last
 * line. "stdout was empty" alone left the user looking at a result they saw printed.
 */
function resultOnStderr(stderrTail: string): string {
  const lines = stderrTail.split("\n").map((l) => stripVTControlCharacters(l).trim()).filter((l) => l !== "");
  const report = [...lines].reverse().find((line) => parseReportLine(line)?.kind === "final");
  const last = lines[lines.length - 1];
  const shown = report ?? (last !== undefined && parseBareNumber(last) !== null ? last : undefined);
  return shown === undefined ? "" : `; stderr has it (${clip(shown, 60)}), but only stdout is read: print the result there`;
}

const NODE_VERSION_FOOTER = /^Node\.js v\d+\.\d+\.\d+$/;
const STACK_FRAME = /^at \S/;

/** The longest delay setTimeout keeps: a longer one (a timeout of 25 days or more) fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once `ms` milliseconds of `clock` have passed. A timer counts every millisecond, those
 * this process spent stopped too: once it fires, the clock says how much is really gone, and what
 * is left is waited out.
 *
 * @example
 * setClockTimeout(runningClock, 5_000, () => killGroup(child, "SIGKILL"), timers);
 */
function setClockTimeout(clock: () => number, ms: number, fn: () => void, timers: NodeJS.Timeout[]): void {
  const startedAt = clock();
  const fireOrWait = (): void => {
    const leftMs = ms - (clock() - startedAt);
    if (leftMs > 0) setLongTimeout(fireOrWait, leftMs, timers);
    else fn();
  };
  setLongTimeout(fireOrWait, ms, timers);
}

/**
 * setTimeout for any delay: one longer than Node's limit is a chain of shorter timers, each pushed
 * to `timers` (clearing them all cancels it). A --trial-timeout of 3,000,000 s, a common way to say
 * "no limit", failed every trial at once, and as large a --kill-grace sent SIGKILL right after SIGTERM.
 *
 * @example
 * setLongTimeout(() => stop("timeout"), 40 * 86_400_000, timers);
 */
export function setLongTimeout(fn: () => void, ms: number, timers: NodeJS.Timeout[]): void {
  if (ms <= MAX_TIMER_MS) {
    timers.push(setTimeout(fn, ms));
    return;
  }
  timers.push(setTimeout(() => setLongTimeout(fn, ms - MAX_TIMER_MS, timers), MAX_TIMER_MS));
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never keep half of a surrogate pair: a lone half is not Unicode, and PostgreSQL's jsonb refuses it.
  const end = isHighSurrogate(text.charCodeAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
