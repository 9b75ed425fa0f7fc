/**
 * Real-command problems: a program plus a search space, run once per evaluation the way
 * `sextant tune` runs it (parameters as whole argv elements through `{name}` placeholders, never
 * a shell; the value read from a `sextant: {"value": v}` line or a bare number on the last line).
 */
import { type ChildProcess, execFile } from "node:child_process";
import { packagePath } from "../../package-root.js";
import { checkCommandTemplate, parseReportLine, substitutePlaceholders } from "../../index.js";
import type { Distribution, ParamValue } from "../../index.js";
import { isActive, ProblemInputError, readChoice, readNumber, type AsyncProblem, type ParamCondition, type ProblemParams, type ProblemTag } from "./problem.js";

/** Thrown when a command problem's program fails or reports no value. */
export class CommandProblemError extends Error {
  override name = "CommandProblemError";
}

/** The program of a command problem, found on this machine, or why it cannot run here. */
export type CommandProgram = { readonly argv: readonly string[] } | { readonly unavailable: string };

export interface CommandProblemOptions {
  readonly name: string;
  readonly description: string;
  readonly space: Readonly<Record<string, Distribution>>;
  readonly conditions?: Readonly<Record<string, ParamCondition>>;
  /** The reference value (minimized) and how it was found. */
  readonly reference: { readonly value: number; readonly kind: string };
  readonly tags: readonly ProblemTag[];
  /**
   * Finds the program (called once, on first use): the argv template, whose `{name}` elements are
   * replaced by parameter values and `{params}` by all active parameters as one JSON object.
   */
  readonly program: () => Promise<CommandProgram>;
  /** Kill the program after this many seconds (default 600). */
  readonly timeoutSeconds?: number;
}

const PARAMS_PLACEHOLDER = "params";

/** Reads the value a program reported: its last `sextant:` final line, or else a bare number on its last line. */
export function reportedValue(stdout: string): number | undefined {
  const lines = stdout.split(/\r?\n/).filter((line) => line.trim() !== "");
  let value: number | undefined;
  for (const line of lines) {
    const report = parseReportLine(line);
    if (report?.kind === "final" && typeof report.values[0] === "number") value = report.values[0];
  }
  if (value === undefined && lines.length > 0) {
    const last = lines[lines.length - 1]!.trim();
    if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(last)) value = Number(last);
  }
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The programs running now, killed when this process exits; see {@link runProgram}. */
const runningPrograms = new Set<ChildProcess>();
let killsProgramsAtExit = false;

function runProgram(argv: readonly string[], timeoutSeconds: number): Promise<string> {
  // A program must not outlive the process that runs it, which may exit on a signal (kill,
  // Ctrl-\) with the program running on until its time limit. (The lab runs command problems in
  // worker processes, whose programs are in the worker's process group: the runner kills it.)
  if (!killsProgramsAtExit) {
    killsProgramsAtExit = true;
    process.on("exit", () => {
      for (const child of runningPrograms) child.kill("SIGKILL");
    });
  }
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0]!, argv.slice(1), { timeout: timeoutSeconds * 1000, maxBuffer: 16 << 20, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      runningPrograms.delete(child);
      if (error) {
        const tail = String(stderr).trim().split("\n").slice(-5).join("\n");
        reject(new CommandProblemError(`${argv.slice(0, 3).join(" ")} … failed (${error.killed ? `killed after ${timeoutSeconds} s` : `exit code ${String(error.code)}`})${tail ? `: ${tail}` : ""}`));
      } else {
        resolve(String(stdout));
      }
    });
    runningPrograms.add(child);
  });
}

/**
 * A problem that runs a program per evaluation.
 *
 * @example
 * const problem = commandProblem({
 *   name: "my-train", description: "validation error of train.py", tags: ["real-command"],
 *   space: { lr: { type: "float", low: 1e-4, high: 1, log: true } },
 *   reference: { value: 0, kind: "a perfect model" },
 *   program: async () => ({ argv: ["python3", "train.py", "--lr", "{lr}"] }),
 * });
 * await problem.evaluate({ lr: 0.01 });
 */
