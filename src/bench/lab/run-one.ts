/**
 * One run of the lab: one optimizer on one problem instance for one seed, with the incumbent's
 * regret recorded after every trial (the anytime curve). Multi-fidelity problems are run over their
 * budget axis, pruners deciding when to stop a trial; multi-objective problems record hypervolume
 * regret.
 */
import { createStudy, hypervolume, type ParamValue, type Trial } from "../../index.js";
import {
  CommandProblemError,
  createLabProblem,
  isActive,
  isFidelityProblem,
  isMultiObjectiveProblem,
  suggestProblemParams,
  type FidelityProblem,
  type MultiObjectiveLabProblem,
  type ProblemParams,
  type SingleObjectiveProblem,
} from "../problems/index.js";
import { sharedOptunaProcess, type OptunaProcess } from "./optuna.js";
import { createSextantPruner, createSextantSampler, type OptimizerSpec } from "./optimizers.js";

/** What the runner asks for: the problem instance and the sampler are both seeded with `seed`. */
/** What the lab's studies have said in this process, without the trial number. */
const warned = new Set<string>();

/**
 * A study's warning, said once per process: each run is a new study, and one optimizer on one
 * problem says the same thing at every seed (a categorical under cmaes: one line per run).
 */
function warnOncePerProcess(message: string): void {
  const said = message.replace(/^trial \d+: /, "");
  if (warned.has(said)) return;
  warned.add(said);
  process.emitWarning(message, "SextantWarning");
}

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
  /**
   * Noisy problems, Sextant samplers only: `recommendedCurve[i]`, after trial i+1, the noiseless
   * regret of the study's recommended trial (`Study.recommendation`: the best posterior mean where a
   * model recorded one, else the best observed trial, as in `curve`).
   */
  readonly recommendedCurve?: number[];
  /** Wall time of the run, and the part of it spent outside the objective (sampler and bookkeeping). */
  readonly seconds: number;
  readonly optimizerSeconds: number;
  /** What `curve` holds: regret (when absent) or, for several objectives, hypervolume regret. */
  readonly measure?: "regret" | "hypervolume regret";
  /**
   * Multi-fidelity runs only. The budget is `trials` × `fidelityUnitsPerTrial` fidelity units (a
   * full trial's worth each); `curve[i]` is the regret after (i+1) × `fidelityUnitsPerTrial` units.
   */
  readonly fidelityUnitsPerTrial?: number;
  readonly fidelityName?: string;
  /** Multi-fidelity runs only: trials started within the budget (pruning lets more start). */
  readonly trialsStarted?: number;
  /**
   * Trials that failed (a command that crashed or reported no finite value), when any did, and the
   * first one's reason. They count toward the budget; the incumbent is the best finished trial.
   */
  readonly failedTrials?: number;
  readonly firstFailure?: string;
  /**
   * New incumbents whose noiseless value could not be measured, when any (a command run again for
   * it that crashed or reported no finite value, or a value that is not finite; on multi-fidelity
   * problems, the final noiseless value), and the first one's reason: their regret is their
   * observed value minus the reference instead.
   */
  readonly noiselessFailures?: number;
  readonly firstNoiselessFailure?: string;
  /**
   * Recommended trials (see `recommendedCurve`) whose noiseless value could not be measured, when
   * any, and the first one's reason: their regret in `recommendedCurve` is their observed value
   * minus the reference instead, as for the incumbent.
   */
  readonly recommendedNoiselessFailures?: number;
  readonly firstRecommendedNoiselessFailure?: string;
}

/**
 * The regret recorded before any trial has completed (the first trials of a multi-fidelity run, or
 * failed ones): nothing is known yet. Finite so that it survives JSON and sorts last.
 */
export const NO_INCUMBENT_REGRET = Number.MAX_VALUE;

/** A multi-fidelity run starts at most this many trials per full trial of budget (as `bench:pruning`). */
const MAX_TRIALS_PER_BUDGET_TRIAL = 12;

/**
 * The name of a run's (in-memory) study: fixed by the seed, because Hyperband assigns brackets by a
 * hash of the study name. Unnamed, a study gets a name from the clock, and a rerun of the same
 * seeds pruned other trials and gave other results.
 */
function labStudyName(job: Job): string {
  return `lab-seed-${job.seed}`;
}

