import { describe, expect, it } from "vitest";
import { choicesWithSameCommandText, parseEnqueueFlag, parseOptionFlag, parseParamFlag, parseParamSpec, splitCommandLine } from "./params.js";

describe("parseParamSpec", () => {
  it("reads the short forms", () => {
    expect(parseParamSpec("float:1e-5:1e-1:log", "lr")).toEqual({ type: "float", low: 1e-5, high: 0.1, log: true });
    expect(parseParamSpec("int:2:10", "depth")).toEqual({ type: "int", low: 2, high: 10 });
    expect(parseParamSpec("float:0:1:step=0.1", "x")).toEqual({ type: "float", low: 0, high: 1, step: 0.1 });
    expect(parseParamSpec("int:0:10:step=2", "k")).toEqual({ type: "int", low: 0, high: 10, step: 2 });
    expect(parseParamSpec("cat:gbtree,dart", "booster")).toEqual({ type: "categorical", choices: ["gbtree", "dart"] });
    expect(parseParamSpec("categorical: a , b", "c")).toEqual({ type: "categorical", choices: ["a", "b"] });
  });

  it("names the parameter in errors", () => {
    expect(() => parseParamSpec("float:1", "lr")).toThrow('parameter "lr": expected float:LOW:HIGH[:log][:step=S], got "float:1"');
    expect(() => parseParamSpec("cat:a,a", "c")).toThrow('parameter "c": categorical choice "a" appears twice');
    // Accepted, as the library's suggestInt was: not every integer up there is a number.
    expect(() => parseParamSpec("int:0:1152921504606846976", "i")).toThrow(/^parameter "i": int bounds must lie within ±9007199254740991/);
    expect(parseParamSpec(`int:-${Number.MAX_SAFE_INTEGER}:${Number.MAX_SAFE_INTEGER}`, "i")).toEqual({ type: "int", low: -Number.MAX_SAFE_INTEGER, high: Number.MAX_SAFE_INTEGER });
    // The last of a repeated option was kept without a word.
    expect(() => parseParamFlag("x=float:-1:1:step=0.5:step=0.25")).toThrow('--param "x=float:-1:1:step=0.5:step=0.25": parameter "x": option "step" is given twice in "float:-1:1:step=0.5:step=0.25"');
    expect(() => parseParamSpec("float:1:2:log: log", "lr")).toThrow('parameter "lr": option "log" is given twice in "float:1:2:log: log"');
    expect(() => parseParamFlag("=float:0:1")).toThrow("expected NAME=SPEC");
    expect(() => parseParamFlag("toString=float:0:1")).toThrow('--param "toString=float:0:1": parameter name "toString" is reserved');
  });
});

describe("parseOptionFlag", () => {
  it("turns numbers and booleans into values", () => {
    expect(parseOptionFlag("sigma0=0.3", "--sampler-opt")).toEqual(["sigma0", 0.3]);
    expect(parseOptionFlag("restart=true", "--sampler-opt")).toEqual(["restart", true]);
    expect(parseOptionFlag("strategy=ipop", "--sampler-opt")).toEqual(["strategy", "ipop"]);
    expect(() => parseOptionFlag("novalue", "--pruner-opt")).toThrow('--pruner-opt "novalue": expected KEY=VALUE');
  });

  it("leaves any other spelling of a number as text, for the option's schema to read by its kind", () => {
    // Number() made n_startup_trials=0x10 the number 16, and 5.0 or 1e3 whole numbers an integer option took.
    for (const text of ["0x10", "0b101", "5.0", "1e3", "+5", ".5", "1e-3", "007", "Infinity", "NaN"]) {
      expect(parseOptionFlag(`n=${text}`, "--sampler-opt"), text).toEqual(["n", text]);
    }
    for (const [text, value] of [["16", 16], ["-2", -2], ["0.25", 0.25], ["1e-7", 1e-7]] as const) {
      expect(parseOptionFlag(`n=${text}`, "--sampler-opt"), text).toEqual(["n", value]);
    }
  });
});

