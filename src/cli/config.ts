/**
 * The `sextant tune` config file (YAML or JSON) and the short parameter forms shared with flags.
 * Config files are validated strictly with zod; every error names the field path and the line and
 * column where it sits in the file, e.g. `sextant.yaml:7:3: params.lr.low: expected number, got string "abc"`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { packageRoot } from "../package-root.js";
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from "yaml";
import { z } from "zod";
import { type Distribution, type Direction, InvalidDistributionError, didYouMean, optionsWithJsonText, reservedParamName, validateDistribution } from "../space/index.js";
import { formatPath } from "../space/field-path.js";
import { UsageError, UserError } from "./errors.js";
import { sqlitePath, storageUrlProblem } from "../storage/index.js";
import { PARAM_NAME, choicesWithSameCommandText, parseParamSpec, sameCommandTextMessage, splitCommandLine } from "./params.js";


// An option is a scalar, or a mapping for an option that holds a JSON object (patient's
// wrappedOptions): written as YAML, it reaches the option as its JSON text. A YAML null reaches it
// as null, which options that take null (TPE's magicClipExponent) take and the others refuse.
/** The longest duration a flag or config key takes (about 31 years): far beyond any run, and a deadline that far ahead is still a date (1e13 s was not, and crashed). */
export const MAX_SECONDS = 1e9;