/** The key under which a run is stored and skipped when resumed. */
export function runKey(problem: string, optimizer: string, seed: number): string {
  return JSON.stringify([problem, optimizer, seed]);
}

/** What one evaluation gave: a value, or why its trial failed. */
type Evaluation = number | { readonly failed: string };

/**
 * Evaluates one trial (`evaluate`) or its noiseless value (`evaluateNoiseless`). As in a study, a
 * command that fails or reports no finite value fails that evaluation only, and so does a value
 * that is not finite; anything else (a bad parameter is a bug of the lab) fails the run.
 */
function evaluateTrial(problem: SingleObjectiveProblem, params: ProblemParams, kind: "evaluate" | "evaluateNoiseless" = "evaluate"): Promise<Evaluation> {
  return evaluation(problem.name, () => problem[kind](params));
}

/** `evaluate`'s value, or why it failed, by the rule of {@link evaluateTrial}. */
async function evaluation(problemName: string, evaluate: () => number | Promise<number>): Promise<Evaluation> {
  try {
    const value = await evaluate();
    return Number.isFinite(value) ? value : { failed: `${problemName}: the objective returned ${value}, not a finite number` };
  } catch (error) {
    if (error instanceof CommandProblemError) return { failed: error.message };
    throw error;
  }
}

/**
 * The noiseless value of a new incumbent (or recommended trial) by `measureNoiseless`, or its
 * `observed` value when measuring fails, the reason added to `failures`. Measuring a command's
 * noiseless value runs it again, which can fail where the trial's own run did not (a flaky
 * program, a timeout). Failing the run for a trial that succeeded would lose every other trial, so
 * the observed value stands in: a command problem promises evaluate = evaluateNoiseless
 * (deterministic), which makes it the best estimate at hand. The fallbacks are counted so that the
 * report says how many regrets rest on them.
 */
async function noiselessOrObserved(problemName: string, measureNoiseless: () => number | Promise<number>, observed: number, failures: string[]): Promise<number> {
  const noiseless = await evaluation(problemName, measureNoiseless);
  if (typeof noiseless === "number") return noiseless;
  failures.push(noiseless.failed);
  return observed;
}

/**
 * Tracks the incumbent as the study defines it: the first trial with the lowest observed value.
 * A failed trial has no value: it leaves the incumbent as it was.
 */
class Incumbent {
  private best = Infinity;
  private regret = NO_INCUMBENT_REGRET;
  readonly curve: number[] = [];
  readonly failures: string[] = [];
  readonly noiselessFailures: string[] = [];

  constructor(private readonly problem: SingleObjectiveProblem) {}

  async observe(params: ProblemParams, value: Evaluation): Promise<void> {
    if (typeof value !== "number") this.failures.push(value.failed);
    else if (value < this.best) {
      this.best = value;
      // The trial is the incumbent (the study counts it as best) even if its noiseless value cannot
      // be measured. Surrogates and commands measure against a reference value, which a run may
      // beat: regret < 0.
      const noiseless = await noiselessOrObserved(this.problem.name, () => this.problem.evaluateNoiseless(params), value, this.noiselessFailures);
      this.regret = noiseless - this.problem.optimum;
    }
    this.curve.push(this.regret);
  }

  get bestValue(): number {
    return this.best;
  }
}

/**
 * Tracks the noiseless regret of the study's recommended trial (see `Study.recommendation`), with
 * each trial's noiseless value computed at most once. Where that value cannot be measured, the
 * regret falls back to the trial's observed value, as for the incumbent.
 */
class RecommendedTracker {
  private readonly trials = new Map<number, { readonly params: ProblemParams; readonly value: Evaluation }>();
  private readonly regrets = new Map<number, number>();
  readonly curve: number[] = [];
  readonly noiselessFailures: string[] = [];

  constructor(private readonly problem: SingleObjectiveProblem) {}

