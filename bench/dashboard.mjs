#!/usr/bin/env node
// Dashboard benchmark: time to first render of the study page, and bytes transferred, for a
// 1,000-trial and a 100,000-trial study, in headless Chromium against one `sextant` server.
// "First render" is from navigation until every plot on the page has drawn its marks and the
// trial table shows rows. The 1k page is the reference for the 100k page: both are loaded in the
// same run, alternating, so machine load touches both. A second reference shows what the page
// would transfer if it pulled every trial (what optuna-dashboard does): the incremental trials
// API read from seq 0.
//
// Targets (issue 10): the 100k page renders within 3x the 1k page's time; a page transfers < 5 MB.
//
// Then the cost of one change to the large study for the summary the page reads after each change
// it sees (GET …/summary): the figures kept change by change (`SummaryTally`) against the same
// figures recomputed from every trial, which is what the route did before, in the same run.
// Likewise the trial table the page reads after each change (GET …/table, in number order): its
// filtered, sorted order and the study's feasibility kept until the next change against the same
// rebuilt from every trial on each read, which is what the route did before.
//
// Usage: npm run bench:dashboard -- [--runs 5] [--large 100000] [--small 1000] [--changes 30] [--json]
// The studies live in memory storage, written straight through the storage API.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { MemoryStorage } = await import(join(root, "dist/storage/index.js"));
const { startServer } = await import(join(root, "dist/server/index.js"));
const { seedStudy } = await import(join(root, "test/fixtures/dashboard-studies.mjs"));
const { StudyIndex } = await import(join(root, "dist/server/study-index.js"));
const { summaryFigures } = await import(join(root, "dist/server/summary-tally.js"));
const { feasibilityRule } = await import(join(root, "dist/analysis/index.js"));

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    small: { type: "string", default: "1000" },
    large: { type: "string", default: "100000" },
    changes: { type: "string", default: "30" },
    json: { type: "boolean", default: false },
  },
});
const runs = Number(args.runs);
const sizes = { small: Number(args.small), large: Number(args.large) };
const changeCount = Number(args.changes);
for (const [flag, value] of [["--runs", runs], ["--small", sizes.small], ["--large", sizes.large], ["--changes", changeCount]]) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
}
const chromiumPath = process.env.SEXTANT_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium, or set SEXTANT_CHROMIUM)`);
const log = (message) => process.stderr.write(`${message}\n`);

const storage = new MemoryStorage();
const names = { small: `bench-${sizes.small}`, large: `bench-${sizes.large}` };
for (const which of ["small", "large"]) {
  const started = performance.now();
  await seedStudy(storage, names[which], { trials: sizes[which], seed: 11 });
  log(`seeded ${names[which]} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const server = await startServer({ storage, port: 0 });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

/** Loads the study page in a fresh context (empty cache); answers milliseconds to first render and bytes on the wire. */
async function loadStudyPage(name) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  cdp.on("Network.loadingFinished", (event) => (bytes += event.encodedDataLength));
  const started = performance.now();
  await page.goto(`${server.url}/?study=${encodeURIComponent(name)}`);
  // A function, not a string: the page's CSP forbids evaluating strings.
  await page.waitForFunction(
    () => document.body.dataset.ready === "true" && [...document.querySelectorAll(".plot")].every((p) => p.dataset.marks !== undefined) && document.querySelector(".tviewport .trow[data-number]") !== null,
    undefined,
    { timeout: 120_000, polling: 20 },
  );
  // A plot far below the fold draws only when it comes near (dashboard/src/charts.ts); printing
  // draws them all at once, so "every plot has drawn" still means every plot.
  await page.evaluate(() => dispatchEvent(new Event("beforeprint")));
  const elapsed = performance.now() - started;
  // Let in-flight responses finish so their bytes count.
  await page.waitForTimeout(100);
  const plots = await page.evaluate(() => document.querySelectorAll(".plot[data-marks]").length);
  await context.close();
  if (errors.length > 0) throw new Error(`the page logged errors: ${errors.join("; ")}`);
  return { ms: elapsed, bytes, plots };
}

