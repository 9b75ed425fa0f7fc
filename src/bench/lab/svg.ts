/**
 * Hand-written SVG for the lab's report: line plots with optional bands (anytime curves, average
 * rank, ECDF, performance profiles), the critical-difference diagram and a heat map. No plotting
 * library: the figures are simple and must render the same everywhere.
 */

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const num = (x: number): string => (Math.round(x * 100) / 100).toString();

/** One line of a {@link linePlot}: points in data units, and an optional band (low, high) per point. */
export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  readonly band?: readonly (readonly [number, number])[];
  /** Draw as a step function (ECDF, profiles). */
  readonly step?: boolean;
}

export interface LinePlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

function ticks(low: number, high: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(low); e <= Math.ceil(high); e++) if (e >= low - 1e-9 && e <= high + 1e-9) out.push(e);
    if (out.length > 8) return out.filter((_, i) => i % Math.ceil(out.length / 8) === 0);
    return out;
  }
  const span = high - low || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.ceil(low / nice) * nice; t <= high + 1e-9; t += nice) out.push(Math.round(t / nice) * nice);
  return out;
}

function tickLabel(value: number, log: boolean): string {
  if (log) return value === 0 ? "1" : `1e${value}`;
  return Math.abs(value) >= 1000 || (Math.abs(value) < 0.01 && value !== 0) ? value.toExponential(0) : String(Number(value.toPrecision(3)));
}

/**
 * A line plot with axes, ticks, a legend and shaded bands.
 *
 * @example
 * linePlot([{ label: "tpe", points: [[1, 3], [10, 1]] }], { title: "branin-2d", xLabel: "trials", yLabel: "regret", yLog: true });
 */
