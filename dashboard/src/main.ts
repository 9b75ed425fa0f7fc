/**
 * The dashboard's entry: reads the view from the address bar and shows the studies list or one
 * study. Everything on screen comes from the HTTP API (or, in a report, its embedded answers).
 */
import "./style.css";
import { ApiError, ServerUnreachableError, type StudyJson, apiPath, get, hasToken, isReport, reportGeneratedAt, reportStudy, setToken, takeTokenFromFragment } from "./api.js";
import { resizeAll } from "./charts.js";
import { clear, formatLocalTime, formatNumber, h } from "./dom.js";
import { readView, viewSearch, writeView } from "./state.js";
import { POLL_MS, SERVER_SILENT, StudyPage } from "./study.js";

const app = document.getElementById("app")!;
const crumb = document.getElementById("crumb")!;
let current: StudyPage | null = null;

/** Follows an in-app link without reloading the page. */
export function navigate(search: string): void {
  history.pushState(null, "", location.pathname + search);
  void route();
}

function link(search: string, ...children: (string | Node)[]): HTMLAnchorElement {
  const a = h("a", { href: search || "?" }, ...children);
  a.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(search);
  });
  return a;
}

export function showError(error: unknown): void {
  clear(app);
  if (error instanceof ApiError && error.status === 401) {
    const input = h("input", { type: "password", name: "token", autocomplete: "off", "aria-label": "token", placeholder: "token" });
    // A token that was sent and refused (mistyped, or the server restarted with another one) is said
    // to be wrong: the form used to come back the same, as if nothing had been tried.
    const refused = hasToken() ? h("p", { class: "error", role: "alert", "data-testid": "token-refused" }, "The server did not accept that token; check it and try again.") : null;
    const form = h("form", { class: "token-form", "data-testid": "token-form" }, h("p", {}, "This server requires a token to show data."), refused, input, h("button", { type: "submit" }, "Use token"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      setToken(input.value);
      void route();
    });
    app.appendChild(form);
    return;
  }
  app.appendChild(h("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error)));
}

async function findStudies(search: string): Promise<StudyJson[]> {
  return (await get<{ studies: StudyJson[] }>(apiPath("/studies", { search }))).studies;
}

/** Counts route() calls: a list whose answer comes after the reader went on (Back, then Forward) is not shown. */
let routes = 0;
/** The next try of a page the server did not answer, until route() is called again. */
let retry = 0;

async function showStudies(search: string): Promise<void> {
  const routed = routes;
  crumb.textContent = "";
  const studies = await findStudies(search);
  // It replaced the study the reader had since gone back to, under that study's address.
  if (routed !== routes) return;
  clear(app);
  const list = h("div", { class: "studies-list" }, studiesTable(studies, search));
  const box = h("input", { type: "search", placeholder: "search studies", value: search, "aria-label": "search studies", "data-testid": "study-search" });
  // Says when a search got no answer; hidden once one does.
  const status = h("p", { class: "live-status", role: "status", "data-testid": "search-status", hidden: true });
  let timer = 0;
  /** Searches asked for so far: an answer to one typed over since is dropped. */
  let asked = 0;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      history.replaceState(null, "", location.pathname + viewSearch({ ...readView(), study: null, search: box.value }));
      const ask = ++asked;
      // Only the list is replaced. The whole card was, box included, and the new box took the
      // focus with its caret at the start: keys typed while the list came went to the old box,
      // and "many", a pause, "-12" read "-12many".
      void findStudies(box.value).then(
        (found) => {
          if (ask !== asked || !list.isConnected) return;
          status.hidden = true;
          clear(list);
          list.appendChild(studiesTable(found, box.value));
        },
        (error: unknown) => {
          if (ask !== asked || !list.isConnected) return;
          // The list and the box stay, as a study's page keeps what it shows: the whole card was
          // replaced with the bare "the server does not answer (Failed to fetch)".
          if (error instanceof ServerUnreachableError) {
            status.textContent = `${SERVER_SILENT}: the list is its last answer; change the search to ask again.`;
            status.hidden = false;
          } else showError(error);
        },
      );
    }, 200);
  });
  app.appendChild(h("section", { class: "card" }, h("h1", {}, "Studies"), isReport() ? null : box, status, list));
}

const HALF_MADE_TITLE =
  "Not finished being made: sextant create is still queuing its trials, or a sextant copy/import is still writing it (or was killed before its last trial). Workers and asks refuse it until then; a copy killed outright leaves it so: delete it and copy again.";

/**
 * The "best" cell, as `sextant studies` prints it: the front's size with several objectives, else
 * the best value; "none feasible" when complete trials exist but none is feasible, which showed
 * the "-" of a study with no result at all.
 */
