/**
 * NaN and ±Infinity inside JSON-shaped data (attributes, params), where JSON has no form for them
 * (JSON.stringify silently writes null). Where a value may also be a string, a bare name such as
 * "Infinity" would read back as the number, so a non-finite number becomes a one-key object
 * `{"$sextant:number": NAME}` instead. A value's own object of that shape (the key with any number
 * of `$` in front) is written with one `$` more and read back with one less, so it never reads back
 * as a number. Storage and the HTTP API share the scheme; each spells the names its own way
 * (storage "inf", the API "Infinity", as its values and intermediate values are spelled).
 */

/** The one key of an object that stands for a non-finite number. */
export const NON_FINITE_TAG = "$sextant:number";

/** How one layer names NaN, Infinity and -Infinity inside the tag. */
export interface NonFiniteSpelling {
  readonly nan: string;
  readonly infinity: string;
  readonly negativeInfinity: string;
}

/**
 * The names the HTTP API and the CLI's JSON output (`trials --json`, `export --format json`) give
 * NaN and ±Infinity: bare in values and intermediate values, which are numbers, and inside a tag in
 * attributes, where a bare "Infinity" is the string.
 *
 * @example
 * tagNonFinite({ loss: -Infinity }, API_SPELLING); // { loss: { "$sextant:number": "-Infinity" } }
 */
export const API_SPELLING: NonFiniteSpelling = { nan: "NaN", infinity: "Infinity", negativeInfinity: "-Infinity" };

/** The name `spelling` gives a non-finite number. */
export function nonFiniteName(value: number, spelling: NonFiniteSpelling): string {
  return Number.isNaN(value) ? spelling.nan : value > 0 ? spelling.infinity : spelling.negativeInfinity;
}

/** The non-finite number `name` stands for in `spelling`, or undefined for any other value. */
export function nonFiniteNumber(name: unknown, spelling: NonFiniteSpelling): number | undefined {
  return name === spelling.infinity ? Infinity : name === spelling.negativeInfinity ? -Infinity : name === spelling.nan ? NaN : undefined;
}

const TAG_LIKE_KEY = /^\$+sextant:number$/;

/** The one key of an object shaped like a tag (`$sextant:number`, or that with more `$`s), else null. */
function tagLikeKey(value: object): string | null {
  let only: string | null = null;
  for (const key in value) {
    if (only !== null) return null;
    only = key;
  }
  return only !== null && TAG_LIKE_KEY.test(only) ? only : null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Whether writing `value` needs tags: a non-finite number, or an object shaped like a tag, somewhere inside. */
export function needsNonFiniteTags(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(needsNonFiniteTags);
  if (tagLikeKey(value) !== null) return true;
  for (const key in value) if (needsNonFiniteTags((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * One node as written: a non-finite number as its tag, a tag-like object with one `$` more.
 * Top-down, as a `JSON.stringify` replacer: the node's children are tagged after it.
 */
export function tagNode(value: unknown, spelling: NonFiniteSpelling): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return { [NON_FINITE_TAG]: nonFiniteName(value, spelling) };
  if (isPlainObject(value)) {
    const key = tagLikeKey(value);
    if (key !== null) return { [`$${key}`]: value[key] };
  }
  return value;
}

/**
 * One node as read back, the inverse of {@link tagNode}. Bottom-up, as a `JSON.parse` reviver: its
 * children are read back first. A tag whose name `spelling` does not know is left as it is, or
 * given to `unknownName` (which may throw) with the tag's name.
 */
export function untagNode(value: unknown, spelling: NonFiniteSpelling, unknownName?: (name: unknown) => void): unknown {
  if (!isPlainObject(value)) return value;
  const key = tagLikeKey(value);
  if (key === null) return value;
  if (key !== NON_FINITE_TAG) return { [key.slice(1)]: value[key] };
  const decoded = nonFiniteNumber(value[NON_FINITE_TAG], spelling);
  if (decoded !== undefined) return decoded;
  unknownName?.(value[NON_FINITE_TAG]);
  return value;
}

/**
 * `value` with its non-finite numbers as tags (see the module's doc), as plain data that
 * JSON.stringify writes whole; `value` itself when nothing needs a tag.
 *
 * @example
 * tagNonFinite({ loss: Infinity, note: "Infinity" }, API_SPELLING); // { loss: { "$sextant:number": "Infinity" }, note: "Infinity" }
 */
export function tagNonFinite<T>(value: T, spelling: NonFiniteSpelling): T {
  if (!needsNonFiniteTags(value)) return value;
  const walk = (node: unknown): unknown => {
    const tagged = tagNode(node, spelling);
    if (Array.isArray(tagged)) return tagged.map(walk);
    // fromEntries keeps a "__proto__" key that JSON.parse read as data; an assignment would not.
    if (isPlainObject(tagged)) return Object.fromEntries(Object.entries(tagged).map(([key, child]) => [key, walk(child)]));
    return tagged;
  };
  return walk(value) as T;
}

/**
 * The inverse of {@link tagNonFinite}. A tag whose name `spelling` does not know is given to
 * `unknownName` with its path (keys and indices from `value`), or left as it is without one.
 *
 * @example
 * untagNonFinite({ loss: { "$sextant:number": "Infinity" } }, API_SPELLING); // { loss: Infinity }
 */
export function untagNonFinite<T>(value: T, spelling: NonFiniteSpelling, unknownName?: (path: readonly string[], name: unknown) => void): T {
  if (!needsNonFiniteTags(value)) return value;
  const walk = (node: unknown, path: string[]): unknown => {
    let out: unknown = node;
    if (Array.isArray(node)) out = node.map((child, i) => walk(child, [...path, String(i)]));
    else if (isPlainObject(node)) out = Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, [...path, key])]));
    return untagNode(out, spelling, unknownName && ((name) => unknownName(path, name)));
  };
  return walk(value, []) as T;
}