export function commandProblem(options: CommandProblemOptions): AsyncProblem {
  const conditions = options.conditions ?? {};
  const timeoutSeconds = options.timeoutSeconds ?? 600;
  let program: Promise<CommandProgram> | undefined;
  const found = (): Promise<CommandProgram> => (program ??= options.program());

  const activeParams = (params: ProblemParams): Record<string, ParamValue> => {
    const active: Record<string, ParamValue> = {};
    for (const [name, d] of Object.entries(options.space)) {
      if (!isActive({ conditions }, name, active)) {
        if (params[name] !== undefined) throw new ProblemInputError(`${options.name}: parameter "${name}" is inactive here; leave it out`);
        continue;
      }
      active[name] = d.type === "categorical" ? readChoice(options.name, params, name, d.choices) : readNumber(options.name, params, name, d);
    }
    for (const name of Object.keys(params)) {
      if (options.space[name] === undefined) throw new ProblemInputError(`${options.name}: parameter "${name}" is unknown; known: ${Object.keys(options.space).join(", ")}`);
    }
    return active;
  };

  const evaluate = async (params: ProblemParams, fidelity?: number): Promise<number> => {
    if (fidelity !== undefined) throw new ProblemInputError(`${options.name}: fidelity: this problem has none`);
    const active = activeParams(params);
    const resolved = await found();
    if ("unavailable" in resolved) throw new CommandProblemError(`${options.name} cannot run here: ${resolved.unavailable}`);
    checkCommandTemplate(resolved.argv, [...Object.keys(options.space), PARAMS_PLACEHOLDER]);
    const values: Record<string, ParamValue> = { ...active, [PARAMS_PLACEHOLDER]: JSON.stringify(active) };
    const argv = resolved.argv.map((element) => substitutePlaceholders(element, values));
    const stdout = await runProgram(argv, timeoutSeconds);
    const value = reportedValue(stdout);
    if (value === undefined) throw new CommandProblemError(`${options.name}: the program reported no finite value; its output ended with ${JSON.stringify(stdout.slice(-200))}`);
    return value;
  };

  return {
    name: options.name,
    dimension: Object.keys(options.space).length,
    space: options.space,
    conditions,
    optimum: options.reference.value,
    optimumKind: options.reference.kind,
    optimizer: null,
    tags: options.tags,
    split: undefined,
    fidelity: undefined,
    description: options.description,
    evaluate,
    evaluateNoiseless: evaluate,
    evaluateCurve: async (params, fidelities) => {
      if (fidelities.length > 0) throw new ProblemInputError(`${options.name}: fidelity: this problem has none`);
      activeParams(params);
      return [];
    },
    unavailableReason: async () => {
      const resolved = await found();
      return "unavailable" in resolved ? resolved.unavailable : undefined;
    },
  };
}

/** The script of the scikit-learn problems, shipped in the package. */
export const SKLEARN_SCRIPT = packagePath("data", "commands", "sklearn_problem.py");

/**
 * A Python that can import scikit-learn: `$SEXTANT_PYTHON` when set, else the first of
 * Debian's `/usr/bin/python3` and `python3` on the PATH that can.
 */
export function findSklearnPython(): Promise<CommandProgram> {
  const candidates = process.env.SEXTANT_PYTHON ? [process.env.SEXTANT_PYTHON] : ["/usr/bin/python3", "python3"];
  return (async () => {
    const failures: string[] = [];
    for (const python of candidates) {
      try {
        await runProgram([python, SKLEARN_SCRIPT, "--check"], 120);
        return { argv: [python, SKLEARN_SCRIPT] };
      } catch (error) {
        failures.push(`${python}: ${(error as Error).message.split("\n").pop()}`);
      }
    }
    return {
      unavailable: `no Python with scikit-learn (tried ${candidates.join(", ")}; set SEXTANT_PYTHON, or install python3-sklearn). ${failures.join("; ")}`,
    };
  })();
}
