/**
 * A study's path. `.` and `..` are encoded twice, since the browser drops such a segment even
 * percent-encoded, and a lone surrogate (which encodeURIComponent throws on) as its WTF-8 bytes:
 * names an older Sextant accepted, which the server decodes once more when no study has the name
 * as sent (src/server/study-path.ts).
 */
export const studyPath = (name: string) => `/studies/${studyPathSegment(name)}`;

function studyPathSegment(name: string): string {
  if (name === "." || name === "..") return name.replace(/\./g, "%252E");
  let segment = "";
  for (const char of name) {
    const unit = char.charCodeAt(0);
    const lone = char.length === 1 && unit >= 0xd800 && unit <= 0xdfff;
    segment += lone ? [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("") : encodeURIComponent(char);
  }
  return segment;
}
