/**
 * WTF-8: UTF-8 that may also encode lone UTF-16 surrogates, which a UTF-8 decoder reads as U+FFFD.
 * SQLite keeps a study name with a lone surrogate (one an older Sextant accepted) so, and the
 * server is sent such a name so in a path (see src/server/study-path.ts).
 */

/** The length of the sequence a lead byte starts, or 0 when it starts none. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  return lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
}

/** The least code point each length may encode: a longer form of a smaller one is refused. */
const SHORTEST = [0, 0, 0x80, 0x800, 0x10000];

/**
 * The text the bytes encode as WTF-8 (lone surrogates kept), or null when they are not WTF-8.
 *
 * @example
 * decodeWtf8(Uint8Array.of(0x61, 0xed, 0xa0, 0x80)) // "a\uD800"
 */
export function decodeWtf8(bytes: Uint8Array): string | null {
  let text = "";
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes[i]!);
    if (length === 0 || i + length > bytes.length) return null;
    let codePoint = length === 1 ? bytes[i]! : bytes[i]! & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return null;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < SHORTEST[length]! || codePoint > 0x10ffff) return null;
    text += String.fromCodePoint(codePoint);
    i += length;
  }
  return text;
}
