/**
 * The short forms shared by flags and config files: parameters (`float:1e-5:1e-1:log`),
 * `key=value` options, and command lines split into argv without a shell. Kept apart from the
 * config loader so that a run without `--config` does not load the YAML parser and zod.
 */
import { type Distribution, InvalidDistributionError, type ParamValue, containsValue, reservedParamName, validateDistribution } from "../space/index.js";
import { decimalNumber } from "../space/number-text.js";
import { formatParamValue } from "../study/command-runner.js";
import { UsageError } from "./errors.js";

/**
 * Parameter names usable as `{name}` placeholders.
 *
 * @example
 * PARAM_NAME.test("learning_rate") // true
 */
export const PARAM_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}_.-]*$/u;

function parseNumber(text: string, what: string, name: string): number {
  const value = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new InvalidDistributionError(`parameter "${name}": ${what} must be a number, got "${text}"`);
  return value;
}

/**
 * Parses the short form of a parameter: `float:LOW:HIGH[:log][:step=S]`, `int:LOW:HIGH[:log][:step=S]`
 * or `cat:A,B,C` (also `categorical:`). Categorical choices stay strings. A step that does not
 * divide the range narrows it to the last multiple of the step, and `onNarrowed` is told so.
 *
 * @example
 * parseParamSpec("float:1e-5:1e-1:log", "lr") // { type: "float", low: 1e-5, high: 0.1, log: true }
 */
export function parseParamSpec(text: string, name: string, onNarrowed?: (message: string) => void): Distribution {
  const colon = text.indexOf(":");
  const type = (colon < 0 ? text : text.slice(0, colon)).trim();
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  if (type === "cat" || type === "categorical") {
    const choices = rest.split(",").map((c) => c.trim());
    if (rest.trim() === "" || choices.some((c) => c === "")) {
      throw new InvalidDistributionError(`parameter "${name}": expected "cat:A,B,C" with non-empty choices, got "${text}"`);
    }
    return validateDistribution({ type: "categorical", choices }, name);
  }
  if (type !== "float" && type !== "int") {
    throw new InvalidDistributionError(
      `parameter "${name}": unknown type "${type}" in "${text}" (expected float:LOW:HIGH[:log][:step=S], int:LOW:HIGH[:log][:step=S] or cat:A,B,C)`,
    );
  }
  const parts = rest.split(":");
  if (parts.length < 2 || rest === "") {
    throw new InvalidDistributionError(`parameter "${name}": expected ${type}:LOW:HIGH[:log][:step=S], got "${text}"`);
  }
  const low = parseNumber(parts[0]!, "low", name);
  const high = parseNumber(parts[1]!, "high", name);
  let log = false;
  let step: number | undefined;
  // A repeated option kept its last value without a word (step=0.5:step=0.25 ran on 0.25).
  const twice = (option: string): never => {
    throw new InvalidDistributionError(`parameter "${name}": option "${option}" is given twice in "${text}"`);
  };
  for (const option of parts.slice(2)) {
    const trimmed = option.trim();
    if (trimmed === "log") log = log ? twice("log") : true;
    else if (trimmed.startsWith("step=")) step = step !== undefined ? twice("step") : parseNumber(trimmed.slice(5), "step", name);
    else throw new InvalidDistributionError(`parameter "${name}": unknown option "${trimmed}" in "${text}" (expected "log" or "step=S")`);
  }
  return validateDistribution({ type, low, high, ...(log ? { log: true } : {}), ...(step !== undefined ? { step } : {}) }, name, onNarrowed);
}

/**
 * The first two categorical choices that reach a command as the same text (`1` and `"1"`, `true`
 * and `"true"`, `null` and `"null"`), or null when every choice reads differently. The library
 * keeps such choices apart, but a command gets them as argv and environment text, and `sextant
 * trials` shows them alike: its trials could not be told apart.
 *
 * @example
 * choicesWithSameCommandText([1, "2", "1"]) // { first: 0, second: 2, text: "1" }
 */