  /**
   * After trial `number`: records the regret of trial `recommended` (a model's choice), or
   * `fallbackRegret` (the incumbent's, {@link NO_INCUMBENT_REGRET} before there is one) without a
   * recommendation or when it names a trial with no value.
   */
  async observe(number: number, params: ProblemParams, value: Evaluation, recommended: number | undefined, fallbackRegret: number): Promise<void> {
    this.trials.set(number, { params, value });
    const trial = recommended === undefined ? undefined : this.trials.get(recommended);
    if (recommended === undefined || trial === undefined || typeof trial.value !== "number") {
      this.curve.push(fallbackRegret);
      return;
    }
    let regret = this.regrets.get(recommended);
    if (regret === undefined) {
      const noiseless = await noiselessOrObserved(this.problem.name, () => this.problem.evaluateNoiseless(trial.params), trial.value, this.noiselessFailures);
      regret = noiseless - this.problem.optimum;
      this.regrets.set(recommended, regret);
    }
    this.curve.push(regret);
  }
}

async function runSextant(
  problem: SingleObjectiveProblem,
  job: Job & { optimizer: { kind: "sextant" } },
  incumbent: Incumbent,
  recommended: RecommendedTracker | null,
): Promise<number> {
  const study = await createStudy({ name: labStudyName(job), sampler: createSextantSampler(job.optimizer, job.seed), direction: "minimize", onWarning: warnOncePerProcess });
  let objectiveMs = 0;
  for (let i = 0; i < job.trials; i++) {
    const trial = await study.ask();
    const params = suggestProblemParams(problem, trial);
    const started = performance.now();
    const value = await evaluateTrial(problem, params);
    objectiveMs += performance.now() - started;
    await study.tell(trial, typeof value === "number" ? value : { state: "failed", reason: value.failed });
    await incumbent.observe(params, value);
    if (recommended) {
      const recommendation = study.recommendation;
      const number = recommendation?.source === "model" ? recommendation.trial.number : undefined;
      await recommended.observe(trial.number, params, value, number, incumbent.curve.at(-1)!);
    }
  }
  await study.close();
  return objectiveMs;
}

async function runOptuna(problem: SingleObjectiveProblem, job: Job & { optimizer: { kind: "optuna" } }, incumbent: Incumbent): Promise<number> {
  const optuna = sharedOptunaProcess();
  await optuna.init(job.optimizer.sampler, job.optimizer.options, job.seed);
  let objectiveMs = 0;
  for (let i = 0; i < job.trials; i++) {
    await optuna.ask();
    // Define-by-run, as suggestProblemParams does: a conditional problem asks only for its branch.
    const params = await suggestThroughOptuna(optuna, problem);
    const started = performance.now();
    const value = await evaluateTrial(problem, params);
    objectiveMs += performance.now() - started;
    await (typeof value === "number" ? optuna.tell(value) : optuna.tellFailed());
    await incumbent.observe(params, value);
  }
  return objectiveMs;
}

/** Define-by-run suggestions through Optuna, as {@link suggestProblemParams} does through a Sextant trial. */
async function suggestThroughOptuna(optuna: OptunaProcess, problem: Pick<SingleObjectiveProblem, "space" | "conditions">): Promise<Record<string, ParamValue>> {
  const params: Record<string, ParamValue> = {};
  for (const [name, distribution] of Object.entries(problem.space)) {
    if (isActive(problem, name, params)) params[name] = await optuna.suggest(name, distribution);
  }
  return params;
}

/** The hypervolume regret after every trial: feasible points only, against the problem's reference point. */
class HypervolumeTracker {
  private readonly front: number[][] = [];
  private regret: number;
  readonly curve: number[] = [];

  constructor(private readonly problem: MultiObjectiveLabProblem) {
    this.regret = problem.maxHypervolume;
  }

  observe(values: readonly number[], constraints: readonly number[] | undefined): void {
    const feasible = constraints === undefined || constraints.every((c) => c <= 0);
    if (feasible && values.every((v, i) => v < this.problem.referencePoint[i]!)) {
      this.front.push([...values]);
      this.regret = this.problem.maxHypervolume - hypervolume(this.front, this.problem.referencePoint);
    }
    this.curve.push(this.regret);
  }

  get hypervolume(): number {
    return this.problem.maxHypervolume - this.regret;
  }
}

