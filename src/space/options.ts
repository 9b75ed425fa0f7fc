/**
 * Option schemas of samplers and pruners: each declares its options once (type, bounds, default,
 * description), and the same declaration parses `--sampler-opt`/`--pruner-opt` strings, config-file
 * values and library objects, and feeds `sextant samplers` / `sextant pruners`.
 *
 * It lives in `space/` because both `samplers/` and `pruners/` may import from here and from
 * nowhere else (see DESIGN.md). It is plain code rather than zod so that `import "sextant"` does not
 * load a validation library just to read three numbers.
 */

import { decimalInteger, decimalNumber } from "./number-text.js";

/** A value an option can take once parsed. */
export type OptionValue = number | string | boolean;

/**
 * Options as front ends give them: values may still be strings (`"0.5"`, `"true"`); undefined ones
 * are skipped. `null` (or the text `"null"`) is a value only for options declared `nullable`.
 */
export type RawOptions = Readonly<Record<string, OptionValue | null | undefined>>;

interface OptionCommon {
  /** One line for `sextant samplers`: what the option changes (and why one would). */
  readonly description: string;
  /** Shown as the default; a string such as `"min(10, 2d+1)"` where the default is computed. Never applied by the parser. */
  readonly default?: OptionValue;
}

/** How one option is read. Bounds are inclusive unless `exclusiveMin`/`exclusiveMax` say otherwise. */
export type OptionSpec = OptionCommon &
  (
    | { readonly kind: "integer"; readonly min?: number; readonly max?: number }
    | {
        readonly kind: "number";
        readonly min?: number;
        readonly max?: number;
        readonly exclusiveMin?: boolean;
        readonly exclusiveMax?: boolean;
        /**
         * Also takes `null`, written `null` on the command line, for a constructor option typed
         * `number | null` (TPE's `magicClipExponent`); the description says what null stands for.
         */
        readonly nullable?: boolean;
      }
    | { readonly kind: "boolean" }
    | { readonly kind: "enum"; readonly values: readonly string[] }
    | { readonly kind: "string" }
    /** A number of steps (an integer ≥ `min`) or one of `words`, such as "auto": numbers and words both arrive as JSON. */
    | { readonly kind: "steps"; readonly min: number; readonly words: readonly string[] }
  );

/** The options of one sampler or pruner, keyed by their canonical camelCase names. */
export type OptionSchema = Readonly<Record<string, OptionSpec>>;

type ParsedValue<S extends OptionSpec> = S extends { kind: "number"; nullable: true }
  ? number | null
  : S extends { kind: "integer" | "number" }
  ? number
  : S extends { kind: "boolean" }
    ? boolean
    : S extends { kind: "enum"; values: readonly (infer V)[] }
      ? V
      : S extends { kind: "steps"; words: readonly (infer W)[] }
        ? number | W
        : string;

/** What {@link parseOptions} returns for a schema: canonical keys, typed values, absent when not given. */
export type ParsedOptions<S extends OptionSchema> = { -readonly [K in keyof S]?: ParsedValue<S[K]> };

/**
 * Declares a schema while keeping its literal types, so parsed options are typed (`"ipop" | "none"`, not `string`).
 *
 * @example
 * const OPTIONS = defineOptions({
 *   seed: SEED_OPTION,
 *   sigma0: { kind: "number", min: 0, exclusiveMin: true, default: 1 / 6, description: "initial step size" },
 * });
 */
export function defineOptions<const S extends OptionSchema>(schema: S): S {
  return schema;
}

/**
 * The `seed` option every sampler takes: the same seed and history give the same suggestion.
 *
 * @example
 * const OPTIONS = defineOptions({ seed: SEED_OPTION });
 */
export const SEED_OPTION = {
  kind: "integer",
  default: "random",
  description: "seed of every random draw; the same seed and history give the same suggestion",
} as const satisfies OptionSpec;

/**
 * Thrown for an unknown option or a value that does not fit; the message names the sampler or
 * pruner and the option, and lists the valid options.
 *
 * @example
 * try { parseOptions("tpe sampler", { bogus: 1 }, {}); } catch (e) { if (e instanceof OptionError) console.error(e.message); }
 */
export class OptionError extends Error {
  override name = "OptionError";

