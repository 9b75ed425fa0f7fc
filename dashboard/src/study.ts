/**
 * One study's page: summary, plots and the trial table, all under one filter that lives in the
 * address bar. Brushing an axis of the parallel coordinates narrows the filter for everything else;
 * new trials arrive through the incremental API (only what changed since the last `seq`).
 */
import {
  type Beliefs,
  type Contour,
  type Importance,
  type Curves,
  type Distribution,
  type Ecdf,
  type HypervolumeHistory,
  type Lineage,
  type Pareto,
  type Points,
  STATES,
  type Summary,
  type Timeline,
  type TrialChanges,
  type TrialJson,
  ApiError,
  ServerUnreachableError,
  apiPath,
  get,
  isReport,
  isStudyNotFound,
  readAttr,
  studyPath,
} from "./api.js";
import {
  type AxisSpec,
  type Chart,
  type TrialLinks,
  type ValueScale,
  beliefsGridOption,
  beliefsOption,
  contourOption,
  ecdfOption,
  hypervolumeOption,
  importanceOption,
  coordinateOf,
  curvesOption,
  disposeCharts,
  draw,
  historyOption,
  measureAxisName,
  parallelOption,
  paretoOption,
  sliceOption,
  timelineOption,
} from "./charts.js";
import { clear, formatNumber, h, jsonText } from "./dom.js";
import { plottable } from "./numbers.js";
import { linkTrials, releasePlotKeys } from "./plot-keys.js";
import { type Filter, type View, filterQuery, passes, roundForUrl, viewSearch, writeView } from "./state.js";
import { TrialTable, tableColumns } from "./table.js";

/** How often the page asks for what changed, and asks again a server that does not answer. */
export const POLL_MS = 1000;
const MAX_POINTS = 2000;
/** The timeline's height in pixels: the plots' usual, growing with its lanes up to the limit. */
const TIMELINE_MIN_HEIGHT = 320;
const TIMELINE_MAX_HEIGHT = 800;
/** The Slice panel's scatters until the reader asks for all: three rows of three. */
const SLICE_PARAMS = 9;
/**
 * The importance bars and the parallel coordinates' parameter axes until the reader asks for all:
 * with 60 parameters both were crowded past reading, and past a dozen the importance is small.
 */
const TOP_PARAMS = 12;
/** Pixels per bar of the importance panel, once it shows more bars than its usual height holds. */
const IMPORTANCE_BAR_HEIGHT = 18;
/** Pixels per row of scatters in the Slice panel, once it shows more than three rows. */
const SLICE_ROW_HEIGHT = 140;
/** The intermediate values a trial's panel lists: its last steps. */
const INTERMEDIATE_SHOWN = 50;
/** What the page says once the server answers that its study is not there (another process deleted it). */
const STUDY_GONE = "This study no longer exists (deleted?)";
/** What the page says while the server does not answer (stopped, or the network down). */
export const SERVER_SILENT = "The server does not answer";
const SERVER_SILENT_LINE = `${SERVER_SILENT}: what is shown is the last state; retrying every second.`;

interface Panel {
  section: HTMLElement;
  note: HTMLElement;
  plot: HTMLElement;
}

/** Sets a plot's height (the stylesheet's when empty); answers whether it changed, so that its chart must resize. */
function setPlotHeight(plot: HTMLElement, height: string): boolean {
  const resized = plot.style.height !== height;
  plot.style.height = height;
  return resized;
}

/** Pixels an axis of the parallel coordinates takes per character of its name, and at least. */
const AXIS_PX_PER_CHAR = 6.5;
const AXIS_MIN_PX = 36;

/**
 * Whether the parallel coordinates' parameter axes need more than half of the `grid` they sit in
 * (two cards to a row) to show their names whole: ECharts cut "param_42" to "para…" when a dozen
 * long names shared half a row. Their card then takes the whole row.
 */
function parallelNeedsRow(axes: readonly AxisSpec[], grid: HTMLElement | null): boolean {
  const params = axes.filter((axis) => axis.id !== "value");
  if (!grid || params.length === 0) return false;
  const longest = Math.max(...params.map((axis) => axis.name.length));
  // The plot's margins (60 px left, 80 px right) and the gap between two cards.
  const needed = 140 + params.length * Math.max(AXIS_MIN_PX, AXIS_PX_PER_CHAR * longest);
  return needed > (grid.clientWidth - 12) / 2;
}

/** What decides which panels the page has and their axes: the parameters, learning curves, objectives. */
function layoutShape(summary: Summary): string {
  return JSON.stringify([summary.params, summary.hasIntermediate, summary.study.directions.length]);
}

export class StudyPage {
  readonly name: string;
  private summary!: Summary;
  private seq = 0;
  private timer = 0;
  private stopped = false;
  private points: Points | null = null;
  private parallelPoints: Points | null = null;
  /** The Pareto plot's last answer: picking other objectives draws it again without asking. */
  private pareto: Pareto | null = null;
  private table: TrialTable | null = null;
  private parallelChart: Chart | null = null;
  private applyingBrush = false;
  /** The axes of the parallel coordinates that may show a brush (set by the page or by the reader). */
  private readonly brushedAxes = new Set<string>();
  /** A brush is being dragged along an axis of the parallel coordinates: a redraw would cut it short. */
  private brushDragging = false;
  /** Live changes arrived during the drag: the parallel coordinates are drawn again once it ends. */
  private parallelRedrawPending = false;
  /** Under the filter bar; a report, which has no filter, has none. */
  private filterErrorLine: HTMLElement | null = null;
  private readonly panels = new Map<string, Panel>();
  private countLine!: HTMLElement;
  /** The page's own elements, held rather than looked up: another study's page may be in the document by the time an answer comes. */
  private summaryBody!: HTMLElement;
  private filterBar!: HTMLElement;
  private tableSection!: HTMLElement;
  /** A poll found the study gone: the next answer may be of another study created under its name. */
  private studyLost = false;
  /** The view the page last showed: what its controls go back to when an action finds no server. */
  private shownView!: View;
  /** Actions whose answers are on their way (update() calls): the page is `aria-busy` while there are any. */
  private updating = 0;
  private detail!: HTMLElement;
  /** What had the focus when the trial panel opened (a table row, a link): it gets it back on close. */
  private opener: HTMLElement | null = null;
  /** Says when live updates fail (server gone, study deleted); hidden while they work. */
  private liveStatus!: HTMLElement;
  private lastSlowRefresh = 0;
  /** Changes arrived that the slow panels (timeline, curves, contour, …) have not drawn yet. */
  private slowPending = false;
  /** The summary's parameters, intermediate values and objectives the panels were laid out for. */
  private laidOutFor = "";
  /** The panels (slice, importance, parallel) whose reader asked for every parameter, not the most important few. */
  private readonly allParams = new Set<string>();
  /** The last importance the server gave, drawn again when the reader asks for every bar or the top few. */
  private importance: Importance | null = null;
  /** The axes the parallel coordinates were last drawn with: brushes go on these. */
  private parallelAxes: AxisSpec[] = [];
  /** How the parallel coordinates' objective axis places values (divided, for values near ±1.8e308): brushes convert through it. */
  private parallelObjectiveScale: ValueScale | null = null;
  /** Shows the filter's range on the axis chosen in the keyboard's brush form (which builds it). */
  private fillBrushForm: () => void = () => {};
  /** The parameters by importance, most important first, once the importance panel has them; and by which method. */
  private importanceOrder: { names: string[]; method: Importance["method"] } | null = null;
  /** The page's own element under the root, whose charts stop() frees. */
  private element: HTMLElement | null = null;

  /**
   * @param onTokenRefused called, with the page stopped, when live updates are refused the token
   *   (the server restarted with another one): the page asks for the new one.
   */
  constructor(
    private readonly root: HTMLElement,
    private view: View,
    private readonly onTokenRefused: (error: ApiError) => void,
  ) {
    this.name = view.study!;
  }

  private get base(): string {
    return studyPath(this.name);
  }

  private get objectiveName(): string {
    const directions = this.summary.study.directions;
    return directions.length > 1 ? `objective 0 (${directions[0]})` : `value (${directions[0]})`;
  }

  /** A press on the parallel coordinates may start a brush: live redraws wait until it is released. */
  private readonly onParallelPointerDown = (): void => {
    this.brushDragging = true;
    const end = (): void => {
      window.removeEventListener("pointerup", end);
      window.removeEventListener("pointercancel", end);
      // After the chart has taken the release (and the brush it ends) from the same event.
      window.setTimeout(() => {
        this.brushDragging = false;
        if (this.parallelRedrawPending && !this.stopped && this.parallelPoints && this.panels.has("parallel")) this.drawParallel();
        this.parallelRedrawPending = false;
      });
    };
    window.addEventListener("pointerup", end);
    window.addEventListener("pointercancel", end);
  };

  /** Escape closes the trial panel (removed with the page's study in stop()). */
  private readonly onKey = (event: KeyboardEvent): void => {
    if (event.key === "Escape" && this.detail && !this.detail.hidden) void this.change({ trial: null });
  };