export function choicesWithSameCommandText(choices: readonly ParamValue[]): { first: number; second: number; text: string } | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < choices.length; i++) {
    const text = formatParamValue(choices[i]!);
    const first = seen.get(text);
    if (first !== undefined) return { first, second: i, text };
    seen.set(text, i);
  }
  return null;
}

/**
 * Why a categorical choice of a parameter run by a command is refused: it reads as an earlier one.
 *
 * @example
 * sameCommandTextMessage("x", [1, "1"], { first: 0, second: 1, text: "1" })
 * // 'parameter "x": choices 1 and "1" both reach the command as the text "1", …'
 */
export function sameCommandTextMessage(name: string, choices: readonly ParamValue[], clash: { first: number; second: number; text: string }): string {
  return (
    `parameter "${name}": choices ${JSON.stringify(choices[clash.first])} and ${JSON.stringify(choices[clash.second])} both reach the command as the text ${JSON.stringify(clash.text)}, ` +
    "so their trials could not be told apart; keep one of them, or give them different text"
  );
}

/**
 * Parses `--param NAME=SPEC`. Throws {@link UsageError} naming the flag; a range narrowed to its
 * step is told to `onNarrowed`, naming the flag too.
 *
 * @example
 * parseParamFlag("depth=int:2:10") // ["depth", { type: "int", low: 2, high: 10 }]
 */