async function runMultiObjective(problem: MultiObjectiveLabProblem, job: Job): Promise<{ tracker: HypervolumeTracker; objectiveMs: number }> {
  const tracker = new HypervolumeTracker(problem);
  let objectiveMs = 0;
  const measure = (params: ProblemParams): { values: number[]; constraints: number[] | undefined } => {
    const started = performance.now();
    const values = problem.evaluate(params);
    const constraints = problem.constraints?.(params);
    objectiveMs += performance.now() - started;
    return { values, constraints };
  };
  if (job.optimizer.kind === "sextant") {
    const sampler = createSextantSampler(job.optimizer, job.seed);
    const study = await createStudy({ name: labStudyName(job), sampler, directions: Array.from({ length: problem.objectives }, () => "minimize" as const), onWarning: warnOncePerProcess });
    for (let i = 0; i < job.trials; i++) {
      const trial = await study.ask();
      const { values, constraints } = measure(suggestProblemParams(problem, trial));
      await study.tell(trial, constraints === undefined ? values : { state: "complete", values, constraints });
      tracker.observe(values, constraints);
    }
    await study.close();
  } else {
    const optuna = sharedOptunaProcess();
    await optuna.init(job.optimizer.sampler, job.optimizer.options, job.seed, { objectives: problem.objectives, constrained: problem.constraints !== undefined });
    for (let i = 0; i < job.trials; i++) {
      await optuna.ask();
      const { values, constraints } = measure(await suggestThroughOptuna(optuna, problem));
      await optuna.tellValues(values, constraints);
      tracker.observe(values, constraints);
    }
  }
  return { tracker, objectiveMs };
}

/**
 * Regret of a multi-fidelity run by fidelity units spent: the incumbent is the complete trial with
 * the lowest observed final value; its noiseless final value minus the optimum is recorded every
 * `unitsPerPoint` units.
 */
class FidelityTracker {
  private best = Infinity;
  private regret = NO_INCUMBENT_REGRET;
  private units = 0;
  readonly curve: number[] = [];
  readonly noiselessFailures: string[] = [];

  constructor(
    private readonly problem: FidelityProblem,
    private readonly unitsPerPoint: number,
  ) {}

  async complete(params: ProblemParams, finalValue: number): Promise<void> {
    if (finalValue < this.best) {
      this.best = finalValue;
      // As for a single-objective incumbent: a noiseless value that cannot be measured falls back to the observed one.
      const noiseless = await noiselessOrObserved(this.problem.name, () => this.problem.finalNoiseless(params), finalValue, this.noiselessFailures);
      this.regret = noiseless - this.problem.optimum;
    }
  }

  /** One more fidelity unit spent. */
  spend(): void {
    this.units++;
    if (this.units % this.unitsPerPoint === 0) this.curve.push(this.regret);
  }

  get spent(): number {
    return this.units;
  }

  get bestValue(): number {
    return this.best;
  }
}

/** One trial's steps as a pruner sees them; `report` answers whether to stop. */
interface FidelityTrialDriver {
  start(): Promise<ProblemParams>;
  report(value: number, step: number): Promise<boolean>;
  complete(value: number): Promise<void>;
  stop(): Promise<void>;
}

