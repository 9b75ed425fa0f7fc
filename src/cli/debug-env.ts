// Imports nothing: bin/sextant.js reads it from dist/ before the CLI's bundle loads, to turn on
// source maps for --debug's stack traces.

/**
 * Whether `--debug` output is asked for by the environment: `SEXTANT_DEBUG` set to anything but
 * empty, `0` or `false`.
 *
 * @example
 * debugFromEnv({ SEXTANT_DEBUG: "1" }) // true
 */
export function debugFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const value = env.SEXTANT_DEBUG?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}
