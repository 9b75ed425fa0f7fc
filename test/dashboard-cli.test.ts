// `sextant dashboard` and `sextant report` as a user runs them (real processes against dist/).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStorage } from "../src/storage/index.js";
import { sextant, start, tempDir } from "./fixtures/cli-run.js";
import { seedStudy } from "./fixtures/dashboard-studies.mjs";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir("sextant-dashboard-"));
});
afterEach(() => cleanup());

describe("sextant dashboard and sextant report", () => {
  it("refuses to start without a database rather than create an empty ./sextant.db, and says how to point at one", async () => {
    const [refused, elsewhere] = await Promise.all([
      sextant(["dashboard", "--port", "0"], { cwd: dir }),
      sextant(["dashboard", "--port", "0", "--storage", "sqlite:./runs.db"], { cwd: dir }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/^sextant: no storage found at sqlite:\.\/sextant\.db \(the default\): .*sextant\.db does not exist; point at one with --storage URL or SEXTANT_STORAGE/);
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/no storage found at sqlite:\.\/runs\.db: /);
    expect(existsSync(join(dir, "runs.db"))).toBe(false);
  });

  it("refuses a memory storage, which would stay empty, and names the storage to give or the command to run instead", async () => {
    // It started an empty dashboard without a word: nothing outside the process can write to it.
    const urls = ["memory:", "sqlite::memory:"];
    // The four runs are independent: side by side.
    const [fromEnv, helpRun, ...refusals] = await Promise.all([
      // Given by SEXTANT_STORAGE, it is named so: the message named a --storage flag nobody had given.
      sextant(["dashboard", "--port", "0"], { cwd: dir, env: { SEXTANT_STORAGE: "memory:" } }),
      sextant(["dashboard", "--help"], { cwd: dir }),
      ...urls.map(async (url) => {
        // Stopped if it serves instead (as it did): the test fails rather than waits forever. Not
        // sooner than 45 s: four runs side by side on a loaded machine took over 15 s to refuse.
        const running = start(["dashboard", "--port", "0", "--storage", url], { cwd: dir });
        const timer = setTimeout(() => running.child.kill("SIGTERM"), 45_000);
        const refused = await running.done;
        clearTimeout(timer);
        return refused;
      }),
    ]);
    for (const [i, url] of urls.entries()) {
      const refused = refusals[i]!;
      expect(refused.code, `${url}: ${refused.stdout}`).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toContain(`--storage ${url} is an empty storage that lives only inside this process`);
      expect(refused.stderr).toContain(`sextant serve --storage ${url}`);
    }
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("SEXTANT_STORAGE=memory: is an empty storage that lives only inside this process");
    expect(fromEnv.stderr).not.toContain("--storage memory: is");
    // Its help no longer offers memory: (the text is wrapped to the terminal's width).
    const help = helpRun.stdout.replace(/\s+/g, " ");
    expect(help).toContain("--storage <url> storage URL: sqlite:PATH (also sqlite:///relative.db and sqlite:////absolute.db, as Optuna writes them); or postgres:// or postgresql://");
    expect(help).not.toContain("memory:");
  });

  it("serves the dashboard on the default ./sextant.db (the file tune writes) with no --storage, under a strict CSP", async () => {
    const storage = await openStorage(`sqlite:${join(dir, "sextant.db")}`);
    await seedStudy(storage, "tuned", { trials: 5, seed: 1 });
    await storage.close();
    // It serves the API of `sextant serve`, with its timing flags (the dashboard had none).
    // Started side by side with the refusal of a bad flag, which it does not wait for.
    const refusing = sextant(["dashboard", "--port", "0", "--request-timeout", "0"], { cwd: dir });
    const running = start(["dashboard", "--port", "0", "--heartbeat-grace", "12"], { cwd: dir });
    try {
      const badTimeout = await refusing;
      expect([badTimeout.code, badTimeout.stderr]).toEqual([2, expect.stringContaining('--request-timeout must be a number of seconds from 0.001 to 1000000000, got "0"')]);
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        const timer = setTimeout(() => reject(new Error(`no address in 30 s: ${stdout}`)), 30_000);
        running.child.stdout!.on("data", (d: Buffer) => {
          stdout += d.toString();
          const match = /open (http:\/\/\S+?)\/ \(storage sqlite:\.\/sextant\.db\)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        void running.done.then((r) => {
          clearTimeout(timer);
          reject(new Error(`sextant dashboard exited (code ${r.code}, signal ${r.signal}) before printing its address:\n${r.stderr}`));
        });
      });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
      expect((await fetch(`${url}/${script}`)).status).toBe(200);
      const { studies } = (await (await fetch(`${url}/api/v1/studies`)).json()) as { studies: { name: string }[] };
      expect(studies.map((study) => study.name)).toEqual(["tuned"]);
      expect(((await (await fetch(`${url}/api/v1/health`)).json()) as { heartbeatGraceSeconds: number }).heartbeatGraceSeconds).toBe(12);
      running.child.kill("SIGTERM");
      const ended = await running.done;
      expect(ended.code, `signal ${ended.signal}, stderr: ${ended.stderr}`).toBe(0);
    } finally {
      // Only a cleanup: an assertion here would replace the error that brought the test here.
      running.child.kill("SIGKILL");
    }
  });

  it("writes a self-contained report, and names the studies there are for an unknown one", async () => {
    const url = `sqlite:${join(dir, "s.db")}`;
    const storage = await openStorage(url);
    await seedStudy(storage, "tuned", { trials: 30, seed: 2 });
    for (const name of ["実験 1", "試験 1"]) await seedStudy(storage, name, { trials: 3, seed: 4, curves: false });
    await storage.close();
    const out = join(dir, "report.html");
    // The four reports read the file only: side by side.
    const [run, missing, ...named] = await Promise.all([
      sextant(["report", "tuned", "--storage", url, "--out", out, "--json"], { cwd: dir }),
      sextant(["report", "nope", "--storage", url], { cwd: dir }),
      ...["実験 1", "試験 1"].map((name) => sextant(["report", name, "--storage", url, "--json"], { cwd: dir })),
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ study: "tuned", out });
    const html = readFileSync(out, "utf8");
    expect(html).toContain('id="sextant-report"');
    expect(html).not.toMatch(/\b(src|href)="(https?:|\.\/assets)/);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    // Without --out the file is named after the study, in its own script: 実験 and 試験 were both
    // written to _-report.html, the second overwriting the first.
    expect(named.map((r) => r.code)).toEqual([0, 0]);
    expect(existsSync(join(dir, "実験_1-report.html")) && existsSync(join(dir, "試験_1-report.html"))).toBe(true);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no study named "nope"');
    expect(missing.stderr).toContain("tuned");
  });
});
