// The README's code blocks, held to the library they document. Every ```ts block is type-checked
// against the built package (dist/*.d.ts, reached through package.json "exports" exactly as a user's
// `import ... from "sextant"` would be), and every ```python block is parsed, with the names it takes
// from `sextant_client` looked up in clients/python; every ```yaml block is loaded as a config file,
// and every block that starts `$ sextant …` is run and must print what it shows. Build first
// (`npm run build`): the types come from dist/, not src/, and the CLI runs dist/.
//
// Blocks are excerpts, not programs: they call helpers the reader supplies (`evaluate`,
// `freshModel`, `sgdStep`) and, further down the Library section, continue from an earlier
// block's imports and its `study`. So:
// - a block that uses an export of "sextant" without importing it is given that import, and one that
//   uses `study` without declaring it is given `declare const study: Study`, on a line the test
//   prepends. Left unresolved they would be `any`, and nothing in the block would be checked;
// - what is still unresolved after that is a reader's helper: the "cannot find name" diagnostics
//   in IGNORED_CODES are dropped (unless the name is, or is a misspelling of, an export of
//   "sextant"), every other diagnostic fails the block.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../src/cli/config.js";
import { ROOT, sextant, tempDir } from "./fixtures/cli-run.js";
import { inCI } from "./fixtures/environment.js";

/**
 * The only diagnostics a block may raise, all of them "this name is declared nowhere", which is
 * what a helper the reader writes looks like:
 * - 2304 "Cannot find name 'X'." (`evaluate(...)`, or a type such as `Model` in `Map<number, Model>`);
 * - 2552 "Cannot find name 'X'. Did you mean 'Y'?", the same when a declared name is spelt close
 *   to it (`systems`, the helper's list, next to the loop's `system`);
 * - 18004 "No value exists in scope for the shorthand property 'X'.", the same inside `{ X }`.
 * Not ignored: 2305/2724 (a module has no such export), 2339/2353/2561 (no such property or option),
 * 2583/2584 (a name that exists only under another `lib`), nor any other code.
 */
const IGNORED_CODES = new Set([2304, 2552, 18004]);

/**
 * The reader's helpers the README's blocks call, typed as a reader would write them, so that what a
 * block passes them and does with their results is checked too: left undeclared they are `any`, and
 * `evaluate(trial.params.depth)` (a `number | string | boolean` where a number is wanted) or a
 * checkpoint's `JsonValue` data used as a model passed unchecked. A global script, so a block that
 * declares its own helper of the same name shadows it.
 */
const READER_HELPERS = `
type Model = { weights: number[] }; // a checkpoint's data is JSON: a type alias, not an interface
interface Learner { trainEpoch(): number }
declare function newModel(lr: number): Learner;
declare function freshModel(): Model;
declare function sgdStep(model: Model, lr: number, step: number): void;
declare function validationLoss(model: Model): number;
declare function evaluate(depth: number): number;
interface LinearSystem { shift: number }
declare const systems: readonly LinearSystem[];
declare function sor(system: LinearSystem, omega: number): { iterations: number };
declare function train(config: { lr: number; batchSize: number }): number;
`;

const README = join(ROOT, "README.md");

interface Block {
  /** README line of the block's first code line (1-based). */
  line: number;
  code: string;
}

