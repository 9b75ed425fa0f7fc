/**
 * Distributions: plain, JSON-serializable descriptions of where a parameter lives. They travel
 * unchanged through storage, HTTP and the dashboard; no hidden state.
 */

/** A real parameter in [low, high], optionally on a log scale or on a grid of `step`. */
export interface FloatDistribution {
  readonly type: "float";
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** An integer parameter in {low, …, high}, optionally on a log scale or every `step`. */
export interface IntDistribution {
  readonly type: "int";
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** A value a categorical parameter may take: anything JSON can hold as a scalar. */
export type CategoricalChoice = string | number | boolean | null;

/** One of a list of unordered choices. */
export interface CategoricalDistribution {
  readonly type: "categorical";
  readonly choices: readonly CategoricalChoice[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;
export type NumericDistribution = FloatDistribution | IntDistribution;

/** The value of one parameter of a trial. */
export type ParamValue = number | string | boolean | null;

/** Parameter names mapped to their distributions. */
export type SearchSpace = Readonly<Record<string, Distribution>>;

/** Thrown when a distribution or a value does not make sense; the message says which and why. */
export class InvalidDistributionError extends Error {
  override name = "InvalidDistributionError";
}

function describe(name: string | undefined): string {
  return name === undefined ? "distribution" : `parameter "${name}"`;
}

/** Names every JavaScript object inherits (`constructor`, `toString`, `__proto__`, …). */
const INHERITED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The longest parameter name, as the HTTP service and the dashboard take them. */
export const MAX_PARAM_NAME_LENGTH = 200;

/**
 * Why `name` cannot name a parameter, or null if it can: longer than {@link MAX_PARAM_NAME_LENGTH},
 * or reserved. A name every JavaScript object inherits
 * would read as present in a trial that never suggested it (`params.constructor` is a function),
 * so such names are refused everywhere a parameter is named: the library, the CLI and the API.
 *
 * @example
 * reservedParamName("toString") // 'parameter name "toString" is reserved: …'
 */
export function reservedParamName(name: string): string | null {
  if (name.length > MAX_PARAM_NAME_LENGTH) {
    // The HTTP service and the dashboard take names up to this length: a longer one made a study they could not show.
    return `parameter name "${name.slice(0, 40)}…" has ${name.length} characters; at most ${MAX_PARAM_NAME_LENGTH}`;
  }
  if (!INHERITED_NAMES.has(name)) return null;
  return `parameter name "${name}" is reserved: every JavaScript object has a member of that name; choose another, e.g. "${name.replace(/^_+|_+$/g, "")}_"`;
}

/**
 * What an int distribution's bounds must be: integers a double holds exactly, along with every
 * integer between them. The HTTP schema says the same.
 */
export const INT_BOUNDS_RULE = `int bounds must lie within ±${Number.MAX_SAFE_INTEGER} (2^53 − 1), beyond which not every integer is a number`;

/** An integer bound as typed: 2 ** 60 as 1152921504606846976, not 1152921504606847000. */
function shownInt(value: number): string {
  return BigInt(value).toString();
}

const NUMERIC_KEYS: readonly string[] = ["type", "low", "high", "log", "step"];
const CATEGORICAL_KEYS: readonly string[] = ["type", "choices"];

/**
 * Checks that a distribution is well formed and returns it normalized (a `step` or `log` of
 * `undefined`/`false` is dropped, so that equal distributions compare equal). Throws
 * {@link InvalidDistributionError} naming the parameter and the rule broken.
 *
 * A `step` that does not divide the range narrows it, as Optuna 3.1 does: `high` becomes the last
 * multiple of the step above `low`, and `onNarrowed` receives a message that says so (the caller
 * decides where warnings go and how often). A step larger than a range of more than one value
 * is refused: only `low` would remain.
 *
 * @example
 * validateDistribution({ type: "int", low: 0, high: 10, step: 3 }, "a", console.warn) // { type: "int", low: 0, high: 9, step: 3 }, with a warning
 */
export function validateDistribution(distribution: Distribution, name?: string, onNarrowed?: (message: string) => void): Distribution {
  const who = describe(name);
  if (distribution === null || typeof distribution !== "object") {
    throw new InvalidDistributionError(`${who}: a distribution must be an object`);
  }
  // A misspelt key ({ lg: true }) used to leave a log-scale range linear without a word.
  const keys = distribution.type === "categorical" ? CATEGORICAL_KEYS : NUMERIC_KEYS;
  const unknown = Object.keys(distribution).filter((key) => !keys.includes(key) && (distribution as unknown as Record<string, unknown>)[key] !== undefined);
  if (unknown.length > 0 && (distribution.type === "categorical" || distribution.type === "float" || distribution.type === "int")) {
    throw new InvalidDistributionError(`${who}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} in a ${distribution.type} distribution; its keys are ${keys.join(", ")}`);
  }
  if (distribution.type === "categorical") {
    const { choices } = distribution;
    if (!Array.isArray(choices) || choices.length === 0) {
      throw new InvalidDistributionError(`${who}: categorical choices must be a non-empty array`);
    }
    const seen = new Set<string>();
    for (const choice of choices) {
      const t = typeof choice;
      if (!(choice === null || t === "string" || t === "boolean" || (t === "number" && Number.isFinite(choice)))) {
        throw new InvalidDistributionError(
          `${who}: categorical choices must be strings, finite numbers, booleans or null, got ${String(choice)}`,
        );
      }
      const key = JSON.stringify(choice);
      if (seen.has(key)) throw new InvalidDistributionError(`${who}: categorical choice ${key} appears twice`);
      seen.add(key);
    }
    return { type: "categorical", choices: [...choices] };
  }
  if (distribution.type !== "float" && distribution.type !== "int") {
    throw new InvalidDistributionError(
      `${who}: unknown distribution type ${JSON.stringify((distribution as { type?: unknown }).type)} (expected float, int or categorical)`,
    );
  }
  const { low, log, step } = distribution;
  let { high } = distribution;
  if (typeof low !== "number" || !Number.isFinite(low)) throw new InvalidDistributionError(`${who}: low must be a finite number, got ${shownBound(low)}`);
  if (typeof high !== "number" || !Number.isFinite(high)) throw new InvalidDistributionError(`${who}: high must be a finite number, got ${shownBound(high)}`);
  if (low > high) throw new InvalidDistributionError(`${who}: low (${low}) must not exceed high (${high})`);
  if (!Number.isFinite(high - low)) {
    throw new InvalidDistributionError(`${who}: the range [${low}, ${high}] is too wide to sample (high − low overflows); narrow it${low > 0 ? "" : ", or use a log scale over positive values"}`);
  }
  if (distribution.type === "int" && (!Number.isInteger(low) || !Number.isInteger(high))) {
    throw new InvalidDistributionError(`${who}: int bounds must be integers, got low=${low} high=${high}`);
  }
  if (distribution.type === "int" && (!Number.isSafeInteger(low) || !Number.isSafeInteger(high))) {
    // Beyond 2^53 doubles skip integers: suggestInt("i", 0, 2 ** 60) returned values from a sparse grid.
    throw new InvalidDistributionError(
      `${who}: ${INT_BOUNDS_RULE}, got low=${shownInt(low)} high=${shownInt(high)}; a float parameter takes a wider range`,
    );
  }
  if (log !== undefined && typeof log !== "boolean") {
    // "false" is truthy: it used to turn the log scale on.
    throw new InvalidDistributionError(`${who}: log must be true or false, got ${shownBound(log)}`);
  }
  if (log) {
    if (low <= 0) throw new InvalidDistributionError(`${who}: a log scale needs low > 0, got low=${low}`);
    if (step !== undefined && !(distribution.type === "int" && step === 1)) {
      throw new InvalidDistributionError(`${who}: log and step cannot be combined`);
    }
  }
  let normalizedStep: number | undefined;
  if (step !== undefined) {
    if (typeof step !== "number" || !Number.isFinite(step) || step <= 0) {
      throw new InvalidDistributionError(`${who}: step must be a positive number, got ${shownBound(step)}`);
    }
    if (distribution.type === "int" && !Number.isInteger(step)) {
      throw new InvalidDistributionError(`${who}: an int step must be an integer, got ${step}`);
    }
    const cells = (high - low) / step;
    if (!Number.isFinite(cells)) {
      // (high − low) / step overflowed: the divisibility check below compared NaN and passed, and every value snapped to high.
      throw new InvalidDistributionError(`${who}: step ${step} is too small for the range [${low}, ${high}]`);
    }
    // A step within rounding of dividing the range (0.1 on [0, 0.1 + 0.2]) divides it, as it
    // always has here: a study stored with that range keeps it.
    if (Math.abs(cells - Math.round(cells)) > 1e-8 * Math.max(1, cells)) {
      const narrowed = distribution.type === "int" ? high - ((high - low) % step) : lastMultipleOfStep(low, high, step);
      if (narrowed === low) {
        throw new InvalidDistributionError(`${who}: step ${step} is larger than the range [${low}, ${high}], which would hold only ${low}`);
      }
      onNarrowed?.(`${who}: step ${step} does not divide the range [${low}, ${high}]; using [${low}, ${narrowed}], up to the last multiple of the step`);
      high = narrowed;
    }
    if (!(distribution.type === "int" && step === 1)) normalizedStep = step;
  }
  const normalized: { type: "float" | "int"; low: number; high: number; log?: boolean; step?: number } = {
    type: distribution.type,
    low,
    high,
  };
  if (log) normalized.log = true;
  if (normalizedStep !== undefined) normalized.step = normalizedStep;
  return normalized as Distribution;
}

/**
 * low + ⌊(high − low) / step⌋ · step, computed on the numbers as written (0.1, not the double
 * nearest it), as Optuna's `_adjust_discrete_uniform_high` does with `Decimal(str(x))`: on doubles
 * [-1, 1] with step 0.7 ended at 0.3999999999999999, not 0.4.
 *
 * @example
 * lastMultipleOfStep(0.1, 0.75, 0.2) // 0.7
 */
function lastMultipleOfStep(low: number, high: number, step: number): number {
  const [l, h, s] = [low, high, step].map(exactDecimal) as [ExactDecimal, ExactDecimal, ExactDecimal];
  const scale = Math.max(l.scale, h.scale, s.scale);
  const at = (d: ExactDecimal): bigint => d.units * 10n ** BigInt(scale - d.scale);
  const [lu, su] = [at(l), at(s)];
  const units = ((at(h) - lu) / su) * su + lu;
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return Number(`${negative ? "-" : ""}${text}`);
}

/** A decimal number as units · 10^−scale, exactly. */
interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

/** The shortest decimal that reads back as `x` (JavaScript's `String(x)`, Python's `str(x)`), exactly. */
function exactDecimal(x: number): ExactDecimal {
  const [mantissa = "", exponent = "0"] = String(x).split("e");
  const dot = mantissa.indexOf(".");
  const scale = (dot < 0 ? 0 : mantissa.length - dot - 1) - Number(exponent);
  const units = BigInt(mantissa.replace(".", ""));
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

/** Whether two distributions describe the same set with the same scale. */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "categorical") {
    const bc = (b as CategoricalDistribution).choices;
    return a.choices.length === bc.length && a.choices.every((c, i) => c === bc[i]);
  }
  const bn = b as NumericDistribution;
  return (
    a.low === bn.low &&
    a.high === bn.high &&
    Boolean(a.log) === Boolean(bn.log) &&
    effectiveStep(a) === effectiveStep(bn)
  );
}

/** The grid step of a numeric distribution: its `step`, 1 for ints without one, undefined for continuous floats. */
export function effectiveStep(distribution: NumericDistribution): number | undefined {
  if (distribution.step !== undefined) return distribution.step;
  return distribution.type === "int" ? 1 : undefined;
}

/** Whether the distribution has exactly one possible value. */
export function isSingleValue(distribution: Distribution): boolean {
  return distribution.type === "categorical" ? distribution.choices.length === 1 : distribution.low === distribution.high;
}

/** Index of `value` among the choices of a categorical distribution, or -1. */
export function choiceIndex(distribution: CategoricalDistribution, value: unknown): number {
  for (let i = 0; i < distribution.choices.length; i++) {
    if (distribution.choices[i] === value) return i;
  }
  // A number stored as JSON may come back as a number equal by value; === covers that. NaN is not a legal choice.
  return -1;
}

/** Whether `value` is a legal value of `distribution` (inside bounds, on the step grid, an integer for ints). */
export function containsValue(distribution: Distribution, value: unknown): boolean {
  if (distribution.type === "categorical") return choiceIndex(distribution, value) >= 0;
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (!withinBounds(distribution, value)) return false;
  if (distribution.type === "int" && !Number.isInteger(value)) return false;
  const step = effectiveStep(distribution);
  if (step !== undefined) {
    const k = (value - distribution.low) / step;
    if (Math.abs(k - Math.round(k)) > 1e-6) return false;
  }
  return true;
}

/**
 * Whether a number lies in [low, high], give or take rounding: 1e-9 of the range (on the log scale
 * for a log distribution) plus a few parts in 10¹² of the bounds' size. A fixed floor of 1e-9 let
 * an enqueued 9e-10 into [0, 1e-10], and 0 or -5e-10 into a log range [1e-12, 1], where the
 * objective received them and every sampler took the log of them.
 */
function withinBounds(distribution: NumericDistribution, value: number): boolean {
  const { low, high } = distribution;
  if (distribution.log) {
    if (!(value > 0)) return false;
    const logTolerance = 1e-9 * (Math.log(high) - Math.log(low)) + 1e-12;
    const x = Math.log(value);
    return x >= Math.log(low) - logTolerance && x <= Math.log(high) + logTolerance;
  }
  const tolerance = 1e-9 * (high - low) + 1e-12 * Math.max(Math.abs(low), Math.abs(high));
  return value >= low - tolerance && value <= high + tolerance;
}

/** A bound, step or flag as a message shows it: text quoted, so "0.1" is not taken for the number 0.1. */
function shownBound(value: unknown): string {
  return typeof value === "string" ? `the text ${JSON.stringify(value)}` : String(value);
}

/** Number of distinct values, or Infinity for a continuous float. */
export function cardinality(distribution: Distribution): number {
  if (distribution.type === "categorical") return distribution.choices.length;
  const step = effectiveStep(distribution);
  if (step === undefined) return distribution.low === distribution.high ? 1 : Infinity;
  return Math.round((distribution.high - distribution.low) / step) + 1;
}

/**
 * Rounds a number onto the legal values of a numeric distribution: clipped to bounds, snapped to
 * the step grid, an integer for ints. Floating-point noise from the step arithmetic is removed.
 */
export function snapToDistribution(distribution: NumericDistribution, value: number): number {
  const { low, high } = distribution;
  if (!Number.isFinite(value)) value = low;
  let v = Math.min(high, Math.max(low, value));
  const step = effectiveStep(distribution);
  if (step !== undefined) {
    // The last cell is `high` itself: low + n·step can land an ulp above it (0 + 3·0.1), and
    // stepping back a whole cell from there made the top value unreachable.
    const cells = Math.round((high - low) / step);
    const k = Math.min(cells, Math.max(0, Math.round((v - low) / step)));
    v = k === cells ? high : low + k * step;
    if (distribution.type === "float" && k !== cells) v = roundToStepPrecision(v, step, low);
  }
  if (distribution.type === "int") v = Math.round(v);
  return Math.min(high, Math.max(low, v));
}

function roundToStepPrecision(value: number, step: number, low: number): number {
  const decimals = Math.max(decimalPlaces(step), decimalPlaces(low));
  if (decimals > 15) return value;
  return Number(value.toFixed(decimals));
}

function decimalPlaces(x: number): number {
  if (Number.isInteger(x)) return 0;
  const text = x.toString();
  const exp = text.indexOf("e-");
  if (exp >= 0) {
    const mantissa = text.slice(0, exp);
    const dot = mantissa.indexOf(".");
    return Number(text.slice(exp + 2)) + (dot >= 0 ? mantissa.length - dot - 1 : 0);
  }
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}