export function parseParamFlag(flag: string, onNarrowed?: (message: string) => void): [string, Distribution] {
  const eq = flag.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param "${flag}": expected NAME=SPEC, e.g. lr=float:1e-5:1e-1:log`);
  const name = flag.slice(0, eq).trim();
  if (!PARAM_NAME.test(name)) {
    throw new UsageError(`--param "${flag}": parameter name "${name}" must start with a letter or _ and hold only letters, digits, _, . or -`);
  }
  const reserved = reservedParamName(name);
  if (reserved !== null) throw new UsageError(`--param "${flag}": ${reserved}`);
  try {
    return [name, parseParamSpec(flag.slice(eq + 1), name, onNarrowed && ((message) => onNarrowed(`--param "${flag}": ${message}`)))];
  } catch (error) {
    throw new UsageError(`--param "${flag}": ${(error as Error).message}`);
  }
}

/**
 * Parses `--enqueue NAME=VALUE,NAME=VALUE` against the study's `space`: a trial to run first, at
 * these values (parameters not named are sampled as usual). Each name must be a parameter and
 * each value one of its legal values. Throws {@link UsageError} naming the flag.
 *
 * @example
 * parseEnqueueFlag("lr=0.001,depth=4", { lr: { type: "float", low: 1e-5, high: 0.1, log: true }, depth: { type: "int", low: 2, high: 10 } })
 * // { lr: 0.001, depth: 4 }
 */
export function parseEnqueueFlag(flag: string, space: Readonly<Record<string, Distribution>>): Record<string, ParamValue> {
  const fail = (why: string): never => {
    throw new UsageError(`--enqueue "${flag}": ${why}`);
  };
  const params: Record<string, ParamValue> = {};
  if (flag.trim() === "") fail("expected NAME=VALUE[,NAME=VALUE…], e.g. lr=0.001,depth=4");
  for (const part of splitOutsideQuotes(flag)) {
    const eq = part.indexOf("=");
    if (eq <= 0) fail(`expected NAME=VALUE, got "${part.trim()}"`);
    const name = part.slice(0, eq).trim();
    const text = part.slice(eq + 1).trim();
    const distribution = space[name];
    if (distribution === undefined) fail(`no parameter named "${name}" (parameters: ${Object.keys(space).join(", ")})`);
    if (Object.prototype.hasOwnProperty.call(params, name)) fail(`"${name}" is given twice`);
    let value: ParamValue;
    if (distribution!.type === "categorical") {
      // A choice in double quotes is that string exactly: "1" beside the number 1, or one holding a comma.
      const quoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? parseQuoted(text) : undefined;
      // Unquoted, a number choice is matched by value, however it is spelt (1e-5, 2.0, 0.10).
      const asNumber = decimalNumber(text);
      const matches =
        quoted !== undefined
          ? distribution!.choices.filter((c) => c === quoted)
          : distribution!.choices.filter((c) => String(c) === text || (typeof c === "number" && c === asNumber));
      // Unquoted text that names both a number (or true, null) and a string is the former.
      const choice = matches.find((c) => typeof c !== "string") ?? matches[0];
      if (choice === undefined) {
        fail(`${quoted !== undefined ? text : `"${text}"`} is not a choice of "${name}" (choices: ${distribution!.choices.map((c) => JSON.stringify(c)).join(", ")}; quote a string choice that looks like a number or holds a comma, e.g. ${name}="1")`);
      }
      value = choice!;
    } else {
      // In decimal notation, as a choice is: Number() read depth=0x10 as 16. A whole number is an
      // int parameter's value however it is spelt (5.0, as pandas writes an int column, or 1e1).
      value = decimalNumber(text);
      if (!containsValue(distribution!, value)) {
        const { low, high } = distribution!;
        const step = "step" in distribution! && distribution!.step !== undefined ? ` on the grid of step ${distribution!.step}` : "";
        fail(`"${name}" must be ${distribution!.type === "int" ? "an integer" : "a number"} from ${low} to ${high}${step}, got "${text}"`);
      }
    }
    params[name] = value!;
  }
  return params;
}

/** `a=1,b="x,y"` into its NAME=VALUE parts: commas inside double quotes belong to the value. */
function splitOutsideQuotes(flag: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < flag.length; i++) {
    const c = flag[i]!;
    if (quoted && c === "\\" && i + 1 < flag.length) {
      current += c + flag[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** A double-quoted value as the string it spells (JSON escapes), or undefined when it is not one. */
function parseQuoted(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses `key=value` of `--sampler-opt`/`--pruner-opt`/`--scheduler-opt`; true/false become
 * booleans, and a number written as JavaScript writes it back (`8`, `-2`, `0.3`) becomes that
 * number, so that a study stores its seed as one. Any other spelling stays text for the option's
 * schema to read by the option's kind: Number() made `n_startup_trials=0x10` the number 16, and
 * `5.0` or `1e3` whole numbers that an integer option took; a float option still reads `1e-3` or `.5`.
 *
 * @example
 * parseOptionFlag("sigma0=0.3", "--sampler-opt") // ["sigma0", 0.3]
 * parseOptionFlag("n_startup_trials=0x10", "--sampler-opt") // ["n_startup_trials", "0x10"]
 */
export function parseOptionFlag(flag: string, option: string): [string, string | number | boolean] {
  const eq = flag.indexOf("=");
  if (eq <= 0) throw new UsageError(`${option} "${flag}": expected KEY=VALUE`);
  const key = flag.slice(0, eq).trim();
  const text = flag.slice(eq + 1).trim();
  if (text === "true") return [key, true];
  if (text === "false") return [key, false];
  const number = decimalNumber(text);
  if (Number.isFinite(number) && String(number) === text) return [key, number];
  return [key, text];
}

/** Characters a shell would treat as operators or a comment when unquoted: refused rather than passed on as literal text. */
const SHELL_OPERATOR_CHARS = ";|&<>#";

/** How to name the expansion that starts at `at`: `"$HOME"`, `"${DATA}"`, `"$(…)"`, a backquote or `"~"`. */
function expansionAt(text: string, at: number): string {
  const c = text[at]!;
  if (c === "`") return "a backquote (command substitution)";
  if (c === "~") return `"~" (the home folder)`;
  const name = /^\$(?:\{[^}]*\}?|\([^)]*\)?|[A-Za-z_][A-Za-z0-9_]*|.)/.exec(text.slice(at))![0];
  return `"${name}"`;
}

