// Chart options built by the dashboard, checked without a browser.
import { describe, expect, it } from "vitest";

// Loaded by a computed path: the dashboard's sources are typed against the DOM, which this
// project's (Node) type check does not include; vitest runs them as they are.
const chartsModule = "../dashboard/src/charts.js";
type ChartOption = { option: unknown };
type MarkEvent = { componentType?: string; seriesIndex?: number; dataIndex?: number };
type Linked = { option: unknown; trialAt: (event: MarkEvent) => number | undefined };
type Tooltip = { formatter: (item: { seriesIndex: number; seriesName: string; dataIndex: number }) => string };
const { beliefsOption, historyOption, sliceOption, timelineOption } = (await import(chartsModule)) as {
  beliefsOption: (beliefs: unknown, objective: string) => ChartOption;
  historyOption: (points: unknown, objective: string) => Linked;
  sliceOption: (points: unknown, params: unknown[], limit: number) => Linked;
  timelineOption: (timeline: unknown) => Linked;
};

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

describe("the plots' marks name their trials", () => {
  // Trial 11 has no value (it failed): it is no point, so indices and trial numbers part.
  const points = {
    numbers: [10, 11, 12, 13],
    states: ["complete", "failed", "pruned", "complete"],
    values: [0.5, null, 0.25, 0.125],
    params: { lr: [0.1, 0.2, 0.3, 0.4], kind: ["b", "a", "a", "c"] },
    best: [{ number: 10, value: 0.5 }, { number: 13, value: 0.125 }],
    matched: 4,
    shown: 4,
    total: 4,
  };
  const series = (option: unknown) => (option as { series: { name: string; type: string }[] }).series;

  it("history: a point's tooltip and click give its trial; the best-so-far line gives none", () => {
    const { option, trialAt } = historyOption(points, "loss");
    const names = series(option).map((s) => s.name);
    const complete = names.indexOf("complete");
    const pruned = names.indexOf("pruned");
    expect(trialAt({ componentType: "series", seriesIndex: complete, dataIndex: 1 })).toBe(13);
    expect(trialAt({ componentType: "series", seriesIndex: pruned, dataIndex: 0 })).toBe(12);
    expect(trialAt({ componentType: "series", seriesIndex: names.indexOf("best so far"), dataIndex: 0 })).toBeUndefined();
    expect(trialAt({ componentType: "legend" })).toBeUndefined();
    const tooltip = (option as { tooltip: Tooltip }).tooltip;
    expect(tooltip.formatter({ seriesIndex: complete, seriesName: "complete", dataIndex: 1 })).toBe("trial 13 (complete)\nloss: 0.125");
    expect(series(option).find((s) => s.name === "best so far")).toMatchObject({ silent: true });
  });

  it("slice: each parameter's point gives its trial, and a categorical one its choice", () => {
    const params = [
      { name: "lr", distribution: { type: "float", low: 0, high: 1 } },
      { name: "kind", distribution: { type: "categorical", choices: ["a", "b", "c"] } },
    ];
    const { option, trialAt } = sliceOption(points, params, 9);
    expect(trialAt({ componentType: "series", seriesIndex: 1, dataIndex: 2 })).toBe(13);
    const kind = (option as { series: { tooltip: Tooltip }[] }).series[1]!.tooltip;
    expect(kind.formatter({ seriesIndex: 1, seriesName: "", dataIndex: 2 })).toBe("trial 13\nkind: c\nvalue: 0.125");
  });

  it("timeline: a bar gives its trial", () => {
    const timeline = { workers: ["node-a:1"], bars: [{ number: 4, worker: 0, start: 1000, end: 3500, state: "complete" }], matched: 1, shown: 1, total: 1 };
    const { option, trialAt } = timelineOption(timeline);
    expect(trialAt({ componentType: "series", seriesIndex: 0, dataIndex: 0 })).toBe(4);
    expect((option as { tooltip: Tooltip }).tooltip.formatter({ seriesIndex: 0, seriesName: "", dataIndex: 0 })).toBe("trial 4 (complete)\nnode-a:1\n0 s to 2.5 s");
  });
});
