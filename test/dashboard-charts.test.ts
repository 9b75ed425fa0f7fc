// Chart options built by the dashboard, checked without a browser.
import { describe, expect, it } from "vitest";
import { LONG_PARAM_NAMES } from "./fixtures/dashboard-studies.mjs";

// Loaded by a computed path: the dashboard's sources are typed against the DOM, which this
// project's (Node) type check does not include; vitest runs them as they are.
const chartsModule = "../dashboard/src/charts.js";
type ChartOption = { option: unknown };
type MarkEvent = { componentType?: string; seriesIndex?: number; dataIndex?: number };
type Walk = { marks: () => { seriesIndex: number; dataIndex: number; trial: number }[]; describe: (mark: { seriesIndex: number; dataIndex: number; trial: number }) => string };
type Linked = { option: unknown; trialAt: (event: MarkEvent) => number | undefined; walk: Walk };
type Tooltip = { formatter: (item: { seriesIndex: number; seriesName: string; dataIndex: number }) => string };
type Bar = { number: number; worker: number; start: number; end: number; state: string };
type Position = (point: number[], params: unknown, content: unknown, rect: unknown, size: { viewSize: number[]; contentSize: number[] }) => [number, number];
type TextWidth = (text: string, fontPx?: number) => number;
type PlotLayout = { width?: number; height?: number; textWidth?: TextWidth };
type ParallelNames = { left: number; top: number; room: number | undefined; alternate: boolean; labelRoom: number | undefined };
const {
  beliefsOption,
  contourOption,
  curvesOption,
  ecdfOption,
  estimateAxisNameWidth,
  historyOption,
  hypervolumeOption,
  importanceOption,
  parallelNameLayout,
  parallelOption,
  paretoOption,
  sliceOption,
  timelineLanes,
  timelineOption,
  tooltipPosition,
} = (await import(chartsModule)) as {
  beliefsOption: (beliefs: unknown, objective: string) => ChartOption;
  ecdfOption: (ecdf: unknown, objective: string) => ChartOption;
  estimateAxisNameWidth: TextWidth;
  contourOption: (contour: unknown, minimize: boolean, layout?: PlotLayout) => ChartOption;
  parallelNameLayout: (names: readonly string[], width: number | undefined, right: number, textWidth: TextWidth) => ParallelNames;
  curvesOption: (curves: unknown) => ChartOption & { marks: number };
  importanceOption: (params: { name: string; importance: number; correlation: number }[], categorical: ReadonlySet<string>) => ChartOption;
  paretoOption: (pareto: unknown, names: [string, string], objectives?: [number, number]) => Linked;
  tooltipPosition: Position;
  historyOption: (points: unknown, objective: string) => Linked;
  hypervolumeOption: (history: unknown) => ChartOption;
  parallelOption: (points: unknown, axes: unknown[], objective: string, layout?: PlotLayout) => ChartOption & { objectiveScale: { place: (value: number) => number; read: (axisValue: number) => number } };
  sliceOption: (points: unknown, params: unknown[], limit: number) => Linked;
  timelineLanes: (bars: readonly Bar[], workers: number) => { lane: Int32Array; lanes: number[] };
  timelineOption: (timeline: unknown) => Linked & { rows: number; marks: number };
};

describe("the value-distribution chart (ECDF)", () => {
  const svgOf = async (values: number[]) => {
    const echarts = await import("echarts");
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: 600, height: 400 });
    const ecdf = { trials: values.length, values, fractions: values.map((_, i) => (i + 1) / values.length), matched: values.length, shown: values.length, total: values.length };
    chart.setOption({ animation: false, ...(ecdfOption(ecdf, "loss").option as object) });
    const svg = chart.renderToSVGString();
    chart.dispose();
    return svg;
  };

  it("draws a study of one distinct value as a dot inside the plot, where it drew nothing", async () => {
    // A line of one point was a bare "M x y": no mark at all, at the right edge of an axis ending at the value.
    const dots = [...(await svgOf([0.5])).matchAll(/<path [^>]*transform="matrix\(4,0,0,4,([\d.]+),([\d.]+)\)" fill="#2f6fdf"/g)];
    expect(dots).toHaveLength(1);
    expect(Number(dots[0]![1])).toBeGreaterThan(100);
    expect(Number(dots[0]![1])).toBeLessThan(500);
    // Two values stay a step line without dots.
    const two = await svgOf([0.5, 0.7]);
    expect(two).toMatch(/<path d="M[\d.]+ [\d.]+L[^"]+" fill="none"[^>]*stroke="#2f6fdf"/);
    expect(two).not.toMatch(/fill="#2f6fdf" ecmeta/);
  });
});

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

