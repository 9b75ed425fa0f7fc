/**
 * The dashboard over a reader's session, in real headless Chromium: a token given on a study's
 * page, one refused during live updates, round trips between the list and a study that must not
 * keep the charts they left behind, typing in the studies' search box, and the filter bar used
 * from the keyboard. Each test opens a small study, so the file takes seconds.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server/index.js";
import { MemoryStorage } from "../src/storage/index.js";
import { canvasTexts, haveChromium, launchChromium, openDashboard, overlappingTexts } from "./fixtures/dashboard-browser.js";
import { LONG_PARAM_NAMES, seedStudy } from "./fixtures/dashboard-studies.mjs";
import { inCI } from "./fixtures/environment.js";

const TOKEN = "session-token-7";

describe.skipIf(!haveChromium && !inCI())("a reader's session with the dashboard in headless Chromium", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: RunningServer;
  let guarded: RunningServer;
  const storage = new MemoryStorage();
  /** Errors the pages logged. */
  const problems: string[] = [];

  /** The 401s the token tests provoke are expected. */
  const open = (url: string, width?: number, options?: { recordText?: boolean }): Promise<Page> => openDashboard(browser, url, problems, /401/, width, options);

  const waitAttr = (page: Page, selector: string, attr: string, value: string | number) =>
    page.waitForFunction(([sel, name, want]) => (globalThis as any).document.querySelector(sel)?.getAttribute(name) === want, [selector, attr, String(value)] as const);

  beforeAll(async () => {
    await seedStudy(storage, "small", { trials: 30, seed: 3, curves: false });
    server = await startServer({ storage, port: 0 });
    guarded = await startServer({ storage, port: 0, token: TOKEN });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await guarded?.close();
  });

  it("shows a study once its page is given the right token, and says a wrong one is wrong", async () => {
    const page = await open(`${guarded.url}/?study=small`);
    await page.waitForSelector("[data-testid=token-form]");
    expect(await page.locator("[data-testid=token-refused]").count()).toBe(0);
    await page.fill("[data-testid=token-form] input", "not-the-token");
    await page.click("[data-testid=token-form] button");
    await page.waitForSelector("[data-testid=token-refused]");
    await page.fill("[data-testid=token-form] input", TOKEN);
    await page.click("[data-testid=token-form] button");
    // The form used to stay: the study showed only after a reload.
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    expect(await page.textContent("[data-testid=study-name]")).toBe("small");
    expect(await page.locator("[data-testid=token-form]").count()).toBe(0);
    await page.close();
    expect(problems).toEqual([]);
  });

  /**
   * Canvases alive in the page's heap, in the document or not (queryObjects collects garbage
   * first). Under load a single reading came out up to 16 too high in about one run of four, though
   * the page had disposed its charts (readings a moment later were back down), while a leaked
   * chart's canvases stay for good. So the count is the least of readings a quarter of a second
   * apart, taken until two agree.
   */
  async function canvasesInHeap(page: Page): Promise<{ alive: number; inDocument: number }> {
    const cdp = await page.context().newCDPSession(page);
    const read = async (): Promise<number> => {
      const { result: prototype } = await cdp.send("Runtime.evaluate", { expression: "HTMLCanvasElement.prototype" });
      const { objects } = await cdp.send("Runtime.queryObjects", { prototypeObjectId: prototype.objectId! });
      const { result } = await cdp.send("Runtime.callFunctionOn", { objectId: objects.objectId!, functionDeclaration: "function () { return this.length; }", returnByValue: true });
      await cdp.send("Runtime.releaseObject", { objectId: objects.objectId! });
      return result.value as number;
    };
    let alive = await read();
    for (let reading = 0; reading < 8; reading++) {
      await page.waitForTimeout(250);
      const next = await read();
      if (next === alive) break;
      alive = Math.min(alive, next);
    }
    await cdp.detach();
    const inDocument = await page.locator("canvas").count();
    return { alive, inDocument };
  }

  // Retried: on a loaded machine about one run in four counted 1 to 16 canvases more in its second
  // round though none stays for good (not found yet; see the session 33 note). A page that keeps
  // its charts fails every attempt (checked by leaving stop() without disposeCharts).
  it("frees a study's charts when the reader goes back to the studies list", { retry: 2 }, async () => {
    const page = await open(`${server.url}/?study=small`);
    const roundTrip = async () => {
      await page.waitForSelector("[data-testid=timeline-plot][data-marks]");
      await page.click("#home");
      await page.waitForSelector('tr[data-study="small"]');
      await page.click('tr[data-study="small"] a');
      await page.waitForSelector("[data-testid=timeline-plot][data-marks]");
    };
    await roundTrip();
    const first = await canvasesInHeap(page);
    for (let i = 0; i < 2; i++) await roundTrip();
    const later = await canvasesInHeap(page);
    // Every chart left behind kept its canvases in ECharts' registry: ~27 MB a round trip.
    expect(later.inDocument).toBe(first.inDocument);
    expect(later.alive - later.inDocument).toBeLessThanOrEqual(first.alive - first.inDocument);
    await page.close();
    expect(problems).toEqual([]);
  });

  /** A study of `params` parameters p0, p1, … in [0, 1], with `trials` complete trials; answers the writer of one more. */
  async function seedWide(name: string, params: number, trials: number): Promise<() => Promise<void>> {
    const record = await storage.createStudy(name, ["minimize"]);
    const unit = { type: "float", low: 0, high: 1 } as const;
    let n = 0;
    const add = async () => {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const values = Array.from({ length: params }, (_, k) => ((n * 7 + k * 13) % 97) / 97);
      n++;
      await storage.updateTrial(trial.id, { params: Object.fromEntries(values.map((v, k) => [`p${k}`, { value: v, distribution: unit }])), state: "complete", values: [values.reduce((a, b) => a + b, 0)] });
    };
    for (let i = 0; i < trials; i++) await add();
    return add;
  }

  // Retried: on a loaded machine about one run in four counted 1 to 16 canvases more in its second
  // round though none stays for good (not found yet; see the session 33 note). A page that keeps
  // its charts fails every attempt (checked by leaving stop() without disposeCharts).
  it("draws nothing for a study left before its plots' data came", { retry: 2 }, async () => {
    const page = await open(`${server.url}/?study=small`);
    await page.waitForSelector("[data-testid=timeline-plot][data-marks]");
    /** Opens the study, goes back to the list before its timeline's data comes, then lets it come. */
    const leaveEarly = async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(/studies\/small\/timeline/, async (route) => {
        await held;
        await route.continue();
      });
      await page.click("#home");
      const asked = page.waitForRequest(/studies\/small\/timeline/);
      await page.click('tr[data-study="small"] a');
      await asked;
      await page.click("#home");
      await page.waitForSelector('tr[data-study="small"]');
      const late = page.waitForResponse(/studies\/small\/timeline/);
      release();
      await late;
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
      await page.unroute(/studies\/small\/timeline/);
      const { alive, inDocument } = await canvasesInHeap(page);
      // Back on the study, for the next round.
      await page.click('tr[data-study="small"] a');
      await page.waitForSelector("[data-testid=timeline-plot][data-marks]");
      return alive - inDocument;
    };
    const first = await leaveEarly();
    // The answers that came after drew charts on the left page's elements, which nothing disposed: 4 more canvases each time.
    expect(await leaveEarly()).toBeLessThanOrEqual(first);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("stays on the study Forward returned to when the list that Back asked for answers later", async () => {
    const page = await open(server.url);
    await page.click('tr[data-study="small"] a');
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const list = /\/api\/v1\/studies(\?|$)/;
    await page.route(list, async (route) => {
      await held;
      await route.continue();
    });
    const asked = page.waitForRequest(list);
    await page.goBack();
    await asked;
    await page.goForward();
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    const late = page.waitForResponse(list);
    release();
    await late;
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    await page.unroute(list);
    // The list's late answer replaced the study's page, under the study's address.
    expect(new URL(page.url()).searchParams.get("study")).toBe("small");
    expect(await page.locator("[data-testid=studies]").count()).toBe(0);
    expect(await page.textContent("[data-testid=study-name]")).toBe("small");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("sets the brushes of brushed axes only, on load and on live updates of a 60-parameter study", async () => {
    const add = await seedWide("wide60", 60, 12);
    const page = await open(`${server.url}/?study=wide60`);
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", 12);
    // One action per axis, brushed or not, each re-rendering the chart, froze the page for seconds.
    expect(await page.getAttribute("[data-testid=parallel-plot]", "data-brush-updates")).toBe("0");
    await add();
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", 13);
    expect(await page.getAttribute("[data-testid=parallel-plot]", "data-brush-updates")).toBe("0");
    await page.close();
    const brushed = await open(`${server.url}/?study=wide60&ranges=${encodeURIComponent(JSON.stringify({ p3: [0.2, 0.6] }))}`);
    await waitAttr(brushed, "[data-testid=parallel-plot]", "data-marks", 13);
    // Drawn twice, each time setting the one brushed axis: in the study's order, then with the most
    // important parameters first once their importance came.
    await brushed.waitForSelector("[data-testid=importance-note][data-method]");
    expect(await brushed.getAttribute("[data-testid=parallel-plot]", "data-brush-updates")).toBe("2");
    expect(JSON.parse(new URL(brushed.url()).searchParams.get("ranges")!)).toEqual({ p3: [0.2, 0.6] });
    await brushed.close();
    expect(problems).toEqual([]);
  });

  it("shows the 12 most important of a 60-parameter study's parameters in the importance and parallel plots, says how many are hidden, and shows all on request", async () => {
    // Two parameters carry the value, the first more; the other 58 only a little.
    const record = await storage.createStudy("wide-importance", ["minimize"]);
    const unit = { type: "float", low: 0, high: 1 } as const;
    const scatter = (n: number, k: number) => {
      const x = Math.sin(n * 12.9898 + k * 78.233) * 43758.5453;
      return x - Math.floor(x);
    };
    for (let n = 0; n < 80; n++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const values = Array.from({ length: 60 }, (_, k) => scatter(n, k));
      const value = 9 * values[42]! + 4 * values[17]! + 0.01 * values.reduce((a, b) => a + b, 0);
      await storage.updateTrial(trial.id, { params: Object.fromEntries(values.map((v, k) => [`p${k}`, { value: v, distribution: unit }])), state: "complete", values: [value] });
    }
    const page = await open(`${server.url}/?study=wide-importance`);
    await page.waitForSelector("[data-testid=importance-note][data-method]");
    const axes = async () => JSON.parse((await page.getAttribute("[data-testid=parallel-plot]", "data-axes"))!) as string[];
    // Both drew all 60: bars 5 px apart and axes 20 px apart, their names over each other.
    await waitAttr(page, "[data-testid=importance-plot]", "data-marks", 12);
    await page.waitForFunction(() => JSON.parse((globalThis as any).document.querySelector("[data-testid=parallel-plot]")?.dataset.axes ?? "[]")[0] === "p42");
    expect((await axes()).slice(0, 2)).toEqual(["p42", "p17"]);
    expect(await axes()).toHaveLength(12);
    for (const id of ["importance", "parallel"]) {
      expect(await page.getAttribute(`[data-testid=${id}-note]`, "data-params"), id).toBe("12");
      expect(await page.textContent(`[data-testid=${id}-note]`), id).toMatch(/; 12 of 60 parameters: the most important \((fANOVA|PED-ANOVA)\); 48 hidden$/);
      expect(await page.textContent(`[data-testid=${id}-all]`), id).toBe("show all 60 parameters (48 hidden)");
    }
    const usualHeight = (await page.locator("[data-testid=importance-plot]").boundingBox())!.height;
    await page.click("[data-testid=importance-all]");
    await waitAttr(page, "[data-testid=importance-plot]", "data-marks", 60);
    expect(await page.textContent("[data-testid=importance-note]")).toMatch(/; all 60 parameters$/);
    expect(await page.textContent("[data-testid=importance-all]")).toBe("show the 12 most important");
    // Taller, so that each of the 60 bars keeps room for its name.
    expect((await page.locator("[data-testid=importance-plot]").boundingBox())!.height).toBeGreaterThan(2.5 * usualHeight);
    // The other panel keeps its dozen.
    expect(await axes()).toHaveLength(12);
    await page.click("[data-testid=parallel-all]");
    await waitAttr(page, "[data-testid=parallel-note]", "data-params", 60);
    expect(await axes()).toHaveLength(60);
    expect((await axes())[0]).toBe("p42");
    await page.click("[data-testid=parallel-all]");
    await waitAttr(page, "[data-testid=parallel-note]", "data-params", 12);
    await page.click("[data-testid=importance-all]");
    await waitAttr(page, "[data-testid=importance-plot]", "data-marks", 12);
    expect((await page.locator("[data-testid=importance-plot]").boundingBox())!.height).toBe(usualHeight);
    await page.close();
    // A brushed parameter keeps its axis (and its brush) however unimportant: one that the
    // importance under its own brush ranks past the dozen.
    const importanceUnder = async (ranges: Record<string, [number, number]>) =>
      ((await (await fetch(`${server.url}/api/v1/studies/wide-importance/importance?ranges=${encodeURIComponent(JSON.stringify(ranges))}`)).json()) as { params: { name: string; importance: number }[] }).params
        .sort((a, b) => b.importance - a.importance)
        .map((p) => p.name);
    let unimportant = "";
    for (let k = 0; k < 60 && !unimportant; k++) if ((await importanceUnder({ [`p${k}`]: [0.2, 0.6] })).indexOf(`p${k}`) >= 12) unimportant = `p${k}`;
    expect(unimportant).not.toBe("");
    const brushed = await open(`${server.url}/?study=wide-importance&ranges=${encodeURIComponent(JSON.stringify({ [unimportant]: [0.2, 0.6] }))}`);
    await brushed.waitForSelector("[data-testid=importance-note][data-method]");
    await brushed.waitForFunction(() => JSON.parse((globalThis as any).document.querySelector("[data-testid=parallel-plot]")?.dataset.axes ?? "[]")[0] === "p42");
    const brushedAxes = JSON.parse((await brushed.getAttribute("[data-testid=parallel-plot]", "data-axes"))!) as string[];
    expect(brushedAxes).toHaveLength(13);
    expect(brushedAxes[12]).toBe(unimportant);
    expect(await brushed.textContent("[data-testid=parallel-note]")).toMatch(/; 13 of 60 parameters: the most important \((fANOVA|PED-ANOVA)\) and 1 brushed; 47 hidden$/);
    expect(await brushed.getAttribute("[data-testid=parallel-plot]", "data-brush-updates")).not.toBe("0");
    await brushed.close();
    expect(problems).toEqual([]);
  });

  /** Presses Tab (only the keyboard) until the element of `testId` has the focus; answers how many presses it took. */
  async function tabTo(page: Page, testId: string): Promise<number> {
    for (let presses = 1; presses <= 80; presses++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid)) === testId) return presses;
    }
    throw new Error(`Tab never reached ${testId}`);
  }

  /** What a screen reader is told of a plot of trials: its role and name, and its chosen option's text and place. */
  const chosenMark = (page: Page, testId: string) =>
    page.evaluate((id) => {
      const doc = (globalThis as any).document;
      const plot = doc.querySelector(`[data-testid="${id}"]`);
      const active = plot.getAttribute("aria-activedescendant");
      const option = active ? doc.getElementById(active) : null;
      return {
        role: plot.getAttribute("role"),
        name: plot.getAttribute("aria-label"),
        focused: doc.activeElement === plot,
        option: option && plot.contains(option) ? { role: option.getAttribute("role"), text: option.textContent, at: Number(option.getAttribute("aria-posinset")), of: Number(option.getAttribute("aria-setsize")) } : null,
        trial: plot.dataset.chosenTrial === undefined ? null : Number(plot.dataset.chosenTrial),
      };
    }, testId);

  it("opens a trial from the history, slice, timeline and Pareto plots with the keyboard alone, and tells a screen reader the chosen trial", async () => {
    const page = await open(`${server.url}/?study=small`);
    await page.waitForSelector("[data-testid=timeline-plot][data-marks]");
    const points = (await (await fetch(`${server.url}/api/v1/studies/small/points?maxPoints=2000`)).json()) as { numbers: number[]; values: (number | null)[]; states: string[] };
    const drawn = points.numbers.map((number, i) => ({ number, value: points.values[i]!, state: points.states[i] })).filter((p) => p.value !== null);
    // The plots were canvases only a pointer could reach: Tab went from the filter bar past them all.
    await tabTo(page, "history-plot");
    const first = await chosenMark(page, "history-plot");
    expect(first).toMatchObject({ role: "listbox", name: "Optimization history", focused: true, trial: drawn[0]!.number });
    expect(first.option).toEqual({ role: "option", text: `trial ${drawn[0]!.number} (${drawn[0]!.state}); value (minimize): ${Number(drawn[0]!.value.toPrecision(5))}`, at: 1, of: drawn.length });
    expect(await page.getAttribute("[data-testid=history-plot]", "aria-describedby")).toBe("history-note history-keys");
    // Right and End walk the marks left to right; Left goes back.
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect((await chosenMark(page, "history-plot")).trial).toBe(drawn[2]!.number);
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowLeft");
    const chosen = await chosenMark(page, "history-plot");
    expect(chosen.trial).toBe(drawn.at(-2)!.number);
    expect(chosen.option).toMatchObject({ text: expect.stringMatching(new RegExp(`^trial ${chosen.trial} \\(`)), at: drawn.length - 1, of: drawn.length });
    await page.keyboard.press("Enter");
    await page.waitForFunction((want) => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === want, `Trial ${chosen.trial}`);
    expect(new URL(page.url()).searchParams.get("trial")).toBe(String(chosen.trial));
    // Escape closes the trial's panel and gives the focus back to the plot, on the same trial.
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
    expect(await chosenMark(page, "history-plot")).toMatchObject({ focused: true, trial: chosen.trial });
    // Escape again lets the trial go.
    await page.keyboard.press("Escape");
    expect(await chosenMark(page, "history-plot")).toMatchObject({ focused: true, trial: null, option: null });
    // The other plots of trials, further on in the tab order: Space opens as Enter does.
    for (const [plot, key] of [["slice-plot", "Enter"], ["timeline-plot", " "]] as const) {
      await tabTo(page, plot);
      await page.keyboard.press("ArrowRight");
      const mark = await chosenMark(page, plot);
      expect(mark, plot).toMatchObject({ role: "listbox", focused: true, option: { role: "option", at: 2 } });
      expect(mark.option!.text, plot).toMatch(new RegExp(`^trial ${mark.trial}[ ;]`));
      await page.keyboard.press(key);
      await page.waitForFunction((want) => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === want, `Trial ${mark.trial}`);
      await page.keyboard.press("Escape");
      await page.waitForSelector("#detail", { state: "hidden" });
    }
    // Plots that open no trial stay images.
    expect(await page.getAttribute("[data-testid=ecdf-plot]", "role")).toBe("img");
    expect(await page.getAttribute("[data-testid=ecdf-plot]", "tabindex")).toBeNull();
    await page.close();

    await seedStudy(storage, "small-two-objectives", { trials: 20, seed: 8, objectives: 2, curves: false });
    const mo = await open(`${server.url}/?study=small-two-objectives`);
    await mo.waitForSelector("[data-testid=pareto-plot][data-marks]");
    await tabTo(mo, "pareto-plot");
    await mo.keyboard.press("End");
    const rightmost = await chosenMark(mo, "pareto-plot");
    expect(rightmost).toMatchObject({ role: "listbox", name: "Pareto front", focused: true });
    expect(rightmost.option!.text).toMatch(new RegExp(`^trial ${rightmost.trial} \\((Pareto front|dominated|infeasible)\\); objective 0 \\(minimize\\): `));
    await mo.keyboard.press("Enter");
    await mo.waitForFunction((want) => (globalThis as any).document.querySelector("[data-testid=detail-title]")?.textContent === want, `Trial ${rightmost.trial}`);
    await mo.close();
    expect(problems).toEqual([]);
  });

  it("keeps a plot's chosen trial, and what a screen reader was told of it, as live trials arrive", async () => {
    const { study: record } = await seedStudy(storage, "small-live", { trials: 10, seed: 12, curves: false });
    const page = await open(`${server.url}/?study=small-live`);
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    await tabTo(page, "history-plot");
    await page.keyboard.press("ArrowRight");
    const chosen = await chosenMark(page, "history-plot");
    // Marked, to tell whether the option is the same element after the plot is drawn again.
    await page.evaluate(() => ((globalThis as any).document.querySelector("[data-testid=history-plot] [role=option]").dataset.seen = "yes"));
    for (let i = 0; i < 2; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x1: { value: 0.1 * i, distribution: { type: "float", low: -5, high: 5 } } }, state: "complete", values: [i] });
    }
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 12);
    const after = await chosenMark(page, "history-plot");
    expect(after).toMatchObject({ focused: true, trial: chosen.trial, option: { text: chosen.option!.text, at: chosen.option!.at, of: chosen.option!.of + 2 } });
    // A new option at each redraw (every second, while trials arrive) had a screen reader say it again each time.
    expect(await page.evaluate(() => (globalThis as any).document.querySelector("[data-testid=history-plot] [role=option]").dataset.seen)).toBe("yes");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("brushes an axis of the parallel coordinates with the keyboard alone, a hidden parameter's too, and says what is wrong with a range", async () => {
    const page = await open(`${server.url}/?study=small`);
    await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
    const url = () => new URL(page.url()).searchParams;
    const matched = async (query: string) => ((await (await fetch(`${server.url}/api/v1/studies/small/table?${query}`)).json()) as { matched: number }).matched;
    const focused = () => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid ?? null);
    // Brushing took a drag along an axis: no key did anything.
    await tabTo(page, "brush-axis");
    await page.keyboard.type("x2");
    expect(await page.inputValue("[data-testid=brush-axis]")).toBe("p1");
    await page.keyboard.press("Tab");
    await page.keyboard.type("-1");
    await page.keyboard.press("Tab");
    await page.keyboard.type("2.5");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.has("ranges"));
    expect(JSON.parse(url().get("ranges")!)).toEqual({ x2: [-1, 2.5] });
    const inRange = await matched(`ranges=${encodeURIComponent(JSON.stringify({ x2: [-1, 2.5] }))}`);
    expect(inRange).toBeLessThan(30);
    await waitAttr(page, "[data-testid=match-count]", "data-matched", inRange);
    expect(await page.textContent("[data-testid=brushed]")).toBe("x2 ∈ [-1, 2.5]");
    // Drawn on the axis as a dragged brush is (one axis set), with the focus kept in the box.
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector("[data-testid=parallel-plot]").dataset.brushUpdates) > 0);
    expect(await focused()).toBe("brush-to");
    // A range upside down is refused beside the boxes, naming the axis; the filter stays.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("3");
    await page.keyboard.press("Enter");
    await page.waitForSelector("[data-testid=brush-error]:not([hidden])");
    expect(await page.textContent("[data-testid=brush-error]")).toBe("x2: from 3 is above to 2.5; swap them or change one");
    expect(await page.inputValue("[data-testid=brush-from]")).toBe("3");
    expect(JSON.parse(url().get("ranges")!)).toEqual({ x2: [-1, 2.5] });
    // The value's axis may stay open at one end; emptied, both bounds clear it.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.type("value");
    expect(await page.inputValue("[data-testid=brush-axis]")).toBe("value");
    expect(await page.isVisible("[data-testid=brush-error]")).toBe(false);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.type("50");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.get("valueMax") === "50");
    expect(url().get("valueMin")).toBeNull();
    await waitAttr(page, "[data-testid=match-count]", "data-matched", await matched(`ranges=${encodeURIComponent(JSON.stringify({ x2: [-1, 2.5] }))}&valueMax=50`));
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !new URL((globalThis as any).location.href).searchParams.has("valueMax"));
    await waitAttr(page, "[data-testid=match-count]", "data-matched", inRange);
    await page.close();

    // A parameter outside the dozen drawn gets its axis once brushed.
    await seedWide("wide-keys", 20, 15);
    const wide = await open(`${server.url}/?study=wide-keys`);
    await wide.waitForSelector("[data-testid=importance-note][data-method]");
    await wide.waitForFunction(() => JSON.parse((globalThis as any).document.querySelector("[data-testid=parallel-plot]")?.dataset.axes ?? "[]").length === 12);
    const drawnAxes = JSON.parse((await wide.getAttribute("[data-testid=parallel-plot]", "data-axes"))!) as string[];
    const hidden = Array.from({ length: 20 }, (_, k) => `p${k}`).find((name) => !drawnAxes.includes(name))!;
    expect(hidden).toBeDefined();
    await tabTo(wide, "brush-axis");
    await wide.keyboard.type(hidden);
    expect(await wide.inputValue("[data-testid=brush-axis]")).toBe(hidden);
    await wide.keyboard.press("Tab");
    await wide.keyboard.type("0.25");
    await wide.keyboard.press("Enter");
    // An empty end is the parameter's own.
    await wide.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.has("ranges"));
    expect(JSON.parse(new URL(wide.url()).searchParams.get("ranges")!)).toEqual({ [hidden]: [0.25, 1] });
    await wide.waitForFunction((name) => JSON.parse((globalThis as any).document.querySelector("[data-testid=parallel-plot]").dataset.axes).includes(name), hidden);
    await wide.close();
    expect(problems).toEqual([]);
  });

  it("keeps a range typed or dragged on an axis of large numbers as it was, not rounded to 5 digits", async () => {
    const record = await storage.createStudy("offsets", ["minimize"]);
    const offset = { type: "int", low: 1_000_000, high: 1_000_100 } as const;
    for (let i = 0; i < 50; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { offset: { value: 1_000_000 + 2 * i, distribution: offset } }, state: "complete", values: [i] });
    }
    const page = await open(`${server.url}/?study=offsets`);
    await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
    const ranges = () => JSON.parse(new URL(page.url()).searchParams.get("ranges") ?? "{}") as Record<string, [number, number]>;
    await page.selectOption("[data-testid=brush-axis]", "offset");
    await page.fill("[data-testid=brush-from]", "1000012");
    await page.fill("[data-testid=brush-to]", "1000020");
    await page.press("[data-testid=brush-to]", "Enter");
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.has("ranges"));
    // It kept [1000000, 1000000]: one trial, none of those asked for.
    expect(ranges()).toEqual({ offset: [1_000_012, 1_000_020] });
    await waitAttr(page, "[data-testid=match-count]", "data-matched", 5);
    await page.click("[data-testid=clear-brush]");
    await page.waitForFunction(() => !new URL((globalThis as any).location.href).searchParams.has("ranges"));
    // Dragged over about a fifth of the axis: the range rounded to [1000000, 1000100] kept them all.
    const box = (await page.locator("[data-testid=parallel-plot]").boundingBox())!;
    const x = box.x + 60;
    const y = (value: number) => box.y + 40 + (1 - (value - offset.low) / (offset.high - offset.low)) * (box.height - 70);
    await page.mouse.move(x, y(1_000_055));
    await page.mouse.down();
    await page.mouse.move(x, y(1_000_045), { steps: 4 });
    await page.mouse.move(x, y(1_000_035), { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.has("ranges"));
    const [low, high] = ranges().offset!;
    expect(high - low).toBeGreaterThan(10);
    expect(high - low).toBeLessThan(30);
    const inside = Array.from({ length: 50 }, (_, i) => 1_000_000 + 2 * i).filter((v) => v >= low && v <= high).length;
    expect(inside).toBeGreaterThan(0);
    await waitAttr(page, "[data-testid=match-count]", "data-matched", inside);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("sorts by trial number where the address sorts by a column the study lacks, showing the table", async () => {
    // A parameter since renamed, or an objective past the study's: the table stayed empty under
    // "the filter is not valid … clear it with clear brush", and that button was disabled.
    for (const sort of ["param:renamed", "value:3"]) {
      const page = await open(`${server.url}/?study=small&sort=${encodeURIComponent(sort)}&order=desc`);
      await page.waitForSelector("[data-testid=trial-table] .tviewport .trow[data-number]");
      await waitAttr(page, "[data-testid=table-status]", "data-matched", 30);
      expect(await page.isVisible("[data-testid=filter-error]")).toBe(false);
      expect(new URL(page.url()).searchParams.get("sort")).toBeNull();
      expect(await page.getAttribute(".tviewport .trow[data-number]", "data-number")).toBe("0");
      // A sort it has still sorts.
      await page.click("[data-testid=trial-table] button[data-sort=value]");
      await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.get("sort") === "value");
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it("gives the parallel coordinates a whole row when a dozen long parameter names would be cut in half of one", async () => {
    const record = await storage.createStudy("long-axis-names", ["minimize"]);
    const unit = { type: "float", low: 0, high: 1 } as const;
    for (let n = 0; n < 8; n++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const params = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`learning_rate_${k}`, { value: ((n * 5 + k * 3) % 11) / 11, distribution: unit }]));
      await storage.updateTrial(trial.id, { params, state: "complete", values: [n] });
    }
    /** How much of the grid's width the parallel coordinates' card takes. */
    const share = async (page: Page) => {
      await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
      return page.evaluate(() => {
        const doc = (globalThis as any).document;
        return doc.getElementById("parallel").getBoundingClientRect().width / doc.querySelector(".grid").getBoundingClientRect().width;
      });
    };
    // ECharts cut each name to "learn…" in half a row; the fixture's short names fit there.
    const long = await open(`${server.url}/?study=long-axis-names`);
    expect(await share(long)).toBeGreaterThan(0.99);
    await long.close();
    const short = await open(`${server.url}/?study=small`);
    expect(await share(short)).toBeLessThan(0.51);
    await short.close();
    expect(problems).toEqual([]);
  });

  it("writes long parameter names on the contour and the parallel coordinates whole or cut after their first words, never over each other or out of the plot", async () => {
    // Ten names of 30 to 44 characters: a categorical one with long choices, a log one.
    const names = LONG_PARAM_NAMES;
    const distributions = names.map((_, k) =>
      k === 0
        ? ({ type: "categorical", choices: ["adamw_with_decoupled_weight_decay", "sgd_nesterov_momentum", "rmsprop_centered"] } as const)
        : k === names.length - 1
          ? ({ type: "float", low: 1e-6, high: 1, log: true } as const)
          : ({ type: "float", low: 0, high: 1 } as const),
    );
    const record = await storage.createStudy("long-axis-labels", ["minimize"]);
    for (let n = 0; n < 40; n++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const params = Object.fromEntries(
        names.map((name, k) => {
          const d = distributions[k]!;
          const u = ((n * 7 + k * 3) % 13) / 13;
          return [name, { value: d.type === "categorical" ? d.choices[n % 3]! : d.log ? 10 ** (-6 * u) : u, distribution: d }];
        }),
      );
      await storage.updateTrial(trial.id, { params, state: "complete", values: [n % 5] });
    }
    /** Whether `text` is `name`, or its first ten characters or more and an ellipsis. */
    const writes = (text: string, name: string) => text === name || (text.endsWith("…") && text.length > 10 && name.startsWith(text.slice(0, -1)));
    const [contourX, contourY] = [names.at(-1)!, names[0]!];
    for (const width of [1360, 800]) {
      const page = await open(`${server.url}/?study=long-axis-labels&x=${encodeURIComponent(contourX)}&y=${encodeURIComponent(contourY)}`, width, { recordText: true });
      for (const plot of ["parallel", "contour"]) {
        const selector = `[data-testid=${plot}-plot]`;
        await page.locator(selector).scrollIntoViewIfNeeded();
        await page.waitForSelector(`${selector}[data-marks]:not([data-waiting])`);
        await page.waitForFunction((sel) => [...(globalThis as any).document.querySelectorAll(`${sel} canvas`)].some((canvas: any) => canvas.drawnTexts?.length > 0), selector);
        const { texts, size } = await canvasTexts(page, selector);
        const where = `${plot}, ${width} px`;
        expect(overlappingTexts(texts), where).toEqual([]);
        expect(texts.filter((t) => t.left < 0 || t.top < 0 || t.right > size.width || t.bottom > size.height).map((t) => t.text), where).toEqual([]);
        const axes: string[] = plot === "parallel" ? JSON.parse((await page.getAttribute(selector, "data-axes"))!) : [contourX, contourY];
        expect(axes.filter((name) => !texts.some((t) => writes(t.text, name))), where).toEqual([]);
      }
      // A name cut short shows whole in its tooltip.
      const { texts } = await canvasTexts(page, "[data-testid=parallel-plot]");
      const cut = texts.find((t) => t.text.endsWith("…") && names.some((name) => writes(t.text, name)));
      expect(cut, `a name cut at ${width} px`).toBeDefined();
      if (cut) {
        await page.locator("[data-testid=parallel-plot]").scrollIntoViewIfNeeded();
        const box = (await page.locator("[data-testid=parallel-plot]").boundingBox())!;
        await page.mouse.move(box.x + (cut.left + cut.right) / 2, box.y + (cut.top + cut.bottom) / 2);
        const whole = names.filter((name) => writes(cut.text, name));
        await page.waitForFunction(
          (candidates) => [...(globalThis as any).document.querySelectorAll("[data-testid=parallel-plot] canvas")].some((canvas: any) => canvas.drawnTexts?.some((t: { text: string }) => candidates.includes(t.text))),
          whole,
        );
      }
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it("keeps what is typed in the studies' search box, caret and focus, while the list follows it", async () => {
    await seedStudy(storage, "many-12", { trials: 2, seed: 4, curves: false });
    await seedStudy(storage, "many-3", { trials: 2, seed: 5, curves: false });
    const page = await open(server.url);
    const listed = (names: string[]) =>
      page.waitForFunction((want) => [...(globalThis as any).document.querySelectorAll("tr[data-study]")].map((row: any) => row.dataset.study).sort().join() === want, [...names].sort().join());
    const box = page.locator("[data-testid=study-search]");
    await box.evaluate((element) => ((element as any).dataset.first = "yes"));
    await box.focus();
    await page.keyboard.type("many");
    await listed(["many-12", "many-3"]);
    // The box was built again with each answer and focused with its caret at the start.
    await page.keyboard.type("-12");
    await listed(["many-12"]);
    expect(await box.inputValue()).toBe("many-12");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.dataset.first)).toBe("yes");
    expect(new URL(page.url()).searchParams.get("search")).toBe("many-12");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("says how many parameters the Slice panel shows, the most important first, and shows all on request", async () => {
    const page = await open(`${server.url}/?study=small`);
    const note = page.locator("[data-testid=slice-note]");
    // The fixture's ten parameters: the panel showed the first nine and said nothing of the tenth.
    await page.waitForFunction(() => /9 of 10 parameters: the most important/.test((globalThis as any).document.querySelector("[data-testid=slice-note]")?.textContent ?? ""));
    expect(await note.getAttribute("data-params")).toBe("9");
    const withValue = Number(await page.getAttribute("[data-testid=history-plot]", "data-marks"));
    expect(Number(await page.getAttribute("[data-testid=slice-plot]", "data-marks"))).toBe(9 * withValue);
    await page.click("[data-testid=slice-all]");
    await waitAttr(page, "[data-testid=slice-note]", "data-params", 10);
    expect(await note.textContent()).toMatch(/all 10 parameters/);
    expect(Number(await page.getAttribute("[data-testid=slice-plot]", "data-marks"))).toBe(10 * withValue);
    // Four rows of scatters: the plot grows rather than squeezing them.
    expect((await page.locator("[data-testid=slice-plot]").boundingBox())!.height).toBeGreaterThan(500);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("asks for the token again when live updates are refused it, and goes on with the new one", async () => {
    const page = await open(`${guarded.url}/?study=small#token=${TOKEN}`);
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    // As a server restarted with another token answers the next poll.
    await page.route(/studies\/small\/trials\?/, (route) => route.fulfill({ status: 401, contentType: "application/json", body: JSON.stringify({ error: { message: "missing or wrong token" } }) }));
    // It said "The server does not answer… retrying" forever.
    await page.waitForSelector("[data-testid=token-refused]");
    await page.unroute(/studies\/small\/trials\?/);
    await page.fill("[data-testid=token-form] input", TOKEN);
    await page.click("[data-testid=token-form] button");
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    expect(await page.textContent("[data-testid=study-name]")).toBe("small");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("keeps the focus on the filter bar's control used from the keyboard", async () => {
    const page = await open(`${server.url}/?study=small`);
    await page.waitForSelector("[data-testid=history-plot][data-marks]");
    const focused = () => page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.testid ?? null);
    await page.focus("[data-testid=state-complete]");
    await page.keyboard.press("Space");
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.get("state") === "complete");
    // The bar was built again and the focus fell to <body>.
    expect(await focused()).toBe("state-complete");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("state-pruned");
    await page.focus("[data-testid=value-max]");
    await page.keyboard.type("100");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => new URL((globalThis as any).location.href).searchParams.get("valueMax") === "100");
    expect(await focused()).toBe("value-max");
    await page.focus("[data-testid=clear-brush]");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !new URL((globalThis as any).location.href).searchParams.has("valueMax"));
    expect(await focused()).toBe("state-waiting");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("says in a plot's note how many trials it draws, and which it leaves out for having no value", async () => {
    // The fixture fails every fifth trial here: 2 of 10.
    await seedStudy(storage, "some-failed", { trials: 10, seed: 6, curves: false, failEvery: 5 });
    const record = await storage.createStudy("only-failed", ["minimize"]);
    for (let i = 0; i < 3; i++) await storage.updateTrial((await storage.createTrial(record.id, { state: "running" })).id, { state: "failed" });
    const page = await open(`${server.url}/?study=some-failed`);
    await waitAttr(page, "[data-testid=parallel-plot]", "data-marks", 8);
    await waitAttr(page, "[data-testid=slice-plot]", "data-marks", 8 * 9);
    // They said "10 trials" over 8 lines and points.
    for (const plot of ["history", "parallel", "slice"]) expect(await page.textContent(`[data-testid=${plot}-note]`)).toMatch(/^8 of 10 trials drawn: 2 have no value \(2 failed\)/);
    expect(await page.getAttribute("[data-testid=history-plot]", "data-marks")).toBe("8");
    // Screen readers get each plot as an image named by its title and described by its note (they
    // got a bare canvas); a plot whose marks open trials is a listbox of them, its keys described too.
    const ecdf = page.getByRole("img", { name: /^Distribution of values/ });
    expect(await ecdf.getAttribute("data-testid")).toBe("ecdf-plot");
    expect(await ecdf.getAttribute("aria-describedby")).toBe("ecdf-note");
    const history = page.getByRole("listbox", { name: "Optimization history" });
    expect(await history.getAttribute("data-testid")).toBe("history-plot");
    expect(await history.getAttribute("aria-describedby")).toBe("history-note history-keys");
    await page.goto(`${server.url}/?study=only-failed`);
    await waitAttr(page, "[data-testid=history-plot]", "data-marks", 0);
    expect(await page.textContent("[data-testid=history-note]")).toBe("0 of 3 trials drawn: 3 have no value (3 failed)");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows a trial's NaN and ±Infinity attributes by name, which the API sends as tags", async () => {
    const record = await storage.createStudy("non-finite-attrs", ["minimize"]);
    const trial = await storage.createTrial(record.id, { state: "running" });
    await storage.updateTrial(trial.id, {
      params: { x: { value: 0.5, distribution: { type: "float", low: 0, high: 1 } } },
      userAttrs: { loss: Infinity, text: "Infinity", curve: [1, NaN], shaped: { "$sextant:number": "NaN" } },
      systemAttrs: { probe: -Infinity },
      state: "complete",
      values: [0.5],
    });
    const page = await open(`${server.url}/?study=non-finite-attrs&trial=0`);
    await page.waitForSelector("#detail .kv-table");
    const rows = await page.locator("#detail .kv-table").last().locator("tr").evaluateAll((trs) => trs.map((tr) => [tr.querySelector("th")!.textContent, tr.querySelector("td")!.textContent]));
    expect(Object.fromEntries(rows)).toEqual({ loss: "Infinity", text: "Infinity", curve: "[\n  1,\n  \"NaN\"\n]", shaped: '{\n  "$sextant:number": "NaN"\n}' });
    expect(await page.locator("#detail pre.small").last().textContent()).toContain('"probe": "-Infinity"');
    await page.close();
    expect(problems).toEqual([]);
  });

  it("draws learning curves with a diverged step (NaN, ±Infinity), and lists the step by name", async () => {
    const record = await storage.createStudy("diverged-curves", ["minimize"]);
    const X = { type: "float" as const, low: 0, high: 1 };
    for (const [x, intermediate] of [
      [0.25, { 0: 1, 1: 0.5, 2: NaN, 3: 0.25 }],
      [0.75, { 0: 2, 1: Infinity, 2: -Infinity, 3: 1.5 }],
    ] as const) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: x, distribution: X } }, intermediate, state: "complete", values: [intermediate[3]] });
    }
    const page = await open(`${server.url}/?study=diverged-curves&trial=1`);
    await waitAttr(page, "[data-testid=curves-plot]", "data-marks", 2);
    // The curves' pixels (complete trials are drawn in #2f6fdf, at opacity 0.8 on white): a step
    // taken for an infinite number would stretch the axis until no line segment showed.
    // ECharts animates lines in: polled until they show rather than read once after a fixed 1.5 s.
    const linePixels = await page
      .waitForFunction(
        () => {
          const canvas = (globalThis as any).document.querySelector("[data-testid=curves-plot] canvas");
          const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
          let count = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i + 2] > 200 && data[i] < 120 && data[i + 1] < 160) count++;
          return count > 20 ? count : false;
        },
        undefined,
        { polling: 100, timeout: 10_000 },
      )
      .then((handle) => handle.jsonValue(), () => 0);
    expect(linePixels).toBeGreaterThan(20);
    const steps = page.locator("#detail pre.small").first();
    await expect(steps.textContent()).resolves.toBe("0: 2\n1: Infinity\n2: -Infinity\n3: 1.5");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("keeps the contour's and the beliefs' selects and notes inside their cards on a phone, however long a parameter's name", async () => {
    // A select is as wide as its longest choice: this name is wider than a card at 375 px (313 px inside).
    const long = "learning_rate_warmup_fraction_of_all_steps";
    const record = await storage.createStudy("long-names", ["minimize"]);
    const unit = { type: "float", low: 0, high: 1 } as const;
    for (let i = 0; i < 12; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { [long]: { value: (i % 10) / 10, distribution: unit }, [`${long}_2`]: { value: ((i * 3) % 10) / 10, distribution: unit } }, state: "complete", values: [i] });
    }
    for (const width of [320, 375]) {
      const page = await open(`${server.url}/?study=long-names`, width);
      await page.waitForSelector("[data-testid=contour-plot][data-marks]");
      const overflow = await page.evaluate(() => {
        const doc = (globalThis as any).document;
        return ["contour", "beliefs"].map((id) => {
          const card = doc.getElementById(id);
          const style = (globalThis as any).getComputedStyle(card);
          const inside = card.getBoundingClientRect().right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
          const past = [...card.querySelectorAll("select")].map((select: any) => ({ select: select.dataset.testid, past: Math.max(0, Math.ceil(select.getBoundingClientRect().right - inside)) }));
          return { id, scrolls: card.scrollWidth - card.clientWidth, past: past.filter((p) => p.past > 0) };
        });
      });
      // The selects stuck out of the card (QA saw 2 px at 375 px; 34 px with this name), and so did
      // the beliefs note, which names a parameter held fixed: one long word.
      expect(overflow, `${width} px`).toEqual([
        { id: "contour", scrolls: 0, past: [] },
        { id: "beliefs", scrolls: 0, past: [] },
      ]);
      // Shrunk, each still holds its parameter.
      expect(await page.inputValue("[data-testid=contour-x]")).toBe(long);
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it("keeps a study page on a phone from scrolling sideways, however long the study's name or a parameter's", async () => {
    const name = `run_${"0123456789".repeat(12)}`;
    const long = "learning_rate_of_the_very_deep_transformer_encoder_block_number_seventeen_with_warmup";
    const record = await storage.createStudy(name, ["minimize"]);
    const unit = { type: "float", low: 0, high: 1 } as const;
    for (let i = 0; i < 6; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { [long]: { value: i / 6, distribution: unit } }, state: "complete", values: [i] });
    }
    const page = await open(`${server.url}/?study=${name}`, 360);
    await page.waitForSelector("[data-testid=parallel-plot][data-marks]");
    const past = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const width = doc.documentElement.clientWidth;
      return ["#crumb", "[data-testid=brush-axis]"].map((selector) => ({ selector, past: Math.max(0, Math.ceil(doc.querySelector(selector).getBoundingClientRect().right - width)) }));
    });
    // The name in the header (one long word) and the brush's axis select (as wide as its longest choice) ran past the window.
    expect(past).toEqual([
      { selector: "#crumb", past: 0 },
      { selector: "[data-testid=brush-axis]", past: 0 },
    ]);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBe(360);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("keeps the brush's choices of a categorical parameter inside the parallel coordinates' card, however long a choice", async () => {
    // A checkpoint's path as a choice: QA saw the page grow to 2,721 px at 1,360 with a 300-character one.
    const path = `/data/checkpoints/${"pretrained-encoder-".repeat(12)}final.safetensors`;
    const record = await storage.createStudy("long-choice", ["minimize"]);
    const init = { type: "categorical", choices: ["scratch", path] } as const;
    for (let i = 0; i < 4; i++) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { init: { value: init.choices[i % 2]!, distribution: init } }, state: "complete", values: [i] });
    }
    const page = await open(`${server.url}/?study=long-choice`);
    await page.waitForSelector("[data-testid=brush-to]");
    const overflow = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const card = doc.getElementById("parallel");
      return { page: doc.documentElement.scrollWidth - doc.documentElement.clientWidth, card: card.scrollWidth - card.clientWidth };
    });
    expect(overflow).toEqual({ page: 0, card: 0 });
    // Shrunk, the select still holds the choice.
    expect(await page.locator("[data-testid=brush-to] option").last().textContent()).toBe(path);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("says a trial's panel lists the last 50 of its intermediate values", async () => {
    const record = await storage.createStudy("long-curve", ["minimize"]);
    const trial = await storage.createTrial(record.id, { state: "running" });
    const intermediate = Object.fromEntries(Array.from({ length: 1000 }, (_, step) => [step, 1 / (step + 1)]));
    await storage.updateTrial(trial.id, { params: { x: { value: 0.5, distribution: { type: "float", low: 0, high: 1 } } }, intermediate, state: "complete", values: [0.001] });
    const page = await open(`${server.url}/?study=long-curve&trial=0`);
    const title = page.locator("[data-testid=detail-title] ~ h3", { hasText: "Intermediate values" });
    // It read "Intermediate values (1000)" over the last 50 steps.
    await expect(title.textContent()).resolves.toBe("Intermediate values (last 50 of 1000 steps)");
    expect((await page.locator("#detail pre.small").first().textContent())!.split("\n")).toHaveLength(50);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("opens a study whose name has a lone surrogate from the list and from its address, where the address named U+FFFD", async () => {
    // Its own storage: the other tests count the studies listed.
    const older = new MemoryStorage();
    await seedStudy(older, "lone\uD800name", { trials: 12, seed: 5, curves: false });
    const own = await startServer({ storage: older, port: 0 });
    try {
      const page = await open(own.url);
      await page.click("tr[data-study] a");
      await page.waitForSelector("[data-testid=history-plot][data-marks]");
      // Compared inside the page: a lone surrogate does not survive the trip to the test intact.
      const shown = () => page.evaluate(() => (globalThis as any).document.querySelector("[data-testid=study-name]")?.textContent === `lone${String.fromCharCode(0xd800)}name`);
      expect(await shown()).toBe(true);
      // Its WTF-8 bytes, which the server reads back too; URLSearchParams wrote %EF%BF%BD.
      expect(new URL(page.url()).search).toBe("?study=lone%ED%A0%80name");
      await page.reload();
      await page.waitForSelector("body[data-ready]");
      await page.waitForSelector("[data-testid=history-plot][data-marks]");
      expect(await shown()).toBe(true);
      // A trial's link keeps the name.
      await page.goto(`${own.url}/?study=lone%ED%A0%80name&trial=3`);
      await page.waitForSelector("[data-testid=detail-title]");
      expect(await shown()).toBe(true);
      expect(await page.evaluate(() => new URL((globalThis as any).location.href).search)).toBe("?study=lone%ED%A0%80name&trial=3");
      await page.close();
    } finally {
      await own.close();
    }
    expect(problems).toEqual([]);
  });
});
