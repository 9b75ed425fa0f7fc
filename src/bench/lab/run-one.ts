/**
 * One run of the lab: one optimizer on one problem instance for one seed, with the incumbent's
 * regret recorded after every trial (the anytime curve).
 */
import { createStudy, type ParamValue } from "../../index.js";
import { createLabProblem, isActive, suggestProblemParams, type LabProblem, type ProblemParams } from "../problems/index.js";
import { sharedOptunaProcess } from "./optuna.js";
import { createSextantSampler, type OptimizerSpec } from "./optimizers.js";

/** What the runner asks for: the problem instance and the sampler are both seeded with `seed`. */
export interface Job {
  readonly problem: string;
  readonly optimizer: OptimizerSpec;
  readonly seed: number;
  readonly trials: number;
}

/** One finished run, as stored (one JSON line each) in `results.jsonl`. */
export interface RunResult {
  readonly problem: string;
  readonly optimizer: string;
  readonly seed: number;
  readonly trials: number;
  /**
   * `curve[i]`: after trial i+1, the noiseless regret of the trial with the best observed value so
   * far (the trial the study reports as best; on noisy problems this is not the best noiseless one).
   * Raw: rounding can make it a hair below 0; the report floors every optimizer's regret alike.
   */
  readonly curve: number[];
  /** Best observed value (noisy on noisy problems). */
  readonly bestValue: number;
  /** Wall time of the run, and the part of it spent outside the objective (sampler and bookkeeping). */
  readonly seconds: number;
  readonly optimizerSeconds: number;
}

/** The key under which a run is stored and skipped when resumed. */
export function runKey(problem: string, optimizer: string, seed: number): string {
  return JSON.stringify([problem, optimizer, seed]);
}

/** Tracks the incumbent as the study defines it: the first trial with the lowest observed value. */
class Incumbent {
  private best = Infinity;
  private regret = Infinity;
  readonly curve: number[] = [];

  constructor(private readonly problem: LabProblem) {}

  async observe(params: ProblemParams, value: number): Promise<void> {
    if (value < this.best) {
      this.best = value;
      // Surrogates and commands measure against a reference value, which a run may beat: regret < 0.
      this.regret = (await this.problem.evaluateNoiseless(params)) - this.problem.optimum;
    }
    this.curve.push(this.regret);
  }

  get bestValue(): number {
    return this.best;
  }
}

async function runSextant(problem: LabProblem, job: Job & { optimizer: { kind: "sextant" } }, incumbent: Incumbent): Promise<number> {
  const study = await createStudy({ sampler: createSextantSampler(job.optimizer, job.seed), direction: "minimize" });
  let objectiveMs = 0;
  for (let i = 0; i < job.trials; i++) {
    const trial = await study.ask();
    const params = suggestProblemParams(problem, trial);
    const started = performance.now();
    const value = await problem.evaluate(params);
    objectiveMs += performance.now() - started;
    await study.tell(trial, value);
    await incumbent.observe(params, value);
  }
  await study.close();
  return objectiveMs;
}

async function runOptuna(problem: LabProblem, job: Job & { optimizer: { kind: "optuna" } }, incumbent: Incumbent): Promise<number> {
  const optuna = sharedOptunaProcess();
  await optuna.init(job.optimizer.sampler, job.optimizer.options, job.seed);
  let objectiveMs = 0;
  for (let i = 0; i < job.trials; i++) {
    await optuna.ask();
    // Define-by-run, as suggestProblemParams does: a conditional problem asks only for its branch.
    const params: Record<string, ParamValue> = {};
    for (const [name, distribution] of Object.entries(problem.space)) {
      if (isActive(problem, name, params)) params[name] = await optuna.suggest(name, distribution);
    }
    const started = performance.now();
    const value = await problem.evaluate(params);
    objectiveMs += performance.now() - started;
    await optuna.tell(value);
    await incumbent.observe(params, value);
  }
  return objectiveMs;
}

/**
 * Runs one job to the end. Deterministic: the same job gives the same curve on any machine, in
 * any worker, whatever ran before it in that worker.
 *
 * @example
 * const result = await runJob({ problem: "branin-2d", optimizer: parseOptimizerSpec("tpe"), seed: 0, trials: 30 });
 * result.curve.at(-1); // final regret
 */
export async function runJob(job: Job): Promise<RunResult> {
  const problem = createLabProblem(job.problem, { seed: job.seed });
  const incumbent = new Incumbent(problem);
  const started = performance.now();
  const objectiveMs =
    job.optimizer.kind === "sextant"
      ? await runSextant(problem, job as Job & { optimizer: { kind: "sextant" } }, incumbent)
      : await runOptuna(problem, job as Job & { optimizer: { kind: "optuna" } }, incumbent);
  const seconds = (performance.now() - started) / 1000;
  return {
    problem: job.problem,
    optimizer: job.optimizer.label,
    seed: job.seed,
    trials: job.trials,
    curve: incumbent.curve,
    bestValue: incumbent.bestValue,
    seconds,
    optimizerSeconds: Math.max(0, seconds - objectiveMs / 1000),
  };
}
