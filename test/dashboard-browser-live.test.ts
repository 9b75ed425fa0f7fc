/**
 * The live study page in real headless Chromium, against a server over a memory storage the tests
 * write to as workers would: trials finishing out of order, a study deleted and created again
 * under its name, a switch to another study while a poll is on its way, a running trial whose
 * parameters come later, and a brush dragged while trials arrive.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server/index.js";
import { MemoryStorage } from "../src/storage/index.js";

const CHROMIUM = process.env.SEXTANT_CHROMIUM ?? "/usr/bin/chromium";
const X = { type: "float", low: -5, high: 5 } as const;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("the live dashboard in headless Chromium", { timeout: 120_000 }, () => {
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
});
