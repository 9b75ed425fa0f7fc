import { seedOrRandom } from "../math/rng.js";
import { type JsonValue, studyNameProblem, unknownKeysMessage } from "../space/index.js";
import { DuplicateStudyError, ONLINE_TUNER_ATTR, type Storage, type StudyRecord, compareAndSetStudySystemAttr, missingSqliteFile, openStorage } from "../storage/index.js";
import {
  BANDIT_ALGORITHMS,
  type BanditAlgorithm,
  type BanditConfig,
  type BanditState,
  chebyshevFeatures,
  drawArm,
  featureCount,
  initialState,
  playDistribution,
  update,
} from "./bandit.js";

/** Bad settings or a call out of order for an online tuner; the message names the field. */
export class OnlineTunerError extends Error {
  override name = "OnlineTunerError";
  constructor(
    message: string,
    /** The option or argument at fault, as {@link OnlineTunerOptions} and the HTTP API's JSON name it (`"parameter.arms"`, `"cost"`, `"context"`), when one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * A call out of the tuner's order: `observe` with no choice waiting for its cost (`waiting`
 * `"nothing"`), or `choose` for a context while a choice for another context waits for its cost
 * (`"another context"`).
 *
 * @example
 * await tuner.observe(3); // OnlineTunerOrderError: observe() without a pending choice: call choose() first
 */
export class OnlineTunerOrderError extends OnlineTunerError {
  override name = "OnlineTunerOrderError";
  constructor(readonly waiting: "nothing" | "another context") {
    super(
      waiting === "nothing"
        ? "observe() without a pending choice: call choose() first"
        : "a choice made for another context is waiting for its cost: observe it first (a repeated choose with the same context returns that choice again)",
      waiting === "nothing" ? undefined : "context",
    );
  }
}

/**
 * `observe(cost, { round })` for a choice that is no longer the one waiting: that choice was observed
 * already, by this caller (observing twice without a choose between) or another process sharing
 * the tuner, and the choice waiting now, if any, is for another round, likely another value. The
 * cost is not counted: credited to the waiting choice it would say that choice's value cost what
 * another value did, and that choice's own cost would then find nothing waiting.
 *
 * @example
 * const value = await tuner.choose();
 * const round = tuner.rounds; // the round of the choice just made
 * await tuner.observe(solve(value), { round }); // OnlineTunerStaleRoundError if it was observed already (by another process, or twice)
 */
export class OnlineTunerStaleRoundError extends OnlineTunerError {
  override name = "OnlineTunerStaleRoundError";
  constructor(
    /** The round the cost was for. */
    readonly round: number,
    /** Costs the tuner had observed when this one came. */
    readonly rounds: number,
  ) {
    super(
      `the choice of round ${round} was observed already (the tuner has ${rounds} cost(s) observed), by this caller or another sharing the tuner, ` +
        "so this cost is not counted, since the choice waiting now (if any) may be of another value",
      "round",
    );
  }
}

/**
 * The name given is a study's, not an online tuner's: tuners and studies share one table of names,
 * so {@link createOnlineTuner} cannot make a tuner under it, and {@link loadOnlineTuner} cannot
 * open one there. Front ends tell it by its class (the HTTP API answers 409), not by its message.
 *
 * @example
 * await createStudy({ storage, studyName: "sor" });
 * await createOnlineTuner({ name: "sor", storage, parameter: { low: 1, high: 2 } }); // OnlineTunerNameTakenError: study "sor" is not an online tuner
 */
export class OnlineTunerNameTakenError extends OnlineTunerError {
  override name = "OnlineTunerNameTakenError";
  constructor(
    /** The study's name, asked for as a tuner's. */
    readonly studyName: string,
  ) {
    super(`study "${studyName}" is not an online tuner`);
  }
}

/** One setting of a stored tuner that a create asked to have otherwise. */
export interface OnlineSettingDifference {
  /** The option's path in {@link OnlineTunerOptions}, as the HTTP API's JSON names it too: `"parameter.high"`, `"costScale"`, `"context.low"`. */
  readonly field: string;
  readonly stored: unknown;
  readonly wanted: unknown;
}

/**
 * Thrown by {@link createOnlineTuner} when a tuner of that name exists with other settings. Its
 * `differences` let each front end name the settings as its users write them (the CLI's
 * `--cost-scale`, not `costScale`); see {@link describeSettingsConflict}.
 *
 * @example
 * try { await createOnlineTuner({ name: "omega", storage, parameter: { low: 1, high: 2 } }); }
 * catch (e) { if (e instanceof OnlineTunerSettingsError) console.error(e.differences.map((d) => d.field)); }
 */
export class OnlineTunerSettingsError extends OnlineTunerError {
  override name = "OnlineTunerSettingsError";

  constructor(
    readonly tunerName: string,
    readonly differences: readonly OnlineSettingDifference[],
  ) {
    super(describeSettingsConflict(tunerName, differences, (field) => field, "use loadOnlineTuner to resume it as it is"));
  }
}

/**
 * The message of a settings conflict with each setting named by `nameOf` (given the option's path,
 * e.g. `"costScale"`) and the remedy that fits the caller.
 *
 * @example
 * describeSettingsConflict("omega", [{ field: "costScale", stored: 100, wanted: 200 }], (f) => f, "use it as it is")
 * // 'online tuner "omega" exists with other settings (costScale 100, not 200); use it as it is'
 */
export function describeSettingsConflict(tunerName: string, differences: readonly OnlineSettingDifference[], nameOf: (field: string) => string, remedy: string): string {
  const shown = (value: unknown) => (typeof value === "string" ? value : value === null ? "none" : JSON.stringify(value) ?? "none");
  const listed = differences.map((d) => `${nameOf(d.field)} ${shown(d.stored)}, not ${shown(d.wanted)}`);
  return `online tuner "${tunerName}" exists with other settings (${listed.join("; ")}); ${remedy}`;
}

/**
 * Why a cost of −∞ is refused, as the library, `sextant online observe` and the HTTP API say it
 * after the value as each user wrote it. Costs are counts and times, 0 or more: −∞ comes of a slip
 * (the log of a time that measured 0, a sign turned), and counted as the best cost it favoured
 * the value that drew it.
 */
export const MINUS_INFINITE_COST =
  "costs are counts or times of 0 or more (lower is better), so minus infinity is no cost, and counted it would be the best of all; a diverged solve's cost is Infinity, the worst";

/** The parameter an online tuner sets: a numeric range, discretized into `arms` points. */
export interface OnlineParameter {
  /** A name, for listings (default "value"). */
  readonly name?: string;
  readonly low: number;
  readonly high: number;
  /** Space the grid evenly on a log scale. */
  readonly log?: boolean;
  /** Points of the grid, both ends included (default 16). */
  readonly arms?: number;
}

/** The instance features a contextual tuner sees, and their ranges (for the Chebyshev basis). */
export interface OnlineContextSpec {
  /** Lower bound of each feature. */
  readonly low: readonly number[];
  /** Upper bound of each feature. */
  readonly high: readonly number[];
  /** Degree of the Chebyshev polynomials per feature (default 4). */
  readonly degree?: number;
}

export interface OnlineTunerOptions {
  readonly parameter: OnlineParameter;
  /** `"tsallis-inf"` (default), `"exp3"`, or `"chebcb"` (contextual: needs `context`). */
  readonly algorithm?: BanditAlgorithm;
  /** Seed of every draw (default: random). */
  readonly seed?: number;
  /**
   * Costs are divided by this and clipped to [0, 1], the range the regret guarantees assume
   * (default 1: costs already in [0, 1]). A cost somewhat above a typical bad choice's works well.
   */
  readonly costScale?: number;
  /** Features of each instance, for `"chebcb"`. */
  readonly context?: OnlineContextSpec;
  /** ChebCB's exploration constant γ₀ (default 10). */
  readonly exploration?: number;
  /**
   * Tsallis-INF and Exp3: a multiplier c of the learning rate (default 2, chosen on the dev
   * sequence of `bench:online` among 1, 2 and 4). Tsallis-INF plays with η_t = 2c/√t: c = 2 gives
   * 4/√t, the rate Zimmert and Seldin pair with the reduced-variance loss estimates it keeps (c = 1
   * gives 2/√t, their rate for plain importance-weighted ones). Exp3 plays with
   * η_t = c·√(2 ln K/(K t)); Bubeck and Cesa-Bianchi prove its bound at c = 1/√2, and other values
   * keep the same O(√(TK ln K)) order with a larger constant. A larger c commits to good arms
   * sooner on benign sequences. See `bandit.ts`.
   */
  readonly learningRate?: number;
  /** Where the tuner's state lives between runs: a storage URL or an open storage (default: memory only). */
  readonly storage?: string | Storage;
  /**
   * The tuner's name in storage; required with `storage`. A tuner of that name is resumed if its
   * settings are these, also when another process creates it at the same moment.
   */
  readonly name?: string;
}

/** What a tuner keeps in storage, as its study's system attribute {@link ONLINE_ATTR}. */
export interface OnlineTunerRecord {
  readonly parameter: Required<OnlineParameter>;
  readonly algorithm: BanditAlgorithm;
  readonly seed: number;
  readonly costScale: number;
  readonly context: Required<OnlineContextSpec> | null;
  readonly exploration: number;
  readonly learningRate: number;
  readonly state: BanditState;
}

/** The study system attribute that marks a study as an online tuner and holds its state. */
export const ONLINE_ATTR = ONLINE_TUNER_ATTR;

/**
 * A tuner's settings and where it stands, as {@link OnlineTuner.stats} reports them. The settings
 * carry the names of {@link OnlineTunerOptions} (and of the HTTP API's create body), so that
 * without `rounds`, `values`, `probabilities` and `pending` they are the options that resume the
 * tuner: a rate or a context the tuner's algorithm does not play with is left out.
 */
export interface OnlineTunerStats {
  readonly name: string | null;
  readonly algorithm: BanditAlgorithm;
  /** The parameter's range and grid, defaults filled in. */
  readonly parameter: Required<OnlineParameter>;
  /** The features' ranges and the Chebyshev degree (`"chebcb"` only). */
  readonly context?: Required<OnlineContextSpec>;
  /** The seed of every draw (the one drawn at random when none was given). */
  readonly seed: number;
  readonly costScale: number;
  /** Tsallis-INF and Exp3 only. */
  readonly learningRate?: number;
  /** ChebCB only. */
  readonly exploration?: number;
  readonly rounds: number;
  /** The grid of values the tuner chooses from. */
  readonly values: readonly number[];
  /** The probability of each value at the next choice (for contextual tuners: at no context, i.e. the mid-point). */
  readonly probabilities: readonly number[];
  readonly pending: number | null;
}

/**
 * A tuner that sets one numeric parameter for each instance of a sequence from the costs of
 * earlier instances, with no extra evaluations (Khodak et al. 2024, "Learning to Relax"): call
 * `choose(context?)` before solving an instance and `observe(cost)` after. With `storage`, the
 * state is written after every call, so a restarted process resumes the same tuner (and, from the
 * same state and seed, makes the same choices); each save is a compare-and-set on the state it
 * read, so processes sharing a tuner by name never lose or double-count a cost. Creating is
 * idempotent: with the settings of a tuner stored under `name` (the seed compared only when
 * given), it resumes that tuner, even when two processes create it at once; with other settings
 * it throws. See `bandit.ts` for the algorithms and their guarantees.
 *
 * The returned tuner's `created` says whether this call made it: true for a new tuner (always,
 * without `storage`), false when it resumed one, also one another process created a moment
 * earlier. Only one of several racing creates of a name gets `true`, so a service can answer
 * "created" or "found" from it; reading storage first cannot tell, since every racer may read
 * "absent".
 *
 * @example
 * const tuner = await createOnlineTuner({ parameter: { low: 1, high: 1.95, arms: 20 }, algorithm: "tsallis-inf", seed: 1, costScale: 500 });
 * for (const system of systems) {
 *   const omega = await tuner.choose();
 *   await tuner.observe(sor(system, omega).iterations);
 * }
 * @example
 * // Contextual: the diagonal shift c of each system A + cI is its feature.
 * const tuner = await createOnlineTuner({ parameter: { low: 1, high: 1.95 }, algorithm: "chebcb", context: { low: [0], high: [4] }, seed: 1, costScale: 500 });
 * const omega = await tuner.choose([shift]);
 */
export async function createOnlineTuner(options: OnlineTunerOptions): Promise<OnlineTuner> {
  const record = newRecord(options);
  if (options.storage === undefined) return new OnlineTuner(record, null, null, false, true);
  if (!options.name) throw new OnlineTunerError("an online tuner kept in storage needs a name", "name");
  // A tuner is a row of the studies' table, reached by URL paths as a study is: ".." was created
  // and no HTTP route could reach it, a blank name could not be told apart in a listing.
  const nameProblem = typeof options.name === "string" ? studyNameProblem(options.name) : `must be a string, got ${typeof options.name}`;
  if (nameProblem !== null) throw new OnlineTunerError(`name ${nameProblem}`, "name");
  const owns = typeof options.storage === "string";
  const storage = typeof options.storage === "string" ? await openStorage(options.storage) : options.storage;
  const name = options.name;
  const resume = (existing: StudyRecord): OnlineTuner => {
    const stored = readRecord(existing);
    checkSameTuner(name, stored, record, options.seed !== undefined);
    return new OnlineTuner(stored, storage, existing, owns, false);
  };
  try {
    const existing = await storage.getStudy(name);
    if (existing) return resume(existing);
    try {
      const study = await storage.createStudy(name, ["minimize"], { systemAttrs: { [ONLINE_ATTR]: record as unknown as JsonValue } });
      return new OnlineTuner(record, storage, study, owns, true);
    } catch (error) {
      // Another process (a second server, a second `sextant online create`) created it between
      // our read and our write: the same settings resume its tuner, as they would have a moment
      // later. The study is created with its record in one insert, so what we read is complete.
      if (!(error instanceof DuplicateStudyError)) throw error;
      const winner = await storage.getStudy(name);
      if (!winner) throw error;
      return resume(winner);
    }
  } catch (error) {
    if (owns) await storage.close();
    throw error;
  }
}

/**
 * Opens a tuner saved earlier under `name`, with the settings it was created with.
 *
 * @example
 * const tuner = await loadOnlineTuner({ name: "sor-omega", storage: "sqlite:./sextant.db" });
 */
export async function loadOnlineTuner(options: { name: string; storage: string | Storage }): Promise<OnlineTuner> {
  // Opening would create (and migrate) a misspelt file, left behind by a call that only loads, as loadStudy says.
  const missing = typeof options.storage === "string" ? missingSqliteFile(options.storage) : null;
  if (missing !== null) throw new OnlineTunerError(`no online tuner named "${options.name}" in ${options.storage}: the file ${missing} does not exist`);
  const owns = typeof options.storage === "string";
  const storage = typeof options.storage === "string" ? await openStorage(options.storage) : options.storage;
  try {
    const study = await storage.getStudy(options.name);
    if (!study) throw new OnlineTunerError(`no online tuner named "${options.name}" in ${storage.url}`);
    return new OnlineTuner(readRecord(study), storage, study, owns, false);
  } catch (error) {
    if (owns) await storage.close();
    throw error;
  }
}

/**
 * The tuner held by a record already read from storage, kept apart from that storage (its choose
 * and observe would change this object alone): `sextant copy` reports from it the state it copied,
 * read in the same read. Refused as {@link loadOnlineTuner} refuses it (a study's record, a newer
 * Sextant's tuner).
 *
 * @example
 * const { rounds, pending } = detachedOnlineTuner(await storage.getStudy("sor")).stats();
 */
export function detachedOnlineTuner(study: StudyRecord): OnlineTuner {
  return new OnlineTuner(readRecord(study), null, null, false);
}

/** See {@link createOnlineTuner}. */
export class OnlineTuner {
  private record: OnlineTunerRecord;
  /** The last choose or observe: each waits for the one before (see serially). */
  private queue: Promise<unknown> = Promise.resolve();
  /** The grid the tuner chooses from, low to high. */
  readonly values: readonly number[];

  constructor(
    record: OnlineTunerRecord,
    private readonly storage: Storage | null,
    private readonly study: StudyRecord | null,
    private readonly ownsStorage: boolean,
    /**
     * Whether the call that returned this tuner created it (see {@link createOnlineTuner}); false
     * for a tuner that call resumed and for one {@link loadOnlineTuner} opened.
     */
    readonly created: boolean = false,
  ) {
    this.record = record;
    this.values = gridValues(record.parameter);
  }

  get name(): string | null {
    return this.study?.name ?? null;
  }

  get algorithm(): BanditAlgorithm {
    return this.record.algorithm;
  }

  /** Costs observed so far. */
  get rounds(): number {
    return this.record.state.rounds;
  }

  /** The value chosen and not yet observed, or null. */
  get pendingValue(): number | null {
    const pending = this.record.state.pending;
    return pending ? this.values[pending.arm]! : null;
  }

  /**
   * The value to use for the next instance. A contextual tuner needs the instance's features, one
   * number per feature of `context`. Calling it again before `observe` returns the same value
   * (for the same context: another instance's context then is an error, since the cost observed
   * next would be credited to the features of the first). A feature outside its range in
   * `context` counts as the nearest end of that range.
   */
  async choose(context?: readonly number[]): Promise<number> {
    return this.serially(() => this.chooseNow(context));
  }

  private async chooseNow(context?: readonly number[]): Promise<number> {
    for (;;) {
      await this.reload();
      const { state } = this.record;
      if (!this.record.context && context !== undefined) {
        throw new OnlineTunerError(`the ${this.record.algorithm} tuner takes no context; create a "chebcb" tuner to choose by instance features`, "context");
      }
      const features = this.features(context);
      if (state.pending) {
        const waiting = state.pending.features;
        if (waiting && features && waiting.some((v, i) => v !== features[i])) {
          throw new OnlineTunerOrderError("another context");
        }
        return this.values[state.pending.arm]!;
      }
      const pending = drawArm(this.banditConfig(), state, features);
      if (await this.save({ ...state, pending })) return this.values[pending.arm]!;
    }
  }

  /**
   * Reports the cost of the instance solved with the value `choose` gave (lower is better). The
   * answer's `clipped` says the cost fell outside [0, costScale] and counted as the best (below 0)
   * or the worst (above the scale). So does Infinity, which a solver that diverged reports: the
   * worst cost. The CLI (`inf`) and the HTTP API (`"Infinity"`, as JSON cannot hold the number)
   * take it too. NaN and `-Infinity` are refused (see {@link MINUS_INFINITE_COST}).
   *
   * Several processes sharing a tuner get the choice waiting from each `choose`, and an `observe`
   * counts for the choice waiting when it comes: one that comes after another process observed
   * the choice and chose again would be credited to the new choice, of another value. Give
   * `round`, the tuner's {@link rounds} right after your `choose` (the HTTP API's `round`), and
   * such a cost is refused with {@link OnlineTunerStaleRoundError} instead.
   */
  async observe(cost: number, options: { round?: number } = {}): Promise<{ loss: number; clipped: boolean }> {
    if (typeof cost !== "number" || Number.isNaN(cost)) throw new OnlineTunerError(`cost must be a number, got ${describeCost(cost)}`, "cost");
    if (cost === -Infinity) throw new OnlineTunerError(`cost -Infinity is refused: ${MINUS_INFINITE_COST}`, "cost");
    // A misspelt key ({ rnd: 3 }) would leave the cost unguarded without a word.
    const unknown = options !== null && typeof options === "object" ? unknownKeysMessage(options, ["round"]) : null;
    if (unknown !== null) throw new OnlineTunerError(`observe: ${unknown}`);
    const { round } = options;
    if (round !== undefined && !(Number.isSafeInteger(round) && round >= 0)) throw new OnlineTunerError(`round must be an integer of at least 0, got ${describeCost(round)}`, "round");
    return this.serially(async () => {
      for (;;) {
        await this.reload();
        const { rounds, pending } = this.record.state;
        if (round !== undefined && round < rounds) throw new OnlineTunerStaleRoundError(round, rounds);
        if (round !== undefined && round > rounds) {
          throw new OnlineTunerError(`round ${round} has not been chosen: the tuner has ${rounds} cost(s) observed, so the choice ${pending ? "waiting" : "to come"} is of round ${rounds}`, "round");
        }
        if (!pending) throw new OnlineTunerOrderError("nothing");
        const loss = Math.min(1, Math.max(0, cost / this.record.costScale));
        if (!(await this.save(update(this.banditConfig(), this.record.state, loss)))) continue;
        // Costs above the scale all count as 1, and negative ones all as 0: a tuner whose costs
        // mostly are (a reward negated into a cost, a scale far too small) learns nothing. The
        // caller hears it (sextant online observe warns; the HTTP answer says clipped).
        return { loss, clipped: cost < 0 || cost > this.record.costScale };
      }
    });
  }

  /**
   * Runs `step` after every choose and observe called before it has finished. With storage, each
   * checked the state before the one before it had saved: two observes of one choice both
   * counted, one cost lost, and two contexts each got a choice.
   */
  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The tuner's settings and its current play distribution. The settings were missing: a client of
   * `GET /online/{tuner}` or `sextant online show` could not tell what to create it with again.
   */
  stats(): OnlineTunerStats {
    const { state, context, algorithm, parameter, seed, costScale, exploration, learningRate } = this.record;
    const mid = context ? context.low.map((low, i) => (low + context.high[i]!) / 2) : undefined;
    const probabilities = Array.from(playDistribution(this.banditConfig(), state, this.features(mid)));
    return {
      name: this.name,
      algorithm,
      parameter: { ...parameter },
      ...(context ? { context: { low: [...context.low], high: [...context.high], degree: context.degree } } : {}),
      seed,
      costScale,
      ...(algorithm === "chebcb" ? { exploration } : { learningRate }),
      rounds: state.rounds,
      values: this.values,
      probabilities,
      pending: this.pendingValue,
    };
  }

  /** The stored record (settings and state), as JSON. */
  toJSON(): OnlineTunerRecord {
    return this.record;
  }

  async close(): Promise<void> {
    if (this.ownsStorage) await this.storage?.close();
  }

  /** The settings the bandit algorithms take. */
  banditConfig(): BanditConfig {
    const { algorithm, parameter, seed, context, exploration, learningRate } = this.record;
    return {
      algorithm,
      arms: parameter.arms,
      seed,
      contextDimensions: context?.low.length ?? 0,
      degree: context?.degree ?? 0,
      exploration,
      ridge: 1,
      learningRate,
    };
  }

  private features(context: readonly number[] | undefined): number[] | null {
    const spec = this.record.context;
    if (!spec) return null;
    if (!context) throw new OnlineTunerError(`the ${this.record.algorithm} tuner needs a context of ${spec.low.length} number(s) on every choice`, "context");
    if (context.length !== spec.low.length || !context.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new OnlineTunerError(`context must be ${spec.low.length} finite number(s), got ${JSON.stringify(context)}`, "context");
    }
    const scaled = context.map((v, i) => (2 * (v - spec.low[i]!)) / (spec.high[i]! - spec.low[i]!) - 1);
    return chebyshevFeatures(scaled, spec.degree);
  }

  /**
   * Reads the state stored since this object last saved: another process (or another object on
   * the same storage) using the tuner by its name may have chosen or observed since. Without it,
   * each went on from its own copy and every save overwrote the other's rounds.
   */
  private async reload(): Promise<void> {
    if (!this.storage || !this.study) return;
    const study = await this.storage.getStudy(this.study.name);
    if (!study || study.id !== this.study.id) throw new OnlineTunerError(`online tuner "${this.study.name}" is no longer in ${this.storage.url}: it was deleted while in use`);
    this.record = readRecord(study);
  }

  /**
   * Stores `state` if the stored record is still the one {@link reload} read, and says whether it
   * did; when it did not, another process chose or observed in between, and the caller reads
   * again. Written unconditionally, two processes that read one choice each observed it, and the
   * later save dropped the earlier's cost (two contexts each got a choice, the first overwritten).
   */
  private async save(state: BanditState): Promise<boolean> {
    const record = { ...this.record, state };
    if (this.storage && this.study) {
      const read = this.record as unknown as JsonValue;
      if (!(await compareAndSetStudySystemAttr(this.storage, this.study, ONLINE_ATTR, read, record as unknown as JsonValue))) return false;
    }
    this.record = record;
    return true;
  }
}

/**
 * The grid of an online parameter, low to high, with its ends as given. Values between are
 * rounded to 15 significant digits: the arithmetic leaves 1.2999999999999998 where 1.3 is meant,
 * and `sextant online choose` prints the value for a program to use. A log grid is spaced in
 * powers of 10, rounded to 14 digits: through exp and ln, 0.001 to 1000 gave 9.99999999999999
 * where 10 is meant (an integer-minded program read 9), and the exponent's rounding reaches the
 * 15th digit.
 */
export function gridValues(parameter: Required<OnlineParameter>): number[] {
  const { low, high, log, arms } = parameter;
  if (arms === 1) return [low];
  return Array.from({ length: arms }, (_, i) => {
    const u = i / (arms - 1);
    // The ends as given on either scale: rounded, a low of 0.1 + 0.2 became 0.3, outside the range.
    if (i === 0 || i === arms - 1) return i === 0 ? low : high;
    if (!log) return Number((low + u * (high - low)).toPrecision(15));
    return Number((10 ** (Math.log10(low) + u * (Math.log10(high) - Math.log10(low)))).toPrecision(14));
  });
}

/**
 * Keys each options object takes: a misspelt one (costscale) used to be dropped, leaving a tuner that clipped every cost to 1.
 * A stored tuner's parameter and context hold the same keys (records, so tsc says when one is added and not listed).
 */
const OPTION_KEYS = {
  options: ["name", "storage", "parameter", "algorithm", "seed", "costScale", "context", "exploration", "learningRate"],
  parameter: Object.keys({ name: 1, low: 1, high: 1, log: 1, arms: 1 } satisfies Record<keyof OnlineParameter, 1>),
  context: Object.keys({ low: 1, high: 1, degree: 1 } satisfies Record<keyof OnlineContextSpec, 1>),
} as const;

function refuseUnknownKeys(where: keyof typeof OPTION_KEYS, value: object): void {
  const unknown = unknownKeysMessage(value, OPTION_KEYS[where], where === "options" ? undefined : where);
  if (unknown !== null) throw new OnlineTunerError(unknown);
}

/** The most grid points the CLI (`online create --arms`) and the HTTP API (POST /api/v1/online) take. */
export const MAX_ONLINE_ARMS = 10_000;

/** The most numbers a ChebCB tuner's regressions may hold (arms × (p² + p)). */
const MAX_CHEBCB_STATE = 10_000_000;

/** The largest learningRate or exploration a tuner takes. */
const MAX_RATE = 1e6;

function newRecord(options: OnlineTunerOptions): OnlineTunerRecord {
  refuseUnknownKeys("options", options);
  const p = options.parameter;
  if (!p || typeof p !== "object") throw new OnlineTunerError("parameter is required: { low, high, arms? }", "parameter");
  refuseUnknownKeys("parameter", p);
  if (options.context && typeof options.context === "object") refuseUnknownKeys("context", options.context);
  if (!Number.isFinite(p.low) || !Number.isFinite(p.high) || !(p.low < p.high)) {
    throw new OnlineTunerError(`parameter.low and parameter.high must be finite with low < high, got ${p.low} and ${p.high}`, "parameter");
  }
  if (!p.log && !Number.isFinite(p.high - p.low)) {
    // The arms are low + u·(high − low): an overflowing width made every arm NaN, chosen as null.
    throw new OnlineTunerError(`parameter: the range [${p.low}, ${p.high}] is too wide (high − low overflows); narrow it, or use a log scale over positive values`, "parameter");
  }
  if (p.log && !(p.low > 0)) throw new OnlineTunerError(`parameter.low must be positive on a log scale, got ${p.low}`, "parameter.low");
  const arms = p.arms ?? 16;
  if (!Number.isInteger(arms) || arms < 2) throw new OnlineTunerError(`parameter.arms must be an integer of at least 2, got ${arms}`, "parameter.arms");
  const algorithm = options.algorithm ?? (options.context ? "chebcb" : "tsallis-inf");
  if (!BANDIT_ALGORITHMS.includes(algorithm)) throw new OnlineTunerError(`algorithm must be one of ${BANDIT_ALGORITHMS.join(", ")}, got ${JSON.stringify(algorithm)}`, "algorithm");
  const costScale = options.costScale ?? 1;
  if (!(costScale > 0) || !Number.isFinite(costScale)) throw new OnlineTunerError(`costScale must be a positive number, got ${costScale}`, "costScale");
  // Beyond MAX_RATE the draws are all or nothing already, and the weights' arithmetic overflows
  // (Tsallis-INF's probabilities became NaN at 1e100).
  const exploration = options.exploration ?? 10;
  if (!(exploration > 0) || !(exploration <= MAX_RATE)) throw new OnlineTunerError(`exploration must be a positive number of at most ${MAX_RATE}, got ${exploration}`, "exploration");
  const learningRate = options.learningRate ?? 2;
  if (!(learningRate > 0) || !(learningRate <= MAX_RATE)) throw new OnlineTunerError(`learningRate must be a positive number of at most ${MAX_RATE}, got ${learningRate}`, "learningRate");
  let context: Required<OnlineContextSpec> | null = null;
  if (algorithm === "chebcb") {
    const c = options.context;
    if (!c) throw new OnlineTunerError('the chebcb algorithm needs context: { low: [...], high: [...] }', "context");
    if (!Array.isArray(c.low) || !Array.isArray(c.high) || c.low.length === 0 || c.low.length !== c.high.length) {
      throw new OnlineTunerError("context.low and context.high must be arrays of the same non-zero length", "context");
    }
    c.low.forEach((low, i) => {
      if (!Number.isFinite(low) || !Number.isFinite(c.high[i]) || !(low < c.high[i]!)) throw new OnlineTunerError(`context.low[${i}] must be below context.high[${i}]`, `context.low.${i}`);
      // A context is scaled by high − low: an overflowing width made every feature NaN, and the
      // first cost observed left a Gram matrix no later choice could factor.
      if (!Number.isFinite(c.high[i]! - low)) {
        throw new OnlineTunerError(`context: the range [${low}, ${c.high[i]}] of feature ${i} is too wide (high − low overflows); narrow it`, `context.low.${i}`);
      }
    });
    const degree = c.degree ?? 4;
    if (!Number.isInteger(degree) || degree < 1) throw new OnlineTunerError(`context.degree must be a positive integer, got ${degree}`, "context.degree");
    // One p×p ridge regression per arm: 10,000 arms of 64 features at degree 16, which the HTTP
    // schema allows, asked for 10¹⁰ numbers and the server died of an out-of-memory abort.
    const terms = featureCount({ contextDimensions: c.low.length, degree });
    const stateSize = arms * (terms * terms + terms);
    if (stateSize > MAX_CHEBCB_STATE) {
      throw new OnlineTunerError(
        `a chebcb tuner keeps a ${terms}×${terms} regression per arm (1 + ${c.low.length} feature(s) × degree ${degree} terms), ${stateSize} numbers over ${arms} arms, ` +
          `more than the ${MAX_CHEBCB_STATE} a tuner keeps (its state is written whole on every call); use fewer arms or features, or a lower context.degree`,
        "context",
      );
    }
    context = { low: [...c.low], high: [...c.high], degree };
  } else if (options.context) {
    throw new OnlineTunerError(`the ${algorithm} algorithm takes no context; use algorithm "chebcb"`, "context");
  }
  // A NaN seed would be stored as null (JSON) and draw like seed 0: refuse it rather than lose it.
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new OnlineTunerError(`seed must be an integer, got ${options.seed}`, "seed");
  const parameter = { name: p.name ?? "value", low: p.low, high: p.high, log: p.log ?? false, arms };
  // Arms of one value split its plays and its costs between copies of it, and learnt no more of it.
  const distinct = new Set(gridValues(parameter)).size;
  if (distinct < arms) {
    throw new OnlineTunerError(
      `parameter: the range [${p.low}, ${p.high}] is too narrow for ${arms} arms: values are kept to ${parameter.log ? 14 : 15} significant digits, ` +
        `and only ${distinct} of them differ; use fewer arms or a wider range`,
      "parameter",
    );
  }
  const partial = { parameter, algorithm, seed: seedOrRandom(options.seed, "createOnlineTuner"), costScale, context, exploration, learningRate };
  const tuner = new OnlineTuner({ ...partial, state: { rounds: 0, losses: [], gram: null, moment: null, pending: null } }, null, null, false);
  return { ...partial, state: initialState(tuner.banditConfig()) };
}

/** Every field of a stored tuner that this version reads and writes back (records, so tsc says when one is added and not listed). */
const STORED_FIELDS: readonly [string, readonly string[]][] = [
  ["", Object.keys({ parameter: 1, algorithm: 1, seed: 1, costScale: 1, context: 1, exploration: 1, learningRate: 1, state: 1 } satisfies Record<keyof OnlineTunerRecord, 1>)],
  ["state", Object.keys({ rounds: 1, losses: 1, gram: 1, moment: 1, pending: 1 } satisfies Record<keyof BanditState, 1>)],
  ["parameter", OPTION_KEYS.parameter],
  ["context", OPTION_KEYS.context],
];

function readRecord(study: StudyRecord): OnlineTunerRecord {
  const record = study.systemAttrs[ONLINE_ATTR];
  if (!record || typeof record !== "object" || Array.isArray(record)) throw new OnlineTunerNameTakenError(study.name);
  // What a newer Sextant stored and this one does not know would be lost at this one's next save
  // (which writes back only the fields it knows), and an unknown algorithm would be played as another.
  const unknown = STORED_FIELDS.flatMap(([path, known]) => {
    const part = path === "" ? record : (record as Record<string, JsonValue>)[path];
    if (!part || typeof part !== "object" || Array.isArray(part)) return [];
    return Object.keys(part)
      .filter((key) => !known.includes(key))
      .map((key) => (path === "" ? key : `${path}.${key}`));
  });
  const algorithm = (record as Record<string, JsonValue>).algorithm;
  if (!BANDIT_ALGORITHMS.includes(algorithm as BanditAlgorithm)) unknown.push(`algorithm ${JSON.stringify(algorithm)}`);
  if (unknown.length > 0) {
    throw new OnlineTunerError(
      `online tuner "${study.name}" was saved by a newer Sextant: it holds ${unknown.join(", ")}, which this version does not know and would lose at its next save; ` +
        "upgrade Sextant to use it",
    );
  }
  return record as unknown as OnlineTunerRecord;
}

/**
 * Refuses to resume a stored tuner under settings that differ from `wanted`'s: every setting the
 * tuner's algorithm uses, and the seed when one was given (without one, `wanted` holds a fresh
 * random seed and the stored one is meant).
 */
function checkSameTuner(name: string, stored: OnlineTunerRecord, wanted: OnlineTunerRecord, seedGiven: boolean): void {
  const nested = (prefix: string, object: object): Record<string, unknown> => Object.fromEntries(Object.entries(object).map(([key, value]) => [`${prefix}.${key}`, value]));
  // A context that one side lacks (another algorithm) is one difference, not one per field.
  const bothContextual = stored.context !== null && wanted.context !== null;
  // So is a rate that only the other kind of algorithm plays with (ChebCB's exploration, the others'
  // learning rate): the algorithm's own difference says it. Listed, "exploration none, not 10" made
  // the CLI say no flag sets exploration and the tuner was made through the library, of one it made.
  const sameRate = (stored.algorithm === "chebcb") === (wanted.algorithm === "chebcb");
  const fields = (r: OnlineTunerRecord): Record<string, unknown> => ({
    ...nested("parameter", r.parameter),
    algorithm: r.algorithm,
    ...(bothContextual ? nested("context", r.context!) : { context: r.context }),
    costScale: r.costScale,
    ...(!sameRate ? {} : r.algorithm === "chebcb" ? { exploration: r.exploration } : { learningRate: r.learningRate }),
    ...(seedGiven ? { seed: r.seed } : {}),
  });
  const have = fields(stored);
  const want = fields(wanted);
  const differences = [...new Set([...Object.keys(have), ...Object.keys(want)])]
    .filter((key) => JSON.stringify(have[key]) !== JSON.stringify(want[key]))
    .map((field) => ({ field, stored: have[field], wanted: want[field] }));
  if (differences.length > 0) throw new OnlineTunerSettingsError(name, differences);
}

/** A refused cost as the user wrote it: JSON would print NaN as null. */
function describeCost(cost: unknown): string {
  if (typeof cost === "number") return String(cost);
  if (typeof cost === "string") return `the string ${JSON.stringify(cost)}`;
  if (typeof cost === "object" && cost !== null) return JSON.stringify(cost) ?? String(cost);
  return String(cost);
}
