/**
 * The live study page in real headless Chromium, against a server over a memory storage the tests
 * write to as workers would: trials finishing out of order, a study deleted and created again
 * under its name, a switch to another study while a poll is on its way, a running trial whose
 * parameters come later, a brush dragged while trials arrive, and a study deleted behind its page
 * (or behind the studies list) before the reader acts on it, and a server that does not answer
 * while a page is asked for.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server/index.js";
import { MemoryStorage } from "../src/storage/index.js";
import { seedStudy } from "./fixtures/dashboard-studies.mjs";
import { inCI } from "./fixtures/environment.js";

const CHROMIUM = process.env.SEXTANT_CHROMIUM ?? "/usr/bin/chromium";
const X = { type: "float", low: -5, high: 5 } as const;

describe.skipIf(!existsSync(CHROMIUM) && !inCI())("the live dashboard in headless Chromium", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: RunningServer;
  const storage = new MemoryStorage();
  /** Errors the pages logged (a deleted study's 404s aside). */
  const problems: string[] = [];

  async function open(name: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on("console", (message) => {
      if (message.type() === "error" && !/404/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${server.url}/?study=${encodeURIComponent(name)}`);
    await page.waitForSelector("body[data-ready=true]");
    return page;
  }

  const waitAttr = (page: Page, selector: string, attr: string, value: string | number) =>
    page.waitForFunction(([sel, name, want]) => (globalThis as any).document.querySelector(sel)?.getAttribute(name) === want, [selector, attr, String(value)] as const);

  /** A trial that a worker started (no parameters yet), and the write that finishes it. */
  async function start(studyId: number, param = "x"): Promise<(x: number, value: number) => Promise<void>> {
    const trial = await storage.createTrial(studyId, { state: "running" });
    return async (x, value) => void (await storage.updateTrial(trial.id, { params: { [param]: { value: x, distribution: X } }, state: "complete", values: [value] }));
  }

  async function serverBestSteps(name: string): Promise<string> {
    const points = (await (await fetch(`${server.url}/api/v1/studies/${name}/points`)).json()) as { best: { number: number }[] };
    return points.best.map((step) => step.number).join(" ");
  }

  beforeAll(async () => {
    if (!existsSync(join(import.meta.dirname, "..", "dist", "dashboard", "index.html"))) {
      const build = spawnSync("npx", ["vite", "build", "--config", "dashboard/vite.config.ts"], { cwd: join(import.meta.dirname, ".."), stdio: "inherit" });
      expect(build.status).toBe(0);
    }
    server = await startServer({ storage, port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("draws the best-so-far line in trial-number order when workers finish trials out of order, as a reload does", async () => {
    const record = await storage.createStudy("out-of-order", ["minimize"]);
    const finish = [await start(record.id), await start(record.id), await start(record.id)];
    const page = await open("out-of-order");
    await finish[2]!(0.3, 5);
    await waitAttr(page, "#summary .summary-body", "data-trials", 3);
    await waitAttr(page, "[data-testid=history-plot]", "data-best-steps", "2");
    await finish[1]!(0.2, 4);
    await waitAttr(page, "[data-testid=history-plot]", "data-best-steps", "1");
    // Trial 0, the best, finishes last: the line is flat at it from trial 0 on.
    await finish[0]!(0.1, 1);
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 3);
    expect(await serverBestSteps("out-of-order")).toBe("0");
    await waitAttr(page, "[data-testid=history-plot]", "data-best-steps", "0");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows the parameters of a trial first seen running once a later change brings them", async () => {
    const record = await storage.createStudy("params-later", ["minimize"]);
    await (await start(record.id))(1, 1);
    const page = await open("params-later");
    await waitAttr(page, "[data-testid=slice-plot]", "data-marks", 1);
    const finish = await start(record.id);
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 2);
    await finish(2, 0.5);
    await waitAttr(page, "[data-testid=history-plot]", "data-best-steps", "0 1");
    await waitAttr(page, "[data-testid=slice-plot]", "data-marks", 2);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("reloads a study deleted and created again under its name, whether or not it saw the study gone", async () => {
    await seedStudy(storage, "again", { trials: 6, seed: 3, curves: false });
    const page = await open("again");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 6);
    await storage.deleteStudy("again");
    await page.locator("[data-testid=live-status]").waitFor({ state: "visible" });
    // The new study's changes are counted from 1 again, below the seq the page had reached.
    await seedStudy(storage, "again", { trials: 2, seed: 4, curves: false });
    await waitAttr(page, "#summary .summary-body", "data-trials", 2);
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 2);
    await page.locator("[data-testid=live-status]").waitFor({ state: "hidden" });
    // Deleted and created again between two polls: no 404 to tell.
    await storage.deleteStudy("again");
    await seedStudy(storage, "again", { trials: 1, seed: 5, curves: false });
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 1);
    await waitAttr(page, "#summary .summary-body", "data-trials", 1);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("leaves the next study's page alone when the previous one's poll answers after the switch", async () => {
    const { study: first } = await seedStudy(storage, "left", { trials: 4, seed: 6, curves: false });
    await seedStudy(storage, "next", { trials: 3, seed: 7, curves: false });
    const page = await open("left");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/studies\/left\/trials\?/, async (route) => {
      await held;
      await route.continue();
    });
    const stalePoll = page.waitForResponse(/studies\/left\/trials\?/);
    await page.waitForRequest(/studies\/left\/trials\?/);
    // The held poll will carry a change: the old page used to fetch its summary and fill the card it found.
    await (await start(first.id))(0, 0);
    await page.click("#home");
    await page.click('tr[data-study="next"] a');
    await waitAttr(page, "#summary .summary-body", "data-trials", 3);
    release();
    await stalePoll;
    // Two polls of the new page later, whatever the old one was going to do is done.
    for (let i = 0; i < 2; i++) await page.waitForResponse(/studies\/next\/trials\?/);
    expect(await page.textContent("[data-testid=study-name]")).toBe("next");
    expect(await page.getAttribute("#summary .summary-body", "data-trials")).toBe("3");
    expect(await page.locator("#summary").count()).toBe(1);
    await page.close();
    expect(problems).toEqual([]);
  });

  /** The browser's own line for each answer of 404, which a deleted study's requests all get. */
  const NOT_FOUND_LINE = /^Failed to load resource: the server responded with a status of 404\b/;

  /**
   * A page whose errors are collected apart: its uncaught exceptions and unhandled rejections, and
   * what it logs as errors, less the browser's own lines that match `expected` (a page cannot
   * silence those).
   */
  async function openWatched(url: string, expected = NOT_FOUND_LINE): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(30_000);
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && !expected.test(message.text())) errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    await page.goto(url);
    await page.waitForSelector("body[data-ready]");
    return { page, errors };
  }

  interface LostPage {
    /** The study's page: its server and its name; the study holds 250 trials, `complete` of them complete. */
    url: string;
    name: string;
    complete: number;
    /** Deletes the study or stops the server. */
    lose: () => Promise<unknown>;
    /** What the page then says. */
    said: RegExp;
    /** Resolves once the requests of an action have failed. */
    settled: (page: Page) => Promise<unknown>;
    /** The browser's own error lines for those requests. */
    expected?: RegExp;
  }

  /**
   * Opens a study's page and ticks a state (a step for Back to take), and loses the study or its
   * server while the tick's last answers are on their way: its count and rows came, its ECDF did
   * not (nor the importance, asked after it). The tick stays: the count and the rows show it. Then
   * acts on the page as a reader would: goes Back, pages, moves through the table with the keys,
   * sorts, brushes (drag and form), filters, picks the plots' parameters and opens a trial. Each
   * action asks the server and gets no answer it can show. The page says so, keeps what it shows,
   * and puts the controls the action changed back to it: the sort arrow, the filter bar, the menus
   * and the address bar; a step it pushed for Back is taken back. Answers the errors the page logged.
   */
  async function actOnLostPage({ url, name, complete, lose, said, settled, expected }: LostPage): Promise<string[]> {
    const { page, errors } = await openWatched(`${url}/?study=${name}`, expected);
    await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ecdf = new RegExp(`studies/${name}/ecdf\\?`);
    await page.route(ecdf, async (route) => {
      await held;
      await route.continue();
    });
    await page.click("[data-testid=state-complete]");
    await waitAttr(page, "[data-testid=match-count]", "data-matched", complete);
    await waitAttr(page, "[data-testid=table-status]", "data-matched", complete);
    const shown = new URL(page.url()).search;
    expect(shown).toContain("state=complete");
    const rows = () => page.locator(".tviewport .trow[data-number]").evaluateAll((all) => all.slice(0, 5).map((row) => (row as any).dataset.number).join());
    const firstRows = await rows();
    await lose();
    release();
    // The page is busy until the tick's last answer has failed: the address then still says the tick.
    await page.waitForSelector(".study:not([aria-busy])");
    await page.unroute(ecdf);
    expect(new URL(page.url()).search).toBe(shown);
    expect(await page.isChecked("[data-testid=state-complete]")).toBe(true);
    const status = page.locator("[data-testid=live-status]");
    await status.waitFor({ state: "visible" });
    expect(await status.textContent()).toMatch(said);
    const afterAction = async () => {
      await settled(page);
      await page.waitForFunction((want) => (globalThis as any).location.search === want, shown);
      await page.waitForSelector(".study:not([aria-busy])");
      // Between two actions, a poll hides nothing.
      expect(await status.textContent()).toMatch(said);
    };
    // Back asks for every state, and shows the complete ones still: it replaced the page with the bare message.
    await page.goBack();
    await afterAction();
    expect(await page.isChecked("[data-testid=state-complete]")).toBe(true);
    expect(await page.getAttribute("[data-testid=match-count]", "data-matched")).toBe(String(complete));
    expect(await rows()).toBe(firstRows);
    // The table's pager and keys fetch rows it has not got (page 3: rows 100 to 149).
    await page.fill(".page-input", "3");
    await page.click(".page-go");
    await afterAction();
    await page.locator('.tviewport .trow[data-index="0"]').focus();
    await page.keyboard.press("End");
    await afterAction();
    await page.locator(".tviewport").evaluate((viewport) => ((viewport as any).scrollTop = 0));
    // A sort the server does not answer leaves the arrow on the order the rows are in.
    await page.click('[data-testid=trial-table] button[data-sort="value"]');
    await afterAction();
    expect(await page.getAttribute('[role=columnheader]:has(button[data-sort="number"])', "aria-sort")).toBe("ascending");
    expect(await page.getAttribute('[role=columnheader]:has(button[data-sort="value"])', "aria-sort")).toBeNull();
    expect(await page.textContent('button[data-sort="value"] .th-arrow')).toBe("");
    expect(await rows()).toBe(firstRows);
    // A brush dragged along x1, the first axis (laid out as in the tests above), goes away again.
    await page.locator("[data-testid=parallel-plot]").scrollIntoViewIfNeeded();
    const box = (await page.locator("[data-testid=parallel-plot]").boundingBox())!;
    const axisY = (value: number) => box.y + 40 + (1 - (value + 5) / 10) * (box.height - 70);
    await page.mouse.move(box.x + 60, axisY(3));
    await page.mouse.down();
    await page.mouse.move(box.x + 60, axisY(-3), { steps: 4 });
    await page.mouse.up();
    await afterAction();
    expect(await page.textContent("[data-testid=brushed]")).toBe("");
    await page.selectOption("[data-testid=brush-axis]", "p1");
    await page.fill("[data-testid=brush-from]", "-1");
    await page.fill("[data-testid=brush-to]", "1");
    await page.click("[data-testid=brush-apply]");
    await afterAction();
    expect(await page.inputValue("[data-testid=brush-from]")).toBe("");
    // A state ticked, and a range of values, are unticked and emptied again; the step each pushed
    // for Back is taken back, so that Back goes where the reader was, not to the same page again.
    const historyEntry = () => page.evaluate(() => (globalThis as any).navigation.currentEntry.index as number);
    const entry = await historyEntry();
    await page.click("[data-testid=state-failed]");
    await afterAction();
    expect(await page.isChecked("[data-testid=state-failed]")).toBe(false);
    expect(await page.isChecked("[data-testid=state-complete]")).toBe(true);
    expect(await historyEntry()).toBe(entry);
    await page.fill("[data-testid=value-max]", "10");
    await page.click("[data-testid=value-apply]");
    await afterAction();
    expect(await page.inputValue("[data-testid=value-max]")).toBe("");
    expect(await historyEntry()).toBe(entry);
    // The plots' menus show the parameters drawn.
    const menus = ["contour-x", "importance-method", "beliefs-param"].map((id) => `[data-testid=${id}]`);
    const before = await Promise.all(menus.map((menu) => page.inputValue(menu)));
    await page.selectOption(menus[0]!, "x3");
    await page.selectOption(menus[1]!, "ped-anova");
    await page.selectOption(menus[2]!, "x2");
    await afterAction();
    expect(await Promise.all(menus.map((menu) => page.inputValue(menu)))).toEqual(before);
    // A trial opened from the table says what the poll says.
    await page.locator(".tviewport .trow[data-number]").first().click();
    await page.waitForFunction((text) => new RegExp(text).test((globalThis as any).document.getElementById("detail")?.textContent ?? ""), said.source);
    await page.keyboard.press("Escape");
    await afterAction();
    expect(await page.textContent("[data-testid=study-name]")).toBe(name);
    expect(await rows()).toBe(firstRows);
    await page.close();
    return errors;
  }

  const completeOf = (trials: { state: string }[]) => trials.filter((trial) => trial.state === "complete").length;

  it("keeps the page of a study deleted behind it, and says so, whatever the reader does next", async () => {
    const { trials } = await seedStudy(storage, "vanishing", { trials: 250, seed: 10 });
    const errors = await actOnLostPage({
      url: server.url,
      name: "vanishing",
      complete: completeOf(trials),
      lose: () => storage.deleteStudy("vanishing"),
      said: /no longer exists/,
      settled: (page) => page.waitForResponse(/studies\/vanishing\/trials\?/),
    });
    expect(errors).toEqual([]);
  });

  it("keeps the page of a server that stopped, says so whatever the reader does, and puts back the controls it changed", async () => {
    // A server of its own, stopped: every request of the page then fails ("Failed to fetch").
    const own = new MemoryStorage();
    const { trials } = await seedStudy(own, "stopping", { trials: 250, seed: 12 });
    const stopping = await startServer({ storage: own, port: 0 });
    const refused = /^Failed to load resource: net::ERR_CONNECTION_REFUSED$/;
    // Its studies list, open in another tab.
    const list = await openWatched(stopping.url, refused);
    await list.page.waitForSelector('tr[data-study="stopping"]');
    const errors = await actOnLostPage({
      url: stopping.url,
      name: "stopping",
      complete: completeOf(trials),
      lose: () => stopping.close(),
      said: /server does not answer/,
      settled: (page) => page.waitForEvent("requestfailed", (request) => /studies\/stopping\/trials\?/.test(request.url())),
      expected: refused,
    });
    expect(errors).toEqual([]);
    // A search typed there keeps the list and the box, and says why the list stays as it was.
    await list.page.fill("[data-testid=study-search]", "nothing");
    const status = list.page.locator("[data-testid=search-status]");
    await status.waitFor({ state: "visible" });
    expect(await status.textContent()).toMatch(/^The server does not answer: /);
    expect(await list.page.locator('tr[data-study="stopping"]').count()).toBe(1);
    expect(await list.page.inputValue("[data-testid=study-search]")).toBe("nothing");
    expect(list.errors).toEqual([]);
    await list.page.close();
  });

  it("says the server does not answer while the studies list or a study's page is asked for, and shows it once the server answers again", async () => {
    // Servers over one storage, started and stopped on one port: the page's address stays the same.
    const own = new MemoryStorage();
    await seedStudy(own, "awaited", { trials: 4, seed: 13, curves: false });
    let running = await startServer({ storage: own, port: 0 });
    const { url, port } = running;
    const restart = async () => void (running = await startServer({ storage: own, port }));
    // A stop cuts the poll under way (RESET); the requests after it are refused (REFUSED).
    const { page, errors } = await openWatched(`${url}/?study=awaited`, /^Failed to load resource: (net::ERR_CONNECTION_(REFUSED|RESET)|the server responded with a status of 404\b)/);
    await waitAttr(page, "#summary .summary-body", "data-trials", 4);
    const status = page.locator("#app > [data-testid=route-status]");
    /** Says the server does not answer, instead of the page asked for, until it answers. */
    const silent = async (shows: string) => {
      await status.waitFor({ state: "visible" });
      expect(await status.textContent()).toMatch(new RegExp(`^The server does not answer: ${shows} shows once it does; retrying every second\\.$`));
      expect(await page.locator("#app [role=alert]").count()).toBe(0);
      expect(await page.getAttribute("body", "data-ready")).toBe("retrying");
      // Asked again after a second, and again after another.
      for (let i = 0; i < 2; i++) await page.waitForEvent("requestfailed");
      expect(await status.isVisible()).toBe(true);
    };
    // The studies list, by the page's own link.
    await running.close();
    await page.click("#home");
    await silent("the studies list");
    await restart();
    await page.waitForSelector('tr[data-study="awaited"] a');
    expect(await status.count()).toBe(0);
    // A study's page, by the list's link; then Back to the list and Forward to the study.
    await running.close();
    await page.click('tr[data-study="awaited"] a');
    await silent('the study "awaited"');
    await restart();
    // Left while its last answers are on their way: done after the next page, it said that one was ready.
    await waitAttr(page, "#summary .summary-body", "data-trials", 4);
    await running.close();
    await page.goBack();
    await silent("the studies list");
    await page.goForward();
    await silent('the study "awaited"');
    await restart();
    await waitAttr(page, "#summary .summary-body", "data-trials", 4);
    expect(await status.count()).toBe(0);
    // A study that is not there is said to be missing, once: the server answered.
    const asked: string[] = [];
    page.on("request", (request) => void (/studies\/missing\//.test(request.url()) && asked.push(request.url())));
    await page.evaluate(() => {
      (globalThis as any).history.pushState(null, "", "?study=missing");
      (globalThis as any).dispatchEvent(new (globalThis as any).PopStateEvent("popstate"));
    });
    await page.waitForSelector("body[data-ready=error]");
    expect(await page.textContent("#app [role=alert]")).toMatch(/no study named "missing"/);
    await page.waitForTimeout(2500);
    expect(asked).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
    await running.close();
  });

  it("says that a study deleted while the studies list showed it is gone, once clicked", async () => {
    await seedStudy(storage, "listed", { trials: 3, seed: 11, curves: false });
    const { page, errors } = await openWatched(server.url);
    await page.waitForSelector('tr[data-study="listed"] a');
    await storage.deleteStudy("listed");
    await page.click('tr[data-study="listed"] a');
    await page.waitForSelector("body[data-ready=error]");
    expect(await page.textContent("#app [role=alert]")).toMatch(/no study named "listed"/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("keeps a brush being dragged on the parallel coordinates while trials arrive", async () => {
    const { study: record } = await seedStudy(storage, "brushing", { trials: 20, seed: 8, curves: false });
    const page = await open("brushing");
    await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
    const marksBefore = Number(await page.getAttribute("[data-testid=parallel-plot]", "data-marks"));
    const box = (await page.locator("[data-testid=parallel-plot]").boundingBox())!;
    // The plot's layout (as the brushing test in dashboard-browser.test.ts reads it): axis x1 at 60 px, from 40 px below the top to 30 px above the bottom.
    const axisY = (value: number) => box.y + 40 + (1 - (value + 5) / 10) * (box.height - 70);
    await page.mouse.move(box.x + 60, axisY(3));
    await page.mouse.down();
    await page.mouse.move(box.x + 60, axisY(1), { steps: 4 });
    await (await start(record.id, "x1"))(0, 100);
    await waitAttr(page, "#summary .summary-body", "data-trials", 21);
    await page.mouse.move(box.x + 60, axisY(-3), { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.has("ranges"));
    const ranges = JSON.parse(new URL(page.url()).searchParams.get("ranges")!) as Record<string, [number, number]>;
    expect(ranges.x1![0]).toBeCloseTo(-3, 0);
    expect(ranges.x1![1]).toBeCloseTo(3, 0);
    // The trials that arrived during the drag are drawn once it ends.
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", marksBefore + 1);
    await page.close();
    expect(problems).toEqual([]);
  });
});
