/**
 * The trial table: sorted and filtered on the server, fetched a page at a time, and virtualized,
 * so only the rows in view exist in the page whether the study has 100 trials or 100,000. The
 * scroll bar spans every matched trial; "page" jumps to any of them.
 *
 * It is an ARIA grid with two tab stops, each a roving tabindex. The header's sort buttons are
 * one: Tab lands on one of them, Left/Right and Home/End move between them, Enter or Space sorts
 * (the focus stays on the button: sorting redraws the rows, not the header), and Down goes to the
 * rows. The rows are the other: Tab lands on one row, Up/Down, Page Up/Down and Home/End move
 * through every matched trial (the rows are drawn as the focus reaches them; Up from the first
 * goes back to the header), Left/Right scroll the columns, and Enter or Space opens the trial, as
 * a click does.
 */
import { type TablePage, type TableRow, apiPath, get, isReport, studyPath } from "./api.js";
import { formatDuration, formatNumber, h } from "./dom.js";

const ROW_HEIGHT = 26;
const FETCH_SIZE = 100;
export const PAGE_SIZE = 50;
/** How far Left and Right scroll the columns: a browser's own step for an arrow key. */
const SIDE_STEP = 40;

export interface TableOptions {
  study: string;
  params: string[];
  /** One column per objective, named so; each sorts (by `value` for the first, `value:K` for objective K). */
  objectives: string[];
  query: Record<string, string | number | undefined>;
  sort: string;
  order: "asc" | "desc";
  onSort: (sort: string, order: "asc" | "desc") => void;
  onOpen: (number: number) => void;
  /** Rows the table fetched on its own (scrolled, paged, moved through with the keys) did not come. */
  onRowsFailed: (error: unknown) => void;
}

export class TrialTable {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly header: HTMLElement;
  private readonly status: HTMLElement;
  private readonly pageInput: HTMLInputElement;
  private readonly pages = new Map<number, Promise<TablePage>>();
  private matched = 0;
  private frame = 0;
  /** The row that holds the tab stop, by its place in the sorted, filtered list. */
  private activeIndex = 0;
  /** A key moved the active row: focus it once it is drawn. */
  private focusPending = false;
  /** What each drawn row shows, so a redraw keeps the rows that did not change (and the focus in them). */
  private readonly drawn = new WeakMap<Element, string>();
  /** Counts resorts and refreshes: a redraw that awaited rows of an earlier one draws nothing. */
  private generation = 0;
  /** The sort button that holds the header's tab stop (the sorted column's until another takes the focus). */
  private headerStop: string;
  /** Counts the sorts asked for: the rows of one asked for before another are not shown. */
  private sortsAsked = 0;

