/**
 * Study names that a URL path cannot carry as they are. A path segment `.` or `..` is removed by
 * every URL parser (the browser's, Node's) before the request is routed, and a lone UTF-16
 * surrogate has no UTF-8 form to percent-encode. Names like these, which Sextant accepted before
 * the rule for new names, are sent percent-encoded twice (`..` as `%252E%252E`) or with their
 * surrogate's WTF-8 bytes (`a%ED%A0%80`); a name that names no study and holds percent escapes
 * is looked up once more with them decoded. A stored name is always found as it is first.
 */
import type { Storage } from "../storage/index.js";

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
    const byte = (at: number): number => (/^%[0-9A-Fa-f]{2}$/.test(text.slice(at, at + 3)) ? parseInt(text.slice(at + 1, at + 3), 16) : -1);
    const lead = byte(i);
    if (lead < 0) return null;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    if (length === 0) return null;
    let codePoint = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = byte(i + 3 * k);
      if (next < 0x80 || next > 0xbf) return null;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    const shortest = [0, 0, 0x80, 0x800, 0x10000][length]!;
    if (codePoint < shortest || codePoint > 0x10ffff) return null;
    out += String.fromCodePoint(codePoint);
    i += 3 * length;
  }
  return out;
}