  /**
   * @param option - when one option is at fault: its key as the caller spelt it, and whether the
   * key itself (unknown, given twice) or its value is wrong, for a config file to point at that line.
   */
  constructor(
    message: string,
    readonly option?: { key: string; wrong: "key" | "value" },
  ) {
    super(message);
  }
}

/**
 * The form keys are compared in: case, `-` and `_` ignored, so `n_startup_trials`,
 * `n-startup-trials` and `nStartupTrials` are one option.
 *
 * @example
 * normalizeOptionKey("n-startup-trials") === normalizeOptionKey("nStartupTrials") // true
 */
export function normalizeOptionKey(key: string): string {
  return key.replace(/[-_]/g, "").toLowerCase();
}

/**
 * Reads `raw` against `schema`. Strings are coerced to the option's type; unknown keys, a key given
 * twice under two spellings and values out of range throw {@link OptionError} naming `owner`
 * (e.g. `"tpe sampler"`) and the option. Defaults are not filled in: the sampler's constructor owns them.
 *
 * @example
 * parseOptions("cmaes sampler", { sigma_0: "0.2", "restart-strategy": "none" }, CMAES_OPTIONS) // { sigma0: 0.2, restartStrategy: "none" }
 */
export function parseOptions<S extends OptionSchema>(owner: string, raw: RawOptions, schema: S): ParsedOptions<S> {
  const byNormalized = new Map(Object.keys(schema).map((key) => [normalizeOptionKey(key), key]));
  const spelledAs = new Map<string, string>();
  const result: Record<string, OptionValue | null> = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = byNormalized.get(normalizeOptionKey(rawKey));
    if (key === undefined) throw new OptionError(`${owner}: ${unknownOptionMessage(rawKey, Object.keys(schema))}`, { key: rawKey, wrong: "key" });
    const earlier = spelledAs.get(key);
    if (earlier !== undefined) throw new OptionError(`${owner}: option "${key}" is given twice (as "${earlier}" and "${rawKey}")`, { key: rawKey, wrong: "key" });
    spelledAs.set(key, rawKey);
    try {
      result[key] = parseOptionValue(`${owner}: option "${key}"`, value, schema[key]!);
    } catch (error) {
      throw error instanceof OptionError ? new OptionError(error.message, { key: rawKey, wrong: "value" }) : error;
    }
  }
  return result as ParsedOptions<S>;
}

/**
 * Options as a config file or an HTTP request writes them, with each value that is a JSON object
 * turned into its JSON text, the form an option that holds one takes (the patient pruner's
 * `wrappedOptions`). null stays null, which only nullable options take.
 *
 * @example
 * optionsWithJsonText({ wrapped: "median", wrappedOptions: { nStartupTrials: 5 } }) // { wrapped: "median", wrappedOptions: '{"nStartupTrials":5}' }
 */
export function optionsWithJsonText(options: Readonly<Record<string, OptionValue | null | object>>): Record<string, OptionValue | null> {
  const out: Record<string, OptionValue | null> = {};
  for (const [key, value] of Object.entries(options)) out[key] = value !== null && typeof value === "object" ? JSON.stringify(value) : value;
  return out;
}

/**
 * Checks that options sent as JSON (the HTTP API) carry the JSON type of their option: a number
 * for a numeric option, true or false for a boolean, text for the rest. The CLI and config files
 * give every value as text, which {@link parseOptions} converts; JSON has types, so `{"seed": "6"}`
 * is a client's mistake (a number quoted somewhere upstream) to report, not to guess at. Keys that
 * are not options are left to {@link parseOptions}, which names them.
 *
 * @example
 * checkJsonOptionTypes("random sampler", { seed: "6" }, RANDOM_OPTIONS) // throws: option "seed" must be a JSON number (an integer), got the text "6"
 */
