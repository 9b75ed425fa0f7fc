import { describe, expect, it } from "vitest";
import { samplerEntries } from "../samplers/index.js";
import { LISTING_WIDTH, describeComponent, listSamplersCommand } from "./components.js";
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

  it("wraps the line naming the sampler above its table as the table, indented under its description", async () => {
    // gp's line ran to 124 columns off a terminal, past the 120 its table keeps to.
    for (const columns of [undefined, 72, 40]) {
      const lines = await listing("gp", columns);
      const summary = lines.slice(0, lines.findIndex((line) => line.startsWith("  option ")));
      // (On a narrow terminal gp's table keeps its description column 32 wide, and is wider.)
      expect((columns === undefined ? lines : summary).filter((line) => line.length > (columns ?? LISTING_WIDTH))).toEqual([]);
      expect(summary.length).toBeGreaterThan(1);
      expect(summary[0]).toMatch(/^gp: Gaussian-process /);
      expect(summary.slice(1).every((line) => /^ {4}\S/.test(line))).toBe(true);
      expect(summary.map((line) => line.trim()).join(" ")).toBe(`gp: ${describeComponent(samplerEntries().find((e) => e.name === "gp")!).description}`);
    }
  });
});
