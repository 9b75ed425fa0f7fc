/**
 * Runs a YAHPO surrogate with ONNX Runtime for WebAssembly (`onnxruntime-web`), loaded on first
 * use so that programs which never touch the lab do not pay for it.
 *
 * Why `onnxruntime-web` and not `onnxruntime-node` (measured by `npm run bench:yahpo`, see the
 * README): `onnxruntime-node`'s install script downloads CUDA libraries from outside the npm
 * registry on Linux x64 unless `ONNXRUNTIME_NODE_INSTALL=skip` is set, which a user's plain
 * `npm install` does not have, and a `.npmrc` key for it makes npm warn on every command.
 * `onnxruntime-web` has no install script that matters (the only one in its tree, protobufjs's
 * version check, is denied in `allowScripts`), ships its WebAssembly in the package, and runs in
 * Node. It is slower per call than the native runtime, but a surrogate call costs well under a
 * millisecond in batches, far below what any sampler spends per trial.
 */
import type { EncodedConfiguration } from "./encoding.js";

type OrtModule = typeof import("onnxruntime-web");
type OrtSession = import("onnxruntime-web").InferenceSession;

let ortPromise: Promise<OrtModule> | undefined;

/** The ONNX Runtime module, imported once; single-threaded so runs are reproducible and share the machine. */
export function loadOnnxRuntime(): Promise<OrtModule> {
  ortPromise ??= import("onnxruntime-web").then((ort) => {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = "error";
    return ort;
  });
  return ortPromise;
}

/** An ONNX session of one surrogate with the input and output shapes checked. */
export class SurrogateSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    private readonly contWidth: number,
    private readonly catWidth: number,
    readonly outputWidth: number,
  ) {}

  /**
   * Opens the model and checks that it reads `x_cat` (int32, `catWidth` columns) and `x_cont`
   * (float32, `contWidth` columns) and writes `outputWidth` columns.
   */
  static async open(model: Uint8Array, where: string, contWidth: number, catWidth: number, outputWidth: number): Promise<SurrogateSession> {
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
    const width = (name: string, list: readonly { name: string; isTensor: boolean }[]): number | undefined => {
      const meta = list.find((m) => m.name === name) as { isTensor: boolean; shape?: readonly (number | string)[] } | undefined;
      const last = meta?.isTensor ? meta.shape?.[meta.shape.length - 1] : undefined;
      return typeof last === "number" ? last : undefined;
    };
    const found = {
      x_cont: width("x_cont", session.inputMetadata),
      x_cat: width("x_cat", session.inputMetadata),
      output: width(session.outputNames[0] ?? "", session.outputMetadata),
    };
    if (found.x_cont !== contWidth || found.x_cat !== catWidth || found.output !== outputWidth) {
      await session.release();
      throw new Error(
        `${where}: the model reads x_cont[${found.x_cont}], x_cat[${found.x_cat}] and writes ${found.output} columns; ` +
          `this version of Sextant expects x_cont[${contWidth}], x_cat[${catWidth}] and ${outputWidth} columns`,
      );
    }
    return new SurrogateSession(ort, session, contWidth, catWidth, outputWidth);
  }

  /** Runs one batch; returns one row of outputs per configuration. */
  async run(rows: readonly EncodedConfiguration[]): Promise<Float32Array[]> {
    if (rows.length === 0) return [];
    const xCont = new Float32Array(rows.length * this.contWidth);
    const xCat = new Int32Array(rows.length * this.catWidth);
    rows.forEach((row, i) => {
      xCont.set(row.xCont, i * this.contWidth);
      xCat.set(row.xCat, i * this.catWidth);
    });
    const feeds = {
      x_cont: new this.ort.Tensor("float32", xCont, [rows.length, this.contWidth]),
      x_cat: new this.ort.Tensor("int32", xCat, [rows.length, this.catWidth]),
    };
    const result = await this.session.run(feeds);
    const data = result[this.session.outputNames[0]!]!.data as Float32Array;
    return rows.map((_, i) => data.slice(i * this.outputWidth, (i + 1) * this.outputWidth));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