const componentOption = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), z.unknown())]);
const namedComponent = z.union([
  z.string().min(1),
  z.strictObject({ name: z.string().min(1), options: z.record(z.string(), componentOption).optional() }),
]);
const direction = z.enum(["minimize", "maximize"]);
const paramObject = z.strictObject({
  type: z.enum(["float", "int", "categorical"]),
  low: z.number().optional(),
  high: z.number().optional(),
  log: z.boolean().optional(),
  step: z.number().optional(),
  choices: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

/**
 * The config file's schema. Unknown fields are errors.
 *
 * @example
 * configSchema.safeParse({ command: ["node", "train.mjs", "{lr}"], params: { lr: "float:1e-5:1e-1:log" } }).success // true
 */
export const configSchema = z.strictObject({
  study: z.string().min(1).optional(),
  storage: z.string().min(1).optional(),
  direction: direction.optional(),
  // Their count is checked when a study is made (checkNewStudyObjectives): a study an older Sextant
  // made with more than MAX_OBJECTIVES is resumed with the directions it has.
  directions: z.array(direction).min(1).optional(),
  trials: z.number().int().positive().optional(),
  jobs: z.number().int().positive().optional(),
  timeout: z.number().positive().max(MAX_SECONDS).optional(),
  trialTimeout: z.number().positive().max(MAX_SECONDS).optional(),
  killGrace: z.number().nonnegative().max(MAX_SECONDS).optional(),
  maxInitialFailures: z.number().int().nonnegative().optional(),
  sampler: namedComponent.optional(),
  pruner: namedComponent.optional(),
  scheduler: namedComponent.optional(),
  seed: z.number().int().optional(),
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
  params: z.record(z.string(), z.union([z.string().min(1), paramObject])).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
});

type RawConfig = z.infer<typeof configSchema>;

/** A component as the config wrote it, with options that are mappings turned into their JSON text. */
function namedOf(raw: z.infer<typeof namedComponent>): NamedComponent {
  if (typeof raw === "string") return { name: raw, options: {} };
  // null stays null: as text it was taken as the word "null", so a text option such as
  // checkpointDir made a folder named null instead of being refused at its line.
  return { name: raw.name, options: optionsWithJsonText(raw.options ?? {}) };
}

/** A named sampler or pruner with its options. */
export interface NamedComponent {
  name: string;
  options: Record<string, string | number | boolean | null>;
}

/** A config file after validation, with parameters as distributions and the command as argv. */
export interface TuneConfig {
  study?: string;
  storage?: string;
  directions?: Direction[];
  trials?: number;
  jobs?: number;
  timeout?: number;
  trialTimeout?: number;
  killGrace?: number;
  /** Stop starting trials once this many of a run's first trials have all failed the same way (0: never). */
  maxInitialFailures?: number;
  sampler?: NamedComponent;
  pruner?: NamedComponent;
  /** A population-based scheduler (pbt, pb2), if any. */
  scheduler?: NamedComponent;
  seed?: number;
  command?: string[];
  params: Record<string, Distribution>;
  env?: Record<string, string>;
  cwd?: string;
  /** Per parameter, what the file asks that was taken with a change (a range narrowed to its step), pointing at its line. */
  paramWarnings: Record<string, string>;
}

type Path = readonly (string | number)[];

/**
 * Where things are in a parsed config file, to point errors at a line and column.
 *
 * @example
 * source.locate(["params", "lr", "low"]) // "sextant.yaml:8:10"
 */
export class ConfigSource {
  constructor(
    readonly file: string,
    private readonly doc: ReturnType<typeof parseDocument> | null,
    private readonly lines: LineCounter,
  ) {}

  /** `file:line:col` of the value at `path` (or of the key `key` inside it), or of the nearest parent that exists. */
  locate(path: Path, key?: string): string {
    let node: unknown = this.doc?.contents ?? null;
    let offset = 0;
    const segments: (string | number)[] = key === undefined ? [...path] : [...path, key];
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (node && (node as YamlNode).range) offset = (node as YamlNode).range![0];
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const isLast = i === segments.length - 1;
        // An unknown key is best shown at the key itself; a bad value at the value.
        if (isLast && key !== undefined && isScalar(pair.key) && pair.key.range) {
          offset = pair.key.range[0];
          node = null;
          break;
        }
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment];
        if (item === undefined) break;
        node = item;
      } else {
        break;
      }
    }
    if (node && (node as YamlNode).range) offset = (node as YamlNode).range![0];
    const pos = this.lines.linePos(offset);
    return `${this.file}:${pos.line}:${pos.col}`;
  }

  /** The absolute folder of the file: relative paths inside it (storage, cwd) start here. */
  get folder(): string {
    return dirname(resolve(this.file));
  }

  /** Whether the file gives a value at `path`. */
  has(path: Path): boolean {
    return this.doc?.hasIn(path) ?? false;
  }

  /**
   * How a command refuses a storage it cannot open: pointing at the file's `storage:` line when the
   * URL came from there (no `--storage` flag), else as without a file (undefined). A user error
   * (exit 1) either way: the file may be right and the database down.
   */
  storageRefusal(flagGiven: boolean): ((message: string) => UserError) | undefined {
    return !flagGiven && this.has(["storage"]) ? (message) => new UserError(this.pointAt(["storage"], message)) : undefined;
  }

  /** An error pointing at `path` in the file. */
  error(path: Path, message: string, key?: string): UsageError {
    return new UsageError(this.pointAt(path, message, key));
  }

  /** `message` prefixed with where `path` is: `file:line:col: params.lr: …`, for errors and warnings alike. */
  pointAt(path: Path, message: string, key?: string): string {
    const where = formatPath(key === undefined ? path : [...path, key]);
    return `${this.locate(path, key)}: ${where ? `${where}: ` : ""}${message}`;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  // JSON.stringify would print these as "null"; YAML spells them .inf, -.inf and .nan.
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "not-a-number (.nan)" : value > 0 ? "infinity (.inf)" : "minus infinity (-.inf)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") {
    // `command: [python, train.py, {lr}]` reads {lr} as the mapping { lr: null }: the placeholder
    // must be quoted, which "got a mapping" alone did not say.
    const entries = Object.entries(value);
    const placeholder = entries.length === 1 && entries[0]![1] === null ? `{${entries[0]![0]}}` : null;
    return placeholder === null ? "a mapping" : `a mapping (YAML reads an unquoted ${placeholder} as one: quote it, "${placeholder}")`;
  }
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
}

function valueAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

