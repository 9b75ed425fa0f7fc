import { describe, expect, it } from "vitest";
import { median, ranks } from "./statistics.js";

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

describe("ranks", () => {
  it("ranks from 0 and gives ties their mean rank", () => {
    expect(Array.from(ranks([0.3, 0.1, 0.3]))).toEqual([1.5, 0, 1.5]);
    expect(Array.from(ranks([5, -1, 2, 2, 2, 9]))).toEqual([4, 0, 2, 2, 2, 5]);
    expect(Array.from(ranks([]))).toEqual([]);
  });
});