/** The fenced blocks of `markdown` whose info string is one of `languages`. */
function fencedBlocks(markdown: string, languages: string[]): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const opening = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!opening) continue;
    const end = lines.findIndex((text, j) => j > i && /^```\s*$/.test(text));
    if (end < 0) throw new Error(`README.md line ${i + 1}: code block never closed`);
    if (languages.includes(opening[1]!)) blocks.push({ line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

const markdown = readFileSync(README, "utf8");
const tsBlocks = fencedBlocks(markdown, ["ts", "typescript"]);
const pythonBlocks = fencedBlocks(markdown, ["python", "py"]);

// Inside the package, so NodeNext resolution takes "sextant" as the package's reference to itself
// and its "type": "module" makes each block an ES module (top-level await allowed). The files exist
// only in memory.
const blockFile = (block: Block) => join(ROOT, "test", `readme-example-line-${block.line}.ts`);

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
};

interface Checked {
  /** The line prepended to the block, or "" when it needed none. */
  prelude: string;
  /** "README.md line N: TSxxxx message" for each diagnostic not ignored. */
  problems: string[];
}

/** Builds one program of `sources` (file name to text), reusing parsed files from earlier calls. */
function programOf(sources: Map<string, string>, cache: Map<string, ts.SourceFile>, oldProgram?: ts.Program): ts.Program {
  const host = ts.createCompilerHost(compilerOptions);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const text = sources.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    let file = cache.get(fileName);
    if (!file) {
      file = getSourceFile.call(host, fileName, languageVersion, ...rest);
      if (file) cache.set(fileName, file);
    }
    return file;
  };
  host.fileExists = (fileName) => sources.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => sources.get(fileName) ?? readFile.call(host, fileName);
  return ts.createProgram({ rootNames: [...sources.keys()], options: compilerOptions, host, oldProgram });
}

function diagnosticsOf(program: ts.Program, fileName: string): readonly ts.Diagnostic[] {
  const file = program.getSourceFile(fileName)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
}

/** The identifier a "cannot find name" diagnostic points at. */
const missingName = (diagnostic: ts.Diagnostic) => diagnostic.file!.text.slice(diagnostic.start!, diagnostic.start! + diagnostic.length!);

/**
 * Whether an unresolved name is the library's rather than a reader's helper: an export of "sextant"
 * (the prelude imports those, so it can only be shadowed by a wrong import), or a misspelling TS
 * matches to one ("Cannot find name 'createStudi'. Did you mean 'createStudy'?").
 */
function misspeltExport(diagnostic: ts.Diagnostic, rootExports: Set<string>): boolean {
  if (rootExports.has(missingName(diagnostic))) return true;
  const suggestion = /Did you mean '([^']+)'\?/.exec(ts.flattenDiagnosticMessageText(diagnostic.messageText, " "));
  return suggestion !== null && rootExports.has(suggestion[1]!);
}

/**
 * Type-checks every ts block in one program. A first pass finds the names each block leaves
 * unresolved; blocks that use exports of "sextant" or `study` without declaring them get a
 * prelude, and a second program (reusing the first's parsed files) checks the blocks as given.
 */
function checkTsBlocks(blocks: Block[]): Map<Block, Checked> {
  const cache = new Map<string, ts.SourceFile>();
  const probe = join(ROOT, "test", "readme-example-exports.ts");
  const sources = new Map<string, string>([
    [probe, 'export * from "sextant";\n'],
    [join(ROOT, "test", "readme-reader-helpers.d.ts"), READER_HELPERS],
  ]);
  for (const block of blocks) sources.set(blockFile(block), block.code);
  const first = programOf(sources, cache);
  const checker = first.getTypeChecker();
  const probeSymbol = checker.getSymbolAtLocation(first.getSourceFile(probe)!);
  const rootExports = new Set(probeSymbol ? checker.getExportsOfModule(probeSymbol).map((symbol) => symbol.name) : []);

  const preludes = new Map<Block, string>();
  for (const block of blocks) {
    const missing = new Set(
      diagnosticsOf(first, blockFile(block))
        .filter((diagnostic) => IGNORED_CODES.has(diagnostic.code))
        .map(missingName),
    );
    const imports = [...missing].filter((name) => rootExports.has(name)).sort();
    if (missing.has("study") && !imports.includes("Study")) imports.push("type Study");
    let prelude = imports.length > 0 ? `import { ${imports.join(", ")} } from "sextant";` : "";
    if (missing.has("study")) prelude += " declare const study: Study;";
    if (prelude) {
      preludes.set(block, prelude);
      sources.set(blockFile(block), `${prelude}\n${block.code}`);
    }
  }
  const program = preludes.size > 0 ? programOf(sources, cache, first) : first;

  const results = new Map<Block, Checked>();
  for (const block of blocks) {
    const prelude = preludes.get(block) ?? "";
    const offset = prelude ? 1 : 0;
    const problems = diagnosticsOf(program, blockFile(block))
      .filter((diagnostic) => !IGNORED_CODES.has(diagnostic.code) || misspeltExport(diagnostic, rootExports))
      .map((diagnostic) => {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
        const hint = diagnostic.code === 2307 ? " (is dist/ built? run `npm run build`)" : "";
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        const where = line < offset ? `the test's prelude \`${prelude}\`` : `README.md line ${block.line + line - offset}`;
        return `${where}: TS${diagnostic.code} ${message}${hint}`;
      });
    results.set(block, { prelude, problems });
  }
  return results;
}

describe("README ts blocks", () => {
  let checked: Map<Block, Checked>;
  beforeAll(() => {
    checked = checkTsBlocks(tsBlocks);
  });

  it("finds the blocks", () => {
    expect(tsBlocks.length).toBeGreaterThan(10);
  });

  it.each(tsBlocks.map((block) => [block.line, block] as const))("type-checks the block at README.md line %i", (line, block) => {
    const { problems } = checked.get(block)!;
    expect(problems, `README.md block at line ${line}:\n${problems.join("\n")}`).toEqual([]);
  });
});

const PYTHON = "/usr/bin/python3";
const available = existsSync(PYTHON);
// On CI a missing interpreter is a broken machine, not a reason to skip.
const runOrSkip = available || inCI() ? describe : describe.skip;

