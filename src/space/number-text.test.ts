import { describe, expect, it } from "vitest";
import { decimalInteger, decimalNumber } from "./number-text.js";

describe("decimalInteger", () => {
  it("reads decimal digits, a minus only where signed, and nothing Number() also read", () => {
    expect([decimalInteger("16"), decimalInteger("007"), decimalInteger("-3", true)]).toEqual([16, 7, -3]);
    for (const text of ["0x10", "0b101", "0o7", " 5", "5 ", "1e3", "+5", "5.0", "", "-", "--5"]) expect(decimalInteger(text, true), text).toBeNaN();
    expect(decimalInteger("-3")).toBeNaN();
  });
});

describe("decimalNumber", () => {
  it("reads a number as people and JSON write one, and no hex, blanks or empty text", () => {
    for (const [text, value] of [["1e-3", 0.001], ["0.5", 0.5], [".5", 0.5], ["-2", -2], ["+2", 2], ["5.", 5], ["2.0", 2], ["1E2", 100]] as const) {
      expect(decimalNumber(text), text).toBe(value);
    }
    for (const text of ["0x10", "0b1", " 0.5", "0.5 ", "", ".", "1e", "e3", "Infinity", "NaN", "1_000"]) expect(decimalNumber(text), text).toBeNaN();
  });
});
