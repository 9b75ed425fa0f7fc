/**
 * `sextant samplers`, `sextant pruners` and `sextant schedulers`: what can be named with
 * `--sampler`/`--pruner`/`--scheduler`, and every option each takes, read from the same schemas
 * that parse `--sampler-opt`/`--pruner-opt`/`--scheduler-opt`.
 */
import { prunerEntries } from "../pruners/index.js";
import { samplerEntries } from "../samplers/index.js";
import { schedulerEntries } from "../schedulers/index.js";
import { type ComponentEntry, type OptionValue, describeOptionType, unknownComponentMessage } from "../space/index.js";
import { UsageError } from "./errors.js";
import { displayWidth, renderStacked, renderWrappedTable, wrapToWidth } from "./format.js";
import type { Io } from "./io.js";

/** One option as `--json` prints it. */
export interface OptionListing {
  name: string;
  /** The same option in snake_case, as Optuna users spell it. */
  snakeName: string;
  type: string;
  default: OptionValue | null;
  description: string;
}

/** One sampler, pruner or scheduler as `--json` prints it. */
export interface ComponentListing {
  name: string;
  description: string;
  options: OptionListing[];
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A registry entry as plain data.
 *
 * @example
 * describeComponent(samplerEntries()[0]).options[0] // { name: "seed", snakeName: "seed", type: "integer", default: "random", … }
 */
export function describeComponent(entry: ComponentEntry<unknown, never>): ComponentListing {
  return {
    name: entry.name,
    description: entry.description,
    options: Object.entries(entry.options).map(([name, spec]) => ({
      name,
      snakeName: snakeCase(name),
      type: describeOptionType(spec),
      default: spec.default ?? null,
      description: spec.description,
    })),
  };
}

/** The width an option table fills on stdout that is not a terminal (a pipe, a file, a test). */
export const LISTING_WIDTH = 120;
const LISTING_INDENT = "  ";

/**
 * An option table, indented under its component's line: descriptions wrap (never cut) to what the
 * terminal's width leaves after the name, type and default, or to {@link LISTING_WIDTH} off a
 * terminal; long types and defaults wrap too, so the description keeps room to be read. A terminal
 * too narrow for even that table gets each option stacked instead: its name, then its type and
 * default, then its description, wrapped to the full width.
 */
function optionTable(options: readonly OptionListing[], io: Io): string {
  const columns = io.stdoutColumns ?? LISTING_WIDTH;
  const width = columns - LISTING_INDENT.length;
  const rows = options.map((o) => [o.name, o.type, o.default === null ? "-" : String(o.default), o.description]);
  const table = renderWrappedTable(["option", "type", "default", "description"], rows, { width, fill: 3, minFill: 32, caps: [null, 26, 18] });
  if (table.split("\n").every((line) => displayWidth(line) <= width)) return table.replace(/^/gm, LISTING_INDENT);
  // gp's table kept 102 columns on an 80-column terminal, and the terminal folded every row into
  // the next; stacked, each option reads top to bottom at any width.
  const records = options.map((o) => ({
    title: o.name,
    paragraphs: [`${o.type} · ${o.default === null ? "no default" : `default ${String(o.default)}`}`, o.description],
  }));
  // Like the summary line, a very narrow terminal still gets a few words a line rather than one.
  return renderStacked(records, Math.max(20, width), STACKED_INDENT).replace(/^/gm, LISTING_INDENT);
}

const STACKED_INDENT = "    ";

/**
 * A component's "name: description" line, wrapped as its option table is (to the terminal's width,
 * or {@link LISTING_WIDTH} off a terminal), further lines indented under the description's start.
 */
function summaryLines(listing: ComponentListing, io: Io): string {
  const lead = `${listing.name}: `;
  const hang = displayWidth(lead);
  // A terminal too narrow for the hang still gets a few words a line rather than one.
  const width = Math.max(20, (io.stdoutColumns ?? LISTING_WIDTH) - hang);
  return wrapToWidth(listing.description, width)
    .map((line, i) => (i === 0 ? lead : " ".repeat(hang)) + line)
    .join("\n");
}

function printListing(kind: "sampler" | "pruner" | "scheduler", entries: readonly ComponentEntry<unknown, never>[], only: string | undefined, json: boolean, io: Io): number {
  let chosen = entries;
  if (only !== undefined) {
    chosen = entries.filter((e) => e.name === only);
    if (chosen.length === 0) throw new UsageError(unknownComponentMessage(kind, only, entries.map((e) => e.name)));
  }
  const listings = chosen.map(describeComponent);
  if (json) {
    io.out(JSON.stringify(listings, null, 2));
    return 0;
  }
  listings.forEach((listing, i) => {
    if (i > 0) io.out("");
    io.out(summaryLines(listing, io));
    if (listing.options.length === 0) {
      io.out("  (no options)");
      return;
    }
    io.out(optionTable(listing.options, io));
  });
  return 0;
}

/**
 * `sextant samplers [name]`: each sampler with its options, types, defaults and descriptions.
 *
 * @example
 * await listSamplersCommand(undefined, { json: true }, processIo());
 */
export async function listSamplersCommand(name: string | undefined, flags: { json?: boolean }, io: Io): Promise<number> {
  return printListing("sampler", samplerEntries(), name, flags.json === true, io);
}

/**
 * `sextant pruners [name]`: each pruner with its options, types, defaults and descriptions.
 *
 * @example
 * await listPrunersCommand("median", {}, processIo());
 */
export async function listPrunersCommand(name: string | undefined, flags: { json?: boolean }, io: Io): Promise<number> {
  return printListing("pruner", prunerEntries(), name, flags.json === true, io);
}

/**
 * `sextant schedulers [name]`: each population-based scheduler (`--scheduler pbt|pb2`) with its
 * options, types, defaults and descriptions.
 *
 * @example
 * await listSchedulersCommand("pb2", { json: true }, processIo());
 */
export async function listSchedulersCommand(name: string | undefined, flags: { json?: boolean }, io: Io): Promise<number> {
  return printListing("scheduler", schedulerEntries(), name, flags.json === true, io);
}