// Parses each block, then checks that what it takes from sextant_client exists there, and that
// calls of the module's own functions (`sextant_client.create_study(...)`) fit their signatures.
// Methods of the objects these return are not followed: that would need the types Python lacks.
const PYTHON_CHECK = String.raw`
import ast, inspect, json, sys
import sextant_client

problems = {}
for block in json.load(sys.stdin):
    found = problems.setdefault(str(block["line"]), [])
    def report(node, message):
        found.append("README.md line %d: %s" % (block["line"] + getattr(node, "lineno", 1) - 1, message))
    try:
        tree = ast.parse(block["code"])
    except SyntaxError as error:
        report(error, "SyntaxError: %s" % error.msg)
        continue
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "sextant_client":
            for alias in node.names:
                if not hasattr(sextant_client, alias.name):
                    report(node, "sextant_client has no %s" % alias.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sextant_client":
            if not hasattr(sextant_client, node.attr):
                report(node, "sextant_client has no %s" % node.attr)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "sextant_client" and hasattr(sextant_client, node.func.attr):
            if any(isinstance(arg, ast.Starred) for arg in node.args) or any(kw.arg is None for kw in node.keywords):
                continue
            try:
                inspect.signature(getattr(sextant_client, node.func.attr)).bind(*node.args, **{kw.arg: kw.value for kw in node.keywords})
            except TypeError as error:
                report(node, "sextant_client.%s(...): %s" % (node.func.attr, error))
json.dump(problems, sys.stdout)
`;

runOrSkip("README python blocks", () => {
  let problems: Record<string, string[]>;
  beforeAll(() => {
    const result = spawnSync(PYTHON, ["-c", PYTHON_CHECK], {
      input: JSON.stringify(pythonBlocks.map(({ line, code }) => ({ line, code }))),
      env: { ...process.env, PYTHONPATH: join(ROOT, "clients/python"), PYTHONDONTWRITEBYTECODE: "1" },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`${PYTHON} failed (${result.status}): ${result.stderr}`);
    problems = JSON.parse(result.stdout) as Record<string, string[]>;
  });

  it("finds a block that uses sextant_client", () => {
    expect(pythonBlocks.some((block) => block.code.includes("sextant_client"))).toBe(true);
  });

  it.each(pythonBlocks.map((block) => [block.line, block] as const))("parses the block at README.md line %i", (line) => {
    const found = problems[String(line)] ?? [];
    expect(found, `README.md block at line ${line}:\n${found.join("\n")}`).toEqual([]);
  });
});

// The config file the README shows under "Config file" is one `sextant tune --config` takes as it is,
// and the string form it offers in a comment for `command` splits into the list it replaces.
const yamlBlocks = fencedBlocks(markdown, ["yaml", "yml"]);

describe("README yaml blocks", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sextant-readme-yaml-"));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it("finds the config file example", () => {
    expect(yamlBlocks.some((block) => /^params:/m.test(block.code))).toBe(true);
  });

  it.each(yamlBlocks.map((block) => [block.line, block] as const))("loads the config at README.md line %i", (line, block) => {
    const file = join(dir, `line-${line}.yaml`);
    writeFileSync(file, block.code);
    const { config } = loadConfigFile(file);
    expect(Object.keys(config.params).length).toBeGreaterThan(0);
    const stringForm = /^# (command: [^[].*)$/m.exec(block.code);
    if (config.command && stringForm) {
      const other = join(dir, `line-${line}-string-command.yaml`);
      writeFileSync(other, block.code.replace(/^command: .*$/m, stringForm[1]!));
      expect(loadConfigFile(other).config.command).toEqual(config.command);
    }
  });
});

// A block whose first line is `$ sextant ...` is a transcript: the command, run on its own, prints
// what follows it. Only commands that read no storage and draw nothing at random belong in one.
const transcripts = fencedBlocks(markdown, [""]).filter((block) => block.code.startsWith("$ sextant "));

describe("README transcripts", () => {
  it("finds one", () => {
    expect(transcripts.length).toBeGreaterThan(0);
  });

  it.each(transcripts.map((block) => [block.line, block] as const))("prints what the block at README.md line %i shows", async (line, block) => {
    const [command, ...printed] = block.code.split("\n");
    const args = command!.slice("$ sextant ".length).trim().split(/\s+/);
    const { dir, cleanup } = tempDir("sextant-readme-transcript-");
    try {
      const result = await sextant(args, { cwd: dir });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout.trimEnd()).toBe(printed.join("\n").trimEnd());
    } finally {
      cleanup();
    }
  });
});

// "### Errors" names the commands that exit 128 + N on a signal; `sextant --help` lists the same.
describe("README exit codes", () => {
  it("names the same commands as sextant --help for exit 128 + N", async () => {
    const readme = /128 \+ N when ([^]*?) is stopped by signal N/.exec(markdown);
    expect(readme).not.toBeNull();
    const named = (text: string) => text.replace(/`/g, "").split(/,\s*|\s+(?:and|or)\s+/).map((name) => name.trim()).filter(Boolean).sort();
    const { dir, cleanup } = tempDir("sextant-readme-help-");
    try {
      const help = await sextant(["--help"], { cwd: dir });
      expect(help.code).toBe(0);
      const listed = /128\+N\s+([^]*?)\s+stopped by/.exec(help.stdout);
      expect(listed, help.stdout).not.toBeNull();
      expect(named(readme![1]!.replace(/\s+/g, " "))).toEqual(named(listed![1]!.replace(/\s+/g, " ")));
    } finally {
      cleanup();
    }
  });
});
