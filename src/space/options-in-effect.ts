/**
 * Two settings of a sampler or pruner compared as the component runs with them, whatever their
 * spelling. Internal (not re-exported by `./index.ts`): a resumed `sextant tune` and a
 * `loadIfExists` create over HTTP compare the settings they are given with the study's stored ones.
 */
import { type OptionSchema, type RawOptions, parseOptions } from "./options.js";

/** A sampler's or pruner's name and options, as the CLI, config files and the HTTP API give them. */
export interface ComponentSettings {
  readonly name: string;
  readonly options: RawOptions;
}

/** The option schema registered under a name, or undefined for a name none is registered under. */
export type SchemaLookup = (name: string) => OptionSchema | undefined;

/**
 * A component's options as it runs with them, or null where they do not parse: keys in its schema's
 * spelling, values read ("0" is 0), the schema's defaults filled in, and the patient pruner's
 * `wrappedOptions` (JSON text) read so against the schema of the component it wraps.
 *
 * @example
 * optionsInEffect("pruner", "median", { n_warmup_steps: "0" }, prunerSchema) // { nStartupTrials: 5, nWarmupSteps: 0, intervalSteps: 1, nMinTrials: 1 }
 */
export function optionsInEffect(kind: string, name: string, options: RawOptions, schemaOf: SchemaLookup): Record<string, unknown> | null {
  const schema = schemaOf(name);
  if (schema === undefined) return null;
  const owner = `${name} ${kind}`;
  const inEffect: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.default === undefined) continue;
    try {
      inEffect[key] = parseOptions(owner, { [key]: spec.default }, schema)[key];
    } catch {
      // A computed default ("min(10, 2d+1)") is shown in help, never applied: left out.
    }
  }
  try {
    Object.assign(inEffect, parseOptions(owner, options, schema));
  } catch {
    return null;
  }
  if (typeof inEffect.wrapped === "string" && typeof inEffect.wrappedOptions === "string") {
    let wrappedOptions: unknown;
    try {
      wrappedOptions = JSON.parse(inEffect.wrappedOptions);
    } catch {
      return null;
    }
    if (wrappedOptions === null || typeof wrappedOptions !== "object" || Array.isArray(wrappedOptions)) return null;
    const wrapped = optionsInEffect(kind, inEffect.wrapped, wrappedOptions as RawOptions, schemaOf);
    if (wrapped === null) return null;
    inEffect.wrappedOptions = wrapped;
  }
  return inEffect;
}

/**
 * Whether two settings are the same component: one name, and options that read alike as it runs
 * with them (see {@link optionsInEffect}), the options named in `leftOut` not compared. Options
 * that do not parse are compared as given.
 *
 * @example
 * sameComponentSettings("sampler", { name: "tpe", options: { seed: 1 } }, { name: "tpe", options: { SEED: "1" } }, samplerSchema) // true
 */
export function sameComponentSettings(kind: string, a: ComponentSettings, b: ComponentSettings, schemaOf: SchemaLookup, leftOut: readonly string[] = []): boolean {
  if (a.name !== b.name) return false;
  const read = (options: RawOptions): string => {
    const inEffect = optionsInEffect(kind, a.name, options, schemaOf);
    if (inEffect !== null) for (const key of leftOut) delete inEffect[key];
    return canonicalJson(inEffect ?? options);
  };
  return read(a.options) === read(b.options);
}

/**
 * JSON with each object's keys sorted, so that two values differing only in key order read alike.
 *
 * @example
 * canonicalJson({ b: 1, a: [2] }) // '{"a":[2],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
