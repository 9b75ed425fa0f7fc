/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib and Python's binascii.crc32) of a string's UTF-8
 * bytes, as an unsigned 32-bit integer. Written here because `node:zlib`'s `crc32` only exists from
 * Node 20.15, and importing it made every entry point of the package fail to load on 20.0–20.14.
 *
 * @example
 * crc32("hello") // 907060870
 */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = (crc >>> 8) ^ TABLE[(crc ^ byte) & 0xff]!;
  return (crc ^ 0xffffffff) >>> 0;
}

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
