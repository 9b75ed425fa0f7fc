import { describe, expect, it } from "vitest";
import { median } from "./statistics.js";

describe("median", () => {
  it("takes the middle value of an odd count and the mean of the two middle ones of an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([-1])).toBe(-1);
  });

  it("leaves its input in order", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});
