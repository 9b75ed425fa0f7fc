import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32 } from "./crc32.js";

describe("crc32", () => {
  it("matches zlib's (and Python's binascii.crc32, which Optuna's Hyperband uses) on ASCII and UTF-8 text", () => {
    // Known values: binascii.crc32(b"hello"), and the standard check value of "123456789".
    expect(crc32("hello")).toBe(907060870);
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
    const zlibCrc32 = (zlib as { crc32?: (data: string) => number }).crc32;
    if (zlibCrc32 === undefined) return;
    for (const text of ["study_0", "my-study_12345", "学习率_7", "🚀_1", "x".repeat(1000)]) expect(crc32(text)).toBe(zlibCrc32(text));
  });
});
