/**
 * `sextant report`: one self-contained HTML file with a study's dashboard, for sharing by mail or
 * in a pull request. It holds the built dashboard (script and styles inlined) and the answers the
 * page would ask the server for, computed by the same routes; it makes no network request (its
 * Content-Security-Policy forbids any).
 */
import { createHash } from "node:crypto";
import { MEMBER_ATTR, type MemberLineage, SCHEDULER_ATTR, describeSchedule, populationLineage } from "../schedulers/index.js";
import { type Storage, findTrials } from "../storage/index.js";
import { createServerApp } from "./app.js";
import { type DashboardAsset, loadDashboardAssets } from "./dashboard-assets.js";

/** Rows of the trial table a report carries (the rest is one `sextant dashboard` away). */
export const REPORT_TABLE_ROWS = 2000;
/**
 * Rows of each order other than by number that a report of a study with more than
 * {@link REPORT_TABLE_ROWS} trials carries (its first rows: the best values, the longest runs…),
 * so that a column per parameter does not multiply the rows it holds. A smaller study's every
 * order holds every trial.
 */
export const REPORT_SORTED_ROWS = 100;
/** A report holds the contour of every pair of this many parameters, the most important ones (either way round). */
export const REPORT_CONTOUR_PARAMS = 6;
/** Trials whose detail panel a report can open: the best one and the first rows of the table. */
const REPORT_DETAILS = 100;
/** The table route's largest page. */
const TABLE_FETCH = 500;
const MAX_POINTS = 2000;

export class ReportError extends Error {
  override name = "ReportError";
}

/**
 * The request path the dashboard uses for a route and query: keys sorted, empty ones left out.
 * The same rule as `apiPath` in dashboard/src/api.ts (the browser app shares no code with the
 * server, only HTTP); a drift would leave the report's plots empty, which the report's browser
 * test catches.
 */
