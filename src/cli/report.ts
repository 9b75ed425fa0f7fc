/**
 * `sextant report STUDY --out report.html`: writes one self-contained HTML file with the study's
 * dashboard (plots, summary, table), which opens offline in any browser.
 */
import { UserError } from "./errors.js";
import { storageUrl, withStudy } from "./inspect.js";
import { type Io, isStandardOutput, writeOutputFile } from "./io.js";

export interface ReportFlags {
  storage?: string;
  out?: string;
  json?: boolean;
}

/** The most bytes a file name may have on common file systems (ext4, XFS, APFS). */
const MAX_FILE_NAME_BYTES = 255;

/**
 * The file a report goes to without --out: the study's name with its letters, their marks (vowel
 * signs, diacritics) and digits in any script (ASCII alone turned 実験 and 試験 into one
 * _-report.html, the second overwriting the first; without marks किम and कीम still shared one),
 * other runs of characters as one _, and at most 80 characters and 255 bytes in all, which any
 * file system takes (80 characters of four bytes each were refused with ENAMETOOLONG).
 *
 * @example
 * defaultReportFile("lr sweep/2") // "lr_sweep_2-report.html"
 */
export function defaultReportFile(study: string): string {
  const suffix = "-report.html";
  let stem = "";
  let bytes = Buffer.byteLength(suffix);
  for (const character of [...study.normalize("NFC").replace(/[^\p{L}\p{M}\p{N}._-]+/gu, "_")].slice(0, 80)) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_FILE_NAME_BYTES) break;
    stem += character;
  }
  return `${stem}${suffix}`;
}

/**
 * @example
 * await reportCommand("quickstart", { out: "quickstart.html" }, processIo());
 */
export async function reportCommand(study: string, flags: ReportFlags, io: Io): Promise<number> {
  const { buildReport, ReportError } = await import("../server/report.js");
  const out = flags.out ?? defaultReportFile(study);
  const html = await withStudy(storageUrl(flags.storage), study, async (storage) => {
    try {
      return await buildReport(storage, study);
    } catch (error) {
      if (error instanceof ReportError) throw new UserError(error.message);
      throw error;
    }
  });
  if (isStandardOutput(out)) {
    // The HTML alone goes there, without the line (or JSON) saying what was written.
    io.write(html);
    return 0;
  }
  if (!(await writeOutputFile("--out", out, html))) return 0;
  const bytes = Buffer.byteLength(html);
  if (flags.json) io.out(JSON.stringify({ study, out, bytes }));
  else io.out(`wrote ${out} (${(bytes / 1024).toFixed(0)} KiB): open it in a browser; it needs no network`);
  return 0;
}