interface Problem {
  path: Path;
  key?: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

/** Turns zod issues into problems with plain messages; unions report their most relevant branch. */
function problemsOf(issues: readonly Issue[], data: unknown, prefix: Path = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const value = valueAt(data, path);
    switch (issue.code) {
      case "invalid_type":
        out.push({ path, message: invalidTypeMessage(path, issue.expected, value) });
        break;
      case "unrecognized_keys":
        for (const key of issue.keys) out.push({ path, key, message: `unknown field${suggest(key, knownKeys(path))}` });
        break;
      case "invalid_value":
        out.push({ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(value)}` });
        break;
      case "too_small":
        out.push({
          path,
          message:
            issue.origin === "array"
              ? "must not be empty"
              : issue.origin === "string"
                ? "must not be empty"
                : `must be ${issue.inclusive ? "at least" : "greater than"} ${String(issue.minimum)}, got ${describeValue(value)}`,
        });
        break;
      case "invalid_union": {
        // The branch whose complaint is not merely "wrong type at the root" is the one the user meant.
        const branches = issue.errors.filter((branch) => !branch.every((i) => i.code === "invalid_type" && i.path.length === 0));
        if (branches.length === 1) out.push(...problemsOf(branches[0]!, data, path));
        else out.push({ path, message: `expected ${unionExpectation(path)}, got ${describeValue(value)}` });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

const LIMIT_FIELDS = new Set(["timeout", "trialTimeout", "trials"]);

function invalidTypeMessage(path: Path, expected: string, value: unknown): string {
  if (value === undefined) return `required field is missing (expected ${expected})`;
  if (typeof value === "number" && !Number.isFinite(value) && (expected === "number" || expected === "int")) {
    const noLimit = path.length === 1 && LIMIT_FIELDS.has(String(path[0])) ? "; leave the field out for no limit" : "";
    return `must be a finite number, got ${describeValue(value)}${noLimit}`;
  }
  return `expected ${expected === "int" ? "integer" : expected}, got ${describeValue(value)}`;
}

function unionExpectation(path: Path): string {
  const last = path[path.length - 1];
  if (path[0] === "params" && path.length === 2) return 'a parameter (a mapping with "type", or a string like "float:1e-5:1e-1:log")';
  if (last === "command") return "a list of strings or a string";
  if (last === "sampler" || last === "pruner" || last === "scheduler") return `a name or a mapping { name, options }`;
  if (path[0] === "params" && path[path.length - 2] === "choices") return "a string, number, boolean or null";
  if (path.length === 3 && path[1] === "options") return "a string, number, boolean or mapping";
  return "another type";
}

function knownKeys(path: Path): string[] {
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (path[0] === "params" && path.length === 2) return Object.keys(paramObject.shape);
  if ((path[0] === "sampler" || path[0] === "pruner" || path[0] === "scheduler") && path.length === 1) return ["name", "options"];
  return [];
}

function suggest(key: string, known: string[]): string {
  const hint = didYouMean(key, known);
  if (hint !== "") return hint;
  return known.length > 0 ? ` (allowed: ${known.join(", ")})` : "";
}


/**
 * `sextant --help`'s example, `--config examples/quickstart/sextant.yaml`, names a file in the
 * package, which is found from a checkout but not from a project that installed sextant: there it
 * is under node_modules, and the message says where.
 */
function shippedExampleHint(file: string): string {
  if (isAbsolute(file)) return "";
  const shipped = resolve(packageRoot(), file);
  if (shipped === resolve(file) || !existsSync(shipped)) return "";
  return `; the examples ship inside the sextant package: --config ${relative(process.cwd(), shipped)}`;
}

/**
 * Reads and validates a config file. YAML and JSON are both read by the YAML parser (JSON is
 * YAML), which keeps source positions for error messages.
 *
 * @example
 * const { config } = loadConfigFile("examples/quickstart/sextant.yaml");
 * config.params.lr // { type: "float", low: 0.001, high: 1, log: true }
 */
export function loadConfigFile(file: string): { config: TuneConfig; source: ConfigSource } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `config file ${file} does not exist${shippedExampleHint(file)}` : `cannot read config file ${file}: ${(error as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const messages = doc.errors.slice(0, 5).map((e) => {
      const pos = lines.linePos(e.pos[0]);
      // The library's own advice (YAML.parseAllDocuments) is for its callers, not for the file's author.
      const message =
        e.code === "MULTIPLE_DOCS" ? "a config file holds one YAML document; remove the --- that starts a second" : `${e.message.split("\n")[0]}${quoteHint(text, e.code, e.pos[0])}`;
      return `${file}:${pos.line}:${pos.col}: ${message}`;
    });
    throw new UsageError(messages.join("\n"));
  }
  const source = new ConfigSource(file, doc, lines);
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (error) {
    // The yaml library's own limits (an alias expanding past its count): the file's fault, not a bug.
    throw new UsageError(`${file}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw source.error([], `a config file must be a mapping of fields (study, command, params, …), got ${describeValue(data)}`);
  }
  // Checked before the schema, whose records set "__proto__" as the prototype rather than a key: a
  // parameter or environment variable of that name vanished without a word.
  for (const field of ["params", "env"] as const) {
    const entries = (data as Record<string, unknown>)[field];
    if (entries === null || typeof entries !== "object" || Array.isArray(entries)) continue;
    for (const name of Object.keys(entries)) {
      const reserved = reservedParamName(name);
      if (reserved !== null) throw source.error([field], field === "params" ? reserved : reserved.replace(/^parameter name/, "environment variable name"), name);
    }
  }
  // Several objectives written as --direction takes them (a list, or "minimize,maximize") read only
  // "expected one of …, got a list" or "expected array": say which field takes them, and how.
  const { direction, directions } = data as Record<string, unknown>;
  if (Array.isArray(direction) || (typeof direction === "string" && direction.includes(","))) {
    throw source.error(["direction"], `one objective's direction; for several objectives give "directions" as a list: directions: [minimize, maximize]`);
  }
  if (typeof directions === "string") {
    throw source.error(["directions"], `expected a list of directions, one per objective: directions: [${directions.split(",").map((d) => d.trim()).join(", ")}]`);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error.issues, data).slice(0, 10);
    throw new UsageError(problems.map((p) => source.error(p.path, p.message, p.key).message).join("\n"));
  }
  return { config: normalizeConfig(parsed.data, source), source };
}

/**
 * The hint for YAML's error at a value that ends in ":" (`storage: memory:`), which YAML reads as a
 * mapping inside the value: "Nested mappings are not allowed in compact mappings" alone did not
 * say that quoting the value is all it takes. "" for any other error.
 */
function quoteHint(text: string, code: string, offset: number): string {
  if (code !== "BLOCK_AS_IMPLICIT_KEY") return "";
  const value = text.slice(offset).split(/\r?\n/)[0]!.replace(/\s+#.*$/, "").trim();
  return value.endsWith(":") ? ` (a value that ends in ":" must be quoted: ${JSON.stringify(value)})` : "";
}

function normalizeConfig(raw: RawConfig, source: ConfigSource): TuneConfig {
  if (raw.direction !== undefined && raw.directions !== undefined) {
    throw source.error(["directions"], 'give either "direction" or "directions", not both');
  }
  const config: TuneConfig = { params: {}, paramWarnings: {} };
  if (raw.study !== undefined) config.study = raw.study;
  if (raw.storage !== undefined) {
    // Refused here rather than when opened, so that the message points at the line.
    const problem = storageUrlProblem(raw.storage, source.folder);
    if (problem !== null) throw source.error(["storage"], problem);
    config.storage = resolveStorageUrl(raw.storage, source.folder);
  }
  if (raw.direction !== undefined) config.directions = [raw.direction];
  if (raw.directions !== undefined) config.directions = raw.directions;
  for (const key of ["trials", "jobs", "timeout", "trialTimeout", "killGrace", "maxInitialFailures", "seed"] as const) {
    if (raw[key] !== undefined) config[key] = raw[key];
  }
  if (raw.sampler !== undefined) config.sampler = namedOf(raw.sampler);
  if (raw.pruner !== undefined) config.pruner = namedOf(raw.pruner);
  if (raw.scheduler !== undefined) {
    config.scheduler = namedOf(raw.scheduler);
  }
  if (raw.command !== undefined) {
    if (typeof raw.command === "string") {
      try {
        config.command = splitCommandLine(raw.command);
      } catch (error) {
        throw source.error(["command"], (error as Error).message);
      }
    } else {
      config.command = raw.command;
    }
  }
  for (const [name, spec] of Object.entries(raw.params ?? {})) {
    if (!PARAM_NAME.test(name)) {
      throw source.error(["params"], `parameter name "${name}" must start with a letter or _ and hold only letters, digits, _, . or -`, name);
    }
    const reserved = reservedParamName(name);
    if (reserved !== null) throw source.error(["params"], reserved, name);
    try {
      const narrowed = (message: string): void => {
        config.paramWarnings[name] = source.pointAt(["params", name], message);
      };
      config.params[name] = typeof spec === "string" ? parseParamSpec(spec, name, narrowed) : paramFromObject(spec, name, narrowed);
    } catch (error) {
      throw source.error(["params", name], (error as Error).message);
    }
    // Checked here rather than in paramFromObject, to point at the second choice's own line.
    const distribution = config.params[name]!;
    if (distribution.type === "categorical") {
      const clash = choicesWithSameCommandText(distribution.choices);
      if (clash !== null) throw source.error(["params", name, "choices", clash.second], sameCommandTextMessage(name, distribution.choices, clash));
    }
  }
  if (raw.env !== undefined) config.env = raw.env;
  if (raw.cwd !== undefined) config.cwd = resolve(source.folder, raw.cwd);
  return config;
}

/**
 * A storage URL from a config file, with a relative `sqlite:` path made absolute from `folder`, so
 * that a config means the same database whatever directory `sextant` runs in.
 *
 * @example
 * resolveStorageUrl("sqlite:runs/s.db", "/home/me/exp") // "sqlite:/home/me/exp/runs/s.db"
 * resolveStorageUrl("sqlite:///runs/s.db", "/home/me/exp") // "sqlite:/home/me/exp/runs/s.db"
 * resolveStorageUrl("sqlite:////srv/s.db", "/home/me/exp") // "sqlite:////srv/s.db"
 * resolveStorageUrl("memory:", "/home/me/exp") // "memory:"
 */
export function resolveStorageUrl(url: string, folder: string): string {
  const path = sqlitePath(url);
  if (path === null || path === "" || isAbsolute(path)) return url;
  return `sqlite:${resolve(folder, path)}`;
}

function paramFromObject(spec: z.infer<typeof paramObject>, name: string, onNarrowed: (message: string) => void): Distribution {
  let distribution: Distribution;
  if (spec.type === "categorical") {
    for (const field of ["low", "high", "log", "step"] as const) {
      if (spec[field] !== undefined) throw new InvalidDistributionError(`parameter "${name}": a categorical parameter takes "choices", not "${field}"`);
    }
    if (spec.choices === undefined) throw new InvalidDistributionError(`parameter "${name}": a categorical parameter needs "choices"`);
    distribution = { type: "categorical", choices: spec.choices };
  } else {
    if (spec.choices !== undefined) throw new InvalidDistributionError(`parameter "${name}": a ${spec.type} parameter takes low/high, not "choices"`);
    if (spec.low === undefined || spec.high === undefined) {
      throw new InvalidDistributionError(`parameter "${name}": a ${spec.type} parameter needs "low" and "high"`);
    }
    distribution = { type: spec.type, low: spec.low, high: spec.high, ...(spec.log ? { log: true } : {}), ...(spec.step !== undefined ? { step: spec.step } : {}) };
  }
  return validateDistribution(distribution, name, onNarrowed);
}

