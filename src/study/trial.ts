import {
  type CategoricalChoice,
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type SamplingTrial,
  type IntermediateIndex,
  type SearchSpace,
  containsValue,
  distributionsEqual,
  InvalidDistributionError,
  jsonValueProblem,
  trackIntermediate,
  unknownKeysMessage,
  reservedParamName,
  validateDistribution,
} from "../space/index.js";
import type { TrialPatch } from "../storage/index.js";
import { SAVED_CHECKPOINT_ATTR, segmentPlace } from "../schedulers/index.js";
import type { Checkpoint, CheckpointInput, CheckpointStore } from "./checkpoints.js";

/**
 * The `failReason` of a trial stopped because the run was interrupted (Ctrl-C, SIGTERM): not the
 * trial's own failure, so a population segment failed this way is run again when the study resumes.
 */
export const INTERRUPTED_REASON = "interrupted";

/**
 * Throw this from an objective to stop a trial early because `trial.shouldPrune()` said so.
 * The trial is recorded as `pruned`, with its last intermediate value.
 */
export class TrialPruned extends Error {
  override name = "TrialPruned";
  constructor(message = "trial was pruned") {
    super(message);
  }
}

/** Suggesting a parameter in a way that contradicts an earlier suggestion of the same name. */
export class ParameterConflictError extends Error {
  override name = "ParameterConflictError";
}

/**
 * A trial's fixed value (queued by `enqueueTrial` or `--enqueue`) lies outside the distribution
 * the objective now suggests, as after the code narrowed a range. The trial fails with this
 * reason and `optimize` goes on. Optuna 3.1 warns and runs the value anyway; here the value is not
 * stored under a distribution that does not contain it, since samplers map every stored value into
 * their search space. A value kept by the retry of a trial whose worker died is not an error: it
 * is sampled anew, with a warning.
 *
 * @example
 * await study.enqueueTrial({ x: 1.5 });
 * await study.optimize((trial) => trial.suggestFloat("x", 2, 3), { nTrials: 2 });
 * // trial 0 failed: "trial 0: enqueued value 1.5 of "x" is not inside {"type":"float","low":2,"high":3}"
 */
export class FixedParamOutOfRangeError extends ParameterConflictError {
  override name = "FixedParamOutOfRangeError";
  /**
   * @param retryOf the trial whose value a retry kept, named in the message; the library passes
   *   null, since such a value is sampled anew rather than refused (kept for callers of this constructor).
   */
  constructor(
    readonly trialNumber: number,
    readonly paramName: string,
    readonly value: ParamValue,
    readonly distribution: Distribution,
    retryOf: number | null,
  ) {
    const origin = retryOf === null ? "enqueued value" : `value kept from trial ${retryOf}, which it retries,`;
    super(`trial ${trialNumber}: ${origin} ${JSON.stringify(value)} of "${paramName}" is not inside ${JSON.stringify(distribution)}`);
  }
}

/** A list of numbers: an array, or a Float64Array / Float32Array from numeric code. */
export type NumberList = readonly number[] | Float64Array | Float32Array;

/** What a trial needs from its study; the study implements it. */
export interface TrialHost {
  sampleIndependent(trial: Trial, name: string, distribution: Distribution): ParamValue;
  shouldPrune(trial: Trial): boolean;
  scheduleFlush(trial: Trial): void;
  samplingView(trial: Trial): SamplingTrial;
  /** The study's checkpoint folder and segment length, or null when it has no scheduler. */
  segmentContext(): { store: CheckpointStore; segmentSteps: number } | null;
  /** Reports what needs attention but must not stop the trial (the study's `onWarning`). */
  warn(message: string): void;
  /** As {@link warn}, but only the first time this study object is given `message`. */
  warnOnce(message: string): void;
  /**
   * Fails the trial, which `error` (thrown by the library while suggesting) leaves unable to go on,
   * and returns the reason stored; the write is started at once and finishes in the background.
   */
  failTrialThatCannotGoOn(trial: Trial, error: unknown): string;
}

/** Where a segment trial sits in its population and which steps it trains; see {@link Trial.segment}. */
export interface TrialSegment {
  readonly member: number;
  /** The segment index s: it trains steps [startStep, endStep) = [s·K, (s+1)·K). */
  readonly index: number;
  readonly startStep: number;
  readonly endStep: number;
  /** The trial it continues from, or null for a member's first segment. */
  readonly parent: number | null;
  /** The member whose checkpoint and hyperparameters it copied, or null. */
  readonly exploitedFrom: number | null;
}

