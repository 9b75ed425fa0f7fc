import { describe, expect, it } from "vitest";
import { countNoun } from "./count-noun.js";

describe("countNoun", () => {
  it("is singular at one and plural otherwise, with an irregular plural when given", () => {
    expect(countNoun(1, "run")).toBe("1 run");
    expect(countNoun(0, "run")).toBe("0 runs");
    expect(countNoun(12, "multi-fidelity run")).toBe("12 multi-fidelity runs");
    expect(countNoun(2, "discrepancy", "discrepancies")).toBe("2 discrepancies");
    expect(countNoun(1, "discrepancy", "discrepancies")).toBe("1 discrepancy");
  });
});
