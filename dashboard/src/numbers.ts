/**
 * Numbers as the API sends them. Apart from the API's other code (which reads the page's
 * address when loaded), so that the chart code stays testable without a browser.
 */

/** A number as the API sends it: NaN and ±Infinity, which JSON cannot hold, by name. */
export type WireNumber = number | "NaN" | "Infinity" | "-Infinity";

/** The number a {@link WireNumber} stands for. */
export function numberOf(value: WireNumber): number {
  return typeof value === "number" ? value : Number(value);
}

/** The value a plot can place: a finite number; NaN, ±Infinity and no value are null, a gap (as the server's points leave them out). */
export function plottable(value: WireNumber | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(numberOf(value)) ? numberOf(value) : null;
}
