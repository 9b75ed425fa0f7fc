/**
 * The dashboard end to end, in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): every plot draws its marks, the table sorts and pages, brushing two axes of the
 * parallel coordinates leaves exactly the trials both ranges hold, filters survive a reload, a
 * live study gains trials, user strings stay text, the token guards data, the report works offline,
 * and no page logs an error. Screenshots of each page go to a scratch folder, or where
 * SEXTANT_SCREENSHOTS says (docs/screenshots to refresh the README's).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server/index.js";
import { buildReport } from "../src/server/report.js";
import type { Distribution, JsonValue } from "../src/space/index.js";
import { MemoryStorage } from "../src/storage/index.js";
import { type FixtureTrial, seedPopulation, seedStudy } from "./fixtures/dashboard-studies.mjs";
import { inCI } from "./fixtures/environment.js";

const CHROMIUM = process.env.SEXTANT_CHROMIUM ?? "/usr/bin/chromium";
// Screenshots of each page: to a scratch folder, so running the tests leaves the work tree as it
// was; SEXTANT_SCREENSHOTS=docs/screenshots refreshes the README's pictures. The folder is this
// user's: one shared by all, made by root in CI, refused a contributor's screenshots (EACCES).
const SHOTS = process.env.SEXTANT_SCREENSHOTS ?? join(tmpdir(), `sextant-screenshots-${process.getuid?.() ?? "user"}`);
const XSS = "<img src=x onerror=alert(1)>";
const TOKEN = "dash-token-5";
const haveChromium = existsSync(CHROMIUM);

// CI installs Chromium (.ci/run); elsewhere the suite says why it did not run.
// Each test takes a few seconds on an idle machine; the limit leaves room for a loaded one.
describe.skipIf(!haveChromium && !inCI())("dashboard in headless Chromium", { timeout: 180_000 }, () => {
  let browser: Browser;
  let server: RunningServer;
  let guarded: RunningServer;
  const storage = new MemoryStorage();
  let fixture: FixtureTrial[];
  /** The reports written to open as files, removed at the end. */
  let reports: string;

  /** Errors the page logged, and dialogs it opened: both must stay empty. */
  const problems: string[] = [];

  /** Opens a page; with `apiRequests`, the API paths it asks for are pushed there as it asks. */
  async function open(url: string, options: { allow401?: boolean; width?: number; apiRequests?: string[] } = {}): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1360, height: 900 } });
    page.setDefaultTimeout(60_000);
    const { apiRequests } = options;
    if (apiRequests) page.on("request", (request) => void (request.url().includes("/api/v1/") && apiRequests.push(request.url().split("/api/v1")[1]!)));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      if (options.allow401 && /401/.test(message.text())) return;
      problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(url);
    await page.waitForSelector("body[data-ready]");
    return page;
  }

  async function apiJson<T>(path: string): Promise<T> {
    const response = await fetch(`${server.url}/api/v1${path}`);
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  /** Waits until an element's attribute reads `value`. */
  // Predicates run in the page (as functions: the page's CSP forbids evaluating strings).
  const waitAttr = (page: Page, selector: string, attr: string, value: string | number, timeout = 30_000) =>
    page.waitForFunction(([sel, name, want]) => (globalThis as any).document.querySelector(sel)?.getAttribute(name) === want, [selector, attr, String(value)] as const, { timeout });
  const waitSearch = (page: Page, text: string) => page.waitForFunction((want) => decodeURIComponent((globalThis as any).location.search).includes(want), text);

  const studyUrl = (name: string, extra = "") => `${server.url}/?study=${encodeURIComponent(name)}${extra}`;

  /**
   * Scrolls a plot into view and waits until it has drawn: a plot far below the fold waits with
   * `data-waiting` until it nears the viewport.
   */
  async function shown(page: Page, testId: string): Promise<void> {
    await page.locator(`[data-testid=${testId}]`).scrollIntoViewIfNeeded();
    await page.waitForSelector(`[data-testid=${testId}][data-marks]:not([data-waiting])`);
  }

  /** A picture of panel `id` once its plot has drawn (the README's pictures come from these). */
  async function panelShot(page: Page, id: string, file: string): Promise<void> {
    await shown(page, `${id}-plot`);
    await page.locator(`#${id}`).screenshot({ path: join(SHOTS, file) });
  }

  /** How many pixels a plot's canvas has drawn, once it is scrolled into view. */
  async function canvasInk(page: Page, testId: string): Promise<number> {
    await shown(page, testId);
    return inkNow(page, testId);
  }

  /** How many pixels a plot's canvas has drawn now, where it is. */
  async function inkNow(page: Page, testId: string): Promise<number> {
    // Runs in the page; the test is type-checked without DOM types, hence `any`.
    return page.evaluate((id) => {
      const canvas = (globalThis as any).document.querySelector(`[data-testid="${id}"] canvas`);
      if (!canvas) return 0;
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      return ink;
    }, testId);
  }

  /**
   * Where a plot drew marks of one colour, in page coordinates, left to right: the centres of the
   * blobs of pixels of the colour `rgb` (blobs closer than 8 px are one mark, as a point a line
   * crosses is), no larger than `maxSize` CSS pixels (larger ones are legend icons). Colours are
   * compared by the differences between their channels, which a translucent mark keeps over any
   * grey (the white page, the black best-so-far line), within `tolerance`.
   */
  async function markCentres(page: Page, testId: string, rgb: [number, number, number], options: { tolerance?: number; maxSize?: number } = {}): Promise<{ x: number; y: number }[]> {
    await shown(page, testId);
    return page.evaluate(
      ([id, [r, g, b], tolerance, maxSize]) => {
        const greenOverRed = g - r;
        const blueOverRed = b - r;
        const doc = (globalThis as any).document;
        const blobs: { x: number; y: number; n: number; left: number; right: number; top: number; bottom: number }[] = [];
        for (const canvas of doc.querySelectorAll(`[data-testid="${id}"] canvas`)) {
          const rect = canvas.getBoundingClientRect();
          const scale = canvas.width / rect.width;
          const { width, height } = canvas;
          const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
          const hit = new Uint8Array(width * height);
          for (let i = 0; i < width * height; i++) {
            const red = data[i * 4];
            if (data[i * 4 + 3] > 0 && Math.abs(data[i * 4 + 1] - red - greenOverRed) <= tolerance && Math.abs(data[i * 4 + 2] - red - blueOverRed) <= tolerance) hit[i] = 1;
          }
          for (let start = 0; start < width * height; start++) {
            if (hit[start] !== 1) continue;
            const blob = { x: 0, y: 0, n: 0, left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
            const stack = [start];
            hit[start] = 2;
            while (stack.length > 0) {
              const i = stack.pop()!;
              const px = i % width;
              const py = (i - px) / width;
              const x = rect.left + (px + 0.5) / scale;
              const y = rect.top + (py + 0.5) / scale;
              blob.x += x;
              blob.y += y;
              blob.n++;
              blob.left = Math.min(blob.left, x);
              blob.right = Math.max(blob.right, x);
              blob.top = Math.min(blob.top, y);
              blob.bottom = Math.max(blob.bottom, y);
              for (const j of [px > 0 ? i - 1 : -1, px < width - 1 ? i + 1 : -1, i - width, i + width]) {
                if (j >= 0 && j < width * height && hit[j] === 1) {
                  hit[j] = 2;
                  stack.push(j);
                }
              }
            }
            blobs.push(blob);
          }
        }
        // A line drawn across a mark cuts it in pieces: pieces whose centres are close are one mark.
        const marks: typeof blobs = [];
        for (const blob of blobs) {
          const near = marks.find((m) => Math.hypot(m.x / m.n - blob.x / blob.n, m.y / m.n - blob.y / blob.n) < 8);
          if (!near) {
            marks.push({ ...blob });
            continue;
          }
          near.x += blob.x;
          near.y += blob.y;
          near.n += blob.n;
          near.left = Math.min(near.left, blob.left);
          near.right = Math.max(near.right, blob.right);
          near.top = Math.min(near.top, blob.top);
          near.bottom = Math.max(near.bottom, blob.bottom);
        }
        return marks
          .filter((m) => m.n >= 3 && m.right - m.left <= maxSize && m.bottom - m.top <= maxSize)
          .map((m) => ({ x: m.x / m.n, y: m.y / m.n }))
          .sort((p, q) => p.x - q.x);
      },
      [testId, rgb, options.tolerance ?? 12, options.maxSize ?? 10] as const,
    );
  }

  /** Clicks a point and expects the panel of `trial` to open (and closes it again, as it covers the right of the page). */
  async function clickOpens(page: Page, at: { x: number; y: number }, trial: number): Promise<void> {
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((want) => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === want, `Trial ${trial}`);
    expect(new URL(page.url()).searchParams.get("trial")).toBe(String(trial));
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
  }

  beforeAll(async () => {
    if (!existsSync(join(import.meta.dirname, "..", "dist", "dashboard", "index.html"))) {
      const build = spawnSync("npx", ["vite", "build", "--config", "dashboard/vite.config.ts"], { cwd: join(import.meta.dirname, ".."), stdio: "inherit" });
      expect(build.status).toBe(0);
    }
    mkdirSync(SHOTS, { recursive: true });
    reports = mkdtempSync(join(tmpdir(), "sextant-reports-"));
    ({ trials: fixture } = await seedStudy(storage, "fixture-1k", { trials: 1000, seed: 7 }));
    await seedStudy(storage, "two-objectives", { trials: 300, seed: 3, objectives: 2, curves: false });
    await seedStudy(storage, XSS, { trials: 20, seed: 5, curves: false });
    await seedStudy(storage, "live", { trials: 10, seed: 9, curves: false });
    server = await startServer({ storage, port: 0 });
    guarded = await startServer({ storage, port: 0, token: TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await guarded?.close();
    if (reports) rmSync(reports, { recursive: true, force: true });
  });

  it("lists studies with best value and counts by state, searches, and shows a hostile name as text", async () => {
    const page = await open(server.url);
    const row = page.locator('tr[data-study="fixture-1k"]');
    await expect(row.locator("td.s-complete").textContent()).resolves.toBe(String(fixture.filter((t) => t.state === "complete").length));
    const best = Math.min(...fixture.filter((t) => t.state === "complete").map((t) => t.value!));
    expect(Number(await row.locator("td").nth(2).textContent())).toBeCloseTo(best, 3);
    // A study of two objectives shows its Pareto front's size under "best", as \`sextant studies\` does (it showed "—").
    const { studies } = await apiJson<{ studies: { name: string; paretoFrontSize?: number }[] }>("/studies");
    const front = studies.find((s) => s.name === "two-objectives")!.paretoFrontSize;
    expect(front).toBeGreaterThan(0);
    await expect(page.locator('tr[data-study="two-objectives"] td').nth(2).textContent()).resolves.toBe(`front=${front}`);
    const hostile = page.locator("tr[data-study] td.name a").filter({ hasText: XSS });
    await expect(hostile.textContent()).resolves.toBe(XSS);
    expect(await page.locator("td.name img").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "studies.png") });
    await page.fill("[data-testid=study-search]", "two-obj");
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("tr[data-study]").length === 1);
    expect(page.url()).toContain("search=two-obj");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("says \"none feasible\" for a study whose complete trials all violate a constraint, and marks infeasible trials in the table", async () => {
    const X = { type: "float", low: 0, high: 1 } as const;
    for (const [name, constraints] of [
      ["none-feasible", [[1], [0.5]]],
      ["some-feasible", [[-1], [2.5]]],
    ] as const) {
      const study = await storage.createStudy(name, ["minimize"]);
      for (const [i, c] of constraints.entries()) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        await storage.updateTrial(trial.id, { state: "complete", values: [i], params: { x: { value: i / 2, distribution: X } }, systemAttrs: { constraints: [...c] } });
      }
    }
    try {
      const page = await open(server.url);
      // It showed "-", as for a study with no result at all; sextant studies says "none feasible".
      await expect(page.locator('tr[data-study="none-feasible"] td').nth(2).textContent()).resolves.toBe("none feasible");
      expect(Number(await page.locator('tr[data-study="some-feasible"] td').nth(2).textContent())).toBe(0);
      await page.goto(studyUrl("some-feasible"));
      await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
      // The table said nothing of constraints: trial 1 read as an ordinary complete trial.
      const infeasible = page.locator('.tviewport .trow[data-number="1"]');
      await expect(infeasible.getAttribute("class")).resolves.toMatch(/\binfeasible\b/);
      await expect(infeasible.locator(".c-state").textContent()).resolves.toBe("infeasible");
      await expect(infeasible.locator(".c-state").getAttribute("title")).resolves.toBe("complete, infeasible: constraints: 2.5 (feasible when every one is <= 0)");
      const feasible = page.locator('.tviewport .trow[data-number="0"]');
      await expect(feasible.locator(".c-state").textContent()).resolves.toBe("complete");
      await expect(feasible.locator(".c-state").getAttribute("title")).resolves.toBe("constraints: -1 (feasible when every one is <= 0)");
      await page.close();
    } finally {
      for (const name of ["none-feasible", "some-feasible"]) await storage.deleteStudy(name);
    }
    expect(problems).toEqual([]);
  });

  it("marks a study sextant create or copy is still making as half-made, with a title that says why", async () => {
    // Marked as sextant create and sextant copy mark a study before its last write.
    await storage.createStudy("still-creating", ["minimize"], { systemAttrs: { "cli:creating": true } });
    try {
      const page = await open(server.url);
      const badge = page.locator('tr[data-study="still-creating"] td.name [data-testid=half-made]');
      await expect(badge.textContent()).resolves.toBe("half-made");
      await expect(badge.getAttribute("title")).resolves.toMatch(/sextant create is still queuing its trials, or a sextant copy\/import is still writing it/);
      // The link still opens the study; the badge is beside it, not in its name.
      await expect(page.locator('tr[data-study="still-creating"] td.name a').textContent()).resolves.toBe("still-creating");
      expect(await page.locator('tr[data-study="fixture-1k"] [data-testid=half-made]').count()).toBe(0);
      await page.close();
    } finally {
      await storage.deleteStudy("still-creating");
    }
    expect(problems).toEqual([]);
  });

  it("fits a phone's width: neither page scrolls sideways, and wide tables scroll inside their cards", async () => {
    for (const width of [360, 420]) {
      for (const url of [server.url, studyUrl("fixture-1k")]) {
        const page = await open(url, { width });
        if (url !== server.url) await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
        const layout = await page.evaluate(() => {
          const doc = (globalThis as any).document;
          // What sticks out past the window, outside any element that scrolls it into view.
          const scrolls = (e: any): boolean => e !== null && e !== doc.documentElement && (e.scrollWidth > e.clientWidth + 1 && /auto|scroll/.test((globalThis as any).getComputedStyle(e).overflowX) ? true : scrolls(e.parentElement));
          const outside = [...doc.querySelectorAll("body *")].filter((e: any) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > (globalThis as any).innerWidth + 1 && !scrolls(e.parentElement);
          });
          return { scrollWidth: doc.documentElement.scrollWidth, clientWidth: doc.documentElement.clientWidth, outside: outside.slice(0, 5).map((e: any) => `${e.tagName}.${e.className}`) };
        });
        expect(layout.outside, `${width} px, ${url}`).toEqual([]);
        expect(layout.scrollWidth, `${width} px, ${url}`).toBe(layout.clientWidth);
        if (width === 360) await page.screenshot({ path: join(SHOTS, url === server.url ? "studies-360px.png" : "study-360px.png") });
        await page.close();
      }
    }
    expect(problems).toEqual([]);
  });

  it("draws every plot with the marks the server sent, asking for each answer once", async () => {
    const asked: string[] = [];
    // The two-objective study's page, checked below, loads while this one is checked.
    const opening = open(studyUrl("two-objectives"));
    // Awaited below; should a check before fail first, its failure is the one reported.
    opening.catch(() => undefined);
    const page = await open(studyUrl("fixture-1k"), { apiRequests: asked });
    const [points, curves, timeline, contour, importance, beliefs, ecdf] = await Promise.all([
      apiJson<{ values: (number | null)[]; shown: number }>("/studies/fixture-1k/points?maxPoints=2000"),
      apiJson<{ shown: number }>("/studies/fixture-1k/curves"),
      apiJson<{ shown: number }>("/studies/fixture-1k/timeline?maxPoints=2000"),
      apiJson<{ cells: unknown[] }>("/studies/fixture-1k/contour?x=x1&y=x2"),
      apiJson<{ params: { name: string; correlation: number }[] }>("/studies/fixture-1k/importance"),
      apiJson<{ x: unknown[] }>("/studies/fixture-1k/beliefs?x=x1"),
      apiJson<{ shown: number; matched: number }>("/studies/fixture-1k/ecdf?maxPoints=2000"),
    ]);
    const withValue = points.values.filter((v) => v !== null).length;
    // f = 10·x1² + x2: x1 carries nearly all of the variance.
    expect(importance.params[0]!.name).toBe("x1");
    const expected: Record<string, number> = {
      "history-plot": withValue,
      "curves-plot": curves.shown,
      "parallel-plot": withValue,
      // Nine of the ten parameters on the slice grid, one mark per trial with a value each.
      "slice-plot": withValue * 9,
      "contour-plot": contour.cells.length,
      "timeline-plot": timeline.shown,
      "importance-plot": importance.params.length,
      "beliefs-plot": beliefs.x.length,
      "ecdf-plot": ecdf.shown,
    };
    for (const [id, marks] of Object.entries(expected)) {
      await page.waitForSelector(`[data-testid=${id}][data-marks]`);
      expect(Number(await page.getAttribute(`[data-testid=${id}]`, "data-marks")), id).toBe(marks);
      expect(marks, id).toBeGreaterThan(0);
      expect(await canvasInk(page, id), id).toBeGreaterThan(500);
    }
    await expect(page.locator("[data-testid=match-count]").getAttribute("data-matched")).resolves.toBe("1000");
    // The points (for the history, slice and parallel coordinates) and the table's first rows were
    // each asked for twice; only the live poll repeats itself.
    const loads = asked.filter((path) => !path.includes("since="));
    expect(loads.filter((path, i) => loads.indexOf(path) !== i)).toEqual([]);
    expect(loads.filter((path) => path.includes("/points"))).toHaveLength(1);
    // A picture of the whole page shows the plots below the fold too: printing draws them all.
    await page.evaluate(() => (globalThis as any).dispatchEvent(new Event("beforeprint")));
    await page.waitForSelector("[data-waiting]", { state: "detached" });
    await page.screenshot({ path: join(SHOTS, "study.png"), fullPage: true });
    await page.close();

    const mo = await opening;
    const pareto = await apiJson<{ shown: number; front: unknown[] }>("/studies/two-objectives/pareto?maxPoints=2000");
    await mo.waitForSelector("[data-testid=pareto-plot][data-marks]");
    expect(Number(await mo.getAttribute("[data-testid=pareto-plot]", "data-marks"))).toBe(pareto.shown);
    expect(pareto.front.length).toBeGreaterThan(0);
    expect(await canvasInk(mo, "pareto-plot")).toBeGreaterThan(500);
    await panelShot(mo, "pareto", "pareto.png");
    const hv = await apiJson<{ shown: number; hypervolumes: number[] }>("/studies/two-objectives/hypervolume?maxPoints=2000");
    expect(hv.shown).toBeGreaterThan(1);
    // The hypervolume never shrinks as trials arrive.
    expect(hv.hypervolumes.every((v, i) => i === 0 || v >= hv.hypervolumes[i - 1]!)).toBe(true);
    await waitAttr(mo, "[data-testid=hypervolume-plot]", "data-marks", hv.shown);
    // Only the changes are sent, and nothing was dropped for size: the note says so, not "downsampled".
    const hvNote = await mo.locator("[data-testid=hypervolume-note]").textContent();
    expect(hvNote).toContain(`the line steps at the ${hv.shown} where the hypervolume changes`);
    expect(hvNote).not.toContain("downsampled");
    expect(await canvasInk(mo, "hypervolume-plot")).toBeGreaterThan(500);
    const moEcdf = await apiJson<{ shown: number }>("/studies/two-objectives/ecdf?maxPoints=2000");
    await waitAttr(mo, "[data-testid=ecdf-plot]", "data-marks", moEcdf.shown);
    expect(await canvasInk(mo, "ecdf-plot")).toBeGreaterThan(500);
    await panelShot(mo, "hypervolume", "hypervolume.png");
    await panelShot(mo, "ecdf", "ecdf.png");
    await mo.close();
    expect(problems).toEqual([]);
  });

  it("draws a plot far below the fold once it comes near, and every plot before the page is printed", async () => {
    const page = await open(studyUrl("fixture-1k"));
    const bottom = "[data-testid=timeline-plot]";
    await page.waitForSelector(`${bottom}[data-marks]`);
    // Two screens down: its marks are known, and nothing is drawn until it comes near.
    expect(await page.evaluate((sel) => (globalThis as any).document.querySelector(sel).getBoundingClientRect().top / (globalThis as any).innerHeight, bottom)).toBeGreaterThan(2);
    expect(Number(await page.getAttribute(bottom, "data-marks"))).toBeGreaterThan(0);
    expect(await page.getAttribute(bottom, "data-waiting")).toBe("");
    expect(await inkNow(page, "timeline-plot")).toBe(0);
    // The plots at the top drew at once.
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    expect(await page.getAttribute("[data-testid=history-plot]", "data-waiting")).toBeNull();
    expect(await inkNow(page, "history-plot")).toBeGreaterThan(500);
    await page.locator(bottom).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${bottom}:not([data-waiting])`);
    expect(await inkNow(page, "timeline-plot")).toBeGreaterThan(500);
    await page.close();

    // Printing, or a picture of the whole page, draws every plot that still waits.
    const printed = await open(studyUrl("fixture-1k"));
    await printed.waitForSelector(`${bottom}[data-waiting]`);
    await printed.evaluate(() => (globalThis as any).dispatchEvent(new Event("beforeprint")));
    expect(await printed.locator("[data-waiting]").count()).toBe(0);
    expect(await inkNow(printed, "timeline-plot")).toBeGreaterThan(500);
    await printed.close();
  });

  it("draws the slice and parallel coordinates of a downsampled study from a random sample of its trials, which lies where they all lie", async () => {
    const { trials } = await seedStudy(storage, "sampled-6k", { trials: 6000, seed: 13, curves: false });
    const page = await open(studyUrl("sampled-6k"));
    const points = await apiJson<{ values: (number | null)[]; sample: boolean[]; shown: number; matched: number }>("/studies/sampled-6k/points?maxPoints=2000");
    expect(points.matched).toBe(6000);
    const sampled = points.values.filter((v, i): v is number => v !== null && points.sample[i]!);
    expect(sampled.length).toBeGreaterThan(900);
    // Before, the slice drew each stretch's lowest and highest value: two bands, at the best and
    // the worst values (f = 10·x1² + x2 spans about -5…255), and almost nothing between.
    const between = (values: number[]) => values.filter((v) => v > 25 && v < 200).length / values.length;
    const all = trials.flatMap((t) => (t.value === null ? [] : [t.value]));
    expect(Math.abs(between(sampled) - between(all))).toBeLessThan(0.05);
    // The page draws the sample there: nine parameters' scatters, and one line per sampled trial.
    await waitAttr(page, "[data-testid=slice-plot]", "data-marks", sampled.length * 9);
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", sampled.length);
    await waitAttr(page, "[data-testid=history-plot]", "data-marks", points.values.filter((v) => v !== null).length);
    await expect(page.locator("[data-testid=slice-note]").textContent()).resolves.toContain(`${sampled.length} of 6000 matched trials drawn`);
    await panelShot(page, "slice", "slice-downsampled.png");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("draws infeasible trials in the history apart from the feasible ones the best-so-far line runs through", async () => {
    const x: Distribution = { type: "float", low: 0, high: 1 };
    const study = await storage.createStudy("infeasible-history", ["minimize"]);
    // Every third trial violates its constraint with the study's lowest values: below the best-so-far line.
    for (let i = 0; i < 24; i++) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      const violates = i % 3 === 2;
      await storage.updateTrial(trial.id, { params: { x: { value: i / 24, distribution: x } }, state: "complete", values: [violates ? 0.1 : 5 - i / 10], systemAttrs: { constraints: [violates ? 1 : -1] } });
    }
    const page = await open(studyUrl("infeasible-history"));
    await waitAttr(page, "[data-testid=history-plot]", "data-marks", 24);
    // They were drawn as complete trials: points under a best-so-far line that seemed to miss them.
    await waitAttr(page, "[data-testid=history-plot]", "data-infeasible", 8);
    const points = await apiJson<{ feasible: (boolean | null)[]; numbers: number[] }>("/studies/infeasible-history/points");
    expect(points.numbers.filter((_, i) => points.feasible[i] === false)).toEqual([2, 5, 8, 11, 14, 17, 20, 23]);
    expect(await page.getAttribute("[data-testid=history-plot]", "data-best-trial")).toBe("22");
    await panelShot(page, "history", "history-infeasible.png");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("labels every choice of a categorical slice, and a log-scale slice's ticks without one over another", async () => {
    const logLr: Distribution = { type: "float", low: 1e-5, high: 1, log: true };
    const choices = ["adam", "sgd", "<b>rmsprop</b>"];
    const optimizer: Distribution = { type: "categorical", choices };
    const units: Distribution = { type: "int", low: 1, high: 8 };
    const study = await storage.createStudy("slice-labels", ["minimize"]);
    for (let i = 0; i < 30; i++) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      const lr = 10 ** (-5 + (i % 6));
      await storage.updateTrial(trial.id, {
        // Three parameters: three scatters to a row, each a third of the card wide.
        params: { lr: { value: lr, distribution: logLr }, optimizer: { value: choices[i % 3]!, distribution: optimizer }, units: { value: 1 + (i % 8), distribution: units } },
        state: "complete",
        values: [Math.abs(Math.log10(lr) + 3) + (i % 3)],
      });
    }
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    // Every text ECharts draws on a canvas, with its box in canvas pixels: labels are canvas text.
    await page.addInitScript(() => {
      const drawn: { canvas: unknown; text: string; left: number; right: number; y: number }[] = [];
      (globalThis as any).drawnTexts = drawn;
      const proto = (globalThis as any).CanvasRenderingContext2D.prototype;
      const fillText = proto.fillText;
      proto.fillText = function (this: any, text: unknown, x: number, y: number, ...rest: unknown[]) {
        const width = this.measureText(String(text)).width;
        const left = this.textAlign === "center" ? x - width / 2 : this.textAlign === "right" || this.textAlign === "end" ? x - width : x;
        const t = this.getTransform();
        const ends = [left, left + width].map((at) => t.a * at + t.c * y + t.e);
        drawn.push({ canvas: this.canvas, text: String(text), left: Math.min(...ends), right: Math.max(...ends), y: Math.round(t.b * left + t.d * y + t.f) });
        return fillText.call(this, text, x, y, ...rest);
      };
    });
    await page.goto(studyUrl("slice-labels"));
    await page.waitForSelector("[data-testid=slice-plot][data-marks]");
    await page.waitForTimeout(300);
    const labels = await page.evaluate(() => {
      const canvas = (globalThis as any).document.querySelector("[data-testid=slice-plot] canvas");
      const seen = new Map<string, { text: string; left: number; right: number; y: number }>();
      for (const d of (globalThis as any).drawnTexts) {
        if (d.canvas !== canvas) continue;
        seen.set(`${d.text}|${Math.round(d.left)}|${d.y}`, { text: d.text, left: d.left, right: d.right, y: d.y });
      }
      return [...seen.values()];
    });
    const texts = labels.map((l) => l.text);
    // Only "adam" was labelled: the other choices' columns had no name.
    for (const choice of choices) expect(texts.some((t) => t === choice || (t.endsWith("…") && choice.startsWith(t.slice(0, -1)))), `${choice} in ${texts.join(" ")}`).toBe(true);
    // The log axis drew 1e-5 … 1 a decade apart, "1e-40.0010.01" run together: labels on one line less than a space apart.
    const runTogether: string[] = [];
    for (const a of labels) for (const b of labels) if (a !== b && a.y === b.y && a.left <= b.left && a.right + 3 > b.left) runTogether.push(`${a.text} against ${b.text}`);
    expect(runTogether).toEqual([]);
    await panelShot(page, "slice", "slice-labels.png");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows the model's beliefs over two parameters as a grid of the posterior mean, and its std", async () => {
    const page = await open(studyUrl("fixture-1k"));
    await page.waitForSelector("[data-testid=beliefs-plot][data-marks]");
    const grid = await apiJson<{ kind: string; x: unknown[]; y: unknown[]; mean: number[]; std: number[] }>("/studies/fixture-1k/beliefs?x=x1&y=x2");
    expect(grid.kind).toBe("grid");
    const cells = grid.x.length * grid.y.length;
    expect(grid.mean).toHaveLength(cells);
    await page.selectOption("[data-testid=beliefs-param2]", "x2");
    await waitSearch(page, "belief2=x2");
    await waitAttr(page, "[data-testid=beliefs-note]", "data-kind", "grid");
    await waitAttr(page, "[data-testid=beliefs-plot]", "data-marks", cells);
    expect(await canvasInk(page, "beliefs-plot")).toBeGreaterThan(500);
    await page.selectOption("[data-testid=beliefs-stat]", "std");
    await waitSearch(page, "beliefStat=std");
    await page.waitForFunction(() => ((globalThis as any).document.querySelector("[data-testid=beliefs-note]").textContent as string).includes("posterior std"));
    expect(Number(await page.getAttribute("[data-testid=beliefs-plot]", "data-marks"))).toBe(cells);
    // The pair survives a reload through the address bar.
    await page.reload();
    await page.waitForSelector("body[data-ready]");
    await waitAttr(page, "[data-testid=beliefs-note]", "data-kind", "grid");
    await waitAttr(page, "[data-testid=beliefs-plot]", "data-marks", cells);
    await page.selectOption("[data-testid=beliefs-stat]", "mean");
    await page.waitForFunction(() => ((globalThis as any).document.querySelector("[data-testid=beliefs-note]").textContent as string).includes("posterior mean"));
    await page.mouse.move(0, 0);
    await panelShot(page, "beliefs", "beliefs-2d.png");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows a model's recommended trial beside the best observed one, as a link to its detail", async () => {
    const record = await storage.createStudy("recommended", ["minimize"]);
    const X = { type: "float", low: 0, high: 10 } as const;
    for (const value of [2.0, 1.0, 1.5]) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      // The GP would record this on the trial it samples: trial 2 has the lowest posterior mean.
      const systemAttrs: Record<string, JsonValue> = value === 1.5 ? { recommended: { trial: 2, mean: 1.6, sd: 0.1, units: "objective", observations: 2, sampler: "gp" } } : {};
      await storage.updateTrial(trial.id, { params: { x: { value, distribution: X } }, state: "complete", values: [value], systemAttrs });
    }
    const page = await open(studyUrl("recommended"));
    await page.waitForSelector("[data-testid=recommended-trial]");
    expect(await page.textContent("[data-testid=best-trial]")).toBe("trial 1");
    expect(await page.textContent("[data-testid=recommended-trial]")).toBe("trial 2");
    expect(await page.textContent("#summary")).toContain("posterior mean 1.6 ± 0.1");
    await page.click("[data-testid=recommended-trial]");
    await page.waitForFunction(() => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === "Trial 2");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows a PBT segment's lineage in its detail, with the parent a link to its own detail", async () => {
    await seedPopulation(storage, "population");
    const page = await open(studyUrl("population", "&trial=2"));
    await page.waitForSelector("[data-testid=lineage]");
    const facts = await page.textContent("[data-testid=lineage]");
    expect(facts).toContain("member0");
    expect(facts).toContain("exploited frommember 1");
    expect(facts).toContain("checkpointt1.ckpt");
    expect(facts).toContain("savedt2.ckpt");
    expect(await page.locator("[data-testid=lineage-chain] li").evaluateAll((items) => items.map((li) => Number((li as any).dataset.trial)))).toEqual([0, 2, 4]);
    await page.locator("#detail").screenshot({ path: join(SHOTS, "lineage.png") });
    await page.click("[data-testid=lineage-parent]");
    await page.waitForFunction(() => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === "Trial 1");
    expect(new URL(page.url()).searchParams.get("trial")).toBe("1");
    // Trial 1 is member 1's first segment: no parent.
    await page.waitForSelector("[data-testid=lineage]");
    expect(await page.textContent("[data-testid=lineage]")).toContain("first segment");
    expect(await page.locator("[data-testid=lineage-chain] li").count()).toBe(2);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("sorts the table on the server and jumps to any page, keeping few rows in the page", async () => {
    const page = await open(studyUrl("fixture-1k"));
    await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
    await page.click('[data-testid=trial-table] button[data-sort="value"]');
    await waitSearch(page, "sort=value");
    const sortedValues = fixture.filter((t) => t.value !== null).map((t) => t.value!).sort((a, b) => a - b);
    const firstRowNumber = async () => Number(await page.locator('.tviewport .trow[data-index="0"]').getAttribute("data-number"));
    const bestTrial = fixture.find((t) => t.value === sortedValues[0])!;
    await waitAttr(page, '.tviewport .trow[data-index="0"]', "data-number", bestTrial.number);
    expect(await firstRowNumber()).toBe(bestTrial.number);
    await page.click('[data-testid=trial-table] button[data-sort="value"]');
    const worst = fixture.find((t) => t.value === sortedValues[sortedValues.length - 1])!;
    await waitAttr(page, '.tviewport .trow[data-index="0"]', "data-number", worst.number);
    await page.fill(".page-input", "5");
    await page.click(".page-go");
    await waitAttr(page, "[data-testid=trial-table]", "data-page", 5);
    // A page past the end goes to the last, and the box says so (it kept "999" while it had the focus).
    await page.fill(".page-input", "999");
    await page.press(".page-input", "Enter");
    await waitAttr(page, "[data-testid=trial-table]", "data-page", 20);
    await expect(page.locator(".page-input").inputValue()).resolves.toBe("20");
    await page.fill(".page-input", "5");
    await page.press(".page-input", "Enter");
    await waitAttr(page, "[data-testid=trial-table]", "data-page", 5);
    await page.waitForSelector('.tviewport .trow[data-index="200"]');
    const rendered = await page.locator(".tviewport .trow[data-number]").count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);
    await page.locator("#table").screenshot({ path: join(SHOTS, "table.png") });
    await page.close();
    expect(problems).toEqual([]);
  });

  it("brushing two axes leaves exactly the trials in both ranges, everywhere; clearing restores all", async () => {
    const page = await open(studyUrl("fixture-1k"));
    await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
    const box = (await page.locator("[data-testid=parallel-plot]").boundingBox())!;
    // The plot's layout: axes spread from 60 px to (width - right), each from 40 px below the top to
    // 30 px above the bottom; the right margin holds the objective axis' name, "value (minimize)",
    // at 6.5 px a character and 8 px more.
    const axisCount = 11;
    const right = Math.ceil("value (minimize)".length * 6.5) + 8;
    const axisX = (i: number) => box.x + 60 + (i * (box.width - 60 - right)) / (axisCount - 1);
    const axisY = (value: number, low: number, high: number) => box.y + 40 + (1 - (value - low) / (high - low)) * (box.height - 70);
    const drag = async (axis: number, from: number, to: number, low: number, high: number) => {
      await page.mouse.move(axisX(axis), axisY(from, low, high));
      await page.mouse.down();
      await page.mouse.move(axisX(axis), axisY((from + to) / 2, low, high), { steps: 4 });
      await page.mouse.move(axisX(axis), axisY(to, low, high), { steps: 4 });
      await page.mouse.up();
    };
    await drag(0, 2.5, -2.0, -5, 5); // x1
    await waitSearch(page, '"x1"');
    await drag(1, 4.0, -1.0, -5, 5); // x2
    await waitSearch(page, '"x2"');
    const ranges = JSON.parse(new URL(page.url()).searchParams.get("ranges")!) as Record<string, [number, number]>;
    expect(Object.keys(ranges).sort()).toEqual(["x1", "x2"]);
    const inside = (t: FixtureTrial) => Object.entries(ranges).every(([name, [low, high]]) => (t.params[name] as number) >= low && (t.params[name] as number) <= high);
    const expected = fixture.filter(inside).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(1000);
    const server = await apiJson<{ matched: number }>(`/studies/fixture-1k/table?ranges=${encodeURIComponent(JSON.stringify(ranges))}`);
    expect(server.matched).toBe(expected);
    await waitAttr(page, "[data-testid=match-count]", "data-matched", expected);
    await waitAttr(page, "[data-testid=table-status]", "data-matched", expected);
    // The history shows only what the brush leaves (it is small enough to be shown whole).
    await waitAttr(page, "[data-testid=history-note]", "data-matched", expected);
    await page.mouse.move(0, 0);
    await panelShot(page, "parallel", "parallel-brushed.png");
    await page.click("[data-testid=clear-brush]");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 1000);
    await waitAttr(page, "[data-testid=table-status]", "data-matched", 1000);
    expect(new URL(page.url()).searchParams.get("ranges")).toBeNull();
    // A value range goes too (it stayed in the address bar and the filter), and an emptied bound
    // given with Enter is removed rather than kept.
    const middle = Number(fixture.filter((t) => t.value !== null).map((t) => t.value!).sort((a, b) => a - b)[300]!.toPrecision(6));
    const below = fixture.filter((t) => t.value !== null && t.value <= middle).length;
    const above = fixture.filter((t) => t.value !== null && t.value >= middle).length;
    await page.fill("[data-testid=value-max]", String(middle));
    await page.press("[data-testid=value-max]", "Enter");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", below);
    await page.fill("[data-testid=value-max]", "");
    await page.press("[data-testid=value-max]", "Enter");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 1000);
    await page.fill("[data-testid=value-min]", String(middle));
    await page.click("[data-testid=value-apply]");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", above);
    await page.click("[data-testid=clear-brush]");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 1000);
    expect(new URL(page.url()).searchParams.get("valueMin")).toBeNull();
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows a categorical brush as the choices it keeps", async () => {
    // The chip read "kind ∈ [0, 1]", the choices' indices.
    const page = await open(studyUrl("fixture-1k", `&ranges=${encodeURIComponent(JSON.stringify({ kind: [0, 1] }))}`));
    await waitAttr(page, "[data-testid=match-count]", "data-matched", fixture.filter((t) => t.params.kind === "a" || t.params.kind === "b").length);
    expect(await page.locator("[data-testid=brushed]").textContent()).toBe("kind ∈ {a, b}");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("refuses a value range whose min is above its max beside the filter, and shows a bad filter from the address bar there, keeping the page", async () => {
    const page = await open(studyUrl("live"));
    await page.locator("[data-testid=match-count][data-matched]").waitFor();
    const matched = await page.locator("[data-testid=match-count]").getAttribute("data-matched");
    await page.fill("[data-testid=value-min]", "5");
    await page.fill("[data-testid=value-max]", "1");
    await page.click("[data-testid=value-apply]");
    const error = page.locator("[data-testid=filter-error]");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toContain("min 5 is above max 1");
    // Nothing was asked of the server: the address, the boxes and the counts stay as they were.
    expect(new URL(page.url()).searchParams.get("valueMin")).toBeNull();
    expect(await page.inputValue("[data-testid=value-min]")).toBe("5");
    expect(await page.locator("[data-testid=match-count]").getAttribute("data-matched")).toBe(matched);
    await page.close();
    // From the address bar (typed, or a link to a study without that parameter): the error sits
    // beside the filter bar, whose "clear brush" takes the page back to every trial.
    for (const extra of ["&valueMin=5&valueMax=1", `&ranges=${encodeURIComponent('{"zzz":[0,1]}')}`]) {
      const bad = await open(studyUrl("live", extra));
      const message = bad.locator("[data-testid=filter-error]");
      await message.waitFor({ state: "visible" });
      expect(await message.textContent()).toMatch(extra.includes("zzz") ? /query\.ranges\.zzz: the study has no parameter "zzz"/ : /query\.valueMin: 5 is above valueMax 1/);
      expect(await bad.locator("[data-testid=match-count]").textContent()).toBe("No trials shown: the filter is not valid.");
      await bad.click("[data-testid=clear-brush]");
      await waitAttr(bad, "[data-testid=match-count]", "data-matched", matched!);
      expect(await message.isVisible()).toBe(false);
      await bad.close();
    }
    // The server's 400 answers are logged by the browser; nothing else may have gone wrong.
    const others = problems.filter((p) => !/400/.test(p));
    problems.length = 0;
    expect(others).toEqual([]);
  });

  it("keeps a state filter in the address bar across a reload, and opens a failed trial's stderr as text", async () => {
    const page = await open(studyUrl("fixture-1k"));
    await page.check("[data-testid=state-failed]");
    await waitSearch(page, "state=failed");
    const failed = fixture.filter((t) => t.state === "failed").length;
    await waitAttr(page, "[data-testid=match-count]", "data-matched", failed);
    await page.reload();
    await page.waitForSelector("body[data-ready]");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", failed);
    expect(await page.isChecked("[data-testid=state-failed]")).toBe(true);
    await waitAttr(page, "[data-testid=table-status]", "data-matched", failed);
    await page.locator(".tviewport .trow[data-number]").first().click();
    await page.waitForSelector("[data-testid=stderr]");
    const stderr = await page.textContent("[data-testid=stderr]");
    expect(stderr).toContain("<b>boom</b>");
    expect(await page.locator("#detail b").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "trial.png") });
    // The panel takes the focus, and Escape closes it (neither did before).
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.closest("#detail") !== null)).toBe(true);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
    expect(new URL(page.url()).searchParams.get("trial")).toBeNull();
    await page.close();
    expect(problems).toEqual([]);
  });

  it("reaches the table's rows with Tab, moves through them with the keys, and opens a trial with Enter or Space", async () => {
    const page = await open(studyUrl("fixture-1k"));
    await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
    // The focused row, if a row has the focus: where it is, which trial, and whether its focus shows.
    const focusedRow = () =>
      page.evaluate(() => {
        const element = (globalThis as any).document.activeElement;
        if (!element?.matches(".tviewport .trow[data-number]")) return null;
        const style = (globalThis as any).getComputedStyle(element);
        const box = element.getBoundingClientRect();
        const viewport = element.parentElement.getBoundingClientRect();
        return {
          index: Number(element.dataset.index),
          number: Number(element.dataset.number),
          ring: element.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
          inView: box.top >= viewport.top && box.bottom <= viewport.bottom + 1,
          scrolledSideways: element.parentElement.scrollLeft > 0,
        };
      });
    // Rows used to be no tab stop at all: Tab went from the sort buttons straight past the table.
    await page.focus(".page-next");
    let row = null;
    for (let i = 0; i < 40 && !row; i++) {
      await page.keyboard.press("Tab");
      row = await focusedRow();
    }
    // Tab through the sort buttons scrolled the table to its last column; the row shows from its start.
    expect(row).toEqual({ index: 0, number: 0, ring: true, inView: true, scrolledSideways: false });
    // One tab stop for the whole table: Shift+Tab goes back to the header, not to another row.
    expect(await page.locator('.tviewport .trow[tabindex="0"]').count()).toBe(1);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await focusedRow()).toEqual({ index: 2, number: 2, ring: true, inView: true, scrolledSideways: false });
    await page.locator("#table").screenshot({ path: join(SHOTS, "table-focus.png") });
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === "Trial 2");
    expect(new URL(page.url()).searchParams.get("trial")).toBe("2");
    // Closing the panel gives the focus back to the row that opened it.
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
    expect(await focusedRow()).toMatchObject({ index: 2, number: 2, ring: true });
    // The last of the 1000 rows, drawn as the focus reaches it, with the page still holding few rows.
    await page.keyboard.press("End");
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.dataset?.index === "999");
    expect(await focusedRow()).toMatchObject({ index: 999, number: 999, ring: true, inView: true });
    expect(await page.locator(".tviewport .trow[data-number]").count()).toBeLessThan(100);
    await page.keyboard.press(" ");
    await page.waitForFunction(() => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === "Trial 999");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
    await page.keyboard.press("Home");
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.dataset?.index === "0");
    await page.keyboard.press("PageDown");
    const paged = (await focusedRow())!;
    expect(paged.index).toBeGreaterThan(5);
    expect(paged.inView).toBe(true);
    // Left and right scroll the columns, as they scrolled the table when it was the tab stop.
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(await focusedRow()).toMatchObject({ index: paged.index, scrolledSideways: true });
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.matches("button[data-sort]"))).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("keeps the focus on the sort button pressed, with the header one tab stop and the arrow keys between its buttons", async () => {
    const page = await open(studyUrl("fixture-1k"));
    await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
    const focused = () =>
      page.evaluate(() => {
        const element = (globalThis as any).document.activeElement;
        return element?.dataset?.sort !== undefined ? `sort:${element.dataset.sort}` : element?.dataset?.index !== undefined ? `row:${element.dataset.index}` : String(element?.tagName);
      });
    // Fourteen sort buttons used to be fourteen tab stops before the first row: now one, the sorted column's.
    const stops = () => page.evaluate(() => [...(globalThis as any).document.querySelectorAll("button[data-sort]")].filter((b: any) => b.tabIndex === 0).map((b: any) => b.dataset.sort));
    expect(await page.locator("button[data-sort]").count()).toBe(14);
    expect(await stops()).toEqual(["number"]);
    await page.focus(".page-next");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("sort:number");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("row:0");
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("sort:number");
    // Left and Right move between the buttons, Home and End to the ends (scrolling the columns into view).
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(await focused()).toBe("sort:value");
    expect(await stops()).toEqual(["value"]);
    await page.keyboard.press("End");
    expect(await focused()).toBe("sort:param:kind");
    expect(await page.evaluate(() => (globalThis as any).document.querySelector(".tviewport").scrollLeft)).toBeGreaterThan(0);
    await page.keyboard.press("Home");
    expect(await focused()).toBe("sort:number");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    // Sorting from the keyboard used to rebuild the table, dropping the focus on the page's body.
    const sortedValues = fixture.filter((t) => t.value !== null).map((t) => t.value!).sort((a, b) => a - b);
    const best = fixture.find((t) => t.value === sortedValues[0])!;
    const worst = fixture.find((t) => t.value === sortedValues[sortedValues.length - 1])!;
    await page.keyboard.press("Enter");
    await waitSearch(page, "sort=value");
    await waitAttr(page, '.tviewport .trow[data-index="0"]', "data-number", best.number);
    expect(await focused()).toBe("sort:value");
    expect(await page.getAttribute('[role=columnheader]:has(button[data-sort="value"])', "aria-sort")).toBe("ascending");
    await page.keyboard.press(" ");
    await waitSearch(page, "order=desc");
    await waitAttr(page, '.tviewport .trow[data-index="0"]', "data-number", worst.number);
    expect(await focused()).toBe("sort:value");
    expect(await page.getAttribute('[role=columnheader]:has(button[data-sort="value"])', "aria-sort")).toBe("descending");
    // Down goes to the rows, Up from the first row back to the button.
    await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe("row:0");
    expect(Number(await page.evaluate(() => (globalThis as any).document.activeElement.dataset.number))).toBe(worst.number);
    await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe("row:1");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    expect(await focused()).toBe("sort:value");
    // A click sorts too, and the header's tab stop follows it.
    await page.click('button[data-sort="state"]');
    await waitSearch(page, "sort=state");
    expect(await focused()).toBe("sort:state");
    expect(await stops()).toEqual(["state"]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("gives each objective of a two- and a three-objective study its own column, headers and values shown whole, and its Pareto plot any two", async () => {
    const record = await storage.createStudy("three-objectives", ["minimize", "maximize", "minimize"]);
    const X = { type: "float", low: -5, high: 5 } as const;
    const values = (i: number) => [123.456789 * i, -0.000123456 * (i + 1), 98765.4321 + i];
    for (let i = 0; i < 30; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: i / 10, distribution: X } }, state: "complete", values: values(i) });
    }
    for (const [study, objectives] of [["two-objectives", 2], ["three-objectives", 3]] as const) {
      const page = await open(studyUrl(study, "&sort=value"));
      await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
      const layout = await page.evaluate(() => {
        const doc = (globalThis as any).document;
        const box = (e: any) => {
          const r = e.getBoundingClientRect();
          return { left: Math.round(r.left), right: Math.round(r.right) };
        };
        // Whether any part of the cell (its label, the sort arrow) is cut off or spills over.
        const whole = (cell: any) => [cell, ...cell.querySelectorAll("*")].every((e: any) => e.scrollWidth <= e.clientWidth + 1 || e.clientWidth === 0);
        const headers = [...doc.querySelectorAll(".thead [role=columnheader]")].map((cell: any) => ({ text: cell.textContent, ...box(cell), whole: whole(cell) }));
        const row = doc.querySelector('.tviewport .trow[data-index="0"]');
        const cells = [...row.querySelectorAll("[role=gridcell]")].map((cell: any) => ({ text: cell.textContent, ...box(cell), whole: whole(cell) }));
        return { headers, cells, number: Number(row.dataset.number) };
      });
      const names = layout.headers.map((h) => h.text);
      // A column per objective, named by it; the sorted one shows its arrow.
      expect(names.slice(2, 2 + objectives), study).toEqual(Array.from({ length: objectives }, (_, k) => (k === 0 ? "objective 0 ▲" : `objective ${k}`)));
      expect(layout.headers.every((h) => h.whole), `${study}: ${JSON.stringify(layout.headers.filter((h) => !h.whole))}`).toBe(true);
      for (let i = 1; i < layout.headers.length; i++) expect(layout.headers[i]!.left, `${study} header ${i}`).toBeGreaterThanOrEqual(layout.headers[i - 1]!.right);
      // The rows' cells line up under the headers, and each value shows whole.
      expect(layout.cells.map(({ left, right }) => ({ left, right }))).toEqual(layout.headers.map(({ left, right }) => ({ left, right })));
      expect(layout.cells.every((c) => c.whole), `${study}: ${JSON.stringify(layout.cells.filter((c) => !c.whole))}`).toBe(true);
      const answer = await apiJson<{ rows: { number: number; values: number[] }[] }>(`/studies/${study}/table?sort=value&limit=1`);
      expect(layout.number).toBe(answer.rows[0]!.number);
      const shown = layout.cells.slice(2, 2 + objectives).map((c) => Number(c.text));
      answer.rows[0]!.values.forEach((value, k) => expect(Math.abs(shown[k]! - value), `${study} objective ${k}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(value))));
      await page.locator("#table").screenshot({ path: join(SHOTS, `table-${objectives}-objectives.png`) });
      // The Pareto plot of three objectives can show any two of them (it showed the first two alone),
      // and says its front is over all three; a study of two has no menus.
      expect(await page.locator("[data-testid=pareto-y]").count()).toBe(objectives === 3 ? 1 : 0);
      if (objectives === 3) {
        await page.selectOption("[data-testid=pareto-y]", "2");
        await waitSearch(page, "paretoY=2");
        await page.reload();
        await page.waitForSelector("[data-testid=pareto-plot][data-marks]");
        await expect(page.locator("[data-testid=pareto-y]").inputValue()).resolves.toBe("2");
        await expect(page.locator("[data-testid=pareto-note]").textContent()).resolves.toContain("over all 3 objectives");
      }
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it("bins an integer parameter on its integers, and takes a categorical parameter as a contour axis", async () => {
    const record = await storage.createStudy("contour-kinds", ["minimize"]);
    const LAYERS = { type: "int", low: 1, high: 7 } as const;
    const UNITS = { type: "int", low: 0, high: 99 } as const;
    const BATCH = { type: "int", low: 1, high: 256, log: true } as const;
    const OPT = { type: "categorical", choices: ["adam", "sgd", "rmsprop"] } as const;
    for (let i = 0; i < 84; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const layers = 1 + (i % 7);
      const opt = i % 3;
      const params = {
        layers: { value: layers, distribution: LAYERS },
        units: { value: (i * 37) % 100, distribution: UNITS },
        batch: { value: 1 + ((i * 53) % 256), distribution: BATCH },
        opt: { value: OPT.choices[opt]!, distribution: OPT },
      };
      await storage.updateTrial(trial.id, { params, state: "complete", values: [layers + 10 * opt] });
    }
    // Seven integers, seven cells: the axis had 24 bins, at 1.13, 1.38, …, most of them empty.
    type ContourAnswer = { matched: number; x: { labels: string[] }; y: { labels: string[] }; cells: [number, number, number, number][] };
    const byChoice = await apiJson<ContourAnswer>("/studies/contour-kinds/contour?x=layers&y=opt");
    expect(byChoice.x.labels).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(byChoice.y.labels).toEqual(["adam", "sgd", "rmsprop"]);
    expect(byChoice.cells).toHaveLength(21);
    for (const [i, j, mean, count] of byChoice.cells) {
      expect(mean).toBe(i + 1 + 10 * j);
      expect(count).toBe(4);
    }
    // More integers than bins: runs of whole integers, every one in exactly one run, none empty.
    const runs = (labels: string[]) => labels.map((label) => label.split("–").map(Number)).map(([first, last]) => [first!, last ?? first!]);
    for (const [name, low, high] of [["units", 0, 99], ["batch", 1, 256]] as const) {
      const answer = await apiJson<ContourAnswer>(`/studies/contour-kinds/contour?x=${name}&y=layers`);
      const bins = runs(answer.x.labels);
      expect(bins.length, name).toBeLessThanOrEqual(24);
      expect(bins[0]![0], name).toBe(low);
      expect(bins[bins.length - 1]![1], name).toBe(high);
      bins.forEach(([first, last], k) => {
        expect(Number.isInteger(first) && Number.isInteger(last) && first <= last, `${name} ${answer.x.labels[k]}`).toBe(true);
        if (k > 0) expect(first, name).toBe(bins[k - 1]![1] + 1);
      });
      expect(answer.cells.reduce((sum, cell) => sum + cell[3], 0)).toBe(84);
    }
    const page = await open(studyUrl("contour-kinds"));
    await page.waitForSelector("[data-testid=contour-plot][data-marks]");
    // Every parameter is offered, the categorical one too.
    const offered = await page.locator("[data-testid=contour-y] option").evaluateAll((options) => options.map((o) => (o as any).value));
    expect(offered.sort()).toEqual(["batch", "layers", "opt", "units"]);
    await page.selectOption("[data-testid=contour-x]", "layers");
    await page.selectOption("[data-testid=contour-y]", "opt");
    await waitSearch(page, "x=layers");
    await waitSearch(page, "y=opt");
    await waitAttr(page, "[data-testid=contour-plot]", "data-marks", 21);
    expect(await canvasInk(page, "contour-plot")).toBeGreaterThan(500);
    await page.mouse.move(0, 0);
    await panelShot(page, "contour", "contour-categorical.png");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("lays trials that ran at once on one worker on lanes, so every bar shows and opens its trial", async () => {
    const record = await storage.createStudy("parallel-lanes", ["minimize"]);
    const X = { type: "float", low: -5, high: 5 } as const;
    const worker = { worker: { id: "w1", host: "node-a", pid: 1 } };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Trials 0–2 run at once (started 60 ms apart, each for about 270 ms); trial 3 after them all.
    const running = [];
    for (let i = 0; i < 3; i++) {
      running.push(await storage.createTrial(record.id, { state: "running", systemAttrs: worker }));
      await sleep(60);
    }
    for (const [i, trial] of running.entries()) {
      await sleep(i === 0 ? 90 : 60);
      await storage.updateTrial(trial.id, { params: { x: { value: i, distribution: X } }, state: "complete", values: [i] });
    }
    await sleep(60);
    const last = await storage.createTrial(record.id, { state: "running", systemAttrs: worker });
    await sleep(150);
    await storage.updateTrial(last.id, { params: { x: { value: 3, distribution: X } }, state: "complete", values: [3] });
    const page = await open(studyUrl("parallel-lanes"));
    await waitAttr(page, "[data-testid=timeline-plot]", "data-marks", 4);
    await page.mouse.move(0, 0);
    // Complete bars, #2f6fdf: on one row the three that overlap were one blob.
    const bars = await markCentres(page, "timeline-plot", [47, 111, 223], { maxSize: 1000 });
    expect(bars).toHaveLength(4);
    // Left to right by start: trials 0, 1, 2 on three lanes, trial 3 back on the first.
    const lanes = bars.map((bar) => Math.round(bar.y));
    expect(new Set(lanes.slice(0, 3)).size).toBe(3);
    expect(Math.abs(bars[3]!.y - bars[0]!.y)).toBeLessThan(2);
    expect(bars[1]!.y).toBeGreaterThan(bars[0]!.y);
    expect(bars[2]!.y).toBeGreaterThan(bars[1]!.y);
    // The tooltip of the bar clicked last lies just below and right of it, over the next lane's
    // bar: the click goes through it (it used to take the click, until it hid).
    for (const trial of [0, 1, 2, 3]) await clickOpens(page, bars[trial]!, trial);
    await panelShot(page, "timeline", "timeline-lanes.png");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("opens the trial of a point clicked in the history, slice, timeline and Pareto plots, as a table row does", async () => {
    const record = await storage.createStudy("linked-points", ["minimize"]);
    const X = { type: "float", low: -5, high: 5 } as const;
    // Left to right in every plot (x and start times grow with the trial number), off the ends of
    // the value axis; the best-so-far line runs through trials 0 and 1.
    const values = [2.7, 1.3, 3.6, 2.2];
    for (const [i, value] of values.entries()) {
      const trial = await storage.createTrial(record.id, { state: "running", systemAttrs: { worker: { id: "w1", host: "node-a", pid: 1 } } });
      // Long enough for a bar on the timeline a click can find.
      await new Promise((resolve) => setTimeout(resolve, 120));
      await storage.updateTrial(trial.id, { params: { x: { value: -3 + 2 * i, distribution: X } }, state: "complete", values: [value] });
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    const page = await open(studyUrl("linked-points"));
    await waitAttr(page, "[data-testid=history-plot]", "data-marks", 4);
    await waitAttr(page, "[data-testid=slice-plot]", "data-marks", 4);
    await waitAttr(page, "[data-testid=timeline-plot]", "data-marks", 4);
    await page.mouse.move(0, 0);
    // Complete points: #2f6fdf, at opacity 0.7 in the history.
    const history = await markCentres(page, "history-plot", [109, 154, 233]);
    expect(history).toHaveLength(4);
    // Trial 1 lies on the best-so-far line: the click goes through the line to the point.
    for (const trial of [2, 1, 3]) await clickOpens(page, history[trial]!, trial);
    const slice = await markCentres(page, "slice-plot", [47, 111, 223]);
    expect(slice).toHaveLength(4);
    for (const trial of [0, 3]) await clickOpens(page, slice[trial]!, trial);
    const timeline = await markCentres(page, "timeline-plot", [47, 111, 223], { maxSize: 400 });
    expect(timeline).toHaveLength(4);
    await clickOpens(page, timeline[1]!, 1);
    // A click beside the points opens nothing.
    await page.mouse.click(history[2]!.x, history[2]!.y - 30);
    await page.waitForTimeout(100);
    expect(await page.locator("#detail").isHidden()).toBe(true);
    await page.close();

    const pareto = await storage.createStudy("linked-pareto", ["minimize", "minimize"]);
    for (const objectives of [[1, 3], [3, 3], [3, 1]]) {
      const trial = await storage.createTrial(pareto.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: objectives[0]!, distribution: X } }, state: "complete", values: objectives });
    }
    const mo = await open(studyUrl("linked-pareto"));
    await waitAttr(mo, "[data-testid=pareto-plot]", "data-marks", 3);
    await mo.mouse.move(0, 0);
    // The front in red (#d3322f), the dominated trial 1 in light blue (#9bb7e8).
    const front = await markCentres(mo, "pareto-plot", [211, 50, 47]);
    expect(front).toHaveLength(2);
    await clickOpens(mo, front[1]!, 2);
    const dominated = await markCentres(mo, "pareto-plot", [155, 183, 232]);
    expect(dominated).toHaveLength(1);
    await clickOpens(mo, dominated[0]!, 1);
    await mo.close();
    expect(problems).toEqual([]);
  });

  it("shows new trials of a running study without a reload, reading only what changed", async () => {
    const page = await open(studyUrl("live"));
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 10);
    const polls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/trials?")) polls.push(request.url());
    });
    const record = (await storage.getStudy("live"))!;
    for (let i = 0; i < 3; i++) {
      const trial = await storage.createTrial(record.id, { state: "running", systemAttrs: { worker: { id: "w9", host: "node-c", pid: 9 } } });
      await storage.updateTrial(trial.id, { params: { x1: { value: 0.1 * i, distribution: { type: "float", low: -5, high: 5 } } }, state: "complete", values: [i] });
    }
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 13);
    await waitAttr(page, "#summary .summary-body", "data-trials", 13);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((url) => /since=\d+/.test(url))).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("draws a live trial that violates its constraints, or reports none, without moving the best-so-far line", async () => {
    const record = await storage.createStudy("live-constrained", ["minimize"]);
    const x1 = { type: "float", low: -5, high: 5 } as const;
    const add = async (value: number, constraints?: number[]) => {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x1: { value, distribution: x1 } }, state: "complete", values: [value], systemAttrs: constraints ? { constraints } : {} });
    };
    await add(3, [-1]);
    const page = await open(studyUrl("live-constrained"));
    await waitAttr(page, "[data-testid=history-plot]", "data-best-trial", 0);
    await add(1, [0.5]); // better, but infeasible
    await add(0.5); // better, but of unknown feasibility in a constrained study
    await add(2, [0]); // feasible: the new best
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 4);
    expect(await page.locator("[data-testid=history-plot]").getAttribute("data-best-trial")).toBe("3");
    // Both better trials are drawn as infeasible, live as after a reload.
    expect(await page.locator("[data-testid=history-plot]").getAttribute("data-infeasible")).toBe("2");
    // A reload asks the server, which draws the same line.
    await page.reload();
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 4);
    expect(await page.locator("[data-testid=history-plot]").getAttribute("data-best-trial")).toBe("3");
    expect(await page.locator("[data-testid=history-plot]").getAttribute("data-infeasible")).toBe("2");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("under a state filter, drops a live trial that leaves it, and counts every trial of the study", async () => {
    const { study: record } = await seedStudy(storage, "live-running", { trials: 4, seed: 4, curves: false });
    const page = await open(studyUrl("live-running", "&state=running"));
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 0);
    const started = await storage.createTrial(record.id, { state: "running", systemAttrs: { worker: { id: "w1", host: "node-d", pid: 11 } } });
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 1);
    // Finished, it no longer matches; it used to stay counted ("1 of 1 trials match").
    await storage.updateTrial(started.id, { params: { x1: { value: 0.5, distribution: { type: "float", low: -5, high: 5 } } }, state: "complete", values: [1] });
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 0);
    expect(await page.locator("[data-testid=match-count]").textContent()).toBe("0 of 5 trials match the filter");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("says so when the study it shows is deleted, keeping its last state", async () => {
    await seedStudy(storage, "doomed", { trials: 3, seed: 2, curves: false });
    const page = await open(studyUrl("doomed"));
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 3);
    expect(await page.locator("[data-testid=live-status]").isVisible()).toBe(false);
    // The page used to go on as if nothing happened, logging a 404 a second to the console.
    await storage.deleteStudy("doomed");
    const status = page.locator("[data-testid=live-status]");
    await status.waitFor({ state: "visible" });
    expect(await status.textContent()).toContain("This study no longer exists");
    expect(await page.locator("[data-testid=match-count]").getAttribute("data-matched")).toBe("3");
    await page.close();
    // The browser logs each failed poll's 404; nothing else may have gone wrong.
    const others = problems.filter((p) => !/404/.test(p));
    problems.length = 0;
    expect(others).toEqual([]);
  });

  it("opens a study with no trials yet, and adds the panels of its parameters and curves as a tune fills it", async () => {
    const record = await storage.createStudy("watched-from-the-start", ["minimize"]);
    const page = await open(studyUrl("watched-from-the-start"));
    expect(await page.getAttribute("body", "data-ready")).toBe("true");
    await page.waitForSelector("[data-testid=history-plot]");
    expect(await page.locator("[data-testid=parallel-plot]").count()).toBe(0);
    const X = { type: "float", low: -5, high: 5 } as const;
    const add = async (count: number, withY: boolean) => {
      for (let i = 0; i < count; i++) {
        const trial = await storage.createTrial(record.id, { state: "running" });
        const params = { x: { value: i - 2, distribution: X }, ...(withY ? { y: { value: 2 - i, distribution: X } } : {}) };
        await storage.updateTrial(trial.id, { params, intermediate: withY ? { 0: i + 1, 1: i } : {}, state: "complete", values: [i] });
      }
    };
    // One parameter: parallel coordinates and slice appear, no contour yet.
    await add(3, false);
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", 3);
    await waitAttr(page, "[data-testid=slice-plot]", "data-marks", 3);
    expect(await page.locator("[data-testid=contour-plot]").count()).toBe(0);
    // A second parameter and learning curves: the contour over x × y and the curves appear.
    await add(3, true);
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", 6);
    await waitAttr(page, "[data-testid=curves-plot]", "data-marks", 3);
    await page.waitForSelector("[data-testid=contour-plot][data-marks]");
    expect(await page.locator("[data-testid=contour-y] option").allTextContents()).toEqual(["x", "y"]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("renders a study named like markup as text, with no dialog", async () => {
    const page = await open(studyUrl(XSS));
    await expect(page.textContent("[data-testid=study-name]")).resolves.toBe(XSS);
    expect(await page.locator("img").count()).toBe(0);
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    await page.waitForTimeout(200);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("serves the page under a strict CSP, and shows data only with the token", async () => {
    const index = await fetch(`${guarded.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-security-policy")).toMatch(/script-src 'self'(;|$)/);
    expect((await fetch(`${guarded.url}/api/v1/studies`)).status).toBe(401);
    const page = await open(guarded.url, { allow401: true });
    await page.waitForSelector("[data-testid=token-form]");
    expect(await page.locator("tr[data-study]").count()).toBe(0);
    await page.fill("[data-testid=token-form] input", TOKEN);
    await page.click("[data-testid=token-form] button");
    await page.waitForSelector('tr[data-study="fixture-1k"]');
    await page.close();
    const withFragment = await open(`${guarded.url}/?study=live#token=${TOKEN}`);
    await withFragment.waitForSelector("[data-testid=history-plot][data-marks]");
    expect(withFragment.url()).not.toContain(TOKEN);
    await withFragment.close();
    expect(problems).toEqual([]);
  });

  /** The trial number of the table's row at `index` (in the sorted, filtered order), once drawn. */
  const waitRow = (page: Page, index: number, number: number) =>
    page.waitForFunction(([i, want]) => (globalThis as any).document.querySelector(`.tviewport .trow[data-index="${i}"]`)?.dataset.number === want, [index, String(number)] as const);
  const focusedSort = (page: Page) => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.sort ?? null);

  /** Sorts by each objective's column from the keyboard, as a reader of `page` (a live dashboard or a report) does. */
  async function sortsEveryObjective(page: Page, trials: { number: number; values: number[] }[], objectives: number): Promise<void> {
    await page.waitForSelector(".tviewport .trow[data-number]");
    await page.locator('button[data-sort="number"]').focus();
    // number, state, then a column per objective: the arrow keys walk to each, Enter and Space sort.
    await page.keyboard.press("ArrowRight");
    for (let k = 0; k < objectives; k++) {
      const key = k === 0 ? "value" : `value:${k}`;
      await page.keyboard.press("ArrowRight");
      expect(await focusedSort(page)).toBe(key);
      const byValue = [...trials].sort((a, b) => a.values[k]! - b.values[k]! || a.number - b.number);
      const header = `[role=columnheader]:has(button[data-sort="${key}"])`;
      await page.keyboard.press(k % 2 === 0 ? "Enter" : " ");
      await waitRow(page, 0, byValue[0]!.number);
      await waitRow(page, 1, byValue[1]!.number);
      expect(await page.getAttribute(header, "aria-sort")).toBe("ascending");
      expect(new URL(page.url()).searchParams.get("sort")).toBe(key);
      await page.keyboard.press("Enter");
      const descending = [...trials].sort((a, b) => b.values[k]! - a.values[k]! || a.number - b.number);
      await waitRow(page, 0, descending[0]!.number);
      await waitRow(page, 1, descending[1]!.number);
      expect(await page.getAttribute(header, "aria-sort")).toBe("descending");
      // The focus stays on the button pressed; the header has one tab stop, on it.
      expect(await focusedSort(page)).toBe(key);
      expect(await page.locator('button[data-sort][tabindex="0"]').evaluateAll((buttons) => buttons.map((b) => (b as any).dataset.sort))).toEqual([key]);
      // Down reaches the first row, the best (or worst) trial by this objective.
      await page.keyboard.press("ArrowDown");
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.number)).toBe(String(descending[0]!.number));
      await page.keyboard.press("ArrowUp");
      expect(await focusedSort(page)).toBe(key);
    }
  }

  /** Three objectives that order the trials three ways; an int and a categorical parameter besides a float. */
  async function seedSortable(name: string): Promise<{ number: number; values: number[] }[]> {
    const record = await storage.createStudy(name, ["minimize", "maximize", "minimize"]);
    const X = { type: "float", low: -5, high: 5 } as const;
    const LAYERS = { type: "int", low: 1, high: 7 } as const;
    const OPT = { type: "categorical", choices: ["adam", "sgd", "rmsprop"] } as const;
    const trials: { number: number; values: number[] }[] = [];
    for (let i = 0; i < 42; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const values = [((i * 17) % 42) / 7, ((i * 29) % 42) - 20, ((i * 11) % 42) * 3.5];
      const params = { x: { value: (i % 10) - 4.5, distribution: X }, layers: { value: 1 + (i % 7), distribution: LAYERS }, opt: { value: OPT.choices[i % 3]!, distribution: OPT } };
      await storage.updateTrial(trial.id, { params, state: "complete", values });
      trials.push({ number: i, values });
    }
    return trials;
  }

  it("sorts the table by each objective's column, from the keyboard, on the server", async () => {
    const trials = await seedSortable("sort-objectives");
    const page = await open(studyUrl("sort-objectives"));
    // Every objective's column was a plain label but the first's.
    expect(await page.locator(".thead [role=columnheader]:not(:has(button[data-sort]))").count()).toBe(0);
    await sortsEveryObjective(page, trials, 3);
    // The order survives a reload through the address bar.
    await page.reload();
    await page.waitForSelector("body[data-ready]");
    const descending = [...trials].sort((a, b) => b.values[2]! - a.values[2]! || a.number - b.number);
    await waitRow(page, 0, descending[0]!.number);
    expect(await page.getAttribute('[role=columnheader]:has(button[data-sort="value:2"])', "aria-sort")).toBe("descending");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("takes a click on a point even where the tooltip of the point hovered before lies", async () => {
    const record = await storage.createStudy("tooltip-clicks", ["minimize"]);
    const X = { type: "float", low: -5, high: 5 } as const;
    // A diagonal down and to the right, every trial a new best: the points a few trials on from
    // any one lie where its tooltip (right of and below the pointer) is drawn.
    for (let i = 0; i < 40; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: -4 + i / 5, distribution: X } }, state: "complete", values: [40 - i] });
    }
    const page = await open(studyUrl("tooltip-clicks"));
    await waitAttr(page, "[data-testid=history-plot]", "data-marks", 40);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    const complete: [number, number, number] = [109, 154, 233];
    const points = await markCentres(page, "history-plot", complete);
    expect(points).toHaveLength(40);
    const hovered = 12;
    await page.mouse.move(points[hovered]!.x, points[hovered]!.y);
    // The tooltip shows: the points it is drawn over are gone from the canvas.
    let covered: number[] = [];
    await expect
      .poll(async () => {
        const now = await markCentres(page, "history-plot", complete);
        covered = points.map((p, i) => i).filter((i) => i !== hovered && !now.some((q) => Math.hypot(q.x - points[i]!.x, q.y - points[i]!.y) < 3));
        return covered.length;
      })
      .toBeGreaterThan(0);
    // The tooltip keeps off the point it describes.
    expect(covered).not.toContain(hovered);
    // A click on a point under the tooltip opens that point's trial: the tooltip took the click,
    // and nothing opened (the timeline test waited for the tooltip to hide before each click).
    const under = covered.find((i) => i > hovered)!;
    expect(under).toBeDefined();
    await clickOpens(page, points[under]!, under);
    // And with the tooltip shown for a point, a click on that point opens it.
    await page.mouse.move(points[hovered]!.x, points[hovered]!.y);
    await page.waitForTimeout(150);
    await clickOpens(page, points[hovered]!, hovered);
    // In the far corner, where the tooltip goes left of and above the pointer.
    const last = points.length - 1;
    await page.mouse.move(points[last]!.x, points[last]!.y);
    await page.waitForTimeout(150);
    await clickOpens(page, points[last]!, last);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("writes a report whose table sorts by any column from the keyboard, and whose contour takes any pair of parameters", async () => {
    const trials = await seedSortable("report-sorts");
    const file = join(reports, "report-sorts.html");
    writeFileSync(file, await buildReport(storage, "report-sorts"));
    const page = await open(pathToFileURL(file).href);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await sortsEveryObjective(page, trials, 3);
    // A parameter's column too: the categorical one sorts by its choices' order.
    await page.locator('button[data-sort="param:opt"]').focus();
    await page.keyboard.press("Enter");
    await waitRow(page, 0, 0);
    await waitRow(page, 1, 3);
    expect(await page.getAttribute('[role=columnheader]:has(button[data-sort="param:opt"])', "aria-sort")).toBe("ascending");
    expect(await page.locator("[data-testid=table-status]").getAttribute("data-matched")).toBe("42");
    // Contours of the int and the categorical parameter, either way round: 7 × 3 cells, none empty.
    await page.waitForSelector("[data-testid=contour-plot][data-marks]");
    for (const [x, y] of [["layers", "opt"], ["opt", "layers"], ["x", "opt"]] as const) {
      await page.selectOption("[data-testid=contour-x]", x);
      await page.selectOption("[data-testid=contour-y]", y);
      await waitSearch(page, `x=${x}`);
      await waitSearch(page, `y=${y}`);
      if (x !== "x") await waitAttr(page, "[data-testid=contour-plot]", "data-marks", 21);
      else await page.waitForFunction(() => Number((globalThis as any).document.querySelector("[data-testid=contour-plot]").dataset.marks) > 3);
      expect(await page.textContent("[data-testid=contour-note]")).toMatch(/^42 trials in \d+ cells/);
      expect(await canvasInk(page, "contour-plot")).toBeGreaterThan(500);
    }
    await page.mouse.move(0, 0);
    await panelShot(page, "contour", "report-contour-categorical.png");
    expect(requests.every((url) => url.startsWith("file:") || url.startsWith("data:"))).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("writes a report that opens offline with the same plots", async () => {
    const html = await buildReport(storage, "fixture-1k");
    const file = join(reports, "report.html");
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(60_000);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`report console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`report page error: ${error.message}`));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-ready]");
    for (const id of ["history-plot", "parallel-plot", "slice-plot", "contour-plot", "curves-plot", "timeline-plot", "importance-plot", "beliefs-plot", "ecdf-plot"]) {
      await page.waitForSelector(`[data-testid=${id}][data-marks]`);
      expect(await canvasInk(page, id), id).toBeGreaterThan(500);
    }
    await page.waitForSelector(".tviewport .trow[data-number]");
    expect(requests.every((url) => url.startsWith("file:") || url.startsWith("data:"))).toBe(true);
    await page.screenshot({ path: join(SHOTS, "report.png") });
    // A contour the report does not hold (of two of its less important parameters) says so, and
    // leaves no other pair's cells in its place.
    const answers = Object.keys(JSON.parse(/<script type="application\/json" id="sextant-report">(.*?)<\/script>/s.exec(html)![1]!).answers);
    const names = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "kind"];
    const held = (x: string, y: string) => answers.includes(`/studies/fixture-1k/contour?x=${x}&y=${y}`);
    const missing = names.flatMap((x) => names.map((y) => [x, y] as const)).find(([x, y]) => x !== y && !held(x, y) && !held(y, x))!;
    expect(missing).toBeDefined();
    await page.selectOption("[data-testid=contour-x]", missing[0]);
    await page.selectOption("[data-testid=contour-y]", missing[1]);
    await waitSearch(page, `y=${missing[1]}`);
    await page.waitForFunction(() => ((globalThis as any).document.querySelector("[data-testid=contour-note]").textContent as string).includes("not included in this report"));
    await waitAttr(page, "[data-testid=contour-plot]", "data-marks", 0);
    await page.close();
    expect(problems).toEqual([]);
  });
});
