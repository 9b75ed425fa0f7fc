/**
 * A study's path. `.` and `..` are encoded twice, since the browser drops such a segment even
 * percent-encoded, and a lone surrogate (which encodeURIComponent throws on) as its WTF-8 bytes:
 * names an older Sextant accepted, which the server decodes once more when no study has the name
 * as sent (src/server/study-path.ts).
 */
export const studyPath = (name: string) => `/studies/${studyPathSegment(name)}`;

function studyPathSegment(name: string): string {
  if (name === "." || name === "..") return name.replace(/\./g, "%252E");
  return escapeWtf8(name);
}

/**
 * `text` percent-encoded as encodeURIComponent does, but a lone surrogate (on which it throws) as
 * its WTF-8 bytes, which {@link decodeQueryValue} and the server read back.
 *
 * @example
 * escapeWtf8("a\uD800 b") // "a%ED%A0%80%20b"
 */
export function escapeWtf8(text: string): string {
  let escaped = "";
  for (const char of text) {
    const unit = char.charCodeAt(0);
    const lone = char.length === 1 && unit >= 0xd800 && unit <= 0xdfff;
    escaped += lone ? [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("") : encodeURIComponent(char);
  }
  return escaped;
}

/** A lone surrogate's WTF-8 bytes, percent-encoded: %ED, then %A0 to %BF, then %80 to %BF. */
const LONE_SURROGATE_ESCAPE = /%ED%([AB][0-9A-F])%([89AB][0-9A-F])/gi;

/**
 * A value of the address bar's query, decoded as a form's (`+` is a space) with each lone
 * surrogate's WTF-8 bytes (as {@link escapeWtf8} writes them) read back as that surrogate, where
 * URLSearchParams reads U+FFFD; null when the value is not percent-encoded UTF-8 or WTF-8.
 *
 * @example
 * decodeQueryValue("a%ED%A0%80+b") // "a\uD800 b"
 */
export function decodeQueryValue(raw: string): string | null {
  const plain = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
  try {
    let decoded = "";
    let from = 0;
    for (const match of raw.matchAll(LONE_SURROGATE_ESCAPE)) {
      decoded += plain(raw.slice(from, match.index)) + String.fromCharCode(0xd000 | ((parseInt(match[1]!, 16) & 0x3f) << 6) | (parseInt(match[2]!, 16) & 0x3f));
      from = match.index + match[0].length;
    }
    return decoded + plain(raw.slice(from));
  } catch {
    return null;
  }
}
