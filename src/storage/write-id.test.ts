import { describe, expect, it } from "vitest";
import { newWriteId } from "./write-id.js";

describe("newWriteId", () => {
  it("makes RFC 9562 version 7 UUIDs whose first 48 bits are the time in milliseconds", () => {
    const now = Date.UTC(2026, 11, 2, 1, 30);
    const id = newWriteId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it("sorts ids of later milliseconds after earlier ones, and never repeats one", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newWriteId(1_700_000_000_000 + Math.floor(i / 10)));
    for (let i = 10; i < ids.length; i += 10) expect(ids[i - 1]! < ids[i]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