describe("the plots' marks name their trials", () => {
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

describe("the keyboard's walk over a plot's trials", () => {
  /** Every mark of the walk: its trial, and the trial its series and place give back (as a click would). */
  const walked = (linked: Linked) => linked.walk.marks().map((mark) => ({ trial: mark.trial, clicked: linked.trialAt({ componentType: "series", ...mark }), said: linked.walk.describe(mark) }));

  // The pruned trial 12 lies between the complete ones, in a series of its own.
  it("history: left to right across the states' series, each mark said as its tooltip says it, on one line", () => {
    const marks = walked(historyOption(points, "loss"));
    expect(marks.map((m) => m.trial)).toEqual([10, 12, 13]);
    expect(marks.every((m) => m.clicked === m.trial)).toBe(true);
    expect(marks.map((m) => m.said)).toEqual(["trial 10 (complete); loss: 0.5", "trial 12 (pruned); loss: 0.25", "trial 13 (complete); loss: 0.125"]);
  });

  it("slice: scatter after scatter, each left to right by the parameter's value", () => {
    const params = [
      { name: "lr", distribution: { type: "float", low: 0, high: 1 } },
      { name: "kind", distribution: { type: "categorical", choices: ["a", "b", "c"] } },
    ];
    const marks = walked(sliceOption(points, params, 9));
    // lr: 0.1 (10), 0.3 (12), 0.4 (13); kind, by its choices' order: a (12), b (10), c (13).
    expect(marks.map((m) => m.trial)).toEqual([10, 12, 13, 12, 10, 13]);
    expect(marks.every((m) => m.clicked === m.trial)).toBe(true);
    expect(marks[3]!.said).toBe("trial 12; kind: a; value: 0.25");
  });

  it("timeline and Pareto front: left to right, by start and by the first objective", () => {
    const bars = [
      { number: 5, worker: 0, start: 3000, end: 4000, state: "complete" },
      { number: 6, worker: 1, start: 1000, end: 5000, state: "pruned" },
    ];
    const timeline = walked(timelineOption({ workers: ["a", "b"], bars, matched: 2, shown: 2, total: 2 }));
    expect(timeline.map((m) => m.trial)).toEqual([6, 5]);
    expect(timeline[0]!.said).toBe("trial 6 (pruned); b; 0 s to 4 s");
    const pareto = { objectives: [0, 1], front: [{ number: 1, values: [1, 2] }], others: [{ number: 2, values: [3, 3] }], infeasible: [{ number: 3, values: [0.1, 0.1] }], matched: 3, shown: 3, total: 3 };
    const front = walked(paretoOption(pareto, ["f0", "f1"]));
    expect(front.map((m) => m.trial)).toEqual([3, 1, 2]);
    expect(front.every((m) => m.clicked === m.trial)).toBe(true);
    expect(front[0]!.said).toBe("trial 3 (infeasible); f0: 0.1; f1: 0.1");
  });
});

describe("the timeline's lanes", () => {
  /** Park–Miller, as the fixtures use: the same bars on every run. */
  function rng(seed: number): () => number {
    let state = seed;
    return () => (state = (state * 48271) % 2147483647) / 2147483647;
  }

  /** `count` bars over `workers` workers, each running up to about `parallel` trials at once. */
  function randomBars(count: number, workers: number, parallel: number, seed: number): Bar[] {
    const random = rng(seed);
    return Array.from({ length: count }, (_, number) => {
      const start = Math.floor((number / workers) * (10 / parallel) + random() * 5);
      return { number, worker: number % workers, start, end: start + 1 + Math.floor(random() * 20), state: "complete" };
    });
  }

  /** Checks the layout against its definition, by brute force over each worker's bars in start order. */
  function checkLanes(bars: readonly Bar[], workers: number): void {
    const { lane, lanes } = timelineLanes(bars, workers);
    for (let w = 0; w < workers; w++) {
      const mine = bars.map((bar, i) => ({ ...bar, lane: lane[i]! })).filter((bar) => bar.worker === w);
      mine.sort((a, b) => a.start - b.start || bars.indexOf(a) - bars.indexOf(b));
      const ends: number[] = [];
      let most = 0;
      for (const bar of mine) {
        // Each bar on the first lane free at its start: every lane below it was still busy.
        const free = ends.findIndex((end) => end <= bar.start);
        expect(bar.lane).toBe(free === -1 ? ends.length : free);
        ends[bar.lane] = bar.end;
        most = Math.max(most, mine.filter((other) => other.start <= bar.start && other.end > bar.start).length);
      }
      // As many lanes as bars ever ran at once on the worker, no more.
      expect(lanes[w]).toBe(most);
    }
  }

  it("puts trials that ran at once on a worker on lanes of their own, and reuses a lane once it is free", () => {
    const bars: Bar[] = [
      { number: 0, worker: 0, start: 0, end: 270, state: "complete" },
      { number: 1, worker: 0, start: 60, end: 330, state: "complete" },
      { number: 2, worker: 0, start: 120, end: 390, state: "pruned" },
      // Starts once lane 0 is free (at its end: a bar that ends as the next starts leaves room).
      { number: 3, worker: 0, start: 270, end: 300, state: "complete" },
      { number: 4, worker: 1, start: 0, end: 100, state: "complete" },
      { number: 5, worker: 1, start: 100, end: 200, state: "complete" },
    ];
    const { lane, lanes } = timelineLanes(bars, 2);
    expect([...lane]).toEqual([0, 1, 2, 0, 0, 0]);
    expect(lanes).toEqual([3, 1]);
    checkLanes(randomBars(3000, 3, 8, 11), 3);
    checkLanes(randomBars(500, 1, 40, 12), 1);
  });

  it("draws each lane as a row of the chart, so no bar lies over another, and its trial still opens", () => {
    const bars: Bar[] = [
      { number: 7, worker: 0, start: 1000, end: 4000, state: "complete" },
      { number: 8, worker: 0, start: 2000, end: 5000, state: "complete" },
      { number: 9, worker: 1, start: 1500, end: 2500, state: "complete" },
    ];
    const { option, rows, trialAt } = timelineOption({ workers: ["node-a:1", "node-b:2"], bars, matched: 3, shown: 3, total: 3 });
    const chart = option as { yAxis: { data: string[] }; series: { data: { value: number[] }[] }[] };
    // Worker a's two lanes, then worker b's one; the worker's name on its first lane.
    expect(rows).toBe(3);
    expect(chart.yAxis.data).toEqual(["node-a:1", "", "node-b:2"]);
    expect(chart.series[0]!.data.map((item) => item.value[0])).toEqual([0, 1, 2]);
    expect(trialAt({ componentType: "series", seriesIndex: 0, dataIndex: 1 })).toBe(8);
  });

  it("lays out 100,000 bars in well under a second", () => {
    const bars = randomBars(100_000, 8, 16, 13);
    const started = performance.now();
    const { lane, lanes } = timelineLanes(bars, 8);
    const elapsed = performance.now() - started;
    expect(lane).toHaveLength(100_000);
    expect(Math.max(...lanes)).toBeGreaterThan(1);
    // About 50 ms on an idle machine. The limit only has to tell a linear layout from a quadratic
    // one (5·10⁹ comparisons at 100,000 bars, several seconds), with room for a loaded machine.
    expect(elapsed).toBeLessThan(5_000);
    const option = timelineOption({ workers: Array.from({ length: 8 }, (_, w) => `w${w}`), bars, matched: bars.length, shown: bars.length, total: bars.length });
    expect(option.marks).toBe(100_000);
  });
});

describe("the Pareto plot", () => {
  it("draws infeasible trials as their own series, which a tooltip and a click tell apart from the dominated", () => {
    const pareto = { objectives: [0, 1], front: [{ number: 1, values: [1, 2] }], others: [{ number: 2, values: [3, 3] }], infeasible: [{ number: 3, values: [0.1, 0.1] }], matched: 3, shown: 3, total: 3 };
    const chart = paretoOption(pareto, ["f0", "f1"]) as Linked & { marks: number; option: { series: { name: string }[]; tooltip: Tooltip } };
    // (0.1, 0.1) lies below the front, and was labelled "dominated".
    expect(chart.option.series.map((s) => s.name)).toEqual(["dominated", "infeasible", "Pareto front"]);
    expect(chart.marks).toBe(3);
    expect(chart.trialAt({ componentType: "series", seriesIndex: 1, dataIndex: 0 })).toBe(3);
    expect(chart.option.tooltip.formatter({ seriesIndex: 1, seriesName: "infeasible", dataIndex: 0 })).toMatch(/^trial 3 \(infeasible\)/);
  });
});

describe("the Pareto plot of three objectives", () => {
  it("draws the two objectives picked, in its marks and tooltips", () => {
    const pareto = { objectives: [0, 1, 2], front: [{ number: 4, values: [1, 2, 30] }], others: [{ number: 5, values: [3, 4, 50] }], infeasible: [], matched: 2, shown: 2, total: 2 };
    const chart = paretoOption(pareto, ["f0", "f2"], [0, 2]) as Linked & { option: { series: { data: number[][] }[]; tooltip: Tooltip } };
    expect(chart.option.series.map((s) => s.data)).toEqual([[[3, 50]], [], [[1, 30]]]);
    expect(chart.option.tooltip.formatter({ seriesIndex: 2, seriesName: "Pareto front", dataIndex: 0 })).toBe("trial 4 (Pareto front)\nf0: 1\nf2: 30");
    const swapped = paretoOption(pareto, ["f2", "f1"], [2, 1]) as Linked & { option: { series: { data: number[][] }[] } };
    expect(swapped.option.series[2]!.data).toEqual([[30, 2]]);
    // Without objectives named, the first two, as for a study of two.
    expect((paretoOption(pareto, ["f0", "f1"]) as Linked & { option: { series: { data: number[][] }[] } }).option.series[2]!.data).toEqual([[1, 2]]);
  });
});

describe("the plots' tooltips", () => {
  const points = { numbers: [1, 2], states: ["complete", "complete"], values: [0.5, 0.25], params: { lr: [0.1, 0.2] }, best: [{ number: 1, value: 0.5 }], matched: 2, shown: 2, total: 2 };
  const timeline = { workers: ["w"], bars: [{ number: 1, worker: 0, start: 0, end: 10, state: "complete" }], matched: 1, shown: 1, total: 1 };
  const pareto = { objectives: [0, 1], front: [{ number: 1, values: [1, 2] }], others: [], matched: 1, shown: 1, total: 1 };
  const contour = { matched: 1, x: { name: "a", labels: ["1"] }, y: { name: "b", labels: ["2"] }, cells: [[0, 0, 1, 1]] };

  it("every plot that opens trials places its tooltip with the one rule", () => {
    expect(typeof tooltipPosition).toBe("function");
    const options = [
      historyOption(points, "loss").option,
      sliceOption(points, [{ name: "lr", distribution: { type: "float", low: 0, high: 1 } }], 9).option,
      timelineOption(timeline).option,
      paretoOption(pareto, ["f0", "f1"]).option,
      contourOption(contour, true).option,
    ];
    for (const option of options) expect((option as { tooltip: { position: unknown } }).tooltip.position).toBe(tooltipPosition);
  });

  it("makes the tooltip deaf to the pointer, so a click under it reaches the plot", () => {
    // In rich-text mode the third argument is the tooltip's element on the canvas.
    const element: { silent?: boolean } = {};
    tooltipPosition([100, 100], {}, element, null, { viewSize: [600, 300], contentSize: [120, 50] });
    expect(element.silent).toBe(true);
  });

  it("puts the tooltip beside the pointer, inside the chart, never over the pointer when there is room", () => {
    const contentSize = [120, 50];
    const viewSize = [600, 300];
    const covers = ([left, top]: [number, number], [x, y]: number[]) => x! >= left && x! <= left + contentSize[0]! && y! >= top && y! <= top + contentSize[1]!;
    // Right and below, 16 px away; left or above where the chart ends.
    expect(tooltipPosition([100, 100], {}, null, null, { viewSize, contentSize })).toEqual([116, 116]);
    expect(tooltipPosition([590, 290], {}, null, null, { viewSize, contentSize })).toEqual([590 - 16 - 120, 290 - 16 - 50]);
    for (let x = 0; x <= 600; x += 15) {
      for (let y = 0; y <= 300; y += 15) {
        const at = tooltipPosition([x, y], {}, null, null, { viewSize, contentSize });
        expect(covers(at, [x, y]), `${x},${y}`).toBe(false);
        expect(at[0] >= 0 && at[0] + contentSize[0]! <= viewSize[0]! && at[1] >= 0 && at[1] + contentSize[1]! <= viewSize[1]!, `${x},${y}`).toBe(true);
      }
    }
    // A chart too narrow for the tooltip on either side: inside it, on the side away from the pointer.
    expect(tooltipPosition([20, 100], {}, null, null, { viewSize: [150, 300], contentSize })).toEqual([30, 116]);
  });
});

describe("the importance chart", () => {
  it("draws a categorical parameter grey and labelled (categorical), not as a positive effect", () => {
    type Bars = { series: { data: { value: number; itemStyle: { color: string } }[]; label: { formatter: (item: { dataIndex: number }) => string } }[] };
    const { option } = importanceOption(
      [
        { name: "lr", importance: 0.6, correlation: -0.5 },
        { name: "optimizer", importance: 0.3, correlation: 0 },
        { name: "depth", importance: 0.1, correlation: 0.2 },
      ],
      new Set(["optimizer"]),
    );
    const bars = (option as Bars).series[0]!;
    // Ordered by importance, least first: depth, optimizer, lr.
    expect(bars.data.map((d) => d.itemStyle.color)).toEqual(["#c0504d", "#8c8c8c", "#2f6fdf"]);
    expect([0, 1, 2].map((dataIndex) => bars.label.formatter({ dataIndex }))).toEqual(["0.1 (+0.2)", "0.3 (categorical)", "0.6 (−0.5)"]);
  });
});

describe("the learning curves chart", () => {
  it("leaves a gap at a diverged step, which the API sends as \"NaN\", \"Infinity\" or \"-Infinity\"", () => {
    // Sent as null before; as names, a value axis took "Infinity" for a number and its range for infinite.
    const curves = { matched: 1, shown: 1, total: 1, curves: [{ number: 0, state: "pruned", steps: [0, 1, 2, 3, 4], values: [0.5, "NaN", 0.25, "Infinity", "-Infinity"] }] };
    const { option, marks } = curvesOption(curves) as { option: { series: { data: unknown[] }[] }; marks: number };
    expect(marks).toBe(1);
    expect(option.series[0]!.data).toEqual([[0, 0.5], [1, null], [2, 0.25], [3, null], [4, null]]);
  });
});

describe("the plots' number axes", () => {
  type Axis = { type: string; axisLabel?: { formatter?: (value: number) => string } };
  const labelsOf = (axis: Axis) => [1e-7, 0.00025, 0.5, 1e9, 3e20, -1e300, 1.7976931348623157e308].map((v) => axis.axisLabel?.formatter?.(v) ?? String(v));
  const asNumbers = ["1e-7", "2.5e-4", "0.5", "1e+9", "3e+20", "-1e+300", "1.798e+308"];

  it("label objective and parameter values as the table shows them, never in full", () => {
    // ECharts' own labels wrote 0.0000001 and 1,000,000,000; the contour's scale wrote
    // 1.7976931348623157e+308, and the table 1.000e-7.
    const lr = { type: "float", low: 1e-8, high: 1, log: true };
    const axes: Axis[] = [];
    const history = historyOption(points, "loss").option as { yAxis: Axis };
    axes.push(history.yAxis);
    const slice = sliceOption(points, [{ name: "lr", distribution: lr }], 1).option as { xAxis: Axis[]; yAxis: Axis[] };
    axes.push(slice.xAxis[0]!, slice.yAxis[0]!);
    const parallel = parallelOption(points, [{ id: "p:lr", name: "lr", distribution: lr }, { id: "value", name: "value", distribution: null }], "loss").option as { parallelAxis: Axis[] };
    axes.push(...parallel.parallelAxis);
    const curves = curvesOption({ curves: [{ number: 1, state: "complete", steps: [0, 1], values: [1, 2] }], matched: 1, shown: 1, total: 1 }).option as { yAxis: Axis };
    axes.push(curves.yAxis);
    const pareto = paretoOption({ front: [{ number: 1, values: [1, 2] }], others: [], infeasible: [], matched: 1, shown: 1, total: 1 }, ["a", "b"]).option as { xAxis: Axis; yAxis: Axis };
    axes.push(pareto.xAxis, pareto.yAxis);
    axes.push((hypervolumeOption({ numbers: [1], hypervolumes: [1], matched: 1, shown: 1, total: 1 }).option as { yAxis: Axis }).yAxis);
    for (const [i, axis] of axes.entries()) expect(labelsOf(axis), `axis ${i} (${axis.type})`).toEqual(asNumbers);
    const contour = contourOption({ x: { name: "a", labels: ["0"] }, y: { name: "b", labels: ["0"] }, cells: [[0, 0, 1.7976931348623157e308]], matched: 1 }, true).option as {
      visualMap: { formatter: (value: number) => string };
    };
    expect(contour.visualMap.formatter(1.7976931348623157e308)).toBe("1.798e+308");
  });
});

describe("the plots' axis lines", () => {
  type Axis = { type: string; axisLine?: { onZero?: boolean } };
  it("stay at the plot's edges when the other axis' range holds 0", () => {
    // With x in [-3, 3] the value axis and its name stood at x = 0, mid-plot, over the marks and the
    // beliefs' legend; values either side of 0 put the trial axis across the history's middle.
    const x = { type: "float", low: -3, high: 3 };
    const signed = { ...points, values: [-2, null, 0.5, 3] };
    const axes: [string, Axis][] = [];
    const history = historyOption(signed, "loss").option as { xAxis: Axis; yAxis: Axis };
    axes.push(["history x", history.xAxis], ["history y", history.yAxis]);
    const slice = sliceOption(signed, [{ name: "lr", distribution: x }, { name: "kind", distribution: { type: "categorical", choices: ["a", "b", "c"] } }], 2).option as { xAxis: Axis[]; yAxis: Axis[] };
    slice.xAxis.forEach((axis, k) => axes.push([`slice x ${k}`, axis], [`slice y ${k}`, slice.yAxis[k]!]));
    const beliefs = beliefsOption({ kind: "slice", params: ["x"], x: [-3, 0, 3], y: null, mean: [1, -1, 1], std: [1, 1, 1], through: {}, nTrials: 5 }, "loss").option as { xAxis: Axis; yAxis: Axis };
    axes.push(["beliefs x", beliefs.xAxis], ["beliefs y", beliefs.yAxis]);
    const pareto = paretoOption({ front: [{ number: 1, values: [-1, 2] }], others: [], infeasible: [], matched: 1, shown: 1, total: 1 }, ["a", "b"]).option as { xAxis: Axis; yAxis: Axis };
    axes.push(["pareto x", pareto.xAxis], ["pareto y", pareto.yAxis]);
    const curves = curvesOption({ curves: [{ number: 1, state: "complete", steps: [0, 1], values: [-1, 2] }], matched: 1, shown: 1, total: 1 }).option as { xAxis: Axis; yAxis: Axis };
    axes.push(["curves x", curves.xAxis], ["curves y", curves.yAxis]);
    expect(axes.filter(([, axis]) => axis.axisLine?.onZero !== false).map(([name]) => name)).toEqual([]);
  });
});

describe("the parallel coordinates' objective axis", () => {
  it("shows its name whole beside a dozen parameters", async () => {
    // ECharts cuts an axis name to the space between two axes: beside twelve parameters on half a
    // row, "value (minimize)" read "valu…". Drawn here as ECharts renders it on a server (SVG).
    const echarts = await import("echarts");
    const axes = Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, name: `p${i}`, distribution: { type: "float", low: 0, high: 1 } }));
    axes.push({ id: "value", name: "value", distribution: null as never });
    const wide = { numbers: [0], states: ["complete"], values: [1], params: Object.fromEntries(axes.map((a) => [a.name, [0.5]])), best: [], matched: 1, shown: 1, total: 1 };
    for (const objective of ["value (minimize)", "objective 0 (maximize)"]) {
      const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: 620, height: 400 });
      chart.setOption({ animation: false, ...(parallelOption(wide, axes, objective).option as object) });
      const texts = [...chart.renderToSVGString().matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      chart.dispose();
      expect(texts, objective).toContain(objective);
    }
  });

  type ParallelLayout = { parallel: { right: number }; parallelAxis: { id: string; tooltip?: { show: boolean; formatter: () => string } }[] };
  const drawnWith = async (objective: string, width: number) => {
    const echarts = await import("echarts");
    const axes = [{ id: "p:lr", name: "lr", distribution: { type: "float", low: 0, high: 1 } }, { id: "value", name: "value", distribution: null }];
    const option = parallelOption({ ...points, params: { lr: points.params.lr } }, axes, objective, { width }).option as ParallelLayout;
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height: 400 });
    chart.setOption({ animation: false, ...(option as object) });
    const texts = [...chart.renderToSVGString().matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    chart.dispose();
    return { option, texts, valueAxis: option.parallelAxis.find((axis) => axis.id === "value")! };
  };

  it("takes at most a quarter of the chart for a long name, which ends in an ellipsis with the whole name in its tooltip", async () => {
    // The margin was 6.5 px per character, unbounded: a 100-character name took 658 px of 620.
    const long = `validation loss (minimize) averaged over ${"many ".repeat(12)}cross-validation folds`;
    const { option, texts, valueAxis } = await drawnWith(long, 900);
    expect(option.parallel.right).toBeLessThanOrEqual(900 / 4);
    const shown = texts.find((t) => t.startsWith("validation loss"));
    expect(shown).toMatch(/^validation loss.*…$/);
    expect(shown!.length).toBeLessThan(long.length);
    expect(valueAxis.tooltip?.show).toBe(true);
    expect(valueAxis.tooltip!.formatter()).toBe(long);
    // On a narrower chart in lines that fit it: a rich-text tooltip draws one line however long.
    const lines = (await drawnWith(long, 620)).valueAxis.tooltip!.formatter().split("\n");
    expect(lines.join(" ")).toBe(long);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length * 6.5, line).toBeLessThanOrEqual(620);
    // The dashboard's own names stay whole on a phone, where a quarter of the chart is 82 px.
    expect((await drawnWith("objective 0 (minimize)", 330)).texts).toContain("objective 0 (minimize)");
  });

  it("makes room for a CJK name's wide characters", async () => {
    // At 6.5 px per character the margin held half of "検証データの損失（最小化）", and ECharts cut the rest.
    for (const objective of ["検証データの損失（最小化）", "검증 손실 (최소화)"]) {
      const { texts, valueAxis } = await drawnWith(objective, 900);
      expect(texts, objective).toContain(objective);
      expect(valueAxis.tooltip, objective).toBeUndefined();
    }
  });
});

