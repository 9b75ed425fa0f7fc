// Chart options built by the dashboard, checked without a browser.
import { describe, expect, it } from "vitest";

// Loaded by a computed path: the dashboard's sources are typed against the DOM, which this
// project's (Node) type check does not include; vitest runs them as they are.
const chartsModule = "../dashboard/src/charts.js";
type ChartOption = { option: unknown };
const { beliefsOption } = (await import(chartsModule)) as { beliefsOption: (beliefs: unknown, objective: string) => ChartOption };

describe("the model-beliefs chart", () => {
  const beliefs = (x: number[]) => ({ kind: "slice" as const, params: ["lr"], x, y: null, mean: x.map(() => 0), std: x.map(() => 1), through: {}, nTrials: 5 });
  it("draws a log-scale parameter on a log axis, and labels ends without float noise", () => {
    // The server lays out a log-scale parameter evenly in log; it was drawn on a linear axis.
    const logX = Array.from({ length: 5 }, (_, k) => 1e-5 * 10 ** k);
    const option = beliefsOption(beliefs(logX), "loss").option as { xAxis: { type: string; axisLabel: { formatter: (v: number) => string } } };
    expect(option.xAxis.type).toBe("log");
    expect(option.xAxis.axisLabel.formatter(0.0010000000000000002)).toBe("0.001");
    expect((beliefsOption(beliefs([0, 0.25, 0.5, 0.75, 1]), "loss").option as { xAxis: { type: string } }).xAxis.type).toBe("value");
  });
});