export interface SuggestFloatOptions {
  /** Sample on a log scale (low must be > 0). */
  log?: boolean;
  /** Only multiples of `step` above `low`. */
  step?: number;
}

export type SuggestIntOptions = SuggestFloatOptions;

/**
 * One evaluation of the objective. Parameters are suggested synchronously, define-by-run: the
 * objective asks for what it needs, when it needs it, and conditional branches just work.
 *
 * @example
 * const lr = trial.suggestFloat("lr", 1e-5, 1e-1, { log: true });
 * const layers = trial.suggestInt("layers", 1, 4);
 * const optimizer = trial.suggestCategorical("optimizer", ["adam", "sgd"]);
 * trial.reportIntermediate(loss, step);
 * if (trial.shouldPrune()) throw new TrialPruned();
 */
export class Trial {
  /** Storage id. */
  readonly id: number;
  /** Position within the study: 0, 1, 2, … */
  readonly number: number;
  private readonly paramValues: Record<string, ParamValue>;
  private readonly paramDistributions: Record<string, Distribution>;
  private readonly intermediateValues: Record<number, number>;
  /** Kept with `intermediateValues`, so pruners judging a long learning curve do not rescan it on every report. */
  private readonly intermediateSteps: IntermediateIndex;
  private readonly userAttributes: Record<string, JsonValue>;
  private readonly systemAttributes: Record<string, JsonValue>;
  private readonly systemAttributesSetHere: Record<string, JsonValue> = {};
  /** Writes not yet sent to storage; the study drains them. */
  pending: {
    params: Record<string, { value: ParamValue; distribution: Distribution }>;
    intermediate: Record<number, number>;
    userAttrs: Record<string, JsonValue>;
    systemAttrs: Record<string, JsonValue>;
  } = emptyPending();
  /** Set once the trial is told; further writes are refused. */
  finished = false;
  /** Why the library failed the trial when a suggestion could not be served (see {@link suggest}), or null. */
  private failedBecause: string | null = null;
  /** Whether a repeated step was warned about already: a loop that repeats one step warns once. */
  private warnedRepeatedStep = false;
  /** Values proposed jointly by the sampler at the start of the trial, and the space they cover. */
  relativeParams: Readonly<Record<string, ParamValue>> = {};
  relativeSpace: SearchSpace = {};
  /**
   * Whether `relativeSpace` may be another study's: a warm-started study without a complete trial of
   * its own, whose sampler proposes in its sources' space. A proposal for a parameter asked with
   * another distribution is then taken when this study could have suggested it (see `fitsSpace`).
   */
  relativeFromSources = false;

  constructor(
    private readonly host: TrialHost,
    record: FrozenTrial,
    /** Values fixed by `enqueueTrial`. */
    readonly fixedParams: Readonly<Record<string, ParamValue>>,
    readonly startedAt: number,
  ) {
    this.id = record.id;
    this.number = record.number;
    this.paramValues = { ...record.params };
    this.paramDistributions = { ...record.distributions };
    this.intermediateValues = { ...record.intermediate };
    this.intermediateSteps = trackIntermediate(this.intermediateValues);
    this.userAttributes = { ...record.userAttrs };
    this.systemAttributes = { ...record.systemAttrs };
  }

  /**
   * Says something about this trial that needs attention but must not stop it, through the
   * study's `onWarning` (sextant tune prints it), prefixed with the trial's number.
   *
   * @example
   * trial.warn("the checkpoint folder was empty; starting from scratch");
   */
  warn(message: string): void {
    this.host.warn(`trial ${this.number}: ${message}`);
  }

  /** Parameters suggested so far. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.paramValues;
  }

  get distributions(): Readonly<Record<string, Distribution>> {
    return this.paramDistributions;
  }

  get intermediate(): Readonly<Record<number, number>> {
    return this.intermediateValues;
  }

  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return this.userAttributes;
  }

  get systemAttrs(): Readonly<Record<string, JsonValue>> {
    return this.systemAttributes;
  }

  /** A real number in [low, high]; `log` samples on a log scale, `step` on a grid. */
  suggestFloat(name: string, low: number, high: number, options: SuggestFloatOptions = {}): number {
    const distribution: Distribution = { type: "float", low, high, ...definedOnly("suggestFloat", name, options) };
    return this.suggest(name, distribution) as number;
  }