describe("long parameter names on the parallel coordinates and the contour", () => {
  const long = LONG_PARAM_NAMES;
  const width = (name: string) => estimateAxisNameWidth(name) + 1;

  it("parallel coordinates: names too long for the space between two axes alternate between two rows, none over its neighbours or out of the chart", () => {
    for (const chart of [800, 1300]) {
      const right = 80;
      const layout = parallelNameLayout(long, chart, right, estimateAxisNameWidth);
      expect(layout.alternate, `${chart} px`).toBe(true);
      const step = (chart - layout.left - right) / long.length;
      // A name shares its row with the names two axes away, and ends a gap short of them.
      expect(layout.room!, `${chart} px`).toBeLessThanOrEqual(2 * step - 8);
      // The first (centred on the first axis) stays inside the chart; the last ends before the objective's axis, where its name starts.
      expect(Math.min(width(long[0]!), layout.room!) / 2).toBeLessThan(layout.left);
      expect(layout.room! / 2).toBeLessThan(step);
      // A categorical parameter's choices end before the next axis.
      expect(layout.labelRoom! + 8).toBeLessThan(step);
      // Read past their first 30 characters at 1300 px (a row of a wide screen), 15 at 800 px
      // (at most 6.5 px a character): ECharts cut them to their first 5 to 10.
      const shown = long.map((name) => Math.min(name.length, Math.floor((layout.room! / width(name)) * name.length)));
      expect(Math.min(...shown), `${chart} px`).toBeGreaterThanOrEqual(chart >= 1300 ? 30 : 15);
    }
  });

  it("parallel coordinates: short names stay on one row, in the margins the plot always had", () => {
    const fixture = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "kind"];
    expect(parallelNameLayout(fixture, 600, 80, estimateAxisNameWidth)).toMatchObject({ left: 60, top: 40, alternate: false });
    expect(parallelNameLayout(long, undefined, 80, estimateAxisNameWidth)).toMatchObject({ left: 60, top: 40, alternate: false, room: undefined });
  });

  it("parallel coordinates: every other name sits a row higher, and one cut short has its whole name in its tooltip", () => {
    type Axis = { id: string; nameGap?: number; nameTruncate?: { maxWidth: number; ellipsis: string }; tooltip?: { show: boolean; formatter: () => string } };
    const axes = [...long.map((name, k) => ({ id: `p${k}`, name, distribution: { type: "float", low: 0, high: 1 } })), { id: "value", name: "value", distribution: null }];
    const wide = { numbers: [0], states: ["complete"], values: [1], params: Object.fromEntries(long.map((name) => [name, [0.5]])), best: [], matched: 1, shown: 1, total: 1 };
    const option = parallelOption(wide, axes, "value (minimize)", { width: 800 }).option as { parallel: { left: number; top: number; right: number }; parallelAxis: Axis[] };
    const layout = parallelNameLayout(long, 800, option.parallel.right, estimateAxisNameWidth);
    expect(option.parallel).toMatchObject({ left: layout.left, top: layout.top });
    const params = option.parallelAxis.filter((axis) => axis.id !== "value");
    expect(params.map((axis) => axis.nameGap)).toEqual(long.map((_, k) => (k % 2 === 0 ? 15 : 29)));
    for (const [k, axis] of params.entries()) {
      expect(axis.nameTruncate).toEqual({ maxWidth: layout.room, ellipsis: "…" });
      const cut = width(long[k]!) > layout.room!;
      expect(axis.tooltip?.formatter().replace(/\n/g, " "), long[k]).toBe(cut ? long[k] : undefined);
    }
  });

  it("contour: cuts its axes' names to their axes' lengths, whole in their tooltips, and the choices on the y axis to a quarter of the chart", () => {
    type Axis = { name: string; nameGap: number; nameTruncate?: { maxWidth: number }; tooltip?: { formatter: () => string }; axisLabel?: { width?: number; interval?: number } };
    const choices = ["adamw_with_decoupled_weight_decay", "sgd_nesterov_momentum", "rmsprop_centered"];
    const contour = { matched: 3, x: { name: long[0], labels: choices }, y: { name: long[9], labels: choices }, cells: [[0, 0, 1, 1]] };
    const { grid, xAxis, yAxis } = contourOption(contour, true, { width: 600, height: 320 }).option as { grid: { left: number; right: number; top: number; bottom: number }; xAxis: Axis; yAxis: Axis };
    // A 44-character name took 290 px beside a y axis of 250.
    expect(yAxis.nameTruncate?.maxWidth).toBe(320 - grid.top - grid.bottom);
    expect(yAxis.tooltip?.formatter()).toBe(long[9]);
    expect(yAxis.axisLabel?.width).toBe(150);
    expect(grid.left).toBeGreaterThan(yAxis.nameGap);
    expect(yAxis.nameGap).toBeGreaterThan(150);
    // Along x, each choice is named, cut to its column.
    const column = (600 - grid.left - grid.right) / 3;
    expect(xAxis.axisLabel).toMatchObject({ interval: 0, width: column - 4 });
    expect(xAxis.nameTruncate?.maxWidth).toBe(600 - grid.left - grid.right);
    // A name that fits has no tooltip; numbers are labelled as ECharts spaces them.
    const numbers = { matched: 1, x: { name: "lr", labels: ["0.001", "0.01"] }, y: { name: "wd", labels: ["1", "2"] }, cells: [[0, 0, 1, 1]] };
    const plain = contourOption(numbers, true, { width: 600, height: 320 }).option as { xAxis: Axis };
    expect(plain.xAxis.tooltip).toBeUndefined();
    expect(plain.xAxis.axisLabel).toBeUndefined();
  });
});

