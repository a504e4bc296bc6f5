/**
 * Runs of CSV records of plain numbers, read by a small WebAssembly kernel (number-rows.wat):
 * the CSV reader's hot loop for data of numbers only. It reads a record of plain numbers about
 * two and a half times as fast as the JavaScript fast path in csv-tokenizer.ts, and gives the
 * same doubles bit for bit. The reader's window of bytes lives in the kernel's memory, so
 * nothing is copied in; the values come out a column at a time.
 *
 * The kernel decides nothing about a record it cannot read: the run ends before it, and the
 * reader reads it the general way (which says what is wrong with it, if anything is).
 */
import { Buffer } from "node:buffer";
import { NUMBER_ROWS_WASM } from "./number-rows-wasm.js";

type NumberRowsFunction = (
  pos: number,
  end: number,
  delim: number,
  fields: number,
  out: number,
  stride: number,
  maxRows: number,
  maxRecord: number,
  bounds: number,
  ints: number,
) => number;

/** Past this size of memory the reader keeps an ordinary buffer (a huge record limit). */
const MAX_MEMORY_BYTES = 1 << 30;
const PAGE_BYTES = 65536;

let compiled: WebAssembly.Module | undefined;
/** Kernels a finished read gave back, for the next read of the same shape on this thread. */
const idle: NumberRows[] = [];

/** What the kernel checks of a field's column. */
export interface NumberRowsColumn {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

export class NumberRows {
  /** The reader's window of bytes: a view of the kernel's memory. */
  readonly window: Buffer;
  /** Field f's values of the last run are `values[f * stride, f * stride + rows)`. */
  readonly values: Float64Array;
  /** Just past the last record of the last run, in the window. */
  next = 0;
  private readonly run: NumberRowsFunction;
  private readonly nextRecord: WebAssembly.Global;
  private readonly bytes: Uint8Array;
  private readonly doubles: Float64Array;

  private constructor(
    memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    readonly fields: number,
    readonly stride: number,
    private readonly boundsAt: number,
    private readonly intsAt: number,
    private readonly outAt: number,
    private readonly windowAt: number,
    windowBytes: number,
  ) {
    this.run = instance.exports.numberRows as NumberRowsFunction;
    this.nextRecord = instance.exports.next as WebAssembly.Global;
    this.bytes = new Uint8Array(memory.buffer);
    this.doubles = new Float64Array(memory.buffer);
    this.window = Buffer.from(memory.buffer, windowAt, windowBytes);
    this.values = this.doubles.subarray(outAt / 8, outAt / 8 + fields * stride);
    for (let k = 0; k <= 15; k++) this.doubles[k] = 10 ** k;
    for (let f = 0; f < fields; f++) this.setColumn(f, { min: -Infinity, max: Infinity, integer: false });
  }

  /**
   * A kernel for records of `fields` fields, runs of at most `stride` rows and a window of
   * `windowBytes` bytes, one a finished read gave back if there is one; undefined when the memory
   * it needs is too large (then read without it). Give it back with {@link release}.
   */
  static acquire(fields: number, stride: number, windowBytes: number): NumberRows | undefined {
    const k = idle.findIndex(
      (n) => n.fields === fields && n.stride === stride && n.window.length === windowBytes,
    );
    if (k >= 0) return idle.splice(k, 1)[0];
    return NumberRows.create(fields, stride, windowBytes);
  }

  /** Gives the kernel back for a later read (a few are kept; the rest go to the collector). */
  release(): void {
    if (idle.length < 4 && !idle.includes(this)) idle.push(this);
  }

  /** A new kernel (see {@link acquire}). */
  static create(fields: number, stride: number, windowBytes: number): NumberRows | undefined {
    const boundsAt = 128;
    const intsAt = boundsAt + 16 * fields;
    const outAt = align8(intsAt + fields);
    const windowAt = align8(outAt + 8 * fields * stride);
    const total = windowAt + windowBytes;
    // Without WebAssembly (node --jitless) the reader reads every record in JavaScript.
    if (fields < 1 || total > MAX_MEMORY_BYTES || typeof WebAssembly === "undefined") return undefined;
    compiled ??= new WebAssembly.Module(Buffer.from(NUMBER_ROWS_WASM, "base64"));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(total / PAGE_BYTES) });
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    return new NumberRows(memory, instance, fields, stride, boundsAt, intsAt, outAt, windowAt, windowBytes);
  }

  /** What field f's column allows: values outside it end a run. */
  setColumn(f: number, column: NumberRowsColumn): void {
    this.doubles[this.boundsAt / 8 + 2 * f] = column.min;
    this.doubles[this.boundsAt / 8 + 2 * f + 1] = column.max;
    this.bytes[this.intsAt + f] = column.integer ? 1 : 0;
  }

  /**
   * Reads records of plain numbers from `window[pos]` on, at most `maxRows` of them, each
   * ending before `end` and no longer than `maxRecord` bytes: returns how many, their values in
   * {@link values}, and sets {@link next}. Writes a 0 at `window[end]` (past the window's bytes).
   */
  read(pos: number, end: number, delim: number, maxRows: number, maxRecord: number): number {
    const at = this.windowAt;
    this.window[end] = 0;
    const rows = this.run(
      at + pos,
      at + end,
      delim,
      this.fields,
      this.outAt,
      this.stride,
      Math.min(maxRows, this.stride),
      maxRecord,
      this.boundsAt,
      this.intsAt,
    );
    this.next = (this.nextRecord.value as number) - at;
    return rows;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
