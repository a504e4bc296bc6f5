/**
 * Scores rows with an ONNX model through ONNX Runtime. Rows arrive as columns (one per feature,
 * as the readers hand batches out) and are scored in slices of at most `batchRows`, each fed
 * through buffers allocated once and reused, so memory stays flat whatever the row count.
 * Numbers are cast to the element type each input declares (float32 for most exporters);
 * categories feed string inputs.
 */
import type * as Ort from "onnxruntime-common";
import { InputError } from "../../errors.js";
import type { OnnxBinding } from "./check-onnx.js";
import { elementTypeName, ElementType } from "./read-onnx.js";
import { loadOnnxRuntime, type OnnxBackend, type OnnxRuntime } from "./onnx-runtime.js";

/** One feature's values for a batch: numbers (NaN for missing) or text (null for missing). */
export type FeatureValues = Float64Array | readonly (string | null)[];

/** Options of {@link OnnxScorer.open}. */
export interface OnnxScorerOptions {
  /** The model file as messages name it. */
  file: string;
  /** Threads ONNX Runtime may use inside one run (default 1: the caller owns the cores). */
  threads?: number;
  /** Runtime build; default native when it loads, else wasm. */
  backend?: OnnxBackend;
  /** Most rows one `run` call is given (default 65,536). */
  batchRows?: number;
}

type Buffer = Float32Array | Float64Array | BigInt64Array | Int32Array | string[];

const DEFAULT_BATCH_ROWS = 65_536;

function allocate(elementType: number, length: number): Buffer {
  switch (elementType) {
    case ElementType.float:
      return new Float32Array(length);
    case ElementType.double:
      return new Float64Array(length);
    case ElementType.int64:
      return new BigInt64Array(length);
    case ElementType.int32:
      return new Int32Array(length);
    default:
      return new Array<string>(length).fill("");
  }
}

function tensorType(elementType: number): Ort.Tensor.Type {
  const types: Record<number, Ort.Tensor.Type> = {
    [ElementType.float]: "float32",
    [ElementType.double]: "float64",
    [ElementType.int64]: "int64",
    [ElementType.int32]: "int32",
    [ElementType.string]: "string",
  };
  const type = types[elementType];
  if (type === undefined) throw new Error(`element type ${elementTypeName(elementType)} cannot be fed`);
  return type;
}

/** Rows handled per block when columns are laid out row-major: a block's rows stay in cache. */
const LAYOUT_BLOCK = 256;

/** Writes rows [start, end) of `columns` row-major into `out` (one row of `width` values each). */
function layOutRows(
  out: Float64Array | Float32Array,
  columns: readonly Float64Array[],
  start: number,
  end: number,
  width: number,
): void {
  for (let b = start; b < end; b += LAYOUT_BLOCK) {
    const stop = Math.min(end, b + LAYOUT_BLOCK);
    for (let j = 0; j < width; j++) {
      const column = columns[j]!;
      for (let i = b, k = (b - start) * width + j; i < stop; i++, k += width) out[k] = column[i]!;
    }
  }
}

