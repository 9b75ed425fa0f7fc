/**
 * The trial table: sorted and filtered on the server, fetched a page at a time, and virtualized,
 * so only the rows in view exist in the page whether the study has 100 trials or 100,000. The
 * scroll bar spans every matched trial; "page" jumps to any of them.
 */
import { type TablePage, type TableRow, apiPath, get, studyPath } from "./api.js";
import { formatDuration, formatNumber, h } from "./dom.js";

const ROW_HEIGHT = 26;
const FETCH_SIZE = 100;
export const PAGE_SIZE = 50;

export interface TableOptions {
  study: string;
  params: string[];
  objectives: string[];
  query: Record<string, string | number | undefined>;
  sort: string;
  order: "asc" | "desc";
  onSort: (sort: string, order: "asc" | "desc") => void;
  onOpen: (number: number) => void;
}

export class TrialTable {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly status: HTMLElement;
  private readonly pageInput: HTMLInputElement;
  private readonly pages = new Map<number, Promise<TablePage>>();
  private matched = 0;
  private total = 0;
  private frame = 0;

  constructor(private options: TableOptions) {
    const columns = this.columns();
    const header = h("div", { class: "trow thead", role: "row" });
    for (const column of columns) {
      const active = options.sort === column.key;
      const button = h("button", { class: `th ${column.cls}`, type: "button", "data-sort": column.key, title: `sort by ${column.label}` }, column.label, active ? (options.order === "asc" ? " ▲" : " ▼") : "");
      button.addEventListener("click", () => options.onSort(column.key, active && options.order === "asc" ? "desc" : "asc"));
      header.appendChild(button);
    }
    this.spacer = h("div", { class: "tspacer" });
    // The header sits in the scrolling box (sticky), so it scrolls sideways with the rows.
    this.viewport = h("div", { class: "tviewport", role: "rowgroup", tabindex: 0 }, header, this.spacer);
    this.viewport.addEventListener("scroll", () => this.schedule());
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

  private columns(): { key: string; label: string; cls: string }[] {
    return [
      { key: "number", label: "#", cls: "c-num" },
      { key: "state", label: "state", cls: "c-state" },
      { key: "value", label: this.options.objectives.length > 1 ? `values (sorted by ${this.options.objectives[0]})` : "value", cls: "c-val" },
      { key: "duration", label: "duration", cls: "c-dur" },
      ...this.options.params.map((name) => ({ key: `param:${name}`, label: name, cls: "c-param" })),
    ];
  }

  private fetchPage(index: number): Promise<TablePage> {
    let page = this.pages.get(index);
    if (!page) {
      page = get<TablePage>(apiPath(`${studyPath(this.options.study)}/table`, { ...this.options.query, sort: this.options.sort, order: this.options.order, offset: index * FETCH_SIZE, limit: FETCH_SIZE }));
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

  /** Forgets cached pages (the study changed) and draws again where the reader is. */
  async refresh(): Promise<void> {
    this.pages.clear();
    const first = await this.fetchPage(Math.floor(this.viewport.scrollTop / ROW_HEIGHT / FETCH_SIZE));
    this.setCounts(first.matched, first.total);
    await this.render();
  }

  private setCounts(matched: number, total: number): void {
    this.matched = matched;
    this.total = total;
    this.spacer.style.height = `${Math.max(1, matched) * ROW_HEIGHT}px`;
    this.spacer.style.width = `${this.rowWidth()}px`;
    this.status.textContent = matched === total ? `${total} trials` : `${matched} of ${total} trials match the filter`;
    this.status.dataset.matched = String(matched);
    this.status.dataset.total = String(total);
    this.pageInput.max = String(this.pageCount());
  }

  /** Matches the column widths in style.css. */
  private rowWidth(): number {
    return 70 + 80 + 130 + 90 + 120 * this.options.params.length;
  }

  private pageCount(): number {
    return Math.max(1, Math.ceil(this.matched / PAGE_SIZE));
  }

  private currentPage(): number {
    return Math.floor(this.viewport.scrollTop / ROW_HEIGHT / PAGE_SIZE + 1e-9) + 1;
  }

  jumpToPage(page: number): void {
    const target = Math.min(this.pageCount(), Math.max(1, Math.floor(page) || 1));
    this.viewport.scrollTop = (target - 1) * PAGE_SIZE * ROW_HEIGHT;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      void this.render();
    });
  }

  private async render(): Promise<void> {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
    const last = Math.min(this.matched, Math.ceil((top + height) / ROW_HEIGHT) + 5);
    const needed = new Set<number>();
    for (let i = first; i < last; i += FETCH_SIZE) needed.add(Math.floor(i / FETCH_SIZE));
    if (last > first) needed.add(Math.floor((last - 1) / FETCH_SIZE));
    const pages = new Map<number, TablePage>();
    await Promise.all([...needed].map(async (p) => pages.set(p, await this.fetchPage(p))));
    if (this.viewport.scrollTop !== top) return this.schedule();
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const row = pages.get(Math.floor(i / FETCH_SIZE))?.rows[i % FETCH_SIZE];
      if (row) rows.push(this.rowElement(row, i));
    }
    for (const old of [...this.viewport.querySelectorAll(".trow:not(.thead)")]) old.remove();
    for (const row of rows) this.viewport.appendChild(row);
    if (document.activeElement !== this.pageInput) this.pageInput.value = String(this.currentPage());
    this.element.dataset.page = String(this.currentPage());
  }

  private rowElement(row: TableRow, index: number): HTMLElement {
    const element = h(
      "div",
      { class: `trow s-${row.state}`, role: "row", "data-number": row.number, "data-index": index },
      h("span", { class: "c-num" }, row.number),
      h("span", { class: "c-state" }, row.state),
      h("span", { class: "c-val" }, row.values ? row.values.map(formatNumber).join(", ") : "—"),
      h("span", { class: "c-dur" }, formatDuration(row.durationMs)),
      ...this.options.params.map((name) => h("span", { class: "c-param" }, name in row.params ? (typeof row.params[name] === "number" ? formatNumber(row.params[name] as number) : String(row.params[name])) : "—")),
    );
    // Below the sticky header, which is one row high.
    element.style.top = `${(index + 1) * ROW_HEIGHT}px`;
    element.addEventListener("click", () => this.options.onOpen(row.number));
    return element;
  }

}
