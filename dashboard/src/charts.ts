/**
 * The plots, drawn with Apache ECharts on canvas. ECharts was chosen over Plotly because its
 * canvas renderer has large-data modes (progressive rendering, `large` scatter) that need no
 * WebGL (so they work in headless browsers and on machines without a GPU), because it ships as
 * ES modules that tree-shake to the charts used here (Plotly's bundles weigh 1–4.5 MB), because
 * its parallel coordinates brush ranges on each axis out of the box, and because it builds no
 * `<style>` elements, so the page keeps a strict Content-Security-Policy. Tooltips render as canvas
 * rich text, never as HTML, so user strings in them stay text.
 */
import { BarChart, CustomChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { Beliefs, Contour, Curves, Distribution, Ecdf, HypervolumeHistory, Pareto, Points, Timeline, TrialState } from "./api.js";
import { plottable } from "./numbers.js";
import { formatNumber } from "./dom.js";

echarts.use([
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type Chart = echarts.ECharts;
type Option = Record<string, unknown>;

/** The part of an ECharts mouse event that says which mark is under the pointer. */
export interface MarkEvent {
  componentType?: string;
  seriesIndex?: number;
  dataIndex?: number;
}

/** The trial a chart's mark stands for, if it stands for one trial. */
export type TrialAt = (event: MarkEvent) => number | undefined;

/** A mark that stands for one trial: the series and item ECharts knows it by, and the trial. */
export interface TrialMark {
  seriesIndex: number;
  dataIndex: number;
  trial: number;
}

/**
 * A plot's trial marks as the keyboard walks them: `marks()` in reading order (built on first
 * use, as most plots are never walked), and `describe` says a mark as its tooltip does, on one line.
 */
export interface MarkWalk {
  marks: () => readonly TrialMark[];
  describe: (mark: TrialMark) => string;
}

/** What a plot whose marks are trials gives besides its option: the trial under a click, and the walk of its marks. */
export interface TrialLinks {
  trialAt: TrialAt;
  walk: MarkWalk;
}

/**
 * The links of a plot whose series `bySeries` hold items standing for trials (`trialOf`), told as
 * `text` tells them. The walk goes left to right by `xOf` across the series (ties by series and
 * place), or, with `seriesFirst`, series after series and left to right in each (the Slice panel's
 * scatters, where a trial has another x in each).
 *
 * @example
 * const bySeries = [front, others];
 * const links = trialLinks(bySeries, (p) => p.number, (s, i) => `trial ${bySeries[s][i].number}`, (s, i) => bySeries[s][i].values[0]);
 * links.trialAt({ componentType: "series", seriesIndex: 0, dataIndex: 2 }); // front[2].number
 * links.walk.marks()[0]; // the leftmost point of either series
 */
export function trialLinks<T>(
  bySeries: readonly (readonly T[])[],
  trialOf: (item: T) => number,
  text: (seriesIndex: number, dataIndex: number) => string,
  xOf: (seriesIndex: number, dataIndex: number) => number,
  seriesFirst = false,
): TrialLinks {
  let marks: TrialMark[] | null = null;
  const listed = (): TrialMark[] => {
    if (marks) return marks;
    const all = bySeries.flatMap((items, seriesIndex) => items.map((item, dataIndex) => ({ seriesIndex, dataIndex, trial: trialOf(item), x: xOf(seriesIndex, dataIndex) })));
    all.sort((a, b) => (seriesFirst ? a.seriesIndex - b.seriesIndex : 0) || a.x - b.x || a.seriesIndex - b.seriesIndex || a.dataIndex - b.dataIndex);
    marks = all.map(({ seriesIndex, dataIndex, trial }) => ({ seriesIndex, dataIndex, trial }));
    return marks;
  };
  return {
    trialAt: (event) => {
      const item = itemOf(event, bySeries);
      return item === undefined ? undefined : trialOf(item);
    },
    walk: { marks: listed, describe: (mark) => text(mark.seriesIndex, mark.dataIndex).replace(/\n/g, "; ") },
  };
}

/** A tooltip formatter's argument (one item: the tooltips here trigger on items). */
interface TooltipItem {
  seriesIndex: number;
  dataIndex: number;
}

export const STATE_COLORS: Record<TrialState, string> = {
  complete: "#2f6fdf",
  pruned: "#e08a1e",
  failed: "#d3322f",
  running: "#2aa198",
  waiting: "#999999",
};

/** Complete trials that violate their constraints, in every plot that tells them apart. */
const INFEASIBLE_COLOR = "#b0b0b0";

/** Pixels between the pointer and its tooltip's nearest corner. */
const TOOLTIP_GAP = 16;

/**
 * Where a tooltip goes (ECharts' `tooltip.position` callback): beside the pointer, right and below
 * it, or left and above where the chart ends, and inside the chart; never over the pointer unless
 * the chart is too small to leave it room on either side.
 *
 * It also makes the tooltip deaf to the pointer. A rich-text tooltip is an element on the chart's
 * canvas (`content`, the callback's third argument), hit-tested like the marks: left over a mark,
 * it took the click meant for it (which opens its trial) and the hover, until the pointer left it.
 */
export function tooltipPosition(point: number[], _params: unknown, content: unknown, _rect: unknown, size: { viewSize: number[]; contentSize: number[] }): [number, number] {
  if (content !== null && typeof content === "object") (content as { silent?: boolean }).silent = true;
  const [x = 0, y = 0] = point;
  const [width = 0, height = 0] = size.contentSize;
  const [viewWidth = 0, viewHeight = 0] = size.viewSize;
  const along = (at: number, extent: number, view: number): number => {
    if (at + TOOLTIP_GAP + extent <= view) return at + TOOLTIP_GAP;
    if (at - TOOLTIP_GAP - extent >= 0) return at - TOOLTIP_GAP - extent;
    // No room on either side: inside the chart, as far from the pointer as it gets.
    return at < view / 2 ? Math.max(0, view - extent) : 0;
  };
  return [along(x, width, viewWidth), along(y, height, viewHeight)];
}

const BASE: Option = {
  animation: false,
  textStyle: { fontFamily: "system-ui, sans-serif" },
  tooltip: { renderMode: "richText", confine: true, position: tooltipPosition },
};

/** An axis label: a bound at the data's end printed as 0.0010000000000000002 reads 0.001. */
const tickLabel = (value: number): string => formatNumber(value);

/**
 * The labels of an axis of objective or parameter values: numbers as the table and tooltips show
 * them. ECharts' own wrote 0.0000001 and 1,000,000,000,000,000 in full, and 1e+300 as nothing.
 * Axes of trial numbers, steps and seconds keep its labels (5,000 reads well there).
 */
const NUMBER_LABELS = { formatter: tickLabel };

/**
 * The line of an axis at the plot's edge. ECharts draws it through the other axis' zero: where a
 * parameter's range held 0 (x in [-3, 3]) the value axis and its name stood in the middle of the
 * plot, over the marks and the legend, and a value axis holding 0 cut the plot in two.
 */
const AT_EDGE = { onZero: false };

/** How a value axis places values: see {@link valueScale}. */
export interface ValueScale {
  place: (value: number) => number;
  read: (axisValue: number) => number;
  axis: Option;
}

/**
 * Past this magnitude a value axis' arithmetic can overflow: ECharts takes max − min for the span
 * and rounds the ends out to "nice" numbers, and values near ±1.8e308 on both sides of zero made
 * the span Infinity, so the plot drew no marks and no labels.
 */
const AXIS_SAFE_MAGNITUDE = 2 ** 1019;

/**
 * What values reaching {@link AXIS_SAFE_MAGNITUDE} are divided by on their axis: ten, so that the
 * ticks ECharts picks in the axis' units (1, 2 or 5 times a power of ten) stay round numbers when
 * labelled in the values' own. Tooltips show the values themselves, never a divided one.
 */
const AXIS_SHRINK = 10;

/**
 * How a value axis places objective values without overflowing. `place` turns a value into the
 * axis' units: itself, or, when some value reaches 2^1019 (about 5.6e306), the value over 10, so
 * that any span and any tick stay finite; `read` turns a place on the axis (a brushed range's
 * end) back into a value. `axis` is the axis' range and labels: the labels
 * multiply back, so they read the values themselves, and a shrunk axis ends at the data's ends
 * (a "nice" end past them could be past the largest number).
 *
 * @example
 * const scale = valueScale([1.7e308, -1.7e308]);
 * scale.place(1.7e308); // 1.7e307
 * (scale.axis.axisLabel as { formatter: (v: number) => string }).formatter(1.7e307); // "1.7e+308"
 */
export function valueScale(values: Iterable<number | null | undefined>): ValueScale {
  let largest = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    largest = Math.max(largest, Math.abs(value));
    lowest = Math.min(lowest, value);
    highest = Math.max(highest, value);
  }
  if (largest < AXIS_SAFE_MAGNITUDE) return { place: (value) => value, read: (axisValue) => axisValue, axis: { scale: true, axisLabel: NUMBER_LABELS } };
  return {
    place: (value) => value / AXIS_SHRINK,
    // The axis' ends (where a brush dragged past them stops) are the data's ends exactly: a value
    // divided by ten and multiplied back may come out an ulp inside, and a brush over the whole
    // axis then left out the trials with the lowest and highest values.
    read: (axisValue) => (axisValue === lowest / AXIS_SHRINK ? lowest : axisValue === highest / AXIS_SHRINK ? highest : axisValue * AXIS_SHRINK),
    axis: { scale: true, min: "dataMin", max: "dataMax", axisLabel: { formatter: (value: number) => formatNumber(value * AXIS_SHRINK) } },
  };
}

/** The size of axis names, as ECharts draws them with {@link BASE}'s font; of an axis's labels, ECharts' own. */
const AXIS_NAME_FONT_PX = 11;
const AXIS_LABEL_FONT_PX = 12;
/** Pixels a narrow character of an axis name takes, at most, where the text cannot be measured. */
const NARROW_CHAR_PX = 6.5;
/** East Asian wide and fullwidth characters (CJK, kana, Hangul) and emoji, which take about the font's size. */
const WIDE_CHAR = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;
/**
 * The most of the chart's width the objective axis' name may take on its right; beyond it the name
 * ends in "…". Never less than {@link OBJECTIVE_NAME_FLOOR_PX}, which holds the dashboard's own
 * names ("objective 0 (minimize)") whole on a phone too.
 */
const OBJECTIVE_NAME_SHARE = 0.25;
const OBJECTIVE_NAME_FLOOR_PX = 160;
/** The bound where the chart's width is not known. */
const OBJECTIVE_NAME_MAX_PX = 200;

/** An axis name's (or, at `fontPx`, an axis label's) width in pixels. */
export type TextWidth = (text: string, fontPx?: number) => number;

/**
 * An axis name's width in pixels, estimated without a canvas: a wide character (CJK, kana,
 * Hangul, emoji) takes about the font's size, any other at most {@link NARROW_CHAR_PX} (at the
 * names' size; in proportion at another `fontPx`).
 *
 * @example
 * estimateAxisNameWidth("loss") // 26
 * estimateAxisNameWidth("損失") // 22
 */
export function estimateAxisNameWidth(text: string, fontPx = AXIS_NAME_FONT_PX): number {
  let width = 0;
  for (const char of text) width += WIDE_CHAR.test(char) ? AXIS_NAME_FONT_PX : NARROW_CHAR_PX;
  return (width * fontPx) / AXIS_NAME_FONT_PX;
}

/**
 * `text` in lines of at most `maxWidth` pixels, broken after the last space that fits, or anywhere
 * in a run without one (CJK text has none): a rich-text tooltip draws one line however long.
 *
 * @example
 * wrapText("validation loss over folds", 60, estimateAxisNameWidth) // "validation\nloss over\nfolds"
 */
export function wrapText(text: string, maxWidth: number, textWidth: (text: string) => number): string {
  const lines: string[] = [];
  let line = "";
  for (const char of text) {
    if (line !== "" && textWidth(line + char) > maxWidth) {
      const space = line.lastIndexOf(" ");
      if (char === " " || space <= 0) {
        lines.push(line);
        line = char === " " ? "" : char;
        continue;
      }
      lines.push(line.slice(0, space));
      line = line.slice(space + 1);
    }
    line += char;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

let measuringContext: CanvasRenderingContext2D | null | undefined;

/**
 * An axis name's width in pixels (or, at `fontPx`, an axis label's), measured on a canvas in the
 * type ECharts draws it with (the estimate where there is no canvas).
 */
export function measureAxisName(text: string, fontPx = AXIS_NAME_FONT_PX): number {
  if (measuringContext === undefined) measuringContext = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
  if (!measuringContext) return estimateAxisNameWidth(text, fontPx);
  measuringContext.font = `${fontPx}px system-ui, sans-serif`;
  return measuringContext.measureText(text).width;
}

/** Pixels kept between two axis names side by side, and between an axis's labels and the next axis. */
const NAME_GAP_PX = 8;
/** ECharts' pixels between an axis and its name (at its end), and between an axis and its labels. */
const AXIS_NAME_GAP_PX = 15;
const AXIS_LABEL_MARGIN_PX = 8;
/** How far above the other the second row of the parallel coordinates' parameter names is, where they alternate. */
const NAME_ROW_PX = 14;

/**
 * An axis's name cut to `room` pixels, ending in "…" (nothing where there is no room to cut to),
 * and for a name wider than that its tooltip: the whole name, in lines that fit a chart `width`
 * pixels wide (a rich-text tooltip draws one line however long). ECharts shows an axis name's
 * tooltip where the axis has one.
 */
function cutName(name: string, room: number | undefined, width: number | undefined, textWidth: TextWidth): Option {
  if (room === undefined) return {};
  const truncate = { nameTruncate: { maxWidth: room, ellipsis: "…" } };
  // Plus 1: ECharts cuts a name that does not fit in 1 px less than the width it is given.
  if (Math.ceil(textWidth(name)) + 1 <= room) return truncate;
  return { ...truncate, tooltip: { show: true, formatter: () => wrapText(name, Math.max(120, (width ?? 2 * OBJECTIVE_NAME_MAX_PX) - 40), textWidth) } };
}

/** The parallel coordinates' margins on the left and top, where no name needs more. */
const PARALLEL_LEFT_PX = 60;
const PARALLEL_TOP_PX = 40;

/** Where the parallel coordinates' parameter axes write their names, and the room their labels have. */
export interface ParallelNames {
  /** The plot's margins on the left (half the first name) and on top (one row of names, or two). */
  left: number;
  top: number;
  /** The widest a name may be; a longer one is cut to it, ending in "…". Unbounded without the chart's width. */
  room: number | undefined;
  /** Whether every other name sits a row higher, each then having the room of two axes. */
  alternate: boolean;
  /** The widest an axis's labels (a categorical parameter's choices) may be, short of the next axis. */
  labelRoom: number | undefined;
}

/**
 * Lays out the names of the parameter axes (`names`, left to right, before the objective's axis)
 * of parallel coordinates `width` pixels wide with `right` pixels of margin on the right. ECharts
 * cut each name to the whole space between two axes: neighbours touched, the first ran off the
 * chart's left edge, and with ten names of 30–40 characters each read as its first 5–10. Names that
 * do not fit between two axes alternate between two rows, each having the room of two axes, and
 * only a name wider than that is cut (its tooltip holds it whole).
 *
 * @example
 * parallelNameLayout(["lr", "dropout"], 600, 80, estimateAxisNameWidth).alternate // false
 * parallelNameLayout(Array(10).fill("learning_rate_of_the_encoder"), 800, 80, estimateAxisNameWidth).alternate // true
 */
export function parallelNameLayout(names: readonly string[], width: number | undefined, right: number, textWidth: TextWidth): ParallelNames {
  if (width === undefined || width <= 0 || names.length === 0) return { left: PARALLEL_LEFT_PX, top: PARALLEL_TOP_PX, room: undefined, alternate: false, labelRoom: undefined };
  // Plus 1: ECharts cuts a name that does not fit in 1 px less than the width it is given.
  const widths = names.map((name) => Math.ceil(textWidth(name)) + 1);
  /** The space between two axes, with the objective's after the parameters'. */
  const step = (left: number): number => Math.max(0, (width - left - right) / names.length);
  const alternate = names.length > 1 && widths.some((w) => w > step(PARALLEL_LEFT_PX) - NAME_GAP_PX);
  const roomAt = (left: number): number => Math.max(0, Math.floor((alternate ? 2 : 1) * step(left) - NAME_GAP_PX));
  // The first name is centred on the first axis: the margin holds its half.
  const left = Math.max(PARALLEL_LEFT_PX, Math.ceil(Math.min(widths[0]!, roomAt(PARALLEL_LEFT_PX)) / 2) + 2);
  return {
    left,
    top: PARALLEL_TOP_PX + (alternate ? NAME_ROW_PX : 0),
    room: roomAt(left),
    alternate,
    labelRoom: Math.max(0, Math.floor(step(left) - AXIS_LABEL_MARGIN_PX - NAME_GAP_PX / 2)),
  };
}

/**
 * The options of charts that wait to be drawn, by container. Setting an option is most of a page's
 * work (about 0.1–0.3 s of main thread per plot, more with many marks), and a study page has up to
 * twelve plots, most of them below the fold: a plot far from the viewport keeps its option here
 * and draws when it comes within a screen's height of it (scrolled to, focused, pointed at, or
 * the page printed). A live update to such a plot replaces the option that waits, so it costs
 * nothing until the plot is seen.
 */
const waiting = new Map<HTMLElement, Option>();
/** How many screen heights above or below the viewport a plot may be and still draw at once. */
const NEAR_SCREENS = 1;
/** Undefined until the first draw; null where the browser has no IntersectionObserver (everything draws at once). */
let watcher: IntersectionObserver | null | undefined;
/** The containers that draw at once when focused or pointed at, so a key or click never meets a waiting chart. */
const listening = new WeakSet<HTMLElement>();

function watch(): IntersectionObserver | null {
  if (watcher === undefined) {
    watcher =
      typeof IntersectionObserver === "undefined"
        ? null
        : new IntersectionObserver(
            (entries) => {
              for (const entry of entries) if (entry.isIntersecting) drawWaiting(entry.target as HTMLElement);
            },
            { rootMargin: `${NEAR_SCREENS * 100}% 0px` },
          );
    if (watcher) window.addEventListener("beforeprint", drawAllWaiting);
  }
  return watcher;
}

/** Whether a container lies within NEAR_SCREENS screen heights of the viewport (a hidden one, with no box, counts as near). */
function nearViewport(container: HTMLElement): boolean {
  const box = container.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) return true;
  const screen = window.innerHeight;
  return box.bottom >= -NEAR_SCREENS * screen && box.top <= (1 + NEAR_SCREENS) * screen;
}

/** Takes a container off the waiting list, answering the option it waited with (undefined if it did not wait). */
function stopWaiting(container: HTMLElement): Option | undefined {
  const option = waiting.get(container);
  if (option === undefined) return undefined;
  waiting.delete(container);
  watcher?.unobserve(container);
  delete container.dataset.waiting;
  return option;
}

function drawWaiting(container: HTMLElement): void {
  const option = stopWaiting(container);
  if (option === undefined) return;
  const chart = echarts.getInstanceByDom(container);
  if (chart && !chart.isDisposed()) chart.setOption(option, { notMerge: true });
}

/** Draws every chart that waits: before printing, or a full-page picture. */
export function drawAllWaiting(): void {
  for (const container of [...waiting.keys()]) drawWaiting(container);
}

/**
 * Mounts (or reuses) a chart in a container and records how many marks it draws in `data-marks`.
 * The option is set at once when the container is near the viewport, or `now` is asked (a chart
 * whose model is acted on right after, as the parallel coordinates' brushes are); otherwise when it
 * comes near, and `data-waiting` is on the container until then.
 */
export function draw(container: HTMLElement, option: Option, marks: number, { now = false } = {}): Chart {
  const chart = echarts.getInstanceByDom(container) ?? echarts.init(container, undefined, { renderer: "canvas" });
  container.dataset.marks = String(marks);
  const full = { ...BASE, ...option };
  const observer = watch();
  if (!observer || now || nearViewport(container)) {
    stopWaiting(container);
    chart.setOption(full, { notMerge: true });
    return chart;
  }
  waiting.set(container, full);
  container.dataset.waiting = "";
  observer.observe(container);
  if (!listening.has(container)) {
    listening.add(container);
    container.addEventListener("focusin", () => drawWaiting(container));
    container.addEventListener("pointerenter", () => drawWaiting(container));
  }
  return chart;
}

/**
 * Clicking a mark that stands for a trial calls `open` with its number (replacing the handler of
 * an earlier draw on the same chart). ECharts hit-tests its canvas once per event, so this costs
 * the same for 20 marks as for 100,000: nothing listens per mark.
 */
export function onTrialClick(chart: Chart, trialAt: TrialAt | undefined, open: (number: number) => void): Chart {
  chart.off("click");
  if (trialAt) {
    chart.on("click", (event) => {
      const number = trialAt(event as MarkEvent);
      if (number !== undefined) open(number);
    });
  }
  return chart;
}

/** The item at `dataIndex` of series `seriesIndex`, when the event is about a series' item. */
function itemOf<T>(event: MarkEvent, bySeries: readonly (readonly T[] | undefined)[]): T | undefined {
  if (event.componentType !== "series" || event.seriesIndex === undefined || event.dataIndex === undefined || event.dataIndex === null) return undefined;
  return bySeries[event.seriesIndex]?.[event.dataIndex];
}

/** Frees the charts drawn under `root` before its elements are thrown away. */
export function disposeCharts(root: HTMLElement): void {
  for (const element of root.querySelectorAll<HTMLElement>("[data-marks]")) {
    stopWaiting(element);
    echarts.getInstanceByDom(element)?.dispose();
  }
}

export function resizeAll(): void {
  for (const element of document.querySelectorAll<HTMLElement>("[data-marks]")) echarts.getInstanceByDom(element)?.resize();
}

/** Plot coordinates of a parameter: its value, or its choice's index for a categorical one. */
export function coordinateOf(distribution: Distribution | undefined, value: unknown): number | undefined {
  if (value === undefined || value === null && distribution?.type !== "categorical") return undefined;
  if (distribution?.type === "categorical") {
    const index = distribution.choices.indexOf(value as never);
    return index < 0 ? undefined : index;
  }
  return typeof value === "number" ? value : undefined;
}

/**
 * Optimization history: every shown trial by state, and the best-so-far line over all matched
 * trials. A point's tooltip names its trial, and `trialAt` says which trial a clicked point is.
 */
export function historyOption(points: Points, objectiveName: string): { option: Option; marks: number } & TrialLinks {
  const byState = new Map<TrialState | "infeasible", [number, number][]>();
  let marks = 0;
  points.numbers.forEach((n, i) => {
    const value = points.values[i];
    if (value === null || value === undefined) return;
    // Drawn as complete, an infeasible trial better than the best-so-far line read as a trial the line missed.
    const state = points.feasible?.[i] === false ? "infeasible" : points.states[i]!;
    if (!byState.has(state)) byState.set(state, []);
    byState.get(state)!.push([n, value]);
    marks++;
  });
  const last = points.numbers[points.numbers.length - 1] ?? 0;
  const scale = valueScale(points.values);
  const bestLine = points.best.map((b) => [b.number, scale.place(b.value)]);
  if (bestLine.length > 0) bestLine.push([Math.max(last, bestLine[bestLine.length - 1]![0]!), bestLine[bestLine.length - 1]![1]!]);
  const scatters = [...byState];
  // Each point is [trial number, value]: the x coordinate is the trial.
  const pointsBySeries = scatters.map(([, data]) => data);
  const text = (seriesIndex: number, dataIndex: number): string => {
    const point = pointsBySeries[seriesIndex]?.[dataIndex];
    return point ? `trial ${point[0]} (${scatters[seriesIndex]![0]})\n${objectiveName}: ${formatNumber(point[1])}` : "";
  };
  return {
    marks,
    ...trialLinks(pointsBySeries, (point) => point[0], text, (seriesIndex, dataIndex) => pointsBySeries[seriesIndex]![dataIndex]![0]),
    option: {
      // The legend on its own line above the y axis's name, which it covered on a narrow screen.
      legend: { top: 0, right: 0 },
      grid: { left: 60, right: 20, top: 50, bottom: 40 },
      xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 25, min: 0, axisLine: AT_EDGE },
      yAxis: { type: "value", name: objectiveName, ...scale.axis, axisLine: AT_EDGE },
      tooltip: {
        ...(BASE.tooltip as Option),
        trigger: "item",
        formatter: (item: TooltipItem) => text(item.seriesIndex, item.dataIndex),
      },
      series: [
        ...scatters.map(([state, data]) => ({
          type: "scatter",
          name: state,
          data: data.map(([n, value]) => [n, scale.place(value)]),
          symbolSize: state === "infeasible" ? 6 : 5,
          // As the Pareto plot draws them.
          ...(state === "infeasible" ? { symbol: "triangle" } : {}),
          large: data.length > 2000,
          itemStyle: { color: state === "infeasible" ? INFEASIBLE_COLOR : STATE_COLORS[state], opacity: 0.7 },
        })),
        // Under the points and silent: the best trials' points, which it runs through, stay in
        // sight and take the clicks.
        { type: "line", name: "best so far", step: "end", data: bestLine, symbol: "none", silent: true, z: 1, lineStyle: { color: "#111", width: 2 }, itemStyle: { color: "#111" } },
      ],
    },
  };
}

/** Learning curves; pruned trials in orange, dashed, with their last step marked. */
export function curvesOption(curves: Curves): { option: Option; marks: number } {
  // A diverged step (NaN, ±Infinity) is a gap: a value axis has no place for it.
  const values = curves.curves.map((curve) => curve.steps.map((_, i) => plottable(curve.values[i])));
  const scale = valueScale(values.flat());
  const text = (seriesIndex: number, dataIndex: number): string => {
    const curve = curves.curves[seriesIndex];
    return curve ? `trial ${curve.number} (${curve.state})\nstep ${curve.steps[dataIndex]}: ${formatNumber(values[seriesIndex]![dataIndex])}` : "";
  };
  return {
    marks: curves.curves.length,
    option: {
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 25, axisLine: AT_EDGE },
      yAxis: { type: "value", ...scale.axis, axisLine: AT_EDGE },
      tooltip: { ...(BASE.tooltip as Option), trigger: "item", formatter: (item: TooltipItem) => text(item.seriesIndex, item.dataIndex) },
      series: curves.curves.map((curve, k) => ({
        type: "line",
        name: `trial ${curve.number}`,
        data: curve.steps.map((s, i) => {
          const value = values[k]![i]!;
          return [s, value === null ? null : scale.place(value)];
        }),
        showSymbol: false,
        lineStyle: { color: STATE_COLORS[curve.state], width: 1, type: curve.state === "pruned" ? "dashed" : "solid", opacity: 0.8 },
        itemStyle: { color: STATE_COLORS[curve.state] },
        markPoint: undefined,
        endLabel: curve.state === "pruned" ? { show: true, formatter: "✕", color: STATE_COLORS.pruned } : { show: false },
      })),
    },
  };
}

export interface AxisSpec {
  id: string;
  name: string;
  distribution: Distribution | null;
}

/** What a plot knows of where it is drawn, to lay out its axes' names and labels. */
export interface PlotLayout {
  /** The chart's size in pixels, which bounds the room the axes' names take. */
  width?: number;
  height?: number;
  /** An axis name's width in pixels ({@link measureAxisName} in a browser); an estimate by characters without it. */
  textWidth?: TextWidth;
}

/**
 * Parallel coordinates, one axis per parameter and one for the objective. Its lines come from
 * the filter without brushed ranges, so brushing shows what is left in colour and the rest
 * greyed, while every other plot and the table drop the rest.
 */
export function parallelOption(points: Points, axes: AxisSpec[], objectiveName: string, layout: PlotLayout = {}): { option: Option; marks: number; objectiveScale: ValueScale } {
  const data: (number | null)[][] = [];
  const objectiveScale = valueScale(points.values);
  points.numbers.forEach((_, i) => {
    const value = points.values[i];
    if (value === null || value === undefined) return;
    const row: (number | null)[] = [];
    for (const axis of axes) {
      if (axis.id === "value") row.push(objectiveScale.place(value));
      else row.push(coordinateOf(axis.distribution ?? undefined, points.params[axis.name]?.[i]) ?? null);
    }
    data.push(row);
  });
  // The objective's axis, the last, names itself whole: ECharts cut a name to the space between two
  // axes, and "value (minimize)" read "valu…" beside a dozen parameters. Its name starts at the
  // axis and runs into the margin on the right, which is made wide enough for it, up to a share of
  // the chart: a 100-character name squeezed the plot to nothing. A longer one ends in "…", with
  // the whole name in its tooltip.
  const textWidth = layout.textWidth ?? estimateAxisNameWidth;
  // Plus 1: ECharts cuts a name that does not fit in 1 px less than the width it is given.
  const nameWidth = Math.ceil(textWidth(objectiveName)) + 1;
  const widest = layout.width !== undefined && layout.width > 0 ? Math.max(OBJECTIVE_NAME_FLOOR_PX, Math.floor(layout.width * OBJECTIVE_NAME_SHARE)) : OBJECTIVE_NAME_MAX_PX;
  const right = Math.max(80, Math.min(nameWidth + 8, widest));
  const nameRoom = right - 8;
  const names = parallelNameLayout(
    axes.filter((axis) => axis.id !== "value").map((axis) => axis.name),
    layout.width,
    right,
    textWidth,
  );
  const parallelAxis = axes.map((axis, dim) => {
    const d = axis.distribution;
    const base =
      axis.id === "value"
        ? {
            id: axis.id,
            dim,
            name: objectiveName,
            nameTextStyle: { fontSize: AXIS_NAME_FONT_PX, align: "left" },
            ...cutName(objectiveName, nameRoom, layout.width, textWidth),
          }
        : {
            id: axis.id,
            dim,
            name: axis.name,
            nameTextStyle: { fontSize: AXIS_NAME_FONT_PX },
            // Every other name a row higher, where they alternate.
            nameGap: AXIS_NAME_GAP_PX + (names.alternate && dim % 2 === 1 ? NAME_ROW_PX : 0),
            ...cutName(axis.name, names.room, layout.width, textWidth),
          };
    // A choice ran over the axes on its right ("adamw_with_decoupled_weight_decay" over two of them).
    const choiceLabels = names.labelRoom !== undefined ? { axisLabel: { width: names.labelRoom, overflow: "truncate", ellipsis: "…" } } : {};
    if (d?.type === "categorical") return { ...base, type: "category", data: d.choices.map((c) => String(c)), ...choiceLabels };
    if (d) return { ...base, type: d.log && d.low > 0 ? "log" : "value", min: d.low, max: d.high, axisLabel: NUMBER_LABELS };
    return { ...base, type: "value", ...objectiveScale.axis };
  });
  return {
    marks: data.length,
    objectiveScale,
    option: {
      parallel: { left: names.left, right, top: names.top, bottom: 30 },
      parallelAxis,
      series: [
        {
          type: "parallel",
          data,
          lineStyle: { width: 1, opacity: 0.35, color: "#2f6fdf" },
          inactiveOpacity: 0.04,
          activeOpacity: 0.6,
          progressive: 1000,
          realtime: false,
        },
      ],
    },
  };
}

/** The fewest pixels a category's label gets before the axis leaves some labels out (as it does by default) rather than cut each to an ellipsis. */
const MIN_CATEGORY_LABEL = 24;

/** Labels for an axis of choices `column` pixels apart: every one named, cut to its column (none where columns are too narrow for that). */
function choicesInColumns(column: number): Option {
  return column >= MIN_CATEGORY_LABEL ? { axisLabel: { interval: 0, width: column - 4, overflow: "truncate", ellipsis: "…" } } : {};
}

/**
 * One scatter per parameter against the objective (the first `limit` of `params`), three to a
 * row, `rows` rows; `trialAt` names a clicked point's trial. `width` is the chart's, in pixels.
 */
export function sliceOption(
  points: Points,
  params: { name: string; distribution: Distribution }[],
  limit: number,
  layout: { width?: number } = {},
): { option: Option; marks: number; rows: number } & TrialLinks {
  const shown = params.slice(0, limit);
  const columns = Math.min(3, shown.length) || 1;
  const rows = Math.ceil(shown.length / columns);
  const grid: Option[] = [];
  const xAxis: Option[] = [];
  const yAxis: Option[] = [];
  const series: Option[] = [];
  const trialsBySeries: number[][] = [];
  const textBySeries: ((dataIndex: number) => string)[] = [];
  const scale = valueScale(points.values);
  let marks = 0;
  shown.forEach((param, k) => {
    const col = k % columns;
    const row = Math.floor(k / columns);
    grid.push({ left: `${(col * 100) / columns + 6}%`, width: `${100 / columns - 9}%`, top: `${(row * 100) / rows + 6}%`, height: `${100 / rows - 14}%` });
    const d = param.distribution;
    // ECharts left out the labels that would overlap: of adam, sgd and rmsprop only adam was
    // named, and the other columns were anyone's guess. Each choice is named, cut to its column.
    const column = ((layout.width ?? 600) * (100 / columns - 9)) / 100 / (d.type === "categorical" ? d.choices.length : 1);
    const choiceLabels = choicesInColumns(column);
    xAxis.push(
      d.type === "categorical"
        ? { gridIndex: k, type: "category", data: d.choices.map(String), name: param.name, nameLocation: "middle", nameGap: 22, axisLine: AT_EDGE, ...choiceLabels }
        : // A log axis labels every decade: 1e-5 … 1 ran together in a third of the card.
          { gridIndex: k, type: d.log && d.low > 0 ? "log" : "value", min: d.low, max: d.high, name: param.name, nameLocation: "middle", nameGap: 22, axisLabel: { ...NUMBER_LABELS, hideOverlap: true }, axisLine: AT_EDGE },
    );
    yAxis.push({ gridIndex: k, type: "value", ...scale.axis, axisLine: AT_EDGE });
    const data: [number, number][] = [];
    const trials: number[] = [];
    points.numbers.forEach((n, i) => {
      const value = points.values[i];
      const x = coordinateOf(d, points.params[param.name]?.[i]);
      if (value !== null && value !== undefined && x !== undefined) {
        data.push([x, value]);
        trials.push(n);
      }
    });
    trialsBySeries.push(trials);
    marks += data.length;
    const label = (x: number): string => (d.type === "categorical" ? String(d.choices[x]) : formatNumber(x));
    const text = (dataIndex: number) => {
      const point = data[dataIndex];
      return point ? `trial ${trials[dataIndex]}\n${param.name}: ${label(point[0])}\nvalue: ${formatNumber(point[1])}` : "";
    };
    textBySeries.push(text);
    const formatter = (item: TooltipItem) => text(item.dataIndex);
    const placed = data.map(([x, value]) => [x, scale.place(value)]);
    // One panel per parameter draws every trial: at 1,000 trials and ten parameters, a shape per
    // point cost 1.4 s of the page's main thread. Past 300 points a panel draws them as one path
    // (ECharts' large mode), which still answers hovers and clicks with the point's index.
    series.push({ type: "scatter", xAxisIndex: k, yAxisIndex: k, data: placed, symbolSize: 4, large: true, largeThreshold: 300, itemStyle: { color: "#2f6fdf", opacity: 0.5 }, tooltip: { formatter } });
  });
  const text = (seriesIndex: number, dataIndex: number) => textBySeries[seriesIndex]?.(dataIndex) ?? "";
  const xOf = (seriesIndex: number, dataIndex: number) => (series[seriesIndex]!.data as [number, number][])[dataIndex]![0];
  return { marks, rows, ...trialLinks(trialsBySeries, (trial) => trial, text, xOf, true), option: { grid, xAxis, yAxis, series, tooltip: { ...(BASE.tooltip as Option), trigger: "item" } } };
}

/** The contour's margins, but on the left, where the y axis's labels and name take what they need. */
const CONTOUR_MARGIN = { right: 90, top: 20, bottom: 50 };
/** The most of the chart's width the contour's y labels take (a categorical parameter's choices), and the least. */
const CONTOUR_LABEL_SHARE = 0.25;
const CONTOUR_LABEL_FLOOR_PX = 60;
/** The height of a line of an axis name, beside the axis it names. */
const NAME_LINE_PX = 14;

/**
 * Mean value over a grid of two parameters. Its axes' names are cut (ending in "…", whole in their
 * tooltips) to the length of the axes they name, and the y axis's labels to a share of the chart's
 * `layout.width`: a parameter's name of 45 characters ran past both ends of the y axis, and the
 * choices of a categorical one squeezed the plot to a third of the card. A categorical x axis names
 * each choice, cut to its column, where ECharts left out every other.
 */
export function contourOption(contour: Contour, minimize: boolean, layout: PlotLayout = {}): { option: Option; marks: number } {
  const values = contour.cells.map((c) => c[2]);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const textWidth = layout.textWidth ?? estimateAxisNameWidth;
  const widestLabel = Math.ceil(Math.max(0, ...contour.y.labels.map((label) => textWidth(label, AXIS_LABEL_FONT_PX)))) + 1;
  const labelRoom = Math.min(widestLabel, layout.width ? Math.max(CONTOUR_LABEL_FLOOR_PX, Math.floor(layout.width * CONTOUR_LABEL_SHARE)) : OBJECTIVE_NAME_MAX_PX);
  const yNameGap = AXIS_LABEL_MARGIN_PX + labelRoom + NAME_GAP_PX;
  const grid = { left: yNameGap + NAME_LINE_PX + 4, ...CONTOUR_MARGIN };
  const gridWidth = layout.width ? layout.width - grid.left - grid.right : undefined;
  const gridHeight = layout.height ? layout.height - grid.top - grid.bottom : undefined;
  /** An axis's name, cut to `room` pixels (its axis's length), with its tooltip when it is. */
  const name = (text: string, room: number | undefined) => ({
    name: text,
    nameLocation: "middle",
    nameTextStyle: { fontSize: AXIS_NAME_FONT_PX },
    ...cutName(text, room, layout.width, textWidth),
  });
  // Labels that are no numbers are a categorical parameter's choices: each is named, cut to its column.
  const column = gridWidth !== undefined ? gridWidth / Math.max(1, contour.x.labels.length) : 0;
  const xLabels = contour.x.labels.some((label) => !Number.isFinite(Number(label))) ? choicesInColumns(column) : {};
  return {
    marks: contour.cells.length,
    option: {
      grid,
      xAxis: { type: "category", data: contour.x.labels, ...name(contour.x.name, gridWidth), nameGap: 30, ...xLabels },
      yAxis: { type: "category", data: contour.y.labels, ...name(contour.y.name, gridHeight), nameGap: yNameGap, axisLabel: { width: labelRoom, overflow: "truncate", ellipsis: "…" } },
      visualMap: {
        min: low,
        max: high === low ? low + 1 : high,
        calculable: true,
        right: 0,
        top: "middle",
        inRange: { color: minimize ? ["#1a9850", "#fee08b", "#d73027"] : ["#d73027", "#fee08b", "#1a9850"] },
        formatter: (v: number) => formatNumber(v),
      },
      tooltip: { ...(BASE.tooltip as Option), trigger: "item" },
      series: [{ type: "heatmap", data: contour.cells.map((c) => [c[0], c[1], c[2]]) }],
    },
  };
}

/**
 * Importance bars, coloured by the sign of each parameter's correlation with the objective. A
 * categorical parameter (one of `categorical`) has no order, hence no sign: a grey bar labelled
 * "(categorical)", as `sextant importance` prints it, where it was a red "(+0)".
 */
export function importanceOption(params: { name: string; importance: number; correlation: number }[], categorical: ReadonlySet<string>): { option: Option; marks: number } {
  const ordered = [...params].sort((a, b) => a.importance - b.importance);
  const colour = (p: (typeof ordered)[number]) => (categorical.has(p.name) ? "#8c8c8c" : p.correlation >= 0 ? "#c0504d" : "#2f6fdf");
  const effect = (p: (typeof ordered)[number]) => (categorical.has(p.name) ? "categorical" : `${p.correlation >= 0 ? "+" : "−"}${formatNumber(Math.abs(p.correlation))}`);
  return {
    marks: ordered.length,
    option: {
      grid: { left: 120, right: 130, top: 10, bottom: 30 },
      xAxis: { type: "value", name: "importance", max: 1, nameLocation: "middle", nameGap: 22 },
      yAxis: { type: "category", data: ordered.map((p) => p.name) },
      series: [
        {
          type: "bar",
          data: ordered.map((p) => ({ value: p.importance, itemStyle: { color: colour(p) } })),
          label: { show: true, position: "right", formatter: (item: { dataIndex: number }) => `${formatNumber(ordered[item.dataIndex]!.importance)} (${effect(ordered[item.dataIndex]!)})` },
        },
      ],
    },
  };
}

/** The Pareto front (first two objectives) over the other complete trials; `trialAt` names a clicked point's trial. */
/**
 * The Pareto front against two of the study's objectives (`objectives`, the first two unless
 * told): with three or more the front is over all of them, so this is a view of it from one side.
 */
export function paretoOption(pareto: Pareto, names: [string, string], objectives: [number, number] = [0, 1]): { option: Option; marks: number } & TrialLinks {
  const [xAt, yAt] = objectives;
  // In the order of the series below.
  const infeasible = pareto.infeasible ?? [];
  const all = [...pareto.others, ...infeasible, ...pareto.front];
  const xScale = valueScale(all.map((p) => p.values[xAt]));
  const yScale = valueScale(all.map((p) => p.values[yAt]));
  const xy = (p: { values: number[] }) => [xScale.place(p.values[xAt]!), yScale.place(p.values[yAt]!)];
  const bySeries = [pareto.others, infeasible, pareto.front];
  const seriesNames = ["dominated", "infeasible", "Pareto front"];
  const text = (seriesIndex: number, dataIndex: number): string => {
    const point = bySeries[seriesIndex]?.[dataIndex];
    return point ? `trial ${point.number} (${seriesNames[seriesIndex]})\n${names[0]}: ${formatNumber(point.values[xAt])}\n${names[1]}: ${formatNumber(point.values[yAt])}` : "";
  };
  return {
    marks: pareto.front.length + pareto.others.length + infeasible.length,
    ...trialLinks(bySeries, (point) => point.number, text, (seriesIndex, dataIndex) => bySeries[seriesIndex]![dataIndex]!.values[xAt] ?? 0),
    option: {
      legend: { top: 0, right: 0 },
      grid: { left: 60, right: 20, top: 50, bottom: 45 },
      xAxis: { type: "value", name: names[0], nameLocation: "middle", nameGap: 28, ...xScale.axis, axisLine: AT_EDGE },
      yAxis: { type: "value", name: names[1], ...yScale.axis, axisLine: AT_EDGE },
      tooltip: {
        ...(BASE.tooltip as Option),
        trigger: "item",
        formatter: (item: TooltipItem) => text(item.seriesIndex, item.dataIndex),
      },
      series: [
        { type: "scatter", name: seriesNames[0], data: pareto.others.map(xy), symbolSize: 4, itemStyle: { color: "#9bb7e8" } },
        // Never on the front, however good their values: they used to be labelled "dominated".
        { type: "scatter", name: seriesNames[1], data: infeasible.map(xy), symbolSize: 4, symbol: "triangle", itemStyle: { color: INFEASIBLE_COLOR } },
        { type: "scatter", name: seriesNames[2], data: pareto.front.map(xy), symbolSize: 7, itemStyle: { color: "#d3322f" } },
      ],
    },
  };
}

/**
 * Lanes for bars that may overlap in time: per worker, each bar (in order of start) goes on the
 * first lane free at its start (its last bar ended by then), so bars of trials that ran at once
 * lie side by side instead of over each other, and a worker that ran one trial at a time keeps one
 * lane. Greedy interval partitioning: it uses as few lanes as most bars ever ran at once, in
 * O(n log n) for n bars (two heaps), so 100,000 bars take milliseconds.
 *
 * Answers each bar's lane (in the order given) and each worker's number of lanes (0 for a worker
 * without bars).
 */
export function timelineLanes(bars: readonly { worker: number; start: number; end: number }[], workers: number): { lane: Int32Array; lanes: number[] } {
  const lane = new Int32Array(bars.length);
  const lanes = new Array<number>(workers).fill(0);
  const order = Array.from(bars.keys()).sort((a, b) => bars[a]!.worker - bars[b]!.worker || bars[a]!.start - bars[b]!.start || a - b);
  let at = 0;
  while (at < order.length) {
    const worker = bars[order[at]!]!.worker;
    // Lanes in use, by the end of their last bar; lanes free again, by index (the first free is the lowest).
    const busy = new MinHeap<[number, number]>((p, q) => p[0] - q[0] || p[1] - q[1]);
    const free = new MinHeap<number>((p, q) => p - q);
    let used = 0;
    for (; at < order.length && bars[order[at]!]!.worker === worker; at++) {
      const i = order[at]!;
      const bar = bars[i]!;
      while (busy.size > 0 && busy.peek()![0] <= bar.start) free.push(busy.pop()![1]);
      const chosen = free.size > 0 ? free.pop()! : used++;
      lane[i] = chosen;
      busy.push([Math.max(bar.start, bar.end), chosen]);
    }
    if (worker >= 0 && worker < workers) lanes[worker] = used;
  }
  return { lane, lanes };
}

/** A binary heap: the least item by `compare` first. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && this.compare(items[left]!, items[least]!) < 0) least = left;
        if (right < items.length && this.compare(items[right]!, items[least]!) < 0) least = right;
        if (least === i) break;
        [items[i], items[least]] = [items[least]!, items[i]!];
        i = least;
      }
    }
    return top;
  }
}

/**
 * One band per worker, one bar per trial from start to end, coloured by state; trials that ran at
 * once on a worker (or with no worker recorded) lie on lanes of its band (see {@link timelineLanes}),
 * so none hides another. The bars are one custom series on the canvas: no element per bar.
 * `trialAt` names a clicked bar's trial; `rows` counts the lanes of all workers.
 */
export function timelineOption(timeline: Timeline): { option: Option; marks: number; rows: number } & TrialLinks {
  const start = timeline.bars.reduce((least, b) => Math.min(least, b.start), Infinity);
  const { lane, lanes } = timelineLanes(timeline.bars, timeline.workers.length);
  // Rows from the top: worker 0's lanes, then worker 1's, …; a worker's label on its first lane.
  const firstRow: number[] = [];
  const rows: string[] = [];
  timeline.workers.forEach((name, w) => {
    firstRow.push(rows.length);
    for (let k = 0; k < Math.max(1, lanes[w]!); k++) rows.push(k === 0 ? name : "");
  });
  const workerStarts = new Set(firstRow);
  const data = timeline.bars.map((b, i) => ({ value: [firstRow[b.worker]! + lane[i]!, (b.start - start) / 1000, (b.end - start) / 1000, b.number], itemStyle: { color: STATE_COLORS[b.state] } }));
  const seconds = (ms: number) => formatNumber((ms - start) / 1000);
  const text = (_seriesIndex: number, dataIndex: number): string => {
    const bar = timeline.bars[dataIndex];
    return bar ? `trial ${bar.number} (${bar.state})\n${timeline.workers[bar.worker] ?? ""}\n${seconds(bar.start)} s to ${seconds(bar.end)} s` : "";
  };
  return {
    marks: data.length,
    rows: rows.length,
    // Left to right by start, as the bars read.
    ...trialLinks([timeline.bars], (bar) => bar.number, text, (_seriesIndex, dataIndex) => timeline.bars[dataIndex]!.start),
    option: {
      grid: { left: 140, right: 20, top: 10, bottom: 40 },
      tooltip: {
        ...(BASE.tooltip as Option),
        trigger: "item",
        formatter: (item: TooltipItem) => text(item.seriesIndex, item.dataIndex),
      },
      xAxis: { type: "value", name: "seconds since the first start", nameLocation: "middle", nameGap: 25, min: 0 },
      yAxis: {
        type: "category",
        data: rows,
        inverse: true,
        axisTick: { show: false },
        // Every worker's name (on its first lane), and a line between workers, however many lanes:
        // on this (inverse, banded) axis, a split line chosen at row `index` runs below that row,
        // and the one below row 0 is the "min line", drawn whether chosen or not.
        axisLabel: { interval: (index: number) => workerStarts.has(index) },
        splitLine: {
          show: timeline.workers.length > 1,
          showMinLine: workerStarts.has(1),
          showMaxLine: false,
          interval: (index: number) => workerStarts.has(index + 1),
          lineStyle: { color: "#c9ced8" },
        },
      },
      series: [
        {
          type: "custom",
          data,
          encode: { x: [1, 2], y: 0 },
          renderItem: (_params: unknown, api: { value: (i: number) => number; coord: (p: number[]) => number[]; size: (p: number[]) => number[]; style: () => object }) => {
            const from = api.coord([api.value(1), api.value(0)]);
            const to = api.coord([api.value(2), api.value(0)]);
            // A gap between lanes at any number of them, and a bar never thinner than a pixel.
            const height = Math.max(1, api.size([0, 1])[1]! * 0.7);
            return { type: "rect", shape: { x: from[0]!, y: from[1]! - height / 2, width: Math.max(1, to[0]! - from[0]!), height }, style: api.style() };
          },
        },
      ],
    },
  };
}

/** Whether positive points are evenly spaced in log (as the server lays out a log-scale parameter), not linearly. */
function logSpaced(xs: readonly number[]): boolean {
  if (xs.length < 3 || xs.some((x) => !(x > 0))) return false;
  const ratio = xs[1]! / xs[0]!;
  if (Math.abs(ratio - 1) < 1e-9) return false;
  return xs.every((x, i) => i === 0 || Math.abs(x / xs[i - 1]! / ratio - 1) < 1e-6);
}

/** The model's posterior mean along one parameter, with a band of two standard deviations. */
export function beliefsOption(beliefs: Beliefs, objectiveName: string): { option: Option; marks: number } {
  const categorical = beliefs.x.some((v) => typeof v !== "number");
  const xs = beliefs.x.map((v, i) => (categorical ? i : (v as number)));
  const scale = valueScale(beliefs.mean.flatMap((mean, i) => [mean - 2 * beliefs.std[i]!, mean + 2 * beliefs.std[i]!]));
  const lower = xs.map((x, i) => [x, scale.place(beliefs.mean[i]! - 2 * beliefs.std[i]!)]);
  const band = xs.map((x, i) => [x, scale.place(4 * beliefs.std[i]!)]);
  return {
    marks: xs.length,
    option: {
      legend: { top: 0, data: ["mean", "±2 std"] },
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      xAxis: categorical
        ? { type: "category", data: beliefs.x.map(String), name: beliefs.params[0], nameLocation: "middle", nameGap: 25, axisLine: AT_EDGE }
        : {
            // A log-scale parameter's points are spaced evenly in log: drawn on a linear axis, its
            // low decades took under 1% of the width.
            type: logSpaced(xs) ? "log" : "value",
            name: beliefs.params[0],
            nameLocation: "middle",
            nameGap: 25,
            min: Math.min(...xs),
            max: Math.max(...xs),
            axisLabel: NUMBER_LABELS,
            axisLine: AT_EDGE,
          },
      yAxis: { type: "value", name: objectiveName, ...scale.axis, axisLine: AT_EDGE },
      series: [
        { type: "line", name: "lower", data: lower, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, silent: true, legendHoverLink: false },
        { type: "line", name: "±2 std", data: band, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(47,111,223,0.18)" }, itemStyle: { color: "rgba(47,111,223,0.3)" } },
        { type: "line", name: "mean", data: xs.map((x, i) => [x, scale.place(beliefs.mean[i]!)]), symbol: "none", lineStyle: { color: "#2f6fdf", width: 2 }, itemStyle: { color: "#2f6fdf" } },
      ],
    },
  };
}

/** The model's posterior mean (or standard deviation) over a grid of two parameters: one cell per grid point. */
export function beliefsGridOption(beliefs: Beliefs, stat: "mean" | "std", minimize: boolean): { option: Option; marks: number } {
  const xs = beliefs.x;
  const ys = beliefs.y ?? [];
  const values = stat === "mean" ? beliefs.mean : beliefs.std;
  const data: [number, number, number][] = [];
  for (let j = 0; j < ys.length; j++) for (let i = 0; i < xs.length; i++) data.push([i, j, values[j * xs.length + i]!]);
  const finite = values.filter(Number.isFinite);
  const low = finite.length ? Math.min(...finite) : 0;
  const high = finite.length ? Math.max(...finite) : 1;
  const label = (v: unknown) => (typeof v === "number" ? formatNumber(v) : String(v));
  // Mean: good is green, as in the contour; std: the darker, the less the model knows.
  const colors = stat === "std" ? ["#f7fbff", "#6baed6", "#08306b"] : minimize ? ["#1a9850", "#fee08b", "#d73027"] : ["#d73027", "#fee08b", "#1a9850"];
  return {
    marks: data.length,
    option: {
      grid: { left: 70, right: 90, top: 20, bottom: 50 },
      xAxis: { type: "category", data: xs.map(label), name: beliefs.params[0], nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "category", data: ys.map(label), name: beliefs.params[1], nameLocation: "middle", nameGap: 50 },
      visualMap: { min: low, max: high === low ? low + 1 : high, calculable: true, right: 0, top: "middle", inRange: { color: colors }, formatter: (v: number) => formatNumber(v) },
      tooltip: { ...(BASE.tooltip as Option), trigger: "item" },
      series: [{ type: "heatmap", name: stat === "mean" ? "posterior mean" : "posterior std", data, progressive: 0 }],
    },
  };
}

/** The empirical distribution of values: a step line from 0 to 1. */
export function ecdfOption(ecdf: Ecdf, objectiveName: string): { option: Option; marks: number } {
  const scale = valueScale(ecdf.values);
  const text = (_seriesIndex: number, dataIndex: number): string => `${objectiveName}: ${formatNumber(ecdf.values[dataIndex])}\nfraction of trials: ${formatNumber(ecdf.fractions[dataIndex])}`;
  // One distinct value is one point: a line of one point drew nothing, on an axis that ended at it.
  // It is drawn as a dot, on an axis echarts pads around it.
  const single = ecdf.values.length === 1;
  return {
    marks: ecdf.values.length,
    option: {
      grid: { left: 60, right: 20, top: 35, bottom: 45 },
      xAxis: { type: "value", name: objectiveName, nameLocation: "middle", nameGap: 28, ...scale.axis, ...(single ? {} : { min: "dataMin", max: "dataMax" }) },
      yAxis: { type: "value", name: "fraction of trials", min: 0, max: 1, axisLine: AT_EDGE },
      tooltip: { ...(BASE.tooltip as Option), trigger: "item", formatter: (item: TooltipItem) => text(item.seriesIndex, item.dataIndex) },
      series: [{ type: "line", name: "ECDF", step: "end", data: ecdf.values.map((v, i) => [scale.place(v), ecdf.fractions[i]]), symbol: single ? "circle" : "none", symbolSize: 8, itemStyle: { color: "#2f6fdf" }, lineStyle: { color: "#2f6fdf", width: 2 }, areaStyle: { color: "rgba(47,111,223,0.12)" } }],
    },
  };
}

/** Hypervolume after each trial (several objectives), as steps. */
export function hypervolumeOption(history: HypervolumeHistory): { option: Option; marks: number } {
  const scale = valueScale(history.hypervolumes);
  const text = (_seriesIndex: number, dataIndex: number): string => `after trial ${history.numbers[dataIndex]}\nhypervolume: ${formatNumber(history.hypervolumes[dataIndex])}`;
  return {
    marks: history.numbers.length,
    option: {
      grid: { left: 70, right: 20, top: 35, bottom: 45 },
      xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 28, min: 0 },
      yAxis: { type: "value", name: "hypervolume", ...scale.axis, axisLine: AT_EDGE },
      tooltip: { ...(BASE.tooltip as Option), trigger: "item", formatter: (item: TooltipItem) => text(item.seriesIndex, item.dataIndex) },
      series: [{ type: "line", name: "hypervolume", step: "end", data: history.numbers.map((n, i) => [n, scale.place(history.hypervolumes[i]!)]), symbol: "none", lineStyle: { color: "#d3322f", width: 2 }, areaStyle: { color: "rgba(211,50,47,0.1)" } }],
    },
  };
}
