import { describe, expect, it } from "vitest";
import { jsonValueProblem } from "./records.js";

class Weights {}

describe("jsonValueProblem", () => {
  it("passes JSON values, non-finite numbers and an object seen twice without a cycle", () => {
    const shared = { a: 1 };
    expect(jsonValueProblem(null, "data")).toBeNull();
    expect(jsonValueProblem([1, "a", { b: null }, true, NaN, -Infinity], "data")).toBeNull();
    expect(jsonValueProblem({ left: shared, right: [shared, shared], none: Object.create(null) }, "data")).toBeNull();
    expect(jsonValueProblem(Array.from({ length: 100_000 }, (_, i) => i / 3), "data")).toBeNull();
  });

  it("names the first problem's path, word for word", () => {
    const cycle: Record<string, unknown> = { list: [1] };
    (cycle.list as unknown[]).push({ back: cycle });
    const cases: [unknown, string][] = [
      [undefined, "data is undefined, not a JSON value"],
      [{ weights: [1, undefined] }, "data.weights[1] is undefined, not a JSON value"],
      [{ a: { b: [[0, 1n]] } }, "data.a.b[0][1] is the bigint 1n, not a JSON value (send a number or a string)"],
      [[0, [1, () => 2]], "data[1][1] is a function, not a JSON value"],
      [{ s: Symbol("s") }, "data.s is a symbol, not a JSON value"],
      [{ at: new Date(0) }, "data.at is a Date, not a JSON value (convert it first, e.g. to a string or a number)"],
      [[{ seen: new Map() }], "data[0].seen is a Map, not a JSON value (convert it first, e.g. to a string or a number)"],
      [new Float64Array([1, 2]), "data is a Float64Array, not a JSON value (convert it first, e.g. to a string or a number)"],
      [{ w: new Weights() }, "data.w is a Weights, not a JSON value (convert it first, e.g. to a string or a number)"],
      [cycle, "data.list[1].back refers back to an object that contains it; a JSON value has no cycles"],
      [{ weights: [1, , 3] }, "data.weights[1] is undefined, not a JSON value"],
      // After a problem-free sibling subtree, the path holds nothing of it.
      [{ ok: [1, { deep: [2, 3] }], bad: [4, { x: undefined }] }, "data.bad[1].x is undefined, not a JSON value"],
    ];
    for (const [value, message] of cases) expect(jsonValueProblem(value, "data")).toBe(message);
    expect(jsonValueProblem({ n: 10n }, 'the value of "n"')).toBe('the value of "n".n is the bigint 10n, not a JSON value (send a number or a string)');
  });
});