  constructor(private options: TableOptions) {
    const columns = this.columns();
    this.header = h("div", { class: "trow thead", role: "row", "aria-rowindex": 1 });
    for (const column of columns) {
      const cell = h("span", { class: column.cls, role: "columnheader", title: column.title });
      if (column.sortable) {
        // The arrow sits beside the label, not in it: a long label is cut short, the arrow never.
        const button = h("button", { class: "th", type: "button", "data-sort": column.key, title: `sort by ${column.title}`, tabindex: -1 }, h("span", { class: "th-label" }, column.label), h("span", { class: "th-arrow", "aria-hidden": "true" }));
        button.addEventListener("click", () => this.options.onSort(column.key, this.options.sort === column.key && this.options.order === "asc" ? "desc" : "asc"));
        cell.appendChild(button);
      } else cell.appendChild(h("span", { class: "th-label" }, column.label));
      this.header.appendChild(cell);
    }
    const header = this.header;
    this.headerStop = columns.some((c) => c.sortable && c.key === options.sort) ? options.sort : columns[0]!.key;
    this.setHeaderStop(this.headerStop);
    this.showSort();
    header.addEventListener("keydown", (event) => this.onHeaderKey(event));
    header.addEventListener("focusin", (event) => {
      if (event.target instanceof HTMLButtonElement && event.target.dataset.sort) this.setHeaderStop(event.target.dataset.sort);
    });
    this.spacer = h("div", { class: "tspacer" });
    // The header sits in the scrolling box (sticky), so it scrolls sideways with the rows. The box
    // itself is no tab stop: its rows are, and moving through them scrolls it.
    this.viewport = h("div", { class: "tviewport", role: "grid", "aria-label": "trials", "aria-readonly": "true", "aria-colcount": columns.length }, header, this.spacer);
    this.viewport.addEventListener("scroll", () => this.schedule());
    this.viewport.addEventListener("keydown", (event) => this.onKey(event));
    // Tab through the sort buttons scrolls sideways to the last column; the row it then reaches
    // shows from its start, trial number first.
    this.viewport.addEventListener("focusin", (event) => {
      if (event.target !== header && event.relatedTarget instanceof Node && header.contains(event.relatedTarget) && this.focusedRow()) this.viewport.scrollLeft = 0;
    });
    this.status = h("span", { class: "tstatus", "data-testid": "table-status" });
    this.pageInput = h("input", { type: "number", min: 1, value: 1, "aria-label": "page", class: "page-input" });
    const go = h("button", { type: "button", class: "page-go" }, "Go");
    const jump = () => this.jumpToPage(Number(this.pageInput.value));
    go.addEventListener("click", jump);
    this.pageInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") jump();
    });
    const prev = h("button", { type: "button", class: "page-prev" }, "‹ prev");
    const next = h("button", { type: "button", class: "page-next" }, "next ›");
    prev.addEventListener("click", () => this.jumpToPage(this.currentPage() - 1));
    next.addEventListener("click", () => this.jumpToPage(this.currentPage() + 1));
    this.element = h("div", { class: "table", "data-testid": "trial-table" }, h("div", { class: "tbar" }, this.status, h("span", { class: "pager" }, prev, " page ", this.pageInput, go, " ", next)), this.viewport);
  }

  private columns(): TableColumn[] {
    return tableColumns(this.options.objectives, this.options.params);
  }

  /** Marks the sorted column: its arrow, and `aria-sort` on its header cell. */
  private showSort(): void {
    for (const button of this.sortButtons()) {
      const active = button.dataset.sort === this.options.sort;
      button.querySelector(".th-arrow")!.textContent = active ? (this.options.order === "asc" ? " ▲" : " ▼") : "";
      const cell = button.parentElement!;
      if (active) cell.setAttribute("aria-sort", this.options.order === "asc" ? "ascending" : "descending");
      else cell.removeAttribute("aria-sort");
    }
  }

  private sortButtons(): HTMLButtonElement[] {
    return [...this.header.querySelectorAll<HTMLButtonElement>("button[data-sort]")];
  }

  /** Moves the header's tab stop to the button that sorts by `key`. */
  private setHeaderStop(key: string): void {
    this.headerStop = key;
    for (const button of this.sortButtons()) button.tabIndex = button.dataset.sort === key ? 0 : -1;
  }

  private onHeaderKey(event: KeyboardEvent): void {
    const buttons = this.sortButtons();
    const at = buttons.indexOf(event.target as HTMLButtonElement);
    if (at < 0 || event.altKey || event.metaKey || event.ctrlKey) return;
    let target: number;
    switch (event.key) {
      case "ArrowLeft":
        target = at - 1;
        break;
      case "ArrowRight":
        target = at + 1;
        break;
      case "Home":
        target = 0;
        break;
      case "End":
        target = buttons.length - 1;
        break;
      case "ArrowDown":
        event.preventDefault();
        if (this.matched > 0) this.moveTo(this.activeIndex);
        return;
      default:
        return;
    }
    this.focusPending = false;
    // Also keeps the keys from scrolling the box the header sits in.
    event.preventDefault();
    const button = buttons[Math.min(buttons.length - 1, Math.max(0, target))]!;
    this.setHeaderStop(button.dataset.sort!);
    button.focus();
  }

  /**
   * Sorts by another column: the rows are fetched and drawn again from the first, while the header
   * (and the focus on the sort button pressed) stays. The header's arrow moves with the rows, once
   * they come: it moved at once, and a sort the server did not answer left it over the rows of the
   * order before.
   */
  async setSort(sort: string, order: "asc" | "desc"): Promise<void> {
    if (sort === this.options.sort && order === this.options.order) return;
    const asked = ++this.sortsAsked;
    const sorted = { ...this.options, sort, order };
    const first = await get<TablePage>(this.pagePath(sorted, 0));
    if (asked !== this.sortsAsked) return;
    this.options = sorted;
    this.showSort();
    this.generation++;
    this.pages.clear();
    // load() finds the first page here, fetched already.
    this.pages.set(0, Promise.resolve(first));
    this.activeIndex = 0;
    this.focusPending = false;
    this.viewport.scrollTop = 0;
    await this.load();
  }

  /** The request for the rows of page `index` (of FETCH_SIZE rows) in the filter and order of `options`. */
  private pagePath(options: TableOptions, index: number): string {
    return apiPath(`${studyPath(options.study)}/table`, { ...options.query, sort: options.sort, order: options.order, offset: index * FETCH_SIZE, limit: FETCH_SIZE });
  }

  private fetchPage(index: number): Promise<TablePage> {
    let page = this.pages.get(index);
    if (!page) {
      page = get<TablePage>(this.pagePath(this.options, index));
      this.pages.set(index, page);
      page.catch(() => this.pages.delete(index));
    }
    return page;
  }

  /** Loads the first rows; resolves once they are on screen. */
  async load(): Promise<void> {
    const first = await this.fetchPage(0);
    this.setCounts(first.matched, first.total);
    await this.render();
  }

  /**
   * Draws the rows in view again from the pages already fetched: once the table is in the
   * document, where its height (and so the rows it shows) is known.
   */
  async redraw(): Promise<void> {
    await this.render();
  }

  /** Forgets cached pages (the study changed) and draws again where the reader is. */
  async refresh(): Promise<void> {
    this.generation++;
    this.pages.clear();
    const first = await this.fetchPage(Math.floor(this.viewport.scrollTop / ROW_HEIGHT / FETCH_SIZE));
    this.setCounts(first.matched, first.total);
    await this.render();
  }

  private setCounts(matched: number, total: number): void {
    this.matched = matched;
    this.spacer.style.height = `${Math.max(1, matched) * ROW_HEIGHT}px`;
    this.spacer.style.width = `${this.rowWidth()}px`;
    // A report of a large study holds the first rows of each order only (it has no filter).
    this.status.textContent =
      matched === total ? `${total} trials` : isReport() ? `the first ${matched} of ${total} trials in this order (\`sextant dashboard\` shows every one)` : `${matched} of ${total} trials match the filter`;
    this.status.dataset.matched = String(matched);
    this.status.dataset.total = String(total);
    this.pageInput.max = String(this.pageCount());
    this.viewport.setAttribute("aria-rowcount", String(matched + 1));
    this.activeIndex = Math.min(this.activeIndex, Math.max(0, matched - 1));
  }

  /** Matches the column widths in style.css. */
  private rowWidth(): number {
    return 70 + 80 + 120 * Math.max(1, this.options.objectives.length) + 90 + 120 * this.options.params.length;
  }

  private pageCount(): number {
    return Math.max(1, Math.ceil(this.matched / PAGE_SIZE));
  }

  private currentPage(): number {
    return Math.floor(this.viewport.scrollTop / ROW_HEIGHT / PAGE_SIZE + 1e-9) + 1;
  }

  jumpToPage(page: number): void {
    const target = Math.min(this.pageCount(), Math.max(1, Math.floor(page) || 1));
    // The box says where the table went: it kept a page past the end (or 0) as typed, since it is
    // not rewritten while it has the focus, and Enter leaves the focus there.
    this.pageInput.value = String(target);
    this.viewport.scrollTop = (target - 1) * PAGE_SIZE * ROW_HEIGHT;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render().catch(this.options.onRowsFailed);
    });
  }

  /** The indices of the rows wholly in view (below the sticky header, which is one row high). */
  private visibleRows(): [number, number] {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 400;
    const first = Math.ceil(top / ROW_HEIGHT - 1e-9);
    return [first, Math.max(first, Math.floor((top + height) / ROW_HEIGHT + 1e-9) - 2)];
  }

  private async render(): Promise<void> {
    const generation = this.generation;
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
    const last = Math.min(this.matched, Math.ceil((top + height) / ROW_HEIGHT) + 5);
    // Scrolled by the wheel or the pager while the focus is elsewhere: Tab comes back to a row in view.
    if (this.focusedRow() === null && !this.focusPending) {
      const [firstVisible, lastVisible] = this.visibleRows();
      if (this.activeIndex < firstVisible || this.activeIndex > lastVisible) this.activeIndex = Math.min(firstVisible, Math.max(0, this.matched - 1));
    }
    const needed = new Set<number>();
    for (let i = first; i < last; i += FETCH_SIZE) needed.add(Math.floor(i / FETCH_SIZE));
    if (last > first) needed.add(Math.floor((last - 1) / FETCH_SIZE));
    // The active row is drawn even out of view, so the tab stop (and a focus in it) never goes away.
    if (this.activeIndex < this.matched) needed.add(Math.floor(this.activeIndex / FETCH_SIZE));
    const pages = new Map<number, TablePage>();
    await Promise.all([...needed].map(async (p) => pages.set(p, await this.fetchPage(p))));
    // Rows of an earlier sort (or before a refresh): the redraw that followed it draws the rows.
    if (generation !== this.generation) return;
    if (this.viewport.scrollTop !== top) return this.schedule();
    const indices: number[] = [];
    for (let i = first; i < last; i++) indices.push(i);
    if (this.activeIndex < this.matched && (this.activeIndex < first || this.activeIndex >= last)) indices.push(this.activeIndex);
    indices.sort((a, b) => a - b);
    const rows = new Map<number, TableRow>();
    for (const i of indices) {
      const row = pages.get(Math.floor(i / FETCH_SIZE))?.rows[i % FETCH_SIZE];
      if (row) rows.set(i, row);
    }
    // The focus stays in the table (a key moved it, from a row or from the header, or a row shown
    // again keeps it); if the reader went elsewhere meanwhile, it is not pulled back.
    const focus = document.activeElement;
    const keepFocus = this.focusedRow() !== null || (this.focusPending && (focus === null || focus === document.body || this.header.contains(focus)));
    this.focusPending &&= keepFocus;
    // A row that shows the same trial as before stays in the page: replacing the focused one
    // would drop the focus (and make a screen reader read it again) at every live update.
    const kept = new Map<number, HTMLElement>();
    for (const old of [...this.viewport.querySelectorAll<HTMLElement>(".trow:not(.thead)")]) {
      const index = Number(old.dataset.index);
      const row = rows.get(index);
      if (row && this.drawn.get(old) === JSON.stringify(row) && !kept.has(index)) kept.set(index, old);
      else old.remove();
    }
    let previous: Element = this.spacer;
    for (const [index, row] of rows) {
      let element = kept.get(index);
      if (!element) {
        element = this.rowElement(row, index);
        previous.after(element);
      }
      element.tabIndex = index === this.activeIndex ? 0 : -1;
      previous = element;
    }
    if (keepFocus) {
      const active = this.rowAt(this.activeIndex);
      if (active) {
        this.focusPending = false;
        if (document.activeElement !== active) active.focus({ preventScroll: true });
      }
    }
    if (document.activeElement !== this.pageInput) this.pageInput.value = String(this.currentPage());
    this.element.dataset.page = String(this.currentPage());
  }

  private rowAt(index: number): HTMLElement | null {
    return this.viewport.querySelector<HTMLElement>(`.trow[data-index="${index}"]`);
  }

  private focusedRow(): HTMLElement | null {
    const active = document.activeElement;
    return active instanceof HTMLElement && active.parentElement === this.viewport && active.classList.contains("trow") && !active.classList.contains("thead") ? active : null;
  }

  /** Puts the focus back on the active row (after the trial panel it opened closes). */
  focusActiveRow(): void {
    this.focusPending = true;
    const active = this.rowAt(this.activeIndex);
    if (active) {
      this.focusPending = false;
      active.focus();
    } else this.schedule();
  }

  private focusHeader(): void {
    const button = this.sortButtons().find((b) => b.dataset.sort === this.headerStop);
    button?.focus();
  }

  private onKey(event: KeyboardEvent): void {
    const row = this.focusedRow();
    if (!row || event.target !== row || event.altKey || event.metaKey) return;
    // Keys pressed faster than the rows they reach are fetched count from where the focus is going.
    const index = this.focusPending ? this.activeIndex : Number(row.dataset.index);
    const [firstVisible, lastVisible] = this.visibleRows();
    const pageRows = Math.max(1, lastVisible - firstVisible);
    let target: number;
    switch (event.key) {
      case "Enter":
      case " ":
        event.preventDefault();
        this.options.onOpen(Number(row.dataset.number));
        return;
      case "ArrowDown":
        target = index + 1;
        break;
      case "ArrowUp":
        if (index === 0) {
          // Up from the first row goes to the column headers, as in a grid.
          event.preventDefault();
          this.focusHeader();
          return;
        }
        target = index - 1;
        break;
      case "PageDown":
        target = index + pageRows;
        break;
      case "PageUp":
        target = index - pageRows;
        break;
      case "Home":
        target = 0;
        break;
      case "End":
        target = this.matched - 1;
        break;
      case "ArrowLeft":
      case "ArrowRight":
        // A focused row does not scroll the box it sits in as the box itself did: the keys would do nothing.
        event.preventDefault();
        this.viewport.scrollLeft += event.key === "ArrowRight" ? SIDE_STEP : -SIDE_STEP;
        return;
      default:
        return;
    }
    event.preventDefault();
    this.moveTo(Math.min(this.matched - 1, Math.max(0, target)));
  }

  /** Makes row `index` the active one: scrolls it into view and focuses it, now if it is drawn, else once it is. */
  private moveTo(index: number): void {
    this.activeIndex = index;
    const [firstVisible, lastVisible] = this.visibleRows();
    if (index < firstVisible) this.viewport.scrollTop = index * ROW_HEIGHT;
    else if (index > lastVisible) this.viewport.scrollTop = (index + 2) * ROW_HEIGHT - this.viewport.clientHeight;
    const row = this.rowAt(index);
    if (row) {
      this.setActive(index);
      row.focus({ preventScroll: true });
    } else this.focusPending = true;
    this.schedule();
  }

  /** Moves the tab stop to row `index` among the drawn rows (a redraw draws it if it is not). */
  private setActive(index: number): void {
    this.activeIndex = index;
    for (const other of this.viewport.querySelectorAll<HTMLElement>('.trow[tabindex="0"]')) other.tabIndex = -1;
    const row = this.rowAt(index);
    if (row) row.tabIndex = 0;
  }

  private rowElement(row: TableRow, index: number): HTMLElement {
    const element = h(
      "div",
      { class: `trow s-${row.state}${row.feasible === false ? " infeasible" : ""}`, role: "row", "aria-rowindex": index + 2, tabindex: -1, "data-number": row.number, "data-index": index },
      h("span", { class: "c-num", role: "gridcell" }, row.number),
      // As sextant trials notes it: an infeasible trial with the best value read as the best.
      h("span", { class: "c-state", role: "gridcell", title: constraintsTitle(row) }, row.feasible === false ? "infeasible" : row.state),
      ...Array.from({ length: Math.max(1, this.options.objectives.length) }, (_, k) => h("span", { class: "c-val", role: "gridcell" }, formatNumber(row.values?.[k]))),
      h("span", { class: "c-dur", role: "gridcell" }, formatDuration(row.durationMs)),
      ...this.options.params.map((name) => h("span", { class: "c-param", role: "gridcell" }, name in row.params ? (typeof row.params[name] === "number" ? formatNumber(row.params[name] as number) : String(row.params[name])) : "—")),
    );
    this.drawn.set(element, JSON.stringify(row));
    // Below the sticky header, which is one row high.
    element.style.top = `${(index + 1) * ROW_HEIGHT}px`;
    element.addEventListener("click", () => {
      // The click focused the row; it becomes the tab stop.
      this.setActive(index);
      this.options.onOpen(row.number);
    });
    return element;
  }
}