/** A fitted ONNX model, opened once, that scores batches of rows. */
export class OnnxScorer {
  /** Input buffers by input name and row count (a full slice and the last, shorter one). */
  private readonly buffers = new Map<string, Buffer>();

  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: Ort.InferenceSession,
    readonly binding: OnnxBinding,
    private readonly options: Required<Pick<OnnxScorerOptions, "file" | "batchRows">>,
  ) {}

  /**
   * Opens a session on the model's bytes.
   *
   * @throws InputError (exit 2) when ONNX Runtime refuses the model, naming the file.
   */
  static async open(
    bytes: Uint8Array,
    binding: OnnxBinding,
    options: OnnxScorerOptions,
  ): Promise<OnnxScorer> {
    const runtime = await loadOnnxRuntime(options.backend);
    const threads = options.threads ?? 1;
    if (runtime.backend === "wasm") runtime.ort.env.wasm.numThreads = threads;
    let session: Ort.InferenceSession;
    try {
      session = await runtime.ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
      });
    } catch (error) {
      throw new InputError({
        file: options.file,
        message: `ONNX Runtime cannot load the model: ${(error as Error).message.split("\n")[0]}`,
        hint: "check that the file opens with onnxruntime.InferenceSession in Python; re-export it with a released opset",
      });
    }
    return new OnnxScorer(runtime, session, binding, {
      file: options.file,
      batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
    });
  }

  /** The backend this scorer runs on. */
  get backend(): OnnxBackend {
    return this.runtime.backend;
  }

  /**
   * Scores `length` rows whose features are `features` (spec order); returns one prediction per
   * row (for classification, the positive class's probability).
   */
  async score(features: readonly FeatureValues[], length: number): Promise<Float64Array> {
    const out = new Float64Array(length);
    for (let start = 0; start < length; start += this.options.batchRows) {
      const end = Math.min(length, start + this.options.batchRows);
      const feeds = this.feeds(features, start, end);
      const results = await this.session.run(feeds, [this.binding.output.name]);
      const tensor = results[this.binding.output.name]!;
      const data = tensor.data as Float32Array | Float64Array;
      const { width, column } = this.binding.output;
      if (data.length !== (end - start) * width) {
        throw new InputError({
          file: this.options.file,
          message: `output ${this.binding.output.name} gave ${data.length} values for ${end - start} rows (expected ${width} per row)`,
          hint: "choose an output with one value (or one value per class) per row",
        });
      }
      for (let i = 0, k = column; i < end - start; i++, k += width) out[start + i] = data[k]!;
    }
    return out;
  }

  /** Frees the session. */
  async close(): Promise<void> {
    await this.session.release();
  }

  private buffer(name: string, elementType: number, length: number, rows: number): Buffer {
    const key = `${rows}:${name}`;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      // Batches come in a few sizes: keep the buffers of the latest sizes only.
      if (
        this.buffers.size >=
        4 * (this.binding.input.kind === "matrix" ? 1 : this.binding.input.columns.length)
      ) {
        this.buffers.clear();
      }
      buffer = allocate(elementType, length);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  private feeds(features: readonly FeatureValues[], start: number, end: number): Record<string, Ort.Tensor> {
    const { Tensor } = this.runtime.ort;
    const rows = end - start;
    const input = this.binding.input;
    if (input.kind === "matrix") {
      const width = input.width;
      const buffer = this.buffer(input.name, input.elementType, rows * width, rows);
      if (buffer instanceof Float64Array || buffer instanceof Float32Array) {
        layOutRows(buffer, features as readonly Float64Array[], start, end, width);
      } else {
        for (let j = 0; j < width; j++) this.fill(buffer, features[j]!, start, end, j, width, input.name);
      }
      return { [input.name]: new Tensor(tensorType(input.elementType), buffer, [rows, width]) };
    }
    const feeds: Record<string, Ort.Tensor> = {};
    for (const column of input.columns) {
      const buffer = this.buffer(column.name, column.elementType, rows, rows);
      this.fill(buffer, features[column.feature]!, start, end, 0, 1, column.name);
      feeds[column.name] = new Tensor(
        tensorType(column.elementType),
        buffer,
        column.rank === 1 ? [rows] : [rows, 1],
      );
    }
    return feeds;
  }

  /** Writes rows [start, end) of one feature into `buffer` at offset, every `stride` places. */
  private fill(
    buffer: Buffer,
    values: FeatureValues,
    start: number,
    end: number,
    offset: number,
    stride: number,
    input: string,
  ): void {
    if (Array.isArray(buffer)) {
      const text = values as readonly (string | null)[];
      for (let i = start, k = offset; i < end; i++, k += stride) buffer[k] = text[i] ?? "";
      return;
    }
    const numbers = values as Float64Array;
    if (buffer instanceof BigInt64Array || buffer instanceof Int32Array) {
      for (let i = start, k = offset; i < end; i++, k += stride) {
        const x = numbers[i]!;
        if (!Number.isInteger(x)) {
          throw new InputError({
            file: this.options.file,
            message: `input ${input} takes integers, and a row holds ${Number.isNaN(x) ? "a missing value" : x}`,
            hint: "export the model with a float or double input, or impute the column before it",
          });
        }
        if (buffer instanceof BigInt64Array) buffer[k] = BigInt(x);
        else buffer[k] = x;
      }
      return;
    }
    const typed = buffer as Float32Array | Float64Array;
    for (let i = start, k = offset; i < end; i++, k += stride) typed[k] = numbers[i]!;
  }
}