function apiPath(path: string, query: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** Text safe inside a `<script>` element: no `</script>` or `<!--` can end or confuse it. */
function scriptSafe(text: string): string {
  return text.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * Builds the report of one study as an HTML string.
 *
 * @example
 * const html = await buildReport(storage, "quickstart");
 * await writeFile("report.html", html);
 */
export async function buildReport(storage: Storage, studyName: string, options: { assets?: Map<string, DashboardAsset>; now?: Date } = {}): Promise<string> {
  const assets = options.assets ?? loadDashboardAssets();
  if (!assets) throw new ReportError("the dashboard is not built in this copy of Sextant: run `npm run build:dashboard` first");
  const app = createServerApp({ storage, dashboard: false });
  const answers: Record<string, unknown> = {};
  const request = async (path: string): Promise<unknown> => {
    const response = await app.request(`/api/v1${path}`);
    const body = (await response.json()) as { error?: { message: string } };
    if (!response.ok) throw new ReportError(body.error?.message ?? `HTTP ${response.status} for ${path}`);
    return body;
  };
  const fetchAnswer = async (path: string): Promise<unknown> => (answers[path] = await request(path));

  const base = `/studies/${encodeURIComponent(studyName)}`;
  const summary = (await fetchAnswer(`${base}/summary`)) as {
    bestTrial: { number: number } | null;
    params: { name: string; distribution: { type: string } }[];
    hasIntermediate: boolean;
    study: { directions: string[] };
    trialCount: number;
  };
  const jobs: Promise<unknown>[] = [fetchAnswer(apiPath(`${base}/points`, { maxPoints: MAX_POINTS })), fetchAnswer(apiPath(`${base}/timeline`, { maxPoints: MAX_POINTS }))];
  if (summary.hasIntermediate) jobs.push(fetchAnswer(apiPath(`${base}/curves`)));
  if (summary.study.directions.length > 1) jobs.push(fetchAnswer(apiPath(`${base}/pareto`, { maxPoints: MAX_POINTS })));
  if (summary.study.directions.length > 1) jobs.push(fetchAnswer(apiPath(`${base}/hypervolume`, { maxPoints: MAX_POINTS })));
  jobs.push(fetchAnswer(apiPath(`${base}/ecdf`, { maxPoints: MAX_POINTS })));
  // The dashboard's default contour axes: the first two numeric parameters, else the first two.
  const numeric = summary.params.filter((p) => p.distribution.type !== "categorical");
  const pool = numeric.length >= 2 ? numeric : summary.params;
  const contours = new Set<string>();
  const contour = (x: string, y: string) => apiPath(`${base}/contour`, { x, y });
  if (summary.params.length > 1) contours.add(contour(pool[0]!.name, pool.find((p) => p.name !== pool[0]!.name)!.name));
  // Analyses a study cannot support yet (too few trials) are left out; the page says so.
  const optional = (path: string) => fetchAnswer(path).catch((error: unknown) => (error instanceof ReportError ? null : Promise.reject(error)));
  // Asked whatever the number of trials: with too few, the answer says what the analysis needs (as
  // the live dashboard does) where the page used to say the report did not include it.
  const importance = summary.params.length > 0 ? ((await optional(apiPath(`${base}/importance`))) as { method: string; params: { name: string }[] } | null) : null;
  // The menu's default is the method the server picks; choosing that method by name is the same answer.
  if (importance) answers[apiPath(`${base}/importance`, { method: importance.method })] = importance;
  // Any other pair the reader picks, categorical ones too, of the most important parameters (each
  // pair costs up to bins² cells): one way round, as the page swaps the axes of a pair it holds the
  // other way.
  const ranked = importance?.params.map((p) => p.name) ?? [];
  const contoured = [...ranked, ...summary.params.map((p) => p.name).filter((name) => !ranked.includes(name))].slice(0, REPORT_CONTOUR_PARAMS);
  for (const [i, x] of contoured.entries()) {
    for (const y of contoured.slice(i + 1)) if (!contours.has(contour(y, x))) contours.add(contour(x, y));
  }
  for (const path of contours) jobs.push(fetchAnswer(path));
  if (numeric.length > 0) jobs.push(optional(apiPath(`${base}/beliefs`, { x: numeric[0]!.name })));
  // The table sorts by any column offline: each order as the server sorts it (trial numbers), and
  // each trial's row once.
  const table = { total: summary.trialCount, rows: {} as Record<number, { number: number }>, orders: {} as Record<string, number[]> };
  const readOrder = async (sort: string, order: "asc" | "desc", count: number): Promise<void> => {
    const numbers: number[] = [];
    for (let offset = 0; offset < count; offset += TABLE_FETCH) {
      const page = (await request(apiPath(`${base}/table`, { sort, order, offset, limit: Math.min(TABLE_FETCH, count - offset) }))) as { rows: { number: number }[] };
      for (const row of page.rows) {
        table.rows[row.number] = row;
        numbers.push(row.number);
      }
    }
    table.orders[`${sort} ${order}`] = numbers;
  };
  // The table's columns: number, state, one per objective, duration, one per parameter.
  const sortKeys = ["number", "state", ...summary.study.directions.map((_, k) => (k === 0 ? "value" : `value:${k}`)), "duration", ...summary.params.map((p) => `param:${p.name}`)];
  const large = summary.trialCount > REPORT_TABLE_ROWS;
  for (const sort of sortKeys) {
    for (const order of ["asc", "desc"] as const) {
      const rows = !large || (sort === "number" && order === "asc") ? REPORT_TABLE_ROWS : REPORT_SORTED_ROWS;
      jobs.push(readOrder(sort, order, Math.min(summary.trialCount, rows)));
    }
  }
  await Promise.all(jobs);
  const details = new Set(table.orders["number asc"]!.slice(0, REPORT_DETAILS));
  if (summary.bestTrial) details.add(summary.bestTrial.number);
  await Promise.all(
    [...details].map(async (n) => {
      const { trial } = (await fetchAnswer(`${base}/trials/${n}`)) as { trial: { systemAttrs: Record<string, unknown> } };
      // A population's segment shows its lineage in its detail.
      if (typeof trial.systemAttrs["pbt:member"] === "number") await fetchAnswer(`${base}/trials/${n}/lineage`);
    }),
  );

  const population = await populationSection(storage, studyName);

  // The studies list of a report names only its own study: a shared file must not list the others.
  const listed = (await (await app.request(`/api/v1${apiPath("/studies", { search: studyName })}`)).json()) as { studies: { name: string }[] };
  answers["/studies"] = { studies: listed.studies.filter((s) => s.name === studyName) };

  const index = new TextDecoder().decode(assets.get("/index.html")!.body);
  const data = scriptSafe(JSON.stringify({ generatedAt: (options.now ?? new Date()).toISOString(), study: studyName, answers, table }));
  let script = "";
  let style = "";
  const withoutAssets = index
    .replace(/<script type="module" crossorigin src="\.\/(assets\/[^"]+\.js)"><\/script>/, (_, path: string) => {
      script = new TextDecoder().decode(assets.get(`/${path}`)!.body);
      return "";
    })
    .replace(/<link rel="stylesheet" crossorigin href="\.\/(assets\/[^"]+\.css)">/, (_, path: string) => {
      style = new TextDecoder().decode(assets.get(`/${path}`)!.body);
      return "";
    });
  if (!script) throw new ReportError("the built dashboard has no script to inline (rebuild it with `npm run build:dashboard`)");
  // The bundle contains no "</script": its strings are escaped by the minifier; checked anyway.
  if (/<\/script/i.test(script)) script = script.replace(/<\/script/gi, "<\\/script");
  const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
  // Only these two inline blocks may run or apply; nothing may be fetched.
  const csp = `default-src 'none'; script-src ${hash(script)}; style-src ${hash(style)}; img-src data:`;
  const head = [
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<script type="application/json" id="sextant-report">${data}</script>`,
    `<style>${style}</style>`,
    `<script type="module">${script}</script>`,
  ].join("\n");
  // Replacer functions, so that `$&` and the like in the script are not taken as patterns. The
  // lineage goes in before the head is: a "</body>" in the bundled script came first otherwise.
  return withoutAssets
    .replace("<title>Sextant dashboard</title>", () => `<title>Sextant report: ${escapeHtml(studyName)}</title>`)
    .replace("</body>", () => `${population}</body>`)
    .replace("</head>", () => `${head}\n</head>`);
}

/**
 * A population study's lineage in short, as static HTML below the dashboard: per member, its
 * segments, the members it copied at its ready points, and its last value (what
 * {@link populationLineage} gives `sextant export --lineage`, which shows every segment). Empty for
 * a study that is no population.
 */
async function populationSection(storage: Storage, studyName: string): Promise<string> {
  const record = await storage.getStudy(studyName);
  const schedule = record?.systemAttrs[SCHEDULER_ATTR] as Record<string, unknown> | undefined;
  if (!record || schedule === undefined) return "";
  // Only the segments are read, as the lineage export reads them.
  const lineage = populationLineage(await findTrials(storage, record.id, { withSystemAttr: MEMBER_ATTR }));
  const rows = lineage.map((member) => `<tr><td class="num">${member.member}</td><td class="num">${member.segments.length}</td><td>${escapeHtml(exploitsText(member))}</td><td class="num">${member.lastValue === null ? "-" : escapeHtml(String(member.lastValue))}</td></tr>`);
  return (
    `<section id="population" data-testid="population-lineage"><h2>Population lineage</h2><p>${escapeHtml(describeSchedule(schedule))}; sextant export --lineage shows every segment</p>` +
    `<table class="studies"><thead><tr><th>member</th><th>segments</th><th>exploits</th><th>last value</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>\n`
  );
}

/**
 * The ready points where a member copied another, e.g. "2: segment 1 from member 3, segment 4 from member 0", or "none".
 *
 * @example
 * exploitsText(study.lineage()[0]) // "none"
 */
function exploitsText(member: MemberLineage): string {
  const copies = member.segments.filter((s) => s.exploitedFrom !== null);
  return copies.length === 0 ? "none" : `${copies.length}: ${copies.map((s) => `segment ${s.segment} from member ${s.exploitedFrom}`).join(", ")}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
