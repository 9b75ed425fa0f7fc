import { describe, expect, it } from "vitest";
import { type NonFiniteSpelling, tagNonFinite, untagNonFinite } from "./non-finite-json.js";

const API: NonFiniteSpelling = { nan: "NaN", infinity: "Infinity", negativeInfinity: "-Infinity" };

describe("non-finite numbers inside JSON-shaped data", () => {
  it("tags NaN and ±Infinity, leaves strings of their names alone, and reads every object of the tag's shape back as it was", () => {
    const value = {
      a: [Infinity, -Infinity, NaN, "Infinity", 1],
      own: { "$sextant:number": "Infinity" },
      deeper: { "$$sextant:number": { "$sextant:number": -Infinity } },
      two: { "$sextant:number": "NaN", other: 1 },
    };
    const tagged = tagNonFinite(value, API);
    expect(JSON.parse(JSON.stringify(tagged))).toEqual({
      a: [{ "$sextant:number": "Infinity" }, { "$sextant:number": "-Infinity" }, { "$sextant:number": "NaN" }, "Infinity", 1],
      own: { "$$sextant:number": "Infinity" },
      deeper: { "$$$sextant:number": { "$$sextant:number": { "$sextant:number": "-Infinity" } } },
      two: { "$sextant:number": "NaN", other: 1 },
    });
    expect(untagNonFinite(JSON.parse(JSON.stringify(tagged)), API)).toEqual(value);
  });

  it("returns data with nothing to tag as it is, and keeps a __proto__ key JSON.parse read as data", () => {
    const plain = { a: [1, "x"], b: null };
    expect(tagNonFinite(plain, API)).toBe(plain);
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "y": NaN}'.replace("NaN", '{"$sextant:number": "NaN"}')) as Record<string, unknown>;
    const read = untagNonFinite(parsed, API);
    expect(Object.keys(read)).toEqual(["__proto__", "y"]);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.keys(tagNonFinite(read, API) as object)).toEqual(["__proto__", "y"]);
  });

  it("gives a tag of an unknown name, with its path, to the caller", () => {
    const unknown: [readonly string[], unknown][] = [];
    untagNonFinite({ a: [{ "$sextant:number": "inf" }] }, API, (path, name) => unknown.push([path, name]));
    expect(unknown).toEqual([[["a", "0"], "inf"]]);
  });
});
