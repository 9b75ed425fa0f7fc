/**
 * The keyboard's way into a plot whose marks are trials (history, slice, timeline, Pareto front),
 * which a pointer reaches by hovering and clicking. The plot is one tab stop, an ARIA listbox named
 * by its panel: the arrow keys choose a mark (its tooltip shows, as on hover), Enter or Space opens
 * its trial as a click does, Escape lets it go. A canvas has no element per mark, so the listbox
 * holds one option, made for the chosen mark (with a new id at every move, so that a screen reader
 * says each one: "trial 12 (complete); value (minimize): 0.53", 4 of 40).
 */
import { type Chart, type MarkWalk, type TrialLinks, type TrialMark, onTrialClick } from "./charts.js";
import { h } from "./dom.js";

/** How many marks PageUp and PageDown skip. */
const PAGE = 10;

/** The mark chosen in each plot, kept across redraws (a live update, a new filter) by its trial. */
class PlotKeys {
  private chart: Chart | null = null;
  private walk: MarkWalk | null = null;
  private open: (trial: number) => void = () => {};
  /** The chosen mark's place in the walk, or -1. */
  private index = -1;
  private chosen: TrialMark | null = null;

  constructor(
    private readonly plot: HTMLElement,
    private readonly idPrefix: string,
  ) {
    plot.addEventListener("keydown", (event) => this.onKey(event));
    // A plot reached with Tab (or given back the focus as a trial's panel closes) shows its mark;
    // one clicked (which focuses it too) leaves the pointer's mark alone.
    plot.addEventListener("focus", () => {
      if (!plot.matches(":focus-visible")) return;
      if (this.index < 0) this.choose(0);
      else this.show();
    });
    plot.addEventListener("blur", () => this.hide());
  }

  /** The chart was disposed: nothing here may keep it (see releasePlotKeys). */
  release(): void {
    this.chart = null;
    this.walk = null;
    this.open = () => {};
  }

  /** The chart was drawn again: the same trial stays chosen if it is still drawn. */
  update(chart: Chart, walk: MarkWalk, open: (trial: number) => void): void {
    this.chart = chart;
    this.walk = walk;
    this.open = open;
    const before = this.chosen;
    if (!before) return;
    const marks = walk.marks();
    const again = marks.findIndex((m) => m.trial === before.trial && m.seriesIndex === before.seriesIndex);
    const index = again >= 0 ? again : marks.findIndex((m) => m.trial === before.trial);
    if (index >= 0) this.choose(index, document.activeElement === this.plot);
    else this.forget();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const count = this.walk?.marks().length ?? 0;
    const at = this.index;
    let next: number | null = null;
    switch (event.key) {
      case "ArrowRight":
      case "ArrowDown":
        next = at < 0 ? 0 : at + 1;
        break;
      case "ArrowLeft":
      case "ArrowUp":
        next = at < 0 ? count - 1 : at - 1;
        break;
      case "PageDown":
        next = Math.max(at, 0) + PAGE;
        break;
      case "PageUp":
        next = Math.max(at, 0) - PAGE;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = count - 1;
        break;
      case "Enter":
      case " ":
        if (!this.chosen) return;
        event.preventDefault();
        this.open(this.chosen.trial);
        return;
      case "Escape":
        // Also closes an open trial panel (the page listens on the document).
        if (this.chosen) this.forget();
        return;
      default:
        return;
    }
    event.preventDefault();
    if (count > 0) this.choose(Math.max(0, Math.min(count - 1, next)));
  }

  /**
   * Chooses the mark at `index` of the walk: says it, and shows it when `visible`. The same mark
   * chosen again (a live update redrew the plot) keeps its option, updated in place: a new one each
   * second had a screen reader say it again and again.
   */
  private choose(index: number, visible = true): void {
    const marks = this.walk?.marks() ?? [];
    const mark = marks[index];
    if (!mark || !this.walk) return;
    const text = this.walk.describe(mark);
    const kept = this.plot.querySelector<HTMLElement>(":scope > [role=option]");
    if (kept && index === this.index && mark.trial === this.chosen?.trial && mark.seriesIndex === this.chosen.seriesIndex) {
      if (kept.textContent !== text) kept.textContent = text;
      kept.setAttribute("aria-setsize", String(marks.length));
    } else {
      this.hide();
      kept?.remove();
      const id = `${this.idPrefix}-mark-${index}`;
      this.plot.appendChild(h("div", { role: "option", id, class: "sr-only", "aria-selected": "true", "aria-setsize": marks.length, "aria-posinset": index + 1 }, text));
      this.plot.setAttribute("aria-activedescendant", id);
    }
    this.index = index;
    this.chosen = mark;
    // Read by the browser tests, as data-marks is.
    this.plot.dataset.chosenTrial = String(mark.trial);
    if (visible) this.show();
  }

  /** No mark chosen: the tooltip goes, and the listbox has no active option. */
  private forget(): void {
    this.hide();
    this.index = -1;
    this.chosen = null;
    this.plot.querySelector(":scope > [role=option]")?.remove();
    this.plot.removeAttribute("aria-activedescendant");
    delete this.plot.dataset.chosenTrial;
  }

  /** The chosen mark highlighted, with its tooltip, as the pointer over it shows it. */
  private show(): void {
    const mark = this.chosen;
    if (!mark || !this.chart || this.chart.isDisposed()) return;
    this.chart.dispatchAction({ type: "highlight", seriesIndex: mark.seriesIndex, dataIndex: mark.dataIndex });
    this.chart.dispatchAction({ type: "showTip", seriesIndex: mark.seriesIndex, dataIndex: mark.dataIndex });
  }

  private hide(): void {
    const mark = this.chosen;
    if (!mark || !this.chart || this.chart.isDisposed()) return;
    this.chart.dispatchAction({ type: "downplay", seriesIndex: mark.seriesIndex, dataIndex: mark.dataIndex });
    this.chart.dispatchAction({ type: "hideTip" });
  }
}

const keysOf = new WeakMap<HTMLElement, PlotKeys>();

/**
 * Lets go of the charts the plots under `root` were drawn as, once they are disposed: a disposed
 * ECharts chart keeps its canvases (zrender's painter drops its root, not its layers), so a chart
 * kept here kept them alive for as long as its plot element lived.
 *
 * @example
 * disposeCharts(page); releasePlotKeys(page);
 */
export function releasePlotKeys(root: HTMLElement): void {
  for (const plot of root.querySelectorAll<HTMLElement>(".plot")) keysOf.get(plot)?.release();
}

/**
 * Links the trials of the plot in `plot` (a listbox the page made, with its tab stop), drawn as
 * `chart`, to `open`: a click on a mark opens its trial, and so does Enter on the mark chosen with
 * the arrow keys (the options' ids start with `idPrefix`). Called after each draw: a mark chosen
 * stays chosen while its trial is drawn.
 *
 * @example
 * const { option, marks, ...links } = historyOption(points, "loss");
 * linkTrials(plot, "history-plot", draw(plot, option, marks), links, (trial) => showTrial(trial));
 */
export function linkTrials(plot: HTMLElement, idPrefix: string, chart: Chart, links: TrialLinks, open: (trial: number) => void): void {
  onTrialClick(chart, links.trialAt, open);
  let keys = keysOf.get(plot);
  if (!keys) {
    keys = new PlotKeys(plot, idPrefix);
    keysOf.set(plot, keys);
  }
  keys.update(chart, links.walk, open);
}