export function checkJsonOptionTypes(owner: string, raw: RawOptions, schema: OptionSchema): void {
  const byNormalized = new Map(Object.keys(schema).map((key) => [normalizeOptionKey(key), key]));
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = byNormalized.get(normalizeOptionKey(rawKey));
    if (key === undefined || value === undefined) continue;
    const spec = schema[key]!;
    if (value === null && isNullable(spec)) continue;
    if (spec.kind === "steps") {
      // A count of steps is a JSON number; text is one of the option's words.
      if (typeof value === "number" || (typeof value === "string" && spec.words.some((w) => w.toLowerCase() === value.trim().toLowerCase()))) continue;
      const got = typeof value === "string" ? `the text ${JSON.stringify(value)}` : JSON.stringify(value);
      throw new OptionError(`${owner}: option "${key}" must be a JSON number (an integer >= ${spec.min}) or one of ${spec.words.join(", ")}, got ${got}`);
    }
    const expected = spec.kind === "integer" || spec.kind === "number" ? "number" : spec.kind === "boolean" ? "boolean" : "string";
    if (typeof value === expected) continue;
    const got = typeof value === "string" ? `the text ${JSON.stringify(value)}` : JSON.stringify(value);
    const wanted = expected === "number" ? `a JSON number (${withArticle(describeOptionType(spec))})` : expected === "boolean" ? "true or false" : `text (${describeOptionType(spec)})`;
    throw new OptionError(`${owner}: option "${key}" must be ${wanted}, got ${got}`);
  }
}

/**
 * A sampler or pruner as its registry builds it again: the registered name and the options it was
 * given, in the form `createSamplerByName` and `createPrunerByName` read (canonical keys, a JSON
 * object as its JSON text). `createStudy` stores it, so that a server, a report or a worker that
 * rebuilds the study's sampler or pruner gets the one the library ran, options and all.
 *
 * @example
 * new MedianPruner({ nWarmupSteps: 0 }).spec() // { name: "median", options: { nWarmupSteps: 0 } }
 */
export interface ComponentSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionValue | null>>;
}

/**
 * The spec of a component named `name` built from the options `given`, or null when one of them
 * cannot be written in it: a key `schema` does not list (a function, such as TPE's `weights`) or a
 * value other than text, true or false, null and a finite number (JSON keeps no Infinity, and the
 * schema reads none). Options left undefined are left out, as the constructor ignores them.
 *
 * @example
 * componentSpec("median", { nWarmupSteps: 0, nMinTrials: undefined }, MEDIAN_OPTIONS) // { name: "median", options: { nWarmupSteps: 0 } }
 * componentSpec("tpe", { weights: (n) => [] }, TPE_OPTIONS) // null
 */
export function componentSpec(name: string, given: object | null | undefined, schema: OptionSchema): ComponentSpec | null {
  const options: Record<string, OptionValue | null> = {};
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(schema, key)) return null;
    const writable = value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
    if (!writable) return null;
    options[key] = value as OptionValue | null;
  }
  return { name, options };
}

/**
 * What `refuseUnknownOptions` asks for when `others` leaves out a key of the options type `O`:
 * nothing when the schema and `others` name every key, else one more argument, typed as the keys
 * left out, so that tsc names them ("Expected 5 arguments, but got 4") when an option is added to
 * a constructor's options type and not to its list.
 */
export type UnlistedOptionKeys<O, S, Others extends readonly string[]> =
  [Exclude<keyof O & string, keyof S | Others[number]>] extends [never] ? [] : [unlisted: Exclude<keyof O & string, keyof S | Others[number]>];

/**
 * Refuses a key of a constructor's options that is not one of its options. One of the schema's
 * options spelled another way (Optuna's `min_resource` for `minResource`, `nWarmUpSteps` for
 * `nWarmupSteps`) is named with its spelling; any other key is named with a "did you mean" and the
 * valid options. Both used to be ignored from JavaScript, leaving the default in place without a
 * word. `others` lists the constructor's options that the schema (the CLI's) does not have, such
 * as functions; tsc checks that it and the schema cover the options type. A boolean option given
 * anything but `true` or `false` is refused too.
 *
 * @example
 * refuseUnknownOptions("asha pruner", { min_resource: 1 }, ASHA_OPTIONS, []) // throws: option "min_resource" is spelled "minResource" here
 * refuseUnknownOptions("tpe sampler", { nStartupTrial: 5 }, TPE_OPTIONS, ["gamma", "weights"]) // throws: unknown option "nStartupTrial" (did you mean "nStartupTrials"?); valid options: …
 */
