/**
 * Parsing of CLI-style sampler options (`--sampler-opt key=value`): values arrive as strings,
 * numbers or booleans and are checked against a small schema with messages that name the key.
 */

/** How one option is read. */
export type OptionSpec =
  | { readonly kind: "number"; readonly integer?: boolean; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "boolean" };

/**
 * Thrown for an unknown key or a value that does not fit its option.
 *
 * @example
 * try { createCmaEsSamplerFromOptions({ sigma: "1" }); } catch (e) { if (e instanceof SamplerOptionError) console.error(e.message); }
 */
export class SamplerOptionError extends Error {
  override name = "SamplerOptionError";
}

function normalizeKey(key: string): string {
  return key.replace(/[-_]/g, "").toLowerCase();
}

/**
 * Reads `options` against `specs` (keyed by canonical camelCase names). Keys match ignoring case,
 * `-` and `_`, so `n_startup_trials`, `n-startup-trials` and `nStartupTrials` are the same option.
 * Undefined values are skipped.
 *
 * @example
 * parseSamplerOptions("cmaes", { sigma0: "0.2" }, { sigma0: { kind: "number", min: 0, exclusiveMin: true } }) // { sigma0: 0.2 }
 */
export function parseSamplerOptions(
  sampler: string,
  options: Readonly<Record<string, string | number | boolean | undefined>>,
  specs: Readonly<Record<string, OptionSpec>>,
): Record<string, number | string | boolean> {
  const byNormalized = new Map(Object.keys(specs).map((k) => [normalizeKey(k), k]));
  const result: Record<string, number | string | boolean> = {};
  for (const [rawKey, raw] of Object.entries(options)) {
    if (raw === undefined) continue;
    const key = byNormalized.get(normalizeKey(rawKey));
    if (key === undefined) {
      throw new SamplerOptionError(`${sampler} sampler: unknown option "${rawKey}" (known options: ${Object.keys(specs).join(", ")})`);
    }
    const spec = specs[key]!;
    result[key] = parseOne(sampler, key, raw, spec);
  }
  return result;
}

function parseOne(sampler: string, key: string, raw: string | number | boolean, spec: OptionSpec): number | string | boolean {
  const where = `${sampler} sampler: option "${key}"`;
  if (spec.kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    const text = String(raw).trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(text)) return true;
    if (["false", "0", "no", "off"].includes(text)) return false;
    throw new SamplerOptionError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (spec.kind === "enum") {
    const text = String(raw).trim().toLowerCase();
    if (!spec.values.includes(text)) {
      throw new SamplerOptionError(`${where} must be one of ${spec.values.join(", ")}, got ${JSON.stringify(raw)}`);
    }
    return text;
  }
  const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new SamplerOptionError(`${where} must be a finite number, got ${JSON.stringify(raw)}`);
  if (spec.integer && !Number.isInteger(value)) throw new SamplerOptionError(`${where} must be an integer, got ${JSON.stringify(raw)}`);
  if (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min)) {
    throw new SamplerOptionError(`${where} must be ${spec.exclusiveMin ? ">" : ">="} ${spec.min}, got ${value}`);
  }
  if (spec.max !== undefined && value > spec.max) throw new SamplerOptionError(`${where} must be <= ${spec.max}, got ${value}`);
  return value;
}