describe("splitCommandLine", () => {
  it("splits words like a shell without running one", () => {
    expect(splitCommandLine(`python train.py --name "my run" --lr {lr}`)).toEqual(["python", "train.py", "--name", "my run", "--lr", "{lr}"]);
    expect(splitCommandLine(`echo 'a $HOME' "b \\"q\\" \\$x" c\\ d ''`)).toEqual(["echo", "a $HOME", 'b "q" $x', "c d", ""]);
    expect(splitCommandLine("  a\tb\n c ")).toEqual(["a", "b", "c"]);
    expect(splitCommandLine(`run "|" ';'`)).toEqual(["run", "|", ";"]);
  });

  it("joins lines ended by a backslash, as a shell does, instead of passing a newline argument", () => {
    // A command written over several lines of a YAML block (command: |), as in a shell script.
    expect(splitCommandLine("python3 train.py \\\n  --lr {lr} \\\n  --depth {depth}\n")).toEqual(["python3", "train.py", "--lr", "{lr}", "--depth", "{depth}"]);
    expect(splitCommandLine("run --na\\\nme \"a \\\nb\"")).toEqual(["run", "--name", "a b"]);
  });

  it("refuses shell operators, unterminated quotes and empty commands", () => {
    expect(() => splitCommandLine("python train.py > log.txt")).toThrow('unquoted ">" in ">": commands do not run through a shell');
    expect(() => splitCommandLine("a && b")).toThrow('unquoted "&" in "&&"');
    expect(() => splitCommandLine(`echo "unterminated`)).toThrow("unterminated double quote");
    expect(() => splitCommandLine(`echo 'unterminated`)).toThrow("unterminated single quote");
    expect(() => splitCommandLine("   ")).toThrow("the command is empty");
  });

  it("refuses an operator character inside a word instead of passing it on as text", () => {
    expect(() => splitCommandLine("echo hi; rm x")).toThrow(`unquoted ";" in "hi;"`);
    expect(() => splitCommandLine("a|b")).toThrow(`unquoted "|" in "a|b"`);
    expect(() => splitCommandLine("run 2>/dev/null")).toThrow(`unquoted ">" in "2>/dev/null"`);
    expect(() => splitCommandLine("run <in.txt")).toThrow(`unquoted "<" in "<in.txt"`);
    expect(() => splitCommandLine("sleep 1&")).toThrow(`unquoted "&" in "1&"`);
    expect(() => splitCommandLine("train.py --tag a#b")).toThrow(`unquoted "#" in "a#b"`);
    expect(() => splitCommandLine("run # comment")).toThrow(`quote it ('#') to pass it on, or use a list like ["sh", "-c", "…"]`);
  });

  it("refuses what a shell would expand instead of passing it on as literal text", () => {
    const notExpanded = "commands do not run through a shell, so it would reach the program as literal text, not expanded";
    expect(() => splitCommandLine("python train.py --data $DATA_DIR")).toThrow(`"$DATA_DIR" in "$DATA_DIR": ${notExpanded}`);
    expect(() => splitCommandLine("python train.py --out=${HOME}/runs")).toThrow(`"\${HOME}" in "--out=\${HOME}/runs"`);
    expect(() => splitCommandLine(`python train.py --tag "run-$(date +%s)"`)).toThrow(`"$(date +%s)" in`);
    expect(() => splitCommandLine("python train.py --tag `date`")).toThrow("a backquote (command substitution) in \"`date`\"");
    expect(() => splitCommandLine("python ~/train.py")).toThrow(`"~" (the home folder) in "~/train.py"`);
    expect(() => splitCommandLine(`python train.py --seed "$1"`)).toThrow(`"$1" in`);
  });

  it("passes a $ or ~ that a shell would keep, or that is quoted or escaped, on literally", () => {
    expect(splitCommandLine(`grep 'a$' x$ "$" \\$HOME '$(x)' a~b --p=~/x "\\$y"`)).toEqual(["grep", "a$", "x$", "$", "$HOME", "$(x)", "a~b", "--p=~/x", "$y"]);
  });

  it("passes quoted or escaped operator characters on literally", () => {
    expect(splitCommandLine(`echo 'hi;' "a|b" 2\\>x a\\#b "<&>"`)).toEqual(["echo", "hi;", "a|b", "2>x", "a#b", "<&>"]);
  });
});