/** The state cell's tooltip: the trial's constraint values, or why a trial without any is infeasible. */
function constraintsTitle(row: TableRow): string | undefined {
  // Only complete trials are judged: "infeasible" stands for "complete, infeasible" in the narrow column.
  const judged = row.feasible === false ? "complete, infeasible: " : "";
  if (row.constraints) return `${judged}constraints: ${row.constraints.map((c) => formatNumber(c)).join(", ")} (feasible when every one is <= 0)`;
  if (row.feasible === false) return `${judged}no constraint values reported, in a study whose trials have them (unknown feasibility, so never the best)`;
  return undefined;
}

/** A column of the trial table; its `key` is what the address bar's `sort` names. */
export interface TableColumn {
  key: string;
  label: string;
  title: string;
  cls: string;
  sortable: boolean;
}

/** The trial table's columns for a study's objectives (their names) and parameters. */
export function tableColumns(objectives: readonly string[], params: readonly string[]): TableColumn[] {
  return [
    { key: "number", label: "#", title: "trial number", cls: "c-num", sortable: true },
    { key: "state", label: "state", title: "state", cls: "c-state", sortable: true },
    // One column per objective: the values of three objectives in one column were cut off after
    // the first. The first keeps the key `value` (addresses with sort=value still mean it).
    ...objectives.map((name, k) => ({ key: k === 0 ? "value" : `value:${k}`, label: k === 0 && objectives.length === 1 ? "value" : name, title: name, cls: "c-val", sortable: true })),
    { key: "duration", label: "duration", title: "duration", cls: "c-dur", sortable: true },
    ...params.map((name) => ({ key: `param:${name}`, label: name, title: name, cls: "c-param", sortable: true })),
  ];
}