export function linePlot(series: readonly Series[], options: LinePlotOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 340;
  const legendWidth = 150;
  const margin = { left: 60, right: legendWidth + 10, top: 30, bottom: 45 };
  const tx = (x: number): number => (options.xLog ? Math.log10(x) : x);
  const ty = (y: number): number => (options.yLog ? Math.log10(y) : y);
  // As for y: a value that is not finite (no incumbent yet, a target never reached) sets no range.
  const xs = series.flatMap((s) => s.points.map(([x]) => tx(x))).filter(Number.isFinite);
  const ys = series.flatMap((s) => [...s.points.map(([, y]) => ty(y)), ...(s.band ?? []).flatMap(([a, b]) => [ty(a), ty(b)])]).filter(Number.isFinite);
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = options.yRange ? [ty(options.yRange[0]), ty(options.yRange[1])] : ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (x: number): number => margin.left + ((tx(x) - x0) / (x1 - x0 || 1)) * plotW;
  const py = (y: number): number => margin.top + (1 - (Math.min(Math.max(ty(y), y0), y1) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left + plotW / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(options.title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  ];
  for (const t of ticks(x0, x1, options.xLog ?? false)) {
    const x = margin.left + ((t - x0) / (x1 - x0 || 1)) * plotW;
    parts.push(`<line x1="${num(x)}" y1="${margin.top + plotH}" x2="${num(x)}" y2="${margin.top + plotH + 4}" stroke="#888"/>`);
    parts.push(`<text x="${num(x)}" y="${margin.top + plotH + 16}" text-anchor="middle">${tickLabel(t, options.xLog ?? false)}</text>`);
  }
  for (const t of ticks(y0, y1, options.yLog ?? false)) {
    const y = margin.top + (1 - (t - y0) / (y1 - y0)) * plotH;
    parts.push(`<line x1="${margin.left}" y1="${num(y)}" x2="${margin.left + plotW}" y2="${num(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 5}" y="${num(y + 4)}" text-anchor="end">${tickLabel(t, options.yLog ?? false)}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = seriesColor(i);
    if (s.band && s.band.length === s.points.length && s.points.length > 1) {
      const upper = s.points.map(([x], j) => `${num(px(x))},${num(py(s.band![j]![1]))}`);
      const lower = s.points.map(([x], j) => `${num(px(x))},${num(py(s.band![j]![0]))}`).reverse();
      parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${color}" fill-opacity="0.12" stroke="none"/>`);
    }
    const path = s.points.map(([x, y], j) => {
      const prefix = j === 0 ? "M" : "L";
      if (s.step && j > 0) return `H${num(px(x))}V${num(py(y))}`;
      return `${prefix}${num(px(x))},${num(py(y))}`;
    });
    parts.push(`<path d="${path.join("")}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    const ly = margin.top + 10 + i * 16;
    parts.push(`<line x1="${width - legendWidth}" y1="${ly}" x2="${width - legendWidth + 18}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${width - legendWidth + 22}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * The critical-difference diagram of Demšar (2006): an axis of average ranks, each treatment's
 * name at its rank, the CD as a bar on top, and thick lines joining groups whose ranks differ by
 * less than the CD (not significantly different).
 *
 * @example
 * cdDiagram(["tpe", "gp", "random"], [1.4, 1.8, 2.8], 0.9, [[0, 1]], "CD at 100 trials");
 */
export function cdDiagram(names: readonly string[], averageRanks: readonly number[], cd: number, groups: readonly number[][], title: string): string {
  const k = names.length;
  const width = 640;
  const half = Math.ceil(k / 2);
  const rowH = 18;
  const axisY = 70;
  const height = axisY + 30 + half * rowH + groups.length * 6 + 20;
  const left = 150;
  const right = width - 150;
  const px = (r: number): number => left + ((r - 1) / Math.max(k - 1, 1)) * (right - left);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${axisY}" x2="${right}" y2="${axisY}" stroke="black"/>`,
  ];
  for (let r = 1; r <= k; r++) {
    parts.push(`<line x1="${num(px(r))}" y1="${axisY - 5}" x2="${num(px(r))}" y2="${axisY}" stroke="black"/>`);
    parts.push(`<text x="${num(px(r))}" y="${axisY - 8}" text-anchor="middle">${r}</text>`);
  }
  parts.push(`<line x1="${num(px(1))}" y1="34" x2="${num(px(1 + cd))}" y2="34" stroke="black" stroke-width="2"/>`);
  parts.push(`<text x="${num((px(1) + px(1 + cd)) / 2)}" y="30" text-anchor="middle">CD = ${cd.toFixed(2)}</text>`);
  const order = averageRanks.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const groupSpace = groups.length * 6 + 12;
  order.forEach(([rank, i], position) => {
    const onLeft = position < half;
    const row = onLeft ? position : k - 1 - position;
    const y = axisY + groupSpace + row * rowH;
    const x = px(rank);
    const endX = onLeft ? left - 10 : right + 10;
    parts.push(`<polyline points="${num(x)},${axisY} ${num(x)},${y} ${endX},${y}" fill="none" stroke="#555"/>`);
    parts.push(`<text x="${onLeft ? endX - 4 : endX + 4}" y="${y + 4}" text-anchor="${onLeft ? "end" : "start"}">${escapeXml(names[i]!)} (${rank.toFixed(2)})</text>`);
  });
  groups.forEach((group, g) => {
    const ranks = group.map((i) => averageRanks[i]!);
    const y = axisY + 8 + g * 6;
    parts.push(`<line x1="${num(px(Math.min(...ranks)) - 3)}" y1="${y}" x2="${num(px(Math.max(...ranks)) + 3)}" y2="${y}" stroke="black" stroke-width="3"/>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * A square heat map of values in [−1, 1] (blue negative, red positive) with row labels.
 *
 * @example
 * heatMap(["a", "b"], [[1, 0.2], [0.2, 1]], "Spearman ρ between problems' rankings");
 */
export function heatMap(labels: readonly string[], values: readonly (readonly number[])[], title: string): string {
  const cell = 14;
  const left = 230;
  const top = 30;
  const n = labels.length;
  const width = left + n * cell + 20;
  const height = top + n * cell + 20;
  const color = (v: number): string => {
    if (!Number.isFinite(v)) return "#ddd";
    const t = Math.min(1, Math.abs(v));
    const c = Math.round(255 * (1 - t));
    return v >= 0 ? `rgb(255,${c},${c})` : `rgb(${c},${c},255)`;
  };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="12">${escapeXml(title)}</text>`,
  ];
  labels.forEach((label, i) => {
    parts.push(`<text x="${left - 4}" y="${top + i * cell + 10}" text-anchor="end">${escapeXml(label)}</text>`);
    values[i]!.forEach((v, j) => {
      parts.push(`<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${color(v)}" stroke="white"><title>${escapeXml(`${label} / ${labels[j]}: ${v.toFixed(2)}`)}</title></rect>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
