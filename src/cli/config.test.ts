import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPrunerByName } from "../pruners/index.js";
import { loadConfigFile, resolveStorageUrl } from "./config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sextant-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n"));
  return file;
}

describe("loadConfigFile", () => {
  it("points at the shipped example when --help's examples/quickstart/sextant.yaml is missing from a user's folder", () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "sextant-config-cwd-"));
    const before = process.cwd();
    try {
      process.chdir(elsewhere);
      const shipped = join(import.meta.dirname, "..", "..", "examples", "quickstart", "sextant.yaml");
      expect(() => loadConfigFile("examples/quickstart/sextant.yaml")).toThrow(
        `config file examples/quickstart/sextant.yaml does not exist; the examples ship inside the sextant package: --config ${relative(elsewhere, shipped)}`,
      );
      expect(() => loadConfigFile("examples/quickstart/other.yaml")).toThrow(/^config file examples\/quickstart\/other.yaml does not exist$/);
    } finally {
      process.chdir(before);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("says what is wrong with .inf and .nan instead of 'got number null'", () => {
    const file = write("inf.yaml", ["timeout: .inf", "killGrace: .nan", "params: { x: 'float:0:1' }"]);
    let message = "";
    try {
      loadConfigFile(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("inf.yaml:1:10: timeout: must be a finite number, got infinity (.inf); leave the field out for no limit");
    expect(message).toContain("inf.yaml:2:12: killGrace: must be a finite number, got not-a-number (.nan)");
    expect(message).not.toContain("null");
  });

  it("takes a YAML mapping for an option that holds a JSON object (patient's wrappedOptions)", () => {
    // It had to be a JSON string; a mapping was refused with "expected another type, got a mapping".
    const file = write("patient.yaml", [
      "params: { x: 'float:0:1' }",
      "pruner:",
      "  name: patient",
      "  options:",
      "    patience: 2",
      "    wrapped: percentile",
      "    wrappedOptions:",
      "      percentile: 25",
      "      nWarmupSteps: 3",
    ]);
    const { config } = loadConfigFile(file);
    expect(config.pruner).toEqual({ name: "patient", options: { patience: 2, wrapped: "percentile", wrappedOptions: '{"percentile":25,"nWarmupSteps":3}' } });
    expect(createPrunerByName(config.pruner!.name, config.pruner!.options).name).toBe("patient");
  });

  it("says how to give several objectives' directions when they are written as --direction takes them", () => {
    // They read "direction: expected one of "minimize", "maximize", got a list" and "directions: expected array, got string".
    for (const [line, message] of [
      ["direction: [minimize, maximize]", 'c.yaml:1:12: direction: one objective\'s direction; for several objectives give "directions" as a list: directions: [minimize, maximize]'],
      ["direction: minimize,maximize", 'c.yaml:1:12: direction: one objective\'s direction; for several objectives give "directions" as a list: directions: [minimize, maximize]'],
      ["directions: minimize, maximize", "c.yaml:1:13: directions: expected a list of directions, one per objective: directions: [minimize, maximize]"],
      ["directions: minimize", "c.yaml:1:13: directions: expected a list of directions, one per objective: directions: [minimize]"],
    ] as const) {
      const file = write("c.yaml", [line, "params: { x: 'float:0:1' }"]);
      expect(() => loadConfigFile(file)).toThrow(message);
    }
    expect(loadConfigFile(write("c.yaml", ["directions: [minimize, maximize]", "params: { x: 'float:0:1' }"])).config.directions).toEqual(["minimize", "maximize"]);
    // More than 16 are read: a study an older Sextant made with them is resumed (tune refuses them for a new study, at this line).
    const many = write("c.yaml", [`directions: [${Array(17).fill("minimize").join(", ")}]`, "params: { x: 'float:0:1' }"]);
    expect(loadConfigFile(many).config.directions).toHaveLength(17);
  });

  it("points a storage URL it cannot open at its line", () => {
    // It used to surface only when opened: "cannot open storage bogus:xyz", exit 1, no line.
    const file = write("storage.yaml", ["params: { x: 'float:0:1' }", "storage: bogus:xyz"]);
    expect(() => loadConfigFile(file)).toThrow(/storage\.yaml:2:10: storage: unknown storage URL "bogus:xyz": use sqlite:PATH \(also sqlite:\/\/\/relative\.db or sqlite:\/\/\/\/absolute\.db\), postgres:\/\/ or postgresql:/);
  });

  it("says to quote a value that ends in a colon, which YAML reads as a mapping, and only that", () => {
    // "storage: memory:" said only "Nested mappings are not allowed in compact mappings".
    const file = write("memory.yaml", ["params: { x: 'float:0:1' }", "storage: memory: # for a try", "trials: 1"]);
    expect(() => loadConfigFile(file)).toThrow(/^[^\n]*memory\.yaml:2:10: Nested mappings are not allowed in compact mappings \(a value that ends in ":" must be quoted: "memory:"\)$/);
    const other = write("nested.yaml", ["params: { x: 'float:0:1' }", "study: a: b"]);
    expect(() => loadConfigFile(other)).toThrow(/nested\.yaml:2:8: Nested mappings are not allowed in compact mappings$/);
    writeFileSync(file, "params: { x: 'float:0:1' }\nstorage: \"memory:\"\n");
    expect(loadConfigFile(file).config.storage).toBe("memory:");
  });

  it("points a sqlite:/// URL whose file exists only at the root, where three slashes used to point, at its line", () => {
    const former = join(dir, "old.db");
    writeFileSync(former, "");
    mkdirSync(join(dir, "exp"));
    // Relative to the config file's folder, as a config's sqlite:runs/s.db is.
    const file = write("exp/old.yaml", ["params: { x: 'float:0:1' }", `storage: sqlite://${former}`]);
    expect(() => loadConfigFile(file)).toThrow(
      `old.yaml:2:10: storage: storage URL "sqlite://${former}" names ${former.slice(1)} (relative, as in SQLAlchemy and Optuna), which does not exist, but ${former} does`,
    );
    expect(loadConfigFile(write("exp/four.yaml", ["params: { x: 'float:0:1' }", `storage: sqlite:///${former}`])).config.storage).toBe(`sqlite:///${former}`);
  });

  it("resolves relative storage and cwd from the config file's folder", () => {
    mkdirSync(join(dir, "exp"));
    const file = write("exp/s.yaml", ["storage: sqlite:runs/s.db", "cwd: ../work", "params: { x: 'float:0:1' }"]);
    const { config } = loadConfigFile(file);
    expect(config.storage).toBe(`sqlite:${join(dir, "exp", "runs", "s.db")}`);
    expect(config.cwd).toBe(join(dir, "work"));
  });

  it("refuses categorical choices that reach the command as the same text, at the second choice's line", () => {
    // [1, "1"] ran, and every trial showed x=1: the command and `sextant trials` could not tell them apart.
    for (const [choices, where, shown] of [
      ['[1, "1"]', '4:18: params.x.choices[1]', 'choices 1 and "1" both reach the command as the text "1"'],
      ["[a, true, 'true']", "4:24: params.x.choices[2]", 'choices true and "true" both reach the command as the text "true"'],
      ["[~, 'null']", "4:18: params.x.choices[1]", 'choices null and "null" both reach the command as the text "null"'],
    ] as const) {
      const file = write("cat.yaml", ["params:", "  x:", "    type: categorical", `    choices: ${choices}`]);
      expect(() => loadConfigFile(file)).toThrow(`cat.yaml:${where}: parameter "x": ${shown}, so their trials could not be told apart`);
    }
    expect(loadConfigFile(write("ok.yaml", ["params:", "  x: { type: categorical, choices: [1, '2', true, 'false'] }"])).config.params.x).toEqual({ type: "categorical", choices: [1, "2", true, "false"] });
  });

  it("points a command string with an unquoted operator at its line", () => {
    const file = write("op.yaml", ["params: { x: 'float:0:1' }", "command: echo {x}; rm x"]);
    expect(() => loadConfigFile(file)).toThrow('op.yaml:2:10: command: unquoted ";" in "{x};"');
  });
});

describe("resolveStorageUrl", () => {
  it("makes relative sqlite paths absolute and leaves everything else alone", () => {
    expect(resolveStorageUrl("sqlite:./a.db", "/srv/exp")).toBe("sqlite:/srv/exp/a.db");
    expect(resolveStorageUrl("sqlite:a.db", "/srv/exp")).toBe("sqlite:/srv/exp/a.db");
    expect(resolveStorageUrl("sqlite:/abs/a.db", "/srv/exp")).toBe("sqlite:/abs/a.db");
    expect(resolveStorageUrl("sqlite://runs/a.db", "/srv/exp")).toBe("sqlite:/srv/exp/runs/a.db");
    expect(resolveStorageUrl("memory:", "/srv/exp")).toBe("memory:");
    expect(resolveStorageUrl("postgres://u@h/db", "/srv/exp")).toBe("postgres://u@h/db");
  });

  it("reads sqlite:/// as SQLAlchemy and Optuna do: three slashes a relative path, four an absolute one", () => {
    expect(resolveStorageUrl("sqlite:///a.db", "/srv/exp")).toBe("sqlite:/srv/exp/a.db");
    expect(resolveStorageUrl("sqlite:///runs/a.db", "/srv/exp")).toBe("sqlite:/srv/exp/runs/a.db");
    expect(resolveStorageUrl("sqlite:////abs/a.db", "/srv/exp")).toBe("sqlite:////abs/a.db");
  });
});