  /** An integer in {low, …, high}; `log` samples on a log scale, `step` every step-th integer. */
  suggestInt(name: string, low: number, high: number, options: SuggestIntOptions = {}): number {
    const distribution: Distribution = { type: "int", low, high, ...definedOnly("suggestInt", name, options) };
    return this.suggest(name, distribution) as number;
  }

  /** One of `choices` (strings, numbers, booleans or null). */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, { type: "categorical", choices }) as T;
  }

  /**
   * The value of parameter `name` under `distribution`. Suggesting the same name again with the
   * same distribution returns the same value; with a different one it is an error.
   *
   * When the value cannot be had (a queued value outside `distribution`, a grid that does not fit
   * it, a sampler that throws or proposes a value outside it), the trial cannot go on: it is failed
   * with the error's message as its `failReason`, as `optimize` fails it, and the error is thrown.
   * This method is synchronous and storage is not, so the study starts the write at once; `tell`,
   * `flushTrial` and `close` wait for it, and a later `tell(trial, { state: "failed" })` (what
   * ask/tell code did before) returns the stored trial. In ask/tell such a trial stayed running
   * until a reaper failed it as silent and queued it again, to fail the same way. A call refused
   * for the caller's own arguments (bounds, options, a name given another distribution) changes
   * nothing, and the trial goes on.
   *
   * @example
   * const trial = await study.ask();
   * try {
   *   trial.suggestFloat("lr", 1e-4, 1e-1); // a grid without "lr" throws GridMismatchError
   * } catch (error) {
   *   console.log(study.trials[trial.number]?.state); // "failed" once the write is stored
   * }
   */
  suggest(name: string, distribution: Distribution): ParamValue {
    this.assertWritable();
    if (typeof name !== "string" || name.length === 0) throw new TypeError("a parameter name must be a non-empty string");
    const reserved = reservedParamName(name);
    // Like a malformed distribution, a name that cannot be one fails every trial the same way: optimize stops with it.
    if (reserved !== null) throw new InvalidDistributionError(reserved);
    // A step that does not divide the range narrows it: said once per study object, not on every trial.
    const normalized = validateDistribution(distribution, name, (message) => this.host.warnOnce(message));
    const existing = this.paramDistributions[name];
    if (existing !== undefined) {
      if (!distributionsEqual(existing, normalized)) {
        throw new ParameterConflictError(
          `trial ${this.number}: parameter "${name}" was suggested as ${JSON.stringify(existing)} and now as ${JSON.stringify(normalized)}; a name must keep one distribution`,
        );
      }
      return this.paramValues[name]!;
    }
    let value: ParamValue;
    const hasFixed = Object.prototype.hasOwnProperty.call(this.fixedParams, name);
    const fixedFits = hasFixed && containsValue(normalized, this.fixedParams[name]!);
    if (hasFixed && !fixedFits) {
      const retryOf = this.systemAttributes.retryOf;
      if (typeof retryOf !== "number") throw this.cannotGoOn(new FixedParamOutOfRangeError(this.number, name, this.fixedParams[name]!, normalized, null));
      // A retry's values were kept because a worker died, not chosen by anyone: one the search space
      // no longer holds (the range was narrowed before the rerun) is sampled anew, where failing the
      // trial ran nothing and said so as if it were the user's mistake.
      this.host.warn(
        `trial ${this.number}: the value ${shownValue(this.fixedParams[name]!)} of "${name}" kept from trial ${retryOf}, which it retries, is not inside ${JSON.stringify(normalized)} (the search space changed): sampled anew`,
      );
    }
    if (fixedFits) {
      value = this.fixedParams[name]!;
      if (normalized.type === "categorical") value = normalized.choices.find((c) => c === value)!;
    } else {
      // A warm start's first proposals, made in the source's space, were thrown away for a random
      // value when this study's range differs (widened, narrowed, log): its first trials started cold.
      const relative =
        Object.prototype.hasOwnProperty.call(this.relativeParams, name) &&
        this.relativeSpace[name] !== undefined &&
        (distributionsEqual(this.relativeSpace[name]!, normalized) || (this.relativeFromSources && containsValue(normalized, this.relativeParams[name])));
      try {
        value = relative ? this.relativeParams[name]! : this.host.sampleIndependent(this, name, normalized);
      } catch (error) {
        throw this.cannotGoOn(error);
      }
      // A sampler of the user's own (registerSampler) is code the study cannot vouch for: an illegal
      // value reached the objective and storage unremarked (6 for [0, 1], a choice not in the list).
      // A fixed value was checked above, with its own error.
      if (!containsValue(normalized, value)) {
        throw this.cannotGoOn(new Error(`trial ${this.number}: the sampler proposed ${shownValue(value)} for "${name}", which is not inside ${JSON.stringify(normalized)}`));
      }
    }
    this.paramValues[name] = value;
    this.paramDistributions[name] = normalized;
    this.pending.params[name] = { value, distribution: normalized };
    this.host.scheduleFlush(this);
    return value;
  }

  /**
   * Records the objective's value at a step (an epoch, an iteration) for pruners to judge. A step
   * keeps its first value, as in Optuna: reporting it again with another value changes nothing,
   * returns false and warns (once per trial) through the study's `onWarning`, since pruners and
   * learning curves have already judged the first. Reporting the same value again is a no-op that
   * returns true (a retried request, say).
   *
   * @example
   * trial.reportIntermediate(0.41, 3); // true
   * trial.reportIntermediate(0.39, 3); // false: step 3 stays 0.41, with a warning
   */
  reportIntermediate(value: number, step: number): boolean {
    this.assertWritable();
    if (typeof value !== "number") throw new TypeError(`intermediate value must be a number, got ${typeof value}`);
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new TypeError(`step must be a non-negative integer, got ${typeof step === "string" ? `the string ${JSON.stringify(step)}` : String(step)}`);
    }
    if (Object.prototype.hasOwnProperty.call(this.intermediateValues, step)) {
      const first = this.intermediateValues[step]!;
      if (Object.is(first, value)) return true;
      if (!this.warnedRepeatedStep) {
        this.warnedRepeatedStep = true;
        this.host.warn(
          `trial ${this.number}: step ${step} was already reported as ${first}; ignoring ${value} (a step keeps its first value; further repeats in this trial are ignored without a warning)`,
        );
      }
      return false;
    }
    this.intermediateValues[step] = value;
    this.intermediateSteps.add(step, value);
    this.pending.intermediate[step] = value;
    this.host.scheduleFlush(this);
    return true;
  }

  /**
   * Records the trial's constraint values, feasible when every one is <= 0 (for example a
   * latency budget as `latencyMs - 50`). The study stores them with the result; values given to
   * `tell` or computed by the study's `constraints` function take precedence (the study warns once when they differ).
   *
   * @example
   * trial.reportConstraints([memoryGb - 16, latencyMs - 50]);
   */
  reportConstraints(constraints: NumberList): void {
    this.assertWritable();
    const problem = constraintsProblem(constraints);
    if (problem !== null) throw new TypeError(`trial ${this.number}: ${problem}`);
    this.setSystemAttr("constraints", [...constraints]);
  }

  /** Whether the study's pruner says this trial should stop now. Throw {@link TrialPruned} if so. */
  shouldPrune(): boolean {
    return this.host.shouldPrune(this);
  }

  /**
   * In a study with a scheduler (PBT, PB2): the member this trial is a segment of and the steps it
   * trains; undefined otherwise.
   */
  get segment(): TrialSegment | undefined {
    const place = segmentPlace(this);
    const context = place ? this.host.segmentContext() : null;
    if (!place || !context) return undefined;
    const startStep = place.segment * context.segmentSteps;
    return {
      member: place.member,
      index: place.segment,
      startStep,
      endStep: startStep + context.segmentSteps,
      parent: place.parent,
      exploitedFrom: place.exploitedFrom,
    };
  }

  /**
   * The checkpoint this segment starts from (its parent's, or the exploited member's), or
   * undefined for a member's first segment or when the parent saved none.
   *
   * @example
   * const model = (trial.checkpoint()?.data as Model | undefined) ?? freshModel();
   */
  checkpoint(): Checkpoint | undefined {
    const place = segmentPlace(this);
    const context = this.host.segmentContext();
    if (!place || place.checkpoint === null || place.parent === null || !context) return undefined;
    return context.store.open(place.checkpoint, place.parent);
  }

  /** The folder this segment may write its checkpoint into (created); pass it to {@link saveCheckpoint} as `{ dir }`. */
  get checkpointDir(): string {
    return this.checkpointStore("checkpointDir").dirFor(this.number);
  }

  /**
   * Saves this segment's checkpoint, which later segments (of this member, or of members that
   * copy it) start from: `{ data }` a JSON value or bytes, or `{ dir }` a folder of files (copied
   * in unless it is {@link checkpointDir}). Only a path is kept in storage. Saved again in the
   * same segment, the last save is the one restored. NaN and ±Infinity in `data` are restored as
   * they were; what JSON cannot hold (a Date, a Map, an undefined field) throws a TypeError naming it.
   *
   * @example
   * trial.saveCheckpoint({ data: { weights, step } });
   */
  saveCheckpoint(input: CheckpointInput): void {
    this.assertWritable();
    if (input === null || typeof input !== "object" || (!("data" in input) && !("dir" in input))) {
      throw new TypeError("saveCheckpoint takes { data: <JSON value or bytes> } or { dir: <folder> }");
    }
    const name = this.checkpointStore("saveCheckpoint").save(this.number, input);
    this.setSystemAttr(SAVED_CHECKPOINT_ATTR, name);
  }

  private checkpointStore(what: string): CheckpointStore {
    const context = this.host.segmentContext();
    if (!context) throw new Error(`trial ${this.number}: ${what} needs a study with a scheduler (createStudy({ scheduler: new PBTScheduler(...) }))`);
    return context.store;
  }

  /** Attaches a JSON value to the trial (kept in storage, shown in listings). */
  setUserAttr(key: string, value: JsonValue): void {
    this.assertWritable();
    checkAttr(`trial ${this.number}: setUserAttr`, key, value);
    this.userAttributes[key] = value;
    this.pending.userAttrs[key] = value;
    this.host.scheduleFlush(this);
  }

  /** Internal bookkeeping attributes (samplers' notes, failure reasons). */
  setSystemAttr(key: string, value: JsonValue): void {
    // After tell the write would never reach storage (the trial's last write has been made).
    this.assertWritable();
    checkAttr(`trial ${this.number}: setSystemAttr`, key, value);
    this.systemAttributes[key] = value;
    this.systemAttributesSetHere[key] = value;
    this.pending.systemAttrs[key] = value;
    this.host.scheduleFlush(this);
  }

  /** The system attributes set on this object since it was made (its sampler's notes among them), written or not. */
  get systemAttrsSetHere(): Readonly<Record<string, JsonValue>> {
    return this.systemAttributesSetHere;
  }

  /** Whether what waits to be written is intermediate values alone (no parameters or attributes). */
  onlyIntermediatePending(): boolean {
    const p = this.pending;
    return isEmpty(p.params) && isEmpty(p.userAttrs) && isEmpty(p.systemAttrs);
  }

  /** Takes the pending writes, leaving none. */
  takePending(): TrialPatch | null {
    const p = this.pending;
    if (
      isEmpty(p.params) &&
      isEmpty(p.intermediate) &&
      isEmpty(p.userAttrs) &&
      isEmpty(p.systemAttrs)
    ) {
      return null;
    }
    this.pending = emptyPending();
    return {
      ...(isEmpty(p.params) ? {} : { params: p.params }),
      ...(isEmpty(p.intermediate) ? {} : { intermediate: p.intermediate }),
      ...(isEmpty(p.userAttrs) ? {} : { userAttrs: p.userAttrs }),
      ...(isEmpty(p.systemAttrs) ? {} : { systemAttrs: p.systemAttrs }),
    };
  }

  /** The trial as a frozen record, with what is known locally (for pruners). */
  toFrozen(): FrozenTrial {
    return {
      id: this.id,
      number: this.number,
      state: this.finished ? "complete" : "running",
      params: this.paramValues,
      distributions: this.paramDistributions,
      values: null,
      intermediate: this.intermediateValues,
      userAttrs: this.userAttributes,
      systemAttrs: this.systemAttributes,
      startedAt: this.startedAt,
      finishedAt: null,
      seq: 0,
    };
  }

  /** Has the study fail this trial for `error`, which leaves it unable to go on, and returns `error` to throw. */
  private cannotGoOn(error: unknown): unknown {
    if (this.finished) return error;
    const reason = this.host.failTrialThatCannotGoOn(this, error);
    if (this.finished) this.failedBecause = reason;
    return error;
  }

  private assertWritable(): void {
    if (this.failedBecause !== null) throw new Error(`trial ${this.number} was failed (${this.failedBecause}) and takes no more writes`);
    if (this.finished) throw new Error(`trial ${this.number} has already finished`);
  }
}

