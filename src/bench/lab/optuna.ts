/**
 * The bridge to Optuna 3.1: a long-lived `/usr/bin/python3 scripts/optuna-driver.py` process per
 * lab worker that answers ask / suggest / tell over JSON lines, while Node evaluates the problem.
 * Keeping the problem in Node means both sides see the very same instance and noise stream.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { packagePath } from "../../package-root.js";
import type { Distribution, ParamValue } from "../../index.js";

/** Which Python runs Optuna: `$SEXTANT_PYTHON`, else Debian's `/usr/bin/python3` (which has python3-optuna). */
export function optunaPython(): string {
  return process.env.SEXTANT_PYTHON ?? "/usr/bin/python3";
}

const DRIVER = packagePath("scripts", "optuna-driver.py");

/**
 * Why Optuna cannot run here, or null when it can.
 *
 * @example
 * const reason = optunaUnavailableReason(); if (reason) console.error(`skipping Optuna: ${reason}`);
 */
export function optunaUnavailableReason(): string | null {
  if (!existsSync(DRIVER)) return `the driver script ${DRIVER} is missing`;
  const probe = spawnSync(optunaPython(), ["-c", "import optuna; print(optuna.__version__)"], { encoding: "utf8" });
  if (probe.error) return `${optunaPython()} cannot run (${probe.error.message}); set SEXTANT_PYTHON`;
  if (probe.status !== 0) return `${optunaPython()} has no optuna module (install Debian's python3-optuna or set SEXTANT_PYTHON)`;
  return null;
}

type Answer = { ok?: boolean; value?: ParamValue; prune?: boolean; error?: string };

/** What a study needs besides its sampler: several objectives, constraints, a pruner. */
export interface OptunaStudySettings {
  readonly objectives?: number;
  readonly constrained?: boolean;
  readonly pruner?: { readonly name: string; readonly options: Readonly<Record<string, string>> };
  /** The most steps a trial reports (for HyperbandPruner). */
  readonly maxResource?: number;
}

/** One Optuna process; requests are answered in order, one line each. */
export class OptunaProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void }[] = [];
  private stderrTail = "";
  private exited: Error | null = null;

  constructor() {
    this.child = spawn(optunaPython(), [DRIVER], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      const next = this.waiting.shift();
      if (next === undefined) return;
      try {
        next.resolve(JSON.parse(line) as Answer);
      } catch {
        next.reject(new Error(`optuna driver printed a line that is not JSON: ${line.slice(0, 200)}`));
      }
    });
    const fail = (error: Error): void => {
      this.exited = error;
      for (const w of this.waiting.splice(0)) w.reject(error);
    };
    this.child.on("error", (error) => fail(new Error(`optuna driver could not start: ${error.message}`)));
    this.child.on("exit", (code, signal) =>
      fail(new Error(`optuna driver exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ""}`)),
    );
  }

  private async request(message: Record<string, unknown>): Promise<Answer> {
    if (this.exited) throw this.exited;
    const answer = await new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
    if (answer.error !== undefined) throw new Error(`optuna: ${answer.error}`);
    return answer;
  }

  /** Starts a new minimization study with this sampler; the previous study is dropped. */
  async init(sampler: string, options: Readonly<Record<string, string>>, seed: number, settings: OptunaStudySettings = {}): Promise<void> {
    await this.request({
      op: "init",
      sampler,
      options,
      seed,
      objectives: settings.objectives ?? 1,
      constrained: settings.constrained ?? false,
      ...(settings.pruner === undefined ? {} : { pruner: settings.pruner.name, pruner_options: settings.pruner.options }),
      ...(settings.maxResource === undefined ? {} : { max_resource: settings.maxResource }),
    });
  }

  /** Reports an intermediate value of the current trial; answers whether the pruner stops it. */
  async report(value: number, step: number): Promise<boolean> {
    return (await this.request({ op: "report", value, step })).prune === true;
  }

  /** Ends the current trial with several objective values (and constraint values, feasible when all <= 0). */
  async tellValues(values: readonly number[], constraints?: readonly number[]): Promise<void> {
    await this.request({ op: "tell", values, ...(constraints === undefined ? {} : { constraints }) });
  }

  /** Ends the current trial as pruned. */
  async tellPruned(): Promise<void> {
    await this.request({ op: "tell", pruned: true });
  }

  /** Ends the current trial as failed: it has no value, and Optuna's samplers skip it. */
  async tellFailed(): Promise<void> {
    await this.request({ op: "tell", failed: true });
  }

  async ask(): Promise<void> {
    await this.request({ op: "ask" });
  }

  async suggest(name: string, distribution: Distribution): Promise<ParamValue> {
    return (await this.request({ op: "suggest", name, distribution })).value as ParamValue;
  }

  async tell(value: number): Promise<void> {
    await this.request({ op: "tell", value });
  }

  close(): void {
    this.child.stdin.end();
  }
}

let shared: OptunaProcess | null = null;

/** The process-wide Optuna process, started on first use. */
export function sharedOptunaProcess(): OptunaProcess {
  shared ??= new OptunaProcess();
  return shared;
}

/** Ends the process-wide Optuna process, if one was started. */
export function closeSharedOptunaProcess(): void {
  shared?.close();
  shared = null;
}
