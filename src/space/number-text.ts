/**
 * Numbers written as text by a user (flags, `--sampler-opt key=value`, a config file's quoted
 * value), read by what they are for. Number() alone read "0x10" as 16, " 5" as 5, "" as 0 and
 * "1e3" as 1000: a typo ran another budget or another option instead of being refused. Both
 * readers return NaN for any other text, for the caller to refuse in its own words.
 *
 * It lives in `space/` so that the option schemas here and the CLI above share it (see DESIGN.md);
 * it is internal, not exported from the package.
 */

/**
 * `text` as an integer if it is plain decimal digits (after a minus where `signed`), else NaN:
 * counts, seeds and budgets are written so, and "0x10", " 5", "1e3", "+5" or "5.0" is more likely
 * a typo than a number meant.
 *
 * @example
 * decimalInteger("16") // 16
 * decimalInteger("0x10") // NaN
 * decimalInteger("-3", true) // -3
 */
export function decimalInteger(text: string, signed = false): number {
  return (signed ? /^-?\d+$/ : /^\d+$/).test(text) ? Number(text) : NaN;
}

/** A number in decimal notation, as people and JSON write one: a sign, digits with a point, an exponent. */
const DECIMAL_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * `text` as a number if it is written in decimal notation (`0.5`, `.5`, `-2`, `1e-3`, `2.0`), else
 * NaN: no hex, binary or octal, no blanks around it, and not the empty text (which Number() read as 0).
 *
 * @example
 * decimalNumber("1e-3") // 0.001
 * decimalNumber(".5") // 0.5
 * decimalNumber("0x10") // NaN
 */
export function decimalNumber(text: string): number {
  return DECIMAL_NUMBER.test(text) ? Number(text) : NaN;
}