export function refuseUnknownOptions<O extends object, S extends OptionSchema, const Others extends readonly string[]>(
  owner: string,
  options: O | null | undefined,
  schema: S,
  others: Others,
  ..._unlisted: UnlistedOptionKeys<O, S, Others>
): void {
  if (options === null || typeof options !== "object") return;
  const valid = [...Object.keys(schema), ...others];
  const byNormalized = new Map(valid.map((key) => [normalizeOptionKey(key), key]));
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const meant = byNormalized.get(normalizeOptionKey(key));
    if (meant !== undefined) throw new TypeError(`${owner}: option "${key}" is spelled "${meant}" here`);
    throw new TypeError(`${owner}: ${unknownOptionMessage(key, valid)}`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const value = (options as Record<string, unknown>)[key];
    // "false" is truthy: from JavaScript, constantLiar: "false" turned the option on and scramble: 0 off, without a word.
    if (spec.kind === "boolean" && value !== undefined && typeof value !== "boolean") {
      throw new TypeError(`${owner}: ${key} must be true or false, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
    }
  }
}

/**
 * `schema` without `keys`: for a constructor that takes fewer options than its CLI schema lists
 * (a grid's `points`, made into its searchSpace by the front end), so that {@link refuseUnknownOptions}
 * refuses them instead of letting them pass unused.
 *
 * @example
 * refuseUnknownOptions("grid sampler", options, omitOptions(GRID_OPTIONS, ["grid", "points"]), ["searchSpace"])
 */
export function omitOptions<S extends OptionSchema, K extends keyof S & string>(schema: S, keys: readonly K[]): Omit<S, K> {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !(keys as readonly string[]).includes(key))) as Omit<S, K>;
}

/**
 * What is wrong with an options object's keys, or null when each is in `valid`: every unknown key
 * with a "did you mean", then the valid ones. `path` names a nested object ("parameter") in both.
 * Each caller throws it as its own error, prefixed with where it was given.
 *
 * @example
 * unknownKeysMessage({ sed: 1 }, ["seed", "name"]) // 'unknown option "sed" (did you mean "seed"?); valid options: seed, name'
 * unknownKeysMessage({ arm: 4 }, ["low", "arms"], "parameter") // 'unknown option "parameter.arm" (did you mean "arms"?); valid options of parameter: low, arms'
 */
export function unknownKeysMessage(given: object, valid: readonly string[], path?: string): string | null {
  const unknown = Object.keys(given).filter((key) => !valid.includes(key));
  if (unknown.length === 0) return null;
  const named = unknown.map((key) => `"${path === undefined ? "" : `${path}.`}${key}"${didYouMean(key, valid)}`);
  return `unknown option${unknown.length > 1 ? "s" : ""} ${named.join(", ")}; valid options${path === undefined ? "" : ` of ${path}`}: ${valid.join(", ")}`;
}

function unknownOptionMessage(key: string, valid: readonly string[]): string {
  if (valid.length === 0) return `unknown option "${key}" (it takes no options)`;
  return `unknown option "${key}"${didYouMean(key, valid)}; valid options: ${valid.join(", ")}`;
}

const TRUE_WORDS = ["true", "1", "yes", "on"];
const FALSE_WORDS = ["false", "0", "no", "off"];

function isNullable(spec: OptionSpec): boolean {
  return spec.kind === "number" && spec.nullable === true;
}

function parseOptionValue(where: string, raw: OptionValue | null, spec: OptionSpec): OptionValue | null {
  if (isNullable(spec) && (raw === null || (typeof raw === "string" && raw.trim().toLowerCase() === "null"))) return null;
  // Without this, a text option would take null as the text "null".
  if (raw === null) throw new OptionError(`${where} must be ${withArticle(describeOptionType(spec))}, got null`);
  switch (spec.kind) {
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      const text = String(raw).trim().toLowerCase();
      if (TRUE_WORDS.includes(text)) return true;
      if (FALSE_WORDS.includes(text)) return false;
      throw new OptionError(`${where} must be true or false, got ${shownRaw(raw)}`);
    }
    case "enum": {
      const text = String(raw).trim();
      const match = spec.values.find((v) => v.toLowerCase() === text.toLowerCase());
      if (match === undefined) throw new OptionError(`${where} must be one of ${spec.values.join(", ")}, got ${shownRaw(raw)}`);
      return match;
    }
    case "string":
      if (typeof raw === "boolean") throw new OptionError(`${where} must be text, got ${raw}`);
      // A JSON-text option (grid, wrappedOptions) given as an object through the library: its JSON,
      // as a config file's mapping is; String() made it "[object Object]".
      if (raw !== null && typeof raw === "object") return JSON.stringify(raw);
      return String(raw);
    case "steps": {
      const text = typeof raw === "string" ? raw.trim().toLowerCase() : "";
      const word = spec.words.find((w) => w.toLowerCase() === text);
      if (word !== undefined) return word;
      const value = typeof raw === "number" ? raw : typeof raw === "string" ? decimalInteger(raw) : NaN;
      if (!Number.isInteger(value) || value < spec.min) throw new OptionError(`${where} must be ${describeOptionType(spec)}, got ${shownRaw(raw)}`);
      return value;
    }
    case "integer":
    case "number": {
      // Text as a user writes the option's kind of number (see number-text.ts): Number() read
      // n_startup_trials=0x10 as 16 and 1e3 as 1000. A JSON number is taken as it is.
      const fromText = spec.kind === "integer" ? (text: string) => decimalInteger(text, true) : decimalNumber;
      const value = typeof raw === "number" ? raw : typeof raw === "string" ? fromText(raw) : NaN;
      const expected = describeOptionType(spec);
      if (!Number.isFinite(value) || (spec.kind === "integer" && !Number.isInteger(value)) || !withinBounds(value, spec)) {
        throw new OptionError(`${where} must be ${withArticle(expected)}, got ${shownRaw(raw)}`);
      }
      return value;
    }
  }
}

/** A rejected option value as a message shows it: JSON, but a number as itself (JSON writes NaN and Infinity as null). */
function shownRaw(raw: OptionValue | null): string {
  return typeof raw === "number" ? String(raw) : JSON.stringify(raw);
}

function withinBounds(value: number, spec: OptionSpec & { kind: "integer" | "number" }): boolean {
  const exclusiveMin = spec.kind === "number" && spec.exclusiveMin === true;
  const exclusiveMax = spec.kind === "number" && spec.exclusiveMax === true;
  if (spec.min !== undefined && (exclusiveMin ? value <= spec.min : value < spec.min)) return false;
  if (spec.max !== undefined && (exclusiveMax ? value >= spec.max : value > spec.max)) return false;
  return true;
}

function withArticle(text: string): string {
  return /^(integer|finite)/.test(text) ? `${text.startsWith("i") ? "an" : "a"} ${text}` : text;
}

/**
 * The type of an option as help text shows it.
 *
 * @example
 * describeOptionType({ kind: "number", min: 0, max: 1, exclusiveMin: true, description: "" }) // "finite number in (0, 1]"
 * describeOptionType({ kind: "integer", min: 1, description: "" }) // "integer >= 1"
 * describeOptionType({ kind: "number", min: 0, exclusiveMin: true, nullable: true, description: "" }) // "finite number > 0 or null"
 */
export function describeOptionType(spec: OptionSpec): string {
  switch (spec.kind) {
    case "boolean":
      return "true or false";
    case "enum":
      return `one of ${spec.values.join(", ")}`;
    case "string":
      return "text";
    case "steps":
      return `${spec.words.join(", ")} or an integer >= ${spec.min}`;
    case "integer":
    case "number": {
      const finite = spec.kind === "number" ? "finite number" : "integer";
      const openLow = spec.kind === "number" && spec.exclusiveMin === true;
      const openHigh = spec.kind === "number" && spec.exclusiveMax === true;
      const orNull = isNullable(spec) ? " or null" : "";
      if (spec.min !== undefined && spec.max !== undefined) return `${finite} in ${openLow ? "(" : "["}${spec.min}, ${spec.max}${openHigh ? ")" : "]"}${orNull}`;
      if (spec.min !== undefined) return `${finite} ${openLow ? ">" : ">="} ${spec.min}${orNull}`;
      if (spec.max !== undefined) return `${finite} ${openHigh ? "<" : "<="} ${spec.max}${orNull}`;
      return `${finite}${orNull}`;
    }
  }
}

/**
 * The candidate closest to `name` by edit distance (ignoring case, `-` and `_`), if it is close
 * enough to be a likely typo: at most 2 edits, and fewer than half the name.
 *
 * @example
 * closestName("n_startup_trails", ["nStartupTrials", "seed"]) // "nStartupTrials"
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = normalizeOptionKey(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalizeOptionKey(candidate));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return bestDistance <= 2 && bestDistance * 2 < Math.max(wanted.length, 1) ? best : undefined;
}

/**
 * The suffix ` (did you mean "…"?)` that names the candidate {@link closestName} finds, or "" when
 * none is close enough, for error messages about a name nobody knows.
 *
 * @example
 * `unknown problem "brannin-2d"${didYouMean("brannin-2d", ["branin-2d"])}` // 'unknown problem "brannin-2d" (did you mean "branin-2d"?)'
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const close = closestName(name, candidates);
  return close ? ` (did you mean "${close}"?)` : "";
}

/**
 * Edit distance with two neighbours swapped counting as one edit, beside insertions, deletions and
 * substitutions of one character (the optimal string alignment distance, Damerau 1964). A swap is
 * the commonest typo, and Levenshtein counts it as two: "prot" was too far from "port" for a
 * did-you-mean.
 *
 * @example
 * editDistance("sigma", "sigma0") // 1
 * editDistance("prot", "port") // 1
 */
export function editDistance(a: string, b: string): number {
  // Three rows: a swap looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, before[j - 2]! + 1);
      current.push(distance);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The message for a sampler or pruner name nobody registered: the known names and a "did you mean".
 *
 * @example
 * unknownComponentMessage("sampler", "tpw", ["random", "tpe"]) // 'unknown sampler "tpw" (did you mean "tpe"?; choose one of: random, tpe)'
 */
export function unknownComponentMessage(kind: string, name: string, known: readonly string[]): string {
  const close = closestName(name, known);
  return `unknown ${kind} "${name}" (${close ? `did you mean "${close}"?; ` : ""}choose one of: ${known.join(", ")})`;
}

/**
 * A named component (a sampler, a pruner) as a registry knows it: what it is for, its options, and
 * how to build it from options already read against them.
 */
export interface ComponentEntry<T, Context, S extends OptionSchema = OptionSchema> {
  readonly name: string;
  /** One line for `sextant samplers` / `sextant pruners`. */
  readonly description: string;
  readonly options: S;
  /** Builds the component from parsed options (canonical keys, typed values); the constructor applies defaults. */
  readonly create: (options: ParsedOptions<S>, context: Context) => T;
}

/**
 * Components by name, each with its option schema: the one path by which the CLI, config files
 * and the library build samplers and pruners by name, so options are read the same way everywhere.
 *
 * @example
 * const PRUNERS = new ComponentRegistry<Pruner, void>("pruner");
 * PRUNERS.register({ name: "none", description: "never prunes", options: {}, create: () => new NopPruner() });
 * PRUNERS.create("none", {}, undefined);
 */
export class ComponentRegistry<T, Context> {
  private readonly entries: Map<string, ComponentEntry<T, Context>>;

  /**
   * `kind` names the components in messages: "sampler", "pruner". A `shared` registry keeps its
   * entries in one map per kind for the whole process, so that every copy of the package loaded
   * in it sees the same components: the CLI runs from its own bundle, and a module preloaded into
   * it (`NODE_OPTIONS=--import=./my-sampler.mjs sextant serve`) registers through the package's
   * `dist/index.js`.
   */
  constructor(
    readonly kind: string,
    options: { shared?: boolean } = {},
  ) {
    if (!options.shared) {
      this.entries = new Map();
      return;
    }
    const key = Symbol.for(`sextant.registry.${kind}`);
    const holder = globalThis as unknown as Record<symbol, Map<string, ComponentEntry<T, Context>> | undefined>;
    this.entries = holder[key] ??= new Map();
  }

  /** Adds a component, or replaces the one registered under the same name. */
  register<const S extends OptionSchema>(entry: ComponentEntry<T, Context, S>): void {
    this.entries.set(entry.name, entry as unknown as ComponentEntry<T, Context>);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Registered components, in registration order. */
  list(): ComponentEntry<T, Context>[] {
    return [...this.entries.values()];
  }

  /** The entry for `name`, or an error listing the known names with a "did you mean". */
  get(name: string): ComponentEntry<T, Context> {
    const entry = this.entries.get(name);
    if (entry) return entry;
    throw new OptionError(unknownComponentMessage(this.kind, name, this.names()));
  }

  /** Reads `options` against the component's schema, then builds it. */
  create(name: string, options: RawOptions, context: Context): T {
    const entry = this.get(name);
    return entry.create(parseOptions(`${name} ${this.kind}`, options, entry.options), context);
  }
}
