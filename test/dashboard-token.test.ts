// The dashboard's reading of a #token=… link, checked without a browser.
import { describe, expect, it } from "vitest";

// Loaded by a computed path, as the chart tests load theirs: the dashboard is typed against the DOM.
const tokenModule = "../dashboard/src/token.js";
const { tokenFromFragment } = (await import(tokenModule)) as { tokenFromFragment: (hash: string) => string | null };

describe("tokenFromFragment", () => {
  it("takes a token holding a bare % as written, and decodes an encoded one", () => {
    // "p%zz1" threw "URI malformed" at load: the page stayed on "Loading…".
    expect(tokenFromFragment("#token=p%zz1")).toBe("p%zz1");
    expect(tokenFromFragment("#token=a%20b&x=1")).toBe("a b");
    expect(tokenFromFragment("#other=1&token=t0k")).toBe("t0k");
    expect(tokenFromFragment("#study=s")).toBeNull();
  });
});
