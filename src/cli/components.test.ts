import { describe, expect, it } from "vitest";
import { LISTING_WIDTH, listSamplersCommand } from "./components.js";
import type { Io } from "./io.js";

/** The lines `sextant samplers NAME` prints to a stdout `columns` wide (undefined: not a terminal). */
async function listing(name: string, columns: number | undefined): Promise<string[]> {
  const lines: string[] = [];
  const io: Io = { out: (line) => lines.push(...line.split("\n")), err: () => undefined, write: () => undefined, stdinIsTTY: false, stderrIsTTY: false, stdoutColumns: columns };
  expect(await listSamplersCommand(name, {}, io)).toBe(0);
  return lines;
}

describe("sextant samplers", () => {
  it("wraps option tables to the terminal's width when stdout is a terminal, else to a fixed width", async () => {
    const widest = (lines: string[]) => Math.max(...lines.filter((line) => line.startsWith("  ")).map((line) => line.length));
    const piped = await listing("cmaes", undefined);
    expect(widest(piped)).toBeGreaterThan(72);
    expect(widest(piped)).toBeLessThanOrEqual(LISTING_WIDTH);
    const narrow = await listing("cmaes", 72);
    expect(widest(narrow)).toBeLessThanOrEqual(72);
    expect(narrow.length).toBeGreaterThan(piped.length);
    // Every word of every cell is still there, only on more lines.
    const words = (lines: string[]) => lines.join(" ").split(/\s+/).filter((w) => w !== "" && !/^-+$/.test(w));
    expect(words(narrow).sort()).toEqual(words(piped).sort());
  });
});