/** The whitespace-delimited stretch of `text` around index `at`, to show where a refused character sits. */
function rawWordAt(text: string, at: number): string {
  let start = at;
  while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
  let end = at;
  while (end < text.length && !/\s/.test(text[end]!)) end++;
  return text.slice(start, end);
}

/** What follows a `$` that a shell would expand: a variable, `${…}`, `$(…)`, a positional or special parameter. */
const EXPANDED_AFTER_DOLLAR = /[A-Za-z_{(0-9?$!@*]/;

/**
 * Refuses an expansion a shell would have made (`$HOME`, `${DATA}`, `$(date)`, a backquote, a
 * leading `~`): without a shell it would reach the program as literal text, and every trial
 * would run with a path such as "$DATA_DIR/train.csv" instead of its value.
 */
function refuseExpansion(text: string, at: number): never {
  throw new Error(
    `${expansionAt(text, at)} in "${rawWordAt(text, at)}": commands do not run through a shell, so it would reach the program as literal text, not expanded; ` +
      `write the value itself, read the variable in the program (it gets sextant's environment), quote it in single quotes to pass it on, or use a list like ["sh", "-c", "…"] to run a shell`,
  );
}

/**
 * Splits a command line into argv the way a POSIX shell would split words, but without running a
 * shell: single quotes, double quotes and backslashes work; globs stay literal. An unquoted `;`,
 * `|`, `&`, `<`, `>` or `#` anywhere in a word is refused: a shell would have run a pipeline, a
 * redirection or a comment, and passing the character on would silently give the program other
 * arguments than the user meant. So is what a shell would expand, unquoted or in double quotes:
 * `$VAR`, `${VAR}`, `$(…)`, a backquote, and `~` at the start of a word.
 *
 * @example
 * splitCommandLine(`python train.py --name "my run" --lr {lr}`) // ["python", "train.py", "--name", "my run", "--lr", "{lr}"]
 * splitCommandLine("echo hi; rm x") // throws: unquoted ";" in "hi;"
 * splitCommandLine("python train.py --data $DATA_DIR") // throws: "$DATA_DIR" in "$DATA_DIR": … not expanded
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const push = (): void => {
    if (!inWord) return;
    words.push(word);
    word = "";
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      push();
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error("unterminated single quote in command");
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && text[i + 1] === "\n") {
          // A line continuation, as in a shell: both characters go, and the word goes on.
          i += 2;
        } else if (d === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else if (d === "`" || (d === "$" && EXPANDED_AFTER_DOLLAR.test(text[i + 1] ?? ""))) {
          refuseExpansion(text, i);
        } else {
          word += d;
          i++;
        }
      }
      if (!closed) throw new Error("unterminated double quote in command");
    } else if (c === "\\" && text[i + 1] === "\n") {
      // A line continuation (a command written over several lines of a YAML block, as in a shell
      // script): a shell removes both characters, and the program got a "\n" argument instead.
      i += 2;
    } else if (c === "\\") {
      if (i + 1 < text.length) word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "`" || (c === "$" && EXPANDED_AFTER_DOLLAR.test(text[i + 1] ?? "")) || (c === "~" && !inWord && /^(?:[\s/]|$)/.test(text[i + 1] ?? ""))) {
      refuseExpansion(text, i);
    } else if (SHELL_OPERATOR_CHARS.includes(c)) {
      throw new Error(
        `unquoted "${c}" in "${rawWordAt(text, i)}": commands do not run through a shell, so ; | & < > # would reach the program ` +
          `as literal text; quote it ('${c}') to pass it on, or use a list like ["sh", "-c", "…"] to run a shell`,
      );
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  push();
  if (words.length === 0) throw new Error("the command is empty");
  return words;
}
