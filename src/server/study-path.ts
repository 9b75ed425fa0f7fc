/**
 * Study names that a URL path cannot carry as they are. A path segment `.` or `..` is removed by
 * every URL parser (the browser's, Node's) before the request is routed, and a lone UTF-16
 * surrogate has no UTF-8 form to percent-encode. Names like these, which Sextant accepted before
 * the rule for new names, are sent percent-encoded twice (`..` as `%252E%252E`) or with their
 * surrogate's WTF-8 bytes (`a%ED%A0%80`); a name that names no study and holds percent escapes
 * is looked up once more with them decoded. A stored name is always found as it is first.
 */
import { type Storage, type StudyRecord, decodeWtf8, onlineTunerRefusal } from "../storage/index.js";
import { HttpError } from "./route.js";

/**
 * The stored study a path's `study` names: itself when such a study exists, else the name its
 * percent escapes decode to (lone surrogates kept), when that study exists.
 *
 * @example
 * await storedStudyName(storage, "%2E%2E") // ".." (sent as %252E%252E), unless a study is named "%2E%2E"
 */
export async function storedStudyName(storage: Storage, fromPath: string): Promise<string> {
  if (!/%[0-9A-Fa-f]{2}/.test(fromPath) || (await storage.getStudy(fromPath)) !== null) return fromPath;
  const decoded = decodeWtf8Escapes(fromPath);
  return decoded !== null && decoded !== fromPath && (await storage.getStudy(decoded)) !== null ? decoded : fromPath;
}

/** Decodes `%XX` escapes as UTF-8 that may encode surrogates (WTF-8); null when the bytes are not that. */
export function decodeWtf8Escapes(text: string): string | null {
  let out = "";
  for (let i = 0; i < text.length; ) {
    if (text[i] !== "%") {
      out += text[i++];
      continue;
    }
    // A run of escapes holds whole sequences: none is split by a character sent as it is.
    const run: number[] = [];
    while (/^%[0-9A-Fa-f]{2}$/.test(text.slice(i, i + 3))) {
      run.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    }
    const decoded = run.length === 0 ? null : decodeWtf8(Uint8Array.from(run));
    if (decoded === null) return null;
    out += decoded;
  }
  return out;
}

/**
 * Refuses a study route (the API's and the dashboard's) given an online tuner's name: 409 pointing
 * at the tuner's routes. Tuners share the studies' table of names but are no studies.
 *
 * @example
 * refuseTuner(await storage.getStudy("sor")) // throws 409: "sor" is an online tuner, not a study …; its routes are under /api/v1/online/sor
 */
export function refuseTuner(record: StudyRecord): void {
  const tuner = onlineTunerRefusal(record);
  if (tuner) throw new HttpError(409, `${tuner}; its routes are under /api/v1/online/${encodeURIComponent(record.name)}`, "path.study");
}
