import { describe, expect, it } from "vitest";
import { prunerEntries } from "../pruners/index.js";
import { samplerEntries } from "../samplers/index.js";
import { schedulerEntries } from "../schedulers/index.js";
import { LISTING_WIDTH, describeComponent, listPrunersCommand, listSamplersCommand, listSchedulersCommand } from "./components.js";
import type { Io } from "./io.js";

/** The lines `sextant samplers NAME` (or another listing) prints to a stdout `columns` wide (undefined: not a terminal). */
async function listing(name: string, columns: number | undefined, command = listSamplersCommand): Promise<string[]> {
  const lines: string[] = [];
  const io: Io = { out: (line) => lines.push(...line.split("\n")), err: () => undefined, write: () => undefined, stdinIsTTY: false, stderrIsTTY: false, stdoutColumns: columns };
  expect(await command(name, {}, io)).toBe(0);
  return lines;
}

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== "");

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
    const cellWords = (lines: string[]) => words(lines.join(" ")).filter((w) => !/^-+$/.test(w));
    expect(cellWords(narrow).sort()).toEqual(cellWords(piped).sort());
  });

  it("wraps the line naming the sampler above its table as the table, indented under its description", async () => {
    // gp's line ran to 124 columns off a terminal, past the 120 its table keeps to.
    for (const columns of [undefined, 72, 40]) {
      const lines = await listing("gp", columns);
      // The options start at the first line indented by two: the table's header, or the first option's name.
      const summary = lines.slice(0, lines.findIndex((line) => /^ {2}\S/.test(line)));
      expect(lines.filter((line) => line.length > (columns ?? LISTING_WIDTH))).toEqual([]);
      expect(summary.length).toBeGreaterThan(1);
      expect(summary[0]).toMatch(/^gp: Gaussian-process /);
      expect(summary.slice(1).every((line) => /^ {4}\S/.test(line))).toBe(true);
      expect(summary.map((line) => line.trim()).join(" ")).toBe(`gp: ${describeComponent(samplerEntries().find((e) => e.name === "gp")!).description}`);
    }
  });

  it("stacks each option under its name when the table cannot fit the terminal, and keeps the table into a pipe", async () => {
    // gp's table stayed 102 columns wide on a 72-column terminal, which folded 152 of its lines.
    const kinds = [
      { entries: samplerEntries(), command: listSamplersCommand },
      { entries: prunerEntries(), command: listPrunersCommand },
      { entries: schedulerEntries(), command: listSchedulersCommand },
    ];
    for (const { entries, command } of kinds) {
      for (const entry of entries) {
        const { options } = describeComponent(entry as Parameters<typeof describeComponent>[0]);
        const piped = await listing(entry.name, undefined, command);
        expect(piped.filter((line) => line.length > LISTING_WIDTH)).toEqual([]);
        if (options.length > 0) expect(piped).toContainEqual(expect.stringMatching(/^ {2}option +type +default +description$/));
        for (const columns of [72, 60]) {
          const lines = await listing(entry.name, columns, command);
          expect(lines.filter((line) => line.length > columns), `${entry.name} at ${columns} columns`).toEqual([]);
          // Every word of every option's name, type, default and description is still there, each as often.
          const unprinted = words(lines.join(" "));
          const missing = options
            .flatMap((option) => words([option.name, option.type, String(option.default ?? ""), option.description].join(" ")))
            .filter((word) => {
              const at = unprinted.indexOf(word);
              if (at >= 0) unprinted.splice(at, 1);
              return at < 0;
            });
          expect(missing, `${entry.name} at ${columns} columns`).toEqual([]);
        }
      }
    }
    const gp = await listing("gp", 72);
    expect(gp.slice(gp.indexOf("  nStartupTrials"), gp.indexOf("  nStartupTrials") + 3)).toEqual([
      "  nStartupTrials",
      "      integer >= 1 · default min(10, 2d+1), at least 2",
      "      Sobol trials before the GP takes over",
    ]);
  });
});
