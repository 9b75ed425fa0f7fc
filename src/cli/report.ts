/**
 * `sextant report STUDY --out report.html`: writes one self-contained HTML file with the study's
 * dashboard (plots, summary, table), which opens offline in any browser.
 */
import { UserError } from "./errors.js";
import { storageUrl, withStudy } from "./inspect.js";
import { type Io, writeOutputFile } from "./io.js";

export interface ReportFlags {
  storage?: string;
  out?: string;
  json?: boolean;
}

/**
 * @example
 * await reportCommand("quickstart", { out: "quickstart.html" }, processIo());
 */
export async function reportCommand(study: string, flags: ReportFlags, io: Io): Promise<number> {
  const { buildReport, ReportError } = await import("../server/report.js");
  const out = flags.out ?? `${study.replace(/[^A-Za-z0-9._-]+/g, "_")}-report.html`;
  const html = await withStudy(storageUrl(flags.storage), study, async (storage) => {
    try {
      return await buildReport(storage, study);
    } catch (error) {
      if (error instanceof ReportError) throw new UserError(error.message);
      throw error;
    }
  });
  await writeOutputFile("--out", out, html);
  const bytes = Buffer.byteLength(html);
  if (flags.json) io.out(JSON.stringify({ study, out, bytes }));
  else io.out(`wrote ${out} (${(bytes / 1024).toFixed(0)} KiB): open it in a browser; it needs no network`);
  return 0;
}
