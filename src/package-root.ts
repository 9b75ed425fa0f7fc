import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The package's own folder: the nearest folder above this module with a package.json. It is
 * found the same way from `src/` (tests), from `dist/` and from the CLI's bundle in
 * `dist/cli-bundle/`, whose modules sit at other depths than the sources they were built from, so
 * a path written relative to one module's own URL would miss there.
 *
 * @example
 * packagePath("scripts", "optuna-driver.py") // "/work/sextant/scripts/optuna-driver.py"
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the sextant package's folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  root = dir;
  return dir;
}

/** A path inside the package's own folder (see {@link packageRoot}). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
