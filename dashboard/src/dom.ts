/**
 * Building the page without ever parsing markup: every string, and user strings above all
 * (study names, parameter values, attributes, stderr), becomes a text node.
 */
import type { WireNumber } from "./numbers.js";
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on")) throw new Error("attach listeners with addEventListener, not attributes");
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

/** A number for people: few digits, no exponent for ordinary magnitudes. */
export function formatNumber(value: WireNumber | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return String(value);
  // Whole below a billion, as `sextant` prints them: 1.7976931348623157e308 is an integer too, and
  // was shown with all its digits (1e20 as 100000000000000000000).
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const abs = Math.abs(value);
  // Four digits, without trailing zeros: 1e-300, not 1.000e-300.
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(value.toPrecision(5)));
}

/**
 * A moment as the viewer's local date and time to the minute, as `sextant studies` prints it on
 * the viewer's machine. It was UTC with the zone cut off, hours apart from the CLI's listing.
 */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A JSON value as indented text (shown in a <pre>, never parsed as markup). */
export function jsonText(value: unknown): string {
  // By name, as formatNumber shows them: JSON.stringify wrote NaN and ±Infinity as null.
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "number" && !Number.isFinite(item) ? String(item) : item), 2) ?? "undefined";
}
