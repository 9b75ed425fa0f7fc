/**
 * Field paths as messages name them. Internal: not re-exported by the package root.
 *
 * @module
 */

/**
 * A field path as users write it.
 *
 * @example
 * formatPath(["params", "lr", "low"]) // "params.lr.low"
 * formatPath(["command", 2]) // "command[2]"
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}