/** What pulling every trial through the incremental API costs (the pull-everything approach). */
async function fullPullBytes(name) {
  let since = 0;
  let bytes = 0;
  for (;;) {
    const response = await fetch(`${server.url}/api/v1/studies/${encodeURIComponent(name)}/trials?since=${since}&limit=1000`, { headers: { "accept-encoding": "identity" } });
    const text = await response.text();
    bytes += Buffer.byteLength(text);
    const page = JSON.parse(text);
    since = page.seq;
    if (!page.more) return bytes;
  }
}

/**
 * Milliseconds per change for the summary's figures of study `name`: each change starts a trial
 * and completes it; the figures are then brought up to date (kept: the index applies the change
 * and reads its tally) and recomputed from every trial (the route before). Also the whole route,
 * through the server, per change.
 */
async function summaryPerChange(name) {
  const record = await storage.getStudy(name);
  const index = new StudyIndex(record);
  const first = await storage.trialsSince(record.id, 0);
  index.apply(first.trials, first.seq);
  index.summary.figures();
  const kept = [];
  const whole = [];
  const route = [];
  for (let k = 0; k < changeCount; k++) {
    const trial = await storage.createTrial(record.id, { state: "running", systemAttrs: { worker: { id: "w1" } } });
    await storage.updateTrial(trial.id, { state: "complete", values: [k % 7] });
    const changes = await storage.trialsSince(record.id, index.seq);
    const timeKept = () => {
      const started = performance.now();
      index.apply(changes.trials, changes.seq);
      const figures = index.summary.figures();
      kept.push(performance.now() - started);
      return figures;
    };
    const timeWhole = () => {
      const started = performance.now();
      const figures = summaryFigures(record, index.trials.filter(Boolean));
      whole.push(performance.now() - started);
      return figures;
    };
    // The change reaches the index (and its tally) first: what is recomputed whole is read from there.
    const a = timeKept();
    const b = timeWhole();
    if (a.best?.number !== b.best?.number || a.counts.complete !== b.counts.complete) throw new Error(`change ${k}: the kept summary differs from the recomputed one`);
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/studies/${encodeURIComponent(name)}/summary`);
    await response.text();
    route.push(performance.now() - started);
  }
  return { changes: changeCount, wholeMs: median(whole), keptMs: median(kept), routeMs: median(route), ratio: median(whole) / median(kept) };
}

/**
 * Milliseconds per change for the work behind the trial table of study `name` (no filter, number
 * order, as the page first shows it): kept (the index applies the change, then filters, orders and
 * asks its tally whether the study is constrained, once until the next change) against rebuilt on
 * every read (filtering, sorting with the keyed comparison, and scanning every trial for
 * constraints, as the route did before). Also the whole route, through the server: its first read
 * after a change and a second read before the next.
 */
async function tablePerChange(name) {
  const record = await storage.getStudy(name);
  const index = new StudyIndex(record);
  const first = await storage.trialsSince(record.id, 0);
  index.apply(first.trials, first.seq);
  const kept = [];
  const rebuilt = [];
  const route = [];
  const again = [];
  const read = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/studies/${encodeURIComponent(name)}/table`);
    await response.text();
    return performance.now() - started;
  };
  for (let k = 0; k < changeCount; k++) {
    const trial = await storage.createTrial(record.id, { state: "running", systemAttrs: { worker: { id: "w1" } } });
    await storage.updateTrial(trial.id, { state: "complete", values: [k % 7] });
    const changes = await storage.trialsSince(record.id, index.seq);
    let started = performance.now();
    index.apply(changes.trials, changes.seq);
    const order = index.sortedMatches({}, "{}", "number", false, 0);
    feasibilityRule([], index.summary.isConstrained);
    kept.push(performance.now() - started);
    started = performance.now();
    // The comparison sort is private to the index (TypeScript-private only): the one the route ran on every read.
    const sorted = index.sortBy(index.match({}), "number", false, 0);
    feasibilityRule(index.trials.filter(Boolean));
    rebuilt.push(performance.now() - started);
    if (sorted.length !== order.length || sorted.some((n, i) => n !== order[i])) throw new Error(`change ${k}: the kept table order differs from the rebuilt one`);
    route.push(await read());
    again.push(await read());
  }
  return { changes: changeCount, rebuiltMs: median(rebuilt), keptMs: median(kept), routeMs: median(route), repeatMs: median(again), ratio: median(rebuilt) / median(kept) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  // The first load of each study also builds the server's in-memory index of its trials.
  const cold = {};
  for (const which of ["small", "large"]) cold[which] = await loadStudyPage(names[which]);
  const warm = { small: [], large: [] };
  for (let run = 0; run < runs; run++) {
    for (const which of run % 2 === 0 ? ["small", "large"] : ["large", "small"]) warm[which].push(await loadStudyPage(names[which]));
    log(`run ${run + 1}/${runs}: 1k ${warm.small.at(-1).ms.toFixed(0)} ms, 100k ${warm.large.at(-1).ms.toFixed(0)} ms`);
  }
  const pull = { small: await fullPullBytes(names.small), large: await fullPullBytes(names.large) };
  const summary = (which) => {
    const ms = warm[which].map((r) => r.ms);
    const bytes = warm[which].map((r) => r.bytes);
    return { trials: sizes[which], plots: warm[which][0].plots, medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), coldMs: cold[which].ms, medianBytes: median(bytes), maxBytes: Math.max(...bytes), fullPullBytes: pull[which] };
  };
  const small = summary("small");
  const large = summary("large");
  // Per run, so load that hits both pages of a pair cancels.
  const pairRatios = warm.large.map((r, i) => r.ms / warm.small[i].ms);
  const ratio = median(pairRatios);
  const summaryChange = await summaryPerChange(names.large);
  const tableChange = await tablePerChange(names.large);
  const result = {
    small,
    large,
    summaryChange,
    tableChange,
    renderRatio: ratio,
    renderRatioSpread: [Math.min(...pairRatios), Math.max(...pairRatios)],
    coldRatio: large.coldMs / small.coldMs,
    targets: { renderRatioAtMost3: ratio <= 3, pageUnder5MB: Math.max(small.maxBytes, large.maxBytes) < 5 * 1024 * 1024 },
  };
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const mb = (b) => `${(b / 1024 / 1024).toFixed(2)} MB`;
    for (const r of [small, large]) {
      console.log(
        `study page, ${String(r.trials).padStart(6)} trials: first render ${r.medianMs.toFixed(0)} ms median (min ${r.minMs.toFixed(0)}, max ${r.maxMs.toFixed(0)}, ${runs} runs; cold server ${r.coldMs.toFixed(0)} ms), ${r.plots} plots, transferred ${mb(r.medianBytes)} (max ${mb(r.maxBytes)}); pulling every trial instead: ${mb(r.fullPullBytes)}`,
      );
    }
    console.log(`render time 100k / 1k: ${ratio.toFixed(2)} (per-run pairs ${result.renderRatioSpread.map((x) => x.toFixed(2)).join("–")}; cold ${result.coldRatio.toFixed(2)}) — target ≤ 3: ${result.targets.renderRatioAtMost3 ? "met" : "NOT met"}`);
    console.log(`largest page transfer: ${mb(Math.max(small.maxBytes, large.maxBytes))} — target < 5 MB: ${result.targets.pageUnder5MB ? "met" : "NOT met"}`);
    console.log(`bytes 100k page / bytes of pulling all 100k trials: ${(large.medianBytes / large.fullPullBytes).toFixed(3)}`);
    const c = summaryChange;
    console.log(
      `summary after one change at ${sizes.large} trials (median of ${c.changes}): recomputed from every trial ${c.wholeMs.toFixed(2)} ms, kept change by change ${c.keptMs.toFixed(3)} ms — ${c.ratio.toFixed(0)}x less work; the whole route through the server ${c.routeMs.toFixed(1)} ms`,
    );
    const t = tableChange;
    console.log(
      `table after one change at ${sizes.large} trials (median of ${t.changes}): rebuilt on every read ${t.rebuiltMs.toFixed(1)} ms, kept until the next change ${t.keptMs.toFixed(1)} ms — ratio ${t.ratio.toFixed(1)}; the whole route through the server ${t.routeMs.toFixed(1)} ms after a change, ${t.repeatMs.toFixed(1)} ms read again`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