describe("parseEnqueueFlag", () => {
  const space = { c: { type: "categorical", choices: [1, "1", "a,b", true] }, x: { type: "float", low: 0, high: 1 } } as const;
  it("names a string choice in double quotes, commas included, and prefers the number for bare text", () => {
    // "1" the string and "a,b" could not be enqueued: the flag split on every comma and took the first textual match.
    expect(parseEnqueueFlag('c="1",x=0.5', space)).toEqual({ c: "1", x: 0.5 });
    expect(parseEnqueueFlag('c="a,b"', space)).toEqual({ c: "a,b" });
    expect(parseEnqueueFlag("c=1", space)).toEqual({ c: 1 });
    expect(parseEnqueueFlag("c=true", space)).toEqual({ c: true });
    expect(() => parseEnqueueFlag("c=a", space)).toThrow('"a" is not a choice of "c" (choices: 1, "1", "a,b", true; quote a string choice that looks like a number or holds a comma, e.g. c="1")');
  });

  it("matches a number choice by value however it is spelt, and a string choice by its text", () => {
    // 1e-5 and 2.0 were "not a choice", and 0.10 picked the string "0.10" over the number 0.1.
    const numbers = { lr: { type: "categorical", choices: [1e-5, 1e-4, 1e-3] }, d: { type: "categorical", choices: [0.1, "0.10", 2] } } as const;
    expect(parseEnqueueFlag("lr=1e-5,d=2.0", numbers)).toEqual({ lr: 1e-5, d: 2 });
    expect(parseEnqueueFlag("lr=0.00001,d=0.10", numbers)).toEqual({ lr: 1e-5, d: 0.1 });
    expect(parseEnqueueFlag('lr=1E-3,d="0.10"', numbers)).toEqual({ lr: 1e-3, d: "0.10" });
    expect(() => parseEnqueueFlag("lr=1e-6", numbers)).toThrow('"1e-6" is not a choice of "lr"');
  });

  it("reads a number in decimal notation: a whole one for an int parameter, however spelt, and no hex", () => {
    // Number() read depth=0x10 as 16 and x=0x1 as 1, and enqueued them.
    const numbers = { depth: { type: "int", low: 2, high: 20 }, x: { type: "float", low: 0, high: 1 } } as const;
    expect(parseEnqueueFlag("depth=16,x=.5", numbers)).toEqual({ depth: 16, x: 0.5 });
    expect(parseEnqueueFlag("depth=5.0,x=1e-3", numbers)).toEqual({ depth: 5, x: 1e-3 });
    expect(parseEnqueueFlag("depth=1e1, x=+1", numbers)).toEqual({ depth: 10, x: 1 });
    for (const text of ["0x10", "0b101", "0o7", "5.5", "", "Infinity", "1 6"]) {
      expect(() => parseEnqueueFlag(`depth=${text}`, numbers), text).toThrow(`--enqueue "depth=${text}": "depth" must be an integer from 2 to 20, got "${text}"`);
    }
    for (const text of ["0x1", "0b1", ".", "1e"]) {
      expect(() => parseEnqueueFlag(`x=${text}`, numbers), text).toThrow(`--enqueue "x=${text}": "x" must be a number from 0 to 1, got "${text}"`);
    }
  });
});

describe("choicesWithSameCommandText", () => {
  it("finds the first two choices a command would get as the same text, and nothing when all differ", () => {
    expect(choicesWithSameCommandText([1, "2", "1"])).toEqual({ first: 0, second: 2, text: "1" });
    expect(choicesWithSameCommandText([false, null, "null"])).toEqual({ first: 1, second: 2, text: "null" });
    expect(choicesWithSameCommandText([1, "01", 1.5, "true", false])).toBeNull();
  });
});
