import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultReportFile } from "./report.js";

describe("defaultReportFile", () => {
  it("keeps the vowel signs and diacritics that tell two names apart", () => {
    // Marks were turned into _ with the punctuation: किम and कीम (and نَص and نُص) shared one file,
    // the second report overwriting the first.
    expect(defaultReportFile("किम")).not.toBe(defaultReportFile("कीम"));
    expect(defaultReportFile("نَص")).not.toBe(defaultReportFile("نُص"));
    expect(defaultReportFile("हिन्दी")).toBe("हिन्दी-report.html");
    expect(defaultReportFile("lr sweep/2")).toBe("lr_sweep_2-report.html");
  });

  it("gives a name a file system takes, however many bytes each character of the study's name needs", () => {
    // 80 characters of four bytes each made a 332-byte name: writing the report failed with ENAMETOOLONG.
    const dir = mkdtempSync(join(tmpdir(), "sextant-report-name-"));
    try {
      for (const name of ["𠀀".repeat(200), "é".repeat(200), "实".repeat(200), "x".repeat(200), "क्षि".repeat(50)]) {
        const file = defaultReportFile(name);
        expect(Buffer.byteLength(file), name).toBeLessThanOrEqual(255);
        expect(file.endsWith("-report.html")).toBe(true);
        writeFileSync(join(dir, file), "");
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