describe("the plots of values near ±1.8e308 on both sides of zero", () => {
  // max − min overflowed to Infinity: ECharts fell back to a [0, 1] axis with no labels and drew
  // no marks ("Invalid setExtent … Infinity"). Drawn here as ECharts renders it on a server (SVG).
  const top = 1.7976931348623157e308;
  const values = [top, -top, 0, 42, -1e300];
  const extreme = { numbers: [0, 1, 2, 3, 4], states: values.map(() => "complete"), values, params: { x: [0.1, 0.2, 0.3, 0.4, 0.5] }, best: [{ number: 0, value: top }, { number: 1, value: -top }], matched: 5, shown: 5, total: 5 };
  const rendered = async (option: unknown) => {
    const echarts = await import("echarts");
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: 600, height: 400 });
    chart.setOption({ animation: false, ...(option as object) });
    const texts = [...chart.renderToSVGString().matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    chart.dispose();
    return texts;
  };
  const plots: [string, () => ChartOption][] = [
    ["history", () => historyOption(extreme, "loss")],
    ["value distribution", () => ecdfOption({ trials: 5, values: [...values].sort((a, b) => a - b), fractions: [0.2, 0.4, 0.6, 0.8, 1], matched: 5, shown: 5, total: 5 }, "loss")],
    ["intermediate values", () => curvesOption({ curves: [{ number: 0, state: "pruned", steps: [0, 1, 2], values: [top, -top, 0] }], matched: 1, shown: 1, total: 1 })],
    ["slice", () => sliceOption(extreme, [{ name: "x", distribution: { type: "float", low: 0, high: 1 } }], 1)],
    ["Pareto front", () => paretoOption({ front: [{ number: 0, values: [top, -top] }, { number: 1, values: [-top, top] }], others: [], infeasible: [], matched: 2, shown: 2, total: 2 }, ["a", "b"])],
    ["model beliefs", () => beliefsOption({ kind: "slice", params: ["x"], x: [0, 0.5, 1], y: null, mean: [1e308, -1e308, 0], std: [1, 1, 1], through: {}, nTrials: 5 }, "loss")],
  ];

  it.each(plots)("%s: a value axis from the lowest value to the highest, labelled in the values themselves", async (_name, build) => {
    const texts = await rendered(build().option);
    expect(texts.filter((t) => /e\+308$/.test(t) && t.startsWith("-")).length).toBeGreaterThan(0);
    expect(texts.filter((t) => /e\+308$/.test(t) && !t.startsWith("-")).length).toBeGreaterThan(0);
    expect(texts).toContain("0");
    expect(texts.filter((t) => /Infinity|NaN/.test(t))).toEqual([]);
  });

  it("parallel coordinates: the objective's axis too, and a range brushed on it reads back as values", async () => {
    const axes = [{ id: "p:x", name: "x", distribution: { type: "float", low: 0, high: 1 } }, { id: "value", name: "loss", distribution: null }];
    const { option, objectiveScale } = parallelOption(extreme, axes, "loss");
    const texts = await rendered(option);
    expect(texts).toContain("1.798e+308");
    expect(texts).toContain("-1.798e+308");
    expect(objectiveScale.read(objectiveScale.place(-top))).toBe(-top);
    expect(objectiveScale.read(objectiveScale.place(42))).toBeCloseTo(42, 12);
  });

  it("parallel coordinates: a range brushed to the ends of the objective's axis keeps its lowest and highest trials", () => {
    // The chart clamps such a brush to the axis' ends, the values divided by ten; multiplied back
    // they came out an ulp inside (8.09171e307 read 8.091709999999999e307), and the filter made of
    // the brush dropped the trials with the highest and lowest values.
    const lowest = -6.33096e307;
    const highest = 8.09171e307;
    const values = [highest, 1e300, lowest, 0];
    const axes = [{ id: "value", name: "loss", distribution: null }];
    const { objectiveScale } = parallelOption({ ...extreme, numbers: [0, 1, 2, 3], states: values.map(() => "complete"), values, params: {}, best: [] }, axes, "loss");
    expect([objectiveScale.read(objectiveScale.place(lowest)), objectiveScale.read(objectiveScale.place(highest))]).toEqual([lowest, highest]);
  });

  it("history: a point's tooltip still tells its value itself", () => {
    const { option } = historyOption(extreme, "loss");
    const tooltip = (option as { tooltip: Tooltip }).tooltip;
    expect(tooltip.formatter({ seriesIndex: 0, seriesName: "complete", dataIndex: 1 })).toBe("trial 1 (complete)\nloss: -1.798e+308");
  });

  it("keeps the axes of ordinary values as they were", () => {
    const axis = (historyOption(points, "loss").option as { yAxis: { min?: unknown; scale?: boolean } }).yAxis;
    expect(axis.min).toBeUndefined();
    expect(axis.scale).toBe(true);
  });
});