/**
 * Refuses an attribute that storage could not keep as given: a key that is not text, or a value
 * that is not JSON (a bigint, a Date, a cycle…), which used to fail the trial's last write after
 * the objective had returned, losing its value and leaving it running.
 */
export function checkAttr(where: string, key: unknown, value: unknown): void {
  if (typeof key !== "string") throw new TypeError(`${where}: the key must be a string, got ${typeof key}`);
  // Assigned as obj[key], it would replace the attributes' prototype and be lost on the way to storage.
  if (key === "__proto__") throw new TypeError(`${where}: "__proto__" is not allowed as a key (every JavaScript object inherits it)`);
  const problem = jsonValueProblem(value, `the value of "${key}"`);
  if (problem !== null) throw new TypeError(`${where}: ${problem}`);
}

/** Whether a value is a typed array (Float64Array and the like), which objectives may return for a list of numbers. */
export function isTypedArray(value: unknown): value is ArrayLike<unknown> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * What is wrong with a list of constraint values, naming the bad element, or null if it is a
 * non-empty array of finite numbers.
 *
 * @example
 * constraintsProblem([0.5, NaN]) // "constraint 1 is NaN, not a finite number"
 */
export function constraintsProblem(constraints: unknown): string | null {
  if (constraints instanceof Promise) return "constraints must be an array of numbers, got a Promise (the constraints function must not be async)";
  // A Float64Array from numeric code is a list of numbers too: it read 'got {"0":0.2}'.
  if (!Array.isArray(constraints) && !isTypedArray(constraints)) return `constraints must be an array of numbers, got ${shownValue(constraints)}`;
  const list = constraints as ArrayLike<unknown>;
  if (list.length === 0) return "constraints must not be an empty array";
  for (let i = 0; i < list.length; i++) {
    const c: unknown = list[i];
    if (typeof c !== "number" || !Number.isFinite(c)) return `constraint ${i} is ${shownValue(c)}, not a finite number`;
  }
  return null;
}

