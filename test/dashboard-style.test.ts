// The dashboard's stylesheet, checked without a browser: the trial states' text colours are
// readable on the cards' white (WCAG 2 AA asks 4.5:1 for text of ordinary size).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const css = readFileSync(join(import.meta.dirname, "..", "dashboard", "src", "style.css"), "utf8");

/** WCAG 2's relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2's contrast ratio between two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** A colour written #rgb or #rrggbb, as #rrggbb. */
const longHex = (hex: string) => (hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join("")}` : hex).toLowerCase();

describe("the trial states' colours", () => {
  it("computes WCAG contrast as the specification's examples do", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });

  it.each(["complete", "pruned", "failed", "running", "waiting"])("%s text has at least 4.5:1 against white", (state) => {
    const rule = new RegExp(`\\.s-${state}\\s*\\{\\s*color:\\s*(#[0-9a-fA-F]{3,6})\\s*;`).exec(css);
    expect(rule, `a .s-${state} rule with a hex colour`).not.toBeNull();
    // Pruned (#b86a0c, 4.11:1), running (#16877d, 4.38:1) and waiting (#777, 4.48:1) fell short.
    expect(contrast(longHex(rule![1]!), "#ffffff")).toBeGreaterThanOrEqual(4.5);
  });
});