async function runFidelity(problem: FidelityProblem, job: Job): Promise<{ tracker: FidelityTracker; objectiveMs: number; started: number }> {
  const steps = problem.fidelity.max;
  const tracker = new FidelityTracker(problem, steps);
  const budget = job.trials * steps;
  let objectiveMs = 0;
  let driver: FidelityTrialDriver;
  let finish = async (): Promise<void> => {};
  if (job.optimizer.kind === "sextant") {
    const spec = job.optimizer;
    const pruner = spec.pruner === undefined ? undefined : createSextantPruner(spec.pruner, job.seed);
    const study = await createStudy({ name: labStudyName(job), sampler: createSextantSampler(spec, job.seed), direction: "minimize", onWarning: warnOncePerProcess, ...(pruner === undefined ? {} : { pruner }) });
    let trial: Trial;
    driver = {
      start: async () => {
        trial = await study.ask();
        return suggestProblemParams(problem, trial);
      },
      report: async (value, step) => {
        trial.reportIntermediate(value, step);
        return trial.shouldPrune();
      },
      complete: async (value) => void (await study.tell(trial, value)),
      stop: async () => void (await study.tell(trial, { state: "pruned" })),
    };
    finish = () => study.close();
  } else {
    const optuna = sharedOptunaProcess();
    await optuna.init(job.optimizer.sampler, job.optimizer.options, job.seed, { ...(job.optimizer.pruner === undefined ? {} : { pruner: job.optimizer.pruner }), maxResource: steps });
    driver = {
      start: async () => {
        await optuna.ask();
        return suggestThroughOptuna(optuna, problem);
      },
      report: (value, step) => optuna.report(value, step),
      complete: (value) => optuna.tell(value),
      stop: () => optuna.tellPruned(),
    };
  }
  let started = 0;
  while (tracker.spent < budget && started < job.trials * MAX_TRIALS_PER_BUDGET_TRIAL) {
    started++;
    const params = await driver.start();
    const began = performance.now();
    const curve = await problem.curve(params);
    objectiveMs += performance.now() - began;
    let completed = false;
    for (let step = 1; step <= steps && tracker.spent < budget; step++) {
      const value = curve[step - 1]!;
      // The last report ends the trial: pruning it there would only throw its result away.
      const prune = (await driver.report(value, step)) && step < steps;
      if (step === steps) {
        await driver.complete(value);
        await tracker.complete(params, value);
        completed = true;
      }
      tracker.spend();
      if (prune) break;
    }
    // Stopped by the pruner, or cut by the end of the budget.
    if (!completed) await driver.stop();
  }
  // Trial-count cap reached before the budget: the incumbent stands for the rest of it.
  while (tracker.spent < budget) tracker.spend();
  await finish();
  return { tracker, objectiveMs, started };
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
  const started = performance.now();
  const base = { problem: job.problem, optimizer: job.optimizer.label, seed: job.seed, trials: job.trials };
  const timing = (objectiveMs: number): { seconds: number; optimizerSeconds: number } => {
    const seconds = (performance.now() - started) / 1000;
    return { seconds, optimizerSeconds: Math.max(0, seconds - objectiveMs / 1000) };
  };
  if (isMultiObjectiveProblem(problem)) {
    const { tracker, objectiveMs } = await runMultiObjective(problem, job);
    return { ...base, curve: tracker.curve, bestValue: tracker.hypervolume, ...timing(objectiveMs), measure: "hypervolume regret" };
  }
  if (isFidelityProblem(problem)) {
    const { tracker, objectiveMs, started: trialsStarted } = await runFidelity(problem, job);
    return {
      ...base,
      curve: tracker.curve,
      bestValue: tracker.bestValue,
      ...timing(objectiveMs),
      fidelityUnitsPerTrial: problem.fidelity.max,
      fidelityName: problem.fidelity.name,
      trialsStarted,
      ...(tracker.noiselessFailures.length > 0 ? { noiselessFailures: tracker.noiselessFailures.length, firstNoiselessFailure: tracker.noiselessFailures[0]! } : {}),
    };
  }
  if (job.optimizer.pruner !== undefined) throw new Error(`${job.problem} has no fidelity for the pruner of "${job.optimizer.label}"`);
  const incumbent = new Incumbent(problem);
  const recommended = job.optimizer.kind === "sextant" && problem.tags.includes("noisy") ? new RecommendedTracker(problem) : null;
  const objectiveMs =
    job.optimizer.kind === "sextant"
      ? await runSextant(problem, job as Job & { optimizer: { kind: "sextant" } }, incumbent, recommended)
      : await runOptuna(problem, job as Job & { optimizer: { kind: "optuna" } }, incumbent);
  const { failures, noiselessFailures } = incumbent;
  // With no finished trial there is nothing to score: the run fails, saying why.
  if (failures.length === job.trials) throw new Error(`every one of the ${job.trials} trials failed; the first: ${failures[0]}`);
  return {
    ...base,
    curve: incumbent.curve,
    bestValue: incumbent.bestValue,
    ...timing(objectiveMs),
    ...(recommended ? { recommendedCurve: recommended.curve } : {}),
    ...(failures.length > 0 ? { failedTrials: failures.length, firstFailure: failures[0]! } : {}),
    ...(noiselessFailures.length > 0 ? { noiselessFailures: noiselessFailures.length, firstNoiselessFailure: noiselessFailures[0]! } : {}),
    ...(recommended && recommended.noiselessFailures.length > 0
      ? { recommendedNoiselessFailures: recommended.noiselessFailures.length, firstRecommendedNoiselessFailure: recommended.noiselessFailures[0]! }
      : {}),
  };
}