/**
 * Any value as text for a message: its JSON where it has one, else its own text, else its type.
 * JSON.stringify throws on a bigint, a cycle or a throwing toJSON, and String() on an object
 * without a prototype; thrown while a trial was being judged, either left it running for good.
 *
 * @example
 * shownValue({ a: 1 }) // '{"a":1}'
 * shownValue(3n) // "3n"
 * shownValue(NaN) // "NaN"
 */
export function shownValue(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") return String(value); // NaN, not JSON's null
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // below: its own text
  }
  try {
    const text = String(value);
    if (text !== "[object Object]") return text;
  } catch {
    // below: its type
  }
  return `an ${typeof value} that cannot be written as JSON`;
}

function emptyPending(): Trial["pending"] {
  return { params: {}, intermediate: {}, userAttrs: {}, systemAttrs: {} };
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/**
 * The options of suggestFloat/suggestInt that are set. Any other key is refused: a misspelt `lg`
 * used to leave a log-scale range linear without a word. A `log` that is not a boolean is left for
 * validateDistribution to refuse ("false" is truthy).
 */
function definedOnly(method: string, name: string, options: SuggestFloatOptions): SuggestFloatOptions {
  if (options === null || typeof options !== "object") throw new InvalidDistributionError(`${method}("${name}"): options must be an object such as { log: true } or { step: 0.1 }`);
  const unknown = unknownKeysMessage(options, ["log", "step"]);
  if (unknown !== null) throw new InvalidDistributionError(`${method}("${name}"): ${unknown}`);
  const out: SuggestFloatOptions = {};
  if (options.log !== undefined && options.log !== false) out.log = options.log;
  if (options.step !== undefined) out.step = options.step;
  return out;
}