function bestCell(s: StudyJson): HTMLElement {
  if (s.paretoFrontSize !== undefined) return h("td", { class: "num", title: "feasible complete trials on the Pareto front" }, `front=${s.paretoFrontSize}`);
  if (s.bestValue === null && s.trialCounts.complete > 0) return h("td", { class: "num", title: "no complete trial is feasible: see the trial table" }, "none feasible");
  return h("td", { class: "num" }, formatNumber(s.bestValue));
}

/** The studies found, or why there are none. */
function studiesTable(studies: StudyJson[], search: string): HTMLElement {
  if (studies.length === 0) return h("p", { class: "muted" }, search ? "No study matches." : "No studies yet: run `sextant tune` or create one through the API.");
  const rows = studies.map((s) =>
    h(
      "tr",
      { "data-study": s.name },
      h(
        "td",
        { class: "name" },
        link(viewSearch({ ...readView(), study: s.name, trial: null }), s.name),
        // As `sextant studies` marks it "(half-made)": its trials or budget are not all there yet.
        s.halfMade ? h("span", { class: "badge half-made", "data-testid": "half-made", title: HALF_MADE_TITLE }, "half-made") : null,
      ),
      h("td", {}, s.directions.join(", ")),
      bestCell(s),
      h("td", { class: "num" }, Object.values(s.trialCounts).reduce((a, b) => a + b, 0)),
      h("td", { class: "num s-complete" }, s.trialCounts.complete),
      h("td", { class: "num s-pruned" }, s.trialCounts.pruned),
      h("td", { class: "num s-failed" }, s.trialCounts.failed),
      h("td", { class: "num s-running" }, s.trialCounts.running),
      h("td", { class: "num s-waiting" }, s.trialCounts.waiting),
      h("td", {}, s.sampler.name),
      h("td", { title: new Date(s.createdAt).toISOString() }, formatLocalTime(s.createdAt)),
    ),
  );
  const head = ["study", "directions", "best", "trials", "complete", "pruned", "failed", "running", "waiting", "sampler", "created"].map((t) => h("th", {}, t));
  // On a narrow screen the table scrolls inside its card, not the page sideways.
  return h("div", { class: "table-scroll" }, h("table", { class: "studies", "data-testid": "studies" }, h("thead", {}, h("tr", {}, ...head)), h("tbody", {}, ...rows)));
}

/** Live updates were refused the token (the server restarted with another one): the form asks for the new one. */
function showTokenRefused(error: ApiError): void {
  current = null;
  showError(error);
  document.body.dataset.ready = "error";
}

async function route(): Promise<void> {
  const routed = ++routes;
  clearTimeout(retry);
  const view = readView();
  if (view.study === null && isReport()) view.study = reportStudy();
  try {
    if (view.study === null) {
      current?.stop();
      current = null;
      await showStudies(view.search);
    } else if (current && current.name === view.study) {
      await current.update(view);
    } else {
      current?.stop();
      clear(crumb);
      crumb.appendChild(document.createTextNode(" / "));
      crumb.appendChild(h("span", { class: "crumb-study" }, view.study));
      current = new StudyPage(app, view, showTokenRefused);
      await current.start();
    }
    // A page left before its last answers came is not the one shown: it said "true" over the next one's state.
    if (routed === routes) document.body.dataset.ready = "true";
  } catch (error) {
    // A later route() shows the page now asked for: a failure of this one is not its business.
    if (routed !== routes) return;
    // The message replaces the study's page: the next route() starts it again. Kept, it took the
    // token form's submit for a view of the same study and changed nothing.
    current?.stop();
    current = null;
    if (error instanceof ServerUnreachableError) {
      // Asked again, as a study's page polls, until the server answers: the page used to say the bare
      // "the server does not answer (Failed to fetch)" until the reader reloaded it.
      const asked = view.study === null ? "the studies list" : `the study "${view.study}"`;
      const line = `${SERVER_SILENT}: ${asked} shows once it does; retrying every second.`;
      // Written again only when it changes: a screen reader would read the same line every second.
      if (app.querySelector("[data-testid=route-status]")?.textContent !== line) {
        clear(app);
        app.appendChild(h("p", { class: "live-status", role: "status", "data-testid": "route-status" }, line));
      }
      document.body.dataset.ready = "retrying";
      retry = window.setTimeout(() => void route(), POLL_MS);
      return;
    }
    showError(error);
    document.body.dataset.ready = "error";
  }
}

takeTokenFromFragment();
if (isReport()) {
  document.body.classList.add("report");
  document.getElementById("live")!.textContent = `report written ${reportGeneratedAt() ?? ""}`;
}
document.getElementById("home")!.addEventListener("click", (event) => {
  event.preventDefault();
  navigate("");
});
window.addEventListener("popstate", () => void route());
window.addEventListener("resize", () => resizeAll());
writeView(readView());
void route();
