// The dashboard's reading of a #token=… link and its local times, checked without a browser.
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

const domModule = "../dashboard/src/dom.js";
const { formatLocalTime } = (await import(domModule)) as { formatLocalTime: (ms: number) => string };

describe("formatLocalTime", () => {
  it("shows a study's creation in the viewer's time zone, as sextant studies does", () => {
    // It was UTC with the zone cut off: hours apart from the CLI's listing of the same study.
    const zone = process.env.TZ;
    try {
      process.env.TZ = "America/New_York";
      expect(formatLocalTime(Date.UTC(2026, 11, 5, 14, 58, 30))).toBe("2026-12-05 09:58");
      process.env.TZ = "Asia/Tokyo";
      expect(formatLocalTime(Date.UTC(2026, 11, 5, 14, 58, 30))).toBe("2026-12-05 23:58");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
