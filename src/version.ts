import { readFileSync } from "node:fs";
import { packagePath } from "./package-root.js";

/**
 * The installed package's version, from its package.json, or "unknown" if that cannot be read.
 * Shared by `sextant --version` and the HTTP service's health route.
 *
 * @example
 * packageVersion() // "0.1.0"
 */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