  async start(): Promise<void> {
    document.addEventListener("keydown", this.onKey);
    const summary = await get<Summary>(`${this.base}/summary`);
    if (this.stopped) return;
    await this.reload(summary);
    if (!isReport() && !this.stopped) this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  /** Lays the page out for `summary` and loads every panel from scratch. */
  private async reload(summary: Summary): Promise<void> {
    this.summary = summary;
    this.seq = summary.seq;
    this.view = this.withKnownSort(this.view);
    this.shownView = this.view;
    this.layout();
    await this.loadFiltered();
    if (this.stopped) return;
    await this.showDetail();
  }

  /**
   * Ends live updates and frees the page's charts. ECharts keeps every chart in a registry until it
   * is disposed: a page left for the studies list kept all its canvases (~27 MB a round trip).
   * Answers that come after draw nothing (each load checks `stopped`): a chart made then, on an
   * element out of the document, would never be disposed.
   */
  stop(): void {
    this.stopped = true;
    document.removeEventListener("keydown", this.onKey);
    clearTimeout(this.timer);
    if (this.element) {
      disposeCharts(this.element);
      releasePlotKeys(this.element);
    }
    this.parallelChart = null;
  }

  /**
   * The address bar changed (back/forward, or a link inside the page). A study deleted since, or a
   * server that stopped, keeps on screen what it had, and the page says so: each control the reader
   * used after that (a sort, a brush, a filter) threw its 404 or "Failed to fetch" into the page.
   * The controls and the address go back to what is shown: they said the new sort or filter over
   * the rows and plots of the old one.
   */
  async update(view: View, pushed = false): Promise<void> {
    const asked = this.withKnownSort(view);
    this.setUpdating(1);
    try {
      await this.showView(asked);
      if (this.view === asked) this.shownView = asked;
    } catch (error) {
      if (!this.saidUnavailable(error)) throw error;
      // A later action changed the view meanwhile: what it shows is its own to say.
      if (this.view === asked) this.showControlsOf(this.shownView, pushed);
    } finally {
      this.setUpdating(-1);
    }
  }

  /**
   * Counts the actions under way. While any is, the page is `aria-busy`: a screen reader waits for
   * their answers before it reads what changed, and the browser tests wait for the last to end.
   */
  private setUpdating(change: number): void {
    this.updating += change;
    if (this.updating > 0) this.element?.setAttribute("aria-busy", "true");
    else this.element?.removeAttribute("aria-busy");
  }

  /**
   * Says so when `error` is the server's answer that the study is gone, or no answer at all, where
   * the poll does (the page keeps what it shows); the poll tells a study created again under its
   * name, and hides the line once the server answers. Answers whether it was either.
   */
  private saidUnavailable(error: unknown): boolean {
    if (isStudyNotFound(error)) {
      this.studyLost = true;
      this.sayLive(`${STUDY_GONE}: what is shown is its last state.`);
    } else if (error instanceof ServerUnreachableError) this.sayLive(SERVER_SILENT_LINE);
    else return false;
    return true;
  }

  private sayLive(message: string): void {
    this.liveStatus.textContent = message;
    this.liveStatus.hidden = false;
  }

  /** For the failure of an action no caller waits on: a study gone or a server silent is said, anything else stays an error. */
  private readonly unlessUnavailable = (error: unknown): void => {
    if (!this.saidUnavailable(error)) throw error;
  };

  /**
   * Sets the view to `shown` and the controls that say it back to it (the filter bar, the brushes,
   * the plots' menus, the address bar; the table keeps its sort until its rows come), after an
   * action that could not fetch what it asked for. The step for Back that the action `pushed` is
   * taken back: its address was written over with the one shown, and Back went to the same page.
   */
  private showControlsOf(shown: View, pushed: boolean): void {
    const asked = this.view;
    this.view = shown;
    // The entry before is the address that was shown; the failed one stays ahead, for Forward to try again.
    if (pushed) history.back();
    else writeView(shown);
    if (JSON.stringify(asked.filter) !== JSON.stringify(shown.filter)) {
      this.renderFilterBar();
      this.fillBrushForm();
      this.applyBrushToChart();
    }
    const choose = (testId: string, value: string): void => {
      const menu = this.element?.querySelector<HTMLSelectElement>(`[data-testid=${testId}]`);
      if (menu) menu.value = value;
    };
    if (this.panels.has("contour")) this.contourAxes().forEach((name, k) => choose(k === 0 ? "contour-x" : "contour-y", name));
    choose("importance-method", shown.method ?? "");
    if (this.panels.has("beliefs")) {
      choose("beliefs-param", this.beliefParam());
      choose("beliefs-param2", this.beliefParam2() ?? "");
      choose("beliefs-stat", shown.beliefStat);
    }
  }

  private async showView(view: View): Promise<void> {
    const before = this.view;
    this.view = view;
    const filterChanged = JSON.stringify(before.filter) !== JSON.stringify(view.filter);
    if (filterChanged) {
      this.renderFilterBar();
      this.fillBrushForm();
      // The model's beliefs do not depend on the filter.
      await this.loadFiltered({ keepParallel: JSON.stringify(before.filter.states) === JSON.stringify(view.filter.states), beliefs: false });
    } else {
      // A new order is the table's alone: it sorts in place, keeping its header and the focus on
      // the sort button pressed (the plots, which do not depend on it, used to be drawn again too).
      if (before.sort !== view.sort || before.order !== view.order) await (this.table ? this.table.setSort(view.sort, view.order) : this.loadTable());
      if (before.contourX !== view.contourX || before.contourY !== view.contourY) await this.loadContour();
      if (before.method !== view.method) await this.loadImportance();
      if (before.paretoX !== view.paretoX || before.paretoY !== view.paretoY) this.drawPareto();
      if (before.belief !== view.belief || before.belief2 !== view.belief2 || before.beliefStat !== view.beliefStat) await this.loadBeliefs();
    }
    if (before.trial !== view.trial) await this.showDetail();
  }

  /**
   * The view, sorted by trial number where its sort names no column of the study (a parameter
   * since renamed, `value:3` of a study of two objectives), and so written in the address bar. The
   * table stayed empty under "the filter is not valid", which "clear brush" could not clear.
   */
  private withKnownSort(view: View): View {
    if (!this.summary) return view;
    const columns = tableColumns(this.objectiveNames(), this.summary.params.map((p) => p.name));
    if (columns.some((column) => column.sortable && column.key === view.sort)) return view;
    const known: View = { ...view, sort: "number", order: "asc" };
    writeView(known);
    return known;
  }

  /** Changes the view, writes it to the address bar, and shows it. */
  private async change(next: Partial<View>, mode: "push" | "replace" = "push"): Promise<void> {
    const view = { ...this.view, ...next, filter: { ...this.view.filter, ...(next.filter ?? {}) } };
    const written = writeView(view, mode);
    await this.update(view, written && mode === "push");
  }

  /**
   * A panel: its title, controls (`extra`), note and plot. A canvas says nothing to a screen
   * reader: the plot is an image named by the title and described by the note (how many trials it
   * draws, and which it leaves out); a plot whose marks are trials (`trials`) is a listbox instead,
   * one tab stop whose marks the arrow keys choose (see linkTrials), and says so.
   */
  private panel(id: string, title: string, extra?: HTMLElement | null, trials = false): Panel {
    const note = h("p", { class: "note", id: `${id}-note`, "data-testid": `${id}-note` });
    const keys = trials ? h("p", { class: "sr-only", id: `${id}-keys` }, "Arrow keys choose a trial, Enter opens it, Escape lets it go.") : null;
    const plot = h("div", {
      class: `plot plot-${id}`,
      "data-testid": `${id}-plot`,
      role: trials ? "listbox" : "img",
      "aria-label": title,
      "aria-describedby": trials ? `${id}-note ${id}-keys` : `${id}-note`,
      tabindex: trials ? 0 : undefined,
    });
    const section = h("section", { class: "card", id }, h("h2", {}, title), extra ?? null, note, keys, plot);
    const panel = { section, note, plot };
    this.panels.set(id, panel);
    return panel;
  }

  private layout(): void {
    disposeCharts(this.root);
    releasePlotKeys(this.root);
    clear(this.root);
    this.panels.clear();
    this.parallelChart = null;
    this.parallelPoints = null;
    this.importanceOrder = null;
    this.importance = null;
    this.parallelAxes = [];
    this.fillBrushForm = () => {};
    const s = this.summary;
    this.laidOutFor = layoutShape(s);
    this.countLine = h("p", { class: "counts", "data-testid": "match-count" });
    this.liveStatus = h("p", { class: "live-status", role: "status", "data-testid": "live-status", hidden: true });
    const filterBar = h("div", { class: "filters", id: "filters" });
    this.filterBar = filterBar;
    this.detail = h("aside", { class: "detail", id: "detail", hidden: true });
    const numericParams = s.params.filter((p) => p.distribution.type !== "categorical");
    // A study with fewer than two parameters (none at all before its first trial) has no contour.
    // Any parameter can be an axis: a categorical one has a row (or column) per choice.
    const contourPick = () => h("span", { class: "contour-pick" }, this.paramSelect("x", s.params), " × ", this.paramSelect("y", s.params));
    const wide = h("div", { class: "grid" });
    const parts: HTMLElement[] = [
      this.summaryCard(),
      this.panel("history", "Optimization history", null, true).section,
      s.hasIntermediate ? this.panel("curves", "Intermediate values").section : null,
      s.params.length > 0 ? this.panel("parallel", "Parallel coordinates (drag along an axis, or use the boxes below, to brush a range)", this.allParamsToggle("parallel", TOP_PARAMS, () => this.redrawParallel())).section : null,
      s.params.length > 0 ? this.panel("slice", "Slice", this.allParamsToggle("slice", SLICE_PARAMS, () => this.drawSlice()), true).section : null,
      s.params.length > 1 ? this.panel("contour", "Contour (mean value per cell)", contourPick()).section : null,
      s.params.length > 0
        ? this.panel("importance", "Parameter importance (bar: share; sign: direction of the effect)", h("span", { class: "panel-controls" }, this.methodSelect(), " ", this.allParamsToggle("importance", TOP_PARAMS, () => this.drawImportance()))).section
        : null,
      numericParams.length > 0 ? this.panel("beliefs", "What the model believes (GP posterior through the best trial)", this.beliefPick(numericParams)).section : null,
      this.panel("ecdf", "Distribution of values (empirical CDF of the complete trials)").section,
      s.study.directions.length > 1 ? this.panel("pareto", "Pareto front", s.study.directions.length > 2 ? this.paretoPick() : null, true).section : null,
      s.study.directions.length > 1 ? this.panel("hypervolume", "Hypervolume history").section : null,
      this.panel("timeline", "Timeline per worker", null, true).section,
    ].filter((p): p is HTMLElement => p !== null);
    for (const part of parts) wide.appendChild(part);
    this.panels.get("parallel")?.plot.addEventListener("pointerdown", this.onParallelPointerDown);
    // A report has no filter to brush.
    if (this.panels.has("parallel") && !isReport()) this.panels.get("parallel")!.section.appendChild(this.brushForm());
    this.table = null;
    const tableSection = h("section", { class: "card full", id: "table" }, h("h2", {}, "Trials"));
    this.tableSection = tableSection;
    this.element = h(
      "div",
      { class: "study", "aria-busy": this.updating > 0 ? "true" : undefined },
      h("h1", { "data-testid": "study-name" }, s.study.name),
      this.liveStatus,
      filterBar,
      this.countLine,
      wide,
      tableSection,
      this.detail,
    );
    this.root.appendChild(this.element);
    this.renderFilterBar();
  }

  private paramSelect(axis: "x" | "y", params: { name: string; distribution: Distribution }[]): HTMLSelectElement {
    const current = axis === "x" ? this.contourAxes()[0] : this.contourAxes()[1];
    const option = (p: { name: string; distribution: Distribution }) =>
      h("option", { value: p.name, selected: p.name === current }, p.distribution.type === "categorical" ? `${p.name} (categorical)` : p.name);
    const select = h("select", { "aria-label": `contour ${axis}`, "data-testid": `contour-${axis}` }, ...params.map(option));
    select.addEventListener("change", () => void this.change(axis === "x" ? { contourX: select.value } : { contourY: select.value }, "replace"));
    return select;
  }

  /**
   * The two objectives the Pareto plot shows, for a study with three or more: it showed the first
   * two alone, and the front (which is over all of them) looked scattered through the dominated trials.
   */
  private paretoPick(): HTMLElement {
    const directions = this.summary.study.directions;
    const select = (axis: "x" | "y") => {
      const current = this.paretoObjectives()[axis === "x" ? 0 : 1];
      const menu = h(
        "select",
        { "aria-label": `Pareto plot ${axis}`, "data-testid": `pareto-${axis}` },
        ...directions.map((d, k) => h("option", { value: k, selected: k === current }, `objective ${k} (${d})`)),
      );
      // Picking for one axis the objective on the other swaps them.
      menu.addEventListener("change", () => {
        const [x, y] = this.paretoObjectives();
        const picked = Number(menu.value);
        void this.change(axis === "x" ? { paretoX: picked, paretoY: picked === y ? x : y } : { paretoX: picked === x ? y : x, paretoY: picked }, "replace");
      });
      return menu;
    };
    return h("span", { class: "contour-pick" }, select("x"), " × ", select("y"));
  }

  /** The objectives on the Pareto plot's axes: the reader's, else the first two (or the first other than x). */
  private paretoObjectives(): [number, number] {
    const count = this.summary.study.directions.length;
    const valid = (k: number | null): k is number => k !== null && k < count;
    const x = valid(this.view.paretoX) ? this.view.paretoX : 0;
    const y = valid(this.view.paretoY) && this.view.paretoY !== x ? this.view.paretoY : x === 1 ? 0 : 1;
    return [x, y];
  }

  private methodSelect(): HTMLSelectElement {
    const select = h(
      "select",
      { "aria-label": "importance method", "data-testid": "importance-method" },
      h("option", { value: "", selected: this.view.method === null }, "auto"),
      h("option", { value: "fanova", selected: this.view.method === "fanova" }, "fANOVA (random forest)"),
      h("option", { value: "ped-anova", selected: this.view.method === "ped-anova" }, "PED-ANOVA (fast)"),
    );
    select.addEventListener("change", () => void this.change({ method: (select.value || null) as View["method"] }, "replace"));
    return select;
  }

  private beliefSelect(params: { name: string }[]): HTMLSelectElement {
    const current = this.beliefParam();
    const select = h("select", { "aria-label": "model beliefs along", "data-testid": "beliefs-param" }, ...params.map((p) => h("option", { value: p.name, selected: p.name === current }, p.name)));
    select.addEventListener("change", () => void this.change({ belief: select.value }, "replace"));
    return select;
  }

  /** Along one parameter, or (with a second one picked) over the pair, showing the mean or the std. */
  private beliefPick(params: { name: string }[]): HTMLElement {
    const second = this.beliefParam2();
    const pair = h(
      "select",
      { "aria-label": "model beliefs over a second parameter", "data-testid": "beliefs-param2" },
      h("option", { value: "", selected: second === null }, "(one parameter)"),
      ...params.map((p) => h("option", { value: p.name, selected: p.name === second }, p.name)),
    );
    pair.addEventListener("change", () => void this.change({ belief2: pair.value || null }, "replace"));
    const stat = h(
      "select",
      { "aria-label": "posterior statistic", "data-testid": "beliefs-stat" },
      h("option", { value: "mean", selected: this.view.beliefStat === "mean" }, "mean"),
      h("option", { value: "std", selected: this.view.beliefStat === "std" }, "std (uncertainty)"),
    );
    stat.addEventListener("change", () => void this.change({ beliefStat: stat.value === "std" ? "std" : "mean" }, "replace"));
    return h("span", { class: "contour-pick" }, this.beliefSelect(params), " × ", pair, " ", stat);
  }

  /** The second parameter of a belief grid, when one is picked (and differs from the first). */
  private beliefParam2(): string | null {
    const numeric = this.summary.params.filter((p) => p.distribution.type !== "categorical");
    const second = this.view.belief2;
    return second && second !== this.beliefParam() && numeric.some((p) => p.name === second) ? second : null;
  }

  private beliefParam(): string {
    const numeric = this.summary.params.filter((p) => p.distribution.type !== "categorical");
    return this.view.belief && numeric.some((p) => p.name === this.view.belief) ? this.view.belief : numeric[0]!.name;
  }

  private contourAxes(): [string, string] {
    const params = this.summary.params;
    const numeric = params.filter((p) => p.distribution.type !== "categorical");
    const pool = numeric.length >= 2 ? numeric : params;
    const x = this.view.contourX && params.some((p) => p.name === this.view.contourX) ? this.view.contourX : pool[0]!.name;
    const y = this.view.contourY && params.some((p) => p.name === this.view.contourY) ? this.view.contourY : (pool.find((p) => p.name !== x) ?? pool[0]!).name;
    return [x, y];
  }

  private summaryCard(): HTMLElement {
    const card = h("section", { class: "card", id: "summary" }, h("h2", {}, "Summary"));
    const body = h("div", { class: "summary-body" });
    this.summaryBody = body;
    card.appendChild(body);
    this.fillSummary(body);
    return card;
  }

  private fillSummary(body: HTMLElement): void {
    const s = this.summary;
    clear(body);
    const best = s.bestTrial;
    const dl = h("dl", { class: "kv" });
    const add = (key: string, ...value: (string | Node)[]) => dl.append(h("dt", {}, key), h("dd", {}, ...value));
    add("directions", s.study.directions.join(", "));
    if (best) {
      add("best", this.trialLink(best.number, "best-trial"), `: ${best.values?.map(formatNumber).join(", ") ?? "—"}`);
      add("best params", Object.entries(best.params).map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : String(v)}`).join(", "));
      // A model's recommendation is worth a line only where it differs from the best observed trial.
      const recommended = s.recommendedTrial;
      if (recommended?.source === "model" && recommended.trial.number !== best.number) {
        const mean = recommended.posteriorMean;
        const belief =
          mean === null ? "" : recommended.units === "objective" ? `, posterior mean ${formatNumber(mean)} ± ${formatNumber(recommended.posteriorSd ?? 0)}` : ", best posterior mean (in the model's units)";
        add("recommended", this.trialLink(recommended.trial.number, "recommended-trial"), `: ${recommended.trial.values?.map(formatNumber).join(", ") ?? "—"}${belief}`);
      }
    } else add("best", s.study.directions.length > 1 ? "see the Pareto front" : "no complete trial yet");
    add("trials", `${s.trialCount}: ${STATES.map((state) => `${s.counts[state]} ${state}`).join(", ")}`);
    const options = Object.entries(s.study.sampler.options).map(([k, v]) => `${k}=${String(v)}`).join(", ");
    add("sampler", `${s.study.sampler.name}${options ? ` (${options})` : ""}`);
    if (s.autoChoice) add("auto chose", `${s.autoChoice.sampler}: ${s.autoChoice.reason}`);
    add("pruner", s.study.pruner.name);
    if (s.workers > 0) add("workers", String(s.workers));
    body.appendChild(dl);
    body.dataset.trials = String(s.trialCount);
  }

  private renderFilterBar(): void {
    const bar = this.filterBar;
    // The control just used is built again: it keeps the focus, which fell to <body> (a keyboard
    // user was sent back to the top of the page by each box ticked).
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && bar.contains(active) ? active.dataset.testid : undefined;
    clear(bar);
    if (isReport()) {
      bar.appendChild(h("p", { class: "muted" }, "A static report of every trial; filtering and brushing need `sextant dashboard`."));
      return;
    }
    const filter = this.view.filter;
    const states = h("fieldset", { class: "states" }, h("legend", {}, "states"));
    for (const state of STATES) {
      const box = h("input", { type: "checkbox", value: state, checked: filter.states.includes(state), "data-testid": `state-${state}` });
      box.addEventListener("change", () => {
        const chosen = STATES.filter((st) => (st === state ? box.checked : filter.states.includes(st)));
        void this.change({ filter: { ...filter, states: chosen } });
      });
      states.appendChild(h("label", { class: `s-${state}` }, box, ` ${state}`));
    }
    const min = h("input", { type: "number", step: "any", placeholder: "min", value: filter.valueMin ?? "", "aria-label": "value min", "data-testid": "value-min" });
    const max = h("input", { type: "number", step: "any", placeholder: "max", value: filter.valueMax ?? "", "aria-label": "value max", "data-testid": "value-max" });
    const apply = h("button", { type: "button", "data-testid": "value-apply" }, "apply");
    // change() merges the filter into the current one: a bound left out would stay as it was, so
    // an emptied box (or "clear brush") sets it to undefined explicitly.
    const bound = (input: HTMLInputElement): number | undefined =>
      input.value.trim() !== "" && Number.isFinite(Number(input.value)) ? Number(input.value) : undefined;
    const applyRange = (): void => {
      const [low, high] = [bound(min), bound(max)];
      // The server refuses such a range: said here, beside the boxes, keeping what was typed.
      if (low !== undefined && high !== undefined && low > high) {
        this.showFilterError(`value: min ${formatNumber(low)} is above max ${formatNumber(high)}; swap them or change one`);
        return;
      }
      void this.change({ filter: { states: filter.states, ranges: filter.ranges, valueMin: low, valueMax: high } });
    };
    apply.addEventListener("click", applyRange);
    for (const input of [min, max]) input.addEventListener("keydown", (event) => (event as KeyboardEvent).key === "Enter" && applyRange());
    const ranges = Object.entries(filter.ranges);
    // A categorical parameter's range is over choice indices: show the choices it keeps.
    const chip = (name: string, low: number, high: number): string => {
      const distribution = this.summary.params.find((p) => p.name === name)?.distribution;
      if (distribution?.type === "categorical") {
        const kept = distribution.choices.filter((_, k) => k >= low && k <= high).map(String);
        return `${name} ∈ {${kept.join(", ")}}`;
      }
      return `${name} ∈ [${formatNumber(low)}, ${formatNumber(high)}]`;
    };
    const brushed = h("span", { class: "brushed", "data-testid": "brushed" }, ...ranges.map(([name, [low, high]]) => h("span", { class: "chip" }, chip(name, low, high))));
    const clearBrush = h("button", { type: "button", "data-testid": "clear-brush", disabled: ranges.length === 0 && filter.valueMin === undefined && filter.valueMax === undefined }, "clear brush");
    clearBrush.addEventListener("click", () => {
      this.clearParallelBrush();
      void this.change({ filter: { states: filter.states, ranges: {}, valueMin: undefined, valueMax: undefined } });
    });
    this.filterErrorLine = h("p", { class: "error filter-error", role: "alert", "data-testid": "filter-error", hidden: true });
    bar.append(states, h("span", { class: "value-range" }, "value ", min, " to ", max, apply), brushed, clearBrush, this.filterErrorLine);
    if (focused) {
      const again = bar.querySelector<HTMLInputElement | HTMLButtonElement>(`[data-testid="${focused}"]`);
      // "clear brush", disabled once it has cleared, hands the focus to the first state's box.
      (again && !again.disabled ? again : bar.querySelector<HTMLElement>("input"))?.focus();
    }
  }

  /** Says what is wrong with the filter beside it (null hides the line). */
  private showFilterError(message: string | null): void {
    if (!this.filterErrorLine) return;
    this.filterErrorLine.textContent = message ?? "";
    this.filterErrorLine.hidden = message === null;
  }

  /**
   * Loads every panel for the current filter. A filter the server refuses (typed in the address
   * bar, or a brushed parameter the study lacks) is said beside the filter bar, whose "clear brush"
   * takes it back, instead of replacing the page with the message.
   */
  private async loadFiltered(options: { keepParallel?: boolean; beliefs?: boolean } = {}): Promise<void> {
    this.showFilterError(null);
    try {
      await this.loadAll(options);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 400 && error.field?.startsWith("query."))) throw error;
      this.showFilterError(`The filter is not valid: ${error.message}. Change it, or clear it with "clear brush".`);
      // What the panels show is for an earlier filter, or nothing: the count must not pass it off as this one's.
      this.countLine.textContent = "No trials shown: the filter is not valid.";
      delete this.countLine.dataset.matched;
      delete this.countLine.dataset.total;
    }
  }

  private query(withRanges = true): Record<string, string | number | undefined> {
    const filter = withRanges ? this.view.filter : { states: this.view.filter.states, ranges: {} };
    return filterQuery(filter);
  }

  /** Loads every panel for the current filter (the parallel coordinates only when its own lines change). */
  private async loadAll(options: { keepParallel?: boolean; beliefs?: boolean } = {}): Promise<void> {
    const pointsPath = this.pointsPath(true);
    const parallelPath = this.pointsPath(false);
    const points = get<Points>(pointsPath);
    const jobs: Promise<unknown>[] = [this.loadPoints(points), this.loadTable(), this.loadTimeline()];
    // With no range in the filter the parallel coordinates draw the very trials the other plots
    // do: one answer serves both (a 60-parameter study's points are megabytes, and were asked twice).
    if (!options.keepParallel || !this.parallelPoints) jobs.push(this.loadParallel(() => (parallelPath === pointsPath ? points : get<Points>(parallelPath))));
    if (this.panels.has("curves")) jobs.push(this.loadCurves());
    if (this.panels.has("contour")) jobs.push(this.loadContour());
    if (this.panels.has("pareto")) jobs.push(this.loadPareto());
    jobs.push(this.loadEcdf());
    if (this.panels.has("hypervolume")) jobs.push(this.loadHypervolume());
    const results = await Promise.allSettled(jobs);
    // The analyses cost the server the most: asked once the plots are drawn, so they never hold them up.
    results.push(...(await Promise.allSettled([this.loadImportance(), options.beliefs === false ? null : this.loadBeliefs()])));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length === 0) return;
    // The count line and the table (the first two jobs) say which trials the page shows: once they
    // show this view, a server that stopped or a study deleted before the other answers came leaves
    // those panels as they were, as a failed poll does, and is said. Thrown, it put the filter bar
    // and the address back to the filter before, over the count and the rows of this one.
    const counted = results.slice(0, 2).every((r) => r.status === "fulfilled");
    if (counted && failed.every((r) => this.saidUnavailable(r.reason))) return;
    throw failed[0]!.reason;
  }

  private shownNote(panel: Panel | undefined, shown: { matched: number; shown: number; total: number }, what = "trials"): void {
    if (!panel) return;
    panel.note.textContent = shown.shown < shown.matched ? `${shown.shown} of ${shown.matched} matched ${what} shown (${shown.total} in the study; downsampled)` : `${shown.matched} ${what}`;
    panel.note.dataset.shown = String(shown.shown);
    panel.note.dataset.matched = String(shown.matched);
  }

  /**
   * The note of a plot of points (history, slice, parallel coordinates), which draws only trials
   * with a value: it says how many it draws and which trials it leaves out. It counted them all
   * ("10 trials" over an empty plot of ten failed trials).
   */
  private pointsNote(panel: Panel | undefined, points: Points): void {
    if (!panel) return;
    this.shownNote(panel, points);
    const valueless = new Map<string, number>();
    points.values.forEach((value, i) => {
      if (value === null) valueless.set(points.states[i]!, (valueless.get(points.states[i]!) ?? 0) + 1);
    });
    const left = [...valueless.values()].reduce((a, b) => a + b, 0);
    const drawn = points.shown - left;
    panel.note.dataset.drawn = String(drawn);
    if (left === 0) return;
    const without = `${left} ${left === 1 ? "has" : "have"} no value (${[...valueless].map(([state, count]) => `${count} ${state}`).join(", ")})`;
    panel.note.textContent =
      points.shown < points.matched
        ? `${drawn} of ${points.matched} matched trials drawn (${points.shown} shown, ${points.total} in the study; downsampled): ${without}`
        : `${drawn} of ${points.matched} trials drawn: ${without}`;
  }

  /** The points' request: for the filter, or (for the parallel coordinates) its states alone. */
  private pointsPath(withRanges: boolean): string {
    return apiPath(`${this.base}/points`, { ...this.query(withRanges), maxPoints: MAX_POINTS });
  }

  private async loadPoints(answer: Promise<Points>): Promise<void> {
    const points = await answer;
    if (this.stopped) return;
    this.points = points;
    this.drawPoints();
  }

  private drawPoints(): void {
    const points = this.points!;
    const history = this.panels.get("history")!;
    this.pointsNote(history, points);
    const { option, marks, ...links } = historyOption(points, this.objectiveName);
    this.linkTrials(history, draw(history.plot, option, marks), links);
    // The trial the best-so-far line ends on, read by the browser tests as data-marks is.
    history.plot.dataset.bestTrial = String(points.best.at(-1)?.number ?? "");
    history.plot.dataset.bestSteps = points.best.map((step) => step.number).join(" ");
    history.plot.dataset.infeasible = String(points.feasible.filter((f, i) => f === false && points.values[i] !== null).length);
    this.drawSlice();
    this.countLine.textContent = `${points.matched} of ${points.total} trials match the filter`;
    this.countLine.dataset.matched = String(points.matched);
    this.countLine.dataset.total = String(points.total);
  }

  /**
   * A button that shows every parameter in panel `id`, or again the `limit` most important, then
   * calls `redraw`; none when the study has no more than `limit` parameters.
   */
  private allParamsToggle(id: string, limit: number, redraw: () => void): HTMLButtonElement | null {
    if (this.summary.params.length <= limit) return null;
    // Hidden until the panel draws (and labels it): an importance the server cannot give yet draws nothing.
    const button = h("button", { type: "button", "data-testid": `${id}-all`, hidden: true });
    button.addEventListener("click", () => {
      if (!this.allParams.delete(id)) this.allParams.add(id);
      redraw();
    });
    return button;
  }

  /**
   * The parameters panel `id` shows: the `limit` most important (in the study's order until their
   * importance is known) and those in `keep`, or all of them on request, most important first. It
   * says which in the panel's note, with how many are hidden, and labels the panel's toggle. A
   * study whose parameters all fit keeps its own order: nothing is hidden, and the plots would
   * change their layout under the pointer when the importance came.
   */
  private shownParams(id: string, limit: number, keep: ReadonlySet<string> = new Set()): { name: string; distribution: Distribution }[] {
    const panel = this.panels.get(id)!;
    const params = this.summary.params;
    if (params.length <= limit) {
      panel.note.dataset.params = String(params.length);
      return params;
    }
    const order = this.importanceOrder;
    const rank = (name: string) => {
      const at = order ? order.names.indexOf(name) : -1;
      return at < 0 ? Number.MAX_SAFE_INTEGER : at;
    };
    const ranked = order ? [...params].sort((a, b) => rank(a.name) - rank(b.name)) : params;
    const all = this.allParams.has(id);
    const shown = all ? ranked : ranked.filter((p, k) => k < limit || keep.has(p.name));
    panel.note.dataset.params = String(shown.length);
    const hidden = params.length - shown.length;
    const kept = shown.length > limit ? ` and ${shown.length - limit} brushed` : "";
    const which = all
      ? `all ${params.length} parameters`
      : order
        ? `${shown.length} of ${params.length} parameters: the most important (${order.method === "fanova" ? "fANOVA" : "PED-ANOVA"})${kept}; ${hidden} hidden`
        : `${shown.length} of ${params.length} parameters: the first in the study's order (their importance is not known yet)${kept}; ${hidden} hidden`;
    panel.note.textContent += `; ${which}`;
    const button = panel.section.querySelector<HTMLButtonElement>(`[data-testid=${id}-all]`);
    if (button) {
      button.textContent = all ? `show the ${limit} most important` : `show all ${params.length} parameters (${hidden} hidden)`;
      button.hidden = false;
    }
    return shown;
  }

  /**
   * A scatter per parameter against the value: the SLICE_PARAMS most important ones, or all of
   * them on request, with a note saying which. It showed the first nine silently, whatever the
   * study's size.
   */
  private drawSlice(): void {
    const panel = this.panels.get("slice");
    if (!panel || !this.points) return;
    const points = sampleOf(this.points);
    this.pointsNote(panel, points);
    const shown = this.shownParams("slice", SLICE_PARAMS);
    const { option, marks, rows, ...links } = sliceOption(points, shown, shown.length, { width: panel.plot.clientWidth });
    // Taller with every row past three, so each scatter keeps its size.
    const resized = setPlotHeight(panel.plot, rows > 3 ? `${rows * SLICE_ROW_HEIGHT}px` : "");
    const chart = draw(panel.plot, option, marks);
    if (resized) chart.resize();
    this.linkTrials(panel, chart, links);
  }

  /**
   * Every axis the parallel coordinates can have, one per parameter and one for the value. A
   * parameter's axis id is its place in the study, so that it stays the same whichever are shown.
   */
  private axes(): AxisSpec[] {
    return [...this.summary.params.map((p, i) => ({ id: `p${i}`, name: p.name, distribution: p.distribution as Distribution })), { id: "value", name: "value", distribution: null }];
  }

  /** The axes to draw: the most important parameters' (and every brushed one's), then the value's. */
  private shownAxes(): AxisSpec[] {
    const shown = this.shownParams("parallel", TOP_PARAMS, new Set(Object.keys(this.view.filter.ranges)));
    const place = new Map(this.summary.params.map((p, i) => [p.name, i]));
    const axes = this.axes();
    return [...shown.map((p) => axes[place.get(p.name)!]!), axes[axes.length - 1]!];
  }

  private async loadParallel(ask: () => Promise<Points>): Promise<void> {
    const panel = this.panels.get("parallel");
    if (!panel) return;
    // A copy: live updates merge into each plot's points under its own filter.
    const points = structuredClone(await ask());
    if (this.stopped) return;
    this.parallelPoints = points;
    this.drawParallel();
  }

  /** Draws the parallel coordinates again, or once a brush being dragged is released. */
  private redrawParallel(): void {
    if (!this.parallelPoints || !this.panels.has("parallel")) return;
    if (this.brushDragging) this.parallelRedrawPending = true;
    else this.drawParallel();
  }

  /** The parallel coordinates' note: the trials drawn (`sample`, what the plot draws), and which parameters. */
  private parallelNote(sample = sampleOf(this.parallelPoints!)): AxisSpec[] {
    this.pointsNote(this.panels.get("parallel"), sample);
    return this.shownAxes();
  }

  private drawParallel(): void {
    const panel = this.panels.get("parallel")!;
    const sample = sampleOf(this.parallelPoints!);
    const axes = this.parallelNote(sample);
    this.parallelAxes = axes;
    // Which parameters have an axis, left to right (read by the browser tests, as data-marks is).
    panel.plot.dataset.axes = JSON.stringify(axes.filter((axis) => axis.id !== "value").map((axis) => axis.name));
    const spanned = panel.section.classList.contains("span-row");
    const spans = panel.section.classList.toggle("span-row", parallelNeedsRow(axes, panel.section.parentElement));
    // Read once the card has its width: the objective's name takes at most a share of it.
    const { option, marks, objectiveScale } = parallelOption(sample, axes, this.objectiveName, { width: panel.plot.clientWidth, textWidth: measureAxisName });
    this.parallelObjectiveScale = objectiveScale;
    // At once: the brushes below act on the drawn axes.
    const chart = draw(panel.plot, option, marks, { now: true });
    if (spans !== spanned) chart.resize();
    this.parallelChart = chart;
    // A new option draws the axes without brushes.
    this.brushedAxes.clear();
    chart.off("axisareaselected");
    this.applyBrushToChart();
    chart.on("axisareaselected", (event: unknown) => {
      if (this.applyingBrush) return;
      const { parallelAxisId, intervals } = event as { parallelAxisId?: string; intervals?: number[][] };
      if (!parallelAxisId || !intervals) return;
      void this.brush(parallelAxisId, intervals);
    });
  }

  /** Shows the filter's ranges as the brushed intervals of the axes. */
  private applyBrushToChart(): void {
    this.setAxisBrushes((axis) => {
      const interval = this.intervalOf(axis);
      const scale = this.parallelObjectiveScale;
      return interval && axis.id === "value" && scale ? [scale.place(interval[0]), scale.place(interval[1])] : interval;
    });
  }

  private clearParallelBrush(): void {
    this.setAxisBrushes(() => null);
  }

  /**
   * Sets the brushed interval of each axis that has one, or had one, in a single action. Each
   * action re-renders the chart: one per axis, brushed or not, froze a 60-parameter study's page
   * for seconds on load and on every live update. The count of axes set is kept in the plot's
   * `data-brush-updates` (read by the browser tests).
   */
  private setAxisBrushes(intervalOf: (axis: AxisSpec) => [number, number] | null): void {
    const chart = this.parallelChart;
    const plot = this.panels.get("parallel")?.plot;
    if (!chart || !plot) return;
    const batch: { parallelAxisId: string; intervals: [number, number][] }[] = [];
    for (const axis of this.parallelAxes) {
      const interval = intervalOf(axis);
      if (interval) this.brushedAxes.add(axis.id);
      else if (!this.brushedAxes.delete(axis.id)) continue;
      batch.push({ parallelAxisId: axis.id, intervals: interval ? [interval] : [] });
    }
    plot.dataset.brushUpdates = String(Number(plot.dataset.brushUpdates ?? 0) + batch.length);
    if (batch.length === 0) return;
    this.applyingBrush = true;
    try {
      chart.dispatchAction({ type: "axisAreaSelect", batch });
    } finally {
      this.applyingBrush = false;
    }
  }

  private intervalOf(axis: AxisSpec): [number, number] | null {
    const filter = this.view.filter;
    if (axis.id === "value") {
      if (filter.valueMin === undefined && filter.valueMax === undefined) return null;
      return [filter.valueMin ?? -Number.MAX_VALUE, filter.valueMax ?? Number.MAX_VALUE];
    }
    return filter.ranges[axis.name] ?? null;
  }

  /** A brushed axis narrows the filter: the hull of its intervals, rounded for the address bar. */
  private async brush(axisId: string, intervals: number[][]): Promise<void> {
    const axis = this.axes().find((a) => a.id === axisId);
    if (!axis) return;
    this.brushedAxes.add(axis.id);
    // The chart gives the objective's axis in its own units, divided where values reach ±1.8e308.
    const scale = this.parallelObjectiveScale;
    const inValues = axis.id === "value" && scale ? intervals.map((iv) => iv.map(scale.read)) : intervals;
    const valid = inValues.filter((iv) => iv.length === 2 && iv.every(Number.isFinite));
    const low = Math.min(...valid.map((iv) => Math.min(iv[0]!, iv[1]!)));
    const high = Math.max(...valid.map((iv) => Math.max(iv[0]!, iv[1]!)));
    await this.setAxisRange(axis, valid.length ? { low: roundForUrl(low, high - low), high: roundForUrl(high, high - low) } : null);
  }

  /**
   * Narrows the filter to `range` on `axis` (null: no range on it), as given (typed bounds were
   * rounded to 5 significant digits: 1000012 became 1000000); the value's axis may leave a bound
   * open. An axis not drawn (a hidden parameter's, brushed from the keyboard) is drawn, as every
   * brushed one is.
   */
  private async setAxisRange(axis: AxisSpec, range: { low?: number; high?: number } | null): Promise<void> {
    const filter: Filter = { ...this.view.filter, ranges: { ...this.view.filter.ranges } };
    const low = range?.low;
    const high = range?.high;
    // change() merges the filter into the current one: a bound left out would stay, so both are set.
    if (axis.id === "value") Object.assign(filter, { valueMin: low, valueMax: high });
    else if (low !== undefined && high !== undefined) filter.ranges[axis.name] = [low, high];
    else delete filter.ranges[axis.name];
    await this.change({ filter }, "replace");
    // Brushes on other axes can be dropped by the chart as a new one starts: show the filter's.
    if (this.parallelAxes.some((drawn) => drawn.id === axis.id)) this.applyBrushToChart();
    else this.redrawParallel();
  }

  /**
   * The keyboard's way to brush the parallel coordinates, which a pointer does by dragging along an
   * axis: an axis (the value's, or any parameter's, drawn or hidden) and the range to keep, from
   * and to. Choosing an axis fills in its brushed range; both bounds emptied clear it. A categorical
   * parameter's range runs from one choice to another, in the order of its choices.
   */
  private brushForm(): HTMLElement {
    const axes = this.axes();
    const axisSelect = h(
      "select",
      { "aria-label": "axis to brush", "data-testid": "brush-axis" },
      ...axes.map((axis) => h("option", { value: axis.id }, axis.id === "value" ? this.objectiveName : axis.distribution?.type === "categorical" ? `${axis.name} (categorical)` : axis.name)),
    );
    const bounds = h("span", { class: "brush-bounds" });
    const error = h("p", { class: "error brush-error", role: "alert", "data-testid": "brush-error", hidden: true });
    const apply = h("button", { type: "submit", "data-testid": "brush-apply" }, "brush");
    const clearAxis = h("button", { type: "button", "data-testid": "brush-clear" }, "clear axis");
    const form = h("form", { class: "brush-form", "aria-label": "brush an axis from the keyboard" }, h("label", {}, "brush ", axisSelect), bounds, apply, clearAxis, error);
    const chosen = (): AxisSpec => axes.find((axis) => axis.id === axisSelect.value) ?? axes[0]!;
    const controls = () => [...bounds.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")];
    /**
     * The bounds show the chosen axis's brushed range (or nothing); `rebuild` makes their controls
     * anew for another axis. Kept otherwise, so that the focus stays in the box Enter was pressed in.
     */
    const fill = (rebuild: boolean): void => {
      const axis = chosen();
      const distribution = axis.distribution;
      const ends = ["from", "to"] as const;
      if (rebuild) {
        clear(bounds);
        const [from, to] = ends.map((end) => {
          const label = `${axis.id === "value" ? "value" : axis.name} ${end}`;
          if (distribution?.type === "categorical") return h("select", { "aria-label": label, "data-testid": `brush-${end}` }, ...distribution.choices.map((choice, k) => h("option", { value: k }, String(choice))));
          const open = end === "from" ? distribution?.low : distribution?.high;
          return h("input", { type: "number", step: "any", placeholder: open === undefined ? (end === "from" ? "min" : "max") : formatNumber(open), "aria-label": label, "data-testid": `brush-${end}` });
        });
        bounds.append(from!, " to ", to!);
      }
      const interval = this.intervalOf(axis);
      controls().forEach((control, k) => {
        const at = interval?.[k];
        if (distribution?.type === "categorical") control.value = String(at ?? (k === 0 ? 0 : distribution.choices.length - 1));
        // The value's axis open at one end holds the largest number there.
        else control.value = at === undefined || Math.abs(at) === Number.MAX_VALUE ? "" : String(at);
      });
    };
    this.fillBrushForm = () => fill(false);
    const say = (message: string | null): void => {
      error.textContent = message ?? "";
      error.hidden = message === null;
    };
    axisSelect.addEventListener("change", () => {
      say(null);
      fill(true);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const axis = chosen();
      const name = axis.id === "value" ? "value" : axis.name;
      const [from, to] = controls();
      /** A bound as typed: a number, undefined when empty, or null (said) when it is no number. */
      const read = (control: HTMLInputElement | HTMLSelectElement | undefined, end: "from" | "to"): number | undefined | null => {
        if (!control) return undefined;
        if (control instanceof HTMLInputElement && control.validity.badInput) {
          say(`${name}: "${end}" is not a number`);
          return null;
        }
        return control.value.trim() === "" ? undefined : Number(control.value);
      };
      const low = read(from, "from");
      const high = read(to, "to");
      if (low === null || high === null) return;
      if (low !== undefined && high !== undefined && low > high) {
        say(`${name}: from ${formatNumber(low)} is above to ${formatNumber(high)}; swap them or change one`);
        return;
      }
      say(null);
      const distribution = axis.distribution;
      // A parameter's range needs both ends: an empty one is the end of the parameter's range.
      const range =
        low === undefined && high === undefined
          ? null
          : distribution && distribution.type !== "categorical"
            ? { low: low ?? distribution.low, high: high ?? distribution.high }
            : { low, high };
      void this.setAxisRange(axis, range);
    });
    clearAxis.addEventListener("click", () => {
      say(null);
      void this.setAxisRange(chosen(), null);
    });
    fill(true);
    return form;
  }

  /** The table's names of the study's objectives: "value (minimize)" for one, "objective 0", "objective 1", … for several. */
  private objectiveNames(): string[] {
    const directions = this.summary.study.directions;
    return directions.map((d, i) => (directions.length > 1 ? `objective ${i}` : `value (${d})`));
  }

  private async loadTable(): Promise<void> {
    const section = this.tableSection;
    const table = new TrialTable({
      study: this.name,
      params: this.summary.params.map((p) => p.name),
      objectives: this.objectiveNames(),
      query: this.query(),
      sort: this.view.sort,
      order: this.view.order,
      onSort: (sort, order) => void this.change({ sort, order }, "replace"),
      onOpen: this.openTrial,
      onRowsFailed: this.unlessUnavailable,
    });
    await table.load();
    if (this.stopped) return;
    this.table?.element.remove();
    this.table = table;
    section.appendChild(table.element);
    // The rows just fetched, not fetched again: the page's first answer is fresh.
    await table.redraw();
  }

  private async loadCurves(): Promise<void> {
    const panel = this.panels.get("curves")!;
    const curves = await get<Curves>(apiPath(`${this.base}/curves`, this.query()));
    if (this.stopped) return;
    this.shownNote(panel, curves, "trials with intermediate values");
    const { option, marks } = curvesOption(curves);
    draw(panel.plot, option, marks);
  }

  private async loadContour(): Promise<void> {
    const panel = this.panels.get("contour");
    if (!panel) return;
    const [x, y] = this.contourAxes();
    // A report carries the contours of some pairs only: another pair says so, as an analysis it lacks does.
    await this.analysis<Contour & { unavailable?: string }>(panel, apiPath(`${this.base}/contour`, { ...this.query(), x, y }), (contour) => {
      panel.note.textContent = `${contour.matched} trials in ${contour.cells.length} cells (every matched trial with both parameters and a value)`;
      const { option, marks } = contourOption(contour, this.summary.study.directions[0] === "minimize", { width: panel.plot.clientWidth, height: panel.plot.clientHeight, textWidth: measureAxisName });
      draw(panel.plot, option, marks);
    });
  }

  /** Importance and beliefs need enough complete trials; with too few the server says why, and so does the panel. */
  private async analysis<T extends { unavailable?: string }>(panel: Panel, path: string, show: (answer: T) => void): Promise<void> {
    let answer: T;
    try {
      answer = await get<T>(path);
    } catch (error) {
      if (this.stopped) return;
      // Only a report can lack an answer (one it did not include); a study gone is the page's to say.
      if (isStudyNotFound(error) || !(error instanceof ApiError) || error.status !== 404) throw error;
      panel.note.textContent = error.message;
      // A report's plot of another choice (a contour's pair) goes; a live page keeps its last state.
      if (isReport()) draw(panel.plot, {}, 0);
      return;
    }
    if (this.stopped) return;
    if (answer.unavailable !== undefined) {
      panel.note.textContent = answer.unavailable;
      draw(panel.plot, {}, 0);
      return;
    }
    show(answer);
  }

  private async loadImportance(): Promise<void> {
    const panel = this.panels.get("importance");
    if (!panel) return;
    await this.analysis<Importance>(panel, apiPath(`${this.base}/importance`, { ...this.query(), method: this.view.method ?? undefined }), (result) => {
      this.importance = result;
      const before = this.importanceOrder?.names.join("\n");
      this.importanceOrder = { names: [...result.params].sort((a, b) => b.importance - a.importance).map((p) => p.name), method: result.method };
      this.drawImportance();
      // The panels that show the most important parameters follow a new order (and only a new one:
      // drawing a wide study's parallel coordinates is costly).
      if (this.importanceOrder.names.join("\n") === before) return;
      if (this.summary.params.length > SLICE_PARAMS) this.drawSlice();
      if (this.summary.params.length > TOP_PARAMS) this.redrawParallel();
    });
  }

  /** The importance bars of the TOP_PARAMS most important parameters, or of all on request; taller as the bars grow many. */
  private drawImportance(): void {
    const panel = this.panels.get("importance");
    const result = this.importance;
    if (!panel || !result) return;
    const categorical = new Set(this.summary.params.filter((p) => p.distribution.type === "categorical").map((p) => p.name));
    const grey = result.params.some((p) => categorical.has(p.name)) ? "; grey: categorical (no order, so no sign)" : "";
    panel.note.textContent = `${result.method === "fanova" ? "fANOVA on a random forest" : "PED-ANOVA"} over ${result.nTrials} complete trials; red: larger values give larger objective values, blue: smaller${grey}`;
    panel.note.dataset.method = result.method;
    const shown = new Set(this.shownParams("importance", TOP_PARAMS).map((p) => p.name));
    const bars = result.params.filter((p) => shown.has(p.name));
    const { option, marks } = importanceOption(bars, categorical);
    const resized = setPlotHeight(panel.plot, bars.length > TOP_PARAMS ? `${40 + bars.length * IMPORTANCE_BAR_HEIGHT}px` : "");
    const chart = draw(panel.plot, option, marks);
    if (resized) chart.resize();
  }

  private async loadBeliefs(): Promise<void> {
    const panel = this.panels.get("beliefs");
    if (!panel) return;
    const second = this.beliefParam2();
    await this.analysis<Beliefs>(panel, apiPath(`${this.base}/beliefs`, { x: this.beliefParam(), y: second ?? undefined }), (beliefs) => {
      const through = Object.entries(beliefs.through)
        .filter(([name]) => !beliefs.params.includes(name))
        .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : String(v)}`)
        .join(", ");
      const held = through ? `; other parameters held at ${through}` : "";
      panel.note.textContent = `GP fitted to the latest ${beliefs.nTrials} complete trials (filters do not change the model)${held}`;
      panel.note.dataset.kind = beliefs.kind;
      if (beliefs.kind === "grid") {
        panel.note.textContent += `; posterior ${this.view.beliefStat} over ${beliefs.x.length} × ${beliefs.y?.length ?? 0} points`;
        const { option, marks } = beliefsGridOption(beliefs, this.view.beliefStat, this.summary.study.directions[0] !== "maximize");
        draw(panel.plot, option, marks);
      } else {
        const { option, marks } = beliefsOption(beliefs, this.objectiveName);
        draw(panel.plot, option, marks);
      }
    });
  }

  private async loadPareto(): Promise<void> {
    const pareto = await get<Pareto>(apiPath(`${this.base}/pareto`, { ...this.query(), maxPoints: MAX_POINTS }));
    if (this.stopped) return;
    this.pareto = pareto;
    this.drawPareto();
  }

  /** Draws the Pareto plot from the last answer, against the objectives picked. */
  private drawPareto(): void {
    const panel = this.panels.get("pareto");
    if (!panel || !this.pareto) return;
    const d = this.summary.study.directions;
    const [x, y] = this.paretoObjectives();
    // The menus show the objectives drawn: picking for x the one on y moves y to another.
    for (const [axis, k] of [["x", x], ["y", y]] as const) {
      const menu = panel.section.querySelector<HTMLSelectElement>(`[data-testid=pareto-${axis}]`);
      if (menu) menu.value = String(k);
    }
    this.shownNote(panel, this.pareto, "complete trials");
    if (d.length > 2) panel.note.textContent += `; the front is over all ${d.length} objectives, so here some of its trials lie among the dominated ones`;
    const { option, marks, ...links } = paretoOption(this.pareto, [`objective ${x} (${d[x]})`, `objective ${y} (${d[y]})`], [x, y]);
    this.linkTrials(panel, draw(panel.plot, option, marks), links);
  }

  private async loadEcdf(): Promise<void> {
    const panel = this.panels.get("ecdf")!;
    const ecdf = await get<Ecdf>(apiPath(`${this.base}/ecdf`, { ...this.query(), maxPoints: MAX_POINTS }));
    if (this.stopped) return;
    this.shownNote(panel, ecdf, `distinct values of ${ecdf.trials} complete trials`);
    const { option, marks } = ecdfOption(ecdf, this.objectiveName);
    draw(panel.plot, option, marks);
  }

  private async loadHypervolume(): Promise<void> {
    const panel = this.panels.get("hypervolume")!;
    await this.analysis<HypervolumeHistory>(panel, apiPath(`${this.base}/hypervolume`, { ...this.query(), maxPoints: MAX_POINTS }), (history) => {
      // The route sends only the trials where the value changes, which draw the same steps: that is
      // downsampling only when even those were too many.
      this.shownNote(panel, history, "complete, feasible trials");
      const downsampled = history.shown < history.changes ? `, ${history.shown} of them drawn (downsampled)` : "";
      panel.note.textContent = `${history.matched} complete, feasible trials; the line steps at the ${history.changes} where the hypervolume changes (with the first and the last)${downsampled}`;
      panel.note.textContent += `; reference point (${history.reference.map(formatNumber).join(", ")})`;
      // Too many objectives and trials for the exact value: the server estimates it.
      if (history.estimate) panel.note.textContent += `; estimated from ${history.estimate.samples} random samples (Monte Carlo), not exact`;
      panel.note.dataset.estimated = String(history.estimate !== null);
      const { option, marks } = hypervolumeOption(history);
      draw(panel.plot, option, marks);
    });
  }

  private async loadTimeline(): Promise<void> {
    const panel = this.panels.get("timeline")!;
    const timeline = await get<Timeline>(apiPath(`${this.base}/timeline`, { ...this.query(), maxPoints: MAX_POINTS }));
    if (this.stopped) return;
    this.shownNote(panel, timeline, "started trials");
    const { option, marks, rows, ...links } = timelineOption(timeline);
    // Taller as trials run side by side on more lanes (to a limit), so each lane stays a few pixels high.
    const resized = setPlotHeight(panel.plot, `${Math.min(TIMELINE_MAX_HEIGHT, Math.max(TIMELINE_MIN_HEIGHT, 50 + rows * 8))}px`);
    const chart = draw(panel.plot, option, marks);
    if (resized) chart.resize();
    this.linkTrials(panel, chart, links);
  }

  /** Opens a trial's panel: what a table row, a link and a plot's mark do. */
  private readonly openTrial = (number: number): void => void this.change({ trial: number });

  /** A click on a mark of the panel's plot, or Enter on the mark chosen with the keys, opens its trial. */
  private linkTrials(panel: Panel, chart: Chart, links: TrialLinks): void {
    linkTrials(panel.plot, `${panel.section.id}-plot`, chart, links, this.openTrial);
  }

  /** The trial panel: params, values, attributes, the stderr tail of a failed command. */
  private async showDetail(): Promise<void> {
    const number = this.view.trial;
    const focusInPanel = this.detail.contains(document.activeElement);
    if (this.detail.hidden && number !== null) {
      const active = document.activeElement;
      this.opener = active instanceof HTMLElement && active !== document.body ? active : null;
    }
    clear(this.detail);
    if (number === null) {
      this.detail.hidden = true;
      if (focusInPanel) this.returnFocus();
      return;
    }
    this.detail.hidden = false;
    const close = h("button", { type: "button", class: "close", "aria-label": "close" }, "×");
    close.addEventListener("click", () => void this.change({ trial: null }));
    this.detail.appendChild(close);
    // Keyboard users land in the panel they opened (Escape closes it).
    close.focus({ preventScroll: true });
    let trial: TrialJson;
    try {
      ({ trial } = await get<{ trial: TrialJson }>(`${this.base}/trials/${number}`));
    } catch (error) {
      let message = error instanceof Error ? error.message : String(error);
      if (this.saidUnavailable(error)) message = isStudyNotFound(error) ? `${STUDY_GONE}: its trials cannot be read.` : `${SERVER_SILENT}: the trial cannot be read.`;
      this.detail.appendChild(h("p", { class: "error" }, message));
      return;
    }
    const { stderrTail, failReason, ...system } = readAttr(trial.systemAttrs) as Record<string, unknown>;
    const userAttrs = readAttr(trial.userAttrs) as Record<string, unknown>;
    const table = (entries: [string, unknown][]) =>
      h("table", { class: "kv-table" }, h("tbody", {}, ...entries.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, typeof v === "number" ? formatNumber(v) : typeof v === "string" ? v : jsonText(v))))));
    // The last steps only, and said so: the heading counted all 1000 over a list of the last 50.
    const steps = Object.entries(trial.intermediate);
    const duration = trial.startedAt !== null && trial.finishedAt !== null ? `${((trial.finishedAt - trial.startedAt) / 1000).toFixed(2)} s` : "—";
    const parts: (Node | null)[] = [
      h("h2", { "data-testid": "detail-title" }, `Trial ${trial.number}`),
      h("p", {}, `${trial.state} · values ${trial.values?.map(formatNumber).join(", ") ?? "—"} · duration ${duration}`),
      h("h3", {}, "Parameters"),
      table(Object.entries(trial.params)),
      steps.length ? h("h3", {}, steps.length > INTERMEDIATE_SHOWN ? `Intermediate values (last ${INTERMEDIATE_SHOWN} of ${steps.length} steps)` : `Intermediate values (${steps.length} steps)`) : null,
      steps.length ? h("pre", { class: "small" }, steps.slice(-INTERMEDIATE_SHOWN).map(([s, v]) => `${s}: ${formatNumber(v)}`).join("\n")) : null,
      Object.keys(userAttrs).length ? h("h3", {}, "User attributes") : null,
      Object.keys(userAttrs).length ? table(Object.entries(userAttrs)) : null,
      typeof failReason === "string" ? h("p", { class: "error", "data-testid": "fail-reason" }, failReason) : null,
      typeof stderrTail === "string" && stderrTail !== "" ? h("h3", {}, "stderr (tail)") : null,
      typeof stderrTail === "string" && stderrTail !== "" ? h("pre", { class: "stderr", "data-testid": "stderr" }, stderrTail) : null,
      typeof system["pbt:member"] === "number" ? await this.lineagePart(trial.number) : null,
      Object.keys(system).length ? h("h3", {}, "System attributes (worker, lineage, …)") : null,
      Object.keys(system).length ? h("pre", { class: "small" }, jsonText(system)) : null,
    ];
    for (const part of parts) if (part) this.detail.appendChild(part);
  }

  /** Gives the focus back to what opened the trial panel; a table row redrawn since is found again by its place. */
  private returnFocus(): void {
    const opener = this.opener;
    this.opener = null;
    if (opener?.classList.contains("trow")) this.table?.focusActiveRow();
    else if (opener?.isConnected) opener.focus();
  }

  /** A link that opens another trial's detail. */
  private trialLink(number: number, testId?: string): HTMLElement {
    const link = h("a", { href: viewSearch({ ...this.view, trial: number }), ...(testId ? { "data-testid": testId } : {}) }, `trial ${number}`);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      void this.change({ trial: number });
    });
    return link;
  }

  /** A population (PBT) segment's place: member, segment, parent, exploit, checkpoint, and the member's chain of segments. */
  private async lineagePart(number: number): Promise<HTMLElement | null> {
    let answer: Lineage;
    try {
      answer = await get<Lineage>(`${this.base}/trials/${number}/lineage`);
    } catch (error) {
      return h("p", { class: "muted" }, `lineage: ${error instanceof Error ? error.message : String(error)}`);
    }
    const lineage = answer.lineage;
    if (!lineage) return null;
    const own = lineage.segment;
    const row = (key: string, ...value: (string | Node)[]) => h("tr", {}, h("th", {}, key), h("td", {}, ...value));
    const facts = h(
      "table",
      { class: "kv-table", "data-testid": "lineage" },
      h(
        "tbody",
        {},
        row("member", String(lineage.member)),
        row("segment", String(own.segment)),
        row("parent", ...(own.parent === null ? ["— (first segment)"] : [this.trialLink(own.parent, "lineage-parent"), own.parentMember !== null ? ` (member ${own.parentMember})` : ""])),
        row(
          "exploited from",
          own.undecided ? "— (decided when a worker starts it)" : own.exploitedFrom === null ? "— (continued its own line)" : `member ${own.exploitedFrom}`,
        ),
        row("checkpoint", own.checkpoint ?? "—"),
        row("saved", own.saved ?? "—"),
      ),
    );
    const chain = h(
      "ul",
      { class: "lineage-chain", "data-testid": "lineage-chain" },
      ...lineage.chain.map((s) =>
        h(
          "li",
          { "data-trial": String(s.trial), class: s.trial === own.trial ? "current" : "" },
          `segment ${s.segment}: `,
          s.trial === own.trial ? h("strong", {}, `trial ${s.trial}`) : this.trialLink(s.trial),
          ` · ${s.state} · ${s.value === null ? "—" : formatNumber(s.value)}`,
          s.exploitedFrom !== null ? ` · exploited member ${s.exploitedFrom}` : "",
        ),
      ),
    );
    return h("div", { class: "lineage" }, h("h3", {}, `Population lineage (member ${lineage.member})`), facts, h("h4", {}, "The member's segments"), chain);
  }

  /** Reads what changed since the last `seq` and merges it in; the answer carries only changed trials. */
  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const changes = await get<TrialChanges>(apiPath(`${this.base}/trials`, { since: this.seq, limit: 1000 }));
      if (this.stopped) return;
      this.liveStatus.hidden = true;
      // A study deleted and created again under its name counts its changes anew: its seq may be
      // below the one this page reached, which only the summary's study id tells apart.
      const maybeAnotherStudy = this.studyLost || changes.seq < this.seq;
      if (changes.trials.length > 0 || maybeAnotherStudy) {
        // The summary first: the merge takes the study's trial count from it.
        const summary = await get<Summary>(`${this.base}/summary`);
        if (this.stopped) return;
        this.studyLost = false;
        if (summary.study.id !== this.summary.study.id) {
          // Nothing shown belongs to this study, and its changes below the old seq were never read.
          await this.reload(summary);
          this.slowPending = false;
          return;
        }
        if (changes.trials.length > 0) {
          this.slowPending = true;
          this.seq = changes.seq;
          this.summary = summary;
          this.merge(changes.trials);
          if (layoutShape(this.summary) !== this.laidOutFor) {
            // A study watched from its start gains its parameters (and learning curves) as trials
            // arrive; the panels that show them exist only once there is something to show.
            await this.reload(summary);
            this.slowPending = false;
            return;
          }
          this.fillSummary(this.summaryBody);
          await this.table?.refresh();
          if (this.stopped) return;
        }
      }
      // The slow panels redraw at most every 5 s, and also once the changes stop: the last trials
      // of a run used to stay undrawn there until a reload.
      if (this.slowPending && performance.now() - this.lastSlowRefresh > 5000) {
        this.lastSlowRefresh = performance.now();
        this.slowPending = false;
        await Promise.allSettled([
          this.loadTimeline(),
          this.panels.has("curves") ? this.loadCurves() : null,
          this.panels.has("pareto") ? this.loadPareto() : null,
          this.panels.has("hypervolume") ? this.loadHypervolume() : null,
          this.loadEcdf(),
          this.loadContour(),
          this.loadImportance(),
          this.loadBeliefs(),
        ]);
      }
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiError && error.status === 401) {
        // Retrying with the refused token would say "the server does not answer" forever.
        this.stop();
        this.onTokenRefused(error);
        return;
      }
      console.warn("sextant: live update failed; retrying", error);
      // Another failure (an answer of 500) is said the same way: the poll tries again.
      if (!this.saidUnavailable(error)) this.sayLive(SERVER_SILENT_LINE);
    } finally {
      if (!this.stopped) this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
    }
  }

  private merge(trials: TrialJson[]): void {
    const distributions = new Map(this.summary.params.map((p) => [p.name, p.distribution]));
    /** Merges the trials into `points`; answers whether any drawn line (a trial with a value) changed. */
    const mergeInto = (points: Points | null, filter: Filter): boolean => {
      if (!points) return false;
      let drawnChanged = false;
      let at = new Map(points.numbers.map((n, i) => [n, i]));
      const direction = this.summary.study.directions[0];
      if (!points.constrained && trials.some((t) => t.state === "complete" && constraintsOf(t) !== null)) {
        // The study has just become constrained: every earlier complete trial lacks constraint
        // values, so none of them can be the best any more (the server's rule, feasibilityRule).
        points.constrained = true;
        points.best = [];
        // Nor is any of them feasible: none reported constraint values.
        points.feasible = points.states.map((state) => (state === "complete" ? false : null));
      }
      const improvements: { number: number; value: number }[] = [];
      for (const trial of trials) {
        // A NaN or ±Infinity value (a diverged run) is no point, as in the server's points: it came as a string.
        const value = plottable(trial.values?.[0]);
        const inside = passes(filter, { state: trial.state, value, coordinate: (name) => coordinateOf(distributions.get(name), trial.params[name]) });
        const i = at.get(trial.number);
        if (!inside) {
          // A trial that left the filter (a running one that finished, under state=running)
          // leaves the points too: it used to stay counted as matching.
          if (i !== undefined) {
            if (points.values[i] !== null) drawnChanged = true;
            points.numbers.splice(i, 1);
            points.states.splice(i, 1);
            points.values.splice(i, 1);
            points.sample.splice(i, 1);
            points.feasible.splice(i, 1);
            for (const name of Object.keys(points.params)) points.params[name]!.splice(i, 1);
            points.matched--;
            points.shown--;
            at = new Map(points.numbers.map((n, k) => [n, k]));
          }
          continue;
        }
        if (value !== null || (i !== undefined && points.values[i] !== null)) drawnChanged = true;
        if (i === undefined) {
          at.set(trial.number, points.numbers.length);
          points.numbers.push(trial.number);
          points.states.push(trial.state);
          points.values.push(value);
          // A live trial is drawn everywhere, as every trial is when none was dropped.
          points.sample.push(true);
          points.feasible.push(trial.state === "complete" ? feasible(trial, points.constrained) : null);
          for (const name of Object.keys(points.params)) points.params[name]!.push(trial.params[name] ?? null);
          points.matched++;
          points.shown++;
        } else {
          points.states[i] = trial.state;
          points.values[i] = value;
          points.feasible[i] = trial.state === "complete" ? feasible(trial, points.constrained) : null;
          // A trial first seen running may have had no parameters yet (a model's suggestion is
          // written when it starts): they come with a later change.
          for (const name of Object.keys(points.params)) points.params[name]![i] = trial.params[name] ?? null;
        }
        if (trial.state === "complete" && value !== null && feasible(trial, points.constrained)) improvements.push({ number: trial.number, value });
      }
      points.best = bestSteps([...points.best, ...improvements], direction);
      // Every trial of the study, matching or not (it counted only the matching new ones).
      points.total = this.summary.trialCount;
      return drawnChanged;
    };
    mergeInto(this.points, this.view.filter);
    const parallelChanged = mergeInto(this.parallelPoints, { states: this.view.filter.states, ranges: {} });
    if (this.points) this.drawPoints();
    if (this.parallelPoints && this.panels.has("parallel")) {
      // Drawing a wide study's lines is costly: trials without a value (running ones) change only the count.
      if (!parallelChanged) this.parallelNote();
      else this.redrawParallel();
    }
  }
}

/**
 * The points of the random sample of the matched trials (see `Points.sample`): what the slice and
 * the parallel coordinates draw, which the history's outline (each stretch's lowest and highest
 * value) showed as two bands at 100,000 trials, at the best and the worst values.
 */
function sampleOf(points: Points): Points {
  if (points.sample.every(Boolean)) return points;
  const at = points.numbers.flatMap((_, i) => (points.sample[i] ? [i] : []));
  const pick = <T>(column: T[]): T[] => at.map((i) => column[i]!);
  return {
    ...points,
    shown: at.length,
    numbers: pick(points.numbers),
    states: pick(points.states),
    values: pick(points.values),
    feasible: pick(points.feasible),
    params: Object.fromEntries(Object.entries(points.params).map(([name, column]) => [name, pick(column)])),
    sample: at.map(() => true),
  };
}

/**
 * The best-so-far steps over `candidates` in trial-number order, as the server draws them: each
 * trial better than every earlier one. Workers finish trials out of order, so a trial that arrives
 * late can be better than steps already drawn after it, which it removes. The earlier steps and the
 * trials that arrived since are enough: a trial that was no step stays beaten by an earlier one.
 */
function bestSteps(candidates: { number: number; value: number }[], direction: "minimize" | "maximize" | undefined): { number: number; value: number }[] {
  const steps: { number: number; value: number }[] = [];
  for (const candidate of [...candidates].sort((a, b) => a.number - b.number)) {
    const last = steps.at(-1);
    if (!last || (direction === "maximize" ? candidate.value > last.value : candidate.value < last.value)) steps.push(candidate);
  }
  return steps;
}

/** A trial's constraint values, or null when it has none. */
function constraintsOf(trial: TrialJson): unknown[] | null {
  const constraints = readAttr(trial.systemAttrs.constraints);
  return Array.isArray(constraints) ? constraints : null;
}

/**
 * The server's feasibility rule (feasibilityRule in src/analysis/pareto.ts): every constraint value
 * at most 0; in a constrained study a trial without constraint values is of unknown feasibility
 * and counts as infeasible, so it never becomes the best.
 */
function feasible(trial: TrialJson, constrained: boolean): boolean {
  const constraints = constraintsOf(trial);
  if (constraints === null) return !constrained;
  return constraints.every((c) => typeof c === "number" && c <= 0);
}
